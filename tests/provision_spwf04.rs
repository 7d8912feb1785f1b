//! SPWF04 end to end: the root CA as `/<ski>.ca` read back byte for byte, or in the TLSCERT
//! slot checked by the Subject Key Identifier the module reports; client certificate and key
//! in TLSCERT slots; `AT-S.Certificate Error:23` on the wrong CA.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod provision_util;

use atcert::modules::Family;
use atcert::modules::flows::Verification;
use atcert::sim::{LineFaults, Server, ServerModel, SimModule, Spwf04Config};
use provision_util::*;

const FAMILY: Family = Family::Spwf04;

fn spwf04(server: Server) -> SimModule {
    let mut c = Spwf04Config::default();
    c.common.server = server;
    c.build()
}

#[test]
fn mutual_tls_ca_file_read_back_and_connects() {
    provisions_and_connects(
        FAMILY,
        &spwf04,
        &[
            "verified: read back",
            "written, not verifiable on this module",
            "written, not verifiable on this module",
        ],
    );
}

#[test]
fn wrong_ca_is_reported_in_the_modules_words() {
    wrong_ca_fails(FAMILY, &spwf04, "AT-S.Certificate Error:23", "no CA found");
}

#[test]
fn missing_client_certificate_fails() {
    client_cert_required_but_missing_fails(FAMILY, &spwf04);
}

#[test]
fn sweeps_every_byte_and_line() {
    sweeps(FAMILY, &spwf04);
}

#[test]
fn ca_in_the_tlscert_slot_is_checked_by_its_subject_key_identifier() {
    let pki = pki_for(FAMILY);
    let m = spwf04(Server::Model(ServerModel::new(
        vec![pki.read("server.der")],
        pki.read("ca.der"),
    )));
    let mut creds = credentials(&pki, FAMILY, "ca", false);
    if let Some(ca) = creds.ca.as_mut() {
        ca.name.clear();
    }
    let mut s = session(&m, FAMILY, LineFaults::default());
    let report = provision(&mut s, FAMILY, &creds).unwrap();
    assert!(
        matches!(&report.credentials[0].verification, Verification::SameIdentity { what, .. } if what == "Subject Key Identifier"),
        "{report}"
    );
    assert!(
        m.storage().contains_key("tlscert:ca"),
        "{:?}",
        m.storage().keys()
    );
    test_connection(&mut s, FAMILY).unwrap();
}

