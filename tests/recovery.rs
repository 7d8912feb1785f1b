//! Recovery (issue 9, item 3): every flow of every family, interrupted at every step, is run
//! again on the SAME simulated module (which keeps its state across the disconnect, as a real
//! module does) and must end in verified success with exactly the new credentials stored.
//!
//! Interruption points, from the flow's plan: after the bytes that end each command (the host
//! never reads the answer), in the middle of each command line, in the middle of each data
//! phase and just before its terminator. The module keeps a half-received command line
//! (`keep_partial_line`), the harder of the two behaviours.
//!
//! "Exactly the new credentials" is checked against [`SimModule::storage`]: the whole map
//! must equal the one a clean run leaves on a fresh module (nothing stale, no duplicate, no
//! leftover of an older credential under the same name or slot).
//!
//! Filter by family: `cargo test --test recovery sim7600_`.

// Runs openssl: native only.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod provision_util;

use std::collections::BTreeMap;

use atcert::modules::flows::{self, FlowError};
use atcert::modules::plan::host_bytes;
use atcert::modules::{self, Credentials, Family, Plan};
use atcert::session::Clock;
use atcert::sim::{LineFaults, Server, ServerModel, SimModule, VirtualClock};
use futures::executor::block_on;
use provision_util::*;

#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Flow {
    Provision,
    Remove,
    ConfigureTls,
    TestConnection,
    SetClock,
}

/// What a flow ended with, in a form two runs can be compared by.
#[derive(Clone, Debug, Eq, PartialEq)]
enum Done {
    /// The provisioning report as text (each credential's verification).
    Provisioned(String),
    Removed(String),
    Configured,
    /// The server answered with this.
    Connected(Vec<u8>),
    ClockSet(bool),
}

type Storage = BTreeMap<String, Vec<u8>>;

/// One family's test bench: credentials, a server that checks them, fresh modules.
struct Bench {
    family: Family,
    creds: Credentials,
    /// Another CA (and, for mutual TLS, another client certificate and key).
    old: Credentials,
    server: ServerModel,
}

impl Bench {
    fn new(family: Family) -> Self {
        let pki = shared_pki(family);
        let mutual = family.mutual_tls();
        let mut server = ServerModel::new(vec![pki.read("server.der")], pki.read("ca.der"));
        if mutual {
            server.client_ca = Some(pki.read("ca.der"));
        }
        let creds = credentials(pki, family, "ca", mutual);
        let old = other_credentials(pki, family, mutual);
        Self {
            family,
            creds,
            old,
            server,
        }
    }

    fn module(&self) -> SimModule {
        atcert::sim::module_with(self.family, |c| {
            c.server = Server::Model(self.server.clone());
            c.keep_partial_line = true;
        })
    }

    fn run(&self, flow: Flow, s: &mut SimSession) -> Result<Done, FlowError> {
        let family = self.family;
        let opts = options();
        block_on(async {
            Ok(match flow {
                Flow::Provision => Done::Provisioned(
                    flows::provision(s, family, &self.creds, &opts)
                        .await?
                        .to_string(),
                ),
                Flow::Remove => Done::Removed(
                    flows::remove(s, family, &self.creds, &opts)
                        .await?
                        .to_string(),
                ),
                Flow::ConfigureTls => {
                    flows::configure_tls(s, family, &self.creds, &opts).await?;
                    Done::Configured
                }
                Flow::TestConnection => {
                    Done::Connected(flows::test_connection(s, family, &opts).await?.response)
                }
                Flow::SetClock => Done::ClockSet(flows::set_clock(s, family, &opts).await?),
            })
        })
    }

    fn plan(&self, flow: Flow) -> Plan {
        let opts = options();
        let f = self.family;
        match flow {
            Flow::Provision => modules::plan_provision(f, &self.creds, &opts).unwrap(),
            Flow::Remove => modules::plan_remove(f, &self.creds, &opts).unwrap(),
            Flow::ConfigureTls => modules::plan_configure_tls(f, &self.creds, &opts).unwrap(),
            Flow::TestConnection => modules::plan_test_connection(f, &opts).unwrap(),
            Flow::SetClock => modules::plan_set_clock(f, &opts),
        }
    }

