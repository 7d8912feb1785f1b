//! SIM7600 simulator: golden conversations from the reference transcript (sim7600.md §4.5,
//! seed 001), upload checks, storage and the server model.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]

#[path = "sim_util.rs"]
mod util;

use std::time::Duration;

use atcert::sim::{Server, ServerModel, Sim7600Config, TlsVersion};
use util::{Host, Pki};

fn module_for(pki: &Pki) -> atcert::sim::SimModule {
    let mut cfg = Sim7600Config::default();
    cfg.common.server = Server::Model(ServerModel::new(
        vec![pki.read("server.der")],
        pki.read("ca.der"),
    ));
    cfg.build()
}

fn download(host: &mut Host, name: &str, data: &[u8]) -> String {
    let prompt = host.cmd(&format!("AT+CCERTDOWN=\"{name}\",{}", data.len()));
    assert!(prompt.ends_with("\r\n> "), "{prompt:?}");
    String::from_utf8_lossy(&host.raw_for(data, Duration::from_secs(1))).into_owned()
}

#[test]
fn identification_and_echo() {
    let m = Sim7600Config::default().build();
    let mut h = Host::new(&m);
    assert_eq!(h.cmd("AT"), "AT\r\r\nOK\r\n");
    assert_eq!(h.cmd("ATE0"), "ATE0\r\r\nOK\r\n");
    assert_eq!(h.cmd("AT+CGMM"), "\r\nSIMCOM_SIM7600G-H\r\n\r\nOK\r\n");
    assert_eq!(
        h.cmd("AT+CGMR"),
        "\r\n+CGMR: LE20B04SIM7600G22\r\n\r\nOK\r\n"
    );
    let ati = h.cmd("ATI");
    assert!(
        ati.starts_with("\r\nManufacturer: SIMCOM INCORPORATED\r\nModel: SIMCOM_SIM7600G-H\r\n")
    );
    assert!(ati.ends_with("+GCAP: +CGSM\r\n\r\nOK\r\n"));
    assert_eq!(h.cmd("AT+BOGUS"), "\r\nERROR\r\n");
}

#[test]
fn reference_transcript_mutual_auth() {
    let pki = Pki::new();
    let m = module_for(&pki);
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    assert_eq!(
        download(&mut h, "ca_cert.pem", &pki.read("ca.pem")),
        "\r\nOK\r\n"
    );
    assert_eq!(
        download(&mut h, "client_cert.pem", &pki.read("client.pem")),
        "\r\nOK\r\n"
    );
    assert_eq!(
        download(&mut h, "client_key.der", &pki.read("client.key.der")),
        "\r\nOK\r\n"
    );
    assert_eq!(
        h.cmd("AT+CCERTLIST"),
        "\r\n+CCERTLIST: \"ca_cert.pem\"\r\n+CCERTLIST: \"client_cert.pem\"\r\n+CCERTLIST: \"client_key.der\"\r\n\r\nOK\r\n"
    );
    for c in [
        "AT+CSSLCFG=\"sslversion\",0,4",
        "AT+CSSLCFG=\"authmode\",0,2",
        "AT+CSSLCFG=\"cacert\",0,\"ca_cert.pem\"",
        "AT+CSSLCFG=\"clientcert\",0,\"client_cert.pem\"",
        "AT+CSSLCFG=\"clientkey\",0,\"client_key.der\"",
        "AT+CCHSET=1",
    ] {
        assert_eq!(h.cmd(c), "\r\nOK\r\n", "{c}");
    }
    assert_eq!(
        h.cmd("AT+CSSLCFG=0"),
        "\r\n+CSSLCFG: 0,4,2,1,300,\"ca_cert.pem\",\"client_cert.pem\",\"client_key.der\"\r\n\r\nOK\r\n"
    );
    assert_eq!(h.cmd("AT+CCHSTART"), "\r\nOK\r\n\r\n+CCHSTART: 0\r\n");
    assert_eq!(h.cmd("AT+CCHSSLCFG=0,0"), "\r\nOK\r\n");
    assert_eq!(
        h.cmd_for("AT+CCHOPEN=0,\"localhost\",443,2", Duration::from_secs(5)),
        "\r\nOK\r\n\r\n+CCHOPEN: 0,0\r\n"
    );
    let req = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    assert!(
        h.cmd(&format!("AT+CCHSEND=0,{}", req.len()))
            .ends_with("> ")
    );
    let out = String::from_utf8_lossy(&h.raw_for(req, Duration::from_secs(2))).into_owned();
    assert!(
        out.starts_with("\r\nOK\r\n\r\n+CCHSEND: 0,0\r\n\r\n+CCHRECV: DATA,0,"),
        "{out:?}"
    );
    assert!(out.contains("HTTP/1.0 200 OK"));
    assert!(out.ends_with("\r\n+CCH_PEER_CLOSED: 0\r\n"), "{out:?}");
    assert_eq!(h.cmd("AT+CCHSTOP"), "\r\nOK\r\n\r\n+CCHSTOP: 0\r\n");
}

