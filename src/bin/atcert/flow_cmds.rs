//! `atcert plan` and `atcert simulate`: the provisioning flows from the command line.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use atcert::modules::{self, Credentials, Family, Options, Plan, prepare};

/// The credentials and connection a flow works with.
#[derive(Debug, clap::Args)]
pub struct FlowArgs {
    // The help names every family from the one list (`Family::ALL`).
    #[arg(long, value_name = "NAME", help = crate::module_help())]
    module: Family,
    /// Root CA certificate (PEM or DER); required except by `simulate --pty`.
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// Client certificate for mutual TLS (PEM or DER).
    #[arg(long, value_name = "FILE", requires = "key")]
    cert: Option<PathBuf>,
    /// Client private key (PEM or DER).
    #[arg(long, value_name = "FILE", requires = "cert")]
    key: Option<PathBuf>,
    /// Server for the test connection; without it no test connection is planned.
    #[arg(long, value_name = "HOST")]
    host: Option<String>,
    #[arg(long, default_value_t = 443)]
    port: u16,
    /// Cellular APN for bearer bring-up before the test connection.
    #[arg(long)]
    apn: Option<String>,
    /// Time to set the module clock to: `now`, seconds since 1970 (UTC), or `none`.
    #[arg(long, default_value = "now", value_name = "WHEN")]
    time: String,
}

/// Which flow `atcert plan` prints.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum FlowKind {
    /// Clock, credentials, verification, TLS settings (and the test connection with --host).
    Provision,
    /// Delete the credentials and check they are gone.
    Remove,
    /// TLS settings only.
    Configure,
    /// The test connection only.
    Test,
}

/// `atcert plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    #[command(flatten)]
    flow: FlowArgs,
    /// The flow to print.
    #[arg(long = "flow", value_enum, default_value = "provision")]
    flow_kind: FlowKind,
    /// Print the exact bytes written to the module, nothing else.
    #[arg(long)]
    raw: bool,
}

