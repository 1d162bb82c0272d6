//! RFC 1035 master files ("zone files").
//!
//! [`parse`] reads a whole file into hickory [`Record`]s and checks it as a zone; [`write()`]
//! writes records back as a master file that [`parse`] reads to the same records.
//! [`parse_rdata`], [`rdata_text`], [`type_text`] and [`name_text`] convert a single record
//! between hickory and its presentation form, so that the store can keep records as text rows
//! (name, type, TTL, RDATA) and the server can rebuild hickory records from them.
//!
//! The crate is pure: the caller reads the file and hands in its text.
//!
//! # What is read
//!
//! - Entries are line-oriented; `(` and `)` continue an entry over several lines; `;` starts a
//!   comment; blanks and comment-only lines are ignored anywhere. A leading UTF-8 byte order
//!   mark is skipped.
//! - `$ORIGIN name` sets the origin for relative names (a relative `$ORIGIN` is appended to the
//!   current one); `$TTL ttl` sets the default TTL for the records after it. `$INCLUDE` is
//!   **refused** ("$INCLUDE is not supported: concatenate the files"): a server that imports
//!   files from other people must not read paths named in them. Other directives (`$GENERATE`)
//!   are refused too.
//! - A record is `[OWNER] [TTL] [CLASS] TYPE RDATA` (TTL and class in either order). A line
//!   that starts with a blank belongs to the previous owner; `@` is the current origin; a name
//!   that does not end in `.` is relative to the current origin.
//! - TTLs are seconds or units: `3600`, `1h`, `1h30m`, `2w` (`s m h d w`, any case; once units
//!   are used every part needs one, so `1h30` is refused). They must lie in `0..=2147483647`
//!   (RFC 2181 section 8).
//! - Class `IN` may be written or left out; every other class is refused.
//! - Strings are a run of characters without blanks, or `"quoted"`; both take `\X` (the
//!   character X) and `\DDD` (the byte with decimal value DDD, 000 to 255). A quoted string ends
//!   on its line: it cannot span lines (an unclosed quote would otherwise swallow the rest of the
//!   file). A quote inside a word, as in `alpn="h2,h3"`, keeps the blanks inside it.
//! - Names: `\DDD` is decimal (RFC 1035; hickory's own parser reads it as octal, which is why
//!   names are parsed here). A label written with raw non-ASCII characters is converted to
//!   punycode (IDNA); escaped bytes are taken as they are.
//!
//! # Record types
//!
//! Presentation formats are parsed here, not by hickory, for A, AAAA, CAA, CNAME, DNAME, DS,
//! HINFO, HTTPS, MX, NAPTR, NS, OPENPGPKEY, PTR, SMIMEA, SOA, SPF, SRV, SSHFP, SVCB, TLSA and
//! TXT. Any other type, and these too, may be written in the RFC 3597 generic form
//! (`TYPE65280 \# 3 010203`, `CERT \# 5 ...`), which hickory decodes. Meta and query types
//! (OPT, TSIG, AXFR, ANY, ...) and the records that DNSSEC signing creates (RRSIG, NSEC, NSEC3,
//! NSEC3PARAM, SIG) are refused: flowdns serves unsigned zones.
//!
//! hickory-proto (without its DNSSEC feature) has no record data for DS, DNAME and SPF: they are
//! kept as [`RData::Unknown`] holding the wire-format data (DNAME's target name uncompressed,
//! case preserved), exactly what hickory itself decodes from the wire for these types.
//!
//! [`rdata_text`] writes every value so that [`parse_rdata`] reads it back to the same bytes:
//! names fully qualified and in ASCII with `\X` / `\DDD` escapes, strings quoted with escapes.
//! Values that the presentation form cannot express (an empty TXT, SVCB parameters out of
//! order, ...) are written in the generic form.
//!
//! # Decisions
//!
//! - **Zone origin**: the `origin` argument, else the first `$ORIGIN`, else the owner of the
//!   SOA record (which must then be absolute). No origin at all is an error.
//! - **Default TTL**: a record without a TTL takes the most recent `$TTL`; with no `$TTL` before
//!   it, the last TTL written explicitly on an earlier record (RFC 1035 section 5.1, as BIND and
//!   hickory do); with neither, the SOA MINIMUM field (BIND's fallback; RFC 2308 gave MINIMUM
//!   its negative-caching meaning, so prefer `$TTL`).
//! - **Validation**: exactly one SOA, at the apex; every owner at or below the origin; a CNAME
//!   alone at its name (and only one); at least one NS at the apex (an error, not a warning: an
//!   authoritative zone without NS is broken, and Route 53 always has one); all records of one
//!   name and type (an RRset) share one TTL (RFC 2181 section 5.2: an error naming both lines,
//!   rather than silently picking one).
//! - **Duplicates**: records identical in name, class, type and data (names compared without
//!   case, as in DNSSEC canonical form) are dropped silently, keeping the first (RFC 2181
//!   section 5: duplicates must be suppressed; they change nothing that is served).
//! - **Errors**: every problem is reported, not only the first, each with the 1-based line where
//!   its entry starts (for an error about the whole zone, such as a missing SOA, the line of the
//!   first record; for a missing NS, the SOA's line). Errors are sorted by line. An error in the
//!   `origin` argument has line 0. Problems that follow from one already reported (the records
//!   of an owner name that did not parse, the records after a bad `$ORIGIN`, "no SOA" when the
//!   SOA line did not parse) are not reported again.
//! - **Limits**: a line longer than 64 KiB ([`MAX_LINE_BYTES`]) and a file of more than
//!   1,000,000 records ([`MAX_RECORDS`]) are refused; after 1,000 errors ([`MAX_ERRORS`]) parsing
//!   stops with a final error saying so. Parsing is linear in the size of the input.
//! - **Writing**: [`write()`] puts `$ORIGIN` first, then the SOA, then the other records sorted by
//!   owner in DNSSEC canonical order and by type number (records of one RRset keep their order),
//!   one per line with an explicit TTL and class IN, owners relative to the origin where
//!   possible. Names are written as fully qualified.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use hickory_proto::rr::rdata::svcb::{
    Alpn, EchConfigList, IpHint, Mandatory, SVCB, SvcParamKey, SvcParamValue, Unknown,
};
use hickory_proto::rr::rdata::{
    A, AAAA, CAA, CNAME, HINFO, HTTPS, MX, NAPTR, NS, NULL, OPENPGPKEY, PTR, SMIMEA, SOA, SRV,
    SSHFP, TLSA, TXT, sshfp, tlsa,
};
use hickory_proto::rr::{DNSClass, Label, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{
    BinDecoder, BinEncodable, BinEncoder, NameEncoding, Restrict,
};

/// The longest line accepted, in bytes.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// The most records one file may hold.
pub const MAX_RECORDS: usize = 1_000_000;

/// After this many errors parsing stops (with one more error saying so).
pub const MAX_ERRORS: usize = 1_000;

/// The largest TTL accepted (RFC 2181 section 8: TTLs are 31-bit).
pub const MAX_TTL: u32 = 2_147_483_647;

/// A parsed and checked master file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterFile {
    /// The zone's origin (apex), fully qualified.
    pub origin: Name,
    /// The records, in file order, duplicates removed, every TTL resolved.
    pub records: Vec<Record>,
}

/// One problem in a master file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneFileError {
    /// The 1-based line where the entry with the problem starts; 0 for the `origin` argument.
    pub line: usize,
    /// What is wrong, and what is allowed.
    pub message: String,
}

impl fmt::Display for ZoneFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for ZoneFileError {}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/// Parses and checks a master file.
///
/// `origin` (absolute, with or without the final dot) is the zone's apex; without it the first
/// `$ORIGIN` or else the SOA owner is used. Returns every problem found, sorted by line.
///
/// # Errors
///
/// Every syntax error and every violated zone rule, each with its line (see the module docs).
pub fn parse(text: &str, origin: Option<&str>) -> Result<MasterFile, Vec<ZoneFileError>> {
    parse_limited(text, origin, MAX_RECORDS)
}

/// Writes records as a master file that [`parse`] reads back to the same records: `$ORIGIN`,
/// the SOA, then the rest sorted by owner (canonical order) and type, owners relative to
/// `origin` where possible. Classes other than IN are written as IN.
pub fn write(origin: &Name, records: &[Record]) -> String {
    let mut origin = origin.clone();
    origin.set_fqdn(true);
    let mut sorted: Vec<&Record> = records.iter().collect();
    sorted.sort_by(|a, b| {
        let a_rest = a.record_type() != RecordType::SOA;
        let b_rest = b.record_type() != RecordType::SOA;
        a_rest
            .cmp(&b_rest)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| u16::from(a.record_type()).cmp(&u16::from(b.record_type())))
    });
    let rows: Vec<(String, &Record)> =
        sorted.into_iter().map(|record| (owner_text(&record.name, &origin), record)).collect();
    let width = rows.iter().map(|(owner, _)| owner.len()).max().unwrap_or(0).min(40);
    let mut out = String::new();
    let _ = writeln!(out, "$ORIGIN {}", name_text(&origin));
    for (owner, record) in rows {
        let _ = writeln!(
            out,
            "{owner:<width$} {ttl:>7} IN {rtype:<6} {rdata}",
            ttl = record.ttl,
            rtype = type_text(record.record_type()),
            rdata = rdata_text(record),
        );
    }
    out
}

