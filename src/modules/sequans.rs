//! Sequans Monarch 2 (GM02S / GM02SP, on DPTechnics Walter and Microchip AVR-IoT Cellular
//! Mini): `AT+SQNSNVW` writes a certificate or key into a numbered NVRAM slot after a `> `
//! prompt, exactly `<size>` bytes and nothing after them; `AT+SQNSNVR` reads it back;
//! `AT+SQNSPCFG` binds slots to a security profile; `AT+SQNSD` opens TLS through it.
//! Evidence, command by command: `tests/audit/sequans.md` (sources MAN, WAL, MCHP, PYT, TGv,
//! TOIT, EWF, BENCH are its keys).
//!
//! Verification: certificates are read back and compared. Whether a private key can be read
//! back is not documented (WAL reads it only to see it is there): where the module shows it,
//! it must be identical; where it shows only that the slot is filled, the result says "key
//! stored, not read back" and only the test connection can prove it. The module verifies
//! PEM when the upload completes (MAN), so a malformed key is refused at write time.

use core::time::Duration;

use crate::at::{Config, Final};
use crate::cert::lint::{
    AcceptedLineEndings, CaChoice, ClockCheck, CredentialRules, Encoding, KeyEncoding, KeyType,
    RoleRules, Rule, Storage, Support, TrailingNewline,
};
use crate::modules::Family;
use crate::modules::cmd::quoted_param;
use crate::modules::driver::{Driver, Names, Recovery};
use crate::modules::explain::{Explanation, Row, cme_number, explain_common, lookup};
use crate::modules::plan::{
    Check, Credentials, Expect, Options, Plan, PlanError, Proves, Purpose, Role, TlsVersion,
};
use crate::modules::rules::{ALL_HASHES_BUT_MD, NO_KEY, PEM};

/// NVRAM slots atcert writes: MAN reserves certificate indexes 0-4 and 7-10, Walter's
/// documentation recommends 10-19 (WDOC); 11-19 is inside both. CA and client certificate
/// are both "certificate" entries, the key a "privatekey" entry (separate index spaces, MAN).
pub const CA_SLOT: u8 = 11;
pub const CERT_SLOT: u8 = 12;
pub const KEY_SLOT: u8 = 12;
/// The TCP connection id the test connection uses (1-6: WAL l.201, TOIT).
pub const CONN: u8 = 1;

/// Sequans error codes beyond the 3GPP ones (WAL `WalterModem.h` l.537-584 CME enum; MAN
/// `device/mod.rs` for 589/591), with the 3GPP codes the NVRAM commands answer.
pub const CME_ERRORS: &[Row] = &[
    (
        3,
        "operation not allowed: the slot is reserved or the module is busy (an open socket, a running upload)",
        "use slots 11-19 (0-4 and 7-10 are reserved) and close sockets (AT+SQNSH) before writing",
    ),
    (
        4,
        "operation not supported: the data is larger than the slot takes (certificates 8 kB, keys 2 kB), or not PEM the module can parse, or the slot is empty",
        "send one PEM certificate (or a short chain) of at most 8 kB, or an unencrypted PEM key of at most 2 kB",
    ),
    (
        21,
        "invalid index: the slot number is out of range",
        "use slots 0-19 (atcert uses 11-19)",
    ),
    (
        50,
        "incorrect parameters: this firmware wants another form of the command (e.g. the cipher list of AT+SQNSPCFG)",
        "check the firmware version (AT+CGMR); atcert retries the other documented form",
    ),
    (
        528,
        "firmware upgrade failed",
        "only during a firmware update: retry the update",
    ),
    (
        529,
        "firmware upgrade: image corrupted",
        "download the image again",
    ),
    (
        530,
        "firmware upgrade: invalid signature",
        "use the image Sequans signed for this module",
    ),
    (
        531,
        "firmware upgrade: network error",
        "check the network and retry the update",
    ),
    (
        532,
        "firmware upgrade already in progress",
        "wait for it to finish",
    ),
    (533, "firmware upgrade: nothing to cancel", "harmless"),
    (
        540,
        "hardware configuration failed",
        "power-cycle the module and retry",
    ),
    (
        541,
        "hardware configuration: invalid function",
        "check the command's parameters",
    ),
    (
        542,
        "hardware configuration: invalid parameter",
        "check the command's parameters",
    ),
    (
        543,
        "hardware configuration: pins already assigned",
        "free the pins first",
    ),
    (
        589,
        "dual mode not configured",
        "configure the radio mode first",
    ),
    (
        591,
        "the device is active: this setting needs the radio off",
        "send AT+CFUN=0, retry, then AT+CFUN=1",
    ),
];

