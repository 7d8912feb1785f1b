//! u-blox SARA-R4 / SARA-R5: the `AT+USECMNG` security manager, `AT+USECPRF` profiles and
//! TLS sockets, after `shared/reference/modules/ublox.md` and `tests/audit/ublox.md`.

use core::time::Duration;
use std::collections::BTreeMap;

use base64ct::Encoding as _;
use md5::{Digest, Md5};

use super::common::{self, Cme, ERROR, Ident, OK, info_ok, urc};
use super::core::{
    CommonConfig, Cx, DataEnd, DataOutcome, Personality, SimModule, Simulator, params, parse_u64,
    split_cmd,
};
use super::creds::{self, Encoding};
use super::server::{ClientOffer, Link, Refusal, TlsVersion};
use crate::modules::Family;

/// What the import's MD5 is computed over (audit 2.4).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Md5Of {
    /// The DER the module stores (four public vectors).
    Der,
    /// The bytes as sent (a SARA-U2 tool's reading).
    AsSent,
}

/// How `AT+USECMNG=2` answers for a name that is not there (audit 2.2).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum DeleteMissing {
    Ok,
    /// `+CME ERROR: 1916` (internal name not found).
    NotFound,
    /// A bare `ERROR`.
    Error,
}

/// A simulated SARA-R4/R5. Every uncertain fact of the audit (section 6) is a field.
#[derive(Clone, Debug)]
pub struct UbloxConfig {
    pub common: CommonConfig,
    /// `AT+CGMM` / the `Model:` line: `SARA-R410M-02B` \[C ATIU\]; SARA-R5 strings are not
    /// in any capture (`SARA-R510M8S` or `SARA-R510M8S-01B` \[I\]).
    pub model: String,
    pub revision: String,
    pub imei: String,
    /// `usecmng_md5_of`.
    pub md5_of: Md5Of,
    /// `usecmng_md5_case`: upper case (MKR NB 1500) or lower (reference log).
    pub md5_upper: bool,
    /// `usecmng_prompt_crlf`: `\r\n>` rather than `>` alone.
    pub prompt_crlf: bool,
    /// `usecmng_pem_accepted`: PEM certificates taken (AT manual) or refused with 1913
    /// (SARA-R4 application guide: "only DER").
    pub pem_accepted: bool,
    /// `usecmng_delete_missing`.
    pub delete_missing: DeleteMissing,
    /// `usecmng_list_quoted`: `"CA","name",…` or `CA,"name",…`.
    pub list_quoted: bool,
    /// `usecprf_sni_supported`: op 10 exists (not on SARA-R410M-02B \[U\]).
    pub sni_supported: bool,
    /// `usoco_tls_fail`: a failed TLS connect answers a bare `ERROR` whatever `AT+CMEE` says.
    pub usoco_plain_error: bool,
    /// Up to 16 credentials (SARA-R4 manual via MKRLOG \[C\]); more answers 1914.
    pub max_credentials: usize,
    /// Largest import \[I: 8192, ubxlib\]; more answers 1911.
    pub max_size: usize,
}

/// Every error output this simulator produces, for the explanation test.
pub const ERROR_OUTPUTS: &[&str] = &[
    "ERROR",
    "+CME ERROR: 1910",
    "+CME ERROR: 1911",
    "+CME ERROR: 1913",
    "+CME ERROR: 1914",
    "+CME ERROR: 1916",
    "+CME ERROR: 1918",
    "+CME ERROR: 1920",
    "+CME ERROR: 3",
    "+CME ERROR: 50",
    "+USOER: 111",
];

/// Commands this simulator can refuse, as atcert or a user sends them.
pub const ERROR_COMMANDS: &[&str] = &[
    "AT+USECMNG=0,0,\"ca\",0",
    "AT+USECMNG=2,0,\"missing\"",
    "AT+USECMNG=4,0,\"missing\"",
    "AT+USECPRF=9,0,1",
    "AT+USOSEC=5,1,0",
    "AT+USOCO=0,\"localhost\",443",
    "AT+USOWR=5,10",
    "AT+USORD=5,10",
    "AT+USOCL=5",
    "AT+CCLK=\"99/99/99,99:99:99+00\"",
];

