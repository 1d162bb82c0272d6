//! The effective settings of a run: each option from the command line, else the environment
//! (`FLOWDNS_*`), else the configuration file, else its default. This is the one place that
//! precedence is decided; `flowdns config check` prints its result.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Result, anyhow, bail};

use crate::config::Config;

/// The default DNS listener.
pub(crate) const DEFAULT_DNS_LISTEN: &str = "127.0.0.1:5353";
/// The default API listener.
pub(crate) const DEFAULT_API_LISTEN: &str = "127.0.0.1:8053";
/// The default log filter (no line per query is logged at this level).
pub(crate) const DEFAULT_LOG_LEVEL: &str = "info";
/// Seconds between checks of the GeoIP databases' modification times.
pub(crate) const DEFAULT_GEOIP_RELOAD_SECS: u64 = 30;
/// The data directory of a system installation.
pub(crate) const SYSTEM_DATA_DIR: &str = "/var/lib/flowdns";
/// The data directory of the quick start, used when it exists in the working directory.
pub(crate) const LOCAL_DATA_DIR: &str = "flowdns-data";

/// Log output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

impl LogFormat {
    fn parse(s: &str) -> Option<LogFormat> {
        match s {
            "text" => Some(LogFormat::Text),
            "json" => Some(LogFormat::Json),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

/// Where a setting's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A command-line option.
    Flag(&'static str),
    /// An environment variable.
    Env(&'static str),
    /// The configuration file.
    File,
    /// The built-in default (with why, for the data directory).
    Default(&'static str),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Flag(flag) => write!(f, "{flag}"),
            Origin::Env(var) => write!(f, "${var}"),
            Origin::File => f.write_str("configuration file"),
            Origin::Default("") => f.write_str("default"),
            Origin::Default(why) => write!(f, "default: {why}"),
        }
    }
}

/// Where the GeoIP databases are read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum GeoipSource {
    /// These files.
    Files(Vec<PathBuf>),
    /// Every `*.mmdb` file in this directory (`<data_dir>/geoip`), in name order.
    Dir(PathBuf),
}

impl GeoipSource {
    /// The database files now (a missing directory has none).
    pub(crate) fn paths(&self) -> Result<Vec<PathBuf>> {
        match self {
            GeoipSource::Files(files) => {
                Ok(files.iter().filter(|p| !p.as_os_str().is_empty()).cloned().collect())
            }
            GeoipSource::Dir(dir) => {
                let entries = match std::fs::read_dir(dir) {
                    Ok(e) => e,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
                    Err(e) => {
                        return Err(anyhow!(
                            "cannot list GeoIP databases in {}: {e}",
                            dir.display()
                        ));
                    }
                };
                let mut out: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        p.extension().is_some_and(|x| x == "mmdb")
                            && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
                    })
                    .collect();
                out.sort();
                Ok(out)
            }
        }
    }
}

/// What one node of a deployment does, and what it is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodeSettings {
    /// Unique in the deployment: it keys the node's heartbeat and health reports.
    pub(crate) name: String,
    /// Answers DNS (and counts for GetChange).
    pub(crate) dns: bool,
    /// Serves the API and the editor.
    pub(crate) api: bool,
    /// Probes health checks and reports what it sees.
    pub(crate) health: bool,
    /// The region its health reports carry; a check with `Regions` is probed only by nodes
    /// of those regions.
    pub(crate) region: String,
}

impl NodeSettings {
    /// The roles as text, `dns,api,health` order.
    pub(crate) fn roles(&self) -> String {
        [(self.dns, "dns"), (self.api, "api"), (self.health, "health")]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, r)| *r)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The default roles: everything in one process.
pub(crate) const DEFAULT_ROLES: &str = "dns,api,health";
/// The default checker region.
pub(crate) const DEFAULT_REGION: &str = "local";
/// Route 53's rule: healthy when more than 18% of checkers report healthy.
pub(crate) const DEFAULT_HEALTHY_SHARE: f64 = 0.18;

/// Parses a role list; `what` names where it came from.
fn parse_roles(list: &[String], what: &str) -> Result<(bool, bool, bool)> {
    let (mut dns, mut api, mut health) = (false, false, false);
    for r in list.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        match r {
            "dns" => dns = true,
            "api" => api = true,
            "health" => health = true,
            other => bail!("{what}: unknown role {other:?}; expected any of dns, api, health"),
        }
    }
    if !(dns || api || health) {
        bail!("{what}: give at least one role: dns, api or health");
    }
    Ok((dns, api, health))
}

/// The host name, for the default node name.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "flowdns".to_owned())
}

/// Values given on the command line (`None` or empty: not given).
#[derive(Debug, Default)]
pub(crate) struct Flags {
    pub(crate) data_dir: Option<PathBuf>,
    pub(crate) store: Option<String>,
    pub(crate) dns_listen: Vec<SocketAddr>,
    pub(crate) api_listen: Option<SocketAddr>,
    pub(crate) geoip: Vec<PathBuf>,
    pub(crate) upstream: Option<String>,
    pub(crate) latency_table: Option<PathBuf>,
    pub(crate) name_servers: Vec<String>,
    pub(crate) log_format: Option<LogFormat>,
    pub(crate) query_log: Option<PathBuf>,
    pub(crate) query_log_sample: Option<f64>,
    pub(crate) node_name: Option<String>,
    pub(crate) metrics_auth: Option<bool>,
    pub(crate) roles: Option<String>,
    pub(crate) node_region: Option<String>,
    /// Response-rate limiting of UDP answers (`[rrl]`).
    pub(crate) rrl: Option<bool>,
    pub(crate) rrl_responses_per_second: Option<u32>,
    pub(crate) rrl_window: Option<u32>,
    pub(crate) rrl_slip: Option<u32>,
    pub(crate) rrl_ipv4_prefix: Option<u8>,
    pub(crate) rrl_ipv6_prefix: Option<u8>,
    pub(crate) rrl_exempt_loopback: Option<bool>,
    pub(crate) rrl_exempt: Vec<String>,
    pub(crate) rrl_log_only: Option<bool>,
    pub(crate) rrl_table_size: Option<u32>,
    /// The API's connection limits, timeouts (seconds) and TLS files.
    pub(crate) api_header_timeout: Option<f64>,
    pub(crate) api_idle_timeout: Option<f64>,
    pub(crate) api_tls_handshake_timeout: Option<f64>,
    pub(crate) api_max_connections: Option<u64>,
    pub(crate) api_max_connections_per_source: Option<u64>,
    pub(crate) api_tls_cert: Option<PathBuf>,
    pub(crate) api_tls_key: Option<PathBuf>,
    /// DNS over TCP: timeouts (seconds) and connection caps.
    pub(crate) dns_tcp_idle_timeout: Option<f64>,
    pub(crate) dns_tcp_message_timeout: Option<f64>,
    pub(crate) dns_tcp_max_connections: Option<u64>,
    pub(crate) dns_tcp_max_connections_per_source: Option<u64>,
}

/// Facts about the machine the default data directory depends on.
#[derive(Debug, Clone)]
pub(crate) struct Host {
    /// `./flowdns-data` exists in the working directory.
    pub(crate) local_data_dir: bool,
    /// The effective user id (0: root).
    pub(crate) uid: Option<u32>,
    /// The owner of `/var/lib/flowdns`, when it exists.
    pub(crate) system_dir_owner: Option<u32>,
}

impl Host {
    /// This process's.
    pub(crate) fn current() -> Host {
        #[cfg(unix)]
        let (uid, system_dir_owner) = {
            use std::os::unix::fs::MetadataExt as _;
            (
                std::fs::metadata("/proc/self").ok().map(|m| m.uid()),
                std::fs::metadata(SYSTEM_DATA_DIR).ok().filter(|m| m.is_dir()).map(|m| m.uid()),
            )
        };
        #[cfg(not(unix))]
        let (uid, system_dir_owner) = (None, None);
        Host { local_data_dir: Path::new(LOCAL_DATA_DIR).is_dir(), uid, system_dir_owner }
    }
}

