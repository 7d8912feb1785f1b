//! Nordic nRF9160 / nRF9161 / nRF9151 / nRF9131: `AT%CMNG` security tags, written with the
//! modem offline (`AT+CFUN=4`), verified by the SHA-256 the modem lists for each entry
//! (shared/reference/modules/nrf91.md; our audit `tests/audit/nrf91.md`).
//!
//! The PEM text travels inside a quoted AT command, so the whole line must fit the AT
//! host's line buffer (4096 bytes on the at_client/SLM AT host, 8192 on Serial Modem):
//! the rules' `max_bytes` and [`write_line_fits`] refuse what would not fit.
//! The sec_tag is `Options::context` (0-255 here; the modem takes 0-2147483647).
//!
//! The test connection depends on the application the board runs: the old Serial LTE
//! Modem (SLM, `#XSLMVER`) or its successor Serial Modem (`#XSMVER`, handle-based socket
//! commands). The flows identify the module first ([`Driver::needs_firmware`]); with the
//! application unknown the test connection is refused with the reason.

use core::time::Duration;

use sha2::{Digest, Sha256};

use crate::at::{Config, Final};
use crate::cert::lint::{
    AcceptedLineEndings, CaChoice, ClockCheck, CredentialRules, Encoding, KeyEncoding, RoleRules,
    Rule, Storage, Support, TrailingNewline,
};
use crate::modules::Family;
use crate::modules::cmd::quoted_param;
use crate::modules::driver::{Driver, Names, Recovery};
use crate::modules::explain::{
    CommandRow, Explanation, Row, by_command, cme_number, explain_common, lookup,
};
use crate::modules::identify::{Answer, Findings, Probe};
use crate::modules::plan::{
    Check, Credentials, Expect, Options, Plan, PlanError, Proves, Purpose, Role, TlsVersion,
};
use crate::modules::rules::{ALL_HASHES_BUT_MD, NO_KEY, PEM, RSA_P256};

const FAMILY: Family = Family::Nrf91;

/// The at_host line buffer: `CONFIG_AT_HOST_CMD_MAX_LEN` default and maximum 4096 bytes,
/// one of them the string end \[C ATHOST `lib/at_host/Kconfig`\]. Over it the host drops
/// bytes and, with the closing quote dropped, never answers (audit 2.2).
pub const AT_HOST_LINE_MAX: usize = 4095;

/// `AT#XSMVER`: Serial Modem's version (SM migration notes: `#XSLMVER` renamed).
pub const XSMVER: Probe = Probe::new("AT#XSMVER", 2);
/// `AT#XSLMVER`: the old Serial LTE Modem's version (sdk-nrf Generic_AT_commands doc).
pub const XSLMVER: Probe = Probe::new("AT#XSLMVER", 2);

/// Marks detection adds to the firmware text (the modem firmware from `AT+CGMR`), naming
/// the application that answers the AT commands.
const MARK_SM: &str = "Serial Modem";
const MARK_SLM: &str = "SLM";
const MARK_HOST: &str = "AT host";

/// `%CMNG` credential types (ATREF `%CMNG`): 0 root CA, 1 client certificate, 2 key.
const fn cmng_type(role: Role) -> u8 {
    match role {
        Role::Ca => 0,
        Role::ClientCert => 1,
        Role::ClientKey => 2,
    }
}

/// The application answering AT commands on the board.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum App {
    /// Serial Modem (`ncs-serial-modem`): handle-based socket commands.
    SerialModem,
    /// The old Serial LTE Modem (NCS up to 3.1).
    Slm,
    /// The at_client sample: modem AT commands only, no socket commands.
    AtHost,
    Unknown,
}

/// Which application the firmware text names (see the marks above).
pub fn app(firmware: Option<&str>) -> App {
    let Some(fw) = firmware else {
        return App::Unknown;
    };
    if fw.contains(MARK_SM) {
        App::SerialModem
    } else if fw.contains(MARK_SLM) {
        App::Slm
    } else if fw.contains(MARK_HOST) {
        App::AtHost
    } else {
        App::Unknown
    }
}

/// The modem firmware version in `mfw_nrf9160_1.3.2` / `mfw_nrf91x1_2.0.4` (ATREF +CGMR).
fn modem_version(firmware: &str) -> Option<(u32, u32, u32)> {
    let word = firmware.split([' ', ',']).find(|w| w.starts_with("mfw_"))?;
    let v = word.rsplit('_').next()?;
    let mut it = v.split('.').map(|p| p.parse::<u32>().ok());
    Some((it.next()??, it.next()??, it.next().flatten().unwrap_or(0)))
}