#[test]
fn handshake_failures_use_module_codes() {
    let pki = Pki::new();
    let m = module_for(&pki);
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    download(&mut h, "other.pem", &pki.read("other.pem"));
    h.cmd("AT+CSSLCFG=\"authmode\",0,1");
    h.cmd("AT+CCHSTART");
    // No CA bound: 19 "not set certificates".
    assert!(
        h.cmd_for("AT+CCHOPEN=0,\"localhost\",443,2", Duration::from_secs(5))
            .ends_with("+CCHOPEN: 0,19\r\n")
    );
    // Wrong CA: 15 handshake error.
    h.cmd("AT+CSSLCFG=\"cacert\",0,\"other.pem\"");
    assert!(
        h.cmd_for("AT+CCHOPEN=0,\"localhost\",443,2", Duration::from_secs(5))
            .ends_with("+CCHOPEN: 0,15\r\n")
    );
    // Right CA but the server requires TLS 1.3 and the context says TLS 1.2 only.
    download(&mut h, "ca.der", &pki.read("ca.der"));
    h.cmd("AT+CSSLCFG=\"cacert\",0,\"ca.der\"");
    let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    server.versions = (TlsVersion::Tls13, TlsVersion::Tls13);
    m.set_server(Server::Model(server));
    h.cmd("AT+CSSLCFG=\"sslversion\",0,3");
    assert!(
        h.cmd_for("AT+CCHOPEN=0,\"localhost\",443,2", Duration::from_secs(5))
            .ends_with("+CCHOPEN: 0,15\r\n")
    );
    h.cmd("AT+CSSLCFG=\"sslversion\",0,4");
    m.set_server(Server::Model(ServerModel::new(
        vec![pki.read("server.der")],
        pki.read("ca.der"),
    )));
    assert!(
        h.cmd_for("AT+CCHOPEN=0,\"localhost\",443,2", Duration::from_secs(5))
            .ends_with("+CCHOPEN: 0,0\r\n")
    );
    // A CA stored under .pem but holding DER bytes does not parse: handshake error.
    download(&mut h, "ca_as.pem", &pki.read("ca.der"));
    h.cmd("AT+CSSLCFG=\"cacert\",1,\"ca_as.pem\"");
    h.cmd("AT+CSSLCFG=\"authmode\",1,1");
    h.cmd("AT+CCHSSLCFG=1,1");
    assert!(
        h.cmd_for("AT+CCHOPEN=1,\"localhost\",443,2", Duration::from_secs(5))
            .ends_with("+CCHOPEN: 1,15\r\n")
    );
}

#[test]
fn download_checks_names_lengths_and_exact_count() {
    let m = Sim7600Config::default().build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    assert_eq!(h.cmd("AT+CCERTDOWN=\"ca.crt\",10"), "\r\nERROR\r\n");
    assert_eq!(h.cmd("AT+CCERTDOWN=\"a.pem\",0"), "\r\nERROR\r\n");
    assert_eq!(h.cmd("AT+CCERTDOWN=\"a.pem\",10241"), "\r\nERROR\r\n");
    assert_eq!(h.cmd("AT+CCERTDOWN=\".pem\",10"), "\r\nERROR\r\n");
    // Too few bytes: the module keeps waiting, then gives up after 120 s.
    assert!(h.cmd("AT+CCERTDOWN=\"short.pem\",10").ends_with("> "));
    assert_eq!(h.raw_for(b"12345", Duration::from_secs(100)), b"");
    assert_eq!(
        h.read_for(Duration::from_secs(30)).unwrap(),
        b"\r\nERROR\r\n"
    );
    assert_eq!(h.cmd("AT+CCERTLIST"), "\r\nOK\r\n");
    // Overwrite, delete, missing delete.
    download(&mut h, "x.pem", b"first");
    download(&mut h, "x.pem", b"second");
    assert_eq!(m.storage().get("x.pem").unwrap(), b"second");
    assert_eq!(h.cmd("AT+CCERTDELE=\"x.pem\""), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT+CCERTDELE=\"x.pem\""), "\r\nERROR\r\n");
    // Keywords are case-sensitive; unknown keyword, bad ctx, bad value: ERROR.
    assert_eq!(h.cmd("AT+CSSLCFG=\"SSLVERSION\",0,4"), "\r\nERROR\r\n");
    assert_eq!(h.cmd("AT+CSSLCFG=\"sslversion\",10,4"), "\r\nERROR\r\n");
    assert_eq!(h.cmd("AT+CSSLCFG=\"sslversion\",0,5"), "\r\nERROR\r\n");
    assert_eq!(h.cmd("AT+CSSLCFG=\"enableSNI\",0,1"), "\r\nERROR\r\n");
}

