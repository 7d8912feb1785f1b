//! u-blox SARA-R4 / SARA-R5: credentials in the security manager (`AT+USECMNG`), TLS
//! settings in a security profile (`AT+USECPRF`), sockets with `AT+USOCR`/`AT+USOSEC`
//! (shared/reference/modules/ublox.md; audit in `tests/audit/ublox.md`).
//!
//! Verification: the module answers every import, and `AT+USECMNG=4` later, with an MD5.
//! Public vectors show it is the MD5 of the DER the module stores, not of the bytes sent
//! (audit 2.4: four credentials, two sources); a PEM tool for SARA-U2 assumes the bytes sent.
//! The plan accepts either and nothing else, so a module that stored other bytes fails.
//! Certificates go as DER, where both readings are the same digest and the SARA-R4
//! application guide's "DER only" is honoured; the key goes as traditional PEM (PKCS#1 or
//! SEC1), the form the reference says every module takes.

use core::time::Duration;

use base64ct::Encoding as _;
use md5::{Digest, Md5};

use crate::at::{Config, Final};
use crate::cert::lint::{
    AcceptedLineEndings, CaChoice, ClockCheck, CredentialRules, Encoding, KeyEncoding, KeyType,
    RoleRules, Rule, Storage, Support, TrailingNewline,
};
use crate::modules::Family;
use crate::modules::cmd::{quoted, quoted_param};
use crate::modules::driver::{Driver, Names, Recovery};
use crate::modules::explain::{
    CommandRow, Explanation, Row, by_command, cme_number, explain_common, lookup,
};
use crate::modules::plan::{
    Check, Credentials, Expect, Options, Plan, PlanError, Proves, Purpose, Role, TlsVersion,
};
use crate::modules::rules::{ALL_HASHES_BUT_MD, DER_PEM, NO_KEY};

const FAMILY: Family = Family::Ublox;

/// Security manager errors, `+CME ERROR: 1910`..`1922` (audit 3: GAMMU table citing
/// UBX-22016905 appendix A; RSERR for 1910-1914).
pub const USECMNG_ERRORS: &[Row] = &[
    (
        1910,
        "import timeout expired: the module got no data for more than 20 s after its '>' prompt",
        "send the bytes right after the prompt; check the cable and flow control (RTS/CTS), then provision again",
    ),
    (
        1911,
        "import file size exceeds the limit",
        "send one certificate per name (the root only, not a chain), or a smaller key",
    ),
    (
        1912,
        "no memory available in the security manager",
        "delete credentials you no longer use (list them with AT+USECMNG=3, delete with AT+USECMNG=2) and provision again",
    ),
    (
        1913,
        "invalid certificate/key format",
        "check the certificate parses (atcert lint), its subject has only the usual name attributes, and the key is PKCS#1 or SEC1 rather than PKCS#8",
    ),
    (
        1914,
        "the credential database is full (16 credentials on SARA-R4)",
        "delete credentials you no longer use (AT+USECMNG=3 lists them, AT+USECMNG=2 deletes) and provision again",
    ),
    (
        1915,
        "security manager database internal error",
        "power-cycle the module and provision again",
    ),
    (
        1916,
        "internal name not found: no credential of that type and name",
        "nothing to delete; if this answers a check after writing, the module lost it: provision again",
    ),
    (
        1917,
        "internal name already present",
        "delete it first (atcert's provisioning does) and run the step again",
    ),
    (
        1918,
        "private key format error",
        "send an unencrypted PKCS#1 (RSA) or SEC1 (EC) key without an EC PARAMETERS block; SARA-R410M-02B takes no key password",
    ),
    (
        1919,
        "MD5 checksum error",
        "the data was damaged on the way: provision again, with hardware flow control if you can",
    ),
    (
        1920,
        "PEM to DER conversion error",
        "send the credential as DER (atcert convert --der), or a PEM with 64-character lines",
    ),
    (
        1921,
        "certificate date error",
        "check the certificate's validity dates and set the module clock (AT+CCLK)",
    ),
    (
        1922,
        "certificate common name error",
        "check the certificate's common name and the server host name",
    ),
];

