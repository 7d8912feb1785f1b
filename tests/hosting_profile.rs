//! The site profile (`atcert.json`): a full profile with a root CA made by openssl reads back
//! field by field, and every kind of mistake a host can make is reported with the field
//! it is in and what was expected. `atcert profile check` runs the same code.

// Runs openssl and the atcert binary: native only.
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;
use std::process::Command;

use atcert::modules::Family;
use atcert::profile::{CaSource, check_ca_file, parse_profile};

/// A root CA and a server certificate it signed, made by openssl in a temp folder.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Self {
        let pki = Self {
            dir: tempfile::tempdir().expect("a temp dir"),
        };
        pki.ssl(&[
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
            "3650",
            "-subj",
            "/O=Acme IoT/CN=Acme Device Root CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
        ]);
        pki.ssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=mqtt.acme.example",
        ]);
        pki.ssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "365",
        ]);
        pki
    }

    fn ssl(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn text(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).expect("a file openssl wrote")
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }
}

fn full_profile(ca_pem: &str) -> String {
    serde_json::json!({
        "name": "Acme Provisioning",
        "logo": "acme-logo.svg",
        "accent": "#C24",
        "intro": "Plug in your Acme board and follow the three steps.",
        "trusted_cas": [
            { "name": "Acme Device Root CA", "pem": ca_pem },
            { "path": "certs/acme-backup-root.pem" }
        ],
        "test_endpoints": [
            { "name": "Acme MQTT", "host": "mqtt.acme.example", "port": 8883,
              "request": "PING\r\n", "expect": "PONG" },
            { "host": "api.acme.example", "port": 443 }
        ],
        "families": ["sim7600"],
        "models": ["SIM800L", "LE910C1-EU"],
        "apn": "iot.acme",
        "client_certificate_required": true,
        "links": [
            { "label": "Acme docs", "url": "https://docs.acme.example/provisioning" },
            { "label": "Support", "url": "mailto:support@acme.example" },
            { "label": "Release notes", "url": "notes.html" }
        ]
    })
    .to_string()
}

#[test]
fn a_full_profile_reads_back_field_by_field() {
    let pki = Pki::new();
    let ca = pki.text("ca.pem");
    let p = parse_profile(full_profile(&ca).as_bytes()).expect("a valid profile");
    assert_eq!(p.name.as_deref(), Some("Acme Provisioning"));
    assert_eq!(p.logo.as_deref(), Some("acme-logo.svg"));
    assert_eq!(p.accent.as_deref(), Some("#cc2244"));
    assert!(
        p.intro
            .as_deref()
            .unwrap_or_default()
            .starts_with("Plug in")
    );
    assert_eq!(p.trusted_cas.len(), 2);
    assert_eq!(p.trusted_cas[0].name, "Acme Device Root CA");
    assert_eq!(
        p.trusted_cas[0].source,
        CaSource::Inline(ca.trim().as_bytes().to_vec())
    );
    assert_eq!(p.trusted_cas[1].name, "acme-backup-root.pem");
    assert_eq!(
        p.trusted_cas[1].source,
        CaSource::Path("certs/acme-backup-root.pem".into())
    );
    let mqtt = &p.test_endpoints[0];
    assert_eq!((mqtt.host.as_str(), mqtt.port), ("mqtt.acme.example", 8883));
    assert_eq!(mqtt.request.as_deref(), Some("PING\r\n"));
    assert_eq!(mqtt.expect.as_deref(), Some("PONG"));
    assert_eq!(p.test_endpoints[1].name, "api.acme.example:443");
    assert_eq!(p.test_endpoints[1].expect, None);
    // Families first, then the families of the models, each once.
    assert_eq!(
        p.families,
        vec![Family::Sim7600, Family::Sim800, Family::TelitLe910]
    );
    assert_eq!(p.models, vec!["SIM800L", "LE910C1-EU"]);
    assert_eq!(p.apn.as_deref(), Some("iot.acme"));
    assert!(p.client_certificate_required);
    assert_eq!(p.links.len(), 3);
    assert_eq!(p.links[1].url, "mailto:support@acme.example");
}

#[test]
fn an_empty_profile_is_the_default_page() {
    let p = parse_profile(b"{}").expect("an empty object is valid");
    assert_eq!(p, atcert::profile::Profile::default());
    assert_eq!(p.preferred_families(), Family::ALL.to_vec());
}

