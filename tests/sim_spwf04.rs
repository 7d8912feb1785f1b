//! SPWF04 simulator: TLSCERT slots with the SubjectKeyId answer (ST engineer's log), DER
//! only for the CA, CAs in the file system as `<ski>.ca` (seed 002), the clock, sockets and
//! the HTTPGET failure lines users report.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]

#[path = "sim_util.rs"]
mod util;

use std::process::Command;
use std::time::Duration;

use atcert::sim::{Server, ServerModel, Spwf04Config};
use util::{Host, Pki};

fn module(pki: &Pki) -> atcert::sim::SimModule {
    let mut cfg = Spwf04Config::default();
    cfg.common.server = Server::Model(ServerModel::new(
        vec![pki.read("server.der")],
        pki.read("ca.der"),
    ));
    cfg.build()
}

/// The CA's subject key identifier as openssl prints it (`7F:D3:…`).
fn openssl_ski(pki: &Pki, name: &str) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-ext", "subjectKeyIdentifier", "-in"])
        .arg(pki.path(name))
        .output()
        .expect("openssl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines().nth(1).unwrap_or("").trim().to_owned()
}

fn data_cmd(h: &mut Host, cmd: &str, data: &[u8], window: Duration) -> String {
    let mut bytes = format!("{cmd},{}\r", data.len()).into_bytes();
    bytes.extend_from_slice(data);
    String::from_utf8_lossy(&h.raw_for(&bytes, window)).into_owned()
}

fn set_time(h: &mut Host) {
    assert_eq!(
        h.cmd(&format!("AT+S.TIME={}", util::epoch_now())),
        "AT-S.OK\r\n"
    );
}

#[test]
fn echo_identification_and_variables() {
    let m = Spwf04Config::default().build();
    let mut h = Host::new(&m);
    assert_eq!(h.cmd("AT"), "AT\rAT-S.OK\r\n");
    assert_eq!(
        h.cmd("AT+S.SCFG=console_echo,0"),
        "AT+S.SCFG=console_echo,0\rAT-S.OK\r\n"
    );
    assert_eq!(
        h.cmd("AT+S.STS=version"),
        "AT-S.Var:version=180524-c6e0d87-SPWF04S\r\nAT-S.OK\r\n"
    );
    assert_eq!(
        h.cmd("AT+S.GCFG=console_echo"),
        "AT-S.Var:console_echo=0\r\nAT-S.OK\r\n"
    );
    assert_eq!(
        h.cmd("AT+S.GCFG=nope"),
        "AT-S.ERROR:18:Invalid variable\r\n"
    );
    assert_eq!(h.cmd("AT+S.BOGUS"), "AT-S.ERROR:1:Unknown command\r\n");
    // Unset clock: it counts from the epoch at power-on (six 2 s exchanges so far).
    assert_eq!(
        h.cmd_for("AT+S.TIME", Duration::from_millis(10)),
        "AT-S.Time:00:00:12\r\nAT-S.Date:01:01:1970\r\nAT-S.UTC:12\r\nAT-S.OK\r\n"
    );
    h.cmd_for("AT+S.TIME=1700000000", Duration::from_millis(10));
    assert!(
        h.cmd_for("AT+S.TIME", Duration::from_millis(10))
            .contains("AT-S.UTC:1700000000\r\n")
    );
}

