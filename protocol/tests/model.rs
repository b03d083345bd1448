//! Model-based property test: random sequences of operations, cancels, ticks and faults run through
//! an Initiator ↔ Responder pair with random splits and delays, checked against a small reference
//! model of the session and transaction rules.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{Pair, idx};
use proptest::prelude::*;
use ptpip_protocol::initiator::{Event, Operation, OperationFailure};
use ptpip_protocol::responder::{Device, PatternSource, Reply, Request, Response};
use ptpip_protocol::{Channel, Dialect, Error, OperationCode, OperationError, ResponseCode};

/// The device: GetObject serves the pattern (size in parameter 1), SendObject checks it, anything
/// else is not supported.
#[derive(Default)]
struct ModelDevice {
    received: u64,
    received_ok: bool,
}

impl Device for ModelDevice {
    fn operation(&mut self, r: &Request) -> Reply {
        match r.code {
            OperationCode::GET_OBJECT => Reply::Data {
                source: Box::new(PatternSource::new(u64::from(r.params.get(1).unwrap_or(0)))),
                response: Response::OK,
            },
            OperationCode::SEND_OBJECT => {
                self.received = 0;
                self.received_ok = true;
                Reply::ReceiveData
            }
            _ => Reply::Respond(Response::code(ResponseCode::OPERATION_NOT_SUPPORTED)),
        }
    }

    fn data_out(&mut self, _r: &Request, piece: &[u8]) {
        let start = self.received;
        self.received_ok &= common::is_pattern(start, piece);
        self.received += piece.len() as u64;
    }

    fn data_out_done(&mut self, _r: &Request, _len: u64) -> Response {
        Response::OK
    }
}

#[derive(Clone, Debug)]
enum Action {
    GetObject {
        size: u32,
        collect: bool,
    },
    SendObject {
        size: u32,
    },
    Unsupported(u16),
    CancelledGet {
        size: u32,
    },
    Tick {
        ms: u32,
    },
    EventLatency {
        ms: u32,
    },
    Split(usize),
    /// A fault: the command connection drops.
    Drop,
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (0u32..300_000, any::<bool>()).prop_map(|(size, collect)| Action::GetObject { size, collect }),
        3 => (0u32..200_000).prop_map(|size| Action::SendObject { size }),
        2 => (0x9000u16..0x9100).prop_map(Action::Unsupported),
        2 => (100_000u32..2_000_000).prop_map(|size| Action::CancelledGet { size }),
        2 => (0u32..120_000).prop_map(|ms| Action::Tick { ms }),
        1 => (0u32..500).prop_map(|ms| Action::EventLatency { ms }),
        1 => (0usize..20).prop_map(Action::Split),
        1 => Just(Action::Drop),
    ]
}

/// What the model says the session is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ModelState {
    Ready,
    Lost,
}

fn outcome(p: &Pair<ModelDevice>, tid: ptpip_protocol::TransactionId) -> Option<&Event> {
    p.events.iter().find(|e| match e {
        Event::OperationComplete(c) => c.transaction == tid,
        Event::OperationFailed { transaction, .. } => *transaction == tid,
        Event::ConnectionLost { .. } => true,
        _ => false,
    })
}

