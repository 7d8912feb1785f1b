//! Browser tests of issue 12: the page keeps the user's work. Each test is a user's path
//! through the real app in headless Chromium, with openssl-made keys
//! (tests/web_support/keys) and the page's own stylesheet where looks matter.

#![cfg(target_arch = "wasm32")]

#[path = "web_support/mod.rs"]
mod web_support;

use atcert::modules::Family;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_support::*;

wasm_bindgen_test_configure!(run_in_browser);

const CERT: &str = include_str!("web_support/keys/rsa-device.pem");
const KEY: &str = include_str!("web_support/keys/rsa-device.key");
const P256: &str = include_str!("web_support/keys/p256-other.key");
const ENCRYPTED: &str = include_str!("web_support/keys/rsa-device-encrypted.key");
const P12: &[u8] = include_bytes!("web_support/keys/rsa-device.p12");
const CSS: &str = include_str!("../style/main.css");

#[wasm_bindgen(inline_js = r#"
export function capture_downloads() {
  window.__downloads = [];
  const create = URL.createObjectURL;
  URL.createObjectURL = (blob) => { const url = create(blob); window.__lastBlob = blob; return url; };
  HTMLAnchorElement.prototype.click = function () {
    if (this.download) window.__downloads.push({ name: this.download, blob: window.__lastBlob });
  };
}
export function put_file(input, name, bytes) {
  const dt = new DataTransfer();
  dt.items.add(new File([bytes], name));
  input.files = dt.files;
  input.dispatchEvent(new Event("change", { bubbles: true }));
}
export function download_names() { return (window.__downloads || []).map((d) => d.name); }
export async function last_download_text() {
  const d = window.__downloads[window.__downloads.length - 1];
  return await d.blob.text();
}
export function use_stylesheet(css) {
  if (document.getElementById("atcert-css")) return;
  const style = document.createElement("style");
  style.id = "atcert-css";
  style.textContent = css;
  document.head.appendChild(style);
}
export function rect_count(el) { return el.getClientRects().length; }
export function color_of(el) { return getComputedStyle(el).color; }
"#)]
extern "C" {
    fn capture_downloads();
    fn put_file(input: &web_sys::HtmlInputElement, name: &str, bytes: &[u8]);
    fn download_names() -> js_sys::Array;
    async fn last_download_text() -> JsValue;
    fn use_stylesheet(css: &str);
    fn rect_count(el: &web_sys::Element) -> u32;
    fn color_of(el: &web_sys::Element) -> String;
}

fn load(app: &Mounted, name: &str, bytes: &[u8]) {
    let input: web_sys::HtmlInputElement =
        app.el("#cert-file").expect("a file input").unchecked_into();
    put_file(&input, name, bytes);
}

fn go(hash: &str) {
    web_sys::window()
        .expect("window")
        .location()
        .set_hash(hash)
        .expect("hash");
}

async fn wait(steps: u32, mut check: impl FnMut() -> bool) -> bool {
    for _ in 0..steps {
        if check() {
            return true;
        }
        sleep_ms(50).await;
    }
    check()
}

async fn start_demo(app: &Mounted, family: Family) {
    app.select("#demo-family", family.id());
    app.click("#demo");
    assert!(
        wait(600, || app.text_of("#port-state").starts_with("Demo:")).await,
        "demo did not start: {}",
        app.text_of("#connection")
    );
}

/// The (value, label) of every option of a select.
fn options(app: &Mounted, selector: &str) -> Vec<(String, String)> {
    let select: web_sys::HtmlSelectElement = app.el(selector).expect("select").unchecked_into();
    let list = select.options();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|o| {
            let o: web_sys::HtmlOptionElement = o.unchecked_into();
            (o.value(), o.text())
        })
        .collect()
}

fn value_of(app: &Mounted, selector: &str) -> String {
    let select: web_sys::HtmlSelectElement = app.el(selector).expect("select").unchecked_into();
    select.value()
}

/// The id (option value) of the loaded file whose label contains `name`.
fn id_of(app: &Mounted, picker: &str, name: &str) -> String {
    options(app, picker)
        .into_iter()
        .find(|(_, label)| label.contains(name))
        .unwrap_or_else(|| panic!("{name} not offered in {picker}"))
        .0
}

// --- 1. State survives navigation -------------------------------------------------------

