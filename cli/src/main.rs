//! The `ptpip` command-line tool: talks to a PTP/IP camera (one command, an interactive shell, or
//! a text relay on a local socket), or serves a built-in camera.
//!
//! Exit codes: 0 ok, 1 a command failed (or anything else), 2 usage errors, 102 the config file
//! cannot be opened, 104 the client cannot be created (bad GUID or name), 105 the responder
//! cannot be reached, 130 stopped by Ctrl-C (SIGINT), 141 the output pipe was closed
//! (`ptpip ls | head`), 143 stopped by SIGTERM.
// The doc comments of the argument types are also clap's help text, where `[ARG]` means an
// optional argument, not a link.
#![allow(rustdoc::broken_intra_doc_links)]

mod advice;
mod args;
mod camera;
mod client;
mod commands;
mod config;
mod discover;
mod discovery_options;
mod output;
mod props;
mod relay;
mod relay_cmd;
mod shell;
mod signals;
mod stdout;
mod values;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{CommandFactory, FromArgMatches};
use ptpip_protocol::{Dialect, FriendlyName, Guid};

use crate::args::{CameraArgs, Cli, Sub};
use crate::client::{Client, ClientConfig, Transport};
use crate::commands::{CmdError, Command, Executor};
use crate::config::{ConfigError, FileConfig, Settings};

/// Exit code: a command failed, or anything not listed below.
const EXIT_FAILED: i32 = 1;
/// Exit code: the command line is wrong.
const EXIT_USAGE: i32 = 2;
/// Exit code: the config file cannot be opened.
const EXIT_CONFIG: i32 = 102;
/// Exit code: the client cannot be created (bad GUID, bad name).
const EXIT_CLIENT: i32 = 104;
/// Exit code: the responder cannot be reached.
const EXIT_CONNECT: i32 = 105;

fn main() {
    std::process::exit(run());
}

/// What the run does with the camera.
enum Mode {
    /// One command (`-c` or a subcommand).
    One(Command),
    /// Commands from stdin (`-i`).
    Interactive,
    /// The text relay (`-s`).
    Server,
}