impl Default for UbloxConfig {
    fn default() -> Self {
        Self {
            common: CommonConfig::default(),
            model: "SARA-R410M-02B".into(),
            revision: "L0.0.00.00.05.08 [Apr 17 2019 19:34:02]".into(),
            imei: "352753090123456".into(),
            md5_of: Md5Of::Der,
            md5_upper: false,
            prompt_crlf: false,
            pem_accepted: true,
            delete_missing: DeleteMissing::NotFound,
            list_quoted: true,
            sni_supported: false,
            usoco_plain_error: false,
            max_credentials: 16,
            max_size: 8192,
        }
    }
}

impl UbloxConfig {
    pub fn build(self) -> SimModule {
        let common = self.common.clone();
        SimModule::from_personality(
            Box::new(Ublox {
                cfg: self,
                store: Vec::new(),
                profiles: [(); 5].map(|()| Profile::default()),
                sockets: BTreeMap::new(),
                cme: Cme::default(),
                pending: None,
                gens: [0; 7],
            }),
            common,
        )
    }
}

/// One stored credential: `<type>`, internal name, the DER kept, the MD5 reported.
#[derive(Clone, Debug)]
struct Stored {
    kind: u8,
    name: String,
    der: Vec<u8>,
    md5: String,
}

#[derive(Clone, Debug, Default)]
struct Profile {
    level: u8,
    version: u8,
    ca: String,
    hostname: String,
    cert: String,
    key: String,
    sni: String,
}

#[derive(Default)]
struct Socket {
    profile: Option<u8>,
    link: Option<Link>,
    rx: Vec<u8>,
    generation: u8,
}

enum Pending {
    Import { kind: u8, name: String },
    Write(u8),
}

struct Ublox {
    cfg: UbloxConfig,
    store: Vec<Stored>,
    profiles: [Profile; 5],
    sockets: BTreeMap<u8, Socket>,
    cme: Cme,
    pending: Option<Pending>,
    /// Bumped when a socket number is created: bytes for an earlier socket are dropped.
    gens: [u8; 7],
}

/// The DER of the first PEM block, whatever its line length.
fn pem_body(bytes: &[u8]) -> Option<Vec<u8>> {
    let text = core::str::from_utf8(bytes).ok()?;
    let start = text.find("-----BEGIN ")?;
    let after = text.get(start..)?;
    let body_start = after.get(11..)?.find("-----")? + 16;
    let body = after.get(body_start..)?;
    let end = body.find("-----END ")?;
    let b64: String = body
        .get(..end)?
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    base64ct::Base64::decode_vec(&b64).ok()
}

const CODES: [&str; 3] = ["CA", "CC", "PK"];

impl Ublox {
    fn find(&self, kind: u8, name: &str) -> Option<&Stored> {
        self.store.iter().find(|s| s.kind == kind && s.name == name)
    }

    fn md5(&self, der: &[u8], sent: &[u8]) -> String {
        let over = match self.cfg.md5_of {
            Md5Of::Der => der,
            Md5Of::AsSent => sent,
        };
        let hex: String = Md5::digest(over)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if self.cfg.md5_upper {
            hex.to_ascii_uppercase()
        } else {
            hex
        }
    }

    /// What the module stores for an import: DER, from PEM when given PEM (any line
    /// length: AWSN imported a PEM with its base64 on one line). `Err` is the security
    /// manager's code.
    fn to_der(&self, kind: u8, bytes: &[u8]) -> Result<Vec<u8>, u16> {
        let pem = creds::looks_pem(bytes);
        if pem && kind < 2 && !self.cfg.pem_accepted {
            return Err(1913);
        }
        let der = if pem {
            pem_body(bytes).ok_or(1920u16)?
        } else {
            bytes.to_vec()
        };
        match kind {
            0 | 1 => {
                let certs = creds::certs(&der, Encoding::Der).map_err(|_| 1913u16)?;
                match certs.as_slice() {
                    [one] => Ok(one.der.clone()),
                    _ => Err(1913),
                }
            }
            _ => {
                let key = creds::key(&der, Encoding::Der).map_err(|_| 1918u16)?;
                // PKCS#8 is refused on many modules (reference 2.6).
                if key.format == creds::KeyFormat::Pkcs8 {
                    return Err(1918);
                }
                Ok(key.der)
            }
        }
    }

