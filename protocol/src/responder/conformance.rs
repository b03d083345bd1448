//! The responder as a conformance judge: what an initiator did wrong, typed, and the rules it is
//! held to (the transaction-id sequence of ISO 15740 §9.3.1, and which standard operations have a
//! data-out phase).
//!
//! Every breach the [`Responder`](super::Responder) sees is reported once as a [`Violation`]
//! through [`ResponderEvent::Violation`](super::ResponderEvent::Violation), with what the
//! responder did about it ([`ViolationOutcome`]), so a server can log them and a virtual camera
//! doubles as a checker for other software.

use std::fmt;

use crate::channel::Channel;
use crate::error::{DecodeError, Error};
use crate::fuji::ContainerType;
use crate::packet::PacketType;
use crate::ptp::codes::{OperationCode, ResponseCode};
use crate::types::TransactionId;

/// Which packet a [`Violation`] was seen in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ViolationPacket {
    /// A PTP/IP packet of this type.
    PtpIp(PacketType),
    /// A Fujifilm container of this type.
    Fuji(ContainerType),
    /// Bytes that did not decode as a packet.
    Undecodable,
    /// No packet: the initiator went silent until a deadline passed.
    Silence,
}

impl fmt::Display for ViolationPacket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PtpIp(t) => match t.name() {
                Some(name) => f.write_str(name),
                None => write!(f, "packet type {}", t.0),
            },
            Self::Fuji(t) => match t.name() {
                Some(name) => write!(f, "Fujifilm {name} container"),
                None => write!(f, "Fujifilm container type {}", t.0),
            },
            Self::Undecodable => f.write_str("undecodable bytes"),
            Self::Silence => f.write_str("silence"),
        }
    }
}

/// What an initiator did wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ViolationKind {
    /// A request inside a session carried the transaction id of the previous request.
    TransactionIdReused,
    /// A request inside a session carried a transaction id before the previous request's.
    TransactionIdBackwards {
        /// The id of the previous request.
        previous: TransactionId,
    },
    /// A request inside a session skipped transaction ids (ISO 15740 has them count one by one).
    TransactionIdSkipped {
        /// The id of the previous request.
        previous: TransactionId,
    },
    /// A request carried the reserved transaction id 0xFFFFFFFF.
    TransactionIdReserved,
    /// OpenSession carried a transaction id other than 0.
    OpenSessionTransactionId,
    /// The request announced a data-out phase (DataPhaseInfo 2) for an operation that has none.
    DataOutNotDefined {
        /// The operation.
        operation: OperationCode,
    },
    /// Data came for a transaction that is not in a data-out phase.
    DataWithoutDataOutPhase,
    /// A data-out phase carried more or fewer bytes than its Start_Data announced.
    DataLength {
        /// Bytes announced.
        announced: u64,
        /// Bytes received (so far, when it went over).
        received: u64,
    },
    /// A second Init_Command_Request on a connection already acknowledged (Fujifilm clients,
    /// gphoto2's among them, send it twice).
    InitCommandRequestRepeated,
    /// A packet that makes no sense in the responder's state.
    UnexpectedPacket {
        /// What it was.
        got: String,
        /// What the responder was doing.
        state: &'static str,
    },
    /// Bytes that do not decode.
    Malformed(DecodeError),
    /// A data-out phase stopped before its end for longer than
    /// [`ResponderConfig::data_timeout`](super::ResponderConfig::data_timeout).
    DataOutStalled {
        /// Bytes received before it stopped.
        received: u64,
        /// Bytes announced by Start_Data (or the Fujifilm container), if any were.
        announced: Option<u64>,
    },
}