/// The verbose (`AT+CMEE=2`) words of the codes above, as the WAL enum names them.
const CME_TEXT: &[(u32, &str)] = &[
    (3, "operation not allowed"),
    (4, "operation not supported"),
    (21, "invalid index"),
    (50, "incorrect parameters"),
];

/// Explains a final result of a Sequans command.
pub fn explain(fin: &Final) -> Option<Explanation> {
    let n = cme_number(fin).or_else(|| match fin {
        Final::CmeError(crate::at::ErrorCode::Text(t)) => {
            let t = t.trim().to_ascii_lowercase();
            CME_TEXT.iter().find(|(_, w)| t == *w).map(|(n, _)| *n)
        }
        _ => None,
    });
    if let Some(e) = n.and_then(|n| lookup(CME_ERRORS, n)) {
        return Some(e);
    }
    if let Final::Vendor { line, .. } = fin
        && let Some(e) = explain_line(line)
    {
        return Some(e);
    }
    if *fin == Final::Error {
        // MAN: a bare ERROR when the 200 kB user NVRAM is full; also the answer to a
        // command or value the firmware does not know.
        return Some(Explanation::new(
            "the module refused the command: the NVRAM user area (200 kB) may be full, or the firmware does not know this command or value",
            "remove slots you no longer use (AT+SQNSNVW=\"certificate\",<i>,0), check the firmware version (AT+CGMR), and retry",
        ));
    }
    explain_common(fin)
}

/// `NO CARRIER` ends a failed `AT+SQNSD` or a closed connection (TGv, TOIT, WAL l.2126).
pub fn explain_line(line: &str) -> Option<Explanation> {
    match line.trim() {
        "NO CARRIER" => Some(Explanation::new(
            "the TLS connection failed or closed: the server's chain does not lead to the stored CA, the module clock is outside the certificates' dates, or the server refused the client certificate",
            "check the CA slot holds the server's root, that the module has network time (AT+CCLK?), and that the server accepts the client certificate",
        )),
        _ => None,
    }
}

/// `"certificate"` or `"privatekey"` and the slot of a role.
fn slot(role: Role) -> (&'static str, u8) {
    match role {
        Role::Ca => ("certificate", CA_SLOT),
        Role::ClientCert => ("certificate", CERT_SLOT),
        Role::ClientKey => ("privatekey", KEY_SLOT),
    }
}

/// Security profile 1-6 (MAN; WAL l.194): `opts.context`, 0 meaning the first.
fn profile(family: Family, opts: &Options) -> Result<u8, PlanError> {
    match opts.context {
        0 => Ok(1),
        n @ 1..=6 => Ok(n),
        n => Err(PlanError::Unsupported {
            family,
            what: format!("use security profile {n}"),
            why: "the module has security profiles 1 to 6".into(),
        }),
    }
}

/// MAN: `<size>` must not count CR characters ("remove the CRs"); WAL sends CRLF PEM with
/// its full length. LF-only text with its LF-only length is right under both readings.
fn lf_only(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().copied().filter(|&b| b != b'\r').collect()
}

/// Numbered errors (3GPP 27.007 §9.1; PYT sends `AT+CMEE=2` first, the codes are the same).
fn push_prepare(plan: &mut Plan) {
    plan.push("report errors as numbers", Purpose::Prepare, at::cmee());
}

fn clock_step(plan: &mut Plan, opts: &Options, expect: Expect) {
    if let Some(t) = opts.unix_time {
        plan.push_expect(
            "set the module clock (UTC; some firmware takes only network time)",
            Purpose::SetClock,
            at::cclk(t),
            expect,
        );
    }
}

