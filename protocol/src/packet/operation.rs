//! The packets of a running session (DC-X005 §2.3.6–2.3.14): requests, responses, events, the data
//! phase, cancel and probes.

use std::borrow::Cow;
use std::fmt;

use crate::error::DecodeResult;
use crate::ptp::codes::{EventCode, OperationCode, ResponseCode};
use crate::types::{Params, TransactionId};
use crate::wire::{self, PutLe};

use super::{Header, Packet, PacketType};

/// Operation_Request's DataPhaseInfo: whether a data phase follows and in which direction.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct DataPhaseInfo(pub u32);

impl DataPhaseInfo {
    /// No data phase, or data from responder to initiator (what every initiator sends for both).
    pub const NO_DATA_OR_DATA_IN: Self = Self(1);
    /// Data from initiator to responder follows.
    pub const DATA_OUT: Self = Self(2);
    /// The initiator does not know.
    pub const UNKNOWN: Self = Self(3);
}

impl fmt::Debug for DataPhaseInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match *self {
            Self::NO_DATA_OR_DATA_IN => "NoDataOrDataIn",
            Self::DATA_OUT => "DataOut",
            Self::UNKNOWN => "Unknown",
            Self(other) => return write!(f, "DataPhaseInfo({other:#x})"),
        };
        f.write_str(name)
    }
}

/// Operation_Request: starts a transaction. Carries 0–5 parameters, as many as the length says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OperationRequest {
    /// Whether data follows, and which way.
    pub data_phase: DataPhaseInfo,
    /// The operation.
    pub code: OperationCode,
    /// The transaction this request opens.
    pub transaction_id: TransactionId,
    /// Operation parameters.
    pub params: Params,
}

impl OperationRequest {
    /// Bytes after the header.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        4 + 2 + 4 + self.params.encoded_len()
    }

    pub(crate) fn parse(i: &[u8]) -> DecodeResult<'_, Self> {
        let (i, data_phase) = wire::u32_le(i, "DataPhaseInfo")?;
        let (i, code) = wire::u16_le(i, "OperationCode")?;
        let (i, transaction_id) = wire::u32_le(i, "TransactionID")?;
        let (i, params) = Params::parse_block(i, 5)?;
        Ok((
            i,
            Self {
                data_phase: DataPhaseInfo(data_phase),
                code: OperationCode(code),
                transaction_id: TransactionId(transaction_id),
                params,
            },
        ))
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.put_u32_le(self.data_phase.0);
        out.put_u16_le(self.code.0);
        out.put_u32_le(self.transaction_id.0);
        self.params.write(out);
    }
}

/// The request and the response of every round trip, decoded straight from their fixed layout
/// (`body`: everything after the header); `None` for any other type, and for a body that does not
/// fit the layout, which the general decoder then reports in detail.
pub(crate) fn parse_operation(packet_type: PacketType, body: &[u8]) -> Option<Packet<'static>> {
    let u16_at = |at: usize| u16::from_le_bytes([body[at], body[at + 1]]);
    let u32_at =
        |at: usize| u32::from_le_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]]);
    match packet_type {
        PacketType::OPERATION_REQUEST => {
            let params = Params::from_block(body.get(10..)?)?;
            Some(Packet::OperationRequest(OperationRequest {
                data_phase: DataPhaseInfo(u32_at(0)),
                code: OperationCode(u16_at(4)),
                transaction_id: TransactionId(u32_at(6)),
                params,
            }))
        }
        PacketType::OPERATION_RESPONSE => {
            let params = Params::from_block(body.get(6..)?)?;
            Some(Packet::OperationResponse(OperationResponse {
                code: ResponseCode(u16_at(0)),
                transaction_id: TransactionId(u32_at(2)),
                params,
            }))
        }
        _ => None,
    }
}

