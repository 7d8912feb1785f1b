//! Signature checks: RSA PKCS#1 v1.5 (SHA-1/224/256/384/512), RSA-PSS, ECDSA P-256/P-384.

use super::tlv::Tlv;
use const_oid::ObjectIdentifier;
use serde::Serialize;
use sha2::Digest;

/// The outcome of checking one signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", content = "detail", rename_all = "snake_case")]
pub enum SigCheck {
    /// The signature verifies with the given key.
    Valid,
    /// The signature does not verify with the given key.
    Invalid,
    /// An algorithm (or curve) atcert does not check.
    Unsupported(String),
    /// The certificate or key could not be decoded.
    Malformed(String),
}

#[derive(Clone, Copy)]
enum Hash {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn from_oid(o: &str) -> Option<Hash> {
        Some(match o {
            "1.3.14.3.2.26" => Hash::Sha1,
            "2.16.840.1.101.3.4.2.4" => Hash::Sha224,
            "2.16.840.1.101.3.4.2.1" => Hash::Sha256,
            "2.16.840.1.101.3.4.2.2" => Hash::Sha384,
            "2.16.840.1.101.3.4.2.3" => Hash::Sha512,
            _ => return None,
        })
    }
    fn digest(self, d: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha1 => sha1::Sha1::digest(d).to_vec(),
            Hash::Sha224 => sha2::Sha224::digest(d).to_vec(),
            Hash::Sha256 => sha2::Sha256::digest(d).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(d).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(d).to_vec(),
        }
    }
    fn pkcs1v15(self) -> rsa::Pkcs1v15Sign {
        match self {
            Hash::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
            Hash::Sha224 => rsa::Pkcs1v15Sign::new::<sha2::Sha224>(),
            Hash::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
            Hash::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
            Hash::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
        }
    }
    fn pss(self, salt: usize) -> rsa::Pss {
        match self {
            Hash::Sha1 => rsa::Pss::new_with_salt::<sha1::Sha1>(salt),
            Hash::Sha224 => rsa::Pss::new_with_salt::<sha2::Sha224>(salt),
            Hash::Sha256 => rsa::Pss::new_with_salt::<sha2::Sha256>(salt),
            Hash::Sha384 => rsa::Pss::new_with_salt::<sha2::Sha384>(salt),
            Hash::Sha512 => rsa::Pss::new_with_salt::<sha2::Sha512>(salt),
        }
    }
}

enum Scheme {
    RsaPkcs1(Hash),
    RsaPss { hash: Hash, salt: usize },
    Ecdsa(Hash),
}

fn oid_str(t: &Tlv<'_>) -> Option<String> {
    (t.tag == 0x06)
        .then(|| {
            ObjectIdentifier::from_bytes(t.content)
                .ok()
                .map(|o| o.to_string())
        })
        .flatten()
}

fn scheme_of(alg: &Tlv<'_>) -> Result<Scheme, SigCheck> {
    let mut r = alg.children();
    let oid = r
        .next()
        .ok()
        .flatten()
        .and_then(|t| oid_str(&t))
        .ok_or_else(|| SigCheck::Malformed("signature algorithm without OID".into()))?;
    Ok(match oid.as_str() {
        "1.2.840.113549.1.1.5" => Scheme::RsaPkcs1(Hash::Sha1),
        "1.2.840.113549.1.1.14" => Scheme::RsaPkcs1(Hash::Sha224),
        "1.2.840.113549.1.1.11" => Scheme::RsaPkcs1(Hash::Sha256),
        "1.2.840.113549.1.1.12" => Scheme::RsaPkcs1(Hash::Sha384),
        "1.2.840.113549.1.1.13" => Scheme::RsaPkcs1(Hash::Sha512),
        "1.2.840.10045.4.1" => Scheme::Ecdsa(Hash::Sha1),
        "1.2.840.10045.4.3.1" => Scheme::Ecdsa(Hash::Sha224),
        "1.2.840.10045.4.3.2" => Scheme::Ecdsa(Hash::Sha256),
        "1.2.840.10045.4.3.3" => Scheme::Ecdsa(Hash::Sha384),
        "1.2.840.10045.4.3.4" => Scheme::Ecdsa(Hash::Sha512),
        "1.2.840.113549.1.1.10" => pss_params(r.next().ok().flatten())?,
        other => {
            return Err(SigCheck::Unsupported(signature_algorithm_name_str(other)));
        }
    })
}

/// RSASSA-PSS-params (RFC 4055): hash [0], mgf [1], salt [2]; defaults SHA-1, MGF1-SHA-1, 20.
fn pss_params(p: Option<Tlv<'_>>) -> Result<Scheme, SigCheck> {
    let mut hash = Hash::Sha1;
    let mut mgf_hash = Hash::Sha1;
    let mut salt = 20usize;
    if let Some(p) = p.filter(|t| t.tag == 0x30) {
        let mut r = p.children();
        while let Ok(Some(f)) = r.next() {
            let inner = f.children().next().ok().flatten();
            match (f.tag, inner) {
                (0xa0, Some(alg)) => {
                    let o = alg
                        .children()
                        .next()
                        .ok()
                        .flatten()
                        .and_then(|t| oid_str(&t));
                    hash = o
                        .as_deref()
                        .and_then(Hash::from_oid)
                        .ok_or_else(|| SigCheck::Unsupported("RSASSA-PSS hash".into()))?;
                }
                (0xa1, Some(alg)) => {
                    let mut ar = alg.children();
                    let _mgf1 = ar.next();
                    let h = ar
                        .next()
                        .ok()
                        .flatten()
                        .and_then(|t| t.children().next().ok().flatten());
                    mgf_hash = h
                        .and_then(|t| oid_str(&t))
                        .as_deref()
                        .and_then(Hash::from_oid)
                        .ok_or_else(|| SigCheck::Unsupported("RSASSA-PSS MGF".into()))?;
                }
                (0xa2, Some(i)) if i.tag == 0x02 && i.content.len() <= 4 => {
                    salt = i.content.iter().fold(0usize, |a, b| (a << 8) | *b as usize);
                }
                _ => {}
            }
        }
    }
    if std::mem::discriminant(&hash) != std::mem::discriminant(&mgf_hash) {
        return Err(SigCheck::Unsupported(
            "RSASSA-PSS with a different MGF1 hash".into(),
        ));
    }
    Ok(Scheme::RsaPss { hash, salt })
}

