//! `flowdns serve`: the authoritative DNS server.
//!
//! Wiring: the store is the source of truth; a reloader task follows its change-log serial
//! and rebuilds only the zones that changed into a new [`zone::Snapshot`], which it swaps
//! into the DNS edge atomically. Compiled policies are cached by (policy, version), so a
//! change recompiles nothing it does not touch. Policy records the snapshot serves are
//! marked `Applied`; those it cannot serve are marked `Failed` with the reason.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use policy::codes::Catalog;
use snapshots::{Builder, apply_states};
use store::Store;

/// How often the reloader asks an SQLite store for its serial.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// How often the reloader asks a PostgreSQL store for its serial without being notified:
/// the catch-up that covers notifications lost while the listening connection was down.
const CATCH_UP_INTERVAL: Duration = Duration::from_secs(1);

pub(crate) struct ServeOptions {
    pub(crate) data_dir: PathBuf,
    /// A database URL instead of the data directory's store.
    pub(crate) store: Option<String>,
    pub(crate) dns_listen: Vec<SocketAddr>,
    pub(crate) geoip: crate::settings::GeoipSource,
    /// How often the GeoIP files are checked for changes (`None`: only on SIGHUP).
    pub(crate) geoip_reload: Option<Duration>,
    pub(crate) latency_table: Option<PathBuf>,
    pub(crate) upstream: Option<String>,
    pub(crate) api_listen: SocketAddr,
    pub(crate) limits: control::Limits,
    pub(crate) health_deny: Vec<(std::net::IpAddr, u8)>,
    pub(crate) name_servers: Vec<String>,
    /// The query log's file and sampling rate.
    pub(crate) query_log: Option<(PathBuf, f64)>,
    /// This node's name, roles and checker region.
    pub(crate) node: crate::settings::NodeSettings,
    /// A check is healthy when more than this share of fresh checker reports say so.
    pub(crate) healthy_share: f64,
    /// `GET /metrics` wants a bearer token of an access key.
    pub(crate) metrics_auth: bool,
    /// Response-rate limiting of UDP answers; `None` when off.
    pub(crate) rrl: Option<dns::rrl::Config>,
    /// The API's connection limits and timeouts.
    pub(crate) api_limits: api::listen::Limits,
    /// TLS for the API (reloaded on SIGHUP).
    pub(crate) api_tls: Option<crate::settings::ApiTls>,
    /// DNS over TCP: timeouts and connection caps.
    pub(crate) dns_tcp: dns::tcp::TcpLimits,
}

/// How long a stopping server lets API requests in flight finish.
const API_DRAIN: Duration = Duration::from_secs(5);

/// An upstream resolver's address: ADDR or ADDR:PORT.
pub(crate) fn parse_upstream(s: &str) -> Result<SocketAddr> {
    s.parse::<SocketAddr>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
        .map_err(|_| {
            anyhow::anyhow!(
                "upstream {s:?}: expected an address such as 192.0.2.53 or 192.0.2.53:5353"
            )
        })
}

/// The upstream resolver: `--upstream`, else the first nameserver of /etc/resolv.conf.
fn upstream(opt: Option<&str>) -> Result<Option<SocketAddr>> {
    if let Some(s) = opt {
        return Ok(Some(parse_upstream(s)?));
    }
    Ok(std::fs::read_to_string("/etc/resolv.conf")
        .ok()
        .and_then(|t| dns::alias::Resolver::from_resolv_conf(&t)))
}

