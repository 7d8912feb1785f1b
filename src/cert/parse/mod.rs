//! `parse`: one entry point for every form people have certificates and keys in. Each
//! certificate is decoded here once and kept ([`Item::cert`] gives its typed view), so the
//! lint, the simulators and the command line read it without decoding again.

pub mod cert;

pub use cert::{Cert, HashAlg, KeyType};

use super::error::{Location, ParseError, ParseProblem};
use super::keys::{Curve, KeyEncoding, PrivateKey, Protection, PublicKey, PublicKeyEncoding};
use super::pem::{self, LineEnding, PemBlock};
use super::tlv::{Tlv, TlvError};
use const_oid::ObjectIdentifier;
use serde::Serialize;

/// What an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// An X.509 certificate.
    Certificate,
    /// A private key (decrypted, in `Item::key_encoding`).
    PrivateKey,
    /// A public key.
    PublicKey,
    /// An `EC PARAMETERS` block (names a curve; carries no secret).
    EcParameters,
    /// A PKCS#10 certificate signing request.
    CertificateRequest,
    /// A certificate revocation list.
    Crl,
}

/// The container an item came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// PEM text.
    Pem,
    /// Binary DER.
    Der,
    /// Base64 without PEM armour.
    Base64,
    /// Inside a PKCS#12 file.
    Pkcs12,
    /// Inside a PKCS#7 / .p7b certificate bundle.
    Pkcs7,
}

/// Where an item came from and how it was written there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// Block, line, byte offset.
    pub location: Location,
    /// PEM, DER, base64, PKCS#12, PKCS#7.
    pub format: SourceFormat,
    /// The PEM label, when PEM.
    pub pem_label: Option<String>,
    /// The PEM line ending, when PEM.
    pub line_ending: Option<LineEnding>,
    /// The longest base64 line in the PEM block.
    pub max_line_len: Option<usize>,
    /// The PKCS#12 friendly name, if any.
    pub friendly_name: Option<String>,
}

/// One certificate, key or related object found in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What it is.
    pub kind: ItemKind,
    /// Its DER: certificates as-is; private keys decrypted, in `key_encoding`; public keys
    /// in `public_key_encoding`.
    pub der: Vec<u8>,
    /// For private keys: the encoding of `der`.
    pub key_encoding: Option<KeyEncoding>,
    /// For public keys: the encoding of `der`.
    pub public_key_encoding: Option<PublicKeyEncoding>,
    /// For private keys that were encrypted: how.
    pub protection: Option<Protection>,
    /// The decoded private key (for `PrivateKey` items).
    pub private_key: Option<PrivateKey>,
    /// The decoded certificate (for `Certificate` items), kept so nothing decodes it again.
    pub x509: Option<Box<x509_cert::Certificate>>,
    /// Where it came from.
    pub source: Source,
    /// Remarks that are not errors (e.g. "labelled PRIVATE KEY but holds PKCS#1").
    pub notes: Vec<String>,
}

impl Drop for Item {
    // A private key item's DER is key material: wipe it when the item goes.
    fn drop(&mut self) {
        if self.kind == ItemKind::PrivateKey {
            zeroize::Zeroize::zeroize(&mut self.der);
        }
    }
}

impl Item {
    /// The typed view of a certificate item, built from the certificate decoded at parse time.
    pub fn cert(&self) -> Option<Cert> {
        let x509 = self.x509.as_deref()?;
        Some(Cert::from_x509(self.der.clone(), x509.clone()))
    }

    /// Inspects a certificate item (`now`: unix seconds).
    pub fn cert_info(&self, now: i64) -> Option<super::inspect::CertInfo> {
        (self.kind == ItemKind::Certificate)
            .then(|| super::inspect::inspect(&self.der, now).ok())
            .flatten()
    }

    /// The public key of a public-key item.
    pub fn public_key(&self) -> Option<PublicKey> {
        match self.public_key_encoding? {
            PublicKeyEncoding::Spki => PublicKey::from_spki(&self.der).ok(),
            PublicKeyEncoding::Pkcs1 => PublicKey::from_pkcs1(&self.der).ok(),
        }
    }

