//! Connect One iChip: credentials are non-volatile parameters set by multi-line commands
//! (`AT+iCA=<PEM lines separated by CR>`), shared/reference/modules/ichip.md, seeds/004.
//!
//! Verification: the CA (`AT+iCA?`) and client certificate (`AT+iCERT?`) are read back and
//! compared; the key cannot be read back, `AT+iPKEY?` answers its strength in bits, which
//! is compared with the key's modulus size.
//!
//! The evidence for every command sent is in `tests/audit/ichip.md`. Sources named in the
//! comments below:
//! - Libelium: `Libelium/waspmoteapi` @02591a22, `libraries/WIFI_PRO/WaspWIFI_PRO.cpp`,
//!   `utility/ati_generator.h`, `utility/ati_error_codes.h` (a Connect One WiReach/iChip);
//! - manual 8.32: Connect One "AT+i Programmer's Manual" 8.32 (seed 004 and the excerpts in
//!   shared/reference/modules/ichip.md).

use crate::at::Config;
use crate::at::Final;
use crate::cert::lint::{
    AcceptedLineEndings, CaChoice, ClockCheck, CredentialRules, Encoding, HashAlg, KeyEncoding,
    RoleRules, Rule, Storage, Support, TrailingNewline,
};
use crate::modules::Family;
use crate::modules::driver::{Driver, Names, Recovery};
use crate::modules::explain::{Explanation, Row, lookup};
use crate::modules::identify::{Answer, Findings, Probe, TlsSupport};
use crate::modules::plan::{
    Check, Credentials, Expect, Options, Plan, PlanError, Proves, Purpose, Role,
};
use crate::modules::rules::{NO_KEY, PEM, RSA};
use core::time::Duration;

const FAMILY: Family = Family::Ichip;
/// [C] At most 2048 bytes per `AT+iSSND` (error 227).
pub const MAX_SEND: usize = 2048;
/// [S] Socket handles iChip hands out: 0-9 (Libelium keeps `socket[10]`).
pub const SOCKETS: u8 = 10;