/// Builds one record from its text form, as stored in a row: owner `name` (`@`, relative to
/// `origin`, or absolute; it must be at or below `origin`), type mnemonic or `TYPEnnn`, TTL and
/// RDATA in presentation form (what [`rdata_text`] writes; parentheses and comments allowed).
///
/// # Errors
///
/// A message saying what is wrong and what is allowed.
pub fn parse_rdata(
    origin: &Name,
    name: &str,
    rtype: &str,
    ttl: u32,
    rdata: &str,
) -> Result<Record, String> {
    let mut origin = origin.clone();
    origin.set_fqdn(true);
    let state = OriginState::Known(origin.clone());
    let owner = parse_name(name.trim(), &state).map_err(Problem::into_message)?;
    if !origin.zone_of(&owner) {
        return Err(format!(
            "{} is outside the zone {}: a name must be the origin or below it",
            name_text(&owner),
            name_text(&origin)
        ));
    }
    let code = lookup_type(rtype.trim())?;
    if ttl > MAX_TTL {
        return Err(format!("TTL {ttl} is too large: at most {MAX_TTL} (RFC 2181)"));
    }
    let mut entries = Lexer::new(rdata);
    let tokens = match entries.next() {
        None => Vec::new(),
        Some(entry) => {
            if let Some(problem) = entry.problem {
                return Err(problem);
            }
            entry.tokens
        }
    };
    if entries.next().is_some() {
        return Err("the record data spans several lines: join them, or wrap them in parentheses"
            .to_owned());
    }
    let data = parse_rdata_tokens(code, &tokens, &state).map_err(Problem::into_message)?;
    check_size(&data)?;
    Ok(Record::from_rdata(owner, ttl, data))
}

/// The presentation form of a record's data, as [`parse_rdata`] reads it: names fully qualified,
/// strings quoted, and the RFC 3597 generic form (`\# length hex`) for anything else.
pub fn rdata_text(record: &Record) -> String {
    data_text(&record.data)
}

/// The mnemonic of a record type as [`parse`] and [`parse_rdata`] read it (`TYPEnnn` for types
/// without one here; hickory's own `Display` writes `Unknown` for those).
pub fn type_text(rtype: RecordType) -> String {
    type_text_code(u16::from(rtype))
}

/// A name in presentation form, fully qualified, in ASCII with `\X` and decimal `\DDD` escapes
/// (hickory's `Display` writes Unicode and octal escapes, which this module would misread).
pub fn name_text(name: &Name) -> String {
    if name.is_root() {
        return ".".to_owned();
    }
    let mut out = String::with_capacity(name.len() + 1);
    for label in name.iter() {
        push_label(&mut out, label);
        out.push('.');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Lexer: the text split into entries (logical records), each with the line where it starts.
// ---------------------------------------------------------------------------------------------

/// A word of an entry. `text` is as written (escapes kept), without the quotes if `quoted`.
#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    text: &'a str,
    quoted: bool,
}

/// A logical record: one line, or several joined by parentheses.
#[derive(Debug)]
struct Entry<'a> {
    line: usize,
    blank_start: bool,
    tokens: Vec<Token<'a>>,
    /// The first lexical problem, which makes the entry unusable.
    problem: Option<String>,
}

impl Entry<'_> {
    fn fail(&mut self, message: String) {
        if self.problem.is_none() {
            self.problem = Some(message);
        }
    }
}

struct Lexer<'a> {
    lines: std::iter::Enumerate<std::str::Split<'a, char>>,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Self { lines: text.split('\n').enumerate() }
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        let mut entry: Option<Entry<'a>> = None;
        let mut depth = 0_usize;
        loop {
            let Some((index, raw)) = self.lines.next() else {
                let mut entry = entry?;
                if depth > 0 {
                    entry.fail(
                        "'(' is never closed: the entry starting here runs to the end of the file"
                            .to_owned(),
                    );
                }
                return Some(entry);
            };
            let number = index + 1;
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            let current = entry.get_or_insert_with(|| Entry {
                line: number,
                blank_start: line.starts_with([' ', '\t']),
                tokens: Vec::new(),
                problem: None,
            });
            if raw.len() > MAX_LINE_BYTES {
                current.fail(format!(
                    "line {number} is {} bytes long: lines may be at most {MAX_LINE_BYTES} bytes",
                    raw.len()
                ));
            } else {
                lex_line(line, current, &mut depth);
            }
            if depth == 0 {
                match entry.take() {
                    Some(done) if !done.tokens.is_empty() || done.problem.is_some() => {
                        return Some(done);
                    }
                    _ => {}
                }
            }
        }
    }
}

fn lex_line<'a>(line: &'a str, entry: &mut Entry<'a>, depth: &mut usize) {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\r' => i += 1,
            b';' => break,
            b'(' => {
                *depth += 1;
                i += 1;
            }
            b')' => {
                if *depth == 0 {
                    entry.fail("')' without a matching '('".to_owned());
                    break;
                }
                *depth -= 1;
                i += 1;
            }
            b'"' => match closing_quote(line, i + 1) {
                Ok(end) => {
                    entry.tokens.push(Token { text: &line[i + 1..end], quoted: true });
                    i = end + 1;
                }
                Err(message) => {
                    entry.fail(message);
                    break;
                }
            },
            _ => match word_end(line, i) {
                Ok(end) => {
                    entry.tokens.push(Token { text: &line[i..end], quoted: false });
                    i = end;
                }
                Err(message) => {
                    entry.fail(message);
                    break;
                }
            },
        }
    }
}

/// Length in bytes of the character starting at byte `at` (a character boundary).
fn char_len(text: &str, at: usize) -> usize {
    text.get(at..).and_then(|rest| rest.chars().next()).map_or(1, char::len_utf8)
}

/// The index of the quote closing a string whose content starts at `start`.
fn closing_quote(line: &str, start: usize) -> Result<usize, String> {
    let bytes = line.as_bytes();
    let mut j = start;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' if j + 1 < bytes.len() => j += 1 + char_len(line, j + 1),
            b'"' => return Ok(j),
            _ => j += 1,
        }
    }
    Err("the quoted string is not closed on this line: a string cannot span lines".to_owned())
}

/// The end of an unquoted word starting at `start`.
fn word_end(line: &str, start: usize) -> Result<usize, String> {
    let bytes = line.as_bytes();
    let mut j = start;
    while j < bytes.len() {
        match bytes[j] {
            b' ' | b'\t' | b'\r' | b';' | b'(' | b')' => return Ok(j),
            b'\\' => {
                if j + 1 >= bytes.len() {
                    return Err(
                        "a backslash ends the line: there is nothing to escape (write \\092 for a backslash)"
                            .to_owned(),
                    );
                }
                j += 1 + char_len(line, j + 1);
            }
            b'"' => j = closing_quote(line, j + 1)? + 1,
            b if b < 0x20 || b == 0x7f => {
                return Err(format!(
                    "control character U+{b:04X} is not allowed here: write it as \\{b:03}"
                ));
            }
            _ => j += 1,
        }
    }
    Ok(j)
}

// ---------------------------------------------------------------------------------------------
// The file parser
// ---------------------------------------------------------------------------------------------

/// An error that is reported, or one that follows from an error already reported.
#[derive(Debug)]
enum Problem {
    Message(String),
    AlreadyReported,
}

impl From<String> for Problem {
    fn from(message: String) -> Self {
        Self::Message(message)
    }
}

impl Problem {
    fn into_message(self) -> String {
        match self {
            Self::Message(message) => message,
            Self::AlreadyReported => "the origin is not valid".to_owned(),
        }
    }
}

/// The origin that relative names are completed with.
#[derive(Debug, Clone)]
enum OriginState {
    Unknown,
    Known(Name),
    /// A `$ORIGIN` failed (already reported): relative names cannot be resolved.
    Broken,
}

/// A record read from the file, before the zone checks.
struct Parsed {
    line: usize,
    record: Record,
    /// False when the TTL is still to be taken from the SOA MINIMUM.
    has_ttl: bool,
    /// The owner in lowercase wire form: compared far faster than [`Name`]s.
    key: Vec<u8>,
}

struct FileParser {
    origin_arg: Option<Name>,
    origin: OriginState,
    first_origin: Option<Name>,
    default_ttl: Option<u32>,
    last_ttl: Option<u32>,
    /// The last owner name; `Err` when it did not parse (already reported).
    owner: Option<Result<Name, ()>>,
    records: Vec<Parsed>,
    errors: Vec<ZoneFileError>,
    record_entries: usize,
    max_records: usize,
    soa_failed: bool,
    ns_failed: bool,
    stopped: bool,
}

fn parse_limited(
    text: &str,
    origin: Option<&str>,
    max_records: usize,
) -> Result<MasterFile, Vec<ZoneFileError>> {
    let origin_arg = match origin {
        None => None,
        Some(text) => Some(
            parse_origin_arg(text).map_err(|message| vec![ZoneFileError { line: 0, message }])?,
        ),
    };
    // Every record takes at least two bytes: refuse huge files before doing real work.
    if text.len() / 2 > max_records {
        let mut count = 0_usize;
        for entry in Lexer::new(text) {
            if !is_directive(&entry) {
                count += 1;
                if count > max_records {
                    return Err(vec![too_many_records(entry.line, max_records)]);
                }
            }
        }
    }
    let mut parser = FileParser {
        origin: origin_arg.clone().map_or(OriginState::Unknown, OriginState::Known),
        origin_arg,
        first_origin: None,
        default_ttl: None,
        last_ttl: None,
        owner: None,
        records: Vec::new(),
        errors: Vec::new(),
        record_entries: 0,
        max_records,
        soa_failed: false,
        ns_failed: false,
        stopped: false,
    };
    for entry in Lexer::new(text) {
        parser.entry(entry);
        if parser.stopped {
            break;
        }
    }
    parser.finish()
}

fn parse_origin_arg(text: &str) -> Result<Name, String> {
    let text = text.trim();
    if text.is_empty() || text == "@" {
        return Err(format!(
            "origin '{}' is not a domain name: give the zone's apex, like example.com",
            shown(text)
        ));
    }
    // Always absolute: a name without the final dot is completed with the root.
    parse_name(text, &OriginState::Known(Name::root()))
        .map_err(|problem| format!("origin: {}", problem.into_message()))
}

fn too_many_records(line: usize, max: usize) -> ZoneFileError {
    ZoneFileError {
        line,
        message: format!(
            "the file has more than {max} records: split the zone into several (at most {max} records per file)"
        ),
    }
}

fn is_directive(entry: &Entry<'_>) -> bool {
    !entry.blank_start
        && entry.tokens.first().is_some_and(|token| !token.quoted && token.text.starts_with('$'))
}

impl FileParser {
    fn error(&mut self, line: usize, message: String) {
        if self.stopped {
            return;
        }
        if self.errors.len() >= MAX_ERRORS {
            self.errors.push(ZoneFileError {
                line,
                message: format!(
                    "more than {MAX_ERRORS} errors: stopped here; fix these and parse again"
                ),
            });
            self.stopped = true;
            return;
        }
        self.errors.push(ZoneFileError { line, message });
    }

