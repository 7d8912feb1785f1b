//! Conversions: PEM ↔ DER, key encodings (PKCS#1/SEC1/PKCS#8, byte-identical to openssl),
//! line endings, 64-column re-wrap, stripping surrounding text, splitting and joining.
//! Results are bytes plus a suggested file name and MIME type, ready for a download.

use super::error::CertError;
use super::keys::KeyEncoding;
use super::parse::{Item, ItemKind};
use super::pem::{self, LineEnding};
use serde::Serialize;

/// What to convert to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// PEM, each item in its current encoding (clean 64-column blocks, nothing around them).
    Pem,
    /// DER, one file per item.
    Der,
    /// Private keys as PKCS#1 (RSA), public keys as RSA PUBLIC KEY.
    Pkcs1,
    /// Private keys as PKCS#8 (unencrypted).
    Pkcs8,
    /// Private keys as SEC1 (EC).
    Sec1,
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "pem" => Target::Pem,
            "der" => Target::Der,
            "pkcs1" => Target::Pkcs1,
            "pkcs8" => Target::Pkcs8,
            "sec1" => Target::Sec1,
            other => {
                return Err(format!(
                    "unknown target \"{other}\"; use pem, der, pkcs1, pkcs8 or sec1"
                ));
            }
        })
    }
}

/// How to convert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertOptions {
    /// Target form.
    pub target: Target,
    /// Line ending for PEM output (Telit legacy: LF only; iChip: CR only).
    pub line_ending: LineEnding,
    /// For the key targets: write DER instead of PEM.
    pub der: bool,
    /// One output per item instead of one joined PEM file.
    pub split: bool,
    /// Base for suggested file names (no extension).
    pub base_name: String,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        Self {
            target: Target::Pem,
            line_ending: LineEnding::Lf,
            der: false,
            split: false,
            base_name: "converted".into(),
        }
    }
}

/// One converted file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Output {
    /// The bytes to save or send.
    #[serde(skip)]
    pub bytes: Vec<u8>,
    /// Suggested file name.
    pub file_name: String,
    /// MIME type for a download.
    pub mime: String,
    /// What it holds, e.g. "certificate (PEM)", "private key (PKCS#1 DER)".
    pub kind: String,
}

/// PEM label and DER of an item in its current encoding.
fn natural(item: &Item) -> (&'static str, Vec<u8>) {
    match item.kind {
        ItemKind::Certificate => ("CERTIFICATE", item.der.clone()),
        ItemKind::PrivateKey => (
            item.key_encoding.unwrap_or(KeyEncoding::Pkcs8).pem_label(),
            item.der.clone(),
        ),
        ItemKind::PublicKey => match item.public_key_encoding {
            Some(super::keys::PublicKeyEncoding::Pkcs1) => ("RSA PUBLIC KEY", item.der.clone()),
            _ => ("PUBLIC KEY", item.der.clone()),
        },
        ItemKind::EcParameters => ("EC PARAMETERS", item.der.clone()),
        ItemKind::CertificateRequest => ("CERTIFICATE REQUEST", item.der.clone()),
        ItemKind::Crl => ("X509 CRL", item.der.clone()),
    }
}

fn short(item: &Item) -> &'static str {
    match item.kind {
        ItemKind::Certificate => "cert",
        ItemKind::PrivateKey => "key",
        ItemKind::PublicKey => "pubkey",
        ItemKind::EcParameters => "ecparams",
        ItemKind::CertificateRequest => "csr",
        ItemKind::Crl => "crl",
    }
}

