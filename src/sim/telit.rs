//! Telit modules: the legacy GE864/GE865/GL865/GL868/GC864 line (SSL/TLS User Guide
//! 1VV0300989, seed 003) and the newer LE910/ME910 line: `AT#SSLSECDATA` with its `> `
//! prompt and Ctrl+Z, `AT#SSLEN`/`#SSLSECCFG`/`#SSLD`/`#SSLSEND`/`#SSLRCV`, after
//! `shared/reference/modules/telit.md`.

use core::time::Duration;
use std::collections::BTreeMap;

use super::common::{self, Cme, ERROR, Ident, OK, info, info_ok};
use super::core::{
    CommonConfig, Cx, DataEnd, DataOutcome, Personality, SimModule, Simulator, params, parse_u64,
    split_cmd,
};
use super::creds::{self, Encoding, KeyFormat, KeyKind};
use super::server::{ClientOffer, Link, Refusal, TlsVersion};
use crate::modules::Family;

/// The SSL errors Telit documents. Legacy codes and wording are seed 003's table (830–840);
/// LE910 codes are the 80617ST10991A list (1000–1011).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum SslError {
    Generic,
    CannotActivate,
    Socket,
    NotConnected,
    AlreadyConnected,
    AlreadyActivated,
    NotActivated,
    CertsWrong,
    EncDec,
    Handshake,
    Disconnected,
}

impl SslError {
    pub fn code(self, legacy: bool) -> u16 {
        use SslError::*;
        if legacy {
            match self {
                Generic => 830,
                CannotActivate => 831,
                Socket => 832,
                NotConnected => 833,
                AlreadyConnected => 834,
                AlreadyActivated => 835,
                NotActivated => 836,
                CertsWrong => 837,
                EncDec => 838,
                Handshake => 839,
                Disconnected => 840,
            }
        } else {
            match self {
                NotActivated => 1000,
                CertsWrong => 1001,
                Generic => 1002,
                AlreadyActivated => 1003,
                Handshake => 1004,
                Socket => 1005,
                CannotActivate => 1007,
                NotConnected => 1008,
                AlreadyConnected => 1009,
                EncDec => 1010,
                Disconnected => 1011,
            }
        }
    }

    pub fn text(self) -> &'static str {
        use SslError::*;
        match self {
            Generic => "SSL generic error",
            CannotActivate => "SSL cannot activate",
            Socket => "SSL socket error",
            NotConnected => "SSL not connected",
            AlreadyConnected => "SSL already connected",
            AlreadyActivated => "SSL already activated",
            NotActivated => "SSL not activated",
            CertsWrong => "SSL certs and keys wrong or not stored",
            EncDec => "SSL error enc/dec data",
            Handshake => "SSL error during handshake",
            Disconnected => "SSL disconnected",
        }
    }
}

