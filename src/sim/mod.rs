//! Simulated modules, one per family, faithful to `shared/reference/modules/`: for tests,
//! benchmarks, `atcert simulate` and the page's demo mode.
//!
//! A [`SimModule`] is a module model (storage, TLS settings, clock, sockets) that survives
//! every port opened onto it. A [`SimPort`] is the serial line to it: it implements
//! [`crate::session::Transport`], paces bytes at the baud rate both ways on a
//! [`VirtualClock`] (or a real clock through [`RealTime`]), and injects faults.
//! Test connections reach a [`Server`]: a [`ServerModel`] that decides the handshake from
//! the module's stored credentials, or natively a real TLS server ([`RealTlsTarget`]).
//!
//! Facts marked \[I\] in the references are configuration fields with the reference's
//! suggested default, so a test can model another firmware.

mod clock;
mod common;
mod core;
pub mod creds;
mod espat;
mod ichip;
#[cfg(not(target_arch = "wasm32"))]
mod legacytls;
mod nrf91;
mod offer;
mod port;
mod quectel;
#[cfg(not(target_arch = "wasm32"))]
mod realtls;
mod sequans;
pub mod server;
mod sim70xx;
mod sim7600;
mod sim800;
mod spwf04;
#[cfg(not(target_arch = "wasm32"))]
mod target;
mod telit;
mod ublox;

pub use clock::{RealTime, SimClock, VirtualClock};
pub use core::{CommonConfig, Faults, SimModule, Simulator};
pub use espat::{
    ERROR_COMMANDS as ESPAT_ERROR_COMMANDS, ERROR_OUTPUTS as ESPAT_ERROR_OUTPUTS, EspatConfig,
};
pub use ichip::{ERROR_OUTPUTS as ICHIP_ERROR_OUTPUTS, IchipConfig};
pub use nrf91::{
    ERROR_COMMANDS as NRF91_ERROR_COMMANDS, ERROR_OUTPUTS as NRF91_ERROR_OUTPUTS, Nrf91Config,
    NrfApp,
};
pub use port::{LineConfig, LineFaults, SimPort};
pub use quectel::{
    ChecksumFormat as QuectelChecksumFormat, ERROR_OUTPUTS as QUECTEL_ERROR_OUTPUTS, QuectelConfig,
    ShortUpload as QuectelShortUpload,
};
#[cfg(not(target_arch = "wasm32"))]
pub use realtls::RealTlsTarget;
pub use sequans::{
    ERROR_OUTPUTS as SEQUANS_ERROR_OUTPUTS, EmptyRead as SequansEmptyRead,
    KeyRead as SequansKeyRead, NvrHeader, SequansConfig,
};
pub use server::{ClientOffer, Refusal, Server, ServerModel, TlsVersion};
pub use sim800::{
    ERROR_COMMANDS as SIM800_ERROR_COMMANDS, ERROR_OUTPUTS as SIM800_ERROR_OUTPUTS, Sim800Config,
};
pub use sim7600::{
    ERROR_COMMANDS as SIM7600_ERROR_COMMANDS, ERROR_OUTPUTS as SIM7600_ERROR_OUTPUTS, Sim7600Config,
};
pub use spwf04::{ERROR_OUTPUTS as SPWF04_ERROR_OUTPUTS, Spwf04Config};
pub use telit::{
    ERROR_OUTPUTS as TELIT_ERROR_OUTPUTS, SizeMode as TelitSizeMode, SslError as TelitSslError,
    TelitConfig,
};
pub use ublox::{
    DeleteMissing as UbloxDeleteMissing, ERROR_COMMANDS as UBLOX_ERROR_COMMANDS,
    ERROR_OUTPUTS as UBLOX_ERROR_OUTPUTS, Md5Of as UbloxMd5Of, UbloxConfig,
};

pub use sim70xx::{
    ERROR_COMMANDS as SIM70XX_ERROR_COMMANDS, ERROR_OUTPUTS as SIM70XX_ERROR_OUTPUTS,
    Sim70xxConfig, WindowReply as Sim70xxWindowReply,
};

use crate::modules::Family;

/// A module of `family` with every default, talking to `server`.
pub fn module(family: Family, server: Server) -> SimModule {
    module_with(family, |c| c.server = server)
}

/// A module of `family` with every default except what `adjust` changes in the settings
/// all families share (server, echo, latencies, faults).
pub fn module_with(family: Family, adjust: impl FnOnce(&mut CommonConfig)) -> SimModule {
    let mut adjust = Some(adjust);
    (simulator(family).build)(&mut |c| {
        if let Some(f) = adjust.take() {
            f(c);
        }
    })
}

/// The simulator of `family`: one line per simulated family registers it.
pub fn simulator(family: Family) -> &'static Simulator {
    match family {
        Family::Sim800 => &sim800::SIMULATOR,
        Family::Sim7600 => &sim7600::SIMULATOR,
        Family::Spwf04 => &spwf04::SIMULATOR,
        Family::TelitLegacy => &telit::LEGACY,
        Family::TelitLe910 => &telit::LE910,
        Family::Ichip => &ichip::SIMULATOR,
        Family::Sim70xx => &sim70xx::SIMULATOR,
        Family::Quectel => &quectel::SIMULATOR,
        Family::Ublox => &ublox::SIMULATOR,
        Family::Nrf91 => &nrf91::SIMULATOR,
        Family::Sequans => &sequans::SIMULATOR,
        Family::Espat => &espat::SIMULATOR,
    }
}