    fn usecmng(&mut self, cx: &mut Cx, rest: &str) {
        let p = params(rest);
        let op = p.first().and_then(|v| parse_u64(v));
        let kind = p.get(1).and_then(|v| parse_u64(v)).filter(|t| *t <= 5);
        let name = p.get(2).cloned().unwrap_or_default();
        match (op, kind) {
            (Some(0), Some(kind)) if kind <= 2 => {
                let size = p.get(3).and_then(|v| parse_u64(v)).map(|v| v as usize);
                let Some(size) = size.filter(|s| *s >= 1) else {
                    return cx.answer(self.cme.error(50, "incorrect parameters"));
                };
                if name.is_empty() {
                    return cx.answer(self.cme.error(50, "incorrect parameters"));
                }
                if size > self.cfg.max_size {
                    return cx.answer(
                        self.cme
                            .error(1911, "USECMNG import file size exceeds limit"),
                    );
                }
                let replacing = self.find(kind as u8, &name).is_some();
                if !replacing && self.store.len() >= self.cfg.max_credentials {
                    return cx.answer(self.cme.error(1914, "USECMNG database full"));
                }
                self.pending = Some(Pending::Import {
                    kind: kind as u8,
                    name,
                });
                let prompt: &[u8] = if self.cfg.prompt_crlf { b"\r\n>" } else { b">" };
                cx.answer(prompt.to_vec());
                // No input for 20 s: the module gives up (1910, audit 3).
                cx.start_data(
                    DataEnd::Count(size),
                    Vec::new(),
                    Some(Duration::from_secs(20)),
                );
            }
            (Some(2), Some(kind)) => {
                match self
                    .store
                    .iter()
                    .position(|s| s.kind == kind as u8 && s.name == name)
                {
                    Some(i) => {
                        self.store.remove(i);
                        cx.answer(OK);
                    }
                    None => match self.cfg.delete_missing {
                        DeleteMissing::Ok => cx.answer(OK),
                        DeleteMissing::NotFound => {
                            cx.answer(self.cme.error(1916, "USECMNG internal name not found"))
                        }
                        DeleteMissing::Error => cx.answer(ERROR),
                    },
                }
            }
            (Some(3), filter) => {
                let lines: Vec<String> = self
                    .store
                    .iter()
                    .filter(|s| filter.is_none_or(|f| u64::from(s.kind) == f))
                    .map(|s| {
                        let code = CODES.get(usize::from(s.kind)).copied().unwrap_or("CA");
                        let code = if self.cfg.list_quoted {
                            format!("\"{code}\"")
                        } else {
                            code.to_owned()
                        };
                        if s.kind == 2 {
                            format!("{code},\"{}\"", s.name)
                        } else {
                            format!("{code},\"{}\",\"atcert\",\"2037/12/31 23:59:59\"", s.name)
                        }
                    })
                    .collect();
                cx.answer(info_ok(&lines));
            }
            (Some(4), Some(kind)) => match self.find(kind as u8, &name) {
                Some(s) => cx.answer(info_ok(&[format!(
                    "+USECMNG: 4,{kind},\"{name}\",\"{}\"",
                    s.md5
                )])),
                None => cx.answer(self.cme.error(1916, "USECMNG internal name not found")),
            },
            _ => cx.answer(self.cme.error(50, "incorrect parameters")),
        }
    }

