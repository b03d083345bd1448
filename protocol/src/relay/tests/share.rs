//! The sharing relay in memory: initiators (our own Initiator) in front, a Responder with a
//! virtual camera behind, every byte delivered in random pieces, in virtual time.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use bytes::BytesMut;

use super::Rng;
use crate::camera::{FujiCamera, VirtualCamera};
use crate::channel::Channel;
use crate::initiator::{Event, Initiator, InitiatorConfig, Operation};
use crate::packet::Dialect;
use crate::ptp::codes::{DevicePropCode, OperationCode, ResponseCode};
use crate::ptp::dataset::DeviceInfo;
use crate::relay::{Item, ObserverConfig, Peer, Share, ShareConfig};
use crate::responder::{Device, Responder, ResponderConfig};
use crate::types::{FriendlyName, Guid, TransactionId};

/// One initiator in front of the relay.
struct Front {
    ini: Initiator,
    /// The relay's numbers for its command and event connections.
    conns: [Option<u64>; 2],
    /// What came back, in order.
    done: Vec<Event>,
    closed: bool,
}

/// The relay with its camera and its initiators, wired in memory.
struct Net {
    share: Share,
    camera: Responder<Box<dyn Device>>,
    camera_open: [bool; 2],
    camera_gone: bool,
    fronts: Vec<Front>,
    /// Relay connection → (front, channel).
    owners: BTreeMap<u64, (usize, Channel)>,
    next_conn: u64,
    rng: Rng,
    now: Instant,
    closed: HashSet<Peer>,
    records: Vec<crate::relay::Record>,
}

fn name(s: &str) -> FriendlyName {
    FriendlyName::new(s).unwrap()
}

impl Net {
    fn new(camera_dialect: Dialect, device: Box<dyn Device>, seed: u64) -> Self {
        let rc = ResponderConfig::new(Guid([2; 16]), name("shared camera"), camera_dialect);
        let mut config = ShareConfig::new(camera_dialect);
        config.linger = None;
        Self {
            share: Share::new(config, ObserverConfig::new(camera_dialect)),
            camera: Responder::new(rc, device),
            camera_open: [false; 2],
            camera_gone: false,
            fronts: Vec::new(),
            owners: BTreeMap::new(),
            next_conn: 1,
            rng: Rng(seed),
            now: Instant::now(),
            closed: HashSet::new(),
            records: Vec::new(),
        }
    }

    fn add_front(&mut self) -> usize {
        let guid = Guid([10 + self.fronts.len() as u8; 16]);
        let c = InitiatorConfig::new(guid, name("front"), Dialect::Generic);
        self.fronts.push(Front {
            ini: Initiator::new(c, self.now),
            conns: [None, None],
            done: Vec::new(),
            closed: false,
        });
        self.fronts.len() - 1
    }

