//! The device model a [`Responder`](super::Responder) serves: what a camera does with operations.

use std::sync::Arc;

use bytes::{Buf, Bytes};

use crate::initiator::DeviceEvent;
use crate::packet::InitFailReason;
use crate::ptp::codes::{OperationCode, ResponseCode};
use crate::types::{FriendlyName, Guid, Params, SessionId, TransactionId};

/// An operation request as the device sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// The operation.
    pub code: OperationCode,
    /// Its transaction.
    pub transaction: TransactionId,
    /// Its parameters.
    pub params: Params,
    /// The open session, if any.
    pub session: Option<SessionId>,
}

/// A response: code and parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response {
    /// The result.
    pub code: ResponseCode,
    /// Response parameters.
    pub params: Params,
}

impl Response {
    /// OK without parameters.
    pub const OK: Self = Self::code(ResponseCode::OK);

    /// A response with `code` and no parameters.
    #[must_use]
    pub const fn code(code: ResponseCode) -> Self {
        Self {
            code,
            params: Params::new(),
        }
    }

    /// A response with `code` and parameters (at most five are kept).
    #[must_use]
    pub fn with_params(code: ResponseCode, params: &[u32]) -> Self {
        let mut p = Params::new();
        for &v in params.iter().take(Params::MAX) {
            p.push(v);
        }
        Self { code, params: p }
    }
}

/// Data the device sends, produced piece by piece so that a large object never sits in memory.
pub trait DataSource: Send {
    /// The total, if known in advance (announced in Start_Data; the Fujifilm framing needs it).
    fn len(&self) -> Option<u64>;

    /// Whether the total is known to be zero.
    fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// The next piece, at most `max` bytes; an empty piece ends the data.
    fn next_piece(&mut self, max: usize) -> Bytes;

    /// Drops the next `n` bytes (GetPartialObject starts inside an object); returns how many were
    /// dropped, fewer only when the data ends first. This default reads and discards them;
    /// a source that can seek (a file) should, so that a read from far inside a large object
    /// costs nothing.
    fn skip(&mut self, n: u64) -> u64 {
        /// Pieces read while skipping.
        const PIECE: usize = 64 << 10;
        let mut skipped = 0;
        while skipped < n {
            let want = usize::try_from(n - skipped).map_or(PIECE, |left| left.min(PIECE));
            let piece = self.next_piece(want);
            if piece.is_empty() {
                break;
            }
            // A source that hands out more than asked loses the excess.
            skipped += (piece.len() as u64).min(n - skipped);
        }
        skipped
    }
}

impl DataSource for Bytes {
    fn len(&self) -> Option<u64> {
        Some(Self::len(self) as u64)
    }

    fn next_piece(&mut self, max: usize) -> Bytes {
        self.split_to(max.min(Self::len(self)))
    }

    fn skip(&mut self, n: u64) -> u64 {
        let n = usize::try_from(n).map_or(Self::len(self), |n| n.min(Self::len(self)));
        self.advance(n);
        n as u64
    }
}

/// A generated object of `len` bytes, each byte a function of its offset: memory stays constant
/// whatever the size (sample images, tests of very large transfers).
#[derive(Clone, Debug)]
pub struct PatternSource {
    len: u64,
    offset: u64,
}

impl PatternSource {
    /// `len` bytes of the pattern.
    #[must_use]
    pub const fn new(len: u64) -> Self {
        Self { len, offset: 0 }
    }

    /// The byte at `offset`.
    #[must_use]
    pub const fn byte_at(offset: u64) -> u8 {
        // A short prime period, so that shifted or repeated pieces do not look right by accident.
        (offset % 251) as u8
    }
}

impl DataSource for PatternSource {
    fn len(&self) -> Option<u64> {
        Some(self.len)
    }

    fn skip(&mut self, n: u64) -> u64 {
        let n = n.min(self.len - self.offset);
        self.offset += n;
        n
    }

    fn next_piece(&mut self, max: usize) -> Bytes {
        let n = (self.len - self.offset).min(max as u64) as usize;
        let piece: Vec<u8> = (self.offset..self.offset + n as u64)
            .map(Self::byte_at)
            .collect();
        self.offset += n as u64;
        Bytes::from(piece)
    }
}

