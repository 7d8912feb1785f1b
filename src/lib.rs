//! atcert: put TLS credentials onto AT-command modules, from a web page or the command line.
//!
//! The layers, bottom up (arrows point one way only; see `README.md`, "Code map"):
//!
//! - [`cert`]: certificates and keys: parse, inspect, convert, chain, lint, generate.
//! - [`at`]: the sans-IO AT engine: bytes and time in, events out.
//! - [`session`]: the async runner that drives the engine over a [`session::Transport`]
//!   and a [`session::Clock`].
//! - [`modules`]: one family per module vendor line: identification, rules, flows.
//! - [`sim`]: simulated modules, one per family, for tests, benchmarks and demo mode.
//! - `serial` (native only): OS serial ports and pseudo-terminals for the command line.
//! - [`app`]: the page's state and logic apart from rendering (loaded files, derived
//!   facts, jobs, demo set-up, wording); plain Rust, tested natively.
//! - [`profile`]: the site profile (`atcert.json`) a host uses to tailor the page.
//! - `web` and `ui` (wasm32 only): the Web Serial transport and the Leptos page.
//!
//! `cert` and `at` never touch the platform: no clock, no port, no browser. They build and
//! test the same natively and on `wasm32-unknown-unknown`.

pub mod app;
pub mod at;
pub mod cert;
pub mod modules;
pub mod profile;
pub mod session;
pub mod sim;

#[cfg(not(target_arch = "wasm32"))]
pub mod serial;

#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(target_arch = "wasm32")]
pub mod web;
