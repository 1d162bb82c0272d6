//! Reads the few fields a lookup needs straight from a MaxMind DB data section.
//!
//! `maxminddb`'s serde decoder is general and careful, and spends most of its time skipping
//! the fields a location does not need (names in many languages, time zones, postal codes).
//! This walker reads the MaxMind DB data format (specification version 2.0) directly: it
//! skips unwanted values by their sizes without looking inside, follows a pointer only where
//! it reads a value, borrows strings, and never allocates. Every read is bounds-checked, and
//! corrupt data gives an error, never a panic or a loop: skipping never follows pointers, so
//! it only moves forward, and it keeps a count instead of recursing into nested values.
//!
//! [`GeoDb::add`](crate::GeoDb::add) reads each record once with it, when it builds the
//! lookup tables (see `index.rs`); lookups never decode.

/// Corrupt data, with a static description (no allocation on the query path).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Corrupt(pub(crate) &'static str);

type Result<T> = std::result::Result<T, Corrupt>;

const POINTER: u8 = 1;
const STRING: u8 = 2;
const DOUBLE: u8 = 3;
const UINT16: u8 = 5;
const UINT32: u8 = 6;
const MAP: u8 = 7;
const INT32: u8 = 8;
const UINT64: u8 = 9;
const ARRAY: u8 = 11;
const DATA_CACHE: u8 = 12;
const END_MARKER: u8 = 13;
const BOOLEAN: u8 = 14;
const FLOAT: u8 = 15;

/// A value's control information.
#[derive(Clone, Copy, Debug)]
struct Header {
    kind: u8,
    /// Payload size (entries for maps and arrays, the value for booleans, the target offset
    /// for pointers).
    size: usize,
    /// Where the payload starts (for pointers: the position after the pointer).
    payload: usize,
}

/// The location fields of a record, as raw bytes borrowed from the database.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Fields<'a> {
    /// `continent.code` (GeoIP2) or `continent_code` (flat).
    pub(crate) continent: Option<&'a [u8]>,
    /// `country.iso_code` or `country_code`.
    pub(crate) country: Option<&'a [u8]>,
    /// `registered_country.iso_code` (GeoIP2 only).
    pub(crate) registered_country: Option<&'a [u8]>,
    /// `subdivisions[0].iso_code` (GeoIP2) or `state1` (flat).
    pub(crate) subdivision: Option<&'a [u8]>,
    /// `location.latitude` or `latitude`.
    pub(crate) latitude: Option<f64>,
    /// `location.longitude` or `longitude`.
    pub(crate) longitude: Option<f64>,
}

/// A data section: pointers and record offsets count from its start.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Data<'a> {
    bytes: &'a [u8],
}

