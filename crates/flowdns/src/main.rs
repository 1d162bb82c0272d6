//! The `flowdns` binary: command-line parsing, configuration, and wiring of the library crates.
//! It is the only crate that reads files, the environment or the clock on behalf of the others.

mod api_tls;
mod cidr_cmd;
mod cluster;
mod config;
mod config_cmd;
mod fd_limit;
mod geoip;
mod health_cmd;
mod health_serial;
mod health_view;
mod manage;
mod notify;
mod output;
mod policy_cmd;
mod query_log;
mod remote;
mod serve;
mod settings;
mod store_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// flowdns: self-hosted traffic-steering DNS, compatible with Route 53 Traffic Flow.
#[derive(Parser)]
#[command(
    name = "flowdns",
    version,
    about = "Self-hosted traffic-steering DNS: answers each client by traffic policies \
             (geolocation, latency, weighted, failover...), compatible with Route 53 Traffic Flow.",
    long_about = "Self-hosted traffic-steering DNS: answers each client by traffic policies \
                  (geolocation, latency, weighted, failover...), compatible with Route 53 \
                  Traffic Flow.\n\n\
                  Run the server with `flowdns serve`. The other commands manage what it serves \
                  (zones, traffic policies, policy records, health checks) in the data \
                  directory, whether or not the server runs; a running server applies each \
                  change within a moment. `flowdns policy validate` and `flowdns policy \
                  explain` check and try out a policy document before you store it.\n\n\
                  Logging: FLOWDNS_LOG sets the levels (error, warn, info, debug, trace; for \
                  example FLOWDNS_LOG=info), --log-format the format."
)]
struct Cli {
    /// Configuration file (TOML). Defaults to $FLOWDNS_CONFIG when set.
    #[arg(long, global = true, env = "FLOWDNS_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where the store (flowdns.db), access keys and GeoIP databases live; also
    /// $FLOWDNS_DATA_DIR. Default: ./flowdns-data if it exists here, else the user's or the
    /// system's data directory (see `flowdns config check`).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL of the store instead of DIR/flowdns.db (sqlite:PATH); also $FLOWDNS_STORE.
    #[arg(long, global = true, value_name = "URL")]
    store: Option<String>,
    /// Print results as JSON (for scripts).
    #[arg(long, global = true)]
    json: bool,
    /// Log format on standard error: text for people, json for log collectors (one object
    /// per line).
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    log_format: Option<settings::LogFormat>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Traffic policies: check a document and try it out for a client, store it as numbered
    /// versions.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Hosted zones: import and export master files, list, delete.
    #[command(subcommand)]
    Zone(ZoneCommand),
    /// Policy records: answer a DNS name with a policy version.
    #[command(subcommand)]
    Record(RecordCommand),
    /// Health checks that steer answers away from failed endpoints: create them (Route 53
    /// HealthCheckConfig as JSON), see their status, force them healthy or unhealthy.
    #[command(subcommand)]
    Health(HealthCommand),
    /// CIDR collections for IP-based routing: list them, show one with its blocks (they are
    /// created and changed through the API).
    #[command(subcommand)]
    Cidr(CidrCommand),
    /// Run the authoritative DNS server, with the HTTP API and the browser editor.
    // Boxed: its many options would make every command as large.
    Serve(Box<ServeArgs>),
    /// The configuration file: check it and show the effective settings.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// GeoIP databases in the data directory.
    #[command(subcommand)]
    Geoip(GeoipCommand),
    /// The store itself: online backups, restoring one, schema version and counts, copying
    /// it to another store.
    #[command(subcommand)]
    Store(StoreCommand),
}

