//! Sequans GM02S simulator: the framing of the golden transcripts (`sequans_*.txt`), the
//! rejections (reserved slots, sizes, malformed PEM, an empty slot), every switch's reading,
//! storage across a restart, a TLS socket session.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]

#[path = "sim_util.rs"]
mod util;

use std::time::Duration;

use atcert::sim::{
    NvrHeader, SequansConfig, SequansEmptyRead, SequansKeyRead, Server, ServerModel, SimModule,
};
use util::{Host, Pki};

fn module(pki: &Pki, mut cfg: SequansConfig) -> SimModule {
    cfg.common.server = Server::Model(ServerModel::new(
        vec![pki.read("server.der")],
        pki.read("ca.der"),
    ));
    cfg.build()
}

/// `AT+SQNSNVW=...,<len>`, the `\r\n> ` prompt, exactly the bytes: the answer.
fn store(h: &mut Host, kind: &str, index: u8, data: &[u8]) -> String {
    let cmd = format!("AT+SQNSNVW=\"{kind}\",{index},{}", data.len());
    assert_eq!(h.cmd_for(&cmd, Duration::from_millis(50)), "\r\n> ");
    String::from_utf8_lossy(&h.raw_for(data, Duration::from_millis(500))).into_owned()
}

fn lf(pem: &[u8]) -> Vec<u8> {
    pem.iter().copied().filter(|&b| b != b'\r').collect()
}

#[test]
fn identification_as_the_transcripts_show() {
    let m = SequansConfig::default().build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    assert_eq!(h.cmd("AT+CGMM"), "\r\nGM02SP\r\n\r\nOK\r\n");
    assert_eq!(h.cmd("AT+CGMR"), "\r\nUE8.2.1.0\r\n\r\nOK\r\n");
    assert_eq!(
        h.cmd("ATI1"),
        "\r\nUE8.2.1.0\r\nLR8.2.1.0-61488\r\n\r\nOK\r\n"
    );
    assert!(h.cmd("AT+SQNCCID").starts_with("\r\n+SQNCCID: \""));
}

#[test]
fn write_read_delete_framing_and_persistence() {
    let pki = Pki::new();
    let m = module(&pki, SequansConfig::default());
    let ca = lf(&pki.read("ca.pem"));
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+CMEE=1");
    // An empty slot: delete and read are errors (MCHP, PYT).
    assert_eq!(h.cmd("AT+SQNSNVW=\"certificate\",11,0"), "\r\nERROR\r\n");
    assert_eq!(
        h.cmd("AT+SQNSNVR=\"certificate\",11"),
        "\r\n+CME ERROR: 4\r\n"
    );
    assert_eq!(store(&mut h, "certificate", 11, &ca), "\r\nOK\r\n");
    let want = format!(
        "\r\n+SQNSNVR: \"certificate\",11,{}\r\n{}\r\n\r\nOK\r\n",
        ca.len(),
        String::from_utf8_lossy(&ca)
    );
    assert_eq!(h.cmd("AT+SQNSNVR=\"certificate\",11"), want);
    // NVRAM survives a restart (MAN).
    drop(h);
    m.power_cycle();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    assert_eq!(h.cmd("AT+SQNSNVR=\"certificate\",11"), want);
    assert_eq!(h.cmd("AT+SQNSNVW=\"certificate\",11,0"), "\r\nOK\r\n");
    assert!(m.storage().is_empty());
}

#[test]
fn rejections_the_module_makes() {
    let pki = Pki::new();
    let m = module(&pki, SequansConfig::default());
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+CMEE=1");
    // Reserved slots 0-4 and 7-10 (MAN); beyond 19.
    for i in [0, 4, 7, 10] {
        assert_eq!(
            h.cmd(&format!("AT+SQNSNVW=\"certificate\",{i},100")),
            "\r\n+CME ERROR: 3\r\n",
            "slot {i}"
        );
    }
    assert_eq!(
        h.cmd("AT+SQNSNVW=\"certificate\",20,100"),
        "\r\n+CME ERROR: 21\r\n"
    );
    // Sizes: certificates 8 kB, keys 2 kB (MAN).
    assert_eq!(
        h.cmd("AT+SQNSNVW=\"certificate\",11,8193"),
        "\r\n+CME ERROR: 4\r\n"
    );
    assert_eq!(
        h.cmd("AT+SQNSNVW=\"privatekey\",11,2049"),
        "\r\n+CME ERROR: 4\r\n"
    );
    assert_eq!(
        h.cmd("AT+SQNSNVW=\"secret\",11,10"),
        "\r\n+CME ERROR: 50\r\n"
    );
    // Verified on upload (MAN): not PEM, or a certificate in a key slot.
    assert_eq!(
        store(&mut h, "certificate", 11, b"not a certificate at all"),
        "\r\n+CME ERROR: 4\r\n"
    );
    assert_eq!(
        store(&mut h, "privatekey", 11, &lf(&pki.read("ca.pem"))),
        "\r\n+CME ERROR: 4\r\n"
    );
    assert!(m.storage().is_empty());
    // Verbose errors (AT+CMEE=2) in 27.007's words.
    h.cmd("AT+CMEE=2");
    assert_eq!(
        h.cmd("AT+SQNSNVW=\"certificate\",3,100"),
        "\r\n+CME ERROR: operation not allowed\r\n"
    );
}

