//! SIMCom SIM800 series: flash files (`AT+FSCREATE` / `AT+FSWRITE`) bound with
//! `AT+SSLSETCERT` (shared/reference/modules/sim800.md).
//!
//! Only the root CA: no source documents a way to give the SSL layer a client key, and a
//! SIMCom engineer stated client authentication is not supported (sim800.md §3, [S]).
//!
//! Verification: the file's size (`AT+FSFLSIZE`) must equal what was sent, and the SSL import
//! must report `+SSLSETCERT: 0`. `AT+FSREAD` emits raw bytes with no length header, which no
//! engine can tell from the final `OK` in binary DER, so content is not read back.
//!
//! Every flow starts from whatever an earlier run left: the file is deleted before it is
//! created (whether `AT+FSCREATE` on an existing file fails is unknown), a removal that finds
//! nothing is checked against the directory listing instead of failing, and a test
//! connection shuts the IP application down and brings the bearer up again in the order the
//! AT manual requires. The audit of every command is `tests/audit/sim800.md`.

use crate::at::{Config, Final, LineMatch, VendorFinal};
use crate::cert::lint::{
    AcceptedLineEndings, CaChoice, ClockCheck, CredentialRules, Encoding, HashAlg, KeyEncoding,
    RoleRules, Rule, Storage, Support, TrailingNewline,
};
use crate::modules::Family;
use crate::modules::cmd::{quoted_param, secs};
use crate::modules::driver::{Driver, Names, Recovery};
use crate::modules::explain::{CommandRow, Explanation, Row, by_command, explain_common, lookup};
use crate::modules::identify::{Answer, Findings, Probe, TlsSupport};
use crate::modules::plan::{
    Check, Credentials, Expect, Options, Plan, PlanError, Purpose, Role, TlsVersion,
};
use crate::modules::rules::{DER_PEM, NO_KEY, RSA};
use core::time::Duration;

const FAMILY: Family = Family::Sim800;
/// [C] TinyGSM uses 10 s `<inputtime>`; the module answers after the data, ~2 s later at most.
const INPUT_TIME: u64 = 10;

/// `+HTTPACTION` status codes that are module errors (SIM800 HTTP app note [S]).
pub const HTTP_ERRORS: &[Row] = &[
    (
        600,
        "not an HTTP PDU",
        "check the URL and that the server speaks HTTP",
    ),
    (
        601,
        "network error",
        "check the bearer (AT+SAPBR=2,1) and signal",
    ),
    (602, "no memory", "close other connections and retry"),
    (603, "DNS error", "check the host name and the bearer's DNS"),
    (
        604,
        "stack busy",
        "wait for the running request to end, then retry",
    ),
    (
        605,
        "SSL failed to establish channels",
        "the server likely requires TLS 1.1 or later, which SIM800 lacks (SSL 3.0 / TLS 1.0 only); use a TLS 1.0 endpoint or a newer module",
    ),
    (
        606,
        "SSL fatal alert: the server ended the connection",
        "the server refused SIM800's TLS 1.0 or its ciphers, or the CA does not match; check the server's minimum TLS version",
    ),
];

/// Explains a SIM800 final result.
pub fn explain(fin: &Final) -> Option<Explanation> {
    if let Final::Vendor { line, .. } = fin
        && line.ends_with("SEND FAIL")
    {
        return Some(Explanation::new(
            "the module could not send the data on the socket",
            "the connection dropped: open it again",
        ));
    }
    explain_common(fin)
}

/// Explains the IP application's own result lines and `+SSLSETCERT:` / `+HTTPACTION:` codes.
pub fn explain_line(text: &str) -> Option<Explanation> {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("+SSLSETCERT:") {
        return match rest.trim() {
            "0" => None,
            other => Some(Explanation::new(
                format!(
                    "the SSL layer refused the file (result {other}; codes other than 0 are undocumented)"
                ),
                "upload the root CA as DER (binary) and import it again; check the file exists (AT+FSLS=C:\\User\\)",
            )),
        };
    }
    if let Some(rest) = text.strip_prefix("+HTTPACTION:") {
        let code = rest.split(',').nth(1)?.trim().parse().ok()?;
        return lookup(HTTP_ERRORS, code);
    }
    // Multi-connection results are `<mux>, <TEXT>` (TinyGSM) or `<mux>,<TEXT>` (AT manual
    // V1.09); single-connection ones are bare.
    let body = match text.split_once(',') {
        Some((mux, rest)) if mux.trim().parse::<u8>().is_ok() => rest.trim(),
        _ => text,
    };
    match body {
        "CONNECT FAIL" => Some(Explanation::new(
            "the TCP or TLS connection failed",
            "SIM800 speaks only SSL 3.0 / TLS 1.0: most servers now require TLS 1.2. Check the host, port and the server's minimum TLS version",
        )),
        "CLOSE OK" | "CLOSED" => Some(Explanation::new(
            "the connection closed during the TLS handshake",
            "the server refused SIM800's TLS 1.0 or the CA does not match the server's chain",
        )),
        "ALREADY CONNECT" => Some(Explanation::new(
            "a connection is already open on this channel",
            "close it (AT+CIPSHUT) and connect again",
        )),
        "PDP: DEACT" | "+PDP: DEACT" => Some(Explanation::new(
            "the data bearer dropped",
            "check signal and APN, then bring the bearer up again",
        )),
        _ => None,
    }
}