fn read(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

pub fn unix_time(when: &str) -> anyhow::Result<Option<u64>> {
    match when {
        "none" => Ok(None),
        "now" => Ok(Some(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .context("the system clock is before 1970")?
                .as_secs(),
        )),
        n => n
            .parse()
            .map(Some)
            .with_context(|| format!("--time takes now, none or seconds since 1970, not '{n}'")),
    }
}

impl FlowArgs {
    fn ca(&self) -> anyhow::Result<&PathBuf> {
        self.ca
            .as_ref()
            .context("--ca FILE is required: the root CA certificate to write")
    }

    /// The files, linted against the module's rules and converted to what it stores. The
    /// lint's findings (fixes made, warnings) go to stderr, so `--raw` output stays exact.
    pub fn credentials(&self) -> anyhow::Result<Credentials> {
        let ca = read(self.ca()?)?;
        let cert = self.cert.as_ref().map(read).transpose()?;
        let key = self.key.as_ref().map(read).transpose()?;
        let now = unix_time("now")?.and_then(|t| i64::try_from(t).ok());
        let ctx = atcert::cert::lint::LintContext {
            now,
            ..Default::default()
        };
        let (creds, reports) = prepare::from_lint(
            self.module,
            Some(&ca),
            cert.as_deref(),
            key.as_deref(),
            &ctx,
        )?;
        for report in &reports {
            for finding in &report.findings {
                eprintln!("lint ({}): {finding}", report.role);
            }
        }
        Ok(creds)
    }

    pub fn options(&self) -> anyhow::Result<Options> {
        let mut opts = Options {
            unix_time: unix_time(&self.time)?,
            port: self.port,
            apn: self.apn.clone(),
            ..Options::default()
        };
        if let Some(h) = &self.host {
            opts.host.clone_from(h);
        }
        Ok(opts)
    }

    /// Provisioning, then the test connection when a host was given.
    pub fn plans(&self) -> anyhow::Result<Vec<Plan>> {
        let creds = self.credentials()?;
        let opts = self.options()?;
        let mut plans = vec![modules::plan_provision(self.module, &creds, &opts)?];
        if self.host.is_some() {
            plans.push(modules::plan_test_connection(self.module, &opts)?);
        }
        Ok(plans)
    }
}

/// Prints the plan: readable with control characters shown, or the raw bytes.
pub fn plan(args: &PlanArgs) -> anyhow::Result<()> {
    let f = &args.flow;
    let plans = match args.flow_kind {
        FlowKind::Provision => f.plans()?,
        FlowKind::Remove => vec![modules::plan_remove(
            f.module,
            &f.credentials()?,
            &f.options()?,
        )?],
        FlowKind::Configure => vec![modules::plan_configure_tls(
            f.module,
            &f.credentials()?,
            &f.options()?,
        )?],
        FlowKind::Test => vec![modules::plan_test_connection(f.module, &f.options()?)?],
    };
    let mut out = std::io::stdout().lock();
    for p in &plans {
        if args.raw {
            out.write_all(&p.raw_bytes())?;
        } else {
            out.write_all(p.render().as_bytes())?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

/// `atcert simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    flow: FlowArgs,
    /// The root CA that signs the simulated server's chain (default: the --ca given, so the
    /// connection succeeds). Give another CA to see how the module reports a mismatch.
    #[arg(long, value_name = "FILE")]
    server_ca: Option<PathBuf>,
    /// Make the simulated server require a client certificate issued by this CA.
    #[arg(long, value_name = "FILE")]
    client_ca: Option<PathBuf>,
    /// Faults to inject: disconnect-at=N (host bytes), noise-at=N (a URC before module byte
    /// N), noise (URC-looking noise every 64 module bytes), error-on=PREFIX (the module
    /// answers its error to commands starting with PREFIX), slow=MS (extra answer latency),
    /// corrupt (the module stores one byte other than sent in every upload). With --pty,
    /// disconnect-at closes the pty, as a pulled cable.
    #[arg(long, value_name = "FAULT")]
    fault: Vec<String>,
    /// Serve the simulated module on a pseudo-terminal until stopped (Ctrl+C): prints the
    /// device path, which atcert, a terminal program or your own tooling can open.
    #[arg(long)]
    pty: bool,
    /// With --pty: the baud rate the module's answers are paced at.
    #[arg(long, default_value_t = 115_200, requires = "pty")]
    baud: u32,
    /// With --pty: keep this JSON file up to date with what the module stores (name,
    /// SHA-256, size, base64 content).
    #[arg(long, value_name = "FILE.json", requires = "pty")]
    storage: Option<PathBuf>,
}

fn der_of(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    if bytes.starts_with(b"-----BEGIN") || bytes.iter().take(64).all(u8::is_ascii) {
        let text = std::str::from_utf8(bytes).context("the certificate is neither PEM nor DER")?;
        let start = text
            .find("-----BEGIN")
            .context("no PEM block in the certificate file")?;
        let block = text.get(start..).unwrap_or(text).replace("\r\n", "\n");
        let end = block
            .find("-----END")
            .and_then(|e| block.get(e + 8..)?.find("-----").map(|d| e + 8 + d + 5))
            .unwrap_or(block.len());
        let (_, der) = pem_rfc7468::decode_vec(block.get(..end).unwrap_or(&block).as_bytes())
            .map_err(|e| anyhow::anyhow!("cannot decode the PEM certificate: {e}"))?;
        Ok(der)
    } else {
        Ok(bytes.to_vec())
    }
}

struct Faults {
    line: atcert::sim::LineFaults,
    module: atcert::sim::Faults,
}

fn parse_faults(specs: &[String]) -> anyhow::Result<Faults> {
    let mut f = Faults {
        line: atcert::sim::LineFaults::default(),
        module: atcert::sim::Faults::default(),
    };
    const URC: &[u8] = b"\r\n+CEREG: 1\r\n";
    for spec in specs {
        let (name, value) = spec.split_once('=').unwrap_or((spec.as_str(), ""));
        let number = || {
            value
                .parse::<u64>()
                .with_context(|| format!("--fault {name} takes a number, not '{value}'"))
        };
        match name {
            "disconnect-at" => f.line.disconnect_after_host_bytes = Some(number()?),
            "noise-at" => f.line.inject.push((number()?, URC.to_vec())),
            "noise" => f
                .line
                .inject
                .extend((0..64).map(|i| (i * 64, URC.to_vec()))),
            "error-on" => f.module.error_on_prefix.push(value.to_owned()),
            "slow" => f.module.extra_latency = std::time::Duration::from_millis(number()?),
            "corrupt" => f.module.corrupt_data = true,
            other => anyhow::bail!(
                "unknown fault '{other}'; use disconnect-at=N, noise-at=N, noise, error-on=PREFIX, slow=MS or corrupt"
            ),
        }
    }
    Ok(f)
}

/// Runs provisioning and a test connection against a simulated module; prints the
/// transcript and the verdict.
pub fn simulate(args: &SimulateArgs) -> anyhow::Result<()> {
    use atcert::modules::flows;
    use atcert::session::{Session, SessionOptions};
    use atcert::sim::{LineConfig, Server, ServerModel, VirtualClock};

    if args.pty {
        return simulate_pty(args);
    }
    let family = args.flow.module;
    let creds = args.flow.credentials()?;
    let mut opts = args.flow.options()?;
    if args.flow.host.is_none() {
        "localhost".clone_into(&mut opts.host);
    }
    let root = match &args.server_ca {
        Some(f) => der_of(&read(f)?)?,
        None => der_of(&read(args.flow.ca()?)?)?,
    };
    let mut server = ServerModel::new(Vec::new(), root);
    if let Some(ca) = &args.client_ca {
        server.client_ca = Some(der_of(&read(ca)?)?);
    }
    let faults = parse_faults(&args.fault)?;
    let module = atcert::sim::module(family, Server::Model(server));
    module.set_faults(faults.module);
    let clock = VirtualClock::new();
    let port = module.port_with_faults(clock.clone(), LineConfig::default(), faults.line);
    let mut session = Session::new(
        port,
        clock.clone(),
        SessionOptions::with_engine(family.engine_config()),
    );
    flows::attach(&mut session, family);
    let result = futures::executor::block_on(async {
        let report = flows::provision(&mut session, family, &creds, &opts).await?;
        let conn = flows::test_connection(&mut session, family, &opts).await?;
        Ok::<_, flows::FlowError>((report, conn))
    });
    let mut out = std::io::stdout().lock();
    writeln!(out, "# transcript ({family}, 115200 baud, virtual time)")?;
    out.write_all(transcript_lines(session.transcript()).as_bytes())?;
    writeln!(out, "\n# verdict")?;
    match result {
        Ok((report, conn)) => {
            write!(out, "{report}")?;
            writeln!(
                out,
                "test connection to {}:{}: {} bytes received:\n{}",
                conn.host,
                conn.port,
                conn.response.len(),
                String::from_utf8_lossy(&conn.response)
            )?;
            Ok(())
        }
        Err(e) => {
            writeln!(out, "FAILED: {e}")?;
            anyhow::bail!("the simulated flow failed (verdict above)")
        }
    }
}

/// The transcript one line per line: the simulator paces bytes one at a time, so records
/// are joined per direction up to each line feed, stamped with their first byte's time.
pub fn transcript_lines(t: &atcert::session::Transcript) -> String {
    use atcert::session::{Direction, escape};
    use std::fmt::Write as _;
    let mut out = String::new();
    let mut current: Option<(Direction, u64, Vec<u8>)> = None;
    let flush = |out: &mut String, c: &mut Option<(Direction, u64, Vec<u8>)>| {
        if let Some((d, at, bytes)) = c.take() {
            let _ = writeln!(
                out,
                "[{:>5}.{:03}] {} {}",
                at / 1_000_000,
                at / 1000 % 1000,
                d.marker(),
                escape(&bytes)
            );
        }
    };
    for r in t.records() {
        for &b in &r.bytes {
            match &mut current {
                Some((d, _, bytes)) if *d == r.direction => bytes.push(b),
                _ => {
                    flush(&mut out, &mut current);
                    current = Some((r.direction, r.at.as_micros(), vec![b]));
                }
            }
            if b == b'\n' {
                flush(&mut out, &mut current);
            }
        }
    }
    flush(&mut out, &mut current);
    out
}

/// `atcert simulate --pty`: the module on a pseudo-terminal, paced in real time.
#[cfg(unix)]
fn simulate_pty(args: &SimulateArgs) -> anyhow::Result<()> {
    use atcert::serial::pty;
    use atcert::sim::{LineConfig, Server, ServerModel};

    let family = args.flow.module;
    let mut server = ServerModel::default();
    if let Some(ca) = args.server_ca.as_ref().or(args.flow.ca.as_ref()) {
        server = ServerModel::new(Vec::new(), der_of(&read(ca)?)?);
    }
    if let Some(ca) = &args.client_ca {
        server.client_ca = Some(der_of(&read(ca)?)?);
    }
    let faults = parse_faults(&args.fault)?;
    let module = atcert::sim::module(family, Server::Model(server));
    module.set_faults(faults.module);
    let pty = pty::Pty::open().context("cannot open a pseudo-terminal")?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", pty.path())?;
        out.flush()?;
    }
    eprintln!(
        "A simulated {family} answers on {} at {} baud; stop with Ctrl+C.",
        pty.path(),
        args.baud
    );
    let line = LineConfig {
        baud: args.baud,
        ..LineConfig::default()
    };
    let storage = args.storage.clone();
    let ended = pty::serve(pty, &module, line, faults.line, |stored| {
        if let Some(file) = &storage
            && let Err(e) = write_storage(file, family, stored)
        {
            eprintln!("cannot write {}: {e}", file.display());
        }
    })?;
    match ended {
        pty::Ended::Disconnected(why) => {
            eprintln!("The pseudo-terminal is closed: {why}.");
            Ok(())
        }
    }
}

#[cfg(not(unix))]
fn simulate_pty(_: &SimulateArgs) -> anyhow::Result<()> {
    anyhow::bail!("--pty needs a Unix pseudo-terminal (Linux, macOS)")
}

/// Writes the module's storage as JSON, through a temporary file so readers never see
/// half of it.
#[cfg(unix)]
fn write_storage(
    file: &std::path::Path,
    family: Family,
    stored: &std::collections::BTreeMap<String, Vec<u8>>,
) -> anyhow::Result<()> {
    use base64ct::Encoding as _;
    use sha2::Digest as _;
    let entries: serde_json::Map<String, serde_json::Value> = stored
        .iter()
        .map(|(name, bytes)| {
            let sha: String = sha2::Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            (
                name.clone(),
                serde_json::json!({
                    "sha256": sha,
                    "bytes": bytes.len(),
                    "base64": base64ct::Base64::encode_string(bytes),
                }),
            )
        })
        .collect();
    let json = serde_json::json!({ "family": family.id(), "storage": entries });
    let tmp = file.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_string_pretty(&json)?)?;
    std::fs::rename(&tmp, file)?;
    Ok(())
}
