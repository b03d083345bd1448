//! [`Tracker`]: follows one transaction through the [`Event`]s of an
//! [`Initiator`](crate::Initiator), the one implementation both drivers use.
//!
//! Sans-IO like the rest of the core: the driver hands it the events it reads off the state
//! machine, one at a time, and does what the returned [`Step`] says (send more data, cancel, end
//! the call). The tracker writes the transaction's data into a [`DataSink`] and nothing else.

use crate::TransactionId;
use crate::error::OperationError;
use crate::initiator::{Completion, Event};

use super::{ClientError, DataSink, interrupted};

/// What an event meant for the tracked transaction, and what the driver does next.
///
/// Exhaustive on purpose: a new step would be something every driver must do, so a driver's
/// `match` should stop compiling rather than let it fall into a catch-all.
#[derive(Debug)]
pub enum Step {
    /// Progress (data streamed into the sink, or nothing to do): keep feeding events.
    Pending,
    /// The data-out phase may take more data: send it
    /// ([`Initiator::send_data`](crate::Initiator::send_data)).
    SendWindow,
    /// The transaction ended: its completion (whatever the response code), or why it failed
    /// (the operation failed, the connection was lost or the session closed).
    Done(Result<Completion, ClientError>),
    /// The sink failed: the call ends with this error, and the driver cancels the transaction
    /// ([`Initiator::cancel`](crate::Initiator::cancel)) so that the camera stops sending. The tracker has no state machine
    /// to cancel it itself; the drivers cancel and return the error at once, without waiting for
    /// the camera's answer.
    Cancel(ClientError),
    /// The event is not about this transaction ([`Tracker::concerns`] is false); it is handed
    /// back (a device event, a tapped packet, another transaction's leftovers).
    Other(Event),
}

/// Follows one transaction: streams its data into a [`DataSink`] and says when it is done.
///
/// Feed it the state machine's events ([`Initiator::poll_event`](crate::Initiator::poll_event),
/// or a driver's own queue of them) until it returns [`Step::Done`] or [`Step::Cancel`]; events
/// of other transactions and device events come back as [`Step::Other`]. The end of the session
/// ([`Event::ConnectionLost`], [`Event::Closed`]) ends every transaction.
pub struct Tracker<'s> {
    tid: TransactionId,
    /// The data phase's announced length, once it started.
    total: Option<u64>,
    sink: &'s mut dyn DataSink,
    /// The call was interrupted ([`interrupt`](Tracker::interrupt)).
    interrupted: bool,
}

impl std::fmt::Debug for Tracker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracker")
            .field("tid", &self.tid)
            .field("total", &self.total)
            .field("interrupted", &self.interrupted)
            .finish_non_exhaustive()
    }
}

impl<'s> Tracker<'s> {
    /// Follows `tid`, streaming its data into `sink`.
    pub fn new(tid: TransactionId, sink: &'s mut dyn DataSink) -> Self {
        Self {
            tid,
            total: None,
            sink,
            interrupted: false,
        }
    }

    /// The call was interrupted (Ctrl-C) and the driver has sent a Cancel: from here on no more
    /// data reaches the sink, and the transaction's end, a completion or a failure alike, is
    /// [`Step::Done`] with the [`interrupted`] error. The end of the session still ends it with
    /// its own error.
    pub const fn interrupt(&mut self) {
        self.interrupted = true;
    }

    /// The transaction followed.
    #[must_use]
    pub const fn transaction(&self) -> TransactionId {
        self.tid
    }

    /// Whether `event` belongs to the transaction followed, or ends every transaction (the
    /// connection lost, the session closed): exactly the events for which
    /// [`on_event`](Self::on_event) returns something other than [`Step::Other`]. A driver that
    /// queues events picks the ones to hand over with it.
    #[must_use]
    pub fn concerns(&self, event: &Event) -> bool {
        let tid = self.tid;
        match event {
            Event::DataStarted { transaction, .. }
            | Event::DataChunk { transaction, .. }
            | Event::DataFinished { transaction, .. }
            | Event::SendWindowAvailable { transaction }
            | Event::OperationFailed { transaction, .. } => *transaction == tid,
            Event::OperationComplete(c) => c.transaction == tid,
            Event::ConnectionLost { .. } | Event::Closed => true,
            _ => false,
        }
    }

