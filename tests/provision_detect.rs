//! Auto-detection against every simulated family: the family, model and firmware come out
//! of answers to other vendors' commands being ERROR or silence.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atcert::modules::flows;
use atcert::modules::{Family, TlsSupport};
use atcert::session::{Session, SessionOptions};
use atcert::sim::{LineConfig, Server, VirtualClock};
use futures::executor::block_on;

fn detect(family: Family) -> atcert::modules::Identity {
    let m = atcert::sim::module(family, Server::default());
    let clock = VirtualClock::new();
    let port = m.port(clock.clone(), LineConfig::default());
    let mut s = Session::new(port, clock, SessionOptions::default());
    block_on(flows::detect(&mut s)).unwrap_or_else(|e| panic!("{family}: {e}"))
}

#[test]
fn every_family_is_recognised() {
    for family in Family::ALL {
        let id = detect(family);
        assert_eq!(id.family, family, "{id}");
        assert!(
            id.firmware.as_deref().is_some_and(|f| !f.is_empty()),
            "{family}: {id}"
        );
        assert_eq!(id.tls, TlsSupport::Yes, "{family}: {id}");
    }
}

#[test]
fn models_are_named_as_the_module_names_them() {
    assert_eq!(detect(Family::Sim7600).model, "SIM7600G-H");
    assert!(detect(Family::Sim800).model.starts_with("SIM800"));
    assert!(
        detect(Family::TelitLegacy).model.starts_with("GL865")
            || detect(Family::TelitLegacy).model.starts_with("GE86")
    );
}
