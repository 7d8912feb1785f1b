//! The async runner: drives the `at` engine over a [`Transport`] and a [`Clock`].
//!
//! This is the only async part of the core. Nothing here is `Send`: Web Serial handles are
//! JavaScript objects that live on the page's one thread.

pub mod transport;

pub use transport::{Clock, Transport, TransportError};
