//! Probe_Request answered on either channel, in any state.

use super::{Out, Raw, data_bytes, init_request};
use crate::Encode;
use crate::channel::Channel;
use crate::packet::{Dialect, InitEventRequest, Packet};
use crate::ptp::codes::{OperationCode as Op, ResponseCode};
use crate::responder::DataInFraming;
use crate::types::ConnectionNumber;

fn probe() -> Vec<u8> {
    Packet::ProbeRequest.to_bytes()
}

fn is_probe_response((_, o): &(Channel, Out)) -> bool {
    matches!(o, Out::Packet(Packet::ProbeResponse))
}

#[test]
fn probes_before_and_during_the_init_handshake() {
    let mut r = Raw::new(Dialect::Generic, |_| {});
    r.send(Channel::Command, &probe());
    assert_eq!(
        r.take_all(),
        [(Channel::Command, Out::Packet(Packet::ProbeResponse))]
    );
    r.send(Channel::Command, &init_request());
    // Between the two init requests, on both channels.
    r.send(Channel::Command, &probe());
    r.send(Channel::Event, &probe());
    r.send(
        Channel::Event,
        &Packet::InitEventRequest(InitEventRequest::new(ConnectionNumber(1))).to_bytes(),
    );
    let out = r.take_all();
    let probes: Vec<Channel> = out
        .iter()
        .filter(|o| is_probe_response(o))
        .map(|(c, _)| *c)
        .collect();
    assert_eq!(probes, [Channel::Command, Channel::Event], "{out:?}");
    assert!(
        out.iter()
            .any(|(_, o)| matches!(o, Out::Packet(Packet::InitEventAck(_))))
    );
    r.open_session();
    assert!(r.violations().is_empty());
}

/// A probe in the middle of a data-in phase is answered between two packets, in every framing,
/// and the data stays whole.
#[test]
fn probes_during_a_data_in_phase() {
    for framing in [
        DataInFraming::DataThenEnd,
        DataInFraming::SingleEnd,
        DataInFraming::EmptyEnd,
    ] {
        let mut r = Raw::generic_framed(framing);
        r.open_session();
        let len = 300_000;
        r.request(Op::GET_OBJECT, 1, &[len], false);
        let mut out = r.take_one().unwrap();
        r.send(Channel::Command, &probe());
        r.send(Channel::Event, &probe());
        // The event channel's answer does not wait for the data.
        let next = r.take_one().unwrap();
        assert_eq!(
            next,
            [(Channel::Event, Out::Packet(Packet::ProbeResponse))],
            "{framing:?}"
        );
        out.extend(next);
        out.extend(r.take_all());
        assert_eq!(data_bytes(&out), (u64::from(len), true), "{framing:?}");
        let answered: Vec<Channel> = out
            .iter()
            .filter(|o| is_probe_response(o))
            .map(|(c, _)| *c)
            .collect();
        assert_eq!(answered.len(), 2, "{framing:?}: {out:?}");
        assert!(answered.contains(&Channel::Command) && answered.contains(&Channel::Event));
        assert_eq!(r.responses(), []);
        let response = out
            .iter()
            .filter(|(_, o)| matches!(o, Out::Packet(Packet::OperationResponse(_))))
            .count();
        assert_eq!(response, 1);
    }
}

#[test]
fn probes_during_a_data_out_phase() {
    let mut r = Raw::generic();
    r.open_session();
    r.request(Op::SEND_OBJECT, 1, &[], true);
    r.send(Channel::Command, &probe());
    r.data_out(1, 100);
    let out = r.take_all();
    assert!(is_probe_response(&out[0]), "{out:?}");
    assert_eq!(r.resp.device().data_out, 100);
    assert!(matches!(
        out[1],
        (_, Out::Packet(Packet::OperationResponse(ref p))) if p.code == ResponseCode::OK
    ));
}
