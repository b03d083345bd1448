//! The responder's deadlines in virtual time: the init handshake, a stalled data-out phase, the
//! think time and keep-alive probes.

use crate::encode::Encode;
use std::time::Duration;

use super::{Out, Raw, init_request};
use crate::channel::Channel;
use crate::error::Error;
use crate::packet::{DataPacket, Dialect, Packet, StartData};
use crate::ptp::codes::{OperationCode as Op, ResponseCode};
use crate::responder::{ResponderEvent, ViolationKind, ViolationOutcome, ViolationPacket};
use crate::timer::Timer;
use crate::types::TransactionId;

const MS: Duration = Duration::from_millis(1);

/// The `ConnectionLost` reasons reported so far (other events dropped).
fn lost(r: &mut Raw) -> Vec<Error> {
    std::iter::from_fn(|| r.resp.poll_event())
        .filter_map(|e| match e {
            ResponderEvent::ConnectionLost { reason } => Some(reason),
            _ => None,
        })
        .collect()
}

#[test]
fn a_command_connection_without_init_event_request_is_closed_at_its_deadline() {
    let mut r = Raw::new(Dialect::Generic, |c| {
        c.init_timeout = Duration::from_secs(2)
    });
    let start = r.now;
    r.send(Channel::Command, &init_request());
    assert!(matches!(
        r.take_all()[..],
        [(Channel::Command, Out::Packet(Packet::InitCommandAck(_)))]
    ));
    assert_eq!(r.resp.poll_timeout(), Some(start + Duration::from_secs(2)));
    r.advance(Duration::from_secs(2) - MS);
    assert!(!r.resp.is_closed(), "closed before the deadline");
    assert!(lost(&mut r).is_empty());
    r.advance(MS);
    assert!(r.resp.is_closed());
    assert_eq!(lost(&mut r), [Error::TimedOut(Timer::Init)]);
    assert_eq!(r.resp.poll_timeout(), None, "nothing is left to wait for");
    assert!(
        r.take_all().is_empty(),
        "nothing goes out after the failure"
    );
    // Reported once: a late Init_Event_Request changes nothing.
    r.send(
        Channel::Event,
        &Packet::InitEventRequest(crate::packet::InitEventRequest::new(
            crate::types::ConnectionNumber(1),
        ))
        .to_bytes(),
    );
    assert!(lost(&mut r).is_empty());
    assert!(r.take_all().is_empty());
}

#[test]
fn the_init_deadline_starts_with_the_first_call_and_ends_with_the_handshake() {
    let mut r = Raw::new(Dialect::Generic, |c| {
        c.init_timeout = Duration::from_secs(3)
    });
    assert_eq!(r.resp.poll_timeout(), None, "no time given yet");
    let start = r.now;
    r.resp.handle_connected(start, Channel::Command);
    assert_eq!(r.resp.poll_timeout(), Some(start + Duration::from_secs(3)));
    // Input does not move it on.
    r.now += Duration::from_secs(1);
    r.init_generic();
    assert_eq!(r.resp.poll_timeout(), None, "the handshake is complete");
    r.advance(Duration::from_secs(10));
    assert!(!r.resp.is_closed());
}

#[test]
fn a_connection_that_sends_nothing_is_closed_at_the_init_deadline() {
    let mut r = Raw::new(Dialect::Generic, |c| {
        c.init_timeout = Duration::from_secs(1)
    });
    r.resp.handle_connected(r.now, Channel::Command);
    r.advance(Duration::from_secs(1));
    assert_eq!(lost(&mut r), [Error::TimedOut(Timer::Init)]);
}

/// Start_Data announcing `total` and one Data packet of `len` bytes for transaction 1.
fn part_of_the_data(r: &mut Raw, total: u64, len: usize) {
    let tid = TransactionId(1);
    let start = StartData {
        transaction_id: tid,
        total_length: total,
    };
    r.send(Channel::Command, &Packet::StartData(start).to_bytes());
    let data = Packet::Data(DataPacket {
        transaction_id: tid,
        payload: vec![5; len].into(),
    });
    r.send(Channel::Command, &data.to_bytes());
}