/// What a bare `ERROR` means as the answer to each command, by the command's prefix.
const COMMAND_MEANINGS: &[CommandRow] = &[
    (
        &["AT+FSCREATE"],
        "the module could not create the file: it may already exist, or the path is not valid",
        "delete it first (AT+FSDEL) and check the path is C:\\User\\<8.3 name>",
    ),
    (
        &["AT+FSWRITE"],
        "the module refused the write or stopped waiting for the data: the file may be missing, the size over 10240 bytes, flash full, or the bytes came later than <inputtime>",
        "create the file again (AT+FSCREATE) and resend; check free space with AT+FSMEM",
    ),
    (
        &["AT+FSDEL", "AT+FSFLSIZE", "AT+FSREAD"],
        "there is no such file on the module",
        "check the name with AT+FSLS=C:\\User\\",
    ),
    (
        &["AT+FSDRIVE", "AT+FSLS"],
        "this firmware has no flash file system commands, or the drive/directory does not exist",
        "check the firmware (AT+CGMR); certificate upload needs a SIM800 build with FS and SSL commands",
    ),
    (
        &["AT+SSLSETCERT", "AT+SSLSETROOT"],
        "the SSL layer refused to import the file: it is missing, or this firmware lacks the command",
        "check the file exists (AT+FSLS=C:\\User\\) and the firmware supports SSL (AT+CIPSSL=?; R13.08 builds need an update)",
    ),
    (
        &["AT+CIPSSL", "AT+SSLOPT"],
        "this firmware has no SSL (R13.08 builds)",
        "update the firmware to 1308B09 or R14.18 or later",
    ),
    (
        &["AT+CIPMUX", "AT+CIPQSEND"],
        "the IP application is not in its initial state, where these settings are taken, or the value is not 0/1",
        "shut it down first (AT+CIPSHUT) and run the step again",
    ),
    (
        &["AT+CIPRXGET"],
        "the module refused the receive request: manual receive is set only in the initial state, and reads need an open connection on that channel",
        "run the whole test connection again (it sets the mode after AT+CIPSHUT and reads after +CIPRXGET: 1)",
    ),
    (
        &["AT+CGATT"],
        "the module could not attach to the packet service",
        "check the SIM, antenna and registration (AT+CREG?)",
    ),
    (
        &["AT+CSTT", "AT+CIICR", "AT+CIFSR"],
        "the data bearer did not come up (wrong APN, no coverage, or not in the right IP state)",
        "give the SIM's APN (and user/password) and run the test again; check registration (AT+CREG?)",
    ),
    (
        &["AT+CIPSTART"],
        "the module refused to connect: in multi-connection mode it needs AT+CSTT, AT+CIICR and AT+CIFSR first (state IP STATUS)",
        "run the whole test connection again (it does those steps); check the APN",
    ),
    (
        &["AT+CIPCLOSE"],
        "there is no open connection on that channel to close",
        "nothing to close; AT+CIPSHUT closes every connection",
    ),
    (
        &["AT+CIPSEND"],
        "there is no open connection to send on",
        "open the connection again",
    ),
    (
        &["AT+CCLK"],
        "the module refused the clock value",
        "the time must be \"yy/MM/dd,hh:mm:ss+zz\" (quarter hours): check the computer's clock and run the step again",
    ),
];

/// What a bare `ERROR` (or `+CME ERROR`) means as the answer to this command. SIM800
/// answers plain `ERROR` for file-system and IP-state faults; `AT+CMEE` adds no reason.
pub fn explain_command(line: &str, fin: &Final) -> Option<Explanation> {
    if fin.is_ok() || matches!(fin, Final::Vendor { .. }) {
        return None;
    }
    by_command(COMMAND_MEANINGS, line, fin)
}

/// `C:\User\<name>`, refusing characters the unquoted path cannot carry.
fn path(role: Role, name: &str) -> Result<String, PlanError> {
    // [I] 8.3-style names are safe; separators, quotes and commas would split the command.
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        // Upper case as TinyGSM's SIM800_SslSetCert.ino (`C:\\USER\\CERT.CRT`): whether
        // the module folds case is unknown [I], and the listing check needs one spelling.
        Ok(format!("C:\\User\\{}", name.to_ascii_uppercase()))
    } else {
        Err(PlanError::BadName {
            family: FAMILY,
            role,
            name: name.to_owned(),
            why: "use letters, digits, '.', '_' or '-' (8.3 names such as ROOT.CER are safest)"
                .into(),
        })
    }
}

