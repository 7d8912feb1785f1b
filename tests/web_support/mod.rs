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

/// The real app mounted in its own container at a URL fragment, as a user opens it.
/// Unmounted and removed on drop.
pub struct Mounted {
    pub container: web_sys::HtmlElement,
    _handle: leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>,
}

impl Mounted {
    pub fn at(hash: &str) -> Self {
        use wasm_bindgen::JsCast;
        let window = web_sys::window().expect("a window");
        window.location().set_hash(hash).expect("set the fragment");
        let document = window.document().expect("a document");
        let container: web_sys::HtmlElement = document
            .create_element("div")
            .expect("a div")
            .unchecked_into();
        document
            .body()
            .expect("a body")
            .append_child(&container)
            .expect("append");
        let handle = leptos::mount::mount_to(container.clone(), || {
            use leptos::prelude::*;
            view! { <atcert::ui::App/> }.into_any()
        });
        Self {
            container,
            _handle: handle,
        }
    }

    pub fn el(&self, selector: &str) -> Option<web_sys::HtmlElement> {
        use wasm_bindgen::JsCast;
        self.container
            .query_selector(selector)
            .ok()
            .flatten()
            .map(JsCast::unchecked_into)
    }

    /// Everything the app shows.
    pub fn text(&self) -> String {
        self.container.inner_text()
    }

    pub fn text_of(&self, selector: &str) -> String {
        self.el(selector)
            .map(|e| e.inner_text())
            .unwrap_or_default()
    }

    pub fn click(&self, selector: &str) {
        self.el(selector)
            .unwrap_or_else(|| panic!("no {selector}"))
            .click();
    }

    /// Types into an input as a user does (value, then an `input` event).
    pub fn type_into(&self, selector: &str, text: &str) {
        use wasm_bindgen::JsCast;
        let input: web_sys::HtmlInputElement =
            self.el(selector).expect("an input").unchecked_into();
        input.set_value(text);
        input
            .dispatch_event(&web_sys::Event::new("input").expect("event"))
            .expect("dispatch");
    }

    /// Chooses an option of a select (value, then a `change` event).
    pub fn select(&self, selector: &str, value: &str) {
        use wasm_bindgen::JsCast;
        let select: web_sys::HtmlSelectElement =
            self.el(selector).expect("a select").unchecked_into();
        select.set_value(value);
        select
            .dispatch_event(&web_sys::Event::new("change").expect("event"))
            .expect("dispatch");
    }

    pub fn enabled(&self, selector: &str) -> bool {
        use wasm_bindgen::JsCast;
        self.el(selector)
            .map(|b| !b.unchecked_into::<web_sys::HtmlButtonElement>().disabled())
            .unwrap_or(false)
    }

    /// The button whose text is exactly `label`.
    pub fn button(&self, label: &str) -> web_sys::HtmlElement {
        use wasm_bindgen::JsCast;
        let buttons = self
            .container
            .query_selector_all("button")
            .expect("buttons");
        (0..buttons.length())
            .filter_map(|i| buttons.item(i))
            .map(JsCast::unchecked_into::<web_sys::HtmlElement>)
            .find(|b| b.inner_text() == label)
            .unwrap_or_else(|| panic!("no button {label:?}"))
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.container.remove();
    }
}
