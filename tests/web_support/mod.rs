//! Browser-test helpers: a fake `navigator.serial` whose ports expose real
//! `ReadableStream` / `WritableStream` objects, so the same web-sys code path runs as with a
//! real port. It behaves like Chromium where it matters: a locked stream makes `close()`
//! throw, an unplug errors the reader with `NetworkError`, a held port fails `open()` with
//! `NetworkError`, and a dismissed chooser rejects with `NotFoundError`.
#![allow(dead_code)]

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

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
    replug() { this.connected = true; }
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
    pub fn install_fake_serial() -> JsValue;
}

pub fn call(target: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
    let f: js_sys::Function = Reflect::get(target, &method.into())
        .expect("method")
        .unchecked_into();
    let array = args.iter().collect::<js_sys::Array>();
    f.apply(target, &array).expect("call")
}

pub fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &key.into()).expect("property")
}

pub fn set(target: &JsValue, key: &str, value: &JsValue) {
    Reflect::set(target, &key.into(), value).expect("set");
}

/// A fake serial with one port the chooser will return.
pub fn fake_with_port() -> (JsValue, JsValue) {
    let serial = install_fake_serial();
    let port = call(&serial, "makePort", &[0x1e0e.into(), 0x9001.into()]);
    set(&serial, "chosen", &port);
    (serial, port)
}

/// Answers every write with `reply`, like a module answering a command.
pub fn answer_writes_with(port: &JsValue, reply: &'static [u8]) {
    let port_for_reply = port.clone();
    let on_write = Closure::<dyn FnMut(JsValue)>::new(move |_chunk: JsValue| {
        call(&port_for_reply, "push", &[Uint8Array::from(reply).into()]);
    });
    set(port, "onwrite", on_write.as_ref());
    on_write.forget();
}

pub async fn sleep_ms(ms: i32) {
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

/// The bytes written to a fake port so far.
pub fn written(port: &JsValue) -> Vec<u8> {
    js_sys::Array::from(&get(port, "written"))
        .iter()
        .map(|b| b.as_f64().unwrap_or_default() as u8)
        .collect()
}

/// Waits (in small steps, up to about two seconds) until `check` holds.
pub async fn eventually(mut check: impl FnMut() -> bool) -> bool {
    for _ in 0..200 {
        if check() {
            return true;
        }
        sleep_ms(10).await;
    }
    check()
}
