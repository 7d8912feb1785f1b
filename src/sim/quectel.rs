//! Quectel BG96 / BG95 / EG91 / EC200U: UFS files (`AT+QFUPL`, `AT+QFLST`, `AT+QFDEL`), SSL
//! contexts (`AT+QSSLCFG`) and buffer-mode TLS clients (`AT+QSSLOPEN`/`SEND`/`RECV`/`CLOSE`),
//! after `shared/reference/modules/quectel.md` and the audit `tests/audit/quectel.md`. Each
//! uncertain fact of the audit's section 6 is a field here.

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
use crate::modules::quectel::checksum;

/// How `+QFUPL` prints its checksum (audit switch `qfupl_checksum_format`).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum ChecksumFormat {
    /// `%x`, every real answer seen (`5769`, `6c53`).
    Lower,
    /// `%04x` \[U\].
    Lower04,
    /// `%04X` \[U\].
    Upper04,
}

/// What `AT+QFUPL` answers when its `<timeout>` ends before the declared size arrived
/// (audit switch `qfupl_short_upload`).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum ShortUpload {
    /// `+QFUPL: <received>,<checksum>` and `OK` (VEC2's real log).
    Report,
    /// `+CME ERROR: 421` (time out, reference 2.5).
    Cme421,
}

/// A simulated Quectel module. Fields marked \[I\]/\[U\] are the audit's switches.
#[derive(Clone, Debug)]
pub struct QuectelConfig {
    pub common: CommonConfig,
    pub model: String,
    pub revision: String,
    pub imei: String,
    /// First `ATI` line: `Quectel`, or `Quectel_Ltd` on other lines (`quectel_ati_vendor_line`).
    pub vendor_line: String,
    pub checksum_format: ChecksumFormat,
    /// An odd last byte is the high byte of the last checksum word (QFU, every real
    /// sample); `false`: the low byte, the reading the brief keeps open.
    pub checksum_odd_high: bool,
    pub short_upload: ShortUpload,
    /// Bytes received before a timeout stay in the file (QFM, QFU; `qfupl_partial_kept`).
    pub partial_kept: bool,
    /// `AT+QFLST` names files with their drive, `"UFS:ca.pem"` (`qflst_prefix`).
    pub qflst_prefix: bool,
    /// `AT+QFDEL` of a missing file answers a bare `ERROR` instead of `+CME ERROR: 405`
    /// (`qfdel_missing`).
    pub qfdel_missing_plain: bool,
    /// `AT+QSSLCFG="sni"` exists (`sni_supported`).
    pub sni_supported: bool,
    /// `"ignorelocaltime"` at power-on (`ignorelocaltime_default`).
    pub ignore_local_time_default: bool,
    /// `<err>` of `+QSSLOPEN` for a refused handshake (`tls_fail_code`: 566, 569 or 552).
    pub tls_fail_code: u16,
    /// `AT+QIACT=1` on an active context answers `ERROR` \[I\]; `false`: `OK`.
    pub qiact_active_errors: bool,
    /// `<timeout>` of `AT+QFUPL` when omitted (QFM: 5 s).
    pub default_upload_timeout: Duration,
    /// Free space of UFS in bytes (BG770A shows 3776512, reference 2.2).
    pub free_space: usize,
}

/// Every error output this simulator can produce, for the test that each is explained.
pub const ERROR_OUTPUTS: &[&str] = &[
    "ERROR",
    "+CME ERROR: 405",
    "+CME ERROR: 406",
    "+CME ERROR: 407",
    "+CME ERROR: 421",
    "+CME ERROR: 423",
    "+CME ERROR: 50",
    "+QSSLOPEN: 1,552",
    "+QSSLOPEN: 1,561",
    "+QSSLOPEN: 1,563",
    "+QSSLOPEN: 1,565",
    "+QSSLOPEN: 1,566",
    "+QSSLOPEN: 1,569",
    "+QSSLURC: \"closed\",1",
    "SEND FAIL",
];

/// Every command this simulator can answer with a bare `ERROR`.
pub const ERROR_COMMANDS: &[&str] = &[
    "AT+QFUPL=ca.pem,10",
    "AT+QFDEL=\"UFS:missing.pem\"",
    "AT+QFLST=\"UFS:missing.pem\"",
    "AT+QSSLCFG=\"SSLVERSION\",1,4",
    "AT+QSSLCFG=\"sni\",1,1",
    "AT+QICSGP=0",
    "AT+QIACT=1",
    "AT+QSSLOPEN=1,9,1,\"example.com\",443,0",
    "AT+QSSLSEND=1,10",
    "AT+QSSLRECV=1,10",
    "AT+CCLK=\"99/99/99,99:99:99+00\"",
];

