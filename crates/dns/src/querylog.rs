//! The query log: one JSON object per line for each sampled query, written off the query path.
//!
//! An answering thread that samples a query (a hash of its own query counter against the
//! sampling rate, so threads share nothing) copies what the line needs into an [`Entry`] and
//! offers it to a bounded channel without waiting; when the channel is full the entry is
//! dropped and counted ([`QueryLog::dropped`]). One writer thread formats the lines and writes
//! them through a buffer, flushing whenever the channel is empty.
//!
//! A line: `{"time":"2026-12-03T14:00:00.123456Z","client":"192.0.2.1","qname":"www.example.com.",
//! "qtype":"A","rcode":"NOERROR","answers":1,"ecs":"198.51.100.0/24/24","record":"<id>"}` —
//! `ecs` (address/source prefix/scope) only with EDNS Client Subnet, `record` only when a
//! policy record owns the question's name and type (looked up by the writer in the snapshot
//! current when it writes).

use std::io::Write;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::SystemTime;

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{Name, RecordType};

/// Entries waiting for the writer at most; more are dropped.
pub const CAPACITY: usize = 65_536;

/// The question's name as the answering thread had it.
pub(crate) enum QName {
    /// Uncompressed wire form, as received.
    Wire(Box<[u8]>),
    /// Parsed.
    Name(Name),
}

/// What one line says.
pub(crate) struct Entry {
    pub(crate) at: SystemTime,
    pub(crate) client: IpAddr,
    pub(crate) qname: QName,
    pub(crate) qtype: u16,
    pub(crate) rcode: ResponseCode,
    pub(crate) answers: u16,
    /// Client Subnet: address, source prefix, scope.
    pub(crate) ecs: Option<(IpAddr, u8, u8)>,
}

/// Finds the policy record that owns a name and type, for the `record` field.
pub type RecordLookup = Box<dyn Fn(&Name, RecordType) -> Option<String> + Send>;

/// A running query log.
pub struct QueryLog {
    tx: SyncSender<Entry>,
    /// A query is logged when the hash of its number is below this.
    threshold: u64,
    /// Entries dropped because the writer was behind.
    pub dropped: AtomicU64,
    /// Entries queued for the writer.
    pub queued: AtomicU64,
}

impl QueryLog {
    /// Starts a log writing to `out` (typically a file opened for appending), logging a
    /// `sample` fraction of the queries (0 < sample <= 1).
    pub fn start(
        out: Box<dyn Write + Send>,
        sample: f64,
        lookup: RecordLookup,
    ) -> std::io::Result<(Arc<QueryLog>, std::thread::JoinHandle<()>)> {
        let (tx, rx) = sync_channel(CAPACITY);
        let threshold =
            if sample >= 1.0 { u64::MAX } else { (sample.max(0.0) * u64::MAX as f64) as u64 };
        let log = Arc::new(QueryLog {
            tx,
            threshold,
            dropped: AtomicU64::new(0),
            queued: AtomicU64::new(0),
        });
        let thread = std::thread::Builder::new().name("query-log".into()).spawn(move || {
            write_lines(rx, std::io::BufWriter::with_capacity(1 << 16, out), lookup)
        })?;
        Ok((log, thread))
    }

    /// Whether the query numbered `n` (by its answering thread) is logged.
    #[inline]
    pub(crate) fn sampled(&self, seed: u64, n: u64) -> bool {
        self.threshold == u64::MAX || mix(seed ^ n) < self.threshold
    }

