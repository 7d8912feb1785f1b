//! SIMCom SIM7600 / SIM7800 (and A76xx): `AT+CCERTDOWN` files, `AT+CSSLCFG` contexts and
//! the CCH service, after `shared/reference/modules/sim7600.md`.

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

/// A simulated SIM7600. Defaults marked \[I\] in the reference are fields here.
#[derive(Clone, Debug)]
pub struct Sim7600Config {
    pub common: CommonConfig,
    pub model: String,
    pub revision: String,
    pub imei: String,
    /// `<len>` range of `AT+CCERTDOWN` is 1–10240 \[C A76XX; I for SIM7600\].
    pub max_cert_len: usize,
    /// Max response time of `AT+CCERTDOWN` (120 s \[C A76XX\]): the data phase times out then.
    pub download_timeout: Duration,
    /// Newer firmware has `"enableSNI"`; older SIM7600 builds answer ERROR \[S\].
    pub sni_supported: bool,
    /// Default of `"ignorelocaltime"` \[I\].
    pub ignore_local_time_default: bool,
    /// Max `AT+CCHSEND` length \[I: 2048\].
    pub max_send: usize,
    /// Pushed `+CCHRECV: DATA` chunks are at most this long \[I: seed 001 shows 1024\].
    pub recv_chunk: usize,
    /// Data prompt \[I: SIMCom prompts are usually `> `\].
    pub prompt: Vec<u8>,
    /// Server key curves the handshake fails on [S: "no EC384" on A76xx, LilyGO #75;
    /// I for SIM7600].
    pub unsupported_curves: Vec<String>,
    /// `AT+CCERTDOWN` onto an existing name replaces the file \[I\]; `false`: `ERROR`.
    pub certdown_overwrites: bool,
    /// `AT+CCERTDELE` of a name that is not there answers `ERROR` \[I\]; `false`: `OK`.
    pub certdele_missing_errors: bool,
    /// `AT+CCHSTOP` on a stopped service answers `ERROR` \[I\]; `false`: `OK` and
    /// `+CCHSTOP: 0`.
    pub stop_when_stopped_errors: bool,
    /// The service is stopped only when `+CCHSTOP:` is printed; until then `AT+CCHSTART`
    /// answers `ERROR` \[I: the URC is the documented completion\]; `false`: at once.
    pub stop_completes_at_urc: bool,
    /// `AT+CCHSET` is refused while the service runs \[I: "set before CCHSTART", A76XX
    /// AN\]; `false`: taken any time.
    pub cchset_only_stopped: bool,
    /// `+CCHSTART:`/`+CCHSTOP:`/`+CCHCLOSE:` come before the command's `OK` \[I\];
    /// default after it, as in the A76XX AN transcripts.
    pub result_before_ok: bool,
    /// `AT+CCHRECV` prints the data and `+CCHRECV: <sid>,0` before its `OK` \[I: TinyGSM
    /// A7672x reads the data before any `OK`\]; default `OK` first (LilyGO).
    pub recv_data_before_ok: bool,
    /// Asking `AT+CCHRECV` for more than is cached freezes the module \[S: LilyGO\];
    /// `false`: it returns what it has.
    pub over_read_freezes: bool,
}

/// Every error output this simulator can produce (final results and result lines), for
/// the test that each has a specific explanation (`modules::explain`/`explain_line`).
pub const ERROR_OUTPUTS: &[&str] = &[
    "ERROR",
    "+CME ERROR: 50",
    "+CME ERROR: incorrect parameters",
    "+CCHOPEN: 0,10",
    "+CCHOPEN: 0,13",
    "+CCHOPEN: 0,14",
    "+CCHOPEN: 0,15",
    "+CCHOPEN: 0,19",
    "+CCHOPEN: 1,15",
    "+CCHSEND: 0,4",
    "+CCH_PEER_CLOSED: 0",
    "CLOSED",
];