/// Whether `AT%CMNG=1` lists the SHA-256: from modem firmware 1.3.2 (NCU
/// `MIN_REQD_MFW_VER_FOR_VERIFY`); an unknown firmware is assumed to (a missing SHA then
/// fails the verification: never a success that was not proven).
fn lists_sha(firmware: Option<&str>) -> bool {
    firmware
        .and_then(modem_version)
        .is_none_or(|v| v >= (1, 3, 2))
}

/// SHA-256 in upper-case hex over exactly the text between the quotes (audit 2.4, verified
/// on NCU's real session).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

fn sec_tag(opts: &Options) -> u32 {
    u32::from(opts.context)
}

/// Whether the write command for `bytes` fits the AT host's line buffer.
pub fn write_line_fits(tag: u32, role: Role, bytes: &[u8]) -> bool {
    at::cmng_write(tag, cmng_type(role), bytes).line.len() <= AT_HOST_LINE_MAX
}

// --- Error tables -----------------------------------------------------------------------------

/// `+CME ERROR` codes of `%CMNG`, `%CERTEXPIRY` and `%XPOFWARN` (ATREF, with AT+CMEE=1).
pub const CME_ERRORS: &[Row] = &[
    (
        513,
        "not found: no credential of that security tag and type is stored",
        "nothing to do when deleting; when verifying, write the credential again",
    ),
    (
        514,
        "no access: the credential is protected (a Nordic or %KEYGEN security tag)",
        "use another security tag (--context) for your credentials",
    ),
    (
        515,
        "the modem's credential storage is full",
        "delete security tags you no longer use (AT%CMNG=1 lists them, AT%CMNG=3 deletes)",
    ),
    (
        518,
        "not allowed while the modem is online (functional mode 1, 2 or 21)",
        "set the modem offline first (AT+CFUN=4; atcert's flow does) and run the step again",
    ),
    (
        519,
        "a credential of that security tag and type already exists",
        "delete it first (AT%CMNG=3,<tag>,<type>; atcert's flow does) and write again",
    ),
    (
        520,
        "authentication failed: this device only takes signed %CMNG commands (%XSUDO)",
        "credentials cannot be written over plain AT here: provision with the device maker's signed tool",
    ),
    (
        527,
        "invalid content: the modem could not parse the credential",
        "check the file is PEM text of one certificate or key, with no quotes, and within the line limit",
    ),
    (
        528,
        "not allowed while the power-off warning is active (supply voltage too low)",
        "charge the battery or raise the supply voltage, then run the flow again",
    ),
];

/// Explains a final result of an nRF91 command: its own codes, then the 3GPP ones.
pub fn explain(fin: &Final) -> Option<Explanation> {
    cme_number(fin)
        .and_then(|n| lookup(CME_ERRORS, n))
        .or_else(|| explain_common(fin))
}

/// What a bare `ERROR` means by command: Serial Modem answers a bare `ERROR` for every
/// socket failure and for a line over its buffer (audit 2.2, 2.7).
const COMMAND_MEANINGS: &[CommandRow] = &[
    (
        &["AT%CMNG=0"],
        "the modem refused the credential: it may be online (AT+CFUN=1), the security tag may be protected, or the line may be over the AT host's buffer",
        "turn on numeric errors (AT+CMEE=1) and run the flow again; keep the PEM under 4 KB",
    ),
    (
        &["AT%CMNG"],
        "the modem refused the credential command",
        "turn on numeric errors (AT+CMEE=1) and run the step again to see the reason",
    ),
    (
        &["AT#XSSOCKETOPT"],
        "the application refused the TLS host name option (no such socket, or a name too long)",
        "open the socket again; check the host name",
    ),
    (
        &["AT#XSSOCKET"],
        "the application could not open a TLS socket: no free socket, or the security tag is empty",
        "provision the security tag again; close sockets left open (AT#XCLOSE / AT#XSOCKET=0) or reset the board",
    ),
    (
        &["AT#XCONNECT"],
        "the TLS connection failed: the server's chain does not verify against the stored CA, the server refused the client certificate, the modem has no valid time from the network to check dates with, or the host cannot be reached (no network, DNS)",
        "check the CA matches the server (openssl s_client -showcerts), the modem is registered (AT+CEREG?), and the host and port",
    ),
    (
        &["AT#XSEND"],
        "the application could not send: the socket is not connected",
        "run the test connection again",
    ),
    (
        &["AT#XRECV"],
        "nothing was received before the timeout, or the socket is closed",
        "check the server answers this request; raise the timeout",
    ),
    (
        &["AT#XSMVER", "AT#XSLMVER"],
        "this application does not have that version command",
        "nothing to do: atcert asks both to tell Serial Modem from the older SLM",
    ),
    (
        &["AT+CFUN"],
        "the modem refused the functional mode",
        "reset the board and run the flow again",
    ),
];

