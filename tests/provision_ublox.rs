//! u-blox SARA-R4/R5 end to end: provision, verify by the module's MD5, test connection,
//! failures in the module's words, a module that stores other bytes, every uncertain fact
//! either way, detection of each model, disconnects at every byte.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod provision_util;

use atcert::modules::flows::{self, FlowError, Verification};
use atcert::modules::{Family, Role};
use atcert::sim::{
    Faults, LineFaults, Server, ServerModel, SimModule, UbloxConfig, UbloxDeleteMissing, UbloxMd5Of,
};
use futures::executor::block_on;
use provision_util::*;

const FAMILY: Family = Family::Ublox;

fn config(pki: &Pki, client_ca: bool) -> UbloxConfig {
    let mut cfg = UbloxConfig::default();
    let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    if client_ca {
        server.client_ca = Some(pki.read("ca.der"));
    }
    cfg.common.server = Server::Model(server);
    cfg
}

fn module(pki: &Pki, client_ca: bool) -> SimModule {
    config(pki, client_ca).build()
}

/// The DER inside a PEM (or the bytes, for DER).
fn der_of(bytes: &[u8]) -> Vec<u8> {
    pem_rfc7468::decode_vec(bytes).map_or_else(|_| bytes.to_vec(), |(_, d)| d)
}

#[test]
fn mutual_tls_provisions_verifies_by_md5_and_connects() {
    let pki = shared_pki(FAMILY);
    let m = module(pki, true);
    let creds = credentials(pki, FAMILY, "ca", true);
    // Certificates go as DER; the key as traditional PEM.
    assert!(!creds.ca.as_ref().unwrap().bytes.starts_with(b"-----"));
    assert!(
        creds
            .client_key
            .as_ref()
            .unwrap()
            .bytes
            .starts_with(b"-----BEGIN RSA PRIVATE KEY")
    );
    let mut s = session(&m, FAMILY, LineFaults::default());
    let report = provision(&mut s, FAMILY, &creds).unwrap();
    assert_eq!(report.credentials.len(), 3);
    for c in &report.credentials {
        assert!(
            matches!(c.verification, Verification::SameDigest { .. }),
            "{c:?}"
        );
        assert!(c.verification.proves_content(), "{c:?}");
    }
    let stored = m.storage();
    for (role, code) in [
        (Role::Ca, "CA"),
        (Role::ClientCert, "CC"),
        (Role::ClientKey, "PK"),
    ] {
        let c = creds.get(role).unwrap();
        assert_eq!(
            stored.get(&format!("{code}:{}", c.name)),
            Some(&der_of(&c.bytes)),
            "{role}"
        );
    }
    let text = s.transcript().to_text();
    assert!(text.contains("AT+USECMNG=0,0,\"atcert_ca\","), "{text}");
    assert!(text.contains("AT+USECMNG=4,2,\"atcert_key\""), "{text}");
    let conn = test_connection(&mut s, FAMILY).unwrap();
    assert!(
        String::from_utf8_lossy(&conn.response).contains("200 OK"),
        "{conn:?}"
    );
}

#[test]
fn wrong_ca_fails_in_the_modules_words() {
    let pki = shared_pki(FAMILY);
    let m = module(pki, false);
    let mut s = session(&m, FAMILY, LineFaults::default());
    provision(&mut s, FAMILY, &credentials(pki, FAMILY, "other", false)).unwrap();
    let err = test_connection(&mut s, FAMILY).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("+CME ERROR: 3"), "{text}");
    assert!(text.contains("connect with TLS to localhost:443"), "{text}");
    assert!(text.contains("root CA"), "{text}");
    // The right CA then works: nothing the failure left stops it.
    provision(&mut s, FAMILY, &credentials(pki, FAMILY, "ca", false)).unwrap();
    test_connection(&mut s, FAMILY).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_module_that_stores_other_bytes_fails_verification() {
    let pki = shared_pki(FAMILY);
    for mutual in [false, true] {
        let m = module(pki, mutual);
        m.set_faults(Faults {
            corrupt_data: true,
            ..Faults::default()
        });
        let mut s = session(&m, FAMILY, LineFaults::default());
        let err = provision(&mut s, FAMILY, &credentials(pki, FAMILY, "ca", mutual)).unwrap_err();
        assert!(
            matches!(err, FlowError::Mismatch { .. }),
            "mutual {mutual}: {err}"
        );
        assert!(err.to_string().contains("MD5"), "{err}");
    }
}

#[test]
fn every_model_is_detected_and_named() {
    for model in [
        "SARA-R410M-02B",
        "SARA-R510M8S",
        "SARA-R510M8S-01B",
        "SARA-R412M-02B",
    ] {
        let m = UbloxConfig {
            model: model.into(),
            ..UbloxConfig::default()
        }
        .build();
        let mut s = session(&m, Family::Sim800, LineFaults::default());
        let id = block_on(flows::detect(&mut s)).unwrap_or_else(|e| panic!("{model}: {e}"));
        assert_eq!(id.family, FAMILY, "{model}");
        assert_eq!(id.model, model);
        assert!(
            id.firmware
                .is_some_and(|f| f.starts_with("L0.0.00.00.05.08"))
        );
        assert_eq!(model.parse::<Family>(), Ok(FAMILY));
    }
    for other in ["SIM7080G", "SIM7600E-H", "BG96", "nRF9160"] {
        assert_ne!(other.parse::<Family>().ok(), Some(FAMILY), "{other}");
    }
}

