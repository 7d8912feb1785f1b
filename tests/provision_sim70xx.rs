//! SIM7000 / SIM7080 end to end: detection of each model, provision with size and
//! byte-for-byte read-back, convert, bind, test connection; a wrong CA fails in the module's
//! words; a module that stores other bytes than it was sent is caught; every uncertain fact
//! either way; disconnects at every byte, noise and URCs anywhere.

// Runs openssl: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod provision_util;

use atcert::modules::Family;
use atcert::modules::flows::{self, FlowError, Verification};
use atcert::modules::identify::parse_model;
use atcert::sim::{
    Faults, LineFaults, Server, ServerModel, Sim70xxConfig, Sim70xxWindowReply, SimModule,
};
use futures::executor::block_on;
use provision_util::*;

const FAMILY: Family = Family::Sim70xx;

fn server(pki: &Pki, client_ca: bool) -> Server {
    let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    if client_ca {
        server.client_ca = Some(pki.read("ca.der"));
    }
    Server::Model(server)
}

fn module_with(pki: &Pki, client_ca: bool, adjust: &dyn Fn(&mut Sim70xxConfig)) -> SimModule {
    let mut cfg = Sim70xxConfig::default();
    adjust(&mut cfg);
    cfg.common.server = server(pki, client_ca);
    cfg.build()
}

fn sim7000g(c: &mut Sim70xxConfig) {
    let common = c.common.clone();
    *c = Sim70xxConfig {
        common,
        ..Sim70xxConfig::sim7000g()
    };
}

#[test]
fn auto_detection_finds_each_model_and_never_a_sim7600() {
    let pki = shared_pki(FAMILY);
    let models: &[(&str, &str, &str, &str)] = &[
        (
            "SIMCOM_SIM7080G",
            "Revision:1951B16SIM7080",
            "R1951.07",
            "SIM7080G",
        ),
        (
            "SIMCOM_SIM7000G",
            "Revision:1529B11SIM7000G",
            "SIM7000G R1529",
            "SIM7000G",
        ),
        (
            "SIMCOM_SIM7000E",
            "Revision:1351B07SIM7000E",
            "SIM7000E R1351",
            "SIM7000E",
        ),
        (
            "SIMCOM_SIM7070G",
            "Revision:1951B17SIM7070",
            "R1951.07",
            "SIM7070G",
        ),
    ];
    for (cgmm, cgmr, ati, name) in models {
        let m = module_with(pki, false, &|c| {
            c.model = (*cgmm).into();
            c.revision = (*cgmr).into();
            c.ati = (*ati).into();
        });
        let mut s = session(&m, Family::Sim800, LineFaults::default());
        let id = block_on(flows::detect(&mut s)).unwrap_or_else(|e| panic!("{cgmm}: {e}"));
        assert_eq!(id.family, FAMILY, "{cgmm}");
        assert_eq!(id.model, *name, "{id}");
        assert!(id.firmware.is_some(), "{id}");
        assert_eq!(name.parse::<Family>(), Ok(FAMILY));
    }
    // Both ways: a SIM7600 is not a SIM70xx, and no SIM70xx name parses as another family.
    let m = atcert::sim::module(Family::Sim7600, Server::default());
    let mut s = session(&m, Family::Sim800, LineFaults::default());
    assert_eq!(
        block_on(flows::detect(&mut s)).unwrap().family,
        Family::Sim7600
    );
    for (line, family) in [
        ("SIMCOM_SIM7080G", FAMILY),
        ("SIMCOM_SIM7600G-H", Family::Sim7600),
        ("SIMCOM_SIM800L", Family::Sim800),
        ("SIM7000G R1529", FAMILY),
    ] {
        assert_eq!(parse_model(line).map(|(f, _)| f), Some(family), "{line}");
    }
    for name in ["SIM7080G", "SIM7000G", "SIM7070G", "SIM7090G", "sim70xx"] {
        assert_eq!(name.parse::<Family>(), Ok(FAMILY), "{name}");
    }
    assert_eq!("SIM7600E-H".parse::<Family>(), Ok(Family::Sim7600));
    assert_eq!("SIM800L".parse::<Family>(), Ok(Family::Sim800));
}

