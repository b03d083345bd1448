//! Plain pass-through: every accepted connection is piped, unchanged, to a new connection to the
//! camera, and a [`Pipe`] decodes a copy of the bytes both ways.
//!
//! Bytes are read into the relay's scratch buffer and written on, except, on Linux, the payload of
//! large data packets: the decoder only counts those, so they go from socket to socket through a
//! [`KernelPipe`] and the relay never touches them. The bytes on the wire are the same either way.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use mio::{Interest, Registry, Token};
use ptpip_protocol::Channel;
use ptpip_protocol::relay::{Direction, Item, ObserverConfig, Pipe, Record};

use super::RelayEvent;
use super::splice::{Fill, KernelPipe, unsupported};
use crate::link::{Link, ReadOutcome, State};

/// Bytes read from one side that may wait for the other side's socket before reading stops.
const HIGH_WATER: usize = 4 << 20;

/// The most bytes read from one side in one call, so that one busy connection cannot starve the
/// others; what is left is read on the next call.
const READ_BUDGET: usize = 1 << 20;

/// The smallest run of data payload moved inside the kernel; a shorter one is read and written
/// like any other bytes (two system calls either way, and no pipe to fill).
const SPLICE_MIN: u64 = 64 << 10;

/// The most read at once, in zero-copy mode, where a payload may start: the headers and control
/// packets it takes are small, and each payload byte a read takes is one not moved in the kernel.
const HEAD_READ: usize = 4 << 10;

/// How many payload bytes may gather in the kernel pipe before they are written on.
const BATCH: usize = 512 << 10;

/// One end of a piped connection.
#[derive(Debug)]
struct Side {
    /// The connection; bytes from the other end that wait to be written here are queued in it.
    link: Link,
    /// The other end stopped sending: shut our sending side once what is queued is written.
    other_ended: bool,
    write_shut: bool,
    /// Reads left in this call.
    budget: usize,
    /// Payload bytes from the other end moving to this one inside the kernel (zero-copy mode);
    /// made on first use. While it holds bytes, nothing else is read from the other end, so
    /// nothing can overtake them.
    kernel: Option<KernelPipe>,
}

impl Side {
    const fn new(link: Link) -> Self {
        Self {
            link,
            other_ended: false,
            write_shut: false,
            budget: READ_BUDGET,
            kernel: None,
        }
    }

    /// Payload bytes waiting in the kernel to be written here.
    fn held(&self) -> usize {
        self.kernel.as_ref().map_or(0, KernelPipe::held)
    }

    /// Whether anything waits to be written here.
    fn has_output(&self) -> bool {
        self.link.has_pending() || self.held() > 0
    }

    /// Writes what the kernel pipe holds; `Ok(true)` once it is empty.
    fn flush_kernel(&mut self) -> io::Result<bool> {
        let Some(k) = self.kernel.as_mut().filter(|k| k.held() > 0) else {
            return Ok(true);
        };
        if self.link.state == State::Open && self.link.writable {
            match k.drain(&self.link) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            if k.held() > 0 {
                self.link.writable = false;
            }
        }
        Ok(k.held() == 0)
    }

    /// Writes what waits; `Err` if the socket failed.
    fn flush(&mut self) -> io::Result<bool> {
        let held = self.held();
        if !self.flush_kernel()? {
            return Ok(self.held() < held);
        }
        let mut progress = self.held() < held;
        if self.link.state == State::Open && self.link.writable && self.link.has_pending() {
            let queued = self.link.pending_len();
            self.link.write_pending()?;
            progress |= self.link.pending_len() < queued;
        }
        let drained = !self.link.has_pending();
        if drained && self.other_ended && !self.write_shut && self.link.state == State::Open {
            self.link.shutdown_write();
            self.write_shut = true;
            progress = true;
        }
        Ok(progress)
    }
}

/// What one attempt to move payload inside the kernel did.
enum Spliced {
    /// Bytes moved.
    Moved,
    /// The socket has nothing to read now.
    Blocked,
    /// The socket's peer stopped sending.
    Ended,
    /// These sockets cannot be spliced: copy instead.
    Unsupported,
}

