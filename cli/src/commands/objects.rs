//! How commands name objects on the camera, and `download`'s options.
//!
//! One grammar everywhere: a handle in hex as `ls` prints it (`0x0000000a`), in decimal (`10`),
//! or a path on the card (`DCIM/100FUJI/DSCF0001.JPG`; a bare file name such as `DSCF0001.JPG`
//! when only one object has it). A word with `*`, `?` or `[` is a name glob where a command takes
//! several objects.

use std::path::PathBuf;

use super::files::names::{NameGlob, Pattern, user_date};

/// One object, as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ObjectRef {
    /// A handle.
    Handle(u32),
    /// A path on the card (`/`-separated, no leading `/`), or a bare file name.
    Path(String),
}

impl ObjectRef {
    /// Parses `0x0000000a`, `10` or `DCIM/100FUJI/DSCF0001.JPG`; `None` for anything else (a word
    /// that is neither a number nor has a `.` or `/`, such as `12x`).
    pub(crate) fn parse(word: &str) -> Option<Self> {
        let w = word.trim();
        if let Some(hex) = w.strip_prefix("0x").or_else(|| w.strip_prefix("0X")) {
            return u32::from_str_radix(hex, 16).ok().map(Self::Handle);
        }
        if !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()) {
            return w.parse().ok().map(Self::Handle);
        }
        if w.contains(['/', '.']) && !w.trim_matches(['/', '.']).is_empty() {
            let path = w.trim_start_matches('/').trim_end_matches('/');
            return Some(Self::Path(path.to_owned()));
        }
        None
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Handle(h) => write!(f, "{h:#010x}"),
            Self::Path(p) => f.write_str(p),
        }
    }
}

/// What `download` fetches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// Every object that is not a folder.
    All,
    /// One object (a folder: everything under it).
    Object(ObjectRef),
    /// The objects whose name (or card path, when the glob has a `/`) matches.
    Glob(String),
}

impl Target {
    /// `all`, a glob, or an object; `Err` names what is wrong.
    pub(crate) fn parse(word: &str) -> Result<Self, String> {
        if word.eq_ignore_ascii_case("all") {
            return Ok(Self::All);
        }
        if NameGlob::is_glob(word) {
            NameGlob::new(word)?;
            return Ok(Self::Glob(word.to_owned()));
        }
        ObjectRef::parse(word).map(Self::Object).ok_or_else(|| {
            format!(
                "'{word}' is not an object: give a handle (0x0000000a or 10), a path on the \
                 card (DCIM/100FUJI/DSCF0001.JPG), a name glob (*.JPG) or all"
            )
        })
    }
}

/// `download`'s options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct DownloadOpts {
    /// `--force`: overwrite files that are there already.
    pub(crate) force: bool,
    /// `--no-skip`: never skip; numbered names (`NAME-1.JPG`) for files that are there.
    pub(crate) no_skip: bool,
    /// `--new`: only objects never downloaded from this camera before (the history file).
    pub(crate) new_only: bool,
    /// `--flat`: every file straight in the target directory, not in the card's folders.
    pub(crate) flat: bool,
    /// `--filename PATTERN`.
    pub(crate) pattern: Option<Pattern>,
    /// `--since DATE`: capture date at or after, as 14 digits.
    pub(crate) since: Option<String>,
    /// `--until DATE`: capture date at or before, as 14 digits.
    pub(crate) until: Option<String>,
    /// `--format jpeg,raw…`.
    pub(crate) formats: Vec<String>,
    /// `--retries N`: reconnect and resume this many times when the link drops.
    pub(crate) retries: u32,
}

/// The default `--retries`.
pub(crate) const DEFAULT_RETRIES: u32 = 3;