/// The effective settings.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) config_file: Option<PathBuf>,
    pub(crate) data_dir: PathBuf,
    pub(crate) store: Option<String>,
    pub(crate) dns_listen: Vec<SocketAddr>,
    pub(crate) api_listen: SocketAddr,
    pub(crate) geoip: GeoipSource,
    /// `None`: reloaded only on SIGHUP.
    pub(crate) geoip_reload: Option<Duration>,
    pub(crate) upstream: Option<String>,
    pub(crate) latency_table: Option<PathBuf>,
    pub(crate) name_servers: Vec<String>,
    pub(crate) log_level: String,
    pub(crate) log_format: LogFormat,
    /// The query log's file and the share of queries it records.
    pub(crate) query_log: Option<(PathBuf, f64)>,
    /// This node's name, roles and checker region.
    pub(crate) node: NodeSettings,
    /// A check is healthy when more than this share of fresh checker reports say so.
    pub(crate) healthy_share: f64,
    /// `GET /metrics` wants a bearer token of an access key.
    pub(crate) metrics_auth: bool,
    /// Response-rate limiting of UDP answers; `None` when off.
    pub(crate) rrl: Option<dns::rrl::Config>,
    /// The API's connection limits and timeouts.
    pub(crate) api_limits: api::listen::Limits,
    /// TLS for the API: the certificate chain and key files (PEM).
    pub(crate) api_tls: Option<ApiTls>,
    /// DNS over TCP: timeouts and connection caps.
    pub(crate) dns_tcp: dns::tcp::TcpLimits,
    /// Where each setting came from, by its configuration key.
    pub(crate) sources: Vec<(&'static str, Origin)>,
}

/// The API's TLS files: a certificate chain and its private key, PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiTls {
    pub(crate) cert: PathBuf,
    pub(crate) key: PathBuf,
}

/// The longest timeout accepted, in seconds (a day).
const MAX_TIMEOUT_SECS: f64 = 86_400.0;

/// An environment variable, empty counting as unset.
fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name).filter(|v| !v.trim().is_empty())
}

/// The default data directory; see docs/configuration.md.
pub(crate) fn default_data_dir(
    host: &Host,
    env: &dyn Fn(&str) -> Option<String>,
) -> (PathBuf, Origin) {
    if host.local_data_dir {
        return (
            PathBuf::from(LOCAL_DATA_DIR),
            Origin::Default("./flowdns-data exists in the working directory"),
        );
    }
    let system = host.uid == Some(0)
        || (host.system_dir_owner.is_some() && host.system_dir_owner == host.uid);
    if system {
        return (PathBuf::from(SYSTEM_DATA_DIR), Origin::Default("the system data directory"));
    }
    if let Some(xdg) = var(env, "XDG_DATA_HOME").map(PathBuf::from).filter(|p| p.is_absolute()) {
        return (xdg.join("flowdns"), Origin::Default("$XDG_DATA_HOME/flowdns"));
    }
    match var(env, "HOME").map(PathBuf::from).filter(|p| p.is_absolute()) {
        Some(home) => (
            home.join(".local/share/flowdns"),
            Origin::Default("$XDG_DATA_HOME/flowdns, $XDG_DATA_HOME defaulting to ~/.local/share"),
        ),
        None => (PathBuf::from(SYSTEM_DATA_DIR), Origin::Default("no home directory")),
    }
}

fn parse_addr(value: &str, what: &str) -> Result<SocketAddr> {
    value.trim().parse().map_err(|_| {
        anyhow!(
            "{what} = {value:?}: expected an address and port such as 127.0.0.1:5353 or [::1]:5353"
        )
    })
}

