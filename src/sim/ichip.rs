//! Connect One iChip (`AT+i` commands): CA, client certificate and key as multi-line PEM
//! parameters, and SSL layered on a TCP socket, after `shared/reference/modules/ichip.md`.

use core::time::Duration;
use std::collections::BTreeMap;

use der::Decode;

use super::common::civil;
use super::core::{
    CommonConfig, Cx, DataEnd, DataOutcome, Personality, SimModule, Simulator, params, parse_u64,
};
use super::creds::{self, Encoding, KeyFormat, KeyKind};
use super::server::{ClientOffer, Link, Refusal, TlsVersion};
use crate::modules::Family;

/// A simulated iChip.
#[derive(Clone, Debug)]
pub struct IchipConfig {
    pub common: CommonConfig,
    /// `AT+iRP1` answer \[I: format unconfirmed\].
    pub firmware: String,
    /// Max characters of a CA parameter \[C: 1300 in manual 8.32; Libelium says 1500\].
    pub max_ca_chars: usize,
    /// Accept SHA-2 signed CAs (the manual lists MD2, MD5 and SHA-1 only) [C/I].
    pub allow_sha2_ca: bool,
    /// SSL 3.0 / TLS 1.0 client \[C\].
    pub versions: (TlsVersion, TlsVersion),
    /// Max bytes of one `AT+iSSND` \[C: 2048\].
    pub max_send: usize,
    /// Erasing a parameter takes `AT+i<param>=` and then an empty line \[C manual 8.32
    /// §34.16.2: "tca =<CR><CR> Empty"\]; `false`: the first CR ends it (the reference's
    /// model \[I\]).
    pub erase_needs_blank_line: bool,
    /// Socket handles zero-padded, `I/000` \[I\]; `false`: `I/0` (Libelium matches "I/0",
    /// which fits both).
    pub padded_handles: bool,
    /// `AT+iPKEY?` answers `I/<bits>` \[I\]; `false`: a bare `<bits>` line, then `I/OK`.
    pub pkey_strength_as_value: bool,
    /// Sockets open at once \[S: Libelium keeps 10\].
    pub max_sockets: usize,
}

/// Every error output this simulator can emit, for the test that each has a specific
/// explanation.
pub const ERROR_OUTPUTS: &[&str] = &[
    "I/ERROR (42)",
    "I/ERROR (43)",
    "I/ERROR (46)",
    "I/ERROR (51)",
    "I/ERROR (53)",
    "I/ERROR (69)",
    "I/ERROR (116)",
    "I/ERROR (117)",
    "I/ERROR (200)",
    "I/ERROR (203)",
    "I/ERROR (204)",
    "I/ERROR (208)",
    "I/ERROR (220)",
    "I/ERROR (221)",
    "I/ERROR (222)",
    "I/ERROR (225)",
    "I/ERROR (227)",
];

impl Default for IchipConfig {
    fn default() -> Self {
        Self {
            common: CommonConfig::default(),
            firmware: "IRZ804B06".into(),
            max_ca_chars: 1300,
            allow_sha2_ca: false,
            versions: (TlsVersion::Ssl3, TlsVersion::Tls10),
            max_send: 2048,
            erase_needs_blank_line: true,
            padded_handles: true,
            pkey_strength_as_value: false,
            max_sockets: 10,
        }
    }
}

impl IchipConfig {
    pub fn build(self) -> SimModule {
        let common = self.common.clone();
        SimModule::from_personality(
            Box::new(Ichip {
                cfg: self,
                params: BTreeMap::new(),
                sockets: BTreeMap::new(),
                pending: None,
                ntp: BTreeMap::new(),
                opened: 0,
            }),
            common,
        )
    }
}

enum Pending {
    Param(String),
    /// `AT+i<param>=` waiting for the empty line that erases it.
    Erase(String),
    Send(u8),
}

struct Socket {
    /// Which opening of this id it is: a delivery meant for an earlier socket under the
    /// same id (closed meanwhile) is dropped.
    serial: u8,
    host: String,
    port: u16,
    link: Option<Link>,
    ssl: bool,
    rx: Vec<u8>,
    down: bool,
}

