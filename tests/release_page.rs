//! The release build as a user meets it: dist/ served from loopback and opened in headless
//! Chromium through chromedriver. Checks what the page shows, that it logs no error, and that
//! it loads nothing from another origin.
//!
//! Needs a release build and Chromium, so it is ignored by a bare `cargo test`;
//! `./dev test` builds dist/ and runs it with `--ignored`.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use support::browser::{Browser, StaticServer};

fn dist_dir() -> std::path::PathBuf {
    let dist = std::env::var_os("ATCERT_DIST")
        .map(Into::into)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("dist"));
    assert!(
        dist.join("index.html").is_file(),
        "no release build at {}: run `trunk build --release` (./dev test does)",
        dist.display()
    );
    dist
}

#[test]
#[ignore = "needs `trunk build --release` and chromium; ./dev test runs it"]
fn release_page_renders_areas_without_errors_or_foreign_origins() {
    // ATCERT_URL points the test at a page served elsewhere (e.g. by `./dev serve`).
    let server = match std::env::var("ATCERT_URL") {
        Ok(url) => Site::Running(url.trim_end_matches('/').to_owned()),
        Err(_) => Site::Local(StaticServer::start(dist_dir())),
    };
    let browser = Browser::start(1280, 800);
    browser.navigate(&server.url("/"));
    let text = browser.wait_for_text("Port: not connected", Duration::from_secs(30));
    for area in ["Certificates", "Provision", "Console", "Help"] {
        assert!(
            text.contains(area),
            "area {area} missing from the page:\n{text}"
        );
    }
    browser.screenshot("release-certificates-1280.png");
    let interactive = browser.script(
        "const m = performance.getEntriesByName('atcert-interactive')[0]; \
         return m ? m.startTime : null",
    );
    let interactive = interactive
        .as_f64()
        .expect("the page marks when it is interactive");
    eprintln!("navigation to interactive: {interactive:.0} ms");

    // Every area is reachable from its link and has its own URL.
    for (slug, heading) in [
        ("provision", "Provision"),
        ("console", "Console"),
        ("help", "Help"),
        ("certificates", "Certificates"),
    ] {
        browser.script(&format!("document.getElementById('nav-{slug}').click()"));
        let h1 = browser.wait_for_script(
            "const h = document.querySelector('main h1'); return h ? h.textContent : null",
            heading,
            Duration::from_secs(5),
        );
        assert_eq!(h1, heading);
        let hash = browser.script("return location.hash");
        assert_eq!(hash.as_str(), Some(format!("#/{slug}").as_str()));
    }

    // A typed URL opens its area directly.
    browser.navigate(&server.url("/#/help"));
    browser.wait_for_script(
        "const h = document.querySelector('main h1'); return h ? h.textContent : null",
        "Help",
        Duration::from_secs(30),
    );

    // The page fetched nothing from anywhere but its own origin.
    let origin = server.url("");
    let origin = origin.trim_end_matches('/');
    let resources =
        browser.script("return performance.getEntriesByType('resource').map(e => e.name)");
    let resources = resources.as_array().expect("a list of resource URLs");
    assert!(!resources.is_empty(), "the page loaded no resources at all");
    for url in resources {
        let url = url.as_str().unwrap_or_default();
        assert!(
            url.starts_with(origin),
            "the page fetched {url}, outside {origin}"
        );
    }

    // A Content-Security-Policy that allows no connection elsewhere is in force.
    let csp = browser.script(
        "const m = document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]'); \
         return m ? m.content : ''",
    );
    let csp = csp.as_str().unwrap_or_default();
    assert!(
        csp.contains("connect-src 'self'"),
        "CSP lacks connect-src 'self': {csp}"
    );
    assert!(
        csp.contains("default-src 'self'"),
        "CSP lacks default-src 'self': {csp}"
    );

    let errors = page_errors(&browser);

    // The Mozilla root store is not part of the first paint...
    assert!(
        !resources
            .iter()
            .any(|u| u.as_str().unwrap_or_default().contains("mozilla-roots")),
        "the root store was fetched before anyone asked for it"
    );
    // ...and is fetched when a chain lacks its root. A leaf from a private CA is not found.
    let leaf = private_leaf_pem();
    browser.navigate(&server.url("/#/certificates"));
    browser.wait_for_text("No certificates or keys loaded.", Duration::from_secs(30));
    browser.script(&format!(
        "const t = document.getElementById('cert-paste'); t.value = {leaf:?}; \
         t.dispatchEvent(new Event('input')); document.getElementById('cert-paste-load').click();"
    ));
    browser.wait_for_text(
        "Look for the root in the Mozilla root store",
        Duration::from_secs(10),
    );
    browser.script("document.getElementById('root-lookup').click()");
    browser.wait_for_text("Not in the Mozilla root store", Duration::from_secs(30));
    let fetched = browser.script(
        "return performance.getEntriesByType('resource').map(e => e.name)\
         .filter(n => n.includes('mozilla-roots'))",
    );
    assert_eq!(fetched.as_array().map(Vec::len), Some(1), "{fetched}");
    let later = page_errors(&browser);
    assert!(later.is_empty(), "{later:#?}");
    browser.screenshot("release-root-lookup.png");
    assert!(
        errors.is_empty(),
        "the browser console has errors: {errors:#?}"
    );

    // Narrow window: the same page, still usable.
    browser.resize(390, 844);
    browser.navigate(&server.url("/#/certificates"));
    browser.wait_for_text("Port: not connected", Duration::from_secs(30));
    browser.screenshot("release-certificates-narrow.png");
}

