//! One module family = one [`Driver`], implemented in `src/modules/<family>.rs`.
//!
//! A driver holds everything atcert knows about a family: the names people type for it,
//! its engine configuration, its credential rules (as data, each fact with its source
//! tag), its plans (built from small per-command constructors in its file), its error
//! explanations and how it recovers after an interrupted run. [`Family::driver`] is the
//! one place in `modules/` that matches on a family; everything else asks the driver.
//!
//! The checks every family shares (nothing to send, an empty credential, too large for
//! the rules' `max_bytes`) run once in [`check_credentials`], from the
//! rules the caller passes, so a rules override reaches the flows.

use core::time::Duration;

use crate::at::{Config, Final};
use crate::cert::lint::CredentialRules;
use crate::modules::Family;
use crate::modules::explain::Explanation;
use crate::modules::identify::{Answer, Findings, Probe};
use crate::modules::plan::{Credentials, Options, Plan, PlanError};

/// How people and the command line name a family: data, one value per driver.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Names {
    /// The short name used on the command line (`--module NAME`) and in file names.
    pub id: &'static str,
    /// The name a person reads.
    pub display_name: &'static str,
    /// The models this driver covers, as the page's Help lists them.
    pub models: &'static str,
    /// Model-name prefixes (lower case, `-` for `_` and spaces) that name this family on
    /// the command line, besides its id (`sim7600` takes `SIM7600E-H`).
    pub model_prefixes: &'static [&'static str],
    /// Exact extra names (lower case) that name this family.
    pub aliases: &'static [&'static str],
}

/// What a family implements. Plans take the rules in force (the family's own, or an
/// override) so that limits come from one place.
pub trait Driver: Sync {
    /// The family this driver is for.
    fn family(&self) -> Family;

    /// How people and the command line name this family.
    fn names(&self) -> &'static Names;

    /// For a family that answers only its own commands, not `ATI`/`AT+CGMM`: the probe
    /// asked while no family is known (SPWF04 `AT+S.STS=version`, iChip `AT+i`).
    /// [`Driver::read_probe`] says whether its answer shows this family.
    fn discovery_probe(&self) -> Option<Probe> {
        None
    }

    /// Identification once this family is known: the probes still to ask, in order
    /// (model, firmware, whether this firmware has TLS).
    fn identify_probes(&self) -> &'static [Probe] {
        &[Probe::CGMM, Probe::CGMR]
    }

    /// Reads the answer to one of this family's own probes (its discovery probe or one of
    /// its identify probes that is not a 3GPP one) into `found`: model, firmware, whether
    /// this firmware has TLS. Returns whether the answer shows this family.
    fn read_probe(&self, _probe: Probe, _answer: &Answer, _found: &mut Findings) -> bool {
        false
    }

    /// A vendor prefix before the model name in `AT+CGMM`/`ATI` answers (`SIMCOM_`).
    fn model_name_prefix(&self) -> Option<&'static str> {
        None
    }

    /// Words in `ATI`/`AT+CGMM` answers that name the vendor, not a model (`Telit`).
    fn vendor_words(&self) -> &'static [&'static str] {
        &[]
    }

    /// A firmware revision this family writes into an `ATI`/`AT+CGMM` line
    /// (SIM800's `SIM800 R14.18`).
    fn firmware_in_id_line(&self, _line: &str) -> Option<String> {
        None
    }

    /// Whether every firmware seen has the TLS commands, so detection need not ask.
    fn tls_on_every_firmware(&self) -> bool {
        false
    }

    /// Whether this family's plans differ by firmware line ([`Options::firmware`]), so that
    /// a flow given no firmware asks the module who it is before it plans (ESP-AT
    /// `AT+SYSMFG` from v3.1, nRF91 Serial Modem versus SLM).
    fn needs_firmware(&self) -> bool {
        false
    }

    /// The engine configuration for this family's URCs and final results.
    fn engine_config(&self) -> Config;

    /// The credential rules: formats, sizes, names or slots, key types, clock, TLS.
    fn rules(&self) -> CredentialRules;

    /// Why atcert cannot provision a client certificate and key (mutual TLS) here, or
    /// `None` where it can. The one place a family says it has no mutual TLS.
    fn no_mutual_tls(&self) -> Option<&'static str> {
        None
    }

    /// Whether atcert can provision a client certificate and key (mutual TLS) here.
    fn mutual_tls(&self) -> bool {
        self.no_mutual_tls().is_none()
    }

    /// How to get back to command mode after an interrupted run.
    fn recovery(&self) -> Recovery;

    /// The extra words of a [`PlanError::TooLarge`] for this family.
    fn too_large_hint(&self) -> &'static str {
        "upload only the root, not a chain, or use DER"
    }

    /// Writes, verifies and configures `creds` (already checked by
    /// [`check_credentials`]).
    fn plan_provision(
        &self,
        rules: &CredentialRules,
        creds: &Credentials,
        opts: &Options,
    ) -> Result<Plan, PlanError>;

    /// Removes `creds` and checks they are gone.
    fn plan_remove(&self, creds: &Credentials, opts: &Options) -> Result<Plan, PlanError>;

    /// TLS settings only.
    fn plan_configure_tls(&self, creds: &Credentials, opts: &Options) -> Result<Plan, PlanError>;

    /// Sets the clock from `opts.unix_time` (empty without a time or a command).
    fn plan_set_clock(&self, opts: &Options) -> Plan;

    /// Opens TLS to `opts.host:opts.port`, sends the request, reads, closes.
    fn plan_test_connection(&self, opts: &Options) -> Result<Plan, PlanError>;

    /// What a final result means on this family.
    fn explain(&self, fin: &Final) -> Option<Explanation>;

    /// What a failed final result means as the answer to the command `line`, where the
    /// family reads it differently from [`Driver::explain`].
    fn explain_command(&self, _line: &str, _fin: &Final) -> Option<Explanation> {
        None
    }

    /// What an informational or unsolicited line means, when it reports a failure.
    fn explain_line(&self, _line: &str) -> Option<Explanation> {
        None
    }
}

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

/// The checks every family shares, run once before any driver plans: client credentials
/// where the family has no mutual TLS, nothing to send, an empty credential, a credential
/// larger than `rules` allow for its role.
pub fn check_credentials(
    driver: &dyn Driver,
    rules: &CredentialRules,
    creds: &Credentials,
) -> Result<(), PlanError> {
    let family = driver.family();
    if let Some(why) = driver.no_mutual_tls()
        && (creds.client_cert.is_some() || creds.client_key.is_some())
    {
        return Err(PlanError::Unsupported {
            family,
            what: "use a client certificate and key".into(),
            why: why.to_owned(),
        });
    }
    if creds.roles().next().is_none() {
        return Err(PlanError::Nothing);
    }
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        if c.bytes.is_empty() {
            return Err(PlanError::Empty { role });
        }
        if let Some(max) = rules.role(role).max_bytes.as_ref().map(|r| r.value)
            && c.bytes.len() > max
        {
            return Err(PlanError::TooLarge {
                family,
                role,
                len: c.bytes.len(),
                max,
                hint: driver.too_large_hint().to_owned(),
            });
        }
    }
    Ok(())
}
