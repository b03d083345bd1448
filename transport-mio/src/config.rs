//! Where to connect, what can go wrong, and where downloaded data goes: the same names and shapes
//! as in `ptpip-transport-std`, so that both transports feel the same.

use std::io::{self, Write};
use std::net::{SocketAddr, ToSocketAddrs};

use ptpip_protocol::initiator::{InitiatorConfig, OperationFailure};
use ptpip_protocol::packet::Dialect;
use ptpip_protocol::{
    DecodeError, Error as ProtocolError, FriendlyName, Guid, OperationCode, OperationError,
    ResponseCode,
};

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
        command: ptpip_protocol::fuji::COMMAND_PORT,
        event: ptpip_protocol::fuji::EVENT_PORT,
        stream: ptpip_protocol::fuji::STREAM_PORT,
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

/// Where and how to connect.
///
/// Unlike the blocking client there is no connect timeout or retry here: this driver keeps no
/// timer of its own. The state machine's [`init_timeout`](InitiatorConfig::init_timeout) bounds
/// the TCP connect and the init handshake together.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Host name or address of the camera. A name is resolved with the system resolver, which
    /// blocks: pass an address to keep [`MioClient::connect`](crate::MioClient::connect) from
    /// blocking at all.
    pub host: String,
    /// Its ports ([`Ports::for_dialect`] unless told otherwise).
    pub ports: Ports,
    /// The state machine's settings: GUID, name, dialect, timeouts, windows.
    pub initiator: InitiatorConfig,
}

impl ClientConfig {
    /// A configuration for `host` with a random GUID and the dialect's default ports.
    #[must_use]
    pub fn new(host: impl Into<String>, dialect: Dialect) -> Self {
        let name = FriendlyName::new("ptpip").expect("a valid name");
        Self {
            host: host.into(),
            ports: Ports::for_dialect(dialect),
            initiator: InitiatorConfig::new(Guid::from(uuid::Uuid::new_v4()), name, dialect),
        }
    }

    /// The addresses of the command and event connections.
    pub(crate) fn resolve(&self) -> io::Result<(SocketAddr, SocketAddr)> {
        let one = |port: u16| {
            (self.host.as_str(), port)
                .to_socket_addrs()?
                .next()
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::NotFound,
                        format!("{}: no address", self.host),
                    )
                })
        };
        Ok((one(self.ports.command)?, one(self.ports.event)?))
    }
}

/// What went wrong in a client call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// A socket or the poll failed, or the camera could not be reached.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The session failed (decode error, timeout, refused init, a connection closed…); the
    /// client is unusable.
    #[error("connection lost: {0}")]
    Protocol(#[from] ProtocolError),
    /// The call was refused before anything was sent.
    #[error("{0}")]
    Operation(#[from] OperationError),
    /// The camera answered with a response code other than OK.
    #[error("{operation} failed: {response}")]
    Response {
        /// The operation.
        operation: OperationCode,
        /// The response code.
        response: ResponseCode,
    },
    /// The operation ended without a response (cancelled, data over its limit, session closed).
    #[error("{0}")]
    Failed(#[from] OperationFailure),
    /// A dataset in the reply did not decode.
    #[error("bad reply: {0}")]
    Decode(#[from] DecodeError),
}

/// Where the data of a data-in phase goes.
pub trait DataSink {
    /// A piece at `offset`; `total` is the announced length, if any.
    fn piece(&mut self, offset: u64, total: Option<u64>, data: &[u8]) -> io::Result<()>;
}

/// Streams into a `Write`, calling `progress(received, total)` after each piece.
#[derive(Debug)]
pub struct WriteSink<W, F> {
    writer: W,
    progress: F,
}

impl<W: Write, F: FnMut(u64, Option<u64>)> WriteSink<W, F> {
    /// Writes to `writer`, reporting progress.
    pub const fn new(writer: W, progress: F) -> Self {
        Self { writer, progress }
    }
}

impl<W: Write, F: FnMut(u64, Option<u64>)> DataSink for WriteSink<W, F> {
    fn piece(&mut self, offset: u64, total: Option<u64>, data: &[u8]) -> io::Result<()> {
        self.writer.write_all(data)?;
        (self.progress)(offset + data.len() as u64, total);
        Ok(())
    }
}

/// Discards data (for operations whose data is not wanted).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoSink;

impl DataSink for NoSink {
    fn piece(&mut self, _: u64, _: Option<u64>, _: &[u8]) -> io::Result<()> {
        Ok(())
    }
}