#[test]
fn a_stalled_data_out_phase_fails_at_its_deadline_and_the_session_carries_on() {
    let mut r = Raw::new(Dialect::Generic, |c| {
        c.data_timeout = Duration::from_secs(5)
    });
    r.init_generic();
    r.open_session();
    r.request(Op::SEND_OBJECT, 1, &[], true);
    part_of_the_data(&mut r, 1000, 100);
    // Data that moves pushes the deadline on.
    r.advance(Duration::from_secs(4));
    r.send(
        Channel::Command,
        &Packet::Data(DataPacket {
            transaction_id: TransactionId(1),
            payload: vec![5; 100].into(),
        })
        .to_bytes(),
    );
    let last_input = r.now;
    assert_eq!(
        r.resp.poll_timeout(),
        Some(last_input + Duration::from_secs(5))
    );
    r.advance(Duration::from_secs(5) - MS);
    assert!(r.responses().is_empty(), "answered before the deadline");
    r.advance(MS);
    assert_eq!(r.responses(), [(1, ResponseCode::INCOMPLETE_TRANSFER)]);
    assert_eq!(r.resp.device().cancelled, 1);
    let v = r.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(
        v[0].kind,
        ViolationKind::DataOutStalled {
            received: 200,
            announced: Some(1000)
        }
    );
    assert_eq!(v[0].packet, ViolationPacket::Silence);
    assert_eq!(
        v[0].outcome,
        ViolationOutcome::Refused(ResponseCode::INCOMPLETE_TRANSFER)
    );
    assert_eq!(r.resp.poll_timeout(), None);
    // The rest of the data, if it ever comes, is dropped quietly; the session goes on.
    let end = Packet::EndData(DataPacket {
        transaction_id: TransactionId(1),
        payload: vec![5; 800].into(),
    });
    r.send(Channel::Command, &end.to_bytes());
    assert_eq!(r.resp.device().data_out, 200);
    r.request(Op::DELETE_OBJECT, 2, &[5], false);
    assert_eq!(r.responses(), [(2, ResponseCode::OK)]);
    assert!(r.violations().is_empty());
}

#[test]
fn a_data_out_phase_that_never_starts_fails_too() {
    let mut r = Raw::new(Dialect::Generic, |c| {
        c.data_timeout = Duration::from_secs(5)
    });
    r.init_generic();
    r.open_session();
    r.request(Op::SEND_OBJECT, 1, &[], true);
    // Probes on the event channel are no progress of the data.
    r.advance(Duration::from_secs(3));
    r.send(Channel::Event, &Packet::ProbeRequest.to_bytes());
    r.advance(Duration::from_secs(2));
    let out = r.responses();
    assert_eq!(out, [(1, ResponseCode::INCOMPLETE_TRANSFER)]);
    assert!(matches!(
        r.violations()[..],
        [crate::responder::Violation {
            kind: ViolationKind::DataOutStalled {
                received: 0,
                announced: None
            },
            ..
        }]
    ));
}

#[test]
fn a_think_time_hold_is_released_by_its_deadline() {
    let think = Duration::from_millis(7);
    let mut r = Raw::new(Dialect::Generic, |c| c.think = think);
    r.init_generic();
    r.request(Op::OPEN_SESSION, 0, &[1], false);
    assert_eq!(r.resp.poll_timeout(), Some(r.now + think));
    r.advance(think - MS);
    assert!(r.responses().is_empty());
    r.advance(MS);
    assert_eq!(r.responses(), [(0, ResponseCode::OK)]);
    assert_eq!(r.resp.poll_timeout(), None);
    // Released early by hand, the deadline goes away.
    r.request(Op::DELETE_OBJECT, 1, &[5], false);
    assert!(r.resp.poll_timeout().is_some());
    r.resp.release_reply(TransactionId(1));
    assert_eq!(r.resp.poll_timeout(), None);
    assert_eq!(r.responses(), [(1, ResponseCode::OK)]);
}

