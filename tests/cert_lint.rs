//! The credential lint against real OpenSSL-made inputs: each module's rejections are
//! flagged, and the fixed bytes are what OpenSSL reads as the intended form.
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use atcert::cert::lint::{
    Destination, Encoding, FindingKind, LintContext, LintReport, Role, Severity, guess_role, lint,
};
use atcert::modules::Family;
use atcert::modules::rules::rules;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

struct Lab {
    dir: tempfile::TempDir,
}

impl Lab {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn openssl(&self, args: &[&str]) -> String {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("openssl is installed");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "openssl {args:?}: {text}");
        text
    }
    fn try_openssl(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    }
    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }
    fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.path(name), bytes).unwrap();
    }
    fn rsa_key(&self, name: &str, bits: u32) {
        self.openssl(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            &format!("rsa_keygen_bits:{bits}"),
            "-out",
            name,
        ]);
    }
    fn ec_key(&self, name: &str, curve: &str) {
        self.openssl(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            &format!("ec_paramgen_curve:{curve}"),
            "-out",
            name,
        ]);
    }
    /// A self-signed CA certificate (with SKI, as `req -x509` adds it).
    fn root(&self, key: &str, cn: &str, out: &str, days: u32) {
        self.openssl(&[
            "req",
            "-x509",
            "-new",
            "-key",
            key,
            "-subj",
            &format!("/CN={cn}"),
            "-days",
            &days.to_string(),
            "-out",
            out,
        ]);
    }
    /// A leaf signed by `ca`.
    fn leaf(&self, key: &str, cn: &str, ca: &str, ca_key: &str, out: &str) {
        let csr = format!("{out}.csr");
        self.openssl(&[
            "req",
            "-new",
            "-key",
            key,
            "-subj",
            &format!("/CN={cn}"),
            "-out",
            &csr,
        ]);
        self.write(
            "leaf.ext",
            b"basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
        );
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            ca,
            "-CAkey",
            ca_key,
            "-CAcreateserial",
            "-days",
            "30",
            "-extfile",
            "leaf.ext",
            "-out",
            out,
        ]);
    }
    /// Fingerprint of a certificate file, as OpenSSL reads it.
    fn fingerprint(&self, file: &str, form: &str) -> String {
        self.openssl(&[
            "x509",
            "-inform",
            form,
            "-in",
            file,
            "-noout",
            "-fingerprint",
            "-sha256",
        ])
    }
}

fn ctx() -> LintContext<'static> {
    LintContext {
        now: Some(now()),
        ..LintContext::default()
    }
}

fn run(family: Family, role: Role, input: &[u8]) -> LintReport {
    let report = checked(lint(&rules(family), role, input, &ctx()));
    // What atcert sends needs no further fixing: linting it again changes nothing.
    if let Some(out) = &report.output {
        let again = lint(&rules(family), role, &out.bytes, &ctx());
        assert_eq!(again.output.as_ref().map(|o| &o.bytes), Some(&out.bytes));
        assert!(
            again.findings.iter().all(|f| f.fix.is_none()),
            "{family:?} {role:?}: {:#?}",
            again.findings
        );
    }
    report
}

/// Every problem comes with either the fix atcert made or what the user must do.
fn checked(report: LintReport) -> LintReport {
    for f in &report.findings {
        assert!(
            f.severity == Severity::Info || f.fix.is_some() || f.user_action.is_some(),
            "{f:?}"
        );
        assert!(!f.why.is_empty() && !f.module_would.is_empty(), "{f:?}");
        // Severity says what the user must act on: what atcert fixed is never an error.
        assert!(f.fix.is_none() || f.severity != Severity::Error, "{f:?}");
        // In plain words: what the module would do, and what atcert did or what is left.
        let plain = f.in_plain_words();
        assert!(plain.contains(&f.module_would), "{plain}");
        if let Some(fix) = &f.fix {
            assert!(plain.contains(fix.as_str()), "{plain}");
        } else if let Some(action) = &f.user_action {
            assert!(plain.contains(action.as_str()), "{plain}");
        }
        // The sources are data, and the text cites the same ones.
        for cited in &f.sources {
            assert!(f.why.contains(cited.source), "{f:?}");
        }
    }
    report
}

fn out(report: &LintReport) -> &[u8] {
    &report.output.as_ref().expect("an output").bytes
}

fn severity(report: &LintReport, check: FindingKind) -> Severity {
    report
        .finding(check)
        .unwrap_or_else(|| panic!("no {check:?} in {:#?}", report.findings))
        .severity
}

#[test]
fn telit_legacy_rejects_crlf_pem_and_gets_lf_only() {
    let lab = Lab::new();
    lab.rsa_key("ca.key", 2048);
    lab.root("ca.key", "Telit Root", "ca.pem", 365);
    let crlf = String::from_utf8(lab.read("ca.pem"))
        .unwrap()
        .replace('\n', "\r\n");
    let report = run(Family::TelitLegacy, Role::Ca, crlf.as_bytes());
    let f = report.finding(FindingKind::LineEndings).unwrap();
    // Fixed by atcert: a warning, not an error (the user has nothing to act on).
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.why.contains("<LF>"), "cites the guide: {}", f.why);
    assert!(f.fix.is_some());
    assert!(report.is_ok(), "{:#?}", report.findings);
    let bytes = out(&report);
    assert!(!bytes.contains(&b'\r'));
    assert!(bytes.ends_with(b"-----END CERTIFICATE-----\n"));
    assert_eq!(
        report.output.as_ref().unwrap().destination,
        Destination::Slot {
            ssid: 1,
            data_type: 1
        }
    );
    lab.write("fixed.pem", bytes);
    assert_eq!(
        lab.fingerprint("fixed.pem", "PEM"),
        lab.fingerprint("ca.pem", "PEM")
    );

    // The LE910 takes CRLF: nothing to flag there.
    let report = run(Family::TelitLe910, Role::Ca, crlf.as_bytes());
    assert!(
        !report.has(FindingKind::LineEndings),
        "{:#?}",
        report.findings
    );

    // A missing final LF is added for the legacy module.
    let pem = String::from_utf8(lab.read("ca.pem")).unwrap();
    let report = run(Family::TelitLegacy, Role::Ca, pem.trim_end().as_bytes());
    assert!(report.has(FindingKind::TrailingNewline));
    assert!(out(&report).ends_with(b"-----\n"));
}