/// Appends a whole Operation_Request or Operation_Response (header included) in one copy from
/// the stack; `false` for any other packet.
pub(crate) fn write_operation(packet: &Packet<'_>, out: &mut Vec<u8>) -> bool {
    // The longest: header, DataPhaseInfo, code, transaction and five parameters.
    let mut b = [0u8; Header::LEN + 10 + 4 * Params::MAX];
    let mut at = Header::LEN;
    let mut put = |bytes: &[u8]| {
        b[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    let (packet_type, params) = match packet {
        Packet::OperationRequest(r) => {
            put(&r.data_phase.0.to_le_bytes());
            put(&r.code.0.to_le_bytes());
            put(&r.transaction_id.0.to_le_bytes());
            (PacketType::OPERATION_REQUEST, &r.params)
        }
        Packet::OperationResponse(r) => {
            put(&r.code.0.to_le_bytes());
            put(&r.transaction_id.0.to_le_bytes());
            (PacketType::OPERATION_RESPONSE, &r.params)
        }
        _ => return false,
    };
    for p in params.as_slice() {
        put(&p.to_le_bytes());
    }
    // At most 38, so the length fits.
    b[..4].copy_from_slice(&(at as u32).to_le_bytes());
    b[4..8].copy_from_slice(&packet_type.0.to_le_bytes());
    out.extend_from_slice(&b[..at]);
    true
}

/// Operation_Response: ends a transaction with a response code and 0–5 parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OperationResponse {
    /// The result.
    pub code: ResponseCode,
    /// The transaction it ends.
    pub transaction_id: TransactionId,
    /// Response parameters.
    pub params: Params,
}

impl OperationResponse {
    /// Bytes after the header.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        2 + 4 + self.params.encoded_len()
    }

    pub(crate) fn parse(i: &[u8]) -> DecodeResult<'_, Self> {
        let (i, code) = wire::u16_le(i, "ResponseCode")?;
        let (i, transaction_id) = wire::u32_le(i, "TransactionID")?;
        let (i, params) = Params::parse_block(i, 5)?;
        Ok((
            i,
            Self {
                code: ResponseCode(code),
                transaction_id: TransactionId(transaction_id),
                params,
            },
        ))
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.put_u16_le(self.code.0);
        out.put_u32_le(self.transaction_id.0);
        self.params.write(out);
    }
}

/// The Event packet: a device event on the event connection, with 0–3 parameters (decoded for
/// callers as a [`DeviceEvent`](crate::DeviceEvent)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventPacket {
    /// The event.
    pub code: EventCode,
    /// The transaction it relates to, if any (0xFFFFFFFF or 0 when none, depending on the device).
    pub transaction_id: TransactionId,
    /// Event parameters; the decoder accepts at most [`EventPacket::MAX_PARAMS`].
    pub params: Params,
}

impl EventPacket {
    /// The most parameters a PTP/IP Event carries.
    pub const MAX_PARAMS: u8 = 3;

    /// Bytes after the header.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        2 + 4 + self.params.encoded_len()
    }

    pub(crate) fn parse(i: &[u8]) -> DecodeResult<'_, Self> {
        let (i, code) = wire::u16_le(i, "EventCode")?;
        let (i, transaction_id) = wire::u32_le(i, "TransactionID")?;
        let (i, params) = Params::parse_block(i, Self::MAX_PARAMS)?;
        Ok((
            i,
            Self {
                code: EventCode(code),
                transaction_id: TransactionId(transaction_id),
                params,
            },
        ))
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.put_u16_le(self.code.0);
        out.put_u32_le(self.transaction_id.0);
        self.params.write(out);
    }
}

/// Start_Data: opens a data phase and announces its total length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StartData {
    /// The transaction the data belongs to.
    pub transaction_id: TransactionId,
    /// Total payload bytes of the data phase, or [`StartData::UNKNOWN_LENGTH`].
    pub total_length: u64,
}

impl StartData {
    /// The all-ones length: the sender does not know the total in advance.
    pub const UNKNOWN_LENGTH: u64 = u64::MAX;
    /// Bytes after the header.
    pub const LEN: usize = 12;

    /// The total length, unless it is unknown.
    #[must_use]
    pub const fn known_length(&self) -> Option<u64> {
        if self.total_length == Self::UNKNOWN_LENGTH {
            None
        } else {
            Some(self.total_length)
        }
    }

    pub(crate) fn parse(i: &[u8]) -> DecodeResult<'_, Self> {
        let (i, transaction_id) = wire::u32_le(i, "TransactionID")?;
        let (i, total_length) = wire::u64_le(i, "TotalDataLength")?;
        Ok((
            i,
            Self {
                transaction_id: TransactionId(transaction_id),
                total_length,
            },
        ))
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.put_u32_le(self.transaction_id.0);
        out.put_u64_le(self.total_length);
    }
}

/// The body of a Data or End_Data packet: a transaction id and a piece of the payload.
///
/// Parsing borrows the payload; the [`Deframer`](crate::Deframer) never builds this type for data,
/// it hands payload pieces out as they arrive instead.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DataPacket<'a> {
    /// The transaction the data belongs to.
    pub transaction_id: TransactionId,
    /// The payload bytes.
    pub payload: Cow<'a, [u8]>,
}

