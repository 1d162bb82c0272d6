//! The open-file limit: every DNS TCP connection, API connection, health probe and store
//! connection is a file descriptor, and the usual soft limit of 1,024 is soon reached on a
//! server facing the internet. At start the soft limit is raised to the hard limit (which
//! only an administrator can raise: `LimitNOFILE=` in the systemd unit, `ulimit -Hn`).

use nix::sys::resource::{Resource, getrlimit, setrlimit};

/// A hard limit below this is worth a warning.
const WANTED: u64 = 65_536;

/// What [`raise`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Raised {
    /// The soft limit before.
    pub(crate) before: u64,
    /// The soft limit now.
    pub(crate) now: u64,
    /// The hard limit.
    pub(crate) hard: u64,
}

/// Raises the soft limit on open files to the hard limit; never lowers it.
pub(crate) fn raise() -> Result<Raised, String> {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)
        .map_err(|e| format!("cannot read the open-file limit: {e}"))?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard)
            .map_err(|e| format!("cannot raise the open-file limit from {soft} to {hard}: {e}"))?;
    }
    let (now, hard) = getrlimit(Resource::RLIMIT_NOFILE)
        .map_err(|e| format!("cannot read the open-file limit: {e}"))?;
    Ok(Raised { before: soft, now, hard })
}

/// Raises the limit and logs what happened.
pub(crate) fn raise_and_log() {
    match raise() {
        Ok(r) => {
            if r.now > r.before {
                tracing::info!(from = r.before, to = r.now, "open-file limit raised");
            }
            if r.hard < WANTED {
                tracing::warn!(
                    limit = r.now,
                    "the open-file limit is low for a server facing the internet: raise the hard \
                     limit (LimitNOFILE={WANTED} in the systemd unit, or ulimit -Hn)"
                );
            }
        }
        Err(e) => tracing::warn!("{e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_rises_to_the_hard_one_and_never_falls() {
        let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
        // Lower the soft limit first (allowed), so that there is something to raise.
        let lowered = soft.min(hard).min(512);
        setrlimit(Resource::RLIMIT_NOFILE, lowered, hard).unwrap();
        let r = raise().unwrap();
        assert_eq!((r.before, r.now, r.hard), (lowered, hard, hard));
        let again = raise().unwrap();
        assert_eq!((again.before, again.now), (hard, hard), "already at the hard limit");
    }
}
