//! `atcert lint` and `atcert generate`: check credentials against a module's rules and
//! write the bytes to send; make a private CA with server and client certificates.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use atcert::cert::generate::{self, GenerateOptions, KeyAlgorithm, San, Subject};
use atcert::cert::lint::{
    self, Destination, Encoding, LintContext, LintReport, Role, Severity, Storage,
};
use atcert::modules::Family;
use atcert::modules::rules::rules;

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum RoleArg {
    /// The CA certificate the module trusts.
    Ca,
    /// The module's client certificate.
    Cert,
    /// The client certificate's private key.
    Key,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Ca => Role::Ca,
            RoleArg::Cert => Role::ClientCert,
            RoleArg::Key => Role::ClientKey,
        }
    }
}

/// Check credentials against what a module accepts; show what it would reject, the fixes,
/// and the file or slot to use; write the fixed bytes with --out.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    #[arg(long, help = crate::module_help())]
    module: Family,
    /// Credential files (PEM or DER).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The role of every file; guessed from each file's content when omitted.
    #[arg(long, value_enum)]
    role: Option<RoleArg>,
    /// Write the bytes to send, one file per input, into this folder.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Password of an encrypted (PKCS#8) private key.
    #[arg(long)]
    password: Option<String>,
    /// The module's clock, unix seconds (as read with AT+CCLK? / AT+S.TIME).
    #[arg(long)]
    module_clock: Option<i64>,
    /// The time to check dates against, unix seconds (default: now).
    #[arg(long)]
    now: Option<i64>,
}

/// Make a private CA, a server certificate and a client certificate; with --module, also
/// write the module's CA, client certificate and key in the form it needs.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Folder to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Key algorithm: rsa2048, rsa3072 or p256.
    #[arg(long, default_value = "rsa2048")]
    key: KeyAlgorithm,
    /// Validity in days from now.
    #[arg(long, default_value_t = 365)]
    days: u32,
    #[arg(long, default_value = "atcert test CA")]
    ca_cn: String,
    #[arg(long, default_value = "localhost")]
    server_cn: String,
    /// Server subject alternative names: DNS:name or IP:address (repeatable). Default:
    /// DNS:localhost and IP:127.0.0.1.
    #[arg(long = "san")]
    sans: Vec<San>,
    #[arg(long, default_value = "atcert client")]
    client_cn: String,
    /// Organization (O) of all three certificates.
    #[arg(long)]
    org: Option<String>,
    /// Two-letter country (C) of all three certificates.
    #[arg(long)]
    country: Option<String>,
    /// Also write the module's files in the form this module needs.
    #[arg(long)]
    module: Option<Family>,
    /// Start of validity, unix seconds (default: now).
    #[arg(long)]
    now: Option<i64>,
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The destination as the person at the terminal knows it. Slots are Telit's only: name the
/// command that writes one (`AT#SSLSECDATA=<SSId>,1,<DataType>`, modules/telit.rs).
fn where_to(destination: &Destination) -> String {
    match destination {
        Destination::Slot { ssid, data_type } => format!("AT#SSLSECDATA={ssid},1,{data_type}"),
        other => other.to_string(),
    }
}

fn print_report(label: &str, report: &LintReport) {
    println!("== {label}: {} for {}", report.role, report.family);
    for f in &report.findings {
        println!("  {f}");
    }
    match &report.output {
        Some(out) => println!(
            "  send: {} bytes of {} to {}{}",
            out.bytes.len(),
            match out.encoding {
                Encoding::Pem => "PEM",
                Encoding::Der => "DER",
            },
            where_to(&out.destination),
            if report.is_ok() {
                ""
            } else {
                " (the module will still reject it: see the errors above)"
            }
        ),
        None => println!("  nothing to send"),
    }
}

/// A file name for the fixed bytes: the module's own name where it has one.
fn out_name(report: &LintReport) -> Option<String> {
    let out = report.output.as_ref()?;
    let ext = match out.encoding {
        Encoding::Pem => "pem",
        Encoding::Der => "der",
    };
    let role = match report.role {
        Role::Ca => "ca",
        Role::ClientCert => "client-cert",
        Role::ClientKey => "client-key",
    };
    Some(match out.storage {
        Storage::File { path } => path.rsplit(['\\', '/']).next().unwrap_or(path).to_owned(),
        Storage::FileByEncoding { .. } | Storage::SkiFile { .. } => out
            .destination
            .to_string()
            .trim_start_matches('/')
            .to_owned(),
        Storage::Slot { .. } | Storage::Parameter { .. } => format!("{role}.{ext}"),
    })
}

