//! The checks of one credential against one role's rules: pick what belongs, check it, fix
//! what can be fixed, encode it and say where it goes.

use core::fmt;

use const_oid::db::rfc5912;
use der::{Decode, Encode};

use super::LintContext;
use super::findings::{Cited, Destination, Finding, FindingKind, Output, Severity};
use super::input::{Piece, TextShape};
use super::rules::{
    AcceptedLineEndings, CaChoice, ClockCheck, CredentialRules, Encoding, KeyEncoding, KeyType,
    Role, RoleRules, Rule, Storage, Support, TrailingNewline,
};
use crate::cert::error::ParseError;
use crate::cert::parse::Cert;
use crate::cert::parse::cert::rsa_bits;

pub(super) struct Linter<'r, 'c> {
    pub(super) rules: &'r CredentialRules,
    pub(super) role: Role,
    pub(super) rr: &'r RoleRules,
    pub(super) findings: Vec<Finding>,
    pub(super) ctx: &'c LintContext<'c>,
    /// The rules cited since the last finding: they become its sources.
    pub(super) cited: core::cell::RefCell<Vec<Cited>>,
}

/// What will be encoded for sending.
enum Payload {
    Certs(Vec<Cert>),
    Key {
        der: Vec<u8>,
        label: &'static str,
        encoding: KeyEncoding,
    },
}

impl Linter<'_, '_> {
    fn push(
        &mut self,
        check: FindingKind,
        severity: Severity,
        module_would: impl Into<String>,
        why: impl Into<String>,
        fix: Option<String>,
        user_action: Option<String>,
    ) {
        let mut finding = Finding::new(check, severity, module_would, why, fix, user_action);
        // A rule cited for text that was not used (a branch that reported nothing) is not
        // this finding's source.
        finding.sources = self
            .cited
            .take()
            .into_iter()
            .filter(|c| {
                [&finding.why, &finding.module_would]
                    .iter()
                    .any(|t| t.contains(c.source))
            })
            .collect();
        self.findings.push(finding);
    }

    /// Cites a rule in a finding's text, and keeps its tag and source as data for the finding.
    fn cite<T>(&self, rule: Rule<T>) -> String {
        self.cited.borrow_mut().push(Cited {
            tag: rule.tag,
            source: rule.source,
        });
        rule.cite()
    }

