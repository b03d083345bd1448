//! Property tables: forms, wire values, resets, date checks.

use crate::camera::props::exposure_thirds;
use crate::camera::{PropTable, is_ptp_datetime};
use crate::ptp::codes::{DevicePropCode, ResponseCode};
use crate::ptp::dataset::PropForm;
use crate::ptp::string::PtpString;
use crate::ptp::value::PropValue;

const RANGED: DevicePropCode = DevicePropCode::FOCUS_DISTANCE;
const LISTED: DevicePropCode = DevicePropCode::WHITE_BALANCE;
const FIXED: DevicePropCode = DevicePropCode::BATTERY_LEVEL;

fn table() -> PropTable {
    let mut t = PropTable::new();
    let range = PropForm::Range {
        min: PropValue::UInt16(10),
        max: PropValue::UInt16(50),
        step: PropValue::UInt16(5),
    };
    t.describe(
        RANGED,
        true,
        PropValue::UInt16(10),
        PropValue::UInt16(20),
        range,
    );
    let list = PropForm::Enumeration {
        values: vec![PropValue::UInt16(2), PropValue::UInt16(4)],
    };
    t.describe(
        LISTED,
        true,
        PropValue::UInt16(2),
        PropValue::UInt16(4),
        list,
    );
    t.describe(
        FIXED,
        false,
        PropValue::UInt8(9),
        PropValue::UInt8(9),
        PropForm::None,
    );
    t
}

#[test]
fn ranges_check_bounds_and_steps() {
    let mut t = table();
    for (v, ok) in [
        (10, true),
        (15, true),
        (50, true),
        (5, false),
        (12, false),
        (55, false),
    ] {
        let got = t.set(RANGED, PropValue::UInt16(v));
        assert_eq!(got.is_ok(), ok, "{v}");
        if !ok {
            assert_eq!(got, Err(ResponseCode::INVALID_DEVICE_PROP_VALUE));
        }
    }
    assert_eq!(t.value(RANGED), Some(&PropValue::UInt16(50)));
}

#[test]
fn wrong_types_unknown_codes_and_read_only_are_refused() {
    let mut t = table();
    assert_eq!(
        t.set(LISTED, PropValue::UInt32(2)),
        Err(ResponseCode::INVALID_DEVICE_PROP_FORMAT)
    );
    assert_eq!(
        t.set(FIXED, PropValue::UInt8(9)),
        Err(ResponseCode::ACCESS_DENIED)
    );
    assert_eq!(
        t.set(DevicePropCode::F_NUMBER, PropValue::UInt16(2)),
        Err(ResponseCode::DEVICE_PROP_NOT_SUPPORTED)
    );
    assert!(
        t.force(FIXED, PropValue::UInt8(3)),
        "the device may change read-only values"
    );
    assert!(!t.force(FIXED, PropValue::UInt16(3)));
    assert_eq!(t.value(FIXED), Some(&PropValue::UInt8(3)));
}

#[test]
fn wire_values_strict_and_lenient() {
    let mut t = table();
    assert_eq!(t.set_from_wire(LISTED, &[2, 0], false), Ok(()));
    // A u32 plus 16 zero bytes, as Fujifilm clients send: only the lenient form takes it.
    let mut padded = vec![4, 0, 0, 0];
    padded.extend_from_slice(&[0; 16]);
    assert_eq!(
        t.set_from_wire(LISTED, &padded, false),
        Err(ResponseCode::INVALID_DEVICE_PROP_FORMAT)
    );
    assert_eq!(t.set_from_wire(LISTED, &padded, true), Ok(()));
    assert_eq!(t.value(LISTED), Some(&PropValue::UInt16(4)));
    // Padding that is not zero, or too few bytes, is refused either way.
    assert_eq!(
        t.set_from_wire(LISTED, &[2, 0, 1, 0], true),
        Err(ResponseCode::INVALID_DEVICE_PROP_FORMAT)
    );
    assert_eq!(
        t.set_from_wire(LISTED, &[2], true),
        Err(ResponseCode::INVALID_DEVICE_PROP_FORMAT)
    );
}