    fn usecprf(&mut self, cx: &mut Cx, rest: &str) {
        let p = params(rest);
        let Some(id) = p.first().and_then(|v| parse_u64(v)).filter(|v| *v <= 4) else {
            return cx.answer(self.cme.error(50, "incorrect parameters"));
        };
        let sni_ok = self.cfg.sni_supported;
        let prof = &mut self.profiles[id as usize];
        if p.len() == 1 {
            *prof = Profile::default();
            return cx.answer(OK);
        }
        let op = p.get(1).and_then(|v| parse_u64(v));
        let value = p.get(2).cloned().unwrap_or_default();
        let num = parse_u64(&value);
        let text = match op {
            Some(3) => Some(&mut prof.ca),
            Some(4) => Some(&mut prof.hostname),
            Some(5) => Some(&mut prof.cert),
            Some(6) => Some(&mut prof.key),
            Some(10) if sni_ok => Some(&mut prof.sni),
            _ => None,
        };
        let ok = match (op, text) {
            (_, Some(field)) => {
                *field = value;
                Some(())
            }
            (Some(0), None) => num.filter(|v| *v <= 3).map(|v| prof.level = v as u8),
            (Some(1), None) => num.filter(|v| *v <= 4).map(|v| prof.version = v as u8),
            _ => None,
        };
        match ok {
            Some(()) => cx.answer(OK),
            None => cx.answer(self.cme.error(50, "incorrect parameters")),
        }
    }

    /// Opens TLS on socket `s`: the stored credentials the profile names, checked by the
    /// server (model or real).
    fn connect(&mut self, cx: &mut Cx, s: u8, host: &str, port: u16) -> Result<(), Refusal> {
        let prof = self
            .sockets
            .get(&s)
            .and_then(|k| k.profile)
            .map(|p| self.profiles[usize::from(p)].clone());
        let versions = match prof.as_ref().map_or(0, |p| p.version) {
            1 => (TlsVersion::Tls10, TlsVersion::Tls12),
            2 => (TlsVersion::Tls11, TlsVersion::Tls12),
            3 => (TlsVersion::Tls12, TlsVersion::Tls12),
            4 => (TlsVersion::Tls13, TlsVersion::Tls13),
            _ => (TlsVersion::Tls10, TlsVersion::Tls12),
        };
        let mut offer = ClientOffer::new(host, port, versions);
        if let Some(p) = &prof {
            if !p.sni.is_empty() {
                offer.sni = Some(p.sni.clone());
            }
            if p.level >= 1 {
                let ca = self.find(0, &p.ca).ok_or(Refusal::UnknownCa)?;
                let ca = creds::certs(&ca.der, Encoding::Der).map_err(|_| Refusal::UnknownCa)?;
                offer.trust = Some(ca);
            }
            if p.level >= 2 && !p.hostname.eq_ignore_ascii_case(host) {
                return Err(Refusal::Handshake("host name does not match".into()));
            }
            if p.level >= 3 {
                offer.check_time = Some(cx.epoch());
            }
            if !p.cert.is_empty() || !p.key.is_empty() {
                let cert = self
                    .find(1, &p.cert)
                    .and_then(|c| creds::certs(&c.der, Encoding::Der).ok())
                    .and_then(|v| v.into_iter().next());
                let key = self
                    .find(2, &p.key)
                    .and_then(|k| creds::key(&k.der, Encoding::Der).ok());
                if let (Some(cert), Some(key)) = (cert, key) {
                    offer.client = Some((cert, key));
                }
            }
        } else {
            // A plain TCP socket: the sim's server speaks TLS only.
            return Err(Refusal::Handshake("no TLS on the socket".into()));
        }
        let link = cx.server.open(&offer)?;
        if let Some(sock) = self.sockets.get_mut(&s) {
            sock.link = Some(link);
            sock.rx.clear();
        }
        Ok(())
    }

    fn conn_id(&self, s: u8) -> u8 {
        let generation = self.sockets.get(&s).map_or(0, |k| k.generation);
        (s & 7) | (generation % 32) << 3
    }

    fn socket_ok(&self, p: &[String]) -> Option<u8> {
        p.first()
            .and_then(|v| parse_u64(v))
            .and_then(|v| u8::try_from(v).ok())
            .filter(|s| self.sockets.contains_key(s))
    }

    fn not_allowed(&self) -> Vec<u8> {
        self.cme.error(3, "operation not allowed")
    }
}

impl Personality for Ublox {
    fn family(&self) -> Family {
        Family::Ublox
    }

