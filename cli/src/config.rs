//! The INI configuration file and the effective settings (file, then command line on top).
//!
//! ```ini
//! [initiator]
//! friendly_name = "ptpip"
//! guid = "cca455de-79ac-4b12-9731-91e433a899cf"
//! connect_timeout = 10     ; seconds, the init handshake included
//! response_timeout = 30    ; seconds the camera may stay silent during an operation
//! pairing_timeout = 30     ; Fujifilm: seconds to accept the connection on the camera
//! keep_alive = 10          ; seconds between checks of an idle camera, 0 for never
//! keep_alive_method = operation   ; operation (GetDeviceInfo) | probe
//! app_version = 0x000200FF ; Fujifilm: what remote mode writes to 0xDF24 (default: echo)
//! transport = std          ; the client commands' driver: std | mio (PTPIP_TRANSPORT, --transport)
//! [responder]
//! vendor = "fuji"          ; generic | fuji
//! mode = "remote"          ; Fujifilm: remote | browse | geotag
//! host = "192.168.0.1"
//! port = 15740             ; one port for everything, or:
//! cmd_data_port = 55740
//! event_port = 55741
//! stream_port = 55742
//! [server]
//! enabled = true
//! address = "127.0.0.1"
//! port = 15740
//! status_lines = false     ; OK / ERR <message> after every reply
//! ```
//!
//! `[discovery]` and `[listener]` hold the options of `discover` and `listen` (see
//! `discovery_options`).
//!
//! rust-ini does not report where a key is, so the lines are found by scanning the text.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ptpip_protocol::Dialect;
use ptpip_protocol::initiator::KeepAliveMethod;
use ptpip_transport_std::Ports;

use crate::args::Cli;
use ptpip_protocol::fuji::FujiMode;

use crate::client::Transport;
use crate::discovery_options::{self, DiscoveryFlags, ListenArgs};
use crate::values::{
    keep_alive_method_name, parse_app_version, parse_bool, parse_keep_alive_method, parse_mode,
    parse_port, parse_seconds, parse_transport, parse_vendor,
};

/// The known keys, by section.
const KNOWN: &[(&str, &[&str])] = &[
    (
        "initiator",
        &[
            "friendly_name",
            "guid",
            "connect_timeout",
            "response_timeout",
            "pairing_timeout",
            "keep_alive",
            "keep_alive_method",
            "app_version",
            "transport",
        ],
    ),
    (
        "responder",
        &[
            "vendor",
            "host",
            "port",
            "cmd_data_port",
            "event_port",
            "stream_port",
            "mode",
        ],
    ),
    ("server", &["enabled", "address", "port", "status_lines"]),
    ("discovery", discovery_options::DISCOVERY_KEYS),
    ("listener", discovery_options::LISTENER_KEYS),
];

/// Why the configuration file cannot be used.
#[derive(Debug)]
pub(crate) enum ConfigError {
    /// It cannot be read (exit code 102).
    Open(PathBuf, std::io::Error),
    /// It is not INI (exit code 1).
    Syntax(PathBuf, String),
    /// A value is wrong (exit code 1).
    Value {
        /// The file.
        path: PathBuf,
        /// Where the key is.
        line: usize,
        /// `[section] key`.
        key: String,
        /// What is wrong.
        reason: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Open(p, e) => write!(f, "Error opening config file - {}: {e}", p.display()),
            Self::Syntax(p, e) => write!(f, "{}: {e}", p.display()),
            Self::Value {
                path,
                line,
                key,
                reason,
            } => write!(f, "{}: line {line}: {key}: {reason}", path.display()),
        }
    }
}

/// A value and the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sourced<T> {
    /// The value.
    pub(crate) value: T,
    /// The file and line, or `None` from the command line.
    pub(crate) at: Option<(PathBuf, usize)>,
}

impl<T> Sourced<T> {
    /// `key: ` for messages, with the file and line when it came from the file.
    pub(crate) fn origin(&self, key: &str) -> String {
        match &self.at {
            Some((p, line)) => format!("{}: line {line}: {key}", p.display()),
            None => key.to_owned(),
        }
    }
}

