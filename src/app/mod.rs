//! The page's state and logic, apart from rendering: what the user loaded (with what was
//! parsed at load) and the facts derived from the whole set, the credential choice and its
//! preparation, jobs and how they ended, demo-mode set-up, and the page's wording.
//!
//! Plain Rust on every target: `cargo test --lib app` checks it natively. `ui/` holds these
//! values in signals and renders them; it decides nothing that is tested here.

pub mod console;
pub mod credentials;
pub mod demo;
pub mod job;
pub mod loaded;
pub mod words;
