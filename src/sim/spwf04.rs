//! ST SPWF04Sx Wi-Fi modules (`AT+S.` commands): `AT+S.TLSCERT` slots, the file system with
//! CAs stored as `<ski>.ca`, the module clock, sockets and HTTP GET, after
//! `shared/reference/modules/spwf04.md` and seed 002.

use core::time::Duration;
use std::collections::BTreeMap;

use super::core::{
    CommonConfig, Cx, DataEnd, DataOutcome, Personality, SimModule, Simulator, params, parse_u64,
};
use super::creds::{self, Encoding, ModuleCert};
use super::server::{ClientOffer, Link, Refusal, TlsVersion};
use crate::modules::Family;

/// A simulated SPWF04. Codes the reference could not confirm are fields marked \[I\].
#[derive(Clone, Debug)]
pub struct Spwf04Config {
    pub common: CommonConfig,
    pub version: String,
    /// Each TLSCERT item must fit the certificate area \[S: 1475 bytes\].
    pub cert_area: usize,
    /// Peer certificates larger than this fail \[S: 2.5 KB\].
    pub max_peer_cert: usize,
    pub versions: (TlsVersion, TlsVersion),
    /// `AT-S.ERROR` for credentials that do not parse \[I\].
    pub bad_cert_error: (u16, String),
    /// `AT-S.ERROR` after a failed TLS socket open \[I\].
    pub sockon_error: (u16, String),
    /// `AT-S.Certificate Error` numbers: CA not found \[S: 23\], peer chain rejected \[S: 22\],
    /// validity dates \[I: 21\].
    pub cert_error_no_ca: u16,
    pub cert_error_chain: u16,
    pub cert_error_time: u16,
    /// Largest data length a command accepts before refusing outright \[I\].
    pub max_data: usize,
    /// `AT+S.FSC` on an existing file appends \[C ST-fw table: "Create a file/Append to an
    /// existing file"\]; `false`: it overwrites (the reference's reading \[I\]).
    pub fsc_appends: bool,
    /// `AT+S.FSA` exists \[C: commented out of SPWF04's command table; X-CUBE sends it for
    /// SPWF01 only\]; `true` models a firmware that kept it.
    pub fsa_supported: bool,
    /// `AT+S.FSD` of a missing file answers `AT-S.ERROR` \[I\]; `false`: `AT-S.OK`.
    pub fsd_missing_is_error: bool,
    /// `AT+S.FSP=<name>` without the `,<offset>,<length>` fields is refused \[I: the table lists
    /// them, X-CUBE always sends `,,`\].
    pub fsp_requires_range: bool,
    /// Largest data one `AT+S.FSC` takes \[I: X-CUBE's host refuses more than 1024\].
    pub max_fs_write: usize,
    /// `AT+S.TLSCERT=content,2` with nothing stored answers `AT-S.ERROR` \[I\].
    pub clean_empty_is_error: bool,
    /// `AT-S.OK:<free heap>:<wifi state>` instead of `AT-S.OK` (`console_verbose` above 0
    /// \[C UM2114 excerpt; X-CUBE sets it to 1\]).
    pub verbose_ok: bool,
    /// While any TLSCERT slot holds something, CAs in the file system are not consulted
    /// \[seed 002, ST engineer: "remove all certificates and key from flash ... to allow usage
    /// of certificates from the filesystem"\]; `false`: they are whenever the `ca` slot is empty.
    pub fs_ca_needs_empty_slots: bool,
    /// Client sockets open at once \[C mbed `SPWFSA_SOCKET_COUNT` 8\].
    pub max_sockets: usize,
}