    fn entry(&mut self, entry: Entry<'_>) {
        if is_directive(&entry) {
            if let Some(problem) = entry.problem.clone() {
                self.error(entry.line, problem);
                self.origin_failed_if_origin(&entry);
                return;
            }
            self.directive(&entry);
            return;
        }
        self.record_entries += 1;
        if self.record_entries > self.max_records {
            let error = too_many_records(entry.line, self.max_records);
            self.error(error.line, error.message);
            self.stopped = true;
            return;
        }
        if let Some(problem) = entry.problem.clone() {
            self.error(entry.line, problem);
            self.remember_failed_entry(&entry);
            return;
        }
        self.record(&entry);
    }

    fn origin_failed_if_origin(&mut self, entry: &Entry<'_>) {
        if entry.tokens.first().is_some_and(|token| token.text.eq_ignore_ascii_case("$ORIGIN")) {
            self.origin = OriginState::Broken;
        }
    }

    /// After a lexical error: keep the owner for the lines that follow, and note the types
    /// that failed so that "no SOA" / "no NS" are not reported on top.
    fn remember_failed_entry(&mut self, entry: &Entry<'_>) {
        if !entry.blank_start
            && let Some(first) = entry.tokens.first()
        {
            self.owner = Some(parse_name(first.text, &self.origin).map_err(|_| ()));
        }
        for token in &entry.tokens {
            if token.quoted {
                continue;
            }
            if token.text.eq_ignore_ascii_case("SOA") {
                self.soa_failed = true;
            } else if token.text.eq_ignore_ascii_case("NS") {
                self.ns_failed = true;
            }
        }
    }

    fn directive(&mut self, entry: &Entry<'_>) {
        let line = entry.line;
        let Some(first) = entry.tokens.first() else {
            return;
        };
        let args = &entry.tokens[1..];
        match first.text.to_ascii_uppercase().as_str() {
            "$ORIGIN" => {
                let [arg] = args else {
                    self.error(
                        line,
                        "$ORIGIN takes one domain name, like $ORIGIN example.com.".to_owned(),
                    );
                    self.origin = OriginState::Broken;
                    return;
                };
                match parse_name(arg.text, &self.origin) {
                    Ok(name) => {
                        if self.first_origin.is_none() {
                            self.first_origin = Some(name.clone());
                        }
                        self.origin = OriginState::Known(name);
                    }
                    Err(problem) => {
                        if let Problem::Message(message) = problem {
                            self.error(line, format!("$ORIGIN: {message}"));
                        }
                        self.origin = OriginState::Broken;
                    }
                }
            }
            "$TTL" => {
                let [arg] = args else {
                    self.error(
                        line,
                        "$TTL takes one TTL, like $TTL 3600 or $TTL 1h".to_owned(),
                    );
                    return;
                };
                match parse_ttl(arg.text, MAX_TTL, "TTL") {
                    Ok(ttl) => self.default_ttl = Some(ttl),
                    Err(message) => self.error(line, format!("$TTL: {message}")),
                }
            }
            "$INCLUDE" => self.error(
                line,
                "$INCLUDE is not supported: concatenate the files (an imported file may not name other files to read)"
                    .to_owned(),
            ),
            _ => self.error(
                line,
                format!(
                    "unknown directive {}: only $ORIGIN and $TTL are supported ($INCLUDE is refused)",
                    shown(first.text)
                ),
            ),
        }
    }

