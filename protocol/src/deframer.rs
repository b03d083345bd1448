//! The streaming deframer: one per TCP connection, turning bytes split anywhere into frames.
//!
//! TCP keeps no message boundaries, so bytes arrive split at any point: one byte at a time, or many
//! packets in one read. The deframer buffers only what it must:
//! - a control packet (anything but Data/End_Data) is buffered until whole, up to
//!   [`DeframerConfig::max_control_len`]; a peer announcing more gets an error, never an allocation;
//! - a Data or End_Data packet is never gathered: after its 12-byte prefix it yields
//!   [`Frame::DataStart`], then hands the payload out as [`Frame::DataChunk`]s of whatever has arrived,
//!   split off the input without copying. A 4 GiB object passes through in constant memory.
//!
//! The loop is: [`push`](Deframer::push) bytes, then call [`next_frame`](Deframer::next_frame) until it
//! returns `Ok(None)` (needs more bytes). An error is sticky: every later call returns it again, since
//! a byte stream cannot be resynchronised once its framing is lost.

use bytes::{Buf, Bytes, BytesMut};

use crate::error::{DecodeError, DecodeReason};
use crate::fuji::{self, Container, ContainerStart, LiveViewFrame};
use crate::packet::{self, DataPacket, Dialect, Packet, PacketType};
use crate::types::TransactionId;

/// How the bytes on a connection are framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Framing {
    /// PTP/IP packets (DC-X005).
    #[default]
    PtpIp,
    /// Fuji USB-style containers, after the Fuji init handshake.
    FujiContainer,
    /// Fuji live-view frames (port 55742).
    FujiLiveView,
}

/// Limits and dialect for a [`Deframer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeframerConfig {
    /// The framing to start with.
    pub framing: Framing,
    /// Which Init_Command_Request layout to decode.
    pub dialect: Dialect,
    /// The largest control packet or container accepted whole, header included.
    pub max_control_len: u32,
    /// The largest live-view frame accepted, header included.
    pub max_live_view_len: u32,
}

impl DeframerConfig {
    /// Default cap on control packets: 1 MiB, far above any real one (a 0x902B list is a few hundred
    /// bytes; a DeviceInfo travels as data, not control).
    pub const DEFAULT_MAX_CONTROL_LEN: u32 = 1 << 20;
    /// Default cap on live-view frames: 16 MiB.
    pub const DEFAULT_MAX_LIVE_VIEW_LEN: u32 = 16 << 20;
}

impl Default for DeframerConfig {
    fn default() -> Self {
        Self {
            framing: Framing::PtpIp,
            dialect: Dialect::Generic,
            max_control_len: Self::DEFAULT_MAX_CONTROL_LEN,
            max_live_view_len: Self::DEFAULT_MAX_LIVE_VIEW_LEN,
        }
    }
}

/// Which kind of packet a data payload comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DataKind {
    /// A PTP/IP Data packet.
    Data,
    /// A PTP/IP End_Data packet: the last of the data phase.
    EndData,
    /// A Fuji data container for operation `code`.
    FujiData {
        /// The operation code in the container.
        code: u16,
    },
}

impl DataKind {
    /// The wire header of a data packet of this kind for `transaction` carrying `len` payload
    /// bytes: what a tap or a trace shows of a payload that streams past in pieces.
    #[must_use]
    pub fn header(self, transaction: TransactionId, len: u32) -> Vec<u8> {
        let mut head = Vec::with_capacity(DataPacket::HEADER_LEN);
        match self {
            Self::Data | Self::EndData => {
                DataPacket::write_header(&mut head, self == Self::EndData, transaction, len)
            }
            Self::FujiData { code } => {
                fuji::ContainerHeader::data(code, transaction, len).write(&mut head);
            }
        }
        head
    }

    /// The packet's name, as the specs spell it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Data => "Data",
            Self::EndData => "End_Data",
            Self::FujiData { .. } => "Fuji Data",
        }
    }
}

/// The start of a data payload; [`Frame::DataChunk`]s with exactly `payload_len` bytes follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DataHeader {
    /// Where the payload comes from.
    pub kind: DataKind,
    /// The transaction.
    pub transaction_id: TransactionId,
    /// Payload bytes that follow.
    pub payload_len: u32,
}