impl Default for QuectelConfig {
    fn default() -> Self {
        Self::for_model("BG96")
    }
}

impl QuectelConfig {
    /// A module answering as `model` with a revision seen on that model (audit 1).
    pub fn for_model(model: &str) -> Self {
        let revision = match model {
            "BG95-M3" => "BG95M3LAR02A03",
            "EG91" => "EG91EXGAR08A03M1G",
            "EC200U" => "EC200UCNAAR03A09M08",
            _ => "BG96MAR02A07M1G",
        };
        Self {
            common: CommonConfig::default(),
            model: model.into(),
            revision: revision.into(),
            imei: "866425030000001".into(),
            vendor_line: "Quectel".into(),
            checksum_format: ChecksumFormat::Lower,
            checksum_odd_high: true,
            short_upload: ShortUpload::Report,
            partial_kept: true,
            qflst_prefix: false,
            qfdel_missing_plain: false,
            sni_supported: true,
            ignore_local_time_default: true,
            tls_fail_code: 566,
            qiact_active_errors: true,
            default_upload_timeout: Duration::from_secs(5),
            free_space: 3_776_512,
        }
    }

    pub fn build(self) -> SimModule {
        let common = self.common.clone();
        let ctx = SslCtx {
            ignore_time: self.ignore_local_time_default,
            ..SslCtx::default()
        };
        SimModule::from_personality(
            Box::new(Quectel {
                ctx: [(); 6].map(|()| ctx.clone()),
                cfg: self,
                files: BTreeMap::new(),
                cme: Cme::default(),
                clients: Default::default(),
                pending: None,
                pdp_active: false,
            }),
            common,
        )
    }
}

#[derive(Clone, Debug)]
struct SslCtx {
    version: u8,
    seclevel: u8,
    ignore_time: bool,
    cacert: String,
    clientcert: String,
    clientkey: String,
    sni: bool,
}

impl Default for SslCtx {
    fn default() -> Self {
        Self {
            version: 4,
            seclevel: 0,
            ignore_time: true,
            cacert: String::new(),
            clientcert: String::new(),
            clientkey: String::new(),
            sni: false,
        }
    }
}

#[derive(Default)]
struct Client {
    /// Bumped when the client opens or closes: bytes for an earlier connection are dropped.
    generation: u8,
    link: Option<Link>,
    rx: Vec<u8>,
}

enum Pending {
    Upload(String),
    Send(usize),
}

struct Quectel {
    cfg: QuectelConfig,
    files: BTreeMap<String, Vec<u8>>,
    ctx: [SslCtx; 6],
    cme: Cme,
    clients: [Client; 12],
    pending: Option<Pending>,
    pdp_active: bool,
}

/// A file name without its drive: `"UFS:ca.pem"` and `"ca.pem"` are the same file.
fn bare(name: &str) -> String {
    let n = name.trim().trim_matches('"');
    n.strip_prefix("UFS:").unwrap_or(n).to_owned()
}

impl Quectel {
    fn listed(&self, name: &str) -> String {
        if self.cfg.qflst_prefix {
            format!("UFS:{name}")
        } else {
            name.to_owned()
        }
    }

    fn sum_text(&self, data: &[u8]) -> String {
        let sum = checksum(data, self.cfg.checksum_odd_high);
        match self.cfg.checksum_format {
            ChecksumFormat::Lower => format!("{sum:x}"),
            ChecksumFormat::Lower04 => format!("{sum:04x}"),
            ChecksumFormat::Upper04 => format!("{sum:04X}"),
        }
    }

    fn conn_id(&self, cid: usize) -> u8 {
        let cid = u8::try_from(cid).unwrap_or(0) & 0x0f;
        cid | (self.clients[usize::from(cid)].generation % 16) << 4
    }

    fn end_client(&mut self, cx: &mut Cx, cid: usize) {
        let conn = self.conn_id(cid);
        cx.cancel_deliveries(conn);
        let c = &mut self.clients[cid];
        c.link = None;
        c.rx.clear();
        c.generation = c.generation.wrapping_add(1);
    }