/// `download [OBJECT|GLOB|all] [DIR] [flags]`: the target, the directory and the options, from
/// the words after the command's name. `Err` is the reason (the caller adds the syntax).
pub(crate) fn parse_download(
    words: &[String],
) -> Result<(Target, Option<PathBuf>, DownloadOpts), String> {
    let mut opts = DownloadOpts {
        retries: DEFAULT_RETRIES,
        ..DownloadOpts::default()
    };
    let mut positional = Vec::new();
    let mut it = words.iter();
    while let Some(w) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .map(String::as_str)
                .ok_or_else(|| format!("missing value after {flag}"))
        };
        match w.as_str() {
            "--force" | "-f" => opts.force = true,
            "--no-skip" => opts.no_skip = true,
            "--new" => opts.new_only = true,
            "--flat" => opts.flat = true,
            "--filename" => opts.pattern = Some(Pattern::parse(value(w)?)?),
            "--since" => opts.since = Some(user_date(value(w)?, false)?),
            "--until" => opts.until = Some(user_date(value(w)?, true)?),
            "--format" => opts.formats.extend(
                value(w)?
                    .split(',')
                    .map(|f| f.trim().to_ascii_lowercase())
                    .filter(|f| !f.is_empty()),
            ),
            "--retries" => {
                let v = value(w)?;
                opts.retries = v
                    .parse()
                    .map_err(|_| format!("--retries '{v}' is not a number"))?;
            }
            flag if flag.starts_with("--") => return Err(format!("unknown option '{flag}'")),
            _ => positional.push(w.as_str()),
        }
    }
    if opts.force && opts.no_skip {
        return Err("--force and --no-skip do not go together".into());
    }
    if opts.flat && opts.pattern.is_some() {
        return Err("--flat and --filename do not go together (the pattern decides)".into());
    }
    let (target, dir) = match positional.as_slice() {
        [] => (Target::All, None),
        [t] => (Target::parse(t)?, None),
        [t, d] => (Target::parse(t)?, Some(PathBuf::from(d))),
        [_, _, extra, ..] => return Err(format!("unexpected argument '{extra}'")),
    };
    Ok((target, dir, opts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_handles_in_hex_or_decimal_or_card_paths() {
        assert_eq!(ObjectRef::parse("0x0000000a"), Some(ObjectRef::Handle(10)));
        assert_eq!(ObjectRef::parse("0XA"), Some(ObjectRef::Handle(10)));
        assert_eq!(ObjectRef::parse("10"), Some(ObjectRef::Handle(10)));
        assert_eq!(
            ObjectRef::parse("DCIM/100FUJI/DSCF0001.JPG"),
            Some(ObjectRef::Path("DCIM/100FUJI/DSCF0001.JPG".into()))
        );
        assert_eq!(
            ObjectRef::parse("/DCIM/100FUJI/"),
            Some(ObjectRef::Path("DCIM/100FUJI".into()))
        );
        assert_eq!(
            ObjectRef::parse("DSCF0001.JPG"),
            Some(ObjectRef::Path("DSCF0001.JPG".into()))
        );
        for bad in ["12x", "0xzz", "", "/", "..", "0x1ffffffff", "99999999999"] {
            assert_eq!(ObjectRef::parse(bad), None, "{bad}");
        }
        assert_eq!(ObjectRef::Handle(10).to_string(), "0x0000000a");
    }

    #[test]
    fn download_words_parse() {
        let w = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        let (t, d, o) = parse_download(&w("")).unwrap();
        assert_eq!((t, d), (Target::All, None));
        assert_eq!(o.retries, DEFAULT_RETRIES);
        let (t, d, o) = parse_download(&w(
            "*.JPG out --new --flat --since 2024-01-01 --until 2024-01-31 --format jpeg,RAW \
             --retries 0",
        ))
        .unwrap();
        assert_eq!(t, Target::Glob("*.JPG".into()));
        assert_eq!(d, Some(PathBuf::from("out")));
        assert!(o.new_only && o.flat && !o.force);
        assert_eq!(o.since.as_deref(), Some("20240101000000"));
        assert_eq!(o.until.as_deref(), Some("20240131235959"));
        assert_eq!(o.formats, ["jpeg", "raw"]);
        assert_eq!(o.retries, 0);
        let (t, _, o) = parse_download(&w("DCIM/100FUJI --filename %Y/%f.%C --force")).unwrap();
        assert_eq!(t, Target::Object(ObjectRef::Path("DCIM/100FUJI".into())));
        assert!(o.force && o.pattern.is_some());
        for (bad, why) in [
            ("12x", "not an object"),
            ("all out extra", "unexpected argument 'extra'"),
            ("--force --no-skip", "do not go together"),
            ("--flat --filename %f", "do not go together"),
            ("--filename %q", "unknown code"),
            ("--since soon", "not a date"),
            ("--retries", "missing value"),
            ("--retries x", "not a number"),
            ("--bogus", "unknown option"),
        ] {
            let e = parse_download(&w(bad)).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
