//! Connection set-up against peers that misbehave the way real ones do: nothing listening, a peer
//! that accepts and never answers, a Fujifilm body that drops the first init attempt. On 127.0.0.1
//! with ports the OS picks.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ptpip_protocol::responder::{Device, Reply, Request, ResponderConfig, Response};
use ptpip_protocol::{Dialect, FriendlyName, Guid, OperationCode, ResponseCode};
use ptpip_transport_std::{Calls, Client, ClientConfig, ClientError, Ports, serve};

fn local() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").unwrap()
}

fn config(dialect: Dialect, ports: Ports, connect: Duration) -> ClientConfig {
    let mut c = ClientConfig::new("127.0.0.1", dialect);
    c.ports = ports;
    c.connect_timeout = connect;
    c
}

fn io_error(r: Result<Client, ClientError>) -> io::Error {
    match r {
        Err(ClientError::Io(e)) => e,
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

#[test]
fn refused_is_retried_for_the_connect_timeout_and_named() {
    // A port nobody listens on (bound, then closed).
    let port = local().local_addr().unwrap().port();
    let ports = Ports {
        command: port,
        event: port,
        stream: 0,
    };
    let t = Instant::now();
    let e = io_error(Client::connect(config(
        Dialect::Generic,
        ports,
        Duration::from_millis(400),
    )));
    assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused, "{e}");
    assert!(e.to_string().contains("connection refused"), "{e}");
    // It kept trying until the timeout rather than giving up at the first refusal.
    assert!(
        t.elapsed() >= Duration::from_millis(400),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn connect_timeout_bounds_the_init_handshake() {
    // Accepts, reads the Init_Command_Request, never answers.
    let listener = local();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut sink = [0; 256];
        while s.read(&mut sink).is_ok_and(|n| n > 0) {}
    });
    let ports = Ports {
        command: port,
        event: port,
        stream: 0,
    };
    let mut cfg = config(Dialect::Generic, ports, Duration::from_millis(500));
    // The per-packet init timer is far longer: the connect timeout must win.
    cfg.initiator.init_timeout = Duration::from_secs(60);
    let t = Instant::now();
    let e = io_error(Client::connect(cfg));
    assert_eq!(e.kind(), io::ErrorKind::TimedOut, "{e}");
    assert!(e.to_string().contains("init handshake"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
}

/// A Fujifilm body that answers the set-up.
struct FujiBody;

impl Device for FujiBody {
    fn operation(&mut self, r: &Request) -> Reply {
        match r.code {
            OperationCode::SET_DEVICE_PROP_VALUE => Reply::ReceiveData,
            OperationCode::GET_DEVICE_PROP_VALUE => Reply::Data {
                source: Box::new(Bytes::from_static(&[1, 0, 2, 0])),
                response: Response::OK,
            },
            OperationCode::INITIATE_OPEN_CAPTURE | OperationCode::GET_NUM_OBJECTS => {
                Reply::Respond(Response::OK)
            }
            _ => Reply::Respond(Response::code(ResponseCode::OPERATION_NOT_SUPPORTED)),
        }
    }

    fn data_out(&mut self, _: &Request, _: &[u8]) {}

    fn data_out_done(&mut self, _: &Request, _: u64) -> Response {
        Response::OK
    }
}

/// Copies one direction until either side ends.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let _ = io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Write);
}

#[test]
fn fuji_init_is_retried_once_after_a_dropped_first_attempt() {
    let cmd = local();
    let evt = local();
    let rc = ResponderConfig::new(
        Guid([9; 16]),
        FriendlyName::new("X-T1").unwrap(),
        Dialect::Fuji,
    );
    let server = serve(cmd, Some(evt), rc, || FujiBody).unwrap();
    let camera = server.local_addr();
    // In front of the camera's command port: the first connection is read and dropped, as some
    // bodies do with the first init; later ones are passed through.
    let front = local();
    let front_port = front.local_addr().unwrap().port();
    let attempts = Arc::new(AtomicUsize::new(0));
    let seen = attempts.clone();
    thread::spawn(move || {
        for conn in front.incoming() {
            let Ok(mut client) = conn else { return };
            if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                let mut request = [0; 82];
                let _ = client.read_exact(&mut request);
                drop(client);
                continue;
            }
            let upstream = TcpStream::connect(camera).unwrap();
            let (c2, u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
            thread::spawn(move || pipe(c2, u2));
            thread::spawn(move || pipe(upstream, client));
        }
    });
    let ports = Ports {
        command: front_port,
        event: server.event_addr().unwrap().port(),
        stream: 0,
    };
    let c = Client::connect(config(Dialect::Fuji, ports, Duration::from_secs(5)));
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
    let mut c = c.unwrap();
    c.call(ptpip_protocol::initiator::Operation::new(OperationCode::GET_NUM_OBJECTS, &[]).unwrap())
        .unwrap();
    c.close().unwrap();

    // The generic dialect does not retry: one attempt, one failure.
    let front = local();
    let port = front.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    thread::spawn(move || {
        for conn in front.incoming() {
            let Ok(mut s) = conn else { return };
            seen.fetch_add(1, Ordering::SeqCst);
            let mut b = [0; 8];
            let _ = s.read_exact(&mut b);
            let _ = s.write_all(&[]);
        }
    });
    let ports = Ports {
        command: port,
        event: port,
        stream: 0,
    };
    assert!(Client::connect(config(Dialect::Generic, ports, Duration::from_secs(2))).is_err());
    assert_eq!(count.load(Ordering::SeqCst), 1);
}
