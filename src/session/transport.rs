//! The two seams between the core and a platform: bytes ([`Transport`]) and time ([`Clock`]).
//!
//! Implemented by `web` (Web Serial, `performance.now()`), by `sim` (simulated modules on a
//! virtual clock), and natively by the command-line tool.

// The futures these traits return are deliberately not `Send` (see the module doc), so the
// lint that asks for a `Send` bound does not apply.
#![allow(async_fn_in_trait)]

use crate::at::Instant;

/// A byte pipe to a module: a serial port, or a simulated module.
pub trait Transport {
    /// Writes all of `bytes`, or fails.
    async fn write(&mut self, bytes: &[u8]) -> Result<(), TransportError>;

    /// Reads at least one byte into `buf` and returns how many, waiting as long as it takes.
    ///
    /// Must be cancel-safe: the runner races it against [`Clock::sleep_until`] and drops
    /// whichever loses, and no byte may be lost when the read is dropped. The runner polls
    /// `read` before `sleep_until` in every race, so a virtual clock can tell bytes that
    /// arrive before a deadline from those that arrive after it.
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, TransportError>;
}

/// Why a transport stopped working. Every variant ends the running flow; the message says
/// what the user can do about it.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The device went away: cable pulled, module reset, port closed by the system.
    #[error(
        "the module disconnected ({detail}); check the cable and power, reconnect, and run the step again"
    )]
    Disconnected { detail: String },
    /// The port is held by another program or tab.
    #[error("the port is in use by another program ({detail}); close it there and connect again")]
    Busy { detail: String },
    /// Any other failure reported by the platform, in its own words.
    #[error("the serial port failed: {detail}")]
    Io { detail: String },
}

/// A source of time: real (browser, native) or virtual (simulators, tests).
pub trait Clock {
    fn now(&self) -> Instant;

    /// Completes at or after `deadline`. A virtual clock completes at once by moving its
    /// time forward to the deadline.
    async fn sleep_until(&self, deadline: Instant);
}
