//! The durable store of flowdns: hosted zones and their records, traffic policies with their
//! immutable numbered versions, policy records, health-check definitions, tags of zones and
//! health checks, and a change log
//! whose serial lets DNS servers poll cheaply and rebuild only what changed.
//!
//! # Engines
//!
//! The embedded default needs no service: one SQLite file, `flowdns.db`, in the data
//! directory ([`Store::open`]), in WAL mode (readers never block the writer), with
//! `synchronous = FULL`, foreign keys on, and a busy timeout of 10 s so that the CLI can
//! write while a server reads and writes. The schema is versioned by `sqlx::migrate!` from
//! `crates/store/migrations/`, embedded in the binary and applied on open.
//!
//! Many nodes share one PostgreSQL database ([`Store::open_url`] with a `postgres://` URL).
//! The operations are written once, in `ops/`, and compiled once per engine (`sqlite/` and
//! `postgres/` each include `ops/` with their own `Db`, `Conn` and `DbRow` aliases and
//! their own `Backend`); [`Store`] holds one of the two and forwards every call
//! (`dispatch.rs`). Only the engine modules name an engine's types: how to connect, how a
//! transaction begins, how a change is announced (PostgreSQL `NOTIFY` in the writing
//! transaction, [`ChangeListener`]), which errors mean "busy", the SQLite-only online backup.
//! Each engine has its own migrations (`migrations/sqlite/`, `migrations/postgres/`), with
//! the same numbers and names; PostgreSQL's declare every text column `COLLATE "C"` so that
//! ordering is by bytes on both. The store's tests run on both engines
//! (`FLOWDNS_TEST_STORE=postgres` selects PostgreSQL; `scripts/test` runs both).

