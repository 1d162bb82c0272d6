//! The store's operations, written once against the aliases of the engine module that
//! includes this directory (`sqlite` or `postgres`, each with `#[path = "../ops/mod.rs"]`).
//!
//! The same source is compiled once per engine: inside `crate::sqlite::ops` the names
//! `Db`, `Conn` and `DbRow` are SQLite's, inside `crate::postgres::ops` they are
//! PostgreSQL's, and [`Store`] is that engine's store. Nothing here may name an engine
//! type directly; what differs between the engines (how a transaction begins, how a change
//! is announced, how an error is classified) is a function of the engine module, reached
//! through `super::`. The SQL follows the portability rules of the crate docs.
//!
//! The public [`crate::Store`] holds one of the two engine stores and forwards every call
//! (`crate::dispatch`).

pub(crate) use super::{Backend, Conn, Db, DbRow, notify_change};

pub(crate) mod changes;
pub(crate) mod cidr;
pub(crate) mod cluster;
pub(crate) mod copy;
pub(crate) mod health_checks;
pub(crate) mod info;
pub(crate) mod policies;
pub(crate) mod policy_records;
pub(crate) mod rrsets;
pub(crate) mod soa;
pub(crate) mod sql;
pub(crate) mod tags;
pub(crate) mod zones;

/// The store on one engine. Cloning is cheap (a pool handle).
#[derive(Debug, Clone)]
pub(crate) struct Store {
    pub(crate) backend: Backend,
}