#[test]
fn ichip_rejects_an_ec_key_and_converts_pkcs8_rsa_to_pkcs1_with_cr_lines() {
    let lab = Lab::new();
    lab.ec_key("ec.key", "P-256");
    let ec = lab.read("ec.key");
    assert!(ec.starts_with(b"-----BEGIN PRIVATE KEY-----"));
    let report = run(Family::Ichip, Role::ClientKey, &ec);
    let f = report.finding(FindingKind::KeyType).unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert!(f.fix.is_none());
    assert!(f.why.contains("RSA only"), "{}", f.why);
    assert!(f.user_action.as_deref().unwrap().contains("RSA 2048"));
    assert!(!report.is_ok());

    lab.rsa_key("rsa.key", 2048);
    let report = run(Family::Ichip, Role::ClientKey, &lab.read("rsa.key"));
    // Fixed by atcert: a warning, not an error.
    assert_eq!(
        severity(&report, FindingKind::KeyEncoding),
        Severity::Warning
    );
    assert!(report.is_ok(), "{:#?}", report.findings);
    let bytes = out(&report);
    assert!(bytes.starts_with(b"-----BEGIN RSA PRIVATE KEY-----\r"));
    assert!(!bytes.contains(&b'\n'));
    assert!(bytes.ends_with(b"-----END RSA PRIVATE KEY-----\r"));
    assert_eq!(report.output.as_ref().unwrap().destination, "+iPKEY");
    lab.write(
        "fixed.key",
        &bytes
            .iter()
            .map(|b| if *b == b'\r' { b'\n' } else { *b })
            .collect::<Vec<_>>(),
    );
    let check = lab.openssl(&["rsa", "-in", "fixed.key", "-check", "-noout"]);
    assert!(check.contains("RSA key ok"));
    assert_eq!(
        lab.openssl(&["rsa", "-in", "fixed.key", "-noout", "-modulus"]),
        lab.openssl(&["rsa", "-in", "rsa.key", "-noout", "-modulus"])
    );

    // SEC1 EC key to a module that takes EC: SPWF04 keeps it, as DER.
    lab.openssl(&["ec", "-in", "ec.key", "-out", "sec1.key"]);
    assert!(
        lab.read("sec1.key")
            .starts_with(b"-----BEGIN EC PRIVATE KEY-----")
    );
    let report = run(Family::Spwf04, Role::ClientKey, &lab.read("sec1.key"));
    assert!(report.is_ok(), "{:#?}", report.findings);
    lab.write("fixed.der", out(&report));
    lab.openssl(&[
        "ec",
        "-inform",
        "DER",
        "-in",
        "fixed.der",
        "-check",
        "-noout",
    ]);

    // PKCS#8 EC to Telit LE910 (PKCS#1/SEC1 assumed): converted to SEC1 with the curve named.
    let report = run(Family::TelitLe910, Role::ClientKey, &ec);
    assert_eq!(
        severity(&report, FindingKind::KeyEncoding),
        Severity::Warning
    );
    assert!(out(&report).starts_with(b"-----BEGIN EC PRIVATE KEY-----\n"));
    lab.write("le910.key", out(&report));
    let text = lab.openssl(&["ec", "-in", "le910.key", "-noout", "-text"]);
    assert!(
        text.contains("prime256v1") || text.contains("P-256"),
        "{text}"
    );
}

#[test]
fn spwf04_names_a_ca_without_ski_after_the_computed_identifier() {
    let lab = Lab::new();
    lab.rsa_key("k.pem", 2048);
    lab.openssl(&[
        "req",
        "-new",
        "-key",
        "k.pem",
        "-subj",
        "/CN=self signed",
        "-out",
        "r.csr",
    ]);
    // `x509 -req` without extensions makes a v1 certificate: no SKI.
    lab.openssl(&[
        "x509",
        "-req",
        "-in",
        "r.csr",
        "-signkey",
        "k.pem",
        "-days",
        "30",
        "-out",
        "noski.pem",
    ]);
    let (_, text) = lab.try_openssl(&["x509", "-in", "noski.pem", "-noout", "-text"]);
    assert!(!text.contains("Subject Key Identifier"), "{text}");
    // The same key in a certificate that has one, for OpenSSL's answer.
    lab.write("e.cnf", b"[e]\nsubjectKeyIdentifier=hash\n");
    lab.openssl(&[
        "x509",
        "-req",
        "-in",
        "r.csr",
        "-signkey",
        "k.pem",
        "-days",
        "30",
        "-extfile",
        "e.cnf",
        "-extensions",
        "e",
        "-out",
        "ski.pem",
    ]);
    let ski = lab.openssl(&[
        "x509",
        "-in",
        "ski.pem",
        "-noout",
        "-ext",
        "subjectKeyIdentifier",
    ]);
    let hex = ski
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .replace(':', "")
        .to_lowercase();
    assert_eq!(hex.len(), 40);

    let report = run(Family::Spwf04, Role::Ca, &lab.read("noski.pem"));
    assert!(report.is_ok(), "{:#?}", report.findings);
    assert!(report.has(FindingKind::SkiComputed));
    let output = report.output.as_ref().unwrap();
    assert_eq!(output.destination, format!("/{hex}.ca"));
    assert_eq!(output.encoding, Encoding::Der);
    // PEM given, DER needed: converted (so a warning, not an error), and OpenSSL reads the
    // DER as the same certificate.
    assert_eq!(severity(&report, FindingKind::Encoding), Severity::Warning);
    lab.write("fixed.der", &output.bytes);
    assert_eq!(
        lab.fingerprint("fixed.der", "DER"),
        lab.fingerprint("noski.pem", "PEM")
    );

    // With the extension present the name comes from it, and no computation is reported.
    let report = run(Family::Spwf04, Role::Ca, &lab.read("ski.pem"));
    assert_eq!(
        report.output.as_ref().unwrap().destination,
        format!("/{hex}.ca")
    );
    assert!(!report.has(FindingKind::SkiComputed));
    // The SPWF04 checks dates: the lint says to set the clock.
    assert!(report.has(FindingKind::ClockMustBeSet));
}

