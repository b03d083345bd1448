//! The codec's error type.
//!
//! Every decode failure names *where* it happened (the packet or dataset, then the field) and *why*.
//! The type holds no reference to the input, so it can be stored, cloned and compared freely, and
//! nom's `Incomplete` never escapes from it: a truncated complete buffer is [`DecodeReason::Truncated`],
//! and streaming callers use the [`Deframer`](crate::Deframer), which waits for more bytes instead.

use std::fmt;

use nom::error::{ErrorKind, ParseError};

/// A decode failure: which packet or dataset, which field, and why.
///
/// Displayed as `Init_Command_Ack.FriendlyName: string has no NUL terminator`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{context}.{field}: {reason}")]
pub struct DecodeError {
    /// The packet or dataset being decoded, spelled as in the spec (`Init_Command_Ack`, `DeviceInfo`).
    pub context: &'static str,
    /// The field being decoded when it failed (`FriendlyName`, `Length`, `Parameter3`).
    pub field: &'static str,
    /// What was wrong.
    pub reason: DecodeReason,
}

/// Why a decode failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeReason {
    /// The input ended inside the field.
    Truncated {
        /// Bytes the field needs.
        needed: u64,
        /// Bytes that were left.
        available: u64,
    },
    /// A length field is smaller than the fixed part it must cover.
    LengthTooSmall {
        /// The length announced.
        length: u64,
        /// The smallest legal value.
        min: u64,
    },
    /// A length or count exceeds what this decoder accepts (a cap, not the wire maximum).
    TooLarge {
        /// The length or count announced.
        length: u64,
        /// The largest accepted value.
        max: u64,
    },
    /// Bytes were left over after the last field.
    TrailingBytes {
        /// How many.
        extra: u64,
    },
    /// A parameter block is not a whole number of 32-bit parameters, or has too many.
    BadParameterBlock {
        /// The block's length in bytes.
        bytes: u64,
        /// The most parameters allowed here.
        max_params: u8,
    },
    /// UTF-16 text with an unpaired surrogate.
    InvalidUtf16,
    /// A NUL-terminated string has no terminator within its field.
    MissingNul,
    /// A counted string's last code unit is not NUL.
    MissingTerminator,
    /// Padding or reserved bytes that must be zero are not.
    NonZeroPadding,
    /// A data type code this decoder cannot size, so the value cannot be skipped.
    UnknownDataType(u16),
    /// A DevicePropDesc form flag other than none, range or enumeration.
    UnknownFormFlag(u8),
    /// A value that the field does not allow.
    InvalidValue(&'static str),
}

impl fmt::Display for DecodeReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed, available } => {
                write!(f, "truncated: needs {needed} bytes, {available} left")
            }
            Self::LengthTooSmall { length, min } => {
                write!(f, "length {length} is smaller than the minimum {min}")
            }
            Self::TooLarge { length, max } => write!(f, "{length} exceeds the limit of {max}"),
            Self::TrailingBytes { extra } => write!(f, "{extra} unexpected trailing bytes"),
            Self::BadParameterBlock { bytes, max_params } => write!(
                f,
                "{bytes} bytes are not 0 to {max_params} whole 32-bit parameters"
            ),
            Self::InvalidUtf16 => f.write_str("invalid UTF-16 (unpaired surrogate)"),
            Self::MissingNul => f.write_str("string has no NUL terminator"),
            Self::MissingTerminator => f.write_str("counted string does not end with NUL"),
            Self::NonZeroPadding => f.write_str("padding bytes are not zero"),
            Self::UnknownDataType(code) => write!(f, "unknown data type 0x{code:04X}"),
            Self::UnknownFormFlag(flag) => write!(f, "unknown form flag 0x{flag:02X}"),
            Self::InvalidValue(what) => f.write_str(what),
        }
    }
}

impl DecodeError {
    /// An error in `field` with no context yet; the enclosing parser adds it.
    pub(crate) const fn new(field: &'static str, reason: DecodeReason) -> Self {
        Self {
            context: "",
            field,
            reason,
        }
    }

    /// Sets the context unless an inner parser already did (the innermost context is the most precise).
    #[must_use]
    pub(crate) fn in_context(mut self, context: &'static str) -> Self {
        if self.context.is_empty() {
            self.context = context;
        }
        self
    }
}

