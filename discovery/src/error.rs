//! The one error type of every parser in this crate.

use std::fmt;

/// Why a discovery message was not understood.
///
/// Every parser returns one of these instead of panicking; the network code that calls them logs
/// it at debug level and drops the message (a camera on the network speaking something else is no
/// reason to stop listening).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The kind of message being parsed ("SSDP message", "device description", …).
    pub what: &'static str,
    /// What was wrong.
    pub kind: ErrorKind,
}

/// What was wrong with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The message ends before it is complete (or is empty).
    Truncated,
    /// The message is larger than any real one, so it is not read.
    TooLarge {
        /// Its size in bytes (or items).
        len: usize,
        /// The largest accepted.
        max: usize,
    },
    /// Bytes that must be text are not UTF-8.
    NotText,
    /// The message is of another kind (another method, status or record type).
    Unexpected {
        /// What the parser accepts.
        expected: &'static str,
        /// What it found (shortened).
        found: String,
    },
    /// A field the message needs is not there.
    Missing(&'static str),
    /// A field is there but its value is unusable.
    BadValue {
        /// The field.
        field: &'static str,
        /// Its value (shortened).
        value: String,
    },
    /// The bytes are not the syntax they should be (reported by the underlying parser).
    Syntax(String),
}

/// At most this many characters of a foreign value go into an error.
const SHOWN: usize = 48;

/// `s`, cut to [`SHOWN`] characters, for an error message.
pub(crate) fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(SHOWN).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

impl ParseError {
    /// An error of `kind` in a `what`.
    #[must_use]
    pub const fn new(what: &'static str, kind: ErrorKind) -> Self {
        Self { what, kind }
    }

    pub(crate) const fn truncated(what: &'static str) -> Self {
        Self::new(what, ErrorKind::Truncated)
    }

    pub(crate) fn missing(what: &'static str, field: &'static str) -> Self {
        Self::new(what, ErrorKind::Missing(field))
    }

    pub(crate) fn bad(what: &'static str, field: &'static str, value: &str) -> Self {
        Self::new(
            what,
            ErrorKind::BadValue {
                field,
                value: shorten(value),
            },
        )
    }

    pub(crate) fn unexpected(what: &'static str, expected: &'static str, found: &str) -> Self {
        Self::new(
            what,
            ErrorKind::Unexpected {
                expected,
                found: shorten(found),
            },
        )
    }

    pub(crate) fn syntax(what: &'static str, reason: impl fmt::Display) -> Self {
        Self::new(what, ErrorKind::Syntax(shorten(&reason.to_string())))
    }

    /// Checks that `len` bytes are at most `max`.
    pub(crate) fn check_len(what: &'static str, len: usize, max: usize) -> Result<(), Self> {
        match len {
            0 => Err(Self::truncated(what)),
            n if n > max => Err(Self::new(what, ErrorKind::TooLarge { len: n, max })),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.what)?;
        match &self.kind {
            ErrorKind::Truncated => write!(f, "truncated"),
            ErrorKind::TooLarge { len, max } => {
                write!(f, "{len} bytes, more than the {max} accepted")
            }
            ErrorKind::NotText => write!(f, "not UTF-8 text"),
            ErrorKind::Unexpected { expected, found } => {
                write!(f, "expected {expected}, found '{found}'")
            }
            ErrorKind::Missing(field) => write!(f, "no {field}"),
            ErrorKind::BadValue { field, value } => write!(f, "bad {field} '{value}'"),
            ErrorKind::Syntax(reason) => write!(f, "{reason}"),
        }
    }
}

impl std::error::Error for ParseError {}
