//! The typed view of one certificate: decoded once, read by the lint, the simulators, the
//! SPWF04 key-identifier step and the command line.

use core::fmt;

use const_oid::ObjectIdentifier;
use const_oid::db::{rfc5280, rfc5912};
use der::Decode;
use der::asn1::BitString;
use sha1::{Digest, Sha1};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, SubjectKeyIdentifier,
};

use crate::cert::error::ParseError;

/// Public key / private key algorithms a module can use.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum KeyType {
    Rsa,
    EcP256,
    EcP384,
    EcP521,
    /// Anything else (Ed25519, DSA, other curves).
    Other,
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Rsa => "RSA",
            Self::EcP256 => "ECDSA P-256",
            Self::EcP384 => "ECDSA P-384",
            Self::EcP521 => "ECDSA P-521",
            Self::Other => "another algorithm",
        })
    }
}

/// Hash inside a certificate's signature algorithm.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum HashAlg {
    Md2,
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    /// RSASSA-PSS, Ed25519 or something unknown.
    Other,
}

impl fmt::Display for HashAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Md2 => "MD2",
            Self::Md5 => "MD5",
            Self::Sha1 => "SHA-1",
            Self::Sha224 => "SHA-224",
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
            Self::Other => "another algorithm",
        })
    }
}

/// ecdsa-with-SHA1 (ANSI X9.62): the one signature OID const-oid's database lacks.
const ECDSA_WITH_SHA_1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");

impl HashAlg {
    /// The hash of a signature algorithm.
    pub fn of_signature(oid: &ObjectIdentifier) -> Self {
        match *oid {
            rfc5912::MD_2_WITH_RSA_ENCRYPTION => Self::Md2,
            rfc5912::MD_5_WITH_RSA_ENCRYPTION => Self::Md5,
            rfc5912::SHA_1_WITH_RSA_ENCRYPTION | ECDSA_WITH_SHA_1 => Self::Sha1,
            rfc5912::SHA_224_WITH_RSA_ENCRYPTION | rfc5912::ECDSA_WITH_SHA_224 => Self::Sha224,
            rfc5912::SHA_256_WITH_RSA_ENCRYPTION | rfc5912::ECDSA_WITH_SHA_256 => Self::Sha256,
            rfc5912::SHA_384_WITH_RSA_ENCRYPTION | rfc5912::ECDSA_WITH_SHA_384 => Self::Sha384,
            rfc5912::SHA_512_WITH_RSA_ENCRYPTION | rfc5912::ECDSA_WITH_SHA_512 => Self::Sha512,
            _ => Self::Other,
        }
    }
}

impl KeyType {
    /// The key type of an EC curve OID.
    pub fn of_curve(oid: Option<ObjectIdentifier>) -> Self {
        match oid {
            Some(rfc5912::SECP_256_R_1) => Self::EcP256,
            Some(rfc5912::SECP_384_R_1) => Self::EcP384,
            Some(rfc5912::SECP_521_R_1) => Self::EcP521,
            _ => Self::Other,
        }
    }

    /// The type and (RSA) size of a SubjectPublicKeyInfo's key.
    pub fn of_spki(spki: &spki::SubjectPublicKeyInfoOwned) -> (Self, u32) {
        if spki.algorithm.oid == rfc5912::RSA_ENCRYPTION {
            let bits = pkcs1::RsaPublicKey::from_der(spki.subject_public_key.raw_bytes())
                .map(|k| rsa_bits(k.modulus.as_bytes()))
                .unwrap_or(0);
            return (Self::Rsa, bits);
        }
        if spki.algorithm.oid == rfc5912::ID_EC_PUBLIC_KEY {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            return (Self::of_curve(curve), 0);
        }
        (Self::Other, 0)
    }
}

/// Bit length of a big-endian unsigned integer (an RSA modulus).
pub fn rsa_bits(modulus: &[u8]) -> u32 {
    let first = modulus
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(modulus.len());
    let bytes = modulus.get(first..).unwrap_or_default();
    match bytes.first() {
        Some(top) => u32::try_from(bytes.len() - 1)
            .unwrap_or(u32::MAX)
            .saturating_mul(8)
            .saturating_add(8 - top.leading_zeros()),
        None => 0,
    }
}

/// RFC 5280 4.2.1.2 method 1: SHA-1 of the BIT STRING subjectPublicKey (without tag, length
/// and unused-bits byte). OpenSSL computes the same when it adds the extension.
pub fn ski_method1(subject_public_key: &BitString) -> Vec<u8> {
    Sha1::digest(subject_public_key.raw_bytes()).to_vec()
}