/// Explains a final result of a u-blox command.
pub fn explain(fin: &Final) -> Option<Explanation> {
    cme_number(fin)
        .and_then(|n| lookup(USECMNG_ERRORS, n))
        .or_else(|| {
            // `AT+CMEE=2` words: "USECMNG invalid certificate/key format" (reference 2.6).
            let Final::CmeError(crate::at::ErrorCode::Text(t)) = fin else {
                return None;
            };
            let t = t.to_ascii_lowercase();
            USECMNG_ERRORS
                .iter()
                .find(|(_, meaning, _)| {
                    let head = meaning.split([':', '(']).next().unwrap_or(meaning).trim();
                    t.contains(&head.to_ascii_lowercase())
                })
                .map(|(_, m, n)| Explanation::new(*m, *n))
        })
        .or_else(|| explain_common(fin))
}

/// `+USOER: <n>`, the last socket error (BSD numbers, reference 5): the ones a TLS test
/// connection meets.
const SOCKET_ERRORS: &[Row] = &[
    (0, "no socket error recorded", "nothing to do"),
    (
        9,
        "bad socket: it is closed or was never created",
        "run the test connection again (it creates a new socket)",
    ),
    (
        11,
        "resource temporarily unavailable",
        "wait and run the test connection again",
    ),
    (
        104,
        "the server reset the connection",
        "the server refused this client: check it accepts the client certificate",
    ),
    (
        110,
        "connection timed out",
        "check signal, APN and that the server is reachable",
    ),
    (
        111,
        "connection refused",
        "check the host and port; the server may be down",
    ),
];

/// Explains an informational line that reports a failure (`+USOER: <n>`).
pub fn explain_line(text: &str) -> Option<Explanation> {
    let code = text.strip_prefix("+USOER:")?.trim().parse().ok()?;
    lookup(SOCKET_ERRORS, code)
}

/// What a refused command means on u-blox, by command.
const COMMAND_MEANINGS: &[CommandRow] = &[
    (
        &["AT+USECMNG=0"],
        "the module refused the import before or after the data: wrong size, a format it cannot read, a full store, or a name already in use",
        "check the credential with atcert lint; delete unused credentials (AT+USECMNG=3 lists them) and provision again",
    ),
    (
        &["AT+USECMNG=2"],
        "there is no credential of that type and name to delete",
        "nothing to delete",
    ),
    (
        &["AT+USECMNG=4"],
        "the module has no credential of that type and name, so it has no MD5 to report",
        "provision the credential again",
    ),
    (
        &["AT+USECMNG"],
        "the security manager refused the command",
        "check the credential type and name, then run the step again",
    ),
    (
        &["AT+USECPRF"],
        "the module refused this security profile setting (profile 0-4; some settings, like SNI on SARA-R410M-02B, are not on every firmware)",
        "check the profile number and that this firmware has the setting",
    ),
    (
        &["AT+USOCR"],
        "the module could not create a socket: all are in use or there is no data connection",
        "close sockets left open (AT+USOCL=<n>) and check the PDP context is active (AT+CGACT?)",
    ),
    (
        &["AT+USOSEC"],
        "the module could not enable TLS on the socket",
        "check the security profile number and that the socket exists",
    ),
    (
        &["AT+USOCO"],
        "the TLS connection failed: the server's chain does not lead to the stored root CA, the server needs a client certificate the profile does not give, the TLS version or cipher is not shared, or the host is unreachable",
        "check the CA is the server's root (openssl s_client -showcerts), the client certificate and key, and the host; AT+USOER gives the socket error",
    ),
    (
        &["AT+USOWR"],
        "the module could not send on the socket: it is closed or the length is over 1024 bytes",
        "open the connection again; send a shorter request",
    ),
    (
        &["AT+USORD"],
        "there is nothing to read on the socket, or it is closed",
        "wait for +UUSORD before reading; open the connection again",
    ),
    (
        &["AT+USOCL"],
        "there is no open socket of that number",
        "nothing to close",
    ),
    (
        &["AT+CCLK"],
        "the module refused the clock value",
        "the time must be \"yy/MM/dd,hh:mm:ss+zz\": check the computer's clock and run the step again",
    ),
];

