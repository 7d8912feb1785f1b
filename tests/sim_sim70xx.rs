//! SIM70xx simulator: the golden conversations of `tests/transcripts/sim70xx_*.txt` and
//! the reference's end-to-end example (sim70xx.md 5) byte for byte, the upload window's
//! readings, the file system's session rules, and every refusal explained.

// Runs openssl: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "sim_util.rs"]
mod util;

use std::time::Duration;

use atcert::sim::{Server, ServerModel, Sim70xxConfig, Sim70xxWindowReply};
use util::{Host, Pki};

fn module(pki: &Pki, adjust: impl FnOnce(&mut Sim70xxConfig)) -> atcert::sim::SimModule {
    let mut cfg = Sim70xxConfig::default();
    let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    server.client_ca = Some(pki.read("ca.der"));
    cfg.common.server = Server::Model(server);
    adjust(&mut cfg);
    cfg.build()
}

/// `AT+CFSWFILE` with `data`: the answer to the command, then to the data.
fn write(h: &mut Host, name: &str, data: &[u8]) -> (String, String) {
    let first = h.cmd(&format!("AT+CFSWFILE=3,\"{name}\",0,{},10000", data.len()));
    let then = String::from_utf8_lossy(&h.raw_for(data, Duration::from_secs(1))).into_owned();
    (first, then)
}

#[test]
fn identification_of_both_lines() {
    let m = Sim70xxConfig::default().build();
    let mut h = Host::new(&m);
    assert_eq!(h.cmd("AT"), "AT\r\r\nOK\r\n");
    assert_eq!(h.cmd("ATE0"), "ATE0\r\r\nOK\r\n");
    assert_eq!(h.cmd("AT+CGMM"), "\r\nSIMCOM_SIM7080G\r\n\r\nOK\r\n");
    assert_eq!(
        h.cmd("AT+CGMR"),
        "\r\nRevision:1951B16SIM7080\r\n\r\nOK\r\n"
    );
    assert_eq!(h.cmd("ATI"), "\r\nR1951.07\r\n\r\nOK\r\n");
    let m = Sim70xxConfig::sim7000g().build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    // sim70xx_ati_gmm.txt
    assert_eq!(h.cmd("AT+GMM"), "\r\nSIMCOM_SIM7000G\r\n\r\nOK\r\n");
    assert_eq!(h.cmd("ATI"), "\r\nSIM7000G R1529\r\n\r\nOK\r\n");
}

#[test]
fn upload_size_read_back_and_session_rules_as_the_transcripts() {
    let pki = Pki::new();
    let m = module(&pki, |_| {});
    let mut h = Host::new(&m);
    // sim70xx_cfsinit_cfsgfis.txt, with echo on.
    assert_eq!(h.cmd("AT+CFSINIT"), "AT+CFSINIT\r\r\nOK\r\n");
    h.cmd("ATE0");
    // A second CFSINIT is refused (EFS-DUMP).
    assert_eq!(h.cmd("AT+CFSINIT"), "\r\nERROR\r\n");
    let ca = pki.read("ca.pem");
    // sim70xx_cfswfile_download.txt: DOWNLOAD, the bytes, OK; nothing echoed.
    let (first, then) = write(&mut h, "ca.pem", &ca);
    assert_eq!(first, "\r\nDOWNLOAD\r\n");
    assert_eq!(then, "\r\nOK\r\n");
    assert_eq!(
        h.cmd("AT+CFSGFIS=3,\"ca.pem\""),
        format!("\r\n+CFSGFIS: {}\r\n\r\nOK\r\n", ca.len())
    );
    let read = h.cmd("AT+CFSRFILE=3,\"ca.pem\",0,10240,0");
    let mut want = format!("\r\n+CFSRFILE: {}\r\n", ca.len()).into_bytes();
    want.extend_from_slice(&ca);
    want.extend_from_slice(b"\r\n\r\nOK\r\n");
    assert_eq!(read.as_bytes(), want.as_slice());
    // A part from a position.
    assert_eq!(
        h.cmd("AT+CFSRFILE=3,\"ca.pem\",0,5,0"),
        "\r\n+CFSRFILE: 5\r\n-----\r\n\r\nOK\r\n"
    );
    assert_eq!(h.cmd("AT+CFSGFIS=3,\"none.pem\""), "\r\nERROR\r\n");
    // Outside a session the file system refuses [I reference 8].
    assert_eq!(h.cmd("AT+CFSTERM"), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT+CFSTERM"), "\r\nERROR\r\n");
    assert_eq!(h.cmd("AT+CFSGFIS=3,\"ca.pem\""), "\r\nERROR\r\n");
    // Files persist across reconnects and sessions.
    drop(h);
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+CFSINIT");
    assert!(
        h.cmd("AT+CFSGFIS=3,\"ca.pem\"")
            .contains(&ca.len().to_string())
    );
    // Delete; a missing file is still OK (reference's log).
    assert_eq!(h.cmd("AT+CFSDFILE=3,\"ca.pem\""), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT+CFSDFILE=3,\"ca.pem\""), "\r\nOK\r\n");
    // Size over the limit or a window outside 100-10000 ms: refused before DOWNLOAD.
    assert_eq!(
        h.cmd("AT+CFSWFILE=3,\"ca.pem\",0,10241,10000"),
        "\r\nERROR\r\n"
    );
    h.cmd("AT+CMEE=1");
    assert_eq!(
        h.cmd("AT+CFSWFILE=3,\"ca.pem\",0,100,20000"),
        "\r\n+CME ERROR: 3\r\n"
    );
}

