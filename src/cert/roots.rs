//! Finding a missing root. The lookup works on any list of DER roots, so the page can fetch
//! its own copy of the store lazily; [`mozilla_roots`] is the bundled convenience.

use super::verify::{SigCheck, verify_signed_by};
use der::{Decode, Encode};
use serde::Serialize;

/// A root that issued a given certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RootMatch {
    /// Index in the store list.
    pub index: usize,
    /// The root's DER.
    #[serde(skip)]
    pub der: Vec<u8>,
    /// Its subject, RFC 4514.
    pub subject: String,
    /// The signature check of the certificate by this root.
    pub signature: SigCheck,
}

/// Finds the issuer of `cert_der` in `store` (DER certificates): subject = issuer, key
/// identifiers agree, and the signature verifies (a name match alone is not enough:
/// re-keyed roots share names).
pub fn find_issuer_in(store: &[&[u8]], cert_der: &[u8]) -> Option<RootMatch> {
    let cert = x509_cert::Certificate::from_der(cert_der).ok()?;
    let issuer = cert.tbs_certificate.issuer.to_der().ok()?;
    let aki = super::inspect::inspect(cert_der, 0).ok()?.aki;
    let mut fallback = None;
    for (index, root) in store.iter().enumerate() {
        let Ok(r) = x509_cert::Certificate::from_der(root) else {
            continue;
        };
        if r.tbs_certificate.subject.to_der().ok()? != issuer {
            continue;
        }
        let Ok(info) = super::inspect::inspect(root, 0) else {
            continue;
        };
        if aki
            .as_ref()
            .is_some_and(|a| !info.ski_computed && *a != info.ski)
        {
            continue;
        }
        let spki = r.tbs_certificate.subject_public_key_info.to_der().ok()?;
        let signature = verify_signed_by(cert_der, &spki);
        let m = RootMatch {
            index,
            der: root.to_vec(),
            subject: info.subject,
            signature: signature.clone(),
        };
        match signature {
            SigCheck::Valid => return Some(m),
            SigCheck::Unsupported(_) if fallback.is_none() => fallback = Some(m),
            _ => {}
        }
    }
    fallback
}

/// The Mozilla root store bundled with atcert (crate `webpki-root-certs`), as DER slices.
pub fn mozilla_roots() -> Vec<&'static [u8]> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|c| c.as_ref())
        .collect()
}

/// Finds the issuer of `cert_der` in the bundled Mozilla root store.
pub fn find_mozilla_issuer(cert_der: &[u8]) -> Option<RootMatch> {
    find_issuer_in(&mozilla_roots(), cert_der)
}