impl<'a> Data<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Data<'a> {
        Data { bytes }
    }

    /// Reads a GeoIP2 City / Country record at `offset`.
    pub(crate) fn geoip2(self, offset: usize) -> Result<Fields<'a>> {
        let mut fields = Fields::default();
        let (entries, mut at) = self.map_at(offset)?;
        for _ in 0..entries {
            let (key, value) = self.key_at(at)?;
            match key {
                b"continent" => fields.continent = self.string_in(value, b"code")?,
                b"country" => fields.country = self.string_in(value, b"iso_code")?,
                b"registered_country" => {
                    fields.registered_country = self.string_in(value, b"iso_code")?;
                }
                b"subdivisions" => {
                    let (len, first) = self.array_at(value)?;
                    if len > 0 {
                        fields.subdivision = self.string_in(first, b"iso_code")?;
                    }
                }
                b"location" => {
                    let (entries, mut at) = self.map_at(value)?;
                    for _ in 0..entries {
                        let (key, value) = self.key_at(at)?;
                        at = match key {
                            b"latitude" => self.number_at(value, &mut fields.latitude)?,
                            b"longitude" => self.number_at(value, &mut fields.longitude)?,
                            _ => self.skip(value)?,
                        };
                    }
                }
                _ => {}
            }
            at = self.skip(value)?;
        }
        Ok(fields)
    }

    /// Reads a flat (DB-IP style) record at `offset`; empty strings count as missing.
    pub(crate) fn flat(self, offset: usize) -> Result<Fields<'a>> {
        let mut fields = Fields::default();
        let (entries, mut at) = self.map_at(offset)?;
        for _ in 0..entries {
            let (key, value) = self.key_at(at)?;
            at = match key {
                b"continent_code" => self.string_value_at(value, &mut fields.continent)?,
                b"country_code" => self.string_value_at(value, &mut fields.country)?,
                b"state1" => self.string_value_at(value, &mut fields.subdivision)?,
                b"latitude" => self.number_at(value, &mut fields.latitude)?,
                b"longitude" => self.number_at(value, &mut fields.longitude)?,
                _ => self.skip(value)?,
            };
        }
        fields.continent = fields.continent.filter(|s| !s.is_empty());
        fields.country = fields.country.filter(|s| !s.is_empty());
        fields.subdivision = fields.subdivision.filter(|s| !s.is_empty());
        Ok(fields)
    }

    fn byte(self, at: usize) -> Result<u8> {
        self.bytes.get(at).copied().ok_or(Corrupt("a value runs past the data section"))
    }

    fn slice(self, at: usize, len: usize) -> Result<&'a [u8]> {
        at.checked_add(len)
            .and_then(|end| self.bytes.get(at..end))
            .ok_or(Corrupt("a value runs past the data section"))
    }

    /// Big-endian unsigned integer of `bytes.len()` <= 8 bytes.
    fn be(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0, |acc, b| (acc << 8) | u64::from(*b))
    }

    #[inline]
    fn header(self, at: usize) -> Result<Header> {
        let control = self.byte(at)?;
        let mut kind = control >> 5;
        let mut next = at + 1;
        if kind == POINTER {
            let size_bits = (control >> 3) & 3;
            let len = usize::from(size_bits) + 1;
            let tail = Data::be(self.slice(next, len)?);
            let high = u64::from(control & 7);
            let target = match size_bits {
                0 => (high << 8) | tail,
                1 => ((high << 16) | tail) + 2048,
                2 => ((high << 24) | tail) + 526_336,
                _ => tail,
            };
            let size = usize::try_from(target).map_err(|_| Corrupt("pointer out of range"))?;
            return Ok(Header { kind, size, payload: next + len });
        }
        if kind == 0 {
            let extended = self.byte(next)?;
            next += 1;
            kind = extended
                .checked_add(7)
                .filter(|k| (8..=FLOAT).contains(k))
                .ok_or(Corrupt("unknown extended data type"))?;
        }
        let size = match control & 0x1f {
            s @ 0..=28 => usize::from(s),
            29 => 29 + usize::from(self.byte(next)?),
            30 => 285 + Data::be(self.slice(next, 2)?) as usize,
            _ => 65_821 + Data::be(self.slice(next, 3)?) as usize,
        };
        next += match control & 0x1f {
            29 => 1,
            30 => 2,
            31 => 3,
            _ => 0,
        };
        Ok(Header { kind, size, payload: next })
    }

    /// The header of the value at `at`, following one pointer.
    fn resolve(self, at: usize) -> Result<Header> {
        let header = self.header(at)?;
        if header.kind != POINTER {
            return Ok(header);
        }
        let target = self.header(header.size)?;
        if target.kind == POINTER {
            return Err(Corrupt("a pointer points to a pointer"));
        }
        Ok(target)
    }

    /// The position just after the value at `at` (a pointer counts as its own bytes).
    ///
    /// Iterative: it counts the values still to pass instead of recursing, so nesting costs
    /// no stack, and every step moves forward by at least a byte, so corrupt sizes end in an
    /// error at the end of the data rather than in a long loop.
    fn skip(self, at: usize) -> Result<usize> {
        let mut pending: usize = 1;
        let mut at = at;
        while pending > 0 {
            pending -= 1;
            let h = self.header(at)?;
            at = match h.kind {
                POINTER | BOOLEAN => h.payload,
                MAP => {
                    pending = pending.saturating_add(h.size.saturating_mul(2));
                    h.payload
                }
                ARRAY => {
                    pending = pending.saturating_add(h.size);
                    h.payload
                }
                DATA_CACHE | END_MARKER => {
                    return Err(Corrupt("a data cache or end marker in the data"));
                }
                _ => h
                    .payload
                    .checked_add(h.size)
                    .filter(|end| *end <= self.bytes.len())
                    .ok_or(Corrupt("a value runs past the data section"))?,
            };
        }
        Ok(at)
    }

    /// The value at `at` with one pointer followed, and the position after the value
    /// (after the pointer, for a pointer). Only for scalars: containers are not skipped.
    #[inline]
    fn scalar_at(self, at: usize) -> Result<(Header, usize)> {
        let h = self.header(at)?;
        if h.kind == POINTER {
            let target = self.header(h.size)?;
            if target.kind == POINTER {
                return Err(Corrupt("a pointer points to a pointer"));
            }
            return Ok((target, h.payload));
        }
        let end = h.payload.checked_add(h.size).filter(|end| *end <= self.bytes.len());
        Ok((h, end.ok_or(Corrupt("a value runs past the data section"))?))
    }

    /// A map key (a string, perhaps through a pointer) and the position of its value.
    #[inline]
    fn key_at(self, at: usize) -> Result<(&'a [u8], usize)> {
        let (h, next) = self.scalar_at(at)?;
        if h.kind != STRING {
            return Err(Corrupt("expected a string"));
        }
        Ok((self.slice(h.payload, h.size)?, next))
    }

    fn string_at(self, at: usize) -> Result<&'a [u8]> {
        self.key_at(at).map(|(s, _)| s)
    }

    /// Reads a string into `out`; returns the position after it.
    fn string_value_at(self, at: usize, out: &mut Option<&'a [u8]>) -> Result<usize> {
        let (s, next) = self.key_at(at)?;
        *out = Some(s);
        Ok(next)
    }

    /// Reads a number into `out`; returns the position after it.
    fn number_at(self, at: usize, out: &mut Option<f64>) -> Result<usize> {
        let (h, next) = self.scalar_at(at)?;
        let bytes = self.slice(h.payload, h.size)?;
        *out = Some(match (h.kind, bytes.len()) {
            (DOUBLE, 8) => f64::from_bits(Data::be(bytes)),
            (FLOAT, 4) => f64::from(f32::from_bits(Data::be(bytes) as u32)),
            (UINT16 | UINT32 | UINT64, 0..=8) => Data::be(bytes) as f64,
            // Shorter encodings are zero-padded, not sign-extended.
            (INT32, 0..=4) => f64::from(Data::be(bytes) as u32 as i32),
            _ => return Err(Corrupt("expected a number")),
        });
        Ok(next)
    }

    fn map_at(self, at: usize) -> Result<(usize, usize)> {
        let h = self.resolve(at)?;
        if h.kind != MAP {
            return Err(Corrupt("expected a map"));
        }
        Ok((h.size, h.payload))
    }

    fn array_at(self, at: usize) -> Result<(usize, usize)> {
        let h = self.resolve(at)?;
        if h.kind != ARRAY {
            return Err(Corrupt("expected an array"));
        }
        Ok((h.size, h.payload))
    }

    /// The string under `key` in the map at `at`, if there is one.
    fn string_in(self, at: usize, key: &[u8]) -> Result<Option<&'a [u8]>> {
        let (entries, mut at) = self.map_at(at)?;
        for _ in 0..entries {
            let (k, value) = self.key_at(at)?;
            if k == key {
                return self.string_at(value).map(Some);
            }
            at = self.skip(value)?;
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(bytes: &[u8]) -> Data<'_> {
        Data::new(bytes)
    }

    #[test]
    fn decodes_scalars_and_sizes() {
        let number = |bytes: &[u8]| {
            let mut n = None;
            data(bytes).number_at(0, &mut n).map(|_| n.unwrap())
        };
        // "ab" as a string; a 29+ byte string uses one size byte.
        assert_eq!(data(&[0x42, b'a', b'b']).string_at(0), Ok(&b"ab"[..]));
        let mut long = vec![0x5d, 1];
        long.extend([b'x'; 30]);
        assert_eq!(data(&long).string_at(0).map(<[u8]>::len), Ok(30));
        // Double 1.5, float -2.5 (extended type 15 = 7 + 8), uint16 300, int32s.
        let mut d = vec![0x68];
        d.extend(1.5f64.to_be_bytes());
        assert_eq!(number(&d), Ok(1.5));
        let mut f = vec![0x04, 0x08];
        f.extend((-2.5f32).to_be_bytes());
        assert_eq!(number(&f), Ok(-2.5));
        assert_eq!(number(&[0xa2, 0x01, 0x2c]), Ok(300.0));
        assert_eq!(number(&[0x01, 0x01, 0xff]), Ok(255.0));
        assert_eq!(number(&[0x04, 0x01, 0xff, 0xff, 0xff, 0xff]), Ok(-1.0));
        assert_eq!(number(&[0x04, 0x01, 0x00, 0x00, 0x01, 0x00]), Ok(256.0));
    }

    #[test]
    fn follows_pointers_when_reading_not_when_skipping() {
        // 0: "GB"; 3: pointer to 0; 5: map {pointer->"GB": pointer->"GB"}.
        let bytes = [0x42, b'G', b'B', 0x20, 0x00, 0xe1, 0x20, 0x00, 0x20, 0x00];
        let d = data(&bytes);
        assert_eq!(d.string_at(3), Ok(&b"GB"[..]));
        assert_eq!(d.skip(3), Ok(5));
        assert_eq!(d.skip(5), Ok(10));
        assert_eq!(d.string_in(5, b"GB"), Ok(Some(&b"GB"[..])));
        assert_eq!(d.string_in(5, b"US"), Ok(None));
        // A pointer to a pointer is refused.
        assert!(data(&[0x20, 0x02, 0x20, 0x00]).string_at(0).is_err());
    }

    #[test]
    fn corrupt_data_is_an_error_not_a_panic() {
        let cases: [&[u8]; 8] = [
            &[],
            &[0x45, b'a'],             // string longer than the data
            &[0x5f, 0xff, 0xff],       // truncated size bytes
            &[0x00, 0x05],             // data cache container
            &[0x00, 0x20],             // extended type past 15
            &[0x27, 0xff, 0xff],       // pointer past the data
            &[0xff, 0xff, 0xff, 0xff], // map of 16 million entries, truncated
            &[0x00, 0x04, 0x00],       // empty array, then garbage is fine ...
        ];
        for bytes in &cases[..7] {
            let d = data(bytes);
            assert!(d.flat(0).is_err() && d.geoip2(0).is_err(), "{bytes:?}");
        }
        // ... but an array is not a record.
        assert_eq!(data(cases[7]).flat(0), Err(Corrupt("expected a map")));
        // Deep nesting costs no stack: 100 000 maps of one entry, each the value of the last.
        let mut deep = Vec::new();
        for _ in 0..100_000 {
            deep.extend([0xe1, 0x41, b'k']);
        }
        deep.push(0x40);
        assert_eq!(data(&deep).skip(0), Ok(deep.len()));
        deep.pop();
        assert_eq!(data(&deep).skip(0), Err(Corrupt("a value runs past the data section")));
    }
}
