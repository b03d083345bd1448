//! Device properties: descriptions, current values and the checks SetDevicePropValue makes.

use crate::ptp::codes::{DataTypeCode, DevicePropCode, ResponseCode};
use crate::ptp::dataset::{DevicePropDesc, GetSet, PropForm};
use crate::ptp::value::PropValue;

/// An extra check on values beyond the description's form (a date format, say).
pub type ValueCheck = fn(&PropValue) -> bool;

/// One property: its description (whose current value is the value) and an optional check.
#[derive(Clone, Debug)]
pub struct Property {
    /// The description; `current_value` is the live value.
    pub desc: DevicePropDesc,
    /// An extra check for SetDevicePropValue.
    pub check: Option<ValueCheck>,
}

impl Property {
    /// A property described by `desc`.
    #[must_use]
    pub const fn new(desc: DevicePropDesc) -> Self {
        Self { desc, check: None }
    }

    /// Whether `value` is allowed: the description's type and form, and the extra check.
    #[must_use]
    pub fn allows(&self, value: &PropValue) -> bool {
        if value.data_type() != self.desc.data_type || matches!(value, PropValue::FixedAscii(_)) {
            return false;
        }
        let in_form = match &self.desc.form {
            PropForm::None | PropForm::Opaque(_) => true,
            PropForm::Enumeration { values } => values.contains(value),
            PropForm::Range { min, max, step } => {
                match (
                    value.as_i128(),
                    min.as_i128(),
                    max.as_i128(),
                    step.as_i128(),
                ) {
                    (Some(v), Some(lo), Some(hi), Some(step)) => {
                        lo <= v && v <= hi && (step <= 0 || (v - lo) % step == 0)
                    }
                    _ => false,
                }
            }
        };
        in_form && self.check.is_none_or(|check| check(value))
    }
}

/// The properties of a camera, in the order DeviceInfo lists them.
#[derive(Clone, Debug, Default)]
pub struct PropTable {
    props: Vec<Property>,
}

impl PropTable {
    /// No properties.
    #[must_use]
    pub const fn new() -> Self {
        Self { props: Vec::new() }
    }

    /// Adds (or replaces) a property.
    pub fn insert(&mut self, property: Property) {
        match self
            .props
            .iter_mut()
            .find(|p| p.desc.code == property.desc.code)
        {
            Some(p) => *p = property,
            None => self.props.push(property),
        }
    }

    /// A property with a description built from its parts.
    pub fn describe(
        &mut self,
        code: DevicePropCode,
        settable: bool,
        default: PropValue,
        current: PropValue,
        form: PropForm,
    ) {
        self.insert(Property::new(DevicePropDesc {
            code,
            data_type: default.data_type(),
            get_set: if settable {
                GetSet::GET_SET
            } else {
                GetSet::GET
            },
            factory_default: default,
            current_value: current,
            form,
        }));
    }

    /// The property codes, in order.
    #[must_use]
    pub fn codes(&self) -> Vec<DevicePropCode> {
        self.props.iter().map(|p| p.desc.code).collect()
    }

    /// A property.
    #[must_use]
    pub fn get(&self, code: DevicePropCode) -> Option<&Property> {
        self.props.iter().find(|p| p.desc.code == code)
    }

    /// A property, mutably (to add a check).
    pub fn get_mut(&mut self, code: DevicePropCode) -> Option<&mut Property> {
        self.props.iter_mut().find(|p| p.desc.code == code)
    }

    /// A property's description.
    #[must_use]
    pub fn desc(&self, code: DevicePropCode) -> Option<&DevicePropDesc> {
        self.get(code).map(|p| &p.desc)
    }

    /// A property's current value.
    #[must_use]
    pub fn value(&self, code: DevicePropCode) -> Option<&PropValue> {
        self.desc(code).map(|d| &d.current_value)
    }

    /// Sets a value as SetDevicePropValue does: unknown properties, read-only ones and values
    /// outside the form are refused with the response code to send.
    pub fn set(&mut self, code: DevicePropCode, value: PropValue) -> Result<(), ResponseCode> {
        let p = self
            .get_mut(code)
            .ok_or(ResponseCode::DEVICE_PROP_NOT_SUPPORTED)?;
        if !p.desc.is_settable() {
            return Err(ResponseCode::ACCESS_DENIED);
        }
        if value.data_type() != p.desc.data_type {
            return Err(ResponseCode::INVALID_DEVICE_PROP_FORMAT);
        }
        if !p.allows(&value) {
            return Err(ResponseCode::INVALID_DEVICE_PROP_VALUE);
        }
        p.desc.current_value = value;
        Ok(())
    }

