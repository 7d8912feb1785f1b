//! What the flows need to know about a family beyond its name: the engine settings for its
//! line discipline.

use crate::at::Config;
use crate::modules::Family;

impl Family {
    /// The engine configuration for this family's URCs and final results.
    pub fn engine_config(self) -> Config {
        match self {
            Self::Sim800 => Config::sim800(),
            Self::Sim7600 => Config::sim7600(),
            Self::Spwf04 => Config::spwf04(),
            Self::TelitLegacy | Self::TelitLe910 => Config::telit(),
            Self::Ichip => Config::ichip(),
        }
    }

    /// Whether atcert can provision a client certificate and key (mutual TLS).
    pub const fn mutual_tls(self) -> bool {
        !matches!(self, Self::Sim800)
    }
}
