//! `ptpip discover`, connecting by discovery (`-h auto`), and `ptpip listen` (the flows in which
//! the camera makes the first move).
//!
//! The messages are parsed and built by `ptpip-discovery`; this module owns the sockets. Every
//! group address, broadcast target and port is a flag, so the tests point all of it at
//! 127.0.0.1.

pub(crate) use crate::discovery_options::{DiscoverArgs, DiscoveryFlags};

pub(crate) mod listen;
pub(crate) mod net;
mod search;
mod upnp;

use std::io::{self, BufRead, IsTerminal, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use ptpip_discovery::camera::Found;
use ptpip_discovery::{fuji, mdns, ssdp};
use ptpip_protocol::Dialect;
use ptpip_protocol::calls::Ports;
use serde::Serialize;

use crate::args::Cli;
use crate::config::{Settings, Sourced};

/// How long discovery listens by default.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// Exit code: nothing found (or the camera named is not among those found).
const EXIT_NOT_FOUND: i32 = 105;
/// Exit code: a bad flag.
const EXIT_USAGE: i32 = 2;

/// The addresses of a repeatable flag: `default` when not given, none for `off`.
fn addrs(given: &[String], default: SocketAddr, flag: &str) -> Result<Vec<SocketAddr>, String> {
    if given.is_empty() {
        return Ok(vec![default]);
    }
    if given.iter().any(|g| g.eq_ignore_ascii_case("off")) {
        return Ok(Vec::new());
    }
    given
        .iter()
        .map(|g| net::socket_addr(g, default.port()).map_err(|e| format!("--{flag}: {e}")))
        .collect()
}

/// The searches the flags ask for.
fn targets(f: &DiscoveryFlags, timeout: Option<f64>) -> Result<search::Targets, String> {
    let fuji = addrs(
        &f.fuji,
        SocketAddr::from(([255, 255, 255, 255], fuji::PCSS_PORT)),
        "fuji-broadcast",
    )?;
    let fuji_listen = match f.fuji_listen.as_deref() {
        Some(o) if o.eq_ignore_ascii_case("off") => None,
        _ if fuji.is_empty() => None,
        Some(a) => Some(
            net::socket_addr(a, fuji::TETHER_PORT).map_err(|e| format!("--fuji-listen: {e}"))?,
        ),
        None => Some(SocketAddr::from(([0, 0, 0, 0], fuji::TETHER_PORT))),
    };
    let gateway = match f.gateway.as_deref().map(str::trim) {
        None | Some("auto") => search::default_gateway(),
        Some("off") => None,
        Some(a) => Some(
            net::socket_addr(a, 0)
                .map_err(|e| format!("--gateway: {e}"))?
                .ip(),
        ),
    };
    let ssdp = addrs(&f.ssdp, ssdp::MULTICAST_V4, "ssdp")?;
    let ssdp_listen = match f.ssdp_listen.as_deref().map(str::trim) {
        Some(o) if o.eq_ignore_ascii_case("off") => None,
        Some(a) => {
            Some(net::socket_addr(a, ssdp::PORT).map_err(|e| format!("--ssdp-listen: {e}"))?)
        }
        None if ssdp.iter().any(|a| a.ip().is_multicast()) => {
            Some(SocketAddr::from(([0, 0, 0, 0], ssdp::PORT)))
        }
        None => None,
    };
    Ok(search::Targets {
        ssdp,
        ssdp_listen,
        mdns: addrs(&f.mdns, mdns::MULTICAST_V4, "mdns")?,
        fuji,
        fuji_listen,
        gateway,
        timeout: timeout
            .or(f.timeout)
            .map_or(DEFAULT_TIMEOUT, Duration::from_secs_f64),
    })
}

/// The `ptpip` options that connect to `f`.
pub(crate) fn connect_args(f: &Found) -> Vec<String> {
    let mut a = vec!["-h".to_owned(), f.host.to_string()];
    let p = f.ports;
    let s = |n: u16| n.to_string();
    match f.dialect {
        Dialect::Generic => {
            if p.command == p.event {
                if p.command != Ports::STANDARD.command {
                    a.extend(["-p".into(), s(p.command)]);
                }
            } else {
                a.extend(["-pc".into(), s(p.command), "-pe".into(), s(p.event)]);
            }
            if p.stream != Ports::STANDARD.stream {
                a.extend(["-ps".into(), s(p.stream)]);
            }
        }
        Dialect::Fuji => {
            a.extend(["-t".into(), "fuji".into()]);
            let next = |n: u16| p.command.checked_add(n);
            if p == Ports::FUJI {
            } else if Some(p.event) == next(1) && Some(p.stream) == next(2) {
                a.extend(["-p".into(), s(p.command)]);
            } else {
                a.extend([
                    "-pc".into(),
                    s(p.command),
                    "-pe".into(),
                    s(p.event),
                    "-ps".into(),
                    s(p.stream),
                ]);
            }
        }
    }
    if let Some(g) = f.guid {
        a.extend(["-g".into(), g.to_string()]);
    }
    a
}

/// The command line that connects to `f` and shows what it is.
pub(crate) fn connect_command(f: &Found) -> String {
    format!("ptpip {} info", connect_args(f).join(" "))
}

/// A camera in `--json` output.
#[derive(Serialize)]
struct JsonCamera<'a> {
    name: Option<&'a str>,
    vendor: Option<&'a str>,
    model: Option<&'a str>,
    dialect: &'static str,
    host: String,
    command_port: u16,
    event_port: u16,
    stream_port: u16,
    found_by: Vec<&'static str>,
    id: Option<&'a str>,
    guid: Option<String>,
    command: String,
}

