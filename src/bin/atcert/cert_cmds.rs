//! `atcert inspect` and `atcert convert`: thin shells over `atcert::cert`.

use anyhow::{Context, Result, bail};
use atcert::cert::{
    self, Item, ItemKind, LineEnding, ParseOutcome,
    convert::{ConvertOptions, Target, convert},
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Show what certificates and keys hold: subject, issuer, validity, fingerprints, SKI/AKI,
/// key type; order chains and pair keys with certificates.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Files: PEM (any number of blocks), DER, base64, PKCS#12 (.p12/.pfx), PKCS#7 (.p7b).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Passphrase for encrypted keys and PKCS#12 files.
    #[arg(long, alias = "passphrase")]
    password: Option<String>,
    /// The time to judge validity against, unix seconds (default: now).
    #[arg(long)]
    now: Option<i64>,
    /// When a chain's root is missing and the Mozilla root store has it, write it here (PEM).
    #[arg(long)]
    save_root: Option<PathBuf>,
}

/// Convert certificates and keys: PEM/DER, PKCS#1/PKCS#8/SEC1, line endings, split bundles.
#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// Input file (any form `inspect` reads).
    file: PathBuf,
    /// Target: pem, der, pkcs1, pkcs8 or sec1.
    #[arg(long)]
    to: Target,
    /// Line ending for PEM output: lf, crlf or cr.
    #[arg(long, default_value = "lf", value_parser = parse_line_ending)]
    line_ending: LineEnding,
    /// With --to pkcs1/pkcs8/sec1: write DER instead of PEM.
    #[arg(long)]
    der: bool,
    /// One file per item.
    #[arg(long)]
    split: bool,
    /// Output file (one output) or directory (several). Default: stdout for one PEM output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Passphrase for encrypted keys and PKCS#12 files.
    #[arg(long, alias = "passphrase")]
    password: Option<String>,
}