/// Every error output this simulator can emit (final results and the informational lines
/// before them), for the test that each has a specific explanation.
pub const ERROR_OUTPUTS: &[&str] = &[
    "AT-S.ERROR:1:Unknown command",
    "AT-S.ERROR:17:Invalid parameter",
    "AT-S.ERROR:18:Invalid variable",
    "AT-S.ERROR:42:Invalid certificate",
    "AT-S.ERROR:43:File not found",
    "AT-S.ERROR:60:Socket open failed",
    "AT-S.ERROR:69:Data timeout",
    "AT-S.ERROR:76:Illegal Socket ID",
    "AT-S.ERROR:77:Pending data",
    "AT-S.ERROR:79:No free socket",
    "AT-S.ERROR:111:Request failed",
    "AT-S.ERROR:17:",
    "AT-S.Certificate Error:21",
    "AT-S.Certificate Error:22",
    "AT-S.Certificate Error:23",
    "AT-S.Http Client Error:1",
    "AT-S.Http Client Error:2",
];

impl Default for Spwf04Config {
    fn default() -> Self {
        Self {
            common: CommonConfig {
                // The clock starts at the epoch until AT+S.TIME or SNTP sets it [I]; an
                // unset clock fails validity checks [seed 002].
                boot_epoch: 0,
                ..CommonConfig::default()
            },
            version: "180524-c6e0d87-SPWF04S".into(),
            cert_area: 1475,
            max_peer_cert: 2560,
            versions: (TlsVersion::Tls10, TlsVersion::Tls12),
            bad_cert_error: (42, "Invalid certificate".into()),
            sockon_error: (60, "Socket open failed".into()),
            cert_error_no_ca: 23,
            cert_error_chain: 22,
            cert_error_time: 21,
            max_data: 16_384,
            fsc_appends: true,
            fsa_supported: false,
            fsd_missing_is_error: true,
            fsp_requires_range: false,
            max_fs_write: 16_384,
            clean_empty_is_error: false,
            verbose_ok: false,
            fs_ca_needs_empty_slots: true,
            max_sockets: 8,
        }
    }
}

impl Spwf04Config {
    pub fn build(self) -> SimModule {
        let common = self.common.clone();
        SimModule::from_personality(
            Box::new(Spwf04 {
                cfg: self,
                slots: BTreeMap::new(),
                files: BTreeMap::new(),
                sockets: BTreeMap::new(),
                pending: None,
                errs: true,
                opened: 0,
            }),
            common,
        )
    }
}

enum Pending {
    Slot(String),
    File { name: String, append: bool },
    SockW(u8),
}

struct Socket {
    /// Which opening of this id it is: a delivery meant for an earlier socket under the
    /// same id (closed meanwhile) is dropped.
    serial: u8,
    link: Link,
    host: String,
    port: u16,
    rx: Vec<u8>,
    total: usize,
}

struct Spwf04 {
    cfg: Spwf04Config,
    /// TLSCERT slots: ca, cert, key, auth.
    slots: BTreeMap<String, Vec<u8>>,
    files: BTreeMap<String, Vec<u8>>,
    sockets: BTreeMap<u8, Socket>,
    pending: Option<Pending>,
    /// `console_errs`: error texts shown.
    errs: bool,
    /// Sockets opened so far (wrapping), for [`Socket::serial`].
    opened: u8,
}

/// Deliveries carry the socket id and its serial in one byte.
const IDS: u8 = 8;

fn conn_of(id: u8, serial: u8) -> u8 {
    serial % (u8::MAX / IDS) * IDS + id
}

fn line(s: &str) -> Vec<u8> {
    format!("{s}\r\n").into_bytes()
}

const OK: &[u8] = b"AT-S.OK\r\n";

impl Spwf04 {
    fn error(&self, code: u16, text: &str) -> Vec<u8> {
        if self.errs {
            line(&format!("AT-S.ERROR:{code}:{text}"))
        } else {
            line(&format!("AT-S.ERROR:{code}:"))
        }
    }

    fn syntax(&self) -> Vec<u8> {
        self.error(17, "Invalid parameter")
    }

    /// The success line, plain or verbose (`AT-S.OK:<heap>:<state>`).
    fn ok(&self) -> Vec<u8> {
        if self.cfg.verbose_ok {
            line("AT-S.OK:38512:10")
        } else {
            OK.to_vec()
        }
    }