/// What a failed answer means as the answer to `line`.
pub fn explain_command(line: &str, fin: &Final) -> Option<Explanation> {
    if fin.is_ok() {
        return None;
    }
    // The modem's own code says more than the command's general meaning.
    if let Some(e) = cme_number(fin).and_then(|n| lookup(CME_ERRORS, n)) {
        return Some(e);
    }
    by_command(COMMAND_MEANINGS, line, fin)
}

/// Lines that report a failure: `#XCONNECT: <h>,0` / `#XCONNECT: 0` (not connected),
/// `%XPOFWARN`.
pub fn explain_line(text: &str) -> Option<Explanation> {
    if let Some(rest) = text.strip_prefix("#XCONNECT:") {
        let last = rest.rsplit(',').next()?.trim();
        return (last == "0").then(|| {
            Explanation::new(
                "the TLS connection failed: the server's chain does not verify against the stored CA, the client certificate was refused, or the host cannot be reached",
                "check the CA matches the server's chain and that the modem is registered (AT+CEREG?)",
            )
        });
    }
    if text.starts_with("%XPOFWARN") {
        return Some(Explanation::new(
            "the modem warns that the supply voltage is too low",
            "charge the battery or raise the supply, then run the flow again",
        ));
    }
    None
}

// --- Plans ---------------------------------------------------------------------------------

/// Offline first: `%CMNG` writes and deletes are refused with 518 while the modem is in
/// functional mode 1, 2 or 21 \[C ATREF `%CMNG`\]. The restore puts it back to normal mode
/// whatever happens (a run interrupted before its restore leaves 4; the rerun's restore
/// sets 1 again, which a test connection needs anyway).
fn go_offline(plan: &mut Plan) {
    // [C] MKM `cmee_enable`: numeric errors around %CMNG, or the modem says bare ERROR.
    plan.push(
        "numeric error codes (+CME ERROR: <n>)",
        Purpose::Prepare,
        at::cmee(),
    );
    plan.push(
        "set the modem offline: credentials can be written only then",
        Purpose::Prepare,
        at::cfun(4),
    );
    plan.push_restore(
        "put the modem back in normal mode (AT+CFUN=1)",
        Purpose::Configure,
        at::cfun(1),
        Expect::Ok,
    );
}

/// The verification of one written entry: the SHA-256 the modem lists, or on firmware
/// older than 1.3.2 (no SHA in the list) that the entry is listed.
fn verify_check(tag: u32, role: Role, bytes: &[u8], firmware: Option<&str>) -> Check {
    let t = cmng_type(role);
    if lists_sha(firmware) {
        Check::Reported {
            prefix: format!("%CMNG: {tag},{t},"),
            field: 0,
            expected: sha256_hex(bytes),
            what: "SHA-256".into(),
            marker: None,
            proves: Proves::Digest,
        }
    } else {
        Check::Listed {
            prefix: "%CMNG: ".into(),
            name: format!("{tag},{t}"),
        }
    }
}

