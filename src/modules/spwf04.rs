//! ST SPWF04Sx: `AT+S.TLSCERT=<ca|cert|key>,<len><CR><bytes>` (shared/reference/modules/
//! spwf04.md, seeds/002).
//!
//! Verification: on `ca` the module parses the certificate and answers its Subject Key
//! Identifier (`AT-S.SubjectKeyId:7F:D3:..`, ST engineer's log [C]); atcert compares it with
//! the SKI it reads from the DER itself, which proves the module holds that certificate. Client
//! certificate and key: `AT+S.TLSCERT=content,1` lists them but its output is undocumented,
//! so they are written, not verifiable.
//!
//! The evidence for every command sent is in `tests/audit/spwf04.md`. Sources named in the
//! comments below:
//! - ST-fw: ST's SPWF04 console command table, `Middlewares/ST/STM32_SPWF0xSy/Utils/spwf04WiFi.c`
//!   as copied in `tapiov/RobotSTV2` @7ddc33d3 (X-CUBE-WIFI1 V2.1.0);
//! - X-CUBE: ST's host middleware in the same copy, `Inc/wifi_const.h`, `wifi_module.c`,
//!   `wifi_module_uart_04.c`, `wifi_interface.c`;
//! - mbed: `ARMmbed/wifi-x-nucleo-idw01m1` @90ba1f95, `SPWFSA04/SPWFSA04.cpp`,
//!   `SPWFSA04/spwfsa04_at_strings.h`, `SPWFSAxx.cpp`, `SPWFSAxx.h`.

use crate::at::Config;
use crate::at::Final;
use crate::cert::lint::{
    AcceptedLineEndings, CaChoice, ClockCheck, CredentialRules, Encoding, KeyEncoding, RoleRules,
    Rule, Storage, Support, TrailingNewline,
};
use crate::modules::Family;
use crate::modules::cmd::secs;
use crate::modules::driver::{Driver, Names, Recovery};
use crate::modules::explain::{Explanation, Row, lookup};
use crate::modules::identify::{Answer, Findings, Probe, TlsSupport};
use crate::modules::plan::{
    Check, Credentials, Expect, Options, Plan, PlanError, Proves, Purpose, Role,
};
use crate::modules::rules::{ALL_HASHES_BUT_MD, DER, DER_PEM, NO_KEY, RSA_P256};
use core::time::Duration;

const FAMILY: Family = Family::Spwf04;
/// [C UM2114 excerpt] The command line is at most 512 bytes.
const MAX_LINE: usize = 512;

/// `AT-S.ERROR:<code>` values. UM2114's full table was not retrieved: 76, 77 and 78 are in
/// ST's X-CUBE parser (`wifi_module_uart_04.c`) [C]; 74 and 111 in forum logs [S]; the rest are
/// the simulator's stand-ins for errors whose number is unknown [I] (its `ERROR_OUTPUTS`), each
/// explained by what the command was doing.
pub const ERRORS: &[Row] = &[
    (
        1,
        "the module does not know this command",
        "check the firmware is SPWF04 (AT+S.STS=version); SPWF01 commands such as AT+S.FSA are not in SPWF04's command table",
    ),
    (
        17,
        "a parameter is invalid or missing (or the line began with what was left of a command cut off earlier)",
        "run the step again; if it repeats, check the value sent: file names start with '/', lengths are 1 or more and within what the module takes per write (atcert writes files in 1024-byte parts), ports are 1-65535",
    ),
    (
        18,
        "the configuration or status variable does not exist",
        "check the variable name with AT+S.GCFG",
    ),
    (
        42,
        "the module could not parse the certificate or key just written",
        "send the certificate as DER (openssl x509 -outform DER) and keep each item under 1475 bytes",
    ),
    (
        43,
        "the file does not exist",
        "nothing to delete or read: if a read-back failed, write the file again",
    ),
    (
        60,
        "the socket could not be opened",
        "see the certificate error reported just before; check the host, port, Wi-Fi link and the module time (AT+S.TIME)",
    ),
    (
        69,
        "the data that should follow the command did not arrive in time",
        "run the step again; check the serial line drops no bytes (lower the baud rate or enable flow control)",
    ),
    (
        74,
        "socket connection timeout",
        "check the host, port and Wi-Fi link",
    ),
    (
        76,
        "no socket with this id is open",
        "the connection closed already: open it again (AT+S.SOCKON)",
    ),
    (
        77,
        "pending data on the socket",
        "read the socket (AT+S.SOCKQ, AT+S.SOCKR) before closing it",
    ),
    (
        78,
        "the socket is not connected",
        "the server closed the connection: open it again",
    ),
    (
        79,
        "every client socket is in use",
        "close the sockets left open by earlier runs (AT+S.SOCKL lists them, AT+S.SOCKC=<id> closes one) or reset the module",
    ),
    (
        111,
        "request failed",
        "see the certificate or client error reported just before",
    ),
];