    /// Socket ids the module no longer knows [C X-CUBE: `76:Illegal Socket ID`].
    fn bad_socket(&self) -> Vec<u8> {
        self.error(76, "Illegal Socket ID")
    }

    /// CAs the module would use: the TLSCERT CA when one is loaded, otherwise every FS
    /// file named `/<lower-case ski>.ca` holding that certificate in DER \[seed 002\].
    fn trust(&self) -> Vec<ModuleCert> {
        if let Some(ca) = self.slots.get("ca") {
            let cas = creds::certs(ca, Encoding::Der).unwrap_or_default();
            // Without a Subject Key Id in the CA the module cannot match the server's
            // Authority Key Id unless `auth` was set by hand [S: ST community].
            let auth = self.slots.get("auth").map(|a| {
                String::from_utf8_lossy(a)
                    .trim()
                    .replace(':', "")
                    .to_ascii_lowercase()
            });
            return cas
                .into_iter()
                .filter(|c| c.ski.is_some() || auth.as_ref().is_some_and(|a| !a.is_empty()))
                .collect();
        }
        if self.cfg.fs_ca_needs_empty_slots && !self.slots.is_empty() {
            return Vec::new();
        }
        self.files
            .iter()
            .filter_map(|(name, data)| {
                let stem = name.strip_prefix('/')?.strip_suffix(".ca")?;
                let cert = creds::cert_from_der(data).ok()?;
                (cert.ski.as_deref().map(crate::cert::hex).as_deref() == Some(stem)).then_some(cert)
            })
            .collect()
    }

    fn offer(&self, cx: &Cx, host: &str, port: u16, name: Option<&str>) -> ClientOffer {
        let mut offer = ClientOffer::new(name.unwrap_or(host), port, self.cfg.versions);
        offer.sni = name.map(str::to_owned);
        // No anonymous TLS on SPWF04 [seed 002]: the server is always verified.
        offer.trust = Some(self.trust());
        offer.check_time = Some(cx.epoch());
        offer.max_peer_cert = Some(self.cfg.max_peer_cert);
        if let (Some(c), Some(k)) = (self.slots.get("cert"), self.slots.get("key")) {
            let cert = creds::certs(c, Encoding::Auto)
                .ok()
                .and_then(|v| v.into_iter().next());
            let key = creds::key(k, Encoding::Auto).ok();
            if let (Some(c), Some(k)) = (cert, key) {
                offer.client = Some((c, k));
            }
        }
        offer
    }

    /// The lines a failed TLS open prints before its final error.
    fn refusal_lines(&self, r: &Refusal) -> Vec<u8> {
        match r {
            Refusal::UnknownCa => line(&format!(
                "AT-S.Certificate Error:{}",
                self.cfg.cert_error_no_ca
            )),
            Refusal::PeerCertTooLarge | Refusal::KeyType => line(&format!(
                "AT-S.Certificate Error:{}",
                self.cfg.cert_error_chain
            )),
            Refusal::Expired => line(&format!(
                "AT-S.Certificate Error:{}",
                self.cfg.cert_error_time
            )),
            _ => Vec::new(),
        }
    }

    fn start_data(&mut self, cx: &mut Cx, len: Option<u64>, pending: Pending) {
        match len.map(|n| n as usize) {
            Some(n) if (1..=self.limit(&pending)).contains(&n) => {
                self.pending = Some(pending);
                // Data follows the CR at once; no prompt [C].
                cx.start_data(DataEnd::Count(n), Vec::new(), Some(Duration::from_secs(10)));
            }
            _ => cx.answer(self.syntax()),
        }
    }

    fn limit(&self, pending: &Pending) -> usize {
        match pending {
            Pending::File { .. } => self.cfg.max_fs_write.min(self.cfg.max_data),
            _ => self.cfg.max_data,
        }
    }

    fn file_name(raw: &str) -> Option<String> {
        let n = raw.trim();
        (n.len() > 1 && n.starts_with('/') && n.len() <= 64).then(|| n.to_owned())
    }

