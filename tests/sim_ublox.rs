//! u-blox SARA-R4/R5 simulator: the framing of the reference's logs, the MD5 the module
//! reports for public certificates whose MD5 real modules printed, storage, rejections and
//! the socket commands.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]

#[path = "sim_util.rs"]
mod util;

use std::time::Duration;

use atcert::sim::{Server, ServerModel, UbloxConfig, UbloxMd5Of};
use base64ct::{Base64, Encoding};
use util::{Host, Pki};

/// Public root CAs as DER, from `arduino-libraries/MKRNB` @259f97c `src/utility/NBRootCerts.h`.
const STARFIELD_G2: &[u8] = include_bytes!("golden/ublox/starfield_services_root_g2.der");
const GEOTRUST_G3: &[u8] = include_bytes!("golden/ublox/geotrust_primary_g3.der");
const VERISIGN_G5: &[u8] = include_bytes!("golden/ublox/verisign_class3_g5.der");

fn import(h: &mut Host, t: u8, name: &str, data: &[u8]) -> String {
    let prompt = h.cmd_for(
        &format!("AT+USECMNG=0,{t},\"{name}\",{}", data.len()),
        Duration::from_millis(300),
    );
    assert!(prompt.ends_with('>'), "{prompt:?}");
    String::from_utf8_lossy(&h.raw_for(data, Duration::from_secs(1))).into_owned()
}

#[test]
fn identification_as_captured_on_sara_r410m_02b() {
    let m = UbloxConfig::default().build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    let ati = h.cmd("ATI");
    assert!(
        ati.starts_with("\r\nManufacturer: u-blox\r\nModel: SARA-R410M-02B\r\nRevision: L0.0.00.00.05.08 [Apr 17 2019 19:34:02]\r\n"),
        "{ati:?}"
    );
    assert_eq!(h.cmd("AT+CGMM"), "\r\nSARA-R410M-02B\r\n\r\nOK\r\n");
    assert_eq!(
        h.cmd("AT+CGMR"),
        "\r\nL0.0.00.00.05.08 [Apr 17 2019 19:34:02]\r\n\r\nOK\r\n"
    );
}

#[test]
fn reference_log_prompt_follows_the_echoed_command_directly() {
    // ublox.md 2.1 [U9]: `AT+USECMNG=0,0,"root_ca",1011\r>` with echo on, then the
    // 1011 bytes of the Starfield Services Root G2 and its MD5 (audit 4, G1).
    let m = UbloxConfig::default().build();
    let mut h = Host::new(&m);
    let prompt = h.cmd_for(
        "AT+USECMNG=0,0,\"root_ca\",1011",
        Duration::from_millis(300),
    );
    assert_eq!(prompt, "AT+USECMNG=0,0,\"root_ca\",1011\r>");
    let answer =
        String::from_utf8_lossy(&h.raw_for(STARFIELD_G2, Duration::from_secs(1))).into_owned();
    assert_eq!(
        answer,
        "\r\n+USECMNG: 0,0,\"root_ca\",\"173574af7b611cebf4f93ce2ee40f9a2\"\r\n\r\nOK\r\n"
    );
    assert_eq!(
        h.cmd("AT+USECMNG=4,0,\"root_ca\""),
        "AT+USECMNG=4,0,\"root_ca\"\r\r\n+USECMNG: 4,0,\"root_ca\",\"173574af7b611cebf4f93ce2ee40f9a2\"\r\n\r\nOK\r\n"
    );
}

#[test]
fn md5_vectors_real_modules_printed() {
    // MKRLOG (SARA-R410M-02B, upper case): GeoTrust G3 as DER.
    let m = UbloxConfig {
        md5_upper: true,
        ..UbloxConfig::default()
    }
    .build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    let name = "GeoTrust_Primary_Certification_Authority_G3";
    assert_eq!(
        import(&mut h, 0, name, GEOTRUST_G3),
        format!("\r\n+USECMNG: 0,0,\"{name}\",\"B5E83436C910445848706D2E83D4B805\"\r\n\r\nOK\r\n")
    );
    // AWSN: a PEM with its base64 on one line, 1706 bytes; the MD5 is of the DER.
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----",
        Base64::encode_string(VERISIGN_G5)
    );
    assert_eq!(pem.len(), 1706);
    let m = UbloxConfig::default().build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    assert_eq!(
        import(&mut h, 0, "ROOT_CERT", pem.as_bytes()),
        "\r\n+USECMNG: 0,0,\"ROOT_CERT\",\"cb17e431673ee209fe455793f30afa1c\"\r\n\r\nOK\r\n"
    );
    // The other reading (PYU2): the MD5 of the bytes as sent.
    let m = UbloxConfig {
        md5_of: UbloxMd5Of::AsSent,
        ..UbloxConfig::default()
    }
    .build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    let got = import(&mut h, 0, "ROOT_CERT", pem.as_bytes());
    assert!(!got.contains("cb17e431"), "{got}");
}