#[test]
fn seed_001_manual_receive_and_1024_byte_chunks() {
    let pki = Pki::new();
    let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    let mut body =
        b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n".to_vec();
    body.resize(1600, b'x');
    server.response = body.clone();
    let mut cfg = Sim7600Config::default();
    cfg.common.server = Server::Model(server.clone());
    let m = cfg.build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    for c in ["AT+CCHSET=1,0", "AT+CCHMODE=0"] {
        assert_eq!(h.cmd(c), "\r\nOK\r\n");
    }
    h.cmd("AT+CCHSTART");
    assert_eq!(h.cmd("AT+CCHSSLCFG=0,0"), "\r\nOK\r\n");
    assert!(
        h.cmd_for("AT+CCHOPEN=0,\"localhost\",443,2", Duration::from_secs(5))
            .ends_with("+CCHOPEN: 0,0\r\n")
    );
    assert_eq!(
        h.cmd("AT+CCHOPEN?"),
        "\r\n+CCHOPEN: 0,\"localhost\",443,2\r\n+CCHOPEN: 1,\"\",,,\r\n\r\nOK\r\n"
    );
    let req = b"GET / HTTP/1.0\r\nHost: x\r\n\r\n\r\n";
    assert_eq!(req.len(), 29);
    h.cmd_for("AT+CCHSEND=0,29", Duration::from_millis(50));
    let out = h.raw_for(req, Duration::from_secs(2));
    let mut expect = b"\r\nOK\r\n\r\n+CCHSEND: 0,0\r\n\r\n+CCHRECV: DATA,0,1024\r\n".to_vec();
    expect.extend_from_slice(&body[..1024]);
    expect.extend_from_slice(b"\r\n+CCHRECV: DATA,0,576\r\n");
    expect.extend_from_slice(&body[1024..]);
    expect.extend_from_slice(b"\r\n+CCH_PEER_CLOSED: 0\r\n");
    assert_eq!(out, expect);

    // Manual receive: an event, then reads on request.
    m.set_server(Server::Model(server));
    h.cmd("AT+CCHSTOP");
    h.cmd("AT+CCHSET=1,1");
    h.cmd("AT+CCHSTART");
    h.cmd_for("AT+CCHOPEN=1,\"localhost\",443,2", Duration::from_secs(5));
    h.cmd_for("AT+CCHSEND=1,29", Duration::from_millis(50));
    assert_eq!(h.raw_for(req, Duration::from_secs(2)), b"\r\nOK\r\n\r\n+CCHSEND: 1,0\r\n\r\n+CCHEVENT: 1,RECV EVENT\r\n\r\n+CCH_PEER_CLOSED: 1\r\n");
    assert_eq!(
        h.cmd("AT+CCHRECV?"),
        "\r\n+CCHRECV: LEN,0,1600\r\n\r\nOK\r\n"
    );
    let got = h.raw_for(b"AT+CCHRECV=1,100\r", Duration::from_secs(1));
    let mut expect = b"\r\nOK\r\n\r\n+CCHRECV: DATA,1,100\r\n".to_vec();
    expect.extend_from_slice(&body[..100]);
    expect.extend_from_slice(b"\r\n+CCHRECV: 1,0\r\n");
    assert_eq!(got, expect);
    assert_eq!(
        h.cmd("AT+CCHRECV?"),
        "\r\n+CCHRECV: LEN,0,1500\r\n\r\nOK\r\n"
    );
}

