//! A throwaway PostgreSQL server for flowdns's tests.
//!
//! [`PgServer::start`] runs Debian's PostgreSQL (the `postgresql` package; nothing is
//! downloaded) in a fresh directory under [`std::env::temp_dir`] named `flowdns-pgtest-...`,
//! listening on a free port of 127.0.0.1 only, with `trust` authentication for the superuser
//! `postgres` and durability turned off (`fsync`, `synchronous_commit`, `full_page_writes`) for
//! speed. Tests get isolation from one server with [`PgServer::create_database`], which
//! creates a database with a unique name and returns its URL; [`shared`] is one server for the
//! whole test process. A server can be stopped, killed and started again on the same data
//! directory and port, to test what a client does while the database is away.
//!
//! The API is blocking. It can be called from plain tests and from inside a tokio runtime: the
//! few SQL statements it runs itself go through sqlx on a private current-thread runtime on a
//! thread of their own.
//!
//! # Binaries
//!
//! `initdb` and `postgres` come from the directory of the `initdb` found on `PATH` (a link is
//! followed to the directory it points into, so that both come from one version), else from
//! the newest `/usr/lib/postgresql/<version>/bin`, where Debian installs them.
//!
//! # Running as root
//!
//! PostgreSQL refuses to run as root. When the tests run as root, the directory is given to
//! `nobody:nogroup` and `initdb` and `postgres` run as that account through
//! `setpriv --reuid --regid --clear-groups` (util-linux).
//!
//! # Nothing left behind
//!
//! - Dropping a [`PgServer`] shuts the server down and removes its directory.
//! - The server gets SIGKILL when the test process dies, however it dies (parent-death signal,
//!   see [`PgServer`]'s fields).
//! - Every server has a small watchdog, `sh` reading its standard input from a pipe that only
//!   this process holds. When the pipe closes (on drop, or when the process exits, which is
//!   how the never-dropped [`shared`] server goes), the watchdog waits for the server to be
//!   gone, removes the SysV shared memory segment a killed server leaves, and removes the
//!   directory. The watchdog runs in its own process group, so a Ctrl-C meant for the tests
//!   does not stop it before it has cleaned up.
#![deny(missing_docs)]

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::future::Future;
use std::io::{self, Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError, mpsc};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nix::sys::signal::{self, Signal};
use nix::unistd::{Group, Pid, User, geteuid};
use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Connection};

/// What to tell a machine without PostgreSQL.
const INSTALL_HINT: &str = "install Debian's postgresql package (apt-get install postgresql)";
/// The prefix of every server directory under [`std::env::temp_dir`].
pub const DIR_PREFIX: &str = "flowdns-pgtest-";
/// How long a server may take to accept queries after it is started.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a fast shutdown may take before the server is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `initdb` may take.
const INITDB_TIMEOUT: Duration = Duration::from_secs(120);
/// How long the watchdog may take to clean up after the server.
const WATCHDOG_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one SQL statement run by this crate may take, connection included.
const SQL_TIMEOUT: Duration = Duration::from_secs(10);
/// The interval of every polling loop.
const POLL: Duration = Duration::from_millis(50);
/// How many lines of a log an error quotes.
const LOG_TAIL_LINES: usize = 40;

/// The watchdog of one server directory (`$1`); see the crate documentation. It blocks until
/// its standard input is closed, waits (at most 10 s) for the postmaster recorded in
/// `postmaster.pid` to exit, removes the shared memory segment recorded there (a server that
/// was shut down cleanly has removed both), then removes the directory, retrying while
/// exiting server processes still write into it.
const WATCHDOG: &str = r#"
cat >/dev/null
dir=$1
pidfile=$dir/data/postmaster.pid
if [ -r "$pidfile" ]; then
  pid=$(sed -n 1p "$pidfile")
  i=0
  while [ -n "$pid" ] && [ "$i" -lt 200 ] &&
    grep -qF -- "$dir/data" "/proc/$pid/cmdline" 2>/dev/null; do
    sleep 0.05
    i=$((i + 1))
  done
  set -- $(sed -n 7p "$pidfile")
  if [ -n "${2:-}" ]; then ipcrm -m "$2" 2>/dev/null; fi