/// What the deframer yields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// A whole PTP/IP packet other than Data and End_Data.
    Packet(Packet<'static>),
    /// A whole Fuji container other than data.
    Container(Container<'static>),
    /// A Data, End_Data or Fuji data packet begins.
    DataStart(DataHeader),
    /// The next piece of the current data payload (never empty).
    DataChunk(Bytes),
    /// A whole live-view frame.
    LiveView(LiveViewFrame),
}

/// Splits a byte stream into [`Frame`]s. See the [module docs](self).
#[derive(Debug)]
pub struct Deframer {
    config: DeframerConfig,
    buf: BytesMut,
    /// Payload bytes of the current data packet not yet handed out.
    payload_remaining: u32,
    failed: Option<DecodeError>,
}

impl Deframer {
    /// A deframer with `config`.
    #[must_use]
    pub fn new(config: DeframerConfig) -> Self {
        Self {
            config,
            buf: BytesMut::new(),
            payload_remaining: 0,
            failed: None,
        }
    }

    /// Switches framing from the next frame on (the Fuji init switches to containers after the
    /// Init_Command_Ack). Bytes already buffered are read with the new framing.
    pub fn set_framing(&mut self, framing: Framing) {
        self.config.framing = framing;
    }

    /// The current configuration.
    #[must_use]
    pub const fn config(&self) -> &DeframerConfig {
        &self.config
    }

    /// Adds received bytes. Taking a `BytesMut` lets payload pieces be split off without copying.
    pub fn push(&mut self, data: BytesMut) {
        if self.buf.is_empty() {
            self.buf = data;
        } else {
            self.buf.unsplit(data);
        }
    }

    /// Adds received bytes by copying them.
    pub fn extend_from_slice(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Payload bytes of the current Data, End_Data or Fuji data packet still to come (0 between
    /// packets).
    #[must_use]
    pub const fn payload_remaining(&self) -> u32 {
        self.payload_remaining
    }

    /// Passes over up to `n` payload bytes of the current data packet that the caller keeps to
    /// itself (a relay forwards them and needs only the frame boundaries): they are counted as
    /// handed out without being pushed. Returns how many were passed over: none between packets,
    /// nor while payload bytes are still buffered here (take those with
    /// [`next_frame`](Self::next_frame) first).
    pub fn skip_payload(&mut self, n: u64) -> u64 {
        if !self.buf.is_empty() || self.failed.is_some() {
            return 0;
        }
        let skipped = n.min(u64::from(self.payload_remaining));
        // Fits: at most `payload_remaining`, a u32.
        self.payload_remaining -= skipped as u32;
        skipped
    }

    /// Bytes held and not yet handed out.
    #[must_use]
    pub fn buffered_len(&self) -> usize {
        self.buf.len()
    }

    /// Whether the stream is between frames (a clean place for the connection to end).
    #[must_use]
    pub fn is_idle(&self) -> bool {
        self.buf.is_empty() && self.payload_remaining == 0 && self.failed.is_none()
    }

    /// The next frame, `Ok(None)` if more bytes are needed, or the (sticky) framing error.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, DecodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.buf.is_empty() {
            // No frame is empty: more bytes are needed, whatever the framing (the usual end of
            // a read's frames, so it costs no parsing).
            return Ok(None);
        }
        let result = self.advance();
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    fn advance(&mut self) -> Result<Option<Frame>, DecodeError> {
        if self.payload_remaining > 0 {
            if self.buf.is_empty() {
                return Ok(None);
            }
            let n = self.buf.len().min(self.payload_remaining as usize);
            self.payload_remaining -= n as u32;
            return Ok(Some(Frame::DataChunk(self.buf.split_to(n).freeze())));
        }
        match self.config.framing {
            Framing::PtpIp => self.next_packet(),
            Framing::FujiContainer => self.next_container(),
            Framing::FujiLiveView => self.next_live_view(),
        }
    }

    fn check_cap(
        &self,
        length: u32,
        max: u32,
        context: impl FnOnce() -> &'static str,
    ) -> Result<(), DecodeError> {
        if length > max {
            return Err(DecodeError::new(
                "Length",
                DecodeReason::TooLarge {
                    length: length.into(),
                    max: max.into(),
                },
            )
            .in_context(context()));
        }
        Ok(())
    }

    fn next_packet(&mut self) -> Result<Option<Frame>, DecodeError> {
        let header = match packet::parse_header(&self.buf) {
            Ok((_, h)) => h,
            Err(nom::Err::Incomplete(_)) => return Ok(None),
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => return Err(e),
        };
        let context = || header.packet_type.name().unwrap_or("PTP/IP");
        let end = header.packet_type == PacketType::END_DATA;
        if end || header.packet_type == PacketType::DATA {
            let prefix = DataPacket::HEADER_LEN;
            if (header.length as usize) < prefix {
                return Err(DecodeError::new(
                    "Length",
                    DecodeReason::LengthTooSmall {
                        length: header.length.into(),
                        min: prefix as u64,
                    },
                )
                .in_context(context()));
            }
            if self.buf.len() < prefix {
                return Ok(None);
            }
            let head = self.buf.split_to(prefix);
            let tid = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
            self.payload_remaining = header.length - prefix as u32;
            let kind = if end {
                DataKind::EndData
            } else {
                DataKind::Data
            };
            return Ok(Some(Frame::DataStart(DataHeader {
                kind,
                transaction_id: TransactionId(tid),
                payload_len: self.payload_remaining,
            })));
        }
        self.check_cap(header.length, self.config.max_control_len, context)?;
        let total = header.length as usize;
        if self.buf.len() < total {
            self.buf.reserve(total - self.buf.len());
            return Ok(None);
        }
        // Decoded where it lies (the packet owns what it keeps), then passed over; a request or
        // a response (every round trip's) owns nothing to begin with.
        let body = &self.buf[packet::Header::LEN..total];
        let packet = match packet::parse_operation(header.packet_type, body) {
            Some(p) => Ok(p),
            None => packet::parse_body(header.packet_type, body, self.config.dialect)
                .map(Packet::into_owned),
        };
        self.buf.advance(total);
        Ok(Some(Frame::Packet(packet.map_err(flatten)?)))
    }

    fn next_container(&mut self) -> Result<Option<Frame>, DecodeError> {
        let header = match fuji::parse_container_header(&self.buf) {
            Ok((_, ContainerStart::Terminate)) => {
                let _ = self.buf.split_to(8);
                return Ok(Some(Frame::Container(Container::Terminate)));
            }
            Ok((_, ContainerStart::Header(h))) => h,
            Err(nom::Err::Incomplete(_)) => return Ok(None),
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => return Err(e),
        };
        let prefix = fuji::ContainerHeader::LEN;
        if header.container_type == fuji::ContainerType::DATA {
            let _ = self.buf.split_to(prefix);
            self.payload_remaining = header.length - prefix as u32;
            return Ok(Some(Frame::DataStart(DataHeader {
                kind: DataKind::FujiData { code: header.code },
                transaction_id: header.transaction_id,
                payload_len: self.payload_remaining,
            })));
        }
        self.check_cap(
            header.length,
            self.config.max_control_len,
            || "Fuji container",
        )?;
        let total = header.length as usize;
        if self.buf.len() < total {
            self.buf.reserve(total - self.buf.len());
            return Ok(None);
        }
        let container =
            Container::from_parts(&header, &self.buf[prefix..total]).map(Container::into_owned);
        self.buf.advance(total);
        Ok(Some(Frame::Container(container.map_err(flatten)?)))
    }

    fn next_live_view(&mut self) -> Result<Option<Frame>, DecodeError> {
        let length = match fuji::peek_frame_length(&self.buf) {
            Ok((_, len)) => len,
            Err(nom::Err::Incomplete(_)) => return Ok(None),
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => return Err(e),
        };
        self.check_cap(
            length,
            self.config.max_live_view_len,
            || "Fuji live-view frame",
        )?;
        let total = length as usize;
        if self.buf.len() < total {
            self.buf.reserve(total - self.buf.len());
            return Ok(None);
        }
        let bytes = self.buf.split_to(total).freeze();
        Ok(Some(Frame::LiveView(LiveViewFrame::decode(&bytes)?)))
    }
}

fn flatten(e: nom::Err<DecodeError>) -> DecodeError {
    match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => e,
        // Bodies are parsed whole, so a complete parser never asks for more.
        nom::Err::Incomplete(_) => DecodeError::new(
            "Length",
            DecodeReason::InvalidValue("incomplete body after framing"),
        ),
    }
}

#[cfg(test)]
mod tests;
