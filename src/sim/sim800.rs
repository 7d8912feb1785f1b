//! SIMCom SIM800 series: the flash file system (`AT+FS*`), `AT+SSLSETCERT`/`SSLSETROOT`,
//! the CIP socket commands and HTTPS, after `shared/reference/modules/sim800.md`.

use core::time::Duration;
use std::collections::BTreeMap;

use super::common::{self, Cme, ERROR, Ident, OK, info_ok, urc};
use super::core::{
    CommonConfig, Cx, DataEnd, DataOutcome, Personality, SimModule, Simulator, params, parse_u64,
    split_cmd,
};
use super::creds::{self, Encoding, ModuleCert};
use super::server::{ClientOffer, Link, Refusal, TlsVersion};
use crate::modules::Family;

/// A simulated SIM800. Fields default to the reference's \[C\]/\[S\] values where it has them
/// and to marked \[I\] guesses otherwise.
#[derive(Clone, Debug)]
pub struct Sim800Config {
    pub common: CommonConfig,
    pub ati: String,
    pub model: String,
    pub revision: String,
    pub imei: String,
    /// `AT+CIPSSL` exists (false models R13.08 builds, which answer ERROR) \[S\].
    pub ssl_supported: bool,
    /// `AT+SSLSETROOT` exists (missing on some builds: LilyGO #205) \[S\].
    pub setroot_supported: bool,
    /// Max `<size>` of one `AT+FSWRITE` \[C: 10240\].
    pub max_write: usize,
    /// Flash space for user files \[I\].
    pub fs_capacity: usize,
    /// SSL 3.0 / TLS 1.0 only \[S\].
    pub versions: (TlsVersion, TlsVersion),
    /// Built-in roots the module trusts besides imported ones (contents unknown \[I\]: none).
    pub builtin_roots: Vec<Vec<u8>>,
    /// Whether validity dates are checked against `AT+CCLK` \[I: unknown; off\].
    pub check_dates: bool,
    /// Delay before the `+SSLSETCERT:` URC \[I\].
    pub setcert_delay: Duration,
    /// Data prompt \[I: `>`; whether a space follows is unconfirmed\].
    pub prompt: Vec<u8>,
    /// `AT+FSCREATE` on an existing file answers `ERROR` \[I\]; `false`: `OK`, the file
    /// emptied.
    pub fscreate_existing_errors: bool,
    /// `AT+FSDEL` of a missing file answers `ERROR` \[I\]; `false`: `OK`.
    pub fsdel_missing_errors: bool,
    /// File names match whatever their case \[I: TinyGSM writes `C:\\USER\\`, the app note
    /// `C:\\User\\`\]; `false`: exact spelling, listed as created.
    pub case_insensitive_paths: bool,
    /// `AT+SSLOPT=0,0` turns "ignore invalid certificate" off, as TinyGSM's comment reads
    /// the parameters \[C\]; `true`: the reading of the answer in seeds/000, where `0,0`
    /// ignores invalid certificates.
    pub sslopt_zero_ignores: bool,
    /// `AT+SSLSETCERT` imports only DER ("files must be binary encoded", SSL app note
    /// \[S\]); default `false`: PEM too, as TinyGSM's example uploads PEM \[C\].
    pub setcert_der_only: bool,
    /// In multi-connection mode `AT+CIPSTART` needs state IP STATUS: `AT+CSTT`,
    /// `AT+CIICR`, `AT+CIFSR` first \[C: AT manual V1.09 §8.2.2\]; `false`: any state.
    pub cipstart_needs_ip_status: bool,
    /// Multi-connection results read `0, CONNECT OK` (TinyGSM's comment, the reference
    /// \[S\]); `false`: `0,CONNECT OK`, as the AT manual V1.09 §8.2.2 prints them.
    pub mux_prefix_space: bool,
}

/// Every error output this simulator can produce (final results and result lines), for
/// the test that each has a specific explanation (`modules::explain`/`explain_line`).
pub const ERROR_OUTPUTS: &[&str] = &[
    "ERROR",
    "+CME ERROR: 50",
    "+CME ERROR: incorrect parameters",
    "0, CONNECT FAIL",
    "0,CONNECT FAIL",
    "CONNECT FAIL",
    "0, CLOSE OK",
    "CLOSE OK",
    "0, CLOSED",
    "0,CLOSED",
    "CLOSED",
    "0, ALREADY CONNECT",
    "ALREADY CONNECT",
    "0, SEND FAIL",
    "SEND FAIL",
    "+SSLSETCERT: 1",
    "+HTTPACTION: 0,600,0",
    "+HTTPACTION: 0,601,0",
    "+HTTPACTION: 0,603,0",
    "+HTTPACTION: 0,605,0",
    "+HTTPACTION: 0,606,0",
];

