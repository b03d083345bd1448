//! The responder as a conformance judge: transaction ids, data-out phases, stray data.

use super::{Raw, data_bytes};
use crate::Encode;
use crate::channel::Channel;
use crate::packet::{DataPacket, Packet, PacketType, StartData};
use crate::ptp::codes::{OperationCode as Op, ResponseCode};
use crate::responder::{ViolationKind, ViolationOutcome, ViolationPacket};
use crate::types::TransactionId;

const REQUEST: ViolationPacket = ViolationPacket::PtpIp(PacketType::OPERATION_REQUEST);

#[test]
fn reused_and_backwards_ids_are_refused_and_reported() {
    let mut r = Raw::generic();
    r.open_session();
    r.request(Op::DELETE_OBJECT, 1, &[5], false);
    r.request(Op::DELETE_OBJECT, 2, &[5], false);
    assert_eq!(
        r.responses(),
        [(1, ResponseCode::OK), (2, ResponseCode::OK)]
    );
    let ops_before = r.resp.device().operations.len();

    // The same id again, then an earlier one: refused without reaching the device.
    r.request(Op::DELETE_OBJECT, 2, &[5], false);
    r.request(Op::DELETE_OBJECT, 1, &[5], false);
    assert_eq!(
        r.responses(),
        [
            (2, ResponseCode::INVALID_TRANSACTION_ID),
            (1, ResponseCode::INVALID_TRANSACTION_ID)
        ]
    );
    assert_eq!(r.resp.device().operations.len(), ops_before);
    let v = r.violations();
    assert_eq!(v.len(), 2, "{v:?}");
    assert_eq!(v[0].kind, ViolationKind::TransactionIdReused);
    assert_eq!(
        v[1].kind,
        ViolationKind::TransactionIdBackwards {
            previous: TransactionId(2)
        }
    );
    for (v, tid) in v.iter().zip([2, 1]) {
        assert_eq!(v.transaction, Some(TransactionId(tid)));
        assert_eq!(v.packet, REQUEST);
        assert_eq!(v.channel, Channel::Command);
        assert_eq!(
            v.outcome,
            ViolationOutcome::Refused(ResponseCode::INVALID_TRANSACTION_ID)
        );
    }

    // The sequence carries on from the last accepted id; the session is intact.
    r.request(Op::DELETE_OBJECT, 3, &[5], false);
    assert_eq!(r.responses(), [(3, ResponseCode::OK)]);
    assert!(r.violations().is_empty());
    assert!(r.resp.session().is_some());
}

#[test]
fn the_reserved_id_and_a_skip() {
    let mut r = Raw::generic();
    r.open_session();
    r.request(Op::DELETE_OBJECT, 0xFFFF_FFFF, &[], false);
    assert_eq!(
        r.responses(),
        [(0xFFFF_FFFF, ResponseCode::INVALID_TRANSACTION_ID)]
    );
    // A skip forward is answered as usual and only reported.
    r.request(Op::DELETE_OBJECT, 5, &[], false);
    assert_eq!(r.responses(), [(5, ResponseCode::OK)]);
    let kinds: Vec<_> = r
        .violations()
        .into_iter()
        .map(|v| (v.kind, v.outcome))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                ViolationKind::TransactionIdReserved,
                ViolationOutcome::Refused(ResponseCode::INVALID_TRANSACTION_ID)
            ),
            (
                ViolationKind::TransactionIdSkipped {
                    previous: TransactionId(0)
                },
                ViolationOutcome::Tolerated
            )
        ]
    );
}

/// gphoto2's flow: GetDeviceInfo outside a session, OpenSession with id 0, then 1, 2, …; after
/// CloseSession a new session counts again. Nothing to report.
#[test]
fn the_iso_sequence_is_clean_across_sessions() {
    let mut r = Raw::generic();
    for _ in 0..2 {
        r.request(Op::GET_DEVICE_INFO, 0, &[], false);
        assert_eq!(r.responses(), [(0, ResponseCode::OK)]);
        r.open_session();
        for tid in 1..=3 {
            r.request(Op::DELETE_OBJECT, tid, &[], false);
        }
        r.request(Op::CLOSE_SESSION, 4, &[], false);
        assert_eq!(
            r.responses(),
            [
                (1, ResponseCode::OK),
                (2, ResponseCode::OK),
                (3, ResponseCode::OK),
                (4, ResponseCode::OK)
            ]
        );
    }
    assert!(r.violations().is_empty());
}

/// Fujifilm's app opens the session with id 1: reported, and followed.
#[test]
fn open_session_with_id_1_is_tolerated() {
    let mut r = Raw::generic();
    r.request(Op::OPEN_SESSION, 1, &[1], false);
    r.request(Op::DELETE_OBJECT, 2, &[], false);
    r.request(Op::DELETE_OBJECT, 1, &[], false);
    assert_eq!(
        r.responses(),
        [
            (1, ResponseCode::OK),
            (2, ResponseCode::OK),
            (1, ResponseCode::INVALID_TRANSACTION_ID)
        ]
    );
    let v = r.violations();
    assert_eq!(v[0].kind, ViolationKind::OpenSessionTransactionId);
    assert_eq!(v[0].outcome, ViolationOutcome::Tolerated);
    assert_eq!(v.len(), 2, "{v:?}");
}