#[test]
fn oversize_credentials_are_flagged_per_module_limit() {
    let lab = Lab::new();
    // An RSA 4096 root: its PEM is about 1.9 KB; with a few extensions it passes 2047.
    lab.rsa_key("big.key", 4096);
    lab.openssl(&[
        "req",
        "-x509",
        "-new",
        "-key",
        "big.key",
        "-subj",
        "/C=DE/O=Oversize Roots Incorporated/OU=Certification Authorities/CN=Oversize Root CA 2048 bytes and more",
        "-days",
        "365",
        "-addext",
        "nameConstraints=permitted;DNS:example.com,permitted;DNS:example.org,permitted;DNS:example.net",
        "-addext",
        "certificatePolicies=1.2.3.4,1.2.3.5",
        "-out",
        "big.pem",
    ]);
    let big = lab.read("big.pem");
    assert!(big.len() > 2047, "{} bytes", big.len());
    let report = run(Family::TelitLegacy, Role::Ca, &big);
    let f = report.finding(FindingKind::Size).unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert!(f.fix.is_none() && f.why.contains("2047"));
    assert!(!report.is_ok());
    // RSA 4096 is also above what the legacy module is believed to take: a warning only.
    assert_eq!(severity(&report, FindingKind::KeySize), Severity::Warning);
    // iChip: 1300 characters, and 4096-bit keys are confirmed out.
    let report = run(Family::Ichip, Role::Ca, &big);
    assert_eq!(severity(&report, FindingKind::Size), Severity::Error);
    assert_eq!(severity(&report, FindingKind::KeySize), Severity::Error);

    // The system bundle as a SIM7600 CA file: far above 10240 bytes ([I] there: a warning).
    let bundle = std::fs::read("/etc/ssl/certs/ca-certificates.crt").unwrap();
    let report = run(Family::Sim7600, Role::Ca, &bundle);
    let f = report.finding(FindingKind::Size).unwrap();
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.why.contains("10240"));
    // As a Telit CA the bundle is cut to one root; a size finding exactly when that root
    // is still over the 2047-byte limit.
    let report = run(Family::TelitLegacy, Role::Ca, &bundle);
    assert!(report.has(FindingKind::ChainTrimmed));
    assert_eq!(out(&report).len() > 2047, report.has(FindingKind::Size));
    let pem_count = out(&report)
        .windows(11)
        .filter(|w| w == b"-----BEGIN ")
        .count();
    assert_eq!(pem_count, 1);
}

#[test]
fn expired_and_clock_findings_follow_the_modules_clock_rule() {
    let lab = Lab::new();
    lab.rsa_key("ca.key", 2048);
    lab.root("ca.key", "Short Lived Root", "ca.pem", 1);
    let pem = lab.read("ca.pem");
    let later = LintContext {
        now: Some(now() + 10 * 86_400),
        ..LintContext::default()
    };
    // SPWF04 always checks dates [C]: error.
    let report = checked(lint(&rules(Family::Spwf04), Role::Ca, &pem, &later));
    assert_eq!(severity(&report, FindingKind::Expired), Severity::Error);
    assert!(!report.is_ok());
    // SIM7600 checks only with ignorelocaltime=0: a warning.
    let report = checked(lint(&rules(Family::Sim7600), Role::Ca, &pem, &later));
    assert_eq!(severity(&report, FindingKind::Expired), Severity::Warning);
    assert!(report.is_ok());
    // OpenSSL agrees it will have expired.
    let (ok, _) = lab.try_openssl(&["x509", "-in", "ca.pem", "-noout", "-checkend", "864000"]);
    assert!(!ok);

    // A module clock never set (1980) makes a valid certificate "not yet valid" there.
    let unset = LintContext {
        now: Some(now()),
        module_clock: Some(315_532_800),
        ..LintContext::default()
    };
    let report = checked(lint(&rules(Family::Spwf04), Role::Ca, &pem, &unset));
    assert!(!report.has(FindingKind::Expired));
    let f = report.finding(FindingKind::ModuleClock).unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert!(f.module_would.contains("1980"), "{}", f.module_would);
    assert!(f.user_action.as_deref().unwrap().contains("clock"));
    // A client certificate is checked by the server: expired is an error on every module,
    // and the module's own clock does not matter for it.
    lab.rsa_key("dev.key", 2048);
    lab.leaf("dev.key", "device-9", "ca.pem", "ca.key", "dev.pem");
    let report = checked(lint(
        &rules(Family::Sim7600),
        Role::ClientCert,
        &lab.read("dev.pem"),
        &LintContext {
            now: Some(now() + 40 * 86_400),
            module_clock: Some(315_532_800),
            ..LintContext::default()
        },
    ));
    let f = report.finding(FindingKind::Expired).unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert!(f.module_would.contains("server"), "{}", f.module_would);
    assert!(!report.has(FindingKind::ModuleClock));
    // A correct module clock: no finding.
    let set = LintContext {
        now: Some(now()),
        module_clock: Some(now()),
        ..LintContext::default()
    };
    let report = checked(lint(&rules(Family::Spwf04), Role::Ca, &pem, &set));
    assert!(!report.has(FindingKind::ModuleClock) && !report.has(FindingKind::ClockMustBeSet));
}