#[derive(Subcommand)]
enum StoreCommand {
    /// Write a consistent copy of the store to a new FILE, while servers and commands keep
    /// writing.
    Backup {
        /// The backup file to create (must not exist).
        file: std::path::PathBuf,
    },
    /// Replace the store with a backup: checked first (a flowdns store of a schema this
    /// flowdns knows), migrated, then swapped in at once. Refused while a server runs on the
    /// data directory.
    Restore {
        /// The backup file.
        file: std::path::PathBuf,
    },
    /// Show the schema version, change serial and counts of the store, or of a backup FILE.
    Info {
        /// A backup file to inspect instead of the data directory's store.
        file: Option<std::path::PathBuf>,
    },
    /// Copy everything a store holds (zones, records, policies and their versions, policy
    /// records, health checks, tags, CIDR collections, the change log) into a new, empty
    /// store, typically an embedded SQLite store to PostgreSQL, in one transaction, and check
    /// the copy (the rows and a digest of every table, read back). Takes no lock: servers may
    /// keep running on the source. Node registrations and health observations are not copied.
    Copy {
        /// The store to copy: a data directory (meaning its flowdns.db, which must exist),
        /// sqlite:PATH (must exist), or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE.
        #[arg(long, value_name = "FROM")]
        from: String,
        /// The new store, which must be empty: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE
        /// (the database must exist), sqlite:PATH, or a data directory (created if missing).
        #[arg(long, value_name = "TO")]
        to: String,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate a configuration file and print the effective settings (flags, environment,
    /// file, defaults) with where each comes from; secrets are not shown.
    Check {
        /// The file (default: --config or $FLOWDNS_CONFIG).
        file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum GeoipCommand {
    /// Check and install GeoIP databases (.mmdb) into DATA_DIR/geoip, replacing files of the
    /// same name atomically; a running server picks them up (see `[geoip] reload_interval`,
    /// or send it SIGHUP).
    Update {
        /// A database file, or a directory whose *.mmdb files are installed.
        #[arg(long, value_name = "FILE|DIR")]
        from: PathBuf,
    },
}

#[derive(Subcommand)]
enum ZoneCommand {
    /// Create a zone from an RFC 1035 master file, or replace all its records.
    Import {
        /// The master file.
        file: PathBuf,
        /// Zone name, when the file has no $ORIGIN or SOA owner to take it from.
        #[arg(long)]
        origin: Option<String>,
    },
    /// Write a zone as a master file to standard output.
    Export {
        /// Zone name.
        name: String,
    },
    /// List zones: name and id.
    List,
    /// Delete a zone and its records (refused while policy records use it).
    Delete {
        /// Zone name.
        name: String,
    },
}

#[derive(Subcommand)]
enum HealthCommand {
    /// Create a health check from a Route 53 HealthCheckConfig in JSON (inline or @FILE);
    /// prints its id.
    Create {
        /// For example '{"Type": "HTTP", "IPAddress": "192.0.2.10", "Port": 80, "ResourcePath": "/health"}'.
        #[arg(value_name = "CONFIG")]
        definition: String,
        /// Idempotency token (default: generated).
        #[arg(long)]
        caller_reference: Option<String>,
    },
    /// List health checks with their status and last failure, as the running server sees
    /// them (status "unknown" when no server can be asked).
    List {
        /// The running server to ask for the live status.
        #[arg(long, value_name = "URL", env = "FLOWDNS_SERVER", default_value = remote::DEFAULT_SERVER)]
        server: String,
    },
    /// Show a health check as JSON: its configuration and override.
    Show {
        /// Health check id.
        id: String,
    },
    /// Change fields of a health check (JSON inline or @FILE; the fields given replace the
    /// stored ones).
    Update {
        /// Health check id.
        id: String,
        /// Fields to change, e.g. '{"FailureThreshold": 2}'.
        #[arg(value_name = "CONFIG")]
        definition: String,
        /// Refuse unless the check is at this version.
        #[arg(long)]
        version: Option<i64>,
    },
    /// Delete a health check.
    Delete {
        /// Health check id.
        id: String,
    },
    /// Force a health check healthy or unhealthy until cleared (logged with who and when).
    Override {
        /// Health check id.
        id: String,
        /// Force healthy.
        #[arg(long, conflicts_with_all = ["unhealthy", "clear"])]
        healthy: bool,
        /// Force unhealthy.
        #[arg(long, conflicts_with = "clear")]
        unhealthy: bool,
        /// Remove the override.
        #[arg(long)]
        clear: bool,
        /// Why (kept with the override).
        #[arg(long, default_value = "")]
        reason: String,
    },
}

#[derive(Subcommand)]
enum CidrCommand {
    /// List CIDR collections: id, name, version, locations and blocks.
    List,
    /// Show a CIDR collection's locations and blocks.
    Show {
        /// Collection id.
        id: String,
    },
}

#[derive(Subcommand)]
enum RecordCommand {
    /// Bind a policy version to a name; prints the policy record id.
    Create {
        /// Hosted zone name.
        #[arg(long)]
        zone: String,
        /// DNS name: absolute, or relative to the zone (`www`); `@` for the apex.
        #[arg(long)]
        name: String,
        /// Policy id.
        #[arg(long)]
        policy: String,
        /// Policy version.
        #[arg(long)]
        version: u32,
        /// TTL of the answers, in seconds (0-2147483647).
        #[arg(long, value_parser = clap::value_parser!(u32).range(0..=2_147_483_647))]
        ttl: u32,
    },
    /// Move a policy record to another version (rollback: an older one), policy or TTL.
    Update {
        /// Policy record id.
        id: String,
        /// Policy version.
        #[arg(long)]
        version: u32,
        /// Another policy of the same record type.
        #[arg(long)]
        policy: Option<String>,
        /// New TTL in seconds.
        #[arg(long, value_parser = clap::value_parser!(u32).range(0..=2_147_483_647))]
        ttl: Option<u32>,
    },
    /// Delete a policy record: its name stops answering.
    Delete {
        /// Policy record id.
        id: String,
    },
    /// List policy records: name, policy version, TTL, and whether the server applied it
    /// (with the reason when it could not).
    List {
        /// Only this zone's.
        #[arg(long)]
        zone: Option<String>,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Address to answer DNS on, UDP and TCP (repeatable; IPv4 or IPv6); default
    /// 127.0.0.1:5353. Use 0.0.0.0:53 and [::]:53 in production.
    #[arg(long = "dns-listen", value_name = "ADDR")]
    dns_listen: Vec<std::net::SocketAddr>,
    /// GeoIP database in MaxMind format (.mmdb), repeatable; also $FLOWDNS_GEOIP. Default:
    /// every *.mmdb file in DATA_DIR/geoip.
    #[arg(long = "geoip", value_name = "PATH", value_delimiter = ':')]
    geoip: Vec<PathBuf>,
    /// Measured latencies (CSV: client,region,rtt_ms); overrides the configuration file.
    #[arg(long, value_name = "FILE")]
    latency_table: Option<PathBuf>,
    /// Recursive resolver used to look up alias-style endpoint targets (load balancers...),
    /// as ADDR or ADDR:PORT. Default: the first nameserver in /etc/resolv.conf.
    #[arg(long, value_name = "ADDR[:PORT]")]
    upstream: Option<String>,
    /// Address of the control-plane HTTP API (Route 53 compatible under /2013-04-01/, JSON
    /// under /api/v1/), default 127.0.0.1:8053. Requests are signed with an access key (see
    /// the README).
    #[arg(long = "api-listen", value_name = "ADDR")]
    api_listen: Option<std::net::SocketAddr>,
    /// Name server written as an NS record of zones created through the API (repeatable).
    /// Default: ns1.<zone> and ns2.<zone>.
    #[arg(long = "name-server", value_name = "NAME")]
    name_servers: Vec<String>,
    /// Write a query log to FILE (appended): one JSON object per line for each sampled query,
    /// written by a background thread (entries are dropped and counted when it falls behind).
    #[arg(long, value_name = "FILE")]
    query_log: Option<std::path::PathBuf>,
    /// The share of queries the query log records, above 0 and at most 1 (default 1).
    #[arg(long, value_name = "FRACTION")]
    query_log_sample: Option<f64>,
    /// Answer GET /metrics only with `Authorization: Bearer <token>` of an access key (the
    /// JSON API's token): the metrics name zones and records.
    #[arg(long)]
    metrics_auth: bool,
    /// This node's name, unique among the nodes sharing a store (default: the host name).
    #[arg(long, value_name = "NAME")]
    node_name: Option<String>,
    /// What this node does, comma-separated: dns (answer DNS), api (the API and the
    /// editor), health (probe health checks). Default: dns,api,health.
    #[arg(long, value_name = "ROLES")]
    roles: Option<String>,
    /// The region this node's health checks report from; a check with Regions is probed
    /// only by nodes of those regions (default: local).
    #[arg(long, value_name = "REGION")]
    node_region: Option<String>,
    /// Response-rate limiting of UDP answers (default true): answers over the rate per source
    /// network and answer class are dropped or sent truncated. TCP is never limited.
    #[arg(long = "rrl", value_name = "BOOL")]
    rrl: Option<bool>,
    /// Answers per second per source network, class and name before limiting (default 200).
    #[arg(long, value_name = "N")]
    rrl_responses_per_second: Option<u32>,
    /// Seconds of the rate a bucket holds: the burst allowed after a quiet spell (default 2).
    #[arg(long, value_name = "SECS")]
    rrl_window: Option<u32>,
    /// Every N-th limited answer is sent empty with TC set so that resolvers retry over TCP;
    /// 0 drops all, 1 truncates all (default 2).
    #[arg(long, value_name = "N")]
    rrl_slip: Option<u32>,
    /// Prefix length of the IPv4 source networks counted together (default 24).
    #[arg(long, value_name = "BITS")]
    rrl_ipv4_prefix: Option<u8>,
    /// Prefix length of the IPv6 source networks counted together (default 56).
    #[arg(long, value_name = "BITS")]
    rrl_ipv6_prefix: Option<u8>,
    /// Never limit loopback sources (default true).
    #[arg(long, value_name = "BOOL")]
    rrl_exempt_loopback: Option<bool>,
    /// A network never limited, such as 10.0.0.0/8 (repeatable, or comma-separated).
    #[arg(long, value_name = "NET", value_delimiter = ',')]
    rrl_exempt: Vec<String>,
    /// Answer everything; count and log what response-rate limiting would have limited.
    #[arg(long)]
    rrl_log_only: bool,
    /// Buckets of the rate-limit table, 8 bytes each (default 65536).
    #[arg(long, value_name = "N")]
    rrl_table_size: Option<u32>,
    /// Seconds a client has to send a request's header: from the connection's start for the
    /// first request, from its first byte for later ones (default 10).
    #[arg(long, value_name = "SECS")]
    api_header_timeout: Option<f64>,
    /// Seconds a kept-alive API connection may wait for its next request, or a request's
    /// body or response may stall, before it is closed (default 60).
    #[arg(long, value_name = "SECS")]
    api_idle_timeout: Option<f64>,
    /// Seconds a client has to complete the TLS handshake (default 10).
    #[arg(long, value_name = "SECS")]
    api_tls_handshake_timeout: Option<f64>,
    /// API connections open at once; more are closed at once (default 1024).
    #[arg(long, value_name = "N")]
    api_max_connections: Option<u64>,
    /// API connections open at once from one IPv4 address or IPv6 /64 (default 64).
    #[arg(long, value_name = "N")]
    api_max_connections_per_source: Option<u64>,
    /// Serve the API over TLS with this certificate chain (PEM); with --api-tls-key.
    /// Reloaded on SIGHUP.
    #[arg(long, value_name = "FILE")]
    api_tls_cert: Option<PathBuf>,
    /// The private key of --api-tls-cert (PEM).
    #[arg(long, value_name = "FILE")]
    api_tls_key: Option<PathBuf>,
    /// Seconds a DNS TCP connection may stay without a query before it is closed (default
    /// 10; 1 while half of the connection cap is in use).
    #[arg(long, value_name = "SECS")]
    dns_tcp_idle_timeout: Option<f64>,
    /// Seconds a DNS TCP client has to send the rest of a message once it started, and to
    /// take its answers (default 2).
    #[arg(long, value_name = "SECS")]
    dns_tcp_message_timeout: Option<f64>,
    /// DNS TCP connections open at once; a new one over the cap closes the idlest (default
    /// 1000).
    #[arg(long, value_name = "N")]
    dns_tcp_max_connections: Option<u64>,
    /// DNS TCP connections open at once from one IPv4 address or IPv6 /64; more are closed at
    /// once (default 64).
    #[arg(long, value_name = "N")]
    dns_tcp_max_connections_per_source: Option<u64>,
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Check documents: exit 0 when all are valid (warnings are printed), 1 when any is
    /// invalid, 2 on usage or I/O errors.
    Validate(ValidateArgs),
    /// Evaluate a document (a file, or a stored version with --policy) for one simulated
    /// client and show the answer and why.
    Explain(ExplainArgs),
    /// Store a new policy (version 1); prints its id.
    Create {
        /// Policy name (unique).
        #[arg(long)]
        name: String,
        /// Traffic policy document (JSON).
        file: PathBuf,
        /// Comment for the version.
        #[arg(long)]
        comment: Option<String>,
    },
    /// Store a new version of a policy; prints its number.
    Update {
        /// Policy id.
        id: String,
        /// Traffic policy document (JSON).
        file: PathBuf,
        /// Comment for the version.
        #[arg(long)]
        comment: Option<String>,
    },
    /// List policies (latest version of each).
    List,
    /// Print a stored version's document exactly as it was given.
    Show {
        /// Policy id.
        id: String,
        /// Version (default: the latest).
        #[arg(long)]
        version: Option<u32>,
    },
    /// Delete one version (refused while a policy record uses it).
    Delete {
        /// Policy id.
        id: String,
        /// Version.
        #[arg(long)]
        version: u32,
    },
}

#[derive(Args)]
struct ValidateArgs {
    /// Traffic policy documents (JSON).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(Args)]
struct ExplainArgs {
    /// Traffic policy document (JSON); or give a stored version with --policy.
    #[arg(value_name = "FILE", required_unless_present = "policy", conflicts_with = "policy")]
    file: Option<PathBuf>,
    /// A stored policy (its id) to explain instead of a file.
    #[arg(long, value_name = "ID")]
    policy: Option<String>,
    /// The stored version to explain (default: the latest).
    #[arg(long, value_name = "N", requires = "policy")]
    version: Option<u32>,
    /// A running server to ask, so that its loaded GeoIP data is used instead of loading it
    /// here (which takes seconds for real databases). Not asked when --geoip or
    /// --latency-table is given; when it cannot be reached, the data is loaded here.
    #[arg(long, value_name = "URL", env = "FLOWDNS_SERVER", default_value = remote::DEFAULT_SERVER)]
    server: String,
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
}

/// An operation the store or validator refused: one line (or a list) on stderr, exit 1.
#[derive(Debug)]
pub(crate) struct Refused(pub(crate) String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config_path = match &cli.command {
        Command::Config(ConfigCommand::Check { file: Some(file) }) => Some(file.clone()),
        _ => cli.config.clone(),
    };
    let mut flags = settings::Flags {
        data_dir: cli.data_dir.clone(),
        store: cli.store.clone(),
        log_format: cli.log_format,
        ..settings::Flags::default()
    };
    if let Command::Serve(a) = &cli.command {
        flags.dns_listen = a.dns_listen.clone();
        flags.api_listen = a.api_listen;
        flags.geoip = a.geoip.clone();
        flags.upstream = a.upstream.clone();
        flags.latency_table = a.latency_table.clone();
        flags.name_servers = a.name_servers.clone();
        flags.query_log = a.query_log.clone();
        flags.query_log_sample = a.query_log_sample;
        flags.node_name = a.node_name.clone();
        flags.metrics_auth = a.metrics_auth.then_some(true);
        flags.roles = a.roles.clone();
        flags.node_region = a.node_region.clone();
        flags.rrl = a.rrl;
        flags.rrl_responses_per_second = a.rrl_responses_per_second;
        flags.rrl_window = a.rrl_window;
        flags.rrl_slip = a.rrl_slip;
        flags.rrl_ipv4_prefix = a.rrl_ipv4_prefix;
        flags.rrl_ipv6_prefix = a.rrl_ipv6_prefix;
        flags.rrl_exempt_loopback = a.rrl_exempt_loopback;
        flags.rrl_exempt = a.rrl_exempt.clone();
        flags.rrl_log_only = a.rrl_log_only.then_some(true);
        flags.rrl_table_size = a.rrl_table_size;
        flags.api_header_timeout = a.api_header_timeout;
        flags.api_idle_timeout = a.api_idle_timeout;
        flags.api_tls_handshake_timeout = a.api_tls_handshake_timeout;
        flags.api_max_connections = a.api_max_connections;
        flags.api_max_connections_per_source = a.api_max_connections_per_source;
        flags.api_tls_cert = a.api_tls_cert.clone();
        flags.api_tls_key = a.api_tls_key.clone();
        flags.dns_tcp_idle_timeout = a.dns_tcp_idle_timeout;
        flags.dns_tcp_message_timeout = a.dns_tcp_message_timeout;
        flags.dns_tcp_max_connections = a.dns_tcp_max_connections;
        flags.dns_tcp_max_connections_per_source = a.dns_tcp_max_connections_per_source;
    }
    let loaded = config::Config::load(config_path.as_deref()).and_then(|config| {
        let env = |name: &str| std::env::var(name).ok();
        settings::resolve(&flags, &env, &config, &settings::Host::current())
            .map(|settings| (config, settings))
    });
    let (config, settings) = match loaded {
        Ok(c) => c,
        Err(e) => {
            eprintln!("flowdns: {e:#}");
            return ExitCode::from(2);
        }
    };
    // Commands other than serve log only warnings unless a level was chosen (by FLOWDNS_LOG or
    // the file, even when it is the default's).
    let chosen = !matches!(settings.source("log.level"), None | Some(settings::Origin::Default(_)));
    let level = if matches!(cli.command, Command::Serve(_)) || chosen {
        settings.log_level.as_str()
    } else {
        "warn"
    };
    init_logging(settings.log_format, level);
    // The commands that ask a running server trust the API's certificate (api_tls.rs).
    if let Some(tls) = &settings.api_tls {
        remote::trust_api_certificate(&tls.cert);
    }
    let json = cli.json;
    let result = match cli.command {
        Command::Policy(PolicyCommand::Validate(a)) => {
            policy_cmd::validate(&config, &a.files, json)
        }
        Command::Policy(PolicyCommand::Explain(a)) => policy_cmd::explain(
            &config,
            &settings.data_dir,
            &policy_cmd::ExplainRequest {
                source: match (a.file, a.policy) {
                    (Some(file), _) => policy_cmd::DocumentSource::File(file),
                    (None, policy) => policy_cmd::DocumentSource::Stored {
                        policy: policy.unwrap_or_default(),
                        version: a.version,
                    },
                },
                server: a.server,
                client: a.client,
                unhealthy: a.unhealthy,
                unhealthy_targets: a.unhealthy_targets,
                geoip: a.geoip,
                // Without --geoip and no server to ask: the configured databases, else the
                // data directory's.
                fallback_geoip: settings.geoip.paths().unwrap_or_default(),
                latency_table: a.latency_table,
                seed: a.seed,
                json,
            },
        ),
        Command::Config(ConfigCommand::Check { .. }) => {
            config_cmd::check(&settings, &config, json).map(|()| ExitCode::SUCCESS)
        }
        Command::Geoip(GeoipCommand::Update { from }) => {
            let dir = settings.data_dir.join("geoip");
            geoip::install(&from, &dir).map(|installed| {
                for path in installed {
                    println!("{}", path.display());
                }
                ExitCode::SUCCESS
            })
        }
        Command::Serve(_) => {
            warn_if_new_store(&settings);
            let opts = serve::ServeOptions {
                data_dir: settings.data_dir.clone(),
                store: settings.store.clone(),
                dns_listen: settings.dns_listen.clone(),
                geoip: settings.geoip.clone(),
                geoip_reload: settings.geoip_reload,
                latency_table: settings.latency_table.clone(),
                upstream: settings.upstream.clone(),
                api_listen: settings.api_listen,
                limits: config.limits(),
                health_deny: Vec::new(),
                name_servers: settings.name_servers.clone(),
                query_log: settings.query_log.clone(),
                node: settings.node.clone(),
                healthy_share: settings.healthy_share,
                metrics_auth: settings.metrics_auth,
                rrl: settings.rrl.clone(),
                api_limits: settings.api_limits,
                api_tls: settings.api_tls.clone(),
                dns_tcp: settings.dns_tcp,
            };
            config
                .health_deny()
                .map(|deny| serve::ServeOptions { health_deny: deny, ..opts })
                .and_then(|opts| config.catalog().map(|catalog| (opts, catalog)))
                .and_then(|(opts, catalog)| runtime().block_on(serve::run(opts, catalog)))
                .map(|()| ExitCode::SUCCESS)
        }
        Command::Store(c) => runtime()
            .block_on(async {
                match c {
                    StoreCommand::Backup { file } => {
                        store_cmd::backup(&settings.data_dir, &file, json).await
                    }
                    StoreCommand::Restore { file } => {
                        store_cmd::restore(&settings.data_dir, &file, json).await
                    }
                    StoreCommand::Info { file } => {
                        let url = settings.store.as_deref();
                        store_cmd::info(&settings.data_dir, url, file.as_deref(), json).await
                    }
                    StoreCommand::Copy { from, to } => store_cmd::copy(&from, &to, json).await,
                }
            })
            .map(|()| ExitCode::SUCCESS),
        command => runtime()
            .block_on(control::audit::acting_as(
                health_cmd::operator(),
                manage(command, &settings, &config, json),
            ))
            .map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        // The reader of standard output went away (`| head`): nothing more to say.
        Err(e) if output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(r) = e.downcast_ref::<Refused>() {
                eprintln!("flowdns: {r}");
                ExitCode::from(1)
            } else {
                eprintln!("flowdns: {e:#}");
                ExitCode::from(2)
            }
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime")
}

/// Logs go to standard error, filtered by `FLOWDNS_LOG` or `[log] level` (`error`, `warn`,
/// `info`, `debug`, `trace`, or per module as in `info,dns=debug`). The server logs
/// `info` by default; the other commands only warnings and errors (`FLOWDNS_LOG=info` shows the
/// line each change logs, with who made it).
fn init_logging(format: settings::LogFormat, level: &str) {
    // The level was checked when the settings were resolved.
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(settings::DEFAULT_LOG_LEVEL));
    use std::io::IsTerminal as _;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        settings::LogFormat::Text => builder.init(),
        settings::LogFormat::Json => builder.json().init(),
    }
}

/// Says on stderr where a new, empty store is about to be created, and why there: a store
/// created somewhere unexpected is otherwise only noticed when everything seems gone.
fn warn_if_new_store(settings: &settings::Settings) {
    if settings.store_exists() {
        return;
    }
    let from = settings
        .source(if settings.store.is_some() { "store" } else { "data_dir" })
        .map(ToString::to_string)
        .unwrap_or_default();
    let message = format!(
        "creating a new, empty store at {} ({from}); give --data-dir or set FLOWDNS_DATA_DIR if \
         your store is elsewhere",
        settings.store_display()
    );
    // With JSON logs every line on standard error is a JSON object.
    match settings.log_format {
        settings::LogFormat::Json => tracing::warn!("{message}"),
        settings::LogFormat::Text => eprintln!("flowdns: warning: {message}"),
    }
}

/// Whether a command may create the store: the ones that add the first data to it.
fn creates_store(command: &Command) -> bool {
    matches!(
        command,
        Command::Zone(ZoneCommand::Import { .. })
            | Command::Policy(PolicyCommand::Create { .. })
            | Command::Health(HealthCommand::Create { .. })
    )
}

/// The service layer over the store for commands that run without a server (no DNS state;
/// changes are served once a server picks them up from the change log).
fn offline_service(
    store: &store::Store,
    config: &config::Config,
) -> anyhow::Result<control::Service> {
    Ok(control::Service::new(
        store.clone(),
        std::sync::Arc::new(config.catalog()?),
        std::sync::Arc::new(control::Served::default()),
        None,
    )
    .with_limits(config.limits()))
}

async fn manage(
    command: Command,
    settings: &settings::Settings,
    config: &config::Config,
    json: bool,
) -> anyhow::Result<()> {
    if !settings.store_exists() {
        if !creates_store(&command) {
            let from = settings
                .source(if settings.store.is_some() { "store" } else { "data_dir" })
                .map(ToString::to_string)
                .unwrap_or_default();
            return Err(Refused(format!(
                "no store at {} ({from}); give --data-dir DIR or set FLOWDNS_DATA_DIR to the \
                 directory that holds flowdns.db, or start one with `flowdns zone import`, \
                 `policy create` or `health create`",
                settings.store_display()
            ))
            .into());
        }
        warn_if_new_store(settings);
    }
    let store = settings.open_store().await?;
    match command {
        Command::Zone(ZoneCommand::Import { file, origin }) => {
            manage::zone_import(&offline_service(&store, config)?, &file, origin.as_deref(), json)
                .await
        }
        Command::Zone(ZoneCommand::Export { name }) => manage::zone_export(&store, &name).await,
        Command::Zone(ZoneCommand::List) => manage::zone_list(&store, json).await,
        Command::Zone(ZoneCommand::Delete { name }) => {
            manage::zone_delete(&offline_service(&store, config)?, &name, json).await
        }
        Command::Policy(PolicyCommand::Create { name, file, comment }) => {
            let target = manage::PolicyTarget::New { name: &name };
            manage::policy_store(
                &offline_service(&store, config)?,
                &config.catalog()?,
                target,
                &file,
                comment.as_deref(),
                json,
            )
            .await
        }
        Command::Policy(PolicyCommand::Update { id, file, comment }) => {
            let target = manage::PolicyTarget::NextVersion { id: &id };
            manage::policy_store(
                &offline_service(&store, config)?,
                &config.catalog()?,
                target,
                &file,
                comment.as_deref(),
                json,
            )
            .await
        }
        Command::Policy(PolicyCommand::List) => manage::policy_list(&store, json).await,
        Command::Policy(PolicyCommand::Show { id, version }) => {
            manage::policy_show(&store, &id, version, json).await
        }
        Command::Policy(PolicyCommand::Delete { id, version }) => {
            manage::policy_delete(&offline_service(&store, config)?, &id, version, json).await
        }
        Command::Record(RecordCommand::Create { zone, name, policy, version, ttl }) => {
            manage::record_create(
                &offline_service(&store, config)?,
                manage::RecordCreate { zone: &zone, name: &name, policy: &policy, version, ttl },
                json,
            )
            .await
        }
        Command::Record(RecordCommand::Update { id, version, policy, ttl }) => {
            manage::record_update(
                &offline_service(&store, config)?,
                &id,
                policy.as_deref(),
                version,
                ttl,
                json,
            )
            .await
        }
        Command::Record(RecordCommand::Delete { id }) => {
            manage::record_delete(&offline_service(&store, config)?, &id, json).await
        }
        Command::Record(RecordCommand::List { zone }) => {
            manage::record_list(&store, zone.as_deref(), json).await
        }
        Command::Cidr(c) => {
            let service = offline_service(&store, config)?;
            match c {
                CidrCommand::List => cidr_cmd::list(&service, json).await,
                CidrCommand::Show { id } => cidr_cmd::show(&service, &id, json).await,
            }
        }
        Command::Health(h) => {
            let service = offline_service(&store, config)?;
            match h {
                HealthCommand::Create { definition, caller_reference } => {
                    health_cmd::create(&service, &definition, caller_reference.as_deref(), json)
                        .await
                }
                HealthCommand::List { server } => {
                    health_cmd::list(&service, &server, &settings.data_dir, json).await
                }
                HealthCommand::Show { id } => health_cmd::show_one(&service, &id).await,
                HealthCommand::Update { id, definition, version } => {
                    health_cmd::update(&service, &id, &definition, version, json).await
                }
                HealthCommand::Delete { id } => health_cmd::delete(&service, &id, json).await,
                HealthCommand::Override { id, healthy, unhealthy, clear, reason } => {
                    let forced = match (healthy, unhealthy, clear) {
                        (true, _, _) => Some(true),
                        (_, true, _) => Some(false),
                        (_, _, true) => None,
                        _ => {
                            return Err(
                                Refused("give --healthy, --unhealthy or --clear".into()).into()
                            );
                        }
                    };
                    health_cmd::force(&service, &id, forced, &reason, json).await
                }
            }
        }
        Command::Policy(PolicyCommand::Validate(_) | PolicyCommand::Explain(_))
        | Command::Serve(_)
        | Command::Config(_)
        | Command::Geoip(_)
        | Command::Store(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory as _;
        super::Cli::command().debug_assert();
    }
}