fi
i=0
while [ -e "$dir" ] && [ "$i" -lt 50 ]; do
  rm -rf -- "$dir" 2>/dev/null || sleep 0.1
  i=$((i + 1))
done
"#;

/// A PostgreSQL server of its own, in a temporary directory, on a loopback port.
///
/// Dropping it shuts the server down and removes the directory, data and log included.
pub struct PgServer {
    /// The binaries.
    tools: &'static Tools,
    /// The temporary directory (canonical): `data/`, `socket/`, `postgres.log`, `initdb.log`.
    dir: PathBuf,
    /// The TCP port on 127.0.0.1, kept across [`PgServer::start_again`].
    port: u16,
    /// The account (uid, gid) the server runs as when this process runs as root.
    run_as: Option<(u32, u32)>,
    /// The postmaster while it runs (`None` after [`PgServer::stop`] or [`PgServer::kill`]).
    ///
    /// It dies with this process: it is started through `setpriv --pdeathsig KILL`, which sets
    /// the parent-death signal after switching to the unprivileged account (the kernel clears
    /// that signal when the credentials change, so setting it in the child before `setpriv`
    /// runs would be lost when running as root). The kernel sends the signal when the *thread*
    /// that forked the child exits, not the process, and test harnesses run each test on a
    /// thread that ends with the test. So every child is forked by one process-wide spawner
    /// thread ([`spawn`]) that lives as long as the process; a server started by a test thread
    /// outlives that thread (which [`shared`] needs) and still dies with the process.
    child: Mutex<Option<Child>>,
    /// The watchdog that removes the directory once its standard input closes (see the crate
    /// documentation); `None` only while dropping.
    watchdog: Option<Child>,
}

impl std::fmt::Debug for PgServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgServer").field("dir", &self.dir).field("port", &self.port).finish()
    }
}

