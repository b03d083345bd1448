//! The blocking client against the std server and against misbehaving raw servers, on 127.0.0.1
//! with ports the OS picks.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ptpip_protocol::Encode;
use ptpip_protocol::initiator::Operation;
use ptpip_protocol::packet::{
    InitAckLayout, InitCommandAck, InitEventAck, InitFail, InitFailReason, OperationResponse,
    StartData,
};
use ptpip_protocol::responder::{Device, PatternSource, Reply, Request, ResponderConfig, Response};
use ptpip_protocol::{
    Channel, ConnectionNumber, DeviceEvent, Dialect, Error, EventCode, FriendlyName, Guid,
    OperationCode, Packet, Params, ProtocolVersion, ResponseCode, Timer, TransactionId,
};
use ptpip_transport_std::{Calls, Client, ClientConfig, ClientError, DataSink, Ports, serve};

/// GetObject serves the pattern (size in parameter 1); SendObject checks it; a vendor op raises
/// a device event.
#[derive(Default)]
struct PatternDevice {
    received: Arc<Mutex<(u64, bool)>>,
    events: VecDeque<DeviceEvent>,
}

const OP_RAISE_EVENT: OperationCode = OperationCode(0x9901);

impl Device for PatternDevice {
    fn operation(&mut self, r: &Request) -> Reply {
        match r.code {
            OperationCode::GET_OBJECT => Reply::Data {
                source: Box::new(PatternSource::new(u64::from(r.params.get(1).unwrap_or(0)))),
                response: Response::OK,
            },
            OperationCode::SEND_OBJECT => {
                *self.received.lock().unwrap() = (0, true);
                Reply::ReceiveData
            }
            // The Fujifilm set-up: 0xDF01 and 0xDF24 written, 0xDF24 read, InitiateOpenCapture.
            OperationCode::SET_DEVICE_PROP_VALUE => Reply::ReceiveData,
            OperationCode::GET_DEVICE_PROP_VALUE => Reply::Data {
                source: Box::new(Bytes::from_static(&[1, 0, 2, 0])),
                response: Response::OK,
            },
            OperationCode::INITIATE_OPEN_CAPTURE => Reply::Respond(Response::OK),
            OP_RAISE_EVENT => {
                self.events.push_back(DeviceEvent {
                    code: EventCode::OBJECT_ADDED,
                    transaction: r.transaction,
                    params: Params::from_slice(&[42]).unwrap(),
                });
                Reply::Respond(Response::OK)
            }
            _ => Reply::Respond(Response::code(ResponseCode::OPERATION_NOT_SUPPORTED)),
        }
    }

    fn data_out(&mut self, r: &Request, piece: &[u8]) {
        if r.code != OperationCode::SEND_OBJECT {
            return;
        }
        let mut g = self.received.lock().unwrap();
        let start = g.0;
        g.1 &= piece
            .iter()
            .enumerate()
            .all(|(k, &b)| b == PatternSource::byte_at(start + k as u64));
        g.0 += piece.len() as u64;
    }

    fn data_out_done(&mut self, _r: &Request, _len: u64) -> Response {
        Response::OK
    }

    fn poll_event(&mut self) -> Option<DeviceEvent> {
        self.events.pop_front()
    }
}

fn name(s: &str) -> FriendlyName {
    FriendlyName::new(s).unwrap()
}

fn local() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").unwrap()
}

fn client_config(dialect: Dialect, ports: Ports) -> ClientConfig {
    let mut c = ClientConfig::new("127.0.0.1", dialect);
    c.ports = ports;
    c.connect_timeout = Duration::from_secs(2);
    c
}

/// Checks pieces against the pattern as they stream by, without keeping them.
#[derive(Default)]
struct PatternSink {
    len: u64,
    ok: bool,
}

impl DataSink for PatternSink {
    fn piece(&mut self, offset: u64, _total: Option<u64>, data: &[u8]) -> io::Result<()> {
        if offset == 0 {
            self.ok = true;
        }
        self.ok &= data
            .iter()
            .enumerate()
            .all(|(k, &b)| b == PatternSource::byte_at(offset + k as u64));
        self.len = offset + data.len() as u64;
        Ok(())
    }
}

