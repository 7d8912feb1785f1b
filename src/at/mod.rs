//! The sans-IO AT engine: bytes in, events out. Time is a parameter; there is no clock,
//! port or async in here, so the same code runs natively, in wasm and under a fuzzer.

pub mod time;

pub use time::Instant;
pub mod command;

pub use command::{
    Command, DataPhase, ErrorCode, Event, Final, LengthHeader, ResponseShape, Trigger,
};
