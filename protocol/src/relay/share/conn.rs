//! One TCP connection of a sharing relay: its observers (for the log and the capture) and what
//! waits to be written to it.

use std::collections::VecDeque;
use std::time::Instant;

use bytes::Bytes;

use crate::channel::Channel;
use crate::relay::observer::{Observer, ObserverConfig, Segment};
use crate::relay::record::{Direction, Item, Record};

/// A connection, seen from the relay.
#[derive(Debug)]
pub(super) struct Conn {
    pub(super) id: u64,
    observers: [Observer; 2],
    /// The direction of what we write: towards the initiator on an initiator's connection,
    /// towards the camera on ours.
    outgoing: Direction,
    out: VecDeque<Bytes>,
    pub(super) out_bytes: usize,
}

impl Conn {
    pub(super) fn new(
        id: u64,
        config: ObserverConfig,
        channel: Option<Channel>,
        outgoing: Direction,
    ) -> Self {
        let o = |d| Observer::new(config, id, d, channel);
        Self {
            id,
            observers: [o(Direction::ToResponder), o(Direction::ToInitiator)],
            outgoing,
            out: VecDeque::new(),
            out_bytes: 0,
        }
    }

    /// Renumbers the connection (the driver numbers the camera's connections when it opens
    /// them).
    pub(super) fn renumber(&mut self, id: u64) {
        self.id = id;
        for o in &mut self.observers {
            o.set_connection(id);
        }
    }

    pub(super) fn set_channel(&mut self, channel: Channel) {
        for o in &mut self.observers {
            o.set_channel(channel);
        }
    }

    /// Bytes that arrived on the connection.
    pub(super) fn observe_in(&mut self, now: Instant, bytes: &[u8]) {
        self.observers[self.outgoing.reverse().index()].push(now, bytes);
    }

    /// Queues bytes to write.
    pub(super) fn queue(&mut self, bytes: Bytes) {
        self.out_bytes += bytes.len();
        self.out.push_back(bytes);
    }

    pub(super) fn has_output(&self) -> bool {
        !self.out.is_empty()
    }

    /// The next bytes to write, observed as they leave.
    pub(super) fn pop(&mut self, now: Instant) -> Option<Bytes> {
        let b = self.out.pop_front()?;
        self.out_bytes -= b.len();
        self.observers[self.outgoing.index()].push(now, &b);
        Some(b)
    }

    /// The connection ended: packets cut short are reported.
    pub(super) fn finish(&mut self, now: Instant) {
        for o in &mut self.observers {
            o.finish(now);
        }
        self.out.clear();
        self.out_bytes = 0;
    }

    /// A notice about this connection, for the log.
    pub(super) fn notice(&self, now: Instant, text: String) -> Record {
        Record {
            at: now,
            connection: self.id,
            direction: self.outgoing,
            channel: self.observers[0].channel().unwrap_or(Channel::Command),
            wire_len: 0,
            item: Item::Notice(text),
            quirks: Vec::new(),
        }
    }

    /// Moves the observers' records and segments out.
    pub(super) fn drain(
        &mut self,
        records: &mut VecDeque<Record>,
        segments: &mut VecDeque<(u64, Direction, Segment)>,
    ) {
        for d in Direction::BOTH {
            let o = &mut self.observers[d.index()];
            while let Some(r) = o.poll_record() {
                records.push_back(r);
            }
            while let Some(s) = o.poll_segment() {
                segments.push_back((self.id, d, s));
            }
        }
    }
}
