//! PTP/IP packets (CIPA DC-X005 §2.3): the 8-byte header and the 14 packet types.
//!
//! Every packet starts with `u32 Length` (the whole packet, header included) and `u32 PacketType`,
//! both little-endian. [`parse_packet`] checks the length before anything else: below 8 is an error,
//! and a buffer shorter than the length is nom's `Incomplete` (this is the only streaming step); the
//! body is then parsed with complete parsers over exactly `Length - 8` bytes, so trailing bytes are an
//! error too. A packet type this crate does not know parses as [`Packet::Unknown`]: what to do with it
//! is the state machine's call.
//!
//! The two Init acks are the exception, because real cameras send them otherwise: an
//! Init_Command_Ack may lack its ProtocolVersion, carry its name in a fixed-width zero-padded field
//! or end in zero padding ([`InitAckLayout`]), and an Init_Event_Ack may carry zero padding. Both keep
//! their layout, so they still re-encode to the bytes received, and [`Packet::quirks`] names what
//! was tolerated. Non-zero bytes past their fields are still an error.
//!
//! Emitting mirrors parsing: [`Packet::encode`] appends the exact wire bytes to a `Vec<u8>`, and
//! [`Packet::encoded_len`] says how many that will be.

mod init;
mod operation;

use std::borrow::Cow;

pub use init::{
    InitAckLayout, InitCommandAck, InitCommandRequest, InitEventAck, InitEventRequest, InitFail,
    InitRequestLayout,
};
pub(crate) use operation::parse_operation;
pub use operation::{
    Cancel, DataPacket, DataPhaseInfo, EventPacket, OperationRequest, OperationResponse, StartData,
};

// The reason of an Init_Fail lives with the errors (`Error::InitFailed` names it), below `packet`.
use crate::encode::Encode;
pub use crate::error::InitFailReason;
use crate::error::{self, DecodeError, DecodeReason, DecodeResult};
use crate::quirk::Quirk;
use crate::wire::{self, PutLe};

code_newtype! {
    /// A PTP/IP packet type (DC-X005 §2.3), the second `u32` of every packet header.
    pub struct PacketType(u32);
    /// Initiator → responder on a new command/data connection.
    INIT_COMMAND_REQUEST = 1 => "Init_Command_Request";
    /// Responder's acceptance of an Init_Command_Request.
    INIT_COMMAND_ACK = 2 => "Init_Command_Ack";
    /// Initiator → responder on the new event connection.
    INIT_EVENT_REQUEST = 3 => "Init_Event_Request";
    /// Responder's acceptance of an Init_Event_Request.
    INIT_EVENT_ACK = 4 => "Init_Event_Ack";
    /// Responder's refusal of either init request.
    INIT_FAIL = 5 => "Init_Fail";
    /// A PTP operation request.
    OPERATION_REQUEST = 6 => "Operation_Request";
    /// A PTP operation response.
    OPERATION_RESPONSE = 7 => "Operation_Response";
    /// A PTP event, on the event connection.
    EVENT = 8 => "Event";
    /// Opens a data phase and announces its total length.
    START_DATA = 9 => "Start_Data";
    /// A piece of a data phase.
    DATA = 10 => "Data";
    /// Cancels a transaction.
    CANCEL = 11 => "Cancel";
    /// The last piece of a data phase.
    END_DATA = 12 => "End_Data";
    /// Liveness check.
    PROBE_REQUEST = 13 => "Probe_Request";
    /// Answer to a Probe_Request.
    PROBE_RESPONSE = 14 => "Probe_Response";
}

/// Which Init_Command_Request layout to expect when decoding packet type 1.
///
/// Everything else in PTP/IP framing is the same in both dialects; Fujifilm bodies differ in the init
/// request's field order and, after the init handshake, switch to USB-style containers
/// ([`crate::fuji::Container`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Dialect {
    /// Standard CIPA DC-X005.
    #[default]
    Generic,
    /// Fujifilm X bodies (protocol version first, see [`InitRequestLayout`]).
    Fuji,
}

/// The PTP/IP packet header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    /// The whole packet's length in bytes, header included.
    pub length: u32,
    /// What follows.
    pub packet_type: PacketType,
}

impl Header {
    /// Bytes in a header.
    pub const LEN: usize = 8;

