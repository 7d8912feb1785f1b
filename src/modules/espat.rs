//! Espressif ESP-AT (ESP32, ESP32-C2/C3/C5/C6, ESP32-S2): credentials in the manufacturing
//! NVS through `AT+SYSMFG` (firmware v3.1.0.0 and later), TLS through `AT+CIPSSLCCONF` and
//! `AT+CIPSTART="SSL"` (shared/reference/modules/espat.md, tests/audit/espat.md).
//!
//! Verification: ESP-AT has no digest; reading each key back (`AT+SYSMFG=1,...`) and
//! comparing byte for byte is the only integrity check, and the strongest there is.
//!
//! Firmware before v3.1.0.0 keeps certificates in raw AtPKI partitions that cannot be
//! written over AT in a form atcert builds: the plan refuses and names the way out. ESP-AT
//! ends command lines with CR LF (esp-at issues #51, #101), so every command here does.

use core::time::Duration;

use crate::at::{Config, Final, LineMatch, VendorFinal};
use crate::cert::lint::{
    AcceptedLineEndings, CaChoice, ClockCheck, CredentialRules, Encoding, KeyEncoding, RoleRules,
    Rule, Storage, Support, TrailingNewline,
};
use crate::modules::Family;
use crate::modules::cmd::{quoted_param, secs};
use crate::modules::driver::{Driver, Names, Recovery};
use crate::modules::explain::{CommandRow, Explanation, by_command, explain_common};
use crate::modules::identify::{Answer, Findings, Probe, TlsSupport};
use crate::modules::plan::{
    Check, Credentials, Expect, Options, Plan, PlanError, Purpose, Role, TlsVersion,
};
use crate::modules::rules::{ALL_HASHES_BUT_MD, NO_KEY, PEM_DER};

const FAMILY: Family = Family::Espat;

/// `AT+GMR`: `AT version:…`, `SDK version:…`, `compile time…`, `Bin version:…`, `OK`
/// (audit §1: CORE format string, DOC example, esp-at #345).
pub const PROBE_GMR: Probe = Probe::new("AT+GMR", 2);
/// `AT+SYSMFG?`: the namespace list on v3.1 and later, `ERROR` before (audit §1, HIST).
pub const PROBE_SYSMFG: Probe = Probe::new("AT+SYSMFG?", 2);

/// Appended to the firmware when `AT+SYSMFG?` was refused: the plan reads it.
const NO_SYSMFG: &str = " (no AT+SYSMFG)";
/// Appended when `AT+SYSMFG?` answered on a version number that predates it.
const HAS_SYSMFG: &str = " (AT+SYSMFG)";

/// The namespace of each role: the factory image's `client_ca`/`client_cert`/`client_key`
/// (reference §3; audit RAW).
fn namespace(role: Role) -> &'static str {
    match role {
        Role::Ca => "client_ca",
        Role::ClientCert => "client_cert",
        Role::ClientKey => "client_key",
    }
}

/// The key of credential set `set` in a namespace: `client_ca.0` (audit §2.1: the core
/// builds `%s.%d`, the same `<n>` as `AT+CIPSSLCCONF`'s pki/ca number).
pub fn key(role: Role, set: u8) -> String {
    format!("{}.{set}", namespace(role))
}

/// The credential set: the factory image ships `.0` and `.1`; a maximum exists but is not
/// documented (audit §5), so atcert uses only those two.
fn set_number(opts: &Options) -> Result<u8, PlanError> {
    match opts.context {
        n @ (0 | 1) => Ok(n),
        n => Err(PlanError::Unsupported {
            family: FAMILY,
            what: format!("use credential set {n}"),
            why: "the factory image has sets 0 and 1 (client_ca.0, client_ca.1); choose 0 or 1"
                .into(),
        }),
    }
}