#[test]
fn a_window_that_closes_early_answers_as_each_reading_says_and_stores_nothing() {
    let pki = Pki::new();
    for (reply, said) in [
        (Sim70xxWindowReply::Cme3, "\r\n+CME ERROR: 3\r\n"),
        (Sim70xxWindowReply::Ok, "\r\nOK\r\n"),
        (Sim70xxWindowReply::Error, "\r\nERROR\r\n"),
    ] {
        let m = module(&pki, |c| c.window_reply = reply);
        let mut h = Host::new(&m);
        h.cmd("ATE0");
        h.cmd("AT+CFSINIT");
        // sim70xx_cfswfile_window_cme3.txt: the window is 1000 ms, 10 bytes never come.
        assert_eq!(
            h.cmd_for("AT+CFSWFILE=3,\"ca.pem\",0,1188,1000", Duration::ZERO),
            ""
        );
        let got = String::from_utf8_lossy(&h.raw_for(b"0123", Duration::from_secs(3))).into_owned();
        assert_eq!(got, format!("\r\nDOWNLOAD\r\n{said}"), "{reply:?}");
        // Whatever it said, nothing is stored: only a size check tells.
        assert_eq!(
            h.cmd("AT+CFSGFIS=3,\"ca.pem\""),
            "\r\nERROR\r\n",
            "{reply:?}"
        );
    }
}