    fn qfupl(&mut self, cx: &mut Cx, rest: &str) {
        let raw: Vec<&str> = rest.split(',').collect();
        let p = params(rest);
        let name_ok = raw.first().is_some_and(|r| is_quoted(r));
        let name = bare(p.first().map_or("", String::as_str));
        let size = p.get(1).and_then(|v| parse_u64(v)).map(|v| v as usize);
        let timeout = match p.get(2) {
            None => Some(self.cfg.default_upload_timeout),
            Some(t) => parse_u64(t)
                .filter(|t| (1..=65_535).contains(t))
                .map(Duration::from_secs),
        };
        let ack = p
            .get(3)
            .map_or(Some(0), |a| parse_u64(a).filter(|a| *a <= 1));
        if !name_ok {
            return cx.answer(ERROR);
        }
        if name.is_empty()
            || name.len() > 80
            || !name.bytes().all(|b| b.is_ascii_graphic() && b != b'"')
        {
            return cx.answer(self.cme.error(406, "invalid file name"));
        }
        let (Some(size), Some(timeout), Some(ack)) = (size, timeout, ack) else {
            return cx.answer(self.cme.error(425, "invalid parameter"));
        };
        if self.files.contains_key(&name) {
            return cx.answer(self.cme.error(407, "file already existed"));
        }
        let used: usize = self.files.values().map(Vec::len).sum();
        if size == 0 || size > self.cfg.free_space.saturating_sub(used) || ack == 1 {
            // ACK mode is not simulated: atcert does not use it (audit 2.3).
            return cx.answer(self.cme.error(423, "file too large"));
        }
        self.pending = Some(Pending::Upload(name));
        cx.answer(b"\r\nCONNECT\r\n".to_vec());
        cx.start_data(DataEnd::Count(size), Vec::new(), Some(timeout));
    }

    fn qflst(&mut self, cx: &mut Cx, rest: &str) {
        let want = bare(rest);
        let lines: Vec<String> = self
            .files
            .iter()
            .filter(|(n, _)| want == "*" || **n == want)
            .map(|(n, d)| format!("+QFLST: \"{}\",{}", self.listed(n), d.len()))
            .collect();
        if want != "*" && lines.is_empty() {
            return cx.answer(self.cme.error(405, "file not found"));
        }
        if lines.is_empty() {
            cx.answer(OK);
        } else {
            cx.answer(info_ok(&lines));
        }
    }

    fn qfdel(&mut self, cx: &mut Cx, rest: &str) {
        let name = bare(rest);
        if name == "*" {
            self.files.clear();
            return cx.answer(OK);
        }
        if self.files.remove(&name).is_some() {
            cx.answer(OK);
        } else if self.cfg.qfdel_missing_plain {
            cx.answer(ERROR);
        } else {
            cx.answer(self.cme.error(405, "file not found"));
        }
    }

    fn qsslcfg(&mut self, cx: &mut Cx, rest: &str) {
        let raw: Vec<&str> = rest.splitn(3, ',').collect();
        let p = params(rest);
        // Items are lower case (reference 3, TinyGSM note).
        let item = raw.first().map_or("", |k| k.trim().trim_matches('"'));
        let Some(idx) = p.get(1).and_then(|c| parse_u64(c)).filter(|c| *c < 6) else {
            return cx.answer(ERROR);
        };
        let idx = idx as usize;
        let Some(value) = p.get(2).cloned() else {
            let c = &self.ctx[idx];
            let v = match item {
                "sslversion" => c.version.to_string(),
                "seclevel" => c.seclevel.to_string(),
                "ignorelocaltime" => u8::from(c.ignore_time).to_string(),
                "cacert" => format!("\"{}\"", c.cacert),
                "clientcert" => format!("\"{}\"", c.clientcert),
                "clientkey" => format!("\"{}\"", c.clientkey),
                "sni" if self.cfg.sni_supported => u8::from(c.sni).to_string(),
                _ => return cx.answer(ERROR),
            };
            return cx.answer(info_ok(&[format!("+QSSLCFG: \"{item}\",{idx},{v}")]));
        };
        let num = parse_u64(&value);
        let quoted_value = raw.get(2).is_some_and(|r| is_quoted(r));
        let sni_ok = self.cfg.sni_supported;
        let c = &mut self.ctx[idx];
        let ok = match item {
            "sslversion" => num.filter(|v| *v <= 4).map(|v| c.version = v as u8),
            "seclevel" => num.filter(|v| *v <= 2).map(|v| c.seclevel = v as u8),
            "ignorelocaltime" => num.filter(|v| *v <= 1).map(|v| c.ignore_time = v == 1),
            "negotiatetime" => num.filter(|v| (10..=300).contains(v)).map(|_| ()),
            "ciphersuite" => {
                let hex = value.trim().to_ascii_uppercase();
                hex.strip_prefix("0X")
                    .filter(|h| !h.is_empty() && h.len() <= 4)
                    .and_then(|h| u16::from_str_radix(h, 16).ok())
                    .map(|_| ())
            }
            "cacert" | "clientcert" | "clientkey" if quoted_value && !value.is_empty() => {
                let slot = match item {
                    "cacert" => &mut c.cacert,
                    "clientcert" => &mut c.clientcert,
                    _ => &mut c.clientkey,
                };
                *slot = bare(&value);
                Some(())
            }
            "sni" if sni_ok => num.filter(|v| *v <= 1).map(|v| c.sni = v == 1),
            _ => None,
        };
        match ok {
            Some(()) => cx.answer(OK),
            None => cx.answer(ERROR),
        }
    }