/// `(major, minor)` of an `AT version:` number such as `3.2.0.0` or `2.2.0.0-dev`.
fn version(fw: &str) -> Option<(u32, u32)> {
    let mut parts = fw.trim().split(['.', '-', '(', ' ']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// Whether this firmware has `AT+SYSMFG`: `Some(false)` refuses, `None` (not known) takes
/// the SYSMFG path, which on older firmware fails at its first write with nothing stored.
fn has_sysmfg(fw: Option<&str>) -> Option<bool> {
    let fw = fw?;
    if fw.ends_with(NO_SYSMFG) {
        return Some(false);
    }
    if fw.ends_with(HAS_SYSMFG) {
        return Some(true);
    }
    version(fw).map(|v| v >= (3, 1))
}

fn refuse_legacy(fw: &str) -> PlanError {
    PlanError::Unsupported {
        family: FAMILY,
        what: format!("write credentials on firmware {fw}"),
        why: "ESP-AT before v3.1.0.0 keeps certificates in raw AtPKI partitions (client_ca, \
              client_cert, client_key) that take a binary AtPKI image, not PEM, and atcert \
              does not build that image; update the module to ESP-AT v3.1.0.0 or later \
              (then AT+SYSMFG stores them), or build the image with esp-at's \
              tools/AtPKI.py and flash it with esptool.py write_flash at the partition's \
              offset"
            .into(),
    }
}

fn require_sysmfg(opts: &Options) -> Result<(), PlanError> {
    match (has_sysmfg(opts.firmware.as_deref()), &opts.firmware) {
        (Some(false), Some(fw)) => Err(refuse_legacy(fw)),
        _ => Ok(()),
    }
}

/// A plan that starts with `AT` ended by CR LF: the flows take a first `AT` step as the
/// recovery probe, so the probe too ends as ESP-AT needs.
fn new_plan(title: &str) -> Plan {
    let mut plan = Plan::new(FAMILY, title);
    plan.push_expect(
        "check the module answers in command mode",
        Purpose::Sync,
        at::at(),
        Expect::Tolerate,
    );
    plan
}

/// `AT+SYSTIMESTAMP=<unix>` when a time is given: mbedTLS checks dates (audit §2.4).
fn push_clock(plan: &mut Plan, opts: &Options) {
    if let Some(t) = opts.unix_time {
        plan.push(
            "set the module clock (Unix time) so certificate dates can be checked",
            Purpose::SetClock,
            at::systimestamp(t),
        );
    }
}

/// Sets the clock when a time is given (empty otherwise).
pub fn plan_set_clock(opts: &Options) -> Plan {
    if opts.unix_time.is_none() {
        return Plan::new(FAMILY, "set the clock");
    }
    let mut plan = new_plan("set the clock");
    push_clock(&mut plan, opts);
    plan
}

/// Erases, writes and reads back each credential, then binds them to the TLS client.
pub fn plan_provision(creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
    require_sysmfg(opts)?;
    let set = set_number(opts)?;
    let mut plan = new_plan("provision TLS credentials");
    plan.push_expect(
        "report errors with their ERR CODE (older firmware may refuse; tolerated)",
        Purpose::Prepare,
        at::syslog(),
        Expect::Tolerate,
    );
    push_clock(&mut plan, opts);
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let (ns, key) = (namespace(role), key(role, set));
        // NVS refuses a key of another type (audit §5): erase first, nothing there is fine.
        plan.push_expect(
            format!("erase an old {key} (an error means there was none)"),
            Purpose::Clean(role),
            at::sysmfg_erase(ns, &key),
            Expect::Tolerate,
        );
        plan.push(
            format!("store the {role} as {ns}/{key}"),
            Purpose::Write(role),
            at::sysmfg_write(ns, &key, &c.bytes),
        );
        plan.push(
            format!("read {key} back and compare byte for byte"),
            Purpose::Verify(
                role,
                Check::ReadBack {
                    expected: c.bytes.clone(),
                },
            ),
            at::sysmfg_read(ns, &key),
        );
    }
    if opts.firmware.is_none() {
        plan.note(
            "needs ESP-AT v3.1.0.0 or later (AT+SYSMFG); older firmware refuses the first \
             write and nothing is stored",
        );
    }
    push_configure(&mut plan, creds, opts)?;
    Ok(plan)
}

/// Single-link mode and `AT+CIPSSLCCONF=<auth>,<set>,<set>`, which the module keeps in NVS.
pub fn plan_configure_tls(creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
    let mut plan = new_plan("configure TLS");
    push_configure(&mut plan, creds, opts)?;
    Ok(plan)
}

fn push_configure(plan: &mut Plan, creds: &Credentials, opts: &Options) -> Result<(), PlanError> {
    let set = set_number(opts)?;
    if let Some(v) = opts.tls_version
        && v != TlsVersion::Tls12
    {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: format!("ask for {v:?}"),
            why: "ESP-AT's TLS client speaks TLS 1.2 unless the firmware is rebuilt; it has \
                  no AT command to choose the version"
                .into(),
        });
    }
    let auth = match (creds.mutual(), creds.ca.is_some()) {
        (true, true) => 3,
        (true, false) => 1,
        (false, true) => 2,
        (false, false) => 0,
    };
    plan.push(
        "single-connection mode (the TLS settings below are for it)",
        Purpose::Configure,
        at::cipmux_single(),
    );
    plan.push(
        match auth {
            3 => "check the server against client_ca and present client_cert/client_key",
            2 => "check the server against client_ca",
            1 => "present client_cert/client_key (no server check: no CA given)",
            _ => "no authentication (no CA given)",
        },
        Purpose::Configure,
        at::cipsslcconf(auth, set),
    );
    Ok(())
}

/// Erases each key and checks the namespace no longer lists it.
pub fn plan_remove(creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
    require_sysmfg(opts)?;
    let set = set_number(opts)?;
    let mut plan = new_plan("remove TLS credentials");
    for role in creds.roles() {
        let (ns, key) = (namespace(role), key(role, set));
        plan.push_expect(
            format!("erase {key} (an error means it was not there)"),
            Purpose::Remove(role),
            at::sysmfg_erase(ns, &key),
            Expect::Tolerate,
        );
    }
    for role in creds.roles() {
        let (ns, key) = (namespace(role), key(role, set));
        // An empty namespace may answer ERROR (unknown): no line can name the key then.
        plan.push_expect(
            format!("check {ns} no longer lists {key}"),
            Purpose::Verify(
                role,
                Check::NotListed {
                    prefix: format!("+SYSMFG:\"{ns}\","),
                    name: key.clone(),
                },
            ),
            at::sysmfg_list(ns),
            Expect::Tolerate,
        );
    }
    Ok(plan)
}

/// The template of the read: `{cached}` is what `+IPD,<n>` announced.
const CIPRECVDATA: &str = "AT+CIPRECVDATA={cached}";