pub(crate) async fn run(opts: ServeOptions, catalog: Catalog) -> Result<()> {
    let catalog = Arc::new(catalog);
    crate::fd_limit::raise_and_log();
    crate::notify::status("starting: opening the store and building the DNS snapshot");
    // Held until the process ends: `flowdns store restore` refuses while it is held.
    let _lock = crate::store_cmd::lock_shared(&opts.data_dir)?;
    let store = match &opts.store {
        None => Store::open(&opts.data_dir)
            .await
            .with_context(|| format!("cannot open the store in {}", opts.data_dir.display()))?,
        Some(url) => Store::open_url(url).await.with_context(|| {
            format!("cannot open the store {}", crate::settings::redact_url(url))
        })?,
    };
    if let Some(warning) = api::keys::data_dir_warning(&opts.data_dir) {
        tracing::warn!("{warning}");
    }
    // SIGHUP reloads the GeoIP data (and no longer ends the process) from now on.
    let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let geo = crate::geoip::load(&opts.geoip.paths()?, opts.latency_table.as_deref())?;
    for w in geo.warnings() {
        tracing::warn!("{w}");
    }
    for db in geo.locator.geo().databases() {
        tracing::info!(file = db.name, r#type = db.database_type, "GeoIP database loaded");
    }
    let started = Instant::now();
    let mut builder = Builder::new((*catalog).clone());
    let (snapshot, states) = builder.build_all(&store).await.context("cannot read the store")?;
    tracing::info!(
        zones = snapshot.zone_count(),
        serial = snapshot.serial,
        millis = started.elapsed().as_millis() as u64,
        "snapshot built"
    );
    let shared = Arc::new(dns::Shared::new(snapshot, geo.locator));
    apply_states(&store, states).await;

    let resolver = match upstream(opts.upstream.as_deref())? {
        Some(upstream) => {
            tracing::info!(%upstream, "alias targets are resolved through this resolver");
            Some(dns::alias::Resolver { upstream, timeout: Duration::from_secs(2) })
        }
        None => {
            tracing::warn!(
                "no upstream resolver (--upstream, /etc/resolv.conf): alias-style endpoints answer nothing"
            );
            None
        }
    };

    if let Some((file, sample)) = &opts.query_log {
        crate::query_log::start(&shared, file, *sample)?;
    }
    // Before the listeners start: each UDP thread takes its view of the table once.
    match &opts.rrl {
        Some(config) => {
            let rrl = dns::rrl::Rrl::new(config.clone(), seed()).map_err(anyhow::Error::msg)?;
            tracing::info!(
                responses_per_second = config.responses_per_second,
                window = config.window,
                slip = config.slip,
                ipv4_prefix = config.ipv4_prefix,
                ipv6_prefix = config.ipv6_prefix,
                exempt_loopback = config.exempt_loopback,
                exempt = config.exempt.len(),
                log_only = config.log_only,
                "response-rate limiting of UDP answers on"
            );
            shared.rrl.store(Some(Arc::new(rrl)));
        }
        None => tracing::info!("response-rate limiting of UDP answers off"),
    }

    let node = opts.node.clone();
    tracing::info!(node = %node.name, roles = %node.roles(), region = %node.region, store = store.engine().as_str(), "starting");
    let sockets = if node.dns { dns::bind(&opts.dns_listen).await? } else { Vec::new() };
    for l in &sockets {
        if let Ok(addr) = l.local_addr() {
            tracing::info!(%addr, "serving DNS over UDP and TCP");
        }
    }

    // The control-plane API.
    let served = Arc::new(control::Served::default());
    served.set(shared.snapshot.load().serial);
    let (keys, created) = api::keys::load_or_create(&opts.data_dir, |k| std::env::var(k).ok())
        .context("cannot load the API access keys")?;
    if let Some(pair) = created {
        // The secret stays in the owner-only key file: standard error may be kept by a
        // service manager's journal or a log file, so only the key id and the file are named.
        use std::io::IsTerminal as _;
        let file = opts.data_dir.join(api::keys::KEYS_FILE);
        if std::io::stderr().is_terminal() {
            eprintln!(
                "flowdns: created an API access key {} (its secret is in {}, readable only by \
                 its owner; show it with: cat {})",
                pair.access_key_id,
                file.display(),
                file.display()
            );
        } else {
            tracing::warn!(
                access_key_id = %pair.access_key_id,
                file = %file.display(),
                "created an API access key; its secret is in the file (not logged)"
            );
        }
    }
    // Health: this node's checker (health role) probes the checks of its region and writes
    // its reports to the store; every node reads every checker's reports and publishes the
    // statuses (the one health view) to its DNS path and its API.
    let board = Arc::new(health::checker::Board::default());
    let prober = Arc::new(
        health::Prober::new(health::ProbeOptions {
            deny: opts.health_deny.clone(),
            ..health::ProbeOptions::default()
        })
        .map_err(|e| anyhow::anyhow!("cannot set up TLS for health checks: {e}"))?,
    );
    let all_defs = health_definitions(&store).await?;
    let (probe_tx, probe_rx) = tokio::sync::watch::channel(probed_here(&all_defs, &node.region));
    let (defs_tx, defs_rx) = tokio::sync::watch::channel(all_defs);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let checker = node.health.then(|| {
        tokio::spawn(health::checker::run(
            probe_rx,
            prober,
            crate::health_view::report_sink(store.clone(), node.name.clone(), node.region.clone()),
        ))
    });
    let publish_shared = shared.clone();
    // Each table also goes to the task that moves on the SOA serial of the zones it affects.
    let (tables_tx, tables_rx) = tokio::sync::watch::channel(shared.health.load_full());
    let health_view = tokio::spawn(crate::health_view::run(
        store.clone(),
        defs_rx,
        opts.healthy_share,
        board.clone(),
        move |unhealthy| {
            tracing::info!(unhealthy = unhealthy.len(), "health table published");
            let table = Arc::new(dns::health::HealthTable::with_unhealthy(unhealthy));
            publish_shared.health.store(table.clone());
            let _ = tables_tx.send(table);
        },
        stop_rx.clone(),
    ));
    let health_serials = tokio::spawn(crate::health_serial::follow(
        store.clone(),
        shared.clone(),
        tables_rx,
        node.name.clone(),
    ));
    let defs_store = store.clone();
    let region = node.region.clone();
    let definitions = tokio::spawn(async move {
        // Definitions and overrides change rarely: read them twice a second.
        let mut last_error: Option<String> = None;
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            match health_definitions(&defs_store).await {
                Ok(defs) => {
                    last_error = None;
                    let mine = probed_here(&defs, &region);
                    probe_tx.send_if_modified(|current| {
                        let changed = *current != mine;
                        if changed {
                            *current = mine;
                        }
                        changed
                    });
                    defs_tx.send_if_modified(|current| {
                        let changed = *current != defs;
                        if changed {
                            *current = defs;
                        }
                        changed
                    });
                }
                Err(e) => {
                    let msg = format!("{e:#}");
                    if last_error.as_deref() != Some(msg.as_str()) {
                        tracing::error!(error = %msg, "cannot read health checks; keeping the last ones");
                        last_error = Some(msg);
                    }
                }
            }
        }
    });
    let status_board = board.clone();
    let status: control::health::StatusFn =
        Arc::new(move |id: &str| status_board.statuses.load().get(id).map(live_status));
    let service =
        control::Service::new(store.clone(), catalog.clone(), served.clone(), Some(shared.clone()))
            .with_name_servers(opts.name_servers.clone())
            .with_limits(opts.limits)
            .with_health_status(status);
    let follow_status = Arc::new(snapshots::FollowStatus::default());
    let (api_task, api_addr) = if node.api {
        // TLS files are checked before anything listens: a bad one stops the start.
        let api_tls = match &opts.api_tls {
            Some(files) => Some(Arc::new(api::listen::Tls::new(crate::api_tls::load(files)?))),
            None => None,
        };
        let api_stats = Arc::new(api::listen::Stats::default());
        let api_listener = tokio::net::TcpListener::bind(opts.api_listen).await.map_err(|e| {
            anyhow::anyhow!(
                "cannot listen for the API on {} (TCP): {e}{}",
                opts.api_listen,
                if e.kind() == std::io::ErrorKind::AddrInUse {
                    "; another process already listens there: stop it or choose another --api-listen address"
                } else {
                    ""
                }
            )
        })?;
        let api_addr = api_listener.local_addr()?;
        let scheme = if api_tls.is_some() { "https" } else { "http" };
        if api_tls.is_some() {
            tracing::info!(addr = %api_addr, "serving the API over HTTPS");
        } else {
            tracing::info!(addr = %api_addr, "serving the API over HTTP");
        }
        let limits = opts.api_limits;
        tracing::info!(
            header_timeout = ?limits.header_timeout,
            idle_timeout = ?limits.idle_timeout,
            max_connections = limits.max_connections,
            max_connections_per_source = limits.max_connections_per_source,
            "API connection limits"
        );
        if let Ok(fds) = crate::fd_limit::raise()
            && limits.max_connections as u64 + 256 > fds.now
        {
            tracing::warn!(
                max_connections = limits.max_connections,
                open_file_limit = fds.now,
                "api.max_connections leaves too few file descriptors for the rest of the \
                 server: lower it or raise the open-file limit"
            );
        }
        if api::server::editor_built() {
            let mut shown = api_addr;
            if shown.ip().is_unspecified() {
                shown.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
            }
            tracing::info!(url = %format!("{scheme}://{shown}/"), "serving the editor");
        } else {
            tracing::warn!(
                "the editor is not built into this binary (http://{api_addr}/ says so): build it \
                 with `cd web && npm ci && npm run build`, then rebuild flowdns; or run ./scripts/setup"
            );
        }
        // The coverage map's representative points of countries, from the GeoIP data, in the
        // background so that the editor's first map does not wait for them.
        let coverage_service = service.clone();
        tokio::task::spawn_blocking(move || coverage_service.prepare_coverage());
        let metrics_shared = shared.clone();
        let metrics_board = board.clone();
        let metrics_follow = follow_status.clone();
        let metrics_node = node.clone();
        let (metrics_api, metrics_tls) = (api_stats.clone(), api_tls.is_some());
        let metrics: api::server::MetricsFn = Arc::new(move || {
            let mut out = render_metrics(&metrics_shared, &metrics_board);
            render_node_metrics(&mut out, &metrics_node, &metrics_follow);
            metrics_api.render(&mut out, metrics_tls);
            out
        });
        let state = api::server::AppState::new(service, Arc::new(keys), Some(metrics));
        if opts.metrics_auth {
            state.protect_metrics();
            tracing::info!("GET /metrics wants a bearer token of an access key");
        }
        let app = api::server::router(state);
        // SIGHUP also reloads the TLS certificate (beside the GeoIP data).
        if let (Some(tls), Some(files)) = (&api_tls, &opts.api_tls) {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
                Ok(hangup) => {
                    tokio::spawn(crate::api_tls::reload_on_hangup(
                        files.clone(),
                        tls.clone(),
                        api_stats.clone(),
                        hangup,
                    ));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "SIGHUP will not reload the API TLS certificate")
                }
            }
        }
        let mut api_stop = stop_rx.clone();
        let api_task = tokio::spawn(api::listen::serve(
            api_listener,
            app,
            api::listen::Options { limits, tls: api_tls, stats: api_stats },
            async move {
                let _ = api_stop.wait_for(|stop| *stop).await;
            },
        ));
        (Some(api_task), Some(api_addr))
    } else {
        (None, None)
    };

    // Follow the change log.
    let mut follow_stop = stop_rx.clone();
    let reload_served = served.clone();
    let reload_shared = shared.clone();
    let current_shared = shared.clone();
    let reloader = tokio::spawn(snapshots::follow(
        builder,
        store.clone(),
        match store.engine() {
            store::EngineKind::Sqlite => POLL_INTERVAL,
            store::EngineKind::Postgres => CATCH_UP_INTERVAL,
        },
        move || current_shared.snapshot.load_full(),
        move |next| {
            let serial = next.serial;
            reload_shared.snapshot.store(Arc::new(next));
            reload_served.set(serial);
        },
        follow_status.clone(),
        async move {
            let _ = follow_stop.wait_for(|stop| *stop).await;
        },
    ));
    let heartbeat = tokio::spawn(crate::cluster::run(
        store.clone(),
        crate::cluster::node_info(
            &node,
            &sockets.iter().filter_map(|l| l.local_addr().ok()).collect::<Vec<_>>(),
            api_addr,
            served.get(),
        ),
        served.clone(),
        stop_rx.clone(),
    ));

    let refresher = resolver.map(|r| tokio::spawn(dns::alias::refresh(shared.clone(), r)));
    let geoip_watch = tokio::spawn(crate::geoip::watch(
        opts.geoip.clone(),
        opts.latency_table.clone(),
        opts.geoip_reload,
        hangup,
        shared.clone(),
    ));

    // Listeners bound, first snapshot loaded: tell systemd (Type=notify) we are up.
    crate::notify::ready(&ready_status(&node, &sockets, api_addr));

    if node.dns {
        dns::serve_with(sockets, shared.clone(), seed(), dns_tcp_limits(&opts), shutdown_signal())
            .await
            .map_err(anyhow::Error::msg)?;
    } else {
        shutdown_signal().await;
    }
    let _ = stop_tx.send(true);
    let _ = reloader.await;
    let _ = heartbeat.await;
    let _ = health_view.await;
    // The API stopped accepting at the stop signal; requests in flight get a moment to finish.
    if let Some(mut t) = api_task
        && tokio::time::timeout(API_DRAIN, &mut t).await.is_err()
    {
        t.abort();
    }
    if let Some(c) = checker {
        c.abort();
    }
    health_serials.abort();
    definitions.abort();
    geoip_watch.abort();
    if let Some(r) = refresher {
        r.abort();
    }
    tracing::info!("stopped");
    Ok(())
}