impl<I> ParseError<I> for DecodeError {
    fn from_error_kind(_input: I, _kind: ErrorKind) -> Self {
        // Only reached through a nom combinator used without a field wrapper.
        Self::new("?", DecodeReason::InvalidValue("malformed input"))
    }

    fn append(_input: I, _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

/// The result of a `parse_*` function: nom's `IResult` over bytes with a [`DecodeError`].
pub type DecodeResult<'a, T> = nom::IResult<&'a [u8], T, DecodeError>;

/// Adds a context to the error inside a nom error, leaving `Incomplete` alone.
pub(crate) fn with_context<'a, T>(
    r: DecodeResult<'a, T>,
    context: &'static str,
) -> DecodeResult<'a, T> {
    r.map_err(|e| e.map(|d| d.in_context(context)))
}

/// Turns a complete-input nom result into a plain `Result`, mapping `Incomplete` to
/// [`DecodeReason::Truncated`].
pub(crate) fn finish<T>(
    r: DecodeResult<'_, T>,
    available: usize,
    context: &'static str,
) -> Result<(usize, T), DecodeError> {
    match r {
        Ok((rest, v)) => Ok((available - rest.len(), v)),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(e.in_context(context)),
        Err(nom::Err::Incomplete(needed)) => {
            let more = match needed {
                nom::Needed::Size(n) => n.get() as u64,
                nom::Needed::Unknown => 1,
            };
            Err(DecodeError::new(
                "Length",
                DecodeReason::Truncated {
                    needed: available as u64 + more,
                    available: available as u64,
                },
            )
            .in_context(context))
        }
    }
}

/// A fatal error of a PTP/IP connection.
///
/// Sticky: once a state machine has failed, every later call that can fail returns the same error,
/// and it is reported exactly once as a `ConnectionLost` event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The peer sent bytes that do not decode.
    #[error("{channel}: {source}")]
    Decode {
        /// Where they came from.
        channel: crate::Channel,
        /// What was wrong.
        source: DecodeError,
    },
    /// The peer sent a packet that makes no sense in the current state.
    #[error("{channel}: unexpected {got} while {state}")]
    UnexpectedPacket {
        /// Where it came from.
        channel: crate::Channel,
        /// What it was (a packet or container type name).
        got: String,
        /// What the state machine was doing.
        state: &'static str,
    },
    /// The responder refused the initiator with Init_Fail.
    #[error("the responder refused the connection: {0}")]
    InitFailed(InitFailReason),
    /// A packet named a transaction other than the one in progress.
    #[error("{channel}: packet for transaction {got} while transaction {expected} is in progress")]
    TransactionMismatch {
        /// Where it came from.
        channel: crate::Channel,
        /// The transaction in progress.
        expected: crate::TransactionId,
        /// The one the packet named.
        got: crate::TransactionId,
    },
    /// A data phase carried more or fewer bytes than its Start_Data announced.
    #[error(
        "transaction {transaction}: data phase announced {announced} bytes but carried {received}"
    )]
    DataLength {
        /// The transaction.
        transaction: crate::TransactionId,
        /// Bytes announced by Start_Data.
        announced: u64,
        /// Bytes received (so far, when it went over).
        received: u64,
    },
    /// The peer did not answer in time.
    #[error("timed out waiting for the {0}")]
    TimedOut(crate::Timer),
    /// A TCP connection ended, or could not be opened.
    #[error("the {0} closed")]
    ChannelClosed(crate::Channel),
    /// The peer's first bytes show it speaks another protocol: something else listens on the
    /// port.
    #[error(
        "the peer is not a PTP/IP camera: its first bytes look like {0} (check the address and \
         port)"
    )]
    NotPtpIp(&'static str),
    /// A step of the session set-up was refused.
    #[error("session set-up failed: {step} answered {response}")]
    SetupRefused {
        /// The step (`OpenSession`, `FujiInitSequence`…).
        step: &'static str,
        /// The response code.
        response: crate::ResponseCode,
    },
}