/// Checks the Wi-Fi link, opens TLS with the stored settings, sends the request, reads
/// the answer in passive mode, closes. Joining Wi-Fi is the user's (credentials atcert
/// does not hold).
pub fn plan_test_connection(opts: &Options) -> Result<Plan, PlanError> {
    let host = quoted_param(FAMILY, "use this host name", &opts.host)?;
    if opts.host.len() > 64 {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: "connect to a host name longer than 64 bytes".into(),
            why: "AT+CIPSTART takes at most 64 bytes; use a shorter name or the IP address".into(),
        });
    }
    let req = opts.request_bytes();
    if req.len() > 8192 {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: format!("send a {}-byte request", req.len()),
            why: "AT+CIPSEND sends at most 8192 bytes".into(),
        });
    }
    let mut plan = new_plan("test a TLS connection");
    plan.push_expect(
        "close a connection an earlier run left open (an error means there was none)",
        Purpose::Prepare,
        at::cipclose(),
        Expect::Tolerate,
    );
    plan.push(
        "check the module has joined a Wi-Fi access point (atcert does not join one: send \
         AT+CWJAP=\"<ssid>\",\"<password>\" yourself first)",
        Purpose::Prepare,
        at::cwjap_query(),
    );
    plan.capture_last("ap", "+CWJAP:", 0, "\"<ssid>\"");
    plan.push("single-connection mode", Purpose::Open, at::cipmux_single());
    // The command's name changed between releases (audit §2.6): one of the two is taken.
    plan.push_expect(
        "passive receive: the module keeps what arrives until asked (v3 name)",
        Purpose::Open,
        at::ciprecvtype_passive(),
        Expect::Tolerate,
    );
    plan.push_expect(
        "passive receive (v2 name; an error means the line above was the one)",
        Purpose::Open,
        at::ciprecvmode_passive(),
        Expect::Tolerate,
    );
    if opts.sni {
        plan.push(
            format!("send SNI {}", opts.host),
            Purpose::Open,
            at::cipsslcsni(&host),
        );
    }
    plan.push(
        format!("open TLS to {}:{}", opts.host, opts.port),
        Purpose::Open,
        at::cipstart_ssl(&host, opts.port),
    );
    plan.push_expect(
        format!("send {} bytes", req.len()),
        Purpose::Send,
        at::cipsend(req),
        Expect::OkThenUrc {
            prefix: "+IPD,".into(),
            value: None,
            fail: vec!["CLOSED".into()],
            within: secs(30),
        },
    );
    let most = opts.max_response.clamp(1, 8192);
    let read = at::ciprecvdata(CIPRECVDATA);
    plan.push_templated(
        "read what the server answered",
        Purpose::Receive,
        &CIPRECVDATA.replace("{cached}", &most.to_string()),
        read,
        Expect::Ok,
    );
    plan.push_expect(
        "close the connection",
        Purpose::Close,
        at::cipclose(),
        Expect::Tolerate,
    );
    Ok(plan)
}

/// One constructor per command this driver sends: the line, its timeout, its source.
/// DOC is the esp-at documentation at b49e4b98 (Basic_AT_Commands.rst,
/// TCP-IP_AT_Commands.rst); CORE, WE, LWESP, MPY, C6DRV as in tests/audit/espat.md.
mod at {
    use core::time::Duration;

    use crate::at::{Command, DataPhase, LengthHeader, ResponseShape, Trigger};
    use crate::modules::cmd::secs;

    /// A command line ended by CR LF, as ESP-AT needs (esp-at #51, #101).
    fn crlf(text: impl Into<String>, timeout: Duration) -> Command {
        Command {
            line: text.into().into_bytes(),
            terminator: b"\r\n".to_vec(),
            data: None,
            response: ResponseShape::Lines,
            timeout,
        }
    }

    /// `OK`, a blank line, `>` (CORE `\r\nOK\r\n\r\n>`), then exactly the bytes and nothing
    /// after them (C6DRV: extra bytes desync the reader; WE sends exactly <length>).
    fn counted(text: String, payload: Vec<u8>, prompt: Duration, timeout: Duration) -> Command {
        Command {
            data: Some(DataPhase {
                trigger: Trigger::OkThenPrompt,
                payload,
                terminator: None,
                trigger_timeout: prompt,
            }),
            ..crlf(text, timeout)
        }
    }

    /// `AT`: `OK` (DOC Basic AT Commands); 1 s, as every family's probe.
    pub fn at() -> Command {
        crlf("AT", secs(1))
    }

    /// `AT+SYSLOG=1`: every `ERROR` is preceded by `ERR CODE:0x…` (DOC SYSLOG; CORE); 2 s.
    pub fn syslog() -> Command {
        crlf("AT+SYSLOG=1", secs(2))
    }

    /// `AT+SYSTIMESTAMP=<unix seconds>` (DOC since v2.2.0.0; WE driver); 2 s.
    pub fn systimestamp(unix: u64) -> Command {
        crlf(format!("AT+SYSTIMESTAMP={unix}"), secs(2))
    }

    /// `AT+SYSMFG=0,"<ns>","<key>"` erases one key (DOC; WE sends it); 5 s.
    pub fn sysmfg_erase(ns: &str, key: &str) -> Command {
        crlf(format!("AT+SYSMFG=0,\"{ns}\",\"{key}\""), secs(5))
    }

