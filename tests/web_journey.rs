//! The whole journey over Web Serial, as a user with hardware makes it: the fake
//! `navigator.serial` (real streams) is wired to a simulated SIM7600, so the page's real
//! transport, flows and UI run end to end. Connect, detect, load credentials, write and
//! verify, pull the cable mid-upload (clear error, honest UI), reconnect and retry, test a
//! TLS connection, export the transcript; and what the page wrote equals `atcert plan`.

#![cfg(target_arch = "wasm32")]

#[path = "web_support/mod.rs"]
mod web_support;

use atcert::cert::lint::LintContext;
use atcert::modules::Family;
use atcert::modules::plan::Options;
use atcert::session::Transport;
use atcert::sim::{LineConfig, SimModule};
use atcert::web::BrowserClock;
use futures::channel::mpsc;
use futures::{FutureExt, StreamExt};
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_support::*;

wasm_bindgen_test_configure!(run_in_browser);

const FAMILY: Family = Family::Sim7600;

/// Connects the fake port to a fresh line onto `module`: bytes the page writes go to the
/// module, what the module says is pushed into the port's readable stream. One task owns
/// the simulated port, so reads and writes never contend for it.
fn bridge(port: &JsValue, module: &SimModule) {
    let (tx, mut rx) = mpsc::unbounded::<Vec<u8>>();
    let on_write = Closure::<dyn FnMut(JsValue)>::new(move |chunk: JsValue| {
        let _ = tx.unbounded_send(chunk.unchecked_into::<Uint8Array>().to_vec());
    });
    set(port, "onwrite", on_write.as_ref());
    on_write.forget();
    let mut sim = module.port_realtime(BrowserClock, LineConfig::default());
    let port = port.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let mut buf = [0u8; 512];
        loop {
            // Decide first, act after: both futures borrow the port and are dropped here
            // (each is cancel-safe).
            let next = {
                let incoming = rx.next().fuse();
                let outgoing = sim.read(&mut buf).fuse();
                futures::pin_mut!(incoming, outgoing);
                futures::select_biased! {
                    chunk = incoming => chunk.map(Next::Write).unwrap_or(Next::Stop),
                    read = outgoing => read.map(Next::Read).unwrap_or(Next::Stop),
                }
            };
            match next {
                Next::Write(bytes) => {
                    if sim.write(&bytes).await.is_err() {
                        return;
                    }
                }
                Next::Read(n) => {
                    call(&port, "push", &[Uint8Array::from(&buf[..n]).into()]);
                }
                Next::Stop => return,
            }
        }
    });
}

enum Next {
    Write(Vec<u8>),
    Read(usize),
    Stop,
}

fn written_count(port: &JsValue) -> usize {
    js_sys::Array::from(&get(port, "written")).length() as usize
}

async fn connect(app: &Mounted) {
    app.click("#connect");
    assert!(
        eventually(|| app.text_of("#port-state").contains("115200")).await,
        "not connected: {}",
        app.text_of("#connection")
    );
}

