//! The release build's loading and responsiveness, in headless Chromium (dist/ served from
//! loopback, as in release_page.rs):
//!
//! - the loading frame of index.html gives way to the app, and a wasm that is missing or
//!   damaged is explained in that frame instead of "Loading" forever;
//! - a benchmark that watches the page's main thread with a `PerformanceObserver` for long
//!   tasks during demo connect, key generation of every size offered, inspection of the
//!   system CA bundle and a demo provisioning run. It prints the longest task of each and
//!   asserts only that each path works (times vary with the machine).
//!
//! Needs a release build and Chromium: ignored by a bare `cargo test`.
//! `ATCERT_DIST=$PWD/dist cargo test --test perf_page -- --ignored --nocapture`

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::browser::{Browser, StaticServer, TempDir};

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

/// A copy of dist/ in which `damage` changes the page's own wasm.
fn damaged_copy(damage: impl Fn(&Path)) -> TempDir {
    let copy = TempDir::new("atcert-damaged-dist");
    let mut wasm = None;
    for entry in std::fs::read_dir(dist_dir()).expect("read dist/") {
        let path = entry.expect("a dist entry").path();
        if path.is_file() {
            let name = path
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            std::fs::copy(&path, copy.0.join(&name)).expect("copy a dist file");
            if name.starts_with("atcert-web-") && name.ends_with("_bg.wasm") {
                wasm = Some(copy.0.join(name));
            }
        }
    }
    damage(&wasm.expect("dist/ has the page's wasm"));
    copy
}

#[test]
#[ignore = "needs `trunk build --release` and chromium; ./dev test runs it"]
fn the_loading_frame_gives_way_to_the_app_or_explains_a_failed_load() {
    // Served whole: the frame's header and areas show, then the app replaces the frame.
    let server = StaticServer::start(dist_dir());
    let browser = Browser::start(1280, 800);
    browser.navigate(&server.url("/"));
    browser.wait_for_text("Port: not connected", Duration::from_secs(30));
    assert_eq!(
        browser.script("return document.getElementById('atcert-boot') === null"),
        Value::Bool(true),
        "the loading frame stays after the app started"
    );
    assert_eq!(
        browser.script("return document.querySelectorAll('header.top').length"),
        Value::from(1),
        "one header, the app's"
    );
    drop(browser);

    // The wasm missing, then damaged: the frame stays and says what went wrong and what to do.
    let missing = damaged_copy(|wasm| std::fs::remove_file(wasm).expect("remove the wasm"));
    let damaged = damaged_copy(|wasm| {
        let mut bytes = std::fs::read(wasm).expect("read the wasm");
        bytes.truncate(bytes.len() / 2);
        std::fs::write(wasm, bytes).expect("write half of the wasm");
    });
    for (case, dir) in [("missing", &missing), ("damaged", &damaged)] {
        let server = StaticServer::start(dir.0.clone());
        let browser = Browser::start(1280, 800);
        browser.navigate(&server.url("/"));
        let text = browser.wait_for_text("atcert could not start", Duration::from_secs(30));
        for expected in [
            "Certificates",
            "Provision",
            "TLS credentials for AT-command modules",
            "The page's program did not load",
            "Reload the page",
        ] {
            assert!(
                text.contains(expected),
                "wasm {case}: {expected:?} missing from:\n{text}"
            );
        }
        assert!(
            !text.contains("Loading atcert"),
            "wasm {case}: still says loading:\n{text}"
        );
        browser.screenshot(&format!("boot-failed-{case}.png"));
    }
}

/// Starts recording long tasks (over 50 ms) on the page's main thread.
fn observe_long_tasks(browser: &Browser) {
    browser.script(
        "window.__longTasks = []; \
         new PerformanceObserver(list => { \
           for (const e of list.getEntries()) window.__longTasks.push(e.duration); \
         }).observe({ type: 'longtask' });",
    );
}

/// The longest task since the last call, in ms (0 when none went over 50 ms), and how many.
fn longest_task(browser: &Browser) -> (f64, usize) {
    let got = browser.script(
        "const t = window.__longTasks; window.__longTasks = []; \
         return [t.length ? Math.max(...t) : 0, t.length]",
    );
    (
        got[0].as_f64().unwrap_or_default(),
        got[1].as_u64().unwrap_or_default() as usize,
    )
}

fn report(figures: &mut Vec<String>, path: &str, started: Instant, browser: &Browser) {
    // Long-task entries arrive after the task ends: give the observer a moment.
    std::thread::sleep(Duration::from_millis(300));
    let (longest, count) = longest_task(browser);
    let line = format!(
        "{path:<34} longest main-thread task {longest:6.0} ms ({count} over 50 ms), \
         {:.1} s end to end",
        started.elapsed().as_secs_f64()
    );
    eprintln!("bench: {line}");
    figures.push(line);
}