/// Every command this simulator can answer with a bare `ERROR` (or `+CME ERROR`), as atcert
/// or a user would send it: each needs its own explanation, since `AT+CMEE` adds nothing.
pub const ERROR_COMMANDS: &[&str] = &[
    "AT+CCLK=\"99/99/99,99:99:99+00\"",
    "AT+FSDRIVE=1",
    "AT+FSCREATE=C:\\User\\ROOT.CER",
    "AT+FSWRITE=C:\\User\\ROOT.CER,0,20000,10",
    "AT+FSREAD=C:\\User\\NONE.CER,0,10,0",
    "AT+FSFLSIZE=C:\\User\\NONE.CER",
    "AT+FSDEL=C:\\User\\NONE.CER",
    "AT+FSLS=D:\\",
    "AT+SSLSETCERT=\"C:\\User\\NONE.CER\"",
    "AT+SSLSETROOT=\"C:\\User\\NONE.CER\",10",
    "AT+SSLOPT=2,0",
    "AT+CIPSSL=1",
    "AT+CIPMUX=1",
    "AT+CIPQSEND=2",
    "AT+CIPRXGET=5",
    "AT+CSTT=\"\"",
    "AT+CIICR",
    "AT+CIFSR",
    "AT+CIPSTART=0,\"TCP\",\"example.com\",443",
    "AT+CIPSEND=0,10",
    "AT+CIPCLOSE=0",
];

impl Default for Sim800Config {
    fn default() -> Self {
        Self {
            common: CommonConfig::default(),
            ati: "SIM800 R14.18".into(),
            model: "SIMCOM_SIM800L".into(),
            revision: "Revision:1418B04SIM800L24".into(),
            imei: "867856030123456".into(),
            ssl_supported: true,
            setroot_supported: true,
            max_write: 10_240,
            fs_capacity: 120_000,
            versions: (TlsVersion::Ssl3, TlsVersion::Tls10),
            builtin_roots: Vec::new(),
            check_dates: false,
            setcert_delay: Duration::from_millis(500),
            prompt: b"\r\n> ".to_vec(),
            fscreate_existing_errors: true,
            fsdel_missing_errors: true,
            case_insensitive_paths: true,
            sslopt_zero_ignores: false,
            setcert_der_only: false,
            cipstart_needs_ip_status: true,
            mux_prefix_space: true,
        }
    }
}

impl Sim800Config {
    pub fn build(self) -> SimModule {
        let common = self.common.clone();
        SimModule::from_personality(
            Box::new(Sim800 {
                cfg: self,
                files: BTreeMap::new(),
                roots: Vec::new(),
                client_file: None,
                sslopt: [false, false],
                cipssl: false,
                mux: false,
                qsend: false,
                rxget_manual: false,
                conns: Default::default(),
                pending: None,
                cme: Cme::default(),
                http: Http::default(),
                ip: IpState::Initial,
                generation: [0; 6],
            }),
            common,
        )
    }
}

#[derive(Default)]
struct Conn {
    link: Option<Link>,
    host: String,
    port: u16,
    rx: Vec<u8>,
}

/// Server bytes are scheduled for a connection id that also carries the connection's
/// generation, so bytes still on their way when a connection was shut (AT+CIPSHUT by a
/// later run) do not reach, or close, the next connection on the same channel.
fn conn_id(mux: usize, generation: u8) -> u8 {
    u8::try_from(mux % 8).unwrap_or(0) | (generation % 32) << 3
}

#[derive(Default)]
struct Http {
    init: bool,
    url: String,
    ssl: bool,
    body: Vec<u8>,
}

/// The IP application's state (AT manual V1.09 `+CIPSTATUS` states) \[C\].
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum IpState {
    Initial,
    Start,
    GprsAct,
    Status,
}

enum Pending {
    Write { path: String, append: bool },
    Send { mux: usize },
}