    fn time(&self, cx: &mut Cx) {
        let ok = self.ok();
        let epoch = cx.epoch();
        let (y, mo, d, h, mi, s) = super::common::civil(epoch);
        let mut out = line(&format!("AT-S.Time:{h:02}:{mi:02}:{s:02}"));
        out.extend(line(&format!("AT-S.Date:{d:02}:{mo:02}:{y}")));
        out.extend(line(&format!("AT-S.UTC:{epoch}")));
        out.extend_from_slice(&ok);
        cx.answer(out);
    }

    fn vars(&self, cx: &Cx) -> Vec<(String, String)> {
        vec![
            ("version".into(), self.cfg.version.clone()),
            ("console_echo".into(), u8::from(*cx.echo).to_string()),
            ("console_errs".into(), u8::from(self.errs).to_string()),
            ("wifi_state".into(), "10".into()),
            ("ip_ipaddr".into(), "192.168.1.5".into()),
        ]
    }

    fn hash(&self, cx: &mut Cx, p: &[String]) {
        let ok = self.ok();
        use sha2::Digest;
        let (Some(f), Some(name)) = (p.first(), p.get(1)) else {
            return cx.answer(self.syntax());
        };
        let Some(data) = self.files.get(name.trim()) else {
            return cx.answer(self.error(43, "File not found"));
        };
        let digest = match f.to_ascii_uppercase().as_str() {
            "SHA1" => sha1::Sha1::digest(data).to_vec(),
            "SHA224" => sha2::Sha224::digest(data).to_vec(),
            "SHA256" => sha2::Sha256::digest(data).to_vec(),
            "MD5" => md5::Md5::digest(data).to_vec(),
            _ => return cx.answer(self.syntax()),
        };
        let mut out = line(&format!("AT-S.Hash:{}", crate::cert::hex(&digest)));
        out.extend_from_slice(&ok);
        cx.answer(out);
    }

    fn sockon(&mut self, cx: &mut Cx, p: &[String]) {
        let ok = self.ok();
        let host = p.first().cloned().unwrap_or_default();
        let port = p
            .get(1)
            .and_then(|v| parse_u64(v))
            .filter(|v| (1..=65535).contains(v));
        let kind = p.get(3).cloned().unwrap_or_default();
        let (Some(port), false) = (port, host.is_empty() || kind.is_empty()) else {
            return cx.answer(self.syntax());
        };
        let (tls, name) = match kind.as_str() {
            "t" | "T" => (false, None),
            "u" | "U" => (false, None),
            "s" | "S" => (true, None),
            domain => (true, Some(domain.to_owned())),
        };
        let mut offer = self.offer(cx, &host, port as u16, name.as_deref());
        if !tls {
            offer.trust = None;
            offer.client = None;
            offer.check_time = None;
            offer.versions = (TlsVersion::Ssl3, TlsVersion::Tls13);
        }
        // Every client socket taken (by earlier runs that never closed theirs) [I: number].
        let max = u8::try_from(self.cfg.max_sockets).unwrap_or(u8::MAX);
        let Some(id) = (0u8..max).find(|i| !self.sockets.contains_key(i)) else {
            return cx.answer(self.error(79, "No free socket"));
        };
        let hs = cx.server.handshake_time();
        match cx.server.open(&offer) {
            Ok(link) => {
                // The address the module reports: literal IPs as given [I: DNS is not modelled].
                let literal = host.chars().all(|c| c.is_ascii_digit() || c == '.');
                let ip = match host.as_str() {
                    "localhost" => "127.0.0.1".to_owned(),
                    h if literal => h.to_owned(),
                    _ => "192.0.2.10".to_owned(),
                };
                self.sockets.insert(
                    id,
                    Socket {
                        serial: self.opened,
                        link,
                        host,
                        port: port as u16,
                        rx: Vec::new(),
                        total: 0,
                    },
                );
                self.opened = self.opened.wrapping_add(1);
                let mut out = line(&format!("AT-S.On:{ip}:{id}"));
                out.extend_from_slice(&ok);
                cx.later(hs, out);
            }
            Err(r) => {
                let mut out = self.refusal_lines(&r);
                out.extend(self.error(self.cfg.sockon_error.0, &self.cfg.sockon_error.1));
                cx.later(hs, out);
            }
        }
    }

