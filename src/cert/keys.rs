//! Private and public keys: decode PKCS#1, SEC1 and PKCS#8 (plain or encrypted, and legacy
//! OpenSSL-encrypted PEM), describe them, re-encode them exactly as openssl does, and match
//! them against certificates.

use super::error::{CertError, ParseError};
pub use super::pbe::{DecryptError, decrypt_legacy_pem, decrypt_pkcs8};
use super::tlv::{Reader, Tlv, der_tlv};
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use serde::Serialize;

/// rsaEncryption (RFC 8017).
pub const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-RSASSA-PSS used as a key algorithm.
pub const OID_RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
/// id-ecPublicKey (RFC 5480).
pub const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const OID_K256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
const OID_X25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.110");
const OID_DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");

/// How a private key is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyEncoding {
    /// `RSA PRIVATE KEY` (RFC 8017 RSAPrivateKey).
    Pkcs1,
    /// `EC PRIVATE KEY` (RFC 5915 ECPrivateKey).
    Sec1,
    /// `PRIVATE KEY` (RFC 5208/5958 PrivateKeyInfo).
    Pkcs8,
}

impl KeyEncoding {
    /// The PEM label of this encoding.
    pub fn pem_label(self) -> &'static str {
        match self {
            KeyEncoding::Pkcs1 => "RSA PRIVATE KEY",
            KeyEncoding::Sec1 => "EC PRIVATE KEY",
            KeyEncoding::Pkcs8 => "PRIVATE KEY",
        }
    }
}

impl std::fmt::Display for KeyEncoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Pkcs1 => "PKCS#1 (BEGIN RSA PRIVATE KEY)",
            Self::Sec1 => "SEC1 (BEGIN EC PRIVATE KEY)",
            Self::Pkcs8 => "PKCS#8 (BEGIN PRIVATE KEY)",
        })
    }
}

/// How a public key is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PublicKeyEncoding {
    /// `PUBLIC KEY` (SubjectPublicKeyInfo).
    Spki,
    /// `RSA PUBLIC KEY` (RFC 8017 RSAPublicKey).
    Pkcs1,
}

/// How an encrypted key was protected (for display; the item holds the decrypted key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Protection {
    /// `pkcs8` (PBES2 etc.), `legacy-pem` (Proc-Type/DEK-Info) or `pkcs12`.
    pub container: String,
    /// e.g. "PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC", "AES-128-CBC (EVP_BytesToKey MD5)".
    pub scheme: String,
}

/// Elliptic curves by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Curve {
    /// NIST P-256 / prime256v1 / secp256r1.
    P256,
    /// NIST P-384 / secp384r1.
    P384,
    /// NIST P-521 / secp521r1.
    P521,
    /// secp256k1.
    Secp256k1,
    /// Anything else, by OID.
    Other(String),
}

impl Curve {
    /// From a namedCurve OID.
    pub fn from_oid(oid: &ObjectIdentifier) -> Curve {
        match *oid {
            OID_P256 => Curve::P256,
            OID_P384 => Curve::P384,
            OID_P521 => Curve::P521,
            OID_K256 => Curve::Secp256k1,
            other => Curve::Other(other.to_string()),
        }
    }

    /// The namedCurve OID.
    pub fn oid(&self) -> Option<ObjectIdentifier> {
        match self {
            Curve::P256 => Some(OID_P256),
            Curve::P384 => Some(OID_P384),
            Curve::P521 => Some(OID_P521),
            Curve::Secp256k1 => Some(OID_K256),
            Curve::Other(s) => ObjectIdentifier::new(s).ok(),
        }
    }

    /// Name as openssl prints it in `-text` output (NIST names).
    pub fn name(&self) -> String {
        match self {
            Curve::P256 => "P-256".into(),
            Curve::P384 => "P-384".into(),
            Curve::P521 => "P-521".into(),
            Curve::Secp256k1 => "secp256k1".into(),
            Curve::Other(s) => s.clone(),
        }
    }

    /// Bytes of a field element / private scalar.
    pub fn field_bytes(&self) -> Option<usize> {
        match self {
            Curve::P256 | Curve::Secp256k1 => Some(32),
            Curve::P384 => Some(48),
            Curve::P521 => Some(66),
            Curve::Other(_) => None,
        }
    }

