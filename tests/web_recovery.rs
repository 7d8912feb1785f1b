//! Browser tests of recovery (issue 9, item 5): in demo mode, after a failed flow the next
//! flow on the same simulated module works, without a reload and without typed commands.
//! For every family: provision, a test connection that fails (a host the demo server does
//! not know), then a test connection to the right host and a second provisioning succeed.

#![cfg(target_arch = "wasm32")]

#[path = "web_support/mod.rs"]
mod web_support;

use atcert::modules::Family;
use atcert::ui::provision::DEMO_HOST;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_support::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn eventually_for(steps: u32, mut check: impl FnMut() -> bool) -> bool {
    for _ in 0..steps {
        if check() {
            return true;
        }
        sleep_ms(50).await;
    }
    check()
}

/// Clicks `button` once it is enabled and waits for the outcome of that job, whose title
/// starts with `title`: (ok, text).
async fn run(app: &Mounted, button: &str, title: &str) -> (bool, String) {
    assert!(
        eventually_for(600, || app.enabled(button)).await,
        "{button} stays disabled; the page shows:\n{}",
        app.text()
    );
    app.click(button);
    sleep_ms(50).await;
    for _ in 0..20 * 300 {
        if let Some(el) = app.el("#provision-outcome") {
            let text = el.inner_text();
            if text.starts_with(title) {
                return (el.class_name().contains("ok"), text);
            }
        }
        sleep_ms(50).await;
    }
    panic!("no {title} outcome; the page shows:\n{}", app.text());
}

async fn fails_then_recovers(family: Family) {
    let app = Mounted::at("#/provision");
    sleep_ms(20).await;
    app.select("#demo-family", family.id());
    app.click("#demo");
    assert!(
        eventually_for(600, || app.text_of("#port-state").starts_with("Demo:")).await,
        "demo did not start: {}",
        app.text_of("#connection")
    );
    app.click("#load-demo");
    assert!(
        eventually(|| app.el("#plan").is_some()).await,
        "no plan: {}",
        app.text_of("#prepare-error")
    );
    let (ok, text) = run(&app, "#provision-run", "Provision").await;
    assert!(ok, "{family}: provisioning failed:\n{text}");

    // A failed flow: the demo server does not answer for this host.
    app.type_into("#test-host", "nowhere.invalid");
    let (ok, text) = run(&app, "#test-run", "Test connection").await;
    assert!(
        !ok,
        "{family}: a test to an unknown host succeeded:\n{text}"
    );

    // The next flows on the same module work, with no reload and nothing typed.
    app.type_into("#test-host", DEMO_HOST);
    let (ok, text) = run(&app, "#test-run", "Test connection").await;
    assert!(ok, "{family}: the test after a failed one failed:\n{text}");
    assert!(text.contains("hello from atcert demo"), "{text}");
    let (ok, text) = run(&app, "#provision-run", "Provision").await;
    assert!(
        ok,
        "{family}: provisioning after a failed test failed:\n{text}"
    );
}

#[wasm_bindgen_test]
async fn demo_sim800_recovers_after_a_failed_test_connection() {
    fails_then_recovers(Family::Sim800).await;
}

#[wasm_bindgen_test]
async fn demo_sim7600_recovers_after_a_failed_test_connection() {
    fails_then_recovers(Family::Sim7600).await;
}

#[wasm_bindgen_test]
async fn demo_spwf04_recovers_after_a_failed_test_connection() {
    fails_then_recovers(Family::Spwf04).await;
}

#[wasm_bindgen_test]
async fn demo_telit_legacy_recovers_after_a_failed_test_connection() {
    fails_then_recovers(Family::TelitLegacy).await;
}

#[wasm_bindgen_test]
async fn demo_telit_le910_recovers_after_a_failed_test_connection() {
    fails_then_recovers(Family::TelitLe910).await;
}

#[wasm_bindgen_test]
async fn demo_ichip_recovers_after_a_failed_test_connection() {
    fails_then_recovers(Family::Ichip).await;
}
