//! SIMCom SIM7600 / SIM7800 / A76xx: `AT+CCERTDOWN` files, `AT+CSSLCFG` contexts, the CCH
//! service (shared/reference/modules/sim7600.md).
//!
//! Verification: the CCH command set has no read-back of certificate content (§2.4), so the
//! strongest check is that `AT+CCERTLIST` names the file. The result says so.
//!
//! Every flow starts from whatever an earlier run left: files are deleted before they are
//! written (whether `AT+CCERTDOWN` replaces a file is unknown), a test connection first
//! closes session 0 and stops the CCH service (a started service answers a second
//! `AT+CCHSTART` with a bare `ERROR`), and clean-up that finds nothing is not a failure.
//! The audit of every command against public evidence is `tests/audit/sim7600.md`.

use crate::at::{Config, Final, LengthHeader};
use crate::cert::lint::{
    AcceptedLineEndings, CaChoice, ClockCheck, CredentialRules, Encoding, KeyEncoding, RoleRules,
    Rule, Storage, Support, TrailingNewline,
};
use crate::modules::Family;
use crate::modules::cmd::{quoted, quoted_param, secs};
use crate::modules::driver::{Driver, Names, Recovery};
use crate::modules::explain::{CommandRow, Explanation, Row, by_command, explain_common, lookup};
use crate::modules::plan::{
    Check, Credentials, Expect, Options, Plan, PlanError, Purpose, Role, TlsVersion,
};
use crate::modules::rules::{ALL_HASHES_BUT_MD, NO_KEY, PEM_DER, RSA_P256};
use core::time::Duration;

const FAMILY: Family = Family::Sim7600;
/// [C] A76XX manual: maximum response time 120000 ms for CCERTDOWN / CSSLCFG / CCHSTART.
const SLOW: core::time::Duration = secs(120);

/// `+CCHOPEN`/`+CCHSTART`/`+CCHCLOSE` `<err>` values (A76XX SSL AN table, §4.3 [C]; SIM7600
/// numbering the same as far as reported [S]).
pub const CCH_ERRORS: &[Row] = &[
    (0, "operation succeeded", "nothing to do"),
    (
        1,
        "alerting state (reserved)",
        "close the session (AT+CCHCLOSE) and open it again",
    ),
    (
        2,
        "unknown error",
        "stop and start the SSL service (AT+CCHSTOP, AT+CCHSTART) and retry",
    ),
    (
        3,
        "the SSL service is busy",
        "wait for the running operation to end, then retry",
    ),
    (
        4,
        "the peer closed the connection",
        "check the server is up and accepts this client; it may require a client certificate",
    ),
    (
        5,
        "operation timed out",
        "check signal and server reachability; raise negotiatetime if the handshake is slow",
    ),
    (
        6,
        "transfer failed",
        "retry; if it persists, check the network",
    ),
    (
        7,
        "memory error",
        "the module ran out of memory: use a shorter certificate chain or smaller key",
    ),
    (
        8,
        "invalid parameter",
        "check host, port and session numbers",
    ),
    (
        9,
        "network error",
        "check registration and the PDP context (AT+CEREG?, AT+CGDCONT)",
    ),
    (
        10,
        "open session error",
        "a session is already open on this id: close it first (AT+CCHCLOSE)",
    ),
    (
        11,
        "state error",
        "start the SSL service first (AT+CCHSTART) and bind the context (AT+CCHSSLCFG)",
    ),
    (
        12,
        "create socket error",
        "stop and start the SSL service, then retry",
    ),
    (
        13,
        "DNS lookup failed",
        "check the host name and the network's DNS",
    ),
    (
        14,
        "TCP connect failed",
        "check host and port; the server may be down or firewalled",
    ),
    (
        15,
        "TLS handshake failed",
        "the CA does not match the server's chain, the clock is off, the TLS version or key type is unsupported (no P-384), or the server needs SNI; check the CA and the server with openssl s_client",
    ),
    (
        16,
        "close socket error",
        "power-cycle the module if the session cannot be reopened",
    ),
    (
        17,
        "no network",
        "wait for registration (AT+CEREG?) and retry",
    ),
    (
        18,
        "send data timeout",
        "retry; the server may not be reading",
    ),
    (
        19,
        "certificates not set",
        "the SSL context names a CA/cert/key that is missing: provision again and bind the context",
    ),
];

/// Explains a final result of a SIM7600 command.
pub fn explain(fin: &Final) -> Option<Explanation> {
    explain_common(fin)
}

