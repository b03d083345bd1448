//! The std server keeps its responders' deadlines without polling: a command connection whose
//! event connection never comes is closed at the init deadline, and a data-out phase that stops
//! halfway fails with IncompleteTransfer at its deadline while the session goes on. A raw
//! initiator on 127.0.0.1, ports the OS picks; no timing is asserted, only what comes back.

use ptpip_protocol::Encode;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ptpip_protocol::packet::{
    DataPacket, DataPhaseInfo, InitCommandRequest, InitEventRequest, OperationRequest, StartData,
};
use ptpip_protocol::responder::{
    Device, Reply, Request, ResponderConfig, Response, Violation, ViolationKind,
};
use ptpip_protocol::{
    Deframer, DeframerConfig, Dialect, Frame, FriendlyName, Guid, OperationCode, Packet, Params,
    ResponseCode, TransactionId,
};
use ptpip_transport_std::{ServerHandle, ViolationLog, serve_logging};

/// Takes SendObject's data; answers everything else OK.
struct Sink;

impl Device for Sink {
    fn operation(&mut self, r: &Request) -> Reply {
        match r.code {
            OperationCode::SEND_OBJECT => Reply::ReceiveData,
            _ => Reply::Respond(Response::OK),
        }
    }

    fn data_out(&mut self, _: &Request, _: &[u8]) {}

    fn data_out_done(&mut self, _: &Request, _: u64) -> Response {
        Response::OK
    }
}

fn start(tweak: impl FnOnce(&mut ResponderConfig)) -> (ServerHandle, Arc<Mutex<Vec<Violation>>>) {
    let mut config = ResponderConfig::new(
        Guid([0x5a; 16]),
        FriendlyName::new("deadlines").unwrap(),
        Dialect::Generic,
    );
    tweak(&mut config);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log: ViolationLog = {
        let seen = seen.clone();
        Arc::new(move |_, v: &Violation| seen.lock().unwrap().push(v.clone()))
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    (
        serve_logging(listener, None, config, || Sink, log).unwrap(),
        seen,
    )
}

fn connect(server: &ServerHandle) -> TcpStream {
    let s = TcpStream::connect(server.local_addr()).unwrap();
    // Only there to turn a hang into a failure.
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// The next packet on `s`.
fn packet(s: &mut TcpStream, d: &mut Deframer) -> Packet<'static> {
    loop {
        if let Some(Frame::Packet(p)) = d.next_frame().unwrap() {
            return p;
        }
        let mut buf = [0; 4096];
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "the server closed the connection");
        d.extend_from_slice(&buf[..n]);
    }
}

fn init_request() -> Packet<'static> {
    Packet::InitCommandRequest(InitCommandRequest::new(
        Guid([1; 16]),
        FriendlyName::new("raw").unwrap(),
    ))
}

fn request(code: OperationCode, tid: u32, data_out: bool) -> Packet<'static> {
    Packet::OperationRequest(OperationRequest {
        data_phase: if data_out {
            DataPhaseInfo::DATA_OUT
        } else {
            DataPhaseInfo::NO_DATA_OR_DATA_IN
        },
        code,
        transaction_id: TransactionId(tid),
        params: Params::from_slice(&if code == OperationCode::OPEN_SESSION {
            vec![1]
        } else {
            vec![]
        })
        .unwrap(),
    })
}

#[test]
fn a_command_connection_without_its_event_connection_is_closed_at_the_init_deadline() {
    let (server, _) = start(|c| c.init_timeout = Duration::from_millis(200));
    let mut cmd = connect(&server);
    cmd.write_all(&init_request().to_bytes()).unwrap();
    let mut d = Deframer::new(DeframerConfig::default());
    assert!(matches!(
        packet(&mut cmd, &mut d),
        Packet::InitCommandAck(_)
    ));
    // Then nothing but the end of the connection.
    let mut rest = Vec::new();
    cmd.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "{rest:?}");
    assert_eq!(server.sessions(), 1);
}

#[test]
fn a_stalled_data_out_phase_fails_at_its_deadline_and_the_session_goes_on() {
    let (server, seen) = start(|c| c.data_timeout = Duration::from_millis(200));
    let mut cmd = connect(&server);
    let mut d = Deframer::new(DeframerConfig::default());
    cmd.write_all(&init_request().to_bytes()).unwrap();
    let Packet::InitCommandAck(ack) = packet(&mut cmd, &mut d) else {
        panic!("no Init_Command_Ack");
    };
    let mut evt = connect(&server);
    evt.write_all(
        &Packet::InitEventRequest(InitEventRequest::new(ack.connection_number)).to_bytes(),
    )
    .unwrap();
    let mut de = Deframer::new(DeframerConfig::default());
    assert!(matches!(packet(&mut evt, &mut de), Packet::InitEventAck(_)));
    cmd.write_all(&request(OperationCode::OPEN_SESSION, 0, false).to_bytes())
        .unwrap();
    assert!(matches!(
        packet(&mut cmd, &mut d),
        Packet::OperationResponse(r) if r.code == ResponseCode::OK
    ));
    // SendObject announcing 1000 bytes; 100 come, then nothing.
    let tid = TransactionId(1);
    let mut bytes = request(OperationCode::SEND_OBJECT, 1, true).to_bytes();
    bytes.extend(
        Packet::StartData(StartData {
            transaction_id: tid,
            total_length: 1000,
        })
        .to_bytes(),
    );
    bytes.extend(
        Packet::Data(DataPacket {
            transaction_id: tid,
            payload: vec![7; 100].into(),
        })
        .to_bytes(),
    );
    cmd.write_all(&bytes).unwrap();
    match packet(&mut cmd, &mut d) {
        Packet::OperationResponse(r) => {
            assert_eq!(
                (r.code, r.transaction_id),
                (ResponseCode::INCOMPLETE_TRANSFER, tid)
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(seen.lock().unwrap().iter().any(|v| v.kind
        == ViolationKind::DataOutStalled {
            received: 100,
            announced: Some(1000)
        }));
    // The session goes on.
    cmd.write_all(&request(OperationCode::DELETE_OBJECT, 2, false).to_bytes())
        .unwrap();
    assert!(matches!(
        packet(&mut cmd, &mut d),
        Packet::OperationResponse(r) if r.code == ResponseCode::OK && r.transaction_id.0 == 2
    ));
}
