//! Response-rate limiting (RRL) for DNS over UDP, in the manner of NSD's and Knot DNS's.
//!
//! A UDP query's source address can be forged, so an open authoritative server can be made to
//! send its answers to a victim: a 42-byte query can draw a 1,200-byte answer. RRL bounds what
//! any one network receives: each answer is counted in a bucket, and once a bucket is over its
//! rate, further answers of that bucket are dropped, or (every `slip`-th one) replaced by an
//! empty reply with TC set, so that a real resolver behind that address retries over TCP, which
//! proves the address. TCP is never limited.
//!
//! # Buckets
//!
//! A bucket is keyed by the source network of the datagram (IPv4 /24 and IPv6 /56 by default;
//! never the EDNS Client Subnet address: the answer goes to the source), the answer's class,
//! and the name the class is counted by:
//!
//! | class | responses | counted by |
//! |---|---|---|
//! | `positive` | NOERROR with answer records (ANY included) | query name and type |
//! | `nodata` | NOERROR without answer records (the SOA in the authority section) | query name |
//! | `nxdomain` | NXDOMAIN | the zone (the owner of the SOA) |
//! | `referral` | NS records in the authority section (a delegation) | the delegation point |
//! | `error` | REFUSED, FORMERR, NOTIMP, BADVERS, SERVFAIL | nothing: one bucket per network |
//!
//! This is NSD's and Knot's classification, less their classes for DNSSEC records (flowdns
//! serves none), for large answers (Knot) and for wildcards: an answer synthesised from a
//! wildcard counts as `positive` by the query name, because the answer does not say which
//! wildcard made it. NXDOMAIN, errors and referrals do not depend on the query name, so a
//! flood of random names falls into one bucket.
//!
//! # Rate
//!
//! Each bucket is a token bucket that fills at `responses_per_second` and holds
//! `responses_per_second * window` responses: after a quiet spell a network may get a burst of
//! that many answers of one bucket; a steady stream gets the rate. It is kept as the generic
//! cell rate algorithm (GCRA): one "theoretical arrival time" per bucket, in nanoseconds, so
//! that a bucket is one 64-bit word updated with one compare-and-swap: 15 bits of tag (bits of
//! the key's hash that the slot index does not use), a "limited" flag, and the arrival time
//! modulo 2^48 ns (78 hours; a bucket whose time is implausibly far ahead is stale and starts
//! over).
//!
//! # Table
//!
//! The buckets live in a fixed table (`table_size` words, 65,536 by default: 512 KiB), indexed
//! by a hash of the key seeded per process, so that nobody can aim keys at one slot. A key
//! whose slot holds another key's bucket takes the slot over with a fresh bucket (lossy, as in
//! NSD): a collision can let a few more answers through, never fewer. Nothing is allocated per
//! packet and no lock is taken: a bucket is one atomic word, and the counters belong to each
//! answering thread.
//!
//! # Time
//!
//! The caller gives the time ([`Limiter::tick`] reads the monotonic clock once per batch of
//! datagrams; [`Limiter::set_now`] sets it), so that the logic runs in tests without a clock.
//!
//! # Exemptions, log-only mode, logging
//!
//! Loopback sources (`exempt_loopback`, on by default) and the `exempt` networks are never
//! limited. In log-only mode (`log_only`) everything is answered, and what would have been
//! limited is counted and logged. The start of limiting of a bucket is logged as a warning
//! (the network, the class, the name), at most [`LOG_BURST`] lines per [`LOG_WINDOW`]; the
//! next line after a full window says how many were left out.

use std::hash::{BuildHasher, Hasher};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicU32, AtomicU64};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// Answers per second per bucket (NSD's default).
pub const DEFAULT_RESPONSES_PER_SECOND: u32 = 200;
/// Seconds of the rate a bucket holds (NSD's smoothing lets about two seconds through).
pub const DEFAULT_WINDOW: u32 = 2;
/// Every second limited answer is sent as an empty truncated reply (NSD's and BIND's default).
pub const DEFAULT_SLIP: u32 = 2;
/// IPv4 source networks (NSD, Knot).
pub const DEFAULT_IPV4_PREFIX: u8 = 24;
/// IPv6 source networks (Knot; a site's allocation).
pub const DEFAULT_IPV6_PREFIX: u8 = 56;
/// Buckets in the table.
pub const DEFAULT_TABLE_SIZE: u32 = 65_536;

/// Largest `responses_per_second`.
pub const MAX_RESPONSES_PER_SECOND: u32 = 1_000_000;
/// Largest `window`, in seconds.
pub const MAX_WINDOW: u32 = 60;
/// Largest `slip`.
pub const MAX_SLIP: u32 = 100;
/// Smallest `table_size`.
pub const MIN_TABLE_SIZE: u32 = 1 << 10;
/// Largest `table_size` (128 MiB of buckets).
pub const MAX_TABLE_SIZE: u32 = 1 << 24;