    /// A short description: "certificate", "private key (PKCS#8, was encrypted)".
    pub fn describe(&self) -> String {
        match self.kind {
            ItemKind::Certificate => "certificate".into(),
            ItemKind::PrivateKey => {
                let enc = match self.key_encoding {
                    Some(KeyEncoding::Pkcs1) => "PKCS#1",
                    Some(KeyEncoding::Sec1) => "SEC1",
                    _ => "PKCS#8",
                };
                if self.protection.is_some() {
                    format!("private key ({enc}, was encrypted)")
                } else {
                    format!("private key ({enc})")
                }
            }
            ItemKind::PublicKey => "public key".into(),
            ItemKind::EcParameters => "EC parameters".into(),
            ItemKind::CertificateRequest => "certificate request".into(),
            ItemKind::Crl => "CRL".into(),
        }
    }
}

/// Everything found in an input, and everything wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParseOutcome {
    /// Items in input order.
    pub items: Vec<Item>,
    /// Problems in input order. Non-empty means something was not understood.
    pub problems: Vec<ParseProblem>,
}

impl ParseOutcome {
    /// Certificates only.
    pub fn certificates(&self) -> impl Iterator<Item = &Item> {
        self.items
            .iter()
            .filter(|i| i.kind == ItemKind::Certificate)
    }
    /// Private keys only.
    pub fn private_keys(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.kind == ItemKind::PrivateKey)
    }
}

/// Parses certificates, keys, chains and bundles in any form: PEM (any number of blocks,
/// text around them, any line ending), DER, base64 without armour, PKCS#12, PKCS#7.
/// Encrypted keys are decrypted with `passphrase`; without one they give
/// [`ParseError::NeedsPassphrase`]. Never panics; every problem is reported with its location.
pub fn parse(input: &[u8], passphrase: Option<&str>) -> ParseOutcome {
    let mut out = ParseOutcome::default();
    let input = input.strip_prefix(b"\xef\xbb\xbf").unwrap_or(input);
    if input.iter().all(|b| b.is_ascii_whitespace() || *b == 0) {
        out.problems.push(ParseProblem {
            location: Location::default(),
            error: ParseError::Empty,
        });
        return out;
    }
    if pem::looks_like_pem(input) {
        let (blocks, problems) = pem::scan(input);
        out.problems.extend(problems);
        let mut curve_hint: Option<Curve> = None;
        for b in &blocks {
            parse_pem_block(b, passphrase, &mut curve_hint, &mut out);
        }
        out.problems
            .sort_by_key(|p| (p.location.line.unwrap_or(0), p.location.block.unwrap_or(0)));
        return out;
    }
    let trimmed_start = input
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    if input.first() == Some(&0x30) {
        parse_der_stream(
            input,
            passphrase,
            SourceFormat::Der,
            Location::default(),
            &mut out,
        );
        return out;
    }
    // Base64 without armour? Only if it is (nearly) all base64 characters.
    let text = &input[trimmed_start..];
    let b64ish = text
        .iter()
        .filter(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, b'+' | b'/' | b'=' | b'\r' | b'\n' | b' ' | b'\t')
        })
        .count();
    // Base64 lines have no spaces inside them; prose does.
    let prose = text
        .split(|c| *c == b'\n' || *c == b'\r')
        .any(|l| l.trim_ascii().contains(&b' ') || l.trim_ascii().contains(&b'\t'));
    if text.len() >= 16 && !prose && b64ish * 100 >= text.len() * 98 {
        let mut lines = Vec::new();
        let mut line_no = 1usize;
        let mut start = 0usize;
        for (i, c) in input.iter().enumerate() {
            if *c == b'\n' {
                lines.push((line_no, &input[start..i]));
                line_no += 1;
                start = i + 1;
            }
        }
        lines.push((line_no, &input[start..]));
        match pem::decode_base64_lines(&lines) {
            Ok(der) => {
                parse_der_stream(
                    &der,
                    passphrase,
                    SourceFormat::Base64,
                    Location::default(),
                    &mut out,
                );
            }
            Err((line, error)) => out.problems.push(ParseProblem {
                location: Location {
                    block: None,
                    line,
                    offset: None,
                },
                error,
            }),
        }
        return out;
    }
    out.problems.push(ParseProblem {
        location: Location {
            offset: Some(0),
            ..Default::default()
        },
        error: ParseError::NotRecognised {
            detail: describe_garbage(input),
        },
    });
    out
}

