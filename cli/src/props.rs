//! Device properties for people: names (`iso`, `effect`…), value labels (`Velvia`, `S6400`,
//! `-2 1/3`…) and the reverse, per dialect.
//!
//! Labels follow the Go tool's `fmt` package, with two fixes: generic cameras get the standard
//! labels (the Go tool always used the Fujifilm ones), and every label can be typed back to `set`.

use ptpip_protocol::Dialect;
use ptpip_protocol::fuji::{FocusPoint, Sensitivity, ShutterSpeed, StateValue};
use ptpip_protocol::ptp::codes::{DataTypeCode, DevicePropCode, DevicePropCode as P};
use ptpip_protocol::ptp::{PropValue, PtpString};

/// Short names for properties, any dialect (the Go tool's unified names, plus a few).
const NAMES: &[(&str, DevicePropCode)] = &[
    ("battery", P::BATTERY_LEVEL),
    ("whitebalance", P::WHITE_BALANCE),
    ("fnumber", P::F_NUMBER),
    ("focusmode", P::FOCUS_MODE),
    ("metering", P::EXPOSURE_METERING_MODE),
    ("flashmode", P::FLASH_MODE),
    ("exposure", P::EXPOSURE_TIME),
    ("program", P::EXPOSURE_PROGRAM_MODE),
    ("iso", P::EXPOSURE_INDEX),
    ("exp-bias", P::EXPOSURE_BIAS_COMPENSATION),
    ("datetime", P::DATE_TIME),
    ("delay", P::CAPTURE_DELAY),
    ("capturemode", P::STILL_CAPTURE_MODE),
    ("effect", P::EFFECT_MODE),
    ("focusmtr", P::FOCUS_METERING_MODE),
];

/// Fujifilm overrides of [`NAMES`] and Fujifilm-only names.
const FUJI_NAMES: &[(&str, DevicePropCode)] = &[
    ("iso", P::FUJI_EXPOSURE_INDEX),
    ("effect", P::FUJI_FILM_SIMULATION),
    ("focusmtr", P::FUJI_FOCUS_POINT),
    ("recmode", P::FUJI_REC_MODE),
    ("quality", P::FUJI_IMAGE_QUALITY),
    ("dialmode", P::FUJI_COMMAND_DIAL_MODE),
    ("focuslock", P::FUJI_FOCUS_LOCK),
    ("state", P::FUJI_CURRENT_STATE),
    ("aspect", P::FUJI_IMAGE_ASPECT_RATIO),
    ("shutterspeed", P::FUJI_SHUTTER_SPEED),
    ("movieiso", P::FUJI_MOVIE_ISO),
    ("focuspoint", P::FUJI_FOCUS_POINT),
    ("fujibattery", P::FUJI_BATTERY_LEVEL),
    ("pictures", P::FUJI_OBJECT_COUNT),
    ("geotag", P::FUJI_GEO_TAG),
];

/// The short names known in `dialect`, for help texts.
pub(crate) fn names(dialect: Dialect) -> Vec<&'static str> {
    let mut v: Vec<&str> = NAMES.iter().map(|&(n, _)| n).collect();
    if dialect == Dialect::Fuji {
        for &(n, _) in FUJI_NAMES {
            if !v.contains(&n) {
                v.push(n);
            }
        }
    }
    v
}

/// The short names known in `dialect` with the property each names, for help texts.
pub(crate) fn named(dialect: Dialect) -> Vec<(&'static str, DevicePropCode)> {
    names(dialect)
        .into_iter()
        .filter_map(|n| resolve(n, dialect).ok().map(|c| (n, c)))
        .collect()
}

/// The fixed labels of `code`'s values in `dialect` (empty when its values are numbers or
/// computed, as exposure bias and ISO are), for help texts.
pub(crate) fn labels(code: DevicePropCode, dialect: Dialect) -> Vec<&'static str> {
    tables(code, dialect)
        .iter()
        .flat_map(|t| t.iter().map(|&(_, l)| l))
        .collect()
}