    /// Sets a value from the bytes of a SetDevicePropValue data phase. `lenient` accepts an integer
    /// followed by zero padding (Fujifilm clients send every value as a `u32` plus 16 zero bytes).
    pub fn set_from_wire(
        &mut self,
        code: DevicePropCode,
        bytes: &[u8],
        lenient: bool,
    ) -> Result<(), ResponseCode> {
        let data_type = self
            .desc(code)
            .ok_or(ResponseCode::DEVICE_PROP_NOT_SUPPORTED)?
            .data_type;
        let value = decode_value(bytes, data_type, lenient)
            .ok_or(ResponseCode::INVALID_DEVICE_PROP_FORMAT)?;
        self.set(code, value)
    }

    /// Resets one property to its factory default, as ResetDevicePropValue does (0xFFFFFFFF resets
    /// every settable property).
    pub fn reset(&mut self, code: u32) -> Result<(), ResponseCode> {
        if code == 0xFFFF_FFFF {
            for p in self.props.iter_mut().filter(|p| p.desc.is_settable()) {
                p.desc.current_value = p.desc.factory_default.clone();
            }
            return Ok(());
        }
        let code = u16::try_from(code).map_err(|_| ResponseCode::DEVICE_PROP_NOT_SUPPORTED)?;
        let p = self
            .get_mut(DevicePropCode(code))
            .ok_or(ResponseCode::DEVICE_PROP_NOT_SUPPORTED)?;
        if !p.desc.is_settable() {
            return Err(ResponseCode::ACCESS_DENIED);
        }
        p.desc.current_value = p.desc.factory_default.clone();
        Ok(())
    }

    /// Changes a value from the device's side, bypassing Get/Set and the form (a battery
    /// draining). Returns `false` for an unknown property or a value of the wrong type.
    pub fn force(&mut self, code: DevicePropCode, value: PropValue) -> bool {
        match self.get_mut(code) {
            Some(p) if p.desc.data_type == value.data_type() => {
                p.desc.current_value = value;
                true
            }
            _ => false,
        }
    }
}

/// Reads a property value of `data_type` from a data phase. STR must be one PTP string; integers
/// must fill the bytes exactly, or with `lenient` be followed only by zero bytes.
fn decode_value(bytes: &[u8], data_type: DataTypeCode, lenient: bool) -> Option<PropValue> {
    let value = PropValue::parse_whole(bytes, data_type).ok();
    match value {
        Some(PropValue::FixedAscii(_)) => None,
        Some(v) => Some(v),
        None if lenient && !data_type.is_array() && data_type != DataTypeCode::STR => {
            let size = PropValue::min_encoded_len(data_type)?;
            let (value, padding) = bytes.split_at_checked(size)?;
            padding
                .iter()
                .all(|&b| b == 0)
                .then(|| PropValue::parse_whole(value, data_type).ok())
                .flatten()
        }
        None => None,
    }
}

/// Whether a DateTime value is a PTP date: `YYYYMMDDThhmmss`, optionally followed by `.s`
/// (tenths), and `Z` or `±hhmm`, with plausible field ranges.
#[must_use]
pub fn is_ptp_datetime(value: &PropValue) -> bool {
    let Some(text) = value.as_text() else {
        return false;
    };
    let b = text.as_bytes();
    if b.len() < 15 || b[8] != b'T' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = b.get(r)?;
        s.iter()
            .all(u8::is_ascii_digit)
            .then(|| s.iter().fold(0, |n, &d| n * 10 + u32::from(d - b'0')))
    };
    let fields = [
        (digits(4..6), 1..=12),
        (digits(6..8), 1..=31),
        (digits(9..11), 0..=23),
        (digits(11..13), 0..=59),
        (digits(13..15), 0..=59),
    ];
    if digits(0..4).is_none()
        || !fields
            .iter()
            .all(|(v, r)| v.is_some_and(|v| r.contains(&v)))
    {
        return false;
    }
    let mut rest = &b[15..];
    if let [b'.', d, tail @ ..] = rest {
        if !d.is_ascii_digit() {
            return false;
        }
        rest = tail;
    }
    match rest {
        [] | [b'Z'] => true,
        [b'+' | b'-', zone @ ..] => zone.len() == 4 && zone.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// Exposure compensation from −3 to +3 EV in thirds, in thousandths of a stop rounded half away
/// from zero (−3000, −2667, −2333, … 2667, 3000), as INT16 values: the list Fujifilm bodies give.
#[must_use]
pub(super) fn exposure_thirds() -> Vec<PropValue> {
    (-9i32..=9)
        .map(|n| {
            let v = n * 1000;
            // |v + sign| / 3 rounds the thirds half away from zero; at most 3000, so it fits i16.
            PropValue::Int16(((v + v.signum()) / 3) as i16)
        })
        .collect()
}