fn write_file(dir: &Path, name: &str, bytes: &[u8], secret: bool) -> anyhow::Result<PathBuf> {
    let path = dir.join(name);
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    use std::io::Write;
    opts.open(&path)
        .and_then(|mut f| f.write_all(bytes))
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

pub fn lint(args: LintArgs) -> anyhow::Result<()> {
    let rules = rules(args.module);
    let ctx = LintContext {
        now: Some(args.now.unwrap_or_else(unix_now)),
        module_clock: args.module_clock,
        password: args.password.as_deref().map(str::as_bytes),
    };
    if let Some(dir) = &args.out {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut rejected = 0;
    let mut linted = 0;
    let mut written = std::collections::HashSet::new();
    let mut client: [Option<Vec<u8>>; 2] = [None, None];
    for file in &args.files {
        let bytes = fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        // Parsed once: the guess and every role's lint read the same items.
        let parsed = lint::parse_bytes(&bytes, &ctx);
        let roles = match args.role {
            Some(r) => vec![Role::from(r)],
            None => lint::guess(&parsed)
                .into_iter()
                .map(lint::RoleGuess::lint_as)
                .collect(),
        };
        if roles.is_empty() {
            bail!(
                "{}: no certificate or key found to guess its role; check the file, or give \
                 --role",
                file.display()
            );
        }
        for role in roles {
            match role {
                Role::ClientCert => client[0] = Some(bytes.clone()),
                Role::ClientKey => client[1] = Some(bytes.clone()),
                Role::Ca => {}
            }
            let input = lint::Parsed {
                bytes: &bytes,
                outcome: &parsed,
            };
            let report = lint::lint_parsed(&rules, role, input, &ctx);
            print_report(&file.display().to_string(), &report);
            linted += 1;
            if !report.is_ok() {
                rejected += 1;
            }
            let (Some(dir), Some(mut name), Some(out)) =
                (&args.out, out_name(&report), &report.output)
            else {
                continue;
            };
            // Two inputs for the same slot: keep both, the second named after its file.
            if !written.insert(name.clone()) {
                let stem = file
                    .file_stem()
                    .map(|s| s.to_string_lossy())
                    .unwrap_or_default();
                name = format!("{stem}-{name}");
            }
            let path = write_file(dir, &name, &out.bytes, role == Role::ClientKey)?;
            println!("  wrote {}", path.display());
        }
    }
    // Given together, the client certificate and key must belong together.
    if let [Some(cert), Some(key)] = &client {
        let set = lint::lint_set(&rules, None, Some(cert), Some(key), &ctx);
        if !set.findings.is_empty() {
            println!("== client certificate and key together");
        }
        for f in &set.findings {
            println!("  {f}");
            if f.is_blocking() {
                rejected += 1;
            }
        }
    }
    if rejected > 0 {
        bail!(
            "the {} would reject what was given: {rejected} of {linted} check(s) found errors \
             atcert cannot fix; see above",
            args.module
        );
    }
    Ok(())
}

pub fn generate(args: GenerateArgs) -> anyhow::Result<()> {
    let now = args.now.unwrap_or_else(unix_now);
    let subject = |cn: &str| Subject {
        common_name: cn.to_owned(),
        organization: args.org.clone(),
        organizational_unit: None,
        country: args.country.clone(),
    };
    let mut opts = GenerateOptions::new(now);
    opts.key = args.key;
    opts.days = args.days;
    opts.ca = subject(&args.ca_cn);
    opts.server = subject(&args.server_cn);
    opts.client = subject(&args.client_cn);
    if !args.sans.is_empty() {
        opts.server_sans = args.sans.clone();
    }
    let module_rules = args.module.map(rules);
    if let Some(r) = &module_rules {
        opts.fit_to(r)?;
    }
    let set = generate::generate(&opts, &mut rand_core::OsRng)?;
    let dir = &args.out;
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let files = [
        ("ca.pem", set.ca.cert_pem(), false),
        ("ca.key", set.ca.key_pem(), true),
        ("server.pem", set.server_chain_pem(), false),
        ("server.key", set.server.key_pem(), true),
        ("client.pem", set.client.cert_pem(), false),
        ("client.key", set.client.key_pem(), true),
    ];
    for (name, text, secret) in &files {
        let path = write_file(dir, name, text.as_bytes(), *secret)?;
        println!("wrote {}", path.display());
    }
    if let (Some(family), Some(r)) = (args.module, &module_rules) {
        let mdir = dir.join(family.id());
        fs::create_dir_all(&mdir).with_context(|| format!("cannot create {}", mdir.display()))?;
        for report in set.module_files(r, now) {
            print_report(family.id(), &report);
            if report
                .findings
                .iter()
                .any(|f| f.severity == Severity::Error && f.fix.is_none())
            {
                println!("  (the generated credential does not suit this module: see above)");
            }
            if let (Some(name), Some(out)) = (out_name(&report), &report.output) {
                let path = write_file(&mdir, &name, &out.bytes, report.role == Role::ClientKey)?;
                println!("  wrote {}", path.display());
            }
        }
    }
    println!(
        "test server: openssl s_server -accept 127.0.0.1:8443 -cert {0}/server.pem -key {0}/server.key -CAfile {0}/ca.pem -Verify 1 -www",
        dir.display()
    );
    Ok(())
}