/// A simulated Telit module of either generation.
#[derive(Clone, Debug)]
pub struct TelitConfig {
    pub common: CommonConfig,
    /// Legacy GE/GL/GC (true) or LE910/ME910 (false).
    pub legacy: bool,
    pub model: String,
    pub revision: String,
    pub imei: String,
    /// Largest security data: 2047 bytes on legacy \[seed\]; LE910 \[I: 4096\].
    pub max_secdata: usize,
    /// Legacy firmware stores PEM with CR but fails to parse it at `#SSLD` \[seed: LF only\].
    /// When true it refuses it at upload instead \[I\].
    pub reject_crlf_at_upload: bool,
    /// Error answered when security data is over the limit \[I: certs wrong\].
    pub oversize_error: SslError,
    /// Versions spoken: legacy SSL 3.0/TLS 1.0 \[S\]; LE910 up to TLS 1.2 \[C\].
    pub versions: (TlsVersion, TlsVersion),
    /// LE910R1 M0Q.010001 rejects `#SSLSECCFG` ciphers other than 0 \[S\].
    pub reject_nonzero_cipher: bool,
    /// Server validity dates checked against `+CCLK` when auth ≥ 1 \[I\].
    pub check_dates: bool,
    /// Most bytes one `#SSLRCV` returns \[I: ~1000\].
    pub max_recv: usize,
    /// Largest `<MaxNumByte>` `#SSLRCV`/`#SSLRECV` accepts; above it, `ERROR`. telit.md
    /// recalls ~1000; Libelium's LE910 driver never asks for more than 490 (conflict).
    pub recv_max_param: usize,
    /// Deleting security data that is not stored: `OK` (false) or the "certs and keys
    /// wrong or not stored" error (true) \[I\].
    pub delete_missing_errors: bool,
    /// Writing a type already stored: replaces it (false) or is refused with the generic
    /// SSL error until it is deleted (true) \[I\].
    pub refuse_overwrite: bool,
    /// Writing security data while the SSL socket is connected is refused ("already
    /// connected") \[I\].
    pub refuse_write_while_connected: bool,
    /// How LE910/ME910 end `#SSLSECDATA` data announced with `<size>` \[I\]: every driver
    /// sends the size and a Ctrl+Z.
    pub size_mode: SizeMode,
    /// ESC in a Ctrl+Z data phase cancels it; the module then answers `OK` (true) or
    /// nothing (false) \[I\].
    pub esc_answers_ok: bool,
    /// `AT#SELINT=2` accepted (GE/GL: yes, seed 003; ME310: its library sends it; LE910Cx
    /// references do not list it \[I\]).
    pub selint: bool,
    /// LE910/ME910 accept `#SSLSECCFG`'s 4th parameter `<cert_format>` (generic driver,
    /// perfect-cell) or refuse it (ME310's library sends three) \[I\].
    pub cert_format_param: bool,
    /// With echo on, a Ctrl+Z data phase (`#SSLSECDATA` without size, `#SSLSEND`) is
    /// echoed back, Ctrl+Z included (seed 003 §3.3 shows the PEM after `> `; telit.md
    /// transcript `telit_sslsecdata_ctrlz_echoed`); the echo is sent when the data ends.
    pub echo_data: bool,
    /// `#SSLRCV: 0` on a timeout is followed by a `TIMEOUT` line (Libelium's LE910 parser)
    /// or not (seed 003 §4.2.2.2 prints only `#SSLRCV: 0`): conflict.
    pub recv_timeout_word: bool,
}

/// How a sized `#SSLSECDATA` upload ends (LE910/ME910).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum SizeMode {
    /// Exactly `<size>` bytes (0x1A among them is data, as DER needs), then the Ctrl+Z.
    CountThenCtrlZ,
    /// Exactly `<size>` bytes end it; the Ctrl+Z that follows reaches the command line.
    CountOnly,
    /// Ctrl+Z ends it as on legacy; the byte count must equal `<size>`.
    CtrlZEnds,
}

/// Every error output this simulator can emit (final results and failure lines), numeric
/// and verbose (`AT+CMEE=2`), for both generations: each must have a specific explanation.
pub const ERROR_OUTPUTS: &[&str] = &[
    "ERROR",
    "+CME ERROR: 4",
    "+CME ERROR: operation not supported",
    "+CME ERROR: 50",
    "+CME ERROR: incorrect parameters",
    "+CME ERROR: 553",
    "+CME ERROR: context already activated",
    "+CME ERROR: 556",
    "+CME ERROR: context not opened",
    "+CME ERROR: 558",
    "+CME ERROR: cannot resolve DN",
    "+CME ERROR: 830",
    "+CME ERROR: 831",
    "+CME ERROR: 832",
    "+CME ERROR: 833",
    "+CME ERROR: 834",
    "+CME ERROR: 835",
    "+CME ERROR: 836",
    "+CME ERROR: 837",
    "+CME ERROR: 838",
    "+CME ERROR: 839",
    "+CME ERROR: 840",
    "+CME ERROR: 1000",
    "+CME ERROR: 1001",
    "+CME ERROR: 1002",
    "+CME ERROR: 1003",
    "+CME ERROR: 1004",
    "+CME ERROR: 1005",
    "+CME ERROR: 1007",
    "+CME ERROR: 1008",
    "+CME ERROR: 1009",
    "+CME ERROR: 1010",
    "+CME ERROR: 1011",
    "+CME ERROR: SSL generic error",
    "+CME ERROR: SSL cannot activate",
    "+CME ERROR: SSL socket error",
    "+CME ERROR: SSL not connected",
    "+CME ERROR: SSL already connected",
    "+CME ERROR: SSL already activated",
    "+CME ERROR: SSL not activated",
    "+CME ERROR: SSL certs and keys wrong or not stored",
    "+CME ERROR: SSL error enc/dec data",
    "+CME ERROR: SSL error during handshake",
    "+CME ERROR: SSL disconnected",
    "NO CARRIER",
    "DISCONNECTED",
];

