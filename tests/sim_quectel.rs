//! Quectel simulator: the audit's golden exchanges byte for byte (ATI framing, `AT+QFUPL`
//! with `CONNECT` and the real checksum answers, 405/407, `AT+QFLST`, QSSLOPEN then its URC),
//! a cut upload kept as the real module keeps it, and storage across ports.

// Runs openssl: native only.
#![cfg(not(target_arch = "wasm32"))]

#[path = "sim_util.rs"]
mod util;

use std::time::Duration;

use atcert::sim::{QuectelChecksumFormat, QuectelConfig, Server, ServerModel};
use util::{Host, Pki};

fn upload(host: &mut Host, name: &str, data: &[u8]) -> String {
    let connect = host.cmd(&format!("AT+QFUPL=\"{name}\",{},60", data.len()));
    assert_eq!(connect, "\r\nCONNECT\r\n");
    String::from_utf8_lossy(&host.raw_for(data, Duration::from_secs(1))).into_owned()
}

#[test]
fn ati_echo_ends_with_a_bare_cr_then_the_answer() {
    // Audit 1: `ATI\r\r\nQuectel\r\nBG96\r\nRevision: BG96MAR02A07M1G\r\n\r\nOK\r\n`.
    let m = QuectelConfig::default().build();
    let mut h = Host::new(&m);
    assert_eq!(
        h.cmd("ATI"),
        "ATI\r\r\nQuectel\r\nBG96\r\nRevision: BG96MAR02A07M1G\r\n\r\nOK\r\n"
    );
    h.cmd("ATE0");
    assert_eq!(h.cmd("AT+CGMM"), "\r\nBG96\r\n\r\nOK\r\n");
    assert_eq!(h.cmd("AT+CGMR"), "\r\nBG96MAR02A07M1G\r\n\r\nOK\r\n");
    let m = QuectelConfig::for_model("EC200U").build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    assert_eq!(
        h.cmd("ATI"),
        "\r\nQuectel\r\nEC200U\r\nRevision: EC200UCNAAR03A09M08\r\n\r\nOK\r\n"
    );
}

#[test]
fn qfupl_answers_the_real_checksums_and_refuses_an_existing_name() {
    let m = QuectelConfig::default().build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+CMEE=1");
    // VEC1, a real BG95: one 28-byte line answers `+QFUPL: 28,6c53`.
    assert_eq!(
        upload(&mut h, "UFS:line.pem", b"-----BEGIN CERTIFICATE-----\r"),
        "\r\n+QFUPL: 28,6c53\r\n\r\nOK\r\n"
    );
    // G1b: the same name again without a delete is `+CME ERROR: 407`.
    assert_eq!(
        h.cmd("AT+QFUPL=\"line.pem\",28,60"),
        "\r\n+CME ERROR: 407\r\n"
    );
    assert_eq!(
        h.cmd("AT+QFLST=\"UFS:line.pem\""),
        "\r\n+QFLST: \"line.pem\",28\r\n\r\nOK\r\n"
    );
    assert_eq!(h.cmd("AT+QFDEL=\"UFS:line.pem\""), "\r\nOK\r\n");
    assert_eq!(
        h.cmd("AT+QFDEL=\"UFS:line.pem\""),
        "\r\n+CME ERROR: 405\r\n"
    );
    assert_eq!(h.cmd("AT+QFLST=\"*\""), "\r\nOK\r\n");
    // Data bytes are never echoed, and an `AT` inside them is data.
    h.cmd("ATE1");
    let connect = h.cmd("AT+QFUPL=\"x.pem\",4,60");
    assert_eq!(connect, "AT+QFUPL=\"x.pem\",4,60\r\r\nCONNECT\r\n");
    assert_eq!(
        String::from_utf8_lossy(&h.raw_for(b"AT\r\n", Duration::from_secs(1))),
        format!("\r\n+QFUPL: 4,{:x}\r\n\r\nOK\r\n", 0x4154 ^ 0x0d0a)
    );
}

