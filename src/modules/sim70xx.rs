//! SIMCom SIM7000 / SIM7070 / SIM7080 / SIM7090: CFS flash files (`AT+CFSWFILE`), converted
//! into the SSL store with `AT+CSSLCFG="convert"`, used through `AT+CASSLCFG` by the `AT+CA*`
//! sockets (shared/reference/modules/sim70xx.md; audit `tests/audit/sim70xx.md`).
//!
//! Verification: the file system reports a size (`AT+CFSGFIS`) and reads a file back
//! (`AT+CFSRFILE`), so every file is compared byte for byte **before** it is converted (a
//! slow upload is cut off silently, some firmware still saying `OK`). The converted copy in
//! the SSL store cannot be listed or read: only the test connection shows it works.
//!
//! The CFS session is always ended (`AT+CFSTERM`), also after a failure: an open session
//! makes the next `AT+CFSINIT` answer `ERROR`. Every flow also starts with a tolerated
//! `AT+CFSTERM`, for a session an interrupted run left open.

use core::time::Duration;

use crate::at::{Config, Final};
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
use crate::modules::rules::{ALL_HASHES_BUT_MD, NO_KEY, PEM, RSA_P256};

const FAMILY: Family = Family::Sim70xx;

/// The CFS directory credentials go to: 3 = `/customer/` (every example; AN-MQTT §5.2).
const DIR: u8 = 3;
/// Largest file one `AT+CFSWFILE` takes: "< 10240" (reference [S1]); KAMPI allows 10240.
/// The stricter reading is the rule.
const MAX_FILE: usize = 10_239;
/// Largest `AT+CASEND` / `AT+CARECV` (reference 4.2: 1460; "sim7080 chokes" above).
const MAX_SOCKET: usize = 1460;

/// The command set of a firmware line: SIM7000 (baselines 1351/1529) and SIM7070/80/90
/// (1951/2117) bring up the bearer and open sockets with different commands.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Line {
    Sim7000,
    Sim7080,
    Unknown,
}

/// The firmware line from `AT+CGMR` (`1529B11SIM7000G`, `1951B16SIM7080`).
pub fn line_of(firmware: Option<&str>) -> Line {
    let Some(fw) = firmware.map(str::to_ascii_uppercase) else {
        return Line::Unknown;
    };
    let fw = fw.trim_start_matches("REVISION:").trim();
    if fw.contains("SIM7000") || fw.starts_with("1351") || fw.starts_with("1529") {
        Line::Sim7000
    } else if ["SIM7070", "SIM7080", "SIM7090"]
        .iter()
        .any(|m| fw.contains(m))
        || fw.starts_with("1951")
        || fw.starts_with("2117")
    {
        Line::Sim7080
    } else {
        Line::Unknown
    }
}

/// `+CAOPEN: <cid>,<result>` results (reference 4.2, EnviroDIY TinyGSM [S1] only: any
/// non-zero is a failure whatever the table says).
pub const CAOPEN_ERRORS: &[Row] = &[
    (0, "connected", "nothing to do"),
    (
        1,
        "socket error",
        "close the connection (AT+CACLOSE=0) and run the test again",
    ),
    (
        2,
        "the module is out of memory",
        "close other connections; power-cycle the module if it repeats",
    ),
    (
        3,
        "the connection limit is reached",
        "close the other connections (AT+CACLOSE=<cid>) and retry",
    ),
    (4, "a parameter is invalid", "check the host name and port"),
    (6, "invalid IP address", "check the host name or address"),
    (
        7,
        "not supported",
        "this firmware does not offer this kind of connection",
    ),
    (12, "cannot bind the socket", "close connection 0 and retry"),
    (13, "cannot listen", "close connection 0 and retry"),
    (
        20,
        "the host name cannot be resolved",
        "check the host name and the network's DNS",
    ),
    (
        21,
        "the network (PDP context) is not active",
        "activate the bearer (AT+CNACT) and check registration (AT+CEREG?)",
    ),
    (
        23,
        "the server refused the connection",
        "check the host and port; the server may be down or firewalled",
    ),
    (
        24,
        "the server's certificate is expired or not yet valid by the module's clock",
        "set the module clock (atcert does when given the time) or check the server certificate's dates",
    ),
    (
        25,
        "the server's certificate does not name this host (CN mismatch)",
        "connect by the name in the certificate; set SNI to that host",
    ),
    (
        26,
        "the server's certificate names another host and is out of date",
        "set the clock and connect by the name in the certificate",
    ),
    (
        27,
        "the TLS connection failed: the CA does not match the server's chain, the client certificate was refused, or the TLS version or cipher is not supported",
        "provision the CA that issued the server's chain (check with openssl s_client), then run the test again",
    ),
];

/// Explains a final result of a SIM70xx command.
pub fn explain(fin: &Final) -> Option<Explanation> {
    explain_common(fin)
}

