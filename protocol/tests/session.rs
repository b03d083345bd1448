//! Initiator ↔ Responder scenarios in memory: arbitrary splits, independent per-channel delays,
//! virtual time. No sockets, no sleeping.

mod common;

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;
use common::{Pair, idx};
use ptpip_protocol::initiator::{Event, Operation, OperationFailure};
use ptpip_protocol::packet::InitFailReason;
use ptpip_protocol::ptp::codes::DevicePropCode;
use ptpip_protocol::responder::{
    DataInFraming, DataSource, Device, PatternSource, Reply, Request, ResponderEvent, Response,
};
use ptpip_protocol::{
    Channel, DeviceEvent, Dialect, Error, EventCode, FriendlyName, Guid, OperationCode, Packet,
    Params, ResponseCode, Timer, TransactionId,
};

/// A vendor operation of the test device that answers with an event naming its transaction.
const OP_PING_EVENT: OperationCode = OperationCode(0x9901);

/// A small camera for the scenarios: objects are the pattern, of the size given as parameter 1.
#[derive(Default)]
struct TestDevice {
    reject: bool,
    received: u64,
    received_ok: bool,
    props: Vec<(u16, Vec<u8>)>,
    events: VecDeque<DeviceEvent>,
    cancelled: u32,
}

impl Device for TestDevice {
    fn accept(&mut self, _guid: Guid, _name: &FriendlyName) -> Result<(), InitFailReason> {
        if self.reject {
            Err(InitFailReason::REJECTED_INITIATOR)
        } else {
            Ok(())
        }
    }

    fn operation(&mut self, r: &Request) -> Reply {
        match r.code {
            OperationCode::GET_OBJECT => Reply::Data {
                source: Box::new(PatternSource::new(u64::from(r.params.get(1).unwrap_or(0)))),
                response: Response::OK,
            },
            OperationCode::GET_DEVICE_PROP_VALUE => {
                let code = r.params.get(1).unwrap_or(0) as u16;
                let value = self
                    .props
                    .iter()
                    .rev()
                    .find(|(c, _)| *c == code)
                    .map_or_else(|| 0x0002_0001u32.to_le_bytes().to_vec(), |(_, v)| v.clone());
                Reply::Data {
                    source: Box::new(Bytes::from(value)),
                    response: Response::OK,
                }
            }
            OperationCode::SEND_OBJECT | OperationCode::SET_DEVICE_PROP_VALUE => {
                self.received = 0;
                self.received_ok = true;
                if r.code == OperationCode::SET_DEVICE_PROP_VALUE {
                    self.props
                        .push((r.params.get(1).unwrap_or(0) as u16, Vec::new()));
                }
                Reply::ReceiveData
            }
            OP_PING_EVENT => {
                self.events.push_back(DeviceEvent {
                    code: EventCode::DEVICE_PROP_CHANGED,
                    transaction: r.transaction,
                    params: Params::from_slice(&[0x5001]).unwrap(),
                });
                Reply::Respond(Response::OK)
            }
            OperationCode::INITIATE_OPEN_CAPTURE | OperationCode::GET_NUM_OBJECTS => {
                Reply::Respond(Response::with_params(ResponseCode::OK, &[3]))
            }
            _ => Reply::Respond(Response::code(ResponseCode::OPERATION_NOT_SUPPORTED)),
        }
    }

    fn data_out(&mut self, r: &Request, piece: &[u8]) {
        if r.code == OperationCode::SET_DEVICE_PROP_VALUE {
            if let Some((_, v)) = self.props.last_mut() {
                v.extend_from_slice(piece);
            }
            return;
        }
        let start = self.received;
        self.received_ok &= common::is_pattern(start, piece);
        self.received += piece.len() as u64;
    }

    fn data_out_done(&mut self, _r: &Request, _len: u64) -> Response {
        Response::OK
    }

    fn poll_event(&mut self) -> Option<DeviceEvent> {
        self.events.pop_front()
    }

    fn cancelled(&mut self, _r: &Request) {
        self.cancelled += 1;
    }
}

fn op(code: OperationCode, params: &[u32]) -> Operation {
    Operation::new(code, params).unwrap()
}

fn completion(
    p: &Pair<TestDevice>,
    tid: TransactionId,
) -> Option<&ptpip_protocol::initiator::Completion> {
    p.events.iter().find_map(|e| match e {
        Event::OperationComplete(c) if c.transaction == tid => Some(c),
        _ => None,
    })
}