/// Console errors, less the browser's note that this build has no site profile: a plain
/// build ships no atcert.json (a host adds one), and the page reads its absence as "defaults".
fn page_errors(browser: &Browser) -> Vec<String> {
    browser
        .console_errors()
        .into_iter()
        .filter(|e| !(e.contains("/atcert.json - Failed to load resource") && e.contains("404")))
        .collect()
}

enum Site {
    Local(StaticServer),
    Running(String),
}

impl Site {
    fn url(&self, path: &str) -> String {
        match self {
            Self::Local(server) => server.url(path),
            Self::Running(base) => format!("{base}{path}"),
        }
    }
}

/// A server certificate from a CA made here: its root is in no public store.
fn private_leaf_pem() -> String {
    use atcert::cert::generate::{GenerateOptions, generate};
    let mut options = GenerateOptions::new(1_700_000_000);
    options.key = atcert::cert::generate::KeyAlgorithm::P256;
    let set = generate(&options, &mut rand_core::OsRng).expect("generate");
    set.server.cert_pem()
}

#[test]
#[ignore = "needs `trunk build --release`; ./dev test runs it"]
fn release_ships_the_mozilla_root_store_as_its_own_file() {
    let store =
        std::fs::read(dist_dir().join("mozilla-roots.der")).expect("dist/mozilla-roots.der");
    let outcome = atcert::cert::parse(&store, None);
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    let roots = outcome.certificates().count();
    assert!(roots > 100, "only {roots} roots");
    assert_eq!(roots, atcert::cert::roots::mozilla_roots().len());
}

#[test]
#[ignore = "needs `trunk build --release`; ./dev test runs it"]
fn release_files_name_no_other_origin() {
    let dist = dist_dir();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dist).expect("dist is readable") {
        let path = entry.expect("a dist entry").path();
        let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if !["html", "js", "css"].contains(&ext) {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a text file");
        // Comments are never fetched (wasm-bindgen's glue cites MDN in one).
        let text = if ext == "js" {
            strip_js_comments(&text)
        } else {
            text
        };
        for (at, _) in text.match_indices("://") {
            let start = text[..at]
                .rfind(|c: char| !c.is_ascii_alphanumeric())
                .map_or(0, |i| i + 1);
            let url: String = text[start..]
                .chars()
                .take_while(|c| !c.is_whitespace() && !"\"'`)<>".contains(*c))
                .collect();
            // Namespaces are identifiers, never fetched.
            let allowed = url.starts_with("http://www.w3.org/");
            assert!(allowed, "{} names another origin: {url}", path.display());
        }
        checked += 1;
    }
    assert!(checked >= 2, "expected html and js in {}", dist.display());
}