/// Every command this simulator can answer with a bare `ERROR` (or `+CME ERROR`), as atcert
/// or a user would send it: each needs its own explanation, since `AT+CMEE` adds nothing.
pub const ERROR_COMMANDS: &[&str] = &[
    "AT+CCLK=\"99/99/99,99:99:99+00\"",
    "AT+CCERTDOWN=\"ca.crt\",10",
    "AT+CCERTDELE=\"missing.pem\"",
    "AT+CSSLCFG=\"SSLVERSION\",0,4",
    "AT+CSSLCFG=\"enableSNI\",0,1",
    "AT+CCHSET=0,1",
    "AT+CCHMODE=0",
    "AT+CCHSTART",
    "AT+CCHSTOP",
    "AT+CCHSSLCFG=2,0",
    "AT+CCHOPEN=0,\"example.com\",443,2",
    "AT+CCHSEND=0,10",
    "AT+CCHRECV=0,10",
    "AT+CCHCLOSE=0",
];

impl Default for Sim7600Config {
    fn default() -> Self {
        Self {
            common: CommonConfig::default(),
            model: "SIMCOM_SIM7600G-H".into(),
            revision: "LE20B04SIM7600G22".into(),
            imei: "861234567890123".into(),
            max_cert_len: 10_240,
            download_timeout: Duration::from_secs(120),
            sni_supported: false,
            ignore_local_time_default: true,
            max_send: 2048,
            recv_chunk: 1024,
            prompt: b"\r\n> ".to_vec(),
            unsupported_curves: vec!["P-384".into()],
            certdown_overwrites: true,
            certdele_missing_errors: true,
            stop_when_stopped_errors: true,
            stop_completes_at_urc: true,
            cchset_only_stopped: true,
            result_before_ok: false,
            recv_data_before_ok: false,
            over_read_freezes: true,
        }
    }
}

impl Sim7600Config {
    pub fn build(self) -> SimModule {
        let common = self.common.clone();
        let ctx = SslCtx {
            ignore_time: self.ignore_local_time_default,
            ..SslCtx::default()
        };
        SimModule::from_personality(
            Box::new(Sim7600 {
                ctx: [(); 10].map(|()| ctx.clone()),
                cfg: self,
                certs: Vec::new(),
                cme: Cme::default(),
                report_send: false,
                recv_mode: 0,
                started: false,
                sessions: [Session::default(), Session::default()],
                pending: None,
                transparent: false,
                online: false,
                stopping_until: None,
                frozen: false,
            }),
            common,
        )
    }
}

#[derive(Clone, Debug)]
struct SslCtx {
    version: u8,
    auth: u8,
    ignore_time: bool,
    negotiate: u16,
    cacert: String,
    clientcert: String,
    clientkey: String,
    sni: bool,
}

impl Default for SslCtx {
    fn default() -> Self {
        Self {
            version: 4,
            auth: 0,
            ignore_time: true,
            negotiate: 300,
            cacert: String::new(),
            clientcert: String::new(),
            clientkey: String::new(),
            sni: false,
        }
    }
}

#[derive(Default)]
struct Session {
    ctx: u8,
    /// Bumped when the session opens or closes: server bytes scheduled for an earlier
    /// connection are dropped (see `conn_id`).
    generation: u8,
    link: Option<Link>,
    host: String,
    port: u16,
    rx: Vec<u8>,
}

enum Pending {
    CertDown(String),
    Send(u8),
}

struct Sim7600 {
    cfg: Sim7600Config,
    certs: Vec<(String, Vec<u8>)>,
    ctx: [SslCtx; 10],
    cme: Cme,
    report_send: bool,
    recv_mode: u8,
    started: bool,
    sessions: [Session; 2],
    pending: Option<Pending>,
    /// `AT+CCHMODE=1`: session 0 opens in transparent (data) mode.
    transparent: bool,
    online: bool,
    /// While stopping: the simulation time (ns) `+CCHSTOP:` is printed.
    stopping_until: Option<u64>,
    /// Over-read: the module no longer answers (a power cycle would be needed).
    frozen: bool,
}