/// The iChip error table for what a TLS flow meets (Libelium `ati_error_codes.h`, copied from
/// the Connect One manual [C]).
pub const ERRORS: &[Row] = &[
    (
        41,
        "illegal delimiter",
        "atcert sent a malformed command: report this",
    ),
    (42, "illegal value", "check the parameter value"),
    (
        43,
        "CR expected",
        "the multi-line value was cut: send the PEM again with CR line ends",
    ),
    (44, "number expected", "check the parameter value"),
    (45, "CR or ',' expected", "check the parameter value"),
    (46, "DNS name expected / DNS failure", "check the host name"),
    (47, "':' or '~' expected", "check the command syntax"),
    (48, "string expected", "check the parameter value"),
    (49, "':' or '=' expected", "check the command syntax"),
    (50, "text expected", "check the parameter value"),
    (51, "syntax error", "check the command syntax"),
    (52, "',' expected", "check the command syntax"),
    (
        53,
        "illegal command code",
        "this firmware lacks the command",
    ),
    (
        54,
        "error setting parameter",
        "retry; power-cycle if it persists",
    ),
    (
        55,
        "error getting parameter",
        "retry; power-cycle if it persists",
    ),
    (56, "user abort", "run the step again"),
    (61, "internal memory failure", "power-cycle the module"),
    (
        64,
        "user aborted the last command with '---'",
        "run the step again",
    ),
    (67, "command ignored as irrelevant", "nothing to do"),
    (
        69,
        "timeout on host communication",
        "check the host, port and network",
    ),
    (74, "LAN/WLAN connection lost", "check the network link"),
    (
        86,
        "writing the non-volatile parameter database failed",
        "retry; the flash may be worn",
    ),
    (
        111,
        "serial data overflow",
        "the module could not keep up: lower the baud rate (Libelium uses 9600) or enable flow control while uploading",
    ),
    (
        116,
        "error parsing the new trusted CA certificate",
        // The table names only the CA; a refused +iCERT likely answers the same code [I].
        "send the certificate as PEM with CR line ends, RSA 1024/2048-bit, at most 1300 characters; a CA must also be signed with MD5 or SHA-1",
    ),
    (
        117,
        "error parsing the new private key",
        "send the key as PKCS#1 PEM (BEGIN RSA PRIVATE KEY) with CR line ends",
    ),
    (
        200,
        "socket does not exist",
        "open the socket first (AT+iSTCP)",
    ),
    (
        201,
        "socket empty on receive",
        "nothing received yet; wait and read again",
    ),
    (202, "socket not in use", "open the socket first"),
    (203, "socket down", "the connection closed; open it again"),
    (204, "no available sockets", "close other sockets"),
    (207, "error creating socket", "retry"),
    (
        208,
        "socket send error",
        "the connection dropped; open it again",
    ),
    (
        209,
        "socket receive error",
        "the connection dropped; open it again",
    ),
    (
        215,
        "no carrier on socket operation",
        "check the network link",
    ),
    (216, "general exception", "power-cycle the module"),
    (
        217,
        "out of memory",
        "close other sockets; use a smaller CA",
    ),
    (218, "local port already in use", "use another local port"),
    (
        219,
        "SSL initialisation or internal CA certificate loading error",
        "provision the CA again (AT+iCA)",
    ),
    (
        220,
        "SSL3/TLS negotiation failed",
        "iChip speaks SSL 3.0 / TLS 1.0 with RSA ciphers only: the server may require TLS 1.2, or its chain does not lead to the stored CA",
    ),
    (
        221,
        "illegal SSL socket handle (must be an open, active TCP socket)",
        "open TCP first (AT+iSTCP), then AT+iSSL",
    ),
    (
        222,
        "trusted CA certificate does not exist",
        "provision the root CA (AT+iCA) first",
    ),
    (223, "reserved", "power-cycle the module"),
    (
        224,
        "decoding error on incoming SSL data",
        "the connection is corrupt: close it and open again",
    ),
    (
        225,
        "no additional SSL sockets available",
        "only one SSL socket at a time: close the other one",
    ),
    (
        226,
        "maximum SSL packet size (2 KB) exceeded",
        "send less per command",
    ),
    (
        227,
        "AT+iSSND failed: stream larger than 2048 bytes",
        "send at most 2048 bytes per command",
    ),
    (
        228,
        "AT+iSSND failed: checksum mismatch",
        "send the data again",
    ),
    (
        229,
        "SSL parameters are missing",
        "provision the CA (and client certificate and key) first",
    ),
    (230, "maximum packet size (4 GB) exceeded", "send less"),
    (300, "HTTP server unknown", "check the host"),
    (301, "HTTP server timeout", "check the host and network"),
    (303, "no URL", "give a URL"),
    (304, "illegal HTTP host name", "check the host"),
    (305, "illegal HTTP port", "check the port"),
    (306, "illegal URL", "check the URL"),
    (307, "URL too long", "shorten the URL"),
];

/// Explains `I/ERROR (<n>)`.
pub fn explain(fin: &Final) -> Option<Explanation> {
    match fin {
        Final::Vendor { code: Some(n), .. } => lookup(ERRORS, *n),
        Final::Vendor { code: None, line } => {
            let inner = line.trim().strip_prefix("I/ERROR")?.trim();
            let n = inner
                .trim_start_matches('(')
                .trim_end_matches(')')
                .trim()
                .parse()
                .ok()?;
            lookup(ERRORS, n)
        }
        _ => None,
    }
}

/// iChip's multi-line value: PEM lines separated by CR only [C manual], the last one too.
fn cr_lines(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::with_capacity(bytes.len());
    for l in text.lines() {
        let l = l.trim_end();
        if !l.is_empty() {
            out.extend_from_slice(l.as_bytes());
            out.push(b'\r');
        }
    }
    out
}