/// Explains a line that reports a failure: `+CAOPEN: 0,27`, a peer close, a lost bearer.
pub fn explain_line(text: &str) -> Option<Explanation> {
    if let Some(rest) = text.strip_prefix("+CAOPEN:") {
        let code: u32 = rest.rsplit(',').next()?.trim().parse().ok()?;
        return lookup(CAOPEN_ERRORS, code).or_else(|| {
            Some(Explanation::new(
                format!("the connection failed with result {code}, which no source explains"),
                "check the CA, the clock and the host; save the transcript and report it",
            ))
        });
    }
    if let Some(rest) = text.strip_prefix("+CASTATE:")
        && rest.trim().ends_with(",0")
    {
        return Some(Explanation::new(
            "the connection closed (the server or the network ended it)",
            "the server may require a client certificate or refuse this client; check the server's log",
        ));
    }
    if text.starts_with("+APP PDP:") && text.contains("DEACTIVE") {
        return Some(Explanation::new(
            "the data bearer (PDP context) went down",
            "check registration (AT+CEREG?) and the APN, then run the test again",
        ));
    }
    None
}

/// What a refusal means as the answer to each command, by the command's prefix. The CFS
/// commands have no documented error numbers (audit 3): the command says what failed.
const COMMAND_MEANINGS: &[CommandRow] = &[
    (
        &["AT+CFSINIT"],
        "the module could not open a file-system session: one is most likely still open from an earlier run (a second AT+CFSINIT is refused)",
        "end it (AT+CFSTERM) and run the step again; atcert's flows do this first",
    ),
    (
        &["AT+CFSTERM"],
        "there was no open file-system session to end",
        "nothing to do",
    ),
    (
        &["AT+CFSWFILE"],
        "the module did not store the whole file: the data did not all arrive within the input window, the name or size is out of range (name up to 230 characters, size under 10240 bytes), or no file-system session is open",
        "run the provisioning again (it opens the session and sends all bytes at once); use a shorter chain if the file is near 10 KB",
    ),
    (
        &["AT+CFSGFIS", "AT+CFSRFILE"],
        "the module has no such file in /customer/ (or no file-system session is open)",
        "run the provisioning again; the upload did not store the file",
    ),
    (
        &["AT+CFSDFILE"],
        "there was no such file to delete",
        "nothing to do",
    ),
    (
        &["AT+CSSLCFG=\"CONVERT\""],
        "the module could not convert the file into its SSL store: the file is missing, is not a PEM it can parse, or a client certificate was given without its key (they convert together)",
        "check the file with AT+CFSGFIS=3,\"<name>\"; give the certificate and its key together; re-export as PEM (an RSA key as PKCS#1)",
    ),
    (
        &["AT+CSSLCFG"],
        "the module refused this SSL context setting (unknown keyword, context outside 0-5, value out of range)",
        "check the setting is in AT+CSSLCFG=? on this firmware; some firmware takes the keyword only in lower case",
    ),
    (
        &["AT+CASSLCFG"],
        "the module refused this connection's TLS setting: the connection id is not selected (SIM7000: AT+CACID first), the name was not converted, or the keyword is unknown",
        "run the provisioning again (it converts and binds); on SIM7000 send AT+CACID=0 first",
    ),
    (
        &["AT+CACID"],
        "this firmware has no AT+CACID (SIM7070/80/90 select the connection in each command)",
        "nothing to do",
    ),
    (
        &["AT+CNACT"],
        "the bearer could not be activated: it is already active, the APN is wrong, or the module is not registered; SIM7000 firmware takes AT+CNACT=1,\"<apn>\", SIM7070/80/90 AT+CNACT=0,1",
        "check registration (AT+CEREG?) and the APN (AT+CGDCONT?); let atcert identify the module so it uses this firmware's form",
    ),
    (
        &["AT+CAOPEN"],
        "the module refused to open the connection: connection 0 is still open, the bearer is down, or the parameters do not fit this firmware",
        "close it (AT+CACLOSE=0), activate the bearer (AT+CNACT) and run the test again",
    ),
    (
        &["AT+CASEND"],
        "no open connection to send on, or the length is over the send buffer (1460 bytes at most)",
        "open the connection again; send a shorter request",
    ),
    (
        &["AT+CARECV"],
        "no open connection or nothing to read",
        "open the connection again and read after +CADATAIND",
    ),
    (
        &["AT+CACLOSE"],
        "connection 0 was not open",
        "nothing to do",
    ),
    (
        &["AT+CCLK"],
        "the module refused the clock value",
        "the time must be \"yy/MM/dd,hh:mm:ss+zz\": check the computer's clock and run the step again",
    ),
];

/// What a refusal means as the answer to `line`.
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
    // AT+SMSSL takes names of at most 20 bytes (AN-MQTT 3.2.3); CFS 230 (KAMPI): keep
    // names usable by every user of the store.
    if name.is_empty() || name.len() > 20 {
        return Err(bad(
            "names are 1 to 20 bytes (AT+SMSSL's limit; the file system takes 230)",
        ));
    }
    quoted(name).ok_or_else(|| bad("quotes and control characters cannot be sent"))
}

