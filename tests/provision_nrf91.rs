//! nRF91 end to end: offline write, SHA-256 verification, the modem back online whatever
//! happened, both socket dialects, failures in the module's words, corrupted storage
//! caught, every uncertain fact either way.

// Runs openssl: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod provision_util;

use atcert::modules::flows::{self, FlowError, Verification};
use atcert::modules::{Family, Options, Role};
use atcert::sim::{LineFaults, Nrf91Config, NrfApp, Server, ServerModel, SimModule};
use futures::executor::block_on;
use provision_util::*;

const FAMILY: Family = Family::Nrf91;

fn server(pki: &Pki, client_ca: bool) -> Server {
    let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    if client_ca {
        server.client_ca = Some(pki.read("ca.der"));
    }
    Server::Model(server)
}

fn build(pki: &Pki, client_ca: bool, adjust: &dyn Fn(&mut Nrf91Config)) -> SimModule {
    let mut cfg = Nrf91Config::default();
    cfg.common.server = server(pki, client_ca);
    adjust(&mut cfg);
    cfg.build()
}

/// `AT+CFUN?` as the module answers it now.
fn cfun(s: &mut SimSession) -> String {
    let r = block_on(s.run(&atcert::at::Command::new("AT+CFUN?"))).unwrap();
    r.value("+CFUN:").unwrap_or_default().to_owned()
}

#[test]
fn mutual_tls_is_verified_by_the_modems_sha256_and_connects() {
    let pki = shared_pki(FAMILY);
    let m = build(pki, true, &|_| {});
    let creds = credentials(pki, FAMILY, "ca", true);
    let mut s = session(&m, FAMILY, LineFaults::default());
    let report = provision(&mut s, FAMILY, &creds).unwrap();
    assert_eq!(report.credentials.len(), 3);
    for c in &report.credentials {
        assert!(
            matches!(c.verification, Verification::SameDigest { .. }),
            "{c:?}"
        );
        assert!(c.verification.to_string().contains("SHA-256"), "{c:?}");
    }
    assert_eq!(
        m.storage().get("0/0"),
        creds.get(Role::Ca).map(|c| &c.bytes)
    );
    assert_eq!(cfun(&mut s), "1", "the modem is back in normal mode");
    let sent = s.transcript().to_text();
    assert!(sent.contains("AT+CFUN=4"), "{sent}");
    assert!(
        sent.contains("AT#XSMVER"),
        "the application is identified first"
    );
    let conn = test_connection(&mut s, FAMILY).unwrap();
    assert!(
        String::from_utf8_lossy(&conn.response).contains("200 OK"),
        "{conn:?}"
    );
    let sent = s.transcript().to_text();
    assert!(sent.contains("AT#XCONNECT=0,\"localhost\",443"), "{sent}");
}

#[test]
fn old_slm_dialect_connects_with_its_own_commands() {
    let pki = shared_pki(FAMILY);
    let m = build(pki, false, &|c| c.app = NrfApp::Slm);
    let creds = credentials(pki, FAMILY, "ca", false);
    let mut s = session(&m, FAMILY, LineFaults::default());
    provision(&mut s, FAMILY, &creds).unwrap();
    let conn = test_connection(&mut s, FAMILY).unwrap_or_else(|e| panic!("{e}"));
    assert!(String::from_utf8_lossy(&conn.response).contains("200 OK"));
    let sent = s.transcript().to_text();
    assert!(sent.contains("AT#XCONNECT=\"localhost\",443"), "{sent}");
    assert!(sent.contains("AT#XSOCKET=0"), "{sent}");
}

#[test]
fn at_client_provisions_but_refuses_the_test_connection_with_the_reason() {
    let pki = shared_pki(FAMILY);
    let m = build(pki, false, &|c| c.app = NrfApp::AtClient);
    let creds = credentials(pki, FAMILY, "ca", false);
    let mut s = session(&m, FAMILY, LineFaults::default());
    provision(&mut s, FAMILY, &creds).unwrap();
    let err = test_connection(&mut s, FAMILY).unwrap_err();
    assert!(err.to_string().contains("Serial Modem"), "{err}");
}

