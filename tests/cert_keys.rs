//! Keys made by openssl in every form people have them, parsed by atcert and converted
//! byte-identically to openssl's own conversions.

use atcert::cert::{self, ItemKind, KeyEncoding, ParseError, PrivateKey, matching};
use std::path::{Path, PathBuf};
use std::process::Command;

const PASS: &str = "s3cret pass";

struct Lab {
    dir: tempfile::TempDir,
}

impl Lab {
    fn new() -> Self {
        Lab {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn ps(&self, name: &str) -> String {
        self.p(name).to_str().unwrap().to_string()
    }
    /// Runs openssl; `{name}` in an argument becomes the path of `name` in the lab.
    fn ssl(&self, args: &[&str]) {
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                if let Some(n) = a.strip_prefix('@') {
                    self.ps(n)
                } else {
                    a.to_string()
                }
            })
            .collect();
        let out = Command::new("openssl").args(&args).output().unwrap();
        assert!(
            out.status.success(),
            "openssl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.p(name)).unwrap()
    }
    fn legacy_supported(&self) -> bool {
        // OpenSSL 3 needs the legacy provider for RC2; builds without it refuse -legacy.
        Command::new("openssl")
            .args(["list", "-cipher-algorithms", "-provider", "legacy"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }
}

fn one_key(input: &[u8], pass: Option<&str>, label: &str) -> (PrivateKey, KeyEncoding) {
    let out = cert::parse(input, pass);
    assert!(out.problems.is_empty(), "{label}: {:?}", out.problems);
    let keys: Vec<_> = out.private_keys().collect();
    assert_eq!(keys.len(), 1, "{label}");
    (
        keys[0].private_key.clone().unwrap(),
        keys[0].key_encoding.unwrap(),
    )
}

/// Byte equality with a readable failure (lengths and first difference, not two dumps).
fn same(ours: &[u8], theirs: &[u8], label: &str) {
    if ours != theirs {
        let at = ours
            .iter()
            .zip(theirs)
            .position(|(a, b)| a != b)
            .unwrap_or(ours.len().min(theirs.len()));
        panic!(
            "{label}: {} vs {} bytes, first difference at byte {at}: ours {} openssl {}",
            ours.len(),
            theirs.len(),
            cert::hex(&ours[at.saturating_sub(4)..(at + 8).min(ours.len())]),
            cert::hex(&theirs[at.saturating_sub(4)..(at + 8).min(theirs.len())])
        );
    }
}

fn check_key_family(lab: &Lab, kind: &str) {
    let is_rsa = kind == "rsa";
    match kind {
        "rsa" => lab.ssl(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "@k8.pem",
        ]),
        "p256" => lab.ssl(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "@k8.pem",
        ]),
        _ => lab.ssl(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-out",
            "@k8.pem",
        ]),
    }
    // openssl's reference encodings. OpenSSL 3.0's `pkey -outform DER` writes the traditional
    // (PKCS#1/SEC1) form, not PKCS#8, so PKCS#8 DER comes from `pkcs8 -topk8 -nocrypt`, checked
    // against the PEM that `pkey` writes (which is PKCS#8).
    lab.ssl(&[
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        "@k8.pem",
        "-outform",
        "DER",
        "-out",
        "@ref8.der",
    ]);
    let ref8 = lab.read("ref8.der");
    lab.ssl(&["pkey", "-in", "@k8.pem", "-out", "@ref8.pem"]);
    assert_eq!(cert::parse(&lab.read("ref8.pem"), None).items[0].der, ref8);
    lab.ssl(&[
        "pkey",
        "-in",
        "@k8.pem",
        "-outform",
        "DER",
        "-out",
        "@pkey.der",
    ]);
    let ref_trad = if is_rsa {
        lab.ssl(&[
            "rsa",
            "-in",
            "@k8.pem",
            "-traditional",
            "-outform",
            "DER",
            "-out",
            "@reftrad.der",
        ]);
        lab.read("reftrad.der")
    } else {
        lab.ssl(&[
            "ec",
            "-in",
            "@k8.pem",
            "-outform",
            "DER",
            "-out",
            "@reftrad.der",
        ]);
        lab.read("reftrad.der")
    };

