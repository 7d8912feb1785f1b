//! Real serial ports: `atcert ports`, and `detect`, `provision`, `remove`, `test` on one
//! port or many at once (`--serial` repeated, or `--all`). Each module runs on a thread of
//! its own with its own port, session and progress line; one module's failure never stops
//! the others. The flows are the page's (`modules::flows`).

use std::cell::RefCell;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant as StdInstant;

use anyhow::Context as _;
use atcert::modules::flows::{self, FlowError};
use atcert::modules::{Credentials, Family, Options, prepare};
use atcert::serial::{LineSettings, NativeClock, Parity, SerialTransport, StopSignal, ports};
use atcert::session::{Failure, Progress, Session, line};
use serde::Serialize;

/// `atcert ports`.
#[derive(Debug, clap::Args)]
pub struct PortsArgs {
    /// JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Lists serial ports, marking module vendors, bridges and documented AT interfaces.
pub fn ports_cmd(args: &PortsArgs) -> anyhow::Result<()> {
    let list = ports::list().map_err(|e| anyhow::anyhow!("cannot list serial ports: {e}"))?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "ports": list }))?;
        writeln!(out)?;
        return Ok(());
    }
    if list.is_empty() {
        writeln!(
            out,
            "No serial ports found. Check the cable (some are charge-only) and the adapter's driver."
        )?;
        return Ok(());
    }
    for p in &list {
        let mut line = p.path.clone();
        if let Some(id) = &p.vid_pid {
            line.push_str(&format!("  {id}"));
        }
        if let Some(i) = p.interface {
            line.push_str(&format!(" if{i}"));
        }
        let names: Vec<&str> = [&p.manufacturer, &p.product]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if !names.is_empty() {
            line.push_str(&format!("  {}", names.join(" ")));
        }
        if let Some(s) = &p.serial_number {
            line.push_str(&format!("  serial {s}"));
        }
        match (p.vendor, p.role) {
            (Some(v), Some("bridge")) => line.push_str(&format!("  [USB-serial bridge: {v}]")),
            (Some(v), _) => line.push_str(&format!("  [{v} module]")),
            _ => {}
        }
        match &p.at_port {
            ports::AtPort::Yes { model, source } => {
                line.push_str(&format!("  AT port of {model} (per {source})"));
            }
            ports::AtPort::No {
                model,
                at_interface,
                ..
            } => line.push_str(&format!(
                "  not the AT port: {model} answers AT on interface {at_interface}"
            )),
            ports::AtPort::Unknown => {}
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// How to open the ports.
#[derive(Debug, Clone, clap::Args)]
pub struct LineArgs {
    /// Baud rate, or `auto` to try the common rates until the module answers AT.
    #[arg(long, default_value = "115200", value_name = "N|auto")]
    baud: String,
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u8).range(5..=8))]
    data_bits: u8,
    #[arg(long, value_enum, default_value = "none")]
    parity: ParityArg,
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    stop_bits: u8,
    /// Hardware flow control (RTS/CTS).
    #[arg(long)]
    rts_cts: bool,
    /// Set DTR after opening (some modules reset or wake on it).
    #[arg(long, value_enum, value_name = "on|off")]
    dtr: Option<Level>,
    /// Set RTS after opening.
    #[arg(long, value_enum, value_name = "on|off")]
    rts: Option<Level>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum ParityArg {
    None,
    Even,
    Odd,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Level {
    On,
    Off,
}

impl LineArgs {
    /// The settings, and `None` as the baud rate for `auto`.
    fn settings(&self) -> anyhow::Result<(LineSettings, Option<u32>)> {
        let baud = match self.baud.as_str() {
            "auto" => None,
            n => Some(
                n.parse::<u32>()
                    .ok()
                    .filter(|b| *b > 0)
                    .with_context(|| format!("--baud takes a rate or auto, not '{n}'"))?,
            ),
        };
        let settings = LineSettings {
            baud: baud.unwrap_or(115_200),
            data_bits: self.data_bits,
            parity: match self.parity {
                ParityArg::None => Parity::None,
                ParityArg::Even => Parity::Even,
                ParityArg::Odd => Parity::Odd,
            },
            stop_bits: self.stop_bits,
            rts_cts: self.rts_cts,
            dtr: self.dtr.map(|l| matches!(l, Level::On)),
            rts: self.rts.map(|l| matches!(l, Level::On)),
        };
        Ok((settings, baud))
    }
}

/// Which ports, and the module on them.
#[derive(Debug, Clone, clap::Args)]
pub struct PortArgs {
    /// Serial port (repeat for several modules at once).
    #[arg(long = "serial", value_name = "PATH", required_unless_present = "all")]
    serial: Vec<String>,
    /// Every port recognised as a module's AT port (see `atcert ports`).
    #[arg(long, conflicts_with = "serial")]
    all: bool,
    /// Module family or model (as `plan` takes), or `auto` to detect it.
    #[arg(long, default_value = "auto", value_name = "NAME|auto")]
    module: String,
    #[command(flatten)]
    line: LineArgs,
    /// Write a JSON report of every module.
    #[arg(long, value_name = "FILE.json")]
    report: Option<PathBuf>,
    /// Save each module's exact byte transcript in this directory.
    #[arg(long, value_name = "DIR")]
    transcripts: Option<PathBuf>,
    /// One plain line per event even on a terminal (no progress bars).
    #[arg(long)]
    plain: bool,
}

impl PortArgs {
    fn paths(&self) -> anyhow::Result<Vec<String>> {
        if !self.all {
            let mut seen = std::collections::BTreeSet::new();
            for p in &self.serial {
                anyhow::ensure!(seen.insert(p), "{p} is given twice");
            }
            return Ok(self.serial.clone());
        }
        let list = ports::list().map_err(|e| anyhow::anyhow!("cannot list serial ports: {e}"))?;
        let found: Vec<String> = list
            .into_iter()
            .filter(|p| matches!(p.at_port, ports::AtPort::Yes { .. }))
            .map(|p| p.path)
            .collect();
        anyhow::ensure!(
            !found.is_empty(),
            "--all found no port recognised as a module's AT port (`atcert ports` shows what \
             is there); name the ports with --serial"
        );
        Ok(found)
    }

    fn family(&self) -> anyhow::Result<Option<Family>> {
        match self.module.as_str() {
            "auto" => Ok(None),
            name => Ok(Some(
                name.parse::<Family>()
                    .map_err(|e| anyhow::anyhow!("--module: {e}"))?,
            )),
        }
    }
}

/// Credential files and the connection settings.
#[derive(Debug, Clone, clap::Args)]
pub struct CredArgs {
    /// Root CA certificate (PEM or DER).
    #[arg(long, value_name = "FILE")]
    ca: PathBuf,
    /// Client certificate for mutual TLS.
    #[arg(long, value_name = "FILE", requires = "key")]
    cert: Option<PathBuf>,
    /// Client private key.
    #[arg(long, value_name = "FILE", requires = "cert")]
    key: Option<PathBuf>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ConnArgs {
    /// Cellular APN for bearer bring-up before the test connection.
    #[arg(long)]
    apn: Option<String>,
    /// Time to set the module clock to: `now`, seconds since 1970 (UTC), or `none`.
    #[arg(long, default_value = "now", value_name = "WHEN")]
    time: String,
}

/// `atcert detect`.
#[derive(Debug, clap::Args)]
pub struct DetectArgs {
    #[command(flatten)]
    ports: PortArgs,
    /// JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// `atcert provision`.
#[derive(Debug, clap::Args)]
pub struct ProvisionArgs {
    #[command(flatten)]
    ports: PortArgs,
    #[command(flatten)]
    creds: CredArgs,
    /// Open a TLS connection to this host through each module after provisioning.
    #[arg(long, value_name = "HOST")]
    host: Option<String>,
    #[arg(long, default_value_t = 443)]
    port: u16,
    #[command(flatten)]
    conn: ConnArgs,
}

/// `atcert remove`.
#[derive(Debug, clap::Args)]
pub struct RemoveArgs {
    #[command(flatten)]
    ports: PortArgs,
    #[command(flatten)]
    creds: CredArgs,
}

/// `atcert test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    #[command(flatten)]
    ports: PortArgs,
    /// Server to open a TLS connection to through the module.
    #[arg(long, value_name = "HOST")]
    host: String,
    #[arg(long, default_value_t = 443)]
    port: u16,
    #[command(flatten)]
    conn: ConnArgs,
}

/// What each module thread does after detection.
#[derive(Clone)]
enum Action {
    Detect,
    Provision {
        files: Arc<Files>,
        opts: Options,
        test: bool,
    },
    Remove {
        files: Arc<Files>,
    },
    Test {
        opts: Options,
    },
}

/// Credential files as read, prepared per family in each module's thread.
struct Files {
    ca: Vec<u8>,
    cert: Option<Vec<u8>>,
    key: Option<Vec<u8>>,
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

impl CredArgs {
    fn files(&self) -> anyhow::Result<Files> {
        Ok(Files {
            ca: read(&self.ca)?,
            cert: self.cert.as_deref().map(read).transpose()?,
            key: self.key.as_deref().map(read).transpose()?,
        })
    }
}

fn options(conn: &ConnArgs, host: Option<&str>, port: u16) -> anyhow::Result<Options> {
    let mut opts = Options {
        unix_time: super::flow_cmds::unix_time(&conn.time)?,
        port,
        apn: conn.apn.clone(),
        ..Options::default()
    };
    if let Some(h) = host {
        h.clone_into(&mut opts.host);
    }
    Ok(opts)
}

impl Files {
    fn prepare(&self, family: Family) -> Result<(Credentials, Vec<String>), String> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_secs()).ok());
        let ctx = atcert::cert::lint::LintContext {
            now,
            ..Default::default()
        };
        let (creds, reports) = prepare::from_lint(
            family,
            Some(&self.ca),
            self.cert.as_deref(),
            self.key.as_deref(),
            &ctx,
        )
        .map_err(|e| e.to_string())?;
        let notes = reports
            .iter()
            .flat_map(|r| {
                r.findings
                    .iter()
                    .map(move |f| format!("lint ({}): {f}", r.role))
            })
            .collect();
        Ok((creds, notes))
    }
}