    /// `AT+SYSMFG=2,"<ns>","<key>",8,<len>` (type 8 = binary), `OK` `>`, the bytes, `OK`
    /// (DOC; CORE; LWESP completes on the second OK; MPY waits 8 s for `>`); 10 s after
    /// the data for the NVS write.
    pub fn sysmfg_write(ns: &str, key: &str, bytes: &[u8]) -> Command {
        counted(
            format!("AT+SYSMFG=2,\"{ns}\",\"{key}\",8,{}", bytes.len()),
            bytes.to_vec(),
            secs(8),
            secs(10),
        )
    }

    /// `AT+SYSMFG=1,"<ns>","<key>"`: `+SYSMFG:"<ns>","<key>",8,<len>,` then exactly <len>
    /// raw bytes, then `OK` (CORE `%s:"%s","%s",%u,%u,`; WE and LWESP read raw after the
    /// fourth comma); 5 s.
    pub fn sysmfg_read(ns: &str, key: &str) -> Command {
        Command {
            response: ResponseShape::InlineData {
                header: LengthHeader::new("+SYSMFG:", 3),
            },
            ..crlf(format!("AT+SYSMFG=1,\"{ns}\",\"{key}\""), secs(5))
        }
    }

    /// `AT+SYSMFG=1,"<ns>"`: one `+SYSMFG:"<ns>","<key>",<type>` line a key (CORE; DOC
    /// example); 2 s.
    pub fn sysmfg_list(ns: &str) -> Command {
        crlf(format!("AT+SYSMFG=1,\"{ns}\""), secs(2))
    }

    /// `AT+CIPMUX=0`: one connection, no link IDs (DOC; reference `[E3]`); 2 s.
    pub fn cipmux_single() -> Command {
        crlf("AT+CIPMUX=0", secs(2))
    }

    /// `AT+CIPSSLCCONF=<auth>[,<pki>,<ca>]`; with auth 0 no numbers (esp-at #133, #345:
    /// `=0,0,0` refused on old firmware) (DOC; esp-at #384); 2 s.
    pub fn cipsslcconf(auth: u8, set: u8) -> Command {
        if auth == 0 {
            crlf("AT+CIPSSLCCONF=0", secs(2))
        } else {
            crlf(format!("AT+CIPSSLCCONF={auth},{set},{set}"), secs(2))
        }
    }

    /// `AT+CIPSSLCSNI="<host>"` (DOC; EnviroDIY TinyGSM ESP32 sends it before CIPSTART);
    /// 2 s.
    pub fn cipsslcsni(quoted_host: &str) -> Command {
        crlf(format!("AT+CIPSSLCSNI={quoted_host}"), secs(2))
    }

    /// `AT+CWJAP?`: `+CWJAP:"<ssid>",…` when joined, `No AP` otherwise (DOC Wi-Fi
    /// commands; reference §7); 5 s.
    pub fn cwjap_query() -> Command {
        crlf("AT+CWJAP?", secs(5))
    }

    /// `AT+CIPRECVTYPE=1`: passive receive, `+IPD,<len>` only (DOC v3 name); 2 s.
    pub fn ciprecvtype_passive() -> Command {
        crlf("AT+CIPRECVTYPE=1", secs(2))
    }

    /// `AT+CIPRECVMODE=1`: the same on v2 firmware (an ESP32-C2 2.5.0.0 transcript,
    /// blog.csdn.net/qq_21911097/article/details/128422956); 2 s.
    pub fn ciprecvmode_passive() -> Command {
        crlf("AT+CIPRECVMODE=1", secs(2))
    }

    /// `AT+CIPSTART="SSL","<host>",<port>`: `CONNECT`, `OK`; failure `ERROR` (DOC; CORE;
    /// esp-at #245, #590); 60 s, the documented handshake ceiling (reference `[E3]`).
    pub fn cipstart_ssl(quoted_host: &str, port: u16) -> Command {
        crlf(
            format!("AT+CIPSTART=\"SSL\",{quoted_host},{port}"),
            secs(60),
        )
    }

    /// `AT+CIPSEND=<len>`: `OK` `>`, the bytes, `Recv <n> bytes`, `SEND OK` (DOC; CORE);
    /// 10 s.
    pub fn cipsend(bytes: Vec<u8>) -> Command {
        counted(
            format!("AT+CIPSEND={}", bytes.len()),
            bytes,
            secs(5),
            secs(10),
        )
    }

    /// `AT+CIPRECVDATA=<len>`: `+CIPRECVDATA:<actual>,<bytes>` then `OK` (DOC; the CSDN
    /// transcript above); 10 s.
    pub fn ciprecvdata(template: &str) -> Command {
        Command {
            response: ResponseShape::InlineData {
                header: LengthHeader::new("+CIPRECVDATA:", 0),
            },
            ..crlf(template, secs(10))
        }
    }

    /// `AT+CIPCLOSE`: `CLOSED`, `OK`; `ERROR` when nothing is open (DOC); 5 s.
    pub fn cipclose() -> Command {
        crlf("AT+CIPCLOSE", secs(5))
    }
}

