//! `ptpip listen`: answers cameras that make the first move, then connects to them and downloads
//! what they offer.
//!
//! Fujifilm PC AutoSave (libfuji `docs/autosave.md`): the camera's UDP `DISCOVER` comes to the
//! connect port (51541) or the register port (51542); we send `NOTIFY` over TCP to the camera's
//! notify port (51540); the camera opens TCP to our port and sends `IMPORT` (connect) or
//! `REGISTER`; we answer `200 OK`. After an import we open PTP/IP to the camera and download
//! what is new into the folder, as `download all DIR --new` does (its naming rules and its
//! history).
//!
//! Canon PowerShot "connect to computer" (`--upnp`, [`upnp`]): we answer the camera's search as
//! a UPnP root device with a stable UUID, and once it has read our description we open PTP/IP to
//! it and download the same way.

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, UdpSocket};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::client::{Client, ClientConfig};
use ptpip_discovery::camera::ports_from;
use ptpip_discovery::fuji::{self, Message};
use ptpip_discovery::ssdp;
use ptpip_protocol::calls::Ports;
use ptpip_protocol::{Dialect, FriendlyName, Guid};

use super::{net, upnp};
use crate::commands::{self, Executor};
use crate::config::Settings;
pub(crate) use crate::discovery_options::ListenArgs;
use crate::signals::Stop;

/// How long a camera has to come back after our NOTIFY (libfuji's invite server waits 30 s).
const INVITE_WAIT: Duration = Duration::from_secs(30);
/// The wait between the camera's `IMPORT` and our PTP/IP connection (libfuji sleeps 1 s; the
/// camera needs a moment to open its PTP/IP port).
const CONNECT_DELAY: Duration = Duration::from_millis(500);

/// One PC AutoSave flow's sockets: the UDP port DISCOVER comes to and the TCP port the camera
/// comes back to.
struct Flow {
    register: bool,
    udp: UdpSocket,
    tcp: TcpListener,
}

impl Flow {
    fn bind(ip: IpAddr, port: u16, register: bool) -> Result<Self, String> {
        let udp = net::udp_listen(SocketAddr::new(ip, port), None)
            .map_err(|e| format!("cannot listen on udp {ip}:{port}: {e}"))?;
        let tcp = net::tcp_listen(SocketAddr::new(ip, port))
            .map_err(|e| format!("cannot listen on tcp {ip}:{port}: {e}"))?;
        Ok(Self { register, udp, tcp })
    }

    fn describe(&self) -> String {
        let show = |a: io::Result<SocketAddr>| a.map_or_else(|e| e.to_string(), |a| a.to_string());
        format!(
            "Fujifilm PC AutoSave {} on udp {} (the camera comes back on tcp {})",
            if self.register { "register" } else { "connect" },
            show(self.udp.local_addr()),
            show(self.tcp.local_addr())
        )
    }

    fn standard_port(&self) -> u16 {
        if self.register {
            fuji::AUTOSAVE_REGISTER_PORT
        } else {
            fuji::AUTOSAVE_CONNECT_PORT
        }
    }
}

/// `ptpip listen`.
pub(crate) fn run(s: &Settings, a: &ListenArgs) -> i32 {
    match listen(s, &a.or_file(&s.listener)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("listen error: {e}");
            1
        }
    }
}

