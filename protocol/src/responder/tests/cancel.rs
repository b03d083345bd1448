//! Cancels at any moment of a data phase, on either channel, and the CancelTransaction event.

use super::{Out, Raw, data_bytes};
use crate::Encode;
use crate::channel::Channel;
use crate::packet::{DataPacket, EventPacket, Packet, StartData};
use crate::ptp::codes::{EventCode, OperationCode as Op, ResponseCode};
use crate::responder::DataInFraming;
use crate::types::{Params, TransactionId};

/// Size of the object in these tests: far more than the send window.
const OBJECT: u32 = 64 << 20;

/// Starts a GetObject of [`OBJECT`] bytes and takes `packets` transmits of it.
fn start_get_object(r: &mut Raw, tid: u32, packets: usize) -> u64 {
    r.request(Op::GET_OBJECT, tid, &[OBJECT], false);
    let mut out = Vec::new();
    for _ in 0..packets {
        out.extend(r.take_one().expect("data is flowing"));
    }
    assert!(r.resp.is_sending_data());
    data_bytes(&out).0
}

/// After a Cancel: the data bytes still sent and the response, which must come.
fn after_cancel(r: &mut Raw) -> (u64, Vec<(u32, ResponseCode)>) {
    let out = r.take_all();
    let responses = out
        .iter()
        .filter_map(|(_, o)| match o {
            Out::Packet(Packet::OperationResponse(p)) => Some((p.transaction_id.0, p.code)),
            _ => None,
        })
        .collect();
    (data_bytes(&out).0, responses)
}

#[test]
fn cancel_on_the_command_channel_stops_within_one_packet() {
    for framing in [DataInFraming::DataThenEnd, DataInFraming::EmptyEnd] {
        let mut r = Raw::generic_framed(framing);
        r.open_session();
        let before = start_get_object(&mut r, 1, 3);
        assert!(before > 0);
        r.cancel(Channel::Command, 1);
        let (more, responses) = after_cancel(&mut r);
        // At most the packet already framed may still go, nothing after it.
        assert!(
            more <= r.resp.config.max_data_packet as u64,
            "{framing:?}: {more} bytes after the cancel"
        );
        assert_eq!(responses, [(1, ResponseCode::TRANSACTION_CANCELLED)]);
        assert_eq!(r.resp.device().cancelled, 1);
        assert!(!r.resp.is_sending_data());
        // The session carries on.
        r.request(Op::GET_OBJECT, 2, &[1000], false);
        let out = r.take_all();
        assert_eq!(data_bytes(&out), (1000, true));
        assert!(r.violations().is_empty());
    }
}

/// With one End_Data carrying everything, the one packet is the whole object: it cannot stop
/// early (the stream would be out of step), so the data completes and the transaction with it.
#[test]
fn cancel_in_a_single_end_data_cannot_cut_the_packet() {
    let mut r = Raw::generic_framed(DataInFraming::SingleEnd);
    r.open_session();
    let len = 1 << 20;
    r.request(Op::GET_OBJECT, 1, &[len], false);
    let first = data_bytes(&r.take_one().unwrap()).0;
    r.cancel(Channel::Command, 1);
    let (more, responses) = after_cancel(&mut r);
    assert_eq!(first + more, u64::from(len));
    assert_eq!(responses, [(1, ResponseCode::OK)]);
    assert_eq!(r.resp.device().cancelled, 0);
}

#[test]
fn cancel_before_the_data_starts_sends_no_data() {
    let mut r = Raw::generic();
    r.open_session();
    r.request(Op::GET_OBJECT, 1, &[OBJECT], false);
    r.cancel(Channel::Command, 1);
    let out = r.take_all();
    assert!(
        !out.iter()
            .any(|(_, o)| matches!(o, Out::Packet(Packet::StartData(_)))),
        "{out:?}"
    );
    assert_eq!(data_bytes(&out).0, 0);
    assert_eq!(r.resp.device().cancelled, 1);
}

#[test]
fn cancel_transaction_event_cancels_and_keeps_the_session() {
    let mut r = Raw::generic();
    r.open_session();
    start_get_object(&mut r, 1, 2);
    let event = Packet::Event(EventPacket {
        code: EventCode::CANCEL_TRANSACTION,
        transaction_id: TransactionId(1),
        params: Params::new(),
    });
    r.send(Channel::Event, &event.to_bytes());
    let (more, responses) = after_cancel(&mut r);
    assert!(more <= r.resp.config.max_data_packet as u64, "{more}");
    assert_eq!(responses, [(1, ResponseCode::TRANSACTION_CANCELLED)]);
    assert!(r.resp.session().is_some());
    r.request(Op::DELETE_OBJECT, 2, &[], false);
    assert_eq!(r.responses(), [(2, ResponseCode::OK)]);
    assert!(r.violations().is_empty());
    // An event for no transaction in progress changes nothing.
    r.send(Channel::Event, &event.to_bytes());
    r.request(Op::DELETE_OBJECT, 3, &[], false);
    assert_eq!(r.responses(), [(3, ResponseCode::OK)]);
}

/// A data-out phase cancelled by the event: the data is dropped, and the transaction ends
/// cancelled when the data ends (no command-channel Cancel needed).
#[test]
fn cancel_transaction_event_during_data_out() {
    let mut r = Raw::generic();
    r.open_session();
    r.request(Op::SEND_OBJECT, 1, &[], true);
    let tid = TransactionId(1);
    let start = StartData {
        transaction_id: tid,
        total_length: 20,
    };
    r.send(Channel::Command, &Packet::StartData(start).to_bytes());
    let piece = |end| {
        let p = DataPacket {
            transaction_id: tid,
            payload: vec![3; 10].into(),
        };
        if end {
            Packet::EndData(p)
        } else {
            Packet::Data(p)
        }
        .to_bytes()
    };
    r.send(Channel::Command, &piece(false));
    let event = Packet::Event(EventPacket {
        code: EventCode::CANCEL_TRANSACTION,
        transaction_id: tid,
        params: Params::new(),
    });
    r.send(Channel::Event, &event.to_bytes());
    r.send(Channel::Command, &piece(true));
    assert_eq!(r.responses(), [(1, ResponseCode::TRANSACTION_CANCELLED)]);
    assert_eq!(
        r.resp.device().data_out,
        10,
        "only the data before the cancel"
    );
    assert_eq!(r.resp.device().cancelled, 1);
}