#[test]
fn wrong_ca_fails_in_the_modules_words() {
    wrong_ca_fails(
        FAMILY,
        &|server| {
            let mut c = Nrf91Config::default();
            c.common.server = server;
            c.build()
        },
        "ERROR",
        "TLS connection failed",
    );
    // The other reading: `#XCONNECT: <h>,0` and OK.
    wrong_ca_fails(
        FAMILY,
        &|server| {
            let mut c = Nrf91Config::default();
            c.common.server = server;
            c.xconnect_fail_error = false;
            c.build()
        },
        "#XCONNECT: 0,0",
        "TLS connection failed",
    );
}

#[test]
fn corrupted_storage_is_caught_by_the_digest_and_the_modem_restored() {
    let pki = shared_pki(FAMILY);
    for role_count in [false, true] {
        let m = build(pki, false, &|c| c.corrupt_storage = true);
        let creds = credentials(pki, FAMILY, "ca", role_count);
        let mut s = session(&m, FAMILY, LineFaults::default());
        let err = provision(&mut s, FAMILY, &creds).expect_err("corruption must fail");
        assert!(
            matches!(err, FlowError::Mismatch { .. }),
            "a digest mismatch, not {err}"
        );
        assert!(err.to_string().contains("SHA-256"), "{err}");
        assert_eq!(cfun(&mut s), "1", "restored after the failure");
    }
}

#[test]
fn a_failure_mid_way_still_restores_the_modem() {
    // Every %CMNG write refused: the flow fails at the first write, and the restore runs.
    let pki = shared_pki(FAMILY);
    let m = build(pki, false, &|c| c.cfun_initial = 1);
    m.set_faults(atcert::sim::Faults {
        error_on_prefix: vec!["AT%CMNG=0".into()],
        ..atcert::sim::Faults::default()
    });
    let creds = credentials(pki, FAMILY, "ca", false);
    let mut s = session(&m, FAMILY, LineFaults::default());
    let err = provision(&mut s, FAMILY, &creds).unwrap_err();
    assert!(err.to_string().contains("AT%CMNG"), "{err}");
    let sent = s.transcript().to_text();
    assert!(sent.contains("AT+CFUN=1"), "{sent}");
    m.set_faults(atcert::sim::Faults::default());
    assert_eq!(cfun(&mut s), "1");
}

#[test]
fn a_line_over_the_at_host_buffer_is_refused_before_sending() {
    let pki = shared_pki(FAMILY);
    // Three root certificates in one CA entry (~3.8 KB of PEM) with the 1.2 KB client set:
    // a made-up PEM over the buffer is refused by the plan, whatever the lint did.
    let mut creds = credentials(pki, FAMILY, "ca", false);
    let one = creds.ca.as_ref().unwrap().bytes.clone();
    let mut big = Vec::new();
    while big.len() < 4100 {
        big.extend_from_slice(&one);
    }
    creds.ca.as_mut().unwrap().bytes = big;
    let plan = FAMILY
        .driver()
        .plan_provision(&FAMILY.driver().rules(), &creds, &options());
    let err = plan.unwrap_err();
    assert!(err.to_string().contains("4096"), "{err}");
}