const fn dialect_name(d: Dialect) -> &'static str {
    match d {
        Dialect::Generic => "generic",
        Dialect::Fuji => "fuji",
    }
}

/// One line about `f` (without the command).
fn describe(f: &Found) -> String {
    let what = [f.vendor.as_deref(), f.model.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let title = f
        .name
        .as_deref()
        .unwrap_or(if what.is_empty() { "camera" } else { &what });
    let p = f.ports;
    let ports = match f.dialect {
        Dialect::Generic if p.command == p.event => format!("port {}", p.command),
        _ => format!("ports {}/{}/{}", p.command, p.event, p.stream),
    };
    let via: Vec<&str> = f.via.iter().map(|v| v.name()).collect();
    let what = if what.is_empty() || what == title {
        String::new()
    } else {
        format!(" — {what}")
    };
    format!(
        "{title}{what} at {} ({}, {ports}), found by {}",
        f.host,
        dialect_name(f.dialect),
        via.join(", ")
    )
}

/// Prints the cameras.
fn print(found: &[Found], json: bool, out: &mut dyn Write) -> io::Result<()> {
    if json {
        let list: Vec<JsonCamera<'_>> = found
            .iter()
            .map(|f| JsonCamera {
                name: f.name.as_deref(),
                vendor: f.vendor.as_deref(),
                model: f.model.as_deref(),
                dialect: dialect_name(f.dialect),
                host: f.host.to_string(),
                command_port: f.ports.command,
                event_port: f.ports.event,
                stream_port: f.ports.stream,
                found_by: f.via.iter().map(|v| v.name()).collect(),
                id: f.id.as_deref(),
                guid: f.guid.map(|g| g.to_string()),
                command: connect_command(f),
            })
            .collect();
        let text = serde_json::to_string_pretty(&list).map_err(io::Error::other)?;
        return writeln!(out, "{text}");
    }
    for f in found {
        writeln!(out, "{}", describe(f))?;
        writeln!(out, "  {}", connect_command(f))?;
    }
    Ok(())
}

/// `ptpip discover`.
pub(crate) fn run(cli: &Cli, s: &Settings, a: &DiscoverArgs) -> i32 {
    let t = match targets(&a.flags.or_file(&s.discovery), a.timeout) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("discover error: {e}");
            return EXIT_USAGE;
        }
    };
    let found = search::discover(&t);
    let mut out = io::stdout();
    if let Err(e) = print(&found, a.json || cli.json, &mut out).and_then(|()| out.flush()) {
        eprintln!("discover error: {e}");
        return 1;
    }
    if found.is_empty() {
        eprintln!("No camera found within {:?}.", t.timeout);
        return EXIT_NOT_FOUND;
    }
    0
}

/// Whether `host` is an address or a name the resolver knows.
fn resolvable(host: &str) -> bool {
    let h = net::unbracket(host);
    h.parse::<std::net::IpAddr>().is_ok()
        || (h, 0)
            .to_socket_addrs()
            .is_ok_and(|mut a| a.next().is_some())
}

/// Whether `f` goes by `name` (its name, model or identity, case-insensitive).
fn named(f: &Found, name: &str) -> bool {
    [f.name.as_deref(), f.model.as_deref(), f.id.as_deref()]
        .into_iter()
        .flatten()
        .any(|n| n.eq_ignore_ascii_case(name))
}

/// `-h auto`, or a host that is no address but the name of a camera on the network: discovery
/// picks the host, dialect and ports (a `-t` or port given on the command line is kept). Several
/// cameras: the user picks one when stdin is a terminal. Other hosts are left alone.
pub(crate) fn resolve_host(mut s: Settings, cli: &Cli) -> Result<Settings, i32> {
    let wanted = s.host.trim().to_owned();
    let auto = wanted.eq_ignore_ascii_case("auto");
    if !auto && resolvable(&wanted) {
        // `[::1]` as URLs write it: every later use wants the bare address.
        s.host = net::unbracket(&wanted).to_owned();
        return Ok(s);
    }
    let t = targets(&s.discovery, None).map_err(|e| {
        eprintln!("Error in discovery options - {e}");
        EXIT_USAGE
    })?;
    if auto {
        log::info!("Looking for cameras for {:?}...", t.timeout);
    } else {
        eprintln!(
            "'{wanted}' is not an address or a known host name: looking for a camera of that name \
             for {:?}...",
            t.timeout
        );
    }
    let found: Vec<Found> = search::discover(&t)
        .into_iter()
        .filter(|f| auto || named(f, &wanted))
        .collect();
    let pick = match found.len() {
        0 if auto => {
            eprintln!(
                "No camera found within {:?}: give its address with -h.",
                t.timeout
            );
            return Err(EXIT_NOT_FOUND);
        }
        0 => {
            eprintln!(
                "'{wanted}' is neither a host nor a camera found within {:?}.",
                t.timeout
            );
            return Err(EXIT_NOT_FOUND);
        }
        1 => &found[0],
        _ => choose(&found)?,
    };
    eprintln!("Using {}", describe(pick));
    s.host = pick.host.to_string();
    if cli.vendor.is_none() {
        s.dialect = pick.dialect;
    }
    if cli.port.is_none() && cli.cmd_port.is_none() && cli.event_port.is_none() {
        s.ports.command = pick.ports.command;
        s.ports.event = pick.ports.event;
    }
    if cli.stream_port.is_none() {
        s.ports.stream = pick.ports.stream;
    }
    if s.guid.is_none() {
        s.guid = pick.guid.map(|g| Sourced {
            value: g.to_string(),
            at: None,
        });
    }
    Ok(s)
}

