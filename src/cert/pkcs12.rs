//! PKCS#12 (.p12/.pfx) as cloud consoles and `openssl pkcs12 -export` write them: PBES2/AES
//! (OpenSSL 3 default) and the legacy pbeWithSHAAnd3-KeyTripleDES-CBC / pbeWithSHAAnd40BitRC2-CBC
//! bags (`-legacy`, older OpenSSL, Windows). Decoded with our BER reader because real PFX files
//! are often BER, not DER (RFC 7292).

use super::error::ParseError;
use super::pbe::{
    DecryptError, MAX_ITERATIONS, bmp_password, decrypt_with_algorithm, int_value, kdf,
};
use super::tlv::{Tlv, TlvError};
use const_oid::ObjectIdentifier;
use hmac::Mac;
use sha2::digest::Digest;

const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const OID_ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const OID_KEY_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
const OID_SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
const OID_CERT_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
const OID_CRL_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.4");
const OID_SECRET_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.5");
const OID_SAFE_CONTENTS_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.6");
const OID_X509_CERT: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");
const OID_FRIENDLY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.20");
const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const OID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

fn oid_of(t: &Tlv<'_>) -> Option<ObjectIdentifier> {
    if t.tag != 0x06 {
        return None;
    }
    ObjectIdentifier::from_bytes(t.content).ok()
}

/// One thing found inside a PFX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pkcs12Entry {
    /// An X.509 certificate (DER).
    Certificate {
        der: Vec<u8>,
        friendly_name: Option<String>,
    },
    /// A private key as PKCS#8 DER, with how it was protected.
    Key {
        pkcs8: Vec<u8>,
        scheme: Option<String>,
        friendly_name: Option<String>,
    },
}

/// Problems inside a PFX, with byte offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkcs12Problem {
    /// Offset of the offending element in the PFX (or in the decrypted content it came from).
    pub offset: usize,
    /// What is wrong.
    pub error: ParseError,
}

/// True if `der` has the shape of a PFX: `SEQUENCE { INTEGER 3, SEQUENCE { OID data, ... } ... }`.
pub fn looks_like_pfx(der: &[u8]) -> bool {
    let Ok(top) = super::tlv::parse_single(der) else {
        return false;
    };
    let mut r = top.children();
    let (Ok(Some(v)), Ok(Some(ci))) = (r.next(), r.next()) else {
        return false;
    };
    if int_value(&v) != Some(3) || ci.tag != 0x30 {
        return false;
    }
    matches!(ci.children().next(), Ok(Some(o)) if oid_of(&o) == Some(OID_DATA))
}

const WHAT: &str = "PKCS#12 file";