/// Offline, delete, write, verify each credential; back online whatever happened.
pub fn plan_provision(
    rules: &CredentialRules,
    creds: &Credentials,
    opts: &Options,
) -> Result<Plan, PlanError> {
    let tag = sec_tag(opts);
    let mut plan = Plan::new(FAMILY, "provision TLS credentials");
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        if c.bytes.contains(&b'"') {
            return Err(PlanError::Unsupported {
                family: FAMILY,
                what: format!("send this {role}"),
                why: "it contains a double quote, which would end the AT%CMNG string".into(),
            });
        }
        if !write_line_fits(tag, role, &c.bytes) {
            let max = rules.role(role).max_bytes.map_or(0, |r| r.value);
            return Err(PlanError::TooLarge {
                family: FAMILY,
                role,
                len: c.bytes.len(),
                max,
                hint: NRF91_TOO_LARGE.into(),
            });
        }
    }
    go_offline(&mut plan);
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let t = cmng_type(role);
        // Whether %CMNG=0 replaces an entry is uncertain (519 "already exists" is listed
        // as a write error [C ATREF]; NCU writes over [C]): delete first, 513 is fine.
        plan.push_expect(
            format!("delete an old {role} in security tag {tag} (513: there was none)"),
            Purpose::Clean(role),
            at::cmng_delete(tag, t),
            Expect::Tolerate,
        );
        plan.push(
            format!("write the {role} to security tag {tag}, type {t} (PEM inside the quotes)"),
            Purpose::Write(role),
            at::cmng_write(tag, t, &c.bytes),
        );
    }
    let firmware = opts.firmware.as_deref();
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let t = cmng_type(role);
        let check = verify_check(tag, role, &c.bytes, firmware);
        plan.push(
            if matches!(check, Check::Reported { .. }) {
                format!("check the SHA-256 the modem lists for the {role}")
            } else {
                format!("check the modem lists the {role} (no SHA-256 before firmware 1.3.2)")
            },
            Purpose::Verify(role, check),
            at::cmng_list(tag, t),
        );
    }
    if !lists_sha(firmware) {
        plan.note("modem firmware before 1.3.2 lists no SHA-256: the credentials are listed, not proven identical");
    }
    plan.note(format!(
        "the TLS connection uses security tag {tag}: peer verification checks the server against the stored CA"
    ));
    plan.note("the modem checks certificate dates only with a valid time from the network; atcert claims no date check");
    Ok(plan)
}

const NRF91_TOO_LARGE: &str = "the PEM travels inside one AT command, and the AT host's line buffer holds 4096 bytes: provision only the root CA, not a chain";

/// Offline, delete each entry, check the list no longer has it; back online.
pub fn plan_remove(creds: &Credentials, opts: &Options) -> Plan {
    let tag = sec_tag(opts);
    let mut plan = Plan::new(FAMILY, "remove TLS credentials");
    go_offline(&mut plan);
    for role in creds.roles() {
        let t = cmng_type(role);
        plan.push_expect(
            format!("delete the {role} in security tag {tag}"),
            Purpose::Remove(role),
            at::cmng_delete(tag, t),
            Expect::Tolerate,
        );
        plan.push(
            format!("check security tag {tag} no longer holds the {role}"),
            Purpose::Verify(
                role,
                Check::NotListed {
                    prefix: "%CMNG: ".into(),
                    name: format!("{tag},{t}"),
                },
            ),
            at::cmng_list(tag, t),
        );
    }
    plan
}

/// The TLS settings live in the socket options of each connection (security tag, peer
/// verification, host name): nothing to configure ahead.
pub fn plan_configure_tls(opts: &Options) -> Result<Plan, PlanError> {
    if let Some(v) = opts.tls_version
        && v != TlsVersion::Tls12
    {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: "choose another TLS version".into(),
            why: "the modem's TLS is TLS 1.2 only (socket protocol 258)".into(),
        });
    }
    let mut plan = Plan::new(FAMILY, "configure TLS");
    plan.note(format!(
        "nRF91 has no TLS profile to configure: each TLS socket names security tag {} and peer verification when it opens",
        sec_tag(opts)
    ));
    Ok(plan)
}

/// No clock step: the modem takes its time from the network (NITZ) [I audit 2.8], and no
/// source atcert may cite documents setting it for certificate checks.
pub fn plan_set_clock(_opts: &Options) -> Plan {
    Plan::new(FAMILY, "set the clock")
}