/// Sets the RTC (`+CCLK`); whether SIM800 checks certificate dates is unknown [I], so it is
/// set whenever a time is given.
pub fn plan_set_clock(opts: &Options) -> Plan {
    let mut plan = Plan::new(FAMILY, "set the clock");
    if let Some(t) = opts.unix_time {
        // [C] 3GPP TS 27.007 +CCLK, "yy/MM/dd,hh:mm:ss±zz" (SIM800 AT manual V1.09).
        plan.push("set the module clock (UTC)", Purpose::SetClock, at::cclk(t));
    }
    plan
}

/// Writes the CA file, checks its size, imports it into the SSL layer, configures.
pub fn plan_provision(
    rules: &CredentialRules,
    creds: &Credentials,
    opts: &Options,
) -> Result<Plan, PlanError> {
    // Client credentials, nothing, empty and too large: refused by `driver::check_credentials`.
    let Some(ca) = &creds.ca else {
        return Err(PlanError::Nothing);
    };
    // One AT+FSWRITE takes at most the rules' size (mode 1 appends, should they allow more).
    let part_max = rules.ca.max_bytes.map_or(usize::MAX, |r| r.value);
    let p = path(Role::Ca, &ca.name)?;
    let mut plan = Plan::new(FAMILY, "provision TLS credentials");
    // 1. Select the local flash drive [C GsmCertificate.cpp].
    plan.push_expect(
        "select the local flash drive",
        Purpose::Prepare,
        at::fsdrive_local(),
        Expect::Line {
            prefix: "+FSDRIVE:".into(),
            value: "C".into(),
        },
    );
    plan.extend(plan_set_clock(opts));
    // 2. Whether FSCREATE fails on an existing file is unknown [I]: delete first, so a rerun
    // leaves exactly the new bytes either way; "not found" is fine. FS commands take the
    // path unquoted [C TinyGSM examples/more/SIM800_SslSetCert/SIM800_SslSetCert.ino
    // @4c55210: `+FSCREATE=C:\\USER\\CERT.CRT`].
    plan.push_expect(
        format!("delete an old {p} (an error means there was none)"),
        Purpose::Clean(Role::Ca),
        at::fsdel(&p),
        Expect::Tolerate,
    );
    plan.push(
        format!("create {p}"),
        Purpose::Write(Role::Ca),
        at::fscreate(&p),
    );
    // 3. Write exactly <size> bytes after '>', in parts of at most 10240 (mode 1 appends).
    // [C] SIM800_SslSetCert.ino: `+FSWRITE=<path>,0,<size>,10`, wait for `>`, the bytes,
    // `OK`; openluat SIM800 manual table: <size> <= 10240, mode 1 = append.
    for (i, part) in ca.bytes.chunks(part_max).enumerate() {
        let mode = u8::from(i > 0);
        // The module stops waiting after <inputtime> s: 10 s (TinyGSM) is too short for a
        // full 10240-byte part at 9600 baud (~10.7 s), so allow the bytes' time at 9600
        // baud plus 5 s.
        let input_time = INPUT_TIME.max(part.len().div_ceil(960) as u64 + 5);
        plan.push(
            format!("write {} bytes of the root CA", part.len()),
            Purpose::Write(Role::Ca),
            at::fswrite(&p, mode, part, input_time),
        );
    }
    // 4. Verify by size: the strongest check this module allows (see the module doc).
    // [S] `+FSFLSIZE: <bytes>` (GsmCertificate.cpp reads the size before FSREAD).
    plan.push(
        "check the file's size",
        Purpose::Verify(
            Role::Ca,
            Check::Size {
                prefix: "+FSFLSIZE:".into(),
                bytes: ca.bytes.len(),
            },
        ),
        at::fsflsize(&p),
    );
    // 5. Import into the SSL layer; success is the URC `+SSLSETCERT: 0` [C TinyGSM
    // SIM800_SslSetCert.ino: `+SSLSETCERT="<path>"`, `OK`, then `+SSLSETCERT:` within 5 s].
    plan.push_expect(
        "import the file into the SSL layer",
        Purpose::Bind(Role::Ca),
        at::sslsetcert(&p),
        Expect::OkThenUrc {
            prefix: "+SSLSETCERT:".into(),
            value: Some("0".into()),
            fail: vec![],
            within: secs(5),
        },
    );
    plan.note("SIM800 cannot read the imported certificate back: the file's size is checked, not its content");
    plan.note("no SIM800 command lists or clears what AT+SSLSETCERT imported: provisioning again imports the file again, and what the SSL layer keeps of an earlier import is unknown");
    plan.extend(plan_configure_tls(opts)?);
    Ok(plan)
}