/// What a refused command means, where a bare `ERROR` says nothing.
pub fn explain_command(line: &str, fin: &Final) -> Option<Explanation> {
    if fin.is_ok() {
        return None;
    }
    if let Some(code) = cme_number(fin)
        && let Some(e) = lookup(USECMNG_ERRORS, code)
    {
        return Some(e);
    }
    by_command(COMMAND_MEANINGS, line, fin)
}

/// `<type>` of `AT+USECMNG`: 0 root CA, 1 client certificate, 2 client private key
/// (reference 2; audit 2.3).
fn type_of(role: Role) -> u8 {
    match role {
        Role::Ca => 0,
        Role::ClientCert => 1,
        Role::ClientKey => 2,
    }
}

/// The two-letter code of `<type>` in the op 3 list (reference 2.3).
fn list_code(role: Role) -> &'static str {
    match role {
        Role::Ca => "CA",
        Role::ClientCert => "CC",
        Role::ClientKey => "PK",
    }
}

fn name_checked(role: Role, name: &str) -> Result<String, PlanError> {
    let bad = |why: &str| PlanError::BadName {
        family: FAMILY,
        role,
        name: name.to_owned(),
        why: why.to_owned(),
    };
    // [C] ubxlib assumes 32 characters as the smallest common limit (reference 2); commas
    // and colons would split the module's answer fields.
    if name.is_empty() || name.len() > 32 {
        return Err(bad("internal names are 1 to 32 characters"));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b',' && b != b':')
    {
        return Err(bad("use letters, digits, '_', '-' or '.' only"));
    }
    quoted(name).ok_or_else(|| bad("quotes cannot be sent"))
}

fn hex_md5(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The DER the module stores for `bytes`: the bytes themselves, or a PEM's body (any line
/// length).
fn stored_der(bytes: &[u8]) -> Vec<u8> {
    let Ok(text) = core::str::from_utf8(bytes) else {
        return bytes.to_vec();
    };
    if !text.trim_start().starts_with("-----BEGIN ") {
        return bytes.to_vec();
    }
    let b64: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("-----"))
        .flat_map(|l| l.chars().filter(|c| !c.is_ascii_whitespace()))
        .collect();
    base64ct::Base64::decode_vec(&b64).unwrap_or_else(|_| bytes.to_vec())
}

/// The module's MD5 after `+USECMNG: <op>,<type>,"<name>",`: of the stored DER (audit 2.4,
/// four vectors) or, as a SARA-U2 tool assumes, of the bytes sent. Either, nothing else.
fn digest_check(op: u8, role: Role, name: &str, bytes: &[u8]) -> Check {
    let prefix = format!("+USECMNG: {op},{},{name},", type_of(role));
    let md5 = |what: &str, data: &[u8]| Check::Reported {
        prefix: prefix.clone(),
        field: usize::MAX,
        expected: hex_md5(data),
        what: what.to_owned(),
        marker: None,
        proves: Proves::Digest,
    };
    let der = stored_der(bytes);
    if der == bytes {
        md5("MD5", bytes)
    } else {
        Check::Any(vec![md5("MD5", &der), md5("MD5", bytes)])
    }
}

/// The profile (0-4, reference 3) the options name.
fn profile(opts: &Options) -> Result<u8, PlanError> {
    if opts.context > 4 {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: format!("use security profile {}", opts.context),
            why: "profiles are 0 to 4".into(),
        });
    }
    Ok(opts.context)
}

/// Sets the clock when a time is given (`AT+CCLK`, 3GPP TS 27.007): the module checks dates
/// only at validation level 3, which [`plan_configure_tls`] asks for exactly then.
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

