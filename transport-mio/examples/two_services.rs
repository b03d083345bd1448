//! One `mio::Poll`, two services: a PTP/IP session ([`MioClient`]) and an unrelated TCP echo
//! server, both driven by the same loop on one thread.
//!
//! ```text
//! cargo run -p ptpip-transport-mio --example two_services                 # in-process camera
//! cargo run -p ptpip-transport-mio --example two_services -- --fuji       # same, Fujifilm dialect
//! cargo run -p ptpip-transport-mio --example two_services -- 192.168.0.1  # a real camera
//! cargo run -p ptpip-transport-mio --example two_services -- 10.0.0.5:55740 --fuji
//! ```
//!
//! Without an address a small pattern camera is served in-process with
//! `ptpip_transport_mio::serve`; the session reads its DeviceInfo, streams a 32 MiB object
//! (checking every byte) and closes. With a real camera it reads the DeviceInfo and closes. A
//! helper thread plays the echo server's client meanwhile and reports its round trips.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener as StdListener};
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use ptpip_protocol::Encode;
use ptpip_protocol::initiator::{Event, Operation};
use ptpip_protocol::ptp::PtpString;
use ptpip_protocol::ptp::dataset::DeviceInfo;
use ptpip_protocol::responder::{Device, PatternSource, Reply, Request, ResponderConfig, Response};
use ptpip_protocol::{Dialect, FriendlyName, Guid, OperationCode, ResponseCode, TransactionId};
use ptpip_transport_mio::{ClientConfig, MioClient, Ports};

/// The echo listener.
const ECHO: Token = Token(0);
/// The camera's command socket; its event socket is `Token(11)`.
const CAMERA: Token = Token(10);
/// Echo connections get tokens from here on.
const FIRST_CONN: usize = 100;
/// The object the in-process camera serves.
const OBJECT_SIZE: u32 = 32 << 20;
/// Lines the echo client sends.
const LINES: usize = 20;

/// A camera whose objects are the pattern of the size given as parameter 1.
struct PatternCamera;

impl Device for PatternCamera {
    fn operation(&mut self, r: &Request) -> Reply {
        let text = |s: &str| PtpString::new(s).unwrap_or_default();
        match r.code {
            OperationCode::GET_DEVICE_INFO => {
                let info = DeviceInfo {
                    standard_version: 100,
                    manufacturer: text("ptpip"),
                    model: text("pattern camera"),
                    device_version: text("1.0"),
                    operations_supported: vec![OperationCode::GET_OBJECT],
                    ..DeviceInfo::default()
                };
                Reply::Data {
                    source: Box::new(Bytes::from(info.to_bytes())),
                    response: Response::OK,
                }
            }
            OperationCode::GET_OBJECT => Reply::Data {
                source: Box::new(PatternSource::new(u64::from(r.params.get(1).unwrap_or(0)))),
                response: Response::OK,
            },
            // The Fujifilm set-up reads and writes two properties and opens capture.
            OperationCode::GET_DEVICE_PROP_VALUE => Reply::Data {
                source: Box::new(Bytes::from_static(&[1, 0, 2, 0])),
                response: Response::OK,
            },
            OperationCode::SET_DEVICE_PROP_VALUE => Reply::ReceiveData,
            OperationCode::INITIATE_OPEN_CAPTURE => Reply::Respond(Response::OK),
            _ => Reply::Respond(Response::code(ResponseCode::OPERATION_NOT_SUPPORTED)),
        }
    }

    fn data_out(&mut self, _: &Request, _: &[u8]) {}

    fn data_out_done(&mut self, _: &Request, _: u64) -> Response {
        Response::OK
    }
}

/// One echo connection and what it has not echoed yet.
struct EchoConn {
    stream: TcpStream,
    out: Vec<u8>,
}