/// Sets the clock: the module checks certificate dates with certValidLevel bit 0 (MAN).
/// No source shows `AT+CCLK=` accepted or refused on GM02S (all rely on network time): a
/// refusal is reported with its meaning.
pub fn plan_set_clock(opts: &Options) -> Plan {
    let mut plan = Plan::new(Family::Sequans, "set the clock");
    clock_step(&mut plan, opts, Expect::Ok);
    plan
}

/// Deletes each slot (tolerated: an empty slot answers an error on some firmware), writes it
/// after the prompt, reads back, then binds the slots to the security profile and checks it.
pub fn plan_provision(creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
    let family = Family::Sequans;
    let sp = profile(family, opts)?;
    let mut plan = Plan::new(family, "provision TLS credentials");
    push_prepare(&mut plan);
    // A date check needs the clock; a module that takes only network time refuses, and
    // the test connection then says why.
    clock_step(&mut plan, opts, Expect::Tolerate);
    // A socket a previous test left open (TOIT closes before reuse); nothing open answers
    // an error.
    plan.push_expect(
        "close a connection a previous run left open (if any)",
        Purpose::Prepare,
        at::sqnsh(CONN),
        Expect::Tolerate,
    );
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let (kind, index) = slot(role);
        let bytes = lf_only(&c.bytes);
        // MCHP erases before writing; MAN is silent on overwriting. "Erase of an empty slot
        // returns an error" (MCHP, PYT): tolerated, the read-back decides.
        plan.push_expect(
            format!("delete {kind} slot {index} (an empty slot answers an error)"),
            Purpose::Clean(role),
            at::nvw_delete(kind, index),
            Expect::Tolerate,
        );
        plan.push(
            format!("store the {role} in {kind} slot {index}"),
            Purpose::Write(role),
            at::nvw(kind, index, bytes),
        );
    }
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let (kind, index) = slot(role);
        let expected = lf_only(&c.bytes);
        let (label, check) = if role == Role::ClientKey {
            (
                format!("read back {kind} slot {index} (compared where the module shows it)"),
                Check::ReadBackOr {
                    expected,
                    otherwise: Box::new(present(kind)),
                },
            )
        } else {
            (
                format!("read back {kind} slot {index} and compare"),
                Check::ReadBack { expected },
            )
        };
        // A module that refuses to read a key back answers an error: tolerated, and
        // judged as "not verifiable" (the write's OK is MAN's "uploaded and verified").
        let expect = if role == Role::ClientKey {
            Expect::Tolerate
        } else {
            Expect::Ok
        };
        plan.push_expect(
            label,
            Purpose::Verify(role, check),
            at::nvr(kind, index),
            expect,
        );
    }
    plan.extend(profile_steps(family, creds, opts, sp)?);
    if creds.client_key.is_some() {
        plan.note("the module verifies the key when it is written; where it does not show the key when read, the key is reported stored, not proven identical: the test connection proves it");
    }
    Ok(plan)
}

/// The answer to `AT+SQNSNVR` for a filled slot whose content the module keeps to itself:
/// its header names the type (`+SQNSNVR: "privatekey",12,<size>`), or is bare.
fn present(kind: &str) -> Check {
    Check::Any(vec![
        Check::Reported {
            prefix: "+SQNSNVR:".into(),
            field: 0,
            expected: kind.into(),
            what: format!("{kind} slot filled"),
            marker: None,
            proves: Proves::Property,
        },
        Check::Reported {
            prefix: "+SQNSNVR:".into(),
            field: usize::MAX,
            expected: String::new(),
            what: format!("{kind} slot filled"),
            marker: None,
            proves: Proves::Property,
        },
    ])
}