    /// Brings a module into the state `flow` starts from: credentials stored for the flows
    /// that use them, nothing for provisioning and the clock.
    fn prepare(&self, m: &SimModule, clock: &VirtualClock, flow: Flow) {
        if matches!(
            flow,
            Flow::Remove | Flow::ConfigureTls | Flow::TestConnection
        ) {
            let mut s = session_on(m, clock.clone(), self.family, LineFaults::default());
            self.run(Flow::Provision, &mut s)
                .unwrap_or_else(|e| panic!("{}: provisioning before {flow:?}: {e}", self.family));
        }
    }

    /// A clean run of `flow` on a fresh module: its outcome and the storage it leaves.
    fn clean(&self, flow: Flow) -> (Done, Storage) {
        let (done, storage, _) = self.clean_sent(flow);
        (done, storage)
    }

    /// Like [`Self::clean`], with the number of host bytes the flow sent.
    fn clean_sent(&self, flow: Flow) -> (Done, Storage, u64) {
        let m = self.module();
        let clock = VirtualClock::new();
        self.prepare(&m, &clock, flow);
        let mut s = session_on(&m, clock, self.family, LineFaults::default());
        let done = self
            .run(flow, &mut s)
            .unwrap_or_else(|e| panic!("{}: clean {flow:?}: {e}", self.family));
        let sent = s.transcript().raw(atcert::session::Direction::Tx).len() as u64;
        (done, m.storage(), sent)
    }

    /// Checks a finished rerun: what a clean run gives, and the module clock for SetClock.
    fn check(&self, flow: Flow, what: &str, got: &Done, want: &Done) {
        let family = self.family;
        match (got, want) {
            (Done::Connected(a), Done::Connected(_)) => assert!(
                String::from_utf8_lossy(a).contains("200 OK"),
                "{family} {flow:?} {what}: the server's answer is {:?}",
                String::from_utf8_lossy(a)
            ),
            _ => assert_eq!(got, want, "{family} {flow:?} {what}: another outcome"),
        }
    }
}

/// The second credential set: CA `other` and, for mutual TLS, the `rogue` client (signed by
/// `other`), each in the family's form.
fn other_credentials(pki: &Pki, family: Family, mutual: bool) -> Credentials {
    let rsa = family == Family::Ichip || family == Family::TelitLegacy;
    let key_file = if rsa { "rogue.rsa.key" } else { "rogue.key" };
    let ca = pki.read("other.pem");
    let cert = mutual.then(|| pki.read("rogue.pem"));
    let key = mutual.then(|| pki.read(key_file));
    let ctx = atcert::cert::lint::LintContext {
        now: i64::try_from(now_unix()).ok(),
        ..Default::default()
    };
    modules::prepare::from_lint(family, Some(&ca), cert.as_deref(), key.as_deref(), &ctx)
        .unwrap_or_else(|e| panic!("{family}: {e}"))
        .0
}

/// Host bytes a run sends before its closing steps: `sent` (a clean run's total) less the
/// plan's close steps at the end. Counted from the end, as captured values (a byte count
/// read from the module) can make the real lines longer or shorter than planned.
fn closing_from(plan: &Plan, sent: u64) -> u64 {
    let closing: u64 = plan
        .steps
        .iter()
        .rev()
        .take_while(|s| s.purpose == modules::Purpose::Close)
        .map(|s| host_bytes(&s.command).len() as u64)
        .sum();
    sent.saturating_sub(closing)
}

/// Host byte offsets at which to cut the line during `plan`: after each command's
/// terminator, in the middle of each command line, in the middle of each data phase and
/// just before the data's end. The plan's first step is the recovery probe.
fn cut_points(plan: &Plan) -> Vec<u64> {
    let total = plan.raw_bytes().len() as u64;
    let steps: u64 = plan
        .all_steps()
        .map(|s| host_bytes(&s.command).len() as u64)
        .sum();
    let mut at = total - steps;
    let mut points = vec![at];
    for step in plan.all_steps() {
        let c = &step.command;
        let line = (c.line.len() + c.terminator.len()) as u64;
        points.push(at + line / 2);
        points.push(at + line);
        if let Some(d) = &c.data {
            let payload = d.payload.len() as u64;
            points.push(at + line + payload / 2);
            points.push(at + line + payload.saturating_sub(1));
            if d.terminator.is_some() {
                points.push(at + line + payload);
            }
        }
        at += host_bytes(c).len() as u64;
    }
    points.retain(|p| *p > 0 && *p <= total);
    points.sort_unstable();
    points.dedup();
    points
}

