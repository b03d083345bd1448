//! The state-machine harness: an [`Initiator`] and a [`Responder`] driven by actions decoded from
//! bytes, with the invariants of their contracts checked after every action.
//!
//! One machine is the *target*: raw bytes go to it. The other, the *peer*, is optional: when the
//! first input byte asks for it, the peer is a real machine of the other side, the handshake runs
//! between the two before any fuzzed action, and the target's transmits reach the peer at once
//! while the peer's wait in `pending` until a [`Relay`](ACT_RELAY) action hands them over.
//!
//! Input: a config byte (bit 0 Fujifilm dialect, bit 1 peer and handshake, bit 2 keep-alive,
//! bits 3–4 the responder's data-in framing), then actions until the input runs out. An action is
//! an opcode byte (low nibble the action, bit 7 the channel or a flag) and its operands.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use crate::Encode;
use crate::channel::{Channel, Transmit};
use crate::initiator::{Event, Initiator, InitiatorConfig, Operation};
use crate::packet::{Dialect, InitFailReason};
use crate::ptp::codes::{OperationCode, ResponseCode};
use crate::ptp::dataset::DeviceInfo;
use crate::responder::{
    DataInFraming, DataSource, Device, PatternSource, Reply, Request, Responder, ResponderConfig,
    ResponderEvent, Response,
};
use crate::types::{FriendlyName, Guid, TransactionId};

/// Most transmits or events one drain may yield before the harness calls it unbounded.
const DRAIN_BOUND: usize = 20_000;
/// Received bytes the initiator may hold undrained.
const RECV_HIGH_WATER: usize = 64 << 10;
/// The largest control packet either machine accepts.
const MAX_CONTROL_LEN: u32 = 4 << 10;
/// The largest `Collect` limit an action asks for.
const MAX_COLLECT: usize = 16 << 10;

/// Feed raw bytes to the target: `u16` length, bytes. Bit 7: the event channel.
pub(crate) const ACT_FEED: u8 = 0;
/// Advance time by `u16` ms (times 64 with bit 7) and call `handle_timeout` on both machines.
const ACT_TIME: u8 = 1;
/// Initiator: execute `u16` code, `u8` parameter count (mod 6), the parameters, a data phase.
pub(crate) const ACT_EXECUTE: u8 = 2;
/// Initiator: `send_data` of `u16` length bytes from the input for the current transaction.
const ACT_SEND_DATA: u8 = 3;
/// Initiator: cancel the current transaction (bit 7: the last one executed).
const ACT_CANCEL: u8 = 4;
/// Initiator: close.
const ACT_CLOSE: u8 = 5;
/// Target: end of a channel (bit 7: the event channel).
const ACT_EOF: u8 = 6;
/// Hand up to `u8` pending peer transmits to the target.
pub(crate) const ACT_RELAY: u8 = 7;
/// Stop (or resume) draining the initiator's events, the application being slow.
const ACT_STALL: u8 = 8;
/// Responder: the device reports an event, `u16` code and `u32` parameter.
const ACT_DEVICE_EVENT: u8 = 9;
/// Responder: the event connection is attached (`handle_connected`).
pub(crate) const ACT_CONNECTED: u8 = 10;

/// Which machine receives the raw bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    Initiator,
    Responder,
}

/// Reads operands from the front of the input; missing bytes read as zero.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn u8(&mut self) -> u8 {
        let (b, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        b
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn take(&mut self, n: usize) -> &'a [u8] {
        let (a, b) = self.0.split_at(n.min(self.0.len()));
        self.0 = b;
        a
    }
}

/// A data source that announces `announced` bytes and delivers `actual` (a faulty device).
struct ShortSource {
    announced: u64,
    left: u64,
}

impl DataSource for ShortSource {
    fn len(&self) -> Option<u64> {
        Some(self.announced)
    }
    fn next_piece(&mut self, max: usize) -> Bytes {
        let n = self.left.min(max as u64);
        self.left -= n;
        Bytes::from(vec![0xA5; n as usize])
    }
}