/// The bit length of an RSA key in PKCS#1 or PKCS#8 PEM/DER, as `AT+iPKEY?` reports it.
pub fn rsa_key_bits(bytes: &[u8]) -> Option<usize> {
    use der::Decode;
    let der = match pem_rfc7468::decode_vec(bytes) {
        Ok(("RSA PRIVATE KEY", der)) => der,
        Ok(_) => return None,
        Err(_) => bytes.to_vec(),
    };
    let key = pkcs1::RsaPrivateKey::from_der(&der).ok()?;
    let modulus = key.modulus.as_bytes();
    let first = modulus.iter().position(|b| *b != 0)?;
    let lead = modulus.get(first)?;
    Some((modulus.len() - first - 1) * 8 + (8 - lead.leading_zeros() as usize))
}

fn param(role: Role) -> &'static str {
    match role {
        Role::Ca => "CA",
        Role::ClientCert => "CERT",
        Role::ClientKey => "PKEY",
    }
}

/// First step of every flow: `AT+i` -> `I/OK` [C Libelium `AT[] = "AT+i\r"`,
/// `sendCommand(AT, I_OK, ..)`]. It is the flow's recovery step (`plan::with_recovery` marks
/// it, and `flows::recover` escalates when it gets no answer): a command line cut off by an
/// interrupted run is refused together with it, and a multi-line parameter or an
/// `AT+iSSND` left waiting is waited out or filled (`Family::recovery`; the module gives up
/// with error 69 "timeout on host communication" [C], after a time [I]). Any answer is
/// accepted.
fn push_probe(plan: &mut Plan) {
    plan.push_expect(
        "check the module answers (and end anything an interrupted run left half-sent)",
        Purpose::Prepare,
        at::probe(),
        Expect::Tolerate,
    );
}

/// iChip has no command to set its clock (only NTP settings), so there is nothing to send.
pub fn plan_set_clock() -> Plan {
    let mut plan = Plan::new(FAMILY, "set the clock");
    plan.note("iChip has no command to set its clock; whether it checks certificate dates is not documented");
    plan
}

/// Sets each parameter with its PEM, reads back and compares.
pub fn plan_provision(
    rules: &CredentialRules,
    creds: &Credentials,
    opts: &Options,
) -> Result<Plan, PlanError> {
    let _ = opts;
    let mut plan = Plan::new(FAMILY, "provision TLS credentials");
    push_probe(&mut plan);
    // 1. Write each parameter: the command line carries the PEM, CR-separated, and ends
    //    with the CR after the END line [C Libelium `setCA`: "AT+iCA=" then the PEM, wait for
    //    I/OK; its doc comment: "multiple lines separated by <CR>"]. Setting a parameter
    //    replaces it: provisioning twice stores the same value. Flash writes take a while
    //    [I 10 s; Libelium waits in 100 ms steps for as long as lines come].
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let value = cr_lines(&c.bytes);
        if value.is_empty() {
            return Err(PlanError::Empty { role });
        }
        // The limit counts the characters sent, after CR line endings (rules: +iCA 1300).
        if let Some(max) = rules.role(role).max_bytes.map(|r| r.value)
            && value.len() > max
        {
            return Err(PlanError::TooLarge {
                family: FAMILY,
                role,
                len: value.len(),
                max,
                hint: Ichip.too_large_hint().into(),
            });
        }
        if !value.starts_with(b"-----BEGIN") {
            return Err(PlanError::Unsupported {
                family: FAMILY,
                what: format!("load this {role}"),
                why: "iChip takes PEM text (-----BEGIN ...)".into(),
            });
        }
        plan.push(
            format!("set the {role}"),
            Purpose::Write(role),
            at::set(param(role), value),
        );
    }
    // 2. Read back what can be read.
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        if role == Role::ClientKey {
            match rsa_key_bits(&c.bytes) {
                Some(bits) => plan.push(
                    "check the key strength the module reports (keys cannot be read back)",
                    Purpose::Verify(
                        role,
                        Check::Reported {
                            // [I] the answer's form: `I/2048` or `2048`; both accepted.
                            prefix: String::new(),
                            field: usize::MAX,
                            expected: bits.to_string(),
                            what: "key strength in bits".into(),
                            marker: Some("I/".into()),
                            proves: Proves::Property,
                        },
                    ),
                    at::pkey_strength(),
                ),
                None => {
                    return Err(PlanError::Unsupported {
                        family: FAMILY,
                        what: "load this key".into(),
                        why: "iChip takes an RSA key as PKCS#1 PEM (BEGIN RSA PRIVATE KEY)".into(),
                    });
                }
            }
        } else {
            // `AT+i<CA|CERT>?` answers the name, the validity and the PEM, then `I/OK`
            // [C manual 8.32 +iCA; I for +iCERT, analogous].
            plan.push(
                format!("read back the {role} and compare"),
                Purpose::Verify(
                    role,
                    Check::ReadBack {
                        expected: c.bytes.clone(),
                    },
                ),
                at::read(param(role)),
            );
        }
    }
    if creds.client_key.is_some() {
        plan.note(
            "iChip cannot read back the private key: its size in bits is checked, not its content",
        );
    }
    Ok(plan)
}

