//! nRF91 simulator: the framing of the audit's golden conversations, the SHA-256 of the real
//! session, the functional-mode rule, the quoted line and its limits, storage across ports.

// Runs openssl: native only.
#![cfg(not(target_arch = "wasm32"))]

#[path = "sim_util.rs"]
mod util;

use std::time::Duration;

use atcert::sim::{Nrf91Config, NrfApp, Server, ServerModel};
use util::{Host, Pki};

/// Amazon Root CA 1 as nRF Cloud's installer sent it (LF line ends, final LF, 1188 bytes).
const AMAZON_ROOT_CA_1: &str = "-----BEGIN CERTIFICATE-----
MIIDQTCCAimgAwIBAgITBmyfz5m/jAo54vB4ikPmljZbyjANBgkqhkiG9w0BAQsF
ADA5MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRkwFwYDVQQDExBBbWF6
b24gUm9vdCBDQSAxMB4XDTE1MDUyNjAwMDAwMFoXDTM4MDExNzAwMDAwMFowOTEL
MAkGA1UEBhMCVVMxDzANBgNVBAoTBkFtYXpvbjEZMBcGA1UEAxMQQW1hem9uIFJv
b3QgQ0EgMTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALJ4gHHKeNXj
ca9HgFB0fW7Y14h29Jlo91ghYPl0hAEvrAIthtOgQ3pOsqTQNroBvo3bSMgHFzZM
9O6II8c+6zf1tRn4SWiw3te5djgdYZ6k/oI2peVKVuRF4fn9tBb6dNqcmzU5L/qw
IFAGbHrQgLKm+a/sRxmPUDgH3KKHOVj4utWp+UhnMJbulHheb4mjUcAwhmahRWa6
VOujw5H5SNz/0egwLX0tdHA114gk957EWW67c4cX8jJGKLhD+rcdqsq08p8kDi1L
93FcXmn/6pUCyziKrlA4b9v7LWIbxcceVOF34GfID5yHI9Y/QCB/IIDEgEw+OyQm
jgSubJrIqg0CAwEAAaNCMEAwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMC
AYYwHQYDVR0OBBYEFIQYzIU07LwMlJQuCFmcx7IQTgoIMA0GCSqGSIb3DQEBCwUA
A4IBAQCY8jdaQZChGsV2USggNiMOruYou6r4lK5IpDB/G/wkjUu0yKGX9rbxenDI
U5PMCCjjmCXPI6T53iHTfIUJrU6adTrCC2qJeHZERxhlbI1Bjjt/msv0tadQ1wUs
N+gDS63pYaACbvXy8MWy7Vu33PqUXHeeE6V/Uq2V8viTO96LXFvKWlJbYK8U90vv
o/ufQJVtMVT8QtPHRh8jrdkPSHCa2XV4cdFyQzR1bldZwgJcJmApzyMZFo6IQ6XU
5MsI+yMRQ+hDKXJioaldXgjUkK642M4UwtBV8ob2xJNDd2ZhwLnoQdeXeGADbkpy
rqXRfboQnoZsG4q5WTP468SQvvG5
-----END CERTIFICATE-----
";

fn send(h: &mut Host, line: &str) -> String {
    h.write(format!("{line}\r\n").as_bytes()).expect("write");
    String::from_utf8_lossy(&h.read_for(Duration::from_secs(2)).expect("read")).into_owned()
}

#[test]
fn identification_answers_as_the_captures_show() {
    let m = Nrf91Config::default().build();
    let mut h = Host::new(&m);
    assert_eq!(send(&mut h, "ATI"), "\r\nERROR\r\n");
    assert_eq!(send(&mut h, "AT+CGMM"), "\r\nnRF9160-SICA\r\n\r\nOK\r\n");
    assert_eq!(
        send(&mut h, "AT+CGMI"),
        "\r\nNordic Semiconductor ASA\r\n\r\nOK\r\n"
    );
    assert_eq!(
        send(&mut h, "AT+CGMR"),
        "\r\nmfw_nrf9160_1.3.5\r\n\r\nOK\r\n"
    );
    assert_eq!(
        send(&mut h, "AT%SHORTSWVER"),
        "\r\n%SHORTSWVER: nrf9160_1.3.5\r\n\r\nOK\r\n"
    );
    assert!(send(&mut h, "AT#XSMVER").starts_with("\r\n#XSMVER: \""));
    assert_eq!(send(&mut h, "AT#XSLMVER"), "\r\nERROR\r\n");
    let m = Nrf91Config::nrf9151().build();
    let mut h = Host::new(&m);
    assert_eq!(send(&mut h, "AT+CGMM"), "\r\nnRF9151-LACA\r\n\r\nOK\r\n");
}

