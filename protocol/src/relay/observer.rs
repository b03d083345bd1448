//! [`Observer`]: one direction of one relayed TCP connection, bytes in, [`Record`]s out.

use std::collections::VecDeque;
use std::time::Instant;

use bytes::{Bytes, BytesMut};

use super::record::{Direction, Item, Record};
use crate::channel::Channel;
use crate::deframer::{Deframer, DeframerConfig, Frame, Framing};
use crate::packet::{Dialect, Packet};

/// How an [`Observer`] decodes and what it keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObserverConfig {
    /// Which dialect the connection speaks: for the Init_Command_Request layout, and for the
    /// switch to Fujifilm containers after the init handshake.
    pub dialect: Dialect,
    /// The largest control packet decoded whole; a longer one is a framing error (logged, and the
    /// rest of the connection is shown in hex).
    pub max_control_len: u32,
    /// Cut the stream into capture [`Segment`]s too.
    pub capture: bool,
    /// The longest segment (a packet longer than this is cut into several).
    pub max_segment: usize,
    /// How many bytes of undecodable input a record shows in hex.
    pub hex_limit: usize,
}

impl ObserverConfig {
    /// The longest TCP payload one IPv4 packet carries (65535 minus the IPv4 and TCP headers).
    pub const MAX_TCP_SEGMENT: usize = u16::MAX as usize - 40;

    /// Defaults for `dialect`: the deframer's control-packet cap, no capture, 64 bytes of hex.
    #[must_use]
    pub const fn new(dialect: Dialect) -> Self {
        Self {
            dialect,
            max_control_len: DeframerConfig::DEFAULT_MAX_CONTROL_LEN,
            capture: false,
            max_segment: Self::MAX_TCP_SEGMENT,
            hex_limit: 64,
        }
    }
}

/// A piece of one direction of a connection for a capture file: a whole packet, or part of a
/// packet longer than [`ObserverConfig::max_segment`], or undecodable bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// When its last byte was read.
    pub at: Instant,
    /// The bytes, exactly as they travelled.
    pub bytes: Bytes,
}

/// How far the observer is into the frame it is handing to the deframer.
#[derive(Debug, Default)]
struct Unit {
    /// Bytes handed over so far.
    fed: usize,
    /// The frame's first bytes (for the length, and for the hex of a frame that fails).
    head: Vec<u8>,
}

