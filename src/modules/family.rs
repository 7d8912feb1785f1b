//! The module families atcert knows. Telit is one vendor line with two generations whose
//! credential commands differ, so each generation is its own family here.

use core::fmt;

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
    /// Quectel BG96/BG95/BG77/EG91/EC200U: `AT+QFUPL` files and `AT+QSSLCFG` contexts.
    Quectel,
    /// u-blox SARA-R4 / SARA-R5: `AT+USECMNG` security manager and `AT+USECPRF` profiles.
    Ublox,
    /// Nordic nRF9160/nRF9161/nRF9151: `AT%CMNG` security tags, written offline.
    Nrf91,
    /// SIMCom SIM7000 / SIM7070 / SIM7080 / SIM7090: CFS files converted into the SSL store.
    Sim70xx,
    /// Sequans Monarch 2 GM02S/GM02SP: `AT+SQNSNVW` slots and `AT+SQNSPCFG` profiles.
    Sequans,
    /// Espressif ESP-AT v3.1+ (ESP32, C2/C3/C6, S2): `AT+SYSMFG` into the manufacturing NVS.
    Espat,
}

impl Family {
    /// Every family, in the order the page lists them.
    pub const ALL: [Self; 12] = [
        Self::Sim800,
        Self::Sim7600,
        Self::Spwf04,
        Self::TelitLegacy,
        Self::TelitLe910,
        Self::Ichip,
        Self::Quectel,
        Self::Ublox,
        Self::Nrf91,
        Self::Sim70xx,
        Self::Sequans,
        Self::Espat,
    ];
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// The name given was none of the families' names or aliases.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[error("unknown module '{given}'; known modules: {}", Family::id_list())]
pub struct UnknownFamily {
    pub given: String,
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
        assert_eq!("SIM7080G".parse(), Ok(Family::Sim70xx));
        assert_eq!("SIM7000G".parse(), Ok(Family::Sim70xx));
        assert_eq!("SIM7600G-H".parse(), Ok(Family::Sim7600));
        assert_eq!("SARA-R510M8S".parse(), Ok(Family::Ublox));
        assert_eq!("GM02SP".parse(), Ok(Family::Sequans));
        assert!("nosuch".parse::<Family>().is_err());
        assert_eq!(
            "nosuch".parse::<Family>().unwrap_err().to_string(),
            "unknown module 'nosuch'; known modules: sim800, sim7600, spwf04, telit-legacy, telit-le910, ichip, quectel, ublox, nrf91, sim70xx, sequans, espat"
        );
    }
}