/// Lines logged about limiting per [`LOG_WINDOW`].
pub const LOG_BURST: u32 = 20;
/// The logging window.
pub const LOG_WINDOW: Duration = Duration::from_secs(10);

/// The class of an answer, which chooses its bucket (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// NOERROR with answer records: by query name and type.
    Positive,
    /// NOERROR without answer records: by query name.
    Nodata,
    /// NXDOMAIN: by zone.
    Nxdomain,
    /// A delegation: by delegation point.
    Referral,
    /// REFUSED, FORMERR, NOTIMP, BADVERS, SERVFAIL: by network only.
    Error,
}

impl Class {
    /// Every class, in the order of [`Counts`].
    pub const ALL: [Class; 5] =
        [Class::Positive, Class::Nodata, Class::Nxdomain, Class::Referral, Class::Error];

    /// The name used in metrics and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Positive => "positive",
            Class::Nodata => "nodata",
            Class::Nxdomain => "nxdomain",
            Class::Referral => "referral",
            Class::Error => "error",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The settings (checked by [`Config::check`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Answers per second per bucket, 1 to [`MAX_RESPONSES_PER_SECOND`].
    pub responses_per_second: u32,
    /// Seconds of the rate a bucket holds (the burst), 1 to [`MAX_WINDOW`].
    pub window: u32,
    /// Every `slip`-th limited answer is sent as an empty truncated reply; 0: none (all
    /// dropped), 1: all. At most [`MAX_SLIP`].
    pub slip: u32,
    /// Prefix length of IPv4 source networks, 0 to 32.
    pub ipv4_prefix: u8,
    /// Prefix length of IPv6 source networks, 0 to 128.
    pub ipv6_prefix: u8,
    /// Never limit loopback sources (127.0.0.0/8, ::1).
    pub exempt_loopback: bool,
    /// Networks never limited (address and prefix length; host bits are ignored).
    pub exempt: Vec<(IpAddr, u8)>,
    /// Answer everything; count and log what would have been limited.
    pub log_only: bool,
    /// Buckets in the table, [`MIN_TABLE_SIZE`] to [`MAX_TABLE_SIZE`]; rounded up to a power
    /// of two.
    pub table_size: u32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            responses_per_second: DEFAULT_RESPONSES_PER_SECOND,
            window: DEFAULT_WINDOW,
            slip: DEFAULT_SLIP,
            ipv4_prefix: DEFAULT_IPV4_PREFIX,
            ipv6_prefix: DEFAULT_IPV6_PREFIX,
            exempt_loopback: true,
            exempt: Vec::new(),
            log_only: false,
            table_size: DEFAULT_TABLE_SIZE,
        }
    }
}

impl Config {
    /// Checks every value; the error names the setting (`rrl.<field>`) and what is allowed.
    pub fn check(&self) -> Result<(), String> {
        let c = self;
        if !(1..=MAX_RESPONSES_PER_SECOND).contains(&c.responses_per_second) {
            return Err(format!(
                "rrl.responses_per_second = {}: expected 1 to {MAX_RESPONSES_PER_SECOND}",
                c.responses_per_second
            ));
        }
        if !(1..=MAX_WINDOW).contains(&c.window) {
            return Err(format!("rrl.window = {}: expected 1 to {MAX_WINDOW} seconds", c.window));
        }
        if c.slip > MAX_SLIP {
            return Err(format!(
                "rrl.slip = {}: expected 0 (drop every limited answer) to {MAX_SLIP}",
                c.slip
            ));
        }
        if c.ipv4_prefix > 32 {
            return Err(format!("rrl.ipv4_prefix = {}: expected 0 to 32", c.ipv4_prefix));
        }
        if c.ipv6_prefix > 128 {
            return Err(format!("rrl.ipv6_prefix = {}: expected 0 to 128", c.ipv6_prefix));
        }
        if !(MIN_TABLE_SIZE..=MAX_TABLE_SIZE).contains(&c.table_size) {
            return Err(format!(
                "rrl.table_size = {}: expected {MIN_TABLE_SIZE} to {MAX_TABLE_SIZE} buckets",
                c.table_size
            ));
        }
        for (i, (addr, prefix)) in c.exempt.iter().enumerate() {
            let max = if addr.is_ipv4() { 32 } else { 128 };
            if *prefix > max {
                return Err(format!(
                    "rrl.exempt[{i}] = \"{addr}/{prefix}\": the prefix length is at most {max}"
                ));
            }
        }
        Ok(())
    }
}

/// Parses a network such as `10.0.0.0/8` or `2001:db8::/32`; a bare address is a host.
pub fn parse_network(text: &str) -> Option<(IpAddr, u8)> {
    let text = text.trim();
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a.trim().parse::<IpAddr>().ok()?, Some(p.trim().parse::<u8>().ok()?)),
        None => (text.parse::<IpAddr>().ok()?, None),
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = prefix.unwrap_or(max);
    (prefix <= max).then_some((addr, prefix))
}