/// Waits for the outcome of the job just started. The click clears the previous outcome,
/// but the page redraws a moment later, so wait for the old box to go first.
async fn outcome_of(app: &Mounted, title: &str) -> (bool, String) {
    assert!(
        eventually(|| app.el("#provision-outcome").is_none()).await,
        "the old outcome stayed"
    );
    for _ in 0..2400 {
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

fn paste(app: &Mounted, text: &str) {
    let area: web_sys::HtmlTextAreaElement = app
        .el("#cert-paste")
        .expect("the paste box")
        .unchecked_into();
    area.set_value(text);
    area.dispatch_event(&web_sys::Event::new("input").expect("event"))
        .expect("dispatch");
    app.click("#cert-paste-load");
}

/// The value of the last option of a select (the newest loaded file).
fn newest_option(app: &Mounted, selector: &str) -> String {
    let select: web_sys::HtmlSelectElement = app.el(selector).expect("a select").unchecked_into();
    let options = select.options();
    options
        .item(options.length().saturating_sub(1))
        .map(|o| o.unchecked_into::<web_sys::HtmlOptionElement>().value())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn connect_detect_provision_unplug_retry_and_test_over_web_serial() {
    let set = atcert::ui::provision::demo_set(FAMILY).expect("demo credentials");
    let module = atcert::sim::module(FAMILY, atcert::ui::provision::demo_server(FAMILY));
    let (_serial, port) = fake_with_port();
    bridge(&port, &module);

    // Credentials, loaded as a user pastes them.
    let app = Mounted::at("#/certificates");
    sleep_ms(20).await;
    paste(&app, &set.ca.cert_pem());
    let mut device = set.client.cert_pem();
    device.push_str(&set.client.key_pem());
    paste(&app, &device);

    // Connect and detect.
    app.click("#nav-provision");
    connect(&app).await;
    app.click("#detect");
    let (ok, text) = outcome_of(&app, "Detect").await;
    assert!(ok, "{text}");
    assert!(
        app.text_of("#module-identity").contains("SIM7600"),
        "{}",
        app.text_of("#module-identity")
    );
    // The CA was loaded first, the device's certificate and key second.
    let device_id = newest_option(&app, "#pick-ca");
    let ca_id = device_id
        .parse::<u64>()
        .map(|id| id - 1)
        .unwrap_or_default()
        .to_string();
    app.select("#pick-ca", &ca_id);
    app.select("#pick-cert", &device_id);
    app.select("#pick-key", &device_id);
    assert!(
        eventually(|| app.el("#plan").is_some()).await,
        "{}",
        app.text()
    );

    // Pull the cable once 300 bytes of the upload have gone out.
    let before = written_count(&port);
    assert!(eventually(|| app.enabled("#provision-run")).await);
    app.click("#provision-run");
    assert!(
        eventually(|| written_count(&port) > before + 300).await,
        "the upload never started"
    );
    call(&port, "unplug", &[]);
    let (ok, text) = outcome_of(&app, "Provision").await;
    assert!(!ok, "a flow claimed success over a pulled cable:\n{text}");
    assert!(text.contains("disconnected"), "{text}");
    assert!(text.contains("Reconnect"), "no next step: {text}");
    assert!(eventually(|| app.text_of("#port-state") == "Port: not connected").await);
    assert!(
        !app.enabled("#provision-run"),
        "the page offers to write on a lost port"
    );

    // Plugged back in: a fresh line to the same module, and the rerun succeeds.
    call(&port, "replug", &[]);
    bridge(&port, &module);
    connect(&app).await;
    let start = written_count(&port);
    let clicked_at = (js_sys::Date::now() / 1000.0) as u64;
    assert!(eventually(|| app.enabled("#provision-run")).await);
    app.click("#provision-run");
    let (ok, text) = outcome_of(&app, "Provision").await;
    assert!(
        ok,
        "the retry failed:\n{text}\nport connected={:?} opened={:?} wrote {} since reconnect",
        get(&port, "connected"),
        get(&port, "opened"),
        written_count(&port) - start
    );
    assert!(
        text.contains("listed") || text.contains("verified"),
        "{text}"
    );

    // What went over the wire is exactly the plan `atcert plan` prints for these inputs.
    let wrote: Vec<u8> = js_sys::Array::from(&get(&port, "written"))
        .iter()
        .skip(start)
        .map(|b| b.as_f64().unwrap_or_default() as u8)
        .collect();
    let ctx = LintContext {
        now: Some(clicked_at as i64),
        ..Default::default()
    };
    let ca = set.ca.cert_pem().into_bytes();
    let (creds, _) = atcert::modules::prepare::from_lint(
        FAMILY,
        Some(&ca),
        Some(device.as_bytes()),
        Some(device.as_bytes()),
        &ctx,
    )
    .expect("credentials");
    let matches_a_plan = (clicked_at.saturating_sub(2)..=clicked_at + 2).any(|t| {
        let opts = Options {
            unix_time: Some(t),
            host: "example.com".into(),
            ..Options::default()
        };
        atcert::modules::plan_provision(FAMILY, &creds, &opts)
            .map(|plan| plan.raw_bytes() == wrote)
            .unwrap_or(false)
    });
    assert!(
        matches_a_plan,
        "the page wrote bytes that differ from the plan"
    );

    // A real TLS connection through the module to the (simulated) server.
    app.type_into("#test-host", atcert::ui::provision::DEMO_HOST);
    assert!(eventually(|| app.enabled("#test-run")).await);
    app.click("#test-run");
    let (ok, text) = outcome_of(&app, "Test connection").await;
    assert!(ok, "{text}");
    assert!(text.contains("hello from atcert demo"), "{text}");

    // The console kept the whole exchange, with the unplug in it.
    app.click("#nav-console");
    assert!(eventually(|| app.el("#console-log").is_some()).await);
    let log = app.text_of("#console-log");
    assert!(log.contains("AT+CCERTDOWN"), "{log}");
    assert!(log.contains("check the cable"), "{log}");
    assert!(app.el("#console-export").is_some());
}

/// Connect, detect, write and verify, and test a TLS connection over the fake port for
/// `family`, with the device credentials where the family's plan takes them.
async fn journey(family: Family) {
    let set = atcert::ui::provision::demo_set(family).expect("demo credentials");
    let module = atcert::sim::module(family, atcert::ui::provision::demo_server(family));
    let (_serial, port) = fake_with_port();
    bridge(&port, &module);
    let app = Mounted::at("#/certificates");
    sleep_ms(20).await;
    let ca = set.ca.cert_pem();
    paste(&app, &ca);
    let mut device = set.client.cert_pem();
    device.push_str(&set.client.key_pem());
    paste(&app, &device);

    app.click("#nav-provision");
    connect(&app).await;
    app.click("#detect");
    let (ok, text) = outcome_of(&app, "Detect").await;
    assert!(ok, "{family}: {text}");
    let identity = app.text_of("#module-identity");
    assert!(
        identity.contains(family.display_name()),
        "{family}: identified as {identity}"
    );

    app.select("#pick-ca", "1");
    // Device credentials only where this family's plan takes them (SIM800 has no client
    // authentication).
    let ctx = LintContext {
        now: Some((js_sys::Date::now() / 1000.0) as i64),
        ..Default::default()
    };
    let takes_client = atcert::modules::prepare::from_lint(
        family,
        Some(ca.as_bytes()),
        Some(device.as_bytes()),
        Some(device.as_bytes()),
        &ctx,
    )
    .ok()
    .is_some_and(|(creds, _)| {
        atcert::modules::plan_provision(family, &creds, &Options::default()).is_ok()
    });
    if takes_client {
        app.select("#pick-cert", "2");
        app.select("#pick-key", "2");
    }
    assert!(
        eventually(|| app.el("#plan").is_some()).await,
        "{family}: {}",
        app.text()
    );
    assert!(eventually(|| app.enabled("#provision-run")).await);
    app.click("#provision-run");
    let (ok, text) = outcome_of(&app, "Provision").await;
    assert!(ok, "{family}: {text}");

    app.type_into("#test-host", atcert::ui::provision::DEMO_HOST);
    assert!(eventually(|| app.enabled("#test-run")).await);
    app.click("#test-run");
    let (ok, text) = outcome_of(&app, "Test connection").await;
    assert!(ok, "{family}: {text}");
    assert!(text.contains("hello from atcert demo"), "{family}: {text}");
}

#[wasm_bindgen_test]
async fn sim800_journey_over_web_serial() {
    journey(Family::Sim800).await;
}

#[wasm_bindgen_test]
async fn spwf04_journey_over_web_serial() {
    journey(Family::Spwf04).await;
}

#[wasm_bindgen_test]
async fn telit_legacy_journey_over_web_serial() {
    journey(Family::TelitLegacy).await;
}

#[wasm_bindgen_test]
async fn telit_le910_journey_over_web_serial() {
    journey(Family::TelitLe910).await;
}

#[wasm_bindgen_test]
async fn ichip_journey_over_web_serial() {
    journey(Family::Ichip).await;
}
