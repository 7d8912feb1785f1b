//! Credential lint: given one module family's rules, a role (CA, client certificate, client
//! key) and the bytes a user gave, say what the module would reject and why, fix what can be
//! fixed, and produce the exact bytes to send plus the file or slot name to use.
//!
//! The rule *types* live here; the per-family *values* live in `modules::rules`, because
//! `cert/` depends on nothing of ours. Every rule carries its evidence tag ([`Tag`]) and its
//! source, so a finding can cite it, and a rule we only inferred never blocks the user: it
//! warns instead of erroring. All rule fields are public plain data, so a caller can override
//! an inferred default (e.g. a firmware with a larger size limit).
//!
//! [`lint`] checks one credential for one role; [`lint_set`] checks the three together (the
//! client key must be the client certificate's). [`guess_role`] tells a CA from a client
//! certificate or key by content.
//!
//! Decoding here is deliberately small and private (PEM blocks, X.509, PKCS#1/#8, SEC1);
//! the full parser lives elsewhere in `cert/` and can feed [`lint_items`] later.

use core::fmt;

use der::asn1::{BitString, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use sha1::{Digest, Sha1};
use x509_cert::Certificate;

// ---------------------------------------------------------------------------------------
// Rule types (values per family: `modules::rules`)
// ---------------------------------------------------------------------------------------

/// How sure we are of a rule, as tagged in `shared/reference/modules/*.md`.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Tag {
    /// [C]: vendor text or working driver code.
    Confirmed,
    /// [S]: a forum or issue report, or one third-party driver.
    Secondary,
    /// [I]: inferred; a configurable default, never a hard error.
    Inferred,
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Confirmed => "[C]",
            Self::Secondary => "[S]",
            Self::Inferred => "[I]",
        })
    }
}

/// One fact about a module, with how sure we are and where it comes from.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Rule<T> {
    pub value: T,
    pub tag: Tag,
    /// Where the fact comes from, short enough to quote in a finding.
    pub source: &'static str,
}

impl<T> Rule<T> {
    /// A confirmed rule ([C]).
    pub const fn c(value: T, source: &'static str) -> Self {
        Self {
            value,
            tag: Tag::Confirmed,
            source,
        }
    }
    /// A secondary rule ([S]).
    pub const fn s(value: T, source: &'static str) -> Self {
        Self {
            value,
            tag: Tag::Secondary,
            source,
        }
    }
    /// An inferred rule ([I]): a default the caller may override.
    pub const fn i(value: T, source: &'static str) -> Self {
        Self {
            value,
            tag: Tag::Inferred,
            source,
        }
    }
    fn cite(&self) -> String {
        format!("{} {}", self.tag, self.source)
    }
    /// What breaking this rule means: confirmed and secondary facts are rejections,
    /// inferred ones are likely problems only.
    fn breach(&self) -> Severity {
        match self.tag {
            Tag::Confirmed | Tag::Secondary => Severity::Error,
            Tag::Inferred => Severity::Warning,
        }
    }
}

/// The three credentials a module stores.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub enum Role {
    /// The CA certificate the module trusts to verify the server.
    Ca,
    /// The module's own certificate, for mutual TLS.
    ClientCert,
    /// The private key of the client certificate.
    ClientKey,
}

impl Role {
    pub const ALL: [Self; 3] = [Self::Ca, Self::ClientCert, Self::ClientKey];

    pub const fn describe(self) -> &'static str {
        match self {
            Self::Ca => "root CA certificate",
            Self::ClientCert => "client certificate",
            Self::ClientKey => "client private key",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// Container encoding of a credential.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Encoding {
    Pem,
    Der,
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pem => "PEM",
            Self::Der => "DER",
        })
    }
}

/// Which line endings a module accepts inside PEM text.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum LineEndings {
    /// LF only; a CR breaks the parse (Telit legacy).
    LfOnly,
    /// CR only between lines (iChip multi-line AT parameters).
    CrOnly,
    /// Stored verbatim and parsed leniently: LF or CRLF.
    LfOrCrLf,
}

impl LineEndings {
    /// The line ending atcert sends for this rule.
    pub const fn send(self) -> crate::cert::LineEnding {
        match self {
            Self::LfOnly | Self::LfOrCrLf => crate::cert::LineEnding::Lf,
            Self::CrOnly => crate::cert::LineEnding::Cr,
        }
    }
}

/// Whether the PEM text must end with a line ending after the END line.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum TrailingNewline {
    /// The END line must be followed by the line ending (Telit's `-----END ...-----<LF>`;
    /// iChip's final `<CR>` that ends the command).
    Required,
    /// Either way works.
    Optional,
}

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

/// Private key encodings.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum KeyEncoding {
    /// `BEGIN RSA PRIVATE KEY` (RFC 8017).
    Pkcs1,
    /// `BEGIN EC PRIVATE KEY` (RFC 5915), with the named curve inside.
    Sec1,
    /// `BEGIN PRIVATE KEY` (RFC 5208).
    Pkcs8,
}

impl fmt::Display for KeyEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pkcs1 => "PKCS#1 (BEGIN RSA PRIVATE KEY)",
            Self::Sec1 => "SEC1 (BEGIN EC PRIVATE KEY)",
            Self::Pkcs8 => "PKCS#8 (BEGIN PRIVATE KEY)",
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

/// Where a credential goes on the module.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Storage {
    /// A file with a fixed path (SIM800 flash file system).
    File { path: &'static str },
    /// A file whose extension must name the encoding: `<stem>.pem` or `<stem>.der`
    /// (SIM7600 `AT+CCERTDOWN`).
    FileByEncoding { stem: &'static str },
    /// A file named after the certificate's Subject Key Identifier in lowercase hex:
    /// `<prefix><ski><suffix>` (SPWF04 `/<ski>.ca`).
    SkiFile {
        prefix: &'static str,
        suffix: &'static str,
    },
    /// A numbered slot (Telit `AT#SSLSECDATA=<ssid>,1,<data_type>`).
    Slot { ssid: u8, data_type: u8 },
    /// A named parameter or area (iChip `+iCA`, SPWF04 `AT+S.TLSCERT=cert`).
    Parameter { name: &'static str },
}

/// Whether the module can present a client certificate at all.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Support {
    Supported,
    /// Documented, but missing or broken on some firmware.
    FirmwareDependent,
    Unsupported,
}

/// Whether the module checks certificate dates against its own clock.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum ClockCheck {
    /// Always: the clock must be set before connecting.
    Always,
    /// Only when enabled by a setting (SIM7600 `ignorelocaltime=0`).
    WhenEnabled,
    /// Nobody knows; set the clock to be safe.
    Unknown,
}

/// Which certificate of a chain belongs in the CA slot.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum CaChoice {
    /// The self-signed root at the end of the chain (Telit: "store the RootCACert").
    Root,
    /// Any CA certificate of the chain works as a trust anchor.
    AnyCa,
}

/// What a module accepts for one credential role.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct RoleRules {
    /// Encodings the module accepts.
    pub accepted: Rule<&'static [Encoding]>,
    /// The encoding atcert sends (one of `accepted`; the safest choice).
    pub send_as: Encoding,
    /// Line endings inside PEM.
    pub line_endings: Rule<LineEndings>,
    pub trailing_newline: Rule<TrailingNewline>,
    /// Maximum size of the bytes sent, if known.
    pub max_bytes: Option<Rule<usize>>,
    /// Public or private key algorithms accepted.
    pub key_types: Rule<&'static [KeyType]>,
    /// RSA modulus sizes accepted, in bits, inclusive.
    pub rsa_bits: Rule<(u32, u32)>,
    /// Signature hashes accepted in certificates; `None` when no restriction is known.
    pub signature_hashes: Option<Rule<&'static [HashAlg]>>,
    /// Private key encodings accepted (client key only; the first is what atcert sends).
    pub key_encodings: Rule<&'static [KeyEncoding]>,
    /// Whether a password-protected key can be stored (atcert decrypts otherwise).
    pub encrypted_key: Rule<bool>,
    /// Whether several PEM certificates may share one file (a CA bundle).
    pub bundle: Rule<bool>,
    /// The file, slot or parameter the credential goes to.
    pub storage: Rule<Storage>,
}