    /// Bits of the curve order.
    pub fn bits(&self) -> Option<u32> {
        match self {
            Curve::P256 | Curve::Secp256k1 => Some(256),
            Curve::P384 => Some(384),
            Curve::P521 => Some(521),
            Curve::Other(_) => None,
        }
    }
}

/// A decoded private key in a normalised form, ready to be written in any encoding.
#[derive(Clone, PartialEq, Eq)]
pub enum PrivateKey {
    /// RSA: the canonical RSAPrivateKey DER.
    Rsa {
        /// RFC 8017 RSAPrivateKey, DER.
        pkcs1: Vec<u8>,
        /// Modulus, big-endian, no leading zeros.
        n: Vec<u8>,
        /// Public exponent, big-endian, no leading zeros.
        e: Vec<u8>,
    },
    /// EC on a named curve.
    Ec {
        /// The curve.
        curve: Curve,
        /// The private scalar, left-padded to the field size.
        d: Vec<u8>,
        /// The public point as SEC1 bytes (computed when the file omitted it).
        public: Vec<u8>,
    },
    /// Any other algorithm (Ed25519, ...): kept as the PKCS#8 it came in.
    Other {
        /// Algorithm OID.
        algorithm: String,
        /// PrivateKeyInfo DER.
        pkcs8: Vec<u8>,
    },
}

impl Drop for PrivateKey {
    // Key material is wiped when the user removes a key (architecture: keys live in memory only).
    fn drop(&mut self) {
        use zeroize::Zeroize;
        match self {
            PrivateKey::Rsa { pkcs1, .. } => pkcs1.zeroize(),
            PrivateKey::Ec { d, .. } => d.zeroize(),
            PrivateKey::Other { pkcs8, .. } => pkcs8.zeroize(),
        }
    }
}

impl std::fmt::Debug for PrivateKey {
    // Never print key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({})", self.algorithm_name())
    }
}

/// What a key is, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// "RSA", "EC", "Ed25519", ... (or the OID).
    pub algorithm: String,
    /// Key size in bits (RSA modulus, EC order).
    pub bits: Option<u32>,
    /// Curve name for EC keys.
    pub curve: Option<String>,
    /// SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex (the usual public key pin).
    pub spki_sha256: Option<String>,
}

/// A public key identity used to match keys and certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKeyId {
    /// RSA modulus and exponent (minimal big-endian).
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// EC curve and uncompressed point.
    Ec { curve: Curve, point: Vec<u8> },
    /// Anything else: algorithm OID and key bits.
    Other { algorithm: String, key: Vec<u8> },
}

fn bad(what: &str, detail: impl std::fmt::Display) -> ParseError {
    ParseError::BadDer {
        what: what.to_string(),
        detail: detail.to_string(),
    }
}

fn strip_zeros(b: &[u8]) -> Vec<u8> {
    let s = b.iter().position(|x| *x != 0).unwrap_or(b.len());
    b[s..].to_vec()
}

fn bit_len(be: &[u8]) -> u32 {
    let b = strip_zeros(be);
    match b.first() {
        None => 0,
        Some(first) => (b.len() as u32 - 1) * 8 + (8 - first.leading_zeros()),
    }
}

/// Left-pads `b` (after stripping zeros) to `len` bytes.
fn pad_to(b: &[u8], len: usize) -> Option<Vec<u8>> {
    let s = strip_zeros(b);
    if s.len() > len {
        return None;
    }
    let mut out = vec![0u8; len - s.len()];
    out.extend_from_slice(&s);
    Some(out)
}

/// Computes the uncompressed public point for a private scalar, for the curves we implement.
fn ec_public_from_d(curve: &Curve, d: &[u8]) -> Option<Vec<u8>> {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    match curve {
        Curve::P256 => {
            let sk = p256::SecretKey::from_slice(d).ok()?;
            Some(sk.public_key().to_encoded_point(false).as_bytes().to_vec())
        }
        Curve::P384 => {
            let sk = p384::SecretKey::from_slice(d).ok()?;
            Some(sk.public_key().to_encoded_point(false).as_bytes().to_vec())
        }
        _ => None,
    }
}