/// Asks which camera to use (stdin a terminal), or explains how to pick one.
fn choose(found: &[Found]) -> Result<&Found, i32> {
    eprintln!("Found {} cameras:", found.len());
    for (i, f) in found.iter().enumerate() {
        eprintln!("  {}. {}", i + 1, describe(f));
        eprintln!("     {}", connect_command(f));
    }
    if !io::stdin().is_terminal() {
        eprintln!("Several cameras: give one with -h (its address or its name).");
        return Err(EXIT_USAGE);
    }
    loop {
        eprint!("Which one (1-{})? ", found.len());
        let _ = io::stderr().flush();
        let mut line = String::new();
        if io::stdin().lock().read_line(&mut line).unwrap_or(0) == 0 {
            return Err(EXIT_USAGE);
        }
        if let Some(f) = line
            .trim()
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| found.get(n))
        {
            return Ok(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use ptpip_discovery::camera::Source;

    use super::*;

    fn cam(dialect: Dialect, ports: Ports) -> Found {
        let mut f = Found::new(IpAddr::from([127, 0, 0, 1]), dialect, Source::Ssdp);
        f.ports = ports;
        f
    }

    #[test]
    fn commands_name_only_what_is_not_the_default() {
        assert_eq!(
            connect_command(&cam(Dialect::Generic, Ports::STANDARD)),
            "ptpip -h 127.0.0.1 info"
        );
        let p = |command, event, stream| Ports {
            command,
            event,
            stream,
        };
        assert_eq!(
            connect_args(&cam(Dialect::Generic, p(4000, 4000, 15742))).join(" "),
            "-h 127.0.0.1 -p 4000"
        );
        assert_eq!(
            connect_args(&cam(Dialect::Fuji, Ports::FUJI)).join(" "),
            "-h 127.0.0.1 -t fuji"
        );
        assert_eq!(
            connect_args(&cam(Dialect::Fuji, p(4000, 4001, 4002))).join(" "),
            "-h 127.0.0.1 -t fuji -p 4000"
        );
        assert_eq!(
            connect_args(&cam(Dialect::Fuji, p(4000, 5000, 6000))).join(" "),
            "-h 127.0.0.1 -t fuji -pc 4000 -pe 5000 -ps 6000"
        );
        let mut v6 = cam(Dialect::Generic, p(4000, 4001, 15742));
        v6.host = "::1".parse().unwrap();
        assert_eq!(connect_args(&v6).join(" "), "-h ::1 -pc 4000 -pe 4001");
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn off_and_defaults() {
        let f = DiscoveryFlags {
            ssdp: vec!["off".into()],
            mdns: vec!["127.0.0.1:9".into(), "[::1]".into()],
            fuji: vec!["off".into()],
            gateway: Some("off".into()),
            ..DiscoveryFlags::default()
        };
        let t = targets(&f, Some(0.5)).unwrap();
        assert!(t.ssdp.is_empty() && t.fuji.is_empty() && t.fuji_listen.is_none());
        assert_eq!(t.ssdp_listen, None);
        assert_eq!(
            t.mdns,
            [
                "127.0.0.1:9".parse().unwrap(),
                "[::1]:5353".parse().unwrap()
            ]
        );
        assert_eq!((t.gateway, t.timeout), (None, Duration::from_millis(500)));
        let t = targets(
            &DiscoveryFlags {
                gateway: Some("off".into()),
                ..DiscoveryFlags::default()
            },
            None,
        )
        .unwrap();
        assert_eq!(t.ssdp, [ssdp::MULTICAST_V4]);
        assert_eq!(t.ssdp_listen, Some("0.0.0.0:1900".parse().unwrap()));
        assert_eq!(t.timeout, DEFAULT_TIMEOUT);
        let bad = DiscoveryFlags {
            ssdp: vec!["127.0.0.1:x".into()],
            ..DiscoveryFlags::default()
        };
        assert!(targets(&bad, None).unwrap_err().starts_with("--ssdp"));
    }
}
