//! Pins `atcert plan` for every family: provision (with the test connection), remove,
//! configure TLS, test connection, and the set-clock plan, for one fixed credential set
//! (openssl-made once, committed under tests/golden/plans/pki). Any reshaping of modules/
//! must leave these bytes as they are. `ATCERT_PIN_WRITE=1` writes missing golden files;
//! it never overwrites one.

// Runs the CLI binary: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use atcert::modules::{self, Family, Options};

const TIME: &str = "1700000000";

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/plans")
}

/// The credential files for a family: iChip verifies only SHA-1 signatures.
fn files(family: Family) -> (String, String, String) {
    let digest = if family == Family::Ichip {
        "sha1"
    } else {
        "sha256"
    };
    let p = |n: &str| {
        dir()
            .join("pki")
            .join(format!(
                "{n}-{digest}.{}",
                if n == "key" { "key" } else { "pem" }
            ))
            .to_str()
            .unwrap()
            .to_owned()
    };
    (p("ca"), p("client"), {
        let k = dir().join("pki").join(format!("client-{digest}.key"));
        k.to_str().unwrap().to_owned()
    })
}

/// What `atcert plan` printed: exit status and stdout, plus stderr when it failed (lint
/// findings on success mention the current date, so they are not pinned).
fn run(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_atcert"))
        .args(args)
        .output()
        .unwrap();
    let mut v = format!("exit: {}\n", out.status.success()).into_bytes();
    v.extend_from_slice(&out.stdout);
    if !out.status.success() {
        v.extend_from_slice(b"stderr:\n");
        v.extend_from_slice(&out.stderr);
    }
    v
}

fn check(name: &str, got: &[u8], failures: &mut Vec<String>) {
    let path = dir().join(name);
    match std::fs::read(&path) {
        Ok(want) => {
            if want != got {
                failures.push(format!(
                    "{name} differs from the pinned plan:\n--- pinned\n{}\n--- now\n{}",
                    String::from_utf8_lossy(&want),
                    String::from_utf8_lossy(got)
                ));
            }
        }
        Err(_) if std::env::var_os("ATCERT_PIN_WRITE").is_some() => {
            std::fs::write(&path, got).unwrap();
        }
        Err(e) => failures.push(format!("{name}: no pinned plan ({e})")),
    }
}

#[test]
fn plans_are_byte_identical_to_the_pinned_ones() {
    let mut failures = Vec::new();
    for family in Family::ALL {
        let (ca, cert, key) = files(family);
        let id = family.id();
        let mut base = vec!["plan", "--module", id, "--ca", &ca, "--time", TIME];
        // SIM800 takes no client credentials (no mutual TLS).
        if family != Family::Sim800 {
            base.extend(["--cert", &cert, "--key", &key]);
        }
        let conn = [
            "--host",
            "mqtt.example.com",
            "--port",
            "8883",
            "--apn",
            "internet",
        ];
        for flow in ["provision", "remove", "configure", "test"] {
            let mut args = base.clone();
            args.extend(conn);
            args.extend(["--flow", flow]);
            check(&format!("{id}-{flow}.txt"), &run(&args), &mut failures);
        }
        // Provision without a host: no test connection planned.
        let mut args = base.clone();
        args.extend(["--flow", "provision"]);
        check(
            &format!("{id}-provision-nohost.txt"),
            &run(&args),
            &mut failures,
        );
        let mut args = base.clone();
        args.extend(conn);
        args.extend(["--flow", "provision", "--raw"]);
        check(&format!("{id}-provision.raw"), &run(&args), &mut failures);

        let opts = Options {
            unix_time: Some(TIME.parse().unwrap()),
            ..Options::default()
        };
        let clock = modules::plan_set_clock(family, &opts).render();
        check(&format!("{id}-clock.txt"), clock.as_bytes(), &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