/// Resolves the settings. `env` reads an environment variable; `host` decides the default
/// data directory.
pub(crate) fn resolve(
    flags: &Flags,
    env: &dyn Fn(&str) -> Option<String>,
    file: &Config,
    host: &Host,
) -> Result<Settings> {
    let mut sources = Vec::new();
    macro_rules! pick {
        ($key:expr, $flag:expr, $flag_name:expr, $env_name:expr, $env_parse:expr, $file:expr, $default:expr) => {{
            if let Some(v) = $flag {
                sources.push(($key, Origin::Flag($flag_name)));
                v
            } else if let Some(raw) = var(env, $env_name) {
                sources.push(($key, Origin::Env($env_name)));
                $env_parse(raw)?
            } else if let Some(v) = $file {
                sources.push(($key, Origin::File));
                v
            } else {
                sources.push(($key, Origin::Default("")));
                $default
            }
        }};
    }
    let ok = |s: String| -> Result<String> { Ok(s) };
    let path = |s: String| -> Result<PathBuf> { Ok(PathBuf::from(s)) };

    let data_dir = if let Some(d) = &flags.data_dir {
        sources.push(("data_dir", Origin::Flag("--data-dir")));
        d.clone()
    } else if let Some(d) = var(env, "FLOWDNS_DATA_DIR") {
        sources.push(("data_dir", Origin::Env("FLOWDNS_DATA_DIR")));
        PathBuf::from(d)
    } else if let Some(d) = &file.data_dir {
        sources.push(("data_dir", Origin::File));
        file.resolve_path(d)
    } else {
        let (d, why) = default_data_dir(host, env);
        sources.push(("data_dir", why));
        d
    };

    let store = pick!(
        "store",
        flags.store.clone().map(Some),
        "--store",
        "FLOWDNS_STORE",
        |s: String| ok(s).map(Some),
        file.store.clone().map(Some),
        None
    );
    if let Some(url) = store.as_ref().filter(|u| {
        !(u.starts_with("sqlite:")
            || u.starts_with("postgres://")
            || u.starts_with("postgresql://"))
    }) {
        bail!(
            "store = {:?}: expected an sqlite: URL (for example \
             \"sqlite:/var/lib/flowdns/flowdns.db\") or a postgres:// URL (for example \
             \"postgres://flowdns@db.example.net/flowdns\"); or leave it out to use \
             <data_dir>/flowdns.db",
            redact_url(url)
        );
    }

    let dns_listen = pick!(
        "dns.listen",
        (!flags.dns_listen.is_empty()).then(|| flags.dns_listen.clone()),
        "--dns-listen",
        "FLOWDNS_DNS_LISTEN",
        |s: String| s
            .split(',')
            .filter(|a| !a.trim().is_empty())
            .map(|a| parse_addr(a, "FLOWDNS_DNS_LISTEN"))
            .collect::<Result<Vec<_>>>(),
        file.dns.listen.clone(),
        vec![parse_addr(DEFAULT_DNS_LISTEN, "default")?]
    );
    if dns_listen.is_empty() {
        bail!("dns.listen: give at least one address, such as [\"0.0.0.0:53\", \"[::]:53\"]");
    }
    let api_listen = pick!(
        "api.listen",
        flags.api_listen,
        "--api-listen",
        "FLOWDNS_API_LISTEN",
        |s: String| parse_addr(&s, "FLOWDNS_API_LISTEN"),
        file.api.listen,
        parse_addr(DEFAULT_API_LISTEN, "default")?
    );
    let name_servers = pick!(
        "api.name_servers",
        (!flags.name_servers.is_empty()).then(|| flags.name_servers.clone()),
        "--name-server",
        "FLOWDNS_NAME_SERVERS",
        |s: String| Ok::<_, anyhow::Error>(
            s.split(',').map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()).collect()
        ),
        file.api.name_servers.clone(),
        Vec::new()
    );
    let metrics_auth = pick!(
        "api.metrics_auth",
        flags.metrics_auth,
        "--metrics-auth",
        "FLOWDNS_METRICS_AUTH",
        |s: String| match s.trim() {
            "1" | "true" | "yes" => Ok(true),
            "0" | "false" | "no" | "" => Ok(false),
            other => Err(anyhow!("FLOWDNS_METRICS_AUTH = {other:?}: expected true or false")),
        },
        file.api.metrics_auth,
        false
    );
    // The API's connection limits, timeouts and TLS (api::listen).
    let named = |sources: &[(&'static str, Origin)], key: &'static str| -> String {
        match sources.iter().rev().find(|(k, _)| *k == key) {
            Some((_, Origin::Flag(f))) => (*f).to_owned(),
            Some((_, Origin::Env(v))) => (*v).to_owned(),
            _ => key.to_owned(),
        }
    };
    let number = |s: String, var: &str| -> Result<f64> {
        s.trim().parse::<f64>().map_err(|_| anyhow!("{var} = {s:?}: expected a number of seconds"))
    };
    let count = |s: String, var: &str| -> Result<u64> {
        s.trim().parse::<u64>().map_err(|_| anyhow!("{var} = {s:?}: expected a whole number"))
    };
    let defaults = api::listen::Limits::default();
    let timeout = |sources: &mut Vec<(&'static str, Origin)>,
                   key: &'static str,
                   secs: f64|
     -> Result<Duration> {
        if !(secs.is_finite() && secs > 0.0 && secs <= MAX_TIMEOUT_SECS) {
            bail!(
                "{} = {secs}: expected a number of seconds above 0 and at most {MAX_TIMEOUT_SECS}, \
                 such as 10 or 0.5",
                named(sources, key)
            );
        }
        Ok(Duration::from_secs_f64(secs))
    };
    let header_timeout = pick!(
        "api.header_timeout",
        flags.api_header_timeout,
        "--api-header-timeout",
        "FLOWDNS_API_HEADER_TIMEOUT",
        |s: String| number(s, "FLOWDNS_API_HEADER_TIMEOUT"),
        file.api.header_timeout,
        defaults.header_timeout.as_secs_f64()
    );
    let header_timeout = timeout(&mut sources, "api.header_timeout", header_timeout)?;
    let idle_timeout = pick!(
        "api.idle_timeout",
        flags.api_idle_timeout,
        "--api-idle-timeout",
        "FLOWDNS_API_IDLE_TIMEOUT",
        |s: String| number(s, "FLOWDNS_API_IDLE_TIMEOUT"),
        file.api.idle_timeout,
        defaults.idle_timeout.as_secs_f64()
    );
    let idle_timeout = timeout(&mut sources, "api.idle_timeout", idle_timeout)?;
    let tls_handshake_timeout = pick!(
        "api.tls_handshake_timeout",
        flags.api_tls_handshake_timeout,
        "--api-tls-handshake-timeout",
        "FLOWDNS_API_TLS_HANDSHAKE_TIMEOUT",
        |s: String| number(s, "FLOWDNS_API_TLS_HANDSHAKE_TIMEOUT"),
        file.api.tls_handshake_timeout,
        defaults.tls_handshake_timeout.as_secs_f64()
    );
    let tls_handshake_timeout =
        timeout(&mut sources, "api.tls_handshake_timeout", tls_handshake_timeout)?;
    let max_connections = pick!(
        "api.max_connections",
        flags.api_max_connections,
        "--api-max-connections",
        "FLOWDNS_API_MAX_CONNECTIONS",
        |s: String| count(s, "FLOWDNS_API_MAX_CONNECTIONS"),
        file.api.max_connections,
        defaults.max_connections as u64
    );
    if max_connections == 0 {
        bail!("{} = 0: expected at least 1 connection", named(&sources, "api.max_connections"));
    }
    let max_connections_per_source = pick!(
        "api.max_connections_per_source",
        flags.api_max_connections_per_source,
        "--api-max-connections-per-source",
        "FLOWDNS_API_MAX_CONNECTIONS_PER_SOURCE",
        |s: String| count(s, "FLOWDNS_API_MAX_CONNECTIONS_PER_SOURCE"),
        file.api.max_connections_per_source,
        defaults.max_connections_per_source as u64
    );
    if max_connections_per_source == 0 {
        bail!(
            "{} = 0: expected at least 1 connection",
            named(&sources, "api.max_connections_per_source")
        );
    }
    let api_limits = api::listen::Limits {
        header_timeout,
        idle_timeout,
        tls_handshake_timeout,
        max_connections: usize::try_from(max_connections).unwrap_or(usize::MAX),
        max_connections_per_source: usize::try_from(max_connections_per_source)
            .unwrap_or(usize::MAX),
    };
    let tls_cert = pick!(
        "api.tls_cert",
        flags.api_tls_cert.clone().map(Some),
        "--api-tls-cert",
        "FLOWDNS_API_TLS_CERT",
        |s: String| path(s).map(Some),
        file.api.tls_cert.as_ref().map(|p| Some(file.resolve_path(p))),
        None
    );
    let tls_key = pick!(
        "api.tls_key",
        flags.api_tls_key.clone().map(Some),
        "--api-tls-key",
        "FLOWDNS_API_TLS_KEY",
        |s: String| path(s).map(Some),
        file.api.tls_key.as_ref().map(|p| Some(file.resolve_path(p))),
        None
    );
    let api_tls = match (tls_cert, tls_key) {
        (Some(cert), Some(key)) => Some(ApiTls { cert, key }),
        (None, None) => None,
        (Some(_), None) => bail!(
            "{} is set but api.tls_key is not: give the certificate and its private key \
             (--api-tls-key, FLOWDNS_API_TLS_KEY or api.tls_key), or neither for plain HTTP",
            named(&sources, "api.tls_cert")
        ),
        (None, Some(_)) => bail!(
            "{} is set but api.tls_cert is not: give the certificate and its private key \
             (--api-tls-cert, FLOWDNS_API_TLS_CERT or api.tls_cert), or neither for plain HTTP",
            named(&sources, "api.tls_key")
        ),
    };
    // DNS over TCP (dns::tcp): timeouts and connection caps.
    let tcp_defaults = dns::tcp::TcpLimits::default();
    let tcp_idle = pick!(
        "dns.tcp_idle_timeout",
        flags.dns_tcp_idle_timeout,
        "--dns-tcp-idle-timeout",
        "FLOWDNS_DNS_TCP_IDLE_TIMEOUT",
        |s: String| number(s, "FLOWDNS_DNS_TCP_IDLE_TIMEOUT"),
        file.dns.tcp_idle_timeout,
        tcp_defaults.idle_timeout.as_secs_f64()
    );
    let tcp_idle = timeout(&mut sources, "dns.tcp_idle_timeout", tcp_idle)?;
    let tcp_message = pick!(
        "dns.tcp_message_timeout",
        flags.dns_tcp_message_timeout,
        "--dns-tcp-message-timeout",
        "FLOWDNS_DNS_TCP_MESSAGE_TIMEOUT",
        |s: String| number(s, "FLOWDNS_DNS_TCP_MESSAGE_TIMEOUT"),
        file.dns.tcp_message_timeout,
        tcp_defaults.message_timeout.as_secs_f64()
    );
    let tcp_message = timeout(&mut sources, "dns.tcp_message_timeout", tcp_message)?;
    let tcp_max = pick!(
        "dns.tcp_max_connections",
        flags.dns_tcp_max_connections,
        "--dns-tcp-max-connections",
        "FLOWDNS_DNS_TCP_MAX_CONNECTIONS",
        |s: String| count(s, "FLOWDNS_DNS_TCP_MAX_CONNECTIONS"),
        file.dns.tcp_max_connections,
        tcp_defaults.max_connections as u64
    );
    if tcp_max == 0 {
        bail!(
            "{} = 0: expected at least 1 connection (over the cap, the idlest connection is \
             closed to make room)",
            named(&sources, "dns.tcp_max_connections")
        );
    }
    let tcp_per_source = pick!(
        "dns.tcp_max_connections_per_source",
        flags.dns_tcp_max_connections_per_source,
        "--dns-tcp-max-connections-per-source",
        "FLOWDNS_DNS_TCP_MAX_CONNECTIONS_PER_SOURCE",
        |s: String| count(s, "FLOWDNS_DNS_TCP_MAX_CONNECTIONS_PER_SOURCE"),
        file.dns.tcp_max_connections_per_source,
        tcp_defaults.max_connections_per_source as u64
    );
    if tcp_per_source == 0 {
        bail!(
            "{} = 0: expected at least 1 connection",
            named(&sources, "dns.tcp_max_connections_per_source")
        );
    }
    let dns_tcp = dns::tcp::TcpLimits {
        idle_timeout: tcp_idle,
        message_timeout: tcp_message,
        max_connections: usize::try_from(tcp_max).unwrap_or(usize::MAX),
        max_connections_per_source: usize::try_from(tcp_per_source).unwrap_or(usize::MAX),
        ..tcp_defaults
    };
    let geoip = pick!(
        "geoip.files",
        (!flags.geoip.is_empty()).then(|| GeoipSource::Files(flags.geoip.clone())),
        "--geoip",
        "FLOWDNS_GEOIP",
        |s: String| Ok::<_, anyhow::Error>(GeoipSource::Files(
            s.split(':').filter(|p| !p.is_empty()).map(PathBuf::from).collect()
        )),
        file.geoip
            .files
            .as_ref()
            .map(|f| GeoipSource::Files(f.iter().map(|p| file.resolve_path(p)).collect())),
        GeoipSource::Dir(data_dir.join("geoip"))
    );
    if let (GeoipSource::Dir(_), Some((_, from))) =
        (&geoip, sources.iter_mut().find(|(k, _)| *k == "geoip.files"))
    {
        *from = Origin::Default("every *.mmdb file in <data_dir>/geoip");
    }
    let reload_secs = pick!(
        "geoip.reload_interval",
        None::<u64>,
        "",
        "FLOWDNS_GEOIP_RELOAD_INTERVAL",
        |s: String| {
            s.trim().parse::<u64>().map_err(|_| anyhow!(
            "FLOWDNS_GEOIP_RELOAD_INTERVAL = {s:?}: expected a number of seconds (0: only on SIGHUP)"
        ))
        },
        file.geoip.reload_interval,
        DEFAULT_GEOIP_RELOAD_SECS
    );
    let query_log_file = pick!(
        "query_log.file",
        flags.query_log.clone().map(Some),
        "--query-log",
        "FLOWDNS_QUERY_LOG",
        |s: String| path(s).map(Some),
        file.query_log.file.as_ref().map(|p| Some(file.resolve_path(p))),
        None
    );
    let query_log_sample = pick!(
        "query_log.sample",
        flags.query_log_sample,
        "--query-log-sample",
        "FLOWDNS_QUERY_LOG_SAMPLE",
        |s: String| s.trim().parse::<f64>().map_err(|_| anyhow!(
            "FLOWDNS_QUERY_LOG_SAMPLE = {s:?}: expected a share of queries above 0 and at most 1"
        )),
        file.query_log.sample,
        1.0
    );
    if !(query_log_sample > 0.0 && query_log_sample <= 1.0) {
        let name = match sources.iter().rev().find(|(k, _)| *k == "query_log.sample") {
            Some((_, Origin::Flag(f))) => *f,
            Some((_, Origin::Env(v))) => *v,
            _ => "query_log.sample",
        };
        bail!(
            "{name} = {query_log_sample}: expected a share of queries above 0 and at most 1, \
             such as 0.1"
        );
    }
    let upstream = pick!(
        "upstream",
        flags.upstream.clone().map(Some),
        "--upstream",
        "FLOWDNS_UPSTREAM",
        |s: String| ok(s).map(Some),
        file.upstream.clone().map(Some),
        None
    );
    if let Some(u) = &upstream {
        crate::serve::parse_upstream(u)?;
    }
    let latency_table = pick!(
        "latency_table",
        flags.latency_table.clone().map(Some),
        "--latency-table",
        "FLOWDNS_LATENCY_TABLE",
        |s: String| path(s).map(Some),
        file.latency_table().map(Some),
        None
    );
    let log_level = pick!(
        "log.level",
        None::<String>,
        "",
        "FLOWDNS_LOG",
        ok,
        file.log.level.clone(),
        DEFAULT_LOG_LEVEL.to_owned()
    );
    if let Err(e) = tracing_subscriber::EnvFilter::try_new(&log_level) {
        let name = match sources.last() {
            Some((_, Origin::Env(var))) => *var,
            _ => "log.level",
        };
        bail!(
            "{name} = {log_level:?}: {e}; expected a level (error, warn, info, debug, trace) \
             or directives such as \"info,dns=debug\""
        );
    }
    let file_format = match &file.log.format {
        None => None,
        Some(f) => Some(
            LogFormat::parse(f)
                .ok_or_else(|| anyhow!("log.format = {f:?}: expected \"text\" or \"json\""))?,
        ),
    };
    let log_format = pick!(
        "log.format",
        flags.log_format,
        "--log-format",
        "FLOWDNS_LOG_FORMAT",
        |s: String| LogFormat::parse(s.trim())
            .ok_or_else(|| anyhow!("FLOWDNS_LOG_FORMAT = {s:?}: expected \"text\" or \"json\"")),
        file_format,
        LogFormat::Text
    );
    let node_name = pick!(
        "node.name",
        flags.node_name.clone(),
        "--node-name",
        "FLOWDNS_NODE_NAME",
        ok,
        file.node.name.clone(),
        host_name()
    );
    if node_name.is_empty()
        || node_name.len() > 64
        || !node_name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        bail!(
            "node.name = {node_name:?}: expected 1 to 64 letters, digits, '-', '_' or '.', \
             unique among the nodes sharing a store"
        );
    }
    let roles_list = pick!(
        "node.roles",
        flags.roles.clone().map(|r| r.split(',').map(str::to_owned).collect::<Vec<_>>()),
        "--roles",
        "FLOWDNS_ROLES",
        |s: String| Ok::<_, anyhow::Error>(s.split(',').map(str::to_owned).collect()),
        file.node.roles.clone(),
        DEFAULT_ROLES.split(',').map(str::to_owned).collect()
    );
    let roles_from = match sources.last() {
        Some((_, Origin::Flag(f))) => *f,
        Some((_, Origin::Env(v))) => *v,
        _ => "node.roles",
    };
    let (dns, api, health) = parse_roles(&roles_list, roles_from)?;
    let region = pick!(
        "node.region",
        flags.node_region.clone(),
        "--node-region",
        "FLOWDNS_NODE_REGION",
        ok,
        file.node.region.clone(),
        DEFAULT_REGION.to_owned()
    );
    if region.is_empty() || region.len() > 64 || region.chars().any(|c| c.is_whitespace()) {
        bail!(
            "node.region = {region:?}: expected a region name such as us-east-1 (1 to 64 characters, no spaces)"
        );
    }
    let healthy_share = pick!(
        "health.healthy_share",
        None::<f64>,
        "",
        "FLOWDNS_HEALTHY_SHARE",
        |s: String| {
            s.trim().parse::<f64>().map_err(|_| anyhow!(
            "FLOWDNS_HEALTHY_SHARE = {s:?}: expected a share from 0 up to (not including) 1, such as 0.18"
        ))
        },
        file.health.healthy_share,
        DEFAULT_HEALTHY_SHARE
    );
    if !(0.0..1.0).contains(&healthy_share) {
        bail!(
            "health.healthy_share = {healthy_share}: expected a share from 0 up to (not \
             including) 1; a check is healthy when more than this share of its checkers say so"
        );
    }
    // Response-rate limiting of UDP answers (dns::rrl); checked even when off.
    let rrl_bool = |s: String, var: &str| -> Result<bool> {
        match s.trim() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            other => Err(anyhow!("{var} = {other:?}: expected true or false")),
        }
    };
    let rrl_u32 = |s: String, var: &str| -> Result<u32> {
        s.trim().parse::<u32>().map_err(|_| anyhow!("{var} = {s:?}: expected a whole number"))
    };
    let rrl_prefix = |s: String, var: &str| -> Result<u8> {
        s.trim().parse::<u8>().map_err(|_| anyhow!("{var} = {s:?}: expected a prefix length"))
    };
    let rrl_default = dns::rrl::Config::default();
    let rrl_enabled = pick!(
        "rrl.enabled",
        flags.rrl,
        "--rrl",
        "FLOWDNS_RRL",
        |s: String| rrl_bool(s, "FLOWDNS_RRL"),
        file.rrl.enabled,
        true
    );
    let responses_per_second = pick!(
        "rrl.responses_per_second",
        flags.rrl_responses_per_second,
        "--rrl-responses-per-second",
        "FLOWDNS_RRL_RESPONSES_PER_SECOND",
        |s: String| rrl_u32(s, "FLOWDNS_RRL_RESPONSES_PER_SECOND"),
        file.rrl.responses_per_second,
        rrl_default.responses_per_second
    );
    let window = pick!(
        "rrl.window",
        flags.rrl_window,
        "--rrl-window",
        "FLOWDNS_RRL_WINDOW",
        |s: String| rrl_u32(s, "FLOWDNS_RRL_WINDOW"),
        file.rrl.window,
        rrl_default.window
    );
    let slip = pick!(
        "rrl.slip",
        flags.rrl_slip,
        "--rrl-slip",
        "FLOWDNS_RRL_SLIP",
        |s: String| rrl_u32(s, "FLOWDNS_RRL_SLIP"),
        file.rrl.slip,
        rrl_default.slip
    );
    let ipv4_prefix = pick!(
        "rrl.ipv4_prefix",
        flags.rrl_ipv4_prefix,
        "--rrl-ipv4-prefix",
        "FLOWDNS_RRL_IPV4_PREFIX",
        |s: String| rrl_prefix(s, "FLOWDNS_RRL_IPV4_PREFIX"),
        file.rrl.ipv4_prefix,
        rrl_default.ipv4_prefix
    );
    let ipv6_prefix = pick!(
        "rrl.ipv6_prefix",
        flags.rrl_ipv6_prefix,
        "--rrl-ipv6-prefix",
        "FLOWDNS_RRL_IPV6_PREFIX",
        |s: String| rrl_prefix(s, "FLOWDNS_RRL_IPV6_PREFIX"),
        file.rrl.ipv6_prefix,
        rrl_default.ipv6_prefix
    );
    let exempt_loopback = pick!(
        "rrl.exempt_loopback",
        flags.rrl_exempt_loopback,
        "--rrl-exempt-loopback",
        "FLOWDNS_RRL_EXEMPT_LOOPBACK",
        |s: String| rrl_bool(s, "FLOWDNS_RRL_EXEMPT_LOOPBACK"),
        file.rrl.exempt_loopback,
        rrl_default.exempt_loopback
    );
    let exempt_text = pick!(
        "rrl.exempt",
        (!flags.rrl_exempt.is_empty()).then(|| flags.rrl_exempt.clone()),
        "--rrl-exempt",
        "FLOWDNS_RRL_EXEMPT",
        |s: String| Ok::<_, anyhow::Error>(
            s.split(',').map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()).collect()
        ),
        file.rrl.exempt.clone(),
        Vec::new()
    );
    let log_only = pick!(
        "rrl.log_only",
        flags.rrl_log_only,
        "--rrl-log-only",
        "FLOWDNS_RRL_LOG_ONLY",
        |s: String| rrl_bool(s, "FLOWDNS_RRL_LOG_ONLY"),
        file.rrl.log_only,
        rrl_default.log_only
    );
    let table_size = pick!(
        "rrl.table_size",
        flags.rrl_table_size,
        "--rrl-table-size",
        "FLOWDNS_RRL_TABLE_SIZE",
        |s: String| rrl_u32(s, "FLOWDNS_RRL_TABLE_SIZE"),
        file.rrl.table_size,
        rrl_default.table_size
    );
    let rrl_from = |key: &str| {
        sources.iter().rev().find(|(k, _)| *k == key).map_or(String::new(), |(_, o)| o.to_string())
    };
    let mut exempt = Vec::with_capacity(exempt_text.len());
    for (i, text) in exempt_text.iter().enumerate() {
        match dns::rrl::parse_network(text) {
            Some(net) => exempt.push(net),
            None => bail!(
                "rrl.exempt[{i}] = {text:?}: expected a network such as \"10.0.0.0/8\" or \
                 \"2001:db8::/32\", or an address (from {})",
                rrl_from("rrl.exempt")
            ),
        }
    }
    let rrl_config = dns::rrl::Config {
        responses_per_second,
        window,
        slip,
        ipv4_prefix,
        ipv6_prefix,
        exempt_loopback,
        exempt,
        log_only,
        table_size,
    };
    if let Err(e) = rrl_config.check() {
        // The message starts with the key (`rrl.slip = ...`, `rrl.exempt[2] = ...`).
        let key = e.split([' ', '[']).next().unwrap_or_default();
        bail!("{e} (from {})", rrl_from(key));
    }
    let rrl = rrl_enabled.then_some(rrl_config);
    // File-only sections: checked here so that every command refuses a bad file alike.
    file.catalog()?;
    file.health_deny()?;

    Ok(Settings {
        config_file: file.path.clone(),
        data_dir,
        store,
        dns_listen,
        api_listen,
        geoip,
        geoip_reload: (reload_secs > 0).then(|| Duration::from_secs(reload_secs)),
        upstream,
        latency_table,
        name_servers,
        log_level,
        log_format,
        query_log: query_log_file.map(|f| (f, query_log_sample)),
        node: NodeSettings { name: node_name, dns, api, health, region },
        healthy_share,
        metrics_auth,
        api_limits,
        api_tls,
        rrl,
        dns_tcp,
        sources,
    })
}

