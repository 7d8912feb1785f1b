//! How a simulated module reads the credentials it was given: certificates in PEM or DER,
//! keys in PKCS#1, SEC1 or PKCS#8, and the few facts the modules check.

use der::{Decode, Encode};

/// Encodings a module accepts for one upload.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Encoding {
    Pem,
    Der,
    /// PEM when it starts like PEM, DER otherwise.
    Auto,
}

/// Why uploaded bytes are not a usable credential.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum CredError {
    #[error("not PEM: no '-----BEGIN' block in the data")]
    NotPem,
    #[error("PEM block does not decode: {0}")]
    BadPem(String),
    #[error("not a DER certificate: {0}")]
    BadDer(String),
    #[error("not a private key the module can read: {0}")]
    BadKey(String),
}

/// The public key type of a certificate or private key.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum KeyKind {
    Rsa { bits: usize },
    Ec { curve: String },
    Other(String),
}

/// What a module looks at in a certificate.
#[derive(Clone, Debug)]
pub struct ModuleCert {
    pub der: Vec<u8>,
    pub subject: Vec<u8>,
    pub issuer: Vec<u8>,
    pub spki: Vec<u8>,
    pub ski: Option<Vec<u8>>,
    pub aki: Option<Vec<u8>>,
    pub not_before: i64,
    pub not_after: i64,
    pub sig_alg: String,
    pub key: KeyKind,
    /// The public key bits as they appear in the certificate.
    pub public_key: Vec<u8>,
    /// The signed part and the signature, for checking who signed it.
    pub tbs: Vec<u8>,
    pub signature: Vec<u8>,
}

impl ModuleCert {
    /// Whether `other` is the same CA: the same DER, or the same subject and key.
    pub fn same_ca(&self, other: &ModuleCert) -> bool {
        self.der == other.der || (self.subject == other.subject && self.spki == other.spki)
    }

    /// Whether this certificate names `ca` as its issuer (and its key id, when both say).
    pub fn issued_by(&self, ca: &ModuleCert) -> bool {
        if self.issuer != ca.subject {
            return false;
        }
        match (&self.aki, &ca.ski) {
            (Some(a), Some(s)) => a == s,
            _ => true,
        }
    }

    pub fn valid_at(&self, epoch: i64) -> bool {
        self.not_before <= epoch && epoch <= self.not_after
    }

    /// Whether `issuer`'s key made this certificate's signature: `None` when the algorithm
    /// is one the simulator does not check (then only names and key ids are compared).
    pub fn signed_by(&self, issuer: &ModuleCert) -> Option<bool> {
        use signature::Verifier;
        let tbs = self.tbs.as_slice();
        let sig = self.signature.as_slice();
        let rsa = |verify: &dyn Fn(rsa::RsaPublicKey) -> bool| {
            use rsa::pkcs1::DecodeRsaPublicKey;
            if !matches!(issuer.key, KeyKind::Rsa { .. }) {
                // An RSA signature cannot come from another key type.
                return Some(false);
            }
            rsa::RsaPublicKey::from_pkcs1_der(&issuer.public_key)
                .ok()
                .map(verify)
        };
        match self.sig_alg.as_str() {
            SIG_RSA_SHA1 => rsa(&|k| {
                let v = rsa::pkcs1v15::VerifyingKey::<sha1::Sha1>::new(k);
                rsa::pkcs1v15::Signature::try_from(sig).is_ok_and(|s| v.verify(tbs, &s).is_ok())
            }),
            SIG_RSA_SHA256 => rsa(&|k| {
                let v = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(k);
                rsa::pkcs1v15::Signature::try_from(sig).is_ok_and(|s| v.verify(tbs, &s).is_ok())
            }),
            SIG_RSA_SHA384 => rsa(&|k| {
                let v = rsa::pkcs1v15::VerifyingKey::<sha2::Sha384>::new(k);
                rsa::pkcs1v15::Signature::try_from(sig).is_ok_and(|s| v.verify(tbs, &s).is_ok())
            }),
            SIG_RSA_SHA512 => rsa(&|k| {
                let v = rsa::pkcs1v15::VerifyingKey::<sha2::Sha512>::new(k);
                rsa::pkcs1v15::Signature::try_from(sig).is_ok_and(|s| v.verify(tbs, &s).is_ok())
            }),
            SIG_ECDSA_SHA256
                if issuer.key
                    == (KeyKind::Ec {
                        curve: "P-256".into(),
                    }) =>
            {
                let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&issuer.public_key).ok()?;
                let s = p256::ecdsa::Signature::from_der(sig).ok()?;
                Some(key.verify(tbs, &s).is_ok())
            }
            SIG_ECDSA_SHA384
                if issuer.key
                    == (KeyKind::Ec {
                        curve: "P-384".into(),
                    }) =>
            {
                let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(&issuer.public_key).ok()?;
                let s = p384::ecdsa::Signature::from_der(sig).ok()?;
                Some(key.verify(tbs, &s).is_ok())
            }
            // An ECDSA signature cannot come from an RSA key.
            SIG_ECDSA_SHA256 | SIG_ECDSA_SHA384 if matches!(issuer.key, KeyKind::Rsa { .. }) => {
                Some(false)
            }
            _ => None,
        }
    }
}

