//! Browser tests of the Web Serial transport against a fake `navigator.serial` whose ports
//! expose real `ReadableStream` / `WritableStream` objects, so the same web-sys code path
//! runs as with a real port. The fake behaves like Chromium where it matters: a locked
//! stream makes `close()` throw, an unplug errors the reader with `NetworkError`, a held
//! port fails `open()` with `NetworkError`, and a dismissed chooser rejects `NotFoundError`.

#![cfg(target_arch = "wasm32")]

use atcert::session::{Transport, TransportError};
use atcert::web::serial::{self, SerialError, SerialSettings, WebSerial};
use futures::FutureExt;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function install_fake_serial() {
  class FakePort extends EventTarget {
    constructor(info) {
      super();
      this.info = info; this.readable = null; this.writable = null; this.opened = false;
      this.written = []; this.signals = []; this.connected = true; this.busy = false;
      this.controller = null; this.onwrite = null; this.closed = false; this.options = null;
    }
    getInfo() { return this.info; }
    async open(options) {
      if (this.opened) throw new DOMException("The port is already open.", "InvalidStateError");
      if (this.busy) throw new DOMException("Failed to open serial port.", "NetworkError");
      this.options = options; this.opened = true; this.closed = false;
      const port = this;
      this.readable = new ReadableStream({
        start(c) { port.controller = c; },
        cancel() { port.controller = null; },
      });
      this.writable = new WritableStream({
        write(chunk) {
          if (!port.connected) throw new DOMException("The device has been lost.", "NetworkError");
          port.written.push(...chunk);
          if (port.onwrite) port.onwrite(new Uint8Array(chunk));
        },
      });
    }
    push(bytes) { if (this.controller) this.controller.enqueue(new Uint8Array(bytes)); }
    unplug() {
      this.connected = false;
      if (this.controller) this.controller.error(new DOMException("The device has been lost.", "NetworkError"));
      this.controller = null; this.readable = null; this.writable = null; this.opened = false;
      navigator.serial.dispatchEvent(new Event("disconnect"));
    }
    async close() {
      if (this.readable && this.readable.locked)
        throw new TypeError("Failed to execute 'close' on 'SerialPort': Cannot cancel a locked stream");
      if (this.writable && this.writable.locked)
        throw new TypeError("Failed to execute 'close' on 'SerialPort': Cannot cancel a locked stream");
      this.readable = null; this.writable = null; this.opened = false; this.closed = true;
    }
    async setSignals(signals) { this.signals.push(signals); }
  }
  const serial = new EventTarget();
  serial.chosen = null;
  serial.granted = [];
  serial.requestPort = async () => {
    if (!serial.chosen) throw new DOMException("No port selected by the user.", "NotFoundError");
    return serial.chosen;
  };
  serial.getPorts = async () => serial.granted;
  serial.makePort = (vid, pid) => new FakePort({ usbVendorId: vid, usbProductId: pid });
  Object.defineProperty(navigator, "serial", { value: serial, configurable: true });
  return serial;
}
"#)]
extern "C" {
    fn install_fake_serial() -> JsValue;
}

fn call(target: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
    let f: js_sys::Function = Reflect::get(target, &method.into())
        .expect("method")
        .unchecked_into();
    let array = args.iter().collect::<js_sys::Array>();
    f.apply(target, &array).expect("call")
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &key.into()).expect("property")
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    Reflect::set(target, &key.into(), value).expect("set");
}

/// A fake serial with one port the chooser will return.
fn fake_with_port() -> (JsValue, JsValue) {
    let serial = install_fake_serial();
    let port = call(&serial, "makePort", &[0x1e0e.into(), 0x9001.into()]);
    set(&serial, "chosen", &port);
    (serial, port)
}

/// Answers every write with `reply`, like a module answering a command.
fn answer_writes_with(port: &JsValue, reply: &'static [u8]) {
    let port_for_reply = port.clone();
    let on_write = Closure::<dyn FnMut(JsValue)>::new(move |_chunk: JsValue| {
        call(&port_for_reply, "push", &[Uint8Array::from(reply).into()]);
    });
    set(port, "onwrite", on_write.as_ref());
    on_write.forget();
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("setTimeout");
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("timer");
}

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