/// Converts `items`. PEM output is joined into one file unless `split`; DER is always one
/// file per item (DER has no way to hold several objects in one file that modules accept).
pub fn convert(items: &[Item], opts: &ConvertOptions) -> Result<Vec<Output>, CertError> {
    let mut pieces: Vec<(String, &'static str, Vec<u8>, &Item)> = Vec::new(); // (kind text, label, der, item)
    for item in items {
        match opts.target {
            Target::Pem | Target::Der => {
                let (label, der) = natural(item);
                pieces.push((item.describe(), label, der, item));
            }
            Target::Pkcs1 | Target::Pkcs8 | Target::Sec1 => {
                let enc = match opts.target {
                    Target::Pkcs1 => KeyEncoding::Pkcs1,
                    Target::Sec1 => KeyEncoding::Sec1,
                    _ => KeyEncoding::Pkcs8,
                };
                match item.kind {
                    ItemKind::PrivateKey => {
                        let key =
                            item.private_key
                                .as_ref()
                                .ok_or_else(|| CertError::Conversion {
                                    from: item.describe(),
                                    to: format!("{enc:?}"),
                                    reason: "the key was not decoded".into(),
                                })?;
                        let der = key.to_der(enc)?;
                        pieces.push((
                            format!("private key ({})", enc_name(enc)),
                            enc.pem_label(),
                            der,
                            item,
                        ));
                    }
                    ItemKind::PublicKey if enc == KeyEncoding::Pkcs1 => {
                        let pk = item.public_key().ok_or_else(|| CertError::Conversion {
                            from: "public key".into(),
                            to: "PKCS#1".into(),
                            reason: "the key was not decoded".into(),
                        })?;
                        pieces.push((
                            "public key (PKCS#1)".into(),
                            "RSA PUBLIC KEY",
                            pk.to_pkcs1_der()?,
                            item,
                        ));
                    }
                    _ => {}
                }
            }
        }
    }
    if pieces.is_empty() {
        return Err(CertError::Conversion {
            from: if items.is_empty() { "nothing".into() } else { items[0].describe() },
            to: format!("{:?}", opts.target),
            reason: "the input holds no item this conversion applies to (key encodings apply to private keys)".into(),
        });
    }
    let der_out = opts.target == Target::Der || (opts.der && opts.target != Target::Pem);
    let many = pieces.len() > 1;
    let mut outputs = Vec::new();
    if der_out {
        for (n, (kind, _, der, item)) in pieces.into_iter().enumerate() {
            let ext = "der";
            let file_name = if many {
                format!("{}-{}-{}.{ext}", opts.base_name, n + 1, short(item))
            } else {
                format!("{}.{ext}", opts.base_name)
            };
            let mime = match item.kind {
                ItemKind::Certificate => "application/pkix-cert",
                ItemKind::PrivateKey
                    if item.key_encoding == Some(KeyEncoding::Pkcs8)
                        || opts.target == Target::Pkcs8 =>
                {
                    "application/pkcs8"
                }
                _ => "application/octet-stream",
            };
            outputs.push(Output {
                bytes: der,
                file_name,
                mime: mime.into(),
                kind: format!("{kind} DER"),
            });
        }
        return Ok(outputs);
    }
    if opts.split && many {
        for (n, (kind, label, der, item)) in pieces.into_iter().enumerate() {
            outputs.push(Output {
                bytes: pem::encode(label, &der, opts.line_ending),
                file_name: format!("{}-{}-{}.pem", opts.base_name, n + 1, short(item)),
                mime: "application/x-pem-file".into(),
                kind: format!("{kind} PEM"),
            });
        }
    } else {
        let mut bytes = Vec::new();
        let mut kinds = Vec::new();
        for (kind, label, der, _) in &pieces {
            bytes.extend(pem::encode(label, der, opts.line_ending));
            kinds.push(kind.clone());
        }
        outputs.push(Output {
            bytes,
            file_name: format!("{}.pem", opts.base_name),
            mime: "application/x-pem-file".into(),
            kind: if many {
                format!("{} items (PEM): {}", kinds.len(), kinds.join(", "))
            } else {
                format!("{} PEM", kinds[0])
            },
        });
    }
    Ok(outputs)
}

fn enc_name(e: KeyEncoding) -> &'static str {
    match e {
        KeyEncoding::Pkcs1 => "PKCS#1",
        KeyEncoding::Sec1 => "SEC1",
        KeyEncoding::Pkcs8 => "PKCS#8",
    }
}

/// Joins certificates (DER) into one PEM chain, in the given order.
pub fn join_pem(certs: &[&[u8]], line_ending: LineEnding) -> Vec<u8> {
    let mut out = Vec::new();
    for c in certs {
        out.extend(pem::encode("CERTIFICATE", c, line_ending));
    }
    out
}

/// Rewrites every PEM line ending in `text` (re-wrapping is done by re-encoding with [`convert`]).
pub fn set_line_endings(text: &[u8], ending: LineEnding) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 32);
    let nl = ending.as_bytes();
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\r' => {
                out.extend_from_slice(nl);
                i += if text.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
            }
            b'\n' => {
                out.extend_from_slice(nl);
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}
