//! The `flowdns` binary: command-line parsing, configuration, and wiring of the library crates.
//! It is the only crate that reads files, the environment or the clock on behalf of the others.

mod config;
mod geoip;
mod policy_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// flowdns: self-hosted traffic-steering DNS, compatible with Route 53 Traffic Flow.
#[derive(Parser)]
#[command(name = "flowdns", version, about, propagate_version = true)]
struct Cli {
    /// Configuration file (TOML). Defaults to $FLOWDNS_CONFIG when set.
    #[arg(long, global = true, env = "FLOWDNS_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work with traffic policy documents offline.
    #[command(subcommand)]
    Policy(PolicyCommand),
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Check documents: exit 0 when all are valid (warnings are printed), 1 when any is
    /// invalid, 2 on usage or I/O errors.
    Validate(ValidateArgs),
    /// Evaluate a document for one simulated client and show the answer and why.
    Explain(ExplainArgs),
}

#[derive(Args)]
struct ValidateArgs {
    /// Traffic policy documents (JSON).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print one JSON object per file instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ExplainArgs {
    /// Traffic policy document (JSON).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The client: an IP address, or a subnet as sent in EDNS Client Subnet (203.0.113.0/24).
    #[arg(long, value_name = "IP[/PREFIX]")]
    client: String,
    /// Treat this health check id as unhealthy (repeatable); all others are healthy.
    #[arg(long = "unhealthy", value_name = "HEALTH_CHECK_ID")]
    unhealthy: Vec<String>,
    /// Treat this alias endpoint target (its DNS name) as unhealthy (repeatable).
    #[arg(long = "unhealthy-target", value_name = "NAME")]
    unhealthy_targets: Vec<String>,
    /// GeoIP database in MaxMind format (.mmdb), repeatable; also $FLOWDNS_GEOIP (paths
    /// separated by ':').
    #[arg(long = "geoip", value_name = "PATH", env = "FLOWDNS_GEOIP", value_delimiter = ':')]
    geoip: Vec<PathBuf>,
    /// Measured latencies (CSV: client,region,rtt_ms); overrides the configuration file.
    #[arg(long, value_name = "FILE")]
    latency_table: Option<PathBuf>,
    /// Seed for the random draws (weighted, multivalue), to reproduce a run.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print one JSON object: answer, ecs_scope, trace, ...
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match config::Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("flowdns: {e:#}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Policy(PolicyCommand::Validate(a)) => {
            policy_cmd::validate(&config, &a.files, a.json)
        }
        Command::Policy(PolicyCommand::Explain(a)) => policy_cmd::explain(
            &config,
            &policy_cmd::ExplainRequest {
                file: a.file,
                client: a.client,
                unhealthy: a.unhealthy,
                unhealthy_targets: a.unhealthy_targets,
                geoip: a.geoip,
                latency_table: a.latency_table,
                seed: a.seed,
                json: a.json,
            },
        ),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("flowdns: {e:#}");
            ExitCode::from(2)
        }
    }
}
