//! The sans-IO AT engine: bytes in, events out. Time is a parameter; there is no clock,
//! port or async in here, so the same code runs natively, in wasm and under a fuzzer.
//!
//! Device input is untrusted: nothing in here may panic on it, and every buffer is bounded.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod command;
pub mod config;
pub mod engine;
pub mod time;

pub use command::{
    Command, DataPhase, ErrorCode, Event, Final, LengthHeader, ResponseShape, Trigger,
};
pub use config::{Config, EchoMode, LineMatch, VendorFinal};
pub use engine::{Engine, TransmitKind, parse_final};
pub use time::Instant;
