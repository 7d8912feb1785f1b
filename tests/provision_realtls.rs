//! Real TLS: `openssl s_server` on 127.0.0.1 with a CA and server certificate made by
//! openssl at test time; credentials go through each family's provisioning flow into a
//! simulated module whose test connection is a real rustls handshake with that server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod provision_util;

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use atcert::modules::Family;
use atcert::modules::flows::FlowError;
use atcert::sim::{LineFaults, RealTlsTarget, Server, Sim7600Config, SimModule};
use provision_util::*;

/// `openssl s_server` for the test's lifetime; killed (by its own handle) on drop.
struct OpensslServer {
    child: Child,
    port: u16,
}

impl OpensslServer {
    fn start(pki: &Pki, require_client_cert: bool) -> Self {
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

fn real_tls(family: Family, make: &dyn Fn(Server) -> SimModule, mutual: bool) {
    let pki = Pki::new();
    // 1. Matching credentials: the handshake succeeds and the server's page comes back.
    let server = OpensslServer::start(&pki, mutual);
    let m = make(server.target());
    let creds = credentials(&pki, family, "ca", mutual);
    let mut s = session(&m, family, LineFaults::default());
    provision(&mut s, family, &creds).unwrap();
    let conn = test_connection(&mut s, family).unwrap_or_else(|e| panic!("{family}: {e}"));
    let text = String::from_utf8_lossy(&conn.response);
    assert!(text.contains("HTTP/1.0 200 ok"), "{family}: {text}");
    // 2. The wrong CA: the module's own failure, explained.
    let m = make(server.target());
    let creds = credentials(&pki, family, "other", mutual);
    let mut s = session(&m, family, LineFaults::default());
    provision(&mut s, family, &creds).unwrap();
    let err = test_connection(&mut s, family).unwrap_err();
    assert!(
        matches!(err, FlowError::Reported { .. } | FlowError::Step(_)),
        "{family}: {err}"
    );
    assert!(err.to_string().contains("open"), "{family}: {err}");
}

#[test]
fn sim7600_mutual_tls_against_openssl() {
    real_tls(
        Family::Sim7600,
        &|server| {
            let mut cfg = Sim7600Config::default();
            cfg.common.server = server;
            cfg.build()
        },
        true,
    );
}
