//! Output formats: the canonical hex dump `opreq` prints, aligned tables, JSON and byte sizes.

use std::fmt::Write as _;

use serde::Serialize;

/// How a command that can print JSON prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum Format {
    /// Text for people.
    #[default]
    Text,
    /// One line of JSON.
    Json,
    /// JSON indented by four spaces (as the Go tool's `pretty`).
    Pretty,
}

/// The canonical hex dump (`hexdump -C`, Go's `hex.Dump`): per 16 bytes an 8-digit offset, two
/// spaces, the bytes in two groups of eight, and the printable ASCII between bars; no trailing
/// offset line.
///
/// pretty-hex cannot produce this format (its offsets are `{:04x}:` followed by three spaces and
/// its ASCII column has no bars), so the few lines are written here.
pub(crate) fn hexdump(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(16) * 79);
    for (row, chunk) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "{:08x}  ", row * 16);
        for i in 0..16 {
            match chunk.get(i) {
                Some(b) => {
                    let _ = write!(out, "{b:02x} ");
                }
                None => out.push_str("   "),
            }
            if i == 7 {
                out.push(' ');
            }
        }
        out.push_str(" |");
        out.extend(chunk.iter().map(|&b| {
            if (0x20..0x7f).contains(&b) {
                char::from(b)
            } else {
                '.'
            }
        }));
        out.push_str("|\n");
    }
    out
}

/// Rows under headers, columns padded to their widest cell and separated by two spaces.
pub(crate) fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut l = String::new();
        for (n, (cell, w)) in cells.zip(&widths).enumerate() {
            if n > 0 {
                l.push_str("  ");
            }
            let _ = write!(l, "{cell:<w$}");
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut headers.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

/// `value` as JSON in `format` (which must not be [`Format::Text`]), newline included.
pub(crate) fn json<T: Serialize>(value: &T, format: Format) -> String {
    let mut out = match format {
        Format::Pretty => {
            let mut buf = Vec::new();
            let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
            let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
            match value.serialize(&mut ser) {
                Ok(()) => String::from_utf8(buf).unwrap_or_default(),
                Err(e) => format!("{{\"error\": {:?}}}", e.to_string()),
            }
        }
        _ => serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\": {e:?}}}")),
    };
    out.push('\n');
    out
}

/// A byte count for people: `512 B`, `28.5 KiB`, `1.0 GiB`.
pub(crate) fn human_size(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first two and the last line of the X-T1 `opreq 0x902B` dump in the seed README.
    #[test]
    fn hexdump_matches_the_go_format() {
        let mut bytes = vec![
            0x64, 0x01, 0x00, 0x00, 0x02, 0x00, 0x2b, 0x90, 0x07, 0x00, 0x00, 0x00, 0x08, 0x00,
            0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x12, 0x50, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00,
            0x00, 0x02, 0x03, 0x00,
        ];
        let dump = hexdump(&bytes);
        assert_eq!(
            dump,
            "00000000  64 01 00 00 02 00 2b 90  07 00 00 00 08 00 00 00  |d.....+.........|\n\
             00000010  16 00 00 00 12 50 04 00  01 00 00 00 00 02 03 00  |.....P..........|\n"
        );
        // A short last row keeps the ASCII column aligned.
        bytes = vec![0; 0x160];
        bytes.extend_from_slice(&[1, 0, 0, 0]);
        let dump = hexdump(&bytes);
        assert_eq!(
            dump.lines().last().unwrap(),
            "00000160  01 00 00 00                                       |....|"
        );
        // A row of exactly nine bytes pads past the group gap.
        assert_eq!(
            hexdump(b"ABCDEFGHI"),
            "00000000  41 42 43 44 45 46 47 48  49                       |ABCDEFGHI|\n"
        );
        assert_eq!(hexdump(&[]), "");
    }

    #[test]
    fn table_pads_columns() {
        let t = table(
            &["A", "Name"],
            &[
                vec!["0x1".into(), "x".into()],
                vec!["0x1234".into(), "".into()],
            ],
        );
        assert_eq!(t, "A       Name\n0x1     x\n0x1234\n");
    }

    #[test]
    fn pretty_json_indents_four_spaces() {
        let v = serde_json::json!({"a": [1]});
        assert_eq!(json(&v, Format::Json), "{\"a\":[1]}\n");
        assert_eq!(
            json(&v, Format::Pretty),
            "{\n    \"a\": [\n        1\n    ]\n}\n"
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(1 << 30), "1.0 GiB");
    }
}
