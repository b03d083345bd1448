//! [`Pipe`]: one TCP connection relayed unchanged, observed both ways.

use std::time::Instant;

use super::observer::{Observer, ObserverConfig, Segment};
use super::record::{Direction, Record};
use crate::channel::Channel;

/// One relayed TCP connection in plain pass-through: the relay forwards the bytes as they are,
/// and hands them here too, to be decoded in both directions.
///
/// Its channel is known from the port for the Fujifilm event connection, and otherwise learnt
/// from the first packet (Init_Command_Request or Init_Event_Request).
#[derive(Debug)]
pub struct Pipe {
    observers: [Observer; 2],
    /// Which observer reports next, so that records come out in the order they were read.
    order: std::collections::VecDeque<Direction>,
}

impl Pipe {
    /// A pipe for connection number `connection`, whose role is `channel` when the port says
    /// (the Fujifilm event port).
    #[must_use]
    pub fn new(config: ObserverConfig, connection: u64, channel: Option<Channel>) -> Self {
        let o = |d| Observer::new(config, connection, d, channel);
        Self {
            observers: [o(Direction::ToResponder), o(Direction::ToInitiator)],
            order: std::collections::VecDeque::new(),
        }
    }

    /// The connection's role, once known.
    #[must_use]
    pub fn channel(&self) -> Option<Channel> {
        self.observers[0].channel()
    }

    /// The observer of one direction.
    #[must_use]
    pub const fn observer(&self, direction: Direction) -> &Observer {
        &self.observers[direction.index()]
    }

    /// Observes bytes that travelled `direction`.
    pub fn push(&mut self, now: Instant, direction: Direction, bytes: &[u8]) {
        let known = self.channel();
        self.observers[direction.index()].push(now, bytes);
        self.order.push_back(direction);
        if known.is_none()
            && let Some(ch) = self.observers[direction.index()].channel()
        {
            self.observers[direction.reverse().index()].set_channel(ch);
        }
    }

    /// How many of the next bytes `direction` may be forwarded unread (see
    /// [`Observer::payload_ahead`]).
    #[must_use]
    pub const fn payload_ahead(&self, direction: Direction) -> u64 {
        self.observers[direction.index()].payload_ahead()
    }

    /// Observes `len` payload bytes that travelled `direction` unread (see
    /// [`Observer::pass_over`]).
    pub fn pass_over(&mut self, now: Instant, direction: Direction, len: u64) {
        self.observers[direction.index()].pass_over(now, len);
        self.order.push_back(direction);
    }

    /// `direction` ended (EOF or reset).
    pub fn finish(&mut self, now: Instant, direction: Direction) {
        self.observers[direction.index()].finish(now);
        self.order.push_back(direction);
    }

    /// The next record, in the order the bytes were read.
    pub fn poll_record(&mut self) -> Option<Record> {
        while let Some(&d) = self.order.front() {
            if let Some(r) = self.observers[d.index()].poll_record() {
                return Some(r);
            }
            self.order.pop_front();
        }
        None
    }

    /// The next capture segment, and which way it went.
    pub fn poll_segment(&mut self) -> Option<(Direction, Segment)> {
        for d in Direction::BOTH {
            if let Some(s) = self.observers[d.index()].poll_segment() {
                return Some((d, s));
            }
        }
        None
    }
}