fn diff(got: &Storage, want: &Storage) -> String {
    let mut out = Vec::new();
    for (k, v) in want {
        match got.get(k) {
            None => out.push(format!("missing {k} ({} bytes)", v.len())),
            Some(g) if g != v => out.push(format!(
                "{k}: {} bytes stored, {} expected{}",
                g.len(),
                v.len(),
                if g.len() > v.len() && g.ends_with(v) {
                    " (an older copy before the new one)"
                } else {
                    ""
                }
            )),
            Some(_) => {}
        }
    }
    for (k, v) in got {
        if !want.contains_key(k) {
            out.push(format!("stale {k} ({} bytes)", v.len()));
        }
    }
    out.join("; ")
}

/// Interrupts `flow` at every cut point, reconnects to the same module and runs it again.
fn interrupted_at_every_step(family: Family, flow: Flow) {
    let bench = Bench::new(family);
    let (want, want_storage, sent) = bench.clean_sent(flow);
    let plan = bench.plan(flow);
    let points = cut_points(&plan);
    assert!(
        !points.is_empty() || plan.steps.is_empty(),
        "{family} {flow:?}: no cut points"
    );
    for cut in points {
        let m = bench.module();
        let clock = VirtualClock::new();
        bench.prepare(&m, &clock, flow);
        let faults = LineFaults {
            disconnect_after_host_bytes: Some(cut),
            ..LineFaults::default()
        };
        let mut s = session_on(&m, clock.clone(), family, faults);
        if let Ok(done) = bench.run(flow, &mut s) {
            // Closing after a good answer is best effort: a cut there is no failure.
            let closing = flow == Flow::TestConnection && cut > closing_from(&plan, sent);
            assert!(
                closing && matches!(done, Done::Connected(_)),
                "{family} {flow:?}: the line was cut after {cut} host bytes, yet the flow \
                 reported success: {done:?}"
            );
        }
        // The same module, a new port, the time going on.
        let mut again = session_on(&m, clock, family, LineFaults::default());
        let what = format!("rerun after a cut at host byte {cut}");
        let got = bench.run(flow, &mut again).unwrap_or_else(|e| {
            panic!(
                "{family} {flow:?} {what} failed: {e}\n--- rerun transcript ---\n{}",
                tail(&again)
            )
        });
        bench.check(flow, &what, &got, &want);
        let storage = m.storage();
        assert!(
            storage == want_storage,
            "{family} {flow:?} {what}: stored {}",
            diff(&storage, &want_storage)
        );
        if flow == Flow::SetClock && want == Done::ClockSet(true) {
            let epoch = m.clock_epoch(again.clock().now());
            let unix = i64::try_from(now_unix()).unwrap();
            assert!(
                (epoch - unix).abs() <= 5,
                "{family} {what}: module clock {epoch}, expected about {unix}"
            );
        }
    }
}

/// The last part of a session's transcript, one line per direction change.
fn tail(s: &SimSession) -> String {
    let mut out = String::new();
    let mut last = None;
    for r in s.transcript().records() {
        if last != Some(r.direction) {
            out.push_str(&format!("\n{} ", r.direction.marker()));
            last = Some(r.direction);
        }
        out.push_str(&String::from_utf8_lossy(&r.bytes).escape_debug().to_string());
    }
    let start = out.len().saturating_sub(4000);
    let start = (start..out.len())
        .find(|i| out.is_char_boundary(*i))
        .unwrap_or(out.len());
    out[start..].to_owned()
}