/// One certificate, decoded once: the `x509_cert` value plus the facts every reader needs.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Cert {
    /// The DER it was decoded from.
    pub der: Vec<u8>,
    /// The decoded certificate, for anything the facts below do not cover.
    pub x509: x509_cert::Certificate,
    /// Subject and issuer as RFC 4514 strings.
    pub subject: String,
    pub issuer: String,
    /// Subject and issuer names are equal.
    pub self_issued: bool,
    /// basicConstraints, when present.
    pub basic_constraints: Option<BasicConstraints>,
    /// The subjectKeyIdentifier extension, when present.
    pub ski: Option<Vec<u8>>,
    /// RFC 5280 method 1 over the public key, whether or not the extension is present.
    pub computed_ski: Vec<u8>,
    /// The authorityKeyIdentifier's key identifier, when present.
    pub aki: Option<Vec<u8>>,
    /// Validity, unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// The hash of the signature algorithm.
    pub signature_hash: HashAlg,
    /// The public key's type, and its size for RSA (0 otherwise).
    pub key_type: KeyType,
    pub rsa_bits: u32,
    /// The extendedKeyUsage purposes, when the extension is present.
    pub eku: Option<Vec<ObjectIdentifier>>,
}

impl Cert {
    /// Decodes a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, ParseError> {
        let x509 = super::super::inspect::decode_certificate(der)?;
        Ok(Self::from_x509(der.to_vec(), x509))
    }

    /// The view of an already decoded certificate.
    pub fn from_x509(der: Vec<u8>, x509: x509_cert::Certificate) -> Self {
        let tbs = &x509.tbs_certificate;
        let mut basic_constraints = None;
        let mut ski = None;
        let mut aki = None;
        let mut eku = None;
        for ext in tbs.extensions.iter().flatten() {
            let value = ext.extn_value.as_bytes();
            match ext.extn_id {
                rfc5280::ID_CE_BASIC_CONSTRAINTS => {
                    basic_constraints = BasicConstraints::from_der(value).ok();
                }
                rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER => {
                    ski = SubjectKeyIdentifier::from_der(value)
                        .ok()
                        .map(|s| s.0.as_bytes().to_vec());
                }
                rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER => {
                    aki = AuthorityKeyIdentifier::from_der(value)
                        .ok()
                        .and_then(|a| a.key_identifier.map(|k| k.as_bytes().to_vec()));
                }
                rfc5280::ID_CE_EXT_KEY_USAGE => {
                    eku = ExtendedKeyUsage::from_der(value).ok().map(|e| e.0);
                }
                _ => {}
            }
        }
        let spki = &tbs.subject_public_key_info;
        let (key_type, rsa_bits) = KeyType::of_spki(spki);
        Self {
            subject: tbs.subject.to_string(),
            issuer: tbs.issuer.to_string(),
            self_issued: tbs.subject == tbs.issuer,
            basic_constraints,
            ski,
            computed_ski: ski_method1(&spki.subject_public_key),
            aki,
            not_before: unix(&tbs.validity.not_before),
            not_after: unix(&tbs.validity.not_after),
            signature_hash: HashAlg::of_signature(&x509.signature_algorithm.oid),
            key_type,
            rsa_bits,
            eku,
            der,
            x509,
        }
    }

    /// basicConstraints' cA flag, when the extension is present.
    pub fn basic_ca(&self) -> Option<bool> {
        self.basic_constraints.as_ref().map(|b| b.ca)
    }

    /// A CA certificate: basicConstraints says so, or (without it) it is self-issued, as
    /// old v1 roots are.
    pub fn is_ca(&self) -> bool {
        self.basic_ca() == Some(true) || (self.basic_ca().is_none() && self.self_issued)
    }

    /// The SKI a module sees: the extension if present, else RFC 5280 method 1.
    pub fn effective_ski(&self) -> &[u8] {
        self.ski.as_deref().unwrap_or(&self.computed_ski)
    }

    /// Whether the extended key usage allows `purpose`: `None` without the extension (any
    /// purpose), `Some(true)` when it lists it or anyExtendedKeyUsage.
    pub fn allows(&self, purpose: ObjectIdentifier) -> Option<bool> {
        self.eku.as_ref().map(|eku| {
            eku.iter()
                .any(|o| *o == purpose || *o == rfc5280::ANY_EXTENDED_KEY_USAGE)
        })
    }

    /// [`Self::allows`] client authentication (RFC 5280 4.2.1.12 id-kp-clientAuth).
    pub fn client_auth(&self) -> Option<bool> {
        self.allows(rfc5280::ID_KP_CLIENT_AUTH)
    }

    /// [`Self::allows`] server authentication (id-kp-serverAuth).
    pub fn server_auth(&self) -> Option<bool> {
        self.allows(rfc5280::ID_KP_SERVER_AUTH)
    }
}

fn unix(t: &x509_cert::time::Time) -> i64 {
    i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_bit_length_ignores_leading_zero() {
        assert_eq!(rsa_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(rsa_bits(&[0x01]), 1);
        assert_eq!(rsa_bits(&[]), 0);
    }
}