fn run() -> i32 {
    let parsed = Cli::command()
        .try_get_matches_from(args::rewrite(std::env::args_os()))
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, args::command_words(&m))));
    let (mut cli, words) = match parsed {
        Ok(p) => p,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    // `PTPIP_TRANSPORT` stands for `--transport` when the command line does not say.
    match Transport::from_env() {
        Ok(t) => cli.transport = cli.transport.or(t),
        Err(e) => {
            eprintln!("{e}");
            return EXIT_USAGE;
        }
    }
    init_logging(cli.verbose);
    if cli.json
        && let Some(Sub::Camera(_) | Sub::Completions { .. }) = &cli.sub
    {
        return json_misplaced("camera and completions print no data");
    }
    match &cli.sub {
        Some(Sub::Completions { shell, .. }) => {
            // Into memory first: clap_complete panics on a write error (`| head`).
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "ptpip", &mut script);
            script.extend(args::completion_extras(*shell).into_bytes());
            return stdout::print(&script);
        }
        Some(Sub::Camera(a)) => return run_camera(&cli, a),
        Some(Sub::Relay(a)) => return relay_cmd::run(a, cli.vendor),
        _ => {}
    }
    let chosen = [
        cli.command.is_some(),
        words.is_some(),
        cli.interactive,
        cli.server,
    ];
    if chosen.iter().filter(|&&c| c).count() > 1 {
        eprintln!("Too many arguments: use only one of -c, -i, -s or a command");
        return EXIT_USAGE;
    }
    if cli.port.is_some() && (cli.cmd_port.is_some() || cli.event_port.is_some()) {
        eprintln!(
            "ambiguous port specification: use a single port (-p) OR define multiple ports \
             (-pc and -pe)"
        );
        return EXIT_USAGE;
    }
    let file = match load_config(cli.config.as_ref()) {
        Ok(f) => f,
        Err(e @ ConfigError::Open(..)) => {
            eprintln!("{e}");
            return EXIT_CONFIG;
        }
        Err(e) => {
            eprintln!("Error in config file - {e}");
            return EXIT_FAILED;
        }
    };
    let other_mode = chosen[..3].iter().any(|&c| c);
    let settings = Settings::merge(&cli, file, other_mode);
    match &cli.sub {
        Some(Sub::Discover(a)) => return discover::run(&cli, &settings, a),
        Some(Sub::Listen(a)) => return discover::listen::run(&settings, a),
        _ => {}
    }
    if cli.dry_run {
        if cli.json {
            return json_misplaced("--dry-run prints text");
        }
        return stdout::print(settings.describe().as_bytes());
    }
    let parsed = match (&cli.command, &words) {
        (Some(line), _) => Some(commands::parse_line(line)),
        (None, Some(w)) => Some(commands::parse(w)),
        _ => None,
    };
    let label = match (&cli.command, &words) {
        (Some(line), _) => first_word(line),
        (None, Some(w)) => w.first().cloned().unwrap_or_default(),
        _ => String::new(),
    };
    let mode = match parsed {
        Some(Ok(mut cmd)) => {
            if cli.json
                && let Err(e) = commands::apply_json(&mut cmd)
            {
                return report(&label, &e);
            }
            Mode::One(cmd)
        }
        Some(Err(e)) => return report(&label, &e),
        None if cli.json && (cli.interactive || settings.server) => {
            return json_misplaced("in the shell and the server, add json after the command");
        }
        None if cli.interactive => Mode::Interactive,
        None if settings.server => Mode::Server,
        None => {
            eprintln!("No command given.\n\n{}", Cli::command().render_usage());
            eprintln!("Run `ptpip --help` for the options and `ptpip help` for the commands.");
            return EXIT_USAGE;
        }
    };
    // `-h auto` (or a camera's name): discovery picks the host, dialect and ports.
    let settings = if matches!(mode, Mode::One(Command::Help(_))) {
        settings
    } else {
        match discover::resolve_host(settings, &cli) {
            Ok(s) => s,
            Err(code) => return code,
        }
    };
    if let Mode::One(cmd) = &mode {
        // Help needs no camera; what the dialect cannot do fails before connecting.
        if let Command::Help(topic) = cmd {
            return match commands::help_text(topic.as_deref(), settings.dialect) {
                Ok(text) => stdout::print(text.as_bytes()),
                Err(e) => report("help", &e),
            };
        }
        let checked = commands::check_dialect(cmd, settings.dialect)
            .and_then(|()| commands::check_output(cmd));
        if let Err(e) = checked {
            return report(&label, &e);
        }
    }
    let interrupt = match mode {
        Mode::One(ref c) if !is_long(c) => None,
        _ => match signals::interrupt_flag() {
            Ok(flag) => Some(flag),
            Err(e) => {
                eprintln!("warning: {e}");
                None
            }
        },
    };
    let client = match connect(&settings, interrupt.as_ref(), &mode) {
        Ok(c) => c,
        Err(code) => return signals::exit_code().unwrap_or(code),
    };
    let relay_mode = matches!(mode, Mode::Server);
    let mut exec = Executor::new(
        client,
        settings.dialect,
        settings.host.clone(),
        settings.ports.stream,
        relay_mode,
    );
    if let Ok(config) = client_config(&settings, is_long_lived(&mode)) {
        exec.set_reconnect(config);
    }
    match mode {
        Mode::One(cmd) => run_one(exec, &cmd, &label),
        Mode::Interactive => shell::run(exec, settings.dialect),
        Mode::Server => {
            relay::set_verbose(cli.verbose > 0);
            let addr = SocketAddr::new(settings.server_address, settings.server_port);
            let connect = reconnector(&settings, exec.guid());
            let session = relay::Session::new(exec, settings.dialect, connect);
            let options = relay::Options {
                status_lines: settings.status_lines,
            };
            match relay::serve(addr, session, options) {
                Ok(()) => {
                    eprintln!("Bye bye!");
                    0
                }
                Err(e) => {
                    eprintln!("[Local server] cannot serve on {addr}: {e}");
                    EXIT_FAILED
                }
            }
        }
    }
}

