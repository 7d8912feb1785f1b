//! The release build hosted as a customer would: dist/ served under a sub-path
//! (`/tools/atcert/`) with a made-up vendor's site profile (its own root CA made by openssl,
//! a logo, test endpoints), opened in headless Chromium. Checks the branding, the preloaded
//! CA and endpoints, a demo provisioning that writes that CA; then goes offline (DevTools
//! protocol, and the server stops answering), reloads and provisions again. Also: a new
//! deployment is offered, not forced; broken profiles are shown to the host.
//!
//! Needs a release build and Chromium, so it is ignored by a bare `cargo test`;
//! `./dev test` builds dist/ and runs it with `--ignored`.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use atcert::modules::Family;
use serde_json::{Value, json};
use support::browser::{Browser, StaticServer, is_hashed};

const PREFIX: &str = "/tools/atcert/";

fn dist_dir() -> PathBuf {
    let dist = std::env::var_os("ATCERT_DIST")
        .map(Into::into)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("dist"));
    assert!(
        dist.join("index.html").is_file(),
        "no release build at {}: run `trunk build --release` (./dev test does)",
        dist.display()
    );
    dist
}

/// A copy of dist/ plus the host's own files, as a host would deploy it.
struct SiteDir {
    dir: tempfile::TempDir,
}

impl SiteDir {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        for entry in std::fs::read_dir(dist_dir()).expect("dist is readable") {
            let path = entry.expect("an entry").path();
            if path.is_file() {
                std::fs::copy(&path, dir.path().join(path.file_name().expect("a name")))
                    .expect("copy a dist file");
            }
        }
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write a site file");
    }
}

/// The vendor's root CA, made by openssl.
fn vendor_root_ca() -> String {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = Command::new("openssl")
        .args([
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
        ])
        .current_dir(dir.path())
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(dir.path().join("ca.pem")).expect("ca.pem")
}

const LOGO: &str = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 40 16'>\
    <rect width='40' height='16' rx='3' fill='#c2410c'/></svg>";

fn vendor_profile() -> Value {
    json!({
        "name": "Acme Provisioning",
        "logo": "acme-logo.svg",
        "accent": "#c2410c",
        "intro": "Plug in your Acme board, then follow Provision.",
        "trusted_cas": [{ "name": "Acme Device Root CA", "path": "certs/acme-root.pem" }],
        "test_endpoints": [
            { "name": "Acme MQTT", "host": "mqtt.acme.example", "port": 8883 },
            { "name": "Demo service", "host": "demo.atcert.test", "port": 443,
              "expect": "hello from atcert demo" },
            { "name": "Wrong service", "host": "demo.atcert.test", "port": 443,
              "expect": "CONNACK" }
        ],
        "families": ["sim7600", "spwf04"],
        "apn": "iot.acme",
        "links": [
            { "label": "Acme provisioning guide", "url": "https://docs.acme.example/provision" },
            { "label": "Acme support", "url": "mailto:support@acme.example" }
        ]
    })
}