/// What the file says, checked.
#[derive(Debug, Default)]
pub(crate) struct FileConfig {
    pub(crate) friendly_name: Option<Sourced<String>>,
    pub(crate) guid: Option<Sourced<String>>,
    pub(crate) vendor: Option<Dialect>,
    pub(crate) host: Option<String>,
    pub(crate) port: Option<u16>,
    pub(crate) cmd_data_port: Option<u16>,
    pub(crate) event_port: Option<u16>,
    pub(crate) stream_port: Option<u16>,
    pub(crate) server_enabled: Option<bool>,
    pub(crate) server_address: Option<IpAddr>,
    pub(crate) server_port: Option<u16>,
    pub(crate) server_status_lines: Option<bool>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) response_timeout: Option<Duration>,
    pub(crate) pairing_timeout: Option<Duration>,
    /// `Some(None)`: keep-alive off (`0`).
    pub(crate) keep_alive: Option<Option<Duration>>,
    pub(crate) keep_alive_method: Option<KeepAliveMethod>,
    /// Fujifilm: `[responder] mode`.
    pub(crate) mode: Option<FujiMode>,
    /// Fujifilm: `[initiator] app_version`.
    pub(crate) app_version: Option<u32>,
    /// `[initiator] transport`.
    pub(crate) transport: Option<Transport>,
    /// `[discovery]`: where discovery looks.
    pub(crate) discovery: DiscoveryFlags,
    /// `[listener]`: `ptpip listen`'s settings.
    pub(crate) listener: ListenArgs,
    /// Unknown sections and keys, as messages.
    pub(crate) warnings: Vec<String>,
}

/// `(section, key)` → the 1-based line where it first appears.
type KeyLines = HashMap<(String, String), usize>;

/// Where each `[section] key` first appears, and every key with its line in file order.
fn key_lines(text: &str) -> (KeyLines, Vec<(String, String, usize)>) {
    let mut first = HashMap::new();
    let mut all = Vec::new();
    let mut section = String::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            section = rest.split(']').next().unwrap_or("").trim().to_owned();
            continue;
        }
        let key = line
            .split(['=', ':'])
            .next()
            .unwrap_or("")
            .trim()
            .to_owned();
        first.entry((section.clone(), key.clone())).or_insert(n + 1);
        all.push((section.clone(), key, n + 1));
    }
    (first, all)
}

/// The file being checked: its name and where its keys are.
struct Ctx<'a> {
    path: &'a Path,
    lines: &'a KeyLines,
}

