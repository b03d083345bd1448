//! Where objects go on disk: safe names, the `--filename` pattern, and the filters (`--since`,
//! `--until`, `--format`, name globs).

use std::path::{Component, Path, PathBuf};

use ptpip_protocol::ptp::codes::ObjectFormatCode;

/// A file name from the camera made safe: no directories, nothing hidden, never empty.
pub(crate) fn safe_name(name: &str, handle: u32) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | '\0' | ':' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        format!("object-{handle:08x}")
    } else {
        cleaned
    }
}

/// `name` split into stem and extension (`IMG.JPG` → `IMG`, `JPG`; `README` → `README`, ``).
pub(crate) fn split_ext(name: &str) -> (&str, &str) {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, ext),
        _ => (name, ""),
    }
}

/// A capture date as the PTP string has it (`YYYYMMDDThhmmss[.s][Z|±hhmm]`): its 14 digits
/// `YYYYMMDDhhmmss`, or `None` when it is empty or not of that form.
pub(crate) fn ptp_date(text: &str) -> Option<String> {
    let b = text.as_bytes();
    if b.len() < 15 || b[8] != b'T' {
        return None;
    }
    let digits: String = text[..8].chars().chain(text[9..15].chars()).collect();
    digits
        .bytes()
        .all(|c| c.is_ascii_digit())
        .then_some(digits)
        .filter(|d| valid_fields(d))
}

/// Month 1–12, day 1–31, hour < 24, minute and second < 60 (60 for a leap second).
fn valid_fields(d: &str) -> bool {
    let n = |r: std::ops::Range<usize>| d[r].parse::<u32>().unwrap_or(99);
    (1..=12).contains(&n(4..6))
        && (1..=31).contains(&n(6..8))
        && n(8..10) < 24
        && n(10..12) < 60
        && n(12..14) <= 60
}

/// A date from the command line (`--since`, `--until`) as 14 digits `YYYYMMDDhhmmss`.
///
/// Accepted: `2024-05-31`, `2024-05-31 14:30`, `2024-05-31T14:30:05`, `20240531`,
/// `20240531T143005`. A missing time is the start of the day, or its end when `end_of_day`
/// (so `--until 2024-05-31` takes the whole day).
pub(crate) fn user_date(text: &str, end_of_day: bool) -> Result<String, String> {
    let bad = || {
        format!(
            "'{text}' is not a date: use YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] or YYYYMMDD[THHMMSS]"
        )
    };
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, '-' | ':' | ' ' | 'T' | 't'))
        .collect();
    if !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let full = match digits.len() {
        8 if end_of_day => format!("{digits}235959"),
        8 => format!("{digits}000000"),
        12 if end_of_day => format!("{digits}59"),
        12 => format!("{digits}00"),
        14 => digits,
        _ => return Err(bad()),
    };
    if valid_fields(&full) {
        Ok(full)
    } else {
        Err(bad())
    }
}

/// One part of a parsed `--filename` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    /// `%f`: the name without its extension.
    Stem,
    /// `%C`: the extension.
    Ext,
    /// `%Y %m %d %H %M %S`: a field of the capture date (the letter).
    Date(char),
    /// `%n`, `%4n`, `%04n`: the counter, zero-padded to a width.
    Counter(usize),
    /// `%:`: the folder on the card (`DCIM/100FUJI`), empty at the top level.
    Folder,
}

/// A `--filename` pattern in gphoto2's spirit: `%f` the name without its extension, `%C` the
/// extension, `%Y %m %d %H %M %S` the capture date, `%n` a counter (`%4n` zero-padded to four
/// digits), `%:` the folder on the card, `%%` a `%`. `/` makes folders under the target
/// directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern(Vec<Piece>);

/// What a pattern fills in for one object.
pub(crate) struct Fields<'a> {
    /// The object's file name on the card.
    pub(crate) name: &'a str,
    /// Its folder on the card (`DCIM/100FUJI`), empty at the top level.
    pub(crate) folder: &'a str,
    /// Its capture date as 14 digits, if known.
    pub(crate) date: Option<&'a str>,
    /// Its number among the objects downloaded (from 1).
    pub(crate) counter: usize,
    /// Its handle (names an object without a usable name).
    pub(crate) handle: u32,
}