/// iChip has no TLS settings: SSL 3.0 / TLS 1.0 and its cipher list are fixed.
pub fn plan_configure_tls() -> Plan {
    let mut plan = Plan::new(FAMILY, "configure TLS");
    plan.note("iChip's TLS settings are fixed (SSL 3.0 / TLS 1.0, RSA ciphers, no SNI)");
    plan
}

/// Empties each parameter: `AT+iCA=<CR><CR>` [C manual 8.32 §34.16.2 +iCA, "tca =<CR><CR>
/// Empty: No trusted certificate authority" (manualshelf/38.142.81.21 SM2144N1 page 293);
/// v8.21 §33.16.4 +iPKEY "empty value erases"].
///
/// The reference modelled one CR [I]. Where one CR ends the command, the second is an empty
/// line, which the module ignores like any line without `AT` [I]; where the multi-line parser
/// waits for a line (the manual's form), the second CR is that empty line. Two are right
/// under both readings; one would leave the module swallowing the next command. Erasing an empty
/// parameter is not a failure: any answer is accepted, and the read-back is what proves
/// the value gone.
pub fn plan_remove(creds: &Credentials) -> Plan {
    let mut plan = Plan::new(FAMILY, "remove TLS credentials");
    push_probe(&mut plan);
    for role in creds.roles() {
        plan.push_expect(
            format!("erase the {role}"),
            Purpose::Remove(role),
            at::erase(param(role)),
            Expect::Tolerate,
        );
    }
    plan
}

