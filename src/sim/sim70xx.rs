//! SIMCom SIM7000 / SIM7080 (and SIM7070/7090): CFS flash files, `AT+CSSLCFG="convert"`
//! into the SSL store, `AT+CASSLCFG` and the `AT+CA*` sockets, after
//! `shared/reference/modules/sim70xx.md` and `tests/audit/sim70xx.md`.
//!
//! The model line decides the firmware line: a `SIM7000` model speaks SIM7000's forms of
//! `AT+CNACT`/`AT+CAOPEN` and needs `AT+CACID`; the others SIM7070/80/90's.

use core::time::Duration;
use std::collections::BTreeMap;

use super::common::{self, Cme, ERROR, Ident, OK, info_ok, urc};
use super::core::{
    CommonConfig, Cx, DataEnd, DataOutcome, Personality, SimModule, Simulator, is_quoted, params,
    parse_u64, split_cmd,
};
use super::creds::{self, Encoding};
use super::server::{ClientOffer, Link, Refusal, TlsVersion};
use crate::modules::Family;

/// What `AT+CFSWFILE` answers when its input window closes before all bytes came.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum WindowReply {
    /// `OK`, nothing written (reference 2.1 [S1]).
    Ok,
    /// `+CME ERROR: 3` (botletics #278).
    Cme3,
    /// A bare `ERROR` [I].
    Error,
}

/// A simulated SIM70xx. Uncertain facts (audit 6) are fields.
#[derive(Clone, Debug)]
pub struct Sim70xxConfig {
    pub common: CommonConfig,
    /// `AT+CGMM` (`SIMCOM_SIM7080G`; `SIMCOM_SIM7000G` switches to the SIM7000 line).
    pub model: String,
    /// `AT+CGMR` (`Revision:1951B16SIM7080`).
    pub revision: String,
    /// `ATI` (`R1951.07`; `SIM7000G R1529`).
    pub ati: String,
    pub imei: String,
    /// A second `AT+CFSINIT` answers `ERROR` (EFS-DUMP); `false`: `OK`.
    pub cfsinit_twice_errors: bool,
    /// `AT+CFSTERM` without a session answers `ERROR` \[I\]; `false`: `OK`.
    pub cfsterm_idle_errors: bool,
    /// CFS commands outside `AT+CFSINIT`…`AT+CFSTERM` answer `ERROR` (reference 8 \[I\]).
    pub cfs_needs_session: bool,
    /// The answer when the upload window closes early (audit 6 #1).
    pub window_reply: WindowReply,
    /// `AT+CFSRFILE` ends the data with `\r\n` before `\r\nOK\r\n` \[I\]; `false`: the
    /// `\r\nOK\r\n` follows the data at once (audit 2.3 `cfsrfile_tail`).
    pub cfsrfile_crlf_after_data: bool,
    /// `AT+CFSDFILE` of a missing file answers `ERROR` \[I\]; default `OK` as the
    /// reference's log (before the first write).
    pub cfsdfile_missing_errors: bool,
    /// `AT+CSSLCFG` keywords only in lower case (EnviroDIY); default any case (LGEX, KAMPI).
    pub csslcfg_lower_only: bool,
    /// `"ignorertctime"` 1 means "do not check dates" (every user); `false`: the opposite.
    pub ignorertctime_one_ignores: bool,
    /// `+CAOPEN: <cid>,<r>` before `OK` (real logs, VESC); `false`: after it (TinyGSM).
    pub caopen_result_before_ok: bool,
    /// `AT+CNACT` on an active bearer answers `ERROR` \[I\]; `false`: `OK` and the URC.
    pub cnact_active_errors: bool,
    /// `AT+CFSWFILE` prints `OK` before `DOWNLOAD` (reference 2.1: "some firmware" [S1]);
    /// the `OK` after the data is assumed to follow still \[I\].
    pub ok_before_download: bool,
    /// Largest `AT+CFSWFILE` size (KAMPI: 10240).
    pub max_file: usize,
}

/// Every error output this simulator can produce, for the test that each is explained.
pub const ERROR_OUTPUTS: &[&str] = &[
    "ERROR",
    "+CME ERROR: 3",
    "+CME ERROR: operation not allowed",
    "+CME ERROR: 50",
    "+CAOPEN: 0,20",
    "+CAOPEN: 0,21",
    "+CAOPEN: 0,23",
    "+CAOPEN: 0,24",
    "+CAOPEN: 0,25",
    "+CAOPEN: 0,27",
    "+CASTATE: 0,0",
];