/// Explains an unsolicited result carrying a CCH error code, e.g. `+CCHOPEN: 0,15`.
pub fn explain_line(text: &str) -> Option<Explanation> {
    for prefix in [
        "+CCHOPEN:",
        "+CCHCLOSE:",
        "+CCH_RECV_CLOSED:",
        "+CCHSEND:",
        "+CCHRECV:",
    ] {
        if let Some(rest) = text.strip_prefix(prefix) {
            let code = rest.rsplit(',').next()?.trim().parse().ok()?;
            return lookup(CCH_ERRORS, code);
        }
    }
    for prefix in ["+CCHSTART:", "+CCHSTOP:"] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return lookup(CCH_ERRORS, rest.trim().parse().ok()?);
        }
    }
    if text == "CLOSED" {
        // Transparent mode (AT+CCHMODE=1): the link closed [C A76XX AN].
        return Some(Explanation::new(
            "the transparent-mode TLS connection closed",
            "the server or network ended it; open it again (AT+CCHOPEN) if more data is due",
        ));
    }
    if text.starts_with("+CCH_PEER_CLOSED:") {
        return Some(Explanation::new(
            "the server closed the TLS connection",
            "the server may require a client certificate or refuse this client; check the server's log and the credentials bound to the SSL context",
        ));
    }
    None
}

/// What a bare `ERROR` means as the answer to each command, by the command's prefix.
const COMMAND_MEANINGS: &[CommandRow] = &[
    (
        &["AT+CCHSTART"],
        "the SSL service could not start: it is most likely still running from an earlier run (a second AT+CCHSTART is refused), or the data bearer is not available",
        "stop it first (AT+CCHCLOSE=0, then AT+CCHSTOP; atcert's test connection does this itself), then check registration and the PDP context (AT+CEREG?, AT+CGDCONT?)",
    ),
    (
        &["AT+CCHSTOP"],
        "the SSL service is not running (or is still stopping), so there is nothing to stop",
        "nothing to do: the next AT+CCHSTART can start it",
    ),
    (
        &["AT+CCHSET", "AT+CCHMODE"],
        "the receive/send mode can only be changed while the SSL service is stopped",
        "stop the service (AT+CCHSTOP) and run the step again",
    ),
    (
        &["AT+CCHOPEN"],
        "the module refused to open the session: the SSL service is not started or the host/port is invalid",
        "run the whole test connection again (it starts the service); check the host name and port",
    ),
    (
        &["AT+CCHSEND"],
        "no open session to send on, or the length is over the module's limit (2048 bytes is the usual maximum)",
        "open the session again; send a shorter request",
    ),
    (
        &["AT+CCHRECV"],
        "the module has no open session or nothing cached to read",
        "open the session again and read only after +CCHEVENT: 0,RECV EVENT",
    ),
    (
        &["AT+CCHSSLCFG", "AT+CCHCLOSE"],
        "the session number or SSL context is not valid now (no such session open, or context out of 0-9)",
        "stop and start the SSL service (AT+CCHSTOP, AT+CCHSTART), then run the step again",
    ),
    (
        &["AT+CCERTDOWN"],
        "the module refused the file: the name must be 5-108 bytes and end in .pem or .der, the length 1-10240 bytes, and some firmware refuses to overwrite an existing name",
        "delete the old file (AT+CCERTDELE) and upload again; check the name and size",
    ),
    (
        &["AT+CCERTDELE"],
        "there is no file of that name on the module",
        "nothing to delete: check the name with AT+CCERTLIST",
    ),
    (
        &["AT+CSSLCFG"],
        "the module refused this SSL context setting (unknown keyword, value out of range, or a name not quoted)",
        "keywords must be lower case and contexts 0-9; check the firmware supports the setting (AT+CSSLCFG=?)",
    ),
    (
        &["AT+CCLK"],
        "the module refused the clock value",
        "the time must be \"yy/MM/dd,hh:mm:ss+zz\" (quarter hours): check the computer's clock and run the step again",
    ),
];

/// What a bare `ERROR` (or `+CME ERROR`) means as the answer to this command: the CCH and
/// certificate commands answer plain `ERROR` for state faults that `AT+CMEE` does not
/// explain (the issue 9 demo: `AT+CCHSTART` after a failed open).
pub fn explain_command(line: &str, fin: &Final) -> Option<Explanation> {
    if fin.is_ok() {
        return None;
    }
    by_command(COMMAND_MEANINGS, line, fin)
}

