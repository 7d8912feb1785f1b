//! `atcert plan` and `atcert simulate`: the provisioning flows from the command line.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use atcert::modules::{self, Credentials, Family, Options, Plan, prepare};

/// The credentials and connection a flow works with.
#[derive(Debug, clap::Args)]
pub struct FlowArgs {
    /// Module family or model: sim800, sim7600, spwf04, telit-legacy, telit-le910, ichip
    /// (model names such as SIM7600E-H or GL865 work too).
    #[arg(long, value_name = "NAME")]
    module: Family,
    /// Root CA certificate (PEM or DER).
    #[arg(long, value_name = "FILE")]
    ca: PathBuf,
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

/// `atcert plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    #[command(flatten)]
    flow: FlowArgs,
    /// Print the exact bytes written to the module, nothing else.
    #[arg(long)]
    raw: bool,
}

fn read(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn unix_time(when: &str) -> anyhow::Result<Option<u64>> {
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
    pub fn credentials(&self) -> anyhow::Result<Credentials> {
        let ca = read(&self.ca)?;
        let cert = self.cert.as_ref().map(read).transpose()?;
        let key = self.key.as_ref().map(read).transpose()?;
        Ok(prepare::prepare(
            self.module,
            Some(&ca),
            cert.as_deref(),
            key.as_deref(),
        )?)
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
    let plans = args.flow.plans()?;
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
