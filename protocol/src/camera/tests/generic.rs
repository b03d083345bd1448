//! VirtualCamera end to end, part 1: connection, DeviceInfo, storages, handles, properties,
//! capture and events.

use std::collections::BTreeSet;

use super::{Pair, Split, op};
use crate::Encode;
use crate::camera::CameraModel;
use crate::camera::{Change, VirtualCamera, sample};
use crate::error::Error;
use crate::initiator::{DeviceEvent, Event};
use crate::packet::{Dialect, InitFailReason};
use crate::ptp::codes::{
    DataTypeCode, DevicePropCode, EventCode, ObjectFormatCode, OperationCode as Op, ResponseCode,
};
use crate::ptp::dataset::{
    DeviceInfo, DevicePropDesc, GetSet, ObjectHandle, ObjectInfo, PropForm, StorageId, StorageInfo,
};
use crate::ptp::string::PtpString;
use crate::ptp::value::PropValue;
use crate::responder::ResponderEvent;
use crate::types::{Params, TransactionId};

fn sample_pair() -> Pair<VirtualCamera> {
    Pair::connected(Dialect::Generic, VirtualCamera::sample(), Split::Whole)
}

/// The handles of `(storage, format, parent)`, read with GetObjectHandles, checked against
/// GetNumObjects.
fn handles(
    p: &mut Pair<VirtualCamera>,
    filter: [u32; 3],
) -> Result<Vec<ObjectHandle>, ResponseCode> {
    let (code, data) = p.fetch(Op::GET_OBJECT_HANDLES, &filter);
    let (n_code, n) = p.call(Op::GET_NUM_OBJECTS, &filter);
    assert_eq!(
        code, n_code,
        "GetObjectHandles and GetNumObjects disagree on {filter:x?}"
    );
    if code != ResponseCode::OK {
        assert!(data.is_empty(), "data with an error response");
        return Err(code);
    }
    let h = ObjectHandle::decode_array(&data).expect("an ObjectHandle array");
    assert_eq!(n, [h.len() as u32], "GetNumObjects for {filter:x?}");
    Ok(h)
}

#[test]
fn connects_and_describes_itself() {
    let mut p = Pair::connected(Dialect::Generic, VirtualCamera::sample(), Split::Pieces(7));
    assert!(
        p.resp_events
            .iter()
            .any(|e| matches!(e, ResponderEvent::InitiatorConnected { .. }))
    );
    let (code, data) = p.fetch(Op::GET_DEVICE_INFO, &[]);
    assert_eq!(code, ResponseCode::OK);
    let info = DeviceInfo::decode(&data).expect("a DeviceInfo");
    assert_eq!(
        info,
        p.resp.device().device_info(),
        "the wire form decodes to what was sent"
    );
    assert_eq!(info.manufacturer, "ptpip");
    assert_eq!(info.model, "ptpip virtual camera");
    assert_eq!(info.vendor_extension_id.0, 0);
    assert_eq!(info.standard_version, 100);
    assert_eq!(
        info.device_properties_supported,
        [
            DevicePropCode::BATTERY_LEVEL,
            DevicePropCode::WHITE_BALANCE,
            DevicePropCode::EXPOSURE_BIAS_COMPENSATION,
            DevicePropCode::EXPOSURE_INDEX,
            DevicePropCode::DATE_TIME,
        ]
    );
    assert_eq!(
        info.events_supported,
        [
            EventCode::OBJECT_ADDED,
            EventCode::OBJECT_REMOVED,
            EventCode::DEVICE_PROP_CHANGED,
            EventCode::CAPTURE_COMPLETE
        ]
    );
    assert_eq!(info.capture_formats, [ObjectFormatCode::EXIF_JPEG]);
}

