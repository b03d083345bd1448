//! A device event raised on the camera, outside any operation, reaches the std client at once:
//! the device wakes the server's session ([`DeviceWaker`]), which sends the event, and the idle
//! client waits on its event connection. Nothing polls. On 127.0.0.1 with ports the OS picks.

use std::collections::VecDeque;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ptpip_protocol::responder::{Device, DeviceWaker, Reply, Request, ResponderConfig, Response};
use ptpip_protocol::{DeviceEvent, Dialect, EventCode, FriendlyName, Guid, Params, TransactionId};
use ptpip_transport_std::{Calls, Client, ClientConfig, Ports, serve};

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

/// Raises event number `n` on the camera, from this thread, as a shutter button would.
fn raise(outside: &Mutex<Outside>, n: u32) {
    let mut o = outside.lock().unwrap();
    o.events.push_back(DeviceEvent {
        code: EventCode::OBJECT_ADDED,
        transaction: TransactionId::RESERVED,
        params: Params::from_slice(&[n]).unwrap(),
    });
    o.waker
        .as_ref()
        .expect("the server gave the device a waker")
        .wake();
}

#[test]
fn a_device_event_reaches_the_client_in_under_5_ms() {
    let outside = Arc::new(Mutex::new(Outside::default()));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let rc = ResponderConfig::new(
        Guid([9; 16]),
        FriendlyName::new("remote").unwrap(),
        Dialect::Generic,
    );
    let shared = outside.clone();
    let _server = serve(listener, None, rc, move || Remote(shared.clone())).unwrap();
    let mut config = ClientConfig::new("127.0.0.1", Dialect::Generic);
    config.ports = Ports {
        command: port,
        event: port,
        stream: 0,
    };
    let mut client = Client::connect(config).unwrap();
    const SAMPLES: u32 = 101;
    let mut took = Vec::new();
    for n in 0..SAMPLES {
        let start = Instant::now();
        raise(&outside, n);
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
