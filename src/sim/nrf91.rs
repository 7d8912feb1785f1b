//! Nordic nRF9160 / nRF9151 behind one of its AT applications (the at_client AT host, the
//! old Serial LTE Modem, or Serial Modem): `%CMNG` security tags with the SHA-256 list,
//! the functional-mode rule, the quoted-PEM line and its buffer limit, and the two socket
//! dialects, after `tests/audit/nrf91.md`. Uncertain facts are switches.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::common::{self, Cme, ERROR, Ident, OK, info_ok};
use super::core::{
    CommonConfig, Cx, DataOutcome, Personality, SimModule, Simulator, corrupt, params, parse_u64,
    split_cmd,
};
use super::creds::{self, Encoding};
use super::server::{ClientOffer, Link, Refusal, TlsVersion};
use crate::modules::Family;

/// The application answering AT commands (switch `nrf_app`).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum NrfApp {
    /// The at_client sample's AT host: modem commands only; a line over 4095 bytes hangs.
    AtClient,
    /// The old Serial LTE Modem (NCS up to 3.1): `#XSLMVER`, one socket, no handles.
    Slm,
    /// Serial Modem: `#XSMVER`, handle-based sockets, 8192-byte lines, then `ERROR`.
    SerialModem,
}

/// A simulated nRF91. Defaults are the safe-flow readings of the audit.
#[derive(Clone, Debug)]
pub struct Nrf91Config {
    pub common: CommonConfig,
    /// `AT+CGMM` (`nRF9160-SICA`, `nRF9151-LACA` \[C LOGS\]).
    pub model: String,
    /// `AT+CGMR` (`mfw_nrf9160_1.3.5`, `mfw_nrf91x1_2.0.4` \[C\]).
    pub revision: String,
    pub imei: String,
    pub app: NrfApp,
    /// The longest line the AT host takes: 4095 (at_host, then the closing quote is
    /// dropped and nothing answers) or 8192 (Serial Modem, then `ERROR`) \[C audit 2.2\].
    /// `None`: the application's own.
    pub line_max: Option<usize>,
    /// `AT%CMNG=0` onto an existing entry replaces it \[C indirect, NCU\]; `false`:
    /// `+CME ERROR: 519` (switch `cmng_overwrite`).
    pub cmng_overwrite: bool,
    /// `AT%CMNG=1` lists the SHA-256 (modem firmware 1.3.2 on \[C NCU\]); `false`: not.
    pub cmng_list_sha: bool,
    /// `AT%CMNG=2` reads a key (type 2); `false`: `+CME ERROR: 514` \[U\].
    pub cmng_read_key: bool,
    /// `AT+CFUN?` at power-on: 0 (Serial Modem boots with the radio off), 1 or 4.
    pub cfun_initial: u8,
    /// The TLS stack checks certificate dates against the modem clock \[U\].
    pub checks_dates: bool,
    /// The time (Unix seconds) the network gives once the modem is online (NITZ \[I\]);
    /// `None`: no network time, the clock stays at its boot date.
    pub network_time: Option<i64>,
    /// A failed `#XCONNECT` answers `ERROR` (Serial Modem's `do_connect`) \[C SM\];
    /// `false`: `#XCONNECT: [<h>,]0` and `OK`.
    pub xconnect_fail_error: bool,
    /// Stores one byte other than it was sent, yet answers `OK`; the SHA-256 and read-back
    /// are of what it stored (the held-out fake modules do this).
    pub corrupt_storage: bool,
}

/// Every error output this simulator can produce.
pub const ERROR_OUTPUTS: &[&str] = &[
    "ERROR",
    "+CME ERROR: 513",
    "+CME ERROR: 514",
    "+CME ERROR: 518",
    "+CME ERROR: 519",
    "+CME ERROR: 527",
    "#XCONNECT: 0,0",
    "#XCONNECT: 0",
];

/// Commands this simulator can refuse with a bare `ERROR`.
pub const ERROR_COMMANDS: &[&str] = &[
    "AT%CMNG=0,0,0,\"x\"",
    "AT%CMNG=9",
    "AT#XSSOCKET=1,1,0,0,2",
    "AT#XSSOCKETOPT=0,1,2,\"example.com\"",
    "AT#XCONNECT=0,\"example.com\",443",
    "AT#XSEND=0,0,0,\"x\"",
    "AT#XRECV=0,0,0,10",
    "AT#XSMVER",
    "AT#XSLMVER",
    "AT+CFUN=9",
];

