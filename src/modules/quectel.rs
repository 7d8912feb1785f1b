//! Quectel BG96 / BG95 / BG77 / BG600L / EG91 / EC200U (and EC25/EG25): files uploaded with
//! `AT+QFUPL`, SSL contexts set with `AT+QSSLCFG`, TLS through `AT+QSSLOPEN`
//! (shared/reference/modules/quectel.md; the audit is `tests/audit/quectel.md`).
//!
//! Verification: the module answers every upload with `+QFUPL: <size>,<checksum>`, the
//! checksum computed over what it stored (a 16-bit XOR, audit 2.4). Both the size and the
//! checksum must equal ours; then `AT+QFLST` must report the stored size. A checksum is not
//! a cryptographic digest, but any single changed byte changes it.
//!
//! Every flow starts from whatever an earlier run left: a file is always deleted before it
//! is uploaded (an existing name is refused with 407, and an interrupted upload leaves a
//! truncated file behind, audit 2.2), and a test connection first closes the client id.

use core::time::Duration;

use crate::at::{Config, Final, LineMatch, VendorFinal};
use crate::cert::lint::{
    AcceptedLineEndings, CaChoice, ClockCheck, CredentialRules, Encoding, KeyEncoding, RoleRules,
    Rule, Storage, Support, TrailingNewline,
};
use crate::modules::Family;
use crate::modules::cmd::{quoted, quoted_param, secs};
use crate::modules::driver::{Driver, Names, Recovery};
use crate::modules::explain::{
    CommandRow, Explanation, Row, by_command, cme_number, explain_common, lookup,
};
use crate::modules::plan::{
    Check, Credentials, Expect, Options, Plan, PlanError, Proves, Purpose, Role, TlsVersion,
};
use crate::modules::rules::{ALL_HASHES_BUT_MD, NO_KEY, PEM, RSA_P256};

const FAMILY: Family = Family::Quectel;
/// The client id of the test connection (0-11, audit 2.7).
const CLIENT: u8 = 1;
/// The PDP context the test connection uses (ZBG, reference 4.1).
const PDP: u8 = 1;
/// `<timeout>` atcert gives `AT+QFUPL`: seconds the module waits for the data (QFM: 1-65535,
/// default 5; AWS and EC200L pass 100, G1 60).
const UPLOAD_TIMEOUT: u64 = 60;
/// Longest file name with its `UFS:` drive: EC200U allows paths of 58 bytes (reference 2,
/// [Q8]), BG96 80 (QFM). The shorter limit is safe on every model.
const MAX_NAME: usize = 58;
/// Largest `AT+QSSLRECV` read (reference 6: 1-1500).
const MAX_RECV: usize = 1500;
/// Largest `AT+QSSLSEND` (reference 4: 1-1460).
const MAX_SEND: usize = 1460;

/// The 16-bit XOR checksum of `+QFUPL` / `+QFDWL` over `data` read as big-endian byte
/// pairs (audit 2.4, verified on three real answers). `odd_high`: an odd last byte is the
/// high byte of the last word (QFU's wording, matching every real sample); otherwise the
/// low byte, the other reading the brief asks to accept.
pub fn checksum(data: &[u8], odd_high: bool) -> u16 {
    data.chunks(2).fold(0u16, |acc, pair| {
        let word = match *pair {
            [hi, lo] => u16::from_be_bytes([hi, lo]),
            [b] if odd_high => u16::from(b) << 8,
            [b] => u16::from(b),
            _ => 0,
        };
        acc ^ word
    })
}

/// Every way the module may print the checksum of `data`: either padding of an odd last
/// byte, with and without leading zeros (`%x` seen, `%04x` unknown; case is compared
/// without regard, audit 2.4 switch `qfupl_checksum_format`).
pub fn checksum_forms(data: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for odd_high in [true, false] {
        let sum = checksum(data, odd_high);
        for form in [format!("{sum:x}"), format!("{sum:04x}")] {
            if !out.contains(&form) {
                out.push(form);
            }
        }
    }
    out
}