fn describe_garbage(input: &[u8]) -> String {
    let head: Vec<String> = input.iter().take(8).map(|b| format!("{b:02x}")).collect();
    if std::str::from_utf8(input).is_ok() {
        let first_line: String = String::from_utf8_lossy(input)
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .chars()
            .take(40)
            .collect();
        format!("text starting with \"{first_line}\" and no -----BEGIN line")
    } else {
        format!("binary data starting with {}", head.join(" "))
    }
}

fn parse_pem_block(
    b: &PemBlock,
    passphrase: Option<&str>,
    curve_hint: &mut Option<Curve>,
    out: &mut ParseOutcome,
) {
    let location = Location {
        block: Some(b.number),
        line: Some(b.begin_line),
        offset: None,
    };
    let source = Source {
        location,
        format: SourceFormat::Pem,
        pem_label: Some(b.label.clone()),
        line_ending: Some(b.line_ending),
        max_line_len: Some(b.max_line_len),
        friendly_name: None,
    };
    let problem = |error: ParseError| ParseProblem { location, error };
    let label = b.label.as_str();

    // Legacy OpenSSL encryption (RFC 1421 headers).
    let mut der = b.der.clone();
    let mut protection = None;
    let encrypted = b
        .headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("Proc-Type") && v.contains("ENCRYPTED"));
    if encrypted {
        let what = format!("{label} (PEM block {})", b.number);
        let Some((_, dek)) = b
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("DEK-Info"))
        else {
            out.problems.push(problem(ParseError::BadDer {
                what,
                detail: "Proc-Type says ENCRYPTED but there is no DEK-Info header".into(),
            }));
            return;
        };
        match super::pbe::decrypt_legacy_pem(dek, &b.der, passphrase) {
            Ok((plain, scheme)) => {
                der = plain;
                protection = Some(Protection {
                    container: "legacy-pem".into(),
                    scheme,
                });
            }
            Err(e) => {
                out.problems.push(problem(e.into_parse(&what)));
                return;
            }
        }
    }

    let mk = |kind: ItemKind, der: Vec<u8>| Item {
        kind,
        der,
        key_encoding: None,
        public_key_encoding: None,
        protection: protection.clone(),
        private_key: None,
        x509: None,
        source: source.clone(),
        notes: Vec::new(),
    };
    let wrong_pass = protection.is_some();
    let what = |s: &str| format!("{s} (PEM block {})", b.number);

    match label {
        "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
            // TRUSTED CERTIFICATE is the certificate followed by OpenSSL trust settings.
            let cert_der = if label == "TRUSTED CERTIFICATE" {
                super::keys::first_element(&der)
                    .map(|t| t.raw.to_vec())
                    .unwrap_or(der)
            } else {
                der
            };
            match super::inspect::decode_certificate(&cert_der) {
                Ok(x509) => {
                    let mut item = mk(ItemKind::Certificate, cert_der.clone());
                    item.x509 = Some(Box::new(x509));
                    if trailing_len(&cert_der) > 0 {
                        item.notes
                            .push("extra bytes after the certificate were ignored".into());
                    }
                    out.items.push(item);
                }
                Err(e) => out.problems.push(problem(e)),
            }
        }
        "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
            let declared = match label {
                "PRIVATE KEY" => KeyEncoding::Pkcs8,
                "RSA PRIVATE KEY" => KeyEncoding::Pkcs1,
                _ => KeyEncoding::Sec1,
            };
            let decoded = decode_key(&der, declared, curve_hint.clone());
            let (enc, key, note) = match decoded {
                Ok(k) => (declared, k, None),
                Err(e) => {
                    if wrong_pass {
                        out.problems
                            .push(problem(ParseError::WrongPassphrase { what: what(label) }));
                        return;
                    }
                    // Mislabelled keys are common (PKCS#1 body under "PRIVATE KEY"): sniff.
                    match sniff_key(&der, curve_hint.clone()) {
                        Some((enc, k)) if enc != declared => (
                            enc,
                            k,
                            Some(format!(
                                "labelled \"{label}\" but holds {}; modules that read the label will reject it",
                                enc.pem_label()
                            )),
                        ),
                        _ => {
                            out.problems.push(problem(e));
                            return;
                        }
                    }
                }
            };
            let mut item = mk(ItemKind::PrivateKey, der);
            item.key_encoding = Some(enc);
            item.private_key = Some(key);
            item.notes.extend(note);
            out.items.push(item);
        }
        "ENCRYPTED PRIVATE KEY" => {
            match decrypt_pkcs8_key(&der, passphrase, &what("encrypted private key")) {
                Ok((plain, key, protection)) => {
                    let mut item = mk(ItemKind::PrivateKey, plain);
                    item.key_encoding = Some(KeyEncoding::Pkcs8);
                    item.private_key = Some(key);
                    item.protection = Some(protection);
                    out.items.push(item);
                }
                Err(e) => out.problems.push(problem(e)),
            }
        }
        "PUBLIC KEY" | "RSA PUBLIC KEY" => {
            let (res, enc) = if label == "PUBLIC KEY" {
                (PublicKey::from_spki(&der), PublicKeyEncoding::Spki)
            } else {
                (PublicKey::from_pkcs1(&der), PublicKeyEncoding::Pkcs1)
            };
            match res {
                Ok(_) => {
                    let mut item = mk(ItemKind::PublicKey, der);
                    item.public_key_encoding = Some(enc);
                    out.items.push(item);
                }
                Err(e) => out.problems.push(problem(e)),
            }
        }
        "EC PARAMETERS" => match super::tlv::parse_single(&der) {
            Ok(t) if t.tag == 0x06 => {
                if let Ok(oid) = ObjectIdentifier::from_bytes(t.content) {
                    *curve_hint = Some(Curve::from_oid(&oid));
                }
                out.items.push(mk(ItemKind::EcParameters, der));
            }
            _ => out.problems.push(problem(ParseError::Unsupported {
                what: what("EC PARAMETERS"),
                detail: "explicit curve parameters; only named curves are used by modules".into(),
            })),
        },
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => match super::tlv::parse_single(&der) {
            Ok(t) if t.tag == 0x30 => out.items.push(mk(ItemKind::CertificateRequest, der)),
            _ => out.problems.push(problem(ParseError::BadDer {
                what: what("certificate request"),
                detail: "not a DER SEQUENCE".into(),
            })),
        },
        "X509 CRL" => match super::tlv::parse_single(&der) {
            Ok(t) if t.tag == 0x30 => out.items.push(mk(ItemKind::Crl, der)),
            _ => out.problems.push(problem(ParseError::BadDer {
                what: what("CRL"),
                detail: "not a DER SEQUENCE".into(),
            })),
        },
        "PKCS7" | "PKCS #7 SIGNED DATA" | "CMS" | "PKCS12" => {
            parse_der_stream(&der, passphrase, SourceFormat::Pem, location, out);
        }
        "OPENSSH PRIVATE KEY" => out.problems.push(problem(ParseError::Unsupported {
            what: what("OpenSSH private key"),
            detail: "convert it first: ssh-keygen -p -m PEM -f KEYFILE (writes RSA/EC PRIVATE KEY)"
                .into(),
        })),
        "DSA PRIVATE KEY" => out.problems.push(problem(ParseError::Unsupported {
            what: what("DSA private key"),
            detail: "no module in scope takes DSA keys; use RSA 2048 or EC P-256".into(),
        })),
        other => out.problems.push(problem(ParseError::UnknownLabel {
            label: other.to_string(),
        })),
    }
}