/// Every listed operation is answered (never OperationNotSupported), and a few unlisted ones
/// are refused: DeviceInfo lists exactly what the camera does.
#[test]
fn device_info_lists_exactly_the_operations_answered() {
    let mut p = sample_pair();
    let info = p.resp.device().device_info();
    let listed: BTreeSet<Op> = info.operations_supported.iter().copied().collect();
    assert_eq!(
        listed.len(),
        info.operations_supported.len(),
        "no duplicates"
    );
    let image = 3;
    for &code in &info.operations_supported {
        let response = match code {
            // The responder answers these itself; a second OpenSession says SessionAlreadyOpen.
            Op::OPEN_SESSION => p.call(code, &[1]).0,
            Op::CLOSE_SESSION => continue,
            Op::SET_DEVICE_PROP_VALUE => p.send(code, &[0x5005], vec![4, 0]).0,
            Op::SEND_OBJECT_INFO => p.send(code, &[0, 0], vec![0; 3]).0,
            Op::SEND_OBJECT => p.send(code, &[], vec![1]).0,
            _ => {
                let params = [image, 0, 16];
                let c = p.run(op(code, &params[..3]).collect(1 << 20));
                c.response
            }
        };
        assert_ne!(
            response,
            ResponseCode::OPERATION_NOT_SUPPORTED,
            "{code} is listed"
        );
    }
    for code in [
        Op::FORMAT_STORE,
        Op::MOVE_OBJECT,
        Op::COPY_OBJECT,
        Op::POWER_DOWN,
        Op(0x9022),
    ] {
        assert!(!listed.contains(&code));
        assert_eq!(
            p.call(code, &[]).0,
            ResponseCode::OPERATION_NOT_SUPPORTED,
            "{code}"
        );
    }
}

#[test]
fn storages_and_their_info() {
    let mut cam = VirtualCamera::sample();
    let second = cam.add_storage("CARD 2", 5000).unwrap();
    cam.add_object(second, "NOTE.TXT", ObjectFormatCode::TEXT, vec![b'x'; 1234])
        .unwrap();
    let mut p = Pair::connected(Dialect::Generic, cam, Split::Whole);
    let (code, data) = p.fetch(Op::GET_STORAGE_IDS, &[]);
    assert_eq!(code, ResponseCode::OK);
    let ids = StorageId::decode_array(&data).unwrap();
    assert_eq!(ids, [StorageId(0x0001_0001), StorageId(0x0002_0001)]);
    let (_, data) = p.fetch(Op::GET_STORAGE_INFO, &[0x0001_0001]);
    let one = StorageInfo::decode(&data).unwrap();
    let used: u64 = (1..=3).map(|n| sample::sample_image(n).len() as u64).sum();
    assert_eq!(one.max_capacity, 1 << 30);
    assert_eq!(one.free_space_in_bytes, (1 << 30) - used);
    assert_eq!(one.storage_description, "SD1");
    let (_, data) = p.fetch(Op::GET_STORAGE_INFO, &[0x0002_0001]);
    let two = StorageInfo::decode(&data).unwrap();
    assert_eq!(
        (two.max_capacity, two.free_space_in_bytes),
        (5000, 5000 - 1234)
    );
    for bad in [0, 0x0001_0000, 0x0003_0001, 0xFFFF_FFFF] {
        let (code, data) = p.fetch(Op::GET_STORAGE_INFO, &[bad]);
        assert_eq!(code, ResponseCode::INVALID_STORAGE_ID, "{bad:#x}");
        assert!(data.is_empty());
    }
}

#[test]
fn object_handles_by_storage_format_and_parent() {
    let mut cam = VirtualCamera::sample();
    let second = cam.add_storage("CARD 2", 1 << 20).unwrap();
    let note = cam
        .add_object(second, "NOTE.TXT", ObjectFormatCode::TEXT, vec![1; 10])
        .unwrap();
    let mut p = Pair::connected(Dialect::Generic, cam, Split::Pieces(3));
    let h = |n: u32| ObjectHandle(n);
    let (all, jpeg, folder) = (0xFFFF_FFFF, 0x3801, 0x3001);
    assert_eq!(
        handles(&mut p, [all, 0, 0]),
        Ok(vec![h(1), h(2), h(3), h(4), h(5), note])
    );
    assert_eq!(
        handles(&mut p, [0x0001_0001, 0, 0]),
        Ok(vec![h(1), h(2), h(3), h(4), h(5)])
    );
    assert_eq!(handles(&mut p, [0x0002_0001, 0, 0]), Ok(vec![note]));
    assert_eq!(handles(&mut p, [all, 0, all]), Ok(vec![h(1), note]));
    assert_eq!(handles(&mut p, [all, 0, 1]), Ok(vec![h(2)]));
    assert_eq!(handles(&mut p, [all, 0, 2]), Ok(vec![h(3), h(4), h(5)]));
    assert_eq!(handles(&mut p, [all, jpeg, 0]), Ok(vec![h(3), h(4), h(5)]));
    assert_eq!(handles(&mut p, [all, folder, 0]), Ok(vec![h(1), h(2)]));
    assert_eq!(handles(&mut p, [0x0002_0001, jpeg, 0]), Ok(vec![]));
    assert_eq!(
        handles(&mut p, [0x0003_0001, 0, 0]),
        Err(ResponseCode::INVALID_STORAGE_ID)
    );
    assert_eq!(
        handles(&mut p, [all, 0, 3]),
        Err(ResponseCode::INVALID_PARENT_OBJECT)
    );
    assert_eq!(
        handles(&mut p, [all, 0, 99]),
        Err(ResponseCode::INVALID_OBJECT_HANDLE)
    );
}

