//! A small MaxMind DB writer, so that tests can make exactly the databases they need.
//!
//! It follows the MaxMind DB format specification, version 2.0: a binary search tree of
//! `node_count` nodes with two records each (24, 28 or 32 bits), 16 zero bytes, the data
//! section, then the metadata marker and the metadata map. It writes what the tests need and
//! no more: the value types below (no pointers, no `bytes` or `uint128`), each distinct record
//! once, and optionally the IPv4 aliases GeoIP2 databases have. `tests/mmdb_writer.rs` checks
//! its output against the `maxminddb` reader (`Reader::verify` and lookups of every network).
//!
//! Networks are inserted broadest first, so a more specific network carves its part out of a
//! broader one whatever order they were given in.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::net::IpAddr;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A value of the data section, with the MaxMind DB type it is written as.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(String),
    Double(f64),
    Float(f32),
    U16(u16),
    U32(u32),
    U64(u64),
    I32(i32),
    Bool(bool),
    /// Keys in the order they are written.
    Map(Vec<(String, Value)>),
    Array(Vec<Value>),
}

/// A map from `(key, value)` pairs.
pub fn map<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// A string value.
pub fn s(text: &str) -> Value {
    Value::Str(text.to_owned())
}

const METADATA_MARKER: &[u8] = b"\xab\xcd\xefMaxMind.com";

/// Type numbers of the data section.
const POINTER: u8 = 1;
const STRING: u8 = 2;
const DOUBLE: u8 = 3;
const UINT16: u8 = 5;
const UINT32: u8 = 6;
const MAP: u8 = 7;
const INT32: u8 = 8;
const UINT64: u8 = 9;
const ARRAY: u8 = 11;
const BOOLEAN: u8 = 14;
const FLOAT: u8 = 15;

/// The control byte(s) of a value of type `kind` whose size is `size`.
fn control(kind: u8, size: usize) -> Vec<u8> {
    assert!(kind != POINTER, "this writer writes no pointers");
    let (size_bits, extra) = match size {
        0..29 => (size as u8, Vec::new()),
        29..285 => (29, vec![(size - 29) as u8]),
        285..65_821 => (30, ((size - 285) as u16).to_be_bytes().to_vec()),
        _ => {
            let rest = u32::try_from(size - 65_821).expect("a value under 16 MiB");
            assert!(rest < 1 << 24, "a value under 16 MiB");
            (31, rest.to_be_bytes()[1..].to_vec())
        }
    };
    let mut out = if kind <= 7 { vec![(kind << 5) | size_bits] } else { vec![size_bits, kind - 7] };
    out.extend(extra);
    out
}

/// An unsigned integer in as few big-endian bytes as it needs (none for zero).
fn minimal(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

impl Value {
    /// The value as the data section holds it.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        let mut scalar = |kind: u8, payload: &[u8]| {
            out.extend(control(kind, payload.len()));
            out.extend_from_slice(payload);
        };
        match self {
            Value::Str(text) => scalar(STRING, text.as_bytes()),
            Value::Double(x) => scalar(DOUBLE, &x.to_be_bytes()),
            Value::Float(x) => scalar(FLOAT, &x.to_be_bytes()),
            Value::U16(n) => scalar(UINT16, minimal(&n.to_be_bytes())),
            Value::U32(n) => scalar(UINT32, minimal(&n.to_be_bytes())),
            Value::U64(n) => scalar(UINT64, minimal(&n.to_be_bytes())),
            // Negative numbers need all four bytes; readers zero-pad shorter ones.
            Value::I32(n) => scalar(INT32, minimal(&n.to_be_bytes())),
            Value::Bool(b) => out.extend(control(BOOLEAN, usize::from(*b))),
            Value::Map(pairs) => {
                out.extend(control(MAP, pairs.len()));
                for (key, value) in pairs {
                    Value::Str(key.clone()).encode_into(out);
                    value.encode_into(out);
                }
            }
            Value::Array(items) => {
                out.extend(control(ARRAY, items.len()));
                for item in items {
                    item.encode_into(out);
                }
            }
        }
    }
}

