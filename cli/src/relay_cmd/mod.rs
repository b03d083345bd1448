//! `ptpip relay`: the PTP/IP relay on the mio transport — options in, log lines and a capture
//! out. Everything else is the relay of `ptpip-transport-mio` and the relay core of
//! `ptpip-protocol`.

mod log;
mod pcap;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{ArgAction, Args};
use ptpip_protocol::Dialect;
use ptpip_protocol::calls::Ports;
use ptpip_protocol::relay::ShareConfig;
use ptpip_transport_mio::{RelayConfig, RelayEvent, RelayRunner};

use crate::values::parse_vendor;

/// `ptpip relay`: sniff, log, capture or share a camera.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct RelayArgs {
    /// Where initiators connect: ADDR:PORT (Fujifilm pass-through also listens on PORT+1 for the
    /// event connection; port 0 lets the OS pick) [default: 127.0.0.1:15740, Fujifilm
    /// pass-through 127.0.0.1:55740]
    #[arg(long, value_name = "ADDR:PORT")]
    pub(crate) listen: Option<SocketAddr>,
    /// The camera: HOST or HOST:PORT (Fujifilm: the command port; events on PORT+1)
    /// [default port: 15740, Fujifilm 55740]
    #[arg(long, value_name = "HOST[:PORT]")]
    pub(crate) to: String,
    /// The camera's dialect: generic or fuji [default: -t before the command, else generic]
    #[arg(short = 't', long = "vendor", value_parser = parse_vendor, value_name = "VENDOR")]
    pub(crate) vendor: Option<Dialect>,
    /// Write the log to FILE instead of stderr
    #[arg(long, value_name = "FILE")]
    pub(crate) log: Option<PathBuf>,
    /// Log JSON lines (one object per packet) instead of text
    #[arg(long)]
    pub(crate) json: bool,
    /// Capture the traffic to FILE (pcapng, for Wireshark and tshark)
    #[arg(long, value_name = "FILE")]
    pub(crate) pcap: Option<PathBuf>,
    /// Share one camera session among several initiators (each gets its own session; they
    /// speak standard PTP/IP on the listen port, also in front of a Fujifilm camera)
    #[arg(long)]
    pub(crate) share: bool,
    /// Print help (`-h` is taken by the host, as in the Go tool)
    #[arg(short = '?', long = "help", action = ArgAction::Help)]
    help: Option<bool>,
}

/// `HOST[:PORT]`, `[V6]:PORT` or a bare IPv6 address.
fn split_host_port(to: &str) -> Result<(String, Option<u16>), String> {
    let bad = || format!("--to {to}: expected HOST or HOST:PORT");
    let port = |p: &str| crate::values::parse_port(p).map_err(|e| format!("--to {to}: {e}"));
    if let Some(rest) = to.strip_prefix('[') {
        let (host, tail) = rest.split_once(']').ok_or_else(bad)?;
        return match tail.strip_prefix(':') {
            Some(p) => Ok((host.to_owned(), Some(port(p)?))),
            None if tail.is_empty() => Ok((host.to_owned(), None)),
            None => Err(bad()),
        };
    }
    match to.rsplit_once(':') {
        Some((host, p)) if !host.contains(':') && !host.is_empty() => {
            Ok((host.to_owned(), Some(port(p)?)))
        }
        _ if to.is_empty() => Err(bad()),
        _ => Ok((to.to_owned(), None)),
    }
}

/// The relay's configuration from the options.
fn config(a: &RelayArgs, vendor: Option<Dialect>) -> Result<RelayConfig, String> {
    let dialect = a.vendor.or(vendor).unwrap_or_default();
    let (host, port) = split_host_port(&a.to)?;
    let listen = a.listen.unwrap_or_else(|| {
        let port = match dialect {
            Dialect::Fuji if !a.share => ptpip_protocol::fuji::COMMAND_PORT,
            _ => 15740,
        };
        SocketAddr::from(([127, 0, 0, 1], port))
    });
    let mut c = RelayConfig::new(listen, host, dialect);
    if let Some(p) = port {
        c.camera_ports = match dialect {
            Dialect::Generic => Ports {
                command: p,
                event: p,
                stream: 0,
            },
            Dialect::Fuji => Ports {
                command: p,
                event: p
                    .checked_add(1)
                    .ok_or("--to: no port after 65535 for events")?,
                stream: 0,
            },
        };
    }
    c.observer.capture = a.pcap.is_some();
    if a.share {
        c.share = Some(ShareConfig::new(dialect));
    }
    Ok(c)
}

/// Where the log lines go and how they look.
struct Output {
    log: Box<dyn Write>,
    json: bool,
    capture: Option<pcap::Capture>,
    clock: log::Clock,
    /// The first write error, reported once at the end.
    error: Option<io::Error>,
}