fn trailing_len(der: &[u8]) -> usize {
    super::keys::first_element(der).map_or(0, |t| der.len() - t.raw.len())
}

fn decode_key(
    der: &[u8],
    enc: KeyEncoding,
    curve_hint: Option<Curve>,
) -> Result<PrivateKey, ParseError> {
    match enc {
        KeyEncoding::Sec1 => PrivateKey::from_sec1(der, curve_hint),
        other => PrivateKey::from_der(der, other),
    }
}

/// Tries each private key encoding on `der`.
fn sniff_key(der: &[u8], curve_hint: Option<Curve>) -> Option<(KeyEncoding, PrivateKey)> {
    for enc in [KeyEncoding::Pkcs8, KeyEncoding::Pkcs1, KeyEncoding::Sec1] {
        if let Ok(k) = decode_key(der, enc, curve_hint.clone()) {
            return Some((enc, k));
        }
    }
    None
}

fn tlv_problem(e: TlvError, base: Location) -> ParseProblem {
    let at = match &e {
        TlvError::Truncated { at, .. }
        | TlvError::BadLength { at }
        | TlvError::TooDeep { at }
        | TlvError::Unexpected { at, .. } => *at,
    };
    ParseProblem {
        location: Location {
            offset: Some(at),
            ..base
        },
        error: ParseError::BadDer {
            what: "DER data".into(),
            detail: e.to_string(),
        },
    }
}

