//! The command line: the Go tool's flags (`-h HOST`, `-sa ADDR`, `-pc PORT`…) with long forms,
//! the camera commands as subcommands, `camera` and `completions`.
//!
//! Go's `flag` package accepts `-name` and `--name` alike, multi-letter names included; clap wants
//! `--name` for those, so [`rewrite`] turns `-sa` into `--sa` (and `-v vv` into `-vv`) first.

use std::ffi::{OsStr, OsString};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::{ArgAction, ArgMatches, Args, Parser, Subcommand};
use clap_complete::Shell;
use ptpip_protocol::Dialect;
use ptpip_protocol::initiator::KeepAliveMethod;

use ptpip_protocol::camera::FujiPersonality;
use ptpip_protocol::fuji::FujiMode;

use crate::client::Transport;
use crate::commands::grammar::{self, CameraCommand};
use crate::values::{
    parse_app_version, parse_keep_alive_method, parse_mode, parse_personality, parse_port,
    parse_seconds, parse_transport, parse_vendor,
};

/// Multi-letter flags written with one dash in the Go tool, and whether they take a value.
const GO_LONG: &[(&str, bool)] = &[
    ("sa", true),
    ("sp", true),
    ("pc", true),
    ("pe", true),
    ("ps", true),
    ("version", false),
];

/// The global options that take a value, by every name they answer to after `--` and, for
/// one-letter ones, after `-`: read from the clap definition, so that a new option needs no
/// second list here.
fn value_names() -> (Vec<String>, Vec<char>) {
    let cmd = <Cli as clap::CommandFactory>::command();
    let mut long = Vec::new();
    let mut short = Vec::new();
    for arg in cmd
        .get_arguments()
        .filter(|a| a.get_action().takes_values())
    {
        long.extend(arg.get_long().map(str::to_owned));
        long.extend(
            arg.get_all_aliases()
                .into_iter()
                .flatten()
                .map(str::to_owned),
        );
        short.extend(arg.get_short());
    }
    (long, short)
}

/// `v`, `vv` or `vvv`: the Go tool's verbosity values.
fn is_level(s: &str) -> bool {
    (1..=3).contains(&s.len()) && s.bytes().all(|b| b == b'v')
}

/// Rewrites the Go spellings clap does not take, up to the first word that is not a flag (the
/// subcommand; its arguments are left alone): `-sa X` → `--sa X`, `-version` → `--version`,
/// `-v vv` / `-v=vv` / `--v=vv` → `-vv`.
pub(crate) fn rewrite(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut it = args.into_iter();
    let mut out: Vec<OsString> = it.next().into_iter().collect();
    let rest: Vec<OsString> = it.collect();
    let (long_value, short_value) = value_names();
    let mut i = 0;
    while i < rest.len() {
        let Some(tok) = rest[i].to_str().map(str::to_owned) else {
            out.push(rest[i].clone());
            i += 1;
            continue;
        };
        i += 1;
        if tok == "--" || !tok.starts_with('-') || tok == "-" {
            // The subcommand (or the end of flags): copy the rest as it is.
            out.push(tok.into());
            out.extend(rest[i..].iter().cloned());
            break;
        }
        let body = tok.trim_start_matches('-');
        let dashes = tok.len() - body.len();
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        // Verbosity as the Go tool spelt it.
        if name == "v" && dashes <= 2 {
            match value {
                Some(v) if is_level(v) => out.push(format!("-{v}").into()),
                Some(_) => out.push(tok.clone().into()),
                None => match rest.get(i).and_then(|n| n.to_str()) {
                    Some(next) if is_level(next) => {
                        out.push(format!("-{next}").into());
                        i += 1;
                    }
                    _ => out.push(tok.clone().into()),
                },
            }
            continue;
        }
        let takes_value = if dashes == 1 {
            match GO_LONG.iter().find(|(n, _)| *n == name) {
                Some(&(n, v)) => {
                    out.push(match value {
                        Some(val) => format!("--{n}={val}").into(),
                        None => format!("--{n}").into(),
                    });
                    v && value.is_none()
                }
                None => {
                    out.push(tok.clone().into());
                    let mut chars = name.chars();
                    let first = chars.next();
                    // `-h HOST` takes the next word; `-hHOST` and `-h=HOST` do not.
                    value.is_none()
                        && chars.next().is_none()
                        && first.is_some_and(|c| short_value.contains(&c))
                }
            }
        } else {
            out.push(tok.clone().into());
            value.is_none() && long_value.iter().any(|n| n == name)
        };
        if takes_value && let Some(v) = rest.get(i) {
            out.push(v.clone());
            i += 1;
        }
    }
    out
}

