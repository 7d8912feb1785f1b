//! ST SPWF04Sx: `AT+S.TLSCERT=<ca|cert|key>,<len><CR><bytes>` (shared/reference/modules/
//! spwf04.md, seeds/002).
//!
//! Verification: on `ca` the module parses the certificate and answers its Subject Key
//! Identifier (`AT-S.SubjectKeyId:7F:D3:..`, ST engineer's log [C]); atcert compares it with
//! the SKI it reads from the DER itself, which proves the module holds that certificate. Client
//! certificate and key: `AT+S.TLSCERT=content,1` lists them but its output is undocumented,
//! so they are written, not verifiable.

use crate::at::{Final, Trigger};
use crate::modules::Family;
use crate::modules::cmd::{binary_read, line, secs, upload};
use crate::modules::explain::{Explanation, Row, lookup};
use crate::modules::plan::{Check, Credentials, Expect, Options, Plan, PlanError, Purpose, Role};

const FAMILY: Family = Family::Spwf04;
/// [C UM2114 excerpt] The command line is at most 512 bytes.
const MAX_LINE: usize = 512;

/// `AT-S.ERROR:<code>` values seen in sources (UM2114's full table was not retrieved).
pub const ERRORS: &[Row] = &[
    (
        74,
        "socket connection timeout",
        "check the host, port and Wi-Fi link",
    ),
    (
        77,
        "pending data on the socket",
        "read the socket (AT+S.SOCKR) before closing it",
    ),
    (
        111,
        "request failed",
        "see the certificate or client error reported just before",
    ),
];

/// `AT-S.Certificate Error:<n>` values [S ST community].
pub const CERT_ERRORS: &[Row] = &[
    (
        22,
        "the module could not use the server's certificate chain (seen with Azure: RSA-4096 intermediates or an unsupported chain)",
        "check the chain's key sizes; SPWF04 handles RSA-2048 and P-256 chains",
    ),
    (
        23,
        "no CA found that signed the server's chain",
        "provision the server's root CA as DER, set the module time (AT+S.TIME), and check the CA with openssl s_client -CAfile",
    ),
];

/// `AT-S.Http Client Error:<n>` values [S].
pub const HTTP_CLIENT_ERRORS: &[Row] = &[
    (1, "connection refused", "check the host and port"),
    (
        2,
        "TLS or certificate failure",
        "see the certificate error reported just before",
    ),
];

/// Explains an SPWF04 final result (`AT-S.ERROR:<code>:<text>`).
pub fn explain(fin: &Final) -> Option<Explanation> {
    match fin {
        Final::Vendor { code: Some(n), .. } => lookup(ERRORS, *n),
        Final::Vendor { code: None, line } => {
            code_after(line, "AT-S.ERROR:").and_then(|n| lookup(ERRORS, n))
        }
        _ => None,
    }
}

/// Explains the informational lines that precede a TLS failure.
pub fn explain_line(text: &str) -> Option<Explanation> {
    if let Some(n) = code_after(text, "AT-S.Certificate Error:") {
        return lookup(CERT_ERRORS, n);
    }
    if let Some(n) = code_after(text, "AT-S.Http Client Error:") {
        return lookup(HTTP_CLIENT_ERRORS, n);
    }
    None
}

fn code_after(text: &str, prefix: &str) -> Option<u32> {
    text.trim()
        .strip_prefix(prefix)?
        .split(':')
        .next()?
        .trim()
        .parse()
        .ok()
}

/// The Subject Key Identifier of a DER certificate, as the module prints it: upper-case hex
/// pairs joined by colons. `None` when the bytes are not DER or have no SKI extension.
pub fn subject_key_id(der: &[u8]) -> Option<String> {
    use der::Decode;
    use x509_cert::ext::pkix::SubjectKeyIdentifier;
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    let ext = cert
        .tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER)?;
    let ski = SubjectKeyIdentifier::from_der(ext.extn_value.as_bytes()).ok()?;
    let hex: Vec<String> = ski
        .0
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    Some(hex.join(":"))
}

/// Sets the module time: SPWF04 checks certificate dates [seed 002: "also perform a time
/// validity check"]; `AT+S.TIME=<epoch>` [C X-CUBE].
pub fn plan_set_clock(opts: &Options) -> Plan {
    let mut plan = Plan::new(FAMILY, "set the clock");
    if let Some(t) = opts.unix_time {
        plan.push(
            "set the module time (seconds since 1970, UTC) for certificate date checks",
            Purpose::SetClock,
            line(format!("AT+S.TIME={t}"), secs(5)),
        );
    }
    plan
}

