//! The rule types: what a family accepts, each fact tagged with its evidence. The values per
//! family live with the module drivers (`modules::rules`).

use core::fmt;

use super::findings::Severity;

pub use crate::cert::keys::KeyEncoding;
pub use crate::cert::parse::{HashAlg, KeyType};

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
    pub(super) fn cite(&self) -> String {
        format!("{} {}", self.tag, self.source)
    }
    /// What breaking this rule means: confirmed and secondary facts are rejections,
    /// inferred ones are likely problems only.
    pub(super) fn breach(&self) -> Severity {
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
pub enum AcceptedLineEndings {
    /// LF only; a CR breaks the parse (Telit legacy).
    LfOnly,
    /// CR only between lines (iChip multi-line AT parameters).
    CrOnly,
    /// Stored verbatim and parsed leniently: LF or CRLF.
    LfOrCrLf,
}

impl AcceptedLineEndings {
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
    pub line_endings: Rule<AcceptedLineEndings>,
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
