//! The virtual X-T1's properties: the eight remote-shooting properties 0x902B describes, the
//! rest of its 0xD212 state list, the set-up and version properties, and the browse-mode ones,
//! with the X-T1's values and the stops its exposure controls step through.

use super::super::PropTable;
use super::super::props::exposure_thirds;
use crate::ptp::codes::DevicePropCode as P;
use crate::ptp::dataset::PropForm;
use crate::ptp::value::PropValue::{self, Int16, UInt8, UInt16, UInt32};

/// The AppVersion (0xDF24) an X-T1 reports.
pub const FUJI_APP_VERSION: u32 = 0x0002_0001;

/// The properties 0x902B describes, in the X-T1's order.
pub(super) const DESC_LIST: &[P] = &[
    P::CAPTURE_DELAY,
    P::FLASH_MODE,
    P::WHITE_BALANCE,
    P::EXPOSURE_BIAS_COMPENSATION,
    P::FUJI_FILM_SIMULATION,
    P::FUJI_EXPOSURE_INDEX,
    P::FUJI_REC_MODE,
    P::FUJI_FOCUS_POINT,
];

/// The 0xD212 entries in remote mode: the X-T1's seventeen in its order, then the shutter speed
/// and F-number that later bodies (the X-T4) list as well.
pub(super) const REMOTE_STATE: &[P] = &[
    P::BATTERY_LEVEL,
    P::FUJI_IMAGE_ASPECT_RATIO,
    P::WHITE_BALANCE,
    P::FOCUS_MODE,
    P::FLASH_MODE,
    P::EXPOSURE_PROGRAM_MODE,
    P::EXPOSURE_BIAS_COMPENSATION,
    P::CAPTURE_DELAY,
    P::FUJI_FILM_SIMULATION,
    P::FUJI_IMAGE_QUALITY,
    P::FUJI_COMMAND_DIAL_MODE,
    P::FUJI_EXPOSURE_INDEX,
    P::FUJI_FOCUS_POINT,
    P::FUJI_FOCUS_LOCK,
    P::FUJI_DEVICE_ERROR,
    P::FUJI_CAPTURES_REMAINING,
    P::FUJI_MOVIE_REMAINING_TIME,
    P::FUJI_SHUTTER_SPEED,
    P::F_NUMBER,
];

/// What 0xD212 reports in a browsing session (once, then only what changes).
pub(super) const BROWSE_STATE: &[P] = &[
    P::FUJI_CAMERA_STATE,
    P::FUJI_TRANSFER_REQUEST,
    P::FUJI_OBJECT_COUNT,
];

/// The shutter speeds, slowest first, in thirds of a stop: seconds (thousandths) then
/// fractions (denominators in thousandths), as `fuji::ShutterSpeed` words. The X-T1's mechanical
/// range, 30 s to 1/4000.
pub(super) fn shutter_stops() -> Vec<u32> {
    const SECONDS: &[u32] = &[
        30_000, 25_000, 20_000, 15_000, 13_000, 10_000, 8_000, 6_500, 5_000, 4_000, 3_000, 2_500,
        2_000, 1_600, 1_300, 1_000,
    ];
    // Denominators in thousandths: 1/1.3 to 1/4000.
    const FRACTIONS: &[u32] = &[
        1_300, 1_600, 2_000, 2_500, 3_000, 4_000, 5_000, 6_000, 8_000, 10_000, 13_000, 15_000,
        20_000, 25_000, 30_000, 40_000, 50_000, 60_000, 80_000, 100_000, 125_000, 160_000, 200_000,
        250_000, 320_000, 400_000, 500_000, 640_000, 800_000, 1_000_000, 1_250_000, 1_600_000,
        2_000_000, 2_500_000, 3_200_000, 4_000_000,
    ];
    SECONDS
        .iter()
        .copied()
        .chain(FRACTIONS.iter().map(|&d| 0x8000_0000 | d))
        .collect()
}