/// Logging to stderr through `log`: warnings by default, `-v` info (connection steps, each
/// command), `-vv` debug (every operation with its parameters, response and duration; every
/// tolerance the decoders reported), `-vvv` trace (every packet both ways, summarised and in hex).
/// `RUST_LOG` adds its own filters on top, as Rust programs take it
/// (`RUST_LOG=ptpip_protocol=trace`).
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => log::LevelFilter::Warn,
        1 => log::LevelFilter::Info,
        2 => log::LevelFilter::Debug,
        _ => log::LevelFilter::Trace,
    };
    let mut b = env_logger::Builder::new();
    b.filter_level(level);
    // mio's own registration traces are the event loop's business, not the session's: the
    // output stays the same on both transports (`RUST_LOG=mio=trace` shows them).
    b.filter_module("mio", level.min(log::LevelFilter::Info));
    if let Ok(spec) = std::env::var("RUST_LOG") {
        b.parse_filters(&spec);
    }
    b.format(|out, record| match record.level() {
        log::Level::Info => writeln!(out, "{}", record.args()),
        log::Level::Warn | log::Level::Error => {
            let level = record.level().as_str().to_ascii_lowercase();
            writeln!(out, "{level}: {}", record.args())
        }
        level => writeln!(out, "[{level} {}] {}", record.target(), record.args()),
    });
    let _ = b.try_init();
}

/// Loads `-f FILE`, or the default file if there is one; warnings go to stderr.
fn load_config(path: Option<&PathBuf>) -> Result<Option<(PathBuf, FileConfig)>, ConfigError> {
    let Some(path) = path.cloned().or_else(config::default_path) else {
        return Ok(None);
    };
    let file = FileConfig::load(&path)?;
    for w in &file.warnings {
        eprintln!("warning: {w}");
    }
    Ok(Some((path, file)))
}

/// The first word of a command line, for error messages.
fn first_word(line: &str) -> String {
    line.split_whitespace().next().unwrap_or("").to_owned()
}

/// Prints a command's error as `<cmd> error: <msg>` and returns its exit code.
fn report(label: &str, e: &CmdError) -> i32 {
    let label = if label.is_empty() { "ptpip" } else { label };
    eprintln!("{label} error: {e}");
    match e {
        CmdError::Usage(_) => EXIT_USAGE,
        CmdError::Failed(_) => EXIT_FAILED,
    }
}

/// `--json` where no single command prints data: a usage error saying where it applies.
fn json_misplaced(why: &str) -> i32 {
    eprintln!(
        "--json applies to one command ({}); {why}",
        commands::JSON_COMMANDS
    );
    EXIT_USAGE
}

/// Commands that may run long enough to want Ctrl-C handled.
fn is_long(cmd: &Command) -> bool {
    matches!(
        cmd,
        Command::Events { .. }
            | Command::LiveView { .. }
            | Command::Download { .. }
            | Command::Capture(..)
            | Command::Ls(..)
            | Command::Upload { .. }
            | Command::Delete(..)
            | Command::Thumb(..)
            | Command::Tether { .. }
            | Command::Props(_)
    )
}

/// Whether the session may sit idle for long (server mode, the shell, `events`, `tether`): those
/// get a keep-alive unless told otherwise.
fn is_long_lived(mode: &Mode) -> bool {
    matches!(
        mode,
        Mode::Server
            | Mode::Interactive
            | Mode::One(Command::Events { .. } | Command::Tether { .. })
    )
}

/// The client configuration, or the reason it cannot be made (exit code 104).
fn client_config(s: &Settings, long_lived: bool) -> Result<ClientConfig, String> {
    let mut c = ClientConfig::new(s.host.clone(), s.dialect);
    c.ports = s.ports;
    c.connect_timeout = s.connect_timeout;
    c.initiator.response_timeout = s.response_timeout;
    c.initiator.pairing_timeout = s.pairing_timeout;
    c.initiator.keep_alive = s
        .keep_alive
        .unwrap_or_else(|| long_lived.then_some(config::DEFAULT_KEEP_ALIVE));
    c.initiator.keep_alive_method = s.keep_alive_method;
    c.initiator.fuji_mode = s.mode;
    c.initiator.fuji_app_version = s.app_version;
    if let Some(g) = &s.guid {
        c.initiator.guid = g
            .value
            .parse::<Guid>()
            .map_err(|e| format!("{}: invalid GUID '{}': {e}", g.origin("guid"), g.value))?;
    }
    c.initiator.friendly_name = FriendlyName::new(s.name.value.clone()).map_err(|e| {
        format!(
            "{}: invalid friendly name '{}': {e}",
            s.name.origin("friendly name"),
            s.name.value
        )
    })?;
    Ok(c)
}