fn mutual_cycle(adjust: &dyn Fn(&mut Sim70xxConfig), what: &str) {
    let pki = shared_pki(FAMILY);
    let m = module_with(pki, true, adjust);
    let creds = credentials(pki, FAMILY, "ca", true);
    let mut s = session(&m, FAMILY, LineFaults::default());
    for round in 0..2 {
        let report = provision(&mut s, FAMILY, &creds)
            .unwrap_or_else(|e| panic!("{what}: provision {round}: {e}"));
        assert_eq!(report.credentials.len(), 3, "{what}");
        for c in &report.credentials {
            assert!(
                matches!(c.verification, Verification::Identical { .. }),
                "{what}: {c:?}"
            );
            assert!(c.verification.proves_content());
        }
        let stored = m.storage();
        for role in creds.roles() {
            let c = creds.get(role).unwrap();
            assert_eq!(
                stored.get(&format!("/customer/{}", c.name)),
                Some(&c.bytes),
                "{what}: {role}"
            );
        }
        assert!(stored.contains_key("ssl/ca/ca.pem"), "{what}: {stored:?}");
        assert!(stored.contains_key("ssl/cert/client.pem"), "{what}");
    }
    for round in 0..2 {
        let conn = test_connection(&mut s, FAMILY)
            .unwrap_or_else(|e| panic!("{what}: test connection {round}: {e}"));
        assert!(
            String::from_utf8_lossy(&conn.response).contains("200 OK"),
            "{what}: {conn:?}"
        );
    }
    for round in 0..2 {
        let notes = block_on(flows::remove(&mut s, FAMILY, &creds, &options()))
            .unwrap_or_else(|e| panic!("{what}: remove {round}: {e}"));
        assert!(
            !m.storage().keys().any(|k| k.starts_with("/customer/")),
            "{what}: {:?}",
            m.storage()
        );
        assert!(
            format!("{notes:?}").contains("converted"),
            "{what}: {notes:?}"
        );
    }
    provision(&mut s, FAMILY, &creds).unwrap_or_else(|e| panic!("{what}: again: {e}"));
    test_connection(&mut s, FAMILY).unwrap_or_else(|e| panic!("{what}: again: {e}"));
}

#[test]
fn sim7080g_mutual_tls_provisions_reads_back_connects_and_removes() {
    mutual_cycle(&|_| {}, "SIM7080G");
}

#[test]
fn sim7000g_mutual_tls_uses_its_own_socket_commands() {
    mutual_cycle(&sim7000g, "SIM7000G");
    let pki = shared_pki(FAMILY);
    let m = module_with(pki, false, &sim7000g);
    let mut s = session(&m, FAMILY, LineFaults::default());
    provision(&mut s, FAMILY, &credentials(pki, FAMILY, "ca", false)).unwrap();
    test_connection(&mut s, FAMILY).unwrap();
    let sent = s.transcript().to_text();
    assert!(sent.contains("AT+CACID=0"), "{sent}");
    assert!(sent.contains("AT+CNACT=1,\"\""), "{sent}");
    assert!(sent.contains("AT+CAOPEN=0,\"localhost\",443"), "{sent}");
}

#[test]
fn wrong_ca_fails_with_the_modules_words_and_meaning() {
    wrong_ca_fails(
        FAMILY,
        &|server| {
            let mut c = Sim70xxConfig::default();
            c.common.server = server;
            c.build()
        },
        "+CAOPEN: 0,27",
        "CA",
    );
}

#[test]
fn client_certificate_required_but_not_provisioned_fails() {
    client_cert_required_but_missing_fails(FAMILY, &|server| {
        let mut c = Sim70xxConfig::default();
        c.common.server = server;
        c.build()
    });
}