#[test]
fn property_descriptions() {
    let mut p = sample_pair();
    let expect = [
        (
            DevicePropCode::BATTERY_LEVEL,
            DataTypeCode::UINT8,
            GetSet::GET,
        ),
        (
            DevicePropCode::WHITE_BALANCE,
            DataTypeCode::UINT16,
            GetSet::GET_SET,
        ),
        (
            DevicePropCode::EXPOSURE_BIAS_COMPENSATION,
            DataTypeCode::INT16,
            GetSet::GET_SET,
        ),
        (
            DevicePropCode::EXPOSURE_INDEX,
            DataTypeCode::UINT16,
            GetSet::GET_SET,
        ),
        (
            DevicePropCode::DATE_TIME,
            DataTypeCode::STR,
            GetSet::GET_SET,
        ),
    ];
    for (code, data_type, get_set) in expect {
        let (rc, data) = p.fetch(Op::GET_DEVICE_PROP_DESC, &[u32::from(code.0)]);
        assert_eq!(rc, ResponseCode::OK);
        let d = DevicePropDesc::decode(&data).unwrap();
        assert_eq!((d.code, d.data_type, d.get_set), (code, data_type, get_set));
        let (rc, value) = p.fetch(Op::GET_DEVICE_PROP_VALUE, &[u32::from(code.0)]);
        assert_eq!(rc, ResponseCode::OK);
        assert_eq!(
            PropValue::parse_whole(&value, data_type).unwrap(),
            d.current_value
        );
    }
    let (_, data) = p.fetch(Op::GET_DEVICE_PROP_DESC, &[0x5001]);
    let battery = DevicePropDesc::decode(&data).unwrap();
    assert_eq!(
        battery.form,
        PropForm::Range {
            min: PropValue::UInt8(0),
            max: PropValue::UInt8(100),
            step: PropValue::UInt8(1)
        }
    );
    for unknown in [0x5003, 0xD001, 0x1_5005] {
        assert_eq!(
            p.fetch(Op::GET_DEVICE_PROP_DESC, &[unknown]).0,
            ResponseCode::DEVICE_PROP_NOT_SUPPORTED
        );
        assert_eq!(
            p.fetch(Op::GET_DEVICE_PROP_VALUE, &[unknown]).0,
            ResponseCode::DEVICE_PROP_NOT_SUPPORTED
        );
    }
}

