//! Browser tests of the Web Serial transport against the fake `navigator.serial` in
//! `web_support/` (real streams; Chromium's failure modes).

#![cfg(target_arch = "wasm32")]

use atcert::session::{Transport, TransportError};
use atcert::web::serial::{self, SerialError, SerialSettings, WebSerial};
use futures::FutureExt;
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[path = "web_support/mod.rs"]
mod web_support;

use web_support::*;

async fn read_until(transport: &mut WebSerial, needle: &[u8]) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 3]; // small on purpose: chunks must be split without loss
    while !got.windows(needle.len()).any(|w| w == needle) {
        let n = transport.read(&mut buf).await.expect("read");
        got.extend_from_slice(&buf[..n]);
    }
    got
}

#[wasm_bindgen_test]
async fn opens_with_settings_writes_and_reads_a_whole_answer() {
    let (_serial, port) = fake_with_port();
    answer_writes_with(&port, b"\r\nOK\r\n");
    let chosen = serial::request_port().await.expect("a port");
    assert_eq!(serial::describe_port(&chosen), "USB 1e0e:9001");
    let mut transport = WebSerial::open(chosen, SerialSettings::default())
        .await
        .expect("open");

    let options = get(&port, "options");
    assert_eq!(get(&options, "baudRate").as_f64(), Some(115_200.0));
    assert_eq!(get(&options, "dataBits").as_f64(), Some(8.0));
    assert!(get(&options, "bufferSize").as_f64().unwrap_or_default() >= 8192.0);

    transport.write(b"AT\r").await.expect("write");
    let written: Vec<u8> = js_sys::Array::from(&get(&port, "written"))
        .iter()
        .map(|b| b.as_f64().unwrap_or_default() as u8)
        .collect();
    assert_eq!(written, b"AT\r");
    assert_eq!(read_until(&mut transport, b"OK\r\n").await, b"\r\nOK\r\n");
    transport.close().await;
    assert_eq!(
        get(&port, "closed"),
        JsValue::TRUE,
        "close() left a stream locked"
    );
}

#[wasm_bindgen_test]
async fn a_dropped_read_loses_no_bytes() {
    let (_serial, port) = fake_with_port();
    let chosen = serial::request_port().await.expect("a port");
    let mut transport = WebSerial::open(chosen, SerialSettings::default())
        .await
        .expect("open");
    {
        // A read raced against a timer, as the runner does, and abandoned.
        let mut buf = [0u8; 16];
        let read = transport.read(&mut buf).fuse();
        let timer = sleep_ms(20).fuse();
        futures::pin_mut!(read, timer);
        futures::select_biased! {
            _ = read => panic!("nothing was sent yet"),
            _ = timer => {}
        }
    }
    call(
        &port,
        "push",
        &[Uint8Array::from(&b"+CPIN: READY\r\n"[..]).into()],
    );
    assert_eq!(
        read_until(&mut transport, b"READY\r\n").await,
        b"+CPIN: READY\r\n"
    );
    transport.close().await;
}

#[wasm_bindgen_test]
async fn an_unplug_mid_read_is_a_disconnect_not_a_hang() {
    let (_serial, port) = fake_with_port();
    let chosen = serial::request_port().await.expect("a port");
    let mut transport = WebSerial::open(chosen, SerialSettings::default())
        .await
        .expect("open");
    call(&port, "push", &[Uint8Array::from(&b"partial"[..]).into()]);
    let port_to_unplug = port.clone();
    wasm_bindgen_futures::spawn_local(async move {
        sleep_ms(10).await;
        call(&port_to_unplug, "unplug", &[]);
    });
    let mut buf = [0u8; 64];
    let n = transport
        .read(&mut buf)
        .await
        .expect("the bytes before the unplug");
    assert_eq!(&buf[..n], b"partial");
    let error = transport.read(&mut buf).await.expect_err("unplugged");
    assert!(
        matches!(error, TransportError::Disconnected { .. }),
        "{error:?}"
    );
    let error = transport.write(b"AT\r").await.expect_err("still unplugged");
    assert!(
        matches!(error, TransportError::Disconnected { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("check the cable"), "{error}");
    transport.close().await; // must not throw on a lost port
}

#[wasm_bindgen_test]
async fn a_cancelled_chooser_a_busy_port_and_a_double_open_each_say_what_happened() {
    let serial = install_fake_serial();
    let cancelled = serial::request_port().await.expect_err("nothing chosen");
    assert_eq!(cancelled, SerialError::Cancelled);
    assert!(cancelled.to_string().contains("charge-only"), "{cancelled}");

    let port = call(&serial, "makePort", &[0x1e0e.into(), 0x9001.into()]);
    set(&port, "busy", &JsValue::TRUE);
    set(&serial, "chosen", &port);
    let chosen = serial::request_port().await.expect("a port");
    let busy = WebSerial::open(chosen.clone(), SerialSettings::default())
        .await
        .err();
    assert!(matches!(busy, Some(SerialError::Busy { .. })), "{busy:?}");
    assert!(
        busy.map(|b| b.to_string())
            .unwrap_or_default()
            .contains("Another program")
    );

    set(&port, "busy", &JsValue::FALSE);
    let open = WebSerial::open(chosen.clone(), SerialSettings::default())
        .await
        .expect("open");
    let again = WebSerial::open(chosen, SerialSettings::default())
        .await
        .err();
    assert_eq!(again, Some(SerialError::AlreadyOpen));
    open.close().await;
}

#[wasm_bindgen_test]
async fn dtr_and_rts_are_set_one_signal_per_call() {
    let (_serial, port) = fake_with_port();
    let chosen = serial::request_port().await.expect("a port");
    let transport = WebSerial::open(chosen, SerialSettings::default())
        .await
        .expect("open");
    transport.set_dtr(true).await.expect("dtr");
    transport.set_rts(false).await.expect("rts");
    let signals = js_sys::Array::from(&get(&port, "signals"));
    assert_eq!(signals.length(), 2);
    let first = js_sys::Object::keys(signals.get(0).unchecked_ref::<js_sys::Object>());
    let second = js_sys::Object::keys(signals.get(1).unchecked_ref::<js_sys::Object>());
    assert_eq!(first.to_vec(), vec![JsValue::from("dataTerminalReady")]);
    assert_eq!(second.to_vec(), vec![JsValue::from("requestToSend")]);
    transport.close().await;
}

#[wasm_bindgen_test]
async fn granted_ports_are_offered_again() {
    let (serial, port) = fake_with_port();
    set(&serial, "granted", &js_sys::Array::of1(&port));
    let ports = serial::granted_ports().await.expect("ports");
    assert_eq!(ports.len(), 1);
    assert_eq!(serial::describe_port(&ports[0]), "USB 1e0e:9001");
}

#[wasm_bindgen_test]
fn settings_read_like_firmware_people_write_them() {
    assert_eq!(SerialSettings::default().summary(), "115200 8N1");
}
