//! Generate a private CA, a server certificate and a client certificate, for testing a
//! module against one's own server (e.g. `openssl s_server`, Mosquitto) with mutual TLS.
//!
//! Time and randomness are parameters: `now` is unix seconds and the random source is any
//! `CryptoRngCore` (`rand_core::OsRng` is getrandom: the OS natively, `crypto.getRandomValues`
//! on wasm32 with getrandom's "js" feature), so this builds and runs in the browser too.

use core::fmt;
use core::net::IpAddr;
use core::str::FromStr;
use core::time::Duration;

use der::asn1::{GeneralizedTime, Ia5String, OctetString, PrintableStringRef, SetOfVec, UtcTime};
use der::asn1::{ObjectIdentifier, Utf8StringRef};
use der::{Any, Encode, EncodePem};
use rand_core::CryptoRngCore;
use signature::Keypair;
use spki::{EncodePublicKey, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use super::lint::{self, CredentialRules, HashAlg, KeyType, LintContext, LintReport, Role};

/// The key algorithm of all three certificates.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum KeyAlgorithm {
    Rsa2048,
    Rsa3072,
    P256,
}

impl KeyAlgorithm {
    pub const fn key_type(self) -> KeyType {
        match self {
            Self::Rsa2048 | Self::Rsa3072 => KeyType::Rsa,
            Self::P256 => KeyType::EcP256,
        }
    }
    pub const fn rsa_bits(self) -> u32 {
        match self {
            Self::Rsa2048 => 2048,
            Self::Rsa3072 => 3072,
            Self::P256 => 0,
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Rsa2048 => "rsa2048",
            Self::Rsa3072 => "rsa3072",
            Self::P256 => "p256",
        })
    }
}

impl FromStr for KeyAlgorithm {
    type Err = GenerateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_'], "")
            .as_str()
        {
            "rsa2048" | "rsa" => Ok(Self::Rsa2048),
            "rsa3072" => Ok(Self::Rsa3072),
            "p256" | "ecp256" | "prime256v1" | "secp256r1" | "ec" => Ok(Self::P256),
            _ => Err(GenerateError::UnknownKey(s.to_owned())),
        }
    }
}

/// A distinguished name, in the fields people set.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Subject {
    pub common_name: String,
    pub organization: Option<String>,
    pub organizational_unit: Option<String>,
    /// Two-letter country code.
    pub country: Option<String>,
}

impl Subject {
    pub fn cn(common_name: impl Into<String>) -> Self {
        Self {
            common_name: common_name.into(),
            ..Self::default()
        }
    }
}

/// A subject alternative name.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum San {
    Dns(String),
    Ip(IpAddr),
}

impl FromStr for San {
    type Err = GenerateError;
    /// `DNS:name`, `IP:addr`, or a bare name or address.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (kind, value) = match s.split_once(':') {
            Some((k, v)) if k.eq_ignore_ascii_case("dns") => ("dns", v),
            Some((k, v)) if k.eq_ignore_ascii_case("ip") => ("ip", v),
            _ => ("", s),
        };
        match (kind, value.parse::<IpAddr>()) {
            ("ip" | "", Ok(ip)) => Ok(Self::Ip(ip)),
            ("ip", Err(_)) => Err(GenerateError::BadSan(s.to_owned())),
            _ if !value.is_empty()
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.*_".contains(&b)) =>
            {
                Ok(Self::Dns(value.to_owned()))
            }
            _ => Err(GenerateError::BadSan(s.to_owned())),
        }
    }
}

/// Hash of a signature.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum SignatureHash {
    Sha256,
    /// For modules whose CA parser knows only MD5/SHA-1 (iChip); RSA only.
    Sha1,
}

#[derive(Clone, Debug)]
pub struct GenerateOptions {
    pub key: KeyAlgorithm,
    /// Unix seconds; `not_before` of every certificate.
    pub now: i64,
    /// Validity in days from `now`.
    pub days: u32,
    pub ca: Subject,
    pub server: Subject,
    pub server_sans: Vec<San>,
    pub client: Subject,
    pub client_sans: Vec<San>,
    /// Hash of the CA's self-signature. A root's own signature is never checked in a
    /// handshake, only parsed, so SHA-1 here costs nothing and lets old parsers load it.
    /// Certificates issued by the CA are always signed with SHA-256.
    pub ca_self_signature: SignatureHash,
}

