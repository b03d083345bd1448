//! Plain pass-through: every accepted connection is piped, unchanged, to a new connection to the
//! camera, and a [`Pipe`] decodes a copy of the bytes both ways.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use mio::{Interest, Registry, Token};
use ptpip_protocol::Channel;
use ptpip_protocol::relay::{Direction, Item, ObserverConfig, Pipe, Record};

use super::RelayEvent;
use crate::link::{Link, ReadOutcome, State};

/// Bytes read from one side that may wait for the other side's socket before reading stops.
const HIGH_WATER: usize = 4 << 20;

/// The most bytes read from one side in one call, so that one busy connection cannot starve the
/// others; what is left is read on the next call.
const READ_BUDGET: usize = 1 << 20;

/// One end of a piped connection.
#[derive(Debug)]
struct Side {
    link: Link,
    /// Bytes from the other end, waiting to be written here.
    out: VecDeque<Bytes>,
    out_bytes: usize,
    /// The other end stopped sending: shut our sending side once `out` is written.
    other_ended: bool,
    write_shut: bool,
    /// Reads left in this call.
    budget: usize,
}

impl Side {
    const fn new(link: Link) -> Self {
        Self {
            link,
            out: VecDeque::new(),
            out_bytes: 0,
            other_ended: false,
            write_shut: false,
            budget: READ_BUDGET,
        }
    }

    /// Writes what waits; `Err` if the socket failed.
    fn flush(&mut self) -> io::Result<bool> {
        let mut progress = false;
        while self.link.state == State::Open && self.link.writable {
            if !self.link.has_pending() {
                let Some(b) = self.out.pop_front() else {
                    break;
                };
                self.out_bytes -= b.len();
                self.link.set_pending(b);
                progress = true;
            }
            if !self.link.write_pending()? {
                break;
            }
        }
        let drained = self.out.is_empty() && !self.link.has_pending();
        if drained && self.other_ended && !self.write_shut && self.link.state == State::Open {
            self.link.shutdown_write();
            self.write_shut = true;
            progress = true;
        }
        Ok(progress)
    }
}

/// One connection in pass-through: the initiator's socket (side 0) and ours to the camera
/// (side 1).
#[derive(Debug)]
pub(super) struct PipeConn {
    id: u64,
    sides: [Side; 2],
    pipe: Pipe,
    /// Read EOF from side 0, side 1.
    ended: [bool; 2],
    closed: bool,
}

impl PipeConn {
    /// Pipes `accepted` to a new connection to `camera`, registered under `tokens`.
    pub(super) fn open(
        id: u64,
        accepted: Link,
        camera: SocketAddr,
        camera_token: Token,
        channel: Option<Channel>,
        observer: ObserverConfig,
        registry: &Registry,
    ) -> io::Result<Self> {
        let mut link = Link::new(camera_token);
        link.open(camera, registry)?;
        Ok(Self {
            id,
            sides: [Side::new(accepted), Side::new(link)],
            pipe: Pipe::new(observer, id, channel),
            ended: [false, false],
            closed: false,
        })
    }

    pub(super) const fn is_closed(&self) -> bool {
        self.closed
    }

    /// The tokens of both sockets.
    pub(super) fn tokens(&self) -> [Token; 2] {
        [self.sides[0].link.token(), self.sides[1].link.token()]
    }

    /// Notes readiness for one of its sockets.
    pub(super) fn on_event(&mut self, side: usize, event: &mio::event::Event) {
        self.sides[side].link.on_event(event);
    }

    /// Whether a call now would move bytes without new readiness.
    pub(super) fn has_work(&self) -> bool {
        (0..2).any(|s| {
            let side = &self.sides[s];
            let other = &self.sides[1 - s];
            match side.link.state {
                State::Connecting => side.link.readable || side.link.writable,
                State::Open => {
                    (side.link.readable && !self.ended[s] && other.out_bytes < HIGH_WATER)
                        || (side.link.writable && (side.link.has_pending() || !side.out.is_empty()))
                }
                State::Unopened | State::Closed => false,
            }
        })
    }

    /// Moves what can be moved now; the records, segments and the end go to `events`.
    pub(super) fn pump(
        &mut self,
        now: Instant,
        registry: &Registry,
        scratch: &mut [u8],
        events: &mut VecDeque<RelayEvent>,
    ) {
        if self.closed {
            return;
        }
        for side in &mut self.sides {
            side.budget = READ_BUDGET;
        }
        if let Some(result) = self.sides[1].link.finish_connect() {
            if let Err(e) = result {
                self.close(
                    now,
                    registry,
                    events,
                    Some(format!("cannot reach the camera: {e}")),
                );
                return;
            }
            if let Some((local, camera)) = self.sides[1].link.addrs() {
                let text = format!("connected to the camera {camera} from {local}");
                events.push_back(RelayEvent::Record(self.notice(
                    now,
                    Direction::ToResponder,
                    text,
                )));
            }
        }
        loop {
            let mut progress = false;
            for s in 0..2 {
                match self.read_side(now, s, scratch, events) {
                    Ok(p) => progress |= p,
                    Err(e) => {
                        self.close(now, registry, events, Some(e));
                        return;
                    }
                }
            }
            for s in 0..2 {
                match self.sides[s].flush() {
                    Ok(p) => progress |= p,
                    Err(e) => {
                        let who = if s == 0 { "initiator" } else { "camera" };
                        self.close(
                            now,
                            registry,
                            events,
                            Some(format!("writing to the {who}: {e}")),
                        );
                        return;
                    }
                }
            }
            if !progress {
                break;
            }
        }
        let done = (0..2).all(|s| {
            self.ended[s]
                && (self.sides[1 - s].write_shut || self.sides[1 - s].link.state != State::Open)
        });
        if done {
            self.close(now, registry, events, None);
            return;
        }
        for s in 0..2 {
            let want = self.interest(s);
            if let Err(e) = self.sides[s].link.set_interest(registry, want) {
                self.close(now, registry, events, Some(e.to_string()));
                return;
            }
        }
    }

