//! The relay in plain pass-through, on 127.0.0.1 between the mio client and the mio camera
//! server: sessions go through unchanged (generic and Fujifilm), every packet is logged once,
//! capture segments add up to the traffic, and a camera that is not there only ends the
//! connections that needed it.

mod common;

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};

use common::{MODEL, PatternSink, config_at, start_server};
use ptpip_protocol::Encode;
use ptpip_protocol::relay::{Direction, Item, Record};
use ptpip_protocol::{Channel, Dialect, OperationCode};
use ptpip_transport_mio::protocol::calls::Ports;
use ptpip_transport_mio::{Calls, Client, RelayConfig, RelayEvent, RelayRunner, Stopper};

/// A relay running on its own thread; its events come out of `events`.
struct Running {
    addrs: Vec<SocketAddr>,
    stopper: Stopper,
    events: mpsc::Receiver<RelayEvent>,
    thread: Option<JoinHandle<()>>,
}

impl Running {
    fn start(config: RelayConfig) -> Self {
        let runner = RelayRunner::bind(config).unwrap();
        let addrs = runner.local_addrs();
        let stopper = runner.stopper();
        let (tx, events) = mpsc::channel();
        let thread = thread::spawn(move || {
            runner
                .run(move |e| {
                    let _ = tx.send(e);
                })
                .unwrap();
        });
        Self {
            addrs,
            stopper,
            events,
            thread: Some(thread),
        }
    }

    /// Stops the relay and returns every event it reported.
    fn stop(mut self) -> Vec<RelayEvent> {
        self.stopper.stop();
        self.thread.take().unwrap().join().unwrap();
        self.events.try_iter().collect()
    }

    /// Waits (at most 10 s) until the relay reported an event that `done` accepts — a client
    /// that has written its last bytes does not know that the relay has read them — then stops
    /// it and returns every event it reported.
    fn stop_after(self, done: impl Fn(&RelayEvent) -> bool) -> Vec<RelayEvent> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut seen = Vec::new();
        while let Ok(e) = self
            .events
            .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
        {
            let last = done(&e);
            seen.push(e);
            if last {
                break;
            }
        }
        seen.extend(self.stop());
        seen
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            self.stopper.stop();
            let _ = t.join();
        }
    }
}

fn relay_config(camera: Ports, dialect: Dialect) -> RelayConfig {
    let mut c = RelayConfig::new("127.0.0.1:0".parse().unwrap(), "127.0.0.1", dialect);
    c.camera_ports = camera;
    c
}

fn ports(command: u16, event: u16) -> Ports {
    Ports {
        command,
        event,
        stream: 0,
    }
}

fn records(events: &[RelayEvent]) -> Vec<&Record> {
    events
        .iter()
        .filter_map(|e| match e {
            RelayEvent::Record(r) => Some(r),
            _ => None,
        })
        .collect()
}

fn packet_types(events: &[RelayEvent], direction: Direction) -> Vec<String> {
    records(events)
        .into_iter()
        .filter(|r| r.direction == direction)
        .filter_map(Record::packet_type)
        .collect()
}

/// Downloads the test camera's object of `len` bytes and checks every byte of its pattern.
fn download_pattern(client: &mut Client, len: u32) {
    let mut sink = PatternSink::new();
    client
        .get_object(
            ptpip_protocol::ptp::dataset::ObjectHandle(len),
            &mut sink,
            &mut |_, _| {},
        )
        .unwrap();
    assert!(sink.ok, "the bytes arrived unchanged");
    assert_eq!(sink.received, u64::from(len));
}

