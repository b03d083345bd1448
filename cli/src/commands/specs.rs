//! The commands' documentation: names, aliases, syntax, one line on what each does. The help
//! texts (`help.rs`), usage errors and completions read it from here.

/// One command's documentation.
pub(crate) struct Spec {
    /// The name.
    pub(crate) name: &'static str,
    /// Other names.
    pub(crate) aliases: &'static [&'static str],
    /// Arguments, as a usage line shows them.
    pub(crate) args: &'static str,
    /// One line on what it does.
    pub(crate) about: &'static str,
    /// More lines.
    pub(crate) details: &'static str,
}

/// Every command, in help order.
pub(crate) const SPECS: &[Spec] = &[
    Spec {
        name: "info",
        aliases: &[],
        args: "[json [pretty]]",
        about: "Show what the camera is: DeviceInfo, or the Fujifilm property list",
        details: "Generic cameras print their DeviceInfo; Fujifilm cameras the 0x902B list of\n\
                  remote-shooting properties with their current values.",
    },
    Spec {
        name: "state",
        aliases: &[],
        args: "[json [pretty]]",
        about: "Show the Fujifilm camera state (property 0xD212)",
        details: "Fujifilm only.",
    },
    Spec {
        name: "describe",
        aliases: &[],
        args: "PROP [json [pretty]]",
        about: "Describe a property: type, default, current and allowed values",
        details: "PROP is a name (iso, effect, whitebalance, exp-bias, flashmode, focusmtr, delay,\n\
                  recmode…), a hex code (0x5005) or a spec name (WhiteBalance).",
    },
    Spec {
        name: "props",
        aliases: &[],
        args: "[json [pretty]]",
        about: "List every property the camera has: value, type and allowed values",
        details: "As gphoto2 --list-all-config: the properties DeviceInfo lists (Fujifilm: the\n\
                  0x902B list), each with its name for get and set, type, access, current and\n\
                  default value and allowed values. One that cannot be read is marked, the\n\
                  others still listed, and props then exits 1.",
    },
    Spec {
        name: "get",
        aliases: &[],
        args: "PROP [json [pretty]]",
        about: "Show a property's current value",
        details: "Prints the value's label and hex, e.g. `Velvia (0x2)`.",
    },
    Spec {
        name: "set",
        aliases: &[],
        args: "PROP VALUE",
        about: "Set a property",
        details: "VALUE is hex (0x4), decimal (4, -1000) or a label: velvia, daylight, S3200,\n\
                  \"-2 1/3\", 4x4, f/2.8…",
    },
    Spec {
        name: "opreq",
        aliases: &[],
        args: "OPCODE [PARAM…] [--data HEX]",
        about: "Run any operation and dump every packet received",
        details: "OPCODE and PARAMs are hex, with or without 0x (at most five parameters).\n\
                  --data sends HEX bytes as the data-out phase.",
    },
    Spec {
        name: "ls",
        aliases: &[],
        args: "[-l] [json [pretty]]",
        about: "List storages, folders and objects as a tree with sizes (-l: with details)",
        details: "Handles are shown in hex; give them, or the object's path on the card, to\n\
                  `download`. An object whose ObjectInfo cannot be read is listed as ? with the\n\
                  reason, and ls then exits 1 (\"1 of 5 objects could not be read\").\n\
                  -l prints one line per object: handle, capture date, format, pixel size, size\n\
                  (the true size past 4 GiB where the camera tells it, else \">= 4 GiB\") and path.",
    },
    Spec {
        name: "download",
        aliases: &[],
        args: "[OBJECT|all] [DIR] [OPTIONS]",
        about: "Download objects to files (default: all, to the current directory)",
        details: "OBJECT is a handle (0x0000000a as ls prints it, or 10), a path on the card\n\
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
    },
    Spec {
        name: "tether",
        aliases: &[],
        args: "[DIR] [--exec CMD] [--count N] [--timeout SECS] [--interval SECS] [OPTIONS]",
        about: "Download every new picture as it is taken, until Ctrl-C",
        details: "New objects are taken as the camera reports them (ObjectAdded; Fujifilm: its\n\
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
    },
    Spec {
        name: "upload",
        aliases: &[],
        args: "FILE… [FOLDER]",
        about: "Send local files to the card (into FOLDER, e.g. DCIM/100FUJI)",
        details: "The last word is the folder on the card when it is not a local file; without\n\
                  one the camera picks the place. Files are streamed, with a progress bar.",
    },
    Spec {
        name: "delete",
        aliases: &["rm"],
        args: "OBJECT|GLOB… [--yes]",
        about: "Delete objects from the card (a folder with everything in it)",
        details: "Asks first when run from a terminal; elsewhere (scripts, -c, the relay) --yes\n\
                  is required.",
    },
    Spec {
        name: "mkdir",
        aliases: &[],
        args: "PATH",
        about: "Create a folder on the card (its parent must exist)",
        details: "PATH is like DCIM/101TEST.",
    },
    Spec {
        name: "thumb",
        aliases: &["thumbs"],
        args: "OBJECT|GLOB|all DIR",
        about: "Save thumbnails as DIR/NAME.thumb.jpg",
        details: "",
    },
    Spec {
        name: "capture",
        aliases: &["shoot", "shutter", "snap"],
        args: "[N] [PATH]",
        about: "Take N pictures (default 1); save them, or the Fujifilm previews, to PATH",
        details: "PATH is a file (numbered name-1.jpg… when N > 1) or an existing directory.",
    },
    Spec {
        name: "events",
        aliases: &[],
        args: "[--count N] [--timeout SECS] [json]",
        about: "Print device events as they come, until Ctrl-C, N events or SECS seconds",
        details: "json prints one JSON object per event and line. In server mode the default\n\
                  timeout is 10 seconds, and other clients' commands run meanwhile.",
    },
    Spec {
        name: "liveview",
        aliases: &[],
        args: "DIR|- [--frames N]",
        about: "Fujifilm live view: save frames to DIR, or write MJPEG to stdout with -",
        details: "Reads the stream port (55742, -ps); stops at Ctrl-C or after N frames\n\
                  (in server mode after 100 frames by default).",
    },
    Spec {
        name: "shutter-speed",
        aliases: &["shutter_speed", "set_shutter_speed"],
        args: "[STEP|SPEED]",
        about: "Fujifilm: show the shutter speed, step it (+1, -2) or bring it to SPEED (1/1000)",
        details: "A step is a signed whole number of thirds of a stop (+1 is one third faster).
                  SPEED is 1/1000, 1/2, 2s, 30 (seconds): the camera is stepped, reading the
                  value back after each step, until it shows SPEED. Fails clearly at the end of
                  the range, or when SPEED is not one of the camera's stops. Remote mode only.",
    },
    Spec {
        name: "aperture",
        aliases: &["set_aperture"],
        args: "[STEP|F]",
        about: "Fujifilm: show the aperture, step it (+1, -2) or bring it to F (f/5.6)",
        details: "A step is a signed whole number of thirds of a stop (+1 is one third narrower).
                  F is f/5.6, F8 or 11. Remote mode only.",
    },
    Spec {
        name: "exposure-bias",
        aliases: &["exposure_compensation", "set_exposure_compensation"],
        args: "[STEP|EV]",
        about: "Fujifilm: show the exposure bias, step it (+1, -2) or bring it to EV (-2/3)",
        details: "A step is a signed whole number of thirds of a stop (+1, -1); EV is -2/3,
                  +1 1/3, 0, 1.7 (rounded to a third). Remote mode only.",
    },
    Spec {
        name: "focus-point",
        aliases: &["focus_point"],
        args: "X Y",
        about: "Fujifilm: focus on the point at column X, row Y (locks the focus; needs AF-S)",
        details: "X and Y count from 1 (the X-T1's grid is 7 x 7). XxY works too. Remote mode only.",
    },
    Spec {
        name: "focus-unlock",
        aliases: &["unlock_focus"],
        args: "",
        about: "Fujifilm: unlock the focus",
        details: "Remote mode only.",
    },
    Spec {
        name: "movie",
        aliases: &["start_record", "stop_record"],
        args: "start|stop",
        about: "Fujifilm: start or stop recording a movie",
        details: "The camera stops a movie only for the session that started it: use the shell
                  (-i), -c in server mode, or `movie start` and `movie stop` in one session.
                  start_record and stop_record are fuji-cam-wifi-tool's names. Remote mode only.",
    },
    Spec {
        name: "geotag",
        aliases: &[],
        args: "LAT LON [ALT]",
        about: "Fujifilm: give the camera a position (decimal degrees, metres) to tag pictures",
        details: "LAT and LON are decimal degrees, negative south and west; ALT is metres above sea
                  level (0 to 99999). The time is now, in UTC. Connect with --mode geotag.",
    },
    Spec {
        name: "receive",
        aliases: &[],
        args: "[DIR]",
        about: "Fujifilm: save the pictures chosen on the camera (a multiple transfer) to DIR",
        details: "Choose the pictures on the camera and start the transfer, then connect with
                  --mode browse; each picture comes at its full size. Ends when the camera has
                  no more.",
    },
    Spec {
        name: "help",
        aliases: &[],
        args: "[COMMAND]",
        about: "Show the commands, or one command's help",
        details: "",
    },
];

/// The spec named `name` (or one of its aliases).
pub(crate) fn spec(name: &str) -> Option<&'static Spec> {
    let name = name.to_ascii_lowercase();
    SPECS
        .iter()
        .find(|s| s.name == name || s.aliases.contains(&name.as_str()))
}

/// `usage: NAME ARGS`.
pub(crate) fn usage(spec: &Spec) -> String {
    format!("usage: {} {}", spec.name, spec.args)
        .trim_end()
        .to_owned()
}