#[test]
fn date_checks_and_sni_follow_the_context() {
    let pki = Pki::new();
    let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    server.sni_names = Some(vec!["localhost".into()]);
    let mut cfg = Sim7600Config {
        sni_supported: true,
        ..Sim7600Config::default()
    };
    cfg.common.server = Server::Model(server);
    let m = cfg.build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    download(&mut h, "ca.pem", &pki.read("ca.pem"));
    for c in [
        "AT+CSSLCFG=\"authmode\",0,1",
        "AT+CSSLCFG=\"cacert\",0,\"ca.pem\"",
        "AT+CSSLCFG=\"ignorelocaltime\",0,0",
    ] {
        assert_eq!(h.cmd(c), "\r\nOK\r\n", "{c}");
    }
    assert!(
        h.cmd("AT+CSSLCFG=?")
            .contains("+CSSLCFG: \"enableSNI\",(0-9),(0,1)\r\n")
    );
    h.cmd("AT+CCHSTART");
    // No SNI sent: the server refuses.
    assert!(
        h.cmd_for("AT+CCHOPEN=0,\"localhost\",443", Duration::from_secs(5))
            .ends_with("+CCHOPEN: 0,15\r\n")
    );
    assert_eq!(h.cmd("AT+CSSLCFG=\"enableSNI\",0,1"), "\r\nOK\r\n");
    // SNI on, but the module clock (never set: 2004) is before the CA's validity.
    assert!(
        h.cmd_for("AT+CCHOPEN=0,\"localhost\",443", Duration::from_secs(5))
            .ends_with("+CCHOPEN: 0,15\r\n")
    );
    assert_eq!(
        h.cmd(&format!("AT+CCLK=\"{}\"", util::cclk_now())),
        "\r\nOK\r\n"
    );
    assert!(
        h.cmd_for("AT+CCHOPEN=0,\"localhost\",443", Duration::from_secs(5))
            .ends_with("+CCHOPEN: 0,0\r\n")
    );
    assert_eq!(
        h.cmd("AT+CSSLCFG=0"),
        "\r\n+CSSLCFG: 0,4,1,0,300,\"ca.pem\",\"\",\"\",1\r\n\r\nOK\r\n"
    );
    assert!(
        h.cmd_for("AT+CCHOPEN=0,\"localhost\",443", Duration::from_secs(5))
            .ends_with("+CCHOPEN: 0,10\r\n")
    );
    assert_eq!(
        h.cmd_for("AT+CCHCLOSE=0", Duration::from_millis(100)),
        "\r\nOK\r\n\r\n+CCHCLOSE: 0,0\r\n"
    );
    assert_eq!(h.cmd("AT+CCHCLOSE=0"), "\r\nERROR\r\n");
}

#[test]
fn a_p384_server_fails_the_handshake() {
    let pki = Pki::new();
    pki.openssl(&[
        "ecparam",
        "-name",
        "secp384r1",
        "-genkey",
        "-noout",
        "-out",
        "ec384.key",
    ]);
    pki.openssl(&[
        "req",
        "-new",
        "-x509",
        "-key",
        "ec384.key",
        "-out",
        "ec384.pem",
        "-days",
        "30",
        "-subj",
        "/CN=localhost",
    ]);
    pki.openssl(&[
        "x509",
        "-in",
        "ec384.pem",
        "-outform",
        "DER",
        "-out",
        "ec384.der",
    ]);
    let mut cfg = Sim7600Config::default();
    cfg.common.server = Server::Model(ServerModel::new(
        vec![pki.read("ec384.der")],
        pki.read("ec384.der"),
    ));
    let m = cfg.build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+CCHSTART");
    assert!(
        h.cmd_for("AT+CCHOPEN=0,\"localhost\",443,2", Duration::from_secs(5))
            .ends_with("+CCHOPEN: 0,15\r\n")
    );
    let mut cfg = Sim7600Config {
        unsupported_curves: Vec::new(),
        ..Sim7600Config::default()
    };
    cfg.common.server = Server::Model(ServerModel::new(
        vec![pki.read("ec384.der")],
        pki.read("ec384.der"),
    ));
    let m = cfg.build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+CCHSTART");
    assert!(
        h.cmd_for("AT+CCHOPEN=0,\"localhost\",443,2", Duration::from_secs(5))
            .ends_with("+CCHOPEN: 0,0\r\n")
    );
}

