//! The seam between the store's operations and the database engine.
//!
//! Everything engine-specific lives here: how a pool is opened, which pragmas are set, how a
//! write or read transaction begins. The operations in the other modules are written against
//! the aliases [`Db`], [`Conn`] and [`DbRow`] with SQL that runs unchanged on SQLite and
//! PostgreSQL (see the crate docs). Adding PostgreSQL means a `Backend::Postgres(PgPool)`
//! variant, `BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY` for reads, and instantiating
//! the operations for `sqlx::Postgres` (a macro or generic over the two row types); the public
//! API of [`Store`](crate::Store) does not change.

use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::Transaction;
use sqlx::migrate::Migrator;
use sqlx::pool::PoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};

use crate::error::{Result, StoreError};

/// The database engine the operations are compiled for.
pub(crate) type Db = sqlx::Sqlite;
/// A connection (or a transaction, through `DerefMut`) of [`Db`].
pub(crate) type Conn = sqlx::SqliteConnection;
/// A result row of [`Db`].
pub(crate) type DbRow = sqlx::sqlite::SqliteRow;

/// The versioned schema, embedded at build time from `crates/store/migrations/`.
pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How long a writer waits for another writer's transaction (SQLite busy timeout), and how
/// long opening retries while another process creates the same database.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections per pool. SQLite in WAL mode serves many readers and one writer at a time.
const MAX_CONNECTIONS: u32 = 8;

/// A pool of connections to one database.
#[derive(Debug, Clone)]
pub(crate) enum Backend {
    /// An SQLite database file (or a shared in-memory database, for tests).
    Sqlite(SqlitePool),
}

impl Backend {
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
        let mut pool_options = PoolOptions::new().max_connections(MAX_CONNECTIONS);
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
                let backend = Backend::Sqlite(pool);
                backend.migrate().await?;
                Ok::<_, StoreError>(backend)
            }
            .await;
            match attempt {
                Err(err) if err.is_busy() && Instant::now() < deadline => {
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
    /// upgrade a read lock. On PostgreSQL a plain `BEGIN` will do: the serial bump every write
    /// starts with locks the counter row and so serialises writers.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Db>> {
        match self {
            Backend::Sqlite(pool) => Ok(pool.begin_with("BEGIN IMMEDIATE").await?),
        }
    }

    /// Begins a read transaction: every statement in it sees the same snapshot. On SQLite in
    /// WAL mode a deferred `BEGIN` gives that (the snapshot starts at the first read).
    pub(crate) async fn begin_read(&self) -> Result<Transaction<'static, Db>> {
        match self {
            Backend::Sqlite(pool) => Ok(pool.begin().await?),
        }
    }

    /// The pool, for single-statement reads.
    pub(crate) fn pool(&self) -> &SqlitePool {
        match self {
            Backend::Sqlite(pool) => pool,
        }
    }

    /// Closes every connection (checkpointing the WAL on SQLite).
    pub(crate) async fn close(&self) {
        match self {
            Backend::Sqlite(pool) => pool.close().await,
        }
    }
}