/// Reads `AT+GMR`: `AT version:<a.b.c.d>(<commit> - <chip> - <date>)` names the chip on
/// v2.1 and later; 2.0.0.0 has no chip field (esp-at #345), so `Bin version:<v>(<module>)`
/// names the module; NonOS 1.x has neither (bportaluri/WiFiEsp #29).
fn read_gmr(answer: &Answer, found: &mut Findings) -> bool {
    let Some(line) = answer
        .lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("AT version:"))
    else {
        return false;
    };
    let (number, rest) = line.split_once('(').unwrap_or((line, ""));
    let fields: Vec<&str> = rest.trim_end_matches(')').split(" - ").collect();
    let chip = (fields.len() >= 3)
        .then(|| fields[1].trim())
        .filter(|c| c.to_ascii_uppercase().starts_with("ESP"));
    let module = answer.lines.iter().find_map(|l| {
        let rest = l.trim().strip_prefix("Bin version:")?;
        let (_, m) = rest.split_once('(')?;
        Some(m.trim_end_matches(')').trim().to_owned())
    });
    let model = match (chip, module) {
        (Some(c), _) => c.to_owned(),
        (None, Some(m)) if m.to_ascii_uppercase().starts_with("ESP") => m,
        (None, Some(m)) if !m.is_empty() => format!("ESP32 ({m})"),
        _ if version(number).is_some_and(|v| v.0 < 2) => "ESP8266".to_owned(),
        _ => "ESP32".to_owned(),
    };
    found.model = Some(model);
    found.firmware = Some(number.trim().to_owned());
    true
}

/// Explains a final result: a bare `ERROR` means little without the `ERR CODE` line.
pub fn explain(fin: &Final) -> Option<Explanation> {
    match fin {
        Final::Error => Some(Explanation::new(
            "the module refused the command; the ERR CODE line before ERROR (AT+SYSLOG=1) says why",
            "run the step again with AT+SYSLOG=1 and read the ERR CODE; check the firmware is ESP-AT v3.1 or later (AT+GMR)",
        )),
        Final::Vendor { line, .. } if line == "SEND FAIL" => Some(Explanation::new(
            "the module could not send the data on the connection",
            "the connection closed or the Wi-Fi link dropped: open it again and retry",
        )),
        _ => explain_common(fin),
    }
}

/// `ERR CODE:0x01SSEEEE` subcategories (esp_at_core.h `esp_at_error_code`, audit §3).
const ERR_CODES: &[(u32, &str, &str)] = &[
    (
        0x02,
        "the command line had no terminator",
        "end every command with CR LF",
    ),
    (
        0x03,
        "the line did not start with AT",
        "check the baud rate and that nothing else writes to the port",
    ),
    (
        0x04,
        "a parameter is too long or too short (a namespace or key over 15 characters, a host over 64 bytes)",
        "shorten the name or host",
    ),
    (
        0x05,
        "a parameter has the wrong type (text where a number belongs, or a missing quote)",
        "check the command's quoting against the ESP-AT manual for this firmware",
    ),
    (
        0x06,
        "wrong number of parameters: this firmware has another syntax for the command",
        "check the firmware version (AT+GMR) against the ESP-AT manual",
    ),
    (
        0x07,
        "a parameter is out of range (a type, link ID or set number the module does not have)",
        "use credential set 0 or 1 and the values the manual lists",
    ),
    (
        0x08,
        "the module could not parse a parameter",
        "check the command's quoting and numbers",
    ),
    (
        0x09,
        "this firmware does not have the command (AT+SYSMFG needs ESP-AT v3.1.0.0 or later)",
        "update the module to ESP-AT v3.1.0.0 or later (esptool.py write_flash of the factory image), or flash the credentials with the factory image",
    ),
    (
        0x0A,
        "the command failed while running: after AT+CIPSTART the TLS connection failed (the server's chain does not verify against client_ca, the clock is not set, the server needs SNI or a client certificate, or the Wi-Fi or server is unreachable); after an AT+SYSMFG write the NVS refused it (full, or the key holds another type)",
        "for a connection: check the CA is the server's root (openssl s_client -showcerts), the clock, the host and the Wi-Fi link (AT+CWJAP?); for a write: erase the key (AT+SYSMFG=0) and write again",
    ),
    (
        0x0B,
        "the module is still busy with the previous command",
        "wait a moment and run the step again",
    ),
    (
        0x0C,
        "that form of the command (query, set or execute) does not exist",
        "check the command form in the ESP-AT manual",
    ),
];

/// Explains an information line that reports a failure.
pub fn explain_line(text: &str) -> Option<Explanation> {
    let t = text.trim();
    if let Some(hex) = t
        .strip_prefix("ERR CODE:0x")
        .or_else(|| t.strip_prefix("ERR CODE:0X"))
    {
        let code = u32::from_str_radix(hex.trim(), 16).ok()?;
        let sub = (code >> 16) & 0xff;
        return ERR_CODES
            .iter()
            .find(|(c, ..)| *c == sub)
            .map(|(_, m, n)| Explanation::new(*m, *n));
    }
    let missing = |what: &str, key: &str| {
        Some(Explanation::new(
            format!("the TLS client found no usable {what} ({key}.<n> missing or not parsable)"),
            format!(
                "provision the {what} again and check AT+CIPSSLCCONF names the same set (AT+CIPSSLCCONF?)"
            ),
        ))
    };
    match t {
        "NO CA FOUND" => missing("CA certificate", "client_ca"),
        "NO CERT FOUND" => missing("client certificate", "client_cert"),
        "NO PRVT_KEY FOUND" => missing("client key", "client_key"),
        "No AP" => Some(Explanation::new(
            "the module has not joined a Wi-Fi access point",
            "join one first: AT+CWMODE=1, then AT+CWJAP=\"<ssid>\",\"<password>\", and run the test again",
        )),
        _ if t.starts_with("busy p") => Some(Explanation::new(
            "the module is still busy with the previous command",
            "wait a moment and run the step again",
        )),
        _ if t.starts_with("+ERRNO:") => Some(Explanation::new(
            format!(
                "the TLS or socket layer failed with {t} (an esp-tls/mbedTLS code; -0x2700 is a failed certificate check)"
            ),
            "check the CA matches the server's chain, the clock is set, and SNI is the server's name",
        )),
        _ => None,
    }
}

