//! An in-memory harness: an Initiator and a Responder joined by per-channel wires that split bytes
//! arbitrarily and delay each direction of each channel independently, under virtual time.

#![allow(dead_code, unreachable_pub)]

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use ptpip_protocol::initiator::{Event, Initiator, InitiatorConfig};
use ptpip_protocol::responder::{
    Device, PatternSource, Responder, ResponderConfig, ResponderEvent,
};
use ptpip_protocol::{Channel, Dialect, FriendlyName, Guid};

/// Whether `piece` is the test pattern ([`PatternSource`]) starting at `start`.
pub fn is_pattern(start: u64, piece: &[u8]) -> bool {
    piece
        .iter()
        .enumerate()
        .all(|(k, &b)| b == PatternSource::byte_at(start + k as u64))
}

/// A tiny deterministic PRNG (xorshift), so every run splits bytes the same way for a seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
}

/// One direction of one TCP connection: bytes wait `latency`, then arrive in pieces of
/// `1..=max_piece` bytes (or whole when `max_piece` is 0).
#[derive(Debug)]
pub struct Wire {
    queue: VecDeque<(Instant, Bytes)>,
    /// Bytes in flight; a sender stops at [`Wire::CAPACITY`], as at a full socket buffer.
    bytes: usize,
    pub latency: Duration,
    pub max_piece: usize,
    /// Drop everything (a peer that stopped answering).
    pub blackhole: bool,
    rng: Rng,
}

impl Wire {
    /// What a loopback socket pair buffers, roughly.
    pub const CAPACITY: usize = 2 << 20;

    pub fn new(seed: u64) -> Self {
        Self {
            queue: VecDeque::new(),
            bytes: 0,
            latency: Duration::ZERO,
            max_piece: 0,
            blackhole: false,
            rng: Rng::new(seed),
        }
    }

    fn send(&mut self, now: Instant, bytes: Bytes) {
        if !self.blackhole && !bytes.is_empty() {
            self.bytes += bytes.len();
            self.queue.push_back((now + self.latency, bytes));
        }
    }

    /// The next piece due at `now`.
    fn take(&mut self, now: Instant) -> Option<BytesMut> {
        let (due, bytes) = self.queue.front_mut()?;
        if *due > now {
            return None;
        }
        let n = if self.max_piece == 0 {
            bytes.len()
        } else {
            self.rng.range(1, self.max_piece).min(bytes.len())
        };
        let piece = bytes.split_to(n);
        self.bytes -= n;
        if bytes.is_empty() {
            self.queue.pop_front();
        }
        Some(BytesMut::from(&piece[..]))
    }

    fn next_due(&self) -> Option<Instant> {
        self.queue.front().map(|(t, _)| *t)
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub fn has_room(&self) -> bool {
        self.bytes < Self::CAPACITY
    }
}

/// What the application side of the test does with each initiator event.
pub type Sink = Box<dyn FnMut(&Event)>;

pub struct Pair<D: Device> {
    pub now: Instant,
    pub ini: Initiator,
    pub resp: Responder<D>,
    /// Initiator → responder, per channel.
    pub up: [Wire; 2],
    /// Responder → initiator, per channel.
    pub down: [Wire; 2],
    /// Every initiator event, except data chunks (counted in `data_bytes`).
    pub events: Vec<Event>,
    pub resp_events: Vec<ResponderEvent>,
    /// Data chunk bytes received, and a check that they match the pattern.
    pub data_bytes: u64,
    pub data_ok: bool,
    /// The most bytes the initiator held at once.
    pub peak_buffered: usize,
    /// Whether the application drains initiator events (false: it is "slow").
    pub drain: bool,
    pub checker: Option<fn(u64) -> u8>,
}

pub fn idx(c: Channel) -> usize {
    match c {
        Channel::Command => 0,
        Channel::Event => 1,
    }
}

pub fn name(s: &str) -> FriendlyName {
    FriendlyName::new(s).unwrap()
}

impl<D: Device> Pair<D> {
    pub fn new(dialect: Dialect, device: D, seed: u64) -> Self {
        let now = Instant::now();
        let ini = Initiator::new(
            InitiatorConfig::new(Guid([0x11; 16]), name("tester"), dialect),
            now,
        );
        Self::with(
            ini,
            ResponderConfig::new(Guid([0x22; 16]), name("camera"), dialect),
            device,
            seed,
            now,
        )
    }