impl TelitConfig {
    /// GL865-QUAD, firmware 16.00.142.
    pub fn legacy() -> Self {
        Self {
            common: CommonConfig::default(),
            legacy: true,
            model: "GL865-QUAD".into(),
            revision: "16.00.142".into(),
            imei: "356789012345678".into(),
            max_secdata: 2047,
            reject_crlf_at_upload: false,
            oversize_error: SslError::CertsWrong,
            versions: (TlsVersion::Ssl3, TlsVersion::Tls10),
            reject_nonzero_cipher: false,
            check_dates: true,
            max_recv: 1000,
            recv_max_param: 1000,
            delete_missing_errors: false,
            refuse_overwrite: false,
            refuse_write_while_connected: false,
            size_mode: SizeMode::CountThenCtrlZ,
            esc_answers_ok: true,
            selint: true,
            cert_format_param: true,
            recv_timeout_word: true,
            echo_data: true,
        }
    }

    /// LE910-EU1, firmware 20.00.522 \[I\].
    pub fn le910() -> Self {
        Self {
            legacy: false,
            model: "LE910-EU1".into(),
            revision: "20.00.522".into(),
            max_secdata: 4096,
            versions: (TlsVersion::Ssl3, TlsVersion::Tls12),
            ..Self::legacy()
        }
    }

    pub fn build(self) -> SimModule {
        let common = self.common.clone();
        SimModule::from_personality(
            Box::new(Telit {
                cfg: self,
                cme: Cme::default(),
                data: BTreeMap::new(),
                enabled: false,
                context: false,
                cipher: 0,
                auth: 0,
                pem: true,
                version: 3,
                sni: false,
                def_to: 100,
                tx_to: 50,
                online: false,
                link: None,
                rx: Vec::new(),
                peer_closed: false,
                pending: None,
                ctrlz_phase: false,
            }),
            common,
        )
    }
}

enum Pending {
    SecData { kind: u8, size: Option<usize> },
    Send { size: Option<usize> },
}

struct Telit {
    cfg: TelitConfig,
    cme: Cme,
    /// Security data by type: 0 client cert, 1 CA, 2 key.
    data: BTreeMap<u8, Vec<u8>>,
    enabled: bool,
    context: bool,
    cipher: u8,
    auth: u8,
    /// `#SSLSECCFG` cert_format: PEM (1, default) or DER (0), newer modules only.
    pem: bool,
    /// `#SSLSECCFG2` version (Libelium numbering: 0 SSLv3 … 3 TLS 1.2).
    version: u8,
    sni: bool,
    def_to: u64,
    /// `#SSLCFG` txTo (×100 ms): online bytes are sent after this much silence.
    tx_to: u64,
    online: bool,
    link: Option<Link>,
    rx: Vec<u8>,
    peer_closed: bool,
    pending: Option<Pending>,
    /// The running data phase ends at Ctrl+Z (and is echoed when echo is on).
    ctrlz_phase: bool,
}

const KIND_NAMES: [&str; 3] = ["cert", "ca", "key"];

impl Telit {
    fn err(&self, e: SslError) -> Vec<u8> {
        self.cme.error(e.code(self.cfg.legacy), e.text())
    }

    fn enc(&self) -> Encoding {
        if self.pem || self.cfg.legacy {
            Encoding::Pem
        } else {
            Encoding::Der
        }
    }

    /// Whether the stored item is one this firmware can parse.
    fn usable(&self, kind: u8) -> bool {
        let Some(d) = self.data.get(&kind) else {
            return false;
        };
        if self.cfg.legacy && d.contains(&b'\r') {
            return false;
        }
        if kind == 2 {
            match creds::key(d, self.enc()) {
                // Legacy takes only "RSA private key" (PKCS#1) [seed datatype name].
                Ok(k) if self.cfg.legacy => {
                    k.format == KeyFormat::Pkcs1 && matches!(k.kind, KeyKind::Rsa { .. })
                }
                Ok(_) => true,
                Err(_) => false,
            }
        } else {
            creds::certs(d, self.enc()).is_ok()
        }
    }