/// Side `s` and the other one, both mutable.
fn pair(sides: &mut [Side; 2], s: usize) -> (&mut Side, &mut Side) {
    let [a, b] = sides;
    if s == 0 { (a, b) } else { (b, a) }
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
    /// Move data payloads inside the kernel (turned off for good once a splice is refused).
    zero_copy: bool,
    /// Bytes forwarded each way (by [`Direction::index`]), and how many of them went inside the
    /// kernel.
    forwarded: [u64; 2],
    unread: [u64; 2],
}

impl PipeConn {
    /// Pipes `accepted` to a new connection to `camera`, registered under `tokens`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn open(
        id: u64,
        accepted: Link,
        camera: SocketAddr,
        camera_token: Token,
        channel: Option<Channel>,
        observer: ObserverConfig,
        zero_copy: bool,
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
            zero_copy,
            forwarded: [0; 2],
            unread: [0; 2],
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

    /// Whether side `s` may be read now, readiness aside: it has not ended, and what waits for
    /// the other side leaves room (nothing at all while payload waits in the kernel).
    fn may_read(&self, s: usize) -> bool {
        let other = &self.sides[1 - s];
        self.sides[s].link.state == State::Open
            && !self.ended[s]
            && other.link.pending_len() < HIGH_WATER
            && other.held() == 0
    }