#[test]
fn reference_end_to_end_example_with_mutual_tls() {
    // sim70xx.md 5 (SIM7080, assembled from TinyGSM and a real RTT log).
    let pki = Pki::new();
    let m = module(&pki, |_| {});
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    assert_eq!(h.cmd("AT+CFSINIT"), "\r\nOK\r\n");
    for (name, file) in [
        ("ca.pem", "ca.pem"),
        ("cli.pem", "client.pem"),
        ("cli.key", "client.rsa.key"),
    ] {
        let (first, then) = write(&mut h, name, &pki.read(file));
        assert_eq!(
            (first.as_str(), then.as_str()),
            ("\r\nDOWNLOAD\r\n", "\r\nOK\r\n")
        );
    }
    assert_eq!(h.cmd("AT+CFSTERM"), "\r\nOK\r\n");
    h.cmd("AT+CMEE=2");
    // The certificate alone is refused (B300); with its key it converts.
    assert_eq!(
        h.cmd("AT+CSSLCFG=\"convert\",1,\"cli.pem\""),
        "\r\n+CME ERROR: operation not allowed\r\n"
    );
    assert_eq!(
        h.cmd("AT+CSSLCFG=\"convert\",2,\"nothere.pem\""),
        "\r\n+CME ERROR: operation not allowed\r\n"
    );
    for c in [
        "AT+CSSLCFG=\"convert\",2,\"ca.pem\"",
        "AT+CSSLCFG=\"convert\",1,\"cli.pem\",\"cli.key\"",
        "AT+CSSLCFG=\"sslversion\",0,3",
        "AT+CSSLCFG=\"sni\",0,\"localhost\"",
        "AT+CSSLCFG=\"ignorertctime\",0,1",
    ] {
        assert_eq!(h.cmd(c), "\r\nOK\r\n", "{c}");
    }
    // sim70xx_cnact_caopen.txt
    assert_eq!(
        h.cmd("AT+CNACT=0,1"),
        "\r\nOK\r\n\r\n+APP PDP: 0,ACTIVE\r\n"
    );
    // SIM7080 has no AT+CACID [I]; CASSLCFG takes the connection id itself.
    assert_eq!(h.cmd("AT+CACID=0"), "\r\nERROR\r\n");
    for c in [
        "AT+CASSLCFG=0,\"ssl\",1",
        "AT+CASSLCFG=0,\"crindex\",0",
        "AT+CASSLCFG=0,\"cacert\",\"ca.pem\"",
        "AT+CASSLCFG=0,\"cert\",\"cli.pem\"",
    ] {
        assert_eq!(h.cmd(c), "\r\nOK\r\n", "{c}");
    }
    let open = h.cmd_for(
        "AT+CAOPEN=0,0,\"TCP\",\"localhost\",443",
        Duration::from_secs(10),
    );
    assert_eq!(open, "\r\n+CAOPEN: 0,0\r\n\r\nOK\r\n");
    // sim70xx_casend_carecv.txt
    let req = b"GET / HTTP/1.0\r\n\r\n";
    assert_eq!(h.cmd(&format!("AT+CASEND=0,{}", req.len())), "\r\n> ");
    let sent = String::from_utf8_lossy(&h.raw_for(req, Duration::from_secs(5))).into_owned();
    // HTTP/1.0: the server answers and closes.
    assert_eq!(
        sent, "\r\nOK\r\n\r\n+CADATAIND: 0\r\n\r\n+CASTATE: 0,0\r\n",
        "{sent:?}"
    );
    let read = h.cmd("AT+CARECV=0,1460");
    let (head, rest) = read.split_once(',').unwrap();
    let n: usize = head.trim_start_matches("\r\n+CARECV: ").parse().unwrap();
    assert!(rest.contains("200 OK"), "{read:?}");
    assert_eq!(rest.len(), n + "\r\n\r\nOK\r\n".len(), "{read:?}");
    assert!(rest.ends_with("\r\n\r\nOK\r\n"));
    // Closed by the peer and read: nothing left to close.
    assert_eq!(h.cmd("AT+CARECV=0,1460"), "\r\nERROR\r\n");
    assert_eq!(h.cmd("AT+CACLOSE=0"), "\r\nERROR\r\n");
}

#[test]
fn the_wrong_ca_and_a_missing_conversion_fail_in_the_modules_words() {
    let pki = Pki::new();
    let m = module(&pki, |c| {
        let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
        server.client_ca = None;
        c.common.server = Server::Model(server);
    });
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+CFSINIT");
    write(&mut h, "ca.pem", &pki.read("other.pem"));
    h.cmd("AT+CFSTERM");
    for c in [
        "AT+CSSLCFG=\"convert\",2,\"ca.pem\"",
        "AT+CNACT=0,1",
        "AT+CASSLCFG=0,\"SSL\",1",
        "AT+CASSLCFG=0,\"CACERT\",\"ca.pem\"",
    ] {
        assert!(h.cmd(c).starts_with("\r\nOK\r\n"), "{c}");
    }
    // The stored CA does not lead to the server's chain: result 27.
    assert_eq!(
        h.cmd_for(
            "AT+CAOPEN=0,0,\"TCP\",\"localhost\",443",
            Duration::from_secs(10)
        ),
        "\r\n+CAOPEN: 0,27\r\n\r\nOK\r\n"
    );
    // A name never converted: also 27 [I reference 8].
    h.cmd("AT+CASSLCFG=0,\"CACERT\",\"never.pem\"");
    assert_eq!(
        h.cmd_for(
            "AT+CAOPEN=0,0,\"TCP\",\"localhost\",443",
            Duration::from_secs(10)
        ),
        "\r\n+CAOPEN: 0,27\r\n\r\nOK\r\n"
    );
    // Without a bearer: 21.
    h.cmd("AT+CNACT=0,0");
    assert_eq!(
        h.cmd_for(
            "AT+CAOPEN=0,0,\"TCP\",\"localhost\",443",
            Duration::from_secs(10)
        ),
        "\r\n+CAOPEN: 0,21\r\n\r\nOK\r\n"
    );
}