/// Deletes, imports (checking the MD5 the import answers), checks the MD5 again with op 4,
/// then configures the security profile.
pub fn plan_provision(creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
    let mut plan = Plan::new(FAMILY, "provision TLS credentials");
    plan.push(
        "numeric errors, so the module says why it refuses",
        Purpose::Prepare,
        at::cmee(),
    );
    plan.extend(plan_set_clock(opts));
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let name = name_checked(role, &c.name)?;
        let t = type_of(role);
        // The reference says a name is overwritten; whether the store then holds exactly
        // the new bytes is shown only by the MD5, and 1917 exists: delete first. Absent is
        // fine (MKRNB ignores the answer; 1916).
        plan.push_expect(
            format!("delete an old {role} named {name} (an error means there was none)"),
            Purpose::Clean(role),
            at::usecmng_delete(t, &name),
            Expect::Tolerate,
        );
        plan.push(
            format!("import the {role} as {name} and check the MD5 the module answers"),
            Purpose::Verify(role, digest_check(0, role, &name, &c.bytes)),
            at::usecmng_import(t, &name, &c.bytes),
        );
    }
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let name = name_checked(role, &c.name)?;
        plan.push(
            format!("ask the module for the MD5 of the stored {role} again"),
            Purpose::Verify(role, digest_check(4, role, &name, &c.bytes)),
            at::usecmng_md5(type_of(role), &name),
        );
    }
    plan.note(
        "the module cannot show what it stores; the MD5 it computes over it (of the DER) proves the content",
    );
    plan.extend(plan_configure_tls(creds, opts)?);
    Ok(plan)
}

/// `AT+USECPRF` for one profile: reset, validation level, TLS version, names.
pub fn plan_configure_tls(creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
    let p = profile(opts)?;
    let mut plan = Plan::new(FAMILY, "configure TLS");
    plan.push(
        format!("reset security profile {p}"),
        Purpose::Configure,
        at::usecprf_reset(p),
    );
    // Level 0 none, 1 root CA, 3 root CA + host name + dates (audit 2.6). Level 3 only with
    // a clock set: a module with its boot date would refuse every certificate.
    let level = match (creds.ca.is_some(), opts.unix_time.is_some()) {
        (false, _) => 0,
        (true, false) => 1,
        (true, true) => 3,
    };
    plan.push(
        match level {
            0 => "no server validation (no CA given)",
            1 => "validate the server against the root CA (dates not checked: no clock set)",
            _ => "validate the server against the root CA, its host name and dates",
        },
        Purpose::Configure,
        at::usecprf(p, 0, level),
    );
    let version = match opts.tls_version {
        None => 0,
        Some(TlsVersion::Tls10) => 1,
        Some(TlsVersion::Tls11) => 2,
        Some(TlsVersion::Tls12) => 3,
        // [S] SFR5's enum has 4 for TLS 1.3 on newer firmware.
        Some(TlsVersion::Tls13) => 4,
        Some(TlsVersion::Ssl3) => {
            return Err(PlanError::Unsupported {
                family: FAMILY,
                what: "use SSL 3.0".into(),
                why: "AT+USECPRF op 1 starts at TLS 1.0".into(),
            });
        }
    };
    plan.push(
        "allow the TLS versions asked for",
        Purpose::Configure,
        at::usecprf(p, 1, version),
    );
    if level == 3 {
        let host = host_checked(opts)?;
        plan.push(
            format!("expect the server's name to be {}", opts.host),
            Purpose::Configure,
            at::usecprf(p, 4, host),
        );
    }
    for (role, op) in [(Role::Ca, 3), (Role::ClientCert, 5), (Role::ClientKey, 6)] {
        if let Some(c) = creds.get(role) {
            let name = name_checked(role, &c.name)?;
            plan.push(
                format!("use {} as the {role}", c.name),
                Purpose::Configure,
                at::usecprf(p, op, name),
            );
        }
    }
    Ok(plan)
}

fn host_checked(opts: &Options) -> Result<String, PlanError> {
    quoted_param(FAMILY, "use this host name", &opts.host)
}

/// Deletes each credential, then checks the list no longer names it.
pub fn plan_remove(creds: &Credentials) -> Result<Plan, PlanError> {
    let mut plan = Plan::new(FAMILY, "remove TLS credentials");
    plan.push(
        "numeric errors, so the module says why it refuses",
        Purpose::Prepare,
        at::cmee(),
    );
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let name = name_checked(role, &c.name)?;
        plan.push(
            format!("delete the {role} {name}"),
            Purpose::Remove(role),
            at::usecmng_delete(type_of(role), &name),
        );
    }
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let code = list_code(role);
        // The type is quoted on some firmware and not on others (reference 2.3).
        let gone = |prefix: String| Check::NotListed {
            prefix,
            name: c.name.clone(),
        };
        plan.push(
            format!("check the list no longer has {}", c.name),
            Purpose::Verify(
                role,
                Check::All(vec![gone(format!("\"{code}\",")), gone(format!("{code},"))]),
            ),
            at::usecmng_list(),
        );
    }
    Ok(plan)
}

