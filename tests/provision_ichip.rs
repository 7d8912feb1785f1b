//! iChip end to end: CR-separated PEM parameters read back, key strength, `I/ERROR (220)`
//! on the wrong CA.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod provision_util;

use atcert::modules::Family;
use atcert::sim::{IchipConfig, LineFaults, Server, ServerModel, SimModule};
use provision_util::*;

const FAMILY: Family = Family::Ichip;

fn ichip(server: Server) -> SimModule {
    let mut c = IchipConfig::default();
    c.common.server = server;
    c.build()
}

const EXPECT: &[&str] = &[
    "verified: read back",
    "verified: read back",
    "written; the module reports key strength in bits 2048",
];

#[test]
fn mutual_tls_reads_back_and_verifies() {
    provisions(FAMILY, &ichip, EXPECT);
}

/// `AT+iSSND%` answers on its echo's line (`AT+iSSND%:000,54:I/OK`); the engine takes
/// that as the result.
#[test]
fn mutual_tls_connects() {
    provisions_and_connects(FAMILY, &ichip, EXPECT);
}

#[test]
fn wrong_ca_is_reported_in_the_modules_words() {
    wrong_ca_fails(FAMILY, &ichip, "I/ERROR (220)", "negotiation failed");
}

#[test]
fn sweeps_every_byte_and_line() {
    sweeps(FAMILY, &ichip);
}

type Switch = (&'static str, fn(&mut IchipConfig));

/// The simulator's switches: each fact the evidence leaves uncertain, with the other
/// behaviour (tests/audit/ichip.md lists the evidence for each).
const SWITCHES: &[Switch] = &[
    ("the first CR ends an erase", |c| {
        c.erase_needs_blank_line = false;
    }),
    ("socket handles not zero-padded (I/0)", |c| {
        c.padded_handles = false;
    }),
    ("AT+iPKEY? answers I/<bits>", |c| {
        c.pkey_strength_as_value = true
    }),
    ("CA parameter holds 1500 characters", |c| {
        c.max_ca_chars = 1500
    }),
    ("SHA-2 signed CAs accepted", |c| c.allow_sha2_ca = true),
    ("echo off", |c| c.common.echo = false),
];

fn configs() -> Vec<(String, IchipConfig)> {
    let mut out = vec![("defaults".to_owned(), IchipConfig::default())];
    let mut all = IchipConfig::default();
    for (name, flip) in SWITCHES {
        let mut c = IchipConfig::default();
        flip(&mut c);
        flip(&mut all);
        out.push(((*name).to_owned(), c));
    }
    out.push(("every switch flipped".to_owned(), all));
    out
}

/// Under every switch: mutual provisioning twice stores the same parameters, the test
/// connection works twice in a row (the second one after the first left nothing open),
/// removal twice leaves nothing, and provisioning after removal works again.
#[test]
fn every_switch_provisions_verifies_connects_and_removes() {
    let pki = shared_pki(FAMILY);
    for (name, mut cfg) in configs() {
        let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
        server.client_ca = Some(pki.read("ca.der"));
        cfg.common.server = Server::Model(server);
        let m = cfg.build();
        let creds = credentials(pki, FAMILY, "ca", true);
        let mut s = session(&m, FAMILY, LineFaults::default());
        let report =
            provision(&mut s, FAMILY, &creds).unwrap_or_else(|e| panic!("{name}, provision: {e}"));
        let once = m.storage();
        assert_eq!(once.len(), 3, "{name}: {:?}", once.keys());
        provision(&mut s, FAMILY, &creds).unwrap_or_else(|e| panic!("{name}, again: {e}"));
        assert_eq!(m.storage(), once, "{name}");
        for (got, want) in report.credentials.iter().zip(EXPECT) {
            assert!(
                got.verification.to_string().starts_with(want),
                "{name}: {report}"
            );
        }
        connect_twice_remove_twice_and_again(&mut s, &m, FAMILY, &creds, &name);
    }
}

/// A test connection cut off after its handshake leaves iChip's one SSL socket open; the
/// next test on the same module closes it first instead of failing with `I/ERROR (225)`.
#[test]
fn an_ssl_session_left_open_does_not_block_the_next_test() {
    let pki = shared_pki(FAMILY);
    let m = ichip(Server::Model(ServerModel::new(
        vec![pki.read("server.der")],
        pki.read("ca.der"),
    )));
    let creds = credentials(pki, FAMILY, "ca", false);
    let mut s = session(&m, FAMILY, LineFaults::default());
    provision(&mut s, FAMILY, &creds).unwrap();
    // By hand, as an interrupted run leaves it: TCP and SSL open, never closed.
    let mut h = session(&m, FAMILY, LineFaults::default());
    let cmd = |t: &str| atcert::at::Command {
        line: t.as_bytes().to_vec(),
        terminator: b"\r".to_vec(),
        data: None,
        response: atcert::at::ResponseShape::Lines,
        timeout: std::time::Duration::from_secs(30),
    };
    futures::executor::block_on(h.run_raw(&cmd("AT+iSTCP:localhost,443"))).unwrap();
    let ssl = futures::executor::block_on(h.run_raw(&cmd("AT+iSSL:0"))).unwrap();
    assert_eq!(ssl.final_result, atcert::at::Final::Ok, "{ssl:?}");
    drop(h);
    let mut again = session(&m, FAMILY, LineFaults::default());
    let conn = test_connection(&mut again, FAMILY).unwrap_or_else(|e| panic!("{e}"));
    assert!(String::from_utf8_lossy(&conn.response).contains("200 OK"));
}

#[test]
fn every_simulator_error_is_explained() {
    let config = FAMILY.engine_config();
    for out in atcert::sim::ICHIP_ERROR_OUTPUTS {
        // Every iChip error is a final result (`I/ERROR (<n>)`).
        assert!(
            atcert::at::parse_final(&config, out).is_some(),
            "{out}: not a final"
        );
        assert_explained_specifically(FAMILY, out);
    }
}