    fn interest(&self, s: usize) -> Option<Interest> {
        let side = &self.sides[s];
        match side.link.state {
            State::Connecting => Some(Interest::READABLE | Interest::WRITABLE),
            State::Open => {
                let read = !self.ended[s] && self.sides[1 - s].out_bytes < HIGH_WATER;
                let write = side.link.has_pending() || !side.out.is_empty();
                match (read, write) {
                    (true, true) => Some(Interest::READABLE | Interest::WRITABLE),
                    (true, false) => Some(Interest::READABLE),
                    (false, true) => Some(Interest::WRITABLE),
                    (false, false) => None,
                }
            }
            State::Unopened | State::Closed => None,
        }
    }

    /// Reads side `s` while it has bytes and the other side has room; `Err` ends the pipe.
    fn read_side(
        &mut self,
        now: Instant,
        s: usize,
        scratch: &mut [u8],
        events: &mut VecDeque<RelayEvent>,
    ) -> Result<bool, String> {
        let direction = if s == 0 {
            Direction::ToResponder
        } else {
            Direction::ToInitiator
        };
        let mut progress = false;
        loop {
            let side = &mut self.sides[s];
            if side.link.state != State::Open
                || !side.link.readable
                || self.ended[s]
                || side.budget == 0
                || self.sides[1 - s].out_bytes >= HIGH_WATER
            {
                return Ok(progress);
            }
            match self.sides[s].link.read_into(scratch) {
                Ok(n) => {
                    let bytes = &scratch[..n];
                    self.sides[s].budget = self.sides[s].budget.saturating_sub(n);
                    // Forwarded first (written at once when the other side is free, which spares
                    // a copy): decoding never holds the bytes back.
                    let other = &mut self.sides[1 - s];
                    let mut sent = 0;
                    if other.out.is_empty()
                        && !other.link.has_pending()
                        && other.link.state == State::Open
                        && other.link.writable
                    {
                        sent = other.link.write_now(bytes).map_err(|e| {
                            let who = if s == 0 { "camera" } else { "initiator" };
                            format!("writing to the {who}: {e}")
                        })?;
                    }
                    if sent < n {
                        let rest = Bytes::copy_from_slice(&bytes[sent..]);
                        other.out_bytes += rest.len();
                        other.out.push_back(rest);
                    }
                    self.pipe.push(now, direction, bytes);
                    self.drain(events);
                    progress = true;
                }
                Err(ReadOutcome::Data(_)) => unreachable!("read_into never hands bytes out"),
                Err(ReadOutcome::WouldBlock) => return Ok(progress),
                Err(ReadOutcome::Eof) => {
                    self.ended[s] = true;
                    self.sides[1 - s].other_ended = true;
                    self.pipe.finish(now, direction);
                    self.drain(events);
                    return Ok(true);
                }
                Err(ReadOutcome::Failed(e)) => {
                    let who = if s == 0 { "initiator" } else { "camera" };
                    return Err(format!("reading from the {who}: {e}"));
                }
            }
        }
    }

    fn drain(&mut self, events: &mut VecDeque<RelayEvent>) {
        while let Some(r) = self.pipe.poll_record() {
            events.push_back(RelayEvent::Record(r));
        }
        while let Some((direction, segment)) = self.pipe.poll_segment() {
            events.push_back(RelayEvent::Segment {
                connection: self.id,
                direction,
                segment,
            });
        }
    }

    fn notice(&self, now: Instant, direction: Direction, text: String) -> Record {
        Record {
            at: now,
            connection: self.id,
            direction,
            channel: self.pipe.channel().unwrap_or(Channel::Command),
            wire_len: 0,
            item: Item::Notice(text),
            quirks: Vec::new(),
        }
    }

    /// Closes both sockets (now, dropping what waits) and reports the end.
    pub(super) fn close(
        &mut self,
        now: Instant,
        registry: &Registry,
        events: &mut VecDeque<RelayEvent>,
        reason: Option<String>,
    ) {
        if self.closed {
            return;
        }
        self.closed = true;
        for (s, d) in [(0, Direction::ToResponder), (1, Direction::ToInitiator)] {
            if !self.ended[s] {
                self.pipe.finish(now, d);
            }
        }
        self.drain(events);
        for side in &mut self.sides {
            side.link.close(registry, None);
            side.out.clear();
            side.out_bytes = 0;
        }
        let text = match &reason {
            Some(r) => format!("closed: {r}"),
            None => "closed".to_owned(),
        };
        events.push_back(RelayEvent::Record(self.notice(
            now,
            Direction::ToInitiator,
            text,
        )));
        events.push_back(RelayEvent::Closed {
            connection: self.id,
            reason,
        });
    }
}