impl GenerateOptions {
    /// Sensible defaults: RSA 2048, 365 days, CN atcert-ca / localhost / atcert-client,
    /// server SANs localhost and 127.0.0.1.
    pub fn new(now: i64) -> Self {
        Self {
            key: KeyAlgorithm::Rsa2048,
            now,
            days: 365,
            ca: Subject::cn("atcert test CA"),
            server: Subject::cn("localhost"),
            server_sans: vec![
                San::Dns("localhost".into()),
                San::Ip(IpAddr::from([127, 0, 0, 1])),
            ],
            client: Subject::cn("atcert client"),
            client_sans: Vec::new(),
            ca_self_signature: SignatureHash::Sha256,
        }
    }

    /// Adapts the options to a module: checks the key type against its rules and picks a
    /// CA self-signature hash it can parse.
    pub fn fit_to(&mut self, rules: &CredentialRules) -> Result<(), GenerateError> {
        for role in Role::ALL {
            let rr = rules.role(role);
            let key_type = self.key.key_type();
            if !rr.key_types.value.contains(&key_type) {
                return Err(GenerateError::KeyNotSupported {
                    module: rules.family,
                    key: self.key,
                    why: format!(
                        "its {role} must use {}; {} {}",
                        rr.key_types
                            .value
                            .iter()
                            .map(|k| k.to_string())
                            .collect::<Vec<_>>()
                            .join(" or "),
                        rr.key_types.tag,
                        rr.key_types.source
                    ),
                });
            }
            let (min, max) = rr.rsa_bits.value;
            let bits = self.key.rsa_bits();
            if key_type == KeyType::Rsa && (bits < min || bits > max) {
                return Err(GenerateError::KeyNotSupported {
                    module: rules.family,
                    key: self.key,
                    why: format!(
                        "its {role} takes RSA {min} to {max} bits; {} {}",
                        rules.role(role).rsa_bits.tag,
                        rules.role(role).rsa_bits.source
                    ),
                });
            }
        }
        if let Some(hashes) = rules.ca.signature_hashes
            && !hashes.value.contains(&HashAlg::Sha256)
            && hashes.value.contains(&HashAlg::Sha1)
        {
            self.ca_self_signature = SignatureHash::Sha1;
        }
        Ok(())
    }
}

/// A certificate and its private key.
#[derive(Clone, Debug)]
pub struct Issued {
    pub cert_der: Vec<u8>,
    /// PKCS#8 DER.
    pub key_der: Vec<u8>,
}

impl Issued {
    pub fn cert_pem(&self) -> String {
        pem(&self.cert_der, "CERTIFICATE")
    }
    /// The key as PKCS#8 PEM (`BEGIN PRIVATE KEY`), as OpenSSL writes it.
    pub fn key_pem(&self) -> String {
        pem(&self.key_der, "PRIVATE KEY")
    }
}

fn pem(der: &[u8], label: &str) -> String {
    // Base64 and ASCII labels: always UTF-8.
    String::from_utf8(super::pem::encode(label, der, super::LineEnding::Lf)).unwrap_or_default()
}

#[derive(Clone, Debug)]
pub struct GeneratedSet {
    pub ca: Issued,
    pub server: Issued,
    pub client: Issued,
}

impl GeneratedSet {
    /// The server's certificate followed by the CA: what a server presents.
    pub fn server_chain_pem(&self) -> String {
        self.server.cert_pem() + &self.ca.cert_pem()
    }

    /// The module's CA, client certificate and key, in the form the module needs: each run
    /// through the lint, whose output carries the bytes to send and the name to use.
    pub fn module_files(&self, rules: &CredentialRules, now: i64) -> [LintReport; 3] {
        let ctx = LintContext {
            now: Some(now),
            ..LintContext::default()
        };
        [
            lint::lint(rules, Role::Ca, self.ca.cert_pem().as_bytes(), &ctx),
            lint::lint(
                rules,
                Role::ClientCert,
                self.client.cert_pem().as_bytes(),
                &ctx,
            ),
            lint::lint(
                rules,
                Role::ClientKey,
                self.client.key_pem().as_bytes(),
                &ctx,
            ),
        ]
    }
}

#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum GenerateError {
    #[error("unknown key type '{0}'; use rsa2048, rsa3072 or p256")]
    UnknownKey(String),
    #[error(
        "'{0}' is not a subject alternative name; write DNS:name or IP:address \
         (e.g. DNS:broker.local, IP:192.168.1.10)"
    )]
    BadSan(String),
    #[error("the {field} '{value}' cannot go in a certificate: {reason}")]
    BadName {
        field: &'static str,
        value: String,
        reason: String,
    },
    #[error(
        "a validity of {days} days from unix time {now} cannot be expressed; use 1 day or \
         more, ending before the year 10000"
    )]
    Validity { now: i64, days: u32 },
    #[error("the {module} cannot use {key} keys: {why}; pick another --key")]
    KeyNotSupported {
        module: &'static str,
        key: KeyAlgorithm,
        why: String,
    },
    #[error("key generation failed: {0}")]
    KeyGen(String),
    #[error("building the certificate failed: {0}")]
    Build(String),
}