struct Ichip {
    cfg: IchipConfig,
    /// CA, CA2..CA4, CERT, PKEY as uploaded (CR-separated PEM).
    params: BTreeMap<String, Vec<u8>>,
    sockets: BTreeMap<u8, Socket>,
    pending: Option<Pending>,
    ntp: BTreeMap<String, String>,
    /// Sockets opened so far (wrapping), for [`Socket::serial`].
    opened: u8,
}

/// Deliveries carry the socket id and its serial in one byte.
const IDS: u8 = 10;

fn conn_of(h: u8, serial: u8) -> u8 {
    serial % (u8::MAX / IDS) * IDS + h
}

fn err(code: u16) -> Vec<u8> {
    format!("I/ERROR ({code})\r\n").into_bytes()
}

const OK: &[u8] = b"I/OK\r\n";

const SIG_MD2: &str = "1.2.840.113549.1.1.2";
const SIG_MD5: &str = "1.2.840.113549.1.1.4";
const SIG_SHA1: &str = "1.2.840.113549.1.1.5";

const PEM_PARAMS: [&str; 6] = ["CA", "CA2", "CA3", "CA4", "CERT", "PKEY"];

impl Ichip {
    /// Checks a CA (or client certificate) the way iChip does [C: RSA 1024/2048 with an
    /// MD2/MD5/SHA-1 signature, at most `max_ca_chars`; I: LF breaks the CR-line parser].
    /// A CA must be RSA 1024/2048 signed with MD2/MD5/SHA-1 [C Libelium]; the signature
    /// rule is documented for trusted CAs only, so a client certificate is held to the
    /// key rule alone (the module presents it, it does not verify it).
    fn check_cert(&self, data: &[u8], ca: bool) -> bool {
        if data.contains(&b'\n') || data.len() > self.cfg.max_ca_chars {
            return false;
        }
        let Ok(certs) = creds::certs(data, Encoding::Pem) else {
            return false;
        };
        let Some(c) = certs.first() else {
            return false;
        };
        let key_ok = matches!(c.key, KeyKind::Rsa { bits: 1024 | 2048 });
        let sig_ok = !ca
            || self.cfg.allow_sha2_ca
            || [SIG_MD2, SIG_MD5, SIG_SHA1].contains(&c.sig_alg.as_str());
        key_ok && sig_ok
    }

    fn check_key(data: &[u8]) -> bool {
        !data.contains(&b'\n')
            && creds::key(data, Encoding::Pem).is_ok_and(|k| k.format == KeyFormat::Pkcs1)
    }