/// A command the state machine refused; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OperationError {
    /// The session is not ready yet (still connecting or opening the session).
    #[error("not ready: the session is still being set up")]
    NotReady,
    /// The connection is closing, closed or lost.
    #[error("the connection is closed")]
    Closed,
    /// Too many operations are queued.
    #[error("{0} operations are already queued")]
    QueueFull(usize),
    /// No such transaction is in progress or queued.
    #[error("no transaction {0} is in progress")]
    UnknownTransaction(crate::TransactionId),
    /// The transaction has no data-out phase, or it is already complete.
    #[error("transaction {0} is not sending data")]
    NotSendingData(crate::TransactionId),
    /// More data than the operation announced, or more than the framing can carry.
    #[error("data length {len} exceeds the limit of {max}")]
    DataTooLarge {
        /// The length given.
        len: u64,
        /// The most allowed.
        max: u64,
    },
    /// The request is malformed.
    #[error("{0}")]
    Invalid(&'static str),
}

/// What a peer's first bytes look like when they are not PTP/IP: a web server, a TLS or SSH
/// endpoint, a mail or FTP banner. `None` when they could be PTP/IP (or are too few to tell).
///
/// A PTP/IP packet starts with its length, little-endian, then a packet type from 1 to 14: text
/// read that way gives lengths in the hundreds of millions, which is why the deframer would
/// otherwise report "Length … exceeds the limit".
#[must_use]
pub fn sniff_foreign_protocol(first: &[u8]) -> Option<&'static str> {
    const TEXT: &[(&[u8], &str)] = &[
        (b"HTTP/", "an HTTP server"),
        (b"SSH-", "an SSH server"),
        (b"220 ", "an FTP or SMTP server"),
        (b"220-", "an FTP or SMTP server"),
        (b"+OK", "a POP3 server"),
        (b"* OK", "an IMAP server"),
        (b"RTSP/", "an RTSP server"),
    ];
    if let Some((_, what)) = TEXT.iter().find(|(p, _)| first.starts_with(p)) {
        return Some(what);
    }
    // A TLS record: handshake or alert, version 3.x.
    if first.len() >= 3 && matches!(first[0], 0x15 | 0x16) && first[1] == 3 && first[2] <= 4 {
        return Some("a TLS server");
    }
    None
}

/// Why a responder refused an init request; vendor values are kept as numbers.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InitFailReason(pub u32);

impl InitFailReason {
    /// The responder does not accept this initiator (e.g. an unregistered GUID).
    pub const REJECTED_INITIATOR: Self = Self(1);
    /// Too many initiators are connected.
    pub const BUSY: Self = Self(2);
    /// No reason given.
    pub const UNSPECIFIED: Self = Self(3);
    /// Fujifilm: the camera knows another client name or is not ready; choose "change" or "reset"
    /// on the camera.
    pub const FUJI_DEVICE_BUSY: Self = Self(0x2019);
    /// Fujifilm: the protocol version is not accepted.
    pub const FUJI_INVALID_PARAMETER: Self = Self(0x201D);

    /// A short description, or `None` for an unknown value.
    #[must_use]
    pub const fn description(self) -> Option<&'static str> {
        Some(match self {
            Self::REJECTED_INITIATOR => "rejected initiator",
            Self::BUSY => "busy: too many connections",
            Self::UNSPECIFIED => "unspecified",
            Self::FUJI_DEVICE_BUSY => {
                "Fujifilm: device busy or another client is registered (choose change/reset on the camera)"
            }
            Self::FUJI_INVALID_PARAMETER => "Fujifilm: protocol version not accepted",
            _ => return None,
        })
    }
}

impl InitFailReason {
    /// What the user can do about this refusal, if there is something to say.
    #[must_use]
    pub const fn advice(self) -> Option<&'static str> {
        Some(match self {
            Self::REJECTED_INITIATOR => {
                "the camera does not know this computer: pair it again on the camera, and keep \
                 one GUID ([initiator] guid in the config file, or -g) so that it stays known"
            }
            Self::BUSY => "another client is connected to the camera: close it, then retry",
            Self::FUJI_DEVICE_BUSY => {
                "the camera is paired with another client name or is busy: on the camera choose \
                 \"change\" or \"reset\" for the connection, or connect with the name and GUID \
                 it knows"
            }
            Self::FUJI_INVALID_PARAMETER => {
                "the camera refused the protocol version: check the camera's Wi-Fi mode, or try \
                 another Init_Command_Request layout"
            }
            _ => return None,
        })
    }
}

impl fmt::Display for InitFailReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.description() {
            Some(d) => write!(f, "{d} ({:#x})", self.0),
            None => write!(f, "unknown reason {:#x}", self.0),
        }
    }
}

impl fmt::Debug for InitFailReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InitFailReason({:#x})", self.0)
    }
}