/// TCP first, then SSL on its handle, send, receive, close.
pub fn plan_test_connection(opts: &Options) -> Result<Plan, PlanError> {
    if opts.host.bytes().any(|b| b == b',' || b.is_ascii_control()) {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: "use this host name".into(),
            why: "it contains a comma or control characters".into(),
        });
    }
    let req = opts.request_bytes();
    if req.len() > MAX_SEND {
        return Err(PlanError::TooLarge {
            family: FAMILY,
            role: Role::Ca,
            len: req.len(),
            max: MAX_SEND,
            hint: "send a shorter request".into(),
        });
    }
    let mut plan = Plan::new(FAMILY, "test a TLS connection");
    push_probe(&mut plan);
    // iChip has one SSL socket [C manual ch.21; error 225 "no additional SSL sockets"]: a
    // session left open by an interrupted run makes every later `AT+iSSL` fail. Its handle is
    // unknown, so every handle is closed first [C Libelium `closeSocket`: "AT+iSCLS:<hn>";
    // S: 10 sockets, Libelium's `socket[10]`]; nothing to close is fine.
    for h in 0..SOCKETS {
        plan.push_expect(
            format!("close socket {h} if an earlier run left it open (nothing to close is fine)"),
            Purpose::Close,
            at::scls(h),
            Expect::Tolerate,
        );
    }
    // `AT+iSTCP:<host>,<port>` -> `I/<handle>` [C Libelium `setTCPclient`, waits for "I/0",
    // 15 s]; DNS and the TCP connect take a while [I 30 s].
    plan.push(
        format!("open TCP to {}:{}", opts.host, opts.port),
        Purpose::Open,
        at::stcp(&opts.host, opts.port),
    );
    // `I/<handle>`: the whole rest is the handle [C Libelium; zero padding I].
    plan.capture_last("h", "I/", usize::MAX, "000");
    // `AT+iSSL:<handle>` -> `I/OK` [C Libelium `sslHandshake`, 15 s; manual ch.21: SSL is
    // layered on the open TCP socket].
    plan.push_templated(
        "open TLS on the socket (the handshake)",
        Purpose::Open,
        at::SSL,
        at::ssl(),
        Expect::Ok,
    );
    // `AT+iSSND%:<handle>,<size>:<bytes>` -> `I/OK<CR><LF><CR><LF>` [C manual 8.32 §13.7
    // (manualshelf SM2144N2 pages 84-85): `%` flushes the socket at once; on an SSL socket at
    // most 2048 bytes, 227 above; over 256 bytes needs host flow control; Libelium `send`].
    plan.push_templated(
        format!("send {} bytes", req.len()),
        Purpose::Send,
        &at::ssnd_template(req.len()),
        at::ssnd(req.clone()),
        Expect::Ok,
    );
    // `AT+iSRCV:<handle>[,<max>]` -> `I/<sz>:<sz bytes>`, or `I/0` with nothing yet, sz <= max
    // [C manual 8.32 §13.8 (manualshelf SM2144N2 page 86; Motorola W24 manual 2-38); Libelium
    // `receive` parses "I/<n>:"]: no more is read than asked for.
    plan.push_templated(
        "read the response",
        Purpose::Receive,
        &at::srcv_template(opts.max_response),
        at::srcv(),
        Expect::Ok,
    );
    // `AT+iSCLS:<handle>` -> `I/OK` [C Libelium `closeSocket`]; a socket the server closed
    // answers `I/ERROR (203)`: the answer is in hand, so any answer is accepted.
    plan.push_templated(
        "close",
        Purpose::Close,
        at::SCLS,
        at::scls_named(),
        Expect::Tolerate,
    );
    plan.note("the socket handle is the one AT+iSTCP answers; the usual value is shown");
    if req.len() > 256 {
        plan.note("the request is over 256 bytes: iChip then expects host flow control (its FLW setting, RTS/CTS or XON/XOFF) while it arrives");
    }
    Ok(plan)
}

/// One constructor per command this driver sends: the line, its timeout, and the source.
/// "8.32" is Connect One's AT+i Programmer's Manual v8.32 (manualshelf SM2144N1/N2 pages);
/// Libelium is the Waspmote WIFI_PRO library. A template's `{h}` is the handle
/// `AT+iSTCP` answered (`capture_last`).
mod at {
    use crate::at::{Command, LengthHeader, ResponseShape, Trigger};
    use crate::modules::cmd::{block, line, secs, upload};

    /// `AT+i` -> `I/OK` (Libelium `AT[] = "AT+i\r"`); 2 s.
    pub fn probe() -> Command {
        line("AT+i", secs(2))
    }

    /// `AT+i<param>=` then the PEM, CR-separated, ending with the CR after the END line,
    /// then `I/OK` (Libelium `setCA`; 8.32 +iCA "multiple lines separated by <CR>"); no
    /// terminator of its own; 10 s for the flash write [I].
    pub fn set(param: &str, cr_pem: Vec<u8>) -> Command {
        let mut cmd = upload(
            format!("AT+i{param}="),
            Trigger::Immediately,
            cr_pem,
            None,
            secs(10),
        );
        cmd.terminator = Vec::new();
        cmd
    }