#[test]
fn the_real_sessions_sha256_of_amazon_root_ca_1() {
    // nRFCloud/utils README: the modem printed exactly this for the root it was sent.
    let m = Nrf91Config::default().build();
    let mut h = Host::new(&m);
    assert_eq!(send(&mut h, "AT+CFUN=4"), "\r\nOK\r\n");
    let write = format!("AT%CMNG=0,16842753,0,\"{AMAZON_ROOT_CA_1}\"");
    assert_eq!(send(&mut h, &write), "\r\nOK\r\n");
    assert_eq!(
        send(&mut h, "AT%CMNG=1,16842753,0"),
        "\r\n%CMNG: 16842753,0,\"2C43952EE9E000FF2ACC4E2ED0897C0A72AD5FA72C3D934E81741CBD54F05BD1\"\r\n\r\nOK\r\n"
    );
    // Stored byte for byte, final LF included; it survives another port.
    assert_eq!(
        m.storage().get("16842753/0").map(Vec::as_slice),
        Some(AMAZON_ROOT_CA_1.as_bytes())
    );
    let mut h = Host::new(&m);
    assert!(send(&mut h, "AT%CMNG=1").contains("%CMNG: 16842753,0,\"2C43952E"));
    // Read-back (opcode 2) of a certificate; keys are refused by default.
    assert!(send(&mut h, "AT%CMNG=2,16842753,0").contains("-----END CERTIFICATE-----\n\""));
}

#[test]
fn credentials_are_refused_while_the_modem_is_online() {
    let cfg = Nrf91Config {
        cfun_initial: 1,
        ..Nrf91Config::default()
    };
    let m = cfg.build();
    let mut h = Host::new(&m);
    assert_eq!(send(&mut h, "AT+CMEE=1"), "\r\nOK\r\n");
    assert_eq!(send(&mut h, "AT+CFUN?"), "\r\n+CFUN: 1\r\n\r\nOK\r\n");
    assert_eq!(
        send(&mut h, "AT%CMNG=0,42,0,\"x\""),
        "\r\n+CME ERROR: 518\r\n"
    );
    assert_eq!(send(&mut h, "AT%CMNG=3,42,0"), "\r\n+CME ERROR: 518\r\n");
    assert_eq!(send(&mut h, "AT+CFUN=4"), "\r\nOK\r\n");
    assert_eq!(send(&mut h, "AT%CMNG=3,42,0"), "\r\n+CME ERROR: 513\r\n");
    assert_eq!(send(&mut h, "AT%CMNG=1,42,0"), "\r\nOK\r\n");
    assert_eq!(send(&mut h, "AT%CMNG=0,42,2,\"k\""), "\r\nOK\r\n");
    assert_eq!(send(&mut h, "AT%CMNG=2,42,2"), "\r\n+CME ERROR: 514\r\n");
}

#[test]
fn overwrite_switch_and_the_corrupting_module() {
    let cfg = Nrf91Config {
        cmng_overwrite: false,
        ..Nrf91Config::default()
    };
    let m = cfg.build();
    let mut h = Host::new(&m);
    send(&mut h, "AT+CMEE=1");
    assert_eq!(send(&mut h, "AT%CMNG=0,1,0,\"a\""), "\r\nOK\r\n");
    assert_eq!(
        send(&mut h, "AT%CMNG=0,1,0,\"b\""),
        "\r\n+CME ERROR: 519\r\n"
    );
    // Corrupting: answers OK, lists the SHA of what it really stored.
    let cfg = Nrf91Config {
        corrupt_storage: true,
        ..Nrf91Config::default()
    };
    let m = cfg.build();
    let mut h = Host::new(&m);
    let write = format!("AT%CMNG=0,16842753,0,\"{AMAZON_ROOT_CA_1}\"");
    assert_eq!(send(&mut h, &write), "\r\nOK\r\n");
    let listed = send(&mut h, "AT%CMNG=1,16842753,0");
    assert!(listed.starts_with("\r\n%CMNG: 16842753,0,\""), "{listed}");
    assert!(!listed.contains("2C43952E"), "{listed}");
    assert_ne!(
        m.storage().get("16842753/0").map(Vec::as_slice),
        Some(AMAZON_ROOT_CA_1.as_bytes())
    );
}