#[test]
#[ignore = "a benchmark over the release build: prints figures, asserts only that each path works"]
fn long_tasks_during_demo_keys_bundle_and_provisioning() {
    let server = StaticServer::start(dist_dir());
    let browser = Browser::start(1280, 800);
    browser.navigate(&server.url("/#/certificates"));
    browser.wait_for_text("Port: not connected", Duration::from_secs(30));
    observe_long_tasks(&browser);
    let mut figures = Vec::new();

    // Key generation, every size offered. The generated CA and client key load into the page
    // and are read there: they parse.
    for (value, label) in [
        ("rsa2048", "RSA 2048"),
        ("rsa3072", "RSA 3072"),
        ("p256", "ECDSA P-256"),
    ] {
        let before = browser
            .script("return document.querySelectorAll('article.loaded').length")
            .as_u64()
            .unwrap_or_default();
        browser.script(&format!(
            "document.getElementById('cert-generate').open = true; \
             const s = document.querySelector('#cert-generate select'); s.value = '{value}'; \
             s.dispatchEvent(new Event('change'));"
        ));
        // Only what the click starts counts, not the checks of the previous round.
        std::thread::sleep(Duration::from_millis(300));
        longest_task(&browser);
        browser.script("document.getElementById('cert-generate-run').click()");
        let started = Instant::now();
        browser.wait_until(&format!("{label} keys"),
            "const g = document.querySelector('#cert-generate .generated, #cert-generate .problem'); \
             return !!g && !document.getElementById('cert-generate-run').disabled",
            Duration::from_secs(300),
        );
        report(
            &mut figures,
            &format!("generate {label}"),
            started,
            &browser,
        );
        let generated = browser.text_of("#cert-generate");
        assert!(
            generated.contains("Download atcert-client.key") && !generated.contains("Could not"),
            "{label}: {generated}"
        );
        let loaded = browser
            .script("return document.querySelectorAll('article.loaded').length")
            .as_u64()
            .unwrap_or_default();
        assert_eq!(loaded, before + 2, "{label}: CA and client pair load");
        let cards = browser.text_of("#area-certificates");
        assert!(
            !cards.contains("could not be decoded"),
            "{label}: a generated file does not parse:\n{cards}"
        );
    }
    let keys = browser
        .script("return document.querySelectorAll('article.loaded .card.key').length")
        .as_u64()
        .unwrap_or_default();
    assert!(
        keys >= 3,
        "the three generated client keys show as keys ({keys})"
    );

    // The system CA bundle, pasted.
    let bundle = std::fs::read_to_string("/etc/ssl/certs/ca-certificates.crt")
        .expect("the system CA bundle (Debian: ca-certificates)");
    let certs = bundle.matches("BEGIN CERTIFICATE").count();
    browser.script(&format!(
        "const t = document.getElementById('cert-paste'); t.value = {bundle:?}; \
         t.dispatchEvent(new Event('input'));"
    ));
    longest_task(&browser);
    let started = Instant::now();
    browser.script("document.getElementById('cert-paste-load').click()");
    browser.wait_until(
        "the bundle's certificates",
        &format!("return document.querySelectorAll('.card.cert').length >= {certs}"),
        Duration::from_secs(120),
    );
    report(
        &mut figures,
        &format!("inspect bundle ({certs} certs)"),
        started,
        &browser,
    );

    // Demo connect (the demo server's keys are made on the first connect).
    browser.script("document.getElementById('nav-provision').click()");
    browser.wait_for_text("No module connected.", Duration::from_secs(30));
    longest_task(&browser);
    let started = Instant::now();
    browser.script("document.getElementById('demo').click()");
    browser.wait_for_text("Demo: simulated", Duration::from_secs(120));
    browser.wait_until(
        "the module to be identified",
        "return !!document.getElementById('load-demo')",
        Duration::from_secs(60),
    );
    report(&mut figures, "demo connect (first)", started, &browser);

    // A provisioning run of the demo credentials.
    browser.script("document.getElementById('load-demo').click()");
    browser.wait_until(
        "the plan",
        "return !!document.getElementById('plan') && \
         !document.getElementById('provision-run').disabled",
        Duration::from_secs(30),
    );
    longest_task(&browser);
    let started = Instant::now();
    browser.script("document.getElementById('provision-run').click()");
    browser.wait_until(
        "the run to finish",
        "const o = document.getElementById('provision-outcome'); \
         return !!o && !document.getElementById('provision-progress')",
        Duration::from_secs(300),
    );
    report(&mut figures, "demo provisioning run", started, &browser);
    let class = browser.script("return document.getElementById('provision-outcome').className");
    assert_eq!(
        class.as_str(),
        Some("outcome ok"),
        "{}",
        browser.text_of("#provision-outcome")
    );
    println!("{}", figures.join("\n"));
}

#[test]
#[ignore = "needs `trunk build --release`; ./dev test runs it"]
fn the_key_generation_worker_ships_hashed_and_kept_for_offline_use() {
    let dist = dist_dir();
    let html = std::fs::read_to_string(dist.join("index.html")).expect("dist/index.html");
    let meta = "<meta name=\"atcert-worker\" content=\"./";
    let start = html.find(meta).expect("index.html names the worker") + meta.len();
    let loader = &html[start..start + html[start..].find('"').expect("a closing quote")];
    assert!(
        support::browser::is_hashed(loader),
        "{loader} has no content hash"
    );
    let shim = std::fs::read_to_string(dist.join(loader)).expect("the worker's loader");
    let sw = std::fs::read_to_string(dist.join("sw.js")).expect("dist/sw.js");
    for part in [".js", "_bg.wasm"] {
        let name = loader.replace("_loader.js", part);
        assert!(
            shim.contains(&format!("./{name}")),
            "{loader} does not load {name}: {shim}"
        );
        assert!(dist.join(&name).is_file(), "{name} missing from dist/");
        assert!(
            sw.contains(&format!("\"{name}\"")),
            "the service worker does not keep {name}"
        );
    }
    assert!(
        sw.contains(&format!("\"{loader}\"")),
        "the service worker does not keep {loader}"
    );
    // trunk's unhashed names are gone.
    assert!(!dist.join("atcert-worker_bg.wasm").exists());
}
