//! iChip simulator: the reference fixture (ichip.md §4.1) with CR-separated PEM parameters,
//! the CA and key checks (116/117), and the SSL socket error codes.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]

#[path = "sim_util.rs"]
mod util;

use std::time::Duration;

use atcert::sim::{IchipConfig, Server, ServerModel, TlsVersion};
use util::{Host, Pki};

/// A PKI signed with SHA-1 throughout, as iChip's CA parameter requires.
fn pki() -> Pki {
    Pki::signed_with("sha1")
}

fn module(pki: &Pki, versions: (TlsVersion, TlsVersion)) -> atcert::sim::SimModule {
    let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    server.versions = versions;
    let mut cfg = IchipConfig::default();
    cfg.common.server = Server::Model(server);
    cfg.build()
}

/// `AT+i<param>=` with the PEM's lines separated by CR only.
fn upload(h: &mut Host, param: &str, pem: &[u8]) -> String {
    let text = String::from_utf8_lossy(pem).trim_end().replace('\n', "\r");
    h.cmd(&format!("AT+i{param}={text}"))
}

#[test]
fn reference_fixture() {
    let pki = pki();
    let m = module(&pki, (TlsVersion::Ssl3, TlsVersion::Tls12));
    let mut h = Host::new(&m);
    assert_eq!(h.cmd("AT+i"), "AT+i\rI/OK\r\n");
    let echoed = upload(&mut h, "CA", &pki.read("ca.pem"));
    assert!(
        echoed.starts_with("AT+iCA=-----BEGIN CERTIFICATE-----\r"),
        "{echoed:?}"
    );
    assert!(
        echoed.ends_with("-----END CERTIFICATE-----\rI/OK\r\n"),
        "{echoed:?}"
    );
    assert_eq!(h.cmd("AT+iRP1"), "AT+iRP1\rIRZ804B06\r\nI/OK\r\n");
    let read = h.cmd("AT+iCA?");
    assert!(read.starts_with("AT+iCA?\rCN=Test Root CA\r\n"), "{read:?}");
    let pem = String::from_utf8_lossy(&pki.read("ca.pem"))
        .trim_end()
        .replace('\n', "\r\n");
    assert!(read.ends_with(&format!("{pem}\r\nI/OK\r\n")), "{read:?}");
    let h2 = &mut h;
    assert_eq!(
        h2.cmd_for("AT+iSTCP:localhost,443", Duration::from_secs(1)),
        "AT+iSTCP:localhost,443\rI/000\r\n"
    );
    assert_eq!(
        h2.cmd_for("AT+iSSL:0", Duration::from_secs(5)),
        "AT+iSSL:0\rI/OK\r\n"
    );
    let req = b"GET / HTTP/1.0\r\nHost: www.example.com\r\n\r\n";
    assert_eq!(req.len(), 41);
    let mut cmd = b"AT+iSSND%:0,41:".to_vec();
    cmd.extend_from_slice(req);
    assert_eq!(
        h2.raw_for(&cmd, Duration::from_secs(1)),
        // "I/OK<CR><LF><CR><LF>" [C manual 8.32 §13.7].
        b"AT+iSSND%:0,41:I/OK\r\n\r\n"
    );
    let got =
        String::from_utf8_lossy(&h2.raw_for(b"AT+iSRCV:0\r", Duration::from_secs(1))).into_owned();
    assert!(
        got.starts_with("AT+iSRCV:0\rI/78:HTTP/1.0 200 OK\r\n"),
        "{got:?}"
    );
    assert!(got.ends_with("Hello, world!"));
    assert_eq!(h2.cmd("AT+iSRCV:0"), "AT+iSRCV:0\rI/ERROR (203)\r\n");
    assert_eq!(h2.cmd("AT+iSCLS:0"), "AT+iSCLS:0\rI/OK\r\n");
    assert_eq!(m.storage().keys().collect::<Vec<_>>(), ["CA"]);
}