impl Output {
    fn handle(&mut self, event: RelayEvent) {
        let result = match event {
            RelayEvent::Record(r) => {
                let line = if self.json {
                    log::json(&self.clock, &r)
                } else {
                    log::text(&self.clock, &r)
                };
                writeln!(self.log, "{line}").and_then(|()| self.log.flush())
            }
            RelayEvent::Opened {
                connection,
                initiator,
                responder,
            } => match self.capture.as_mut() {
                Some(c) => c.open(
                    connection,
                    initiator,
                    responder,
                    std::time::SystemTime::now(),
                ),
                None => Ok(()),
            },
            RelayEvent::Segment {
                connection,
                direction,
                segment,
            } => match self.capture.as_mut() {
                Some(c) => c.segment(
                    connection,
                    direction,
                    &segment.bytes,
                    self.clock.wall(segment.at),
                ),
                None => Ok(()),
            },
            RelayEvent::Closed { connection, .. } => match self.capture.as_mut() {
                Some(c) => c.close(connection, std::time::SystemTime::now()),
                None => Ok(()),
            },
            _ => Ok(()),
        };
        if let Err(e) = result
            && self.error.is_none()
        {
            self.error = Some(e);
        }
    }
}

/// Runs `ptpip relay` until Ctrl-C; the exit code (2 for options that make no sense).
pub(crate) fn run(a: &RelayArgs, vendor: Option<Dialect>) -> i32 {
    let config = match config(a, vendor) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("relay error: {e}");
            return 2;
        }
    };
    match serve(a, config) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("relay error: {e}");
            1
        }
    }
}

fn serve(a: &RelayArgs, config: RelayConfig) -> Result<(), String> {
    let target = format!(
        "{}:{} ({}{})",
        config.camera,
        config.camera_ports.command,
        match config.dialect {
            Dialect::Generic => "generic",
            Dialect::Fuji => "fuji",
        },
        if config.share.is_some() {
            ", shared"
        } else {
            ""
        }
    );
    let log: Box<dyn Write> = match &a.log {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).map_err(|e| format!("{}: {e}", p.display()))?,
        )),
        None => Box::new(io::stderr()),
    };
    let capture = match &a.pcap {
        Some(p) => Some(pcap::Capture::create(p).map_err(|e| format!("{}: {e}", p.display()))?),
        None => None,
    };
    let runner = RelayRunner::bind(config)
        .map_err(|e| format!("cannot listen on the relay's address: {e}"))?;
    let stopper = runner.stopper();
    ctrlc::set_handler(move || {
        if stopper.is_stopped() {
            eprintln!("Interrupted again, exiting now.");
            std::process::exit(130);
        }
        stopper.stop();
    })
    .map_err(|e| format!("cannot install the Ctrl-C handler: {e}"))?;
    let addrs: Vec<String> = runner
        .local_addrs()
        .iter()
        .map(ToString::to_string)
        .collect();
    // Scripts and tests read the ports from this line: it must go out now.
    let mut stdout = io::stdout();
    let _ = writeln!(
        stdout,
        "ptpip relay: listening on {}, relaying to {target}",
        addrs.join(" and ")
    )
    .and_then(|()| stdout.flush());
    eprintln!("ptpip relay: CTRL+C to quit");
    let mut out = Output {
        log,
        json: a.json,
        capture,
        clock: log::Clock::start(),
        error: None,
    };
    runner
        .run(|e| out.handle(e))
        .map_err(|e| format!("the relay failed: {e}"))?;
    let _ = out.log.flush();
    if let Some(c) = out.capture.as_mut()
        && let Err(e) = c.flush()
    {
        out.error.get_or_insert(e);
    }
    eprintln!("ptpip relay: stopped");
    match out.error {
        Some(e) => Err(format!("writing the log or the capture: {e}")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_takes_a_host_with_or_without_a_port() {
        assert_eq!(split_host_port("cam").unwrap(), ("cam".into(), None));
        assert_eq!(
            split_host_port("10.0.0.1:55740").unwrap(),
            ("10.0.0.1".into(), Some(55740))
        );
        assert_eq!(
            split_host_port("[::1]:99").unwrap(),
            ("::1".into(), Some(99))
        );
        assert_eq!(split_host_port("[::1]").unwrap(), ("::1".into(), None));
        assert_eq!(split_host_port("::1").unwrap(), ("::1".into(), None));
        assert!(split_host_port("cam:0").is_err());
        assert!(split_host_port("cam:x").is_err());
        assert!(split_host_port("").is_err());
    }

    #[test]
    fn fujifilm_ports_follow_the_command_port() {
        let a = RelayArgs {
            to: "cam:1000".into(),
            ..RelayArgs::default()
        };
        let c = config(&a, Some(Dialect::Fuji)).unwrap();
        assert_eq!((c.camera_ports.command, c.camera_ports.event), (1000, 1001));
        assert_eq!(c.listen.port(), 55740);
        let c = config(&a, None).unwrap();
        assert_eq!((c.camera_ports.command, c.camera_ports.event), (1000, 1000));
        assert_eq!(c.listen, "127.0.0.1:15740".parse().unwrap());
        assert!(c.share.is_none());
        // Sharing a Fujifilm camera: standard PTP/IP in front, on the standard port.
        let shared = RelayArgs { share: true, ..a };
        let c = config(&shared, Some(Dialect::Fuji)).unwrap();
        assert_eq!(c.listen.port(), 15740);
        assert_eq!(c.share.unwrap().camera.dialect, Dialect::Fuji);
    }
}