    // Every input form.
    let mut forms: Vec<(String, Option<&str>)> = vec![("k8.pem".into(), None)];
    lab.ssl(&[
        "pkcs8", "-topk8", "-nocrypt", "-in", "@k8.pem", "-outform", "DER", "-out", "@k8.der",
    ]);
    forms.push(("k8.der".into(), None));
    forms.push(("pkey.der".into(), None));
    if is_rsa {
        lab.ssl(&["rsa", "-in", "@k8.pem", "-traditional", "-out", "@trad.pem"]);
        lab.ssl(&[
            "rsa",
            "-in",
            "@k8.pem",
            "-traditional",
            "-aes128",
            "-passout",
            &format!("pass:{PASS}"),
            "-out",
            "@legacy_aes128.pem",
        ]);
        lab.ssl(&[
            "rsa",
            "-in",
            "@k8.pem",
            "-traditional",
            "-des3",
            "-passout",
            &format!("pass:{PASS}"),
            "-out",
            "@legacy_des3.pem",
        ]);
    } else {
        lab.ssl(&["ec", "-in", "@k8.pem", "-out", "@trad.pem"]);
        lab.ssl(&["ec", "-in", "@k8.pem", "-no_public", "-out", "@nopub.pem"]);
        forms.push(("nopub.pem".into(), None));
        lab.ssl(&[
            "ec",
            "-in",
            "@k8.pem",
            "-aes256",
            "-passout",
            &format!("pass:{PASS}"),
            "-out",
            "@legacy_aes256.pem",
        ]);
        lab.ssl(&[
            "ec",
            "-in",
            "@k8.pem",
            "-des3",
            "-passout",
            &format!("pass:{PASS}"),
            "-out",
            "@legacy_des3.pem",
        ]);
        forms.push(("legacy_aes256.pem".into(), Some(PASS)));
    }
    forms.push(("trad.pem".into(), None));
    forms.push(("legacy_des3.pem".into(), Some(PASS)));
    if is_rsa {
        forms.push(("legacy_aes128.pem".into(), Some(PASS)));
    }
    lab.ssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        "@k8.pem",
        "-v2",
        "aes-256-cbc",
        "-passout",
        &format!("pass:{PASS}"),
        "-out",
        "@pbkdf2.pem",
    ]);
    lab.ssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        "@k8.pem",
        "-v2",
        "aes-128-cbc",
        "-v2prf",
        "hmacWithSHA1",
        "-passout",
        &format!("pass:{PASS}"),
        "-out",
        "@pbkdf2sha1.pem",
    ]);
    lab.ssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        "@k8.pem",
        "-v2",
        "des3",
        "-passout",
        &format!("pass:{PASS}"),
        "-outform",
        "DER",
        "-out",
        "@pbkdf2des3.der",
    ]);
    lab.ssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        "@k8.pem",
        "-scrypt",
        "-passout",
        &format!("pass:{PASS}"),
        "-out",
        "@scrypt.pem",
    ]);
    forms.push(("pbkdf2.pem".into(), Some(PASS)));
    forms.push(("pbkdf2sha1.pem".into(), Some(PASS)));
    forms.push(("pbkdf2des3.der".into(), Some(PASS)));
    forms.push(("scrypt.pem".into(), Some(PASS)));

    for (name, pass) in &forms {
        let label = format!("{kind} {name}");
        let (key, _enc) = one_key(&lab.read(name), *pass, &label);
        same(
            &key.to_pkcs8_der().unwrap(),
            &ref8,
            &format!("{label}: PKCS#8 vs openssl pkcs8 -topk8"),
        );
        if is_rsa {
            same(
                &key.to_pkcs1_der().unwrap(),
                &ref_trad,
                &format!("{label}: PKCS#1 vs openssl rsa -traditional"),
            );
            assert!(key.to_sec1_der().is_err());
        } else {
            same(
                &key.to_sec1_der().unwrap(),
                &ref_trad,
                &format!("{label}: SEC1 vs openssl ec"),
            );
            assert!(key.to_pkcs1_der().is_err());
        }
        // The public key is what openssl derives.
        lab.ssl(&[
            "pkey", "-in", "@k8.pem", "-pubout", "-outform", "DER", "-out", "@pub.der",
        ]);
        assert_eq!(
            key.public_spki_der().unwrap(),
            lab.read("pub.der"),
            "{label}: public key"
        );
        if *pass == Some(PASS) {
            // Without and with a wrong passphrase: typed errors, nothing else.
            let none = cert::parse(&lab.read(name), None);
            assert!(
                none.items.iter().all(|i| i.kind != ItemKind::PrivateKey),
                "{label}"
            );
            assert!(
                matches!(none.problems[0].error, ParseError::NeedsPassphrase { .. }),
                "{label}: {:?}",
                none.problems
            );
            let wrong = cert::parse(&lab.read(name), Some("not it"));
            assert!(
                matches!(wrong.problems[0].error, ParseError::WrongPassphrase { .. }),
                "{label}: {:?}",
                wrong.problems
            );
        }
    }

    // PKCS#12 as cloud consoles export it, with a certificate for the key.
    lab.ssl(&[
        "req",
        "-x509",
        "-new",
        "-key",
        "@k8.pem",
        "-subj",
        "/CN=device",
        "-days",
        "30",
        "-out",
        "@cert.pem",
    ]);
    lab.ssl(&[
        "pkcs12",
        "-export",
        "-in",
        "@cert.pem",
        "-inkey",
        "@k8.pem",
        "-passout",
        &format!("pass:{PASS}"),
        "-out",
        "@default.p12",
    ]);
    let mut p12s = vec!["default.p12"];
    if lab.legacy_supported() {
        lab.ssl(&[
            "pkcs12",
            "-export",
            "-legacy",
            "-in",
            "@cert.pem",
            "-inkey",
            "@k8.pem",
            "-passout",
            &format!("pass:{PASS}"),
            "-out",
            "@legacy.p12",
        ]);
        p12s.push("legacy.p12");
    }
    for name in p12s {
        let label = format!("{kind} {name}");
        let out = cert::parse(&lab.read(name), Some(PASS));
        assert!(out.problems.is_empty(), "{label}: {:?}", out.problems);
        let key = out.private_keys().next().expect("key in p12");
        assert_eq!(
            key.private_key.as_ref().unwrap().to_pkcs8_der().unwrap(),
            ref8,
            "{label}"
        );
        let c = out.certificates().next().expect("cert in p12");
        assert!(matching::key_matches_cert(
            key.private_key.as_ref().unwrap(),
            &c.der
        ));
        let m = matching::match_keys(&out.items);
        assert_eq!(m.pairs.len(), 1, "{label}");
        let wrong = cert::parse(&lab.read(name), Some("nope"));
        assert!(
            matches!(wrong.problems[0].error, ParseError::WrongPassphrase { .. }),
            "{label}"
        );
        let none = cert::parse(&lab.read(name), None);
        assert!(
            matches!(none.problems[0].error, ParseError::NeedsPassphrase { .. }),
            "{label}"
        );
    }

    // A different key does not match the certificate (cert → key direction too).
    let other = if is_rsa { "rsa:2048" } else { "ec" };
    let _ = other;
    lab.ssl(&[
        "genpkey",
        "-algorithm",
        if is_rsa { "RSA" } else { "EC" },
        "-pkeyopt",
        if is_rsa {
            "rsa_keygen_bits:2048"
        } else {
            "ec_paramgen_curve:P-256"
        },
        "-out",
        "@other.pem",
    ]);
    let mut pile = lab.read("cert.pem");
    pile.extend(lab.read("other.pem"));
    pile.extend(lab.read("k8.pem"));
    let out = cert::parse(&pile, None);
    let m = matching::match_keys(&out.items);
    assert_eq!(m.pairs, vec![(2, 0)], "{kind}: only the right key matches");
    assert_eq!(m.keys_without_cert, vec![1]);
}