    fn dial(&mut self, cx: &mut Cx, p: &[String]) {
        let port = p
            .get(1)
            .and_then(|v| parse_u64(v))
            .filter(|v| (1..=65535).contains(v));
        let host = p.get(2).cloned().unwrap_or_default();
        let closure = p.get(3).and_then(|v| parse_u64(v));
        let conn_mode = p.get(4).map_or(Some(1), |v| parse_u64(v));
        let closure_ok = closure == Some(0) || (self.cfg.legacy && closure == Some(1));
        let (Some(port), true, Some(conn_mode)) = (port, closure_ok, conn_mode) else {
            return cx.answer(ERROR);
        };
        if p.first().map(String::as_str) != Some("1") || host.is_empty() {
            return cx.answer(ERROR);
        }
        if !self.enabled {
            return cx.answer(self.err(SslError::NotActivated));
        }
        if !self.context {
            return cx.answer(self.cme.error(556, "context not opened"));
        }
        if self.link.is_some() {
            return cx.answer(self.err(SslError::AlreadyConnected));
        }
        let max = match (self.cfg.legacy, self.version) {
            (true, _) => self.cfg.versions.1,
            (false, 0) => TlsVersion::Ssl3,
            (false, 1) => TlsVersion::Tls10,
            (false, 2) => TlsVersion::Tls11,
            (false, _) => TlsVersion::Tls12,
        };
        let mut offer = ClientOffer::new(
            &host,
            port as u16,
            (self.cfg.versions.0, max.min(self.cfg.versions.1)),
        );
        offer.rsa_only = self.cfg.legacy;
        offer.sni = (!self.cfg.legacy && self.sni).then(|| host.clone());
        if self.auth >= 1 {
            if !self.usable(1) {
                return cx.answer(self.err(SslError::CertsWrong));
            }
            offer.trust = self
                .data
                .get(&1)
                .and_then(|d| creds::certs(d, self.enc()).ok());
            if self.cfg.check_dates {
                offer.check_time = Some(cx.epoch());
            }
        }
        if self.auth == 2 {
            if !self.usable(0) || !self.usable(2) {
                return cx.answer(self.err(SslError::CertsWrong));
            }
            let cert = self
                .data
                .get(&0)
                .and_then(|d| creds::certs(d, self.enc()).ok())
                .and_then(|v| v.into_iter().next());
            let key = self
                .data
                .get(&2)
                .and_then(|d| creds::key(d, self.enc()).ok());
            if let (Some(c), Some(k)) = (cert, key) {
                offer.client = Some((c, k));
            }
        }
        let hs = cx.server.handshake_time();
        match cx.server.open(&offer) {
            Ok(link) => {
                self.link = Some(link);
                self.rx.clear();
                self.peer_closed = false;
                if conn_mode == 0 {
                    cx.later(hs, b"\r\nCONNECT\r\n".to_vec());
                    self.go_online(cx);
                } else {
                    cx.later(hs, OK);
                }
            }
            Err(Refusal::Unreachable(_)) => {
                let e = self.err(SslError::Socket);
                cx.later(hs, e);
            }
            // IP easy 558 "cannot resolve DN" [S/I].
            Err(Refusal::Dns) => {
                let e = self.cme.error(558, "cannot resolve DN");
                cx.later(hs, e);
            }
            Err(_) => {
                let e = self.err(SslError::Handshake);
                cx.later(hs, e);
            }
        }
    }

    /// Online mode: host bytes go to the server after the `txTo` silence; `+++` returns
    /// to command mode with OK. Guard times are not modelled \[I\].
    fn go_online(&mut self, cx: &mut Cx) {
        self.online = true;
        let idle = Duration::from_millis(self.tx_to.saturating_mul(100));
        cx.start_data(DataEnd::Online { idle }, Vec::new(), None);
    }

    fn forward(&mut self, cx: &mut Cx, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if let Some(link) = self.link.as_mut() {
            match link.exchange(bytes) {
                Ok((resp, closed)) => {
                    if !resp.is_empty() || closed {
                        let t = cx.server.response_time();
                        cx.deliver(t, 1, resp, closed);
                    }
                }
                Err(_) => {
                    self.link = None;
                    self.peer_closed = true;
                }
            }
        }
    }