impl PgServer {
    /// Creates a fresh cluster in a new temporary directory and starts a server for it on a
    /// free port of 127.0.0.1. Returns once the server answers `SELECT 1`-style queries over
    /// TCP (within 30 s, or an error quoting the end of the server's log).
    pub fn start() -> Result<PgServer, String> {
        let tools = tools()?;
        let run_as = run_as()?;
        let dir = make_dir(run_as)?;
        let watchdog = match start_watchdog(&dir) {
            Ok(watchdog) => watchdog,
            Err(e) => {
                let _ = fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        // From here on, dropping `server` cleans up whatever was done.
        let mut server = PgServer {
            tools,
            dir,
            port: 0,
            run_as,
            child: Mutex::new(None),
            watchdog: Some(watchdog),
        };
        server.initdb()?;
        server.port = free_port()?;
        server.boot(true)?;
        Ok(server)
    }

    /// The URL of `database` on this server, as the superuser `postgres` (no password):
    /// `postgres://postgres@127.0.0.1:PORT/DATABASE`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's temporary directory (the cluster is in `data/`, the server's output in
    /// [`PgServer::log_path`]).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The server's log (its standard output and error, over every start).
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    /// Creates an empty database with a name no other call in this process gets and returns
    /// its URL (see [`PgServer::url`]).
    ///
    /// # Panics
    ///
    /// When the database cannot be created (the message says why); see
    /// [`PgServer::try_create_database`].
    pub fn create_database(&self) -> String {
        self.try_create_database().unwrap_or_else(|e| panic!("cannot create a test database: {e}"))
    }

    /// [`PgServer::create_database`], returning the error instead of panicking.
    pub fn try_create_database(&self) -> Result<String, String> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let name = format!("test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let admin = self.url("postgres");
        let statement = format!("CREATE DATABASE \"{name}\"");
        on_private_runtime(async move {
            let mut conn = connect(&admin).await?;
            sqlx::raw_sql(AssertSqlSafe(statement.clone()))
                .execute(&mut conn)
                .await
                .map_err(|e| format!("{statement}: {e}"))?;
            let _ = conn.close().await;
            Ok(())
        })?;
        Ok(self.url(&name))
    }

    /// Whether the server process is running (it may still be starting or shutting down).
    pub fn is_running(&self) -> bool {
        let mut child = lock(&self.child);
        match child.as_mut().map(Child::try_wait) {
            Some(Ok(None)) => true,
            Some(Ok(Some(_)) | Err(_)) => {
                *child = None;
                false
            }
            None => false,
        }
    }

    /// Shuts the server down (PostgreSQL's fast shutdown: SIGINT, which ends the sessions and
    /// writes a checkpoint) and waits for it to exit; after 30 s it is killed. The data stays,
    /// for [`PgServer::start_again`]. Nothing happens when it is not running.
    pub fn stop(&mut self) {
        if let Some(mut child) = lock(&self.child).take() {
            shut_down(&mut child);
        }
    }

    /// Kills the server with SIGKILL, as a crash would, and waits for the postmaster to exit.
    /// Its other processes exit on their own shortly after. The data stays, for
    /// [`PgServer::start_again`] (which recovers it). Nothing happens when it is not running.
    pub fn kill(&mut self) {
        if let Some(mut child) = lock(&self.child).take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same data directory and port, after
    /// [`PgServer::stop`] or [`PgServer::kill`], and waits until it answers queries (within
    /// 30 s). An error when it is already running, or when it does not come up (quoting the end
    /// of its log).
    pub fn start_again(&mut self) -> Result<(), String> {
        if self.is_running() {
            return Err(format!("the PostgreSQL server on port {} is already running", self.port));
        }
        self.boot(false)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn socket_dir(&self) -> PathBuf {
        self.dir.join("socket")
    }

    /// A command that runs `program` (a server binary) the way every server process runs:
    /// through `setpriv`, as the unprivileged account when this process is root, with SIGKILL
    /// as its parent-death signal, in the server directory, with the C locale.
    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(&self.tools.setpriv);
        if let Some((uid, gid)) = self.run_as {
            cmd.arg(format!("--reuid={uid}")).arg(format!("--regid={gid}")).arg("--clear-groups");
        }
        cmd.args(["--pdeathsig", "KILL", "--"]).arg(self.tools.bin.join(program));
        cmd.current_dir(&self.dir).env("LC_ALL", "C").env_remove("PGDATA").stdin(Stdio::null());
        cmd
    }

    /// Runs `initdb` for `data/`.
    fn initdb(&self) -> Result<(), String> {
        let log_path = self.dir.join("initdb.log");
        let log = File::create(&log_path)
            .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let log_err =
            log.try_clone().map_err(|e| format!("cannot duplicate a file handle: {e}"))?;
        let mut cmd = self.command("initdb");
        cmd.arg("-D").arg(self.data_dir()).args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]);
        if self.tools.no_instructions {
            cmd.arg("--no-instructions");
        }
        cmd.stdout(log).stderr(log_err);
        let mut child = spawn(cmd).map_err(|e| format!("cannot run initdb: {e}"))?;
        match wait_bounded(&mut child, INITDB_TIMEOUT) {
            Some(status) if status.success() => Ok(()),
            Some(status) => Err(format!(
                "initdb failed ({status}); its output ends with:\n{}",
                tail(&log_path, 0)
            )),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!(
                    "initdb did not finish within {} s; its output ends with:\n{}",
                    INITDB_TIMEOUT.as_secs(),
                    tail(&log_path, 0)
                ))
            }
        }
    }

    /// Starts the postmaster and waits until it is ready. A start that fails because the port
    /// is taken (then `new_port` allows moving to another one) or because processes of a
    /// killed server still hold its shared memory is retried until the deadline.
    fn boot(&mut self, new_port: bool) -> Result<(), String> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let log_path = self.log_path();
        loop {
            let log_start = fs::metadata(&log_path).map(|m| m.len()).unwrap_or(0);
            let mut child = self.launch()?;
            match self.wait_ready(&mut child, deadline) {
                Ready::Yes => {
                    *lock(&self.child) = Some(child);
                    return Ok(());
                }
                Ready::Exited(status) => {
                    let log = tail(&log_path, log_start);
                    let port_taken = log.contains("Address already in use");
                    let shared_memory_busy = log.contains("is still in use");
                    if Instant::now() < deadline && (port_taken || shared_memory_busy) {
                        if port_taken && new_port {
                            self.port = free_port()?;
                        }
                        thread::sleep(POLL * 2);
                        continue;
                    }
                    return Err(format!(
                        "PostgreSQL on port {} exited ({status}) before accepting queries; its \
                         log ({}) ends with:\n{log}",
                        self.port,
                        log_path.display()
                    ));
                }
                Ready::TimedOut(why) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!(
                        "PostgreSQL on port {} did not accept queries within {} s ({why}); its \
                         log ({}) ends with:\n{}",
                        self.port,
                        READY_TIMEOUT.as_secs(),
                        log_path.display(),
                        tail(&log_path, log_start)
                    ));
                }
            }
        }
    }

    /// Spawns the postmaster, its output appended to the log.
    fn launch(&self) -> Result<Child, String> {
        let log_path = self.log_path();
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| format!("cannot open {}: {e}", log_path.display()))?;
        let log_err =
            log.try_clone().map_err(|e| format!("cannot duplicate a file handle: {e}"))?;
        let mut cmd = self.command("postgres");
        cmd.arg("-D")
            .arg(self.data_dir())
            .arg("-k")
            .arg(self.socket_dir())
            .args(["-h", "127.0.0.1", "-p"])
            .arg(self.port.to_string());
        for setting in [
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
            "max_connections=200",
            "shared_buffers=32MB",
            // Segments in the data directory, not /dev/shm: a killed server leaves none behind.
            "dynamic_shared_memory_type=mmap",
        ] {
            cmd.args(["-c", setting]);
        }
        cmd.stdout(log).stderr(log_err);
        spawn(cmd).map_err(|e| format!("cannot start postgres: {e}"))
    }

    /// Waits until this server (the one with this data directory: not another that took the
    /// port) answers a query over TCP, the postmaster exits, or the deadline passes.
    fn wait_ready(&self, child: &mut Child, deadline: Instant) -> Ready {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let want = self.data_dir().to_string_lossy().into_owned();
        let mut last = String::from("nothing listened on the port");
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return Ready::Exited(status),
                Ok(None) => {}
                Err(e) => last = format!("cannot check on the postmaster: {e}"),
            }
            if Instant::now() >= deadline {
                return Ready::TimedOut(last);
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                match data_directory(self.url("postgres")) {
                    Ok(dir) if dir == want => return Ready::Yes,
                    Ok(dir) => last = format!("the port is served by another cluster ({dir})"),
                    Err(e) => last = e,
                }
            }
            thread::sleep(POLL);
        }
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(mut child) = child {
            shut_down(&mut child);
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            drop(watchdog.stdin.take());
            if wait_bounded(&mut watchdog, WATCHDOG_TIMEOUT).is_none() {
                let _ = watchdog.kill();
                let _ = watchdog.wait();
            }
        }
        if self.dir.exists() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// The outcome of waiting for a server to start.