/// The DNS TCP limits, with the connection cap lowered to half the open-file limit when it is
/// above: DNS connections must leave descriptors for the API, the store and health probes.
/// (When accepting fails for want of descriptors all the same, the idlest DNS connection is
/// closed: see `dns::tcp`.)
fn dns_tcp_limits(opts: &ServeOptions) -> dns::tcp::TcpLimits {
    let mut limits = opts.dns_tcp;
    if let Ok(fds) = crate::fd_limit::raise() {
        let room = usize::try_from(fds.now / 2).unwrap_or(usize::MAX).max(1);
        if limits.max_connections > room {
            tracing::warn!(
                configured = limits.max_connections,
                used = room,
                open_file_limit = fds.now,
                "dns.tcp_max_connections is above half the open-file limit: using half; raise \
                 the limit (LimitNOFILE= in the systemd unit) to allow more"
            );
            limits.max_connections = room;
        }
    }
    tracing::info!(
        idle_timeout = ?limits.idle_timeout,
        message_timeout = ?limits.message_timeout,
        max_connections = limits.max_connections,
        max_connections_per_source = limits.max_connections_per_source,
        "DNS TCP connection limits"
    );
    limits
}

/// A per-process seed for the random draws, from the OS's randomised hasher keys (the
/// binary is the one place allowed to take randomness from the environment).
fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
    tracing::info!("shutting down");
    crate::notify::stopping();
}