struct Sim800 {
    cfg: Sim800Config,
    files: BTreeMap<String, Vec<u8>>,
    /// Roots imported with SSLSETCERT / SSLSETROOT (copies of the file at import time \[I\]).
    roots: Vec<ModuleCert>,
    /// A password-protected client credential imported with SSLSETCERT (PKCS#12 \[I\]).
    client_file: Option<Vec<u8>>,
    /// `AT+SSLOPT`: [0] ignore invalid certificate, [1] client authentication.
    sslopt: [bool; 2],
    cipssl: bool,
    mux: bool,
    qsend: bool,
    rxget_manual: bool,
    conns: [Conn; 6],
    pending: Option<Pending>,
    cme: Cme,
    http: Http,
    ip: IpState,
    /// Bumped each time a channel's connection ends or starts (see [`conn_id`]).
    generation: [u8; 6],
}

/// `C:\User\name` (quoted or not) to the stored key: `C:\USER\NAME` when `fold` (the
/// module matches case-insensitively \[I\]), else `C:\USER\` and the name as spelled.
fn canon_with(path: &str, fold: bool) -> Option<String> {
    let raw = path.trim().trim_matches('"');
    let dir = raw
        .get(..8)
        .filter(|d| d.eq_ignore_ascii_case("C:\\USER\\"))?;
    let p = if fold {
        raw.to_ascii_uppercase()
    } else {
        format!("C:\\USER\\{}", raw.get(dir.len()..)?)
    };
    let name = p.strip_prefix("C:\\USER\\")?;
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    ok.then_some(p)
}

impl Sim800 {
    fn prefix(&self, mux: usize) -> String {
        if self.mux && self.cfg.mux_prefix_space {
            format!("{mux}, ")
        } else if self.mux {
            format!("{mux},")
        } else {
            String::new()
        }
    }

    fn used(&self) -> usize {
        self.files.values().map(Vec::len).sum()
    }

    fn offer(&self, cx: &Cx, host: &str, port: u16) -> ClientOffer {
        let mut offer = ClientOffer::new(host, port, self.cfg.versions);
        offer.rsa_only = true;
        // Whether `SSLOPT=0,<e>` ignores invalid certificates when <e> is 0 or when 1.
        let ignore = self.sslopt[0] != self.cfg.sslopt_zero_ignores;
        if !ignore {
            let mut trust = self.roots.clone();
            for der in &self.cfg.builtin_roots {
                if let Ok(c) = creds::cert_from_der(der) {
                    trust.push(c);
                }
            }
            offer.trust = Some(trust);
            if self.cfg.check_dates {
                offer.check_time = Some(cx.epoch());
            }
        }
        offer
    }

    fn path(&self, raw: &str) -> Option<String> {
        canon_with(raw, self.cfg.case_insensitive_paths)
    }

    fn fs(&mut self, cx: &mut Cx, name: &str, rest: &str) -> bool {
        let p = params(rest);
        let path = p.first().and_then(|s| self.path(s));
        match name {
            "+FSDRIVE" => match p.first().map(String::as_str) {
                Some("0") => cx.answer(info_ok(&["+FSDRIVE: C".into()])),
                _ => cx.answer(ERROR),
            },
            "+FSCREATE" => match path {
                Some(f) if !self.files.contains_key(&f) || !self.cfg.fscreate_existing_errors => {
                    self.files.insert(f, Vec::new());
                    cx.answer(OK);
                }
                _ => cx.answer(ERROR),
            },
            "+FSWRITE" => {
                let mode = p.get(1).and_then(|v| parse_u64(v)).filter(|m| *m <= 1);
                let size = p.get(2).and_then(|v| parse_u64(v)).map(|v| v as usize);
                let time = p.get(3).and_then(|v| parse_u64(v)).filter(|t| *t >= 1);
                match (path, mode, size, time) {
                    (Some(f), Some(mode), Some(size), Some(time))
                        if self.files.contains_key(&f)
                            && (1..=self.cfg.max_write).contains(&size) =>
                    {
                        self.pending = Some(Pending::Write {
                            path: f,
                            append: mode == 1,
                        });
                        cx.answer(self.cfg.prompt.clone());
                        cx.start_data(
                            DataEnd::Count(size),
                            Vec::new(),
                            Some(Duration::from_secs(time)),
                        );
                    }
                    _ => cx.answer(ERROR),
                }
            }
            "+FSREAD" => {
                let mode = p.get(1).and_then(|v| parse_u64(v)).filter(|m| *m <= 1);
                let size = p.get(2).and_then(|v| parse_u64(v)).map(|v| v as usize);
                let pos = p.get(3).and_then(|v| parse_u64(v)).map(|v| v as usize);
                match (path.and_then(|f| self.files.get(&f)), mode, size, pos) {
                    (Some(data), Some(mode), Some(size), Some(pos)) => {
                        let from = if mode == 1 { pos.min(data.len()) } else { 0 };
                        let to = from.saturating_add(size).min(data.len());
                        let mut out = b"\r\n".to_vec();
                        out.extend_from_slice(data.get(from..to).unwrap_or_default());
                        out.extend_from_slice(OK);
                        cx.answer(out);
                    }
                    _ => cx.answer(ERROR),
                }
            }
            "+FSFLSIZE" => match path.and_then(|f| self.files.get(&f)) {
                Some(d) => cx.answer(info_ok(&[format!("+FSFLSIZE: {}", d.len())])),
                None => cx.answer(ERROR),
            },
            "+FSDEL" => match path.as_ref().map(|f| self.files.remove(f)) {
                Some(Some(_)) => cx.answer(OK),
                Some(None) if !self.cfg.fsdel_missing_errors => cx.answer(OK),
                _ => cx.answer(ERROR),
            },
            "+FSRENAME" => {
                let to = p.get(1).and_then(|s| self.path(s));
                match (path, to) {
                    (Some(a), Some(b)) if !self.files.contains_key(&b) => {
                        match self.files.remove(&a) {
                            Some(d) => {
                                self.files.insert(b, d);
                                cx.answer(OK);
                            }
                            None => cx.answer(ERROR),
                        }
                    }
                    _ => cx.answer(ERROR),
                }
            }
            "+FSLS" => {
                let dir = rest.trim().trim_matches('"').to_ascii_uppercase();
                if dir != "C:\\USER\\" && dir != "C:\\USER" {
                    return {
                        cx.answer(ERROR);
                        true
                    };
                }
                let lines: Vec<String> = self
                    .files
                    .keys()
                    .map(|k| k.trim_start_matches("C:\\USER\\").to_owned())
                    .collect();
                if lines.is_empty() {
                    cx.answer(OK);
                } else {
                    cx.answer(info_ok(&lines));
                }
            }
            "+FSMEM" => {
                let free = self.cfg.fs_capacity.saturating_sub(self.used());
                cx.answer(info_ok(&[format!("+FSMEM: C:{free}bytes")]));
            }
            _ => return false,
        }
        true
    }

