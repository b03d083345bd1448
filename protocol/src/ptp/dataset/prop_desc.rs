//! DevicePropDesc (ISO 15740 §5.5.4): the GetDevicePropDesc data phase.

use super::{Tail, decode_tolerant, decode_whole, x_t1};
use crate::encode::Encode;
use crate::error::{self, DecodeError, DecodeReason, DecodeResult};
use crate::ptp::codes::{DataTypeCode, DevicePropCode};
use crate::ptp::string::check_fits;
use crate::ptp::value::PropValue;
use crate::quirk::{Quirk, ReadAs, Tolerant};
use crate::wire::{self, PutLe};

pub(super) const CONTEXT: &str = "DevicePropDesc";

code_newtype! {
    /// The Get/Set field of DevicePropDesc: whether the initiator may change the property.
    pub struct GetSet(u8);
    /// Read-only.
    GET = 0x00 => "Get";
    /// Readable and settable with SetDevicePropValue.
    GET_SET = 0x01 => "GetSet";
}

code_newtype! {
    /// The FormFlag field of DevicePropDesc: which form of allowed values follows.
    pub struct FormFlag(u8);
    /// No form: any value of the data type.
    NONE = 0x00 => "None";
    /// A range: minimum, maximum and step.
    RANGE = 0x01 => "Range";
    /// An enumeration: a `u16` count, then the allowed values.
    ENUMERATION = 0x02 => "Enumeration";
}

/// The allowed values of a device property: the form fields of DevicePropDesc.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PropForm {
    /// FormFlag 0: no constraint beyond the data type.
    None,
    /// FormFlag 1: `min ..= max` in steps of `step`, each of the description's data type.
    Range {
        /// MinimumValue.
        min: PropValue,
        /// MaximumValue.
        max: PropValue,
        /// StepSize.
        step: PropValue,
    },
    /// FormFlag 2: a list of allowed values, each of the description's data type. The wire count is
    /// a `u16`, so at most 65,535 values are written.
    Enumeration {
        /// The SupportedValue fields.
        values: Vec<PropValue>,
    },
    /// The undecoded form of a Fujifilm X-T1 fixed-width STR description: every byte after the
    /// current value, the form flag included, kept verbatim so that re-encoding gives the same bytes.
    /// Its layout is not understood (it holds further fixed-width text blocks). Only
    /// [`DevicePropDesc::decode`] produces it; see [`DevicePropDesc`] for the heuristic.
    Opaque(Vec<u8>),
}

impl PropForm {
    /// Most values an enumeration can carry on the wire.
    pub const MAX_ENUM_VALUES: usize = u16::MAX as usize;

    /// The form flag written for this form, or `None` for [`Opaque`](Self::Opaque), whose bytes are
    /// written as they are.
    #[must_use]
    pub const fn flag(&self) -> Option<FormFlag> {
        match self {
            Self::None => Some(FormFlag::NONE),
            Self::Range { .. } => Some(FormFlag::RANGE),
            Self::Enumeration { .. } => Some(FormFlag::ENUMERATION),
            Self::Opaque(_) => None,
        }
    }

    /// Reads the form flag and the form for values of `data_type`.
    ///
    /// An enumeration's count is checked against the input left (at the smallest size a value of the
    /// type can take) before anything is allocated.
    pub fn parse(i: &[u8], data_type: DataTypeCode) -> DecodeResult<'_, Self> {
        let (i, flag) = wire::u8_(i, "FormFlag")?;
        match FormFlag(flag) {
            FormFlag::NONE => Ok((i, Self::None)),
            FormFlag::RANGE => {
                let (i, min) = PropValue::parse_field(i, data_type, "MinimumValue")?;
                let (i, max) = PropValue::parse_field(i, data_type, "MaximumValue")?;
                let (i, step) = PropValue::parse_field(i, data_type, "StepSize")?;
                Ok((i, Self::Range { min, max, step }))
            }
            FormFlag::ENUMERATION => {
                let (mut i, count) = wire::u16_le(i, "NumberOfValues")?;
                let count = usize::from(count);
                let Some(min_len) = PropValue::min_encoded_len(data_type) else {
                    return wire::fail(
                        "SupportedValue",
                        DecodeReason::UnknownDataType(data_type.0),
                    );
                };
                check_fits(i, "NumberOfValues", count, min_len)?;
                let mut values = Vec::with_capacity(count);
                for _ in 0..count {
                    let (rest, v) = PropValue::parse_field(i, data_type, "SupportedValue")?;
                    values.push(v);
                    i = rest;
                }
                Ok((i, Self::Enumeration { values }))
            }
            _ => wire::fail("FormFlag", DecodeReason::UnknownFormFlag(flag)),
        }
    }

    /// The values an enumeration writes: at most [`Self::MAX_ENUM_VALUES`].
    fn enum_written(values: &[PropValue]) -> &[PropValue] {
        &values[..values.len().min(Self::MAX_ENUM_VALUES)]
    }

    /// Appends the form flag and the form ([`Opaque`](Self::Opaque) bytes as they are).
    pub fn write(&self, out: &mut Vec<u8>) {
        if let Some(flag) = self.flag() {
            out.put_u8(flag.0);
        }
        match self {
            Self::None => {}
            Self::Range { min, max, step } => {
                min.encode(out);
                max.encode(out);
                step.encode(out);
            }
            Self::Enumeration { values } => {
                let values = Self::enum_written(values);
                // `enum_written` keeps the count within u16.
                out.put_u16_le(values.len() as u16);
                for v in values {
                    v.encode(out);
                }
            }
            Self::Opaque(bytes) => out.extend_from_slice(bytes),
        }
    }

    /// Bytes on the wire, form flag included.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        match self {
            Self::None => 1,
            Self::Range { min, max, step } => {
                1 + min.encoded_len() + max.encoded_len() + step.encoded_len()
            }
            Self::Enumeration { values } => {
                1 + 2
                    + Self::enum_written(values)
                        .iter()
                        .map(PropValue::encoded_len)
                        .sum::<usize>()
            }
            Self::Opaque(bytes) => bytes.len(),
        }
    }
}