impl Default for Nrf91Config {
    fn default() -> Self {
        Self {
            common: CommonConfig {
                // NCU's real session runs with echo off; the at_client does not echo.
                echo: false,
                ..CommonConfig::default()
            },
            model: "nRF9160-SICA".into(),
            revision: "mfw_nrf9160_1.3.5".into(),
            imei: "352656100367872".into(),
            app: NrfApp::SerialModem,
            line_max: None,
            cmng_overwrite: true,
            cmng_list_sha: true,
            cmng_read_key: false,
            cfun_initial: 0,
            checks_dates: false,
            network_time: None,
            xconnect_fail_error: true,
            corrupt_storage: false,
        }
    }
}

impl Nrf91Config {
    /// An nRF9151 on Serial Modem (`nRF9151-LACA`, `mfw_nrf91x1_2.0.4` \[C LOGS\]).
    pub fn nrf9151() -> Self {
        Self {
            model: "nRF9151-LACA".into(),
            revision: "mfw_nrf91x1_2.0.4".into(),
            ..Self::default()
        }
    }

    pub fn build(self) -> SimModule {
        let common = self.common.clone();
        SimModule::from_personality(
            Box::new(Nrf91 {
                cfun: self.cfun_initial,
                cfg: self,
                cme: Cme::default(),
                store: BTreeMap::new(),
                sockets: Vec::new(),
            }),
            common,
        )
    }
}

struct Socket {
    handle: u8,
    tag: u32,
    verify: u8,
    hostname: Option<String>,
    link: Option<Link>,
    rx: Vec<u8>,
}

struct Nrf91 {
    cfg: Nrf91Config,
    cme: Cme,
    cfun: u8,
    /// `(sec_tag, type)` → the text between the quotes, as stored.
    store: BTreeMap<(u32, u8), Vec<u8>>,
    sockets: Vec<Socket>,
}

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// The text between the first and the last double quote of `rest`, and what precedes it.
fn quoted_tail(rest: &[u8]) -> Option<(&[u8], &[u8])> {
    let first = rest.iter().position(|&b| b == b'"')?;
    let last = rest.iter().rposition(|&b| b == b'"')?;
    (last > first).then(|| (&rest[..first], &rest[first + 1..last]))
}

impl Nrf91 {
    fn line_max(&self) -> usize {
        self.cfg.line_max.unwrap_or(match self.cfg.app {
            NrfApp::SerialModem => 8192,
            _ => 4095,
        })
    }

    fn cme(&self, code: u16) -> Vec<u8> {
        self.cme.error(code, "error")
    }

    fn online(&self) -> bool {
        matches!(self.cfun, 1 | 2 | 21)
    }