/// The one error `json` gives, as "field: message".
fn errors_of(json: &str) -> Vec<String> {
    match parse_profile(json.as_bytes()) {
        Ok(p) => panic!("accepted {json}: {p:?}"),
        Err(e) => e.0.iter().map(ToString::to_string).collect(),
    }
}

fn one_error(json: &str) -> String {
    let errors = errors_of(json);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().unwrap_or_default()
}

#[test]
fn broken_json_names_the_line_and_column() {
    let e = one_error("{\n  \"name\": \"Acme\",\n  \"accent\": \"#fff\",\n}");
    assert!(e.starts_with("not valid JSON"), "{e}");
    assert!(e.contains("line 4"), "{e}");
    let e = one_error("[1, 2]");
    assert!(e.contains("expected a JSON object"), "{e}");
    assert!(one_error("\u{feff}{\"name\": 5}").starts_with("name: expected text"));
    let e = one_error(&format!("{{\"intro\": \"{}\"}}", "x".repeat(300 * 1024)));
    assert!(e.contains("at most"), "{e}");
}

#[test]
fn each_mistake_names_its_field_and_what_was_expected() {
    let cases: &[(&str, &str, &str)] = &[
        (
            r##"{"acent": "#fff"}"##,
            "acent",
            "unknown field; known fields: name, logo, accent",
        ),
        (
            r##"{"name": ""}"##,
            "name",
            "expected text, found an empty string",
        ),
        (
            r##"{"accent": "orange"}"##,
            "accent",
            "expected a colour as #rrggbb",
        ),
        (
            r##"{"logo": "https://cdn.example/logo.svg"}"##,
            "logo",
            "is an absolute URL",
        ),
        (
            r##"{"logo": "//cdn.example/logo.svg"}"##,
            "logo",
            "names another site",
        ),
        (r##"{"logo": "img/"}"##, "logo", "names a folder"),
        (
            r##"{"client_certificate_required": "yes"}"##,
            "client_certificate_required",
            "expected true or false, found the text \"yes\"",
        ),
        (
            r##"{"trusted_cas": {"path": "ca.pem"}}"##,
            "trusted_cas",
            "expected a list [ ... ], found an object",
        ),
        (
            r##"{"trusted_cas": [{"name": "x"}]}"##,
            "trusted_cas[0]",
            "expected \"pem\"",
        ),
        (
            r##"{"trusted_cas": [{"path": "http://evil.example/ca.pem"}]}"##,
            "trusted_cas[0].path",
            "absolute URL",
        ),
        (
            r##"{"trusted_cas": [{"pem": "hello"}]}"##,
            "trusted_cas[0].pem",
            "expected",
        ),
        (
            r##"{"trusted_cas": ["ca.pem"]}"##,
            "trusted_cas[0]",
            "expected an object",
        ),
        (
            r##"{"test_endpoints": [{"host": "a.example", "port": 70000}]}"##,
            "test_endpoints[0].port",
            "expected a whole number from 1 to 65535, found 70000",
        ),
        (
            r##"{"test_endpoints": [{"host": "a.example", "port": "443"}]}"##,
            "test_endpoints[0].port",
            "(no quotes), found the text \"443\"",
        ),
        (
            r##"{"test_endpoints": [{"host": "a.example"}]}"##,
            "test_endpoints[0].port",
            "expected the server's TLS port",
        ),
        (
            r##"{"test_endpoints": [{"port": 443}]}"##,
            "test_endpoints[0].host",
            "expected the server's host name",
        ),
        (
            r##"{"test_endpoints": [{"host": "https://a.example/", "port": 443}]}"##,
            "test_endpoints[0].host",
            "without scheme or path",
        ),
        (
            r##"{"test_endpoints": [{"host": "a.example", "port": 443, "expect": 5}]}"##,
            "test_endpoints[0].expect",
            "expected text in quotes, found the number 5",
        ),
        (
            r##"{"test_endpoints": [{"host": "a.example", "port": 443, "tls": 1}]}"##,
            "test_endpoints[0].tls",
            "unknown field; known fields here: name, host, port, request, expect",
        ),
        (
            r##"{"families": ["nosuch"]}"##,
            "families[0]",
            "unknown family \"nosuch\"; expected one of sim800, sim7600",
        ),
        (
            r##"{"models": ["CC3220SF"]}"##,
            "models[0]",
            "unknown model \"CC3220SF\"",
        ),
        (
            r##"{"apn": "iot\"; AT+X"}"##,
            "apn",
            "expected an APN of letters",
        ),
        (
            r##"{"links": [{"label": "x", "url": "javascript:alert(1)"}]}"##,
            "links[0].url",
            "expected an https:// address",
        ),
        (
            r##"{"links": [{"label": "x", "url": "http://docs.example"}]}"##,
            "links[0].url",
            "expected an https:// address",
        ),
        (
            r##"{"links": [{"url": "https://docs.example"}]}"##,
            "links[0].label",
            "expected the link's text",
        ),
    ];
    for (json, field, expected) in cases {
        let e = one_error(json);
        let (got_field, message) = e.split_once(": ").unwrap_or(("", &e));
        assert_eq!(got_field, *field, "{json} gave {e}");
        assert!(
            message.contains(expected),
            "{json} gave {e}, expected {expected:?}"
        );
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let errors = errors_of(
        r##"{"accent": "red", "test_endpoints": [{"host": "ok.example", "port": 443},
            {"host": "b", "port": 0}], "families": ["sim7600", 7]}"##,
    );
    let fields: Vec<&str> = errors.iter().filter_map(|e| e.split(": ").next()).collect();
    assert_eq!(
        fields,
        ["accent", "test_endpoints[1].port", "families[1]"],
        "{errors:#?}"
    );
}