impl EchoConn {
    /// Reads what is there and echoes what the socket takes; returns the bytes echoed, `None`
    /// once the peer is gone.
    fn serve(&mut self) -> Option<usize> {
        let mut buf = [0u8; 4096];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => return None,
                Ok(n) => self.out.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
        let mut echoed = 0;
        while !self.out.is_empty() {
            match self.stream.write(&self.out) {
                Ok(n) => {
                    self.out.drain(..n);
                    echoed += n;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
        Some(echoed)
    }
}

/// What the camera session is doing.
#[derive(Default)]
struct Session {
    info: Option<TransactionId>,
    object: Option<TransactionId>,
    started: Option<Instant>,
    received: u64,
    pattern_ok: bool,
    done: bool,
    failed: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dialect = if args.iter().any(|a| a == "--fuji") {
        Dialect::Fuji
    } else {
        Dialect::Generic
    };
    let target = args.iter().find(|a| !a.starts_with("--")).cloned();
    let in_process = target.is_none();

    // The camera: the one given, or one served in-process on OS-picked ports.
    let mut _server = None;
    let mut config = match target {
        Some(t) => {
            let (host, port) = match t.rsplit_once(':').map(|(h, p)| (h, p.parse::<u16>())) {
                Some((h, Ok(p))) => (h.to_owned(), Some(p)),
                _ => (t.clone(), None),
            };
            let mut c = ClientConfig::new(host, dialect);
            if let Some(p) = port {
                let event = if dialect == Dialect::Fuji { p + 1 } else { p };
                c.ports = Ports {
                    command: p,
                    event,
                    stream: c.ports.stream,
                };
            }
            c
        }
        None => {
            let listener = StdListener::bind("127.0.0.1:0")?;
            let event_listener = match dialect {
                Dialect::Fuji => Some(StdListener::bind("127.0.0.1:0")?),
                Dialect::Generic => None,
            };
            let name = FriendlyName::new("pattern camera")?;
            let rc = ResponderConfig::new(Guid([0x42; 16]), name, dialect);
            let server =
                ptpip_transport_mio::serve(listener, event_listener, rc, || PatternCamera)?;
            let mut c = ClientConfig::new("127.0.0.1", dialect);
            let command = server.local_addr().port();
            let event = server.event_addr().map_or(command, |a| a.port());
            c.ports = Ports {
                command,
                event,
                stream: 0,
            };
            _server = Some(server);
            c
        }
    };
    config.initiator.friendly_name = FriendlyName::new("two_services")?;

    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(128);

    // Service 1: a TCP echo server.
    let mut echo = TcpListener::bind("127.0.0.1:0".parse()?)?;
    let echo_addr = echo.local_addr()?;
    poll.registry()
        .register(&mut echo, ECHO, Interest::READABLE)
        .map_err(|e| format!("register echo: {e}"))?;
    let mut conns: HashMap<Token, EchoConn> = HashMap::new();
    let mut next_conn = FIRST_CONN;
    println!("echo service on {echo_addr}");

    // Service 2: the camera session, in the same poll.
    println!(
        "camera at {}:{} ({dialect:?})",
        config.host, config.ports.command
    );
    let mut camera = MioClient::connect(config, poll.registry(), CAMERA)?;
    let mut session = Session {
        pattern_ok: true,
        ..Session::default()
    };

    // The echo server's client, on a thread of its own (it is not part of the loop).
    let echo_client = thread::spawn(move || echo_client(echo_addr));

    let started = Instant::now();
    let mut echoed_bytes = 0usize;
    while !(session.done && echo_client.is_finished()) {
        // Sleep until the camera's next deadline, but look at the echo client now and then.
        let tick = Duration::from_millis(50);
        let wait = camera.timeout(Instant::now()).map_or(tick, |t| t.min(tick));
        poll.poll(&mut events, Some(wait))?;
        let now = Instant::now();
        for ev in &events {
            match ev.token() {
                ECHO => loop {
                    match echo.accept() {
                        Ok((mut stream, _)) => {
                            let token = Token(next_conn);
                            next_conn += 1;
                            poll.registry()
                                .register(&mut stream, token, Interest::READABLE)?;
                            conns.insert(
                                token,
                                EchoConn {
                                    stream,
                                    out: Vec::new(),
                                },
                            );
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) => return Err(e.into()),
                    }
                },
                t if camera.owns(t) => camera.handle_event(now, ev),
                t => {
                    let Some(conn) = conns.get_mut(&t) else {
                        continue;
                    };
                    if let Some(n) = conn.serve() {
                        echoed_bytes += n;
                        let interest = if conn.out.is_empty() {
                            Interest::READABLE
                        } else {
                            Interest::READABLE | Interest::WRITABLE
                        };
                        poll.registry().reregister(&mut conn.stream, t, interest)?;
                    } else if let Some(mut gone) = conns.remove(&t) {
                        poll.registry().deregister(&mut gone.stream)?;
                    }
                }
            }
        }
        camera.handle_timeout(Instant::now());
        while let Some(event) = camera.poll_event() {
            on_camera_event(&mut camera, &mut session, event, in_process);
        }
    }
    let rtts = echo_client
        .join()
        .map_err(|_| "the echo client panicked")??;
    let worst = rtts.iter().max().copied().unwrap_or_default();
    println!(
        "echo: {} lines ({echoed_bytes} bytes) round-tripped by the same loop, worst {worst:?}",
        rtts.len()
    );
    println!("all done in {:.2?}", started.elapsed());
    if session.failed || !session.pattern_ok {
        std::process::exit(1);
    }
    Ok(())
}

/// Reacts to one event of the camera session.
fn on_camera_event(camera: &mut MioClient, s: &mut Session, event: Event, in_process: bool) {
    match event {
        Event::Connected { friendly_name, .. } => {
            println!("camera: connected to {}", friendly_name.as_str());
        }
        Event::Ready => {
            println!("camera: session open");
            let op = Operation::new(OperationCode::GET_DEVICE_INFO, &[])
                .map(|o| o.collect(1 << 20))
                .and_then(|o| camera.execute(o).ok());
            s.info = op;
        }
        Event::OperationComplete(c) if Some(c.transaction) == s.info => {
            match DeviceInfo::decode(c.data.as_deref().unwrap_or_default()) {
                Ok(info) => println!(
                    "camera: {} {} ({} operations)",
                    info.manufacturer.as_str(),
                    info.model.as_str(),
                    info.operations_supported.len()
                ),
                Err(e) => println!("camera: DeviceInfo did not decode: {e}"),
            }
            if in_process {
                let op = Operation::new(OperationCode::GET_OBJECT, &[OBJECT_SIZE])
                    .map(Operation::stream)
                    .and_then(|o| camera.execute(o).ok());
                s.object = op;
                s.started = Some(Instant::now());
            } else {
                camera.close();
            }
        }
        Event::DataChunk {
            transaction,
            offset,
            data,
        } if Some(transaction) == s.object => {
            s.pattern_ok &= data
                .iter()
                .enumerate()
                .all(|(k, &b)| b == PatternSource::byte_at(offset + k as u64));
            s.received += data.len() as u64;
        }
        Event::OperationComplete(c) if Some(c.transaction) == s.object => {
            let secs = s.started.map_or(0.0, |t| t.elapsed().as_secs_f64());
            println!(
                "camera: GetObject {} bytes in {secs:.2} s ({:.0} MiB/s), pattern {}",
                s.received,
                s.received as f64 / secs.max(1e-9) / f64::from(1 << 20),
                if s.pattern_ok { "intact" } else { "CORRUPT" }
            );
            camera.close();
        }
        Event::OperationFailed {
            operation, error, ..
        } => {
            println!("camera: {operation} failed: {error}");
            s.failed = true;
            camera.close();
        }
        Event::DeviceEvent(e) => println!("camera: device event {:?}", e.code),
        Event::Closed => {
            println!("camera: closed");
            s.done = true;
        }
        Event::ConnectionLost { reason } => {
            println!("camera: connection lost: {reason}");
            s.failed = true;
            s.done = true;
        }
        _ => {}
    }
}

/// The echo server's client: sends lines a little apart and times each echo.
fn echo_client(addr: SocketAddr) -> io::Result<Vec<Duration>> {
    let stream = std::net::TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    let mut rtts = Vec::with_capacity(LINES);
    for n in 0..LINES {
        let line = format!("ping {n}\n");
        let t = Instant::now();
        writer.write_all(line.as_bytes())?;
        let mut back = String::new();
        reader.read_line(&mut back)?;
        if back != line {
            return Err(io::Error::other(format!("echo mismatch: {back:?}")));
        }
        rtts.push(t.elapsed());
        thread::sleep(Duration::from_millis(20));
    }
    Ok(rtts)
}