    /// `AT%CMNG=<op>,...` on the raw line (the PEM keeps its line ends).
    fn cmng(&mut self, cx: &mut Cx, raw: &[u8]) {
        let rest = raw.get(b"AT%CMNG=".len()..).unwrap_or_default();
        let (head, content) = match quoted_tail(rest) {
            Some((head, content)) => (head, Some(content)),
            None => (rest, None),
        };
        let p = params(&String::from_utf8_lossy(head));
        let num = |i: usize| p.get(i).and_then(|v| parse_u64(v));
        let tag = num(1).filter(|t| *t <= 2_147_483_647).map(|t| t as u32);
        let kind = num(2).filter(|k| *k <= 6).map(|k| k as u8);
        match num(0) {
            Some(0) => {
                let (Some(tag), Some(kind), Some(content)) = (tag, kind, content) else {
                    return cx.answer(ERROR);
                };
                if self.online() {
                    return cx.answer(self.cme(518));
                }
                if self.store.contains_key(&(tag, kind)) && !self.cfg.cmng_overwrite {
                    return cx.answer(self.cme(519));
                }
                if content.is_empty() {
                    return cx.answer(self.cme(527));
                }
                let mut stored = content.to_vec();
                if self.cfg.corrupt_storage || cx.corrupt {
                    corrupt(&mut stored);
                }
                self.store.insert((tag, kind), stored);
                cx.answer(OK);
            }
            Some(1) => {
                let lines: Vec<String> = self
                    .store
                    .iter()
                    .filter(|((t, k), _)| {
                        tag.is_none_or(|x| x == *t) && kind.is_none_or(|x| x == *k)
                    })
                    .map(|((t, k), v)| {
                        if self.cfg.cmng_list_sha {
                            format!("%CMNG: {t},{k},\"{}\"", sha(v))
                        } else {
                            format!("%CMNG: {t},{k}")
                        }
                    })
                    .collect();
                if lines.is_empty() {
                    cx.answer(OK);
                } else {
                    cx.answer(info_ok(&lines));
                }
            }
            Some(2) => {
                let (Some(tag), Some(kind)) = (tag, kind) else {
                    return cx.answer(ERROR);
                };
                let Some(v) = self.store.get(&(tag, kind)) else {
                    return cx.answer(self.cme(513));
                };
                if kind == 2 && !self.cfg.cmng_read_key {
                    return cx.answer(self.cme(514));
                }
                let line = format!(
                    "%CMNG: {tag},{kind},\"{}\",\"{}\"",
                    sha(v),
                    String::from_utf8_lossy(v)
                );
                cx.answer(info_ok(&[line]));
            }
            Some(3) => {
                let (Some(tag), Some(kind)) = (tag, kind) else {
                    return cx.answer(ERROR);
                };
                if self.online() {
                    return cx.answer(self.cme(518));
                }
                match self.store.remove(&(tag, kind)) {
                    Some(_) => cx.answer(OK),
                    None => cx.answer(self.cme(513)),
                }
            }
            _ => cx.answer(ERROR),
        }
    }

    fn cert(&self, tag: u32, kind: u8) -> Option<&Vec<u8>> {
        self.store.get(&(tag, kind))
    }

    /// Opens TLS for a socket: `Ok` or why not.
    fn connect(&self, cx: &Cx, sock: &Socket, host: &str, port: u16) -> Result<Link, Refusal> {
        let mut offer = ClientOffer::new(host, port, (TlsVersion::Tls12, TlsVersion::Tls12));
        offer.sni.clone_from(&sock.hostname);
        if sock.verify > 0 {
            let cas = self
                .cert(sock.tag, 0)
                .and_then(|ca| creds::certs(ca, Encoding::Pem).ok())
                .ok_or(Refusal::UnknownCa)?;
            offer.trust = Some(cas);
            if self.cfg.checks_dates {
                offer.check_time = Some(cx.epoch());
            }
        }
        if let (Some(cert), Some(key)) = (self.cert(sock.tag, 1), self.cert(sock.tag, 2)) {
            let cert = creds::certs(cert, Encoding::Pem)
                .ok()
                .and_then(|v| v.into_iter().next());
            let key = creds::key(key, Encoding::Pem).ok();
            if let (Some(cert), Some(key)) = (cert, key) {
                offer.client = Some((cert, key));
            }
        }
        cx.server.open(&offer)
    }

