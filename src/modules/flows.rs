//! The flows the page and the command line run over a [`Session`]: detect, set_clock,
//! provision, remove, configure_tls, test_connection. Each runs a [`Plan`] step by step, so
//! what it sends is what `atcert plan` prints; what is code here is the judging of answers.
//!
//! A flow never reports success it did not verify: every credential's result says how it
//! was checked ([`Verification`]), and a module that cannot show what it stored gets
//! "written, not verifiable on this module".

use core::fmt;
use core::time::Duration;

use crate::at::Command;
use crate::modules::identify::{Answer, DetectError, Detector, Identity};
use crate::modules::plan::{
    Check, Credentials, Expect, Options, Plan, PlanError, Proves, Purpose, Role, Step, fill,
};
use crate::modules::{self as m, Explanation, Family};
use crate::session::{Clock, Failure, Session, StepError, Transport};

/// How a stored credential was checked, strongest first.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Verification {
    /// Read back and identical (after normalising PEM line endings).
    Identical { bytes: usize },
    /// The module parsed it and reported the same identity (SPWF04's Subject Key Id).
    SameIdentity { what: String, value: String },
    /// The module's digest or checksum of what it stored equals the one of what was sent
    /// (u-blox MD5, nRF91 SHA-256, Quectel's upload checksum).
    SameDigest { what: String, value: String },
    /// The module reports the same size.
    SameSize { bytes: usize },
    /// The module reports a property that matches (key strength, a "stored" flag).
    Reported { what: String, value: String },
    /// The module lists it by name; content cannot be read.
    Listed { name: String },
    /// The module offers no way to check it.
    NotVerifiable,
}

impl Verification {
    /// True when the content itself (or its identity) was shown to be what was sent.
    pub fn proves_content(&self) -> bool {
        matches!(
            self,
            Self::Identical { .. } | Self::SameIdentity { .. } | Self::SameDigest { .. }
        )
    }

    /// Strongest first, as the variants are declared: for [`Check::All`].
    fn rank(&self) -> u8 {
        match self {
            Self::Identical { .. } => 0,
            Self::SameIdentity { .. } => 1,
            Self::SameDigest { .. } => 2,
            Self::SameSize { .. } => 3,
            Self::Reported { .. } => 4,
            Self::Listed { .. } => 5,
            Self::NotVerifiable => 6,
        }
    }
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Identical { bytes } => write!(f, "verified: read back {bytes} bytes, identical"),
            Self::SameIdentity { what, value } => {
                write!(
                    f,
                    "verified: the module reports the {what} {value}, as expected"
                )
            }
            Self::SameDigest { what, value } => write!(
                f,
                "verified: the module's {what} of what it stored is {value}, the same as of what was sent"
            ),
            Self::SameSize { bytes } => write!(
                f,
                "written; the module reports the expected size ({bytes} bytes); content not readable on this module"
            ),
            Self::Reported { what, value } => write!(
                f,
                "written; the module reports {what} {value}, as expected; content not readable on this module"
            ),
            Self::Listed { name } => write!(
                f,
                "written; the module lists {name}; content not readable on this module"
            ),
            Self::NotVerifiable => f.write_str("written, not verifiable on this module"),
        }
    }
}

/// One credential's outcome.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct CredentialReport {
    pub role: Role,
    pub name: String,
    pub verification: Verification,
}

/// What a provisioning run did.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ProvisionReport {
    pub family: Family,
    pub credentials: Vec<CredentialReport>,
    pub clock_set: bool,
    pub notes: Vec<String>,
}

impl fmt::Display for ProvisionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.credentials {
            let name = if c.name.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.name)
            };
            writeln!(f, "{}{name}: {}", c.role, c.verification)?;
        }
        if self.clock_set {
            writeln!(f, "module clock: set")?;
        }
        for n in &self.notes {
            writeln!(f, "note: {n}")?;
        }
        Ok(())
    }
}

/// What a test connection got back.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ConnectionReport {
    pub host: String,
    pub port: u16,
    /// The server's response bytes as the module delivered them.
    pub response: Vec<u8>,
}

