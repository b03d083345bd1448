//! The mio driver against the mio server (`ptpip_transport_mio::serve`) on 127.0.0.1: connect (generic and
//! Fujifilm), large GetObject, SendObject, device events, cancel, close, the client as a
//! component of a caller's poll next to another source, and the core's `Tracker` (re-exported)
//! following transactions in a caller's loop.

mod common;

use std::time::{Duration, Instant};

use common::{
    MODEL, NEW_HANDLE, OP_PING_EVENT, PatternReader, PatternSink, config_for, start_server,
};
use mio::net::TcpListener as MioListener;
use mio::{Events, Interest, Poll, Token};
use ptpip_protocol::initiator::{Event, Operation, OperationFailure};
use ptpip_protocol::ptp::dataset::{ObjectHandle, ObjectInfo, StorageId};
use ptpip_protocol::ptp::string::PtpString;
use ptpip_protocol::{Dialect, EventCode, OperationCode, ResponseCode, TransactionId};
use ptpip_transport_mio::{Calls, Client, ClientError, DataSink, MioClient, Step, Tracker};

fn op(code: OperationCode, params: &[u32]) -> Operation {
    Operation::new(code, params).unwrap()
}

#[test]
fn connect_generic_reads_device_info_and_closes() {
    let server = start_server(Dialect::Generic, false);
    let mut r = Client::connect(config_for(&server.handle, Dialect::Generic)).unwrap();
    assert!(r.client().is_ready());
    let info = r.device_info().unwrap();
    assert_eq!(info.model.as_str(), MODEL);
    assert_eq!(info, common::device_info());
    // An operation the device refuses is a typed response error, and the session goes on.
    let err = r.call(op(OperationCode::FORMAT_STORE, &[1])).unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Response {
                operation: OperationCode::FORMAT_STORE,
                response: ResponseCode::OPERATION_NOT_SUPPORTED
            }
        ),
        "{err}"
    );
    // The raw call hands back any response code.
    let c = r
        .raw(
            OperationCode::FORMAT_STORE,
            &[1],
            None,
            &mut ptpip_transport_mio::NoSink,
        )
        .unwrap();
    assert_eq!(c.response, ResponseCode::OPERATION_NOT_SUPPORTED);
    r.close().unwrap();
    // The responder answers OpenSession and CloseSession itself; the device saw the rest.
    let ops = server.stats.lock().unwrap().operations.clone();
    assert_eq!(
        ops,
        [
            OperationCode::GET_DEVICE_INFO,
            OperationCode::FORMAT_STORE,
            OperationCode::FORMAT_STORE,
        ]
    );
}

#[test]
fn connect_fuji_runs_setup_event_port_and_goodbye() {
    let server = start_server(Dialect::Fuji, false);
    assert!(server.handle.event_addr().is_some());
    let mut r = Client::connect(config_for(&server.handle, Dialect::Fuji)).unwrap();
    // After OpenSession (answered by the responder itself): 0xDF01, get 0xDF24, set 0xDF24,
    // InitiateOpenCapture, the Fujifilm set-up sequence.
    assert_eq!(
        server.stats.lock().unwrap().operations,
        [
            OperationCode::SET_DEVICE_PROP_VALUE,
            OperationCode::GET_DEVICE_PROP_VALUE,
            OperationCode::SET_DEVICE_PROP_VALUE,
            OperationCode::INITIATE_OPEN_CAPTURE,
        ]
    );
    // Fujifilm transaction ids continue after the five set-up steps.
    let tid = r.client_mut().execute(op(OP_PING_EVENT, &[])).unwrap();
    assert_eq!(tid, TransactionId(5));
    // The event comes on the event port, which the client opened without an init packet.
    let e = r.next_event(Some(Duration::from_secs(5))).unwrap().unwrap();
    assert_eq!(e.code, EventCode::DEVICE_PROP_CHANGED);
    assert_eq!(e.transaction, tid);
    let mut sink = PatternSink::new();
    let n = r
        .get_object(ObjectHandle(3 << 20), &mut sink, &mut |_, _| {})
        .unwrap();
    assert_eq!((n, sink.received, sink.ok), (3 << 20, 3 << 20, true));
    r.close().unwrap();
    assert_eq!(
        server.stats.lock().unwrap().operations.last(),
        Some(&OperationCode::GET_OBJECT)
    );
}