impl Pattern {
    /// Parses `text`; an unknown `%` code is an error naming it.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                lit.push(c);
                continue;
            }
            let mut width = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                width.push(d);
                chars.next();
            }
            let code = chars
                .next()
                .ok_or_else(|| format!("the pattern '{text}' ends with a lone %"))?;
            let piece = match code {
                '%' if width.is_empty() => {
                    lit.push('%');
                    continue;
                }
                'f' => Piece::Stem,
                'C' => Piece::Ext,
                'Y' | 'm' | 'd' | 'H' | 'M' | 'S' => Piece::Date(code),
                'n' => Piece::Counter(width.parse().unwrap_or(0).min(20)),
                ':' => Piece::Folder,
                other => {
                    return Err(format!(
                        "unknown code %{width}{other} in the pattern '{text}' \
                         (known: %f %C %Y %m %d %H %M %S %n %: %%)"
                    ));
                }
            };
            if !width.is_empty() && !matches!(piece, Piece::Counter(_)) {
                return Err(format!(
                    "a width is only for %n, not %{width}{code}, in the pattern '{text}'"
                ));
            }
            if !lit.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut lit)));
            }
            pieces.push(piece);
        }
        if !lit.is_empty() {
            pieces.push(Piece::Text(lit));
        }
        if pieces.is_empty() {
            return Err("the file name pattern is empty".into());
        }
        Ok(Self(pieces))
    }

    /// The relative path for `f`: each folder level made safe, never leaving the target
    /// directory. Fails when the pattern needs a capture date the object does not have.
    pub(crate) fn apply(&self, f: &Fields<'_>) -> Result<PathBuf, String> {
        let (stem, ext) = split_ext(f.name);
        let mut out = String::new();
        for p in &self.0 {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Stem => out.push_str(stem),
                Piece::Ext => out.push_str(ext),
                Piece::Folder => out.push_str(f.folder),
                Piece::Counter(w) => out.push_str(&format!("{:0w$}", f.counter, w = *w)),
                Piece::Date(c) => {
                    let d = f
                        .date
                        .ok_or_else(|| format!("{} has no capture date for %{c}", f.name))?;
                    let range = match c {
                        'Y' => 0..4,
                        'm' => 4..6,
                        'd' => 6..8,
                        'H' => 8..10,
                        'M' => 10..12,
                        _ => 12..14,
                    };
                    out.push_str(&d[range]);
                }
            }
        }
        safe_relative(&out, f.handle)
    }
}

/// `text` as a relative path whose every level is a [`safe_name`]; empty levels, `.` and `..`
/// are dropped.
pub(crate) fn safe_relative(text: &str, handle: u32) -> Result<PathBuf, String> {
    let mut path = PathBuf::new();
    for level in text.split(['/', '\\']) {
        let level = level.trim();
        if level.is_empty() || level == "." || level == ".." {
            continue;
        }
        path.push(safe_name(level, handle));
    }
    if path.as_os_str().is_empty() {
        return Err(format!(
            "the file name pattern gives an empty name for {handle:#010x}"
        ));
    }
    debug_assert!(path.components().all(|c| matches!(c, Component::Normal(_))));
    Ok(path)
}

/// `path` with `.part` added to its name.
pub(crate) fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    path.with_file_name(name)
}

/// A `--format` word as the object formats and file extensions it stands for.
fn format_group(word: &str) -> (&'static [ObjectFormatCode], Vec<String>) {
    const JPEG: &[ObjectFormatCode] = &[ObjectFormatCode::EXIF_JPEG, ObjectFormatCode::JFIF];
    const TIFF: &[ObjectFormatCode] = &[ObjectFormatCode::TIFF, ObjectFormatCode::TIFF_EP];
    const HEIF: &[ObjectFormatCode] = &[ObjectFormatCode::HEIF];
    const VIDEO: &[ObjectFormatCode] = &[
        ObjectFormatCode::QT,
        ObjectFormatCode::AVI,
        ObjectFormatCode::MPEG,
        ObjectFormatCode::MP4_CONTAINER,
        ObjectFormatCode::UNDEFINED_VIDEO,
    ];
    const DNG: &[ObjectFormatCode] = &[ObjectFormatCode::DNG];
    let exts = |list: &[&str]| list.iter().map(|e| (*e).to_owned()).collect();
    match word {
        "jpeg" | "jpg" => (JPEG, exts(&["jpg", "jpeg"])),
        "raw" => (
            DNG,
            exts(&[
                "raf", "nef", "nrw", "cr2", "cr3", "crw", "arw", "srf", "sr2", "dng", "orf", "rw2",
                "pef", "srw", "x3f", "iiq", "3fr", "raw",
            ]),
        ),
        "heif" | "heic" | "hif" => (HEIF, exts(&["heif", "heic", "hif"])),
        "mov" | "mp4" | "video" | "movie" => (VIDEO, exts(&["mov", "mp4", "avi", "mts", "m4v"])),
        "tiff" | "tif" => (TIFF, exts(&["tif", "tiff"])),
        other => (&[], vec![other.to_owned()]),
    }
}