/// Strict certificate checking and SSL for the TCP application.
pub fn plan_configure_tls(opts: &Options) -> Result<Plan, PlanError> {
    if opts.tls_version.is_some_and(|v| v > TlsVersion::Tls10) {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: "use TLS 1.1 or 1.2".into(),
            why: "SIM800 firmware speaks SSL 3.0 and TLS 1.0 only".into(),
        });
    }
    let mut plan = Plan::new(FAMILY, "configure TLS");
    // [C] TinyGSM comment: <opt> 0 = ignore invalid certificate, <enable> 0 = off, so
    // `0,0` keeps checking. (A forum answer in seeds/000 reads it the other way round.)
    plan.push(
        "do not ignore invalid server certificates",
        Purpose::Configure,
        at::sslopt_check(),
    );
    // [C] TinyGSM src/TinyGsmClientSIM800.h @4c55210 modemConnect: `+CIPSSL=1`.
    plan.push(
        "use SSL for TCP connections",
        Purpose::Configure,
        at::cipssl_on(),
    );
    Ok(plan)
}

/// Deletes the file. The SSL layer's imported copy cannot be listed or removed [I].
pub fn plan_remove(creds: &Credentials) -> Result<Plan, PlanError> {
    let mut plan = Plan::new(FAMILY, "remove TLS credentials");
    if let Some(ca) = &creds.ca {
        let p = path(Role::Ca, &ca.name)?;
        // Nothing to delete is not a failure: the listing decides.
        plan.push_expect(
            format!("delete {p} (an error means it was not there)"),
            Purpose::Remove(Role::Ca),
            at::fsdel(&p),
            Expect::Tolerate,
        );
        // [S] `AT+FSLS=C:\\User\\` lists one file name a line, then `OK` (sim800.md §2.1).
        plan.push(
            format!("check {p} is no longer listed"),
            Purpose::Verify(
                Role::Ca,
                Check::NotListed {
                    prefix: String::new(),
                    name: ca.name.to_ascii_uppercase(),
                },
            ),
            at::fsls_user(),
        );
    }
    plan.note(
        "SIM800 has no command to list or delete a certificate already imported with AT+SSLSETCERT",
    );
    Ok(plan)
}

/// TCP application, multi-connection, quick send, manual receive (TinyGSM's sequence [C]).
///
/// The IP application is shut first, whatever an earlier run left open (`AT+CIPSHUT` closes
/// every connection and deactivates the bearer). In multi-connection mode `AT+CIPSTART`
/// then needs `AT+CSTT`, `AT+CIICR` and `AT+CIFSR` (SIM800 Series AT Command Manual V1.09
/// §8.2.2 note), so they are always sent.
pub fn plan_test_connection(opts: &Options) -> Result<Plan, PlanError> {
    let host = quoted_param(FAMILY, "use this host name", &opts.host)?;
    let apn = quoted_param(FAMILY, "use this APN", opts.apn.as_deref().unwrap_or(""))?;
    let mut plan = Plan::new(FAMILY, "test a TLS connection");
    // [C] TinyGSM src/TinyGsmClientSIM800.h @4c55210 gprsDisconnect: `+CIPSHUT`, 60 s;
    // answer `SHUT OK`. Manual V1.09: max response 65 s.
    plan.push(
        "shut the IP application (closes what an earlier run left open)",
        Purpose::Open,
        at::cipshut(),
    );
    // [C] TinyGSM gprsConnect: `+CGATT=1` (60 s) before the CIP settings.
    plan.push("attach to packet service", Purpose::Open, at::cgatt());
    // [C] TinyGSM gprsConnect: `+CIPMUX=1`, `+CIPQSEND=1`, `+CIPRXGET=1`, in IP INITIAL.
    plan.push("several connections", Purpose::Open, at::cipmux_multi());
    plan.push("quick send", Purpose::Open, at::cipqsend_quick());
    plan.push("receive on request", Purpose::Open, at::ciprxget_manual());
    // [C] TinyGSM gprsConnect sends `+CSTT="<apn>","<user>","<pwd>"` even when they are
    // empty; manual V1.09 §8.2.2: needed before CIPSTART in multi-IP mode.
    plan.push(
        match &opts.apn {
            Some(_) => "set the APN",
            None => "set the APN (none given: the network's default)",
        },
        Purpose::Open,
        at::cstt(&apn),
    );
    // [C] TinyGSM: `+CIICR`, 60 s.
    plan.push("bring up the bearer", Purpose::Open, at::ciicr());
    // [C] TinyGSM: `+CIFSR` answers the IP address alone, no `OK`; manual V1.09 §8.2.2:
    // needed before CIPSTART in multi-IP mode (state IP STATUS).
    plan.push(
        "read the local IP address (the module needs it before connecting)",
        Purpose::Open,
        at::cifsr(),
    );
    // [C] TinyGSM modemConnect: `+CIPSSL=1` then `+CIPSTART=<mux>,"TCP","<host>",<port>`,
    // 75 s (manual V1.09: multi-IP max response 75 s); outcomes `<n>, CONNECT OK`,
    // `CONNECT FAIL`, `ALREADY CONNECT`, `CLOSE OK` (failed handshake).
    plan.push("SSL on", Purpose::Open, at::cipssl_on());
    plan.push_expect(
        format!("open TLS to {}:{}", opts.host, opts.port),
        Purpose::Open,
        at::cipstart(&host, opts.port),
        // `0, CONNECT OK` [S TinyGSM] or `0,CONNECT OK` [MAN]: match both.
        Expect::OkThenUrc {
            prefix: "0,".into(),
            value: Some("CONNECT OK".into()),
            fail: vec![],
            within: secs(75),
        },
    );
    // [C] TinyGSM modemSend: `+CIPSEND=<mux>,<len>`, `>`, the bytes, `DATA ACCEPT:<mux>,<n>`.
    let req = opts.request_bytes();
    plan.push_expect(
        format!("send {} bytes", req.len()),
        Purpose::Send,
        at::cipsend(req),
        Expect::OkThenUrc {
            prefix: "+CIPRXGET: 1,0".into(),
            value: None,
            fail: vec!["0, CLOSED".into(), "0,CLOSED".into()],
            within: secs(60),
        },
    );
    // [C] TinyGSM modemRead: `+CIPRXGET=2,<mux>,<size>` answers
    // `+CIPRXGET: 2,<mux>,<n>,<left>`, the bytes, `OK`; at most 1460 a read.
    plan.push(
        "read the response",
        Purpose::Receive,
        at::ciprxget_read(opts.max_response.min(1460)),
    );
    plan.push_expect("close", Purpose::Close, at::cipshut(), Expect::Tolerate);
    Ok(plan)
}