/// Decodes a PFX: checks the MAC with the passphrase, decrypts every bag.
/// Returns the entries found, and problems for anything not understood (never silently skipped).
pub fn parse_pfx(
    der: &[u8],
    passphrase: Option<&str>,
) -> Result<(Vec<Pkcs12Entry>, Vec<Pkcs12Problem>), (usize, ParseError)> {
    let tl = |e: TlvError| {
        let at = match &e {
            TlvError::Truncated { at, .. }
            | TlvError::BadLength { at }
            | TlvError::TooDeep { at }
            | TlvError::Unexpected { at, .. } => *at,
        };
        (
            at,
            ParseError::BadDer {
                what: WHAT.into(),
                detail: e.to_string(),
            },
        )
    };
    let top = super::tlv::parse_single(der)
        .map_err(tl)?
        .expect(0x30, "PFX SEQUENCE")
        .map_err(tl)?;
    let mut r = top.children();
    let _version = r.need("version").map_err(tl)?;
    let auth_safe = r
        .need("authSafe")
        .map_err(tl)?
        .expect(0x30, "ContentInfo")
        .map_err(tl)?;
    let mac_data = r.next().map_err(tl)?;
    let mut ar = auth_safe.children();
    let ct = ar.need("contentType").map_err(tl)?;
    if oid_of(&ct) != Some(OID_DATA) {
        return Err((
            ct.offset,
            ParseError::Unsupported {
                what: WHAT.into(),
                detail: "public-key integrity mode (signed PFX)".into(),
            },
        ));
    }
    let content = ar
        .need("content")
        .map_err(tl)?
        .expect(0xa0, "[0] content")
        .map_err(tl)?;
    let octets_t = content.children().need("OCTET STRING").map_err(tl)?;
    let auth_bytes = octets_t.octets().map_err(tl)?;

    // Passwords to try: the given one; with none, the empty password (OpenSSL tries both encodings).
    let candidates: Vec<&str> = match passphrase {
        Some(p) => vec![p],
        None => vec![""],
    };
    let mut pass: Option<&str> = None;
    if let Some(mac) = &mac_data {
        for c in &candidates {
            match verify_mac(mac, &auth_bytes, c) {
                Ok(true) => {
                    pass = Some(c);
                    break;
                }
                Ok(false) => {}
                Err(e) => return Err(e),
            }
        }
        if pass.is_none() {
            let err = if passphrase.is_some() {
                ParseError::WrongPassphrase { what: WHAT.into() }
            } else {
                ParseError::NeedsPassphrase { what: WHAT.into() }
            };
            return Err((mac.offset, err));
        }
    } else {
        pass = Some(candidates[0]);
    }
    let pass = pass.unwrap_or("");

    let mut entries = Vec::new();
    let mut problems = Vec::new();
    let safe = super::tlv::parse_single(&auth_bytes).map_err(tl)?;
    let mut sr = safe.children();
    while let Some(ci) = sr.next().map_err(tl)? {
        let mut cr = ci.children();
        let ct = cr.need("contentType").map_err(tl)?;
        let body = cr.next().map_err(tl)?;
        match (oid_of(&ct), body) {
            (Some(o), Some(body)) if o == OID_DATA => {
                let bytes = body.children().need("OCTET STRING").map_err(tl)?.octets().map_err(tl)?;
                read_safe_contents(&bytes, pass, &mut entries, &mut problems, 0);
            }
            (Some(o), Some(body)) if o == OID_ENCRYPTED_DATA => match decrypt_encrypted_data(&body, pass) {
                Ok(bytes) => read_safe_contents(&bytes, pass, &mut entries, &mut problems, 0),
                Err(e) => problems.push(Pkcs12Problem {
                    offset: body.offset,
                    error: e.into_parse("encrypted certificate bag of the PKCS#12 file"),
                }),
            },
            (o, _) => problems.push(Pkcs12Problem {
                offset: ci.offset,
                error: ParseError::Unsupported {
                    what: WHAT.into(),
                    detail: format!(
                        "content type {} (only data and encryptedData are used for certificates and keys)",
                        o.map(|o| o.to_string()).unwrap_or_default()
                    ),
                },
            }),
        }
    }
    if mac_data.is_none() && passphrase.is_none() {
        // No MAC to tell us: a bag that did not decrypt with the empty password needs one.
        for p in &mut problems {
            if let ParseError::WrongPassphrase { what } = &p.error {
                p.error = ParseError::NeedsPassphrase { what: what.clone() };
            }
        }
    }
    Ok((entries, problems))
}