#[test]
fn crs_are_not_counted_or_are_stored_as_the_switch_says() {
    let pki = Pki::new();
    let ca = lf(&pki.read("ca.pem"));
    let crlf: Vec<u8> = ca
        .iter()
        .flat_map(|&b| {
            if b == b'\n' {
                vec![b'\r', b'\n']
            } else {
                vec![b]
            }
        })
        .collect();
    // MAN: <size> does not count CRs: a CRLF upload announced with its full length leaves
    // the module waiting for as many more bytes as there were CRs.
    let m = module(&pki, SequansConfig::default());
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    let cmd = format!("AT+SQNSNVW=\"certificate\",11,{}", crlf.len());
    assert_eq!(h.cmd_for(&cmd, Duration::from_millis(50)), "\r\n> ");
    assert_eq!(h.raw_for(&crlf, Duration::from_millis(500)), b"");
    let crs = crlf.len() - ca.len();
    assert_eq!(
        h.raw_for(&vec![b'\n'; crs], Duration::from_millis(500)),
        b"\r\nOK\r\n"
    );
    assert!(!m.storage()["certificate:11"].contains(&b'\r'));
    // The other reading: CRs counted and stored as sent.
    let m = module(
        &pki,
        SequansConfig {
            nvw_strip_cr: false,
            ..SequansConfig::default()
        },
    );
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    assert_eq!(store(&mut h, "certificate", 11, &crlf), "\r\nOK\r\n");
    assert_eq!(m.storage()["certificate:11"], crlf);
}

#[test]
fn read_back_readings() {
    let pki = Pki::new();
    let ca = lf(&pki.read("ca.pem"));
    let key = lf(&pki.read("client.key"));
    let cfg = SequansConfig {
        nvr_header: NvrHeader::Bare,
        nvr_privatekey: SequansKeyRead::HeaderOnly,
        ..SequansConfig::default()
    };
    let m = module(&pki, cfg);
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    assert_eq!(store(&mut h, "certificate", 11, &ca), "\r\nOK\r\n");
    assert_eq!(store(&mut h, "privatekey", 12, &key), "\r\nOK\r\n");
    assert_eq!(
        h.cmd("AT+SQNSNVR=\"certificate\",11"),
        format!(
            "\r\n+SQNSNVR: {}\r\n\r\nOK\r\n",
            String::from_utf8_lossy(&ca)
        )
    );
    assert_eq!(
        h.cmd("AT+SQNSNVR=\"privatekey\",12"),
        "\r\n+SQNSNVR: \r\n\r\nOK\r\n"
    );
    let m = module(
        &pki,
        SequansConfig {
            nvr_privatekey: SequansKeyRead::HeaderOnly,
            ..SequansConfig::default()
        },
    );
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    assert_eq!(store(&mut h, "privatekey", 12, &key), "\r\nOK\r\n");
    assert_eq!(
        h.cmd("AT+SQNSNVR=\"privatekey\",12"),
        format!(
            "\r\n+SQNSNVR: \"privatekey\",12,{}\r\n\r\nOK\r\n",
            key.len()
        )
    );
    // A module that refuses to show keys, and answers an empty slot with size 0.
    let m = module(
        &pki,
        SequansConfig {
            nvr_privatekey: SequansKeyRead::Refused,
            nvr_empty: SequansEmptyRead::ZeroSize,
            ..SequansConfig::default()
        },
    );
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+CMEE=1");
    assert_eq!(store(&mut h, "privatekey", 12, &key), "\r\nOK\r\n");
    assert_eq!(
        h.cmd("AT+SQNSNVR=\"privatekey\",12"),
        "\r\n+CME ERROR: 4\r\n"
    );
    assert_eq!(
        h.cmd("AT+SQNSNVR=\"certificate\",13"),
        "\r\n+SQNSNVR: \"certificate\",13,0\r\n\r\nOK\r\n"
    );
}

#[test]
fn delete_and_overwrite_readings() {
    let pki = Pki::new();
    let ca = lf(&pki.read("ca.pem"));
    let m = module(
        &pki,
        SequansConfig {
            nvw_delete_empty_errors: false,
            nvw_overwrite_allowed: false,
            ..SequansConfig::default()
        },
    );
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+CMEE=1");
    assert_eq!(h.cmd("AT+SQNSNVW=\"certificate\",11,0"), "\r\nOK\r\n");
    assert_eq!(store(&mut h, "certificate", 11, &ca), "\r\nOK\r\n");
    let cmd = format!("AT+SQNSNVW=\"certificate\",11,{}", ca.len());
    assert_eq!(h.cmd(&cmd), "\r\n+CME ERROR: 3\r\n");
}