/// Sets the clock when a time is given: the module checks certificate dates against it
/// unless told to ignore them.
pub fn plan_set_clock(opts: &Options) -> Plan {
    let mut plan = Plan::new(FAMILY, "set the clock");
    if let Some(t) = opts.unix_time {
        // [C] 3GPP TS 27.007 +CCLK; reference 7 (set before AT+CAOPEN).
        plan.push(
            "set the module clock (UTC) so certificate dates can be checked",
            Purpose::SetClock,
            at::cclk(t),
        );
    }
    plan
}

/// Verbose errors, then a fresh file-system session (ending one an earlier run left).
fn open_cfs(plan: &mut Plan) {
    // [S] B300, ATI-LOG: with AT+CMEE=2 refusals come as words (`operation not allowed`).
    plan.push("report errors in words", Purpose::Prepare, at::cmee());
    // [S] LGEX sends CFSTERM before CFSINIT; EFS-DUMP: CFSINIT twice answers ERROR.
    plan.push_expect(
        "end a file-system session an earlier run left open (an error means there was none)",
        Purpose::Prepare,
        at::cfsterm(),
        Expect::Tolerate,
    );
    // [C] AN-MQTT 5.2; SE-6347.
    plan.push(
        "open a file-system session",
        Purpose::Prepare,
        at::cfsinit(),
    );
    // [C] AN-MQTT: CFSTERM frees the buffer; the reference: call it even after a failure.
    plan.push_restore(
        "end the file-system session (an error means it was already ended)",
        Purpose::Close,
        at::cfsterm(),
        Expect::Tolerate,
    );
}

/// Writes each file, checks its size and reads it back, converts it into the SSL store,
/// then configures the SSL context and binds connection 0 to it.
pub fn plan_provision(creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
    let mut plan = Plan::new(FAMILY, "provision TLS credentials");
    if creds.client_cert.is_some() != creds.client_key.is_some() {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: "convert a client certificate without its key (or a key alone)".into(),
            why: "AT+CSSLCFG=\"convert\",1 takes the certificate and its key together (AN-MQTT 5.2; converting them apart fails, LilyGO #5)".into(),
        });
    }
    plan.extend(plan_set_clock(opts));
    open_cfs(&mut plan);
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let name = name_checked(role, &c.name)?;
        // Mode 0 overwrites (reference [S1]); one source only, so delete first. A missing
        // file is fine.
        plan.push_expect(
            format!("delete an old {} (an error means there was none)", c.name),
            Purpose::Clean(role),
            at::cfsdfile(&name),
            Expect::Tolerate,
        );
        plan.push(
            format!("upload the {role} as {} ({} bytes)", c.name, c.bytes.len()),
            Purpose::Write(role),
            at::cfswfile(&name, &c.bytes),
        );
        // A cut-off upload may still answer OK (reference 2.1): the size decides.
        plan.push(
            format!(
                "check the module stored {} bytes of {}",
                c.bytes.len(),
                c.name
            ),
            Purpose::Verify(
                role,
                Check::Size {
                    prefix: "+CFSGFIS:".into(),
                    bytes: c.bytes.len(),
                },
            ),
            at::cfsgfis(&name),
        );
        // Before convert: KAMPI and the manual delete the source file afterwards.
        plan.push(
            format!("read {} back and compare byte for byte", c.name),
            Purpose::Verify(
                role,
                Check::ReadBack {
                    expected: c.bytes.clone(),
                },
            ),
            at::cfsrfile(&name),
        );
    }
    // AN-MQTT 5.2 ends the session before converting (LGEX converts inside it: both work).
    plan.push(
        "end the file-system session",
        Purpose::Prepare,
        at::cfsterm(),
    );
    if let Some(ca) = &creds.ca {
        let name = name_checked(Role::Ca, &ca.name)?;
        plan.push(
            format!("convert {} into the module's CA list", ca.name),
            Purpose::Bind(Role::Ca),
            at::convert_ca(&name),
        );
    }
    if let (Some(cert), Some(key)) = (&creds.client_cert, &creds.client_key) {
        let cn = name_checked(Role::ClientCert, &cert.name)?;
        let kn = name_checked(Role::ClientKey, &key.name)?;
        plan.push(
            format!(
                "convert {} with its key {} into the module's certificate store",
                cert.name, key.name
            ),
            Purpose::Bind(Role::ClientCert),
            at::convert_cert(&cn, &kn),
        );
    }
    plan.note("SIM70xx reads each file back before converting it; the converted copy in the SSL store cannot be listed or read: the test connection shows it works");
    plan.extend(plan_configure_tls(creds, opts)?);
    Ok(plan)
}

