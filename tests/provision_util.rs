//! Shared helpers for the end-to-end provisioning tests: a session on a simulated module
//! over a virtual clock, the credential set each family takes, and the fault sweeps.

// Runs openssl, real sockets or temp files: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

#[path = "sim_util.rs"]
mod sim_util;

use atcert::modules::flows::{self, FlowError, ProvisionReport};
use atcert::modules::{Credentials, Family, Options, prepare};
use atcert::session::{Session, SessionOptions};
use atcert::sim::{LineConfig, LineFaults, Server, ServerModel, SimModule, SimPort, VirtualClock};
use futures::executor::block_on;
pub use sim_util::Pki;
#[allow(unused_imports)] // used by the families that list their error outputs
pub use sim_util::assert_explained_specifically;

pub type SimSession = Session<SimPort<VirtualClock>, VirtualClock>;

/// A session on `module` with the family's engine settings and error table.
pub fn session(module: &SimModule, family: Family, faults: LineFaults) -> SimSession {
    session_on(module, VirtualClock::new(), family, faults)
}

/// Like [`session`] on a given clock: a reconnect that keeps the time going.
pub fn session_on(
    module: &SimModule,
    clock: VirtualClock,
    family: Family,
    faults: LineFaults,
) -> SimSession {
    let port = module.port_with_faults(clock.clone(), LineConfig::default(), faults);
    let mut s = Session::new(
        port,
        clock,
        SessionOptions::with_engine(family.engine_config()),
    );
    flows::attach(&mut s, family);
    s
}

/// Test credentials for `family`: the shared openssl PKI, except that iChip only takes CAs
/// signed with MD5 or SHA-1 (ichip.md 3.1), so its set is signed with SHA-1.
pub fn pki_for(family: Family) -> Pki {
    if family == Family::Ichip {
        Pki::signed_with("sha1")
    } else {
        Pki::new()
    }
}

/// Like [`pki_for`], made once per test binary and shared by its tests (openssl making
/// RSA keys is most of a test's time).
pub fn shared_pki(family: Family) -> &'static Pki {
    static SHA256: std::sync::OnceLock<Pki> = std::sync::OnceLock::new();
    static SHA1: std::sync::OnceLock<Pki> = std::sync::OnceLock::new();
    let make = |digest| {
        let pki = Pki::signed_with(digest);
        // The second client's key as PKCS#1 too, for modules that take only that.
        pki.openssl(&[
            "rsa",
            "-in",
            "rogue.key",
            "-traditional",
            "-out",
            "rogue.rsa.key",
        ]);
        pki
    };
    if family == Family::Ichip {
        SHA1.get_or_init(|| make("sha1"))
    } else {
        SHA256.get_or_init(|| make("sha256"))
    }
}

/// CA (+ client certificate and key when `mutual`) from `pki`, in the family's form.
pub fn credentials(pki: &Pki, family: Family, ca: &str, mutual: bool) -> Credentials {
    let key = if family == Family::Ichip || family == Family::TelitLegacy {
        "client.rsa.key"
    } else {
        "client.key"
    };
    let ca = pki.read(&format!("{ca}.pem"));
    let cert = mutual.then(|| pki.read("client.pem"));
    let key = mutual.then(|| pki.read(key));
    let ctx = atcert::cert::lint::LintContext {
        now: i64::try_from(now_unix()).ok(),
        ..Default::default()
    };
    prepare::from_lint(family, Some(&ca), cert.as_deref(), key.as_deref(), &ctx)
        .unwrap_or_else(|e| panic!("{family}: {e}"))
        .0
}

/// Options for a test connection to the simulated server at `localhost`.
pub fn options() -> Options {
    Options {
        unix_time: Some(now_unix()),
        host: "localhost".into(),
        port: 443,
        ..Options::default()
    }
}

pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn provision(
    s: &mut SimSession,
    family: Family,
    creds: &Credentials,
) -> Result<ProvisionReport, FlowError> {
    block_on(flows::provision(s, family, creds, &options()))
}

pub fn test_connection(
    s: &mut SimSession,
    family: Family,
) -> Result<flows::ConnectionReport, FlowError> {
    block_on(flows::test_connection(s, family, &options()))
}

/// Host bytes of a clean provisioning run: the range the disconnect sweep covers.
pub fn clean_run_host_bytes(
    make: &dyn Fn() -> SimModule,
    family: Family,
    creds: &Credentials,
) -> u64 {
    let m = make();
    let mut s = session(&m, family, LineFaults::default());
    provision(&mut s, family, creds).expect("clean run");
    let (port, _, _) = s.into_parts();
    port.host_bytes()
}

