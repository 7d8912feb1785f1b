//! SIMCom SIM7600 / SIM7800 / A76xx: `AT+CCERTDOWN` files, `AT+CSSLCFG` contexts, the CCH
//! service (shared/reference/modules/sim7600.md).
//!
//! Verification: the CCH command set has no read-back of certificate content (§2.4), so the
//! strongest check is that `AT+CCERTLIST` names the file. The result says so.

use crate::at::{Final, Trigger};
use crate::modules::Family;
use crate::modules::cmd::{Utc, binary_read, line, quoted, quoted_param, secs, upload};
use crate::modules::explain::{Explanation, Row, explain_common, lookup};
use crate::modules::plan::{
    Check, Credentials, Expect, Options, Plan, PlanError, Purpose, Role, TlsVersion,
};

const FAMILY: Family = Family::Sim7600;
/// [C] A76XX manual: `<len>` 1..10240.
pub const MAX_FILE: usize = 10_240;
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
    None
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
        plan.push(
            "set the module clock (UTC) so certificate dates can be checked",
            Purpose::SetClock,
            line(format!("AT+CCLK={}", Utc::from_unix(t).cclk()), secs(5)),
        );
    }
    plan
}

/// Uploads, then lists, every credential given; then configures the SSL context.
pub fn plan_provision(creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
    if creds.ca.is_none() && creds.client_cert.is_none() && creds.client_key.is_none() {
        return Err(PlanError::Nothing);
    }
    let mut plan = Plan::new(FAMILY, "provision TLS credentials");
    plan.extend(plan_set_clock(opts));
    // 1. Upload each file with its exact length; no terminator follows the data [C].
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let name = name_checked(role, &c.name)?;
        if c.bytes.is_empty() {
            return Err(PlanError::Empty { role });
        }
        if c.bytes.len() > MAX_FILE {
            return Err(PlanError::TooLarge {
                family: FAMILY,
                role,
                len: c.bytes.len(),
                max: MAX_FILE,
                hint: "upload only the root, not a chain, or use DER".into(),
            });
        }
        plan.push(
            format!("upload the {role} as {name}"),
            Purpose::Write(role),
            upload(
                format!("AT+CCERTDOWN={name},{}", c.bytes.len()),
                Trigger::Prompt,
                c.bytes.clone(),
                None,
                SLOW,
            ),
        );
    }
    // 2. Check each file is listed: the strongest check this module has.
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
            line("AT+CCERTLIST", secs(10)),
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
    // [C] 0 SSL3.0, 1 TLS1.0, 2 TLS1.1, 3 TLS1.2, 4 all. The keyword must be lower case.
    let version = match opts.tls_version {
        None => 4,
        Some(TlsVersion::Ssl3) => 0,
        Some(TlsVersion::Tls10) => 1,
        Some(TlsVersion::Tls11) => 2,
        Some(TlsVersion::Tls12) => 3,
    };
    plan.push(
        "allow the TLS versions asked for",
        Purpose::Configure,
        line(format!("AT+CSSLCFG=\"sslversion\",{ctx},{version}"), SLOW),
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
        line(format!("AT+CSSLCFG=\"authmode\",{ctx},{auth}"), SLOW),
    );
    let ignore = u8::from(opts.unix_time.is_none());
    plan.push(
        if ignore == 0 {
            "check certificate dates against the clock just set"
        } else {
            "ignore certificate dates (the clock was not set)"
        },
        Purpose::Configure,
        line(
            format!("AT+CSSLCFG=\"ignorelocaltime\",{ctx},{ignore}"),
            SLOW,
        ),
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
                line(format!("AT+CSSLCFG=\"{key}\",{ctx},{name}"), SLOW),
            );
        }
    }
    if opts.sni {
        // [S] Older SIM7600 firmware answers ERROR: tolerated, and noted.
        plan.push_expect(
            "send SNI (older firmware lacks this setting; an ERROR here is tolerated)",
            Purpose::Configure,
            line(format!("AT+CSSLCFG=\"enableSNI\",{ctx},1"), SLOW),
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
        plan.push(
            format!("delete {}", c.name),
            Purpose::Remove(role),
            line(format!("AT+CCERTDELE={name}"), SLOW),
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
            line("AT+CCERTLIST", secs(10)),
        );
    }
    Ok(plan)
}

/// Opens TLS through the CCH service in command mode with manual receive, sends the
/// request, reads the answer, closes.
pub fn plan_test_connection(opts: &Options) -> Result<Plan, PlanError> {
    let host = quoted_param(FAMILY, "use this host name", &opts.host)?;
    let ctx = opts.context;
    let req = opts.request_bytes();
    let mut plan = Plan::new(FAMILY, "test a TLS connection");
    plan.push(
        "no send reports; receive in manual mode",
        Purpose::Open,
        line("AT+CCHSET=0,1", secs(5)),
    );
    plan.push_expect(
        "start the SSL service (activates the bearer)",
        Purpose::Open,
        line("AT+CCHSTART", SLOW),
        Expect::OkThenUrc {
            prefix: "+CCHSTART: ".into(),
            value: Some("0".into()),
            fail: vec![],
            within: SLOW,
        },
    );
    plan.push(
        format!("use SSL context {ctx} for session 0"),
        Purpose::Open,
        line(format!("AT+CCHSSLCFG=0,{ctx}"), secs(5)),
    );
    plan.push_expect(
        format!("open TLS to {}:{}", opts.host, opts.port),
        Purpose::Open,
        line(format!("AT+CCHOPEN=0,{host},{},2", opts.port), SLOW),
        Expect::OkThenUrc {
            prefix: "+CCHOPEN: 0,".into(),
            value: Some("0".into()),
            fail: vec![],
            within: secs(300),
        },
    );
    plan.push_expect(
        format!("send {} bytes", req.len()),
        Purpose::Send,
        upload(
            format!("AT+CCHSEND=0,{}", req.len()),
            Trigger::Prompt,
            req,
            None,
            secs(30),
        ),
        // Manual receive mode: the module announces data with an event [C A76XX AN].
        Expect::OkThenUrc {
            prefix: "+CCHEVENT: 0,".into(),
            value: Some("RECV EVENT".into()),
            fail: vec!["+CCH_PEER_CLOSED: 0".into(), "+CCH_RECV_CLOSED: 0".into()],
            within: secs(60),
        },
    );
    // `OK`, `+CCHRECV: DATA,0,<n>` + bytes, then `+CCHRECV: 0,<err>` [C LilyGO, TinyGSM].
    plan.push_expect(
        "read the response",
        Purpose::Receive,
        binary_read(
            format!("AT+CCHRECV=0,{}", opts.max_response),
            "+CCHRECV: DATA,",
            1,
            secs(30),
        ),
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
        line("AT+CCHCLOSE=0", secs(10)),
        Expect::Tolerate,
    );
    plan.push_expect(
        "stop the SSL service",
        Purpose::Close,
        line("AT+CCHSTOP", secs(60)),
        Expect::Tolerate,
    );
    Ok(plan)
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
        assert_eq!(lines[0], "AT+CCERTDOWN=\"ca_cert.pem\",57");
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