/// Everything a family accepts, per role, plus the facts that concern the whole set.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct CredentialRules {
    /// The family's short id (`Family::id`), for messages.
    pub family: &'static str,
    pub ca: RoleRules,
    pub client_cert: RoleRules,
    pub client_key: RoleRules,
    /// Whether mutual TLS (client certificate + key) works at all.
    pub mutual_tls: Rule<Support>,
    /// Whether certificate dates are checked against the module clock.
    pub clock: Rule<ClockCheck>,
    /// Which certificate of a chain goes into the CA slot.
    pub ca_choice: Rule<CaChoice>,
    /// TLS versions the module speaks, for messages.
    pub tls_versions: Rule<&'static str>,
}

impl CredentialRules {
    pub const fn role(&self, role: Role) -> &RoleRules {
        match role {
            Role::Ca => &self.ca,
            Role::ClientCert => &self.client_cert,
            Role::ClientKey => &self.client_key,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, Eq, Ord, PartialEq, PartialOrd)]
pub enum Severity {
    Info,
    /// Likely a problem; the module may or may not reject it.
    Warning,
    /// The module would reject it (or fail the handshake because of it).
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        })
    }
}

/// A machine-readable name for each kind of finding, so callers and tests need not match text.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum Check {
    Unreadable,
    WrongContent,
    Encrypted,
    TextAround,
    Encoding,
    LineEndings,
    LineWidth,
    TrailingNewline,
    TrailingGarbage,
    ChainTrimmed,
    NotRoot,
    NotCa,
    LeafNotFound,
    KeyType,
    KeySize,
    KeyEncoding,
    SignatureHash,
    NotYetValid,
    Expired,
    ModuleClock,
    ClockMustBeSet,
    Size,
    MutualTls,
    /// The client key is not the certificate's key.
    KeyMismatch,
    /// Only one of client certificate and key was given.
    Incomplete,
    ClientAuthUsage,
    SkiComputed,
}

#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Finding {
    pub check: Check,
    pub severity: Severity,
    /// What the module would do with the credential as given.
    pub module_would: String,
    /// Why: the rule and its source.
    pub why: String,
    /// What atcert did about it, if it fixed it.
    pub fix: Option<String>,
    /// What the user must do when atcert cannot fix it.
    pub user_action: Option<String>,
}

impl Finding {
    /// True when the final bytes still carry the problem.
    pub fn is_blocking(&self) -> bool {
        self.severity == Severity::Error && self.fix.is_none()
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: the module would {} (why: {})",
            self.severity, self.module_would, self.why
        )?;
        if let Some(fix) = &self.fix {
            write!(f, "\n  fixed: {fix}")?;
        }
        if let Some(action) = &self.user_action {
            write!(f, "\n  you must: {action}")?;
        }
        Ok(())
    }
}

/// The bytes to send and where they go.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Output {
    pub bytes: Vec<u8>,
    pub encoding: Encoding,
    pub storage: Storage,
    /// Where the module keeps it: the concrete file, slot or parameter.
    pub destination: Destination,
}

/// Where a credential goes, as data: the driver renders the command that puts it there.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Destination {
    /// A file on the module, e.g. `C:\USER\ROOT.CER`, `ca_cert.pem`, `/7fd3....ca`.
    File { path: String },
    /// A numbered security-data slot and its data type (Telit).
    Slot { ssid: u8, data_type: u8 },
    /// A named parameter or area (iChip `+iCA`, SPWF04's certificate areas).
    Parameter { name: &'static str },
}

impl Destination {
    /// The file path, for file-system destinations.
    pub fn file(&self) -> Option<&str> {
        match self {
            Self::File { path } => Some(path),
            _ => None,
        }
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File { path } => f.write_str(path),
            Self::Slot { ssid, data_type } => {
                write!(f, "security data slot {ssid}, data type {data_type}")
            }
            Self::Parameter { name } => f.write_str(name),
        }
    }
}

// Callers and tests compare a destination with the name they expect.
impl PartialEq<str> for Destination {
    fn eq(&self, other: &str) -> bool {
        match self {
            Self::File { path } => path == other,
            Self::Parameter { name } => *name == other,
            Self::Slot { .. } => false,
        }
    }
}

impl PartialEq<&str> for Destination {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

impl PartialEq<String> for Destination {
    fn eq(&self, other: &String) -> bool {
        self == other.as_str()
    }
}

#[derive(Clone, Debug, Eq, PartialEq)]
pub struct LintReport {
    pub family: &'static str,
    pub role: Role,
    pub findings: Vec<Finding>,
    /// `None` when nothing usable was found for the role.
    pub output: Option<Output>,
}

impl LintReport {
    /// True when no unfixed error remains: the output would be accepted as far as we know.
    pub fn is_ok(&self) -> bool {
        self.output.is_some() && !self.findings.iter().any(Finding::is_blocking)
    }
    pub fn has(&self, check: Check) -> bool {
        self.findings.iter().any(|f| f.check == check)
    }
    pub fn finding(&self, check: Check) -> Option<&Finding> {
        self.findings.iter().find(|f| f.check == check)
    }
}

/// Inputs besides the credential. Time is a parameter: the lint never reads a clock.
#[derive(Clone, Debug, Default)]
pub struct LintContext<'a> {
    /// The real current time, unix seconds.
    pub now: Option<i64>,
    /// The module's clock as read from it (`AT+CCLK?`, `AT+S.TIME`), unix seconds.
    pub module_clock: Option<i64>,
    /// Password of an encrypted PKCS#8 key.
    pub password: Option<&'a [u8]>,
}

// ---------------------------------------------------------------------------------------
// Decoding (small, private; the parser replaces it later via `lint_items`)
// ---------------------------------------------------------------------------------------

/// One credential object found in the input.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Item {
    Certificate(Vec<u8>),
    PrivateKey {
        der: Vec<u8>,
        encoding: KeyEncoding,
    },
    /// PKCS#8 `EncryptedPrivateKeyInfo`.
    EncryptedKey(Vec<u8>),
    /// Traditional OpenSSL encryption (`Proc-Type: 4,ENCRYPTED` headers): cannot be decrypted
    /// here.
    LegacyEncryptedKey {
        label: String,
    },
    /// A PEM block of another kind (CSR, public key, parameters ...).
    Other {
        label: String,
    },
}

/// Facts about the text form of the input, for the formatting checks.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct TextShape {
    pub is_pem: bool,
    pub crlf: usize,
    pub lone_lf: usize,
    pub lone_cr: usize,
    /// Non-whitespace bytes outside the PEM blocks.
    pub text_around: bool,
    /// Base64 lines that are not 64 characters (other than each block's last line).
    pub odd_line_width: bool,
    pub ends_with_newline: bool,
    /// Trailing NUL or Ctrl+Z bytes (C strings, serial terminals' EOF).
    pub trailing_garbage: bool,
}

/// Errors decoding the input, phrased for the person who gave it.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum DecodeError {
    #[error("the input is empty")]
    Empty,
    #[error(
        "no PEM block and no DER certificate or key found: the input is neither PEM text \
         (-----BEGIN ...-----) nor a DER certificate or key; check you picked the right file"
    )]
    NotACredential,
    #[error(
        "PEM block '{label}' is damaged ({detail}); re-export it, or check it was not cut or \
         edited"
    )]
    BadPem { label: String, detail: String },
}