//! ## Portability rules (keep them when adding SQL)
//!
//! - Column types are `TEXT` and `BIGINT` only. Flags are `BIGINT` 0/1 and every integer is
//!   decoded as `i64`, which is what both engines return for `BIGINT`; unsigned values are
//!   bound as `i64` too (PostgreSQL has no unsigned types).
//! - Placeholders are `$1`, `$2`, ... (sqlx accepts them on both engines). Statements are
//!   plain `sqlx::query` strings with runtime binding, no compile-time checked macros.
//! - No `AUTOINCREMENT`, `SERIAL` or identity columns: ids are UUID v4 generated in Rust, and
//!   the change serial comes from a counter row, `UPDATE meta SET value = value + 1 WHERE key
//!   = 'serial' RETURNING value` (`RETURNING` needs SQLite 3.35; the bundled one is newer).
//! - Only standard constraints and indexes: composite primary keys, `UNIQUE`, `CHECK`,
//!   foreign keys, and one partial unique index (`WHERE deleted = 0`), which both support.
//! - No engine functions (`datetime()`, `now()`, `json_*`): times are RFC 3339 UTC text made
//!   in Rust, JSON is opaque text.
//! - No reserved word of either engine is used as an identifier.
//!
//! # Schema (migrations 0001 to 0006)
//!
//! | table | key | columns |
//! |---|---|---|
//! | `meta` | `key` | `value` BIGINT; row `serial` is the change serial |
//! | `zones` | `id` | `name` UNIQUE, `comment`, `caller_reference` UNIQUE NULL, `created_at`, `serial`, `record_count`, `soa_serial` NULL (0005) |
//! | `records` | (`zone_id`, `ordinal`) | `name`, `rtype`, `ttl`, `rdata`, `set_identifier` NULL, `routing` NULL, `cidr_collection_id` NULL (0004) |
//! | `policies` | `id` | `name` (UNIQUE WHERE `deleted` = 0), `created_at`, `created_serial`, `latest_version`, `next_version`, `deleted` |
//! | `policy_versions` | (`policy_id`, `version`) | `document`, `comment`, `record_type`, `created_at`, `deleted` |
//! | `policy_records` | `id` | `zone_id`, `name`, `record_type` UNIQUE together; `ttl`, `policy_id`, `policy_version`, `state`, `message`, `created_at`, `updated_at` |
//! | `health_checks` | `id` | `caller_reference` UNIQUE, `config`, `version`, `created_at`, `created_serial` |
//! | `health_check_overrides` (0002) | `check_id` | `healthy`, `set_by`, `set_at`, `reason` |
//! | `tags` (0003) | (`resource_type`, `resource_id`, `tag_key`) | `tag_value`; `resource_type` is `hostedzone` or `healthcheck` |
//! | `cidr_collections` (0004) | `id` | `name` UNIQUE, `caller_reference` UNIQUE, `version`, `created_at`, `created_serial` |
//! | `cidr_blocks` (0004) | (`collection_id`, `cidr`) | `location` |
//! | `change_log` | `serial` | `changed_at`, `kind`, `zone_id` NULL, `detail` |
//! | `nodes` (0006) | `id` | `roles`, `dns`, `region`, `dns_address`, `api_address`, `version`, `started_at`, `heartbeat_ms`, `served_serial` |
//! | `health_observations` (0006) | (`check_id`, `node_id`) | `region`, `healthy`, `reported_ms`, `observed_at`, `observed_healthy`, `reason`, `latency_us`, `failure_at` NULL, `failure_reason` NULL |
//!
//! Migration numbers need not be contiguous: sqlx applies every migration it has not applied
//! yet, whatever its number. The schema version is the newest migration applied
//! ([`StoreInfo::schema_version`], from sqlx's `_sqlx_migrations` table); a store with a newer
//! one than this build knows is refused by [`inspect`]. `tests/migrations.rs` checks every
//! migration: a store written at the schema before it, with rows of every kind that schema
//! holds, is opened, migrated, and read back whole through this API. A new migration needs
//! its rows added to that test's fixture.
//!
//! `records.cidr_collection_id` is not given by callers: the store fills it from the routing
//! JSON (`{"CidrRoutingConfig": {"CollectionId": ...}}`, the only part of `routing` it reads),
//! and a foreign key makes it name an existing collection. CIDR blocks are stored in the
//! canonical text form of [`Cidr`] (`192.0.2.0/24`, `2001:db8::/32`, no host bits), one row
//! per block, so a block is in at most one location of its collection; a location is the set
//! of rows with its name and exists while it has blocks.
//!
//! Names are stored as lower-case absolute DNS names with the trailing dot
//! (`www.example.com.`); the store normalises and checks what it is given. Record types are
//! upper-case mnemonics. A record set is the `records` rows with equal (`zone_id`, `name`,
//! `rtype`, `set_identifier`); `ordinal` keeps the order of the zone file.
//!
//! # Transactions
//!
//! Every write is one transaction: all of it or nothing. A write transaction begins with the
//! serial bump (on SQLite with `BEGIN IMMEDIATE`, which takes the write lock up front; on
//! PostgreSQL the counter row's lock does the same), checks its rules inside the
//! transaction, writes, appends exactly one `change_log` row with the new serial, and commits.
//! Any error, including one found half-way through a batch, rolls the whole transaction
//! back: no data changes and the serial does not advance. Writers are therefore serialised,
//! serial order is commit order, and the serials in the change log have no gaps.
//!
//! A call that would change nothing is not a write: setting a policy record's state and message
//! to what they already are ([`Store::set_policy_record_state`] reads first, before the
//! serial bump), or tags to what they already are ([`Store::change_tags`]), commits an empty
//! transaction and logs no change.
//!
//! Multi-statement reads that must agree with each other ([`Store::load_all`],
//! [`Store::load_zone`]) run in one read transaction, so their contents match the serial
//! they report.
//!
//! # Change log
//!
//! [`Store::serial`] is the serial of the last committed write (0 for a new store);
//! [`Store::changes_since`] lists the [`Change`]s after a serial, in order. A DNS server
//! loads everything once with [`Store::load_all`] (which reports the serial it is consistent
//! with), then polls: when the serial advanced, it reloads with [`Store::load_zone`] only the
//! zones named by changes whose [`ChangeKind::affects_answers`] is true (`NotFound` means the
//! zone was deleted). Policy and health-check changes carry no zone: policy records bind
//! immutable versions, so a new or deleted version changes no answer. Tag changes
//! ([`ChangeKind::Tags`]) name the zone whose tags changed but change no answer. A CIDR
//! collection change ([`ChangeKind::CidrCollection`]: created, blocks changed, deleted) affects answers
//! but carries no zone either: its detail starts with `cidr collection <id>:`
//! ([`Change::cidr_collection_id`] reads it), and the zones it can affect are those whose
//! record sets name the collection ([`Store::cidr_collection_zones`]); the collections
//! themselves are read with [`Store::cidr_collections`] or [`Store::cidr_collection`], and
//! [`Store::load_all`] includes them. Each zone's [`Zone::serial`] is the serial of the last
//! write to its records or policy records (a collection change does not move it). The log is
//! never pruned yet.
//!
//! # SOA serials
//!
//! `zones.soa_serial` is the SOA serial DNS serves for the zone. Every write that changes what
//! the zone answers moves it on, in the same transaction: its records (a change batch, an
//! import), its policy records (created, moved to another version or TTL, deleted), a CIDR
//! collection its record sets name, and, through [`Store::advance_soa_serial`], the health of
//! checks its answers use (written by the DNS server, [`ChangeKind::SoaSerial`]). The next
//! serial is the SOA record's own serial when that is ahead of the served one in RFC 1982
//! terms (someone wrote a higher serial, such as a new `YYYYMMDDnn`), else the served serial
//! plus one, mod 2^32 ([`next_soa_serial`]); a new zone serves its record's serial as
//! written. It is stored, so it never goes back across restarts. The SOA record itself keeps
//! the serial it was given. NULL (a zone no write has touched since migration 0005) serves
//! the record's serial.
//!
//! # Rules
//!
//! - Zone names are unique; a zone with policy records cannot be deleted.
//! - A record and a policy record may not hold the same (name, type), nor may a CNAME share a
//!   name with other data (RRSIG and NSEC excepted): whichever is written second is refused.
//! - Policy version numbers increase from 1 and are never reused, at most
//!   [`MAX_POLICY_VERSIONS`] per policy. Versions are immutable except their comment.
//!   A version used by a policy record cannot be deleted.
//! - Deleting a version is a soft delete (Route 53: `GetTrafficPolicy` still returns the
//!   document). When a policy's last version is deleted the policy is deleted too: it leaves
//!   [`Store::list_policies`], accepts no new versions, and its name may be used again by a
//!   new policy; its versions can still be read by number.
//! - A policy record's zone, name and type are fixed; moving it to a version of another
//!   record type is refused with [`StoreError::ConflictingTypes`].
//! - A hosted zone or a health check carries at most [`MAX_TAGS_PER_RESOURCE`] tags (a change
//!   that would exceed it is refused with [`StoreError::TooMany`] and applies nothing); its
//!   tags are deleted with it, in the same transaction.
//! - CIDR collection names and caller references are unique; a retry of a creation with the
//!   same name and caller reference returns the collection and writes nothing. A block is in
//!   one location of its collection (a put into another location is refused with
//!   [`StoreError::InUse`] unless the same change removes it from the first). The version
//!   grows by one with each change. A record set can name only a collection that exists, and
//!   a collection with blocks or named by a record set cannot be deleted (`InUse`); both are
//!   checked inside the write transaction. Whether a named location exists is not the
//!   store's concern.

