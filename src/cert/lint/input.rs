//! What the lint reads: the items `cert::parse` found (the one decoder), and the shape of the
//! text they came in, which the formatting checks need and a decoder throws away.

use crate::cert::error::ParseError;
use crate::cert::parse::{Cert, ItemKind, ParseOutcome};

use super::rules::KeyEncoding;

/// Facts about the text form of the input, for the formatting checks.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct TextShape {
    pub is_pem: bool,
    pub crlf: usize,
    pub lone_lf: usize,
    pub lone_cr: usize,
    /// Non-whitespace bytes outside the PEM blocks.
    pub text_around: bool,
    /// Base64 lines that are not 64 characters (other than each block's last line).
    pub odd_line_width: bool,
    pub ends_with_newline: bool,
    /// Trailing NUL or Ctrl+Z bytes (C strings, serial terminals' EOF).
    pub trailing_garbage: bool,
}

impl TextShape {
    /// Scans the input's text form, and returns it with the part to parse: without trailing
    /// NUL or Ctrl+Z bytes. DER may itself end in 0x00 or 0x1A, so there the part is exactly
    /// the first element (found by its length, not decoded).
    pub fn scan(input: &[u8]) -> (Self, &[u8]) {
        let trimmed = trim_garbage(input);
        let mut shape = Self {
            trailing_garbage: trimmed.len() != input.len(),
            ..Self::default()
        };
        if !contains(trimmed, b"-----BEGIN ") {
            let Some(len) = crate::cert::keys::first_element(input).map(|t| t.raw.len()) else {
                return (shape, input);
            };
            let (der, rest) = input.split_at(len);
            if !rest.iter().all(|b| matches!(b, 0 | 0x1a)) {
                return (shape, input);
            }
            shape.trailing_garbage = !rest.is_empty();
            return (shape, der);
        }
        shape.is_pem = true;
        shape.count_line_endings(trimmed);
        shape.ends_with_newline = matches!(trimmed.last(), Some(b'\n' | b'\r'));
        let text = String::from_utf8_lossy(trimmed);
        let mut lines = text.split(['\r', '\n']);
        while let Some(line) = lines.next() {
            let line = line.trim();
            let Some(label) = line
                .strip_prefix("-----BEGIN ")
                .and_then(|l| l.strip_suffix("-----"))
            else {
                if !line.is_empty() {
                    shape.text_around = true;
                }
                continue;
            };
            let end = format!("-----END {label}-----");
            let mut widths = Vec::new();
            for inner in lines.by_ref() {
                let inner = inner.trim();
                if inner == end {
                    break;
                }
                if !inner.is_empty() && !inner.contains(':') {
                    widths.push(inner.len());
                }
            }
            if let Some((last, rest)) = widths.split_last()
                && (rest.iter().any(|w| *w != 64) || *last > 64)
            {
                shape.odd_line_width = true;
            }
        }
        (shape, trimmed)
    }

    fn count_line_endings(&mut self, text: &[u8]) {
        let mut prev_cr = false;
        for (i, b) in text.iter().enumerate() {
            match b {
                b'\r' => {
                    if text.get(i + 1) == Some(&b'\n') {
                        self.crlf += 1;
                        prev_cr = true;
                        continue;
                    }
                    self.lone_cr += 1;
                }
                b'\n' if !prev_cr => self.lone_lf += 1,
                _ => {}
            }
            prev_cr = false;
        }
    }
}

fn trim_garbage(input: &[u8]) -> &[u8] {
    let mut end = input.len();
    while end > 0 && matches!(input.get(end - 1), Some(0 | 0x1a)) {
        end -= 1;
    }
    input.get(..end).unwrap_or_default()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// One thing found in the input, as the checks see it.
#[derive(Clone, Debug)]
pub(super) enum Piece {
    Certificate(Box<Cert>),
    Key {
        der: Vec<u8>,
        encoding: KeyEncoding,
        was_encrypted: bool,
    },
    /// An encrypted key the parser could not open (no or wrong password, unknown scheme).
    LockedKey(ParseError),
    /// Something else (CSR, public key, parameters, an unknown PEM block).
    Other {
        label: String,
    },
}

/// The pieces of a parse, or the problem that makes the input unreadable.
pub(super) fn pieces(outcome: &ParseOutcome) -> Result<Vec<Piece>, ParseError> {
    let mut pieces = Vec::new();
    for item in &outcome.items {
        let label = || {
            item.source
                .pem_label
                .clone()
                .unwrap_or_else(|| item.describe())
        };
        pieces.push(match item.kind {
            ItemKind::Certificate => match item.cert() {
                Some(c) => Piece::Certificate(Box::new(c)),
                None => Piece::Other { label: label() },
            },
            ItemKind::PrivateKey => Piece::Key {
                der: item.der.clone(),
                encoding: item.key_encoding.unwrap_or(KeyEncoding::Pkcs8),
                was_encrypted: item.protection.is_some(),
            },
            _ => Piece::Other { label: label() },
        });
    }
    for p in &outcome.problems {
        match &p.error {
            ParseError::NeedsPassphrase { .. }
            | ParseError::WrongPassphrase { .. }
            | ParseError::UnsupportedEncryption { .. } => {
                pieces.push(Piece::LockedKey(p.error.clone()));
            }
            ParseError::UnknownLabel { label } => pieces.push(Piece::Other {
                label: label.clone(),
            }),
            // A damaged block makes the whole input suspect, as a cut or edited file would.
            other => return Err(other.clone()),
        }
    }
    Ok(pieces)
}
