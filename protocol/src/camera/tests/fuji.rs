//! FujiCamera end to end in the Fujifilm dialect, checked against the X-T1 and X-H1 dumps, and the
//! live-view generator.

use bytes::Bytes;

use super::{Pair, Split, op};
use crate::camera::{FUJI_APP_VERSION, FujiCamera, LiveViewGenerator};
use crate::error::Error;
use crate::fuji::LiveViewFrame;
use crate::fuji::lists::{CurrentStateList, DevicePropDescList};
use crate::initiator::Event;
use crate::packet::{Dialect, InitFailReason};
use crate::ptp::codes::{DevicePropCode, EventCode, OperationCode as Op, ResponseCode};
use crate::ptp::dataset::{DeviceInfo, DevicePropDesc};
use crate::ptp::value::PropValue;
use crate::responder::ResponderEvent;
use crate::types::SessionId;

/// The X-T1's 0x902B reply (see `src/fuji/fixtures/README.md`).
const X_T1_902B: &str = include_str!("../../fuji/fixtures/x-t1-902b-reply.txt");
/// The X-T1 property dumps (see `src/ptp/dataset/fixtures/README.md`).
const X_T1_PROPERTIES: &str = include_str!("../../ptp/dataset/fixtures/x-t1-known-properties.md");
/// The X-H1's GetDeviceInfo reply, one data container.
const XH1_DEVICE_INFO: &[u8] = include_bytes!("../../ptp/dataset/fixtures/xh1_device_info.bin");

/// The bytes of every Go `hex.Dump` block after the line `header`, up to the next `opreq` line:
/// one vector per `Received N bytes` block, its length checked against N.
fn dumps_after(text: &str, header: &str) -> Vec<Vec<u8>> {
    let mut lines = text
        .lines()
        .skip_while(|l| !l.trim().eq_ignore_ascii_case(header))
        .skip(1);
    let mut dumps: Vec<(usize, Vec<u8>)> = Vec::new();
    for line in lines.by_ref() {
        let line = line.trim_end();
        if line.starts_with("opreq") {
            break;
        }
        if let Some(n) = line
            .strip_prefix("Received ")
            .and_then(|r| r.split(' ').next())
        {
            dumps.push((n.parse().expect("a byte count"), Vec::new()));
        } else if let (Some(bar), Some((_, bytes))) = (line.find('|'), dumps.last_mut()) {
            let hex = &line[8..bar];
            bytes.extend(
                hex.split_whitespace()
                    .map(|t| u8::from_str_radix(t, 16).expect("hex")),
            );
        }
    }
    assert!(!dumps.is_empty(), "no dump after {header:?}");
    dumps
        .into_iter()
        .map(|(n, bytes)| {
            assert_eq!(bytes.len(), n, "dump length after {header:?}");
            bytes
        })
        .collect()
}

/// The data payload of the first dump after `header`: the bytes after the 12-byte container
/// header.
fn payload_after(text: &str, header: &str) -> Vec<u8> {
    let dump = &dumps_after(text, header)[0];
    assert_eq!(
        u16::from_le_bytes([dump[4], dump[5]]),
        2,
        "a data container"
    );
    dump[12..].to_vec()
}

fn fuji_pair(split: Split) -> Pair<FujiCamera> {
    Pair::connected(Dialect::Fuji, FujiCamera::new(), split)
}

fn prop(p: &mut Pair<FujiCamera>, code: DevicePropCode) -> PropValue {
    let (rc, data) = p.fetch(Op::GET_DEVICE_PROP_VALUE, &[u32::from(code.0)]);
    assert_eq!(rc, ResponseCode::OK, "{code}");
    let t = p.resp.device().props().desc(code).unwrap().data_type;
    PropValue::parse_whole(&data, t).unwrap()
}

#[test]
fn init_sequence_reaches_ready_and_sets_the_camera_up() {
    for split in [Split::Whole, Split::Pieces(21)] {
        let p = fuji_pair(split);
        assert!(p.ini.is_ready());
        assert!(
            p.resp_events
                .contains(&ResponderEvent::SessionOpened(SessionId(1)))
        );
        let cam = p.resp.device();
        assert_eq!(
            cam.props().value(DevicePropCode::FUJI_INIT_SEQUENCE),
            Some(&PropValue::UInt16(5))
        );
        assert_eq!(
            cam.props().value(DevicePropCode::FUJI_APP_VERSION),
            Some(&PropValue::UInt32(FUJI_APP_VERSION)),
            "the initiator echoes what it read"
        );
        assert!(
            p.events
                .iter()
                .all(|e| !matches!(e, Event::ConnectionLost { .. }))
        );
    }
    // An initiator that claims a newer app version writes it.
    let mut p = Pair::with(Dialect::Fuji, FujiCamera::new(), Split::Whole, |ic, _| {
        ic.fuji_app_version = Some(0x0002_00FF);
    });
    p.pump();
    assert!(p.ini.is_ready());
    assert_eq!(
        p.resp
            .device()
            .props()
            .value(DevicePropCode::FUJI_APP_VERSION),
        Some(&PropValue::UInt32(0x0002_00FF))
    );
}

