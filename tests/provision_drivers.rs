//! The one-driver-per-family shape: limits come from the rules in force (an override
//! reaches the plan), names come from the one list of families, and every family has a
//! registered simulator.

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use atcert::cert::lint::Rule;
use atcert::modules::{self, Credential, Credentials, Family, Options, PlanError, Role};

fn ca() -> Credential {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/plans/pki/ca-sha1.pem");
    Credential {
        bytes: std::fs::read(path).unwrap(),
        name: "ca.pem".into(),
    }
}

/// A firmware with a smaller limit than the default rules: the plan refuses by the
/// override's figure, for every family, before anything is sent.
#[test]
fn a_rules_override_reaches_the_plan() {
    for family in Family::ALL {
        let creds = Credentials {
            ca: Some(ca()),
            ..Credentials::default()
        };
        let mut rules = family.driver().rules();
        rules.ca.max_bytes = Some(Rule::i(100, "a firmware with a smaller buffer"));
        let err = modules::plan_provision_with(family, &rules, &creds, &Options::default())
            .expect_err("a CA over the override's limit must be refused");
        assert!(
            matches!(
                err,
                PlanError::TooLarge {
                    role: Role::Ca,
                    max: 100,
                    ..
                }
            ),
            "{family}: {err}"
        );
    }
}

/// Client credentials where the family has no mutual TLS are refused in the driver's
/// words; everywhere else the check lets them through.
#[test]
fn mutual_tls_is_refused_only_where_the_driver_says_so() {
    let key = Credential {
        bytes: b"-----BEGIN PRIVATE KEY-----\n".to_vec(),
        name: "k.pem".into(),
    };
    for family in Family::ALL {
        let creds = Credentials {
            ca: Some(ca()),
            client_key: Some(key.clone()),
            ..Credentials::default()
        };
        let refused = matches!(
            modules::plan_provision(family, &creds, &Options::default()),
            Err(PlanError::Unsupported { ref what, .. }) if what == "use a client certificate and key"
        );
        assert_eq!(refused, !family.mutual_tls(), "{family}");
    }
}

#[test]
fn family_names_come_from_one_list() {
    let list = Family::id_list();
    for family in Family::ALL {
        assert_eq!(family.id().parse::<Family>(), Ok(family));
        assert!(list.contains(family.id()), "{list}");
        assert!(!family.models().is_empty());
        assert_eq!(family.driver().family(), family);
    }
    let err = "no-such-module".parse::<Family>().unwrap_err().to_string();
    assert!(err.ends_with(&list), "{err}");
}

#[test]
fn every_family_has_a_registered_simulator() {
    for family in Family::ALL {
        let sim = atcert::sim::simulator(family);
        assert_eq!(sim.family, family);
        assert!(!sim.error_outputs.is_empty(), "{family}");
        let m = atcert::sim::module(family, atcert::sim::Server::default());
        assert_eq!(m.family(), family);
    }
}