/// Finds the credentials in PEM text (any line endings, text around the blocks) or DER.
pub fn decode(input: &[u8]) -> Result<(Vec<Item>, TextShape), DecodeError> {
    let trimmed = trim_garbage(input);
    if trimmed.iter().all(u8::is_ascii_whitespace) {
        return Err(DecodeError::Empty);
    }
    let mut shape = TextShape {
        trailing_garbage: trimmed.len() != input.len(),
        ..TextShape::default()
    };
    if !contains(trimmed, b"-----BEGIN ") {
        // DER may itself end in 0x00 or 0x1A: take exactly one TLV, then look at the rest.
        let (der, rest) = split_tlv(input).ok_or(DecodeError::NotACredential)?;
        if !rest.iter().all(|b| matches!(b, 0 | 0x1a)) {
            return Err(DecodeError::NotACredential);
        }
        shape.trailing_garbage = !rest.is_empty();
        let item = decode_der(der).ok_or(DecodeError::NotACredential)?;
        return Ok((vec![item], shape));
    }
    shape.is_pem = true;
    count_line_endings(trimmed, &mut shape);
    shape.ends_with_newline = matches!(trimmed.last(), Some(b'\n' | b'\r'));
    let text = String::from_utf8_lossy(trimmed);
    let mut items = Vec::new();
    let mut lines = text.split(['\r', '\n']).peekable();
    while let Some(line) = lines.next() {
        let line = line.trim();
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            if !line.is_empty() {
                shape.text_around = true;
            }
            continue;
        };
        let label = label.to_owned();
        let end = format!("-----END {label}-----");
        let mut body = String::new();
        let mut widths = Vec::new();
        let mut headers = Vec::new();
        let mut closed = false;
        for inner in lines.by_ref() {
            let inner = inner.trim();
            if inner == end {
                closed = true;
                break;
            }
            if inner.is_empty() {
                continue;
            }
            if inner.contains(':') {
                headers.push(inner.to_owned());
                continue;
            }
            widths.push(inner.len());
            body.push_str(inner);
        }
        if !closed {
            return Err(DecodeError::BadPem {
                label,
                detail: format!("no '{end}' line"),
            });
        }
        if let Some((last, rest)) = widths.split_last()
            && (rest.iter().any(|w| *w != 64) || *last > 64)
        {
            shape.odd_line_width = true;
        }
        if headers.iter().any(|h| h.contains("ENCRYPTED")) {
            items.push(Item::LegacyEncryptedKey { label });
            continue;
        }
        let der = <base64ct::Base64 as base64ct::Encoding>::decode_vec(&body).map_err(|e| {
            DecodeError::BadPem {
                label: label.clone(),
                detail: format!("base64: {e}"),
            }
        })?;
        let item = match label.as_str() {
            "CERTIFICATE" | "X509 CERTIFICATE" => {
                check_der::<Certificate>(&der, &label)?;
                Item::Certificate(der)
            }
            // OpenSSL's certificate followed by its trust settings: keep the certificate.
            "TRUSTED CERTIFICATE" => {
                let cert = der::SliceReader::new(&der)
                    .and_then(|mut r| Certificate::decode(&mut r))
                    .and_then(|c| c.to_der())
                    .map_err(|e| DecodeError::BadPem {
                        label: label.clone(),
                        detail: format!("DER: {e}"),
                    })?;
                Item::Certificate(cert)
            }
            "RSA PRIVATE KEY" => {
                check_der::<pkcs1::RsaPrivateKey<'_>>(&der, &label)?;
                Item::PrivateKey {
                    der,
                    encoding: KeyEncoding::Pkcs1,
                }
            }
            "EC PRIVATE KEY" => {
                check_der::<sec1::EcPrivateKey<'_>>(&der, &label)?;
                Item::PrivateKey {
                    der,
                    encoding: KeyEncoding::Sec1,
                }
            }
            "PRIVATE KEY" => {
                check_der::<pkcs8::PrivateKeyInfo<'_>>(&der, &label)?;
                Item::PrivateKey {
                    der,
                    encoding: KeyEncoding::Pkcs8,
                }
            }
            "ENCRYPTED PRIVATE KEY" => {
                check_der::<pkcs8::EncryptedPrivateKeyInfo<'_>>(&der, &label)?;
                Item::EncryptedKey(der)
            }
            _ => Item::Other { label },
        };
        items.push(item);
    }
    Ok((items, shape))
}

fn check_der<'a, T: Decode<'a>>(der: &'a [u8], label: &str) -> Result<(), DecodeError> {
    T::from_der(der)
        .map(|_| ())
        .map_err(|e| DecodeError::BadPem {
            label: label.to_owned(),
            detail: format!("DER: {e}"),
        })
}

fn decode_der(der: &[u8]) -> Option<Item> {
    if Certificate::from_der(der).is_ok() {
        return Some(Item::Certificate(der.to_vec()));
    }
    let key = |encoding| {
        Some(Item::PrivateKey {
            der: der.to_vec(),
            encoding,
        })
    };
    if pkcs8::PrivateKeyInfo::from_der(der).is_ok() {
        return key(KeyEncoding::Pkcs8);
    }
    if pkcs1::RsaPrivateKey::from_der(der).is_ok() {
        return key(KeyEncoding::Pkcs1);
    }
    if sec1::EcPrivateKey::from_der(der).is_ok() {
        return key(KeyEncoding::Sec1);
    }
    if pkcs8::EncryptedPrivateKeyInfo::from_der(der).is_ok() {
        return Some(Item::EncryptedKey(der.to_vec()));
    }
    None
}

/// The first DER TLV of `input` and what follows it.
fn split_tlv(input: &[u8]) -> Option<(&[u8], &[u8])> {
    use der::Reader;
    let mut reader = der::SliceReader::new(input).ok()?;
    der::asn1::AnyRef::decode(&mut reader).ok()?;
    let len = usize::try_from(reader.position()).ok()?;
    Some((input.get(..len)?, input.get(len..)?))
}

