//! The throwaway PostgreSQL server: starting, isolation by database, stop/kill and start
//! again, several servers at once, and nothing left behind (after drop, and after the test
//! process is killed).

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use pgtest::PgServer;
use sqlx::postgres::PgConnection;
use sqlx::{Connection, Row};

fn block_on<T>(work: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(work)
}

async fn connect(url: &str) -> PgConnection {
    PgConnection::connect(url).await.unwrap_or_else(|e| panic!("connect to {url}: {e}"))
}

/// Runs `statements` in one connection to `url`.
fn execute(url: &str, statements: &'static str) {
    block_on(async {
        let mut conn = connect(url).await;
        sqlx::raw_sql(statements)
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{statements}: {e}"));
        conn.close().await.expect("close");
    })
}

/// The first column of every row of `query`, as text.
fn texts(url: &str, query: &'static str) -> Result<Vec<String>, String> {
    block_on(async {
        let mut conn = connect(url).await;
        let rows = sqlx::query(query).fetch_all(&mut conn).await.map_err(|e| e.to_string())?;
        conn.close().await.map_err(|e| e.to_string())?;
        rows.iter().map(|row| row.try_get::<String, _>(0).map_err(|e| e.to_string())).collect()
    })
}

fn accepts_connections(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
}

/// Polls `done` every 50 ms for at most `secs` seconds.
fn eventually(secs: u64, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(50));
    }
}

fn start() -> PgServer {
    PgServer::start().unwrap_or_else(|e| panic!("start PostgreSQL: {e}"))
}

#[test]
fn a_server_answers_on_loopback_and_databases_are_isolated() {
    let server = start();
    assert!(server.is_running());
    assert!(accepts_connections(server.port()));
    assert_eq!(server.url("x"), format!("postgres://postgres@127.0.0.1:{}/x", server.port()));
    let dir = server.dir().to_path_buf();
    assert!(
        dir.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("flowdns-pgtest-"))
    );
    assert!(dir.starts_with(std::env::temp_dir().canonicalize().expect("temp dir")));
    assert_eq!(
        texts(&server.url("postgres"), "SELECT current_setting('listen_addresses')"),
        Ok(vec!["127.0.0.1".to_string()])
    );
    assert_eq!(texts(&server.url("postgres"), "SHOW fsync"), Ok(vec!["off".to_string()]));

    let first = server.create_database();
    let second = server.create_database();
    assert_ne!(first, second);
    for (url, value) in [(&first, "one"), (&second, "two")] {
        assert!(url.starts_with(&server.url("test_")), "{url}");
        execute(url, "CREATE TABLE t (v text NOT NULL)");
        block_on(async {
            let mut conn = connect(url).await;
            sqlx::query("INSERT INTO t (v) VALUES ($1)")
                .bind(value)
                .execute(&mut conn)
                .await
                .expect("insert");
            conn.close().await.expect("close");
        });
    }
    assert_eq!(texts(&first, "SELECT v FROM t"), Ok(vec!["one".to_string()]));
    assert_eq!(texts(&second, "SELECT v FROM t"), Ok(vec!["two".to_string()]));
    let databases = texts(&server.url("postgres"), "SELECT datname::text FROM pg_database")
        .expect("list databases");
    for url in [&first, &second] {
        let name = url.rsplit('/').next().expect("a database name");
        assert!(databases.iter().any(|d| d == name), "{name} not in {databases:?}");
    }
}

#[test]
fn stop_then_start_again_keeps_the_data_and_the_port() {
    let mut server = start();
    let port = server.port();
    let url = server.create_database();
    execute(&url, "CREATE TABLE t (v text); INSERT INTO t VALUES ('kept')");

    server.stop();
    assert!(!server.is_running());
    assert!(!accepts_connections(port), "port {port} still open after stop");
    assert!(server.dir().join("data").is_dir());
    server.stop(); // nothing to do

    server.start_again().expect("start again");
    assert!(server.is_running());
    assert_eq!(server.port(), port);
    assert_eq!(texts(&url, "SELECT v FROM t"), Ok(vec!["kept".to_string()]));
    let again = server.start_again();
    assert!(again.as_ref().is_err_and(|e| e.contains("already running")), "{again:?}");
}