/// What the table says of one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Within the rate.
    Pass,
    /// Over the rate; `first` when the bucket was not limited just before.
    Limited {
        /// The bucket's limiting starts with this answer.
        first: bool,
    },
}

/// What to send for one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// The answer.
    Send,
    /// Nothing.
    Drop,
    /// The header and question only, with TC set.
    Slip,
}

/// A bucket key: a hash of the network, the class and the name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    hash: u64,
}

impl Key {
    /// The tag kept in the bucket: the hash's top 15 bits, never 0 (an empty slot).
    fn tag(self) -> u64 {
        (self.hash >> TAG_SHIFT).max(1)
    }
}

const TIME_BITS: u32 = 48;
const TIME_MASK: u64 = (1 << TIME_BITS) - 1;
const FLAG: u64 = 1 << TIME_BITS;
const TAG_SHIFT: u32 = TIME_BITS + 1;
/// How far the threads' clocks may differ (each reads it once per batch) before a bucket whose
/// time is ahead of the caller's counts as stale.
const SLACK: u64 = 1_000_000_000;

/// Answers withheld, by class, summed over the answering threads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Per class, in the order of [`Class::ALL`].
    pub by_class: [ClassCounts; 5],
}

impl Counts {
    /// One class's counts.
    pub fn of(&self, class: Class) -> ClassCounts {
        self.by_class[class.index()]
    }

    /// All classes together.
    pub fn total(&self) -> ClassCounts {
        let mut t = ClassCounts::default();
        for c in &self.by_class {
            t.dropped += c.dropped;
            t.slipped += c.slipped;
            t.logged += c.logged;
        }
        t
    }
}

/// Answers over the rate of one class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClassCounts {
    /// Not sent at all.
    pub dropped: u64,
    /// Sent as an empty truncated reply.
    pub slipped: u64,
    /// Sent in full, in log-only mode.
    pub logged: u64,
}

/// One answering thread's counters (written by that thread only).
#[derive(Debug, Default)]
struct Counters {
    /// [class][dropped, slipped, logged]
    by: [[AtomicU64; 3]; 5],
}

impl Counters {
    fn add_into(&self, out: &mut Counts) {
        for (c, row) in out.by_class.iter_mut().zip(&self.by) {
            c.dropped += row[0].load(Relaxed);
            c.slipped += row[1].load(Relaxed);
            c.logged += row[2].load(Relaxed);
        }
    }
}

/// A network the exemption list holds.
#[derive(Debug)]
struct Net {
    v6: bool,
    bits: u128,
    mask: u128,
}

