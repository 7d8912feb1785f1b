//! Telit `AT#SSLSECDATA` modules, two generations (shared/reference/modules/telit.md,
//! shared/seeds/003: the 1VV0300989 SSL/TLS User Guide text).
//!
//! - Legacy GE864/GE865/GL865/GL868/GC864: `AT#SSLSECDATA=1,1,<type>`, PEM with LF only,
//!   Ctrl+Z ends the data, 2047 bytes at most, errors 830..840, `AT#SSLRCV`.
//! - LE910/ME910/ME310: the same with `,<size>` after the type (Ctrl+Z still sent, as every
//!   driver does), errors 1000..1011, `AT#SSLRECV`, `AT#SSLSECCFG2` for version and SNI.
//!
//! Verification: CA and client certificate are read back (`AT#SSLSECDATA=1,2,<type>`) and
//! compared; the key cannot be read back, so only the "key stored" flag of
//! `AT#SSLSECDATA?` is checked, and the result says so.

use crate::at::{Config, Final, LineMatch, VendorFinal};
use crate::cert::lint::{
    AcceptedLineEndings, CaChoice, ClockCheck, CredentialRules, Encoding, HashAlg, KeyEncoding,
    RoleRules, Rule, Storage, Support, TrailingNewline,
};
use crate::modules::Family;
use crate::modules::cmd::quoted_param;
use crate::modules::driver::{Driver, Names, Recovery};
use crate::modules::explain::{Explanation, GSM_CME, Row, cme_number, explain_common, lookup};
use crate::modules::identify::{Answer, Findings, Probe, TlsSupport};
use crate::modules::plan::{
    Check, Credentials, Expect, Options, Plan, PlanError, Proves, Purpose, Role, TlsVersion,
};
use crate::modules::rules::{ALL_HASHES_BUT_MD, NO_KEY, PEM, PEM_DER, RSA, RSA_P256};
use core::time::Duration;

/// SSL errors of the legacy line, verbatim from 1VV0300989 chapter 5 (shared/seeds/003),
/// which replaces the guessed order in telit.md §5.2.
pub const LEGACY_SSL_ERRORS: &[Row] = &[
    (
        830,
        "SSL generic error",
        "run AT#SSLEN=1,1 and the step again; power-cycle if it persists",
    ),
    (
        831,
        "SSL cannot activate",
        "check the firmware has SSL (SW 10.00.xx5 or later) and that the context is set up",
    ),
    (
        832,
        "SSL socket error",
        "close the socket (AT#SSLH=1) and dial again",
    ),
    (
        833,
        "SSL not connected",
        "dial first (AT#SSLD) before sending or receiving",
    ),
    (
        834,
        "SSL already connected",
        "close the socket (AT#SSLH=1) before dialling again",
    ),
    (
        835,
        "SSL already activated",
        "harmless: SSL was already enabled",
    ),
    (836, "SSL not activated", "enable SSL first (AT#SSLEN=1,1)"),
    (
        837,
        "SSL certs and keys wrong or not stored",
        "provision the CA again as PEM with LF-only line ends, and the client certificate and RSA key for mutual TLS",
    ),
    (
        838,
        "SSL error enc/dec data",
        "the connection is corrupt: close it and dial again",
    ),
    (
        839,
        "SSL error during handshake",
        "the server's chain does not lead to the stored CA, or the server offers no cipher this module has (RC4-MD5, RC4-SHA, AES256-SHA, TLS 1.0): check the CA and the server's TLS settings",
    ),
    (
        840,
        "SSL disconnected",
        "the server closed the connection; dial again",
    ),
];

/// LE910/ME910 SSL errors (Telit 80617ST10991A via gammu [C]; 684 and 839 from Libelium's
/// LE910 code [C]).
pub const LE910_SSL_ERRORS: &[Row] = &[
    (
        684,
        "SSL already activated",
        "harmless: SSL was already enabled",
    ),
    (
        839,
        "SSL error during handshake",
        "check the stored CA matches the server's chain, the clock (NITZ), and the TLS version (AT#SSLSECCFG2)",
    ),
    (1000, "SSL not activated", "enable SSL first (AT#SSLEN=1,1)"),
    (
        1001,
        "SSL certs and keys wrong or not stored",
        "provision the CA (and client certificate and key for mutual TLS) again",
    ),
    (
        1002,
        "SSL generic error",
        "run the step again; power-cycle if it persists",
    ),
    (
        1003,
        "SSL already activated",
        "harmless: SSL was already enabled",
    ),
    (
        1004,
        "SSL error during handshake",
        "check the stored CA matches the server's chain, the clock, the TLS version and the server's cipher policy",
    ),
    (
        1005,
        "SSL socket error",
        "close the socket (AT#SSLH=1) and dial again",
    ),
    (
        1006,
        "SSL invalid state",
        "close the socket (AT#SSLH=1), then retry",
    ),
    (
        1007,
        "SSL cannot activate",
        "check the PDP context (AT#SGACT=1,1) and retry",
    ),
    (1008, "SSL not connected", "dial first (AT#SSLD)"),
    (
        1009,
        "SSL already connected",
        "close the socket (AT#SSLH=1) before dialling again",
    ),
    (
        1010,
        "SSL error enc/dec data",
        "the connection is corrupt: close it and dial again",
    ),
    (
        1011,
        "SSL disconnected",
        "the server closed the connection; dial again",
    ),
];

/// IP Easy errors that appear around SSL sockets (Telit IP error list; 553, 559, 561
/// cross-checked [C], the rest [S/I]).
pub const IP_ERRORS: &[Row] = &[
    (550, "generic undocumented error", "run the step again"),
    (551, "wrong state", "close the socket and retry"),
    (552, "wrong mode", "leave online mode (+++) first"),
    (
        553,
        "context already activated",
        "harmless: the data context is already up",
    ),
    (554, "stack already active", "harmless"),
    (
        555,
        "activation failed",
        "check the APN and the SIM's data service",
    ),
    (
        556,
        "context not opened",
        "activate the context first (AT#SGACT=1,1)",
    ),
    (557, "cannot set up socket", "close other sockets and retry"),
    (
        558,
        "cannot resolve DN: the host name could not be looked up",
        "check the host name, the APN and DNS",
    ),
    (
        559,
        "timeout opening the socket",
        "check the host, port and network",
    ),
    (560, "cannot open socket", "check the host and port"),
    (
        561,
        "remote disconnected or timeout",
        "the server closed the connection; retry",
    ),
    (562, "connection failed", "check the host and port"),
    (563, "transmit error", "retry"),
    (564, "already listening", "close the listening socket"),
    (
        568,
        "wrong PDP",
        "SSL sockets work only on context 1 (AT#SGACT=1,1)",
    ),
];

