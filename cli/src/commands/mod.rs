//! The camera commands: one grammar ([`grammar`], clap's) for one-shot subcommands, `-c`, the
//! interactive shell and relay lines; what each command's words mean is parsed here
//! ([`parse`]) before anything runs.

mod checks;
mod exec;
mod files;
mod fuji;
pub(crate) mod grammar;
mod help;
mod json;
mod objects;
mod props_all;
mod render;
mod stream;

use std::path::PathBuf;
use std::time::Duration;

use clap::error::ErrorKind;

pub(crate) use checks::check_output;
pub(crate) use exec::{Executor, RELAY_EVENTS_TIMEOUT, check_dialect};
pub(crate) use fuji::FujiCommand;
pub(crate) use grammar::usage;
pub(crate) use help::help_text;
pub(crate) use json::{JSON_COMMANDS, apply_json};
pub(crate) use objects::{DownloadOpts, ObjectRef, Target};
pub(crate) use render::event as render_event;

use crate::output::Format;

/// Why a command did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CmdError {
    /// The command line was wrong: the message includes the command's syntax (exit code 2).
    Usage(String),
    /// The command ran and failed (exit code 1).
    Failed(String),
}

impl std::fmt::Display for CmdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Usage(m) | Self::Failed(m) => f.write_str(m),
        }
    }
}

impl From<ptpip_transport_std::ClientError> for CmdError {
    fn from(e: ptpip_transport_std::ClientError) -> Self {
        Self::Failed(e.to_string())
    }
}

impl From<std::io::Error> for CmdError {
    fn from(e: std::io::Error) -> Self {
        Self::Failed(e.to_string())
    }
}

/// Where `liveview` puts frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FrameSink {
    /// `frame-000001.jpg`… in a directory.
    Dir(PathBuf),
    /// An MJPEG stream (the JPEGs one after another) on the output.
    Stdout,
}

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    /// DeviceInfo (generic) or the 0x902B property list (Fujifilm).
    Info(Format),
    /// The Fujifilm 0xD212 state list.
    State(Format),
    /// GetDevicePropDesc.
    Describe(String, Format),
    /// Every property the camera advertises, described.
    Props(Format),
    /// GetDevicePropValue.
    Get(String, Format),
    /// SetDevicePropValue: the property and the value as typed.
    Set(String, String),
    /// Any operation, printing every packet received.
    OpReq {
        /// The operation code.
        code: u16,
        /// Up to five parameters.
        params: Vec<u32>,
        /// A data-out phase.
        data: Option<Vec<u8>>,
    },
    /// Storages, folders and objects as a tree, or (long) one line per object with its details.
    Ls(Format, bool),
    /// Local files to the card, into a folder (`None`: where the camera likes).
    Upload {
        /// The files.
        files: Vec<PathBuf>,
        /// The folder on the card.
        folder: Option<ObjectRef>,
    },
    /// Objects off the card (`--yes`: without asking).
    Delete(Vec<Target>, bool),
    /// A new folder on the card.
    Mkdir(String),
    /// Thumbnails to a directory.
    Thumb(Target, PathBuf),
    /// Objects to files.
    Download {
        /// What to fetch.
        target: Target,
        /// Where to (default: the current directory).
        dir: Option<PathBuf>,
        /// How.
        opts: DownloadOpts,
    },
    /// Take pictures; save them (or the Fujifilm previews) under a path.
    Capture(u32, Option<PathBuf>),
    /// Download new objects as the camera reports them.
    Tether {
        /// Where to (default: the current directory).
        dir: Option<PathBuf>,
        /// How.
        opts: files::TetherOpts,
    },
    /// Print device events as they come.
    Events {
        /// Stop after this many.
        count: Option<u64>,
        /// Stop after this long.
        timeout: Option<Duration>,
        /// Text, or one JSON object per line ([`Format::Json`]).
        format: Format,
    },
    /// Fujifilm live view.
    LiveView {
        /// Where frames go.
        sink: FrameSink,
        /// Stop after this many frames.
        frames: Option<u64>,
    },
    /// A Fujifilm command: exposure, focus, movie, geotag, receive.
    Fuji(FujiCommand),
    /// Help on commands.
    Help(Option<String>),
}