impl Ctx<'_> {
    /// The line of `[section] key` (0 if not found).
    fn line(&self, section: &str, key: &str) -> usize {
        self.lines
            .get(&(section.to_owned(), key.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// `r`, or its error as a [`ConfigError::Value`] naming the key and its line.
    fn check<T>(&self, section: &str, key: &str, r: Result<T, String>) -> Result<T, ConfigError> {
        r.map_err(|reason| ConfigError::Value {
            path: self.path.to_owned(),
            line: self.line(section, key),
            key: format!("[{section}] {key}"),
            reason,
        })
    }
}

impl FileConfig {
    /// Reads and checks `path`.
    pub(crate) fn load(path: &Path) -> Result<Self, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| ConfigError::Open(path.to_owned(), e))?;
        Self::parse(path, &text)
    }

    /// Checks the text of a file named `path`.
    pub(crate) fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let ini = ini::Ini::load_from_str_noescape(text).map_err(|e| {
            ConfigError::Syntax(path.to_owned(), format!("line {}: {}", e.line, e.msg))
        })?;
        let (lines, all) = key_lines(text);
        let mut c = Self::default();
        for (section, key, line) in &all {
            match KNOWN.iter().find(|(s, _)| s == section) {
                None => c.warnings.push(format!(
                    "{}: line {line}: unknown section [{section}] (ignored)",
                    path.display()
                )),
                Some((_, keys)) if !keys.contains(&key.as_str()) => c.warnings.push(format!(
                    "{}: line {line}: unknown key '{key}' in [{section}] (ignored)",
                    path.display()
                )),
                Some(_) => {}
            }
        }
        let ctx = Ctx {
            path,
            lines: &lines,
        };
        let at = |section: &str, key: &str| (path.to_owned(), ctx.line(section, key));
        let get = |section: &str, key: &str| -> Option<Sourced<String>> {
            ini.get_from(Some(section), key).map(|v| Sourced {
                value: v.trim().to_owned(),
                at: Some(at(section, key)),
            })
        };
        let check = |section: &str, key: &str, r| ctx.check(section, key, r);
        let port = |key: &str, section: &str| -> Result<Option<u16>, ConfigError> {
            get(section, key)
                .map(|v| check(section, key, parse_port(&v.value)))
                .transpose()
        };
        c.friendly_name = get("initiator", "friendly_name");
        c.guid = get("initiator", "guid");
        c.vendor = get("responder", "vendor")
            .map(|v| ctx.check("responder", "vendor", parse_vendor(&v.value)))
            .transpose()?;
        c.host = get("responder", "host")
            .map(|v| v.value)
            .filter(|h| !h.is_empty());
        c.port = port("port", "responder")?;
        c.cmd_data_port = port("cmd_data_port", "responder")?;
        c.event_port = port("event_port", "responder")?;
        c.stream_port = port("stream_port", "responder")?;
        if c.port.is_some() && (c.cmd_data_port.is_some() || c.event_port.is_some()) {
            let other = if c.cmd_data_port.is_some() {
                "cmd_data_port"
            } else {
                "event_port"
            };
            return ctx.check(
                "responder",
                "port",
                Err(format!(
                    "ambiguous port specification: use a single port OR define multiple ports \
                     ({other} is set on line {})",
                    ctx.line("responder", other)
                )),
            );
        }
        c.server_enabled = get("server", "enabled")
            .map(|v| ctx.check("server", "enabled", parse_bool(&v.value)))
            .transpose()?;
        c.server_address = get("server", "address")
            .map(|v| {
                ctx.check(
                    "server",
                    "address",
                    v.value
                        .parse::<IpAddr>()
                        .map_err(|_| format!("Invalid IP address '{}'", v.value)),
                )
            })
            .transpose()?;
        c.server_port = port("port", "server")?;
        c.server_status_lines = get("server", "status_lines")
            .map(|v| ctx.check("server", "status_lines", parse_bool(&v.value)))
            .transpose()?;
        let secs = |key: &str, zero_ok: bool| -> Result<Option<Duration>, ConfigError> {
            get("initiator", key)
                .map(|v| ctx.check("initiator", key, parse_seconds(&v.value, zero_ok)))
                .transpose()
        };
        c.connect_timeout = secs("connect_timeout", false)?;
        c.response_timeout = secs("response_timeout", false)?;
        c.pairing_timeout = secs("pairing_timeout", false)?;
        c.keep_alive = secs("keep_alive", true)?.map(|d| (!d.is_zero()).then_some(d));
        c.keep_alive_method = get("initiator", "keep_alive_method")
            .map(|v| {
                let m = parse_keep_alive_method(&v.value);
                ctx.check("initiator", "keep_alive_method", m)
            })
            .transpose()?;
        c.mode = get("responder", "mode")
            .map(|v| ctx.check("responder", "mode", parse_mode(&v.value)))
            .transpose()?;
        c.app_version = get("initiator", "app_version")
            .map(|v| ctx.check("initiator", "app_version", parse_app_version(&v.value)))
            .transpose()?;
        c.transport = get("initiator", "transport")
            .map(|v| ctx.check("initiator", "transport", parse_transport(&v.value)))
            .transpose()?;
        // [discovery] and [listener]: the options of the same names (`discovery_options`).
        match discovery_options::from_file(&|s, k| get(s, k).map(|v| v.value)) {
            Ok((d, l)) => (c.discovery, c.listener) = (d, l),
            Err((section, key, reason)) => return ctx.check(section, key, Err(reason)),
        }
        Ok(c)
    }
}

/// The default file: `$XDG_CONFIG_HOME/ptpip/config.ini` (or the platform's equivalent), if it
/// exists.
pub(crate) fn default_path() -> Option<PathBuf> {
    let p = dirs::config_dir()?.join("ptpip").join("config.ini");
    p.is_file().then_some(p)
}

