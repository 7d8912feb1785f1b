//! SPWF04 end to end: TLSCERT slots, the module's Subject Key Identifier checked against the
//! CA's, `AT-S.Certificate Error:23` on the wrong CA.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod provision_util;

use atcert::modules::Family;
use atcert::sim::{Server, SimModule, Spwf04Config};
use provision_util::*;

const FAMILY: Family = Family::Spwf04;

fn spwf04(server: Server) -> SimModule {
    let mut c = Spwf04Config::default();
    c.common.server = server;
    c.build()
}

#[test]
fn mutual_tls_ca_verified_by_ski_and_connects() {
    provisions_and_connects(
        FAMILY,
        &spwf04,
        &[
            "verified: the module reports the Subject Key Identifier",
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
