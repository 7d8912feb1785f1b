//! What a certificate says, in the words `openssl x509 -text -nameopt RFC2253` uses.

use super::error::ParseError;
use super::hex;
use super::keys::spki_info;
use super::tlv::{Reader, Tlv};
pub use super::verify::{signature_algorithm_name, signature_algorithm_name_str};
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use serde::Serialize;
use x509_cert::Certificate;

/// Everything a firmware engineer asks about a certificate. Plain data, serialisable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// Subject as an RFC 4514 string (same text as `openssl -nameopt RFC2253,-esc_msb`).
    pub subject: String,
    /// Issuer, same format.
    pub issuer: String,
    /// Serial number, lowercase hex, no separators (sign byte dropped, as openssl prints it).
    pub serial: String,
    /// X.509 version (1, 2 or 3).
    pub version: u8,
    /// notBefore, RFC 3339 UTC.
    pub not_before: String,
    /// notAfter, RFC 3339 UTC.
    pub not_after: String,
    /// notBefore, unix seconds.
    pub not_before_unix: i64,
    /// notAfter, unix seconds.
    pub not_after_unix: i64,
    /// Validity relative to the `now` the caller gave.
    pub validity: Validity,
    /// "RSA", "EC", "Ed25519", ...
    pub key_algorithm: String,
    /// Key size in bits.
    pub key_bits: Option<u32>,
    /// EC curve name (P-256, P-384, ...).
    pub curve: Option<String>,
    /// Signature algorithm, openssl's name (sha256WithRSAEncryption, ecdsa-with-SHA384, ...).
    pub signature_algorithm: String,
    /// SHA-1 of the DER, lowercase hex.
    pub sha1: String,
    /// SHA-256 of the DER, lowercase hex.
    pub sha256: String,
    /// Subject Key Identifier, lowercase hex: from the extension, or computed (see `ski_computed`).
    pub ski: String,
    /// True when the certificate has no SKI extension and `ski` was computed per RFC 5280
    /// §4.2.1.2 method 1 (SHA-1 of the subjectPublicKey BIT STRING value).
    pub ski_computed: bool,
    /// Authority Key Identifier keyIdentifier, lowercase hex.
    pub aki: Option<String>,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// basicConstraints pathLenConstraint.
    pub path_len: Option<u32>,
    /// Key usage names (openssl's words: "Digital Signature", "Certificate Sign", ...).
    pub key_usage: Vec<String>,
    /// Extended key usage names ("TLS Web Server Authentication", ... or the OID).
    pub extended_key_usage: Vec<String>,
    /// Subject alternative names: "DNS:example.com", "IP Address:10.0.0.1", "email:..", "URI:..".
    pub subject_alt_names: Vec<String>,
    /// Subject and issuer are the same name.
    pub self_issued: bool,
    /// Self-signed as OpenSSL decides it (`EXFLAG_SS`): self-issued, its authority key
    /// identifier (if any) names its own key, and its key usage (if any) allows certificate
    /// signing. Like OpenSSL, the signature itself is not checked: a root is a trust anchor,
    /// and checking 144 of them cost ten times what `openssl storeutl -text` spends.
    pub self_signed: bool,
    /// Size of the DER in bytes (modules have limits: Telit 2047, iChip 1300 as PEM, ...).
    pub der_len: usize,
}

/// Validity relative to a given instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Validity {
    /// "valid", "expired" or "not_yet_valid".
    pub status: String,
    /// Whole days until notAfter (valid), since notAfter (expired) or until notBefore (not yet valid).
    pub days: i64,
    /// "expires in N days", "expired N days ago", "not yet valid (starts in N days)".
    pub text: String,
}

impl Validity {
    /// Computes the status for `now` (unix seconds).
    pub fn at(not_before: i64, not_after: i64, now: i64) -> Validity {
        const DAY: i64 = 86_400;
        if now < not_before {
            let days = (not_before - now) / DAY;
            Validity {
                status: "not_yet_valid".into(),
                days,
                text: format!("not yet valid (starts in {days} day{})", plural(days)),
            }
        } else if now > not_after {
            let days = (now - not_after) / DAY;
            Validity {
                status: "expired".into(),
                days,
                text: format!("expired {days} day{} ago", plural(days)),
            }
        } else {
            let days = (not_after - now) / DAY;
            Validity {
                status: "valid".into(),
                days,
                text: format!("expires in {days} day{}", plural(days)),
            }
        }
    }
}

fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Decodes a certificate, with an error that says what is wrong and where.
pub fn decode_certificate(der: &[u8]) -> Result<Certificate, ParseError> {
    Certificate::from_der(der).map_err(|e| ParseError::BadDer {
        what: "certificate".into(),
        detail: match e.position() {
            Some(p) => format!("{} (at byte {})", e.kind(), u32::from(p)),
            None => e.kind().to_string(),
        },
    })
}

/// Inspects a certificate. `now` is unix seconds (the core never reads a clock).
pub fn inspect(der: &[u8], now: i64) -> Result<CertInfo, ParseError> {
    use sha1::Digest;
    let cert = decode_certificate(der)?;
    let tbs = &cert.tbs_certificate;
    let subject_der = tbs.subject.to_der().unwrap_or_default();
    let issuer_der = tbs.issuer.to_der().unwrap_or_default();
    let subject = name_to_string(&subject_der);
    let issuer = name_to_string(&issuer_der);
    let serial = serial_hex(tbs.serial_number.as_bytes());
    let nb = tbs.validity.not_before.to_unix_duration().as_secs() as i64;
    let na = tbs.validity.not_after.to_unix_duration().as_secs() as i64;
    let spki_der = tbs.subject_public_key_info.to_der().unwrap_or_default();
    let kinfo = spki_info(&spki_der);

    let mut ski = None;
    let mut aki = None;
    let mut is_ca = false;
    let mut path_len = None;
    let mut key_usage = Vec::new();
    let mut eku = Vec::new();
    let mut san = Vec::new();
    for ext in tbs.extensions.iter().flatten() {
        let v = ext.extn_value.as_bytes();
        match ext.extn_id.to_string().as_str() {
            "2.5.29.14" => ski = parse_ski(v),
            "2.5.29.35" => aki = parse_aki(v),
            "2.5.29.19" => (is_ca, path_len) = parse_basic_constraints(v),
            "2.5.29.15" => key_usage = parse_key_usage(v),
            "2.5.29.37" => eku = parse_eku(v),
            "2.5.29.17" => san = parse_general_names(v),
            _ => {}
        }
    }
    let ski_computed = ski.is_none();
    let ski = ski.unwrap_or_else(|| {
        let bits = tbs.subject_public_key_info.subject_public_key.raw_bytes();
        hex(&sha1::Sha1::digest(bits))
    });
    let self_issued = subject_der == issuer_der;
    let self_signed = self_issued
        && (ski_computed || aki.as_ref().is_none_or(|a| *a == ski))
        && (key_usage.is_empty() || key_usage.iter().any(|u| u == "Certificate Sign"));

    Ok(CertInfo {
        subject,
        issuer,
        serial,
        version: match tbs.version {
            x509_cert::Version::V1 => 1,
            x509_cert::Version::V2 => 2,
            x509_cert::Version::V3 => 3,
        },
        not_before: tbs.validity.not_before.to_date_time().to_string(),
        not_after: tbs.validity.not_after.to_date_time().to_string(),
        not_before_unix: nb,
        not_after_unix: na,
        validity: Validity::at(nb, na, now),
        key_algorithm: kinfo.algorithm,
        key_bits: kinfo.bits,
        curve: kinfo.curve,
        signature_algorithm: signature_algorithm_name(&cert.signature_algorithm.oid),
        sha1: hex(&sha1::Sha1::digest(der)),
        sha256: hex(&sha2::Sha256::digest(der)),
        ski,
        ski_computed,
        aki,
        is_ca,
        path_len,
        key_usage,
        extended_key_usage: eku,
        subject_alt_names: san,
        self_issued,
        self_signed,
        der_len: der.len(),
    })
}

/// Serial as openssl prints it, lowercase: magnitude bytes in hex ("-" for negatives).
pub fn serial_hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "00".into();
    }
    if bytes[0] & 0x80 != 0 {
        // Two's complement negative: print the magnitude.
        let mut mag: Vec<u8> = bytes.iter().map(|b| !b).collect();
        for b in mag.iter_mut().rev() {
            let (v, o) = b.overflowing_add(1);
            *b = v;
            if !o {
                break;
            }
        }
        let s = mag
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(mag.len().saturating_sub(1));
        return format!("-{}", hex(&mag[s..]));
    }
    let s = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len() - 1);
    hex(&bytes[s..])
}

fn parse_ski(v: &[u8]) -> Option<String> {
    let t = super::tlv::parse_single(v).ok()?;
    (t.tag == 0x04).then(|| hex(t.content))
}

