//! Little-endian primitives shared by every parser and emitter.
//!
//! Reading uses nom's `complete` number and byte parsers, wrapped so that each failure names the field
//! it was reading. Writing uses byteorder into a `Vec<u8>`, which cannot fail, so emitters need no
//! `Result`.

use byteorder::{ByteOrder, LittleEndian};
use nom::number::complete as num;

use crate::error::{DecodeError, DecodeReason, DecodeResult};

/// A nom error for `field`.
pub(crate) fn fail<T>(field: &'static str, reason: DecodeReason) -> DecodeResult<'static, T> {
    Err(nom::Err::Error(DecodeError::new(field, reason)))
}

fn truncated(field: &'static str, needed: usize, available: usize) -> nom::Err<DecodeError> {
    nom::Err::Error(DecodeError::new(
        field,
        DecodeReason::Truncated {
            needed: needed as u64,
            available: available as u64,
        },
    ))
}

macro_rules! le_reader {
    ($(#[$m:meta])* $name:ident, $ty:ty, $nom:path, $size:expr) => {
        $(#[$m])*
        #[inline]
        pub(crate) fn $name<'a>(i: &'a [u8], field: &'static str) -> DecodeResult<'a, $ty> {
            $nom(i).map_err(|_: nom::Err<()>| truncated(field, $size, i.len()))
        }
    };
}

le_reader!(/// Reads a `u8`.
    u8_, u8, num::le_u8, 1);
le_reader!(/// Reads a little-endian `u16`.
    u16_le, u16, num::le_u16, 2);
le_reader!(/// Reads a little-endian `u32`.
    u32_le, u32, num::le_u32, 4);
le_reader!(/// Reads a little-endian `u64`.
    u64_le, u64, num::le_u64, 8);
le_reader!(/// Reads a little-endian `u128`.
    u128_le, u128, num::le_u128, 16);
le_reader!(/// Reads an `i8`.
    i8_, i8, num::le_i8, 1);
le_reader!(/// Reads a little-endian `i16`.
    i16_le, i16, num::le_i16, 2);
le_reader!(/// Reads a little-endian `i32`.
    i32_le, i32, num::le_i32, 4);
le_reader!(/// Reads a little-endian `i64`.
    i64_le, i64, num::le_i64, 8);
le_reader!(/// Reads a little-endian `i128`.
    i128_le, i128, num::le_i128, 16);

/// Takes exactly `n` bytes.
#[inline]
pub(crate) fn take<'a>(i: &'a [u8], n: usize, field: &'static str) -> DecodeResult<'a, &'a [u8]> {
    nom::bytes::complete::take(n)(i).map_err(|_: nom::Err<()>| truncated(field, n, i.len()))
}

/// Fails unless the input is used up.
#[inline]
pub(crate) fn expect_end(i: &[u8], field: &'static str) -> Result<(), nom::Err<DecodeError>> {
    if i.is_empty() {
        Ok(())
    } else {
        Err(nom::Err::Error(DecodeError::new(
            field,
            DecodeReason::TrailingBytes {
                extra: i.len() as u64,
            },
        )))
    }
}

/// Reads UTF-16LE code units up to and including a NUL terminator, at most `max_units` before it.
///
/// Used for the PTP/IP friendly names (no length prefix; the terminator ends the field).
pub(crate) fn utf16z<'a>(
    i: &'a [u8],
    field: &'static str,
    max_units: usize,
) -> DecodeResult<'a, String> {
    let units = i.chunks_exact(2).take(max_units + 1);
    let Some(nul) = units.clone().position(|u| u == [0, 0]) else {
        let scanned = i.len() / 2;
        return if scanned > max_units {
            fail(
                field,
                DecodeReason::TooLarge {
                    length: scanned as u64,
                    max: max_units as u64,
                },
            )
        } else {
            fail(field, DecodeReason::MissingNul)
        };
    };
    let text =
        decode_utf16(&i[..nul * 2]).map_err(|r| nom::Err::Error(DecodeError::new(field, r)))?;
    Ok((&i[nul * 2 + 2..], text))
}

/// Decodes UTF-16LE bytes (an even count) strictly: an unpaired surrogate is an error.
pub(crate) fn decode_utf16(bytes: &[u8]) -> Result<String, DecodeReason> {
    let units = bytes
        .chunks_exact(2)
        .map(|u| u16::from_le_bytes([u[0], u[1]]));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|_| DecodeReason::InvalidUtf16)
}

/// Appending little-endian values to a byte vector, through byteorder.
pub(crate) trait PutLe {
    /// Appends one byte.
    fn put_u8(&mut self, v: u8);
    /// Appends a little-endian `u16`.
    fn put_u16_le(&mut self, v: u16);
    /// Appends a little-endian `u32`.
    fn put_u32_le(&mut self, v: u32);
    /// Appends a little-endian `u64`.
    fn put_u64_le(&mut self, v: u64);
    /// Appends a little-endian `u128`.
    fn put_u128_le(&mut self, v: u128);
    /// Appends `s` as UTF-16LE code units (no terminator).
    fn put_utf16(&mut self, s: &str);
}

impl PutLe for Vec<u8> {
    #[inline]
    fn put_u8(&mut self, v: u8) {
        self.push(v);
    }
    #[inline]
    fn put_u16_le(&mut self, v: u16) {
        let mut b = [0; 2];
        LittleEndian::write_u16(&mut b, v);
        self.extend_from_slice(&b);
    }
    #[inline]
    fn put_u32_le(&mut self, v: u32) {
        let mut b = [0; 4];
        LittleEndian::write_u32(&mut b, v);
        self.extend_from_slice(&b);
    }
    #[inline]
    fn put_u64_le(&mut self, v: u64) {
        let mut b = [0; 8];
        LittleEndian::write_u64(&mut b, v);
        self.extend_from_slice(&b);
    }
    #[inline]
    fn put_u128_le(&mut self, v: u128) {
        let mut b = [0; 16];
        LittleEndian::write_u128(&mut b, v);
        self.extend_from_slice(&b);
    }
    fn put_utf16(&mut self, s: &str) {
        for unit in s.encode_utf16() {
            self.put_u16_le(unit);
        }
    }
}
