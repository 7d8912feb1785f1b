//! Inspects every certificate of /etc/ssl/certs/ca-certificates.crt N times and prints the
//! time per certificate and in total. A plain program: figures are printed, never asserted.
//!
//! `cargo bench --bench cert_inspect [-- N]` (default N = 20).
//!
//! Last, the whole `atcert inspect` of the bundle against `openssl storeutl -noout -text
//! -certs` on the same file (best of N wall-clock runs each, process start included), and
//! their ratio (issue 12 asks for at most 1.0).

use atcert::cert;
use std::time::{Duration, Instant};

const BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

fn main() {
    let n: u32 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20);
    let Ok(bytes) = std::fs::read(BUNDLE) else {
        eprintln!("{BUNDLE} not found; install ca-certificates");
        std::process::exit(2);
    };
    let now = 1_800_000_000;

    // Parse (PEM scan + base64 + certificate decode) of the whole bundle.
    let mut parse_total = Duration::ZERO;
    let mut items = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        let out = cert::parse(&bytes, None);
        parse_total += t.elapsed();
        items = out.items;
    }
    let certs: Vec<&[u8]> = items.iter().map(|i| i.der.as_slice()).collect();

    // Inspect each certificate (fields, fingerprints, SKI, self-signature check).
    let mut per_cert = vec![Duration::ZERO; certs.len()];
    let mut names = vec![String::new(); certs.len()];
    for _ in 0..n {
        for (i, der) in certs.iter().enumerate() {
            let t = Instant::now();
            let info = cert::inspect::inspect(der, now);
            per_cert[i] += t.elapsed();
            if let Ok(info) = info {
                names[i] = format!("{} {:?}/{:?}", info.subject, info.key_bits, info.curve);
            }
        }
    }
    // Chain building over the whole pile (every pair compared, signatures checked).
    let t = Instant::now();
    let report = cert::chain::build_chains(&certs);
    let chain_time = t.elapsed();

    println!("per certificate (mean of {n} runs):");
    for (i, d) in per_cert.iter().enumerate() {
        println!(
            "  {:>9.1} µs  {}",
            d.as_secs_f64() * 1e6 / n as f64,
            names[i]
        );
    }
    let inspect_total: Duration = per_cert.iter().sum();
    println!("certificates: {}", certs.len());
    println!(
        "parse whole bundle:   {:>9.3} ms per run",
        parse_total.as_secs_f64() * 1e3 / n as f64
    );
    println!(
        "inspect whole bundle: {:>9.3} ms per run ({:.1} µs per certificate)",
        inspect_total.as_secs_f64() * 1e3 / n as f64,
        inspect_total.as_secs_f64() * 1e6 / n as f64 / certs.len().max(1) as f64
    );
    println!(
        "build chains over the bundle: {:.3} ms, {} chains",
        chain_time.as_secs_f64() * 1e3,
        report.chains.len()
    );

    cli_against_openssl(n);
}

/// Best wall-clock time of `n` runs of a command, or `None` if it cannot run.
fn best_of(n: u32, program: &str, args: &[&str]) -> Option<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..n {
        let t = Instant::now();
        let out = std::process::Command::new(program)
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        if !out.success() {
            return None;
        }
        best = best.min(t.elapsed());
    }
    Some(best)
}

fn cli_against_openssl(n: u32) {
    let atcert = best_of(n, env!("CARGO_BIN_EXE_atcert"), &["inspect", BUNDLE]);
    let openssl = best_of(
        n,
        "openssl",
        &["storeutl", "-noout", "-text", "-certs", BUNDLE],
    );
    match (atcert, openssl) {
        (Some(a), Some(o)) => println!(
            "atcert inspect: {:.1} ms; openssl storeutl -text: {:.1} ms; ratio {:.2} (best of {n})",
            a.as_secs_f64() * 1e3,
            o.as_secs_f64() * 1e3,
            a.as_secs_f64() / o.as_secs_f64()
        ),
        _ => println!("atcert inspect or openssl storeutl could not run: no comparison"),
    }
}