/// `+CME ERROR: <n>` codes of the FILE commands (reference 2.5 [Q3]; 405 confirmed by ZBG,
/// 407 by VEC3 and EXIST).
pub const FILE_ERRORS: &[Row] = &[
    (
        400,
        "invalid input value",
        "check the file name: ASCII letters, digits, '.', '_' only",
    ),
    (
        401,
        "larger than the size of the file",
        "run the step again; if it repeats, power-cycle the module",
    ),
    (
        402,
        "read zero byte",
        "the data did not arrive: run the upload again",
    ),
    (
        403,
        "the drive is full",
        "delete old files (AT+QFLST=\"*\" lists them, AT+QFDEL deletes one), then upload again",
    ),
    (
        405,
        "file not found",
        "nothing to delete is fine; after an upload it means the file was lost: provision again",
    ),
    (
        406,
        "invalid file name",
        "use a short ASCII name (at most 58 bytes with its UFS: drive)",
    ),
    (
        407,
        "the file already exists",
        "delete it first (AT+QFDEL; atcert's provision does this) and upload again",
    ),
    (
        409,
        "failed to write the file",
        "power-cycle the module and provision again",
    ),
    (
        410,
        "failed to open the file",
        "power-cycle the module and provision again",
    ),
    (
        411,
        "failed to read the file",
        "power-cycle the module and provision again",
    ),
    (
        413,
        "too many files are open",
        "close what holds them or power-cycle the module",
    ),
    (414, "the file is read-only", "use another file name"),
    (
        416,
        "invalid file descriptor",
        "power-cycle the module and run the step again",
    ),
    (
        417,
        "failed to list the file",
        "run the step again, then power-cycle the module",
    ),
    (
        418,
        "failed to delete the file",
        "run the step again, then power-cycle the module",
    ),
    (
        419,
        "failed to get the disk information",
        "run the step again, then power-cycle the module",
    ),
    (
        420,
        "no space left",
        "delete old files (AT+QFLST=\"*\", AT+QFDEL) and upload again",
    ),
    (
        421,
        "time out: the data did not arrive within the upload's timeout",
        "check the serial line and flow control (AT+IFC=2,2 on EC200U), then provision again",
    ),
    (
        423,
        "the file is too large",
        "the file is larger than the free space or the module's limit: upload only the root CA",
    ),
    (
        425,
        "invalid parameter",
        "check the command's syntax and the file size",
    ),
    (
        426,
        "the file is already open",
        "close it or power-cycle the module",
    ),
];

/// TCP/IP and SSL `<err>` codes of `+QSSLOPEN: <id>,<err>` and `AT+QIGETERROR` (QTCP Table 2;
/// reference 5). There is no separate TLS alert code: a refused handshake is 566 or 569.
pub const TCP_ERRORS: &[Row] = &[
    (0, "operation succeeded", "nothing to do"),
    (550, "unknown error", "power-cycle the module and try again"),
    (
        551,
        "operation blocked",
        "wait for the running operation to end, then retry",
    ),
    (
        552,
        "invalid parameters",
        "check the host, port, client id (0-11) and SSL context (0-5); after many open/close cycles only a power cycle helps",
    ),
    (
        553,
        "not enough memory",
        "use a shorter certificate chain or a smaller key, or power-cycle the module",
    ),
    (
        554,
        "socket creation failed",
        "close other sockets (AT+QSSLCLOSE, AT+QICLOSE) and retry",
    ),
    (
        555,
        "operation not supported",
        "this firmware lacks the setting or mode asked for",
    ),
    (
        556,
        "socket bind failed",
        "retry; power-cycle if it repeats",
    ),
    (
        557,
        "socket listen failed",
        "retry; power-cycle if it repeats",
    ),
    (
        558,
        "socket write failed",
        "the connection broke: open it again",
    ),
    (
        559,
        "socket read failed",
        "the connection broke: open it again",
    ),
    (560, "socket accept failed", "retry"),
    (
        561,
        "the PDP context could not be opened",
        "check the APN (AT+QICSGP=1) and registration (AT+CEREG?), then run the test again",
    ),
    (
        562,
        "the PDP context could not be closed",
        "power-cycle the module",
    ),
    (
        563,
        "this client id is already in use",
        "close it (AT+QSSLCLOSE=<id>; atcert's test does this first) or use another id",
    ),
    (564, "DNS busy", "wait a moment and retry"),
    (
        565,
        "DNS lookup failed",
        "check the host name and the network's DNS",
    ),
    (
        566,
        "the connection failed: TCP connect or TLS handshake refused",
        "check host and port; for TLS check that the CA is the root of the server's chain, that the server accepts the client certificate, that SNI is on (AT+QSSLCFG=\"sni\") and the clock is right when dates are checked",
    ),
    (
        567,
        "the socket has been closed",
        "open the connection again",
    ),
    (568, "operation busy", "wait and retry"),
    (
        569,
        "operation timed out (TCP connect or TLS handshake)",
        "check signal and the server; a wrong CA or an unaccepted client certificate also ends here on some firmware",
    ),
    (
        570,
        "the PDP context broke down",
        "reactivate it (AT+QIACT=1) and retry",
    ),
    (571, "sending was cancelled", "send again"),
    (
        572,
        "operation not allowed",
        "close the client id first and check the module is registered",
    ),
    (
        573,
        "APN not configured",
        "give the APN (--apn): atcert sets it with AT+QICSGP",
    ),
    (574, "port busy", "close other connections and retry"),
];