fn finished(p: &Pair<TestDevice>, tid: TransactionId) -> bool {
    p.events.iter().any(|e| match e {
        Event::OperationComplete(c) => c.transaction == tid,
        Event::OperationFailed { transaction, .. } => *transaction == tid,
        Event::ConnectionLost { .. } => true,
        _ => false,
    })
}

fn lost(p: &Pair<TestDevice>) -> Option<&Error> {
    p.events.iter().find_map(|e| match e {
        Event::ConnectionLost { reason } => Some(reason),
        _ => None,
    })
}

#[test]
fn connect_generic_with_every_split() {
    for split in [0, 1, 2, 3, 7, 13] {
        let mut p = Pair::new(Dialect::Generic, TestDevice::default(), split as u64);
        p.split(split);
        p.connect();
        assert!(
            matches!(p.events[0], Event::Connected { ref friendly_name, .. } if friendly_name.as_str() == "camera")
        );
        assert_eq!(p.events[1], Event::Ready);
        assert!(
            p.resp_events
                .contains(&ResponderEvent::SessionOpened(ptpip_protocol::SessionId(1)))
        );
        // A transaction works after connecting.
        let tid = p
            .ini
            .execute(p.now, op(OperationCode::GET_NUM_OBJECTS, &[0xFFFF_FFFF]))
            .unwrap();
        assert_eq!(tid, TransactionId(1));
        p.drive_until(10_000, |p| finished(p, tid));
        let c = completion(&p, tid).unwrap();
        assert_eq!(
            (c.response, c.params.as_slice()),
            (ResponseCode::OK, &[3][..])
        );
    }
}

#[test]
fn connect_fuji_runs_the_setup_sequence() {
    let mut p = Pair::new(Dialect::Fuji, TestDevice::default(), 5);
    p.split(5);
    p.connect();
    // 0xDF01 = 5 (u16), then 0xDF24 echoed with the value read (0x00020001).
    let props = &p.resp.device().props;
    assert_eq!(props[0], (DevicePropCode::FUJI_INIT_SEQUENCE.0, vec![5, 0]));
    assert_eq!(
        props[1],
        (DevicePropCode::FUJI_APP_VERSION.0, vec![1, 0, 2, 0])
    );
    // OpenSession (tid 0), DF01 (1), get DF24 (2), set DF24 (3), InitiateOpenCapture (4): next is 5.
    let tid = p
        .ini
        .execute(p.now, op(OperationCode::GET_NUM_OBJECTS, &[]))
        .unwrap();
    assert_eq!(tid, TransactionId(5));
    p.drive_until(10_000, |p| finished(p, tid));
    assert!(completion(&p, tid).unwrap().response.is_ok());
    // Fujifilm bodies have no Cancel packet.
    let tid = p
        .ini
        .execute(p.now, op(OperationCode::GET_OBJECT, &[1 << 20]).stream())
        .unwrap();
    assert!(p.ini.cancel(p.now, tid).is_err());
    p.drive_until(100_000, |p| finished(p, tid));
    assert_eq!(p.data_bytes, 1 << 20);
    // The graceful goodbye: CloseSession, then the terminator; the responder sees both.
    p.ini.close(p.now);
    p.drive_until(10_000, |p| p.ini.is_closed());
    p.step();
    assert!(p.events.contains(&Event::Closed));
    assert!(p.resp_events.contains(&ResponderEvent::SessionClosed));
    assert!(p.resp_events.contains(&ResponderEvent::Closed));
}

#[test]
fn get_object_300_mb_in_bounded_memory_every_framing() {
    const SIZE: u32 = 300_000_000;
    for framing in [
        DataInFraming::DataThenEnd,
        DataInFraming::SingleEnd,
        DataInFraming::EmptyEnd,
    ] {
        let mut p = Pair::new(Dialect::Generic, TestDevice::default(), 9);
        p.resp = ptpip_protocol::Responder::new(
            {
                let mut rc = ptpip_protocol::responder::ResponderConfig::new(
                    Guid([2; 16]),
                    common::name("camera"),
                    Dialect::Generic,
                );
                rc.data_in_framing = framing;
                rc
            },
            TestDevice::default(),
        );
        p.checker = Some(PatternSource::byte_at);
        p.connect();
        let size = if framing == DataInFraming::DataThenEnd {
            SIZE
        } else {
            20_000_000
        };
        let tid = p
            .ini
            .execute(p.now, op(OperationCode::GET_OBJECT, &[size]).stream())
            .unwrap();
        p.drive_until(1_000_000, |p| finished(p, tid));
        assert_eq!(p.data_bytes, u64::from(size), "{framing:?}");
        assert!(p.data_ok, "{framing:?}: bytes differ from the pattern");
        assert!(p.events.contains(&Event::DataStarted {
            transaction: tid,
            total_len: Some(u64::from(size))
        }));
        assert!(p.events.contains(&Event::DataFinished {
            transaction: tid,
            len: u64::from(size)
        }));
        assert!(completion(&p, tid).unwrap().response.is_ok());
        let hw = p.ini.config().recv_high_water;
        assert!(
            p.peak_buffered <= hw + (1 << 20),
            "{framing:?}: peak {} over the high-water mark {hw}",
            p.peak_buffered
        );
    }
}