    fn socket_cmd(&mut self, cx: &mut Cx, name: &str, rest: &str, raw: &[u8]) {
        let sm = self.cfg.app == NrfApp::SerialModem;
        let p = params(rest);
        let num = |i: usize| p.get(i).and_then(|v| parse_u64(v));
        // Serial Modem names the socket first; SLM has one socket.
        let (h, off) = if sm {
            (num(0).map(|h| h as u8), 1)
        } else {
            (self.sockets.first().map(|s| s.handle), 0)
        };
        let idx = h.and_then(|h| self.sockets.iter().position(|s| s.handle == h));
        let prefix = |h: u8| if sm { format!("{h},") } else { String::new() };
        match name {
            "#XSSOCKET" => {
                let (Some(1), Some(1), Some(0), Some(tag)) = (num(0), num(1), num(2), num(3))
                else {
                    return cx.answer(ERROR);
                };
                if !self.online() || (!sm && !self.sockets.is_empty()) || self.sockets.len() >= 8 {
                    return cx.answer(ERROR);
                }
                let handle = (0..8u8)
                    .find(|h| self.sockets.iter().all(|s| s.handle != *h))
                    .unwrap_or(0);
                let handle = if sm { handle } else { 2 };
                self.sockets.push(Socket {
                    handle,
                    tag: tag as u32,
                    verify: num(4).unwrap_or(0) as u8,
                    hostname: None,
                    link: None,
                    rx: Vec::new(),
                });
                cx.answer(info_ok(&[format!("#XSSOCKET: {handle},1,258")]));
            }
            "#XSSOCKETOPT" => {
                let (Some(i), Some(1), Some(2), Some(host)) =
                    (idx, num(off), num(off + 1), p.get(off + 2))
                else {
                    return cx.answer(ERROR);
                };
                self.sockets[i].hostname = Some(host.clone());
                cx.answer(OK);
            }
            "#XCONNECT" => {
                let (Some(i), Some(host), Some(port)) = (idx, p.get(off), num(off + 1)) else {
                    return cx.answer(ERROR);
                };
                let handle = self.sockets[i].handle;
                let result = self.connect(cx, &self.sockets[i], host, port as u16);
                let t = cx.server.handshake_time();
                match result {
                    Ok(link) => {
                        self.sockets[i].link = Some(link);
                        cx.later(t, info_ok(&[format!("#XCONNECT: {}1", prefix(handle))]));
                    }
                    Err(_) if self.cfg.xconnect_fail_error => cx.later(t, ERROR.to_vec()),
                    Err(_) => cx.later(t, info_ok(&[format!("#XCONNECT: {}0", prefix(handle))])),
                }
            }
            "#XSEND" => {
                let data = quoted_tail(raw).map(|(_, d)| d.to_vec());
                let (Some(i), Some(data)) = (idx, data) else {
                    return cx.answer(ERROR);
                };
                let handle = self.sockets[i].handle;
                let Some(link) = self.sockets[i].link.as_mut() else {
                    return cx.answer(ERROR);
                };
                match link.exchange(&data) {
                    Ok((resp, _closed)) => {
                        self.sockets[i].rx.extend_from_slice(&resp);
                        let line = if sm {
                            format!("#XSEND: {handle},0,{}", data.len())
                        } else {
                            format!("#XSEND: {}", data.len())
                        };
                        cx.answer(info_ok(&[line]));
                    }
                    Err(_) => cx.answer(ERROR),
                }
            }
            "#XRECV" => {
                let Some(i) = idx else {
                    return cx.answer(ERROR);
                };
                let handle = self.sockets[i].handle;
                let sock = &mut self.sockets[i];
                if sock.rx.is_empty() {
                    return cx.answer(ERROR);
                }
                let n = sock.rx.len().min(2048);
                let data: Vec<u8> = sock.rx.drain(..n).collect();
                let head = if sm {
                    format!("\r\n#XRECV: {handle},0,{n}\r\n")
                } else {
                    format!("\r\n#XRECV: {n}\r\n")
                };
                let mut out = head.into_bytes();
                out.extend_from_slice(&data);
                out.extend_from_slice(OK);
                cx.later(cx.server.response_time(), out);
            }
            "#XCLOSE" if sm => match idx {
                Some(i) => {
                    self.sockets.remove(i);
                    cx.answer(info_ok(&[format!("#XCLOSE: {},0", h.unwrap_or(0))]));
                }
                None => cx.answer(ERROR),
            },
            "#XSOCKET" if !sm && num(0) == Some(0) => {
                if self.sockets.is_empty() {
                    return cx.answer(ERROR);
                }
                self.sockets.clear();
                cx.answer(info_ok(&["#XSOCKET: 0,\"closed\"".into()]));
            }
            _ => cx.answer(ERROR),
        }
    }
}

impl Personality for Nrf91 {
    fn family(&self) -> Family {
        Family::Nrf91
    }

    fn quote_aware(&self) -> bool {
        true
    }

    fn overflow_hangs(&self) -> bool {
        self.cfg.app != NrfApp::SerialModem
    }

    fn max_line(&self) -> usize {
        match self.cfg.app {
            // One more than the limit, so that a line over it is seen and refused.
            NrfApp::SerialModem => self.line_max() + 1,
            // The AT host drops what does not fit.
            _ => self.line_max(),
        }
    }