/// Whether an object of `format` named `name` is one of the `--format` words (any of them;
/// an empty list takes everything).
pub(crate) fn format_matches(words: &[String], format: ObjectFormatCode, name: &str) -> bool {
    if words.is_empty() {
        return true;
    }
    let ext = split_ext(name).1.to_ascii_lowercase();
    words.iter().any(|w| {
        let (codes, exts) = format_group(&w.to_ascii_lowercase());
        codes.contains(&format) || (!ext.is_empty() && exts.contains(&ext))
    })
}

/// A name glob (`*.RAF`, `DCIM/1*/DSCF00??.JPG`): matched against the card path when it has a
/// `/`, else against the file name; case-insensitive, as camera cards are.
#[derive(Debug, Clone)]
pub(crate) struct NameGlob {
    pattern: glob::Pattern,
    on_path: bool,
}

impl NameGlob {
    /// Whether `text` is meant as a glob: it has `*`, `?` or `[`.
    pub(crate) fn is_glob(text: &str) -> bool {
        text.contains(['*', '?', '['])
    }

    /// Parses a glob.
    pub(crate) fn new(text: &str) -> Result<Self, String> {
        let pattern =
            glob::Pattern::new(text).map_err(|e| format!("bad name pattern '{text}': {e}"))?;
        Ok(Self {
            pattern,
            on_path: text.contains('/'),
        })
    }

    /// Whether the object at `path` (on the card) named `name` matches.
    pub(crate) fn matches(&self, path: &str, name: &str) -> bool {
        let opts = glob::MatchOptions {
            case_sensitive: false,
            require_literal_separator: true,
            require_literal_leading_dot: false,
        };
        self.pattern
            .matches_with(if self.on_path { path } else { name }, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_name("IMG_0001.JPG", 3), "IMG_0001.JPG");
        assert_eq!(safe_name("../../etc/passwd", 3), "_.._etc_passwd");
        assert_eq!(safe_name("..", 3), "object-00000003");
        assert_eq!(safe_name("", 0x10), "object-00000010");
        assert_eq!(safe_name("a\\b", 1), "a_b");
    }

