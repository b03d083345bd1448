//! Cameras that do not go along with everything: a Fujifilm body without remote mode still gets
//! a session; keep-alive checks by operation; probes are answered in any state. In memory, in
//! virtual time.

mod common;

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use common::Pair;
use ptpip_protocol::Encode;
use ptpip_protocol::initiator::{
    Event, Initiator, InitiatorConfig, KeepAliveMethod, Operation, RemoteModeUnavailable,
    SetupProblem,
};
use ptpip_protocol::ptp::codes::DevicePropCode;
use ptpip_protocol::responder::{Device, PatternSource, Reply, Request, Response};
use ptpip_protocol::{
    Channel, Dialect, Error, FriendlyName, Guid, OperationCode, Packet, ResponseCode, Timer,
};

/// Which Fujifilm set-up step the body balks at, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Balk {
    None,
    /// SetDevicePropValue 0xDF01 refused.
    InitSequence,
    /// GetDevicePropValue 0xDF24 refused.
    GetAppVersion,
    /// GetDevicePropValue 0xDF24 answered with no data.
    EmptyAppVersion,
    /// InitiateOpenCapture refused.
    OpenCapture,
}

/// A Fujifilm body (or a generic camera) that answers GetObjectHandles and GetDeviceInfo, and
/// records every operation it sees.
struct Body {
    balk: Balk,
    seen: Vec<(OperationCode, u32)>,
}

impl Body {
    fn new(balk: Balk) -> Self {
        Self {
            balk,
            seen: Vec::new(),
        }
    }

    fn saw(&self, code: OperationCode, param: u32) -> bool {
        self.seen.contains(&(code, param))
    }
}

const NOT_SUPPORTED: Response = Response::code(ResponseCode::DEVICE_PROP_NOT_SUPPORTED);

impl Device for Body {
    fn operation(&mut self, r: &Request) -> Reply {
        let p1 = r.params.get(1).unwrap_or(0);
        self.seen.push((r.code, p1));
        let init_sequence = u32::from(DevicePropCode::FUJI_INIT_SEQUENCE.0);
        let app_version = u32::from(DevicePropCode::FUJI_APP_VERSION.0);
        match (r.code, self.balk) {
            (OperationCode::SET_DEVICE_PROP_VALUE, Balk::InitSequence) if p1 == init_sequence => {
                Reply::Respond(NOT_SUPPORTED)
            }
            (OperationCode::SET_DEVICE_PROP_VALUE, _) => Reply::ReceiveData,
            (OperationCode::GET_DEVICE_PROP_VALUE, Balk::GetAppVersion) if p1 == app_version => {
                Reply::Respond(NOT_SUPPORTED)
            }
            (OperationCode::GET_DEVICE_PROP_VALUE, Balk::EmptyAppVersion) if p1 == app_version => {
                Reply::Respond(Response::OK)
            }
            (OperationCode::GET_DEVICE_PROP_VALUE, _) => Reply::Data {
                source: Box::new(Bytes::from_static(&[1, 0, 2, 0])),
                response: Response::OK,
            },
            (OperationCode::INITIATE_OPEN_CAPTURE, Balk::OpenCapture) => {
                Reply::Respond(Response::code(ResponseCode::OPERATION_NOT_SUPPORTED))
            }
            (OperationCode::INITIATE_OPEN_CAPTURE, _) => Reply::Respond(Response::OK),
            (OperationCode::GET_OBJECT_HANDLES, _) => Reply::Data {
                source: Box::new(Bytes::from_static(&[2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0])),
                response: Response::OK,
            },
            (OperationCode::GET_OBJECT, _) => Reply::Data {
                source: Box::new(PatternSource::new(100_000)),
                response: Response::OK,
            },
            (OperationCode::GET_DEVICE_INFO, _) => Reply::Data {
                source: Box::new(Bytes::from_static(&[0; 16])),
                response: Response::OK,
            },
            _ => Reply::Respond(Response::code(ResponseCode::OPERATION_NOT_SUPPORTED)),
        }
    }

    fn data_out(&mut self, _: &Request, _: &[u8]) {}

    fn data_out_done(&mut self, _: &Request, _: u64) -> Response {
        Response::OK
    }
}

fn op(code: OperationCode, params: &[u32]) -> Operation {
    Operation::new(code, params).unwrap()
}

fn unavailable(p: &Pair<Body>) -> Option<&RemoteModeUnavailable> {
    p.events.iter().find_map(|e| match e {
        Event::RemoteModeUnavailable(why) => Some(why),
        _ => None,
    })
}