/// `AT+SQNSPCFG` in both documented forms of an empty cipher list (`""` on LR8.x, WAL and
/// MCHP; an empty field on FW 5.4, PYT), each tolerated, then the profile as the module
/// lists it must name the CA slot: whichever form this firmware takes has set it.
fn profile_steps(
    family: Family,
    creds: &Credentials,
    opts: &Options,
    sp: u8,
) -> Result<Plan, PlanError> {
    let mut plan = Plan::new(family, "configure TLS");
    let version = match opts.tls_version {
        // MAN/WAL l.851-855: 0 TLS 1.0, 1 TLS 1.1, 2 TLS 1.2, 3 TLS 1.3.
        Some(TlsVersion::Ssl3) => {
            return Err(PlanError::Unsupported {
                family,
                what: "use SSL 3.0".into(),
                why: "the module speaks TLS 1.0 to 1.3".into(),
            });
        }
        Some(TlsVersion::Tls10) => 0,
        Some(TlsVersion::Tls11) => 1,
        Some(TlsVersion::Tls13) => 3,
        Some(TlsVersion::Tls12) | None => 2,
    };
    // certValidLevel (MAN): bit 0 = chain and validity dates; 0 = no check.
    let level = u8::from(creds.ca.is_some());
    let ca = creds.ca.as_ref().map(|_| CA_SLOT);
    let (cert, key) = if creds.mutual() {
        (Some(CERT_SLOT), Some(KEY_SLOT))
    } else {
        (None, None)
    };
    for quoted in [true, false] {
        plan.push_expect(
            format!(
                "security profile {sp}: TLS code {version}, check level {level}, cipher list {}",
                if quoted {
                    "\"\""
                } else {
                    "empty (older firmware form)"
                }
            ),
            Purpose::Configure,
            at::sqnspcfg(sp, version, quoted, level, ca, cert, key),
            Expect::Tolerate,
        );
    }
    if let Some(ca) = ca {
        // Fields after `<sp>,`: version, cipher list, level, CA, cert, key (MCHP
        // security_profile.cpp parses the same order).
        plan.push(
            format!("check security profile {sp} uses CA slot {ca}"),
            Purpose::Verify(
                Role::Ca,
                Check::Reported {
                    prefix: format!("+SQNSPCFG: {sp},"),
                    field: 3,
                    expected: ca.to_string(),
                    what: format!("profile {sp} CA slot"),
                    marker: None,
                    proves: Proves::Property,
                },
            ),
            at::sqnspcfg_query(),
        );
    }
    Ok(plan)
}

/// TLS settings only: the security profile.
pub fn plan_configure_tls(creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
    let family = Family::Sequans;
    let sp = profile(family, opts)?;
    let mut plan = Plan::new(family, "configure TLS");
    push_prepare(&mut plan);
    plan.extend(profile_steps(family, creds, opts, sp)?);
    Ok(plan)
}

/// Writes size 0 to each slot ("writing a zero byte certificate deletes it", MAN; EWF
/// waits `OK`), then reads each slot: no `+SQNSNVR:` answer may remain.
pub fn plan_remove(creds: &Credentials) -> Plan {
    let mut plan = Plan::new(Family::Sequans, "remove TLS credentials");
    push_prepare(&mut plan);
    for role in creds.roles() {
        let (kind, index) = slot(role);
        plan.push_expect(
            format!("delete {kind} slot {index} (an empty slot answers an error)"),
            Purpose::Remove(role),
            at::nvw_delete(kind, index),
            Expect::Tolerate,
        );
    }
    for role in creds.roles() {
        let (kind, index) = slot(role);
        plan.push_expect(
            format!("check {kind} slot {index} is empty (the module answers an error)"),
            Purpose::Verify(
                role,
                // No answer line, or one reporting 0 bytes [I: how an empty slot answers].
                Check::Any(vec![
                    Check::NotListed {
                        prefix: "+SQNSNVR:".into(),
                        name: String::new(),
                    },
                    Check::Reported {
                        prefix: "+SQNSNVR:".into(),
                        field: 2,
                        expected: "0".into(),
                        what: format!("{kind} slot {index} size"),
                        marker: None,
                        proves: Proves::Property,
                    },
                ]),
            ),
            at::nvr(kind, index),
            Expect::Tolerate,
        );
    }
    plan
}

