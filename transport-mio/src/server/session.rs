//! One initiator's session in the mio server: its responder and its two connections.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Instant;

use bytes::BytesMut;
use mio::Registry;
use mio::event::Event as MioEvent;
use ptpip_protocol::responder::{Responder, ResponderEvent};
use ptpip_protocol::{Channel, Error};

use super::{BoxedDevice, ServerEvent};
use crate::link::{Link, ReadOutcome, State};

/// The most bytes of new transmits one [`Session::pump`] takes, so that a large data-in phase
/// gives way to the poll (a Cancel's readiness, the other sessions) between megabytes.
const BUDGET: usize = 1 << 20;

/// Bytes of transmits a connection queues before writing them together: the transmits of a
/// pump (a data packet's header and payload are two) go out in one `writev`, as in the std
/// server, rather than one `write` each.
const BATCH: usize = 512 << 10;

const fn idx(channel: Channel) -> usize {
    match channel {
        Channel::Command => 0,
        Channel::Event => 1,
    }
}

pub(super) struct Session {
    pub(super) responder: Responder<BoxedDevice>,
    /// The command connection, and the event connection once it came.
    pub(super) links: [Option<Link>; 2],
    /// The initiator's address.
    pub(super) peer: SocketAddr,
    /// Why the session failed, once it did.
    pub(super) reason: Option<Error>,
}

impl Session {
    pub(super) fn new(responder: Responder<BoxedDevice>, command: Link, peer: SocketAddr) -> Self {
        Self {
            responder,
            links: [Some(command), None],
            peer,
            reason: None,
        }
    }

    pub(super) fn on_event(&mut self, channel: Channel, event: &MioEvent) {
        if let Some(l) = &mut self.links[idx(channel)] {
            l.on_event(event);
        }
    }

    pub(super) fn attach_event(
        &mut self,
        now: Instant,
        link: Link,
        prefix: BytesMut,
        registry: &Registry,
    ) {
        self.links[1] = Some(link);
        self.responder.handle_connected(now, Channel::Event);
        if !prefix.is_empty() {
            let _ = self.responder.handle_input(now, Channel::Event, prefix);
        }
        self.pump(now, registry);
    }

    /// Whether a transmit waits for a connection whose socket is full (or not writable yet).
    fn stuck(&self) -> bool {
        self.links
            .iter()
            .flatten()
            .any(|l| l.has_pending() && !l.writable)
    }

    fn lost(&mut self, now: Instant, channel: Channel, registry: &Registry) {
        if let Some(l) = &mut self.links[idx(channel)] {
            l.close(registry, None);
        }
        self.responder.handle_eof(now, channel);
    }

    /// Whether the responder has more to send that a connection could take now: the caller's
    /// poll should come back at once ([`Server::timeout`](super::Server::timeout) is zero).
    pub(super) fn has_work(&self) -> bool {
        !self.responder.is_closed()
            && !self.stuck()
            && Channel::ALL
                .into_iter()
                .any(|ch| self.responder.wants_write(ch))
    }

    /// Moves bytes while anything moves: pending writes, new transmits (only while no
    /// connection is full, so a data-in phase is produced as fast as it is taken, and at most
    /// [`BUDGET`] bytes of them, queued and written [`BATCH`] at a time), then reads.
    pub(super) fn pump(&mut self, now: Instant, registry: &Registry) {
        let mut budget = BUDGET;
        loop {
            let mut moved = false;
            for ch in Channel::ALL {
                let Some(l) = &mut self.links[idx(ch)] else {
                    continue;
                };
                if l.has_pending() && l.writable {
                    moved = true;
                    if l.write_pending().is_err() {
                        self.lost(now, ch, registry);
                    }
                }
            }
            while !self.stuck() && budget > 0 {
                let Some(t) = self.responder.poll_transmit() else {
                    break;
                };
                moved = true;
                budget = budget.saturating_sub(t.payload.len());
                let ch = t.channel;
                // A channel not attached yet: nothing can be sent there.
                let Some(l) = &mut self.links[idx(ch)] else {
                    continue;
                };
                if l.state == State::Closed {
                    continue;
                }
                l.set_pending(t.payload);
                if l.writable && l.pending_len() >= BATCH && l.write_pending().is_err() {
                    self.lost(now, ch, registry);
                }
            }
            // What was queued goes out, one `writev` per connection.
            for ch in Channel::ALL {
                let Some(l) = &mut self.links[idx(ch)] else {
                    continue;
                };
                if l.has_pending() && l.writable && l.write_pending().is_err() {
                    self.lost(now, ch, registry);
                }
            }
            for ch in Channel::ALL {
                if !self.responder.wants_read(ch) {
                    continue;
                }
                let Some(l) = &mut self.links[idx(ch)] else {
                    continue;
                };
                if !l.readable || l.eof || l.state == State::Closed {
                    continue;
                }
                match l.read() {
                    ReadOutcome::Data(b) => {
                        moved = true;
                        let _ = self.responder.handle_input(now, ch, b);
                    }
                    ReadOutcome::WouldBlock => {}
                    ReadOutcome::Eof | ReadOutcome::Failed(_) => {
                        moved = true;
                        l.eof = true;
                        l.readable = false;
                        self.responder.handle_eof(now, ch);
                    }
                }
            }
            if !moved || budget == 0 {
                return;
            }
        }
    }

    /// Gives the responder's reports to the server's queue.
    pub(super) fn take_events(&mut self, out: &mut VecDeque<ServerEvent>) {
        while let Some(e) = self.responder.poll_event() {
            match e {
                ResponderEvent::Violation(violation) => out.push_back(ServerEvent::Violation {
                    peer: self.peer,
                    violation,
                }),
                ResponderEvent::ConnectionLost { reason } => self.reason = Some(reason),
                _ => {}
            }
        }
    }

    /// Whether the session is over and its last packets (an Init_Fail) are written.
    pub(super) fn is_finished(&self) -> bool {
        self.responder.is_closed()
            && self
                .links
                .iter()
                .flatten()
                .all(|l| !l.has_pending() || l.state == State::Closed)
    }
}
