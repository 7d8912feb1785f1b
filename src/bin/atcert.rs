//! The native command-line tool: the same certificate tools and provisioning flows as the page.

use clap::Parser;

/// Put TLS credentials onto AT-command modules: inspect, convert, lint and generate
/// certificates and keys, plan and simulate provisioning flows.
#[derive(Debug, Parser)]
#[command(name = "atcert", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(command) => match command {},
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            Ok(())
        }
    }
}