#[test]
fn a_leaf_where_the_root_is_needed_is_flagged_and_a_chain_is_cut_to_its_root() {
    let lab = Lab::new();
    lab.rsa_key("ca.key", 2048);
    lab.root("ca.key", "Chain Root", "ca.pem", 365);
    lab.rsa_key("leaf.key", 2048);
    lab.leaf("leaf.key", "device-42", "ca.pem", "ca.key", "leaf.pem");

    let report = run(Family::TelitLegacy, Role::Ca, &lab.read("leaf.pem"));
    let f = report.finding(FindingKind::NotCa).unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert!(f.fix.is_none());
    assert!(f.why.contains("RootCACert"), "{}", f.why);
    assert!(f.user_action.as_deref().unwrap().contains("Chain Root"));
    assert!(!report.is_ok());

    // Leaf + root, as servers send them: the root is kept.
    let mut chain = lab.read("leaf.pem");
    chain.extend(lab.read("ca.pem"));
    lab.write("chain.pem", &chain);
    for family in [Family::TelitLegacy, Family::Spwf04, Family::Ichip] {
        let report = run(family, Role::Ca, &chain);
        assert!(report.has(FindingKind::ChainTrimmed), "{family:?}");
        assert!(!report.has(FindingKind::NotCa), "{family:?}");
        let o = report.output.as_ref().unwrap();
        let (file, form) = if o.encoding == Encoding::Der {
            ("kept.der", "DER")
        } else {
            ("kept.pem", "PEM")
        };
        let bytes: Vec<u8> = if o.encoding == Encoding::Der {
            o.bytes.clone()
        } else {
            o.bytes
                .iter()
                .map(|b| if *b == b'\r' { b'\n' } else { *b })
                .collect()
        };
        lab.write(file, &bytes);
        assert_eq!(
            lab.fingerprint(file, form),
            lab.fingerprint("ca.pem", "PEM"),
            "{family:?}"
        );
    }
    // As a client certificate the same chain is cut to the leaf.
    let report = run(Family::TelitLegacy, Role::ClientCert, &chain);
    assert!(report.has(FindingKind::ChainTrimmed));
    lab.write("client.pem", out(&report));
    assert_eq!(
        lab.fingerprint("client.pem", "PEM"),
        lab.fingerprint("leaf.pem", "PEM")
    );

    // A server certificate given as the client's: its EKU is flagged.
    lab.write(
        "srv.ext",
        b"basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    );
    lab.openssl(&[
        "req",
        "-new",
        "-key",
        "leaf.key",
        "-subj",
        "/CN=server",
        "-out",
        "srv.csr",
    ]);
    lab.openssl(&[
        "x509",
        "-req",
        "-in",
        "srv.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "30",
        "-extfile",
        "srv.ext",
        "-out",
        "srv.pem",
    ]);
    let report = run(Family::Sim7600, Role::ClientCert, &lab.read("srv.pem"));
    assert_eq!(
        severity(&report, FindingKind::ClientAuthUsage),
        Severity::Warning
    );
    let report = run(Family::Sim7600, Role::ClientCert, &lab.read("leaf.pem"));
    assert!(!report.has(FindingKind::ClientAuthUsage));

    // A file holding certificate and key: the key role keeps only the key.
    let mut both = lab.read("leaf.pem");
    both.extend(lab.read("leaf.key"));
    let report = run(Family::TelitLe910, Role::ClientKey, &both);
    assert!(report.has(FindingKind::WrongContent));
    assert!(out(&report).starts_with(b"-----BEGIN RSA PRIVATE KEY-----"));
    assert!(!out(&report).windows(11).any(|w| w == b"CERTIFICATE"));
    let report = run(Family::TelitLe910, Role::ClientCert, &both);
    assert_eq!(
        severity(&report, FindingKind::WrongContent),
        Severity::Warning
    );
    assert_eq!(guess_role(&both), Some(Role::ClientKey));

    // Roles guessed from content.
    assert_eq!(guess_role(&lab.read("ca.pem")), Some(Role::Ca));
    assert_eq!(guess_role(&lab.read("leaf.pem")), Some(Role::ClientCert));
    assert_eq!(guess_role(&chain), Some(Role::ClientCert));
    assert_eq!(guess_role(&lab.read("leaf.key")), Some(Role::ClientKey));
    assert_eq!(guess_role(b"not a credential"), None);
}

#[test]
fn encrypted_keys_are_decrypted_with_the_password_or_explained() {
    let lab = Lab::new();
    lab.openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-aes-256-cbc",
        "-pass",
        "pass:s3cret",
        "-out",
        "enc.key",
    ]);
    let enc = lab.read("enc.key");
    assert!(enc.starts_with(b"-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    let report = run(Family::TelitLegacy, Role::ClientKey, &enc);
    let f = report.finding(FindingKind::Encrypted).unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert!(report.output.is_none());

    let with = LintContext {
        now: Some(now()),
        password: Some(b"s3cret"),
        ..LintContext::default()
    };
    let report = checked(lint(
        &rules(Family::TelitLegacy),
        Role::ClientKey,
        &enc,
        &with,
    ));
    assert!(report.is_ok(), "{:#?}", report.findings);
    assert!(out(&report).starts_with(b"-----BEGIN RSA PRIVATE KEY-----\n"));
    lab.write("plain.key", out(&report));
    assert_eq!(
        lab.openssl(&["rsa", "-in", "plain.key", "-noout", "-modulus"]),
        lab.openssl(&[
            "rsa",
            "-in",
            "enc.key",
            "-passin",
            "pass:s3cret",
            "-noout",
            "-modulus"
        ])
    );

    let wrong = LintContext {
        password: Some(b"nope"),
        ..LintContext::default()
    };
    let report = checked(lint(
        &rules(Family::TelitLegacy),
        Role::ClientKey,
        &enc,
        &wrong,
    ));
    assert!(
        report
            .finding(FindingKind::Encrypted)
            .unwrap()
            .module_would
            .contains("could not decrypt")
    );

    // OpenSSL's traditional encryption: explained, with the command to decrypt it.
    lab.openssl(&[
        "genrsa",
        "-traditional",
        "-aes128",
        "-passout",
        "pass:x",
        "-out",
        "trad.key",
        "2048",
    ]);
    let report = run(Family::TelitLegacy, Role::ClientKey, &lab.read("trad.key"));
    let f = report.finding(FindingKind::Encrypted).unwrap();
    assert!(f.user_action.as_deref().unwrap().contains("openssl pkey"));
}

#[test]
fn sim800_and_sim7600_get_the_encoding_and_name_they_need() {
    let lab = Lab::new();
    lab.ec_key("ec.key", "P-256");
    lab.rsa_key("rsa.key", 2048);
    lab.root("rsa.key", "RSA Root", "rsa.pem", 365);
    lab.root("ec.key", "EC Root", "ec.pem", 365);

    // SIM800: DER to C:\USER\ROOT.CER; EC is not believed to work (warning).
    let report = run(Family::Sim800, Role::Ca, &lab.read("rsa.pem"));
    let o = report.output.as_ref().unwrap();
    assert_eq!(o.destination, "C:\\USER\\ROOT.CER");
    assert_eq!(o.encoding, Encoding::Der);
    lab.write("root.cer", &o.bytes);
    assert_eq!(
        lab.fingerprint("root.cer", "DER"),
        lab.fingerprint("rsa.pem", "PEM")
    );
    let report = run(Family::Sim800, Role::Ca, &lab.read("ec.pem"));
    assert_eq!(severity(&report, FindingKind::KeyType), Severity::Warning);
    // SIM800 client credentials: firmware-dependent mutual TLS.
    let report = run(Family::Sim800, Role::ClientKey, &lab.read("rsa.key"));
    assert_eq!(severity(&report, FindingKind::MutualTls), Severity::Warning);

    // SIM7600: DER given, PEM sent, the name's extension follows the encoding.
    lab.openssl(&["x509", "-in", "ec.pem", "-outform", "DER", "-out", "ec.der"]);
    let report = run(Family::Sim7600, Role::Ca, &lab.read("ec.der"));
    assert!(report.is_ok(), "{:#?}", report.findings);
    assert_eq!(severity(&report, FindingKind::Encoding), Severity::Info);
    assert_eq!(report.output.as_ref().unwrap().destination, "ca_cert.pem");
    lab.write("ca_cert.pem", out(&report));
    assert_eq!(
        lab.fingerprint("ca_cert.pem", "PEM"),
        lab.fingerprint("ec.pem", "PEM")
    );
    // SIM7600 takes the PKCS#8 EC key as it is.
    let report = run(Family::Sim7600, Role::ClientKey, &lab.read("ec.key"));
    assert!(
        report.is_ok() && !report.has(FindingKind::KeyEncoding),
        "{:#?}",
        report.findings
    );
    assert_eq!(
        report.output.as_ref().unwrap().destination,
        "client_key.pem"
    );
    // P-384 is reported failing on SIMCom LTE modules.
    lab.ec_key("p384.key", "P-384");
    let report = run(Family::Sim7600, Role::ClientKey, &lab.read("p384.key"));
    assert_eq!(severity(&report, FindingKind::KeyType), Severity::Error);
}

#[test]
fn text_around_pem_and_odd_wrapping_are_cleaned() {
    let lab = Lab::new();
    lab.rsa_key("k.pem", 2048);
    lab.root("k.pem", "Texty Root", "ca.pem", 365);
    // `openssl x509 -text` puts the human-readable dump before the PEM.
    let text = lab.openssl(&["x509", "-in", "ca.pem", "-text"]);
    let mut input = text.into_bytes();
    input.push(0); // a C string's NUL
    let report = run(Family::TelitLegacy, Role::Ca, &input);
    assert!(report.has(FindingKind::TextAround));
    assert!(report.has(FindingKind::TrailingGarbage));
    assert!(report.is_ok());
    assert!(out(&report).starts_with(b"-----BEGIN CERTIFICATE-----\n"));
    // Re-wrapped at 76 (e.g. by a mail client): re-wrapped at 64.
    let pem = String::from_utf8(lab.read("ca.pem")).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let wrapped: Vec<String> = body
        .as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    let odd = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        wrapped.join("\n")
    );
    let report = run(Family::TelitLegacy, Role::Ca, odd.as_bytes());
    assert!(report.has(FindingKind::LineWidth));
    assert_eq!(out(&report), pem.as_bytes());
}