fn listen(settings: &Settings, a: &ListenArgs) -> Result<(), String> {
    let address = a.address.as_deref().unwrap_or("0.0.0.0");
    let ip: IpAddr = net::unbracket(address)
        .parse()
        .map_err(|_| format!("--address: '{address}' is not an IP address"))?;
    let flows = [
        Flow::bind(
            ip,
            a.autosave_port.unwrap_or(fuji::AUTOSAVE_CONNECT_PORT),
            false,
        )?,
        Flow::bind(
            ip,
            a.register_port.unwrap_or(fuji::AUTOSAVE_REGISTER_PORT),
            true,
        )?,
    ];
    let upnp = if a.upnp {
        let listen = match &a.upnp_listen {
            Some(l) => {
                net::socket_addr(l, ssdp::PORT).map_err(|e| format!("--upnp-listen: {e}"))?
            }
            None => SocketAddr::new(ip, ssdp::PORT),
        };
        let name = a.importer.as_deref().unwrap_or("ptpip");
        let uuid = upnp::stable_uuid(a.uuid.as_deref())?;
        Some(upnp::Responder::start(
            ip,
            listen,
            a.upnp_http_port.unwrap_or(8043),
            uuid,
            name,
        )?)
    } else {
        None
    };
    let stop = crate::relay::interrupt_flag().map_err(|e| e.to_string())?;
    let mut out = io::stdout();
    for f in &flows {
        let _ = writeln!(out, "ptpip listen: {}", f.describe()).and_then(|()| out.flush());
    }
    if let Some(u) = &upnp {
        let _ = writeln!(out, "ptpip listen: {}", u.describe()).and_then(|()| out.flush());
    }
    eprintln!("ptpip listen: waiting for cameras; CTRL+C to quit");
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let mut buf = vec![0u8; fuji::MAX_MESSAGE + 1];
    while !stop.is_set() {
        if let Some(camera) = upnp.as_ref().and_then(upnp::Responder::poll) {
            if stop.wait(CONNECT_DELAY) {
                break;
            }
            let port = a.ptp_port.unwrap_or(15740);
            let ports = ports_from(Dialect::Generic, Some(port), None, None);
            match download(
                settings,
                Dialect::Generic,
                ports,
                camera,
                "a Canon camera",
                &dir,
            ) {
                Ok(()) if a.once => return Ok(()),
                Ok(()) => {}
                Err(e) => eprintln!("ptpip listen: {e}"),
            }
        }
        for flow in &flows {
            let Ok((n, from)) = flow.udp.recv_from(&mut buf) else {
                continue;
            };
            let discover = match fuji::parse(&buf[..n]) {
                Ok(Message::Discover(d)) => d,
                Ok(other) => {
                    log::debug!("{from}: ignored {other:?}");
                    continue;
                }
                Err(e) => {
                    log::debug!("{from}: ignored: {e}");
                    continue;
                }
            };
            match answer(settings, a, flow, &discover, from, &dir, &stop) {
                Ok(true) if a.once => return Ok(()),
                Ok(_) => {}
                Err(e) => eprintln!("ptpip listen: {e}"),
            }
        }
    }
    Ok(())
}