/// Every command this simulator can refuse, as atcert or a user would send it.
pub const ERROR_COMMANDS: &[&str] = &[
    "AT+CFSINIT",
    "AT+CFSTERM",
    "AT+CFSWFILE=3,\"ca.pem\",0,20000,10000",
    "AT+CFSGFIS=3,\"missing.pem\"",
    "AT+CFSRFILE=3,\"missing.pem\",0,10240,0",
    "AT+CSSLCFG=\"convert\",1,\"client.pem\"",
    "AT+CSSLCFG=\"sslversion\",9,3",
    "AT+CASSLCFG=0,\"CRINDEX\",9",
    "AT+CACID=0",
    "AT+CNACT=0,1",
    "AT+CAOPEN=0,0,\"TCP\",\"localhost\",443",
    "AT+CASEND=0,10",
    "AT+CARECV=0,10",
    "AT+CACLOSE=0",
    "AT+CCLK=\"99/99/99,99:99:99+00\"",
];

impl Default for Sim70xxConfig {
    fn default() -> Self {
        Self {
            common: CommonConfig::default(),
            model: "SIMCOM_SIM7080G".into(),
            revision: "Revision:1951B16SIM7080".into(),
            ati: "R1951.07".into(),
            imei: "869951031234567".into(),
            cfsinit_twice_errors: true,
            cfsterm_idle_errors: true,
            cfs_needs_session: true,
            window_reply: WindowReply::Cme3,
            cfsrfile_crlf_after_data: true,
            cfsdfile_missing_errors: false,
            csslcfg_lower_only: false,
            ignorertctime_one_ignores: true,
            caopen_result_before_ok: true,
            cnact_active_errors: true,
            ok_before_download: false,
            max_file: 10_240,
        }
    }
}

impl Sim70xxConfig {
    /// A SIM7000G as ATI-LOG and B71 show it.
    pub fn sim7000g() -> Self {
        Self {
            model: "SIMCOM_SIM7000G".into(),
            revision: "Revision:1529B11SIM7000G".into(),
            ati: "SIM7000G R1529".into(),
            ..Self::default()
        }
    }

    pub fn build(self) -> SimModule {
        let common = self.common.clone();
        SimModule::from_personality(
            Box::new(Sim70xx {
                sim7000: self.model.to_ascii_uppercase().contains("SIM7000"),
                cfg: self,
                files: BTreeMap::new(),
                ca_lists: BTreeMap::new(),
                certs: BTreeMap::new(),
                cfs_open: false,
                cme: Cme::default(),
                ctx: [(); 6].map(|()| SslCtx::default()),
                conns: core::array::from_fn(|_| Conn::default()),
                selected: None,
                bearer: false,
                pending: None,
            }),
            common,
        )
    }
}

#[derive(Clone, Debug)]
struct SslCtx {
    version: u8,
    ignorertctime: u8,
    sni: String,
}

impl Default for SslCtx {
    fn default() -> Self {
        // [I] defaults: any version, dates not checked (what every user sets).
        Self {
            version: 0,
            ignorertctime: 1,
            sni: String::new(),
        }
    }
}

#[derive(Default)]
struct Conn {
    ssl: bool,
    crindex: u8,
    cacert: String,
    cert: String,
    generation: u8,
    link: Option<Link>,
    rx: Vec<u8>,
}

enum Pending {
    Write { name: String, append: bool },
    Send(usize),
}

const CIDS: usize = 12;

struct Sim70xx {
    cfg: Sim70xxConfig,
    sim7000: bool,
    /// `/customer/` files by name.
    files: BTreeMap<String, Vec<u8>>,
    /// Converted CA lists (type 2), by the source file's name.
    ca_lists: BTreeMap<String, Vec<u8>>,
    /// Converted client certificates with their keys (type 1), by the certificate's name.
    certs: BTreeMap<String, (Vec<u8>, Vec<u8>)>,
    cfs_open: bool,
    cme: Cme,
    ctx: [SslCtx; 6],
    conns: [Conn; CIDS],
    /// SIM7000: the connection `AT+CACID` selected.
    selected: Option<usize>,
    bearer: bool,
    pending: Option<Pending>,
}

