//! Query counters kept with the data they count (per zone, per policy-record endpoint), striped
//! so that the threads answering queries do not share cache lines: each thread adds to its
//! own stripe, and readers sum the stripes. A zone's counters start at zero when the zone is
//! rebuilt (Prometheus counters may reset).

use std::sync::atomic::{AtomicU64, Ordering};

/// Stripes per counter; threads beyond this share stripes.
pub const STRIPES: usize = 4;

/// One counter per stripe, each on its own cache line.
#[derive(Debug, Default)]
#[repr(align(64))]
struct Line(AtomicU64);

/// A striped counter.
#[derive(Debug, Default)]
pub struct Counter([Line; STRIPES]);

impl Counter {
    /// Adds one on `stripe` (any number: it is reduced modulo [`STRIPES`]).
    #[inline]
    pub fn add(&self, stripe: usize) {
        self.0[stripe % STRIPES].0.fetch_add(1, Ordering::Relaxed);
    }

    /// A new counter starting from this one's counts (for a zone rebuilt with only its SOA
    /// serial changed, so that its counters do not restart).
    pub fn carried(&self) -> Counter {
        let c = Counter::default();
        for (to, from) in c.0.iter().zip(&self.0) {
            to.0.store(from.0.load(Ordering::Relaxed), Ordering::Relaxed);
        }
        c
    }

    /// The total over all stripes.
    pub fn get(&self) -> u64 {
        self.0.iter().map(|l| l.0.load(Ordering::Relaxed)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripes_add_up() {
        let c = Counter::default();
        for i in 0..10 {
            c.add(i);
        }
        assert_eq!(c.get(), 10);
        assert_eq!(std::mem::size_of::<Line>(), 64);
    }
}