/// Answers one DISCOVER; `true` once a camera's pictures are downloaded.
fn answer(
    settings: &Settings,
    a: &ListenArgs,
    flow: &Flow,
    d: &fuji::Discover,
    from: SocketAddr,
    dir: &std::path::Path,
    stop: &Stop,
) -> Result<bool, String> {
    let camera: IpAddr = fuji::host_part(&d.camera).parse().unwrap_or(from.ip());
    let notify_to = SocketAddr::new(camera, d.notify_port.unwrap_or(fuji::AUTOSAVE_NOTIFY_PORT));
    log::info!("DISCOVER from {from}: the camera at {camera}");
    let mut s = net::connect(notify_to, Duration::from_secs(5))
        .map_err(|e| format!("cannot reach the camera's notify port {notify_to}: {e}"))?;
    let our_port = flow.tcp.local_addr().map_err(|e| e.to_string())?.port();
    let notify = fuji::Notify {
        host: Some(notify_to.to_string()),
        importer: a
            .importer
            .clone()
            .or_else(|| d.importer.clone())
            .unwrap_or_else(|| "ptpip".to_owned()),
        import_port: (our_port != flow.standard_port()).then_some(our_port),
    };
    s.write_all(&notify.encode()).map_err(|e| e.to_string())?;
    let reply = net::read_message(
        &mut s,
        fuji::MAX_MESSAGE,
        Duration::from_millis(300),
        Instant::now() + Duration::from_secs(5),
    )
    .map_err(|e| e.to_string())?;
    if !matches!(fuji::parse(&reply), Ok(Message::Accepted(_))) {
        log::debug!("NOTIFY answered with {:?}", String::from_utf8_lossy(&reply));
    }
    drop(s);
    let deadline = Instant::now() + INVITE_WAIT;
    let stopped = || stop.is_set();
    let (mut s, peer) = net::accept_until(&flow.tcp, deadline, &stopped).ok_or_else(|| {
        format!("the camera at {camera} did not come back within {INVITE_WAIT:?}")
    })?;
    let msg = net::read_message(
        &mut s,
        fuji::MAX_MESSAGE,
        Duration::from_millis(300),
        deadline,
    )
    .map_err(|e| e.to_string())?;
    match fuji::parse(&msg) {
        Ok(Message::Register(r)) => {
            let ok = fuji::Accepted {
                folder: Some("guest".into()),
                service: Some(fuji::AUTOSAVE_SERVICE.into()),
            };
            s.write_all(&ok.encode()).map_err(|e| e.to_string())?;
            let mut out = io::stdout();
            let _ = writeln!(
                out,
                "ptpip listen: registered {} ({})",
                r.name,
                r.model.as_deref().unwrap_or("?")
            );
            Ok(false)
        }
        Ok(Message::Import(i)) => {
            s.write_all(&fuji::Accepted::default().encode())
                .map_err(|e| e.to_string())?;
            drop(s);
            let host = fuji::host_part(&d.camera).parse().unwrap_or(peer.ip());
            if stop.wait(CONNECT_DELAY) {
                return Ok(false);
            }
            let dialect = i.dialect.unwrap_or(Dialect::Fuji);
            let ports = ports_from(
                dialect,
                Some(i.port.unwrap_or(fuji::AUTOSAVE_PTP_PORT)),
                i.event_port,
                None,
            );
            let name = i.name.as_deref().unwrap_or("the camera");
            download(settings, dialect, ports, host, name, dir)?;
            Ok(true)
        }
        Ok(other) => Err(format!(
            "{peer}: expected IMPORT or REGISTER, got {other:?}"
        )),
        Err(e) => Err(format!("{peer}: {e}")),
    }
}

/// Connects to a camera that asked for it and downloads everything.
fn download(
    settings: &Settings,
    dialect: Dialect,
    ports: Ports,
    host: IpAddr,
    name: &str,
    dir: &std::path::Path,
) -> Result<(), String> {
    let mut config = ClientConfig::new(host.to_string(), dialect);
    config.ports = ports;
    if let Some(g) = &settings.guid {
        config.initiator.guid = g
            .value
            .parse::<Guid>()
            .map_err(|e| format!("{}: bad GUID '{}': {e}", g.origin("guid"), g.value))?;
    }
    config.initiator.friendly_name = FriendlyName::new(settings.name.value.clone())
        .map_err(|e| format!("{}: bad name: {e}", settings.name.origin("friendly name")))?;
    config.connect_timeout = settings.connect_timeout;
    config.initiator.response_timeout = settings.response_timeout;
    config.initiator.pairing_timeout = settings.pairing_timeout;
    eprintln!(
        "ptpip listen: {name} at {host} asks to import into {}",
        dir.display()
    );
    let client = Client::connect(settings.transport, config)
        .map_err(|e| format!("cannot connect to {host}:{}: {e}", ports.command))?;
    let mut exec = Executor::new(client, dialect, host.to_string(), ports.stream, false);
    let mut out = io::stdout();
    // `download all DIR --new`, spelt as a user would: its naming rules (the card's folders,
    // files already there skipped) and its history (only what this camera never gave us).
    let words = ["download", "all", &dir.to_string_lossy(), "--new"].map(str::to_owned);
    let result = commands::parse(&words)
        .and_then(|cmd| exec.execute(&cmd, &mut out))
        .map_err(|e| format!("download from {host}: {e}"));
    let _ = out.flush();
    let _ = exec.close();
    result?;
    let _ = writeln!(out, "ptpip listen: {name} at {host}: done");
    Ok(())
}
