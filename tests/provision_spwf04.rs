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