/// Reads any data-section value back with its type, so that tests can compare what the
/// `maxminddb` reader decodes with what was written.
impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a MaxMind DB value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
                Ok(Value::Str(v.to_owned()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
                Ok(Value::Double(v))
            }
            fn visit_f32<E: de::Error>(self, v: f32) -> Result<Value, E> {
                Ok(Value::Float(v))
            }
            fn visit_u16<E: de::Error>(self, v: u16) -> Result<Value, E> {
                Ok(Value::U16(v))
            }
            fn visit_u32<E: de::Error>(self, v: u32) -> Result<Value, E> {
                Ok(Value::U32(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
                Ok(Value::U64(v))
            }
            fn visit_i32<E: de::Error>(self, v: i32) -> Result<Value, E> {
                Ok(Value::I32(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
                Ok(Value::Bool(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some((key, value)) = access.next_entry::<String, Value>()? {
                    pairs.push((key, value));
                }
                Ok(Value::Map(pairs))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = access.next_element::<Value>()? {
                    items.push(item);
                }
                Ok(Value::Array(items))
            }
        }
        d.deserialize_any(V)
    }
}

/// A network: the address bits left-aligned in the database's address width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    /// The address, right-aligned (an IPv4 network's address in the low 32 bits).
    pub bits: u128,
    pub prefix: u8,
    pub ipv4: bool,
}

impl Network {
    /// Parses `a.b.c.d/n` or `x:y::/n`; host bits must be zero.
    pub fn parse(text: &str) -> Network {
        let (addr, prefix) = text.split_once('/').unwrap_or_else(|| panic!("{text}: no /"));
        let addr: IpAddr = addr.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        let prefix: u8 = prefix.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        let (bits, ipv4, width) = match addr {
            IpAddr::V4(a) => (u128::from(u32::from(a)), true, 32),
            IpAddr::V6(a) => (u128::from(a), false, 128),
        };
        assert!(prefix <= width, "{text}: prefix longer than the address");
        let host = u32::from(width - prefix);
        assert!(host == 128 || bits & ((1u128 << host) - 1) == 0, "{text}: host bits set");
        Network { bits, prefix, ipv4 }
    }

    /// Whether `ip` lies in the network (IPv4 networks hold IPv4 addresses only).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (bits, width) = match ip {
            IpAddr::V4(a) if self.ipv4 => (u128::from(u32::from(a)), 32),
            IpAddr::V6(a) if !self.ipv4 => (u128::from(a), 128),
            _ => return false,
        };
        let host = u32::from(width - self.prefix);
        host >= 128 || (bits ^ self.bits) >> host == 0
    }

    /// The first and last address of the network.
    pub fn ends(&self) -> (IpAddr, IpAddr) {
        let width = if self.ipv4 { 32 } else { 128 };
        let host = u32::from(width - self.prefix);
        let span = if host >= 128 { u128::MAX } else { (1u128 << host) - 1 };
        let ip = |b: u128| match self.ipv4 {
            true => IpAddr::from((b as u32).to_be_bytes()),
            false => IpAddr::from(b.to_be_bytes()),
        };
        (ip(self.bits), ip(self.bits | span))
    }

    /// The path through a tree of `width`-bit addresses: (bits left-aligned, length).
    fn path(&self, width: u8) -> (u128, u8) {
        match (self.ipv4, width) {
            (true, 32) => (self.bits << 96, self.prefix),
            // An IPv6 tree holds IPv4 networks under `::/96`.
            (true, _) => (self.bits, 96 + self.prefix),
            (false, 128) => (self.bits, self.prefix),
            (false, _) => panic!("an IPv6 network in an IPv4 database"),
        }
    }
}

/// What a side of a tree node leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Child {
    Empty,
    Node(usize),
    /// A record, by its index in `Writer::records`.
    Data(usize),
}

/// Builds a database in memory.
pub struct Writer {
    ip_version: u16,
    record_size: u16,
    database_type: String,
    build_epoch: u64,
    alias_ipv4: bool,
    networks: Vec<(Network, Value)>,
}

impl Writer {
    /// A database of `ip_version` 4 or 6 with records of 24, 28 or 32 bits.
    pub fn new(database_type: &str, ip_version: u16, record_size: u16) -> Writer {
        assert!(ip_version == 4 || ip_version == 6);
        assert!([24, 28, 32].contains(&record_size));
        Writer {
            ip_version,
            record_size,
            database_type: database_type.to_owned(),
            build_epoch: 1_750_000_000,
            alias_ipv4: false,
            networks: Vec::new(),
        }
    }

    /// Makes `::ffff:0:0/96` and `2002::/16` lead to the IPv4 subtree (`::/96`), as GeoIP2
    /// databases do (replacing anything inserted there). IPv6 databases only.
    pub fn alias_ipv4(mut self) -> Writer {
        assert_eq!(self.ip_version, 6, "aliases need an IPv6 tree");
        self.alias_ipv4 = true;
        self
    }

    /// Adds a network (`a.b.c.d/n` or `x::/n`) with its record.
    pub fn insert(&mut self, network: &str, value: Value) -> &mut Writer {
        let net = Network::parse(network);
        assert!(self.ip_version == 6 || net.ipv4, "{network} in an IPv4 database");
        assert!(self.networks.iter().all(|(n, _)| *n != net), "{network} is inserted twice");
        self.networks.push((net, value));
        self
    }