/// Closes what a previous test left, configures connection 1 on PDP context 1 with the
/// security profile, dials in command mode, sends, waits for the data ring, reads, closes.
pub fn plan_test_connection(opts: &Options) -> Result<Plan, PlanError> {
    let family = Family::Sequans;
    let sp = profile(family, opts)?;
    let host = quoted_param(family, "use this host name", &opts.host)?;
    let mut plan = Plan::new(family, "test a TLS connection");
    push_prepare(&mut plan);
    if let Some(apn) = &opts.apn {
        let apn = quoted_param(family, "use this APN", apn)?;
        plan.push("define data context 1", Purpose::Open, at::cgdcont(&apn));
    }
    plan.push_expect(
        "close a connection a previous run left open (if any)",
        Purpose::Open,
        at::sqnsh(CONN),
        Expect::Tolerate,
    );
    plan.push(
        "connection 1 on data context 1",
        Purpose::Open,
        at::sqnscfg(CONN),
    );
    plan.push(
        "connection 1: data ring with its length, text receive",
        Purpose::Open,
        at::sqnscfgext(CONN),
    );
    plan.push(
        format!("connection 1 uses TLS with security profile {sp}"),
        Purpose::Open,
        at::sqnsscfg(CONN, sp),
    );
    plan.push(
        format!("open TLS to {}:{} in command mode", opts.host, opts.port),
        Purpose::Open,
        at::sqnsd(CONN, &host, opts.port),
    );
    let req = opts.request_bytes();
    // WAL and TOIT wait for `+SQNSRING: <conn>,<n>` before reading.
    plan.push_expect(
        format!("send {} bytes", req.len()),
        Purpose::Send,
        at::sqnssendext(CONN, req),
        Expect::OkThenUrc {
            prefix: format!("+SQNSRING: {CONN},"),
            value: None,
            fail: vec!["NO CARRIER".into()],
            within: Duration::from_secs(30),
        },
    );
    plan.push(
        "read the response",
        Purpose::Receive,
        at::sqnsrecv(CONN, opts.max_response.min(RECV_MAX)),
    );
    plan.push_expect(
        "close the connection",
        Purpose::Close,
        at::sqnsh(CONN),
        Expect::Tolerate,
    );
    Ok(plan)
}

/// Most bytes asked of one `AT+SQNSRECV` (WAL reads at most 1500 per call).
pub const RECV_MAX: usize = 1500;

/// One constructor per command: the line, its timeout and the sources (keys of
/// `tests/audit/sequans.md`).
mod at {
    use crate::at::{Command, Trigger};
    use crate::modules::cmd::{Utc, binary_read, block, line, secs, upload};

    /// `AT+CMEE=1` (3GPP 27.007 §9.1; PYT sends the verbose form); 2 s (MCHP).
    pub fn cmee() -> Command {
        line("AT+CMEE=1", secs(2))
    }

    /// `AT+CCLK="yy/MM/dd,hh:mm:ss+00"` (3GPP 27.007 §8.15; WAL l.2601 reads this form);
    /// 2 s.
    pub fn cclk(unix_time: u64) -> Command {
        line(
            format!("AT+CCLK={}", Utc::from_unix(unix_time).cclk()),
            secs(2),
        )
    }

    /// `AT+SQNSNVW="<type>",<i>,0` deletes the slot (MAN "a zero byte certificate deletes
    /// it"; EWF waits `\r\nOK\r\n`; MCHP erases this way); 10 s.
    pub fn nvw_delete(kind: &str, index: u8) -> Command {
        line(format!("AT+SQNSNVW=\"{kind}\",{index},0"), secs(10))
    }

    /// `AT+SQNSNVW="<type>",<i>,<size>`, `> `, exactly `<size>` bytes and nothing after
    /// them (MAN: completes at the last byte; WAL l.3965-3979, MCHP `provision.ino`
    /// l.480-570, TGv waits `\r\n> ` 10 s); `OK` within 10 s.
    pub fn nvw(kind: &str, index: u8, bytes: Vec<u8>) -> Command {
        upload(
            format!("AT+SQNSNVW=\"{kind}\",{index},{}", bytes.len()),
            Trigger::Prompt,
            bytes,
            None,
            secs(10),
        )
    }