/// Opens TLS through the application's socket commands, sends, reads, closes.
pub fn plan_test_connection(opts: &Options) -> Result<Plan, PlanError> {
    // Not identified yet: the flows identify the module and plan again; until then (and
    // for `atcert plan`) the current application's syntax is shown. Its commands change
    // nothing stored, so on the old SLM they only fail.
    let app = match (app(opts.firmware.as_deref()), &opts.firmware) {
        (App::Unknown, None) => App::SerialModem,
        (app, _) => app,
    };
    if matches!(app, App::AtHost | App::Unknown) {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: "open a test connection".into(),
            why: match app {
                App::AtHost => "the board runs an AT host without socket commands (neither AT#XSMVER nor AT#XSLMVER answered): flash the Serial Modem application to test over AT".into(),
                _ => "the firmware text names neither Serial Modem nor SLM, whose socket commands differ: let atcert identify the module (leave the firmware unset) and run the flow again".into(),
            },
        });
    }
    if let Some(v) = opts.tls_version
        && v != TlsVersion::Tls12
    {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: "choose another TLS version".into(),
            why: "the modem's TLS is TLS 1.2 only (socket protocol 258)".into(),
        });
    }
    let tag = sec_tag(opts);
    let host = quoted_param(FAMILY, "use this host name", &opts.host)?;
    let req = opts.request_bytes();
    if req.contains(&b'"') {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: "send this request".into(),
            why: "AT#XSEND carries the data inside quotes; it cannot contain a double quote".into(),
        });
    }
    let mut plan = Plan::new(FAMILY, "test a TLS connection");
    if opts.firmware.is_none() {
        plan.note("the application is not known yet: Serial Modem's socket commands are shown; the flows ask the module (AT#XSMVER, AT#XSLMVER) and use the old SLM's commands where it runs that");
    }
    // [C] ATREF +CFUN; SLMDOC/SM: sockets need the modem online and registered.
    plan.push(
        "set the modem online (normal mode)",
        Purpose::Open,
        at::cfun(1),
    );
    match app {
        App::SerialModem => {
            plan.push(
                format!("open a TLS socket with security tag {tag}, server verified"),
                Purpose::Open,
                at::xssocket(tag),
            );
            plan.capture_last("h", "#XSSOCKET: ", 0, "0");
            if opts.sni {
                plan.push_templated(
                    "send the host name (SNI, and the name checked)",
                    Purpose::Open,
                    &format!("AT#XSSOCKETOPT={{h}},1,2,{host}"),
                    at::cmd("", Duration::from_secs(5)),
                    Expect::Ok,
                );
            }
            plan.push_templated(
                format!("open TLS to {}:{}", opts.host, opts.port),
                Purpose::Open,
                &format!("AT#XCONNECT={{h}},{host},{}", opts.port),
                at::cmd("", at::CONNECT),
                Expect::OkThenUrc {
                    prefix: "#XCONNECT: {h},".into(),
                    value: Some("1".into()),
                    fail: vec![],
                    within: at::CONNECT,
                },
            );
            plan.push_templated(
                format!("send {} bytes", req.len()),
                Purpose::Send,
                &format!("AT#XSEND={{h}},0,0,\"{}\"", String::from_utf8_lossy(&req)),
                at::cmd("", Duration::from_secs(30)),
                Expect::Ok,
            );
            plan.push_templated(
                "read the answer (waits up to 10 s)",
                Purpose::Receive,
                "AT#XRECV={h},0,0,10",
                at::xrecv("", "#XRECV: ", 2),
                Expect::Ok,
            );
            plan.push_templated(
                "close the socket",
                Purpose::Close,
                "AT#XCLOSE={h}",
                at::cmd("", Duration::from_secs(10)),
                Expect::Tolerate,
            );
        }
        _ => {
            // One socket at a time in SLM: close one an interrupted run left.
            plan.push_expect(
                "close a socket left open (an error means there was none)",
                Purpose::Close,
                at::cmd("AT#XSOCKET=0", Duration::from_secs(10)),
                Expect::Tolerate,
            );
            plan.push(
                format!("open a TLS socket with security tag {tag}, server verified"),
                Purpose::Open,
                at::xssocket(tag),
            );
            if opts.sni {
                plan.push(
                    "send the host name (SNI, and the name checked)",
                    Purpose::Open,
                    at::cmd(format!("AT#XSSOCKETOPT=1,2,{host}"), Duration::from_secs(5)),
                );
            }
            plan.push_expect(
                format!("open TLS to {}:{}", opts.host, opts.port),
                Purpose::Open,
                at::cmd(format!("AT#XCONNECT={host},{}", opts.port), at::CONNECT),
                Expect::OkThenUrc {
                    prefix: "#XCONNECT: ".into(),
                    value: Some("1".into()),
                    fail: vec![],
                    within: at::CONNECT,
                },
            );
            plan.push(
                format!("send {} bytes", req.len()),
                Purpose::Send,
                at::cmd(
                    format!("AT#XSEND=\"{}\"", String::from_utf8_lossy(&req)),
                    Duration::from_secs(30),
                ),
            );
            plan.push(
                "read the answer (waits up to 10 s)",
                Purpose::Receive,
                at::xrecv("AT#XRECV=10", "#XRECV: ", 0),
            );
            plan.push_expect(
                "close the socket",
                Purpose::Close,
                at::cmd("AT#XSOCKET=0", Duration::from_secs(10)),
                Expect::Tolerate,
            );
        }
    }
    Ok(plan)
}