fn run(seed: u64, actions: &[Action]) -> Result<(), TestCaseError> {
    let mut p = Pair::new(Dialect::Generic, ModelDevice::default(), seed);
    p.checker = Some(PatternSource::byte_at);
    p.connect();
    let mut model = ModelState::Ready;
    for a in actions {
        let before = p.data_bytes;
        match *a {
            Action::GetObject { size, .. } | Action::CancelledGet { size }
                if model == ModelState::Ready =>
            {
                let cancel = matches!(a, Action::CancelledGet { .. });
                let collect = matches!(a, Action::GetObject { collect: true, .. });
                let op = Operation::new(OperationCode::GET_OBJECT, &[size]).unwrap();
                let op = if collect && !cancel {
                    op.collect(1 << 20)
                } else {
                    op.stream()
                };
                let tid = p.ini.execute(p.now, op).unwrap();
                if cancel {
                    p.ini.cancel(p.now, tid).unwrap();
                }
                p.drive_until(1_000_000, |p| outcome(p, tid).is_some());
                match outcome(&p, tid).unwrap() {
                    Event::OperationComplete(c) => {
                        prop_assert!(!cancel);
                        prop_assert_eq!(c.response, ResponseCode::OK);
                        if collect {
                            let data = c.data.clone().unwrap();
                            prop_assert_eq!(data.len() as u32, size);
                            prop_assert!(
                                data.iter()
                                    .enumerate()
                                    .all(|(k, &b)| b == PatternSource::byte_at(k as u64))
                            );
                        } else {
                            prop_assert_eq!(p.data_bytes - before, u64::from(size));
                        }
                    }
                    Event::OperationFailed {
                        error: OperationFailure::Cancelled(_),
                        ..
                    } => {
                        prop_assert!(cancel);
                        prop_assert!(p.data_bytes - before <= u64::from(size));
                    }
                    other => prop_assert!(false, "unexpected outcome {:?}", other),
                }
                prop_assert!(p.data_ok);
            }
            Action::SendObject { size } if model == ModelState::Ready => {
                let data: Vec<u8> = (0..u64::from(size)).map(PatternSource::byte_at).collect();
                let op = Operation::new(OperationCode::SEND_OBJECT, &[])
                    .unwrap()
                    .send(Bytes::from(data));
                let tid = p.ini.execute(p.now, op).unwrap();
                p.drive_until(1_000_000, |p| outcome(p, tid).is_some());
                prop_assert!(
                    matches!(outcome(&p, tid), Some(Event::OperationComplete(c)) if c.response.is_ok())
                );
                prop_assert_eq!(p.resp.device().received, u64::from(size));
                prop_assert!(p.resp.device().received_ok);
            }
            Action::Unsupported(code) if model == ModelState::Ready => {
                let tid = p
                    .ini
                    .execute(
                        p.now,
                        Operation::new(OperationCode(code), &[1, 2, 3]).unwrap(),
                    )
                    .unwrap();
                p.drive_until(10_000, |p| outcome(p, tid).is_some());
                prop_assert!(matches!(
                    outcome(&p, tid),
                    Some(Event::OperationComplete(c)) if c.response == ResponseCode::OPERATION_NOT_SUPPORTED
                ));
            }
            Action::Tick { ms } => {
                let until = p.now + Duration::from_millis(u64::from(ms));
                p.drive_until(10_000, |p| p.now >= until || p.next_wakeup().is_none());
                p.now = p.now.max(until);
                p.ini.handle_timeout(p.now);
                if let Some(t) = p.ini.poll_timeout() {
                    prop_assert!(t > p.now);
                }
            }
            Action::EventLatency { ms } => {
                p.down[idx(Channel::Event)].latency = Duration::from_millis(u64::from(ms));
            }
            Action::Split(n) => p.split(n),
            Action::Drop => {
                p.ini.handle_eof(p.now, Channel::Command);
                p.step();
                if model == ModelState::Ready {
                    let expected = Event::ConnectionLost {
                        reason: Error::ChannelClosed(Channel::Command),
                    };
                    prop_assert!(p.events.contains(&expected));
                }
                model = ModelState::Lost;
            }
            // The session is gone: every command is refused and changes nothing.
            _ => {
                let r = p.ini.execute(
                    p.now,
                    Operation::new(OperationCode::GET_NUM_OBJECTS, &[]).unwrap(),
                );
                prop_assert_eq!(r, Err(OperationError::Closed));
                prop_assert!(p.ini.poll_transmit().is_none());
            }
        }
        prop_assert_eq!(p.ini.is_ready(), model == ModelState::Ready);
        let lost = p
            .events
            .iter()
            .filter(|e| matches!(e, Event::ConnectionLost { .. }))
            .count();
        prop_assert_eq!(lost, usize::from(model == ModelState::Lost));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_sessions_follow_the_model(seed in any::<u64>(), actions in prop::collection::vec(action(), 1..12)) {
        run(seed, &actions)?;
    }
}