#[test]
fn rsa_2048_all_forms() {
    check_key_family(&Lab::new(), "rsa");
}

#[test]
fn ec_p256_all_forms() {
    check_key_family(&Lab::new(), "p256");
}

#[test]
fn ec_p384_all_forms() {
    check_key_family(&Lab::new(), "p384");
}

#[test]
fn sec1_with_ec_parameters_block() {
    let lab = Lab::new();
    // `openssl ecparam -genkey` writes EC PARAMETERS before EC PRIVATE KEY.
    lab.ssl(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-out",
        "@kp.pem",
    ]);
    let text = String::from_utf8(lab.read("kp.pem")).unwrap();
    assert!(text.contains("EC PARAMETERS"));
    lab.ssl(&[
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        "@kp.pem",
        "-outform",
        "DER",
        "-out",
        "@ref8.der",
    ]);
    let out = cert::parse(text.as_bytes(), None);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.items[0].kind, ItemKind::EcParameters);
    let key = out
        .private_keys()
        .next()
        .unwrap()
        .private_key
        .clone()
        .unwrap();
    assert_eq!(key.to_pkcs8_der().unwrap(), lab.read("ref8.der"));
    assert_eq!(key.info().curve.as_deref(), Some("P-256"));
}

#[test]
fn public_keys_spki_and_pkcs1() {
    let lab = Lab::new();
    lab.ssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        "@k.pem",
    ]);
    lab.ssl(&["pkey", "-in", "@k.pem", "-pubout", "-out", "@spki.pem"]);
    lab.ssl(&[
        "rsa",
        "-in",
        "@k.pem",
        "-RSAPublicKey_out",
        "-out",
        "@pkcs1pub.pem",
    ]);
    lab.ssl(&[
        "rsa",
        "-in",
        "@k.pem",
        "-RSAPublicKey_out",
        "-outform",
        "DER",
        "-out",
        "@pkcs1pub.der",
    ]);
    lab.ssl(&[
        "pkey",
        "-in",
        "@k.pem",
        "-pubout",
        "-outform",
        "DER",
        "-out",
        "@spki.der",
    ]);
    for name in ["spki.pem", "pkcs1pub.pem", "spki.der", "pkcs1pub.der"] {
        let out = cert::parse(&lab.read(name), None);
        assert!(out.problems.is_empty(), "{name}: {:?}", out.problems);
        assert_eq!(out.items.len(), 1);
        assert_eq!(out.items[0].kind, ItemKind::PublicKey, "{name}");
        let pk = out.items[0].public_key().unwrap();
        assert_eq!(pk.spki, lab.read("spki.der"), "{name}");
        assert_eq!(
            pk.to_pkcs1_der().unwrap(),
            lab.read("pkcs1pub.der"),
            "{name}"
        );
        assert_eq!(pk.info().bits, Some(2048));
    }
}