/// A minimal camera: a few operations with data, everything else answered at once.
#[derive(Debug, Default)]
pub(crate) struct FuzzDevice {
    events: VecDeque<crate::initiator::DeviceEvent>,
    received: u64,
}

impl Device for FuzzDevice {
    fn accept(&mut self, guid: Guid, _name: &FriendlyName) -> Result<(), InitFailReason> {
        if guid.0[0] == 0xEE {
            Err(InitFailReason(1))
        } else {
            Ok(())
        }
    }

    fn operation(&mut self, r: &Request) -> Reply {
        let p1 = r.params.get(1).unwrap_or(0);
        let p2 = r.params.get(2).unwrap_or(0);
        let data = |source: Box<dyn DataSource>| Reply::Data {
            source,
            response: Response::OK,
        };
        match r.code {
            OperationCode::GET_DEVICE_INFO => data(Box::new(Bytes::from(device_info()))),
            OperationCode::GET_OBJECT => data(Box::new(PatternSource::new(u64::from(p1 % 20_000)))),
            OperationCode::GET_DEVICE_PROP_VALUE => {
                data(Box::new(Bytes::from_static(&[2, 0, 0, 0])))
            }
            OperationCode::SET_DEVICE_PROP_VALUE
            | OperationCode::SEND_OBJECT_INFO
            | OperationCode::SEND_OBJECT => Reply::ReceiveData,
            OperationCode(0x9FFF) => data(Box::new(ShortSource {
                announced: u64::from(p1 % 5000),
                left: u64::from(p2 % 5000),
            })),
            OperationCode::OPEN_SESSION | OperationCode::CLOSE_SESSION => {
                Reply::Respond(Response::OK)
            }
            _ if p1 != 0 => Reply::Respond(Response::with_params(
                ResponseCode(0x2001 + (p1 % 0x20) as u16),
                &[p2],
            )),
            _ => Reply::Respond(Response::OK),
        }
    }

    fn data_out(&mut self, _request: &Request, piece: &[u8]) {
        self.received += piece.len() as u64;
    }

    fn data_out_done(&mut self, _request: &Request, _len: u64) -> Response {
        Response::OK
    }

    fn poll_event(&mut self) -> Option<crate::initiator::DeviceEvent> {
        self.events.pop_front()
    }
}

/// A small DeviceInfo for GetDeviceInfo.
fn device_info() -> Vec<u8> {
    DeviceInfo {
        standard_version: 100,
        operations_supported: vec![OperationCode::GET_DEVICE_INFO, OperationCode::GET_OBJECT],
        ..DeviceInfo::default()
    }
    .to_bytes()
}

/// What the harness has seen of the initiator so far.
#[derive(Default)]
struct IniSeen {
    /// ConnectionLost or Closed reported.
    ended: bool,
    /// Next expected offset of each streamed transaction.
    offsets: BTreeMap<u32, u64>,
    last_tid: Option<TransactionId>,
}

/// Both machines, the peer's pending output, virtual time and what was seen.
struct Harness {
    target: Side,
    ini: Option<Initiator>,
    resp: Option<Responder<FuzzDevice>>,
    pending: VecDeque<Transmit>,
    now: Instant,
    stalled: bool,
    ini_seen: IniSeen,
    resp_lost: bool,
    /// When recording seeds: the actions that replay the target's inputs without a peer.
    record: Option<Vec<u8>>,
    /// When recording seeds: every transmit of either machine, by channel.
    wire: Vec<(Channel, Bytes)>,
}

