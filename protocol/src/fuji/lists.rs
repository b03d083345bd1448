//! The Fuji list datasets: the 0x902B property-description list and the 0xD212 state list.
//!
//! - [`DevicePropDescList`] is the data phase of operation 0x902B
//!   ([`OperationCode::FUJI_GET_DEVICE_PROP_DESC_LIST`](crate::ptp::codes::OperationCode)): a `u32`
//!   count, then for each entry a `u32` length that counts itself, followed by a standard
//!   DevicePropDesc. The X-T1 sends 8 entries.
//! - [`CurrentStateList`] is the value of property 0xD212
//!   ([`DevicePropCode::FUJI_CURRENT_STATE`]), read with GetDevicePropValue: a `u16` count, then
//!   `(u16 DevicePropCode, u32 value)` pairs. The X-T1 sends 17 of them; which properties appear
//!   depends on the exposure mode.

use crate::encode::Encode;
use crate::error::{self, DecodeError, DecodeReason, DecodeResult};
use crate::ptp::codes::{DataTypeCode, DevicePropCode};
use crate::ptp::dataset::DevicePropDesc;
use crate::ptp::string::check_fits;
use crate::ptp::value::PropValue;
use crate::wire::{self, PutLe};

const DESC_LIST_CONTEXT: &str = "DevicePropDescList";
const STATE_LIST_CONTEXT: &str = "CurrentStateList";

/// The 0x902B property-description list: the descriptions of the properties a Fuji body exposes for
/// remote shooting.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct DevicePropDescList {
    /// The descriptions, in wire order.
    pub descs: Vec<DevicePropDesc>,
}

impl DevicePropDescList {
    /// Bytes of the entry length field.
    const ENTRY_LENGTH_LEN: usize = 4;
    /// The shortest entry: the length, the three fixed DevicePropDesc fields and at least one more
    /// byte (a one-byte value cannot be shorter; an X-T1 fixed-width STR description is at least that).
    /// Used to bound the count before allocating.
    const MIN_ENTRY_LEN: usize = Self::ENTRY_LENGTH_LEN + 2 + 2 + 1 + 1;

    /// Reads one list from the front of `i`.
    ///
    /// Each entry's length is checked: it must cover at least the length field itself and fit in the
    /// input, and the description inside must use up exactly the rest of the entry (decoded with
    /// [`DevicePropDesc::decode`], so X-T1 fixed-width STR descriptions are accepted).
    pub fn parse(i: &[u8]) -> DecodeResult<'_, Self> {
        error::with_context(Self::parse_fields(i), DESC_LIST_CONTEXT)
    }

    fn parse_fields(i: &[u8]) -> DecodeResult<'_, Self> {
        let (mut i, count) = wire::u32_le(i, "NumberOfEntries")?;
        let count = count as usize;
        check_fits(i, "NumberOfEntries", count, Self::MIN_ENTRY_LEN)?;
        let mut descs = Vec::with_capacity(count);
        for _ in 0..count {
            let (rest, desc) = Self::parse_entry(i)?;
            descs.push(desc);
            i = rest;
        }
        Ok((i, Self { descs }))
    }

    fn parse_entry(i: &[u8]) -> DecodeResult<'_, DevicePropDesc> {
        let (i, length) = wire::u32_le(i, "EntryLength")?;
        let Some(body_len) = (length as usize).checked_sub(Self::ENTRY_LENGTH_LEN) else {
            return wire::fail(
                "EntryLength",
                DecodeReason::LengthTooSmall {
                    length: length.into(),
                    min: Self::ENTRY_LENGTH_LEN as u64,
                },
            );
        };
        let (rest, body) = wire::take(i, body_len, "EntryLength")?;
        let desc = DevicePropDesc::decode(body).map_err(nom::Err::Error)?;
        // `decode` re-encodes byte-exactly, so this holds for anything it returns; checked anyway so
        // that a change there cannot make `encode` write a wrong length.
        if desc.encoded_len() != body.len() {
            return wire::fail(
                "EntryLength",
                DecodeReason::InvalidValue("the entry length differs from the description's size"),
            );
        }
        Ok((rest, desc))
    }

    /// Decodes a whole 0x902B data phase; trailing bytes are an error.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let r = Self::parse(bytes).and_then(|(rest, v)| {
            wire::expect_end(rest, "EntryLength")?;
            Ok((rest, v))
        });
        error::finish(r, bytes.len(), DESC_LIST_CONTEXT).map(|(_, v)| v)
    }

    /// The description of `code`, if the list has one.
    #[must_use]
    pub fn get(&self, code: DevicePropCode) -> Option<&DevicePropDesc> {
        self.descs.iter().find(|d| d.code == code)
    }
}