#[test]
fn the_at_host_hangs_on_an_over_long_line_and_serial_modem_answers_error() {
    // What the lint protects against, in the simulator: a raw over-long %CMNG line.
    use atcert::at::Command;
    let pki = shared_pki(FAMILY);
    let pem = "A".repeat(4200);
    let mut cmd = Command::new(format!("AT%CMNG=0,7,0,\"{pem}\""));
    cmd.terminator = b"\r\n".to_vec();
    cmd.timeout = core::time::Duration::from_secs(5);
    let m = build(pki, false, &|c| {
        c.app = NrfApp::AtClient;
        c.cfun_initial = 4;
    });
    let mut s = session(&m, FAMILY, LineFaults::default());
    assert!(block_on(s.run(&cmd)).is_err(), "no answer at all");
    // Nothing brings it back but a restart: the flow says so, and works after one.
    let creds = credentials(pki, FAMILY, "ca", false);
    let err = block_on(flows::provision(&mut s, FAMILY, &creds, &options())).unwrap_err();
    assert!(err.to_string().contains("power-cycle"), "{err}");
    m.power_cycle();
    let mut s = session(&m, FAMILY, LineFaults::default());
    block_on(flows::provision(&mut s, FAMILY, &creds, &options()))
        .unwrap_or_else(|e| panic!("{e}"));
    let m = build(pki, false, &|c| c.cfun_initial = 4);
    let mut s = session(&m, FAMILY, LineFaults::default());
    let mut long = Command::new(format!("AT%CMNG=0,7,0,\"{}\"", "A".repeat(8300)));
    long.terminator = b"\r\n".to_vec();
    let r = block_on(s.run_raw(&long)).unwrap();
    assert!(!r.final_result.is_ok());
    assert!(m.storage().is_empty());
}

#[test]
fn firmware_without_the_sha_is_listed_only_when_known_and_fails_when_unknown() {
    let pki = shared_pki(FAMILY);
    let creds = credentials(pki, FAMILY, "ca", false);
    // Known old firmware: the entry is listed, and the report says no more than that.
    let m = build(pki, false, &|c| {
        c.cmng_list_sha = false;
        c.revision = "mfw_nrf9160_1.2.0".into();
    });
    let mut s = session(&m, FAMILY, LineFaults::default());
    let report = provision(&mut s, FAMILY, &creds).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        matches!(
            report.credentials[0].verification,
            Verification::Listed { .. }
        ),
        "{report}"
    );
    // A firmware that claims 1.3.2 or later but lists no SHA: never a success.
    let m = build(pki, false, &|c| c.cmng_list_sha = false);
    let mut s = session(&m, FAMILY, LineFaults::default());
    assert!(provision(&mut s, FAMILY, &creds).is_err());
}

#[test]
fn auto_detection_finds_every_model_and_its_application() {
    for (model, revision, app, want_fw) in [
        ("nRF9160-SICA", "mfw_nrf9160_1.3.5", NrfApp::Slm, "SLM"),
        (
            "nRF9151-LACA",
            "mfw_nrf91x1_2.0.4",
            NrfApp::SerialModem,
            "Serial Modem",
        ),
        (
            "nRF9161-LACA",
            "mfw_nrf91x1_2.0.2",
            NrfApp::AtClient,
            "AT host",
        ),
    ] {
        let cfg = Nrf91Config {
            model: model.into(),
            revision: revision.into(),
            app,
            ..Nrf91Config::default()
        };
        let m = cfg.build();
        let mut s = session(&m, FAMILY, LineFaults::default());
        let id = block_on(flows::detect(&mut s)).unwrap_or_else(|e| panic!("{model}: {e}"));
        assert_eq!(id.family, FAMILY, "{model}");
        assert_eq!(id.model, model);
        let fw = id.firmware.unwrap_or_default();
        assert!(
            fw.starts_with(revision) && fw.contains(want_fw),
            "{model}: {fw}"
        );
    }
    for name in ["nRF9160", "nRF9151", "nRF9161", "nRF9131", "nrf91"] {
        assert_eq!(name.parse::<Family>(), Ok(FAMILY), "{name}");
    }
}

