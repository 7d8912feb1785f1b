//! Espressif ESP-AT v3.x: `AT+SYSMFG` manufacturing NVS, `AT+CIPSSLCCONF` and
//! `AT+CIPSTART="SSL"`, after `shared/reference/modules/espat.md` and
//! `tests/audit/espat.md`. Facts the evidence leaves open are fields of [`EspatConfig`].

use core::time::Duration;
use std::collections::BTreeMap;

use super::common::{ERROR, OK, info_ok, urc};
use super::core::{
    CommonConfig, Cx, DataEnd, DataOutcome, Personality, SimModule, Simulator, params, parse_u64,
    split_cmd,
};
use super::creds::{self, Encoding};
use super::server::{ClientOffer, Link, Refusal, TlsVersion};
use crate::modules::Family;

/// A simulated ESP-AT module. Defaults are v3.2.0.0 on an ESP32-C3 MINI-1.
#[derive(Clone, Debug)]
pub struct EspatConfig {
    pub common: CommonConfig,
    /// The chip in `AT+GMR`'s first line (`ESP32-C3`).
    pub chip: String,
    /// `AT version:` number.
    pub at_version: String,
    /// `Bin version:` module name (`MINI-1`, `WROOM-32`).
    pub module_name: String,
    /// v2.1 and later put ` - <chip> - ` in the first GMR line; 2.0.0.0 did not (esp-at
    /// #345). `false`: the 2.0.0.0 form.
    pub gmr_chip_field: bool,
    /// `AT+SYSMFG` exists (v3.1.0.0 and later); `false`: the legacy AtPKI firmware, which
    /// answers it as an unknown command.
    pub sysmfg: bool,
    /// \[I\] audit 2.1: whether `recv <n> bytes` precedes the `OK` after SYSMFG data
    /// (the core has the string; where it goes is unknown). Default no.
    pub sysmfg_recv_echo: bool,
    /// \[I\] audit 2.1: how long the SYSMFG data phase waits for its bytes; `None` (the
    /// default) waits forever: no source gives a timeout.
    pub sysmfg_data_timeout: Option<Duration>,
    /// \[I\] audit 2.2: a read ends `<data>\r\n\r\nOK\r\n` instead of `<data>\r\nOK\r\n`.
    pub sysmfg_read_blank_line: bool,
    /// \[I\] audit 2.3: erasing a key that is not there answers `ERROR` (default) or `OK`.
    pub sysmfg_erase_missing_errors: bool,
    /// \[I\] audit 2.3: listing a namespace with no keys answers `ERROR` instead of `OK`.
    pub sysmfg_list_empty_errors: bool,
    /// The module has joined an access point (atcert never joins one).
    pub wifi_joined: bool,
    /// \[I\] the passive-receive command is `AT+CIPRECVMODE` (v2 name) instead of
    /// `AT+CIPRECVTYPE`; the other one is unknown to the firmware.
    pub recv_mode_v2_name: bool,
}

impl Default for EspatConfig {
    fn default() -> Self {
        Self {
            // The RTC starts at 1970 on power-up [I: ESP-IDF's default time].
            common: CommonConfig {
                boot_epoch: 0,
                ..CommonConfig::default()
            },
            chip: "ESP32-C3".into(),
            at_version: "3.2.0.0".into(),
            module_name: "MINI-1".into(),
            gmr_chip_field: true,
            sysmfg: true,
            sysmfg_recv_echo: false,
            sysmfg_data_timeout: None,
            sysmfg_read_blank_line: false,
            sysmfg_erase_missing_errors: true,
            sysmfg_list_empty_errors: false,
            wifi_joined: true,
            recv_mode_v2_name: false,
        }
    }
}

/// Every error line this simulator can produce.
pub const ERROR_OUTPUTS: &[&str] = &[
    "ERROR",
    "ERR CODE:0x01090000",
    "ERR CODE:0x010a0000",
    "ERR CODE:0x01070000",
    "ERR CODE:0x01060000",
    "NO CA FOUND",
    "NO CERT FOUND",
    "NO PRVT_KEY FOUND",
    "No AP",
    "SEND FAIL",
];

