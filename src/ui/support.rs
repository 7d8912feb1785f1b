//! What this browser can do. Read once at start; the page says plainly what is missing.

use wasm_bindgen::JsValue;

/// The browser features atcert depends on.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct BrowserSupport {
    /// `navigator.serial` exists: talking to a module is possible.
    pub web_serial: bool,
    /// The page is served over HTTPS or from localhost; Web Serial needs this.
    pub secure_context: bool,
}

impl BrowserSupport {
    pub fn detect() -> Self {
        let Some(window) = web_sys::window() else {
            return Self {
                web_serial: false,
                secure_context: false,
            };
        };
        let navigator = window.navigator();
        // `serial` is looked up by name: it must be absent, not merely unbound, for the test
        // that removes it, and web-sys's typed getter would not tell the two apart.
        let web_serial = js_sys::Reflect::get(&navigator, &JsValue::from_str("serial"))
            .map(|serial| !serial.is_undefined() && !serial.is_null())
            .unwrap_or(false);
        Self {
            web_serial,
            secure_context: window.is_secure_context(),
        }
    }

    /// Whether the Connect button can work here.
    pub fn can_connect(self) -> bool {
        self.web_serial && self.secure_context
    }
}