pub fn detect(args: &DetectArgs) -> anyhow::Result<std::process::ExitCode> {
    let reports = run(&args.ports, &Action::Detect, !args.json)?;
    if args.json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "modules": reports }))?;
        writeln!(out)?;
    }
    Ok(exit_code(&reports))
}

pub fn provision(args: &ProvisionArgs) -> anyhow::Result<std::process::ExitCode> {
    let action = Action::Provision {
        files: Arc::new(args.creds.files()?),
        opts: options(&args.conn, args.host.as_deref(), args.port)?,
        test: args.host.is_some(),
    };
    let reports = run(&args.ports, &action, true)?;
    Ok(exit_code(&reports))
}

pub fn remove(args: &RemoveArgs) -> anyhow::Result<std::process::ExitCode> {
    let action = Action::Remove {
        files: Arc::new(args.creds.files()?),
    };
    let reports = run(&args.ports, &action, true)?;
    Ok(exit_code(&reports))
}

pub fn test(args: &TestArgs) -> anyhow::Result<std::process::ExitCode> {
    let action = Action::Test {
        opts: options(&args.conn, Some(&args.host), args.port)?,
    };
    let reports = run(&args.ports, &action, true)?;
    Ok(exit_code(&reports))
}

/// 0: every module did all it was asked and verified it; 130: stopped by Ctrl+C; 1: any
/// other failure.
fn exit_code(reports: &[ModuleReport]) -> std::process::ExitCode {
    if reports.iter().all(|r| r.ok) {
        std::process::ExitCode::SUCCESS
    } else if reports.iter().any(|r| r.state == State::Stopped) {
        std::process::ExitCode::from(130)
    } else {
        std::process::ExitCode::FAILURE
    }
}

