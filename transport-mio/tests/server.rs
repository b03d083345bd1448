//! The mio camera server: in a caller's poll and on a poll of its own (where the deadline waits
//! in the loop's timer), its deadlines close a half-open connection; on a poll of its own, a
//! device event raised outside any operation reaches the client at once (the device wakes the
//! loop through its `mio::Waker`). On 127.0.0.1 with OS-picked ports.

mod common;

use std::collections::VecDeque;
use std::io::Read;
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{config_at, name, write_packet};
use ptpip_protocol::packet::InitCommandRequest;
use ptpip_protocol::responder::{Device, DeviceWaker, Reply, Request, ResponderConfig, Response};
use ptpip_protocol::{
    DeviceEvent, Dialect, Error, EventCode, Guid, Packet, Params, Timer, TransactionId,
};
use ptpip_transport_mio::mio::net::TcpListener;
use ptpip_transport_mio::mio::{Events, Poll, Token};
use ptpip_transport_mio::{Calls, Client, Server, ServerEvent, serve};

/// What the test and the session's device share: the events raised and the session's waker.
#[derive(Default)]
struct Outside {
    events: VecDeque<DeviceEvent>,
    waker: Option<DeviceWaker>,
}

/// A camera whose events come from the test's thread.
struct Remote(Arc<Mutex<Outside>>);

impl Device for Remote {
    fn operation(&mut self, _: &Request) -> Reply {
        Reply::Respond(Response::OK)
    }

    fn data_out(&mut self, _: &Request, _: &[u8]) {}

    fn data_out_done(&mut self, _: &Request, _: u64) -> Response {
        Response::OK
    }

    fn poll_event(&mut self) -> Option<DeviceEvent> {
        self.0.lock().unwrap().events.pop_front()
    }

    fn set_waker(&mut self, waker: DeviceWaker) {
        self.0.lock().unwrap().waker = Some(waker);
    }
}

#[test]
fn a_device_event_reaches_the_client_in_under_5_ms() {
    let outside = Arc::new(Mutex::new(Outside::default()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let rc = ResponderConfig::new(Guid([9; 16]), name("remote"), Dialect::Generic);
    let shared = outside.clone();
    let server = serve(listener, None, rc, move || Remote(shared.clone())).unwrap();
    let mut client = Client::connect(config_at(port, port, Dialect::Generic)).unwrap();
    assert_eq!(server.sessions(), 1);
    const SAMPLES: u32 = 101;
    let mut took = Vec::new();
    for n in 0..SAMPLES {
        let start = Instant::now();
        {
            let mut o = outside.lock().unwrap();
            o.events.push_back(DeviceEvent {
                code: EventCode::OBJECT_ADDED,
                transaction: TransactionId::RESERVED,
                params: Params::from_slice(&[n]).unwrap(),
            });
            o.waker.as_ref().expect("the server gave a waker").wake();
        }
        let e = client
            .next_event(Some(Duration::from_secs(5)))
            .unwrap()
            .expect("the event came");
        took.push(start.elapsed());
        assert_eq!(
            (e.code, e.params.get(1)),
            (EventCode::OBJECT_ADDED, Some(n))
        );
    }
    took.sort();
    let median = took[took.len() / 2];
    assert!(
        median < Duration::from_millis(5),
        "median {median:?} (min {:?}, max {:?})",
        took[0],
        took[took.len() - 1]
    );
    client.close().unwrap();
}

#[test]
fn in_a_callers_poll_a_half_open_connection_is_closed_at_the_init_deadline() {
    let mut poll = Poll::new().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut rc = ResponderConfig::new(Guid([9; 16]), name("strict"), Dialect::Generic);
    rc.init_timeout = Duration::from_millis(300);
    let mut server = Server::new(
        listener,
        None,
        rc,
        || Remote(Arc::default()),
        poll.registry(),
        Token(10),
    )
    .unwrap();
    // An initiator that opens its command connection and never the event connection.
    let mut command = TcpStream::connect(addr).unwrap();
    command
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let init = InitCommandRequest::new(Guid([1; 16]), name("half-open"));
    write_packet(&mut command, &Packet::InitCommandRequest(init)).unwrap();
    let mut events = Events::with_capacity(16);
    let give_up = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    while Instant::now() < give_up
        && !seen
            .iter()
            .any(|e| matches!(e, ServerEvent::SessionEnded { .. }))
    {
        poll.poll(&mut events, server.timeout(Instant::now()))
            .unwrap();
        let now = Instant::now();
        for e in &events {
            assert!(server.owns(e.token()));
            server.handle_event(now, e);
        }
        server.handle_timeout(now);
        seen.extend(std::iter::from_fn(|| server.poll_event()));
    }
    assert!(
        matches!(seen[0], ServerEvent::SessionStarted { .. }),
        "{seen:?}"
    );
    assert!(
        matches!(
            seen.last(),
            Some(ServerEvent::SessionEnded {
                reason: Some(Error::TimedOut(Timer::Init)),
                ..
            })
        ),
        "{seen:?}"
    );
    assert_eq!(server.sessions(), 1);
    assert_eq!(
        server.timeout(Instant::now()),
        None,
        "nothing left to wait for"
    );
    // The initiator got its Init_Command_Ack, then the end of the connection.
    let mut rest = Vec::new();
    command.read_to_end(&mut rest).unwrap();
    assert!(matches!(
        ptpip_protocol::parse_packet(&rest, Dialect::Generic),
        Ok((_, Packet::InitCommandAck(_)))
    ));
}

#[test]
fn on_a_poll_of_its_own_a_half_open_connection_is_closed_at_the_init_deadline() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut rc = ResponderConfig::new(Guid([9; 16]), name("strict"), Dialect::Generic);
    let timeout = Duration::from_millis(300);
    rc.init_timeout = timeout;
    let server = serve(listener, None, rc, || Remote(Arc::default())).unwrap();
    let mut command = TcpStream::connect(addr).unwrap();
    command
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let t = Instant::now();
    let init = InitCommandRequest::new(Guid([1; 16]), name("half-open"));
    write_packet(&mut command, &Packet::InitCommandRequest(init)).unwrap();
    // The Init_Command_Ack, then the end of the connection once the event connection is late.
    let mut rest = Vec::new();
    command.read_to_end(&mut rest).unwrap();
    let took = t.elapsed();
    assert!(
        matches!(
            ptpip_protocol::parse_packet(&rest, Dialect::Generic),
            Ok((_, Packet::InitCommandAck(_)))
        ),
        "the ack came first"
    );
    assert!(took >= timeout, "not before the deadline: {took:?}");
    assert!(took < Duration::from_secs(5), "at the deadline: {took:?}");
    server.stop();
}
