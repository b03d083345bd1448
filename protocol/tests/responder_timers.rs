//! The Responder's deadlines with a real Initiator on the other side, in virtual time: a
//! half-open connection is closed at the init deadline, a stalled data-out phase fails at its
//! deadline.

mod common;

use std::time::Duration;

use common::{Pair, name};
use ptpip_protocol::initiator::{Event, InitiatorConfig, Operation};
use ptpip_protocol::responder::{
    Device, Reply, Request, ResponderConfig, ResponderEvent, Response, ViolationKind,
};
use ptpip_protocol::{Dialect, Error, Guid, Initiator, OperationCode, ResponseCode, Timer};

/// Takes any data-out phase and answers everything else OK.
#[derive(Default)]
struct Sink {
    received: u64,
    cancelled: u32,
}

impl Device for Sink {
    fn operation(&mut self, r: &Request) -> Reply {
        match r.code {
            OperationCode::SEND_OBJECT => Reply::ReceiveData,
            _ => Reply::Respond(Response::OK),
        }
    }

    fn data_out(&mut self, _: &Request, piece: &[u8]) {
        self.received += piece.len() as u64;
    }

    fn data_out_done(&mut self, _: &Request, _: u64) -> Response {
        Response::OK
    }

    fn cancelled(&mut self, _: &Request) {
        self.cancelled += 1;
    }
}

fn pair(tweak: impl FnOnce(&mut InitiatorConfig, &mut ResponderConfig)) -> Pair<Sink> {
    let now = std::time::Instant::now();
    let mut ic = InitiatorConfig::new(Guid([0x11; 16]), name("tester"), Dialect::Generic);
    let mut rc = ResponderConfig::new(Guid([0x22; 16]), name("camera"), Dialect::Generic);
    tweak(&mut ic, &mut rc);
    Pair::with(Initiator::new(ic, now), rc, Sink::default(), 7, now)
}

#[test]
fn a_command_connection_that_never_sends_init_event_request_is_closed_at_its_deadline() {
    let mut p = pair(|ic, rc| {
        ic.init_timeout = Duration::from_secs(60);
        rc.init_timeout = Duration::from_secs(4);
    });
    let start = p.now;
    // The event connection's bytes never arrive.
    p.up[1].blackhole = true;
    p.drive_until(10_000, |p| p.resp.is_closed());
    assert_eq!(
        p.now,
        start + Duration::from_secs(4),
        "closed at its deadline"
    );
    assert!(
        p.resp_events
            .iter()
            .any(|e| matches!(e, ResponderEvent::InitiatorConnected { .. })),
        "{:?}",
        p.resp_events
    );
    assert_eq!(
        p.resp_events.last(),
        Some(&ResponderEvent::ConnectionLost {
            reason: Error::TimedOut(Timer::Init)
        })
    );
    assert!(!p.ini.is_ready());
}

#[test]
fn a_stalled_data_out_phase_fails_at_its_deadline() {
    let mut p = pair(|ic, rc| {
        ic.response_timeout = Duration::from_secs(60);
        rc.data_timeout = Duration::from_secs(3);
    });
    p.connect();
    // Announce 10 000 bytes, send 1 000, then stop.
    let op = Operation::new(OperationCode::SEND_OBJECT, &[]).unwrap();
    let tid = p.ini.execute(p.now, op.send_len(10_000)).unwrap();
    p.step();
    let now = p.now;
    assert_eq!(p.ini.send_data(now, tid, &[9; 1000]).unwrap(), 1000);
    p.drive_until(1_000, |p| p.resp.device().received == 1000);
    let last_data = p.now;
    p.drive_until(10_000, |p| {
        p.has_event(|e| match e {
            Event::OperationComplete(c) => c.transaction == tid,
            Event::OperationFailed { transaction, .. } => *transaction == tid,
            _ => false,
        })
    });
    assert_eq!(
        p.now,
        last_data + Duration::from_secs(3),
        "failed at its deadline"
    );
    let end = p
        .events
        .iter()
        .find_map(|e| match e {
            Event::OperationComplete(c) if c.transaction == tid => Some(c.response),
            Event::OperationFailed { transaction, .. } if *transaction == tid => {
                panic!("{e:?}")
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(end, ResponseCode::INCOMPLETE_TRANSFER);
    assert_eq!(p.resp.device().cancelled, 1);
    assert!(p.resp_events.iter().any(|e| matches!(
        e,
        ResponderEvent::Violation(v) if matches!(
            v.kind,
            ViolationKind::DataOutStalled { received: 1000, announced: Some(10_000) }
        )
    )));
    assert!(!p.resp.is_closed(), "the session carries on");
}