/// Parses an unsigned number: `0x…` hex, `0o…` octal, `0b…` binary or decimal.
pub(crate) fn parse_uint(text: &str) -> Option<u64> {
    let t = text.trim();
    let (digits, radix) = match t.get(..2).map(str::to_ascii_lowercase).as_deref() {
        Some("0x") => (&t[2..], 16),
        Some("0o") => (&t[2..], 8),
        Some("0b") => (&t[2..], 2),
        _ => (t, 10),
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    u64::from_str_radix(&digits.replace('_', ""), radix).ok()
}

/// Parses a hex number, with or without `0x` (the Go tool's `opreq` and property codes).
pub(crate) fn parse_hex(text: &str) -> Option<u64> {
    let t = text.trim();
    let digits = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

/// The property `text` names in `dialect`: a short name, a code (`0x5005`, or bare hex as the Go
/// tool took it) or the spec name (`WhiteBalance`, `FujiFilmSimulation`).
pub(crate) fn resolve(text: &str, dialect: Dialect) -> Result<DevicePropCode, String> {
    let lower = text.trim().to_ascii_lowercase();
    let fuji = || FUJI_NAMES.iter().find(|&&(n, _)| n == lower);
    let found = (dialect == Dialect::Fuji)
        .then(fuji)
        .flatten()
        .or_else(|| NAMES.iter().find(|&&(n, _)| n == lower));
    if let Some(&(_, code)) = found {
        return Ok(code);
    }
    if let Some(code) = DevicePropCode::from_name(text.trim()) {
        return Ok(code);
    }
    match parse_hex(&lower).map(u16::try_from) {
        Some(Ok(code)) => Ok(DevicePropCode(code)),
        Some(Err(_)) => Err(format!("property code {text} does not fit 16 bits")),
        None => Err(format!(
            "unknown property '{text}': use a name ({}) or a hex code such as 0x5005",
            names(dialect).join(", ")
        )),
    }
}

/// The name shown for `code`: the spec's name, or `Unknown`.
pub(crate) fn prop_name(code: DevicePropCode) -> &'static str {
    code.name().unwrap_or("Unknown")
}

/// The data type the value of `code` has where it is known without a description: on a
/// Fujifilm body what the core knows of the X-T1's sizes, elsewhere the usual standard ones.
pub(crate) fn known_type(code: DevicePropCode, dialect: Dialect) -> Option<DataTypeCode> {
    if dialect == Dialect::Fuji {
        return ptpip_protocol::fuji::lists::value_type(code);
    }
    match code {
        P::EXPOSURE_BIAS_COMPENSATION => Some(DataTypeCode::INT16),
        P::WHITE_BALANCE
        | P::F_NUMBER
        | P::FOCUS_MODE
        | P::FLASH_MODE
        | P::EXPOSURE_PROGRAM_MODE
        | P::CAPTURE_DELAY => Some(DataTypeCode::UINT16),
        _ => None,
    }
}

type Labels = &'static [(u32, &'static str)];