/// Lists the card on a connected pair: GetObjectHandles completes with the two handles.
fn lists(p: &mut Pair<Body>) {
    let tid = p
        .ini
        .execute(
            p.now,
            op(OperationCode::GET_OBJECT_HANDLES, &[0xFFFF_FFFF]).collect(64),
        )
        .unwrap();
    p.drive_until(10_000, |p| {
        p.has_event(|e| matches!(e, Event::OperationComplete(c) if c.transaction == tid))
    });
    let done = p.events.iter().find_map(|e| match e {
        Event::OperationComplete(c) if c.transaction == tid => Some(c),
        _ => None,
    });
    let c = done.unwrap();
    assert!(c.response.is_ok());
    assert_eq!(c.data.as_deref().unwrap().len(), 12);
}

/// Downloads an object on a connected pair: all of it arrives, as sent.
fn downloads(p: &mut Pair<Body>) {
    p.checker = Some(PatternSource::byte_at);
    let before = p.data_bytes;
    let tid = p
        .ini
        .execute(p.now, op(OperationCode::GET_OBJECT, &[1]).stream())
        .unwrap();
    p.drive_until(100_000, |p| {
        p.has_event(|e| matches!(e, Event::OperationComplete(c) if c.transaction == tid))
    });
    assert_eq!(p.data_bytes - before, 100_000);
    assert!(p.data_ok);
}

#[test]
fn a_fuji_body_without_remote_mode_still_browses() {
    let app_version = u32::from(DevicePropCode::FUJI_APP_VERSION.0);
    let cases = [
        (
            Balk::InitSequence,
            "SetDevicePropValue 0xDF01",
            SetupProblem::Refused(ResponseCode::DEVICE_PROP_NOT_SUPPORTED),
        ),
        (
            Balk::GetAppVersion,
            "GetDevicePropValue 0xDF24",
            SetupProblem::Refused(ResponseCode::DEVICE_PROP_NOT_SUPPORTED),
        ),
        (
            Balk::EmptyAppVersion,
            "GetDevicePropValue 0xDF24",
            SetupProblem::EmptyValue,
        ),
        (
            Balk::OpenCapture,
            "InitiateOpenCapture",
            SetupProblem::Refused(ResponseCode::OPERATION_NOT_SUPPORTED),
        ),
    ];
    for (balk, step, problem) in cases {
        let mut p = Pair::new(Dialect::Fuji, Body::new(balk), 3);
        p.split(7);
        p.connect();
        let why = unavailable(&p).unwrap_or_else(|| panic!("{balk:?}: {:?}", p.events));
        assert_eq!((why.step, &why.problem), (step, &problem), "{balk:?}");
        assert_eq!(p.ini.remote_mode_unavailable(), Some(why));
        assert!(
            why.to_string()
                .starts_with("this camera did not enter remote mode: "),
            "{why}"
        );
        // Reported before Ready, once.
        let at = |f: fn(&Event) -> bool| p.events.iter().position(f).unwrap();
        assert!(at(|e| matches!(e, Event::RemoteModeUnavailable(_))) < at(|e| *e == Event::Ready));
        // No value read as zero is written back, and the steps after the balk are skipped.
        assert!(
            !p.resp
                .device()
                .saw(OperationCode::SET_DEVICE_PROP_VALUE, app_version)
                || balk == Balk::OpenCapture,
            "{balk:?}"
        );
        let opened = p.resp.device().saw(OperationCode::INITIATE_OPEN_CAPTURE, 0);
        assert_eq!(opened, balk == Balk::OpenCapture, "{balk:?}");
        lists(&mut p);
        downloads(&mut p);
    }
}

#[test]
fn a_fuji_body_in_remote_mode_reports_nothing_unavailable() {
    let mut p = Pair::new(Dialect::Fuji, Body::new(Balk::None), 4);
    p.connect();
    assert_eq!(unavailable(&p), None);
    assert_eq!(p.ini.remote_mode_unavailable(), None);
    lists(&mut p);
}

fn keep_alive_pair(dialect: Dialect, method: KeepAliveMethod) -> Pair<Body> {
    let now = std::time::Instant::now();
    let mut cfg = InitiatorConfig::new(
        Guid([0x11; 16]),
        FriendlyName::new("tester").unwrap(),
        dialect,
    );
    cfg.keep_alive = Some(Duration::from_secs(10));
    cfg.keep_alive_method = method;
    cfg.response_timeout = Duration::from_secs(3);
    let rc = ptpip_protocol::responder::ResponderConfig::new(
        Guid([0x22; 16]),
        FriendlyName::new("camera").unwrap(),
        dialect,
    );
    let mut p = Pair::with(Initiator::new(cfg, now), rc, Body::new(Balk::None), 9, now);
    p.connect();
    p
}