enum Ready {
    Yes,
    Exited(ExitStatus),
    TimedOut(String),
}

/// One server for the whole test process, started on first use, for suites that create a
/// database per test ([`PgServer::create_database`]). It is never dropped: it dies with the
/// process (parent-death signal) and its watchdog then removes its directory.
///
/// # Panics
///
/// When the server cannot be started (every call panics with the same message).
pub fn shared() -> &'static PgServer {
    static SHARED: OnceLock<Result<PgServer, String>> = OnceLock::new();
    match SHARED.get_or_init(PgServer::start) {
        Ok(server) => server,
        Err(e) => panic!("cannot start the shared PostgreSQL server: {e}"),
    }
}

/// The directory of the PostgreSQL server binaries (see the crate documentation), or an error
/// saying how to install them.
pub fn bin_dir() -> Result<&'static Path, String> {
    tools().map(|tools| tools.bin.as_path())
}

/// The programs this crate runs.
struct Tools {
    /// The directory with `initdb` and `postgres`.
    bin: PathBuf,
    /// util-linux's `setpriv`.
    setpriv: PathBuf,
    /// Whether this `initdb` knows `--no-instructions` (PostgreSQL 13 and later).
    no_instructions: bool,
}

fn tools() -> Result<&'static Tools, String> {
    static TOOLS: OnceLock<Result<Tools, String>> = OnceLock::new();
    TOOLS
        .get_or_init(|| {
            let bin = find_bin_dir()?;
            let setpriv = find_on_path("setpriv")
                .or_else(|| {
                    ["/usr/bin/setpriv", "/bin/setpriv"]
                        .map(PathBuf::from)
                        .into_iter()
                        .find(|p| p.is_file())
                })
                .ok_or("setpriv not found: install Debian's util-linux package")?;
            let help = Command::new(bin.join("initdb"))
                .arg("--help")
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .output()
                .map_err(|e| format!("cannot run {}: {e}", bin.join("initdb").display()))?;
            let no_instructions =
                String::from_utf8_lossy(&help.stdout).contains("--no-instructions");
            Ok(Tools { bin, setpriv, no_instructions })
        })
        .as_ref()
        .map_err(Clone::clone)
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    find_in(std::env::var_os("PATH").as_deref(), name)
}

