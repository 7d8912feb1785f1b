//! SIM800 simulator: the reference fixtures (sim800.md §4.4), file system checks, SSL
//! import, sockets and HTTPS outcomes.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]

#[path = "sim_util.rs"]
mod util;

use std::time::Duration;

use atcert::sim::{Server, ServerModel, Sim800Config, TlsVersion};
use util::{Host, Pki};

fn server(pki: &Pki, versions: (TlsVersion, TlsVersion)) -> Server {
    let mut m = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    m.versions = versions;
    Server::Model(m)
}

fn module(pki: &Pki) -> atcert::sim::SimModule {
    let mut cfg = Sim800Config::default();
    cfg.common.server = server(pki, (TlsVersion::Tls10, TlsVersion::Tls12));
    cfg.build()
}

fn write_file(h: &mut Host, path: &str, data: &[u8]) -> String {
    assert_eq!(h.cmd(&format!("AT+FSCREATE={path}")), "\r\nOK\r\n");
    let prompt = h.cmd(&format!("AT+FSWRITE={path},0,{},10", data.len()));
    assert_eq!(prompt, "\r\n> ");
    String::from_utf8_lossy(&h.raw_for(data, Duration::from_secs(1))).into_owned()
}

/// CSTT, CIICR, CIFSR: what multi-connection CIPSTART needs first (AT manual V1.09 §8.2.2).
fn bring_up(h: &mut Host) {
    assert_eq!(h.cmd("AT+CSTT=\"\""), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT+CIICR"), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT+CIFSR"), "\r\n10.12.34.56\r\n");
}

#[test]
fn identification() {
    let m = Sim800Config::default().build();
    let mut h = Host::new(&m);
    assert_eq!(h.cmd("ATI"), "ATI\r\r\nSIM800 R14.18\r\n\r\nOK\r\n");
    h.cmd("ATE0");
    assert_eq!(h.cmd("AT+CGMM"), "\r\nSIMCOM_SIM800L\r\n\r\nOK\r\n");
    assert_eq!(
        h.cmd("AT+CGMR"),
        "\r\nRevision:1418B04SIM800L24\r\n\r\nOK\r\n"
    );
    assert_eq!(h.cmd("AT+CIPSSL=?"), "\r\n+CIPSSL: (0-1)\r\n\r\nOK\r\n");
    let old = Sim800Config {
        ssl_supported: false,
        ..Sim800Config::default()
    }
    .build();
    let mut h = Host::new(&old);
    h.cmd("ATE0");
    assert_eq!(h.cmd("AT+CIPSSL=?"), "\r\nERROR\r\n");
    assert_eq!(h.cmd("AT+CIPSSL=1"), "\r\nERROR\r\n");
}

#[test]
fn reference_fixture_root_upload_and_tls_socket() {
    let pki = Pki::new();
    let m = module(&pki);
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    let der = pki.read("ca.der");
    assert_eq!(h.cmd("AT+FSDRIVE=0"), "\r\n+FSDRIVE: C\r\n\r\nOK\r\n");
    assert_eq!(write_file(&mut h, "C:\\USER\\ROOT.CER", &der), "\r\nOK\r\n");
    assert_eq!(
        h.cmd("AT+FSFLSIZE=C:\\USER\\ROOT.CER"),
        format!("\r\n+FSFLSIZE: {}\r\n\r\nOK\r\n", der.len())
    );
    // Read back byte for byte.
    let back = h.raw_for(
        format!("AT+FSREAD=C:\\USER\\ROOT.CER,0,{},0\r", der.len()).as_bytes(),
        Duration::from_secs(1),
    );
    let mut expect = b"\r\n".to_vec();
    expect.extend_from_slice(&der);
    expect.extend_from_slice(b"\r\nOK\r\n");
    assert_eq!(back, expect);
    assert_eq!(
        h.cmd(&format!(
            "AT+SSLSETROOT=\"C:\\USER\\ROOT.CER\",{}",
            der.len()
        )),
        "\r\nOK\r\n"
    );
    assert_eq!(h.cmd("AT+SSLOPT=0,0"), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT+CIPSSL=1"), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT+CIPSHUT"), "\r\nSHUT OK\r\n");
    for c in ["AT+CIPMUX=1", "AT+CIPQSEND=1", "AT+CIPRXGET=1"] {
        assert_eq!(h.cmd(c), "\r\nOK\r\n");
    }
    // Multi-connection CIPSTART before the bearer is up: refused.
    assert_eq!(
        h.cmd("AT+CIPSTART=0,\"TCP\",\"localhost\",443"),
        "\r\nERROR\r\n"
    );
    bring_up(&mut h);
    // CIPMUX is only taken in IP INITIAL.
    assert_eq!(h.cmd("AT+CIPMUX=1"), "\r\nERROR\r\n");
    assert_eq!(
        h.cmd_for(
            "AT+CIPSTART=0,\"TCP\",\"localhost\",443",
            Duration::from_secs(5)
        ),
        "\r\nOK\r\n\r\n0, CONNECT OK\r\n"
    );
    assert_eq!(
        h.cmd("AT+CIPSTART=0,\"TCP\",\"localhost\",443"),
        "\r\n0, ALREADY CONNECT\r\n"
    );
    assert_eq!(h.cmd("AT+CIPSEND=0,18"), "\r\n> ");
    let out = h.raw_for(b"GET / HTTP/1.0\r\n\r\n", Duration::from_secs(2));
    assert_eq!(
        out,
        b"\r\nDATA ACCEPT:0,18\r\n\r\n+CIPRXGET: 1,0\r\n\r\n0, CLOSED\r\n"
    );
    let avail = h.cmd("AT+CIPRXGET=4,0");
    assert!(avail.starts_with("\r\n+CIPRXGET: 4,0,"), "{avail}");
    let got = h.cmd("AT+CIPRXGET=2,0,1460");
    assert!(got.starts_with("\r\n+CIPRXGET: 2,0,"), "{got}");
    assert!(got.contains(",0\r\nHTTP/1.0 200 OK"), "{got}");
    assert!(got.ends_with("Hello, world!\r\nOK\r\n"));
}