/// Starts a promise in the page and waits for its JSON-able result.
fn await_script(browser: &Browser, promise: &str) -> Value {
    browser.script(&format!(
        "window.__atcertResult = undefined; Promise.resolve().then(() => {promise})\
         .then(v => window.__atcertResult = {{ok: v}}, e => window.__atcertResult = {{err: String(e)}})"
    ));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = browser
            .script("return window.__atcertResult === undefined ? null : window.__atcertResult");
        if !got.is_null() {
            assert!(got.get("err").is_none(), "{promise} failed: {got}");
            return got["ok"].clone();
        }
        assert!(Instant::now() < deadline, "{promise} never settled");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn wait_for_service_worker(browser: &Browser) {
    browser.wait_until(
        "the service worker to control the page",
        "return !!(navigator.serviceWorker && navigator.serviceWorker.controller)",
        Duration::from_secs(30),
    );
}

/// Starts demo mode (the site's first family) and waits for the module.
fn start_demo(browser: &Browser) {
    browser.script("document.getElementById('nav-provision').click()");
    browser.wait_for_text("No module connected.", Duration::from_secs(30));
    browser.script("document.getElementById('demo').click()");
    browser.wait_for_text("Demo: simulated", Duration::from_secs(60));
}

/// Runs a Provision-area job and returns (outcome class, outcome text).
fn run(browser: &Browser, button: &str) -> (String, String) {
    browser.script(&format!("document.getElementById('{button}').click()"));
    browser.wait_until(
        &format!("{button} to finish"),
        "const o = document.getElementById('provision-outcome'); \
         return !!o && !document.getElementById('provision-progress')",
        Duration::from_secs(180),
    );
    let class = browser.script("return document.getElementById('provision-outcome').className");
    (
        class.as_str().unwrap_or_default().to_owned(),
        browser.text_of("#provision-outcome"),
    )
}

fn select_option(browser: &Browser, id: &str, value: &str) {
    browser.script(&format!(
        "const s = document.getElementById('{id}'); s.value = '{value}'; \
         s.dispatchEvent(new Event('change'))"
    ));
}

/// The vendor's CA on the module: the picker holds it, Write and verify succeeds, and its
/// PEM body went over the wire.
fn provision_vendor_ca(browser: &Browser, ca_pem: &str) {
    let picked = browser.script(
        "const s = document.getElementById('pick-ca'); \
         return s.options[s.selectedIndex].text",
    );
    assert_eq!(
        picked.as_str(),
        Some("Acme Device Root CA (from this site)"),
        "the site's CA is the one to provision"
    );
    browser.wait_until(
        "the plan",
        "return !!document.getElementById('plan')",
        Duration::from_secs(30),
    );
    let (class, text) = run(browser, "provision-run");
    assert_eq!(class, "outcome ok", "{text}");
    // A line from the middle of the CA's base64 went to the module.
    let line = ca_pem.lines().nth(5).expect("a PEM body line");
    browser.script("document.getElementById('nav-console').click()");
    browser.wait_for_text(line, Duration::from_secs(10));
    browser.script("document.getElementById('nav-provision').click()");
    browser.wait_for_text("4. Run", Duration::from_secs(10));
}

#[test]
#[ignore = "needs `trunk build --release` and chromium; ./dev test runs it"]
fn vendor_site_under_a_sub_path_provisions_online_and_offline() {
    let ca_pem = vendor_root_ca();
    let site = SiteDir::new();
    site.write("atcert.json", vendor_profile().to_string());
    site.write("acme-logo.svg", LOGO);
    site.write("certs/acme-root.pem", &ca_pem);
    let server = StaticServer::under(site.path().to_owned(), PREFIX);
    let browser = Browser::start(1280, 900);
    browser.navigate(&server.page());

    // Branding.
    browser.wait_for_text("Acme Provisioning", Duration::from_secs(30));
    assert_eq!(browser.text_of("#brand-name"), "Acme Provisioning");
    assert_eq!(
        browser.script("return document.title").as_str(),
        Some("Acme Provisioning")
    );
    browser.wait_until("the logo to load",
        "const i = document.getElementById('brand-logo'); return !!i && i.complete && i.naturalWidth > 0",
        Duration::from_secs(10),
    );
    let accent = browser.script(
        "return getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()",
    );
    assert_eq!(accent.as_str(), Some("#c2410c"));
    let intro = browser.text_of("#site-intro");
    assert!(intro.contains("Plug in your Acme board"), "{intro}");
    assert!(intro.contains("Acme provisioning guide"), "{intro}");
    assert!(
        browser.text_of("#profile-error").is_empty(),
        "a valid profile shows no error"
    );

    // The preloaded CA in Certificates.
    browser.wait_for_text(
        "Acme Device Root CA (from this site)",
        Duration::from_secs(10),
    );
    browser.wait_for_text("CN=Acme Device Root CA", Duration::from_secs(10));

    // Everything the page fetched came from its own folder on its own origin.
    let base = server.page();
    let resources =
        browser.script("return performance.getEntriesByType('resource').map(e => e.name)");
    for url in resources.as_array().expect("resource URLs") {
        let url = url.as_str().unwrap_or_default();
        assert!(url.starts_with(&base), "fetched {url}, outside {base}");
    }

    // Provision: the site's families first, endpoints, APN.
    browser.script("document.getElementById('nav-provision').click()");
    browser.wait_for_text("1. Module", Duration::from_secs(10));
    let families = browser.script(
        "return [...document.getElementById('provision-family').options].map(o => o.value).filter(v => v)",
    );
    assert_eq!(families, json!(["sim7600", "spwf04"]));
    browser.script("document.querySelector('#area-provision .show-all-families').click()");
    browser.wait_until(
        "all families",
        &format!(
            "return document.getElementById('provision-family').options.length === {}",
            Family::ALL.len() + 1
        ),
        Duration::from_secs(5),
    );
    browser.script("document.querySelector('#area-provision .show-all-families').click()");
    let endpoint = browser.script(
        "const s = document.getElementById('test-endpoint'); return s.options[s.selectedIndex].text",
    );
    assert_eq!(
        endpoint.as_str(),
        Some("Acme MQTT (mqtt.acme.example:8883)")
    );
    let value = |id: &str| browser.script(&format!("return document.getElementById('{id}').value"));
    assert_eq!(value("test-host").as_str(), Some("mqtt.acme.example"));
    assert_eq!(value("test-port").as_str(), Some("8883"));
    assert_eq!(value("test-apn").as_str(), Some("iot.acme"));

    // Installable, and the worker has the app's files and the host's.
    wait_for_service_worker(&browser);
    let deadline = Instant::now() + Duration::from_secs(20);
    let site_files = loop {
        let kept = await_script(
            &browser,
            "caches.open('atcert-site').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname).sort())",
        );
        if kept.as_array().is_some_and(|k| k.len() >= 3) || Instant::now() > deadline {
            break kept;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(
        site_files,
        json!([
            format!("{PREFIX}acme-logo.svg"),
            format!("{PREFIX}atcert.json"),
            format!("{PREFIX}certs/acme-root.pem")
        ])
    );
    let installability = browser.cdp("Page.getInstallabilityErrors", json!({}));
    assert_eq!(
        installability["installabilityErrors"],
        json!([]),
        "Chromium would not install the page: {installability}"
    );

    // A demo provisioning writes and verifies the vendor's CA.
    start_demo(&browser);
    provision_vendor_ca(&browser, &ca_pem);

    // The expected answer of an endpoint is checked: the demo server's CA on the module,
    // then the demo service answers as one endpoint expects and not as the other.
    browser.script("document.getElementById('load-demo').click()");
    let (class, text) = run(&browser, "provision-run");
    assert_eq!(class, "outcome ok", "{text}");
    select_option(&browser, "test-endpoint", "1");
    assert_eq!(value("test-host").as_str(), Some("demo.atcert.test"));
    let (class, text) = run(&browser, "test-run");
    assert_eq!(class, "outcome ok", "{text}");
    assert!(
        text.contains("contains the expected text \"hello from atcert demo\""),
        "{text}"
    );
    select_option(&browser, "test-endpoint", "2");
    let (class, text) = run(&browser, "test-run");
    assert_eq!(class, "outcome bad", "{text}");
    assert!(text.contains("unexpected answer"), "{text}");
    assert!(
        text.contains("does not contain the expected text \"CONNACK\""),
        "{text}"
    );
    let errors = browser.console_errors();
    assert!(errors.is_empty(), "console errors online: {errors:#?}");

    // Offline: the browser's network is cut and the server stops answering.
    browser.cdp("Network.enable", json!({}));
    browser.cdp(
        "Network.emulateNetworkConditions",
        json!({"offline": true, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
    );
    server.set_offline(true);
    let served_before = server.served();
    browser.navigate(&server.page());
    browser.wait_for_text("Acme Provisioning", Duration::from_secs(30));
    browser.wait_for_text(
        "Acme Device Root CA (from this site)",
        Duration::from_secs(10),
    );
    assert!(
        browser.text_of("#profile-error").is_empty(),
        "the profile is kept offline"
    );
    start_demo(&browser);
    provision_vendor_ca(&browser, &ca_pem);
    assert_eq!(
        server.served(),
        served_before,
        "the offline page reached the server"
    );
    browser.screenshot("hosting-offline-provisioned.png");
}

#[test]
#[ignore = "needs `trunk build --release` and chromium; ./dev test runs it"]
fn a_new_deployment_is_offered_and_taken_only_when_asked() {
    let site = SiteDir::new();
    let server = StaticServer::under(site.path().to_owned(), PREFIX);
    let browser = Browser::start(1280, 800);
    browser.navigate(&server.page());
    browser.wait_for_text("Port: not connected", Duration::from_secs(30));
    wait_for_service_worker(&browser);
    let caches_before = await_script(&browser, "caches.keys()");
    assert!(
        browser.text_of("#update-prompt").is_empty(),
        "the first visit has nothing to update"
    );

    // A new deployment: the worker's version changes.
    let sw = std::fs::read_to_string(site.path().join("sw.js")).expect("sw.js");
    let start = sw.find("const VERSION = \"").expect("a VERSION") + 17;
    let old_version = &sw[start..start + 16];
    let new_version = "0000111122223333";
    site.write("sw.js", sw.replacen(old_version, new_version, 1));

    browser.navigate(&server.page());
    browser.wait_for_text("Port: not connected", Duration::from_secs(30));
    browser.wait_for_text(
        "A new version of this page is available.",
        Duration::from_secs(30),
    );
    // Nothing was taken over: the old version still serves the page.
    let waiting = await_script(
        &browser,
        "navigator.serviceWorker.getRegistration().then(r => !!r.waiting)",
    );
    assert_eq!(waiting, Value::Bool(true));
    // The new version has its files ready; the old one's are still there, in use.
    let keys = await_script(&browser, "caches.keys()");
    for key in caches_before.as_array().expect("cache names") {
        assert!(
            keys.as_array().is_some_and(|k| k.contains(key)),
            "{key} gone: {keys}"
        );
    }
    assert!(
        keys.as_array()
            .is_some_and(|k| k.contains(&json!(format!("atcert-{new_version}")))),
        "{keys}"
    );

    browser.script("document.getElementById('update-reload').click()");
    browser.wait_until(
        "the new version to take over",
        "return !document.getElementById('update-prompt') && \
         document.body.innerText.includes('Port: not connected')",
        Duration::from_secs(30),
    );
    let keys = await_script(&browser, "caches.keys()");
    assert!(
        keys.as_array()
            .is_some_and(|k| k.contains(&json!(format!("atcert-{new_version}")))
                && !k.contains(&json!(format!("atcert-{old_version}")))),
        "{keys}"
    );
}

#[test]
#[ignore = "needs `trunk build --release` and chromium; ./dev test runs it"]
fn broken_profiles_are_shown_to_the_host_and_the_page_keeps_its_defaults() {
    let ca_pem = vendor_root_ca();
    let leaf_like = ca_pem.replace("CERTIFICATE", "PRIVATE KEY");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "bad JSON",
            "{\"name\": \"Acme\",\n}".into(),
            "not valid JSON: trailing comma at line 2",
        ),
        (
            "port as text",
            json!({"test_endpoints": [{"host": "mqtt.acme.example", "port": "8883"}]}).to_string(),
            "test_endpoints[0].port: expected a whole number from 1 to 65535 (no quotes), found the text \"8883\"",
        ),
        (
            "logo from another origin",
            json!({"logo": "https://cdn.acme.example/logo.svg"}).to_string(),
            "logo: expected a path on this site",
        ),
        (
            "missing CA file",
            json!({"trusted_cas": [{"path": "certs/missing.pem"}]}).to_string(),
            "trusted_cas[0].path: certs/missing.pem was not found on this site (HTTP 404)",
        ),
        (
            "CA that is not a certificate",
            json!({"trusted_cas": [{"pem": leaf_like}]}).to_string(),
            "trusted_cas[0].pem: expected",
        ),
        (
            "unknown family",
            json!({"families": ["nosuch"]}).to_string(),
            "families[0]: unknown family \"nosuch\"",
        ),
        (
            "not an object",
            "[\"sim7600\"]".into(),
            "expected a JSON object",
        ),
    ];
    let browser = Browser::start(1280, 800);
    for (what, profile, expected) in cases {
        let site = SiteDir::new();
        site.write("atcert.json", &profile);
        let server = StaticServer::under(site.path().to_owned(), PREFIX);
        browser.navigate(&server.page());
        browser.wait_for_text("could not be used", Duration::from_secs(30));
        let shown = browser.text_of("#profile-error");
        assert!(
            shown.contains(expected),
            "{what}: expected {expected:?} in\n{shown}"
        );
        // The defaults: atcert's name, every family, demo mode works.
        assert_eq!(browser.text_of("#brand-name"), "atcert", "{what}");
        let families =
            browser.script("return document.getElementById('demo-family').options.length");
        assert_eq!(families, json!(Family::ALL.len()), "{what}");
    }
    // No profile at all: today's page, no notice.
    let site = SiteDir::new();
    let server = StaticServer::under(site.path().to_owned(), PREFIX);
    browser.navigate(&server.page());
    browser.wait_for_text("Port: not connected", Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(500));
    assert!(browser.text_of("#profile-error").is_empty());
    assert_eq!(browser.text_of("#brand-name"), "atcert");
    start_demo(&browser);
    browser.script("document.getElementById('load-demo').click()");
    let (class, text) = run(&browser, "provision-run");
    assert_eq!(class, "outcome ok", "{text}");
}

#[test]
fn hashed_names_are_recognised() {
    assert!(is_hashed("atcert-web-0123456789abcdef_bg.wasm"));
    assert!(is_hashed("boot-0123456789abcdef.js"));
    assert!(!is_hashed("sw.js"));
    assert!(!is_hashed("mozilla-roots.der"));
}