impl Settings {
    /// Where a setting came from.
    pub(crate) fn source(&self, key: &str) -> Option<&Origin> {
        self.sources.iter().find(|(k, _)| *k == key).map(|(_, f)| f)
    }

    /// The database file the store lives in, when it is a file (not an in-memory URL).
    pub(crate) fn store_file(&self) -> Option<PathBuf> {
        match &self.store {
            None => Some(self.data_dir.join(store::DB_FILE_NAME)),
            Some(url) => {
                // A PostgreSQL store is a database on a server, not a file here.
                if url.contains(":memory:")
                    || url.contains("mode=memory")
                    || !url.starts_with("sqlite:")
                {
                    return None;
                }
                let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
                let path = rest.split('?').next().unwrap_or(rest);
                Some(PathBuf::from(path))
            }
        }
    }

    /// Whether the store exists already.
    pub(crate) fn store_exists(&self) -> bool {
        self.store_file().is_none_or(|f| f.exists())
    }

    /// Opens the store (creating it if missing).
    pub(crate) async fn open_store(&self) -> Result<store::Store> {
        match &self.store {
            None => store::Store::open(&self.data_dir)
                .await
                .map_err(|e| anyhow!("cannot open the store in {}: {e}", self.data_dir.display())),
            Some(url) => store::Store::open_url(url)
                .await
                .map_err(|e| anyhow!("cannot open the store {}: {e}", redact_url(url))),
        }
    }