/// Parses one or more concatenated DER objects.
fn parse_der_stream(
    data: &[u8],
    passphrase: Option<&str>,
    format: SourceFormat,
    base: Location,
    out: &mut ParseOutcome,
) {
    let mut r = super::tlv::Reader::new(data);
    let mut count = 0;
    loop {
        let offset = r.offset();
        match r.next() {
            Ok(Some(t)) => {
                count += 1;
                let location = Location {
                    offset: Some(offset),
                    ..base
                };
                classify_der(&t, passphrase, format, location, out);
            }
            Ok(None) => {
                if !r.is_empty() && count == 0 {
                    out.problems.push(ParseProblem {
                        location: Location {
                            offset: Some(offset),
                            ..base
                        },
                        error: ParseError::NotRecognised {
                            detail: "zero bytes where DER was expected".into(),
                        },
                    });
                }
                break;
            }
            Err(e) => {
                out.problems.push(tlv_problem(e, base));
                break;
            }
        }
    }
}

fn shape(t: &Tlv<'_>) -> Vec<(u8, usize)> {
    let mut v = Vec::new();
    let mut r = t.children();
    while let Ok(Some(c)) = r.next() {
        v.push((c.tag, c.content.len()));
        if v.len() > 12 {
            break;
        }
    }
    v
}