#[test]
fn kill_then_start_again_recovers_committed_data() {
    let mut server = start();
    let port = server.port();
    let url = server.create_database();
    // The server runs with synchronous_commit off; this session waits for its commit to be in
    // the WAL, which is all a crash may rely on.
    execute(
        &url,
        "SET synchronous_commit = on; CREATE TABLE t (v text); INSERT INTO t VALUES ('survived')",
    );

    server.kill();
    assert!(!server.is_running());
    assert!(eventually(10, || !accepts_connections(port)), "port {port} still open after kill");
    let log = std::fs::read_to_string(server.log_path()).expect("log");
    assert!(!log.contains("database system was interrupted"), "{log}");

    server.start_again().expect("start again after kill");
    assert_eq!(texts(&url, "SELECT v FROM t"), Ok(vec!["survived".to_string()]));
    let log = std::fs::read_to_string(server.log_path()).expect("log");
    assert!(
        log.contains("database system was interrupted"),
        "no crash recovery in the log:\n{log}"
    );
}

#[test]
fn two_servers_run_at_once_on_different_ports() {
    let one = start();
    let two = start();
    assert_ne!(one.port(), two.port());
    assert_ne!(one.dir(), two.dir());
    let a = one.create_database();
    let b = two.create_database();
    execute(&a, "CREATE TABLE only_on_one (v int)");
    assert_eq!(
        texts(&a, "SELECT relname::text FROM pg_class WHERE relname = 'only_on_one'"),
        Ok(vec!["only_on_one".to_string()])
    );
    assert_eq!(
        texts(&b, "SELECT relname::text FROM pg_class WHERE relname = 'only_on_one'"),
        Ok(vec![])
    );
}

#[test]
fn drop_stops_the_server_and_removes_its_directory() {
    let server = start();
    let port = server.port();
    let dir = server.dir().to_path_buf();
    let url = server.create_database();
    execute(&url, "CREATE TABLE t (v int)");
    assert!(dir.join("data").is_dir());
    drop(server);
    assert!(!accepts_connections(port), "port {port} still open after drop");
    assert!(!dir.exists(), "{} still exists after drop", dir.display());
}

#[test]
fn drop_after_kill_removes_the_directory() {
    let mut server = start();
    let port = server.port();
    let dir = server.dir().to_path_buf();
    server.kill();
    drop(server);
    assert!(eventually(10, || !accepts_connections(port)));
    assert!(!dir.exists(), "{} still exists after drop", dir.display());
}

#[test]
fn a_server_outlives_the_thread_that_started_it() {
    let server = thread::spawn(start).join().expect("the starting thread");
    // The kernel's parent-death signal follows the forking thread: the server must not have
    // been killed when the thread above ended.
    thread::sleep(Duration::from_millis(300));
    assert!(server.is_running());
    let url = server.create_database();
    execute(&url, "CREATE TABLE t (v int)");
}

#[tokio::test]
async fn usable_from_inside_a_tokio_runtime() {
    let server = pgtest::shared();
    assert!(std::ptr::eq(server, pgtest::shared()));
    let url = server.create_database();
    let mut conn = connect(&url).await;
    let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&mut conn).await.expect("select");
    assert_eq!(one, 1);
    conn.close().await.expect("close");
}

/// Set for the child process of `nothing_is_left_when_the_test_process_is_killed`.
const HELPER_ENV: &str = "FLOWDNS_PGTEST_HELPER";

/// Not a test: the child process of `nothing_is_left_when_the_test_process_is_killed`
/// (ignored, and does nothing without its environment variable). Starts the shared server,
/// prints its port and directory, and waits to be killed.
#[test]
#[ignore]
fn helper_start_and_wait_to_be_killed() {
    if std::env::var_os(HELPER_ENV).is_none() {
        return;
    }
    let server = pgtest::shared();
    println!("PGTEST-READY {} {}", server.port(), server.dir().display());
    thread::sleep(Duration::from_secs(60));
}

#[test]
fn nothing_is_left_when_the_test_process_is_killed() {
    let exe = std::env::current_exe().expect("the test binary");
    let mut child = Command::new(exe)
        .args(["--ignored", "--exact", "helper_start_and_wait_to_be_killed", "--nocapture"])
        .env(HELPER_ENV, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the helper");
    let stdout = child.stdout.take().expect("stdout");
    let ready = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("PGTEST-READY ").map(str::to_string));
    let Some(ready) = ready else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the helper did not start a server");
    };
    let (port, dir) = ready.split_once(' ').expect("port and directory");
    let port: u16 = port.parse().expect("a port");
    let dir = PathBuf::from(dir);
    assert!(accepts_connections(port));
    assert!(dir.join("data").is_dir());

    child.kill().expect("kill the helper");
    child.wait().expect("wait for the helper");
    assert!(eventually(15, || !accepts_connections(port)), "port {port} still open");
    assert!(eventually(15, || !Path::new(&dir).exists()), "{} still exists", dir.display());
}
