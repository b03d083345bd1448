use super::*;
use crate::fuji::battery::{BatteryReading, BatteryScale};
use crate::fuji::geotag::{GeoTag, GeoTagLayout};
use crate::fuji::lists::CurrentStateList;
use crate::ptp::dataset::test_support::{
    X_T1_PROPERTIES_MD, data_payload, find_opreq, parse_opreqs,
};

#[test]
fn shutter_speeds_with_the_sub_second_flag() {
    for (raw, text) in [
        (0x8000_EA60u32, "1/60"),
        (0x8000_0000 | 250_000, "1/250"),
        (0x8000_0000 | 1_300, "1/1.3"),
        (2_000, "2s"),
        (500, "0.5s"),
        (0xFFFF_FFFF, "--"),
    ] {
        let s = ShutterSpeed(raw);
        assert_eq!(s.to_string(), text, "{raw:#x}");
        if raw != 0xFFFF_FFFF {
            assert_eq!(text.parse::<ShutterSpeed>(), Ok(s), "{text}");
        }
    }
    assert!(ShutterSpeed(0x8000_EA60).is_fraction());
    assert!(!ShutterSpeed(2_000).is_fraction());
    assert!(!ShutterSpeed::NOT_APPLICABLE.is_fraction());
    assert_eq!(ShutterSpeed(0x8000_EA60).micros(), Some(16_666));
    assert_eq!(ShutterSpeed(2_000).micros(), Some(2_000_000));
    assert_eq!("1/1000s".parse(), Ok(ShutterSpeed::fraction(1_000_000)));
    assert_eq!("2\"".parse(), Ok(ShutterSpeed::seconds(2_000)));
    assert!("1/0".parse::<ShutterSpeed>().is_err());
    assert!("fast".parse::<ShutterSpeed>().is_err());
    // Order is by time: 1/1000 < 1/250 < 1/1.3 < 2 s < the camera's choice.
    let mut v = [
        ShutterSpeed::NOT_APPLICABLE,
        ShutterSpeed(2_000),
        ShutterSpeed::fraction(1_300),
        ShutterSpeed::fraction(250_000),
        ShutterSpeed::fraction(1_000_000),
    ];
    v.sort();
    let shown: Vec<String> = v.iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["1/1000", "1/250", "1/1.3", "2s", "--"]);
    assert_eq!(ShutterSpeed(0x9000_0001).unknown_bits(), 1);
}

#[test]
fn f_numbers_sensitivities_bias_and_focus_points() {
    assert_eq!(FNumber(0).to_string(), "Auto");
    assert_eq!(FNumber(0xFFFF).to_string(), "--");
    assert_eq!(FNumber(560).to_string(), "f/5.6");
    assert_eq!(FNumber(1100).to_string(), "f/11");
    assert_eq!(FNumber(0x168).to_string(), "f/3.6");
    for t in ["f/5.6", "F5.6", "5.6", "f/5.60"] {
        assert_eq!(t.parse(), Ok(FNumber(560)), "{t}");
    }
    assert_eq!("auto".parse(), Ok(FNumber::AUTO));
    assert!("f/5.655".parse::<FNumber>().is_err());
    assert_eq!("f/5.65".parse(), Ok(FNumber(565)));

    for (raw, text) in [
        (0xFFFF_FFFFu32, "Auto"),
        (0x8000_1900, "S6400"),
        (0x4000_0064, "L100"),
        (0x4000_3200, "H12800"),
        (400, "400"),
        (0x0100_0190, "400 (flags 0x1000000)"),
    ] {
        assert_eq!(Sensitivity(raw).to_string(), text);
    }
    assert!(Sensitivity(0x8000_1900).is_auto() && !Sensitivity(0x8000_1900).is_extended());
    assert!(Sensitivity(0x4000_0064).is_extended());
    assert_eq!(Sensitivity(0x8000_1900).iso(), Some(6400));
    assert_eq!("h12800".parse(), Ok(Sensitivity(0x4000_3200)));

    for (raw, text) in [(0i16, "0"), (-667, "-2/3"), (1333, "+1 1/3"), (3000, "+3")] {
        assert_eq!(ExposureBias(raw).to_string(), text);
        assert_eq!(text.parse(), Ok(ExposureBias(raw)), "{text}");
    }
    assert_eq!("-0.7".parse(), Ok(ExposureBias(-667)));
    assert_eq!("+2".parse(), Ok(ExposureBias(2000)));
    assert_eq!(ExposureBias::from_thirds(-7), ExposureBias(-2333));
    assert!("lots".parse::<ExposureBias>().is_err());

    let p = FocusPoint::from_u32(0x0302_0702);
    assert_eq!((p.x, p.y, p.rest), (7, 2, [2, 3]));
    assert_eq!(p.to_string(), "7x2");
    assert_eq!(p.to_u32(), 0x0302_0702);
    assert_eq!("7x2".parse(), Ok(p));
    assert_eq!("7 2".parse(), Ok(FocusPoint::new(7, 2)));
    assert!("0x2".parse::<FocusPoint>().is_err());
    assert!("7".parse::<FocusPoint>().is_err());
}