impl DataPacket<'_> {
    /// Bytes before the payload: header plus TransactionID.
    pub const HEADER_LEN: usize = 12;

    /// Writes the 12 bytes that precede a payload of `payload_len` bytes, for senders that keep the
    /// payload elsewhere. `end` selects End_Data over Data.
    pub fn write_header(
        out: &mut Vec<u8>,
        end: bool,
        transaction_id: TransactionId,
        payload_len: u32,
    ) {
        let packet_type = if end {
            PacketType::END_DATA
        } else {
            PacketType::DATA
        };
        Header {
            length: payload_len.saturating_add(Self::HEADER_LEN as u32),
            packet_type,
        }
        .write(out);
        out.put_u32_le(transaction_id.0);
    }

    /// Detaches the payload from the input.
    #[must_use]
    pub fn into_owned(self) -> DataPacket<'static> {
        DataPacket {
            transaction_id: self.transaction_id,
            payload: Cow::Owned(self.payload.into_owned()),
        }
    }

    pub(crate) fn parse(i: &[u8]) -> DecodeResult<'_, DataPacket<'_>> {
        let (i, transaction_id) = wire::u32_le(i, "TransactionID")?;
        Ok((
            &i[i.len()..],
            DataPacket {
                transaction_id: TransactionId(transaction_id),
                payload: Cow::Borrowed(i),
            },
        ))
    }
}

impl fmt::Debug for DataPacket<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataPacket")
            .field("transaction_id", &self.transaction_id)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

/// Cancel: abandons a transaction. Sent on the event connection by the side that cancels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cancel {
    /// The transaction to cancel.
    pub transaction_id: TransactionId,
}

impl Cancel {
    /// Cancels `transaction_id`.
    #[must_use]
    pub const fn new(transaction_id: TransactionId) -> Self {
        Self { transaction_id }
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_operation, write_operation};
    use crate::packet::{
        DataPhaseInfo, Dialect, Header, OperationRequest, OperationResponse, Packet, PacketType,
        parse_body_inner,
    };
    use crate::ptp::codes::{OperationCode, ResponseCode};
    use crate::types::{Params, TransactionId};
    use crate::wire::PutLe;

    /// The fast paths write and read exactly what the general encoder and decoder do.
    #[test]
    fn the_round_trip_fast_paths_match_the_general_codec() {
        for n in 0..=Params::MAX {
            let params = Params::from_slice(&[7, 0xFFFF_FFFF, 3, 0, 0x1234_5678][..n]).unwrap();
            let packets = [
                Packet::OperationRequest(OperationRequest {
                    data_phase: DataPhaseInfo::DATA_OUT,
                    code: OperationCode(0x1007),
                    transaction_id: TransactionId(0x0102_0304),
                    params,
                }),
                Packet::OperationResponse(OperationResponse {
                    code: ResponseCode(0x2001),
                    transaction_id: TransactionId(9),
                    params,
                }),
            ];
            for p in packets {
                let mut fast = Vec::new();
                assert!(write_operation(&p, &mut fast));
                let mut general = Vec::new();
                Header {
                    length: fast.len() as u32,
                    packet_type: p.packet_type(),
                }
                .write(&mut general);
                match &p {
                    Packet::OperationRequest(r) => r.write(&mut general),
                    Packet::OperationResponse(r) => r.write(&mut general),
                    _ => unreachable!(),
                }
                assert_eq!(fast, general);
                let body = &fast[Header::LEN..];
                assert_eq!(parse_operation(p.packet_type(), body), Some(p.clone()));
                let (rest, slow) = parse_body_inner(p.packet_type(), body, Dialect::Generic)
                    .expect("the general decoder reads it too");
                assert!(rest.is_empty());
                assert_eq!(slow, p);
            }
        }
        // What does not fit the layout is left to the general decoder.
        let mut long = Vec::new();
        for _ in 0..7 {
            long.put_u32_le(1);
        }
        assert_eq!(
            parse_operation(PacketType::OPERATION_RESPONSE, &long[..5]),
            None
        );
        assert_eq!(
            parse_operation(PacketType::OPERATION_RESPONSE, &long[..7]),
            None
        );
        assert_eq!(parse_operation(PacketType::OPERATION_RESPONSE, &long), None);
        assert_eq!(
            parse_operation(PacketType::OPERATION_REQUEST, &long[..9]),
            None
        );
        assert_eq!(parse_operation(PacketType::EVENT, &long[..6]), None);
        assert!(!write_operation(&Packet::ProbeRequest, &mut Vec::new()));
    }
}