type Switch = (&'static str, fn(&mut Nrf91Config));

/// Every fact the audit leaves uncertain, flipped from the simulator's default.
const SWITCHES: &[Switch] = &[
    ("old SLM application", |c| c.app = NrfApp::Slm),
    ("%CMNG=0 onto an entry answers 519", |c| {
        c.cmng_overwrite = false
    }),
    ("keys readable", |c| c.cmng_read_key = true),
    ("modem online at power-on", |c| c.cfun_initial = 1),
    ("modem offline (4) at power-on", |c| c.cfun_initial = 4),
    ("dates checked against the network's time", |c| {
        c.checks_dates = true;
        c.network_time = Some(i64::try_from(now_unix()).unwrap());
    }),
    ("failed connect is #XCONNECT: h,0", |c| {
        c.xconnect_fail_error = false
    }),
    ("echo on", |c| c.common.echo = true),
    ("nRF9151", |c| {
        c.model = "nRF9151-LACA".into();
        c.revision = "mfw_nrf91x1_2.0.4".into();
    }),
    ("AT host line limit 4095 on Serial Modem", |c| {
        c.line_max = Some(4095)
    }),
];

#[test]
fn every_uncertain_fact_either_way_provisions_connects_and_removes() {
    let pki = shared_pki(FAMILY);
    let creds = credentials(pki, FAMILY, "ca", true);
    let run = |what: &str, flip: &dyn Fn(&mut Nrf91Config)| {
        let m = build(pki, true, flip);
        let mut s = session(&m, FAMILY, LineFaults::default());
        for round in 0..2 {
            let report = provision(&mut s, FAMILY, &creds)
                .unwrap_or_else(|e| panic!("{what}: provision {round}: {e}"));
            assert!(
                report
                    .credentials
                    .iter()
                    .all(|c| c.verification.proves_content()),
                "{what}: {report}"
            );
            assert_eq!(m.storage().len(), 3, "{what}");
        }
        connect_twice_remove_twice_and_again(&mut s, &m, FAMILY, &creds, what);
    };
    run("defaults", &|_| {});
    for (what, flip) in SWITCHES {
        run(what, flip);
    }
}

#[test]
fn disconnects_and_noise_never_pass_for_success() {
    sweeps(FAMILY, &|server| {
        let mut c = Nrf91Config::default();
        c.common.server = server;
        c.build()
    });
}

#[test]
fn plans_need_no_module_when_the_firmware_is_given() {
    let opts = Options {
        firmware: Some("mfw_nrf9160_1.3.5, SLM 2.5.2".into()),
        ..options()
    };
    let plan = FAMILY.driver().plan_test_connection(&opts).unwrap();
    let text = plan.render();
    assert!(text.contains("AT#XSSOCKET=1,1,0,0,2"), "{text}");
    let unknown = Options {
        firmware: Some("mfw_nrf9160_1.3.5".into()),
        ..options()
    };
    let err = FAMILY.driver().plan_test_connection(&unknown).unwrap_err();
    assert!(err.to_string().contains("identify"), "{err}");
}

#[test]
fn an_interrupted_run_leaves_the_modem_offline_and_the_rerun_restores_it() {
    let pki = shared_pki(FAMILY);
    let creds = credentials(pki, FAMILY, "ca", true);
    let clean = clean_run_host_bytes(&|| build(pki, true, &|_| {}), FAMILY, &creds);
    // Cut inside the first %CMNG=0 line (its quote open), then every 97 bytes on.
    let mut n = clean / 4;
    while n < clean {
        let m = build(pki, true, &|c| {
            c.common.keep_partial_line = true;
            c.cfun_initial = 1;
        });
        let faults = LineFaults {
            disconnect_after_host_bytes: Some(n),
            ..LineFaults::default()
        };
        let mut s = session(&m, FAMILY, faults);
        assert!(provision(&mut s, FAMILY, &creds).is_err());
        let mut again = session(&m, FAMILY, LineFaults::default());
        let report = provision(&mut again, FAMILY, &creds).unwrap_or_else(|e| {
            panic!(
                "rerun after byte {n}: {e}\n{}",
                again.transcript().to_text()
            )
        });
        assert!(
            report
                .credentials
                .iter()
                .all(|c| c.verification.proves_content()),
            "{report}"
        );
        assert_eq!(cfun(&mut again), "1", "after byte {n}");
        assert_eq!(m.storage().len(), 3, "byte {n}: {:?}", m.storage().keys());
        n += 97;
    }
}
