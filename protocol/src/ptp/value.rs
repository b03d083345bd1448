//! Property values (ISO 15740 §5.3): one variant per data type.
//!
//! A value's layout depends on a [`DataTypeCode`] found elsewhere (in the DevicePropDesc, or known
//! from the property), so parsing takes the type as an argument.

use std::fmt;

use crate::encode::Encode;
use crate::error::{self, DecodeError, DecodeReason, DecodeResult};
use crate::ptp::codes::DataTypeCode;
use crate::ptp::string::{PtpString, parse_array, write_array};
use crate::quirk::{Quirk, Tolerant};
use crate::wire::{self, PutLe};

/// A device property value of any PTP data type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PropValue {
    /// INT8.
    Int8(i8),
    /// UINT8.
    UInt8(u8),
    /// INT16.
    Int16(i16),
    /// UINT16.
    UInt16(u16),
    /// INT32.
    Int32(i32),
    /// UINT32.
    UInt32(u32),
    /// INT64.
    Int64(i64),
    /// UINT64.
    UInt64(u64),
    /// INT128.
    Int128(i128),
    /// UINT128.
    UInt128(u128),
    /// AINT8.
    ArrayInt8(Vec<i8>),
    /// AUINT8.
    ArrayUInt8(Vec<u8>),
    /// AINT16.
    ArrayInt16(Vec<i16>),
    /// AUINT16.
    ArrayUInt16(Vec<u16>),
    /// AINT32.
    ArrayInt32(Vec<i32>),
    /// AUINT32.
    ArrayUInt32(Vec<u32>),
    /// AINT64.
    ArrayInt64(Vec<i64>),
    /// AUINT64.
    ArrayUInt64(Vec<u64>),
    /// AINT128.
    ArrayInt128(Vec<i128>),
    /// AUINT128.
    ArrayUInt128(Vec<u128>),
    /// STR: a PTP string.
    Str(PtpString),
    /// A value typed STR that is really a fixed-width, NUL-padded ASCII block, written as-is.
    ///
    /// The Fujifilm X-T1 answers for properties 0x5003 and 0xD174 this way; see
    /// [`fixed_ascii_text`] for the text and [`DevicePropDesc`](crate::ptp::dataset::DevicePropDesc)
    /// for how the width is found in a description.
    FixedAscii(Vec<u8>),
}

/// The ASCII text at the start of a fixed-width block: the bytes before the first NUL, cut at the
/// first non-ASCII byte.
#[must_use]
pub fn fixed_ascii_text(bytes: &[u8]) -> &str {
    let end = bytes
        .iter()
        .position(|&b| b == 0 || !b.is_ascii())
        .unwrap_or(bytes.len());
    // ASCII bytes are always valid UTF-8.
    std::str::from_utf8(&bytes[..end]).unwrap_or_default()
}

/// An integer type with a fixed little-endian width.
trait Scalar: Copy {
    const SIZE: usize;
    fn read<'a>(i: &'a [u8], field: &'static str) -> DecodeResult<'a, Self>;
    fn put(self, out: &mut Vec<u8>);
}

macro_rules! scalar {
    ($ty:ty, $size:literal, $read:path, $put:ident as $wire:ty) => {
        impl Scalar for $ty {
            const SIZE: usize = $size;
            #[inline]
            fn read<'a>(i: &'a [u8], field: &'static str) -> DecodeResult<'a, Self> {
                $read(i, field)
            }
            #[inline]
            fn put(self, out: &mut Vec<u8>) {
                // Same-width reinterpretation: two's complement is the wire form.
                out.$put(self as $wire);
            }
        }
    };
}

scalar!(i8, 1, wire::i8_, put_u8 as u8);
scalar!(u8, 1, wire::u8_, put_u8 as u8);
scalar!(i16, 2, wire::i16_le, put_u16_le as u16);
scalar!(u16, 2, wire::u16_le, put_u16_le as u16);
scalar!(i32, 4, wire::i32_le, put_u32_le as u32);
scalar!(u32, 4, wire::u32_le, put_u32_le as u32);
scalar!(i64, 8, wire::i64_le, put_u64_le as u64);
scalar!(u64, 8, wire::u64_le, put_u64_le as u64);
scalar!(i128, 16, wire::i128_le, put_u128_le as u128);
scalar!(u128, 16, wire::u128_le, put_u128_le as u128);