impl Encode for DevicePropDescList {
    /// Bytes on the wire.
    fn encoded_len(&self) -> usize {
        4 + self
            .descs
            .iter()
            .map(|d| Self::ENTRY_LENGTH_LEN + d.encoded_len())
            .sum::<usize>()
    }

    /// Appends the wire form. Counts and lengths beyond `u32` cannot be represented and are clamped
    /// (no data phase could carry them).
    fn encode(&self, out: &mut Vec<u8>) {
        out.put_u32_le(u32::try_from(self.descs.len()).unwrap_or(u32::MAX));
        for desc in &self.descs {
            let length = Self::ENTRY_LENGTH_LEN + desc.encoded_len();
            out.put_u32_le(u32::try_from(length).unwrap_or(u32::MAX));
            desc.encode(out);
        }
    }
}

/// One entry of the 0xD212 state list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct StateEntry {
    /// The property.
    pub code: DevicePropCode,
    /// Its current value, always sent as a `u32` whatever the property's data type.
    pub value: u32,
}

impl StateEntry {
    /// The entry for property `code` holding `value`: its bits zero-extended to 32, as the
    /// bodies send them (an INT16 −333 is 0x0000FEB3); values wider than 32 bits, or not
    /// integers, are 0.
    #[must_use]
    pub fn new(code: DevicePropCode, value: &PropValue) -> Self {
        let value = match *value {
            PropValue::Int8(v) => u32::from(v as u8),
            PropValue::UInt8(v) => u32::from(v),
            PropValue::Int16(v) => u32::from(v as u16),
            PropValue::UInt16(v) => u32::from(v),
            PropValue::Int32(v) => v as u32,
            PropValue::UInt32(v) => v,
            _ => 0,
        };
        Self { code, value }
    }

    /// The value as one of its property's type ([`value_type`]): an exposure bias sent as
    /// 0x0000FEB3 is INT16 −333; a word that does not fit the type, or of a property whose type
    /// is not known, stays a `u32`.
    #[must_use]
    pub fn prop_value(&self) -> PropValue {
        let raw = self.value;
        match value_type(self.code) {
            Some(DataTypeCode::INT16) => PropValue::Int16(raw as u16 as i16),
            Some(DataTypeCode::UINT8) if raw <= 0xFF => PropValue::UInt8(raw as u8),
            Some(DataTypeCode::UINT16) if raw <= 0xFFFF => PropValue::UInt16(raw as u16),
            _ => PropValue::UInt32(raw),
        }
    }
}

