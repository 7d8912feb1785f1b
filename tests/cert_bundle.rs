//! Every certificate of the system's Mozilla bundle, inspected by atcert and by openssl,
//! must agree on names, serial, dates, fingerprints and key identifiers.

// Runs openssl and writes temp files: native only.
#![cfg(not(target_arch = "wasm32"))]

use atcert::cert::{self, ItemKind};
use std::io::Write;
use std::process::{Command, Stdio};

const BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

fn openssl(pem: &[u8], args: &[&str]) -> String {
    let mut child = Command::new("openssl")
        .arg("x509")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl runs");
    child.stdin.take().unwrap().write_all(pem).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// "2031-01-01T00:00:00Z" -> "Jan  1 00:00:00 2031 GMT" (openssl's -dates format).
fn openssl_date(rfc3339: &str) -> String {
    const M: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let y = &rfc3339[0..4];
    let m: usize = rfc3339[5..7].parse().unwrap();
    let d: u32 = rfc3339[8..10].parse().unwrap();
    let t = &rfc3339[11..19];
    format!("{} {:>2} {} {} GMT", M[m - 1], d, t, y)
}

fn colon_hex(s: &str) -> String {
    s.trim().replace(':', "").to_lowercase()
}

struct Expected {
    subject: String,
    issuer: String,
    serial: String,
    not_before: String,
    not_after: String,
    sha256: String,
    sha1: String,
    ski: Option<String>,
    aki: Option<String>,
}

fn expected(pem: &[u8]) -> Expected {
    let a = openssl(
        pem,
        &[
            "-noout",
            "-fingerprint",
            "-sha256",
            "-subject",
            "-issuer",
            "-serial",
            "-dates",
            "-ext",
            "subjectKeyIdentifier,authorityKeyIdentifier",
            "-nameopt",
            "RFC2253,-esc_msb",
        ],
    );
    let b = openssl(pem, &["-noout", "-fingerprint", "-sha1"]);
    let mut e = Expected {
        subject: String::new(),
        issuer: String::new(),
        serial: String::new(),
        not_before: String::new(),
        not_after: String::new(),
        sha256: String::new(),
        sha1: colon_hex(b.trim().split_once('=').unwrap().1),
        ski: None,
        aki: None,
    };
    let lines: Vec<&str> = a.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if let Some(v) = l.strip_prefix("sha256 Fingerprint=") {
            e.sha256 = colon_hex(v);
        } else if let Some(v) = l.strip_prefix("subject=") {
            e.subject = v.to_string();
        } else if let Some(v) = l.strip_prefix("issuer=") {
            e.issuer = v.to_string();
        } else if let Some(v) = l.strip_prefix("serial=") {
            e.serial = v.to_lowercase();
        } else if let Some(v) = l.strip_prefix("notBefore=") {
            e.not_before = v.to_string();
        } else if let Some(v) = l.strip_prefix("notAfter=") {
            e.not_after = v.to_string();
        } else if l.starts_with("X509v3 Subject Key Identifier") {
            e.ski = lines.get(i + 1).map(|v| colon_hex(v));
        } else if l.starts_with("X509v3 Authority Key Identifier") {
            e.aki = lines
                .get(i + 1)
                .map(|v| colon_hex(v.trim().trim_start_matches("keyid:")));
        }
    }
    e
}