/// `AT-S.Certificate Error:<n>` values [S ST community; 21 is the simulator's date failure, I].
pub const CERT_ERRORS: &[Row] = &[
    (
        21,
        "the server's certificate is outside its validity dates by the module's clock",
        "set the module time (AT+S.TIME=<seconds since 1970>) and check the certificates' dates",
    ),
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
    let cert = crate::cert::parse::Cert::from_der(der).ok()?;
    Some(crate::cert::hex_colon(cert.ski.as_deref()?))
}

/// First step of every flow: `AT` -> `AT-S.OK` [C ST-fw "Null command, always returns OK";
/// mbed `AT-S.OK`]. It is the flow's recovery step (`plan::with_recovery` marks it, and
/// `flows::recover` escalates when it gets no answer): a command line cut off by an
/// interrupted run is refused together with it, and a data phase left counting bytes is
/// waited out or filled (`Family::recovery`). Any answer is accepted.
fn push_probe(plan: &mut Plan) {
    plan.push_expect(
        "check the module answers (and end anything an interrupted run left half-sent)",
        Purpose::Prepare,
        at::probe(),
        Expect::Tolerate,
    );
}

/// Sets the module time: SPWF04 checks certificate dates [seed 002: "also perform a time
/// validity check"]; `AT+S.TIME=<epoch>` [C X-CUBE SPWF04 `AT_SETTIME` "AT+S.TIME=%lu"; ST-fw
/// "Get/Set current time in seconds"]. Setting it again is harmless: idempotent.
pub fn plan_set_clock(opts: &Options) -> Plan {
    let mut plan = Plan::new(FAMILY, "set the clock");
    if opts.unix_time.is_some() {
        push_probe(&mut plan);
    }
    plan.extend(clock_steps(opts));
    plan
}

fn clock_steps(opts: &Options) -> Plan {
    let mut plan = Plan::new(FAMILY, "set the clock");
    if let Some(t) = opts.unix_time {
        plan.push(
            "set the module time (seconds since 1970, UTC) for certificate date checks",
            Purpose::SetClock,
            at::time(t),
        );
    }
    plan
}

/// Clears the TLS slots, sets the time, writes CA (checking its SKI), client cert and key.
pub fn plan_provision(
    rules: &CredentialRules,
    creds: &Credentials,
    opts: &Options,
) -> Result<Plan, PlanError> {
    // The TLSCERT area (rules: the client certificate's limit, 1475 bytes [S]).
    let cert_area = rules.client_cert.max_bytes.map_or(usize::MAX, |r| r.value);
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
    push_probe(&mut plan);
    // 1. Clear the slots first, as ST's X-CUBE does (`AT+S.TLSCERT=content,2`, X-CUBE
    //    wifi_const.h AT_CLEAN_TLS_CERT, sent by wifi_interface.c at init): a stale CA would
    //    shadow the new one, and FS CAs are used only once the slots are empty [seed 002].
    //    What it answers on empty slots is unknown [I]: a clean-up that finds nothing must not
    //    fail the flow, so any answer is accepted.
    plan.push_expect(
        "clear the TLS certificate slots",
        Purpose::Clean(Role::Ca),
        at::tlscert_clear(),
        Expect::Tolerate,
    );
    // 2. The module checks dates.
    plan.extend(clock_steps(opts));
    // 3. Write each credential; the bytes follow the CR at once, counted by <len> [C].
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        if role == Role::Ca && is_ca_file(&c.name) {
            push_ca_file(&mut plan, &c.name, &c.bytes);
            // With client credentials in the flash slots, ST's engineer says FS CAs are used
            // only once the slots are empty [seed 002]; whether that holds for a mutual setup
            // is not documented [I]. The same CA in the `ca` slot too is right under both
            // readings, where it fits the slot area [S 1475 bytes].
            let mutual = creds.client_cert.is_some() || creds.client_key.is_some();
            if mutual {
                if c.bytes.len() <= cert_area && subject_key_id(&c.bytes).is_some() {
                    push_slot(&mut plan, role, &c.bytes)?;
                } else {
                    plan.note(format!(
                        "the root CA ({} bytes) does not fit the TLSCERT area ({cert_area} bytes), so it is stored as a file only; if the connection fails with AT-S.Certificate Error:23, this firmware ignores file-system CAs while a client certificate is stored: use a smaller root CA",
                        c.bytes.len()
                    ));
                }
            }
            continue;
        }
        push_slot(&mut plan, role, &c.bytes)?;
    }
    if creds.client_cert.is_some() || creds.client_key.is_some() {
        plan.note("SPWF04 cannot read back the client certificate or key: they are written, not verifiable on this module");
    }
    Ok(plan)
}