fn one<'a, T: Scalar>(
    i: &'a [u8],
    field: &'static str,
    wrap: fn(T) -> PropValue,
) -> DecodeResult<'a, PropValue> {
    let (i, v) = T::read(i, field)?;
    Ok((i, wrap(v)))
}

fn many<'a, T: Scalar>(
    i: &'a [u8],
    field: &'static str,
    wrap: fn(Vec<T>) -> PropValue,
) -> DecodeResult<'a, PropValue> {
    let (i, v) = parse_array(i, field, usize::MAX, T::SIZE, T::read)?;
    Ok((i, wrap(v)))
}

fn put_all<T: Scalar>(out: &mut Vec<u8>, items: &[T]) {
    write_array(out, items, |v, o| v.put(o));
}

/// Applies `$body` to the payload of whichever integer or array variant `$v` is, binding it as `$x`;
/// `$str` and `$fixed` handle the two string variants.
macro_rules! dispatch {
    ($v:expr, scalar $x:ident => $scalar:expr, array $a:ident => $array:expr, str $s:ident => $str:expr, fixed $f:ident => $fixed:expr) => {
        match $v {
            PropValue::Int8($x) => $scalar,
            PropValue::UInt8($x) => $scalar,
            PropValue::Int16($x) => $scalar,
            PropValue::UInt16($x) => $scalar,
            PropValue::Int32($x) => $scalar,
            PropValue::UInt32($x) => $scalar,
            PropValue::Int64($x) => $scalar,
            PropValue::UInt64($x) => $scalar,
            PropValue::Int128($x) => $scalar,
            PropValue::UInt128($x) => $scalar,
            PropValue::ArrayInt8($a) => $array,
            PropValue::ArrayUInt8($a) => $array,
            PropValue::ArrayInt16($a) => $array,
            PropValue::ArrayUInt16($a) => $array,
            PropValue::ArrayInt32($a) => $array,
            PropValue::ArrayUInt32($a) => $array,
            PropValue::ArrayInt64($a) => $array,
            PropValue::ArrayUInt64($a) => $array,
            PropValue::ArrayInt128($a) => $array,
            PropValue::ArrayUInt128($a) => $array,
            PropValue::Str($s) => $str,
            PropValue::FixedAscii($f) => $fixed,
        }
    };
}

fn size_of<T: Scalar>(_: &T) -> usize {
    T::SIZE
}

fn array_size<T: Scalar>(items: &[T]) -> usize {
    4 + T::SIZE * items.len()
}

impl PropValue {
    /// The data type this value is sent as ([`FixedAscii`](Self::FixedAscii) reports STR).
    #[must_use]
    pub const fn data_type(&self) -> DataTypeCode {
        match self {
            Self::Int8(_) => DataTypeCode::INT8,
            Self::UInt8(_) => DataTypeCode::UINT8,
            Self::Int16(_) => DataTypeCode::INT16,
            Self::UInt16(_) => DataTypeCode::UINT16,
            Self::Int32(_) => DataTypeCode::INT32,
            Self::UInt32(_) => DataTypeCode::UINT32,
            Self::Int64(_) => DataTypeCode::INT64,
            Self::UInt64(_) => DataTypeCode::UINT64,
            Self::Int128(_) => DataTypeCode::INT128,
            Self::UInt128(_) => DataTypeCode::UINT128,
            Self::ArrayInt8(_) => DataTypeCode::AINT8,
            Self::ArrayUInt8(_) => DataTypeCode::AUINT8,
            Self::ArrayInt16(_) => DataTypeCode::AINT16,
            Self::ArrayUInt16(_) => DataTypeCode::AUINT16,
            Self::ArrayInt32(_) => DataTypeCode::AINT32,
            Self::ArrayUInt32(_) => DataTypeCode::AUINT32,
            Self::ArrayInt64(_) => DataTypeCode::AINT64,
            Self::ArrayUInt64(_) => DataTypeCode::AUINT64,
            Self::ArrayInt128(_) => DataTypeCode::AINT128,
            Self::ArrayUInt128(_) => DataTypeCode::AUINT128,
            Self::Str(_) | Self::FixedAscii(_) => DataTypeCode::STR,
        }
    }