fn not_allowed(cme: Cme) -> Vec<u8> {
    cme.error(3, "operation not allowed")
}

impl Sim70xx {
    fn conn_id(&self, cid: usize) -> u8 {
        let g = self.conns[cid].generation % 16;
        u8::try_from(cid).unwrap_or(0) | (g << 4)
    }

    fn end(&mut self, cid: usize) {
        let c = &mut self.conns[cid];
        c.link = None;
        c.rx.clear();
        c.generation = c.generation.wrapping_add(1);
    }

    /// A CFS name parameter: quoted, 1-230 characters (KAMPI).
    fn name(raw: Option<&str>) -> Option<String> {
        let raw = raw?;
        let name = raw.trim().trim_matches('"');
        (is_quoted(raw) && (1..=230).contains(&name.len())).then(|| name.to_owned())
    }

    fn cfs(&mut self, cx: &mut Cx, name: &str, rest: &str) {
        let raw: Vec<&str> = rest.split(',').collect();
        let p = params(rest);
        if self.cfg.cfs_needs_session && !self.cfs_open {
            return cx.answer(ERROR);
        }
        let dir_ok = p.first().and_then(|d| parse_u64(d)).is_some_and(|d| d <= 3);
        let file = Self::name(raw.get(1).copied());
        let (true, Some(file)) = (dir_ok, file) else {
            return cx.answer(ERROR);
        };
        match name {
            "+CFSWFILE" => {
                let mode = p.get(2).and_then(|v| parse_u64(v)).filter(|m| *m <= 1);
                let size = p
                    .get(3)
                    .and_then(|v| parse_u64(v))
                    .map(|v| v as usize)
                    .filter(|s| (1..=self.cfg.max_file).contains(s));
                let window = p
                    .get(4)
                    .and_then(|v| parse_u64(v))
                    .filter(|t| (100..=10_000).contains(t));
                let (Some(mode), Some(size), Some(window)) = (mode, size, window) else {
                    return cx.answer(not_allowed(self.cme));
                };
                self.pending = Some(Pending::Write {
                    name: file,
                    append: mode == 1,
                });
                if self.cfg.ok_before_download {
                    cx.answer(OK);
                }
                cx.answer(b"\r\nDOWNLOAD\r\n".to_vec());
                cx.start_data(
                    DataEnd::Count(size),
                    Vec::new(),
                    Some(Duration::from_millis(window)),
                );
            }
            "+CFSGFIS" => match self.files.get(&file) {
                Some(d) => cx.answer(info_ok(&[format!("+CFSGFIS: {}", d.len())])),
                None => cx.answer(ERROR),
            },
            "+CFSRFILE" => {
                let len = p.get(3).and_then(|v| parse_u64(v)).map(|v| v as usize);
                let pos = p.get(4).and_then(|v| parse_u64(v)).map(|v| v as usize);
                let (Some(d), Some(len), Some(pos)) = (self.files.get(&file), len, pos) else {
                    return cx.answer(ERROR);
                };
                let from = pos.min(d.len());
                let data = &d[from..d.len().min(from.saturating_add(len))];
                let mut out = format!("\r\n+CFSRFILE: {}\r\n", data.len()).into_bytes();
                out.extend_from_slice(data);
                if self.cfg.cfsrfile_crlf_after_data {
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(OK);
                cx.answer(out);
            }
            "+CFSDFILE" => {
                if self.files.remove(&file).is_some() || !self.cfg.cfsdfile_missing_errors {
                    cx.answer(OK);
                } else {
                    cx.answer(ERROR);
                }
            }
            _ => cx.answer(ERROR),
        }
    }

    fn csslcfg(&mut self, cx: &mut Cx, op: Option<char>, rest: &str) {
        if op == Some('=') && rest.trim() == "?" {
            // CFGTEST: the SIM7000 manual's list.
            return cx.answer(info_ok(&[
                "+CSSLCFG: \"sslversion\",(0-5),(0-5)".into(),
                "+CSSLCFG: \"ignorertctime\",(0-5),(0-1)".into(),
                "+CSSLCFG: \"protocol\",(0-5),(1-2)".into(),
                "+CSSLCFG: \"sni\",(0-5),\"\"".into(),
                "+CSSLCFG: \"convert\",(1-3),(<cname>,[<keyname>[,<passkey>]])".into(),
            ]));
        }
        let raw_kw = rest
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        if self.cfg.csslcfg_lower_only && raw_kw.bytes().any(|b| b.is_ascii_uppercase()) {
            return cx.answer(ERROR);
        }
        let keyword = raw_kw.to_ascii_lowercase();
        let p = params(rest);
        if keyword == "convert" {
            return self.convert(cx, &p);
        }
        let Some(idx) = p.get(1).and_then(|c| parse_u64(c)).filter(|c| *c < 6) else {
            return cx.answer(self.cme.error(50, "incorrect parameters"));
        };
        let c = &mut self.ctx[idx as usize];
        let num = p.get(2).and_then(|v| parse_u64(v));
        let ok = match keyword.as_str() {
            "sslversion" => num.filter(|v| *v <= 5).map(|v| c.version = v as u8),
            "ignorertctime" => num.filter(|v| *v <= 1).map(|v| c.ignorertctime = v as u8),
            "protocol" => num.filter(|v| (1..=2).contains(v)).map(|_| ()),
            "sni" => p.get(2).map(|h| c.sni = h.clone()),
            "ctxindex" if p.len() == 2 => {
                let line = format!(
                    "+CSSLCFG: {idx},{},0x0000,0x0000,0x0000,0x0000,0x0000,0x0000,0x0000,0x0000,{},1,\"{}\"",
                    c.version, c.ignorertctime, c.sni
                );
                return cx.answer(info_ok(&[line]));
            }
            _ => None,
        };
        match ok {
            Some(()) => cx.answer(OK),
            None => cx.answer(self.cme.error(50, "incorrect parameters")),
        }
    }

    /// `"convert",<type>,<file>[,<key>[,<passkey>]]`: parses the PEM into the store.
    fn convert(&mut self, cx: &mut Cx, p: &[String]) {
        let kind = p.get(1).and_then(|v| parse_u64(v));
        let file = |n: Option<&String>| n.and_then(|n| self.files.get(n)).cloned();
        match kind {
            Some(2) if p.len() == 3 => {
                let Some(ca) = file(p.get(2)) else {
                    return cx.answer(not_allowed(self.cme));
                };
                if creds::certs(&ca, Encoding::Pem).is_err() {
                    return cx.answer(not_allowed(self.cme));
                }
                self.ca_lists.insert(p[2].clone(), ca);
                cx.answer(OK);
            }
            // A certificate alone is refused (B300, LG5).
            Some(1) if (4..=5).contains(&p.len()) => {
                let (Some(cert), Some(key)) = (file(p.get(2)), file(p.get(3))) else {
                    return cx.answer(not_allowed(self.cme));
                };
                let parsed = creds::certs(&cert, Encoding::Pem).is_ok()
                    && creds::key(&key, Encoding::Pem).is_ok();
                if !parsed {
                    return cx.answer(not_allowed(self.cme));
                }
                self.certs.insert(p[2].clone(), (cert, key));
                cx.answer(OK);
            }
            _ => cx.answer(not_allowed(self.cme)),
        }
    }

    fn casslcfg(&mut self, cx: &mut Cx, rest: &str) {
        let p = params(rest);
        let Some(cid) = p
            .first()
            .and_then(|c| parse_u64(c))
            .map(|c| c as usize)
            .filter(|c| *c < CIDS)
        else {
            return cx.answer(ERROR);
        };
        // SIM7000 needs the connection selected first (reference 4.2).
        if self.sim7000 && self.selected != Some(cid) {
            return cx.answer(ERROR);
        }
        let keyword = p.get(1).map(|k| k.to_ascii_lowercase()).unwrap_or_default();
        let value = p.get(2).cloned().unwrap_or_default();
        let num = parse_u64(&value);
        let c = &mut self.conns[cid];
        let ok = match keyword.as_str() {
            "ssl" => num.filter(|v| *v <= 1).map(|v| c.ssl = v == 1),
            "crindex" => num.filter(|v| *v < 6).map(|v| c.crindex = v as u8),
            "protocol" => num.filter(|v| *v <= 1).map(|_| ()),
            "cacert" if (1..=64).contains(&value.len()) => {
                c.cacert = value;
                Some(())
            }
            "cert" if (1..=64).contains(&value.len()) => {
                c.cert = value;
                Some(())
            }
            _ => None,
        };
        match ok {
            Some(()) => cx.answer(OK),
            None => cx.answer(ERROR),
        }
    }

    /// The `+CAOPEN` result for opening `cid` to host:port.
    fn open(&mut self, cx: &mut Cx, cid: usize, host: &str, port: u16) -> u32 {
        if !self.bearer {
            return 21;
        }
        let conn = &self.conns[cid];
        let ctx = self.ctx[conn.crindex as usize].clone();
        let versions = match ctx.version {
            1 => (TlsVersion::Tls10, TlsVersion::Tls10),
            2 => (TlsVersion::Tls11, TlsVersion::Tls11),
            3 => (TlsVersion::Tls12, TlsVersion::Tls12),
            _ => (TlsVersion::Tls10, TlsVersion::Tls12),
        };
        let mut offer = ClientOffer::new(host, port, versions);
        if conn.ssl {
            offer.sni = (!ctx.sni.is_empty()).then(|| ctx.sni.clone());
            if !conn.cacert.is_empty() {
                // A name never converted: the connection fails (reference 8 [I]).
                let Some(cas) = self
                    .ca_lists
                    .get(&conn.cacert)
                    .and_then(|ca| creds::certs(ca, Encoding::Pem).ok())
                else {
                    return 27;
                };
                offer.trust = Some(cas);
                let ignore = if self.cfg.ignorertctime_one_ignores {
                    ctx.ignorertctime == 1
                } else {
                    ctx.ignorertctime == 0
                };
                if !ignore {
                    offer.check_time = Some(cx.epoch());
                }
            }
            if !conn.cert.is_empty() {
                let Some((cert, key)) = self.certs.get(&conn.cert) else {
                    return 27;
                };
                let cert = creds::certs(cert, Encoding::Pem)
                    .ok()
                    .and_then(|v| v.into_iter().next());
                let key = creds::key(key, Encoding::Pem).ok();
                match (cert, key) {
                    (Some(cert), Some(key)) => offer.client = Some((cert, key)),
                    _ => return 27,
                }
            }
        }
        match cx.server.open(&offer) {
            Ok(link) => {
                self.end(cid);
                self.conns[cid].link = Some(link);
                0
            }
            Err(Refusal::Dns) => 20,
            Err(Refusal::Unreachable(_)) => 23,
            Err(Refusal::Expired) => 24,
            Err(Refusal::Sni) => 25,
            Err(_) => 27,
        }
    }

    fn ca(&mut self, cx: &mut Cx, name: &str, op: Option<char>, rest: &str) {
        let p = params(rest);
        let cid = p
            .first()
            .and_then(|c| parse_u64(c))
            .map(|c| c as usize)
            .filter(|c| *c < CIDS);
        match (name, op) {
            ("+CACID", Some('=')) if self.sim7000 => match cid {
                Some(c) => {
                    self.selected = Some(c);
                    cx.answer(OK);
                }
                None => cx.answer(ERROR),
            },
            ("+CNACT", Some('=')) => {
                let on = if self.sim7000 {
                    p.first().map(String::as_str) == Some("1") && p.len() <= 2
                } else {
                    p.first().map(String::as_str) == Some("0")
                        && p.get(1).map(String::as_str) == Some("1")
                };
                let off = p.first().map(String::as_str) == Some("0") && self.sim7000
                    || p.get(1).map(String::as_str) == Some("0") && !self.sim7000;
                let active = if self.sim7000 {
                    "+APP PDP: ACTIVE"
                } else {
                    "+APP PDP: 0,ACTIVE"
                };
                if on {
                    if self.bearer && self.cfg.cnact_active_errors {
                        return cx.answer(ERROR);
                    }
                    self.bearer = true;
                    cx.answer(OK);
                    cx.later(Duration::from_millis(200), urc(active));
                } else if off {
                    self.bearer = false;
                    for cid in 0..CIDS {
                        self.end(cid);
                    }
                    cx.answer(OK);
                } else {
                    cx.answer(ERROR);
                }
            }
            ("+CNACT", Some('?')) => {
                let ip = if self.bearer {
                    "10.52.204.103"
                } else {
                    "0.0.0.0"
                };
                let line = if self.sim7000 {
                    format!("+CNACT: {},\"{ip}\"", u8::from(self.bearer))
                } else {
                    format!("+CNACT: 0,{},\"{ip}\"", u8::from(self.bearer))
                };
                cx.answer(info_ok(&[line]));
            }
            ("+CAOPEN", Some('=')) => {
                // SIM7070/80: <cid>,<pdp>,"TCP",<host>,<port>; SIM7000: <cid>,<host>,<port>.
                let (host, port) = if self.sim7000 {
                    (p.get(1), p.get(2))
                } else {
                    let tcp = p.get(2).is_some_and(|t| t.eq_ignore_ascii_case("TCP"));
                    (p.get(3).filter(|_| tcp && p.len() == 5), p.get(4))
                };
                let port = port
                    .and_then(|v| parse_u64(v))
                    .filter(|v| (1..=65535).contains(v));
                let (Some(cid), Some(host), Some(port)) =
                    (cid, host.filter(|h| !h.is_empty()), port)
                else {
                    return cx.answer(ERROR);
                };
                if self.conns[cid].link.is_some() {
                    return cx.answer(ERROR);
                }
                let host = host.clone();
                let r = self.open(cx, cid, &host, port as u16);
                let hs = cx.server.handshake_time();
                let result = urc(&format!("+CAOPEN: {cid},{r}"));
                if self.cfg.caopen_result_before_ok {
                    cx.later(hs, [result, OK.to_vec()].concat());
                } else {
                    cx.answer(OK);
                    cx.later(hs, result);
                }
            }
            ("+CASEND", Some('=')) => {
                let len = p.get(1).and_then(|v| parse_u64(v)).map(|v| v as usize);
                match (cid, len) {
                    (Some(c), Some(n))
                        if (1..=1460).contains(&n) && self.conns[c].link.is_some() =>
                    {
                        self.pending = Some(Pending::Send(c));
                        cx.answer(b"\r\n> ".to_vec());
                        cx.start_data(DataEnd::Count(n), Vec::new(), Some(Duration::from_secs(10)));
                    }
                    _ => cx.answer(ERROR),
                }
            }
            ("+CARECV", Some('=')) => {
                let most = p.get(1).and_then(|v| parse_u64(v)).map(|v| v as usize);
                let (Some(c), Some(most)) = (cid, most.filter(|m| (1..=1460).contains(m))) else {
                    return cx.answer(ERROR);
                };
                let conn = &mut self.conns[c];
                if conn.link.is_none() && conn.rx.is_empty() {
                    return cx.answer(ERROR);
                }
                let n = conn.rx.len().min(most);
                let data: Vec<u8> = conn.rx.drain(..n).collect();
                let mut out = if n == 0 {
                    b"\r\n+CARECV: 0\r\n".to_vec()
                } else {
                    let mut o = format!("\r\n+CARECV: {n},").into_bytes();
                    o.extend_from_slice(&data);
                    o.extend_from_slice(b"\r\n");
                    o
                };
                out.extend_from_slice(OK);
                cx.answer(out);
            }
            ("+CACLOSE", Some('=')) => match cid {
                Some(c) if self.conns[c].link.is_some() => {
                    self.end(c);
                    cx.answer(OK);
                }
                _ => cx.answer(ERROR),
            },
            ("+CASTATE", Some('?')) => {
                let lines: Vec<String> = (0..CIDS)
                    .filter(|c| self.conns[*c].link.is_some())
                    .map(|c| format!("+CASTATE: {c},1"))
                    .collect();
                cx.answer(info_ok(&lines));
            }
            _ => cx.answer(ERROR),
        }
    }
}

impl Personality for Sim70xx {
    fn family(&self) -> Family {
        Family::Sim70xx
    }