#[test]
fn a_generic_session_goes_through_and_every_packet_is_logged() {
    let server = start_server(Dialect::Generic, false);
    let port = server.handle.local_addr().port();
    let mut config = relay_config(ports(port, port), Dialect::Generic);
    config.observer.capture = true;
    let relay = Running::start(config);
    let at = relay.addrs[0].port();
    let mut client = Client::connect(config_at(at, at, Dialect::Generic)).unwrap();
    assert_eq!(client.device_info().unwrap().model.as_str(), MODEL);
    let len = 3 << 20;
    download_pattern(&mut client, len);
    client.close().unwrap();
    let events = relay.stop();

    // Two connections, each opened and closed.
    let opened = events
        .iter()
        .filter(|e| matches!(e, RelayEvent::Opened { .. }))
        .count();
    let closed = events
        .iter()
        .filter(|e| matches!(e, RelayEvent::Closed { .. }))
        .count();
    assert_eq!((opened, closed), (2, 2), "{events:#?}");
    let recs = records(&events);
    let commands: Vec<_> = recs
        .iter()
        .filter(|r| r.channel == Channel::Command && r.direction == Direction::ToResponder)
        .filter_map(|r| r.code())
        .map(|(c, _)| OperationCode(c))
        .collect();
    assert_eq!(
        commands,
        [
            OperationCode::OPEN_SESSION,
            OperationCode::GET_DEVICE_INFO,
            OperationCode::GET_OBJECT,
            OperationCode::CLOSE_SESSION
        ]
    );
    let to_camera = packet_types(&events, Direction::ToResponder);
    assert_eq!(to_camera[0], "Init_Command_Request");
    assert!(to_camera.contains(&"Init_Event_Request".to_owned()));
    // The object's data: Start_Data then data packets adding up to the object.
    let data: u64 = recs
        .iter()
        .filter(|r| matches!(r.item, Item::Data(_)) && r.direction == Direction::ToInitiator)
        .map(|r| r.data_len().unwrap())
        .sum();
    assert_eq!(
        data,
        u64::from(len) + common::device_info().to_bytes().len() as u64
    );
    assert!(recs.iter().all(|r| r.quirks.is_empty()), "{recs:#?}");
    // The capture holds every byte of the session, both ways.
    let captured: usize = events
        .iter()
        .filter_map(|e| match e {
            RelayEvent::Segment { segment, .. } => Some(segment.bytes.len()),
            _ => None,
        })
        .sum();
    let logged: u64 = recs.iter().map(|r| r.wire_len).sum();
    assert_eq!(captured as u64, logged);
    assert!(logged > u64::from(len));
}