/// Clears the TLS slots, sets the time, writes CA (checking its SKI), client cert and key.
pub fn plan_provision(creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
    if creds.roles().next().is_none() {
        return Err(PlanError::Nothing);
    }
    if creds.ca.is_none() {
        // [C seed 002] SPWF04 has no anonymous TLS: a CA is always needed.
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: "connect without a root CA".into(),
            why: "SPWF04 supports one-way and mutual authentication only; add the server's root CA"
                .into(),
        });
    }
    let mut plan = Plan::new(FAMILY, "provision TLS credentials");
    // 1. Clear the slots first, as ST's X-CUBE does: a stale CA would shadow the new one.
    plan.push(
        "clear the TLS certificate slots",
        Purpose::Clean(Role::Ca),
        line("AT+S.TLSCERT=content,2", secs(10)),
    );
    // 2. The module checks dates.
    plan.extend(plan_set_clock(opts));
    // 3. Write each credential; the bytes follow the CR at once, counted by <len> [C].
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        if c.bytes.is_empty() {
            return Err(PlanError::Empty { role });
        }
        if role == Role::Ca && is_ca_file(&c.name) {
            push_ca_file(&mut plan, &c.name, &c.bytes);
            continue;
        }
        let slot = match role {
            Role::Ca => "ca",
            Role::ClientCert => "cert",
            Role::ClientKey => "key",
        };
        let text = format!("AT+S.TLSCERT={slot},{}", c.bytes.len());
        if text.len() > MAX_LINE {
            return Err(PlanError::TooLarge {
                family: FAMILY,
                role,
                len: c.bytes.len(),
                max: MAX_LINE,
                hint: "the command line is too long".into(),
            });
        }
        let command = upload(text, Trigger::Immediately, c.bytes.clone(), None, secs(10));
        let purpose = match (role, subject_key_id(&c.bytes)) {
            (Role::Ca, Some(ski)) => Purpose::Verify(
                role,
                Check::Reported {
                    prefix: "AT-S.SubjectKeyId:".into(),
                    field: usize::MAX,
                    expected: ski,
                    what: "Subject Key Identifier".into(),
                },
            ),
            (Role::Ca, None) => {
                return Err(PlanError::Unsupported {
                    family: FAMILY,
                    what: "load this root CA".into(),
                    why: "SPWF04 takes the CA as DER with a Subject Key Identifier extension (convert with openssl x509 -outform DER)".into(),
                });
            }
            _ => Purpose::Write(role),
        };
        plan.push(format!("write the {role}"), purpose, command);
    }
    if creds.client_cert.is_some() || creds.client_key.is_some() {
        plan.note("SPWF04 cannot read back the client certificate or key: they are written, not verifiable on this module");
    }
    Ok(plan)
}

/// [I] File system writes are split into parts of this size (`FSC` then `FSA`): the
/// per-command limit is undocumented and ~1 KB is the reference's safe choice.
pub const FS_CHUNK: usize = 1024;

/// A CA stored as a file named after its Subject Key Identifier, `/<ski>.ca` (seed 002;
/// the rules' storage for the root CA).
fn is_ca_file(name: &str) -> bool {
    name.starts_with('/') && name.ends_with(".ca") && !name.contains([',', '\r', '\n'])
}

/// Writes the CA file in parts and reads it back (`AT+S.FSP` answers `AT-S.Reading:<n>:..`
/// and the raw bytes, like a socket read [C mbed for SOCKR; I for FSP]).
fn push_ca_file(plan: &mut Plan, name: &str, der: &[u8]) {
    for (i, part) in der.chunks(FS_CHUNK).enumerate() {
        let op = if i == 0 { "FSC" } else { "FSA" };
        plan.push(
            format!("write the root CA file {name} ({} bytes)", part.len()),
            Purpose::Write(Role::Ca),
            upload(
                format!("AT+S.{op}={name},{}", part.len()),
                Trigger::Immediately,
                part.to_vec(),
                None,
                secs(10),
            ),
        );
    }
    plan.push(
        format!("read back {name} and compare"),
        Purpose::Verify(
            Role::Ca,
            Check::ReadBack {
                expected: der.to_vec(),
            },
        ),
        binary_read(format!("AT+S.FSP={name}"), "AT-S.Reading:", 0, secs(10)),
    );
}

/// SPWF04 has no TLS settings beyond the credentials: the server name goes with each
/// connection (`AT+S.SOCKON`'s 4th field).
pub fn plan_configure_tls() -> Plan {
    let mut plan = Plan::new(FAMILY, "configure TLS");
    plan.note("SPWF04 has no separate TLS settings: TLS is chosen per connection by giving the server name to AT+S.SOCKON");
    plan
}

