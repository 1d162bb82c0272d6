//! The UDP fast path: one blocking receive loop per socket (one socket per core with
//! SO_REUSEPORT), each on its own thread. Plain queries with a positive answer go through the
//! lean path in [`fast`]; the rest are parsed with hickory-proto and answered through
//! [`Handler::respond`], the same code the TCP path ([`crate::tcp`]) uses. It skips the async
//! machinery (a task and two channel hops per packet) that dominated the cost of a UDP query.
//!
//! Response-rate limiting ([`crate::rrl`]) applies here, to both paths, after the answer is
//! made: the lean path only answers positively, so its class is known; the general path's
//! class comes from the answer's code and sections. A limited answer is dropped or sent as its
//! header and question with TC set ([`slip`]).

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::RecordType;

use crate::rrl::{Action, Class, Limiter, WireName};
use crate::{Handler, MAX_UDP_PAYLOAD, fast};

/// Largest response without EDNS (RFC 1035).
const PLAIN_UDP_LIMIT: usize = 512;

/// How often an idle loop checks for shutdown.
const POLL: Duration = Duration::from_millis(200);

/// Answers one datagram; `None` when nothing should be sent back (responses, runts). No rate
/// limit applies (see [`answer_into`]).
pub fn answer_datagram(handler: &Handler, packet: &[u8], src: SocketAddr) -> Option<Vec<u8>> {
    answer_lean(handler, packet, src).or_else(|| answer_general(handler, packet, src))
}

/// Answers one datagram into `out` (cleared first), reusing its buffer; `false` when nothing
/// should be sent back. With a `limiter` (at the time it was last given), the answer is
/// rate-limited unless the source is exempt: sent, dropped (`false`), or slipped (`out` cut
/// to a truncated reply).
pub fn answer_into(
    handler: &Handler,
    packet: &[u8],
    src: SocketAddr,
    limiter: Option<&mut Limiter>,
    out: &mut Vec<u8>,
) -> bool {
    let limiter = limiter.filter(|l| !l.is_exempt(src.ip()));
    if let Some(q) = fast::parse(packet)
        && fast::respond(handler, packet, &q, src.ip(), out)
    {
        return match limiter {
            None => true,
            Some(l) => apply(l.decide(src.ip(), Class::Positive, q.name(), q.qtype()), out),
        };
    }
    match general(handler, packet, src, limiter.is_some(), None) {
        Some((reply, subject)) => {
            out.clear();
            out.extend_from_slice(&reply);
            match (limiter, subject) {
                (Some(l), Some(s)) => {
                    apply(l.decide(src.ip(), s.class, s.name.as_bytes(), s.qtype), out)
                }
                _ => true,
            }
        }
        None => false,
    }
}

/// Carries out the rate limiter's decision on the reply in `out`: whether to send it.
fn apply(action: Action, out: &mut Vec<u8>) -> bool {
    match action {
        Action::Send => true,
        Action::Drop => false,
        Action::Slip => {
            slip(out);
            true
        }
    }
}

/// Cuts a reply to its header and first question, with TC set and no records, as NSD and Knot
/// send a limited answer: no larger than the query (which had at least the question), and a
/// resolver that gets it retries over TCP. The response code stays.
pub fn slip(out: &mut Vec<u8>) {
    if out.len() < 12 {
        return;
    }
    let mut end = 12;
    if out[4] != 0 || out[5] != 0 {
        let mut at = 12;
        end = loop {
            match out.get(at) {
                Some(0) => break at + 1 + 4,
                Some(&l) if l & 0xC0 == 0xC0 => break at + 2 + 4,
                Some(&l) => at += 1 + usize::from(l),
                None => break usize::MAX,
            }
        };
    }
    let questions: u8 = if end > out.len() {
        end = 12;
        0
    } else {
        u8::from(end > 12)
    };
    out.truncate(end);
    out[2] |= 0x02; // TC
    out[4..12].copy_from_slice(&[0, questions, 0, 0, 0, 0, 0, 0]);
}

