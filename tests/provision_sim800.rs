//! SIM800 end to end: root CA file, size check, SSLSETCERT import, TCP+SSL test connection;
//! client credentials refused before anything is sent.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod provision_util;

use atcert::modules::flows::FlowError;
use atcert::modules::{Family, PlanError};
use atcert::sim::{LineFaults, Server, Sim800Config, SimModule};
use provision_util::*;

const FAMILY: Family = Family::Sim800;

fn sim800(server: Server) -> SimModule {
    let mut c = Sim800Config::default();
    c.common.server = server;
    c.build()
}

#[test]
fn root_ca_is_written_size_checked_imported_and_connects() {
    provisions_and_connects(
        FAMILY,
        &sim800,
        &["written; the module reports the expected size"],
    );
}

#[test]
fn wrong_ca_is_reported_in_the_modules_words() {
    wrong_ca_fails(FAMILY, &sim800, "0, CLOSE OK", "TLS handshake");
}

#[test]
fn client_credentials_are_refused_before_sending() {
    let pki = pki_for(FAMILY);
    let m = sim800(Server::default());
    let mut creds = credentials(&pki, Family::Sim7600, "ca", true);
    creds.ca = credentials(&pki, FAMILY, "ca", false).ca;
    let mut s = session(&m, FAMILY, LineFaults::default());
    let err = provision(&mut s, FAMILY, &creds).unwrap_err();
    assert!(
        matches!(err, FlowError::Plan(PlanError::Unsupported { .. })),
        "{err}"
    );
    assert!(s.transcript().is_empty(), "nothing may be sent");
}

#[test]
fn sweeps_every_byte_and_line() {
    sweeps(FAMILY, &sim800);
}

type Switch = (&'static str, fn(&mut Sim800Config));

/// Every fact the evidence leaves uncertain, flipped from the simulator's default.
const SWITCHES: &[Switch] = &[
    ("prompt '>' without CRLF or space", |c| {
        c.prompt = b">".to_vec()
    }),
    ("FSCREATE on an existing file is OK", |c| {
        c.fscreate_existing_errors = false;
    }),
    ("FSDEL of a missing file is OK", |c| {
        c.fsdel_missing_errors = false
    }),
    ("file names are case-sensitive", |c| {
        c.case_insensitive_paths = false;
    }),
    ("SSLOPT=0,0 ignores invalid certificates (seeds/000)", |c| {
        c.sslopt_zero_ignores = true;
    }),
    ("SSLSETCERT imports DER only (SSL app note)", |c| {
        c.setcert_der_only = true;
    }),
    ("CIPSTART in any IP state", |c| {
        c.cipstart_needs_ip_status = false
    }),
    ("'0,CONNECT OK' without the space (AT manual)", |c| {
        c.mux_prefix_space = false;
    }),
    ("certificate dates checked", |c| c.check_dates = true),
    ("no AT+SSLSETROOT (LilyGO #205)", |c| {
        c.setroot_supported = false
    }),
];

fn full_cycle(what: &str, adjust: &dyn Fn(&mut Sim800Config)) -> Result<(), FlowError> {
    use atcert::modules::flows;
    use atcert::sim::ServerModel;
    use futures::executor::block_on;
    let pki = pki_for(FAMILY);
    let mut cfg = Sim800Config::default();
    adjust(&mut cfg);
    cfg.common.server = Server::Model(ServerModel::new(
        vec![pki.read("server.der")],
        pki.read("ca.der"),
    ));
    let m = cfg.build();
    let creds = credentials(&pki, FAMILY, "ca", false);
    let ca = creds.ca.clone().unwrap();
    let mut s = session(&m, FAMILY, LineFaults::default());
    for _ in 0..2 {
        let report = provision(&mut s, FAMILY, &creds)?;
        assert!(
            report.credentials[0]
                .verification
                .to_string()
                .contains("expected size"),
            "{what}: {report}"
        );
        let stored = m.storage();
        assert_eq!(stored.len(), 1, "{what}: {stored:?}");
        assert_eq!(stored.values().next(), Some(&ca.bytes), "{what}");
    }
    for _ in 0..2 {
        let conn = test_connection(&mut s, FAMILY)?;
        assert!(
            String::from_utf8_lossy(&conn.response).contains("200 OK"),
            "{what}: {conn:?}"
        );
    }
    for _ in 0..2 {
        block_on(flows::remove(&mut s, FAMILY, &creds, &options()))?;
        assert!(m.storage().is_empty(), "{what}: {:?}", m.storage());
    }
    Ok(())
}

#[test]
fn every_uncertain_fact_either_way_provisions_connects_and_removes() {
    full_cycle("defaults", &|_| {}).unwrap();
    for (what, flip) in SWITCHES {
        full_cycle(what, flip).unwrap_or_else(|e| panic!("{what}: {e}"));
    }
    full_cycle("all flipped", &|c| {
        for (_, flip) in SWITCHES {
            flip(c);
        }
    })
    .unwrap_or_else(|e| panic!("all flipped: {e}"));
}

#[test]
fn firmware_without_ssl_fails_naming_it_and_the_fix() {
    // R13.08 builds answer ERROR to AT+CIPSSL (sim800.md §1, [S]).
    let err = full_cycle("no SSL", &|c| c.ssl_supported = false).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("AT+CIPSSL=1"), "{msg}");
    assert!(msg.contains("R13.08"), "{msg}");
    assert!(msg.contains("update the firmware"), "{msg}");
}