    fn record(&mut self, entry: &Entry<'_>) {
        let line = entry.line;
        let mut rest: &[Token<'_>] = &entry.tokens;
        let mut messages: Vec<String> = Vec::new();

        // Owner.
        let owner: Result<Name, Problem> = if entry.blank_start {
            match &self.owner {
                None => Err(Problem::Message(
                    "this line starts with a blank, so it belongs to the previous owner name, but no record comes before it: start the line with the owner name"
                        .to_owned(),
                )),
                Some(Ok(name)) => Ok(name.clone()),
                Some(Err(())) => Err(Problem::AlreadyReported),
            }
        } else {
            let Some((&token, tail)) = rest.split_first() else {
                return;
            };
            rest = tail;
            let owner = if token.quoted {
                Err(Problem::Message("an owner name cannot be a quoted string".to_owned()))
            } else {
                parse_name(token.text, &self.origin)
            };
            self.owner = Some(owner.as_ref().map(Clone::clone).map_err(|_| ()));
            owner
        };
        let owner = match owner {
            Ok(name) => Some(name),
            Err(Problem::Message(message)) => {
                messages.push(format!("owner name: {message}"));
                None
            }
            Err(Problem::AlreadyReported) => None,
        };

        // [TTL] [CLASS] in either order.
        let mut ttl: Option<u32> = None;
        let mut ttl_seen = false;
        let mut class_seen = false;
        let mut type_token = None;
        while let Some(token) = rest.first() {
            if token.quoted {
                break;
            }
            if !ttl_seen && token.text.starts_with(|c: char| c.is_ascii_digit()) {
                ttl_seen = true;
                match parse_ttl(token.text, MAX_TTL, "TTL") {
                    Ok(value) => ttl = Some(value),
                    Err(message) => messages.push(message),
                }
                rest = &rest[1..];
                continue;
            }
            if !class_seen && let Some(class) = class_of(token.text) {
                class_seen = true;
                if class != DNSClass::IN {
                    messages.push(format!(
                        "class {} is not supported: flowdns serves class IN only (write IN or leave the class out)",
                        shown(token.text)
                    ));
                }
                rest = &rest[1..];
                continue;
            }
            break;
        }
        if let Some(token) = rest.first() {
            type_token = Some(*token);
            rest = &rest[1..];
        }

        let code = match type_token {
            None => {
                messages
                    .push("the record has no type: write [OWNER] [TTL] [IN] TYPE DATA".to_owned());
                None
            }
            Some(token) if token.quoted => {
                messages.push(format!(
                    "expected a record type, found the quoted string \"{}\"",
                    shown(token.text)
                ));
                None
            }
            Some(token) => match lookup_type(token.text) {
                Ok(code) => Some(code),
                Err(message) => {
                    let message =
                        if ttl_seen && token.text.starts_with(|c: char| c.is_ascii_digit()) {
                            format!(
                                "'{}' is not a record type (the TTL was already given)",
                                shown(token.text)
                            )
                        } else {
                            message
                        };
                    messages.push(message);
                    None
                }
            },
        };

        if ttl.is_some() {
            self.last_ttl = ttl;
        }

        let mut data = None;
        if let Some(code) = code {
            match parse_rdata_tokens(code, rest, &self.origin)
                .and_then(|data| check_size(&data).map(|()| data).map_err(Problem::from))
            {
                Ok(parsed) => data = Some(parsed),
                Err(problem) => {
                    if code == u16::from(RecordType::SOA) {
                        self.soa_failed = true;
                    } else if code == u16::from(RecordType::NS) {
                        self.ns_failed = true;
                    }
                    if let Problem::Message(message) = problem {
                        messages.push(format!("{}: {message}", type_text_code(code)));
                    }
                }
            }
        }

        let failed = !messages.is_empty();
        for message in messages {
            self.error(line, message);
        }
        if failed {
            return;
        }
        let (Some(owner), Some(data)) = (owner, data) else {
            return;
        };
        let resolved = ttl.or(self.default_ttl).or(self.last_ttl);
        let mut key = name_wire(&owner);
        key.make_ascii_lowercase();
        self.records.push(Parsed {
            line,
            record: Record::from_rdata(owner, resolved.unwrap_or(0), data),
            has_ttl: resolved.is_some(),
            key,
        });
    }

    fn finish(mut self) -> Result<MasterFile, Vec<ZoneFileError>> {
        let first_line = self.records.first().map_or(1, |parsed| parsed.line);
        let soa =
            self.records.iter().find(|parsed| parsed.record.record_type() == RecordType::SOA).map(
                |parsed| {
                    let minimum = match &parsed.record.data {
                        RData::SOA(soa) => soa.minimum,
                        _ => 0,
                    };
                    (parsed.line, parsed.record.name.clone(), minimum)
                },
            );

        let origin = self
            .origin_arg
            .clone()
            .or_else(|| self.first_origin.clone())
            .or_else(|| soa.as_ref().map(|(_, name, _)| name.clone()));
        let Some(origin) = origin else {
            if !self.soa_failed && !matches!(self.origin, OriginState::Broken) {
                self.error(
                    first_line,
                    "the zone has no origin: pass one, put $ORIGIN at the top, or give the SOA record an absolute owner name"
                        .to_owned(),
                );
            }
            return Err(self.sorted_errors());
        };

        // TTLs from the SOA MINIMUM.
        if let Some((soa_line, _, minimum)) = &soa {
            let missing: Vec<usize> = self
                .records
                .iter()
                .enumerate()
                .filter(|(_, parsed)| !parsed.has_ttl)
                .map(|(index, _)| index)
                .collect();
            for index in missing {
                if *minimum > MAX_TTL {
                    let line = self.records[index].line;
                    self.error(
                        line,
                        format!(
                            "the record has no TTL and the SOA MINIMUM (line {soa_line}) is {minimum}, above the largest TTL {MAX_TTL}: give a TTL or $TTL"
                        ),
                    );
                }
                self.records[index].record.ttl = *minimum;
                self.records[index].has_ttl = true;
            }
        }

        // One TTL per RRset.
        let mut rrsets: BTreeMap<(&[u8], u16), (usize, u32)> = BTreeMap::new();
        let mut ttl_errors = Vec::new();
        for parsed in &self.records {
            if !parsed.has_ttl {
                continue;
            }
            let record = &parsed.record;
            let key = (parsed.key.as_slice(), u16::from(record.record_type()));
            match rrsets.get(&key) {
                Some(&(first, ttl)) if ttl != record.ttl => ttl_errors.push((
                    parsed.line,
                    format!(
                        "TTL {} differs from TTL {ttl} of the {} {} record on line {first}: all records of one name and type share one TTL (RFC 2181 section 5.2)",
                        record.ttl,
                        name_text(&record.name),
                        type_text(record.record_type()),
                    ),
                )),
                Some(_) => {}
                None => {
                    rrsets.insert(key, (parsed.line, record.ttl));
                }
            }
        }
        for (line, message) in ttl_errors {
            self.error(line, message);
        }

        // Drop identical records.
        let mut seen: BTreeSet<Vec<u8>> = BTreeSet::new();
        self.records.retain(|parsed| {
            let record = &parsed.record;
            let mut identity = parsed.key.clone();
            identity.extend_from_slice(&u16::from(record.record_type()).to_be_bytes());
            identity.extend(wire(&record.data, true).unwrap_or_default());
            seen.insert(identity)
        });

        let zone_errors =
            zone_checks(&self.records, &origin, first_line, self.soa_failed, self.ns_failed);

        for (line, message) in zone_errors {
            self.error(line, message);
        }
        if !self.errors.is_empty() {
            return Err(self.sorted_errors());
        }
        Ok(MasterFile {
            origin,
            records: self.records.into_iter().map(|parsed| parsed.record).collect(),
        })
    }

    fn sorted_errors(self) -> Vec<ZoneFileError> {
        let mut errors = self.errors;
        errors.sort_by_key(|error| error.line);
        errors
    }
}

/// The zone rules: owners in the zone, one SOA at the apex, NS at the apex, CNAME alone.
fn zone_checks(
    records: &[Parsed],
    origin: &Name,
    first_line: usize,
    soa_failed: bool,
    ns_failed: bool,
) -> Vec<(usize, String)> {
    let mut zone_errors: Vec<(usize, String)> = Vec::new();

    // Every owner in the zone.
    for parsed in records {
        if !origin.zone_of(&parsed.record.name) {
            zone_errors.push((
                parsed.line,
                format!(
                    "{} is outside the zone {}: every owner name must be the origin or below it",
                    name_text(&parsed.record.name),
                    name_text(origin)
                ),
            ));
        }
    }

    // Exactly one SOA, at the apex.
    let soas: Vec<&Parsed> =
        records.iter().filter(|parsed| parsed.record.record_type() == RecordType::SOA).collect();
    if soas.is_empty() && !soa_failed {
        zone_errors.push((
            first_line,
            format!(
                "the zone has no SOA record: it needs exactly one, at its apex {}",
                name_text(origin)
            ),
        ));
    }
    for (index, parsed) in soas.iter().enumerate() {
        if index > 0 {
            zone_errors.push((
                parsed.line,
                format!(
                    "a second SOA record (the first is on line {}): a zone has exactly one",
                    soas[0].line
                ),
            ));
        } else if parsed.record.name != *origin {
            zone_errors.push((
                parsed.line,
                format!(
                    "the SOA record must be at the zone apex {}, not at {}",
                    name_text(origin),
                    name_text(&parsed.record.name)
                ),
            ));
        }
    }

    // NS at the apex.
    let apex_ns = records.iter().any(|parsed| {
        parsed.record.record_type() == RecordType::NS && parsed.record.name == *origin
    });
    if !apex_ns && !ns_failed && !soa_failed {
        let line = soas.first().map_or(first_line, |parsed| parsed.line);
        zone_errors.push((
            line,
            format!(
                "the zone has no NS record at its apex {}: an authoritative zone needs at least one, like `@ NS ns1.example.net.`",
                name_text(origin)
            ),
        ));
    }

    // A CNAME is alone at its name.
    #[derive(Default)]
    struct AtName {
        cname: Option<usize>,
        second_cname: Option<usize>,
        other: Option<(usize, RecordType)>,
    }
    let mut names: BTreeMap<&[u8], (&Name, AtName)> = BTreeMap::new();
    for parsed in records {
        let (_, at) = names
            .entry(parsed.key.as_slice())
            .or_insert_with(|| (&parsed.record.name, AtName::default()));
        if parsed.record.record_type() == RecordType::CNAME {
            if at.cname.is_none() {
                at.cname = Some(parsed.line);
            } else if at.second_cname.is_none() {
                at.second_cname = Some(parsed.line);
            }
        } else if at.other.is_none() {
            at.other = Some((parsed.line, parsed.record.record_type()));
        }
    }
    for (name, at) in names.values() {
        let Some(cname) = at.cname else { continue };
        if let Some(second) = at.second_cname {
            zone_errors.push((
                second,
                format!(
                    "{} has a second CNAME record (the first is on line {cname}): a name can be an alias of one name only",
                    name_text(name)
                ),
            ));
        }
        if let Some((line, rtype)) = at.other {
            zone_errors.push((
                cname,
                format!(
                    "{} has a CNAME record and other data ({} on line {line}): a CNAME must be the only record at its name (RFC 1034 section 3.6.2)",
                    name_text(name),
                    type_text(rtype)
                ),
            ));
        }
    }
    zone_errors
}

/// Recognises a class mnemonic.
fn class_of(text: &str) -> Option<DNSClass> {
    let upper = text.to_ascii_uppercase();
    match upper.as_str() {
        "IN" => Some(DNSClass::IN),
        "CH" | "CHAOS" => Some(DNSClass::CH),
        "HS" | "HESIOD" => Some(DNSClass::HS),
        "NONE" => Some(DNSClass::NONE),
        "CS" => Some(DNSClass::Unknown(2)),
        _ => {
            let digits = upper.strip_prefix("CLASS")?;
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            match digits.parse::<u16>() {
                Ok(1) => Some(DNSClass::IN),
                Ok(code) => Some(DNSClass::Unknown(code)),
                Err(_) => Some(DNSClass::Unknown(u16::MAX)),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Values: TTLs, numbers, names, strings, hex, base64
// ---------------------------------------------------------------------------------------------

/// A shortened copy of user text for messages.
fn shown(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(MAX).collect();
        out.push_str("...");
        out
    }
}

/// Parses a TTL-like duration (`3600`, `1h30m`) no larger than `max`.
fn parse_ttl(text: &str, max: u32, what: &str) -> Result<u32, String> {
    let bad = || {
        format!(
            "invalid {what} '{}': write seconds (3600) or units such as 1h30m (s, m, h, d, w)",
            shown(text)
        )
    };
    let too_large = || format!("{what} {} is too large: at most {max}", shown(text));
    if text.is_empty() {
        return Err(bad());
    }
    let max64 = u64::from(max);
    let mut total: u64 = 0;
    let mut current: Option<u64> = None;
    let mut units = false;
    for c in text.chars() {
        if let Some(digit) = c.to_digit(10) {
            let value = current.unwrap_or(0) * 10 + u64::from(digit);
            if value > max64 {
                return Err(too_large());
            }
            current = Some(value);
            continue;
        }
        let multiplier: u64 = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        let number = current.take().ok_or_else(bad)?;
        total += number * multiplier;
        if total > max64 {
            return Err(too_large());
        }
        units = true;
    }
    if let Some(number) = current {
        if units {
            return Err(bad());
        }
        total += number;
    }
    if total > max64 {
        return Err(too_large());
    }
    u32::try_from(total).map_err(|_| too_large())
}

/// A decimal number no larger than `max`.
fn number(token: &Token<'_>, field: &str, max: u64) -> Result<u64, String> {
    let text = token.text;
    let bad = || format!("{field} must be a number from 0 to {max}, found '{}'", shown(text));
    if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let value: u64 = text.parse().map_err(|_| bad())?;
    if value > max {
        return Err(bad());
    }
    Ok(value)
}

fn number_u8(token: &Token<'_>, field: &str) -> Result<u8, String> {
    let value = number(token, field, u64::from(u8::MAX))?;
    u8::try_from(value).map_err(|_| format!("{field} must be at most 255"))
}

fn number_u16(token: &Token<'_>, field: &str) -> Result<u16, String> {
    let value = number(token, field, u64::from(u16::MAX))?;
    u16::try_from(value).map_err(|_| format!("{field} must be at most 65535"))
}

fn number_u32(token: &Token<'_>, field: &str) -> Result<u32, String> {
    let value = number(token, field, u64::from(u32::MAX))?;
    u32::try_from(value).map_err(|_| format!("{field} must be at most 4294967295"))
}

/// Decodes the escape starting at byte `i` (a backslash) into `out`; returns the bytes used.
fn escape_into(text: &str, i: usize, out: &mut Vec<u8>) -> Result<usize, String> {
    let bytes = text.as_bytes();
    let Some(&next) = bytes.get(i + 1) else {
        return Err(format!(
            "'{}' ends with a backslash: escape a character (\\X) or write a byte as \\DDD",
            shown(text)
        ));
    };
    if next.is_ascii_digit() {
        let digits = bytes
            .get(i + 1..i + 4)
            .filter(|digits| digits.iter().all(u8::is_ascii_digit))
            .ok_or_else(|| {
                format!(
                    "bad escape in '{}': a backslash and a digit start a byte \\DDD with exactly three digits (000 to 255)",
                    shown(text)
                )
            })?;
        let value = digits.iter().fold(0_u32, |acc, digit| acc * 10 + u32::from(digit - b'0'));
        let byte = u8::try_from(value).map_err(|_| {
            format!("bad escape \\{value} in '{}': \\DDD is a byte, 000 to 255", shown(text))
        })?;
        out.push(byte);
        Ok(4)
    } else {
        let len = char_len(text, i + 1);
        out.extend_from_slice(&bytes[i + 1..i + 1 + len]);
        Ok(1 + len)
    }
}

/// The bytes of a character string: escapes decoded.
fn unescape(text: &str) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            i += escape_into(text, i, &mut out)?;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// A `<character-string>`: at most 255 bytes.
fn char_string(token: &Token<'_>, field: &str) -> Result<Vec<u8>, String> {
    let bytes = unescape(token.text)?;
    if bytes.len() > 255 {
        return Err(format!(
            "{field} is {} bytes long: a string holds at most 255 bytes (split long text into several quoted strings)",
            bytes.len()
        ));
    }
    Ok(bytes)
}

/// Parses a domain name in presentation form.
fn parse_name(text: &str, origin: &OriginState) -> Result<Name, Problem> {
    if text == "@" {
        return match origin {
            OriginState::Known(name) => Ok(name.clone()),
            OriginState::Unknown => Err(Problem::Message(
                "'@' stands for the origin, but none is known here: pass the origin or put $ORIGIN first"
                    .to_owned(),
            )),
            OriginState::Broken => Err(Problem::AlreadyReported),
        };
    }
    if text == "." {
        return Ok(Name::root());
    }
    if text.is_empty() {
        return Err(Problem::Message("a name cannot be empty".to_owned()));
    }
    let bytes = text.as_bytes();
    let mut labels: Vec<Label> = Vec::new();
    let mut label: Vec<u8> = Vec::new();
    let mut raw_unicode = false;
    let mut absolute = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'.' => {
                if label.is_empty() {
                    return Err(Problem::Message(format!(
                        "'{}' has an empty label: labels between dots cannot be empty",
                        shown(text)
                    )));
                }
                labels.push(make_label(&label, raw_unicode, text)?);
                label.clear();
                raw_unicode = false;
                absolute = i + 1 == bytes.len();
                i += 1;
            }
            b'\\' => i += escape_into(text, i, &mut label)?,
            b if b <= b' ' || b == 0x7f => {
                return Err(Problem::Message(format!(
                    "'{}' contains a blank or control character: escape it as \\DDD",
                    shown(text)
                )));
            }
            _ => {
                raw_unicode |= b >= 0x80;
                label.push(b);
                i += 1;
            }
        }
    }
    if !label.is_empty() {
        labels.push(make_label(&label, raw_unicode, text)?);
    }
    let too_long =
        || Problem::Message(format!("'{}' is too long: a name has at most 255 bytes", shown(text)));
    let mut name = if absolute { Name::root() } else { Name::new() };
    for label in labels {
        name = name.append_label(label).map_err(|_| too_long())?;
    }
    if absolute {
        return Ok(name);
    }
    match origin {
        OriginState::Known(origin) => name.append_domain(origin).map_err(|_| too_long()),
        OriginState::Unknown => Err(Problem::Message(format!(
            "the relative name '{}' needs an origin, but none is known here: end it with a dot, pass the origin, or put $ORIGIN first",
            shown(text)
        ))),
        OriginState::Broken => Err(Problem::AlreadyReported),
    }
}

fn make_label(bytes: &[u8], raw_unicode: bool, text: &str) -> Result<Label, Problem> {
    if raw_unicode {
        let utf8 = std::str::from_utf8(bytes).map_err(|_| {
            Problem::Message(format!(
                "'{}' mixes raw non-ASCII characters and escaped bytes in one label: write it in punycode (xn--...)",
                shown(text)
            ))
        })?;
        return Label::from_utf8(utf8).map_err(|_| {
            Problem::Message(format!(
                "'{}' is not a valid internationalized label: write it in punycode (xn--...) or escape its bytes as \\DDD",
                shown(utf8)
            ))
        });
    }
    Label::from_raw_bytes(bytes).map_err(|_| {
        Problem::Message(format!("a label of '{}' is longer than 63 bytes", shown(text)))
    })
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Hex digits spread over several words.
fn hex_tokens(tokens: &[Token<'_>], field: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut high: Option<u8> = None;
    for token in tokens {
        for b in token.text.bytes() {
            let value = hex_value(b).ok_or_else(|| {
                format!("{field} must be hexadecimal digits, found '{}'", shown(token.text))
            })?;
            match high.take() {
                None => high = Some(value),
                Some(h) => out.push((h << 4) | value),
            }
        }
    }
    if high.is_some() {
        return Err(format!(
            "{field} has an odd number of hexadecimal digits: each byte takes two"
        ));
    }
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b0 = chunk[0];
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let n = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        let sextet = |shift: u32| char::from(BASE64[((n >> shift) & 63) as usize]);
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 3);
    let mut acc: u32 = 0;
    let mut bits = 0_u32;
    let mut symbols = 0_usize;
    let mut padding = 0_usize;
    for b in text.bytes() {
        if b == b'=' {
            padding += 1;
            continue;
        }
        if padding > 0 {
            return None;
        }
        let value = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = ((acc << 6) | u32::from(value)) & 0xff_ffff;
        bits += 6;
        symbols += 1;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    if symbols % 4 == 1 || padding > 2 || (padding > 0 && !(symbols + padding).is_multiple_of(4)) {
        return None;
    }
    Some(out)
}

fn base64_tokens(tokens: &[Token<'_>], field: &str) -> Result<Vec<u8>, String> {
    let joined: String = tokens.iter().map(|token| token.text).collect();
    base64_decode(&joined).ok_or_else(|| {
        format!(
            "{field} must be base64 (A-Z a-z 0-9 + / and = padding), found '{}'",
            shown(&joined)
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Record types
// ---------------------------------------------------------------------------------------------

/// Whether the type has a presentation format here, or only the generic one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Text,
    Generic,
}

const TYPES: &[(&str, u16, Form)] = &[
    ("A", 1, Form::Text),
    ("NS", 2, Form::Text),
    ("CNAME", 5, Form::Text),
    ("SOA", 6, Form::Text),
    ("NULL", 10, Form::Generic),
    ("PTR", 12, Form::Text),
    ("HINFO", 13, Form::Text),
    ("MX", 15, Form::Text),
    ("TXT", 16, Form::Text),
    ("AAAA", 28, Form::Text),
    ("SRV", 33, Form::Text),
    ("NAPTR", 35, Form::Text),
    ("CERT", 37, Form::Generic),
    ("DNAME", 39, Form::Text),
    ("DS", 43, Form::Text),
    ("SSHFP", 44, Form::Text),
    ("DNSKEY", 48, Form::Generic),
    ("TLSA", 52, Form::Text),
    ("SMIMEA", 53, Form::Text),
    ("CDS", 59, Form::Generic),
    ("CDNSKEY", 60, Form::Generic),
    ("OPENPGPKEY", 61, Form::Text),
    ("CSYNC", 62, Form::Generic),
    ("SVCB", 64, Form::Text),
    ("HTTPS", 65, Form::Text),
    ("SPF", 99, Form::Text),
    ("CAA", 257, Form::Text),
];

const REFUSED_TYPES: &[(&str, u16)] = &[
    ("SIG", 24),
    ("OPT", 41),
    ("RRSIG", 46),
    ("NSEC", 47),
    ("NSEC3", 50),
    ("NSEC3PARAM", 51),
    ("TKEY", 249),
    ("TSIG", 250),
    ("IXFR", 251),
    ("AXFR", 252),
    ("MAILB", 253),
    ("MAILA", 254),
    ("ANY", 255),
];

const TEXT_TYPES: &str = "A, AAAA, CAA, CNAME, DNAME, DS, HINFO, HTTPS, MX, NAPTR, NS, OPENPGPKEY, PTR, SMIMEA, SOA, SPF, SRV, SSHFP, SVCB, TLSA, TXT";

fn type_text_code(code: u16) -> String {
    TYPES
        .iter()
        .map(|&(name, c, _)| (name, c))
        .chain(REFUSED_TYPES.iter().copied())
        .find(|&(_, c)| c == code)
        .map_or_else(|| format!("TYPE{code}"), |(name, _)| name.to_owned())
}

fn refused_reason(code: u16) -> Option<&'static str> {
    match code {
        0 => Some("type 0 is reserved"),
        24 | 46 | 47 | 50 | 51 => {
            Some("it comes from DNSSEC signing, and flowdns serves unsigned zones")
        }
        41 | 128..=255 => Some("it is a query or meta type, not data"),
        _ => None,
    }
}

/// The type code for a mnemonic or `TYPEnnn`, if records of it may be in a zone file.
fn lookup_type(text: &str) -> Result<u16, String> {
    let upper = text.to_ascii_uppercase();
    let known = TYPES
        .iter()
        .map(|&(name, c, _)| (name, c))
        .chain(REFUSED_TYPES.iter().copied())
        .chain(std::iter::once(("*", 255)))
        .find(|&(name, _)| name == upper)
        .map(|(_, c)| c);
    let code = match known {
        Some(code) => code,
        None => {
            let digits = upper
                .strip_prefix("TYPE")
                .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
            match digits {
                Some(digits) => digits.parse::<u16>().map_err(|_| {
                    format!("{}: TYPEnnn takes a number from 0 to 65535", shown(text))
                })?,
                None => {
                    return Err(format!(
                        "unknown record type '{}': use one of {TEXT_TYPES}, or TYPEnnn with RFC 3597 generic data (\\# LENGTH HEX)",
                        shown(text)
                    ));
                }
            }
        }
    };
    if let Some(reason) = refused_reason(code) {
        return Err(format!("{} records cannot be in a zone file: {reason}", type_text_code(code)));
    }
    Ok(code)
}

/// Reads the words of a record's data in order.
struct Fields<'t, 'a> {
    tokens: &'t [Token<'a>],
    position: usize,
    layout: &'static str,
}

impl<'t, 'a> Fields<'t, 'a> {
    fn new(tokens: &'t [Token<'a>], layout: &'static str) -> Self {
        Self { tokens, position: 0, layout }
    }

    fn next(&mut self, field: &str) -> Result<&'t Token<'a>, String> {
        let token = self
            .tokens
            .get(self.position)
            .ok_or_else(|| format!("{field} is missing: the data is {}", self.layout))?;
        self.position += 1;
        Ok(token)
    }

    fn rest(&mut self) -> &'t [Token<'a>] {
        let rest = self.tokens.get(self.position..).unwrap_or_default();
        self.position = self.tokens.len();
        rest
    }

    fn rest_required(&mut self, field: &str) -> Result<&'t [Token<'a>], String> {
        if self.position >= self.tokens.len() {
            return Err(format!("{field} is missing: the data is {}", self.layout));
        }
        Ok(self.rest())
    }

    fn end(&self) -> Result<(), String> {
        match self.tokens.get(self.position) {
            None => Ok(()),
            Some(token) => Err(format!(
                "unexpected '{}' after the data: the data is {}",
                shown(token.text),
                self.layout
            )),
        }
    }
}

fn unknown_data(code: u16, bytes: Vec<u8>) -> RData {
    // `NULL::with` asserts (in debug builds) that the data is not empty.
    let rdata = if bytes.is_empty() { NULL::new() } else { NULL::with(bytes) };
    RData::Unknown { code: RecordType::from(code), rdata }
}

fn ipv4(token: &Token<'_>) -> Result<Ipv4Addr, String> {
    Ipv4Addr::from_str(token.text)
        .map_err(|_| format!("'{}' is not an IPv4 address (like 192.0.2.1)", shown(token.text)))
}

fn ipv6(token: &Token<'_>) -> Result<Ipv6Addr, String> {
    Ipv6Addr::from_str(token.text)
        .map_err(|_| format!("'{}' is not an IPv6 address (like 2001:db8::1)", shown(token.text)))
}

/// Parses a record's data (the words after the type).
fn parse_rdata_tokens(
    code: u16,
    tokens: &[Token<'_>],
    origin: &OriginState,
) -> Result<RData, Problem> {
    if let Some(first) = tokens.first()
        && !first.quoted
        && first.text == "\\#"
    {
        return Ok(parse_generic(code, &tokens[1..])?);
    }
    let text_form = TYPES.iter().any(|&(_, c, form)| c == code && form == Form::Text);
    if !text_form {
        let name = type_text_code(code);
        return Err(Problem::Message(format!(
            "{name} data is accepted only in the RFC 3597 generic form: {name} \\# LENGTH HEX"
        )));
    }
    let name = |token: &Token<'_>| parse_name(token.text, origin);
    let data = match code {
        1 => {
            let mut f = Fields::new(tokens, "an IPv4 address");
            let address = ipv4(f.next("the address")?)?;
            f.end()?;
            RData::A(A(address))
        }
        28 => {
            let mut f = Fields::new(tokens, "an IPv6 address");
            let address = ipv6(f.next("the address")?)?;
            f.end()?;
            RData::AAAA(AAAA(address))
        }
        2 | 5 | 12 | 39 => {
            let mut f = Fields::new(tokens, "one domain name");
            let target = name(f.next("the name")?)?;
            f.end()?;
            match code {
                2 => RData::NS(NS(target)),
                5 => RData::CNAME(CNAME(target)),
                12 => RData::PTR(PTR(target)),
                _ => unknown_data(code, name_wire(&target)),
            }
        }
        15 => {
            let mut f = Fields::new(tokens, "PREFERENCE EXCHANGE");
            let preference = number_u16(f.next("PREFERENCE")?, "PREFERENCE")?;
            let exchange = name(f.next("EXCHANGE")?)?;
            f.end()?;
            RData::MX(MX::new(preference, exchange))
        }
        6 => {
            let mut f = Fields::new(tokens, "MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM");
            let mname = name(f.next("MNAME")?)?;
            let rname = name(f.next("RNAME")?)?;
            let serial = number_u32(f.next("SERIAL")?, "SERIAL")?;
            let refresh = parse_ttl(f.next("REFRESH")?.text, u32::MAX, "REFRESH")?;
            let retry = parse_ttl(f.next("RETRY")?.text, u32::MAX, "RETRY")?;
            let expire = parse_ttl(f.next("EXPIRE")?.text, u32::MAX, "EXPIRE")?;
            let minimum = parse_ttl(f.next("MINIMUM")?.text, u32::MAX, "MINIMUM")?;
            f.end()?;
            // hickory keeps the three timers as i32; on the wire they are the same 32 bits.
            let signed = |value: u32| i32::from_ne_bytes(value.to_ne_bytes());
            RData::SOA(SOA::new(
                mname,
                rname,
                serial,
                signed(refresh),
                signed(retry),
                signed(expire),
                minimum,
            ))
        }
        16 | 99 => {
            if tokens.is_empty() {
                return Err(Problem::Message(
                    "at least one string is needed, like \"v=spf1 -all\"".to_owned(),
                ));
            }
            let strings = tokens
                .iter()
                .map(|token| char_string(token, "a string"))
                .collect::<Result<Vec<_>, _>>()?;
            if code == 16 {
                RData::TXT(TXT::from_bytes(strings.iter().map(Vec::as_slice).collect()))
            } else {
                let mut wire = Vec::new();
                for string in &strings {
                    wire.push(u8::try_from(string.len()).unwrap_or(u8::MAX));
                    wire.extend_from_slice(string);
                }
                unknown_data(code, wire)
            }
        }
        13 => {
            let mut f = Fields::new(tokens, "CPU OS (two strings)");
            let cpu = char_string(f.next("CPU")?, "CPU")?;
            let os = char_string(f.next("OS")?, "OS")?;
            f.end()?;
            let mut hinfo = HINFO::new(String::new(), String::new());
            hinfo.cpu = cpu.into_boxed_slice();
            hinfo.os = os.into_boxed_slice();
            RData::HINFO(hinfo)
        }
        33 => {
            let mut f = Fields::new(tokens, "PRIORITY WEIGHT PORT TARGET");
            let priority = number_u16(f.next("PRIORITY")?, "PRIORITY")?;
            let weight = number_u16(f.next("WEIGHT")?, "WEIGHT")?;
            let port = number_u16(f.next("PORT")?, "PORT")?;
            let target = name(f.next("TARGET")?)?;
            f.end()?;
            RData::SRV(SRV::new(priority, weight, port, target))
        }
        35 => {
            let mut f = Fields::new(tokens, "ORDER PREFERENCE FLAGS SERVICES REGEXP REPLACEMENT");
            let order = number_u16(f.next("ORDER")?, "ORDER")?;
            let preference = number_u16(f.next("PREFERENCE")?, "PREFERENCE")?;
            let flags = char_string(f.next("FLAGS")?, "FLAGS")?;
            if !flags.iter().all(u8::is_ascii_alphanumeric) {
                return Err(Problem::Message(
                    "FLAGS must be letters and digits, like \"S\", \"A\", \"U\" or \"\" (RFC 3403)"
                        .to_owned(),
                ));
            }
            let services = char_string(f.next("SERVICES")?, "SERVICES")?;
            let regexp = char_string(f.next("REGEXP")?, "REGEXP")?;
            let replacement = name(f.next("REPLACEMENT")?)?;
            f.end()?;
            RData::NAPTR(NAPTR::new(
                order,
                preference,
                flags.into_boxed_slice(),
                services.into_boxed_slice(),
                regexp.into_boxed_slice(),
                replacement,
            ))
        }
        43 => {
            let mut f = Fields::new(tokens, "KEY-TAG ALGORITHM DIGEST-TYPE DIGEST (hex)");
            let key_tag = number_u16(f.next("KEY-TAG")?, "KEY-TAG")?;
            let algorithm = number_u8(f.next("ALGORITHM")?, "ALGORITHM")?;
            let digest_type = number_u8(f.next("DIGEST-TYPE")?, "DIGEST-TYPE")?;
            let digest = hex_tokens(f.rest_required("DIGEST")?, "DIGEST")?;
            let mut wire = Vec::with_capacity(4 + digest.len());
            wire.extend_from_slice(&key_tag.to_be_bytes());
            wire.push(algorithm);
            wire.push(digest_type);
            wire.extend_from_slice(&digest);
            unknown_data(code, wire)
        }
        44 => {
            let mut f = Fields::new(tokens, "ALGORITHM TYPE FINGERPRINT (hex)");
            let algorithm = number_u8(f.next("ALGORITHM")?, "ALGORITHM")?;
            let kind = number_u8(f.next("TYPE")?, "TYPE")?;
            let fingerprint = hex_tokens(f.rest_required("FINGERPRINT")?, "FINGERPRINT")?;
            RData::SSHFP(SSHFP::new(
                sshfp::Algorithm::from(algorithm),
                sshfp::FingerprintType::from(kind),
                fingerprint,
            ))
        }
        52 | 53 => {
            let mut f = Fields::new(tokens, "USAGE SELECTOR MATCHING-TYPE CERTIFICATE-DATA (hex)");
            let usage = number_u8(f.next("USAGE")?, "USAGE")?;
            let selector = number_u8(f.next("SELECTOR")?, "SELECTOR")?;
            let matching = number_u8(f.next("MATCHING-TYPE")?, "MATCHING-TYPE")?;
            let data = hex_tokens(f.rest_required("CERTIFICATE-DATA")?, "CERTIFICATE-DATA")?;
            let tlsa = TLSA::new(
                tlsa::CertUsage::from(usage),
                tlsa::Selector::from(selector),
                tlsa::Matching::from(matching),
                data,
            );
            if code == 52 { RData::TLSA(tlsa) } else { RData::SMIMEA(SMIMEA(tlsa)) }
        }
        61 => {
            if tokens.is_empty() {
                return Err(Problem::Message("the public key (base64) is missing".to_owned()));
            }
            let key = base64_tokens(tokens, "the public key")?;
            if key.is_empty() {
                return Err(Problem::Message("the public key (base64) is empty".to_owned()));
            }
            RData::OPENPGPKEY(OPENPGPKEY::new(key))
        }
        257 => {
            let mut f = Fields::new(tokens, "FLAGS TAG VALUE");
            let flags = number_u8(f.next("FLAGS")?, "FLAGS")?;
            let tag_token = f.next("TAG")?;
            let value = unescape(f.next("VALUE")?.text)?;
            f.end()?;
            let tag = tag_token.text;
            if tag.is_empty() || tag.len() > 15 || !tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(Problem::Message(format!(
                    "TAG '{}' must be 1 to 15 letters and digits, like issue, issuewild or iodef",
                    shown(tag)
                )));
            }
            let mut caa = CAA::new_issue(false, None, Vec::new());
            caa.issuer_critical = flags & 0x80 != 0;
            caa.reserved_flags = flags & 0x7f;
            tag.clone_into(&mut caa.tag);
            caa.value = value;
            RData::CAA(caa)
        }
        64 => RData::SVCB(parse_svcb(tokens, origin)?),
        65 => RData::HTTPS(HTTPS(parse_svcb(tokens, origin)?)),
        _ => {
            let name = type_text_code(code);
            return Err(Problem::Message(format!(
                "{name} data is accepted only in the RFC 3597 generic form: {name} \\# LENGTH HEX"
            )));
        }
    };
    Ok(data)
}

/// RFC 3597 generic data: `\# LENGTH HEX...`, decoded by hickory.
fn parse_generic(code: u16, tokens: &[Token<'_>]) -> Result<RData, String> {
    let mut f = Fields::new(tokens, "\\# LENGTH HEX (RFC 3597)");
    let length = number_u16(f.next("LENGTH")?, "LENGTH")?;
    let bytes = hex_tokens(f.rest(), "the generic data")?;
    if bytes.len() != usize::from(length) {
        return Err(format!(
            "the generic data says {length} bytes but its hex has {}",
            bytes.len()
        ));
    }
    let mut decoder = BinDecoder::new(&bytes);
    let data = RData::read(&mut decoder, RecordType::from(code), Restrict::new(length)).map_err(
        |error| format!("the {length} bytes are not valid {} data: {error}", type_text_code(code)),
    )?;
    if !decoder.is_empty() {
        return Err(format!(
            "the {length} bytes are not valid {} data: {} bytes are left over",
            type_text_code(code),
            decoder.len()
        ));
    }
    Ok(data)
}

/// Wire form of record data, names uncompressed; `canonical` lowercases the names that DNSSEC
/// canonical form lowercases.
fn wire(data: &RData, canonical: bool) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    {
        let mut encoder = BinEncoder::new(&mut bytes);
        encoder.set_name_encoding(NameEncoding::Uncompressed);
        encoder.set_canonical_form(canonical);
        data.emit(&mut encoder).map_err(|error| error.to_string())?;
    }
    Ok(bytes)
}

fn check_size(data: &RData) -> Result<(), String> {
    let bytes = wire(data, false).map_err(|error| {
        format!("the data does not fit in a record (at most 65535 bytes): {error}")
    })?;
    if bytes.len() > usize::from(u16::MAX) {
        return Err(format!(
            "the data is {} bytes long: a record holds at most 65535",
            bytes.len()
        ));
    }
    Ok(())
}

/// A name in uncompressed wire form, case preserved.
fn name_wire(name: &Name) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 1);
    for label in name.iter() {
        out.push(u8::try_from(label.len()).unwrap_or(63));
        out.extend_from_slice(label);
    }
    out.push(0);
    out
}

/// Reads a whole buffer as one uncompressed wire-format name.
fn name_from_wire(bytes: &[u8]) -> Option<Name> {
    let mut name = Name::root();
    let mut i = 0;
    loop {
        let len = usize::from(*bytes.get(i)?);
        i += 1;
        if len == 0 {
            return (i == bytes.len()).then_some(name);
        }
        if len > 63 {
            return None;
        }
        let label = Label::from_raw_bytes(bytes.get(i..i + len)?).ok()?;
        name = name.append_label(label).ok()?;
        i += len;
    }
}

/// Reads a whole buffer as one or more `<character-string>`s.
fn strings_from_wire(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let len = usize::from(bytes[i]);
        out.push(bytes.get(i + 1..i + 1 + len)?);
        i += 1 + len;
    }
    (!out.is_empty()).then_some(out)
}