/// Provisioning twice leaves the module as provisioning once, and the second run reports
/// the same verified outcome.
fn provision_twice_stores_the_same_as_once(family: Family) {
    let bench = Bench::new(family);
    let (want, want_storage) = bench.clean(Flow::Provision);
    let m = bench.module();
    let clock = VirtualClock::new();
    for run in 1..=2 {
        let mut s = session_on(&m, clock.clone(), family, LineFaults::default());
        let got = bench
            .run(Flow::Provision, &mut s)
            .unwrap_or_else(|e| panic!("{family}: provisioning run {run}: {e}"));
        bench.check(Flow::Provision, &format!("run {run}"), &got, &want);
    }
    let storage = m.storage();
    assert!(
        storage == want_storage,
        "{family}: after provisioning twice, stored {}",
        diff(&storage, &want_storage)
    );
    // And the credentials work.
    let mut s = session_on(&m, clock, family, LineFaults::default());
    let got = bench
        .run(Flow::TestConnection, &mut s)
        .unwrap_or_else(|e| panic!("{family}: test after provisioning twice: {e}"));
    bench.check(
        Flow::TestConnection,
        "after twice",
        &got,
        &Done::Connected(Vec::new()),
    );
}

/// Removing from a module that holds nothing succeeds: clean-ups that find nothing to clean
/// are not failures. The module is left as it was.
fn remove_on_an_empty_module_succeeds(family: Family) {
    let bench = Bench::new(family);
    let m = bench.module();
    let before = m.storage();
    let mut s = session(&m, family, LineFaults::default());
    bench
        .run(Flow::Remove, &mut s)
        .unwrap_or_else(|e| panic!("{family}: remove on an empty module: {e}\n{}", tail(&s)));
    let after = m.storage();
    assert!(
        after == before,
        "{family}: remove on an empty module changed storage: {}",
        diff(&after, &before)
    );
}

/// A different credential set written over an old one leaves exactly the new one under
/// every name or slot they share, and connects with the new one.
fn new_credentials_replace_old_ones(family: Family) {
    let bench = Bench::new(family);
    // Where the old set lives on a module of its own: names only it uses stay (a file
    // under another name is another credential, not a stale copy).
    let old_storage = {
        let m = bench.module();
        let mut s = session(&m, family, LineFaults::default());
        block_on(flows::provision(&mut s, family, &bench.old, &options()))
            .unwrap_or_else(|e| panic!("{family}: provisioning the old set: {e}"));
        m.storage()
    };
    let (want, new_storage) = bench.clean(Flow::Provision);
    let mut want_storage = old_storage;
    want_storage.extend(new_storage);

    let m = bench.module();
    let clock = VirtualClock::new();
    let mut s = session_on(&m, clock.clone(), family, LineFaults::default());
    block_on(flows::provision(&mut s, family, &bench.old, &options()))
        .unwrap_or_else(|e| panic!("{family}: provisioning the old set: {e}"));
    let mut s = session_on(&m, clock.clone(), family, LineFaults::default());
    let got = bench
        .run(Flow::Provision, &mut s)
        .unwrap_or_else(|e| panic!("{family}: provisioning over the old set: {e}"));
    bench.check(Flow::Provision, "over the old set", &got, &want);
    let storage = m.storage();
    assert!(
        storage == want_storage,
        "{family}: over the old set, stored {}",
        diff(&storage, &want_storage)
    );
    let mut s = session_on(&m, clock, family, LineFaults::default());
    let got = bench
        .run(Flow::TestConnection, &mut s)
        .unwrap_or_else(|e| panic!("{family}: test with the new set: {e}"));
    bench.check(
        Flow::TestConnection,
        "new set",
        &got,
        &Done::Connected(Vec::new()),
    );
}

macro_rules! family_tests {
    ($family:expr => $provision:ident, $remove:ident, $configure:ident, $test:ident,
     $clock:ident, $twice:ident, $empty:ident, $replace:ident) => {
        #[test]
        fn $provision() {
            interrupted_at_every_step($family, Flow::Provision);
        }
        #[test]
        fn $remove() {
            interrupted_at_every_step($family, Flow::Remove);
        }
        #[test]
        fn $configure() {
            interrupted_at_every_step($family, Flow::ConfigureTls);
        }
        #[test]
        fn $test() {
            interrupted_at_every_step($family, Flow::TestConnection);
        }
        #[test]
        fn $clock() {
            interrupted_at_every_step($family, Flow::SetClock);
        }
        #[test]
        fn $twice() {
            provision_twice_stores_the_same_as_once($family);
        }
        #[test]
        fn $empty() {
            remove_on_an_empty_module_succeeds($family);
        }
        #[test]
        fn $replace() {
            new_credentials_replace_old_ones($family);
        }
    };
}