#[test]
fn desc_list_is_byte_for_byte_the_x_t1_reply() {
    let mut p = fuji_pair(Split::Pieces(4));
    let (rc, data) = p.fetch(Op::FUJI_GET_DEVICE_PROP_DESC_LIST, &[]);
    assert_eq!(rc, ResponseCode::OK);
    let x_t1 = payload_after(X_T1_902B, "opreq 0x902B");
    assert_eq!(data, x_t1);
    let list = DevicePropDescList::decode(&data).unwrap();
    assert_eq!(list.descs.len(), 8);
    // Each description also comes alone from GetDevicePropDesc.
    for d in &list.descs {
        let (rc, one) = p.fetch(Op::GET_DEVICE_PROP_DESC, &[u32::from(d.code.0)]);
        assert_eq!(rc, ResponseCode::OK);
        assert_eq!(&DevicePropDesc::decode(&one).unwrap(), d);
    }
}

#[test]
fn state_list_has_the_x_t1_layout_and_live_values() {
    let mut p = fuji_pair(Split::Whole);
    let (rc, data) = p.fetch(Op::GET_DEVICE_PROP_VALUE, &[0xD212]);
    assert_eq!(rc, ResponseCode::OK);
    let ours = CurrentStateList::decode(&data).unwrap();
    let x_t1 =
        CurrentStateList::decode(&payload_after(X_T1_PROPERTIES, "opreq 0x1015 0xd212")).unwrap();
    let codes = |l: &CurrentStateList| l.entries.iter().map(|e| e.code).collect::<Vec<_>>();
    // The X-T1's seventeen, in its order, then the shutter speed and F-number of later bodies.
    assert_eq!(
        codes(&ours)[..17],
        codes(&x_t1),
        "same properties, same order"
    );
    assert_eq!(
        codes(&ours)[17..],
        [DevicePropCode::FUJI_SHUTTER_SPEED, DevicePropCode::F_NUMBER]
    );
    let cam = p.resp.device();
    for (o, x) in ours.entries.iter().zip(&x_t1.entries) {
        match cam.props().value(o.code) {
            // Described properties report their current value, zero-extended.
            Some(v) => assert_eq!(
                i128::from(o.value),
                v.as_i128().unwrap() & mask(v),
                "{}",
                o.code
            ),
            None => assert_eq!(o.value, x.value, "{}", o.code),
        }
    }
    // A change shows in the list: −1/3 EV is 0xFEB3, as in the X-T1 dump.
    let (rc, _) = p.send(
        Op::SET_DEVICE_PROP_VALUE,
        &[0x5010],
        Bytes::from_static(&[0xB3, 0xFE]),
    );
    assert_eq!(rc, ResponseCode::OK);
    let (_, data) = p.fetch(Op::GET_DEVICE_PROP_VALUE, &[0xD212]);
    let after = CurrentStateList::decode(&data).unwrap();
    assert_eq!(
        after.get(DevicePropCode::EXPOSURE_BIAS_COMPENSATION),
        Some(0xFEB3)
    );
    assert_eq!(
        after.get(DevicePropCode::EXPOSURE_BIAS_COMPENSATION),
        x_t1.get(DevicePropCode::EXPOSURE_BIAS_COMPENSATION)
    );
}

/// The bits a value of `v`'s type has.
fn mask(v: &PropValue) -> i128 {
    match v {
        PropValue::Int8(_) | PropValue::UInt8(_) => 0xFF,
        PropValue::Int16(_) | PropValue::UInt16(_) => 0xFFFF,
        _ => 0xFFFF_FFFF,
    }
}