/// Creates the client and connects; Ctrl-C (when watched) cancels the connect loop.
fn connect(s: &Settings, interrupt: Option<&signals::Stop>, mode: &Mode) -> Result<Client, i32> {
    let config = client_config(s, is_long_lived(mode)).map_err(|e| {
        eprintln!("Error creating PTP/IP client - {e}");
        EXIT_CLIENT
    })?;
    // Server mode always tells where it connects, as the Go tool did; elsewhere it is `-v`.
    let say = |msg: String| {
        if matches!(mode, Mode::Server) {
            eprintln!("{msg}");
        } else {
            log::info!("{msg}");
        }
    };
    say(format!(
        "Created new client with name '{}' and GUID '{}'.",
        config.initiator.friendly_name, config.initiator.guid
    ));
    say(format!(
        "Attempting to connect to {}:{}",
        s.host, s.ports.command
    ));
    // Ctrl-C cancels the connect (its retries and the pairing wait) while it runs.
    let cancel = config.cancel.clone();
    let on_interrupt = interrupt.map(|flag| flag.on_stop(move || cancel.cancel()));
    let result = Client::connect(s.transport, config);
    drop(on_interrupt);
    match result {
        Ok(c) => {
            let vendor = match s.dialect {
                Dialect::Generic => "generic",
                Dialect::Fuji => "fuji",
            };
            log::info!("Connected ({vendor}).");
            if let Some(why) = c.initiator().remote_mode_unavailable() {
                eprintln!(
                    "warning: {why}; browsing and downloads work, capture and live view do not"
                );
            }
            Ok(c)
        }
        Err(e) => {
            eprintln!(
                "Error connecting to responder - {}:{}: {e}",
                s.host, s.ports.command
            );
            if let Some(hint) = advice::connect_hint(&e, s) {
                eprintln!("hint: {hint}");
            }
            Err(EXIT_CONNECT)
        }
    }
}

/// Runs one command and closes the session. A closed output pipe ends it quietly.
fn run_one(mut exec: Executor, cmd: &Command, label: &str) -> i32 {
    log::info!("Running {label}.");
    let mut out = stdout::Stdout::new();
    let result = exec.execute(cmd, &mut out);
    let _ = out.flush();
    let _ = exec.close();
    if let Some(code) = signals::exit_code() {
        // Stopped by Ctrl-C or SIGTERM: 130 or 143, whatever the command made of it.
        eprintln!("{label}: interrupted ({})", signals::name());
        return code;
    }
    match result {
        _ if out.is_broken() => stdout::EXIT_BROKEN_PIPE,
        Ok(()) => 0,
        Err(e) => report(label, &e),
    }
}

/// `ptpip camera`.
fn run_camera(cli: &Cli, a: &CameraArgs) -> i32 {
    let vendor = a.vendor.or(cli.vendor).unwrap_or_default();
    let port = a.port.unwrap_or(match vendor {
        Dialect::Generic => 15740,
        Dialect::Fuji => ptpip_protocol::fuji::COMMAND_PORT,
    });
    let opts = camera::CameraOptions {
        address: a.address.clone(),
        port,
        event_port: a.event_port,
        vendor,
        dir: a.dir.clone(),
        writable: a.writable,
        name: a.name.clone(),
        think: a.think.unwrap_or_default(),
        object_prop_list: a.prop_list,
        mode: a.mode.unwrap_or_default(),
    };
    match camera::run(opts, &a.announce) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("camera error: {e}");
            EXIT_FAILED
        }
    }
}

/// How server mode connects again once the camera went away: the same settings and the same
/// GUID (a camera that paired with it knows it), cancelled by the token when the server stops.
fn reconnector(s: &Settings, guid: Guid) -> relay::Connect {
    let s = s.clone();
    Arc::new(move |cancel| {
        let mut config = client_config(&s, true)?;
        config.initiator.guid = guid;
        config.cancel = cancel.clone();
        let client = Client::connect(s.transport, config).map_err(|e| e.to_string())?;
        let host = s.host.clone();
        Ok(Executor::new(client, s.dialect, host, s.ports.stream, true))
    })
}