family_tests!(Family::Sim800 =>
    sim800_provision_interrupted_at_every_step,
    sim800_remove_interrupted_at_every_step,
    sim800_configure_tls_interrupted_at_every_step,
    sim800_test_connection_interrupted_at_every_step,
    sim800_set_clock_interrupted_at_every_step,
    sim800_provision_twice_stores_the_same_as_once,
    sim800_remove_on_an_empty_module_succeeds,
    sim800_new_credentials_replace_old_ones);

family_tests!(Family::Sim7600 =>
    sim7600_provision_interrupted_at_every_step,
    sim7600_remove_interrupted_at_every_step,
    sim7600_configure_tls_interrupted_at_every_step,
    sim7600_test_connection_interrupted_at_every_step,
    sim7600_set_clock_interrupted_at_every_step,
    sim7600_provision_twice_stores_the_same_as_once,
    sim7600_remove_on_an_empty_module_succeeds,
    sim7600_new_credentials_replace_old_ones);

family_tests!(Family::Spwf04 =>
    spwf04_provision_interrupted_at_every_step,
    spwf04_remove_interrupted_at_every_step,
    spwf04_configure_tls_interrupted_at_every_step,
    spwf04_test_connection_interrupted_at_every_step,
    spwf04_set_clock_interrupted_at_every_step,
    spwf04_provision_twice_stores_the_same_as_once,
    spwf04_remove_on_an_empty_module_succeeds,
    spwf04_new_credentials_replace_old_ones);

family_tests!(Family::TelitLegacy =>
    telit_legacy_provision_interrupted_at_every_step,
    telit_legacy_remove_interrupted_at_every_step,
    telit_legacy_configure_tls_interrupted_at_every_step,
    telit_legacy_test_connection_interrupted_at_every_step,
    telit_legacy_set_clock_interrupted_at_every_step,
    telit_legacy_provision_twice_stores_the_same_as_once,
    telit_legacy_remove_on_an_empty_module_succeeds,
    telit_legacy_new_credentials_replace_old_ones);

family_tests!(Family::TelitLe910 =>
    telit_le910_provision_interrupted_at_every_step,
    telit_le910_remove_interrupted_at_every_step,
    telit_le910_configure_tls_interrupted_at_every_step,
    telit_le910_test_connection_interrupted_at_every_step,
    telit_le910_set_clock_interrupted_at_every_step,
    telit_le910_provision_twice_stores_the_same_as_once,
    telit_le910_remove_on_an_empty_module_succeeds,
    telit_le910_new_credentials_replace_old_ones);

family_tests!(Family::Ichip =>
    ichip_provision_interrupted_at_every_step,
    ichip_remove_interrupted_at_every_step,
    ichip_configure_tls_interrupted_at_every_step,
    ichip_test_connection_interrupted_at_every_step,
    ichip_set_clock_interrupted_at_every_step,
    ichip_provision_twice_stores_the_same_as_once,
    ichip_remove_on_an_empty_module_succeeds,
    ichip_new_credentials_replace_old_ones);

/// The cut points cover every command of a plan: one after each command's terminator.
#[test]
fn cut_points_cover_every_command() {
    let bench = Bench::new(Family::Sim7600);
    let plan = bench.plan(Flow::Provision);
    let points = cut_points(&plan);
    let mut at = (plan.raw_bytes().len()
        - plan
            .all_steps()
            .map(|s| host_bytes(&s.command).len())
            .sum::<usize>()) as u64;
    for step in plan.all_steps() {
        let end = at + (step.command.line.len() + step.command.terminator.len()) as u64;
        assert!(
            points.contains(&end),
            "{}: no cut after its line",
            step.label
        );
        at += host_bytes(&step.command).len() as u64;
    }
}

/// What the module keeps when its host goes away, seen on the raw line.
mod module_state {
    use std::time::Duration;

    use atcert::session::{Clock, Transport};
    use atcert::sim::{LineConfig, LineFaults, SimModule, SimPort, VirtualClock};
    use futures::executor::block_on;
    use futures::future::{Either, select};

    fn sim7600(keep_partial_line: bool) -> SimModule {
        atcert::sim::module_with(atcert::modules::Family::Sim7600, |c| {
            c.keep_partial_line = keep_partial_line;
        })
    }