#[test]
fn disconnect_at_every_byte_never_succeeds_and_rerun_works() {
    let pki = shared_pki(FAMILY);
    let creds = credentials(pki, FAMILY, "ca", false);
    disconnect_sweep(&|| module(pki, false), FAMILY, &creds, 1);
}

#[test]
fn noise_and_urcs_anywhere_do_not_change_the_outcome() {
    let pki = shared_pki(FAMILY);
    let creds = credentials(pki, FAMILY, "ca", false);
    noise_sweep(&|| module(pki, false), FAMILY, &creds, b"\r\n+CEREG: 1\r\n");
    noise_sweep(&|| module(pki, false), FAMILY, &creds, b"\r\n\r\n");
}

type Switch = (&'static str, fn(&mut UbloxConfig));

/// Every fact the audit leaves uncertain (section 6), flipped from the default.
const SWITCHES: &[Switch] = &[
    ("usecmng_md5_of = as sent", |c| {
        c.md5_of = UbloxMd5Of::AsSent
    }),
    ("usecmng_md5_case = upper", |c| c.md5_upper = true),
    ("usecmng_prompt_crlf", |c| c.prompt_crlf = true),
    ("usecmng_pem_accepted = no (DER only)", |c| {
        c.pem_accepted = false;
    }),
    ("usecmng_delete_missing = OK", |c| {
        c.delete_missing = UbloxDeleteMissing::Ok;
    }),
    ("usecmng_delete_missing = ERROR", |c| {
        c.delete_missing = UbloxDeleteMissing::Error;
    }),
    ("usecmng_list_quoted = no", |c| c.list_quoted = false),
    ("usecprf_sni_supported", |c| c.sni_supported = true),
    ("usoco_tls_fail = plain ERROR", |c| {
        c.usoco_plain_error = true
    }),
    ("ublox_r5_model_string", |c| c.model = "SARA-R510M8S".into()),
];

/// Provision (twice), test, remove (twice) under one reading of every switch.
fn full_cycle(pki: &Pki, what: &str, adjust: &dyn Fn(&mut UbloxConfig)) {
    let mut cfg = config(pki, true);
    adjust(&mut cfg);
    let m = cfg.build();
    let creds = credentials(pki, FAMILY, "ca", true);
    let mut s = session(&m, FAMILY, LineFaults::default());
    for round in 0..2 {
        let report = provision(&mut s, FAMILY, &creds)
            .unwrap_or_else(|e| panic!("{what}: provision {round}: {e}"));
        assert!(
            report
                .credentials
                .iter()
                .all(|c| matches!(c.verification, Verification::SameDigest { .. })),
            "{what}: {report}"
        );
        assert_eq!(m.storage().len(), 3, "{what}");
    }
    let conn =
        test_connection(&mut s, FAMILY).unwrap_or_else(|e| panic!("{what}: test connection: {e}"));
    assert!(String::from_utf8_lossy(&conn.response).contains("200 OK"));
    for round in 0..2 {
        block_on(flows::remove(&mut s, FAMILY, &creds, &options()))
            .unwrap_or_else(|e| panic!("{what}: remove {round}: {e}"));
        assert!(m.storage().is_empty(), "{what}: {:?}", m.storage().keys());
    }
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
fn a_wrong_md5_under_either_reading_is_caught() {
    // The corrupting module under the "as sent" reading too: neither MD5 matches.
    let pki = shared_pki(FAMILY);
    let mut cfg = config(pki, true);
    cfg.md5_of = UbloxMd5Of::AsSent;
    cfg.common.faults.corrupt_data = true;
    let m = cfg.build();
    let mut s = session(&m, FAMILY, LineFaults::default());
    let err = provision(&mut s, FAMILY, &credentials(pki, FAMILY, "ca", true)).unwrap_err();
    assert!(matches!(err, FlowError::Mismatch { .. }), "{err}");
}

#[test]
fn a_leftover_stale_credential_is_removed_and_checked_gone() {
    let pki = shared_pki(FAMILY);
    let m = module(pki, false);
    let creds = credentials(pki, FAMILY, "ca", true);
    let mut s = session(&m, FAMILY, LineFaults::default());
    provision(&mut s, FAMILY, &creds).unwrap();
    block_on(flows::remove(&mut s, FAMILY, &creds, &options())).unwrap();
    assert!(m.storage().is_empty());
    let text = s.transcript().to_text();
    assert!(text.contains("AT+USECMNG=3"), "{text}");
}