#[test]
fn reset_one_and_all() {
    let mut t = table();
    t.set(RANGED, PropValue::UInt16(40)).unwrap();
    assert_eq!(t.reset(u32::from(LISTED.0)), Ok(()));
    assert_eq!(t.value(LISTED), Some(&PropValue::UInt16(2)));
    assert_eq!(t.value(RANGED), Some(&PropValue::UInt16(40)));
    assert_eq!(
        t.reset(u32::from(FIXED.0)),
        Err(ResponseCode::ACCESS_DENIED)
    );
    assert_eq!(
        t.reset(0x1_5001),
        Err(ResponseCode::DEVICE_PROP_NOT_SUPPORTED)
    );
    assert_eq!(t.reset(0xFFFF_FFFF), Ok(()));
    assert_eq!(t.value(RANGED), Some(&PropValue::UInt16(10)));
}

#[test]
fn ptp_dates() {
    let s = |t: &str| PropValue::Str(PtpString::new(t).unwrap());
    for ok in [
        "20240101T120000",
        "19991231T235959.5",
        "20240229T000000Z",
        "20240101T120000+0130",
    ] {
        assert!(is_ptp_datetime(&s(ok)), "{ok}");
    }
    for bad in [
        "",
        "2024-01-01",
        "20240101 120000",
        "20241301T120000",
        "20240100T120000",
        "20240101T240000",
        "20240101T126000",
        "20240101T120000.",
        "20240101T120000+01",
        "20240101T120000X",
        "2024010aT120000",
    ] {
        assert!(!is_ptp_datetime(&s(bad)), "{bad}");
    }
    assert!(!is_ptp_datetime(&PropValue::UInt16(2024)));
}

#[test]
fn exposure_thirds_round_half_away_from_zero() {
    let v: Vec<i128> = exposure_thirds()
        .iter()
        .map(|v| v.as_i128().unwrap())
        .collect();
    assert_eq!(v.len(), 19);
    for (n, got) in (-9i128..=9).zip(v) {
        let exact = n as f64 * 1000.0 / 3.0;
        assert_eq!(got, exact.round() as i128, "{n} thirds");
    }
}

/// Both models answer the same [`CameraModel`] calls: what `with_props_mut` wrote is what
/// `with_props` and `props` read, and a Fujifilm body's table is shared by its sessions.
#[test]
fn camera_model_props_read_what_was_written_in_both_models() {
    use crate::camera::{CameraModel, FujiBody, FujiPersonality, VirtualCamera};

    let wb = DevicePropCode::WHITE_BALANCE;
    let mut cam = VirtualCamera::sample();
    assert_eq!(cam.props().value(wb), Some(&PropValue::UInt16(2)));
    cam.with_props_mut(|p| p.set(wb, PropValue::UInt16(4)))
        .unwrap();
    assert_eq!(
        cam.with_props(|p| p.value(wb).cloned()),
        Some(PropValue::UInt16(4))
    );
    assert_eq!(cam.props().value(wb), Some(&PropValue::UInt16(4)));

    let film = DevicePropCode::FUJI_FILM_SIMULATION;
    let body = FujiBody::new(FujiPersonality::Remote);
    let mut one = body.session();
    let two = body.session();
    let before = two.props().value(film).cloned().unwrap();
    let other = one.with_props(|p| match &p.desc(film).unwrap().form {
        PropForm::Enumeration { values } => values.iter().find(|v| **v != before).cloned(),
        _ => None,
    });
    let other = other.expect("film simulation has another value");
    one.with_props_mut(|p| p.set(film, other.clone())).unwrap();
    assert_eq!(two.props().value(film), Some(&other));
    assert_eq!(body.props().value(film), Some(&other));
}

#[test]
fn camera_model_rejects_and_allows_again() {
    use crate::camera::{CameraModel, FujiCamera, VirtualCamera};
    use crate::types::Guid;

    fn rejects_then_allows(model: &mut impl CameraModel) {
        let guid = Guid([9; 16]);
        assert!(model.policy_mut().check(guid).is_ok(), "accepted at first");
        model.reject_guid(guid);
        assert!(model.policy_mut().check(guid).is_err(), "rejected");
        assert!(
            model.policy_mut().check(Guid([8; 16])).is_ok(),
            "others still accepted"
        );
        model.allow_guid(guid);
        assert!(model.policy_mut().check(guid).is_ok(), "allowed again");
    }
    rejects_then_allows(&mut VirtualCamera::sample());
    rejects_then_allows(&mut FujiCamera::new());
}
