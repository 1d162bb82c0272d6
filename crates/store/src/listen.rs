//! Waking followers when the store changes.
//!
//! A DNS node follows the change log ([`crate::Store::changes_since`]). On PostgreSQL every
//! write transaction sends a `NOTIFY` that is delivered when it commits, so a follower
//! listening on it catches up at once; it still polls at its catch-up interval, which covers
//! notifications lost while its listening connection was down. SQLite has no channel
//! between processes: followers poll (a cheap read of a local file).

use std::time::Duration;

use crate::{Engine, Store};

/// Waits for the next change of a store (see the module docs).
pub struct ChangeListener {
    inner: Inner,
}

enum Inner {
    /// Nothing to listen to: every wait lasts its timeout.
    Poll,
    /// PostgreSQL's notifications.
    Postgres(crate::postgres::Listener),
}

/// Why [`ChangeListener::wait`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// A change was announced (its serial may already have been read).
    Notified,
    /// The timeout passed.
    Timeout,
    /// The listening connection is down (and was not re-established this time); the wait
    /// lasted its timeout.
    Disconnected,
}

impl Store {
    /// A listener for this store's changes. On PostgreSQL it opens its own connection (a
    /// failure to connect is not an error here: [`ChangeListener::wait`] retries).
    pub async fn listen(&self) -> ChangeListener {
        let inner = match &self.engine {
            Engine::Sqlite(_) => Inner::Poll,
            Engine::Postgres(s) => Inner::Postgres(s.backend.listener().await),
        };
        ChangeListener { inner }
    }
}

impl ChangeListener {
    /// Returns when a change is announced, or after `timeout`.
    pub async fn wait(&mut self, timeout: Duration) -> Wake {
        match &mut self.inner {
            Inner::Poll => {
                tokio::time::sleep(timeout).await;
                Wake::Timeout
            }
            Inner::Postgres(l) => l.wait(timeout).await,
        }
    }
}