    fn command(&mut self, cx: &mut Cx, line: &[u8]) {
        let ati = [self.cfg.ati.clone()];
        let id = Ident {
            ati: &ati,
            cgmi: "SIMCOM_Ltd",
            cgmm: &self.cfg.model,
            cgmr: &self.cfg.revision,
            imei: &self.cfg.imei,
        };
        if common::basic(cx, &mut self.cme, &id, line) {
            return;
        }
        let (name, op, rest) = split_cmd(line);
        match (name.as_str(), op) {
            ("+CFSINIT", None) => {
                if self.cfs_open && self.cfg.cfsinit_twice_errors {
                    cx.answer(ERROR);
                } else {
                    self.cfs_open = true;
                    cx.answer(OK);
                }
            }
            ("+CFSTERM", None) => {
                if !self.cfs_open && self.cfg.cfsterm_idle_errors {
                    cx.answer(ERROR);
                } else {
                    self.cfs_open = false;
                    cx.answer(OK);
                }
            }
            ("+CFSWFILE" | "+CFSGFIS" | "+CFSRFILE" | "+CFSDFILE", Some('=')) => {
                self.cfs(cx, &name, &rest);
            }
            ("+CSSLCFG", _) => self.csslcfg(cx, op, &rest),
            ("+CASSLCFG", Some('=')) => self.casslcfg(cx, &rest),
            (n, _) if n.starts_with("+CA") || n == "+CNACT" => self.ca(cx, n, op, &rest),
            _ => cx.answer(ERROR),
        }
    }