fn name_checked(role: Role, name: &str) -> Result<String, PlanError> {
    let bad = |why: &str| PlanError::BadName {
        family: FAMILY,
        role,
        name: name.to_owned(),
        why: why.to_owned(),
    };
    // [C] A76XX: 5..108 bytes, extension .pem or .der tells the encoding.
    if !(5..=108).contains(&name.len()) {
        return Err(bad("names are 5 to 108 bytes long"));
    }
    let lower = name.to_ascii_lowercase();
    if !(lower.ends_with(".pem") || lower.ends_with(".der")) {
        return Err(bad(
            "the name must end in .pem or .der; the module reads the encoding from it",
        ));
    }
    quoted(name).ok_or_else(|| bad("quotes and control characters cannot be sent"))
}

/// Sets the clock when a time is given: the module checks dates only with
/// `ignorelocaltime=0`, which [`plan_configure_tls`] sets exactly then.
pub fn plan_set_clock(opts: &Options) -> Plan {
    let mut plan = Plan::new(FAMILY, "set the clock");
    if let Some(t) = opts.unix_time {
        // [C] 3GPP TS 27.007 +CCLK; sim7600.md §5 (A76XX manual).
        plan.push(
            "set the module clock (UTC) so certificate dates can be checked",
            Purpose::SetClock,
            at::cclk(t),
        );
    }
    plan
}

/// Uploads, then lists, every credential given; then configures the SSL context.
pub fn plan_provision(creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
    // Nothing, empty and too large (rules: CCERTDOWN <len> 1-10240): refused by
    // `driver::check_credentials`.
    let mut plan = Plan::new(FAMILY, "provision TLS credentials");
    plan.extend(plan_set_clock(opts));
    // 1. Upload each file with its exact length; no terminator follows the data [C].
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let name = name_checked(role, &c.name)?;
        // Whether CCERTDOWN replaces an existing name is not documented [I]: delete first,
        // so a rerun stores exactly the new bytes either way. Not found is fine.
        // [C] A76XX SSL AN §CCERTDELE; TinyGSM src/TinyGsmClientA7672x.h @4c55210
        // `deleteCertificate` sends `+CCERTDELE=<name>`.
        plan.push_expect(
            format!("delete an old {name} (an error means there was none)"),
            Purpose::Clean(role),
            at::ccertdele(&name),
            Expect::Tolerate,
        );
        // [C] TinyGSM src/TinyGsmClientA7672x.h @4c55210 `addCertificate`:
        // `+CCERTDOWN=<name>,<len>`, wait for `>`, write exactly <len> bytes, then `OK`.
        plan.push(
            format!("upload the {role} as {name}"),
            Purpose::Write(role),
            at::ccertdown(&name, &c.bytes),
        );
    }
    // 2. Check each file is listed: the strongest check this module has. [C] A76XX SSL AN:
    // one `+CCERTLIST: "<name>"` line a file, then `OK`.
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        plan.push(
            format!("check the module lists {}", c.name),
            Purpose::Verify(
                role,
                Check::Listed {
                    prefix: "+CCERTLIST:".into(),
                    name: c.name.clone(),
                },
            ),
            at::ccertlist(),
        );
    }
    plan.note("SIM7600 cannot read back certificate content: a listed file is written, not proven identical");
    // 3. Point the SSL context at the files.
    plan.extend(plan_configure_tls(creds, opts)?);
    Ok(plan)
}