/// Opens a TLS socket with the profile, sends the request, reads the answer, closes.
pub fn plan_test_connection(opts: &Options) -> Result<Plan, PlanError> {
    let p = profile(opts)?;
    let host = host_checked(opts)?;
    let req = opts.request_bytes();
    if req.len() > 1024 {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: format!("send a {}-byte request", req.len()),
            why: "AT+USOWR sends at most 1024 bytes at a time".into(),
        });
    }
    let mut plan = Plan::new(FAMILY, "test a TLS connection");
    plan.push(
        "numeric errors, so the module says why it refuses",
        Purpose::Prepare,
        at::cmee(),
    );
    // A socket an interrupted run left open would keep its number: close it first.
    plan.push_expect(
        "close socket 0 if an earlier run left it open (an error means it was closed)",
        Purpose::Close,
        at::usocl("0"),
        Expect::Tolerate,
    );
    // The host name validation level 3 checks is the one connected to (audit 2.6, op 4);
    // at level 1 it is not looked at.
    plan.push(
        format!("expect the server's name to be {}", opts.host),
        Purpose::Open,
        at::usecprf(p, 4, host.clone()),
    );
    if opts.sni {
        // [U] SNI (op 10) is not on SARA-R410M-02B: a refusal is fine.
        plan.push_expect(
            format!("send {} as SNI (older firmware refuses: fine)", opts.host),
            Purpose::Open,
            at::usecprf(p, 10, host.clone()),
            Expect::Tolerate,
        );
    }
    plan.push("create a TCP socket", Purpose::Open, at::usocr());
    plan.capture_last_number("socket", "+USOCR:", 0, "0", (0, 6));
    plan.push_templated(
        format!("use security profile {p} on the socket"),
        Purpose::Open,
        &format!("AT+USOSEC={{socket}},1,{p}"),
        at::usosec(p),
        Expect::Ok,
    );
    plan.push_templated(
        format!("connect with TLS to {}:{}", opts.host, opts.port),
        Purpose::Open,
        &format!("AT+USOCO={{socket}},{host},{}", opts.port),
        at::usoco(&host, opts.port),
        Expect::Ok,
    );
    let len = req.len();
    plan.push_templated(
        format!("send {len} bytes"),
        Purpose::Send,
        &format!("AT+USOWR={{socket}},{len}"),
        at::usowr(req),
        Expect::OkThenUrc {
            prefix: "+UUSORD: ".into(),
            value: None,
            fail: vec!["+UUSOCL:".into()],
            within: Duration::from_secs(60),
        },
    );
    let most = opts.max_response.clamp(1, 1024);
    plan.push_templated(
        format!("read up to {most} bytes"),
        Purpose::Receive,
        &format!("AT+USORD={{socket}},{most}"),
        at::usord(most),
        Expect::Ok,
    );
    plan.push_templated(
        "close the socket",
        Purpose::Close,
        "AT+USOCL={socket}",
        at::usocl("0"),
        Expect::Tolerate,
    );
    Ok(plan)
}

/// One constructor per command; sources as in `tests/audit/ublox.md`.
mod at {
    use core::fmt::Display;

    use crate::at::{Command, ResponseShape, Trigger};
    use crate::modules::cmd::{Utc, line, secs, upload};

    /// `AT+CCLK="yy/MM/dd,hh:mm:ss+zz"` (3GPP TS 27.007 +CCLK; audit 2.8); 5 s.
    pub fn cclk(unix_time: u64) -> Command {
        line(
            format!("AT+CCLK={}", Utc::from_unix(unix_time).cclk()),
            secs(5),
        )
    }

    /// `AT+CMEE=1`: numeric `+CME ERROR` codes (PYU2 sets CMEE first; audit 1, 3); 2 s.
    pub fn cmee() -> Command {
        line("AT+CMEE=1", secs(2))
    }

