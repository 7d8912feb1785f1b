//! A credential set: the three roles together, and what only shows across them.

use super::findings::{Finding, FindingKind, LintReport, Severity};
use super::rules::{CredentialRules, Role};
use super::{LintContext, Parsed, lint_parsed};
use crate::cert::parse::ParseOutcome;

/// The lint of a whole set, plus what only shows across roles.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct SetReport {
    pub ca: Option<LintReport>,
    pub client_cert: Option<LintReport>,
    pub client_key: Option<LintReport>,
    /// Findings about the set: key and certificate belong together, both are present.
    pub findings: Vec<Finding>,
}

impl SetReport {
    /// True when every part and the set itself would be accepted.
    pub fn is_ok(&self) -> bool {
        [&self.ca, &self.client_cert, &self.client_key]
            .into_iter()
            .flatten()
            .all(LintReport::is_ok)
            && !self.findings.iter().any(Finding::is_blocking)
    }
}

/// Lints the credentials a module will hold together (any may be absent: a CA alone is
/// server authentication).
pub fn lint_set(
    rules: &CredentialRules,
    ca: Option<&[u8]>,
    client_cert: Option<&[u8]>,
    client_key: Option<&[u8]>,
    ctx: &LintContext<'_>,
) -> SetReport {
    let outcome = |input: Option<&[u8]>| input.map(|i| super::parse_bytes(i, ctx));
    let (ca_outcome, cert_outcome, key_outcome) =
        (outcome(ca), outcome(client_cert), outcome(client_key));
    lint_set_parsed(
        rules,
        parsed(ca, &ca_outcome),
        parsed(client_cert, &cert_outcome),
        parsed(client_key, &key_outcome),
        ctx,
    )
}

fn parsed<'a>(bytes: Option<&'a [u8]>, outcome: &'a Option<ParseOutcome>) -> Option<Parsed<'a>> {
    Some(Parsed {
        bytes: bytes?,
        outcome: outcome.as_ref()?,
    })
}

/// [`lint_set`] of credentials the caller already parsed.
pub fn lint_set_parsed(
    rules: &CredentialRules,
    ca: Option<Parsed<'_>>,
    client_cert: Option<Parsed<'_>>,
    client_key: Option<Parsed<'_>>,
    ctx: &LintContext<'_>,
) -> SetReport {
    let run = |role, input: Option<Parsed<'_>>| input.map(|i| lint_parsed(rules, role, i, ctx));
    let mut report = SetReport {
        ca: run(Role::Ca, ca),
        client_cert: run(Role::ClientCert, client_cert),
        client_key: run(Role::ClientKey, client_key),
        findings: Vec::new(),
    };
    let sent = |r: &Option<LintReport>| r.as_ref().and_then(|r| r.output.as_ref()).cloned();
    match (sent(&report.client_cert), sent(&report.client_key)) {
        (Some(cert), Some(key)) => {
            if let (Some(cert_public), Some(key_public)) = (cert.public_key, key.public_key)
                && cert_public != key_public
            {
                report.findings.push(Finding::new(
                    FindingKind::KeyMismatch,
                    Severity::Error,
                    "fail the handshake: the client key is not the key of the client certificate",
                    "the certificate's public key differs from the key's",
                    None,
                    Some(
                        "give the private key made with this certificate's request \
                         (compare `openssl x509 -noout -pubkey` with `openssl pkey -pubout`)"
                            .into(),
                    ),
                ));
            }
        }
        (Some(_), None) | (None, Some(_)) => report.findings.push(Finding::new(
            FindingKind::Incomplete,
            Severity::Error,
            "be unable to authenticate: mutual TLS needs both the client certificate and its key",
            "a client certificate is proven by its private key",
            None,
            Some("give the missing client certificate or key".into()),
        )),
        (None, None) => {}
    }
    report
}