impl Harness {
    fn new(target: Side, config: u8) -> Self {
        let dialect = if config & 1 == 0 {
            Dialect::Generic
        } else {
            Dialect::Fuji
        };
        let peer = config & 2 != 0;
        let now = Instant::now();
        let name = FriendlyName::new("fuzz").expect("a short ASCII name");
        let ini = (target == Side::Initiator || peer).then(|| {
            let mut c = InitiatorConfig::new(Guid([7; 16]), name.clone(), dialect);
            c.keep_alive = (config & 4 != 0).then(|| Duration::from_secs(5));
            c.recv_high_water = RECV_HIGH_WATER;
            c.max_control_len = MAX_CONTROL_LEN;
            c.send_window = 8 << 10;
            c.max_data_packet = 1 << 10;
            Initiator::new(c, now)
        });
        let resp = (target == Side::Responder || peer).then(|| {
            let mut c = ResponderConfig::new(Guid([9; 16]), name, dialect);
            c.data_in_framing = match (config >> 3) & 3 {
                0 => DataInFraming::DataThenEnd,
                1 => DataInFraming::SingleEnd,
                _ => DataInFraming::EmptyEnd,
            };
            c.max_data_packet = 700;
            c.send_window = 4 << 10;
            c.max_control_len = MAX_CONTROL_LEN;
            Responder::new(c, FuzzDevice::default())
        });
        Self {
            target,
            ini,
            resp,
            pending: VecDeque::new(),
            now,
            stalled: false,
            ini_seen: IniSeen::default(),
            resp_lost: false,
            record: None,
            wire: Vec::new(),
        }
    }

    /// Records an action replaying an input of the target.
    fn note(&mut self, action: &[u8]) {
        if let Some(r) = &mut self.record {
            r.extend_from_slice(action);
        }
    }

    /// Gives `data` to the target on `channel`, as a driver would (only while it wants to read).
    fn feed_target(&mut self, channel: Channel, data: &[u8]) -> bool {
        let ev = if channel == Channel::Event { 0x80 } else { 0 };
        match self.target {
            Side::Initiator => {
                let ini = self.ini.as_mut().expect("the target exists");
                if !ini.wants_read(channel) {
                    return false;
                }
                let _ = ini.handle_input(self.now, channel, BytesMut::from(data));
            }
            Side::Responder => {
                let resp = self.resp.as_mut().expect("the target exists");
                if !resp.wants_read(channel) {
                    return false;
                }
                let _ = resp.handle_input(self.now, channel, BytesMut::from(data));
            }
        }
        for piece in data.chunks(usize::from(u16::MAX)) {
            let mut a = vec![ACT_FEED | ev];
            a.extend_from_slice(&(piece.len() as u16).to_le_bytes());
            a.extend_from_slice(piece);
            self.note(&a);
        }
        self.settle(data.len());
        true
    }

    /// Drains both machines after an input of `last_input` bytes and checks the invariants.
    fn settle(&mut self, last_input: usize) {
        let to_peer = self.drain_transmits(self.target);
        let peer = match self.target {
            Side::Initiator => Side::Responder,
            Side::Responder => Side::Initiator,
        };
        for t in to_peer {
            self.deliver_to(peer, &t);
        }
        let from_peer = self.drain_transmits(peer);
        self.pending.extend(from_peer);
        self.drain_events();
        if let Some(ini) = &self.ini {
            let slack = if self.stalled {
                MAX_CONTROL_LEN as usize + MAX_COLLECT
            } else {
                0
            };
            assert!(
                ini.buffered_bytes() <= RECV_HIGH_WATER + last_input + slack,
                "initiator holds {} bytes (high water {RECV_HIGH_WATER}, last input {last_input})",
                ini.buffered_bytes()
            );
        }
    }

    /// Gives a transmit to the peer machine, as the peer's driver would.
    fn deliver_to(&mut self, side: Side, t: &Transmit) {
        let data = BytesMut::from(&t.payload[..]);
        match side {
            Side::Initiator => {
                if let Some(ini) = &mut self.ini {
                    let _ = ini.handle_input(self.now, t.channel, data);
                }
            }
            Side::Responder => {
                if let Some(resp) = &mut self.resp {
                    resp.handle_connected(self.now, t.channel);
                    let _ = resp.handle_input(self.now, t.channel, data);
                }
            }
        }
    }