    fn read_param(&self, name: &str) -> Vec<u8> {
        let Some(data) = self.params.get(name) else {
            // "If the trusted certificate is empty, only <CRLF> is returned. The reply is
            // followed by I/OK." [C manual 8.32 §34.16.2]
            return b"\r\nI/OK\r\n".to_vec();
        };
        if name == "PKEY" {
            // Only the key strength is shown [C].
            let bits = match creds::key(data, Encoding::Pem).map(|k| k.kind) {
                Ok(KeyKind::Rsa { bits }) => bits,
                _ => 0,
            };
            if self.cfg.pkey_strength_as_value {
                return format!("I/{bits}\r\n").into_bytes();
            }
            return format!("{bits}\r\nI/OK\r\n").into_bytes();
        }
        let mut out = Vec::new();
        if let Some(der) = creds::pem_blocks(data)
            .ok()
            .and_then(|b| b.into_iter().next())
            .map(|b| b.1)
            && let Ok(cert) = x509_cert::Certificate::from_der(&der)
        {
            let tbs = &cert.tbs_certificate;
            let fmt = |t: &x509_cert::time::Time| {
                let (y, mo, d, h, mi, s) =
                    civil(i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(0));
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
            };
            out.extend(format!("{}\r\n", tbs.subject).into_bytes());
            out.extend(
                format!(
                    "{} - {}\r\n",
                    fmt(&tbs.validity.not_before),
                    fmt(&tbs.validity.not_after)
                )
                .into_bytes(),
            );
        }
        let text = String::from_utf8_lossy(data).replace('\r', "\r\n");
        out.extend_from_slice(text.trim_end().as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(OK);
        out
    }

    fn ssl(&mut self, cx: &mut Cx, h: Option<u8>) {
        let Some(h) = h.filter(|h| self.sockets.get(h).is_some_and(|s| !s.down)) else {
            return cx.answer(err(221));
        };
        if self.sockets.values().any(|s| s.ssl) {
            return cx.answer(err(225));
        }
        let cas: Vec<_> = ["CA", "CA2", "CA3", "CA4"]
            .iter()
            .filter_map(|n| self.params.get(*n))
            .filter_map(|d| creds::certs(d, Encoding::Pem).ok())
            .flatten()
            .collect();
        if cas.is_empty() {
            return cx.answer(err(222));
        }
        let Some(s) = self.sockets.get(&h) else {
            return cx.answer(err(221));
        };
        let mut offer = ClientOffer::new(&s.host, s.port, self.cfg.versions);
        offer.trust = Some(cas);
        offer.rsa_only = true;
        let cert = self
            .params
            .get("CERT")
            .and_then(|d| creds::certs(d, Encoding::Pem).ok())
            .and_then(|v| v.into_iter().next());
        let key = self
            .params
            .get("PKEY")
            .and_then(|d| creds::key(d, Encoding::Pem).ok());
        if let (Some(c), Some(k)) = (cert, key) {
            offer.client = Some((c, k));
        }
        let hs = cx.server.handshake_time();
        match cx.server.open(&offer) {
            Ok(link) => {
                if let Some(s) = self.sockets.get_mut(&h) {
                    s.link = Some(link);
                    s.ssl = true;
                }
                cx.later(hs, OK);
            }
            Err(Refusal::Unreachable(_)) => cx.later(hs, err(203)),
            Err(_) => cx.later(hs, err(220)),
        }
    }
}

impl Personality for Ichip {
    fn family(&self) -> Family {
        Family::Ichip
    }

    fn inline_data(&mut self, cx: &mut Cx, partial: &[u8]) -> bool {
        // `AT+iSSND%:<h>,<n>:` then n raw bytes.
        if partial.last() != Some(&b':') || partial.len() < 10 {
            return false;
        }
        let text = String::from_utf8_lossy(partial).to_ascii_uppercase();
        let Some(args) = text
            .strip_prefix("AT+ISSND%:")
            .or_else(|| text.strip_prefix("AT+ISSND:"))
            .and_then(|a| a.strip_suffix(':'))
        else {
            return false;
        };
        let p = params(args);
        let (Some(h), Some(n)) = (
            p.first().and_then(|v| parse_u64(v)),
            p.get(1).and_then(|v| parse_u64(v)),
        ) else {
            return false;
        };
        if n == 0 {
            return false;
        }
        self.pending = Some(Pending::Send(u8::try_from(h).unwrap_or(u8::MAX)));
        cx.start_data(
            DataEnd::Count(n as usize),
            Vec::new(),
            Some(Duration::from_secs(10)),
        );
        true
    }