const FILM_SIMULATION: Labels = &[
    (1, "PROVIA"),
    (2, "Velvia"),
    (3, "ASTIA"),
    (4, "Monochrome"),
    (5, "Sepia"),
    (6, "PRO Neg. Hi"),
    (7, "PRO Neg. Std"),
    (8, "Mono+Ye"),
    (9, "Mono+R"),
    (10, "Mono+G"),
    (11, "Classic Chrome"),
    (12, "ACROS"),
    (13, "ACROS Ye"),
    (14, "ACROS R"),
    (15, "ACROS G"),
    (16, "ETERNA"),
];
const WHITE_BALANCE: Labels = &[
    (1, "Manual"),
    (2, "Automatic"),
    (3, "One-push automatic"),
    (4, "Daylight"),
    (5, "Fluorescent"),
    (6, "Tungsten"),
    (7, "Flash"),
];
const FUJI_WHITE_BALANCE: Labels = &[
    (0x8001, "Fluorescent 1"),
    (0x8002, "Fluorescent 2"),
    (0x8003, "Fluorescent 3"),
    (0x8006, "Shade"),
    (0x800A, "Underwater"),
    (0x800B, "Colour temperature"),
    (0x800C, "Custom"),
];
const FLASH_MODE: Labels = &[
    (0, "Undefined"),
    (1, "Auto flash"),
    (2, "Flash off"),
    (3, "Fill flash"),
    (4, "Red eye auto"),
    (5, "Red eye fill"),
    (6, "External sync"),
];
const FUJI_FLASH_MODE: Labels = &[
    (0x8001, "On"),
    (0x8002, "Red eye"),
    (0x8003, "Red eye on"),
    (0x8004, "Red eye sync"),
    (0x8005, "Red eye rear"),
    (0x8006, "Slow sync"),
    (0x8007, "Rear sync"),
    (0x8008, "Commander"),
    (0x8009, "Disabled"),
    (0x800A, "Enabled"),
];
const FOCUS_MODE: Labels = &[(1, "Manual"), (2, "Automatic"), (3, "Automatic macro")];
const FUJI_FOCUS_MODE: Labels = &[(0x8001, "Single auto"), (0x8002, "Continuous auto")];
const METERING: Labels = &[
    (1, "Average"),
    (2, "Center-weighted average"),
    (3, "Multi-spot"),
    (4, "Center-spot"),
];
const PROGRAM: Labels = &[
    (1, "Manual"),
    (2, "Automatic"),
    (3, "Aperture priority"),
    (4, "Shutter priority"),
    (5, "Program creative"),
    (6, "Program action"),
    (7, "Portrait"),
];
/// Fujifilm's exposure programs (hkr's fuji-cam-wifi-tool: 6 is Auto, not "Program action").
const FUJI_PROGRAM: Labels = &[
    (1, "Manual"),
    (2, "Program"),
    (3, "Aperture priority"),
    (4, "Shutter priority"),
    (6, "Auto"),
];
const CAPTURE_MODE: Labels = &[(1, "Normal"), (2, "Burst"), (3, "Timelapse")];
const EFFECT: Labels = &[(1, "Standard"), (2, "Black and white"), (3, "Sepia")];
const FOCUS_METERING: Labels = &[(1, "Center-spot"), (2, "Multi-spot")];
const FUNCTIONAL_MODE: Labels = &[(0, "Standard"), (1, "Sleep")];
const FUJI_DELAY: Labels = &[(0, "Off"), (1, "1 s"), (2, "2 s"), (3, "5 s"), (4, "10 s")];
const FUJI_QUALITY: Labels = &[
    (2, "Fine"),
    (3, "Normal"),
    (4, "Fine+RAW"),
    (5, "Normal+RAW"),
];
const FUJI_DIAL: Labels = &[
    (0, "Both"),
    (1, "Aperture"),
    (2, "Shutter speed"),
    (3, "None"),
];
const FUJI_FOCUS_LOCK: Labels = &[(0, "Off"), (1, "On")];
const FUJI_DEVICE_ERROR: Labels = &[(0, "None")];
const FUJI_ASPECT: Labels = &[
    (2, "S 3:2"),
    (3, "S 16:9"),
    (4, "S 1:1"),
    (6, "M 3:2"),
    (7, "M 16:9"),
    (8, "M 1:1"),
    (10, "L 3:2"),
    (11, "L 16:9"),
    (12, "L 1:1"),
];
/// The fixed label tables of `code` in `dialect`, most specific first.
fn tables(code: DevicePropCode, dialect: Dialect) -> &'static [Labels] {
    let fuji = dialect == Dialect::Fuji;
    match code {
        P::FUNCTIONAL_MODE => &[FUNCTIONAL_MODE],
        P::WHITE_BALANCE if fuji => &[FUJI_WHITE_BALANCE, WHITE_BALANCE],
        P::WHITE_BALANCE => &[WHITE_BALANCE],
        P::FOCUS_MODE if fuji => &[FUJI_FOCUS_MODE, FOCUS_MODE],
        P::FOCUS_MODE => &[FOCUS_MODE],
        P::EXPOSURE_METERING_MODE => &[METERING],
        P::FLASH_MODE if fuji => &[FUJI_FLASH_MODE, FLASH_MODE],
        P::FLASH_MODE => &[FLASH_MODE],
        P::EXPOSURE_PROGRAM_MODE if fuji => &[FUJI_PROGRAM],
        P::EXPOSURE_PROGRAM_MODE => &[PROGRAM],
        P::CAPTURE_DELAY if fuji => &[FUJI_DELAY],
        P::STILL_CAPTURE_MODE => &[CAPTURE_MODE],
        P::EFFECT_MODE => &[EFFECT],
        P::FOCUS_METERING_MODE => &[FOCUS_METERING],
        P::FUJI_FILM_SIMULATION if fuji => &[FILM_SIMULATION],
        P::FUJI_IMAGE_QUALITY if fuji => &[FUJI_QUALITY],
        P::FUJI_COMMAND_DIAL_MODE if fuji => &[FUJI_DIAL],
        P::FUJI_FOCUS_LOCK if fuji => &[FUJI_FOCUS_LOCK],
        P::FUJI_DEVICE_ERROR if fuji => &[FUJI_DEVICE_ERROR],
        P::FUJI_IMAGE_ASPECT_RATIO if fuji => &[FUJI_ASPECT],
        _ => &[],
    }
}