// ---------------------------------------------------------------------------------------------
// SVCB and HTTPS (RFC 9460)
// ---------------------------------------------------------------------------------------------

const SVC_KEYS: &[(&str, u16)] = &[
    ("mandatory", 0),
    ("alpn", 1),
    ("no-default-alpn", 2),
    ("port", 3),
    ("ipv4hint", 4),
    ("ech", 5),
    ("ipv6hint", 6),
];

fn svc_key_code(text: &str) -> Result<u16, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(&(_, code)) = SVC_KEYS.iter().find(|(name, _)| *name == lower) {
        return Ok(code);
    }
    lower
        .strip_prefix("key")
        .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse::<u16>().ok())
        .ok_or_else(|| {
            format!(
                "unknown SVCB parameter '{}': use mandatory, alpn, no-default-alpn, port, ipv4hint, ech, ipv6hint or keyNNNNN",
                shown(text)
            )
        })
}

fn svc_key_text(code: u16) -> String {
    SVC_KEYS
        .iter()
        .find(|&&(_, c)| c == code)
        .map_or_else(|| format!("key{code}"), |(name, _)| (*name).to_owned())
}

/// Splits a comma-separated value list; `\,` (or `\044`) is a comma inside an item.
fn split_list(text: &str, key: &str) -> Result<Vec<Vec<u8>>, String> {
    let bytes = text.as_bytes();
    let mut items = Vec::new();
    let mut item = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += escape_into(text, i, &mut item)?,
            b',' => {
                items.push(std::mem::take(&mut item));
                i += 1;
            }
            b => {
                item.push(b);
                i += 1;
            }
        }
    }
    items.push(item);
    if items.iter().any(Vec::is_empty) {
        return Err(format!(
            "{key} has an empty item in '{}': items are separated by single commas",
            shown(text)
        ));
    }
    Ok(items)
}