fn start(
    dialect: Dialect,
) -> (
    ptpip_transport_std::ServerHandle,
    Ports,
    Arc<Mutex<(u64, bool)>>,
) {
    let received = Arc::new(Mutex::new((0, false)));
    let r2 = received.clone();
    let listener = local();
    let event_listener = (dialect == Dialect::Fuji).then(local);
    let rc = ResponderConfig::new(Guid([9; 16]), name("loopback camera"), dialect);
    let server = serve(listener, event_listener, rc, move || PatternDevice {
        received: r2.clone(),
        events: VecDeque::new(),
    })
    .unwrap();
    let port = server.local_addr().port();
    let ports = Ports {
        command: port,
        event: server.event_addr().map_or(port, |a| a.port()),
        stream: 0,
    };
    (server, ports, received)
}

#[test]
fn operations_over_loopback_both_dialects() {
    for dialect in [Dialect::Generic, Dialect::Fuji] {
        let (server, ports, received) = start(dialect);
        let mut client = Client::connect(client_config(dialect, ports)).unwrap();
        // A 16 MiB object streamed through a checking sink.
        let mut sink = PatternSink::default();
        client
            .download(
                Operation::new(OperationCode::GET_OBJECT, &[16 << 20]).unwrap(),
                &mut sink,
            )
            .unwrap();
        assert_eq!((sink.len, sink.ok), (16 << 20, true), "{dialect:?}");
        // Into a Write, with progress.
        let mut out = Vec::new();
        let mut last = (0, None);
        let n = client
            .get_object(
                ptpip_protocol::ptp::dataset::ObjectHandle(100_000),
                &mut out,
                &mut |n, t| last = (n, t),
            )
            .unwrap();
        assert_eq!(
            (n, out.len(), last),
            (100_000, 100_000, (100_000, Some(100_000)))
        );
        // Upload from a Read.
        let data: Vec<u8> = (0..3_000_000u64).map(PatternSource::byte_at).collect();
        client
            .upload(
                Operation::new(OperationCode::SEND_OBJECT, &[]).unwrap(),
                &mut &data[..],
                data.len() as u64,
            )
            .unwrap();
        assert_eq!(*received.lock().unwrap(), (3_000_000, true));
        // A device event, and a response code that is not OK.
        client
            .call(Operation::new(OP_RAISE_EVENT, &[]).unwrap())
            .unwrap();
        let e = client
            .next_event(Some(Duration::from_secs(5)))
            .unwrap()
            .unwrap();
        assert_eq!(
            (e.code, e.params.as_slice()),
            (EventCode::OBJECT_ADDED, &[42][..])
        );
        // The same as an iterator.
        for _ in 0..2 {
            client
                .call(Operation::new(OP_RAISE_EVENT, &[]).unwrap())
                .unwrap();
        }
        let both: Vec<EventCode> = client.events().take(2).map(|e| e.unwrap().code).collect();
        assert_eq!(both, [EventCode::OBJECT_ADDED; 2]);
        match client.call(Operation::new(OperationCode(0x9999), &[]).unwrap()) {
            Err(ClientError::Response { response, .. }) => {
                assert_eq!(response, ResponseCode::OPERATION_NOT_SUPPORTED);
            }
            other => panic!("{other:?}"),
        }
        // Raw, with a data-out phase, whatever the response.
        let c = client
            .raw(
                OperationCode::SEND_OBJECT,
                &[],
                Some(Bytes::from_static(&[0, 1, 2])),
                &mut PatternSink::default(),
            )
            .unwrap();
        assert!(c.response.is_ok());
        client
            .close()
            .unwrap_or_else(|e| panic!("{dialect:?}: {e}"));
        assert!(server.sessions() >= 1);
    }
}

