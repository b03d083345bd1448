//! What a relay reports about each packet that passes: [`Record`].

use std::fmt;
use std::time::Instant;

use bytes::Bytes;

use crate::channel::Channel;
use crate::deframer::{DataHeader, DataKind};
use crate::fuji::Container;
use crate::packet::Packet;
use crate::types::{Params, TransactionId};

/// Which way bytes travel through a relay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// From the initiator (the program) to the responder (the camera).
    ToResponder,
    /// From the responder back to the initiator.
    ToInitiator,
}

impl Direction {
    /// Both directions, initiator to responder first.
    pub const BOTH: [Self; 2] = [Self::ToResponder, Self::ToInitiator];

    /// The other direction.
    #[must_use]
    pub const fn reverse(self) -> Self {
        match self {
            Self::ToResponder => Self::ToInitiator,
            Self::ToInitiator => Self::ToResponder,
        }
    }

    /// `0` for [`ToResponder`](Self::ToResponder), `1` for [`ToInitiator`](Self::ToInitiator).
    #[must_use]
    pub const fn index(self) -> usize {
        match self {
            Self::ToResponder => 0,
            Self::ToInitiator => 1,
        }
    }

    /// A short word for logs: `to-camera` or `to-initiator`.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::ToResponder => "to-camera",
            Self::ToInitiator => "to-initiator",
        }
    }

    /// An arrow for logs: `→` (to the camera) or `←`.
    #[must_use]
    pub const fn arrow(self) -> &'static str {
        match self {
            Self::ToResponder => "→",
            Self::ToInitiator => "←",
        }
    }
}

/// What a [`Record`] is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A whole PTP/IP control packet (anything but Data and End_Data).
    Packet(Packet<'static>),
    /// A whole Fujifilm container other than data.
    Container(Container<'static>),
    /// A data packet (Data, End_Data, or a Fujifilm data container) begins: its header. The
    /// payload passes without being held.
    Data(DataHeader),
    /// Bytes that do not decode, logged in hex (the first few) and passed on all the same.
    Undecodable {
        /// The first bytes.
        head: Bytes,
        /// How many bytes there were.
        len: u64,
    },
    /// Something the relay did or saw that is not a packet: a connection opened or closed, an
    /// initiator dropped, the camera lost.
    Notice(String),
}

/// One line of a relay's log: a packet (or undecodable bytes, or a notice) on one connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// When the bytes that completed it were read.
    pub at: Instant,
    /// The relay's number for the TCP connection it travelled on.
    pub connection: u64,
    /// Which way it went.
    pub direction: Direction,
    /// The connection's role in its session.
    pub channel: Channel,
    /// Bytes on the wire, header included (0 for a notice).
    pub wire_len: u64,
    /// What it was.
    pub item: Item,
    /// Every tolerance or violation the decoders reported about it, in words: each
    /// [`Quirk`](crate::Quirk) of the packet ([`Packet::quirks`](crate::Packet::quirks)), and a
    /// framing error.
    pub quirks: Vec<String>,
}

impl Record {
    /// The packet type, as the specs spell it (`Operation_Request`, `Fuji Response`…), or `None`
    /// for undecodable bytes and notices.
    #[must_use]
    pub fn packet_type(&self) -> Option<String> {
        match &self.item {
            Item::Packet(p) => Some(match p.packet_type().name() {
                Some(n) => n.to_owned(),
                None => format!("packet type {:#x}", p.packet_type().0),
            }),
            Item::Container(c) => Some(container_type_name(c).to_owned()),
            Item::Data(h) => Some(h.kind.name().to_owned()),
            Item::Undecodable { .. } | Item::Notice(_) => None,
        }
    }

    /// The operation, response or event code, with its name when known (`None` for packets
    /// without a code).
    #[must_use]
    pub fn code(&self) -> Option<(u16, Option<&'static str>)> {
        match &self.item {
            Item::Packet(Packet::OperationRequest(r)) => Some((r.code.0, r.code.name())),
            Item::Packet(Packet::OperationResponse(r)) => Some((r.code.0, r.code.name())),
            Item::Packet(Packet::Event(e)) => Some((e.code.0, e.code.name())),
            Item::Container(Container::Command { code, .. } | Container::Data { code, .. }) => {
                Some((code.0, code.name()))
            }
            Item::Container(Container::Response { code, .. }) => Some((code.0, code.name())),
            Item::Container(Container::Event { code, .. }) => Some((code.0, code.name())),
            Item::Container(Container::Unknown { code, .. }) => Some((*code, None)),
            Item::Data(DataHeader {
                kind: DataKind::FujiData { code },
                ..
            }) => Some((*code, crate::OperationCode(*code).name())),
            _ => None,
        }
    }