/// The F-numbers, widest first, in thirds (an f/2 lens), as hundredths.
pub(super) const APERTURE_STOPS: &[u16] = &[
    200, 220, 250, 280, 320, 360, 400, 450, 500, 560, 640, 710, 800, 900, 1000, 1100, 1300, 1400,
    1600,
];

/// The shutter speed the camera starts at: 1/250.
pub(super) const START_SHUTTER: u32 = 0x8000_0000 | 250_000;
/// The F-number it starts at: f/5.6.
pub(super) const START_APERTURE: u16 = 560;

/// An enumeration of UINT16 values.
fn enum_u16(values: &[u16]) -> PropForm {
    PropForm::Enumeration {
        values: values.iter().copied().map(UInt16).collect(),
    }
}

/// A read-only property with no form (reported, never set).
fn reported(t: &mut PropTable, code: P, value: PropValue) {
    t.describe(code, false, value.clone(), value, PropForm::None);
}

/// The X-T1's properties (its 0x902B descriptions and values first), the exposure controls, the
/// rest of its state list, and the set-up, version and browse-mode properties.
pub(super) fn x_t1_props() -> PropTable {
    let mut t = PropTable::new();
    // Self-timer: 0 off, 2 two seconds, 4 ten seconds.
    t.describe(
        P::CAPTURE_DELAY,
        true,
        UInt16(0),
        UInt16(0),
        enum_u16(&[0, 2, 4]),
    );
    t.describe(
        P::FLASH_MODE,
        true,
        UInt16(2),
        UInt16(0x8009),
        enum_u16(&[0x8009, 0x800A]),
    );
    t.describe(
        P::WHITE_BALANCE,
        true,
        UInt16(2),
        UInt16(2),
        enum_u16(&[
            2, 4, 0x8006, 0x8001, 0x8002, 0x8003, 6, 0x800A, 0x800B, 0x800C,
        ]),
    );
    t.describe(
        P::EXPOSURE_BIAS_COMPENSATION,
        true,
        Int16(0),
        Int16(0),
        PropForm::Enumeration {
            values: exposure_thirds(),
        },
    );
    // Film simulation: 1 PROVIA to 11 Classic Chrome.
    let films: Vec<u16> = (1..=11).collect();
    t.describe(
        P::FUJI_FILM_SIMULATION,
        true,
        UInt16(1),
        UInt16(2),
        enum_u16(&films),
    );
    // ISO: 0x8000_0000 | n = auto up to n; 0x4000_0000 | n = extended; plain n = ISO n.
    #[rustfmt::skip]
    let isos: [u32; 25] = [
        0x8000_0190, 0x8000_0320, 0x8000_0640, 0x8000_0C80, 0x8000_1900, 0x4000_0064,
        200, 250, 320, 400, 500, 640, 800, 1000, 1250, 1600, 2000, 2500, 3200, 4000, 5000, 6400,
        0x4000_3200, 0x4000_6400, 0x4000_C800,
    ];
    t.describe(
        P::FUJI_EXPOSURE_INDEX,
        true,
        UInt32(0xFFFF_FFFF),
        UInt32(0x8000_1900),
        PropForm::Enumeration {
            values: isos.into_iter().map(UInt32).collect(),
        },
    );
    t.describe(
        P::FUJI_REC_MODE,
        true,
        UInt16(1),
        UInt16(1),
        enum_u16(&[0, 1]),
    );
    // Focus point: bytes [y, x, 2, 3]; the X-T1's grid is 7 × 7.
    t.describe(
        P::FUJI_FOCUS_POINT,
        true,
        UInt32(0),
        UInt32(0x0302_0404),
        PropForm::Range {
            min: UInt32(0),
            max: UInt32(0x1009_0707),
            step: UInt32(1),
        },
    );
    // The exposure controls: stepped with 0x902C and 0x902D, not set directly.
    t.describe(
        P::FUJI_SHUTTER_SPEED,
        false,
        UInt32(START_SHUTTER),
        UInt32(START_SHUTTER),
        PropForm::Enumeration {
            values: shutter_stops().into_iter().map(UInt32).collect(),
        },
    );
    t.describe(
        P::F_NUMBER,
        false,
        UInt16(START_APERTURE),
        UInt16(START_APERTURE),
        enum_u16(APERTURE_STOPS),
    );
    // The rest of the state list, with the X-T1's values.
    t.describe(
        P::BATTERY_LEVEL,
        false,
        UInt8(0),
        UInt8(2),
        PropForm::Range {
            min: UInt8(0),
            max: UInt8(3),
            step: UInt8(1),
        },
    );
    t.describe(
        P::FUJI_IMAGE_ASPECT_RATIO,
        true,
        UInt16(0x0A),
        UInt16(0x0A),
        enum_u16(&[2, 3, 4, 6, 7, 8, 10, 11, 12]),
    );
    // Focus mode: AF-S (focus points need it), AF-C, manual.
    t.describe(
        P::FOCUS_MODE,
        true,
        UInt16(0x8001),
        UInt16(0x8001),
        enum_u16(&[1, 0x8001, 0x8002]),
    );
    // Manual exposure, so that the three exposure controls step.
    t.describe(
        P::EXPOSURE_PROGRAM_MODE,
        false,
        UInt16(1),
        UInt16(1),
        enum_u16(&[1, 2, 3, 4, 6]),
    );
    t.describe(
        P::FUJI_IMAGE_QUALITY,
        true,
        UInt16(4),
        UInt16(4),
        enum_u16(&[2, 3, 4, 5]),
    );
    reported(&mut t, P::FUJI_COMMAND_DIAL_MODE, UInt16(0));
    reported(&mut t, P::FUJI_FOCUS_LOCK, UInt16(0));
    reported(&mut t, P::FUJI_DEVICE_ERROR, UInt16(0));
    reported(&mut t, P::FUJI_CAPTURES_REMAINING, UInt32(1494));
    reported(&mut t, P::FUJI_MOVIE_REMAINING_TIME, UInt32(1679));
    // The set-up: the mode written by the client, the camera state, the version properties
    // (the X-T1's values: receive 3, browse 3, AutoSave 1, remote 0x20001, remote browse 1,
    // geotag 2; what clients write is kept).
    t.describe(
        P::FUJI_CAMERA_STATE,
        true,
        UInt16(0),
        UInt16(0),
        PropForm::None,
    );
    t.describe(
        P::FUJI_INIT_SEQUENCE,
        true,
        UInt16(0),
        UInt16(0),
        PropForm::None,
    );
    for (code, v) in [
        (P::FUJI_APP_VERSION_RECEIVE, 3),
        (P::FUJI_APP_VERSION_BROWSE, 3),
        (P::FUJI_APP_VERSION_AUTO_SAVE, 1),
        (P::FUJI_APP_VERSION, FUJI_APP_VERSION),
        (P::FUJI_APP_VERSION_REMOTE_BROWSE, 1),
        (P::FUJI_APP_VERSION_GEO, 2),
    ] {
        t.describe(code, true, UInt32(v), UInt32(v), PropForm::None);
    }
    // Browsing.
    reported(&mut t, P::FUJI_TRANSFER_REQUEST, UInt32(0));
    reported(&mut t, P::FUJI_OBJECT_COUNT, UInt32(0));
    t.describe(
        P::FUJI_COMPRESS_SMALL,
        true,
        UInt16(0),
        UInt16(0),
        enum_u16(&[0, 1, 2]),
    );
    t.describe(
        P::FUJI_CORRECT_FILE_SIZE,
        true,
        UInt16(0),
        UInt16(0),
        enum_u16(&[0, 1]),
    );
    t
}