#[test]
fn storage_lists_deletes_and_refuses_what_the_module_refuses() {
    let pki = Pki::new();
    let m = UbloxConfig::default().build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+CMEE=1");
    assert!(import(&mut h, 0, "ca", &pki.read("ca.der")).contains("+USECMNG: 0,0,\"ca\","));
    // A PKCS#8 key is refused (reference 2.6); the PKCS#1 one is taken.
    assert!(import(&mut h, 2, "key", &pki.read("client.key")).contains("+CME ERROR: 1918"));
    pki.openssl(&[
        "rsa",
        "-in",
        "client.key",
        "-traditional",
        "-out",
        "client.rsa.key",
    ]);
    let rsa = pki.read("client.rsa.key");
    assert!(import(&mut h, 2, "key", &rsa).contains("+USECMNG: 0,2,\"key\","));
    // Garbage is not a certificate.
    assert!(import(&mut h, 1, "cc", &[0x41; 100]).contains("+CME ERROR: 1913"));
    assert_eq!(
        h.cmd("AT+USECMNG=3"),
        "\r\n\"CA\",\"ca\",\"atcert\",\"2037/12/31 23:59:59\"\r\n\"PK\",\"key\"\r\n\r\nOK\r\n"
    );
    assert_eq!(h.cmd("AT+USECMNG=2,0,\"ca\""), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT+USECMNG=2,0,\"ca\""), "\r\n+CME ERROR: 1916\r\n");
    assert_eq!(h.cmd("AT+USECMNG=4,0,\"ca\""), "\r\n+CME ERROR: 1916\r\n");
    assert_eq!(
        h.cmd("AT+USECMNG=0,0,\"big\",9000"),
        "\r\n+CME ERROR: 1911\r\n"
    );
    assert!(m.storage().contains_key("PK:key"));
    assert!(!m.storage().contains_key("CA:ca"));
}

#[test]
fn an_import_left_without_data_ends_with_1910_after_20_s() {
    let m = UbloxConfig::default().build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+CMEE=1");
    let prompt = h.cmd_for("AT+USECMNG=0,0,\"ca\",100", Duration::from_millis(300));
    assert!(prompt.ends_with('>'));
    let later = String::from_utf8_lossy(&h.read_for(Duration::from_secs(21)).unwrap()).into_owned();
    assert_eq!(later, "\r\n+CME ERROR: 1910\r\n");
    assert_eq!(h.cmd("AT"), "\r\nOK\r\n");
}

#[test]
fn socket_flow_through_the_server_model() {
    let pki = Pki::new();
    let mut cfg = UbloxConfig::default();
    cfg.common.server = Server::Model(ServerModel::new(
        vec![pki.read("server.der")],
        pki.read("ca.der"),
    ));
    let m = cfg.build();
    let mut h = Host::new(&m);
    h.cmd("ATE0");
    h.cmd("AT+CMEE=1");
    import(&mut h, 0, "ca", &pki.read("ca.der"));
    for c in ["AT+USECPRF=0", "AT+USECPRF=0,0,1", "AT+USECPRF=0,3,\"ca\""] {
        assert_eq!(h.cmd(c), "\r\nOK\r\n", "{c}");
    }
    // No SNI on SARA-R410M-02B by default.
    assert_eq!(
        h.cmd("AT+USECPRF=0,10,\"localhost\""),
        "\r\n+CME ERROR: 50\r\n"
    );
    assert_eq!(h.cmd("AT+USOCR=6"), "\r\n+USOCR: 0\r\n\r\nOK\r\n");
    assert_eq!(h.cmd("AT+USOSEC=0,1,0"), "\r\nOK\r\n");
    assert_eq!(
        h.cmd_for("AT+USOCO=0,\"localhost\",443", Duration::from_secs(10)),
        "\r\nOK\r\n"
    );
    let req = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    assert_eq!(
        h.cmd_for(
            &format!("AT+USOWR=0,{}", req.len()),
            Duration::from_millis(300)
        ),
        "\r\n@"
    );
    let sent = String::from_utf8_lossy(&h.raw_for(req, Duration::from_secs(5))).into_owned();
    assert!(
        sent.starts_with(&format!("\r\n+USOWR: 0,{}\r\n\r\nOK\r\n", req.len())),
        "{sent:?}"
    );
    assert!(sent.contains("+UUSORD: 0,"), "{sent:?}");
    let read = h.cmd("AT+USORD=0,1024");
    assert!(read.starts_with("\r\n+USORD: 0,"), "{read:?}");
    assert!(read.contains(",\"HTTP/1.0 200 OK"), "{read:?}");
    assert!(read.ends_with("\"\r\n\r\nOK\r\n"), "{read:?}");
    assert_eq!(h.cmd("AT+USOCL=0"), "\r\nOK\r\n");
    assert_eq!(h.cmd("AT+USOCL=0"), "\r\n+CME ERROR: 3\r\n");
}

#[test]
fn every_error_output_and_refused_command_has_a_specific_explanation() {
    use atcert::at::{Command, ErrorCode, Final, parse_final};
    use atcert::modules::{self, Family};
    use atcert::sim::{UBLOX_ERROR_COMMANDS, UBLOX_ERROR_OUTPUTS};
    const FAMILY: Family = Family::Ublox;
    let generic = modules::explain(FAMILY, &Final::Error).expect("bare ERROR");
    let config = FAMILY.engine_config();
    for out in UBLOX_ERROR_OUTPUTS {
        // A bare ERROR is explained per command below.
        if parse_final(&config, out) != Some(Final::Error) {
            util::assert_explained_specifically(FAMILY, out);
        }
    }
    for cmd in UBLOX_ERROR_COMMANDS {
        // The simulator does refuse it.
        let m = UbloxConfig::default().build();
        let mut h = Host::new(&m);
        h.cmd("ATE0");
        let said = h.cmd(cmd);
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
    // A wrong CA: the advice names the root CA and the socket error query.
    let e = modules::explain_command(
        FAMILY,
        &Command::new("AT+USOCO=0,\"localhost\",443"),
        &Final::CmeError(ErrorCode::Number(3)),
    )
    .unwrap();
    assert!(e.meaning.contains("root CA"), "{e:?}");
    assert!(e.next_step.contains("AT+USOER"), "{e:?}");
}