#[test]
fn fuji_properties_get_set_and_validate() {
    let mut p = fuji_pair(Split::Pieces(8));
    // A u32 and 16 zero bytes, as malc0mn's client writes every value.
    let padded = |v: u32| {
        let mut b = v.to_le_bytes().to_vec();
        b.extend_from_slice(&[0; 16]);
        b
    };
    let cases: Vec<(u32, Vec<u8>, ResponseCode)> = vec![
        (0xD001, vec![5, 0], ResponseCode::OK),
        (0xD001, padded(11), ResponseCode::OK),
        (0xD001, vec![12, 0], ResponseCode::INVALID_DEVICE_PROP_VALUE),
        (0xD02A, 400u32.to_le_bytes().to_vec(), ResponseCode::OK),
        (
            0xD02A,
            401u32.to_le_bytes().to_vec(),
            ResponseCode::INVALID_DEVICE_PROP_VALUE,
        ),
        (0x5012, vec![2, 0], ResponseCode::OK),
        (0x5012, vec![1, 0], ResponseCode::INVALID_DEVICE_PROP_VALUE),
        (0x500C, vec![0x0A, 0x80], ResponseCode::OK),
        (0x5005, vec![0x06, 0x80], ResponseCode::OK),
        (
            0x5005,
            vec![0x05, 0x80],
            ResponseCode::INVALID_DEVICE_PROP_VALUE,
        ),
        (0xD019, vec![0, 0], ResponseCode::OK),
        (
            0xD17C,
            0x0302_0702u32.to_le_bytes().to_vec(),
            ResponseCode::OK,
        ),
        (
            0xD17C,
            0x1009_0708u32.to_le_bytes().to_vec(),
            ResponseCode::INVALID_DEVICE_PROP_VALUE,
        ),
        (
            0xD001,
            vec![1, 0, 0, 1],
            ResponseCode::INVALID_DEVICE_PROP_FORMAT,
        ),
        (0x5003, vec![1, 0], ResponseCode::DEVICE_PROP_NOT_SUPPORTED),
        (0xD212, vec![1, 0], ResponseCode::DEVICE_PROP_NOT_SUPPORTED),
    ];
    for (code, data, want) in cases {
        assert_eq!(
            p.send(Op::SET_DEVICE_PROP_VALUE, &[code], data.clone()).0,
            want,
            "{code:#x} {data:x?}"
        );
    }
    assert_eq!(
        prop(&mut p, DevicePropCode::FUJI_FILM_SIMULATION),
        PropValue::UInt16(11)
    );
    assert_eq!(
        prop(&mut p, DevicePropCode::FUJI_EXPOSURE_INDEX),
        PropValue::UInt32(400)
    );
    assert_eq!(
        prop(&mut p, DevicePropCode::CAPTURE_DELAY),
        PropValue::UInt16(2)
    );
    assert_eq!(
        prop(&mut p, DevicePropCode::FLASH_MODE),
        PropValue::UInt16(0x800A)
    );
    assert_eq!(
        prop(&mut p, DevicePropCode::WHITE_BALANCE),
        PropValue::UInt16(0x8006)
    );
    assert_eq!(
        prop(&mut p, DevicePropCode::FUJI_REC_MODE),
        PropValue::UInt16(0)
    );
    assert_eq!(
        prop(&mut p, DevicePropCode::FUJI_FOCUS_POINT),
        PropValue::UInt32(0x0302_0702)
    );
    for code in [0x5003, 0xD174] {
        assert_eq!(
            p.fetch(Op::GET_DEVICE_PROP_VALUE, &[code]).0,
            ResponseCode::DEVICE_PROP_NOT_SUPPORTED
        );
        assert_eq!(
            p.fetch(Op::GET_DEVICE_PROP_DESC, &[code]).0,
            ResponseCode::DEVICE_PROP_NOT_SUPPORTED
        );
    }
    assert_eq!(
        p.fetch(Op::GET_DEVICE_PROP_DESC, &[0xD212]).0,
        ResponseCode::DEVICE_PROP_NOT_SUPPORTED
    );
    assert_eq!(
        p.call(Op::GET_OBJECT_HANDLES, &[0xFFFF_FFFF]).0,
        ResponseCode::OPERATION_NOT_SUPPORTED
    );
}

#[test]
fn capture_sequence_with_preview() {
    let mut p = fuji_pair(Split::Pieces(6));
    let remaining = |p: &mut Pair<FujiCamera>| {
        let (_, d) = p.fetch(Op::GET_DEVICE_PROP_VALUE, &[0xD212]);
        CurrentStateList::decode(&d)
            .unwrap()
            .get(DevicePropCode::FUJI_CAPTURES_REMAINING)
    };
    let before = remaining(&mut p);
    for round in 1..=2u32 {
        let tid = p
            .ini
            .execute(p.now, op(Op::INITIATE_CAPTURE, &[0, 0]))
            .unwrap();
        p.pump();
        assert_eq!(p.finish(tid).unwrap().response, ResponseCode::OK);
        let events = p.device_events();
        let codes: Vec<EventCode> = events.iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            [
                EventCode::FUJI_OBJECT_ADDED,
                EventCode::FUJI_PREVIEW_AVAILABLE
            ],
            "round {round}"
        );
        assert!(events.iter().all(|e| e.transaction == tid));
        // As the X-T1 sends it: the transaction twice, the size at offset 20, then 0.
        assert_eq!(events[1].params.len(), 4);
        assert_eq!(events[1].params.get(1), Some(tid.0));
        let size = events[1]
            .params
            .get(3)
            .expect("parameter 3: the preview size");
        // Until the preview is fetched the camera takes no other picture.
        assert_eq!(
            p.call(Op::INITIATE_CAPTURE, &[0, 0]).0,
            ResponseCode::DEVICE_BUSY
        );
        assert!(
            p.device_events().is_empty(),
            "CaptureComplete before the preview was fetched"
        );
        let (rc, preview) = p.fetch(Op::FUJI_GET_CAPTURE_PREVIEW, &[]);
        assert_eq!(rc, ResponseCode::OK);
        assert_eq!(preview.len() as u32, size, "the announced size");
        assert!(preview.starts_with(&[0xFF, 0xD8]) && preview.ends_with(&[0xFF, 0xD9]));
        let done = p.device_events();
        assert_eq!(done.len(), 1);
        assert_eq!(
            (done[0].code, done[0].transaction),
            (EventCode::CAPTURE_COMPLETE, tid)
        );
        assert_eq!(done[0].params.as_slice(), [tid.0]);
        assert_eq!(p.resp.device().captures(), round);
    }
    assert_eq!(
        remaining(&mut p),
        before.map(|n| n - 2),
        "each shot uses a frame"
    );
    // No capture pending: no preview.
    assert_eq!(
        p.fetch(Op::FUJI_GET_CAPTURE_PREVIEW, &[]).0,
        ResponseCode::NO_THUMBNAIL_PRESENT
    );
}