fn list_strings(text: &str, key: &str) -> Result<Vec<String>, String> {
    split_list(text, key)?
        .into_iter()
        .map(|item| {
            String::from_utf8(item).map_err(|_| format!("{key} items must be UTF-8 text here"))
        })
        .collect()
}

/// The value of `key=value`, without the quotes if it is quoted.
fn strip_quotes<'a>(value: &'a str, key: &str) -> Result<&'a str, String> {
    let Some(inner) = value.strip_prefix('"') else {
        return Ok(value);
    };
    let close = closing_quote(value, 1)?;
    if close + 1 != value.len() {
        return Err(format!("the value of {key} has text after its closing quote"));
    }
    Ok(&inner[..close - 1])
}

fn svc_value(code: u16, value: Option<&str>, key: &str) -> Result<SvcParamValue, String> {
    let needed = || format!("{key} needs a value, like {key}=...");
    let value = value.filter(|value| !value.is_empty());
    Ok(match code {
        0 => {
            let mut keys = list_strings(value.ok_or_else(needed)?, key)?
                .iter()
                .map(|item| svc_key_code(item))
                .collect::<Result<Vec<u16>, String>>()?;
            keys.sort_unstable();
            let before = keys.len();
            keys.dedup();
            if keys.len() != before {
                return Err("mandatory lists a key twice".to_owned());
            }
            SvcParamValue::Mandatory(Mandatory(keys.into_iter().map(SvcParamKey::from).collect()))
        }
        1 => SvcParamValue::Alpn(Alpn(list_strings(value.ok_or_else(needed)?, key)?)),
        2 => {
            if value.is_some() {
                return Err("no-default-alpn takes no value".to_owned());
            }
            SvcParamValue::NoDefaultAlpn
        }
        3 => {
            let text = value.ok_or_else(needed)?;
            let token = Token { text, quoted: false };
            SvcParamValue::Port(number_u16(&token, "port")?)
        }
        4 => SvcParamValue::Ipv4Hint(IpHint(
            list_strings(value.ok_or_else(needed)?, key)?
                .iter()
                .map(|item| ipv4(&Token { text: item, quoted: false }).map(A))
                .collect::<Result<_, _>>()?,
        )),
        6 => SvcParamValue::Ipv6Hint(IpHint(
            list_strings(value.ok_or_else(needed)?, key)?
                .iter()
                .map(|item| ipv6(&Token { text: item, quoted: false }).map(AAAA))
                .collect::<Result<_, _>>()?,
        )),
        5 => {
            let text = value.ok_or_else(needed)?;
            let bytes = base64_decode(text)
                .ok_or_else(|| format!("ech must be base64, found '{}'", shown(text)))?;
            SvcParamValue::EchConfigList(EchConfigList(bytes))
        }
        _ => SvcParamValue::Unknown(Unknown(unescape(value.unwrap_or_default())?)),
    })
}