/// The two generations' differences.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
struct Gen {
    family: Family,
    legacy: bool,
}

impl Gen {
    fn of(family: Family) -> Self {
        Self {
            family,
            legacy: family == Family::TelitLegacy,
        }
    }
}

/// Explains a final result of a Telit command of either generation.
pub fn explain(family: Family, fin: &Final) -> Option<Explanation> {
    let ssl = if family == Family::TelitLegacy {
        LEGACY_SSL_ERRORS
    } else {
        LE910_SSL_ERRORS
    };
    if let Some(n) = cme_number(fin)
        && let Some(e) = lookup(ssl, n).or_else(|| lookup(IP_ERRORS, n))
    {
        return Some(e);
    }
    // Verbose errors (AT+CMEE=2) arrive as text: the module's own phrase starts the
    // meaning in the tables ("cannot resolve DN", 27.007's "operation not supported").
    if let Final::CmeError(crate::at::ErrorCode::Text(t)) = fin {
        let t = t.trim().to_ascii_lowercase();
        for table in [ssl, IP_ERRORS, GSM_CME] {
            if let Some((_, m, n)) = table
                .iter()
                .find(|(_, m, _)| !t.is_empty() && m.to_ascii_lowercase().starts_with(&t))
            {
                return Some(Explanation::new(*m, *n));
            }
        }
    }
    if let Final::Vendor { line, .. } = fin
        && let Some(e) = explain_line(line)
    {
        return Some(e);
    }
    if *fin == Final::Error {
        // With AT+CMEE=1 (every flow sends it) Telit still answers a bare ERROR for a
        // command it does not know or a parameter out of range (seed 003 ch. 5: the SSL
        // codes need #SELINT=2; telit.md 3: #SSLSECCFG2 absent on legacy).
        return Some(Explanation::new(
            "the module refused the command's form or a parameter: Telit answers a bare ERROR, even with numbered errors on, when a command or value is not in its firmware",
            "check the firmware supports the command (send it with =? in the console) and the model matches the family chosen; for a certificate upload, check the size is within the module's limit",
        ));
    }
    explain_common(fin)
}

/// What an informational line means when it reports a failure: `NO CARRIER` (online mode,
/// seed 003 §4.2.1) and `DISCONNECTED` after `#SSLRCV: 0` (seed 003 §4.5; Libelium's LE910
/// parser).
pub fn explain_line(line: &str) -> Option<Explanation> {
    match line.trim() {
        "NO CARRIER" => Some(Explanation::new(
            "the SSL connection closed: the server ended it or the idle timeout (#SSLCFG) expired",
            "dial again (AT#SSLD); if it closes at once, check the server accepts this module's TLS version and ciphers",
        )),
        "DISCONNECTED" => Some(Explanation::new(
            "the server closed the SSL connection before (more) data came",
            "dial again and send the request at once; check the server answers this request",
        )),
        _ => None,
    }
}

/// `DataType` of `AT#SSLSECDATA` [C seed].
fn data_type(role: Role) -> u8 {
    match role {
        Role::ClientCert => 0,
        Role::Ca => 1,
        Role::ClientKey => 2,
    }
}

fn ssid(opts: &Options) -> u8 {
    // [C] SSId is 1 on legacy and LE910; 0 (the SIM7600-style default) means "the default".
    opts.context.max(1)
}

/// Largest `MaxNumByte` asked of `#SSLRCV` / `#SSLRECV`. Libelium's LE910 driver reads
/// 490 at a time (`Libelium/waspmoteapi` @ 02591a2, `libraries/Wasp4G/Wasp4G.h`
/// `LE910_MAX_DL_PAYLOAD 490`); the generic Telit driver reads up to 1000 and telit.md
/// recalls ~1000. Asking for no more than the smaller figure is safe under both readings.
pub const RECV_MAX: usize = 490;

/// Every flow starts here (after the generic return to command mode of
/// [`crate::modules::flows`]): interface style, numbered errors.
fn push_prepare(plan: &mut Plan) {
    // [seed 003 ch. 5] the numbered SSL errors need #SELINT=2 on GE/GL; ME310's own library
    // sends it too (`telit/arduino-me310-library` @ c9e2452 `src/ME310.cpp`
    // select_interface_style). LE910Cx references list no #SELINT [I], so a refusal is
    // not a failure.
    plan.push_expect(
        "use the interface style that reports SSL errors (not every model has it)",
        Purpose::Prepare,
        at::selint2(),
        Expect::Tolerate,
    );
    // 3GPP 27.007 §9.1; Libelium's LE910 driver sends `AT+CMEE=1` (Wasp4G_constants.h).
    plan.push(
        "report errors as numbers",
        Purpose::Prepare,
        at::cmee_numeric(),
    );
}

/// Closes an SSL socket an interrupted test connection left open: Libelium's LE910 driver
/// refuses to dial unless `#SSLS` reports the socket closed (`Wasp4G::openSocketSSL`),
/// and a second `#SSLD` on an open socket is "SSL already connected" (seed 003 ch. 5,
/// 834 / 1009). Nothing open answers "not connected": not a failure.
fn push_close(plan: &mut Plan, id: u8, label: &str) {
    // `AT#SSLH=<SSId>[,<ClosureType>]` (seed 003 §4.5.4; ME310.cpp ssl_socket_close).
    plan.push_expect(label, Purpose::Prepare, at::sslh(id), Expect::Tolerate);
}

