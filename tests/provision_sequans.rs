//! Sequans GM02S end to end: certificates read back with `AT+SQNSNVR`, the key compared
//! where the module shows it, `NO CARRIER` on the wrong CA, a module that stores other bytes
//! than it was sent caught, every uncertain fact's readings survived.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod provision_util;

use atcert::modules::flows::{self, FlowError};
use atcert::modules::{Credentials, Family};
use atcert::session::Direction;
use atcert::sim::{
    Faults, LineFaults, NvrHeader, SEQUANS_ERROR_OUTPUTS, SequansConfig as Cfg, SequansEmptyRead,
    SequansKeyRead, Server, ServerModel, SimModule,
};
use futures::executor::block_on;
use provision_util::*;

const F: Family = Family::Sequans;

fn make(server: Server) -> SimModule {
    let mut c = Cfg::default();
    c.common.server = server;
    c.build()
}

fn server(pki: &Pki) -> Server {
    let mut s = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    s.client_ca = Some(pki.read("ca.der"));
    Server::Model(s)
}

#[test]
fn mutual_tls_verifies_and_connects() {
    provisions_and_connects(
        F,
        &make,
        &[
            "verified: read back",
            "verified: read back",
            "verified: read back",
        ],
    );
}

#[test]
fn wrong_ca_is_reported_in_the_modules_words() {
    wrong_ca_fails(F, &make, "NO CARRIER", "stored CA");
}

#[test]
fn missing_client_certificate_fails() {
    client_cert_required_but_missing_fails(F, &make);
}

#[test]
fn sweeps_hold() {
    sweeps(F, &make);
}

/// Every error-looking line the module sent must be one the simulator lists.
fn errors_listed(s: &SimSession, what: &str) {
    let rx = String::from_utf8_lossy(&s.transcript().raw(Direction::Rx)).into_owned();
    for l in rx.split(['\r', '\n']) {
        let l = l.trim();
        if l.contains("ERROR") || l == "NO CARRIER" {
            assert!(
                SEQUANS_ERROR_OUTPUTS.contains(&l),
                "{what}: {l:?} not listed"
            );
        }
    }
}

fn stored_exactly(m: &SimModule, creds: &Credentials, what: &str) {
    let st = m.storage();
    let want = [
        ("certificate:11", creds.ca.as_ref()),
        ("certificate:12", creds.client_cert.as_ref()),
        ("privatekey:12", creds.client_key.as_ref()),
    ];
    for (slot, c) in want {
        assert_eq!(
            st.get(slot),
            c.map(|c| &c.bytes),
            "{what}: slot {slot} holds other bytes"
        );
    }
}

/// Provision (mutual), connect, provision again, connect, remove twice.
fn full_cycle(m: &SimModule, pki: &Pki, what: &str, key_shown: bool) -> Result<(), FlowError> {
    let creds = credentials(pki, F, "ca", true);
    let mut s = session(m, F, LineFaults::default());
    let r = provision(&mut s, F, &creds);
    errors_listed(&s, what);
    let r = r?;
    assert!(
        r.credentials[0].verification.proves_content(),
        "{what}: {r}"
    );
    assert!(
        r.credentials[1].verification.proves_content(),
        "{what}: {r}"
    );
    assert_eq!(
        r.credentials[2].verification.proves_content(),
        key_shown,
        "{what}: {r}"
    );
    test_connection(&mut s, F)?;
    provision(&mut s, F, &creds)?;
    stored_exactly(m, &creds, what);
    test_connection(&mut s, F)?;
    let removed = block_on(flows::remove(&mut s, F, &creds, &options()))?;
    assert_eq!(removed.removed.len(), 3, "{what}");
    assert!(m.storage().is_empty(), "{what}: {:?}", m.storage().keys());
    block_on(flows::remove(&mut s, F, &creds, &options()))?;
    errors_listed(&s, what);
    Ok(())
}