/// Exposure bias in thousandths of a stop as the camera shows it: `0`, `+1`, `-2 1/3`, `+2/3`.
fn exposure_bias(v: i128) -> String {
    if v == 0 {
        return "0".into();
    }
    let sign = if v < 0 { '-' } else { '+' };
    // Thirds of a stop, rounded: 333 → 1, 667 → 2, 2333 → 7.
    let thirds = (v.abs() * 3 + 500) / 1000;
    match (thirds / 3, thirds % 3) {
        (whole, 0) => format!("{sign}{whole}"),
        (0, frac) => format!("{sign}{frac}/3"),
        (whole, frac) => format!("{sign}{whole} {frac}/3"),
    }
}

/// Parses an exposure-bias label (`-2 1/3`, `+1`, `2/3`; whole stops below 100) into
/// thousandths, rounded as cameras list them (`-2 1/3` → -2333, `2/3` → 667).
fn parse_exposure_bias(text: &str) -> Option<i128> {
    let t = text.trim();
    let (neg, rest) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let mut parts = rest.split_whitespace();
    let first = parts.next()?;
    let second = parts.next();
    if parts.next().is_some() {
        return None;
    }
    let frac = |s: &str| match s {
        "1/3" => Some(1),
        "2/3" => Some(2),
        _ => None,
    };
    let thirds: i128 = match (first.parse::<i128>(), second) {
        (Ok(whole), None) if whole < 100 => whole * 3,
        (Ok(whole), Some(f)) if whole < 100 => whole * 3 + frac(f)?,
        (Err(_), None) => frac(first)?,
        _ => return None,
    };
    // Round half away from zero: 7 thirds = 2333.3 → 2333, 8 thirds = 2666.7 → 2667.
    let v = (thirds * 1000 + 1) / 3;
    Some(if neg { -v } else { v })
}

