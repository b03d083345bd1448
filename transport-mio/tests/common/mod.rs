//! Test cameras for the mio driver: a pattern device behind the mio server (`ptpip_transport_mio::serve`), and raw
//! servers built from our own encoders for the faults a well-behaved responder never makes.

#![allow(dead_code, unreachable_pub)]

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use bytes::Bytes;
use ptpip_protocol::Encode;
use ptpip_protocol::packet::{
    InitAckLayout, InitCommandAck, InitEventAck, InitFailReason, OperationResponse,
};
use ptpip_protocol::ptp::dataset::{DeviceInfo, ObjectInfo};
use ptpip_protocol::ptp::string::PtpString;
use ptpip_protocol::responder::{Device, PatternSource, Reply, Request, ResponderConfig, Response};
use ptpip_protocol::{
    ConnectionNumber, DeviceEvent, Dialect, EventCode, FriendlyName, Guid, OperationCode, Packet,
    Params, ProtocolVersion, ResponseCode,
};
use ptpip_transport_mio::{ClientConfig, DataSink, Ports};
use ptpip_transport_mio::{ServerHandle, serve};

/// A vendor operation of the test device that answers with an event naming its transaction.
pub const OP_PING_EVENT: OperationCode = OperationCode(0x9901);
/// The handle the test device gives an object sent to it.
pub const NEW_HANDLE: u32 = 42;
/// The model the test device reports in its DeviceInfo.
pub const MODEL: &str = "mio-test-camera";

/// What the test device saw, shared with the test.
#[derive(Debug, Default)]
pub struct Stats {
    /// Every operation code the device was asked, in order.
    pub operations: Vec<OperationCode>,
    /// Bytes received in the last SendObject.
    pub received: u64,
    /// Whether every received byte matched the pattern.
    pub received_ok: bool,
    /// The last ObjectInfo received.
    pub object_info: Option<ObjectInfo>,
    /// Transactions cancelled by the initiator.
    pub cancelled: u32,
}

/// A small camera: objects are the pattern, of the size given as parameter 1.
#[derive(Debug)]
pub struct TestDevice {
    pub reject: bool,
    pub stats: Arc<Mutex<Stats>>,
    info_bytes: Vec<u8>,
    props: Vec<(u16, Vec<u8>)>,
    events: VecDeque<DeviceEvent>,
}

impl TestDevice {
    pub fn new(reject: bool, stats: Arc<Mutex<Stats>>) -> Self {
        Self {
            reject,
            stats,
            info_bytes: Vec::new(),
            props: Vec::new(),
            events: VecDeque::new(),
        }
    }
}

/// The DeviceInfo the test device reports.
pub fn device_info() -> DeviceInfo {
    DeviceInfo {
        standard_version: 100,
        manufacturer: PtpString::new("ptpip").unwrap(),
        model: PtpString::new(MODEL).unwrap(),
        device_version: PtpString::new("1.0").unwrap(),
        serial_number: PtpString::new("0001").unwrap(),
        operations_supported: vec![OperationCode::GET_DEVICE_INFO, OperationCode::GET_OBJECT],
        ..DeviceInfo::default()
    }
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
        self.stats.lock().unwrap().operations.push(r.code);
        match r.code {
            OperationCode::GET_DEVICE_INFO => Reply::Data {
                source: Box::new(Bytes::from(device_info().to_bytes())),
                response: Response::OK,
            },
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
            OperationCode::SET_DEVICE_PROP_VALUE => {
                self.props
                    .push((r.params.get(1).unwrap_or(0) as u16, Vec::new()));
                Reply::ReceiveData
            }
            OperationCode::SEND_OBJECT_INFO => {
                self.info_bytes.clear();
                Reply::ReceiveData
            }
            OperationCode::SEND_OBJECT => {
                let mut s = self.stats.lock().unwrap();
                s.received = 0;
                s.received_ok = true;
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
            OperationCode::INITIATE_OPEN_CAPTURE => Reply::Respond(Response::OK),
            _ => Reply::Respond(Response::code(ResponseCode::OPERATION_NOT_SUPPORTED)),
        }
    }

    fn data_out(&mut self, r: &Request, piece: &[u8]) {
        match r.code {
            OperationCode::SET_DEVICE_PROP_VALUE => {
                if let Some((_, v)) = self.props.last_mut() {
                    v.extend_from_slice(piece);
                }
            }
            OperationCode::SEND_OBJECT_INFO => self.info_bytes.extend_from_slice(piece),
            _ => {
                let mut s = self.stats.lock().unwrap();
                let start = s.received;
                s.received_ok &= is_pattern(start, piece);
                s.received += piece.len() as u64;
            }
        }
    }

    fn data_out_done(&mut self, r: &Request, _len: u64) -> Response {
        if r.code == OperationCode::SEND_OBJECT_INFO {
            let info = ObjectInfo::decode(&self.info_bytes).ok();
            self.stats.lock().unwrap().object_info = info;
            return Response::with_params(ResponseCode::OK, &[0x0001_0001, 0, NEW_HANDLE]);
        }
        Response::OK
    }

    fn poll_event(&mut self) -> Option<DeviceEvent> {
        self.events.pop_front()
    }

    fn cancelled(&mut self, _r: &Request) {
        self.stats.lock().unwrap().cancelled += 1;
    }
}

/// Whether `piece` is the test pattern ([`PatternSource`]) starting at `start`.
pub fn is_pattern(start: u64, piece: &[u8]) -> bool {
    piece
        .iter()
        .enumerate()
        .all(|(k, &b)| b == PatternSource::byte_at(start + k as u64))
}

/// A sink that checks the pattern and counts bytes, keeping nothing.
#[derive(Debug, Default)]
pub struct PatternSink {
    pub received: u64,
    pub ok: bool,
    pub total: Option<u64>,
    pub pieces: u64,
}