/// Checks `signature` (raw bytes of the BIT STRING) over `message` with algorithm `alg`
/// (the AlgorithmIdentifier TLV) and the key in `spki_der`.
pub fn verify_raw(message: &[u8], alg: &Tlv<'_>, signature: &[u8], spki_der: &[u8]) -> SigCheck {
    let scheme = match scheme_of(alg) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let Some(id) = super::keys::public_id_from_spki(spki_der) else {
        return SigCheck::Malformed("issuer public key".into());
    };
    use super::keys::{Curve, PublicKeyId};
    match (scheme, id) {
        (Scheme::RsaPkcs1(h), PublicKeyId::Rsa { n, e }) => rsa_verify(&n, &e, |k| {
            k.verify(h.pkcs1v15(), &h.digest(message), signature)
                .is_ok()
        }),
        (Scheme::RsaPss { hash, salt }, PublicKeyId::Rsa { n, e }) => rsa_verify(&n, &e, |k| {
            k.verify(hash.pss(salt), &hash.digest(message), signature)
                .is_ok()
        }),
        (Scheme::Ecdsa(h), PublicKeyId::Ec { curve, point }) => {
            use ecdsa::signature::hazmat::PrehashVerifier;
            let digest = h.digest(message);
            let ok = match curve {
                Curve::P256 => {
                    let (Ok(k), Ok(s)) = (
                        p256::ecdsa::VerifyingKey::from_sec1_bytes(&point),
                        p256::ecdsa::Signature::from_der(signature),
                    ) else {
                        return SigCheck::Malformed("ECDSA P-256 key or signature".into());
                    };
                    k.verify_prehash(&digest, &s).is_ok()
                }
                Curve::P384 => {
                    let (Ok(k), Ok(s)) = (
                        p384::ecdsa::VerifyingKey::from_sec1_bytes(&point),
                        p384::ecdsa::Signature::from_der(signature),
                    ) else {
                        return SigCheck::Malformed("ECDSA P-384 key or signature".into());
                    };
                    k.verify_prehash(&digest, &s).is_ok()
                }
                other => return SigCheck::Unsupported(format!("ECDSA on {}", other.name())),
            };
            if ok {
                SigCheck::Valid
            } else {
                SigCheck::Invalid
            }
        }
        (_, PublicKeyId::Other { algorithm, .. }) => {
            SigCheck::Unsupported(super::keys::algorithm_name_of(&algorithm))
        }
        _ => SigCheck::Invalid,
    }
}

fn rsa_verify(n: &[u8], e: &[u8], f: impl FnOnce(&rsa::RsaPublicKey) -> bool) -> SigCheck {
    let key = rsa::RsaPublicKey::new_with_max_size(
        rsa::BigUint::from_bytes_be(n),
        rsa::BigUint::from_bytes_be(e),
        16_384,
    );
    match key {
        Ok(k) => {
            if f(&k) {
                SigCheck::Valid
            } else {
                SigCheck::Invalid
            }
        }
        Err(e) => SigCheck::Malformed(format!("RSA key: {e}")),
    }
}

/// Checks that certificate `cert_der` was signed by the key in `issuer_spki_der`.
pub fn verify_signed_by(cert_der: &[u8], issuer_spki_der: &[u8]) -> SigCheck {
    match raw_parts(cert_der) {
        Some((tbs, alg, sig)) => verify_raw(tbs, &alg, sig, issuer_spki_der),
        None => SigCheck::Malformed("certificate structure".into()),
    }
}

/// The raw parts of a certificate's outer SEQUENCE: (tbs, signature algorithm, signature bits).
pub(crate) fn raw_parts(der: &[u8]) -> Option<(&[u8], Tlv<'_>, &[u8])> {
    let top = super::tlv::parse_single(der).ok()?;
    let mut r = top.children();
    let tbs = r.next().ok()??;
    let alg = r.next().ok()??;
    let sig = r.next().ok()??;
    let bits = sig.content.get(1..)?;
    Some((tbs.raw, alg, bits))
}

/// openssl's short name for a signature algorithm OID.
pub fn signature_algorithm_name(oid: &ObjectIdentifier) -> String {
    signature_algorithm_name_str(&oid.to_string())
}

/// openssl's short name for a dotted signature algorithm OID (the OID itself if unknown).
pub fn signature_algorithm_name_str(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "ED25519",
        "1.3.101.113" => "ED448",
        other => return other.to_string(),
    }
    .to_string()
}