/// `AT+CSSLCFG` for one context: version, auth mode, date checking, files, SNI.
pub fn plan_configure_tls(creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
    let ctx = opts.context;
    if ctx > 9 {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: format!("use SSL context {ctx}"),
            why: "contexts are 0 to 9".into(),
        });
    }
    let mut plan = Plan::new(FAMILY, "configure TLS");
    // [C] 0 SSL3.0, 1 TLS1.0, 2 TLS1.1, 3 TLS1.2, 4 all (A76XX SSL AN). The keyword must be
    // lower case [C TinyGSM src/TinyGsmClientA7672x.h @4c55210 comment]. Each CSSLCFG
    // setting is taken from the AN's `AT+CSSLCFG=?` list and TinyGSM PR #767.
    let version = match opts.tls_version {
        None => 4,
        Some(TlsVersion::Ssl3) => 0,
        Some(TlsVersion::Tls10) => 1,
        Some(TlsVersion::Tls11) => 2,
        Some(TlsVersion::Tls12) => 3,
        // Not among the sslversion values (0-4) the A76XX AN lists.
        Some(TlsVersion::Tls13) => {
            return Err(PlanError::Unsupported {
                family: FAMILY,
                what: "ask for TLS 1.3".into(),
                why:
                    "AT+CSSLCFG \"sslversion\" goes up to TLS 1.2 (3), or 4 for all the module has"
                        .into(),
            });
        }
    };
    plan.push(
        "allow the TLS versions asked for",
        Purpose::Configure,
        at::csslcfg("sslversion", ctx, version),
    );
    let auth = if creds.mutual() {
        2
    } else if creds.ca.is_some() {
        1
    } else {
        0
    };
    plan.push(
        match auth {
            2 => "check the server and present the client certificate",
            1 => "check the server against the CA",
            _ => "no authentication (no CA given)",
        },
        Purpose::Configure,
        at::csslcfg("authmode", ctx, auth),
    );
    let ignore = u8::from(opts.unix_time.is_none());
    plan.push(
        if ignore == 0 {
            "check certificate dates against the clock just set"
        } else {
            "ignore certificate dates (the clock was not set)"
        },
        Purpose::Configure,
        at::csslcfg("ignorelocaltime", ctx, ignore),
    );
    for (role, key) in [
        (Role::Ca, "cacert"),
        (Role::ClientCert, "clientcert"),
        (Role::ClientKey, "clientkey"),
    ] {
        if let Some(c) = creds.get(role) {
            let name = name_checked(role, &c.name)?;
            plan.push(
                format!("use {} as the {role}", c.name),
                Purpose::Configure,
                at::csslcfg(key, ctx, name),
            );
        }
    }
    if opts.sni {
        // [S] Older SIM7600 firmware answers ERROR: tolerated, and noted.
        plan.push_expect(
            "send SNI (older firmware lacks this setting; an ERROR here is tolerated)",
            Purpose::Configure,
            at::csslcfg("enableSNI", ctx, 1),
            Expect::Tolerate,
        );
    }
    Ok(plan)
}

/// Deletes the named files and checks they are gone.
pub fn plan_remove(creds: &Credentials) -> Result<Plan, PlanError> {
    let mut plan = Plan::new(FAMILY, "remove TLS credentials");
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let name = name_checked(role, &c.name)?;
        // Nothing to delete is not a failure: the listing below decides.
        plan.push_expect(
            format!("delete {} (an error means it was not there)", c.name),
            Purpose::Remove(role),
            at::ccertdele(&name),
            Expect::Tolerate,
        );
    }
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        plan.push(
            format!("check {} is no longer listed", c.name),
            Purpose::Verify(
                role,
                Check::NotListed {
                    prefix: "+CCERTLIST:".into(),
                    name: c.name.clone(),
                },
            ),
            at::ccertlist(),
        );
    }
    Ok(plan)
}