    fn command(&mut self, cx: &mut Cx, line: &[u8]) {
        if line.len() > self.line_max() {
            // Serial Modem: "AT command buffer overflow", ERROR [C SM].
            return cx.answer(ERROR);
        }
        let (name, op, rest) = split_cmd(line);
        match (name.as_str(), op) {
            // [C LOGS TinyGSM #486] ATI is not a command here.
            ("I", _) | ("I0", _) => return cx.answer(ERROR),
            ("+CGMR", None) => return cx.answer(info_ok(std::slice::from_ref(&self.cfg.revision))),
            ("+CFUN", Some('=')) => {
                return match parse_u64(&rest) {
                    Some(n @ (0 | 1 | 2 | 4 | 20 | 21 | 30 | 31 | 40 | 41 | 44)) => {
                        self.cfun = n as u8;
                        if let (true, Some(t)) = (self.online(), self.cfg.network_time) {
                            cx.rtc.set = Some((t, cx.now));
                        }
                        if !self.online() {
                            self.sockets.clear();
                        }
                        cx.answer(OK);
                    }
                    _ => cx.answer(ERROR),
                };
            }
            ("+CFUN", Some('?')) => {
                return cx.answer(info_ok(&[format!("+CFUN: {}", self.cfun)]));
            }
            _ => {}
        }
        let ati: Vec<String> = Vec::new();
        let id = Ident {
            ati: &ati,
            cgmi: "Nordic Semiconductor ASA",
            cgmm: &self.cfg.model,
            cgmr: &self.cfg.revision,
            imei: &self.cfg.imei,
        };
        if common::basic(cx, &mut self.cme, &id, line) {
            return;
        }
        let app = self.cfg.app;
        match (name.as_str(), op) {
            ("%CMNG", Some('=')) => self.cmng(cx, line),
            ("%SHORTSWVER", None) => {
                let v = self.cfg.revision.trim_start_matches("mfw_").to_owned();
                cx.answer(info_ok(&[format!("%SHORTSWVER: {v}")]));
            }
            ("%HWVERSION", None) => {
                let hw = self.cfg.model.replace('-', " ");
                cx.answer(info_ok(&[format!("%HWVERSION: {hw} B1A")]));
            }
            ("#XSMVER", None) if app == NrfApp::SerialModem => {
                cx.answer(info_ok(&["#XSMVER: \"1.0.0\",\"3.1.99\"".into()]));
            }
            ("#XSLMVER", None) if app == NrfApp::Slm => {
                cx.answer(info_ok(&[
                    "#XSLMVER: \"2.5.2\",\"2.5.0-lte-5ccd2d4dd54c\"".into()
                ]));
            }
            (n, Some('=')) if n.starts_with("#X") && app != NrfApp::AtClient => {
                self.socket_cmd(cx, n, &rest, line);
            }
            _ => cx.answer(ERROR),
        }
    }

    fn data(&mut self, cx: &mut Cx, _outcome: DataOutcome) {
        // No data phases: credentials and socket data travel inside the command line.
        cx.answer(ERROR);
    }

    fn deliver(&mut self, _cx: &mut Cx, _conn: u8, _bytes: Vec<u8>, _closed: bool) {}

    fn plain_error(&self) -> Vec<u8> {
        ERROR.to_vec()
    }

    /// `<sec_tag>/<type>` → the stored text.
    fn storage(&self) -> BTreeMap<String, Vec<u8>> {
        self.store
            .iter()
            .map(|((t, k), v)| (format!("{t}/{k}"), v.clone()))
            .collect()
    }

    fn link_reset(&mut self) {
        self.sockets.clear();
        self.cfun = self.cfg.cfun_initial;
    }
}

/// This simulator, as `sim/mod.rs` registers it.
pub(super) const SIMULATOR: Simulator = Simulator {
    family: Family::Nrf91,
    build: |adjust| {
        let mut c = Nrf91Config::default();
        adjust(&mut c.common);
        c.build()
    },
    error_outputs: ERROR_OUTPUTS,
    error_commands: ERROR_COMMANDS,
};