    fn httpget(&mut self, cx: &mut Cx, p: &[String]) {
        let ok = self.ok();
        let host = p.first().cloned().unwrap_or_default();
        let path = p
            .get(1)
            .filter(|s| !s.is_empty())
            .cloned()
            .unwrap_or_else(|| "/".into());
        let port = p.get(2).and_then(|v| parse_u64(v)).unwrap_or(80);
        let tls = p.get(3).and_then(|v| parse_u64(v)).unwrap_or(0) != 0;
        if host.is_empty() || port > 65535 {
            return cx.answer(self.syntax());
        }
        let mut offer = self.offer(cx, &host, port as u16, Some(&host));
        if !tls {
            offer.trust = None;
            offer.client = None;
            offer.check_time = None;
        }
        let hs = cx.server.handshake_time() + cx.server.response_time();
        let req = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n");
        let mut out = Vec::new();
        match cx.server.open(&offer) {
            Ok(mut link) => match link.exchange(req.as_bytes()) {
                Ok((resp, _)) => {
                    let head_end = resp.windows(4).position(|w| w == b"\r\n\r\n");
                    let code = resp
                        .split(|&b| b == b' ')
                        .nth(1)
                        .and_then(|s| core::str::from_utf8(s).ok())
                        .and_then(|s| s.parse::<u16>().ok())
                        .unwrap_or(0);
                    out.extend(line(&format!("AT-S.Http Server Status Code:{code}")));
                    if let Some(i) = head_end {
                        out.extend_from_slice(resp.get(i + 4..).unwrap_or_default());
                        out.extend_from_slice(b"\r\n");
                    }
                    out.extend_from_slice(&ok);
                }
                Err(_) => {
                    out.extend(line("AT-S.Http Client Error:1"));
                    out.extend(self.error(111, "Request failed"));
                }
            },
            Err(r) => {
                out.extend(self.refusal_lines(&r));
                let client = if matches!(r, Refusal::Unreachable(_) | Refusal::Dns) {
                    1
                } else {
                    2
                };
                out.extend(line(&format!("AT-S.Http Client Error:{client}")));
                out.extend(self.error(111, "Request failed"));
            }
        }
        cx.later(hs, out);
    }
}

impl Personality for Spwf04 {
    fn family(&self) -> Family {
        Family::Spwf04
    }

