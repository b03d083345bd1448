//! Session flow around the cameras: queued operations, events during data, keep-alive, timeouts
//! and graceful close, in both dialects.

use std::time::Duration;

use bytes::Bytes;

use super::{Pair, Split, op};
use crate::Encode;
use crate::camera::{FujiCamera, VirtualCamera, sample};
use crate::error::Error;
use crate::initiator::{DeviceEvent, Event, OperationFailure};
use crate::packet::Dialect;
use crate::ptp::codes::{EventCode, ObjectFormatCode, OperationCode as Op, ResponseCode};
use crate::ptp::dataset::ObjectInfo;
use crate::ptp::string::PtpString;
use crate::responder::{Device, Reply, Request, ResponderEvent, Response};
use crate::timer::Timer;
use crate::types::{Params, TransactionId};

#[test]
fn queued_operations_run_in_order_with_an_event_in_between() {
    let mut p = Pair::connected(Dialect::Generic, VirtualCamera::sample(), Split::Pieces(17));
    let tids: Vec<TransactionId> = [3, 4, 5]
        .into_iter()
        .map(|h| {
            p.ini
                .execute(p.now, op(Op::GET_OBJECT, &[h]).collect(1 << 20))
                .unwrap()
        })
        .collect();
    let event = DeviceEvent {
        code: EventCode::STORE_FULL,
        transaction: TransactionId(0),
        params: Params::from_slice(&[0x0001_0001]).unwrap(),
    };
    p.resp.device_mut().push_event(event);
    p.pump();
    for (n, tid) in (1..=3).zip(tids) {
        let c = p.finish(tid).unwrap();
        assert_eq!(c.data.unwrap(), sample::sample_image(n));
    }
    assert_eq!(p.device_events(), [event]);
}

#[test]
fn keep_alive_probes_are_answered() {
    let mut p = Pair::with(
        Dialect::Generic,
        VirtualCamera::sample(),
        Split::Whole,
        |ic, _| {
            ic.keep_alive = Some(Duration::from_secs(10));
        },
    );
    p.pump();
    assert!(p.ini.is_ready());
    for _ in 0..3 {
        p.advance(Duration::from_secs(10));
        assert!(
            p.take(|e| matches!(e, Event::ProbeAnswered)).is_some(),
            "{:?}",
            p.events
        );
    }
    assert!(p.ini.is_ready(), "still connected after the probes");
}

/// A data-out operation sent without its data phase: the responder waits for the data (it does
/// not act on DataPhaseInfo, which some initiators leave at 1), so only the initiator's response
/// timer ends it.
#[test]
fn a_data_out_operation_without_data_times_out() {
    let mut p = Pair::connected(Dialect::Generic, VirtualCamera::sample(), Split::Whole);
    let timeout = p.ini.config().response_timeout;
    let tid = p
        .ini
        .execute(p.now, op(Op::SET_DEVICE_PROP_VALUE, &[0x5005]))
        .unwrap();
    p.pump();
    assert_eq!(p.ini.current_transaction(), Some(tid), "still waiting");
    p.advance(timeout);
    assert_eq!(
        p.take(|e| matches!(e, Event::ConnectionLost { .. })),
        Some(Event::ConnectionLost {
            reason: Error::TimedOut(Timer::Response)
        })
    );
}

#[test]
fn graceful_close_generic() {
    let mut p = Pair::connected(Dialect::Generic, VirtualCamera::sample(), Split::Pieces(3));
    p.ini.close(p.now);
    p.pump();
    assert_eq!(p.events, [Event::Closed]);
    assert!(p.resp_events.contains(&ResponderEvent::SessionClosed));
    assert_eq!(p.resp.session(), None);
}

#[test]
fn graceful_close_fuji_sends_the_terminator() {
    let mut p = Pair::connected(Dialect::Fuji, FujiCamera::new(), Split::Pieces(3));
    p.ini.close(p.now);
    p.pump();
    assert_eq!(p.events, [Event::Closed]);
    assert!(
        p.resp_events
            .ends_with(&[ResponderEvent::SessionClosed, ResponderEvent::Closed])
    );
    assert!(p.resp.is_closed());
}

/// A camera with one card holding a 10 MiB generated object, handle 1.
fn big_object() -> VirtualCamera {
    let mut cam = VirtualCamera::new();
    let card = cam.add_storage("SD", 1 << 30).unwrap();
    let content = crate::camera::ObjectContent::Pattern(10 << 20);
    cam.add_object(card, "BIG.BIN", ObjectFormatCode::UNDEFINED, content)
        .unwrap();
    cam
}

#[test]
fn cancel_during_get_object_then_carry_on() {
    let mut p = Pair::with(Dialect::Generic, big_object(), Split::Whole, |_, rc| {
        rc.max_data_packet = 1000;
        rc.send_window = 4000;
    });
    p.pump();
    assert!(p.ini.is_ready());
    let tid = p
        .ini
        .execute(p.now, op(Op::GET_OBJECT, &[1]).stream())
        .unwrap();
    p.deliver_requests();
    assert_eq!(p.deliver_replies(3), 3, "Start_Data and the first pieces");
    p.collect_events();
    p.ini.cancel(p.now, tid).unwrap();
    p.pump();
    match p.finish(tid) {
        Err(Event::OperationFailed { error, .. }) => {
            assert_eq!(
                error,
                OperationFailure::Cancelled(ResponseCode::TRANSACTION_CANCELLED)
            );
        }
        other => panic!("not cancelled: {other:?}"),
    }
    assert!(
        p.bytes_in < 100_000,
        "the data stopped early: {} bytes",
        p.bytes_in
    );
    assert!(p.ini.is_ready());
    // The session carries on.
    let (code, data) = p.fetch(Op::GET_PARTIAL_OBJECT, &[1, 1000, 10]);
    assert_eq!(code, ResponseCode::OK);
    assert_eq!(data.len(), 10);
}