/// The SSL context (version, date checks, SNI) and connection 0's use of it.
pub fn plan_configure_tls(creds: &Credentials, opts: &Options) -> Result<Plan, PlanError> {
    let ctx = opts.context;
    if ctx > 5 {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: format!("use SSL context {ctx}"),
            why: "contexts are 0 to 5 (AT+CSSLCFG=?)".into(),
        });
    }
    let mut plan = Plan::new(FAMILY, "configure TLS");
    // [C] CFGTEST `"sslversion",(0-5),(0-5)`: 0 any, 1 TLS 1.0, 2 TLS 1.1, 3 TLS 1.2;
    // 6 TLS 1.3 only on 2117 firmware (reference 4.1).
    let version = match opts.tls_version {
        None => 0,
        Some(TlsVersion::Tls10) => 1,
        Some(TlsVersion::Tls11) => 2,
        Some(TlsVersion::Tls12) => 3,
        Some(v) => {
            return Err(PlanError::Unsupported {
                family: FAMILY,
                what: format!("ask for {v:?}"),
                why: "AT+CSSLCFG \"sslversion\" offers TLS 1.0 to 1.2 (TLS 1.3 only on 2117 firmware, not confirmed)".into(),
            });
        }
    };
    plan.push(
        "allow the TLS versions asked for",
        Purpose::Configure,
        at::csslcfg("sslversion", ctx, version),
    );
    // Every user sets 1 to skip the date check; the polarity has no manual source. With the
    // clock set, 0 (check) is right under either reading.
    let ignore = u8::from(opts.unix_time.is_none());
    plan.push(
        if ignore == 0 {
            "check certificate dates against the clock just set"
        } else {
            "ignore certificate dates (the clock was not set)"
        },
        Purpose::Configure,
        at::csslcfg("ignorertctime", ctx, ignore),
    );
    if opts.sni {
        let host = quoted_param(FAMILY, "send this host as SNI", &opts.host)?;
        plan.push(
            format!("send {} as SNI", opts.host),
            Purpose::Configure,
            at::csslcfg("sni", ctx, host),
        );
    }
    let line = line_of(opts.firmware.as_deref());
    if line != Line::Sim7080 {
        // [S] reference 4.2: required before CASSLCFG on SIM7000; SIM7070/80 may not have it.
        plan.push_expect(
            "select connection 0 (SIM7000; other firmware may answer ERROR, which is fine)",
            Purpose::Configure,
            at::cacid(),
            Expect::Tolerate,
        );
    }
    plan.push(
        "use TLS on connection 0",
        Purpose::Configure,
        at::casslcfg("SSL", 1),
    );
    plan.push(
        format!("use SSL context {ctx} for connection 0"),
        Purpose::Configure,
        at::casslcfg("CRINDEX", ctx),
    );
    if let Some(ca) = &creds.ca {
        let name = name_checked(Role::Ca, &ca.name)?;
        plan.push(
            format!("check the server against {}", ca.name),
            Purpose::Configure,
            at::casslcfg("CACERT", name),
        );
    }
    if let (Some(cert), Some(_)) = (&creds.client_cert, &creds.client_key) {
        let name = name_checked(Role::ClientCert, &cert.name)?;
        plan.push(
            format!("present {} (its key converted with it)", cert.name),
            Purpose::Configure,
            at::casslcfg("CERT", name),
        );
    }
    Ok(plan)
}

/// Deletes the files; the converted copies cannot be removed over AT (audit 2.5).
pub fn plan_remove(creds: &Credentials) -> Result<Plan, PlanError> {
    let mut plan = Plan::new(FAMILY, "remove TLS credentials");
    open_cfs(&mut plan);
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let name = name_checked(role, &c.name)?;
        plan.push_expect(
            format!("delete {} (an error means it was not there)", c.name),
            Purpose::Remove(role),
            at::cfsdfile(&name),
            Expect::Tolerate,
        );
    }
    // Gone = the size query fails. There is no listing command (reference 2.2).
    for role in creds.roles() {
        let Some(c) = creds.get(role) else { continue };
        let name = name_checked(role, &c.name)?;
        plan.push_expect(
            format!(
                "check {} is gone (the module must not report its size)",
                c.name
            ),
            Purpose::Verify(
                role,
                Check::NotListed {
                    prefix: "+CFSGFIS:".into(),
                    name: String::new(),
                },
            ),
            at::cfsgfis(&name),
            Expect::Tolerate,
        );
    }
    plan.push(
        "end the file-system session",
        Purpose::Prepare,
        at::cfsterm(),
    );
    plan.note("SIM70xx has no command to remove a converted certificate from its SSL store: the files are deleted; the converted copy stays until a new one is converted under the same name");
    Ok(plan)
}