/// The label of `value` for property `code`, if it has one.
pub(crate) fn label(code: DevicePropCode, value: &PropValue, dialect: Dialect) -> Option<String> {
    if let Some(text) = value.as_text() {
        return Some(text.to_owned());
    }
    let v = value.as_i128()?;
    let fuji = dialect == Dialect::Fuji;
    if fuji && let Some(l) = fuji_label(code, v) {
        return Some(l);
    }
    match code {
        P::EXPOSURE_BIAS_COMPENSATION => return Some(exposure_bias(v)),
        P::F_NUMBER if v == 0xFFFF => return Some("Automatic".into()),
        P::F_NUMBER => return Some(format!("f/{:.1}", v as f64 / 100.0)),
        P::EXPOSURE_TIME if v > 0 => {
            let tenths_ms = v as f64;
            return Some(if tenths_ms >= 10_000.0 {
                format!("{:.1} s", tenths_ms / 10_000.0)
            } else {
                format!("1/{:.0} s", 10_000.0 / tenths_ms)
            });
        }
        P::CAPTURE_DELAY if !fuji && v == 0 => return Some("Off".into()),
        P::CAPTURE_DELAY if !fuji => return Some(format!("{v} ms")),
        _ => {}
    }
    tables(code, dialect)
        .iter()
        .flat_map(|t| t.iter())
        .find(|&&(k, _)| i128::from(k) == v)
        .map(|&(_, l)| l.to_owned())
}

/// The Fujifilm labels the core's typed values give ([`StateValue`]): shutter speed with its
/// sub-second flag (`1/250`, `2s`, `--` when the camera chooses), F-number (`f/5.6`, `Auto`),
/// sensitivity with its auto and extended flags (`S6400`, `L100`, `H12800`, `Auto`), focus point
/// (`7x2`) and battery on the scale of its property (`2/3`, `4/5`, `critical`; see
/// `ptpip_protocol::fuji::battery` for which body uses which). Exposure bias is labelled as on
/// any camera.
fn fuji_label(code: DevicePropCode, v: i128) -> Option<String> {
    let raw = u32::try_from(v)
        .ok()
        .or_else(|| i16::try_from(v).ok().map(|x| x as u16 as u32))?;
    match StateValue::decode(code, raw) {
        StateValue::Other(_) | StateValue::ExposureBias(_) => None,
        typed => Some(typed.to_string()),
    }
}

/// A Fujifilm value typed as the core reads it (`S3200`, `1/250`, `4x4`), if `text` is one; a
/// focus point keeps the top bytes of `current`, which a typed point does not set.
fn parse_fuji(code: DevicePropCode, text: &str, current: Option<&PropValue>) -> Option<i128> {
    let word = match code {
        P::FUJI_EXPOSURE_INDEX | P::FUJI_MOVIE_ISO => text.parse::<Sensitivity>().ok()?.0,
        P::FUJI_SHUTTER_SPEED => text.parse::<ShutterSpeed>().ok()?.0,
        P::FUJI_FOCUS_POINT => {
            let typed: FocusPoint = text.parse().ok()?;
            let rest = current
                .and_then(PropValue::as_i128)
                .map_or([0, 0], |c| FocusPoint::from_u32(c as u32).rest);
            FocusPoint { rest, ..typed }.to_u32()
        }
        _ => return None,
    };
    Some(i128::from(word))
}

/// Lower-case letters and digits only, for matching labels loosely (`pro neg hi` = `PRO Neg. Hi`).
fn squash(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// What the user typed for a value, as a number: a label of `code` (`velvia`, `S3200`,
/// `-2 1/3`, `4x4`…), `0x…` hex or a decimal. `current` gives the bits a label does not set
/// (the top half of the Fujifilm focus point).
pub(crate) fn parse_value(
    code: DevicePropCode,
    text: &str,
    dialect: Dialect,
    current: Option<&PropValue>,
) -> Result<i128, String> {
    let t = text.trim();
    let fuji = dialect == Dialect::Fuji;
    let special = match code {
        P::EXPOSURE_BIAS_COMPENSATION => parse_exposure_bias(t),
        P::F_NUMBER => t
            .strip_prefix("f/")
            .and_then(|f| f.parse::<f64>().ok())
            .map(|f| (f * 100.0).round() as i128),
        _ if fuji => parse_fuji(code, t, current),
        _ => None,
    };
    if let Some(v) = special {
        return Ok(v);
    }
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16)
            .map(i128::from)
            .map_err(|_| format!("'{t}' is not a hex number"));
    }
    if let Ok(v) = t.parse::<i128>() {
        return Ok(v);
    }
    let want = squash(t);
    let all = tables(code, dialect).iter().flat_map(|t| t.iter());
    if let Some(&(v, _)) = all.clone().find(|&&(_, l)| squash(l) == want) {
        return Ok(i128::from(v));
    }
    let known: Vec<&str> = all.map(|&(_, l)| l).collect();
    Err(if known.is_empty() {
        format!("'{t}' is not a number (hex 0x…, or decimal) nor a label of this property")
    } else {
        format!(
            "'{t}' is not a number nor a label of this property ({})",
            known.join(", ")
        )
    })
}

