//! Native only: where a simulated module's real test connection goes (used by `realtls.rs`
//! and `legacytls.rs`, kept apart so neither imports the other for it).

use std::net::SocketAddr;
use std::time::Duration;

/// A real TLS server the simulated module connects to instead of the model.
#[derive(Clone, Debug)]
pub struct RealTlsTarget {
    /// Where to connect, whatever host the module names (the name is still used for SNI
    /// and certificate name checks).
    pub addr: SocketAddr,
    pub connect_timeout: Duration,
    /// Longest wait for a handshake step or for the first byte of a response.
    pub io_timeout: Duration,
    /// Silence after which a response counts as complete.
    pub idle_timeout: Duration,
    /// The handshake and response times the module reports on its virtual clock.
    pub reported_handshake_time: core::time::Duration,
    pub reported_response_time: core::time::Duration,
}

impl RealTlsTarget {
    /// A server on 127.0.0.1:`port`, with bounded timeouts.
    pub fn localhost(port: u16) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            connect_timeout: Duration::from_secs(3),
            io_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_millis(400),
            reported_handshake_time: Duration::from_millis(800),
            reported_response_time: Duration::from_millis(100),
        }
    }
}
