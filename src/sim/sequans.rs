//! Sequans Monarch 2 GM02S/GM02SP (Walter, AVR-IoT Cellular Mini): NVRAM slots written with
//! `AT+SQNSNVW` after `\r\n> ` and counted bytes, read with `AT+SQNSNVR`, security profiles
//! (`AT+SQNSPCFG`) and TLS sockets (`AT+SQNSCFG`/`SQNSCFGEXT`/`SQNSSCFG`/`SQNSD`/
//! `SQNSSENDEXT`/`SQNSRECV`/`SQNSH`), after `tests/audit/sequans.md`. Every fact the sources
//! leave open is a field of [`SequansConfig`].

use std::collections::BTreeMap;

use super::common::{self, Cme, ERROR, Ident, OK, info, info_ok, urc};
use super::core::{
    CommonConfig, Cx, DataEnd, DataOutcome, Personality, SimModule, Simulator, params, parse_u64,
    split_cmd,
};
use super::creds::{self, Encoding};
use super::server::{ClientOffer, Link, TlsVersion};
use crate::modules::Family;

/// The header of an `AT+SQNSNVR` answer: its fields are not documented (audit §2.3).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum NvrHeader {
    /// `+SQNSNVR: "certificate",11,1187`, a line end, then the text.
    TypeIndexSize,
    /// `+SQNSNVR: ` with the text right after it on the same line.
    Bare,
}

/// What `AT+SQNSNVR` shows of a stored private key: not documented (audit §2.3).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum KeyRead {
    /// The key, as a certificate.
    Content,
    /// The header only: the slot is filled.
    HeaderOnly,
    /// An error, as for an empty slot.
    Refused,
}

/// How `AT+SQNSNVR` answers an empty slot: not documented.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum EmptyRead {
    /// `+CME ERROR: 4`.
    Error,
    /// The header with size 0, then `OK`.
    ZeroSize,
}

/// A simulated GM02S.
#[derive(Clone, Debug)]
pub struct SequansConfig {
    pub common: CommonConfig,
    pub model: String,
    /// `AT+CGMR` (BENCH: `UE8.2.1.0`).
    pub revision: String,
    /// `ATI1` second line (MCHP: `LR8.2.1.0-61488`).
    pub lr_version: String,
    pub imei: String,
    /// Deleting an empty slot answers an error (MCHP, PYT) or `OK` (reference).
    pub nvw_delete_empty_errors: bool,
    /// Writing a filled slot replaces it (true) or is refused until it is deleted.
    pub nvw_overwrite_allowed: bool,
    /// MAN: `<size>` does not count CRs, which the module drops (true); WAL's CRLF uploads
    /// suggest CRs may simply be stored (false).
    pub nvw_strip_cr: bool,
    pub nvr_header: NvrHeader,
    pub nvr_privatekey: KeyRead,
    pub nvr_empty: EmptyRead,
    /// The empty cipher list is `""` (LR8.x, WAL) or an empty field (FW 5.4, PYT).
    pub spcfg_quoted_ciphers: bool,
    /// A set `AT+SQNSPCFG` answers its profile line before `OK` (MCHP waits for one).
    pub spcfg_echo_line: bool,
    /// `AT+CCLK=` accepted; no source shows it either way.
    pub cclk_set_supported: bool,
}

/// Every error output this simulator can emit: each must have a specific explanation.
pub const ERROR_OUTPUTS: &[&str] = &[
    "ERROR",
    "+CME ERROR: 3",
    "+CME ERROR: 4",
    "+CME ERROR: 21",
    "+CME ERROR: 50",
    "+CME ERROR: operation not allowed",
    "+CME ERROR: operation not supported",
    "+CME ERROR: invalid index",
    "+CME ERROR: incorrect parameters",
    "NO CARRIER",
];