    /// The database file; an error when a record does not fit the record size.
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        let width: u8 = if self.ip_version == 4 { 32 } else { 128 };
        // The data section: each distinct record once, in insertion order.
        let mut data = Vec::new();
        let mut offsets: Vec<usize> = Vec::new();
        let mut seen: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
        for (_, value) in &self.networks {
            let bytes = value.encode();
            let offset = *seen.entry(bytes.clone()).or_insert_with(|| {
                let at = data.len();
                data.extend_from_slice(&bytes);
                at
            });
            offsets.push(offset);
        }
        // The tree: nodes[i] = [left, right]; the root is node 0.
        let mut nodes: Vec<[Child; 2]> = vec![[Child::Empty; 2]];
        let mut order: Vec<usize> = (0..self.networks.len()).collect();
        order.sort_by_key(|&i| self.networks[i].0.path(width).1);
        for i in order {
            let (path, len) = self.networks[i].0.path(width);
            insert(&mut nodes, path, len, Child::Data(i));
        }
        if self.alias_ipv4 {
            let ipv4_root = walk(&mut nodes, 0, 96);
            // `::ffff:0:0/96`: 80 zero bits, then 16 one bits.
            let mapped = ((1u128 << 16) - 1) << 32;
            set_child(&mut nodes, mapped, 96, Child::Node(ipv4_root));
            set_child(&mut nodes, 0x2002u128 << 112, 16, Child::Node(ipv4_root));
        }
        // Number the nodes breadth first from the root, each once (aliases share subtrees).
        let mut number = vec![usize::MAX; nodes.len()];
        let mut bfs = Vec::new();
        let mut queue = VecDeque::from([0]);
        number[0] = 0;
        while let Some(n) = queue.pop_front() {
            bfs.push(n);
            for child in nodes[n] {
                if let Child::Node(c) = child
                    && number[c] == usize::MAX
                {
                    number[c] = bfs.len() + queue.len();
                    queue.push_back(c);
                }
            }
        }
        let node_count = bfs.len();
        let record = |child: Child| -> Result<u64, String> {
            let value = match child {
                Child::Empty => node_count,
                Child::Node(c) => number[c],
                Child::Data(i) => node_count + 16 + offsets[i],
            } as u64;
            match value < 1 << self.record_size {
                true => Ok(value),
                false => {
                    Err(format!("record value {value} does not fit in {} bits", self.record_size))
                }
            }
        };
        let mut out = Vec::new();
        for n in bfs {
            let (left, right) = (record(nodes[n][0])?, record(nodes[n][1])?);
            out.extend(pack(left, right, self.record_size));
        }
        out.extend([0u8; 16]);
        out.extend(data);
        out.extend_from_slice(METADATA_MARKER);
        let metadata = map([
            ("binary_format_major_version", Value::U16(2)),
            ("binary_format_minor_version", Value::U16(0)),
            ("build_epoch", Value::U64(self.build_epoch)),
            ("database_type", s(&self.database_type)),
            ("description", map([("en", s("test database"))])),
            ("ip_version", Value::U16(self.ip_version)),
            ("languages", Value::Array(vec![s("en")])),
            ("node_count", Value::U32(node_count as u32)),
            ("record_size", Value::U16(self.record_size)),
        ]);
        out.extend(metadata.encode());
        Ok(out)
    }
}

/// The bit of `path` (left-aligned) at `depth`.
fn bit(path: u128, depth: u8) -> usize {
    (path >> (127 - depth) & 1) as usize
}

/// Sets the child at `path`/`len` to a record, splitting broader records on the way.
fn insert(nodes: &mut Vec<[Child; 2]>, path: u128, len: u8, leaf: Child) {
    assert!(len > 0, "a network of prefix length 0 has no place in the tree: split it in two");
    let parent = walk(nodes, path, len - 1);
    let slot = &mut nodes[parent][bit(path, len - 1)];
    assert!(!matches!(slot, Child::Node(_)), "networks are inserted broadest first");
    *slot = leaf;
}

/// Sets the child at `path`/`len`, replacing whatever is there.
fn set_child(nodes: &mut Vec<[Child; 2]>, path: u128, len: u8, child: Child) {
    let parent = walk(nodes, path, len - 1);
    nodes[parent][bit(path, len - 1)] = child;
}

/// The node reached after the first `depth` bits of `path` from the root, creating nodes on
/// the way; a record met on the way is pushed down to both children of a new node.
fn walk(nodes: &mut Vec<[Child; 2]>, path: u128, depth: u8) -> usize {
    let mut node = 0;
    for d in 0..depth {
        let side = bit(path, d);
        node = match nodes[node][side] {
            Child::Node(next) => next,
            other => {
                nodes.push([other, other]);
                let next = nodes.len() - 1;
                nodes[node][side] = Child::Node(next);
                next
            }
        };
    }
    node
}

/// One tree node of two records.
fn pack(left: u64, right: u64, record_size: u16) -> Vec<u8> {
    match record_size {
        24 => [&left.to_be_bytes()[5..], &right.to_be_bytes()[5..]].concat(),
        // The middle byte holds the high nibbles: the left record's, then the right's.
        28 => {
            let middle = ((left >> 24) as u8) << 4 | (right >> 24) as u8;
            [&left.to_be_bytes()[5..], &[middle][..], &right.to_be_bytes()[5..]].concat()
        }
        _ => [&left.to_be_bytes()[4..], &right.to_be_bytes()[4..]].concat(),
    }
}
