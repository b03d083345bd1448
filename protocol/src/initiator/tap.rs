//! The packet tap: every packet received, as bytes, for tools that show traffic (`opreq`).

use bytes::{Bytes, BytesMut};

use super::{Event, Initiator};
use crate::Encode;
use crate::channel::{Channel, Inbound};

/// A data packet being gathered for the tap.
#[derive(Debug)]
pub(super) struct Tapping {
    channel: Channel,
    bytes: BytesMut,
    total: u64,
}

impl Initiator {
    /// Reports `item` as a [`Event::PacketReceived`] when the tap is on. Control packets are
    /// re-encoded (decoding and encoding are exact inverses); a data packet is rebuilt from its
    /// header and payload pieces, keeping at most `tap` bytes of it.
    pub(super) fn tap(&mut self, channel: Channel, item: &Inbound) {
        let Some(cap) = self.config.tap else {
            return;
        };
        let whole = match item {
            Inbound::Packet(p) => p.to_bytes(),
            Inbound::Container(c) => c.to_bytes(),
            Inbound::LiveView => return,
            Inbound::DataBegin {
                kind,
                transaction_id,
                len,
            } => {
                let head = kind.header(*transaction_id, *len);
                let mut bytes = BytesMut::from(&head[..]);
                bytes.truncate(cap);
                self.tapping = Some(Tapping {
                    channel,
                    total: head.len() as u64 + u64::from(*len),
                    bytes,
                });
                return;
            }
            Inbound::DataPiece(piece) => {
                if let Some(t) = self.tapping.as_mut() {
                    let room = cap.saturating_sub(t.bytes.len());
                    t.bytes.extend_from_slice(&piece[..room.min(piece.len())]);
                }
                return;
            }
            Inbound::DataEnd { .. } => {
                if let Some(t) = self.tapping.take() {
                    self.events.push_back(Event::PacketReceived {
                        channel: t.channel,
                        total_len: t.total,
                        bytes: t.bytes.freeze(),
                    });
                }
                return;
            }
        };
        self.events.push_back(Event::PacketReceived {
            channel,
            total_len: whole.len() as u64,
            bytes: Bytes::from(whole),
        });
    }
}