/// Normalises a SEC1 point to uncompressed form where we can.
fn ec_uncompressed(curve: &Curve, point: &[u8]) -> Vec<u8> {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let out = match curve {
        Curve::P256 => p256::PublicKey::from_sec1_bytes(point)
            .ok()
            .map(|p| p.to_encoded_point(false).as_bytes().to_vec()),
        Curve::P384 => p384::PublicKey::from_sec1_bytes(point)
            .ok()
            .map(|p| p.to_encoded_point(false).as_bytes().to_vec()),
        _ => None,
    };
    out.unwrap_or_else(|| point.to_vec())
}

impl PrivateKey {
    /// Decodes an RFC 8017 RSAPrivateKey.
    pub fn from_pkcs1(der: &[u8]) -> Result<Self, ParseError> {
        let k =
            pkcs1::RsaPrivateKey::from_der(der).map_err(|e| bad("RSA private key (PKCS#1)", e))?;
        Ok(PrivateKey::Rsa {
            pkcs1: der.to_vec(),
            n: strip_zeros(k.modulus.as_bytes()),
            e: strip_zeros(k.public_exponent.as_bytes()),
        })
    }

    /// Decodes an RFC 5915 ECPrivateKey. `curve_hint` comes from an `EC PARAMETERS` block or
    /// the PKCS#8 algorithm parameters when the key itself does not name its curve.
    pub fn from_sec1(der: &[u8], curve_hint: Option<Curve>) -> Result<Self, ParseError> {
        let what = "EC private key (SEC1)";
        let k = sec1::EcPrivateKey::from_der(der).map_err(|e| bad(what, e))?;
        let curve = match (k.parameters.and_then(|p| p.named_curve()), curve_hint) {
            (Some(oid), _) => Curve::from_oid(&oid),
            (None, Some(c)) => c,
            (None, None) => {
                return Err(bad(
                    what,
                    "the key does not name its curve and no EC PARAMETERS block came with it",
                ));
            }
        };
        let flen = curve.field_bytes().ok_or_else(|| ParseError::Unsupported {
            what: what.into(),
            detail: format!("curve {}", curve.name()),
        })?;
        let d = pad_to(k.private_key, flen)
            .ok_or_else(|| bad(what, "private scalar longer than the curve"))?;
        let public = match k.public_key {
            Some(p) => p.to_vec(),
            None => ec_public_from_d(&curve, &d).ok_or_else(|| ParseError::Unsupported {
                what: what.into(),
                detail: format!(
                    "the key has no public part and atcert cannot compute it on {}",
                    curve.name()
                ),
            })?,
        };
        Ok(PrivateKey::Ec { curve, d, public })
    }