fn verify_mac(mac: &Tlv<'_>, data: &[u8], pass: &str) -> Result<bool, (usize, ParseError)> {
    let malformed = |at: usize, d: &str| {
        (
            at,
            ParseError::BadDer {
                what: "PKCS#12 MAC".into(),
                detail: d.into(),
            },
        )
    };
    let mut r = mac.children();
    let di = r
        .need("DigestInfo")
        .map_err(|e| malformed(mac.offset, &e.to_string()))?;
    let salt = r
        .need("macSalt")
        .and_then(|t| t.octets())
        .map_err(|e| malformed(mac.offset, &e.to_string()))?;
    let iter = match r.next() {
        Ok(Some(t)) => int_value(&t).ok_or_else(|| malformed(t.offset, "bad iteration count"))?,
        _ => 1,
    };
    if iter == 0 || iter > MAX_ITERATIONS {
        return Err(malformed(mac.offset, "MAC iteration count out of range"));
    }
    let mut dr = di.children();
    let alg = dr
        .need("digestAlgorithm")
        .map_err(|e| malformed(di.offset, &e.to_string()))?;
    let digest = dr
        .need("digest")
        .and_then(|t| t.octets())
        .map_err(|e| malformed(di.offset, &e.to_string()))?;
    let alg_oid = alg
        .children()
        .next()
        .ok()
        .flatten()
        .and_then(|t| oid_of(&t))
        .ok_or_else(|| malformed(alg.offset, "missing digest OID"))?;
    let pw = bmp_password(pass);
    macro_rules! check {
        ($h:ty) => {{
            let key = kdf::<$h>(&pw, &salt, 3, iter, <$h as Digest>::output_size());
            let mut m = <hmac::Hmac<$h> as Mac>::new_from_slice(&key)
                .map_err(|_| malformed(mac.offset, "bad MAC key"))?;
            m.update(data);
            let mut ok = m.verify_slice(&digest).is_ok();
            if !ok && pass.is_empty() {
                // Some writers derive the empty password as zero bytes rather than 00 00.
                let key = kdf::<$h>(&[], &salt, 3, iter, <$h as Digest>::output_size());
                let mut m = <hmac::Hmac<$h> as Mac>::new_from_slice(&key)
                    .map_err(|_| malformed(mac.offset, "bad MAC key"))?;
                m.update(data);
                ok = m.verify_slice(&digest).is_ok();
            }
            Ok(ok)
        }};
    }
    match alg_oid {
        OID_SHA1 => check!(sha1::Sha1),
        OID_SHA256 => check!(sha2::Sha256),
        OID_SHA384 => check!(sha2::Sha384),
        OID_SHA512 => check!(sha2::Sha512),
        other => Err((
            alg.offset,
            ParseError::UnsupportedEncryption {
                what: "PKCS#12 MAC".into(),
                algorithm: other.to_string(),
            },
        )),
    }
}

fn decrypt_encrypted_data(body: &Tlv<'_>, pass: &str) -> Result<Vec<u8>, DecryptError> {
    let m = |e: TlvError| DecryptError::Malformed(e.to_string());
    // [0] EXPLICIT EncryptedData ::= SEQUENCE { version, EncryptedContentInfo }
    let ed = body.children().need("EncryptedData").map_err(m)?;
    let mut r = ed.children();
    let _version = r.need("version").map_err(m)?;
    let eci = r.need("EncryptedContentInfo").map_err(m)?;
    let mut er = eci.children();
    let _ct = er.need("contentType").map_err(m)?;
    let alg = er.need("contentEncryptionAlgorithm").map_err(m)?;
    let enc = er.need("encryptedContent").map_err(m)?;
    // [0] IMPLICIT OCTET STRING: primitive 0x80 or constructed 0xa0 (BER).
    let data = if enc.constructed() {
        enc.octets().map_err(m)?
    } else {
        enc.content.to_vec()
    };
    let (plain, _) = decrypt_with_algorithm(&alg, &data, Some(pass))?;
    if super::tlv::parse_single(&plain)
        .map(|t| t.tag == 0x30)
        .unwrap_or(false)
    {
        Ok(plain)
    } else {
        Err(DecryptError::WrongPassphrase)
    }
}

fn friendly_name(attrs: Option<Tlv<'_>>) -> Option<String> {
    let attrs = attrs?;
    let mut r = attrs.children();
    while let Ok(Some(a)) = r.next() {
        let mut ar = a.children();
        let oid = ar.next().ok().flatten().and_then(|t| oid_of(&t));
        if oid == Some(OID_FRIENDLY_NAME) {
            let set = ar.next().ok().flatten()?;
            let bmp = set.children().next().ok().flatten()?;
            let units: Vec<u16> = bmp
                .content
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            return Some(String::from_utf16_lossy(&units));
        }
    }
    None
}

