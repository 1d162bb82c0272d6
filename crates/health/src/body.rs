//! The string-match part of a probe: decode the body (identity, gzip or deflate) into a buffer
//! of at most [`SEARCH_WINDOW`] bytes and look for the search string in it.
//!
//! Memory is bounded: the decoded buffer never grows past the window (excess output is
//! discarded as it is produced), compressed input is fed in small slices so that a
//! decompression bomb costs at most one slice's expansion before the window check stops it,
//! and at most [`MAX_COMPRESSED`] compressed bytes are accepted.

use std::io::{self, Write};

use flate2::write::{DeflateDecoder, GzDecoder, ZlibDecoder};

/// Route 53 looks for the search string in the first 5,120 bytes of the (decoded) body.
pub const SEARCH_WINDOW: usize = 5120;

/// The most compressed bytes read while looking for the window's worth of decoded bytes
/// (a gzip header may carry long optional fields; real bodies need far less).
pub const MAX_COMPRESSED: usize = 256 * 1024;

/// Compressed input is fed to the decoder this many bytes at a time.
const SLICE: usize = 1024;

/// What the search knows after some more body bytes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Progress {
    /// The string is in the window.
    Found,
    /// The window is full (or the compressed input limit is reached) without the string.
    NotFound,
    /// More body is needed.
    More,
}

/// A writer that keeps the first `SEARCH_WINDOW` bytes written and discards the rest.
#[derive(Debug, Default)]
struct Window {
    buf: Vec<u8>,
}

impl Write for Window {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = SEARCH_WINDOW.saturating_sub(self.buf.len());
        self.buf.extend_from_slice(&data[..data.len().min(room)]);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

enum Decoder {
    Identity(Window),
    Gzip(Box<GzDecoder<Window>>),
    Zlib(Box<ZlibDecoder<Window>>),
    Raw(Box<DeflateDecoder<Window>>),
    /// `deflate` is zlib-wrapped by the RFC but raw in some servers: wait for two bytes.
    DeflateUndecided(Vec<u8>),
}

/// Incremental search for a string in the first [`SEARCH_WINDOW`] decoded body bytes.
pub(crate) struct Search {
    needle: Vec<u8>,
    decoder: Decoder,
    encoding: &'static str,
    compressed: usize,
}

/// The body's content coding, as far as the search cares.
pub(crate) fn coding(content_encoding: Option<&[u8]>) -> &'static str {
    let Some(value) = content_encoding else { return "identity" };
    let value = String::from_utf8_lossy(value).trim().to_ascii_lowercase();
    match value.as_str() {
        "gzip" | "x-gzip" => "gzip",
        "deflate" => "deflate",
        // Other codings (br, zstd, stacked codings) are searched as they are: like Route 53,
        // they almost always fail.
        _ => "identity",
    }
}

impl Search {
    /// A search for `needle` in a body with the given coding (see [`coding`]).
    pub(crate) fn new(needle: &[u8], encoding: &'static str) -> Search {
        let decoder = match encoding {
            "gzip" => Decoder::Gzip(Box::new(GzDecoder::new(Window::default()))),
            "deflate" => Decoder::DeflateUndecided(Vec::new()),
            _ => Decoder::Identity(Window::default()),
        };
        Search { needle: needle.to_vec(), decoder, encoding, compressed: 0 }
    }