const SIG_RSA_SHA1: &str = "1.2.840.113549.1.1.5";
const SIG_RSA_SHA256: &str = "1.2.840.113549.1.1.11";
const SIG_RSA_SHA384: &str = "1.2.840.113549.1.1.12";
const SIG_RSA_SHA512: &str = "1.2.840.113549.1.1.13";
const SIG_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const SIG_ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";

/// Reads one DER certificate with the shared parser (`cert::parse::Cert`); what the module
/// then checks is the simulator's own.
pub fn cert_from_der(der: &[u8]) -> Result<ModuleCert, CredError> {
    let view =
        crate::cert::parse::Cert::from_der(der).map_err(|e| CredError::BadDer(e.to_string()))?;
    let cert = &view.x509;
    let tbs = &cert.tbs_certificate;
    let enc = |r: Result<Vec<u8>, der::Error>| r.map_err(|e| CredError::BadDer(e.to_string()));
    let subject = enc(tbs.subject.to_der())?;
    let issuer = enc(tbs.issuer.to_der())?;
    let spki = enc(tbs.subject_public_key_info.to_der())?;
    let tbs_der = enc(tbs.to_der())?;
    let alg = &tbs.subject_public_key_info.algorithm;
    let public_key = tbs
        .subject_public_key_info
        .subject_public_key
        .raw_bytes()
        .to_vec();
    let key = match alg.oid.to_string().as_str() {
        OID_RSA => match pkcs1::RsaPublicKey::from_der(&public_key) {
            Ok(k) => KeyKind::Rsa {
                bits: modulus_bits(k.modulus.as_bytes()),
            },
            Err(e) => return Err(CredError::BadDer(e.to_string())),
        },
        OID_EC => {
            let curve = alg
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<const_oid::ObjectIdentifier>().ok())
                .map(|o| curve_name(&o.to_string()))
                .unwrap_or_else(|| "unknown curve".into());
            KeyKind::Ec { curve }
        }
        other => KeyKind::Other(other.to_owned()),
    };
    Ok(ModuleCert {
        der: der.to_vec(),
        subject,
        issuer,
        spki,
        ski: view.ski.clone(),
        aki: view.aki.clone(),
        not_before: view.not_before,
        not_after: view.not_after,
        sig_alg: cert.signature_algorithm.oid.to_string(),
        key,
        public_key,
        tbs: tbs_der,
        signature: cert.signature.raw_bytes().to_vec(),
    })
}

fn curve_name(oid: &str) -> String {
    match oid {
        OID_P256 => "P-256".into(),
        OID_P384 => "P-384".into(),
        o => o.into(),
    }
}

