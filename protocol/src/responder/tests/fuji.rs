//! The Fujifilm init window: the 82-byte Init_Command_Request sent twice (gphoto2's Fujifilm
//! driver), and a probe, before the first container.

use super::{INITIATOR, Out, Raw, name};
use crate::Encode;
use crate::channel::Channel;
use crate::fuji::Container;
use crate::packet::{Dialect, InitCommandRequest, Packet, PacketType};
use crate::ptp::codes::{OperationCode as Op, ResponseCode};
use crate::responder::{ResponderEvent, ViolationKind, ViolationOutcome, ViolationPacket};
use crate::types::{Params, TransactionId};

pub(super) fn fuji_init() -> Vec<u8> {
    let bytes =
        Packet::InitCommandRequest(InitCommandRequest::fuji(INITIATOR, name("gphoto2"))).to_bytes();
    assert_eq!(bytes.len(), 82);
    bytes
}

fn command(code: Op, tid: u32, params: &[u32]) -> Vec<u8> {
    Container::Command {
        code,
        transaction_id: TransactionId(tid),
        params: Params::from_slice(params).unwrap(),
    }
    .to_bytes()
}

fn acks(out: &[(Channel, Out)]) -> usize {
    out.iter()
        .filter(|(_, o)| matches!(o, Out::Packet(Packet::InitCommandAck(_))))
        .count()
}

/// The bytes gphoto2 sends: two init requests, then (after both acks) OpenSession with id 0.
#[test]
fn a_repeated_init_request_is_acknowledged_again() {
    for bytewise in [false, true] {
        let mut r = Raw::new(Dialect::Fuji, |_| {});
        r.resp.handle_connected(r.now, Channel::Event);
        let mut bytes = fuji_init();
        bytes.extend(fuji_init());
        if bytewise {
            r.send_bytewise(Channel::Command, &bytes);
        } else {
            r.send(Channel::Command, &bytes);
        }
        let out = r.take_all();
        assert_eq!(acks(&out), 2, "{out:?}");
        r.containers_from_now();
        // OpenSession in the same read as nothing else: the window closes at the container.
        r.send(Channel::Command, &command(Op::OPEN_SESSION, 0, &[1]));
        assert_eq!(r.responses(), [(0, ResponseCode::OK)]);
        r.send(Channel::Command, &command(Op::GET_DEVICE_INFO, 1, &[]));
        let out = r.take_all();
        assert!(
            matches!(out.last(), Some((_, Out::Container(Container::Response { code, .. }))) if *code == ResponseCode::OK),
            "{out:?}"
        );
        let events: Vec<ResponderEvent> = std::iter::from_fn(|| r.resp.poll_event()).collect();
        let connected = events
            .iter()
            .filter(|e| matches!(e, ResponderEvent::InitiatorConnected { .. }))
            .count();
        assert_eq!(connected, 1, "one initiator: {events:?}");
        let violations: Vec<_> = events
            .into_iter()
            .filter_map(|e| match e {
                ResponderEvent::Violation(v) => Some(v),
                _ => None,
            })
            .collect();
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(
            violations[0].kind,
            ViolationKind::InitCommandRequestRepeated
        );
        assert_eq!(violations[0].outcome, ViolationOutcome::Tolerated);
        assert_eq!(
            violations[0].packet,
            ViolationPacket::PtpIp(PacketType::INIT_COMMAND_REQUEST)
        );
    }
}

/// The second request and the first container in one read: each is read in its own framing.
#[test]
fn the_repeat_and_the_first_container_in_one_read() {
    let mut r = Raw::new(Dialect::Fuji, |_| {});
    r.send(Channel::Command, &fuji_init());
    let mut bytes = fuji_init();
    bytes.extend(Packet::ProbeRequest.to_bytes());
    r.send(Channel::Command, &bytes);
    let out = r.take_all();
    assert_eq!(acks(&out), 2, "{out:?}");
    assert!(
        out.iter()
            .any(|(_, o)| matches!(o, Out::Packet(Packet::ProbeResponse)))
    );
    // A probe split over two reads, the first container in the second read.
    let mut bytes = Packet::ProbeRequest.to_bytes();
    let head: Vec<u8> = bytes.drain(..5).collect();
    r.send(Channel::Command, &head);
    bytes.extend(command(Op::OPEN_SESSION, 1, &[1]));
    r.send(Channel::Command, &bytes);
    let probe = r.take_one().unwrap();
    assert!(
        matches!(probe[..], [(_, Out::Packet(Packet::ProbeResponse))]),
        "{probe:?}"
    );
    r.containers_from_now();
    assert_eq!(r.responses(), [(1, ResponseCode::OK)]);
    // After the first container, an init request is no longer expected: it is a breach.
    r.send(Channel::Command, &fuji_init());
    assert!(r.resp.is_closed());
}