    /// Reads one value of `data_type`; errors name the field `Value`.
    ///
    /// UNDEF and codes outside §5.3 fail with [`DecodeReason::UnknownDataType`]: without a known
    /// layout the value cannot even be skipped.
    pub fn parse(i: &[u8], data_type: DataTypeCode) -> DecodeResult<'_, Self> {
        Self::parse_field(i, data_type, "Value")
    }

    /// Reads one value of `data_type`; errors name `field`.
    pub fn parse_field<'a>(
        i: &'a [u8],
        data_type: DataTypeCode,
        field: &'static str,
    ) -> DecodeResult<'a, Self> {
        match data_type {
            DataTypeCode::INT8 => one(i, field, Self::Int8),
            DataTypeCode::UINT8 => one(i, field, Self::UInt8),
            DataTypeCode::INT16 => one(i, field, Self::Int16),
            DataTypeCode::UINT16 => one(i, field, Self::UInt16),
            DataTypeCode::INT32 => one(i, field, Self::Int32),
            DataTypeCode::UINT32 => one(i, field, Self::UInt32),
            DataTypeCode::INT64 => one(i, field, Self::Int64),
            DataTypeCode::UINT64 => one(i, field, Self::UInt64),
            DataTypeCode::INT128 => one(i, field, Self::Int128),
            DataTypeCode::UINT128 => one(i, field, Self::UInt128),
            DataTypeCode::AINT8 => many(i, field, Self::ArrayInt8),
            DataTypeCode::AUINT8 => many(i, field, Self::ArrayUInt8),
            DataTypeCode::AINT16 => many(i, field, Self::ArrayInt16),
            DataTypeCode::AUINT16 => many(i, field, Self::ArrayUInt16),
            DataTypeCode::AINT32 => many(i, field, Self::ArrayInt32),
            DataTypeCode::AUINT32 => many(i, field, Self::ArrayUInt32),
            DataTypeCode::AINT64 => many(i, field, Self::ArrayInt64),
            DataTypeCode::AUINT64 => many(i, field, Self::ArrayUInt64),
            DataTypeCode::AINT128 => many(i, field, Self::ArrayInt128),
            DataTypeCode::AUINT128 => many(i, field, Self::ArrayUInt128),
            DataTypeCode::STR => {
                let (i, s) = PtpString::parse(i, field)?;
                Ok((i, Self::Str(s)))
            }
            other => wire::fail(field, DecodeReason::UnknownDataType(other.0)),
        }
    }

    /// Decodes a whole GetDevicePropValue data phase holding one value of `data_type`.
    ///
    /// For STR the bytes must be exactly one PTP string; anything else is kept as
    /// [`FixedAscii`](Self::FixedAscii), the fixed-width ASCII block some Fujifilm bodies send
    /// (0x5003 and 0xD174 on the X-T1). Other types must use up the input exactly
    /// ([`DecodeReason::TrailingBytes`] otherwise). Errors carry the context `DevicePropValue`.
    pub fn parse_whole(bytes: &[u8], data_type: DataTypeCode) -> Result<Self, DecodeError> {
        const CONTEXT: &str = "DevicePropValue";
        if data_type == DataTypeCode::STR {
            return Ok(match PtpString::parse(bytes, "Value") {
                Ok(([], s)) => Self::Str(s),
                _ => Self::FixedAscii(bytes.to_vec()),
            });
        }
        let r = Self::parse(bytes, data_type).and_then(|(rest, v)| {
            wire::expect_end(rest, "Value")?;
            Ok((rest, v))
        });
        error::finish(r, bytes.len(), CONTEXT).map(|(_, v)| v)
    }

    /// [`parse_whole`](Self::parse_whole), accepting what real cameras send beyond it: a 16-bit
    /// value sent in four bytes (a Fujifilm body answering GetDevicePropValue of a UINT16
    /// property with a u32) reads from its low two bytes, and the two left over are reported as
    /// [`Quirk::TrailingBytes`] (`all_zero` false when they held something).
    pub fn decode_lenient(
        bytes: &[u8],
        data_type: DataTypeCode,
    ) -> Result<Tolerant<Self>, DecodeError> {
        match Self::parse_whole(bytes, data_type) {
            Ok(value) => Ok(Tolerant::exact(value)),
            Err(e) => match data_type {
                DataTypeCode::UINT16 | DataTypeCode::INT16 if bytes.len() == 4 => {
                    let value = Self::parse_whole(&bytes[..2], data_type)?;
                    let quirk = Quirk::TrailingBytes {
                        context: "DevicePropValue",
                        count: 2,
                        all_zero: bytes[2..] == [0, 0],
                    };
                    Ok(Tolerant {
                        value,
                        quirks: vec![quirk],
                    })
                }
                _ => Err(e),
            },
        }
    }

    /// The fewest bytes a value of `data_type` can take, or `None` for a type this crate cannot read.
    ///
    /// Used to check a peer's element count against the input before allocating.
    #[must_use]
    pub const fn min_encoded_len(data_type: DataTypeCode) -> Option<usize> {
        match data_type.0 {
            0x0001 | 0x0002 => Some(1),
            0x0003 | 0x0004 => Some(2),
            0x0005 | 0x0006 => Some(4),
            0x0007 | 0x0008 => Some(8),
            0x0009 | 0x000A => Some(16),
            0x4001..=0x400A => Some(4),
            0xFFFF => Some(1),
            _ => None,
        }
    }

    /// The value of an integer variant, sign-extended; `None` for arrays, strings and UINT128 values
    /// above `i128::MAX`.
    #[must_use]
    pub fn as_i128(&self) -> Option<i128> {
        match *self {
            Self::Int8(v) => Some(v.into()),
            Self::UInt8(v) => Some(v.into()),
            Self::Int16(v) => Some(v.into()),
            Self::UInt16(v) => Some(v.into()),
            Self::Int32(v) => Some(v.into()),
            Self::UInt32(v) => Some(v.into()),
            Self::Int64(v) => Some(v.into()),
            Self::UInt64(v) => Some(v.into()),
            Self::Int128(v) => Some(v),
            Self::UInt128(v) => i128::try_from(v).ok(),
            _ => None,
        }
    }

    /// The text of a [`Str`](Self::Str) or [`FixedAscii`](Self::FixedAscii) value.
    #[must_use]
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s.as_str()),
            Self::FixedAscii(b) => Some(fixed_ascii_text(b)),
            _ => None,
        }
    }

    /// The ASCII text of a [`FixedAscii`](Self::FixedAscii) value, up to its first NUL.
    #[must_use]
    pub fn fixed_ascii_text(&self) -> Option<&str> {
        match self {
            Self::FixedAscii(b) => Some(fixed_ascii_text(b)),
            _ => None,
        }
    }
}

