//! The SQLite engine: the embedded default, one file in the data directory.
//!
//! Everything SQLite-specific lives here: how a pool is opened, which pragmas are set, how a
//! write or read transaction begins, which errors mean "busy", the online backup. The
//! operations (`ops`) are compiled for this engine with the aliases below.

use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::Transaction;
use sqlx::migrate::Migrator;
use sqlx::pool::PoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};

use crate::error::{Result, StoreError};

pub(crate) mod backup;
// The same operations are compiled once per engine, deliberately (see `ops`).
#[allow(clippy::duplicate_mod)]
#[path = "../ops/mod.rs"]
pub(crate) mod ops;

/// The database engine the operations are compiled for.
pub(crate) type Db = sqlx::Sqlite;
/// A connection (or a transaction, through `DerefMut`) of [`Db`].
pub(crate) type Conn = sqlx::SqliteConnection;
/// A result row of [`Db`].
pub(crate) type DbRow = sqlx::sqlite::SqliteRow;

/// The versioned schema, embedded at build time from `crates/store/migrations/sqlite/`.
pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a writer waits for another writer's transaction (SQLite busy timeout), and how
/// long opening retries while another process creates the same database.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections per pool. SQLite in WAL mode serves many readers and one writer at a time.
const MAX_CONNECTIONS: u32 = 8;

/// A pool of connections to one SQLite database file (or a shared in-memory database, for
/// tests).
#[derive(Debug, Clone)]
pub(crate) struct Backend(SqlitePool);

/// Announces the change with this serial to other processes. SQLite has no notification
/// channel: followers poll the serial, which is one cheap read of a local file.
pub(crate) async fn notify_change(_tx: &mut Conn, _serial: i64) -> Result<()> {
    Ok(())
}

/// Whether SQLite reported that the database is busy or locked (the busy timeout ran out).
pub(crate) fn is_busy(err: &StoreError) -> bool {
    let err = match err {
        StoreError::Database(err) => err,
        StoreError::Migrate(sqlx::migrate::MigrateError::Execute(err)) => err,
        StoreError::Migrate(sqlx::migrate::MigrateError::ExecuteMigration(err, _)) => err,
        _ => return false,
    };
    match err {
        sqlx::Error::Database(db) => {
            // SQLITE_BUSY (5) and its extended codes, SQLITE_LOCKED (6) and its extended codes.
            let primary = db.code().and_then(|c| c.parse::<i64>().ok()).map(|c| c & 0xff);
            matches!(primary, Some(5 | 6))
        }
        _ => false,
    }
}

/// Whether a connection coming back to the pool is clean enough to be used again: one whose
/// transaction could not be closed is discarded instead.
///
/// After a failed statement or `COMMIT` (a full disk, an I/O error), SQLite may already have
/// rolled the whole transaction back by itself; the `ROLLBACK` that follows then fails, and the
/// driver still counts the connection as inside a transaction, so every later `BEGIN` on it
/// would be refused. The ping waits for a rollback still queued by a dropped transaction.
async fn release_clean(conn: &mut Conn) -> std::result::Result<bool, sqlx::Error> {
    use sqlx::Connection;
    conn.ping().await?;
    Ok(!conn.is_in_transaction())
}

impl crate::Store {
    /// Opens the store in `data_dir` like [`Store::open`](crate::Store::open), with the
    /// database limited to `pages` pages (SQLite's `max_page_count`): a write that needs more
    /// room fails as on a full disk. For tests of how storage errors are recovered from.
    #[doc(hidden)]
    pub async fn open_with_max_page_count(
        data_dir: &std::path::Path,
        pages: u32,
    ) -> Result<crate::Store> {
        crate::create_data_dir(data_dir)?;
        let path = data_dir.join(crate::DB_FILE_NAME);
        crate::create_private_file(&path)?;
        let backend = Backend::open_file_with_max_page_count(&path, pages).await?;
        Ok(crate::Store { engine: crate::Engine::Sqlite(ops::Store { backend }) })
    }
}

impl Backend {
    /// Opens (creating if missing) the SQLite database file at `path`.
    pub(crate) async fn open_file(path: &std::path::Path) -> Result<Backend> {
        Backend::open_sqlite(SqliteConnectOptions::new().filename(path), false).await
    }

    /// Opens the database file at `path` like [`Backend::open_file`], with every connection
    /// limited to `pages` pages: SQLite then fails a write that needs more room with
    /// `SQLITE_FULL`, as on a full disk.
    pub(crate) async fn open_file_with_max_page_count(
        path: &std::path::Path,
        pages: u32,
    ) -> Result<Backend> {
        let options =
            SqliteConnectOptions::new().filename(path).pragma("max_page_count", pages.to_string());
        Backend::open_sqlite(options, false).await
    }

    /// Opens the SQLite database at `url` (a `sqlite:` URL) and applies the migrations.
    pub(crate) async fn open_sqlite_url(url: &str) -> Result<Backend> {
        let options = SqliteConnectOptions::from_str(url)?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        Backend::open_sqlite(options, in_memory).await
    }

    /// Opens (creating if missing) an SQLite database with the store's settings: WAL journal,
    /// `synchronous = FULL` (a committed write survives a power cut, not only a crash),
    /// foreign keys on, and a busy timeout so that a CLI write waits for the server's write
    /// instead of failing.
    pub(crate) async fn open_sqlite(
        options: SqliteConnectOptions,
        in_memory: bool,
    ) -> Result<Backend> {
        let mut options = options
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .synchronous(SqliteSynchronous::Full);
        if !in_memory {
            options = options.journal_mode(SqliteJournalMode::Wal).create_if_missing(true);
        }
        let mut pool_options = PoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .after_release(|conn, _| Box::pin(release_clean(conn)));
        if in_memory {
            // A shared in-memory database lives as long as one connection to it is open.
            pool_options = pool_options.min_connections(1).idle_timeout(None).max_lifetime(None);
        }
        // Two processes creating the same database at once race for the exclusive lock that
        // switching to WAL needs, which the busy timeout does not cover: retry for a while.
        let deadline = Instant::now() + BUSY_TIMEOUT;
        loop {
            let attempt = async {
                let pool = pool_options.clone().connect_with(options.clone()).await?;
                let backend = Backend(pool);
                backend.migrate().await?;
                Ok::<_, StoreError>(backend)
            }
            .await;
            match attempt {
                Err(err) if is_busy(&err) && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                other => return other,
            }
        }
    }

    /// Applies the pending migrations inside one write transaction, so that two processes
    /// opening a new database at the same time apply them once.
    async fn migrate(&self) -> Result<()> {
        let mut tx = self.begin_write().await?;
        MIGRATOR.run(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Begins a write transaction. On SQLite `BEGIN IMMEDIATE` takes the write lock at once
    /// (waiting up to the busy timeout), so that a transaction never fails half-way trying to
    /// upgrade a read lock.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Db>> {
        Ok(self.0.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Begins a read transaction: every statement in it sees the same snapshot. On SQLite in
    /// WAL mode a deferred `BEGIN` gives that (the snapshot starts at the first read).
    pub(crate) async fn begin_read(&self) -> Result<Transaction<'static, Db>> {
        Ok(self.0.begin().await?)
    }

    /// The pool, for single-statement reads.
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.0
    }

    /// Closes every connection (checkpointing the WAL on SQLite).
    pub(crate) async fn close(&self) {
        self.0.close().await
    }
}
