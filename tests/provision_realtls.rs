//! Real TLS: `openssl s_server` on 127.0.0.1 with a CA and server certificate made by
//! openssl at test time; credentials go through each family's provisioning flow into a
//! simulated module whose test connection is a real rustls handshake with that server.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod provision_util;

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use atcert::modules::Family;
use atcert::sim::{LineFaults, RealTlsTarget, Server, SimModule};
use provision_util::*;

/// `openssl s_server` for the test's lifetime; killed (by its own handle) on drop.
struct OpensslServer {
    child: Child,
    port: u16,
}

impl OpensslServer {
    fn start_with(pki: &Pki, require_client_cert: bool, extra: &[&str]) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = Command::new("openssl");
        cmd.current_dir(pki.dir.path())
            .args(["s_server", "-accept", &port.to_string(), "-naccept", "4"])
            .args([
                "-cert",
                "server.pem",
                "-key",
                "server.key",
                "-CAfile",
                "ca.pem",
                "-www",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if require_client_cert {
            cmd.args(["-Verify", "1"]);
        }
        cmd.args(extra);
        let child = cmd.spawn().expect("start openssl s_server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "openssl s_server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, port }
    }

    fn target(&self) -> Server {
        Server::RealTls(RealTlsTarget::localhost(self.port))
    }
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn make(family: Family) -> impl Fn(Server) -> SimModule {
    move |server| atcert::sim::module(family, server)
}

/// The matching CA connects (mutual where `mutual`) and the server's page comes back; the
/// wrong CA fails with the module's own words.
fn real_tls(family: Family, mutual: bool, wrong_ca_said: &str) {
    let pki = pki_for(family);
    let make = make(family);
    // 1. Matching credentials.
    let server = OpensslServer::start_with(&pki, mutual, legacy_server(family));
    let m = make(server.target());
    let creds = credentials(&pki, family, "ca", mutual);
    let mut s = session(&m, family, LineFaults::default());
    provision(&mut s, family, &creds).unwrap();
    let conn = test_connection(&mut s, family).unwrap_or_else(|e| panic!("{family}: {e}"));
    let text = String::from_utf8_lossy(&conn.response);
    assert!(text.contains("HTTP/1.0 200 ok"), "{family}: {text}");
    // 2. The wrong CA.
    let m = make(server.target());
    let creds = credentials(&pki, family, "other", mutual);
    let mut s = session(&m, family, LineFaults::default());
    provision(&mut s, family, &creds).unwrap();
    let err = test_connection(&mut s, family).unwrap_err();
    assert!(err.to_string().contains(wrong_ca_said), "{family}: {err}");
}

/// The server options a module limited to TLS 1.0 needs: OpenSSL 3 allows TLS 1.0 (and
/// iChip's SHA-1-signed test credentials) only at security level 0.
fn legacy_server(family: Family) -> &'static [&'static str] {
    // The simulators' defaults: SIM800, Telit GE/GL and iChip speak up to TLS 1.0.
    if matches!(family, Family::Sim800 | Family::TelitLegacy | Family::Ichip) {
        &["-min_protocol", "TLSv1", "-cipher", "DEFAULT:@SECLEVEL=0"]
    } else {
        &[]
    }
}

#[test]
fn sim7600_mutual_tls_against_openssl() {
    real_tls(Family::Sim7600, true, "+CCHOPEN: 0,15");
}

#[test]
fn sim70xx_mutual_tls_against_openssl() {
    real_tls(Family::Sim70xx, true, "+CAOPEN: 0,27");
}

#[test]
fn quectel_mutual_tls_against_openssl() {
    real_tls(Family::Quectel, true, "+QSSLOPEN: 1,566");
}

#[test]
fn telit_le910_mutual_tls_against_openssl() {
    real_tls(Family::TelitLe910, true, "+CME ERROR: 1004");
}

#[test]
fn spwf04_mutual_tls_against_openssl() {
    real_tls(Family::Spwf04, true, "AT-S.Certificate Error");
}

#[test]
fn ublox_mutual_tls_against_openssl() {
    real_tls(Family::Ublox, true, "+CME ERROR: 3");
}

/// SIM800 presents no client certificate (sim800.md): one-way TLS 1.0.
#[test]
fn nrf91_mutual_tls_against_openssl() {
    // Serial Modem answers a failed AT#XCONNECT with a bare ERROR.
    real_tls(Family::Nrf91, true, "said \"ERROR\"");
}

#[test]
fn sim800_tls10_against_openssl() {
    real_tls(Family::Sim800, false, "0, CLOSE OK");
}

#[test]
fn telit_legacy_mutual_tls10_against_openssl() {
    real_tls(Family::TelitLegacy, true, "+CME ERROR: 839");
}

#[test]
fn ichip_mutual_tls10_against_openssl() {
    real_tls(Family::Ichip, true, "I/ERROR (220)");
}

#[test]
fn espat_mutual_tls_against_openssl() {
    real_tls(Family::Espat, true, "ERROR");
}

/// A module that speaks only TLS 1.0 cannot reach a TLS 1.2-only server; the flow says so
/// in the module's words and never reports success.
#[test]
fn tls10_only_modules_are_refused_by_a_tls12_server_in_their_own_words() {
    for (family, said) in [
        (Family::Sim800, "0, CLOSE OK"),
        (Family::TelitLegacy, "+CME ERROR: 839"),
        (Family::Ichip, "I/ERROR (220)"),
    ] {
        let pki = pki_for(family);
        let server = OpensslServer::start_with(
            &pki,
            false,
            &["-min_protocol", "TLSv1.2", "-cipher", "DEFAULT:@SECLEVEL=0"],
        );
        let m = make(family)(server.target());
        let creds = credentials(&pki, family, "ca", false);
        let mut s = session(&m, family, LineFaults::default());
        provision(&mut s, family, &creds).unwrap();
        let err = test_connection(&mut s, family).unwrap_err();
        assert!(err.to_string().contains(said), "{family}: {err}");
    }
}

#[test]
fn sequans_mutual_tls_against_openssl() {
    real_tls(Family::Sequans, true, "NO CARRIER");
}