fn parse_aki(v: &[u8]) -> Option<String> {
    let t = super::tlv::parse_single(v).ok()?;
    let mut r = t.children();
    while let Ok(Some(c)) = r.next() {
        if c.tag == 0x80 {
            return Some(hex(c.content));
        }
    }
    None
}

fn parse_basic_constraints(v: &[u8]) -> (bool, Option<u32>) {
    let Ok(t) = super::tlv::parse_single(v) else {
        return (false, None);
    };
    let mut r = t.children();
    let mut ca = false;
    let mut pl = None;
    while let Ok(Some(c)) = r.next() {
        match c.tag {
            0x01 => ca = c.content.first().is_some_and(|b| *b != 0),
            0x02 if c.content.len() <= 4 => {
                pl = Some(c.content.iter().fold(0u32, |a, b| (a << 8) | *b as u32))
            }
            _ => {}
        }
    }
    (ca, pl)
}

fn parse_key_usage(v: &[u8]) -> Vec<String> {
    const NAMES: [&str; 9] = [
        "Digital Signature",
        "Non Repudiation",
        "Key Encipherment",
        "Data Encipherment",
        "Key Agreement",
        "Certificate Sign",
        "CRL Sign",
        "Encipher Only",
        "Decipher Only",
    ];
    let Ok(t) = super::tlv::parse_single(v) else {
        return Vec::new();
    };
    let bits = t.content.get(1..).unwrap_or_default();
    let mut out = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        if bits.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0) {
            out.push(name.to_string());
        }
    }
    out
}

fn parse_eku(v: &[u8]) -> Vec<String> {
    let Ok(t) = super::tlv::parse_single(v) else {
        return Vec::new();
    };
    let mut r = t.children();
    let mut out = Vec::new();
    while let Ok(Some(c)) = r.next() {
        if let Ok(o) = ObjectIdentifier::from_bytes(c.content) {
            out.push(
                match o.to_string().as_str() {
                    "1.3.6.1.5.5.7.3.1" => "TLS Web Server Authentication",
                    "1.3.6.1.5.5.7.3.2" => "TLS Web Client Authentication",
                    "1.3.6.1.5.5.7.3.3" => "Code Signing",
                    "1.3.6.1.5.5.7.3.4" => "E-mail Protection",
                    "1.3.6.1.5.5.7.3.8" => "Time Stamping",
                    "1.3.6.1.5.5.7.3.9" => "OCSP Signing",
                    "2.5.29.37.0" => "Any Extended Key Usage",
                    _ => "",
                }
                .to_string(),
            );
            if out.last().is_some_and(|s| s.is_empty()) {
                out.pop();
                out.push(o.to_string());
            }
        }
    }
    out
}

fn parse_general_names(v: &[u8]) -> Vec<String> {
    let Ok(t) = super::tlv::parse_single(v) else {
        return Vec::new();
    };
    let mut r = t.children();
    let mut out = Vec::new();
    while let Ok(Some(c)) = r.next() {
        let text = String::from_utf8_lossy(c.content);
        out.push(match c.tag {
            0x81 => format!("email:{text}"),
            0x82 => format!("DNS:{text}"),
            0x86 => format!("URI:{text}"),
            0x87 => format!("IP Address:{}", ip_text(c.content)),
            0xa4 => format!(
                "DirName:{}",
                c.children()
                    .next()
                    .ok()
                    .flatten()
                    .map(|n| name_to_string(n.raw))
                    .unwrap_or_default()
            ),
            0xa0 => "othername:<unsupported>".to_string(),
            other => format!("tag 0x{other:02x}"),
        });
    }
    out
}

fn ip_text(b: &[u8]) -> String {
    match b.len() {
        4 => format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            let parts: Vec<String> = a
                .chunks(2)
                .map(|c| format!("{:X}", u16::from_be_bytes([c[0], c[1]])))
                .collect();
            parts.join(":")
        }
        _ => format!("<invalid {}>", hex(b)),
    }
}