/// Activates the bearer, opens TLS on connection 0, sends the request, reads, closes.
pub fn plan_test_connection(opts: &Options) -> Result<Plan, PlanError> {
    let host = quoted_param(FAMILY, "use this host name", &opts.host)?;
    let req = opts.request_bytes();
    if req.len() > MAX_SOCKET {
        return Err(PlanError::Unsupported {
            family: FAMILY,
            what: format!("send a {}-byte request", req.len()),
            why: format!("AT+CASEND takes at most {MAX_SOCKET} bytes"),
        });
    }
    let line = line_of(opts.firmware.as_deref());
    let mut plan = Plan::new(FAMILY, "test a TLS connection");
    if line == Line::Unknown {
        plan.note("firmware line unknown: planned for SIM7070/7080/7090 (1951/2117); connected, atcert identifies the module first and uses SIM7000's forms there");
    }
    plan.push_expect(
        "close a connection an earlier run left open (an error means there was none)",
        Purpose::Prepare,
        at::caclose(),
        Expect::Tolerate,
    );
    // An already active bearer answers ERROR [I]: tolerated; the open below decides.
    let (cnact, urc) = if line == Line::Sim7000 {
        let apn = quoted_param(FAMILY, "use this APN", opts.apn.as_deref().unwrap_or(""))?;
        (at::cnact_sim7000(&apn), "+APP PDP: ACTIVE")
    } else {
        (at::cnact(), "+APP PDP: 0,ACTIVE")
    };
    plan.push_expect(
        "activate the data bearer (an error means it is already active)",
        Purpose::Open,
        cnact,
        Expect::TolerateThenUrc {
            prefix: urc.into(),
            within: secs(150),
        },
    );
    let open = if line == Line::Sim7000 {
        at::caopen_sim7000(&host, opts.port)
    } else {
        at::caopen(&host, opts.port)
    };
    // `+CAOPEN: 0,0` comes before `OK` in real logs, after it per TinyGSM: both read.
    plan.push_expect(
        format!("open TLS to {}:{}", opts.host, opts.port),
        Purpose::Open,
        open,
        Expect::OkThenUrc {
            prefix: "+CAOPEN: 0,".into(),
            value: Some("0".into()),
            fail: vec![],
            within: secs(75),
        },
    );
    plan.push_expect(
        format!("send {} bytes", req.len()),
        Purpose::Send,
        at::casend(req),
        Expect::OkThenUrc {
            prefix: "+CADATAIND: 0".into(),
            value: None,
            fail: vec!["+CASTATE: 0,0".into()],
            within: secs(60),
        },
    );
    let most = opts.max_response.clamp(1, MAX_SOCKET);
    plan.push("read the answer", Purpose::Receive, at::carecv(most));
    plan.push_expect(
        "close the connection",
        Purpose::Close,
        at::caclose(),
        Expect::Tolerate,
    );
    Ok(plan)
}

/// One constructor per command this driver sends, with its timeout and source. Keys as in
/// the audit: AN-MQTT (SIMCom SIM7000 MQTT(S) AN V1.02), KAMPI (`Kampi/ESP32-SIM70XX`
/// @f94a4cc), TGv (`vshymanskyy/TinyGSM` @4c552105 `TinyGsmClientSIM7080.h`), LGEX
/// (LilyGO T-SIM7080G example @1026dcb), SE-6347, VESC, CFGTEST.
mod at {
    use core::fmt::Display;

    use super::{DIR, MAX_FILE};
    use crate::at::{Command, LengthHeader, ResponseShape, Trigger};
    use crate::modules::cmd::{Utc, binary_read, line, secs, upload};

    /// `AT+CMEE=2` (B300, ATI-LOG); 5 s.
    pub fn cmee() -> Command {
        line("AT+CMEE=2", secs(5))
    }

    /// `AT+CCLK="yy/MM/dd,hh:mm:ss+zz"` (3GPP TS 27.007); 5 s.
    pub fn cclk(unix_time: u64) -> Command {
        line(
            format!("AT+CCLK={}", Utc::from_unix(unix_time).cclk()),
            secs(5),
        )
    }

    /// `AT+CFSINIT` (AN-MQTT 5.2, SE-6347); KAMPI waits 10 s.
    pub fn cfsinit() -> Command {
        line("AT+CFSINIT", secs(10))
    }

    /// `AT+CFSTERM` (AN-MQTT 5.2, LGEX); KAMPI 1 s, 5 s here.
    pub fn cfsterm() -> Command {
        line("AT+CFSTERM", secs(5))
    }

    /// `AT+CFSDFILE=3,"<name>"` (KAMPI sim7080_fs.cpp; reference [S7]); 5 s.
    pub fn cfsdfile(name: &str) -> Command {
        line(format!("AT+CFSDFILE={DIR},{name}"), secs(5))
    }

    /// `AT+CFSWFILE=3,"<name>",0,<size>,10000`, `DOWNLOAD`, exactly `<size>` bytes, no
    /// terminator, `OK` (AN-MQTT 5.2, KAMPI, LGEX); the longest input window (10000 ms,
    /// KAMPI's range 100-10000), then 5 s for `OK` (LGEX).
    pub fn cfswfile(name: &str, bytes: &[u8]) -> Command {
        upload(
            format!("AT+CFSWFILE={DIR},{name},0,{},10000", bytes.len()),
            Trigger::Line("DOWNLOAD".into()),
            bytes.to_vec(),
            None,
            secs(15),
        )
    }

