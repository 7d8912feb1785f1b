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
        assert!(
            sent == plan.raw_bytes(),
            "{family}: the flow sent other bytes than its plan"
        );
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