/// Answers through the lean path in [`fast`] alone; `None` when it declines the query.
pub fn answer_lean(handler: &Handler, packet: &[u8], src: SocketAddr) -> Option<Vec<u8>> {
    let q = fast::parse(packet)?;
    let mut out = Vec::with_capacity(512);
    fast::respond(handler, packet, &q, src.ip(), &mut out).then_some(out)
}

/// Answers one datagram through hickory-proto's `Message`: every query the lean path in
/// [`fast`] declines.
pub fn answer_general(handler: &Handler, packet: &[u8], src: SocketAddr) -> Option<Vec<u8>> {
    general(handler, packet, src, false, None).map(|(reply, _)| reply)
}

/// What the rate limiter counts an answer as: its class and the name and type it is counted
/// by (see [`crate::rrl`]).
pub(crate) struct Subject {
    class: Class,
    name: WireName,
    qtype: u16,
}

impl Subject {
    fn error() -> Subject {
        Subject { class: Class::Error, name: WireName::default(), qtype: 0 }
    }

    /// The class of an answer from its code and sections.
    fn of(
        rcode: ResponseCode,
        outcome: &zone::Outcome,
        question: Option<&hickory_proto::op::Query>,
    ) -> Subject {
        let qname = || question.map(|q| WireName::of(q.name())).unwrap_or_default();
        let owner = |t: RecordType| outcome.authority.iter().find(|r| r.record_type() == t);
        match rcode {
            ResponseCode::NoError => {
                if let Some(ns) = owner(RecordType::NS) {
                    Subject { class: Class::Referral, name: WireName::of(&ns.name), qtype: 0 }
                } else if !outcome.answers.is_empty() {
                    let qtype = question.map_or(0, |q| u16::from(q.query_type()));
                    Subject { class: Class::Positive, name: qname(), qtype }
                } else {
                    Subject { class: Class::Nodata, name: qname(), qtype: 0 }
                }
            }
            ResponseCode::NXDomain => Subject {
                class: Class::Nxdomain,
                name: owner(RecordType::SOA).map_or_else(qname, |soa| WireName::of(&soa.name)),
                qtype: 0,
            },
            _ => Subject::error(),
        }
    }
}

/// The general path: the reply, and when `classify`, what the rate limiter counts it as.
/// `stream_limit` is `None` over UDP (the reply must fit the client's UDP buffer) and the
/// longest reply over TCP, whatever the client's EDNS buffer says ([`crate::tcp`]).
pub(crate) fn general(
    handler: &Handler,
    packet: &[u8],
    src: SocketAddr,
    classify: bool,
    stream_limit: Option<usize>,
) -> Option<(Vec<u8>, Option<Subject>)> {
    let request = match Message::from_vec(packet) {
        Ok(m) => m,
        Err(_) => {
            let reply = formerr(packet)?;
            handler.count_error();
            return Some((reply, classify.then(Subject::error)));
        }
    };
    if request.metadata.message_type == MessageType::Response {
        return None;
    }
    let question = match request.queries.as_slice() {
        [q] => Some(q),
        _ => None,
    };
    let r = handler.respond(&request.metadata, question, request.edns.as_ref(), src.ip(), packet);
    let subject = classify.then(|| Subject::of(r.metadata.response_code, &r.outcome, question));
    let limit = match (stream_limit, &request.edns) {
        (Some(limit), _) => limit,
        (None, Some(e)) => usize::from(e.max_payload().clamp(512, MAX_UDP_PAYLOAD)),
        (None, None) => PLAIN_UDP_LIMIT,
    };
    let mut out =
        Message::new(request.metadata.id, MessageType::Response, request.metadata.op_code);
    out.metadata = r.metadata;
    out.queries = request.queries;
    out.answers = r.outcome.answers;
    out.authorities = r.outcome.authority;
    out.additionals = r.outcome.additional;
    out.edns = r.edns;
    let bytes = out.to_vec().ok()?;
    if bytes.len() <= limit {
        return Some((bytes, subject));
    }
    // Too big for the client's buffer: the header, question and OPT with TC set, so that the
    // client retries over TCP (RFC 1035 4.2.1, RFC 6891 7).
    out.answers.clear();
    out.authorities.clear();
    out.additionals.clear();
    out.metadata.truncation = true;
    let bytes = out.to_vec().ok()?;
    if bytes.len() <= limit {
        return Some((bytes, subject));
    }
    // Still too big: only a query of several long questions (answered NOTIMP or FORMERR) gets
    // here, and echoing them would overrun the buffer. The header alone, with TC set.
    out.queries.clear();
    out.to_vec().ok().map(|bytes| (bytes, subject))
}