#[test]
fn checksum_forms_follow_the_switch() {
    let m = QuectelConfig {
        checksum_format: QuectelChecksumFormat::Upper04,
        ..QuectelConfig::default()
    }
    .build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    // 0x0012 printed `%04X`.
    assert_eq!(
        upload(&mut h, "a", &[0x00, 0x12]),
        "\r\n+QFUPL: 2,0012\r\n\r\nOK\r\n"
    );
}

#[test]
fn an_upload_that_stops_early_keeps_what_arrived_and_says_how_much() {
    // VEC2: `+QFUPL: 389,041E` after a stream cut short; the file stays, truncated.
    let m = QuectelConfig::default().build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    assert_eq!(h.cmd("AT+QFUPL=\"cut.pem\",100,2"), "\r\nCONNECT\r\n");
    let answer = h.raw_for(b"0123456789", Duration::from_secs(3));
    let sum = atcert::modules::quectel::checksum(b"0123456789", true);
    assert_eq!(
        String::from_utf8_lossy(&answer),
        format!("\r\n+QFUPL: 10,{sum:x}\r\n\r\nOK\r\n")
    );
    assert_eq!(
        h.cmd("AT+QFLST=\"cut.pem\""),
        "\r\n+QFLST: \"cut.pem\",10\r\n\r\nOK\r\n"
    );
    // Storage survives a new port (the module did not restart).
    let mut h = Host::new(&m);
    assert!(h.cmd("AT+QFLST=\"*\"").contains("+QFLST: \"cut.pem\",10"));
}

#[test]
fn qsslopen_answers_ok_then_the_urc_and_data_is_read_in_buffer_mode() {
    let pki = Pki::new();
    let mut cfg = QuectelConfig::default();
    cfg.common.server = Server::Model(ServerModel::new(
        vec![pki.read("server.der")],
        pki.read("ca.der"),
    ));
    let m = cfg.build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    upload(&mut h, "ca.pem", &pki.read("ca.pem"));
    assert_eq!(h.cmd("AT+QSSLCFG=\"seclevel\",1,1"), "\r\nOK\r\n");
    assert_eq!(
        h.cmd("AT+QSSLCFG=\"cacert\",1,\"UFS:ca.pem\""),
        "\r\nOK\r\n"
    );
    assert_eq!(h.cmd("AT+QSSLCFG=\"SECLEVEL\",1,1"), "\r\nERROR\r\n");
    // No PDP context yet: 561.
    let open = h.cmd_for(
        "AT+QSSLOPEN=1,1,1,\"localhost\",443,0",
        Duration::from_secs(2),
    );
    assert_eq!(open, "\r\nOK\r\n\r\n+QSSLOPEN: 1,561\r\n");
    assert_eq!(h.cmd("AT+QIACT=1"), "\r\nOK\r\n");
    // G4: `\r\nOK\r\n` then `\r\n+QSSLOPEN: 1,0\r\n`.
    let open = h.cmd_for(
        "AT+QSSLOPEN=1,1,1,\"localhost\",443,0",
        Duration::from_secs(2),
    );
    assert_eq!(open, "\r\nOK\r\n\r\n+QSSLOPEN: 1,0\r\n");
    let req = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    assert_eq!(h.cmd(&format!("AT+QSSLSEND=1,{}", req.len())), "\r\n> ");
    let sent = h.raw_for(req, Duration::from_secs(2));
    let sent = String::from_utf8_lossy(&sent);
    assert!(sent.starts_with("\r\nSEND OK\r\n"), "{sent:?}");
    assert!(sent.contains("\r\n+QSSLURC: \"recv\",1\r\n"), "{sent:?}");
    let recv = h.cmd("AT+QSSLRECV=1,1500");
    assert!(recv.starts_with("\r\n+QSSLRECV: "), "{recv:?}");
    assert!(
        recv.contains("200 OK") && recv.ends_with("\r\nOK\r\n"),
        "{recv:?}"
    );
    assert_eq!(h.cmd("AT+QSSLCLOSE=1"), "\r\nOK\r\n");
}