/// Commands this simulator refuses on a fresh module (echo off), each explained by the
/// command it answers (`explain_command`).
pub const ERROR_COMMANDS: &[&str] = &[
    "AT+SYSMFG=0,\"client_ca\",\"client_ca.0\"",
    "AT+SYSMFG=1,\"client_ca\",\"client_ca.0\"",
    "AT+SYSMFG=2,\"nope\",\"k\",8,4",
    "AT+SYSTIMESTAMP=x",
    "AT+CIPMUX=2",
    "AT+CIPRECVMODE=1",
    "AT+CIPSSLCCONF=9",
    "AT+CIPSSLCSNI=\"\"",
    "AT+CIPSTART=\"SSL\",\"example.com\",0",
    "AT+CIPSEND=4",
    "AT+CIPRECVDATA=10",
    "AT+CIPCLOSE",
];

/// Namespaces of the default `mfg_nvs` (reference §3).
const NAMESPACES: &[&str] = &[
    "factory_param",
    "client_cert",
    "client_key",
    "client_ca",
    "mqtt_cert",
    "mqtt_key",
    "mqtt_ca",
];

/// ESP-AT's data prompt: `OK`, a blank line, `>` (CORE `\r\nOK\r\n\r\n>`).
const OK_PROMPT: &[u8] = b"\r\nOK\r\n\r\n>";

impl EspatConfig {
    pub fn build(self) -> SimModule {
        let common = self.common.clone();
        SimModule::from_personality(
            Box::new(Espat {
                cfg: self,
                nvs: BTreeMap::new(),
                syslog: false,
                mux: false,
                passive: false,
                auth: 0,
                pki: 0,
                ca: 0,
                sni: None,
                link: None,
                generation: 0,
                rx: Vec::new(),
                pending: None,
            }),
            common,
        )
    }
}

enum Pending {
    Write { ns: String, key: String, kind: u8 },
    Send,
}

struct Espat {
    cfg: EspatConfig,
    /// (namespace, key) -> (type, value).
    nvs: BTreeMap<(String, String), (u8, Vec<u8>)>,
    syslog: bool,
    mux: bool,
    passive: bool,
    auth: u8,
    pki: u8,
    ca: u8,
    sni: Option<String>,
    link: Option<Link>,
    /// Bumped when the link opens or closes: bytes for an older link are dropped.
    generation: u8,
    rx: Vec<u8>,
    pending: Option<Pending>,
}

impl Espat {
    /// `ERROR`, with `ERR CODE:0x<code>` before it while `AT+SYSLOG=1` (DOC; CORE).
    fn error(&self, code: u32) -> Vec<u8> {
        if self.syslog {
            format!("\r\nERR CODE:0x{code:08x}\r\n\r\nERROR\r\n").into_bytes()
        } else {
            ERROR.to_vec()
        }
    }

    fn gmr(&self) -> Vec<String> {
        let first = if self.cfg.gmr_chip_field {
            format!(
                "AT version:{}(s-ec2dec2 - {} - Jul 28 2023 07:05:28)",
                self.cfg.at_version, self.cfg.chip
            )
        } else {
            format!(
                "AT version:{}(e44648c - Nov  4 2019 02:18:57)",
                self.cfg.at_version
            )
        };
        vec![
            first,
            "SDK version:v5.0.2-376-g24b9d38a24".into(),
            "compile time(6118fc22):Jul 28 2023 09:12:22".into(),
            format!(
                "Bin version:v{}({})",
                self.cfg.at_version, self.cfg.module_name
            ),
        ]
    }

    fn value(&self, ns: &str, key: &str) -> Option<&Vec<u8>> {
        self.nvs
            .get(&(ns.to_owned(), key.to_owned()))
            .map(|(_, v)| v)
    }

