//! Family -> driver: the one `match` on a family in `modules/`, and what every caller asks
//! of a family through it (names, rules, engine config, recovery). Registering a family is
//! one arm here (and its variant in `family.rs`).

use core::str::FromStr;

use crate::at::Config;
use crate::modules::driver::{Driver, Recovery};
use crate::modules::family::{Family, UnknownFamily};
use crate::modules::{
    espat, ichip, nrf91, quectel, sequans, sim70xx, sim800, sim7600, spwf04, telit, ublox,
};

impl Family {
    /// This family's driver.
    pub fn driver(self) -> &'static dyn Driver {
        match self {
            Self::Sim800 => &sim800::Sim800,
            Self::Sim7600 => &sim7600::Sim7600,
            Self::Spwf04 => &spwf04::Spwf04,
            Self::TelitLegacy => &telit::TelitLegacy,
            Self::TelitLe910 => &telit::TelitLe910,
            Self::Ichip => &ichip::Ichip,
            Self::Sim70xx => &sim70xx::Sim70xx,
            Self::Quectel => &quectel::Quectel,
            Self::Ublox => &ublox::Ublox,
            Self::Nrf91 => &nrf91::Nrf91,
            Self::Sequans => &sequans::Sequans,
            Self::Espat => &espat::Espat,
        }
    }

    /// The short name used on the command line (`--module NAME`) and in file names.
    pub fn id(self) -> &'static str {
        self.driver().names().id
    }

    /// The name a person reads.
    pub fn display_name(self) -> &'static str {
        self.driver().names().display_name
    }

    /// The models a person may hold, for the page's Help and the README
    /// (`SIMCom SIM800 series (SIM800L/C/H, SIM808, SIM868)`).
    pub fn models(self) -> &'static str {
        self.driver().names().models
    }

    /// Every family's id, comma-separated: for help texts and error messages.
    pub fn id_list() -> String {
        Self::ALL.map(Self::id).join(", ")
    }

    /// The engine configuration for this family's URCs and final results.
    pub fn engine_config(self) -> Config {
        self.driver().engine_config()
    }

    /// Whether atcert can provision a client certificate and key (mutual TLS).
    pub fn mutual_tls(self) -> bool {
        self.driver().mutual_tls()
    }

    /// How to get this family back to command mode (see [`Recovery`]).
    pub fn recovery(self) -> Recovery {
        self.driver().recovery()
    }
}

impl FromStr for Family {
    type Err = UnknownFamily;

    /// Accepts the ids and the model names people type (`SIM7600E-H`, `GL865`, `LE910C1`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let name = lower.replace(['_', ' '], "-");
        Self::ALL
            .into_iter()
            .find(|f| {
                let d = f.driver();
                d.names().id == name
                    || d.names().aliases.contains(&name.as_str())
                    || d.names().model_prefixes.iter().any(|p| name.starts_with(p))
            })
            .ok_or_else(|| UnknownFamily {
                given: s.to_owned(),
            })
    }
}
