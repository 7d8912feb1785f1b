//! Module families: identification, credential rules, provisioning flows and error meanings.
//!
//! Every flow is first a [`Plan`]: the exact commands it sends, which `atcert plan` prints
//! and the flows in [`flows`] run. Per-family details live in one file per family.

pub mod family;
mod family_ext;
pub mod rules;

mod cmd;
pub mod explain;
pub mod flows;
pub mod ichip;
pub mod identify;
pub mod plan;
pub mod prepare;
pub mod sim7600;
pub mod sim800;
pub mod sources;
pub mod spwf04;
pub mod telit;

pub use explain::Explanation;
pub use family::Family;
pub use family_ext::Recovery;
pub use identify::{Detector, Identity, TlsSupport};
pub use plan::{
    Check, Credential, Credentials, Expect, Options, Plan, PlanError, Purpose, Role, Step,
    TlsVersion,
};

use crate::at::Final;

// Every plan below starts with the recovery step (`plan::with_recovery`): a flow starts
// correctly from whatever an interrupted run left.

/// The plan that writes, verifies and configures `creds` on a `family` module.
pub fn plan_provision(
    family: Family,
    creds: &Credentials,
    opts: &Options,
) -> Result<Plan, PlanError> {
    let plan = match family {
        Family::Sim800 => sim800::plan_provision(creds, opts),
        Family::Sim7600 => sim7600::plan_provision(creds, opts),
        Family::Spwf04 => spwf04::plan_provision(creds, opts),
        Family::TelitLegacy | Family::TelitLe910 => telit::plan_provision(family, creds, opts),
        Family::Ichip => ichip::plan_provision(creds, opts),
    };
    plan.map(plan::with_recovery)
}

/// The plan that removes `creds` (by name or slot).
pub fn plan_remove(family: Family, creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
    let plan = match family {
        Family::Sim800 => sim800::plan_remove(creds),
        Family::Sim7600 => sim7600::plan_remove(creds),
        Family::Spwf04 => Ok(spwf04::plan_remove(creds)),
        Family::TelitLegacy | Family::TelitLe910 => Ok(telit::plan_remove(family, creds, opts)),
        Family::Ichip => Ok(ichip::plan_remove(creds)),
    };
    plan.map(plan::with_recovery)
}

/// The plan that configures TLS for `creds` (auth mode, version, ciphers, SNI).
pub fn plan_configure_tls(
    family: Family,
    creds: &Credentials,
    opts: &Options,
) -> Result<Plan, PlanError> {
    let plan = match family {
        Family::Sim800 => sim800::plan_configure_tls(opts),
        Family::Sim7600 => sim7600::plan_configure_tls(creds, opts),
        Family::Spwf04 => Ok(spwf04::plan_configure_tls()),
        Family::TelitLegacy | Family::TelitLe910 => telit::plan_configure_tls(family, creds, opts),
        Family::Ichip => Ok(ichip::plan_configure_tls()),
    };
    plan.map(plan::with_recovery)
}

/// The plan that sets the module clock from `opts.unix_time` (empty where the module has
/// no such command or no time was given).
pub fn plan_set_clock(family: Family, opts: &Options) -> Plan {
    plan::with_recovery(match family {
        Family::Sim800 => sim800::plan_set_clock(opts),
        Family::Sim7600 => sim7600::plan_set_clock(opts),
        Family::Spwf04 => spwf04::plan_set_clock(opts),
        Family::TelitLegacy | Family::TelitLe910 => telit::plan_set_clock(family, opts),
        Family::Ichip => ichip::plan_set_clock(),
    })
}

/// The plan that opens TLS to `opts.host:opts.port`, sends the request, reads, closes.
pub fn plan_test_connection(family: Family, opts: &Options) -> Result<Plan, PlanError> {
    let plan = match family {
        Family::Sim800 => sim800::plan_test_connection(opts),
        Family::Sim7600 => sim7600::plan_test_connection(opts),
        Family::Spwf04 => spwf04::plan_test_connection(opts),
        Family::TelitLegacy | Family::TelitLe910 => telit::plan_test_connection(family, opts),
        Family::Ichip => ichip::plan_test_connection(opts),
    };
    plan.map(plan::with_recovery)
}

/// What a final result means on this family, and the next step.
pub fn explain(family: Family, fin: &Final) -> Option<Explanation> {
    match family {
        Family::Sim800 => sim800::explain(fin),
        Family::Sim7600 => sim7600::explain(fin),
        Family::Spwf04 => spwf04::explain(fin),
        Family::TelitLegacy | Family::TelitLe910 => telit::explain(family, fin),
        Family::Ichip => ichip::explain(fin),
    }
}

/// What a final result means as the answer to `command`: the family's reading of that
/// command's failure where it has one (a bare `ERROR` to `AT+CCHSTART` means the service is
/// already started), else [`explain`].
pub fn explain_command(
    family: Family,
    command: &crate::at::Command,
    fin: &Final,
) -> Option<Explanation> {
    let line = command.line_text();
    let specific = match family {
        Family::Sim800 => sim800::explain_command(&line, fin),
        Family::Sim7600 => sim7600::explain_command(&line, fin),
        _ => None,
    };
    specific.or_else(|| explain(family, fin))
}

/// What an informational or unsolicited line means (`+CCHOPEN: 0,15`,
/// `AT-S.Certificate Error:23`, `0, CONNECT FAIL`), when it reports a failure.
pub fn explain_line(family: Family, line: &str) -> Option<Explanation> {
    match family {
        Family::Sim800 => sim800::explain_line(line),
        Family::Sim7600 => sim7600::explain_line(line),
        Family::Spwf04 => spwf04::explain_line(line),
        Family::TelitLegacy | Family::TelitLe910 => telit::explain_line(line),
        Family::Ichip => None,
    }
}