    fn fields<'a>(name: &'a str, folder: &'a str, date: Option<&'a str>, n: usize) -> Fields<'a> {
        Fields {
            name,
            folder,
            date,
            counter: n,
            handle: 0x2a,
        }
    }

    #[test]
    fn patterns_fill_in_names_dates_counters_and_folders() {
        let f = fields("DSCF0001.JPG", "DCIM/100FUJI", Some("20240531143005"), 7);
        let p = |s: &str| Pattern::parse(s).unwrap().apply(&f).unwrap();
        assert_eq!(p("%f.%C"), Path::new("DSCF0001.JPG"));
        assert_eq!(
            p("%Y/%m/%d/%H%M%S-%f.%C"),
            Path::new("2024/05/31/143005-DSCF0001.JPG")
        );
        assert_eq!(p("%:/%f.%C"), Path::new("DCIM/100FUJI/DSCF0001.JPG"));
        assert_eq!(p("img-%4n.%C"), Path::new("img-0007.JPG"));
        assert_eq!(p("img-%n-100%%"), Path::new("img-7-100%"));
        // Nothing leaves the target directory.
        assert_eq!(p("/../../%f"), Path::new("DSCF0001"));
        assert_eq!(p("a/./b/../%f"), Path::new("a/b/DSCF0001"));
        // A name without an extension.
        let g = fields("README", "", None, 1);
        let q = Pattern::parse("%:/%f.%C").unwrap();
        assert_eq!(q.apply(&g).unwrap(), Path::new("README."));
    }

    #[test]
    fn bad_patterns_and_missing_dates_are_errors() {
        assert!(
            Pattern::parse("%q")
                .unwrap_err()
                .contains("unknown code %q")
        );
        assert!(Pattern::parse("abc%").unwrap_err().contains("lone %"));
        assert!(Pattern::parse("%3Y").unwrap_err().contains("only for %n"));
        assert!(Pattern::parse("").is_err());
        let p = Pattern::parse("%Y-%f").unwrap();
        let e = p.apply(&fields("A.JPG", "", None, 1)).unwrap_err();
        assert!(e.contains("A.JPG has no capture date for %Y"), "{e}");
        let e = Pattern::parse("/..//")
            .unwrap()
            .apply(&fields("A", "", None, 1))
            .unwrap_err();
        assert!(e.contains("empty name"), "{e}");
    }

    #[test]
    fn dates_from_the_camera_and_the_command_line() {
        assert_eq!(
            ptp_date("20240531T143005.0Z").as_deref(),
            Some("20240531143005")
        );
        assert_eq!(
            ptp_date("20240531T143005").as_deref(),
            Some("20240531143005")
        );
        assert_eq!(ptp_date(""), None);
        assert_eq!(ptp_date("2024-05-31T14:30"), None);
        assert_eq!(ptp_date("20241331T143005"), None);
        assert_eq!(user_date("2024-05-31", false).unwrap(), "20240531000000");
        assert_eq!(user_date("2024-05-31", true).unwrap(), "20240531235959");
        assert_eq!(
            user_date("2024-05-31 14:30", false).unwrap(),
            "20240531143000"
        );
        assert_eq!(
            user_date("2024-05-31T14:30:05", true).unwrap(),
            "20240531143005"
        );
        assert_eq!(
            user_date("20240531T143005", false).unwrap(),
            "20240531143005"
        );
        for bad in ["yesterday", "2024-05", "2024-13-01", "2024-05-31 25:00"] {
            assert!(user_date(bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_match_by_code_or_extension() {
        let w = |s: &[&str]| s.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        let jpeg = ObjectFormatCode::EXIF_JPEG;
        let other = ObjectFormatCode(0xB103);
        assert!(format_matches(&[], other, "X.RAF"));
        assert!(format_matches(&w(&["jpeg"]), jpeg, "X"));
        assert!(format_matches(&w(&["JPG"]), other, "x.jpeg"));
        assert!(format_matches(&w(&["raw"]), other, "DSCF0001.RAF"));
        assert!(!format_matches(&w(&["raw"]), jpeg, "DSCF0001.JPG"));
        assert!(format_matches(&w(&["mov"]), ObjectFormatCode::QT, "x"));
        assert!(format_matches(&w(&["heif", "raf"]), other, "a.raf"));
        assert!(!format_matches(&w(&["heif"]), other, "noext"));
    }

    #[test]
    fn globs_match_names_or_card_paths() {
        let g = NameGlob::new("*.raf").unwrap();
        assert!(g.matches("DCIM/100FUJI/DSCF0001.RAF", "DSCF0001.RAF"));
        assert!(!g.matches("DCIM/100FUJI/DSCF0001.JPG", "DSCF0001.JPG"));
        let g = NameGlob::new("DCIM/1*/DSCF000?.JPG").unwrap();
        assert!(g.matches("DCIM/100FUJI/DSCF0001.JPG", "DSCF0001.JPG"));
        assert!(!g.matches("DCIM/100FUJI/sub/DSCF0001.JPG", "DSCF0001.JPG"));
        assert!(NameGlob::is_glob("*.JPG") && !NameGlob::is_glob("A.JPG"));
        assert!(NameGlob::new("[").is_err());
    }

    #[test]
    fn part_paths() {
        assert_eq!(
            part_path(Path::new("out/DSCF0001.JPG")),
            Path::new("out/DSCF0001.JPG.part")
        );
    }
}
