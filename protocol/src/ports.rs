//! The TCP ports a camera listens on, per dialect.

use crate::packet::Dialect;

/// The ports a camera listens on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ports {
    /// Command/data connection.
    pub command: u16,
    /// Event connection.
    pub event: u16,
    /// Fujifilm live-view stream.
    pub stream: u16,
}

impl Ports {
    /// Standard PTP/IP: both connections on 15740.
    pub const STANDARD: Self = Self {
        command: 15740,
        event: 15740,
        stream: 15742,
    };
    /// Fujifilm X bodies: 55740, 55741 and 55742.
    pub const FUJI: Self = Self {
        command: crate::fuji::COMMAND_PORT,
        event: crate::fuji::EVENT_PORT,
        stream: crate::fuji::STREAM_PORT,
    };

    /// The defaults for `dialect`.
    #[must_use]
    pub const fn for_dialect(dialect: Dialect) -> Self {
        match dialect {
            Dialect::Generic => Self::STANDARD,
            Dialect::Fuji => Self::FUJI,
        }
    }
}