fn port(s: &str) -> Result<u16, String> {
    parse_port(s)
}

/// A port for a server: 0 lets the OS pick.
fn any_port(s: &str) -> Result<u16, String> {
    match crate::props::parse_uint(s) {
        Some(0) => Ok(0),
        _ => parse_port(s),
    }
}

fn vendor(s: &str) -> Result<Dialect, String> {
    parse_vendor(s)
}

/// The vendor names, for help and shell completion.
const VENDORS: [&str; 2] = ["generic", "fuji"];

/// Parses a vendor and offers [`VENDORS`] to completion scripts.
#[derive(Clone, Copy, Debug)]
struct VendorParser;

impl TypedValueParser for VendorParser {
    type Value = Dialect;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Dialect, clap::Error> {
        vendor.parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(VENDORS.into_iter().map(PossibleValue::new)))
    }
}

fn seconds(s: &str) -> Result<f64, String> {
    parse_seconds(s, false).map(|d| d.as_secs_f64())
}

/// A number of seconds, 0 allowed (0 turns the thing off).
fn seconds_or_zero(s: &str) -> Result<f64, String> {
    parse_seconds(s, true).map(|d| d.as_secs_f64())
}

/// A think time: `5ms`, `0.5s`, `200us`, or a bare number of milliseconds; at most a minute.
fn think_time(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a time (5ms, 0.5s, 200us)"))?;
    let secs = match unit.trim() {
        "" | "ms" => n / 1e3,
        "s" => n,
        "us" | "µs" => n / 1e6,
        other => return Err(format!("'{other}' is not a time unit (ms, s, us)")),
    };
    if !(0.0..=60.0).contains(&secs) {
        return Err(format!("'{s}': a think time is between 0 and 60 s"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// The commands and subcommands listed after the options in `--help`.
const AFTER_HELP: &str = "\
Commands can also be given with -c \"COMMAND\", typed in the shell (-i) or sent to the server (-s).
Run `ptpip help` for the camera commands and `ptpip help COMMAND` for one command.

Exit codes: 0 ok, 1 failure, 2 usage, 102 config file cannot be opened,
104 client cannot be created (bad GUID or name), 105 cannot connect to the responder,
130 stopped by Ctrl-C (SIGINT), 143 stopped by SIGTERM.";

/// PTP/IP for Wi-Fi cameras: Fujifilm X bodies and standard PTP/IP cameras.
#[derive(Parser, Debug, Default)]
#[command(
    name = "ptpip",
    version,
    about,
    disable_help_flag = true,
    disable_help_subcommand = true,
    args_override_self = true,
    after_help = AFTER_HELP
)]
pub(crate) struct Cli {
    /// Print help
    #[arg(short = '?', long = "help", action = ArgAction::Help)]
    pub(crate) help: Option<bool>,
    /// Responder (camera) host [default: 192.168.0.1]
    #[arg(short = 'h', long = "host", alias = "h", value_name = "HOST")]
    pub(crate) host: Option<String>,
    /// One port for the command and event connections [default: 15740, Fujifilm 55740/55741]
    #[arg(short = 'p', long = "port", alias = "p", value_parser = port, allow_negative_numbers = true, value_name = "PORT")]
    pub(crate) port: Option<u16>,
    /// Command/data port (-pc)
    #[arg(long = "command-port", alias = "pc", value_parser = port, allow_negative_numbers = true, value_name = "PORT")]
    pub(crate) cmd_port: Option<u16>,
    /// Event port (-pe)
    #[arg(long = "event-port", alias = "pe", value_parser = port, allow_negative_numbers = true, value_name = "PORT")]
    pub(crate) event_port: Option<u16>,
    /// Live-view stream port (-ps) [default: 15742, Fujifilm 55742]
    #[arg(long = "stream-port", alias = "ps", value_parser = port, allow_negative_numbers = true, value_name = "PORT")]
    pub(crate) stream_port: Option<u16>,
    /// Vendor: generic or fuji (fuji picks ports 55740/55741/55742 unless ports are given)
    #[arg(short = 't', long = "vendor", alias = "t", value_parser = VendorParser, value_name = "VENDOR")]
    pub(crate) vendor: Option<Dialect>,
    /// Initiator GUID [default: random]
    #[arg(short = 'g', long = "guid", alias = "g", value_name = "GUID")]
    pub(crate) guid: Option<String>,
    /// Initiator friendly name [default: ptpip]
    #[arg(short = 'n', long = "name", alias = "n", value_name = "NAME")]
    pub(crate) name: Option<String>,
    /// Verbosity: -v, -vv, -vvv (also -v vv as in the Go tool)
    #[arg(short = 'v', long = "verbose", action = ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Run one command, then exit (quote it: -c "describe iso")
    #[arg(short = 'c', long = "command", alias = "c", value_name = "COMMAND")]
    pub(crate) command: Option<String>,
    /// INI config file [default: CONFIG_DIR/ptpip/config.ini if present]
    #[arg(short = 'f', long = "config", alias = "f", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Interactive shell: commands from stdin
    #[arg(short = 'i', long = "interactive", alias = "i")]
    pub(crate) interactive: bool,
    /// Server mode: relay text commands from a local TCP socket to the camera
    #[arg(short = 's', long = "server", alias = "s")]
    pub(crate) server: bool,
    /// Server listen address (-sa) [default: 127.0.0.1]
    #[arg(long = "server-address", alias = "sa", value_name = "ADDR")]
    pub(crate) server_address: Option<IpAddr>,
    /// Server listen port (-sp), 0 to let the OS pick [default: 15740]
    #[arg(long = "server-port", alias = "sp", value_parser = any_port, allow_negative_numbers = true, value_name = "PORT")]
    pub(crate) server_port: Option<u16>,
    /// Server mode: end every reply with a status line, OK or ERR and the error (a connection
    /// can also say "status on")
    #[arg(long = "status-lines")]
    pub(crate) status_lines: bool,
    /// The driver the client commands run on: std (blocking sockets) or mio (one event loop);
    /// the output is the same [default: $PTPIP_TRANSPORT, else std]
    #[arg(long = "transport", value_parser = parse_transport, value_name = "std|mio")]
    pub(crate) transport: Option<Transport>,
    /// How long connecting may take, init handshake included, in seconds ("connection refused"
    /// is retried meanwhile) [default: 10]
    #[arg(long = "connect-timeout", value_parser = seconds, allow_negative_numbers = true, value_name = "SECS")]
    pub(crate) connect_timeout: Option<f64>,
    /// How long the camera may stay silent during an operation, in seconds [default: 30]
    #[arg(long = "response-timeout", value_parser = seconds, allow_negative_numbers = true, value_name = "SECS")]
    pub(crate) response_timeout: Option<f64>,
    /// Fujifilm: how long you have to accept the connection on the camera, in seconds [default: 30]
    #[arg(long = "pairing-timeout", value_parser = seconds, allow_negative_numbers = true, value_name = "SECS")]
    pub(crate) pairing_timeout: Option<f64>,
    /// Check an idle camera every SECS seconds, 0 for never [default: 10 in server mode, -i and
    /// events; never for one-shot commands]
    #[arg(long = "keep-alive", value_parser = seconds_or_zero, allow_negative_numbers = true, value_name = "SECS")]
    pub(crate) keep_alive: Option<f64>,
    /// How the keep-alive checks the camera: operation (GetDeviceInfo, which keeps sessions alive
    /// on cameras that drop idle ones) or probe (a PTP/IP Probe_Request) [default: operation]
    #[arg(long = "keep-alive-method", value_parser = parse_keep_alive_method, value_name = "METHOD")]
    pub(crate) keep_alive_method: Option<KeepAliveMethod>,
    /// Fujifilm: the mode to ask the camera for: remote (shooting and live view), browse (the
    /// card, or the pictures chosen on the camera) or geotag [default: remote]
    #[arg(long = "mode", value_parser = parse_mode, value_name = "MODE")]
    pub(crate) mode: Option<FujiMode>,
    /// Fujifilm: the app version written back to 0xDF24 in remote mode, hex (0x000200FF)
    /// [default: the camera's own]
    #[arg(long = "app-version", value_parser = parse_app_version, value_name = "HEX")]
    pub(crate) app_version: Option<u32>,
    /// JSON output (camelCase keys) for info, state, describe, get, ls, and events (a JSON object
    /// per line); a usage error for commands that print no data
    #[arg(long = "json")]
    pub(crate) json: bool,
    /// Print the effective settings (command line over config file) and exit
    #[arg(long = "dry-run")]
    pub(crate) dry_run: bool,
    /// Where `-h auto` looks for cameras (as `discover` does)
    #[command(flatten)]
    pub(crate) discovery: crate::discovery_options::DiscoveryFlags,
    /// A camera command, or `camera`, or `completions`
    #[command(subcommand)]
    pub(crate) sub: Option<Sub>,
}

/// What clap_complete leaves out of a shell's script: fish gets no completions for positional
/// arguments, so the property names of `get`, `set` and `describe` are added here.
pub(crate) fn completion_extras(shell: Shell) -> String {
    if shell != Shell::Fish {
        return String::new();
    }
    let names = crate::props::names(Dialect::Fuji).join(" ");
    ["get", "set", "describe"]
        .iter()
        .map(|sub| {
            format!(
                "complete -c ptpip -n \"__fish_ptpip_using_subcommand {sub}\" -f -a \"{names}\"\n"
            )
        })
        .collect()
}

/// Subcommands.
#[derive(Subcommand, Debug, Clone)]
pub(crate) enum Sub {
    /// The camera commands (`ptpip help`; their grammar is `commands::grammar`)
    #[command(flatten)]
    Command(CameraCommand),
    /// Serve a built-in camera (generic or Fujifilm) on the network
    Camera(CameraArgs),
    /// Find cameras on the network (SSDP, mDNS, Fujifilm, the gateway) and print how to connect
    Discover(crate::discovery_options::DiscoverArgs),
    /// Wait for cameras that invite this computer (Fujifilm PC AutoSave) and download from them
    Listen(crate::discovery_options::ListenArgs),
    /// Relay PTP/IP between initiators and a camera: log, capture or share it
    Relay(crate::relay_cmd::RelayArgs),
    /// Print a shell completion script: completions bash|zsh|fish|elvish|powershell
    Completions {
        /// The shell
        shell: Shell,
        /// Print help
        #[arg(short = '?', long = "help", action = ArgAction::Help)]
        help: Option<bool>,
    },
}

/// The camera command given on the command line as its words, its name first (`None`: another
/// subcommand, or none): what clap matched, as `-c` would give it.
pub(crate) fn command_words(matches: &ArgMatches) -> Option<Vec<String>> {
    let (name, sub) = matches.subcommand()?;
    grammar::canonical(name)?;
    let mut words = vec![name.to_owned()];
    words.extend(grammar::words(sub));
    Some(words)
}

/// `ptpip camera`: the built-in camera.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct CameraArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub(crate) address: String,
    /// Command port, 0 to let the OS pick [default: 15740, Fujifilm 55740]
    #[arg(long, value_parser = any_port, allow_negative_numbers = true, value_name = "PORT")]
    pub(crate) port: Option<u16>,
    /// Fujifilm event port [default: the command port + 1]
    #[arg(long = "event-port", value_parser = any_port, allow_negative_numbers = true, value_name = "PORT")]
    pub(crate) event_port: Option<u16>,
    /// Camera kind: generic or fuji [default: -t, else generic]
    #[arg(long = "vendor", value_parser = VendorParser, value_name = "VENDOR")]
    pub(crate) vendor: Option<Dialect>,
    /// Fujifilm: the Wi-Fi function chosen on the body: remote, browse, receive (pictures chosen
    /// for a multiple transfer) or no-remote (a body without remote mode) [default: remote]
    #[arg(long = "mode", value_parser = parse_personality, value_name = "MODE")]
    pub(crate) mode: Option<FujiPersonality>,
    /// Serve the files in this directory as the card's contents (watched: new files appear)
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,
    /// Uploads, new folders, captures and deletions go to --dir too [default: in memory]
    #[arg(long)]
    pub(crate) writable: bool,
    /// The camera's friendly name
    #[arg(
        long = "camera-name",
        default_value = "ptpip camera",
        value_name = "NAME"
    )]
    pub(crate) name: String,
    /// Think time: hold every reply this long, as a real body takes milliseconds per request
    /// (5ms, 0.5s, 200us; a bare number is milliseconds) [default: 0]
    #[arg(long, value_parser = think_time, value_name = "TIME")]
    pub(crate) think: Option<Duration>,
    /// Generic: offer GetObjectPropList (MTP 0x9805), which lists the whole card in one round
    /// trip (most cameras do not)
    #[arg(long = "prop-list")]
    pub(crate) prop_list: bool,
    /// How the camera announces itself
    #[command(flatten)]
    pub(crate) announce: crate::discovery_options::AnnounceArgs,
    /// Print help (`-h` is taken by the host, as in the Go tool)
    #[arg(short = '?', long = "help", action = ArgAction::Help)]
    help: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(args: &[&str]) -> Vec<String> {
        rewrite(
            std::iter::once("ptpip")
                .chain(args.iter().copied())
                .map(OsString::from),
        )
        .into_iter()
        .skip(1)
        .map(|s| s.into_string().unwrap())
        .collect()
    }

    #[test]
    fn go_flags_are_rewritten() {
        assert_eq!(
            rw(&["-s", "-sa", "0.0.0.0", "-sp", "1234"]),
            ["-s", "--sa", "0.0.0.0", "--sp", "1234"]
        );
        assert_eq!(
            rw(&["-pc=1", "-pe", "2", "-ps", "3"]),
            ["--pc=1", "--pe", "2", "--ps", "3"]
        );
        assert_eq!(rw(&["-version"]), ["--version"]);
        assert_eq!(rw(&["-v", "vv", "info"]), ["-vv", "info"]);
        assert_eq!(rw(&["-v=vvv", "--v=v"]), ["-vvv", "-v"]);
        assert_eq!(rw(&["-v", "info"]), ["-v", "info"]);
        // Values of one-letter flags are not taken for the subcommand or rewritten.
        assert_eq!(rw(&["-c", "-sa", "-h", "-pc"]), ["-c", "-sa", "-h", "-pc"]);
        // The subcommand's arguments are left alone.
        assert_eq!(
            rw(&["-h", "x", "set", "exp-bias", "-2", "-sa"]),
            ["-h", "x", "set", "exp-bias", "-2", "-sa"]
        );
        assert_eq!(
            rw(&["--host", "-x", "--", "-sa"]),
            ["--host", "-x", "--", "-sa"]
        );
        // Every global option that takes a value has it skipped, whatever its name: the Go
        // flags after it are still rewritten.
        for opt in [
            "--response-timeout",
            "--pairing-timeout",
            "--keep-alive",
            "--keep-alive-method",
            "--connect-timeout",
            "--transport",
            "--ssdp",
            "--discover-timeout",
            "--app-version",
        ] {
            assert_eq!(
                rw(&[opt, "5", "-ps", "3", "info"]),
                [opt, "5", "--ps", "3", "info"],
                "{opt}"
            );
        }
        // One that takes none leaves the next word to be the subcommand.
        assert_eq!(rw(&["--json", "info", "-ps"]), ["--json", "info", "-ps"]);
    }

    fn cli(args: &[&str]) -> Result<Cli, clap::Error> {
        let mut v = vec![OsString::from("ptpip")];
        v.extend(rw(args).into_iter().map(OsString::from));
        Cli::try_parse_from(v)
    }

    /// The camera command's words on the command line `args`.
    fn words(args: &[&str]) -> Vec<String> {
        use clap::CommandFactory;
        let mut v = vec![OsString::from("ptpip")];
        v.extend(rw(args).into_iter().map(OsString::from));
        command_words(&Cli::command().try_get_matches_from(v).unwrap()).unwrap()
    }

    #[test]
    fn seed_flags_parse() {
        let c = cli(&[
            "-s",
            "-sa",
            "127.0.0.2",
            "-sp",
            "25740",
            "-h",
            "10.0.0.1",
            "-t",
            "fuji",
        ])
        .unwrap();
        assert!(c.server);
        assert_eq!(c.server_address, Some(IpAddr::from([127, 0, 0, 2])));
        assert_eq!(c.server_port, Some(25740));
        assert_eq!(c.host.as_deref(), Some("10.0.0.1"));
        assert_eq!(c.vendor, Some(Dialect::Fuji));
        let c = cli(&["-pc", "55740", "-pe", "0xd9bd", "-vvv", "-c", "info"]).unwrap();
        assert_eq!((c.cmd_port, c.event_port), (Some(55740), Some(55741)));
        assert_eq!(c.verbose, 3);
        assert_eq!(c.command.as_deref(), Some("info"));
        let args = [
            "--server-address",
            "::1",
            "--command-port",
            "1",
            "info",
            "json",
        ];
        let c = cli(&args).unwrap();
        assert_eq!(c.server_address, Some("::1".parse().unwrap()));
        assert_eq!(words(&args), ["info", "json"]);
        assert_eq!(
            words(&["set", "exp-bias", "-2", "1/3"]),
            ["set", "exp-bias", "-2", "1/3"]
        );
        assert_eq!(words(&["snap", "2"]), ["capture", "2"]);
    }

    #[test]
    fn bad_flags_are_usage_errors() {
        for args in [
            &["-p", "0"][..],
            &["-p", "65536"],
            &["-sa", "localhost"],
            &["-t", "canon"],
            &["--bogus"],
            &["-x"],
        ] {
            let e = cli(args).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{args:?}: {e}");
        }
    }

    #[test]
    fn think_times_parse() {
        assert_eq!(think_time("5ms"), Ok(Duration::from_millis(5)));
        assert_eq!(think_time("5"), Ok(Duration::from_millis(5)));
        assert_eq!(think_time("0.5s"), Ok(Duration::from_millis(500)));
        assert_eq!(think_time("200us"), Ok(Duration::from_micros(200)));
        assert_eq!(think_time("0"), Ok(Duration::ZERO));
        for bad in ["fast", "5 parsecs", "61s", "-1ms", ""] {
            assert!(think_time(bad).is_err(), "{bad}");
        }
        let c = cli(&["camera", "--think", "7ms"]).unwrap();
        let Some(Sub::Camera(a)) = c.sub else {
            panic!("not the camera")
        };
        assert_eq!(a.think, Some(Duration::from_millis(7)));
    }
}
