//! The Go tool's bugs (`go-ptp-ip.md` §9) that live in the protocol layer, one test each,
//! showing ptpip does not have them. The CLI's are in `cli/tests/go_tool_bugs.rs`.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use ptpip_protocol::Encode;
use ptpip_protocol::camera::FujiCamera;
use ptpip_protocol::initiator::{Event, Initiator, InitiatorConfig, Operation};
use ptpip_protocol::packet::{OperationResponse, Packet};
use ptpip_protocol::ptp::codes::DevicePropCode;
use ptpip_protocol::responder::{Device, Reply, Request, ResponderConfig, Response};
use ptpip_protocol::{
    Channel, Deframer, DeframerConfig, Dialect, FriendlyName, Guid, OperationCode, Params,
    Responder, ResponseCode, TransactionId,
};

fn name(s: &str) -> FriendlyName {
    FriendlyName::new(s).unwrap()
}

/// A Fujifilm camera that notes the size of every SetDevicePropValue data phase.
struct Recording {
    inner: FujiCamera,
    sets: Vec<(u32, u64)>,
}

impl Device for Recording {
    fn operation(&mut self, r: &Request) -> Reply {
        self.inner.operation(r)
    }
    fn data_out(&mut self, r: &Request, piece: &[u8]) {
        self.inner.data_out(r, piece);
    }
    fn data_out_done(&mut self, r: &Request, len: u64) -> Response {
        self.sets.push((r.params.get(1).unwrap_or(0), len));
        self.inner.data_out_done(r, len)
    }
}

/// An initiator and a camera in memory; every transmit of the initiator is kept.
struct Wired<D: Device> {
    now: Instant,
    ini: Initiator,
    cam: Responder<D>,
    sent: Vec<(Channel, Bytes)>,
    events: Vec<Event>,
}

impl<D: Device> Wired<D> {
    fn new(dialect: Dialect, device: D) -> Self {
        let now = Instant::now();
        let ic = InitiatorConfig::new(Guid([1; 16]), name("me"), dialect);
        let rc = ResponderConfig::new(Guid([2; 16]), name("cam"), dialect);
        let mut w = Self {
            now,
            ini: Initiator::new(ic, now),
            cam: Responder::new(rc, device),
            sent: Vec::new(),
            events: Vec::new(),
        };
        w.pump();
        w
    }

    fn pump(&mut self) {
        for _ in 0..1000 {
            let mut moved = false;
            while let Some(t) = self.ini.poll_transmit() {
                moved = true;
                if t.channel == Channel::Event && t.payload.is_empty() {
                    self.cam.handle_connected(self.now, Channel::Event);
                }
                self.sent.push((t.channel, t.payload.clone()));
                let _ = self
                    .cam
                    .handle_input(self.now, t.channel, BytesMut::from(&t.payload[..]));
            }
            while let Some(t) = self.cam.poll_transmit() {
                moved = true;
                let _ = self
                    .ini
                    .handle_input(self.now, t.channel, BytesMut::from(&t.payload[..]));
            }
            self.events
                .extend(std::iter::from_fn(|| self.ini.poll_event()));
            if !moved {
                return;
            }
        }
        panic!("still moving");
    }
}

/// §9.3: "The Probe packets are never answered. Sending a zero-payload packet returns before
/// Flush(), so nothing is written." The initiator answers a probe with the 8-byte
/// Probe_Response, at any time.
#[test]
fn a_probe_from_the_camera_is_answered_with_eight_bytes() {
    let now = Instant::now();
    let mut ini = Initiator::new(
        InitiatorConfig::new(Guid([1; 16]), name("me"), Dialect::Generic),
        now,
    );
    while ini.poll_transmit().is_some() {}
    let probe = BytesMut::from(&Packet::ProbeRequest.to_bytes()[..]);
    ini.handle_input(now, Channel::Event, probe).unwrap();
    let t = ini.poll_transmit().expect("an answer");
    assert_eq!(t.channel, Channel::Event);
    assert_eq!(&t.payload[..], &Packet::ProbeResponse.to_bytes()[..]);
    assert_eq!(
        t.payload.len(),
        8,
        "a packet with no payload is still written"
    );
}