/// Splits a line into words: whitespace separates, `"…"` and `'…'` group, `\` escapes inside
/// double quotes and outside quotes.
pub(crate) fn tokenize(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '"' | '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        None => return Err(format!("unterminated {c} quote")),
                        Some(q) if q == c => break,
                        Some('\\') if c == '"' => match chars.next() {
                            Some(e) => cur.push(e),
                            None => return Err("unterminated \" quote".into()),
                        },
                        Some(other) => cur.push(other),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(e) = chars.next() {
                    cur.push(e);
                }
            }
            other => {
                in_word = true;
                cur.push(other);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

/// Parses a text line.
pub(crate) fn parse_line(line: &str) -> Result<Command, CmdError> {
    let words = tokenize(line).map_err(CmdError::Usage)?;
    parse(&words)
}

/// The words of one command after its name, consumed left to right.
struct Args<'a> {
    /// The command's name (for its usage line).
    name: &'a str,
    words: &'a [String],
    pos: usize,
}

impl<'a> Args<'a> {
    fn usage(&self, why: impl std::fmt::Display) -> CmdError {
        CmdError::Usage(format!("{why}\n{}", usage(self.name)))
    }

    fn next(&mut self) -> Option<&'a str> {
        let w = self.words.get(self.pos)?;
        self.pos += 1;
        Some(w.as_str())
    }

    fn peek(&self) -> Option<&'a str> {
        self.words.get(self.pos).map(String::as_str)
    }

    fn required(&mut self, what: &str) -> Result<&'a str, CmdError> {
        self.next()
            .ok_or_else(|| self.usage(format_args!("missing {what}")))
    }

    fn end(&self) -> Result<(), CmdError> {
        match self.peek() {
            Some(w) => Err(self.usage(format_args!("unexpected argument '{w}'"))),
            None => Ok(()),
        }
    }

    /// `[json [pretty]]`, also as `--json` and `--pretty`.
    fn format(&mut self) -> Result<Format, CmdError> {
        let mut format = Format::Text;
        while let Some(w) = self.peek() {
            match w.to_ascii_lowercase().as_str() {
                "json" | "--json" if format == Format::Text => format = Format::Json,
                "pretty" | "--pretty" if format != Format::Pretty => format = Format::Pretty,
                _ => break,
            }
            self.pos += 1;
        }
        Ok(format)
    }

    fn number<T: TryFrom<u64>>(&self, w: &str, what: &str) -> Result<T, CmdError> {
        crate::props::parse_uint(w)
            .and_then(|v| T::try_from(v).ok())
            .ok_or_else(|| self.usage(format_args!("{what} '{w}' is not a valid number")))
    }

    /// A count of at least 1.
    fn at_least_one<T: TryFrom<u64>>(&self, w: &str, what: &str) -> Result<T, CmdError> {
        match crate::props::parse_uint(w) {
            Some(0) => Err(self.usage(format_args!("{what} must be at least 1"))),
            _ => self.number(w, what),
        }
    }

    fn hex<T: TryFrom<u64>>(&self, w: &str, what: &str) -> Result<T, CmdError> {
        crate::props::parse_hex(w)
            .and_then(|v| T::try_from(v).ok())
            .ok_or_else(|| self.usage(format_args!("{what} '{w}' is not a valid hex number")))
    }
}

/// Parses a command from its words (the first is its name), through the [`grammar`].
pub(crate) fn parse(words: &[String]) -> Result<Command, CmdError> {
    let Some(typed) = words.first() else {
        return Err(CmdError::Usage("no command given; try `help`".to_owned()));
    };
    let (name, args) = grammar::matches(words).map_err(|e| match e.kind() {
        ErrorKind::InvalidSubcommand | ErrorKind::UnknownArgument => {
            CmdError::Usage(format!("unknown command '{typed}'; try `help`"))
        }
        _ => CmdError::Usage(one_line(&e)),
    })?;
    from_words(&name, &args)
}

/// clap's message on one line, without its `error: ` and its tips.
fn one_line(e: &clap::Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or_default();
    first.strip_prefix("error: ").unwrap_or(first).to_owned()
}