    /// Writes `bytes` and returns what arrives within a second.
    fn exchange(port: &mut SimPort<VirtualClock>, clock: &VirtualClock, bytes: &[u8]) -> String {
        let _ = block_on(port.write(bytes));
        let deadline = clock.now() + Duration::from_secs(1);
        let mut got = Vec::new();
        loop {
            let mut buf = [0u8; 256];
            let r = block_on(async {
                let read = std::pin::pin!(port.read(&mut buf));
                let sleep = std::pin::pin!(clock.sleep_until(deadline));
                match select(read, sleep).await {
                    Either::Left((r, _)) => r.ok(),
                    Either::Right(((), _)) => None,
                }
            });
            match r {
                Some(n) => got.extend_from_slice(&buf[..n]),
                None => return String::from_utf8_lossy(&got).into_owned(),
            }
        }
    }

    fn cut_after(m: &SimModule, clock: &VirtualClock, n: u64, bytes: &[u8]) {
        let faults = LineFaults {
            disconnect_after_host_bytes: Some(n),
            ..LineFaults::default()
        };
        let mut port = m.port_with_faults(clock.clone(), LineConfig::default(), faults);
        assert!(block_on(port.write(bytes)).is_err());
    }

    #[test]
    fn a_data_phase_keeps_waiting_and_takes_the_next_ports_bytes() {
        let m = sim7600(false);
        let clock = VirtualClock::new();
        let cmd = b"AT+CCERTDOWN=\"x.pem\",10\r";
        let mut sent = cmd.to_vec();
        sent.extend_from_slice(b"abcdefghij");
        cut_after(&m, &clock, cmd.len() as u64 + 4, &sent);
        // A fresh clock: module time goes on regardless.
        let clock = VirtualClock::new();
        let mut port = m.reconnect(clock.clone(), LineConfig::default());
        let got = exchange(&mut port, &clock, b"AT\rAT\r");
        assert!(got.contains("OK"), "{got:?}");
        assert_eq!(
            m.storage().get("x.pem").map(Vec::as_slice),
            Some(&b"abcdAT\rAT\r"[..]),
            "the next port's bytes complete the upload"
        );
    }

    #[test]
    fn echo_off_and_a_half_line_stay_across_a_reconnect() {
        let m = sim7600(true);
        let clock = VirtualClock::new();
        let mut port = m.port(clock.clone(), LineConfig::default());
        assert!(exchange(&mut port, &clock, b"ATE0\r").contains("OK"));
        cut_after(&m, &clock, 5, b"AT+CGMM\r");
        let mut port = m.reconnect(clock.clone(), LineConfig::default());
        // "AT+CG" is still in the module's buffer: the first line is garbage to it.
        let got = exchange(&mut port, &clock, b"AT\r");
        assert_eq!(
            got, "\r\nERROR\r\n",
            "no echo, and the half line joined the next"
        );
        assert_eq!(exchange(&mut port, &clock, b"AT\r"), "\r\nOK\r\n");
    }

    #[test]
    fn a_power_cycle_ends_the_data_phase_and_keeps_storage() {
        let m = sim7600(false);
        let clock = VirtualClock::new();
        let mut port = m.port(clock.clone(), LineConfig::default());
        exchange(&mut port, &clock, b"ATE0\r");
        exchange(&mut port, &clock, b"AT+CCERTDOWN=\"a.pem\",3\rabc");
        exchange(&mut port, &clock, b"AT+CCERTDOWN=\"b.pem\",10\rxy");
        m.power_cycle();
        assert!(
            block_on(port.write(b"AT\r")).is_err(),
            "the old port is gone"
        );
        let mut port = m.reconnect(clock.clone(), LineConfig::default());
        assert!(exchange(&mut port, &clock, b"AT\r").contains("OK"));
        assert_eq!(
            m.storage().get("a.pem").map(Vec::as_slice),
            Some(&b"abc"[..])
        );
        assert!(!m.storage().contains_key("b.pem"));
    }
}