    /// The store's location for messages: its file, or its URL without secrets.
    pub(crate) fn store_display(&self) -> String {
        match (&self.store, self.store_file()) {
            (_, Some(f)) => absolute(&f).display().to_string(),
            (Some(url), None) => redact_url(url),
            (None, None) => String::new(),
        }
    }
}

/// A path made absolute against the working directory, for messages.
pub(crate) fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// A URL with its password (`user:password@`) and `password=` parameters replaced.
pub(crate) fn redact_url(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = out[rest_start..].find('/').map_or(out.len(), |i| rest_start + i);
        if let Some(at) = out[rest_start..authority_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(rest_start + colon + 1..rest_start + at, "REDACTED");
            }
        }
    }
    let lower = out.to_ascii_lowercase();
    if let Some(i) = lower.find("password=") {
        let start = i + "password=".len();
        let end = out[start..].find('&').map_or(out.len(), |j| start + j);
        out.replace_range(start..end, "REDACTED");
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn host() -> Host {
        Host { local_data_dir: false, uid: Some(1000), system_dir_owner: None }
    }

    fn file(text: &str) -> Config {
        Config::parse(text).unwrap()
    }

    const FILE: &str = "data_dir = \"/srv/file\"\nupstream = \"192.0.2.1\"\n\
        [dns]\nlisten = [\"127.0.0.1:1053\"]\n[api]\nlisten = \"127.0.0.1:1080\"\n\
        [geoip]\nfiles = [\"/srv/file.mmdb\"]\nreload_interval = 5\n\
        [log]\nlevel = \"debug\"\nformat = \"json\"\n";

    fn env_all(name: &str) -> Option<String> {
        Some(
            match name {
                "FLOWDNS_DATA_DIR" => "/srv/env",
                "FLOWDNS_DNS_LISTEN" => "127.0.0.1:2053,[::1]:2053",
                "FLOWDNS_API_LISTEN" => "127.0.0.1:2080",
                "FLOWDNS_GEOIP" => "/srv/env1.mmdb:/srv/env2.mmdb",
                "FLOWDNS_GEOIP_RELOAD_INTERVAL" => "0",
                "FLOWDNS_UPSTREAM" => "192.0.2.2:5300",
                "FLOWDNS_LOG" => "warn",
                "FLOWDNS_LOG_FORMAT" => "text",
                "HOME" => "/home/u",
                _ => return None,
            }
            .to_owned(),
        )
    }

    fn no_env(name: &str) -> Option<String> {
        (name == "HOME").then(|| "/home/u".to_owned())
    }

    #[test]
    fn flags_win_over_everything() {
        let flags = Flags {
            data_dir: Some("/srv/flag".into()),
            dns_listen: vec!["127.0.0.1:3053".parse().unwrap()],
            api_listen: Some("127.0.0.1:3080".parse().unwrap()),
            geoip: vec!["/srv/flag.mmdb".into()],
            upstream: Some("192.0.2.3".into()),
            log_format: Some(LogFormat::Json),
            ..Flags::default()
        };
        let s = resolve(&flags, &env_all, &file(FILE), &host()).unwrap();
        assert_eq!(s.data_dir, PathBuf::from("/srv/flag"));
        assert_eq!(s.dns_listen, ["127.0.0.1:3053".parse().unwrap()]);
        assert_eq!(s.api_listen, "127.0.0.1:3080".parse().unwrap());
        assert_eq!(s.geoip, GeoipSource::Files(vec!["/srv/flag.mmdb".into()]));
        assert_eq!(s.upstream.as_deref(), Some("192.0.2.3"));
        assert_eq!(s.log_format, LogFormat::Json);
        assert_eq!(s.source("data_dir"), Some(&Origin::Flag("--data-dir")));
        assert_eq!(s.source("dns.listen"), Some(&Origin::Flag("--dns-listen")));
    }

    #[test]
    fn the_environment_wins_over_the_file() {
        let s = resolve(&Flags::default(), &env_all, &file(FILE), &host()).unwrap();
        assert_eq!(s.data_dir, PathBuf::from("/srv/env"));
        assert_eq!(
            s.dns_listen,
            ["127.0.0.1:2053".parse().unwrap(), "[::1]:2053".parse().unwrap()]
        );
        assert_eq!(s.api_listen, "127.0.0.1:2080".parse().unwrap());
        assert_eq!(
            s.geoip,
            GeoipSource::Files(vec!["/srv/env1.mmdb".into(), "/srv/env2.mmdb".into()])
        );
        assert_eq!(s.geoip_reload, None);
        assert_eq!(s.upstream.as_deref(), Some("192.0.2.2:5300"));
        assert_eq!(s.log_level, "warn");
        assert_eq!(s.log_format, LogFormat::Text);
        assert_eq!(s.source("api.listen"), Some(&Origin::Env("FLOWDNS_API_LISTEN")));
    }

    #[test]
    fn the_file_wins_over_the_defaults() {
        let s = resolve(&Flags::default(), &no_env, &file(FILE), &host()).unwrap();
        assert_eq!(s.data_dir, PathBuf::from("/srv/file"));
        assert_eq!(s.dns_listen, ["127.0.0.1:1053".parse().unwrap()]);
        assert_eq!(s.api_listen, "127.0.0.1:1080".parse().unwrap());
        assert_eq!(s.geoip, GeoipSource::Files(vec!["/srv/file.mmdb".into()]));
        assert_eq!(s.geoip_reload, Some(Duration::from_secs(5)));
        assert_eq!(s.upstream.as_deref(), Some("192.0.2.1"));
        assert_eq!(s.log_level, "debug");
        assert_eq!(s.log_format, LogFormat::Json);
        assert_eq!(s.source("log.format"), Some(&Origin::File));
    }

    #[test]
    fn the_defaults_apply_when_nothing_is_given() {
        let s = resolve(&Flags::default(), &no_env, &Config::default(), &host()).unwrap();
        assert_eq!(s.data_dir, PathBuf::from("/home/u/.local/share/flowdns"));
        assert_eq!(s.dns_listen, [DEFAULT_DNS_LISTEN.parse().unwrap()]);
        assert_eq!(s.api_listen, DEFAULT_API_LISTEN.parse().unwrap());
        // Without files, the databases are the ones in the data directory.
        assert_eq!(s.geoip, GeoipSource::Dir("/home/u/.local/share/flowdns/geoip".into()));
        assert_eq!(s.geoip_reload, Some(Duration::from_secs(DEFAULT_GEOIP_RELOAD_SECS)));
        assert_eq!(s.upstream, None);
        assert_eq!(s.log_level, DEFAULT_LOG_LEVEL);
        assert_eq!(s.log_format, LogFormat::Text);
        assert_eq!(s.source("store"), Some(&Origin::Default("")));
    }

    #[test]
    fn the_default_data_directory() {
        let env = |n: &str| match n {
            "HOME" => Some("/home/u".to_owned()),
            "XDG_DATA_HOME" => Some("/data/u".to_owned()),
            _ => None,
        };
        let dir = |h: Host| default_data_dir(&h, &env).0;
        assert_eq!(dir(host()), PathBuf::from("/data/u/flowdns"));
        assert_eq!(dir(Host { local_data_dir: true, ..host() }), PathBuf::from("flowdns-data"));
        assert_eq!(dir(Host { uid: Some(0), ..host() }), PathBuf::from(SYSTEM_DATA_DIR));
        assert_eq!(
            dir(Host { system_dir_owner: Some(1000), ..host() }),
            PathBuf::from(SYSTEM_DATA_DIR),
            "the flowdns user of a system installation"
        );
        assert_eq!(
            dir(Host { system_dir_owner: Some(999), ..host() }),
            PathBuf::from("/data/u/flowdns")
        );
        assert_eq!(default_data_dir(&host(), &|_| None).0, PathBuf::from(SYSTEM_DATA_DIR));
    }

    #[test]
    fn relative_paths_in_the_file_are_relative_to_it() {
        let dir = std::env::temp_dir().join(format!("flowdns-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("flowdns.toml");
        std::fs::write(&path, "data_dir = \"data\"\n[geoip]\nfiles = [\"geo/a.mmdb\"]\n").unwrap();
        let config = Config::load(Some(&path)).unwrap();
        let s = resolve(&Flags::default(), &no_env, &config, &host()).unwrap();
        assert_eq!(s.data_dir, dir.join("data"));
        assert_eq!(s.geoip, GeoipSource::Files(vec![dir.join("geo/a.mmdb")]));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn node_roles_region_and_healthy_share() {
        let s = resolve(&Flags::default(), &no_env, &file(""), &host()).unwrap();
        assert_eq!((s.node.dns, s.node.api, s.node.health), (true, true, true));
        assert_eq!((s.node.region.as_str(), s.healthy_share), ("local", 0.18));
        assert!(!s.node.name.is_empty(), "the host name by default");
        let cfg = file(
            "[node]\nname = \"ns2\"\nroles = [\"dns\"]\nregion = \"eu\"\n[health]\nhealthy_share = 0.5\n",
        );
        let s = resolve(&Flags::default(), &no_env, &cfg, &host()).unwrap();
        assert_eq!(s.node.name, "ns2");
        assert_eq!(s.node.roles(), "dns");
        assert_eq!((s.node.region.as_str(), s.healthy_share), ("eu", 0.5));
        // Flags, then the environment, then the file.
        let env = |n: &str| (n == "FLOWDNS_ROLES").then(|| "api,health".to_owned());
        assert_eq!(
            resolve(&Flags::default(), &env, &cfg, &host()).unwrap().node.roles(),
            "api,health"
        );
        let flags = Flags { roles: Some("health".into()), ..Flags::default() };
        assert_eq!(resolve(&flags, &env, &cfg, &host()).unwrap().node.roles(), "health");
        // Refusals name the source and what is allowed.
        let flags = Flags { roles: Some("dns,web".into()), ..Flags::default() };
        let e = resolve(&flags, &no_env, &cfg, &host()).unwrap_err().to_string();
        assert!(
            e.contains("--roles") && e.contains("\"web\"") && e.contains("dns, api, health"),
            "{e}"
        );
        let e = resolve(&Flags::default(), &no_env, &file("[node]\nroles = []\n"), &host())
            .unwrap_err()
            .to_string();
        assert!(e.contains("at least one role"), "{e}");
        let flags = Flags { node_name: Some("a b".into()), ..Flags::default() };
        let e = resolve(&flags, &no_env, &cfg, &host()).unwrap_err().to_string();
        assert!(e.starts_with("node.name = \"a b\""), "{e}");
        let e =
            resolve(&Flags::default(), &no_env, &file("[health]\nhealthy_share = 1.0\n"), &host())
                .unwrap_err()
                .to_string();
        assert!(e.contains("health.healthy_share = 1"), "{e}");
        let env = |n: &str| (n == "FLOWDNS_HEALTHY_SHARE").then(|| "most".to_owned());
        let e = resolve(&Flags::default(), &env, &file(""), &host()).unwrap_err().to_string();
        assert!(e.contains("FLOWDNS_HEALTHY_SHARE"), "{e}");
        // A PostgreSQL store is accepted.
        let s =
            resolve(&Flags::default(), &no_env, &file("store = \"postgres://u@h/db\"\n"), &host())
                .unwrap();
        assert_eq!(s.store.as_deref(), Some("postgres://u@h/db"));
        assert!(s.store_exists(), "not a file here: nothing to warn about");
    }

    #[test]
    fn bad_values_name_where_they_come_from() {
        let env = |n: &str| (n == "FLOWDNS_DNS_LISTEN").then(|| "localhost".to_owned());
        let e = resolve(&Flags::default(), &env, &Config::default(), &host()).unwrap_err();
        assert!(e.to_string().contains("FLOWDNS_DNS_LISTEN"), "{e}");
        let env = |n: &str| (n == "FLOWDNS_LOG").then(|| "info,[".to_owned());
        let e = resolve(&Flags::default(), &env, &Config::default(), &host()).unwrap_err();
        assert!(e.to_string().starts_with("FLOWDNS_LOG = "), "{e}");
        let e = resolve(&Flags::default(), &no_env, &file("[log]\nformat = \"yaml\"\n"), &host())
            .unwrap_err();
        assert!(e.to_string().contains("log.format"), "{e}");
        let e =
            resolve(&Flags::default(), &no_env, &file("store = \"mysql://u:pw@h/db\"\n"), &host())
                .unwrap_err();
        assert!(e.to_string().contains("expected an sqlite: URL"), "{e}");
        assert!(!e.to_string().contains("pw"), "the password is not shown: {e}");
        let e = resolve(&Flags::default(), &no_env, &file("upstream = \"nowhere\"\n"), &host())
            .unwrap_err();
        assert!(e.to_string().contains("nowhere"), "{e}");
    }

    #[test]
    fn api_limits_and_tls_from_flag_then_environment_then_file() {
        let none = |_: &str| None;
        let s = resolve(&Flags::default(), &none, &file(""), &host()).unwrap();
        assert_eq!(s.api_limits, api::listen::Limits::default());
        assert_eq!(s.api_tls, None);
        let cfg = file(
            "[api]\nheader_timeout = 5\nidle_timeout = 0.5\ntls_handshake_timeout = 3\n\
             max_connections = 100\nmax_connections_per_source = 7\n\
             tls_cert = \"/etc/f/api.crt\"\ntls_key = \"/etc/f/api.key\"\n",
        );
        let s = resolve(&Flags::default(), &none, &cfg, &host()).unwrap();
        let l = s.api_limits;
        assert_eq!(
            (l.header_timeout, l.idle_timeout, l.tls_handshake_timeout),
            (Duration::from_secs(5), Duration::from_millis(500), Duration::from_secs(3))
        );
        assert_eq!((l.max_connections, l.max_connections_per_source), (100, 7));
        assert_eq!(
            s.api_tls,
            Some(ApiTls { cert: "/etc/f/api.crt".into(), key: "/etc/f/api.key".into() })
        );
        assert_eq!(s.source("api.max_connections"), Some(&Origin::File));
        let env = |n: &str| match n {
            "FLOWDNS_API_MAX_CONNECTIONS" => Some("50".to_owned()),
            "FLOWDNS_API_TLS_CERT" => Some("/env/api.crt".to_owned()),
            _ => None,
        };
        let s = resolve(&Flags::default(), &env, &cfg, &host()).unwrap();
        assert_eq!(s.api_limits.max_connections, 50);
        assert_eq!(s.api_tls.as_ref().unwrap().cert, PathBuf::from("/env/api.crt"));
        let flags =
            Flags { api_max_connections: Some(9), api_idle_timeout: Some(2.0), ..Flags::default() };
        let s = resolve(&flags, &env, &cfg, &host()).unwrap();
        assert_eq!(s.api_limits.max_connections, 9);
        assert_eq!(s.api_limits.idle_timeout, Duration::from_secs(2));
        assert_eq!(s.source("api.idle_timeout"), Some(&Origin::Flag("--api-idle-timeout")));
        // Both TLS files or neither; the refusal names where the one came from.
        let flags = Flags { api_tls_cert: Some("/f/api.crt".into()), ..Flags::default() };
        let e = resolve(&flags, &none, &file(""), &host()).unwrap_err().to_string();
        assert!(e.starts_with("--api-tls-cert is set but api.tls_key is not"), "{e}");
        let e = resolve(&Flags::default(), &none, &file("[api]\ntls_key = \"k.pem\"\n"), &host())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("api.tls_key is set but api.tls_cert is not"), "{e}");
        // Bad values name their source.
        let env = |n: &str| (n == "FLOWDNS_API_HEADER_TIMEOUT").then(|| "soon".to_owned());
        let e = resolve(&Flags::default(), &env, &file(""), &host()).unwrap_err().to_string();
        assert!(e.contains("FLOWDNS_API_HEADER_TIMEOUT"), "{e}");
        let e = resolve(&Flags::default(), &none, &file("[api]\nidle_timeout = 0\n"), &host())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("api.idle_timeout = 0"), "{e}");
        let flags = Flags { api_max_connections_per_source: Some(0), ..Flags::default() };
        let e = resolve(&flags, &none, &file(""), &host()).unwrap_err().to_string();
        assert!(e.starts_with("--api-max-connections-per-source = 0"), "{e}");
    }

    #[test]
    fn rrl_from_flag_then_environment_then_file() {
        let none = |_: &str| None;
        let s = resolve(&Flags::default(), &none, &file(""), &host()).unwrap();
        assert_eq!(s.rrl, Some(dns::rrl::Config::default()), "on by default");
        let cfg = file(
            "[rrl]\nresponses_per_second = 50\nwindow = 3\nslip = 0\nipv4_prefix = 28\n\
             ipv6_prefix = 48\nexempt_loopback = false\nexempt = [\"10.0.0.0/8\", \"2001:db8::/32\"]\n\
             log_only = true\ntable_size = 4096\n",
        );
        let c = resolve(&Flags::default(), &none, &cfg, &host()).unwrap().rrl.unwrap();
        assert_eq!(
            (c.responses_per_second, c.window, c.slip, c.ipv4_prefix, c.ipv6_prefix),
            (50, 3, 0, 28, 48)
        );
        assert!(!c.exempt_loopback && c.log_only);
        assert_eq!(
            c.exempt,
            [("10.0.0.0".parse().unwrap(), 8), ("2001:db8::".parse().unwrap(), 32)]
        );
        assert_eq!(c.table_size, 4096);
        let env = |n: &str| match n {
            "FLOWDNS_RRL_RESPONSES_PER_SECOND" => Some("70".to_owned()),
            "FLOWDNS_RRL_EXEMPT" => Some("192.0.2.0/24, 198.51.100.7".to_owned()),
            "FLOWDNS_RRL_EXEMPT_LOOPBACK" => Some("true".to_owned()),
            _ => None,
        };
        let s = resolve(&Flags::default(), &env, &cfg, &host()).unwrap();
        let c = s.rrl.unwrap();
        assert_eq!((c.responses_per_second, c.window, c.exempt_loopback), (70, 3, true));
        assert_eq!(
            c.exempt,
            [("192.0.2.0".parse().unwrap(), 24), ("198.51.100.7".parse().unwrap(), 32)]
        );
        assert_eq!(
            s.sources.iter().find(|(k, _)| *k == "rrl.exempt").unwrap().1,
            Origin::Env("FLOWDNS_RRL_EXEMPT")
        );
        let flags = Flags {
            rrl_responses_per_second: Some(90),
            rrl_slip: Some(1),
            rrl_exempt: vec!["172.16.0.0/12".into()],
            ..Flags::default()
        };
        let c = resolve(&flags, &env, &cfg, &host()).unwrap().rrl.unwrap();
        assert_eq!((c.responses_per_second, c.slip), (90, 1));
        assert_eq!(c.exempt, [("172.16.0.0".parse().unwrap(), 12)]);
        // Off, from any source.
        let flags = Flags { rrl: Some(false), ..Flags::default() };
        assert_eq!(resolve(&flags, &none, &cfg, &host()).unwrap().rrl, None);
        let env = |n: &str| (n == "FLOWDNS_RRL").then(|| "false".to_owned());
        assert_eq!(resolve(&Flags::default(), &env, &cfg, &host()).unwrap().rrl, None);
        let off = file("[rrl]\nenabled = false\n");
        assert_eq!(resolve(&Flags::default(), &none, &off, &host()).unwrap().rrl, None);
        // Bad values name the key and where they came from, even when off.
        let bad = file("[rrl]\nenabled = false\nslip = 500\n");
        let e = resolve(&Flags::default(), &none, &bad, &host()).unwrap_err().to_string();
        assert!(e.starts_with("rrl.slip = 500") && e.contains("configuration file"), "{e}");
        let flags = Flags { rrl_responses_per_second: Some(0), ..Flags::default() };
        let e = resolve(&flags, &none, &cfg, &host()).unwrap_err().to_string();
        assert!(e.contains("rrl.responses_per_second = 0") && e.contains("--rrl-"), "{e}");
        let env = |n: &str| (n == "FLOWDNS_RRL_EXEMPT").then(|| "10.0.0.0/8,nowhere".to_owned());
        let e = resolve(&Flags::default(), &env, &cfg, &host()).unwrap_err().to_string();
        assert!(
            e.starts_with("rrl.exempt[1] = \"nowhere\"") && e.contains("FLOWDNS_RRL_EXEMPT"),
            "{e}"
        );
        let env = |n: &str| (n == "FLOWDNS_RRL_WINDOW").then(|| "long".to_owned());
        let e = resolve(&Flags::default(), &env, &cfg, &host()).unwrap_err().to_string();
        assert!(e.starts_with("FLOWDNS_RRL_WINDOW = \"long\""), "{e}");
        let e = resolve(&Flags::default(), &none, &file("[rrl]\nipv6_prefix = 129\n"), &host())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("rrl.ipv6_prefix = 129"), "{e}");
    }

    #[test]
    fn dns_tcp_limits_from_flag_then_environment_then_file() {
        let none = |_: &str| None;
        let s = resolve(&Flags::default(), &none, &file(""), &host()).unwrap();
        assert_eq!(s.dns_tcp, dns::tcp::TcpLimits::default());
        let cfg = file(
            "[dns]\ntcp_idle_timeout = 5\ntcp_message_timeout = 0.5\n\
             tcp_max_connections = 300\ntcp_max_connections_per_source = 8\n",
        );
        let s = resolve(&Flags::default(), &none, &cfg, &host()).unwrap();
        let t = s.dns_tcp;
        assert_eq!(
            (t.idle_timeout, t.message_timeout, t.max_connections, t.max_connections_per_source),
            (Duration::from_secs(5), Duration::from_millis(500), 300, 8)
        );
        assert_eq!(t.busy_idle_timeout, dns::tcp::TcpLimits::DEFAULT.busy_idle_timeout);
        assert_eq!(s.source("dns.tcp_max_connections"), Some(&Origin::File));
        let env = |n: &str| (n == "FLOWDNS_DNS_TCP_MAX_CONNECTIONS").then(|| "40".to_owned());
        let s = resolve(&Flags::default(), &env, &cfg, &host()).unwrap();
        assert_eq!(s.dns_tcp.max_connections, 40);
        assert_eq!(
            s.source("dns.tcp_max_connections"),
            Some(&Origin::Env("FLOWDNS_DNS_TCP_MAX_CONNECTIONS"))
        );
        let flags = Flags {
            dns_tcp_max_connections: Some(9),
            dns_tcp_idle_timeout: Some(2.5),
            ..Flags::default()
        };
        let s = resolve(&flags, &env, &cfg, &host()).unwrap();
        assert_eq!(s.dns_tcp.max_connections, 9);
        assert_eq!(s.dns_tcp.idle_timeout, Duration::from_millis(2500));
        assert_eq!(s.source("dns.tcp_idle_timeout"), Some(&Origin::Flag("--dns-tcp-idle-timeout")));
        // Bad values name their source.
        let env = |n: &str| (n == "FLOWDNS_DNS_TCP_IDLE_TIMEOUT").then(|| "soon".to_owned());
        let e = resolve(&Flags::default(), &env, &file(""), &host()).unwrap_err().to_string();
        assert!(e.contains("FLOWDNS_DNS_TCP_IDLE_TIMEOUT"), "{e}");
        let e =
            resolve(&Flags::default(), &none, &file("[dns]\ntcp_message_timeout = 0\n"), &host())
                .unwrap_err()
                .to_string();
        assert!(e.starts_with("dns.tcp_message_timeout = 0"), "{e}");
        let flags = Flags { dns_tcp_max_connections: Some(0), ..Flags::default() };
        let e = resolve(&flags, &none, &file(""), &host()).unwrap_err().to_string();
        assert!(e.starts_with("--dns-tcp-max-connections = 0"), "{e}");
        let env =
            |n: &str| (n == "FLOWDNS_DNS_TCP_MAX_CONNECTIONS_PER_SOURCE").then(|| "0".to_owned());
        let e = resolve(&Flags::default(), &env, &file(""), &host()).unwrap_err().to_string();
        assert!(e.starts_with("FLOWDNS_DNS_TCP_MAX_CONNECTIONS_PER_SOURCE = 0"), "{e}");
    }

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://me:secret@db:5432/x"),
            "postgres://me:REDACTED@db:5432/x"
        );
        assert_eq!(redact_url("sqlite:/a/b.db"), "sqlite:/a/b.db");
        assert_eq!(
            redact_url("postgres://db/x?user=a&password=s3&x=1"),
            "postgres://db/x?user=a&password=REDACTED&x=1"
        );
    }

    #[test]
    fn query_log_from_flag_then_environment_then_file() {
        let cfg = file("[query_log]\nfile = \"q.jsonl\"\nsample = 0.5\n");
        let none = |_: &str| None;
        let s = resolve(&Flags::default(), &none, &cfg, &host()).unwrap();
        let (f, share) = s.query_log.clone().unwrap();
        assert!(f.ends_with("q.jsonl"), "{f:?}");
        assert_eq!(share, 0.5);
        let env = |n: &str| (n == "FLOWDNS_QUERY_LOG_SAMPLE").then(|| "0.25".to_owned());
        assert_eq!(
            resolve(&Flags::default(), &env, &cfg, &host()).unwrap().query_log.unwrap().1,
            0.25
        );
        let flags = Flags { query_log_sample: Some(0.125), ..Flags::default() };
        assert_eq!(resolve(&flags, &env, &cfg, &host()).unwrap().query_log.unwrap().1, 0.125);
        // No file anywhere: no query log, whatever the share.
        assert!(resolve(&Flags::default(), &env, &file(""), &host()).unwrap().query_log.is_none());
        // A share out of range names where it came from.
        let bad = file("[query_log]\nfile = \"q.jsonl\"\nsample = 0\n");
        let e = resolve(&Flags::default(), &none, &bad, &host()).unwrap_err().to_string();
        assert!(e.contains("query_log.sample"), "{e}");
    }
}