/// Enables the SSL block; "already activated" (835 / 1003 / 684) is harmless: Libelium
/// continues on that error (`Wasp4G::manageSSL`), ME310G1's provisioning example too
/// (codezoo-ltd/arduino-ME310G1-library @ 9d4aba5,
/// examples/UNO_R4/mqtts_cert_Write/mqtts_cert_Write.ino).
fn push_enable(plan: &mut Plan, id: u8) {
    plan.push_expect(
        format!("enable SSL on socket {id} (an 'already activated' error is harmless)"),
        Purpose::Prepare,
        at::sslen(id),
        Expect::Tolerate,
    );
}

fn clock_steps(plan: &mut Plan, opts: &Options) {
    if let Some(t) = opts.unix_time {
        // 3GPP 27.007 `+CCLK="yy/MM/dd,hh:mm:ss±zz"`; ME310.cpp clock_management sends the
        // same form.
        plan.push(
            "set the module clock (UTC) for certificate date checks",
            Purpose::SetClock,
            at::cclk(t),
        );
    }
}

/// Sets the module clock: Telit checks server certificate dates when auth >= 1 [I], and the
/// LE910R1 notes show an expired certificate rejected even with auth 0 [S].
pub fn plan_set_clock(family: Family, opts: &Options) -> Plan {
    let mut plan = Plan::new(family, "set the clock");
    clock_steps(&mut plan, opts);
    plan
}

/// Leaves any data phase, closes any open socket, enables SSL, sets the security
/// configuration, then deletes and writes each credential after the `> ` prompt (ended by
/// Ctrl+Z), reads back and compares what can be read and checks the key flag.
///
/// Idempotent: every write is preceded by a delete, so a module that replaces, refuses or
/// appends on a second write [I] ends in the same state, and every clean-up tolerates
/// finding nothing.
pub fn plan_provision(
    family: Family,
    creds: &Credentials,
    opts: &Options,
) -> Result<Plan, PlanError> {
    let g = Gen::of(family);
    // Nothing, empty and too large (rules: 2047 legacy [seed 003 2.2.2], 4096 LE910 [I]):
    // refused by `driver::check_credentials`.
    let id = ssid(opts);
    let mut plan = Plan::new(family, "provision TLS credentials");
    // 1. Interface style; numbered errors; clock.
    push_prepare(&mut plan);
    clock_steps(&mut plan, opts);
    // 2. No socket open while the security data changes [I: a module may refuse or keep
    //    using the old data]; SSL on.
    push_close(
        &mut plan,
        id,
        "close an SSL socket a previous run left open (if any)",
    );
    push_enable(&mut plan, id);
    // 3. Security configuration before the data, as seed 003 (§3.2 then §3.3), Libelium
    //    (`Wasp4G::manageSSL`: SSLEN, SSLSECCFG, SSLSECDATA) and the LE910R1 notes do.
    plan.extend(configure_steps(family, creds, opts)?);
    // 4. Delete, then write each credential.
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        if c.bytes.contains(&0x1a) || c.bytes.contains(&0x1b) {
            return Err(PlanError::Unsupported {
                family,
                what: format!("send this {role}"),
                why: "it contains Ctrl+Z or ESC, which end the data early; send PEM text".into(),
            });
        }
        let t = data_type(role);
        // Delete first: open-storm/perfect-cell @ ea70d86 `perfect-cell.cydsn/ssl.c`
        // ("Delete existing data" before each write) and codezoo's ME310G1 example do the
        // same. Deleting what is not there may answer ERROR [I]: tolerated.
        plan.push_expect(
            format!("delete the stored {role} (if any)"),
            Purpose::Clean(role),
            at::sslsecdata_delete(id, t),
            Expect::Tolerate,
        );
        // Legacy: `AT#SSLSECDATA=<SSId>,1,<DataType>`, `> `, PEM with LF, Ctrl+Z (seed 003
        // §3.3). LE910/ME910: `,<size>` as well, still followed by Ctrl+Z (Libelium
        // Wasp4G.cpp manageSSL `%u,%u,%u,%u` + 0x1A; ME310.cpp ssl_security_data;
        // codezoo's ME310G1 example). Libelium waits 5 s for OK, codezoo 10 s.
        plan.push(
            format!("store the {role}"),
            Purpose::Write(role),
            at::sslsecdata_write(id, t, &c.bytes, !g.legacy),
        );
    }
    // 5. Verify: read back certificates, check the key flag.
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        if role == Role::ClientKey {
            // `#SSLSECDATA: <SSId>,<CertSet>,<CASet>,<KeySet>` (generic Telit driver's
            // sscanf, telit.md §2.4).
            plan.push(
                "check the module reports a key stored (keys cannot be read back)",
                Purpose::Verify(
                    role,
                    Check::Reported {
                        prefix: "#SSLSECDATA:".into(),
                        field: 3,
                        expected: "1".into(),
                        what: "key-stored flag".into(),
                        marker: None,
                        proves: Proves::Property,
                    },
                ),
                at::sslsecdata_flags(),
            );
        } else {
            // `AT#SSLSECDATA=<SSId>,2,<DataType>`: `#SSLSECDATA: ` header, the PEM, OK
            // (Libelium manageSSL waits for "#SSLSECDATA: " then OK; codezoo's ME310G1
            // example reads back the same way).
            plan.push(
                format!("read back the {role} and compare"),
                Purpose::Verify(
                    role,
                    Check::ReadBack {
                        expected: c.bytes.clone(),
                    },
                ),
                at::sslsecdata_read(id, data_type(role)),
            );
        }
    }
    if creds.client_key.is_some() {
        plan.note("the private key cannot be read back: it is written and flagged as stored, not proven identical");
    }
    Ok(plan)
}

/// `#SSLSECCFG` (cipher, auth) and, on LE910/ME910, `#SSLSECCFG2` (version, SNI), after
/// the same start as every flow (out of any data phase, SSL enabled).
pub fn plan_configure_tls(
    family: Family,
    creds: &Credentials,
    opts: &Options,
) -> Result<Plan, PlanError> {
    let mut plan = Plan::new(family, "configure TLS");
    push_prepare(&mut plan);
    push_enable(&mut plan, ssid(opts));
    plan.extend(configure_steps(family, creds, opts)?);
    Ok(plan)
}

