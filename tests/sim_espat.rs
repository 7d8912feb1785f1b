//! ESP-AT simulator: framing as the golden transcripts give it (tests/transcripts/espat_*),
//! storage that survives a new port and a power cycle, the rejections of legacy firmware,
//! and the TLS client against the server model.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "sim_util.rs"]
mod util;

use std::time::Duration;

use atcert::sim::{EspatConfig, Server, ServerModel};
use util::{Host, Pki};

/// A command line ended by CR LF, as ESP-AT needs.
fn crlf(h: &mut Host, line: &str) -> String {
    let out = h.raw_for(format!("{line}\r\n").as_bytes(), Duration::from_secs(2));
    String::from_utf8_lossy(&out).into_owned()
}

fn store(h: &mut Host, ns: &str, key: &str, data: &[u8]) -> String {
    let prompt = crlf(
        h,
        &format!("AT+SYSMFG=2,\"{ns}\",\"{key}\",8,{}", data.len()),
    );
    assert_eq!(prompt, "\r\nOK\r\n\r\n>", "no space after '>'");
    String::from_utf8_lossy(&h.raw_for(data, Duration::from_secs(1))).into_owned()
}

#[test]
fn identifies_by_gmr_and_refuses_3gpp_commands() {
    let m = EspatConfig::default().build();
    let mut h = Host::new(&m);
    assert_eq!(crlf(&mut h, "AT"), "AT\r\n\r\nOK\r\n");
    // Echo stops when ATE0 is taken at its CR, so its LF is not echoed.
    assert_eq!(crlf(&mut h, "ATE0"), "ATE0\r\r\nOK\r\n");
    let gmr = crlf(&mut h, "AT+GMR");
    assert!(
        gmr.starts_with("\r\nAT version:3.2.0.0(s-ec2dec2 - ESP32-C3 - "),
        "{gmr}"
    );
    assert!(
        gmr.contains("\r\nBin version:v3.2.0.0(MINI-1)\r\n\r\nOK\r\n"),
        "{gmr}"
    );
    for other in ["ATI", "AT+CGMM", "AT+CGMR", "AT+S.STS=version"] {
        assert_eq!(crlf(&mut h, other), "\r\nERROR\r\n", "{other}");
    }
    assert_eq!(crlf(&mut h, "AT+SYSLOG=1"), "\r\nOK\r\n");
    assert_eq!(
        crlf(&mut h, "AT+CGMM"),
        "\r\nERR CODE:0x01090000\r\n\r\nERROR\r\n"
    );
    let ns = crlf(&mut h, "AT+SYSMFG?");
    assert!(ns.contains("+SYSMFG:\"client_ca\"\r\n"), "{ns}");
}

#[test]
fn write_read_list_erase_as_the_transcripts_show_and_storage_persists() {
    let m = EspatConfig::default().build();
    let mut h = Host::new(&m);
    crlf(&mut h, "ATE0");
    let pem = b"-----BEGIN CERTIFICATE-----\nMIIB\nOK\n-----END CERTIFICATE-----\n";
    assert_eq!(store(&mut h, "client_ca", "client_ca.0", pem), "\r\nOK\r\n");
    let mut want =
        format!("\r\n+SYSMFG:\"client_ca\",\"client_ca.0\",8,{},", pem.len()).into_bytes();
    want.extend_from_slice(pem);
    want.extend_from_slice(b"\r\nOK\r\n");
    // A new port and a power cycle keep what NVS holds.
    m.power_cycle();
    let mut h = Host::new(&m);
    crlf(&mut h, "ATE0");
    let got = h.raw_for(
        b"AT+SYSMFG=1,\"client_ca\",\"client_ca.0\"\r\n",
        Duration::from_secs(2),
    );
    assert_eq!(got, want);
    assert_eq!(
        crlf(&mut h, "AT+SYSMFG=1,\"client_ca\""),
        "\r\n+SYSMFG:\"client_ca\",\"client_ca.0\",8\r\n\r\nOK\r\n"
    );
    assert_eq!(
        crlf(&mut h, "AT+SYSMFG=0,\"client_ca\",\"client_ca.0\""),
        "\r\nOK\r\n"
    );
    assert!(m.storage().is_empty());
    // Erasing again: the key is not there.
    assert_eq!(
        crlf(&mut h, "AT+SYSMFG=0,\"client_ca\",\"client_ca.0\""),
        "\r\nERROR\r\n"
    );
    // A namespace the image does not have, a type out of range.
    assert_eq!(
        crlf(&mut h, "AT+SYSMFG=2,\"nope\",\"k\",8,4"),
        "\r\nERROR\r\n"
    );
    assert_eq!(
        crlf(&mut h, "AT+SYSMFG=2,\"client_ca\",\"client_ca.0\",9,4"),
        "\r\nERROR\r\n"
    );
}