    fn command(&mut self, cx: &mut Cx, raw: &[u8]) {
        let ok = self.ok();
        let text = String::from_utf8_lossy(raw).into_owned();
        let body = text.get(2..).unwrap_or("");
        if body.is_empty() {
            return cx.answer(ok.clone());
        }
        let Some(cmd) = body
            .strip_prefix("+S.")
            .or_else(|| body.strip_prefix("+s."))
        else {
            return cx.answer(self.error(1, "Unknown command"));
        };
        let (name, arg) = match cmd.split_once('=') {
            Some((n, a)) => (n.to_ascii_uppercase(), Some(a.to_owned())),
            None => (cmd.to_ascii_uppercase(), None),
        };
        let p = arg.as_deref().map(params).unwrap_or_default();
        match (name.as_str(), arg.is_some()) {
            ("STS", _) | ("GCFG", true) => {
                let vars = self.vars(cx);
                let wanted = p.first().map(|s| s.to_ascii_lowercase());
                let lines: Vec<&(String, String)> = vars
                    .iter()
                    .filter(|(k, _)| wanted.as_deref().is_none_or(|w| w == k))
                    .collect();
                if lines.is_empty() {
                    return cx.answer(self.error(18, "Invalid variable"));
                }
                let mut out = Vec::new();
                for (k, v) in lines {
                    out.extend(line(&format!("AT-S.Var:{k}={v}")));
                }
                out.extend_from_slice(&ok);
                cx.answer(out);
            }
            ("SCFG", true) => {
                let value = p.get(1).and_then(|v| parse_u64(v));
                match (p.first().map(|s| s.to_ascii_lowercase()).as_deref(), value) {
                    (Some("console_echo"), Some(v @ (0 | 1))) => {
                        *cx.echo = v == 1;
                        cx.answer(ok.clone());
                    }
                    (Some("console_errs"), Some(v @ (0..=2))) => {
                        self.errs = v != 0;
                        cx.answer(ok.clone());
                    }
                    (Some(_), Some(_)) => cx.answer(ok.clone()),
                    _ => cx.answer(self.syntax()),
                }
            }
            ("HELP", false) => {
                let mut out = Vec::new();
                for c in [
                    "AT+S.TLSCERT=<ca|cert|key|auth|content>,<length|option>",
                    "AT+S.FSC=<filename>,<datalen><CR><data>",
                    "AT+S.TIME[=<time>]",
                    "AT+S.SOCKON=<host>,<port>,<ca>,<kind>",
                ] {
                    out.extend(line(&format!("# {c}")));
                }
                out.extend_from_slice(&ok);
                cx.answer(out);
            }
            ("TIME", false) => self.time(cx),
            ("TIME", true) => match p.first().and_then(|v| parse_u64(v)) {
                Some(epoch) => {
                    cx.rtc.set = Some((i64::try_from(epoch).unwrap_or(0), cx.now));
                    cx.answer(ok.clone());
                }
                None => cx.answer(self.syntax()),
            },
            ("TLSCERT", true) => {
                let kind = p
                    .first()
                    .map(|k| k.to_ascii_lowercase())
                    .unwrap_or_default();
                let n = p.get(1).and_then(|v| parse_u64(v));
                match kind.as_str() {
                    "content" => match n {
                        Some(1) => {
                            let mut out = Vec::new();
                            for (k, v) in &self.slots {
                                out.extend(line(&format!("AT-S.TLSCERT:{k}:{}", v.len())));
                            }
                            out.extend_from_slice(&ok);
                            cx.answer(out);
                        }
                        Some(2) => {
                            if self.slots.is_empty() && self.cfg.clean_empty_is_error {
                                return cx.answer(self.error(43, "File not found"));
                            }
                            self.slots.clear();
                            cx.answer(ok.clone());
                        }
                        _ => cx.answer(self.syntax()),
                    },
                    "ca" | "cert" | "key" | "auth" => self.start_data(cx, n, Pending::Slot(kind)),
                    _ => cx.answer(self.syntax()),
                }
            }
            // SPWF04 has no FSA unless a firmware kept SPWF01's [C ST-fw table].
            ("FSA", true) if !self.cfg.fsa_supported => cx.answer(self.error(1, "Unknown command")),
            ("FSC", true) | ("FSA", true) => match p.first().and_then(|n| Self::file_name(n)) {
                Some(name) => {
                    let n = p.get(1).and_then(|v| parse_u64(v));
                    // FSA appends; FSC creates, and appends to an existing file unless
                    // configured to overwrite.
                    let append =
                        cmd.to_ascii_uppercase().starts_with("FSA") || self.cfg.fsc_appends;
                    self.start_data(cx, n, Pending::File { name, append });
                }
                None => cx.answer(self.syntax()),
            },
            ("FSD", true) => match self.files.remove(p.first().map(|n| n.trim()).unwrap_or("")) {
                Some(_) => cx.answer(ok.clone()),
                None if !self.cfg.fsd_missing_is_error => cx.answer(ok.clone()),
                None => cx.answer(self.error(43, "File not found")),
            },
            ("FSR", true) => {
                let (Some(a), Some(b)) = (p.first(), p.get(1).and_then(|n| Self::file_name(n)))
                else {
                    return cx.answer(self.syntax());
                };
                match self.files.remove(a) {
                    Some(d) => {
                        self.files.insert(b, d);
                        cx.answer(ok.clone());
                    }
                    None => cx.answer(self.error(43, "File not found")),
                }
            }
            ("FSL", _) => {
                let mut out = Vec::new();
                for (k, v) in &self.files {
                    out.extend(line(&format!("AT-S.File:{k}:{}", v.len())));
                }
                out.extend_from_slice(&ok);
                cx.answer(out);
            }
            ("FSP", true) => {
                if self.cfg.fsp_requires_range && p.len() < 3 {
                    return cx.answer(self.syntax());
                }
                let Some(data) = p.first().and_then(|n| self.files.get(n.trim())) else {
                    return cx.answer(self.error(43, "File not found"));
                };
                let off = p.get(1).and_then(|v| parse_u64(v)).unwrap_or(0) as usize;
                let len = p
                    .get(2)
                    .and_then(|v| parse_u64(v))
                    .map_or(data.len(), |v| v as usize);
                let from = off.min(data.len());
                let to = from.saturating_add(len).min(data.len());
                let chunk = data.get(from..to).unwrap_or_default();
                let mut out = line(&format!("AT-S.Reading:{}:{}", chunk.len(), data.len()));
                out.extend_from_slice(chunk);
                out.extend_from_slice(&ok);
                cx.answer(out);
            }
            ("HASH", true) => self.hash(cx, &p),
            ("SOCKON", true) => self.sockon(cx, &p),
            ("SOCKW", true) => {
                let id = p
                    .first()
                    .and_then(|v| parse_u64(v))
                    .and_then(|v| u8::try_from(v).ok());
                match id {
                    Some(id) if self.sockets.contains_key(&id) => {
                        let n = p.get(1).and_then(|v| parse_u64(v));
                        self.start_data(cx, n, Pending::SockW(id));
                    }
                    _ => cx.answer(self.bad_socket()),
                }
            }
            ("SOCKQ", true) => match p
                .first()
                .and_then(|v| parse_u64(v))
                .and_then(|id| u8::try_from(id).ok())
                .and_then(|id| self.sockets.get(&id))
            {
                Some(s) => {
                    let mut out = line(&format!("AT-S.Query:{}", s.rx.len()));
                    out.extend_from_slice(&ok);
                    cx.answer(out);
                }
                None => cx.answer(self.bad_socket()),
            },
            ("SOCKR", true) => {
                let id = p
                    .first()
                    .and_then(|v| parse_u64(v))
                    .and_then(|v| u8::try_from(v).ok());
                let Some(s) = id.and_then(|id| self.sockets.get_mut(&id)) else {
                    return cx.answer(self.bad_socket());
                };
                let n = p
                    .get(1)
                    .and_then(|v| parse_u64(v))
                    .map_or(s.rx.len(), |v| v as usize)
                    .min(s.rx.len());
                let data: Vec<u8> = s.rx.drain(..n).collect();
                s.total += n;
                let mut out = line(&format!("AT-S.Reading:{n}:{}", s.total));
                out.extend_from_slice(&data);
                out.extend_from_slice(&ok);
                cx.answer(out);
            }
            ("SOCKC", true) => {
                let id = p
                    .first()
                    .and_then(|v| parse_u64(v))
                    .and_then(|v| u8::try_from(v).ok());
                match id.and_then(|id| self.sockets.get(&id).map(|s| (id, s.rx.is_empty()))) {
                    Some((_, false)) => cx.answer(self.error(77, "Pending data")),
                    Some((id, true)) => {
                        self.sockets.remove(&id);
                        cx.answer(ok.clone());
                    }
                    None => cx.answer(self.bad_socket()),
                }
            }
            ("SOCKL", false) => {
                let mut out = Vec::new();
                for (id, s) in &self.sockets {
                    out.extend(line(&format!("AT-S.Socket:{id}:{}:{}:t", s.host, s.port)));
                }
                out.extend_from_slice(&ok);
                cx.answer(out);
            }
            ("HTTPGET", true) => self.httpget(cx, &p),
            _ => cx.answer(self.error(1, "Unknown command")),
        }
    }