impl Default for SequansConfig {
    /// GM02SP on UE8.2.1.0 as on Walter (BENCH).
    fn default() -> Self {
        Self {
            common: CommonConfig::default(),
            model: "GM02SP".into(),
            revision: "UE8.2.1.0".into(),
            lr_version: "LR8.2.1.0-61488".into(),
            imei: "354658090123456".into(),
            nvw_delete_empty_errors: true,
            nvw_overwrite_allowed: true,
            nvw_strip_cr: true,
            nvr_header: NvrHeader::TypeIndexSize,
            nvr_privatekey: KeyRead::Content,
            nvr_empty: EmptyRead::Error,
            spcfg_quoted_ciphers: true,
            spcfg_echo_line: false,
            cclk_set_supported: true,
        }
    }
}

impl SequansConfig {
    pub fn build(self) -> SimModule {
        let common = self.common.clone();
        SimModule::from_personality(
            Box::new(Sequans {
                cfg: self,
                cme: Cme::default(),
                slots: BTreeMap::new(),
                profiles: BTreeMap::new(),
                sockets: BTreeMap::new(),
                pending: None,
            }),
            common,
        )
    }
}

/// A security profile as `AT+SQNSPCFG` set it.
#[derive(Clone, Debug, Default)]
struct Profile {
    version: u8,
    ciphers: String,
    level: u8,
    ca: Option<u8>,
    cert: Option<u8>,
    key: Option<u8>,
}

#[derive(Default)]
struct Socket {
    /// `AT+SQNSSCFG`: TLS on with this profile.
    secure: Option<u8>,
    link: Option<Link>,
    rx: Vec<u8>,
}

enum Pending {
    Nvw { key: bool, index: u8, size: usize },
    Send { conn: u8 },
}

struct Sequans {
    cfg: SequansConfig,
    cme: Cme,
    /// (is a private key, index) -> stored bytes.
    slots: BTreeMap<(bool, u8), Vec<u8>>,
    profiles: BTreeMap<u8, Profile>,
    sockets: BTreeMap<u8, Socket>,
    pending: Option<Pending>,
}

/// MAN: certificate slots take 8 kB, key slots 2 kB.
const CERT_MAX: usize = 8192;
const KEY_MAX: usize = 2048;

impl Sequans {
    fn kind(p: Option<&String>) -> Option<bool> {
        match p.map(String::as_str) {
            Some("certificate") => Some(false),
            Some("privatekey") => Some(true),
            _ => None,
        }
    }

    fn nvw(&mut self, cx: &mut Cx, p: &[String]) {
        let (Some(key), Some(index), Some(size)) = (
            Self::kind(p.first()),
            p.get(1).and_then(|v| parse_u64(v)),
            p.get(2).and_then(|v| parse_u64(v)),
        ) else {
            return cx.answer(self.cme.error(50, "incorrect parameters"));
        };
        if index > 19 {
            return cx.answer(self.cme.error(21, "invalid index"));
        }
        let index = index as u8;
        // MAN: 0-4 and 7-10 are reserved for the module's own use [I: the error code].
        if (0..=4).contains(&index) || (7..=10).contains(&index) {
            return cx.answer(self.cme.error(3, "operation not allowed"));
        }
        if size == 0 {
            if self.slots.remove(&(key, index)).is_none() && self.cfg.nvw_delete_empty_errors {
                return cx.answer(ERROR);
            }
            return cx.answer(OK);
        }
        let max = if key { KEY_MAX } else { CERT_MAX };
        if size as usize > max {
            return cx.answer(self.cme.error(4, "operation not supported"));
        }
        if !self.cfg.nvw_overwrite_allowed && self.slots.contains_key(&(key, index)) {
            return cx.answer(self.cme.error(3, "operation not allowed"));
        }
        self.pending = Some(Pending::Nvw {
            key,
            index,
            size: size as usize,
        });
        // TGv: `\r\n> `, no line end after it.
        cx.answer(b"\r\n> ".to_vec());
        cx.start_data(DataEnd::Count(size as usize), Vec::new(), None);
    }