/// One constructor per command this driver sends: the line, its timeout, and the source.
/// Every line ends with CR LF: taken by the CR (at_host, Serial Modem), LF and CR+LF (SLM
/// v3.1) terminators alike (audit 2.2; NCU sends CR LF to the at_client and works).
mod at {
    use core::time::Duration;

    use crate::at::Command;
    use crate::modules::cmd::{binary_read, line, secs};

    /// DNS, TCP and the TLS handshake together \[I audit 2.7: at least 60 s\].
    pub const CONNECT: Duration = secs(90);

    fn crlf(mut c: Command) -> Command {
        c.terminator = b"\r\n".to_vec();
        c
    }

    /// Any line with CR LF.
    pub fn cmd(text: impl Into<String>, timeout: Duration) -> Command {
        crlf(line(text, timeout))
    }

    /// `AT+CMEE=1` numeric errors (MKM `cmee_enable`; nrfcredstore); 1 s in the sources, 5 here.
    pub fn cmee() -> Command {
        cmd("AT+CMEE=1", secs(5))
    }

    /// `AT+CFUN=<n>` (ATREF +CFUN; nrfcredstore `go_offline` sends `AT+CFUN=4`); 10 s.
    pub fn cfun(mode: u8) -> Command {
        cmd(format!("AT+CFUN={mode}"), secs(10))
    }

    /// `AT%CMNG=0,<tag>,<type>,"<PEM>"` (ATREF `%CMNG`; NCU's real session; MKM
    /// `modem_key_mgmt_write`): the text inside the quotes with its LF line ends; 10 s
    /// (NCU waits 1 s after it).
    pub fn cmng_write(tag: u32, kind: u8, pem: &[u8]) -> Command {
        let mut text = format!("AT%CMNG=0,{tag},{kind},\"").into_bytes();
        text.extend_from_slice(pem);
        text.push(b'"');
        let mut c = cmd("", secs(10));
        c.line = text;
        c
    }

    /// `AT%CMNG=1,<tag>,<type>`: `%CMNG: <tag>,<type>,"<SHA-256>"` then `OK`, or only `OK`
    /// when nothing is stored (ATREF; NCU; MKM `modem_key_mgmt_exists`); 5 s.
    pub fn cmng_list(tag: u32, kind: u8) -> Command {
        cmd(format!("AT%CMNG=1,{tag},{kind}"), secs(5))
    }

    /// `AT%CMNG=3,<tag>,<type>`: `OK` or `+CME ERROR: 513` when absent (ATREF; MKM
    /// `modem_key_mgmt_delete`); 5 s.
    pub fn cmng_delete(tag: u32, kind: u8) -> Command {
        cmd(format!("AT%CMNG=3,{tag},{kind}"), secs(5))
    }

    /// `AT#XSSOCKET=1,1,0,<tag>,2`: IPv4, TLS 1.2 stream, client, peer verification
    /// required (SLMDOC and SM `at_socket.rst`: the same line in both dialects); 10 s.
    pub fn xssocket(tag: u32) -> Command {
        cmd(format!("AT#XSSOCKET=1,1,0,{tag},2"), secs(10))
    }

    /// `AT#XRECV=...`: a `#XRECV:` header whose `field` is the byte count, the bytes,
    /// `OK` (SLMDOC; SM `at_socket.rst`); 30 s (the read waits up to 10 s).
    pub fn xrecv(text: &str, prefix: &str, field: usize) -> Command {
        let mut c = binary_read(text, prefix, field, secs(30));
        c.terminator = b"\r\n".to_vec();
        c
    }
}

// --- Driver --------------------------------------------------------------------------------

/// How this family is named (`--module` values, Help, messages).
const NAMES: Names = Names {
    id: "nrf91",
    display_name: "Nordic nRF91",
    models: "Nordic nRF9160, nRF9161, nRF9151, nRF9131",
    model_prefixes: &["nrf9160", "nrf9161", "nrf9151", "nrf9131", "nrf91"],
    aliases: &["thingy91", "thingy:91"],
};