/// Opens TLS through the CCH service in command mode with manual receive, sends the
/// request, reads the answer, closes.
///
/// It first closes session 0 and stops the service, whatever an earlier run left: a
/// second `AT+CCHSTART` on a started service answers a bare `ERROR`, and `AT+CCHSET` is
/// only taken before the start [C A76XX SSL AN]. Reads ask how much is cached first
/// (`AT+CCHRECV?`) and never ask for more: over-reading freezes some modules [S LilyGO].
pub fn plan_test_connection(opts: &Options) -> Result<Plan, PlanError> {
    let host = quoted_param(FAMILY, "use this host name", &opts.host)?;
    let ctx = opts.context;
    let req = opts.request_bytes();
    let mut plan = Plan::new(FAMILY, "test a TLS connection");
    // A session left open by an interrupted run. [C] TinyGSM src/TinyGsmClientA7672x.h
    // @4c55210 `stop()`: `+CCHCLOSE=<mux>`; `+CCHCLOSE: 0,<err>` follows [C A76XX AN].
    plan.push_expect(
        "close a session an earlier run left open (an error means there was none)",
        Purpose::Prepare,
        at::cchclose(),
        Expect::Tolerate,
    );
    // A started service: stop it and wait for `+CCHSTOP:` (TinyGSM waits 60 s). An error
    // means it was not running.
    plan.push_expect(
        "stop the SSL service if an earlier run left it started (an error means it was stopped)",
        Purpose::Prepare,
        at::cchstop(),
        Expect::TolerateThenUrc {
            prefix: "+CCHSTOP:".into(),
            within: secs(60),
        },
    );
    // [C] TinyGSM PR #767 (src/TinyGsmClientSIM7600.h @228da8b) sends `+CCHSET=0,1`;
    // A76XX AN: set before CCHSTART.
    plan.push(
        "no send reports; receive in manual mode",
        Purpose::Open,
        at::cchset_manual_receive(),
    );
    // Command (non-transparent) mode, the default, in case other software left
    // transparent mode set: only taken while stopped [C A76XX SSL AN `AT+CCHMODE`; TinyGSM
    // src/TinyGsmClientA7672x.h @4c55210 lists CCHMODE `setDataMode`].
    plan.push(
        "command mode for the session (not transparent)",
        Purpose::Open,
        at::cchmode_command(),
    );
    // [C] A76XX SSL AN: `OK` then `+CCHSTART: <err>`, max 120 s.
    plan.push_expect(
        "start the SSL service (activates the bearer)",
        Purpose::Open,
        at::cchstart(),
        Expect::OkThenUrc {
            prefix: "+CCHSTART:".into(),
            value: Some("0".into()),
            fail: vec![],
            within: SLOW,
        },
    );
    // [C] TinyGSM src/TinyGsmClientA7672x.h @4c55210: `+CCHSSLCFG=<mux>,0`.
    plan.push(
        format!("use SSL context {ctx} for session 0"),
        Purpose::Open,
        at::cchsslcfg(ctx),
    );
    // [C] TinyGSM src/TinyGsmClientA7672x.h @4c55210: `+CCHOPEN=0,"<host>",<port>,2`, then
    // `+CCHOPEN: 0,<err>`; bounded by negotiatetime (default 300 s) [C A7682 range].
    plan.push_expect(
        format!("open TLS to {}:{}", opts.host, opts.port),
        Purpose::Open,
        at::cchopen(&host, opts.port),
        Expect::OkThenUrc {
            prefix: "+CCHOPEN: 0,".into(),
            value: Some("0".into()),
            fail: vec![],
            within: secs(300),
        },
    );
    // [C] TinyGSM src/TinyGsmClientA7672x.h @4c55210 `modemSend`: `+CCHSEND=<mux>,<len>`,
    // `>`, exactly <len> bytes, `OK`.
    plan.push_expect(
        format!("send {} bytes", req.len()),
        Purpose::Send,
        at::cchsend(req),
        // Manual receive mode: the module announces data with an event [C A76XX AN].
        Expect::OkThenUrc {
            prefix: "+CCHEVENT: 0,".into(),
            value: Some("RECV EVENT".into()),
            fail: vec!["+CCH_PEER_CLOSED: 0".into(), "+CCH_RECV_CLOSED: 0".into()],
            within: secs(60),
        },
    );
    // [C] TinyGSM src/TinyGsmClientA7672x.h @4c55210 `modemRead`: `+CCHRECV?` before every
    // `+CCHRECV=<mux>,<size>`; answer `+CCHRECV: LEN,<cached 0>,<cached 1>` [C LilyGO].
    // Read the cached length, at most what was asked for; none cached is an error here,
    // never a read that could freeze the module.
    let most = u64::try_from(opts.max_response.max(1)).unwrap_or(u64::MAX);
    plan.push(
        "ask how many bytes the module holds",
        Purpose::Receive,
        at::cchrecv_cached(),
    );
    plan.capture_last_number(
        "cached",
        "+CCHRECV: LEN,",
        0,
        &opts.max_response.to_string(),
        (1, most),
    );
    // `OK`, `+CCHRECV: DATA,0,<n>` + bytes, then `+CCHRECV: 0,<err>` [C LilyGO, TinyGSM].
    let read = at::cchrecv(CCHRECV);
    plan.push_templated(
        "read exactly the cached bytes",
        Purpose::Receive,
        CCHRECV,
        read,
        Expect::OkThenUrc {
            prefix: "+CCHRECV: 0,".into(),
            value: Some("0".into()),
            fail: vec![],
            within: secs(30),
        },
    );
    plan.push_expect(
        "close the session",
        Purpose::Close,
        at::cchclose(),
        Expect::Tolerate,
    );
    plan.push_expect(
        "stop the SSL service",
        Purpose::Close,
        at::cchstop(),
        Expect::TolerateThenUrc {
            prefix: "+CCHSTOP:".into(),
            within: secs(60),
        },
    );
    Ok(plan)
}

/// The template of the read command: `{cached}` is the length `AT+CCHRECV?` reported.
const CCHRECV: &str = "AT+CCHRECV=0,{cached}";

