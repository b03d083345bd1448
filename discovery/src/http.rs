//! The little HTTP that device descriptions travel over: a GET and its answer's head.
//!
//! The socket code (in the CLI) reads at most [`MAX_HEAD`] bytes of head and the body the
//! answer's `Content-Length` announces, up to [`crate::description::MAX_DESCRIPTION`].

use crate::error::{ErrorKind, ParseError};

/// The largest request or response head read.
pub const MAX_HEAD: usize = 8 * 1024;

/// A `GET path HTTP/1.x` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Get {
    /// The path asked for.
    pub path: String,
}

/// The head of an HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// The status code.
    pub code: u16,
    /// `Content-Length`, if given.
    pub content_length: Option<usize>,
    /// How many bytes the head takes (the body starts there).
    pub head_len: usize,
}

/// Whether `bytes` hold a whole head (up to and including the blank line).
#[must_use]
pub fn head_complete(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| bytes.windows(2).position(|w| w == b"\n\n").map(|i| i + 2))
}

/// Parses a GET request's head.
///
/// # Errors
/// Incomplete, too large, not HTTP, or another method.
pub fn parse_get(bytes: &[u8]) -> Result<Get, ParseError> {
    const WHAT: &str = "HTTP request";
    ParseError::check_len(WHAT, bytes.len(), MAX_HEAD)?;
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut r = httparse::Request::new(&mut headers);
    match r.parse(bytes) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err(ParseError::truncated(WHAT)),
        Err(e) => return Err(ParseError::syntax(WHAT, e)),
    }
    match (r.method, r.path) {
        (Some("GET" | "HEAD"), Some(path)) => Ok(Get {
            path: path.to_owned(),
        }),
        (Some(m), _) => Err(ParseError::unexpected(WHAT, "GET", m)),
        _ => Err(ParseError::truncated(WHAT)),
    }
}

/// Parses an answer's head.
///
/// # Errors
/// Incomplete, too large, not HTTP, or a `Content-Length` that is not a number.
pub fn parse_response_head(bytes: &[u8]) -> Result<ResponseHead, ParseError> {
    const WHAT: &str = "HTTP response";
    let end = head_complete(bytes).ok_or_else(|| {
        if bytes.len() > MAX_HEAD {
            ParseError::new(
                WHAT,
                ErrorKind::TooLarge {
                    len: bytes.len(),
                    max: MAX_HEAD,
                },
            )
        } else {
            ParseError::truncated(WHAT)
        }
    })?;
    ParseError::check_len(WHAT, end, MAX_HEAD)?;
    let mut headers = [httparse::EMPTY_HEADER; 48];
    let mut r = httparse::Response::new(&mut headers);
    let head_len = match r.parse(&bytes[..end]) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Err(ParseError::truncated(WHAT)),
        Err(e) => return Err(ParseError::syntax(WHAT, e)),
    };
    let code = r.code.ok_or_else(|| ParseError::truncated(WHAT))?;
    let content_length = r
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .map(|h| {
            let v = String::from_utf8_lossy(h.value);
            v.trim()
                .parse::<usize>()
                .map_err(|_| ParseError::bad(WHAT, "Content-Length", &v))
        })
        .transpose()?;
    Ok(ResponseHead {
        code,
        content_length,
        head_len,
    })
}

/// A GET request for `path` on `authority` (`host:port`).
#[must_use]
pub fn get_request(authority: &str, path: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nAccept: text/xml\r\n\r\n"
    )
    .into_bytes()
}

/// An answer with `body` (XML) and extra headers (`Server`…).
#[must_use]
pub fn xml_response(body: &str, server: Option<&str>) -> Vec<u8> {
    let mut s = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=\"utf-8\"\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(server) = server {
        s.push_str(&format!("Server: {server}\r\n"));
    }
    s.push_str("\r\n");
    s.push_str(body);
    s.into_bytes()
}

/// A `404 Not Found` answer.
#[must_use]
pub fn not_found() -> Vec<u8> {
    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
}