#[test]
fn broken_input_never_panics_and_says_what_is_wrong() {
    let lab = Lab::new();
    lab.rsa_key("k.pem", 2048);
    lab.root("k.pem", "Cut Root", "ca.pem", 365);
    let pem = lab.read("ca.pem");
    for family in Family::ALL {
        for role in Role::ALL {
            for cut in (0..pem.len()).step_by(97) {
                let report = run(family, role, &pem[..cut]);
                if cut < pem.len() - 30 {
                    assert!(!report.is_ok(), "{family:?} {role:?} cut at {cut}");
                }
            }
            let mut noisy = pem.clone();
            for (i, b) in noisy.iter_mut().enumerate().skip(40).step_by(53) {
                *b ^= (i as u8) | 1;
            }
            let _ = run(family, role, &noisy);
            let report = run(family, role, b"\x30\x82\x01");
            assert!(report.has(FindingKind::Unreadable));
        }
    }
}

#[test]
fn cli_lint_prints_findings_and_writes_the_fixed_bytes() {
    let lab = Lab::new();
    lab.rsa_key("ca.key", 2048);
    lab.root("ca.key", "CLI Root", "ca.pem", 365);
    let crlf = String::from_utf8(lab.read("ca.pem"))
        .unwrap()
        .replace('\n', "\r\n");
    lab.write("crlf.pem", crlf.as_bytes());
    lab.ec_key("ec.key", "P-256");
    let outdir = lab.path("out");
    let run_cli = |args: &[&Path]| {
        let out = Command::new(env!("CARGO_BIN_EXE_atcert"))
            .arg("lint")
            .args(["--module", "GL865-QUAD", "--out"])
            .arg(&outdir)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, text) = run_cli(&[&lab.path("crlf.pem")]);
    assert!(ok, "{text}");
    assert!(
        text.contains("CA certificate") && text.contains("LF"),
        "{text}"
    );
    assert!(text.contains("AT#SSLSECDATA=1,1,1"), "{text}");
    let written = std::fs::read(outdir.join("ca.pem")).unwrap();
    assert!(!written.contains(&b'\r'));
    // A file with the certificate and its key: both roles are linted and written.
    let mut both = lab.read("ca.pem");
    both.extend(lab.read("ca.key"));
    lab.write("both.pem", &both);
    let (ok, text) = run_cli(&[&lab.path("both.pem"), &lab.path("crlf.pem")]);
    assert!(ok, "{text}");
    assert!(
        text.contains("client private key") && text.contains("CA certificate"),
        "{text}"
    );
    let key = std::fs::read(outdir.join("client-key.pem")).unwrap();
    assert!(key.starts_with(b"-----BEGIN RSA PRIVATE KEY-----\n"));
    // The same slot twice: the second file keeps its own name.
    assert!(outdir.join("ca.pem").exists() && outdir.join("crlf-ca.pem").exists());
    // A client certificate with someone else's key: the pair is rejected.
    lab.rsa_key("dev.key", 2048);
    lab.leaf("dev.key", "device-7", "ca.pem", "ca.key", "dev.pem");
    let (ok, text) = run_cli(&[&lab.path("dev.pem"), &lab.path("dev.key")]);
    assert!(ok, "{text}");
    let (ok, text) = run_cli(&[&lab.path("dev.pem"), &lab.path("ca.key")]);
    assert!(!ok);
    assert!(
        text.contains("not the key of the client certificate"),
        "{text}"
    );
    // An EC key for an RSA-only module: rejected, non-zero exit.
    let (ok, text) = run_cli(&[&lab.path("ec.key")]);
    assert!(!ok);
    assert!(text.contains("RSA"), "{text}");
}