#[test]
fn slow_application_stops_reading_at_the_high_water_mark() {
    let mut p = Pair::new(Dialect::Generic, TestDevice::default(), 3);
    p.connect();
    let tid = p
        .ini
        .execute(p.now, op(OperationCode::GET_OBJECT, &[64 << 20]).stream())
        .unwrap();
    p.drain = false;
    for _ in 0..200 {
        p.step();
    }
    let hw = p.ini.config().recv_high_water;
    assert!(!p.ini.wants_read(Channel::Command));
    assert!(p.ini.buffered_bytes() >= hw && p.ini.buffered_bytes() <= hw + (1 << 20));
    // Virtual time passes while the application is the slow side: no response timeout.
    p.now += Duration::from_secs(120);
    p.ini.handle_timeout(p.now);
    assert!(!p.ini.is_closed());
    p.drain = true;
    p.drive_until(100_000, |p| finished(p, tid));
    assert_eq!(p.data_bytes, 64 << 20);
}

#[test]
fn send_object_with_window_stalls() {
    const LEN: usize = 5 << 20;
    let data: Vec<u8> = (0..LEN as u64).map(PatternSource::byte_at).collect();
    let mut p = Pair::new(Dialect::Generic, TestDevice::default(), 4);
    p.split(4096);
    p.connect();
    let tid = p
        .ini
        .execute(
            p.now,
            op(OperationCode::SEND_OBJECT, &[]).send_len(LEN as u64),
        )
        .unwrap();
    let mut sent = 0;
    let mut stalls = 0;
    while !finished(&p, tid) {
        let windows = p
            .events
            .iter()
            .filter(|e| matches!(e, Event::SendWindowAvailable { .. }))
            .count();
        let offer = (sent + (3 << 20)).min(LEN);
        let n = if sent < LEN {
            p.ini.send_data(p.now, tid, &data[sent..offer]).unwrap()
        } else {
            0
        };
        sent += n;
        if sent < offer {
            // The window is full: wait until the initiator says there is room again.
            stalls += 1;
            p.drive_until(100_000, |p| {
                p.events
                    .iter()
                    .filter(|e| matches!(e, Event::SendWindowAvailable { .. }))
                    .count()
                    > windows
            });
        } else if sent == LEN {
            p.drive_until(100_000, |p| finished(p, tid));
        } else {
            p.step();
        }
    }
    assert!(stalls > 2, "the window never filled");
    assert!(completion(&p, tid).unwrap().response.is_ok());
    let dev = p.resp.device();
    assert_eq!(dev.received, LEN as u64);
    assert!(dev.received_ok);
    // More data than announced is refused and changes nothing.
    let tid = p
        .ini
        .execute(p.now, op(OperationCode::SEND_OBJECT, &[]).send_len(3))
        .unwrap();
    p.drive_until(1000, |p| p.ini.current_transaction() == Some(tid));
    assert!(p.ini.send_data(p.now, tid, &[0; 4]).is_err());
    assert_eq!(p.ini.send_data(p.now, tid, &[0, 1, 2]), Ok(3));
    p.drive_until(1000, |p| finished(p, tid));
}

#[test]
fn response_timeout_is_a_typed_error_after_virtual_time() {
    let mut p = Pair::new(Dialect::Generic, TestDevice::default(), 6);
    p.connect();
    p.down[idx(Channel::Command)].blackhole = true;
    let start = p.now;
    let tid = p
        .ini
        .execute(p.now, op(OperationCode::GET_NUM_OBJECTS, &[]))
        .unwrap();
    p.drive_until(1000, |p| finished(p, tid));
    assert_eq!(lost(&p), Some(&Error::TimedOut(Timer::Response)));
    assert!(p.now - start >= p.ini.config().response_timeout);
    assert!(p.ini.poll_timeout().is_none());
    // Sticky: later calls report the same error and do nothing.
    assert_eq!(
        p.ini.handle_input(
            p.now,
            Channel::Command,
            bytes::BytesMut::from(&[0u8; 8][..])
        ),
        Err(Error::TimedOut(Timer::Response))
    );
    assert!(
        p.ini
            .execute(p.now, op(OperationCode::GET_NUM_OBJECTS, &[]))
            .is_err()
    );
    assert_eq!(
        p.events
            .iter()
            .filter(|e| matches!(e, Event::ConnectionLost { .. }))
            .count(),
        1
    );
}

