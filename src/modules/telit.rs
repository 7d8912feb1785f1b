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

use crate::at::{Final, Trigger};
use crate::modules::Family;
use crate::modules::cmd::{Utc, binary_read, block, line, quoted_param, secs, upload};
use crate::modules::explain::{Explanation, Row, cme_number, explain_common, lookup};
use crate::modules::plan::{
    Check, Credentials, Expect, Options, Plan, PlanError, Purpose, Role, TlsVersion,
};

/// [seed] 1VV0300989 §2.2.2: "Its maximum size is 2047 bytes".
pub const LEGACY_MAX: usize = 2047;
/// [I] LE910/ME910 accept larger security data; 4096 is the figure drivers assume. A
/// configurable default: the module's own ERROR is explained if it is lower.
pub const LE910_MAX: usize = 4096;

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
        "cannot resolve the host name",
        "check the host name and DNS",
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

    fn max(self) -> usize {
        if self.legacy { LEGACY_MAX } else { LE910_MAX }
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
    // Verbose errors (AT+CMEE=2) arrive as text; match the known phrases.
    if let Final::CmeError(crate::at::ErrorCode::Text(t)) = fin {
        let t = t.to_ascii_lowercase();
        for table in [ssl, IP_ERRORS] {
            if let Some((_, m, n)) = table.iter().find(|(_, m, _)| m.to_ascii_lowercase() == t) {
                return Some(Explanation::new(*m, *n));
            }
        }
    }
    explain_common(fin)
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

/// Sets the module clock: Telit checks server certificate dates when auth >= 1 [I], and the
/// LE910R1 notes show an expired certificate rejected even with auth 0 [S].
pub fn plan_set_clock(family: Family, opts: &Options) -> Plan {
    let mut plan = Plan::new(family, "set the clock");
    if let Some(t) = opts.unix_time {
        plan.push(
            "set the module clock (UTC) for certificate date checks",
            Purpose::SetClock,
            line(format!("AT+CCLK={}", Utc::from_unix(t).cclk()), secs(5)),
        );
    }
    plan
}

/// Enables SSL, writes each credential after the `> ` prompt ended by Ctrl+Z, reads back
/// and compares what can be read, checks the key flag, then configures.
pub fn plan_provision(
    family: Family,
    creds: &Credentials,
    opts: &Options,
) -> Result<Plan, PlanError> {
    let g = Gen::of(family);
    if creds.roles().next().is_none() {
        return Err(PlanError::Nothing);
    }
    let id = ssid(opts);
    let mut plan = Plan::new(family, "provision TLS credentials");
    // 1. Numbered SSL errors need #SELINT=2 (seed 003 chapter 5) and +CMEE=1.
    plan.push(
        "use the interface style that reports SSL errors",
        Purpose::Prepare,
        line("AT#SELINT=2", secs(5)),
    );
    plan.push(
        "report errors as numbers",
        Purpose::Prepare,
        line("AT+CMEE=1", secs(5)),
    );
    plan.extend(plan_set_clock(family, opts));
    // 2. Enable the SSL block; "already activated" is harmless [C Libelium].
    plan.push_expect(
        "enable SSL on socket 1 (an 'already activated' error is harmless)",
        Purpose::Prepare,
        line(format!("AT#SSLEN={id},1"), secs(10)),
        Expect::Tolerate,
    );
    // 3. Write each credential.
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        if c.bytes.is_empty() {
            return Err(PlanError::Empty { role });
        }
        if c.bytes.len() > g.max() {
            return Err(PlanError::TooLarge {
                family,
                role,
                len: c.bytes.len(),
                max: g.max(),
                hint: "store only the root CA, not a chain; use a 2048-bit RSA key".into(),
            });
        }
        if c.bytes.contains(&0x1a) || c.bytes.contains(&0x1b) {
            return Err(PlanError::Unsupported {
                family,
                what: format!("send this {role}"),
                why: "it contains Ctrl+Z or ESC, which end the data early; send PEM text".into(),
            });
        }
        let t = data_type(role);
        let text = if g.legacy {
            format!("AT#SSLSECDATA={id},1,{t}")
        } else {
            format!("AT#SSLSECDATA={id},1,{t},{}", c.bytes.len())
        };
        plan.push(
            format!("store the {role}"),
            Purpose::Write(role),
            upload(text, Trigger::Prompt, c.bytes.clone(), Some(0x1a), secs(30)),
        );
    }
    // 4. Verify: read back certificates, check the key flag.
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        if role == Role::ClientKey {
            plan.push(
                "check the module reports a key stored (keys cannot be read back)",
                Purpose::Verify(
                    role,
                    Check::Reported {
                        prefix: "#SSLSECDATA:".into(),
                        field: 3,
                        expected: "1".into(),
                        what: "key-stored flag".into(),
                    },
                ),
                line("AT#SSLSECDATA?", secs(5)),
            );
        } else {
            plan.push(
                format!("read back the {role} and compare"),
                Purpose::Verify(
                    role,
                    Check::ReadBack {
                        expected: c.bytes.clone(),
                    },
                ),
                block(
                    format!("AT#SSLSECDATA={id},2,{}", data_type(role)),
                    "-----END",
                    secs(10),
                ),
            );
        }
    }
    if creds.client_key.is_some() {
        plan.note("the private key cannot be read back: it is written and flagged as stored, not proven identical");
    }
    // 5. Configure.
    plan.extend(plan_configure_tls(family, creds, opts)?);
    Ok(plan)
}