/// One module's line in the `--report` JSON.
#[derive(Debug, Serialize)]
pub struct ModuleReport {
    serial: String,
    family: Option<&'static str>,
    model: Option<String>,
    firmware: Option<String>,
    imei: Option<String>,
    /// The USB serial number of the port's device, where USB reports one.
    usb_serial: Option<String>,
    baud: Option<u32>,
    ok: bool,
    /// "done", "failed", "stopped" (Ctrl+C), "not-started" (the port would not open).
    state: State,
    error: Option<String>,
    /// The step that failed or was interrupted.
    step: Option<String>,
    /// What had been written to the module before it failed or stopped.
    written: Vec<String>,
    credentials: Vec<CredentialReport>,
    removed: Vec<String>,
    test: Option<TestReport>,
    notes: Vec<String>,
    started: String,
    seconds: f64,
    bytes_sent: u64,
    transcript: Option<String>,
}

#[derive(Clone, Copy, Debug, Eq, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum State {
    Done,
    Failed,
    Stopped,
    NotStarted,
}

#[derive(Debug, Serialize)]
struct CredentialReport {
    role: &'static str,
    name: String,
    /// SHA-256 of the exact bytes written to the module.
    sha256: String,
    bytes: usize,
    verification: String,
    /// The module showed the content (or its identity) is what was written.
    content_verified: bool,
}