    fn data(&mut self, cx: &mut Cx, outcome: DataOutcome) {
        let ok = self.ok();
        let DataOutcome::Complete(bytes) = outcome else {
            self.pending = None;
            return cx.answer(self.error(69, "Data timeout"));
        };
        match self.pending.take() {
            Some(Pending::Slot(kind)) => {
                if bytes.len() > self.cfg.cert_area {
                    return cx
                        .answer(self.error(self.cfg.bad_cert_error.0, &self.cfg.bad_cert_error.1));
                }
                let mut out = Vec::new();
                let parsed = match kind.as_str() {
                    // The CA must be DER [S: PEM fails; ST converts with openssl].
                    "ca" => creds::certs(&bytes, Encoding::Der).map(|c| {
                        if let Some(ski) = c.first().and_then(|c| c.ski.as_ref()) {
                            out.extend(line(&format!(
                                "AT-S.SubjectKeyId:{}",
                                creds::hex_colon(ski)
                            )));
                        }
                    }),
                    "cert" => creds::certs(&bytes, Encoding::Auto).map(|_| ()),
                    "key" => creds::key(&bytes, Encoding::Auto).map(|_| ()),
                    _ => Ok(()),
                };
                match parsed {
                    Ok(()) => {
                        self.slots.insert(kind, bytes);
                        out.extend_from_slice(&ok);
                        cx.answer(out);
                    }
                    Err(_) => {
                        cx.answer(self.error(self.cfg.bad_cert_error.0, &self.cfg.bad_cert_error.1))
                    }
                }
            }
            Some(Pending::File { name, append }) => {
                let f = self.files.entry(name).or_default();
                if !append {
                    f.clear();
                }
                f.extend_from_slice(&bytes);
                cx.answer(ok.clone());
            }
            Some(Pending::SockW(id)) => {
                let serial = self.sockets.get(&id).map_or(0, |s| s.serial);
                let result = match self.sockets.get_mut(&id) {
                    Some(s) => s.link.exchange(&bytes),
                    None => Err("closed".into()),
                };
                match result {
                    Ok((resp, closed)) => {
                        cx.answer(ok.clone());
                        if !resp.is_empty() || closed {
                            let t = cx.server.response_time();
                            cx.deliver(t, conn_of(id, serial), resp, closed);
                        }
                    }
                    Err(_) => cx.answer(self.bad_socket()),
                }
            }
            None => cx.answer(self.syntax()),
        }
    }

