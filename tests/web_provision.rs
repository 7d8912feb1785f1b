//! Browser tests of the Provision area in demo mode: for every family, a user starts the
//! simulated module, takes the demo credentials, writes and verifies them, and opens a TLS
//! connection through the module; with the wrong CA the module's own failure shows.

#![cfg(target_arch = "wasm32")]

#[path = "web_support/mod.rs"]
mod web_support;

use atcert::modules::Family;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_support::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Waits for an outcome box and returns (ok, text).
async fn outcome(app: &Mounted, seconds: u32) -> (bool, String) {
    for _ in 0..seconds * 20 {
        if let Some(el) = app.el("#provision-outcome") {
            return (el.class_name().contains("ok"), el.inner_text());
        }
        sleep_ms(50).await;
    }
    panic!("no outcome; the page shows:\n{}", app.text());
}

async fn start_demo(app: &Mounted, family: Family) {
    app.select("#demo-family", family.id());
    app.click("#demo");
    assert!(
        eventually_for(600, || app.text_of("#port-state").starts_with("Demo:")).await,
        "demo did not start: {}",
        app.text_of("#connection")
    );
}

async fn eventually_for(steps: u32, mut check: impl FnMut() -> bool) -> bool {
    for _ in 0..steps {
        if check() {
            return true;
        }
        sleep_ms(50).await;
    }
    check()
}

async fn provision_and_test(family: Family) {
    let app = Mounted::at("#/provision");
    sleep_ms(20).await;
    start_demo(&app, family).await;
    app.click("#load-demo");
    assert!(
        eventually(|| app.el("#plan").is_some()).await,
        "no plan: {}\n{}",
        app.text_of("#prepare-error"),
        app.text_of("#provision-findings")
    );
    let plan = app.text_of("#plan");
    assert!(plan.contains("AT"), "{plan}");

    assert!(eventually(|| app.enabled("#provision-run")).await);
    app.click("#provision-run");
    let (ok, text) = outcome(&app, 120).await;
    assert!(ok, "{family}: provisioning failed:\n{text}");
    assert!(
        text.contains("verified") || text.contains("written"),
        "{text}"
    );
    // The console saw the exchange live.
    let log = app.text();
    assert!(log.contains("Port: ") || log.contains("Demo:"), "{log}");

    assert!(eventually_for(200, || app.enabled("#test-run")).await);
    app.click("#test-run");
    sleep_ms(50).await;
    let (ok, text) = loop {
        let (ok, text) = outcome(&app, 180).await;
        if text.starts_with("Test connection") {
            break (ok, text);
        }
        sleep_ms(50).await;
    };
    assert!(ok, "{family}: test connection failed:\n{text}");
    assert!(text.contains("hello from atcert demo"), "{text}");
}

#[wasm_bindgen_test]
async fn demo_sim7600_provisions_verifies_and_connects() {
    provision_and_test(Family::Sim7600).await;
}

#[wasm_bindgen_test]
async fn demo_sim800_provisions_verifies_and_connects() {
    provision_and_test(Family::Sim800).await;
}

#[wasm_bindgen_test]
async fn demo_spwf04_provisions_verifies_and_connects() {
    provision_and_test(Family::Spwf04).await;
}

#[wasm_bindgen_test]
async fn demo_telit_legacy_provisions_verifies_and_connects() {
    provision_and_test(Family::TelitLegacy).await;
}

#[wasm_bindgen_test]
async fn demo_telit_le910_provisions_verifies_and_connects() {
    provision_and_test(Family::TelitLe910).await;
}

#[wasm_bindgen_test]
async fn demo_ichip_provisions_verifies_and_connects() {
    provision_and_test(Family::Ichip).await;
}

#[wasm_bindgen_test]
async fn demo_sim70xx_provisions_verifies_and_connects() {
    provision_and_test(Family::Sim70xx).await;
}

#[wasm_bindgen_test]
async fn demo_quectel_provisions_verifies_and_connects() {
    provision_and_test(Family::Quectel).await;
}

#[wasm_bindgen_test]
async fn demo_ublox_provisions_verifies_and_connects() {
    provision_and_test(Family::Ublox).await;
}

#[wasm_bindgen_test]
async fn demo_nrf91_provisions_verifies_and_connects() {
    provision_and_test(Family::Nrf91).await;
}

#[wasm_bindgen_test]
async fn demo_sequans_provisions_verifies_and_connects() {
    provision_and_test(Family::Sequans).await;
}

#[wasm_bindgen_test]
async fn demo_espat_provisions_verifies_and_connects() {
    provision_and_test(Family::Espat).await;
}

#[wasm_bindgen_test]
async fn with_the_wrong_ca_the_test_connection_fails_in_the_modules_words() {
    let app = Mounted::at("#/provision");
    sleep_ms(20).await;
    start_demo(&app, Family::Sim7600).await;
    app.click("#load-demo");
    // Replace the CA by a system root that did not sign the demo server.
    let bundle = include_str!("/etc/ssl/certs/ca-certificates.crt");
    let end = bundle
        .find("-----END CERTIFICATE-----")
        .expect("a certificate")
        + 25;
    let start = bundle
        .find("-----BEGIN CERTIFICATE-----")
        .expect("a certificate");
    let root = &bundle[start..end];
    let input: web_sys::HtmlTextAreaElement = {
        app.select("#pick-ca", "");
        // Load it through Certificates' paste box, as a user would.
        web_sys::window()
            .expect("w")
            .location()
            .set_hash("#/certificates")
            .expect("hash");
        sleep_ms(30).await;
        app.el("#cert-paste").expect("paste box").unchecked_into()
    };
    input.set_value(root);
    input
        .dispatch_event(&web_sys::Event::new("input").expect("e"))
        .expect("dispatch");
    app.click("#cert-paste-load");
    web_sys::window()
        .expect("w")
        .location()
        .set_hash("#/provision")
        .expect("hash");
    sleep_ms(30).await;
    // The pasted root is the newest file.
    let newest = {
        let select: web_sys::HtmlSelectElement = app.el("#pick-ca").expect("pick").unchecked_into();
        let options = select.options();
        options
            .item(options.length() - 1)
            .expect("an option")
            .unchecked_into::<web_sys::HtmlOptionElement>()
            .value()
    };
    app.select("#pick-ca", &newest);
    assert!(eventually(|| app.enabled("#provision-run")).await);
    app.click("#provision-run");
    let (ok, text) = outcome(&app, 120).await;
    assert!(ok, "provisioning the wrong CA still writes it:\n{text}");
    assert!(eventually_for(200, || app.enabled("#test-run")).await);
    app.click("#test-run");
    sleep_ms(50).await;
    let (ok, text) = loop {
        let (ok, text) = outcome(&app, 180).await;
        if text.starts_with("Test connection") {
            break (ok, text);
        }
        sleep_ms(50).await;
    };
    assert!(!ok, "a connection with the wrong CA succeeded:\n{text}");
    assert!(
        text.contains("+CCHOPEN: 0,"),
        "the module's own words are missing:\n{text}"
    );
    assert!(text.contains("Next"), "no next step:\n{text}");
}