fn classify_der(
    t: &Tlv<'_>,
    passphrase: Option<&str>,
    format: SourceFormat,
    location: Location,
    out: &mut ParseOutcome,
) {
    let der = t.raw;
    let source = Source {
        location,
        format,
        pem_label: None,
        line_ending: None,
        max_line_len: None,
        friendly_name: None,
    };
    let mk = |kind: ItemKind, der: Vec<u8>| Item {
        kind,
        der,
        key_encoding: None,
        public_key_encoding: None,
        protection: None,
        private_key: None,
        x509: None,
        source: source.clone(),
        notes: Vec::new(),
    };
    let problem = |error: ParseError| ParseProblem { location, error };
    if t.tag == 0x06 {
        out.items.push(mk(ItemKind::EcParameters, der.to_vec()));
        return;
    }
    if t.tag != 0x30 {
        out.problems.push(problem(ParseError::NotRecognised {
            detail: format!(
                "DER element with tag 0x{:02x}; certificates and keys start with a SEQUENCE (0x30)",
                t.tag
            ),
        }));
        return;
    }
    let s = shape(t);
    let tags: Vec<u8> = s.iter().map(|x| x.0).collect();
    let first_child = t.children().next().ok().flatten();
    let int_val = |x: &Option<Tlv<'_>>| {
        x.as_ref()
            .filter(|c| c.tag == 0x02 && c.content.len() == 1)
            .map(|c| c.content[0])
    };

    // Certificate / CSR / CRL: SEQUENCE { SEQUENCE, SEQUENCE, BIT STRING }.
    if tags == [0x30, 0x30, 0x03] {
        let inner = first_child.as_ref().map(shape).unwrap_or_default();
        let itags: Vec<u8> = inner.iter().map(|x| x.0).collect();
        if itags.len() == 4 && itags[0] == 0x02 && itags[3] == 0xa0 {
            out.items
                .push(mk(ItemKind::CertificateRequest, der.to_vec()));
            return;
        }
        // A CRL's TBSCertList has thisUpdate (a Time) as a direct child; a TBSCertificate never does.
        let looks_crl = itags.iter().any(|x| *x == 0x17 || *x == 0x18);
        match super::inspect::decode_certificate(der) {
            Ok(x509) => {
                let mut item = mk(ItemKind::Certificate, der.to_vec());
                item.x509 = Some(Box::new(x509));
                out.items.push(item);
            }
            Err(_) if looks_crl => out.items.push(mk(ItemKind::Crl, der.to_vec())),
            Err(e) => out.problems.push(problem(e)),
        }
        return;
    }
    // PKCS#12: SEQUENCE { INTEGER 3, ContentInfo, MacData? }.
    if super::pkcs12::looks_like_pfx(der) {
        match super::pkcs12::parse_pfx(der, passphrase) {
            Ok((entries, problems)) => {
                for p in problems {
                    out.problems.push(ParseProblem {
                        location: Location {
                            offset: Some(p.offset),
                            ..location
                        },
                        error: p.error,
                    });
                }
                for e in entries {
                    let mut src = source.clone();
                    src.format = SourceFormat::Pkcs12;
                    match e {
                        super::pkcs12::Pkcs12Entry::Certificate { der, friendly_name } => {
                            src.friendly_name = friendly_name;
                            match super::inspect::decode_certificate(&der) {
                                Ok(x509) => {
                                    let mut item = mk(ItemKind::Certificate, der);
                                    item.x509 = Some(Box::new(x509));
                                    item.source = src;
                                    out.items.push(item);
                                }
                                Err(e) => out.problems.push(problem(e)),
                            }
                        }
                        super::pkcs12::Pkcs12Entry::Key {
                            pkcs8,
                            scheme,
                            friendly_name,
                        } => {
                            src.friendly_name = friendly_name;
                            match PrivateKey::from_pkcs8(&pkcs8) {
                                Ok(k) => {
                                    let mut item = mk(ItemKind::PrivateKey, pkcs8);
                                    item.source = src;
                                    item.key_encoding = Some(KeyEncoding::Pkcs8);
                                    item.private_key = Some(k);
                                    item.protection = scheme.map(|scheme| Protection {
                                        container: "pkcs12".into(),
                                        scheme,
                                    });
                                    out.items.push(item);
                                }
                                Err(e) => out.problems.push(problem(e)),
                            }
                        }
                    }
                }
            }
            Err((offset, error)) => out.problems.push(ParseProblem {
                location: Location {
                    offset: Some(offset),
                    ..location
                },
                error,
            }),
        }
        return;
    }
    // PKCS#7 SignedData (.p7b bundles): SEQUENCE { OID signedData, [0] { SignedData } }.
    if tags.first() == Some(&0x06) {
        let is_signed_data = first_child
            .as_ref()
            .and_then(|c| ObjectIdentifier::from_bytes(c.content).ok())
            .is_some_and(|o| o.to_string() == "1.2.840.113549.1.7.2");
        if is_signed_data {
            parse_pkcs7(t, passphrase, location, out);
        } else {
            out.problems.push(problem(ParseError::NotRecognised {
                detail: "a DER structure starting with an OID that is not PKCS#7 signedData".into(),
            }));
        }
        return;
    }
    // Encrypted PKCS#8: SEQUENCE { AlgorithmIdentifier, OCTET STRING }.
    if tags == [0x30, 0x04] {
        match decrypt_pkcs8_key(der, passphrase, "encrypted private key") {
            Ok((plain, key, protection)) => {
                let mut item = mk(ItemKind::PrivateKey, plain);
                item.key_encoding = Some(KeyEncoding::Pkcs8);
                item.private_key = Some(key);
                item.protection = Some(protection);
                out.items.push(item);
            }
            Err(e) => out.problems.push(problem(e)),
        }
        return;
    }
    // SPKI: SEQUENCE { AlgorithmIdentifier, BIT STRING }.
    if tags == [0x30, 0x03] {
        match PublicKey::from_spki(der) {
            Ok(_) => {
                let mut item = mk(ItemKind::PublicKey, der.to_vec());
                item.public_key_encoding = Some(PublicKeyEncoding::Spki);
                out.items.push(item);
            }
            Err(e) => out.problems.push(problem(e)),
        }
        return;
    }
    // RSAPublicKey: SEQUENCE { INTEGER n, INTEGER e }.
    if tags == [0x02, 0x02] {
        match PublicKey::from_pkcs1(der) {
            Ok(_) => {
                let mut item = mk(ItemKind::PublicKey, der.to_vec());
                item.public_key_encoding = Some(PublicKeyEncoding::Pkcs1);
                out.items.push(item);
            }
            Err(e) => out.problems.push(problem(e)),
        }
        return;
    }
    // Private keys: PKCS#8 { INTEGER, SEQUENCE, OCTET STRING ... }, PKCS#1 { INTEGER x9 },
    // SEC1 { INTEGER 1, OCTET STRING, ... }.
    let declared = match (tags.first(), tags.get(1), int_val(&first_child)) {
        (Some(0x02), Some(0x30), _) => Some(KeyEncoding::Pkcs8),
        (Some(0x02), Some(0x04), Some(1)) => Some(KeyEncoding::Sec1),
        (Some(0x02), Some(0x02), _) if tags.len() >= 9 => Some(KeyEncoding::Pkcs1),
        _ => None,
    };
    if let Some(enc) = declared {
        match decode_key(der, enc, None) {
            Ok(k) => {
                let mut item = mk(ItemKind::PrivateKey, der.to_vec());
                item.key_encoding = Some(enc);
                item.private_key = Some(k);
                out.items.push(item);
            }
            Err(e) => out.problems.push(problem(e)),
        }
        return;
    }
    out.problems.push(problem(ParseError::NotRecognised {
        detail: format!(
            "a DER SEQUENCE of {} element(s) that is no certificate, key, PKCS#7 or PKCS#12",
            tags.len()
        ),
    }));
}