    fn ssl(&mut self, cx: &mut Cx, name: &str, op: Option<char>, rest: &str) -> bool {
        let p = params(rest);
        match (name, op) {
            ("+SSLSETCERT", Some('=')) => {
                let Some(data) = p
                    .first()
                    .and_then(|s| self.path(s))
                    .and_then(|f| self.files.get(&f))
                else {
                    cx.answer(ERROR);
                    return true;
                };
                let encoding = if self.cfg.setcert_der_only {
                    Encoding::Der
                } else {
                    Encoding::Auto
                };
                let result = if p.len() > 1 {
                    // With a password: a client credential file [I: PKCS#12].
                    self.client_file = Some(data.clone());
                    0
                } else {
                    match creds::certs(data, encoding) {
                        Ok(cs) => {
                            self.roots.extend(cs);
                            0
                        }
                        Err(_) => 1,
                    }
                };
                cx.answer(OK);
                cx.later(
                    self.cfg.setcert_delay,
                    urc(&format!("+SSLSETCERT: {result}")),
                );
            }
            ("+SSLSETROOT", Some('=')) if self.cfg.setroot_supported => {
                let file = p
                    .first()
                    .and_then(|s| self.path(s))
                    .and_then(|f| self.files.get(&f));
                let size = p.get(1).and_then(|v| parse_u64(v)).map(|v| v as usize);
                match (file, size) {
                    // The app note says DER [S].
                    (Some(d), Some(n)) if d.len() == n => match creds::certs(d, Encoding::Der) {
                        Ok(cs) => {
                            self.roots.extend(cs);
                            cx.answer(OK);
                        }
                        Err(_) => cx.answer(ERROR),
                    },
                    _ => cx.answer(ERROR),
                }
            }
            ("+SSLOPT", Some('=')) => {
                let opt = p.first().and_then(|v| parse_u64(v)).filter(|v| *v <= 1);
                let en = p.get(1).and_then(|v| parse_u64(v)).filter(|v| *v <= 1);
                match (opt, en) {
                    (Some(o), Some(e)) => {
                        self.sslopt[o as usize] = e == 1;
                        cx.answer(OK);
                    }
                    _ => cx.answer(ERROR),
                }
            }
            ("+CIPSSL", Some('=')) if rest.trim() == "?" => {
                if self.cfg.ssl_supported {
                    cx.answer(info_ok(&["+CIPSSL: (0-1)".into()]));
                } else {
                    cx.answer(ERROR);
                }
            }
            ("+CIPSSL", Some('?')) if self.cfg.ssl_supported => {
                cx.answer(info_ok(&[format!("+CIPSSL: {}", u8::from(self.cipssl))]))
            }
            ("+CIPSSL", Some('=')) => match rest.trim() {
                "0" | "1" if self.cfg.ssl_supported => {
                    self.cipssl = rest.trim() == "1";
                    cx.answer(OK);
                }
                _ => cx.answer(ERROR),
            },
            _ => return false,
        }
        true
    }