/// What a log line says of a packet: type, code, transaction, data length, bytes on the wire.
type Logged = (
    Option<String>,
    Option<(u16, Option<&'static str>)>,
    Option<ptpip_protocol::TransactionId>,
    Option<u64>,
    u64,
);

/// One GetObject of `len` bytes through a pass-through relay configured by `set`: the items it
/// logged (notices aside) and the totals it reported per connection.
fn download_through(len: u32, set: impl FnOnce(&mut RelayConfig)) -> (Vec<Logged>, Vec<[u64; 4]>) {
    let server = start_server(Dialect::Generic, false);
    let port = server.handle.local_addr().port();
    let mut config = relay_config(ports(port, port), Dialect::Generic);
    set(&mut config);
    let relay = Running::start(config);
    let at = relay.addrs[0].port();
    let mut client = Client::connect(config_at(at, at, Dialect::Generic)).unwrap();
    download_pattern(&mut client, len);
    client.close().unwrap();
    // Both connections closed: their totals are in.
    let closed = std::cell::Cell::new(0);
    let events = relay.stop_after(|e| {
        closed.set(closed.get() + usize::from(matches!(e, RelayEvent::Closed { .. })));
        closed.get() == 2
    });
    let items = records(&events)
        .into_iter()
        .filter(|r| !matches!(r.item, Item::Notice(_)))
        .map(|r| {
            let (code, tid) = (r.code(), r.transaction_id());
            (r.packet_type(), code, tid, r.data_len(), r.wire_len)
        })
        .collect();
    let totals = events
        .iter()
        .filter_map(|e| match e {
            RelayEvent::Forwarded { bytes, unread, .. } => {
                Some([bytes[0], bytes[1], unread[0], unread[1]])
            }
            _ => None,
        })
        .collect();
    (items, totals)
}

#[test]
fn payloads_move_inside_the_kernel_with_the_same_log_as_copying() {
    let len = 12 << 20;
    let (copied_items, copied) = download_through(len, |c| c.zero_copy = false);
    let (items, moved) = download_through(len, |_| {});
    assert_eq!(items, copied_items, "the same packets logged either way");
    assert_eq!(copied.len(), 2, "two connections: {copied:?}");
    assert_eq!(moved.len(), 2, "two connections: {moved:?}");
    let command = |t: &[[u64; 4]]| *t.iter().max_by_key(|t| t[1]).unwrap();
    let (copied, moved) = (command(&copied), command(&moved));
    // The same bytes forwarded both ways; none unread when copying.
    assert_eq!(copied[..2], moved[..2]);
    assert!(copied[1] > u64::from(len));
    assert_eq!(copied[2..], [0, 0]);
    // Nothing towards the camera is a large payload; towards the initiator nearly all of the
    // object is, on Linux, where `splice` exists.
    assert_eq!(moved[2], 0);
    if cfg!(target_os = "linux") {
        assert!(moved[3] > u64::from(len) / 10 * 9, "{moved:?}");
    } else {
        assert_eq!(moved[3], 0);
    }
}

#[test]
fn a_capture_reads_every_byte_even_with_zero_copy_on() {
    let (_, totals) = download_through(4 << 20, |c| c.observer.capture = true);
    assert_eq!(totals.len(), 2);
    assert!(totals.iter().all(|t| t[2] == 0 && t[3] == 0), "{totals:?}");
    assert!(totals.iter().any(|t| t[1] > 4 << 20), "{totals:?}");
}

#[test]
fn a_fujifilm_session_goes_through_both_ports() {
    let server = start_server(Dialect::Fuji, false);
    let (c, e) = (
        server.handle.local_addr().port(),
        server.handle.event_addr().unwrap().port(),
    );
    let relay = Running::start(relay_config(ports(c, e), Dialect::Fuji));
    assert_eq!(relay.addrs.len(), 2);
    let (rc, re) = (relay.addrs[0].port(), relay.addrs[1].port());
    let mut client = Client::connect(config_at(rc, re, Dialect::Fuji)).unwrap();
    assert_eq!(client.device_info().unwrap().model.as_str(), MODEL);
    client.close().unwrap();
    let events = relay.stop_after(|e| {
        records(std::slice::from_ref(e)).iter().any(|r| {
            r.direction == Direction::ToResponder
                && r.packet_type().as_deref() == Some("Fuji terminator")
        })
    });
    let to_camera = packet_types(&events, Direction::ToResponder);
    assert_eq!(to_camera[0], "Init_Command_Request");
    assert_eq!(to_camera[1], "Fuji Command");
    assert_eq!(to_camera.last().unwrap(), "Fuji terminator");
    let recs = records(&events);
    assert!(
        recs.iter().any(|r| r.channel == Channel::Event),
        "the event connection is relayed"
    );
    assert!(recs.iter().all(|r| r.quirks.is_empty()), "{recs:#?}");
}

#[test]
fn a_camera_that_is_not_there_closes_that_connection_and_the_relay_goes_on() {
    let closed = common::closed_port();
    let relay = Running::start(relay_config(ports(closed, closed), Dialect::Generic));
    let at = relay.addrs[0].port();
    let err = Client::connect(config_at(at, at, Dialect::Generic)).unwrap_err();
    assert!(!err.to_string().is_empty());
    // The relay still accepts (and still finds nobody behind it).
    assert!(Client::connect(config_at(at, at, Dialect::Generic)).is_err());
    let events = relay.stop();
    let reasons: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            RelayEvent::Closed { reason, .. } => reason.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), 2, "{events:#?}");
    assert!(
        reasons
            .iter()
            .all(|r| r.contains("cannot reach the camera")),
        "{reasons:?}"
    );
}

