//! Provisioning speed on the simulators: each family's full provisioning flow (clock, CA,
//! client certificate and key where supported, verification, TLS configuration) at 115200
//! baud, in virtual time, against the lower bound of the same exchange: every byte both
//! ways at 10 bit times, plus the line's answer latency once per command and once per data
//! prompt. Echo is off so no byte overlaps another. The ratio is measured with the runner's
//! pre-command drain off (a policy for noisy real ports, not part of the flow); the last
//! column shows it with the default 20 ms drain.
//!
//! Run: `cargo bench --bench provision`. Prints one line per family; target ratio <= 1.05.

// The tests' openssl PKI (tests/sim_util.rs): one way to make test credentials. It runs
// openssl, so the bench is native only; in wasm32 (clippy --all-targets) main is empty.
#[cfg(not(target_arch = "wasm32"))]
#[path = "../sim_util.rs"]
mod sim_util;

#[cfg(not(target_arch = "wasm32"))]
mod bench {
    use std::time::Duration;

    use atcert::modules::flows;
    use atcert::modules::{Credentials, Family, Options, plan_provision, prepare};
    use atcert::session::{Clock, Session, SessionOptions};
    use atcert::sim::{LineConfig, SimModule, VirtualClock};
    use futures::executor::block_on;

    use super::sim_util::Pki;

    /// The family's simulator with every default except echo, which is off.
    fn quiet_module(family: Family) -> SimModule {
        atcert::sim::module_with(family, |c| c.echo = false)
    }

    /// Delays the simulators model beyond the line latency, once per provisioning run: SIM800
    /// reports its certificate import (`+SSLSETCERT: 0`) after `setcert_delay`.
    fn modelled_delays(family: Family) -> Duration {
        match family {
            Family::Sim800 => atcert::sim::Sim800Config::default().setcert_delay,
            _ => Duration::ZERO,
        }
    }

    /// One provisioning run on a fresh echo-less simulator: virtual time and bytes both ways.
    fn run(
        family: Family,
        creds: &Credentials,
        opts: &Options,
        drain: Duration,
    ) -> Option<(Duration, u64)> {
        let line = LineConfig::default();
        let module = quiet_module(family);
        let clock = VirtualClock::new();
        let port = module.port(clock.clone(), line);
        let mut session = Session::new(
            port,
            clock.clone(),
            SessionOptions {
                drain_quiet: drain,
                ..SessionOptions::with_engine(family.engine_config())
            },
        );
        flows::attach(&mut session, family);
        let start = clock.now();
        let report = block_on(flows::provision(&mut session, family, creds, opts));
        let took = clock.now() - start;
        if let Err(e) = report {
            println!("{:<14} FAILED: {e}", family.id());
            return None;
        }
        let (port, _, _) = session.into_parts();
        Some((took, port.host_bytes() + port.delivered_bytes()))
    }

    pub fn main() {
        // iChip verifies CA signatures made with MD5 or SHA-1 only (ichip.md 3.1).
        let (sha256, sha1) = (Pki::new(), Pki::signed_with("sha1"));
        let line = LineConfig::default();
        println!(
            "provisioning at {} baud, answer latency {:?} (virtual time)",
            line.baud, line.latency
        );
        println!(
            "{:<14} {:>10} {:>12} {:>12} {:>7} {:>14}",
            "family", "bytes", "flow", "bound", "ratio", "ratio (defaults)"
        );
        for family in Family::ALL {
            let pki = if family == Family::Ichip {
                &sha1
            } else {
                &sha256
            };
            let read = |n: &str| pki.read(n);
            let (ca, cert) = (read("ca.pem"), read("client.pem"));
            let key = read("client.rsa.key");
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
                .filter(|s| {
                    s.command
                        .data
                        .as_ref()
                        .is_some_and(|d| d.trigger != atcert::at::Trigger::Immediately)
                })
                .count();
            let commands = plan.steps.len();
            let Some((took, bytes)) = run(family, &creds, &opts, Duration::ZERO) else {
                continue;
            };
            let (with_drain, _) = run(family, &creds, &opts, SessionOptions::default().drain_quiet)
                .unwrap_or((Duration::ZERO, 0));
            let latencies = u32::try_from(commands + prompts).unwrap_or(u32::MAX);
            let bound = Duration::from_nanos(bytes * line.byte_time_ns())
                + line.latency * latencies
                + modelled_delays(family);
            println!(
                "{:<14} {:>10} {:>10.3} s {:>10.3} s {:>7.3} {:>14.3}",
                family.id(),
                bytes,
                took.as_secs_f64(),
                bound.as_secs_f64(),
                took.as_secs_f64() / bound.as_secs_f64(),
                with_drain.as_secs_f64() / bound.as_secs_f64()
            );
        }
    }
}

fn main() {
    #[cfg(not(target_arch = "wasm32"))]
    bench::main();
}