    /// The transaction the packet names, if it names one.
    #[must_use]
    pub fn transaction_id(&self) -> Option<TransactionId> {
        match &self.item {
            Item::Packet(p) => match p {
                Packet::OperationRequest(r) => Some(r.transaction_id),
                Packet::OperationResponse(r) => Some(r.transaction_id),
                Packet::Event(e) => Some(e.transaction_id),
                Packet::StartData(s) => Some(s.transaction_id),
                Packet::Cancel(c) => Some(c.transaction_id),
                Packet::Data(d) | Packet::EndData(d) => Some(d.transaction_id),
                _ => None,
            },
            Item::Container(c) => match c {
                Container::Command { transaction_id, .. }
                | Container::Data { transaction_id, .. }
                | Container::Response { transaction_id, .. }
                | Container::Event { transaction_id, .. }
                | Container::Unknown { transaction_id, .. } => Some(*transaction_id),
                Container::Terminate => None,
            },
            Item::Data(h) => Some(h.transaction_id),
            Item::Undecodable { .. } | Item::Notice(_) => None,
        }
    }

    /// The operation, response or event parameters, if the packet has a parameter block.
    #[must_use]
    pub fn params(&self) -> Option<Params> {
        match &self.item {
            Item::Packet(Packet::OperationRequest(r)) => Some(r.params),
            Item::Packet(Packet::OperationResponse(r)) => Some(r.params),
            Item::Packet(Packet::Event(e)) => Some(e.params),
            Item::Container(
                Container::Command { params, .. }
                | Container::Response { params, .. }
                | Container::Event { params, .. },
            ) => Some(*params),
            _ => None,
        }
    }

    /// The data length: the payload of a data packet, or the total a Start_Data announces
    /// (`None` when it says "unknown", and for packets that carry no data).
    #[must_use]
    pub fn data_len(&self) -> Option<u64> {
        match &self.item {
            Item::Packet(Packet::StartData(s)) => s.known_length(),
            Item::Data(h) => Some(u64::from(h.payload_len)),
            _ => None,
        }
    }
}

fn container_type_name(c: &Container<'_>) -> &'static str {
    match c {
        Container::Command { .. } => "Fuji Command",
        Container::Data { .. } => "Fuji Data",
        Container::Response { .. } => "Fuji Response",
        Container::Event { .. } => "Fuji Event",
        Container::Unknown { .. } => "Fuji container",
        Container::Terminate => "Fuji terminator",
    }
}

/// `#3 → command Operation_Request GetObjectInfo(0x1008) tid=3 [0x1] NoDataOrDataIn`: the
/// connection, the direction, the channel, then the packet's own summary; quirks follow in
/// brackets. The time is the caller's to add (it knows the wall clock).
impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let channel = match self.channel {
            Channel::Command => "command",
            Channel::Event => "event",
        };
        write!(
            f,
            "#{} {} {channel} ",
            self.connection,
            self.direction.arrow()
        )?;
        match &self.item {
            Item::Packet(p) => write!(f, "{p}")?,
            Item::Container(c) => write!(f, "{c}")?,
            Item::Data(h) => {
                let name = h.kind.name();
                match h.kind {
                    DataKind::FujiData { code } => write!(
                        f,
                        "{name} {:?} tid={} {} bytes",
                        crate::OperationCode(code),
                        h.transaction_id.0,
                        h.payload_len
                    )?,
                    DataKind::Data | DataKind::EndData => write!(
                        f,
                        "{name} tid={} {} bytes",
                        h.transaction_id.0, h.payload_len
                    )?,
                }
            }
            Item::Undecodable { head, len } => {
                write!(f, "undecodable, {len} bytes:")?;
                for b in head {
                    write!(f, " {b:02x}")?;
                }
                if (head.len() as u64) < *len {
                    f.write_str(" …")?;
                }
            }
            Item::Notice(text) => f.write_str(text)?,
        }
        for q in &self.quirks {
            write!(f, " [{q}]")?;
        }
        Ok(())
    }
}
