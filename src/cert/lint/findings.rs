//! What the lint reports: findings, and the bytes to send with where they go.

use core::fmt;

use super::rules::{Encoding, Role, Storage, Tag};
use crate::cert::keys::PublicKeyId;

#[derive(Clone, Copy, Debug, Eq, Ord, PartialEq, PartialOrd)]
pub enum Severity {
    Info,
    /// Likely a problem; the module may or may not reject it.
    Warning,
    /// The module would reject it (or fail the handshake because of it).
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        })
    }
}

/// A machine-readable name for each kind of finding, so callers and tests need not match text.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum FindingKind {
    Unreadable,
    WrongContent,
    Encrypted,
    TextAround,
    Encoding,
    LineEndings,
    LineWidth,
    TrailingNewline,
    TrailingGarbage,
    ChainTrimmed,
    NotRoot,
    NotCa,
    LeafNotFound,
    KeyType,
    KeySize,
    KeyEncoding,
    SignatureHash,
    NotYetValid,
    Expired,
    ModuleClock,
    ClockMustBeSet,
    Size,
    MutualTls,
    /// The client key is not the certificate's key.
    KeyMismatch,
    /// Only one of client certificate and key was given.
    Incomplete,
    ClientAuthUsage,
    SkiComputed,
}

#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// What the module would do with the credential as given.
    pub module_would: String,
    /// Why: the rule and its source.
    pub why: String,
    /// What atcert did about it, if it fixed it.
    pub fix: Option<String>,
    /// What the user must do when atcert cannot fix it.
    pub user_action: Option<String>,
    /// The rules this finding rests on, as data: how sure we are and where it comes from
    /// (the page links each to a public document).
    pub sources: Vec<Cited>,
}

/// A rule a finding cites.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Cited {
    pub tag: Tag,
    pub source: &'static str,
}

impl Finding {
    /// A finding. Severity says what the user must act on: what atcert fixed is at most a
    /// warning, never an error, whatever the module would have done with the original.
    pub fn new(
        kind: FindingKind,
        severity: Severity,
        module_would: impl Into<String>,
        why: impl Into<String>,
        fix: Option<String>,
        user_action: Option<String>,
    ) -> Self {
        let severity = if fix.is_some() {
            severity.min(Severity::Warning)
        } else {
            severity
        };
        Self {
            kind,
            severity,
            module_would: module_would.into(),
            why: why.into(),
            fix,
            user_action,
            sources: Vec::new(),
        }
    }

    /// The finding in plain words, for someone who does not know the module: what it would
    /// do with the credential as given, then what atcert did about it or what is left to do.
    pub fn in_plain_words(&self) -> String {
        let mut text = format!("As given, the module would {}.", self.module_would);
        match (&self.fix, &self.user_action) {
            (Some(fix), _) => text.push_str(&format!(" atcert {}: nothing left to do.", past(fix))),
            (None, Some(action)) => text.push_str(&format!(" atcert cannot fix this: {action}.")),
            (None, None) => text.push_str(" Nothing to do."),
        }
        text
    }

    /// True when the final bytes still carry the problem.
    pub fn is_blocking(&self) -> bool {
        self.severity == Severity::Error && self.fix.is_none()
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: the module would {} (why: {})",
            self.severity, self.module_would, self.why
        )?;
        if let Some(fix) = &self.fix {
            write!(f, "\n  fixed: {fix}")?;
        }
        if let Some(action) = &self.user_action {
            write!(f, "\n  you must: {action}")?;
        }
        Ok(())
    }
}

/// The bytes to send and where they go.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Output {
    pub bytes: Vec<u8>,
    pub encoding: Encoding,
    pub storage: Storage,
    /// Where the module keeps it: the concrete file, slot or parameter.
    pub destination: Destination,
    /// The public key of what is sent (the first certificate's, or the private key's), as
    /// `cert::matching` compares them, so a set can check that key and certificate belong
    /// together without decoding again.
    pub public_key: Option<PublicKeyId>,
}

/// Where a credential goes, as data: the driver renders the command that puts it there.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Destination {
    /// A file on the module, e.g. `C:\USER\ROOT.CER`, `ca_cert.pem`, `/7fd3....ca`.
    File { path: String },
    /// A numbered security-data slot and its data type (Telit).
    Slot { ssid: u8, data_type: u8 },
    /// A named parameter or area (iChip `+iCA`, SPWF04's certificate areas).
    Parameter { name: &'static str },
}

impl Destination {
    /// The file path, for file-system destinations.
    pub fn file(&self) -> Option<&str> {
        match self {
            Self::File { path } => Some(path),
            _ => None,
        }
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File { path } => f.write_str(path),
            Self::Slot { ssid, data_type } => {
                write!(f, "security data slot {ssid}, data type {data_type}")
            }
            Self::Parameter { name } => f.write_str(name),
        }
    }
}

// Callers and tests compare a destination with the name they expect.
impl PartialEq<str> for Destination {
    fn eq(&self, other: &str) -> bool {
        match self {
            Self::File { path } => path == other,
            Self::Parameter { name } => *name == other,
            Self::Slot { .. } => false,
        }
    }
}

impl PartialEq<&str> for Destination {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

impl PartialEq<String> for Destination {
    fn eq(&self, other: &String) -> bool {
        self == other.as_str()
    }
}

#[derive(Clone, Debug, Eq, PartialEq)]
pub struct LintReport {
    pub family: &'static str,
    pub role: Role,
    pub findings: Vec<Finding>,
    /// `None` when nothing usable was found for the role.
    pub output: Option<Output>,
}

impl LintReport {
    /// True when no unfixed error remains: the output would be accepted as far as we know.
    pub fn is_ok(&self) -> bool {
        self.output.is_some() && !self.findings.iter().any(Finding::is_blocking)
    }
    pub fn has(&self, kind: FindingKind) -> bool {
        self.findings.iter().any(|f| f.kind == kind)
    }
    pub fn finding(&self, kind: FindingKind) -> Option<&Finding> {
        self.findings.iter().find(|f| f.kind == kind)
    }
}

/// A fix as a sentence's verb phrase: fixes read "converted PEM to DER", "kept ...", "removed
/// them"; a fix that is a statement ("the fixed form is ...") gets "made the change:".
fn past(fix: &str) -> String {
    let first = fix.split_whitespace().next().unwrap_or("");
    if first.ends_with("ed") || matches!(first, "kept" | "rewrote") {
        fix.to_owned()
    } else {
        format!("fixed it: {fix}")
    }
}