    fn recv(&mut self, cx: &mut Cx, name: &str, p: &[String]) {
        let limit = self.cfg.recv_max_param as u64;
        let max = p
            .get(1)
            .and_then(|v| parse_u64(v))
            .filter(|v| (1..=limit).contains(v));
        let (Some("1"), Some(max)) = (p.first().map(String::as_str), max) else {
            return cx.answer(ERROR);
        };
        if self.link.is_none() && self.rx.is_empty() && !self.peer_closed {
            return cx.answer(self.err(SslError::NotConnected));
        }
        let tag = name.trim_start_matches('#');
        let n = self.rx.len().min(max as usize).min(self.cfg.max_recv);
        if n == 0 {
            let (word, wait) = if self.peer_closed {
                ("DISCONNECTED", Duration::ZERO)
            } else {
                let to = p.get(2).and_then(|v| parse_u64(v)).unwrap_or(self.def_to);
                ("TIMEOUT", Duration::from_millis(to.saturating_mul(100)))
            };
            let mut lines = vec![format!("#{tag}: 0")];
            if self.peer_closed || self.cfg.recv_timeout_word {
                lines.push(word.to_owned());
            }
            return cx.later(wait, info_ok(&lines));
        }
        let data: Vec<u8> = self.rx.drain(..n).collect();
        let mut out = info(&[format!("#{tag}: {n}")]);
        out.extend_from_slice(&data);
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(OK);
        cx.answer(out);
    }