/// `v` as a value of `data_type`, if it fits.
pub(crate) fn to_value(v: i128, data_type: DataTypeCode) -> Result<PropValue, String> {
    let range = || format!("{v} does not fit the property's type {data_type}");
    Ok(match data_type {
        DataTypeCode::INT8 => PropValue::Int8(i8::try_from(v).map_err(|_| range())?),
        DataTypeCode::UINT8 => PropValue::UInt8(u8::try_from(v).map_err(|_| range())?),
        DataTypeCode::INT16 => PropValue::Int16(i16::try_from(v).map_err(|_| range())?),
        DataTypeCode::UINT16 => PropValue::UInt16(u16::try_from(v).map_err(|_| range())?),
        DataTypeCode::INT32 => PropValue::Int32(i32::try_from(v).map_err(|_| range())?),
        DataTypeCode::UINT32 => PropValue::UInt32(u32::try_from(v).map_err(|_| range())?),
        DataTypeCode::INT64 => PropValue::Int64(i64::try_from(v).map_err(|_| range())?),
        DataTypeCode::UINT64 => PropValue::UInt64(u64::try_from(v).map_err(|_| range())?),
        DataTypeCode::INT128 => PropValue::Int128(v),
        DataTypeCode::UINT128 => PropValue::UInt128(u128::try_from(v).map_err(|_| range())?),
        other => {
            return Err(format!(
                "cannot set a number into a property of type {other}"
            ));
        }
    })
}

/// A text value for a STR property.
pub(crate) fn to_text_value(text: &str) -> Result<PropValue, String> {
    PtpString::new(text)
        .map(PropValue::Str)
        .map_err(|e| e.to_string())
}

/// The wire bits of an integer value in hex (`0x2`, an INT16 −333 as `0xfeb3`).
pub(crate) fn hex(value: &PropValue) -> Option<String> {
    let bits: u128 = match *value {
        PropValue::Int8(v) => u128::from(v as u8),
        PropValue::UInt8(v) => v.into(),
        PropValue::Int16(v) => u128::from(v as u16),
        PropValue::UInt16(v) => v.into(),
        PropValue::Int32(v) => u128::from(v as u32),
        PropValue::UInt32(v) => v.into(),
        PropValue::Int64(v) => u128::from(v as u64),
        PropValue::UInt64(v) => v.into(),
        PropValue::Int128(v) => v as u128,
        PropValue::UInt128(v) => v,
        _ => return None,
    };
    Some(format!("{bits:#x}"))
}

