//! Typed errors for everything `cert::parse` can meet, and where it met them.

use serde::Serialize;
use thiserror::Error;

/// Where in the input something was found: PEM block (1-based), line (1-based), byte offset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// PEM block number, counting from 1, when the input was PEM.
    pub block: Option<usize>,
    /// Line number, counting from 1, when the input was text.
    pub line: Option<usize>,
    /// Byte offset inside the decoded DER (or the raw input for binary files).
    pub offset: Option<usize>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if let Some(b) = self.block {
            parts.push(format!("PEM block {b}"));
        }
        if let Some(l) = self.line {
            parts.push(format!("line {l}"));
        }
        if let Some(o) = self.offset {
            parts.push(format!("byte {o}"));
        }
        if parts.is_empty() {
            f.write_str("input")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// What went wrong while reading certificates or keys. Messages say what it means and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ParseError {
    /// Nothing but whitespace.
    #[error("the input is empty")]
    Empty,
    /// Not PEM, not DER, not base64.
    #[error(
        "not a certificate or key: {detail}. Expected PEM (-----BEGIN ...-----), DER or PKCS#12 bytes"
    )]
    NotRecognised { detail: String },
    /// A character that base64 does not allow.
    #[error(
        "invalid base64 character {found:?} at column {column}; the PEM text was damaged (copy/paste or a terminal added characters)"
    )]
    BadBase64 { found: char, column: usize },
    /// The base64 decodes to a wrong length (missing or extra characters).
    #[error("base64 body has a wrong length or padding; a line is missing or was cut")]
    BadBase64Length,
    /// A BEGIN line without its END line.
    #[error("\"-----BEGIN {label}-----\" has no matching END line; the file is truncated")]
    MissingEnd { label: String },
    /// An END line without a BEGIN line.
    #[error("\"-----END {label}-----\" without a BEGIN line before it")]
    EndWithoutBegin { label: String },
    /// BEGIN and END labels differ.
    #[error(
        "block starts as \"{begin}\" but ends as \"{end}\"; two files were pasted into each other"
    )]
    MismatchedEnd { begin: String, end: String },
    /// A PEM label we do not know.
    #[error(
        "unknown PEM label \"{label}\"; expected CERTIFICATE, PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY, ENCRYPTED PRIVATE KEY, PUBLIC KEY, ..."
    )]
    UnknownLabel { label: String },
    /// The label says one thing but the content is not that (or is damaged).
    #[error("{what} is damaged or not what its label says: {detail}")]
    BadDer { what: String, detail: String },
    /// Encrypted and no passphrase was given.
    #[error("{what} is encrypted: enter its passphrase")]
    NeedsPassphrase { what: String },
    /// Encrypted and the passphrase did not decrypt it.
    #[error("wrong passphrase for {what}")]
    WrongPassphrase { what: String },
    /// Encrypted with something we do not implement.
    #[error(
        "{what} uses encryption {algorithm}, which atcert cannot decrypt; re-export it with AES-256-CBC (openssl pkcs8 -topk8 -v2 aes256)"
    )]
    UnsupportedEncryption { what: String, algorithm: String },
    /// A well-formed structure we deliberately do not handle.
    #[error("{what} is not supported: {detail}")]
    Unsupported { what: String, detail: String },
}

/// A problem found while parsing, and where.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[error("{location}: {error}")]
pub struct ParseProblem {
    /// Where it was found.
    pub location: Location,
    /// What it is.
    pub error: ParseError,
}

/// Errors of operations on already parsed items (conversion, key checks).
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum CertError {
    /// The input is damaged.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A conversion that does not apply to this item.
    #[error("cannot convert {from} to {to}: {reason}")]
    Conversion {
        from: String,
        to: String,
        reason: String,
    },
}
