//! The two TCP connections of a PTP/IP session, what goes out on them, and how their bytes come in.
//!
//! DC-X005 runs one session over two connections: the *command/data* connection (requests,
//! responses and data phases) and the *event* connection (device events, and probes/cancels in
//! either direction). The state machines never touch a socket: they address every outgoing
//! [`Transmit`] to a [`Channel`], and drivers map channels to sockets.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use crate::deframer::{DataKind, Deframer, DeframerConfig, Frame, Framing};
use crate::error::DecodeError;
use crate::fuji::Container;
use crate::packet::Packet;
use crate::types::TransactionId;

/// One of a session's TCP connections.
///
/// Not to be confused with [`DeviceEvent`](crate::DeviceEvent), a PTP event that travels on
/// [`Channel::Event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// The command/data connection (port 15740, or 55740 on Fujifilm bodies).
    Command,
    /// The event connection (port 15740, or 55741 on Fujifilm bodies).
    Event,
}

impl Channel {
    /// Both channels, command first.
    pub const ALL: [Self; 2] = [Self::Command, Self::Event];

    pub(crate) const fn index(self) -> usize {
        match self {
            Self::Command => 0,
            Self::Event => 1,
        }
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Command => "command/data connection",
            Self::Event => "event connection",
        })
    }
}

/// Bytes to write, in order, to one channel.
///
/// Each transmit holds whole packets where it can (a packet's header and body always leave
/// together, since some cameras and Wireshark break on split packets); a long data payload may
/// continue over several transmits.
///
/// **Opening connections.** The core asks for a connection by addressing a transmit to it: a
/// driver opens the TCP connection for a channel when it first sees a transmit for that channel.
/// A transmit may be empty (the Fujifilm event connection carries no init packet): it then only
/// asks for the connection to be opened, and writing it writes nothing.
#[must_use]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// Where the bytes go.
    pub channel: Channel,
    /// The bytes.
    pub payload: Bytes,
}

/// An outgoing queue for one channel, counting the bytes it holds.
///
/// Control packets (requests, responses, probes…) are encoded into one buffer that the queue
/// keeps, each handed out as a `Bytes` view of it: no allocation per packet. Once the driver has
/// dropped what it wrote, the buffer's memory is used again from its start.
#[derive(Debug, Default)]
pub(crate) struct OutQueue {
    items: VecDeque<Bytes>,
    bytes: usize,
    /// Where a packet is encoded (the encoders write to a `Vec`).
    scratch: Vec<u8>,
    /// The encoded packets handed out, and room for the next.
    arena: BytesMut,
}

impl OutQueue {
    /// Room set aside at a time for encoded packets.
    const ARENA: usize = 4 << 10;
    /// Encodings longer than this get an allocation of their own.
    const ARENA_MAX: usize = 1 << 10;

    /// The bytes `encode` writes, as a `Bytes` (a view of the queue's buffer for small ones),
    /// not queued: the responder defers some.
    pub(crate) fn encode(&mut self, encode: impl FnOnce(&mut Vec<u8>)) -> Bytes {
        self.scratch.clear();
        encode(&mut self.scratch);
        let n = self.scratch.len();
        if n > Self::ARENA_MAX {
            return Bytes::from(std::mem::take(&mut self.scratch));
        }
        if self.arena.capacity() < n {
            // Takes the buffer back when every view of it has been dropped.
            self.arena.reserve(Self::ARENA);
        }
        self.arena.extend_from_slice(&self.scratch);
        self.arena.split().freeze()
    }

    /// Queues what `packet` encodes to.
    pub(crate) fn push_encoded(&mut self, packet: &impl crate::Encode) {
        let b = self.encode(|out| packet.encode(out));
        self.push(b);
    }

    pub(crate) fn push(&mut self, b: Bytes) {
        self.bytes += b.len();
        self.items.push_back(b);
    }

    pub(crate) fn pop(&mut self) -> Option<Bytes> {
        let b = self.items.pop_front()?;
        self.bytes -= b.len();
        Some(b)
    }

    pub(crate) const fn bytes(&self) -> usize {
        self.bytes
    }

    /// Appends `payload` after the bytes framed so far in `frame`: a large payload is queued as
    /// it is (after `frame`, which is then emptied), not copied, so that a driver writes the
    /// device's bytes straight from where the device made them; a small one is copied into
    /// `frame`.
    pub(crate) fn append_payload(&mut self, frame: &mut Vec<u8>, payload: Bytes) {
        /// Below this, a copy costs less than another transmit.
        const ZERO_COPY_MIN: usize = 16 << 10;
        if payload.len() < ZERO_COPY_MIN {
            frame.extend_from_slice(&payload);
            return;
        }
        if !frame.is_empty() {
            self.push(Bytes::from(std::mem::take(frame)));
        }
        self.push(payload);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub(crate) fn clear(&mut self) {
        self.items.clear();
        self.bytes = 0;
    }
}

/// Whether a TCP connection is open, as far as the core knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum LinkState {
    /// No transmit has been addressed to it yet.
    #[default]
    Unopened,
    /// In use.
    Open,
    /// The peer ended it (or the driver reported it could not be opened).
    Eof,
}