#[test]
fn tlscert_ca_answers_subject_key_id_and_refuses_pem() {
    let pki = Pki::new();
    let m = module(&pki);
    let mut h = Host::new(&m);
    h.cmd("AT+S.SCFG=console_echo,0");
    let out = data_cmd(
        &mut h,
        "AT+S.TLSCERT=ca",
        &pki.read("ca.der"),
        Duration::from_secs(1),
    );
    assert_eq!(
        out,
        format!(
            "AT-S.SubjectKeyId:{}\r\nAT-S.OK\r\n",
            openssl_ski(&pki, "ca.pem")
        )
    );
    let out = data_cmd(
        &mut h,
        "AT+S.TLSCERT=ca",
        &pki.read("other.pem"),
        Duration::from_secs(1),
    );
    assert_eq!(out, "AT-S.ERROR:42:Invalid certificate\r\n");
    // Over the certificate area.
    let out = data_cmd(
        &mut h,
        "AT+S.TLSCERT=cert",
        &[b'x'; 1476],
        Duration::from_secs(1),
    );
    assert_eq!(out, "AT-S.ERROR:42:Invalid certificate\r\n");
    assert_eq!(
        h.cmd("AT+S.TLSCERT=content,1"),
        format!(
            "AT-S.TLSCERT:ca:{}\r\nAT-S.OK\r\n",
            pki.read("ca.der").len()
        )
    );
    assert_eq!(h.cmd("AT+S.TLSCERT=content,2"), "AT-S.OK\r\n");
    assert_eq!(h.cmd("AT+S.TLSCERT=content,1"), "AT-S.OK\r\n");
    assert!(m.storage().is_empty());
}

#[test]
fn one_way_tls_with_tlscert_ca_and_socket_commands() {
    let pki = Pki::new();
    let m = module(&pki);
    let mut h = Host::new(&m);
    h.cmd("AT+S.SCFG=console_echo,0");
    data_cmd(
        &mut h,
        "AT+S.TLSCERT=ca",
        &pki.read("ca.der"),
        Duration::from_secs(1),
    );
    // Clock unset: certificates are not yet valid.
    assert_eq!(
        h.cmd_for(
            "AT+S.SOCKON=localhost,443,,localhost",
            Duration::from_secs(5)
        ),
        "AT-S.Certificate Error:21\r\nAT-S.ERROR:60:Socket open failed\r\n"
    );
    set_time(&mut h);
    assert_eq!(
        h.cmd_for(
            "AT+S.SOCKON=localhost,443,,localhost",
            Duration::from_secs(5)
        ),
        "AT-S.On:127.0.0.1:0\r\nAT-S.OK\r\n"
    );
    let req = b"GET / HTTP/1.0\r\n\r\n";
    let out = data_cmd(&mut h, "AT+S.SOCKW=0", req, Duration::from_secs(1));
    assert_eq!(
        out,
        "AT-S.OK\r\n+WIND:55:Pending Data::0:78:78\r\n+WIND:58:Socket Closed:0:1\r\n"
    );
    assert_eq!(h.cmd("AT+S.SOCKQ=0"), "AT-S.Query:78\r\nAT-S.OK\r\n");
    assert_eq!(h.cmd("AT+S.SOCKC=0"), "AT-S.ERROR:77:Pending data\r\n");
    let got = h.cmd("AT+S.SOCKR=0,78");
    assert!(got.starts_with("AT-S.Reading:78:78\r\nHTTP/1.0 200 OK\r\n"));
    assert!(got.ends_with("Hello, world!AT-S.OK\r\n"));
    assert_eq!(h.cmd("AT+S.SOCKC=0"), "AT-S.OK\r\n");
}