#[test]
fn keep_alive_probes_an_idle_initiator_and_drops_a_silent_one() {
    let every = Duration::from_secs(60);
    let mut r = Raw::new(Dialect::Generic, |c| {
        c.keep_alive = Some(every);
        c.probe_timeout = Duration::from_secs(5);
    });
    r.init_generic();
    assert_eq!(r.resp.poll_timeout(), Some(r.now + every));
    r.advance(every);
    assert_eq!(
        r.take_all(),
        [(Channel::Event, Out::Packet(Packet::ProbeRequest))]
    );
    // Answered: idle again until the next check.
    r.send(Channel::Event, &Packet::ProbeResponse.to_bytes());
    assert_eq!(r.resp.poll_timeout(), Some(r.now + every));
    // Input of any kind counts as a sign of life.
    r.advance(Duration::from_secs(30));
    r.open_session();
    assert_eq!(r.resp.poll_timeout(), Some(r.now + every));
    r.advance(every);
    assert_eq!(
        r.take_all(),
        [(Channel::Event, Out::Packet(Packet::ProbeRequest))]
    );
    r.advance(Duration::from_secs(5));
    assert_eq!(lost(&mut r), [Error::TimedOut(Timer::Probe)]);
    assert_eq!(r.resp.poll_timeout(), None);
}

#[test]
fn no_keep_alive_for_fujifilm_bodies() {
    let mut r = Raw::new(Dialect::Fuji, |c| {
        c.keep_alive = Some(Duration::from_secs(1))
    });
    r.resp.handle_connected(r.now, Channel::Event);
    r.send(Channel::Command, &super::fuji::fuji_init());
    let _ = r.take_all();
    assert_eq!(r.resp.poll_timeout(), None);
}

/// The deadline property over a busy session: after every `handle_timeout(t)` the next deadline
/// is later than `t` (`Raw::advance` asserts it), with every kind of deadline coming and going.
#[test]
fn after_handle_timeout_the_next_deadline_is_later() {
    let mut r = Raw::new(Dialect::Generic, |c| {
        c.think = Duration::from_millis(3);
        c.keep_alive = Some(Duration::from_millis(40));
        c.probe_timeout = Duration::from_millis(25);
        c.data_timeout = Duration::from_millis(20);
        c.init_timeout = Duration::from_millis(50);
    });
    r.resp.handle_connected(r.now, Channel::Command);
    r.advance(Duration::from_millis(7));
    r.init_generic();
    let (mut tid, mut stalled, mut answered, mut probes) = (0, 0, 0, 0);
    for step in 0..600u32 {
        if !r.resp.is_receiving_data() && !r.resp.wants_write(Channel::Command) && step % 5 == 0 {
            match tid {
                0 => r.request(Op::OPEN_SESSION, 0, &[1], false),
                _ if step % 3 == 0 => r.request(Op::SEND_OBJECT, tid, &[], true),
                _ => r.request(Op::DELETE_OBJECT, tid, &[5], false),
            }
            tid += 1;
        }
        // Spurious calls are harmless.
        r.resp.handle_timeout(r.now);
        assert!(r.resp.poll_timeout().is_none_or(|t| t > r.now));
        r.advance(Duration::from_millis(u64::from(step % 11)));
        for (channel, out) in r.take_all() {
            match out {
                Out::Packet(Packet::ProbeRequest) => {
                    probes += 1;
                    r.send(channel, &Packet::ProbeResponse.to_bytes());
                }
                Out::Packet(Packet::OperationResponse(p)) => {
                    if p.code == ResponseCode::INCOMPLETE_TRANSFER {
                        stalled += 1;
                    } else {
                        answered += 1;
                    }
                }
                _ => {}
            }
        }
        assert!(
            !r.resp.is_closed(),
            "closed at step {step}: {:?}",
            r.violations()
        );
    }
    assert!(
        stalled > 5 && answered > 5 && probes > 0,
        "{stalled} {answered} {probes}"
    );
}

/// Zero durations in the config still give deadlines after the time they were armed at.
#[test]
fn zero_durations_keep_the_deadline_property() {
    let mut r = Raw::new(Dialect::Generic, |c| {
        c.keep_alive = Some(Duration::ZERO);
        c.probe_timeout = Duration::ZERO;
        c.data_timeout = Duration::ZERO;
    });
    r.init_generic();
    r.open_session();
    // `advance` asserts the property after every handle_timeout.
    r.advance(MS);
    assert_eq!(
        r.take_all(),
        [(Channel::Event, Out::Packet(Packet::ProbeRequest))]
    );
    r.advance(MS);
    assert_eq!(lost(&mut r), [Error::TimedOut(Timer::Probe)]);
}