    fn mux_arg(&self, p: &[String]) -> Option<(usize, usize)> {
        // (mux, index of the first parameter after it)
        if self.mux {
            p.first()
                .and_then(|v| parse_u64(v))
                .filter(|m| *m < 6)
                .map(|m| (m as usize, 1))
        } else {
            Some((0, 0))
        }
    }

    fn cip(&mut self, cx: &mut Cx, name: &str, op: Option<char>, rest: &str) -> bool {
        let p = params(rest);
        let flag = |v: &str| match v.trim() {
            "0" => Some(false),
            "1" => Some(true),
            _ => None,
        };
        match (name, op) {
            ("+CIPSHUT", None) => {
                for c in &mut self.conns {
                    *c = Conn::default();
                }
                for g in &mut self.generation {
                    *g = g.wrapping_add(1);
                }
                // Deactivates the PDP context: back to IP INITIAL [C manual V1.09].
                self.ip = IpState::Initial;
                cx.answer(b"\r\nSHUT OK\r\n".to_vec());
            }
            // Only in IP INITIAL [I: TinyGSM sets it before CSTT, after CIPSHUT].
            ("+CIPMUX", Some('=')) if self.ip != IpState::Initial => cx.answer(ERROR),
            ("+CIPMUX", Some('=')) => match flag(rest) {
                Some(f) => {
                    self.mux = f;
                    cx.answer(OK);
                }
                None => cx.answer(ERROR),
            },
            ("+CIPQSEND", Some('=')) => match flag(rest) {
                Some(f) => {
                    self.qsend = f;
                    cx.answer(OK);
                }
                None => cx.answer(ERROR),
            },
            ("+CIPRXGET", Some('=')) if p.len() == 1 => match flag(rest) {
                Some(f) => {
                    self.rxget_manual = f;
                    cx.answer(OK);
                }
                None => cx.answer(ERROR),
            },
            ("+CIPRXGET", Some('=')) => {
                let mode = p.first().and_then(|v| parse_u64(v));
                let mux = if self.mux {
                    p.get(1).and_then(|v| parse_u64(v))
                } else {
                    Some(0)
                };
                let len_at = if self.mux { 2 } else { 1 };
                let Some(mux) = mux.filter(|m| *m < 6).map(|m| m as usize) else {
                    cx.answer(ERROR);
                    return true;
                };
                let mp = if self.mux {
                    format!("{mux},")
                } else {
                    String::new()
                };
                match mode {
                    Some(4) => {
                        let n = self.conns[mux].rx.len();
                        cx.answer(info_ok(&[format!("+CIPRXGET: 4,{mp}{n}")]));
                    }
                    Some(m @ (2 | 3)) => {
                        let want = p.get(len_at).and_then(|v| parse_u64(v)).unwrap_or(1460);
                        let limit = if m == 2 { 1460 } else { 730 };
                        let n = (want as usize).min(limit).min(self.conns[mux].rx.len());
                        let data: Vec<u8> = self.conns[mux].rx.drain(..n).collect();
                        let left = self.conns[mux].rx.len();
                        let mut out = format!("\r\n+CIPRXGET: {m},{mp}{n},{left}\r\n").into_bytes();
                        if m == 2 {
                            out.extend_from_slice(&data);
                        } else {
                            for b in data {
                                out.extend_from_slice(format!("{b:02X}").as_bytes());
                            }
                        }
                        out.extend_from_slice(OK);
                        cx.answer(out);
                    }
                    _ => cx.answer(ERROR),
                }
            }
            // The bring-up order CSTT, CIICR, CIFSR [C manual V1.09 §8.2; TinyGSM].
            ("+CSTT", Some('=')) if self.ip == IpState::Initial => {
                self.ip = IpState::Start;
                cx.answer(OK);
            }
            ("+CIICR", None) if self.ip == IpState::Start => {
                self.ip = IpState::GprsAct;
                cx.answer(OK);
            }
            ("+CIFSR", None) if matches!(self.ip, IpState::GprsAct | IpState::Status) => {
                self.ip = IpState::Status;
                cx.answer(b"\r\n10.12.34.56\r\n".to_vec());
            }
            ("+CSTT", Some('=')) | ("+CIICR", None) | ("+CIFSR", None) => cx.answer(ERROR),
            ("+CIPSTART", Some('=')) => self.cipstart(cx, &p),
            ("+CIPSEND", _) => {
                let Some((mux, at)) = (if op.is_none() && !self.mux {
                    Some((0, 0))
                } else {
                    self.mux_arg(&p)
                }) else {
                    cx.answer(ERROR);
                    return true;
                };
                if self.conns[mux].link.is_none() {
                    cx.answer(ERROR);
                    return true;
                }
                let len = p.get(at).and_then(|v| parse_u64(v)).map(|v| v as usize);
                let end = match (op, len) {
                    (Some('='), Some(n)) if (1..=1460).contains(&n) => DataEnd::Count(n),
                    (Some('='), None)
                        if p.len() == at || p.get(at).is_some_and(|v| v.is_empty()) =>
                    {
                        DataEnd::CtrlZ
                    }
                    (None, _) => DataEnd::CtrlZ,
                    _ => {
                        cx.answer(ERROR);
                        return true;
                    }
                };
                self.pending = Some(Pending::Send { mux });
                cx.answer(self.cfg.prompt.clone());
                cx.start_data(end, Vec::new(), None);
            }
            ("+CIPSTATUS", _) => {
                let mux = if op == Some('=') {
                    parse_u64(rest).unwrap_or(0) as usize
                } else {
                    0
                };
                let c = &self.conns[mux.min(5)];
                let state = if c.link.is_some() {
                    "CONNECTED"
                } else {
                    "INITIAL"
                };
                cx.answer(info_ok(&[format!(
                    "+CIPSTATUS: {mux},0,\"TCP\",\"{}\",\"{}\",\"{state}\"",
                    c.host, c.port
                )]));
            }
            ("+CIPCLOSE", _) => {
                let mux = if self.mux {
                    p.first().and_then(|v| parse_u64(v))
                } else {
                    Some(0)
                };
                match mux.filter(|m| *m < 6).map(|m| m as usize) {
                    Some(m) if self.conns[m].link.is_some() => {
                        self.conns[m].link = None;
                        self.generation[m] = self.generation[m].wrapping_add(1);
                        let pre = self.prefix(m);
                        cx.answer(format!("\r\n{pre}CLOSE OK\r\n").into_bytes());
                    }
                    _ => cx.answer(ERROR),
                }
            }
            _ => return false,
        }
        true
    }

