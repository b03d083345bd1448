//! Telling accepted connections apart, for servers that listen on one port for both channels.
//!
//! A PTP/IP responder accepts two TCP connections per initiator on the same port: the first packet
//! says which is which (Init_Command_Request, or Init_Event_Request with the connection number that
//! pairs it with its command connection). A server reads a few bytes, asks [`classify_connection`],
//! and hands every byte it read to the right [`Responder`](super::Responder) channel, so transports
//! never parse packets themselves.

use crate::error::{DecodeError, DecodeReason};
use crate::packet::{Header, InitFail, InitFailReason, Packet, PacketType};
use crate::types::ConnectionNumber;

/// What a new connection is, judged by its first packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionKind {
    /// It starts with Init_Command_Request: a new session's command/data connection.
    Command,
    /// It starts with Init_Event_Request: the event connection of session `0`.
    Event(ConnectionNumber),
}

/// Classifies a connection from the bytes read so far: `Ok(None)` until enough have arrived (at
/// most 12), an error when the first packet is neither init request.
pub fn classify_connection(prefix: &[u8]) -> Result<Option<ConnectionKind>, DecodeError> {
    let header = match crate::packet::parse_header(prefix) {
        Ok((_, h)) => h,
        Err(nom::Err::Incomplete(_)) => return Ok(None),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => return Err(e),
    };
    match header.packet_type {
        PacketType::INIT_COMMAND_REQUEST => Ok(Some(ConnectionKind::Command)),
        PacketType::INIT_EVENT_REQUEST => {
            let Some(raw) = prefix.get(Header::LEN..Header::LEN + 4) else {
                return Ok(None);
            };
            let n = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
            Ok(Some(ConnectionKind::Event(ConnectionNumber(n))))
        }
        other => Err(DecodeError {
            context: "PTP/IP connection",
            field: "PacketType",
            reason: DecodeReason::InvalidValue(match other.name() {
                Some(_) => "the first packet must be Init_Command_Request or Init_Event_Request",
                None => "unknown first packet type",
            }),
        }),
    }
}

/// What a responder sends on an event connection whose Init_Event_Request names no session it
/// knows: Init_Fail (reason unspecified), before closing it.
#[must_use]
pub fn unknown_connection_refusal() -> Vec<u8> {
    Packet::InitFail(InitFail::new(InitFailReason::UNSPECIFIED)).to_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::InitEventRequest;

    #[test]
    fn classifies_by_first_packet() {
        let evt = Packet::InitEventRequest(InitEventRequest::new(ConnectionNumber(7))).to_bytes();
        for n in 0..evt.len() {
            assert_eq!(classify_connection(&evt[..n]), Ok(None), "prefix {n}");
        }
        assert_eq!(
            classify_connection(&evt),
            Ok(Some(ConnectionKind::Event(ConnectionNumber(7))))
        );
        // Init_Command_Request: length 34, type 1 (the body is not needed to classify).
        let cmd = [34, 0, 0, 0, 1, 0, 0, 0];
        assert_eq!(classify_connection(&cmd), Ok(Some(ConnectionKind::Command)));
        // A probe first is refused, and so is a length below the header.
        assert!(classify_connection(&Packet::ProbeRequest.to_bytes()).is_err());
        assert!(classify_connection(&[4, 0, 0, 0, 1, 0, 0, 0]).is_err());
    }

    #[test]
    fn refusal_is_an_unspecified_init_fail() {
        // Length 12, type 5 (Init_Fail), reason 3 (unspecified).
        assert_eq!(
            unknown_connection_refusal(),
            [12, 0, 0, 0, 5, 0, 0, 0, 3, 0, 0, 0]
        );
    }
}