impl PatternSink {
    pub fn new() -> Self {
        Self {
            ok: true,
            ..Self::default()
        }
    }
}

impl Write for PatternSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.ok &= is_pattern(self.received, buf);
        self.received += buf.len() as u64;
        self.pieces += 1;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl DataSink for PatternSink {
    fn piece(&mut self, offset: u64, total: Option<u64>, data: &[u8]) -> io::Result<()> {
        assert_eq!(offset, self.received, "pieces arrive in order");
        self.total = total;
        self.write(data).map(drop)
    }
}

/// `len` bytes of the pattern, as a reader.
#[derive(Debug)]
pub struct PatternReader {
    offset: u64,
    len: u64,
}

impl PatternReader {
    pub const fn new(len: u64) -> Self {
        Self { offset: 0, len }
    }
}

impl Read for PatternReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (self.len - self.offset).min(buf.len() as u64) as usize;
        for (k, b) in buf[..n].iter_mut().enumerate() {
            *b = PatternSource::byte_at(self.offset + k as u64);
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// A running mio server with the test device.
pub struct Server {
    pub handle: ServerHandle,
    pub stats: Arc<Mutex<Stats>>,
}

/// Serves the test device on 127.0.0.1 (OS-picked ports; for Fujifilm a second listener for the
/// event port).
pub fn start_server(dialect: Dialect, reject: bool) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let event_listener = match dialect {
        Dialect::Fuji => Some(TcpListener::bind("127.0.0.1:0").unwrap()),
        Dialect::Generic => None,
    };
    let config = ResponderConfig::new(Guid([2; 16]), name("camera"), dialect);
    let stats = Arc::new(Mutex::new(Stats::default()));
    let shared = stats.clone();
    let handle = serve(listener, event_listener, config, move || {
        TestDevice::new(reject, shared.clone())
    })
    .unwrap();
    Server { handle, stats }
}

pub fn name(s: &str) -> FriendlyName {
    FriendlyName::new(s).unwrap()
}

/// A client configuration for `server`, with timeouts short enough for tests.
pub fn config_for(server: &ServerHandle, dialect: Dialect) -> ClientConfig {
    let command = server.local_addr().port();
    let event = server.event_addr().map_or(command, |a| a.port());
    config_at(command, event, dialect)
}

/// A client configuration for 127.0.0.1 with these ports.
pub fn config_at(command: u16, event: u16, dialect: Dialect) -> ClientConfig {
    let mut c = ClientConfig::new("127.0.0.1", dialect);
    c.ports = Ports {
        command,
        event,
        stream: 0,
    };
    c.initiator.init_timeout = Duration::from_secs(5);
    c.initiator.response_timeout = Duration::from_secs(10);
    c.initiator.close_timeout = Duration::from_secs(5);
    c
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Reads one PTP/IP packet.
pub fn read_packet(s: &mut TcpStream) -> io::Result<Packet<'static>> {
    let mut header = [0u8; 8];
    s.read_exact(&mut header)?;
    let len = u32::from_le_bytes(header[..4].try_into().unwrap()) as usize;
    if !(8..=1 << 20).contains(&len) {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "bad length"));
    }
    let mut all = header.to_vec();
    all.resize(len, 0);
    s.read_exact(&mut all[8..])?;
    Packet::decode(&all, Dialect::Generic)
        .map(Packet::into_owned)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
}

pub fn write_packet(s: &mut TcpStream, p: &Packet<'_>) -> io::Result<()> {
    s.write_all(&p.to_bytes())
}

/// Answers a generic initiator's handshake on `listener` with our encoders: Init_Command_Ack,
/// Init_Event_Ack, and OK to OpenSession. Returns the command and event connections.
pub fn handshake(listener: &TcpListener) -> io::Result<(TcpStream, TcpStream)> {
    let (mut command, _) = listener.accept()?;
    let Packet::InitCommandRequest(_) = read_packet(&mut command)? else {
        return Err(io::Error::other("expected Init_Command_Request"));
    };
    let ack = InitCommandAck {
        connection_number: ConnectionNumber(1),
        guid: Guid([9; 16]),
        friendly_name: name("raw"),
        version: Some(ProtocolVersion::V1_0),
        layout: InitAckLayout::Standard,
    };
    write_packet(&mut command, &Packet::InitCommandAck(ack))?;
    let (mut event, _) = listener.accept()?;
    let Packet::InitEventRequest(_) = read_packet(&mut event)? else {
        return Err(io::Error::other("expected Init_Event_Request"));
    };
    write_packet(&mut event, &Packet::InitEventAck(InitEventAck::new()))?;
    let Packet::OperationRequest(open) = read_packet(&mut command)? else {
        return Err(io::Error::other("expected OpenSession"));
    };
    respond(&mut command, &open, ResponseCode::OK)?;
    Ok((command, event))
}

/// Sends an Operation_Response to `request`.
pub fn respond(
    s: &mut TcpStream,
    request: &ptpip_protocol::packet::OperationRequest,
    code: ResponseCode,
) -> io::Result<()> {
    let r = OperationResponse {
        code,
        transaction_id: request.transaction_id,
        params: Params::new(),
    };
    write_packet(s, &Packet::OperationResponse(r))
}

/// Reads until the peer closes (or an error): a server that stays silent but keeps the
/// connection open.
pub fn drain(s: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
}

/// Runs `behaviour` on a listener of its own thread; returns the listener's address.
pub fn raw_server(
    behaviour: impl FnOnce(TcpListener) -> io::Result<()> + Send + 'static,
) -> (SocketAddr, JoinHandle<io::Result<()>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let t = thread::spawn(move || behaviour(listener));
    (addr, t)
}