fn configure_steps(family: Family, creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
    let g = Gen::of(family);
    let id = ssid(opts);
    let mut plan = Plan::new(family, "configure TLS");
    let auth = if creds.mutual() {
        2
    } else if creds.ca.is_some() {
        1
    } else {
        0
    };
    // [seed] 0 = chosen by the server, 1 RC4-MD5, 2 RC4-SHA, 3 AES256-CBC-SHA.
    let cipher = opts.cipher_suite.unwrap_or(0);
    if g.legacy && cipher > 3 {
        return Err(PlanError::Unsupported {
            family,
            what: format!("use cipher suite {cipher}"),
            why: "legacy modules have suites 0 (server's choice) to 3".into(),
        });
    }
    // `AT#SSLSECCFG=<SSId>,<CipherSuite>,<auth_mode>` (seed 003 §3.2; Libelium
    // `AT#SSLSECCFG=%u,%u,%u`; ME310.cpp ssl_configure_security_param).
    plan.push(
        format!("cipher suite {cipher}, authentication mode {auth}"),
        Purpose::Configure,
        at::sslseccfg(id, cipher, auth),
    );
    if !g.legacy {
        // `<cert_format>` 1 = PEM (generic Telit driver `AT#SSLSECCFG=1,0,1,1`;
        // perfect-cell ssl.c sends `cert_format = 1`): a module an earlier user set to DER
        // would store our PEM as garbage. ME310's library sends only three parameters, so
        // a firmware without the fourth may refuse it: its only format is PEM then.
        plan.push_expect(
            "certificates as PEM (firmware without the format parameter takes only PEM)",
            Purpose::Configure,
            at::sslseccfg_pem(id, cipher, auth),
            Expect::Tolerate,
        );
    }
    match (g.legacy, opts.tls_version) {
        (true, Some(v)) if v > TlsVersion::Tls10 => {
            return Err(PlanError::Unsupported {
                family,
                what: "use TLS 1.1 or 1.2".into(),
                why: "legacy modules speak SSL 3.0 and TLS 1.0 only".into(),
            });
        }
        (false, Some(v)) => {
            // [C Libelium LE910 V2] 0 SSLv3, 1 TLS1.0, 2 TLS1.1, 3 TLS1.2. [S] LE910R1 numbers
            // differently (2 = its max, TLS 1.2): check AT#SSLSECCFG2=? on the target.
            let code = match v {
                TlsVersion::Ssl3 => 0,
                TlsVersion::Tls10 => 1,
                TlsVersion::Tls11 => 2,
                TlsVersion::Tls12 => 3,
                // Not among the #SSLSECCFG2 version codes the references list (0-3).
                TlsVersion::Tls13 => {
                    return Err(PlanError::Unsupported {
                        family,
                        what: "ask for TLS 1.3".into(),
                        why: "the version codes go up to TLS 1.2 (3)".into(),
                    });
                }
            };
            // `AT#SSLSECCFG2=<SSId>,<version>[,<SNI>...]` (ME310.cpp
            // ssl_additional_parameters; Libelium `AT#SSLSECCFG2=%u,%u`).
            plan.push(
                format!(
                    "TLS version {code}, SNI {}",
                    if opts.sni { "on" } else { "off" }
                ),
                Purpose::Configure,
                at::sslseccfg2(id, code, opts.sni),
            );
        }
        _ => {}
    }
    Ok(plan)
}

/// Deletes each credential and checks the stored flags. A delete that finds nothing is not
/// a failure [I: OK or ERROR].
pub fn plan_remove(family: Family, creds: &Credentials, opts: &Options) -> Plan {
    let id = ssid(opts);
    let mut plan = Plan::new(family, "remove TLS credentials");
    push_prepare(&mut plan);
    for role in creds.roles() {
        // `AT#SSLSECDATA=<SSId>,0,<DataType>` (Libelium manageSSL delete; perfect-cell
        // ssl.c; codezoo's ME310G1 example).
        plan.push_expect(
            format!("delete the {role}"),
            Purpose::Remove(role),
            at::sslsecdata_delete(id, data_type(role)),
            Expect::Tolerate,
        );
    }
    for role in creds.roles() {
        let field = match role {
            Role::ClientCert => 1,
            Role::Ca => 2,
            Role::ClientKey => 3,
        };
        plan.push(
            format!("check the {role} is gone"),
            Purpose::Verify(
                role,
                Check::Reported {
                    prefix: "#SSLSECDATA:".into(),
                    field,
                    expected: "0".into(),
                    what: format!("{role} stored flag"),
                    marker: None,
                    proves: Proves::Property,
                },
            ),
            at::sslsecdata_flags(),
        );
    }
    plan
}

/// Activates context 1 (if an APN is given), closes a socket an earlier run left open,
/// dials in command mode, sends, receives, closes.
pub fn plan_test_connection(family: Family, opts: &Options) -> Result<Plan, PlanError> {
    let g = Gen::of(family);
    let id = ssid(opts);
    let host = quoted_param(family, "use this host name", &opts.host)?;
    let mut plan = Plan::new(family, "test a TLS connection");
    push_prepare(&mut plan);
    if let Some(apn) = &opts.apn {
        let apn = quoted_param(family, "use this APN", apn)?;
        // `AT+CGDCONT=1,"IP","<apn>"` (Libelium `AT+CGDCONT=1,\"IP\",\"%s\"`).
        plan.push("define data context 1", Purpose::Open, at::cgdcont(&apn));
    }
    // [seed] SSL sockets only on cid 1, which must be active; "context already activated"
    // (553) is harmless, and any other failure shows at #SSLD as 556 with its meaning.
    // `AT#SGACT=1,1` (seed 003 §2.1; ME310.cpp context_activation); 150 s [I].
    plan.push_expect(
        "activate data context 1 (an 'already activated' error is harmless)",
        Purpose::Open,
        at::sgact(),
        Expect::Tolerate,
    );
    // SSL may be off after a restart [I]: enabling twice is harmless.
    push_enable(&mut plan, id);
    push_close(
        &mut plan,
        id,
        "close an SSL socket a previous test left open (if any)",
    );
    // `AT#SSLD=<SSId>,<rPort>,"<host>",0,1` (Libelium `AT#SSLD=1,%u,\"%s\",0,1`; ME310.cpp
    // ssl_socket_open quotes the host too; closure type 0, command mode 1). Its own
    // timeout bounds only the gap between handshake packets (LE910 V2 manual p.359);
    // Libelium waits 15 s; 120 s total [I].
    plan.push(
        format!("open TLS to {}:{} in command mode", opts.host, opts.port),
        Purpose::Open,
        at::ssld(id, &host, opts.port),
    );
    let req = opts.request_bytes();
    if req.contains(&0x1a) {
        return Err(PlanError::Unsupported {
            family,
            what: "send this request".into(),
            why: "it contains Ctrl+Z, which ends #SSLSEND data".into(),
        });
    }
    // `AT#SSLSEND=<SSId>`, `> `, data, Ctrl+Z (seed 003 §4.2.2.1; Libelium; ME310.cpp).
    plan.push(
        format!("send {} bytes", req.len()),
        Purpose::Send,
        at::sslsend(id, req),
    );
    // Legacy: AT#SSLRCV (seed 003 §4.2.2.2); LE910: AT#SSLRECV [C Libelium, ME310.cpp].
    plan.push(
        "read the response",
        Purpose::Receive,
        if g.legacy {
            at::sslrcv(id, opts.max_response.min(RECV_MAX))
        } else {
            at::sslrecv(id, opts.max_response.min(RECV_MAX))
        },
    );
    plan.push_expect(
        "close the socket",
        Purpose::Close,
        at::sslh(id),
        Expect::Tolerate,
    );
    Ok(plan)
}