    /// `bytes` in random pieces.
    fn pieces(&mut self, bytes: &[u8]) -> Vec<BytesMut> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let n = (1 + self.rng.below(3000)).min(bytes.len() - at);
            out.push(BytesMut::from(&bytes[at..at + n]));
            at += n;
        }
        out
    }

    /// Moves everything that can move, once.
    fn step(&mut self) {
        let now = self.now;
        // Initiators → relay.
        for i in 0..self.fronts.len() {
            while let Some(t) = self.fronts[i].ini.poll_transmit() {
                if self.fronts[i].closed {
                    continue;
                }
                let conn = match self.fronts[i].conns[t.channel.index()] {
                    Some(c) => c,
                    None => {
                        let c = self.next_conn;
                        self.next_conn += 1;
                        self.fronts[i].conns[t.channel.index()] = Some(c);
                        self.owners.insert(c, (i, t.channel));
                        self.share.handle_accept(now, c);
                        c
                    }
                };
                if self.closed.contains(&Peer::Initiator(conn)) {
                    continue;
                }
                for p in self.pieces(&t.payload) {
                    self.share.handle_input(now, Peer::Initiator(conn), p);
                }
            }
        }
        // Relay → camera.
        for ch in Channel::ALL {
            while self.share.wants_write(Peer::Camera(ch)) {
                if !self.camera_open[ch.index()] && !self.camera_gone {
                    self.camera_open[ch.index()] = true;
                    self.share.handle_camera_opened(ch, 100 + ch.index() as u64);
                    self.camera.handle_connected(now, ch);
                }
                let Some(b) = self.share.poll_transmit(now, Peer::Camera(ch)) else {
                    break;
                };
                if self.camera_gone {
                    continue;
                }
                for p in self.pieces(&b) {
                    let _ = self.camera.handle_input(now, ch, p);
                }
            }
        }
        // Camera → relay.
        while let Some(t) = self.camera.poll_transmit() {
            if self.camera_gone {
                continue;
            }
            for p in self.pieces(&t.payload) {
                self.share.handle_input(now, Peer::Camera(t.channel), p);
            }
        }
        // Relay → initiators.
        let conns: Vec<(u64, (usize, Channel))> =
            self.owners.iter().map(|(&c, &o)| (c, o)).collect();
        for (conn, (i, ch)) in conns {
            while self.share.wants_write(Peer::Initiator(conn)) {
                let Some(b) = self.share.poll_transmit(now, Peer::Initiator(conn)) else {
                    break;
                };
                for p in self.pieces(&b) {
                    let _ = self.fronts[i].ini.handle_input(now, ch, p);
                }
            }
        }
        while let Some(p) = self.share.poll_close() {
            self.closed.insert(p);
            match p {
                Peer::Initiator(c) => {
                    if let Some(&(i, ch)) = self.owners.get(&c) {
                        self.fronts[i].ini.handle_eof(now, ch);
                    }
                }
                Peer::Camera(ch) => self.camera_open[ch.index()] = false,
            }
        }
        while let Some(r) = self.share.poll_record() {
            self.records.push(r);
        }
        while self.share.poll_segment().is_some() {}
        for f in &mut self.fronts {
            while let Some(e) = f.ini.poll_event() {
                f.done.push(e);
            }
        }
    }

    /// Steps until `done` holds (at most a few thousand steps).
    fn run_until(&mut self, mut done: impl FnMut(&Self) -> bool) {
        for _ in 0..5000 {
            if done(self) {
                return;
            }
            self.step();
        }
        panic!("never got there; records:\n{}", self.log());
    }

    fn log(&self) -> String {
        self.records.iter().map(|r| format!("{r}\n")).collect()
    }

    fn ready(&self, i: usize) -> bool {
        self.fronts[i].ini.is_ready()
    }

    /// Runs `op` on front `i` and waits for its completion.
    fn call(&mut self, i: usize, op: Operation) -> crate::initiator::Completion {
        let now = self.now;
        let tid = self.fronts[i].ini.execute(now, op).unwrap();
        self.run_until(|n| {
            n.fronts[i]
                .done
                .iter()
                .any(|e| matches!(e, Event::OperationComplete(c) if c.transaction == tid))
        });
        let pos = self.fronts[i]
            .done
            .iter()
            .position(|e| matches!(e, Event::OperationComplete(c) if c.transaction == tid))
            .unwrap();
        match self.fronts[i].done.remove(pos) {
            Event::OperationComplete(c) => c,
            _ => unreachable!(),
        }
    }
}

fn op(code: OperationCode, params: &[u32]) -> Operation {
    Operation::new(code, params).unwrap()
}