/// [C mbed `SPWFXX_SEND_RECV_PKTSIZE`] Largest socket write.
pub const MAX_WRITE: usize = 730;

/// [C mbed `SPWFSA_SOCKET_COUNT`] Client socket ids 0-7.
pub const SOCKETS: u8 = 8;

/// Writes one TLSCERT slot; the CA's answer (its Subject Key Identifier) verifies it.
fn push_slot(plan: &mut Plan, role: Role, c: &[u8]) -> Result<(), PlanError> {
    let slot = match role {
        Role::Ca => "ca",
        Role::ClientCert => "cert",
        Role::ClientKey => "key",
    };
    let command = at::tlscert(slot, c);
    if command.line.len() > MAX_LINE {
        return Err(PlanError::TooLarge {
            family: FAMILY,
            role,
            len: c.len(),
            max: MAX_LINE,
            hint: "the command line is too long".into(),
        });
    }
    // `AT+S.TLSCERT=<ca|cert|key>,<len><CR><bytes>` [C ST-fw; X-CUBE `AT_STORE_CERT`
    // "AT+S.TLSCERT=cert,%d\r%s", `AT_STORE_KEY`; GHI `TLSCERT=ca,<len>` + raw bytes]; the
    // CA answers `AT-S.SubjectKeyId:..` [C ST engineer's log, ST-comm-23]. Each write
    // replaces the slot, and the slots were cleared first: idempotent.
    let purpose = match (role, subject_key_id(c)) {
        (Role::Ca, Some(ski)) => Purpose::Verify(
            role,
            Check::Reported {
                prefix: "AT-S.SubjectKeyId:".into(),
                field: usize::MAX,
                expected: ski,
                what: "Subject Key Identifier".into(),
                marker: None,
                proves: Proves::Identity,
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
    plan.push(
        format!("write the {role} into its TLSCERT slot"),
        purpose,
        command,
    );
    Ok(())
}

/// [I] File system writes are split into parts of this size: ST's host middleware refuses
/// more than 1024 bytes per file write (X-CUBE `wifi_interface.c` `wifi_file_create`:
/// `length > 1024` gives `WiFi_AT_FILE_LENGTH_ERROR`); the module's own limit is undocumented.
pub const FS_CHUNK: usize = 1024;

/// A CA stored as a file named after its Subject Key Identifier, `/<ski>.ca` (seed 002;
/// the rules' storage for the root CA).
fn is_ca_file(name: &str) -> bool {
    name.starts_with('/') && name.ends_with(".ca") && !name.contains([',', '\r', '\n'])
}

/// Deletes the file, writes it in parts with `AT+S.FSC` only, and reads it back.
///
/// - `AT+S.FSD=/<name>` first [C ST-fw "Delete an existing file"; X-CUBE `AT_DELETE_FILE`
///   "AT+S.FSD=/%s"]: SPWF04's `FSC` is "Create a file/Append to an existing file" [C ST-fw],
///   so without the delete a second run appends a second copy. A missing file may answer
///   `AT-S.ERROR` [I]: the delete is a clean-up, any answer is accepted.
/// - `AT+S.FSC=/<name>,<len><CR><bytes>` for every part [C ST-fw; X-CUBE `AT_CREATE_FILE`
///   "AT+S.FSC=/%s,%d"]. `AT+S.FSA` is not sent: SPWF04's table has it commented out and
///   X-CUBE sends it only `#ifdef SPWF01` (`wifi_module.c` WIFI_FILE_CREATE_EVENT). After the
///   delete, create and create/append give the same file whenever it fits one part.
/// - `AT+S.FSP=/<name>,,` [C ST-fw `=<filename>,<offset>,<length>`; X-CUBE SPWF04
///   `AT_DISPLAY_FILE_CONTENT` "AT+S.FSP=/%s,,"] answers `AT-S.Reading:<n>:<total>` and the raw
///   bytes, like a socket read [C mbed for SOCKR; I for FSP].
fn push_ca_file(plan: &mut Plan, name: &str, der: &[u8]) {
    plan.push_expect(
        format!("delete {name} left by an earlier run (nothing to delete is fine)"),
        Purpose::Clean(Role::Ca),
        at::fsd(name),
        Expect::Tolerate,
    );
    let parts = der.chunks(FS_CHUNK).count();
    for (i, part) in der.chunks(FS_CHUNK).enumerate() {
        let label = if parts == 1 {
            format!("write the root CA file {name} ({} bytes)", part.len())
        } else {
            format!(
                "write part {} of {parts} of the root CA file {name} ({} bytes; AT+S.FSC appends to the file)",
                i + 1,
                part.len()
            )
        };
        plan.push(label, Purpose::Write(Role::Ca), at::fsc(name, part));
    }
    let label = if parts == 1 {
        format!("read back {name} and compare")
    } else {
        // Names the assumption a mismatch would disprove, and the way around it.
        format!(
            "read back {name} and compare (a mismatch here means this firmware's AT+S.FSC overwrites instead of appending: use a root CA under {FS_CHUNK} bytes of DER)"
        )
    };
    plan.push(
        label,
        Purpose::Verify(
            Role::Ca,
            Check::ReadBack {
                expected: der.to_vec(),
            },
        ),
        at::fsp(name),
    );
}

/// SPWF04 has no TLS settings beyond the credentials: the server name goes with each
/// connection (`AT+S.SOCKON`'s 4th field).
pub fn plan_configure_tls() -> Plan {
    let mut plan = Plan::new(FAMILY, "configure TLS");
    plan.note("SPWF04 has no separate TLS settings: TLS is chosen per connection by giving the server name to AT+S.SOCKON");
    plan
}

/// Clears every TLS slot (the module has no per-slot delete) and deletes the CA file. Both
/// are clean-ups: removing what is already gone must not fail, so any answer is accepted
/// (`AT+S.TLSCERT=content,2` [C X-CUBE]; `AT+S.FSD=/<name>` [C ST-fw, X-CUBE]).
pub fn plan_remove(creds: &Credentials) -> Plan {
    let mut plan = Plan::new(FAMILY, "remove TLS credentials");
    push_probe(&mut plan);
    plan.push_expect(
        "clear all TLS certificates and keys",
        Purpose::Remove(Role::Ca),
        at::tlscert_clear(),
        Expect::Tolerate,
    );
    if let Some(ca) = creds.ca.as_ref().filter(|c| is_ca_file(&c.name)) {
        plan.push_expect(
            format!("delete {} (already gone is fine)", ca.name),
            Purpose::Remove(Role::Ca),
            at::fsd(&ca.name),
            Expect::Tolerate,
        );
    }
    plan
}

/// Opens a TLS socket, writes, waits for pending data, asks how much is pending, reads no more
/// than that, closes.
///
/// Sockets left open by interrupted runs would use up SPWF04's 8 client sockets [C mbed
/// `SPWFSA_SOCKET_COUNT` 8], so every id is closed first (nothing to close is fine). One
/// still holding unread data refuses (`AT-S.ERROR:77:Pending data` [C X-CUBE]) and stays;
/// it does not block this run, which takes a free id and uses the one the module names
/// (`AT-S.On:<ip>:<id>`).
pub fn plan_test_connection(opts: &Options) -> Result<Plan, PlanError> {
    if opts.host.bytes().any(|b| b == b',' || b.is_ascii_control()) {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: "use this host name".into(),
            why: "it contains a comma or control characters".into(),
        });
    }
    let mut plan = Plan::new(FAMILY, "test a TLS connection");
    push_probe(&mut plan);
    for id in 0..SOCKETS {
        // `AT+S.SOCKC=<id>` [C X-CUBE `AT_SOCKET_CLOSE` "AT+S.SOCKC=%d"; mbed].
        plan.push_expect(
            format!("close socket {id} if an earlier run left it open (nothing to close is fine)"),
            Purpose::Close,
            at::sockc(id),
            Expect::Tolerate,
        );
    }
    // `AT+S.SOCKON=<host>,<port>,,<name>`: the 4th field carries the TLS server name [C GHI
    // TinyCLR `SOCKON=host,port,,<CN>`; S ST community `SOCKON=www.ssllabs.com,443,,ssllabs.com`].
    // X-CUBE and mbed put `NULL` in the 3rd field (`"AT+S.SOCKON=%s,%d,NULL,%s"`) and `t`/`u`
    // in the 4th for plain sockets; the empty 3rd field is GHI's TLS form. 60 s: a TLS
    // handshake over Wi-Fi with DNS [I].
    plan.push(
        format!(
            "open TLS to {}:{}, checking the name {}",
            opts.host, opts.port, opts.host
        ),
        Purpose::Open,
        at::sockon(&opts.host, opts.port),
    );
    // `AT-S.On:<ip>:<id>` [C mbed]: the id is the 2nd field after the prefix.
    plan.capture_last("sock", "AT-S.On:", 1, "0");
    let req = opts.request_bytes();
    if req.len() > MAX_WRITE {
        // [C mbed README, issue #13: the firmware limits a TCP segment to 730 bytes;
        // `SPWFXX_SEND_RECV_PKTSIZE` 730, writes are split there].
        return Err(PlanError::TooLarge {
            family: FAMILY,
            role: Role::Ca,
            len: req.len(),
            max: MAX_WRITE,
            hint: "SPWF04 sends at most 730 bytes per socket write: send a shorter request".into(),
        });
    }
    // `AT+S.SOCKW=<id>,<len><CR><bytes>` -> `AT-S.OK` [C X-CUBE `AT_SOCKET_WRITE`
    // "AT+S.SOCKW=%d,%d"; mbed], then `+WIND:55:Pending Data::<id>:<n>:<total>` when the answer
    // arrives [C mbed `SPWFXX_RECV_PENDING_DATA` "::%u:%*u:%u"]; `+WIND:58:Socket Closed`
    // [C mbed] means the server hung up first.
    plan.push_templated(
        format!("send {} bytes", req.len()),
        Purpose::Send,
        &at::sockw_template(req.len()),
        at::sockw(req),
        Expect::OkThenUrc {
            prefix: "+WIND:55:Pending Data".into(),
            value: None,
            fail: vec!["+WIND:58:Socket Closed".into()],
            within: secs(60),
        },
    );
    // `AT+S.SOCKQ=<id>` -> `AT-S.Query:<n>` [C mbed `SPWFXX_RECV_DATALEN`; X-CUBE
    // `AT_QUERY_PENDING_DATA`]: read no more than the module says it holds.
    plan.push_templated(
        "ask how many bytes are waiting",
        Purpose::Receive,
        at::SOCKQ,
        at::sockq(),
        Expect::Ok,
    );
    plan.capture_last("pending", "AT-S.Query:", 0, &opts.max_response.to_string());
    // `AT+S.SOCKR=<id>,<n>` -> `AT-S.Reading:<n>:<total>`, n raw bytes, `AT-S.OK` [C mbed
    // `_read_in`; X-CUBE `AT_SOCKET_READ`].
    plan.push_templated(
        "read them",
        Purpose::Receive,
        at::SOCKR,
        at::sockr(),
        Expect::Ok,
    );
    // `AT+S.SOCKC=<id>` [C X-CUBE `AT_SOCKET_CLOSE`; mbed]. With unread data it answers
    // `AT-S.ERROR:77:Pending data` [C X-CUBE parser] and an already closed socket
    // `AT-S.ERROR:76:Illegal Socket ID` [C X-CUBE]: the test's answer is in hand by then, so
    // any answer is accepted.
    plan.push_templated(
        "close the socket",
        Purpose::Close,
        at::SOCKC,
        at::sockc_named(),
        Expect::Tolerate,
    );
    plan.note(
        "the socket id and byte count are the ones the module answers; the usual values are shown",
    );
    Ok(plan)
}

/// One constructor per command this driver sends: the line, its timeout, and the source.
/// "ST-fw" is the SPWF04 firmware's command table, "X-CUBE" ST's X-CUBE-WIFI1 host
/// middleware (`wifi_const.h`), "mbed" the mbed SPWF04 driver, "GHI" GHI TinyCLR. A
/// template's `{sock}` and `{pending}` are filled from earlier answers (`capture_last`).
mod at {
    use crate::at::{Command, Trigger};
    use crate::modules::cmd::{binary_read, line, secs, upload};

    /// `AT` -> `AT-S.OK` (ST-fw "Null command, always returns OK"; mbed); 2 s.
    pub fn probe() -> Command {
        line("AT", secs(2))
    }

    /// `AT+S.TIME=<epoch>` (X-CUBE `AT_SETTIME` "AT+S.TIME=%lu"; ST-fw "Get/Set current time
    /// in seconds"); 5 s.
    pub fn time(unix_time: u64) -> Command {
        line(format!("AT+S.TIME={unix_time}"), secs(5))
    }

    /// `AT+S.TLSCERT=content,2` clears every TLS slot (X-CUBE `AT_CLEAN_TLS_CERT`); 10 s.
    pub fn tlscert_clear() -> Command {
        line("AT+S.TLSCERT=content,2", secs(10))
    }

    /// `AT+S.TLSCERT=<ca|cert|key>,<len><CR><bytes>` (ST-fw; X-CUBE `AT_STORE_CERT`,
    /// `AT_STORE_KEY`; GHI); the CA answers `AT-S.SubjectKeyId:..` (ST-comm-23); 10 s.
    pub fn tlscert(slot: &str, bytes: &[u8]) -> Command {
        upload(
            format!("AT+S.TLSCERT={slot},{}", bytes.len()),
            Trigger::Immediately,
            bytes.to_vec(),
            None,
            secs(10),
        )
    }

    /// `AT+S.FSD=/<name>` deletes a file (ST-fw; X-CUBE `AT_DELETE_FILE`); 10 s.
    pub fn fsd(name: &str) -> Command {
        line(format!("AT+S.FSD={name}"), secs(10))
    }

    /// `AT+S.FSC=/<name>,<len><CR><bytes>` creates or appends to a file (ST-fw; X-CUBE
    /// `AT_CREATE_FILE`); 10 s.
    pub fn fsc(name: &str, part: &[u8]) -> Command {
        upload(
            format!("AT+S.FSC={name},{}", part.len()),
            Trigger::Immediately,
            part.to_vec(),
            None,
            secs(10),
        )
    }

    /// `AT+S.FSP=/<name>,,` -> `AT-S.Reading:<n>:<total>` and the raw bytes (ST-fw; X-CUBE
    /// `AT_DISPLAY_FILE_CONTENT`); 10 s.
    pub fn fsp(name: &str) -> Command {
        binary_read(format!("AT+S.FSP={name},,"), "AT-S.Reading:", 0, secs(10))
    }

    /// `AT+S.SOCKON=<host>,<port>,,<name>`: the 4th field is the TLS server name (GHI;
    /// ST community [S]); 60 s, a TLS handshake over Wi-Fi with DNS [I].
    pub fn sockon(host: &str, port: u16) -> Command {
        line(format!("AT+S.SOCKON={host},{port},,{host}"), secs(60))
    }

    /// The line of [`sockw`]: `AT+S.SOCKW=<id>,<len>` (X-CUBE `AT_SOCKET_WRITE`; mbed).
    pub fn sockw_template(len: usize) -> String {
        format!("AT+S.SOCKW={{sock}},{len}")
    }

    /// `AT+S.SOCKW=<id>,<len><CR><bytes>` -> `AT-S.OK` (X-CUBE; mbed); 30 s.
    pub fn sockw(bytes: Vec<u8>) -> Command {
        upload("", Trigger::Immediately, bytes, None, secs(30))
    }

    /// `AT+S.SOCKQ=<id>` -> `AT-S.Query:<n>` (mbed `SPWFXX_RECV_DATALEN`; X-CUBE
    /// `AT_QUERY_PENDING_DATA`).
    pub const SOCKQ: &str = "AT+S.SOCKQ={sock}";

    /// [`SOCKQ`]; 5 s.
    pub fn sockq() -> Command {
        line("", secs(5))
    }

    /// `AT+S.SOCKR=<id>,<n>` -> `AT-S.Reading:<n>:<total>`, n raw bytes, `AT-S.OK` (mbed
    /// `_read_in`; X-CUBE `AT_SOCKET_READ`).
    pub const SOCKR: &str = "AT+S.SOCKR={sock},{pending}";

    /// [`SOCKR`]; 30 s.
    pub fn sockr() -> Command {
        binary_read("", "AT-S.Reading:", 0, secs(30))
    }

    /// `AT+S.SOCKC=<id>` for the socket the module named.
    pub const SOCKC: &str = "AT+S.SOCKC={sock}";

    /// `AT+S.SOCKC=<id>` closes a socket (X-CUBE `AT_SOCKET_CLOSE`; mbed); 10 s.
    pub fn sockc(id: u8) -> Command {
        line(format!("AT+S.SOCKC={id}"), secs(10))
    }

    /// [`SOCKC`]; 10 s.
    pub fn sockc_named() -> Command {
        line("", secs(10))
    }
}

/// How this family is named (`--module` values, Help, messages).
const NAMES: Names = Names {
    id: "spwf04",
    display_name: "ST SPWF04",
    models: "ST SPWF04Sx",
    model_prefixes: &["spwf04"],
    aliases: &[],
};

/// The ST SPWF04 driver.
pub struct Spwf04;

impl Driver for Spwf04 {
    fn family(&self) -> Family {
        FAMILY
    }
    fn names(&self) -> &'static Names {
        &NAMES
    }
    fn discovery_probe(&self) -> Option<Probe> {
        Some(PROBE_VERSION)
    }
    fn identify_probes(&self) -> &'static [Probe] {
        &[PROBE_VERSION]
    }
    fn read_probe(&self, probe: Probe, answer: &Answer, found: &mut Findings) -> bool {
        if probe != PROBE_VERSION {
            return false;
        }
        if let Some(fw) = answer.lines.iter().find_map(|l| parse_version(l)) {
            found.model.get_or_insert_with(|| "SPWF04".to_owned());
            found.firmware = Some(fw);
            found.tls = Some(TlsSupport::Yes);
            true
        } else if answer.ok {
            found.model.get_or_insert_with(|| "SPWF04".to_owned());
            true
        } else {
            false
        }
    }
    fn engine_config(&self) -> Config {
        // `+WIND:` indications (spwf04.md §1). Echo is on by default [I].
        Config::default().with_urc_prefixes(&["+WIND:"])
    }
    fn rules(&self) -> CredentialRules {
        SPWF04
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
        Ok(plan_remove(creds))
    }
    fn plan_configure_tls(&self, _creds: &Credentials, _opts: &Options) -> Result<Plan, PlanError> {
        Ok(plan_configure_tls())
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
    fn explain_line(&self, line: &str) -> Option<Explanation> {
        explain_line(line)
    }
}

