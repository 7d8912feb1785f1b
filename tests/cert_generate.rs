//! Generated certificates checked by OpenSSL: chain verification, a real mutual-TLS
//! handshake on loopback, extensions, and the module encodings read back.
#![cfg(not(target_arch = "wasm32"))]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use atcert::cert::generate::{GenerateOptions, GeneratedSet, KeyAlgorithm, generate};
use atcert::cert::lint::{Encoding, LintContext, Role, Severity, Storage, lint};
use atcert::modules::Family;
use atcert::modules::rules::rules;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn openssl(args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

fn write_set(set: &GeneratedSet, dir: &Path) {
    std::fs::write(dir.join("ca.pem"), set.ca.cert_pem()).unwrap();
    std::fs::write(dir.join("server.pem"), set.server_chain_pem()).unwrap();
    std::fs::write(dir.join("server.key"), set.server.key_pem()).unwrap();
    std::fs::write(dir.join("client.pem"), set.client.cert_pem()).unwrap();
    std::fs::write(dir.join("client.key"), set.client.key_pem()).unwrap();
}

fn make(key: KeyAlgorithm) -> (GeneratedSet, tempfile::TempDir) {
    let mut opts = GenerateOptions::new(now() - 60);
    opts.key = key;
    opts.server_sans = vec![
        "DNS:localhost".parse().unwrap(),
        "DNS:broker.example".parse().unwrap(),
        "IP:127.0.0.1".parse().unwrap(),
        "IP:::1".parse().unwrap(),
    ];
    let set = generate(&opts, &mut rand_core::OsRng).expect("generate");
    let dir = tempfile::tempdir().unwrap();
    write_set(&set, dir.path());
    (set, dir)
}

#[test]
fn openssl_verifies_server_and_client_for_every_key_type() {
    for key in [
        KeyAlgorithm::Rsa2048,
        KeyAlgorithm::Rsa3072,
        KeyAlgorithm::P256,
    ] {
        let (_, dir) = make(key);
        let (ok, out) = openssl(
            &["verify", "-CAfile", "ca.pem", "server.pem", "client.pem"],
            dir.path(),
        );
        assert!(ok, "{key}: {out}");
        assert!(
            out.contains("server.pem: OK") && out.contains("client.pem: OK"),
            "{out}"
        );
        // Purpose checks: the server certificate is for servers, the client's for clients.
        let (ok, out) = openssl(
            &[
                "verify",
                "-purpose",
                "sslserver",
                "-CAfile",
                "ca.pem",
                "server.pem",
            ],
            dir.path(),
        );
        assert!(ok, "{key}: {out}");
        let (ok, out) = openssl(
            &[
                "verify",
                "-purpose",
                "sslclient",
                "-CAfile",
                "ca.pem",
                "client.pem",
            ],
            dir.path(),
        );
        assert!(ok, "{key}: {out}");
        let (ok, _) = openssl(
            &[
                "verify",
                "-purpose",
                "sslserver",
                "-CAfile",
                "ca.pem",
                "client.pem",
            ],
            dir.path(),
        );
        assert!(
            !ok,
            "{key}: the client certificate must not pass as a server's"
        );
        // The keys match their certificates.
        for (cert, key_file) in [("server.pem", "server.key"), ("client.pem", "client.key")] {
            let (_, a) = openssl(&["x509", "-in", cert, "-noout", "-pubkey"], dir.path());
            let (_, b) = openssl(&["pkey", "-in", key_file, "-pubout"], dir.path());
            assert_eq!(a, b, "{key} {cert}");
        }
    }
}

#[test]
fn extensions_serials_and_validity_are_as_specified() {
    let start = now();
    let mut opts = GenerateOptions::new(start);
    opts.key = KeyAlgorithm::P256;
    opts.days = 30;
    opts.ca.organization = Some("Acme, Inc.".into());
    opts.ca.country = Some("DE".into());
    let set = generate(&opts, &mut rand_core::OsRng).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_set(&set, dir.path());
    let (_, ca) = openssl(&["x509", "-in", "ca.pem", "-noout", "-text"], dir.path());
    assert!(
        ca.contains("Basic Constraints: critical\n                CA:TRUE"),
        "{ca}"
    );
    assert!(ca.contains("Certificate Sign, CRL Sign"), "{ca}");
    assert!(ca.contains("Subject Key Identifier"), "{ca}");
    assert!(
        ca.contains("O = \"Acme, Inc.\"") && ca.contains("C = DE"),
        "{ca}"
    );
    assert!(ca.contains("ecdsa-with-SHA256"), "{ca}");
    let (_, srv) = openssl(
        &["x509", "-in", "server.pem", "-noout", "-text"],
        dir.path(),
    );
    assert!(srv.contains("CA:FALSE"), "{srv}");
    // EC keys do not encipher: digitalSignature only.
    assert!(
        srv.contains("Key Usage: critical\n                Digital Signature\n"),
        "{srv}"
    );
    assert!(srv.contains("TLS Web Server Authentication"), "{srv}");
    assert!(srv.contains("DNS:localhost, IP Address:127.0.0.1"), "{srv}");
    assert!(srv.contains("Authority Key Identifier"), "{srv}");
    let (_, cli) = openssl(
        &["x509", "-in", "client.pem", "-noout", "-text"],
        dir.path(),
    );
    assert!(cli.contains("TLS Web Client Authentication"), "{cli}");

    // AKI of the leaves = SKI of the CA.
    let ext = |file: &str, name: &str| {
        let (_, out) = openssl(&["x509", "-in", file, "-noout", "-ext", name], dir.path());
        out.lines().nth(1).unwrap_or_default().trim().to_owned()
    };
    assert_eq!(
        ext("ca.pem", "subjectKeyIdentifier"),
        ext("server.pem", "authorityKeyIdentifier")
    );

    // Serials: 16 bytes, positive, different.
    let serial = |file: &str| {
        let (_, out) = openssl(&["x509", "-in", file, "-noout", "-serial"], dir.path());
        out.trim().trim_start_matches("serial=").to_owned()
    };
    let serials = [serial("ca.pem"), serial("server.pem"), serial("client.pem")];
    for s in &serials {
        assert_eq!(s.len(), 32, "{s}");
        assert!(u8::from_str_radix(&s[..2], 16).unwrap() < 0x80);
    }
    assert!(serials[0] != serials[1] && serials[1] != serials[2]);

    // Validity: from `now` for `days`.
    let (_, dates) = openssl(
        &["x509", "-in", "client.pem", "-noout", "-checkend", "0"],
        dir.path(),
    );
    assert!(dates.contains("will not expire"), "{dates}");
    let (ok, _) = openssl(
        &[
            "x509",
            "-in",
            "client.pem",
            "-noout",
            "-checkend",
            &(31 * 86_400).to_string(),
        ],
        dir.path(),
    );
    assert!(!ok, "a 30-day certificate must expire within 31 days");
}

/// Starts `openssl s_server` on a free loopback port and waits until it accepts.
fn start_server(dir: &Path) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new("openssl")
        .args([
            "s_server",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-cert",
            "server.pem",
            "-key",
            "server.key",
            "-CAfile",
            "ca.pem",
            "-Verify",
            "1",
            "-verify_return_error",
            "-naccept",
            "1",
            "-www",
        ])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start s_server");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("ACCEPT") {
                let _ = tx.send(());
            }
        }
    });
    if rx.recv_timeout(Duration::from_secs(10)).is_err() {
        let _ = child.kill();
        panic!("s_server did not start");
    }
    (child, port)
}

