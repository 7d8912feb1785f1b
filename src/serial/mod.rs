//! Native only: real serial ports for the command line. The OS port as a
//! [`crate::session::Transport`] ([`SerialTransport`]), a [`crate::session::Clock`] on
//! `std::time::Instant` ([`NativeClock`]), the list of ports with what USB says about them
//! ([`ports`]), and a pseudo-terminal that serves a simulated module ([`pty`], Unix).
//!
//! Never in the wasm build: the page has `web::serial` instead.

mod clock;
pub mod ports;
#[cfg(unix)]
pub mod pty;
mod transport;

pub use clock::NativeClock;
pub use transport::{LineSettings, OpenError, Parity, SerialTransport, StopSignal};