/// The checks a checker of `region` probes: those without `Regions`, and those that name it.
fn probed_here(defs: &[health::checker::CheckDef], region: &str) -> Vec<health::checker::CheckDef> {
    defs.iter()
        .filter(|d| d.regions.is_empty() || d.regions.iter().any(|r| r == region))
        .cloned()
        .collect()
}

/// The `STATUS=` line sent with `READY=1`: what this node does and where it listens.
fn ready_status(
    node: &crate::settings::NodeSettings,
    sockets: &[dns::Listener],
    api: Option<SocketAddr>,
) -> String {
    let mut parts = Vec::new();
    if node.dns {
        let dns: Vec<String> =
            sockets.iter().filter_map(|l| l.local_addr().ok()).map(|a| a.to_string()).collect();
        parts.push(format!("answering DNS on {} (UDP, TCP)", dns.join(", ")));
    }
    if let Some(api) = api {
        parts.push(format!("API on {api}"));
    }
    if node.health {
        parts.push(format!("checking health from region {}", node.region));
    }
    format!("node {}: {}", node.name, parts.join("; "))
}

/// This node's part of `/metrics`: whether it can read the store, how stale its answers may
/// be, and its roles.
fn render_node_metrics(
    out: &mut String,
    node: &crate::settings::NodeSettings,
    follow: &snapshots::FollowStatus,
) {
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        "# HELP flowdns_store_up Whether the last read of the store's change log succeeded (1) or failed (0: answering from the last snapshot)."
    );
    let _ = writeln!(out, "# TYPE flowdns_store_up gauge");
    let _ = writeln!(out, "flowdns_store_up {}", u8::from(!follow.is_down()));
    let _ = writeln!(
        out,
        "# HELP flowdns_store_staleness_seconds Seconds since the change log was last read: how old the answers may be."
    );
    let _ = writeln!(out, "# TYPE flowdns_store_staleness_seconds gauge");
    let _ = writeln!(out, "flowdns_store_staleness_seconds {:.3}", follow.stale_seconds());
    let _ = writeln!(out, "# HELP flowdns_node_info This node's name, roles and checker region.");
    let _ = writeln!(out, "# TYPE flowdns_node_info gauge");
    let _ = writeln!(
        out,
        "flowdns_node_info{{node=\"{}\",roles=\"{}\",region=\"{}\"}} 1",
        node.name,
        node.roles(),
        node.region
    );
}