#[test]
fn two_initiators_share_one_generic_camera_session() {
    for seed in [1, 2, 3] {
        let mut net = Net::new(Dialect::Generic, Box::new(VirtualCamera::sample()), seed);
        let (a, b) = (net.add_front(), net.add_front());
        net.run_until(|n| n.ready(a) && n.ready(b));
        // Both opened their session (locally, with the same SessionID): the camera has one.
        assert_eq!(net.camera.session().map(|s| s.0), Some(1));
        let want = VirtualCamera::sample().device_info();
        for i in [a, b] {
            let c = net.call(i, op(OperationCode::GET_DEVICE_INFO, &[]).collect(1 << 16));
            assert_eq!(DeviceInfo::decode(&c.data.unwrap()).unwrap(), want);
        }
        // Interleaved: a's and b's requests run one after the other on the camera.
        let ta = net.fronts[a]
            .ini
            .execute(
                net.now,
                op(OperationCode::GET_OBJECT_HANDLES, &[0xFFFF_FFFF]).collect(1 << 16),
            )
            .unwrap();
        let tb = net.fronts[b]
            .ini
            .execute(
                net.now,
                op(OperationCode::GET_OBJECT_HANDLES, &[0xFFFF_FFFF]).collect(1 << 16),
            )
            .unwrap();
        net.run_until(|n| {
            let done = |i: usize, t: TransactionId| {
                n.fronts[i]
                    .done
                    .iter()
                    .any(|e| matches!(e, Event::OperationComplete(c) if c.transaction == t))
            };
            done(a, ta) && done(b, tb)
        });
        let handles: Vec<_> = [a, b]
            .iter()
            .map(|&i| {
                net.fronts[i]
                    .done
                    .iter()
                    .find_map(|e| match e {
                        Event::OperationComplete(c)
                            if c.operation == OperationCode::GET_OBJECT_HANDLES =>
                        {
                            Some(c.data.clone().unwrap())
                        }
                        _ => None,
                    })
                    .unwrap()
            })
            .collect();
        assert_eq!(handles[0], handles[1]);
        // Each initiator saw its own transaction ids; the camera saw the relay's.
        assert_eq!(ta, tb);
        // A download streams through: same bytes as the camera holds.
        let camera = VirtualCamera::sample();
        let img = camera.store().objects().find(|o| !o.is_folder()).unwrap();
        let mut source = img.content.open();
        let mut want = Vec::new();
        loop {
            let piece = source.next_piece(1 << 16);
            if piece.is_empty() {
                break;
            }
            want.extend_from_slice(&piece);
        }
        let c = net.call(
            b,
            op(OperationCode::GET_OBJECT, &[img.handle.0]).collect(1 << 20),
        );
        assert_eq!(&c.data.unwrap()[..], &want[..]);
        // CloseSession is local too: the camera's session stays open for the other.
        let c = net.call(a, op(OperationCode::CLOSE_SESSION, &[]));
        assert_eq!(c.response, ResponseCode::OK);
        let c = net.call(b, op(OperationCode::GET_NUM_OBJECTS, &[0xFFFF_FFFF]));
        assert_eq!(c.response, ResponseCode::OK);
        assert_eq!(net.camera.session().map(|s| s.0), Some(1));
    }
}

#[test]
fn a_standard_initiator_reads_a_fujifilm_camera_through_the_relay() {
    let mut net = Net::new(Dialect::Fuji, Box::new(FujiCamera::new()), 7);
    let a = net.add_front();
    net.run_until(|n| n.ready(a));
    let c = net.call(a, op(OperationCode::GET_DEVICE_INFO, &[]).collect(1 << 16));
    let info = DeviceInfo::decode(&c.data.unwrap()).unwrap();
    assert_eq!(info, FujiCamera::new().device_info());
    let c = net.call(
        a,
        op(
            OperationCode::GET_DEVICE_PROP_VALUE,
            &[u32::from(DevicePropCode::FUJI_APP_VERSION.0)],
        )
        .collect(64),
    );
    assert_eq!(c.response, ResponseCode::OK);
    assert_eq!(c.data.unwrap().len(), 4);
    // The camera side was containers, the initiator side PTP/IP.
    let camera_side: Vec<_> = net
        .records
        .iter()
        .filter(|r| r.connection == 100)
        .filter_map(crate::relay::Record::packet_type)
        .collect();
    assert!(
        camera_side.iter().any(|t| t == "Fuji Command"),
        "{camera_side:?}"
    );
    let front_side: Vec<_> = net
        .records
        .iter()
        .filter(|r| r.connection == 1)
        .filter_map(crate::relay::Record::packet_type)
        .collect();
    assert!(
        front_side.iter().any(|t| t == "Operation_Request"),
        "{front_side:?}"
    );
    assert!(
        !front_side.iter().any(|t| t.starts_with("Fuji")),
        "{front_side:?}"
    );
}

