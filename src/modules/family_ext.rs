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
/// Each driver states its own values (`RECOVERY` in `modules/<family>.rs`).
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