/// `name` in the first directory of `path` (a `PATH`-style list) that has it.
fn find_in(path: Option<&OsStr>, name: &str) -> Option<PathBuf> {
    std::env::split_paths(path?).map(|dir| dir.join(name)).find(|p| p.is_file())
}

fn find_bin_dir() -> Result<PathBuf, String> {
    find_bin_dir_in(std::env::var_os("PATH").as_deref(), Path::new(DEBIAN_ROOT))
}

/// Where Debian installs each major version of the server (`<version>/bin`).
const DEBIAN_ROOT: &str = "/usr/lib/postgresql";

/// The directory of the `initdb` on `path` when `postgres` is there too, else the newest
/// `<root>/<version>/bin`.
fn find_bin_dir_in(path: Option<&OsStr>, root: &Path) -> Result<PathBuf, String> {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(initdb) = find_in(path, "initdb") {
        // PATH may hold links into /usr/lib/postgresql/<version>/bin: use the directory they
        // point into, so that every program comes from one version.
        if let Some(dir) =
            fs::canonicalize(&initdb).ok().and_then(|p| p.parent().map(Path::to_path_buf))
            && has_server(&dir)
        {
            return Ok(dir);
        }
        if let Some(dir) = initdb.parent()
            && has_server(dir)
        {
            return Ok(dir.to_path_buf());
        }
    }
    let newest = fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<f64>().ok()?;
            let bin = entry.path().join("bin");
            has_server(&bin).then_some((version, bin))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    newest.map(|(_, bin)| bin).ok_or_else(|| {
        format!(
            "no PostgreSQL server found (initdb and postgres on PATH or in \
             {}/<version>/bin): {INSTALL_HINT}",
            root.display()
        )
    })
}

/// The account the server runs as when this process is root: `nobody` with the group
/// `nogroup` (or `nobody`'s own group).
fn run_as() -> Result<Option<(u32, u32)>, String> {
    if !geteuid().is_root() {
        return Ok(None);
    }
    let user = User::from_name("nobody")
        .map_err(|e| format!("cannot look up the user nobody: {e}"))?
        .ok_or("PostgreSQL cannot run as root, and there is no user nobody to run it as")?;
    let gid = match Group::from_name("nogroup") {
        Ok(Some(group)) => group.gid,
        _ => user.gid,
    };
    Ok(Some((user.uid.as_raw(), gid.as_raw())))
}