/// One constructor per command this driver sends: the line, its timeout, and the source.
/// "seed 003" is Telit's SSL/TLS user guide for GE/GL (telit.md); Libelium is the Waspmote
/// 4G (LE910) driver `Wasp4G.cpp`; ME310.cpp is `telit/arduino-me310-library` @ c9e2452.
mod at {
    use crate::at::{Command, Trigger};
    use crate::modules::cmd::{Utc, binary_read, block, line, secs, upload};

    /// `AT#SELINT=2`: the interface style with numbered SSL errors (seed 003 ch. 5;
    /// ME310.cpp `select_interface_style`); 5 s.
    pub fn selint2() -> Command {
        line("AT#SELINT=2", secs(5))
    }

    /// `AT+CMEE=1`: numbered errors (3GPP 27.007 §9.1; Libelium `Wasp4G_constants.h`); 5 s.
    pub fn cmee_numeric() -> Command {
        line("AT+CMEE=1", secs(5))
    }

    /// `AT#SSLH=<SSId>` closes an SSL socket (seed 003 §4.5.4; ME310.cpp
    /// `ssl_socket_close`); 10 s.
    pub fn sslh(id: u8) -> Command {
        line(format!("AT#SSLH={id}"), secs(10))
    }

    /// `AT#SSLEN=<SSId>,1` enables the SSL block (Libelium `Wasp4G::manageSSL`; codezoo
    /// ME310G1 `mqtts_cert_Write.ino`); 10 s.
    pub fn sslen(id: u8) -> Command {
        line(format!("AT#SSLEN={id},1"), secs(10))
    }

    /// `AT+CCLK="yy/MM/dd,hh:mm:ss+zz"` (3GPP 27.007; ME310.cpp `clock_management`); 5 s.
    pub fn cclk(unix_time: u64) -> Command {
        line(
            format!("AT+CCLK={}", Utc::from_unix(unix_time).cclk()),
            secs(5),
        )
    }

    /// `AT#SSLSECDATA=<SSId>,0,<DataType>` deletes a credential (Libelium `manageSSL`;
    /// perfect-cell `ssl.c`; codezoo ME310G1); 10 s.
    pub fn sslsecdata_delete(id: u8, data_type: u8) -> Command {
        line(format!("AT#SSLSECDATA={id},0,{data_type}"), secs(10))
    }

    /// `AT#SSLSECDATA=<SSId>,1,<DataType>[,<size>]`, `> `, the PEM, Ctrl+Z (seed 003 §3.3
    /// without the size; LE910/ME910 with it: Libelium `%u,%u,%u,%u` + 0x1A, ME310.cpp
    /// `ssl_security_data`); 30 s (Libelium waits 5 s for `OK`, codezoo 10 s).
    pub fn sslsecdata_write(id: u8, data_type: u8, pem: &[u8], with_size: bool) -> Command {
        let text = if with_size {
            format!("AT#SSLSECDATA={id},1,{data_type},{}", pem.len())
        } else {
            format!("AT#SSLSECDATA={id},1,{data_type}")
        };
        upload(text, Trigger::Prompt, pem.to_vec(), Some(0x1a), secs(30))
    }

    /// `AT#SSLSECDATA=<SSId>,2,<DataType>`: `#SSLSECDATA: ` header, the PEM, `OK` (Libelium
    /// `manageSSL`; codezoo ME310G1); 10 s.
    pub fn sslsecdata_read(id: u8, data_type: u8) -> Command {
        block(
            format!("AT#SSLSECDATA={id},2,{data_type}"),
            "-----END",
            secs(10),
        )
    }

    /// `AT#SSLSECDATA?`: `#SSLSECDATA: <SSId>,<CertSet>,<CASet>,<KeySet>` (telit.md §2.4,
    /// the generic Telit driver's sscanf); 5 s.
    pub fn sslsecdata_flags() -> Command {
        line("AT#SSLSECDATA?", secs(5))
    }

    /// `AT#SSLSECCFG=<SSId>,<CipherSuite>,<auth_mode>` (seed 003 §3.2; Libelium; ME310.cpp
    /// `ssl_configure_security_param`); 10 s.
    pub fn sslseccfg(id: u8, cipher: u8, auth: u8) -> Command {
        line(format!("AT#SSLSECCFG={id},{cipher},{auth}"), secs(10))
    }

    /// `AT#SSLSECCFG=<SSId>,<CipherSuite>,<auth_mode>,1`: `<cert_format>` 1 = PEM (the
    /// generic Telit driver; perfect-cell `ssl.c`); 10 s.
    pub fn sslseccfg_pem(id: u8, cipher: u8, auth: u8) -> Command {
        line(format!("AT#SSLSECCFG={id},{cipher},{auth},1"), secs(10))
    }