// No end character and no online mode: data follows the command at once
// and is counted (spwf04.md, AT+S.TLSCERT / AT+S.FSC). [I] 10 s data timeout (AT-S.ERROR:69).
const RECOVERY: Recovery = Recovery {
    probe: "AT",
    abort: b"",
    escape_online: false,
    data_timeout: Duration::from_secs(10),
    max_data: 4096,
};

// --- Credential rules -----------------------------------------------------------------------

// --- ST SPWF04 (spwf04.md) -----------------------------------------------------------------

const SPWF04_CERT: RoleRules = RoleRules {
    accepted: Rule::c(
        DER,
        "spwf04.md 3.1: DER is the documented, working format; PEM reported failing",
    ),
    send_as: Encoding::Der,
    line_endings: Rule::i(AcceptedLineEndings::LfOrCrLf, "DER only"),
    trailing_newline: Rule::i(TrailingNewline::Optional, "DER only"),
    // Each peer certificate <= 2.5 KB [S].
    max_bytes: Some(Rule::s(2560, "spwf04.md 3.1: each certificate <= 2.5 KB")),
    key_types: Rule::s(RSA_P256, "spwf04.md 7: RSA and ECC P-256"),
    // Only a suspicion in a forum thread, so a default that warns, not a rule that blocks.
    rsa_bits: Rule::i(
        (1024, 2048),
        "spwf04.md 5.2: RSA-4096 chains suspected of Certificate Error:22",
    ),
    signature_hashes: Some(Rule::i(
        ALL_HASHES_BUT_MD,
        "spwf04.md 7: mbedTLS-era firmware",
    )),
    key_encodings: Rule::i(NO_KEY, "not a key"),
    encrypted_key: Rule::i(false, "not a key"),
    bundle: Rule::c(false, "spwf04.md 3.3: one DER root per <ski>.ca file"),
    storage: Rule::c(
        Storage::SkiFile {
            prefix: "/",
            suffix: ".ca",
        },
        "seed 002 / spwf04.md 3.3: root CA as DER file named <subject key identifier>.ca, lowercase",
    ),
};