    /// Bytes after the header.
    #[must_use]
    pub const fn payload_len(&self) -> u32 {
        self.length.saturating_sub(Self::LEN as u32)
    }

    /// Appends the header.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.put_u32_le(self.length);
        out.put_u32_le(self.packet_type.0);
    }
}

/// Parses a header, streaming: fewer than 8 bytes is `Incomplete`; a length below 8 is an error.
pub fn parse_header(i: &[u8]) -> DecodeResult<'_, Header> {
    let Some(&[l0, l1, l2, l3, t0, t1, t2, t3]) = i.first_chunk::<{ Header::LEN }>() else {
        return Err(nom::Err::Incomplete(nom::Needed::new(
            Header::LEN - i.len(),
        )));
    };
    let length = u32::from_le_bytes([l0, l1, l2, l3]);
    let packet_type = u32::from_le_bytes([t0, t1, t2, t3]);
    let i = &i[Header::LEN..];
    if (length as usize) < Header::LEN {
        return Err(nom::Err::Error(
            DecodeError::new(
                "Length",
                DecodeReason::LengthTooSmall {
                    length: length.into(),
                    min: Header::LEN as u64,
                },
            )
            .in_context("PTP/IP header"),
        ));
    }
    Ok((
        i,
        Header {
            length,
            packet_type: PacketType(packet_type),
        },
    ))
}

/// A PTP/IP packet.
///
/// Data-bearing variants borrow their payload from the input when parsed (`Cow::Borrowed`), so
/// parsing a large Data packet copies nothing; [`Packet::into_owned`] detaches it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Packet<'a> {
    /// Type 1.
    InitCommandRequest(InitCommandRequest),
    /// Type 2.
    InitCommandAck(InitCommandAck),
    /// Type 3.
    InitEventRequest(InitEventRequest),
    /// Type 4: no payload, or zero padding.
    InitEventAck(InitEventAck),
    /// Type 5.
    InitFail(InitFail),
    /// Type 6.
    OperationRequest(OperationRequest),
    /// Type 7.
    OperationResponse(OperationResponse),
    /// Type 8.
    Event(EventPacket),
    /// Type 9.
    StartData(StartData),
    /// Type 10.
    Data(DataPacket<'a>),
    /// Type 11.
    Cancel(Cancel),
    /// Type 12.
    EndData(DataPacket<'a>),
    /// Type 13, no payload.
    ProbeRequest,
    /// Type 14, no payload.
    ProbeResponse,
    /// Any other type, kept whole.
    Unknown {
        /// The type found.
        packet_type: PacketType,
        /// Everything after the header.
        payload: Cow<'a, [u8]>,
    },
}

impl<'a> Packet<'a> {
    /// The largest Data/End_Data payload one packet can carry (the `u32` length covers the header).
    pub const MAX_DATA_PAYLOAD: usize = u32::MAX as usize - DataPacket::HEADER_LEN;

    /// The packet type written in the header.
    #[must_use]
    pub const fn packet_type(&self) -> PacketType {
        match self {
            Self::InitCommandRequest(_) => PacketType::INIT_COMMAND_REQUEST,
            Self::InitCommandAck(_) => PacketType::INIT_COMMAND_ACK,
            Self::InitEventRequest(_) => PacketType::INIT_EVENT_REQUEST,
            Self::InitEventAck(_) => PacketType::INIT_EVENT_ACK,
            Self::InitFail(_) => PacketType::INIT_FAIL,
            Self::OperationRequest(_) => PacketType::OPERATION_REQUEST,
            Self::OperationResponse(_) => PacketType::OPERATION_RESPONSE,
            Self::Event(_) => PacketType::EVENT,
            Self::StartData(_) => PacketType::START_DATA,
            Self::Data(_) => PacketType::DATA,
            Self::Cancel(_) => PacketType::CANCEL,
            Self::EndData(_) => PacketType::END_DATA,
            Self::ProbeRequest => PacketType::PROBE_REQUEST,
            Self::ProbeResponse => PacketType::PROBE_RESPONSE,
            Self::Unknown { packet_type, .. } => *packet_type,
        }
    }

    /// Bytes after the header.
    #[must_use]
    pub fn payload_len(&self) -> usize {
        match self {
            Self::InitCommandRequest(p) => p.encoded_len(),
            Self::InitCommandAck(p) => p.encoded_len(),
            Self::InitEventRequest(_) | Self::InitFail(_) | Self::Cancel(_) => 4,
            Self::InitEventAck(p) => p.encoded_len(),
            Self::ProbeRequest | Self::ProbeResponse => 0,
            Self::OperationRequest(p) => p.encoded_len(),
            Self::OperationResponse(p) => p.encoded_len(),
            Self::Event(p) => p.encoded_len(),
            Self::StartData(_) => StartData::LEN,
            Self::Data(p) | Self::EndData(p) => 4 + p.payload.len(),
            Self::Unknown { payload, .. } => payload.len(),
        }
    }

    /// What this packet's layout departs from DC-X005 in (see [`crate::quirk`]): the Init acks'
    /// quirks; empty for every other packet, which the decoder reads strictly.
    #[must_use]
    pub fn quirks(&self) -> Vec<Quirk> {
        match self {
            Self::InitCommandAck(p) => p.quirks(),
            Self::InitEventAck(p) => p.quirks(),
            _ => Vec::new(),
        }
    }

    /// Detaches borrowed payloads from the input.
    #[must_use]
    pub fn into_owned(self) -> Packet<'static> {
        match self {
            Self::InitCommandRequest(p) => Packet::InitCommandRequest(p),
            Self::InitCommandAck(p) => Packet::InitCommandAck(p),
            Self::InitEventRequest(p) => Packet::InitEventRequest(p),
            Self::InitEventAck(p) => Packet::InitEventAck(p),
            Self::InitFail(p) => Packet::InitFail(p),
            Self::OperationRequest(p) => Packet::OperationRequest(p),
            Self::OperationResponse(p) => Packet::OperationResponse(p),
            Self::Event(p) => Packet::Event(p),
            Self::StartData(p) => Packet::StartData(p),
            Self::Data(p) => Packet::Data(p.into_owned()),
            Self::Cancel(p) => Packet::Cancel(p),
            Self::EndData(p) => Packet::EndData(p.into_owned()),
            Self::ProbeRequest => Packet::ProbeRequest,
            Self::ProbeResponse => Packet::ProbeResponse,
            Self::Unknown {
                packet_type,
                payload,
            } => Packet::Unknown {
                packet_type,
                payload: Cow::Owned(payload.into_owned()),
            },
        }
    }

    /// Decodes exactly one packet filling all of `bytes`.
    pub fn decode(bytes: &'a [u8], dialect: Dialect) -> Result<Self, DecodeError> {
        let (used, packet) = error::finish(parse_packet(bytes, dialect), bytes.len(), "PTP/IP")?;
        if used != bytes.len() {
            return Err(DecodeError::new(
                "Length",
                DecodeReason::TrailingBytes {
                    extra: (bytes.len() - used) as u64,
                },
            )
            .in_context(packet.packet_type().name().unwrap_or("PTP/IP")));
        }
        Ok(packet)
    }
}