#![deny(missing_docs)]

mod changes;
mod cidr;
mod cluster;
mod copy;
mod dispatch;
mod error;
mod health_checks;
mod info;
mod listen;
mod model;
mod names;
mod policies;
mod policy_records;
mod postgres;
mod rrsets;
mod soa;
mod sqlite;
mod tags;
mod time;
mod zones;

use std::path::Path;

pub use changes::Counted;
pub use cidr::Cidr;
pub use cluster::{HealthReport, NodeInfo};
pub use copy::{CopyReport, SKIPPED_TABLES, TableCopy, TableDigest};
pub use error::{Entity, Result, StoreError};
pub use health_checks::HealthOverride;
pub use info::{StoreInfo, known_schema_version};
pub use listen::{ChangeListener, Wake};
pub use model::{
    Change, ChangeKind, CidrAction, CidrBlock, CidrChange, CidrCollection, CidrCollectionBlocks,
    HealthCheck, NewRecord, PolicyRecord, PolicyRecordState, PolicySummary, PolicyVersion,
    RecordRow, StoreContents, Zone,
};
pub use names::{MAX_TTL, is_in_zone, normalize_name, normalize_rtype};
pub use rrsets::{BatchView, Rrset, RrsetAction, RrsetChange, group as record_sets};
pub use soa::{next_soa_serial, serial_gt};
pub use sqlite::backup::inspect;
pub use tags::{MAX_TAG_KEY, MAX_TAG_VALUE, MAX_TAGS_PER_RESOURCE, Tag, TaggedResource};

/// Name of the database file inside the data directory.
pub const DB_FILE_NAME: &str = "flowdns.db";

/// Most versions a traffic policy can ever have (Route 53's quota). Version numbers are
/// never reused, so this bounds the version number too.
pub const MAX_POLICY_VERSIONS: u32 = 1000;

/// Longest policy document accepted, in bytes (Route 53 `Document`: 102,400).
pub const MAX_DOCUMENT_LEN: usize = 102_400;