fn share_config(camera: Ports, dialect: Dialect) -> RelayConfig {
    let mut c = relay_config(camera, dialect);
    let mut share = ptpip_protocol::relay::ShareConfig::new(dialect);
    share.linger = None;
    c.share = Some(share);
    c
}

#[test]
fn two_clients_at_once_share_one_camera_session() {
    let server = start_server(Dialect::Generic, false);
    let port = server.handle.local_addr().port();
    let relay = Running::start(share_config(ports(port, port), Dialect::Generic));
    let at = relay.addrs[0].port();
    let download = move |len: u32| {
        let mut client = Client::connect(config_at(at, at, Dialect::Generic)).unwrap();
        assert_eq!(client.device_info().unwrap().model.as_str(), MODEL);
        for _ in 0..3 {
            let mut sink = PatternSink::new();
            let handle = ptpip_protocol::ptp::dataset::ObjectHandle(len);
            client
                .get_object(handle, &mut sink, &mut |_, _| {})
                .unwrap();
            assert!(sink.ok);
            assert_eq!(sink.received, u64::from(len));
        }
        client.close().unwrap();
    };
    let a = thread::spawn(move || download(2 << 20));
    let b = thread::spawn(move || download(3 << 20));
    a.join().unwrap();
    b.join().unwrap();
    let events = relay.stop();
    // The camera saw one session: one OpenSession for both clients, every GetObject in it.
    assert_eq!(server.handle.sessions(), 1);
    let ops = server.stats.lock().unwrap().operations.clone();
    assert_eq!(
        ops.iter()
            .filter(|&&o| o == OperationCode::GET_OBJECT)
            .count(),
        6
    );
    let recs = records(&events);
    assert!(recs.iter().all(|r| r.quirks.is_empty()), "{recs:#?}");
}

#[test]
fn a_standard_client_reads_a_fujifilm_camera_through_the_sharing_relay() {
    let server = start_server(Dialect::Fuji, false);
    let (c, e) = (
        server.handle.local_addr().port(),
        server.handle.event_addr().unwrap().port(),
    );
    let relay = Running::start(share_config(ports(c, e), Dialect::Fuji));
    assert_eq!(
        relay.addrs.len(),
        1,
        "initiators speak standard PTP/IP on one port"
    );
    let at = relay.addrs[0].port();
    let mut client = Client::connect(config_at(at, at, Dialect::Generic)).unwrap();
    assert_eq!(client.device_info().unwrap().model.as_str(), MODEL);
    let mut sink = PatternSink::new();
    let handle = ptpip_protocol::ptp::dataset::ObjectHandle(1 << 20);
    client
        .get_object(handle, &mut sink, &mut |_, _| {})
        .unwrap();
    assert!(sink.ok && sink.received == 1 << 20);
    client.close().unwrap();
    let events = relay.stop();
    let types: Vec<String> = records(&events)
        .into_iter()
        .filter_map(Record::packet_type)
        .collect();
    assert!(types.iter().any(|t| t == "Fuji Data"), "{types:?}");
    assert!(types.iter().any(|t| t == "Start_Data"), "{types:?}");
}

#[test]
fn a_sharing_relay_without_its_camera_refuses_initiators_and_goes_on_listening() {
    let closed = common::closed_port();
    let relay = Running::start(share_config(ports(closed, closed), Dialect::Generic));
    let at = relay.addrs[0].port();
    for _ in 0..2 {
        assert!(Client::connect(config_at(at, at, Dialect::Generic)).is_err());
    }
    let events = relay.stop();
    let lost = records(&events)
        .iter()
        .filter(
            |r| matches!(&r.item, Item::Notice(t) if t.starts_with("the camera session was lost")),
        )
        .count();
    assert_eq!(lost, 2, "{events:#?}");
}