/// `#SSLSECCFG` (cipher, auth) and, on LE910/ME910, `#SSLSECCFG2` (version, SNI).
pub fn plan_configure_tls(
    family: Family,
    creds: &Credentials,
    opts: &Options,
) -> Result<Plan, PlanError> {
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
    plan.push(
        format!("cipher suite {cipher}, authentication mode {auth}"),
        Purpose::Configure,
        line(format!("AT#SSLSECCFG={id},{cipher},{auth}"), secs(10)),
    );
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
            };
            plan.push(
                format!(
                    "TLS version {code}, SNI {}",
                    if opts.sni { "on" } else { "off" }
                ),
                Purpose::Configure,
                line(
                    format!("AT#SSLSECCFG2={id},{code},{}", u8::from(opts.sni)),
                    secs(10),
                ),
            );
        }
        _ => {}
    }
    Ok(plan)
}

/// Deletes each credential and checks the stored flags.
pub fn plan_remove(family: Family, creds: &Credentials, opts: &Options) -> Plan {
    let id = ssid(opts);
    let mut plan = Plan::new(family, "remove TLS credentials");
    for role in creds.roles() {
        plan.push_expect(
            format!("delete the {role}"),
            Purpose::Remove(role),
            line(
                format!("AT#SSLSECDATA={id},0,{}", data_type(role)),
                secs(10),
            ),
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
                },
            ),
            line("AT#SSLSECDATA?", secs(5)),
        );
    }
    plan
}

/// Activates context 1 (if an APN is given), dials in command mode, sends, receives, closes.
pub fn plan_test_connection(family: Family, opts: &Options) -> Result<Plan, PlanError> {
    let g = Gen::of(family);
    let id = ssid(opts);
    let host = quoted_param(family, "use this host name", &opts.host)?;
    let mut plan = Plan::new(family, "test a TLS connection");
    if let Some(apn) = &opts.apn {
        let apn = quoted_param(family, "use this APN", apn)?;
        plan.push(
            "define data context 1",
            Purpose::Open,
            line(format!("AT+CGDCONT=1,\"IP\",{apn}"), secs(5)),
        );
    }
    // [seed] SSL sockets only on cid 1, which must be active; "context already activated"
    // (553) is harmless, and any other failure shows at #SSLD as 556 with its meaning.
    plan.push_expect(
        "activate data context 1 (an 'already activated' error is harmless)",
        Purpose::Open,
        line("AT#SGACT=1,1", secs(150)),
        Expect::Tolerate,
    );
    // #SSLD's own timeout bounds only the gap between handshake packets [C]; 120 s total [I].
    plan.push(
        format!("open TLS to {}:{} in command mode", opts.host, opts.port),
        Purpose::Open,
        line(format!("AT#SSLD={id},{},{host},0,1", opts.port), secs(120)),
    );
    let req = opts.request_bytes();
    if req.contains(&0x1a) {
        return Err(PlanError::Unsupported {
            family,
            what: "send this request".into(),
            why: "it contains Ctrl+Z, which ends #SSLSEND data".into(),
        });
    }
    plan.push(
        format!("send {} bytes", req.len()),
        Purpose::Send,
        upload(
            format!("AT#SSLSEND={id}"),
            Trigger::Prompt,
            req,
            Some(0x1a),
            secs(30),
        ),
    );
    // Legacy: AT#SSLRCV (seed 003 §4.2.2.2); LE910: AT#SSLRECV [C Libelium].
    let (cmd, header) = if g.legacy {
        ("AT#SSLRCV", "#SSLRCV: ")
    } else {
        ("AT#SSLRECV", "#SSLRECV: ")
    };
    plan.push(
        "read the response",
        Purpose::Receive,
        binary_read(
            format!("{cmd}={id},{}", opts.max_response.min(1000)),
            header,
            0,
            secs(30),
        ),
    );
    plan.push_expect(
        "close the socket",
        Purpose::Close,
        line(format!("AT#SSLH={id}"), secs(10)),
        Expect::Tolerate,
    );
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::at::ErrorCode;
    use crate::modules::plan::Credential;

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
            plan_provision(Family::TelitLegacy, &big, &o),
            Err(PlanError::TooLarge { max: 2047, .. })
        ));
        assert!(plan_provision(Family::TelitLe910, &big, &o).is_ok());
    }
}
