//! The camera commands' grammar, once: one clap subcommand per command, with its name, aliases,
//! one-line help, long help and usage. The binary's argv ([`crate::args::Sub`] flattens it), `-c`,
//! the shell (`-i`) and server-mode lines all parse through it ([`matches`]: the split words,
//! with no binary name); `help`, `help COMMAND`, usage lines and the shell's completions read
//! it. What a command's words mean is parsed in [`super::parse`], by the name clap matched.

use std::ffi::OsStr;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::{ArgMatches, CommandFactory, Parser, Subcommand};
use ptpip_protocol::Dialect;

/// The arguments of a command, as words (read from the matches by [`words`]; see
/// `ptpip help COMMAND`).
#[derive(clap::Args, Debug, Clone, Default)]
pub(crate) struct Words {
    /// Arguments (see `ptpip help COMMAND`)
    #[arg(
        id = "args",
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true,
        num_args = 0..
    )]
    _args: Vec<String>,
}

/// A property command's words: the property (completed from the property names), then the rest.
#[derive(clap::Args, Debug, Clone, Default)]
pub(crate) struct PropWords {
    /// A property name, hex code or spec name (see `ptpip help get`)
    #[arg(
        id = "prop",
        value_name = "PROP",
        value_parser = PropertyParser,
        hide_possible_values = true,
        allow_hyphen_values = true
    )]
    _prop: Option<String>,
    /// Arguments (see `ptpip help COMMAND`)
    #[arg(
        id = "args",
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true,
        num_args = 0..
    )]
    _args: Vec<String>,
}

/// Takes any property (a name, a hex code, a spec name: the command checks it) and offers the
/// property names of every vendor to completion scripts.
#[derive(Clone, Copy, Debug)]
struct PropertyParser;

impl TypedValueParser for PropertyParser {
    type Value = String;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        Ok(value.to_string_lossy().into_owned())
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        // The Fujifilm names include the standard ones.
        let names = crate::props::names(Dialect::Fuji);
        Some(Box::new(names.into_iter().map(PossibleValue::new)))
    }
}