#[derive(Debug, Serialize)]
struct TestReport {
    host: String,
    port: u16,
    ok: bool,
    response_bytes: usize,
    first_line: Option<String>,
    error: Option<String>,
}

fn role_id(role: atcert::modules::Role) -> &'static str {
    use atcert::modules::Role;
    match role {
        Role::Ca => "ca",
        Role::ClientCert => "client-cert",
        Role::ClientKey => "client-key",
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn utc_now() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| der::DateTime::from_unix_duration(d).ok())
        .map_or_else(String::new, |t| t.to_string())
}

/// Runs `action` on every port in parallel, shows progress, prints the summary, writes
/// the report and transcripts.
fn run(args: &PortArgs, action: &Action, summary: bool) -> anyhow::Result<Vec<ModuleReport>> {
    let paths = args.paths()?;
    let family = args.family()?;
    let (settings, baud) = args.line.settings()?;
    if let Some(dir) = &args.transcripts {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let stop = StopSignal::new();
    {
        let stop = stop.clone();
        // A second Ctrl+C while modules are stopping ends at once.
        let _ = ctrlc::set_handler(move || {
            if stop.is_raised() {
                std::process::exit(130);
            }
            stop.raise();
        });
    }
    let ui = Ui::new(args.plain, paths.len());
    let width = paths.iter().map(String::len).max().unwrap_or(0);
    let handles: Vec<_> = paths
        .iter()
        .map(|path| {
            let job = Job {
                path: path.clone(),
                family,
                settings: settings.clone(),
                baud,
                action: action.clone(),
                stop: stop.clone(),
                line: ui.line(path, width),
                transcripts: args.transcripts.clone(),
            };
            std::thread::Builder::new()
                .name(path.clone())
                .spawn(move || job.run())
        })
        .collect();
    let usb = usb_serials();
    let mut reports = Vec::new();
    for (h, path) in handles.into_iter().zip(&paths) {
        let report = match h {
            Ok(h) => h.join().unwrap_or_else(|_| {
                ModuleReport::not_started(path, "the module's thread failed".into())
            }),
            Err(e) => ModuleReport::not_started(path, format!("cannot start a thread: {e}")),
        };
        let mut report = report;
        report.usb_serial = usb.iter().find(|(p, _)| p == path).map(|(_, s)| s.clone());
        reports.push(report);
    }
    ui.done();
    if summary {
        print_summary(&reports);
    }
    if let Some(file) = &args.report {
        let json = serde_json::to_string_pretty(&serde_json::json!({ "modules": reports }))?;
        std::fs::write(file, json + "\n")
            .with_context(|| format!("cannot write the report to {}", file.display()))?;
    }
    Ok(reports)
}

/// (path, USB serial number) of every port that has one.
fn usb_serials() -> Vec<(String, String)> {
    ports::list()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| Some((p.path, p.serial_number?)))
        .collect()
}