    /// `AT+USECMNG=2,<type>,"<name>"` deletes (MKRNB `NBSSLClient.cpp`, PYU2); 10 s.
    pub fn usecmng_delete(t: u8, quoted_name: &str) -> Command {
        line(format!("AT+USECMNG=2,{t},{quoted_name}"), secs(10))
    }

    /// `AT+USECMNG=0,<type>,"<name>",<size>`, `>`, exactly `<size>` bytes, no terminator,
    /// then `+USECMNG: 0,<type>,"<name>","<md5>"` `OK` (MKRNB `waitForPrompt`; MKRLOG;
    /// AWSN; SFR5 `setSecurityManager`: prompt within 1 s, result within 10 s; ubxlib
    /// `u_security_credential.c`); 20 s, the module's own import timeout.
    pub fn usecmng_import(t: u8, quoted_name: &str, bytes: &[u8]) -> Command {
        let mut c = upload(
            format!("AT+USECMNG=0,{t},{quoted_name},{}", bytes.len()),
            Trigger::Prompt,
            bytes.to_vec(),
            None,
            secs(20),
        );
        if let Some(d) = c.data.as_mut() {
            d.trigger_timeout = secs(5);
        }
        c
    }

    /// `AT+USECMNG=4,<type>,"<name>"`: `+USECMNG: 4,<type>,"<name>","<md5>"` `OK` (PYU2;
    /// ubxlib `uSecurityCredentialGetHash`); 10 s.
    pub fn usecmng_md5(t: u8, quoted_name: &str) -> Command {
        line(format!("AT+USECMNG=4,{t},{quoted_name}"), secs(10))
    }

    /// `AT+USECMNG=3`: one line per credential, no prefix (MKRNB; ubxlib list); 10 s.
    pub fn usecmng_list() -> Command {
        line("AT+USECMNG=3", secs(10))
    }

    /// `AT+USECPRF=<p>` resets the profile (SFR5 `resetSecurityProfile`); 2 s.
    pub fn usecprf_reset(p: u8) -> Command {
        line(format!("AT+USECPRF={p}"), secs(2))
    }

    /// `AT+USECPRF=<p>,<op>,<value>` (AWSN sequence; SFR5 op and value enums); 2 s.
    pub fn usecprf(p: u8, op: u8, value: impl Display) -> Command {
        line(format!("AT+USECPRF={p},{op},{value}"), secs(2))
    }

    /// `AT+USOCR=6`: `+USOCR: <s>` `OK` (AWSN; ubxlib `u_cell_sock.c`); 10 s.
    pub fn usocr() -> Command {
        line("AT+USOCR=6", secs(10))
    }

    /// `AT+USOSEC=<s>,1,<p>` (AWSN; ubxlib, before USOCO); 10 s.
    pub fn usosec(p: u8) -> Command {
        line(format!("AT+USOSEC=0,1,{p}"), secs(10))
    }

    /// `AT+USOCO=<s>,"<host>",<port>`: `OK` once TCP and TLS are up (ubxlib: 332 s).
    pub fn usoco(quoted_host: &str, port: u16) -> Command {
        line(format!("AT+USOCO=0,{quoted_host},{port}"), secs(332))
    }

    /// `AT+USOWR=<s>,<n>`, `@`, the bytes, `+USOWR: <s>,<n>` `OK` (ubxlib; SFR5: 10 s).
    pub fn usowr(bytes: Vec<u8>) -> Command {
        upload(
            format!("AT+USOWR=0,{}", bytes.len()),
            Trigger::Line("@".into()),
            bytes,
            None,
            secs(10),
        )
    }

    /// `AT+USORD=<s>,<n>`: `+USORD: <s>,<n>,"<n bytes>"` `OK` (reference 4; ubxlib); 10 s.
    pub fn usord(most: usize) -> Command {
        Command {
            response: ResponseShape::QuotedLength {
                header: crate::at::LengthHeader::new("+USORD: ", 1),
            },
            ..line(format!("AT+USORD=0,{most}"), secs(10))
        }
    }