/// Disconnects after every host byte offset of the flow: each run must fail naming a step,
/// never succeed, and a rerun on a fresh port must then succeed.
pub fn disconnect_sweep(
    make: &dyn Fn() -> SimModule,
    family: Family,
    creds: &Credentials,
    stride: u64,
) {
    let total = clean_run_host_bytes(make, family, creds);
    assert!(total > 0);
    let mut n = 0;
    while n < total {
        let m = make();
        let faults = LineFaults {
            disconnect_after_host_bytes: Some(n),
            ..LineFaults::default()
        };
        let mut s = session(&m, family, faults);
        match provision(&mut s, family, creds) {
            Ok(r) => panic!("disconnect after {n} of {total} host bytes reported success: {r}"),
            Err(e) => {
                let msg = e.to_string();
                assert!(e.step().is_some(), "no step named at byte {n}: {msg}");
                assert!(msg.contains("disconnected"), "byte {n}: {msg}");
            }
        }
        let mut again = session(&m, family, LineFaults::default());
        let report = provision(&mut again, family, creds)
            .unwrap_or_else(|e| panic!("rerun after disconnect at byte {n} failed: {e}"));
        assert_eq!(report.credentials.len(), creds.roles().count());
        n += stride;
    }
}

/// Every place in the module's output of a clean run where a text line has ended and
/// another text line follows (and the start): where a module can put a URC or an empty
/// line. A URC never splits a module's own line or a binary block (a file or socket read),
/// so positions inside them are not swept.
pub fn line_boundaries(
    make: &dyn Fn() -> SimModule,
    family: Family,
    creds: &Credentials,
) -> (ProvisionReport, Vec<u64>) {
    let m = make();
    let mut s = session(&m, family, LineFaults::default());
    let clean = provision(&mut s, family, creds).expect("clean run");
    let rx = s.transcript().raw(atcert::session::Direction::Rx);
    let text = |seg: &[u8]| {
        seg.iter()
            .all(|b| b.is_ascii_graphic() || matches!(b, b' ' | b'\r' | b'\n'))
    };
    let lines: Vec<&[u8]> = rx.split_inclusive(|b| *b == b'\n').collect();
    let mut at = vec![0];
    let mut pos = 0u64;
    // The end of a counted block: a file read (SIM70xx `+CFSRFILE: <n>`, then <n> bytes of
    // PEM text) or one that follows its header on the same line (ESP-AT
    // `+SYSMFG:"ns","key",8,<n>,<n bytes>`): no line boundary inside it.
    let mut block_end = 0u64;
    for (i, l) in lines.iter().enumerate() {
        if let Some(end) = inline_block_len(l) {
            block_end = pos + end;
        }
        pos += l.len() as u64;
        if let Some(n) = l
            .strip_prefix(b"+CFSRFILE: ")
            .and_then(|r| std::str::from_utf8(r).ok())
            .and_then(|r| r.trim().parse::<u64>().ok())
        {
            block_end = pos + n;
        }
        if pos < block_end {
            continue;
        }
        let next_is_text = lines.get(i + 1).is_none_or(|n| text(n));
        if l.ends_with(b"\n")
            && text(l)
            && next_is_text
            && !l.starts_with(b"AT-S.Reading:")
            && pos >= block_end
        {
            at.push(pos);
        }
    }
    (clean, at)
}

/// For a line starting with an ESP-AT inline header (`+SYSMFG:"ns","key",<type>,<n>,`),
/// the offset in the line where its `<n>` bytes end.
fn inline_block_len(line: &[u8]) -> Option<u64> {
    let rest = line.strip_prefix(b"+SYSMFG:")?;
    let mut commas = rest
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b',')
        .map(|(i, _)| i);
    let (third, fourth) = (commas.nth(2)?, commas.next()?);
    let count: u64 = core::str::from_utf8(rest.get(third + 1..fourth)?)
        .ok()?
        .parse()
        .ok()?;
    Some(8 + fourth as u64 + 1 + count)
}

/// `noise` (a URC, empty lines) injected at every line boundary of the module's output
/// must not change the outcome.
pub fn noise_sweep(
    make: &dyn Fn() -> SimModule,
    family: Family,
    creds: &Credentials,
    noise: &[u8],
) {
    let (clean, positions) = line_boundaries(make, family, creds);
    assert!(positions.len() > 3);
    for at in positions {
        let m = make();
        let faults = LineFaults {
            inject: vec![(at, noise.to_vec())],
            ..LineFaults::default()
        };
        let mut s = session(&m, family, faults);
        let got = provision(&mut s, family, creds)
            .unwrap_or_else(|e| panic!("noise before module byte {at} broke the flow: {e}"));
        assert_eq!(
            got, clean,
            "noise before module byte {at} changed the outcome"
        );
    }
}