#[test]
fn device_info_has_the_x_h1_shape() {
    let mut p = fuji_pair(Split::Whole);
    let (rc, data) = p.fetch(Op::GET_DEVICE_INFO, &[]);
    assert_eq!(rc, ResponseCode::OK);
    let ours = DeviceInfo::decode(&data).unwrap();
    let x_h1 = DeviceInfo::decode(&XH1_DEVICE_INFO[12..]).unwrap();
    assert_eq!(ours.standard_version, x_h1.standard_version);
    assert_eq!(ours.vendor_extension_id, x_h1.vendor_extension_id);
    assert_eq!(ours.vendor_extension_version, x_h1.vendor_extension_version);
    assert_eq!(ours.vendor_extension_desc, x_h1.vendor_extension_desc);
    assert_eq!(ours.manufacturer, x_h1.manufacturer);
    for code in [
        Op::FUJI_GET_DEVICE_PROP_DESC_LIST,
        Op::FUJI_GET_CAPTURE_PREVIEW,
        Op::INITIATE_OPEN_CAPTURE,
    ] {
        assert!(ours.supports_operation(code), "{code}");
    }
    for code in [
        DevicePropCode::FUJI_CURRENT_STATE,
        DevicePropCode::FUJI_APP_VERSION,
        DevicePropCode::FUJI_FILM_SIMULATION,
    ] {
        assert!(ours.supports_property(code), "{code}");
    }
    // Every listed property other than the state list answers GetDevicePropValue.
    for code in ours.device_properties_supported {
        assert_eq!(
            p.fetch(Op::GET_DEVICE_PROP_VALUE, &[u32::from(code.0)]).0,
            ResponseCode::OK,
            "{code}"
        );
    }
}

#[test]
fn refused_initiator_gets_the_fuji_reason() {
    let mut cam = FujiCamera::new();
    cam.policy_mut().reject(super::INITIATOR_GUID);
    cam.policy_mut()
        .set_reason(InitFailReason::FUJI_DEVICE_BUSY);
    let mut p = Pair::with(Dialect::Fuji, cam, Split::Pieces(3), |_, _| {});
    p.pump();
    assert_eq!(
        p.events,
        [Event::ConnectionLost {
            reason: Error::InitFailed(InitFailReason::FUJI_DEVICE_BUSY)
        }]
    );
}

#[test]
fn live_view_frames_count_and_wrap() {
    let mut lv = LiveViewGenerator::new(160, 120);
    let mut previous: Option<Bytes> = None;
    for n in 0..260u32 {
        let frame = lv.next_frame();
        assert_eq!(frame.frame_number(), (n % 256) as u8);
        let mut wire = Vec::new();
        frame.encode(&mut wire);
        assert_eq!(
            u32::from_le_bytes(wire[..4].try_into().unwrap()) as usize,
            wire.len()
        );
        assert_eq!(wire[8], (n % 256) as u8, "the counter is byte 8");
        assert_eq!(&wire[4..8], &[0; 4]);
        assert_eq!(&wire[18..20], &[0xFF, 0xD8], "the JPEG starts at offset 18");
        let back = LiveViewFrame::decode(&Bytes::from(wire)).unwrap();
        assert_eq!(back, frame);
        assert!(back.has_jpeg_marker());
        assert_ne!(previous.as_ref(), Some(&frame.jpeg), "the picture moves");
        previous = Some(frame.jpeg);
    }
    assert_eq!(lv.frames(), 260);
}