#[test]
fn transparent_mode_reference_4_6() {
    let pki = Pki::new();
    let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    server.close_after_response = false;
    let mut cfg = Sim7600Config::default();
    cfg.common.server = Server::Model(server);
    let m = cfg.build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    assert_eq!(h.cmd("AT+CCHMODE=1"), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT+CCHSTART"), "\r\nOK\r\n\r\n+CCHSTART: 0\r\n");
    assert_eq!(h.cmd("AT+CCHMODE=0"), "\r\nERROR\r\n");
    assert_eq!(h.cmd("AT+CCHSSLCFG=0,0"), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT+CCHOPEN=1,\"localhost\",443,2"), "\r\nERROR\r\n");
    assert_eq!(
        h.cmd_for("AT+CCHOPEN=0,\"localhost\",443,2", Duration::from_secs(5)),
        "\r\nCONNECT 115200\r\n"
    );
    let out =
        String::from_utf8_lossy(&h.raw_for(b"GET / HTTP/1.0\r\n\r\n", Duration::from_secs(2)))
            .into_owned();
    assert!(
        out.starts_with("HTTP/1.0 200 OK\r\n") && out.ends_with("Hello, world!"),
        "{out:?}"
    );
    assert_eq!(h.raw_for(b"+++", Duration::from_secs(1)), b"\r\nOK\r\n");
    assert_eq!(h.cmd("ATO"), "\r\nCONNECT 115200\r\n");
    assert_eq!(h.raw_for(b"+++", Duration::from_secs(1)), b"\r\nOK\r\n");
    assert_eq!(h.cmd("AT+CCHCLOSE=0"), "\r\nOK\r\n\r\nCLOSED\r\n");
}

/// The state a command needs before the simulator refuses it (a second `AT+CCHSTART`).
fn setup_for_error(cmd: &str) -> &'static [&'static str] {
    match cmd {
        "AT+CCHSTART" | "AT+CCHSET=0,1" | "AT+CCHMODE=0" => &["AT+CCHSTART"],
        _ => &[],
    }
}

#[test]
fn every_error_output_and_refused_command_has_a_specific_explanation() {
    use atcert::at::{Command, ErrorCode, Final, parse_final};
    use atcert::modules::{self, Family};
    use atcert::sim::{SIM7600_ERROR_COMMANDS, SIM7600_ERROR_OUTPUTS};
    const FAMILY: Family = Family::Sim7600;
    let generic = modules::explain(FAMILY, &Final::Error).expect("bare ERROR");
    let config = FAMILY.engine_config();
    for out in SIM7600_ERROR_OUTPUTS {
        // A bare ERROR is explained per command below.
        if parse_final(&config, out) != Some(Final::Error) {
            util::assert_explained_specifically(FAMILY, out);
        }
    }
    let pki = Pki::new();
    for cmd in SIM7600_ERROR_COMMANDS {
        // The simulator does refuse it.
        let m = module_for(&pki);
        let mut h = Host::new(&m);
        h.cmd("ATE0");
        for s in setup_for_error(cmd) {
            h.cmd_for(s, Duration::from_secs(1));
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
    // The issue's case: the advice for a refused CCHSTART is to stop the service.
    let e = modules::explain_command(FAMILY, &Command::new("AT+CCHSTART"), &Final::Error).unwrap();
    assert!(e.next_step.contains("AT+CCHSTOP"), "{e:?}");
}

#[test]
fn asking_for_more_than_is_cached_freezes_the_module_by_default() {
    let pki = Pki::new();
    let over = |freezes: bool| {
        let mut cfg = Sim7600Config::default();
        cfg.common.server = Server::Model(ServerModel::new(
            vec![pki.read("server.der")],
            pki.read("ca.der"),
        ));
        cfg.over_read_freezes = freezes;
        let m = cfg.build();
        let mut h = Host::new(&m);
        h.cmd("ATE0");
        for c in [
            "AT+CSSLCFG=\"authmode\",0,0",
            "AT+CCHSET=0,1",
            "AT+CCHSTART",
            "AT+CCHSSLCFG=0,0",
        ] {
            h.cmd_for(c, Duration::from_secs(1));
        }
        let open = h.cmd_for("AT+CCHOPEN=0,\"localhost\",443,2", Duration::from_secs(10));
        assert!(open.contains("+CCHOPEN: 0,0"), "{open:?}");
        let req = b"GET / HTTP/1.0\r\n\r\n";
        h.cmd(&format!("AT+CCHSEND=0,{}", req.len()));
        let sent = String::from_utf8_lossy(&h.raw_for(req, Duration::from_secs(5))).into_owned();
        assert!(sent.contains("+CCHEVENT: 0,RECV EVENT"), "{sent:?}");
        let len = h.cmd("AT+CCHRECV?");
        let cached: usize = len
            .split("+CCHRECV: LEN,")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("{len:?}"));
        let answer = h.cmd(&format!("AT+CCHRECV=0,{}", cached + 1));
        let after = h.cmd("AT");
        (answer, after)
    };
    let (answer, after) = over(true);
    assert_eq!(answer, "", "an over-read gets no answer");
    assert_eq!(after, "", "nor does anything after it");
    let (answer, after) = over(false);
    assert!(answer.contains("+CCHRECV: DATA,0,"), "{answer:?}");
    assert_eq!(after, "\r\nOK\r\n");
}