fn modulus_bits(m: &[u8]) -> usize {
    let trimmed: &[u8] = {
        let first = m.iter().position(|&b| b != 0).unwrap_or(m.len());
        &m[first..]
    };
    match trimmed.first() {
        Some(&b) => trimmed.len() * 8 - b.leading_zeros() as usize,
        None => 0,
    }
}

/// Whether bytes look like PEM (after leading whitespace).
pub fn looks_pem(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    bytes[start..].starts_with(b"-----BEGIN")
}

/// The PEM blocks in `bytes` as (label, DER). Lines may end in LF, CRLF or CR; trailing
/// NULs (a C string's terminator, as TinyGSM uploads) are ignored.
pub fn pem_blocks(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, CredError> {
    let text: String = String::from_utf8_lossy(bytes)
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim_end_matches(['\0', '\n', ' '])
        .to_owned();
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(begin) = rest.find("-----BEGIN ") {
        let after = &rest[begin..];
        let Some(label_end) = after[11..].find("-----") else {
            return Err(CredError::BadPem("unterminated BEGIN line".into()));
        };
        let label = after[11..11 + label_end].to_owned();
        let end_marker = format!("-----END {label}-----");
        let Some(end) = after.find(&end_marker) else {
            return Err(CredError::BadPem(format!("no '{end_marker}' line")));
        };
        let block = format!("{}\n", &after[..end + end_marker.len()]);
        let (_, der) = pem_rfc7468::decode_vec(block.as_bytes())
            .map_err(|e| CredError::BadPem(e.to_string()))?;
        out.push((label, der));
        rest = &after[end + end_marker.len()..];
    }
    if out.is_empty() {
        return Err(CredError::NotPem);
    }
    Ok(out)
}

/// Every certificate in the upload (a PEM bundle may hold several).
pub fn certs(bytes: &[u8], enc: Encoding) -> Result<Vec<ModuleCert>, CredError> {
    let pem = match enc {
        Encoding::Pem => true,
        Encoding::Der => false,
        Encoding::Auto => looks_pem(bytes),
    };
    if pem {
        pem_blocks(bytes)?
            .into_iter()
            .filter(|(label, _)| label == "CERTIFICATE" || label == "X509 CERTIFICATE")
            .map(|(_, der)| cert_from_der(&der))
            .collect::<Result<Vec<_>, _>>()
            .and_then(|v| {
                if v.is_empty() {
                    Err(CredError::BadPem("no CERTIFICATE block".into()))
                } else {
                    Ok(v)
                }
            })
    } else {
        // The bytes as given; DER may end in 0x00, so trailing NULs are only dropped as a
        // fallback (a C string's terminator).
        cert_from_der(bytes)
            .or_else(|e| cert_from_der(trim_nul(bytes)).map_err(|_| e))
            .map(|c| vec![c])
    }
}

fn trim_nul(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    &bytes[..end]
}

/// How a private key was encoded.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum KeyFormat {
    Pkcs1,
    Sec1,
    Pkcs8,
}

/// A private key as a module reads it.
#[derive(Clone, Debug)]
pub struct KeyInfo {
    pub format: KeyFormat,
    pub kind: KeyKind,
    /// What must equal the certificate's public key bits (RSAPublicKey DER, or the
    /// uncompressed EC point).
    pub public_key: Vec<u8>,
    /// The key's DER in its own `format` (what a real TLS client is given).
    pub der: Vec<u8>,
}

