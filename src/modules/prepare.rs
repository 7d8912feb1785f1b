//! Puts credential files into the form each family stores. [`from_lint`] is the way: it runs
//! `cert::lint` with the family's rules (`modules/rules.rs`), which fixes what it can
//! (encoding, line endings, chain trimming) and refuses what the module would reject.

use crate::cert::lint::{
    Destination, FindingKind, LintContext, LintReport, Parsed, lint_set_parsed, parse_bytes,
};
use crate::cert::parse::ParseOutcome;
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
    let outcome = |input: Option<&[u8]>| input.map(|i| parse_bytes(i, ctx));
    let (ca_outcome, cert_outcome, key_outcome) = (outcome(ca), outcome(cert), outcome(key));
    from_parsed(
        family,
        parsed(ca, &ca_outcome),
        parsed(cert, &cert_outcome),
        parsed(key, &key_outcome),
        ctx,
    )
}

/// [`from_lint`] of files the caller parsed already (the page keeps what it parsed at load):
/// nothing is decoded again on the way to the module. The set is linted as a whole, so a
/// client key that is not the client certificate's is refused before anything is sent.
pub fn from_parsed(
    family: Family,
    ca: Option<Parsed<'_>>,
    cert: Option<Parsed<'_>>,
    key: Option<Parsed<'_>>,
    ctx: &LintContext<'_>,
) -> Result<(Credentials, Vec<LintReport>), PrepareError> {
    let rules = crate::modules::rules::rules(family);
    let set = lint_set_parsed(&rules, ca, cert, key, ctx);
    let mismatch: Vec<String> = set
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::KeyMismatch)
        .map(|f| format!("  {f}"))
        .collect();
    let prepared = collect(
        [set.ca, set.client_cert, set.client_key]
            .into_iter()
            .flatten(),
    )?;
    if !mismatch.is_empty() {
        return Err(PrepareError::Rejected {
            role: Role::ClientKey,
            findings: mismatch.join("\n"),
        });
    }
    Ok(prepared)
}

fn parsed<'a>(bytes: Option<&'a [u8]>, outcome: &'a Option<ParseOutcome>) -> Option<Parsed<'a>> {
    Some(Parsed {
        bytes: bytes?,
        outcome: outcome.as_ref()?,
    })
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
