//! Quectel end to end: provision judged by the upload's size and checksum and `AT+QFLST`,
//! test connection, the wrong CA in the module's words, a module that stores other bytes
//! than it received, every uncertain fact either way, detection of every model name.

// Runs openssl: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod provision_util;

use atcert::modules::flows::{self, FlowError, Verification};
use atcert::modules::{Family, Role};
use atcert::sim::{
    Faults, LineFaults, QuectelChecksumFormat, QuectelConfig, QuectelShortUpload, Server,
    ServerModel, SimModule,
};
use futures::executor::block_on;
use provision_util::*;

const FAMILY: Family = Family::Quectel;

fn make(server: Server) -> SimModule {
    let mut cfg = QuectelConfig::default();
    cfg.common.server = server;
    cfg.build()
}

fn server(pki: &Pki, client_ca: bool) -> Server {
    let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    if client_ca {
        server.client_ca = Some(pki.read("ca.der"));
    }
    Server::Model(server)
}

const DIGEST: &str = "verified: the module's upload checksum of what it stored is";

#[test]
fn mutual_tls_provisions_verified_by_checksum_and_connects() {
    provisions_and_connects(FAMILY, &make, &[DIGEST, DIGEST, DIGEST]);
}

#[test]
fn wrong_ca_fails_with_the_modules_words_and_meaning() {
    wrong_ca_fails(FAMILY, &make, "+QSSLOPEN: 1,566", "TLS handshake");
}

#[test]
fn a_server_that_wants_a_client_certificate_refuses_a_ca_only_module() {
    client_cert_required_but_missing_fails(FAMILY, &make);
}

#[test]
fn a_module_that_stores_other_bytes_is_caught_by_its_own_checksum() {
    let pki = shared_pki(FAMILY);
    let mut cfg = QuectelConfig::default();
    cfg.common.server = server(pki, false);
    cfg.common.faults = Faults {
        corrupt_data: true,
        ..Faults::default()
    };
    let m = cfg.build();
    let creds = credentials(pki, FAMILY, "ca", false);
    let mut s = session(&m, FAMILY, LineFaults::default());
    let err = provision(&mut s, FAMILY, &creds).expect_err("a corrupted file must fail");
    match &err {
        FlowError::Mismatch { expected, got, .. } => {
            assert!(expected.contains("upload checksum"), "{err}");
            assert!(got.contains("upload checksum"), "{err}");
        }
        other => panic!("{other}"),
    }
    // The size matched (checked first): only the checksum tells.
    assert_ne!(
        m.storage().get("ca.pem"),
        creds.get(Role::Ca).map(|c| &c.bytes)
    );
}

#[test]
fn disconnects_and_noise_anywhere() {
    sweeps(FAMILY, &make);
    let pki = shared_pki(FAMILY);
    let creds = credentials(pki, FAMILY, "ca", false);
    noise_sweep(
        &|| make(server(pki, false)),
        FAMILY,
        &creds,
        b"\r\n+QIURC: \"pdpdeact\",1\r\n",
    );
}

#[test]
fn an_upload_cut_short_is_a_failure_and_the_rerun_deletes_the_truncated_file() {
    // VEC2: the module keeps the bytes that arrived and reports their size.
    for short in [QuectelShortUpload::Report, QuectelShortUpload::Cme421] {
        let pki = shared_pki(FAMILY);
        let mut cfg = QuectelConfig::default();
        cfg.common.server = server(pki, false);
        cfg.short_upload = short;
        let m = cfg.build();
        let creds = credentials(pki, FAMILY, "ca", false);
        let ca = creds.get(Role::Ca).unwrap();
        // Cut the line in the middle of the CA's data.
        let plan = atcert::modules::quectel::plan_provision(&creds, &options()).unwrap();
        let mut cut = "AT\r".len();
        for step in &plan.steps {
            if step.command.data.is_some() {
                cut += step.command.line.len() + 1 + ca.bytes.len() / 2;
                break;
            }
            cut += atcert::modules::plan::host_bytes(&step.command).len();
        }
        let faults = LineFaults {
            disconnect_after_host_bytes: Some(cut as u64),
            ..LineFaults::default()
        };
        let mut s = session(&m, FAMILY, faults);
        assert!(provision(&mut s, FAMILY, &creds).is_err());
        let mut s = session(&m, FAMILY, LineFaults::default());
        let report = provision(&mut s, FAMILY, &creds).unwrap_or_else(|e| panic!("{short:?}: {e}"));
        assert!(
            report.credentials[0]
                .verification
                .to_string()
                .starts_with(DIGEST),
            "{report}"
        );
        assert_eq!(m.storage().get("ca.pem"), Some(&ca.bytes), "{short:?}");
    }
}

