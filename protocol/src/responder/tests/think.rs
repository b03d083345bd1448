//! The think time: every reply held until the driver releases it, probes and cancels handled
//! meanwhile.

use std::time::Duration;

use super::{Out, Raw, data_bytes};
use crate::channel::Channel;
use crate::packet::{Dialect, Packet};
use crate::ptp::codes::{OperationCode as Op, ResponseCode};
use crate::responder::ResponderEvent;
use crate::types::TransactionId;

const THINK: Duration = Duration::from_millis(5);

/// A generic responder with a think time, past the init handshake and OpenSession.
fn thinking() -> Raw {
    let mut r = Raw::new(Dialect::Generic, |c| c.think = THINK);
    r.init_generic();
    r.request(Op::OPEN_SESSION, 0, &[1], false);
    assert!(r.take_all().is_empty(), "OpenSession thinks too");
    assert_eq!(delayed(&mut r), [0]);
    r.resp.release_reply(TransactionId(0));
    assert_eq!(r.responses(), [(0, ResponseCode::OK)]);
    r
}

/// The transactions reported as held since the last call, each with the configured delay.
fn delayed(r: &mut Raw) -> Vec<u32> {
    std::iter::from_fn(|| r.resp.poll_event())
        .filter_map(|e| match e {
            ResponderEvent::ReplyDelayed { transaction, delay } => {
                assert_eq!(delay, THINK);
                Some(transaction.0)
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_response_waits_for_its_release() {
    let mut r = thinking();
    r.request(Op::DELETE_OBJECT, 1, &[5], false);
    assert!(r.take_all().is_empty());
    assert!(!r.resp.wants_write(Channel::Command));
    assert_eq!(delayed(&mut r), [1]);
    // Another transaction's release changes nothing.
    r.resp.release_reply(TransactionId(9));
    assert!(r.take_all().is_empty());
    r.resp.release_reply(TransactionId(1));
    assert!(r.resp.wants_write(Channel::Command));
    assert_eq!(r.responses(), [(1, ResponseCode::OK)]);
    assert!(r.violations().is_empty());
}

#[test]
fn a_data_in_phase_starts_after_the_release_and_probes_are_answered_meanwhile() {
    let mut r = thinking();
    r.request(Op::GET_OBJECT, 1, &[300_000], false);
    assert!(!r.resp.is_sending_data());
    r.send(Channel::Command, &Packet::ProbeRequest.to_bytes());
    r.send(Channel::Event, &Packet::ProbeRequest.to_bytes());
    let out = r.take_all();
    assert_eq!(
        out,
        [
            (Channel::Command, Out::Packet(Packet::ProbeResponse)),
            (Channel::Event, Out::Packet(Packet::ProbeResponse)),
        ]
    );
    assert_eq!(delayed(&mut r), [1]);
    r.resp.release_reply(TransactionId(1));
    assert!(r.resp.is_sending_data());
    let out = r.take_all();
    assert_eq!(data_bytes(&out), (300_000, true));
    assert!(matches!(
        out.last(),
        Some((_, Out::Packet(Packet::OperationResponse(p)))) if p.code == ResponseCode::OK
    ));
}

#[test]
fn a_data_out_phase_thinks_after_its_data() {
    let mut r = thinking();
    r.request(Op::SEND_OBJECT, 1, &[], true);
    assert!(delayed(&mut r).is_empty(), "the data is taken at once");
    r.data_out(1, 1000);
    assert_eq!(r.resp.device().data_out, 1000);
    assert!(r.take_all().is_empty());
    assert_eq!(delayed(&mut r), [1]);
    r.resp.release_reply(TransactionId(1));
    assert_eq!(r.responses(), [(1, ResponseCode::OK)]);
}

#[test]
fn a_cancel_while_thinking_ends_the_data_phase_before_it_starts() {
    let mut r = thinking();
    r.request(Op::GET_OBJECT, 1, &[300_000], false);
    r.cancel(Channel::Command, 1);
    assert!(r.take_all().is_empty(), "still thinking");
    r.resp.release_reply(TransactionId(1));
    let out = r.take_all();
    assert_eq!(data_bytes(&out).0, 0);
    assert_eq!(r.resp.device().cancelled, 1);
    assert!(matches!(
        out[..],
        [(_, Out::Packet(Packet::OperationResponse(p)))]
            if p.code == ResponseCode::TRANSACTION_CANCELLED
    ));
    // The session carries on, still thinking.
    r.request(Op::DELETE_OBJECT, 2, &[5], false);
    assert_eq!(delayed(&mut r), [1, 2]);
    r.resp.release_reply(TransactionId(2));
    assert_eq!(r.responses(), [(2, ResponseCode::OK)]);
}

#[test]
fn without_a_think_time_nothing_is_held() {
    let mut r = Raw::generic();
    r.open_session();
    r.request(Op::DELETE_OBJECT, 1, &[5], false);
    assert_eq!(r.responses(), [(1, ResponseCode::OK)]);
    assert!(
        std::iter::from_fn(|| r.resp.poll_event())
            .all(|e| !matches!(e, ResponderEvent::ReplyDelayed { .. }))
    );
}
