//! The PostgreSQL engine: one database shared by any number of flowdns nodes.
//!
//! Everything PostgreSQL-specific lives here: how a pool is opened, how a write or read
//! transaction begins, how a change is announced (`NOTIFY` inside the writing transaction,
//! so that it is delivered exactly when the change commits), and the listener that wakes
//! followers. The operations (`ops`) are compiled for this engine with the aliases below.
//!
//! Writers are serialised by the serial bump every write transaction starts with: `UPDATE
//! meta ... RETURNING` takes the counter row's lock, which the next writer waits for. Under
//! PostgreSQL's default READ COMMITTED isolation each later statement of the transaction then
//! sees every write committed before the lock was granted, so the checks a write makes inside
//! its transaction see the same state as on SQLite, and serial order is commit order. Reads
//! that must agree with each other run in `REPEATABLE READ, READ ONLY` transactions.
//!
//! Text columns use the "C" collation (migrations in `crates/store/migrations/postgres/`), so
//! `ORDER BY` sorts by bytes as SQLite does, whatever the database's locale.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::pool::PoolOptions;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool};
use sqlx::{Connection, PgConnection, Transaction};

use crate::error::{Result, StoreError};

// The same operations are compiled once per engine, deliberately (see `ops`).
#[allow(clippy::duplicate_mod)]
#[path = "../ops/mod.rs"]
pub(crate) mod ops;

/// The database engine the operations are compiled for.
pub(crate) type Db = sqlx::Postgres;
/// A connection (or a transaction, through `DerefMut`) of [`Db`].
pub(crate) type Conn = sqlx::PgConnection;
/// A result row of [`Db`].
pub(crate) type DbRow = sqlx::postgres::PgRow;

/// The versioned schema, embedded at build time from `crates/store/migrations/postgres/`.
pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// The channel every committed change is announced on; the payload is the serial.
pub(crate) const CHANNEL: &str = "flowdns_changes";

/// Connections per pool. Every node holds one pool, so the database sees this many per node
/// at most (plus one listener).
const MAX_CONNECTIONS: u32 = 8;

/// How long a statement may wait for a lock (another writer's transaction) before it fails.
const LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// How long opening waits for a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A pool of connections to one PostgreSQL database.
#[derive(Debug, Clone)]
pub(crate) struct Backend {
    pool: PgPool,
    options: std::sync::Arc<PgConnectOptions>,
}

/// Announces the change with this serial on [`CHANNEL`]. PostgreSQL delivers it when (and
/// only if) the transaction commits.
pub(crate) async fn notify_change(tx: &mut Conn, serial: i64) -> Result<()> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(serial.to_string())
        .execute(&mut *tx)
        .await?;
    Ok(())
}

impl Backend {
    /// Connects to the database at `url` (`postgres://` or `postgresql://`) and applies the
    /// pending migrations (sqlx holds an advisory lock meanwhile, so nodes starting together
    /// apply them once).
    pub(crate) async fn open(url: &str) -> Result<Backend> {
        let options = PgConnectOptions::from_str(url)?
            .application_name("flowdns")
            .options([("lock_timeout", format!("{}", LOCK_TIMEOUT.as_millis()))]);
        // One connection first, so that an unreachable server or a refused login is reported
        // as what it is rather than as a pool timeout.
        let where_ = format!(
            "{}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("(default database)")
        );
        let unavailable =
            |e: String| StoreError::Unavailable(format!("PostgreSQL at {where_}: {e}"));
        match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await {
            Err(_) => return Err(unavailable(format!("no answer within {CONNECT_TIMEOUT:?}"))),
            Ok(Err(e)) => return Err(unavailable(e.to_string())),
            Ok(Ok(conn)) => conn.close().await?,
        }
        let pool = PoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Backend { pool, options: std::sync::Arc::new(options) })
    }

    /// Begins a write transaction. A plain `BEGIN` (READ COMMITTED): the serial bump that
    /// starts every write serialises writers (see the module docs).
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Db>> {
        Ok(self.pool.begin().await?)
    }

    /// Begins a read transaction: every statement in it sees the same snapshot.
    pub(crate) async fn begin_read(&self) -> Result<Transaction<'static, Db>> {
        Ok(self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?)
    }

    /// The pool, for single-statement reads.
    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection.
    pub(crate) async fn close(&self) {
        self.pool.close().await
    }

    /// A [`Listener`] on [`CHANNEL`] (connected now if the database answers).
    pub(crate) async fn listener(&self) -> Listener {
        Listener { listener: self.listen().await.ok(), backend: self.clone() }
    }

    /// A listener on [`CHANNEL`], on its own connection.
    async fn listen(&self) -> Result<PgListener> {
        let pool = PoolOptions::new()
            .max_connections(1)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_lazy_with((*self.options).clone());
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(listener)
    }
}

/// Waits for announced changes on its own connection (`crate::listen` over PostgreSQL).
pub(crate) struct Listener {
    backend: Backend,
    /// `None` while the listening connection is down; reconnected on the next wait.
    listener: Option<PgListener>,
}

impl Listener {
    /// Returns when a change is announced or after `timeout`.
    pub(crate) async fn wait(&mut self, timeout: Duration) -> crate::Wake {
        let deadline = tokio::time::Instant::now() + timeout;
        if self.listener.is_none() {
            self.listener = self.backend.listen().await.ok();
        }
        let Some(l) = self.listener.as_mut() else {
            tokio::time::sleep_until(deadline).await;
            return crate::Wake::Disconnected;
        };
        match tokio::time::timeout_at(deadline, l.recv()).await {
            Err(_) => crate::Wake::Timeout,
            Ok(Ok(_)) => {
                // Several commits may have been announced: take them all at once.
                while l.next_buffered().is_some() {}
                crate::Wake::Notified
            }
            Ok(Err(_)) => {
                self.listener = None;
                tokio::time::sleep_until(deadline).await;
                crate::Wake::Disconnected
            }
        }
    }
}