/// The camera commands, in help order. The words after a command's name are parsed by its arm
/// in [`super::parse`].
#[derive(Subcommand, Debug, Clone)]
pub(crate) enum CameraCommand {
    #[command(
        name = "info",
        about = "Show what the camera is: DeviceInfo, or the Fujifilm property list",
        long_about = "Generic cameras print their DeviceInfo; Fujifilm cameras the 0x902B list of\n\
                  remote-shooting properties with their current values.",
        override_usage = "info [json [pretty]]"
    )]
    Info(Words),
    #[command(
        name = "state",
        about = "Show the Fujifilm camera state (property 0xD212)",
        long_about = "Fujifilm only.",
        override_usage = "state [json [pretty]]"
    )]
    State(Words),
    #[command(
        name = "describe",
        about = "Describe a property: type, default, current and allowed values",
        long_about = "PROP is a name (iso, effect, whitebalance, exp-bias, flashmode, focusmtr, delay,\n\
                  recmode…), a hex code (0x5005) or a spec name (WhiteBalance).",
        override_usage = "describe PROP [json [pretty]]"
    )]
    Describe(PropWords),
    #[command(
        name = "props",
        about = "List every property the camera has: value, type and allowed values",
        long_about = "As gphoto2 --list-all-config: the properties DeviceInfo lists (Fujifilm: the\n\
                  0x902B list), each with its name for get and set, type, access, current and\n\
                  default value and allowed values. One that cannot be read is marked, the\n\
                  others still listed, and props then exits 1.",
        override_usage = "props [json [pretty]]"
    )]
    Props(Words),
    #[command(
        name = "get",
        about = "Show a property's current value",
        long_about = "Prints the value's label and hex, e.g. `Velvia (0x2)`.",
        override_usage = "get PROP [json [pretty]]"
    )]
    Get(PropWords),
    #[command(
        name = "set",
        about = "Set a property",
        long_about = "VALUE is hex (0x4), decimal (4, -1000) or a label: velvia, daylight, S3200,\n\
                  \"-2 1/3\", 4x4, f/2.8…",
        override_usage = "set PROP VALUE"
    )]
    Set(PropWords),
    #[command(
        name = "opreq",
        about = "Run any operation and dump every packet received",
        long_about = "OPCODE and PARAMs are hex, with or without 0x (at most five parameters).\n\
                  --data sends HEX bytes as the data-out phase.",
        override_usage = "opreq OPCODE [PARAM…] [--data HEX]"
    )]
    Opreq(Words),
    #[command(
        name = "ls",
        about = "List storages, folders and objects as a tree with sizes (-l: with details)",
        long_about = "Handles are shown in hex; give them, or the object's path on the card, to\n\
                  `download`. An object whose ObjectInfo cannot be read is listed as ? with the\n\
                  reason, and ls then exits 1 (\"1 of 5 objects could not be read\").\n\
                  -l prints one line per object: handle, capture date, format, pixel size, size\n\
                  (the true size past 4 GiB where the camera tells it, else \">= 4 GiB\") and path.",
        override_usage = "ls [-l] [json [pretty]]"
    )]
    Ls(Words),
    #[command(
        name = "download",
        about = "Download objects to files (default: all, to the current directory)",
        long_about = "OBJECT is a handle (0x0000000a as ls prints it, or 10), a path on the card\n\
                  (DCIM/100FUJI/DSCF0001.JPG; a folder takes everything in it) or a file name;\n\
                  GLOB a name pattern (*.RAF, DCIM/1*/*.JPG). Files keep the card's folders.\n\
                  Data goes to NAME.part, renamed when complete; a .part left by an interrupted\n\
                  run is resumed (GetPartialObject). A file already there with the same size is\n\
                  skipped. Options:\n\
                  \x20 --force            overwrite files that are there\n\
                  \x20 --no-skip          keep both: NAME-1.JPG, NAME-2.JPG…\n\
                  \x20 --new              only objects never downloaded from this camera (history)\n\
                  \x20 --flat             every file straight in DIR\n\
                  \x20 --filename PATTERN %f name, %C extension, %Y %m %d %H %M %S capture date,\n\
                  \x20                    %n counter (%4n: 0001), %: card folder, %% a %\n\
                  \x20 --since DATE, --until DATE   capture date (2024-05-31[ 14:30[:05]])\n\
                  \x20 --format LIST      jpeg,raw,heif,mov,tiff or extensions (raf,…)\n\
                  \x20 --retries N        reconnect and resume when the link drops (default 3)\n\
                  Ends with: downloaded, skipped, failed, bytes, time. Exits 1 if any failed.",
        override_usage = "download [OBJECT|all] [DIR] [OPTIONS]"
    )]
    Download(Words),
    #[command(
        name = "tether",
        about = "Download every new picture as it is taken, until Ctrl-C",
        long_about = "New objects are taken as the camera reports them (ObjectAdded; Fujifilm: its\n\
                  capture events, saving the previews when the body offers no files), or by\n\
                  reading the object list every 2 seconds when it sends no events. What is on\n\
                  the card at the start is left (download --new takes it). Files are named,\n\
                  skipped and remembered as download does, and take its options (--new,\n\
                  --flat, --filename, --force, --no-skip, --format, --since, --until,\n\
                  --retries: here, tries at connecting again when the link drops).\n\
                  \x20 --exec CMD         run CMD with each saved file's path as its last\n\
                  \x20                    argument (also in $PTPIP_FILE); not in server mode\n\
                  \x20 --count N          stop after N files\n\
                  \x20 --timeout SECS     stop after SECS seconds\n\
                  \x20 --interval SECS    read the object list this often, events or not\n\
                  In server mode --count or --timeout is required.",
        override_usage = "tether [DIR] [--exec CMD] [--count N] [--timeout SECS] [--interval SECS] [OPTIONS]"
    )]
    Tether(Words),
    #[command(
        name = "upload",
        about = "Send local files to the card (into FOLDER, e.g. DCIM/100FUJI)",
        long_about = "The last word is the folder on the card when it is not a local file; without\n\
                  one the camera picks the place. Files are streamed, with a progress bar.",
        override_usage = "upload FILE… [FOLDER]"
    )]
    Upload(Words),
    #[command(
        name = "delete",
        about = "Delete objects from the card (a folder with everything in it)",
        long_about = "Asks first when run from a terminal; elsewhere (scripts, -c, the relay) --yes\n\
                  is required.",
        override_usage = "delete OBJECT|GLOB… [--yes]",
        visible_aliases = ["rm"]
    )]
    Delete(Words),
    #[command(
        name = "mkdir",
        about = "Create a folder on the card (its parent must exist)",
        long_about = "PATH is like DCIM/101TEST.",
        override_usage = "mkdir PATH"
    )]
    Mkdir(Words),
    #[command(
        name = "thumb",
        about = "Save thumbnails as DIR/NAME.thumb.jpg",
        override_usage = "thumb OBJECT|GLOB|all DIR",
        visible_aliases = ["thumbs"]
    )]
    Thumb(Words),
    #[command(
        name = "capture",
        about = "Take N pictures (default 1); save them, or the Fujifilm previews, to PATH",
        long_about = "PATH is a file (numbered name-1.jpg… when N > 1) or an existing directory.",
        override_usage = "capture [N] [PATH]",
        visible_aliases = ["shoot", "shutter", "snap"]
    )]
    Capture(Words),
    #[command(
        name = "events",
        about = "Print device events as they come, until Ctrl-C, N events or SECS seconds",
        long_about = "json prints one JSON object per event and line. In server mode the default\n\
                  timeout is 10 seconds, and other clients' commands run meanwhile.",
        override_usage = "events [--count N] [--timeout SECS] [json]"
    )]
    Events(Words),
    #[command(
        name = "liveview",
        about = "Fujifilm live view: save frames to DIR, or write MJPEG to stdout with -",
        long_about = "Reads the stream port (55742, -ps); stops at Ctrl-C or after N frames\n\
                  (in server mode after 100 frames by default).",
        override_usage = "liveview DIR|- [--frames N]"
    )]
    Liveview(Words),
    #[command(
        name = "shutter-speed",
        about = "Fujifilm: show the shutter speed, step it (+1, -2) or bring it to SPEED (1/1000)",
        long_about = "A step is a signed whole number of thirds of a stop (+1 is one third faster).
                  SPEED is 1/1000, 1/2, 2s, 30 (seconds): the camera is stepped, reading the
                  value back after each step, until it shows SPEED. Fails clearly at the end of
                  the range, or when SPEED is not one of the camera's stops. Remote mode only.",
        override_usage = "shutter-speed [STEP|SPEED]",
        visible_aliases = ["shutter_speed", "set_shutter_speed"]
    )]
    ShutterSpeed(Words),
    #[command(
        name = "aperture",
        about = "Fujifilm: show the aperture, step it (+1, -2) or bring it to F (f/5.6)",
        long_about = "A step is a signed whole number of thirds of a stop (+1 is one third narrower).
                  F is f/5.6, F8 or 11. Remote mode only.",
        override_usage = "aperture [STEP|F]",
        visible_aliases = ["set_aperture"]
    )]
    Aperture(Words),
    #[command(
        name = "exposure-bias",
        about = "Fujifilm: show the exposure bias, step it (+1, -2) or bring it to EV (-2/3)",
        long_about = "A step is a signed whole number of thirds of a stop (+1, -1); EV is -2/3,
                  +1 1/3, 0, 1.7 (rounded to a third). Remote mode only.",
        override_usage = "exposure-bias [STEP|EV]",
        visible_aliases = ["exposure_compensation", "set_exposure_compensation"]
    )]
    ExposureBias(Words),
    #[command(
        name = "focus-point",
        about = "Fujifilm: focus on the point at column X, row Y (locks the focus; needs AF-S)",
        long_about = "X and Y count from 1 (the X-T1's grid is 7 x 7). XxY works too. Remote mode only.",
        override_usage = "focus-point X Y",
        visible_aliases = ["focus_point"]
    )]
    FocusPoint(Words),
    #[command(
        name = "focus-unlock",
        about = "Fujifilm: unlock the focus",
        long_about = "Remote mode only.",
        override_usage = "focus-unlock",
        visible_aliases = ["unlock_focus"]
    )]
    FocusUnlock(Words),
    #[command(
        name = "movie",
        about = "Fujifilm: start or stop recording a movie",
        long_about = "The camera stops a movie only for the session that started it: use the shell
                  (-i), -c in server mode, or `movie start` and `movie stop` in one session.
                  start_record and stop_record are fuji-cam-wifi-tool's names. Remote mode only.",
        override_usage = "movie start|stop"
    )]
    Movie(Words),
    #[command(
        name = "start_record",
        about = "Fujifilm: start recording a movie (movie start; fuji-cam-wifi-tool's name)",
        override_usage = "start_record",
        alias = "start-record",
        hide = true
    )]
    StartRecord(Words),
    #[command(
        name = "stop_record",
        about = "Fujifilm: stop recording a movie (movie stop; fuji-cam-wifi-tool's name)",
        override_usage = "stop_record",
        alias = "stop-record",
        hide = true
    )]
    StopRecord(Words),
    #[command(
        name = "geotag",
        about = "Fujifilm: give the camera a position (decimal degrees, metres) to tag pictures",
        long_about = "LAT and LON are decimal degrees, negative south and west; ALT is metres above sea
                  level (0 to 99999). The time is now, in UTC. Connect with --mode geotag.",
        override_usage = "geotag LAT LON [ALT]"
    )]
    Geotag(Words),
    #[command(
        name = "receive",
        about = "Fujifilm: save the pictures chosen on the camera (a multiple transfer) to DIR",
        long_about = "Choose the pictures on the camera and start the transfer, then connect with
                  --mode browse; each picture comes at its full size. Ends when the camera has
                  no more.",
        override_usage = "receive [DIR]"
    )]
    Receive(Words),
    #[command(
        name = "help",
        about = "Show the commands, or one command's help",
        override_usage = "help [COMMAND]"
    )]
    Help(Words),
}