/// What a refusal means as the answer to each command.
const COMMAND_MEANINGS: &[CommandRow] = &[
    (
        &["AT+SYSMFG=2"],
        "the module refused to store the credential: AT+SYSMFG is missing (ESP-AT before v3.1.0.0), the namespace is not in this firmware's mfg_nvs, or the NVS is full",
        "check AT+GMR shows v3.1.0.0 or later and AT+SYSMFG? lists client_ca/client_cert/client_key; erase unused keys if the NVS is full",
    ),
    (
        &["AT+SYSMFG=0"],
        "there is no such key to erase (or this firmware predates AT+SYSMFG, v3.1.0.0)",
        "nothing to do when removing; list the namespace (AT+SYSMFG=1,\"client_ca\") to see what is stored",
    ),
    (
        &["AT+SYSMFG=1"],
        "the module could not read the key back: it is not stored",
        "provision again; if it repeats, the module did not keep what it was sent",
    ),
    (
        &["AT+SYSMFG"],
        "the module refused the manufacturing-NVS command: this firmware predates AT+SYSMFG (v3.1.0.0)",
        "update to ESP-AT v3.1.0.0 or later",
    ),
    (
        &["AT+SYSTIMESTAMP"],
        "the module refused the clock value",
        "check the computer's clock; or let the module take network time (AT+CIPSNTPCFG=1,0,\"pool.ntp.org\")",
    ),
    (
        &["AT+CIPMUX"],
        "single-connection mode cannot be set while a connection is open or a server runs",
        "close connections (AT+CIPCLOSE=5, AT+CIPSERVER=0) and run the step again",
    ),
    (
        &["AT+CIPRECVTYPE", "AT+CIPRECVMODE"],
        "this firmware names passive receive the other way (AT+CIPRECVTYPE from v3, AT+CIPRECVMODE before)",
        "nothing to do: atcert sends both names and one is taken",
    ),
    (
        &["AT+CIPSSLCCONF", "AT+CIPSSLCSNI"],
        "the module refused the TLS client setting (it must be set in single-connection mode, before the connection opens)",
        "send AT+CIPMUX=0 and AT+CIPCLOSE first, then run the step again",
    ),
    (
        &["AT+CWJAP"],
        "the module could not report its Wi-Fi link",
        "join an access point yourself (AT+CWMODE=1, AT+CWJAP=\"<ssid>\",\"<password>\") and run the test again",
    ),
    (
        &["AT+CIPSTART"],
        "the TLS connection failed: the server's chain does not verify against client_ca, the clock is not set (dates are checked), the server needs SNI or a client certificate, or the Wi-Fi/DNS/server is unreachable",
        "check the CA is the server's root (openssl s_client -showcerts), set the clock, check the host and port and the Wi-Fi link (AT+CWJAP?)",
    ),
    (
        &["AT+CIPSEND"],
        "no open connection to send on",
        "open the connection again (AT+CIPSTART) and send",
    ),
    (
        &["AT+CIPRECVDATA"],
        "nothing buffered to read, or not in passive receive mode",
        "run the test again; check AT+CIPRECVLEN? shows data",
    ),
    (
        &["AT+CIPCLOSE"],
        "no connection was open",
        "nothing to close",
    ),
];

/// What a refusal means as the answer to the command `line`.
pub fn explain_command(line: &str, fin: &Final) -> Option<Explanation> {
    if fin.is_ok() {
        return None;
    }
    by_command(COMMAND_MEANINGS, line, fin)
}

/// How this family is named (`--module` values, Help, messages).
const NAMES: Names = Names {
    id: "espat",
    display_name: "Espressif ESP-AT",
    models: "Espressif ESP-AT v3.1+ on ESP32, ESP32-C2/C3/C5/C6, ESP32-S2 (older firmware refused)",
    model_prefixes: &["esp32", "esp8266", "esp-at"],
    aliases: &["espressif"],
};

/// The Espressif ESP-AT driver.
pub struct Espat;