fn parse_line_ending(s: &str) -> Result<LineEnding, String> {
    match s.to_ascii_lowercase().as_str() {
        "lf" => Ok(LineEnding::Lf),
        "crlf" => Ok(LineEnding::Crlf),
        "cr" => Ok(LineEnding::Cr),
        other => Err(format!(
            "unknown line ending \"{other}\"; use lf, crlf or cr"
        )),
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn read(path: &Path, password: Option<&str>) -> Result<ParseOutcome> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(cert::parse(&bytes, password))
}

fn where_(item: &Item) -> String {
    match item.source.format {
        cert::SourceFormat::Pem => item.source.location.to_string(),
        other => format!(
            "{} {}",
            format!("{other:?}").to_uppercase(),
            item.source.location
        ),
    }
}

/// Prints one item; `info` is its inspection from the report (certificates only).
fn print_item(item: &Item, info: Option<&cert::inspect::CertInfo>) {
    println!("  {} [{}]", item.describe(), where_(item));
    for n in &item.notes {
        println!("    note:        {n}");
    }
    match item.kind {
        ItemKind::Certificate => {
            let Some(i) = info else { return };
            println!("    subject:     {}", i.subject);
            println!("    issuer:      {}", i.issuer);
            println!("    serial:      {}", i.serial);
            println!(
                "    valid:       {} .. {} ({})",
                i.not_before, i.not_after, i.validity.text
            );
            let key = match (&i.curve, i.key_bits) {
                (Some(c), _) => format!("{} {c}", i.key_algorithm),
                (None, Some(b)) => format!("{} {b} bits", i.key_algorithm),
                _ => i.key_algorithm.clone(),
            };
            println!("    key:         {key}");
            println!("    signature:   {}", i.signature_algorithm);
            println!("    sha1:        {}", i.sha1);
            println!("    sha256:      {}", i.sha256);
            println!(
                "    ski:         {}{}",
                i.ski,
                if i.ski_computed {
                    " (computed: no SKI extension)"
                } else {
                    ""
                }
            );
            if let Some(a) = &i.aki {
                println!("    aki:         {a}");
            }
            let ca = if i.is_ca {
                match i.path_len {
                    Some(p) => format!("CA (path length {p})"),
                    None => "CA".to_string(),
                }
            } else {
                "end entity".to_string()
            };
            println!(
                "    type:        {ca}{}",
                if i.self_signed {
                    ", self-signed (root)"
                } else {
                    ""
                }
            );
            if !i.key_usage.is_empty() {
                println!("    key usage:   {}", i.key_usage.join(", "));
            }
            if !i.extended_key_usage.is_empty() {
                println!("    ext. usage:  {}", i.extended_key_usage.join(", "));
            }
            if !i.subject_alt_names.is_empty() {
                println!("    alt names:   {}", i.subject_alt_names.join(", "));
            }
            println!("    size:        {} bytes DER", i.der_len);
        }
        ItemKind::PrivateKey => {
            if let Some(k) = &item.private_key {
                let info = k.info();
                let size = match (&info.curve, info.bits) {
                    (Some(c), _) => c.clone(),
                    (None, Some(b)) => format!("{b} bits"),
                    _ => String::new(),
                };
                println!("    key:         {} {size}", info.algorithm);
            }
            if let Some(p) = &item.protection {
                println!("    was encrypted: {} ({})", p.scheme, p.container);
            }
        }
        ItemKind::PublicKey => {
            if let Some(k) = item.public_key() {
                let info = k.info();
                println!(
                    "    key:         {} {}",
                    info.algorithm,
                    info.curve
                        .or(info.bits.map(|b| format!("{b} bits")))
                        .unwrap_or_default()
                );
            }
        }
        _ => {}
    }
}

/// Runs `atcert inspect`.
pub fn inspect(args: InspectArgs) -> Result<()> {
    let now = args.now.unwrap_or_else(now_unix);
    // One combined outcome, so chains and key matches work across files.
    let mut all = ParseOutcome::default();
    let mut item_file = Vec::new();
    let mut problem_file = Vec::new();
    for f in &args.files {
        let out = read(f, args.password.as_deref())?;
        item_file.extend(std::iter::repeat_n(f.clone(), out.items.len()));
        problem_file.extend(std::iter::repeat_n(f.clone(), out.problems.len()));
        all.items.extend(out.items);
        all.problems.extend(out.problems);
    }
    let report = cert::report::report(&all, now);
    // A chain without its root: offer the root from the bundled Mozilla store.
    let mozilla: Vec<Option<cert::roots::RootMatch>> = report
        .chains
        .iter()
        .map(|c| match (c.has_root, c.order.last()) {
            (false, Some(top)) => cert::roots::find_mozilla_issuer(&all.items[*top].der),
            _ => None,
        })
        .collect();
    if let Some(path) = &args.save_root {
        let found: Vec<&cert::roots::RootMatch> = mozilla.iter().flatten().collect();
        match found.first() {
            Some(m) => {
                std::fs::write(
                    path,
                    cert::pem::encode("CERTIFICATE", &m.der, LineEnding::Lf),
                )
                .with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!(
                    "wrote the missing root \"{}\" to {}",
                    m.subject,
                    path.display()
                );
            }
            None => bail!("no missing root was found in the Mozilla root store"),
        }
    }

    if args.json {
        let mut v = serde_json::to_value(&report)?;
        if let Some(items) = v["items"].as_array_mut() {
            for (i, item) in items.iter_mut().enumerate() {
                item["file"] = json!(item_file[i].display().to_string());
            }
        }
        if let Some(problems) = v["problems"].as_array_mut() {
            for (i, p) in problems.iter_mut().enumerate() {
                p["file"] = json!(problem_file[i].display().to_string());
            }
        }
        if let Some(chains) = v["chains"].as_array_mut() {
            for (i, c) in chains.iter_mut().enumerate() {
                c["mozilla_root"] = match &mozilla[i] {
                    Some(m) => {
                        json!({"subject": m.subject, "sha256": sha256_hex(&m.der), "signature": m.signature})
                    }
                    None => Value::Null,
                };
            }
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        let items = &all.items;
        let mut last: Option<&PathBuf> = None;
        for (n, item) in items.iter().enumerate() {
            if last != Some(&item_file[n]) {
                println!("{}:", item_file[n].display());
                last = Some(&item_file[n]);
            }
            print_item(item, report.items[n].certificate.as_ref());
        }
        let certs = items
            .iter()
            .filter(|i| i.kind == ItemKind::Certificate)
            .count();
        if certs > 1 || report.chains.iter().any(|c| !c.has_root) {
            println!("chains:");
            for (ci, c) in report.chains.iter().enumerate() {
                let names: Vec<String> = c
                    .order
                    .iter()
                    .map(|i| {
                        report.items[*i]
                            .certificate
                            .as_ref()
                            .map(|x| x.subject.clone())
                            .unwrap_or_default()
                    })
                    .collect();
                println!("  {}", names.join("  <-  "));
                for (n, l) in c.links.iter().enumerate() {
                    println!("    signature of {} by {}: {}", n + 1, n + 2, sig_text(l));
                }
                println!("    {}", c.advice);
                if let Some(m) = &mozilla[ci] {
                    println!(
                        "    found in the Mozilla root store: \"{}\" (sha256 {}); save it with --save-root FILE",
                        m.subject,
                        sha256_hex(&m.der)
                    );
                }
            }
        }
        for (k, c) in &report.key_matches {
            println!(
                "{} [{}] matches the certificate [{}]",
                items[*k].describe(),
                where_(&items[*k]),
                where_(&items[*c])
            );
        }
        if certs > 0 {
            for k in &report.keys_without_cert {
                println!(
                    "{} [{}] matches none of the certificates",
                    items[*k].describe(),
                    where_(&items[*k])
                );
            }
        }
    }
    let problems: Vec<(PathBuf, cert::ParseProblem)> =
        problem_file.into_iter().zip(all.problems).collect();
    report_problems(&problems)
}

fn sig_text(s: &cert::verify::SigCheck) -> String {
    use cert::verify::SigCheck;
    match s {
        SigCheck::Valid => "valid".into(),
        SigCheck::Invalid => "INVALID (not signed by this issuer)".into(),
        SigCheck::Unsupported(a) => format!("not checked ({a})"),
        SigCheck::Malformed(d) => format!("could not check ({d})"),
    }
}

fn sha256_hex(d: &[u8]) -> String {
    use sha2::Digest;
    cert::hex(&sha2::Sha256::digest(d))
}

fn report_problems(problems: &[(PathBuf, cert::ParseProblem)]) -> Result<()> {
    for (f, p) in problems {
        eprintln!("error: {}: {p}", f.display());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        bail!("{} problem(s) in the input", problems.len())
    }
}

/// Runs `atcert convert`.
pub fn convert_cmd(args: ConvertArgs) -> Result<()> {
    let parsed = read(&args.file, args.password.as_deref())?;
    let problems: Vec<(PathBuf, cert::ParseProblem)> = parsed
        .problems
        .iter()
        .map(|p| (args.file.clone(), p.clone()))
        .collect();
    if !problems.is_empty() {
        return report_problems(&problems);
    }
    let base_name = args
        .file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "converted".into());
    let opts = ConvertOptions {
        target: args.to,
        line_ending: args.line_ending,
        der: args.der,
        split: args.split,
        base_name,
    };
    let outputs = convert(&parsed.items, &opts).map_err(|e| anyhow::anyhow!("{e}"))?;
    match (&args.out, outputs.len()) {
        (Some(path), 1) => {
            std::fs::write(path, &outputs[0].bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {} ({})", path.display(), outputs[0].kind);
        }
        (Some(dir), _) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for o in &outputs {
                let p = dir.join(&o.file_name);
                std::fs::write(&p, &o.bytes)
                    .with_context(|| format!("cannot write {}", p.display()))?;
                eprintln!("wrote {} ({})", p.display(), o.kind);
            }
        }
        (None, 1) => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&outputs[0].bytes)?;
            stdout.flush()?;
        }
        (None, n) => bail!("the conversion gives {n} files; name a directory with --out DIR"),
    }
    Ok(())
}

/// Writes the bundled Mozilla root store as concatenated DER: the page's lazily fetched
/// `mozilla-roots.der` (made by the trunk build hook, see `dev`).
#[derive(Debug, clap::Args)]
pub struct ExportRootsArgs {
    /// Where to write the roots.
    out: PathBuf,
}

pub fn export_roots(args: ExportRootsArgs) -> anyhow::Result<()> {
    let roots = cert::roots::mozilla_roots();
    let bytes: Vec<u8> = roots.iter().flat_map(|der| der.iter().copied()).collect();
    std::fs::write(&args.out, &bytes)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", args.out.display()))?;
    eprintln!(
        "wrote {} Mozilla roots ({} bytes) to {}",
        roots.len(),
        bytes.len(),
        args.out.display()
    );
    Ok(())
}