/// What the device does with a request.
pub enum Reply {
    /// Respond at once, with no data phase.
    Respond(Response),
    /// Send data, then respond.
    Data {
        /// The data.
        source: Box<dyn DataSource>,
        /// The response after it.
        response: Response,
    },
    /// Receive the initiator's data phase ([`Device::data_out`]), then respond with
    /// [`Device::data_out_done`].
    ReceiveData,
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Respond(r) => f.debug_tuple("Respond").field(r).finish(),
            Self::Data { source, response } => f
                .debug_struct("Data")
                .field("len", &source.len())
                .field("response", response)
                .finish(),
            Self::ReceiveData => f.write_str("ReceiveData"),
        }
    }
}

/// How a device tells its driver that it has an event to send (see [`Device::set_waker`]).
///
/// The driver makes it (a channel send, a `mio::Waker`, a condition variable…) and gives it to
/// the device through [`Responder::set_waker`](super::Responder::set_waker); the device calls
/// [`wake`](Self::wake) after it queued an event that it raised on its own (from another
/// thread, a timer, a folder watcher), and the driver then drains the responder's transmits at
/// once, instead of looking at the device now and then. Events a device raises while it answers
/// an operation need no wake-up: the driver drains the transmits after every call anyway.
#[derive(Clone)]
pub struct DeviceWaker(Arc<dyn Fn() + Send + Sync>);

impl DeviceWaker {
    /// A waker that calls `wake` on every [`wake`](Self::wake). It must be cheap and must not
    /// call into the responder or the device: it may run on any thread, while the device is in
    /// the middle of one of its own calls.
    pub fn new(wake: impl Fn() + Send + Sync + 'static) -> Self {
        Self(Arc::new(wake))
    }

    /// A waker that does nothing (a device driven only by its responder's calls).
    #[must_use]
    pub fn noop() -> Self {
        Self::new(|| {})
    }

    /// Tells the driver that the device has something to send.
    pub fn wake(&self) {
        (self.0)();
    }
}

impl std::fmt::Debug for DeviceWaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceWaker")
    }
}

/// A camera's behaviour behind a [`Responder`](super::Responder).
///
/// The responder handles framing, the init handshake, sessions (OpenSession/CloseSession),
/// probes and cancels; the device answers everything else.
pub trait Device {
    /// Whether to accept an initiator; `Err` sends Init_Fail with the reason.
    fn accept(&mut self, guid: Guid, name: &FriendlyName) -> Result<(), InitFailReason> {
        let _ = (guid, name);
        Ok(())
    }

    /// Answers an operation. The responder answers OpenSession and CloseSession itself (it keeps
    /// the session state) and SessionNotOpen for anything but GetDeviceInfo outside a session, so
    /// the device sees every other operation, and GetDeviceInfo at any time.
    fn operation(&mut self, request: &Request) -> Reply;

    /// A piece of the initiator's data for the request the device answered with
    /// [`Reply::ReceiveData`].
    fn data_out(&mut self, request: &Request, piece: &[u8]);

    /// The initiator's data phase ended after `len` bytes; the response to send.
    fn data_out_done(&mut self, request: &Request, len: u64) -> Response;

    /// A device event to report, if any (polled whenever the responder is driven).
    fn poll_event(&mut self) -> Option<DeviceEvent> {
        None
    }

    /// Takes the driver's waker. A device that raises events outside its responder's calls
    /// keeps it and calls [`DeviceWaker::wake`] after queueing each one, so that the event goes
    /// out at once; a device that does not can ignore it (the default).
    fn set_waker(&mut self, waker: DeviceWaker) {
        let _ = waker;
    }

    /// The transaction was cancelled by the initiator.
    fn cancelled(&mut self, request: &Request) {
        let _ = request;
    }
}

/// A boxed device is a device, so a server can serve any model behind `Box<dyn Device + Send>`.
impl<D: Device + ?Sized> Device for Box<D> {
    fn accept(&mut self, guid: Guid, name: &FriendlyName) -> Result<(), InitFailReason> {
        (**self).accept(guid, name)
    }

    fn operation(&mut self, request: &Request) -> Reply {
        (**self).operation(request)
    }

    fn data_out(&mut self, request: &Request, piece: &[u8]) {
        (**self).data_out(request, piece);
    }

    fn data_out_done(&mut self, request: &Request, len: u64) -> Response {
        (**self).data_out_done(request, len)
    }

    fn poll_event(&mut self) -> Option<DeviceEvent> {
        (**self).poll_event()
    }

    fn set_waker(&mut self, waker: DeviceWaker) {
        (**self).set_waker(waker);
    }

    fn cancelled(&mut self, request: &Request) {
        (**self).cancelled(request);
    }
}
