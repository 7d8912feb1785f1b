//! One call for a page or a CLI: everything about a parsed input as plain, serialisable data
//! (items with their inspection, problems with messages, chains, key ↔ certificate pairs).

use super::chain::{Chain, ChainReport, build_chains_inspected};
use super::error::{Location, ParseError};
use super::inspect::CertInfo;
use super::keys::{KeyEncoding, KeyInfo, Protection, PublicKeyEncoding};
use super::matching::match_keys;
use super::parse::{ItemKind, ParseOutcome, Source};
use serde::Serialize;

/// One item, described.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemReport {
    /// What it is.
    pub kind: ItemKind,
    /// Where it came from.
    pub source: Source,
    /// Remarks that are not errors.
    pub notes: Vec<String>,
    /// For certificates (serialised flat: `subject`, `issuer`, `serial`, ...).
    #[serde(flatten)]
    pub certificate: Option<CertInfo>,
    /// For private and public keys (serialised flat: `algorithm`, `bits`, `curve`).
    #[serde(flatten)]
    pub key: Option<KeyInfo>,
    /// For private keys: encoding of the (decrypted) key.
    #[serde(skip_serializing_if = "Option::is_none", rename = "encoding")]
    pub key_encoding: Option<KeyEncoding>,
    /// For public keys: encoding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key_encoding: Option<PublicKeyEncoding>,
    /// For keys that were encrypted: how.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protection: Option<Protection>,
}

/// One problem, with its message ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProblemReport {
    /// Where.
    pub location: Location,
    /// What (typed).
    pub error: ParseError,
    /// The full sentence.
    pub message: String,
}

/// Everything about one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Items in input order.
    pub items: Vec<ItemReport>,
    /// Problems in input order.
    pub problems: Vec<ProblemReport>,
    /// Chains over the certificates.
    /// Chains, their indices re-pointed into [`Report::items`].
    pub chains: Vec<Chain>,
    /// (private key item, certificate item) pairs that belong together.
    pub key_matches: Vec<(usize, usize)>,
    /// Private key items without their certificate in the input.
    pub keys_without_cert: Vec<usize>,
}

/// Describes a parse outcome. `now` is unix seconds (for "expires in N days").
pub fn report(outcome: &ParseOutcome, now: i64) -> Report {
    let items: Vec<ItemReport> = outcome
        .items
        .iter()
        .map(|i| ItemReport {
            kind: i.kind,
            source: i.source.clone(),
            notes: i.notes.clone(),
            certificate: i.cert_info(now),
            key: match i.kind {
                ItemKind::PrivateKey => i.private_key.as_ref().map(|k| k.info()),
                ItemKind::PublicKey => i.public_key().map(|k| k.info()),
                _ => None,
            },
            key_encoding: i.key_encoding,
            public_key_encoding: i.public_key_encoding,
            protection: i.protection.clone(),
        })
        .collect();
    let cert_idx: Vec<usize> = (0..outcome.items.len())
        .filter(|n| outcome.items[*n].kind == ItemKind::Certificate)
        .collect();
    let ders: Vec<&[u8]> = cert_idx
        .iter()
        .map(|n| outcome.items[*n].der.as_slice())
        .collect();
    let infos: Vec<Option<CertInfo>> = cert_idx
        .iter()
        .map(|n| items[*n].certificate.clone())
        .collect();
    let ChainReport { chains, .. } = build_chains_inspected(&ders, &infos);
    let chains = chains
        .into_iter()
        .map(|c| Chain {
            order: c.order.iter().map(|i| cert_idx[*i]).collect(),
            ca_slot: c.ca_slot.map(|i| cert_idx[i]),
            ..c
        })
        .collect();
    let m = match_keys(&outcome.items);
    Report {
        items,
        problems: outcome
            .problems
            .iter()
            .map(|p| ProblemReport {
                location: p.location,
                error: p.error.clone(),
                message: p.to_string(),
            })
            .collect(),
        chains,
        key_matches: m.pairs,
        keys_without_cert: m.keys_without_cert,
    }
}
