//! The module families atcert knows. Telit is one vendor line with two generations whose
//! credential commands differ, so each generation is its own family here.

use core::fmt;
use core::str::FromStr;

/// A line of modules that share one way of storing credentials and opening TLS.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub enum Family {
    /// Connect One iChip (`AT+i` commands): CA and client credentials in flash slots.
    Ichip,
    /// SIMCom SIM800 series (SIM800L/C/H, SIM808, SIM868): flash files and `AT+SSLSETCERT`.
    Sim800,
    /// SIMCom SIM7600 / SIM7800 and A76xx: `AT+CCERTDOWN` files and `AT+CSSLCFG` contexts.
    Sim7600,
    /// ST SPWF04Sx Wi-Fi modules (`AT+S.` commands): `AT+S.TLSCERT`, CA as `<ski>.ca`.
    Spwf04,
    /// Telit GE864/GE865/GL865/GL868/GC864: `AT#SSLSECDATA` with the legacy limits.
    TelitLegacy,
    /// Telit LE910/ME910/ME310 and later: `AT#SSLSECDATA` with larger limits and more slots.
    TelitLe910,
}

impl Family {
    /// Every family, in the order the page lists them.
    pub const ALL: [Self; 6] = [
        Self::Sim800,
        Self::Sim7600,
        Self::Spwf04,
        Self::TelitLegacy,
        Self::TelitLe910,
        Self::Ichip,
    ];

    /// The short name used on the command line (`--module NAME`) and in file names.
    pub const fn id(self) -> &'static str {
        match self {
            Self::Ichip => "ichip",
            Self::Sim800 => "sim800",
            Self::Sim7600 => "sim7600",
            Self::Spwf04 => "spwf04",
            Self::TelitLegacy => "telit-legacy",
            Self::TelitLe910 => "telit-le910",
        }
    }

    /// The name a person reads.
    pub const fn display_name(self) -> &'static str {
        match self {
            Self::Ichip => "Connect One iChip",
            Self::Sim800 => "SIMCom SIM800",
            Self::Sim7600 => "SIMCom SIM7600 / SIM7800",
            Self::Spwf04 => "ST SPWF04",
            Self::TelitLegacy => "Telit GE864 / GL865 (legacy)",
            Self::TelitLe910 => "Telit LE910 / ME910",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// The name given was none of the families' names or aliases.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[error(
    "unknown module '{given}'; known modules: sim800, sim7600, spwf04, telit-legacy, telit-le910, ichip"
)]
pub struct UnknownFamily {
    pub given: String,
}

impl FromStr for Family {
    type Err = UnknownFamily;

    /// Accepts the ids and the model names people type (`SIM7600E-H`, `GL865`, `LE910C1`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let name = lower.replace(['_', ' '], "-");
        let family = match name.as_str() {
            "ichip" | "connectone" | "connect-one" | "co2128" | "co2144" => Self::Ichip,
            n if n.starts_with("sim800") || n.starts_with("sim808") || n.starts_with("sim868") => {
                Self::Sim800
            }
            n if n.starts_with("sim7600") || n.starts_with("sim7800") || n.starts_with("a76") => {
                Self::Sim7600
            }
            n if n.starts_with("spwf04") => Self::Spwf04,
            "telit" | "telit-legacy" => Self::TelitLegacy,
            n if ["ge864", "ge865", "gl865", "gl868", "gc864"]
                .iter()
                .any(|p| n.starts_with(p)) =>
            {
                Self::TelitLegacy
            }
            "telit-le910" => Self::TelitLe910,
            n if ["le910", "me910", "me310", "ln920"]
                .iter()
                .any(|p| n.starts_with(p)) =>
            {
                Self::TelitLe910
            }
            _ => {
                return Err(UnknownFamily {
                    given: s.to_owned(),
                });
            }
        };
        Ok(family)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_model_names_resolve() {
        for family in Family::ALL {
            assert_eq!(family.id().parse::<Family>(), Ok(family));
        }
        assert_eq!("SIM7600E-H".parse(), Ok(Family::Sim7600));
        assert_eq!("GL865-QUAD".parse(), Ok(Family::TelitLegacy));
        assert_eq!("LE910C1-EU".parse(), Ok(Family::TelitLe910));
        assert_eq!("SIM800L".parse(), Ok(Family::Sim800));
        assert!("bg96".parse::<Family>().is_err());
    }
}