#[test]
fn several_initiators_at_once_and_one_after_another() {
    let (server, ports, _) = start(Dialect::Generic);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            thread::spawn(move || {
                let mut c = Client::connect(client_config(Dialect::Generic, ports)).unwrap();
                let mut sink = PatternSink::default();
                c.download(
                    Operation::new(OperationCode::GET_OBJECT, &[4 << 20]).unwrap(),
                    &mut sink,
                )
                .unwrap();
                assert_eq!((sink.len, sink.ok), (4 << 20, true));
                c.close().unwrap();
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // A client dropped mid-transfer: the server survives and serves the next one.
    {
        let mut c = Client::connect(client_config(Dialect::Generic, ports)).unwrap();
        struct Abort;
        impl DataSink for Abort {
            fn piece(&mut self, _: u64, _: Option<u64>, _: &[u8]) -> io::Result<()> {
                Err(io::Error::other("stop"))
            }
        }
        let r = c.download(
            Operation::new(OperationCode::GET_OBJECT, &[64 << 20]).unwrap(),
            &mut Abort,
        );
        assert!(r.is_err());
    }
    let mut c = Client::connect(client_config(Dialect::Generic, ports)).unwrap();
    let mut sink = PatternSink::default();
    c.download(
        Operation::new(OperationCode::GET_OBJECT, &[1000]).unwrap(),
        &mut sink,
    )
    .unwrap();
    assert!(sink.ok);
    assert_eq!(server.sessions(), 6);
}

/// A raw server: accepts a command connection and runs `script` on it; answers an event
/// connection with Init_Event_Ack.
fn raw_server(script: impl FnOnce(TcpStream) + Send + 'static) -> Ports {
    let listener = local();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let (cmd, _) = listener.accept().unwrap();
        let l2 = listener.try_clone().unwrap();
        thread::spawn(move || {
            if let Ok((mut evt, _)) = l2.accept() {
                let mut b = [0; 12];
                let _ = evt.read_exact(&mut b);
                let _ = evt.write_all(&Packet::InitEventAck(InitEventAck::new()).to_bytes());
                thread::sleep(Duration::from_secs(5));
            }
        });
        script(cmd);
    });
    Ports {
        command: port,
        event: port,
        stream: 0,
    }
}

/// Reads one packet (header, then body) off a raw stream.
fn read_packet(s: &mut TcpStream) -> Vec<u8> {
    let mut h = [0; 8];
    s.read_exact(&mut h).unwrap();
    let len = u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as usize;
    let mut body = vec![0; len - 8];
    s.read_exact(&mut body).unwrap();
    [&h[..], &body].concat()
}

fn ack() -> Vec<u8> {
    Packet::InitCommandAck(InitCommandAck {
        connection_number: ConnectionNumber(1),
        guid: Guid([3; 16]),
        friendly_name: name("raw"),
        version: Some(ProtocolVersion::V1_0),
        layout: InitAckLayout::Standard,
    })
    .to_bytes()
}

/// Completes the handshake and OpenSession.
fn handshake(s: &mut TcpStream) {
    read_packet(s);
    s.write_all(&ack()).unwrap();
    read_packet(s); // OpenSession
    let ok = Packet::OperationResponse(OperationResponse {
        code: ResponseCode::OK,
        transaction_id: TransactionId(0),
        params: Params::new(),
    });
    s.write_all(&ok.to_bytes()).unwrap();
}

fn fast(ports: Ports) -> ClientConfig {
    let mut c = client_config(Dialect::Generic, ports);
    c.initiator.response_timeout = Duration::from_millis(300);
    c.initiator.init_timeout = Duration::from_millis(300);
    c.connect_timeout = Duration::from_millis(300);
    c
}