    fn ssl_cmd(&mut self, cx: &mut Cx, name: &str, op: Option<char>, rest: &str) -> bool {
        let p = params(rest);
        let test = rest.trim() == "?";
        let ssid_ok = p.first().map(String::as_str) == Some("1");
        match (name, op) {
            ("#SSLEN", Some('=')) if test => cx.answer(info_ok(&["#SSLEN: (1),(0,1)".into()])),
            ("#SSLEN", Some('?')) => {
                cx.answer(info_ok(&[format!("#SSLEN: 1,{}", u8::from(self.enabled))]))
            }
            ("#SSLEN", Some('=')) => match (ssid_ok, p.get(1).map(String::as_str)) {
                (true, Some("1")) if self.enabled => {
                    cx.answer(self.err(SslError::AlreadyActivated))
                }
                (true, Some("1")) => {
                    self.enabled = true;
                    cx.answer(OK);
                }
                (true, Some("0")) => {
                    self.enabled = false;
                    self.link = None;
                    cx.cancel_deliveries(1);
                    cx.answer(OK);
                }
                _ => cx.answer(ERROR),
            },
            ("#SSLSECCFG", Some('?')) => {
                let mut l = format!("#SSLSECCFG: 1,{},{}", self.cipher, self.auth);
                if !self.cfg.legacy {
                    l.push_str(&format!(",{}", u8::from(self.pem)));
                }
                cx.answer(info_ok(&[l]));
            }
            ("#SSLSECCFG", Some('=')) => {
                let cipher = p.get(1).and_then(|v| parse_u64(v));
                let auth = p.get(2).and_then(|v| parse_u64(v)).filter(|a| *a <= 2);
                let fmt = p.get(3).map(|v| parse_u64(v).filter(|f| *f <= 1));
                let max_cipher = if self.cfg.legacy { 3 } else { 5 };
                let ok = ssid_ok
                    && cipher.is_some_and(|c| c <= max_cipher)
                    && !(self.cfg.reject_nonzero_cipher && cipher != Some(0))
                    && auth.is_some()
                    && p.len() <= 4
                    && !((self.cfg.legacy || !self.cfg.cert_format_param) && fmt.is_some())
                    && fmt.is_none_or(|f| f.is_some());
                if ok {
                    self.cipher = cipher.unwrap_or(0) as u8;
                    self.auth = auth.unwrap_or(0) as u8;
                    if let Some(Some(f)) = fmt {
                        self.pem = f == 1;
                    }
                    cx.answer(OK);
                } else {
                    cx.answer(ERROR);
                }
            }
            ("#SSLSECCFG2", Some('=')) if !self.cfg.legacy => {
                let v = p.get(1).and_then(|v| parse_u64(v)).filter(|v| *v <= 3);
                let sni = p.get(2).map(|v| parse_u64(v).filter(|s| *s <= 1));
                match (ssid_ok, v, sni) {
                    (true, Some(v), None) => {
                        self.version = v as u8;
                        cx.answer(OK);
                    }
                    (true, Some(v), Some(Some(s))) => {
                        self.version = v as u8;
                        self.sni = s == 1;
                        cx.answer(OK);
                    }
                    _ => cx.answer(ERROR),
                }
            }
            ("#SSLCFG", Some('=')) => {
                let cid = p.get(1).and_then(|v| parse_u64(v));
                let def_to = p.get(4).and_then(|v| parse_u64(v));
                let tx_to = p.get(5).and_then(|v| parse_u64(v)).filter(|t| *t >= 1);
                // SSL runs on context 1 only [seed].
                if ssid_ok && cid == Some(1) && p.len() >= 6 {
                    if let Some(d) = def_to {
                        self.def_to = d;
                    }
                    if let Some(t) = tx_to {
                        self.tx_to = t;
                    }
                    cx.answer(OK);
                } else {
                    cx.answer(ERROR);
                }
            }
            ("#SSLSECDATA", Some('?')) => {
                let has = |k: u8| u8::from(self.data.contains_key(&k));
                cx.answer(info_ok(&[format!(
                    "#SSLSECDATA: 1,{},{},{}",
                    has(0),
                    has(1),
                    has(2)
                )]));
            }
            ("#SSLSECDATA", Some('=')) => self.secdata(cx, &p),
            ("#SSLD", Some('=')) => self.dial(cx, &p),
            ("#SSLS", Some('=')) if ssid_ok => {
                let line = match (&self.link, self.enabled) {
                    (_, false) => "#SSLS: 1,0".to_owned(),
                    (Some(_), true) => format!(
                        "#SSLS: 1,2,{}",
                        if self.cipher == 0 { 3 } else { self.cipher }
                    ),
                    (None, true) => "#SSLS: 1,1".to_owned(),
                };
                cx.answer(info_ok(&[line]));
            }
            ("#SSLH", Some('=')) if ssid_ok => {
                // What the closed session's server still had in flight never arrives.
                cx.cancel_deliveries(1);
                if self.link.take().is_some() {
                    cx.answer(OK);
                } else {
                    cx.answer(self.err(SslError::NotConnected));
                }
            }
            ("#SSLSEND", Some('=')) | ("#SSLSENDEXT", Some('=')) if ssid_ok => {
                let ext = name == "#SSLSENDEXT";
                if ext && self.cfg.legacy {
                    return {
                        cx.answer(ERROR);
                        true
                    };
                }
                let size = if ext {
                    match p
                        .get(1)
                        .and_then(|v| parse_u64(v))
                        .filter(|n| (1..=1500).contains(n))
                    {
                        Some(n) => Some(n as usize),
                        None => {
                            cx.answer(ERROR);
                            return true;
                        }
                    }
                } else {
                    None
                };
                if self.link.is_none() {
                    cx.answer(self.err(SslError::NotConnected));
                    return true;
                }
                self.pending = Some(Pending::Send { size });
                cx.answer(b"\r\n> ".to_vec());
                self.ctrlz_phase = size.is_none();
                let end = size.map_or(DataEnd::CtrlZ, DataEnd::Count);
                cx.start_data(end, Vec::new(), None);
            }
            ("#SSLRCV", Some('=')) | ("#SSLRECV", Some('=')) => self.recv(cx, name, &p),
            ("#SSLO", Some('=')) if ssid_ok => {
                if self.link.is_some() {
                    cx.answer(b"\r\nCONNECT\r\n".to_vec());
                    // Bytes that arrived while suspended come first.
                    let pending = core::mem::take(&mut self.rx);
                    if !pending.is_empty() {
                        cx.answer(pending);
                    }
                    self.go_online(cx);
                } else {
                    cx.answer(self.err(SslError::NotConnected));
                }
            }
            _ => return false,
        }
        true
    }