#[test]
fn sslsetcert_fixture_with_trailing_nul_pem() {
    let pki = Pki::new();
    let m = module(&pki);
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    // TinyGSM uploads sizeof(cert): the PEM plus its C string NUL.
    let mut pem = pki.read("ca.pem");
    pem.push(0);
    assert_eq!(write_file(&mut h, "C:\\USER\\CERT.CRT", &pem), "\r\nOK\r\n");
    assert_eq!(
        h.cmd("AT+SSLSETCERT=\"C:\\USER\\CERT.CRT\""),
        "\r\nOK\r\n\r\n+SSLSETCERT: 0\r\n"
    );
    assert_eq!(m.storage().get("C:\\USER\\CERT.CRT"), Some(&pem));
    // Garbage imports with result 1; a missing file is ERROR.
    write_file(&mut h, "C:\\USER\\JUNK.CRT", b"not a certificate");
    assert_eq!(
        h.cmd("AT+SSLSETCERT=\"C:\\USER\\JUNK.CRT\""),
        "\r\nOK\r\n\r\n+SSLSETCERT: 1\r\n"
    );
    assert_eq!(
        h.cmd("AT+SSLSETCERT=\"C:\\USER\\NONE.CRT\""),
        "\r\nERROR\r\n"
    );
    h.cmd("AT+CIPSSL=1");
    assert_eq!(
        h.cmd_for(
            "AT+CIPSTART=\"TCP\",\"localhost\",443",
            Duration::from_secs(5)
        ),
        "\r\nOK\r\n\r\nCONNECT OK\r\n"
    );
}

