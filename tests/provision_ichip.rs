//! iChip end to end: CR-separated PEM parameters read back, key strength, `I/ERROR (220)`
//! on the wrong CA.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod provision_util;

use atcert::modules::Family;
use atcert::sim::{IchipConfig, Server, SimModule};
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