#[test]
fn get_object_64_mib_streams_with_content_check() {
    const SIZE: u64 = 64 << 20;
    let server = start_server(Dialect::Generic, false);
    let mut r = Client::connect(config_for(&server.handle, Dialect::Generic)).unwrap();
    let mut sink = PatternSink::new();
    let mut last = (0, None);
    let started = Instant::now();
    let n = r
        .get_object(ObjectHandle(SIZE as u32), &mut sink, &mut |got, total| {
            last = (got, total)
        })
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "GetObject 64 MiB: {secs:.2} s, {:.0} MiB/s, {} pieces",
        SIZE as f64 / secs / f64::from(1 << 20),
        sink.pieces
    );
    assert_eq!(n, SIZE);
    assert_eq!(sink.received, SIZE);
    assert!(sink.ok, "bytes differ from the pattern");
    assert_eq!(last, (SIZE, Some(SIZE)));
    // Streamed in pieces, never gathered: more than one piece, each bounded by one read.
    assert!(sink.pieces >= SIZE / (256 << 10));
    r.close().unwrap();
}

#[test]
fn send_object_uploads_info_and_data() {
    const LEN: u64 = (5 << 20) + 123;
    let server = start_server(Dialect::Generic, false);
    let mut r = Client::connect(config_for(&server.handle, Dialect::Generic)).unwrap();
    let info = ObjectInfo {
        object_compressed_size: LEN as u32,
        filename: PtpString::new("DSCF0001.JPG").unwrap(),
        ..ObjectInfo::default()
    };
    let handle = r
        .send_object(
            StorageId(0),
            ObjectHandle(0),
            &info,
            &mut PatternReader::new(LEN),
            LEN,
        )
        .unwrap();
    assert_eq!(handle, ObjectHandle(NEW_HANDLE));
    {
        let s = server.stats.lock().unwrap();
        assert_eq!(s.received, LEN);
        assert!(s.received_ok, "the device received other bytes than sent");
        assert_eq!(s.object_info.as_ref(), Some(&info));
    }
    // A source shorter than announced ends the call with an I/O error, not a hang.
    let err = r
        .upload(
            op(OperationCode::SEND_OBJECT, &[]),
            &mut PatternReader::new(1000),
            2000,
        )
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof),
        "{err}"
    );
}

#[test]
fn device_events_arrive_while_idle_and_during_calls() {
    let server = start_server(Dialect::Generic, false);
    let mut r = Client::connect(config_for(&server.handle, Dialect::Generic)).unwrap();
    let c = r.call(op(OP_PING_EVENT, &[])).unwrap();
    let e = r.next_event(Some(Duration::from_secs(5))).unwrap().unwrap();
    assert_eq!(e.code, EventCode::DEVICE_PROP_CHANGED);
    assert_eq!(e.transaction, c.transaction);
    assert_eq!(e.params.as_slice(), [0x5001]);
    // No more events: waiting ends at the deadline with None.
    let t = Instant::now();
    assert_eq!(
        r.next_event(Some(Duration::from_millis(200))).unwrap(),
        None
    );
    assert!(t.elapsed() >= Duration::from_millis(200));
    assert!(t.elapsed() < Duration::from_secs(2));
    r.close().unwrap();
}

