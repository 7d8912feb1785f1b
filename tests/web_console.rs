//! Browser tests of the page's connection area and Console, clicked through as a user over
//! the fake `navigator.serial` (installed before the app starts).

#![cfg(target_arch = "wasm32")]

#[path = "web_support/mod.rs"]
mod web_support;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_support::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn connect_type_at_see_ok_then_unplug_and_reconnect() {
    let (_serial, port) = fake_with_port();
    answer_writes_with(&port, b"\r\nOK\r\n");
    let app = Mounted::at("#/console");
    sleep_ms(20).await;
    assert_eq!(app.text_of("#port-state"), "Port: not connected");

    app.click("#connect");
    assert!(
        eventually(|| app
            .text_of("#port-state")
            .contains("USB 1e0e:9001, 115200 8N1"))
        .await,
        "never connected: {}",
        app.text_of("#connection")
    );

    app.type_into("#console-input", "AT");
    app.click("#console-send");
    assert!(
        eventually(|| written(&port) == b"AT\r").await,
        "wrote {:?}",
        written(&port)
    );
    assert!(
        eventually(|| app.text_of("#console-log").contains("OK<CR><LF>")).await,
        "{}",
        app.text_of("#console-log")
    );
    let log = app.text_of("#console-log");
    assert!(log.contains("TX") && log.contains("AT<CR>"), "{log}");
    assert!(log.contains("RX"), "{log}");

    // Hex view shows the same bytes.
    app.click("#console-hex");
    assert!(eventually(|| app.text_of("#console-log").contains("41 54 0d")).await);

    // DTR and RTS, one signal per call.
    app.click("#console-dtr");
    app.click("#console-rts");
    assert!(eventually(|| js_sys::Array::from(&get(&port, "signals")).length() == 2).await);
    let signals = js_sys::Array::from(&get(&port, "signals"));
    assert_eq!(get(&signals.get(0), "dataTerminalReady"), JsValue::TRUE);
    assert_eq!(get(&signals.get(1), "requestToSend"), JsValue::TRUE);

    // Ctrl+Z goes out as 0x1A.
    app.click("#console-ctrl-z");
    assert!(eventually(|| written(&port).ends_with(&[0x1A])).await);

    // The cable is pulled: the header stops claiming a connection and says what to do.
    call(&port, "unplug", &[]);
    assert!(
        eventually(|| app.text_of("#port-state") == "Port: not connected").await,
        "{}",
        app.text_of("#connection")
    );
    assert!(
        app.text_of("#connection").contains("check the cable"),
        "{}",
        app.text_of("#connection")
    );
    let input: web_sys::HtmlInputElement =
        app.el("#console-input").expect("input").unchecked_into();
    assert!(
        input.disabled(),
        "the console still offers to send on a lost port"
    );

    // Plugged back in: connecting again works, and the log kept what happened before.
    call(&port, "replug", &[]);
    app.click("#connect");
    assert!(eventually(|| app.text_of("#port-state").contains("115200")).await);
    app.type_into("#console-input", "ATI");
    app.click("#console-send");
    assert!(eventually(|| written(&port).ends_with(b"ATI\r")).await);
    assert!(app.text_of("#console-log").contains("check the cable"));
    app.click("#disconnect");
    assert!(eventually(|| app.text_of("#port-state") == "Port: not connected").await);
    assert_eq!(get(&port, "closed"), JsValue::TRUE);
}

#[wasm_bindgen_test]
async fn a_cancelled_chooser_leaves_the_page_disconnected_and_says_why() {
    let _serial = install_fake_serial();
    let app = Mounted::at("#/console");
    sleep_ms(20).await;
    app.click("#connect");
    assert!(eventually(|| app.text_of("#console-log").contains("no port was chosen")).await);
    assert_eq!(app.text_of("#port-state"), "Port: not connected");
    assert!(
        app.el("#connect").is_some(),
        "Connect is gone after a cancel"
    );
}

#[wasm_bindgen_test]
async fn a_port_held_elsewhere_says_so() {
    let (_serial, port) = fake_with_port();
    set(&port, "busy", &JsValue::TRUE);
    let app = Mounted::at("#/console");
    sleep_ms(20).await;
    app.click("#connect");
    assert!(eventually(|| app.text_of("#connection").contains("Another program")).await);
    assert_eq!(app.text_of("#port-state"), "Port: not connected");
}

#[wasm_bindgen_test]
async fn find_baud_rate_reopens_until_the_module_answers() {
    use wasm_bindgen::prelude::Closure;
    let (_serial, port) = fake_with_port();
    // A module that only understands 57600 baud: at other rates it hears noise.
    let replying = port.clone();
    let on_write = Closure::<dyn FnMut(JsValue)>::new(move |_chunk: JsValue| {
        let baud = get(&get(&replying, "options"), "baudRate").as_f64();
        if baud == Some(57_600.0) {
            let ok = js_sys::Uint8Array::from(&b"\r\nOK\r\n"[..]);
            call(&replying, "push", &[ok.into()]);
        }
    });
    set(&port, "onwrite", on_write.as_ref());
    on_write.forget();

    let app = Mounted::at("#/console");
    sleep_ms(20).await;
    app.click("#connect");
    assert!(eventually(|| app.text_of("#port-state").contains("115200")).await);
    app.click("#find-baud");
    let mut found = false;
    for _ in 0..400 {
        if app.text_of("#port-state").contains("57600 8N1") {
            found = true;
            break;
        }
        sleep_ms(50).await;
    }
    assert!(
        found,
        "{}\n{}",
        app.text_of("#connection"),
        app.text_of("#console-log")
    );
    assert!(
        app.text_of("#console-log")
            .contains("answers at 57600 baud")
    );
    app.click("#disconnect");
    assert!(eventually(|| get(&port, "closed") == JsValue::TRUE).await);
}

#[wasm_bindgen_test]
async fn a_port_granted_before_is_offered_and_a_plugged_in_one_appears() {
    let (serial, port) = fake_with_port();
    answer_writes_with(&port, b"\r\nOK\r\n");
    set(&serial, "granted", &js_sys::Array::of1(&port));
    let app = Mounted::at("#/console");
    assert!(
        eventually(|| app
            .text_of("#connection")
            .contains("Reconnect USB 1e0e:9001"))
        .await,
        "{}",
        app.text_of("#connection")
    );
    app.button("Reconnect USB 1e0e:9001").click();
    assert!(eventually(|| app.text_of("#port-state").contains("USB 1e0e:9001, 115200")).await);
    app.click("#disconnect");
    assert!(eventually(|| app.text_of("#port-state") == "Port: not connected").await);

    // A second granted device is plugged in: the page offers it without a reload.
    let other = call(&serial, "makePort", &[0x1a86.into(), 0x7523.into()]);
    set(&serial, "granted", &js_sys::Array::of2(&port, &other));
    let event = web_sys::Event::new("connect").expect("event");
    serial
        .unchecked_ref::<web_sys::EventTarget>()
        .dispatch_event(&event)
        .expect("dispatch");
    assert!(
        eventually(|| app
            .text_of("#connection")
            .contains("Reconnect USB 1a86:7523"))
        .await,
        "{}",
        app.text_of("#connection")
    );
}