#[test]
fn send_object_through_the_send_window() {
    let mut p = Pair::with(
        Dialect::Generic,
        VirtualCamera::sample(),
        Split::Pieces(29),
        |ic, _| {
            ic.send_window = 4096;
            ic.max_data_packet = 1024;
        },
    );
    p.pump();
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    let info = ObjectInfo {
        object_format: ObjectFormatCode::UNDEFINED,
        object_compressed_size: data.len() as u32,
        filename: PtpString::new("WINDOW.BIN").unwrap(),
        ..ObjectInfo::default()
    };
    let (code, params) = p.send(Op::SEND_OBJECT_INFO, &[0, 0], info.to_bytes());
    assert_eq!(code, ResponseCode::OK);
    let tid = p
        .ini
        .execute(p.now, op(Op::SEND_OBJECT, &[]).send_len(data.len() as u64))
        .unwrap();
    let (mut offset, mut windows) = (0, 0);
    while offset < data.len() {
        p.pump();
        assert!(
            p.take(
                |e| matches!(e, Event::SendWindowAvailable { transaction } if *transaction == tid)
            )
            .is_some(),
            "stalled at {offset}"
        );
        windows += 1;
        loop {
            let n = p.ini.send_data(p.now, tid, &data[offset..]).unwrap();
            offset += n;
            if n == 0 || offset == data.len() {
                break;
            }
        }
    }
    p.pump();
    assert_eq!(p.finish(tid).unwrap().response, ResponseCode::OK);
    assert!(windows > 10, "the window was used: {windows} rounds");
    let (_, back) = p.fetch(Op::GET_OBJECT, &[params[2]]);
    assert_eq!(back, data);
}

#[test]
fn cancel_during_send_object_keeps_the_announcement() {
    let mut p = Pair::connected(Dialect::Generic, VirtualCamera::sample(), Split::Pieces(5));
    let info = ObjectInfo {
        object_format: ObjectFormatCode::TEXT,
        object_compressed_size: 5000,
        filename: PtpString::new("C.TXT").unwrap(),
        ..ObjectInfo::default()
    };
    let (code, params) = p.send(Op::SEND_OBJECT_INFO, &[0, 0], info.to_bytes());
    assert_eq!(code, ResponseCode::OK);
    let tid = p
        .ini
        .execute(p.now, op(Op::SEND_OBJECT, &[]).send_len(5000))
        .unwrap();
    p.pump();
    assert_eq!(p.ini.send_data(p.now, tid, &[7; 1200]), Ok(1200));
    p.pump();
    p.ini.cancel(p.now, tid).unwrap();
    p.pump();
    assert!(matches!(
        p.finish(tid),
        Err(Event::OperationFailed {
            error: OperationFailure::Cancelled(ResponseCode::TRANSACTION_CANCELLED),
            ..
        })
    ));
    assert_eq!(
        p.fetch(Op::GET_OBJECT_INFO, &[params[2]]).0,
        ResponseCode::INVALID_OBJECT_HANDLE
    );
    // Sent again in full, the object is stored.
    assert_eq!(
        p.send(Op::SEND_OBJECT, &[], vec![9u8; 5000]).0,
        ResponseCode::OK
    );
    assert_eq!(p.fetch(Op::GET_OBJECT, &[params[2]]).1, vec![9u8; 5000]);
}

/// A Fujifilm camera that refuses SetDevicePropValue of 0xD001 at once, before its data, as a
/// generic device may (the generic responder keeps such a response until the data has come).
struct RefusesSets(FujiCamera);

impl Device for RefusesSets {
    fn operation(&mut self, request: &Request) -> Reply {
        if request.code == Op::SET_DEVICE_PROP_VALUE && request.params.get(1) == Some(0xD001) {
            return Reply::Respond(Response::code(ResponseCode::ACCESS_DENIED));
        }
        self.0.operation(request)
    }

    fn data_out(&mut self, request: &Request, piece: &[u8]) {
        self.0.data_out(request, piece);
    }

    fn data_out_done(&mut self, request: &Request, len: u64) -> Response {
        self.0.data_out_done(request, len)
    }
}

/// Fujifilm containers do not say whether data follows a command, so the responder sends an
/// immediate response at once, and the data container that follows fails the connection (and
/// the queued response is dropped with it).
#[test]
fn fuji_immediate_refusal_of_a_data_out_operation() {
    let mut p = Pair::connected(Dialect::Fuji, RefusesSets(FujiCamera::new()), Split::Whole);
    let set = op(Op::SET_DEVICE_PROP_VALUE, &[0xD001]).send(Bytes::from_static(&[1, 0]));
    let c = p.try_run(set).expect("a response");
    assert_eq!(c.response, ResponseCode::ACCESS_DENIED);
    assert_eq!(
        p.fetch(Op::GET_DEVICE_INFO, &[]).0,
        ResponseCode::OK,
        "the session goes on"
    );
}