/// Drops `//` and `/* */` comments, leaving string and template literals alone.
fn strip_js_comments(js: &str) -> String {
    let mut out = String::with_capacity(js.len());
    let mut chars = js.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == '\\' {
                out.extend(chars.next());
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"' | '\'' | '`', _) => {
                quote = Some(c);
                out.push(c);
            }
            ('/', Some('/')) => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[test]
fn strips_comments_but_not_strings() {
    let js = "a = 'https://x.example/'; // see https://mdn.example/\n/* https://y.example */ b";
    let stripped = strip_js_comments(js);
    assert!(stripped.contains("https://x.example/"), "{stripped}");
    assert!(!stripped.contains("mdn.example"), "{stripped}");
    assert!(!stripped.contains("y.example"), "{stripped}");
}

/// Clicks through a demo provisioning on the release build, wide and narrow, saving a
/// screenshot of each step under target/screenshots/ for a person to look at.
#[test]
#[ignore = "needs `trunk build --release` and chromium; ./dev test runs it"]
fn release_demo_journey_step_by_step() {
    let server = StaticServer::start(dist_dir());
    for (width, height, tag) in [(1280, 800, "1280"), (390, 844, "narrow")] {
        let browser = Browser::start(width, height);
        browser.navigate(&server.url("/#/provision"));
        browser.wait_for_text("No module connected.", Duration::from_secs(30));
        browser.screenshot(&format!("step1-provision-empty-{tag}.png"));
        browser.script("document.getElementById('demo').click()");
        browser.wait_for_text("Demo: simulated", Duration::from_secs(60));
        browser.script("document.getElementById('load-demo').click()");
        browser.wait_for_script(
            "return document.getElementById('plan') ? 'plan' : null",
            "plan",
            Duration::from_secs(30),
        );
        browser.screenshot(&format!("step2-plan-{tag}.png"));
        browser.script("document.getElementById('provision-run').click()");
        let done = "const o = document.getElementById('provision-outcome'); \
                    return o && o.innerText.startsWith('{title}') ? o.className : null";
        let provision = done.replace("{title}", "Provision");
        browser.wait_for_script(&provision, "outcome ok", Duration::from_secs(120));
        browser.screenshot(&format!("step3-provisioned-{tag}.png"));
        browser.script("document.getElementById('test-run').click()");
        let test = done.replace("{title}", "Test connection");
        browser.wait_for_script(&test, "outcome ok", Duration::from_secs(120));
        browser.screenshot(&format!("step4-tested-{tag}.png"));
        browser.script("document.getElementById('nav-console').click()");
        browser.wait_for_text("AT+CCERTDOWN", Duration::from_secs(10));
        browser.screenshot(&format!("step5-console-{tag}.png"));
        let errors = page_errors(&browser);
        assert!(
            errors.is_empty(),
            "the browser console has errors: {errors:#?}"
        );
    }
}

/// Issue 12 point 4 with a real key press: a script cannot press a trusted Enter, DevTools
/// can. A wrong passphrase typed and Entered shows an error; the right one opens the key.
#[test]
#[ignore = "needs `trunk build --release` and chromium; ./dev test runs it"]
fn release_passphrase_enter_submits_and_a_wrong_one_is_shown() {
    // openssl-made (tests/web_support/keys/README.md), passphrase "correct-horse".
    let encrypted = include_str!("web_support/keys/rsa-device-encrypted.key");
    let server = StaticServer::start(dist_dir());
    let browser = Browser::start(1280, 800);
    browser.navigate(&server.url("/#/certificates"));
    browser.wait_for_text("No certificates or keys loaded.", Duration::from_secs(30));
    let put = format!(
        "const dt = new DataTransfer(); \
         dt.items.add(new File([{}], 'device-encrypted.key')); \
         const input = document.getElementById('cert-file'); \
         input.files = dt.files; \
         input.dispatchEvent(new Event('change', {{ bubbles: true }}));",
        serde_json::to_string(encrypted).expect("json")
    );
    browser.script(&put);
    let field = "document.querySelector('.passphrase-input')";
    browser.wait_for_script(
        &format!("return {field} ? 'field' : null"),
        "field",
        Duration::from_secs(10),
    );
    let enter = |text: &str| {
        browser.script(&format!("{field}.focus()"));
        browser.cdp("Input.insertText", serde_json::json!({ "text": text }));
        for kind in ["keyDown", "keyUp"] {
            browser.cdp(
                "Input.dispatchKeyEvent",
                serde_json::json!({
                    "type": kind, "key": "Enter", "code": "Enter",
                    "windowsVirtualKeyCode": 13, "nativeVirtualKeyCode": 13,
                    "text": if kind == "keyDown" { "\r" } else { "" },
                }),
            );
        }
    };
    enter("wrong horse");
    let error = browser.wait_for_text("Wrong passphrase", Duration::from_secs(10));
    assert!(error.contains("device-encrypted.key"), "{error}");
    enter("correct-horse");
    browser.wait_for_script(
        &format!("return {field} ? null : 'opened'"),
        "opened",
        Duration::from_secs(10),
    );
    let text = browser.wait_for_text("RSA", Duration::from_secs(5));
    assert!(!text.contains("Wrong passphrase"), "{text}");
    let errors = page_errors(&browser);
    assert!(
        errors.is_empty(),
        "the browser console has errors: {errors:#?}"
    );
}