#[test]
fn a_data_out_phase_on_an_operation_without_one_is_discarded_and_refused() {
    let mut r = Raw::generic();
    r.open_session();
    // DeleteObject announced with a data-out phase: nothing is answered until the data is in.
    r.request(Op::DELETE_OBJECT, 1, &[5], true);
    assert!(r.responses().is_empty());
    r.data_out(1, 1000);
    assert_eq!(r.responses(), [(1, ResponseCode::GENERAL_ERROR)]);
    assert_eq!(r.resp.device().data_out, 0, "the data is discarded");
    assert!(
        !r.resp.device().operations.contains(&Op::DELETE_OBJECT),
        "the operation does not run"
    );
    let v = r.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(
        v[0].kind,
        ViolationKind::DataOutNotDefined {
            operation: Op::DELETE_OBJECT
        }
    );
    assert_eq!(v[0].transaction, Some(TransactionId(1)));
    assert_eq!(v[0].packet, REQUEST);
    assert_eq!(
        v[0].outcome,
        ViolationOutcome::Refused(ResponseCode::GENERAL_ERROR)
    );

    // A real data-out operation still takes its data.
    r.request(Op::SEND_OBJECT, 2, &[], true);
    r.data_out(2, 300);
    assert_eq!(r.responses(), [(2, ResponseCode::OK)]);
    assert_eq!(r.resp.device().data_out, 300);
    // A vendor operation is the device's to judge: not refused here.
    r.request(Op(0x9801), 3, &[], true);
    r.data_out(3, 10);
    assert_eq!(r.responses(), [(3, ResponseCode::OK)]);
    assert!(r.violations().is_empty());
}

#[test]
fn a_reused_id_with_data_is_refused_after_its_data() {
    let mut r = Raw::generic();
    r.open_session();
    r.request(Op::SEND_OBJECT, 1, &[], true);
    r.data_out(1, 10);
    r.request(Op::SEND_OBJECT, 1, &[], true);
    r.data_out(1, 20);
    assert_eq!(
        r.responses(),
        [
            (1, ResponseCode::OK),
            (1, ResponseCode::INVALID_TRANSACTION_ID)
        ]
    );
    assert_eq!(r.resp.device().data_out, 10, "the second phase is dropped");
    assert_eq!(r.violations()[0].kind, ViolationKind::TransactionIdReused);
}

#[test]
fn data_for_no_data_out_phase_is_dropped_and_reported_once() {
    let mut r = Raw::generic();
    r.open_session();
    // DataPhaseInfo 1 on DeleteObject: answered at once; then data comes anyway, in two packets.
    r.request(Op::DELETE_OBJECT, 1, &[], false);
    assert_eq!(r.responses(), [(1, ResponseCode::OK)]);
    let tid = TransactionId(1);
    let start = StartData {
        transaction_id: tid,
        total_length: 8,
    };
    r.send(Channel::Command, &Packet::StartData(start).to_bytes());
    for p in [
        Packet::Data(DataPacket {
            transaction_id: tid,
            payload: vec![1; 4].into(),
        }),
        Packet::EndData(DataPacket {
            transaction_id: tid,
            payload: vec![1; 4].into(),
        }),
    ] {
        r.send_bytewise(Channel::Command, &p.to_bytes());
    }
    assert!(r.take_all().is_empty());
    let v = r.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].kind, ViolationKind::DataWithoutDataOutPhase);
    assert_eq!(v[0].packet, ViolationPacket::PtpIp(PacketType::START_DATA));
    assert_eq!(v[0].outcome, ViolationOutcome::Discarded);
    // The stream is in step: the next request runs.
    r.request(Op::GET_OBJECT, 2, &[100], false);
    let out = r.take_all();
    assert_eq!(data_bytes(&out), (100, true));
    assert!(!r.resp.is_closed());
}

#[test]
fn fatal_breaches_are_reported_before_the_connection_closes() {
    let mut r = Raw::generic();
    r.open_session();
    r.request(Op::GET_OBJECT, 1, &[1 << 20], false);
    // A second request while the first is running.
    r.request(Op::DELETE_OBJECT, 2, &[], false);
    assert!(r.resp.is_closed());
    let v = r.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(
        matches!(v[0].kind, ViolationKind::UnexpectedPacket { .. }),
        "{v:?}"
    );
    assert_eq!(v[0].outcome, ViolationOutcome::Closed);
    // Undecodable bytes.
    let mut r = Raw::generic();
    r.send(Channel::Command, &[4, 0, 0, 0, 6, 0, 0, 0]);
    let v = r.violations();
    assert!(
        matches!(v[..], [ref v] if matches!(v.kind, ViolationKind::Malformed(_))),
        "{v:?}"
    );
}