/// Creates a new directory `flowdns-pgtest-...` under the temporary directory, with the
/// socket directory inside, owned by `run_as` when given. Returns its canonical path.
fn make_dir(run_as: Option<(u32, u32)>) -> Result<PathBuf, String> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let tmp = std::env::temp_dir();
    let mut builder = fs::DirBuilder::new();
    builder.mode(0o700);
    let dir = loop {
        let nanos =
            SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let name = format!(
            "{DIR_PREFIX}{}-{}-{nanos:08x}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let dir = tmp.join(name);
        match builder.create(&dir) {
            Ok(()) => break dir,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot create a directory in {}: {e}", tmp.display())),
        }
    };
    let prepared = (|| {
        let dir = fs::canonicalize(&dir)?;
        let socket = dir.join("socket");
        builder.create(&socket)?;
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid))?;
            std::os::unix::fs::chown(&socket, Some(uid), Some(gid))?;
        }
        Ok::<_, io::Error>(dir)
    })();
    prepared.map_err(|e| {
        let _ = fs::remove_dir_all(&dir);
        format!("cannot prepare {}: {e}", dir.display())
    })
}

fn start_watchdog(dir: &Path) -> Result<Child, String> {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(WATCHDOG)
        .arg("flowdns-pgtest-watchdog")
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    spawn(cmd).map_err(|e| format!("cannot start the watchdog (sh): {e}"))
}

/// Ports handed out in this process: never twice, so that a port a dropped server had is not
/// served again by another server of this process.
fn free_port() -> Result<u16, String> {
    static TAKEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    for _ in 0..100 {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| format!("cannot bind a port of 127.0.0.1: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("cannot read the address of a socket: {e}"))?
            .port();
        drop(listener);
        if lock(&TAKEN).get_or_insert_with(HashSet::new).insert(port) {
            return Ok(port);
        }
    }
    Err("no free port on 127.0.0.1".to_string())
}

type SpawnRequest = (Command, mpsc::Sender<io::Result<Child>>);

/// Spawns `cmd` from the process-wide spawner thread (see [`PgServer`]'s `child` field for
/// why).
fn spawn(cmd: Command) -> io::Result<Child> {
    static SPAWNER: OnceLock<io::Result<mpsc::Sender<SpawnRequest>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (requests, incoming) = mpsc::channel::<SpawnRequest>();
        thread::Builder::new().name("pgtest-spawner".into()).spawn(move || {
            // Ends only when every sender is gone; the static one never is.
            for (mut cmd, reply) in incoming {
                let _ = reply.send(cmd.spawn());
            }
        })?;
        Ok(requests)
    });
    let spawner = spawner.as_ref().map_err(|e| io::Error::new(e.kind(), e.to_string()))?;
    let (reply, answer) = mpsc::channel();
    spawner
        .send((cmd, reply))
        .map_err(|_| io::Error::other("the process spawner thread is gone"))?;
    answer.recv().map_err(|_| io::Error::other("the process spawner thread is gone"))?
}

/// Fast shutdown (SIGINT), then SIGKILL after [`STOP_TIMEOUT`].
fn shut_down(child: &mut Child) {
    if !matches!(child.try_wait(), Ok(None)) {
        return;
    }
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = signal::kill(Pid::from_raw(pid), Signal::SIGINT);
    }
    if wait_bounded(child, STOP_TIMEOUT).is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Waits for `child` to exit, for at most `timeout`.
fn wait_bounded(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => thread::sleep(POLL),
            Ok(None) | Err(_) => return None,
        }
    }
}