    fn nvr(&mut self, cx: &mut Cx, p: &[String]) {
        let (Some(key), Some(index)) = (
            Self::kind(p.first()),
            p.get(1).and_then(|v| parse_u64(v)).filter(|i| *i <= 19),
        ) else {
            return cx.answer(self.cme.error(50, "incorrect parameters"));
        };
        let kind = if key { "privatekey" } else { "certificate" };
        let refused = key && self.cfg.nvr_privatekey == KeyRead::Refused;
        let Some(data) = self.slots.get(&(key, index as u8)).filter(|_| !refused) else {
            if self.cfg.nvr_empty == EmptyRead::ZeroSize && !refused {
                return cx.answer(info_ok(&[format!("+SQNSNVR: \"{kind}\",{index},0")]));
            }
            // [I] an empty slot: an error, as WAL's presence check reads it.
            return cx.answer(self.cme.error(4, "operation not supported"));
        };
        let shown = !key || self.cfg.nvr_privatekey == KeyRead::Content;
        let mut out = match self.cfg.nvr_header {
            NvrHeader::TypeIndexSize => {
                let mut o =
                    format!("\r\n+SQNSNVR: \"{kind}\",{index},{}\r\n", data.len()).into_bytes();
                if shown {
                    o.extend_from_slice(data);
                }
                o
            }
            NvrHeader::Bare => {
                let mut o = b"\r\n+SQNSNVR: ".to_vec();
                if shown {
                    o.extend_from_slice(data);
                }
                o
            }
        };
        if shown || self.cfg.nvr_header == NvrHeader::Bare {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(OK);
        cx.answer(out);
    }

    fn spcfg(&mut self, cx: &mut Cx, rest: &str) {
        let p = params(rest);
        // The raw cipher field: `""` or empty, as this firmware wants it.
        let raw_cipher = rest.split(',').nth(2).map(str::trim);
        let sp = p
            .first()
            .and_then(|v| parse_u64(v))
            .filter(|v| (1..=6).contains(v));
        let version = p.get(1).and_then(|v| parse_u64(v)).filter(|v| *v <= 3);
        let level = p.get(3).and_then(|v| parse_u64(v)).filter(|v| *v <= 7);
        let slot = |i: usize| -> Result<Option<u8>, ()> {
            match p.get(i).map(|v| v.trim()) {
                None | Some("") => Ok(None),
                Some(v) => parse_u64(v)
                    .filter(|n| *n <= 19)
                    .map(|n| Some(n as u8))
                    .ok_or(()),
            }
        };
        let form_ok = match raw_cipher {
            Some("\"\"") => self.cfg.spcfg_quoted_ciphers,
            Some("") => !self.cfg.spcfg_quoted_ciphers,
            Some(_) => true,
            None => false,
        };
        let (Some(sp), Some(version), Some(level), Ok(ca), Ok(cert), Ok(key), true) =
            (sp, version, level, slot(4), slot(5), slot(6), form_ok)
        else {
            return cx.answer(self.cme.error(50, "incorrect parameters"));
        };
        let prof = Profile {
            version: version as u8,
            ciphers: p.get(2).cloned().unwrap_or_default(),
            level: level as u8,
            ca,
            cert,
            key,
        };
        let line = self.profile_line(sp as u8, &prof);
        self.profiles.insert(sp as u8, prof);
        if self.cfg.spcfg_echo_line {
            cx.answer(info_ok(&[line]));
        } else {
            cx.answer(OK);
        }
    }

    fn profile_line(&self, sp: u8, p: &Profile) -> String {
        let n = |v: Option<u8>| v.map(|v| v.to_string()).unwrap_or_default();
        format!(
            "+SQNSPCFG: {sp},{},\"{}\",{},{},{},{},\"\",\"\",0,0,0",
            p.version,
            p.ciphers,
            p.level,
            n(p.ca),
            n(p.cert),
            n(p.key)
        )
    }

    fn dial(&mut self, cx: &mut Cx, p: &[String]) {
        let conn = p
            .first()
            .and_then(|v| parse_u64(v))
            .filter(|c| (1..=6).contains(c));
        let port = p
            .get(2)
            .and_then(|v| parse_u64(v))
            .filter(|v| (1..=65535).contains(v));
        let host = p.get(3).cloned().unwrap_or_default();
        let (Some(conn), Some("0"), Some(port), false) =
            (conn, p.get(1).map(String::as_str), port, host.is_empty())
        else {
            return cx.answer(self.cme.error(50, "incorrect parameters"));
        };
        let conn = conn as u8;
        let sock = self.sockets.entry(conn).or_default();
        if sock.link.is_some() {
            return cx.answer(self.cme.error(3, "operation not allowed"));
        }
        let secure = sock.secure;
        let mut offer =
            ClientOffer::new(&host, port as u16, (TlsVersion::Tls10, TlsVersion::Tls12));
        offer.sni = Some(host.clone());
        if let Some(sp) = secure {
            let prof = self.profiles.get(&sp).cloned().unwrap_or_default();
            let max = match prof.version {
                0 => TlsVersion::Tls10,
                1 => TlsVersion::Tls11,
                _ => TlsVersion::Tls12,
            };
            offer.versions = (max, max);
            if prof.level & 1 == 1 {
                // A profile naming an empty or unparsable CA slot trusts nothing.
                offer.trust = Some(
                    prof.ca
                        .and_then(|i| self.slots.get(&(false, i)))
                        .and_then(|d| creds::certs(d, Encoding::Pem).ok())
                        .unwrap_or_default(),
                );
                offer.check_time = Some(cx.epoch());
            }
            let cert = prof
                .cert
                .and_then(|i| self.slots.get(&(false, i)))
                .and_then(|d| creds::certs(d, Encoding::Pem).ok())
                .and_then(|v| v.into_iter().next());
            let key = prof
                .key
                .and_then(|i| self.slots.get(&(true, i)))
                .and_then(|d| creds::key(d, Encoding::Pem).ok());
            if let (Some(c), Some(k)) = (cert, key) {
                offer.client = Some((c, k));
            }
        }
        let hs = cx.server.handshake_time();
        match cx.server.open(&offer) {
            Ok(link) => {
                let sock = self.sockets.entry(conn).or_default();
                sock.link = Some(link);
                sock.rx.clear();
                cx.later(hs, OK);
            }
            // TGv, TOIT, WAL: a failed connect ends in NO CARRIER; no Sequans TLS alert
            // table was found.
            Err(_) => cx.later(hs, b"\r\nNO CARRIER\r\n".to_vec()),
        }
    }

    fn sock_cmd(&mut self, cx: &mut Cx, name: &str, op: Option<char>, rest: &str) -> bool {
        let p = params(rest);
        let conn = p
            .first()
            .and_then(|v| parse_u64(v))
            .filter(|c| (1..=6).contains(c))
            .map(|c| c as u8);
        let bad = |cx: &mut Cx, cme: Cme| cx.answer(cme.error(50, "incorrect parameters"));
        match (name, op) {
            ("+SQNSCFG", Some('=')) | ("+SQNSCFGEXT", Some('=')) => match conn {
                Some(c) if p.len() >= 2 => {
                    self.sockets.entry(c).or_default();
                    cx.answer(OK);
                }
                _ => bad(cx, self.cme),
            },
            ("+SQNSSCFG", Some('=')) => {
                let on = p.get(1).map(String::as_str);
                let sp = p
                    .get(2)
                    .and_then(|v| parse_u64(v))
                    .filter(|v| (1..=6).contains(v));
                match (conn, on, sp) {
                    (Some(c), Some("1"), Some(sp)) => {
                        self.sockets.entry(c).or_default().secure = Some(sp as u8);
                        cx.answer(OK);
                    }
                    (Some(c), Some("0"), _) => {
                        self.sockets.entry(c).or_default().secure = None;
                        cx.answer(OK);
                    }
                    _ => bad(cx, self.cme),
                }
            }
            ("+SQNSD", Some('=')) => self.dial(cx, &p),
            ("+SQNSSENDEXT", Some('=')) => {
                let n = p
                    .get(1)
                    .and_then(|v| parse_u64(v))
                    .filter(|n| (1..=1500).contains(n));
                let (Some(c), Some(n)) = (conn, n) else {
                    return {
                        bad(cx, self.cme);
                        true
                    };
                };
                if self.sockets.get(&c).is_none_or(|s| s.link.is_none()) {
                    cx.answer(self.cme.error(3, "operation not allowed"));
                    return true;
                }
                self.pending = Some(Pending::Send { conn: c });
                cx.answer(b"\r\n> ".to_vec());
                cx.start_data(DataEnd::Count(n as usize), Vec::new(), None);
            }
            ("+SQNSRECV", Some('=')) => {
                let max = p
                    .get(1)
                    .and_then(|v| parse_u64(v))
                    .filter(|n| (1..=1500).contains(n));
                let (Some(c), Some(max)) = (conn, max) else {
                    return {
                        bad(cx, self.cme);
                        true
                    };
                };
                let Some(sock) = self.sockets.get_mut(&c) else {
                    cx.answer(self.cme.error(3, "operation not allowed"));
                    return true;
                };
                let n = sock.rx.len().min(max as usize);
                let data: Vec<u8> = sock.rx.drain(..n).collect();
                let mut out = info(&[format!("+SQNSRECV: {c},{n}")]);
                out.extend_from_slice(&data);
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(OK);
                cx.answer(out);
            }
            ("+SQNSH", Some('=')) => match conn {
                Some(c) => {
                    cx.cancel_deliveries(c);
                    let open = self
                        .sockets
                        .get_mut(&c)
                        .and_then(|s| {
                            s.rx.clear();
                            s.link.take()
                        })
                        .is_some();
                    if open {
                        cx.answer(OK);
                    } else {
                        cx.answer(self.cme.error(3, "operation not allowed"));
                    }
                }
                None => bad(cx, self.cme),
            },
            _ => return false,
        }
        true
    }
}

impl Personality for Sequans {
    fn family(&self) -> Family {
        Family::Sequans
    }

