//! ESP-AT end to end: `AT+SYSMFG` writes read back byte for byte, `AT+CIPSSLCCONF`, a test
//! connection in passive receive mode; firmware before v3.1 refused with the way out; a
//! module that stores something else is caught by the read-back.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod provision_util;

use atcert::modules::flows::{self, FlowError, Verification};
use atcert::modules::{Family, Options, Role};
use atcert::session::{Session, SessionOptions};
use atcert::sim::{
    ESPAT_ERROR_OUTPUTS, EspatConfig, LineConfig, LineFaults, Server, ServerModel, SimModule,
    VirtualClock,
};
use futures::executor::block_on;
use provision_util::*;

const FAMILY: Family = Family::Espat;

fn espat(server: Server) -> SimModule {
    let mut c = EspatConfig::default();
    c.common.server = server;
    c.build()
}

fn with(adjust: &dyn Fn(&mut EspatConfig), pki: &Pki, client_ca: bool) -> SimModule {
    let mut c = EspatConfig::default();
    adjust(&mut c);
    let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    if client_ca {
        server.client_ca = Some(pki.read("ca.der"));
    }
    c.common.server = Server::Model(server);
    c.build()
}

#[test]
fn mutual_tls_is_read_back_byte_for_byte_and_connects() {
    provisions_and_connects(
        FAMILY,
        &espat,
        &[
            "verified: read back",
            "verified: read back",
            "verified: read back",
        ],
    );
}

#[test]
fn stored_under_the_set_keys_cipsslcconf_names() {
    let pki = shared_pki(FAMILY);
    let m = with(&|_| {}, pki, true);
    let creds = credentials(pki, FAMILY, "ca", true);
    let mut s = session(&m, FAMILY, LineFaults::default());
    provision(&mut s, FAMILY, &creds).unwrap();
    let stored = m.storage();
    for (key, role) in [
        ("client_ca.0", Role::Ca),
        ("client_cert.0", Role::ClientCert),
        ("client_key.0", Role::ClientKey),
    ] {
        assert_eq!(stored.get(key), creds.get(role).map(|c| &c.bytes), "{key}");
    }
    let sent = s.transcript().to_text();
    assert!(sent.contains("AT+CIPSSLCCONF=3,0,0"), "{sent}");
}

#[test]
fn wrong_ca_is_reported_in_the_modules_words() {
    wrong_ca_fails(FAMILY, &espat, "ERROR", "TLS connection failed");
}

#[test]
fn missing_client_certificate_fails() {
    client_cert_required_but_missing_fails(FAMILY, &espat);
}

#[test]
fn sweeps_every_byte_and_line() {
    sweeps(FAMILY, &espat);
}