    fn command(&mut self, cx: &mut Cx, raw: &[u8]) {
        let text = String::from_utf8_lossy(raw).into_owned();
        let Some(body) = text
            .get(2..)
            .and_then(|b| b.strip_prefix("+i").or_else(|| b.strip_prefix("+I")))
        else {
            return cx.answer(if text.len() == 2 {
                OK.to_vec()
            } else {
                err(53)
            });
        };
        if body.is_empty() {
            return cx.answer(OK);
        }
        let cut = body.find(['=', '?', ':', '~']).unwrap_or(body.len());
        let name = body[..cut].to_ascii_uppercase();
        let op = body[cut..].chars().next();
        let rest = body.get(cut + 1..).unwrap_or("");
        match (name.as_str(), op) {
            (n, Some('=')) if PEM_PARAMS.contains(&n) => {
                if rest.trim().is_empty() {
                    if self.cfg.erase_needs_blank_line {
                        self.pending = Some(Pending::Erase(n.to_owned()));
                        return cx.start_data(
                            DataEnd::Count(1),
                            Vec::new(),
                            Some(Duration::from_secs(60)),
                        );
                    }
                    self.params.remove(n);
                    return cx.answer(OK);
                }
                if rest == "?" {
                    return cx.answer(b"String\r\nI/OK\r\n".to_vec());
                }
                let mut first = rest.as_bytes().to_vec();
                first.push(b'\r');
                if rest.contains("-----END") || !rest.starts_with("-----BEGIN") {
                    // A one-line value: complete as it is.
                    self.pending = Some(Pending::Param(n.to_owned()));
                    return self.data(cx, DataOutcome::Complete(first));
                }
                self.pending = Some(Pending::Param(n.to_owned()));
                // A parameter that never ends gives up after a minute [I], error 69.
                cx.start_data(DataEnd::PemEnd, first, Some(Duration::from_secs(60)));
            }
            (n, Some('?')) if PEM_PARAMS.contains(&n) => cx.answer(self.read_param(n)),
            ("RP1", None) => cx.answer(format!("{}\r\nI/OK\r\n", self.cfg.firmware).into_bytes()),
            ("RP8", None) => {
                let (y, mo, d, h, mi, s) = civil(cx.epoch());
                cx.answer(
                    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+00:00\r\nI/OK\r\n")
                        .into_bytes(),
                );
            }
            ("RP10", None) => cx.answer(b"I/(0,0,0,0)\r\n".to_vec()),
            ("NTS1" | "NTS2" | "NTOD" | "GMTO", Some('=')) => {
                self.ntp.insert(name.clone(), rest.to_owned());
                cx.answer(OK);
            }
            ("STCP", Some(':')) => {
                let p = params(rest);
                let port = p
                    .get(1)
                    .and_then(|v| parse_u64(v))
                    .filter(|v| (1..=65535).contains(v));
                let (Some(host), Some(port)) = (p.first().filter(|h| !h.is_empty()), port) else {
                    return cx.answer(err(42));
                };
                match cx.server.connect(host) {
                    Ok(()) => {}
                    // 46: DNS failure; 69: timeout on host communication [C table].
                    Err(Refusal::Dns) => return cx.later(Duration::from_secs(1), err(46)),
                    Err(_) => return cx.later(Duration::from_secs(3), err(69)),
                }
                let max = u8::try_from(self.cfg.max_sockets).unwrap_or(u8::MAX);
                let Some(h) = (0u8..max).find(|i| !self.sockets.contains_key(i)) else {
                    return cx.answer(err(204));
                };
                self.sockets.insert(
                    h,
                    Socket {
                        serial: self.opened,
                        host: host.clone(),
                        port: port as u16,
                        link: None,
                        ssl: false,
                        rx: Vec::new(),
                        down: false,
                    },
                );
                self.opened = self.opened.wrapping_add(1);
                let handle = if self.cfg.padded_handles {
                    format!("I/{h:03}\r\n")
                } else {
                    format!("I/{h}\r\n")
                };
                cx.later(Duration::from_millis(300), handle.into_bytes());
            }
            ("SSL", Some(':')) => {
                let h = parse_u64(rest).and_then(|h| u8::try_from(h).ok());
                self.ssl(cx, h);
            }
            ("SRCV", Some(':')) => {
                let p = params(rest);
                let h = p
                    .first()
                    .and_then(|v| parse_u64(v))
                    .and_then(|h| u8::try_from(h).ok());
                let max = p
                    .get(1)
                    .and_then(|v| parse_u64(v))
                    .map_or(usize::MAX, |v| v as usize);
                let Some(s) = h.and_then(|h| self.sockets.get_mut(&h)) else {
                    return cx.answer(err(200));
                };
                let n = s.rx.len().min(max);
                if n == 0 && s.down {
                    return cx.answer(err(203));
                }
                let mut out = format!("I/{n}").into_bytes();
                if n > 0 {
                    out.push(b':');
                    out.extend(s.rx.drain(..n));
                } else {
                    out.extend_from_slice(b"\r\n");
                }
                cx.answer(out);
            }
            ("SCLS", Some(':')) => {
                let h = parse_u64(rest).and_then(|h| u8::try_from(h).ok());
                match h.and_then(|h| self.sockets.remove(&h)) {
                    Some(_) => cx.answer(OK),
                    None => cx.answer(err(203)),
                }
            }
            _ => cx.answer(err(53)),
        }
    }