    /// `AT+USOCL=<s>` (SFR5: up to 120 s).
    pub fn usocl(socket: &str) -> Command {
        line(format!("AT+USOCL={socket}"), secs(120))
    }
}

/// How this family is named.
const NAMES: Names = Names {
    id: "ublox",
    display_name: "u-blox SARA-R4 / SARA-R5",
    models: "u-blox SARA-R4 (SARA-R410M-02B, R412M, R422) and SARA-R5 (SARA-R500S, R510S, R510M8S)",
    model_prefixes: &["sara-r4", "sara-r5"],
    aliases: &["u-blox", "sara"],
};

/// The u-blox SARA-R4 / SARA-R5 driver.
pub struct Ublox;

impl Driver for Ublox {
    fn family(&self) -> Family {
        FAMILY
    }
    fn names(&self) -> &'static Names {
        &NAMES
    }
    /// `AT+USECMNG`/`AT+USECPRF` on every SARA-R4/R5 firmware seen (reference intro).
    fn tls_on_every_firmware(&self) -> bool {
        true
    }
    fn vendor_words(&self) -> &'static [&'static str] {
        &["u-blox"]
    }
    fn engine_config(&self) -> Config {
        Config::default().with_urc_prefixes(&[
            "+UUSORD:", "+UUSOCL:", "+UUSOCO:", "+UUPSDA:", "+CEREG:", "+CREG:",
        ])
    }
    fn rules(&self) -> CredentialRules {
        UBLOX
    }
    fn recovery(&self) -> Recovery {
        RECOVERY
    }
    fn too_large_hint(&self) -> &'static str {
        "upload only the root, not a chain; DER is smaller than PEM"
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

// A counted import has no documented abort; the module gives up by itself after 20 s
// without input (1910, audit 3). No online mode is used. 8192: the largest import ubxlib
// and Zephyr send (reference 2.1).
const RECOVERY: Recovery = Recovery {
    probe: "AT",
    abort: b"",
    escape_online: false,
    data_timeout: Duration::from_secs(20),
    max_data: 8192,
};

// --- Credential rules (audit sections in brackets) -------------------------------------------

const CERT: RoleRules = RoleRules {
    accepted: Rule::s(
        DER_PEM,
        "ublox.md 2.6 / audit 2.3: the AT manual takes DER and PEM; the SARA-R4 application guide says DER only",
    ),
    send_as: Encoding::Der,
    line_endings: Rule::s(
        AcceptedLineEndings::LfOrCrLf,
        "audit 2.4: PEM with CRLF (ubxlib) and LF (AWSN) both imported",
    ),
    trailing_newline: Rule::i(TrailingNewline::Optional, "ublox.md 2.6"),
    max_bytes: Some(Rule::i(
        8192,
        "ublox.md 2.1: 8 KiB, what ubxlib and Zephyr assume; larger answers CME 1911",
    )),
    key_types: Rule::s(
        &[KeyType::Rsa, KeyType::EcP256, KeyType::EcP384],
        "audit 5: EC P-384 in u-blox's test farm (ubxlib); RSA in every public transcript",
    ),
    rsa_bits: Rule::i((1024, 4096), "audit 5: RSA sizes per model not documented"),
    signature_hashes: Some(Rule::i(ALL_HASHES_BUT_MD, "ublox.md 6")),
    key_encodings: Rule::i(NO_KEY, "not a key"),
    encrypted_key: Rule::i(false, "not a key"),
    bundle: Rule::i(false, "audit 3 (1911): one certificate per internal name"),
    storage: Rule::c(
        Storage::File { path: "atcert_ca" },
        "ublox.md 2: a quoted internal name, up to 32 characters (ubxlib)",
    ),
};

