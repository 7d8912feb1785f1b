//! `atcert inspect` and `atcert convert`: thin shells over `atcert::cert`.

use anyhow::{Context, Result, bail};
use atcert::cert::{
    self, Item, ItemKind, LineEnding, ParseOutcome, chain,
    convert::{ConvertOptions, Target, convert},
    matching,
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

fn item_json(file: &Path, item: &Item, now: i64) -> Value {
    let mut v = json!({
        "file": file.display().to_string(),
        "kind": item.kind,
        "source": item.source,
        "notes": item.notes,
    });
    match item.kind {
        ItemKind::Certificate => {
            let info = item.cert_info(now).map(|i| serde_json::to_value(&i));
            if let (Value::Object(m), Some(Ok(Value::Object(i)))) = (&mut v, info) {
                m.extend(i);
            }
        }
        ItemKind::PrivateKey => {
            if let Some(k) = &item.private_key {
                let info = k.info();
                v["algorithm"] = json!(info.algorithm);
                v["key_algorithm"] = json!(info.algorithm);
                v["bits"] = json!(info.bits);
                v["key_bits"] = json!(info.bits);
                v["curve"] = json!(info.curve);
                v["spki_sha256"] = json!(info.spki_sha256);
            }
            v["encoding"] = json!(item.key_encoding);
            v["encrypted"] = json!(item.protection.is_some());
            v["protection"] = json!(item.protection);
        }
        ItemKind::PublicKey => {
            if let Some(k) = item.public_key() {
                let info = k.info();
                v["algorithm"] = json!(info.algorithm);
                v["key_algorithm"] = json!(info.algorithm);
                v["bits"] = json!(info.bits);
                v["key_bits"] = json!(info.bits);
                v["curve"] = json!(info.curve);
                v["spki_sha256"] = json!(info.spki_sha256);
            }
            v["encoding"] = json!(item.public_key_encoding);
        }
        _ => {}
    }
    v
}

fn print_item(item: &Item, now: i64) {
    println!("  {} [{}]", item.describe(), where_(item));
    for n in &item.notes {
        println!("    note:        {n}");
    }
    match item.kind {
        ItemKind::Certificate => {
            let Some(i) = item.cert_info(now) else { return };
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
    let mut all_items: Vec<(PathBuf, Item)> = Vec::new();
    let mut problems: Vec<(PathBuf, cert::ParseProblem)> = Vec::new();
    for f in &args.files {
        let out = read(f, args.password.as_deref())?;
        all_items.extend(out.items.into_iter().map(|i| (f.clone(), i)));
        problems.extend(out.problems.into_iter().map(|p| (f.clone(), p)));
    }
    let items: Vec<Item> = all_items.iter().map(|(_, i)| i.clone()).collect();
    let cert_idx: Vec<usize> = (0..items.len())
        .filter(|i| items[*i].kind == ItemKind::Certificate)
        .collect();
    let cert_ders: Vec<&[u8]> = cert_idx.iter().map(|i| items[*i].der.as_slice()).collect();
    let chains = chain::build_chains(&cert_ders);
    let matches = matching::match_keys(&items);

    if args.json {
        let chains_json: Vec<Value> = chains
            .chains
            .iter()
            .map(|c| {
                json!({
                    "order": c.order.iter().map(|i| cert_idx[*i]).collect::<Vec<_>>(),
                    "links": c.links,
                    "has_root": c.has_root,
                    "ca_slot": c.ca_slot.map(|i| cert_idx[i]),
                    "missing_issuer": c.missing_issuer,
                    "advice": c.advice,
                })
            })
            .collect();
        let out = json!({
            "items": all_items.iter().map(|(f, i)| item_json(f, i, now)).collect::<Vec<_>>(),
            "problems": problems.iter().map(|(f, p)| json!({
                "file": f.display().to_string(),
                "location": p.location,
                "error": p.error,
                "message": p.to_string(),
            })).collect::<Vec<_>>(),
            "chains": chains_json,
            "key_matches": matches.pairs,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        let mut last: Option<&PathBuf> = None;
        for (f, item) in &all_items {
            if last != Some(f) {
                println!("{}:", f.display());
                last = Some(f);
            }
            print_item(item, now);
        }
        if cert_ders.len() > 1 {
            println!("chains:");
            for c in &chains.chains {
                let names: Vec<String> = c
                    .order
                    .iter()
                    .map(|i| {
                        items[cert_idx[*i]]
                            .cert_info(now)
                            .map(|x| x.subject)
                            .unwrap_or_default()
                    })
                    .collect();
                println!("  {}", names.join("  <-  "));
                for (n, l) in c.links.iter().enumerate() {
                    println!("    signature {} by {}: {:?}", n + 1, n + 2, l);
                }
                println!("    {}", c.advice);
            }
        }
        for (k, c) in &matches.pairs {
            println!(
                "key {} [{}] matches certificate [{}]",
                items[*k].describe(),
                where_(&items[*k]),
                where_(&items[*c])
            );
        }
        for k in &matches.keys_without_cert {
            if !cert_ders.is_empty() {
                println!(
                    "key [{}] matches none of the certificates",
                    where_(&items[*k])
                );
            }
        }
    }
    report_problems(&problems)
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
