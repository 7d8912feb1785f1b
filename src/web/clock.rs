//! The browser's clock for the session runner: `performance.now()` and `setTimeout`.

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::at::Instant;
use crate::session::Clock;

/// Monotonic time since the page loaded.
#[derive(Clone, Copy, Debug, Default)]
pub struct BrowserClock;

impl Clock for BrowserClock {
    fn now(&self) -> Instant {
        let millis = web_sys::window()
            .and_then(|w| w.performance())
            .map(|p| p.now())
            .unwrap_or_default();
        // performance.now() is non-negative, finite and far below u64::MAX microseconds.
        Instant::from_micros((millis * 1000.0) as u64)
    }

    async fn sleep_until(&self, deadline: Instant) {
        let wait = deadline.saturating_duration_since(self.now());
        let millis = i32::try_from(wait.as_millis()).unwrap_or(i32::MAX);
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(window) = web_sys::window() {
                let _ =
                    window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, millis);
            } else {
                let _ = resolve.call0(&JsValue::NULL);
            }
        });
        let _ = JsFuture::from(promise).await;
    }
}