#[wasm_bindgen_test]
async fn choices_result_and_a_running_job_survive_switching_areas() {
    let app = Mounted::at("#/provision");
    sleep_ms(20).await;
    start_demo(&app, Family::Sim7600).await;
    app.click("#load-demo");
    assert!(wait(200, || app.el("#plan").is_some()).await, "no plan");
    let chosen = value_of(&app, "#pick-ca");
    assert!(!chosen.is_empty());
    assert!(wait(200, || app.enabled("#provision-run")).await);
    app.click("#provision-run");
    assert!(wait(100, || app.el("#provision-progress").is_some()).await);
    // Watch the bytes in the Console, as the README suggests, then come back mid-run.
    go("#/console");
    assert!(wait(100, || app.text_of("main h1") == "Console").await);
    let log_before = app.text_of("#console-log").len();
    assert!(
        wait(100, || app.text_of("#console-log").len() > log_before).await,
        "no bytes seen"
    );
    go("#/provision");
    assert!(wait(100, || app.text_of("main h1") == "Provision").await);
    assert!(
        app.el("#provision-progress").is_some() && app.el("#provision-cancel").is_some(),
        "progress or Cancel lost after navigation; outcome: {}",
        app.text_of("#provision-outcome")
    );
    assert_eq!(
        value_of(&app, "#pick-ca"),
        chosen,
        "the CA choice was reset"
    );
    assert!(
        wait(2400, || app
            .text_of("#provision-outcome")
            .contains("Provision: done"))
        .await,
        "the result never appeared:\n{}",
        app.text()
    );
    // And the result and choices are still there after another round trip.
    go("#/help");
    assert!(wait(100, || app.text_of("main h1") == "Help").await);
    go("#/provision");
    assert!(wait(100, || app.el("#provision-outcome").is_some()).await);
    assert!(
        app.text_of("#provision-outcome")
            .contains("Provision: done")
    );
    assert_eq!(value_of(&app, "#pick-ca"), chosen);
    assert!(!value_of(&app, "#pick-key").is_empty());
    app.click("#demo-stop");
    sleep_ms(50).await;
}

// --- 2. Matching from the whole set -----------------------------------------------------

#[wasm_bindgen_test]
async fn a_key_loaded_before_its_certificate_is_matched() {
    let app = Mounted::at("#/certificates");
    sleep_ms(20).await;
    load(&app, "device.key", KEY.as_bytes());
    assert!(wait(100, || app.el(".key-match").is_some()).await);
    assert!(app.text_of(".key-match").contains("no loaded certificate"));
    load(&app, "device.pem", CERT.as_bytes());
    assert!(
        wait(100, || app.text_of(".key-match").contains("CN=rsa device")).await,
        "the key card kept its old verdict: {}",
        app.text_of(".key-match")
    );
    assert!(
        app.text()
            .contains("loaded, and it matches this certificate")
    );
    app.click("#cert-clear");
    sleep_ms(20).await;
}

// --- 3. A key that does not fit is refused before sending -------------------------------

#[wasm_bindgen_test]
async fn a_p256_key_with_an_rsa_certificate_is_refused_before_sending() {
    let app = Mounted::at("#/certificates");
    sleep_ms(20).await;
    load(&app, "device.pem", CERT.as_bytes());
    load(&app, "other.key", P256.as_bytes());
    assert!(wait(100, || app.text().contains("other.key")).await);
    go("#/provision");
    assert!(wait(100, || app.el("#pick-cert").is_some()).await);
    start_demo(&app, Family::Sim7600).await;
    let (cert, key) = (
        id_of(&app, "#pick-cert", "device.pem"),
        id_of(&app, "#pick-key", "other.key"),
    );
    app.select("#pick-ca", &cert);
    app.select("#pick-cert", &cert);
    app.select("#pick-key", &key);
    assert!(
        wait(100, || app.el("#prepare-error").is_some()).await,
        "accepted:\n{}",
        app.text()
    );
    let reason = app.text_of("#prepare-error");
    assert!(reason.contains("does not fit"), "{reason}");
    assert!(
        reason.contains("RSA") && reason.contains("P-256"),
        "{reason}"
    );
    assert!(
        !app.enabled("#provision-run"),
        "Write and verify is offered"
    );
    assert!(app.el("#plan").is_none(), "a plan is offered");
    app.click("#demo-stop");
    go("#/certificates");
    assert!(wait(100, || app.el("#cert-clear").is_some()).await);
    app.click("#cert-clear");
    sleep_ms(20).await;
}