fn mask_v4(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn mask_v6(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

/// The family and the address as 128 bits (IPv4-mapped IPv6 addresses count as IPv4).
fn bits_of(ip: IpAddr) -> (bool, u128) {
    match ip.to_canonical() {
        IpAddr::V4(v4) => (false, u128::from(u32::from(v4))),
        IpAddr::V6(v6) => (true, u128::from(v6)),
    }
}

/// The rate limit of log lines; lock-free, approximate under races.
#[derive(Debug, Default)]
struct LogGate {
    /// The current window's number plus one (0: none yet).
    window: AtomicU64,
    logged: AtomicU32,
    suppressed: AtomicU64,
}

impl LogGate {
    /// `Some(lines left out since the last one)` when a line may be written at `now`.
    fn admit(&self, now: u64) -> Option<u64> {
        let w = now / LOG_WINDOW.as_nanos() as u64 + 1;
        if self.window.load(Relaxed) != w && self.window.swap(w, Relaxed) != w {
            self.logged.store(0, Relaxed);
        }
        if self.logged.load(Relaxed) < LOG_BURST && self.logged.fetch_add(1, Relaxed) < LOG_BURST {
            Some(self.suppressed.swap(0, Relaxed))
        } else {
            self.suppressed.fetch_add(1, Relaxed);
            None
        }
    }
}

/// The rate-limit table, shared by the answering threads.
#[derive(Debug)]
pub struct Rrl {
    config: Config,
    /// Nanoseconds per answer (1 / rate).
    interval: u64,
    /// How far ahead of now a bucket's arrival time may be and still pass: the burst less one.
    tolerance: u64,
    slots: Box<[AtomicU64]>,
    index_mask: u64,
    hasher: foldhash::fast::FixedState,
    v4_mask: u32,
    v6_mask: u128,
    exempt: Vec<Net>,
    epoch: Instant,
    /// The answering threads' counters; touched when a thread starts and when read.
    threads: Mutex<Vec<Weak<Counters>>>,
    /// The counts of threads that have ended.
    ended: Counters,
    log: LogGate,
}

impl Rrl {
    /// A table for `config`; `seed` keys the hash (one per process, so that clients cannot
    /// aim at slots).
    pub fn new(config: Config, seed: u64) -> Result<Rrl, String> {
        config.check()?;
        let rate = u64::from(config.responses_per_second);
        let interval = 1_000_000_000 / rate;
        let burst = rate * u64::from(config.window);
        let size = config.table_size.next_power_of_two();
        let exempt = config
            .exempt
            .iter()
            .map(|&(addr, prefix)| {
                let (v6, bits) = bits_of(addr);
                let mask = match addr.to_canonical() {
                    IpAddr::V4(_) => {
                        // An IPv4-mapped IPv6 network is the IPv4 network it maps.
                        let p = if addr.is_ipv6() { prefix.saturating_sub(96) } else { prefix };
                        u128::from(mask_v4(p))
                    }
                    IpAddr::V6(_) => mask_v6(prefix),
                };
                Net { v6, bits: bits & mask, mask }
            })
            .collect();
        Ok(Rrl {
            interval,
            tolerance: interval * (burst - 1),
            slots: (0..size).map(|_| AtomicU64::new(0)).collect(),
            index_mask: u64::from(size) - 1,
            hasher: foldhash::fast::FixedState::with_seed(seed),
            v4_mask: mask_v4(config.ipv4_prefix),
            v6_mask: mask_v6(config.ipv6_prefix),
            exempt,
            epoch: Instant::now(),
            threads: Mutex::new(Vec::new()),
            ended: Counters::default(),
            log: LogGate::default(),
            config,
        })
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The monotonic clock, in nanoseconds since the table was made.
    pub fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Whether answers to `ip` are never limited.
    pub fn is_exempt(&self, ip: IpAddr) -> bool {
        if self.config.exempt_loopback && ip.to_canonical().is_loopback() {
            return true;
        }
        if self.exempt.is_empty() {
            return false;
        }
        let (v6, bits) = bits_of(ip);
        self.exempt.iter().any(|n| n.v6 == v6 && bits & n.mask == n.bits)
    }

    /// The source network of `ip`: its family and its masked address.
    fn network(&self, ip: IpAddr) -> (bool, u128) {
        let (v6, bits) = bits_of(ip);
        if v6 { (true, bits & self.v6_mask) } else { (false, bits & u128::from(self.v4_mask)) }
    }

    /// The bucket of an answer to `src` of `class`, counted by `name` (lowercase wire form;
    /// empty for classes counted by network only) and `qtype` (0 for classes without one).
    pub fn key(&self, src: IpAddr, class: Class, name: &[u8], qtype: u16) -> Key {
        let (v6, bits) = self.network(src);
        let mut h = self.hasher.build_hasher();
        h.write_u128(bits);
        h.write_u8((u8::from(v6) << 4) | class as u8);
        h.write_u16(qtype);
        h.write(name);
        Key { hash: h.finish() }
    }

    /// Counts one answer of bucket `key` at `now` (nanoseconds, see [`Rrl::now`]).
    pub fn check(&self, key: Key, now: u64) -> Decision {
        let slot = &self.slots[(key.hash & self.index_mask) as usize];
        let tag = key.tag();
        let mut old = slot.load(Relaxed);
        loop {
            // How far the bucket's arrival time is ahead of now (0: the bucket is full), and
            // whether it is limiting.
            let (ahead, limited) = if old >> TAG_SHIFT != tag {
                (0, false) // empty, or another key's: start over
            } else {
                let d = (old & TIME_MASK).wrapping_sub(now & TIME_MASK) & TIME_MASK;
                if d >= 1 << (TIME_BITS - 1) {
                    (0, old & FLAG != 0) // behind now: full
                } else if d > self.tolerance + self.interval + SLACK {
                    (0, false) // stale: untouched for longer than the time field holds
                } else {
                    (d, old & FLAG != 0)
                }
            };
            if ahead > self.tolerance {
                if limited {
                    return Decision::Limited { first: false };
                }
                match slot.compare_exchange_weak(old, old | FLAG, Relaxed, Relaxed) {
                    Ok(_) => return Decision::Limited { first: true },
                    Err(current) => {
                        old = current;
                        continue;
                    }
                }
            }
            // Within the rate. The flag stays until the bucket has filled up again, so that
            // a steady flood, which passes at the rate, is reported once.
            let flag = if limited && ahead > 0 { FLAG } else { 0 };
            let at = now.wrapping_add(ahead).wrapping_add(self.interval) & TIME_MASK;
            let new = (tag << TAG_SHIFT) | flag | at;
            match slot.compare_exchange_weak(old, new, Relaxed, Relaxed) {
                Ok(_) => return Decision::Pass,
                Err(current) => old = current,
            }
        }
    }

    /// A limiter for one answering thread.
    pub fn limiter(self: &Arc<Self>) -> Limiter {
        let counters = Arc::new(Counters::default());
        if let Ok(mut list) = self.threads.lock() {
            list.retain(|w| w.strong_count() > 0);
            list.push(Arc::downgrade(&counters));
        }
        Limiter { rrl: self.clone(), counters, limited: 0, now: self.now() }
    }

    /// The answers withheld so far.
    pub fn counts(&self) -> Counts {
        let mut out = Counts::default();
        self.ended.add_into(&mut out);
        if let Ok(list) = self.threads.lock() {
            for c in list.iter().filter_map(Weak::upgrade) {
                c.add_into(&mut out);
            }
        }
        out
    }

    /// Logs that answers of a bucket start being limited (rate-limited itself).
    fn log_start(&self, now: u64, src: IpAddr, class: Class, name: &[u8], qtype: u16) {
        let Some(suppressed) = self.log.admit(now) else { return };
        let (v6, bits) = self.network(src);
        let network = if v6 {
            format!("{}/{}", Ipv6Addr::from(bits), self.config.ipv6_prefix)
        } else {
            format!("{}/{}", Ipv4Addr::from(bits as u32), self.config.ipv4_prefix)
        };
        let name = if name.is_empty() { String::from("-") } else { wire_text(name) };
        let qtype = if qtype == 0 {
            String::from("-")
        } else {
            hickory_proto::rr::RecordType::from(qtype).to_string()
        };
        let rate = self.config.responses_per_second;
        if self.config.log_only {
            tracing::warn!(%network, class = class.as_str(), %name, %qtype, rate, suppressed,
                "response-rate limit exceeded (log-only mode: still answered)");
        } else {
            tracing::warn!(%network, class = class.as_str(), %name, %qtype, rate, suppressed,
                "response-rate limit exceeded: dropping answers over the rate, some as truncated replies");
        }
    }
}

/// A name in wire form as text, for logs (`\DDD` for bytes that are not printable).
fn wire_text(name: &[u8]) -> String {
    let mut out = String::new();
    let mut at = 0;
    while let Some(&len) = name.get(at) {
        if len == 0 || len > 63 {
            break;
        }
        for &b in name.get(at + 1..at + 1 + usize::from(len)).unwrap_or(&[]) {
            if b.is_ascii_graphic() && b != b'.' && b != b'\\' {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("\\{b:03}"));
            }
        }
        out.push('.');
        at += 1 + usize::from(len);
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// A name in lowercase wire form, on the stack.
#[derive(Clone)]
pub struct WireName {
    buf: [u8; 255],
    len: usize,
}

impl Default for WireName {
    /// No name at all (for classes counted by network only).
    fn default() -> WireName {
        WireName { buf: [0; 255], len: 0 }
    }
}

impl WireName {
    /// `name` in lowercase wire form, as the lean path reads it off the packet.
    pub fn of(name: &hickory_proto::rr::Name) -> WireName {
        let mut w = WireName::default();
        for label in name.iter() {
            if w.len + label.len() + 2 > w.buf.len() {
                break;
            }
            w.buf[w.len] = label.len() as u8;
            for (d, s) in w.buf[w.len + 1..].iter_mut().zip(label) {
                *d = s.to_ascii_lowercase();
            }
            w.len += label.len() + 1;
        }
        w.buf[w.len] = 0;
        w.len += 1;
        w
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// One answering thread's view of the table: its clock reading, its counters and its slip
/// count.
#[derive(Debug)]
pub struct Limiter {
    rrl: Arc<Rrl>,
    counters: Arc<Counters>,
    /// Answers this thread has limited (for `slip`).
    limited: u64,
    now: u64,
}

impl Limiter {
    /// Reads the clock (once per batch of datagrams).
    pub fn tick(&mut self) {
        self.now = self.rrl.now();
    }

    /// Sets the time, in nanoseconds (tests).
    pub fn set_now(&mut self, now: u64) {
        self.now = now;
    }

    /// Whether answers to `ip` are never limited.
    pub fn is_exempt(&self, ip: IpAddr) -> bool {
        self.rrl.is_exempt(ip)
    }

    /// What to send for an answer to `src` of `class`, counted by `name` (lowercase wire
    /// form) and `qtype` (see [`Rrl::key`]). Exemptions are the caller's to check first.
    pub fn decide(&mut self, src: IpAddr, class: Class, name: &[u8], qtype: u16) -> Action {
        let rrl = &*self.rrl;
        let first = match rrl.check(rrl.key(src, class, name, qtype), self.now) {
            Decision::Pass => return Action::Send,
            Decision::Limited { first } => first,
        };
        if first {
            rrl.log_start(self.now, src, class, name, qtype);
        }
        let row = &self.counters.by[class.index()];
        if rrl.config.log_only {
            row[2].fetch_add(1, Relaxed);
            return Action::Send;
        }
        self.limited += 1;
        let slip = u64::from(rrl.config.slip);
        if slip != 0 && self.limited.is_multiple_of(slip) {
            row[1].fetch_add(1, Relaxed);
            Action::Slip
        } else {
            row[0].fetch_add(1, Relaxed);
            Action::Drop
        }
    }
}

impl Drop for Limiter {
    fn drop(&mut self) {
        // Keep the counts of an ended thread, so that the totals never go down.
        for (from, to) in self.counters.by.iter().zip(&self.rrl.ended.by) {
            for (f, t) in from.iter().zip(to) {
                t.fetch_add(f.swap(0, Relaxed), Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const SECOND: u64 = 1_000_000_000;
    const MS: u64 = 1_000_000;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn config(rate: u32, window: u32, slip: u32) -> Config {
        Config {
            responses_per_second: rate,
            window,
            slip,
            exempt_loopback: false,
            ..Config::default()
        }
    }

    fn table(c: Config) -> Arc<Rrl> {
        Arc::new(Rrl::new(c, 7).unwrap())
    }

    const WWW: &[u8] = b"\x03www\x07example\x03com\x00";
    const ZONE: &[u8] = b"\x07example\x03com\x00";

    /// Asks `n` times at `now`; the actions.
    fn ask(l: &mut Limiter, now: u64, src: &str, n: usize) -> Vec<Action> {
        l.set_now(now);
        (0..n).map(|_| l.decide(ip(src), Class::Positive, WWW, 1)).collect()
    }

    fn sent(actions: &[Action]) -> usize {
        actions.iter().filter(|a| **a == Action::Send).count()
    }

    #[test]
    fn a_burst_of_rate_times_window_then_the_rate() {
        let rrl = table(config(10, 2, 0));
        let mut l = rrl.limiter();
        // A full bucket: 20 answers at once, then nothing.
        assert_eq!(sent(&ask(&mut l, SECOND, "192.0.2.1", 50)), 20);
        // One answer per 100 ms refills.
        assert_eq!(sent(&ask(&mut l, SECOND + 99 * MS, "192.0.2.1", 5)), 0);
        assert_eq!(sent(&ask(&mut l, SECOND + 100 * MS, "192.0.2.1", 5)), 1);
        assert_eq!(sent(&ask(&mut l, SECOND + 350 * MS, "192.0.2.1", 5)), 2);
        // Quiet for longer than the window: full again, and no fuller.
        assert_eq!(sent(&ask(&mut l, 10 * SECOND, "192.0.2.1", 50)), 20);
    }

    #[test]
    fn a_steady_flood_gets_the_rate() {
        let rrl = table(config(50, 1, 0));
        let mut l = rrl.limiter();
        // 1,000 queries per second for 10 s: the burst, then 50 per second.
        let mut passed = 0;
        for i in 0..10_000u64 {
            l.set_now(SECOND + i * MS);
            passed +=
                usize::from(l.decide(ip("198.51.100.7"), Class::Positive, WWW, 1) == Action::Send);
        }
        assert_eq!(passed, 50 + 50 * 10 - 1, "the burst plus 50 per second");
        let c = rrl.counts().of(Class::Positive);
        assert_eq!(c.dropped as usize, 10_000 - passed);
        assert_eq!(c.slipped, 0);
    }

    #[test]
    fn slip_sends_every_nth_limited_answer_truncated() {
        for (slip, pattern) in [
            (2, vec![Action::Drop, Action::Slip, Action::Drop, Action::Slip]),
            (
                3,
                vec![
                    Action::Drop,
                    Action::Drop,
                    Action::Slip,
                    Action::Drop,
                    Action::Drop,
                    Action::Slip,
                ],
            ),
            (1, vec![Action::Slip; 4]),
            (0, vec![Action::Drop; 4]),
        ] {
            let rrl = table(config(5, 1, slip));
            let mut l = rrl.limiter();
            let actions = ask(&mut l, SECOND, "192.0.2.1", 5 + pattern.len());
            assert_eq!(actions[..5], [Action::Send; 5], "slip {slip}");
            assert_eq!(actions[5..], pattern[..], "slip {slip}");
            let c = rrl.counts().total();
            let slipped = pattern.iter().filter(|a| **a == Action::Slip).count() as u64;
            assert_eq!((c.slipped, c.dropped), (slipped, pattern.len() as u64 - slipped));
        }
    }

    #[test]
    fn buckets_are_per_source_network() {
        let rrl = table(config(3, 1, 0));
        let mut l = rrl.limiter();
        assert_eq!(sent(&ask(&mut l, SECOND, "192.0.2.1", 10)), 3);
        // The same /24: the same bucket.
        assert_eq!(sent(&ask(&mut l, SECOND, "192.0.2.254", 10)), 0);
        // Another /24, and IPv6 networks: their own.
        assert_eq!(sent(&ask(&mut l, SECOND, "192.0.3.1", 10)), 3);
        assert_eq!(sent(&ask(&mut l, SECOND, "2001:db8:0:1::1", 10)), 3);
        // /56: 2001:db8:0:1:: and 2001:db8:0:ff:: share the first 56 bits; :100:: does not.
        assert_eq!(sent(&ask(&mut l, SECOND, "2001:db8:0:ff::9", 10)), 0);
        assert_eq!(sent(&ask(&mut l, SECOND, "2001:db8:0:100::1", 10)), 3);
        // An IPv4-mapped source is its IPv4 address.
        assert_eq!(sent(&ask(&mut l, SECOND, "::ffff:192.0.3.77", 10)), 0);

        // Other prefix lengths.
        let rrl = table(Config { ipv4_prefix: 32, ipv6_prefix: 64, ..config(3, 1, 0) });
        let mut l = rrl.limiter();
        assert_eq!(sent(&ask(&mut l, SECOND, "192.0.2.1", 10)), 3);
        assert_eq!(sent(&ask(&mut l, SECOND, "192.0.2.2", 10)), 3);
        assert_eq!(sent(&ask(&mut l, SECOND, "2001:db8:0:1::1", 10)), 3);
        assert_eq!(sent(&ask(&mut l, SECOND, "2001:db8:0:1:ffff::1", 10)), 0);
        assert_eq!(sent(&ask(&mut l, SECOND, "2001:db8:0:2::1", 10)), 3);
        let rrl = table(Config { ipv4_prefix: 0, ..config(3, 1, 0) });
        let mut l = rrl.limiter();
        assert_eq!(sent(&ask(&mut l, SECOND, "192.0.2.1", 10)), 3);
        assert_eq!(sent(&ask(&mut l, SECOND, "203.0.113.1", 10)), 0, "/0: one bucket for all");
    }

    #[test]
    fn buckets_are_per_class_and_name() {
        let rrl = table(config(2, 1, 0));
        let mut l = rrl.limiter();
        l.set_now(SECOND);
        let src = ip("192.0.2.1");
        let mut n = |class, name: &[u8], qtype| {
            (0..5).filter(|_| l.decide(src, class, name, qtype) == Action::Send).count()
        };
        assert_eq!(n(Class::Positive, WWW, 1), 2);
        assert_eq!(n(Class::Positive, WWW, 1), 0);
        assert_eq!(n(Class::Positive, WWW, 28), 2, "another type");
        assert_eq!(n(Class::Positive, ZONE, 1), 2, "another name");
        assert_eq!(n(Class::Nodata, WWW, 0), 2, "another class");
        assert_eq!(n(Class::Nxdomain, ZONE, 0), 2);
        assert_eq!(n(Class::Nxdomain, ZONE, 0), 0);
        assert_eq!(n(Class::Referral, ZONE, 0), 2);
        assert_eq!(n(Class::Error, b"", 0), 2);
        assert_eq!(n(Class::Error, b"", 0), 0);
        let c = rrl.counts();
        assert_eq!(c.of(Class::Positive).dropped, 3 + 5 + 3 + 3);
        assert_eq!(c.of(Class::Nxdomain).dropped, 3 + 5);
        assert_eq!(c.of(Class::Error).dropped, 3 + 5);
        assert_eq!(c.of(Class::Referral).dropped, 3);
    }

    #[test]
    fn loopback_and_listed_networks_are_exempt() {
        let rrl = table(Config::default());
        for a in ["127.0.0.1", "127.9.8.7", "::1", "::ffff:127.0.0.1"] {
            assert!(rrl.is_exempt(ip(a)), "{a}");
        }
        assert!(!rrl.is_exempt(ip("192.0.2.1")));
        let rrl = table(Config {
            exempt_loopback: false,
            exempt: vec![
                parse_network("10.0.0.0/8").unwrap(),
                parse_network("2001:db8:5::/48").unwrap(),
                parse_network("192.0.2.7").unwrap(),
                parse_network("::ffff:198.51.100.0/120").unwrap(),
            ],
            ..Config::default()
        });
        for a in ["10.1.2.3", "2001:db8:5:ffff::1", "192.0.2.7", "::ffff:10.0.0.1", "198.51.100.9"]
        {
            assert!(rrl.is_exempt(ip(a)), "{a}");
        }
        for a in ["127.0.0.1", "::1", "11.0.0.1", "2001:db8:6::1", "192.0.2.8", "198.51.101.9"] {
            assert!(!rrl.is_exempt(ip(a)), "{a}");
        }
        assert_eq!(parse_network("10.0.0.0/33"), None);
        assert_eq!(parse_network("2001:db8::/129"), None);
        assert_eq!(parse_network("example.com/8"), None);
    }

    #[test]
    fn a_collision_takes_the_slot_over_with_a_fresh_bucket() {
        let rrl = table(Config { table_size: MIN_TABLE_SIZE, ..config(2, 1, 0) });
        // Same slot (low bits), different tags (top bits).
        let a = Key { hash: 5 | (1 << 60) };
        let b = Key { hash: 5 | (2 << 60) };
        let now = SECOND;
        assert_eq!(rrl.check(a, now), Decision::Pass);
        assert_eq!(rrl.check(a, now), Decision::Pass);
        assert_eq!(rrl.check(a, now), Decision::Limited { first: true });
        assert_eq!(rrl.check(a, now), Decision::Limited { first: false });
        // b takes the slot: a fresh bucket...
        assert_eq!(rrl.check(b, now), Decision::Pass);
        // ...and so does a when it comes back: lossy, never stricter.
        assert_eq!(rrl.check(a, now), Decision::Pass);
        assert_eq!(rrl.check(a, now), Decision::Pass);
        assert_eq!(rrl.check(a, now), Decision::Limited { first: true });
        // Another slot is independent.
        let c = Key { hash: 6 | (1 << 60) };
        assert_eq!(rrl.check(c, now), Decision::Pass);
        // The same slot and tag is the same bucket (a tag collision, 1 in 32,768).
        let a2 = Key { hash: a.hash | (1 << 40) };
        assert_eq!(rrl.check(a2, now), Decision::Limited { first: false });
    }

    #[test]
    fn the_start_of_limiting_is_reported_once_per_episode() {
        let rrl = table(config(10, 1, 0));
        let k = Key { hash: 99 };
        let mut firsts = 0;
        // A flood of 1,000 per second for 3 s: passes at the rate, reported once.
        for i in 0..3000u64 {
            if rrl.check(k, SECOND + i * MS) == (Decision::Limited { first: true }) {
                firsts += 1;
            }
        }
        assert_eq!(firsts, 1);
        // Quiet until the bucket is full: a new episode.
        let later = 10 * SECOND;
        for _ in 0..10 {
            assert_eq!(rrl.check(k, later), Decision::Pass);
        }
        assert_eq!(rrl.check(k, later), Decision::Limited { first: true });
    }

    #[test]
    fn stale_and_wrapped_times_start_over() {
        let rrl = table(config(1, 1, 0));
        let k = Key { hash: 42 };
        assert_eq!(rrl.check(k, SECOND), Decision::Pass);
        assert_eq!(rrl.check(k, SECOND), Decision::Limited { first: true });
        // Far later, by more than half the time field: the time looks ahead, and is stale.
        let far = SECOND + (1 << 47) + 5 * SECOND;
        assert_eq!(rrl.check(k, far), Decision::Pass);
        // Exactly a wrap of the time field later: the bucket reads as full.
        let wrap = far + (1 << 48) + 3 * SECOND;
        assert_eq!(rrl.check(k, wrap), Decision::Pass);
    }

    #[test]
    fn log_only_answers_everything_and_counts() {
        let rrl = table(Config { log_only: true, ..config(2, 1, 2) });
        let mut l = rrl.limiter();
        assert_eq!(sent(&ask(&mut l, SECOND, "192.0.2.1", 10)), 10);
        let c = rrl.counts().of(Class::Positive);
        assert_eq!((c.logged, c.dropped, c.slipped), (8, 0, 0));
    }

    #[test]
    fn counts_survive_their_thread() {
        let rrl = table(config(1, 1, 2));
        {
            let mut l = rrl.limiter();
            ask(&mut l, SECOND, "192.0.2.1", 5);
        }
        let mut l = rrl.limiter();
        ask(&mut l, SECOND, "192.0.2.1", 2);
        let c = rrl.counts().of(Class::Positive);
        assert_eq!((c.dropped, c.slipped), (3, 3));
    }

    #[test]
    fn log_lines_are_limited_per_window() {
        let gate = LogGate::default();
        for _ in 0..LOG_BURST {
            assert_eq!(gate.admit(SECOND), Some(0));
        }
        for _ in 0..7 {
            assert_eq!(gate.admit(2 * SECOND), None);
        }
        let next = SECOND + LOG_WINDOW.as_nanos() as u64;
        assert_eq!(gate.admit(next), Some(7));
        assert_eq!(gate.admit(next), Some(0));
    }

    #[test]
    fn bad_settings_name_the_field() {
        let bad = [
            (Config { responses_per_second: 0, ..Config::default() }, "rrl.responses_per_second"),
            (Config { window: 0, ..Config::default() }, "rrl.window"),
            (Config { window: 61, ..Config::default() }, "rrl.window"),
            (Config { slip: 101, ..Config::default() }, "rrl.slip"),
            (Config { ipv4_prefix: 33, ..Config::default() }, "rrl.ipv4_prefix"),
            (Config { ipv6_prefix: 129, ..Config::default() }, "rrl.ipv6_prefix"),
            (Config { table_size: 10, ..Config::default() }, "rrl.table_size"),
            (Config { exempt: vec![(ip("10.0.0.0"), 40)], ..Config::default() }, "rrl.exempt[0]"),
        ];
        for (c, field) in bad {
            let e = Rrl::new(c, 1).unwrap_err();
            assert!(e.starts_with(field), "{e}");
        }
        let rrl = Rrl::new(Config { table_size: 5000, ..Config::default() }, 1).unwrap();
        assert_eq!(rrl.slots.len(), 8192, "rounded up to a power of two");
    }

    #[test]
    fn names_in_wire_form_match_the_lean_path() {
        let name = hickory_proto::rr::Name::from_ascii("WWW.Example.COM.").unwrap();
        assert_eq!(WireName::of(&name).as_bytes(), WWW);
        assert_eq!(WireName::of(&hickory_proto::rr::Name::root()).as_bytes(), b"\x00");
        assert_eq!(wire_text(WWW), "www.example.com.");
        assert_eq!(wire_text(b"\x03a.b\x00"), "a\\046b.");
        assert_eq!(wire_text(b"\x00"), ".");
    }
}