/// A line's words (no binary name) as one camera command.
#[derive(Parser, Debug)]
#[command(
    name = "ptpip",
    no_binary_name = true,
    disable_help_flag = true,
    disable_help_subcommand = true
)]
struct Line {
    #[command(subcommand)]
    command: CameraCommand,
}

/// The camera commands as clap has them (built: their usage lines are set).
fn commands() -> clap::Command {
    let mut line = Line::command();
    line.build();
    line
}

/// The command named `name` (or one of its aliases, any case).
fn find(name: &str) -> Option<clap::Command> {
    let name = name.to_ascii_lowercase();
    commands()
        .get_subcommands()
        .find(|c| c.get_name() == name || c.get_all_aliases().any(|a| a == name))
        .cloned()
}

/// What [`matches`] found: the command's name and its words.
pub(crate) type Matched = (String, Vec<String>);

/// Matches `words` (the command's name first, in any case) against the grammar. `Err`: clap's
/// message, on one line.
pub(crate) fn matches(words: &[String]) -> Result<Matched, clap::Error> {
    let mut words = words.to_vec();
    if let Some(first) = words.first_mut() {
        *first = first.to_ascii_lowercase();
    }
    let m = commands().try_get_matches_from(words)?;
    m.subcommand()
        .map(|(name, sub)| (name.to_owned(), self::words(sub)))
        .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::MissingSubcommand))
}