#[test]
fn parameter_checks() {
    let pki = pki();
    let m = module(&pki, (TlsVersion::Ssl3, TlsVersion::Tls12));
    let mut h = Host::new(&m);
    // SHA-256 signed CA: outside MD2/MD5/SHA-1.
    let sha256 = Pki::new();
    assert!(upload(&mut h, "CA", &sha256.read("ca.pem")).ends_with("-----\rI/ERROR (116)\r\n"));
    // LF line ends break the CR-line parser.
    let lf = String::from_utf8_lossy(&pki.read("ca.pem"))
        .trim_end()
        .to_owned();
    assert!(
        h.cmd(&format!("AT+iCA={lf}"))
            .ends_with("I/ERROR (116)\r\n")
    );
    // Longer than the parameter holds (a firmware with a 1000-character limit).
    let pem = pki.read("ca.pem");
    assert!(pem.len() > 1000 && pem.len() <= 1300);
    let mut cfg = IchipConfig {
        max_ca_chars: 1000,
        ..IchipConfig::default()
    };
    cfg.common.echo = false;
    let small = cfg.build();
    let mut h2 = Host::new(&small);
    assert_eq!(upload(&mut h2, "CA", &pem), "I/ERROR (116)\r\n");
    // Keys: PKCS#8 refused, PKCS#1 accepted; only the strength reads back.
    assert!(upload(&mut h, "PKEY", &pki.read("client.key")).ends_with("I/ERROR (117)\r\n"));
    assert!(upload(&mut h, "PKEY", &pki.read("client.rsa.key")).ends_with("I/OK\r\n"));
    assert_eq!(h.cmd("AT+iPKEY?"), "AT+iPKEY?\r2048\r\nI/OK\r\n");
    // An empty value erases: `=<CR><CR>` [C manual 8.32 §34.16.2]; one CR waits for the
    // empty line.
    assert_eq!(
        h.cmd_for("AT+iPKEY=", Duration::from_secs(1)),
        "AT+iPKEY=\r"
    );
    assert_eq!(
        h.raw_for(b"\r", Duration::from_secs(1)),
        b"I/OK\r\n".to_vec()
    );
    assert!(m.storage().is_empty());
    assert_eq!(h.cmd("AT+iBOGUS"), "AT+iBOGUS\rI/ERROR (53)\r\n");
}

#[test]
fn ssl_socket_errors() {
    let pki = pki();
    let m = module(&pki, (TlsVersion::Tls12, TlsVersion::Tls13));
    let mut h = Host::new(&m);
    h.write(b"AT+iSSL:0\r").unwrap();
    assert_eq!(
        h.read_for(Duration::from_secs(1)).unwrap(),
        b"AT+iSSL:0\rI/ERROR (221)\r\n"
    );
    h.cmd_for("AT+iSTCP:localhost,443", Duration::from_secs(1));
    assert!(
        h.cmd_for("AT+iSSL:0", Duration::from_secs(5))
            .ends_with("I/ERROR (222)\r\n")
    );
    upload(&mut h, "CA", &pki.read("ca.pem"));
    // A TLS 1.2 server: iChip speaks SSL3/TLS1.0 only.
    assert!(
        h.cmd_for("AT+iSSL:0", Duration::from_secs(5))
            .ends_with("I/ERROR (220)\r\n")
    );
    m.set_server(Server::Model(ServerModel::new(
        vec![pki.read("server.der")],
        pki.read("ca.der"),
    )));
    assert!(
        h.cmd_for("AT+iSSL:0", Duration::from_secs(5))
            .ends_with("I/OK\r\n")
    );
    h.cmd_for("AT+iSTCP:localhost,443", Duration::from_secs(1));
    assert!(
        h.cmd_for("AT+iSSL:1", Duration::from_secs(5))
            .ends_with("I/ERROR (225)\r\n")
    );
    let mut big = b"AT+iSSND%:0,2049:".to_vec();
    big.extend_from_slice(&[b'a'; 2049]);
    assert!(
        h.raw_for(&big, Duration::from_secs(1))
            .ends_with(b"I/ERROR (227)\r\n")
    );
}

#[test]
fn an_unterminated_parameter_times_out() {
    let m = IchipConfig::default().build();
    let mut h = Host::new(&m);
    h.cmd("AT+iCA=-----BEGIN CERTIFICATE-----");
    assert_eq!(h.raw_for(b"MIIB\r", Duration::from_secs(50)), b"MIIB\r");
    assert_eq!(
        h.read_for(Duration::from_secs(20)).unwrap(),
        b"I/ERROR (69)\r\n"
    );
    assert_eq!(h.cmd("AT+i"), "AT+i\rI/OK\r\n");
    assert!(m.storage().is_empty());
}