    fn sysmfg(&mut self, cx: &mut Cx, op: Option<char>, rest: &str) {
        if !self.cfg.sysmfg {
            return cx.answer(self.error(0x0109_0000));
        }
        if op == Some('?') {
            let lines: Vec<String> = NAMESPACES
                .iter()
                .map(|n| format!("+SYSMFG:\"{n}\""))
                .collect();
            return cx.answer(info_ok(&lines));
        }
        let p = params(rest);
        let ns = p.get(1).cloned().unwrap_or_default();
        let key = p.get(2).cloned();
        if !NAMESPACES.contains(&ns.as_str()) {
            return cx.answer(self.error(0x010a_0000));
        }
        match (p.first().and_then(|o| parse_u64(o)), key) {
            (Some(0), None) => {
                self.nvs.retain(|(n, _), _| *n != ns);
                cx.answer(OK);
            }
            (Some(0), Some(key)) => {
                let gone = self.nvs.remove(&(ns, key)).is_some();
                if gone || !self.cfg.sysmfg_erase_missing_errors {
                    cx.answer(OK);
                } else {
                    cx.answer(self.error(0x010a_0000));
                }
            }
            (Some(1), None) => {
                let lines: Vec<String> = self
                    .nvs
                    .iter()
                    .filter(|((n, _), _)| *n == ns)
                    .map(|((n, k), (t, _))| format!("+SYSMFG:\"{n}\",\"{k}\",{t}"))
                    .collect();
                if lines.is_empty() && self.cfg.sysmfg_list_empty_errors {
                    cx.answer(self.error(0x010a_0000));
                } else if lines.is_empty() {
                    cx.answer(OK);
                } else {
                    cx.answer(info_ok(&lines));
                }
            }
            (Some(1), Some(key)) => {
                let Some((kind, v)) = self.nvs.get(&(ns.clone(), key.clone())) else {
                    return cx.answer(self.error(0x010a_0000));
                };
                // CORE `%s:"%s","%s",%u,%u,` then the raw value (types 7 and 8).
                let mut out =
                    format!("\r\n+SYSMFG:\"{ns}\",\"{key}\",{kind},{},", v.len()).into_bytes();
                out.extend_from_slice(v);
                out.extend_from_slice(b"\r\n");
                if self.cfg.sysmfg_read_blank_line {
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"OK\r\n");
                cx.answer(out);
            }
            (Some(2), Some(key)) => {
                let kind = p.get(3).and_then(|t| parse_u64(t));
                let len = p.get(4).and_then(|l| parse_u64(l)).map(|l| l as usize);
                let (Some(kind @ 7..=8), Some(len @ 1..)) = (kind, len) else {
                    return cx.answer(self.error(0x0107_0000));
                };
                // NVS keys are at most 15 characters (audit 5).
                if key.is_empty() || key.len() > 15 {
                    return cx.answer(self.error(0x0104_0000));
                }
                // NVS refuses a key of another type (audit 5).
                if self
                    .nvs
                    .get(&(ns.clone(), key.clone()))
                    .is_some_and(|(t, _)| u64::from(*t) != kind)
                {
                    return cx.answer(self.error(0x010a_0000));
                }
                self.pending = Some(Pending::Write {
                    ns,
                    key,
                    kind: kind as u8,
                });
                cx.answer(OK_PROMPT);
                cx.start_data(
                    DataEnd::Count(len),
                    Vec::new(),
                    self.cfg.sysmfg_data_timeout,
                );
            }
            _ => cx.answer(self.error(0x0106_0000)),
        }
    }

    fn end_link(&mut self) {
        self.link = None;
        self.generation = self.generation.wrapping_add(1);
    }

    fn stored_certs(&self, ns: &str, n: u8) -> Option<Vec<creds::ModuleCert>> {
        let v = self.value(ns, &format!("{ns}.{n}"))?;
        creds::certs(v, Encoding::Auto)
            .ok()
            .filter(|c| !c.is_empty())
    }