/// What a [`Reader`] yields: whole control packets, and data payloads piece by piece.
#[derive(Debug)]
pub(crate) enum Inbound {
    /// A PTP/IP control packet.
    Packet(Packet<'static>),
    /// A Fuji non-data container.
    Container(Container<'static>),
    /// A Fuji live-view frame (never expected on a session's channels).
    LiveView,
    /// A Data, End_Data or Fuji data packet begins.
    DataBegin {
        kind: DataKind,
        transaction_id: TransactionId,
        len: u32,
    },
    /// The next piece of its payload.
    DataPiece(Bytes),
    /// Its payload is complete.
    DataEnd { kind: DataKind },
}

/// A deframer plus the one fact it does not report: which data packet a payload that just
/// ended belonged to.
#[derive(Debug)]
pub(crate) struct Reader {
    deframer: Deframer,
    /// The data packet being read; its payload ends when the deframer has none left to give.
    data: Option<DataKind>,
}

impl Reader {
    pub(crate) fn new(config: DeframerConfig) -> Self {
        Self {
            deframer: Deframer::new(config),
            data: None,
        }
    }

    pub(crate) fn push(&mut self, bytes: BytesMut) {
        self.deframer.push(bytes);
    }

    pub(crate) fn set_framing(&mut self, framing: Framing) {
        self.deframer.set_framing(framing);
    }

    pub(crate) fn buffered_len(&self) -> usize {
        self.deframer.buffered_len()
    }

    pub(crate) fn next(&mut self) -> Result<Option<Inbound>, DecodeError> {
        if let Some(kind) = self.data
            && self.deframer.payload_remaining() == 0
        {
            self.data = None;
            return Ok(Some(Inbound::DataEnd { kind }));
        }
        let Some(frame) = self.deframer.next_frame()? else {
            return Ok(None);
        };
        Ok(Some(match frame {
            Frame::Packet(p) => Inbound::Packet(p),
            Frame::Container(c) => Inbound::Container(c),
            Frame::LiveView(_) => Inbound::LiveView,
            Frame::DataStart(h) => {
                self.data = Some(h.kind);
                Inbound::DataBegin {
                    kind: h.kind,
                    transaction_id: h.transaction_id,
                    len: h.payload_len,
                }
            }
            Frame::DataChunk(b) => Inbound::DataPiece(b),
        }))
    }
}

/// A receive buffer for drivers: hands out a zeroed slice to read into, then the bytes read as a
/// `BytesMut` to pass to `handle_input`, reusing its allocation once earlier pieces are dropped.
///
/// Safe Rust cannot read into uninitialised memory, so each read first zeroes what it offers.
/// The offer adapts: it doubles while reads fill it (bulk data) and halves while they use little
/// of it (requests and responses), so a small round trip does not pay for zeroing a large buffer
/// and a large transfer reads in large pieces.
#[derive(Debug)]
pub struct ReadBuffer {
    buf: BytesMut,
    size: usize,
}

impl ReadBuffer {
    /// The fewest bytes offered to a read.
    pub const MIN: usize = 8 << 10;
    /// The most bytes offered to a read.
    pub const MAX: usize = 256 << 10;

    /// An empty buffer; nothing is allocated until the first read.
    #[must_use]
    pub fn new() -> Self {
        Self {
            buf: BytesMut::new(),
            size: Self::MIN,
        }
    }

    /// Reads' worth of room set aside at a time when the buffer runs out.
    const READS_PER_CHUNK: usize = 4;

    /// The space the next read may fill (initialized: zeroed, or bytes an earlier read left
    /// there, which the read overwrites).
    ///
    /// Only the bytes earlier reads took are zeroed again, so a read of a small packet does not
    /// pay for zeroing the whole offer.
    pub fn spare(&mut self) -> &mut [u8] {
        if self.buf.len() < self.size {
            let short = self.size - self.buf.len();
            if self.buf.capacity() - self.buf.len() < short {
                // Reclaims the allocation when the pieces handed out earlier have been dropped.
                self.buf
                    .reserve(short.max(Self::READS_PER_CHUNK * self.size));
            }
            self.buf.resize(self.size, 0);
        }
        &mut self.buf[..self.size]
    }

    /// Takes the `n` bytes the read put at the front of [`spare`](Self::spare).
    pub fn filled(&mut self, n: usize) -> BytesMut {
        let n = n.min(self.size).min(self.buf.len());
        if n == self.size {
            self.size = (self.size * 2).min(Self::MAX);
        } else if n < self.size / 4 {
            self.size = (self.size / 2).max(Self::MIN);
        }
        // What follows the piece stays for the next read.
        self.buf.split_to(n)
    }
}

impl Default for ReadBuffer {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::ReadBuffer;

    #[test]
    fn read_buffer_adapts_and_hands_out_what_was_read() {
        let mut b = ReadBuffer::new();
        assert_eq!(b.spare().len(), ReadBuffer::MIN);
        b.spare()[..3].copy_from_slice(b"abc");
        assert_eq!(&b.filled(3)[..], b"abc");
        // Full reads double the offer up to the maximum; small ones halve it again.
        for _ in 0..10 {
            let n = b.spare().len();
            assert!(b.spare().iter().all(|&x| x == 0));
            let _ = b.filled(n);
        }
        assert_eq!(b.spare().len(), ReadBuffer::MAX);
        let _ = b.filled(10);
        assert_eq!(b.spare().len(), ReadBuffer::MAX / 2);
    }
}