#[test]
fn filesystem_ca_named_by_ski_after_cleaning_slots() {
    let pki = Pki::new();
    let m = module(&pki);
    let mut h = Host::new(&m);
    h.cmd("AT+S.SCFG=console_echo,0");
    set_time(&mut h);
    let ski = openssl_ski(&pki, "ca.pem").replace(':', "");
    // Upper-case name: not found, "Certificate Error:23" as users report.
    let upper = format!("/{}.ca", ski.to_uppercase());
    assert_eq!(
        data_cmd(
            &mut h,
            &format!("AT+S.FSC={upper}"),
            &pki.read("ca.der"),
            Duration::from_secs(1)
        ),
        "AT-S.OK\r\n"
    );
    assert_eq!(
        h.cmd_for("AT+S.HTTPGET=localhost,/,443,2,,,,", Duration::from_secs(5)),
        "AT-S.Certificate Error:23\r\nAT-S.Http Client Error:2\r\nAT-S.ERROR:111:Request failed\r\n"
    );
    let lower = format!("/{}.ca", ski.to_lowercase());
    assert_eq!(h.cmd(&format!("AT+S.FSR={upper},{lower}")), "AT-S.OK\r\n");
    // A CA in the TLSCERT slot shadows the file system until content,2 clears it.
    data_cmd(
        &mut h,
        "AT+S.TLSCERT=ca",
        &pki.read("other.der"),
        Duration::from_secs(1),
    );
    assert!(
        h.cmd_for("AT+S.HTTPGET=localhost,/,443,2,,,,", Duration::from_secs(5))
            .starts_with("AT-S.Certificate Error:23\r\n")
    );
    h.cmd("AT+S.TLSCERT=content,2");
    assert_eq!(
        h.cmd_for("AT+S.HTTPGET=localhost,/,443,2,,,,", Duration::from_secs(5)),
        "AT-S.Http Server Status Code:200\r\nHello, world!\r\nAT-S.OK\r\n"
    );
    // console_errs 0 drops the text, as in seed 002's "AT-S.ERROR:111:".
    h.cmd("AT+S.SCFG=console_errs,0");
    h.cmd(&format!("AT+S.FSD={lower}"));
    assert_eq!(
        h.cmd_for("AT+S.HTTPGET=localhost,/,443,1,,,,", Duration::from_secs(5)),
        "AT-S.Certificate Error:23\r\nAT-S.Http Client Error:2\r\nAT-S.ERROR:111:\r\n"
    );
}

#[test]
fn files_list_print_hash() {
    let pki = Pki::new();
    let m = module(&pki);
    let mut h = Host::new(&m);
    h.cmd("AT+S.SCFG=console_echo,0");
    let der = pki.read("ca.der");
    data_cmd(
        &mut h,
        "AT+S.FSC=/root.der",
        &der[..100],
        Duration::from_secs(1),
    );
    // SPWF04 has no FSA [C ST firmware table]; FSC on an existing file appends.
    assert_eq!(
        h.cmd("AT+S.FSA=/root.der,4"),
        "AT-S.ERROR:1:Unknown command\r\n"
    );
    assert_eq!(
        data_cmd(
            &mut h,
            "AT+S.FSC=/root.der",
            &der[100..],
            Duration::from_secs(1)
        ),
        "AT-S.OK\r\n"
    );
    assert_eq!(
        h.cmd("AT+S.FSL"),
        format!("AT-S.File:/root.der:{}\r\nAT-S.OK\r\n", der.len())
    );
    let mut expect = format!("AT-S.Reading:{}:{}\r\n", der.len(), der.len()).into_bytes();
    expect.extend_from_slice(&der);
    expect.extend_from_slice(b"AT-S.OK\r\n");
    assert_eq!(
        h.raw_for(b"AT+S.FSP=/root.der\r", Duration::from_secs(1)),
        expect
    );
    let sha = Command::new("sha256sum")
        .arg(pki.path("ca.der"))
        .output()
        .expect("sha256sum");
    let sha = String::from_utf8_lossy(&sha.stdout)
        .split(' ')
        .next()
        .unwrap_or("")
        .to_owned();
    assert_eq!(
        h.cmd("AT+S.HASH=SHA256,/root.der"),
        format!("AT-S.Hash:{sha}\r\nAT-S.OK\r\n")
    );
    assert_eq!(h.cmd("AT+S.FSD=/nope"), "AT-S.ERROR:43:File not found\r\n");
    assert_eq!(m.storage().get("fs:/root.der"), Some(&der));
}