    /// Opens the TLS link as `AT+CIPSSLCCONF` says; the error answer on failure.
    fn open(&mut self, cx: &mut Cx, host: &str, port: u16) -> Result<(), Vec<u8>> {
        let mut offer = ClientOffer::new(host, port, (TlsVersion::Tls12, TlsVersion::Tls12));
        offer.sni = self.sni.clone();
        let mut reports = Vec::new();
        if self.auth == 2 || self.auth == 3 {
            match self.stored_certs("client_ca", self.ca) {
                Some(cas) => offer.trust = Some(cas),
                None => reports.push("NO CA FOUND"),
            }
            // Dates are checked (CONFIG_MBEDTLS_HAVE_TIME_DATE=y, audit 2.4).
            offer.check_time = Some(cx.epoch());
        }
        if self.auth == 1 || self.auth == 3 {
            let cert = self
                .stored_certs("client_cert", self.pki)
                .and_then(|c| c.into_iter().next());
            let key = self
                .value("client_key", &format!("client_key.{}", self.pki))
                .and_then(|k| creds::key(k, Encoding::Auto).ok());
            match (cert, key) {
                (Some(c), Some(k)) => offer.client = Some((c, k)),
                (None, _) => reports.push("NO CERT FOUND"),
                (_, None) => reports.push("NO PRVT_KEY FOUND"),
            }
        }
        if !reports.is_empty() {
            let mut out = Vec::new();
            for r in reports {
                out.extend(urc(r));
            }
            out.extend(self.error(0x010a_0000));
            return Err(out);
        }
        match cx.server.open(&offer) {
            Ok(link) => {
                self.link = Some(link);
                self.generation = self.generation.wrapping_add(1);
                self.rx.clear();
                Ok(())
            }
            Err(Refusal::Dns | Refusal::Unreachable(_)) | Err(_) => Err(self.error(0x010a_0000)),
        }
    }

    fn cip(&mut self, cx: &mut Cx, name: &str, op: Option<char>, rest: &str) {
        let p = params(rest);
        match (name, op) {
            ("+CIPMUX", Some('=')) => match p.first().and_then(|v| parse_u64(v)) {
                _ if self.link.is_some() => cx.answer(self.error(0x010a_0000)),
                Some(m @ (0 | 1)) => {
                    self.mux = m == 1;
                    cx.answer(OK);
                }
                _ => cx.answer(self.error(0x0107_0000)),
            },
            ("+CIPMUX", Some('?')) => {
                cx.answer(info_ok(&[format!("+CIPMUX:{}", u8::from(self.mux))]));
            }
            ("+CIPRECVTYPE", Some('=')) | ("+CIPRECVMODE", Some('=')) => {
                let v2 = name == "+CIPRECVMODE";
                if v2 != self.cfg.recv_mode_v2_name {
                    return cx.answer(self.error(0x0109_0000));
                }
                match p.first().and_then(|v| parse_u64(v)) {
                    Some(m @ (0 | 1)) => {
                        self.passive = m == 1;
                        cx.answer(OK);
                    }
                    _ => cx.answer(self.error(0x0107_0000)),
                }
            }
            ("+CIPSSLCCONF", Some('=')) => {
                let n: Vec<Option<u64>> = p.iter().map(|v| parse_u64(v)).collect();
                let ok = match n.as_slice() {
                    [Some(a @ 0..=3)] if !self.mux => Some((*a, 0, 0)),
                    [Some(a @ 0..=3), Some(k @ 0..=1), Some(c @ 0..=1)] if !self.mux => {
                        Some((*a, *k, *c))
                    }
                    _ => None,
                };
                match ok {
                    Some((a, k, c)) => {
                        (self.auth, self.pki, self.ca) = (a as u8, k as u8, c as u8);
                        cx.answer(OK);
                    }
                    None => cx.answer(self.error(0x0107_0000)),
                }
            }
            ("+CIPSSLCCONF", Some('?')) => cx.answer(info_ok(&[format!(
                "+CIPSSLCCONF:{},{},{}",
                self.auth, self.pki, self.ca
            )])),
            ("+CIPSSLCSNI", Some('=')) => {
                let host = p.first().cloned().unwrap_or_default();
                if host.is_empty() || self.mux {
                    cx.answer(self.error(0x0107_0000));
                } else {
                    self.sni = Some(host);
                    cx.answer(OK);
                }
            }
            ("+CIPSTART", Some('=')) => {
                let kind = p.first().cloned().unwrap_or_default();
                let host = p.get(1).cloned().unwrap_or_default();
                let port = p
                    .get(2)
                    .and_then(|v| parse_u64(v))
                    .filter(|v| (1..=65535).contains(v));
                let (Some(port), false, true) = (port, self.mux, kind == "SSL") else {
                    return cx.answer(self.error(0x0107_0000));
                };
                if host.is_empty() || host.len() > 64 {
                    return cx.answer(self.error(0x0104_0000));
                }
                if self.link.is_some() {
                    let mut out = urc("ALREADY CONNECTED");
                    out.extend(self.error(0x010a_0000));
                    return cx.answer(out);
                }
                if !self.cfg.wifi_joined {
                    return cx.answer(self.error(0x010a_0000));
                }
                let hs = cx.server.handshake_time();
                match self.open(cx, &host, port as u16) {
                    Ok(()) => cx.later(hs, b"\r\nCONNECT\r\n\r\nOK\r\n".to_vec()),
                    Err(out) => cx.later(hs, out),
                }
            }
            ("+CIPSEND", Some('=')) => {
                let len = p.first().and_then(|v| parse_u64(v)).map(|v| v as usize);
                match len {
                    Some(n @ 1..=8192) if self.link.is_some() && !self.mux => {
                        self.pending = Some(Pending::Send);
                        cx.answer(OK_PROMPT);
                        cx.start_data(DataEnd::Count(n), Vec::new(), Some(Duration::from_secs(20)));
                    }
                    _ => cx.answer(self.error(0x010a_0000)),
                }
            }
            ("+CIPRECVLEN", Some('?')) => {
                cx.answer(info_ok(&[format!("+CIPRECVLEN:{}", self.rx.len())]));
            }
            ("+CIPRECVDATA", Some('=')) => {
                let max = p.first().and_then(|v| parse_u64(v)).map(|v| v as usize);
                match max {
                    Some(m @ 1..) if self.passive && !self.rx.is_empty() => {
                        let n = m.min(self.rx.len());
                        let data: Vec<u8> = self.rx.drain(..n).collect();
                        let mut out = format!("\r\n+CIPRECVDATA:{n},").into_bytes();
                        out.extend_from_slice(&data);
                        out.extend_from_slice(OK);
                        cx.answer(out);
                    }
                    _ => cx.answer(self.error(0x010a_0000)),
                }
            }
            ("+CIPCLOSE", None) => {
                if self.link.is_some() {
                    self.end_link();
                    self.rx.clear();
                    cx.answer(b"\r\nCLOSED\r\n\r\nOK\r\n".to_vec());
                } else {
                    cx.answer(self.error(0x010a_0000));
                }
            }
            ("+CIPSNTPCFG", Some('=')) => cx.answer(OK),
            _ => cx.answer(self.error(0x0109_0000)),
        }
    }
}

