//! The sans-IO AT engine: bytes in, events out. Time is a parameter; there is no clock,
//! port or async in here, so the same code runs natively, in wasm and under a fuzzer.
//!
//! Device input is untrusted: nothing in here may panic on it, and every buffer is bounded.
//!
//! ```
//! use atcert::at::{Command, Config, DataPhase, Engine, Event, Final, Instant};
//!
//! let mut engine = Engine::new(Config::default().with_urc_prefixes(&["+CCHEVENT:"]));
//! let upload = Command::new(r#"AT+CCERTDOWN="ca.pem",5"#).with_data(DataPhase::after_prompt("hello"));
//! engine.send(upload, Instant::ZERO);
//! assert_eq!(engine.poll_transmit().as_deref(), Some(&b"AT+CCERTDOWN=\"ca.pem\",5\r"[..]));
//!
//! // The module echoes, then prompts with `> ` and no line ending: the payload is released.
//! engine.handle_input(b"AT+CCERTDOWN=\"ca.pem\",5\r\r\n> ");
//! assert_eq!(engine.poll_transmit().as_deref(), Some(&b"hello"[..]));
//!
//! // A URC in the middle of the answer is reported as such, then the final result.
//! engine.handle_input(b"\r\n+CCHEVENT: 0,RECV EVENT\r\n\r\nOK\r\n");
//! let events: Vec<Event> = std::iter::from_fn(|| engine.poll_event()).collect();
//! assert_eq!(events.last(), Some(&Event::Final(Final::Ok)));
//! assert!(events.contains(&Event::Urc("+CCHEVENT: 0,RECV EVENT".into())));
//! assert_eq!(engine.poll_timeout(), None); // idle again
//! ```
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