fn parse_svcb(tokens: &[Token<'_>], origin: &OriginState) -> Result<SVCB, Problem> {
    let mut f = Fields::new(tokens, "PRIORITY TARGET [KEY=VALUE ...]");
    let priority = number_u16(f.next("PRIORITY")?, "PRIORITY")?;
    let target = parse_name(f.next("TARGET")?.text, origin)?;
    let mut params: Vec<(SvcParamKey, SvcParamValue)> = Vec::new();
    for token in f.rest() {
        if token.quoted {
            return Err(Problem::Message(format!(
                "parameters are KEY=VALUE (the value may be quoted: KEY=\"VALUE\"), found \"{}\"",
                shown(token.text)
            )));
        }
        let (key, value) = match token.text.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (token.text, None),
        };
        let code = svc_key_code(key)?;
        let value = value.map(|value| strip_quotes(value, key)).transpose()?;
        if params.iter().any(|(k, _)| u16::from(*k) == code) {
            return Err(Problem::Message(format!(
                "parameter {} is given twice",
                svc_key_text(code)
            )));
        }
        params.push((SvcParamKey::from(code), svc_value(code, value, key)?));
    }
    params.sort_by_key(|(key, _)| u16::from(*key));
    check_svc_params(&params)?;
    Ok(SVCB::new(priority, target, params))
}

/// The rules of RFC 9460 that the presentation format relies on.
fn check_svc_params(params: &[(SvcParamKey, SvcParamValue)]) -> Result<(), String> {
    let codes: Vec<u16> = params.iter().map(|(key, _)| u16::from(*key)).collect();
    if codes.windows(2).any(|pair| pair[0] >= pair[1]) {
        return Err("parameters must be in increasing key order, each once".to_owned());
    }
    for (key, value) in params {
        let code = u16::from(*key);
        let fits = match value {
            SvcParamValue::Mandatory(Mandatory(keys)) => {
                let listed: Vec<u16> = keys.iter().map(|key| u16::from(*key)).collect();
                if listed.is_empty() || listed.windows(2).any(|pair| pair[0] >= pair[1]) {
                    return Err("mandatory needs a list of distinct keys".to_owned());
                }
                if listed.contains(&0) {
                    return Err("mandatory cannot list itself".to_owned());
                }
                if let Some(missing) = listed.iter().find(|code| !codes.contains(code)) {
                    return Err(format!(
                        "mandatory lists {}, which is not among the parameters",
                        svc_key_text(*missing)
                    ));
                }
                code == 0
            }
            SvcParamValue::Alpn(Alpn(ids)) => {
                if ids.is_empty() || ids.iter().any(|id| id.is_empty() || id.len() > 255) {
                    return Err("alpn needs protocol ids of 1 to 255 bytes".to_owned());
                }
                code == 1
            }
            SvcParamValue::NoDefaultAlpn => {
                if !codes.contains(&1) {
                    return Err(
                        "no-default-alpn needs alpn too (RFC 9460 section 7.1.1)".to_owned()
                    );
                }
                code == 2
            }
            SvcParamValue::Port(_) => code == 3,
            SvcParamValue::Ipv4Hint(IpHint(hints)) => !hints.is_empty() && code == 4,
            SvcParamValue::EchConfigList(EchConfigList(bytes)) => !bytes.is_empty() && code == 5,
            SvcParamValue::Ipv6Hint(IpHint(hints)) => !hints.is_empty() && code == 6,
            SvcParamValue::Unknown(_) => code > 6,
        };
        if !fits {
            return Err(format!("parameter {} has no valid value", svc_key_text(code)));
        }
    }
    Ok(())
}