/// Every root of the system store, linted for iChip and SPWF04 and compared with what
/// OpenSSL says about the same certificate: key type and size, signature hash, SKI, expiry.
#[test]
fn system_roots_agree_with_openssl() {
    let bundle = std::fs::read("/etc/ssl/certs/ca-certificates.crt").unwrap();
    let parsed = atcert::cert::parse(&bundle, None);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let lab = Lab::new();
    let now = now();
    let mut compared = 0;
    for item in parsed.certificates() {
        let der = item.der.clone();
        lab.write("c.der", &der);
        // One call: the dump, and the exit status says whether it has expired.
        let (expires_ok, text) = lab.try_openssl(&[
            "x509",
            "-inform",
            "DER",
            "-in",
            "c.der",
            "-noout",
            "-text",
            "-checkend",
            "0",
        ]);
        let sig = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("Signature Algorithm: "))
            .unwrap()
            .to_owned();
        let rsa_bits = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("Public-Key: ("))
            .and_then(|l| l.split(' ').next())
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|_| text.contains("rsaEncryption"));

        let ichip = run(Family::Ichip, Role::Ca, &der);
        let old_hash = ["md2With", "md5With", "sha1With"]
            .iter()
            .any(|h| sig.starts_with(h));
        assert_eq!(ichip.has(FindingKind::SignatureHash), !old_hash, "{sig}");
        match rsa_bits {
            Some(bits) => {
                assert!(!ichip.has(FindingKind::KeyType), "{text}");
                assert_eq!(
                    ichip.has(FindingKind::KeySize),
                    !(1024..=2048).contains(&bits),
                    "{bits}"
                );
            }
            None => assert!(ichip.has(FindingKind::KeyType), "{text}"),
        }
        assert_eq!(ichip.has(FindingKind::Expired), !expires_ok && now > 0);

        let spwf = run(Family::Spwf04, Role::Ca, &der);
        let dest = &spwf.output.as_ref().unwrap().destination;
        if let Some(ski) = text
            .lines()
            .skip_while(|l| !l.contains("Subject Key Identifier"))
            .nth(1)
        {
            let hex = ski.trim().replace(':', "").to_lowercase();
            assert_eq!(dest, &format!("/{hex}.ca"));
        }
        compared += 1;
    }
    assert!(compared > 50, "only {compared} roots");
}