#[test]
fn cancel_mid_transfer_then_session_goes_on() {
    const SIZE: u32 = 256 << 20;
    let server = start_server(Dialect::Generic, false);
    let mut r = Client::connect(config_for(&server.handle, Dialect::Generic)).unwrap();
    let tid = r
        .client_mut()
        .execute(op(OperationCode::GET_OBJECT, &[SIZE]).stream())
        .unwrap();
    let mut received = 0u64;
    let started = Instant::now();
    let outcome = r
        .run_until(Some(Instant::now() + Duration::from_secs(20)), |c, e| {
            match e {
                Event::DataChunk { data, .. } => {
                    if received == 0 {
                        c.cancel(tid).unwrap();
                    }
                    received += data.len() as u64;
                }
                Event::OperationFailed {
                    transaction, error, ..
                } if transaction == tid => return Some(Err(error)),
                Event::OperationComplete(c) if c.transaction == tid => return Some(Ok(c)),
                Event::ConnectionLost { reason } => panic!("lost: {reason}"),
                _ => {}
            }
            None
        })
        .unwrap()
        .expect("the cancel ends the transaction in time");
    assert_eq!(
        outcome,
        Err(OperationFailure::Cancelled(
            ResponseCode::TRANSACTION_CANCELLED
        ))
    );
    assert!(
        received < u64::from(SIZE),
        "stopped early: {received} bytes"
    );
    eprintln!(
        "cancel: {received} bytes of {SIZE} before the end, {:?}",
        started.elapsed()
    );
    assert_eq!(server.stats.lock().unwrap().cancelled, 1);
    // The session is still usable.
    assert_eq!(r.device_info().unwrap().model.as_str(), MODEL);
    r.close().unwrap();
}

#[test]
fn small_data_out_operations_are_not_delayed() {
    // Each SetDevicePropValue leaves as three small writes (request, Start_Data, End_Data) before
    // the response is read: without TCP_NODELAY, Nagle holds the later ones back until the
    // peer's delayed ACK (tens of milliseconds on Linux) every time.
    const N: u32 = 40;
    let server = start_server(Dialect::Generic, false);
    let mut r = Client::connect(config_for(&server.handle, Dialect::Generic)).unwrap();
    let code = ptpip_protocol::ptp::codes::DevicePropCode(0x5001);
    let t = Instant::now();
    for v in 0..N {
        r.set_prop_value_raw(code, bytes::Bytes::copy_from_slice(&v.to_le_bytes()))
            .unwrap();
    }
    let each = t.elapsed() / N;
    eprintln!("SetDevicePropValue round trip: {each:?}");
    assert!(each < Duration::from_millis(20), "{each:?} per operation");
    // The device got the last value written.
    let value = r.prop_value_raw(code).unwrap();
    assert_eq!(&value[..], &(N - 1).to_le_bytes());
}

#[test]
fn close_sends_close_session_and_ends_on_its_response() {
    use std::sync::mpsc;
    let (tx, rx) = mpsc::channel();
    let (addr, server) = common::raw_server(move |listener| {
        let (mut command, mut event) = common::handshake(&listener)?;
        let ptpip_protocol::Packet::OperationRequest(req) = common::read_packet(&mut command)?
        else {
            return Err(std::io::Error::other("expected a request"));
        };
        tx.send(req.code).unwrap();
        common::respond(&mut command, &req, ResponseCode::OK)?;
        // The connections stay open: the client ends on the response, not on a hang-up, and
        // then closes both sockets itself.
        common::drain(&mut command);
        common::drain(&mut event);
        Ok(())
    });
    let config = common::config_at(addr.port(), addr.port(), Dialect::Generic);
    let r = Client::connect(config).unwrap();
    let t = Instant::now();
    r.close().unwrap();
    assert!(t.elapsed() < Duration::from_secs(2));
    assert_eq!(rx.recv().unwrap(), OperationCode::CLOSE_SESSION);
    server.join().unwrap().unwrap();
}