fn print_summary(reports: &[ModuleReport]) {
    let mut out = std::io::stdout().lock();
    let width = reports
        .iter()
        .map(|r| r.serial.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = writeln!(
        out,
        "\n{:<width$}  {:<8}  {:<14}  {:<16}  {:>6}  result",
        "port", "state", "model", "imei", "secs"
    );
    for r in reports {
        let result = match (&r.error, r.ok) {
            (Some(e), _) => e.clone(),
            (None, true) => summary_ok(r),
            (None, false) => "failed".into(),
        };
        let _ = writeln!(
            out,
            "{:<width$}  {:<8}  {:<14}  {:<16}  {:>6.1}  {}",
            r.serial,
            match r.state {
                State::Done => "ok",
                State::Failed => "FAILED",
                State::Stopped => "STOPPED",
                State::NotStarted => "NO PORT",
            },
            r.model.as_deref().unwrap_or("-"),
            r.imei.as_deref().or(r.usb_serial.as_deref()).unwrap_or("-"),
            r.seconds,
            result
        );
    }
    let ok = reports.iter().filter(|r| r.ok).count();
    let _ = writeln!(out, "{ok} of {} modules ok", reports.len());
}

fn summary_ok(r: &ModuleReport) -> String {
    let mut parts: Vec<String> = r
        .credentials
        .iter()
        .map(|c| format!("{}: {}", c.role, c.verification))
        .collect();
    parts.extend(r.removed.iter().cloned());
    if let Some(t) = &r.test {
        parts.push(format!(
            "test {}:{}: {} bytes",
            t.host, t.port, t.response_bytes
        ));
    }
    if parts.is_empty() {
        "detected".into()
    } else {
        parts.join("; ")
    }
}

impl ModuleReport {
    fn not_started(path: &str, error: String) -> Self {
        Self {
            serial: path.to_owned(),
            family: None,
            model: None,
            firmware: None,
            imei: None,
            usb_serial: None,
            baud: None,
            ok: false,
            state: State::NotStarted,
            error: Some(error),
            step: None,
            written: Vec::new(),
            credentials: Vec::new(),
            removed: Vec::new(),
            test: None,
            notes: Vec::new(),
            started: utc_now(),
            seconds: 0.0,
            bytes_sent: 0,
            transcript: None,
        }
    }
}

/// What a module's progress events have shown so far: the step running, and the data
/// phases that finished (what has been written).
#[derive(Default)]
struct Track {
    phase: &'static str,
    step: Option<(usize, usize, String)>,
    sending: Option<(String, usize, usize)>,
    written: Vec<String>,
}

impl Track {
    fn step_text(&self) -> Option<String> {
        self.step
            .as_ref()
            .map(|(i, n, label)| format!("{}: step {i} of {n}, {label}", self.phase))
    }
}

struct Job {
    path: String,
    family: Option<Family>,
    settings: LineSettings,
    baud: Option<u32>,
    action: Action,
    stop: StopSignal,
    line: Line,
    transcripts: Option<PathBuf>,
}

type NativeSession = Session<SerialTransport, NativeClock>;

impl Job {
    fn run(self) -> ModuleReport {
        let started = utc_now();
        let t0 = StdInstant::now();
        let mut report = ModuleReport::not_started(&self.path, String::new());
        report.started = started;
        report.error = None;
        let track = Rc::new(RefCell::new(Track::default()));
        let session = match self.open() {
            Ok(s) => s,
            Err(e) => {
                self.line.finish(false, &e);
                report.error = Some(e);
                report.seconds = t0.elapsed().as_secs_f64();
                return report;
            }
        };
        let mut session = session;
        report.baud = Some(session.transport_mut().settings().baud);
        let written = session.transport_mut().written_counter();
        {
            let track = track.clone();
            let line = self.line.clone();
            let written = written.clone();
            session.set_progress(move |p| {
                let mut t = track.borrow_mut();
                match p {
                    Progress::Step {
                        index,
                        total,
                        label,
                    } => {
                        t.step = Some((*index, *total, label.clone()));
                        t.sending = None;
                        line.step(t.phase, *index, *total, label);
                    }
                    Progress::Sending { label, sent, total } => {
                        if sent >= total {
                            t.written.push(format!("{label} ({total} bytes, all sent)"));
                            t.sending = None;
                        } else {
                            t.sending = Some((label.clone(), *sent, *total));
                        }
                        line.sending(
                            t.phase,
                            label,
                            *sent,
                            *total,
                            written.load(Ordering::Relaxed),
                        );
                    }
                    Progress::Command { .. } => {}
                }
            });
        }
        let result = futures::executor::block_on(self.flows(&mut session, &track, &mut report));
        report.bytes_sent = written.load(Ordering::Relaxed);
        report.seconds = t0.elapsed().as_secs_f64();
        match result {
            Ok(()) => {
                report.ok = true;
                report.state = State::Done;
                self.line.finish(true, &summary_ok(&report));
            }
            Err(e) => {
                let t = track.borrow();
                let stopped =
                    matches!(&e, FlowError::Step(s) if matches!(s.failure, Failure::Cancelled));
                report.state = if stopped {
                    State::Stopped
                } else {
                    State::Failed
                };
                report.step = e.step().map(str::to_owned).or_else(|| t.step_text());
                report.written = t.written.clone();
                // Flow errors name their step; others get the step the progress showed.
                // A session error starts with the bare step label: give it its number too.
                let mut msg = match (e.step(), t.step_text(), &t.step) {
                    (None, Some(step), _) => format!("{step}: {e}"),
                    (Some(s), _, Some((i, n, _))) if !s.starts_with("step ") => {
                        format!("{}: step {i} of {n}, {e}", t.phase)
                    }
                    _ => format!("{}: {e}", t.phase),
                };
                if let Some((label, sent, total)) = &t.sending {
                    msg.push_str(&format!(
                        ". Interrupted while writing {label}: {sent} of {total} bytes sent"
                    ));
                }
                if matches!(t.phase, "provision" | "remove") {
                    if t.written.is_empty() && t.sending.is_none() {
                        msg.push_str(". Nothing had been written yet");
                    } else if !t.written.is_empty() {
                        msg.push_str(&format!(". Written before: {}", t.written.join(", ")));
                    }
                    msg.push_str(&format!(
                        ". A rerun is safe: {} starts again from the first step and writes every credential anew",
                        t.phase
                    ));
                }
                if stopped {
                    msg = format!("stopped by Ctrl+C during {msg}");
                }
                self.line.finish(false, &msg);
                report.error = Some(msg);
            }
        }
        if let Some(dir) = &self.transcripts {
            let name: String = self
                .path
                .trim_start_matches('/')
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            let file = dir.join(format!("{name}.txt"));
            match std::fs::write(&file, session.transcript().to_text()) {
                Ok(()) => report.transcript = Some(file.display().to_string()),
                Err(e) => report.notes.push(format!(
                    "cannot save the transcript to {}: {e}",
                    file.display()
                )),
            }
        }
        report
    }

    /// Opens the port at the given rate, or finds the rate as the page does.
    fn open(&self) -> Result<NativeSession, String> {
        let rates: Vec<u32> = match self.baud {
            Some(b) => vec![b],
            None => line::BAUD_PRESETS.to_vec(),
        };
        for &rate in &rates {
            let settings = LineSettings {
                baud: rate,
                ..self.settings.clone()
            };
            if self.baud.is_none() {
                self.line.note(&format!("trying {rate} baud"));
            }
            let mut transport = SerialTransport::open(&self.path, &settings, self.stop.clone())
                .map_err(|e| e.to_string())?;
            let _stale = transport.drain(std::time::Duration::from_millis(30));
            let mut session = Session::new(transport, NativeClock::new(), Default::default());
            let token = session.cancel_token();
            session.transport_mut().set_cancel(token);
            if self.baud.is_some() {
                return Ok(session);
            }
            if futures::executor::block_on(line::answers_at(&mut session)) {
                self.line
                    .note(&format!("the module answers at {rate} baud"));
                return Ok(session);
            }
            if self.stop.is_raised() {
                return Err("stopped by Ctrl+C while finding the baud rate".into());
            }
        }
        Err(format!(
            "no answer to AT at any common baud rate ({}). Check that the module is powered \
             and out of sleep, that TX/RX are not swapped, or give --baud",
            rates
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }

    async fn flows(
        &self,
        session: &mut NativeSession,
        track: &Rc<RefCell<Track>>,
        report: &mut ModuleReport,
    ) -> Result<(), FlowError> {
        track.borrow_mut().phase = "detect";
        // The firmware line decides some families' commands (Options::firmware).
        let mut firmware = None;
        let family = match flows::detect(session).await {
            Ok(id) => {
                firmware.clone_from(&id.firmware);
                report.family = Some(id.family.id());
                report.model = Some(id.model.clone());
                report.firmware.clone_from(&id.firmware);
                report.imei = imei(session.transcript());
                if let Some(wanted) = self.family
                    && wanted != id.family
                {
                    return Err(FlowError::Mismatch {
                        step: "detect".into(),
                        expected: format!("a {wanted} module (--module)"),
                        got: id.to_string(),
                        next: "check which module is on this port, or use --module auto".into(),
                    });
                }
                id.family
            }
            Err(e) => match self.family {
                // Detection is read-only: with the family given, go on and let the flow's
                // own commands decide.
                Some(f) if !matches!(&e, FlowError::Step(s) if matches!(s.failure, Failure::Cancelled | Failure::Transport(_))) =>
                {
                    report
                        .notes
                        .push(format!("detection failed ({e}); using --module {f}"));
                    report.family = Some(f.id());
                    flows::attach(session, f);
                    f
                }
                _ => return Err(e),
            },
        };
        let with_firmware = |opts: &Options| Options {
            firmware: firmware.clone(),
            ..opts.clone()
        };
        match &self.action {
            Action::Detect => Ok(()),
            Action::Provision { files, opts, test } => {
                let opts = &with_firmware(opts);
                let (creds, notes) = files.prepare(family).map_err(|e| FlowError::Mismatch {
                    step: "prepare the credentials".into(),
                    expected: format!("credentials a {family} module accepts"),
                    got: e,
                    next: "fix the files (`atcert lint --module ...` says what the module rejects)"
                        .into(),
                })?;
                report.notes.extend(notes);
                // Until the flow says otherwise, nothing is verified: a failed or stopped
                // run still reports what it set out to write.
                report.credentials = creds
                    .roles()
                    .filter_map(|role| {
                        let c = creds.get(role)?;
                        Some(CredentialReport {
                            role: role_id(role),
                            name: c.name.clone(),
                            sha256: sha256_hex(&c.bytes),
                            bytes: c.bytes.len(),
                            verification: "not verified: the run stopped first".into(),
                            content_verified: false,
                        })
                    })
                    .collect();
                track.borrow_mut().phase = "provision";
                let result = flows::provision(session, family, &creds, opts).await?;
                report.notes.extend(result.notes.iter().cloned());
                report.credentials = result
                    .credentials
                    .iter()
                    .map(|c| {
                        let bytes = creds
                            .get(c.role)
                            .map(|x| x.bytes.as_slice())
                            .unwrap_or_default();
                        CredentialReport {
                            role: role_id(c.role),
                            name: c.name.clone(),
                            sha256: sha256_hex(bytes),
                            bytes: bytes.len(),
                            verification: c.verification.to_string(),
                            content_verified: c.verification.proves_content(),
                        }
                    })
                    .collect();
                if *test {
                    track.borrow_mut().phase = "test";
                    self.test_connection(session, family, opts, report).await?;
                }
                Ok(())
            }
            Action::Remove { files } => {
                let (creds, notes) = files.prepare(family).map_err(|e| FlowError::Mismatch {
                    step: "prepare the credentials".into(),
                    expected: format!("credentials a {family} module accepts"),
                    got: e,
                    next: "give the same files as when provisioning".into(),
                })?;
                report.notes.extend(notes);
                track.borrow_mut().phase = "remove";
                let opts = with_firmware(&Options::default());
                let result = flows::remove(session, family, &creds, &opts).await?;
                report.removed = result
                    .removed
                    .iter()
                    .map(|(role, how)| match how {
                        Some(how) => format!("{} removed ({how})", role_id(*role)),
                        None => format!("{} delete accepted (not checkable)", role_id(*role)),
                    })
                    .collect();
                Ok(())
            }
            Action::Test { opts } => {
                track.borrow_mut().phase = "test";
                self.test_connection(session, family, &with_firmware(opts), report)
                    .await
            }
        }
    }

    async fn test_connection(
        &self,
        session: &mut NativeSession,
        family: Family,
        opts: &Options,
        report: &mut ModuleReport,
    ) -> Result<(), FlowError> {
        let result = flows::test_connection(session, family, opts).await;
        let (ok, bytes, first, error) = match &result {
            Ok(c) => (
                true,
                c.response.len(),
                String::from_utf8_lossy(&c.response)
                    .lines()
                    .next()
                    .map(str::to_owned),
                None,
            ),
            Err(e) => (false, 0, None, Some(e.to_string())),
        };
        report.test = Some(TestReport {
            host: opts.host.clone(),
            port: opts.port,
            ok,
            response_bytes: bytes,
            first_line: first,
            error,
        });
        result.map(|_| ())
    }
}

/// The IMEI where the module volunteered it during detection (SIM7600's `ATI` prints
/// `IMEI: ...`); no command is sent for it.
fn imei(t: &atcert::session::Transcript) -> Option<String> {
    let rx: Vec<u8> = t
        .records()
        .iter()
        .filter(|r| r.direction == atcert::session::Direction::Rx)
        .flat_map(|r| r.bytes.iter().copied())
        .collect();
    String::from_utf8_lossy(&rx).lines().find_map(|l| {
        let v = l.trim().strip_prefix("IMEI:")?.trim();
        (v.len() == 15 && v.bytes().all(|b| b.is_ascii_digit())).then(|| v.to_owned())
    })
}

/// Progress display: bars on a terminal, plain lines otherwise.
enum Ui {
    Bars(indicatif::MultiProgress),
    Plain,
}

#[derive(Clone)]
enum Line {
    Bar(indicatif::ProgressBar),
    Plain(String),
}

impl Ui {
    fn new(plain: bool, _count: usize) -> Self {
        use std::io::IsTerminal as _;
        if plain || !std::io::stderr().is_terminal() {
            Self::Plain
        } else {
            Self::Bars(indicatif::MultiProgress::new())
        }
    }

    fn line(&self, path: &str, width: usize) -> Line {
        match self {
            Self::Bars(m) => {
                let bar = m.add(indicatif::ProgressBar::new(1));
                let style = indicatif::ProgressStyle::with_template(
                    "{prefix:.bold} [{bar:16}] {pos:>2}/{len:2} {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> ");
                bar.set_style(style);
                bar.set_prefix(format!("{path:<width$}"));
                Line::Bar(bar)
            }
            Self::Plain => Line::Plain(path.to_owned()),
        }
    }

    fn done(&self) {
        if let Self::Bars(m) = self {
            let _ = m.clear();
        }
    }
}

impl Line {
    fn step(&self, phase: &str, index: usize, total: usize, label: &str) {
        match self {
            Self::Bar(b) => {
                b.set_length(total as u64);
                b.set_position(index as u64);
                b.set_message(format!("{phase}: {label}"));
            }
            Self::Plain(p) => eprintln!("{p}: {phase} step {index}/{total}: {label}"),
        }
    }

    fn sending(&self, phase: &str, label: &str, sent: usize, total: usize, written: u64) {
        match self {
            Self::Bar(b) => b.set_message(format!(
                "{phase}: {label} ({sent}/{total} bytes, {written} sent in all)"
            )),
            Self::Plain(p) if sent >= total => {
                eprintln!("{p}: sent {total} bytes ({written} in all)");
            }
            Self::Plain(_) => {}
        }
    }

    fn note(&self, text: &str) {
        match self {
            Self::Bar(b) => b.set_message(text.to_owned()),
            Self::Plain(p) => eprintln!("{p}: {text}"),
        }
    }

    fn finish(&self, ok: bool, text: &str) {
        match self {
            Self::Bar(b) => {
                b.abandon_with_message(if ok {
                    format!("ok: {text}")
                } else {
                    format!("FAILED: {text}")
                });
            }
            Self::Plain(p) => eprintln!("{p}: {} {text}", if ok { "ok:" } else { "FAILED:" }),
        }
    }
}
