//! Puts credential files into the form each family stores. [`from_lint`] is the way: it runs
//! `cert::lint` with the family's rules (`modules/rules.rs`), which fixes what it can
//! (encoding, line endings, chain trimming) and refuses what the module would reject.

use crate::cert::lint::{Destination, LintContext, LintReport, Parsed, lint_parsed};
use crate::modules::Family;
use crate::modules::plan::{Credential, Credentials, Role};

/// A credential file could not be read.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PrepareError {
    /// The lint found what the module would reject and cannot fix.
    #[error("the {role} would be rejected by the module:\n{findings}")]
    Rejected { role: Role, findings: String },
}

/// The name a flow uses from the lint's destination: the file name for files (SIM800's
/// `C:\USER\ROOT.CER` gives `ROOT.CER`, whose flow adds the folder; `ca_cert.pem` and
/// SPWF04's `/<ski>.ca` stay), nothing for slots and parameters, which the flows address by
/// role.
fn name_from_destination(destination: &Destination) -> String {
    match destination {
        Destination::File { path } => path.rsplit('\\').next().unwrap_or(path).to_owned(),
        Destination::Slot { .. } | Destination::Parameter { .. } => String::new(),
    }
}

/// Lints each file against the family's rules and returns what the flows send, with every
/// report (fixes made, warnings). Each file is parsed once; [`from_parsed`] takes files the
/// caller parsed already.
pub fn from_lint(
    family: Family,
    ca: Option<&[u8]>,
    cert: Option<&[u8]>,
    key: Option<&[u8]>,
    ctx: &LintContext<'_>,
) -> Result<(Credentials, Vec<LintReport>), PrepareError> {
    let rules = crate::modules::rules::rules(family);
    let reports = [
        (Role::Ca, ca),
        (Role::ClientCert, cert),
        (Role::ClientKey, key),
    ]
    .into_iter()
    .filter_map(|(role, input)| Some(crate::cert::lint::lint(&rules, role, input?, ctx)));
    collect(reports)
}

/// [`from_lint`] of files the caller parsed already (the page keeps what it parsed at load):
/// nothing is decoded again on the way to the module.
pub fn from_parsed(
    family: Family,
    ca: Option<Parsed<'_>>,
    cert: Option<Parsed<'_>>,
    key: Option<Parsed<'_>>,
    ctx: &LintContext<'_>,
) -> Result<(Credentials, Vec<LintReport>), PrepareError> {
    let rules = crate::modules::rules::rules(family);
    let reports = [
        (Role::Ca, ca),
        (Role::ClientCert, cert),
        (Role::ClientKey, key),
    ]
    .into_iter()
    .filter_map(|(role, input)| Some(lint_parsed(&rules, role, input?, ctx)));
    collect(reports)
}

/// The credentials of the reports, or the first role the module would reject.
fn collect(
    reports: impl Iterator<Item = LintReport>,
) -> Result<(Credentials, Vec<LintReport>), PrepareError> {
    let mut creds = Credentials::default();
    let mut kept = Vec::new();
    for report in reports {
        let role = report.role;
        let out = match (&report.output, report.is_ok()) {
            (Some(out), true) => out.clone(),
            _ => {
                let findings: Vec<String> = report
                    .findings
                    .iter()
                    .filter(|f| f.is_blocking() || report.output.is_none())
                    .map(|f| format!("  {f}"))
                    .collect();
                return Err(PrepareError::Rejected {
                    role,
                    findings: findings.join("\n"),
                });
            }
        };
        let credential = Credential {
            bytes: out.bytes,
            name: name_from_destination(&out.destination),
        };
        match role {
            Role::Ca => creds.ca = Some(credential),
            Role::ClientCert => creds.client_cert = Some(credential),
            Role::ClientKey => creds.client_key = Some(credential),
        }
        kept.push(report);
    }
    Ok((creds, kept))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_become_flow_names() {
        let file = |path: &str| Destination::File { path: path.into() };
        assert_eq!(
            name_from_destination(&file("C:\\USER\\ROOT.CER")),
            "ROOT.CER"
        );
        assert_eq!(name_from_destination(&file("ca_cert.der")), "ca_cert.der");
        assert_eq!(
            name_from_destination(&Destination::Slot {
                ssid: 1,
                data_type: 1
            }),
            ""
        );
        assert_eq!(name_from_destination(&file("/ab12.ca")), "/ab12.ca");
        assert_eq!(
            name_from_destination(&Destination::Parameter {
                name: "AT+S.TLSCERT=cert"
            }),
            ""
        );
    }

    #[test]
    fn unreadable_input_is_refused_with_the_lints_words() {
        let ctx = LintContext::default();
        let err = from_lint(
            Family::Sim7600,
            Some(b"not a certificate"),
            None,
            None,
            &ctx,
        )
        .unwrap_err();
        assert!(
            matches!(err, PrepareError::Rejected { role: Role::Ca, .. }),
            "{err}"
        );
    }
}