    /// The `<err>` of `+QSSLOPEN` for a TLS client to host:port on context `ctx`.
    fn open(&mut self, cx: &mut Cx, cid: usize, ctx: usize, host: &str, port: u16) -> u16 {
        let fail = self.cfg.tls_fail_code;
        let c = self.ctx[ctx].clone();
        let versions = match c.version {
            0 => (TlsVersion::Ssl3, TlsVersion::Ssl3),
            1 => (TlsVersion::Tls10, TlsVersion::Tls10),
            2 => (TlsVersion::Tls11, TlsVersion::Tls11),
            3 => (TlsVersion::Tls12, TlsVersion::Tls12),
            _ => (TlsVersion::Ssl3, TlsVersion::Tls12),
        };
        let mut offer = ClientOffer::new(host, port, versions);
        offer.sni = c.sni.then(|| host.to_owned());
        if c.seclevel >= 1 {
            // The PEM file as stored: a corrupted one no longer parses or no longer matches.
            let Some(ca) = self.files.get(&c.cacert) else {
                return fail;
            };
            match creds::certs(ca, Encoding::Pem) {
                Ok(cas) => offer.trust = Some(cas),
                Err(_) => return fail,
            }
            if !c.ignore_time {
                offer.check_time = Some(cx.epoch());
            }
        }
        if c.seclevel == 2 {
            let (Some(cert), Some(key)) =
                (self.files.get(&c.clientcert), self.files.get(&c.clientkey))
            else {
                return fail;
            };
            let cert = creds::certs(cert, Encoding::Pem)
                .ok()
                .and_then(|v| v.into_iter().next());
            let key = creds::key(key, Encoding::Pem).ok();
            match (cert, key) {
                (Some(cert), Some(key)) => offer.client = Some((cert, key)),
                _ => return fail,
            }
        }
        match cx.server.open(&offer) {
            Ok(link) => {
                let cl = &mut self.clients[cid];
                cl.link = Some(link);
                cl.rx.clear();
                0
            }
            Err(Refusal::Dns) => 565,
            Err(_) => fail,
        }
    }