fn build_err(e: impl fmt::Display) -> GenerateError {
    GenerateError::Build(e.to_string())
}

enum SecretKey {
    Rsa(Box<rsa::RsaPrivateKey>),
    P256(p256::SecretKey),
}

impl SecretKey {
    fn generate(alg: KeyAlgorithm, rng: &mut impl CryptoRngCore) -> Result<Self, GenerateError> {
        let keygen = |e: rsa::Error| GenerateError::KeyGen(e.to_string());
        Ok(match alg {
            KeyAlgorithm::Rsa2048 => Self::Rsa(Box::new(
                rsa::RsaPrivateKey::new(rng, 2048).map_err(keygen)?,
            )),
            KeyAlgorithm::Rsa3072 => Self::Rsa(Box::new(
                rsa::RsaPrivateKey::new(rng, 3072).map_err(keygen)?,
            )),
            KeyAlgorithm::P256 => Self::P256(p256::SecretKey::random(rng)),
        })
    }

    fn spki(&self) -> Result<SubjectPublicKeyInfoOwned, GenerateError> {
        let der = match self {
            Self::Rsa(k) => k.to_public_key().to_public_key_der(),
            Self::P256(k) => k.public_key().to_public_key_der(),
        }
        .map_err(build_err)?;
        SubjectPublicKeyInfoOwned::try_from(der.as_bytes()).map_err(build_err)
    }

    fn pkcs8_der(&self) -> Result<Vec<u8>, GenerateError> {
        use pkcs8::EncodePrivateKey;
        let doc = match self {
            Self::Rsa(k) => k.to_pkcs8_der(),
            Self::P256(k) => k.to_pkcs8_der(),
        }
        .map_err(build_err)?;
        Ok(doc.as_bytes().to_vec())
    }

    fn is_rsa(&self) -> bool {
        matches!(self, Self::Rsa(_))
    }

    /// Signs a prepared builder's TBS with this key.
    fn sign(&self, tbs: Tbs, hash: SignatureHash) -> Result<Certificate, GenerateError> {
        match (self, hash) {
            (Self::Rsa(k), SignatureHash::Sha256) => {
                let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new((**k).clone());
                tbs.build::<_, rsa::pkcs1v15::Signature>(&signer)
            }
            (Self::Rsa(k), SignatureHash::Sha1) => {
                let signer = rsa::pkcs1v15::SigningKey::<sha1::Sha1>::new((**k).clone());
                tbs.build::<_, rsa::pkcs1v15::Signature>(&signer)
            }
            (Self::P256(k), _) => {
                let signer = p256::ecdsa::SigningKey::from(k);
                tbs.build::<_, p256::ecdsa::DerSignature>(&signer)
            }
        }
    }
}

/// Everything of a certificate except the signer.
struct Tbs {
    issuer: Name,
    subject: Name,
    serial: SerialNumber,
    validity: Validity,
    spki: SubjectPublicKeyInfoOwned,
    extensions: Vec<Extension>,
}

/// An extension built here, passed through the builder as is (with the criticality we chose).
struct Prebuilt<'a>(&'a Extension);

impl x509_cert::ext::AsExtension for Prebuilt<'_> {
    fn critical(&self, _: &Name, _: &[Extension]) -> bool {
        self.0.critical
    }
    fn to_extension(&self, _: &Name, _: &[Extension]) -> der::Result<Extension> {
        Ok(self.0.clone())
    }
}

impl der::oid::AssociatedOid for Prebuilt<'_> {
    // Not used: `to_extension` copies the stored extension, OID included.
    const OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29");
}

impl Encode for Prebuilt<'_> {
    fn encoded_len(&self) -> der::Result<der::Length> {
        der::Length::try_from(self.0.extn_value.as_bytes().len())
    }
    fn encode(&self, writer: &mut impl der::Writer) -> der::Result<()> {
        writer.write(self.0.extn_value.as_bytes())
    }
}