#[test]
fn a_set_needs_the_certificates_own_key() {
    let lab = Lab::new();
    lab.rsa_key("ca.key", 2048);
    lab.root("ca.key", "Set Root", "ca.pem", 365);
    lab.rsa_key("dev.key", 2048);
    lab.leaf("dev.key", "device-1", "ca.pem", "ca.key", "dev.pem");
    lab.rsa_key("other.key", 2048);
    lab.ec_key("ec.key", "P-256");
    lab.leaf("ec.key", "device-ec", "ca.pem", "ca.key", "ec.pem");
    lab.ec_key("ec2.key", "P-256");
    let (ca, dev, key, other) = (
        lab.read("ca.pem"),
        lab.read("dev.pem"),
        lab.read("dev.key"),
        lab.read("other.key"),
    );
    for family in Family::ALL {
        let r = rules(family);
        let set = atcert::cert::lint::lint_set(&r, Some(&ca), Some(&dev), Some(&key), &ctx());
        assert!(
            !set.findings
                .iter()
                .any(|f| f.kind == FindingKind::KeyMismatch),
            "{family:?}"
        );
        let set = atcert::cert::lint::lint_set(&r, Some(&ca), Some(&dev), Some(&other), &ctx());
        let f = set
            .findings
            .iter()
            .find(|f| f.kind == FindingKind::KeyMismatch)
            .unwrap();
        assert_eq!(f.severity, Severity::Error, "{family:?}");
        assert!(!set.is_ok());
        let set = atcert::cert::lint::lint_set(&r, Some(&ca), Some(&dev), None, &ctx());
        assert!(
            set.findings
                .iter()
                .any(|f| f.kind == FindingKind::Incomplete)
        );
        let set = atcert::cert::lint::lint_set(&r, Some(&ca), None, None, &ctx());
        assert!(set.findings.is_empty());
    }
    // EC pairs (SEC1 public key inside the key, or derived from the scalar).
    let r = rules(Family::Sim7600);
    let ec_cert = lab.read("ec.pem");
    let set =
        atcert::cert::lint::lint_set(&r, None, Some(&ec_cert), Some(&lab.read("ec.key")), &ctx());
    assert!(set.is_ok(), "{:#?}", set.findings);
    let set =
        atcert::cert::lint::lint_set(&r, None, Some(&ec_cert), Some(&lab.read("ec2.key")), &ctx());
    assert!(
        set.findings
            .iter()
            .any(|f| f.kind == FindingKind::KeyMismatch)
    );
    lab.openssl(&["ec", "-in", "ec.key", "-no_public", "-out", "nopub.key"]);
    let set = atcert::cert::lint::lint_set(
        &r,
        None,
        Some(&ec_cert),
        Some(&lab.read("nopub.key")),
        &ctx(),
    );
    assert!(set.is_ok(), "{:#?}", set.findings);
}

#[test]
fn unusual_algorithms_and_der_keys() {
    let lab = Lab::new();
    // RSA-PSS signature: not a hash the iChip lists; a warning where hashes are inferred.
    lab.rsa_key("k.pem", 2048);
    lab.openssl(&[
        "req",
        "-x509",
        "-new",
        "-key",
        "k.pem",
        "-subj",
        "/CN=PSS Root",
        "-days",
        "30",
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sha256",
        "-out",
        "pss.pem",
    ]);
    assert!(
        lab.openssl(&["x509", "-in", "pss.pem", "-noout", "-text"])
            .contains("rsassaPss")
    );
    let report = run(Family::Ichip, Role::Ca, &lab.read("pss.pem"));
    assert_eq!(
        severity(&report, FindingKind::SignatureHash),
        Severity::Error
    );
    let report = run(Family::Sim7600, Role::Ca, &lab.read("pss.pem"));
    assert_eq!(
        severity(&report, FindingKind::SignatureHash),
        Severity::Warning
    );

    // Ed25519: no module here takes it.
    lab.openssl(&["genpkey", "-algorithm", "ED25519", "-out", "ed.key"]);
    lab.openssl(&[
        "req",
        "-x509",
        "-new",
        "-key",
        "ed.key",
        "-subj",
        "/CN=Ed Root",
        "-days",
        "30",
        "-out",
        "ed.pem",
    ]);
    for family in Family::ALL {
        let report = run(family, Role::Ca, &lab.read("ed.pem"));
        assert!(report.has(FindingKind::KeyType), "{family:?}");
        let report = run(family, Role::ClientKey, &lab.read("ed.key"));
        assert!(report.has(FindingKind::KeyType), "{family:?}");
    }

    // A PKCS#1 DER key for a PEM-only module: converted to PEM, still PKCS#1.
    lab.openssl(&[
        "rsa",
        "-in",
        "k.pem",
        "-traditional",
        "-outform",
        "DER",
        "-out",
        "k1.der",
    ]);
    let report = run(Family::TelitLegacy, Role::ClientKey, &lab.read("k1.der"));
    assert_eq!(severity(&report, FindingKind::Encoding), Severity::Warning);
    assert!(!report.has(FindingKind::KeyEncoding));
    assert!(out(&report).starts_with(b"-----BEGIN RSA PRIVATE KEY-----\n"));
    lab.write("k1.pem", out(&report));
    assert_eq!(
        lab.openssl(&["rsa", "-in", "k1.pem", "-noout", "-modulus"]),
        lab.openssl(&["rsa", "-in", "k.pem", "-noout", "-modulus"])
    );
    // A PKCS#1 PEM key to SPWF04: DER, PKCS#1 kept (it is accepted there).
    lab.write("k1p.pem", out(&report));
    let report = run(Family::Spwf04, Role::ClientKey, &lab.read("k1p.pem"));
    assert_eq!(out(&report), lab.read("k1.der").as_slice());
}