    /// Decodes a PKCS#8 PrivateKeyInfo / OneAsymmetricKey.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, ParseError> {
        let what = "private key (PKCS#8)";
        let pki = pkcs8::PrivateKeyInfo::from_der(der).map_err(|e| bad(what, e))?;
        let oid = pki.algorithm.oid;
        if oid == OID_RSA {
            PrivateKey::from_pkcs1(pki.private_key)
        } else if oid == OID_EC {
            let curve = pki
                .algorithm
                .parameters_oid()
                .map(|o| Curve::from_oid(&o))
                .map_err(|_| bad(what, "EC key without a named curve"))?;
            let inner = Self::from_sec1(pki.private_key, Some(curve))?;
            // A PKCS#8 v2 key may carry the public key outside the ECPrivateKey.
            let inner_has_public = sec1::EcPrivateKey::from_der(pki.private_key)
                .ok()
                .and_then(|k| k.public_key)
                .is_some();
            if let (PrivateKey::Ec { curve, d, .. }, Some(pk), false) =
                (&inner, pki.public_key, inner_has_public)
            {
                return Ok(PrivateKey::Ec {
                    curve: curve.clone(),
                    d: d.clone(),
                    public: pk.to_vec(),
                });
            }
            Ok(inner)
        } else {
            Ok(PrivateKey::Other {
                algorithm: oid.to_string(),
                pkcs8: der.to_vec(),
            })
        }
    }

    /// Decodes `der` in the given encoding.
    pub fn from_der(der: &[u8], encoding: KeyEncoding) -> Result<Self, ParseError> {
        match encoding {
            KeyEncoding::Pkcs1 => Self::from_pkcs1(der),
            KeyEncoding::Sec1 => Self::from_sec1(der, None),
            KeyEncoding::Pkcs8 => Self::from_pkcs8(der),
        }
    }

    /// "RSA", "EC", or the algorithm's name/OID.
    pub fn algorithm_name(&self) -> String {
        match self {
            PrivateKey::Rsa { .. } => "RSA".into(),
            PrivateKey::Ec { .. } => "EC".into(),
            PrivateKey::Other { algorithm, .. } => algorithm_name_of(algorithm),
        }
    }

    /// PKCS#1 DER (RSA only), as `openssl rsa -traditional -outform DER` writes it.
    pub fn to_pkcs1_der(&self) -> Result<Vec<u8>, CertError> {
        match self {
            PrivateKey::Rsa { pkcs1, .. } => Ok(pkcs1.clone()),
            _ => Err(CertError::Conversion {
                from: self.algorithm_name(),
                to: "PKCS#1".into(),
                reason: "PKCS#1 (RSA PRIVATE KEY) holds RSA keys only; use SEC1 or PKCS#8".into(),
            }),
        }
    }

    /// SEC1 DER (EC only), as `openssl ec -outform DER` writes it: version 1, the scalar
    /// padded to the field size, `[0]` namedCurve and `[1]` public key.
    pub fn to_sec1_der(&self) -> Result<Vec<u8>, CertError> {
        match self {
            PrivateKey::Ec { curve, d, public } => Ok(sec1_der(curve, d, public, true)?),
            _ => Err(CertError::Conversion {
                from: self.algorithm_name(),
                to: "SEC1".into(),
                reason: "SEC1 (EC PRIVATE KEY) holds EC keys only; use PKCS#1 or PKCS#8".into(),
            }),
        }
    }

    /// PKCS#8 DER, byte-identical to `openssl pkcs8 -topk8 -nocrypt -outform DER` and to the
    /// PEM body of `openssl pkey` (version 0; for EC the inner ECPrivateKey has no `[0]`
    /// parameters but keeps `[1]` the public key). Note: OpenSSL 3.0's `pkey -outform DER`
    /// writes the traditional PKCS#1/SEC1 form instead (seen with 3.0.22; tests/cert_keys.rs).
    pub fn to_pkcs8_der(&self) -> Result<Vec<u8>, CertError> {
        match self {
            PrivateKey::Rsa { pkcs1, .. } => {
                let alg = der_tlv(0x30, &[oid_tlv(&OID_RSA), vec![0x05, 0x00]].concat());
                Ok(der_tlv(
                    0x30,
                    &[vec![0x02, 0x01, 0x00], alg, der_tlv(0x04, pkcs1)].concat(),
                ))
            }
            PrivateKey::Ec { curve, d, public } => {
                let curve_oid = curve.oid().ok_or_else(|| CertError::Conversion {
                    from: "EC".into(),
                    to: "PKCS#8".into(),
                    reason: "unknown curve".into(),
                })?;
                let alg = der_tlv(0x30, &[oid_tlv(&OID_EC), oid_tlv(&curve_oid)].concat());
                let inner = sec1_der(curve, d, public, false)?;
                Ok(der_tlv(
                    0x30,
                    &[vec![0x02, 0x01, 0x00], alg, der_tlv(0x04, &inner)].concat(),
                ))
            }
            PrivateKey::Other { pkcs8, .. } => Ok(pkcs8.clone()),
        }
    }

    /// DER in the requested encoding.
    pub fn to_der(&self, encoding: KeyEncoding) -> Result<Vec<u8>, CertError> {
        match encoding {
            KeyEncoding::Pkcs1 => self.to_pkcs1_der(),
            KeyEncoding::Sec1 => self.to_sec1_der(),
            KeyEncoding::Pkcs8 => self.to_pkcs8_der(),
        }
    }

    /// The encoding a module usually wants for this key type (PKCS#1 for RSA, SEC1 for EC).
    pub fn traditional_encoding(&self) -> KeyEncoding {
        match self {
            PrivateKey::Rsa { .. } => KeyEncoding::Pkcs1,
            PrivateKey::Ec { .. } => KeyEncoding::Sec1,
            PrivateKey::Other { .. } => KeyEncoding::Pkcs8,
        }
    }

    /// The public key's SubjectPublicKeyInfo DER (as `openssl pkey -pubout -outform DER`).
    pub fn public_spki_der(&self) -> Option<Vec<u8>> {
        match self {
            PrivateKey::Rsa { n, e, .. } => Some(rsa_spki(n, e)),
            PrivateKey::Ec { curve, public, .. } => {
                let alg = der_tlv(0x30, &[oid_tlv(&OID_EC), oid_tlv(&curve.oid()?)].concat());
                let mut bits = vec![0u8];
                bits.extend_from_slice(public);
                Some(der_tlv(0x30, &[alg, der_tlv(0x03, &bits)].concat()))
            }
            PrivateKey::Other { pkcs8, .. } => {
                // OneAsymmetricKey v2 may carry [1] publicKey; Ed25519 v1 does not.
                let pki = pkcs8::PrivateKeyInfo::from_der(pkcs8).ok()?;
                let pk = pki.public_key?;
                let alg = pki.algorithm.to_der().ok()?;
                let mut bits = vec![0u8];
                bits.extend_from_slice(pk);
                Some(der_tlv(0x30, &[alg, der_tlv(0x03, &bits)].concat()))
            }
        }
    }

    /// The identity used to match this key with a certificate.
    pub fn public_id(&self) -> Option<PublicKeyId> {
        match self {
            PrivateKey::Rsa { n, e, .. } => Some(PublicKeyId::Rsa {
                n: n.clone(),
                e: e.clone(),
            }),
            PrivateKey::Ec { curve, public, .. } => Some(PublicKeyId::Ec {
                curve: curve.clone(),
                point: ec_uncompressed(curve, public),
            }),
            PrivateKey::Other { .. } => public_id_from_spki(&self.public_spki_der()?),
        }
    }

    /// What this key is.
    pub fn info(&self) -> KeyInfo {
        let spki_sha256 = self.public_spki_der().map(|d| super::hex(&sha256(&d)));
        match self {
            PrivateKey::Rsa { n, .. } => KeyInfo {
                algorithm: "RSA".into(),
                bits: Some(bit_len(n)),
                curve: None,
                spki_sha256,
            },
            PrivateKey::Ec { curve, .. } => KeyInfo {
                algorithm: "EC".into(),
                bits: curve.bits(),
                curve: Some(curve.name()),
                spki_sha256,
            },
            PrivateKey::Other { algorithm, .. } => KeyInfo {
                algorithm: algorithm_name_of(algorithm),
                bits: None,
                curve: None,
                spki_sha256,
            },
        }
    }
}