/// The last lines of a log, from byte `from` on.
fn tail(path: &Path, from: u64) -> String {
    let mut text = Vec::new();
    let read = File::open(path).and_then(|mut file| {
        file.seek(SeekFrom::Start(from))?;
        file.read_to_end(&mut text)
    });
    if let Err(e) = read {
        return format!("(cannot read {}: {e})", path.display());
    }
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `work` to completion on a current-thread runtime of a thread of its own, within
/// [`SQL_TIMEOUT`], so that it works the same from inside and outside a tokio runtime.
fn on_private_runtime<T, F>(work: F) -> Result<T, String>
where
    F: Future<Output = Result<T, String>> + Send + 'static,
    T: Send + 'static,
{
    let thread = thread::Builder::new()
        .name("pgtest-sql".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot build a tokio runtime: {e}"))?;
            runtime.block_on(async {
                tokio::time::timeout(SQL_TIMEOUT, work).await.unwrap_or_else(|_| {
                    Err(format!("no answer from PostgreSQL within {} s", SQL_TIMEOUT.as_secs()))
                })
            })
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    thread.join().unwrap_or_else(|_| Err("the SQL thread panicked".to_string()))
}

async fn connect(url: &str) -> Result<PgConnection, String> {
    PgConnection::connect(url).await.map_err(|e| format!("cannot connect to {url}: {e}"))
}

/// The `data_directory` of the server at `url`.
fn data_directory(url: String) -> Result<String, String> {
    on_private_runtime(async move {
        let mut conn = connect(&url).await?;
        let dir: String = sqlx::query_scalar("SELECT current_setting('data_directory')")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| format!("SELECT current_setting('data_directory'): {e}"))?;
        let _ = conn.close().await;
        Ok(dir)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch directory, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new() -> Scratch {
            let dir = make_dir(None).expect("a scratch directory");
            Scratch(dir)
        }

        /// Creates `rel` (a directory) holding empty executable files named `files`.
        fn bin(&self, rel: &str, files: &[&str]) -> PathBuf {
            let dir = self.0.join(rel);
            fs::create_dir_all(&dir).expect("create a directory");
            for file in files {
                File::create(dir.join(file)).expect("create a file");
            }
            dir
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn no_server_anywhere_says_how_to_install_it() {
        let scratch = Scratch::new();
        let empty = scratch.bin("empty", &[]);
        let only_client = scratch.bin("root/15/bin", &["psql", "initdb"]);
        let err = find_bin_dir_in(Some(empty.as_os_str()), &scratch.0.join("root"))
            .expect_err("no server");
        assert!(err.contains("apt-get install postgresql"), "{err}");
        assert!(err.contains("install Debian's postgresql package"), "{err}");
        // initdb alone on PATH is not enough either.
        let err = find_bin_dir_in(Some(only_client.as_os_str()), &scratch.0.join("missing"))
            .expect_err("no postgres");
        assert!(err.contains("apt-get install postgresql"), "{err}");
    }

    #[test]
    fn the_newest_debian_version_wins() {
        let scratch = Scratch::new();
        let root = scratch.0.join("root");
        scratch.bin("root/9.6/bin", &["initdb", "postgres"]);
        let fifteen = scratch.bin("root/15/bin", &["initdb", "postgres"]);
        scratch.bin("root/17/bin", &["psql"]); // a client only
        scratch.bin("root/common/bin", &["initdb", "postgres"]);
        assert_eq!(find_bin_dir_in(None, &root), Ok(fifteen.clone()));
        let sixteen = scratch.bin("root/16/bin", &["initdb", "postgres"]);
        assert_eq!(find_bin_dir_in(None, &root), Ok(sixteen));
    }

    #[test]
    fn path_comes_first_and_links_are_followed() {
        let scratch = Scratch::new();
        let root = scratch.0.join("root");
        scratch.bin("root/16/bin", &["initdb", "postgres"]);
        let real = scratch.bin("real/bin", &["initdb", "postgres"]);
        let links = scratch.bin("links", &[]);
        std::os::unix::fs::symlink(real.join("initdb"), links.join("initdb")).expect("symlink");
        let path = std::env::join_paths([scratch.bin("empty", &[]), links]).expect("a PATH");
        assert_eq!(find_bin_dir_in(Some(&path), &root), Ok(real.canonicalize().expect("real")));
        let plain = scratch.bin("plain", &["initdb", "postgres"]);
        assert_eq!(find_bin_dir_in(Some(plain.as_os_str()), &root), Ok(plain));
    }
}
