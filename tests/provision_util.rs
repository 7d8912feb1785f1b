//! Shared helpers for the end-to-end provisioning tests: a session on a simulated module
//! over a virtual clock, the credential set each family takes, and the fault sweeps.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

#[path = "sim_util.rs"]
mod sim_util;

use atcert::modules::flows::{self, FlowError, ProvisionReport};
use atcert::modules::{Credentials, Family, Options, prepare};
use atcert::session::{Options as SessionOptions, Session};
use atcert::sim::{LineConfig, LineFaults, SimModule, SimPort, VirtualClock};
use futures::executor::block_on;
pub use sim_util::Pki;

pub type SimSession = Session<SimPort<VirtualClock>, VirtualClock>;

/// A session on `module` with the family's engine settings and error table.
pub fn session(module: &SimModule, family: Family, faults: LineFaults) -> SimSession {
    let clock = VirtualClock::new();
    let port = module.port_with_faults(clock.clone(), LineConfig::default(), faults);
    let mut s = Session::new(
        port,
        clock,
        SessionOptions::with_engine(family.engine_config()),
    );
    flows::attach(&mut s, family);
    s
}

/// CA (+ client certificate and key when `mutual`) from `pki`, in the family's form.
pub fn credentials(pki: &Pki, family: Family, ca: &str, mutual: bool) -> Credentials {
    let key = if family == Family::Ichip || family == Family::TelitLegacy {
        "client.rsa.key"
    } else {
        "client.key"
    };
    let ca = pki.read(&format!("{ca}.pem"));
    let cert = mutual.then(|| pki.read("client.pem"));
    let key = mutual.then(|| pki.read(key));
    let ctx = atcert::cert::lint::LintContext {
        now: i64::try_from(now_unix()).ok(),
        ..Default::default()
    };
    prepare::from_lint(family, Some(&ca), cert.as_deref(), key.as_deref(), &ctx)
        .unwrap_or_else(|e| panic!("{family}: {e}"))
        .0
}

/// Options for a test connection to the simulated server at `localhost`.
pub fn options() -> Options {
    Options {
        unix_time: Some(now_unix()),
        host: "localhost".into(),
        port: 443,
        ..Options::default()
    }
}

pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn provision(
    s: &mut SimSession,
    family: Family,
    creds: &Credentials,
) -> Result<ProvisionReport, FlowError> {
    block_on(flows::provision(s, family, creds, &options()))
}

pub fn test_connection(
    s: &mut SimSession,
    family: Family,
) -> Result<flows::ConnectionReport, FlowError> {
    block_on(flows::test_connection(s, family, &options()))
}

/// Host bytes of a clean provisioning run: the range the disconnect sweep covers.
pub fn clean_run_host_bytes(
    make: &dyn Fn() -> SimModule,
    family: Family,
    creds: &Credentials,
) -> u64 {
    let m = make();
    let mut s = session(&m, family, LineFaults::default());
    provision(&mut s, family, creds).expect("clean run");
    let (port, _, _) = s.into_parts();
    port.host_bytes()
}

/// Disconnects after every host byte offset of the flow: each run must fail naming a step,
/// never succeed, and a rerun on a fresh port must then succeed.
pub fn disconnect_sweep(
    make: &dyn Fn() -> SimModule,
    family: Family,
    creds: &Credentials,
    stride: u64,
) {
    let total = clean_run_host_bytes(make, family, creds);
    assert!(total > 0);
    let mut n = 0;
    while n < total {
        let m = make();
        let faults = LineFaults {
            disconnect_after_host_bytes: Some(n),
            ..LineFaults::default()
        };
        let mut s = session(&m, family, faults);
        match provision(&mut s, family, creds) {
            Ok(r) => panic!("disconnect after {n} of {total} host bytes reported success: {r}"),
            Err(e) => {
                let msg = e.to_string();
                assert!(e.step().is_some(), "no step named at byte {n}: {msg}");
                assert!(msg.contains("disconnected"), "byte {n}: {msg}");
            }
        }
        let mut again = session(&m, family, LineFaults::default());
        let report = provision(&mut again, family, creds)
            .unwrap_or_else(|e| panic!("rerun after disconnect at byte {n} failed: {e}"));
        assert_eq!(report.credentials.len(), creds.roles().count());
        n += stride;
    }
}

/// Every place in the module's output of a clean run where a line has ended (and the
/// start): where a module can put a URC or an empty line. A URC never splits a module's own
/// line, so positions inside a line are not swept.
pub fn line_boundaries(
    make: &dyn Fn() -> SimModule,
    family: Family,
    creds: &Credentials,
) -> (ProvisionReport, Vec<u64>) {
    let m = make();
    let mut s = session(&m, family, LineFaults::default());
    let clean = provision(&mut s, family, creds).expect("clean run");
    let rx = s.transcript().raw(atcert::session::Direction::Rx);
    let mut at = vec![0];
    at.extend(
        rx.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i as u64 + 1),
    );
    (clean, at)
}

/// `noise` (a URC, empty lines) injected at every line boundary of the module's output
/// must not change the outcome.
pub fn noise_sweep(
    make: &dyn Fn() -> SimModule,
    family: Family,
    creds: &Credentials,
    noise: &[u8],
) {
    let (clean, positions) = line_boundaries(make, family, creds);
    assert!(positions.len() > 3);
    for at in positions {
        let m = make();
        let faults = LineFaults {
            inject: vec![(at, noise.to_vec())],
            ..LineFaults::default()
        };
        let mut s = session(&m, family, faults);
        let got = provision(&mut s, family, creds)
            .unwrap_or_else(|e| panic!("noise before module byte {at} broke the flow: {e}"));
        assert_eq!(
            got, clean,
            "noise before module byte {at} changed the outcome"
        );
    }
}