    /// `AT+CFSGFIS=3,"<name>"` → `+CFSGFIS: <size>` (SE-6347 byte-exact, KAMPI); 5 s.
    pub fn cfsgfis(name: &str) -> Command {
        line(format!("AT+CFSGFIS={DIR},{name}"), secs(5))
    }

    /// `AT+CFSRFILE=3,"<name>",0,<len>,0` → `+CFSRFILE: <n>`, `<n>` raw bytes, `OK`
    /// (reference 2.2, KAMPI); asks for the most a file holds, so extra bytes show; 10 s.
    pub fn cfsrfile(name: &str) -> Command {
        binary_read(
            format!("AT+CFSRFILE={DIR},{name},0,{},0", MAX_FILE + 1),
            "+CFSRFILE: ",
            0,
            secs(10),
        )
    }

    /// `AT+CSSLCFG="convert",2,"<ca>"` (AN-MQTT 3.2.2, CFGTEST `(1-3)`); lower-case keyword
    /// (reference 3); LGEX waits 5 s, KAMPI 10 s.
    pub fn convert_ca(name: &str) -> Command {
        line(format!("AT+CSSLCFG=\"convert\",2,{name}"), secs(10))
    }

    /// `AT+CSSLCFG="convert",1,"<cert>","<key>"`: certificate and key together (AN-MQTT
    /// 5.2/5.3.2; LG5 shows the separate form failing); 10 s.
    pub fn convert_cert(cert: &str, key: &str) -> Command {
        line(format!("AT+CSSLCFG=\"convert\",1,{cert},{key}"), secs(10))
    }

    /// `AT+CSSLCFG="<setting>",<ctx>,<value>` (CFGTEST ranges, TGv, KAMPI); 10 s (KAMPI).
    pub fn csslcfg(setting: &str, ctx: u8, value: impl Display) -> Command {
        line(format!("AT+CSSLCFG=\"{setting}\",{ctx},{value}"), secs(10))
    }

    /// `AT+CACID=0` (reference 4.2, SIM7000 before CASSLCFG); 5 s.
    pub fn cacid() -> Command {
        line("AT+CACID=0", secs(5))
    }

    /// `AT+CASSLCFG=0,"<keyword>",<value>` (TGv l.475-496); 5 s.
    pub fn casslcfg(keyword: &str, value: impl Display) -> Command {
        line(format!("AT+CASSLCFG=0,\"{keyword}\",{value}"), secs(5))
    }

    /// `AT+CNACT=0,1` → `OK`, `+APP PDP: 0,ACTIVE` (SE-6347 byte-exact; SIM7070/80/90);
    /// 10 s for the `OK`, the URC waited for by the step.
    pub fn cnact() -> Command {
        line("AT+CNACT=0,1", secs(10))
    }

    /// `AT+CNACT=1,"<apn>"` → `OK`, `+APP PDP: ACTIVE` (AN-MQTT 4/5; SIM7000); 10 s.
    pub fn cnact_sim7000(quoted_apn: &str) -> Command {
        line(format!("AT+CNACT=1,{quoted_apn}"), secs(10))
    }

    /// `AT+CAOPEN=0,0,"TCP","<host>",<port>` → `+CAOPEN: 0,<r>`, `OK` (VESC, TGv); 75 s.
    pub fn caopen(quoted_host: &str, port: u16) -> Command {
        line(
            format!("AT+CAOPEN=0,0,\"TCP\",{quoted_host},{port}"),
            secs(75),
        )
    }

    /// `AT+CAOPEN=0,"<host>",<port>` (TGv TinyGsmClientSIM7000SSL.h l.440; SIM7000); 75 s.
    pub fn caopen_sim7000(quoted_host: &str, port: u16) -> Command {
        line(format!("AT+CAOPEN=0,{quoted_host},{port}"), secs(75))
    }

    /// `AT+CASEND=0,<n>`, `>`, exactly `<n>` bytes, `OK` (KAMPI, TGv); 10 s.
    pub fn casend(bytes: Vec<u8>) -> Command {
        upload(
            format!("AT+CASEND=0,{}", bytes.len()),
            Trigger::Prompt,
            bytes,
            None,
            secs(10),
        )
    }

    /// `AT+CARECV=0,<n>` → `+CARECV: <len>,<len bytes>`, `OK` (KAMPI 10 s, TGv; the length
    /// alone, reference 4.2).
    pub fn carecv(most: usize) -> Command {
        Command {
            response: ResponseShape::InlineData {
                header: LengthHeader::new("+CARECV: ", 0),
            },
            ..line(format!("AT+CARECV=0,{most}"), secs(10))
        }
    }

    /// `AT+CACLOSE=0` (KAMPI, TGv); 5 s.
    pub fn caclose() -> Command {
        line("AT+CACLOSE=0", secs(5))
    }
}

/// How this family is named (`--module` values, Help, messages).
const NAMES: Names = Names {
    id: "sim70xx",
    display_name: "SIMCom SIM7000 / SIM7080",
    models: "SIMCom SIM7000E/G/A, SIM7070G, SIM7080G, SIM7090G",
    model_prefixes: &["sim7000", "sim7070", "sim7080", "sim7090"],
    aliases: &[],
};