/// A value as `get` prints it: `Velvia (0x2)`, `-2 1/3 (0xf6e3)`, `12 (0xc)`, `"text"`.
pub(crate) fn show(code: DevicePropCode, value: &PropValue, dialect: Dialect) -> String {
    match (label(code, value, dialect), hex(value)) {
        (_, None) => value.to_string(),
        (Some(l), Some(h)) => format!("{l} ({h})"),
        (None, Some(h)) => format!("{value} ({h})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FUJI: Dialect = Dialect::Fuji;
    const GENERIC: Dialect = Dialect::Generic;

    #[test]
    fn names_resolve_per_dialect() {
        // The Fujifilm overrides.
        for (name, generic, fuji) in [
            ("iso", 0x500F, 0xD02A),
            ("effect", 0x5017, 0xD001),
            ("focusmtr", 0x501C, 0xD17C),
            ("whitebalance", 0x5005, 0x5005),
            ("exp-bias", 0x5010, 0x5010),
            ("flashmode", 0x500C, 0x500C),
            ("delay", 0x5012, 0x5012),
            ("exposure", 0x500D, 0x500D),
        ] {
            assert_eq!(resolve(name, GENERIC).unwrap().0, generic, "{name}");
            assert_eq!(resolve(name, FUJI).unwrap().0, fuji, "{name}");
        }
        assert_eq!(resolve("recmode", FUJI).unwrap().0, 0xD019);
        assert!(resolve("recmode", GENERIC).is_err());
        // Codes in hex, with or without 0x, and spec names.
        assert_eq!(resolve("0xd001", GENERIC).unwrap().0, 0xD001);
        assert_eq!(resolve("5005", GENERIC).unwrap().0, 0x5005);
        assert_eq!(resolve("WhiteBalance", FUJI).unwrap().0, 0x5005);
        assert!(resolve("0x12345", GENERIC).unwrap_err().contains("16 bits"));
        assert!(resolve("nonsense", GENERIC).unwrap_err().contains("iso"));
    }

    #[test]
    fn film_simulation_labels_round_trip() {
        let code = DevicePropCode(0xD001);
        assert_eq!(show(code, &PropValue::UInt16(2), FUJI), "Velvia (0x2)");
        assert_eq!(parse_value(code, "velvia", FUJI, None), Ok(2));
        assert_eq!(parse_value(code, "pro neg. hi", FUJI, None), Ok(6));
        assert_eq!(parse_value(code, "classic-chrome", FUJI, None), Ok(11));
        assert_eq!(parse_value(code, "0xb", FUJI, None), Ok(11));
        assert_eq!(parse_value(code, "11", FUJI, None), Ok(11));
        let err = parse_value(code, "kodachrome", FUJI, None).unwrap_err();
        assert!(err.contains("ASTIA"), "{err}");
    }

    #[test]
    fn exposure_bias_in_thirds() {
        let code = DevicePropCode(0x5010);
        for (v, text) in [
            (0, "0"),
            (-2333, "-2 1/3"),
            (667, "+2/3"),
            (-333, "-1/3"),
            (1000, "+1"),
            (3000, "+3"),
            (2667, "+2 2/3"),
        ] {
            assert_eq!(label(code, &PropValue::Int16(v), GENERIC).unwrap(), text);
            assert_eq!(
                parse_value(code, text, GENERIC, None),
                Ok(i128::from(v)),
                "{text}"
            );
        }
        // Whole stops without a sign, and raw thousandths for larger numbers.
        assert_eq!(parse_value(code, "2", GENERIC, None), Ok(2000));
        assert_eq!(parse_value(code, "-1000", GENERIC, None), Ok(-1000));
        assert_eq!(
            show(code, &PropValue::Int16(-2333), GENERIC),
            "-2 1/3 (0xf6e3)"
        );
    }

    #[test]
    fn fuji_iso_flags() {
        let code = DevicePropCode(0xD02A);
        for (v, text) in [
            (0xFFFF_FFFFu32, "Auto"),
            (0x8000_1900, "S6400"),
            (0x4000_0064, "L100"),
            (0x4000_3200, "H12800"),
            (400, "400"),
        ] {
            assert_eq!(label(code, &PropValue::UInt32(v), FUJI).unwrap(), text);
            assert_eq!(parse_value(code, text, FUJI, None), Ok(i128::from(v)));
        }
        // Generic ISO is a plain number: 400 means 400, not 0x400 as in the Go tool.
        assert_eq!(
            parse_value(DevicePropCode(0x500F), "400", GENERIC, None),
            Ok(400)
        );
    }

    #[test]
    fn fuji_values_are_labelled_by_the_core() {
        for (code, v, text) in [
            (0xD240u16, PropValue::UInt32(0x8000_EA60), "1/60"),
            (0xD240, PropValue::UInt32(2_000), "2s"),
            (0xD240, PropValue::UInt32(0xFFFF_FFFF), "--"),
            (0x5007, PropValue::UInt16(0), "Auto"),
            (0x5007, PropValue::UInt16(560), "f/5.6"),
            (0xD02B, PropValue::UInt32(0xFFFF_FFFF), "Auto"),
            (0x5001, PropValue::UInt8(0), "critical"),
            (0x5001, PropValue::UInt8(2), "2/3"),
            (0xD242, PropValue::UInt16(9), "3/5"),
        ] {
            assert_eq!(
                label(DevicePropCode(code), &v, FUJI).unwrap(),
                text,
                "{code:#x}"
            );
        }
        // F-number 0 stays a number on generic cameras.
        assert_eq!(
            label(DevicePropCode(0x5007), &PropValue::UInt16(0), GENERIC).unwrap(),
            "f/0.0"
        );
        assert_eq!(
            parse_value(DevicePropCode(0xD240), "1/250", FUJI, None),
            Ok(0x8000_0000 | 250_000)
        );
    }

    #[test]
    fn focus_point_keeps_the_top_bytes() {
        let code = DevicePropCode(0xD17C);
        let cur = PropValue::UInt32(0x0302_0404);
        assert_eq!(label(code, &cur, FUJI).unwrap(), "4x4");
        assert_eq!(parse_value(code, "7x2", FUJI, Some(&cur)), Ok(0x0302_0702));
    }

    #[test]
    fn vendor_labels_only_for_fuji() {
        let wb = DevicePropCode(0x5005);
        assert_eq!(
            label(wb, &PropValue::UInt16(0x8006), FUJI).as_deref(),
            Some("Shade")
        );
        assert_eq!(label(wb, &PropValue::UInt16(0x8006), GENERIC), None);
        assert_eq!(
            label(wb, &PropValue::UInt16(4), GENERIC).as_deref(),
            Some("Daylight")
        );
        let flash = DevicePropCode(0x500C);
        assert_eq!(parse_value(flash, "enabled", FUJI, None), Ok(0x800A));
        assert_eq!(parse_value(flash, "flash off", GENERIC, None), Ok(2));
        assert_eq!(
            label(DevicePropCode(0x5007), &PropValue::UInt16(280), GENERIC).as_deref(),
            Some("f/2.8")
        );
        assert_eq!(
            parse_value(DevicePropCode(0x5007), "f/5.6", GENERIC, None),
            Ok(560)
        );
    }

    #[test]
    fn values_fit_their_type() {
        assert_eq!(
            to_value(-2333, DataTypeCode::INT16),
            Ok(PropValue::Int16(-2333))
        );
        assert!(to_value(-1, DataTypeCode::UINT16).is_err());
        assert!(to_value(70000, DataTypeCode::UINT16).is_err());
        assert!(to_value(1, DataTypeCode::STR).is_err());
        assert_eq!(hex(&PropValue::Int16(-333)).unwrap(), "0xfeb3");
    }

    #[test]
    fn number_parsers() {
        assert_eq!(parse_uint("0x10"), Some(16));
        assert_eq!(parse_uint("0o17"), Some(15));
        assert_eq!(parse_uint("15740"), Some(15740));
        assert_eq!(parse_uint("-1"), None);
        assert_eq!(parse_uint(""), None);
        assert_eq!(parse_hex("902B"), Some(0x902B));
        assert_eq!(parse_hex("0x902b"), Some(0x902B));
        assert_eq!(parse_hex("zz"), None);
    }
}