    /// `AT#SSLSECCFG2=<SSId>,<version>,<SNI>` (ME310.cpp `ssl_additional_parameters`;
    /// Libelium `AT#SSLSECCFG2=%u,%u`); 10 s.
    pub fn sslseccfg2(id: u8, version: u8, sni: bool) -> Command {
        line(
            format!("AT#SSLSECCFG2={id},{version},{}", u8::from(sni)),
            secs(10),
        )
    }

    /// `AT+CGDCONT=1,"IP",<apn>` (Libelium `AT+CGDCONT=1,\"IP\",\"%s\"`); 5 s.
    pub fn cgdcont(quoted_apn: &str) -> Command {
        line(format!("AT+CGDCONT=1,\"IP\",{quoted_apn}"), secs(5))
    }

    /// `AT#SGACT=1,1` activates context 1 (seed 003 §2.1; ME310.cpp `context_activation`);
    /// 150 s [I].
    pub fn sgact() -> Command {
        line("AT#SGACT=1,1", secs(150))
    }

    /// `AT#SSLD=<SSId>,<rPort>,<host>,0,1`: closure type 0, command mode 1 (Libelium
    /// `AT#SSLD=1,%u,\"%s\",0,1`; ME310.cpp `ssl_socket_open`); 120 s [I], Libelium 15 s.
    pub fn ssld(id: u8, quoted_host: &str, port: u16) -> Command {
        line(format!("AT#SSLD={id},{port},{quoted_host},0,1"), secs(120))
    }

    /// `AT#SSLSEND=<SSId>`, `> `, the bytes, Ctrl+Z (seed 003 §4.2.2.1; Libelium;
    /// ME310.cpp); 30 s.
    pub fn sslsend(id: u8, bytes: Vec<u8>) -> Command {
        upload(
            format!("AT#SSLSEND={id}"),
            Trigger::Prompt,
            bytes,
            Some(0x1a),
            secs(30),
        )
    }

    /// Legacy `AT#SSLRCV=<SSId>,<max>` -> `#SSLRCV: <n>` and the bytes (seed 003 §4.2.2.2);
    /// 30 s.
    pub fn sslrcv(id: u8, max: usize) -> Command {
        binary_read(format!("AT#SSLRCV={id},{max}"), "#SSLRCV: ", 0, secs(30))
    }

    /// LE910/ME910 `AT#SSLRECV=<SSId>,<max>` -> `#SSLRECV: <n>` and the bytes (Libelium;
    /// ME310.cpp); 30 s.
    pub fn sslrecv(id: u8, max: usize) -> Command {
        binary_read(format!("AT#SSLRECV={id},{max}"), "#SSLRECV: ", 0, secs(30))
    }
}

/// The Telit legacy (GE864 / GL865) driver.
pub struct TelitLegacy;
/// The Telit LE910 / ME910 driver.
pub struct TelitLe910;

/// Both Telit generations share the commands; the family picks the limits and tables.
macro_rules! telit_driver {
    ($ty:ident, $family:expr, $rules:expr, $names:expr, $identify:expr) => {
        impl Driver for $ty {
            fn family(&self) -> Family {
                $family
            }
            fn names(&self) -> &'static Names {
                &$names
            }
            fn identify_probes(&self) -> &'static [Probe] {
                $identify.0
            }
            fn tls_on_every_firmware(&self) -> bool {
                $identify.1
            }
            fn read_probe(&self, probe: Probe, answer: &Answer, found: &mut Findings) -> bool {
                read_probe(probe, answer, found)
            }
            fn vendor_words(&self) -> &'static [&'static str] {
                // `ATI` answers `Telit`: the vendor, not a model (telit.md §1).
                &["telit"]
            }
            fn engine_config(&self) -> Config {
                engine_config()
            }
            fn rules(&self) -> CredentialRules {
                $rules
            }
            fn recovery(&self) -> Recovery {
                RECOVERY
            }
            fn too_large_hint(&self) -> &'static str {
                "store only the root CA, not a chain; use a 2048-bit RSA key"
            }
            fn plan_provision(
                &self,
                _rules: &CredentialRules,
                creds: &Credentials,
                opts: &Options,
            ) -> Result<Plan, PlanError> {
                plan_provision($family, creds, opts)
            }
            fn plan_remove(&self, creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
                Ok(plan_remove($family, creds, opts))
            }
            fn plan_configure_tls(
                &self,
                creds: &Credentials,
                opts: &Options,
            ) -> Result<Plan, PlanError> {
                plan_configure_tls($family, creds, opts)
            }
            fn plan_set_clock(&self, opts: &Options) -> Plan {
                plan_set_clock($family, opts)
            }
            fn plan_test_connection(&self, opts: &Options) -> Result<Plan, PlanError> {
                plan_test_connection($family, opts)
            }
            fn explain(&self, fin: &Final) -> Option<Explanation> {
                explain($family, fin)
            }
            fn explain_line(&self, line: &str) -> Option<Explanation> {
                explain_line(line)
            }
        }
    };
}

/// `AT#SSLEN=?` answers `#SSLEN: (1),(0,1)` where the firmware has the `#SSL` commands
/// (telit.md §1 [I]). 2 s.
const PROBE_SSL: Probe = Probe::new("AT#SSLEN=?", 2);

/// Whether the answer to [`PROBE_SSL`] and the firmware seen show TLS.
fn read_probe(probe: Probe, answer: &Answer, found: &mut Findings) -> bool {
    if probe != PROBE_SSL {
        return false;
    }
    let fw_bad = found
        .firmware
        .as_deref()
        .is_some_and(legacy_firmware_lacks_ssl);
    found.tls = Some(if answer.ok && !fw_bad {
        TlsSupport::Yes
    } else {
        TlsSupport::No {
            why: "this firmware has no #SSL commands; SSL needs SW 10.00.xx5 or later".into(),
        }
    });
    true
}