impl Driver for Espat {
    fn family(&self) -> Family {
        FAMILY
    }
    fn names(&self) -> &'static Names {
        &NAMES
    }
    fn discovery_probe(&self) -> Option<Probe> {
        Some(PROBE_GMR)
    }
    fn identify_probes(&self) -> &'static [Probe] {
        &[PROBE_GMR, PROBE_SYSMFG]
    }
    fn read_probe(&self, probe: Probe, answer: &Answer, found: &mut Findings) -> bool {
        if probe == PROBE_GMR {
            return read_gmr(answer, found);
        }
        if probe == PROBE_SYSMFG {
            let fw = found.firmware.take().unwrap_or_default();
            let listed = answer.ok && answer.lines.iter().any(|l| l.starts_with("+SYSMFG:"));
            let by_version = has_sysmfg(Some(&fw)).unwrap_or(listed);
            found.firmware = Some(match (listed, by_version) {
                (true, false) => format!("{fw}{HAS_SYSMFG}"),
                (false, true) => format!("{fw}{NO_SYSMFG}"),
                _ => fw,
            });
            if listed {
                found.tls = Some(TlsSupport::Yes);
            }
            return true;
        }
        false
    }
    fn needs_firmware(&self) -> bool {
        true
    }
    fn engine_config(&self) -> Config {
        engine_config()
    }
    fn rules(&self) -> CredentialRules {
        ESPAT
    }
    fn recovery(&self) -> Recovery {
        RECOVERY
    }
    fn too_large_hint(&self) -> &'static str {
        "upload only the root, not a chain"
    }
    fn plan_provision(
        &self,
        _rules: &CredentialRules,
        creds: &Credentials,
        opts: &Options,
    ) -> Result<Plan, PlanError> {
        plan_provision(creds, opts)
    }
    fn plan_remove(&self, creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
        plan_remove(creds, opts)
    }
    fn plan_configure_tls(&self, creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
        plan_configure_tls(creds, opts)
    }
    fn plan_set_clock(&self, opts: &Options) -> Plan {
        plan_set_clock(opts)
    }
    fn plan_test_connection(&self, opts: &Options) -> Result<Plan, PlanError> {
        plan_test_connection(opts)
    }
    fn explain(&self, fin: &Final) -> Option<Explanation> {
        explain(fin)
    }
    fn explain_command(&self, line: &str, fin: &Final) -> Option<Explanation> {
        explain_command(line, fin)
    }
    fn explain_line(&self, line: &str) -> Option<Explanation> {
        explain_line(line)
    }
}

// No abort is documented for a counted phase (audit §2.1, "not found"): it ends when its
// bytes are in, or, on firmware that times out, after silence. No online mode is used.
// [I] 10 s before filling; the largest phase atcert starts is a credential or a request
// (8192 bytes, the rules' cap and CIPSEND's maximum).
const RECOVERY: Recovery = Recovery {
    probe: "AT",
    abort: b"",
    escape_online: false,
    data_timeout: Duration::from_secs(10),
    max_data: MAX_BYTES,
};

/// atcert's cap per credential: far below the NVS blob limit (~120 KB in a 124 KiB
/// mfg_nvs, audit §5) and enough for a root or a short chain, so that recovery from an
/// interrupted upload stays short.
const MAX_BYTES: usize = 8192;

const ESPAT_CERT: RoleRules = RoleRules {
    accepted: Rule::s(
        PEM_DER,
        "espat.md 3: PEM (the factory files) or DER, stored as type 8 binary",
    ),
    send_as: Encoding::Pem,
    line_endings: Rule::i(
        AcceptedLineEndings::LfOrCrLf,
        "audit RAW: the factory files use LF; mbedTLS's PEM reader takes CRLF too",
    ),
    trailing_newline: Rule::i(
        TrailingNewline::Optional,
        "audit RAW: the factory files end in LF, written with their exact size",
    ),
    max_bytes: Some(Rule::i(
        MAX_BYTES,
        "atcert's cap, below the NVS blob limit of about 120 KB (audit 5)",
    )),
    key_types: Rule::i(
        crate::modules::rules::RSA_P256,
        "audit 5: the factory key is RSA-2048; mbedTLS takes EC keys [inferred]",
    ),
    rsa_bits: Rule::i((1024, 4096), "mbedTLS defaults (espat.md 6)"),
    signature_hashes: Some(Rule::i(ALL_HASHES_BUT_MD, "mbedTLS defaults (espat.md 6)")),
    key_encodings: Rule::i(NO_KEY, "not a key"),
    encrypted_key: Rule::i(false, "not a key"),
    bundle: Rule::i(
        true,
        "mbedTLS parses every certificate in a PEM buffer (espat.md 3)",
    ),
    storage: Rule::c(
        Storage::Parameter {
            name: "client_ca.<n> in mfg_nvs",
        },
        "espat.md 3; audit 2.1: AT+SYSMFG namespace client_ca, key client_ca.<n>",
    ),
};

const ESPAT: CredentialRules = CredentialRules {
    family: "espat",
    ca: ESPAT_CERT,
    client_cert: RoleRules {
        bundle: Rule::i(false, "one client certificate"),
        storage: Rule::c(
            Storage::Parameter {
                name: "client_cert.<n> in mfg_nvs",
            },
            "espat.md 3; audit 2.1",
        ),
        ..ESPAT_CERT
    },
    client_key: RoleRules {
        key_encodings: Rule::i(
            &[KeyEncoding::Pkcs1, KeyEncoding::Sec1, KeyEncoding::Pkcs8],
            "audit RAW: the factory key is PKCS#1; mbedTLS also parses SEC1 and PKCS#8",
        ),
        encrypted_key: Rule::i(false, "no AT command takes a key password"),
        bundle: Rule::i(false, "one key"),
        storage: Rule::c(
            Storage::Parameter {
                name: "client_key.<n> in mfg_nvs",
            },
            "espat.md 3; audit 2.1",
        ),
        ..ESPAT_CERT
    },
    mutual_tls: Rule::c(
        Support::Supported,
        "espat.md 5: AT+CIPSSLCCONF auth mode 3 = both directions",
    ),
    clock: Rule::c(
        ClockCheck::Always,
        "audit 2.4: CONFIG_MBEDTLS_HAVE_TIME_DATE=y; esp-at #245 (no time: verification fails)",
    ),
    ca_choice: Rule::i(CaChoice::AnyCa, "mbedTLS trusts any CA in client_ca"),
    tls_versions: Rule::s("TLS 1.2 (1.3 only in a rebuilt firmware)", "espat.md 6"),
};