    fn ssl(&mut self, cx: &mut Cx, name: &str, rest: &str) {
        let p = params(rest);
        let num = |i: usize| p.get(i).and_then(|v| parse_u64(v));
        match name {
            "+QSSLOPEN" => {
                let pdp = num(0).filter(|v| (1..=16).contains(v));
                let ctx = num(1).filter(|v| *v < 6);
                let cid = num(2).filter(|v| *v < 12);
                let host = p.get(3).filter(|h| !h.is_empty()).cloned();
                let port = num(4).filter(|v| (1..=65_535).contains(v));
                let mode = p.get(5).map_or(Some(0), |m| parse_u64(m));
                // Only buffer mode is simulated; atcert uses nothing else.
                let (Some(_), Some(ctx), Some(cid), Some(host), Some(port), Some(0)) =
                    (pdp, ctx, cid, host, port, mode)
                else {
                    return cx.answer(ERROR);
                };
                let cid = cid as usize;
                cx.answer(OK);
                if self.clients[cid].link.is_some() {
                    return cx.later(Duration::ZERO, urc(&format!("+QSSLOPEN: {cid},563")));
                }
                if !self.pdp_active {
                    return cx.later(
                        Duration::from_millis(100),
                        urc(&format!("+QSSLOPEN: {cid},561")),
                    );
                }
                self.end_client(cx, cid);
                let err = self.open(cx, cid, ctx as usize, &host, port as u16);
                let hs = cx.server.handshake_time();
                cx.later(hs, urc(&format!("+QSSLOPEN: {cid},{err}")));
            }
            "+QSSLSEND" => {
                let cid = num(0).filter(|v| *v < 12).map(|v| v as usize);
                let len = num(1).map(|v| v as usize);
                match (cid, len) {
                    (Some(c), Some(n))
                        if (1..=1460).contains(&n) && self.clients[c].link.is_some() =>
                    {
                        self.pending = Some(Pending::Send(c));
                        cx.answer(b"\r\n> ".to_vec());
                        cx.start_data(DataEnd::Count(n), Vec::new(), Some(Duration::from_secs(30)));
                    }
                    _ => cx.answer(ERROR),
                }
            }
            "+QSSLRECV" => {
                let cid = num(0).filter(|v| *v < 12).map(|v| v as usize);
                let most = num(1)
                    .filter(|v| (1..=1500).contains(v))
                    .map(|v| v as usize);
                let (Some(c), Some(most)) = (cid, most) else {
                    return cx.answer(ERROR);
                };
                let cl = &mut self.clients[c];
                if cl.link.is_none() && cl.rx.is_empty() {
                    return cx.answer(ERROR);
                }
                let n = cl.rx.len().min(most);
                let data: Vec<u8> = cl.rx.drain(..n).collect();
                let mut out = format!("\r\n+QSSLRECV: {n}\r\n").into_bytes();
                out.extend_from_slice(&data);
                if n > 0 {
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(OK);
                cx.answer(out);
            }
            "+QSSLCLOSE" => match num(0).filter(|v| *v < 12) {
                Some(c) => {
                    self.end_client(cx, c as usize);
                    cx.answer(OK);
                }
                None => cx.answer(ERROR),
            },
            "+QSSLSTATE" => {
                let lines: Vec<String> = self
                    .clients
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.link.is_some())
                    .map(|(i, _)| {
                        format!(
                            "+QSSLSTATE: {i},\"SSLClient\",\"0.0.0.0\",443,0,2,1,{i},0,\"uart1\",0"
                        )
                    })
                    .collect();
                cx.answer(info_ok(&lines));
            }
            _ => cx.answer(ERROR),
        }
    }
}

impl Personality for Quectel {
    fn family(&self) -> Family {
        Family::Quectel
    }

    fn command(&mut self, cx: &mut Cx, line: &[u8]) {
        let ati = vec![
            self.cfg.vendor_line.clone(),
            self.cfg.model.clone(),
            format!("Revision: {}", self.cfg.revision),
        ];
        let id = Ident {
            ati: &ati,
            cgmi: "Quectel",
            cgmm: &self.cfg.model,
            cgmr: &self.cfg.revision,
            imei: &self.cfg.imei,
        };
        if common::basic(cx, &mut self.cme, &id, line) {
            return;
        }
        let (name, op, rest) = split_cmd(line);
        match (name.as_str(), op) {
            ("+QGMR", None) => {
                cx.answer(info_ok(&[format!("{}_01.005.01.005", self.cfg.revision)]))
            }
            ("+QFUPL", Some('=')) => self.qfupl(cx, &rest),
            ("+QFLST", None) => self.qflst(cx, "*"),
            ("+QFLST", Some('=')) => self.qflst(cx, &rest),
            ("+QFDEL", Some('=')) => self.qfdel(cx, &rest),
            ("+QFLDS", _) => {
                let used: usize = self.files.values().map(Vec::len).sum();
                let free = self.cfg.free_space.saturating_sub(used);
                cx.answer(info_ok(&[format!(
                    "+QFLDS: {free},{}",
                    self.cfg.free_space
                )]));
            }
            ("+QSSLCFG", Some('=')) => self.qsslcfg(cx, &rest),
            ("+QICSGP", Some('=')) => {
                let p = params(&rest);
                match p.first().and_then(|v| parse_u64(v)) {
                    Some(1..=16) if p.len() >= 3 => cx.answer(OK),
                    _ => cx.answer(ERROR),
                }
            }
            ("+QIACT", Some('?')) => {
                if self.pdp_active {
                    cx.answer(info_ok(&["+QIACT: 1,1,1,\"10.64.0.2\"".into()]));
                } else {
                    cx.answer(OK);
                }
            }
            ("+QIACT", Some('=')) => {
                if self.pdp_active && self.cfg.qiact_active_errors {
                    cx.answer(ERROR);
                } else {
                    self.pdp_active = true;
                    cx.answer(OK);
                }
            }
            ("+QIDEACT", Some('=')) => {
                self.pdp_active = false;
                for cid in 0..self.clients.len() {
                    self.end_client(cx, cid);
                }
                cx.answer(OK);
            }
            ("+QIGETERROR", None) => {
                cx.answer(info_ok(&["+QIGETERROR: 0,operation success".into()]));
            }
            (n, Some('=')) if n.starts_with("+QSSL") => self.ssl(cx, n, &rest),
            _ => cx.answer(ERROR),
        }
    }