    fn command(&mut self, cx: &mut Cx, line: &[u8]) {
        // ATI as captured on SARA-R410M-02B (audit 1, ATIU).
        let ati = vec![
            "Manufacturer: u-blox".to_owned(),
            format!("Model: {}", self.cfg.model),
            format!("Revision: {}", self.cfg.revision),
            "SVN: 03".to_owned(),
            format!("IMEI: {}", self.cfg.imei),
        ];
        let id = Ident {
            ati: &ati,
            cgmi: "u-blox",
            cgmm: &self.cfg.model,
            cgmr: &self.cfg.revision,
            imei: &self.cfg.imei,
        };
        if common::basic(cx, &mut self.cme, &id, line) {
            return;
        }
        let (name, op, rest) = split_cmd(line);
        let p = params(&rest);
        match (name.as_str(), op) {
            ("+USECMNG", Some('=')) => self.usecmng(cx, &rest),
            ("+USECPRF", Some('=')) => self.usecprf(cx, &rest),
            ("+USOCR", Some('=')) => {
                if p.first().map(String::as_str) != Some("6") {
                    return cx.answer(self.cme.error(50, "incorrect parameters"));
                }
                // Seven sockets, 0-6 (ubxlib).
                match (0..7u8).find(|s| !self.sockets.contains_key(s)) {
                    Some(s) => {
                        let g = &mut self.gens[usize::from(s)];
                        *g = g.wrapping_add(1);
                        let generation = *g;
                        self.sockets.insert(
                            s,
                            Socket {
                                generation,
                                ..Socket::default()
                            },
                        );
                        cx.answer(info_ok(&[format!("+USOCR: {s}")]));
                    }
                    None => cx.answer(self.not_allowed()),
                }
            }
            ("+USOSEC", Some('=')) => {
                let prof = p.get(2).and_then(|v| parse_u64(v)).filter(|v| *v <= 4);
                match (self.socket_ok(&p), p.get(1).map(String::as_str), prof) {
                    (Some(s), Some("1"), Some(pr)) => {
                        if let Some(sock) = self.sockets.get_mut(&s) {
                            sock.profile = Some(pr as u8);
                        }
                        cx.answer(OK);
                    }
                    (Some(s), Some("0"), _) => {
                        if let Some(sock) = self.sockets.get_mut(&s) {
                            sock.profile = None;
                        }
                        cx.answer(OK);
                    }
                    _ => cx.answer(self.not_allowed()),
                }
            }
            ("+USOCO", Some('=')) => {
                let port = p
                    .get(2)
                    .and_then(|v| parse_u64(v))
                    .and_then(|v| u16::try_from(v).ok())
                    .filter(|v| *v > 0);
                let (Some(s), Some(host), Some(port)) = (self.socket_ok(&p), p.get(1), port) else {
                    return cx.answer(self.not_allowed());
                };
                let host = host.clone();
                let hs = cx.server.handshake_time();
                match self.connect(cx, s, &host, port) {
                    Ok(()) => cx.later(hs, OK.to_vec()),
                    Err(_) => {
                        let out = if self.cfg.usoco_plain_error {
                            ERROR.to_vec()
                        } else {
                            self.not_allowed()
                        };
                        cx.later(hs, out);
                    }
                }
            }
            ("+USOWR", Some('=')) => {
                let len = p.get(1).and_then(|v| parse_u64(v)).map(|v| v as usize);
                match (self.socket_ok(&p), len) {
                    (Some(s), Some(n))
                        if (1..=1024).contains(&n)
                            && self.sockets.get(&s).is_some_and(|k| k.link.is_some()) =>
                    {
                        self.pending = Some(Pending::Write(s));
                        cx.answer(b"\r\n@".to_vec());
                        cx.start_data(DataEnd::Count(n), Vec::new(), Some(Duration::from_secs(10)));
                    }
                    _ => cx.answer(self.not_allowed()),
                }
            }
            ("+USORD", Some('=')) => {
                let want = p.get(1).and_then(|v| parse_u64(v)).map(|v| v as usize);
                let Some(s) = self.socket_ok(&p) else {
                    return cx.answer(self.not_allowed());
                };
                let Some(sock) = self.sockets.get_mut(&s) else {
                    return cx.answer(self.not_allowed());
                };
                match want {
                    Some(0) => cx.answer(info_ok(&[format!("+USORD: {s},{}", sock.rx.len())])),
                    Some(n) => {
                        let n = n.min(1024).min(sock.rx.len());
                        let data: Vec<u8> = sock.rx.drain(..n).collect();
                        let mut out = format!("\r\n+USORD: {s},{n},\"").into_bytes();
                        out.extend_from_slice(&data);
                        out.extend_from_slice(b"\"\r\n");
                        out.extend_from_slice(OK);
                        cx.answer(out);
                    }
                    None => cx.answer(self.cme.error(50, "incorrect parameters")),
                }
            }
            ("+USOCL", Some('=')) => match self.socket_ok(&p) {
                Some(s) => {
                    self.sockets.remove(&s);
                    cx.answer(OK);
                }
                None => cx.answer(self.not_allowed()),
            },
            ("+USOER", None) => cx.answer(info_ok(&["+USOER: 111".into()])),
            _ => cx.answer(ERROR),
        }
    }