    fn data(&mut self, cx: &mut Cx, outcome: DataOutcome) {
        match (self.pending.take(), outcome) {
            (Some(Pending::Write { name, append }), DataOutcome::Complete(bytes)) => {
                let file = self.files.entry(name).or_default();
                if !append {
                    file.clear();
                }
                file.extend_from_slice(&bytes);
                cx.answer(OK);
            }
            (Some(Pending::Write { .. }), DataOutcome::TimedOut) => match self.cfg.window_reply {
                WindowReply::Ok => cx.answer(OK),
                WindowReply::Cme3 => cx.answer(b"\r\n+CME ERROR: 3\r\n".to_vec()),
                WindowReply::Error => cx.answer(ERROR),
            },
            (Some(Pending::Send(cid)), DataOutcome::Complete(bytes)) => {
                let result = match self.conns[cid].link.as_mut() {
                    Some(link) => link.exchange(&bytes),
                    None => Err("closed".into()),
                };
                match result {
                    Ok((resp, closed)) => {
                        cx.answer(OK);
                        if self.sim7000 {
                            // SIM7000: `+CASEND: <cid>,<result>,<len>` after OK (reference 4.2).
                            cx.answer(urc(&format!("+CASEND: {cid},0,{}", bytes.len())));
                        }
                        if !resp.is_empty() || closed {
                            let t = cx.server.response_time();
                            cx.deliver(t, self.conn_id(cid), resp, closed);
                        }
                    }
                    Err(_) => cx.answer(ERROR),
                }
            }
            _ => cx.answer(ERROR),
        }
    }

