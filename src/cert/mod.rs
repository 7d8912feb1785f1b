//! Certificates and keys: parse, inspect, convert, chain, match, lint and generate.
//! Pure Rust, no platform: the page and the command-line tool share every line of it.
//!
//! Start with [`parse()`] (any input → [`Item`]s and located [`ParseProblem`]s), then
//! [`inspect::inspect`] for a certificate's [`CertInfo`], [`chain::build_chains`] to order
//! and verify a pile, [`matching::match_keys`] to pair keys and certificates, and
//! [`convert::convert`] to write what a module needs, and [`report::report`] for all of it
//! as one serialisable value (what the page renders).

pub mod chain;
pub mod convert;
pub mod error;
pub mod generate;
pub mod inspect;
pub mod keys;
pub mod lint;
pub mod matching;
pub mod parse;
pub mod pbe;
pub mod pem;
pub mod pkcs12;
pub mod report;
pub mod roots;
pub mod tlv;
pub mod verify;

pub use error::{CertError, Location, ParseError, ParseProblem};
pub use inspect::{CertInfo, Validity};
pub use keys::{KeyEncoding, KeyInfo, PrivateKey, PublicKey, PublicKeyEncoding};
pub use parse::{Item, ItemKind, ParseOutcome, Source, SourceFormat, parse};
pub use pem::LineEnding;

/// Lowercase hex, no separators (fingerprints; SPWF04's `<ski>.ca` file names).
pub fn hex(b: &[u8]) -> String {
    base16ct::lower::encode_string(b)
}

/// Uppercase hex pairs joined by colons (`7F:D3:65`), as SPWF04 prints key identifiers.
pub fn hex_colon(b: &[u8]) -> String {
    let upper = base16ct::upper::encode_string(b);
    let pairs: Vec<&str> = (0..upper.len())
        .step_by(2)
        .filter_map(|i| upper.get(i..i + 2))
        .collect();
    pairs.join(":")
}

/// Decodes hex (either case); `None` if malformed.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    base16ct::mixed::decode_vec(s.trim()).ok()
}