/// One constructor per command this driver sends: the line, its timeout, and the source.
/// "V1.09" is the SIM800 Series AT Command Manual V1.09; TinyGSM is `vshymanskyy/TinyGSM`
/// @4c55210 (`src/TinyGsmClientSIM800.h`, `examples/more/SIM800_SslSetCert`).
mod at {
    use crate::at::{Command, ResponseShape, Trigger};
    use crate::modules::cmd::{Utc, binary_read, line, secs, upload};

    /// `AT+CCLK="yy/MM/dd,hh:mm:ss+zz"` (3GPP TS 27.007 +CCLK; V1.09); 5 s.
    pub fn cclk(unix_time: u64) -> Command {
        line(
            format!("AT+CCLK={}", Utc::from_unix(unix_time).cclk()),
            secs(5),
        )
    }

    /// `AT+FSDRIVE=0` selects the local flash, `+FSDRIVE: C` (GsmCertificate.cpp); 5 s.
    pub fn fsdrive_local() -> Command {
        line("AT+FSDRIVE=0", secs(5))
    }

    /// `AT+FSDEL=<path>`, path unquoted (TinyGSM SIM800_SslSetCert); 5 s.
    pub fn fsdel(path: &str) -> Command {
        line(format!("AT+FSDEL={path}"), secs(5))
    }

    /// `AT+FSCREATE=<path>`, path unquoted (TinyGSM SIM800_SslSetCert); 5 s.
    pub fn fscreate(path: &str) -> Command {
        line(format!("AT+FSCREATE={path}"), secs(5))
    }

    /// `AT+FSWRITE=<path>,<mode>,<size>,<inputtime>`, `>`, exactly `<size>` bytes, `OK`
    /// (TinyGSM SIM800_SslSetCert; openluat manual table: `<size>` <= 10240, mode 1
    /// appends); `<inputtime>` + 2 s.
    pub fn fswrite(path: &str, mode: u8, part: &[u8], input_time: u64) -> Command {
        upload(
            format!("AT+FSWRITE={path},{mode},{},{input_time}", part.len()),
            Trigger::Prompt,
            part.to_vec(),
            None,
            secs(input_time + 2),
        )
    }

    /// `AT+FSFLSIZE=<path>` answers `+FSFLSIZE: <bytes>` (GsmCertificate.cpp reads it before
    /// FSREAD [S]); 5 s.
    pub fn fsflsize(path: &str) -> Command {
        line(format!("AT+FSFLSIZE={path}"), secs(5))
    }

    /// `AT+SSLSETCERT="<path>"`: `OK`, then `+SSLSETCERT: 0` within 5 s (TinyGSM
    /// SIM800_SslSetCert); 5 s.
    pub fn sslsetcert(path: &str) -> Command {
        line(format!("AT+SSLSETCERT=\"{path}\""), secs(5))
    }

    /// `AT+SSLOPT=0,0`: do not ignore invalid certificates (TinyGSM comment: `<opt>` 0 =
    /// ignore invalid certificate, `<enable>` 0 = off); 5 s.
    pub fn sslopt_check() -> Command {
        line("AT+SSLOPT=0,0", secs(5))
    }

    /// `AT+CIPSSL=1`: SSL for the next `AT+CIPSTART` (TinyGSM `modemConnect`); 5 s.
    pub fn cipssl_on() -> Command {
        line("AT+CIPSSL=1", secs(5))
    }