#[test]
fn set_validates_against_the_form_and_reset_restores() {
    let mut cam = VirtualCamera::sample();
    cam.record_changes(true);
    let mut p = Pair::connected(Dialect::Generic, cam, Split::Pieces(11));
    let value = |p: &mut Pair<VirtualCamera>, code: u32, t| {
        let (rc, v) = p.fetch(Op::GET_DEVICE_PROP_VALUE, &[code]);
        assert_eq!(rc, ResponseCode::OK);
        PropValue::parse_whole(&v, t).unwrap()
    };
    let str_bytes = |s: &str| PropValue::Str(PtpString::new(s).unwrap()).to_bytes();
    let cases: Vec<(u32, Vec<u8>, ResponseCode)> = vec![
        (0x5005, vec![4, 0], ResponseCode::OK),
        (0x5005, vec![9, 0], ResponseCode::INVALID_DEVICE_PROP_VALUE),
        (
            0x5005,
            vec![4, 0, 0, 0],
            ResponseCode::INVALID_DEVICE_PROP_FORMAT,
        ),
        (0x5005, vec![4], ResponseCode::INVALID_DEVICE_PROP_FORMAT),
        (0x5001, vec![50], ResponseCode::ACCESS_DENIED),
        (0x5010, (-333i16).to_le_bytes().to_vec(), ResponseCode::OK),
        (
            0x5010,
            (-300i16).to_le_bytes().to_vec(),
            ResponseCode::INVALID_DEVICE_PROP_VALUE,
        ),
        (0x500F, 800u16.to_le_bytes().to_vec(), ResponseCode::OK),
        (
            0x500F,
            801u16.to_le_bytes().to_vec(),
            ResponseCode::INVALID_DEVICE_PROP_VALUE,
        ),
        (0x5011, str_bytes("20250102T030405"), ResponseCode::OK),
        (
            0x5011,
            str_bytes("2025-01-02 03:04"),
            ResponseCode::INVALID_DEVICE_PROP_VALUE,
        ),
        (
            0x5011,
            vec![3, b'a', 0],
            ResponseCode::INVALID_DEVICE_PROP_FORMAT,
        ),
        (0x5003, vec![1, 0], ResponseCode::DEVICE_PROP_NOT_SUPPORTED),
        (
            0x5005,
            vec![0; 70_000],
            ResponseCode::INVALID_DEVICE_PROP_FORMAT,
        ),
    ];
    for (code, data, want) in cases {
        let (rc, _) = p.send(Op::SET_DEVICE_PROP_VALUE, &[code], data.clone());
        assert_eq!(
            rc,
            want,
            "set {code:#x} to {:x?}",
            &data[..data.len().min(8)]
        );
    }
    // Each accepted change is in the journal, once; refused ones are not. The initiator that
    // set them gets no DevicePropChanged: it knows.
    let changed = |p: &mut Pair<VirtualCamera>| -> Vec<u32> {
        assert!(p.device_events().is_empty());
        p.resp
            .device_mut()
            .take_changes()
            .into_iter()
            .map(|c| match c {
                Change::PropChanged(code) => u32::from(code.0),
                other => panic!("{other:?}"),
            })
            .collect()
    };
    assert_eq!(changed(&mut p), [0x5005, 0x5010, 0x500F, 0x5011]);
    // Setting the value it has already is no change.
    assert_eq!(
        p.send(Op::SET_DEVICE_PROP_VALUE, &[0x5005], vec![4, 0]).0,
        ResponseCode::OK
    );
    assert!(changed(&mut p).is_empty());
    assert_eq!(
        value(&mut p, 0x5005, DataTypeCode::UINT16),
        PropValue::UInt16(4)
    );
    assert_eq!(
        value(&mut p, 0x5010, DataTypeCode::INT16),
        PropValue::Int16(-333)
    );
    assert_eq!(
        value(&mut p, 0x500F, DataTypeCode::UINT16),
        PropValue::UInt16(800)
    );
    let date = value(&mut p, 0x5011, DataTypeCode::STR);
    assert_eq!(date.as_text(), Some("20250102T030405"));
    // The description's current value follows.
    let (_, d) = p.fetch(Op::GET_DEVICE_PROP_DESC, &[0x5005]);
    assert_eq!(
        DevicePropDesc::decode(&d).unwrap().current_value,
        PropValue::UInt16(4)
    );
    // Reset one, then all.
    assert_eq!(
        p.call(Op::RESET_DEVICE_PROP_VALUE, &[0x5005]).0,
        ResponseCode::OK
    );
    assert_eq!(
        value(&mut p, 0x5005, DataTypeCode::UINT16),
        PropValue::UInt16(2)
    );
    assert_eq!(
        value(&mut p, 0x5010, DataTypeCode::INT16),
        PropValue::Int16(-333)
    );
    assert_eq!(
        p.call(Op::RESET_DEVICE_PROP_VALUE, &[0x5001]).0,
        ResponseCode::ACCESS_DENIED
    );
    assert_eq!(
        p.call(Op::RESET_DEVICE_PROP_VALUE, &[0x5003]).0,
        ResponseCode::DEVICE_PROP_NOT_SUPPORTED
    );
    assert_eq!(
        p.call(Op::RESET_DEVICE_PROP_VALUE, &[0xFFFF_FFFF]).0,
        ResponseCode::OK
    );
    assert_eq!(
        value(&mut p, 0x5010, DataTypeCode::INT16),
        PropValue::Int16(0)
    );
    assert_eq!(
        value(&mut p, 0x500F, DataTypeCode::UINT16),
        PropValue::UInt16(200)
    );
    // The resets announced what they changed: 0x5005, then 0x5010, 0x500F and 0x5011.
    assert_eq!(changed(&mut p), [0x5005, 0x5010, 0x500F, 0x5011]);
}