/// DevicePropDesc: a device property's type, access, default and current values and allowed values.
///
/// # The Fujifilm X-T1's fixed-width STR descriptions
///
/// The X-T1 describes 0x5003 (ImageSize) and 0xD174 with data type STR, but its factory default and
/// current value are not PTP strings: each is a fixed-width block of NUL-padded ASCII (and more data
/// after the padding), with no count byte. The width is not on the wire. [`decode`](Self::decode),
/// which sees a whole description, falls back to a heuristic when the data type is STR, the standard
/// layout does not fit the bytes exactly, and the default and current value are not both valid PTP
/// strings:
///
/// - the default's text is its bytes up to the first NUL (1 to 64 printable ASCII characters);
/// - the current value is taken to start where that text, followed by a NUL, next occurs; the
///   distance is the width of both values;
/// - both values become [`PropValue::FixedAscii`] of that width, and every byte after the current
///   value (the form, whose layout is not understood) becomes [`PropForm::Opaque`].
///
/// This fits the two known dumps: it gives 153 bytes for 0x5003 (the size of the camera's 153-byte
/// GetDevicePropValue reply) and 103 for 0xD174 (also matching its value reply). It is a guess,
/// though: it only finds the width when the current value's text equals the default's (true in both
/// dumps), and text repeated inside the default block would mislead it. When no width is found, both
/// values are empty `FixedAscii` and everything after Get/Set is kept in [`PropForm::Opaque`]. Either
/// way re-encoding gives back the exact bytes received.
///
/// [`parse`](Self::parse), which does not know where the description ends, reads the standard layout
/// only.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DevicePropDesc {
    /// DevicePropertyCode.
    pub code: DevicePropCode,
    /// DataType: the layout of the values below.
    pub data_type: DataTypeCode,
    /// Get/Set.
    pub get_set: GetSet,
    /// FactoryDefaultValue.
    pub factory_default: PropValue,
    /// CurrentValue.
    pub current_value: PropValue,
    /// FormFlag and the form.
    pub form: PropForm,
}

impl DevicePropDesc {
    /// Bytes of DevicePropertyCode, DataType and Get/Set.
    pub(super) const HEADER_LEN: usize = 2 + 2 + 1;