#[test]
fn every_bundle_certificate_matches_openssl() {
    let Ok(bundle) = std::fs::read(BUNDLE) else {
        panic!("{BUNDLE} is missing: install ca-certificates");
    };
    let out = cert::parse(&bundle, None);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let certs: Vec<_> = out
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::Certificate)
        .collect();
    let expected_count = bundle
        .windows(27)
        .filter(|w| w == b"-----BEGIN CERTIFICATE-----")
        .count();
    assert_eq!(certs.len(), expected_count);
    assert!(certs.len() > 100);

    // Two workers: the machine has two cores.
    let pems: Vec<Vec<u8>> = certs
        .iter()
        .map(|c| cert::pem::encode("CERTIFICATE", &c.der, cert::LineEnding::Lf))
        .collect();
    let half = pems.len() / 2;
    let (first, second) = pems.split_at(half);
    let (e1, e2) = std::thread::scope(|s| {
        let h1 = s.spawn(|| first.iter().map(|p| expected(p)).collect::<Vec<_>>());
        let h2 = s.spawn(|| second.iter().map(|p| expected(p)).collect::<Vec<_>>());
        (h1.join().unwrap(), h2.join().unwrap())
    });
    let exp: Vec<Expected> = e1.into_iter().chain(e2).collect();

    let mut failures = Vec::new();
    let mut computed_ski = 0;
    for (n, (item, e)) in certs.iter().zip(&exp).enumerate() {
        let info = cert::inspect::inspect(&item.der, 0).expect("inspects");
        let mut check = |what: &str, ours: &str, theirs: &str| {
            if ours != theirs {
                failures.push(format!("cert {n} {what}: ours {ours:?} openssl {theirs:?}"));
            }
        };
        check("subject", &info.subject, &e.subject);
        check("issuer", &info.issuer, &e.issuer);
        check("serial", &info.serial, &e.serial);
        check("notBefore", &openssl_date(&info.not_before), &e.not_before);
        check("notAfter", &openssl_date(&info.not_after), &e.not_after);
        check("sha256", &info.sha256, &e.sha256);
        check("sha1", &info.sha1, &e.sha1);
        match &e.ski {
            Some(ski) => {
                check("ski", &info.ski, ski);
                check("ski_computed", &info.ski_computed.to_string(), "false");
            }
            None => {
                computed_ski += 1;
                check("ski_computed", &info.ski_computed.to_string(), "true");
            }
        }
        check(
            "aki",
            info.aki.as_deref().unwrap_or("-"),
            e.aki.as_deref().unwrap_or("-"),
        );
        // Every Mozilla root is self-signed (as OpenSSL decides it: names and key ids).
        check("self_signed", &info.self_signed.to_string(), "true");
    }
    assert!(
        failures.is_empty(),
        "{} mismatches (computed SKIs: {computed_ski}):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn computed_ski_matches_openssl_hash_method() {
    // openssl's `subjectKeyIdentifier=hash` is RFC 5280 method 1: our computed value for a
    // certificate made without the extension must equal what openssl puts in one made with it.
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pem");
    let run = |args: &[&str]| {
        let s = Command::new("openssl").args(args).output().unwrap();
        assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    };
    run(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        key.to_str().unwrap(),
    ]);
    let with = dir.path().join("with.pem");
    let without = dir.path().join("without.pem");
    run(&[
        "req",
        "-x509",
        "-new",
        "-key",
        key.to_str().unwrap(),
        "-subj",
        "/CN=a",
        "-days",
        "1",
        "-addext",
        "subjectKeyIdentifier=hash",
        "-out",
        with.to_str().unwrap(),
    ]);
    run(&[
        "req",
        "-x509",
        "-new",
        "-key",
        key.to_str().unwrap(),
        "-subj",
        "/CN=a",
        "-days",
        "1",
        "-addext",
        "subjectKeyIdentifier=none",
        "-addext",
        "authorityKeyIdentifier=none",
        "-out",
        without.to_str().unwrap(),
    ]);
    let a = cert::parse(&std::fs::read(&with).unwrap(), None);
    let b = cert::parse(&std::fs::read(&without).unwrap(), None);
    let ia = a.items[0].cert_info(0).unwrap();
    let ib = b.items[0].cert_info(0).unwrap();
    assert!(!ia.ski_computed);
    assert!(ib.ski_computed, "openssl added an SKI anyway");
    assert_eq!(ia.ski, ib.ski);
}