    /// Drains one machine's transmits, bounded; nothing may come out once it ended.
    fn drain_transmits(&mut self, side: Side) -> Vec<Transmit> {
        let mut out = Vec::new();
        loop {
            let t = match side {
                Side::Initiator => self.ini.as_mut().and_then(Initiator::poll_transmit),
                Side::Responder => self.resp.as_mut().and_then(Responder::poll_transmit),
            };
            let Some(t) = t else { break };
            match side {
                Side::Initiator => {
                    assert!(!self.ini_seen.ended, "initiator transmits after it ended")
                }
                Side::Responder => assert!(!self.resp_lost, "responder transmits after it failed"),
            }
            if self.record.is_some() {
                self.wire.push((t.channel, t.payload.clone()));
            }
            out.push(t);
            assert!(
                out.len() <= DRAIN_BOUND,
                "{side:?}: poll_transmit does not run dry"
            );
        }
        out
    }

    fn drain_events(&mut self) {
        if let Some(resp) = &mut self.resp {
            for _ in 0..=DRAIN_BOUND {
                let Some(e) = resp.poll_event() else { break };
                if let ResponderEvent::ConnectionLost { .. } = e {
                    assert!(!self.resp_lost, "responder: ConnectionLost reported twice");
                    self.resp_lost = true;
                }
            }
        }
        let ini_is_target = self.target == Side::Initiator;
        let Some(ini) = &mut self.ini else { return };
        if self.stalled && ini_is_target {
            return;
        }
        for n in 0.. {
            let Some(e) = ini.poll_event() else { break };
            assert!(n < DRAIN_BOUND, "initiator: poll_event does not run dry");
            let seen = &mut self.ini_seen;
            match e {
                Event::ConnectionLost { .. } | Event::Closed => {
                    assert!(!seen.ended, "initiator: ended twice ({e:?})");
                    seen.ended = true;
                }
                Event::DataStarted { transaction, .. } => {
                    seen.offsets.insert(transaction.0, 0);
                }
                Event::DataChunk {
                    transaction,
                    offset,
                    data,
                } => {
                    let next = seen.offsets.entry(transaction.0).or_insert(0);
                    assert_eq!(offset, *next, "DataChunk offset out of step");
                    *next += data.len() as u64;
                }
                Event::DataFinished { transaction, len } => {
                    let got = seen.offsets.remove(&transaction.0).unwrap_or(0);
                    assert_eq!(len, got, "DataFinished length differs from the chunks");
                }
                _ => {}
            }
        }
    }

    /// Hands up to `n` pending peer transmits to the target; returns whether any went.
    fn relay(&mut self, n: usize) -> bool {
        let mut moved = false;
        for _ in 0..n {
            let Some(t) = self.pending.pop_front() else {
                break;
            };
            if self.target == Side::Responder && t.channel == Channel::Event {
                self.connect_event();
            }
            if !self.feed_target(t.channel, &t.payload) {
                self.pending.push_front(t);
                break;
            }
            moved = true;
        }
        moved
    }

    /// Attaches the responder's event channel (the peer initiator opened it).
    fn connect_event(&mut self) {
        if let Some(resp) = &mut self.resp {
            resp.handle_connected(self.now, Channel::Event);
            self.note(&[ACT_CONNECTED | 0x80]);
        }
    }

    /// Runs the handshake with the peer: relays until the initiator is ready or nothing moves.
    fn handshake(&mut self) {
        self.settle(0);
        for _ in 0..64 {
            if self.ini.as_ref().is_some_and(Initiator::is_ready) || !self.relay(usize::MAX) {
                break;
            }
        }
    }