#[test]
fn security_profile_forms_and_listing() {
    let m = SequansConfig::default().build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+CMEE=1");
    assert_eq!(
        h.cmd("AT+SQNSPCFG=1,2,\"\",1,11,12,12,\"\",\"\""),
        "\r\nOK\r\n"
    );
    assert_eq!(
        h.cmd("AT+SQNSPCFG=1,2,,1,11,12,12,\"\",\"\""),
        "\r\n+CME ERROR: 50\r\n"
    );
    assert_eq!(
        h.cmd("AT+SQNSPCFG"),
        "\r\n+SQNSPCFG: 1,2,\"\",1,11,12,12,\"\",\"\",0,0,0\r\n\r\nOK\r\n"
    );
    // Out of range: profile 7, TLS code 4.
    assert_eq!(
        h.cmd("AT+SQNSPCFG=7,2,\"\",1,11,,,\"\",\"\""),
        "\r\n+CME ERROR: 50\r\n"
    );
    assert_eq!(
        h.cmd("AT+SQNSPCFG=1,4,\"\",1,11,,,\"\",\"\""),
        "\r\n+CME ERROR: 50\r\n"
    );
    let m = SequansConfig {
        spcfg_quoted_ciphers: false,
        spcfg_echo_line: true,
        ..SequansConfig::default()
    }
    .build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+CMEE=1");
    assert_eq!(
        h.cmd("AT+SQNSPCFG=2,2,\"\",1,11,,,\"\",\"\""),
        "\r\n+CME ERROR: 50\r\n"
    );
    assert_eq!(
        h.cmd("AT+SQNSPCFG=2,2,,1,11,,,\"\",\"\""),
        "\r\n+SQNSPCFG: 2,2,\"\",1,11,,,\"\",\"\",0,0,0\r\n\r\nOK\r\n"
    );
}

#[test]
fn tls_socket_session_and_wrong_ca() {
    let pki = Pki::new();
    let m = module(&pki, SequansConfig::default());
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+CMEE=1");
    assert_eq!(
        h.cmd(&format!("AT+CCLK=\"{}\"", util::cclk_now())),
        "\r\nOK\r\n"
    );
    // Nothing stored: the profile's CA slot trusts nothing.
    h.cmd("AT+SQNSPCFG=1,2,\"\",1,11,,,\"\",\"\"");
    assert_eq!(h.cmd("AT+SQNSCFG=1,1,300,90,600,50"), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT+SQNSCFGEXT=1,1,0,0,0,0"), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT+SQNSSCFG=1,1,1"), "\r\nOK\r\n");
    let dial = "AT+SQNSD=1,0,443,\"localhost\",0,0,1";
    assert_eq!(
        h.cmd_for(dial, Duration::from_secs(5)),
        "\r\nNO CARRIER\r\n"
    );
    assert_eq!(
        store(&mut h, "certificate", 11, &lf(&pki.read("ca.pem"))),
        "\r\nOK\r\n"
    );
    assert_eq!(h.cmd_for(dial, Duration::from_secs(5)), "\r\nOK\r\n");
    assert_eq!(h.cmd(dial), "\r\n+CME ERROR: 3\r\n");
    let req = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let cmd = format!("AT+SQNSSENDEXT=1,{}", req.len());
    assert_eq!(h.cmd_for(&cmd, Duration::from_millis(50)), "\r\n> ");
    let answer = String::from_utf8_lossy(&h.raw_for(req, Duration::from_secs(3))).into_owned();
    assert!(
        answer.starts_with("\r\nOK\r\n\r\n+SQNSRING: 1,"),
        "{answer:?}"
    );
    let ring = answer
        .split("\r\n")
        .find_map(|l| l.strip_prefix("+SQNSRING: 1,"))
        .unwrap();
    let n: usize = ring.parse().unwrap();
    let got = h.cmd(&format!("AT+SQNSRECV=1,{n}"));
    assert!(
        got.starts_with(&format!("\r\n+SQNSRECV: 1,{n}\r\nHTTP/1.0 200 OK")),
        "{got:?}"
    );
    assert!(got.ends_with("\r\nOK\r\n"));
    // The server closed after its answer (`+SQNSH: 1`): nothing left to close [I].
    assert!(answer.contains("\r\n+SQNSH: 1\r\n"), "{answer:?}");
    assert_eq!(h.cmd("AT+SQNSH=1"), "\r\n+CME ERROR: 3\r\n");
}

#[test]
fn a_clock_the_module_will_not_set() {
    let m = SequansConfig {
        cclk_set_supported: false,
        ..SequansConfig::default()
    }
    .build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+CMEE=1");
    assert_eq!(
        h.cmd(&format!("AT+CCLK=\"{}\"", util::cclk_now())),
        "\r\n+CME ERROR: 4\r\n"
    );
    assert!(h.cmd("AT+CCLK?").starts_with("\r\n+CCLK: \"04/01/01"));
}