type Flip = (&'static str, fn(&mut Cfg));

const FLIPS: &[Flip] = &[
    ("delete of an empty slot answers OK", |c| {
        c.nvw_delete_empty_errors = false
    }),
    ("no overwrite", |c| c.nvw_overwrite_allowed = false),
    ("CRs stored as sent", |c| c.nvw_strip_cr = false),
    ("bare SQNSNVR header", |c| c.nvr_header = NvrHeader::Bare),
    ("private key: header only", |c| {
        c.nvr_privatekey = SequansKeyRead::HeaderOnly
    }),
    ("private key: refused", |c| {
        c.nvr_privatekey = SequansKeyRead::Refused
    }),
    ("empty slot: size 0", |c| {
        c.nvr_empty = SequansEmptyRead::ZeroSize
    }),
    ("empty cipher field unquoted", |c| {
        c.spcfg_quoted_ciphers = false
    }),
    ("SQNSPCFG echoes its line", |c| c.spcfg_echo_line = true),
];

#[test]
fn every_switch_alone_and_all_together() {
    let pki = shared_pki(F);
    let mut cases: Vec<(String, Cfg)> = vec![("defaults".into(), Cfg::default())];
    let mut all = Cfg::default();
    for (name, flip) in FLIPS {
        let mut c = Cfg::default();
        flip(&mut c);
        cases.push(((*name).into(), c));
        flip(&mut all);
    }
    // A bare header with no size cannot say an empty slot holds 0 bytes: that pair fails
    // the removal check (a false failure, never a false success), so "all flipped" keeps
    // the error reading of an empty slot, and a second set takes the other pair.
    all.nvr_empty = SequansEmptyRead::Error;
    let mut all_sized = all.clone();
    all_sized.nvr_header = NvrHeader::TypeIndexSize;
    all_sized.nvr_empty = SequansEmptyRead::ZeroSize;
    all_sized.nvr_privatekey = SequansKeyRead::HeaderOnly;
    cases.push(("all flipped".into(), all));
    cases.push((
        "all flipped, sized header, empty = size 0".into(),
        all_sized,
    ));
    for (name, mut cfg) in cases {
        let key_shown = cfg.nvr_privatekey == SequansKeyRead::Content;
        cfg.common.server = server(pki);
        let m = cfg.build();
        if let Err(e) = full_cycle(&m, pki, &name, key_shown) {
            panic!("{name}: {e}");
        }
    }
}

#[test]
fn a_module_that_cannot_set_its_clock_fails_the_test_connection_clearly() {
    let pki = shared_pki(F);
    let mut cfg = Cfg {
        cclk_set_supported: false,
        ..Cfg::default()
    };
    cfg.common.server = server(pki);
    let m = cfg.build();
    let creds = credentials(pki, F, "ca", true);
    let mut s = session(&m, F, LineFaults::default());
    // The refused clock is tolerated while provisioning...
    provision(&mut s, F, &creds).unwrap();
    stored_exactly(&m, &creds, "no CCLK");
    // ...and the module's 2004 clock fails the date check, explained.
    let err = test_connection(&mut s, F).expect_err("dates outside the certificates");
    let msg = err.to_string();
    assert!(msg.contains("NO CARRIER") && msg.contains("clock"), "{msg}");
    // Setting the clock alone says the module refused.
    let err = block_on(flows::set_clock(&mut s, F, &options())).expect_err("refused");
    assert!(err.to_string().contains("operation not supported"), "{err}");
}

#[test]
fn a_module_that_stores_other_bytes_is_caught() {
    let pki = shared_pki(F);
    for (name, flip) in [("defaults", (|_| {}) as fn(&mut Cfg))]
        .into_iter()
        .chain(FLIPS.iter().copied())
    {
        let mut cfg = Cfg::default();
        flip(&mut cfg);
        cfg.common.server = server(pki);
        let m = cfg.build();
        m.set_faults(Faults {
            corrupt_data: true,
            ..Faults::default()
        });
        let creds = credentials(pki, F, "ca", true);
        let mut s = session(&m, F, LineFaults::default());
        let err = provision(&mut s, F, &creds).expect_err(name);
        assert!(
            matches!(err, FlowError::Mismatch { .. }),
            "{name}: not a verification mismatch: {err}"
        );
    }
    // The key alone: caught by its read-back where the module shows it; where it only
    // says the slot is filled, the test connection fails (the key no longer matches).
    for read in [
        SequansKeyRead::Content,
        SequansKeyRead::HeaderOnly,
        SequansKeyRead::Refused,
    ] {
        let shown = read == SequansKeyRead::Content;
        let mut cfg = Cfg {
            nvr_privatekey: read,
            ..Cfg::default()
        };
        cfg.common.server = server(pki);
        let m = cfg.build();
        let creds = credentials(pki, F, "ca", true);
        let mut s = session(&m, F, LineFaults::default());
        provision(&mut s, F, &creds).unwrap();
        m.set_faults(Faults {
            corrupt_data: true,
            ..Faults::default()
        });
        let key_only = Credentials {
            client_key: creds.client_key.clone(),
            ..Credentials::default()
        };
        let r = provision(&mut s, F, &key_only);
        if shown {
            assert!(matches!(r, Err(FlowError::Mismatch { .. })), "{r:?}");
        } else {
            let r = r.unwrap();
            assert!(!r.credentials[0].verification.proves_content(), "{r}");
            m.set_faults(Faults::default());
            test_connection(&mut s, F).expect_err("a changed key cannot sign the handshake");
        }
    }
}

#[test]
fn a_certificate_over_8_kb_is_refused_before_anything_is_sent() {
    let pki = shared_pki(F);
    let m = make(server(pki));
    let mut s = session(&m, F, LineFaults::default());
    let mut creds = credentials(pki, F, "ca", false);
    creds.ca.as_mut().unwrap().bytes =
        [b"-----BEGIN CERTIFICATE-----\n".to_vec(), vec![b'A'; 8200]].concat();
    let err = provision(&mut s, F, &creds).expect_err("over 8 kB");
    assert!(err.to_string().contains("8 kB"), "{err}");
}

#[test]
fn auto_detection_finds_each_model() {
    for model in ["GM02S", "GM02SP"] {
        let m = Cfg {
            model: model.into(),
            ..Cfg::default()
        }
        .build();
        let mut s = session(&m, F, LineFaults::default());
        let id = block_on(flows::detect(&mut s)).unwrap();
        assert_eq!(id.family, F, "{model}");
        assert_eq!(id.model, model);
        assert_eq!(id.firmware.as_deref(), Some("UE8.2.1.0"));
        assert_eq!(model.parse::<Family>(), Ok(F));
    }
    // Not another family's models, and theirs are not ours.
    for other in [
        "SIM7080G",
        "SIM7600E-H",
        "BG96",
        "nRF9160",
        "ESP32-C3",
        "SARA-R410M-02B",
    ] {
        assert_ne!(other.parse::<Family>().ok(), Some(F), "{other}");
    }
}

#[test]
fn every_error_output_has_a_specific_explanation() {
    for out in SEQUANS_ERROR_OUTPUTS {
        assert_explained_specifically(F, out);
    }
}