/// The Nordic nRF91 driver.
pub struct Nrf91;

impl Driver for Nrf91 {
    fn family(&self) -> Family {
        FAMILY
    }
    fn names(&self) -> &'static Names {
        &NAMES
    }
    /// `AT+CGMR` gives the modem firmware; `#XSMVER`/`#XSLMVER` the application.
    fn identify_probes(&self) -> &'static [Probe] {
        &[Probe::CGMR, XSMVER, XSLMVER]
    }
    fn read_probe(&self, probe: Probe, answer: &Answer, found: &mut Findings) -> bool {
        let base = found.firmware.clone().unwrap_or_default();
        let version = || {
            answer
                .lines
                .iter()
                .find_map(|l| l.split_once(':').map(|(_, v)| v.trim().to_owned()))
                .map(|v| {
                    v.split(',')
                        .next()
                        .unwrap_or("")
                        .trim_matches('"')
                        .to_owned()
                })
                .unwrap_or_default()
        };
        let join = |mark: String| {
            if base.is_empty() {
                mark
            } else {
                format!("{base}, {mark}")
            }
        };
        if probe == XSMVER && answer.ok {
            found.firmware = Some(join(format!("{MARK_SM} {}", version())));
        } else if probe == XSLMVER && app(Some(&base)) != App::SerialModem {
            found.firmware = Some(join(if answer.ok {
                format!("{MARK_SLM} {}", version())
            } else {
                format!("{MARK_HOST} (no socket commands)")
            }));
        }
        true
    }
    /// `AT+CGMI` names the vendor (`Nordic Semiconductor ASA`).
    fn vendor_words(&self) -> &'static [&'static str] {
        &["Nordic"]
    }
    fn tls_on_every_firmware(&self) -> bool {
        true
    }
    fn needs_firmware(&self) -> bool {
        true
    }
    fn engine_config(&self) -> Config {
        Config::default().with_urc_prefixes(&["%XPOFWARN", "%CESQ:", "+CEREG:"])
    }
    fn rules(&self) -> CredentialRules {
        NRF91
    }
    fn recovery(&self) -> Recovery {
        RECOVERY
    }
    fn too_large_hint(&self) -> &'static str {
        NRF91_TOO_LARGE
    }
    fn plan_provision(
        &self,
        rules: &CredentialRules,
        creds: &Credentials,
        opts: &Options,
    ) -> Result<Plan, PlanError> {
        plan_provision(rules, creds, opts)
    }
    fn plan_remove(&self, creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
        Ok(plan_remove(creds, opts))
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

// An interrupted `%CMNG` write leaves the AT host inside the quoted string: every CR is
// data until a `"` arrives (ATHOST `inside_quotes`, SM the same rule), so the abort is a
// single double quote; the line it ends is refused and the probe then stands alone.
// No data phases and no online mode.
const RECOVERY: Recovery = Recovery {
    probe: "AT",
    abort: b"\"",
    escape_online: false,
    data_timeout: Duration::ZERO,
    max_data: 4096,
};

// --- Credential rules -------------------------------------------------------------------------

const NRF91_CERT: RoleRules = RoleRules {
    accepted: Rule::c(PEM, "nrf91.md 2.3: PEM text inside the quotes of AT%CMNG"),
    send_as: Encoding::Pem,
    line_endings: Rule::c(
        AcceptedLineEndings::LfOnly,
        "nrf91.md 2.3/2.4: NCU sends LF line ends; the SHA-256 covers them, so one form is sent",
    ),
    trailing_newline: Rule::i(
        TrailingNewline::Optional,
        "nrf91.md 2.3: NCU keeps the file's final LF",
    ),
    max_bytes: Some(Rule::c(
        4064,
        "nrf91.md 2.2/5: the AT host's 4096-byte line buffer holds the whole AT%CMNG command (ATHOST Kconfig)",
    )),
    key_types: Rule::i(
        RSA_P256,
        "nrf91.md 5: P-256 confirmed (%KEYGEN, nRF Cloud); RSA unconfirmed",
    ),
    rsa_bits: Rule::i((1024, 4096), "nrf91.md 5: RSA unconfirmed"),
    signature_hashes: Some(Rule::i(
        ALL_HASHES_BUT_MD,
        "nrf91.md 5: mbed TLS-based stack",
    )),
    key_encodings: Rule::i(NO_KEY, "not a key"),
    encrypted_key: Rule::i(false, "not a key"),
    bundle: Rule::i(
        false,
        "nrf91.md 5: one certificate per entry keeps the line within the buffer",
    ),
    storage: Rule::c(
        Storage::Parameter {
            name: "%CMNG type 0 (root CA)",
        },
        "nrf91.md 2.3: <sec_tag>,<type> 0 root CA",
    ),
};

const NRF91: CredentialRules = CredentialRules {
    family: "nrf91",
    ca: NRF91_CERT,
    client_cert: RoleRules {
        storage: Rule::c(
            Storage::Parameter {
                name: "%CMNG type 1 (client certificate)",
            },
            "nrf91.md 2.3: type 1 client certificate",
        ),
        ..NRF91_CERT
    },
    client_key: RoleRules {
        key_encodings: Rule::s(
            &[KeyEncoding::Pkcs8, KeyEncoding::Sec1, KeyEncoding::Pkcs1],
            "nrf91.md 2.3: PEM private key text (NCU writes the key it made)",
        ),
        encrypted_key: Rule::i(
            false,
            "atcert sends no %CMNG passphrase: an encrypted key is decrypted first",
        ),
        storage: Rule::c(
            Storage::Parameter {
                name: "%CMNG type 2 (private key)",
            },
            "nrf91.md 2.3: type 2 private key",
        ),
        ..NRF91_CERT
    },
    mutual_tls: Rule::c(
        Support::Supported,
        "nrf91.md 2.3: types 1 and 2; nRF Cloud provisions device certificates",
    ),
    clock: Rule::i(
        ClockCheck::Unknown,
        "nrf91.md 2.8: the modem has time only from the network; whether dates are checked without it is unknown",
    ),
    ca_choice: Rule::i(CaChoice::AnyCa, "nrf91.md 5"),
    tls_versions: Rule::c("TLS 1.2 (DTLS 1.2)", "nrf91.md 5: socket protocol 258/273"),
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::plan::Credential;

    #[test]
    fn sha_matches_the_real_session() {
        // NCU's real nRF9160 session: Amazon Root CA 1 would give 2C43…; here a known
        // vector: SHA-256("abc").
        assert_eq!(
            sha256_hex(b"abc"),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        );
    }

    #[test]
    fn every_documented_code_is_explained() {
        for code in [513, 514, 515, 518, 519, 520, 527, 528] {
            let fin = Final::CmeError(crate::at::ErrorCode::Number(code));
            assert!(explain(&fin).is_some(), "{code}");
        }
    }

    #[test]
    fn firmware_picks_the_dialect_and_the_verification() {
        assert_eq!(
            app(Some("mfw_nrf91x1_2.0.4, Serial Modem 1.0.0")),
            App::SerialModem
        );
        assert_eq!(app(Some("mfw_nrf9160_1.3.2, SLM 2.5.2")), App::Slm);
        assert_eq!(app(None), App::Unknown);
        assert!(!lists_sha(Some("mfw_nrf9160_1.2.0")));
        assert!(lists_sha(Some("mfw_nrf9160_1.3.2")));
        assert!(lists_sha(None));
    }

    #[test]
    fn plan_has_the_documented_framing_and_restores() {
        let pem = b"-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n".to_vec();
        let creds = Credentials {
            ca: Some(Credential {
                bytes: pem.clone(),
                name: String::new(),
            }),
            ..Credentials::default()
        };
        let plan = plan_provision(&NRF91, &creds, &Options::default()).unwrap();
        let lines: Vec<String> = plan
            .all_steps()
            .map(|s| String::from_utf8_lossy(&s.command.line).into_owned())
            .collect();
        assert_eq!(lines[1], "AT+CFUN=4");
        assert_eq!(lines[2], "AT%CMNG=3,0,0");
        assert_eq!(
            lines[3],
            format!("AT%CMNG=0,0,0,\"{}\"", String::from_utf8_lossy(&pem))
        );
        assert_eq!(lines[4], "AT%CMNG=1,0,0");
        assert_eq!(plan.restore.len(), 1);
        assert_eq!(lines.last().map(String::as_str), Some("AT+CFUN=1"));
        let big = Credentials {
            ca: Some(Credential {
                bytes: vec![b'A'; 4090],
                name: String::new(),
            }),
            ..Credentials::default()
        };
        assert!(matches!(
            plan_provision(&NRF91, &big, &Options::default()),
            Err(PlanError::TooLarge { .. })
        ));
    }
}