    fn data(&mut self, cx: &mut Cx, outcome: DataOutcome) {
        let DataOutcome::Complete(mut bytes) = outcome else {
            self.pending = None;
            return cx.answer(err(69));
        };
        match self.pending.take() {
            Some(Pending::Erase(name)) => {
                if bytes == b"\r" {
                    self.params.remove(&name);
                    cx.answer(OK);
                } else {
                    // 43: CR expected [C table].
                    cx.answer(err(43));
                }
            }
            Some(Pending::Param(name)) => {
                // The final CR ends the command; it is not part of the value.
                if bytes.last() == Some(&b'\r') {
                    bytes.pop();
                }
                let ok = if name == "PKEY" {
                    Self::check_key(&bytes)
                } else {
                    self.check_cert(&bytes, name.starts_with("CA"))
                };
                if ok {
                    self.params.insert(name, bytes);
                    cx.answer(OK);
                } else {
                    cx.answer(err(if name == "PKEY" { 117 } else { 116 }));
                }
            }
            Some(Pending::Send(h)) => {
                if bytes.len() > self.cfg.max_send {
                    return cx.answer(err(227));
                }
                let offer_plain = |s: &Socket| {
                    let mut o =
                        ClientOffer::new(&s.host, s.port, (TlsVersion::Ssl3, TlsVersion::Tls13));
                    o.trust = None;
                    o
                };
                let Some(s) = self.sockets.get_mut(&h).filter(|s| !s.down) else {
                    return cx.answer(err(203));
                };
                if s.link.is_none() {
                    match cx.server.open(&offer_plain(s)) {
                        Ok(l) => s.link = Some(l),
                        Err(_) => return cx.answer(err(208)),
                    }
                }
                let result = match s.link.as_mut() {
                    Some(l) => l.exchange(&bytes),
                    None => Err("closed".into()),
                };
                match result {
                    Ok((resp, closed)) => {
                        // "I/OK<CR><LF><CR><LF>" [C manual 8.32 §13.7].
                        cx.answer(b"I/OK\r\n\r\n".to_vec());
                        if !resp.is_empty() || closed {
                            let t = cx.server.response_time();
                            cx.deliver(t, conn_of(h, s.serial), resp, closed);
                        }
                    }
                    Err(_) => cx.answer(err(208)),
                }
            }
            None => cx.answer(err(51)),
        }
    }

    fn deliver(&mut self, _cx: &mut Cx, conn: u8, bytes: Vec<u8>, closed: bool) {
        let h = conn % IDS;
        if let Some(s) = self
            .sockets
            .get_mut(&h)
            .filter(|s| conn_of(h, s.serial) == conn)
        {
            s.rx.extend_from_slice(&bytes);
            if closed {
                s.down = true;
                s.ssl = false;
                s.link = None;
            }
        }
    }

    fn plain_error(&self) -> Vec<u8> {
        err(53)
    }

    fn storage(&self) -> BTreeMap<String, Vec<u8>> {
        self.params.clone()
    }

    fn link_reset(&mut self) {
        self.pending = None;
    }
}

/// This simulator, as `sim/mod.rs` registers it.
pub(super) const SIMULATOR: Simulator = Simulator {
    family: Family::Ichip,
    build: |adjust| {
        let mut c = IchipConfig::default();
        adjust(&mut c.common);
        c.build()
    },
    error_outputs: ERROR_OUTPUTS,
    error_commands: &[],
};