fn attr_short_name(oid: &str) -> Option<&'static str> {
    // OpenSSL's short names (crypto/objects/objects.txt), so strings compare equal.
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.13" => "description",
        "2.5.4.15" => "businessCategory",
        "2.5.4.17" => "postalCode",
        "2.5.4.18" => "postOfficeBox",
        "2.5.4.41" => "name",
        "2.5.4.42" => "GN",
        "2.5.4.43" => "initials",
        "2.5.4.44" => "generationQualifier",
        "2.5.4.45" => "x500UniqueIdentifier",
        "2.5.4.46" => "dnQualifier",
        "2.5.4.65" => "pseudonym",
        "2.5.4.97" => "organizationIdentifier",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "1.3.6.1.4.1.311.60.2.1.1" => "jurisdictionL",
        "1.3.6.1.4.1.311.60.2.1.2" => "jurisdictionST",
        "1.3.6.1.4.1.311.60.2.1.3" => "jurisdictionC",
        _ => return None,
    })
}

/// Formats a DER Name as RFC 4514 (RDNs reversed, "," between, "+" inside multi-valued RDNs),
/// escaping as openssl's `-nameopt RFC2253` does, but leaving UTF-8 as UTF-8.
pub fn name_to_string(name_der: &[u8]) -> String {
    let Ok(top) = super::tlv::parse_single(name_der) else {
        return String::new();
    };
    let mut rdns = Vec::new();
    let mut r: Reader<'_> = top.children();
    while let Ok(Some(rdn)) = r.next() {
        let mut avas = Vec::new();
        let mut ar = rdn.children();
        while let Ok(Some(ava)) = ar.next() {
            let mut fr = ava.children();
            let (Ok(Some(oid_t)), Ok(Some(val))) = (fr.next(), fr.next()) else {
                continue;
            };
            let oid = ObjectIdentifier::from_bytes(oid_t.content)
                .map(|o| o.to_string())
                .unwrap_or_default();
            match attr_short_name(&oid) {
                Some(short) => match string_value(&val) {
                    Some(s) => avas.push(format!("{short}={}", escape_rfc2253(&s))),
                    None => avas.push(format!("{short}=#{}", hex(val.raw).to_uppercase())),
                },
                None => avas.push(format!("{oid}=#{}", hex(val.raw).to_uppercase())),
            }
        }
        rdns.push(avas.join("+"));
    }
    rdns.reverse();
    rdns.join(",")
}

fn string_value(t: &Tlv<'_>) -> Option<String> {
    match t.tag {
        // UTF8String, PrintableString, IA5String, VisibleString, NumericString
        0x0c | 0x13 | 0x16 | 0x1a | 0x12 => Some(String::from_utf8_lossy(t.content).into_owned()),
        // TeletexString: OpenSSL treats it as Latin-1.
        0x14 => Some(t.content.iter().map(|b| *b as char).collect()),
        // BMPString (UCS-2 big endian)
        0x1e => {
            let units: Vec<u16> = t
                .content
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        // UniversalString (UCS-4 big endian)
        0x1c => Some(
            t.content
                .chunks(4)
                .map(|c| {
                    let mut a = [0u8; 4];
                    a[..c.len()].copy_from_slice(c);
                    char::from_u32(u32::from_be_bytes(a)).unwrap_or('\u{fffd}')
                })
                .collect(),
        ),
        _ => None,
    }
}

/// RFC 2253 escaping as OpenSSL does it (ESC_2253 | ESC_CTRL, no ESC_MSB).
fn escape_rfc2253(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, c) in chars.iter().enumerate() {
        let first = i == 0;
        let last = i + 1 == chars.len();
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => {
                out.push('\\');
                out.push(*c);
            }
            '#' if first => out.push_str("\\#"),
            ' ' if first || last => out.push_str("\\ "),
            c if (*c as u32) < 0x20 || *c as u32 == 0x7f => {
                out.push_str(&format!("\\{:02X}", *c as u32))
            }
            c => out.push(*c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials() {
        assert_eq!(serial_hex(&[0x00, 0x8b, 0x01]), "8b01");
        assert_eq!(serial_hex(&[0x01]), "01");
        assert_eq!(serial_hex(&[0x00]), "00");
        assert_eq!(serial_hex(&[0xff]), "-01");
    }

    #[test]
    fn validity_texts() {
        assert_eq!(
            Validity::at(0, 100 * 86_400, 10 * 86_400).text,
            "expires in 90 days"
        );
        assert_eq!(
            Validity::at(0, 86_400, 3 * 86_400).text,
            "expired 2 days ago"
        );
        assert_eq!(
            Validity::at(86_400 * 5, 86_400 * 9, 0).status,
            "not_yet_valid"
        );
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_rfc2253(" a,b "), "\\ a\\,b\\ ");
        assert_eq!(escape_rfc2253("#x#"), "\\#x#");
    }
}