fn svcb_text(svcb: &SVCB) -> String {
    let mut out = format!("{} {}", svcb.svc_priority, name_text(&svcb.target_name));
    for (key, value) in &svcb.svc_params {
        out.push(' ');
        out.push_str(&svc_key_text(u16::from(*key)));
        match value {
            SvcParamValue::Mandatory(Mandatory(keys)) => {
                out.push('=');
                let names: Vec<String> =
                    keys.iter().map(|key| svc_key_text(u16::from(*key))).collect();
                out.push_str(&names.join(","));
            }
            SvcParamValue::Alpn(Alpn(ids)) => {
                out.push('=');
                let items: Vec<String> =
                    ids.iter().map(|id| list_item_text(id.as_bytes())).collect();
                out.push_str(&items.join(","));
            }
            SvcParamValue::NoDefaultAlpn => {}
            SvcParamValue::Port(port) => {
                let _ = write!(out, "={port}");
            }
            SvcParamValue::Ipv4Hint(IpHint(hints)) => {
                out.push('=');
                let items: Vec<String> = hints.iter().map(|a| a.0.to_string()).collect();
                out.push_str(&items.join(","));
            }
            SvcParamValue::Ipv6Hint(IpHint(hints)) => {
                out.push('=');
                let items: Vec<String> = hints.iter().map(|a| a.0.to_string()).collect();
                out.push_str(&items.join(","));
            }
            SvcParamValue::EchConfigList(EchConfigList(bytes)) => {
                out.push('=');
                out.push_str(&base64_encode(bytes));
            }
            SvcParamValue::Unknown(Unknown(bytes)) => {
                if !bytes.is_empty() {
                    out.push('=');
                    out.push_str(&quoted(bytes));
                }
            }
        }
    }
    out
}

/// An item of an unquoted value list: anything that could end the word or the item escaped.
fn list_item_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'"' | b'\\' | b',' | b';' | b'(' | b')' => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x21..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:03}");
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Presentation output
// ---------------------------------------------------------------------------------------------

fn push_label(out: &mut String, label: &[u8]) {
    for &b in label {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'*' | b'/' => {
                out.push(char::from(b));
            }
            0x21..=0x7e => {
                out.push('\\');
                out.push(char::from(b));
            }
            _ => {
                let _ = write!(out, "\\{b:03}");
            }
        }
    }
}

/// An owner name relative to `origin` where possible (`@` for the origin itself).
fn owner_text(name: &Name, origin: &Name) -> String {
    if !origin.zone_of(name) {
        return name_text(name);
    }
    let own = name.iter().count();
    let theirs = origin.iter().count();
    if own == theirs {
        return "@".to_owned();
    }
    let mut out = String::new();
    for (index, label) in name.iter().take(own - theirs).enumerate() {
        if index > 0 {
            out.push('.');
        }
        push_label(&mut out, label);
    }
    out
}

/// A quoted `<character-string>`: printable text as it is, `"` and `\` escaped, control
/// characters and bytes that are not UTF-8 as `\DDD`.
fn quoted(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                c if c.is_control() => {
                    let mut buffer = [0_u8; 4];
                    for b in c.encode_utf8(&mut buffer).bytes() {
                        let _ = write!(out, "\\{b:03}");
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\{b:03}");
        }
    }
    out.push('"');
    out
}

fn strings_text<'s>(strings: impl IntoIterator<Item = &'s [u8]>) -> String {
    strings.into_iter().map(quoted).collect::<Vec<_>>().join(" ")
}

fn generic_text(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "\\# 0".to_owned()
    } else {
        format!("\\# {} {}", bytes.len(), hex(bytes))
    }
}

fn tlsa_text(tlsa: &TLSA) -> String {
    format!(
        "{} {} {} {}",
        u8::from(tlsa.cert_usage),
        u8::from(tlsa.selector),
        u8::from(tlsa.matching),
        hex(&tlsa.cert_data)
    )
}

/// The presentation form of the types kept as [`RData::Unknown`].
fn unknown_text(code: u16, bytes: &[u8]) -> Option<String> {
    match code {
        39 => name_from_wire(bytes).map(|name| name_text(&name)),
        43 if bytes.len() > 4 => Some(format!(
            "{} {} {} {}",
            u16::from_be_bytes([bytes[0], bytes[1]]),
            bytes[2],
            bytes[3],
            hex(&bytes[4..])
        )),
        99 => strings_from_wire(bytes).map(strings_text),
        _ => None,
    }
}

/// The presentation form of RDATA.
pub fn data_text(data: &RData) -> String {
    match data {
        RData::A(a) => a.0.to_string(),
        RData::AAAA(aaaa) => aaaa.0.to_string(),
        RData::NS(ns) => name_text(&ns.0),
        RData::CNAME(cname) => name_text(&cname.0),
        RData::PTR(ptr) => name_text(&ptr.0),
        RData::MX(mx) => format!("{} {}", mx.preference, name_text(&mx.exchange)),
        RData::SOA(soa) => {
            let unsigned = |value: i32| u32::from_ne_bytes(value.to_ne_bytes());
            format!(
                "{} {} {} {} {} {} {}",
                name_text(&soa.mname),
                name_text(&soa.rname),
                soa.serial,
                unsigned(soa.refresh),
                unsigned(soa.retry),
                unsigned(soa.expire),
                soa.minimum
            )
        }
        RData::TXT(txt)
            if !txt.txt_data.is_empty() && txt.txt_data.iter().all(|s| s.len() <= 255) =>
        {
            strings_text(txt.txt_data.iter().map(AsRef::as_ref))
        }
        RData::SRV(srv) => {
            format!("{} {} {} {}", srv.priority, srv.weight, srv.port, name_text(&srv.target))
        }
        RData::CAA(caa)
            if !caa.tag.is_empty()
                && caa.tag.len() <= 15
                && caa.tag.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            format!("{} {} {}", caa.flags(), caa.tag, quoted(&caa.value))
        }
        RData::NAPTR(naptr)
            if naptr.flags.iter().all(u8::is_ascii_alphanumeric)
                && naptr.flags.len() <= 255
                && naptr.services.len() <= 255
                && naptr.regexp.len() <= 255 =>
        {
            format!(
                "{} {} {} {} {} {}",
                naptr.order,
                naptr.preference,
                quoted(&naptr.flags),
                quoted(&naptr.services),
                quoted(&naptr.regexp),
                name_text(&naptr.replacement)
            )
        }
        RData::HINFO(hinfo) if hinfo.cpu.len() <= 255 && hinfo.os.len() <= 255 => {
            format!("{} {}", quoted(&hinfo.cpu), quoted(&hinfo.os))
        }
        RData::SSHFP(sshfp) if !sshfp.fingerprint.is_empty() => format!(
            "{} {} {}",
            u8::from(sshfp.algorithm),
            u8::from(sshfp.fingerprint_type),
            hex(&sshfp.fingerprint)
        ),
        RData::TLSA(tlsa) if !tlsa.cert_data.is_empty() => tlsa_text(tlsa),
        RData::SMIMEA(smimea) if !smimea.0.cert_data.is_empty() => tlsa_text(&smimea.0),
        RData::OPENPGPKEY(key) if !key.public_key.is_empty() => base64_encode(&key.public_key),
        RData::SVCB(svcb) if check_svc_params(&svcb.svc_params).is_ok() => svcb_text(svcb),
        RData::HTTPS(https) if check_svc_params(&https.0.svc_params).is_ok() => svcb_text(&https.0),
        RData::Unknown { code, rdata } => unknown_text(u16::from(*code), &rdata.anything)
            .unwrap_or_else(|| generic_text(&rdata.anything)),
        other => generic_text(&wire(other, false).unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn record_limit_is_enforced_before_parsing() {
        let text = "$ORIGIN example.com.\n".to_owned() + &"a 60 A 192.0.2.1\n".repeat(30);
        let errors = parse_limited(&text, None, 10).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 12);
        assert!(errors[0].message.contains("more than 10 records"));
    }

    #[test]
    fn record_limit_is_enforced_while_parsing_small_files() {
        let text = "a 60 A 192.0.2.1\n".repeat(12);
        let errors = parse_limited(&text, Some("example.com"), 10).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|error| error.line == 11 && error.message.contains("more than 10 records"))
        );
    }

    #[test]
    fn base64_round_trips() {
        for len in 0..20 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(base64_decode(&base64_encode(&bytes)).unwrap(), bytes);
        }
        assert!(base64_decode("A").is_none());
        assert!(base64_decode("AA=A").is_none());
        assert!(base64_decode("AA*A").is_none());
    }

    #[test]
    fn ttl_units() {
        assert_eq!(parse_ttl("1h30m", MAX_TTL, "TTL").unwrap(), 5400);
        assert_eq!(parse_ttl("1W2d", MAX_TTL, "TTL").unwrap(), 777_600);
        assert!(parse_ttl("1h30", MAX_TTL, "TTL").is_err());
        assert!(parse_ttl("2147483648", MAX_TTL, "TTL").is_err());
        assert!(parse_ttl("99999999999999999999999999", MAX_TTL, "TTL").is_err());
        assert!(parse_ttl("h", MAX_TTL, "TTL").is_err());
    }
}