fn atcert(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_atcert"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn cli_convert_matches_openssl_and_fails_clearly() {
    let lab = Lab::new();
    let d = lab.dir.path();
    lab.ssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        "@k8.pem",
    ]);
    lab.ssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        "@k8.pem",
        "-v2",
        "aes-256-cbc",
        "-passout",
        &format!("pass:{PASS}"),
        "-out",
        "@enc.pem",
    ]);
    lab.ssl(&[
        "rsa",
        "-in",
        "@k8.pem",
        "-traditional",
        "-outform",
        "DER",
        "-out",
        "@ref1.der",
    ]);
    lab.ssl(&["rsa", "-in", "@k8.pem", "-traditional", "-out", "@ref1.pem"]);
    // Decrypt and convert to what iChip/Telit want: PKCS#1, DER and PEM.
    let o = atcert(
        &[
            "convert",
            "enc.pem",
            "--to",
            "pkcs1",
            "--der",
            "--password",
            PASS,
            "--out",
            "k1.der",
        ],
        d,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(lab.read("k1.der"), lab.read("ref1.der"));
    let o = atcert(
        &["convert", "enc.pem", "--to", "pkcs1", "--password", PASS],
        d,
    );
    assert!(o.status.success());
    assert_eq!(o.stdout, lab.read("ref1.pem"));
    // CR line endings for iChip.
    let o = atcert(
        &[
            "convert",
            "enc.pem",
            "--to",
            "pkcs1",
            "--password",
            PASS,
            "--line-ending",
            "cr",
        ],
        d,
    );
    assert_eq!(
        o.stdout,
        String::from_utf8(lab.read("ref1.pem"))
            .unwrap()
            .replace('\n', "\r")
            .into_bytes()
    );
    // Wrong passphrase: non-zero exit and a message that says so.
    let o = atcert(
        &["convert", "enc.pem", "--to", "pkcs1", "--password", "wrong"],
        d,
    );
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("wrong passphrase"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = atcert(&["convert", "enc.pem", "--to", "pkcs1"], d);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("enter its passphrase"));
    // EC key to PKCS#1 is refused with a reason.
    lab.ssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        "@ec.pem",
    ]);
    let o = atcert(&["convert", "ec.pem", "--to", "pkcs1"], d);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("RSA keys only"));
}