    fn cipstart(&mut self, cx: &mut Cx, p: &[String]) {
        let Some((mux, at)) = self.mux_arg(p) else {
            return cx.answer(ERROR);
        };
        let kind = p.get(at).map(|k| k.to_ascii_uppercase());
        let host = p.get(at + 1).cloned().unwrap_or_default();
        let port = p
            .get(at + 2)
            .and_then(|v| parse_u64(v))
            .filter(|v| (1..=65535).contains(v));
        let (Some(port), Some("TCP")) = (port, kind.as_deref()) else {
            return cx.answer(ERROR);
        };
        if host.is_empty() {
            return cx.answer(ERROR);
        }
        // Multi-IP: only in IP STATUS [C manual V1.09 §8.2.2 note].
        if self.mux && self.cfg.cipstart_needs_ip_status && self.ip != IpState::Status {
            return cx.answer(ERROR);
        }
        let pre = self.prefix(mux);
        if self.conns[mux].link.is_some() {
            return cx.answer(format!("\r\n{pre}ALREADY CONNECT\r\n").into_bytes());
        }
        let ssl = self.cipssl;
        let mut offer = self.offer(cx, &host, port as u16);
        if !ssl {
            offer.trust = None;
            offer.versions = (TlsVersion::Ssl3, TlsVersion::Tls13);
        }
        cx.answer(OK);
        let hs = cx.server.handshake_time();
        match cx.server.open(&offer) {
            Ok(link) => {
                self.conns[mux] = Conn {
                    link: Some(link),
                    host,
                    port: port as u16,
                    rx: Vec::new(),
                };
                cx.later(hs, urc(&format!("{pre}CONNECT OK")));
            }
            Err(Refusal::Unreachable(_) | Refusal::Dns) => {
                cx.later(hs, urc(&format!("{pre}CONNECT FAIL")))
            }
            // A failed handshake closes the socket [C: TinyGSM comment].
            Err(_) => cx.later(hs, urc(&format!("{pre}CLOSE OK"))),
        }
    }