/// The SIMCom SIM7000 / SIM7070 / SIM7080 / SIM7090 driver.
pub struct Sim70xx;

impl Driver for Sim70xx {
    fn family(&self) -> Family {
        FAMILY
    }
    fn names(&self) -> &'static Names {
        &NAMES
    }
    /// CFS, convert and the CA sockets are on every SIM70xx firmware seen.
    fn tls_on_every_firmware(&self) -> bool {
        true
    }
    fn model_name_prefix(&self) -> Option<&'static str> {
        // `SIMCOM_SIM7080G`, `SIMCOM_SIM7000G` (ATI-LOG, RIOT).
        Some("SIMCOM_")
    }
    /// `ATI` answers `SIM7000G R1529` (ATI-LOG): the baseline names the firmware line.
    fn firmware_in_id_line(&self, line: &str) -> Option<String> {
        let (model, rev) = line.trim().split_once(' ')?;
        let rev = rev.trim().strip_prefix('R')?;
        (model.to_ascii_uppercase().starts_with("SIM70")
            && rev.starts_with(|c: char| c.is_ascii_digit()))
        .then(|| format!("{rev}{model}"))
    }
    /// SIM7000 and SIM7070/80/90 open the bearer and sockets with different commands.
    fn needs_firmware(&self) -> bool {
        true
    }
    fn engine_config(&self) -> Config {
        Config::default().with_urc_prefixes(&[
            "+CADATAIND:",
            "+CASTATE:",
            "+CAOPEN:",
            "+CASEND:",
            "+CACLOSE:",
            "+APP PDP:",
            "RDY",
            "SMS Ready",
            "*PSUTTZ:",
            "DST:",
        ])
    }
    fn rules(&self) -> CredentialRules {
        SIM70XX
    }
    fn recovery(&self) -> Recovery {
        RECOVERY
    }
    fn too_large_hint(&self) -> &'static str {
        "upload only the root, not a chain: one AT+CFSWFILE takes under 10240 bytes"
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

// Both data phases are counted (CFSWFILE after `DOWNLOAD`, CASEND after `>`): ESC would be
// data, so nothing aborts them. The upload window is the 10000 ms the plan asks for; no
// transparent mode is used.
const RECOVERY: Recovery = Recovery {
    probe: "AT",
    abort: b"",
    escape_online: false,
    data_timeout: Duration::from_secs(10),
    max_data: MAX_FILE + 1,
};

// --- Credential rules (audit tests/audit/sim70xx.md) ----------------------------------------

const SIM70XX_CERT: RoleRules = RoleRules {
    accepted: Rule::s(
        PEM,
        "sim70xx audit 5: PEM in every source; DER not shown for convert",
    ),
    send_as: Encoding::Pem,
    line_endings: Rule::s(
        AcceptedLineEndings::LfOrCrLf,
        "sim70xx audit 2.2: LGEX writes CRLF, AN-MQTT files LF; none rejected",
    ),
    trailing_newline: Rule::i(TrailingNewline::Optional, "sim70xx audit 2.2"),
    max_bytes: Some(Rule::s(
        MAX_FILE,
        "sim70xx audit 5: one AT+CFSWFILE takes < 10240 bytes (KAMPI, reference)",
    )),
    key_types: Rule::i(
        RSA_P256,
        "sim70xx audit 5: RSA in the AN; EC from the ECDSA suites in AT+CSSLCFG=?",
    ),
    rsa_bits: Rule::i((1024, 4096), "sim70xx audit 5: Qualcomm QAPI SSL store"),
    signature_hashes: Some(Rule::i(
        ALL_HASHES_BUT_MD,
        "sim70xx audit 5: SHA-2 suites in AT+CSSLCFG=? (CFGTEST)",
    )),
    key_encodings: Rule::i(NO_KEY, "not a key"),
    encrypted_key: Rule::i(false, "not a key"),
    bundle: Rule::i(
        true,
        "sim70xx audit 2.4: type 2 is a CA list (QAPI_NET_SSL_CA_LIST_E)",
    ),
    storage: Rule::s(
        Storage::File { path: "ca.pem" },
        "sim70xx audit 2.2: /customer/ (dir 3); names <= 20 bytes for AT+SMSSL",
    ),
};