/// Delay of the CCH result URCs after `OK`.
const RESULT_DELAY: Duration = Duration::from_millis(100);

fn encoding_of(name: &str) -> Encoding {
    if name.to_ascii_lowercase().ends_with(".der") {
        Encoding::Der
    } else {
        Encoding::Pem
    }
}

impl Sim7600 {
    fn ident(&self) -> (Vec<String>, String) {
        let ati = vec![
            "Manufacturer: SIMCOM INCORPORATED".to_owned(),
            format!("Model: {}", self.cfg.model),
            format!("Revision: {}", self.cfg.revision),
            format!("IMEI: {}", self.cfg.imei),
            "+GCAP: +CGSM".to_owned(),
        ];
        (ati, format!("+CGMR: {}", self.cfg.revision))
    }

    /// The id server bytes for session `sid` are scheduled under: the session and its
    /// generation.
    fn conn_id(&self, sid: usize) -> u8 {
        u8::try_from(sid & 1).unwrap_or(0) | (self.sessions[sid & 1].generation % 128) << 1
    }

    fn end_session(&mut self, sid: usize) {
        let s = &mut self.sessions[sid];
        s.link = None;
        s.rx.clear();
        s.generation = s.generation.wrapping_add(1);
    }

    /// `OK` and a result line, in the order this firmware prints them.
    fn ok_then(&self, cx: &mut Cx, delay: Duration, result: &str) {
        if self.cfg.result_before_ok {
            let mut out = urc(result);
            out.extend_from_slice(OK);
            cx.later(delay, out);
        } else {
            cx.answer(OK);
            cx.later(delay, urc(result));
        }
    }

    fn stopping(&self, cx: &Cx) -> bool {
        self.stopping_until.is_some_and(|t| cx.now < t)
    }

    fn cert(&self, name: &str) -> Option<&Vec<u8>> {
        self.certs.iter().find(|(n, _)| n == name).map(|(_, d)| d)
    }

    fn csslcfg(&mut self, cx: &mut Cx, op: Option<char>, rest: &str) {
        if op == Some('?') {
            let lines: Vec<String> = (0..10).map(|i| self.ctx_line(i)).collect();
            return cx.answer(info_ok(&lines));
        }
        if rest.trim() == "?" {
            let mut lines = vec![
                "+CSSLCFG: \"sslversion\",(0-9),(0-4)".to_owned(),
                "+CSSLCFG: \"authmode\",(0-9),(0-3)".into(),
                "+CSSLCFG: \"ignorelocaltime\",(0-9),(0,1)".into(),
                "+CSSLCFG: \"negotiatetime\",(0-9),(10-300)".into(),
                "+CSSLCFG: \"cacert\",(0-9),(5-108)".into(),
                "+CSSLCFG: \"clientcert\",(0-9),(5-108)".into(),
                "+CSSLCFG: \"clientkey\",(0-9),(5-108)".into(),
            ];
            if self.cfg.sni_supported {
                lines.push("+CSSLCFG: \"enableSNI\",(0-9),(0,1)".into());
            }
            return cx.answer(info_ok(&lines));
        }
        let raw: Vec<&str> = rest.splitn(3, ',').collect();
        let p = params(rest);
        if p.len() == 1 {
            return match p.first().and_then(|v| parse_u64(v)).filter(|i| *i < 10) {
                Some(i) => cx.answer(info_ok(&[self.ctx_line(i as usize)])),
                None => cx.answer(self.cme.error(50, "incorrect parameters")),
            };
        }
        // Keywords are case-sensitive ("sslversion" must be lower-case [C TinyGSM A7672x]).
        let keyword = raw
            .first()
            .map(|k| k.trim().trim_matches('"'))
            .unwrap_or("");
        let Some(idx) = p.get(1).and_then(|c| parse_u64(c)).filter(|i| *i < 10) else {
            return cx.answer(self.cme.error(50, "incorrect parameters"));
        };
        let value = p.get(2).cloned().unwrap_or_default();
        let num = parse_u64(&value);
        let sni_ok = self.cfg.sni_supported;
        let c = &mut self.ctx[idx as usize];
        let ok = match keyword {
            "sslversion" => num.filter(|v| *v <= 4).map(|v| c.version = v as u8),
            "authmode" => num.filter(|v| *v <= 3).map(|v| c.auth = v as u8),
            "ignorelocaltime" => num.filter(|v| *v <= 1).map(|v| c.ignore_time = v == 1),
            "negotiatetime" => num
                .filter(|v| (10..=300).contains(v))
                .map(|v| c.negotiate = v as u16),
            "cacert" | "clientcert" | "clientkey"
                if (5..=108).contains(&value.len()) && raw.get(2).is_some_and(|r| is_quoted(r)) =>
            {
                let slot = match keyword {
                    "cacert" => &mut c.cacert,
                    "clientcert" => &mut c.clientcert,
                    _ => &mut c.clientkey,
                };
                *slot = value;
                Some(())
            }
            "enableSNI" if sni_ok => num.filter(|v| *v <= 1).map(|v| c.sni = v == 1),
            _ => None,
        };
        match ok {
            Some(()) => cx.answer(OK),
            None => cx.answer(self.cme.error(50, "incorrect parameters")),
        }
    }