    /// `AT+i<param>=<CR><CR>` empties a parameter (8.32 §34.16.2 +iCA "Empty"; v8.21
    /// §33.16.4 +iPKEY); the second CR is explained at `plan_remove`; 10 s.
    pub fn erase(param: &str) -> Command {
        let mut cmd = line(format!("AT+i{param}="), secs(10));
        cmd.terminator = b"\r\r".to_vec();
        cmd
    }

    /// `AT+i<CA|CERT>?`: the name, the validity and the PEM, then `I/OK` (8.32 +iCA; +iCERT
    /// analogous [I]); 5 s.
    pub fn read(param: &str) -> Command {
        block(format!("AT+i{param}?"), "-----END", secs(5))
    }

    /// `AT+iPKEY?`: the key's strength in bits, `I/2048` or `2048` [I]; 5 s.
    pub fn pkey_strength() -> Command {
        line("AT+iPKEY?", secs(5))
    }

    /// `AT+iSCLS:<handle>` -> `I/OK` (Libelium `closeSocket`); 15 s.
    pub fn scls(handle: u8) -> Command {
        line(format!("AT+iSCLS:{handle}"), secs(15))
    }

    /// `AT+iSCLS:<handle>` for the handle `AT+iSTCP` answered.
    pub const SCLS: &str = "AT+iSCLS:{h}";

    /// [`SCLS`]; 15 s.
    pub fn scls_named() -> Command {
        line("", secs(15))
    }

    /// `AT+iSTCP:<host>,<port>` -> `I/<handle>` (Libelium `setTCPclient`, 15 s); 30 s for
    /// DNS and the TCP connect [I].
    pub fn stcp(host: &str, port: u16) -> Command {
        line(format!("AT+iSTCP:{host},{port}"), secs(30))
    }

    /// `AT+iSSL:<handle>` -> `I/OK` (Libelium `sslHandshake`; 8.32 ch.21).
    pub const SSL: &str = "AT+iSSL:{h}";

    /// [`SSL`]; 30 s for the handshake.
    pub fn ssl() -> Command {
        line("", secs(30))
    }

    /// The line of [`ssnd`]: `AT+iSSND%:<handle>,<size>:`.
    pub fn ssnd_template(len: usize) -> String {
        format!("AT+iSSND%:{{h}},{len}:")
    }

    /// `AT+iSSND%:<handle>,<size>:<bytes>` -> `I/OK` (8.32 §13.7: `%` flushes at once, at
    /// most 2048 bytes on an SSL socket; Libelium `send`); no terminator; 30 s.
    pub fn ssnd(bytes: Vec<u8>) -> Command {
        let mut cmd = upload("", Trigger::Immediately, bytes, None, secs(30));
        cmd.terminator = Vec::new();
        cmd
    }

    /// The line of [`srcv`]: `AT+iSRCV:<handle>,<max>`.
    pub fn srcv_template(max: usize) -> String {
        format!("AT+iSRCV:{{h}},{max}")
    }

    /// `AT+iSRCV:<handle>,<max>` -> `I/<sz>:<sz bytes>`, or `I/0` (8.32 §13.8; Motorola W24
    /// manual 2-38; Libelium `receive`); 30 s.
    pub fn srcv() -> Command {
        let mut cmd = line("", secs(30));
        cmd.response = ResponseShape::InlineLength {
            header: LengthHeader {
                prefix: "I/".into(),
                field: 0,
            },
        };
        cmd
    }
}

/// How this family is named (`--module` values, Help, messages).
const NAMES: Names = Names {
    id: "ichip",
    display_name: "Connect One iChip",
    models: "Connect One iChip (CO2128, CO2144)",
    model_prefixes: &[],
    aliases: &["connectone", "connect-one", "co2128", "co2144"],
};