/// Explains a final result: file errors, TCP/IP errors, then the 3GPP ones.
pub fn explain(fin: &Final) -> Option<Explanation> {
    match fin {
        Final::Vendor { line, .. } if line.trim() == "SEND FAIL" => Some(Explanation::new(
            "the module's send buffer is full",
            "wait for the server to read, then send again",
        )),
        _ => cme_number(fin)
            .and_then(|n| lookup(FILE_ERRORS, n).or_else(|| lookup(TCP_ERRORS, n)))
            .or_else(|| explain_common(fin)),
    }
}

/// Explains a line reporting a failure: `+QSSLOPEN: <id>,<err>`, `+QIGETERROR: <err>,...`,
/// the peer's close.
pub fn explain_line(text: &str) -> Option<Explanation> {
    if let Some(rest) = text.strip_prefix("+QSSLOPEN:") {
        let code = rest.rsplit(',').next()?.trim().parse().ok()?;
        return lookup(TCP_ERRORS, code);
    }
    if let Some(rest) = text.strip_prefix("+QIGETERROR:") {
        let code = rest.split(',').next()?.trim().parse().ok()?;
        return lookup(TCP_ERRORS, code);
    }
    if text.starts_with("+QSSLURC: \"closed\"") {
        return Some(Explanation::new(
            "the server closed the TLS connection",
            "the server may require a client certificate or refuse this one; check its log and the files bound with AT+QSSLCFG",
        ));
    }
    None
}

/// What a bare `ERROR` means as the answer to each command.
const COMMAND_MEANINGS: &[CommandRow] = &[
    (
        &["AT+QFUPL"],
        "the module refused the upload: a file of that name exists, the name is invalid, or the size is 0 or over the free space",
        "delete the file first (AT+QFDEL), use a short ASCII name, check the free space (AT+QFLDS=\"UFS\")",
    ),
    (
        &["AT+QFDEL"],
        "there is no file of that name",
        "nothing to delete: AT+QFLST=\"*\" lists the files",
    ),
    (
        &["AT+QFLST"],
        "the file is not there",
        "provision again: the upload did not leave the file",
    ),
    (
        &["AT+QSSLCFG=\"SNI\""],
        "this firmware has no SNI setting",
        "nothing to do; a server that needs SNI will refuse the handshake (566)",
    ),
    (
        &["AT+QSSLCFG"],
        "the module refused this SSL context setting (unknown item, value out of range, context not 0-5)",
        "item names are lower case; check the firmware has the setting (AT+QSSLCFG=?)",
    ),
    (
        &["AT+QICSGP"],
        "the module refused the APN settings",
        "check the APN and the context id (1-16)",
    ),
    (
        &["AT+QIACT"],
        "the PDP context could not be activated, or it is already active",
        "check registration (AT+CEREG?) and the APN; AT+QIACT? shows an active context",
    ),
    (
        &["AT+QSSLOPEN"],
        "the module refused to open: the client id is in use or the parameters are out of range",
        "close the client id (AT+QSSLCLOSE) and run the test again",
    ),
    (
        &["AT+QSSLSEND"],
        "no open TLS connection on this client id, or the length is over 1460 bytes",
        "open the connection again; send a shorter request",
    ),
    (
        &["AT+QSSLRECV"],
        "no connection on this client id",
        "open the connection again and read after +QSSLURC: \"recv\"",
    ),
    (
        &["AT+QSSLCLOSE"],
        "there is no connection on this client id",
        "nothing to close",
    ),
    (
        &["AT+CCLK"],
        "the module refused the clock value",
        "the time must be \"yy/MM/dd,hh:mm:ss+zz\": check the computer's clock and run the step again",
    ),
];

/// What a refusal means as the answer to `line`: a documented code first, then the
/// command's own reading of a bare `ERROR`.
pub fn explain_command(line: &str, fin: &Final) -> Option<Explanation> {
    if fin.is_ok() {
        return None;
    }
    if let Some(e) =
        cme_number(fin).and_then(|n| lookup(FILE_ERRORS, n).or_else(|| lookup(TCP_ERRORS, n)))
    {
        return Some(e);
    }
    by_command(COMMAND_MEANINGS, line, fin)
}

/// `UFS:<name>`, checked against what every model accepts.
fn file_name(role: Role, name: &str) -> Result<String, PlanError> {
    let bad = |why: &str| PlanError::BadName {
        family: FAMILY,
        role,
        name: name.to_owned(),
        why: why.to_owned(),
    };
    let bare = name.strip_prefix("UFS:").unwrap_or(name);
    let full = format!("UFS:{bare}");
    if bare.is_empty() || full.len() > MAX_NAME {
        return Err(bad(
            "names are 1 to 54 bytes (58 with the UFS: drive, EC200U's limit)",
        ));
    }
    if !bare
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(bad("use ASCII letters, digits, '.', '_' and '-' only"));
    }
    Ok(full)
}