    /// Data mode on session 0; bytes go out after 500 ms of host silence \[I\].
    fn go_online(&mut self, cx: &mut Cx) {
        self.online = true;
        cx.start_data(
            DataEnd::Online {
                idle: Duration::from_millis(500),
            },
            Vec::new(),
            None,
        );
    }

    fn forward(&mut self, cx: &mut Cx, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if let Some(link) = self.sessions[0].link.as_mut()
            && let Ok((resp, closed)) = link.exchange(bytes)
            && (!resp.is_empty() || closed)
        {
            let t = cx.server.response_time();
            cx.deliver(t, self.conn_id(0), resp, closed);
        }
    }

    fn ctx_line(&self, i: usize) -> String {
        let c = &self.ctx[i];
        let mut s = format!(
            "+CSSLCFG: {i},{},{},{},{},\"{}\",\"{}\",\"{}\"",
            c.version,
            c.auth,
            u8::from(c.ignore_time),
            c.negotiate,
            c.cacert,
            c.clientcert,
            c.clientkey
        );
        if self.cfg.sni_supported {
            s.push_str(&format!(",{}", u8::from(c.sni)));
        }
        s
    }

    /// The `<err>` of `+CCHOPEN` for opening session `sid` to host:port.
    fn open(&mut self, cx: &mut Cx, sid: usize, host: &str, port: u16, tls: bool) -> u8 {
        let c = self.ctx[self.sessions[sid].ctx as usize].clone();
        let versions = match c.version {
            0 => (TlsVersion::Ssl3, TlsVersion::Ssl3),
            1 => (TlsVersion::Tls10, TlsVersion::Tls10),
            2 => (TlsVersion::Tls11, TlsVersion::Tls11),
            3 => (TlsVersion::Tls12, TlsVersion::Tls12),
            _ => (TlsVersion::Ssl3, TlsVersion::Tls12),
        };
        let mut offer = ClientOffer::new(host, port, versions);
        offer.unsupported_curves = self.cfg.unsupported_curves.clone();
        if tls {
            offer.sni = c.sni.then(|| host.to_owned());
            if c.auth == 1 || c.auth == 2 {
                let Some(ca) = self.cert(&c.cacert) else {
                    return 19;
                };
                match creds::certs(ca, encoding_of(&c.cacert)) {
                    Ok(cas) => offer.trust = Some(cas),
                    Err(_) => return 15,
                }
                if !c.ignore_time {
                    offer.check_time = Some(cx.epoch());
                }
            }
            if c.auth == 2 || c.auth == 3 {
                let (Some(cert), Some(key)) = (self.cert(&c.clientcert), self.cert(&c.clientkey))
                else {
                    return 19;
                };
                let cert = creds::certs(cert, encoding_of(&c.clientcert))
                    .ok()
                    .and_then(|v| v.into_iter().next());
                let key = creds::key(key, encoding_of(&c.clientkey)).ok();
                match (cert, key) {
                    (Some(cert), Some(key)) => offer.client = Some((cert, key)),
                    _ => return 15,
                }
            }
        } else {
            offer.versions = (TlsVersion::Ssl3, TlsVersion::Tls13);
        }
        match cx.server.open(&offer) {
            Ok(link) => {
                let s = &mut self.sessions[sid];
                s.link = Some(link);
                s.host = host.to_owned();
                s.port = port;
                s.rx.clear();
                0
            }
            Err(Refusal::Unreachable(_)) => 14,
            Err(Refusal::Dns) => 13,
            Err(_) => 15,
        }
    }