#[test]
fn cli_inspect_json_fields() {
    let lab = Lab::new();
    let d = lab.dir.path();
    lab.ssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        "@k.pem",
    ]);
    // OpenSSL 3.0 cannot set explicit dates on the command line: make a 400-day certificate
    // and derive `now` from the dates openssl reports.
    lab.ssl(&[
        "req",
        "-x509",
        "-new",
        "-key",
        "@k.pem",
        "-subj",
        "/CN=json test/O=Acme",
        "-set_serial",
        "0x0a0b",
        "-days",
        "400",
        "-out",
        "@c.pem",
    ]);
    let dates = Command::new("openssl")
        .args(["x509", "-noout", "-enddate", "-dateopt", "iso_8601", "-in"])
        .arg(lab.p("c.pem"))
        .output()
        .unwrap();
    // e.g. "notAfter=2027-12-27 11:20:08Z"
    let end = String::from_utf8(dates.stdout)
        .unwrap()
        .trim()
        .trim_start_matches("notAfter=")
        .replace(' ', "T");
    let o = atcert(&["inspect", "c.pem", "--json"], d);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["items"][0]["not_after"], end.as_str());
    let not_after = v["items"][0]["not_after_unix"].as_i64().unwrap();
    let now = (not_after - 31 * 86_400 - 5).to_string();
    let o = atcert(&["inspect", "c.pem", "k.pem", "--json", "--now", &now], d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let c = &v["items"][0];
    assert_eq!(c["kind"], "certificate");
    assert_eq!(c["subject"], "O=Acme,CN=json test");
    assert_eq!(c["serial"], "0a0b");
    assert_eq!(
        c["not_after_unix"].as_i64().unwrap() - c["not_before_unix"].as_i64().unwrap(),
        400 * 86_400
    );
    assert_eq!(c["validity"]["text"], "expires in 31 days");
    assert_eq!(c["key_algorithm"], "EC");
    assert_eq!(c["curve"], "P-256");
    assert_eq!(c["self_signed"], true);
    assert_eq!(c["is_ca"], true);
    assert_eq!(c["ski_computed"], false);
    assert_eq!(c["sha256"].as_str().unwrap().len(), 64);
    let k = &v["items"][1];
    assert_eq!(k["kind"], "private_key");
    assert_eq!(k["encoding"], "pkcs8");
    assert_eq!(k["curve"], "P-256");
    assert_eq!(v["key_matches"][0], serde_json::json!([1, 0]));
    let later = (not_after + 2 * 86_400 + 1).to_string();
    let o = atcert(&["inspect", "c.pem", "--json", "--now", &later], d);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["items"][0]["validity"]["text"], "expired 2 days ago");
}

#[test]
fn pkcs12_empty_password_and_no_mac() {
    let lab = Lab::new();
    lab.ssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        "@k.pem",
    ]);
    lab.ssl(&[
        "req", "-x509", "-new", "-key", "@k.pem", "-subj", "/CN=p12", "-days", "5", "-out",
        "@c.pem",
    ]);
    // Consoles that export "without password" write an empty one: no passphrase needed.
    lab.ssl(&[
        "pkcs12",
        "-export",
        "-in",
        "@c.pem",
        "-inkey",
        "@k.pem",
        "-passout",
        "pass:",
        "-out",
        "@empty.p12",
    ]);
    let out = cert::parse(&lab.read("empty.p12"), None);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.items.len(), 2);
    // No MAC (-nomac): the passphrase is still needed for the key, and said so.
    lab.ssl(&[
        "pkcs12",
        "-export",
        "-nomac",
        "-in",
        "@c.pem",
        "-inkey",
        "@k.pem",
        "-passout",
        &format!("pass:{PASS}"),
        "-out",
        "@nomac.p12",
    ]);
    let out = cert::parse(&lab.read("nomac.p12"), None);
    assert!(
        out.problems
            .iter()
            .any(|p| matches!(p.error, ParseError::NeedsPassphrase { .. })),
        "{:?}",
        out.problems
    );
    let out = cert::parse(&lab.read("nomac.p12"), Some(PASS));
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.private_keys().count(), 1);
}

#[test]
fn cli_split_bundle_to_der_files() {
    let lab = Lab::new();
    let d = lab.dir.path();
    lab.ssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "@a.key",
        "-subj",
        "/CN=a",
        "-days",
        "2",
        "-out",
        "@a.pem",
    ]);
    lab.ssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "@b.key",
        "-subj",
        "/CN=b",
        "-days",
        "2",
        "-out",
        "@b.pem",
    ]);
    lab.ssl(&["x509", "-in", "@a.pem", "-outform", "DER", "-out", "@a.der"]);
    lab.ssl(&["x509", "-in", "@b.pem", "-outform", "DER", "-out", "@b.der"]);
    let mut bundle = lab.read("a.pem");
    bundle.extend(lab.read("b.pem"));
    std::fs::write(lab.p("bundle.pem"), bundle).unwrap();
    let o = atcert(
        &["convert", "bundle.pem", "--to", "der", "--out", "split"],
        d,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(d.join("split/bundle-1-cert.der")).unwrap(),
        lab.read("a.der")
    );
    assert_eq!(
        std::fs::read(d.join("split/bundle-2-cert.der")).unwrap(),
        lab.read("b.der")
    );
    // Several outputs and no --out: refused with the reason, nothing half-written to stdout.
    let o = atcert(&["convert", "bundle.pem", "--to", "der"], d);
    assert!(!o.status.success());
    assert!(o.stdout.is_empty());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--out DIR"));
    // Garbage input: non-zero exit and the located message.
    std::fs::write(lab.p("junk.bin"), [0x13u8, 0x37, 0x00, 0xff]).unwrap();
    let o = atcert(&["inspect", "junk.bin"], d);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("junk.bin: byte 0: not a certificate or key")
    );
}