/// One constructor per command this driver sends: the line, its timeout, and the source.
/// "AN" is SIMCom's A76XX SSL application note; TinyGSM is
/// `vshymanskyy/TinyGSM` @4c55210 `src/TinyGsmClientA7672x.h`.
mod at {
    use core::fmt::Display;

    use super::SLOW;
    use crate::at::{Command, Trigger};
    use crate::modules::cmd::{Utc, binary_read, line, secs, upload};

    /// `AT+CCLK="yy/MM/dd,hh:mm:ss+zz"` (3GPP TS 27.007 +CCLK; sim7600.md 5); 5 s.
    pub fn cclk(unix_time: u64) -> Command {
        line(
            format!("AT+CCLK={}", Utc::from_unix(unix_time).cclk()),
            secs(5),
        )
    }

    /// `AT+CCERTDELE=<name>` deletes a certificate file (AN CCERTDELE; TinyGSM
    /// `deleteCertificate`); 120 s, the AN's maximum for certificate commands.
    pub fn ccertdele(name: &str) -> Command {
        line(format!("AT+CCERTDELE={name}"), SLOW)
    }

    /// `AT+CCERTDOWN=<name>,<len>`, `>`, exactly `<len>` bytes, no terminator, `OK`
    /// (TinyGSM `addCertificate`; AN: `<len>` 1-10240); 120 s.
    pub fn ccertdown(name: &str, bytes: &[u8]) -> Command {
        upload(
            format!("AT+CCERTDOWN={name},{}", bytes.len()),
            Trigger::Prompt,
            bytes.to_vec(),
            None,
            SLOW,
        )
    }

    /// `AT+CCERTLIST`: one `+CCERTLIST: "<name>"` line a file, then `OK` (AN); 10 s.
    pub fn ccertlist() -> Command {
        line("AT+CCERTLIST", secs(10))
    }

    /// `AT+CSSLCFG="<setting>",<ctx>,<value>` (AN `AT+CSSLCFG=?` list; the keyword in lower
    /// case as TinyGSM notes, TinyGSM PR #767); 120 s.
    pub fn csslcfg(setting: &str, ctx: u8, value: impl Display) -> Command {
        line(format!("AT+CSSLCFG=\"{setting}\",{ctx},{value}"), SLOW)
    }

    /// `AT+CCHCLOSE=0` closes session 0; `+CCHCLOSE: 0,<err>` follows (TinyGSM `stop()`;
    /// AN); 10 s.
    pub fn cchclose() -> Command {
        line("AT+CCHCLOSE=0", secs(10))
    }

    /// `AT+CCHSTOP` stops the SSL service; `+CCHSTOP: <err>` follows (AN); 60 s as TinyGSM.
    pub fn cchstop() -> Command {
        line("AT+CCHSTOP", secs(60))
    }

    /// `AT+CCHSET=0,1`: no send reports, manual receive; taken only before `AT+CCHSTART`
    /// (TinyGSM PR #767, `src/TinyGsmClientSIM7600.h` @228da8b; AN); 5 s.
    pub fn cchset_manual_receive() -> Command {
        line("AT+CCHSET=0,1", secs(5))
    }

    /// `AT+CCHMODE=0`: command (not transparent) mode, taken only while stopped (AN
    /// `AT+CCHMODE`; TinyGSM `setDataMode`); 5 s.
    pub fn cchmode_command() -> Command {
        line("AT+CCHMODE=0", secs(5))
    }

    /// `AT+CCHSTART`: `OK`, then `+CCHSTART: <err>` (AN); 120 s.
    pub fn cchstart() -> Command {
        line("AT+CCHSTART", SLOW)
    }

    /// `AT+CCHSSLCFG=0,<ctx>` binds session 0 to an SSL context (TinyGSM); 5 s.
    pub fn cchsslcfg(ctx: u8) -> Command {
        line(format!("AT+CCHSSLCFG=0,{ctx}"), secs(5))
    }

    /// `AT+CCHOPEN=0,"<host>",<port>,2`, then `+CCHOPEN: 0,<err>` (TinyGSM; AN); 120 s for
    /// the `OK`, the handshake bounded by negotiatetime.
    pub fn cchopen(quoted_host: &str, port: u16) -> Command {
        line(format!("AT+CCHOPEN=0,{quoted_host},{port},2"), SLOW)
    }

    /// `AT+CCHSEND=0,<len>`, `>`, exactly `<len>` bytes, `OK` (TinyGSM `modemSend`); 30 s.
    pub fn cchsend(bytes: Vec<u8>) -> Command {
        upload(
            format!("AT+CCHSEND=0,{}", bytes.len()),
            Trigger::Prompt,
            bytes,
            None,
            secs(30),
        )
    }