#[test]
fn handshake_failures_close_the_socket() {
    let pki = Pki::new();
    let m = module(&pki);
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+CIPMUX=1");
    bring_up(&mut h);
    h.cmd("AT+CIPSSL=1");
    // No root imported: the server cannot be verified.
    assert_eq!(
        h.cmd_for(
            "AT+CIPSTART=1,\"TCP\",\"localhost\",443",
            Duration::from_secs(5)
        ),
        "\r\nOK\r\n\r\n1, CLOSE OK\r\n"
    );
    // Ignoring invalid certificates connects.
    h.cmd("AT+SSLOPT=0,1");
    assert!(
        h.cmd_for(
            "AT+CIPSTART=1,\"TCP\",\"localhost\",443",
            Duration::from_secs(5)
        )
        .ends_with("1, CONNECT OK\r\n")
    );
    // A TLS 1.2-only server: SIM800 speaks TLS 1.0 at most.
    m.set_server(server(&pki, (TlsVersion::Tls12, TlsVersion::Tls13)));
    assert!(
        h.cmd_for(
            "AT+CIPSTART=2,\"TCP\",\"localhost\",443",
            Duration::from_secs(5)
        )
        .ends_with("2, CLOSE OK\r\n")
    );
    let down = ServerModel {
        unreachable: true,
        ..ServerModel::default()
    };
    m.set_server(Server::Model(down));
    assert!(
        h.cmd_for(
            "AT+CIPSTART=3,\"TCP\",\"localhost\",443",
            Duration::from_secs(5)
        )
        .ends_with("3, CONNECT FAIL\r\n")
    );
    // HTTPS: 606 for the protocol version, 605 for the channel.
    m.set_server(server(&pki, (TlsVersion::Tls12, TlsVersion::Tls13)));
    for c in [
        "AT+HTTPINIT",
        "AT+HTTPPARA=\"URL\",\"https://localhost/\"",
        "AT+HTTPSSL=1",
    ] {
        assert_eq!(h.cmd(c), "\r\nOK\r\n", "{c}");
    }
    assert_eq!(
        h.cmd_for("AT+HTTPACTION=0", Duration::from_secs(5)),
        "\r\nOK\r\n\r\n+HTTPACTION: 0,606,0\r\n"
    );
    m.set_server(server(&pki, (TlsVersion::Tls10, TlsVersion::Tls12)));
    h.cmd("AT+SSLOPT=0,0");
    assert_eq!(
        h.cmd_for("AT+HTTPACTION=0", Duration::from_secs(5)),
        "\r\nOK\r\n\r\n+HTTPACTION: 0,605,0\r\n"
    );
    h.cmd("AT+SSLOPT=0,1");
    assert_eq!(
        h.cmd_for("AT+HTTPACTION=0", Duration::from_secs(5)),
        "\r\nOK\r\n\r\n+HTTPACTION: 0,200,13\r\n"
    );
    assert_eq!(
        h.cmd("AT+HTTPREAD"),
        "\r\n+HTTPREAD: 13\r\nHello, world!\r\nOK\r\n"
    );
}