impl Tbs {
    fn build<S, Sig>(self, signer: &S) -> Result<Certificate, GenerateError>
    where
        S: Keypair + x509_cert::spki::DynSignatureAlgorithmIdentifier + signature::Signer<Sig>,
        S::VerifyingKey: EncodePublicKey,
        Sig: spki::SignatureBitStringEncoding,
    {
        let mut builder = CertificateBuilder::new(
            Profile::Manual {
                issuer: Some(self.issuer),
            },
            self.serial,
            self.validity,
            self.subject,
            self.spki,
            signer,
        )
        .map_err(build_err)?;
        for ext in &self.extensions {
            builder.add_extension(&Prebuilt(ext)).map_err(build_err)?;
        }
        builder.build::<Sig>().map_err(build_err)
    }
}

fn ext<E>(value: E, critical: bool) -> Result<Extension, GenerateError>
where
    E: Encode + der::oid::AssociatedOid,
{
    Ok(Extension {
        extn_id: E::OID,
        critical,
        extn_value: OctetString::new(value.to_der().map_err(build_err)?).map_err(build_err)?,
    })
}

fn name(subject: &Subject) -> Result<Name, GenerateError> {
    const C: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
    const O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
    const OU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");
    const CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
    let bad = |field: &'static str, value: &str, reason: String| GenerateError::BadName {
        field,
        value: value.to_owned(),
        reason,
    };
    let mut rdns = Vec::new();
    let mut push = |oid, field: &'static str, value: &str, printable: bool| {
        if value.is_empty() || value.len() > 64 {
            return Err(bad(field, value, "must be 1 to 64 characters".into()));
        }
        let any = if printable {
            PrintableStringRef::new(value)
                .map_err(|e| bad(field, value, e.to_string()))
                .and_then(|s| Any::encode_from(&s).map_err(build_err))?
        } else {
            Utf8StringRef::new(value)
                .map_err(|e| bad(field, value, e.to_string()))
                .and_then(|s| Any::encode_from(&s).map_err(build_err))?
        };
        let atv = AttributeTypeAndValue { oid, value: any };
        let set = SetOfVec::try_from(vec![atv]).map_err(build_err)?;
        rdns.push(RelativeDistinguishedName(set));
        Ok(())
    };
    if let Some(c) = &subject.country {
        if c.len() != 2 {
            return Err(bad("country", c, "must be a two-letter code".into()));
        }
        push(C, "country", c, true)?;
    }
    if let Some(o) = &subject.organization {
        push(O, "organization", o, false)?;
    }
    if let Some(ou) = &subject.organizational_unit {
        push(OU, "organizational unit", ou, false)?;
    }
    push(CN, "common name", &subject.common_name, false)?;
    Ok(RdnSequence(rdns))
}

fn time(unix: i64) -> Option<Time> {
    let d = Duration::from_secs(u64::try_from(unix).ok()?);
    match UtcTime::from_unix_duration(d) {
        Ok(t) => Some(Time::UtcTime(t)),
        Err(_) => GeneralizedTime::from_unix_duration(d)
            .ok()
            .map(Time::GeneralTime),
    }
}

fn validity(now: i64, days: u32) -> Result<Validity, GenerateError> {
    let err = || GenerateError::Validity { now, days };
    if days == 0 {
        return Err(err());
    }
    let end = now.checked_add(i64::from(days) * 86_400).ok_or_else(err)?;
    Ok(Validity {
        not_before: time(now).ok_or_else(err)?,
        not_after: time(end).ok_or_else(err)?,
    })
}

/// 16 random bytes, positive and without a leading zero, so DER keeps all 16.
fn serial(rng: &mut impl CryptoRngCore) -> Result<SerialNumber, GenerateError> {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::new(&bytes).map_err(build_err)
}

fn sans(list: &[San]) -> Result<SubjectAltName, GenerateError> {
    let mut names = Vec::new();
    for san in list {
        names.push(match san {
            San::Dns(d) => GeneralName::DnsName(
                Ia5String::new(d).map_err(|_| GenerateError::BadSan(d.clone()))?,
            ),
            San::Ip(IpAddr::V4(ip)) => {
                GeneralName::IpAddress(OctetString::new(ip.octets()).map_err(build_err)?)
            }
            San::Ip(IpAddr::V6(ip)) => {
                GeneralName::IpAddress(OctetString::new(ip.octets()).map_err(build_err)?)
            }
        });
    }
    Ok(SubjectAltName(names))
}