// --- 4. Passphrases ---------------------------------------------------------------------

async fn try_passphrase(app: &Mounted, name: &str, pass: &str) {
    let article = format!("article[data-name=\"{name}\"]");
    let input: web_sys::HtmlInputElement = app
        .el(&format!("{article} .passphrase-input"))
        .expect("a passphrase field")
        .unchecked_into();
    input.set_value(pass);
    input
        .dispatch_event(&web_sys::Event::new("input").expect("e"))
        .expect("dispatch");
    // Enter in a field submits its form when the form has a submit button (HTML's implicit
    // submission); a script cannot press a trusted Enter, so check the form and submit it.
    let form = input.form().expect("the passphrase field is in a form");
    assert!(
        form.query_selector("button[type=submit]")
            .ok()
            .flatten()
            .is_some(),
        "no submit button: Enter would not submit"
    );
    call(&form, "requestSubmit", &[]);
    sleep_ms(50).await;
}

#[wasm_bindgen_test]
async fn a_wrong_passphrase_is_an_error_the_user_sees() {
    let app = Mounted::at("#/certificates");
    sleep_ms(20).await;
    for (name, bytes) in [
        ("device-encrypted.key", ENCRYPTED.as_bytes()),
        ("device.p12", P12),
    ] {
        load(&app, name, bytes);
        let article = format!("article[data-name=\"{name}\"]");
        assert!(
            wait(100, || app
                .el(&format!("{article} .passphrase-input"))
                .is_some())
            .await,
            "{name}: no passphrase field:\n{}",
            app.text()
        );
        try_passphrase(&app, name, "wrong horse").await;
        assert!(
            wait(100, || app
                .el(&format!("{article} .passphrase-error"))
                .is_some())
            .await,
            "{name}: a wrong passphrase was ignored:\n{}",
            app.text()
        );
        let error = app.text_of(&format!("{article} .passphrase-error"));
        assert!(error.contains("Wrong passphrase"), "{error}");
        try_passphrase(&app, name, "correct-horse").await;
        assert!(
            wait(100, || app
                .el(&format!("{article} .passphrase-input"))
                .is_none())
            .await,
            "{name}: the right passphrase did not open it"
        );
        assert!(app.el(&format!("{article} .passphrase-error")).is_none());
    }
    assert!(app.text().contains("CN=rsa device"));
    app.click("#cert-clear");
    sleep_ms(20).await;
}

// --- 5. Findings in plain words, sources behind Why -----------------------------------