/// ESP-AT's own lines: `+IPD,<n>` in passive mode, `CLOSED`, Wi-Fi state; `SEND OK` /
/// `SEND FAIL` end `AT+CIPSEND` (DOC; CORE).
fn engine_config() -> Config {
    Config::default()
        .with_urc_prefixes(&[
            "+IPD,",
            "CLOSED",
            "WIFI CONNECTED",
            "WIFI GOT IP",
            "WIFI DISCONNECT",
            "+TIME_UPDATED",
            "ready",
        ])
        .with_vendor_finals([
            VendorFinal::success(LineMatch::Exact("SEND OK".into())),
            VendorFinal::failure(LineMatch::Exact("SEND FAIL".into())),
        ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::plan::Credential;

    fn ca() -> Credentials {
        Credentials {
            ca: Some(Credential {
                bytes: b"-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n".to_vec(),
                name: String::new(),
            }),
            ..Credentials::default()
        }
    }

    #[test]
    fn plan_writes_with_crlf_waits_for_ok_then_prompt_and_reads_back() {
        let plan = plan_provision(&ca(), &Options::default()).unwrap();
        let lines: Vec<String> = plan
            .steps
            .iter()
            .map(|s| String::from_utf8_lossy(&s.command.line).into_owned())
            .collect();
        assert!(lines.contains(&"AT+SYSMFG=2,\"client_ca\",\"client_ca.0\",8,57".to_owned()));
        assert!(lines.contains(&"AT+SYSMFG=1,\"client_ca\",\"client_ca.0\"".to_owned()));
        assert!(lines.contains(&"AT+CIPSSLCCONF=2,0,0".to_owned()));
        assert!(plan.steps.iter().all(|s| s.command.terminator == b"\r\n"));
        let render = plan.render();
        assert!(
            render.contains("(wait for OK, then the '>' prompt)"),
            "{render}"
        );
    }

    #[test]
    fn firmware_before_3_1_is_refused_with_the_way_out() {
        for fw in ["2.4.0.0", "3.0.0.0", "3.2.0.0 (no AT+SYSMFG)"] {
            let opts = Options {
                firmware: Some(fw.into()),
                ..Options::default()
            };
            let err = plan_provision(&ca(), &opts).unwrap_err().to_string();
            assert!(err.contains("v3.1.0.0") && err.contains("esptool"), "{err}");
        }
        for fw in ["3.1.0.0", "3.2.0.0", "2.4.0.0 (AT+SYSMFG)", "4.0.0.0-dev"] {
            let opts = Options {
                firmware: Some(fw.into()),
                ..Options::default()
            };
            assert!(plan_provision(&ca(), &opts).is_ok(), "{fw}");
        }
    }

    #[test]
    fn gmr_forms_give_model_and_firmware() {
        let answer = |lines: &[&str]| Answer {
            ok: true,
            lines: lines.iter().map(|s| (*s).to_owned()).collect(),
        };
        let mut f = Findings::default();
        assert!(read_gmr(
            &answer(&[
                "AT version:3.2.0.0(s-ec2dec2 - ESP32-C3 - Jul 28 2023 07:05:28)",
                "SDK version:v5.0.2-376-g24b9d38a24",
                "compile time(6118fc22):Jul 28 2023 09:12:22",
                "Bin version:v3.2.0.0(MINI-1)",
            ]),
            &mut f
        ));
        assert_eq!(f.model.as_deref(), Some("ESP32-C3"));
        assert_eq!(f.firmware.as_deref(), Some("3.2.0.0"));
        let mut f = Findings::default();
        read_gmr(
            &answer(&[
                "AT version:2.0.0.0(e44648c - Nov  4 2019 02:18:57)",
                "Bin version:2.0.0(WROOM-32)",
            ]),
            &mut f,
        );
        assert_eq!(f.model.as_deref(), Some("ESP32 (WROOM-32)"));
        let mut f = Findings::default();
        read_gmr(
            &answer(&["AT version:0.51.0.0(Nov 27 2015 13:37:21)"]),
            &mut f,
        );
        assert_eq!(f.model.as_deref(), Some("ESP8266"));
        assert!(!read_gmr(&answer(&["ERROR"]), &mut Findings::default()));
    }

    #[test]
    fn every_err_code_subcategory_and_report_line_is_explained() {
        for sub in [2, 3, 4, 5, 6, 7, 8, 9, 0x0a, 0x0b, 0x0c] {
            let line = format!("ERR CODE:0x01{sub:02x}0000");
            assert!(explain_line(&line).is_some(), "{line}");
        }
        assert!(explain_line("ERR CODE:0x01090000").is_some_and(|e| e.meaning.contains("v3.1")));
        for l in [
            "NO CA FOUND",
            "NO CERT FOUND",
            "NO PRVT_KEY FOUND",
            "No AP",
            "busy p...",
        ] {
            assert!(explain_line(l).is_some(), "{l}");
        }
        assert!(explain_command("AT+CIPSTART=\"SSL\",\"a\",443", &Final::Error).is_some());
    }
}