/// The data type of property `code` on a Fujifilm body, where it is known without asking for
/// its description: the sizes the X-T1 sends (BatteryLevel as UINT8, the film simulation and
/// the other enumerations as UINT16, sensitivity, focus point, shutter speed and the counters as
/// UINT32). The 0xD212 entries are read back into these types ([`StateEntry::prop_value`]).
#[must_use]
pub const fn value_type(code: DevicePropCode) -> Option<DataTypeCode> {
    use DevicePropCode as P;
    match code {
        P::BATTERY_LEVEL => Some(DataTypeCode::UINT8),
        P::EXPOSURE_BIAS_COMPENSATION => Some(DataTypeCode::INT16),
        P::WHITE_BALANCE
        | P::F_NUMBER
        | P::FOCUS_MODE
        | P::FLASH_MODE
        | P::EXPOSURE_PROGRAM_MODE
        | P::CAPTURE_DELAY
        | P::FUJI_FILM_SIMULATION
        | P::FUJI_IMAGE_QUALITY
        | P::FUJI_REC_MODE
        | P::FUJI_COMMAND_DIAL_MODE
        | P::FUJI_FOCUS_LOCK
        | P::FUJI_DEVICE_ERROR
        | P::FUJI_IMAGE_ASPECT_RATIO
        | P::FUJI_BATTERY_LEVEL => Some(DataTypeCode::UINT16),
        P::FUJI_EXPOSURE_INDEX
        | P::FUJI_MOVIE_ISO
        | P::FUJI_FOCUS_POINT
        | P::FUJI_OBJECT_COUNT
        | P::FUJI_CAPTURES_REMAINING
        | P::FUJI_MOVIE_REMAINING_TIME
        | P::FUJI_SHUTTER_SPEED => Some(DataTypeCode::UINT32),
        _ => None,
    }
}

/// The 0xD212 current-state list: the current values of the properties a Fuji body reports together.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct CurrentStateList {
    /// The entries, in wire order.
    pub entries: Vec<StateEntry>,
}

impl CurrentStateList {
    /// Bytes per entry: a `u16` code and a `u32` value.
    const ENTRY_LEN: usize = 6;

    /// Reads one list from the front of `i`; the count is checked against the input left before
    /// anything is allocated.
    pub fn parse(i: &[u8]) -> DecodeResult<'_, Self> {
        error::with_context(Self::parse_fields(i), STATE_LIST_CONTEXT)
    }

    fn parse_fields(i: &[u8]) -> DecodeResult<'_, Self> {
        let (mut i, count) = wire::u16_le(i, "NumberOfEntries")?;
        let count = usize::from(count);
        check_fits(i, "NumberOfEntries", count, Self::ENTRY_LEN)?;
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            let (rest, code) = wire::u16_le(i, "DevicePropCode")?;
            let (rest, value) = wire::u32_le(rest, "Value")?;
            entries.push(StateEntry {
                code: DevicePropCode(code),
                value,
            });
            i = rest;
        }
        Ok((i, Self { entries }))
    }

    /// Decodes a whole 0xD212 value; trailing bytes are an error.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let r = Self::parse(bytes).and_then(|(rest, v)| {
            wire::expect_end(rest, "Value")?;
            Ok((rest, v))
        });
        error::finish(r, bytes.len(), STATE_LIST_CONTEXT).map(|(_, v)| v)
    }

    /// The entries written: at most `u16::MAX`, what the count can say.
    fn written(&self) -> &[StateEntry] {
        &self.entries[..self.entries.len().min(usize::from(u16::MAX))]
    }

    /// The value of `code`, if the list has it.
    #[must_use]
    pub fn get(&self, code: DevicePropCode) -> Option<u32> {
        self.entries
            .iter()
            .find(|e| e.code == code)
            .map(|e| e.value)
    }
}

impl Encode for CurrentStateList {
    /// Bytes on the wire.
    fn encoded_len(&self) -> usize {
        2 + Self::ENTRY_LEN * self.written().len()
    }

    /// Appends the wire form; entries beyond the 65,535 a `u16` count can announce are not written.
    fn encode(&self, out: &mut Vec<u8>) {
        let entries = self.written();
        // `written` keeps the count within u16.
        out.put_u16_le(entries.len() as u16);
        for e in entries {
            out.put_u16_le(e.code.0);
            out.put_u32_le(e.value);
        }
    }
}

#[cfg(test)]
mod tests;