impl Personality for Espat {
    fn family(&self) -> Family {
        Family::Espat
    }

    fn command(&mut self, cx: &mut Cx, line: &[u8]) {
        let (name, op, rest) = split_cmd(line);
        match (name.as_str(), op) {
            ("", None) => cx.answer(OK),
            ("E0", None) => {
                *cx.echo = false;
                cx.answer(OK);
            }
            ("E1", None) => {
                *cx.echo = true;
                cx.answer(OK);
            }
            ("+GMR", None) => cx.answer(info_ok(&self.gmr())),
            ("+SYSLOG", Some('=')) => match rest.trim() {
                "0" | "1" => {
                    self.syslog = rest.trim() == "1";
                    cx.answer(OK);
                }
                _ => cx.answer(self.error(0x0107_0000)),
            },
            ("+SYSLOG", Some('?')) => {
                cx.answer(info_ok(&[format!("+SYSLOG:{}", u8::from(self.syslog))]));
            }
            ("+SYSMFG", _) => self.sysmfg(cx, op, &rest),
            // DOC: `AT+SYSTIMESTAMP=<Unix timestamp>`, query `+SYSTIMESTAMP:<n>`.
            ("+SYSTIMESTAMP", Some('=')) => match parse_u64(&rest) {
                Some(t) => {
                    cx.rtc.set = Some((t as i64, cx.now));
                    cx.answer(OK);
                }
                None => cx.answer(self.error(0x0107_0000)),
            },
            ("+SYSTIMESTAMP", Some('?')) => {
                let now = cx.epoch();
                cx.answer(info_ok(&[format!("+SYSTIMESTAMP:{now}")]));
            }
            ("+CWMODE", Some('=')) => cx.answer(OK),
            ("+CWJAP", Some('?')) => {
                if self.cfg.wifi_joined {
                    cx.answer(info_ok(&[
                        "+CWJAP:\"atcert-lab\",\"24:0a:c4:12:34:56\",6,-52,0,1,3,0,1".into(),
                    ]));
                } else {
                    cx.answer(info_ok(&["No AP".into()]));
                }
            }
            (n, _) if n.starts_with("+CIP") => self.cip(cx, n, op, &rest),
            // Not ESP-AT commands (ATI, AT+CGMM, other vendors' probes): unknown.
            _ => cx.answer(self.error(0x0109_0000)),
        }
    }

