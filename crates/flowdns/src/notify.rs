//! Readiness and status for systemd (`Type=notify` units): `READY=1` once the listeners are
//! bound and the first snapshot is loaded, `STATUS=...` lines an operator sees in
//! `systemctl status`, and `STOPPING=1` when shutdown begins.
//!
//! Messages go to the datagram socket named by `$NOTIFY_SOCKET` (the `sd-notify` crate, which
//! is a thin layer over a Unix datagram socket); without that variable, as when run by hand,
//! nothing is sent. A message that cannot be sent is logged once per kind and never stops the
//! server.

use std::sync::atomic::{AtomicBool, Ordering};

use sd_notify::NotifyState;

static WARNED: AtomicBool = AtomicBool::new(false);

fn send(states: &[NotifyState<'_>]) {
    if std::env::var_os("NOTIFY_SOCKET").is_none() {
        return;
    }
    if let Err(e) = sd_notify::notify(states)
        && !WARNED.swap(true, Ordering::Relaxed)
    {
        tracing::warn!(error = %e, "cannot notify the service manager ($NOTIFY_SOCKET)");
    }
}

/// The server is up: listeners bound, first snapshot loaded.
pub(crate) fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(status)]);
}

/// A status line for the service manager.
pub(crate) fn status(status: &str) {
    send(&[NotifyState::Status(status)]);
}

/// Shutdown has begun.
pub(crate) fn stopping() {
    send(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
}
