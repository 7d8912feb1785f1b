//! The native command-line tool: the same certificate tools and provisioning flows as the page.

use clap::Parser;

#[path = "atcert/cert_cmds.rs"]
mod cert_cmds;
// The flows run on a native executor and may back a test connection with real TLS; the
// wasm32 build of this binary (checked, never run) leaves them out.
#[cfg(not(target_arch = "wasm32"))]
#[path = "atcert/flow_cmds.rs"]
mod flow_cmds;
#[path = "atcert/gen_cmds.rs"]
mod gen_cmds;
#[path = "atcert/profile_cmds.rs"]
mod profile_cmds;
#[cfg(not(target_arch = "wasm32"))]
#[path = "atcert/serial_cmds.rs"]
mod serial_cmds;

/// Put TLS credentials onto AT-command modules: inspect, convert, lint and generate
/// certificates and keys, plan and simulate provisioning flows.
#[derive(Debug, Parser)]
#[command(name = "atcert", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Show what certificates and keys hold; order chains; pair keys with certificates.
    Inspect(cert_cmds::InspectArgs),
    /// Convert certificates and keys (PEM/DER, PKCS#1/PKCS#8/SEC1, line endings, split).
    Convert(cert_cmds::ConvertArgs),
    /// Print the exact AT script a provisioning flow sends.
    #[cfg(not(target_arch = "wasm32"))]
    Plan(flow_cmds::PlanArgs),
    /// Run the flows against a simulated module and print the transcript and verdict.
    #[cfg(not(target_arch = "wasm32"))]
    Simulate(flow_cmds::SimulateArgs),
    /// List serial ports: USB ids, names, module vendors and AT interfaces.
    #[cfg(not(target_arch = "wasm32"))]
    Ports(serial_cmds::PortsArgs),
    /// Find out which module is on each port (family, model, firmware).
    #[cfg(not(target_arch = "wasm32"))]
    Detect(serial_cmds::DetectArgs),
    /// Write and verify credentials on modules on serial ports, many at once.
    #[cfg(not(target_arch = "wasm32"))]
    Provision(serial_cmds::ProvisionArgs),
    /// Remove credentials from modules on serial ports.
    #[cfg(not(target_arch = "wasm32"))]
    Remove(serial_cmds::RemoveArgs),
    /// Open a TLS connection through modules on serial ports.
    #[cfg(not(target_arch = "wasm32"))]
    Test(serial_cmds::TestArgs),
    Lint(gen_cmds::LintArgs),
    Generate(gen_cmds::GenerateArgs),
    /// Check a site profile (atcert.json) for hosting the page.
    Profile(profile_cmds::ProfileArgs),
    /// Write the bundled Mozilla root store as concatenated DER (used by the page build).
    #[command(hide = true)]
    ExportRoots(cert_cmds::ExportRootsArgs),
}

/// Errors are printed as a sentence chain, never as a Debug dump with a backtrace.
/// The `--module` help: every family's id from the one list, and that model names work.
fn module_help() -> String {
    format!(
        "Module family or model: {} (model names such as SIM7600E-H, GL865 or LE910C1 work too)",
        atcert::modules::Family::id_list()
    )
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<std::process::ExitCode> {
    let ok = |r: anyhow::Result<()>| r.map(|()| std::process::ExitCode::SUCCESS);
    let cli = Cli::parse();
    match cli.command {
        Some(command) => match command {
            Command::Inspect(a) => ok(cert_cmds::inspect(a)),
            Command::Convert(a) => ok(cert_cmds::convert_cmd(a)),
            #[cfg(not(target_arch = "wasm32"))]
            Command::Plan(args) => ok(flow_cmds::plan(&args)),
            #[cfg(not(target_arch = "wasm32"))]
            Command::Simulate(args) => ok(flow_cmds::simulate(&args)),
            #[cfg(not(target_arch = "wasm32"))]
            Command::Ports(args) => ok(serial_cmds::ports_cmd(&args)),
            #[cfg(not(target_arch = "wasm32"))]
            Command::Detect(args) => serial_cmds::detect(&args),
            #[cfg(not(target_arch = "wasm32"))]
            Command::Provision(args) => serial_cmds::provision(&args),
            #[cfg(not(target_arch = "wasm32"))]
            Command::Remove(args) => serial_cmds::remove(&args),
            #[cfg(not(target_arch = "wasm32"))]
            Command::Test(args) => serial_cmds::test(&args),
            Command::Lint(args) => ok(gen_cmds::lint(args)),
            Command::Profile(args) => ok(profile_cmds::profile(args)),
            Command::Generate(args) => ok(gen_cmds::generate(args)),
            Command::ExportRoots(args) => ok(cert_cmds::export_roots(args)),
        },
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            Ok(std::process::ExitCode::SUCCESS)
        }
    }
}