#[test]
fn bad_input_from_one_initiator_drops_it_and_the_other_goes_on() {
    let mut net = Net::new(Dialect::Generic, Box::new(VirtualCamera::sample()), 11);
    let (a, b) = (net.add_front(), net.add_front());
    net.run_until(|n| n.ready(a) && n.ready(b));
    let conn = net.fronts[a].conns[0].unwrap();
    // A packet of length 3.
    net.share.handle_input(
        net.now,
        Peer::Initiator(conn),
        BytesMut::from(&[3, 0, 0, 0, 6, 0, 0, 0][..]),
    );
    net.run_until(|n| n.fronts[a].ini.is_closed());
    assert!(net.closed.contains(&Peer::Initiator(conn)));
    let dropped = net.records.iter().any(|r| {
        r.connection == conn && matches!(&r.item, Item::Notice(t) if t.contains("bad input"))
    });
    assert!(dropped, "{}", net.log());
    let c = net.call(b, op(OperationCode::GET_NUM_OBJECTS, &[0xFFFF_FFFF]));
    assert_eq!(c.response, ResponseCode::OK);
}

#[test]
fn requests_outside_a_session_and_out_of_turn_are_answered_as_a_camera_would() {
    let mut net = Net::new(Dialect::Generic, Box::new(VirtualCamera::sample()), 5);
    let a = net.add_front();
    net.run_until(|n| n.ready(a));
    let c = net.call(a, op(OperationCode::CLOSE_SESSION, &[]));
    assert_eq!(c.response, ResponseCode::OK);
    let c = net.call(a, op(OperationCode::GET_NUM_OBJECTS, &[0xFFFF_FFFF]));
    assert_eq!(c.response, ResponseCode::SESSION_NOT_OPEN);
    let c = net.call(a, op(OperationCode::OPEN_SESSION, &[9]));
    assert_eq!(c.response, ResponseCode::OK);
    let c = net.call(a, op(OperationCode::OPEN_SESSION, &[9]));
    assert_eq!(c.response, ResponseCode::SESSION_ALREADY_OPEN);
    assert_eq!(c.params.as_slice(), [9]);
}

#[test]
fn a_camera_that_goes_away_closes_every_initiator_and_the_next_one_starts_over() {
    let mut net = Net::new(Dialect::Generic, Box::new(VirtualCamera::sample()), 9);
    let (a, b) = (net.add_front(), net.add_front());
    net.run_until(|n| n.ready(a) && n.ready(b));
    net.camera_gone = true;
    let now = net.now;
    net.share.handle_eof(now, Peer::Camera(Channel::Command));
    net.run_until(|n| n.fronts[a].ini.is_closed() && n.fronts[b].ini.is_closed());
    assert!(!net.share.has_camera());
    let lost = net
        .records
        .iter()
        .any(|r| matches!(&r.item, Item::Notice(t) if t.contains("camera session was lost")));
    assert!(lost, "{}", net.log());
    // A camera that is back serves the next initiator.
    net.camera_gone = false;
    let rc = ResponderConfig::new(Guid([2; 16]), name("shared camera"), Dialect::Generic);
    net.camera = Responder::new(rc, Box::new(VirtualCamera::sample()));
    net.camera_open = [false; 2];
    let c = net.add_front();
    net.run_until(|n| n.ready(c));
    let done = net.call(c, op(OperationCode::GET_NUM_OBJECTS, &[0xFFFF_FFFF]));
    assert_eq!(done.response, ResponseCode::OK);
}

#[test]
fn bad_bytes_from_the_camera_end_its_session_and_every_initiator_is_told() {
    let mut net = Net::new(Dialect::Generic, Box::new(VirtualCamera::sample()), 13);
    let (a, b) = (net.add_front(), net.add_front());
    net.run_until(|n| n.ready(a) && n.ready(b));
    net.camera_gone = true;
    let now = net.now;
    // An Operation_Response too short for its transaction id.
    let junk = BytesMut::from(&[10, 0, 0, 0, 7, 0, 0, 0, 1, 0][..]);
    net.share
        .handle_input(now, Peer::Camera(Channel::Command), junk);
    net.run_until(|n| n.fronts[a].ini.is_closed() && n.fronts[b].ini.is_closed());
    assert!(!net.share.has_camera());
    assert!(net.closed.contains(&Peer::Camera(Channel::Command)));
    let undecodable = net
        .records
        .iter()
        .any(|r| r.connection == 100 && matches!(r.item, Item::Undecodable { .. }));
    assert!(undecodable, "{}", net.log());
}