    fn command(&mut self, cx: &mut Cx, line: &[u8]) {
        // PYT: the last ATI line carries the version; the vendor line above it is [I].
        let ati = [
            "Sequans Communications".to_owned(),
            self.cfg.revision.clone(),
        ];
        let (name, op, rest) = split_cmd(line);
        if name == "+CCLK" && op == Some('=') && !self.cfg.cclk_set_supported {
            return cx.answer(self.cme.error(4, "operation not supported"));
        }
        let id = Ident {
            ati: &ati,
            cgmi: "Sequans Communications",
            cgmm: &self.cfg.model,
            cgmr: &self.cfg.revision,
            imei: &self.cfg.imei,
        };
        if common::basic(cx, &mut self.cme, &id, line) {
            return;
        }
        if self.sock_cmd(cx, &name, op, &rest) {
            return;
        }
        let p = params(&rest);
        match (name.as_str(), op) {
            // MCHP l.2103-2120: `UE8.x` then `LR8.x-build`.
            ("I1", None) => cx.answer(info_ok(&[
                self.cfg.revision.clone(),
                self.cfg.lr_version.clone(),
            ])),
            ("+SQNCCID", None) => {
                cx.answer(info_ok(&["+SQNCCID: \"89882280666027595366\",\"\"".into()]))
            }
            ("+SQNSNVW", Some('=')) => self.nvw(cx, &p),
            ("+SQNSNVR", Some('=')) => self.nvr(cx, &p),
            ("+SQNSPCFG", Some('=')) => self.spcfg(cx, &rest),
            ("+SQNSPCFG", Some('?')) | ("+SQNSPCFG", None) => {
                let lines: Vec<String> = self
                    .profiles
                    .iter()
                    .map(|(sp, pr)| self.profile_line(*sp, pr))
                    .collect();
                cx.answer(info_ok(&lines));
            }
            _ => cx.answer(ERROR),
        }
    }

