//! Browser-only platform code: the Web Serial transport and the browser clock. The only
//! place besides `ui` that touches web-sys.

pub mod clock;
pub mod serial;

pub use clock::BrowserClock;
pub use serial::{Parity, SerialError, SerialSettings, WebSerial};
