//! What the flows need to know about a family beyond its name: the engine settings for its
//! line discipline, and how to bring it back to command mode after an interrupted run.

use core::time::Duration;

use crate::at::Config;
use crate::modules::Family;

/// How [`crate::modules::flows`] brings a module of this family back to command mode from
/// whatever an interrupted run left (a data phase waiting for bytes, online mode). Each
/// escalation is sent only when the module did not answer the probe before it; a module
/// that answers the first probe gets nothing else.
///
/// The family owners fill these facts; the values below are the safe defaults described
/// on each field.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Recovery {
    /// The command that shows the module is in command mode: `AT`, or `AT+i` for iChip,
    /// which answers nothing else (ichip.md 2).
    pub probe: &'static str,
    /// Bytes that end a data phase that waits for an end character, without storing what
    /// came before: ESC (0x1B) after a `>` prompt. Empty: the family has none, and nothing
    /// is sent. In a counted data phase these bytes are data like any other.
    pub abort: &'static [u8],
    /// Whether the module has an online (transparent) data mode that `+++` with a second
    /// of silence on each side leaves.
    pub escape_online: bool,
    /// The longest the module waits for the rest of a counted data phase before it gives up
    /// by itself; the flow waits this long before filling.
    pub data_timeout: Duration,
    /// The largest counted data phase a flow of this family starts: filling this many
    /// bytes ends any of them.
    pub max_data: usize,
}

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

    /// How to get this family back to command mode (see [`Recovery`]).
    pub const fn recovery(self) -> Recovery {
        match self {
            // ESC cancels data after the `>` prompt: "Ctrl-Z is used as a termination
            // symbol. ESC is used to cancel sending data" (SIM800 Series AT Command Manual
            // V1.05 p.216, AT+CIPSEND; the same words in SIM900 V1.07 p.188). AT+FSWRITE
            // gives up after the input time the flow itself sends (10 s, sim800.md 2.2);
            // AT+CIPSEND=<n> has no documented timeout, hence filling.
            Self::Sim800 => Recovery {
                probe: "AT",
                abort: b"\x1b",
                escape_online: false,
                data_timeout: Duration::from_secs(10),
                max_data: 10240,
            },
            // ESC is not documented for AT+CCERTDOWN / AT+CCHSEND (sim7600.md 2.1 [I]); it
            // is SIMCom's cancel after a `>` prompt (SIM7000 Series AT Command Manual V1.03
            // p.126, AT+CIPSEND) and one data byte in a counted phase. `+++` between 1 s
            // pauses leaves transparent mode (sim7600.md 4.6; V.250 escape, e.g. Siemens
            // MC55 AT manual p.144: "preceded and followed by a pause of at least 1000 ms").
            // [I] the 120 s a counted upload waits is the simulator's assumption.
            Self::Sim7600 => Recovery {
                probe: "AT",
                abort: b"\x1b",
                escape_online: true,
                data_timeout: Duration::from_secs(120),
                max_data: 10240,
            },
            // No end character and no online mode: data follows the command at once
            // and is counted (spwf04.md, AT+S.TLSCERT / AT+S.FSC). [I] 10 s data timeout (AT-S.ERROR:69).
            Self::Spwf04 => Recovery {
                probe: "AT",
                abort: b"",
                escape_online: false,
                data_timeout: Duration::from_secs(10),
                max_data: 4096,
            },
            // After Telit's `>` prompt, "to exit without writing the message send ESC char
            // (0x1B hex)" (#SSEND: LE910-SKG AT reference 80437ST10619A p.194, ME910C1
            // 80529ST10815A p.169, GM862 80000ST10025a rev.5 p.325); for #SSLSECDATA the
            // same is [I] (telit.md 2.2). Escape: three `+` "preceded and followed by n ms
            // of idle" (S2/S12, LE910 V2 80446ST10707A p.53; S12 default 50 = 1 s,
            // 80000ST10025a rev.5 p.64); #SSLD online mode is left with it (p.359).
            Self::TelitLegacy | Self::TelitLe910 => Recovery {
                probe: "AT",
                abort: b"\x1b",
                escape_online: true,
                data_timeout: Duration::ZERO,
                max_data: 8192,
            },
            // A multi-line parameter ends at its -----END line or after a host timeout
            // (ichip.md, error 69 [C]); no abort character is documented.
            Self::Ichip => Recovery {
                probe: "AT+i",
                abort: b"",
                escape_online: false,
                data_timeout: Duration::from_secs(60),
                max_data: 4096,
            },
        }
    }
}