    fn data(&mut self, cx: &mut Cx, outcome: DataOutcome) {
        match (self.pending.take(), outcome) {
            (Some(Pending::Upload(name)), DataOutcome::Complete(bytes)) => {
                // The answer is computed over what was stored.
                let line = format!("+QFUPL: {},{}", bytes.len(), self.sum_text(&bytes));
                self.files.insert(name, bytes);
                let mut out = urc(&line);
                out.extend_from_slice(OK);
                cx.answer(out);
            }
            (Some(Pending::Send(cid)), DataOutcome::Complete(bytes)) => {
                let result = match self.clients[cid].link.as_mut() {
                    Some(link) => link.exchange(&bytes),
                    None => Err("closed".into()),
                };
                match result {
                    Ok((resp, closed)) => {
                        cx.answer(b"\r\nSEND OK\r\n".to_vec());
                        if !resp.is_empty() || closed {
                            let t = cx.server.response_time();
                            let conn = self.conn_id(cid);
                            cx.deliver(t, conn, resp, closed);
                        }
                    }
                    Err(_) => cx.answer(b"\r\nSEND FAIL\r\n".to_vec()),
                }
            }
            _ => cx.answer(ERROR),
        }
    }

    fn data_timed_out(&mut self, cx: &mut Cx, received: Vec<u8>) {
        match self.pending.take() {
            Some(Pending::Upload(name)) => {
                let line = format!("+QFUPL: {},{}", received.len(), self.sum_text(&received));
                if self.cfg.partial_kept && !received.is_empty() {
                    self.files.insert(name, received);
                }
                match self.cfg.short_upload {
                    ShortUpload::Report => {
                        let mut out = urc(&line);
                        out.extend_from_slice(OK);
                        cx.answer(out);
                    }
                    ShortUpload::Cme421 => cx.answer(self.cme.error(421, "time out")),
                }
            }
            _ => cx.answer(ERROR),
        }
    }

    fn deliver(&mut self, cx: &mut Cx, conn: u8, bytes: Vec<u8>, closed: bool) {
        let cid = usize::from(conn & 0x0f);
        if cid >= self.clients.len()
            || conn >> 4 != self.clients[cid].generation % 16
            || self.clients[cid].link.is_none()
        {
            return;
        }
        if !bytes.is_empty() {
            self.clients[cid].rx.extend_from_slice(&bytes);
            cx.answer(urc(&format!("+QSSLURC: \"recv\",{cid}")));
        }
        if closed {
            self.clients[cid].link = None;
            cx.answer(urc(&format!("+QSSLURC: \"closed\",{cid}")));
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
        self.pdp_active = false;
        for c in &mut self.clients {
            c.link = None;
            c.rx.clear();
            c.generation = c.generation.wrapping_add(1);
        }
    }
}

/// This simulator, as `sim/mod.rs` registers it.
pub(super) const SIMULATOR: Simulator = Simulator {
    family: Family::Quectel,
    build: |adjust| {
        let mut c = QuectelConfig::default();
        adjust(&mut c.common);
        c.build()
    },
    error_outputs: ERROR_OUTPUTS,
    error_commands: ERROR_COMMANDS,
};