fn lost(r: Result<impl std::fmt::Debug, ClientError>) -> Error {
    match r {
        Err(ClientError::Protocol(e)) => e,
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

#[test]
fn server_closing_mid_data() {
    let ports = raw_server(|mut s| {
        handshake(&mut s);
        read_packet(&mut s); // GetObject
        let start = StartData {
            transaction_id: TransactionId(1),
            total_length: 1 << 20,
        };
        s.write_all(&Packet::StartData(start).to_bytes()).unwrap();
        let mut data = Vec::new();
        ptpip_protocol::packet::DataPacket::write_header(&mut data, false, TransactionId(1), 1000);
        data.extend_from_slice(&[0; 1000]);
        s.write_all(&data).unwrap();
        // Gone.
    });
    let mut c = Client::connect(fast(ports)).unwrap();
    let t = Instant::now();
    let e = lost(c.download(
        Operation::new(OperationCode::GET_OBJECT, &[1]).unwrap(),
        &mut PatternSink::default(),
    ));
    assert_eq!(e, Error::ChannelClosed(Channel::Command));
    assert!(t.elapsed() < Duration::from_secs(2));
    // Later calls report the same cause at once instead of waiting for what will never come.
    let t = Instant::now();
    assert_eq!(
        lost(c.next_event(Some(Duration::from_secs(5)))),
        Error::ChannelClosed(Channel::Command)
    );
    assert!(t.elapsed() < Duration::from_secs(1));
}

#[test]
fn init_fail_slow_server_refused_event_and_garbage() {
    // Init_Fail.
    let ports = raw_server(|mut s| {
        read_packet(&mut s);
        let fail = Packet::InitFail(InitFail::new(InitFailReason::BUSY));
        s.write_all(&fail.to_bytes()).unwrap();
        thread::sleep(Duration::from_secs(1));
    });
    assert_eq!(
        lost(Client::connect(fast(ports))),
        Error::InitFailed(InitFailReason::BUSY)
    );

    // Slower than the response timeout.
    let ports = raw_server(|mut s| {
        handshake(&mut s);
        read_packet(&mut s);
        thread::sleep(Duration::from_secs(3));
    });
    let mut c = Client::connect(fast(ports)).unwrap();
    let t = Instant::now();
    let e = lost(c.call(Operation::new(OperationCode::GET_NUM_OBJECTS, &[]).unwrap()));
    assert_eq!(e, Error::TimedOut(Timer::Response));
    let waited = t.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(2),
        "{waited:?}"
    );

    // The event connection refused: a port nobody listens on.
    let closed = local().local_addr().unwrap().port();
    let listener = local();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        read_packet(&mut s);
        s.write_all(&ack()).unwrap();
        thread::sleep(Duration::from_secs(3));
    });
    let mut cfg = fast(Ports {
        command: port,
        event: closed,
        stream: 0,
    });
    cfg.connect_timeout = Duration::from_millis(200);
    assert_eq!(
        lost(Client::connect(cfg)),
        Error::ChannelClosed(Channel::Event)
    );

    // Garbage: a length below the header.
    let ports = raw_server(|mut s| {
        read_packet(&mut s);
        s.write_all(&[4, 0, 0, 0, 2, 0, 0, 0, 0xde, 0xad]).unwrap();
        thread::sleep(Duration::from_secs(1));
    });
    assert!(matches!(
        lost(Client::connect(fast(ports))),
        Error::Decode {
            channel: Channel::Command,
            ..
        }
    ));
}

#[test]
fn raw_tapped_reports_every_packet() {
    let (_server, ports, _) = start(Dialect::Generic);
    let mut client = Client::connect(client_config(Dialect::Generic, ports)).unwrap();
    let mut packets = Vec::new();
    let c = client
        .raw_tapped(
            OperationCode::GET_OBJECT,
            &[5000],
            None,
            1 << 20,
            &mut |b, total| {
                packets.push((b.clone(), total));
            },
        )
        .unwrap();
    // The tap is on only while the call runs.
    assert_eq!(client.initiator().config().tap, None);
    assert!(c.response.is_ok());
    // Start_Data (type 9), End_Data (type 12) carrying the 5000 bytes, Operation_Response (7).
    let types: Vec<u8> = packets.iter().map(|(b, _)| b[4]).collect();
    assert_eq!(types, [9, 12, 7]);
    assert_eq!(packets[1].1, 5012);
    assert_eq!(packets[1].0.len(), 5012);
    client.close().unwrap();
}

#[test]
fn an_event_connection_for_no_session_is_refused() {
    let (server, _, _) = start(Dialect::Generic);
    let mut s = TcpStream::connect(server.local_addr()).unwrap();
    let req = ptpip_protocol::packet::InitEventRequest::new(ConnectionNumber(999));
    s.write_all(&Packet::InitEventRequest(req).to_bytes())
        .unwrap();
    let reply = read_packet(&mut s);
    assert_eq!(
        Packet::decode(&reply, Dialect::Generic).unwrap(),
        Packet::InitFail(InitFail::new(InitFailReason::UNSPECIFIED))
    );
}