    /// Takes one event and says what it meant.
    pub fn on_event(&mut self, event: Event) -> Step {
        if !self.concerns(&event) {
            return Step::Other(event);
        }
        match event {
            // Interrupted: no more data is written, and the end is not a success.
            Event::DataChunk { .. } if self.interrupted => Step::Pending,
            Event::OperationComplete(_) | Event::OperationFailed { .. } if self.interrupted => {
                Step::Done(Err(interrupted()))
            }
            Event::DataStarted { total_len, .. } => {
                self.total = total_len;
                Step::Pending
            }
            Event::DataChunk { offset, data, .. } => {
                match self.sink.piece(offset, self.total, &data) {
                    Ok(()) => Step::Pending,
                    Err(e) => Step::Cancel(e.into()),
                }
            }
            Event::SendWindowAvailable { .. } => Step::SendWindow,
            Event::OperationComplete(c) => Step::Done(Ok(c)),
            Event::OperationFailed { error, .. } => Step::Done(Err(error.into())),
            Event::ConnectionLost { reason } => Step::Done(Err(reason.into())),
            Event::Closed => Step::Done(Err(OperationError::Closed.into())),
            // DataFinished: the completion follows.
            _ => Step::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use bytes::Bytes;

    use super::*;
    use crate::initiator::{DeviceEvent, OperationFailure};
    use crate::ptp::codes::{EventCode, OperationCode, ResponseCode};
    use crate::{Channel, Error, Params, Timer};

    const TID: TransactionId = TransactionId::FIRST;
    const OTHER: TransactionId = TransactionId::OPEN_SESSION;

    /// A sink that keeps what it is given, and fails once it holds more than `room` bytes.
    #[derive(Default)]
    struct Keep {
        pieces: Vec<(u64, Option<u64>, Vec<u8>)>,
        room: Option<usize>,
    }

    impl DataSink for Keep {
        fn piece(&mut self, offset: u64, total: Option<u64>, data: &[u8]) -> io::Result<()> {
            let held: usize = self.pieces.iter().map(|p| p.2.len()).sum();
            if self.room.is_some_and(|room| held + data.len() > room) {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            self.pieces.push((offset, total, data.to_vec()));
            Ok(())
        }
    }

    fn complete(transaction: TransactionId) -> Event {
        Event::OperationComplete(Completion {
            transaction,
            operation: OperationCode::GET_OBJECT,
            response: ResponseCode::OK,
            params: Params::new(),
            data: None,
        })
    }

    fn chunk(transaction: TransactionId, offset: u64, data: &'static [u8]) -> Event {
        Event::DataChunk {
            transaction,
            offset,
            data: Bytes::from_static(data),
        }
    }

    #[test]
    fn streams_the_data_into_the_sink_then_completes() {
        let mut sink = Keep::default();
        let mut t = Tracker::new(TID, &mut sink);
        assert_eq!(t.transaction(), TID);
        let started = Event::DataStarted {
            transaction: TID,
            total_len: Some(5),
        };
        assert!(matches!(t.on_event(started), Step::Pending));
        assert!(matches!(t.on_event(chunk(TID, 0, b"abc")), Step::Pending));
        assert!(matches!(t.on_event(chunk(TID, 3, b"de")), Step::Pending));
        let finished = Event::DataFinished {
            transaction: TID,
            len: 5,
        };
        assert!(matches!(t.on_event(finished), Step::Pending));
        match t.on_event(complete(TID)) {
            Step::Done(Ok(c)) => {
                assert_eq!(c.transaction, TID);
                assert_eq!(c.response, ResponseCode::OK);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            sink.pieces,
            [(0, Some(5), b"abc".to_vec()), (3, Some(5), b"de".to_vec())]
        );
    }

    #[test]
    fn a_data_phase_of_unknown_length_reaches_the_sink_without_a_total() {
        let mut sink = Keep::default();
        let mut t = Tracker::new(TID, &mut sink);
        let started = Event::DataStarted {
            transaction: TID,
            total_len: None,
        };
        assert!(matches!(t.on_event(started), Step::Pending));
        assert!(matches!(t.on_event(chunk(TID, 0, b"x")), Step::Pending));
        assert_eq!(sink.pieces, [(0, None, b"x".to_vec())]);
    }

    #[test]
    fn the_send_window_is_handed_to_the_driver() {
        let mut sink = Keep::default();
        let mut t = Tracker::new(TID, &mut sink);
        let window = Event::SendWindowAvailable { transaction: TID };
        assert!(matches!(t.on_event(window), Step::SendWindow));
        let theirs = Event::SendWindowAvailable { transaction: OTHER };
        assert!(!t.concerns(&theirs));
        assert!(matches!(
            t.on_event(theirs),
            Step::Other(Event::SendWindowAvailable { transaction: OTHER })
        ));
    }

    #[test]
    fn a_response_other_than_ok_is_still_a_completion() {
        let mut none = NoSinkHere;
        let mut t = Tracker::new(TID, &mut none);
        let mut event = complete(TID);
        if let Event::OperationComplete(c) = &mut event {
            c.response = ResponseCode::ACCESS_DENIED;
        }
        assert!(matches!(
            t.on_event(event),
            Step::Done(Ok(Completion {
                response: ResponseCode::ACCESS_DENIED,
                ..
            }))
        ));
    }

    #[test]
    fn a_failed_operation_ends_with_its_failure() {
        let mut none = NoSinkHere;
        let mut t = Tracker::new(TID, &mut none);
        let failed = Event::OperationFailed {
            transaction: TID,
            operation: OperationCode::GET_OBJECT,
            error: OperationFailure::Cancelled(ResponseCode::TRANSACTION_CANCELLED),
        };
        assert!(matches!(
            t.on_event(failed),
            Step::Done(Err(ClientError::Failed(OperationFailure::Cancelled(_))))
        ));
    }

    #[test]
    fn a_sink_error_asks_for_a_cancel() {
        let mut sink = Keep {
            room: Some(4),
            ..Keep::default()
        };
        let mut t = Tracker::new(TID, &mut sink);
        assert!(matches!(t.on_event(chunk(TID, 0, b"abc")), Step::Pending));
        match t.on_event(chunk(TID, 3, b"de")) {
            Step::Cancel(ClientError::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::StorageFull),
            other => panic!("{other:?}"),
        }
        assert_eq!(sink.pieces, [(0, None, b"abc".to_vec())]);
    }

    #[test]
    fn other_transactions_and_device_events_are_handed_back() {
        let mut sink = Keep::default();
        let mut t = Tracker::new(TID, &mut sink);
        let device = Event::DeviceEvent(DeviceEvent {
            code: EventCode::OBJECT_ADDED,
            transaction: TID,
            params: Params::new(),
        });
        let tapped = Event::PacketReceived {
            channel: Channel::Command,
            total_len: 12,
            bytes: Bytes::from_static(&[0; 12]),
        };
        let theirs = [
            Event::DataStarted {
                transaction: OTHER,
                total_len: Some(3),
            },
            chunk(OTHER, 0, b"abc"),
            Event::DataFinished {
                transaction: OTHER,
                len: 3,
            },
            complete(OTHER),
            Event::OperationFailed {
                transaction: OTHER,
                operation: OperationCode::GET_OBJECT,
                error: OperationFailure::Closed,
            },
            device,
            tapped,
            Event::ProbeAnswered,
            Event::Ready,
        ];
        for event in theirs {
            assert!(!t.concerns(&event), "{event:?}");
            match t.on_event(event.clone()) {
                Step::Other(back) => assert_eq!(back, event),
                other => panic!("{event:?}: {other:?}"),
            }
        }
        assert!(sink.pieces.is_empty(), "no other transaction's data");
    }

    #[test]
    fn the_end_of_the_session_ends_the_transaction() {
        let mut none = NoSinkHere;
        let mut t = Tracker::new(TID, &mut none);
        let lost = Event::ConnectionLost {
            reason: Error::TimedOut(Timer::Response),
        };
        assert!(t.concerns(&lost));
        assert!(matches!(
            t.on_event(lost),
            Step::Done(Err(ClientError::Protocol(Error::TimedOut(Timer::Response))))
        ));
        assert!(t.concerns(&Event::Closed));
        assert!(matches!(
            t.on_event(Event::Closed),
            Step::Done(Err(ClientError::Operation(OperationError::Closed)))
        ));
    }

    #[test]
    fn once_interrupted_no_data_is_written_and_the_end_is_the_interruption() {
        let mut sink = Keep::default();
        let mut t = Tracker::new(TID, &mut sink);
        assert!(matches!(t.on_event(chunk(TID, 0, b"ab")), Step::Pending));
        t.interrupt();
        assert!(matches!(t.on_event(chunk(TID, 2, b"cd")), Step::Pending));
        // Another transaction's events still come back.
        assert!(matches!(t.on_event(complete(OTHER)), Step::Other(_)));
        match t.on_event(complete(TID)) {
            Step::Done(Err(ClientError::Io(e))) => {
                assert_eq!(e.kind(), io::ErrorKind::Interrupted);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(sink.pieces, vec![(0, None, b"ab".to_vec())]);
    }

    #[test]
    fn concerns_is_true_for_every_event_of_the_transaction() {
        let mut none = NoSinkHere;
        let t = Tracker::new(TID, &mut none);
        let ours = [
            Event::DataStarted {
                transaction: TID,
                total_len: None,
            },
            chunk(TID, 0, b""),
            Event::DataFinished {
                transaction: TID,
                len: 0,
            },
            Event::SendWindowAvailable { transaction: TID },
            complete(TID),
            Event::OperationFailed {
                transaction: TID,
                operation: OperationCode::GET_OBJECT,
                error: OperationFailure::Closed,
            },
        ];
        for event in &ours {
            assert!(t.concerns(event), "{event:?}");
        }
    }

    /// A sink no test here should write to.
    struct NoSinkHere;

    impl DataSink for NoSinkHere {
        fn piece(&mut self, _: u64, _: Option<u64>, _: &[u8]) -> io::Result<()> {
            panic!("no data expected")
        }
    }
}