/// Telit GE/GL/GC: SSL from SW 10.00.xx5 [S]; older `10.00.xx0`-`xx4` and pre-10 lack it.
fn legacy_firmware_lacks_ssl(fw: &str) -> bool {
    let mut parts = fw.split('.');
    let major: Option<u32> = parts.next().and_then(|p| p.parse().ok());
    let minor: Option<u32> = parts.next().and_then(|p| p.parse().ok());
    let build = parts
        .next()
        .and_then(|p| p.get(2..3))
        .and_then(|d| d.parse::<u32>().ok());
    match (major, minor, build) {
        (Some(m), _, _) if m < 10 => true,
        (Some(10), Some(0), Some(last)) => last < 5,
        _ => false,
    }
}

/// `SSLSRING:` and the 3GPP URCs (telit.md §4); `AT#SSLD=..,0` and `AT#SSLO` answer
/// `CONNECT` and go online (seed 003, §4.5.3).
fn engine_config() -> Config {
    Config::default()
        .with_urc_prefixes(&["SSLSRING:", "SRING:", "#SSLSRING:"])
        .with_vendor_finals([VendorFinal::success(LineMatch::Exact("CONNECT".into()))])
}

telit_driver!(
    TelitLegacy,
    Family::TelitLegacy,
    TELIT_LEGACY,
    Names {
        id: "telit-legacy",
        display_name: "Telit GE864 / GL865 (legacy)",
        models: "Telit GE864 / GE865 / GL865 / GL868 / GC864",
        model_prefixes: &["ge864", "ge865", "gl865", "gl868", "gc864"],
        aliases: &["telit"],
    },
    // `AT#SSLEN=?` fails on firmware older than SW 10.00.xx5.
    (&[Probe::CGMM, Probe::CGMR, PROBE_SSL], false)
);
telit_driver!(
    TelitLe910,
    Family::TelitLe910,
    TELIT_LE910,
    Names {
        id: "telit-le910",
        display_name: "Telit LE910 / ME910",
        models: "Telit LE910 / ME910 / ME310 / LN920",
        model_prefixes: &["le910", "me910", "me310", "ln920"],
        aliases: &[],
    },
    // #SSLSECDATA exists on every LE910 firmware seen.
    (&[Probe::CGMM, Probe::CGMR], true)
);

// After Telit's `>` prompt, "to exit without writing the message send ESC char
// (0x1B hex)" (#SSEND: LE910-SKG AT reference 80437ST10619A p.194, ME910C1
// 80529ST10815A p.169, GM862 80000ST10025a rev.5 p.325); for #SSLSECDATA the
// same is [I] (telit.md 2.2). Escape: three `+` "preceded and followed by n ms
// of idle" (S2/S12, LE910 V2 80446ST10707A p.53; S12 default 50 = 1 s,
// 80000ST10025a rev.5 p.64); #SSLD online mode is left with it (p.359).
const RECOVERY: Recovery = Recovery {
    probe: "AT",
    abort: b"\x1b",
    escape_online: true,
    data_timeout: Duration::ZERO,
    max_data: 8192,
};

// --- Credential rules -----------------------------------------------------------------------

// --- Telit (telit.md; seed 003 is the legacy SSL/TLS user guide) ---------------------------

const TELIT_LEGACY_CERT: RoleRules = RoleRules {
    accepted: Rule::c(PEM, "seed 003 3.3: certificates MUST be in PEM format"),
    send_as: Encoding::Pem,
    line_endings: Rule::c(
        AcceptedLineEndings::LfOnly,
        "seed 003 3.3: after each row only a <LF> character is needed (without <CR>)",
    ),
    trailing_newline: Rule::c(
        TrailingNewline::Required,
        "seed 003 example: -----END CERTIFICATE-----<LF> then Ctrl+Z",
    ),
    // The slide deck gives 1535 for the first SSL release [S]; the guide's 2047 is the rule.
    max_bytes: Some(Rule::c(
        2047,
        "seed 003 2.2.2: maximum size 2047 bytes (1535 on the first SSL release [S])",
    )),
    key_types: Rule::c(
        RSA,
        "seed 003 3.3: data type 2 = RSA private key; RSA key exchange suites only",
    ),
    rsa_bits: Rule::i(
        (1024, 2048),
        "telit.md 6: up to 2048-bit RSA within 2047 bytes",
    ),
    signature_hashes: Some(Rule::i(
        &[HashAlg::Md5, HashAlg::Sha1, HashAlg::Sha256],
        "telit.md 6: TLS 1.0 stack",
    )),
    key_encodings: Rule::i(NO_KEY, "not a key"),
    encrypted_key: Rule::i(false, "not a key"),
    bundle: Rule::c(false, "seed 003 3.3.1: store the RootCACert"),
    storage: Rule::c(
        Storage::Slot {
            ssid: 1,
            data_type: 1,
        },
        "seed 003 3.3: AT#SSLSECDATA=1,1,<DataType>; 1 = CA certificate",
    ),
};

const TELIT_LEGACY: CredentialRules = CredentialRules {
    family: "telit-legacy",
    ca: TELIT_LEGACY_CERT,
    client_cert: RoleRules {
        bundle: Rule::i(false, "seed 003 3.3: one certificate per data type"),
        storage: Rule::c(
            Storage::Slot {
                ssid: 1,
                data_type: 0,
            },
            "seed 003 3.3: DataType 0 = client certificate",
        ),
        ..TELIT_LEGACY_CERT
    },
    client_key: RoleRules {
        key_encodings: Rule::i(
            &[KeyEncoding::Pkcs1],
            "telit.md 4.5: BEGIN RSA PRIVATE KEY; PKCS#8 not accepted on legacy",
        ),
        storage: Rule::c(
            Storage::Slot {
                ssid: 1,
                data_type: 2,
            },
            "seed 003 3.3: DataType 2 = RSA private key",
        ),
        ..TELIT_LEGACY_CERT
    },
    mutual_tls: Rule::c(
        Support::Supported,
        "seed 003 3.2: auth_mode 2 = client/server authentication",
    ),
    clock: Rule::i(
        ClockCheck::Always,
        "telit.md 6: server certificate dates checked against the module clock when auth >= 1",
    ),
    ca_choice: Rule::c(
        CaChoice::Root,
        "seed 003 3.3.1: the CA certificate to store is the RootCACert",
    ),
    tls_versions: Rule::s("SSL 3.0, TLS 1.0", "telit.md 6"),
};