    /// `AT+CCHRECV?`: `+CCHRECV: LEN,<cached 0>,<cached 1>` (TinyGSM `modemRead`; LilyGO);
    /// 10 s.
    pub fn cchrecv_cached() -> Command {
        line("AT+CCHRECV?", secs(10))
    }

    /// `AT+CCHRECV=0,<n>`: `OK`, `+CCHRECV: DATA,0,<n>` and the bytes, then
    /// `+CCHRECV: 0,<err>` (TinyGSM; LilyGO); 30 s.
    pub fn cchrecv(template: &str) -> Command {
        binary_read(template, "+CCHRECV: DATA,", 1, secs(30))
    }
}

/// How this family is named (`--module` values, Help, messages).
const NAMES: Names = Names {
    id: "sim7600",
    display_name: "SIMCom SIM7600 / SIM7800",
    models: "SIMCom SIM7600 / SIM7800 and A76xx",
    model_prefixes: &["sim7600", "sim7800", "a76"],
    aliases: &[],
};

/// The SIMCom SIM7600 / SIM7800 / A76xx driver.
pub struct Sim7600;

impl Driver for Sim7600 {
    fn family(&self) -> Family {
        FAMILY
    }
    fn names(&self) -> &'static Names {
        &NAMES
    }
    /// CCH exists on every SIM7600 firmware seen.
    fn tls_on_every_firmware(&self) -> bool {
        true
    }
    fn model_name_prefix(&self) -> Option<&'static str> {
        // `SIMCOM_SIM7600G-H` (sim7600.md §1).
        Some("SIMCOM_")
    }
    fn engine_config(&self) -> Config {
        engine_config()
    }
    fn rules(&self) -> CredentialRules {
        SIM7600
    }
    fn recovery(&self) -> Recovery {
        RECOVERY
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

// ESC is not documented for AT+CCERTDOWN / AT+CCHSEND (sim7600.md 2.1 [I]); it
// is SIMCom's cancel after a `>` prompt (SIM7000 Series AT Command Manual V1.03
// p.126, AT+CIPSEND) and one data byte in a counted phase. `+++` between 1 s
// pauses leaves transparent mode (sim7600.md 4.6; V.250 escape, e.g. Siemens
// MC55 AT manual p.144: "preceded and followed by a pause of at least 1000 ms").
// [I] the 120 s a counted upload waits is the simulator's assumption.
const RECOVERY: Recovery = Recovery {
    probe: "AT",
    abort: b"\x1b",
    escape_online: true,
    data_timeout: Duration::from_secs(120),
    max_data: 10240,
};

// --- Credential rules -----------------------------------------------------------------------

// --- SIMCom SIM7600 (sim7600.md) -----------------------------------------------------------

const SIM7600_CERT: RoleRules = RoleRules {
    accepted: Rule::c(PEM_DER, "sim7600.md 2.5: X.509 in PEM or DER"),
    send_as: Encoding::Pem,
    line_endings: Rule::s(
        AcceptedLineEndings::LfOrCrLf,
        "sim7600.md 2.1: stored verbatim; LF or CRLF both work",
    ),
    trailing_newline: Rule::i(TrailingNewline::Optional, "sim7600.md 2.1"),
    // 10240 is confirmed for A76XX; for SIM7600 it is believed [I].
    max_bytes: Some(Rule::i(
        10240,
        "sim7600.md 2.1: CCERTDOWN <len> 1-10240 (A76XX [C]; SIM7600 believed)",
    )),
    key_types: Rule::s(
        RSA_P256,
        "sim7600.md 5: RSA 1024-4096 and ECC P-256; no P-384",
    ),
    rsa_bits: Rule::s((1024, 4096), "sim7600.md 5"),
    signature_hashes: Some(Rule::i(
        ALL_HASHES_BUT_MD,
        "sim7600.md 5: mbedTLS-style stack",
    )),
    key_encodings: Rule::i(NO_KEY, "not a key"),
    encrypted_key: Rule::i(false, "not a key"),
    bundle: Rule::i(
        true,
        "sim7600.md 2.5: a CA bundle is reported to work within 10240 bytes",
    ),
    storage: Rule::c(
        Storage::FileByEncoding { stem: "ca_cert" },
        "sim7600.md 2.1: name 5-108 bytes ending .pem or .der (the module tells the encoding by it)",
    ),
};

const SIM7600: CredentialRules = CredentialRules {
    family: "sim7600",
    ca: SIM7600_CERT,
    client_cert: RoleRules {
        bundle: Rule::i(false, "sim7600.md 2.5: one client certificate"),
        storage: Rule::c(
            Storage::FileByEncoding {
                stem: "client_cert",
            },
            "sim7600.md 2.1, 4.5",
        ),
        ..SIM7600_CERT
    },
    client_key: RoleRules {
        key_encodings: Rule::c(
            &[KeyEncoding::Pkcs1, KeyEncoding::Sec1, KeyEncoding::Pkcs8],
            "sim7600.md 2.5: PKCS#1, PKCS#8 or EC PRIVATE KEY, PEM or DER",
        ),
        encrypted_key: Rule::i(
            false,
            "sim7600.md 2.5: encrypted keys not supported on SIM7600",
        ),
        bundle: Rule::i(false, "one key"),
        storage: Rule::c(
            Storage::FileByEncoding { stem: "client_key" },
            "sim7600.md 2.1, 4.5",
        ),
        ..SIM7600_CERT
    },
    mutual_tls: Rule::c(
        Support::Supported,
        "sim7600.md 3: authmode 2 = server + client",
    ),
    clock: Rule::i(
        ClockCheck::WhenEnabled,
        "sim7600.md 3: checked only with AT+CSSLCFG=\"ignorelocaltime\",<ctx>,0",
    ),
    ca_choice: Rule::i(CaChoice::AnyCa, "sim7600.md 2.5: CA bundles work"),
    tls_versions: Rule::c("SSL 3.0, TLS 1.0, 1.1, 1.2", "sim7600.md 5"),
};

/// The CCH service's URCs (sim7600.md §4.2); `+CCHRECV: DATA,<len>` in automatic receive
/// mode carries that many bytes.
fn engine_config() -> Config {
    let mut c = Config::default().with_urc_prefixes(&[
        "+CCHEVENT:",
        "+CCH_RECV_CLOSED:",
        "+CCH_PEER_CLOSED:",
        "+CCHCLOSE:",
        "+CCHSTOP:",
        "+CCHSTART:",
        "+CCHOPEN:",
        "+CCHSEND:",
        "+CCHRECV:",
        "PB DONE",
        "SMS DONE",
        "CLOSED",
    ]);
    c.urc_data_headers = vec![LengthHeader::new("+CCHRECV: DATA,", 1)];
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::plan::Credential;

    #[test]
    fn every_cch_error_code_has_a_meaning() {
        for code in 0..=19 {
            let e = explain_line(&format!("+CCHOPEN: 0,{code}"));
            assert!(e.is_some(), "code {code}");
        }
        assert!(explain_line("+CCHOPEN: 0,15").is_some_and(|e| e.meaning.contains("handshake")));
        assert_eq!(explain_line("+CCHOPEN: 0,20"), None);
        assert!(explain_line("+CCHSTART: 9").is_some_and(|e| e.meaning.contains("network")));
        assert!(explain(&Final::Error).is_some());
    }

    #[test]
    fn plan_matches_the_reference_transcript_shape() {
        let creds = Credentials {
            ca: Some(Credential {
                bytes: b"-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n".to_vec(),
                name: "ca_cert.pem".into(),
            }),
            ..Credentials::default()
        };
        let plan = plan_provision(&creds, &Options::default()).unwrap();
        let lines: Vec<String> = plan
            .steps
            .iter()
            .map(|s| String::from_utf8_lossy(&s.command.line).into_owned())
            .collect();
        assert_eq!(lines[0], "AT+CCERTDELE=\"ca_cert.pem\"");
        assert_eq!(lines[1], "AT+CCERTDOWN=\"ca_cert.pem\",57");
        assert!(lines.contains(&"AT+CSSLCFG=\"authmode\",0,1".to_owned()));
        assert!(lines.contains(&"AT+CSSLCFG=\"cacert\",0,\"ca_cert.pem\"".to_owned()));
        assert!(lines.contains(&"AT+CSSLCFG=\"ignorelocaltime\",0,1".to_owned()));
    }

    #[test]
    fn refuses_names_the_module_rejects() {
        let creds = Credentials {
            ca: Some(Credential {
                bytes: vec![1],
                name: "ca.crt".into(),
            }),
            ..Credentials::default()
        };
        assert!(matches!(
            plan_provision(&creds, &Options::default()),
            Err(PlanError::BadName { .. })
        ));
    }
}