    fn data(&mut self, cx: &mut Cx, outcome: DataOutcome) {
        match (self.pending.take(), outcome) {
            (Some(Pending::Import { kind, name }), DataOutcome::Complete(bytes)) => {
                match self.to_der(kind, &bytes) {
                    Ok(der) => {
                        let md5 = self.md5(&der, &bytes);
                        self.store.retain(|s| !(s.kind == kind && s.name == name));
                        self.store.push(Stored {
                            kind,
                            name: name.clone(),
                            der,
                            md5: md5.clone(),
                        });
                        let mut out = urc(&format!("+USECMNG: 0,{kind},\"{name}\",\"{md5}\""));
                        out.extend_from_slice(OK);
                        cx.answer(out);
                    }
                    Err(code) => {
                        let text = match code {
                            1913 => "USECMNG invalid certificate/key format",
                            1918 => "USECMNG private key format error",
                            _ => "USECMNG PEM DER conversion error",
                        };
                        cx.answer(self.cme.error(code, text));
                    }
                }
            }
            (Some(Pending::Import { .. }), _) => {
                cx.answer(self.cme.error(1910, "USECMNG import timeout expired"));
            }
            (Some(Pending::Write(s)), DataOutcome::Complete(bytes)) => {
                let n = bytes.len();
                let result = self
                    .sockets
                    .get_mut(&s)
                    .and_then(|k| k.link.as_mut())
                    .map(|l| l.exchange(&bytes));
                match result {
                    Some(Ok((resp, closed))) => {
                        cx.answer(info_ok(&[format!("+USOWR: {s},{n}")]));
                        if !resp.is_empty() || closed {
                            let t = cx.server.response_time();
                            cx.deliver(t, self.conn_id(s), resp, closed);
                        }
                    }
                    _ => cx.answer(self.not_allowed()),
                }
            }
            _ => cx.answer(ERROR),
        }
    }

    fn deliver(&mut self, cx: &mut Cx, conn: u8, bytes: Vec<u8>, closed: bool) {
        let s = conn & 7;
        let Some(sock) = self.sockets.get_mut(&s) else {
            return;
        };
        if conn >> 3 != sock.generation % 32 || sock.link.is_none() {
            return;
        }
        if !bytes.is_empty() {
            sock.rx.extend_from_slice(&bytes);
            cx.answer(urc(&format!("+UUSORD: {s},{}", sock.rx.len())));
        }
        if closed {
            sock.link = None;
            cx.answer(urc(&format!("+UUSOCL: {s}")));
        }
    }

    fn plain_error(&self) -> Vec<u8> {
        ERROR.to_vec()
    }

    /// `<code>:<name>` → the DER stored.
    fn storage(&self) -> BTreeMap<String, Vec<u8>> {
        self.store
            .iter()
            .map(|s| {
                let code = CODES.get(usize::from(s.kind)).copied().unwrap_or("??");
                (format!("{code}:{}", s.name), s.der.clone())
            })
            .collect()
    }

    fn link_reset(&mut self) {
        self.pending = None;
    }
}

/// This simulator, as `sim/mod.rs` registers it.
pub(super) const SIMULATOR: Simulator = Simulator {
    family: Family::Ublox,
    build: |adjust| {
        let mut c = UbloxConfig::default();
        adjust(&mut c.common);
        c.build()
    },
    error_outputs: ERROR_OUTPUTS,
    error_commands: ERROR_COMMANDS,
};