/// The words of a matched command: its property, if it takes one, then the rest.
pub(crate) fn words(sub: &ArgMatches) -> Vec<String> {
    let get = |id: &str| {
        sub.try_get_many::<String>(id)
            .ok()
            .flatten()
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
    };
    let mut words = get("prop");
    words.extend(get("args"));
    words
}

/// The canonical name of the command `name` names (an alias, any case).
pub(crate) fn canonical(name: &str) -> Option<String> {
    find(name).map(|c| c.get_name().to_owned())
}

/// `usage: NAME ARGS` for the command `name` (empty when there is none).
pub(crate) fn usage(name: &str) -> String {
    find(name).map_or_else(String::new, |mut c| usage_of(&mut c))
}

/// `usage: NAME ARGS`, from clap's usage line.
fn usage_of(c: &mut clap::Command) -> String {
    let line = c.render_usage().to_string();
    let line = line.trim();
    let line = line.strip_prefix("Usage: ").unwrap_or(line);
    format!("usage: {line}")
}

/// One command's documentation, for `help`.
pub(crate) struct Doc {
    /// The name.
    pub(crate) name: String,
    /// Other names.
    pub(crate) aliases: Vec<String>,
    /// `usage: NAME ARGS`.
    pub(crate) usage: String,
    /// One line on what it does.
    pub(crate) about: String,
    /// More lines (may be empty).
    pub(crate) details: String,
}