impl fmt::Display for ViolationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TransactionIdReused => f.write_str("transaction id reused"),
            Self::TransactionIdBackwards { previous } => {
                write!(f, "transaction id goes backwards (previous {previous})")
            }
            Self::TransactionIdSkipped { previous } => {
                write!(f, "transaction ids skipped (previous {previous})")
            }
            Self::TransactionIdReserved => f.write_str("reserved transaction id 0xFFFFFFFF"),
            Self::OpenSessionTransactionId => {
                f.write_str("OpenSession with a transaction id other than 0")
            }
            Self::DataOutNotDefined { operation } => {
                write!(
                    f,
                    "data-out phase announced for {operation}, which has none"
                )
            }
            Self::DataWithoutDataOutPhase => {
                f.write_str("data for a transaction not in a data-out phase")
            }
            Self::DataLength {
                announced,
                received,
            } => write!(
                f,
                "data phase announced {announced} bytes but carried {received}"
            ),
            Self::InitCommandRequestRepeated => {
                f.write_str("Init_Command_Request repeated on an acknowledged connection")
            }
            Self::UnexpectedPacket { got, state } => write!(f, "unexpected {got} while {state}"),
            Self::Malformed(e) => write!(f, "malformed: {e}"),
            Self::DataOutStalled {
                received,
                announced: Some(n),
            } => write!(f, "data-out phase stalled after {received} of {n} bytes"),
            Self::DataOutStalled {
                received,
                announced: None,
            } => write!(f, "data-out phase stalled after {received} bytes"),
        }
    }
}

/// What the responder did about a [`Violation`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ViolationOutcome {
    /// It answered the request with this response code (and discarded any data that came with it).
    Refused(ResponseCode),
    /// It carried on as if the initiator had conformed.
    Tolerated,
    /// It dropped the packet (and any data it carried).
    Discarded,
    /// It closed the connection: the stream cannot be followed any further.
    Closed,
}

impl fmt::Display for ViolationOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused(code) => write!(f, "answered {code}"),
            Self::Tolerated => f.write_str("tolerated"),
            Self::Discarded => f.write_str("discarded"),
            Self::Closed => f.write_str("connection closed"),
        }
    }
}

/// One breach of the protocol by the initiator, as the responder saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// What was wrong.
    pub kind: ViolationKind,
    /// The channel it came on.
    pub channel: Channel,
    /// The transaction it concerned, when it named one.
    pub transaction: Option<TransactionId>,
    /// The packet it was seen in.
    pub packet: ViolationPacket,
    /// What the responder did.
    pub outcome: ViolationOutcome,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on the {}", self.packet, self.channel)?;
        if let Some(t) = self.transaction {
            write!(f, ", transaction {t}")?;
        }
        write!(f, ": {} ({})", self.kind, self.outcome)
    }
}

impl Violation {
    /// The violation undecodable input stands for (other fatal breaches are reported where they
    /// are found, with their packet).
    pub(super) fn from_fatal(e: &Error) -> Option<Self> {
        let Error::Decode { channel, source } = e else {
            return None;
        };
        Some(Self {
            kind: ViolationKind::Malformed(source.clone()),
            channel: *channel,
            transaction: None,
            packet: ViolationPacket::Undecodable,
            outcome: ViolationOutcome::Closed,
        })
    }
}

/// Where a request's transaction id stands in the session's sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum TidCheck {
    /// The next id, or an id outside a session (not checked).
    InSequence,
    /// Later than the next id: tolerated, reported.
    Skipped(TransactionId),
    /// Refused with InvalidTransactionID.
    Invalid(ViolationKind),
}

/// The transaction-id rules of ISO 15740 §9.3.1 inside a session: OpenSession carries 0, the
/// requests after it 1, 2, … up to 0xFFFFFFFE, then 1 again; 0xFFFFFFFF is reserved.
///
/// Initiators that give OpenSession another id (Fujifilm's app sends 1) are reported but followed:
/// the sequence continues from whatever OpenSession carried. Outside a session nothing is checked
/// (GetDeviceInfo may come before OpenSession with id 0, and after CloseSession the count starts
/// again).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct TidSequence {
    /// The id of the last request accepted in the open session.
    last: Option<TransactionId>,
}

impl TidSequence {
    /// Judges `tid` for a request inside a session (not OpenSession); an accepted id becomes the
    /// last one.
    pub(super) fn check(&mut self, tid: TransactionId) -> TidCheck {
        if tid == TransactionId::RESERVED {
            return TidCheck::Invalid(ViolationKind::TransactionIdReserved);
        }
        let Some(previous) = self.last else {
            self.last = Some(tid);
            return TidCheck::InSequence;
        };
        if tid == previous {
            return TidCheck::Invalid(ViolationKind::TransactionIdReused);
        }
        // Ahead by less than half the id space: forward (across the wrap too); else backwards.
        let ahead = tid.0.wrapping_sub(previous.0) < 1 << 31;
        if !ahead {
            return TidCheck::Invalid(ViolationKind::TransactionIdBackwards { previous });
        }
        self.last = Some(tid);
        if tid == previous.next() {
            TidCheck::InSequence
        } else {
            TidCheck::Skipped(previous)
        }
    }