    fn execute(&mut self, c: &mut Cursor<'_>) {
        let start = c.0;
        let code = OperationCode(c.u16());
        let n = usize::from(c.u8() % 6);
        let params: Vec<u32> = (0..n).map(|_| c.u32()).collect();
        let Some(mut op) = Operation::new(code, &params) else {
            return;
        };
        op = match c.u8() % 5 {
            0 => op,
            1 => op.collect(usize::from(c.u16()) % (MAX_COLLECT + 1)),
            2 => op.stream(),
            3 => op.send_len(u64::from(c.u16())),
            _ => {
                let len = usize::from(c.u16());
                op.send(Bytes::copy_from_slice(c.take(len)))
            }
        };
        let used = start.len() - c.0.len();
        let Some(ini) = &mut self.ini else { return };
        if let Ok(tid) = ini.execute(self.now, op) {
            self.ini_seen.last_tid = Some(tid);
        }
        if self.target == Side::Initiator {
            let mut a = vec![ACT_EXECUTE];
            a.extend_from_slice(&start[..used]);
            self.note(&a);
        }
    }

    fn action(&mut self, c: &mut Cursor<'_>) {
        let op = c.u8();
        let channel = if op & 0x80 == 0 {
            Channel::Command
        } else {
            Channel::Event
        };
        let mut last_input = 0;
        match op & 0x0F {
            ACT_FEED => {
                let len = usize::from(c.u16());
                let data = c.take(len);
                self.feed_target(channel, data);
                return;
            }
            ACT_TIME => {
                let ms = u64::from(c.u16()) * if op & 0x80 == 0 { 1 } else { 64 };
                self.now += Duration::from_millis(ms);
                if let Some(ini) = &mut self.ini {
                    ini.handle_timeout(self.now);
                    assert!(
                        ini.poll_timeout().is_none_or(|t| t > self.now),
                        "a deadline at or before the handle_timeout time"
                    );
                }
                if let Some(resp) = &mut self.resp {
                    resp.handle_timeout(self.now);
                    assert!(
                        resp.poll_timeout().is_none_or(|t| t > self.now),
                        "responder: a deadline at or before the handle_timeout time"
                    );
                }
            }
            ACT_EXECUTE => self.execute(c),
            ACT_SEND_DATA => {
                let len = usize::from(c.u16());
                let data = c.take(len);
                last_input = data.len();
                if let Some(ini) = &mut self.ini {
                    let tid = ini.current_transaction().unwrap_or(TransactionId(1));
                    let _ = ini.send_data(self.now, tid, data);
                }
            }
            ACT_CANCEL => {
                if let Some(ini) = &mut self.ini {
                    let tid = if op & 0x80 == 0 {
                        ini.current_transaction()
                    } else {
                        self.ini_seen.last_tid
                    };
                    let _ = ini.cancel(self.now, tid.unwrap_or(TransactionId(1)));
                }
            }
            ACT_CLOSE => {
                if let Some(ini) = &mut self.ini {
                    ini.close(self.now);
                }
            }
            ACT_EOF => match self.target {
                Side::Initiator => {
                    if let Some(ini) = &mut self.ini {
                        ini.handle_eof(self.now, channel);
                    }
                }
                Side::Responder => {
                    if let Some(resp) = &mut self.resp {
                        resp.handle_eof(self.now, channel);
                    }
                }
            },
            ACT_RELAY => {
                self.relay(usize::from(c.u8()));
                return;
            }
            ACT_STALL => self.stalled = !self.stalled,
            ACT_DEVICE_EVENT => {
                let code = crate::EventCode(c.u16());
                let param = c.u32();
                if let Some(resp) = &mut self.resp {
                    resp.device_mut()
                        .events
                        .push_back(crate::initiator::DeviceEvent {
                            code,
                            transaction: TransactionId(0xFFFF_FFFF),
                            params: crate::Params::from_slice(&[param]).expect("one parameter"),
                        });
                }
            }
            ACT_CONNECTED => {
                if let Some(resp) = &mut self.resp {
                    resp.handle_connected(self.now, channel);
                }
            }
            _ => return,
        }
        self.settle(last_input);
    }
}