/// The command `name` (as the grammar names it) with its words after the name.
fn from_words(name: &str, words: &[String]) -> Result<Command, CmdError> {
    let mut a = Args {
        name,
        words,
        pos: 0,
    };
    if a.peek() == Some("--help") && name != "help" {
        return Ok(Command::Help(Some(name.to_owned())));
    }
    let cmd = match name {
        "info" => Command::Info(a.format()?),
        "state" => Command::State(a.format()?),
        "ls" => {
            let long = matches!(a.peek(), Some("-l" | "--long"));
            if long {
                a.pos += 1;
            }
            Command::Ls(a.format()?, long)
        }
        "upload" => {
            let mut files: Vec<PathBuf> = a.words[a.pos..].iter().map(PathBuf::from).collect();
            a.pos = a.words.len();
            if files.is_empty() {
                return Err(a.usage("missing FILE"));
            }
            let folder = match files.last() {
                Some(last) if files.len() > 1 && !last.is_file() => {
                    let w = last.to_string_lossy().into_owned();
                    files.pop();
                    Some(ObjectRef::parse(&w).ok_or_else(|| {
                        a.usage(format_args!(
                            "'{w}' is neither a local file nor a folder on the card"
                        ))
                    })?)
                }
                _ => None,
            };
            Command::Upload { files, folder }
        }
        "delete" => {
            let mut targets = Vec::new();
            let mut yes = false;
            while let Some(w) = a.next() {
                match w {
                    "--yes" | "-y" => yes = true,
                    w if w.eq_ignore_ascii_case("all") => {
                        return Err(a.usage("delete takes objects or globs, not all"));
                    }
                    w => targets.push(Target::parse(w).map_err(|e| a.usage(e))?),
                }
            }
            if targets.is_empty() {
                return Err(a.usage("missing OBJECT"));
            }
            Command::Delete(targets, yes)
        }
        "mkdir" => Command::Mkdir(a.required("PATH")?.to_owned()),
        "thumb" => {
            let t = a.required("OBJECT")?;
            let target = Target::parse(t).map_err(|e| a.usage(e))?;
            Command::Thumb(target, PathBuf::from(a.required("DIR")?))
        }
        "props" => Command::Props(a.format()?),
        "describe" => {
            let prop = a.required("PROP")?.to_owned();
            Command::Describe(prop, a.format()?)
        }
        "get" => {
            let prop = a.required("PROP")?.to_owned();
            Command::Get(prop, a.format()?)
        }
        "set" => {
            let prop = a.required("PROP")?.to_owned();
            a.required("VALUE")?;
            // The value is the rest of the line: `set exp-bias -2 1/3`.
            let value = a.words[a.pos - 1..].join(" ");
            a.pos = a.words.len();
            Command::Set(prop, value)
        }
        "opreq" => parse_opreq(&mut a)?,
        "download" => {
            let (target, dir, opts) =
                objects::parse_download(&a.words[a.pos..]).map_err(|e| a.usage(e))?;
            a.pos = a.words.len();
            Command::Download { target, dir, opts }
        }
        "tether" => {
            let (dir, opts) = files::parse_tether(&a.words[a.pos..]).map_err(|e| a.usage(e))?;
            a.pos = a.words.len();
            Command::Tether { dir, opts }
        }
        "capture" => {
            let mut count = 1;
            let mut path = None;
            if let Some(w) = a.next() {
                match crate::props::parse_uint(w) {
                    Some(_) => count = a.number(w, "N")?,
                    // `-1`, `+2`, `1.5`: a count gone wrong, not a file name.
                    None if looks_numeric(w) => {
                        return Err(a.usage(format_args!("N '{w}' is not a number of pictures")));
                    }
                    None => path = Some(w),
                }
                if path.is_none() {
                    path = a.next();
                }
            }
            if count == 0 {
                return Err(a.usage("N must be at least 1"));
            }
            if path == Some("view") {
                return Err(CmdError::Failed(
                    "no preview window in this build; give a PATH to save to".into(),
                ));
            }
            Command::Capture(count, path.map(PathBuf::from))
        }
        "events" => {
            let (mut count, mut timeout, mut format) = (None, None, Format::Text);
            while let Some(w) = a.next() {
                match w {
                    "--count" | "-n" => {
                        let v = a.required("N after --count")?;
                        count = Some(a.at_least_one(v, "N")?);
                    }
                    "json" | "--json" => format = Format::Json,
                    "--timeout" => {
                        let v = a.required("SECS after --timeout")?;
                        let secs: f64 = v
                            .parse()
                            .ok()
                            .filter(|s: &f64| s.is_finite() && *s >= 0.0 && *s < 1e9)
                            .ok_or_else(|| a.usage(format_args!("bad SECS '{v}'")))?;
                        timeout = Some(Duration::from_secs_f64(secs));
                    }
                    other => return Err(a.usage(format_args!("unexpected argument '{other}'"))),
                }
            }
            Command::Events {
                count,
                timeout,
                format,
            }
        }
        "liveview" => {
            let (mut sink, mut frames) = (None, None);
            while let Some(w) = a.next() {
                match w {
                    "--frames" | "-n" => {
                        let v = a.required("N after --frames")?;
                        frames = Some(a.at_least_one(v, "N")?);
                    }
                    "-" | "--mjpeg" if sink.is_none() => sink = Some(FrameSink::Stdout),
                    dir if sink.is_none() && !dir.starts_with("--") => {
                        sink = Some(FrameSink::Dir(PathBuf::from(dir)));
                    }
                    other => return Err(a.usage(format_args!("unexpected argument '{other}'"))),
                }
            }
            let sink = sink.ok_or_else(|| a.usage("missing DIR (or - for stdout)"))?;
            Command::LiveView { sink, frames }
        }
        "help" => Command::Help(a.next().map(str::to_owned)),
        name if fuji::NAMES.contains(&name) => fuji::parse(name, &mut a)?,
        _ => return Err(a.usage("not implemented")),
    };
    a.end()?;
    Ok(cmd)
}