impl Doc {
    fn of(c: &mut clap::Command) -> Self {
        Self {
            name: c.get_name().to_owned(),
            aliases: c.get_visible_aliases().map(str::to_owned).collect(),
            usage: usage_of(c),
            about: c.get_about().map(ToString::to_string).unwrap_or_default(),
            details: c
                .get_long_about()
                .map(ToString::to_string)
                .unwrap_or_default(),
        }
    }

    /// The arguments as the usage line shows them (`PROP VALUE`).
    pub(crate) fn args(&self) -> &str {
        let rest = self.usage.strip_prefix("usage: ").unwrap_or(&self.usage);
        rest.strip_prefix(self.name.as_str()).unwrap_or(rest).trim()
    }
}

/// The documentation of the command `name` names (an alias, any case).
pub(crate) fn doc(name: &str) -> Option<Doc> {
    find(name).map(|mut c| Doc::of(&mut c))
}

/// Every command's documentation, in help order (hidden spellings left out).
pub(crate) fn docs() -> Vec<Doc> {
    commands()
        .get_subcommands_mut()
        .filter(|c| !c.is_hide_set())
        .map(Doc::of)
        .collect()
}

/// Every name a command can be typed as (names and visible aliases, hidden spellings too), for
/// completion.
pub(crate) fn spellings() -> Vec<String> {
    commands()
        .get_subcommands()
        .flat_map(|c| std::iter::once(c.get_name()).chain(c.get_visible_aliases()))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(words: &[&str]) -> Vec<String> {
        words.iter().map(|&w| w.to_owned()).collect()
    }

    #[test]
    fn lines_match_by_name_alias_and_any_case() {
        let m = |words: &[&str]| matches(&w(words)).unwrap();
        assert_eq!(m(&["SNAP", "2"]), ("capture".to_owned(), w(&["2"])));
        assert_eq!(
            m(&["get", "iso", "json"]),
            ("get".to_owned(), w(&["iso", "json"]))
        );
        // Everything after the name is the command's, dashes and `--help` included.
        assert_eq!(
            m(&["set", "exp-bias", "-2", "1/3"]),
            ("set".to_owned(), w(&["exp-bias", "-2", "1/3"]))
        );
        assert_eq!(m(&["ls", "--help"]), ("ls".to_owned(), w(&["--help"])));
        assert_eq!(m(&["start-record"]).0, "start_record");
        let e = matches(&w(&["frobnicate"])).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::InvalidSubcommand);
    }

    #[test]
    fn every_command_has_its_usage_and_help() {
        let docs = docs();
        assert!(docs.len() > 20);
        for d in &docs {
            assert!(
                d.usage.starts_with(&format!("usage: {}", d.name)),
                "{}",
                d.usage
            );
            assert!(!d.about.is_empty(), "{}", d.name);
            for a in &d.aliases {
                assert_eq!(usage(a), d.usage, "{a}");
                assert_eq!(canonical(a).as_deref(), Some(d.name.as_str()));
            }
        }
        assert_eq!(usage("SET"), "usage: set PROP VALUE");
        assert_eq!(doc("focus-unlock").unwrap().args(), "");
        assert_eq!(doc("opreq").unwrap().args(), "OPCODE [PARAM…] [--data HEX]");
        // The hidden spellings parse but are not listed.
        assert!(spellings().contains(&"stop_record".to_owned()));
        assert!(docs.iter().all(|d| d.name != "stop_record"));
        assert_eq!(usage("nonsense"), "");
    }
}
