//! `atcert plan` and `atcert simulate` as a user runs them.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod provision_util;

use std::process::Command;

use atcert::modules::{Family, Options, plan_provision};
use provision_util::*;

fn atcert(args: &[&str]) -> (bool, Vec<u8>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_atcert"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn plan_shows_control_characters_and_raw_is_exactly_what_the_flow_sends() {
    let pki = Pki::new();
    let ca = pki.path("ca.pem");
    let ca = ca.to_str().unwrap();
    let (ok, out, err) = atcert(&[
        "plan",
        "--module",
        "telit-legacy",
        "--ca",
        ca,
        "--time",
        "1700000000",
    ]);
    assert!(ok, "{err}");
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("AT#SSLSECDATA=1,1,1<CR>"), "{text}");
    assert!(
        text.contains("-----END CERTIFICATE-----<LF>\n<Ctrl+Z>"),
        "{text}"
    );
    assert!(
        text.contains("AT+CCLK=\"23/11/14,22:13:20+00\"<CR>"),
        "{text}"
    );
    assert!(!text.contains('\r'));

    let (ok, raw, err) = atcert(&[
        "plan",
        "--module",
        "telit-legacy",
        "--ca",
        ca,
        "--time",
        "1700000000",
        "--raw",
    ]);
    assert!(ok, "{err}");
    let creds = credentials(&pki, Family::TelitLegacy, "ca", false);
    let opts = Options {
        unix_time: Some(1_700_000_000),
        ..Options::default()
    };
    let plan = plan_provision(Family::TelitLegacy, &creds, &opts).unwrap();
    assert_eq!(raw, plan.raw_bytes());
    assert!(raw.contains(&0x1a));

    let (ok, out, err) = atcert(&[
        "plan",
        "--module",
        "telit-legacy",
        "--ca",
        ca,
        "--flow",
        "remove",
    ]);
    assert!(ok, "{err}");
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("AT#SSLSECDATA=1,0,1<CR>"), "{text}");
    assert!(text.contains("AT#SSLSECDATA?<CR>"), "{text}");
}

#[test]
fn plan_refuses_what_the_module_cannot_take() {
    let pki = Pki::new();
    let p = |n: &str| pki.path(n).to_str().unwrap().to_owned();
    let (ok, _, err) = atcert(&[
        "plan",
        "--module",
        "sim800",
        "--ca",
        &p("ca.pem"),
        "--cert",
        &p("client.pem"),
        "--key",
        &p("client.key"),
    ]);
    assert!(!ok);
    assert!(err.contains("client"), "{err}");
    let (ok, _, err) = atcert(&["plan", "--module", "nosuch", "--ca", &p("ca.pem")]);
    assert!(!ok);
    assert!(err.contains("unknown module"), "{err}");
}

#[test]
fn simulate_prints_transcript_and_verdict() {
    let pki = Pki::new();
    let p = |n: &str| pki.path(n).to_str().unwrap().to_owned();
    let (ok, out, err) = atcert(&[
        "simulate",
        "--module",
        "sim7600",
        "--ca",
        &p("ca.pem"),
        "--cert",
        &p("client.pem"),
        "--key",
        &p("client.key"),
    ]);
    let text = String::from_utf8_lossy(&out);
    assert!(ok, "{err}\n{text}");
    assert!(text.contains(">> AT+CCERTDOWN=\"ca_cert.pem\""), "{text}");
    assert!(text.contains("# verdict"));
    assert!(text.contains("200 OK"), "{text}");

    let (ok, out, _) = atcert(&[
        "simulate",
        "--module",
        "sim7600",
        "--ca",
        &p("ca.pem"),
        "--server-ca",
        &p("other.pem"),
    ]);
    let text = String::from_utf8_lossy(&out);
    assert!(!ok);
    assert!(
        text.contains("FAILED") && text.contains("+CCHOPEN: 0,15"),
        "{text}"
    );

    let (ok, out, _) = atcert(&[
        "simulate",
        "--module",
        "telit-le910",
        "--ca",
        &p("ca.pem"),
        "--fault",
        "disconnect-at=40",
    ]);
    let text = String::from_utf8_lossy(&out);
    assert!(!ok);
    assert!(text.contains("disconnected"), "{text}");
}
