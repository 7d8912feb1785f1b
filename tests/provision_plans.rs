//! The plan is what the flow sends: for every family, the bytes a clean provisioning run
//! writes to the module are exactly the plan's raw bytes, and every plan kind builds.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod provision_util;

use atcert::modules::{self, Family};
use atcert::session::Direction;
use atcert::sim::{LineFaults, Server};
use provision_util::*;

#[test]
fn the_flow_writes_exactly_the_plan() {
    for family in Family::ALL {
        let pki = pki_for(family);
        let m = atcert::sim::module(family, Server::default());
        let creds = credentials(&pki, family, "ca", family.mutual_tls());
        let plan = modules::plan_provision(family, &creds, &options()).unwrap();
        let mut s = session(&m, family, LineFaults::default());
        provision(&mut s, family, &creds).unwrap();
        let sent = s.transcript().raw(Direction::Tx);
        // A family whose plans depend on the firmware asks the module who it is first.
        let planned = plan.raw_bytes();
        let same = if family.driver().needs_firmware() {
            sent.ends_with(&planned)
        } else {
            sent == planned
        };
        assert!(same, "{family}: the flow sent other bytes than its plan");
    }
}

#[test]
fn every_plan_kind_builds_for_every_family() {
    for family in Family::ALL {
        let pki = pki_for(family);
        let creds = credentials(&pki, family, "ca", family.mutual_tls());
        let opts = options();
        let plans = [
            modules::plan_provision(family, &creds, &opts).unwrap(),
            modules::plan_remove(family, &creds, &opts).unwrap(),
            modules::plan_configure_tls(family, &creds, &opts).unwrap(),
            modules::plan_set_clock(family, &opts),
            modules::plan_test_connection(family, &opts).unwrap(),
        ];
        for plan in &plans {
            for step in &plan.steps {
                let line = &step.command.line;
                assert!(line.starts_with(b"AT"), "{family}: {}", step.label);
                assert!(
                    !line.contains(&b'\r') && !line.contains(&b'\n'),
                    "{family}: {}",
                    step.label
                );
                assert!(
                    step.command.timeout.as_secs() >= 1,
                    "{family}: {}",
                    step.label
                );
            }
            let text = plan.render();
            assert!(text.lines().count() >= plan.steps.len(), "{family}");
        }
    }
}

/// A host name that cannot go on the command line is refused before anything is sent, in
/// words that name the family and the field.
#[test]
fn unsendable_host_names_are_refused_for_every_family() {
    for family in Family::ALL {
        let opts = atcert::modules::Options {
            host: "evil\r\nAT+CFUN=0".into(),
            ..options()
        };
        let err = modules::plan_test_connection(family, &opts)
            .expect_err("a host with CR LF must be refused")
            .to_string();
        assert!(err.contains("cannot use this host name"), "{family}: {err}");
    }
}

#[test]
fn a_client_key_that_is_not_the_certificates_is_refused_before_sending() {
    // The module would store both and fail every handshake: the CLI and the page refuse it
    // in preparation, naming the key.
    for family in Family::ALL.into_iter().filter(|f| f.mutual_tls()) {
        let pki = shared_pki(family);
        let rogue = if family == Family::Ichip || family == Family::TelitLegacy {
            "rogue.rsa.key"
        } else {
            "rogue.key"
        };
        let ctx = atcert::cert::lint::LintContext::default();
        let err = modules::prepare::from_lint(
            family,
            Some(&pki.read("ca.pem")),
            Some(&pki.read("client.pem")),
            Some(&pki.read(rogue)),
            &ctx,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("client key") && text.contains("not the key of the client certificate"),
            "{family}: {text}"
        );
        // The right key goes through.
        let key = rogue.replace("rogue", "client");
        modules::prepare::from_lint(
            family,
            Some(&pki.read("ca.pem")),
            Some(&pki.read("client.pem")),
            Some(&pki.read(&key)),
            &ctx,
        )
        .unwrap_or_else(|e| panic!("{family}: {e}"));
    }
}
