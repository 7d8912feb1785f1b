//! `atcert profile check`: validate a site profile (`atcert.json`) with the page's own code,
//! including the CA files and logo it names, before a host deploys it.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use atcert::profile::{CaSource, Profile, ProfileError, check_ca_file, parse_profile};

/// Check a site profile (atcert.json) before deploying it next to index.html.
#[derive(Debug, clap::Args)]
pub struct ProfileArgs {
    #[command(subcommand)]
    command: ProfileCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ProfileCommand {
    /// Validate atcert.json and the CA files and logo it names; print what the page will show.
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// The profile, normally atcert.json in the folder served with index.html.
    file: PathBuf,
    /// The folder served as the site's root, for paths that start with '/'
    /// (default: the profile's folder).
    #[arg(long)]
    site_root: Option<PathBuf>,
}

pub fn profile(args: ProfileArgs) -> anyhow::Result<()> {
    match args.command {
        ProfileCommand::Check(args) => check(&args),
    }
}

fn check(args: &CheckArgs) -> anyhow::Result<()> {
    let bytes =
        fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let page_dir = args
        .file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let site_root = args.site_root.as_deref().unwrap_or(page_dir);
    let profile = match parse_profile(&bytes) {
        Ok(profile) => profile,
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("{}: {e}", args.file.display());
            }
            bail!(
                "{} has {} problem(s); the page would show them and run with its defaults",
                args.file.display(),
                errors.0.len()
            );
        }
    };
    // The files the profile names, read as the page will fetch them.
    let mut problems: Vec<ProfileError> = Vec::new();
    let resolve = |path: &str| match path.strip_prefix('/') {
        Some(from_root) => site_root.join(from_root),
        None => page_dir.join(path),
    };
    for (i, ca) in profile.trusted_cas.iter().enumerate() {
        if let CaSource::Path(path) = &ca.source {
            let field = format!("trusted_cas[{i}].path");
            match fs::read(resolve(path)) {
                Ok(bytes) => problems.extend(check_ca_file(&field, &bytes).err()),
                Err(e) => problems.push(ProfileError {
                    field,
                    message: format!("cannot read {}: {e}", resolve(path).display()),
                }),
            }
        }
    }
    if let Some(logo) = &profile.logo
        && let Err(e) = fs::metadata(resolve(logo))
    {
        problems.push(ProfileError {
            field: "logo".into(),
            message: format!("cannot read {}: {e}", resolve(logo).display()),
        });
    }
    if !problems.is_empty() {
        for e in &problems {
            eprintln!("{}: {e}", args.file.display());
        }
        bail!(
            "{} names {} file(s) that cannot be used; the page would show this and run with its \
             defaults",
            args.file.display(),
            problems.len()
        );
    }
    print!("{}", summary(&args.file, &profile));
    Ok(())
}

fn summary(file: &Path, p: &Profile) -> String {
    let mut out = format!("{} is valid. The page will show:\n", file.display());
    let mut line = |label: &str, value: String| out.push_str(&format!("  {label:<28}{value}\n"));
    line(
        "name",
        p.name.clone().unwrap_or_else(|| "atcert (default)".into()),
    );
    if let Some(logo) = &p.logo {
        line("logo", logo.clone());
    }
    if let Some(accent) = &p.accent {
        line("accent", accent.clone());
    }
    if let Some(intro) = &p.intro {
        line("intro", format!("{} characters", intro.chars().count()));
    }
    for ca in &p.trusted_cas {
        let from = match &ca.source {
            CaSource::Inline(_) => "inline PEM".to_owned(),
            CaSource::Path(path) => path.clone(),
        };
        line("trusted CA", format!("{} ({from})", ca.name));
    }
    for e in &p.test_endpoints {
        let expect = e
            .expect
            .as_ref()
            .map(|x| format!(", expects {x:?}"))
            .unwrap_or_default();
        line(
            "test endpoint",
            format!("{} = {}:{}{expect}", e.name, e.host, e.port),
        );
    }
    let families: Vec<&str> = p.families.iter().map(|f| f.id()).collect();
    if !families.is_empty() {
        line("families", families.join(", "));
    }
    if !p.models.is_empty() {
        line("models", p.models.join(", "));
    }
    if let Some(apn) = &p.apn {
        line("APN", apn.clone());
    }
    line(
        "client certificate",
        if p.client_certificate_required {
            "required"
        } else {
            "optional"
        }
        .into(),
    );
    for l in &p.links {
        line("link", format!("{} <{}>", l.label, l.url));
    }
    out
}