type Switch = (&'static str, fn(&mut QuectelConfig));

/// Every fact the audit leaves uncertain (its section 6), flipped from the default.
const SWITCHES: &[Switch] = &[
    ("checksum %04x", |c| {
        c.checksum_format = QuectelChecksumFormat::Lower04;
    }),
    ("checksum %04X", |c| {
        c.checksum_format = QuectelChecksumFormat::Upper04;
    }),
    ("odd last byte is the low byte", |c| {
        c.checksum_odd_high = false
    }),
    ("short upload answers 421", |c| {
        c.short_upload = QuectelShortUpload::Cme421;
    }),
    ("partial upload discarded", |c| c.partial_kept = false),
    ("QFLST names the drive", |c| c.qflst_prefix = true),
    ("QFDEL of a missing file is a bare ERROR", |c| {
        c.qfdel_missing_plain = true;
    }),
    ("no SNI setting", |c| c.sni_supported = false),
    ("ignorelocaltime defaults to 0", |c| {
        c.ignore_local_time_default = false;
    }),
    ("handshake refusal is 569", |c| c.tls_fail_code = 569),
    ("handshake refusal is 552", |c| c.tls_fail_code = 552),
    ("QIACT on an active context is OK", |c| {
        c.qiact_active_errors = false;
    }),
    ("vendor line Quectel_Ltd", |c| {
        c.vendor_line = "Quectel_Ltd".into();
    }),
];

fn full_cycle(pki: &Pki, what: &str, adjust: &dyn Fn(&mut QuectelConfig)) {
    let mut cfg = QuectelConfig::default();
    adjust(&mut cfg);
    cfg.common.server = server(pki, true);
    let m = cfg.build();
    let creds = credentials(pki, FAMILY, "ca", true);
    let mut s = session(&m, FAMILY, LineFaults::default());
    let found = block_on(flows::detect(&mut s)).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(found.family, FAMILY, "{what}");
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
        let stored = m.storage();
        assert_eq!(stored.len(), 3, "{what}: {stored:?}");
        for role in creds.roles() {
            let c = creds.get(role).unwrap();
            assert_eq!(stored.get(&c.name), Some(&c.bytes), "{what}: {role}");
        }
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
}

#[test]
fn odd_length_files_verify_under_either_padding_and_corruption_still_fails() {
    // An odd-length CA (no final newline) makes the padding reading matter.
    let pki = shared_pki(FAMILY);
    let mut creds = credentials(pki, FAMILY, "ca", false);
    let ca = creds.ca.as_mut().unwrap();
    if ca.bytes.len().is_multiple_of(2) {
        assert_eq!(ca.bytes.pop(), Some(b'\n'));
    }
    assert!(!creds.ca.as_ref().unwrap().bytes.len().is_multiple_of(2));
    for odd_high in [true, false] {
        for corrupt in [false, true] {
            let mut cfg = QuectelConfig::default();
            cfg.common.server = server(pki, false);
            cfg.checksum_odd_high = odd_high;
            cfg.common.faults.corrupt_data = corrupt;
            let m = cfg.build();
            let mut s = session(&m, FAMILY, LineFaults::default());
            let result = provision(&mut s, FAMILY, &creds);
            assert_eq!(
                result.is_ok(),
                !corrupt,
                "odd_high {odd_high}, corrupt {corrupt}"
            );
        }
    }
}

#[test]
fn auto_detection_finds_every_model_name() {
    for model in ["BG96", "BG95-M3", "EG91", "EC200U"] {
        let m = QuectelConfig::for_model(model).build();
        let mut s = session(&m, FAMILY, LineFaults::default());
        let found = block_on(flows::detect(&mut s)).unwrap_or_else(|e| panic!("{model}: {e}"));
        assert_eq!(found.family, FAMILY, "{model}");
        assert_eq!(found.model, model);
        assert!(
            found
                .firmware
                .as_deref()
                .is_some_and(|f| f.starts_with(&model.replace('-', "")[..4])),
            "{model}: {found}"
        );
        assert_eq!(model.parse::<Family>(), Ok(FAMILY));
    }
    for other in ["BG77", "BG600L", "BG95-M1", "EC25", "EG25-G", "quectel"] {
        assert_eq!(other.parse::<Family>(), Ok(FAMILY), "{other}");
    }
    // Not ours: SIMCom's SIM7080G and SIM7600, Quectel's NB-IoT BC660K (another syntax).
    for not in ["SIM7080G", "SIM7600E-H", "BC660K", "Quectel_BC660K-GL"] {
        assert_ne!(not.parse::<Family>(), Ok(FAMILY), "{not}");
    }
}

#[test]
fn set_clock_then_configure_checks_dates() {
    let pki = shared_pki(FAMILY);
    let m = make(server(pki, false));
    let creds = credentials(pki, FAMILY, "ca", false);
    let mut s = session(&m, FAMILY, LineFaults::default());
    let opts = options();
    assert!(block_on(flows::set_clock(&mut s, FAMILY, &opts)).unwrap());
    block_on(flows::configure_tls(&mut s, FAMILY, &creds, &opts)).unwrap();
    let text = s.transcript().to_text();
    assert!(text.contains("AT+CCLK=\""), "{text}");
    assert!(
        text.contains("AT+QSSLCFG=\"ignorelocaltime\",0,0"),
        "{text}"
    );
}