    fn cch(&mut self, cx: &mut Cx, name: &str, op: Option<char>, rest: &str) {
        let p = params(rest);
        let sid = p
            .first()
            .and_then(|s| parse_u64(s))
            .filter(|s| *s < 2)
            .map(|s| s as usize);
        match (name, op) {
            ("+CCHSET", Some('=')) => {
                let a = p.first().and_then(|v| parse_u64(v)).filter(|v| *v <= 1);
                let b = p
                    .get(1)
                    .map_or(Some(0), |v| parse_u64(v).filter(|v| *v <= 1));
                match (a, b) {
                    _ if self.cfg.cchset_only_stopped && (self.started || self.stopping(cx)) => {
                        cx.answer(ERROR);
                    }
                    (Some(a), Some(b)) => {
                        self.report_send = a == 1;
                        self.recv_mode = b as u8;
                        cx.answer(OK);
                    }
                    _ => cx.answer(ERROR),
                }
            }
            ("+CCHMODE", Some('=')) => match p.first().and_then(|v| parse_u64(v)) {
                // Set before CCHSTART [C A76XX AN].
                Some(m @ (0 | 1)) if !self.started => {
                    self.transparent = m == 1;
                    cx.answer(OK);
                }
                _ => cx.answer(ERROR),
            },
            ("+CCHSTART", None) => {
                // A started (or still stopping) service refuses a second start with a bare
                // ERROR (issue 9, seen in demo mode; public scripts stop it first).
                if self.started || self.stopping(cx) {
                    cx.answer(ERROR);
                } else {
                    self.started = true;
                    self.ok_then(cx, RESULT_DELAY, "+CCHSTART: 0");
                }
            }
            ("+CCHSTOP", None) => {
                if !self.started {
                    if self.cfg.stop_when_stopped_errors || self.stopping(cx) {
                        return cx.answer(ERROR);
                    }
                    return self.ok_then(cx, RESULT_DELAY, "+CCHSTOP: 0");
                }
                self.started = false;
                for sid in 0..self.sessions.len() {
                    self.end_session(sid);
                }
                if self.cfg.stop_completes_at_urc {
                    let latency = u64::try_from(RESULT_DELAY.as_nanos()).unwrap_or(u64::MAX);
                    self.stopping_until = Some(cx.now.saturating_add(latency));
                }
                self.ok_then(cx, RESULT_DELAY, "+CCHSTOP: 0");
            }
            ("+CCHSSLCFG", Some('=')) => {
                let ctx = p.get(1).and_then(|c| parse_u64(c)).filter(|c| *c < 10);
                match (sid, ctx) {
                    (Some(s), Some(c)) => {
                        self.sessions[s].ctx = c as u8;
                        cx.answer(OK);
                    }
                    _ => cx.answer(ERROR),
                }
            }
            ("+CCHOPEN", Some('?')) => {
                let lines: Vec<String> = self
                    .sessions
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        if s.link.is_some() {
                            format!("+CCHOPEN: {i},\"{}\",{},2", s.host, s.port)
                        } else {
                            format!("+CCHOPEN: {i},\"\",,,")
                        }
                    })
                    .collect();
                cx.answer(info_ok(&lines));
            }
            ("+CCHOPEN", Some('=')) if rest.trim() == "?" => cx.answer(info_ok(&[
                "+CCHOPEN: (0-1),\"ADDRESS\",(1-65535),(1-2),(1-65535)".into(),
            ])),
            ("+CCHOPEN", Some('=')) => {
                let port = p
                    .get(2)
                    .and_then(|v| parse_u64(v))
                    .filter(|v| (1..=65535).contains(v));
                let kind = p
                    .get(3)
                    .map_or(Some(2), |v| parse_u64(v).filter(|k| (1..=2).contains(k)));
                let (Some(sid), Some(host), Some(port), Some(kind)) =
                    (sid, p.get(1).filter(|h| !h.is_empty()), port, kind)
                else {
                    return cx.answer(ERROR);
                };
                if !self.started {
                    return cx.answer(ERROR);
                }
                if self.sessions[sid].link.is_some() {
                    cx.answer(OK);
                    return cx.later(Duration::ZERO, urc(&format!("+CCHOPEN: {sid},10")));
                }
                let host = host.clone();
                if self.transparent && sid != 0 {
                    return cx.answer(ERROR);
                }
                let err = self.open(cx, sid, &host, port as u16, kind == 2);
                let hs = cx.server.handshake_time();
                if self.transparent {
                    // Transparent mode: CONNECT, then raw bytes both ways until +++ [C A76XX].
                    if err == 0 {
                        cx.later(hs, b"\r\nCONNECT 115200\r\n".to_vec());
                        self.go_online(cx);
                    } else {
                        cx.later(hs, urc(&format!("+CCHOPEN: {sid},{err}")));
                    }
                    return;
                }
                cx.answer(OK);
                cx.later(hs, urc(&format!("+CCHOPEN: {sid},{err}")));
            }
            ("+CCHSEND", Some('=')) => {
                let len = p.get(1).and_then(|v| parse_u64(v)).map(|v| v as usize);
                match (sid, len) {
                    (Some(s), Some(n))
                        if n >= 1 && n <= self.cfg.max_send && self.sessions[s].link.is_some() =>
                    {
                        self.pending = Some(Pending::Send(s as u8));
                        cx.answer(self.cfg.prompt.clone());
                        cx.start_data(
                            DataEnd::Count(n),
                            Vec::new(),
                            Some(Duration::from_secs(120)),
                        );
                    }
                    _ => cx.answer(ERROR),
                }
            }
            ("+CCHRECV", Some('?')) => {
                let a = self.sessions[0].rx.len();
                let b = self.sessions[1].rx.len();
                cx.answer(info_ok(&[format!("+CCHRECV: LEN,{a},{b}")]));
            }
            ("+CCHRECV", Some('=')) => {
                let Some(s) = sid else {
                    return cx.answer(ERROR);
                };
                let max = p
                    .get(1)
                    .and_then(|v| parse_u64(v))
                    .map_or(usize::MAX, |v| v as usize);
                let sess = &mut self.sessions[s];
                if sess.link.is_none() && sess.rx.is_empty() {
                    return cx.answer(ERROR);
                }
                if self.cfg.over_read_freezes && max != usize::MAX && max > sess.rx.len() {
                    // [S] LilyGO: asking for more than is cached hangs the module.
                    self.frozen = true;
                    return;
                }
                let n = sess.rx.len().min(max).min(1500);
                let data: Vec<u8> = sess.rx.drain(..n).collect();
                let mut block = format!("\r\n+CCHRECV: DATA,{s},{n}\r\n").into_bytes();
                block.extend_from_slice(&data);
                block.extend_from_slice(format!("\r\n+CCHRECV: {s},0\r\n").as_bytes());
                let out = if self.cfg.recv_data_before_ok {
                    [block, OK.to_vec()].concat()
                } else {
                    [OK.to_vec(), block].concat()
                };
                cx.answer(out);
            }
            ("+CCHCLOSE", Some('=')) => match sid {
                Some(s) if self.sessions[s].link.is_some() => {
                    self.end_session(s);
                    if self.transparent && s == 0 {
                        cx.answer(OK);
                        cx.later(Duration::from_millis(50), urc("CLOSED"));
                    } else {
                        self.ok_then(cx, Duration::from_millis(50), &format!("+CCHCLOSE: {s},0"));
                    }
                }
                _ => cx.answer(ERROR),
            },
            _ => cx.answer(ERROR),
        }
    }
}