    fn http(&mut self, cx: &mut Cx, name: &str, op: Option<char>, rest: &str) -> bool {
        let p = params(rest);
        match (name, op) {
            ("+SAPBR", Some('=')) => cx.answer(OK),
            ("+HTTPINIT", None) => {
                if self.http.init {
                    cx.answer(ERROR);
                } else {
                    self.http = Http {
                        init: true,
                        ..Http::default()
                    };
                    cx.answer(OK);
                }
            }
            ("+HTTPTERM", None) => {
                let was = self.http.init;
                self.http = Http::default();
                cx.answer(if was { OK } else { ERROR });
            }
            ("+HTTPPARA", Some('=')) if self.http.init => {
                if p.first().is_some_and(|k| k.eq_ignore_ascii_case("URL")) {
                    self.http.url = p.get(1).cloned().unwrap_or_default();
                }
                cx.answer(OK);
            }
            ("+HTTPSSL", Some('=')) => match rest.trim() {
                "0" | "1" if self.cfg.ssl_supported => {
                    self.http.ssl = rest.trim() == "1";
                    cx.answer(OK);
                }
                _ => cx.answer(ERROR),
            },
            ("+HTTPACTION", Some('=')) if self.http.init => {
                let url = self.http.url.clone();
                let (scheme_tls, rest_url) = match url.split_once("://") {
                    Some((s, r)) => (s.eq_ignore_ascii_case("https"), r),
                    None => (false, url.as_str()),
                };
                let hostport = rest_url.split('/').next().unwrap_or("");
                let (host, port) = match hostport.rsplit_once(':') {
                    Some((h, p)) => (h.to_owned(), p.parse().unwrap_or(443)),
                    None => (hostport.to_owned(), if scheme_tls { 443 } else { 80 }),
                };
                let path = rest_url.find('/').map_or("/", |i| &rest_url[i..]);
                let tls = self.http.ssl || scheme_tls;
                let mut offer = self.offer(cx, &host, port);
                if !tls {
                    offer.trust = None;
                    offer.versions = (TlsVersion::Ssl3, TlsVersion::Tls13);
                }
                cx.answer(OK);
                let hs = cx.server.handshake_time() + cx.server.response_time();
                let req = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n");
                let status = match cx.server.open(&offer) {
                    Ok(mut link) => match link.exchange(req.as_bytes()) {
                        Ok((resp, _)) => {
                            let (code, body) = split_http(&resp);
                            self.http.body = body;
                            code
                        }
                        Err(_) => 601,
                    },
                    Err(Refusal::Unreachable(_)) => 601,
                    Err(Refusal::Dns) => 603,
                    Err(Refusal::Version) => 606,
                    Err(_) => 605,
                };
                let len = if status < 600 {
                    self.http.body.len()
                } else {
                    0
                };
                cx.later(hs, urc(&format!("+HTTPACTION: 0,{status},{len}")));
            }
            ("+HTTPREAD", None) if self.http.init => {
                let body = core::mem::take(&mut self.http.body);
                let mut out = format!("\r\n+HTTPREAD: {}\r\n", body.len()).into_bytes();
                out.extend_from_slice(&body);
                out.extend_from_slice(OK);
                cx.answer(out);
            }
            _ => return false,
        }
        true
    }
}

/// The status code and body of an HTTP response (600 "not HTTP PDU" when it is not one).
fn split_http(resp: &[u8]) -> (u16, Vec<u8>) {
    let head_end = resp.windows(4).position(|w| w == b"\r\n\r\n");
    let status = resp
        .split(|&b| b == b' ')
        .nth(1)
        .and_then(|s| core::str::from_utf8(s).ok())
        .and_then(|s| s.parse::<u16>().ok());
    match (head_end, status) {
        (Some(i), Some(code)) if resp.starts_with(b"HTTP/") => {
            (code, resp.get(i + 4..).unwrap_or_default().to_vec())
        }
        _ => (600, Vec::new()),
    }
}

impl Personality for Sim800 {
    fn family(&self) -> Family {
        Family::Sim800
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
        let handled = self.fs(cx, &name, &rest)
            || self.ssl(cx, &name, op, &rest)
            || self.cip(cx, &name, op, &rest)
            || self.http(cx, &name, op, &rest);
        if !handled {
            cx.answer(ERROR);
        }
    }