    pub(super) fn run(
        &mut self,
        original: &[u8],
        items: &[Piece],
        shape: &TextShape,
    ) -> Option<Output> {
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
        let public_key = match &payload {
            Payload::Certs(certs) => certs.first().and_then(|c| {
                let spki = c
                    .x509
                    .tbs_certificate
                    .subject_public_key_info
                    .to_der()
                    .ok()?;
                crate::cert::keys::public_id_from_spki(&spki)
            }),
            Payload::Key { der, encoding, .. } => {
                crate::cert::keys::PrivateKey::from_der(der, *encoding)
                    .ok()
                    .and_then(|k| k.public_id())
            }
        };
        Some(Output {
            bytes,
            encoding,
            storage: self.rr.storage.value,
            destination,
            public_key,
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
            FindingKind::MutualTls,
            severity,
            what,
            self.cite(rule),
            None,
            Some(
                "authenticate the device another way (e.g. MQTT user name and password), or \
                 use a module with mutual TLS"
                    .into(),
            ),
        );
    }

    fn certs_of(&mut self, items: &[Piece]) -> Vec<Cert> {
        let mut certs = Vec::new();
        let mut dropped = Vec::new();
        for item in items {
            match item {
                Piece::Certificate(c) => certs.push((**c).clone()),
                Piece::Other { label } => dropped.push(format!("a '{label}' block")),
                Piece::Key { .. } | Piece::LockedKey(_) => dropped.push("a private key".to_owned()),
            }
        }
        if !dropped.is_empty() {
            let sev = if dropped.iter().any(|d| d == "a private key") {
                Severity::Warning
            } else {
                Severity::Info
            };
            self.push(
                FindingKind::WrongContent,
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

    fn pick_ca(&mut self, items: &[Piece]) -> Option<Payload> {
        let certs = self.certs_of(items);
        let Some(first) = certs.first() else {
            self.no_cert();
            return None;
        };
        let choice = self.rules.ca_choice;
        let cas: Vec<&Cert> = certs.iter().filter(|c| c.is_ca()).collect();
        let roots: Vec<&Cert> = cas.iter().copied().filter(|c| c.self_issued).collect();
        if cas.is_empty() {
            let leaf = first;
            self.push(
                FindingKind::NotCa,
                Severity::Error,
                format!(
                    "fail every handshake: '{}' is a server or device certificate, not a CA; \
                     the module needs the CA that issued the server's certificate",
                    leaf.subject
                ),
                format!("the CA slot holds a trust anchor; {}", self.cite(choice)),
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
        let chosen: Vec<Cert> = match (choice.value, roots.first()) {
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
                    FindingKind::NotRoot,
                    severity,
                    format!(
                        "get an intermediate CA ('{}', issued by '{}') where it expects the root",
                        top.subject, top.issuer
                    ),
                    self.cite(choice),
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
                    self.cite(choice)
                )
            } else if choice.value == CaChoice::Root {
                format!(
                    "the CA slot holds one certificate, the root; {}",
                    self.cite(choice)
                )
            } else {
                format!(
                    "the CA slot holds one certificate; {}",
                    self.cite(self.rr.bundle)
                )
            };
            self.push(
                FindingKind::ChainTrimmed,
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
            FindingKind::WrongContent,
            Severity::Error,
            format!("get no certificate where it needs the {}", self.role),
            "the input holds no certificate",
            None,
            Some("give the certificate file (BEGIN CERTIFICATE, or DER)".into()),
        );
    }

    fn pick_client_cert(&mut self, items: &[Piece]) -> Option<Payload> {
        let certs = self.certs_of(items);
        if certs.is_empty() {
            self.no_cert();
            return None;
        }
        let leaf = certs.iter().find(|c| !c.is_ca()).or(certs.first())?.clone();
        if leaf.is_ca() {
            self.push(
                FindingKind::LeafNotFound,
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
        if leaf.client_auth() == Some(false) {
            self.push(
                FindingKind::ClientAuthUsage,
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
                FindingKind::ChainTrimmed,
                Severity::Warning,
                format!("receive {} certificates where it stores one", certs.len()),
                self.cite(self.rr.bundle),
                Some(format!("kept the device certificate '{}'", leaf.subject)),
                None,
            );
        }
        Some(Payload::Certs(vec![leaf]))
    }

    fn pick_key(&mut self, items: &[Piece]) -> Option<Payload> {
        let others = items
            .iter()
            .filter(|i| matches!(i, Piece::Certificate(_) | Piece::Other { .. }))
            .count();
        if others > 0 {
            self.push(
                FindingKind::WrongContent,
                Severity::Info,
                format!("see {others} certificate or other block(s) in the key file"),
                "each credential is stored on its own",
                Some("removed them".into()),
                None,
            );
        }
        let mut key: Option<(Vec<u8>, KeyEncoding)> = None;
        for item in items {
            match item {
                Piece::Key {
                    der,
                    encoding,
                    was_encrypted,
                } if key.is_none() => {
                    if *was_encrypted {
                        self.push(
                            FindingKind::Encrypted,
                            Severity::Info,
                            "store only unencrypted keys",
                            self.cite(self.rr.encrypted_key),
                            Some("decrypted the key with the given password".into()),
                            None,
                        );
                    }
                    key = Some((der.clone(), *encoding));
                }
                Piece::LockedKey(error) if key.is_none() => {
                    self.locked(error);
                    return None;
                }
                _ => {}
            }
        }
        let Some((der, encoding)) = key else {
            self.push(
                FindingKind::WrongContent,
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
                FindingKind::Unreadable,
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
                    FindingKind::KeyEncoding,
                    accepted.breach(),
                    format!("reject a {encoding} key"),
                    format!(
                        "it accepts {}; {}",
                        list(accepted.value.iter()),
                        self.cite(accepted)
                    ),
                    Some(format!("converted to {target}")),
                    None,
                );
                return Some(Payload::Key {
                    der,
                    label,
                    encoding: target,
                });
            }
        }
        let target = if accepted.value.contains(&encoding) {
            encoding
        } else {
            KeyEncoding::Pkcs8
        };
        let (der, label) = facts.encoded(target).map(|(d, l)| (d.to_vec(), l))?;
        Some(Payload::Key {
            der,
            label,
            encoding: target,
        })
    }

    /// An encrypted key the parser could not open.
    fn locked(&mut self, error: &ParseError) {
        let rule = self.rr.encrypted_key;
        if matches!(error, ParseError::NeedsPassphrase { .. }) {
            self.push(
                FindingKind::Encrypted,
                Severity::Error,
                "get an encrypted key it cannot use",
                format!("the key is password-protected; {}", self.cite(rule)),
                None,
                Some("give the key's password (--password), or decrypt it with `openssl pkey -in key.pem -out key-plain.pem`".into()),
            );
            return;
        }
        self.push(
            FindingKind::Encrypted,
            Severity::Error,
            "get an encrypted key atcert could not decrypt",
            format!("{error}; {}", self.cite(rule)),
            None,
            Some(
                "check the password, or decrypt with `openssl pkey -in key.pem -out key-plain.pem`"
                    .into(),
            ),
        );
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
                FindingKind::KeyType,
                types.breach(),
                format!("reject the {what}: it is {key_type}"),
                format!(
                    "this module supports {} only; {}",
                    list(types.value.iter()),
                    self.cite(types)
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
                FindingKind::KeySize,
                self.rr.rsa_bits.breach(),
                format!("reject an RSA {bits}-bit {what}"),
                format!(
                    "it takes RSA keys of {min} to {max} bits; {}",
                    self.cite(self.rr.rsa_bits)
                ),
                None,
                Some(format!(
                    "use an RSA {} key",
                    if bits > max { max } else { 2048.max(min) }
                )),
            );
        }
    }

    fn check_cert(&mut self, cert: &Cert) {
        self.check_key_type(cert.key_type, cert.rsa_bits, "certificate key");
        if let Some(hashes) = self.rr.signature_hashes
            && !hashes.value.contains(&cert.signature_hash)
        {
            self.push(
                FindingKind::SignatureHash,
                hashes.breach(),
                format!(
                    "reject '{}', signed with {}",
                    cert.subject, cert.signature_hash
                ),
                format!(
                    "it verifies {} signatures only; {}",
                    list(hashes.value.iter()),
                    self.cite(hashes)
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

    fn check_dates(&mut self, cert: &Cert) {
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
                format!("{range}; the module checks dates: {}", self.cite(clock)),
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
                    FindingKind::Expired,
                    sev,
                    would,
                    why,
                    None,
                    Some("renew the certificate (or get the CA's current root)".into()),
                );
            } else if now < cert.not_before {
                let would = module_would("it is not valid yet");
                self.push(
                    FindingKind::NotYetValid,
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
                    FindingKind::ModuleClock,
                    sev,
                    format!(
                        "reject '{}' in the handshake: its clock ({}) {how}",
                        cert.subject,
                        fmt_time(mc)
                    ),
                    format!("{range}; {}", self.cite(clock)),
                    None,
                    Some("set the module clock before connecting (atcert's set_clock flow)".into()),
                );
            }
            None if self.role == Role::Ca && clock.value != ClockCheck::Unknown => {
                self.push(
                    FindingKind::ClockMustBeSet,
                    Severity::Info,
                    "check certificate dates against its own clock",
                    self.cite(clock),
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
                FindingKind::TrailingGarbage,
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
                FindingKind::TextAround,
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
                FindingKind::Encoding,
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
                    self.cite(rr.accepted)
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
            AcceptedLineEndings::LfOnly => shape.crlf + shape.lone_cr,
            AcceptedLineEndings::CrOnly => shape.crlf + shape.lone_lf,
            AcceptedLineEndings::LfOrCrLf => shape.lone_cr,
        };
        if wrong > 0 {
            let want = match le.value {
                AcceptedLineEndings::LfOnly => "LF only, no CR",
                AcceptedLineEndings::CrOnly => "CR only between lines",
                AcceptedLineEndings::LfOrCrLf => "LF or CRLF",
            };
            self.push(
                FindingKind::LineEndings,
                le.breach(),
                format!("fail to parse the PEM: {wrong} line endings are not {want}"),
                self.cite(le),
                Some(format!("rewrote the line endings as {want}")),
                None,
            );
        }
        if shape.odd_line_width {
            self.push(
                FindingKind::LineWidth,
                Severity::Info,
                "possibly fail to parse base64 lines that are not 64 characters wide",
                "RFC 7468 writers wrap at 64; small PEM parsers assume it",
                Some("re-wrapped at 64 characters".into()),
                None,
            );
        }
        if rr.trailing_newline.value == TrailingNewline::Required && !shape.ends_with_newline {
            self.push(
                FindingKind::TrailingNewline,
                rr.trailing_newline.breach(),
                "miss the line ending after the END line",
                self.cite(rr.trailing_newline),
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
            (Payload::Key { der, label, .. }, Encoding::Pem) => {
                Some((pem(label, der)?, Encoding::Pem))
            }
        }
    }

    fn check_size(&mut self, original: &[u8], bytes: &[u8]) {
        let Some(max) = self.rr.max_bytes else { return };
        if bytes.len() > max.value {
            self.push(
                FindingKind::Size,
                max.breach(),
                format!(
                    "reject {} bytes: the limit is {} bytes",
                    bytes.len(),
                    max.value
                ),
                self.cite(max),
                None,
                Some(match self.role {
                    Role::Ca => "store the root CA only, or a CA with a smaller (e.g. RSA 2048 or EC P-256) key".into(),
                    _ => "use a smaller key (RSA 2048 or EC P-256) and fewer certificate extensions".into(),
                }),
            );
        } else if original.len() > max.value {
            self.push(
                FindingKind::Size,
                Severity::Info,
                format!(
                    "reject the {} bytes as given (limit {})",
                    original.len(),
                    max.value
                ),
                self.cite(max),
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
                        FindingKind::SkiComputed,
                        Severity::Info,
                        format!(
                            "find the CA by its Subject Key Identifier, which '{}' lacks; \
                             the name uses the identifier computed as the module does: {}",
                            cert.subject,
                            crate::cert::hex(&cert.computed_ski)
                        ),
                        format!(
                            "{}; RFC 5280 4.2.1.2 method 1 (SHA-1 of the public key), as \
                             OpenSSL computes it",
                            self.cite(self.rr.storage)
                        ),
                        None,
                        None,
                    );
                }
                file(format!(
                    "{prefix}{}{suffix}",
                    crate::cert::hex(cert.effective_ski())
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

fn fmt_time(t: i64) -> String {
    u64::try_from(t)
        .ok()
        .and_then(|s| der::DateTime::from_unix_duration(core::time::Duration::from_secs(s)).ok())
        .map(|d| d.to_string())
        .unwrap_or_else(|| format!("unix time {t}"))
}

/// A private key, decoded and normalised: the type, size and both encodings we may send.
#[derive(Clone, Debug)]
pub(super) struct KeyFacts {
    pub(super) key_type: KeyType,
    pub(super) rsa_bits: u32,
    /// PKCS#1 (RSA) or SEC1 with the named curve (EC).
    pub(super) traditional: Vec<u8>,
    pub(super) pkcs8: Vec<u8>,
}

impl KeyFacts {
    pub(super) fn parse(der: &[u8], encoding: KeyEncoding) -> Option<Self> {
        match encoding {
            KeyEncoding::Pkcs8 => {
                let info = pkcs8::PrivateKeyInfo::from_der(der).ok()?;
                if info.algorithm.oid == rfc5912::RSA_ENCRYPTION {
                    let key = pkcs1::RsaPrivateKey::from_der(info.private_key).ok()?;
                    return Some(Self {
                        key_type: KeyType::Rsa,
                        rsa_bits: rsa_bits(key.modulus.as_bytes()),
                        traditional: info.private_key.to_vec(),
                        pkcs8: der.to_vec(),
                    });
                }
                if info.algorithm.oid == rfc5912::ID_EC_PUBLIC_KEY {
                    let curve = info.algorithm.parameters_oid().ok();
                    let inner = sec1::EcPrivateKey::from_der(info.private_key).ok()?;
                    let with_curve = sec1::EcPrivateKey {
                        private_key: inner.private_key,
                        parameters: curve.map(sec1::EcParameters::NamedCurve),
                        public_key: inner.public_key,
                    };
                    return Some(Self {
                        key_type: KeyType::of_curve(curve),
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
                        oid: rfc5912::RSA_ENCRYPTION,
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
                        oid: rfc5912::ID_EC_PUBLIC_KEY,
                        parameters: curve_any,
                    },
                    &inner,
                )
                .to_der()
                .ok()?;
                Some(Self {
                    key_type: KeyType::of_curve(curve),
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