impl Personality for Sim7600 {
    fn family(&self) -> Family {
        Family::Sim7600
    }

    fn command(&mut self, cx: &mut Cx, line: &[u8]) {
        let (ati, cgmr) = self.ident();
        let id = Ident {
            ati: &ati,
            cgmi: "SIMCOM INCORPORATED",
            cgmm: &self.cfg.model,
            cgmr: &cgmr,
            imei: &self.cfg.imei,
        };
        if self.frozen {
            return;
        }
        if common::basic(cx, &mut self.cme, &id, line) {
            return;
        }
        let (name, op, rest) = split_cmd(line);
        match (name.as_str(), op) {
            ("+SIMCOMATI", None) => {
                let mut lines = ati.clone();
                lines.insert(3, "QCN: ".into());
                cx.answer(info_ok(&lines));
            }
            ("+CSUB", None) => cx.answer(info_ok(&["+CSUB: B04V03".into()])),
            // ATO returns to data mode on an open transparent session [I].
            ("O", None) if self.transparent && self.sessions[0].link.is_some() => {
                cx.answer(b"\r\nCONNECT 115200\r\n".to_vec());
                let held = core::mem::take(&mut self.sessions[0].rx);
                if !held.is_empty() {
                    cx.answer(held);
                }
                self.go_online(cx);
            }
            ("+NETOPEN", None) => {
                cx.answer(OK);
                cx.later(Duration::from_millis(100), urc("+NETOPEN: 0"));
            }
            ("+CCERTDOWN", Some('=')) => {
                let raw: Vec<&str> = rest.rsplitn(2, ',').collect();
                let (Some(len), Some(name_raw)) = (raw.first(), raw.get(1)) else {
                    return cx.answer(ERROR);
                };
                let name = name_raw.trim().trim_matches('"').to_owned();
                let lower = name.to_ascii_lowercase();
                let len = parse_u64(len).map(|l| l as usize);
                let name_ok = (5..=108).contains(&name.len())
                    && (lower.ends_with(".pem") || lower.ends_with(".der"))
                    && is_quoted(name_raw);
                let exists = self.certs.iter().any(|(n, _)| *n == name);
                match len {
                    _ if exists && !self.cfg.certdown_overwrites => cx.answer(ERROR),
                    Some(n) if name_ok && (1..=self.cfg.max_cert_len).contains(&n) => {
                        self.pending = Some(Pending::CertDown(name));
                        cx.answer(self.cfg.prompt.clone());
                        cx.start_data(
                            DataEnd::Count(n),
                            Vec::new(),
                            Some(self.cfg.download_timeout),
                        );
                    }
                    _ => cx.answer(ERROR),
                }
            }
            ("+CCERTLIST", None) => {
                let lines: Vec<String> = self
                    .certs
                    .iter()
                    .map(|(n, _)| format!("+CCERTLIST: \"{n}\""))
                    .collect();
                if lines.is_empty() {
                    cx.answer(OK);
                } else {
                    cx.answer(info_ok(&lines));
                }
            }
            ("+CCERTDELE", Some('=')) => {
                let name = rest.trim().trim_matches('"');
                match self.certs.iter().position(|(n, _)| n == name) {
                    Some(i) => {
                        self.certs.remove(i);
                        cx.answer(OK);
                    }
                    None if self.cfg.certdele_missing_errors => cx.answer(ERROR),
                    None => cx.answer(OK),
                }
            }
            ("+CSSLCFG", _) => self.csslcfg(cx, op, &rest),
            (n, _) if n.starts_with("+CCH") => self.cch(cx, n, op, &rest),
            _ => cx.answer(ERROR),
        }
    }