/// Runs the harness over `data` with `target` receiving the raw bytes.
fn run(target: Side, data: &[u8]) {
    let mut c = Cursor(data);
    let config = c.u8();
    let mut h = Harness::new(target, config);
    if config & 2 != 0 {
        h.handshake();
    } else {
        h.settle(0);
    }
    // Each action consumes at least its opcode byte, so this ends.
    while !c.0.is_empty() {
        h.action(&mut c);
    }
}

/// An [`Initiator`] fed actions decoded from `data` (a config byte, then actions; the format is
/// described in `protocol/src/fuzzing/machines.rs`).
///
/// Checks: no panic; transmits and events run dry within a bound; after `handle_timeout(t)` the
/// next deadline is later than `t`; ConnectionLost (or Closed) is reported once and nothing is
/// transmitted after it; streamed chunks are contiguous and DataFinished counts them; the bytes
/// held stay within `recv_high_water` plus the last input (plus one partial control packet and a
/// collect buffer while the application stalls).
pub fn initiator(data: &[u8]) {
    run(Side::Initiator, data);
}

/// A [`Responder`] serving a small device, fed actions decoded from `data`.
///
/// Checks: no panic; transmits run dry within a bound after every action; after
/// `handle_timeout(t)` the next deadline is later than `t`; ConnectionLost is reported once and
/// nothing is transmitted after it.
pub fn responder(data: &[u8]) {
    run(Side::Responder, data);
}

/// A scripted session between a real initiator and responder, recorded for the seed corpora.
#[derive(Clone, Debug, Default)]
pub struct RecordedSession {
    /// An input for [`initiator`] without a peer that replays what the initiator received and did.
    pub initiator: Vec<u8>,
    /// An input for [`responder`] without a peer that replays what the responder received.
    pub responder: Vec<u8>,
    /// Every transmit of both machines, in order, with its channel.
    pub wire: Vec<(Channel, Bytes)>,
}

/// Runs a scripted session between a real initiator and responder and records it.
///
/// The script: handshake, GetDeviceInfo (collected), GetObject of 3000 bytes (streamed),
/// SetDevicePropValue with 4 bytes out, then a graceful close.
#[must_use]
pub fn record_session(dialect: Dialect) -> RecordedSession {
    let fuji = u8::from(dialect == Dialect::Fuji);
    let script: Vec<Vec<u8>> = vec![
        // GetDeviceInfo, no parameters, collect up to 4096.
        vec![0x01, 0x10, 0, 1, 0x00, 0x10],
        // GetObject(3000): the device sends 3000 bytes; streamed.
        [&[0x09, 0x10, 1][..], &3000u32.to_le_bytes(), &[2]].concat(),
        // SetDevicePropValue(0x5001), 4 bytes out.
        [
            &[0x16, 0x10, 1][..],
            &0x5001u32.to_le_bytes(),
            &[4, 4, 0, 1, 0, 0, 0],
        ]
        .concat(),
    ];
    let mut session = RecordedSession::default();
    for target in [Side::Initiator, Side::Responder] {
        let mut h = Harness::new(target, fuji | 2);
        h.record = Some(vec![fuji]);
        h.handshake();
        for step in &script {
            let mut c = Cursor(step);
            h.execute(&mut c);
            h.settle(0);
            while h.relay(usize::MAX) {}
        }
        if let Some(ini) = &mut h.ini {
            ini.close(h.now);
        }
        if target == Side::Initiator {
            h.note(&[ACT_CLOSE]);
        }
        h.settle(0);
        while h.relay(usize::MAX) {}
        let actions = h.record.take().unwrap_or_default();
        match target {
            Side::Initiator => {
                session.initiator = actions;
                session.wire = std::mem::take(&mut h.wire);
            }
            Side::Responder => session.responder = actions,
        }
    }
    session
}