#[test]
fn capture_adds_an_object_and_reports_it() {
    let mut p = Pair::connected(Dialect::Generic, VirtualCamera::sample(), Split::Pieces(5));
    let before = handles(&mut p, [0xFFFF_FFFF, 0, 0]).unwrap();
    let tid = p
        .ini
        .execute(p.now, op(Op::INITIATE_CAPTURE, &[0, 0]))
        .unwrap();
    p.pump();
    assert_eq!(p.finish(tid).unwrap().response, ResponseCode::OK);
    let after = handles(&mut p, [0xFFFF_FFFF, 0, 0]).unwrap();
    let new: Vec<_> = after
        .iter()
        .filter(|h| !before.contains(h))
        .copied()
        .collect();
    assert_eq!(new.len(), 1, "one new object");
    assert_eq!(
        p.device_events(),
        [
            DeviceEvent {
                code: EventCode::OBJECT_ADDED,
                transaction: tid,
                params: Params::from_slice(&[new[0].0]).unwrap(),
            },
            DeviceEvent {
                code: EventCode::CAPTURE_COMPLETE,
                transaction: tid,
                params: Params::from_slice(&[tid.0]).unwrap(),
            },
        ]
    );
    let (_, data) = p.fetch(Op::GET_OBJECT_INFO, &[new[0].0]);
    let info = ObjectInfo::decode(&data).unwrap();
    assert_eq!(info.filename, "CAP_0001.JPG");
    assert_eq!(info.parent_object, ObjectHandle(2), "in DCIM/100PTPIP");
    assert_eq!(
        info.capture_date, "20240101T120000",
        "dated by the DateTime property"
    );
    let (_, jpeg) = p.fetch(Op::GET_OBJECT, &[new[0].0]);
    assert_eq!(jpeg, sample::sample_image(100));
    // Formats other than JPEG, and unknown stores, are refused.
    assert_eq!(
        p.call(Op::INITIATE_CAPTURE, &[0, 0x3804]).0,
        ResponseCode::INVALID_OBJECT_FORMAT_CODE
    );
    assert_eq!(
        p.call(Op::INITIATE_CAPTURE, &[0x0009_0001, 0]).0,
        ResponseCode::INVALID_STORAGE_ID
    );
    assert!(
        p.device_events().is_empty(),
        "no events for refused captures"
    );
}

#[test]
fn capture_without_storage_or_room() {
    let mut cam = VirtualCamera::new();
    let mut p = Pair::connected(Dialect::Generic, VirtualCamera::new(), Split::Whole);
    assert_eq!(
        p.call(Op::INITIATE_CAPTURE, &[0, 0]).0,
        ResponseCode::STORE_NOT_AVAILABLE
    );
    cam.add_storage("tiny", 100).unwrap();
    let mut p = Pair::connected(Dialect::Generic, cam, Split::Whole);
    assert_eq!(
        p.call(Op::INITIATE_CAPTURE, &[0, 0]).0,
        ResponseCode::STORE_FULL
    );
    assert!(p.device_events().is_empty());
}

#[test]
fn injected_events_reach_the_initiator() {
    let mut p = sample_pair();
    let e = DeviceEvent {
        code: EventCode::DEVICE_PROP_CHANGED,
        transaction: TransactionId(0xFFFF_FFFF),
        params: Params::from_slice(&[0x5001]).unwrap(),
    };
    p.resp.device_mut().push_event(e);
    p.resp.device_mut().push_event(DeviceEvent {
        code: EventCode(0xC123),
        ..e
    });
    p.pump();
    assert_eq!(
        p.device_events(),
        [
            e,
            DeviceEvent {
                code: EventCode(0xC123),
                ..e
            }
        ]
    );
}

#[test]
fn rejected_guid_gets_init_fail() {
    let mut cam = VirtualCamera::sample();
    cam.reject_guid(super::INITIATOR_GUID);
    let mut p = Pair::with(Dialect::Generic, cam, Split::Pieces(2), |_, _| {});
    p.pump();
    assert_eq!(
        p.events,
        [Event::ConnectionLost {
            reason: Error::InitFailed(InitFailReason::REJECTED_INITIATOR)
        }]
    );
    assert!(p.ini.is_closed());
    assert!(
        matches!(p.resp_events[..], [ResponderEvent::InitiatorRefused { guid }] if guid == super::INITIATOR_GUID)
    );
    // Allowed again, the same GUID connects.
    let mut cam = VirtualCamera::sample();
    cam.reject_guid(super::INITIATOR_GUID);
    cam.policy_mut().allow(super::INITIATOR_GUID);
    Pair::connected(Dialect::Generic, cam, Split::Whole);
}
