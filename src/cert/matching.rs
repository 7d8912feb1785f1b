//! Does a private key belong to a certificate? Compared by public key (RSA modulus and
//! exponent; EC curve and point, computed from the scalar when the file omitted it).

use super::keys::{PrivateKey, PublicKeyId, public_id_from_spki};
use super::parse::{Item, ItemKind};
use der::{Decode, Encode};
use serde::Serialize;

/// The public key identity of a certificate.
pub fn cert_public_id(cert_der: &[u8]) -> Option<PublicKeyId> {
    let c = x509_cert::Certificate::from_der(cert_der).ok()?;
    public_id_from_spki(&c.tbs_certificate.subject_public_key_info.to_der().ok()?)
}

/// True when `key` is the private half of the certificate's public key.
pub fn key_matches_cert(key: &PrivateKey, cert_der: &[u8]) -> bool {
    match (key.public_id(), cert_public_id(cert_der)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// Keys and certificates paired up. Indices point into the items given to [`match_keys`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct MatchReport {
    /// (private key item, certificate item) pairs that belong together.
    pub pairs: Vec<(usize, usize)>,
    /// Private keys whose certificate is not in the input.
    pub keys_without_cert: Vec<usize>,
    /// Certificates whose private key is not in the input (normal for CA certificates).
    pub certs_without_key: Vec<usize>,
}

/// Pairs every private key with its certificate(s) and vice versa.
pub fn match_keys(items: &[Item]) -> MatchReport {
    let mut report = MatchReport::default();
    let certs: Vec<(usize, Option<PublicKeyId>)> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.kind == ItemKind::Certificate)
        .map(|(n, i)| (n, cert_public_id(&i.der)))
        .collect();
    let mut cert_used = vec![false; certs.len()];
    for (k, item) in items.iter().enumerate() {
        let Some(key) = item
            .private_key
            .as_ref()
            .filter(|_| item.kind == ItemKind::PrivateKey)
        else {
            continue;
        };
        let id = key.public_id();
        let mut found = false;
        for (ci, (c, cid)) in certs.iter().enumerate() {
            if id.is_some() && *cid == id {
                report.pairs.push((k, *c));
                cert_used[ci] = true;
                found = true;
            }
        }
        if !found {
            report.keys_without_cert.push(k);
        }
    }
    for (ci, (c, _)) in certs.iter().enumerate() {
        if !cert_used[ci] {
            report.certs_without_key.push(*c);
        }
    }
    report
}