    fn data(&mut self, cx: &mut Cx, outcome: DataOutcome) {
        match (self.pending.take(), outcome) {
            (Some(Pending::Write { path, append }), DataOutcome::Complete(bytes)) => {
                let old = self.files.get(&path).map_or(0, Vec::len);
                let new_len = if append {
                    old + bytes.len()
                } else {
                    bytes.len()
                };
                if self.used() - old + new_len > self.cfg.fs_capacity {
                    return cx.answer(ERROR);
                }
                let file = self.files.entry(path).or_default();
                if !append {
                    file.clear();
                }
                file.extend_from_slice(&bytes);
                cx.answer(OK);
            }
            (Some(Pending::Send { mux }), DataOutcome::Complete(bytes)) => {
                let pre = self.prefix(mux);
                let n = bytes.len();
                let result = match self.conns[mux].link.as_mut() {
                    Some(l) => l.exchange(&bytes),
                    None => Err("closed".into()),
                };
                match result {
                    Ok((resp, closed)) => {
                        if self.qsend {
                            cx.answer(format!("\r\nDATA ACCEPT:{mux},{n}\r\n").into_bytes());
                        } else {
                            cx.answer(format!("\r\n{pre}SEND OK\r\n").into_bytes());
                        }
                        if !resp.is_empty() || closed {
                            let t = cx.server.response_time();
                            cx.deliver(t, conn_id(mux, self.generation[mux]), resp, closed);
                        }
                    }
                    Err(_) => cx.answer(format!("\r\n{pre}SEND FAIL\r\n").into_bytes()),
                }
            }
            (Some(Pending::Send { .. }), DataOutcome::Cancelled) => cx.answer(OK),
            // FSWRITE's <inputtime> expired: nothing is written [I].
            _ => cx.answer(ERROR),
        }
    }

    fn deliver(&mut self, cx: &mut Cx, conn: u8, bytes: Vec<u8>, closed: bool) {
        let mux = usize::from(conn & 7).min(5);
        if conn >> 3 != self.generation[mux] % 32 || self.conns[mux].link.is_none() {
            // For a connection that no longer exists.
            return;
        }
        let pre = self.prefix(mux);
        if !bytes.is_empty() {
            if self.rxget_manual {
                self.conns[mux].rx.extend_from_slice(&bytes);
                let m = if self.mux {
                    format!(",{mux}")
                } else {
                    String::new()
                };
                cx.answer(urc(&format!("+CIPRXGET: 1{m}")));
            } else {
                // Auto receive [I: `+RECEIVE,<mux>,<n>:` header in multi-IP mode].
                let mut out = if self.mux {
                    format!("\r\n+RECEIVE,{mux},{}:\r\n", bytes.len()).into_bytes()
                } else {
                    Vec::new()
                };
                out.extend_from_slice(&bytes);
                cx.answer(out);
            }
        }
        if closed {
            self.conns[mux].link = None;
            cx.answer(urc(&format!("{pre}CLOSED")));
        }
    }

    fn plain_error(&self) -> Vec<u8> {
        ERROR.to_vec()
    }

    fn storage(&self) -> BTreeMap<String, Vec<u8>> {
        self.files.clone()
    }

    fn link_reset(&mut self) {
        self.pending = None;
    }
}

/// This simulator, as `sim/mod.rs` registers it.
pub(super) const SIMULATOR: Simulator = Simulator {
    family: Family::Sim800,
    build: |adjust| {
        let mut c = Sim800Config::default();
        adjust(&mut c.common);
        c.build()
    },
    error_outputs: ERROR_OUTPUTS,
    error_commands: ERROR_COMMANDS,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(path: &str) -> Option<String> {
        canon_with(path, true)
    }

    #[test]
    fn case_sensitive_paths_keep_the_spelling() {
        assert_eq!(
            canon_with("C:\\User\\root.cer", false).as_deref(),
            Some("C:\\USER\\root.cer")
        );
    }

    #[test]
    fn paths_are_canonical_and_checked() {
        assert_eq!(
            canon("C:\\User\\root.cer").as_deref(),
            Some("C:\\USER\\ROOT.CER")
        );
        assert_eq!(
            canon("\"C:\\USER\\CERT.CRT\"").as_deref(),
            Some("C:\\USER\\CERT.CRT")
        );
        assert_eq!(canon("D:\\root.cer"), None);
        assert_eq!(canon("C:\\User\\"), None);
        assert_eq!(
            split_http(b"HTTP/1.0 404 Not Found\r\n\r\nnope"),
            (404, b"nope".to_vec())
        );
        assert_eq!(split_http(b"garbage").0, 600);
    }
}
