//! Real TLS behind the simulated modules: `openssl s_server` on 127.0.0.1 with a CA, server
//! and client certificates made by the openssl CLI; the module's own AT commands open,
//! send and receive over a rustls client built from exactly the bytes stored on it.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]

#[path = "sim_util.rs"]
mod util;

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use atcert::sim::{RealTlsTarget, Server, Sim7600Config, Spwf04Config, TelitConfig};
use util::{Host, Pki};

/// `openssl s_server -www`, killed on drop.
struct SServer {
    child: Child,
    port: u16,
}

impl SServer {
    fn start(pki: &Pki, mutual: bool) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let mut cmd = Command::new("openssl");
        cmd.current_dir(pki.dir.path())
            .args(["s_server", "-accept", &format!("127.0.0.1:{port}")])
            .args([
                "-cert",
                "server.pem",
                "-key",
                "server.key",
                "-www",
                "-quiet",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if mutual {
            // Without -verify_return_error s_server only logs a bad client certificate.
            cmd.args(["-Verify", "1", "-verify_return_error", "-CAfile", "ca.pem"]);
        }
        let child = cmd.spawn().expect("start openssl s_server");
        let server = Self { child, port };
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("openssl s_server did not start on port {port}");
    }

    fn target(&self) -> Server {
        Server::RealTls(RealTlsTarget::localhost(self.port))
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn download(h: &mut Host, name: &str, data: &[u8]) {
    assert!(
        h.cmd_for(
            &format!("AT+CCERTDOWN=\"{name}\",{}", data.len()),
            Duration::from_millis(50)
        )
        .ends_with("> ")
    );
    assert_eq!(h.raw_for(data, Duration::from_secs(1)), b"\r\nOK\r\n");
}

fn sim7600_open(h: &mut Host, sid: u8) -> String {
    h.cmd_for(
        &format!("AT+CCHOPEN={sid},\"localhost\",443,2"),
        Duration::from_secs(3),
    )
}

#[test]
fn sim7600_mutual_tls_against_openssl() {
    let pki = Pki::new();
    let server = SServer::start(&pki, true);
    let mut cfg = Sim7600Config::default();
    cfg.common.server = server.target();
    let m = cfg.build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    download(&mut h, "ca.pem", &pki.read("ca.pem"));
    download(&mut h, "other.pem", &pki.read("other.pem"));
    download(&mut h, "client.pem", &pki.read("client.pem"));
    download(&mut h, "client_key.der", &pki.read("client.key.der"));
    download(&mut h, "rogue.pem", &pki.read("rogue.pem"));
    download(&mut h, "rogue_key.pem", &pki.read("rogue.key"));
    for c in [
        "AT+CSSLCFG=\"authmode\",0,2",
        "AT+CSSLCFG=\"cacert\",0,\"ca.pem\"",
        "AT+CSSLCFG=\"clientcert\",0,\"client.pem\"",
        "AT+CSSLCFG=\"clientkey\",0,\"client_key.der\"",
        "AT+CCHSET=1",
    ] {
        assert_eq!(h.cmd(c), "\r\nOK\r\n", "{c}");
    }
    h.cmd("AT+CCHSTART");
    assert_eq!(sim7600_open(&mut h, 0), "\r\nOK\r\n\r\n+CCHOPEN: 0,0\r\n");
    let req = b"GET / HTTP/1.0\r\n\r\n";
    h.cmd_for(
        &format!("AT+CCHSEND=0,{}", req.len()),
        Duration::from_millis(50),
    );
    let out = String::from_utf8_lossy(&h.raw_for(req, Duration::from_secs(3))).into_owned();
    assert!(
        out.starts_with("\r\nOK\r\n\r\n+CCHSEND: 0,0\r\n\r\n+CCHRECV: DATA,0,"),
        "{out:?}"
    );
    assert!(out.contains("HTTP/1.0 200 ok"), "{out:?}");
    assert!(out.contains("s_server"), "{out:?}");
    // Wrong CA: the handshake fails with the module's own code.
    h.cmd("AT+CSSLCFG=\"cacert\",0,\"other.pem\"");
    assert_eq!(sim7600_open(&mut h, 1), "\r\nOK\r\n\r\n+CCHOPEN: 1,15\r\n");
    // Right CA, no client certificate (server auth only): the server refuses.
    h.cmd("AT+CSSLCFG=\"cacert\",0,\"ca.pem\"");
    h.cmd("AT+CSSLCFG=\"authmode\",0,1");
    assert_eq!(sim7600_open(&mut h, 1), "\r\nOK\r\n\r\n+CCHOPEN: 1,15\r\n");
    // A client certificate from another CA: refused too.
    h.cmd("AT+CSSLCFG=\"authmode\",0,2");
    h.cmd("AT+CSSLCFG=\"clientcert\",0,\"rogue.pem\"");
    h.cmd("AT+CSSLCFG=\"clientkey\",0,\"rogue_key.pem\"");
    assert_eq!(sim7600_open(&mut h, 1), "\r\nOK\r\n\r\n+CCHOPEN: 1,15\r\n");
}

#[test]
fn spwf04_one_way_tls_against_openssl() {
    let pki = Pki::new();
    let server = SServer::start(&pki, false);
    let mut cfg = Spwf04Config::default();
    cfg.common.server = server.target();
    cfg.common.echo = false;
    let m = cfg.build();
    let mut h = Host::new(&m);
    h.cmd(&format!("AT+S.TIME={}", util::epoch_now()));
    let load = |h: &mut Host, der: &[u8]| {
        let mut bytes = format!("AT+S.TLSCERT=ca,{}\r", der.len()).into_bytes();
        bytes.extend_from_slice(der);
        String::from_utf8_lossy(&h.raw_for(&bytes, Duration::from_secs(1))).into_owned()
    };
    assert!(load(&mut h, &pki.read("other.der")).ends_with("AT-S.OK\r\n"));
    assert_eq!(
        h.cmd_for(
            "AT+S.SOCKON=localhost,443,,localhost",
            Duration::from_secs(3)
        ),
        "AT-S.Certificate Error:23\r\nAT-S.ERROR:60:Socket open failed\r\n"
    );
    h.cmd("AT+S.TLSCERT=content,2");
    assert!(load(&mut h, &pki.read("ca.der")).ends_with("AT-S.OK\r\n"));
    assert_eq!(
        h.cmd_for(
            "AT+S.SOCKON=localhost,443,,localhost",
            Duration::from_secs(3)
        ),
        "AT-S.On:127.0.0.1:0\r\nAT-S.OK\r\n"
    );
    let req = b"GET / HTTP/1.0\r\n\r\n";
    let mut bytes = format!("AT+S.SOCKW=0,{}\r", req.len()).into_bytes();
    bytes.extend_from_slice(req);
    let out = String::from_utf8_lossy(&h.raw_for(&bytes, Duration::from_secs(3))).into_owned();
    assert!(
        out.starts_with("AT-S.OK\r\n+WIND:55:Pending Data::0:"),
        "{out:?}"
    );
    let n: usize = out
        .lines()
        .find_map(|l| l.strip_prefix("+WIND:55:Pending Data::0:"))
        .and_then(|r| r.split(':').next())
        .and_then(|v| v.parse().ok())
        .expect("pending count");
    let got = String::from_utf8_lossy(&h.raw_for(
        format!("AT+S.SOCKR=0,{n}\r").as_bytes(),
        Duration::from_secs(1),
    ))
    .into_owned();
    assert!(
        got.starts_with(&format!("AT-S.Reading:{n}:{n}\r\nHTTP/1.0 200 ok")),
        "{got:?}"
    );
    assert!(got.ends_with("AT-S.OK\r\n"));
}

#[test]
fn telit_le910_mutual_tls_with_pkcs1_key() {
    let pki = Pki::new();
    let server = SServer::start(&pki, true);
    let mut cfg = TelitConfig::le910();
    cfg.common.server = server.target();
    cfg.common.echo = false;
    let m = cfg.build();
    let mut h = Host::new(&m);
    h.cmd(&format!("AT+CCLK=\"{}\"", util::cclk_now()));
    h.cmd("AT#SGACT=1,1");
    h.cmd("AT#SSLEN=1,1");
    h.cmd("AT#SSLSECCFG=1,0,2,1");
    for (kind, file) in [(1, "ca.pem"), (0, "client.pem"), (2, "client.rsa.key")] {
        let data = pki.read(file);
        h.cmd_for(
            &format!("AT#SSLSECDATA=1,1,{kind},{}", data.len()),
            Duration::from_millis(50),
        );
        let mut bytes = data.clone();
        bytes.push(0x1a);
        assert_eq!(
            h.raw_for(&bytes, Duration::from_secs(1)),
            b"\r\nOK\r\n",
            "{file}"
        );
    }
    assert_eq!(
        h.cmd_for("AT#SSLD=1,443,\"localhost\",0,1", Duration::from_secs(3)),
        "\r\nOK\r\n"
    );
    h.cmd_for("AT#SSLSEND=1", Duration::from_millis(50));
    assert_eq!(
        h.raw_for(b"GET / HTTP/1.0\r\n\r\n\x1a", Duration::from_secs(2)),
        b"\r\nOK\r\n"
    );
    let got = h.cmd("AT#SSLRECV=1,1000");
    assert!(got.starts_with("\r\n#SSLRECV: "), "{got:?}");
    assert!(got.contains("HTTP/1.0 200 ok"), "{got:?}");
    // The wrong CA on the same real server.
    h.cmd("AT#SSLH=1");
    let other = pki.read("other.pem");
    h.cmd_for(
        &format!("AT#SSLSECDATA=1,1,1,{}", other.len()),
        Duration::from_millis(50),
    );
    let mut bytes = other.clone();
    bytes.push(0x1a);
    h.raw_for(&bytes, Duration::from_secs(1));
    assert_eq!(
        h.cmd_for("AT#SSLD=1,443,\"localhost\",0,1", Duration::from_secs(3)),
        "\r\nERROR\r\n"
    );
    h.cmd("AT+CMEE=1");
    assert_eq!(
        h.cmd_for("AT#SSLD=1,443,\"localhost\",0,1", Duration::from_secs(3)),
        "\r\n+CME ERROR: 1004\r\n"
    );
}

#[test]
fn tls10_only_modules_fail_against_a_modern_server_in_their_own_words() {
    use atcert::sim::{IchipConfig, Sim800Config, TlsVersion};
    let pki = Pki::new();
    let server = SServer::start(&pki, false);
    // SIM800 speaks SSL 3.0 / TLS 1.0; rustls (like today's servers) starts at TLS 1.2.
    let mut cfg = Sim800Config::default();
    cfg.common.server = server.target();
    cfg.common.echo = false;
    let m = cfg.build();
    let mut h = Host::new(&m);
    h.cmd("AT+SSLOPT=0,1");
    h.cmd("AT+CIPSSL=1");
    assert_eq!(
        h.cmd_for(
            "AT+CIPSTART=\"TCP\",\"localhost\",443",
            Duration::from_secs(3)
        ),
        "\r\nOK\r\n\r\nCLOSE OK\r\n"
    );
    // A firmware configured for TLS 1.2 gets through, with the CA stored on it.
    let mut cfg = Sim800Config {
        versions: (TlsVersion::Tls10, TlsVersion::Tls12),
        ..Sim800Config::default()
    };
    cfg.common.server = server.target();
    cfg.common.echo = false;
    let m = cfg.build();
    let mut h = Host::new(&m);
    let der = pki.read("ca.der");
    h.cmd("AT+FSCREATE=C:\\USER\\CA.DER");
    h.cmd_for(
        &format!("AT+FSWRITE=C:\\USER\\CA.DER,0,{},10", der.len()),
        Duration::from_millis(50),
    );
    h.raw_for(&der, Duration::from_secs(1));
    assert_eq!(
        h.cmd(&format!("AT+SSLSETROOT=\"C:\\USER\\CA.DER\",{}", der.len())),
        "\r\nOK\r\n"
    );
    h.cmd("AT+CIPSSL=1");
    assert_eq!(
        h.cmd_for(
            "AT+CIPSTART=\"TCP\",\"localhost\",443",
            Duration::from_secs(3)
        ),
        "\r\nOK\r\n\r\nCONNECT OK\r\n"
    );
    // iChip: SSL3/TLS1 only.
    let mut cfg = IchipConfig {
        allow_sha2_ca: true,
        ..IchipConfig::default()
    };
    cfg.common.server = server.target();
    cfg.common.echo = false;
    let m = cfg.build();
    let mut h = Host::new(&m);
    let pem = String::from_utf8_lossy(&pki.read("ca.pem"))
        .trim_end()
        .replace('\n', "\r");
    assert_eq!(h.cmd(&format!("AT+iCA={pem}")), "I/OK\r\n");
    assert_eq!(
        h.cmd_for("AT+iSTCP:localhost,443", Duration::from_secs(1)),
        "I/000\r\n"
    );
    assert_eq!(
        h.cmd_for("AT+iSSL:0", Duration::from_secs(3)),
        "I/ERROR (220)\r\n"
    );
}