/// The upload's answer: exactly the size sent and our checksum in one of its forms.
fn upload_check(bytes: &[u8]) -> Check {
    let sum = |expected: String| Check::Reported {
        prefix: "+QFUPL:".into(),
        field: 1,
        expected,
        what: "upload checksum".into(),
        marker: None,
        proves: Proves::Digest,
    };
    Check::All(vec![
        Check::Reported {
            prefix: "+QFUPL:".into(),
            field: 0,
            expected: bytes.len().to_string(),
            what: "bytes received".into(),
            marker: None,
            proves: Proves::Property,
        },
        Check::Any(checksum_forms(bytes).into_iter().map(sum).collect()),
    ])
}

/// `AT+QFLST` names the file with or without its drive (audit 2.4, switch `qflst_prefix`).
fn listed_size(full: &str, bytes: usize) -> Check {
    let bare = full.strip_prefix("UFS:").unwrap_or(full);
    Check::Any(
        [full, bare]
            .into_iter()
            .map(|n| Check::Size {
                prefix: format!("+QFLST: \"{n}\","),
                bytes,
            })
            .collect(),
    )
}

/// Sets the clock when a time is given: the module checks dates only with
/// `ignorelocaltime` 0, which [`plan_configure_tls`] sets exactly then.
pub fn plan_set_clock(opts: &Options) -> Plan {
    let mut plan = Plan::new(FAMILY, "set the clock");
    if let Some(t) = opts.unix_time {
        plan.push(
            "set the module clock (UTC) so certificate dates can be checked",
            Purpose::SetClock,
            at::cclk(t),
        );
    }
    plan
}

/// Deletes, uploads (judged by the module's size and checksum), lists each credential,
/// then configures the SSL context.
pub fn plan_provision(creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
    let mut plan = Plan::new(FAMILY, "provision TLS credentials");
    plan.push("numeric error codes", Purpose::Prepare, at::cmee());
    plan.extend(plan_set_clock(opts));
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let name = file_name(role, &c.name)?;
        // 407 on an existing name, and a truncated file after an interrupted upload: always
        // delete first; 405 (nothing there) is fine, the upload's answer decides.
        plan.push_expect(
            format!("delete an old {name} (an error means there was none)"),
            Purpose::Clean(role),
            at::qfdel(&name),
            Expect::Tolerate,
        );
        plan.push(
            format!("upload the {role} as {name}; the module answers its size and checksum"),
            Purpose::Verify(role, upload_check(&c.bytes)),
            at::qfupl(&name, &c.bytes),
        );
    }
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let name = file_name(role, &c.name)?;
        plan.push(
            format!(
                "check the module stores {name} with {} bytes",
                c.bytes.len()
            ),
            Purpose::Verify(role, listed_size(&name, c.bytes.len())),
            at::qflst(&name),
        );
    }
    plan.note("Quectel reports a 16-bit XOR checksum of what it stored: a changed byte is caught, but it is not a cryptographic digest");
    plan.extend(plan_configure_tls(creds, opts)?);
    Ok(plan)
}

/// `AT+QSSLCFG` for one SSL context: version, ciphers, security level, files, dates, SNI.
pub fn plan_configure_tls(creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
    let ctx = opts.context;
    if ctx > 5 {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: format!("use SSL context {ctx}"),
            why: "SSL contexts are 0 to 5".into(),
        });
    }
    let version = match opts.tls_version {
        None => 4,
        Some(TlsVersion::Ssl3) => 0,
        Some(TlsVersion::Tls10) => 1,
        Some(TlsVersion::Tls11) => 2,
        Some(TlsVersion::Tls12) => 3,
        Some(TlsVersion::Tls13) => {
            return Err(PlanError::Unsupported {
                family: FAMILY,
                what: "ask for TLS 1.3".into(),
                why: "AT+QSSLCFG \"sslversion\" goes up to TLS 1.2 (3), or 4 for all".into(),
            });
        }
    };
    let mut plan = Plan::new(FAMILY, "configure TLS");
    plan.push(
        "allow the TLS versions asked for",
        Purpose::Configure,
        at::qsslcfg("sslversion", ctx, version),
    );
    plan.push(
        "allow every cipher suite the module has",
        Purpose::Configure,
        at::qsslcfg("ciphersuite", ctx, "0XFFFF"),
    );
    let level = if creds.mutual() {
        2
    } else {
        u8::from(creds.ca.is_some())
    };
    plan.push(
        match level {
            2 => "check the server and present the client certificate",
            1 => "check the server against the CA",
            _ => "no authentication (no CA given)",
        },
        Purpose::Configure,
        at::qsslcfg("seclevel", ctx, level),
    );
    for (role, item) in [
        (Role::Ca, "cacert"),
        (Role::ClientCert, "clientcert"),
        (Role::ClientKey, "clientkey"),
    ] {
        if let Some(c) = creds.get(role) {
            let name = file_name(role, &c.name)?;
            let value = quoted(&name).unwrap_or_default();
            plan.push(
                format!("use {name} as the {role}"),
                Purpose::Configure,
                at::qsslcfg(item, ctx, value),
            );
        }
    }
    // The default is not known (audit 2.6): always set it.
    let ignore = u8::from(opts.unix_time.is_none());
    plan.push(
        if ignore == 0 {
            "check certificate dates against the clock just set"
        } else {
            "ignore certificate dates (the clock was not set)"
        },
        Purpose::Configure,
        at::qsslcfg("ignorelocaltime", ctx, ignore),
    );
    if opts.sni {
        plan.push_expect(
            "send SNI (firmware without this setting answers ERROR, tolerated)",
            Purpose::Configure,
            at::qsslcfg("sni", ctx, 1),
            Expect::Tolerate,
        );
    }
    Ok(plan)
}