/// The Connect One iChip driver.
pub struct Ichip;

impl Driver for Ichip {
    fn family(&self) -> Family {
        FAMILY
    }
    fn names(&self) -> &'static Names {
        &NAMES
    }
    fn discovery_probe(&self) -> Option<Probe> {
        Some(PROBE_AT)
    }
    fn identify_probes(&self) -> &'static [Probe] {
        &[PROBE_VERSION]
    }
    fn read_probe(&self, probe: Probe, answer: &Answer, found: &mut Findings) -> bool {
        if !answer.ok {
            return false;
        }
        if probe == PROBE_AT {
            found.model = Some("iChip".to_owned());
            found.tls = Some(TlsSupport::Yes);
        } else if probe == PROBE_VERSION {
            found.firmware = answer
                .lines
                .iter()
                .map(|l| l.trim().trim_start_matches("I/").to_owned())
                .find(|l| !l.is_empty() && l != "OK");
        }
        true
    }
    fn engine_config(&self) -> Config {
        // `I/<value>` answers end commands (ichip.md §1).
        Config {
            value_final_prefix: Some("I/".into()),
            ..Config::default()
        }
    }
    fn rules(&self) -> CredentialRules {
        ICHIP
    }
    fn recovery(&self) -> Recovery {
        RECOVERY
    }
    fn too_large_hint(&self) -> &'static str {
        "iChip takes a single RSA 1024/2048-bit root; a smaller root or a 1024-bit key fits"
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
    fn plan_set_clock(&self, _opts: &Options) -> Plan {
        plan_set_clock()
    }
    fn plan_test_connection(&self, opts: &Options) -> Result<Plan, PlanError> {
        plan_test_connection(opts)
    }
    fn explain(&self, fin: &Final) -> Option<Explanation> {
        explain(fin)
    }
}

// A multi-line parameter ends at its -----END line or after a host timeout
// (ichip.md, error 69 [C]); no abort character is documented.
const RECOVERY: Recovery = Recovery {
    probe: "AT+i",
    abort: b"",
    escape_online: false,
    data_timeout: Duration::from_secs(60),
    max_data: 4096,
};

// --- Credential rules -----------------------------------------------------------------------

// --- Connect One iChip (ichip.md; seed 004) ------------------------------------------------

const ICHIP_CERT: RoleRules = RoleRules {
    accepted: Rule::c(PEM, "ichip.md 3.1: <tca> is the PEM certificate"),
    send_as: Encoding::Pem,
    line_endings: Rule::c(
        AcceptedLineEndings::CrOnly,
        "ichip.md 3.1: multiple lines separated by <CR> (the AT+i parameter syntax)",
    ),
    trailing_newline: Rule::c(
        TrailingNewline::Required,
        "ichip.md 3.1: the END line's own <CR> ends the command",
    ),
    // 1500 on other firmware [C Libelium]; 1300 is the strict 8.32 figure.
    max_bytes: Some(Rule::c(
        1300,
        "ichip.md 3.1: max 1300 characters (manual 8.32)",
    )),
    key_types: Rule::c(RSA, "ichip.md 3.1: RSA public key of 1024 or 2048 bits"),
    rsa_bits: Rule::c((1024, 2048), "ichip.md 3.1: RSA 1024 or 2048 bits"),
    signature_hashes: Some(Rule::c(
        &[HashAlg::Md2, HashAlg::Md5, HashAlg::Sha1],
        "ichip.md 3.1: CA signature MD2, MD5 or SHA-1 (else I/ERROR (116))",
    )),
    key_encodings: Rule::i(NO_KEY, "not a key"),
    encrypted_key: Rule::i(false, "not a key"),
    bundle: Rule::c(false, "ichip.md 3.1: one certificate per +iCA parameter"),
    storage: Rule::c(
        Storage::Parameter { name: "+iCA" },
        "ichip.md 3.1: AT+iCA=<PEM> (alternatives +iCA2..+iCA4 [S])",
    ),
};