#[test]
fn line_ends_inside_quotes_are_data_and_the_buffer_limits_hold() {
    // A CR inside the quotes does not end the command (at_host `inside_quotes`).
    let m = Nrf91Config::default().build();
    let mut h = Host::new(&m);
    assert_eq!(send(&mut h, "AT%CMNG=0,3,0,\"a\r\nb\""), "\r\nOK\r\n");
    assert_eq!(
        m.storage().get("3/0").map(Vec::as_slice),
        Some(&b"a\r\nb"[..])
    );
    // at_host: a line over 4095 bytes loses its closing quote: no answer at all, and every
    // later command is swallowed too, until the board restarts.
    let cfg = Nrf91Config {
        app: NrfApp::AtClient,
        ..Nrf91Config::default()
    };
    let m = cfg.build();
    let mut h = Host::new(&m);
    let long = format!("AT%CMNG=0,3,0,\"{}\"", "A".repeat(4100));
    assert_eq!(send(&mut h, &long), "");
    assert_eq!(send(&mut h, "AT"), "");
    assert_eq!(send(&mut h, "\""), "");
    m.power_cycle();
    let mut h = Host::new(&m);
    assert_eq!(send(&mut h, "AT"), "\r\nOK\r\n");
    assert!(m.storage().is_empty());
    // An unfinished (short) quoted line is closed by one quote: the modem then takes the
    // cut text as it came (a rerun deletes it before writing).
    let mut h = Host::new(&m);
    assert_eq!(send(&mut h, "AT%CMNG=0,3,0,\"-----BEGIN"), "");
    assert_eq!(send(&mut h, "\"x"), "\r\nOK\r\n");
    assert_eq!(
        m.storage().get("3/0").map(Vec::as_slice),
        Some(&b"-----BEGIN\r\n"[..])
    );
    assert_eq!(send(&mut h, "AT"), "\r\nOK\r\n");
    // Serial Modem: up to 8192 bytes, then ERROR.
    let m = Nrf91Config::default().build();
    let mut h = Host::new(&m);
    let fits = format!("AT%CMNG=0,3,0,\"{}\"", "A".repeat(5000));
    assert_eq!(send(&mut h, &fits), "\r\nOK\r\n");
    let over = format!("AT%CMNG=0,4,0,\"{}\"", "A".repeat(8200));
    assert_eq!(send(&mut h, &over), "\r\nERROR\r\n");
    assert_eq!(m.storage().len(), 1);
}

#[test]
fn serial_modem_socket_against_the_server_model() {
    let pki = Pki::new();
    let mut cfg = Nrf91Config::default();
    cfg.common.server = Server::Model(ServerModel::new(
        vec![pki.read("server.der")],
        pki.read("ca.der"),
    ));
    let m = cfg.build();
    let mut h = Host::new(&m);
    send(&mut h, "AT+CFUN=4");
    let ca = String::from_utf8(pki.read("ca.pem")).unwrap();
    assert_eq!(
        send(&mut h, &format!("AT%CMNG=0,7,0,\"{ca}\"")),
        "\r\nOK\r\n"
    );
    // Sockets need the modem online.
    assert_eq!(send(&mut h, "AT#XSSOCKET=1,1,0,7,2"), "\r\nERROR\r\n");
    send(&mut h, "AT+CFUN=1");
    assert_eq!(
        send(&mut h, "AT#XSSOCKET=1,1,0,7,2"),
        "\r\n#XSSOCKET: 0,1,258\r\n\r\nOK\r\n"
    );
    assert_eq!(
        send(&mut h, "AT#XSSOCKETOPT=0,1,2,\"localhost\""),
        "\r\nOK\r\n"
    );
    assert_eq!(
        send(&mut h, "AT#XCONNECT=0,\"localhost\",443"),
        "\r\n#XCONNECT: 0,1\r\n\r\nOK\r\n"
    );
    let sent = send(
        &mut h,
        "AT#XSEND=0,0,0,\"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n\"",
    );
    assert!(sent.starts_with("\r\n#XSEND: 0,0,"), "{sent}");
    let got = send(&mut h, "AT#XRECV=0,0,0,10");
    assert!(
        got.starts_with("\r\n#XRECV: 0,0,") && got.contains("200 OK"),
        "{got}"
    );
    assert_eq!(
        send(&mut h, "AT#XCLOSE=0"),
        "\r\n#XCLOSE: 0,0\r\n\r\nOK\r\n"
    );
    // A CA that did not sign the server: Serial Modem's bare ERROR.
    let other = String::from_utf8(pki.read("other.pem")).unwrap();
    send(&mut h, "AT+CFUN=4");
    send(&mut h, &format!("AT%CMNG=0,7,0,\"{other}\""));
    send(&mut h, "AT+CFUN=1");
    send(&mut h, "AT#XSSOCKET=1,1,0,7,2");
    assert_eq!(
        send(&mut h, "AT#XCONNECT=0,\"localhost\",443"),
        "\r\nERROR\r\n"
    );
}
