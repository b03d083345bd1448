//! PTP strings and arrays (ISO 15740 §5.3).
//!
//! A PTP string is a `u8` count of UTF-16LE code units, the terminating NUL included, followed by the
//! units; a count of 0 is the empty string and has no units at all. A PTP array is a `u32` element
//! count followed by the elements. Both counts come from the peer, so the array reader checks the
//! count against the input that is actually left before it allocates anything. Date-time fields
//! (`YYYYMMDDThhmmss.s`) are ordinary PTP strings and are kept as text.

use std::fmt;

use crate::error::{DecodeError, DecodeReason, DecodeResult};
use crate::wire::{self, PutLe};

/// A PTP string: text of at most [`PtpString::MAX_UNITS`] UTF-16 code units, with no NUL inside.
///
/// Decoding is strict: the last unit must be NUL ([`DecodeReason::MissingTerminator`]), the units
/// before it must be valid UTF-16 ([`DecodeReason::InvalidUtf16`]) and must not contain NUL. An empty
/// string is normally sent as a count of 0; some devices send a count of 1 with a lone NUL instead,
/// which decodes to the same empty text but remembers its form so that re-encoding gives the same
/// bytes.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct PtpString {
    text: String,
    /// Empty text sent as count 1 + NUL rather than count 0.
    lone_nul: bool,
}

impl PtpString {
    /// The most UTF-16 code units the text may have (the count byte also covers the NUL).
    pub const MAX_UNITS: usize = 254;

    /// Validates `text`: no NUL, at most [`Self::MAX_UNITS`] UTF-16 code units (surrogate pairs count
    /// two).
    pub fn new(text: impl Into<String>) -> Result<Self, DecodeError> {
        let text = text.into();
        if text.contains('\0') {
            return Err(DecodeError::new(
                "PtpString",
                DecodeReason::InvalidValue("a PTP string cannot contain NUL"),
            ));
        }
        let units = text.encode_utf16().count();
        if units > Self::MAX_UNITS {
            return Err(DecodeError::new(
                "PtpString",
                DecodeReason::TooLarge {
                    length: units as u64,
                    max: Self::MAX_UNITS as u64,
                },
            ));
        }
        Ok(Self {
            text,
            lone_nul: false,
        })
    }

    /// The empty string (count 0 on the wire).
    #[must_use]
    pub const fn empty() -> Self {
        Self {
            text: String::new(),
            lone_nul: false,
        }
    }

    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The text, by value.
    #[must_use]
    pub fn into_string(self) -> String {
        self.text
    }

    /// Whether the text is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// UTF-16 code units of the text, terminator excluded.
    #[must_use]
    pub fn units(&self) -> usize {
        self.text.encode_utf16().count()
    }

    /// The count byte sent on the wire: units plus the NUL, or 0 for the empty string.
    #[must_use]
    pub fn wire_count(&self) -> u8 {
        if self.text.is_empty() {
            u8::from(self.lone_nul)
        } else {
            // `new` and `parse` keep the units at or below 254.
            (self.units() + 1).min(255) as u8
        }
    }

    /// Bytes on the wire, count byte included.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        1 + 2 * usize::from(self.wire_count())
    }

    /// Reads one PTP string; `field` names it in errors.
    pub fn parse<'a>(i: &'a [u8], field: &'static str) -> DecodeResult<'a, Self> {
        let (i, count) = wire::u8_(i, field)?;
        if count == 0 {
            return Ok((i, Self::empty()));
        }
        let (i, raw) = wire::take(i, 2 * usize::from(count), field)?;
        let (body, last) = raw.split_at(raw.len() - 2);
        if last != [0, 0] {
            return wire::fail(field, DecodeReason::MissingTerminator);
        }
        let text =
            wire::decode_utf16(body).map_err(|r| nom::Err::Error(DecodeError::new(field, r)))?;
        if text.contains('\0') {
            return wire::fail(
                field,
                DecodeReason::InvalidValue("NUL before the end of a PTP string"),
            );
        }
        Ok((
            i,
            Self {
                lone_nul: text.is_empty(),
                text,
            },
        ))
    }

    /// Appends the count byte, the units and the NUL (nothing after the count for an empty string).
    pub fn write(&self, out: &mut Vec<u8>) {
        let count = self.wire_count();
        out.put_u8(count);
        if count > 0 {
            out.put_utf16(&self.text);
            out.put_u16_le(0);
        }
    }
}