    fn data(&mut self, cx: &mut Cx, outcome: DataOutcome) {
        match (self.pending.take(), outcome) {
            (Some(Pending::Nvw { key, index, size }), DataOutcome::Complete(bytes)) => {
                let crs = bytes.iter().filter(|&&b| b == b'\r').count();
                if self.cfg.nvw_strip_cr && bytes.len() < size + crs {
                    // CRs do not count: the module waits for more.
                    self.pending = Some(Pending::Nvw { key, index, size });
                    return cx.start_data(DataEnd::Count(size + crs), bytes, None);
                }
                let stored: Vec<u8> = if self.cfg.nvw_strip_cr {
                    bytes.into_iter().filter(|&b| b != b'\r').collect()
                } else {
                    bytes
                };
                // MAN: OK only when "uploaded and verified".
                let valid = if key {
                    creds::key(&stored, Encoding::Pem).is_ok()
                } else {
                    creds::certs(&stored, Encoding::Pem).is_ok()
                };
                if valid {
                    self.slots.insert((key, index), stored);
                    cx.answer(OK);
                } else {
                    cx.answer(self.cme.error(4, "operation not supported"));
                }
            }
            (Some(Pending::Send { conn }), DataOutcome::Complete(bytes)) => {
                let result = match self.sockets.get_mut(&conn).and_then(|s| s.link.as_mut()) {
                    Some(l) => l.exchange(&bytes),
                    None => Err("closed".into()),
                };
                match result {
                    Ok((resp, closed)) => {
                        cx.answer(OK);
                        if !resp.is_empty() || closed {
                            let t = cx.server.response_time();
                            cx.deliver(t, conn, resp, closed);
                        }
                    }
                    Err(_) => cx.answer(b"\r\nNO CARRIER\r\n".to_vec()),
                }
            }
            _ => cx.answer(ERROR),
        }
    }