/// The simulator's switches: each fact the evidence leaves uncertain, with the other
/// behaviour (tests/audit/spwf04.md lists the evidence for each).
type Switch = (&'static str, fn(&mut Spwf04Config));

const SWITCHES: &[Switch] = &[
    ("AT+S.FSC overwrites an existing file", |c| {
        c.fsc_appends = false;
    }),
    ("AT+S.FSA exists (SPWF01 command kept)", |c| {
        c.fsa_supported = true;
    }),
    ("AT+S.FSD of a missing file answers OK", |c| {
        c.fsd_missing_is_error = false;
    }),
    ("AT+S.FSP needs its offset and length fields", |c| {
        c.fsp_requires_range = true;
    }),
    ("AT+S.FSC takes at most 1024 bytes", |c| {
        c.max_fs_write = 1024
    }),
    (
        "AT+S.TLSCERT=content,2 on empty slots answers an error",
        |c| {
            c.clean_empty_is_error = true;
        },
    ),
    ("AT-S.OK carries heap and Wi-Fi state", |c| {
        c.verbose_ok = true
    }),
    ("file-system CAs are used with client slots filled", |c| {
        c.fs_ca_needs_empty_slots = false;
    }),
    ("echo off", |c| c.common.echo = false),
];

/// Defaults, each switch flipped alone, and all flipped.
fn configs() -> Vec<(String, Spwf04Config)> {
    let mut out = vec![("defaults".to_owned(), Spwf04Config::default())];
    let mut all = Spwf04Config::default();
    for (name, flip) in SWITCHES {
        let mut c = Spwf04Config::default();
        flip(&mut c);
        flip(&mut all);
        out.push(((*name).to_owned(), c));
    }
    out.push(("every switch flipped".to_owned(), all));
    out
}

fn with_server(mut c: Spwf04Config, server: Server) -> SimModule {
    c.common.server = server;
    c.build()
}

/// Under every switch: mutual provisioning twice stores exactly one copy of each credential,
/// the test connection works twice in a row, removal twice leaves nothing, and provisioning
/// after removal works again.
#[test]
fn every_switch_provisions_verifies_connects_and_removes() {
    let pki = shared_pki(FAMILY);
    let ca = pki.read("ca.der");
    for (name, cfg) in configs() {
        let mut server = ServerModel::new(vec![pki.read("server.der")], ca.clone());
        server.client_ca = Some(ca.clone());
        let m = with_server(cfg, Server::Model(server));
        let creds = credentials(pki, FAMILY, "ca", true);
        let file = format!("fs:{}", creds.ca.as_ref().unwrap().name);
        let mut s = session(&m, FAMILY, LineFaults::default());
        for round in 0..2 {
            let report = provision(&mut s, FAMILY, &creds)
                .unwrap_or_else(|e| panic!("{name}, provision {round}: {e}"));
            assert!(
                report.credentials[0]
                    .verification
                    .to_string()
                    .starts_with("verified: read back"),
                "{name}: {report}"
            );
            assert_eq!(m.storage().get(&file), Some(&ca), "{name}, round {round}");
        }
        connect_twice_remove_twice_and_again(&mut s, &m, FAMILY, &creds, &name);
    }
}

/// A root CA over 1024 bytes of DER goes in two `AT+S.FSC` parts. Where FSC appends (ST's
/// firmware table) the file is exact and the connection works; where it overwrites, the
/// read-back catches it and the message names the assumption and the way around it.
#[test]
fn a_root_over_1024_bytes_is_written_in_parts_or_the_failure_says_why() {
    let pki = Pki::new();
    pki.ca("big", "rsa:4096", "Big Root CA");
    pki.leaf("bigserver", "big", "localhost", "rsa:2048", true);
    for n in ["big", "bigserver"] {
        pki.openssl(&[
            "x509",
            "-in",
            &format!("{n}.pem"),
            "-outform",
            "DER",
            "-out",
            &format!("{n}.der"),
        ]);
    }
    let big = pki.read("big.der");
    assert!(big.len() > 1024, "{}", big.len());
    for (name, cfg) in configs() {
        let appends = cfg.fsc_appends;
        let m = with_server(
            cfg,
            Server::Model(ServerModel::new(
                vec![pki.read("bigserver.der")],
                big.clone(),
            )),
        );
        let creds = credentials(&pki, FAMILY, "big", false);
        let mut s = session(&m, FAMILY, LineFaults::default());
        match provision(&mut s, FAMILY, &creds) {
            Ok(report) => {
                assert!(
                    appends,
                    "{name}: an overwriting FSC cannot verify: {report}"
                );
                let file = format!("fs:{}", creds.ca.as_ref().unwrap().name);
                assert_eq!(m.storage().get(&file), Some(&big), "{name}");
                test_connection(&mut s, FAMILY).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            Err(e) => {
                assert!(!appends, "{name}: {e}");
                let msg = e.to_string();
                assert!(
                    msg.contains("overwrites instead of appending")
                        && msg.contains("under 1024 bytes"),
                    "{name}: {msg}"
                );
            }
        }
    }
}

/// Every error output the simulator can produce gets a specific explanation from
/// `modules::explain` / `modules::explain_line`, never the generic fallback.
#[test]
fn every_simulator_error_is_explained() {
    for out in atcert::sim::SPWF04_ERROR_OUTPUTS {
        assert_explained_specifically(FAMILY, out);
    }
}