#[test]
fn the_lf_of_a_crlf_line_end_is_not_data_but_a_later_lf_is() {
    let m = EspatConfig::default().build();
    let mut h = Host::new(&m);
    crlf(&mut h, "ATE0");
    let data = b"\nAB";
    assert_eq!(
        store(&mut h, "client_key", "client_key.1", data),
        "\r\nOK\r\n"
    );
    assert_eq!(
        m.storage().get("client_key.1").map(Vec::as_slice),
        Some(&data[..])
    );
}

#[test]
fn legacy_firmware_has_no_sysmfg() {
    let m = EspatConfig {
        at_version: "2.4.0.0".into(),
        sysmfg: false,
        ..EspatConfig::default()
    }
    .build();
    let mut h = Host::new(&m);
    crlf(&mut h, "ATE0");
    crlf(&mut h, "AT+SYSLOG=1");
    assert_eq!(
        crlf(&mut h, "AT+SYSMFG?"),
        "\r\nERR CODE:0x01090000\r\n\r\nERROR\r\n"
    );
}

#[test]
fn tls_checks_the_server_against_client_ca_and_a_wrong_ca_is_error() {
    let pki = Pki::new();
    let mut cfg = EspatConfig::default();
    cfg.common.server = Server::Model(ServerModel::new(
        vec![pki.read("server.der")],
        pki.read("ca.der"),
    ));
    let m = cfg.build();
    let mut h = Host::new(&m);
    crlf(&mut h, "ATE0");
    let now = util::epoch_now();
    assert_eq!(
        crlf(&mut h, &format!("AT+SYSTIMESTAMP={now}")),
        "\r\nOK\r\n"
    );
    assert_eq!(crlf(&mut h, "AT+CIPSSLCCONF=2,0,0"), "\r\nOK\r\n");
    // Nothing stored yet: the module's own report.
    let none = crlf(&mut h, "AT+CIPSTART=\"SSL\",\"localhost\",443");
    assert_eq!(none, "\r\nNO CA FOUND\r\n\r\nERROR\r\n");
    store(&mut h, "client_ca", "client_ca.0", &pki.read("other.pem"));
    let wrong = crlf(&mut h, "AT+CIPSTART=\"SSL\",\"localhost\",443");
    assert_eq!(wrong, "\r\nERROR\r\n");
    store(&mut h, "client_ca", "client_ca.0", &pki.read("ca.pem"));
    assert_eq!(crlf(&mut h, "AT+CIPRECVTYPE=1"), "\r\nOK\r\n");
    let ok = crlf(&mut h, "AT+CIPSTART=\"SSL\",\"localhost\",443");
    assert_eq!(ok, "\r\nCONNECT\r\n\r\nOK\r\n");
    let req = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    assert_eq!(
        crlf(&mut h, &format!("AT+CIPSEND={}", req.len())),
        "\r\nOK\r\n\r\n>"
    );
    let sent = String::from_utf8_lossy(&h.raw_for(req, Duration::from_secs(5))).into_owned();
    assert!(
        sent.starts_with(&format!("\r\nRecv {} bytes\r\n\r\nSEND OK\r\n", req.len())),
        "{sent}"
    );
    assert!(
        sent.contains("\r\n+IPD,"),
        "passive mode announces the length: {sent}"
    );
    let read = crlf(&mut h, "AT+CIPRECVDATA=2048");
    assert!(read.starts_with("\r\n+CIPRECVDATA:"), "{read}");
    assert!(
        read.contains("200 OK") && read.ends_with("\r\nOK\r\n"),
        "{read}"
    );
}

#[test]
fn every_refused_command_is_explained_by_the_command() {
    use atcert::at::{Command, Final};
    use atcert::modules::{self, Family};
    let generic = modules::explain(Family::Espat, &Final::Error).expect("bare ERROR");
    for cmd in atcert::sim::ESPAT_ERROR_COMMANDS {
        let m = EspatConfig::default().build();
        let mut h = Host::new(&m);
        crlf(&mut h, "ATE0");
        assert_eq!(crlf(&mut h, cmd), "\r\nERROR\r\n", "{cmd}");
        let e = modules::explain_command(Family::Espat, &Command::new(*cmd), &Final::Error)
            .unwrap_or_else(|| panic!("{cmd}: no explanation"));
        assert_ne!(e.meaning, generic.meaning, "{cmd}");
    }
}
