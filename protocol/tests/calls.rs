//! The typed calls over a scripted driver: what they make of cameras that leave things out.

use std::collections::VecDeque;
use std::io::Read;
use std::time::Duration;

use bytes::Bytes;
use ptpip_protocol::calls::{Calls, ClientError, DataSink};
use ptpip_protocol::initiator::{Completion, Operation};
use ptpip_protocol::ptp::codes::DevicePropCode;
use ptpip_protocol::{DeviceEvent, EventCode, OperationCode, Params, ResponseCode, TransactionId};

/// A driver that answers every operation OK with the data scripted for its code, and hands out
/// scripted device events; an empty event queue is a wait that timed out.
#[derive(Default)]
struct Script {
    data: Vec<(OperationCode, Bytes)>,
    events: VecDeque<DeviceEvent>,
    ran: Vec<OperationCode>,
    waits: Vec<Option<Duration>>,
}

impl Calls for Script {
    fn run(&mut self, op: Operation, sink: &mut dyn DataSink) -> Result<Completion, ClientError> {
        self.ran.push(op.code);
        let data = self
            .data
            .iter()
            .find(|(c, _)| *c == op.code)
            .map(|(_, d)| d.clone());
        let collect = matches!(
            op.data,
            ptpip_protocol::initiator::DataPhase::In(
                ptpip_protocol::initiator::DataIn::Collect { .. }
            )
        );
        if let (Some(d), false) = (&data, collect) {
            sink.piece(0, Some(d.len() as u64), d)?;
        }
        Ok(Completion {
            transaction: TransactionId(1),
            operation: op.code,
            response: ResponseCode::OK,
            params: Params::new(),
            data: data.filter(|_| collect),
        })
    }

    fn run_upload(
        &mut self,
        op: Operation,
        _reader: &mut dyn Read,
        _len: u64,
    ) -> Result<Completion, ClientError> {
        self.run(op, &mut ptpip_protocol::calls::NoSink)
    }

    fn next_event(
        &mut self,
        timeout: Option<Duration>,
    ) -> Result<Option<DeviceEvent>, ClientError> {
        self.waits.push(timeout);
        Ok(self.events.pop_front())
    }
}

fn event(code: EventCode, params: &[u32]) -> DeviceEvent {
    DeviceEvent {
        code,
        transaction: TransactionId(0),
        params: Params::from_slice(params).unwrap(),
    }
}

#[test]
fn capture_without_capture_complete_ends_after_object_added() {
    let mut s = Script::default();
    s.events.push_back(event(EventCode::OBJECT_ADDED, &[7]));
    s.events
        .push_back(event(EventCode::DEVICE_PROP_CHANGED, &[0x5001]));
    let done = s.capture(Duration::from_secs(30)).unwrap();
    assert!(!done.complete);
    assert_eq!(done.added, [event(EventCode::OBJECT_ADDED, &[7])]);
    assert_eq!(
        done.other,
        [event(EventCode::DEVICE_PROP_CHANGED, &[0x5001])]
    );
    // The first wait is the whole timeout; once something came, only the quiet period.
    let quiet = Some(ptpip_protocol::calls::CAPTURE_QUIET);
    assert_eq!(s.waits, [Some(Duration::from_secs(30)), quiet, quiet]);
}

#[test]
fn capture_with_capture_complete_is_complete() {
    let mut s = Script::default();
    s.events.push_back(event(EventCode::OBJECT_ADDED, &[7]));
    s.events.push_back(event(EventCode::CAPTURE_COMPLETE, &[]));
    let done = s.capture(Duration::from_secs(30)).unwrap();
    assert!(done.complete);
    assert_eq!(done.added.len(), 1);
}

#[test]
fn capture_with_no_event_at_all_is_an_error() {
    let mut s = Script::default();
    let e = s.capture(Duration::from_secs(5)).unwrap_err();
    assert!(e.to_string().contains("reported nothing within 5s"), "{e}");
}

#[test]
fn a_fuji_preview_alone_also_ends_the_capture() {
    let mut s = Script::default();
    s.data.push((
        OperationCode::FUJI_GET_CAPTURE_PREVIEW,
        Bytes::from_static(b"\xff\xd8jpeg\xff\xd9"),
    ));
    s.events
        .push_back(event(EventCode::FUJI_PREVIEW_AVAILABLE, &[]));
    let done = s.capture(Duration::from_secs(30)).unwrap();
    assert_eq!(done.preview.as_deref(), Some(&b"\xff\xd8jpeg\xff\xd9"[..]));
    assert!(!done.complete);
    assert!(s.ran.contains(&OperationCode::FUJI_GET_CAPTURE_PREVIEW));
}

#[test]
fn an_empty_property_value_is_an_error_not_zero() {
    let mut s = Script::default();
    s.data
        .push((OperationCode::GET_DEVICE_PROP_VALUE, Bytes::new()));
    let code = DevicePropCode(0x5005);
    let e = s.prop_value_raw(code).unwrap_err();
    assert!(
        matches!(e, ClientError::EmptyValue(c) if c == code),
        "{e:?}"
    );
    assert!(e.to_string().contains("empty value"), "{e}");
    // No data phase at all is the same.
    let mut s = Script::default();
    assert!(matches!(
        s.prop_value_raw(code),
        Err(ClientError::EmptyValue(_))
    ));
    // A real value comes through.
    let mut s = Script::default();
    s.data.push((
        OperationCode::GET_DEVICE_PROP_VALUE,
        Bytes::from_static(&[2, 0]),
    ));
    assert_eq!(&s.prop_value_raw(code).unwrap()[..], &[2, 0]);
}