/// Clears every TLS slot (the module has no per-slot delete) and deletes the CA file.
pub fn plan_remove(creds: &Credentials) -> Plan {
    let mut plan = Plan::new(FAMILY, "remove TLS credentials");
    plan.push(
        "clear all TLS certificates and keys",
        Purpose::Remove(Role::Ca),
        line("AT+S.TLSCERT=content,2", secs(10)),
    );
    if let Some(ca) = creds.ca.as_ref().filter(|c| is_ca_file(&c.name)) {
        plan.push(
            format!("delete {}", ca.name),
            Purpose::Remove(Role::Ca),
            line(format!("AT+S.FSD={}", ca.name), secs(10)),
        );
    }
    plan
}

/// Opens a TLS socket (server name in the 4th field [C GHI TinyCLR driver:
/// `AT+S.SOCKON=host,port,,<tlsCn>`]), writes, waits for pending data, reads, closes.
pub fn plan_test_connection(opts: &Options) -> Result<Plan, PlanError> {
    if opts.host.bytes().any(|b| b == b',' || b.is_ascii_control()) {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: "use this host name".into(),
            why: "it contains a comma or control characters".into(),
        });
    }
    let mut plan = Plan::new(FAMILY, "test a TLS connection");
    plan.push(
        format!(
            "open TLS to {}:{}, checking the name {}",
            opts.host, opts.port, opts.host
        ),
        Purpose::Open,
        line(
            format!("AT+S.SOCKON={},{},,{}", opts.host, opts.port, opts.host),
            secs(60),
        ),
    );
    // `AT-S.On:<ip>:<id>` [C mbed]: the id is the 2nd field after the prefix.
    plan.capture_last("sock", "AT-S.On:", 1, "0");
    let req = opts.request_bytes();
    plan.push_templated(
        format!("send {} bytes", req.len()),
        Purpose::Send,
        &format!("AT+S.SOCKW={{sock}},{}", req.len()),
        upload("", Trigger::Immediately, req, None, secs(30)),
        Expect::OkThenUrc {
            prefix: "+WIND:55:Pending Data".into(),
            value: None,
            fail: vec!["+WIND:58:Socket Closed".into()],
            within: secs(60),
        },
    );
    plan.push_templated(
        "ask how many bytes are waiting",
        Purpose::Receive,
        "AT+S.SOCKQ={sock}",
        line("", secs(5)),
        Expect::Ok,
    );
    plan.capture_last("pending", "AT-S.Query:", 0, &opts.max_response.to_string());
    plan.push_templated(
        "read them",
        Purpose::Receive,
        "AT+S.SOCKR={sock},{pending}",
        binary_read("", "AT-S.Reading:", 0, secs(30)),
        Expect::Ok,
    );
    plan.push_templated(
        "close the socket",
        Purpose::Close,
        "AT+S.SOCKC={sock}",
        line("", secs(10)),
        Expect::Tolerate,
    );
    plan.note(
        "the socket id and byte count are the ones the module answers; the usual values are shown",
    );
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_errors_seen_in_the_field() {
        assert!(
            explain_line("AT-S.Certificate Error:23").is_some_and(|e| e.meaning.contains("no CA"))
        );
        assert!(explain_line("AT-S.Certificate Error:22").is_some());
        assert!(explain_line("AT-S.Http Client Error:2").is_some());
        assert!(explain_line("AT-S.Http Client Error:1").is_some());
        assert!(
            explain(&Final::Vendor {
                code: None,
                line: "AT-S.ERROR:111:Request failed".into()
            })
            .is_some()
        );
        assert!(
            explain(&Final::Vendor {
                code: Some(77),
                line: "AT-S.ERROR:77:Pending data".into()
            })
            .is_some()
        );
        for (code, _, _) in ERRORS {
            assert!(
                explain(&Final::Vendor {
                    code: Some(*code),
                    line: String::new()
                })
                .is_some()
            );
        }
        assert!(explain_line("AT-S.Certificate Error:99").is_none());
    }

    #[test]
    fn refuses_a_ca_that_is_not_der() {
        let creds = Credentials {
            ca: Some(crate::modules::plan::Credential {
                bytes: b"-----BEGIN CERTIFICATE-----".to_vec(),
                name: String::new(),
            }),
            ..Credentials::default()
        };
        assert!(matches!(
            plan_provision(&creds, &Options::default()),
            Err(PlanError::Unsupported { .. })
        ));
    }
}
