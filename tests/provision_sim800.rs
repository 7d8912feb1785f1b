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