/// Everything the run needs, command line over file over defaults.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) host: String,
    pub(crate) dialect: Dialect,
    pub(crate) ports: Ports,
    /// `None`: a random one.
    pub(crate) guid: Option<Sourced<String>>,
    pub(crate) name: Sourced<String>,
    pub(crate) server: bool,
    pub(crate) server_address: IpAddr,
    pub(crate) server_port: u16,
    /// Server replies end with `OK` / `ERR <message>` on every connection from the start.
    pub(crate) status_lines: bool,
    pub(crate) connect_timeout: Duration,
    pub(crate) response_timeout: Duration,
    pub(crate) pairing_timeout: Duration,
    /// As chosen: `None` when neither the command line nor the file says (the run picks by mode),
    /// `Some(None)` when keep-alive is off.
    pub(crate) keep_alive: Option<Option<Duration>>,
    pub(crate) keep_alive_method: KeepAliveMethod,
    /// Fujifilm: the mode asked for.
    pub(crate) mode: FujiMode,
    /// Fujifilm: the app version written in remote mode (`None`: the camera's, echoed).
    pub(crate) app_version: Option<u32>,
    /// The driver of the client commands: the command line (or `PTPIP_TRANSPORT`, which `main`
    /// puts there) over the file.
    pub(crate) transport: Transport,
    /// Where discovery looks (`-h auto`, `discover`): the command line over `[discovery]`.
    pub(crate) discovery: DiscoveryFlags,
    /// `[listener]` (`ptpip listen`'s own options go over it).
    pub(crate) listener: ListenArgs,
    /// The file read, if any.
    pub(crate) file: Option<PathBuf>,
}

/// The default responder host (the usual address of a camera's access point).
pub(crate) const DEFAULT_HOST: &str = "192.168.0.1";
/// The default friendly name.
pub(crate) const DEFAULT_NAME: &str = "ptpip";
/// How long connecting may take by default, the init handshake included.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the camera may stay silent during an operation by default.
pub(crate) const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a Fujifilm user has to accept the connection by default.
pub(crate) const DEFAULT_PAIRING_TIMEOUT: Duration = Duration::from_secs(30);
/// The keep-alive interval of long-lived sessions (server mode, `-i`, `events`) unless told
/// otherwise: some cameras drop a session after about 10 s without traffic.
pub(crate) const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(10);

impl Settings {
    /// Merges the command line over the file. `other_mode` says whether the command line chose a
    /// mode (`-c`, `-i` or a command), which overrides `[server] enabled`.
    pub(crate) fn merge(cli: &Cli, file: Option<(PathBuf, FileConfig)>, other_mode: bool) -> Self {
        let (path, f) = match file {
            Some((p, f)) => (Some(p), f),
            None => (None, FileConfig::default()),
        };
        let dialect = cli.vendor.or(f.vendor).unwrap_or_default();
        // The command line's port specification replaces the file's as a whole.
        let (port, cmd, event) =
            if cli.port.is_some() || cli.cmd_port.is_some() || cli.event_port.is_some() {
                (cli.port, cli.cmd_port, cli.event_port)
            } else {
                (f.port, f.cmd_data_port, f.event_port)
            };
        let defaults = Ports::for_dialect(dialect);
        let command = cmd.or(port).unwrap_or(defaults.command);
        // One port rule: a generic camera takes both connections on one port; a Fujifilm body
        // (and `ptpip camera --vendor fuji --port N`) listens on N, N+1 for events and N+2 for
        // live view.
        let next = |n: u16| {
            (dialect == Dialect::Fuji)
                .then(|| command.checked_add(n))
                .flatten()
        };
        let event = event.or(match dialect {
            Dialect::Generic => port.or(cmd),
            Dialect::Fuji => port.and_then(|_| next(1)),
        });
        let event = event.unwrap_or(defaults.event);
        let stream = cli
            .stream_port
            .or(f.stream_port)
            .or(port.and_then(|_| next(2)))
            .unwrap_or(defaults.stream);
        let cli_sourced = |v: &Option<String>| v.clone().map(|value| Sourced { value, at: None });
        Self {
            host: cli
                .host
                .clone()
                .or(f.host)
                .unwrap_or_else(|| DEFAULT_HOST.to_owned()),
            dialect,
            ports: Ports {
                command,
                event,
                stream,
            },
            guid: cli_sourced(&cli.guid).or(f.guid),
            name: cli_sourced(&cli.name)
                .or(f.friendly_name)
                .unwrap_or_else(|| Sourced {
                    value: DEFAULT_NAME.to_owned(),
                    at: None,
                }),
            server: cli.server || (!other_mode && f.server_enabled == Some(true)),
            server_address: cli
                .server_address
                .or(f.server_address)
                .unwrap_or(IpAddr::from([127, 0, 0, 1])),
            server_port: cli.server_port.or(f.server_port).unwrap_or(15740),
            status_lines: cli.status_lines || f.server_status_lines == Some(true),
            connect_timeout: cli
                .connect_timeout
                .map(Duration::from_secs_f64)
                .or(f.connect_timeout)
                .unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            response_timeout: cli
                .response_timeout
                .map(Duration::from_secs_f64)
                .or(f.response_timeout)
                .unwrap_or(DEFAULT_RESPONSE_TIMEOUT),
            pairing_timeout: cli
                .pairing_timeout
                .map(Duration::from_secs_f64)
                .or(f.pairing_timeout)
                .unwrap_or(DEFAULT_PAIRING_TIMEOUT),
            keep_alive: cli
                .keep_alive
                .map(|s| (s > 0.0).then(|| Duration::from_secs_f64(s)))
                .or(f.keep_alive),
            keep_alive_method: cli
                .keep_alive_method
                .or(f.keep_alive_method)
                .unwrap_or(KeepAliveMethod::GetDeviceInfo),
            mode: cli.mode.or(f.mode).unwrap_or_default(),
            app_version: cli.app_version.or(f.app_version),
            transport: cli.transport.or(f.transport).unwrap_or_default(),
            discovery: cli.discovery.or_file(&f.discovery),
            listener: f.listener,
            file: path,
        }
    }

