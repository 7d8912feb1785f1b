//! Telit simulators (legacy GL865 and LE910): the 1VV0300989 transcripts (seed 003), the
//! legacy limits (LF-only PEM, 2047 bytes, PKCS#1 keys), error codes by generation.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]

#[path = "sim_util.rs"]
mod util;

use std::time::Duration;

use atcert::sim::{Server, ServerModel, TelitConfig, TelitSslError};
use util::{Host, Pki};

fn module(pki: &Pki, mut cfg: TelitConfig) -> atcert::sim::SimModule {
    cfg.common.server = Server::Model(ServerModel::new(
        vec![pki.read("server.der")],
        pki.read("ca.der"),
    ));
    cfg.build()
}

fn store(h: &mut Host, cmd: &str, data: &[u8]) -> String {
    assert_eq!(h.cmd_for(cmd, Duration::from_millis(50)), "\r\n> ");
    let mut bytes = data.to_vec();
    bytes.push(0x1a);
    String::from_utf8_lossy(&h.raw_for(&bytes, Duration::from_secs(1))).into_owned()
}

fn setup(h: &mut Host, legacy: bool) {
    h.cmd("ATE0");
    assert_eq!(h.cmd("AT#SELINT=2"), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT+CMEE=1"), "\r\nOK\r\n");
    // Seed 003 §2.1 prints the address quoted (legacy); LE910 unquoted [I].
    let ip = if legacy { "\"10.1.2.3\"" } else { "10.1.2.3" };
    assert_eq!(
        h.cmd("AT#SGACT=1,1"),
        format!("\r\n#SGACT: {ip}\r\n\r\nOK\r\n")
    );
    assert_eq!(h.cmd("AT#SGACT=1,1"), "\r\n+CME ERROR: 553\r\n");
    assert_eq!(
        h.cmd(&format!("AT+CCLK=\"{}\"", util::cclk_now())),
        "\r\nOK\r\n"
    );
}

#[test]
fn identification() {
    let m = TelitConfig::legacy().build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    assert_eq!(h.cmd("AT+CGMM"), "\r\nGL865-QUAD\r\n\r\nOK\r\n");
    assert_eq!(h.cmd("AT+CGMR"), "\r\n16.00.142\r\n\r\nOK\r\n");
    assert_eq!(h.cmd("AT#CGMM"), "\r\n#CGMM: GL865-QUAD\r\n\r\nOK\r\n");
    assert_eq!(h.cmd("AT#SSLEN=?"), "\r\n#SSLEN: (1),(0,1)\r\n\r\nOK\r\n");
    let m = TelitConfig::le910().build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    assert_eq!(h.cmd("AT+CGMM"), "\r\nLE910-EU1\r\n\r\nOK\r\n");
    assert_eq!(m.family(), atcert::modules::Family::TelitLe910);
}

#[test]
fn legacy_command_mode_session_seed_003() {
    let pki = Pki::new();
    let m = module(&pki, TelitConfig::legacy());
    let mut h = Host::new(&m);
    setup(&mut h, true);
    assert_eq!(h.cmd("AT#SSLEN=1,1"), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT#SSLEN=1,1"), "\r\n+CME ERROR: 835\r\n");
    assert_eq!(h.cmd("AT#SSLSECCFG=1,0,1"), "\r\nOK\r\n");
    // The legacy line has no cert_format parameter.
    assert_eq!(h.cmd("AT#SSLSECCFG=1,0,1,1"), "\r\nERROR\r\n");
    assert_eq!(
        store(&mut h, "AT#SSLSECDATA=1,1,1", &pki.read("ca.pem")),
        "\r\nOK\r\n"
    );
    assert_eq!(
        h.cmd("AT#SSLSECDATA?"),
        "\r\n#SSLSECDATA: 1,0,1,0\r\n\r\nOK\r\n"
    );
    let back = h.cmd("AT#SSLSECDATA=1,2,1");
    assert_eq!(
        back,
        format!(
            "\r\n#SSLSECDATA: 1,1\r\n{}\r\n\r\nOK\r\n",
            String::from_utf8_lossy(&pki.read("ca.pem"))
        )
    );
    assert_eq!(
        h.cmd_for("AT#SSLD=1,443,\"localhost\",0,1", Duration::from_secs(5)),
        "\r\nOK\r\n"
    );
    assert_eq!(h.cmd("AT#SSLS=1"), "\r\n#SSLS: 1,2,3\r\n\r\nOK\r\n");
    assert_eq!(
        h.cmd_for("AT#SSLSEND=1", Duration::from_millis(50)),
        "\r\n> "
    );
    assert_eq!(
        h.raw_for(b"GET / HTTP/1.0\r\n\r\n\x1a", Duration::from_secs(1)),
        b"\r\nOK\r\n"
    );
    assert_eq!(
        h.cmd("AT#SSLRCV=1,10"),
        "\r\n#SSLRCV: 10\r\nHTTP/1.0 2\r\n\r\nOK\r\n"
    );
    let rest = h.cmd("AT#SSLRCV=1,1000");
    assert!(rest.starts_with("\r\n#SSLRCV: 68\r\n00 OK\r\n"), "{rest:?}");
    assert!(rest.ends_with("Hello, world!\r\n\r\nOK\r\n"));
    assert_eq!(
        h.cmd("AT#SSLRCV=1,100"),
        "\r\n#SSLRCV: 0\r\nDISCONNECTED\r\n\r\nOK\r\n"
    );
    assert_eq!(h.cmd("AT#SSLH=1"), "\r\n+CME ERROR: 833\r\n");
    assert_eq!(h.cmd("AT#SSLEN=1,0"), "\r\nOK\r\n");
}

#[test]
fn legacy_rejects_crlf_oversize_and_pkcs8() {
    let pki = Pki::new();
    let m = module(&pki, TelitConfig::legacy());
    let mut h = Host::new(&m);
    setup(&mut h, true);
    h.cmd("AT#SSLEN=1,1");
    h.cmd("AT#SSLSECCFG=1,0,1");
    // CRLF PEM is stored but does not parse at dial: 837 "certs and keys wrong".
    let crlf = String::from_utf8_lossy(&pki.read("ca.pem")).replace('\n', "\r\n");
    assert_eq!(
        store(&mut h, "AT#SSLSECDATA=1,1,1", crlf.as_bytes()),
        "\r\nOK\r\n"
    );
    assert_eq!(
        h.cmd_for("AT#SSLD=1,443,\"localhost\",0,1", Duration::from_secs(5)),
        "\r\n+CME ERROR: 837\r\n"
    );
    h.cmd("AT+CMEE=2");
    assert_eq!(
        h.cmd_for("AT#SSLD=1,443,\"localhost\",0,1", Duration::from_secs(5)),
        "\r\n+CME ERROR: SSL certs and keys wrong or not stored\r\n"
    );
    h.cmd("AT+CMEE=1");
    // Over 2047 bytes: refused at upload, nothing stored.
    assert_eq!(
        store(&mut h, "AT#SSLSECDATA=1,1,0", &[b'A'; 2048]),
        "\r\n+CME ERROR: 837\r\n"
    );
    assert_eq!(
        h.cmd("AT#SSLSECDATA?"),
        "\r\n#SSLSECDATA: 1,0,1,0\r\n\r\nOK\r\n"
    );
    // The legacy line has no size parameter.
    assert_eq!(h.cmd("AT#SSLSECDATA=1,1,1,100"), "\r\nERROR\r\n");
    // ESC cancels without storing.
    assert_eq!(
        h.cmd_for("AT#SSLSECDATA=1,1,2", Duration::from_millis(50)),
        "\r\n> "
    );
    assert_eq!(
        h.raw_for(b"junk\x1b", Duration::from_secs(1)),
        b"\r\nOK\r\n"
    );
    assert_eq!(
        h.cmd("AT#SSLSECDATA?"),
        "\r\n#SSLSECDATA: 1,0,1,0\r\n\r\nOK\r\n"
    );
    // Mutual auth with a PKCS#8 key: wrong for legacy; PKCS#1 works.
    store(&mut h, "AT#SSLSECDATA=1,1,1", &pki.read("ca.pem"));
    store(&mut h, "AT#SSLSECDATA=1,1,0", &pki.read("client.pem"));
    store(&mut h, "AT#SSLSECDATA=1,1,2", &pki.read("client.key"));
    h.cmd("AT#SSLSECCFG=1,0,2");
    assert_eq!(
        h.cmd_for("AT#SSLD=1,443,\"localhost\",0,1", Duration::from_secs(5)),
        "\r\n+CME ERROR: 837\r\n"
    );
    store(&mut h, "AT#SSLSECDATA=1,1,2", &pki.read("client.rsa.key"));
    assert_eq!(h.cmd("AT#SSLSECDATA=1,2,2"), "\r\n+CME ERROR: 4\r\n");
    assert_eq!(
        h.cmd_for("AT#SSLD=1,443,\"localhost\",0,1", Duration::from_secs(5)),
        "\r\nOK\r\n"
    );
    assert_eq!(
        h.cmd("AT#SSLD=1,443,\"localhost\",0,1"),
        "\r\n+CME ERROR: 834\r\n"
    );
}

#[test]
fn legacy_errors_by_state_and_handshake() {
    let pki = Pki::new();
    let m = module(&pki, TelitConfig::legacy());
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+CMEE=1");
    assert_eq!(
        h.cmd("AT#SSLD=1,443,\"localhost\",0,1"),
        "\r\n+CME ERROR: 836\r\n"
    );
    h.cmd("AT#SSLEN=1,1");
    assert_eq!(
        h.cmd("AT#SSLD=1,443,\"localhost\",0,1"),
        "\r\n+CME ERROR: 556\r\n"
    );
    h.cmd("AT#SGACT=1,1");
    h.cmd("AT#SSLSECCFG=1,0,1");
    assert_eq!(
        h.cmd("AT#SSLD=1,443,\"localhost\",0,1"),
        "\r\n+CME ERROR: 837\r\n"
    );
    store(&mut h, "AT#SSLSECDATA=1,1,1", &pki.read("other.pem"));
    assert_eq!(
        h.cmd_for("AT#SSLD=1,443,\"localhost\",0,1", Duration::from_secs(5)),
        "\r\n+CME ERROR: 839\r\n"
    );
    // The module clock matters: a date before the CA's validity fails the handshake.
    store(&mut h, "AT#SSLSECDATA=1,1,1", &pki.read("ca.pem"));
    h.cmd("AT+CCLK=\"99/01/01,00:00:00+00\"");
    assert_eq!(
        h.cmd_for("AT#SSLD=1,443,\"localhost\",0,1", Duration::from_secs(5)),
        "\r\n+CME ERROR: 839\r\n"
    );
    assert_eq!(h.cmd("AT#SSLSEND=1"), "\r\n+CME ERROR: 833\r\n");
    assert_eq!(TelitSslError::Handshake.code(false), 1004);
}

#[test]
fn le910_size_parameter_and_codes() {
    let pki = Pki::new();
    let m = module(&pki, TelitConfig::le910());
    let mut h = Host::new(&m);
    setup(&mut h, false);
    assert_eq!(
        h.cmd("AT#SSLD=1,443,\"localhost\",0,1"),
        "\r\n+CME ERROR: 1000\r\n"
    );
    h.cmd("AT#SSLEN=1,1");
    assert_eq!(h.cmd("AT#SSLEN=1,1"), "\r\n+CME ERROR: 1003\r\n");
    assert_eq!(h.cmd("AT#SSLSECCFG=1,0,1,1"), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT#SSLSECCFG2=1,3"), "\r\nOK\r\n");
    // LE910 wants the size; more bytes than announced before the Ctrl+Z are refused.
    assert_eq!(h.cmd("AT#SSLSECDATA=1,1,1"), "\r\nERROR\r\n");
    let pem = pki.read("ca.pem");
    assert_eq!(
        store(
            &mut h,
            &format!("AT#SSLSECDATA=1,1,1,{}", pem.len() - 1),
            &pem
        ),
        "\r\nERROR\r\n"
    );
    assert_eq!(
        h.cmd("AT#SSLSECDATA?"),
        "\r\n#SSLSECDATA: 1,0,0,0\r\n\r\nOK\r\n"
    );
    // CRLF is fine on LE910.
    let crlf = String::from_utf8_lossy(&pem).replace('\n', "\r\n");
    assert_eq!(
        store(
            &mut h,
            &format!("AT#SSLSECDATA=1,1,1,{}", crlf.len()),
            crlf.as_bytes()
        ),
        "\r\nOK\r\n"
    );
    assert_eq!(
        h.cmd_for("AT#SSLD=1,443,\"localhost\",0,1", Duration::from_secs(5)),
        "\r\nOK\r\n"
    );
    // Length-prefixed send and RECV with TIMEOUT when nothing is there yet.
    assert_eq!(
        h.cmd_for("AT#SSLSENDEXT=1,18,100", Duration::from_millis(50)),
        "\r\n> "
    );
    assert_eq!(
        h.raw_for(b"GET / HTTP/1.0\r\n\r\n", Duration::from_millis(1)),
        b""
    );
    assert_eq!(
        h.read_for(Duration::from_millis(100)).unwrap(),
        b"\r\nOK\r\n"
    );
    assert_eq!(
        h.cmd_for("AT#SSLRECV=1,5,1", Duration::from_millis(150)),
        "\r\n#SSLRECV: 0\r\nTIMEOUT\r\n\r\nOK\r\n"
    );
    assert_eq!(
        h.cmd_for("AT#SSLRECV=1,5", Duration::from_millis(10)),
        "\r\n#SSLRECV: 5\r\nHTTP/\r\n\r\nOK\r\n"
    );
    // DER storage with cert_format 0.
    h.cmd("AT#SSLH=1");
    h.cmd("AT#SSLSECCFG=1,0,1,0");
    let der = pki.read("ca.der");
    let mut bytes = der.clone();
    bytes.push(0x1a);
    h.cmd_for(
        &format!("AT#SSLSECDATA=1,1,1,{}", der.len()),
        Duration::from_millis(50),
    );
    assert_eq!(h.raw_for(&bytes, Duration::from_millis(500)), b"\r\nOK\r\n");
    assert_eq!(
        h.cmd_for("AT#SSLD=1,443,\"localhost\",0,1", Duration::from_secs(5)),
        "\r\nOK\r\n"
    );
}

fn online_setup(pki: &Pki, close_after: bool) -> (atcert::sim::SimModule, Host) {
    let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    server.close_after_response = close_after;
    let mut cfg = TelitConfig::legacy();
    cfg.common.server = Server::Model(server);
    let m = cfg.build();
    let mut h = Host::new(&m);
    setup(&mut h, true);
    h.cmd("AT#SSLEN=1,1");
    h.cmd("AT#SSLSECCFG=1,0,1");
    store(&mut h, "AT#SSLSECDATA=1,1,1", &pki.read("ca.pem"));
    (m, h)
}

#[test]
fn online_mode_seed_003_server_closes_with_no_carrier() {
    let pki = Pki::new();
    let (_m, mut h) = online_setup(&pki, true);
    assert_eq!(
        h.cmd_for("AT#SSLD=1,443,\"localhost\",0,0", Duration::from_secs(5)),
        "\r\nCONNECT\r\n"
    );
    // Online: the request goes out after txTo (5 s) of silence; the page and NO CARRIER return.
    let out =
        String::from_utf8_lossy(&h.raw_for(b"GET / HTTP/1.0\r\n\r\n", Duration::from_secs(6)))
            .into_owned();
    assert!(out.starts_with("HTTP/1.0 200 OK\r\n"), "{out:?}");
    assert!(out.ends_with("Hello, world!\r\nNO CARRIER\r\n"), "{out:?}");
    // Back in command mode.
    assert_eq!(h.cmd("AT"), "\r\nOK\r\n");
}

#[test]
fn online_mode_escape_and_resume_seed_003() {
    let pki = Pki::new();
    let (_m, mut h) = online_setup(&pki, false);
    assert_eq!(
        h.cmd_for("AT#SSLD=1,443,\"localhost\",0,0", Duration::from_secs(5)),
        "\r\nCONNECT\r\n"
    );
    h.write(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    assert_eq!(h.raw_for(b"+++", Duration::from_secs(2)), b"\r\nOK\r\n");
    assert_eq!(h.cmd("AT#SSLS=1"), "\r\n#SSLS: 1,2,3\r\n\r\nOK\r\n");
    let got = h.cmd("AT#SSLRCV=1,100");
    assert!(
        got.starts_with("\r\n#SSLRCV: 78\r\nHTTP/1.0 200 OK"),
        "{got:?}"
    );
    assert_eq!(
        h.cmd_for("AT#SSLO=1", Duration::from_millis(100)),
        "\r\nCONNECT\r\n"
    );
    assert_eq!(h.raw_for(b"+++", Duration::from_secs(1)), b"\r\nOK\r\n");
    assert_eq!(h.cmd("AT#SSLH=1"), "\r\nOK\r\n");
}

/// Each switch of an uncertain fact changes what the module answers (so the flow tests
/// under every switch test something).
#[test]
fn switches_change_the_answers() {
    use atcert::sim::TelitSizeMode;
    let fresh = |adjust: fn(&mut TelitConfig), le910: bool| {
        let mut c = if le910 {
            TelitConfig::le910()
        } else {
            TelitConfig::legacy()
        };
        adjust(&mut c);
        let m = c.build();
        let mut h = Host::new(&m);
        h.cmd("ATE0");
        h.cmd("AT+CMEE=1");
        (m, h)
    };
    // #SELINT.
    let (_m, mut h) = fresh(|c| c.selint = false, true);
    assert_eq!(h.cmd("AT#SELINT=2"), "\r\nERROR\r\n");
    // Read size limit.
    let (_m, mut h) = fresh(|c| c.recv_max_param = 490, false);
    assert_eq!(h.cmd("AT#SSLRCV=1,491"), "\r\nERROR\r\n");
    // Deleting nothing.
    let (_m, mut h) = fresh(|_| {}, false);
    assert_eq!(h.cmd("AT#SSLSECDATA=1,0,1"), "\r\nOK\r\n");
    let (_m, mut h) = fresh(|c| c.delete_missing_errors = true, false);
    assert_eq!(h.cmd("AT#SSLSECDATA=1,0,1"), "\r\n+CME ERROR: 837\r\n");
    // Writing over a stored item.
    let (_m, mut h) = fresh(|c| c.refuse_overwrite = true, false);
    assert_eq!(store(&mut h, "AT#SSLSECDATA=1,1,1", b"one"), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT#SSLSECDATA=1,1,1"), "\r\n+CME ERROR: 830\r\n");
    // ESC: OK or silence.
    let (_m, mut h) = fresh(|c| c.esc_answers_ok = false, false);
    assert_eq!(
        h.cmd_for("AT#SSLSECDATA=1,1,1", Duration::from_millis(50)),
        "\r\n> "
    );
    assert_eq!(h.raw_for(b"junk\x1b", Duration::from_secs(1)), b"");
    assert_eq!(h.cmd("AT"), "\r\nOK\r\n");
    // cert_format parameter.
    let (_m, mut h) = fresh(|c| c.cert_format_param = false, true);
    assert_eq!(h.cmd("AT#SSLSECCFG=1,0,1,1"), "\r\nERROR\r\n");
    assert_eq!(h.cmd("AT#SSLSECCFG=1,0,1"), "\r\nOK\r\n");
    // How a sized upload ends.
    let (m, mut h) = fresh(|c| c.size_mode = TelitSizeMode::CountOnly, true);
    assert_eq!(
        h.cmd_for("AT#SSLSECDATA=1,1,1,5", Duration::from_millis(50)),
        "\r\n> "
    );
    assert_eq!(h.raw_for(b"abcde", Duration::from_secs(1)), b"\r\nOK\r\n");
    assert_eq!(
        m.storage().get("ca").map(Vec::as_slice),
        Some(&b"abcde"[..])
    );
    let (_m, mut h) = fresh(|c| c.size_mode = TelitSizeMode::CtrlZEnds, true);
    h.cmd_for("AT#SSLSECDATA=1,1,1,5", Duration::from_millis(50));
    assert_eq!(
        h.raw_for(b"abc\x1a", Duration::from_secs(1)),
        b"\r\nERROR\r\n"
    );
    let (_m, mut h) = fresh(|_| {}, true);
    h.cmd_for("AT#SSLSECDATA=1,1,1,5", Duration::from_millis(50));
    // Counted: 0x1A inside the count is data; the Ctrl+Z after it ends the upload.
    assert_eq!(
        h.raw_for(b"ab\x1ade\x1a", Duration::from_secs(1)),
        b"\r\nOK\r\n"
    );
    // Echo of the data phase (echo on).
    let m = TelitConfig::legacy().build();
    let mut h = Host::new(&m);
    let out = h.cmd_for("AT#SSLSECDATA=1,1,1", Duration::from_millis(50));
    assert!(out.ends_with("\r\n> "), "{out:?}");
    assert_eq!(
        h.raw_for(b"pem\n\x1a", Duration::from_secs(1)),
        b"pem\n\x1a\r\nOK\r\n"
    );
    let mut c = TelitConfig::legacy();
    c.echo_data = false;
    let m = c.build();
    let mut h = Host::new(&m);
    h.cmd_for("AT#SSLSECDATA=1,1,1", Duration::from_millis(50));
    assert_eq!(
        h.raw_for(b"pem\n\x1a", Duration::from_secs(1)),
        b"\r\nOK\r\n"
    );
}

/// Connected-socket switches: writing while connected, the TIMEOUT word.
#[test]
fn switches_with_an_open_socket() {
    let pki = Pki::new();
    let mut cfg = TelitConfig::legacy();
    cfg.refuse_write_while_connected = true;
    cfg.recv_timeout_word = false;
    let m = module(&pki, cfg);
    let mut h = Host::new(&m);
    setup(&mut h, true);
    h.cmd("AT#SSLEN=1,1");
    h.cmd("AT#SSLSECCFG=1,0,1");
    store(&mut h, "AT#SSLSECDATA=1,1,1", &pki.read("ca.pem"));
    assert_eq!(
        h.cmd_for("AT#SSLD=1,443,\"localhost\",0,1", Duration::from_secs(5)),
        "\r\nOK\r\n"
    );
    assert_eq!(h.cmd("AT#SSLSECDATA=1,1,1"), "\r\n+CME ERROR: 834\r\n");
    assert_eq!(
        h.cmd_for("AT#SSLRCV=1,100,1", Duration::from_millis(300)),
        "\r\n#SSLRCV: 0\r\n\r\nOK\r\n"
    );
    assert_eq!(h.cmd("AT#SSLH=1"), "\r\nOK\r\n");
    assert_eq!(
        store(&mut h, "AT#SSLSECDATA=1,1,1", &pki.read("ca.pem")),
        "\r\nOK\r\n"
    );
}