/// Runs `openssl s_client` with a deadline; returns (success, output).
fn client(dir: &Path, port: u16, with_cert: bool) -> (bool, String) {
    let connect = format!("127.0.0.1:{port}");
    let mut args = vec![
        "s_client",
        "-connect",
        &connect,
        "-CAfile",
        "ca.pem",
        "-verify_return_error",
        "-verify_hostname",
        "localhost",
        "-ign_eof",
    ];
    if with_cert {
        args.extend(["-cert", "client.pem", "-key", "client.key"]);
    }
    let mut child = Command::new("openssl")
        .args(&args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"GET / HTTP/1.0\r\n\r\n")
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("s_client did not finish in time");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn stop(mut server: Child) {
    let _ = server.kill();
    let _ = server.wait();
}

#[test]
fn mutual_tls_handshake_with_openssl_succeeds_and_needs_the_client_certificate() {
    for key in [KeyAlgorithm::Rsa2048, KeyAlgorithm::P256] {
        let (_, dir) = make(key);
        let (server, port) = start_server(dir.path());
        let (ok, out) = client(dir.path(), port, true);
        stop(server);
        assert!(ok, "{key}: {out}");
        assert!(out.contains("Verify return code: 0 (ok)"), "{key}: {out}");
        assert!(out.contains("HTTP/1.0 200 ok"), "{key}: {out}");
        // The server's status page shows the client certificate it verified.
        assert!(out.contains("atcert client"), "{key}: {out}");

        // Without the client certificate the server must refuse.
        let (server, port) = start_server(dir.path());
        let (_, out) = client(dir.path(), port, false);
        stop(server);
        assert!(!out.contains("HTTP/1.0 200 ok"), "{key}: {out}");
    }
}

#[test]
fn module_files_are_readable_by_openssl_in_each_module_encoding() {
    for family in Family::ALL {
        let r = rules(family);
        let mut opts = GenerateOptions::new(now() - 60);
        opts.fit_to(&r).unwrap();
        let set = generate(&opts, &mut rand_core::OsRng).unwrap();
        let dir = tempfile::tempdir().unwrap();
        write_set(&set, dir.path());
        let reports = set.module_files(&r, now());
        let whole = atcert::cert::lint::lint_set(
            &r,
            Some(set.ca.cert_pem().as_bytes()),
            Some(set.client.cert_pem().as_bytes()),
            Some(set.client.key_pem().as_bytes()),
            &LintContext {
                now: Some(now()),
                ..LintContext::default()
            },
        );
        assert!(
            whole.is_ok() && whole.findings.is_empty(),
            "{family:?}: {whole:#?}"
        );
        for report in &reports {
            // The fixed bytes are a fixed point: linting them again changes nothing.
            let bytes = &report.output.as_ref().unwrap().bytes;
            let ctx = LintContext {
                now: Some(now()),
                ..LintContext::default()
            };
            let again = lint(&r, report.role, bytes, &ctx);
            assert_eq!(&again.output.as_ref().unwrap().bytes, bytes, "{family:?}");
            assert!(
                again.findings.iter().all(|f| f.fix.is_none()),
                "{family:?} {:?}: {:#?}",
                report.role,
                again.findings
            );
            assert!(
                report.is_ok(),
                "{family:?} {:?}: {:#?}",
                report.role,
                report.findings
            );
            assert!(
                report
                    .findings
                    .iter()
                    .all(|f| f.severity != Severity::Error || f.fix.is_some()),
                "{family:?}: {:#?}",
                report.findings
            );
            let out = report.output.as_ref().unwrap();
            let ext = if out.encoding == Encoding::Der {
                "der"
            } else {
                "pem"
            };
            let file = dir.path().join(format!("m-{:?}.{ext}", report.role));
            let rule = r.role(report.role);
            if out.encoding == Encoding::Pem {
                let text = std::str::from_utf8(&out.bytes).unwrap();
                match rule.line_endings.value.send() {
                    atcert::cert::LineEnding::Cr => assert!(!text.contains('\n'), "{family:?}"),
                    _ => assert!(!text.contains('\r'), "{family:?}"),
                }
                // OpenSSL wants LF; the module's CR-only text is the same PEM otherwise.
                std::fs::write(&file, text.replace('\r', "\n")).unwrap();
            } else {
                std::fs::write(&file, &out.bytes).unwrap();
            }
            let f = file.to_str().unwrap();
            let form = if out.encoding == Encoding::Der {
                "DER"
            } else {
                "PEM"
            };
            let (ok, text) = match report.role {
                Role::ClientKey => {
                    openssl(&["pkey", "-inform", form, "-in", f, "-noout"], dir.path())
                }
                _ => openssl(&["x509", "-inform", form, "-in", f, "-noout"], dir.path()),
            };
            assert!(ok, "{family:?} {:?}: {text}", report.role);
            if report.role == Role::ClientKey
                && !rule
                    .key_encodings
                    .value
                    .contains(&atcert::cert::lint::KeyEncoding::Pkcs8)
            {
                let body = String::from_utf8_lossy(&out.bytes);
                if out.encoding == Encoding::Pem {
                    assert!(
                        body.starts_with("-----BEGIN RSA PRIVATE KEY-----"),
                        "{family:?}"
                    );
                }
                let (ok, text) = openssl(
                    &["rsa", "-inform", form, "-in", f, "-check", "-noout"],
                    dir.path(),
                );
                assert!(ok && text.contains("RSA key ok"), "{family:?}: {text}");
            }
            // SPWF04: the CA file is named after the SKI OpenSSL reports.
            if let Storage::SkiFile { .. } = out.storage {
                let (_, ski) = openssl(
                    &[
                        "x509",
                        "-in",
                        "ca.pem",
                        "-noout",
                        "-ext",
                        "subjectKeyIdentifier",
                    ],
                    dir.path(),
                );
                let hex = ski
                    .lines()
                    .nth(1)
                    .unwrap()
                    .trim()
                    .replace(':', "")
                    .to_lowercase();
                assert_eq!(out.destination, format!("/{hex}.ca"));
            }
        }
        // The client key and certificate still belong together in the module form.
        let form = |role: Role| {
            let out = reports
                .iter()
                .find(|r| r.role == role)
                .unwrap()
                .output
                .as_ref()
                .unwrap();
            let ext = if out.encoding == Encoding::Der {
                "der"
            } else {
                "pem"
            };
            let form = if out.encoding == Encoding::Der {
                "DER"
            } else {
                "PEM"
            };
            (format!("m-{role:?}.{ext}"), form)
        };
        let (cert, cert_form) = form(Role::ClientCert);
        let (key, key_form) = form(Role::ClientKey);
        let (_, a) = openssl(
            &[
                "x509", "-inform", cert_form, "-in", &cert, "-noout", "-pubkey",
            ],
            dir.path(),
        );
        let (_, b) = openssl(
            &["pkey", "-inform", key_form, "-in", &key, "-pubout"],
            dir.path(),
        );
        assert!(
            a.contains("BEGIN PUBLIC KEY") && a == b,
            "{family:?}: {a} / {b}"
        );
    }
}

#[test]
fn generating_for_a_module_refuses_keys_it_cannot_use() {
    for family in [Family::Ichip, Family::TelitLegacy, Family::Sim800] {
        let mut opts = GenerateOptions::new(now());
        opts.key = KeyAlgorithm::P256;
        let err = opts.fit_to(&rules(family)).unwrap_err().to_string();
        assert!(err.contains("RSA"), "{err}");
    }
    let mut opts = GenerateOptions::new(now());
    opts.key = KeyAlgorithm::Rsa3072;
    assert!(opts.fit_to(&rules(Family::Ichip)).is_err());
    let mut opts = GenerateOptions::new(now());
    opts.key = KeyAlgorithm::P256;
    assert!(opts.fit_to(&rules(Family::Sim7600)).is_ok());
}

#[test]
fn ichip_ca_is_self_signed_with_sha1_and_still_issues_sha256_leaves() {
    let mut opts = GenerateOptions::new(now() - 60);
    opts.fit_to(&rules(Family::Ichip)).unwrap();
    let set = generate(&opts, &mut rand_core::OsRng).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_set(&set, dir.path());
    let (_, ca) = openssl(&["x509", "-in", "ca.pem", "-noout", "-text"], dir.path());
    assert!(ca.contains("sha1WithRSAEncryption"), "{ca}");
    let (_, srv) = openssl(
        &["x509", "-in", "server.pem", "-noout", "-text"],
        dir.path(),
    );
    assert!(srv.contains("sha256WithRSAEncryption"), "{srv}");
    let (ok, out) = openssl(&["verify", "-CAfile", "ca.pem", "server.pem"], dir.path());
    assert!(ok, "{out}");
}

#[test]
fn cli_generate_writes_the_set_and_the_module_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_atcert"))
        .args(["generate", "--out"])
        .arg(dir.path())
        .args(["--key", "p256", "--days", "10", "--module", "spwf04"])
        .args(["--san", "DNS:broker.local", "--san", "IP:10.0.0.2"])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    for f in [
        "ca.pem",
        "ca.key",
        "server.pem",
        "server.key",
        "client.pem",
        "client.key",
    ] {
        assert!(dir.path().join(f).exists(), "{f}: {text}");
    }
    let (ok, srv) = openssl(
        &[
            "x509",
            "-in",
            "server.pem",
            "-noout",
            "-ext",
            "subjectAltName",
        ],
        dir.path(),
    );
    assert!(
        ok && srv.contains("DNS:broker.local, IP Address:10.0.0.2"),
        "{srv}"
    );
    let names: Vec<String> = std::fs::read_dir(dir.path().join("spwf04"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().any(|n| n.ends_with(".ca") && n.len() == 43),
        "{names:?}"
    );
    // P-256 is refused for a module that takes RSA only.
    let out = Command::new(env!("CARGO_BIN_EXE_atcert"))
        .args(["generate", "--out"])
        .arg(dir.path().join("x"))
        .args(["--key", "p256", "--module", "ichip"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("RSA"));
}