#[test]
fn sim7000_needs_cacid_and_its_own_open_form() {
    let pki = Pki::new();
    let m = module(&pki, |c| {
        let common = c.common.clone();
        *c = Sim70xxConfig {
            common,
            ..Sim70xxConfig::sim7000g()
        };
    });
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    assert_eq!(h.cmd("AT+CASSLCFG=0,\"SSL\",1"), "\r\nERROR\r\n");
    assert_eq!(h.cmd("AT+CACID=0"), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT+CASSLCFG=0,\"SSL\",1"), "\r\nOK\r\n");
    assert_eq!(
        h.cmd("AT+CNACT=1,\"iot\""),
        "\r\nOK\r\n\r\n+APP PDP: ACTIVE\r\n"
    );
    assert_eq!(h.cmd("AT+CNACT=1,\"iot\""), "\r\nERROR\r\n");
    assert_eq!(
        h.cmd_for(
            "AT+CAOPEN=0,0,\"TCP\",\"localhost\",443",
            Duration::from_secs(10)
        ),
        "\r\nERROR\r\n"
    );
}

#[test]
fn every_error_output_and_refused_command_has_a_specific_explanation() {
    use atcert::at::{Command, ErrorCode, Final, parse_final};
    use atcert::modules::{self, Family};
    use atcert::sim::{SIM70XX_ERROR_COMMANDS, SIM70XX_ERROR_OUTPUTS};
    const FAMILY: Family = Family::Sim70xx;
    let generic = modules::explain(FAMILY, &Final::Error).expect("bare ERROR");
    let config = FAMILY.engine_config();
    for out in SIM70XX_ERROR_OUTPUTS {
        if parse_final(&config, out) != Some(Final::Error) {
            util::assert_explained_specifically(FAMILY, out);
        }
    }
    let pki = Pki::new();
    for cmd in SIM70XX_ERROR_COMMANDS {
        // The simulator does refuse it (no file-system session, nothing open, no bearer).
        let m = module(&pki, |c| {
            c.common.server = Server::Model(ServerModel::new(
                vec![pki.read("server.der")],
                pki.read("ca.der"),
            ));
        });
        let mut h = Host::new(&m);
        h.cmd("ATE0");
        if *cmd == "AT+CFSINIT" || cmd.starts_with("AT+CFSWFILE") {
            h.cmd("AT+CFSINIT");
        }
        if cmd.starts_with("AT+CNACT") {
            h.cmd("AT+CNACT=0,1");
        }
        if cmd.starts_with("AT+CAOPEN") {
            h.cmd("AT+CNACT=0,1");
            h.cmd_for(cmd, Duration::from_secs(10));
        }
        let said = h.cmd_for(cmd, Duration::from_secs(10));
        assert!(said.contains("ERROR"), "{cmd}: {said:?}");
        for fin in [
            Final::Error,
            Final::CmeError(ErrorCode::Number(3)),
            Final::CmeError(ErrorCode::Text("operation not allowed".into())),
        ] {
            let e = modules::explain_command(FAMILY, &Command::new(*cmd), &fin)
                .unwrap_or_else(|| panic!("{cmd} {fin:?}: no explanation"));
            assert_ne!(e, generic, "{cmd} {fin:?}");
        }
    }
    // A convert refusal points at the pairing of certificate and key.
    let e = modules::explain_command(
        FAMILY,
        &Command::new("AT+CSSLCFG=\"convert\",1,\"client.pem\""),
        &Final::CmeError(ErrorCode::Text("operation not allowed".into())),
    )
    .unwrap();
    assert!(e.next_step.contains("together"), "{e:?}");
}