#[test]
fn keep_alive_probes_then_declares_the_camera_gone() {
    let mut p = Pair::new(Dialect::Generic, TestDevice::default(), 7);
    let mut cfg = p.ini.config().clone();
    cfg.keep_alive = Some(Duration::from_secs(5));
    p.ini = ptpip_protocol::Initiator::new(cfg, p.now);
    p.connect();
    let t0 = p.now;
    p.drive_until(1000, |p| p.now >= t0 + Duration::from_secs(21));
    let answered = p
        .events
        .iter()
        .filter(|e| **e == Event::ProbeAnswered)
        .count();
    assert!(answered >= 3, "{answered} probes answered in 21 s");
    assert!(!p.ini.is_closed());
    p.down[idx(Channel::Event)].blackhole = true;
    p.drive_until(1000, |p| p.ini.is_closed());
    assert_eq!(lost(&p), Some(&Error::TimedOut(Timer::Probe)));
}

#[test]
fn event_may_arrive_before_its_response() {
    let mut p = Pair::new(Dialect::Generic, TestDevice::default(), 8);
    p.connect();
    p.down[idx(Channel::Command)].latency = Duration::from_millis(200);
    let tid = p.ini.execute(p.now, op(OP_PING_EVENT, &[])).unwrap();
    p.drive_until(1000, |p| finished(p, tid));
    let pos_event = p
        .events
        .iter()
        .position(|e| matches!(e, Event::DeviceEvent(d) if d.transaction == tid))
        .unwrap();
    let pos_done = p
        .events
        .iter()
        .position(|e| matches!(e, Event::OperationComplete(c) if c.transaction == tid))
        .unwrap();
    assert!(pos_event < pos_done);
}

#[test]
fn init_fail_is_reported_with_its_reason() {
    let dev = TestDevice {
        reject: true,
        ..TestDevice::default()
    };
    let mut p = Pair::new(Dialect::Generic, dev, 1);
    p.drive_until(1000, |p| p.ini.is_closed());
    assert_eq!(
        lost(&p),
        Some(&Error::InitFailed(InitFailReason::REJECTED_INITIATOR))
    );
}

#[test]
fn peer_vanishing_mid_data_is_a_typed_error() {
    let mut p = Pair::new(Dialect::Generic, TestDevice::default(), 2);
    p.connect();
    let tid = p
        .ini
        .execute(p.now, op(OperationCode::GET_OBJECT, &[10 << 20]).stream())
        .unwrap();
    p.drive_until(10_000, |p| p.data_bytes > 0);
    p.ini.handle_eof(p.now, Channel::Command);
    p.step();
    assert_eq!(lost(&p), Some(&Error::ChannelClosed(Channel::Command)));
    assert!(!finished(&p, tid) || lost(&p).is_some());
    assert!(p.ini.poll_transmit().is_none());
}

#[test]
fn cancel_mid_transfer_then_carry_on() {
    for split in [0, 3] {
        let mut p = Pair::new(Dialect::Generic, TestDevice::default(), 10 + split as u64);
        p.split(split);
        p.connect();
        let tid = p
            .ini
            .execute(p.now, op(OperationCode::GET_OBJECT, &[50 << 20]).stream())
            .unwrap();
        p.drive_until(100_000, |p| p.data_bytes > 0);
        p.ini.cancel(p.now, tid).unwrap();
        p.drive_until(100_000, |p| finished(p, tid));
        assert!(
            p.events.contains(&Event::OperationFailed {
                transaction: tid,
                operation: OperationCode::GET_OBJECT,
                error: OperationFailure::Cancelled(ResponseCode::TRANSACTION_CANCELLED),
            }),
            "{:?}",
            p.events
        );
        assert!(p.data_bytes < 50 << 20, "the whole object came anyway");
        assert_eq!(p.resp.device().cancelled, 1);
        // The session goes on.
        let tid = p
            .ini
            .execute(p.now, op(OperationCode::GET_NUM_OBJECTS, &[]))
            .unwrap();
        p.drive_until(100_000, |p| finished(p, tid));
        assert!(completion(&p, tid).unwrap().response.is_ok());
    }
}