    fn data(&mut self, cx: &mut Cx, outcome: DataOutcome) {
        match (self.pending.take(), outcome) {
            (Some(Pending::Write { ns, key, kind }), DataOutcome::Complete(bytes)) => {
                let n = bytes.len();
                self.nvs.insert((ns, key), (kind, bytes));
                if self.cfg.sysmfg_recv_echo {
                    let mut out = urc(&format!("recv {n} bytes"));
                    out.extend_from_slice(OK);
                    cx.answer(out);
                } else {
                    cx.answer(OK);
                }
            }
            (Some(Pending::Send), DataOutcome::Complete(bytes)) => {
                let n = bytes.len();
                let result = match self.link.as_mut() {
                    Some(link) => link.exchange(&bytes),
                    None => Err("closed".into()),
                };
                match result {
                    Ok((resp, closed)) => {
                        cx.answer(format!("\r\nRecv {n} bytes\r\n\r\nSEND OK\r\n").into_bytes());
                        if !resp.is_empty() || closed {
                            let t = cx.server.response_time();
                            cx.deliver(t, self.generation, resp, closed);
                        }
                    }
                    Err(_) => cx.answer(b"\r\nSEND FAIL\r\n".to_vec()),
                }
            }
            (_, DataOutcome::TimedOut) => cx.answer(self.error(0x010a_0000)),
            _ => cx.answer(self.error(0x010a_0000)),
        }
    }

    fn deliver(&mut self, cx: &mut Cx, conn: u8, bytes: Vec<u8>, closed: bool) {
        if conn != self.generation || self.link.is_none() {
            return;
        }
        if !bytes.is_empty() {
            if self.passive {
                // Passive mode: `+IPD,<len>` only; the bytes wait for AT+CIPRECVDATA.
                self.rx.extend_from_slice(&bytes);
                cx.answer(urc(&format!("+IPD,{}", bytes.len())));
            } else {
                let mut out = format!("\r\n+IPD,{}:", bytes.len()).into_bytes();
                out.extend_from_slice(&bytes);
                cx.answer(out);
            }
        }
        if closed {
            // Received bytes stay readable after the peer closed [I].
            self.link = None;
            self.generation = self.generation.wrapping_add(1);
            cx.answer(urc("CLOSED"));
        }
    }

    fn plain_error(&self) -> Vec<u8> {
        ERROR.to_vec()
    }

    fn storage(&self) -> BTreeMap<String, Vec<u8>> {
        self.nvs
            .iter()
            .filter(|((ns, _), _)| ns.starts_with("client_"))
            .map(|((_, k), (_, v))| (k.clone(), v.clone()))
            .collect()
    }

    fn link_reset(&mut self) {
        self.pending = None;
        self.end_link();
        self.rx.clear();
        self.syslog = false;
        self.passive = false;
        self.mux = false;
        self.sni = None;
    }
}

/// This simulator, as `sim/mod.rs` registers it.
pub(super) const SIMULATOR: Simulator = Simulator {
    family: Family::Espat,
    build: |adjust| {
        let mut c = EspatConfig::default();
        adjust(&mut c.common);
        c.build()
    },
    error_outputs: ERROR_OUTPUTS,
    error_commands: ERROR_COMMANDS,
};