/// Deletes the files and checks the list no longer names them.
pub fn plan_remove(creds: &Credentials) -> Result<Plan, PlanError> {
    let mut plan = Plan::new(FAMILY, "remove TLS credentials");
    plan.push("numeric error codes", Purpose::Prepare, at::cmee());
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let name = file_name(role, &c.name)?;
        plan.push_expect(
            format!("delete {name} (an error means it was not there)"),
            Purpose::Remove(role),
            at::qfdel(&name),
            Expect::Tolerate,
        );
    }
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let name = file_name(role, &c.name)?;
        let bare = name.strip_prefix("UFS:").unwrap_or(&name).to_owned();
        plan.push(
            format!("check {name} is no longer listed"),
            Purpose::Verify(
                role,
                Check::All(
                    [name.clone(), bare]
                        .into_iter()
                        .map(|n| Check::NotListed {
                            prefix: "+QFLST:".into(),
                            name: n,
                        })
                        .collect(),
                ),
            ),
            at::qflst_all(),
        );
    }
    Ok(plan)
}

/// Activates PDP context 1, opens TLS on client id 1 in buffer mode, sends the request,
/// reads once the module announces data, closes. A client id an earlier run left open is
/// closed first.
pub fn plan_test_connection(opts: &Options) -> Result<Plan, PlanError> {
    let host = quoted_param(FAMILY, "use this host name", &opts.host)?;
    let ctx = opts.context;
    if ctx > 5 {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: format!("use SSL context {ctx}"),
            why: "SSL contexts are 0 to 5".into(),
        });
    }
    let req = opts.request_bytes();
    if req.len() > MAX_SEND {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: format!("send a {}-byte request", req.len()),
            why: format!("AT+QSSLSEND takes at most {MAX_SEND} bytes"),
        });
    }
    let mut plan = Plan::new(FAMILY, "test a TLS connection");
    plan.push_expect(
        "close a connection an earlier run left open (an error means there was none)",
        Purpose::Prepare,
        at::qsslclose(),
        Expect::Tolerate,
    );
    if let Some(apn) = &opts.apn {
        let apn = quoted_param(FAMILY, "use this APN", apn)?;
        plan.push(
            format!("set the APN of PDP context {PDP}"),
            Purpose::Open,
            at::qicsgp(&apn),
        );
    }
    // An already active context answers ERROR on some firmware [I]: tolerated; a context
    // that is really down shows as 561 in the open below.
    plan.push_expect(
        format!("activate PDP context {PDP} (an error may mean it is already active)"),
        Purpose::Open,
        at::qiact(),
        Expect::Tolerate,
    );
    plan.push_expect(
        format!("open TLS to {}:{}", opts.host, opts.port),
        Purpose::Open,
        at::qsslopen(ctx, &host, opts.port),
        Expect::OkThenUrc {
            prefix: format!("+QSSLOPEN: {CLIENT},"),
            value: Some("0".into()),
            fail: vec![],
            // The module's own handshake limit is negotiatetime, 300 s by default.
            within: secs(310),
        },
    );
    plan.push_expect(
        format!("send {} bytes", req.len()),
        Purpose::Send,
        at::qsslsend(req),
        Expect::OkThenUrc {
            prefix: format!("+QSSLURC: \"recv\",{CLIENT}"),
            value: None,
            fail: vec![format!("+QSSLURC: \"closed\",{CLIENT}")],
            within: secs(60),
        },
    );
    let most = opts.max_response.clamp(1, MAX_RECV);
    plan.push(
        format!("read up to {most} bytes"),
        Purpose::Receive,
        at::qsslrecv(most),
    );
    plan.push_expect(
        "close the connection",
        Purpose::Close,
        at::qsslclose(),
        Expect::Tolerate,
    );
    Ok(plan)
}