const UBLOX: CredentialRules = CredentialRules {
    family: "ublox",
    ca: CERT,
    client_cert: RoleRules {
        storage: Rule::c(
            Storage::File {
                path: "atcert_cert",
            },
            "ublox.md 2: <type> 1, a quoted internal name",
        ),
        ..CERT
    },
    client_key: RoleRules {
        accepted: Rule::s(
            &[Encoding::Pem, Encoding::Der],
            "ublox.md 2.6: unencrypted PEM works on every module; DER keys not on all",
        ),
        send_as: Encoding::Pem,
        key_encodings: Rule::c(
            &[KeyEncoding::Pkcs1, KeyEncoding::Sec1],
            "ublox.md 2.6: BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY; PKCS#8 refused on many modules",
        ),
        encrypted_key: Rule::c(
            false,
            "audit 2.3: no key password on SARA-R410M-02B (ubxlib credential test)",
        ),
        storage: Rule::c(
            Storage::File { path: "atcert_key" },
            "ublox.md 2: <type> 2, a quoted internal name",
        ),
        ..CERT
    },
    mutual_tls: Rule::c(
        Support::Supported,
        "audit 2.6: AWSN binds client certificate and key (ops 5, 6)",
    ),
    clock: Rule::c(
        ClockCheck::WhenEnabled,
        "audit 2.6/2.8: dates checked only at validation level 3",
    ),
    ca_choice: Rule::i(CaChoice::Root, "audit 2.6: level 1 = root CA"),
    tls_versions: Rule::c(
        "TLS 1.0, 1.1, 1.2 (1.3 on newer SARA-R5 firmware)",
        "ublox.md 6; SFR5",
    ),
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::plan::Credential;

    #[test]
    fn every_security_manager_code_has_a_meaning() {
        for code in 1910..=1922 {
            let fin = Final::CmeError(crate::at::ErrorCode::Number(code));
            let e = explain(&fin).unwrap();
            assert!(!e.meaning.contains("without saying"), "{code}");
        }
        let text = Final::CmeError(crate::at::ErrorCode::Text(
            "USECMNG invalid certificate/key format".into(),
        ));
        assert!(explain(&text).is_some_and(|e| e.meaning.contains("format")));
        assert!(explain_line("+USOER: 111").is_some());
    }

    #[test]
    fn md5_of_the_stored_der_or_of_the_bytes_sent_and_nothing_else() {
        let der = b"\x30\x03\x02\x01\x05".to_vec();
        let pem = pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, &der)
            .unwrap()
            .into_bytes();
        let Check::Any(both) = digest_check(0, Role::Ca, "\"ca\"", &pem) else {
            panic!("a PEM gives two readings");
        };
        let want = |c: &Check| match c {
            Check::Reported { expected, .. } => expected.clone(),
            _ => String::new(),
        };
        assert_eq!(want(&both[0]), hex_md5(&der));
        assert_eq!(want(&both[1]), hex_md5(&pem));
        assert!(matches!(
            digest_check(4, Role::Ca, "\"ca\"", &der),
            Check::Reported { .. }
        ));
        // Known answer: the reference's SARA-R4 log is the 1011-byte Starfield G2 root.
        assert_eq!(hex_md5(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn plan_shows_the_documented_framing() {
        let creds = Credentials {
            ca: Some(Credential {
                bytes: vec![0x30, 0x03, 0x02, 0x01, 0x05],
                name: "atcert_ca".into(),
            }),
            ..Credentials::default()
        };
        let plan = plan_provision(&creds, &Options::default()).unwrap();
        let lines: Vec<String> = plan
            .steps
            .iter()
            .map(|s| String::from_utf8_lossy(&s.command.line).into_owned())
            .collect();
        assert!(lines.contains(&"AT+USECMNG=2,0,\"atcert_ca\"".to_owned()));
        assert!(lines.contains(&"AT+USECMNG=0,0,\"atcert_ca\",5".to_owned()));
        assert!(lines.contains(&"AT+USECMNG=4,0,\"atcert_ca\"".to_owned()));
        assert!(lines.contains(&"AT+USECPRF=0,3,\"atcert_ca\"".to_owned()));
        assert!(lines.contains(&"AT+USECPRF=0,0,1".to_owned()));
    }

    #[test]
    fn refuses_names_the_module_cannot_take() {
        let creds = Credentials {
            ca: Some(Credential {
                bytes: vec![1],
                name: "a,b".into(),
            }),
            ..Credentials::default()
        };
        assert!(matches!(
            plan_provision(&creds, &Options::default()),
            Err(PlanError::BadName { .. })
        ));
    }
}