/// §9.4: "Fuji SetDevicePropValue sends a 4-byte value plus 16 padding bytes, not a payload
/// sized to the datatype." A UINT16 goes as 2 bytes, a UINT32 as 4, in the set-up and after.
#[test]
fn fuji_values_are_sent_sized_by_their_type() {
    let mut w = Wired::new(
        Dialect::Fuji,
        Recording {
            inner: FujiCamera::new(),
            sets: Vec::new(),
        },
    );
    assert!(w.ini.is_ready(), "{:?}", w.events);
    let film = u32::from(DevicePropCode::FUJI_FILM_SIMULATION.0);
    let op = Operation::new(OperationCode::SET_DEVICE_PROP_VALUE, &[film])
        .unwrap()
        .send(Bytes::from_static(&[11, 0]));
    w.ini.execute(w.now, op).unwrap();
    w.pump();
    // 0xDF01 (UINT16), 0xDF24 (UINT32), then the film simulation (UINT16).
    assert_eq!(w.cam.device().sets, [(0xDF01, 2), (0xDF24, 4), (film, 2)]);
    // On the wire: a 12-byte container header and the 2 value bytes, nothing more.
    let data: Vec<&Bytes> = w
        .sent
        .iter()
        .filter(|(_, b)| b.len() >= 8 && b[4..6] == [2, 0] && b[6..8] == [0x16, 0x10])
        .map(|(_, b)| b)
        .collect();
    assert_eq!(data.last().unwrap().len(), 14);
}

/// §9.6: "the length field is trusted (`make([]byte, len-4)` panics when len < 4; there is no
/// upper bound)". Lengths below the header and above the limit are errors, nothing is
/// allocated for them, and the error sticks.
#[test]
fn lengths_are_checked_before_anything_is_allocated() {
    for len in [0u32, 2, 7, 0xFFFF_FFFF] {
        let mut d = Deframer::new(DeframerConfig::default());
        let mut bytes = len.to_le_bytes().to_vec();
        bytes.extend_from_slice(&[7, 0, 0, 0]);
        d.extend_from_slice(&bytes);
        assert!(d.next_frame().is_err(), "length {len}");
        assert!(d.buffered_len() <= 8, "nothing reserved for length {len}");
        assert!(d.next_frame().is_err(), "the error sticks");
    }
}

/// §9.6: "`panic` when a packet has no subscriber". A response for a transaction nobody runs
/// ends the session with an error: no panic, reported once.
#[test]
fn a_response_nobody_asked_for_is_an_error_not_a_panic() {
    let mut w = Wired::new(
        Dialect::Generic,
        ptpip_protocol::camera::VirtualCamera::sample(),
    );
    assert!(w.ini.is_ready());
    let stray = Packet::OperationResponse(OperationResponse {
        code: ResponseCode::OK,
        transaction_id: TransactionId(99),
        params: Params::new(),
    });
    let r = w.ini.handle_input(
        w.now,
        Channel::Command,
        BytesMut::from(&stray.to_bytes()[..]),
    );
    assert!(r.is_err());
    let lost: Vec<Event> = std::iter::from_fn(|| w.ini.poll_event()).collect();
    assert_eq!(
        lost.iter()
            .filter(|e| matches!(e, Event::ConnectionLost { .. }))
            .count(),
        1
    );
}

/// §9.10: "There is no CloseSession or graceful disconnect, so the camera keeps the client
/// bound." Closing sends CloseSession, then the Fujifilm terminator `08 00 00 00 ff ff ff ff`.
#[test]
fn closing_sends_close_session_then_the_terminator() {
    let mut w = Wired::new(Dialect::Fuji, FujiCamera::new());
    assert!(w.ini.is_ready());
    let before = w.sent.len();
    w.ini.close(w.now + Duration::from_millis(1));
    w.pump();
    let after: Vec<&Bytes> = w.sent[before..].iter().map(|(_, b)| b).collect();
    assert_eq!(after.len(), 2, "{after:?}");
    // A command container (type 1) for CloseSession (0x1003).
    assert_eq!(&after[0][4..8], &[1, 0, 0x03, 0x10]);
    assert_eq!(&after[1][..], &[8, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
    assert!(w.events.contains(&Event::Closed));
}