#[test]
fn a_ca_must_be_a_ca_certificate_and_never_carry_a_key() {
    let pki = Pki::new();
    let leaf = pki.text("server.pem");
    let e = one_error(&serde_json::json!({ "trusted_cas": [{ "pem": leaf }] }).to_string());
    assert!(e.starts_with("trusted_cas[0].pem: "), "{e}");
    assert!(
        e.contains("CN=mqtt.acme.example) is not a CA certificate"),
        "{e}"
    );

    let with_key = format!("{}{}", pki.text("ca.pem"), pki.text("ca.key"));
    let e = one_error(&serde_json::json!({ "trusted_cas": [{ "pem": with_key }] }).to_string());
    assert!(e.contains("holds a private key"), "{e}");

    // A CA file named by path is checked the same way once read.
    assert_eq!(
        check_ca_file("trusted_cas[0].path", pki.text("ca.pem").as_bytes()),
        Ok(())
    );
    let e = check_ca_file("trusted_cas[0].path", b"<html>Not found</html>")
        .expect_err("an HTML page is not a CA");
    assert_eq!(e.field, "trusted_cas[0].path");
    assert!(e.to_string().contains("expected"), "{e}");
}

fn atcert(args: &[&Path]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_atcert"))
        .arg("profile")
        .arg("check")
        .args(args)
        .output()
        .expect("atcert runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn atcert_profile_check_reads_the_files_the_profile_names() {
    let pki = Pki::new();
    let site = pki.dir.path();
    std::fs::create_dir_all(site.join("certs")).expect("mkdir");
    let profile = site.join("atcert.json");
    std::fs::write(&profile, full_profile(&pki.text("ca.pem"))).expect("write the profile");

    // The backup root and logo are not there yet: both are named.
    let (ok, _, err) = atcert(&[&profile]);
    assert!(!ok);
    assert!(err.contains("trusted_cas[1].path: cannot read"), "{err}");
    assert!(err.contains("logo: cannot read"), "{err}");

    // A server certificate where the root belongs.
    std::fs::copy(
        pki.path("server.pem"),
        site.join("certs/acme-backup-root.pem"),
    )
    .expect("copy");
    std::fs::write(
        site.join("acme-logo.svg"),
        "<svg xmlns='http://www.w3.org/2000/svg'/>",
    )
    .expect("write the logo");
    let (ok, _, err) = atcert(&[&profile]);
    assert!(!ok);
    assert!(err.contains("trusted_cas[1].path: certificate 1"), "{err}");
    assert!(err.contains("is not a CA certificate"), "{err}");

    std::fs::copy(pki.path("ca.pem"), site.join("certs/acme-backup-root.pem")).expect("copy");
    let (ok, out, err) = atcert(&[&profile]);
    assert!(ok, "{err}");
    assert!(out.contains("is valid"), "{out}");
    assert!(
        out.contains("Acme MQTT = mqtt.acme.example:8883, expects \"PONG\""),
        "{out}"
    );
    assert!(out.contains("sim7600, sim800, telit-le910"), "{out}");

    std::fs::write(
        &profile,
        r##"{"test_endpoints": [{"host": "x.example", "port": 0}]}"##,
    )
    .expect("write");
    let (ok, _, err) = atcert(&[&profile]);
    assert!(!ok);
    assert!(
        err.contains("test_endpoints[0].port: expected a whole number from 1 to 65535, found 0"),
        "{err}"
    );
}