fn luminance(rgb: &str) -> f64 {
    let parts: Vec<f64> = rgb
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .take(3)
        .map(|p| p.trim().parse::<f64>().expect("a colour channel") / 255.0)
        .collect();
    let lin = |c: f64| {
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(parts[0]) + 0.7152 * lin(parts[1]) + 0.0722 * lin(parts[2])
}

#[wasm_bindgen_test]
async fn findings_say_plain_words_and_name_public_sources_behind_why() {
    use_stylesheet(CSS);
    let app = Mounted::at("#/certificates");
    sleep_ms(20).await;
    app.select("#cert-module", "telit-legacy");
    load(
        &app,
        "device-crlf.pem",
        CERT.replace('\n', "\r\n").as_bytes(),
    );
    assert!(
        wait(100, || app.el(".lint .finding").is_some()).await,
        "{}",
        app.text()
    );
    let lint = app.el(".lint").expect("lint");
    let shown = lint.inner_text();
    // What the user reads first: plain words, none of our own tags or note names.
    for tag in ["[C]", "[S]", "[I]", ".md ", "seed 0"] {
        assert!(!shown.contains(tag), "{tag:?} shown:\n{shown}");
    }
    assert!(shown.contains("Fixed:"), "{shown}");
    let fixed = app
        .el(".lint .finding.fixed")
        .expect("the CRLF finding is marked fixed");
    assert!(!fixed.class_name().contains("error"));
    // Why? opens the reason and a public document by title and section.
    let details = fixed
        .query_selector("details.why")
        .ok()
        .flatten()
        .expect("a Why disclosure");
    details.set_attribute("open", "").expect("open");
    let why = details.unchecked_ref::<web_sys::HtmlElement>().inner_text();
    assert!(
        why.contains("Telit \"SSL/TLS User Guide\" 1VV0300989, section"),
        "no public document:\n{why}"
    );
    assert!(!why.contains("seed 003"), "{why}");
    // Warning text is readable on white: at least 4.5:1 (WCAG AA).
    let probe = web_sys::window()
        .and_then(|w| w.document())
        .expect("document")
        .create_element("li")
        .expect("li");
    probe.set_class_name("finding warning");
    app.el(".lint ul")
        .expect("list")
        .append_child(&probe)
        .expect("append");
    let color = color_of(&probe);
    let ratio = 1.05 / (luminance(&color) + 0.05);
    assert!(
        ratio >= 4.5,
        "warning text {color} is {ratio:.2}:1 on white"
    );
    probe.remove();
    app.click("#cert-clear");
    sleep_ms(20).await;
}

// --- 6. Console -------------------------------------------------------------------------

async fn send_line(app: &Mounted, line: &str) {
    app.type_into("#console-input", line);
    app.click("#console-send");
    sleep_ms(30).await;
}

#[wasm_bindgen_test]
async fn the_console_follows_output_matches_the_transcript_and_keeps_bytes_whole() {
    use_stylesheet(CSS);
    capture_downloads();
    let app = Mounted::at("#/console");
    sleep_ms(20).await;
    app.container
        .style()
        .set_property("width", "420px")
        .expect("width");
    start_demo(&app, Family::Sim7600).await;
    app.click("#console-clear");
    let log = app.el("#console-log").expect("log");
    let at_bottom = |log: &web_sys::HtmlElement| {
        log.scroll_top() + f64::from(log.client_height()) >= f64::from(log.scroll_height()) - 8.0
    };
    for _ in 0..25 {
        send_line(&app, "ATI").await;
    }
    assert!(
        wait(100, || log.scroll_height() > log.client_height() + 50).await,
        "no overflow"
    );
    assert!(
        wait(60, || at_bottom(&log)).await,
        "new output is out of sight: top {} of {}",
        log.scroll_top(),
        log.scroll_height()
    );
    // Scrolled up to read: the view stays put.
    log.set_scroll_top(0.0);
    log.dispatch_event(&web_sys::Event::new("scroll").expect("e"))
        .expect("dispatch");
    send_line(&app, "AT").await;
    sleep_ms(400).await;
    assert!(
        log.scroll_top() < 1.0,
        "the view jumped while the user read"
    );

    // On-screen times are the transcript's.
    app.click("#console-export");
    let transcript = last_download_text().await.as_string().expect("text");
    let stamps: Vec<String> = transcript
        .lines()
        .filter_map(|l| l.strip_prefix('[')?.split(']').next())
        .map(|s| s.trim().to_owned())
        .collect();
    let items = log
        .query_selector_all("li:not([data-dir=note]) time")
        .expect("times");
    assert!(items.length() > 10);
    for i in 0..items.length() {
        let shown = items
            .item(i)
            .and_then(|n| n.text_content())
            .unwrap_or_default();
        assert!(
            stamps.contains(&shown),
            "on screen {shown} is not a transcript time: {stamps:?}"
        );
    }

    // Hex: every byte is whole on one line however the log wraps.
    app.click("#console-hex");
    sleep_ms(100).await;
    let bytes = log.query_selector_all(".byte").expect("bytes");
    assert!(bytes.length() > 100, "no hex bytes");
    for i in 0..bytes.length() {
        let byte: web_sys::Element = bytes.item(i).expect("byte").unchecked_into();
        assert_eq!(byte.text_content().unwrap_or_default().len(), 2);
        assert_eq!(rect_count(&byte), 1, "byte {i} is split across lines");
    }
    app.click("#demo-stop");
    sleep_ms(50).await;
}

// --- 7. Demo and port state agree -------------------------------------------------------

#[wasm_bindgen_test]
async fn after_leave_demo_the_picker_and_try_without_hardware_agree() {
    let app = Mounted::at("#/provision");
    sleep_ms(20).await;
    start_demo(&app, Family::Sim800).await;
    // In demo mode the user looks at another family in Provision, then leaves.
    app.select("#provision-family", Family::Ichip.id());
    app.click("#demo-stop");
    assert!(wait(100, || app.el("#demo-family").is_some()).await);
    let shown = value_of(&app, "#demo-family");
    app.click("#demo");
    assert!(wait(600, || app.text_of("#port-state").starts_with("Demo:")).await);
    let started = app.text_of("#port-state");
    let shown_name = shown.parse::<Family>().expect("a family").display_name();
    assert!(
        started.contains(shown_name),
        "the picker showed {shown_name}, the demo started {started}"
    );
    app.click("#demo-stop");
    assert!(wait(100, || app.el("#demo-family").is_some()).await);
    app.select("#demo-family", Family::TelitLegacy.id());
    app.click("#demo");
    assert!(wait(600, || app.text_of("#port-state").starts_with("Demo:")).await);
    assert!(
        app.text_of("#port-state")
            .contains(Family::TelitLegacy.display_name()),
        "{}",
        app.text_of("#port-state")
    );
    app.click("#demo-stop");
    sleep_ms(50).await;
}

#[wasm_bindgen_test]
async fn leave_demo_during_a_run_stops_it_and_it_never_reports_success() {
    let app = Mounted::at("#/provision");
    sleep_ms(20).await;
    start_demo(&app, Family::Sim7600).await;
    app.click("#load-demo");
    assert!(wait(200, || app.enabled("#provision-run")).await);
    app.click("#provision-run");
    assert!(wait(100, || app.el("#provision-progress").is_some()).await);
    sleep_ms(300).await;
    app.click("#demo-stop");
    assert!(
        wait(100, || app
            .text_of("#provision-outcome")
            .contains("stopped"))
        .await,
        "no word that the run stopped:\n{}",
        app.text()
    );
    assert!(
        app.el("#provision-progress").is_none(),
        "still shown as running"
    );
    assert!(app.text_of("#port-state").contains("not connected"));
    // Long enough for the whole run to have finished had it gone on.
    sleep_ms(12_000).await;
    let outcome = app.text_of("#provision-outcome");
    assert!(
        !outcome.contains("done"),
        "a later success was reported:\n{outcome}"
    );
    assert!(app.text_of("#port-state").contains("not connected"));
    // The demo starts again and runs normally.
    start_demo(&app, Family::Sim7600).await;
    assert!(wait(200, || app.enabled("#provision-run")).await);
    app.click("#demo-stop");
    sleep_ms(50).await;
}

// --- 9. Small things --------------------------------------------------------------------

#[wasm_bindgen_test]
async fn downloads_are_named_after_the_subject_and_the_modules_file() {
    capture_downloads();
    let app = Mounted::at("#/certificates");
    sleep_ms(20).await;
    load(&app, "upload.pem", CERT.as_bytes());
    load(&app, "upload.key", KEY.as_bytes());
    assert!(wait(100, || app.text().contains("CN=rsa device")).await);
    let buttons = app.container.query_selector_all("button").expect("buttons");
    for i in 0..buttons.length() {
        let b: web_sys::HtmlElement = buttons.item(i).expect("b").unchecked_into();
        if b.inner_text().starts_with("Download PEM") {
            b.click();
        }
    }
    app.select("#cert-module", "sim7600");
    assert!(wait(100, || app.el(".module-download").is_some()).await);
    let module_buttons = app
        .container
        .query_selector_all(".module-download")
        .expect("b");
    for i in 0..module_buttons.length() {
        let b: web_sys::HtmlElement = module_buttons.item(i).expect("b").unchecked_into();
        b.click();
    }
    let names: Vec<String> = download_names()
        .iter()
        .filter_map(|n| n.as_string())
        .collect();
    assert!(names.contains(&"rsa-device.pem".to_owned()), "{names:?}");
    assert!(
        names.iter().any(|n| n.starts_with("rsa-device-key")),
        "{names:?}"
    );
    for name in &names {
        assert!(
            !name.starts_with("certificate") && !name.starts_with("private-key"),
            "{names:?}"
        );
        assert!(!name.contains("AT") && !name.contains('='), "{names:?}");
        let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
        assert!(
            ["pem", "der", "key", "crt", "cer", "ca"].contains(&ext),
            "{name} has no extension"
        );
    }
    app.click("#cert-clear");
    sleep_ms(20).await;
}

#[wasm_bindgen_test]
async fn copy_says_whether_it_worked() {
    let app = Mounted::at("#/certificates");
    sleep_ms(20).await;
    load(&app, "device.pem", CERT.as_bytes());
    assert!(wait(100, || app.text().contains("Copy PEM")).await);
    app.button("Copy PEM").click();
    assert!(
        wait(60, || app.el(".copied").is_some()).await,
        "no feedback after Copy"
    );
    let said = app.text_of(".copied");
    assert!(
        said == "Copied" || said.starts_with("Could not copy"),
        "{said}"
    );
    app.click("#cert-clear");
    sleep_ms(20).await;
}

#[wasm_bindgen_test]
async fn invalid_days_are_an_error_and_messages_speak_plainly() {
    let app = Mounted::at("#/certificates");
    sleep_ms(20).await;
    app.el("#cert-generate")
        .expect("the generator")
        .set_attribute("open", "")
        .expect("open");
    app.type_into("#cert-generate-days", "-5");
    app.click("#cert-generate-run");
    assert!(wait(40, || app.el("#cert-generate [role=alert]").is_some()).await);
    let error = app.text_of("#cert-generate [role=alert]");
    assert!(error.contains("Days valid"), "{error}");
    assert!(
        !app.text().contains("generated "),
        "generated anyway with a default"
    );
    // A key type the module cannot use: said in the page's words, not the CLI's.
    app.type_into("#cert-generate-days", "30");
    app.select("#cert-module", "sim800");
    let key: web_sys::HtmlSelectElement = app
        .el("#cert-generate select")
        .expect("key select")
        .unchecked_into();
    key.set_value("p256");
    key.dispatch_event(&web_sys::Event::new("change").expect("e"))
        .expect("dispatch");
    app.click("#cert-generate-run");
    sleep_ms(100).await;
    let error = app.text_of("#cert-generate [role=alert]");
    assert!(!error.is_empty(), "P-256 for SIM800 was accepted");
    assert!(!error.contains("--"), "{error}");
    // A damaged file: a position in words, not "byte N:".
    let broken = CERT.replacen("MII", "MI*", 1);
    load(&app, "broken.pem", broken.as_bytes());
    assert!(
        wait(100, || app.el(".problems").is_some()).await,
        "{}",
        app.text()
    );
    let problems = app.text_of(".problems");
    assert!(
        !problems.contains("byte ") || problems.contains("bytes into"),
        "{problems}"
    );
    app.click("#cert-clear");
    sleep_ms(20).await;
}

#[wasm_bindgen_test]
async fn the_removed_message_goes_and_pickers_list_each_thing_once() {
    let app = Mounted::at("#/certificates");
    sleep_ms(20).await;
    load(&app, "device.pem", CERT.as_bytes());
    assert!(wait(100, || app.el("#cert-clear").is_some()).await);
    app.click("#cert-clear");
    assert!(wait(40, || app.text_of("#cert-status").contains("removed")).await);
    load(&app, "device.pem", CERT.as_bytes());
    assert!(wait(100, || app.el("#cert-clear").is_some()).await);
    assert!(
        app.el("#cert-status").is_none(),
        "still says: {}",
        app.text_of("#cert-status")
    );
    app.click("#cert-clear");
    // Two different pastes and one repeated: two entries, told apart.
    for text in [CERT, P256, CERT] {
        app.type_into("#cert-paste", text);
        app.click("#cert-paste-load");
        sleep_ms(30).await;
    }
    go("#/provision");
    assert!(wait(100, || app.el("#pick-ca").is_some()).await);
    start_demo(&app, Family::Sim7600).await;
    app.click("#load-demo");
    sleep_ms(50).await;
    app.click("#load-demo");
    sleep_ms(50).await;
    let labels: Vec<String> = options(&app, "#pick-ca")
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    let pasted: Vec<&String> = labels.iter().filter(|l| l.contains("pasted")).collect();
    assert_eq!(pasted.len(), 2, "{labels:?}");
    assert_ne!(pasted[0], pasted[1]);
    assert_eq!(
        labels.iter().filter(|l| l.contains("demo CA")).count(),
        1,
        "{labels:?}"
    );
    app.click("#demo-stop");
    go("#/certificates");
    assert!(wait(100, || app.el("#cert-clear").is_some()).await);
    app.click("#cert-clear");
    sleep_ms(20).await;
}

#[wasm_bindgen_test]
async fn help_explains_demo_mode_the_console_and_findings() {
    let app = Mounted::at("#/help");
    sleep_ms(20).await;
    let text = app.text();
    for needle in [
        "Try without hardware",
        "The Console",
        "Reading the findings",
        "Why?",
    ] {
        assert!(text.contains(needle), "Help lacks {needle:?}");
    }
}