#[test]
fn file_system_rules() {
    let m = Sim800Config::default().build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    assert_eq!(h.cmd("AT+FSCREATE=C:\\User\\a.pem"), "\r\nOK\r\n");
    // Case-insensitive names: the same file.
    assert_eq!(h.cmd("AT+FSCREATE=\"C:\\USER\\A.PEM\""), "\r\nERROR\r\n");
    assert_eq!(h.cmd("AT+FSCREATE=D:\\a.pem"), "\r\nERROR\r\n");
    // Size limit 10240 per write; a missing file cannot be written.
    assert_eq!(
        h.cmd("AT+FSWRITE=C:\\USER\\A.PEM,0,10241,10"),
        "\r\nERROR\r\n"
    );
    assert_eq!(h.cmd("AT+FSWRITE=C:\\USER\\B.PEM,0,10,10"), "\r\nERROR\r\n");
    // Append mode.
    h.cmd("AT+FSWRITE=C:\\USER\\A.PEM,0,3,10");
    h.raw_for(b"abc", Duration::from_secs(1));
    h.cmd("AT+FSWRITE=C:\\USER\\A.PEM,1,3,10");
    h.raw_for(b"def", Duration::from_secs(1));
    assert_eq!(
        h.cmd("AT+FSFLSIZE=C:\\USER\\A.PEM"),
        "\r\n+FSFLSIZE: 6\r\n\r\nOK\r\n"
    );
    assert_eq!(h.cmd("AT+FSREAD=C:\\USER\\A.PEM,1,2,3"), "\r\nde\r\nOK\r\n");
    // <inputtime> expires: ERROR after 10 s, nothing written.
    assert_eq!(
        h.cmd_for(
            "AT+FSWRITE=C:\\USER\\A.PEM,0,5,10",
            Duration::from_millis(100)
        ),
        "\r\n> "
    );
    assert_eq!(h.raw_for(b"xy", Duration::from_millis(9_800)), b"");
    assert_eq!(
        h.read_for(Duration::from_millis(300)).unwrap(),
        b"\r\nERROR\r\n"
    );
    assert_eq!(m.storage().get("C:\\USER\\A.PEM").unwrap(), b"abcdef");
    assert_eq!(h.cmd("AT+FSLS=C:\\User\\"), "\r\nA.PEM\r\n\r\nOK\r\n");
    assert_eq!(
        h.cmd("AT+FSRENAME=C:\\USER\\A.PEM,C:\\USER\\C.PEM"),
        "\r\nOK\r\n"
    );
    assert_eq!(h.cmd("AT+FSDEL=C:\\USER\\C.PEM"), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT+FSDEL=C:\\USER\\C.PEM"), "\r\nERROR\r\n");
    assert_eq!(h.cmd("AT+FSLS=C:\\User\\"), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT+FSMEM"), "\r\n+FSMEM: C:120000bytes\r\n\r\nOK\r\n");
}

#[test]
fn clock_set_and_read() {
    let m = Sim800Config::default().build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    let ms = Duration::from_millis(20);
    assert_eq!(
        h.cmd_for("AT+CCLK=\"21/11/17,16:17:48+08\"", ms),
        "\r\nOK\r\n"
    );
    assert_eq!(
        h.cmd_for("AT+CCLK?", ms),
        "\r\n+CCLK: \"21/11/17,14:17:48+00\"\r\n\r\nOK\r\n"
    );
    assert_eq!(h.cmd("AT+CCLK=\"21/13/17,16:17:48+08\""), "\r\nERROR\r\n");
    h.cmd("AT+CMEE=2");
    assert_eq!(
        h.cmd("AT+CCLK=\"x\""),
        "\r\n+CME ERROR: incorrect parameters\r\n"
    );
}

#[test]
fn single_connection_send_with_ctrl_z_and_esc() {
    let pki = Pki::new();
    let m = module(&pki);
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+SSLOPT=0,1");
    h.cmd("AT+CIPSSL=1");
    assert_eq!(
        h.cmd_for(
            "AT+CIPSTART=\"TCP\",\"localhost\",443",
            Duration::from_secs(5)
        ),
        "\r\nOK\r\n\r\nCONNECT OK\r\n"
    );
    // ESC aborts the length-less send.
    assert_eq!(h.cmd_for("AT+CIPSEND", Duration::from_millis(50)), "\r\n> ");
    assert_eq!(h.raw_for(b"GET\x1b", Duration::from_secs(1)), b"\r\nOK\r\n");
    // Ctrl+Z ends it; auto receive pushes the bytes, then CLOSED.
    assert_eq!(h.cmd_for("AT+CIPSEND", Duration::from_millis(50)), "\r\n> ");
    let out =
        String::from_utf8_lossy(&h.raw_for(b"GET / HTTP/1.0\r\n\r\n\x1a", Duration::from_secs(2)))
            .into_owned();
    assert!(
        out.starts_with("\r\nSEND OK\r\nHTTP/1.0 200 OK\r\n"),
        "{out:?}"
    );
    assert!(out.ends_with("Hello, world!\r\nCLOSED\r\n"), "{out:?}");
    assert_eq!(h.cmd("AT+CIPSEND"), "\r\nERROR\r\n");
    assert_eq!(h.cmd("AT+CIPCLOSE"), "\r\nERROR\r\n");
}

/// The state a command needs before the simulator refuses it.
fn setup_for_error(cmd: &str) -> &'static [&'static str] {
    match cmd {
        "AT+FSCREATE=C:\\User\\ROOT.CER" => &["AT+FSCREATE=C:\\User\\ROOT.CER"],
        "AT+CIPMUX=1" | "AT+CSTT=\"\"" => &["AT+CSTT=\"\""],
        _ => &[],
    }
}

#[test]
fn every_error_output_and_refused_command_has_a_specific_explanation() {
    use atcert::at::{Command, ErrorCode, Final, parse_final};
    use atcert::modules::{self, Family};
    use atcert::sim::{SIM800_ERROR_COMMANDS, SIM800_ERROR_OUTPUTS};
    const FAMILY: Family = Family::Sim800;
    let generic = modules::explain(FAMILY, &Final::Error).expect("bare ERROR");
    let config = FAMILY.engine_config();
    for out in SIM800_ERROR_OUTPUTS {
        // A bare ERROR is explained per command below.
        if parse_final(&config, out) != Some(Final::Error) {
            util::assert_explained_specifically(FAMILY, out);
        }
    }
    let pki = Pki::new();
    for cmd in SIM800_ERROR_COMMANDS {
        let mut cfg = Sim800Config::default();
        cfg.common.server = server(&pki, (TlsVersion::Tls10, TlsVersion::Tls12));
        // R13.08 builds have no SSL.
        cfg.ssl_supported = !cmd.starts_with("AT+CIPSSL");
        let m = cfg.build();
        let mut h = Host::new(&m);
        h.cmd("ATE0");
        for s in setup_for_error(cmd) {
            h.cmd(s);
        }
        let said = h.cmd(cmd);
        assert!(said.contains("ERROR"), "{cmd}: {said:?}");
        for fin in [
            Final::Error,
            Final::CmeError(ErrorCode::Number(50)),
            Final::CmeError(ErrorCode::Text("incorrect parameters".into())),
        ] {
            let e = modules::explain_command(FAMILY, &Command::new(*cmd), &fin)
                .unwrap_or_else(|| panic!("{cmd} {fin:?}: no explanation"));
            assert_ne!(e, generic, "{cmd} {fin:?}");
        }
    }
}