/// Extracts the certificates of a PKCS#7 SignedData (`certificates [0] IMPLICIT SET OF`).
fn parse_pkcs7(t: &Tlv<'_>, _passphrase: Option<&str>, location: Location, out: &mut ParseOutcome) {
    let bad = |detail: String| ParseProblem {
        location,
        error: ParseError::BadDer {
            what: "PKCS#7 bundle".into(),
            detail,
        },
    };
    let mut r = t.children();
    let _oid = r.next();
    let sd = match r.next() {
        Ok(Some(c)) if c.tag == 0xa0 => c.children().next().ok().flatten(),
        _ => None,
    };
    let Some(sd) = sd else {
        out.problems.push(bad("no SignedData content".into()));
        return;
    };
    let mut sr = sd.children();
    let mut found = 0;
    while let Ok(Some(f)) = sr.next() {
        if f.tag == 0xa0 {
            let mut cr = f.children();
            loop {
                let off = cr.offset();
                match cr.next() {
                    Ok(Some(c)) => match super::inspect::decode_certificate(c.raw) {
                        Ok(x509) => {
                            found += 1;
                            out.items.push(Item {
                                kind: ItemKind::Certificate,
                                der: c.raw.to_vec(),
                                key_encoding: None,
                                public_key_encoding: None,
                                protection: None,
                                private_key: None,
                                x509: Some(Box::new(x509)),
                                source: Source {
                                    location: Location {
                                        offset: Some(off),
                                        ..location
                                    },
                                    format: SourceFormat::Pkcs7,
                                    pem_label: None,
                                    line_ending: None,
                                    max_line_len: None,
                                    friendly_name: None,
                                },
                                notes: Vec::new(),
                            });
                        }
                        Err(e) => out.problems.push(ParseProblem {
                            location: Location {
                                offset: Some(off),
                                ..location
                            },
                            error: e,
                        }),
                    },
                    Ok(None) => break,
                    Err(e) => {
                        out.problems.push(tlv_problem(e, location));
                        break;
                    }
                }
            }
        }
    }
    if found == 0 {
        out.problems
            .push(bad("the PKCS#7 structure holds no certificates".into()));
    }
}

/// An encrypted PKCS#8 key (PEM "ENCRYPTED PRIVATE KEY" or bare DER) opened with the
/// passphrase: its plain PKCS#8 bytes, the key, and how it was protected.
fn decrypt_pkcs8_key(
    der: &[u8],
    passphrase: Option<&str>,
    what: &str,
) -> Result<(Vec<u8>, PrivateKey, Protection), ParseError> {
    let (plain, scheme) =
        super::pbe::decrypt_pkcs8(der, passphrase).map_err(|e| e.into_parse(what))?;
    let key = PrivateKey::from_pkcs8(&plain)?;
    let protection = Protection {
        container: "pkcs8".into(),
        scheme,
    };
    Ok((plain, key, protection))
}