    fn deliver(&mut self, cx: &mut Cx, conn: u8, bytes: Vec<u8>, closed: bool) {
        let id = conn % IDS;
        let Some(s) = self
            .sockets
            .get_mut(&id)
            .filter(|s| conn_of(id, s.serial) == conn)
        else {
            return;
        };
        let conn = id;
        if !bytes.is_empty() {
            s.rx.extend_from_slice(&bytes);
            let n = s.rx.len();
            cx.answer(line(&format!("+WIND:55:Pending Data::{conn}:{n}:{n}")));
        }
        if closed {
            cx.answer(line(&format!("+WIND:58:Socket Closed:{conn}:1")));
        }
    }

    fn plain_error(&self) -> Vec<u8> {
        self.error(1, "Unknown command")
    }

    fn storage(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out: BTreeMap<String, Vec<u8>> = self
            .slots
            .iter()
            .map(|(k, v)| (format!("tlscert:{k}"), v.clone()))
            .collect();
        for (k, v) in &self.files {
            out.insert(format!("fs:{k}"), v.clone());
        }
        out
    }

    fn link_reset(&mut self) {
        self.pending = None;
    }
}

/// This simulator, as `sim/mod.rs` registers it.
pub(super) const SIMULATOR: Simulator = Simulator {
    family: Family::Spwf04,
    build: |adjust| {
        let mut c = Spwf04Config::default();
        adjust(&mut c.common);
        c.build()
    },
    error_outputs: ERROR_OUTPUTS,
    error_commands: &[],
};
