//! The native command-line tool: the same certificate tools and provisioning flows as the page.

use clap::Parser;

#[path = "atcert/cert_cmds.rs"]
mod cert_cmds;
#[path = "atcert/flow_cmds.rs"]
mod flow_cmds;
#[path = "atcert/gen_cmds.rs"]
mod gen_cmds;

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
    /// Print the exact AT script a provisioning flow sends.
    Plan(flow_cmds::PlanArgs),
    /// Run the flows against a simulated module and print the transcript and verdict.
    Simulate(flow_cmds::SimulateArgs),
    Lint(gen_cmds::LintArgs),
    Generate(gen_cmds::GenerateArgs),
    /// Show what certificates and keys hold; order chains; pair keys with certificates.
    Inspect(cert_cmds::InspectArgs),
    /// Convert certificates and keys (PEM/DER, PKCS#1/PKCS#8/SEC1, line endings, split).
    Convert(cert_cmds::ConvertArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(command) => match command {
            Command::Plan(args) => flow_cmds::plan(&args),
            Command::Simulate(args) => flow_cmds::simulate(&args),
            Command::Lint(args) => gen_cmds::lint(args),
            Command::Generate(args) => gen_cmds::generate(args),
            Command::Inspect(a) => cert_cmds::inspect(a),
            Command::Convert(a) => cert_cmds::convert_cmd(a),
        },
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            Ok(())
        }
    }
}
