//! Module families: identification, credential rules, provisioning flows and error meanings.
//!
//! Every flow is first a [`Plan`]: the exact commands it sends, which `atcert plan` prints
//! and the flows in [`flows`] run. Per-family details live in one file per family.

pub mod driver;
pub mod family;
mod registry;
pub mod rules;

mod cmd;
pub mod espat;
pub mod explain;
pub mod flows;
pub mod ichip;
pub mod identify;
pub mod nrf91;
pub mod plan;
pub mod prepare;
pub mod quectel;
pub mod sequans;
pub mod sim70xx;
pub mod sim7600;
pub mod sim800;
pub mod sources;
pub mod spwf04;
pub mod telit;
pub mod ublox;

pub use driver::Recovery;
pub use driver::{Driver, Names};
pub use explain::Explanation;
pub use family::Family;
pub use identify::{Detector, Identity, TlsSupport};
pub use plan::{
    Check, Credential, Credentials, Expect, Options, Plan, PlanError, Proves, Purpose, Role, Step,
    TlsVersion,
};

use crate::at::Final;
use crate::cert::lint::CredentialRules;

// Every plan below starts with the recovery step (`plan::with_recovery`): a flow starts
// correctly from whatever an interrupted run left. Each is a thin dispatcher to the family's
// [`Driver`].

/// The plan that writes, verifies and configures `creds` on a `family` module.
pub fn plan_provision(
    family: Family,
    creds: &Credentials,
    opts: &Options,
) -> Result<Plan, PlanError> {
    plan_provision_with(family, &family.driver().rules(), creds, opts)
}

/// [`plan_provision`] under `rules` (the family's, or an override for another firmware):
/// the shared checks and the plan both read the limits from them.
pub fn plan_provision_with(
    family: Family,
    rules: &CredentialRules,
    creds: &Credentials,
    opts: &Options,
) -> Result<Plan, PlanError> {
    let driver = family.driver();
    driver::check_credentials(driver, rules, creds)?;
    driver
        .plan_provision(rules, creds, opts)
        .map(plan::with_recovery)
}

/// The plan that removes `creds` (by name or slot).
pub fn plan_remove(family: Family, creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
    family
        .driver()
        .plan_remove(creds, opts)
        .map(plan::with_recovery)
}

/// The plan that configures TLS for `creds` (auth mode, version, ciphers, SNI).
pub fn plan_configure_tls(
    family: Family,
    creds: &Credentials,
    opts: &Options,
) -> Result<Plan, PlanError> {
    family
        .driver()
        .plan_configure_tls(creds, opts)
        .map(plan::with_recovery)
}

/// The plan that sets the module clock from `opts.unix_time` (empty where the module has
/// no such command or no time was given).
pub fn plan_set_clock(family: Family, opts: &Options) -> Plan {
    plan::with_recovery(family.driver().plan_set_clock(opts))
}

/// The plan that opens TLS to `opts.host:opts.port`, sends the request, reads, closes.
pub fn plan_test_connection(family: Family, opts: &Options) -> Result<Plan, PlanError> {
    family
        .driver()
        .plan_test_connection(opts)
        .map(plan::with_recovery)
}

/// What a final result means on this family, and the next step.
pub fn explain(family: Family, fin: &Final) -> Option<Explanation> {
    family.driver().explain(fin)
}

/// What a final result means as the answer to `command`: the family's reading of that
/// command's failure where it has one (a bare `ERROR` to `AT+CCHSTART` means the service is
/// already started), else [`explain`].
pub fn explain_command(
    family: Family,
    command: &crate::at::Command,
    fin: &Final,
) -> Option<Explanation> {
    let driver = family.driver();
    driver
        .explain_command(&command.line_text(), fin)
        .or_else(|| driver.explain(fin))
}

/// What an informational or unsolicited line means (`+CCHOPEN: 0,15`,
/// `AT-S.Certificate Error:23`, `0, CONNECT FAIL`), when it reports a failure.
pub fn explain_line(family: Family, line: &str) -> Option<Explanation> {
    family.driver().explain_line(line)
}
