//! Simulated modules, one per family, faithful to `shared/reference/modules/`: for tests,
//! benchmarks and the page's demo mode.

mod clock;
mod core;
pub mod creds;
mod port;
pub mod server;

pub use clock::{RealTime, SimClock, VirtualClock};
pub use core::{CommonConfig, Faults, SimModule};
pub use port::{LineConfig, LineFaults, SimPort};
pub use server::Server;
#[cfg(not(target_arch = "wasm32"))]
mod realtls;
#[cfg(not(target_arch = "wasm32"))]
pub use realtls::RealTlsTarget;
pub use server::{ClientOffer, Refusal, ServerModel, TlsVersion};
mod common;
mod sim7600;
pub use sim7600::Sim7600Config;