/// A FORMERR reply built from the request's header alone, for packets that do not parse.
fn formerr(packet: &[u8]) -> Option<Vec<u8>> {
    if packet.len() < 12 || packet[2] & 0x80 != 0 {
        return None;
    }
    let mut h = packet[..12].to_vec();
    h[2] = 0x80 | (packet[2] & 0x78); // QR, the request's opcode, nothing else
    h[3] = ResponseCode::FormErr.low();
    h[4..12].fill(0);
    Some(h)
}

/// Runs one receive loop per socket until `stop` is set. Returns the threads.
/// Each thread gets its own [`Handler`] (from `make_handler(thread number)`), so that threads
/// share no counter that every query writes.
pub fn spawn(
    sockets: Vec<UdpSocket>,
    make_handler: impl Fn(usize) -> Handler,
    stop: Arc<AtomicBool>,
) -> std::io::Result<Vec<std::thread::JoinHandle<()>>> {
    let mut threads = Vec::new();
    for (i, socket) in sockets.into_iter().enumerate() {
        socket.set_nonblocking(false)?;
        socket.set_read_timeout(Some(POLL))?;
        let handler = make_handler(i);
        let stop = stop.clone();
        threads.push(std::thread::Builder::new().name(format!("dns-udp-{i}")).spawn(
            move || {
                #[cfg(target_os = "linux")]
                batched::serve(&socket, &handler, &stop);
                #[cfg(not(target_os = "linux"))]
                serve_one_by_one(&socket, &handler, &stop);
            },
        )?);
    }
    Ok(threads)
}

/// One `recv_from` and one `send_to` per query.
#[cfg_attr(target_os = "linux", allow(dead_code))]
fn serve_one_by_one(socket: &UdpSocket, handler: &Handler, stop: &AtomicBool) {
    let mut buf = vec![0u8; 65_535];
    let mut reply = Vec::with_capacity(1232);
    let mut limiter = handler.shared.rrl.load_full().map(|r| r.limiter());
    while !stop.load(Ordering::Relaxed) {
        let (n, src) = match socket.recv_from(&mut buf) {
            Ok(x) => x,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                        | std::io::ErrorKind::ConnectionRefused
                ) =>
            {
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "UDP receive failed");
                continue;
            }
        };
        if src.port() == 0 {
            continue;
        }
        if let Some(l) = limiter.as_mut() {
            l.tick();
        }
        if answer_into(handler, &buf[..n], src, limiter.as_mut(), &mut reply)
            && let Err(e) = socket.send_to(&reply, src)
        {
            tracing::debug!(error = %e, %src, "UDP send failed");
        }
    }
}