    /// The settings as `--dry-run` prints them.
    pub(crate) fn describe(&self) -> String {
        let vendor = match self.dialect {
            Dialect::Generic => "generic",
            Dialect::Fuji => "fuji",
        };
        let file = self
            .file
            .as_ref()
            .map_or_else(|| "(none)".to_owned(), |p| p.display().to_string());
        format!(
            "config file:    {file}\n\
             vendor:         {vendor}\n\
             host:           {}\n\
             ports:          command {}, event {}, stream {}\n\
             friendly name:  {}\n\
             guid:           {}\n\
             server mode:    {} ({}:{}{})\n\
             timeouts:       connect {:?}, response {:?}, pairing {:?}\n\
             keep-alive:     {}\n\
             fujifilm mode:  {}, app version {}\n\
             transport:      {}\n",
            self.host,
            self.ports.command,
            self.ports.event,
            self.ports.stream,
            self.name.value,
            self.guid.as_ref().map_or("(random)", |g| g.value.as_str()),
            if self.server { "on" } else { "off" },
            self.server_address,
            self.server_port,
            if self.status_lines {
                ", status lines"
            } else {
                ""
            },
            self.connect_timeout,
            self.response_timeout,
            self.pairing_timeout,
            match self.keep_alive {
                None => format!(
                    "{:?} for long-lived sessions, {}",
                    DEFAULT_KEEP_ALIVE,
                    keep_alive_method_name(self.keep_alive_method)
                ),
                Some(None) => "off".to_owned(),
                Some(Some(d)) =>
                    format!("{d:?}, {}", keep_alive_method_name(self.keep_alive_method)),
            },
            self.mode,
            self.app_version
                .map_or_else(|| "(the camera's)".to_owned(), |v| format!("{v:#010x}")),
            self.transport.name(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in the seed README, verbatim.
    const SEED: &str = include_str!("../tests/fixtures/seed-config.ini");

    #[test]
    fn the_seed_example_parses() {
        let c = FileConfig::parse(Path::new("seed.ini"), SEED).unwrap();
        assert_eq!(
            c.friendly_name.as_ref().unwrap().value,
            "Golang PTP/IP client"
        );
        assert_eq!(c.friendly_name.unwrap().at.unwrap().1, 3);
        assert_eq!(
            c.guid.unwrap().value,
            "cca455de-79ac-4b12-9731-91e433a899cf"
        );
        assert_eq!(c.vendor, Some(Dialect::Fuji));
        assert_eq!(c.host.as_deref(), Some("192.168.0.1"));
        assert_eq!(c.port, Some(15740));
        assert_eq!(c.server_enabled, Some(true));
        assert_eq!(c.server_address, Some(IpAddr::from([127, 0, 0, 1])));
        assert_eq!(c.server_port, Some(15740));
        assert_eq!(c.server_status_lines, None);
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        let c = FileConfig::parse(Path::new("s.ini"), "[server]\nstatus_lines = on\n").unwrap();
        assert_eq!(c.server_status_lines, Some(true));
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    }

    fn bad(text: &str) -> String {
        match FileConfig::parse(Path::new("t.ini"), text) {
            Err(e) => e.to_string(),
            Ok(c) => panic!("accepted: {c:?}"),
        }
    }

    #[test]
    fn bad_values_name_key_and_line() {
        assert_eq!(
            bad("[responder]\nhost = x\n\nport = 0\n"),
            "t.ini: line 4: [responder] port: value out of range: 0 (a port is 1–65535)"
        );
        assert_eq!(
            bad("[server]\nport = 1\n[responder]\n; c\nport = 70000\n"),
            "t.ini: line 5: [responder] port: value out of range: 70000 (a port is 1–65535)"
        );
        assert_eq!(
            bad("[responder]\nvendor = canon\n"),
            "t.ini: line 2: [responder] vendor: unknown vendor 'canon' (generic or fuji)"
        );
        assert_eq!(
            bad("[server]\nenabled = maybe\n"),
            "t.ini: line 2: [server] enabled: 'maybe' is not a boolean (true or false)"
        );
        assert_eq!(
            bad("[server]\naddress = localhost\n"),
            "t.ini: line 2: [server] address: Invalid IP address 'localhost'"
        );
        let e = bad("[responder]\nport = 1\nevent_port = 2\n");
        assert!(
            e.starts_with("t.ini: line 2: [responder] port: ambiguous"),
            "{e}"
        );
        assert!(e.contains("event_port is set on line 3"), "{e}");
        assert!(bad("[responder\nport=1").contains("t.ini: line"));
    }

    #[test]
    fn unknown_keys_warn_with_their_line() {
        let c = FileConfig::parse(
            Path::new("t.ini"),
            "[responder]\ncomm_data_port = 5\n[extra]\nx = 1\n",
        )
        .unwrap();
        assert_eq!(
            c.warnings,
            [
                "t.ini: line 2: unknown key 'comm_data_port' in [responder] (ignored)",
                "t.ini: line 4: unknown section [extra] (ignored)"
            ]
        );
    }

    #[test]
    fn timeouts_and_keep_alive_from_the_file() {
        let c = FileConfig::parse(
            Path::new("t.ini"),
            "[initiator]\nconnect_timeout = 3\nresponse_timeout = 2.5\npairing_timeout = 60\n\
             keep_alive = 0\nkeep_alive_method = probe\n",
        )
        .unwrap();
        assert_eq!(c.connect_timeout, Some(Duration::from_secs(3)));
        assert_eq!(c.response_timeout, Some(Duration::from_millis(2500)));
        assert_eq!(c.pairing_timeout, Some(Duration::from_secs(60)));
        assert_eq!(c.keep_alive, Some(None));
        assert_eq!(c.keep_alive_method, Some(KeepAliveMethod::Probe));
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(
            bad("[initiator]\nresponse_timeout = 0\n"),
            "t.ini: line 2: [initiator] response_timeout: '0' is not a number of seconds"
        );
        assert_eq!(
            bad("[initiator]\nkeep_alive_method = ping\n"),
            "t.ini: line 2: [initiator] keep_alive_method: unknown keep-alive method 'ping' \
             (operation or probe)"
        );
    }

    #[test]
    fn ports_parse_like_go() {
        assert_eq!(parse_port("0x3d7c"), Ok(15740));
        assert_eq!(parse_port("15740"), Ok(15740));
        assert!(parse_port("0").is_err());
        assert!(parse_port("65536").is_err());
        assert!(parse_port("abc").is_err());
    }
}