fn sha256(d: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(d).to_vec()
}

pub(crate) fn oid_tlv(oid: &ObjectIdentifier) -> Vec<u8> {
    der_tlv(0x06, oid.as_bytes())
}

/// A DER INTEGER from unsigned big-endian bytes.
fn uint_tlv(be: &[u8]) -> Vec<u8> {
    let mut v = strip_zeros(be);
    if v.is_empty() || v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    der_tlv(0x02, &v)
}

fn rsa_public_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    der_tlv(0x30, &[uint_tlv(n), uint_tlv(e)].concat())
}

fn rsa_spki(n: &[u8], e: &[u8]) -> Vec<u8> {
    let alg = der_tlv(0x30, &[oid_tlv(&OID_RSA), vec![0x05, 0x00]].concat());
    let mut bits = vec![0u8];
    bits.extend_from_slice(&rsa_public_der(n, e));
    der_tlv(0x30, &[alg, der_tlv(0x03, &bits)].concat())
}

fn sec1_der(
    curve: &Curve,
    d: &[u8],
    public: &[u8],
    with_params: bool,
) -> Result<Vec<u8>, CertError> {
    let mut body = vec![0x02, 0x01, 0x01];
    body.extend(der_tlv(0x04, d));
    if with_params {
        let oid = curve.oid().ok_or_else(|| CertError::Conversion {
            from: "EC".into(),
            to: "SEC1".into(),
            reason: "unknown curve".into(),
        })?;
        body.extend(der_tlv(0xa0, &oid_tlv(&oid)));
    }
    let mut bits = vec![0u8];
    bits.extend_from_slice(public);
    body.extend(der_tlv(0xa1, &der_tlv(0x03, &bits)));
    Ok(der_tlv(0x30, &body))
}

/// Human name of a key algorithm OID.
pub fn algorithm_name_of(oid: &str) -> String {
    match ObjectIdentifier::new(oid) {
        Ok(OID_RSA) => "RSA".into(),
        Ok(OID_RSA_PSS) => "RSASSA-PSS".into(),
        Ok(OID_EC) => "EC".into(),
        Ok(OID_ED25519) => "Ed25519".into(),
        Ok(OID_ED448) => "Ed448".into(),
        Ok(OID_X25519) => "X25519".into(),
        Ok(OID_DSA) => "DSA".into(),
        _ => oid.to_string(),
    }
}