/// The durable store, on one of the two engines. Cloning is cheap (a pool handle); clones
/// share connections. Every operation is a method (`dispatch.rs` forwards each to the
/// engine's compilation of `ops/`).
#[derive(Debug, Clone)]
pub struct Store {
    engine: Engine,
}

/// The engine a store runs on, each with the operations compiled for it.
#[derive(Debug, Clone)]
enum Engine {
    Sqlite(sqlite::ops::Store),
    Postgres(Box<postgres::ops::Store>),
}

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    /// The embedded SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

impl EngineKind {
    /// `sqlite` or `postgres`.
    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Sqlite => "sqlite",
            EngineKind::Postgres => "postgres",
        }
    }
}

impl Store {
    /// Opens the store in `data_dir`: creates the directory (mode 0700 on Unix) and the
    /// database file `flowdns.db` (mode 0600, as its journal files get) if missing, and
    /// applies pending migrations. An existing directory or file keeps its mode.
    pub async fn open(data_dir: &Path) -> Result<Store> {
        create_data_dir(data_dir)?;
        let path = data_dir.join(DB_FILE_NAME);
        create_private_file(&path)?;
        let backend = sqlite::Backend::open_file(&path).await?;
        Ok(Store { engine: Engine::Sqlite(sqlite::ops::Store { backend }) })
    }

    /// Opens the store at a database URL:
    ///
    /// - `sqlite:PATH` (created if missing), or a shared in-memory database such as
    ///   `sqlite:file:NAME?mode=memory&cache=shared` (`sqlite::memory:` gets a fresh private
    ///   one per call);
    /// - `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?OPTIONS]` (or `postgresql://`): a
    ///   PostgreSQL database that exists; its tables are created on first use.
    pub async fn open_url(url: &str) -> Result<Store> {
        let engine = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Engine::Postgres(Box::new(postgres::ops::Store {
                backend: postgres::Backend::open(url).await?,
            }))
        } else if url.starts_with("sqlite:") {
            Engine::Sqlite(sqlite::ops::Store {
                backend: sqlite::Backend::open_sqlite_url(url).await?,
            })
        } else {
            return Err(StoreError::Invalid(format!(
                "unsupported database URL {:?}: it must start with sqlite: or postgres://",
                redact(url)
            )));
        };
        Ok(Store { engine })
    }

    /// The engine this store runs on.
    pub fn engine(&self) -> EngineKind {
        match &self.engine {
            Engine::Sqlite(_) => EngineKind::Sqlite,
            Engine::Postgres(_) => EngineKind::Postgres,
        }
    }

    /// Closes the connections, waiting for queries in progress. Other clones stop working.
    pub async fn close(&self) {
        match &self.engine {
            Engine::Sqlite(s) => s.backend.close().await,
            Engine::Postgres(s) => s.backend.close().await,
        }
    }
}

/// A database URL with its password replaced by `***`, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => {
                    format!("{}{}:***{}", &url[..scheme + 3], &userinfo[..colon], &url[at..])
                }
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn create_data_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| StoreError::Io {
        context: format!("cannot create data directory {}", dir.display()),
        source,
    })
}

/// Creates `path` empty with owner-only permissions (mode 0600) when it does not exist: SQLite
/// gives the journal files it creates next to a database the permissions of the database
/// file, so the store's files stay private whatever the process umask or the mode of an
/// existing data directory. An existing file is left as it is.
fn create_private_file(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => {
            Err(StoreError::Io { context: format!("cannot create {}", path.display()), source })
        }
    }
}

/// Runs `$body` (an expression that may use `?`, with `$tx`, the transaction's connection, in
/// scope) inside one write transaction of an engine store: commits on `Ok`, rolls back on
/// `Err`.
macro_rules! write_tx {
    ($store:expr, |$tx:ident| $body:expr) => {{
        let mut transaction = $store.backend.begin_write().await?;
        let outcome: $crate::Result<_> = async {
            let $tx = &mut *transaction;
            $body
        }
        .await;
        match outcome {
            Ok(value) => {
                // A failed COMMIT drops the transaction, which rolls it back. On SQLite a
                // connection that still counts itself inside it is then discarded by the pool
                // (`sqlite::release_clean`); the PostgreSQL driver always leaves it.
                transaction.commit().await?;
                Ok(value)
            }
            Err(err) => {
                // The rollback error, if any, is less useful than the cause.
                let _ = transaction.rollback().await;
                Err(err)
            }
        }
    }};
}
pub(crate) use write_tx;