fn trim_garbage(input: &[u8]) -> &[u8] {
    let mut end = input.len();
    while end > 0 && matches!(input.get(end - 1), Some(0 | 0x1a)) {
        end -= 1;
    }
    input.get(..end).unwrap_or_default()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn count_line_endings(text: &[u8], shape: &mut TextShape) {
    let mut prev_cr = false;
    for (i, b) in text.iter().enumerate() {
        match b {
            b'\r' => {
                if text.get(i + 1) == Some(&b'\n') {
                    shape.crlf += 1;
                    prev_cr = true;
                    continue;
                }
                shape.lone_cr += 1;
            }
            b'\n' if !prev_cr => shape.lone_lf += 1,
            _ => {}
        }
        prev_cr = false;
    }
}

/// Guesses the role of a credential from its content: a key is a key; a certificate that is
/// a CA (basicConstraints CA or self-signed) is a CA; otherwise a client certificate. A file
/// holding both a key and certificates gives the key.
pub fn guess_role(input: &[u8]) -> Option<Role> {
    guess_roles(input).into_iter().next()
}

/// Every role a file can serve: a `cert+key.pem` gives the key and the client certificate.
pub fn guess_roles(input: &[u8]) -> Vec<Role> {
    let Ok((items, _)) = decode(input) else {
        return Vec::new();
    };
    let mut roles = Vec::new();
    if items.iter().any(|i| {
        matches!(
            i,
            Item::PrivateKey { .. } | Item::EncryptedKey(_) | Item::LegacyEncryptedKey { .. }
        )
    }) {
        roles.push(Role::ClientKey);
    }
    // A chain that starts with a leaf is a client chain; a bundle of CAs is a CA file.
    let first = items.iter().find_map(|i| match i {
        Item::Certificate(der) => CertFacts::parse(der),
        _ => None,
    });
    if let Some(first) = first {
        roles.push(if first.is_ca() {
            Role::Ca
        } else {
            Role::ClientCert
        });
    }
    roles
}

// ---------------------------------------------------------------------------------------
// Facts the lint needs from certificates and keys
// ---------------------------------------------------------------------------------------

mod oids {
    use der::asn1::ObjectIdentifier as Oid;
    pub const RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    pub const EC: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    pub const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    pub const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
    pub const P521: Oid = Oid::new_unwrap("1.3.132.0.35");
    pub const MD2_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.2");
    pub const MD5_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.4");
    pub const SHA1_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
    pub const SHA256_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    pub const SHA384_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    pub const SHA512_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
    pub const SHA224_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.14");
    pub const SHA1_EC: Oid = Oid::new_unwrap("1.2.840.10045.4.1");
    pub const SHA224_EC: Oid = Oid::new_unwrap("1.2.840.10045.4.3.1");
    pub const SHA256_EC: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    pub const SHA384_EC: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
    pub const SHA512_EC: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
    pub const BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
    pub const SKI: Oid = Oid::new_unwrap("2.5.29.14");
    pub const EKU: Oid = Oid::new_unwrap("2.5.29.37");
    pub const CLIENT_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.2");
    pub const ANY_EKU: Oid = Oid::new_unwrap("2.5.29.37.0");
}

fn hash_of(sig: &ObjectIdentifier) -> HashAlg {
    match *sig {
        oids::MD2_RSA => HashAlg::Md2,
        oids::MD5_RSA => HashAlg::Md5,
        oids::SHA1_RSA | oids::SHA1_EC => HashAlg::Sha1,
        oids::SHA224_RSA | oids::SHA224_EC => HashAlg::Sha224,
        oids::SHA256_RSA | oids::SHA256_EC => HashAlg::Sha256,
        oids::SHA384_RSA | oids::SHA384_EC => HashAlg::Sha384,
        oids::SHA512_RSA | oids::SHA512_EC => HashAlg::Sha512,
        _ => HashAlg::Other,
    }
}

fn curve_type(oid: Option<ObjectIdentifier>) -> KeyType {
    match oid {
        Some(oids::P256) => KeyType::EcP256,
        Some(oids::P384) => KeyType::EcP384,
        Some(oids::P521) => KeyType::EcP521,
        _ => KeyType::Other,
    }
}

fn rsa_bits(modulus: &[u8]) -> u32 {
    let bytes: Vec<u8> = modulus.iter().copied().skip_while(|b| *b == 0).collect();
    match bytes.first() {
        Some(first) => u32::try_from(bytes.len() - 1)
            .unwrap_or(u32::MAX)
            .saturating_mul(8)
            .saturating_add(8 - first.leading_zeros()),
        None => 0,
    }
}

/// The public key's type and RSA size from a SubjectPublicKeyInfo.
fn spki_key(spki: &spki::SubjectPublicKeyInfoOwned) -> (KeyType, u32) {
    if spki.algorithm.oid == oids::RSA {
        let bits = pkcs1::RsaPublicKey::from_der(spki.subject_public_key.raw_bytes())
            .map(|k| rsa_bits(k.modulus.as_bytes()))
            .unwrap_or(0);
        return (KeyType::Rsa, bits);
    }
    if spki.algorithm.oid == oids::EC {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        return (curve_type(curve), 0);
    }
    (KeyType::Other, 0)
}

/// What the lint needs from one certificate.
#[derive(Clone, Debug)]
struct CertFacts {
    der: Vec<u8>,
    subject: String,
    issuer: String,
    self_issued: bool,
    basic_ca: Option<bool>,
    ski: Option<Vec<u8>>,
    /// SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 method 1).
    computed_ski: Vec<u8>,
    not_before: i64,
    not_after: i64,
    hash: HashAlg,
    key_type: KeyType,
    rsa_bits: u32,
    /// `Some(true)` when an EKU is present and allows client authentication.
    client_auth: Option<bool>,
}

impl CertFacts {
    fn parse(der: &[u8]) -> Option<Self> {
        let cert = Certificate::from_der(der).ok()?;
        let tbs = &cert.tbs_certificate;
        let mut basic_ca = None;
        let mut ski = None;
        let mut client_auth = None;
        for ext in tbs.extensions.iter().flatten() {
            let value = ext.extn_value.as_bytes();
            if ext.extn_id == oids::BASIC_CONSTRAINTS {
                basic_ca = x509_cert::ext::pkix::BasicConstraints::from_der(value)
                    .ok()
                    .map(|b| b.ca);
            } else if ext.extn_id == oids::SKI {
                ski = OctetString::from_der(value)
                    .ok()
                    .map(|o| o.as_bytes().to_vec());
            } else if ext.extn_id == oids::EKU {
                client_auth = x509_cert::ext::pkix::ExtendedKeyUsage::from_der(value)
                    .ok()
                    .map(|eku| {
                        eku.0
                            .iter()
                            .any(|o| *o == oids::CLIENT_AUTH || *o == oids::ANY_EKU)
                    });
            }
        }
        let spki = &tbs.subject_public_key_info;
        let (key_type, rsa_bits) = spki_key(spki);
        Some(Self {
            der: der.to_vec(),
            subject: tbs.subject.to_string(),
            issuer: tbs.issuer.to_string(),
            self_issued: tbs.subject == tbs.issuer,
            basic_ca,
            ski,
            computed_ski: ski_method1(&spki.subject_public_key),
            not_before: unix(&tbs.validity.not_before),
            not_after: unix(&tbs.validity.not_after),
            hash: hash_of(&cert.signature_algorithm.oid),
            key_type,
            rsa_bits,
            client_auth,
        })
    }

    fn is_ca(&self) -> bool {
        self.basic_ca == Some(true) || (self.basic_ca.is_none() && self.self_issued)
    }

    /// The SKI the module sees: the extension if present, else RFC 5280 method 1.
    fn effective_ski(&self) -> &[u8] {
        self.ski.as_deref().unwrap_or(&self.computed_ski)
    }
}

fn unix(t: &x509_cert::time::Time) -> i64 {
    i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

/// RFC 5280 4.2.1.2 method 1: SHA-1 of the BIT STRING subjectPublicKey (without tag, length
/// and unused-bits byte). OpenSSL computes the same when it adds the extension.
pub fn ski_method1(subject_public_key: &BitString) -> Vec<u8> {
    Sha1::digest(subject_public_key.raw_bytes()).to_vec()
}

/// Lowercase hex, no separators: the form SPWF04 expects in `<ski>.ca` [seed].
pub fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The Subject Key Identifier of a DER certificate as the module sees it (the extension, or
/// RFC 5280 method 1 when the extension is absent).
pub fn subject_key_id(cert_der: &[u8]) -> Option<Vec<u8>> {
    CertFacts::parse(cert_der).map(|c| c.effective_ski().to_vec())
}

fn fmt_time(t: i64) -> String {
    u64::try_from(t)
        .ok()
        .and_then(|s| der::DateTime::from_unix_duration(core::time::Duration::from_secs(s)).ok())
        .map(|d| d.to_string())
        .unwrap_or_else(|| format!("unix time {t}"))
}

/// A private key, decoded and normalised: the type, size and both encodings we may send.
#[derive(Clone, Debug)]
struct KeyFacts {
    key_type: KeyType,
    rsa_bits: u32,
    /// PKCS#1 (RSA) or SEC1 with the named curve (EC).
    traditional: Vec<u8>,
    pkcs8: Vec<u8>,
}

impl KeyFacts {
    fn parse(der: &[u8], encoding: KeyEncoding) -> Option<Self> {
        match encoding {
            KeyEncoding::Pkcs8 => {
                let info = pkcs8::PrivateKeyInfo::from_der(der).ok()?;
                if info.algorithm.oid == oids::RSA {
                    let key = pkcs1::RsaPrivateKey::from_der(info.private_key).ok()?;
                    return Some(Self {
                        key_type: KeyType::Rsa,
                        rsa_bits: rsa_bits(key.modulus.as_bytes()),
                        traditional: info.private_key.to_vec(),
                        pkcs8: der.to_vec(),
                    });
                }
                if info.algorithm.oid == oids::EC {
                    let curve = info.algorithm.parameters_oid().ok();
                    let inner = sec1::EcPrivateKey::from_der(info.private_key).ok()?;
                    let with_curve = sec1::EcPrivateKey {
                        private_key: inner.private_key,
                        parameters: curve.map(sec1::EcParameters::NamedCurve),
                        public_key: inner.public_key,
                    };
                    return Some(Self {
                        key_type: curve_type(curve),
                        rsa_bits: 0,
                        traditional: with_curve.to_der().ok()?,
                        pkcs8: der.to_vec(),
                    });
                }
                Some(Self {
                    key_type: KeyType::Other,
                    rsa_bits: 0,
                    traditional: Vec::new(),
                    pkcs8: der.to_vec(),
                })
            }
            KeyEncoding::Pkcs1 => {
                let key = pkcs1::RsaPrivateKey::from_der(der).ok()?;
                let info = pkcs8::PrivateKeyInfo::new(
                    spki::AlgorithmIdentifierRef {
                        oid: oids::RSA,
                        parameters: Some(der::asn1::AnyRef::NULL),
                    },
                    der,
                );
                Some(Self {
                    key_type: KeyType::Rsa,
                    rsa_bits: rsa_bits(key.modulus.as_bytes()),
                    traditional: der.to_vec(),
                    pkcs8: info.to_der().ok()?,
                })
            }
            KeyEncoding::Sec1 => {
                let key = sec1::EcPrivateKey::from_der(der).ok()?;
                let curve = key.parameters.and_then(|p| p.named_curve());
                let curve_any = curve.as_ref().map(der::asn1::AnyRef::from);
                // PKCS#8 carries the curve in the algorithm; RFC 5915 says to drop it inside.
                let inner = sec1::EcPrivateKey {
                    private_key: key.private_key,
                    parameters: None,
                    public_key: key.public_key,
                }
                .to_der()
                .ok()?;
                let pkcs8 = pkcs8::PrivateKeyInfo::new(
                    spki::AlgorithmIdentifierRef {
                        oid: oids::EC,
                        parameters: curve_any,
                    },
                    &inner,
                )
                .to_der()
                .ok()?;
                Some(Self {
                    key_type: curve_type(curve),
                    rsa_bits: 0,
                    traditional: der.to_vec(),
                    pkcs8,
                })
            }
        }
    }

    fn encoded(&self, encoding: KeyEncoding) -> Option<(&[u8], &'static str)> {
        match (encoding, self.key_type) {
            (KeyEncoding::Pkcs8, _) => Some((&self.pkcs8, "PRIVATE KEY")),
            (KeyEncoding::Pkcs1, KeyType::Rsa) => Some((&self.traditional, "RSA PRIVATE KEY")),
            (KeyEncoding::Sec1, KeyType::EcP256 | KeyType::EcP384 | KeyType::EcP521) => {
                Some((&self.traditional, "EC PRIVATE KEY"))
            }
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The lint
// ---------------------------------------------------------------------------------------

/// Lints a credential given as the user's bytes (PEM text or DER).
pub fn lint(
    rules: &CredentialRules,
    role: Role,
    input: &[u8],
    ctx: &LintContext<'_>,
) -> LintReport {
    match decode(input) {
        Ok((items, shape)) => lint_items(rules, role, input, &items, &shape, ctx),
        Err(e) => LintReport {
            family: rules.family,
            role,
            findings: vec![Finding {
                check: Check::Unreadable,
                severity: Severity::Error,
                module_would: format!("reject the {role}: {e}"),
                why: "nothing decodable in the input".into(),
                fix: None,
                user_action: Some(e.to_string()),
            }],
            output: None,
        },
    }
}

/// Lints decoded items. `original` is the user's bytes (for sizes in messages).
pub fn lint_items(
    rules: &CredentialRules,
    role: Role,
    original: &[u8],
    items: &[Item],
    shape: &TextShape,
    ctx: &LintContext<'_>,
) -> LintReport {
    let mut l = Linter {
        rules,
        role,
        rr: rules.role(role),
        findings: Vec::new(),
        ctx,
    };
    let output = l.run(original, items, shape);
    LintReport {
        family: rules.family,
        role,
        findings: l.findings,
        output,
    }
}

struct Linter<'r, 'c> {
    rules: &'r CredentialRules,
    role: Role,
    rr: &'r RoleRules,
    findings: Vec<Finding>,
    ctx: &'c LintContext<'c>,
}

/// What will be encoded for sending.
enum Payload {
    Certs(Vec<CertFacts>),
    Key { der: Vec<u8>, label: &'static str },
}

impl Linter<'_, '_> {
    fn push(
        &mut self,
        check: Check,
        severity: Severity,
        module_would: impl Into<String>,
        why: impl Into<String>,
        fix: Option<String>,
        user_action: Option<String>,
    ) {
        self.findings.push(Finding {
            check,
            severity,
            module_would: module_would.into(),
            why: why.into(),
            fix,
            user_action,
        });
    }

    fn run(&mut self, original: &[u8], items: &[Item], shape: &TextShape) -> Option<Output> {
        if self.role != Role::Ca {
            self.check_mutual();
        }
        let payload = match self.role {
            Role::Ca => self.pick_ca(items)?,
            Role::ClientCert => self.pick_client_cert(items)?,
            Role::ClientKey => self.pick_key(items)?,
        };
        if let Payload::Certs(certs) = &payload {
            for cert in certs {
                self.check_cert(cert);
            }
        }
        self.check_format(shape);
        let (bytes, encoding) = self.encode(&payload)?;
        self.check_size(original, &bytes);
        let destination = self.destination(&payload, encoding);
        Some(Output {
            bytes,
            encoding,
            storage: self.rr.storage.value,
            destination,
        })
    }

    fn check_mutual(&mut self) {
        let rule = self.rules.mutual_tls;
        let (severity, what) = match rule.value {
            Support::Supported => return,
            Support::FirmwareDependent => (
                Severity::Warning,
                "ignore or refuse the client certificate: client authentication is missing on some firmware",
            ),
            Support::Unsupported => (
                rule.breach(),
                "have no way to present a client certificate: it has no mutual TLS",
            ),
        };
        self.push(
            Check::MutualTls,
            severity,
            what,
            rule.cite(),
            None,
            Some(
                "authenticate the device another way (e.g. MQTT user name and password), or \
                 use a module with mutual TLS"
                    .into(),
            ),
        );
    }

    fn certs_of(&mut self, items: &[Item]) -> Vec<CertFacts> {
        let mut certs = Vec::new();
        let mut dropped = Vec::new();
        for item in items {
            match item {
                Item::Certificate(der) => match CertFacts::parse(der) {
                    Some(c) => certs.push(c),
                    None => dropped.push("an undecodable certificate".to_owned()),
                },
                Item::Other { label } => dropped.push(format!("a '{label}' block")),
                _ => dropped.push("a private key".to_owned()),
            }
        }
        if !dropped.is_empty() {
            let sev = if dropped.iter().any(|d| d == "a private key") {
                Severity::Warning
            } else {
                Severity::Info
            };
            self.push(
                Check::WrongContent,
                sev,
                format!(
                    "see {} in the {} file, which does not belong there",
                    dropped.join(", "),
                    self.role
                ),
                "each credential is stored on its own",
                Some("removed them".into()),
                None,
            );
        }
        certs
    }

    fn pick_ca(&mut self, items: &[Item]) -> Option<Payload> {
        let certs = self.certs_of(items);
        let Some(first) = certs.first() else {
            self.no_cert();
            return None;
        };
        let choice = self.rules.ca_choice;
        let cas: Vec<&CertFacts> = certs.iter().filter(|c| c.is_ca()).collect();
        let roots: Vec<&CertFacts> = cas.iter().copied().filter(|c| c.self_issued).collect();
        if cas.is_empty() {
            let leaf = first;
            self.push(
                Check::NotCa,
                Severity::Error,
                format!(
                    "fail every handshake: '{}' is a server or device certificate, not a CA; \
                     the module needs the CA that issued the server's certificate",
                    leaf.subject
                ),
                format!("the CA slot holds a trust anchor; {}", choice.cite()),
                None,
                Some(format!(
                    "get the root CA certificate of '{}' (from the CA's site, or the last \
                     certificate of `openssl s_client -showcerts`) and give that instead",
                    leaf.issuer
                )),
            );
            return Some(Payload::Certs(vec![leaf.clone()]));
        }
        let bundle_ok = self.rr.bundle.value && self.rr.send_as == Encoding::Pem;
        let chosen: Vec<CertFacts> = match (choice.value, roots.first()) {
            (CaChoice::Root, Some(root)) => vec![(*root).clone()],
            (CaChoice::AnyCa, _) if bundle_ok => cas.iter().map(|c| (*c).clone()).collect(),
            (CaChoice::AnyCa, Some(root)) => vec![(*root).clone()],
            (_, _) => {
                let top = cas.last().copied().unwrap_or(first);
                let severity = if choice.value == CaChoice::Root {
                    Severity::Warning
                } else {
                    Severity::Info
                };
                self.push(
                    Check::NotRoot,
                    severity,
                    format!(
                        "get an intermediate CA ('{}', issued by '{}') where it expects the root",
                        top.subject, top.issuer
                    ),
                    choice.cite(),
                    None,
                    Some(format!(
                        "give the self-signed root certificate of '{}' if the handshake fails",
                        top.issuer
                    )),
                );
                vec![top.clone()]
            }
        };
        if chosen.len() != certs.len() {
            let kept: Vec<&str> = chosen.iter().map(|c| c.subject.as_str()).collect();
            let why = if bundle_ok {
                format!(
                    "only CA certificates belong in the CA file; {}",
                    choice.cite()
                )
            } else if choice.value == CaChoice::Root {
                format!(
                    "the CA slot holds one certificate, the root; {}",
                    choice.cite()
                )
            } else {
                format!(
                    "the CA slot holds one certificate; {}",
                    self.rr.bundle.cite()
                )
            };
            self.push(
                Check::ChainTrimmed,
                Severity::Warning,
                format!(
                    "receive {} certificates where it stores {}",
                    certs.len(),
                    if bundle_ok {
                        "CA certificates only"
                    } else {
                        "one"
                    }
                ),
                why,
                Some(format!("kept {}", kept.join(", "))),
                None,
            );
        }
        Some(Payload::Certs(chosen))
    }

    fn no_cert(&mut self) {
        self.push(
            Check::WrongContent,
            Severity::Error,
            format!("get no certificate where it needs the {}", self.role),
            "the input holds no certificate",
            None,
            Some("give the certificate file (BEGIN CERTIFICATE, or DER)".into()),
        );
    }

    fn pick_client_cert(&mut self, items: &[Item]) -> Option<Payload> {
        let certs = self.certs_of(items);
        if certs.is_empty() {
            self.no_cert();
            return None;
        }
        let leaf = certs.iter().find(|c| !c.is_ca()).or(certs.first())?.clone();
        if leaf.is_ca() {
            self.push(
                Check::LeafNotFound,
                Severity::Warning,
                format!(
                    "present '{}' as its own certificate, but it is a CA certificate",
                    leaf.subject
                ),
                "a client certificate is the device's end-entity certificate",
                None,
                Some("give the device certificate issued for this module".into()),
            );
        }
        if leaf.client_auth == Some(false) {
            self.push(
                Check::ClientAuthUsage,
                Severity::Warning,
                format!(
                    "present '{}', whose extended key usage does not allow client \
                     authentication; servers that check it refuse the handshake",
                    leaf.subject
                ),
                "RFC 5280 4.2.1.12: id-kp-clientAuth",
                None,
                Some("issue the certificate with extendedKeyUsage = clientAuth".into()),
            );
        }
        if certs.len() > 1 {
            if self.rr.bundle.value && self.rr.send_as == Encoding::Pem {
                // The device certificate first, then the CAs that issued it.
                let mut chain = vec![leaf.clone()];
                chain.extend(certs.iter().filter(|c| c.der != leaf.der).cloned());
                return Some(Payload::Certs(chain));
            }
            self.push(
                Check::ChainTrimmed,
                Severity::Warning,
                format!("receive {} certificates where it stores one", certs.len()),
                self.rr.bundle.cite(),
                Some(format!("kept the device certificate '{}'", leaf.subject)),
                None,
            );
        }
        Some(Payload::Certs(vec![leaf]))
    }

    fn pick_key(&mut self, items: &[Item]) -> Option<Payload> {
        let mut key: Option<(Vec<u8>, KeyEncoding)> = None;
        let others = items
            .iter()
            .filter(|i| matches!(i, Item::Certificate(_) | Item::Other { .. }))
            .count();
        if others > 0 {
            self.push(
                Check::WrongContent,
                Severity::Info,
                format!("see {others} certificate or other block(s) in the key file"),
                "each credential is stored on its own",
                Some("removed them".into()),
                None,
            );
        }
        for item in items {
            match item {
                Item::PrivateKey { der, encoding } if key.is_none() => {
                    key = Some((der.clone(), *encoding));
                }
                Item::EncryptedKey(der) if key.is_none() => {
                    key = Some(self.decrypt(der)?);
                }
                Item::LegacyEncryptedKey { label } => {
                    self.push(
                        Check::Encrypted,
                        Severity::Error,
                        format!("fail to parse the encrypted '{label}' block"),
                        "OpenSSL's traditional key encryption (Proc-Type: 4,ENCRYPTED) is not \
                         supported here, and modules store keys unencrypted",
                        None,
                        Some(
                            "decrypt it first: `openssl pkey -in key.pem -out key-plain.pem` \
                             (it asks for the password)"
                                .into(),
                        ),
                    );
                    return None;
                }
                _ => {}
            }
        }
        let Some((der, encoding)) = key else {
            self.push(
                Check::WrongContent,
                Severity::Error,
                "get no private key where it needs the client key",
                "the input holds no private key",
                None,
                Some("give the private key file (BEGIN ... PRIVATE KEY, or DER)".into()),
            );
            return None;
        };
        let Some(facts) = KeyFacts::parse(&der, encoding) else {
            self.push(
                Check::Unreadable,
                Severity::Error,
                "fail to parse the key",
                format!("the {encoding} structure does not decode"),
                None,
                Some("re-export the key with `openssl pkey`".into()),
            );
            return None;
        };
        self.check_key_type(facts.key_type, facts.rsa_bits, "key");
        let accepted = self.rr.key_encodings;
        if facts.key_type != KeyType::Other && !accepted.value.contains(&encoding) {
            // Convert to the first accepted encoding that fits this key type.
            if let Some((der, label, target)) = accepted
                .value
                .iter()
                .find_map(|e| facts.encoded(*e).map(|(d, l)| (d.to_vec(), l, *e)))
            {
                self.push(
                    Check::KeyEncoding,
                    accepted.breach(),
                    format!("reject a {encoding} key"),
                    format!(
                        "it accepts {}; {}",
                        list(accepted.value.iter()),
                        accepted.cite()
                    ),
                    Some(format!("converted to {target}")),
                    None,
                );
                return Some(Payload::Key { der, label });
            }
        }
        let target = if accepted.value.contains(&encoding) {
            encoding
        } else {
            KeyEncoding::Pkcs8
        };
        let (der, label) = facts.encoded(target).map(|(d, l)| (d.to_vec(), l))?;
        Some(Payload::Key { der, label })
    }

    fn decrypt(&mut self, der: &[u8]) -> Option<(Vec<u8>, KeyEncoding)> {
        let rule = self.rr.encrypted_key;
        let Some(password) = self.ctx.password else {
            self.push(
                Check::Encrypted,
                Severity::Error,
                "get an encrypted key it cannot use",
                format!("the key is password-protected (PKCS#8); {}", rule.cite()),
                None,
                Some("give the key's password (--password), or decrypt it with `openssl pkey -in key.pem -out key-plain.pem`".into()),
            );
            return None;
        };
        let decrypted = pkcs8::EncryptedPrivateKeyInfo::from_der(der)
            .ok()
            .and_then(|info| info.decrypt(password).ok());
        match decrypted {
            Some(doc) => {
                self.push(
                    Check::Encrypted,
                    Severity::Info,
                    "store only unencrypted keys",
                    rule.cite(),
                    Some("decrypted the key with the given password".into()),
                    None,
                );
                Some((doc.as_bytes().to_vec(), KeyEncoding::Pkcs8))
            }
            None => {
                self.push(
                    Check::Encrypted,
                    Severity::Error,
                    "get an encrypted key atcert could not decrypt",
                    "wrong password, or an encryption scheme other than PBES2 (PBKDF2 or scrypt with AES-CBC)",
                    None,
                    Some("check the password, or decrypt with `openssl pkey -in key.pem -out key-plain.pem`".into()),
                );
                None
            }
        }
    }

    fn check_key_type(&mut self, key_type: KeyType, bits: u32, what: &str) {
        let types = self.rr.key_types;
        if !types.value.contains(&key_type) {
            let suggestion = if types.value.contains(&KeyType::Rsa) {
                "generate an RSA 2048 key (`openssl genrsa -out key.pem 2048`, or `atcert generate --key rsa2048`)"
            } else {
                "generate an ECDSA P-256 key (`atcert generate --key p256`)"
            };
            self.push(
                Check::KeyType,
                types.breach(),
                format!("reject the {what}: it is {key_type}"),
                format!(
                    "this module supports {} only; {}",
                    list(types.value.iter()),
                    types.cite()
                ),
                None,
                Some(format!(
                    "{suggestion}{}",
                    if self.role == Role::Ca {
                        " and a CA that uses it"
                    } else {
                        " and have its certificate issued"
                    }
                )),
            );
            return;
        }
        let (min, max) = self.rr.rsa_bits.value;
        if key_type == KeyType::Rsa && (bits < min || bits > max) {
            self.push(
                Check::KeySize,
                self.rr.rsa_bits.breach(),
                format!("reject an RSA {bits}-bit {what}"),
                format!(
                    "it takes RSA keys of {min} to {max} bits; {}",
                    self.rr.rsa_bits.cite()
                ),
                None,
                Some(format!(
                    "use an RSA {} key",
                    if bits > max { max } else { 2048.max(min) }
                )),
            );
        }
    }

    fn check_cert(&mut self, cert: &CertFacts) {
        self.check_key_type(cert.key_type, cert.rsa_bits, "certificate key");
        if let Some(hashes) = self.rr.signature_hashes
            && !hashes.value.contains(&cert.hash)
        {
            self.push(
                Check::SignatureHash,
                hashes.breach(),
                format!("reject '{}', signed with {}", cert.subject, cert.hash),
                format!(
                    "it verifies {} signatures only; {}",
                    list(hashes.value.iter()),
                    hashes.cite()
                ),
                None,
                Some(format!(
                    "use a certificate signed with {}",
                    list(hashes.value.iter())
                )),
            );
        }
        self.check_dates(cert);
    }

    fn check_dates(&mut self, cert: &CertFacts) {
        let clock = self.rules.clock;
        let range = format!(
            "valid {} to {}",
            fmt_time(cert.not_before),
            fmt_time(cert.not_after)
        );
        // The CA is checked by the module, against its clock; the client certificate by the
        // server, which rejects an expired one whatever the module does.
        let (sev, why) = if self.role == Role::Ca {
            let sev = if clock.value == ClockCheck::Always {
                clock.breach()
            } else {
                Severity::Warning
            };
            (
                sev,
                format!("{range}; the module checks dates: {}", clock.cite()),
            )
        } else {
            (
                Severity::Error,
                format!("{range}; the server checks the client certificate's dates"),
            )
        };
        let module_would = |what: &str| {
            if self.role == Role::Ca {
                format!("reject '{}': {what}", cert.subject)
            } else {
                format!("be refused by the server: '{}' {what}", cert.subject)
            }
        };
        if let Some(now) = self.ctx.now {
            if now > cert.not_after {
                let would = module_would("it expired");
                self.push(
                    Check::Expired,
                    sev,
                    would,
                    why,
                    None,
                    Some("renew the certificate (or get the CA's current root)".into()),
                );
            } else if now < cert.not_before {
                let would = module_would("it is not valid yet");
                self.push(
                    Check::NotYetValid,
                    sev,
                    would,
                    why,
                    None,
                    Some("check the issuing machine's clock, or wait".into()),
                );
            }
        }
        if self.role != Role::Ca {
            return;
        }
        match self.ctx.module_clock {
            Some(mc) if mc < cert.not_before || mc > cert.not_after => {
                let how = if mc < cert.not_before {
                    "is before the certificate's start"
                } else {
                    "is after the certificate's end"
                };
                self.push(
                    Check::ModuleClock,
                    sev,
                    format!(
                        "reject '{}' in the handshake: its clock ({}) {how}",
                        cert.subject,
                        fmt_time(mc)
                    ),
                    format!("{range}; {}", clock.cite()),
                    None,
                    Some("set the module clock before connecting (atcert's set_clock flow)".into()),
                );
            }
            None if self.role == Role::Ca && clock.value != ClockCheck::Unknown => {
                self.push(
                    Check::ClockMustBeSet,
                    Severity::Info,
                    "check certificate dates against its own clock",
                    clock.cite(),
                    None,
                    Some(
                        "set the module clock before connecting; an unset clock (1980/2000) \
                         makes every certificate 'not yet valid'"
                            .into(),
                    ),
                );
            }
            _ => {}
        }
    }

    fn check_format(&mut self, shape: &TextShape) {
        let rr = *self.rr;
        if shape.trailing_garbage {
            self.push(
                Check::TrailingGarbage,
                Severity::Warning,
                "store trailing NUL or Ctrl+Z (EOF) bytes with the credential, or end the \
                 data phase early",
                "a C string's NUL, or the EOF some serial terminals add (Telit guide 3.3)",
                Some("removed them".into()),
                None,
            );
        }
        if shape.text_around {
            self.push(
                Check::TextAround,
                Severity::Warning,
                "store or choke on the text around the PEM blocks (e.g. 'Bag Attributes', \
                 'subject=' lines)",
                "modules parse the PEM block only",
                Some("kept the PEM blocks only".into()),
                None,
            );
        }
        let given = if shape.is_pem {
            Encoding::Pem
        } else {
            Encoding::Der
        };
        if given != rr.send_as {
            let accepted = rr.accepted.value.contains(&given);
            self.push(
                Check::Encoding,
                if accepted {
                    Severity::Info
                } else {
                    rr.accepted.breach()
                },
                if accepted {
                    format!("accept {given}, but {} is the safer choice", rr.send_as)
                } else {
                    format!("reject {given}")
                },
                format!(
                    "it takes {}; {}",
                    list(rr.accepted.value.iter()),
                    rr.accepted.cite()
                ),
                Some(format!("converted {given} to {}", rr.send_as)),
                None,
            );
        }
        if rr.send_as != Encoding::Pem || !shape.is_pem {
            return;
        }
        let le = rr.line_endings;
        let wrong = match le.value {
            LineEndings::LfOnly => shape.crlf + shape.lone_cr,
            LineEndings::CrOnly => shape.crlf + shape.lone_lf,
            LineEndings::LfOrCrLf => shape.lone_cr,
        };
        if wrong > 0 {
            let want = match le.value {
                LineEndings::LfOnly => "LF only, no CR",
                LineEndings::CrOnly => "CR only between lines",
                LineEndings::LfOrCrLf => "LF or CRLF",
            };
            self.push(
                Check::LineEndings,
                le.breach(),
                format!("fail to parse the PEM: {wrong} line endings are not {want}"),
                le.cite(),
                Some(format!("rewrote the line endings as {want}")),
                None,
            );
        }
        if shape.odd_line_width {
            self.push(
                Check::LineWidth,
                Severity::Info,
                "possibly fail to parse base64 lines that are not 64 characters wide",
                "RFC 7468 writers wrap at 64; small PEM parsers assume it",
                Some("re-wrapped at 64 characters".into()),
                None,
            );
        }
        if rr.trailing_newline.value == TrailingNewline::Required && !shape.ends_with_newline {
            self.push(
                Check::TrailingNewline,
                rr.trailing_newline.breach(),
                "miss the line ending after the END line",
                rr.trailing_newline.cite(),
                Some("added it".into()),
                None,
            );
        }
    }

    fn encode(&mut self, payload: &Payload) -> Option<(Vec<u8>, Encoding)> {
        let rr = self.rr;
        let eol = rr.line_endings.value.send();
        let pem = |label: &str, der: &[u8]| Some(crate::cert::pem::encode(label, der, eol));
        match (payload, rr.send_as) {
            (Payload::Certs(certs), Encoding::Der) => {
                let cert = certs.first()?;
                Some((cert.der.clone(), Encoding::Der))
            }
            (Payload::Certs(certs), Encoding::Pem) => {
                let mut out = Vec::new();
                for cert in certs {
                    out.extend(pem("CERTIFICATE", &cert.der)?);
                }
                Some((out, Encoding::Pem))
            }
            (Payload::Key { der, .. }, Encoding::Der) => Some((der.clone(), Encoding::Der)),
            (Payload::Key { der, label }, Encoding::Pem) => Some((pem(label, der)?, Encoding::Pem)),
        }
    }

    fn check_size(&mut self, original: &[u8], bytes: &[u8]) {
        let Some(max) = self.rr.max_bytes else { return };
        if bytes.len() > max.value {
            self.push(
                Check::Size,
                max.breach(),
                format!(
                    "reject {} bytes: the limit is {} bytes",
                    bytes.len(),
                    max.value
                ),
                max.cite(),
                None,
                Some(match self.role {
                    Role::Ca => "store the root CA only, or a CA with a smaller (e.g. RSA 2048 or EC P-256) key".into(),
                    _ => "use a smaller key (RSA 2048 or EC P-256) and fewer certificate extensions".into(),
                }),
            );
        } else if original.len() > max.value {
            self.push(
                Check::Size,
                Severity::Info,
                format!(
                    "reject the {} bytes as given (limit {})",
                    original.len(),
                    max.value
                ),
                max.cite(),
                Some(format!("the fixed form is {} bytes", bytes.len())),
                None,
            );
        }
    }

    fn destination(&mut self, payload: &Payload, encoding: Encoding) -> Destination {
        let file = |path: String| Destination::File { path };
        match self.rr.storage.value {
            Storage::File { path } => file(path.to_owned()),
            Storage::FileByEncoding { stem } => file(format!(
                "{stem}.{}",
                if encoding == Encoding::Der {
                    "der"
                } else {
                    "pem"
                }
            )),
            Storage::SkiFile { prefix, suffix } => {
                let Payload::Certs(certs) = payload else {
                    return file(format!("{prefix}<ski>{suffix}"));
                };
                let Some(cert) = certs.first() else {
                    return file(format!("{prefix}<ski>{suffix}"));
                };
                if cert.ski.is_none() {
                    self.push(
                        Check::SkiComputed,
                        Severity::Info,
                        format!(
                            "find the CA by its Subject Key Identifier, which '{}' lacks; \
                             the name uses the identifier computed as the module does: {}",
                            cert.subject,
                            hex_lower(&cert.computed_ski)
                        ),
                        format!(
                            "{}; RFC 5280 4.2.1.2 method 1 (SHA-1 of the public key), as \
                             OpenSSL computes it",
                            self.rr.storage.cite()
                        ),
                        None,
                        None,
                    );
                }
                file(format!(
                    "{prefix}{}{suffix}",
                    hex_lower(cert.effective_ski())
                ))
            }
            Storage::Slot { ssid, data_type } => Destination::Slot { ssid, data_type },
            Storage::Parameter { name } => Destination::Parameter { name },
        }
    }
}

fn list<T: fmt::Display>(items: impl Iterator<Item = T>) -> String {
    items.map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
}

// ---------------------------------------------------------------------------------------
// A credential set: the three roles together
// ---------------------------------------------------------------------------------------

/// The lint of a whole set, plus what only shows across roles.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct SetReport {
    pub ca: Option<LintReport>,
    pub client_cert: Option<LintReport>,
    pub client_key: Option<LintReport>,
    /// Findings about the set: key and certificate belong together, both are present.
    pub findings: Vec<Finding>,
}

impl SetReport {
    /// True when every part and the set itself would be accepted.
    pub fn is_ok(&self) -> bool {
        [&self.ca, &self.client_cert, &self.client_key]
            .into_iter()
            .flatten()
            .all(LintReport::is_ok)
            && !self.findings.iter().any(Finding::is_blocking)
    }
}

/// Lints the credentials a module will hold together (any may be absent: a CA alone is
/// server authentication).
pub fn lint_set(
    rules: &CredentialRules,
    ca: Option<&[u8]>,
    client_cert: Option<&[u8]>,
    client_key: Option<&[u8]>,
    ctx: &LintContext<'_>,
) -> SetReport {
    let run = |role, input: Option<&[u8]>| input.map(|i| lint(rules, role, i, ctx));
    let mut report = SetReport {
        ca: run(Role::Ca, ca),
        client_cert: run(Role::ClientCert, client_cert),
        client_key: run(Role::ClientKey, client_key),
        findings: Vec::new(),
    };
    let sent = |r: &Option<LintReport>| {
        r.as_ref()
            .and_then(|r| r.output.as_ref())
            .map(|o| (o.bytes.clone(), o.encoding))
    };
    match (sent(&report.client_cert), sent(&report.client_key)) {
        (Some(cert), Some(key)) => {
            let cert_key = first_item(&cert.0).and_then(|i| match i {
                Item::Certificate(der) => Certificate::from_der(&der)
                    .ok()
                    .map(|c| c.tbs_certificate.subject_public_key_info),
                _ => None,
            });
            let key_pub = first_item(&key.0).and_then(|i| match i {
                Item::PrivateKey { der, encoding } => public_of(&der, encoding),
                _ => None,
            });
            if let (Some(spki), Some(public)) = (cert_key, key_pub)
                && spki.subject_public_key.raw_bytes() != public.as_slice()
            {
                report.findings.push(Finding {
                    check: Check::KeyMismatch,
                    severity: Severity::Error,
                    module_would: "fail the handshake: the client key is not the key of the \
                                   client certificate"
                        .into(),
                    why: "the certificate's public key differs from the key's".into(),
                    fix: None,
                    user_action: Some(
                        "give the private key made with this certificate's request \
                         (compare `openssl x509 -noout -pubkey` with `openssl pkey -pubout`)"
                            .into(),
                    ),
                });
            }
        }
        (Some(_), None) | (None, Some(_)) => report.findings.push(Finding {
            check: Check::Incomplete,
            severity: Severity::Error,
            module_would: "be unable to authenticate: mutual TLS needs both the client \
                           certificate and its key"
                .into(),
            why: "a client certificate is proven by its private key".into(),
            fix: None,
            user_action: Some("give the missing client certificate or key".into()),
        }),
        (None, None) => {}
    }
    report
}

/// The first item of bytes atcert produced (PEM with any line ending, or DER).
fn first_item(bytes: &[u8]) -> Option<Item> {
    decode(bytes).ok()?.0.into_iter().next()
}

/// The public key bits of a private key, as they appear in a certificate's SPKI.
fn public_of(der: &[u8], encoding: KeyEncoding) -> Option<Vec<u8>> {
    let facts = KeyFacts::parse(der, encoding)?;
    match facts.key_type {
        KeyType::Rsa => {
            let key = pkcs1::RsaPrivateKey::from_der(&facts.traditional).ok()?;
            pkcs1::RsaPublicKey {
                modulus: key.modulus,
                public_exponent: key.public_exponent,
            }
            .to_der()
            .ok()
        }
        KeyType::EcP256 => {
            let key = sec1::EcPrivateKey::from_der(&facts.traditional).ok()?;
            match key.public_key {
                Some(point) => Some(point.to_vec()),
                None => {
                    let secret = p256::SecretKey::from_slice(key.private_key).ok()?;
                    Some(secret.public_key().to_sec1_bytes().to_vec())
                }
            }
        }
        _ => {
            let key = sec1::EcPrivateKey::from_der(&facts.traditional).ok()?;
            key.public_key.map(<[u8]>::to_vec)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_are_counted_separately() {
        let mut shape = TextShape::default();
        count_line_endings(b"a\r\nb\nc\rd\r\n", &mut shape);
        assert_eq!((shape.crlf, shape.lone_lf, shape.lone_cr), (2, 1, 1));
    }

    #[test]
    fn garbage_input_is_an_error_not_a_panic() {
        for input in [
            &b""[..],
            b"\0\x1a",
            b"hello",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n",
            b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
            b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
            &[0x30, 0x82, 0xff, 0xff, 0x01],
        ] {
            assert!(decode(input).is_err(), "{input:?}");
        }
    }

    #[test]
    fn der_ending_in_a_zero_byte_is_not_trimmed() {
        use p256::pkcs8::EncodePrivateKey;
        // Find a key whose PKCS#8 DER ends in 0x00 (about 1 in 256).
        let der = (1u16..4000)
            .find_map(|i| {
                let mut scalar = [7u8; 32];
                scalar[30..].copy_from_slice(&i.to_be_bytes());
                let key = p256::SecretKey::from_slice(&scalar).ok()?;
                let der = key.to_pkcs8_der().ok()?.as_bytes().to_vec();
                (der.last() == Some(&0)).then_some(der)
            })
            .expect("a key ending in 0x00");
        let (items, shape) = decode(&der).unwrap();
        assert_eq!(
            items,
            vec![Item::PrivateKey {
                der: der.clone(),
                encoding: KeyEncoding::Pkcs8
            }]
        );
        assert!(!shape.trailing_garbage);
        // With a real trailing NUL and Ctrl+Z: the same key, garbage noted.
        let mut padded = der.clone();
        padded.extend([0, 0x1a]);
        let (items2, shape2) = decode(&padded).unwrap();
        assert_eq!(items2, items);
        assert!(shape2.trailing_garbage);
        // Other trailing bytes are not a credential.
        padded.push(b'x');
        assert!(decode(&padded).is_err());
    }

    #[test]
    fn rsa_bit_length_ignores_leading_zero() {
        assert_eq!(rsa_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(rsa_bits(&[0x01]), 1);
        assert_eq!(rsa_bits(&[]), 0);
    }
}