/// A public key decoded from a SubjectPublicKeyInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// SubjectPublicKeyInfo DER.
    pub spki: Vec<u8>,
}

impl PublicKey {
    /// From SPKI DER (validated).
    pub fn from_spki(der: &[u8]) -> Result<Self, ParseError> {
        spki::SubjectPublicKeyInfoRef::from_der(der).map_err(|e| bad("public key (SPKI)", e))?;
        Ok(PublicKey { spki: der.to_vec() })
    }

    /// From an RFC 8017 RSAPublicKey.
    pub fn from_pkcs1(der: &[u8]) -> Result<Self, ParseError> {
        let k =
            pkcs1::RsaPublicKey::from_der(der).map_err(|e| bad("RSA public key (PKCS#1)", e))?;
        Ok(PublicKey {
            spki: rsa_spki(k.modulus.as_bytes(), k.public_exponent.as_bytes()),
        })
    }

    /// The RSAPublicKey DER, RSA only.
    pub fn to_pkcs1_der(&self) -> Result<Vec<u8>, CertError> {
        match public_id_from_spki(&self.spki) {
            Some(PublicKeyId::Rsa { n, e }) => Ok(rsa_public_der(&n, &e)),
            _ => Err(CertError::Conversion {
                from: "public key".into(),
                to: "PKCS#1".into(),
                reason: "RSA PUBLIC KEY holds RSA keys only".into(),
            }),
        }
    }

    /// What this key is.
    pub fn info(&self) -> KeyInfo {
        spki_info(&self.spki)
    }
}

/// Describes a SubjectPublicKeyInfo.
pub fn spki_info(spki_der: &[u8]) -> KeyInfo {
    let spki_sha256 = Some(super::hex(&sha256(spki_der)));
    match public_id_from_spki(spki_der) {
        Some(PublicKeyId::Rsa { n, .. }) => KeyInfo {
            algorithm: "RSA".into(),
            bits: Some(bit_len(&n)),
            curve: None,
            spki_sha256,
        },
        Some(PublicKeyId::Ec { curve, .. }) => KeyInfo {
            algorithm: "EC".into(),
            bits: curve.bits(),
            curve: Some(curve.name()),
            spki_sha256,
        },
        Some(PublicKeyId::Other { algorithm, key }) => {
            let name = algorithm_name_of(&algorithm);
            let bits = match name.as_str() {
                "Ed25519" | "X25519" => Some(256),
                "Ed448" => Some(456),
                _ => None,
            };
            let _ = key;
            KeyInfo {
                algorithm: name,
                bits,
                curve: None,
                spki_sha256,
            }
        }
        None => KeyInfo {
            algorithm: "unknown".into(),
            bits: None,
            curve: None,
            spki_sha256,
        },
    }
}

/// The matching identity of a SubjectPublicKeyInfo.
pub fn public_id_from_spki(spki_der: &[u8]) -> Option<PublicKeyId> {
    let s = spki::SubjectPublicKeyInfoRef::from_der(spki_der).ok()?;
    let key = s.subject_public_key.as_bytes()?;
    let oid = s.algorithm.oid;
    if oid == OID_RSA || oid == OID_RSA_PSS {
        let k = pkcs1::RsaPublicKey::from_der(key).ok()?;
        Some(PublicKeyId::Rsa {
            n: strip_zeros(k.modulus.as_bytes()),
            e: strip_zeros(k.public_exponent.as_bytes()),
        })
    } else if oid == OID_EC {
        let curve = Curve::from_oid(&s.algorithm.parameters_oid().ok()?);
        let point = ec_uncompressed(&curve, key);
        Some(PublicKeyId::Ec { curve, point })
    } else {
        Some(PublicKeyId::Other {
            algorithm: oid.to_string(),
            key: key.to_vec(),
        })
    }
}

/// Reads the first element of `der` as a plain check that it is one complete element.
pub(crate) fn first_element(der: &[u8]) -> Option<Tlv<'_>> {
    Reader::new(der).next().ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_len(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_len(&[0x01]), 1);
        assert_eq!(bit_len(&[]), 0);
    }
}