/// Parses a private key.
pub fn key(bytes: &[u8], enc: Encoding) -> Result<KeyInfo, CredError> {
    let pem = match enc {
        Encoding::Pem => true,
        Encoding::Der => false,
        Encoding::Auto => looks_pem(bytes),
    };
    if pem {
        let blocks = pem_blocks(bytes)?;
        let Some((label, der)) = blocks.into_iter().find(|(l, _)| l.ends_with("PRIVATE KEY"))
        else {
            return Err(CredError::BadKey("no PRIVATE KEY block".into()));
        };
        match label.as_str() {
            "RSA PRIVATE KEY" => key_pkcs1(&der),
            "EC PRIVATE KEY" => key_sec1(&der),
            "PRIVATE KEY" => key_pkcs8(&der),
            other => Err(CredError::BadKey(format!(
                "'{other}' keys are not supported (encrypted?)"
            ))),
        }
    } else {
        let exact = |der: &[u8]| {
            key_pkcs8(der)
                .or_else(|_| key_pkcs1(der))
                .or_else(|_| key_sec1(der))
        };
        exact(bytes).or_else(|e| exact(trim_nul(bytes)).map_err(|_| e))
    }
}

fn key_pkcs1(der: &[u8]) -> Result<KeyInfo, CredError> {
    let k = pkcs1::RsaPrivateKey::from_der(der).map_err(|e| CredError::BadKey(e.to_string()))?;
    let public = pkcs1::RsaPublicKey {
        modulus: k.modulus,
        public_exponent: k.public_exponent,
    };
    let public_key = public
        .to_der()
        .map_err(|e| CredError::BadKey(e.to_string()))?;
    Ok(KeyInfo {
        format: KeyFormat::Pkcs1,
        kind: KeyKind::Rsa {
            bits: modulus_bits(k.modulus.as_bytes()),
        },
        public_key,
        der: der.to_vec(),
    })
}

fn ec_public(secret: &[u8], curve: &str) -> Result<Vec<u8>, CredError> {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    match curve {
        "P-256" => p256::SecretKey::from_slice(secret)
            .map(|s| s.public_key().to_encoded_point(false).as_bytes().to_vec())
            .map_err(|e| CredError::BadKey(e.to_string())),
        "P-384" => p384::SecretKey::from_slice(secret)
            .map(|s| s.public_key().to_encoded_point(false).as_bytes().to_vec())
            .map_err(|e| CredError::BadKey(e.to_string())),
        other => Err(CredError::BadKey(format!("curve {other} not supported"))),
    }
}

fn key_sec1(der: &[u8]) -> Result<KeyInfo, CredError> {
    let k = sec1::EcPrivateKey::from_der(der).map_err(|e| CredError::BadKey(e.to_string()))?;
    let curve = k
        .parameters
        .and_then(|p| p.named_curve())
        .map(|o| curve_name(&o.to_string()))
        .unwrap_or_else(|| "unknown curve".into());
    let public_key = ec_public(k.private_key, &curve)?;
    Ok(KeyInfo {
        format: KeyFormat::Sec1,
        kind: KeyKind::Ec { curve },
        public_key,
        der: der.to_vec(),
    })
}

fn key_pkcs8(der: &[u8]) -> Result<KeyInfo, CredError> {
    let info =
        pkcs8::PrivateKeyInfo::from_der(der).map_err(|e| CredError::BadKey(e.to_string()))?;
    let oid = info.algorithm.oid.to_string();
    let inner = match oid.as_str() {
        OID_RSA => key_pkcs1(info.private_key)?,
        OID_EC => {
            let curve = info
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<const_oid::ObjectIdentifier>().ok())
                .map(|o| curve_name(&o.to_string()))
                .unwrap_or_else(|| "unknown curve".into());
            let k = sec1::EcPrivateKey::from_der(info.private_key)
                .map_err(|e| CredError::BadKey(e.to_string()))?;
            KeyInfo {
                format: KeyFormat::Sec1,
                public_key: ec_public(k.private_key, &curve)?,
                kind: KeyKind::Ec { curve },
                der: Vec::new(),
            }
        }
        other => return Err(CredError::BadKey(format!("key algorithm {other}"))),
    };
    Ok(KeyInfo {
        format: KeyFormat::Pkcs8,
        der: der.to_vec(),
        ..inner
    })
}

/// Whether `key` is the private half of `cert`'s public key.
pub fn key_matches(key: &KeyInfo, cert: &ModuleCert) -> bool {
    key.public_key == cert.public_key
}

pub use crate::cert::hex_colon;