    fn secdata(&mut self, cx: &mut Cx, p: &[String]) {
        let action = p.get(1).and_then(|v| parse_u64(v)).filter(|a| *a <= 3);
        let kind = p
            .get(2)
            .and_then(|v| parse_u64(v))
            .filter(|k| *k <= 2)
            .map(|k| k as u8);
        let ssid_ok = p.first().map(String::as_str) == Some("1");
        let (true, Some(action), Some(kind)) = (ssid_ok, action, kind) else {
            return cx.answer(ERROR);
        };
        match action {
            0 => {
                if self.data.remove(&kind).is_none() && self.cfg.delete_missing_errors {
                    return cx.answer(self.err(SslError::CertsWrong));
                }
                cx.answer(OK);
            }
            1 | 3 if self.cfg.refuse_write_while_connected && self.link.is_some() => {
                cx.answer(self.err(SslError::AlreadyConnected));
            }
            1 | 3 if self.cfg.refuse_overwrite && self.data.contains_key(&kind) => {
                cx.answer(self.err(SslError::Generic));
            }
            1 | 3 => {
                // Legacy takes no size (Ctrl+Z only); LE910 needs one [reference §8].
                let size = p.get(3).map(|v| parse_u64(v).map(|n| n as usize));
                let size = match (self.cfg.legacy, size) {
                    (true, None) => None,
                    (false, Some(Some(n))) if (1..=self.cfg.max_secdata).contains(&n) => Some(n),
                    _ => return cx.answer(ERROR),
                };
                self.pending = Some(Pending::SecData { kind, size });
                cx.answer(b"\r\n> ".to_vec());
                // With a size the module counts bytes (so DER may hold 0x1A), then takes
                // the Ctrl+Z every driver sends [C].
                let end = match (size, self.cfg.size_mode) {
                    (None, _) | (Some(_), SizeMode::CtrlZEnds) => DataEnd::CtrlZ,
                    (Some(n), SizeMode::CountThenCtrlZ) => DataEnd::CountCtrlZ(n),
                    (Some(n), SizeMode::CountOnly) => DataEnd::Count(n),
                };
                self.ctrlz_phase = matches!(end, DataEnd::CtrlZ);
                cx.start_data(end, Vec::new(), None);
            }
            _ => {
                if kind == 2 {
                    // The private key is never read back [I].
                    return cx.answer(self.cme.error(4, "operation not supported"));
                }
                match self.data.get(&kind) {
                    Some(d) => {
                        let mut out = info(&[format!("#SSLSECDATA: 1,{kind}")]);
                        out.extend_from_slice(d);
                        out.extend_from_slice(b"\r\n");
                        out.extend_from_slice(OK);
                        cx.answer(out);
                    }
                    None => cx.answer(self.err(SslError::CertsWrong)),
                }
            }
        }
    }
}

impl Personality for Telit {
    fn family(&self) -> Family {
        if self.cfg.legacy {
            Family::TelitLegacy
        } else {
            Family::TelitLe910
        }
    }

    fn command(&mut self, cx: &mut Cx, line: &[u8]) {
        let ati = ["Telit".to_owned()];
        let id = Ident {
            ati: &ati,
            cgmi: "Telit",
            cgmm: &self.cfg.model,
            cgmr: &self.cfg.revision,
            imei: &self.cfg.imei,
        };
        if common::basic(cx, &mut self.cme, &id, line) {
            return;
        }
        let (name, op, rest) = split_cmd(line);
        if self.ssl_cmd(cx, &name, op, &rest) {
            return;
        }
        let p = params(&rest);
        match (name.as_str(), op) {
            ("#SELINT", Some('=')) if self.cfg.selint => cx.answer(OK),
            ("#CGMM", None) => cx.answer(info_ok(&[format!("#CGMM: {}", self.cfg.model)])),
            ("#SGACT", Some('?')) => {
                cx.answer(info_ok(&[format!("#SGACT: 1,{}", u8::from(self.context))]))
            }
            ("#SGACT", Some('=')) => {
                match (p.first().map(String::as_str), p.get(1).map(String::as_str)) {
                    (Some("1"), Some("1")) if self.context => {
                        cx.answer(self.cme.error(553, "context already activated"))
                    }
                    (Some("1"), Some("1")) => {
                        self.context = true;
                        cx.later(
                            Duration::from_millis(500),
                            // Seed 003 §2.1 prints the address quoted on GE/GL; LE910
                            // unquoted [I].
                            info_ok(&[if self.cfg.legacy {
                                "#SGACT: \"10.1.2.3\"".into()
                            } else {
                                "#SGACT: 10.1.2.3".into()
                            }]),
                        );
                    }
                    (Some(_), Some("0")) => {
                        self.context = false;
                        cx.answer(OK);
                    }
                    _ => cx.answer(ERROR),
                }
            }
            _ => cx.answer(ERROR),
        }
    }