#[test]
fn component_lives_in_a_callers_poll_next_to_other_sources() {
    let server = start_server(Dialect::Generic, false);
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(64);
    // Another source of the caller, on token 0.
    let mut other = MioListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let other_addr = other.local_addr().unwrap();
    poll.registry()
        .register(&mut other, Token(0), Interest::READABLE)
        .unwrap();
    let config = config_for(&server.handle, Dialect::Generic);
    let mut camera = MioClient::connect(config, poll.registry(), Token(40)).unwrap();
    assert_eq!(camera.tokens(), [Token(40), Token(41)]);
    assert!(camera.owns(Token(41)) && !camera.owns(Token(0)));
    let _peer = std::net::TcpStream::connect(other_addr).unwrap();
    let mut seen_other = false;
    let mut info_tid = None;
    let mut info = None;
    let mut closed = false;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !closed && Instant::now() < deadline {
        poll.poll(
            &mut events,
            camera
                .timeout(Instant::now())
                .or(Some(deadline - Instant::now())),
        )
        .unwrap();
        for ev in &events {
            if camera.owns(ev.token()) {
                camera.handle_event(Instant::now(), ev);
            } else {
                assert_eq!(ev.token(), Token(0));
                seen_other = other.accept().is_ok();
            }
        }
        camera.handle_timeout(Instant::now());
        while let Some(e) = camera.poll_event() {
            match e {
                Event::Ready => {
                    // Not blocking: the transaction id comes back at once.
                    let tid = camera
                        .execute(op(OperationCode::GET_DEVICE_INFO, &[]).collect(1 << 16))
                        .unwrap();
                    info_tid = Some(tid);
                }
                Event::OperationComplete(c) if Some(c.transaction) == info_tid => {
                    info = c.data;
                    camera.close();
                }
                Event::Closed => closed = true,
                Event::ConnectionLost { reason } => panic!("lost: {reason}"),
                _ => {}
            }
        }
    }
    assert!(
        seen_other,
        "the caller's own source was served by the same poll"
    );
    assert!(closed && camera.is_closed());
    let info = ptpip_protocol::ptp::dataset::DeviceInfo::decode(&info.unwrap()).unwrap();
    assert_eq!(info.model.as_str(), MODEL);
    // Once closed, nothing is due and no work is left.
    assert_eq!(camera.timeout(Instant::now()), None);
}

#[test]
fn the_re_exported_tracker_follows_transactions_in_a_callers_loop() {
    const SIZE: u32 = 4 << 20;
    let server = start_server(Dialect::Generic, false);
    let mut r = Client::connect(config_for(&server.handle, Dialect::Generic)).unwrap();
    let deadline = || Some(Instant::now() + Duration::from_secs(20));

    // A download, streamed into a sink.
    let tid = r
        .client_mut()
        .execute(op(OperationCode::GET_OBJECT, &[SIZE]).stream())
        .unwrap();
    let mut sink = PatternSink::new();
    let mut tracker = Tracker::new(tid, &mut sink);
    assert_eq!(tracker.transaction(), tid);
    let done = r
        .run_until(deadline(), |_, e| match tracker.on_event(e) {
            Step::Done(r) => Some(r),
            Step::Cancel(e) => panic!("the sink failed: {e}"),
            Step::SendWindow => panic!("no data-out phase"),
            Step::Pending | Step::Other(_) => None,
        })
        .unwrap()
        .expect("the download ends in time")
        .unwrap();
    assert_eq!(done.transaction, tid);
    assert!(done.response.is_ok());
    assert_eq!(sink.received, u64::from(SIZE));
    assert_eq!(sink.total, Some(u64::from(SIZE)));
    assert!(sink.ok, "bytes differ from the pattern");

    // A sink that fails: the tracker asks for a cancel, which the caller sends.
    struct Full;
    impl DataSink for Full {
        fn piece(&mut self, _: u64, _: Option<u64>, _: &[u8]) -> std::io::Result<()> {
            Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "full"))
        }
    }
    let tid = r
        .client_mut()
        .execute(op(OperationCode::GET_OBJECT, &[SIZE * 16]).stream())
        .unwrap();
    let mut full = Full;
    let mut tracker = Tracker::new(tid, &mut full);
    let error = r
        .run_until(deadline(), |c, e| match tracker.on_event(e) {
            Step::Cancel(e) => {
                c.cancel(tid).unwrap();
                Some(e)
            }
            Step::Done(r) => panic!("ended without a cancel: {r:?}"),
            Step::SendWindow => panic!("no data-out phase"),
            Step::Pending | Step::Other(_) => None,
        })
        .unwrap()
        .expect("the first piece comes in time");
    assert!(
        matches!(&error, ClientError::Io(e) if e.kind() == std::io::ErrorKind::StorageFull),
        "{error}"
    );
    // The camera stopped, and the session goes on.
    assert_eq!(r.device_info().unwrap().model.as_str(), MODEL);
    assert_eq!(server.stats.lock().unwrap().cancelled, 1);
    r.close().unwrap();
}
