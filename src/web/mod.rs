//! Browser-only platform code: the Web Serial transport, the browser clock and the
//! key-generation worker. The only
//! place besides `ui` that touches web-sys.

pub mod clock;
pub mod serial;
pub mod worker;

pub use clock::BrowserClock;
pub use serial::{Parity, SerialError, SerialSettings, WebSerial};
