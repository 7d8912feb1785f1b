//! Provisioning speed on the simulators: each family's full provisioning flow (clock, CA,
//! client certificate and key where supported, verification, TLS configuration) at 115200
//! baud, in virtual time, against the lower bound of the same exchange: every byte both
//! ways at 10 bit times, plus the line's answer latency once per command and once per data
//! prompt. Echo is off so no byte overlaps another; the runner's pre-command drain is off
//! (it is a policy for noisy real ports, not part of the flow).
//!
//! Run: `cargo bench --bench provision`. Prints one line per family; target ratio <= 1.05.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use atcert::modules::flows;
use atcert::modules::{Credentials, Family, Options, plan_provision, prepare};
use atcert::session::{Clock, Options as SessionOptions, Session};
use atcert::sim::{CommonConfig, LineConfig, SimModule, VirtualClock};
use futures::executor::block_on;

fn openssl(dir: &Path, args: &[&str]) {
    let ok = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(ok, "openssl {args:?} failed");
}

/// A CA and a client certificate with a PKCS#1 RSA key, made by openssl.
fn pki(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "365",
            "-subj",
            "/CN=Bench CA",
            "-addext",
            "subjectKeyIdentifier=hash",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "client.key",
            "-out",
            "client.csr",
            "-subj",
            "/CN=bench-device",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "client.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "365",
            "-out",
            "client.pem",
        ],
    );
    openssl(
        dir,
        &[
            "rsa",
            "-in",
            "client.key",
            "-traditional",
            "-out",
            "client.rsa.key",
        ],
    );
}

fn simulator(family: Family, common: CommonConfig) -> Option<SimModule> {
    match family {
        Family::Sim7600 => Some(
            atcert::sim::Sim7600Config {
                common,
                ..atcert::sim::Sim7600Config::default()
            }
            .build(),
        ),
        _ => None,
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    pki(dir.path());
    let read = |n: &str| std::fs::read(dir.path().join(n)).expect("read");
    let line = LineConfig::default();
    println!(
        "provisioning at {} baud, answer latency {:?} (virtual time)",
        line.baud, line.latency
    );
    println!(
        "{:<14} {:>10} {:>12} {:>12} {:>7}",
        "family", "bytes", "flow", "bound", "ratio"
    );
    for family in Family::ALL {
        let common = CommonConfig {
            echo: false,
            ..CommonConfig::default()
        };
        let Some(module) = simulator(family, common) else {
            println!("{:<14} no simulator in this build", family.id());
            continue;
        };
        let (ca, cert, key) = (read("ca.pem"), read("client.pem"), read("client.rsa.key"));
        let mutual = family.mutual_tls();
        let ctx = atcert::cert::lint::LintContext::default();
        let creds: Credentials = prepare::from_lint(
            family,
            Some(&ca),
            mutual.then_some(cert.as_slice()),
            mutual.then_some(key.as_slice()),
            &ctx,
        )
        .expect("lint")
        .0;
        let opts = Options {
            unix_time: Some(1_800_000_000),
            ..Options::default()
        };
        let plan = plan_provision(family, &creds, &opts).expect("plan");
        let prompts = plan
            .steps
            .iter()
            .filter(|s| s.command.data.is_some())
            .count();
        let commands = plan.steps.len();
        let clock = VirtualClock::new();
        let port = module.port(clock.clone(), line.clone());
        let mut session = Session::new(
            port,
            clock.clone(),
            SessionOptions {
                drain_quiet: Duration::ZERO,
                ..SessionOptions::with_engine(family.engine_config())
            },
        );
        flows::attach(&mut session, family);
        let start = clock.now();
        let report = block_on(flows::provision(&mut session, family, &creds, &opts));
        let took = clock.now() - start;
        if let Err(e) = report {
            println!("{:<14} FAILED: {e}", family.id());
            continue;
        }
        let (port, _, _) = session.into_parts();
        let bytes = port.host_bytes() + port.delivered_bytes();
        let latencies = u32::try_from(commands + prompts).unwrap_or(u32::MAX);
        let bound = Duration::from_nanos(bytes * line.byte_time_ns()) + line.latency * latencies;
        println!(
            "{:<14} {:>10} {:>10.3} s {:>10.3} s {:>7.3}",
            family.id(),
            bytes,
            took.as_secs_f64(),
            bound.as_secs_f64(),
            took.as_secs_f64() / bound.as_secs_f64()
        );
    }
}