#[test]
fn a_module_that_stores_other_bytes_is_caught_by_the_read_back() {
    let pki = shared_pki(FAMILY);
    for line in [
        &(|_: &mut Sim70xxConfig| {}) as &dyn Fn(&mut Sim70xxConfig),
        &sim7000g,
    ] {
        let m = module_with(pki, true, &|c| {
            line(c);
            c.common.faults = Faults {
                corrupt_data: true,
                ..Faults::default()
            };
        });
        let creds = credentials(pki, FAMILY, "ca", true);
        let mut s = session(&m, FAMILY, LineFaults::default());
        let err = provision(&mut s, FAMILY, &creds).expect_err("corrupted storage must fail");
        match &err {
            FlowError::Mismatch { step, got, .. } => {
                assert!(step.contains("read ca.pem back"), "{err}");
                assert!(got.contains("differing"), "{err}");
            }
            other => panic!("{other}"),
        }
        // The size matched: only the read-back can see it, and nothing was converted.
        assert!(!m.storage().contains_key("ssl/ca/ca.pem"));
        // The session was ended whatever happened.
        let sent = s.transcript().to_text();
        assert_eq!(
            sent.matches("AT+CFSTERM").count(),
            2,
            "one before, one after the failure: {sent}"
        );
    }
}

type Switch = (&'static str, fn(&mut Sim70xxConfig));

/// Every fact the evidence leaves uncertain, flipped from the simulator's default.
const SWITCHES: &[Switch] = &[
    ("CFSINIT twice is OK", |c| c.cfsinit_twice_errors = false),
    ("CFSTERM without a session is OK", |c| {
        c.cfsterm_idle_errors = false
    }),
    ("CFS commands outside a session work", |c| {
        c.cfs_needs_session = false
    }),
    ("window expiry answers OK", |c| {
        c.window_reply = Sim70xxWindowReply::Ok
    }),
    ("window expiry answers ERROR", |c| {
        c.window_reply = Sim70xxWindowReply::Error
    }),
    ("CFSRFILE: OK right after the data", |c| {
        c.cfsrfile_crlf_after_data = false
    }),
    ("CFSDFILE of a missing file errors", |c| {
        c.cfsdfile_missing_errors = true
    }),
    ("CSSLCFG keywords lower case only", |c| {
        c.csslcfg_lower_only = true
    }),
    ("ignorertctime 1 means check dates", |c| {
        c.ignorertctime_one_ignores = false
    }),
    ("+CAOPEN after OK", |c| c.caopen_result_before_ok = false),
    ("CNACT on an active bearer is OK", |c| {
        c.cnact_active_errors = false
    }),
    ("OK before DOWNLOAD", |c| c.ok_before_download = true),
    ("SIM7000G firmware line", sim7000g),
];

#[test]
fn every_uncertain_fact_either_way_provisions_connects_and_removes() {
    for (what, flip) in SWITCHES {
        mutual_cycle(flip, what);
    }
    mutual_cycle(
        &|c| {
            for (_, flip) in SWITCHES {
                flip(c);
            }
        },
        "all flipped",
    );
}

#[test]
fn set_clock_and_configure_tls_flows_stand_alone() {
    use atcert::session::Clock;
    let pki = shared_pki(FAMILY);
    let m = module_with(pki, false, &|_| {});
    let creds = credentials(pki, FAMILY, "ca", false);
    let mut s = session(&m, FAMILY, LineFaults::default());
    let opts = options();
    assert!(block_on(flows::set_clock(&mut s, FAMILY, &opts)).unwrap());
    let module_time = m.clock_epoch(s.clock().now());
    let want = i64::try_from(opts.unix_time.unwrap()).unwrap();
    assert!((module_time - want).abs() <= 2, "{module_time} vs {want}");
    block_on(flows::configure_tls(&mut s, FAMILY, &creds, &opts)).unwrap();
}

#[test]
fn disconnect_at_every_byte_never_succeeds_and_rerun_works() {
    let pki = shared_pki(FAMILY);
    let creds = credentials(pki, FAMILY, "ca", false);
    disconnect_sweep(&|| module_with(pki, false, &|_| {}), FAMILY, &creds, 1);
}

#[test]
fn noise_and_urcs_anywhere_do_not_change_the_outcome() {
    let pki = shared_pki(FAMILY);
    let creds = credentials(pki, FAMILY, "ca", false);
    for noise in [
        &b"\r\n+CEREG: 1\r\n"[..],
        b"\r\n\r\n",
        b"\r\n+CADATAIND: 1\r\n",
        b"\r\n+APP PDP: 1,ACTIVE\r\n",
    ] {
        noise_sweep(&|| module_with(pki, false, &|_| {}), FAMILY, &creds, noise);
    }
}