/// Linux: up to [`batched::BATCH`] datagrams per `recvmmsg` and their replies in one
/// `sendmmsg`, which saves two system calls per query under load.
#[cfg(target_os = "linux")]
mod batched {
    use std::io::{IoSlice, IoSliceMut};
    use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6, UdpSocket};
    use std::os::fd::AsRawFd;
    use std::sync::atomic::{AtomicBool, Ordering};

    use nix::errno::Errno;
    use nix::sys::socket::{
        ControlMessage, MsgFlags, MultiHeaders, SockaddrStorage, recvmmsg, sendmmsg,
    };

    use super::answer_into;
    use crate::Handler;

    /// Datagrams per system call.
    pub(super) const BATCH: usize = 32;
    /// Receive buffer per datagram; a longer query is cut, fails to parse and gets FORMERR.
    const BUF: usize = 4096;

    fn socket_addr(a: &SockaddrStorage) -> Option<SocketAddr> {
        if let Some(v4) = a.as_sockaddr_in() {
            return Some(SocketAddr::V4(SocketAddrV4::from(*v4)));
        }
        a.as_sockaddr_in6().map(|v6| SocketAddr::V6(SocketAddrV6::from(*v6)))
    }

    pub(super) fn serve(socket: &UdpSocket, handler: &Handler, stop: &AtomicBool) {
        let fd = socket.as_raw_fd();
        let mut bufs = vec![[0u8; BUF]; BATCH];
        let mut recv_headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
        let mut send_headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
        let mut received: Vec<(usize, Option<SockaddrStorage>)> = Vec::with_capacity(BATCH);
        let mut replies: Vec<Vec<u8>> = (0..BATCH).map(|_| Vec::with_capacity(1232)).collect();
        let mut addrs: Vec<Option<SockaddrStorage>> = Vec::with_capacity(BATCH);
        // This thread's view of the rate limiter, when it is on.
        let mut limiter = handler.shared.rrl.load_full().map(|r| r.limiter());
        while !stop.load(Ordering::Relaxed) {
            received.clear();
            {
                let mut iovs: Vec<[IoSliceMut<'_>; 1]> =
                    bufs.iter_mut().map(|b| [IoSliceMut::new(&mut b[..])]).collect();
                match recvmmsg(
                    fd,
                    &mut recv_headers,
                    iovs.iter_mut(),
                    MsgFlags::MSG_WAITFORONE,
                    None,
                ) {
                    Ok(results) => received.extend(results.map(|m| (m.bytes, m.address))),
                    Err(Errno::EAGAIN | Errno::EINTR | Errno::ECONNREFUSED) => continue,
                    Err(e) => {
                        tracing::warn!(error = %e, "UDP receive failed");
                        continue;
                    }
                }
            }
            // One clock reading per batch.
            if let Some(l) = limiter.as_mut() {
                l.tick();
            }
            let mut ready = 0;
            addrs.clear();
            for (i, (n, addr)) in received.iter().enumerate() {
                let Some(addr) = addr else { continue };
                let Some(src) = socket_addr(addr) else { continue };
                if src.port() == 0 {
                    continue;
                }
                let packet = &bufs[i][..(*n).min(BUF)];
                if answer_into(handler, packet, src, limiter.as_mut(), &mut replies[ready]) {
                    ready += 1;
                    addrs.push(Some(*addr));
                }
            }
            let mut sent = 0;
            while sent < ready {
                let slices: Vec<[IoSlice<'_>; 1]> =
                    replies[sent..ready].iter().map(|r| [IoSlice::new(r)]).collect();
                let no_cmsgs: [ControlMessage<'_>; 0] = [];
                match sendmmsg(
                    fd,
                    &mut send_headers,
                    slices.iter(),
                    &addrs[sent..],
                    no_cmsgs,
                    MsgFlags::empty(),
                ) {
                    Ok(results) => {
                        let count = results.count();
                        if count == 0 {
                            break;
                        }
                        sent += count;
                    }
                    Err(Errno::EINTR | Errno::EAGAIN) => {}
                    Err(e) => {
                        // Skip the datagram that failed (an unreachable client) and go on.
                        tracing::debug!(error = %e, "UDP send failed");
                        sent += 1;
                    }
                }
            }
        }
    }
}