/// The checker's definitions from the store: every health check with its override.
async fn health_definitions(store: &Store) -> Result<Vec<health::checker::CheckDef>> {
    let overrides = store.health_overrides().await.context("cannot read health-check overrides")?;
    let mut out = Vec::new();
    for h in store.list_health_checks().await.context("cannot read health checks")? {
        let Ok(c) = serde_json::from_str::<control::health::HealthCheckConfig>(&h.config) else {
            tracing::warn!(check = %h.id, "health check configuration does not parse; not run");
            continue;
        };
        let forced =
            overrides.iter().find(|o| o.check_id == h.id).map(|o| health::state::Override {
                healthy: o.healthy,
                by: o.set_by.clone(),
                at: o.set_at.clone(),
            });
        let reporting = health::state::Reporting {
            inverted: c.inverted.unwrap_or(false),
            disabled: c.disabled.unwrap_or(false),
            forced,
        };
        let kind = if c.check_type == "CALCULATED" {
            health::checker::CheckKind::Calculated {
                children: c.child_health_checks.clone(),
                threshold: c.health_threshold.unwrap_or(0),
            }
        } else {
            let Some(kind) = health::ProbeKind::from_route53(&c.check_type) else {
                tracing::warn!(check = %h.id, r#type = %c.check_type, "health check type not run");
                continue;
            };
            let mut spec = health::ProbeSpec::new(kind);
            spec.ip = c.ip_address.as_deref().and_then(|ip| ip.parse().ok());
            spec.port = c.port.unwrap_or(kind.default_port());
            spec.fqdn = c.fully_qualified_domain_name.clone();
            spec.resource_path = c.resource_path.clone();
            spec.search_string = c.search_string.clone();
            spec.enable_sni = c.enable_sni.unwrap_or(true);
            spec.validate_certificate = c.validate_certificate.unwrap_or(false);
            health::checker::CheckKind::Probe(spec)
        };
        out.push(health::checker::CheckDef {
            id: h.id.clone(),
            kind,
            interval: Duration::from_secs(u64::from(c.request_interval.unwrap_or(30).max(1))),
            failure_threshold: c.failure_threshold.unwrap_or(3),
            reporting,
            regions: c.regions.clone(),
        });
    }
    Ok(out)
}

/// The checker's status of one check, as the service layer reports it.
fn live_status(s: &health::checker::CheckStatus) -> control::health::LiveStatus {
    let obs = |o: &health::checker::ObservationRecord| control::health::LiveObservation {
        at: o.at.clone(),
        healthy: o.healthy,
        reason: o.reason.clone(),
        latency_ms: o.latency.as_secs_f64() * 1000.0,
    };
    control::health::LiveStatus {
        healthy: s.healthy,
        last: s.last.as_ref().map(obs),
        last_failure: s.last_failure.as_ref().map(obs),
        transitions: s.transitions,
    }
}

/// Response-rate limiting's counters (when it is on): UDP answers over the rate by class, and
/// what was sent instead.
fn render_rrl_metrics(out: &mut String, shared: &dns::Shared) {
    use std::fmt::Write as _;
    let Some(rrl) = shared.rrl.load_full() else { return };
    let counts = rrl.counts();
    let _ = writeln!(
        out,
        "# HELP flowdns_dns_rrl_limited_total UDP answers over the response rate limit, by answer class and what was sent instead: dropped (nothing), slipped (an empty reply with TC set), logged (the answer, in log-only mode)."
    );
    let _ = writeln!(out, "# TYPE flowdns_dns_rrl_limited_total counter");
    for class in dns::rrl::Class::ALL {
        let c = counts.of(class);
        let actions: &[(&str, u64)] = if rrl.config().log_only {
            &[("logged", c.logged)]
        } else {
            &[("dropped", c.dropped), ("slipped", c.slipped)]
        };
        for (action, n) in actions {
            let _ = writeln!(
                out,
                "flowdns_dns_rrl_limited_total{{class=\"{}\",action=\"{action}\"}} {n}",
                class.as_str()
            );
        }
    }
}

/// DNS over TCP: open connections, and connections closed by the caps and timeouts (named as
/// the API's connection metrics are).
fn render_dns_tcp_metrics(out: &mut String, tcp: &dns::tcp::TcpStats) {
    use std::fmt::Write as _;
    use std::sync::atomic::Ordering::Relaxed;
    let metrics: [(&str, &str, &str, &str, u64); 6] = [
        ("connections_open", "gauge", "DNS TCP connections open now.", "", tcp.open.load(Relaxed)),
        (
            "connections_accepted_total",
            "counter",
            "DNS TCP connections accepted (those refused at once included).",
            "",
            tcp.accepted.load(Relaxed),
        ),
        (
            "connections_evicted_total",
            "counter",
            "DNS TCP connections closed to make room for a new one: the idlest, when dns.tcp_max_connections were open or file descriptors ran out.",
            "",
            tcp.evicted.load(Relaxed),
        ),
        (
            "connections_refused_total",
            "counter",
            "DNS TCP connections closed at once because their source (an IPv4 address, an IPv6 /64) had dns.tcp_max_connections_per_source open.",
            "{reason=\"max_connections_per_source\"}",
            tcp.refused.load(Relaxed),
        ),
        (
            "connections_timed_out_total",
            "counter",
            "DNS TCP connections closed by a timeout: idle (no query for dns.tcp_idle_timeout, shorter under pressure), message (a message, or the taking of answers, slower than dns.tcp_message_timeout).",
            "{reason=\"idle\"}",
            tcp.idle_timeouts.load(Relaxed),
        ),
        (
            "connections_timed_out_total",
            "",
            "",
            "{reason=\"message\"}",
            tcp.message_timeouts.load(Relaxed),
        ),
    ];
    for (name, kind, help, labels, value) in metrics {
        if !kind.is_empty() {
            let _ = writeln!(out, "# HELP flowdns_dns_tcp_{name} {help}");
            let _ = writeln!(out, "# TYPE flowdns_dns_tcp_{name} {kind}");
        }
        let _ = writeln!(out, "flowdns_dns_tcp_{name}{labels} {value}");
    }
}

/// The Prometheus text exposition: DNS counters, snapshot, health checks.
fn render_metrics(shared: &dns::Shared, board: &health::checker::Board) -> String {
    use std::fmt::Write as _;
    use std::sync::atomic::Ordering::Relaxed;
    let mut out = String::new();
    let stats = &shared.stats;
    let snapshot = shared.snapshot.load();
    let _ = writeln!(out, "# HELP flowdns_dns_queries_total DNS queries answered from the zones.");
    let _ = writeln!(out, "# TYPE flowdns_dns_queries_total counter");
    let _ = writeln!(out, "flowdns_dns_queries_total {}", stats.queries());
    let _ =
        writeln!(out, "# HELP flowdns_dns_responses_total DNS responses by code (the rarer ones).");
    let _ = writeln!(out, "# TYPE flowdns_dns_responses_total counter");
    let _ = writeln!(
        out,
        "flowdns_dns_responses_total{{rcode=\"REFUSED\"}} {}",
        stats.refused.load(Relaxed)
    );
    let _ = writeln!(
        out,
        "flowdns_dns_responses_total{{rcode=\"NXDOMAIN\"}} {}",
        stats.nxdomain.load(Relaxed)
    );
    let _ = writeln!(
        out,
        "flowdns_dns_responses_total{{rcode=\"FORMERR_NOTIMP_BADVERS\"}} {}",
        stats.errors.load(Relaxed)
    );
    render_rrl_metrics(&mut out, shared);
    render_dns_tcp_metrics(&mut out, &shared.tcp);
    let _ = writeln!(out, "# HELP flowdns_snapshot_serial Change-log serial DNS answers from.");
    let _ = writeln!(out, "# TYPE flowdns_snapshot_serial gauge");
    let _ = writeln!(out, "flowdns_snapshot_serial {}", snapshot.serial);
    if let Some(log) = shared.query_log.load_full() {
        let _ = writeln!(
            out,
            "# HELP flowdns_query_log_dropped_total Query log entries dropped because the writer was behind."
        );
        let _ = writeln!(out, "# TYPE flowdns_query_log_dropped_total counter");
        let _ = writeln!(out, "flowdns_query_log_dropped_total {}", log.dropped.load(Relaxed));
    }
    let _ = writeln!(out, "# HELP flowdns_zones Hosted zones served.");
    let _ = writeln!(out, "# TYPE flowdns_zones gauge");
    let _ = writeln!(out, "flowdns_zones {}", snapshot.zone_count());
    // Per zone and per policy-record endpoint (counters restart when a zone is rebuilt).
    let label = |v: &str| v.replace('\\', "\\\\").replace('"', "\\\"");
    let mut zones: Vec<&Arc<zone::ZoneData>> = snapshot.zones().collect();
    zones.sort_by(|a, b| a.origin().cmp(b.origin()));
    let _ = writeln!(out, "# HELP flowdns_dns_zone_queries_total Queries answered from each zone.");
    let _ = writeln!(out, "# TYPE flowdns_dns_zone_queries_total counter");
    for z in &zones {
        let _ = writeln!(
            out,
            "flowdns_dns_zone_queries_total{{zone=\"{}\"}} {}",
            label(&z.origin().to_string()),
            z.queries.get()
        );
    }
    let _ = writeln!(
        out,
        "# HELP flowdns_dns_zone_responses_total Answers from each zone by response code (NOERROR includes NODATA)."
    );
    let _ = writeln!(out, "# TYPE flowdns_dns_zone_responses_total counter");
    for z in &zones {
        let (q, nx) = (z.queries.get(), z.nxdomain.get());
        let zone = label(&z.origin().to_string());
        let _ = writeln!(
            out,
            "flowdns_dns_zone_responses_total{{zone=\"{zone}\",rcode=\"NOERROR\"}} {}",
            q.saturating_sub(nx)
        );
        let _ = writeln!(
            out,
            "flowdns_dns_zone_responses_total{{zone=\"{zone}\",rcode=\"NXDOMAIN\"}} {nx}"
        );
    }
    let _ = writeln!(
        out,
        "# HELP flowdns_dns_policy_answers_total Answers of each policy record (or routed record sets) by the endpoint that answered."
    );
    let _ = writeln!(out, "# TYPE flowdns_dns_policy_answers_total counter");
    for z in &zones {
        let zone = label(&z.origin().to_string());
        let mut bindings: Vec<&Arc<zone::PolicyBinding>> = z.bindings().collect();
        bindings.sort_by(|a, b| (&a.name, a.id.as_str()).cmp(&(&b.name, b.id.as_str())));
        for b in bindings {
            for (i, hits) in b.hits.iter().enumerate() {
                let endpoint = b.policy.endpoints().get(i).map(|e| e.id.as_str()).unwrap_or("");
                let _ = writeln!(
                    out,
                    "flowdns_dns_policy_answers_total{{zone=\"{zone}\",name=\"{}\",type=\"{}\",record=\"{}\",endpoint=\"{}\"}} {}",
                    label(&b.name.to_string()),
                    b.rtype,
                    label(&b.id),
                    label(endpoint),
                    hits.get()
                );
            }
        }
    }
    let statuses = board.statuses.load();
    let mut ids: Vec<&String> = statuses.keys().collect();
    ids.sort();
    let _ = writeln!(
        out,
        "# HELP flowdns_health_check_healthy Reported status of each health check (1 healthy)."
    );
    let _ = writeln!(out, "# TYPE flowdns_health_check_healthy gauge");
    for id in &ids {
        let _ = writeln!(
            out,
            "flowdns_health_check_healthy{{id=\"{id}\"}} {}",
            u8::from(statuses[*id].healthy)
        );
    }
    let _ =
        writeln!(out, "# HELP flowdns_health_check_latency_seconds Duration of the last probe.");
    let _ = writeln!(out, "# TYPE flowdns_health_check_latency_seconds gauge");
    for id in &ids {
        if let Some(last) = &statuses[*id].last {
            let _ = writeln!(
                out,
                "flowdns_health_check_latency_seconds{{id=\"{id}\"}} {:.6}",
                last.latency.as_secs_f64()
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP flowdns_health_check_transitions_total Status changes since the server started."
    );
    let _ = writeln!(out, "# TYPE flowdns_health_check_transitions_total counter");
    for id in &ids {
        let _ = writeln!(
            out,
            "flowdns_health_check_transitions_total{{id=\"{id}\"}} {}",
            statuses[*id].transitions
        );
    }
    out
}