    fn data(&mut self, cx: &mut Cx, outcome: DataOutcome) {
        let pending = self.pending.take();
        match (pending, outcome) {
            (Some(Pending::CertDown(name)), DataOutcome::Complete(bytes)) => {
                match self.certs.iter_mut().find(|(n, _)| *n == name) {
                    Some(slot) => slot.1 = bytes,
                    None => self.certs.push((name, bytes)),
                }
                cx.answer(OK);
            }
            (Some(Pending::Send(sid)), DataOutcome::Complete(bytes)) => {
                let sid = sid as usize;
                let result = match self.sessions[sid].link.as_mut() {
                    Some(link) => link.exchange(&bytes),
                    None => Err("closed".into()),
                };
                match result {
                    Ok((resp, closed)) => {
                        cx.answer(OK);
                        if self.report_send {
                            cx.later(Duration::ZERO, urc(&format!("+CCHSEND: {sid},0")));
                        }
                        if !resp.is_empty() || closed {
                            let t = cx.server.response_time();
                            cx.deliver(t, self.conn_id(sid), resp, closed);
                        }
                    }
                    Err(_) => {
                        cx.answer(ERROR);
                        if self.report_send {
                            cx.later(Duration::ZERO, urc(&format!("+CCHSEND: {sid},4")));
                        }
                    }
                }
            }
            (None, DataOutcome::Flush(bytes)) if self.online => self.forward(cx, &bytes),
            (None, DataOutcome::Complete(bytes)) if self.online => {
                self.forward(cx, &bytes);
                self.online = false;
                cx.answer(OK);
            }
            _ => cx.answer(ERROR),
        }
    }

