//! The std camera server against a raw PTP/IP initiator written here packet by packet, on
//! 127.0.0.1 with ports the OS picks: cancels in the middle of a 200 MB object (on the command
//! channel, and as a CancelTransaction event), probes at any moment, the Fujifilm init sent
//! twice, and the breaches the server logs.
//!
//! Amounts are counted in bytes, never in time; the only clock is a generous read deadline that
//! turns a hang into a failure.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use ptpip_protocol::Encode;
use ptpip_protocol::fuji::Container;
use ptpip_protocol::packet::{
    Cancel, DataPhaseInfo, EventPacket, InitCommandRequest, InitEventRequest, OperationRequest,
};
use ptpip_protocol::responder::{
    Device, PatternSource, Reply, Request, ResponderConfig, Response, Violation, ViolationKind,
    ViolationOutcome,
};
use ptpip_protocol::{
    Deframer, DeframerConfig, Dialect, EventCode, Frame, Framing, FriendlyName, Guid,
    OperationCode, Packet, Params, ResponseCode, TransactionId,
};
use ptpip_transport_std::{ServerHandle, ViolationLog, serve_logging};

/// The object the cancel tests fetch: 200 MB of the pattern, generated as it goes.
const OBJECT: u32 = 200_000_000;

/// Longest wait for any one read: only there to turn a hang into a failure.
const DEADLINE: Duration = Duration::from_secs(30);

const MIB: u64 = 1 << 20;

/// The raw initiator's socket receive buffer (the kernel doubles it).
const RECEIVE_BUFFER: usize = 512 << 10;

/// GetObject serves the pattern (size in parameter 1); DeleteObject answers OK; SendObject takes
/// data.
struct PatternDevice;

impl Device for PatternDevice {
    fn operation(&mut self, r: &Request) -> Reply {
        match r.code {
            OperationCode::GET_OBJECT => Reply::Data {
                source: Box::new(PatternSource::new(u64::from(r.params.get(1).unwrap_or(0)))),
                response: Response::OK,
            },
            OperationCode::GET_DEVICE_INFO => Reply::Data {
                source: Box::new(Bytes::from_static(&[0; 8])),
                response: Response::OK,
            },
            OperationCode::SEND_OBJECT => Reply::ReceiveData,
            _ => Reply::Respond(Response::OK),
        }
    }

    fn data_out(&mut self, _: &Request, _: &[u8]) {}

    fn data_out_done(&mut self, _: &Request, _: u64) -> Response {
        Response::OK
    }
}