const ICHIP: CredentialRules = CredentialRules {
    family: "ichip",
    ca: ICHIP_CERT,
    client_cert: RoleRules {
        bundle: Rule::i(false, "ichip.md 3.2: one certificate per +iCERT"),
        line_endings: Rule::i(AcceptedLineEndings::CrOnly, "ichip.md 3.2: like +iCA"),
        max_bytes: Some(Rule::i(1300, "ichip.md 3.2: like +iCA")),
        rsa_bits: Rule::i((1024, 2048), "ichip.md 3.2: like +iCA"),
        // The CA's hash list is about the CA; a client certificate is only sent.
        signature_hashes: None,
        storage: Rule::i(Storage::Parameter { name: "+iCERT" }, "ichip.md 3.2"),
        ..ICHIP_CERT
    },
    client_key: RoleRules {
        max_bytes: Some(Rule::i(2048, "ichip.md 3.3: size limit undocumented")),
        rsa_bits: Rule::i((1024, 2048), "ichip.md 3.3"),
        signature_hashes: None,
        key_encodings: Rule::c(
            &[KeyEncoding::Pkcs1],
            "ichip.md 3.3: -----BEGIN RSA PRIVATE KEY----- (PKCS#1 RSA only), else I/ERROR (117)",
        ),
        storage: Rule::c(Storage::Parameter { name: "+iPKEY" }, "ichip.md 3.3"),
        ..ICHIP_CERT
    },
    mutual_tls: Rule::c(
        Support::Supported,
        "ichip.md 6: client auth via +iCERT and +iPKEY",
    ),
    clock: Rule::i(
        ClockCheck::Unknown,
        "ichip.md 6: whether dates are enforced is unknown",
    ),
    ca_choice: Rule::i(CaChoice::Root, "ichip.md 3.1: +iCA holds the trusted root"),
    tls_versions: Rule::c("SSL 3.0, TLS 1.0", "ichip.md 6"),
};

/// `AT+i` answers `I/OK`, and nothing but an iChip answers it so (ichip.md §2 [C]: Libelium
/// WIFI_PRO). 2 s.
const PROBE_AT: Probe = Probe::new("AT+i", 2);

/// `AT+iRP1`: the firmware version on its own line, then `I/OK` (ichip.md §2 [C]: Libelium
/// `getFirmwareVersion()`). 2 s.
const PROBE_VERSION: Probe = Probe::new("AT+iRP1", 2);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tls_error_is_explained() {
        for code in [116, 117, 219, 220, 221, 222, 224, 225, 226, 227, 228, 229] {
            assert!(
                explain(&Final::Vendor {
                    code: Some(code),
                    line: format!("I/ERROR ({code})")
                })
                .is_some(),
                "{code}"
            );
        }
        let e = explain(&Final::Vendor {
            code: None,
            line: "I/ERROR (222)".into(),
        })
        .unwrap();
        assert!(e.meaning.contains("trusted CA"));
        assert!(
            explain(&Final::Vendor {
                code: None,
                line: "I/ERROR (999)".into()
            })
            .is_none()
        );
        assert!(explain(&Final::Error).is_none());
    }

    #[test]
    fn pem_goes_as_cr_separated_lines_on_the_command_line() {
        let creds = Credentials {
            ca: Some(crate::modules::plan::Credential {
                bytes: b"-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END CERTIFICATE-----\r\n"
                    .to_vec(),
                name: String::new(),
            }),
            ..Credentials::default()
        };
        let plan = plan_provision(&ICHIP, &creds, &Options::default()).unwrap();
        let raw = plan.raw_bytes();
        assert_eq!(
            raw,
            b"AT+i\rAT+iCA=-----BEGIN CERTIFICATE-----\rMIIB\r-----END CERTIFICATE-----\rAT+iCA?\r"
                .to_vec()
        );
    }
}