#[test]
fn mutual_tls_uses_cert_and_key_slots() {
    let pki = Pki::new();
    let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    server.client_ca = Some(pki.read("ca.der"));
    let mut cfg = Spwf04Config::default();
    cfg.common.server = Server::Model(server);
    let m = cfg.build();
    let mut h = Host::new(&m);
    h.cmd("AT+S.SCFG=console_echo,0");
    set_time(&mut h);
    data_cmd(
        &mut h,
        "AT+S.TLSCERT=ca",
        &pki.read("ca.der"),
        Duration::from_secs(1),
    );
    assert_eq!(
        h.cmd_for(
            "AT+S.SOCKON=localhost,443,,localhost",
            Duration::from_secs(5)
        ),
        "AT-S.ERROR:60:Socket open failed\r\n"
    );
    data_cmd(
        &mut h,
        "AT+S.TLSCERT=cert",
        &pki.read("client.der"),
        Duration::from_secs(1),
    );
    data_cmd(
        &mut h,
        "AT+S.TLSCERT=key",
        &pki.read("client.key.der"),
        Duration::from_secs(1),
    );
    assert_eq!(
        h.cmd_for(
            "AT+S.SOCKON=localhost,443,,localhost",
            Duration::from_secs(5)
        ),
        "AT-S.On:127.0.0.1:0\r\nAT-S.OK\r\n"
    );
}

#[test]
fn a_ca_without_subject_key_id_needs_auth() {
    let pki = Pki::new();
    // A root without the SKI extension.
    pki.openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "noski.key",
        "-out",
        "noski.pem",
        "-days",
        "365",
        "-subj",
        "/CN=No SKI Root",
        "-addext",
        "subjectKeyIdentifier=none",
    ]);
    pki.openssl(&[
        "x509",
        "-in",
        "noski.pem",
        "-outform",
        "DER",
        "-out",
        "noski.der",
    ]);
    // Its server certificate cannot carry an Authority Key Id either.
    pki.openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "srvn.key",
        "-out",
        "srvn.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        pki.path("srvn.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    pki.openssl(&[
        "x509",
        "-req",
        "-in",
        "srvn.csr",
        "-CA",
        "noski.pem",
        "-CAkey",
        "noski.key",
        "-CAcreateserial",
        "-days",
        "30",
        "-out",
        "srvn.pem",
        "-extfile",
        "srvn.ext",
    ]);
    pki.openssl(&[
        "x509", "-in", "srvn.pem", "-outform", "DER", "-out", "srvn.der",
    ]);
    let mut cfg = Spwf04Config::default();
    cfg.common.server = Server::Model(ServerModel::new(
        vec![pki.read("srvn.der")],
        pki.read("noski.der"),
    ));
    cfg.common.echo = false;
    let m = cfg.build();
    let mut h = Host::new(&m);
    set_time(&mut h);
    // No SubjectKeyId line: the module could not extract one.
    assert_eq!(
        data_cmd(
            &mut h,
            "AT+S.TLSCERT=ca",
            &pki.read("noski.der"),
            Duration::from_secs(1)
        ),
        "AT-S.OK\r\n"
    );
    assert_eq!(
        h.cmd_for(
            "AT+S.SOCKON=localhost,443,,localhost",
            Duration::from_secs(5)
        ),
        "AT-S.Certificate Error:23\r\nAT-S.ERROR:60:Socket open failed\r\n"
    );
    assert_eq!(
        data_cmd(
            &mut h,
            "AT+S.TLSCERT=auth",
            b"7F:D3:65",
            Duration::from_secs(1)
        ),
        "AT-S.OK\r\n"
    );
    assert_eq!(
        h.cmd_for(
            "AT+S.SOCKON=localhost,443,,localhost",
            Duration::from_secs(5)
        ),
        "AT-S.On:127.0.0.1:0\r\nAT-S.OK\r\n"
    );
}

#[test]
fn extreme_clock_values_do_not_overflow() {
    let m = Spwf04Config::default().build();
    let mut h = Host::new(&m);
    h.cmd("AT+S.SCFG=console_echo,0");
    assert_eq!(h.cmd("AT+S.TIME=4294967295"), "AT-S.OK\r\n");
    let shown = h.cmd_for("AT+S.TIME", Duration::from_secs(5));
    assert!(shown.contains("AT-S.Date:07:02:2106\r\n"), "{shown:?}");
    for too_big in ["18446744073709551615", "99999999999999999999999"] {
        assert_eq!(
            h.cmd(&format!("AT+S.TIME={too_big}")),
            "AT-S.ERROR:17:Invalid parameter\r\n"
        );
    }
}
