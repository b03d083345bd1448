//! HTTP-shaped message heads (SSDP and the Fujifilm text exchanges): a start line and headers.
//!
//! `httparse` does the parsing. Two things it does not do are added here: messages that end
//! without the blank line (Fujifilm bodies and libfuji send none, and a UDP datagram has no more
//! bytes to wait for), and owned, case-insensitive header lookup.

use crate::error::{ErrorKind, ParseError};

/// The most headers a message may have.
const MAX_HEADERS: usize = 48;

/// The start line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Start {
    /// `METHOD target HTTP/1.x`.
    Request {
        /// The method, as sent (`M-SEARCH`, `NOTIFY`, `DISCOVER`…).
        method: String,
        /// The request target (`*`, `/guest`, `desktop`).
        target: String,
    },
    /// `HTTP/1.x code reason`.
    Response {
        /// The status code.
        code: u16,
    },
}

/// A parsed head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    pub(crate) start: Start,
    /// The headers in order, names as sent.
    pub(crate) headers: Vec<(String, String)>,
}

impl Head {
    /// The first header named `name` (ASCII case-insensitive), trimmed.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    }

    /// The header `name`, or a [`ErrorKind::Missing`] error naming it.
    pub(crate) fn need(&self, what: &'static str, name: &'static str) -> Result<&str, ParseError> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ParseError::missing(what, name))
    }

    /// The method of a request, `None` for a response.
    pub(crate) fn method(&self) -> Option<&str> {
        match &self.start {
            Start::Request { method, .. } => Some(method),
            Start::Response { .. } => None,
        }
    }
}

/// Parses the head of `bytes` (at most `max` bytes). A head without its final blank line is
/// accepted; bytes after the blank line (a body) are ignored.
pub(crate) fn parse(what: &'static str, bytes: &[u8], max: usize) -> Result<Head, ParseError> {
    ParseError::check_len(what, bytes.len(), max)?;
    if let Some(head) = parse_once(what, bytes)? {
        return Ok(head);
    }
    // Ends with its last header line (or inside it, without its line end): close it.
    let mut closed = bytes.to_vec();
    if !closed.ends_with(b"\n") {
        closed.extend_from_slice(b"\r\n");
    }
    closed.extend_from_slice(b"\r\n");
    parse_once(what, &closed)?.ok_or_else(|| ParseError::truncated(what))
}

/// One `httparse` pass: `None` when the head is incomplete.
fn parse_once(what: &'static str, bytes: &[u8]) -> Result<Option<Head>, ParseError> {
    let err = |e: httparse::Error| match e {
        httparse::Error::TooManyHeaders => ParseError::new(
            what,
            ErrorKind::TooLarge {
                len: MAX_HEADERS + 1,
                max: MAX_HEADERS,
            },
        ),
        e => ParseError::syntax(what, e),
    };
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    if bytes.starts_with(b"HTTP/") {
        let mut r = httparse::Response::new(&mut headers);
        if r.parse(bytes).map_err(err)?.is_partial() {
            return Ok(None);
        }
        let code = r.code.ok_or_else(|| ParseError::truncated(what))?;
        return Ok(Some(Head {
            start: Start::Response { code },
            headers: owned(what, r.headers)?,
        }));
    }
    let mut r = httparse::Request::new(&mut headers);
    if r.parse(bytes).map_err(err)?.is_partial() {
        return Ok(None);
    }
    let (Some(method), Some(target)) = (r.method, r.path) else {
        return Err(ParseError::truncated(what));
    };
    Ok(Some(Head {
        start: Start::Request {
            method: method.to_owned(),
            target: target.to_owned(),
        },
        headers: owned(what, r.headers)?,
    }))
}

fn owned(
    what: &'static str,
    headers: &[httparse::Header<'_>],
) -> Result<Vec<(String, String)>, ParseError> {
    headers
        .iter()
        .map(|h| {
            let value = std::str::from_utf8(h.value)
                .map_err(|_| ParseError::new(what, ErrorKind::NotText))?;
            Ok((h.name.to_owned(), value.to_owned()))
        })
        .collect()
}