    /// `AT+FSLS=C:\User\`: one file name a line, then `OK` (sim800.md §2.1 [S]); 5 s.
    pub fn fsls_user() -> Command {
        line("AT+FSLS=C:\\User\\", secs(5))
    }

    /// `AT+CIPSHUT` closes every connection and the bearer, `SHUT OK` (TinyGSM
    /// `gprsDisconnect`); 65 s, V1.09's maximum.
    pub fn cipshut() -> Command {
        line("AT+CIPSHUT", secs(65))
    }

    /// `AT+CGATT=1` attaches to packet service (TinyGSM `gprsConnect`); 60 s.
    pub fn cgatt() -> Command {
        line("AT+CGATT=1", secs(60))
    }

    /// `AT+CIPMUX=1`: several connections, in IP INITIAL (TinyGSM `gprsConnect`); 5 s.
    pub fn cipmux_multi() -> Command {
        line("AT+CIPMUX=1", secs(5))
    }

    /// `AT+CIPQSEND=1`: quick send, `DATA ACCEPT` (TinyGSM `gprsConnect`); 5 s.
    pub fn cipqsend_quick() -> Command {
        line("AT+CIPQSEND=1", secs(5))
    }

    /// `AT+CIPRXGET=1`: receive on request (TinyGSM `gprsConnect`); 5 s.
    pub fn ciprxget_manual() -> Command {
        line("AT+CIPRXGET=1", secs(5))
    }

    /// `AT+CSTT=<apn>` with the APN quoted, even empty (TinyGSM `gprsConnect`; V1.09 §8.2.2:
    /// needed before CIPSTART in multi-IP mode); 60 s.
    pub fn cstt(quoted_apn: &str) -> Command {
        line(format!("AT+CSTT={quoted_apn}"), secs(60))
    }

    /// `AT+CIICR` brings up the bearer (TinyGSM); 60 s.
    pub fn ciicr() -> Command {
        line("AT+CIICR", secs(60))
    }

    /// `AT+CIFSR` answers the local IP address alone, no `OK` (TinyGSM; V1.09 §8.2.2); 10 s.
    pub fn cifsr() -> Command {
        Command {
            response: ResponseShape::FirstLine,
            ..line("AT+CIFSR", secs(10))
        }
    }

    /// `AT+CIPSTART=0,"TCP",<host>,<port>`, then `0, CONNECT OK` (TinyGSM `modemConnect`);
    /// 75 s, V1.09's multi-IP maximum.
    pub fn cipstart(quoted_host: &str, port: u16) -> Command {
        line(
            format!("AT+CIPSTART=0,\"TCP\",{quoted_host},{port}"),
            secs(75),
        )
    }

    /// `AT+CIPSEND=0,<len>`, `>`, the bytes, `DATA ACCEPT:0,<n>` (TinyGSM `modemSend`); 30 s.
    pub fn cipsend(bytes: Vec<u8>) -> Command {
        upload(
            format!("AT+CIPSEND=0,{}", bytes.len()),
            Trigger::Prompt,
            bytes,
            None,
            secs(30),
        )
    }

    /// `AT+CIPRXGET=2,0,<n>`: `+CIPRXGET: 2,0,<n>,<left>`, the bytes, `OK`; at most 1460 a
    /// read (TinyGSM `modemRead`); 10 s.
    pub fn ciprxget_read(max: usize) -> Command {
        binary_read(
            format!("AT+CIPRXGET=2,0,{max}"),
            "+CIPRXGET: 2,",
            1,
            secs(10),
        )
    }
}

/// How this family is named (`--module` values, Help, messages).
const NAMES: Names = Names {
    id: "sim800",
    display_name: "SIMCom SIM800",
    models: "SIMCom SIM800 series (SIM800L/C/H, SIM808, SIM868)",
    model_prefixes: &["sim800", "sim808", "sim868"],
    aliases: &[],
};

/// The SIMCom SIM800 driver.
pub struct Sim800;