    /// The content coding being decoded, for reasons.
    pub(crate) fn encoding(&self) -> &'static str {
        self.encoding
    }

    /// Feeds more body bytes. An error is a decoding error (the body is not valid gzip/deflate).
    pub(crate) fn feed(&mut self, mut data: &[u8]) -> io::Result<Progress> {
        if let Decoder::Identity(w) = &mut self.decoder {
            w.write_all(data)?;
            return Ok(self.progress());
        }
        if let Decoder::DeflateUndecided(pending) = &mut self.decoder {
            let take = data.len().min(2usize.saturating_sub(pending.len()));
            pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if pending.len() < 2 {
                return Ok(Progress::More);
            }
            let head = std::mem::take(pending);
            self.decoder = if is_zlib_header(head[0], head[1]) {
                Decoder::Zlib(Box::new(ZlibDecoder::new(Window::default())))
            } else {
                Decoder::Raw(Box::new(DeflateDecoder::new(Window::default())))
            };
            self.compressed = 0;
            if let p @ (Progress::Found | Progress::NotFound) = self.feed_compressed(&head)? {
                return Ok(p);
            }
        }
        self.feed_compressed(data)
    }

    /// The body ended: flushes the decoder and reports what the search saw.
    pub(crate) fn finish(&mut self) -> io::Result<Progress> {
        match &mut self.decoder {
            Decoder::Identity(_) => {}
            Decoder::Gzip(d) => d.try_finish()?,
            Decoder::Zlib(d) => d.try_finish()?,
            Decoder::Raw(d) => d.try_finish()?,
            Decoder::DeflateUndecided(pending) => {
                if !pending.is_empty() {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "truncated body"));
                }
            }
        }
        Ok(match self.progress() {
            Progress::Found => Progress::Found,
            _ => Progress::NotFound,
        })
    }

    fn feed_compressed(&mut self, data: &[u8]) -> io::Result<Progress> {
        for slice in data.chunks(SLICE) {
            self.compressed = self.compressed.saturating_add(slice.len());
            match &mut self.decoder {
                Decoder::Gzip(d) => {
                    d.write_all(slice)?;
                    d.flush()?;
                }
                Decoder::Zlib(d) => {
                    d.write_all(slice)?;
                    d.flush()?;
                }
                Decoder::Raw(d) => {
                    d.write_all(slice)?;
                    d.flush()?;
                }
                Decoder::Identity(_) | Decoder::DeflateUndecided(_) => {}
            }
            match self.progress() {
                Progress::More if self.compressed >= MAX_COMPRESSED => {
                    return Ok(Progress::NotFound);
                }
                Progress::More => {}
                done => return Ok(done),
            }
        }
        Ok(self.progress())
    }

    fn window(&self) -> &[u8] {
        match &self.decoder {
            Decoder::Identity(w) => &w.buf,
            Decoder::Gzip(d) => &d.get_ref().buf,
            Decoder::Zlib(d) => &d.get_ref().buf,
            Decoder::Raw(d) => &d.get_ref().buf,
            Decoder::DeflateUndecided(_) => &[],
        }
    }

    fn progress(&self) -> Progress {
        let window = self.window();
        if contains(window, &self.needle) {
            Progress::Found
        } else if window.len() >= SEARCH_WINDOW {
            Progress::NotFound
        } else {
            Progress::More
        }
    }
}

fn is_zlib_header(cmf: u8, flg: u8) -> bool {
    cmf & 0x0f == 8 && (u16::from(cmf) * 256 + u16::from(flg)).is_multiple_of(31)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use flate2::Compression;

    fn compress(kind: &str, data: &[u8]) -> Vec<u8> {
        match kind {
            "gzip" => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            "zlib" => {
                let mut e = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            _ => {
                let mut e = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
        }
    }

    fn run(encoding: &'static str, body: &[u8], needle: &str, chunk: usize) -> Progress {
        let mut s = Search::new(needle.as_bytes(), encoding);
        for c in body.chunks(chunk.max(1)) {
            match s.feed(c).unwrap() {
                Progress::More => {}
                p => return p,
            }
        }
        s.finish().unwrap()
    }

    #[test]
    fn identity_window() {
        assert_eq!(run("identity", b"hello world", "world", 3), Progress::Found);
        assert_eq!(run("identity", b"hello world", "World", 3), Progress::NotFound);
        let mut body = vec![b'a'; SEARCH_WINDOW - 5];
        body.extend_from_slice(b"needle");
        assert_eq!(run("identity", &body, "needle", 1000), Progress::NotFound);
        let mut body = vec![b'a'; SEARCH_WINDOW - 6];
        body.extend_from_slice(b"needle");
        assert_eq!(run("identity", &body, "needle", 7), Progress::Found);
    }

    #[test]
    fn compressed_bodies() {
        let text = b"<html>status: ALL GOOD</html>";
        for chunk in [1, 2, 5, 4096] {
            assert_eq!(run("gzip", &compress("gzip", text), "ALL GOOD", chunk), Progress::Found);
            assert_eq!(run("deflate", &compress("zlib", text), "ALL GOOD", chunk), Progress::Found);
            assert_eq!(run("deflate", &compress("raw", text), "ALL GOOD", chunk), Progress::Found);
            assert_eq!(run("gzip", &compress("gzip", text), "BAD", chunk), Progress::NotFound);
        }
    }

    #[test]
    fn bomb_is_bounded() {
        // 20 MB of zeros compresses to ~20 KB; the search stops once the window is full.
        let zeros = vec![0u8; 20 * 1024 * 1024];
        let gz = compress("gzip", &zeros);
        let mut s = Search::new(b"x", "gzip");
        let mut fed = 0;
        let mut result = Progress::More;
        for c in gz.chunks(16 * 1024) {
            fed += c.len();
            result = s.feed(c).unwrap();
            if result != Progress::More {
                break;
            }
        }
        assert_eq!(result, Progress::NotFound);
        assert!(fed <= 16 * 1024);
        assert!(s.window().len() <= SEARCH_WINDOW);
    }

    #[test]
    fn corrupt_gzip_is_an_error() {
        let mut s = Search::new(b"x", "gzip");
        assert!(s.feed(b"this is not gzip at all, not even close").is_err());
    }

    #[test]
    fn codings() {
        assert_eq!(coding(None), "identity");
        assert_eq!(coding(Some(b" GZIP ")), "gzip");
        assert_eq!(coding(Some(b"deflate")), "deflate");
        assert_eq!(coding(Some(b"br")), "identity");
    }
}