impl fmt::Display for PtpString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for PtpString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.text, f)
    }
}

impl TryFrom<&str> for PtpString {
    type Error = DecodeError;
    fn try_from(s: &str) -> Result<Self, DecodeError> {
        Self::new(s)
    }
}

impl TryFrom<String> for PtpString {
    type Error = DecodeError;
    fn try_from(s: String) -> Result<Self, DecodeError> {
        Self::new(s)
    }
}

impl AsRef<str> for PtpString {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl PartialEq<str> for PtpString {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for PtpString {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

/// Reads a PTP array: a `u32` element count, then the elements.
///
/// `element_size` is the smallest number of bytes one element can take. Before anything is
/// allocated, the count is checked against `max_count` ([`DecodeReason::TooLarge`]) and against the
/// input left (`count × element_size` must fit, else [`DecodeReason::Truncated`]), so a hostile count
/// never allocates more than the input could hold.
pub fn parse_array<'a, T>(
    i: &'a [u8],
    field: &'static str,
    max_count: usize,
    element_size: usize,
    mut element: impl FnMut(&'a [u8], &'static str) -> DecodeResult<'a, T>,
) -> DecodeResult<'a, Vec<T>> {
    let (mut i, count) = wire::u32_le(i, field)?;
    let count = count as usize;
    if count > max_count {
        return wire::fail(
            field,
            DecodeReason::TooLarge {
                length: count as u64,
                max: max_count as u64,
            },
        );
    }
    check_fits(i, field, count, element_size)?;
    let mut items = Vec::with_capacity(count);
    for _ in 0..count {
        let (rest, item) = element(i, field)?;
        items.push(item);
        i = rest;
    }
    Ok((i, items))
}

/// Fails with [`DecodeReason::Truncated`] unless `count` elements of at least `element_size` bytes
/// can fit in what is left of `i`.
pub(crate) fn check_fits(
    i: &[u8],
    field: &'static str,
    count: usize,
    element_size: usize,
) -> Result<(), nom::Err<DecodeError>> {
    let needed = (count as u64).saturating_mul(element_size.max(1) as u64);
    if needed > i.len() as u64 {
        return Err(nom::Err::Error(DecodeError::new(
            field,
            DecodeReason::Truncated {
                needed,
                available: i.len() as u64,
            },
        )));
    }
    Ok(())
}

/// Appends a PTP array: the `u32` count, then each element through `element`.
///
/// A slice longer than `u32::MAX` cannot be represented; its count is clamped (such a value could
/// never be sent in one PTP data phase anyway).
pub fn write_array<T>(out: &mut Vec<u8>, items: &[T], mut element: impl FnMut(&T, &mut Vec<u8>)) {
    out.put_u32_le(u32::try_from(items.len()).unwrap_or(u32::MAX));
    for item in items {
        element(item, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> PtpString {
        PtpString::new(text).unwrap()
    }

    #[test]
    fn empty_string_is_a_zero_count() {
        let mut out = Vec::new();
        PtpString::empty().write(&mut out);
        assert_eq!(out, [0]);
        assert_eq!(PtpString::empty().encoded_len(), 1);
        let (rest, v) = PtpString::parse(&[0, 0xAA], "F").unwrap();
        assert_eq!(rest, [0xAA]);
        assert_eq!(v, PtpString::empty());
    }

    #[test]
    fn golden_ascii() {
        let mut out = Vec::new();
        s("Hi").write(&mut out);
        // count 3 (H, i, NUL), then UTF-16LE units.
        assert_eq!(out, [3, b'H', 0, b'i', 0, 0, 0]);
        assert_eq!(s("Hi").encoded_len(), out.len());
        assert_eq!(PtpString::parse(&out, "F").unwrap().1, "Hi");
    }

    #[test]
    fn surrogate_pair_round_trip() {
        let cam = s("a📷");
        assert_eq!(cam.units(), 3);
        let mut out = Vec::new();
        cam.write(&mut out);
        // count 4: 'a', high surrogate D83D, low surrogate DCF7, NUL.
        assert_eq!(out, [4, b'a', 0, 0x3D, 0xD8, 0xF7, 0xDC, 0, 0]);
        assert_eq!(PtpString::parse(&out, "F").unwrap().1, cam);
    }

    #[test]
    fn lone_nul_empty_string_round_trips() {
        let (_, v) = PtpString::parse(&[1, 0, 0], "F").unwrap();
        assert!(v.is_empty());
        assert_eq!(v.as_str(), "");
        let mut out = Vec::new();
        v.write(&mut out);
        assert_eq!(out, [1, 0, 0]);
    }

    #[test]
    fn strict_errors() {
        let err = |b: &[u8]| match PtpString::parse(b, "Model") {
            Err(nom::Err::Error(e)) => {
                assert_eq!(e.field, "Model");
                e.reason
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(err(&[2, b'a', 0, b'b', 0]), DecodeReason::MissingTerminator);
        // unpaired high surrogate, then NUL.
        assert_eq!(err(&[2, 0x00, 0xD8, 0, 0]), DecodeReason::InvalidUtf16);
        assert!(matches!(
            err(&[3, b'a', 0, 0, 0]),
            DecodeReason::Truncated {
                needed: 6,
                available: 4
            }
        ));
        assert!(matches!(err(&[]), DecodeReason::Truncated { .. }));
        assert!(matches!(
            err(&[3, b'a', 0, 0, 0, 0, 0]),
            DecodeReason::InvalidValue(_)
        ));
    }

    #[test]
    fn constructor_limits() {
        assert!(PtpString::new("a\0b").is_err());
        assert!(PtpString::new("x".repeat(254)).is_ok());
        assert!(PtpString::new("x".repeat(255)).is_err());
        // 127 surrogate pairs = 254 units: fits; one more unit does not.
        assert!(PtpString::new("📷".repeat(127)).is_ok());
        assert!(PtpString::new(format!("{}x", "📷".repeat(127))).is_err());
        let long = s(&"x".repeat(254));
        assert_eq!(long.wire_count(), 255);
        let mut out = Vec::new();
        long.write(&mut out);
        assert_eq!(out.len(), 1 + 2 * 255);
        assert_eq!(PtpString::parse(&out, "F").unwrap().1, long);
    }

    fn u16_elem<'a>(i: &'a [u8], f: &'static str) -> DecodeResult<'a, u16> {
        wire::u16_le(i, f)
    }

    #[test]
    fn array_golden_and_round_trip() {
        let mut out = Vec::new();
        write_array(&mut out, &[0x1001u16, 0x1002], |v, o| o.put_u16_le(*v));
        // count 2 (u32), then two u16.
        assert_eq!(out, [2, 0, 0, 0, 0x01, 0x10, 0x02, 0x10]);
        let (rest, v) = parse_array(&out, "Ops", 100, 2, u16_elem).unwrap();
        assert!(rest.is_empty());
        assert_eq!(v, [0x1001, 0x1002]);
    }

    #[test]
    fn hostile_array_count_is_refused_before_allocating() {
        let bytes = [0xFF, 0xFF, 0xFF, 0xFF, 1, 0];
        match parse_array(&bytes, "Ops", usize::MAX, 2, u16_elem) {
            Err(nom::Err::Error(e)) => assert_eq!(
                e.reason,
                DecodeReason::Truncated {
                    needed: 0xFFFF_FFFF * 2,
                    available: 2
                }
            ),
            other => panic!("{other:?}"),
        }
        match parse_array(&[3, 0, 0, 0, 1, 0, 2, 0, 3, 0], "Ops", 2, 2, u16_elem) {
            Err(nom::Err::Error(e)) => {
                assert_eq!(e.reason, DecodeReason::TooLarge { length: 3, max: 2 });
            }
            other => panic!("{other:?}"),
        }
    }
}