/// One constructor per command this driver sends: the line, its timeout, and the source.
/// Keys are the audit's (`tests/audit/quectel.md`): QFM = Quectel BG96 FILE AT Commands
/// Manual; ZBG = the Zephyr `quectel_bg95` SSL driver; VEC1/VEC3 = public BG95 / STM32
/// firmware with real `+QFUPL` answers; EC200L = `MISTERNEGATIVE21/QuectelEC200U` @f35ffa6;
/// OPEN = public STM32 flows matching `+QSSLOPEN: 1,0`; AWS = BG96 + AWS IoT tutorial.
mod at {
    use core::fmt::Display;

    use super::{CLIENT, PDP, UPLOAD_TIMEOUT};
    use crate::at::{Command, Trigger};
    use crate::modules::cmd::{Utc, binary_read, line, secs, upload};

    /// `AT+CMEE=1`: numeric `+CME ERROR` codes, so 405 and 407 can be told apart (AWS sends
    /// `AT+CMEE=2`; 3GPP TS 27.007 9.1); 1 s.
    pub fn cmee() -> Command {
        line("AT+CMEE=1", secs(2))
    }

    /// `AT+CCLK="yy/MM/dd,hh:mm:ss+zz"` (3GPP TS 27.007 +CCLK; reference 4); 5 s.
    pub fn cclk(unix_time: u64) -> Command {
        line(
            format!("AT+CCLK={}", Utc::from_unix(unix_time).cclk()),
            secs(5),
        )
    }

    /// `AT+QFDEL="<name>"`: `OK`, or `+CME ERROR: 405` when absent (ZBG `delete_file_matches`;
    /// VEC3 deletes before uploading again); 10 s as ZBG's script.
    pub fn qfdel(name: &str) -> Command {
        line(format!("AT+QFDEL=\"{name}\""), secs(10))
    }

    /// `AT+QFUPL="<name>",<size>,<timeout>`: `CONNECT`, exactly `<size>` bytes with no
    /// terminator, then `+QFUPL: <size>,<checksum>` and `OK` (QFM §2; VEC1, VEC3, AWS;
    /// fwupd `fu-dfota-updater.c` parses the same line). The command waits the module's
    /// own data timeout and a margin.
    pub fn qfupl(name: &str, bytes: &[u8]) -> Command {
        upload(
            format!("AT+QFUPL=\"{name}\",{},{UPLOAD_TIMEOUT}", bytes.len()),
            Trigger::Line("CONNECT".into()),
            bytes.to_vec(),
            None,
            secs(UPLOAD_TIMEOUT + 15),
        )
    }

    /// `AT+QFLST="<name>"`: `+QFLST: "<name>",<size>` then `OK` (EC200L `qflst_size`, ZBG
    /// `on_cmd_file_list`, VEC2); 5 s.
    pub fn qflst(name: &str) -> Command {
        line(format!("AT+QFLST=\"{name}\""), secs(5))
    }

    /// `AT+QFLST="*"`: one `+QFLST: "<name>",<size>` line a file in UFS (reference 2.2;
    /// a real BG96 listing in the Quectel forum log, QFORUM); 5 s.
    pub fn qflst_all() -> Command {
        line("AT+QFLST=\"*\"", secs(5))
    }

    /// `AT+QSSLCFG="<item>",<ctx>,<value>`, item lower case, only file names quoted (ZBG,
    /// AWS, EC200L, OPEN); 10 s as ZBG.
    pub fn qsslcfg(item: &str, ctx: u8, value: impl Display) -> Command {
        line(format!("AT+QSSLCFG=\"{item}\",{ctx},{value}"), secs(10))
    }

    /// `AT+QICSGP=1,1,"<apn>","","",1`: IPv4, no user, PAP (ZBG uses 3; reference 4 uses 1;
    /// with no user name the method is not used); 5 s.
    pub fn qicsgp(quoted_apn: &str) -> Command {
        line(
            format!("AT+QICSGP={PDP},1,{quoted_apn},\"\",\"\",1"),
            secs(5),
        )
    }

    /// `AT+QIACT=1` (ZBG, VEC3); up to 150 s (reference 4).
    pub fn qiact() -> Command {
        line(format!("AT+QIACT={PDP}"), secs(150))
    }

    /// `AT+QSSLOPEN=<pdp>,<ctx>,<client>,"<host>",<port>,0`: `OK`, then
    /// `+QSSLOPEN: <client>,<err>` (OPEN, ZBG; reference 4); 10 s for the `OK`.
    pub fn qsslopen(ctx: u8, quoted_host: &str, port: u16) -> Command {
        line(
            format!("AT+QSSLOPEN={PDP},{ctx},{CLIENT},{quoted_host},{port},0"),
            secs(10),
        )
    }

    /// `AT+QSSLSEND=<client>,<n>`: `> `, exactly `<n>` bytes, `SEND OK` (ZBG
    /// `send_fail_match_cb`, OPEN's `"> "`; reference 4); 30 s.
    pub fn qsslsend(bytes: Vec<u8>) -> Command {
        upload(
            format!("AT+QSSLSEND={CLIENT},{}", bytes.len()),
            Trigger::Prompt,
            bytes,
            None,
            secs(30),
        )
    }