#[test]
fn collected_data_and_its_limit() {
    let mut p = Pair::new(Dialect::Generic, TestDevice::default(), 11);
    p.connect();
    let tid = p
        .ini
        .execute(p.now, op(OperationCode::GET_OBJECT, &[1000]).collect(4096))
        .unwrap();
    p.drive_until(10_000, |p| finished(p, tid));
    let data = completion(&p, tid).unwrap().data.clone().unwrap();
    assert_eq!(data.len(), 1000);
    assert!(
        data.iter()
            .enumerate()
            .all(|(k, &b)| b == PatternSource::byte_at(k as u64))
    );
    let tid = p
        .ini
        .execute(p.now, op(OperationCode::GET_OBJECT, &[5000]).collect(4096))
        .unwrap();
    p.drive_until(10_000, |p| finished(p, tid));
    assert!(p.events.contains(&Event::OperationFailed {
        transaction: tid,
        operation: OperationCode::GET_OBJECT,
        error: OperationFailure::DataTooLarge { limit: 4096 },
    }));
    assert!(!p.ini.is_closed());
}

#[test]
fn misuse_changes_nothing() {
    let mut p = Pair::new(Dialect::Generic, TestDevice::default(), 12);
    assert!(
        p.ini
            .execute(p.now, op(OperationCode::GET_NUM_OBJECTS, &[]))
            .is_err()
    );
    p.connect();
    assert!(p.ini.send_data(p.now, TransactionId(77), &[1]).is_err());
    assert!(p.ini.cancel(p.now, TransactionId(77)).is_err());
    let tid = p
        .ini
        .execute(p.now, op(OperationCode::GET_NUM_OBJECTS, &[]))
        .unwrap();
    assert!(p.ini.send_data(p.now, tid, &[1]).is_err());
    p.drive_until(1000, |p| finished(p, tid));
    assert!(completion(&p, tid).unwrap().response.is_ok());
    // A data source shorter than it announced would desynchronise the stream.
    let short = Bytes::from_static(b"abc");
    assert_eq!(DataSource::len(&short), Some(3));
}

#[test]
fn tap_reports_every_packet_as_received() {
    for dialect in [Dialect::Generic, Dialect::Fuji] {
        let mut p = Pair::new(dialect, TestDevice::default(), 13);
        let mut cfg = p.ini.config().clone();
        cfg.tap = Some(600);
        p.ini = ptpip_protocol::Initiator::new(cfg, p.now);
        p.split(3);
        p.connect();
        p.events.clear();
        let tid = p
            .ini
            .execute(p.now, op(OperationCode::GET_OBJECT, &[1000]).collect(4096))
            .unwrap();
        p.drive_until(10_000, |p| finished(p, tid));
        let packets: Vec<(u64, Bytes)> = p
            .events
            .iter()
            .filter_map(|e| match e {
                Event::PacketReceived {
                    total_len, bytes, ..
                } => Some((*total_len, bytes.clone())),
                _ => None,
            })
            .collect();
        let last = packets.last().unwrap();
        match dialect {
            Dialect::Generic => {
                // Start_Data, End_Data with the whole 1000 bytes (cut to 600 by the tap), response.
                assert_eq!(packets.len(), 3, "{packets:?}");
                assert_eq!(packets[0].1[4], 9);
                assert_eq!(
                    (packets[1].0, packets[1].1.len(), packets[1].1[4]),
                    (1012, 600, 12)
                );
                assert_eq!(&packets[1].1[12..20], &[0, 1, 2, 3, 4, 5, 6, 7]);
                let resp = Packet::decode(&last.1, Dialect::Generic).unwrap();
                assert!(matches!(resp, Packet::OperationResponse(r) if r.transaction_id == tid));
            }
            Dialect::Fuji => {
                // One data container (type 2, code GetObject), then the response container.
                assert_eq!(packets.len(), 2, "{packets:?}");
                assert_eq!(
                    (packets[0].0, &packets[0].1[..8]),
                    (1012, &[0xF4, 3, 0, 0, 2, 0, 9, 0x10][..])
                );
                let resp = ptpip_protocol::fuji::Container::decode(&last.1).unwrap();
                assert!(
                    matches!(resp, ptpip_protocol::fuji::Container::Response { transaction_id, .. } if transaction_id == tid)
                );
            }
        }
        // The tap comes before what the packet causes.
        let tap_pos = p
            .events
            .iter()
            .rposition(|e| matches!(e, Event::PacketReceived { .. }))
            .unwrap();
        let done_pos = p
            .events
            .iter()
            .position(|e| matches!(e, Event::OperationComplete(_)))
            .unwrap();
        assert!(tap_pos < done_pos);
    }
}