const TELIT_LE910_CERT: RoleRules = RoleRules {
    accepted: Rule::c(
        PEM_DER,
        "telit.md 2.2: PEM; DER with AT#SSLSECCFG <cert_format>=0",
    ),
    send_as: Encoding::Pem,
    line_endings: Rule::i(
        AcceptedLineEndings::LfOrCrLf,
        "telit.md 2.2: newer firmware accepts CRLF",
    ),
    trailing_newline: Rule::i(TrailingNewline::Optional, "telit.md 2.2"),
    max_bytes: Some(Rule::i(
        4096,
        "telit.md 2.2: LE910/ME910 larger than 2047 (4096?)",
    )),
    key_types: Rule::i(RSA_P256, "telit.md 6: RSA; ECC on ME910/ME310"),
    rsa_bits: Rule::i((1024, 4096), "telit.md 6"),
    signature_hashes: Some(Rule::i(ALL_HASHES_BUT_MD, "telit.md 6: TLS 1.2 stack")),
    key_encodings: Rule::i(NO_KEY, "not a key"),
    encrypted_key: Rule::i(false, "not a key"),
    bundle: Rule::i(false, "telit.md 7: store only the root"),
    storage: Rule::c(
        Storage::Slot {
            ssid: 1,
            data_type: 1,
        },
        "telit.md 2.1: AT#SSLSECDATA=1,1,1,<size>; 1 = CA certificate",
    ),
};

const TELIT_LE910: CredentialRules = CredentialRules {
    family: "telit-le910",
    ca: TELIT_LE910_CERT,
    client_cert: RoleRules {
        bundle: Rule::i(false, "telit.md 2.1: one certificate per data type"),
        storage: Rule::c(
            Storage::Slot {
                ssid: 1,
                data_type: 0,
            },
            "telit.md 2.1: DataType 0 = client certificate",
        ),
        ..TELIT_LE910_CERT
    },
    client_key: RoleRules {
        key_encodings: Rule::i(
            &[KeyEncoding::Pkcs1, KeyEncoding::Sec1],
            "telit.md 4.5: BEGIN RSA PRIVATE KEY; PKCS#8 unconfirmed",
        ),
        storage: Rule::c(
            Storage::Slot {
                ssid: 1,
                data_type: 2,
            },
            "telit.md 2.1: DataType 2 = private key",
        ),
        ..TELIT_LE910_CERT
    },
    mutual_tls: Rule::c(Support::Supported, "telit.md 4.5: AT#SSLSECCFG=1,0,2"),
    clock: Rule::s(
        ClockCheck::Always,
        "telit.md 7: LE910R1 rejected an expired server certificate even with auth_mode 0",
    ),
    ca_choice: Rule::s(CaChoice::Root, "telit.md 7: store only the root"),
    tls_versions: Rule::c("SSL 3.0 to TLS 1.2", "telit.md 3: AT#SSLSECCFG2"),
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::at::ErrorCode;
    use crate::modules::plan::Credential;

    #[test]
    fn legacy_firmware_gate_is_sw_10_00_xx5() {
        assert!(legacy_firmware_lacks_ssl("10.00.144"));
        assert!(legacy_firmware_lacks_ssl("7.03.402"));
        assert!(!legacy_firmware_lacks_ssl("10.00.145"));
        assert!(!legacy_firmware_lacks_ssl("16.00.142"));
    }

    #[test]
    fn legacy_table_is_the_manuals_order() {
        assert_eq!(LEGACY_SSL_ERRORS.len(), 11);
        for (i, (code, _, _)) in LEGACY_SSL_ERRORS.iter().enumerate() {
            assert_eq!(*code, 830 + u32::try_from(i).unwrap());
        }
        let e = explain(
            Family::TelitLegacy,
            &Final::CmeError(ErrorCode::Number(837)),
        )
        .unwrap();
        assert!(e.meaning.contains("certs and keys"));
        let e = explain(
            Family::TelitLegacy,
            &Final::CmeError(ErrorCode::Number(839)),
        )
        .unwrap();
        assert!(e.meaning.contains("handshake"));
        let e = explain(
            Family::TelitLe910,
            &Final::CmeError(ErrorCode::Number(1004)),
        )
        .unwrap();
        assert!(e.meaning.contains("handshake"));
        let e = explain(
            Family::TelitLe910,
            &Final::CmeError(ErrorCode::Text("SSL not activated".into())),
        )
        .unwrap();
        assert!(e.next_step.contains("SSLEN"));
        assert!(explain(Family::TelitLe910, &Final::CmeError(ErrorCode::Number(553))).is_some());
        for code in 1000..=1011 {
            assert!(
                explain(
                    Family::TelitLe910,
                    &Final::CmeError(ErrorCode::Number(code))
                )
                .is_some()
            );
        }
    }

    fn pem(n: usize) -> Credential {
        Credential {
            bytes: vec![b'A'; n],
            name: String::new(),
        }
    }

    #[test]
    fn generations_differ_in_size_parameter_and_limit() {
        let creds = Credentials {
            ca: Some(pem(100)),
            ..Credentials::default()
        };
        let o = Options::default();
        let legacy = plan_provision(Family::TelitLegacy, &creds, &o).unwrap();
        let le = plan_provision(Family::TelitLe910, &creds, &o).unwrap();
        let find = |p: &Plan| {
            p.steps
                .iter()
                .find(|s| matches!(s.purpose, Purpose::Write(Role::Ca)))
                .map(|s| String::from_utf8_lossy(&s.command.line).into_owned())
        };
        assert_eq!(find(&legacy).as_deref(), Some("AT#SSLSECDATA=1,1,1"));
        assert_eq!(find(&le).as_deref(), Some("AT#SSLSECDATA=1,1,1,100"));
        let big = Credentials {
            ca: Some(pem(2048)),
            ..Credentials::default()
        };
        assert!(matches!(
            crate::modules::plan_provision(Family::TelitLegacy, &big, &o),
            Err(PlanError::TooLarge { max: 2047, .. })
        ));
        assert!(crate::modules::plan_provision(Family::TelitLe910, &big, &o).is_ok());
    }
}