    /// `AT+SQNSNVR="<type>",<i>`: `+SQNSNVR:` header, the text, `OK` (WAL l.1204-1297 reads
    /// to the final result; Renesas FIT's `+SQNSNVR:` prefix); 10 s.
    pub fn nvr(kind: &str, index: u8) -> Command {
        block(
            format!("AT+SQNSNVR=\"{kind}\",{index}"),
            "-----END",
            secs(10),
        )
    }

    /// `AT+SQNSPCFG=<sp>,<version>,<ciphers>,<level>,<ca>,<cert>,<key>,"",""` (WAL
    /// l.4556-4580; MCHP `AT+SQNSPCFG=2,2,"",1,16,17,17,"",""`; PYT: an empty cipher field
    /// on FW 5.4); 4 s (MCHP waits 4 s for the profile line).
    pub fn sqnspcfg(
        sp: u8,
        version: u8,
        quoted_ciphers: bool,
        level: u8,
        ca: Option<u8>,
        cert: Option<u8>,
        key: Option<u8>,
    ) -> Command {
        let n = |v: Option<u8>| v.map(|v| v.to_string()).unwrap_or_default();
        let ciphers = if quoted_ciphers { "\"\"" } else { "" };
        line(
            format!(
                "AT+SQNSPCFG={sp},{version},{ciphers},{level},{},{},{},\"\",\"\"",
                n(ca),
                n(cert),
                n(key)
            ),
            secs(4),
        )
    }

    /// `AT+SQNSPCFG`: one `+SQNSPCFG: <sp>,...` line per profile (MCHP
    /// `security_profile.cpp` l.15 sends it so and parses the lines); 2 s.
    pub fn sqnspcfg_query() -> Command {
        line("AT+SQNSPCFG", secs(2))
    }

    /// `AT+CGDCONT=1,"IP",<apn>` (3GPP 27.007 §10.1.1; WAL defines contexts this way); 2 s.
    pub fn cgdcont(quoted_apn: &str) -> Command {
        line(format!("AT+CGDCONT=1,\"IP\",{quoted_apn}"), secs(2))
    }

    /// `AT+SQNSH=<conn>` closes a connection (WAL, TOIT); 10 s.
    pub fn sqnsh(conn: u8) -> Command {
        line(format!("AT+SQNSH={conn}"), secs(10))
    }

    /// `AT+SQNSCFG=<conn>,1,300,90,600,50`: context 1, packet size 300, idle 90 s, connect
    /// timeout 60 s, send after 5 s (TGv and WAL send these values); 2 s.
    pub fn sqnscfg(conn: u8) -> Command {
        line(format!("AT+SQNSCFG={conn},1,300,90,600,50"), secs(2))
    }

    /// `AT+SQNSCFGEXT=<conn>,1,0,0,0,0`: ring with the byte count, text receive (TGv, WAL);
    /// 2 s.
    pub fn sqnscfgext(conn: u8) -> Command {
        line(format!("AT+SQNSCFGEXT={conn},1,0,0,0,0"), secs(2))
    }

    /// `AT+SQNSSCFG=<conn>,1,<sp>`: TLS on, security profile `<sp>` (TGv l.478; WAL l.155);
    /// 2 s.
    pub fn sqnsscfg(conn: u8, sp: u8) -> Command {
        line(format!("AT+SQNSSCFG={conn},1,{sp}"), secs(2))
    }

    /// `AT+SQNSD=<conn>,0,<port>,<host>,0,0,1`: TCP, closure 0, local port 0, command mode
    /// (TOIT 20 s, TGv, WAL); 70 s (the 60 s connect timeout set above, and the handshake).
    pub fn sqnsd(conn: u8, quoted_host: &str, port: u16) -> Command {
        line(
            format!("AT+SQNSD={conn},0,{port},{quoted_host},0,0,1"),
            secs(70),
        )
    }