    /// Offers an entry to the writer; drops and counts it when the writer is behind.
    pub(crate) fn record(&self, entry: Entry) {
        match self.tx.try_send(entry) {
            Ok(()) => {
                self.queued.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn write_lines(rx: Receiver<Entry>, mut out: impl Write, lookup: RecordLookup) {
    let mut line = String::with_capacity(256);
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        while let Some(e) = next {
            line.clear();
            format_entry(&e, &lookup, &mut line);
            if let Err(err) = out.write_all(line.as_bytes()) {
                tracing::warn!(error = %err, "cannot write the query log");
            }
            next = rx.try_recv().ok();
        }
        if let Err(err) = out.flush() {
            tracing::warn!(error = %err, "cannot write the query log");
        }
    }
    let _ = out.flush();
}

fn name_of(q: &QName) -> Option<Name> {
    match q {
        QName::Name(n) => Some(n.clone()),
        QName::Wire(bytes) => {
            let mut labels: Vec<&[u8]> = Vec::new();
            let mut at = 0;
            while let Some(&len) = bytes.get(at) {
                if len == 0 {
                    break;
                }
                labels.push(bytes.get(at + 1..at + 1 + usize::from(len))?);
                at += 1 + usize::from(len);
            }
            let mut n = Name::from_labels(labels).ok()?;
            n.set_fqdn(true);
            Some(n)
        }
    }
}

pub(crate) fn format_entry(e: &Entry, lookup: &RecordLookup, out: &mut String) {
    use std::fmt::Write as _;
    let name = name_of(&e.qname);
    let qname = name.as_ref().map(Name::to_string).unwrap_or_default();
    let qtype = RecordType::from(e.qtype);
    out.push_str("{\"time\":\"");
    rfc3339(e.at, out);
    let _ = write!(out, "\",\"client\":\"{}\",\"qname\":", e.client);
    json_string(&qname, out);
    let _ = write!(
        out,
        ",\"qtype\":\"{qtype}\",\"rcode\":\"{}\",\"answers\":{}",
        rcode_text(e.rcode),
        e.answers
    );
    if let Some((addr, source, scope)) = e.ecs {
        let _ = write!(out, ",\"ecs\":\"{addr}/{source}/{scope}\"");
    }
    if let Some(id) = name.as_ref().and_then(|n| lookup(n, qtype)) {
        out.push_str(",\"record\":");
        json_string(&id, out);
    }
    out.push_str("}\n");
}

fn rcode_text(r: ResponseCode) -> String {
    match r {
        ResponseCode::NoError => "NOERROR".into(),
        ResponseCode::FormErr => "FORMERR".into(),
        ResponseCode::ServFail => "SERVFAIL".into(),
        ResponseCode::NXDomain => "NXDOMAIN".into(),
        ResponseCode::NotImp => "NOTIMP".into(),
        ResponseCode::Refused => "REFUSED".into(),
        ResponseCode::BADVERS => "BADVERS".into(),
        other => u16::from(other).to_string(),
    }
}

fn json_string(s: &str, out: &mut String) {
    use std::fmt::Write as _;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC), with the `time` crate's calendar.
fn rfc3339(t: SystemTime, out: &mut String) {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    match time::OffsetDateTime::from(t).format(FORMAT) {
        Ok(text) => out.push_str(&text),
        // Years beyond 9999 cannot be written in this form.
        Err(_) => out.push_str("9999-12-31T23:59:59.999999Z"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_json_with_every_field() {
        let e = Entry {
            at: std::time::UNIX_EPOCH + std::time::Duration::from_micros(1_764_770_400_123_456),
            client: "192.0.2.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0])),
            qname: QName::Wire(b"\x03WwW\x07example\x03com\x00".to_vec().into_boxed_slice()),
            qtype: 1,
            rcode: ResponseCode::NoError,
            answers: 2,
            ecs: Some((IpAddr::from([198, 51, 100, 0]), 24, 20)),
        };
        let lookup: RecordLookup = Box::new(|n: &Name, t| {
            (n.to_ascii() == "WwW.example.com." && t == RecordType::A).then(|| "rec-1".to_owned())
        });
        let mut line = String::new();
        format_entry(&e, &lookup, &mut line);
        assert_eq!(
            line,
            "{\"time\":\"2025-12-03T14:00:00.123456Z\",\"client\":\"192.0.2.1\",\"qname\":\"WwW.example.com.\",\"qtype\":\"A\",\"rcode\":\"NOERROR\",\"answers\":2,\"ecs\":\"198.51.100.0/24/20\",\"record\":\"rec-1\"}\n"
        );
        let mut other = String::new();
        json_string("a\"b\\c\u{1}", &mut other);
        assert_eq!(other, "\"a\\\"b\\\\c\\u0001\"");
    }

    #[test]
    fn sampling_takes_about_the_share_asked() {
        let (log, _) = QueryLog::start(Box::new(std::io::sink()), 0.1, Box::new(|_, _| None))
            .unwrap_or_else(|e| panic!("{e}"));
        let n = (0..100_000u64).filter(|&i| log.sampled(42, i)).count();
        assert!((9_000..11_000).contains(&n), "{n}");
        let (all, _) = QueryLog::start(Box::new(std::io::sink()), 1.0, Box::new(|_, _| None))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!((0..1000).all(|i| all.sampled(7, i)));
    }
}
