//! Browser tests: the real app mounted in headless Chromium, checked as a user sees it.
//! Run by `./dev test` (wasm-bindgen-test-runner + chromedriver).

#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[path = "web_support/mod.rs"]
mod web_support;

use web_support::Mounted;

fn main_heading(app: &Mounted) -> String {
    app.text_of("main h1")
}

/// Lets the reactive system and the browser run pending work (hashchange events, effects).
async fn settle() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("a window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 20)
            .expect("setTimeout");
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("timer");
}

async fn go_to(hash: &str) {
    web_sys::window()
        .expect("a window")
        .location()
        .set_hash(hash)
        .expect("set hash");
    settle().await;
}

#[wasm_bindgen_test]
async fn shows_the_header_connection_area_and_every_area() {
    go_to("").await;
    let app = Mounted::at("");
    settle().await;
    let text = app.text();
    assert!(text.contains("atcert"), "{text}");
    assert!(text.contains("Port: not connected"), "{text}");
    for area in ["Certificates", "Provision", "Console", "Help"] {
        let link = app
            .el(&format!("#nav-{}", area.to_lowercase()))
            .expect("a nav link");
        assert_eq!(link.inner_text(), area);
        // Links are in the tab order: keyboard users reach every area.
        assert_eq!(link.tag_name(), "A");
        assert!(
            link.get_attribute("href")
                .is_some_and(|h| h.starts_with("#/"))
        );
    }
    // With no fragment the page opens on Certificates and says what to do first.
    assert_eq!(main_heading(&app), "Certificates");
    assert!(text.contains("No certificates or keys loaded."), "{text}");
}

#[wasm_bindgen_test]
async fn navigates_between_areas_by_link_and_by_url() {
    go_to("").await;
    let app = Mounted::at("");
    settle().await;
    for (slug, heading, empty_state) in [
        ("provision", "Provision", "No module connected."),
        ("console", "Console", "Not connected."),
        ("help", "Help", "The job, in order"),
        (
            "certificates",
            "Certificates",
            "No certificates or keys loaded.",
        ),
    ] {
        app.el(&format!("#nav-{slug}")).expect("nav link").click();
        settle().await;
        assert_eq!(main_heading(&app), heading);
        assert!(app.text().contains(empty_state), "{}", app.text());
        let current = app.el(&format!("#nav-{slug}")).expect("nav link");
        assert_eq!(
            current.get_attribute("aria-current").as_deref(),
            Some("page")
        );
        let hash = web_sys::window()
            .expect("window")
            .location()
            .hash()
            .expect("hash");
        assert_eq!(hash, format!("#/{slug}"));
    }
    // A typed URL (or Back) changes the area too.
    go_to("#/console").await;
    assert_eq!(main_heading(&app), "Console");
    go_to("#/nonsense").await;
    assert_eq!(main_heading(&app), "Certificates");
}

#[wasm_bindgen_test]
async fn without_web_serial_says_which_browsers_work_and_that_cert_tools_still_do() {
    go_to("").await;
    let navigator = web_sys::window().expect("window").navigator();
    // Shadow the prototype's getter on this navigator only, as a browser without Web Serial.
    let descriptor = js_sys::Object::new();
    js_sys::Reflect::set(&descriptor, &"value".into(), &JsValue::UNDEFINED).expect("set");
    js_sys::Reflect::set(&descriptor, &"configurable".into(), &JsValue::TRUE).expect("set");
    js_sys::Object::define_property(&navigator, &"serial".into(), &descriptor);

    let app = Mounted::at("");
    settle().await;
    let notice = app
        .el("#support-notice")
        .expect("a notice about serial ports");
    let text = notice.inner_text();
    assert!(text.contains("Chrome, Edge or Opera 89"), "{text}");
    assert!(text.contains("Firefox 151"), "{text}");
    assert!(text.contains("certificate tools still work"), "{text}");
    assert!(app.text().contains("Port: not connected"));
    drop(app);

    js_sys::Reflect::delete_property(&navigator, &"serial".into()).expect("restore");
    let app = Mounted::at("");
    settle().await;
    assert!(
        app.el("#support-notice").is_none(),
        "a notice although Web Serial is back"
    );
}

#[wasm_bindgen_test]
fn csp_allows_no_other_origin() {
    // The policy shipped in index.html, read the way the browser reads it.
    let html = include_str!("../index.html");
    let parser = web_sys::DomParser::new().expect("DOMParser");
    let doc = parser
        .parse_from_string(html, web_sys::SupportedType::TextHtml)
        .expect("index.html parses");
    let meta = doc
        .query_selector("meta[http-equiv='Content-Security-Policy']")
        .expect("query")
        .expect("a CSP meta tag");
    let csp = meta.get_attribute("content").expect("content");
    for directive in csp.split(';').map(str::trim).filter(|d| !d.is_empty()) {
        let mut words = directive.split_whitespace();
        let name = words.next().unwrap_or_default();
        for source in words {
            let local = matches!(
                source,
                "'self'" | "'none'" | "'wasm-unsafe-eval'" | "data:" | "blob:"
            ) || source.starts_with("'sha256-");
            assert!(local, "{name} allows {source}, which is not this origin");
        }
    }
    assert!(csp.contains("connect-src 'self'"), "{csp}");
}
