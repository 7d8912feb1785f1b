//! SIM7600 end to end: provision, verify, test connection, failures in the module's words,
//! disconnects at every byte, noise and URCs anywhere.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod provision_util;

use atcert::modules::flows::{FlowError, Verification};
use atcert::modules::{Family, Role};
use atcert::sim::{LineFaults, Server, ServerModel, Sim7600Config, SimModule};
use provision_util::*;

const FAMILY: Family = Family::Sim7600;

fn module(pki: &Pki, client_ca: bool) -> SimModule {
    let mut cfg = Sim7600Config::default();
    let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    if client_ca {
        server.client_ca = Some(pki.read("ca.der"));
    }
    cfg.common.server = Server::Model(server);
    cfg.build()
}

#[test]
fn mutual_tls_provisions_verifies_and_connects() {
    let pki = Pki::new();
    let m = module(&pki, true);
    let creds = credentials(&pki, FAMILY, "ca", true);
    let mut s = session(&m, FAMILY, LineFaults::default());
    let report = provision(&mut s, FAMILY, &creds).unwrap();
    assert_eq!(report.credentials.len(), 3);
    for c in &report.credentials {
        assert!(
            matches!(c.verification, Verification::Listed { .. }),
            "{c:?}"
        );
        assert!(!c.verification.to_string().starts_with("verified"));
    }
    assert_eq!(
        m.storage().get("ca_cert.pem"),
        creds.get(Role::Ca).map(|c| &c.bytes)
    );
    let conn = test_connection(&mut s, FAMILY).unwrap();
    assert!(
        String::from_utf8_lossy(&conn.response).contains("200 OK"),
        "{conn:?}"
    );
}

#[test]
fn wrong_ca_fails_with_the_modules_words_and_meaning() {
    let pki = Pki::new();
    let m = module(&pki, false);
    let creds = credentials(&pki, FAMILY, "other", false);
    let mut s = session(&m, FAMILY, LineFaults::default());
    provision(&mut s, FAMILY, &creds).unwrap();
    let err = test_connection(&mut s, FAMILY).unwrap_err();
    match &err {
        FlowError::Reported {
            said, explanation, ..
        } => {
            assert_eq!(said, "+CCHOPEN: 0,15");
            assert!(explanation.meaning.contains("handshake"));
        }
        other => panic!("{other}"),
    }
    assert!(
        err.to_string().contains("open TLS to localhost:443"),
        "{err}"
    );
}

#[test]
fn disconnect_at_every_byte_never_succeeds_and_rerun_works() {
    let pki = Pki::new();
    let creds = credentials(&pki, FAMILY, "ca", false);
    disconnect_sweep(&|| module(&pki, false), FAMILY, &creds, 1);
}

#[test]
fn noise_and_urcs_anywhere_do_not_change_the_outcome() {
    let pki = Pki::new();
    let creds = credentials(&pki, FAMILY, "ca", false);
    noise_sweep(
        &|| module(&pki, false),
        FAMILY,
        &creds,
        b"\r\n+CEREG: 1\r\n",
    );
    noise_sweep(&|| module(&pki, false), FAMILY, &creds, b"\r\n\r\n");
    noise_sweep(
        &|| module(&pki, false),
        FAMILY,
        &creds,
        b"+CCHEVENT: 1,RECV EVENT\r\n",
    );
}

#[test]
fn set_clock_and_configure_tls_flows_stand_alone() {
    use atcert::modules::flows;
    use atcert::session::Clock;
    use futures::executor::block_on;
    let pki = Pki::new();
    let m = module(&pki, false);
    let creds = credentials(&pki, FAMILY, "ca", false);
    let mut s = session(&m, FAMILY, LineFaults::default());
    let opts = options();
    let set = block_on(flows::set_clock(&mut s, FAMILY, &opts)).unwrap();
    assert!(set);
    let module_time = m.clock_epoch(s.clock().now());
    let want = i64::try_from(opts.unix_time.unwrap()).unwrap();
    assert!(
        (module_time - want).abs() <= 2,
        "module clock {module_time}, set {want}"
    );
    block_on(flows::configure_tls(&mut s, FAMILY, &creds, &opts)).unwrap();
    let without_time = atcert::modules::Options {
        unix_time: None,
        ..opts
    };
    assert!(!block_on(flows::set_clock(&mut s, FAMILY, &without_time)).unwrap());
}