    /// Whether a call now would move bytes without new readiness.
    pub(super) fn has_work(&self) -> bool {
        (0..2).any(|s| {
            let side = &self.sides[s];
            match side.link.state {
                State::Connecting => side.link.readable || side.link.writable,
                State::Open => {
                    (side.link.readable && self.may_read(s))
                        || (side.link.writable && side.has_output())
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
                        let text = format!("writing to the {}: {e}", who(s));
                        self.close(now, registry, events, Some(text));
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
                let read = self.may_read(s);
                let write = side.has_output();
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
        let direction = direction_from(s);
        let mut progress = false;
        loop {
            if !self.sides[s].link.readable || self.sides[s].budget == 0 || !self.may_read(s) {
                return Ok(progress);
            }
            let ahead = if self.zero_copy {
                self.pipe.payload_ahead(direction)
            } else {
                0
            };
            let other = &self.sides[1 - s];
            if ahead >= SPLICE_MIN && !other.link.has_pending() {
                match self.splice(now, s, ahead)? {
                    Spliced::Moved => {
                        progress = true;
                        continue;
                    }
                    Spliced::Blocked => return Ok(progress),
                    Spliced::Ended => {
                        self.end(now, s, events);
                        return Ok(true);
                    }
                    Spliced::Unsupported => {
                        log::debug!("connection {}: splice refused, copying", self.id);
                        self.zero_copy = false;
                        continue;
                    }
                }
            }
            // In zero-copy mode a read stops soon after where a payload may start, so that
            // most of the payload is left for the kernel to move.
            let limit = if self.zero_copy {
                HEAD_READ + usize::try_from(ahead.min(SPLICE_MIN)).unwrap_or(0)
            } else {
                scratch.len()
            };
            let limit = limit.min(scratch.len());
            match self.sides[s].link.read_into(&mut scratch[..limit]) {
                Ok(n) => {
                    let bytes = &scratch[..n];
                    self.sides[s].budget = self.sides[s].budget.saturating_sub(n);
                    self.forwarded[direction.index()] += n as u64;
                    // Forwarded first (written at once when the other side is free, which spares
                    // a copy): decoding never holds the bytes back.
                    let other = &mut self.sides[1 - s];
                    let mut sent = 0;
                    if !other.has_output() && other.link.state == State::Open && other.link.writable
                    {
                        sent = other
                            .link
                            .write_now(bytes)
                            .map_err(|e| format!("writing to the {}: {e}", who(1 - s)))?;
                    }
                    if sent < n {
                        other
                            .link
                            .set_pending(Bytes::copy_from_slice(&bytes[sent..]));
                    }
                    self.pipe.push(now, direction, bytes);
                    self.drain(events);
                    progress = true;
                }
                Err(ReadOutcome::Data(_)) => unreachable!("read_into never hands bytes out"),
                Err(ReadOutcome::WouldBlock) => return Ok(progress),
                Err(ReadOutcome::Eof) => {
                    self.end(now, s, events);
                    return Ok(true);
                }
                Err(ReadOutcome::Failed(e)) => {
                    return Err(format!("reading from the {}: {e}", who(s)));
                }
            }
        }
    }

    /// Moves up to `ahead` payload bytes from side `s` to the other inside the kernel, and
    /// writes them out as far as the other socket takes them now.
    fn splice(&mut self, now: Instant, s: usize, ahead: u64) -> Result<Spliced, String> {
        let direction = direction_from(s);
        let (side, other) = pair(&mut self.sides, s);
        let kernel = match other.kernel.as_mut() {
            Some(k) => k,
            None => match KernelPipe::new() {
                Ok(k) => other.kernel.insert(k),
                Err(_) => return Ok(Spliced::Unsupported),
            },
        };
        let mut left = usize::try_from(ahead)
            .unwrap_or(usize::MAX)
            .min(side.budget);
        // Filled until the socket runs dry, the pipe is full or BATCH bytes wait, then written
        // out in one go: fewer, larger sends wake the reader less often.
        let mut moved = 0;
        let end = loop {
            match kernel.fill(&side.link, left) {
                Ok(Fill::Moved(n)) => {
                    moved += n;
                    left -= n;
                    if left == 0 || kernel.held() >= BATCH {
                        break None;
                    }
                }
                // With bytes in the pipe "would block" may mean the pipe is full: the socket is
                // marked drained only when the pipe was empty.
                Ok(Fill::WouldBlock) if kernel.held() > 0 => break None,
                Ok(Fill::WouldBlock) => {
                    side.link.readable = false;
                    break Some(Spliced::Blocked);
                }
                Ok(Fill::Eof) => break Some(Spliced::Ended),
                Err(e) if unsupported(&e) && kernel.held() == 0 => {
                    break Some(Spliced::Unsupported);
                }
                Err(e) => return Err(format!("reading from the {}: {e}", who(s))),
            }
        };
        if moved > 0 {
            side.budget = side.budget.saturating_sub(moved);
            self.forwarded[direction.index()] += moved as u64;
            self.unread[direction.index()] += moved as u64;
            self.pipe.pass_over(now, direction, moved as u64);
            other
                .flush_kernel()
                .map_err(|e| format!("writing to the {}: {e}", who(1 - s)))?;
            // An end or a refusal met after some bytes is met again on the next call.
            return Ok(Spliced::Moved);
        }
        Ok(end.unwrap_or(Spliced::Moved))
    }

    /// Side `s` stopped sending.
    fn end(&mut self, now: Instant, s: usize, events: &mut VecDeque<RelayEvent>) {
        self.ended[s] = true;
        self.sides[1 - s].other_ended = true;
        self.pipe.finish(now, direction_from(s));
        self.drain(events);
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
            side.kernel = None;
        }
        let carried = |d: Direction| {
            let (all, unread) = (self.forwarded[d.index()], self.unread[d.index()]);
            let to = match d {
                Direction::ToResponder => "to the camera",
                Direction::ToInitiator => "to the initiator",
            };
            if unread > 0 {
                format!("{all} bytes {to} ({unread} kernel to kernel)")
            } else {
                format!("{all} bytes {to}")
            }
        };
        let totals = format!(
            "{}, {}",
            carried(Direction::ToResponder),
            carried(Direction::ToInitiator)
        );
        let text = match &reason {
            Some(r) => format!("closed: {r}; forwarded {totals}"),
            None => format!("closed; forwarded {totals}"),
        };
        events.push_back(RelayEvent::Record(self.notice(
            now,
            Direction::ToInitiator,
            text,
        )));
        events.push_back(RelayEvent::Forwarded {
            connection: self.id,
            bytes: self.forwarded,
            unread: self.unread,
        });
        events.push_back(RelayEvent::Closed {
            connection: self.id,
            reason,
        });
    }
}

/// The direction bytes read from side `s` travel.
const fn direction_from(s: usize) -> Direction {
    if s == 0 {
        Direction::ToResponder
    } else {
        Direction::ToInitiator
    }
}

/// Who is at side `s`, for error messages.
const fn who(s: usize) -> &'static str {
    if s == 0 { "initiator" } else { "camera" }
}