/// A server whose logged violations the test can read.
fn start(dialect: Dialect) -> (ServerHandle, Arc<Mutex<Vec<Violation>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let events = (dialect == Dialect::Fuji).then(|| TcpListener::bind("127.0.0.1:0").unwrap());
    let config = ResponderConfig::new(
        Guid([0x5a; 16]),
        FriendlyName::new("judge").unwrap(),
        dialect,
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log: ViolationLog = {
        let seen = seen.clone();
        Arc::new(move |_: SocketAddr, v: &Violation| seen.lock().unwrap().push(v.clone()))
    };
    let server = serve_logging(listener, events, config, || PatternDevice, log).unwrap();
    (server, seen)
}

/// One connection of the raw initiator: a socket and a decoder for what comes back.
struct Conn {
    stream: TcpStream,
    decoder: Deframer,
    /// Bytes read from the socket so far.
    read: u64,
}

/// What came back, decoded.
#[derive(Debug)]
enum Got {
    Packet(Packet<'static>),
    Container(Container<'static>),
    /// Data payload bytes.
    Data(u64),
    DataStart,
}

impl Conn {
    fn connect(addr: SocketAddr) -> Self {
        // A fixed receive buffer: the kernel would otherwise grow it (up to tcp_rmem's maximum,
        // 32 MiB on some machines), and bytes already in flight when the Cancel leaves are
        // counted too. The server's send buffer is the kernel's business (tcp_wmem, 4 MiB).
        let socket =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        socket.set_recv_buffer_size(RECEIVE_BUFFER).unwrap();
        socket.connect(&addr.into()).unwrap();
        let stream = TcpStream::from(socket);
        stream.set_nodelay(true).unwrap();
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        Self {
            stream,
            decoder: Deframer::new(DeframerConfig::default()),
            read: 0,
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    fn send_packet(&mut self, p: &Packet<'_>) {
        self.send(&p.to_bytes());
    }

    /// The next frame, reading as needed.
    fn next(&mut self) -> Got {
        loop {
            if let Some(frame) = self.decoder.next_frame().unwrap() {
                return match frame {
                    Frame::Packet(p) => Got::Packet(p),
                    Frame::Container(c) => Got::Container(c),
                    Frame::DataChunk(b) => Got::Data(b.len() as u64),
                    Frame::DataStart(_) => Got::DataStart,
                    Frame::LiveView(_) => panic!("a live-view frame on a session's connection"),
                };
            }
            let mut buf = vec![0; 256 << 10];
            let n = match self.stream.read(&mut buf) {
                Ok(0) => panic!("the server closed the connection"),
                Ok(n) => n,
                Err(e) => panic!("no reply within {DEADLINE:?}: {e}"),
            };
            self.read += n as u64;
            self.decoder.extend_from_slice(&buf[..n]);
        }
    }

    /// The next control packet, skipping nothing: anything else is a failure.
    fn packet(&mut self) -> Packet<'static> {
        match self.next() {
            Got::Packet(p) => p,
            other => panic!("expected a packet, got {other:?}"),
        }
    }

    /// Reads until the response; returns it and the data payload bytes before it.
    fn response(&mut self) -> (ResponseCode, TransactionId, u64) {
        let mut data = 0;
        loop {
            match self.next() {
                Got::Data(n) => data += n,
                Got::Packet(Packet::OperationResponse(r)) => {
                    return (r.code, r.transaction_id, data);
                }
                Got::Container(Container::Response {
                    code,
                    transaction_id,
                    ..
                }) => return (code, transaction_id, data),
                _ => {}
            }
        }
    }
}

fn request(code: OperationCode, tid: u32, params: &[u32]) -> Packet<'static> {
    Packet::OperationRequest(OperationRequest {
        data_phase: DataPhaseInfo::NO_DATA_OR_DATA_IN,
        code,
        transaction_id: TransactionId(tid),
        params: Params::from_slice(params).unwrap(),
    })
}

/// A generic session: both connections open, session 1 open (OpenSession with id 0).
fn session(addr: SocketAddr) -> (Conn, Conn) {
    let mut cmd = Conn::connect(addr);
    let init = InitCommandRequest::new(Guid([0x11; 16]), FriendlyName::new("raw").unwrap());
    cmd.send_packet(&Packet::InitCommandRequest(init));
    let Packet::InitCommandAck(ack) = cmd.packet() else {
        panic!("no Init_Command_Ack");
    };
    let mut evt = Conn::connect(addr);
    evt.send_packet(&Packet::InitEventRequest(InitEventRequest::new(
        ack.connection_number,
    )));
    assert_eq!(evt.packet(), Packet::InitEventAck(Default::default()));
    cmd.send_packet(&request(OperationCode::OPEN_SESSION, 0, &[1]));
    assert_eq!(cmd.response().0, ResponseCode::OK);
    (cmd, evt)
}

/// Starts the 200 MB GetObject with `tid` and reads until at least 1 MiB of it has come.
fn start_object(cmd: &mut Conn, tid: u32) {
    cmd.send_packet(&request(OperationCode::GET_OBJECT, tid, &[OBJECT]));
    let mut data = 0;
    while data < MIB {
        match cmd.next() {
            Got::Data(n) => data += n,
            Got::DataStart | Got::Packet(Packet::StartData(_)) => {}
            other => panic!("expected the object's data, got {other:?}"),
        }
    }
}

/// The 200 MB object is cancelled on the command channel after its first MiB: the response
/// (TransactionCancelled) comes before 8 MiB more have arrived, counting every byte read after
/// the Cancel went out. The session carries on.
#[test]
fn cancel_on_the_command_channel_stops_a_200_mb_object() {
    let (server, seen) = start(Dialect::Generic);
    let (mut cmd, _evt) = session(server.local_addr());
    start_object(&mut cmd, 1);
    let before = cmd.read;
    cmd.send_packet(&Packet::Cancel(Cancel::new(TransactionId(1))));
    let (code, tid, _) = cmd.response();
    let after = cmd.read - before;
    assert_eq!(
        (code, tid),
        (ResponseCode::TRANSACTION_CANCELLED, TransactionId(1))
    );
    assert!(after < 8 * MIB, "{after} bytes after the Cancel");
    // The next operation on the same session works.
    cmd.send_packet(&request(OperationCode::GET_OBJECT, 2, &[1000]));
    assert_eq!(cmd.response(), (ResponseCode::OK, TransactionId(2), 1000));
    assert!(seen.lock().unwrap().is_empty());
}

/// The same with ISO 15740's CancelTransaction event (0x4001) on the event channel.
#[test]
fn cancel_transaction_event_stops_a_200_mb_object_and_keeps_the_session() {
    let (server, seen) = start(Dialect::Generic);
    let (mut cmd, mut evt) = session(server.local_addr());
    start_object(&mut cmd, 1);
    let before = cmd.read;
    evt.send_packet(&Packet::Event(EventPacket {
        code: EventCode::CANCEL_TRANSACTION,
        transaction_id: TransactionId(1),
        params: Params::new(),
    }));
    let (code, tid, _) = cmd.response();
    let after = cmd.read - before;
    assert_eq!(
        (code, tid),
        (ResponseCode::TRANSACTION_CANCELLED, TransactionId(1))
    );
    assert!(after < 8 * MIB, "{after} bytes after the event");
    cmd.send_packet(&request(OperationCode::DELETE_OBJECT, 2, &[7]));
    assert_eq!(cmd.response(), (ResponseCode::OK, TransactionId(2), 0));
    assert!(seen.lock().unwrap().is_empty());
}

/// Probe_Request before the init packet on both connections, and in the middle of a data phase.
#[test]
fn probes_are_answered_at_any_moment() {
    let (server, _) = start(Dialect::Generic);
    let addr = server.local_addr();
    let mut cmd = Conn::connect(addr);
    cmd.send_packet(&Packet::ProbeRequest);
    assert_eq!(cmd.packet(), Packet::ProbeResponse);
    // A probe and the init request in one write.
    let mut bytes = Packet::ProbeRequest.to_bytes();
    bytes.extend(
        Packet::InitCommandRequest(InitCommandRequest::new(
            Guid([0x11; 16]),
            FriendlyName::new("raw").unwrap(),
        ))
        .to_bytes(),
    );
    cmd.send(&bytes);
    assert_eq!(cmd.packet(), Packet::ProbeResponse);
    let Packet::InitCommandAck(ack) = cmd.packet() else {
        panic!("no Init_Command_Ack");
    };
    let mut evt = Conn::connect(addr);
    evt.send_packet(&Packet::ProbeRequest);
    assert_eq!(evt.packet(), Packet::ProbeResponse);
    evt.send_packet(&Packet::InitEventRequest(InitEventRequest::new(
        ack.connection_number,
    )));
    assert_eq!(evt.packet(), Packet::InitEventAck(Default::default()));
    cmd.send_packet(&request(OperationCode::OPEN_SESSION, 0, &[1]));
    assert_eq!(cmd.response().0, ResponseCode::OK);

    // During a 16 MiB data phase, on both channels: the command channel's answer comes between
    // two data packets, the event channel's at once.
    let len = 16 << 20;
    cmd.send_packet(&request(OperationCode::GET_OBJECT, 1, &[len]));
    let mut data = 0;
    let mut answered = false;
    loop {
        match cmd.next() {
            Got::Data(n) => {
                data += n;
                if data >= MIB && data - n < MIB {
                    cmd.send_packet(&Packet::ProbeRequest);
                    evt.send_packet(&Packet::ProbeRequest);
                    assert_eq!(evt.packet(), Packet::ProbeResponse);
                }
            }
            Got::Packet(Packet::ProbeResponse) => {
                answered = true;
                assert!(
                    data < u64::from(len),
                    "the probe was answered only after the data"
                );
            }
            Got::Packet(Packet::OperationResponse(r)) => {
                assert_eq!(r.code, ResponseCode::OK);
                break;
            }
            _ => {}
        }
    }
    assert!(answered);
    assert_eq!(data, u64::from(len));
    evt.send_packet(&Packet::ProbeRequest);
    assert_eq!(evt.packet(), Packet::ProbeResponse);
}

/// Reused and backwards transaction ids are answered InvalidTransactionID, a data-out phase on
/// DeleteObject is refused, and the server logs each breach with its transaction and packet.
#[test]
fn breaches_are_answered_and_logged() {
    let (server, seen) = start(Dialect::Generic);
    let (mut cmd, _evt) = session(server.local_addr());
    cmd.send_packet(&request(OperationCode::DELETE_OBJECT, 1, &[]));
    assert_eq!(cmd.response().0, ResponseCode::OK);
    for tid in [1, 0] {
        cmd.send_packet(&request(OperationCode::DELETE_OBJECT, tid, &[]));
        assert_eq!(
            cmd.response(),
            (ResponseCode::INVALID_TRANSACTION_ID, TransactionId(tid), 0)
        );
    }
    let mut delete = OperationRequest {
        data_phase: DataPhaseInfo::DATA_OUT,
        code: OperationCode::DELETE_OBJECT,
        transaction_id: TransactionId(2),
        params: Params::new(),
    };
    cmd.send_packet(&Packet::OperationRequest(delete));
    let tid = TransactionId(2);
    cmd.send_packet(&Packet::StartData(ptpip_protocol::packet::StartData {
        transaction_id: tid,
        total_length: 4,
    }));
    cmd.send_packet(&Packet::EndData(ptpip_protocol::packet::DataPacket {
        transaction_id: tid,
        payload: vec![1, 2, 3, 4].into(),
    }));
    assert_eq!(cmd.response(), (ResponseCode::GENERAL_ERROR, tid, 0));
    delete.data_phase = DataPhaseInfo::NO_DATA_OR_DATA_IN;
    delete.transaction_id = TransactionId(3);
    cmd.send_packet(&Packet::OperationRequest(delete));
    assert_eq!(cmd.response().0, ResponseCode::OK);

    let seen = seen.lock().unwrap().clone();
    let summary: Vec<_> = seen
        .iter()
        .map(|v| (v.kind.clone(), v.transaction, v.outcome))
        .collect();
    let refused = ViolationOutcome::Refused(ResponseCode::INVALID_TRANSACTION_ID);
    assert_eq!(
        summary,
        [
            (
                ViolationKind::TransactionIdReused,
                Some(TransactionId(1)),
                refused
            ),
            (
                ViolationKind::TransactionIdBackwards {
                    previous: TransactionId(1)
                },
                Some(TransactionId(0)),
                refused
            ),
            (
                ViolationKind::DataOutNotDefined {
                    operation: OperationCode::DELETE_OBJECT
                },
                Some(TransactionId(2)),
                ViolationOutcome::Refused(ResponseCode::GENERAL_ERROR)
            ),
        ]
    );
}

/// The Fujifilm 82-byte Init_Command_Request twice on one connection (what gphoto2's Fujifilm
/// driver sends): acknowledged twice, then the session runs in containers.
#[test]
fn fuji_init_request_twice_on_one_connection() {
    let (server, seen) = start(Dialect::Fuji);
    let mut cmd = Conn::connect(server.local_addr());
    let init = Packet::InitCommandRequest(InitCommandRequest::fuji(
        Guid([0x11; 16]),
        FriendlyName::new("gphoto2").unwrap(),
    ))
    .to_bytes();
    assert_eq!(init.len(), 82);
    for _ in 0..2 {
        cmd.send(&init);
        assert!(matches!(cmd.packet(), Packet::InitCommandAck(_)));
    }
    // The event connection carries no init packet.
    let _evt = TcpStream::connect(server.event_addr().unwrap()).unwrap();
    cmd.decoder.set_framing(Framing::FujiContainer);
    let open = Container::Command {
        code: OperationCode::OPEN_SESSION,
        transaction_id: TransactionId(0),
        params: Params::from_slice(&[1]).unwrap(),
    };
    cmd.send(&open.to_bytes());
    assert_eq!(cmd.response(), (ResponseCode::OK, TransactionId(0), 0));
    let kinds: Vec<_> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|v| v.kind.clone())
        .collect();
    assert_eq!(kinds, [ViolationKind::InitCommandRequestRepeated]);
}