    fn deliver(&mut self, cx: &mut Cx, conn: u8, bytes: Vec<u8>, closed: bool) {
        let cid = usize::from(conn & 0x0f);
        if cid >= CIDS
            || conn >> 4 != self.conns[cid].generation % 16
            || self.conns[cid].link.is_none()
        {
            return;
        }
        if !bytes.is_empty() {
            self.conns[cid].rx.extend_from_slice(&bytes);
            cx.answer(urc(&format!("+CADATAIND: {cid}")));
        }
        if closed {
            self.conns[cid].link = None;
            cx.answer(urc(&format!("+CASTATE: {cid},0")));
        }
    }

    fn plain_error(&self) -> Vec<u8> {
        ERROR.to_vec()
    }

    /// Files as `/customer/<name>`, converted objects as `ssl/ca/<name>` and
    /// `ssl/cert/<name>` (the certificate, then its key).
    fn storage(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out: BTreeMap<String, Vec<u8>> = self
            .files
            .iter()
            .map(|(n, d)| (format!("/customer/{n}"), d.clone()))
            .collect();
        for (n, d) in &self.ca_lists {
            out.insert(format!("ssl/ca/{n}"), d.clone());
        }
        for (n, (c, k)) in &self.certs {
            out.insert(
                format!("ssl/cert/{n}"),
                [c.as_slice(), k.as_slice()].concat(),
            );
        }
        out
    }

    fn link_reset(&mut self) {
        self.pending = None;
    }
}

/// This simulator, as `sim/mod.rs` registers it.
pub(super) const SIMULATOR: Simulator = Simulator {
    family: Family::Sim70xx,
    build: |adjust| {
        let mut c = Sim70xxConfig::default();
        adjust(&mut c.common);
        c.build()
    },
    error_outputs: ERROR_OUTPUTS,
    error_commands: ERROR_COMMANDS,
};