/// A server's certificate, alone or as certbot's `fullchain.pem`, is not a client
/// certificate: the page lints it as the CA it is mistaken for, and the lint says which CA
/// to give instead.
#[test]
fn server_leaves_and_fullchains_are_not_guessed_as_client_certificates() {
    use atcert::cert::lint::{RoleGuess, guess};
    let lab = Lab::new();
    lab.rsa_key("root.key", 2048);
    lab.root("root.key", "Test Root", "root.pem", 365);
    // An intermediate, as public CAs issue server certificates from.
    lab.rsa_key("int.key", 2048);
    lab.write(
        "int.ext",
        b"basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
    );
    let issue = |key: &str, cn: &str, ca: &str, ca_key: &str, ext: &str, out: &str| {
        let csr = format!("{out}.csr");
        lab.openssl(&[
            "req",
            "-new",
            "-key",
            key,
            "-subj",
            &format!("/CN={cn}"),
            "-out",
            &csr,
        ]);
        lab.openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            ca,
            "-CAkey",
            ca_key,
            "-CAcreateserial",
            "-days",
            "30",
            "-extfile",
            ext,
            "-out",
            out,
        ]);
    };
    issue(
        "int.key",
        "Test Intermediate",
        "root.pem",
        "root.key",
        "int.ext",
        "int.pem",
    );
    lab.rsa_key("srv.key", 2048);
    // A server-only leaf.
    lab.write(
        "srv.ext",
        b"basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:mqtt.example.com\n",
    );
    issue(
        "srv.key",
        "mqtt.example.com",
        "int.pem",
        "int.key",
        "srv.ext",
        "srv.pem",
    );
    // Certbot's leaf as older public CAs issued it: server and client authentication.
    lab.write(
        "le.ext",
        b"basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:mqtt.example.com\n",
    );
    issue(
        "srv.key",
        "mqtt.example.com",
        "int.pem",
        "int.key",
        "le.ext",
        "le.pem",
    );
    // A device certificate with the same EKU but no host name, from the same CA.
    lab.write(
        "dev.ext",
        b"basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n",
    );
    issue(
        "srv.key",
        "device-0042",
        "int.pem",
        "int.key",
        "dev.ext",
        "dev.pem",
    );

    let cat = |files: &[&str]| files.iter().flat_map(|f| lab.read(f)).collect::<Vec<u8>>();
    let guessed = |bytes: &[u8]| guess(&atcert::cert::parse(bytes, None));

    assert_eq!(
        guessed(&lab.read("srv.pem")),
        vec![RoleGuess::ServerCertificate]
    );
    assert_eq!(
        guessed(&cat(&["le.pem", "int.pem"])),
        vec![RoleGuess::ServerCertificate],
        "certbot's fullchain.pem"
    );
    // The same leaf with its root is a client chain shape; alone it is ambiguous: a client.
    assert_eq!(
        guessed(&lab.read("le.pem")),
        vec![RoleGuess::Role(Role::ClientCert)]
    );
    assert_eq!(
        guessed(&cat(&["dev.pem", "int.pem"])),
        vec![RoleGuess::Role(Role::ClientCert)]
    );
    assert_eq!(
        guessed(&lab.read("int.pem")),
        vec![RoleGuess::Role(Role::Ca)]
    );
    assert_eq!(
        guessed(&cat(&["srv.key", "srv.pem"])),
        vec![
            RoleGuess::Role(Role::ClientKey),
            RoleGuess::ServerCertificate
        ]
    );

    // Linted as it will be used, the server certificate gets the CA advice, not a client's.
    let fullchain = cat(&["le.pem", "int.pem"]);
    assert_eq!(guess_role(&fullchain), Some(Role::Ca));
    let report = run(Family::Sim7600, Role::Ca, &lab.read("srv.pem"));
    let f = report
        .finding(FindingKind::NotCa)
        .expect("a server certificate is not a CA");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.user_action
            .as_deref()
            .unwrap()
            .contains("Test Intermediate"),
        "names the issuer to fetch the root of: {f:?}"
    );
    // The fullchain as a CA file: the server's certificate is left out, never sent.
    let report = run(Family::Sim7600, Role::Ca, &fullchain);
    assert!(
        report.has(FindingKind::ChainTrimmed),
        "{:#?}",
        report.findings
    );
    lab.write("sent.pem", out(&report));
    assert_eq!(
        lab.fingerprint("sent.pem", "PEM"),
        lab.fingerprint("int.pem", "PEM")
    );
}

/// What the page parsed at load goes to the module without another parse, and gives the
/// same bytes, names and findings as the bytes path.
#[test]
fn parsed_credentials_prepare_like_their_bytes() {
    use atcert::cert::lint::Parsed;
    use atcert::modules::prepare::{from_lint, from_parsed};
    let lab = Lab::new();
    lab.rsa_key("ca.key", 2048);
    lab.root("ca.key", "Parsed Root", "ca.pem", 365);
    lab.rsa_key("leaf.key", 2048);
    lab.leaf("leaf.key", "device", "ca.pem", "ca.key", "leaf.pem");
    let (ca, cert, key) = (
        lab.read("ca.pem"),
        lab.read("leaf.pem"),
        lab.read("leaf.key"),
    );
    let parsed: Vec<_> = [&ca, &cert, &key]
        .iter()
        .map(|b| atcert::cert::parse(b, None))
        .collect();
    let input = |i: usize| {
        Some(Parsed {
            bytes: [&ca, &cert, &key][i],
            outcome: &parsed[i],
        })
    };
    for family in Family::ALL {
        let from_bytes = from_lint(family, Some(&ca), Some(&cert), Some(&key), &ctx());
        let from_items = from_parsed(family, input(0), input(1), input(2), &ctx());
        assert_eq!(from_items, from_bytes, "{family:?}");
    }
}

/// A finding keeps the rules it rests on as data (tag and source) for the page to link, and
/// says in plain words what the module would reject and what atcert did about it.
#[test]
fn findings_keep_their_sources_as_data_and_say_what_atcert_did() {
    use atcert::cert::lint::Tag;
    let lab = Lab::new();
    lab.rsa_key("ca.key", 2048);
    lab.root("ca.key", "Sources Root", "ca.pem", 365);
    let crlf = String::from_utf8(lab.read("ca.pem"))
        .unwrap()
        .replace('\n', "\r\n");
    let report = run(Family::TelitLegacy, Role::Ca, crlf.as_bytes());
    let f = report.finding(FindingKind::LineEndings).unwrap();
    let rule = rules(Family::TelitLegacy).ca.line_endings;
    assert_eq!(f.sources.len(), 1, "{f:?}");
    assert_eq!(f.sources[0].tag, rule.tag);
    assert_eq!(f.sources[0].source, rule.source);
    assert_eq!(rule.tag, Tag::Confirmed);
    let plain = f.in_plain_words();
    assert!(
        plain.starts_with("As given, the module would fail to parse the PEM"),
        "{plain}"
    );
    assert!(plain.contains("atcert rewrote the line endings"), "{plain}");
    assert!(
        !plain.contains("[C]"),
        "no tags in the plain words: {plain}"
    );

    // Nothing to fix: the plain words say what the user must do.
    let report = run(Family::TelitLegacy, Role::ClientKey, &lab.read("ca.pem"));
    let f = report
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::WrongContent && f.fix.is_none())
        .expect("no key in a certificate file");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.in_plain_words().contains("atcert cannot fix this"),
        "{f:?}"
    );
}