/// The TLS certificate area (`AT+S.TLSCERT=cert|key`) holds at most 1475 bytes [S].
const SPWF04_AREA: Rule<usize> =
    Rule::s(1475, "spwf04.md 3.1: the TLSCERT area holds <= 1475 bytes");

const SPWF04: CredentialRules = CredentialRules {
    family: "spwf04",
    ca: SPWF04_CERT,
    client_cert: RoleRules {
        bundle: Rule::i(
            false,
            "spwf04.md 3.1: one certificate per AT+S.TLSCERT=cert",
        ),
        accepted: Rule::i(
            DER_PEM,
            "spwf04.md 3.1: DER safest; PEM may work for cert/key",
        ),
        max_bytes: Some(SPWF04_AREA),
        storage: Rule::c(
            Storage::Parameter {
                name: "AT+S.TLSCERT=cert",
            },
            "spwf04.md 3.1",
        ),
        ..SPWF04_CERT
    },
    client_key: RoleRules {
        accepted: Rule::i(
            DER_PEM,
            "spwf04.md 3.1: DER safest; PEM may work for cert/key",
        ),
        max_bytes: Some(SPWF04_AREA),
        key_encodings: Rule::i(
            &[KeyEncoding::Pkcs1, KeyEncoding::Sec1, KeyEncoding::Pkcs8],
            "spwf04.md 3.1: mbedTLS parses PKCS#1, SEC1 and PKCS#8",
        ),
        storage: Rule::c(
            Storage::Parameter {
                name: "AT+S.TLSCERT=key",
            },
            "spwf04.md 3.1",
        ),
        ..SPWF04_CERT
    },
    mutual_tls: Rule::c(
        Support::Supported,
        "seed 002: SPWF04 supports one-way and mutual authentication",
    ),
    clock: Rule::c(
        ClockCheck::Always,
        "seed 002: SPWF04 performs a time validity check; set AT+S.TIME",
    ),
    ca_choice: Rule::c(
        CaChoice::Root,
        "seed 002: saving the root CA in the file system is enough",
    ),
    tls_versions: Rule::i("TLS 1.2 (believed)", "spwf04.md 7"),
};

/// `AT+S.STS=version` → `AT-S.Var:version=<fw>` `AT-S.OK` (spwf04.md §2 [I]); other
/// vendors' modules answer `ERROR` or nothing. 2 s.
const PROBE_VERSION: Probe = Probe::new("AT+S.STS=version", 2);

/// The firmware in `AT-S.Var:version=<fw>`.
fn parse_version(text: &str) -> Option<String> {
    text.trim()
        .strip_prefix("AT-S.Var:version=")
        .map(|v| v.trim().to_owned())
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
            plan_provision(&SPWF04, &creds, &Options::default()),
            Err(PlanError::Unsupported { .. })
        ));
    }
}