/// Why a flow stopped. Every message names the step; module failures carry the module's
/// own words, their meaning and the next step.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// A command failed: refused, timed out, port lost, cancelled.
    #[error("{0}")]
    Step(Box<StepError>),
    /// The module accepted the command but then reported failure (`+CCHOPEN: 0,15`,
    /// `0, CONNECT FAIL`, `AT-S.Certificate Error:23`).
    #[error("{step}: {command} failed: the module said \"{said}\". {}. Next: {}", explanation.meaning, explanation.next_step)]
    Reported {
        step: String,
        command: String,
        said: String,
        explanation: Explanation,
    },
    /// Verification found something other than what was written.
    #[error("{step}: verification failed: expected {expected}, the module has {got}. Next: {next}")]
    Mismatch {
        step: String,
        expected: String,
        got: String,
        next: String,
    },
    /// The module cannot do what was asked.
    #[error("{0}")]
    Plan(#[from] PlanError),
    /// Detection found no known module.
    #[error("{0}")]
    Detect(#[from] DetectError),
}

impl From<StepError> for FlowError {
    fn from(e: StepError) -> Self {
        Self::Step(Box::new(e))
    }
}

impl FlowError {
    /// The label of the step that failed, when one did.
    pub fn step(&self) -> Option<&str> {
        match self {
            Self::Step(e) => Some(&e.step),
            Self::Reported { step, .. } | Self::Mismatch { step, .. } => Some(step),
            Self::Plan(_) | Self::Detect(_) => None,
        }
    }
}

/// Prepares a session for `family`: its line discipline and its error table.
pub fn attach<T: Transport, C: Clock>(session: &mut Session<T, C>, family: Family) {
    session.set_engine_config(family.engine_config());
    session.set_explainer(move |cmd, result| m::explain_command(family, cmd, result));
}

/// Finds out which module is attached.
///
/// 1. Wake it: modules with autobaud need a few `AT`s; iChip answers only `AT+i`; a
///    module still in a data phase gets ESC and `+++` once, then filler (see `recover`).
/// 2. Ask identification commands in the order [`Detector`] chooses; `ERROR` or silence to
///    another vendor's command is an answer, not a failure.
/// 3. Switch the session to the family's line discipline and error table.
pub async fn detect<T: Transport, C: Clock>(
    session: &mut Session<T, C>,
) -> Result<Identity, FlowError> {
    // 1. Families that answer only their own command (iChip `AT+i`) are woken by their
    // recovery probe.
    let own: Vec<Command> = Family::ALL
        .iter()
        .map(|f| f.recovery().probe)
        .filter(|p| *p != "AT")
        .map(|p| Command::new(p).with_timeout(Duration::from_millis(500)))
        .collect();
    let mut awake = session.probe(3).await.is_ok();
    for cmd in &own {
        if awake {
            break;
        }
        awake = session.probe_with(cmd, 2).await.is_ok();
    }
    if !awake {
        // Silent to both: perhaps a data prompt or online mode an interrupted run left.
        // ESC ends a `>` prompt on SIMCom and Telit, `+++` between pauses leaves online
        // mode (sources at `Family::recovery`); anywhere else they are a line of garbage.
        session.write_raw(b"\x1b").await?;
        let wake = session.clock().now() + ESCAPE_GUARD;
        session.clock().sleep_until(wake).await;
        session.write_raw(b"+++").await?;
        let wake = session.clock().now() + ESCAPE_GUARD;
        session.clock().sleep_until(wake).await;
        session.drain(Duration::from_millis(100)).await?;
        // Still silent: a counted upload; fill it up to the largest any family starts.
        let at = Command::new("AT").with_timeout(Duration::from_millis(500));
        let most = Family::ALL
            .iter()
            .map(|f| f.recovery().max_data)
            .max()
            .unwrap_or(0);
        if session.probe(2).await.is_err() && !fill_upload(session, &at, most).await? {
            let mut last = Ok(());
            for cmd in &own {
                last = session.probe_with(cmd, 2).await.map(drop);
                if last.is_ok() {
                    break;
                }
            }
            last?;
        }
    }
    // 2.
    let mut detector = Detector::new();
    let mut index = 0;
    while let Some(cmd) = detector.next_command() {
        index += 1;
        session.begin_step(index, index, format!("identify: {}", cmd.line_text()));
        let answer = match session.run_raw(&cmd).await {
            Ok(r) => Answer {
                ok: r.final_result.is_ok(),
                lines: r.lines,
            },
            Err(e) if matches!(e.failure, Failure::TimedOut { .. }) => Answer::default(),
            Err(e) => return Err(e.into()),
        };
        detector.feed(&answer);
    }
    let identity = detector.finish()?;
    // 3.
    attach(session, identity.family);
    Ok(identity)
}

/// For a family whose commands differ by firmware line ([`crate::modules::Driver::needs_firmware`])
/// and options without one: asks the module who it is ([`detect`]) and returns the options
/// with its firmware. `None`: nothing to ask; plan with `opts` as they are. Called after
/// the first plan, so a plan error still comes before anything is sent. A module that
/// does not identify itself gets the driver's plan for unknown firmware.
async fn with_firmware<T: Transport, C: Clock>(
    session: &mut Session<T, C>,
    family: Family,
    opts: &Options,
) -> Result<Option<Options>, FlowError> {
    if opts.firmware.is_some() || !family.driver().needs_firmware() {
        return Ok(None);
    }
    let id = match detect(session).await {
        Ok(id) => id,
        // Lost or stopped: nothing else can run either.
        Err(FlowError::Step(e))
            if matches!(e.failure, Failure::Transport(_) | Failure::Cancelled) =>
        {
            return Err(FlowError::Step(e));
        }
        // Not recognised: the user chose the family, so its driver plans for unknown
        // firmware (each such driver's default is the path safe on every firmware line).
        Err(_) => {
            attach(session, family);
            return Ok(None);
        }
    };
    if id.family != family {
        return Err(FlowError::Mismatch {
            step: "identify the module".into(),
            expected: format!("a {family} module"),
            got: id.to_string(),
            next: "choose the module that is connected, or let atcert detect it".into(),
        });
    }
    Ok(Some(Options {
        firmware: id.firmware,
        ..opts.clone()
    }))
}

/// What running a plan produced.
#[derive(Clone, Debug, Default)]
struct Ran {
    verified: Vec<(Role, Verification)>,
    written: Vec<Role>,
    data: Vec<u8>,
    clock_set: bool,
}

/// Runs every step of `plan` in order, judging each answer.
async fn run_plan<T: Transport, C: Clock>(
    session: &mut Session<T, C>,
    plan: &Plan,
) -> Result<Ran, FlowError> {
    let mut ran = Ran::default();
    let mut values: Vec<(String, String)> = Vec::new();
    let total = plan.steps.len() + plan.restore.len();
    let mut outcome = Ok(());
    for (i, step) in plan.steps.iter().enumerate() {
        let step = tolerant_cleanup(plan, i).unwrap_or_else(|| step.clone());
        let result = run_step(
            session,
            plan.family,
            i + 1,
            total,
            &step,
            &mut values,
            &mut ran,
        )
        .await;
        match result {
            Err(e) if nothing_to_delete(&step, &e) => {}
            Err(e) => {
                outcome = Err(e);
                break;
            }
            Ok(()) => {}
        }
    }
    restore(session, plan, &mut values, &mut ran, outcome).await?;
    Ok(ran)
}

/// Runs `plan.restore` whatever `outcome` was, and returns the first error: the plan's
/// own, or else the restore's. Not after a lost port or a cancel: nothing can be sent
/// then, and the user asked to stop. Every plan of such a family starts from the state a
/// restore leaves and ends with its own restore, so the next run of any flow puts back
/// what the interrupted one left.
async fn restore<T: Transport, C: Clock>(
    session: &mut Session<T, C>,
    plan: &Plan,
    values: &mut Vec<(String, String)>,
    ran: &mut Ran,
    outcome: Result<(), FlowError>,
) -> Result<(), FlowError> {
    if plan.restore.is_empty() {
        return outcome;
    }
    let stopped = matches!(&outcome, Err(FlowError::Step(e))
        if matches!(e.failure, Failure::Transport(_) | Failure::Cancelled));
    if stopped {
        return outcome;
    }
    let total = plan.steps.len() + plan.restore.len();
    let mut restored = Ok(());
    for (i, step) in plan.restore.iter().enumerate() {
        let index = plan.steps.len() + i + 1;
        if let Err(e) = run_step(session, plan.family, index, total, step, values, ran).await {
            restored = Err(e);
            break;
        }
    }
    outcome.and(restored)
}

/// A delete the module refused because there was nothing to delete, in its own words
/// (`AT-S.ERROR:43:File not found`): the goal, nothing under that name, is met.
fn nothing_to_delete(step: &Step, e: &FlowError) -> bool {
    if !matches!(step.purpose, Purpose::Clean(_) | Purpose::Remove(_)) {
        return false;
    }
    let said = match e {
        FlowError::Step(e) if matches!(e.failure, Failure::Rejected(_)) => &e.said,
        FlowError::Reported { said, .. } => said,
        _ => return false,
    };
    let said = said.to_ascii_lowercase();
    ["not found", "no such file", "not exist"]
        .iter()
        .any(|w| said.contains(w))
}

/// A delete (clean-up before a write, or a removal) that a later step checks needs no
/// success of its own: the module refuses to delete what is not there (`ERROR`,
/// `AT-S.ERROR:43:File not found`), and that must not fail the flow. The later write and
/// verification, or the check that it is gone, decide. Without such a check the refusal
/// stays an error: nothing else would show the credential is gone.
fn tolerant_cleanup(plan: &Plan, i: usize) -> Option<Step> {
    let step = plan.steps.get(i)?;
    let role = match step.purpose {
        Purpose::Clean(role) | Purpose::Remove(role) => role,
        _ => return None,
    };
    if step.expect != Expect::Ok || step.command.data.is_some() {
        return None;
    }
    let checked_later = plan.steps.iter().skip(i + 1).any(|s| {
        matches!(&s.purpose, Purpose::Verify(r, _) if *r == role)
            || (matches!(step.purpose, Purpose::Clean(_)) && s.purpose == Purpose::Write(role))
    });
    checked_later.then(|| Step {
        expect: Expect::Tolerate,
        ..step.clone()
    })
}

async fn run_step<T: Transport, C: Clock>(
    session: &mut Session<T, C>,
    family: Family,
    index: usize,
    total: usize,
    step: &Step,
    values: &mut Vec<(String, String)>,
    ran: &mut Ran,
) -> Result<(), FlowError> {
    if step.purpose == Purpose::Sync {
        return recover(session, family, index, total, step).await;
    }
    session.begin_step(index, total, step.label.clone());
    let mut cmd = step.command.clone();
    if let Some(t) = &step.template {
        cmd.line = fill(t, values).into_bytes();
    }
    if let Expect::OkThenUrc { prefix, fail, .. } = &step.expect {
        expect_urcs(session, prefix, fail);
    }
    let response = match step.expect {
        Expect::Tolerate | Expect::TolerateThenUrc { .. } => session.run_raw(&cmd).await?,
        _ => session
            .run(&cmd)
            .await
            .map_err(|e| with_module_reason(family, e))?,
    };
    ran.data.extend_from_slice(&response.data);
    ran.data.extend_from_slice(&response.urc_data);
    let label = || format!("step {index} ({})", step.label);
    match &step.expect {
        Expect::Ok | Expect::Tolerate => {}
        Expect::TolerateThenUrc { prefix, within } => {
            // Something was there to clean up: wait until the module says it is done.
            let done = response
                .lines
                .iter()
                .chain(&response.urcs)
                .any(|l| l.starts_with(prefix.as_str()));
            if response.final_result.is_ok() && !done {
                let deadline = session.clock().now() + *within;
                loop {
                    let left = deadline - session.clock().now();
                    let urc = session.wait_urc("", left).await.map_err(|mut e| {
                        e.step = label();
                        e.command = cmd.line_text();
                        FlowError::from(e)
                    })?;
                    if urc.starts_with(prefix.as_str()) {
                        break;
                    }
                }
            }
        }
        Expect::Line { prefix, value } => {
            let got = response.value(prefix).unwrap_or("");
            if got != value {
                return Err(FlowError::Mismatch {
                    step: label(),
                    expected: format!("\"{prefix} {value}\""),
                    got: format!("\"{prefix} {got}\""),
                    next: "check the module model and firmware".into(),
                });
            }
        }
        Expect::OkThenUrc {
            prefix,
            value,
            fail,
            within,
        } => {
            let deadline = session.clock().now() + *within;
            // Some firmware prints the result line before the command's `OK`, where it reads
            // as the command's own answer line.
            let mut pending: Vec<String> = response
                .lines
                .iter()
                .filter(|l| l.starts_with(prefix.as_str()))
                .chain(&response.urcs)
                .cloned()
                .collect();
            loop {
                let urc = if pending.is_empty() {
                    let left = deadline - session.clock().now();
                    session.wait_urc("", left).await.map_err(|mut e| {
                        e.step = label();
                        e.command = cmd.line_text();
                        FlowError::from(e)
                    })?
                } else {
                    pending.remove(0)
                };
                if let Some(rest) = urc.strip_prefix(prefix.as_str()) {
                    if value.as_deref().is_none_or(|v| rest.trim() == v) {
                        // Data pushed after URC headers (`+CCHRECV: DATA,0,<n>`) while waiting.
                        ran.data.extend(session.take_urc_data());
                        break;
                    }
                    return Err(reported(family, label(), &cmd, &urc));
                }
                if fail.iter().any(|f| urc.starts_with(f.as_str())) {
                    return Err(reported(family, label(), &cmd, &urc));
                }
            }
        }
    }
    if let Some(c) = &step.capture {
        let found = response.lines.iter().find_map(|l| c.find(l));
        match found {
            Some(v) => values.push((c.name.clone(), v)),
            None => {
                return Err(FlowError::Mismatch {
                    step: label(),
                    expected: format!("a line starting \"{}\"", c.prefix),
                    got: answer_text(&response.lines),
                    next: "run the step again; if it repeats, save the transcript and report it"
                        .into(),
                });
            }
        }
    }
    match &step.purpose {
        Purpose::Write(role) => ran.written.push(*role),
        Purpose::SetClock => ran.clock_set = true,
        Purpose::Verify(role, check) => {
            if step.command.data.is_some() {
                ran.written.push(*role);
            }
            let v = judge(check, &response.lines, &response.data).map_err(|(expected, got)| {
                FlowError::Mismatch {
                    step: label(),
                    expected,
                    got,
                    next: format!("provision the {role} again; if it repeats, the module changed or rejected it"),
                }
            })?;
            ran.verified.push((*role, v));
        }
        _ => {}
    }
    Ok(())
}

/// Silence on each side of `+++` (sim7600.md 4.6, telit.md 4.4: 1 s guard time by default);
/// a little more so a slow host timer cannot cut it short.
const ESCAPE_GUARD: Duration = Duration::from_millis(1200);
/// Filler for a counted data phase that never times out: a byte that ends nothing and,
/// once the phase is over, is ignored before the next `AT`.
const FILL_BYTE: u8 = 0x1b;
const FILL_BLOCK: usize = 256;
/// Longer data timeouts are worth filling before waiting them out.
const FILL_BEFORE_WAITING: Duration = Duration::from_secs(15);

/// Brings the module to command mode from whatever an interrupted run left, then drains
/// what it says on the way. Escalates only while the probe gets no answer:
///
/// 1. the probe (`AT`): any final result, even `ERROR` to a half-received line left in the
///    module's buffer, means it is in command mode. The only bytes a healthy module gets.
/// 2. the family's abort bytes (ESC ends a `>` prompt without storing), then the probe.
/// 3. online mode: silence, `+++`, silence, then the probe.
/// 4. a counted upload: wait as long as the module waits for its data, then the probe.
/// 5. fill it in blocks (the module stores or sends junk the flow then overwrites or
///    drops), probing after each, up to the family's largest phase. A phase that never
///    times out needs this; one with a long timeout gets it before 4.
async fn recover<T: Transport, C: Clock>(
    session: &mut Session<T, C>,
    family: Family,
    index: usize,
    total: usize,
    step: &Step,
) -> Result<(), FlowError> {
    let r = family.recovery();
    let label = |what: &str| format!("{} ({what})", step.label);
    session.begin_step(index, total, step.label.clone());
    // Late answers to an interrupted run's last command must not pass for the probe's.
    session.drain(Duration::from_millis(100)).await?;
    // 1.
    if probe(session, &step.command, 2).await? {
        return Ok(());
    }
    // 2.
    if !r.abort.is_empty() {
        session.begin_step(index, total, label("end an unfinished data prompt"));
        session.write_raw(r.abort).await?;
        if probe(session, &step.command, 1).await? {
            return Ok(());
        }
    }
    // 3.
    if r.escape_online {
        session.begin_step(index, total, label("leave online data mode"));
        pause(session, ESCAPE_GUARD).await;
        session.write_raw(b"+++").await?;
        pause(session, ESCAPE_GUARD).await;
        if probe(session, &step.command, 1).await? {
            return Ok(());
        }
    }
    // 4. and 5.: waiting costs the module's whole timeout, filling about a second per
    // block; a long timeout is filled first.
    let wait_first = !r.data_timeout.is_zero() && r.data_timeout <= FILL_BEFORE_WAITING;
    if wait_first && wait_out(session, index, total, step, &r).await? {
        return Ok(());
    }
    session.begin_step(index, total, label("fill an unfinished upload"));
    if fill_upload(session, &step.command, r.max_data).await? {
        return Ok(());
    }
    if !wait_first && !r.data_timeout.is_zero() && wait_out(session, index, total, step, &r).await?
    {
        return Ok(());
    }
    Err(FlowError::Mismatch {
        step: format!("step {index} ({})", step.label),
        expected: format!("an answer to {}", step.command.line_text()),
        got: "silence, even after ending a data prompt, leaving online mode and waiting".into(),
        next: "check the cable and baud rate; if they are right, power-cycle the module and run the flow again".into(),
    })
}

/// Writes filler in blocks until `cmd` gets an answer, at most `max` bytes and a block.
async fn fill_upload<T: Transport, C: Clock>(
    session: &mut Session<T, C>,
    cmd: &Command,
    max: usize,
) -> Result<bool, FlowError> {
    let mut sent = 0;
    while sent < max + FILL_BLOCK {
        session.write_raw(&[FILL_BYTE; FILL_BLOCK]).await?;
        sent += FILL_BLOCK;
        // A CR ends the filler on the command line, so the probe stands alone.
        session.write_raw(b"\r").await?;
        session.drain(Duration::from_millis(100)).await?;
        if probe(session, cmd, 1).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Waits as long as the module waits for the rest of a counted upload, then probes.
async fn wait_out<T: Transport, C: Clock>(
    session: &mut Session<T, C>,
    index: usize,
    total: usize,
    step: &Step,
    r: &m::Recovery,
) -> Result<bool, FlowError> {
    session.begin_step(
        index,
        total,
        format!(
            "{} (wait up to {} s for the module to give up an unfinished upload)",
            step.label,
            r.data_timeout.as_secs()
        ),
    );
    pause(session, r.data_timeout).await;
    session.drain(Duration::from_millis(100)).await?;
    probe(session, &step.command, 2).await
}

/// Sends the probe up to `tries` times; true when the module gave any final result.
async fn probe<T: Transport, C: Clock>(
    session: &mut Session<T, C>,
    cmd: &Command,
    tries: u32,
) -> Result<bool, FlowError> {
    for _ in 0..tries {
        match session.run_raw(cmd).await {
            Ok(_) => return Ok(true),
            Err(e) if matches!(e.failure, Failure::TimedOut { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(false)
}

async fn pause<T: Transport, C: Clock>(session: &mut Session<T, C>, d: Duration) {
    let wake = session.clock().now() + d;
    session.clock().sleep_until(wake).await;
}

/// Makes sure the engine reports the lines a step waits for as URCs, not stale input
/// (SIM800's `0, CONNECT OK` is no `+X:` line).
fn expect_urcs<T: Transport, C: Clock>(session: &mut Session<T, C>, prefix: &str, fail: &[String]) {
    let mut config = session.engine().config().clone();
    let before = config.urc_prefixes.len();
    for p in core::iter::once(prefix).chain(fail.iter().map(String::as_str)) {
        if !config.urc_prefixes.iter().any(|u| u == p) {
            config.urc_prefixes.push(p.to_owned());
        }
    }
    if config.urc_prefixes.len() != before {
        session.set_engine_config(config);
    }
}

/// A refusal preceded by an informational line that says why (`AT-S.Certificate Error:23`
/// before `AT-S.ERROR:60:...`): the line's meaning is the better explanation.
fn with_module_reason(family: Family, e: StepError) -> FlowError {
    if !matches!(e.failure, Failure::Rejected(_)) {
        return e.into();
    }
    let reason = e
        .lines
        .iter()
        .find_map(|l| m::explain_line(family, l).map(|x| (l.clone(), x)));
    match reason {
        Some((line, explanation)) => {
            let result = match &e.failure {
                Failure::Rejected(r) => r.to_string(),
                _ => String::new(),
            };
            FlowError::Reported {
                step: e.step,
                command: e.command,
                said: format!("{line}\" then \"{result}"),
                explanation,
            }
        }
        None => e.into(),
    }
}

fn reported(family: Family, step: String, cmd: &Command, urc: &str) -> FlowError {
    let explanation = m::explain_line(family, urc).unwrap_or_else(|| {
        Explanation::new(
            format!("the module reported \"{urc}\""),
            "look the result up in the module's AT manual; save the transcript",
        )
    });
    FlowError::Reported {
        step,
        command: cmd.line_text(),
        said: urc.to_owned(),
        explanation,
    }
}

fn answer_text(lines: &[String]) -> String {
    if lines.is_empty() {
        "no answer lines".into()
    } else {
        format!("\"{}\"", lines.join(" | "))
    }
}

/// PEM text compared line by line, ignoring CR, blank lines and trailing spaces.
fn normalise(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .split(['\r', '\n'])
        .map(|l| l.trim_end().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

/// The PEM block within read-back lines (modules add headers such as `#SSLSECDATA: 1,1` or
/// iChip's subject and validity lines).
fn pem_block(lines: &[String]) -> Vec<String> {
    let start = lines.iter().position(|l| l.starts_with("-----BEGIN"));
    let end = lines.iter().rposition(|l| l.starts_with("-----END"));
    match (start, end) {
        (Some(s), Some(e)) if s <= e => {
            lines.get(s..=e).map(<[String]>::to_vec).unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// Whether a listing line's rest names `name`: the whole rest, or its first field
/// (ESP-AT `+SYSMFG:"client_ca","client_ca.0",8` with the prefix up to the namespace).
fn names(rest: &str, name: &str) -> bool {
    let rest = rest.trim();
    rest.trim_matches('"') == name
        || rest
            .split(',')
            .next()
            .is_some_and(|f| f.trim().trim_matches('"') == name)
}

fn judge(check: &Check, lines: &[String], data: &[u8]) -> Result<Verification, (String, String)> {
    match check {
        Check::ReadBack { expected } if !data.is_empty() => {
            // Binary read-back (a length-prefixed file read): byte for byte.
            if data == expected.as_slice() {
                Ok(Verification::Identical { bytes: data.len() })
            } else {
                let differ = data.iter().zip(expected).position(|(a, b)| a != b);
                Err((
                    format!("the {} bytes sent", expected.len()),
                    format!(
                        "{} bytes, differing from byte {}",
                        data.len(),
                        differ.unwrap_or(data.len().min(expected.len()))
                    ),
                ))
            }
        }
        Check::ReadBack { expected } => {
            let want = normalise(expected);
            let got = pem_block(
                &lines
                    .iter()
                    .flat_map(|l| normalise(l.as_bytes()))
                    .collect::<Vec<_>>(),
            );
            if got == want {
                Ok(Verification::Identical {
                    bytes: expected.len(),
                })
            } else {
                let differ = want
                    .iter()
                    .zip(got.iter())
                    .position(|(a, b)| a != b)
                    .unwrap_or(want.len().min(got.len()));
                Err((
                    format!("the {} lines sent", want.len()),
                    if got.is_empty() {
                        "nothing readable".into()
                    } else {
                        format!("{} lines, differing from line {}", got.len(), differ + 1)
                    },
                ))
            }
        }
        Check::Size { prefix, bytes } => {
            let got = lines
                .iter()
                .find_map(|l| l.strip_prefix(prefix.as_str()))
                .map(str::trim);
            match got.and_then(|g| g.parse::<usize>().ok()) {
                Some(n) if n == *bytes => Ok(Verification::SameSize { bytes: n }),
                _ => Err((
                    format!("{bytes} bytes"),
                    got.map_or_else(|| answer_text(lines), |g| format!("{g} bytes")),
                )),
            }
        }
        Check::NotListed { prefix, name } => {
            let listed = lines
                .iter()
                .filter_map(|l| l.strip_prefix(prefix.as_str()))
                .any(|rest| names(rest, name));
            if listed {
                Err((format!("{name} gone"), format!("{name} still listed")))
            } else {
                Ok(Verification::Reported {
                    what: "a list without".into(),
                    value: name.clone(),
                })
            }
        }
        Check::Listed { prefix, name } => {
            let listed = lines
                .iter()
                .filter_map(|l| l.strip_prefix(prefix.as_str()))
                .any(|rest| names(rest, name));
            if listed {
                Ok(Verification::Listed { name: name.clone() })
            } else {
                Err((format!("{name} in the list"), answer_text(lines)))
            }
        }
        Check::Reported {
            prefix,
            field,
            expected,
            what,
            marker,
            proves,
        } => {
            let got = lines.iter().find_map(|l| {
                let l = marker
                    .as_deref()
                    .and_then(|m| l.strip_prefix(m))
                    .unwrap_or(l);
                let rest = l.strip_prefix(prefix.as_str())?.trim();
                let value = if *field == usize::MAX {
                    rest
                } else {
                    rest.split([',', ':']).nth(*field)?.trim()
                };
                // Quoted fields (`+USECMNG: 0,0,"ca","<md5>"`) compare without the quotes.
                Some(value.trim_matches('"').to_owned())
            });
            match got {
                Some(g) if g.eq_ignore_ascii_case(expected) => {
                    let (what, value) = (what.clone(), g);
                    Ok(match proves {
                        Proves::Identity => Verification::SameIdentity { what, value },
                        Proves::Digest => Verification::SameDigest { what, value },
                        Proves::Property => Verification::Reported { what, value },
                    })
                }
                Some(g) => Err((format!("{what} {expected}"), format!("{what} {g}"))),
                None => Err((format!("{what} {expected}"), answer_text(lines))),
            }
        }
        Check::All(checks) => {
            let mut best: Option<Verification> = None;
            for c in checks {
                let v = judge(c, lines, data)?;
                if best.as_ref().is_none_or(|b| v.rank() < b.rank()) {
                    best = Some(v);
                }
            }
            best.ok_or_else(|| ("a check".into(), "none planned".into()))
        }
        Check::Any(checks) => {
            let mut first_err = None;
            for c in checks {
                match judge(c, lines, data) {
                    Ok(v) => return Ok(v),
                    Err(e) => {
                        first_err.get_or_insert(e);
                    }
                }
            }
            Err(first_err.unwrap_or_else(|| ("a check".into(), "none planned".into())))
        }
    }
}

/// Sets the module clock from `opts.unix_time` where the module has a command for it.
///
/// 1. Send the family's clock command. 2. Report whether anything was set.
pub async fn set_clock<T: Transport, C: Clock>(
    session: &mut Session<T, C>,
    family: Family,
    opts: &Options,
) -> Result<bool, FlowError> {
    let mut plan = m::plan_set_clock(family, opts);
    if let Some(opts) = with_firmware(session, family, opts).await? {
        plan = m::plan_set_clock(family, &opts);
    }
    let ran = run_plan(session, &plan).await?;
    Ok(ran.clock_set)
}

/// Writes, verifies and configures `creds`.
///
/// 1. Make the plan (refuses what the module cannot store, before sending anything).
/// 2. Run it: clock, clean-up, writes, verification, TLS configuration.
/// 3. Report each credential with the verification it got; a credential without one is
///    "written, not verifiable on this module".
pub async fn provision<T: Transport, C: Clock>(
    session: &mut Session<T, C>,
    family: Family,
    creds: &Credentials,
    opts: &Options,
) -> Result<ProvisionReport, FlowError> {
    // 1.
    let mut plan = m::plan_provision(family, creds, opts)?;
    if let Some(opts) = with_firmware(session, family, opts).await? {
        plan = m::plan_provision(family, creds, &opts)?;
    }
    // 2.
    let ran = run_plan(session, &plan).await?;
    // 3.
    Ok(report(family, creds, &plan, &ran))
}

fn report(family: Family, creds: &Credentials, plan: &Plan, ran: &Ran) -> ProvisionReport {
    let credentials = creds
        .roles()
        .map(|role| {
            let verification = ran
                .verified
                .iter()
                .find(|(r, _)| *r == role)
                .map_or(Verification::NotVerifiable, |(_, v)| v.clone());
            CredentialReport {
                role,
                name: creds.get(role).map(|c| c.name.clone()).unwrap_or_default(),
                verification,
            }
        })
        .collect();
    ProvisionReport {
        family,
        credentials,
        clock_set: ran.clock_set,
        notes: plan.notes.clone(),
    }
}

/// Configures TLS for `creds` without writing them (auth mode, version, ciphers, SNI).
pub async fn configure_tls<T: Transport, C: Clock>(
    session: &mut Session<T, C>,
    family: Family,
    creds: &Credentials,
    opts: &Options,
) -> Result<(), FlowError> {
    let mut plan = m::plan_configure_tls(family, creds, opts)?;
    if let Some(opts) = with_firmware(session, family, opts).await? {
        plan = m::plan_configure_tls(family, creds, &opts)?;
    }
    run_plan(session, &plan).await?;
    Ok(())
}

/// Removes `creds` and checks they are gone where the module can show it.
///
/// 1. Delete each credential. 2. Check what the module still reports.
pub async fn remove<T: Transport, C: Clock>(
    session: &mut Session<T, C>,
    family: Family,
    creds: &Credentials,
    opts: &Options,
) -> Result<RemoveReport, FlowError> {
    let mut plan = m::plan_remove(family, creds, opts)?;
    if let Some(opts) = with_firmware(session, family, opts).await? {
        plan = m::plan_remove(family, creds, &opts)?;
    }
    let ran = run_plan(session, &plan).await?;
    let removed = creds
        .roles()
        .map(|role| {
            let confirmed = ran
                .verified
                .iter()
                .find(|(r, _)| *r == role)
                .map(|(_, v)| match v {
                    Verification::Reported { what, value } => {
                        format!("the module reports {what} {value}")
                    }
                    other => other.to_string(),
                });
            (role, confirmed)
        })
        .collect();
    Ok(RemoveReport {
        family,
        removed,
        notes: plan.notes,
    })
}

/// What a removal did.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct RemoveReport {
    pub family: Family,
    /// Each credential, with how the module confirmed it is gone when it can.
    pub removed: Vec<(Role, Option<String>)>,
    pub notes: Vec<String>,
}

impl fmt::Display for RemoveReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (role, confirmed) in &self.removed {
            match confirmed {
                Some(how) => writeln!(f, "{role}: removed; confirmed: {how}")?,
                None => writeln!(
                    f,
                    "{role}: delete command accepted; the module cannot show it is gone"
                )?,
            }
        }
        for n in &self.notes {
            writeln!(f, "note: {n}")?;
        }
        Ok(())
    }
}

/// How many times a receive that found nothing is repeated, and how long to wait between.
const RECEIVE_TRIES: usize = 20;
const RECEIVE_PAUSE: Duration = Duration::from_millis(250);

/// Opens TLS to `opts.host:opts.port` through the module, sends the request, reads the
/// answer, closes.
///
/// 1. Open (bearer, socket, handshake): a failure carries the module's words and meaning.
/// 2. Send the request. 3. Read until data arrives (polling modules that have no event).
/// 4. Close; a failure to close after a good answer is not a failed test.
pub async fn test_connection<T: Transport, C: Clock>(
    session: &mut Session<T, C>,
    family: Family,
    opts: &Options,
) -> Result<ConnectionReport, FlowError> {
    let mut plan = m::plan_test_connection(family, opts)?;
    if let Some(opts) = with_firmware(session, family, opts).await? {
        plan = m::plan_test_connection(family, &opts)?;
    }
    let mut ran = Ran::default();
    let mut values: Vec<(String, String)> = Vec::new();
    let outcome = test_steps(session, &plan, &mut values, &mut ran).await;
    restore(session, &plan, &mut values, &mut ran, outcome).await?;
    if ran.data.is_empty() {
        return Err(FlowError::Mismatch {
            step: "read the response".into(),
            expected: "a response from the server".into(),
            got: "no data".into(),
            next: "the connection opened but the server sent nothing: check the request and the server".into(),
        });
    }
    Ok(ConnectionReport {
        host: opts.host.clone(),
        port: opts.port,
        response: ran.data,
    })
}

/// The steps of a test connection (restore steps apart): 1-4 of [`test_connection`].
async fn test_steps<T: Transport, C: Clock>(
    session: &mut Session<T, C>,
    plan: &Plan,
    values: &mut Vec<(String, String)>,
    ran: &mut Ran,
) -> Result<(), FlowError> {
    let family = plan.family;
    let total = plan.steps.len() + plan.restore.len();
    for (i, step) in plan.steps.iter().enumerate() {
        if step.purpose == Purpose::Receive && is_last_receive(plan, i) {
            // 3. Polling receive: repeat while the module has nothing yet.
            let mut tries = 0;
            loop {
                let before = ran.data.len();
                run_step(session, family, i + 1, total, step, values, ran).await?;
                tries += 1;
                if ran.data.len() > before || tries >= RECEIVE_TRIES {
                    break;
                }
                let wake = session.clock().now() + RECEIVE_PAUSE;
                session.clock().sleep_until(wake).await;
            }
            continue;
        }
        if step.purpose == Purpose::Close {
            // 4. Best effort, but a lost port or a cancel is still a failed run.
            if let Err(e) = run_step(session, family, i + 1, total, step, values, ran).await
                && let FlowError::Step(s) = &e
                && matches!(s.failure, Failure::Transport(_) | Failure::Cancelled)
            {
                return Err(e);
            }
            continue;
        }
        run_step(session, family, i + 1, total, step, values, ran).await?;
    }
    Ok(())
}

fn is_last_receive(plan: &Plan, i: usize) -> bool {
    !plan
        .steps
        .iter()
        .skip(i + 1)
        .any(|s| s.purpose == Purpose::Receive)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn read_back_ignores_line_endings_and_headers() {
        let sent = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let check = Check::ReadBack {
            expected: sent.to_vec(),
        };
        let got = lines(&[
            "#SSLSECDATA: 1,1",
            "-----BEGIN CERTIFICATE-----",
            "MIIB",
            "-----END CERTIFICATE-----",
        ]);
        assert_eq!(
            judge(&check, &got, &[]),
            Ok(Verification::Identical { bytes: sent.len() })
        );
        let wrong = lines(&[
            "-----BEGIN CERTIFICATE-----",
            "MIIC",
            "-----END CERTIFICATE-----",
        ]);
        assert!(judge(&check, &wrong, &[]).is_err());
        assert!(judge(&check, &[], &[]).is_err());
    }

    #[test]
    fn size_listing_and_reports_are_checked_not_assumed() {
        let size = Check::Size {
            prefix: "+FSFLSIZE:".into(),
            bytes: 889,
        };
        assert!(judge(&size, &lines(&["+FSFLSIZE: 889"]), &[]).is_ok());
        assert!(judge(&size, &lines(&["+FSFLSIZE: 888"]), &[]).is_err());
        let listed = Check::Listed {
            prefix: "+CCERTLIST:".into(),
            name: "ca.pem".into(),
        };
        assert!(judge(&listed, &lines(&["+CCERTLIST: \"ca.pem\""]), &[]).is_ok());
        assert!(judge(&listed, &lines(&["+CCERTLIST: \"ca2.pem\""]), &[]).is_err());
        let ski = Check::Reported {
            prefix: "AT-S.SubjectKeyId:".into(),
            field: usize::MAX,
            expected: "7F:D3".into(),
            what: "SKI".into(),
            marker: None,
            proves: Proves::Identity,
        };
        assert!(matches!(
            judge(&ski, &lines(&["AT-S.SubjectKeyId:7f:d3"]), &[]),
            Ok(Verification::SameIdentity { .. })
        ));
        let flag = Check::Reported {
            prefix: "#SSLSECDATA:".into(),
            field: 3,
            expected: "1".into(),
            what: "key flag".into(),
            marker: None,
            proves: Proves::Property,
        };
        assert!(judge(&flag, &lines(&["#SSLSECDATA: 1,0,1,1"]), &[]).is_ok());
        assert!(judge(&flag, &lines(&["#SSLSECDATA: 1,0,1,0"]), &[]).is_err());
    }

    #[test]
    fn all_needs_every_check_and_reports_the_strongest_any_needs_one() {
        let size = Check::Reported {
            prefix: "+QFUPL: ".into(),
            field: 0,
            expected: "1200".into(),
            what: "size".into(),
            marker: None,
            proves: Proves::Property,
        };
        let sum = |expected: &str| Check::Reported {
            prefix: "+QFUPL: ".into(),
            field: 1,
            expected: expected.into(),
            what: "checksum".into(),
            marker: None,
            proves: Proves::Digest,
        };
        let both = Check::All(vec![
            size.clone(),
            Check::Any(vec![sum("beef"), sum("ab12")]),
        ]);
        assert_eq!(
            judge(&both, &lines(&["+QFUPL: 1200,ab12"]), &[]),
            Ok(Verification::SameDigest {
                what: "checksum".into(),
                value: "ab12".into()
            })
        );
        assert!(judge(&both, &lines(&["+QFUPL: 1200,ab13"]), &[]).is_err());
        assert!(judge(&both, &lines(&["+QFUPL: 1199,ab12"]), &[]).is_err());
        assert!(judge(&Check::All(Vec::new()), &[], &[]).is_err());
        assert!(judge(&Check::Any(Vec::new()), &[], &[]).is_err());
    }

    #[test]
    fn quoted_reported_fields_compare_without_quotes() {
        let md5 = Check::Reported {
            prefix: "+USECMNG: ".into(),
            field: 3,
            expected: "0A1B".into(),
            what: "MD5".into(),
            marker: None,
            proves: Proves::Digest,
        };
        let got = judge(&md5, &lines(&["+USECMNG: 0,0,\"ca\",\"0a1b\""]), &[]);
        assert!(got.is_ok_and(|v| v.proves_content()));
        assert!(judge(&md5, &lines(&["+USECMNG: 0,0,\"ca\",\"0a1c\""]), &[]).is_err());
    }

    #[test]
    fn only_content_checks_prove_content() {
        assert!(Verification::Identical { bytes: 1 }.proves_content());
        assert!(!Verification::Listed { name: "a".into() }.proves_content());
        assert_eq!(
            Verification::NotVerifiable.to_string(),
            "written, not verifiable on this module"
        );
        assert!(
            !Verification::SameSize { bytes: 3 }
                .to_string()
                .starts_with("verified")
        );
    }
}