fn device_infos(p: &Pair<Body>) -> usize {
    p.resp
        .device()
        .seen
        .iter()
        .filter(|(c, _)| *c == OperationCode::GET_DEVICE_INFO)
        .count()
}

#[test]
fn keep_alive_by_operation_on_an_idle_session() {
    for (dialect, method) in [
        (Dialect::Generic, KeepAliveMethod::GetDeviceInfo),
        // Fujifilm bodies have no probes: the operation stands in.
        (Dialect::Fuji, KeepAliveMethod::Probe),
    ] {
        let mut p = keep_alive_pair(dialect, method);
        let start = p.now;
        // Three idle intervals: three GetDeviceInfo, each answered.
        p.drive_until(100_000, |p| {
            p.events
                .iter()
                .filter(|e| **e == Event::ProbeAnswered)
                .count()
                == 3
        });
        assert_eq!(device_infos(&p), 3, "{dialect:?}");
        assert!(p.now >= start + Duration::from_secs(30), "{dialect:?}");
        // Keep-alive operations are the initiator's own: none is reported as a completion.
        assert!(
            !p.has_event(|e| matches!(e, Event::OperationComplete(_))),
            "{dialect:?}"
        );
        // A user operation still gets its transaction after them.
        lists(&mut p);
        // A camera that stops answering is noticed by the keep-alive's response timer.
        p.down[0].blackhole = true;
        p.drive_until(100_000, |p| p.ini.is_closed());
        assert_eq!(
            p.ini.error(),
            Some(&Error::TimedOut(Timer::Response)),
            "{dialect:?}"
        );
    }
}

#[test]
fn keep_alive_by_probe_stays_on_the_event_channel() {
    let mut p = keep_alive_pair(Dialect::Generic, KeepAliveMethod::Probe);
    p.drive_until(100_000, |p| p.has_event(|e| *e == Event::ProbeAnswered));
    assert_eq!(device_infos(&p), 0);
}

/// A generic initiator with no responder: the test plays the camera by hand.
fn lone_initiator(now: std::time::Instant) -> Initiator {
    let name = FriendlyName::new("t").unwrap();
    Initiator::new(
        InitiatorConfig::new(Guid([1; 16]), name, Dialect::Generic),
        now,
    )
}

#[test]
fn a_probe_before_init_command_ack_is_answered_on_its_channel() {
    let now = std::time::Instant::now();
    let mut ini = lone_initiator(now);
    let request = ini.poll_transmit().unwrap();
    assert_eq!(request.channel, Channel::Command);
    // The camera probes while its user is still confirming the connection.
    for _ in 0..3 {
        ini.handle_input(
            now,
            Channel::Command,
            BytesMut::from(&Packet::ProbeRequest.to_bytes()[..]),
        )
        .unwrap();
        let t = ini.poll_transmit().unwrap();
        assert_eq!(t.channel, Channel::Command);
        assert_eq!(&t.payload[..], &Packet::ProbeResponse.to_bytes()[..]);
    }
    assert!(!ini.is_initialized());
    assert!(!ini.is_closed());
}

#[test]
fn a_peer_speaking_another_protocol_is_named() {
    use ptpip_protocol::error::sniff_foreign_protocol;
    assert_eq!(
        sniff_foreign_protocol(b"HTTP/1.1 400 Bad Request\r\n"),
        Some("an HTTP server")
    );
    assert_eq!(
        sniff_foreign_protocol(&[0x16, 3, 1, 0, 0x2a]),
        Some("a TLS server")
    );
    assert_eq!(
        sniff_foreign_protocol(b"SSH-2.0-OpenSSH_9.2"),
        Some("an SSH server")
    );
    // A real Init_Command_Ack and a probe are PTP/IP.
    assert_eq!(sniff_foreign_protocol(&[0x44, 0, 0, 0, 2, 0, 0, 0]), None);
    assert_eq!(
        sniff_foreign_protocol(&Packet::ProbeRequest.to_bytes()),
        None
    );
    assert_eq!(sniff_foreign_protocol(b""), None);

    // The initiator stops at the first bytes instead of reading "HTTP" as a length.
    let now = std::time::Instant::now();
    let mut ini = lone_initiator(now);
    let e = ini
        .handle_input(
            now,
            Channel::Command,
            BytesMut::from(&b"HTTP/1.0 200 OK\r\n"[..]),
        )
        .unwrap_err();
    assert_eq!(e, Error::NotPtpIp("an HTTP server"));
    assert!(matches!(
        ini.poll_event(),
        Some(Event::ConnectionLost { .. })
    ));
}