const SIM70XX: CredentialRules = CredentialRules {
    family: "sim70xx",
    ca: SIM70XX_CERT,
    client_cert: RoleRules {
        bundle: Rule::i(false, "one client certificate"),
        storage: Rule::s(
            Storage::File { path: "client.pem" },
            "sim70xx audit 2.4: converted with its key, then named by the certificate file",
        ),
        ..SIM70XX_CERT
    },
    client_key: RoleRules {
        key_encodings: Rule::i(
            &[KeyEncoding::Pkcs1, KeyEncoding::Sec1],
            "sim70xx audit 5: the AN and LGEX convert PKCS#1 RSA keys; EC as SEC1 inferred; PKCS#8 not shown",
        ),
        encrypted_key: Rule::i(
            false,
            "sim70xx audit 2.4: convert takes a passkey, atcert sends keys unencrypted",
        ),
        bundle: Rule::i(false, "one key"),
        storage: Rule::s(
            Storage::File { path: "client.key" },
            "sim70xx audit 2.4: converted together with client.pem",
        ),
        ..SIM70XX_CERT
    },
    mutual_tls: Rule::c(
        Support::Supported,
        "sim70xx audit 2.4: convert type 1 = certificate + key (AN-MQTT)",
    ),
    clock: Rule::s(
        ClockCheck::WhenEnabled,
        "sim70xx audit 2.6: dates checked against the RTC unless \"ignorertctime\" is 1",
    ),
    ca_choice: Rule::i(CaChoice::AnyCa, "sim70xx audit 2.4: a CA list"),
    tls_versions: Rule::s("TLS 1.0, 1.1, 1.2", "sim70xx audit 5: CFGTEST sslversion"),
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::plan::Credential;

    fn creds() -> Credentials {
        let c = |name: &str| {
            Some(Credential {
                bytes: b"-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n".to_vec(),
                name: name.into(),
            })
        };
        Credentials {
            ca: c("ca.pem"),
            client_cert: c("client.pem"),
            client_key: c("client.key"),
        }
    }

    fn lines(plan: &Plan) -> Vec<String> {
        plan.all_steps()
            .map(|s| String::from_utf8_lossy(&s.command.line).into_owned())
            .collect()
    }

    #[test]
    fn provision_follows_the_application_note_order() {
        let plan = plan_provision(&creds(), &Options::default()).unwrap();
        let l = lines(&plan);
        let at = |s: &str| {
            l.iter()
                .position(|x| x == s)
                .unwrap_or_else(|| panic!("{s}: {l:?}"))
        };
        assert!(at("AT+CFSTERM") < at("AT+CFSINIT"));
        assert!(at("AT+CFSWFILE=3,\"ca.pem\",0,57,10000") < at("AT+CFSGFIS=3,\"ca.pem\""));
        assert!(at("AT+CFSGFIS=3,\"ca.pem\"") < at("AT+CFSRFILE=3,\"ca.pem\",0,10240,0"));
        assert!(
            at("AT+CFSRFILE=3,\"ca.pem\",0,10240,0") < at("AT+CSSLCFG=\"convert\",2,\"ca.pem\"")
        );
        assert!(l.contains(&"AT+CSSLCFG=\"convert\",1,\"client.pem\",\"client.key\"".to_owned()));
        assert!(l.contains(&"AT+CASSLCFG=0,\"CACERT\",\"ca.pem\"".to_owned()));
        assert_eq!(l.last().map(String::as_str), Some("AT+CFSTERM"));
        assert_eq!(plan.restore.len(), 1);
    }

    #[test]
    fn firmware_lines_choose_the_socket_commands() {
        assert_eq!(line_of(Some("1529B11SIM7000G")), Line::Sim7000);
        assert_eq!(line_of(Some("Revision:1351B07SIM7000E")), Line::Sim7000);
        assert_eq!(line_of(Some("1951B16SIM7080")), Line::Sim7080);
        assert_eq!(line_of(Some("LE20B04SIM7600G22")), Line::Unknown);
        assert_eq!(line_of(None), Line::Unknown);
        let opts = |fw: &str| Options {
            firmware: Some(fw.into()),
            ..Options::default()
        };
        let l = lines(&plan_test_connection(&opts("1529B11SIM7000G")).unwrap());
        assert!(
            l.contains(&"AT+CAOPEN=0,\"example.com\",443".to_owned()),
            "{l:?}"
        );
        assert!(l.contains(&"AT+CNACT=1,\"\"".to_owned()));
        let l = lines(&plan_test_connection(&opts("1951B16SIM7080")).unwrap());
        assert!(l.contains(&"AT+CAOPEN=0,0,\"TCP\",\"example.com\",443".to_owned()));
        assert!(l.contains(&"AT+CNACT=0,1".to_owned()));
    }

    #[test]
    fn every_caopen_result_is_explained_and_unknown_ones_still_fail() {
        for (code, ..) in CAOPEN_ERRORS {
            assert!(explain_line(&format!("+CAOPEN: 0,{code}")).is_some());
        }
        assert!(explain_line("+CAOPEN: 0,27").is_some_and(|e| e.meaning.contains("CA")));
        assert!(explain_line("+CAOPEN: 0,99").is_some_and(|e| e.meaning.contains("99")));
        assert!(
            explain_command("AT+CSSLCFG=\"convert\",1,\"a\"", &Final::Error)
                .is_some_and(|e| e.meaning.contains("convert"))
        );
    }

    #[test]
    fn a_certificate_without_its_key_is_refused_before_sending() {
        let mut c = creds();
        c.client_key = None;
        assert!(matches!(
            plan_provision(&c, &Options::default()),
            Err(PlanError::Unsupported { .. })
        ));
    }
}