#[test]
fn a_module_that_stores_something_else_fails_verification() {
    let pki = shared_pki(FAMILY);
    let mut c = EspatConfig::default();
    c.common.faults.corrupt_data = true;
    let m = c.build();
    let creds = credentials(pki, FAMILY, "ca", true);
    let mut s = session(&m, FAMILY, LineFaults::default());
    let err = provision(&mut s, FAMILY, &creds).expect_err("a changed byte must fail");
    match &err {
        FlowError::Mismatch { step, got, .. } => {
            assert!(step.contains("read client_ca.0 back"), "{err}");
            assert!(got.contains("differing from byte"), "{err}");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn firmware_before_3_1_is_refused_before_anything_is_sent() {
    let pki = shared_pki(FAMILY);
    let m = with(
        &|c| {
            c.at_version = "2.4.0.0".into();
            c.sysmfg = false;
        },
        pki,
        false,
    );
    let creds = credentials(pki, FAMILY, "ca", false);
    let mut s = session(&m, FAMILY, LineFaults::default());
    let err = provision(&mut s, FAMILY, &creds).expect_err("no AT+SYSMFG");
    let text = err.to_string();
    assert!(
        text.contains("v3.1.0.0") && text.contains("esptool"),
        "{text}"
    );
    assert!(m.storage().is_empty());
    assert!(!s.transcript().to_text().contains("AT+SYSMFG=2"));
    // The same firmware number with AT+SYSMFG present (a custom build) is written to.
    let m = with(&|c| c.at_version = "3.0.0.0".into(), pki, false);
    let mut s = session(&m, FAMILY, LineFaults::default());
    provision(&mut s, FAMILY, &creds).unwrap();
}

#[test]
fn unknown_firmware_tries_sysmfg_and_the_refusal_says_why() {
    let pki = shared_pki(FAMILY);
    let m = with(&|c| c.sysmfg = false, pki, false);
    let creds = credentials(pki, FAMILY, "ca", false);
    let mut s = session(&m, FAMILY, LineFaults::default());
    let opts = Options {
        firmware: Some("unknown build".into()),
        ..options()
    };
    let err = block_on(flows::provision(&mut s, FAMILY, &creds, &opts)).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("v3.1.0.0"), "{text}");
    assert!(m.storage().is_empty());
}

#[test]
fn not_joined_to_wifi_is_a_clear_error() {
    let pki = shared_pki(FAMILY);
    let m = with(&|c| c.wifi_joined = false, pki, false);
    let creds = credentials(pki, FAMILY, "ca", false);
    let mut s = session(&m, FAMILY, LineFaults::default());
    provision(&mut s, FAMILY, &creds).unwrap();
    let err = test_connection(&mut s, FAMILY).unwrap_err().to_string();
    assert!(err.contains("Wi-Fi") && err.contains("AT+CWJAP"), "{err}");
    assert!(err.contains("No AP"), "{err}");
}

#[test]
fn auto_detection_finds_every_model_name() {
    for (chip, version, chip_field, module) in [
        ("ESP32-C3", "3.2.0.0", true, "MINI-1"),
        ("ESP32", "3.2.0.0", true, "WROOM-32"),
        ("ESP32-C2", "3.1.0.0", true, "ESP32C2-4MB"),
        ("ESP32-C6", "4.0.0.0", true, "MINI-1"),
        ("ESP32-S2", "3.2.0.0", true, "WROOM"),
        ("ESP32", "2.0.0.0", false, "WROOM-32"),
    ] {
        let mut c = EspatConfig {
            chip: chip.into(),
            at_version: version.into(),
            gmr_chip_field: chip_field,
            module_name: module.into(),
            ..EspatConfig::default()
        };
        c.sysmfg = version >= "3.1";
        let m = c.build();
        let clock = VirtualClock::new();
        let port = m.port(clock.clone(), LineConfig::default());
        let mut s = Session::new(port, clock, SessionOptions::default());
        let id = block_on(flows::detect(&mut s)).unwrap_or_else(|e| panic!("{chip}: {e}"));
        assert_eq!(id.family, FAMILY, "{id}");
        let want = if chip_field {
            chip.to_owned()
        } else {
            format!("ESP32 ({module})")
        };
        assert_eq!(id.model, want, "{id}");
        assert!(id.firmware.as_deref().unwrap().starts_with(version), "{id}");
        // The model name works as a --module value and names this family.
        assert_eq!(id.model.parse::<Family>(), Ok(FAMILY), "{id}");
    }
    for name in ["ESP32-C3", "esp32", "ESP32-S3", "ESP8266", "espat"] {
        assert_eq!(name.parse::<Family>(), Ok(FAMILY), "{name}");
    }
    for other in ["SIM7600G-H", "SIM800L", "GL865", "SPWF04SA"] {
        assert_ne!(other.parse::<Family>(), Ok(FAMILY), "{other}");
    }
}

#[test]
fn every_error_output_is_explained_specifically() {
    for out in ESPAT_ERROR_OUTPUTS {
        assert_explained_specifically(FAMILY, out);
    }
}

/// The simulator's switches: each fact tests/audit/espat.md leaves uncertain, flipped.
type Switch = (&'static str, fn(&mut EspatConfig));

const SWITCHES: &[Switch] = &[
    ("recv <n> bytes before the OK after SYSMFG data", |c| {
        c.sysmfg_recv_echo = true;
    }),
    ("SYSMFG data phase times out after 5 s", |c| {
        c.sysmfg_data_timeout = Some(core::time::Duration::from_secs(5));
    }),
    ("a blank line before the OK of a read", |c| {
        c.sysmfg_read_blank_line = true;
    }),
    ("erasing a missing key is OK", |c| {
        c.sysmfg_erase_missing_errors = false;
    }),
    ("listing an empty namespace is ERROR", |c| {
        c.sysmfg_list_empty_errors = true;
    }),
    ("passive receive is AT+CIPRECVMODE", |c| {
        c.recv_mode_v2_name = true;
    }),
    ("echo off", |c| c.common.echo = false),
];

fn full_cycle(pki: &Pki, what: &str, adjust: &dyn Fn(&mut EspatConfig)) {
    let m = with(adjust, pki, true);
    let creds = credentials(pki, FAMILY, "ca", true);
    let mut s = session(&m, FAMILY, LineFaults::default());
    for round in 0..2 {
        let report = provision(&mut s, FAMILY, &creds)
            .unwrap_or_else(|e| panic!("{what}: provision {round}: {e}"));
        assert!(
            report
                .credentials
                .iter()
                .all(|c| matches!(c.verification, Verification::Identical { .. })),
            "{what}: {report}"
        );
        assert_eq!(m.storage().len(), 3, "{what}");
    }
    connect_twice_remove_twice_and_again(&mut s, &m, FAMILY, &creds, what);
}

#[test]
fn every_uncertain_fact_either_way_provisions_connects_and_removes() {
    let pki = shared_pki(FAMILY);
    full_cycle(pki, "defaults", &|_| {});
    for (what, flip) in SWITCHES {
        full_cycle(pki, what, flip);
    }
    full_cycle(pki, "all flipped", &|c| {
        for (_, flip) in SWITCHES {
            flip(c);
        }
    });
}

#[test]
fn a_rerun_after_a_failed_connection_connects() {
    let pki = shared_pki(FAMILY);
    let m = with(&|_| {}, pki, false);
    let mut s = session(&m, FAMILY, LineFaults::default());
    provision(&mut s, FAMILY, &credentials(pki, FAMILY, "other", false)).unwrap();
    test_connection(&mut s, FAMILY).unwrap_err();
    provision(&mut s, FAMILY, &credentials(pki, FAMILY, "ca", false)).unwrap();
    let conn = test_connection(&mut s, FAMILY).unwrap_or_else(|e| panic!("{e}"));
    assert!(String::from_utf8_lossy(&conn.response).contains("200 OK"));
}