impl Encode for Packet<'_> {
    /// Bytes on the wire, header included.
    fn encoded_len(&self) -> usize {
        Header::LEN + self.payload_len()
    }

    /// Appends the packet's wire bytes to `out`.
    ///
    /// A Data/End_Data payload longer than [`Packet::MAX_DATA_PAYLOAD`] cannot be framed; the
    /// state machines split payloads long before that.
    fn encode(&self, out: &mut Vec<u8>) {
        if operation::write_operation(self, out) {
            return;
        }
        out.reserve(self.encoded_len());
        Header {
            length: u32::try_from(self.encoded_len()).unwrap_or(u32::MAX),
            packet_type: self.packet_type(),
        }
        .write(out);
        match self {
            Self::InitCommandRequest(p) => p.write(out),
            Self::InitCommandAck(p) => p.write(out),
            Self::InitEventAck(p) => p.write(out),
            Self::InitEventRequest(p) => out.put_u32_le(p.connection_number.0),
            Self::InitFail(p) => out.put_u32_le(p.reason.0),
            Self::OperationRequest(p) => p.write(out),
            Self::OperationResponse(p) => p.write(out),
            Self::Event(p) => p.write(out),
            Self::StartData(p) => p.write(out),
            Self::Cancel(p) => out.put_u32_le(p.transaction_id.0),
            Self::Data(p) | Self::EndData(p) => {
                out.put_u32_le(p.transaction_id.0);
                out.extend_from_slice(&p.payload);
            }
            Self::Unknown { payload, .. } => out.extend_from_slice(payload),
            Self::ProbeRequest | Self::ProbeResponse => {}
        }
    }
}