#[test]
fn exposure_controls_compare_their_values() {
    use std::cmp::Ordering::{Greater, Less};
    let c = ExposureControl::ShutterSpeed;
    assert_eq!(c.operation().0, 0x902C);
    assert_eq!(ExposureControl::Aperture.operation().0, 0x902D);
    assert_eq!(ExposureControl::ExposureBias.operation().0, 0x902E);
    let fast = c.parse("1/1000").unwrap();
    let slow = c.value(0x8000_0000 | 250_000);
    assert_eq!(fast.compare(&slow), Some(Less));
    assert_eq!(
        c.value(0xFFFF_FFFF).compare(&slow),
        None,
        "the camera's choice has no place"
    );
    let a = ExposureControl::Aperture;
    assert_eq!(
        a.parse("f/8").unwrap().compare(&a.value(560)),
        Some(Greater)
    );
    assert_eq!(a.value(0).compare(&a.value(560)), None);
    let b = ExposureControl::ExposureBias;
    assert_eq!(b.value(0xFD65).to_string(), "-2/3");
    assert_eq!(b.parse("-2/3").unwrap(), b.value(0xFD65));
    assert_eq!(fast.compare(&a.value(560)), None);
}

/// The payload of the X-T1's GetDevicePropValue dump for `code`.
fn x_t1_value(code: u16) -> Vec<u8> {
    let opreqs = parse_opreqs(X_T1_PROPERTIES_MD);
    data_payload(&find_opreq(&opreqs, 0x1015, code).dumps[0], 0x1015)
}

fn word(bytes: &[u8]) -> u32 {
    let mut w = [0u8; 4];
    w[..bytes.len()].copy_from_slice(bytes);
    u32::from_le_bytes(w)
}

/// What the fixture's headings say each value is, decoded with the typed values: every
/// GetDevicePropValue dump of the X-T1 is accounted for.
#[test]
fn every_x_t1_value_decodes_to_what_its_heading_says() {
    let opreqs = parse_opreqs(X_T1_PROPERTIES_MD);
    let values: Vec<u16> = opreqs
        .iter()
        .filter(|o| o.op == 0x1015)
        .map(|o| o.param.unwrap())
        .collect();
    assert_eq!(values.len(), 42);
    let state = |code: u16| StateValue::decode(DevicePropCode(code), word(&x_t1_value(code)));

    // "Battery Level": one byte, 0: the critical step of the X-T1's 0–3 scale.
    let StateValue::Battery(b) = state(0x5001) else {
        panic!()
    };
    assert_eq!(
        (b.scale, b.reading),
        (BatteryScale::ThreeBars, BatteryReading::Critical)
    );
    // "F-Number" 0 reads as the camera's choice, not f/0.0.
    assert_eq!(state(0x5007).to_string(), "Auto");
    // "Exposure Index" 0xFFFFFFFF: auto; "Shutter Speed" 0xFFFFFFFF: the camera chooses.
    assert_eq!(state(0xD02A).to_string(), "Auto");
    assert_eq!(state(0xD240).to_string(), "--");
    assert_eq!(state(0x5010).to_string(), "0");
    // "Focus Metering Mode" (the focus point): unset.
    assert_eq!(
        state(0xD17C),
        StateValue::FocusPoint(FocusPoint::from_u32(0))
    );
    // "Captures remaining" 1494, "Movie Remaining Time" 1679, "Image Aspect Ratio" 10 (L 3:2).
    assert_eq!(state(0xD229), StateValue::Other(1494));
    assert_eq!(state(0xD22A), StateValue::Other(1679));
    assert_eq!(state(0xD241), StateValue::Other(10));
    // The version properties: receive 3, browse 3, AutoSave 1, remote ("The minimal supported
    // Application Version") 0x00020001, remote browse 1, geotag 2.
    for (code, v) in [
        (0xDF21, 3),
        (0xDF22, 3),
        (0xDF23, 1),
        (0xDF24, 0x0002_0001),
        (0xDF25, 1),
        (0xDF31, 2),
    ] {
        assert_eq!(x_t1_value(code), u32::to_le_bytes(v), "{code:#06x}");
    }
    // 0xDF00 (camera state) and 0xDF01 (the init sequence) read 0 outside the set-up; 0xD220
    // (no transfer requested) and 0xD222 (no pictures to browse in remote mode) too.
    for code in [0xDF00, 0xDF01, 0xD220, 0xD222, 0xD226, 0xD227] {
        assert_eq!(word(&x_t1_value(code)), 0, "{code:#06x}");
    }
    // "Current State": the 17 entries, labelled.
    let list = CurrentStateList::decode(&x_t1_value(0xD212)).unwrap();
    assert_eq!(list.entries.len(), 17);
    let shown: Vec<String> = list
        .entries
        .iter()
        .map(|e| format!("{:#06x}={}", e.code.0, StateValue::decode(e.code, e.value)))
        .collect();
    for want in ["0x5001=2/3", "0x5010=-1/3", "0xd02a=S6400", "0xd17c=7x2"] {
        assert!(shown.iter().any(|s| s == want), "{want}: {shown:?}");
    }
    // 0xD228: the model and firmware ("Clearly shows device model and firmware version").
    let d228 = x_t1_value(0xD228);
    let text = String::from_utf8_lossy(&d228);
    assert!(text.contains("X-T1") && text.contains("5.51"), "{text}");
    // 0xD500: a geotag in the X-T1's read layout, all zero.
    let (g, layout) = GeoTag::decode(&x_t1_value(0xD500)).unwrap();
    assert_eq!(layout, GeoTagLayout::FixedAscii);
    assert_eq!((g.latitude, g.longitude), (0, 0));
    // Fixed-width ASCII values: "Image Size" and 0xD174.
    assert!(x_t1_value(0x5003).starts_with(b"L_4-3\0"));
    assert!(x_t1_value(0xD174).starts_with(b"320x280\0"));
}
