//! Telling accepted connections apart, for servers that listen on one port for both channels.
//!
//! A PTP/IP responder accepts two TCP connections per initiator on the same port: the first packet
//! says which is which (Init_Command_Request, or Init_Event_Request with the connection number that
//! pairs it with its command connection). A server feeds what it reads to a [`ConnectionSorter`]
//! (or asks [`classify_connection`] itself), writes back what the sorter answers, and hands the
//! rest to the right [`Responder`](super::Responder) channel, so transports never parse packets
//! themselves.

use bytes::BytesMut;

use crate::Encode;
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

/// Sorts a new connection by its first packet, answering the Probe_Requests that come before it
/// (an initiator may probe a camera before it introduces itself).
///
/// Feed it with [`push`](Self::push), write back what [`take_reply`](Self::take_reply) gives, and
/// once [`poll`](Self::poll) names the kind, give [`into_rest`](Self::into_rest) to the
/// responder: it starts with the init packet.
#[derive(Debug, Default)]
pub struct ConnectionSorter {
    buf: BytesMut,
    reply: Vec<u8>,
    probes: u32,
}

impl ConnectionSorter {
    /// The most bytes a probe packet may announce (it has no body; a little slack is allowed).
    const MAX_PROBE_LEN: u32 = 64;

    /// A sorter that has seen nothing yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes read from the connection.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The connection's kind once its first packet other than a probe is known (`Ok(None)`: more
    /// bytes are needed), or the error when that packet is neither init request. Probes before
    /// it are consumed and answered.
    pub fn poll(&mut self) -> Result<Option<ConnectionKind>, DecodeError> {
        loop {
            let header = match crate::packet::parse_header(&self.buf) {
                Ok((_, h)) => h,
                Err(nom::Err::Incomplete(_)) => return Ok(None),
                Err(nom::Err::Error(e) | nom::Err::Failure(e)) => return Err(e),
            };
            let probe = header.packet_type == PacketType::PROBE_REQUEST;
            if !probe && header.packet_type != PacketType::PROBE_RESPONSE {
                return classify_connection(&self.buf);
            }
            if header.length > Self::MAX_PROBE_LEN {
                return Err(DecodeError {
                    context: "PTP/IP connection",
                    field: "Length",
                    reason: DecodeReason::InvalidValue("a probe packet has no body"),
                });
            }
            if self.buf.len() < header.length as usize {
                return Ok(None);
            }
            let _ = self.buf.split_to(header.length as usize);
            if probe {
                self.probes += 1;
                Packet::ProbeResponse.encode(&mut self.reply);
            }
        }
    }

    /// Bytes to write back to the initiator now (Probe_Responses).
    pub fn take_reply(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.reply)
    }

    /// Probe_Requests answered so far.
    #[must_use]
    pub const fn probes(&self) -> u32 {
        self.probes
    }

    /// The bytes read and not consumed: the init packet and whatever followed it.
    #[must_use]
    pub fn into_rest(self) -> BytesMut {
        self.buf
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
    fn sorter_answers_probes_before_the_init_packet() {
        let probe = Packet::ProbeRequest.to_bytes();
        let evt = Packet::InitEventRequest(InitEventRequest::new(ConnectionNumber(3))).to_bytes();
        let mut all = probe.clone();
        all.extend_from_slice(&Packet::ProbeResponse.to_bytes());
        all.extend_from_slice(&probe);
        all.extend_from_slice(&evt);
        // Byte by byte: nothing is decided early, and each probe is answered once whole.
        let mut s = ConnectionSorter::new();
        let mut replies = Vec::new();
        let mut kind = None;
        for b in &all {
            assert_eq!(kind, None);
            s.push(&[*b]);
            kind = s.poll().unwrap();
            replies.extend(s.take_reply());
        }
        assert_eq!(kind, Some(ConnectionKind::Event(ConnectionNumber(3))));
        assert_eq!(s.probes(), 2);
        let mut two = Packet::ProbeResponse.to_bytes();
        two.extend_from_slice(&Packet::ProbeResponse.to_bytes());
        assert_eq!(replies, two);
        assert_eq!(&s.into_rest()[..], &evt[..]);
        // A probe announcing a body is refused, as is another first packet.
        let mut s = ConnectionSorter::new();
        s.push(&[200, 0, 0, 0, 13, 0, 0, 0]);
        assert!(s.poll().is_err());
        let mut s = ConnectionSorter::new();
        s.push(&Packet::InitEventAck(Default::default()).to_bytes());
        assert!(s.poll().is_err());
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