    fn data(&mut self, cx: &mut Cx, outcome: DataOutcome) {
        if let (true, true, Some(_), DataOutcome::Complete(bytes)) =
            (self.cfg.echo_data, *cx.echo, &self.pending, &outcome)
            && self.ctrlz_phase
        {
            let mut echo = bytes.clone();
            echo.push(0x1a);
            cx.answer(echo);
        }
        match (self.pending.take(), outcome) {
            (Some(Pending::SecData { kind, size }), DataOutcome::Complete(bytes)) => {
                let over = bytes.len() > self.cfg.max_secdata;
                let mismatch = size.is_some_and(|n| n != bytes.len());
                let crlf =
                    self.cfg.legacy && self.cfg.reject_crlf_at_upload && bytes.contains(&b'\r');
                if over || crlf {
                    cx.answer(self.err(self.cfg.oversize_error));
                } else if mismatch {
                    cx.answer(ERROR);
                } else {
                    self.data.insert(kind, bytes);
                    cx.answer(OK);
                }
            }
            // ESC: nothing stored [I].
            (Some(Pending::SecData { .. }), DataOutcome::Cancelled) => {
                if self.cfg.esc_answers_ok {
                    cx.answer(OK);
                }
            }
            // A sized upload whose byte after the count was not the Ctrl+Z: refused.
            (Some(Pending::SecData { .. }), DataOutcome::Overrun) => cx.answer(ERROR),
            (Some(Pending::Send { size }), DataOutcome::Complete(bytes)) => {
                if size.is_some_and(|n| n != bytes.len()) {
                    return cx.answer(ERROR);
                }
                let result = match self.link.as_mut() {
                    Some(l) => l.exchange(&bytes),
                    None => Err("closed".into()),
                };
                match result {
                    Ok((resp, closed)) => {
                        cx.answer(OK);
                        if !resp.is_empty() || closed {
                            let t = cx.server.response_time();
                            cx.deliver(t, 1, resp, closed);
                        }
                    }
                    Err(_) => cx.answer(self.err(SslError::Disconnected)),
                }
            }
            (Some(Pending::Send { .. }), DataOutcome::Cancelled) => {
                if self.cfg.esc_answers_ok {
                    cx.answer(OK);
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

    fn deliver(&mut self, cx: &mut Cx, _conn: u8, bytes: Vec<u8>, closed: bool) {
        if self.online && cx.in_data() {
            // Online mode: the server's bytes go straight to the host.
            if !bytes.is_empty() {
                cx.answer(bytes);
            }
            if closed {
                self.link = None;
                self.online = false;
                cx.end_data();
                cx.answer(b"\r\nNO CARRIER\r\n".to_vec());
            }
            return;
        }
        self.rx.extend_from_slice(&bytes);
        if closed {
            self.link = None;
            self.peer_closed = true;
        }
    }

    fn plain_error(&self) -> Vec<u8> {
        ERROR.to_vec()
    }

    fn storage(&self) -> BTreeMap<String, Vec<u8>> {
        self.data
            .iter()
            .map(|(k, v)| (KIND_NAMES[usize::from(*k).min(2)].to_owned(), v.clone()))
            .collect()
    }

    /// A restart: the data phase, the socket and what it buffered are gone; SSL and the
    /// data context are off again \[I\]; security data and settings are in NVM (seed 003
    /// §3.3) and stay.
    fn link_reset(&mut self) {
        self.pending = None;
        self.online = false;
        self.link = None;
        self.rx.clear();
        self.peer_closed = false;
        self.enabled = false;
        self.context = false;
    }
}

/// The legacy generation's simulator, as `sim/mod.rs` registers it.
pub(super) const LEGACY: Simulator = Simulator {
    family: Family::TelitLegacy,
    build: |adjust| {
        let mut c = TelitConfig::legacy();
        adjust(&mut c.common);
        c.build()
    },
    error_outputs: ERROR_OUTPUTS,
    error_commands: &[],
};

/// The LE910 generation's simulator, as `sim/mod.rs` registers it.
pub(super) const LE910: Simulator = Simulator {
    family: Family::TelitLe910,
    build: |adjust| {
        let mut c = TelitConfig::le910();
        adjust(&mut c.common);
        c.build()
    },
    error_outputs: ERROR_OUTPUTS,
    error_commands: &[],
};
