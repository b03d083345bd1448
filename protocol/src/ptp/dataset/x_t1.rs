//! The Fujifilm X-T1's fixed-width STR descriptions: the width heuristic behind
//! `DevicePropDesc::decode`. The documentation on `DevicePropDesc` explains it; this module only
//! splits the bytes (it knows nothing of the dataset), and `prop_desc` builds the description
//! from the parts.

use crate::ptp::codes::DataTypeCode;
use crate::ptp::string::PtpString;

/// Longest default text the heuristic looks for. The known texts are 5 and 7 characters; the cap
/// keeps the search linear in the input even for hostile bytes.
const MAX_TEXT: usize = 64;

/// The width of the two fixed-width values in `body` (the bytes after Get/Set), if the heuristic
/// finds one: the offset of the first recurrence of the default's text and its NUL, with room left for
/// the current value.
pub(super) fn fixed_width(body: &[u8]) -> Option<usize> {
    let text_len = body.iter().take(MAX_TEXT + 1).position(|&b| b == 0)?;
    let text = &body[..text_len];
    if text.is_empty() || !text.iter().all(|&b| b == b' ' || b.is_ascii_graphic()) {
        return None;
    }
    let needle = &body[..=text_len];
    let after_default_text = text_len + 1;
    let width = body[after_default_text..]
        .windows(needle.len())
        .position(|w| w == needle)?
        + after_default_text;
    (width.checked_mul(2)? <= body.len()).then_some(width)
}

/// Whether `body` starts with two valid PTP strings, as a standard STR description's default and
/// current value.
fn starts_with_two_ptp_strings(body: &[u8]) -> bool {
    PtpString::parse(body, "FactoryDefaultValue")
        .and_then(|(rest, _)| PtpString::parse(rest, "CurrentValue"))
        .is_ok()
}

/// The three parts of an X-T1 STR description after Get/Set: the default and current values, each
/// a fixed-width block, and the opaque rest (the form).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct FixedAscii<'a> {
    /// FactoryDefaultValue's block (empty when no width was found).
    pub(super) default: &'a [u8],
    /// CurrentValue's block (empty when no width was found).
    pub(super) current: &'a [u8],
    /// The rest, kept opaque.
    pub(super) form: &'a [u8],
}

/// Splits `body` (the bytes after Get/Set) with the heuristic. `None`, leaving the standard
/// layout's error to stand, unless the data type is STR, `body` is not empty, and the default and
/// current value are not both valid PTP strings (when they are, the description is not the X-T1's
/// kind, whatever else is wrong with it).
pub(super) fn split_fixed_ascii(data_type: DataTypeCode, body: &[u8]) -> Option<FixedAscii<'_>> {
    if data_type != DataTypeCode::STR || body.is_empty() || starts_with_two_ptp_strings(body) {
        return None;
    }
    let (default, current, form): (&[u8], &[u8], &[u8]) = match fixed_width(body) {
        Some(w) => (&body[..w], &body[w..2 * w], &body[2 * w..]),
        None => (&[], &[], body),
    };
    Some(FixedAscii {
        default,
        current,
        form,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_is_the_first_recurrence_of_text_and_nul() {
        // "ab" NUL pad | "ab" NUL pad | form byte.
        assert_eq!(fixed_width(b"ab\0\0ab\0\0\x02"), Some(4));
        // The recurrence must be followed by NUL: "abc" does not count, "ab\0" at 9 does.
        assert_eq!(fixed_width(b"ab\0\0abc\0\0ab\0\0\0\0\0\0\0\0\0"), Some(9));
    }

    #[test]
    fn no_width_cases() {
        // No NUL at all.
        assert_eq!(fixed_width(b"abcdef"), None);
        // Empty text.
        assert_eq!(fixed_width(b"\0ab\0"), None);
        // Non-printable text.
        assert_eq!(fixed_width(b"a\x01\0a\x01\0"), None);
        // Text never recurs.
        assert_eq!(fixed_width(b"ab\0\0\0\0"), None);
        // Recurs, but the current value would run past the end.
        assert_eq!(fixed_width(b"ab\0\0\0ab\0"), None);
        // Text longer than the cap.
        let mut long = vec![b'x'; MAX_TEXT + 1];
        long.push(0);
        let twice = [long.clone(), long].concat();
        assert_eq!(fixed_width(&twice), None);
    }

    #[test]
    fn text_at_the_cap_is_accepted() {
        let mut block = vec![b'x'; MAX_TEXT];
        block.push(0);
        let twice = [block.clone(), block].concat();
        assert_eq!(fixed_width(&twice), Some(MAX_TEXT + 1));
    }

    #[test]
    fn only_str_descriptions_use_the_heuristic() {
        assert_eq!(split_fixed_ascii(DataTypeCode::UINT16, b"a\0a\0"), None);
        // STR with nothing after Get/Set.
        assert_eq!(split_fixed_ascii(DataTypeCode::STR, b""), None);
    }

    #[test]
    fn valid_ptp_string_values_rule_the_heuristic_out() {
        // Default "a" and current "a" as PTP strings, then an unknown form flag 3.
        let body = [2, b'a', 0, 0, 0, 2, b'a', 0, 0, 0, 3];
        assert_eq!(split_fixed_ascii(DataTypeCode::STR, &body), None);
        // The same with the current value's terminator broken: now the heuristic runs, and finds no
        // width (the bytes before the first NUL, 0x02 'a', are not printable text).
        let mut broken = body;
        broken[8] = 1;
        let parts = split_fixed_ascii(DataTypeCode::STR, &broken).expect("heuristic");
        assert_eq!(
            (parts.default, parts.current, parts.form),
            (&[][..], &[][..], &broken[..])
        );
    }
}