impl Unit {
    /// The frame's length once its first four bytes are known.
    fn len(&self) -> Option<usize> {
        let b = self.head.get(..4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    /// How many bytes to hand over next: the 8-byte header every framing starts with, then up
    /// to the 12 bytes that tell a data packet from a control packet, then the rest.
    fn want(&self) -> usize {
        const HEADER: usize = 8;
        const DATA_PREFIX: usize = 12;
        let Some(len) = self.len().filter(|_| self.fed >= HEADER) else {
            return HEADER - self.fed;
        };
        if self.fed < DATA_PREFIX && len > DATA_PREFIX {
            DATA_PREFIX - self.fed
        } else {
            len.saturating_sub(self.fed)
        }
    }
}

/// Cuts a stream into [`Segment`]s at packet boundaries.
#[derive(Debug)]
struct Segmenter {
    max: usize,
    pieces: Vec<Bytes>,
    len: usize,
    out: VecDeque<Segment>,
}

impl Segmenter {
    fn add(&mut self, now: Instant, mut bytes: Bytes, packet_end: bool) {
        while !bytes.is_empty() {
            let take = (self.max - self.len).min(bytes.len());
            self.pieces.push(bytes.split_to(take));
            self.len += take;
            if self.len == self.max {
                self.flush(now);
            }
        }
        if packet_end {
            self.flush(now);
        }
    }

    fn flush(&mut self, now: Instant) {
        if self.len == 0 {
            return;
        }
        let bytes = if self.pieces.len() == 1 {
            self.pieces.pop().unwrap_or_default()
        } else {
            let mut joined = BytesMut::with_capacity(self.len);
            for p in self.pieces.drain(..) {
                joined.extend_from_slice(&p);
            }
            joined.freeze()
        };
        self.len = 0;
        self.out.push_back(Segment { at: now, bytes });
    }
}

/// One direction of one relayed connection.
///
/// The observer never holds traffic back: the relay forwards its bytes as they are and hands the
/// observer the same bytes. The observer gives the [`Deframer`] only what decoding needs — each
/// packet's header, and whole control packets — and passes over data payloads with
/// [`Deframer::skip_payload`], so a 4 GiB GetObject costs it a few counters, not a copy.
///
/// Every framing ptpip knows starts a frame with its total length as a little-endian `u32`
/// (PTP/IP packets, Fujifilm containers and the Fujifilm terminator), which is how the observer
/// knows how many bytes of a frame to hand over before asking the deframer for it.
#[derive(Debug)]
pub struct Observer {
    config: ObserverConfig,
    connection: u64,
    direction: Direction,
    channel: Option<Channel>,
    deframer: Deframer,
    unit: Unit,
    /// Payload bytes of the current data packet still to pass over.
    skip: u64,
    /// The framing is lost: everything from here on is shown in hex.
    broken: bool,
    records: VecDeque<Record>,
    segments: Option<Segmenter>,
}

impl Observer {
    /// An observer of `direction` on connection number `connection`, whose role is `channel` if
    /// known (the Fujifilm event port), else learnt from the first init packet.
    #[must_use]
    pub fn new(
        config: ObserverConfig,
        connection: u64,
        direction: Direction,
        channel: Option<Channel>,
    ) -> Self {
        // The Fujifilm event connection carries containers from its first byte.
        let framing = if config.dialect == Dialect::Fuji && channel == Some(Channel::Event) {
            Framing::FujiContainer
        } else {
            Framing::PtpIp
        };
        let deframer = Deframer::new(DeframerConfig {
            framing,
            dialect: config.dialect,
            max_control_len: config.max_control_len,
            ..DeframerConfig::default()
        });
        Self {
            segments: config.capture.then(|| Segmenter {
                max: config.max_segment.max(1),
                pieces: Vec::new(),
                len: 0,
                out: VecDeque::new(),
            }),
            config,
            connection,
            direction,
            channel,
            deframer,
            unit: Unit::default(),
            skip: 0,
            broken: false,
            records: VecDeque::new(),
        }
    }

    /// The connection's role, once known.
    #[must_use]
    pub const fn channel(&self) -> Option<Channel> {
        self.channel
    }

    /// Renumbers the connection from the next record on.
    pub const fn set_connection(&mut self, connection: u64) {
        self.connection = connection;
    }

    /// Sets the connection's role (learnt by the other direction's observer).
    pub const fn set_channel(&mut self, channel: Channel) {
        self.channel = Some(channel);
    }

    /// Whether the framing was lost (everything since is logged in hex).
    #[must_use]
    pub const fn is_broken(&self) -> bool {
        self.broken
    }

    /// Whether the stream is between packets.
    #[must_use]
    pub fn is_idle(&self) -> bool {
        self.unit.fed == 0 && self.skip == 0
    }

    /// How many of the next bytes this way are the payload of a data packet that the observer
    /// would only count: a driver may forward that many without reading them (a kernel-to-kernel
    /// copy) and report them with [`pass_over`](Self::pass_over) instead of
    /// [`push`](Self::push). Zero between packets, inside a header or a control packet, when
    /// the framing is lost (the bytes are shown in hex) and when capturing (a capture needs the
    /// bytes).
    #[must_use]
    pub const fn payload_ahead(&self) -> u64 {
        if self.broken || self.segments.is_some() {
            0
        } else {
            self.skip
        }
    }

    /// Observes `len` payload bytes that travelled this way without being read: at most
    /// [`payload_ahead`](Self::payload_ahead). The records are those [`push`](Self::push) would
    /// give for the same bytes. Should `len` be larger (a driver's mistake), the rest is counted
    /// as undecodable bytes of unknown content, and decoding stops.
    pub fn pass_over(&mut self, now: Instant, len: u64) {
        let n = len.min(self.payload_ahead());
        self.count_payload(n);
        if len > n {
            self.fail(
                now,
                format!("{} bytes were passed over outside a data payload", len - n),
            );
        }
    }

    /// Observes bytes that travelled this way, in order, split anywhere.
    pub fn push(&mut self, now: Instant, bytes: &[u8]) {
        let mut at = 0;
        while at < bytes.len() {
            if self.broken {
                let rest = &bytes[at..];
                self.undecodable(now, rest, rest.len() as u64, None);
                self.capture(now, rest, true);
                return;
            }
            if self.skip > 0 {
                let n = usize::try_from(self.skip)
                    .map_or(bytes.len() - at, |s| s.min(bytes.len() - at));
                self.count_payload(n as u64);
                let end = self.skip == 0;
                self.capture(now, &bytes[at..at + n], end);
                at += n;
                continue;
            }
            let want = self.unit.want();
            if want == 0 {
                // A length no framing allows got past the deframer: stop decoding.
                self.fail(now, "the frame is shorter than its header".into());
                continue;
            }
            let n = want.min(bytes.len() - at);
            let piece = &bytes[at..at + n];
            self.deframer.extend_from_slice(piece);
            let keep = self
                .config
                .hex_limit
                .max(4)
                .saturating_sub(self.unit.head.len());
            self.unit.head.extend_from_slice(&piece[..keep.min(n)]);
            self.unit.fed += n;
            let end = self.drain(now);
            self.capture(now, &bytes[at..at + n], end);
            at += n;
        }
    }

    /// Counts `n` bytes of the current data payload as gone by (at most what is left of it).
    fn count_payload(&mut self, n: u64) {
        let skipped = self.deframer.skip_payload(n);
        debug_assert_eq!(skipped, n, "the deframer holds no payload");
        self.skip -= n;
    }

    /// The connection ended in this direction: a packet cut short is reported.
    pub fn finish(&mut self, now: Instant) {
        if !self.broken && !self.is_idle() {
            let got = self.unit.fed as u64;
            let what = match self.unit.len() {
                Some(len) if self.skip == 0 => {
                    format!("the connection ended inside a packet ({got} of {len} bytes)")
                }
                _ if self.skip > 0 => format!(
                    "the connection ended inside a data packet ({} payload bytes missing)",
                    self.skip
                ),
                _ => format!("the connection ended inside a packet header ({got} bytes)"),
            };
            let head = std::mem::take(&mut self.unit.head);
            self.undecodable(now, &head, got, Some(what));
        }
        if let Some(s) = self.segments.as_mut() {
            s.flush(now);
        }
        self.unit = Unit::default();
        self.skip = 0;
    }

    /// The next record.
    pub fn poll_record(&mut self) -> Option<Record> {
        self.records.pop_front()
    }

    /// The next capture segment (only with [`ObserverConfig::capture`]).
    pub fn poll_segment(&mut self) -> Option<Segment> {
        self.segments.as_mut()?.out.pop_front()
    }

    /// Takes the frames the deframer has now; returns whether a packet ended.
    fn drain(&mut self, now: Instant) -> bool {
        loop {
            let frame = match self.deframer.next_frame() {
                Ok(Some(f)) => f,
                Ok(None) => return false,
                Err(e) => {
                    self.fail(now, e.to_string());
                    return true;
                }
            };
            let wire_len = self.unit.fed as u64;
            let item = match frame {
                Frame::Packet(p) => {
                    self.after_init_packet(&p);
                    Item::Packet(p)
                }
                Frame::Container(c) => Item::Container(c),
                Frame::DataStart(h) => {
                    self.skip = u64::from(h.payload_len);
                    Item::Data(h)
                }
                // Never: the deframer is given no payload and never the live-view framing.
                Frame::DataChunk(_) | Frame::LiveView(_) => continue,
            };
            let wire_len = match &item {
                Item::Data(h) => wire_len + u64::from(h.payload_len),
                _ => wire_len,
            };
            // What the decoders tolerated in this packet (a padded or version-less init ack…).
            let quirks = match &item {
                Item::Packet(p) => p.quirks().iter().map(ToString::to_string).collect(),
                _ => Vec::new(),
            };
            self.record(now, wire_len, item, quirks);
            self.unit = Unit::default();
            debug_assert_eq!(self.deframer.buffered_len(), 0, "fed one frame at a time");
            return self.skip == 0;
        }
    }

    /// Learns the channel from the init packets, and switches to Fujifilm containers after the
    /// init packet that ends the PTP/IP framing in this direction: the Init_Command_Request
    /// towards the camera (where the responder switches), the Init_Command_Ack back (where the
    /// initiator switches).
    fn after_init_packet(&mut self, p: &Packet<'_>) {
        match p {
            Packet::InitCommandRequest(_) => self.channel = Some(Channel::Command),
            Packet::InitEventRequest(_) => self.channel = Some(Channel::Event),
            _ => {}
        }
        let switch = match p {
            Packet::InitCommandRequest(_) => self.direction == Direction::ToResponder,
            Packet::InitCommandAck(_) => self.direction == Direction::ToInitiator,
            _ => false,
        };
        if switch && self.config.dialect == Dialect::Fuji {
            self.deframer.set_framing(Framing::FujiContainer);
        }
    }

    fn fail(&mut self, now: Instant, why: String) {
        self.broken = true;
        let head = std::mem::take(&mut self.unit.head);
        let len = self.unit.fed as u64;
        self.undecodable(now, &head, len, Some(why));
        self.unit = Unit::default();
    }

    fn undecodable(&mut self, now: Instant, bytes: &[u8], len: u64, why: Option<String>) {
        let head = Bytes::copy_from_slice(&bytes[..bytes.len().min(self.config.hex_limit)]);
        self.record(
            now,
            len,
            Item::Undecodable { head, len },
            why.into_iter().collect(),
        );
    }

    fn record(&mut self, now: Instant, wire_len: u64, item: Item, quirks: Vec<String>) {
        self.records.push_back(Record {
            at: now,
            connection: self.connection,
            direction: self.direction,
            channel: self.channel.unwrap_or(Channel::Command),
            wire_len,
            item,
            quirks,
        });
    }

    /// Keeps a copy of `bytes` for the capture (only when capturing).
    fn capture(&mut self, now: Instant, bytes: &[u8], packet_end: bool) {
        if let Some(s) = self.segments.as_mut() {
            s.add(now, Bytes::copy_from_slice(bytes), packet_end);
        }
    }
}