fn fmt_list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    f.write_str("[")?;
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            f.write_str(", ")?;
        }
        fmt::Display::fmt(item, f)?;
    }
    f.write_str("]")
}

impl Encode for PropValue {
    /// Bytes on the wire.
    fn encoded_len(&self) -> usize {
        dispatch!(self,
            scalar x => size_of(x),
            array a => array_size(a),
            str s => s.encoded_len(),
            fixed f => f.len())
    }

    /// Appends the value in its wire form (arrays with their `u32` count, FixedAscii as-is).
    fn encode(&self, out: &mut Vec<u8>) {
        dispatch!(self,
            scalar x => x.put(out),
            array a => put_all(out, a),
            str s => s.write(out),
            fixed f => out.extend_from_slice(f))
    }
}

impl fmt::Display for PropValue {
    /// Integers in decimal, arrays as `[a, b]`, strings quoted and escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        dispatch!(self,
            scalar x => fmt::Display::fmt(x, f),
            array a => fmt_list(f, a),
            str s => write!(f, "{:?}", s.as_str()),
            fixed b => write!(f, "{:?}", fixed_ascii_text(b)))
    }
}

impl From<PtpString> for PropValue {
    fn from(s: PtpString) -> Self {
        Self::Str(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(v: &PropValue) {
        let bytes = v.to_bytes();
        assert_eq!(bytes.len(), v.encoded_len());
        let (rest, back) = PropValue::parse(&bytes, v.data_type()).unwrap();
        assert!(rest.is_empty());
        assert_eq!(&back, v);
    }

    #[test]
    fn golden_scalars() {
        assert_eq!(PropValue::Int8(-2).to_bytes(), [0xFE]);
        assert_eq!(PropValue::UInt16(0x5001).to_bytes(), [0x01, 0x50]);
        assert_eq!(PropValue::Int16(-3000).to_bytes(), [0x48, 0xF4]);
        assert_eq!(
            PropValue::UInt32(0x8000_1900).to_bytes(),
            [0, 0x19, 0, 0x80]
        );
        assert_eq!(PropValue::Int64(-1).to_bytes(), [0xFF; 8]);
        assert_eq!(PropValue::UInt128(1).to_bytes()[..2], [1, 0]);
        for v in [
            PropValue::Int8(i8::MIN),
            PropValue::UInt8(u8::MAX),
            PropValue::Int16(i16::MIN),
            PropValue::UInt16(7),
            PropValue::Int32(i32::MIN),
            PropValue::UInt32(u32::MAX),
            PropValue::Int64(i64::MIN),
            PropValue::UInt64(u64::MAX),
            PropValue::Int128(i128::MIN),
            PropValue::UInt128(u128::MAX),
        ] {
            round_trip(&v);
        }
    }

    #[test]
    fn golden_arrays_and_strings() {
        // count 2, then two INT16.
        assert_eq!(
            PropValue::ArrayInt16(vec![-1, 2]).to_bytes(),
            [2, 0, 0, 0, 0xFF, 0xFF, 2, 0]
        );
        assert_eq!(PropValue::ArrayUInt64(vec![]).to_bytes(), [0, 0, 0, 0]);
        let s = PropValue::Str(PtpString::new("A").unwrap());
        assert_eq!(s.to_bytes(), [2, b'A', 0, 0, 0]);
        for v in [
            PropValue::ArrayInt8(vec![-1, 0, 1]),
            PropValue::ArrayUInt8(vec![1, 2]),
            PropValue::ArrayUInt16(vec![0xFFFF]),
            PropValue::ArrayInt32(vec![-7]),
            PropValue::ArrayUInt32(vec![1, 2, 3]),
            PropValue::ArrayInt64(vec![i64::MIN]),
            PropValue::ArrayInt128(vec![-5, 5]),
            PropValue::ArrayUInt128(vec![u128::MAX]),
            s,
        ] {
            round_trip(&v);
        }
    }

    #[test]
    fn as_i128_sign_extends() {
        assert_eq!(PropValue::Int8(-1).as_i128(), Some(-1));
        assert_eq!(PropValue::UInt8(0xFF).as_i128(), Some(255));
        assert_eq!(
            PropValue::Int32(i32::MIN).as_i128(),
            Some(i128::from(i32::MIN))
        );
        assert_eq!(
            PropValue::UInt64(u64::MAX).as_i128(),
            Some(i128::from(u64::MAX))
        );
        assert_eq!(PropValue::UInt128(u128::MAX).as_i128(), None);
        assert_eq!(PropValue::ArrayUInt8(vec![1]).as_i128(), None);
    }

    #[test]
    fn display() {
        assert_eq!(PropValue::Int16(-3000).to_string(), "-3000");
        assert_eq!(PropValue::ArrayUInt16(vec![1, 2]).to_string(), "[1, 2]");
        assert_eq!(PropValue::ArrayInt8(vec![]).to_string(), "[]");
        let s = PropValue::Str(PtpString::new("X-T1").unwrap());
        assert_eq!(s.to_string(), "\"X-T1\"");
        assert_eq!(
            PropValue::FixedAscii(b"L_4-3\0\0\x01".to_vec()).to_string(),
            "\"L_4-3\""
        );
    }

    #[test]
    fn unknown_types_are_refused() {
        for dt in [
            DataTypeCode::UNDEF,
            DataTypeCode(0x000B),
            DataTypeCode(0x4000),
        ] {
            match PropValue::parse(&[0; 32], dt) {
                Err(nom::Err::Error(e)) => {
                    assert_eq!(e.reason, DecodeReason::UnknownDataType(dt.0));
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(PropValue::min_encoded_len(dt), None);
        }
    }

    #[test]
    fn hostile_array_count() {
        let bytes = [0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0];
        match PropValue::parse(&bytes, DataTypeCode::AUINT128) {
            Err(nom::Err::Error(e)) => assert!(matches!(e.reason, DecodeReason::Truncated { .. })),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parse_whole_strings_and_fixed_ascii() {
        let std = PropValue::Str(PtpString::new("320x280").unwrap());
        assert_eq!(
            PropValue::parse_whole(&std.to_bytes(), DataTypeCode::STR).unwrap(),
            std
        );
        // The X-T1 GetDevicePropValue reply for 0xD174 (payload after the 12-byte header), truncated
        // here to its first 16 bytes: plain ASCII, no count byte.
        let raw = b"320x280\0d\0\0\0\x06\0\0\0";
        let v = PropValue::parse_whole(raw, DataTypeCode::STR).unwrap();
        assert_eq!(v, PropValue::FixedAscii(raw.to_vec()));
        assert_eq!(v.fixed_ascii_text(), Some("320x280"));
        assert_eq!(v.as_text(), Some("320x280"));
        assert_eq!(v.data_type(), DataTypeCode::STR);
        assert_eq!(v.to_bytes(), raw);
        assert_eq!(v.encoded_len(), raw.len());
    }

    #[test]
    fn a_u16_sent_in_four_bytes_reads_leniently_and_says_so() {
        let t = PropValue::decode_lenient(&[0x34, 0x12, 0, 0], DataTypeCode::UINT16).unwrap();
        assert_eq!(t.value, PropValue::UInt16(0x1234));
        assert!(matches!(
            t.quirks.as_slice(),
            [Quirk::TrailingBytes {
                count: 2,
                all_zero: true,
                ..
            }]
        ));
        assert!(PropValue::parse_whole(&[0x34, 0x12, 0, 0], DataTypeCode::UINT16).is_err());
        let t = PropValue::decode_lenient(&[1, 0, 7, 0], DataTypeCode::INT16).unwrap();
        assert!(matches!(
            t.quirks.as_slice(),
            [Quirk::TrailingBytes {
                all_zero: false,
                ..
            }]
        ));
        // An exact value has nothing to report; other sizes and types stay refused.
        let t = PropValue::decode_lenient(&[0x34, 0x12], DataTypeCode::UINT16).unwrap();
        assert!(t.is_exact());
        assert!(PropValue::decode_lenient(&[1, 2, 3], DataTypeCode::UINT16).is_err());
        assert!(PropValue::decode_lenient(&[1, 2, 3, 4, 5], DataTypeCode::UINT32).is_err());
    }

    #[test]
    fn parse_whole_integers() {
        assert_eq!(
            PropValue::parse_whole(&[0x5E, 0x01], DataTypeCode::UINT16).unwrap(),
            PropValue::UInt16(350)
        );
        let e = PropValue::parse_whole(&[1, 2, 3], DataTypeCode::UINT16).unwrap_err();
        assert_eq!(e.context, "DevicePropValue");
        assert_eq!(e.reason, DecodeReason::TrailingBytes { extra: 1 });
        let e = PropValue::parse_whole(&[1], DataTypeCode::UINT32).unwrap_err();
        assert!(matches!(e.reason, DecodeReason::Truncated { .. }));
    }

    #[test]
    fn fixed_ascii_text_stops_at_nul_or_non_ascii() {
        assert_eq!(fixed_ascii_text(b"abc\0def"), "abc");
        assert_eq!(fixed_ascii_text(b"ab\xFFc"), "ab");
        assert_eq!(fixed_ascii_text(b""), "");
        assert_eq!(fixed_ascii_text(b"xyz"), "xyz");
    }
}