/// Whether a word reads as a number someone meant (`-1`, `+2`, `1.5`, `-0x10`) rather than a
/// name.
fn looks_numeric(w: &str) -> bool {
    let body = w.trim_start_matches(['-', '+']);
    body.starts_with(|c: char| c.is_ascii_digit())
        && (body.parse::<f64>().is_ok() || crate::props::parse_uint(body).is_some())
}

fn parse_opreq(a: &mut Args<'_>) -> Result<Command, CmdError> {
    let w = a.required("OPCODE")?;
    let code = a.hex(w, "OPCODE")?;
    let mut params = Vec::new();
    let mut data = None;
    while let Some(w) = a.next() {
        if w == "--data" {
            let hex = a.required("HEX after --data")?;
            data = Some(parse_hex_bytes(hex).ok_or_else(|| {
                a.usage(format_args!(
                    "--data '{hex}' is not an even number of hex digits"
                ))
            })?);
            continue;
        }
        if params.len() == 5 {
            return Err(a.usage("at most five parameters"));
        }
        params.push(a.hex(w, "PARAM")?);
    }
    Ok(Command::OpReq { code, params, data })
}

/// `0a0b0c` (or `0x0a0b0c`, spaces and colons allowed) as bytes.
fn parse_hex_bytes(text: &str) -> Option<Vec<u8>> {
    let t = text.strip_prefix("0x").unwrap_or(text);
    let digits: Vec<u8> = t.bytes().filter(|b| !matches!(b, b' ' | b':')).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &str) -> Result<Command, CmdError> {
        parse_line(line)
    }

    #[test]
    fn tokenizer_handles_quotes() {
        assert_eq!(
            tokenize(r#"set exp-bias "-2 1/3"  'a b' c\ d"#).unwrap(),
            ["set", "exp-bias", "-2 1/3", "a b", "c d"]
        );
        assert_eq!(tokenize("  ").unwrap(), Vec::<String>::new());
        assert_eq!(tokenize(r#"a "" b"#).unwrap(), ["a", "", "b"]);
        assert!(tokenize("say \"hi").is_err());
    }

    #[test]
    fn commands_parse() {
        assert_eq!(p("info"), Ok(Command::Info(Format::Text)));
        assert_eq!(p("info json"), Ok(Command::Info(Format::Json)));
        assert_eq!(p("INFO json pretty"), Ok(Command::Info(Format::Pretty)));
        assert_eq!(
            p("ls --json --pretty"),
            Ok(Command::Ls(Format::Pretty, false))
        );
        assert_eq!(p("ls -l json"), Ok(Command::Ls(Format::Json, true)));
        assert_eq!(
            p("upload /nonexistent/a.jpg DCIM/100FUJI"),
            Ok(Command::Upload {
                files: vec!["/nonexistent/a.jpg".into()],
                folder: Some(ObjectRef::Path("DCIM/100FUJI".into()))
            })
        );
        assert_eq!(
            p("rm 0x0a *.RAF --yes"),
            Ok(Command::Delete(
                vec![
                    Target::Object(ObjectRef::Handle(10)),
                    Target::Glob("*.RAF".into())
                ],
                true
            ))
        );
        assert_eq!(p("mkdir DCIM/101X"), Ok(Command::Mkdir("DCIM/101X".into())));
        assert_eq!(
            p("thumb all t"),
            Ok(Command::Thumb(Target::All, "t".into()))
        );
        assert_eq!(
            p("describe iso json"),
            Ok(Command::Describe("iso".into(), Format::Json))
        );
        assert_eq!(
            p("set exp-bias -2 1/3"),
            Ok(Command::Set("exp-bias".into(), "-2 1/3".into()))
        );
        assert_eq!(
            p("opreq 0x1015 D212"),
            Ok(Command::OpReq {
                code: 0x1015,
                params: vec![0xD212],
                data: None
            })
        );
        assert_eq!(
            p("opreq 0x1016 0x5005 --data 0400"),
            Ok(Command::OpReq {
                code: 0x1016,
                params: vec![0x5005],
                data: Some(vec![4, 0])
            })
        );
        assert!(matches!(
            p("download"),
            Ok(Command::Download {
                target: Target::All,
                dir: None,
                ..
            })
        ));
        assert!(matches!(
            p("download 0x10 out --force"),
            Ok(Command::Download {
                target: Target::Object(ObjectRef::Handle(16)),
                dir: Some(_),
                opts: DownloadOpts { force: true, .. },
            })
        ));
        assert_eq!(
            p("snap 3 /tmp/x.jpg"),
            Ok(Command::Capture(3, Some("/tmp/x.jpg".into())))
        );
        assert_eq!(
            p("capture /tmp/x.jpg"),
            Ok(Command::Capture(1, Some("/tmp/x.jpg".into())))
        );
        assert_eq!(
            p("events --count 2 --timeout 1.5"),
            Ok(Command::Events {
                count: Some(2),
                timeout: Some(Duration::from_millis(1500)),
                format: Format::Text,
            })
        );
        assert_eq!(
            p("events json"),
            Ok(Command::Events {
                count: None,
                timeout: None,
                format: Format::Json,
            })
        );
        assert_eq!(
            p("get iso json"),
            Ok(Command::Get("iso".into(), Format::Json))
        );
        assert_eq!(p("get iso"), Ok(Command::Get("iso".into(), Format::Text)));
        assert_eq!(
            p("liveview - --frames 3"),
            Ok(Command::LiveView {
                sink: FrameSink::Stdout,
                frames: Some(3)
            })
        );
        assert_eq!(p("help set"), Ok(Command::Help(Some("set".into()))));
        assert_eq!(p("get --help"), Ok(Command::Help(Some("get".into()))));
    }

    #[test]
    fn malformed_commands_are_usage_errors_with_the_syntax() {
        for (line, syntax) in [
            ("describe", "usage: describe PROP [json [pretty]]"),
            ("get", "usage: get PROP"),
            ("set iso", "usage: set PROP VALUE"),
            ("opreq", "usage: opreq OPCODE"),
            ("opreq xyz", "usage: opreq OPCODE"),
            ("opreq 1 2 3 4 5 6 7", "at most five"),
            ("opreq 1 --data abc", "even number"),
            ("info bogus", "usage: info [json [pretty]]"),
            ("capture 0", "usage: capture"),
            ("events --count", "usage: events"),
            ("events --count x", "usage: events"),
            ("liveview", "usage: liveview"),
            ("download 12x", "usage: download"),
            ("upload", "usage: upload"),
            ("delete", "usage: delete"),
            ("delete all --yes", "not all"),
            ("delete 12x", "not an object"),
            ("thumb 3", "missing DIR"),
            ("get a b", "unexpected argument 'b'"),
            ("capture -1", "N '-1' is not a number of pictures"),
            ("capture +2 x.jpg", "N '+2' is not a number"),
            ("capture 1.5", "N '1.5' is not a number"),
            ("events --count 0", "N must be at least 1"),
            ("events pretty", "unexpected argument 'pretty'"),
            ("liveview dir --frames 0", "N must be at least 1"),
            ("liveview - --frames -3", "N '-3' is not a valid number"),
        ] {
            match p(line) {
                Err(CmdError::Usage(m)) => assert!(m.contains(syntax), "{line}: {m}"),
                other => panic!("{line}: {other:?}"),
            }
        }
        assert!(matches!(p(""), Err(CmdError::Usage(_))));
        assert!(matches!(p("   "), Err(CmdError::Usage(_))));
        assert!(
            matches!(p("frobnicate"), Err(CmdError::Usage(m)) if m.contains("unknown command"))
        );
    }

    #[test]
    fn every_command_of_the_grammar_has_its_parser() {
        for name in grammar::spellings() {
            if let Err(CmdError::Usage(m)) = parse(std::slice::from_ref(&name)) {
                assert!(!m.contains("not implemented"), "{name}: {m}");
                assert!(!m.contains("unknown command"), "{name}: {m}");
            }
        }
    }

    #[test]
    fn capture_takes_names_that_are_not_numbers() {
        assert_eq!(
            p("capture -shot.jpg"),
            Ok(Command::Capture(1, Some("-shot.jpg".into())))
        );
        assert_eq!(
            p("capture 2 1.5.jpg"),
            Ok(Command::Capture(2, Some("1.5.jpg".into())))
        );
    }

    #[test]
    fn hex_bytes() {
        assert_eq!(parse_hex_bytes("0a:0B ff"), Some(vec![0x0a, 0x0b, 0xff]));
        assert_eq!(parse_hex_bytes("0x"), Some(vec![]));
        assert_eq!(parse_hex_bytes("zz"), None);
    }
}