/// Parses one packet from the front of `i`.
///
/// Streaming only in its length check: a buffer shorter than the header's length gives
/// `Err(Incomplete(n))` with the bytes still missing; the body is then decoded completely.
pub fn parse_packet(i: &[u8], dialect: Dialect) -> DecodeResult<'_, Packet<'_>> {
    let (_, header) = parse_header(i)?;
    let total = header.length as usize;
    if i.len() < total {
        return Err(nom::Err::Incomplete(nom::Needed::new(total - i.len())));
    }
    let body = &i[Header::LEN..total];
    let packet = parse_body(header.packet_type, body, dialect)?;
    Ok((&i[total..], packet))
}

/// Decodes a packet body (everything after the header) of a known type; the whole body must be used.
pub fn parse_body(
    packet_type: PacketType,
    body: &[u8],
    dialect: Dialect,
) -> Result<Packet<'_>, nom::Err<DecodeError>> {
    if let Some(p) = parse_operation(packet_type, body) {
        return Ok(p);
    }
    let context = packet_type.name().unwrap_or("Unknown packet");
    let parsed = parse_body_inner(packet_type, body, dialect);
    let (rest, packet) = error::with_context(parsed, context)?;
    wire::expect_end(rest, "Length").map_err(|e| e.map(|d| d.in_context(context)))?;
    Ok(packet)
}

fn parse_body_inner(
    packet_type: PacketType,
    b: &[u8],
    dialect: Dialect,
) -> DecodeResult<'_, Packet<'_>> {
    match packet_type {
        PacketType::INIT_COMMAND_REQUEST => {
            let (i, p) = InitCommandRequest::parse(b, dialect)?;
            Ok((i, Packet::InitCommandRequest(p)))
        }
        PacketType::INIT_COMMAND_ACK => {
            let (i, p) = InitCommandAck::parse(b)?;
            Ok((i, Packet::InitCommandAck(p)))
        }
        PacketType::INIT_EVENT_REQUEST => {
            let (i, c) = wire::u32_le(b, "ConnectionNumber")?;
            Ok((i, Packet::InitEventRequest(InitEventRequest::new(c.into()))))
        }
        PacketType::INIT_EVENT_ACK => {
            let (i, p) = InitEventAck::parse(b)?;
            Ok((i, Packet::InitEventAck(p)))
        }
        PacketType::INIT_FAIL => {
            let (i, r) = wire::u32_le(b, "Reason")?;
            Ok((i, Packet::InitFail(InitFail::new(InitFailReason(r)))))
        }
        PacketType::OPERATION_REQUEST => {
            let (i, p) = OperationRequest::parse(b)?;
            Ok((i, Packet::OperationRequest(p)))
        }
        PacketType::OPERATION_RESPONSE => {
            let (i, p) = OperationResponse::parse(b)?;
            Ok((i, Packet::OperationResponse(p)))
        }
        PacketType::EVENT => {
            let (i, p) = EventPacket::parse(b)?;
            Ok((i, Packet::Event(p)))
        }
        PacketType::START_DATA => {
            let (i, p) = StartData::parse(b)?;
            Ok((i, Packet::StartData(p)))
        }
        PacketType::DATA => {
            let (i, p) = DataPacket::parse(b)?;
            Ok((i, Packet::Data(p)))
        }
        PacketType::CANCEL => {
            let (i, t) = wire::u32_le(b, "TransactionID")?;
            Ok((i, Packet::Cancel(Cancel::new(t.into()))))
        }
        PacketType::END_DATA => {
            let (i, p) = DataPacket::parse(b)?;
            Ok((i, Packet::EndData(p)))
        }
        PacketType::PROBE_REQUEST => Ok((b, Packet::ProbeRequest)),
        PacketType::PROBE_RESPONSE => Ok((b, Packet::ProbeResponse)),
        other => Ok((
            &b[b.len()..],
            Packet::Unknown {
                packet_type: other,
                payload: Cow::Borrowed(b),
            },
        )),
    }
}

#[cfg(test)]
mod tests;