fn read_safe_contents(
    bytes: &[u8],
    pass: &str,
    entries: &mut Vec<Pkcs12Entry>,
    problems: &mut Vec<Pkcs12Problem>,
    depth: usize,
) {
    let push = |problems: &mut Vec<Pkcs12Problem>, offset: usize, detail: String| {
        problems.push(Pkcs12Problem {
            offset,
            error: ParseError::BadDer {
                what: "PKCS#12 bag".into(),
                detail,
            },
        })
    };
    let top = match super::tlv::parse_single(bytes) {
        Ok(t) => t,
        Err(e) => return push(problems, 0, e.to_string()),
    };
    let mut r = top.children();
    loop {
        let bag = match r.next() {
            Ok(Some(b)) => b,
            Ok(None) => break,
            Err(e) => return push(problems, r.offset(), e.to_string()),
        };
        let mut br = bag.children();
        let bag_id = br.next().ok().flatten().and_then(|t| oid_of(&t));
        let value = br.next().ok().flatten().filter(|t| t.tag == 0xa0);
        let attrs = br.next().ok().flatten();
        let name = friendly_name(attrs);
        let (Some(bag_id), Some(value)) = (bag_id, value) else {
            push(
                problems,
                bag.offset,
                "SafeBag without bagId or bagValue".into(),
            );
            continue;
        };
        let inner = match value.children().next() {
            Ok(Some(i)) => i,
            _ => {
                push(problems, value.offset, "empty bagValue".into());
                continue;
            }
        };
        match bag_id {
            OID_CERT_BAG => {
                let mut cr = inner.children();
                let cert_type = cr.next().ok().flatten().and_then(|t| oid_of(&t));
                let cert = cr
                    .next()
                    .ok()
                    .flatten()
                    .and_then(|t| t.children().next().ok().flatten())
                    .and_then(|t| t.octets().ok());
                match (cert_type, cert) {
                    (Some(OID_X509_CERT), Some(der)) => entries.push(Pkcs12Entry::Certificate {
                        der,
                        friendly_name: name,
                    }),
                    (Some(other), _) if other != OID_X509_CERT => problems.push(Pkcs12Problem {
                        offset: inner.offset,
                        error: ParseError::Unsupported {
                            what: "PKCS#12 certificate bag".into(),
                            detail: format!(
                                "certificate type {other} (SDSI); only X.509 is used by modules"
                            ),
                        },
                    }),
                    _ => push(
                        problems,
                        inner.offset,
                        "certificate bag without a certificate".into(),
                    ),
                }
            }
            OID_KEY_BAG => entries.push(Pkcs12Entry::Key {
                pkcs8: inner.raw.to_vec(),
                scheme: None,
                friendly_name: name,
            }),
            OID_SHROUDED_KEY_BAG => match super::pbe::decrypt_pkcs8(inner.raw, Some(pass)) {
                Ok((pkcs8, scheme)) => entries.push(Pkcs12Entry::Key {
                    pkcs8,
                    scheme: Some(scheme),
                    friendly_name: name,
                }),
                Err(e) => problems.push(Pkcs12Problem {
                    offset: inner.offset,
                    error: e.into_parse("private key of the PKCS#12 file"),
                }),
            },
            OID_SAFE_CONTENTS_BAG if depth < 4 => {
                read_safe_contents(value.content, pass, entries, problems, depth + 1)
            }
            other => {
                let what = match other {
                    OID_CRL_BAG => "CRL bag".to_string(),
                    OID_SECRET_BAG => "secret bag".to_string(),
                    o => format!("bag type {o}"),
                };
                problems.push(Pkcs12Problem {
                    offset: bag.offset,
                    error: ParseError::Unsupported {
                        what: format!("PKCS#12 {what}"),
                        detail: "not a certificate or private key; ignored".into(),
                    },
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kdf_rfc7292_known_answer() {
        // Test vector from the PKCS#12 KDF test set used by OpenSSL (test/recipes/30-test_evp_data/evpkdf_pkcs12.txt):
        // SHA1, password "smeg" (BMP), salt 0A58CF64530D823F, id 1, iter 1, 24 bytes
        // -> 8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3
        let pw = bmp_password("smeg");
        let salt = [0x0A, 0x58, 0xCF, 0x64, 0x53, 0x0D, 0x82, 0x3F];
        let k = kdf::<sha1::Sha1>(&pw, &salt, 1, 1, 24);
        assert_eq!(
            crate::cert::hex(&k),
            "8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3"
        );
        let iv = kdf::<sha1::Sha1>(&pw, &salt, 2, 1, 8);
        assert_eq!(crate::cert::hex(&iv), "79993dfe048d3b76");
    }
}
