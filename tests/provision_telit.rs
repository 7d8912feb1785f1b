//! Telit legacy (GE864/GL865) and LE910 end to end: PEM read back, key flag, `+CME ERROR`
//! 839 / 1004 on the wrong CA, disconnects and URCs everywhere.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod provision_util;

use atcert::modules::Family;
use atcert::sim::{Server, SimModule, TelitConfig};
use provision_util::*;

fn legacy(server: Server) -> SimModule {
    let mut c = TelitConfig::legacy();
    c.common.server = server;
    c.build()
}

fn le910(server: Server) -> SimModule {
    let mut c = TelitConfig::le910();
    c.common.server = server;
    c.build()
}

const EXPECT: &[&str] = &[
    "verified: read back",
    "verified: read back",
    "written; the module reports key-stored flag 1",
];

#[test]
fn legacy_mutual_tls_verifies_and_connects() {
    provisions_and_connects(Family::TelitLegacy, &legacy, EXPECT);
}

#[test]
fn le910_mutual_tls_verifies_and_connects() {
    provisions_and_connects(Family::TelitLe910, &le910, EXPECT);
}

#[test]
fn wrong_ca_is_reported_in_the_modules_words() {
    wrong_ca_fails(Family::TelitLegacy, &legacy, "+CME ERROR: 839", "handshake");
    wrong_ca_fails(Family::TelitLe910, &le910, "+CME ERROR: 1004", "handshake");
}

#[test]
fn missing_client_certificate_fails() {
    client_cert_required_but_missing_fails(Family::TelitLegacy, &legacy);
    client_cert_required_but_missing_fails(Family::TelitLe910, &le910);
}

#[test]
fn legacy_sweeps() {
    sweeps(Family::TelitLegacy, &legacy);
}

#[test]
fn le910_sweeps() {
    sweeps(Family::TelitLe910, &le910);
}