    /// `AT+SQNSSENDEXT=<conn>,<n>`, `> `, exactly `<n>` bytes (TGv l.520-560: nothing after
    /// them; TOIT; WAL); 10 s.
    pub fn sqnssendext(conn: u8, bytes: Vec<u8>) -> Command {
        upload(
            format!("AT+SQNSSENDEXT={conn},{}", bytes.len()),
            Trigger::Prompt,
            bytes,
            None,
            secs(10),
        )
    }

    /// `AT+SQNSRECV=<conn>,<max>`: `+SQNSRECV: <conn>,<n>`, n bytes, `OK` (WAL
    /// l.1241-1252; TOIT's parser); 10 s.
    pub fn sqnsrecv(conn: u8, max: usize) -> Command {
        binary_read(
            format!("AT+SQNSRECV={conn},{max}"),
            "+SQNSRECV: ",
            1,
            secs(10),
        )
    }
}

/// The Sequans GM02S driver.
pub struct Sequans;

impl Driver for Sequans {
    fn family(&self) -> Family {
        Family::Sequans
    }
    fn names(&self) -> &'static Names {
        &NAMES
    }
    fn vendor_words(&self) -> &'static [&'static str] {
        // A vendor line in `ATI` names no model.
        &["sequans"]
    }
    fn tls_on_every_firmware(&self) -> bool {
        // Every LR8.x firmware seen has SQNSPCFG (WAL, MCHP, BENCH).
        true
    }
    fn engine_config(&self) -> Config {
        // `+SQNSRING:` and `+SQNSH:` (peer closed) are unsolicited (WAL, TOIT).
        Config::default().with_urc_prefixes(&["+SQNSRING:", "+SQNSH:", "+SYSSTART"])
    }
    fn rules(&self) -> CredentialRules {
        RULES
    }
    fn recovery(&self) -> Recovery {
        RECOVERY
    }
    fn too_large_hint(&self) -> &'static str {
        "store only the root CA (8 kB per certificate slot) and a key of at most 2 kB"
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
        Ok(plan_remove(creds))
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
    fn explain_line(&self, line: &str) -> Option<Explanation> {
        explain_line(line)
    }
}

const NAMES: Names = Names {
    id: "sequans",
    display_name: "Sequans GM02S (Monarch 2)",
    models: "Sequans GM02S / GM02SP (Monarch 2; Walter, AVR-IoT Cellular Mini)",
    // BENCH: `AT+CGMM` answers `GM02SP` on Walter.
    model_prefixes: &["gm02s"],
    aliases: &["monarch2", "monarch-2", "walter", "avr-iot-cellular-mini"],
};

// No abort byte and no online mode: SQNSNVW counts its data (MAN), and the flows dial in
// command mode. How long the module waits for the rest of an upload is not documented:
// the flow fills it (up to a certificate slot, 8 kB, MAN).
const RECOVERY: Recovery = Recovery {
    probe: "AT",
    abort: b"",
    escape_online: false,
    data_timeout: Duration::ZERO,
    max_data: 8192,
};

// --- Credential rules (sequans.md = tests/audit/sequans.md; MAN = Sequans manual text) ---

const CERT: RoleRules = RoleRules {
    accepted: Rule::c(
        PEM,
        "sequans.md 2.2: certificates in PEM (Sequans manual, AT+SQNSNVW)",
    ),
    send_as: Encoding::Pem,
    line_endings: Rule::c(
        AcceptedLineEndings::LfOnly,
        "sequans.md 2.2: the size must not count CR characters; send LF line ends",
    ),
    trailing_newline: Rule::i(
        TrailingNewline::Optional,
        "sequans.md 2.2: Microchip writes each line ended by LF",
    ),
    max_bytes: Some(Rule::c(
        8192,
        "sequans.md 5: a certificate slot takes up to 8 kB",
    )),
    key_types: Rule::s(
        &[KeyType::Rsa, KeyType::EcP256],
        "sequans.md 5: ECC suites from firmware 5.4.1.0-50495; RSA everywhere",
    ),
    rsa_bits: Rule::i((1024, 4096), "sequans.md 5: no RSA size limit documented"),
    signature_hashes: Some(Rule::i(
        ALL_HASHES_BUT_MD,
        "sequans.md 5: TLS 1.0 to 1.3 stack",
    )),
    key_encodings: Rule::i(NO_KEY, "not a key"),
    encrypted_key: Rule::i(false, "not a key"),
    bundle: Rule::c(
        true,
        "sequans.md 5: one certificate or a concatenated chain per slot",
    ),
    storage: Rule::c(
        Storage::Parameter {
            name: "certificate slot 11 (AT+SQNSNVW)",
        },
        "sequans.md 5: slots 0-4 and 7-10 are reserved, 10-19 recommended: CA in certificate slot 11",
    ),
};