    fn deliver(&mut self, cx: &mut Cx, conn: u8, bytes: Vec<u8>, closed: bool) {
        let sock = self.sockets.entry(conn).or_default();
        if !bytes.is_empty() {
            sock.rx.extend_from_slice(&bytes);
            // SQNSCFGEXT srMode 1: the ring carries the bytes waiting (WAL, TOIT).
            cx.answer(urc(&format!("+SQNSRING: {conn},{}", sock.rx.len())));
        }
        if closed {
            sock.link = None;
            cx.answer(urc(&format!("+SQNSH: {conn}")));
        }
    }

    fn plain_error(&self) -> Vec<u8> {
        ERROR.to_vec()
    }

    fn storage(&self) -> BTreeMap<String, Vec<u8>> {
        self.slots
            .iter()
            .map(|((key, i), v)| {
                (
                    format!("{}:{i}", if *key { "privatekey" } else { "certificate" }),
                    v.clone(),
                )
            })
            .collect()
    }

    /// A restart: sockets and their buffers are gone; NVRAM slots and profiles stay (MAN:
    /// they survive reboot and firmware upgrade).
    fn link_reset(&mut self) {
        self.pending = None;
        for s in self.sockets.values_mut() {
            s.link = None;
            s.rx.clear();
        }
    }
}

/// The simulator as `sim/mod.rs` registers it.
pub(super) const SIMULATOR: Simulator = Simulator {
    family: Family::Sequans,
    build: |adjust| {
        let mut c = SequansConfig::default();
        adjust(&mut c.common);
        c.build()
    },
    error_outputs: ERROR_OUTPUTS,
    error_commands: &[],
};