    /// Reads the three fixed fields.
    pub(super) fn parse_header(
        i: &[u8],
    ) -> DecodeResult<'_, (DevicePropCode, DataTypeCode, GetSet)> {
        let (i, code) = wire::u16_le(i, "DevicePropertyCode")?;
        let (i, data_type) = wire::u16_le(i, "DataType")?;
        let (i, get_set) = wire::u8_(i, "GetSet")?;
        Ok((
            i,
            (
                DevicePropCode(code),
                DataTypeCode(data_type),
                GetSet(get_set),
            ),
        ))
    }

    /// The fields a lenient decode may find missing.
    const OPTIONAL: &'static [&'static str] = &["FormFlag"];

    /// Reads one description in the standard layout from the front of `i`.
    pub fn parse(i: &[u8]) -> DecodeResult<'_, Self> {
        let (i, (desc, _)) = error::with_context(Self::parse_fields(i, false), CONTEXT)?;
        Ok((i, desc))
    }

    /// Reads the standard layout; `lenient` lets the input end before FormFlag.
    fn parse_fields(i: &[u8], lenient: bool) -> DecodeResult<'_, (Self, Option<Quirk>)> {
        let (i, (code, data_type, get_set)) = Self::parse_header(i)?;
        let (i, factory_default) = PropValue::parse_field(i, data_type, "FactoryDefaultValue")?;
        let (i, current_value) = PropValue::parse_field(i, data_type, "CurrentValue")?;
        let mut tail = Tail::new(i, lenient, Self::OPTIONAL);
        let form = tail.field(|i| PropForm::parse(i, data_type))?;
        let (i, missing) = tail.finish(CONTEXT, ReadAs::NoForm);
        let desc = Self {
            code,
            data_type,
            get_set,
            factory_default,
            current_value,
            form: form.unwrap_or(PropForm::None),
        };
        Ok((i, (desc, missing)))
    }

    /// Decodes a whole GetDevicePropDesc data phase (or one entry of a Fujifilm 0x902B list).
    ///
    /// The standard layout must use up the input exactly. If it does not, the data type is STR and
    /// the default and current value are not both valid PTP strings, the X-T1 heuristic described on
    /// [`DevicePropDesc`] takes over; it always succeeds once the three fixed fields and at least one
    /// more byte are there. Otherwise the standard layout's error is returned.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode_whole(bytes, CONTEXT, "FormFlag", Self::parse)
            .or_else(|e| Self::decode_fixed_ascii(bytes).ok_or(e))
    }

    /// Reads a whole description with the X-T1 heuristic ([`x_t1::split_fixed_ascii`]), if it
    /// applies.
    pub(super) fn decode_fixed_ascii(bytes: &[u8]) -> Option<Self> {
        let (body, (code, data_type, get_set)) = Self::parse_header(bytes).ok()?;
        let parts = x_t1::split_fixed_ascii(data_type, body)?;
        Some(Self {
            code,
            data_type,
            get_set,
            factory_default: PropValue::FixedAscii(parts.default.to_vec()),
            current_value: PropValue::FixedAscii(parts.current.to_vec()),
            form: PropForm::Opaque(parts.form.to_vec()),
        })
    }

    /// Decodes a GetDevicePropDesc data phase as real cameras send it: what [`decode`](Self::decode)
    /// reads (the X-T1 heuristic included, named as [`Quirk::FixedWidthValues`]), and else the
    /// standard layout ending after CurrentValue (no form) or followed by bytes (ignored). Each
    /// tolerance is named in the result; see [the module docs](super#lenient-decoding).
    pub fn decode_lenient(bytes: &[u8]) -> Result<Tolerant<Self>, DecodeError> {
        match Self::decode(bytes) {
            Ok(desc) => {
                let quirks = match &desc.current_value {
                    PropValue::FixedAscii(block) if desc.is_fixed_ascii() => {
                        vec![Quirk::FixedWidthValues {
                            context: CONTEXT,
                            // A block lies inside a data phase, whose length is a u32.
                            width: u32::try_from(block.len()).unwrap_or(u32::MAX),
                        }]
                    }
                    _ => Vec::new(),
                };
                Ok(Tolerant {
                    value: desc,
                    quirks,
                })
            }
            Err(_) => decode_tolerant(bytes, CONTEXT, |i| Self::parse_fields(i, true)),
        }
    }

    /// Whether the initiator may set the property (Get/Set is 1).
    #[must_use]
    pub fn is_settable(&self) -> bool {
        self.get_set == GetSet::GET_SET
    }

    /// Whether this description was read with the X-T1 fixed-width heuristic (its form is
    /// [`PropForm::Opaque`]).
    #[must_use]
    pub const fn is_fixed_ascii(&self) -> bool {
        matches!(self.form, PropForm::Opaque(_))
    }
}

impl Encode for DevicePropDesc {
    /// Bytes on the wire.
    fn encoded_len(&self) -> usize {
        Self::HEADER_LEN
            + self.factory_default.encoded_len()
            + self.current_value.encoded_len()
            + self.form.encoded_len()
    }

    /// Appends the wire form. Values are written as they are: they should have
    /// [`data_type`](Self::data_type)'s layout for the result to decode to the same description.
    fn encode(&self, out: &mut Vec<u8>) {
        out.put_u16_le(self.code.0);
        out.put_u16_le(self.data_type.0);
        out.put_u8(self.get_set.0);
        self.factory_default.encode(out);
        self.current_value.encode(out);
        self.form.write(out);
    }
}