    fn deliver(&mut self, cx: &mut Cx, conn: u8, bytes: Vec<u8>, closed: bool) {
        let sid = usize::from(conn & 1);
        if conn >> 1 != self.sessions[sid].generation % 128 || self.sessions[sid].link.is_none() {
            // Bytes for a session closed since (a later run's AT+CCHCLOSE / AT+CCHSTOP).
            return;
        }
        if self.transparent && sid == 0 {
            if self.online && cx.in_data() {
                cx.answer(bytes);
                if closed {
                    self.online = false;
                    self.sessions[0].link = None;
                    cx.end_data();
                    cx.answer(b"\r\nCLOSED\r\n".to_vec());
                }
            } else {
                self.sessions[0].rx.extend_from_slice(&bytes);
                if closed {
                    self.sessions[0].link = None;
                    cx.answer(b"\r\nCLOSED\r\n".to_vec());
                }
            }
            return;
        }
        if !bytes.is_empty() {
            if self.recv_mode == 0 {
                for chunk in bytes.chunks(self.cfg.recv_chunk.max(1)) {
                    let mut out =
                        format!("\r\n+CCHRECV: DATA,{sid},{}\r\n", chunk.len()).into_bytes();
                    out.extend_from_slice(chunk);
                    cx.answer(out);
                }
            } else {
                self.sessions[sid].rx.extend_from_slice(&bytes);
                cx.answer(urc(&format!("+CCHEVENT: {sid},RECV EVENT")));
            }
        }
        if closed {
            self.sessions[sid].link = None;
            cx.answer(urc(&format!("+CCH_PEER_CLOSED: {sid}")));
        }
    }

    fn plain_error(&self) -> Vec<u8> {
        ERROR.to_vec()
    }

    fn storage(&self) -> BTreeMap<String, Vec<u8>> {
        self.certs.iter().cloned().collect()
    }

    fn link_reset(&mut self) {
        self.pending = None;
        self.online = false;
    }
}

/// This simulator, as `sim/mod.rs` registers it.
pub(super) const SIMULATOR: Simulator = Simulator {
    family: Family::Sim7600,
    build: |adjust| {
        let mut c = Sim7600Config::default();
        adjust(&mut c.common);
        c.build()
    },
    error_outputs: ERROR_OUTPUTS,
    error_commands: ERROR_COMMANDS,
};