impl Driver for Sim800 {
    fn family(&self) -> Family {
        FAMILY
    }
    fn names(&self) -> &'static Names {
        &NAMES
    }
    fn identify_probes(&self) -> &'static [Probe] {
        &[Probe::CGMM, Probe::CGMR, PROBE_SSL]
    }
    fn read_probe(&self, probe: Probe, answer: &Answer, found: &mut Findings) -> bool {
        if probe != PROBE_SSL {
            return false;
        }
        let fw_bad = found.firmware.as_deref().is_some_and(firmware_lacks_ssl);
        found.tls = Some(if answer.ok && !fw_bad {
            TlsSupport::Yes
        } else {
            TlsSupport::No {
                why: "this firmware has no SSL (AT+CIPSSL=? failed); R13.08 builds need an upgrade to 1308B09 or R14.18".into(),
            }
        });
        true
    }
    fn model_name_prefix(&self) -> Option<&'static str> {
        Some("SIMCOM_")
    }
    fn firmware_in_id_line(&self, line: &str) -> Option<String> {
        // `ATI` answers `SIM800 R14.18`: the revision after the model word (sim800.md §1).
        line.trim()
            .strip_prefix("SIM800 ")
            .map(|rest| rest.trim().to_owned())
    }
    fn engine_config(&self) -> Config {
        engine_config()
    }
    fn rules(&self) -> CredentialRules {
        SIM800
    }
    /// [S sim800.md 3] SIM800 has no mutual TLS.
    fn no_mutual_tls(&self) -> Option<&'static str> {
        Some(
            "no SIM800 command gives the SSL layer a client key, and SIMCom states client authentication is not supported; provision the root CA only",
        )
    }
    fn recovery(&self) -> Recovery {
        RECOVERY
    }
    fn plan_provision(
        &self,
        rules: &CredentialRules,
        creds: &Credentials,
        opts: &Options,
    ) -> Result<Plan, PlanError> {
        plan_provision(rules, creds, opts)
    }
    fn plan_remove(&self, creds: &Credentials, _opts: &Options) -> Result<Plan, PlanError> {
        plan_remove(creds)
    }
    fn plan_configure_tls(&self, _creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
        plan_configure_tls(opts)
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

// ESC cancels data after the `>` prompt: "Ctrl-Z is used as a termination
// symbol. ESC is used to cancel sending data" (SIM800 Series AT Command Manual
// V1.05 p.216, AT+CIPSEND; the same words in SIM900 V1.07 p.188). AT+FSWRITE
// gives up after the input time the flow itself sends (10 s, up to 16 s for a
// full 10240-byte part, sim800::plan_provision) and answers ~2 s later;
// AT+CIPSEND=<n> has no documented timeout, hence filling.
const RECOVERY: Recovery = Recovery {
    probe: "AT",
    abort: b"\x1b",
    escape_online: false,
    data_timeout: Duration::from_secs(18),
    max_data: 10240,
};

// --- Credential rules -----------------------------------------------------------------------

// --- SIMCom SIM800 (sim800.md) -------------------------------------------------------------

/// `AT+FSWRITE` takes at most 10240 bytes per command [C sim800.md 2.2]; atcert writes a
/// credential in one command, so that is the limit here.
const SIM800_FSWRITE_MAX: Rule<usize> = Rule::c(
    10240,
    "sim800.md 2.2: AT+FSWRITE <size> max 10240 bytes per command",
);

const SIM800_CERT: RoleRules = RoleRules {
    // App note: files to import must be DER [S]; TinyGSM also uploads PEM with LF [C].
    accepted: Rule::c(
        DER_PEM,
        "sim800.md 2.3: app note says DER; TinyGSM's PEM (LF) upload also works",
    ),
    send_as: Encoding::Der,
    line_endings: Rule::i(
        AcceptedLineEndings::LfOrCrLf,
        "sim800.md 2.3: TinyGSM PEM uses LF",
    ),
    trailing_newline: Rule::i(TrailingNewline::Optional, "sim800.md 2.3"),
    max_bytes: Some(SIM800_FSWRITE_MAX),
    key_types: Rule::i(RSA, "sim800.md 6: RSA only as far as any report goes"),
    rsa_bits: Rule::i(
        (1024, 2048),
        "sim800.md 6: 2048-bit RSA reported working, maximum unknown",
    ),
    signature_hashes: Some(Rule::i(
        &[HashAlg::Md5, HashAlg::Sha1, HashAlg::Sha256],
        "sim800.md 6: SSL 3.0/TLS 1.0 stack, hashes undocumented",
    )),
    key_encodings: Rule::i(NO_KEY, "not a key"),
    encrypted_key: Rule::i(false, "not a key"),
    bundle: Rule::i(false, "sim800.md 3: one file per AT+SSLSETCERT/SSLSETROOT"),
    storage: Rule::c(
        Storage::File {
            path: "C:\\USER\\ROOT.CER",
        },
        "sim800.md 4.4: C:\\USER\\ROOT.CER then AT+SSLSETROOT",
    ),
};

const SIM800: CredentialRules = CredentialRules {
    family: "sim800",
    ca: SIM800_CERT,
    client_cert: RoleRules {
        bundle: Rule::i(false, "sim800.md 3: one certificate per file"),
        storage: Rule::i(
            Storage::File {
                path: "C:\\USER\\CLIENT.CRT",
            },
            "sim800.md 2.1: 8.3 names in C:\\User\\",
        ),
        ..SIM800_CERT
    },
    client_key: RoleRules {
        key_encodings: Rule::i(
            &[KeyEncoding::Pkcs1],
            "sim800.md 3: no key command documented; PKCS#1 DER assumed",
        ),
        encrypted_key: Rule::i(false, "sim800.md 3: SSLSETCERT password semantics unknown"),
        storage: Rule::i(
            Storage::File {
                path: "C:\\USER\\CLIENT.KEY",
            },
            "sim800.md 2.1: 8.3 names in C:\\User\\",
        ),
        ..SIM800_CERT
    },
    mutual_tls: Rule::s(
        Support::FirmwareDependent,
        "sim800.md 3: SIMCom said SSLOPT=1,1 (client auth) is not supported on their firmware",
    ),
    clock: Rule::i(ClockCheck::Unknown, "sim800.md 6: date checks unknown"),
    ca_choice: Rule::i(
        CaChoice::Root,
        "sim800.md 3: AT+SSLSETROOT imports a root CA",
    ),
    tls_versions: Rule::s("SSL 3.0, TLS 1.0", "sim800.md 6"),
};

/// `AT+CIPSSL=?` answers `+CIPSSL: (0-1)` where the firmware has SSL and `ERROR` where it
/// has not: TinyGSM's `hasSSL()` (sim800.md §1 [C]). 2 s.
const PROBE_SSL: Probe = Probe::new("AT+CIPSSL=?", 2);

/// SIM800 R13.08 builds have no usable SSL [S]; anything else is decided by `AT+CIPSSL=?`.
fn firmware_lacks_ssl(fw: &str) -> bool {
    fw.starts_with("1308")
}

/// Boot lines and the IP application's own results (sim800.md §5).
fn engine_config() -> Config {
    Config::default()
        .with_urc_prefixes(&[
            "Call Ready",
            "SMS Ready",
            "+CFUN:",
            "+SSLSETCERT:",
            "+CIPRXGET: 1",
            "+HTTPACTION:",
            "+PDP: DEACT",
            "CLOSED",
            // `CONNECT OK` / `<mux>, CONNECT OK` / `<mux>, CLOSED` after the command's own
            // `OK` (sim800.md §5; TinyGSM waits for each).
            "CONNECT OK",
            "CONNECT FAIL",
            "ALREADY CONNECT",
            "0, ",
            "1, ",
            "2, ",
            "3, ",
            "4, ",
            "5, ",
        ])
        .with_vendor_finals([
            VendorFinal::success(LineMatch::Exact("SHUT OK".into())),
            VendorFinal::success(LineMatch::Suffix("SEND OK".into())),
            VendorFinal::success(LineMatch::Prefix("DATA ACCEPT".into())),
            // `AT+CIPCLOSE=0,1` answers `0, CLOSE OK` (no `OK`).
            VendorFinal::success(LineMatch::Suffix("CLOSE OK".into())),
            VendorFinal::failure(LineMatch::Suffix("SEND FAIL".into())),
        ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::plan::Credential;

    #[test]
    fn explains_every_documented_failure() {
        for code in 600..=606 {
            assert!(explain_line(&format!("+HTTPACTION: 0,{code},0")).is_some());
        }
        assert!(explain_line("+HTTPACTION: 0,200,1256").is_none());
        assert!(explain_line("0, CONNECT FAIL").is_some_and(|e| e.next_step.contains("TLS 1.0")));
        assert!(explain_line("CONNECT FAIL").is_some());
        assert!(explain_line("0, CLOSE OK").is_some());
        assert!(explain_line("+SSLSETCERT: 1").is_some());
        assert!(explain_line("+SSLSETCERT: 0").is_none());
        assert!(
            explain(&Final::Vendor {
                code: None,
                line: "0, SEND FAIL".into()
            })
            .is_some()
        );
    }

    #[test]
    fn large_files_are_appended_in_parts_and_client_keys_refused() {
        let creds = Credentials {
            ca: Some(Credential {
                bytes: vec![0x30; 12_000],
                name: "ROOT.CER".into(),
            }),
            ..Credentials::default()
        };
        let plan = plan_provision(&SIM800, &creds, &Options::default()).unwrap();
        let lines: Vec<String> = plan
            .steps
            .iter()
            .map(|s| String::from_utf8_lossy(&s.command.line).into_owned())
            .collect();
        assert!(lines.contains(&"AT+FSWRITE=C:\\User\\ROOT.CER,0,10240,16".to_owned()));
        assert!(lines.contains(&"AT+FSWRITE=C:\\User\\ROOT.CER,1,1760,10".to_owned()));
        let mutual = Credentials {
            client_key: Some(Credential {
                bytes: vec![1],
                name: "K".into(),
            }),
            ..creds
        };
        assert!(matches!(
            crate::modules::plan_provision(FAMILY, &mutual, &Options::default()),
            Err(PlanError::Unsupported { .. })
        ));
        let bad = Credentials {
            ca: Some(Credential {
                bytes: vec![1],
                name: "a,b".into(),
            }),
            ..Credentials::default()
        };
        assert!(matches!(
            plan_provision(&SIM800, &bad, &Options::default()),
            Err(PlanError::BadName { .. })
        ));
    }
}