    /// `AT+QSSLRECV=<client>,<n>`: `+QSSLRECV: <got>`, the bytes, `OK` (reference 4 [Q6]
    /// [Q9] [Q7]); 10 s.
    pub fn qsslrecv(most: usize) -> Command {
        binary_read(
            format!("AT+QSSLRECV={CLIENT},{most}"),
            "+QSSLRECV:",
            0,
            secs(10),
        )
    }

    /// `AT+QSSLCLOSE=<client>` (reference 4 [Q9]); 10 s.
    pub fn qsslclose() -> Command {
        line(format!("AT+QSSLCLOSE={CLIENT}"), secs(10))
    }
}

/// How this family is named (`--module` values, Help, messages).
const NAMES: Names = Names {
    id: "quectel",
    display_name: "Quectel BG9x / EG9x / EC200U",
    models: "Quectel BG96, BG95 (-M1/-M2/-M3/-M4/-M5/-M6), BG77, BG600L, EG91, EC200U, EC25/EG25",
    model_prefixes: &[
        "bg96", "bg95", "bg77", "bg600l", "eg91", "ec200u", "ec25", "eg25",
    ],
    aliases: &[],
};

/// The Quectel driver.
pub struct Quectel;

impl Driver for Quectel {
    fn family(&self) -> Family {
        FAMILY
    }
    fn names(&self) -> &'static Names {
        &NAMES
    }
    /// `AT+QSSLCFG` exists on every firmware of these models (reference scope note).
    fn tls_on_every_firmware(&self) -> bool {
        true
    }
    /// `ATI` starts with `Quectel` (or `Quectel_Ltd` on other lines, audit 1).
    fn vendor_words(&self) -> &'static [&'static str] {
        &["Quectel", "Quectel_Ltd"]
    }
    fn engine_config(&self) -> Config {
        engine_config()
    }
    fn rules(&self) -> CredentialRules {
        QUECTEL
    }
    fn recovery(&self) -> Recovery {
        RECOVERY
    }
    fn too_large_hint(&self) -> &'static str {
        "upload only the root CA, not a chain"
    }
    fn plan_provision(
        &self,
        _rules: &CredentialRules,
        creds: &Credentials,
        opts: &Options,
    ) -> Result<Plan, PlanError> {
        plan_provision(creds, opts)
    }
    fn plan_remove(&self, creds: &Credentials, _opts: &Options) -> Result<Plan, PlanError> {
        plan_remove(creds)
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

// `AT+QFUPL` data ends at the byte count, by the module's own `<timeout>` (atcert sends 60 s)
// or by `+++` / DTR, the bytes so far kept (QFM, QFU): no abort byte. `+++` with guard
// times also leaves transparent mode, which atcert does not use. A data phase is at most
// the largest file the rules allow.
const RECOVERY: Recovery = Recovery {
    probe: "AT",
    abort: b"",
    escape_online: true,
    data_timeout: Duration::from_secs(UPLOAD_TIMEOUT),
    max_data: MAX_FILE,
};

/// Largest file atcert uploads [I]: UFS is megabytes (reference 6), no per-file limit is
/// documented; 16 KiB holds a root, a client chain or a key with room to spare.
const MAX_FILE: usize = 16_384;

const CERT: RoleRules = RoleRules {
    accepted: Rule::s(
        PEM,
        "quectel.md 2: every public example uploads PEM; DER not confirmed",
    ),
    send_as: Encoding::Pem,
    line_endings: Rule::i(
        AcceptedLineEndings::LfOrCrLf,
        "quectel.md 2.1, audit 2.4: stored verbatim (LF and CRLF uploads both seen on real modules)",
    ),
    trailing_newline: Rule::c(
        TrailingNewline::Optional,
        "audit 2.4: VEC3 uploads the CA without a final newline on real hardware",
    ),
    max_bytes: Some(Rule::i(
        MAX_FILE,
        "quectel.md 6: no per-file limit documented; UFS holds megabytes",
    )),
    key_types: Rule::s(
        RSA_P256,
        "quectel.md 3.1: RSA and ECDSA cipher suites; curves other than P-256 not confirmed",
    ),
    rsa_bits: Rule::i((1024, 4096), "quectel.md 6: not documented"),
    signature_hashes: Some(Rule::i(ALL_HASHES_BUT_MD, "quectel.md 3.1")),
    key_encodings: Rule::i(NO_KEY, "not a key"),
    encrypted_key: Rule::i(false, "not a key"),
    bundle: Rule::i(
        true,
        "quectel.md 6: chains of several KB upload fine; the file is read as PEM",
    ),
    storage: Rule::c(
        Storage::FileByEncoding { stem: "ca" },
        "quectel.md 2: ordinary UFS files named in AT+QSSLCFG \"cacert\"",
    ),
};

const QUECTEL: CredentialRules = CredentialRules {
    family: "quectel",
    ca: CERT,
    client_cert: RoleRules {
        bundle: Rule::i(false, "quectel.md 3: one clientcert file"),
        storage: Rule::c(
            Storage::FileByEncoding {
                stem: "client_cert",
            },
            "quectel.md 3: AT+QSSLCFG \"clientcert\"",
        ),
        ..CERT
    },
    client_key: RoleRules {
        key_encodings: Rule::i(
            &[KeyEncoding::Pkcs1, KeyEncoding::Sec1, KeyEncoding::Pkcs8],
            "quectel.md 2: OpenSSL PEM keys (user_key.pem) in public examples",
        ),
        encrypted_key: Rule::i(
            false,
            "quectel.md 3: a key password parameter exists on some firmware only",
        ),
        bundle: Rule::i(false, "one key"),
        storage: Rule::c(
            Storage::FileByEncoding { stem: "client_key" },
            "quectel.md 3: AT+QSSLCFG \"clientkey\"",
        ),
        ..CERT
    },
    mutual_tls: Rule::c(
        Support::Supported,
        "quectel.md 3: seclevel 2 with clientcert and clientkey",
    ),
    clock: Rule::c(
        ClockCheck::WhenEnabled,
        "quectel.md 3, 6: dates checked only with ignorelocaltime 0",
    ),
    ca_choice: Rule::i(CaChoice::AnyCa, "quectel.md 3: a PEM file of trust anchors"),
    tls_versions: Rule::c("SSL 3.0, TLS 1.0, 1.1, 1.2", "quectel.md 3, 6"),
};

/// Quectel's URCs (reference 4, 9) and `SEND OK` / `SEND FAIL` as finals of `AT+QSSLSEND`.
fn engine_config() -> Config {
    Config::default()
        .with_urc_prefixes(&[
            "+QSSLURC:",
            "+QSSLOPEN:",
            "+QIURC:",
            "+QIND:",
            "+QUSIM:",
            "APP RDY",
            "POWERED DOWN",
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

    #[test]
    fn checksum_matches_the_real_answers() {
        // VEC1: `+QFUPL: 28,6c53` for one 28-byte line (audit 2.4).
        assert_eq!(checksum(b"-----BEGIN CERTIFICATE-----\r", true), 0x6c53);
        assert_eq!(checksum(&[0x12, 0x34, 0x56], true), 0x1234 ^ 0x5600);
        assert_eq!(checksum(&[0x12, 0x34, 0x56], false), 0x1234 ^ 0x0056);
        assert_eq!(checksum_forms(&[0x00, 0x12]), vec!["12", "0012"]);
    }

    #[test]
    fn every_error_code_has_a_meaning() {
        for code in (400..=426).filter(|c| ![404, 408, 412, 415, 422, 424].contains(c)) {
            assert!(
                explain(&Final::CmeError(crate::at::ErrorCode::Number(code))).is_some(),
                "{code}"
            );
        }
        for code in 550..=574 {
            assert!(
                explain_line(&format!("+QSSLOPEN: 1,{code}")).is_some(),
                "{code}"
            );
        }
        assert!(explain_line("+QSSLOPEN: 1,566").is_some_and(|e| e.next_step.contains("CA")));
    }

    #[test]
    fn plan_uploads_after_delete_and_judges_the_answer() {
        let creds = Credentials {
            ca: Some(Credential {
                bytes: b"-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n".to_vec(),
                name: "ca.pem".into(),
            }),
            ..Credentials::default()
        };
        let plan = plan_provision(&creds, &Options::default()).unwrap();
        let lines: Vec<String> = plan
            .steps
            .iter()
            .map(|s| String::from_utf8_lossy(&s.command.line).into_owned())
            .collect();
        assert_eq!(lines[1], "AT+QFDEL=\"UFS:ca.pem\"");
        assert_eq!(lines[2], "AT+QFUPL=\"UFS:ca.pem\",57,60");
        assert!(matches!(
            plan.steps[2].purpose,
            Purpose::Verify(Role::Ca, _)
        ));
        assert!(lines.contains(&"AT+QSSLCFG=\"cacert\",0,\"UFS:ca.pem\"".to_owned()));
        assert!(lines.contains(&"AT+QSSLCFG=\"seclevel\",0,1".to_owned()));
    }

    #[test]
    fn refuses_names_the_module_rejects() {
        let creds = |name: &str| Credentials {
            ca: Some(Credential {
                bytes: vec![1],
                name: name.into(),
            }),
            ..Credentials::default()
        };
        for bad in ["a b.pem", &"x".repeat(60), "\"q\".pem"] {
            assert!(matches!(
                plan_provision(&creds(bad), &Options::default()),
                Err(PlanError::BadName { .. })
            ));
        }
    }
}