    pub fn with(ini: Initiator, rc: ResponderConfig, device: D, seed: u64, now: Instant) -> Self {
        let mut resp = Responder::new(rc, device);
        if ini.config().dialect == Dialect::Fuji {
            // The Fuji event connection carries no init packet: the server pairs it by itself.
            resp.handle_connected(now, Channel::Event);
        }
        Self {
            now,
            ini,
            resp,
            up: [Wire::new(seed), Wire::new(seed + 1)],
            down: [Wire::new(seed + 2), Wire::new(seed + 3)],
            events: Vec::new(),
            resp_events: Vec::new(),
            data_bytes: 0,
            data_ok: true,
            peak_buffered: 0,
            drain: true,
            checker: None,
        }
    }

    /// Splits every wire into pieces of at most `n` bytes.
    pub fn split(&mut self, n: usize) {
        for w in self.up.iter_mut().chain(self.down.iter_mut()) {
            w.max_piece = n;
        }
    }

    /// Moves everything that can move now. Returns whether anything happened.
    pub fn step(&mut self) -> bool {
        let mut moved = false;
        while self.up[0].has_room() {
            let Some(t) = self.ini.poll_transmit() else {
                break;
            };
            self.up[idx(t.channel)].send(self.now, t.payload);
            moved = true;
        }
        while self.down[0].has_room() {
            let Some(t) = self.resp.poll_transmit() else {
                break;
            };
            self.down[idx(t.channel)].send(self.now, t.payload);
            moved = true;
        }
        for ch in Channel::ALL {
            while let Some(piece) = self.up[idx(ch)].take(self.now) {
                let _ = self.resp.handle_input(self.now, ch, piece);
                moved = true;
                // Let the responder produce between pieces, as a socket would.
                while self.down[0].has_room() {
                    let Some(t) = self.resp.poll_transmit() else {
                        break;
                    };
                    self.down[idx(t.channel)].send(self.now, t.payload);
                }
            }
            while self.ini.wants_read(ch) {
                let Some(piece) = self.down[idx(ch)].take(self.now) else {
                    break;
                };
                let _ = self.ini.handle_input(self.now, ch, piece);
                moved = true;
                self.peak_buffered = self.peak_buffered.max(self.ini.buffered_bytes());
            }
        }
        while let Some(e) = self.resp.poll_event() {
            self.resp_events.push(e);
        }
        if self.drain {
            while let Some(e) = self.ini.poll_event() {
                moved = true;
                match &e {
                    Event::DataChunk { offset, data, .. } => {
                        if let Some(f) = self.checker {
                            let ok = data
                                .iter()
                                .enumerate()
                                .all(|(k, &b)| b == f(offset + k as u64));
                            self.data_ok &= ok;
                        }
                        self.data_bytes += data.len() as u64;
                    }
                    _ => self.events.push(e),
                }
            }
        }
        moved
    }

    /// The next time something is due: a wire delivery or an initiator deadline.
    pub fn next_wakeup(&self) -> Option<Instant> {
        let wires = self
            .up
            .iter()
            .chain(self.down.iter())
            .filter_map(Wire::next_due);
        wires
            .chain(self.ini.poll_timeout())
            .chain(self.resp.poll_timeout())
            .min()
    }

    /// Runs until `done` holds, jumping virtual time to each wakeup; panics after `max_steps`.
    pub fn drive_until(&mut self, max_steps: usize, mut done: impl FnMut(&Self) -> bool) {
        for _ in 0..max_steps {
            if done(self) {
                // Deliver what is already due (the events that came with the last step).
                self.step();
                return;
            }
            if self.step() {
                continue;
            }
            match self.next_wakeup() {
                Some(t) => {
                    if t > self.now {
                        self.now = t;
                    }
                    self.ini.handle_timeout(self.now);
                    self.resp.handle_timeout(self.now);
                    for next in [self.ini.poll_timeout(), self.resp.poll_timeout()]
                        .into_iter()
                        .flatten()
                    {
                        assert!(
                            next > self.now,
                            "poll_timeout {next:?} not after {:?}",
                            self.now
                        );
                    }
                }
                None => {
                    if done(self) {
                        return;
                    }
                    panic!(
                        "stalled: nothing to do and not done; events: {:?}",
                        self.events
                    );
                }
            }
        }
        panic!(
            "not done after {max_steps} steps; events: {:?}",
            self.events
        );
    }

    /// Drives until the initiator is ready.
    pub fn connect(&mut self) {
        self.drive_until(10_000, |p| p.ini.is_ready() || p.ini.is_closed());
        assert!(self.ini.is_ready(), "not ready: {:?}", self.events);
    }

    pub fn has_event(&self, f: impl Fn(&Event) -> bool) -> bool {
        self.events.iter().any(f)
    }
}