const RULES: CredentialRules = CredentialRules {
    family: "sequans",
    ca: CERT,
    client_cert: RoleRules {
        bundle: Rule::i(false, "sequans.md 5: the client certificate alone"),
        storage: Rule::c(
            Storage::Parameter {
                name: "certificate slot 12 (AT+SQNSNVW)",
            },
            "sequans.md 5: certificate slot 12 (user range 11-19)",
        ),
        ..CERT
    },
    client_key: RoleRules {
        max_bytes: Some(Rule::c(
            2048,
            "sequans.md 5: a private key slot takes up to 2 kB",
        )),
        key_encodings: Rule::i(
            &[KeyEncoding::Pkcs1, KeyEncoding::Pkcs8, KeyEncoding::Sec1],
            "sequans.md 2.2: PEM keys; which PEM labels is not documented",
        ),
        encrypted_key: Rule::c(
            false,
            "sequans.md 2.2: password encrypted private keys are not supported",
        ),
        bundle: Rule::i(false, "sequans.md 5: one key per slot"),
        storage: Rule::c(
            Storage::Parameter {
                name: "privatekey slot 12 (AT+SQNSNVW)",
            },
            "sequans.md 5: privatekey slot 12 (its own index space)",
        ),
        ..CERT
    },
    mutual_tls: Rule::c(
        Support::Supported,
        "sequans.md 2.4: AT+SQNSPCFG takes a client certificate and key slot",
    ),
    clock: Rule::c(
        ClockCheck::WhenEnabled,
        "sequans.md 2.5: certValidLevel bit 0 checks the chain and the validity period",
    ),
    ca_choice: Rule::i(
        CaChoice::Root,
        "sequans.md 5: a chain is allowed, the root suffices",
    ),
    tls_versions: Rule::c("TLS 1.0 to 1.3", "sequans.md 2.4: version codes 0-3"),
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::at::ErrorCode;
    use crate::modules::plan::Credential;

    fn pem(text: &str) -> Credential {
        Credential {
            bytes: text.as_bytes().to_vec(),
            name: String::new(),
        }
    }

    #[test]
    fn uploads_are_lf_only_and_counted_without_cr() {
        let creds = Credentials {
            ca: Some(pem(
                "-----BEGIN CERTIFICATE-----\r\nAAAA\r\n-----END CERTIFICATE-----\r\n",
            )),
            ..Credentials::default()
        };
        let plan = plan_provision(&creds, &Options::default()).unwrap();
        let write = plan
            .steps
            .iter()
            .find(|s| s.purpose == Purpose::Write(Role::Ca))
            .unwrap();
        let data = write.command.data.as_ref().unwrap();
        assert!(!data.payload.contains(&b'\r'));
        assert_eq!(data.terminator, None);
        assert_eq!(
            String::from_utf8_lossy(&write.command.line),
            format!("AT+SQNSNVW=\"certificate\",11,{}", data.payload.len())
        );
    }

    #[test]
    fn every_sequans_code_is_explained() {
        for (code, _, _) in CME_ERRORS {
            assert!(explain(&Final::CmeError(ErrorCode::Number(*code))).is_some());
        }
        let e = explain(&Final::CmeError(ErrorCode::Text("invalid index".into()))).unwrap();
        assert!(e.next_step.contains("11-19"));
        assert!(explain(&Final::Error).unwrap().meaning.contains("200 kB"));
    }

    #[test]
    fn profile_out_of_range_is_refused() {
        let o = Options {
            context: 7,
            ..Options::default()
        };
        assert!(plan_test_connection(&o).is_err());
    }
}