/// Detection (the page's first step on a port it does not know) finds the module even
/// when an interrupted upload left it waiting behind a `>` prompt or in online mode.
#[test]
fn detection_finds_a_module_left_in_a_data_phase() {
    for family in [Family::TelitLegacy, Family::Sim7600, Family::Espat] {
        let bench = Bench::new(family);
        let plan = bench.plan(Flow::Provision);
        // Cut in the middle of the first upload.
        let mut at = 0u64;
        let mut cut = None;
        for step in &plan.steps {
            let c = &step.command;
            if let Some(d) = &c.data {
                cut = Some(at + (c.line.len() + c.terminator.len() + d.payload.len() / 2) as u64);
                break;
            }
            at += host_bytes(c).len() as u64;
        }
        let cut = cut.expect("an upload");
        let m = bench.module();
        let clock = VirtualClock::new();
        let faults = LineFaults {
            disconnect_after_host_bytes: Some(cut),
            ..LineFaults::default()
        };
        let mut s = session_on(&m, clock.clone(), family, faults);
        assert!(bench.run(Flow::Provision, &mut s).is_err());
        let mut s = session_on(&m, clock, Family::Sim800, LineFaults::default());
        let found = block_on(flows::detect(&mut s)).unwrap_or_else(|e| {
            panic!("{family}: detection after a cut upload: {e}\n{}", tail(&s))
        });
        assert_eq!(found.family, family);
        bench
            .run(Flow::Provision, &mut s)
            .unwrap_or_else(|e| panic!("{family}: provisioning after detection: {e}"));
    }
}

family_tests!(Family::Sim70xx =>
    sim70xx_provision_interrupted_at_every_step,
    sim70xx_remove_interrupted_at_every_step,
    sim70xx_configure_tls_interrupted_at_every_step,
    sim70xx_test_connection_interrupted_at_every_step,
    sim70xx_set_clock_interrupted_at_every_step,
    sim70xx_provision_twice_stores_the_same_as_once,
    sim70xx_remove_on_an_empty_module_succeeds,
    sim70xx_new_credentials_replace_old_ones);
family_tests!(Family::Quectel =>
    quectel_provision_interrupted_at_every_step,
    quectel_remove_interrupted_at_every_step,
    quectel_configure_tls_interrupted_at_every_step,
    quectel_test_connection_interrupted_at_every_step,
    quectel_set_clock_interrupted_at_every_step,
    quectel_provision_twice_stores_the_same_as_once,
    quectel_remove_on_an_empty_module_succeeds,
    quectel_new_credentials_replace_old_ones);
family_tests!(Family::Ublox =>
    ublox_provision_interrupted_at_every_step,
    ublox_remove_interrupted_at_every_step,
    ublox_configure_tls_interrupted_at_every_step,
    ublox_test_connection_interrupted_at_every_step,
    ublox_set_clock_interrupted_at_every_step,
    ublox_provision_twice_stores_the_same_as_once,
    ublox_remove_on_an_empty_module_succeeds,
    ublox_new_credentials_replace_old_ones);
family_tests!(Family::Nrf91 =>
    nrf91_provision_interrupted_at_every_step,
    nrf91_remove_interrupted_at_every_step,
    nrf91_configure_tls_interrupted_at_every_step,
    nrf91_test_connection_interrupted_at_every_step,
    nrf91_set_clock_interrupted_at_every_step,
    nrf91_provision_twice_stores_the_same_as_once,
    nrf91_remove_on_an_empty_module_succeeds,
    nrf91_new_credentials_replace_old_ones);
family_tests!(Family::Sequans =>
    sequans_provision_interrupted_at_every_step,
    sequans_remove_interrupted_at_every_step,
    sequans_configure_tls_interrupted_at_every_step,
    sequans_test_connection_interrupted_at_every_step,
    sequans_set_clock_interrupted_at_every_step,
    sequans_provision_twice_stores_the_same_as_once,
    sequans_remove_on_an_empty_module_succeeds,
    sequans_new_credentials_replace_old_ones);
family_tests!(Family::Espat =>
    espat_provision_interrupted_at_every_step,
    espat_remove_interrupted_at_every_step,
    espat_configure_tls_interrupted_at_every_step,
    espat_test_connection_interrupted_at_every_step,
    espat_set_clock_interrupted_at_every_step,
    espat_provision_twice_stores_the_same_as_once,
    espat_remove_on_an_empty_module_succeeds,
    espat_new_credentials_replace_old_ones);