/// Generates the CA, server and client certificates with fresh keys.
pub fn generate(
    opts: &GenerateOptions,
    rng: &mut impl CryptoRngCore,
) -> Result<GeneratedSet, GenerateError> {
    let validity = validity(opts.now, opts.days)?;
    let ca_name = name(&opts.ca)?;
    let server_name = name(&opts.server)?;
    let client_name = name(&opts.client)?;

    let ca_key = SecretKey::generate(opts.key, rng)?;
    let ca_spki = ca_key.spki()?;
    let ca_ski = super::parse::cert::ski_method1(&ca_spki.subject_public_key);
    let ca_ski_ext = ext(
        SubjectKeyIdentifier(OctetString::new(ca_ski.clone()).map_err(build_err)?),
        false,
    )?;
    let ca_tbs = Tbs {
        issuer: ca_name.clone(),
        subject: ca_name.clone(),
        serial: serial(rng)?,
        validity,
        spki: ca_spki,
        extensions: vec![
            ext(
                BasicConstraints {
                    ca: true,
                    path_len_constraint: None,
                },
                true,
            )?,
            ext(KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign), true)?,
            ca_ski_ext,
        ],
    };
    let ca_cert = ca_key.sign(ca_tbs, opts.ca_self_signature)?;

    let leaf = |subject: Name,
                list: &[San],
                usage: ObjectIdentifier,
                rng: &mut dyn rand_core::CryptoRngCore|
     -> Result<Issued, GenerateError> {
        let mut rng = rng;
        let key = SecretKey::generate(opts.key, &mut rng)?;
        let spki = key.spki()?;
        let ski = super::parse::cert::ski_method1(&spki.subject_public_key);
        let mut ku = KeyUsages::DigitalSignature.into();
        if key.is_rsa() {
            ku |= KeyUsages::KeyEncipherment;
        }
        let mut extensions = vec![
            ext(
                BasicConstraints {
                    ca: false,
                    path_len_constraint: None,
                },
                true,
            )?,
            ext(KeyUsage(ku), true)?,
            ext(ExtendedKeyUsage(vec![usage]), false)?,
            ext(
                SubjectKeyIdentifier(OctetString::new(ski).map_err(build_err)?),
                false,
            )?,
            ext(
                AuthorityKeyIdentifier {
                    key_identifier: Some(OctetString::new(ca_ski.clone()).map_err(build_err)?),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
                false,
            )?,
        ];
        if !list.is_empty() {
            extensions.push(ext(sans(list)?, false)?);
        }
        let tbs = Tbs {
            issuer: ca_name.clone(),
            subject,
            serial: serial(&mut rng)?,
            validity,
            spki,
            extensions,
        };
        let cert = ca_key.sign(tbs, SignatureHash::Sha256)?;
        Ok(Issued {
            cert_der: cert.to_der().map_err(build_err)?,
            key_der: key.pkcs8_der()?,
        })
    };
    const SERVER_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
    const CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");
    let server = leaf(server_name, &opts.server_sans, SERVER_AUTH, rng)?;
    let client = leaf(client_name, &opts.client_sans, CLIENT_AUTH, rng)?;
    Ok(GeneratedSet {
        ca: Issued {
            cert_der: ca_cert.to_der().map_err(build_err)?,
            key_der: ca_key.pkcs8_der()?,
        },
        server,
        client,
    })
}

/// PEM of a certificate's DER, for callers that hold a decoded `Certificate`.
pub fn certificate_pem(cert: &Certificate) -> Result<String, GenerateError> {
    cert.to_pem(pem_rfc7468::LineEnding::LF).map_err(build_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn san_parsing() {
        assert_eq!("DNS:a.example".parse(), Ok(San::Dns("a.example".into())));
        assert_eq!(
            "IP:10.0.0.1".parse(),
            Ok(San::Ip(IpAddr::from([10, 0, 0, 1])))
        );
        assert_eq!("::1".parse(), Ok(San::Ip("::1".parse().unwrap())));
        assert!("IP:nope".parse::<San>().is_err());
        assert!("DNS:bad name".parse::<San>().is_err());
    }

    #[test]
    fn validity_spans_utc_and_generalized_time() {
        let v = validity(2_000_000_000, 365 * 40).unwrap();
        assert!(matches!(v.not_before, Time::UtcTime(_)));
        assert!(matches!(v.not_after, Time::GeneralTime(_)));
        assert!(validity(-1, 1).is_err());
        assert!(validity(1_700_000_000, 0).is_err());
    }

    #[test]
    fn names_reject_bad_country() {
        let mut s = Subject::cn("x");
        s.country = Some("USA".into());
        assert!(name(&s).is_err());
        assert!(name(&Subject::cn("")).is_err());
    }
}