/// The wrong CA: the connection test must fail with the module's own words (`said`) and
/// atcert's explanation of them (`meaning`), naming the step that opened the connection.
pub fn wrong_ca_fails(
    family: Family,
    make: &dyn Fn(Server) -> SimModule,
    said: &str,
    meaning: &str,
) {
    let pki = pki_for(family);
    let m = make(Server::Model(ServerModel::new(
        vec![pki.read("server.der")],
        pki.read("ca.der"),
    )));
    let creds = credentials(&pki, family, "other", false);
    let mut s = session(&m, family, LineFaults::default());
    provision(&mut s, family, &creds).expect("provisioning the other CA");
    let err = test_connection(&mut s, family).expect_err("the wrong CA must not connect");
    let (got_said, got_meaning) = match &err {
        FlowError::Reported {
            said, explanation, ..
        } => (said.clone(), explanation.meaning.clone()),
        FlowError::Step(e) => (e.said.clone(), e.explanation.meaning.clone()),
        other => panic!("{family}: unexpected {other}"),
    };
    assert!(
        got_said.contains(said),
        "{family}: said {got_said:?}, wanted {said:?}"
    );
    assert!(
        got_meaning.contains(meaning),
        "{family}: meaning {got_meaning:?}"
    );
    assert!(err.to_string().contains("open"), "{family}: {err}");
}

/// Provision (mutual where the family supports it), check every credential's verification
/// is what the module can offer, and connect to a server that checks the client.
pub fn provisions_and_connects(
    family: Family,
    make: &dyn Fn(Server) -> SimModule,
    expect: &[&str],
) {
    let (_m, mut s) = provisions(family, make, expect);
    let conn = test_connection(&mut s, family).unwrap_or_else(|e| panic!("{family}: {e}"));
    assert!(
        String::from_utf8_lossy(&conn.response).contains("200 OK"),
        "{family}: {conn:?}"
    );
}

/// The provisioning half of [`provisions_and_connects`]: returns the module and session.
pub fn provisions(
    family: Family,
    make: &dyn Fn(Server) -> SimModule,
    expect: &[&str],
) -> (SimModule, SimSession) {
    let pki = pki_for(family);
    let mutual = family.mutual_tls();
    let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    if mutual {
        server.client_ca = Some(pki.read("ca.der"));
    }
    let m = make(Server::Model(server));
    let creds = credentials(&pki, family, "ca", mutual);
    let mut s = session(&m, family, LineFaults::default());
    let report = provision(&mut s, family, &creds).unwrap_or_else(|e| panic!("{family}: {e}"));
    let got: Vec<String> = report
        .credentials
        .iter()
        .map(|c| c.verification.to_string())
        .collect();
    assert_eq!(got.len(), expect.len(), "{family}: {got:?}");
    for (g, e) in got.iter().zip(expect) {
        assert!(g.starts_with(e), "{family}: {g:?} should start with {e:?}");
    }
    (m, s)
}

/// Mutual TLS with only the CA stored: the server's demand for a client certificate fails
/// the connection, never a false success.
pub fn client_cert_required_but_missing_fails(family: Family, make: &dyn Fn(Server) -> SimModule) {
    let pki = pki_for(family);
    let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
    server.client_ca = Some(pki.read("ca.der"));
    let m = make(Server::Model(server));
    let creds = credentials(&pki, family, "ca", false);
    let mut s = session(&m, family, LineFaults::default());
    provision(&mut s, family, &creds).unwrap();
    let err = test_connection(&mut s, family).expect_err("no client certificate: must fail");
    assert!(err.step().is_some(), "{family}: {err}");
}

/// The standard sweeps over the one-way provisioning flow (every byte; every line end).
pub fn sweeps(family: Family, make: &dyn Fn(Server) -> SimModule) {
    let pki = pki_for(family);
    let server = || {
        Server::Model(ServerModel::new(
            vec![pki.read("server.der")],
            pki.read("ca.der"),
        ))
    };
    let creds = credentials(&pki, family, "ca", false);
    disconnect_sweep(&|| make(server()), family, &creds, 1);
    for noise in [&b"\r\n+CEREG: 1\r\n"[..], b"\r\n\r\n"] {
        noise_sweep(&|| make(server()), family, &creds, noise);
    }
}

/// After a provisioning on `m`: two test connections in a row (the first leaves nothing that
/// blocks the second), two removals (the second finds nothing and still succeeds) that
/// leave nothing stored, then provisioning and a test connection again. `name` labels the
/// simulator setting in failures.
pub fn connect_twice_remove_twice_and_again(
    s: &mut SimSession,
    m: &SimModule,
    family: Family,
    creds: &Credentials,
    name: &str,
) {
    for round in 0..2 {
        let conn = test_connection(s, family)
            .unwrap_or_else(|e| panic!("{name}, connection {round}: {e}"));
        assert!(
            String::from_utf8_lossy(&conn.response).contains("200 OK"),
            "{name}"
        );
    }
    for round in 0..2 {
        block_on(flows::remove(s, family, creds, &options()))
            .unwrap_or_else(|e| panic!("{name}, remove {round}: {e}"));
    }
    assert!(m.storage().is_empty(), "{name}: {:?}", m.storage().keys());
    provision(s, family, creds).unwrap_or_else(|e| panic!("{name}, after remove: {e}"));
    test_connection(s, family).unwrap_or_else(|e| panic!("{name}, after remove: {e}"));
}