    /// A session was opened by a request with `tid`.
    pub(super) const fn open(&mut self, tid: TransactionId) {
        self.last = Some(tid);
    }

    /// The session ended.
    pub(super) const fn close(&mut self) {
        self.last = None;
    }
}

/// Whether a standard operation has a data-out phase (initiator to responder): `Some(false)` for
/// the ISO 15740 operations 0x1001–0x1025 other than SendObjectInfo, SendObject and
/// SetDevicePropValue; `None` (not known) for vendor and MTP operations, which the device judges.
#[must_use]
pub(super) fn has_data_out(code: OperationCode) -> Option<bool> {
    match code {
        OperationCode::SEND_OBJECT_INFO
        | OperationCode::SEND_OBJECT
        | OperationCode::SET_DEVICE_PROP_VALUE => Some(true),
        OperationCode(0x1001..=0x1025) => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_counts_one_by_one_and_wraps() {
        let mut s = TidSequence::default();
        s.open(TransactionId::OPEN_SESSION);
        for n in 1..=3 {
            assert_eq!(s.check(TransactionId(n)), TidCheck::InSequence);
        }
        assert_eq!(
            s.check(TransactionId(3)),
            TidCheck::Invalid(ViolationKind::TransactionIdReused)
        );
        assert_eq!(
            s.check(TransactionId(2)),
            TidCheck::Invalid(ViolationKind::TransactionIdBackwards {
                previous: TransactionId(3)
            })
        );
        // A refused id does not move the sequence on.
        assert_eq!(s.check(TransactionId(4)), TidCheck::InSequence);
        assert_eq!(
            s.check(TransactionId(9)),
            TidCheck::Skipped(TransactionId(4))
        );
        assert_eq!(
            s.check(TransactionId::RESERVED),
            TidCheck::Invalid(ViolationKind::TransactionIdReserved)
        );
        let mut s = TidSequence::default();
        s.open(TransactionId(0xFFFF_FFFE));
        assert_eq!(s.check(TransactionId(1)), TidCheck::InSequence);
        // OpenSession with 0, then 0 again: reused.
        let mut s = TidSequence::default();
        s.open(TransactionId::OPEN_SESSION);
        assert_eq!(
            s.check(TransactionId(0)),
            TidCheck::Invalid(ViolationKind::TransactionIdReused)
        );
        // Fujifilm's OpenSession with 1: 2 follows, 0 or 1 do not.
        let mut s = TidSequence::default();
        s.open(TransactionId(1));
        assert!(matches!(s.check(TransactionId(0)), TidCheck::Invalid(_)));
        assert_eq!(s.check(TransactionId(2)), TidCheck::InSequence);
        // After the session, nothing is remembered.
        s.close();
        assert_eq!(s.check(TransactionId(1)), TidCheck::InSequence);
    }

    #[test]
    fn data_out_phases_of_the_standard_operations() {
        assert_eq!(has_data_out(OperationCode::SEND_OBJECT), Some(true));
        assert_eq!(
            has_data_out(OperationCode::SET_DEVICE_PROP_VALUE),
            Some(true)
        );
        assert_eq!(has_data_out(OperationCode::GET_DEVICE_INFO), Some(false));
        assert_eq!(has_data_out(OperationCode::DELETE_OBJECT), Some(false));
        assert_eq!(has_data_out(OperationCode::GET_STREAM), Some(false));
        assert_eq!(has_data_out(OperationCode::SET_OBJECT_PROP_VALUE), None);
        assert_eq!(has_data_out(OperationCode(0x9022)), None);
    }

    #[test]
    fn a_violation_reads_as_one_line() {
        let v = Violation {
            kind: ViolationKind::TransactionIdReused,
            channel: Channel::Command,
            transaction: Some(TransactionId(5)),
            packet: ViolationPacket::PtpIp(PacketType::OPERATION_REQUEST),
            outcome: ViolationOutcome::Refused(ResponseCode::INVALID_TRANSACTION_ID),
        };
        let text = v.to_string();
        assert!(text.starts_with("Operation_Request on the "), "{text}");
        assert!(
            text.contains("transaction 5: transaction id reused"),
            "{text}"
        );
        assert!(text.ends_with("(answered InvalidTransactionID)"), "{text}");
    }
}
