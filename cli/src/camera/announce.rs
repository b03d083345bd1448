//! `ptpip camera --announce`: the camera tells the network it is there, as real ones do — SSDP
//! (answers to M-SEARCH, NOTIFY, and the description they point to), DNS-SD `_ptp._tcp` over
//! mDNS, and, for the Fujifilm camera, the answer to a tether host's broadcast. `--autosave-to`
//! plays the camera's side of Fujifilm PC AutoSave ([`invite`]).
//!
//! Every address is a flag, so that tests keep all of it on 127.0.0.1; the defaults are the
//! standard groups and ports.

mod invite;

use std::io::Write;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use ptpip_discovery::description::{Description, PtpipInfo};
use ptpip_discovery::mdns::{self, Advertisement};
use ptpip_discovery::ssdp::{self, NotifyKind};
use ptpip_discovery::{fuji, http};
use ptpip_protocol::Dialect;
use ptpip_protocol::calls::Ports;

use super::Camera;
use crate::discover::net;
pub(crate) use crate::discovery_options::AnnounceArgs;
use crate::signals::Stop;

/// How often NOTIFY and the mDNS announcement are repeated.
const REPEAT: Duration = Duration::from_secs(30);
/// The description's path.
const DESCRIPTION_PATH: &str = "/description.xml";

/// What the camera is, for the announcements.
#[derive(Debug, Clone)]
struct Identity {
    name: String,
    dialect: Dialect,
    ports: Ports,
    /// The listen address (unspecified: each answer names the address the asker reaches).
    ip: IpAddr,
    uuid: String,
}

impl Identity {
    fn of(camera: &Camera, name: &str) -> Self {
        let addr = camera.server.local_addr();
        let command = addr.port();
        let event = camera.server.event_addr().map_or(command, |a| a.port());
        let stream = camera
            .live_view
            .as_ref()
            .map_or(Ports::for_dialect(camera.dialect).stream, |lv| {
                lv.addr.port()
            });
        Self {
            name: name.to_owned(),
            dialect: camera.dialect,
            ports: Ports {
                command,
                event,
                stream,
            },
            ip: addr.ip(),
            uuid: uuid::Uuid::new_v4().to_string(),
        }
    }

    /// The address a peer at `to` reaches us at.
    fn ip_for(&self, to: &SocketAddr) -> IpAddr {
        if self.ip.is_unspecified() {
            net::local_ip_toward(to).unwrap_or(self.ip)
        } else {
            self.ip
        }
    }

    fn model(&self) -> (&'static str, &'static str) {
        match self.dialect {
            Dialect::Generic => ("ptpip", "ptpip virtual camera"),
            Dialect::Fuji => ("FUJIFILM", "X-T1"),
        }
    }

    fn description(&self) -> Description {
        let (manufacturer, model) = self.model();
        Description {
            device_type: Some(ssdp::targets::PTPIP_CAMERA.to_owned()),
            friendly_name: Some(self.name.clone()),
            manufacturer: Some(manufacturer.to_owned()),
            model_name: Some(model.to_owned()),
            serial_number: None,
            udn: Some(format!("uuid:{}", self.uuid)),
            nickname: None,
            services: Vec::new(),
            ptpip: Some(PtpipInfo {
                dialect: Some(self.dialect),
                command_port: Some(self.ports.command),
                event_port: Some(self.ports.event),
                stream_port: Some(self.ports.stream),
            }),
        }
    }
}

/// The announcing threads.
pub(super) struct Announcer {
    stop: Stop,
    threads: Vec<JoinHandle<()>>,
    /// Sent on stop: SSDP byebye.
    farewell: Option<(UdpSocket, SocketAddr, Vec<Vec<u8>>)>,
}

impl Announcer {
    /// Stops announcing (SSDP byebye when NOTIFY was on).
    pub(super) fn stop(self) {
        self.stop.set();
        if let Some((sock, to, msgs)) = &self.farewell {
            for m in msgs {
                let _ = sock.send_to(m, to);
            }
        }
        for t in self.threads {
            let _ = t.join();
        }
    }
}

/// `off` → `None`; else the address, `default` when not given.
fn optional(
    v: Option<&str>,
    default: SocketAddr,
    flag: &str,
) -> Result<Option<SocketAddr>, String> {
    match v {
        Some(o) if o.eq_ignore_ascii_case("off") => Ok(None),
        Some(a) => net::socket_addr(a, default.port())
            .map(Some)
            .map_err(|e| format!("--{flag}: {e}")),
        None => Ok(Some(default)),
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>, String> {
    thread::Builder::new()
        .name(format!("ptpip-{name}"))
        .spawn(f)
        .map_err(|e| format!("cannot start {name}: {e}"))
}

/// Starts what `a` asks for; prints where each part listens on `out`.
pub(super) fn start(
    camera: &Camera,
    camera_name: &str,
    a: &AnnounceArgs,
    out: &mut dyn Write,
) -> Result<Option<Announcer>, String> {
    if !a.announce && a.autosave_to.is_none() {
        return Ok(None);
    }
    let me = Arc::new(Identity::of(camera, camera_name));
    let stop = Stop::new();
    let mut threads = Vec::new();
    let mut farewell = None;
    if a.announce {
        let any = SocketAddr::from(([0, 0, 0, 0], 0));
        // SSDP: searches, the description, NOTIFY.
        let listen = optional(
            a.ssdp_listen.as_deref(),
            SocketAddr::new(any.ip(), ssdp::PORT),
            "ssdp-listen",
        )?
        .ok_or("--ssdp-listen cannot be off; leave out --announce")?;
        let sock = net::udp_listen(
            listen,
            Some(
                if listen.is_ipv4() {
                    ssdp::MULTICAST_V4
                } else {
                    ssdp::MULTICAST_V6
                }
                .ip(),
            ),
        )
        .map_err(|e| format!("SSDP: cannot listen on {listen}: {e}"))?;
        let http = net::tcp_listen(SocketAddr::new(
            if me.ip.is_unspecified() {
                net::any_of(&listen)
            } else {
                me.ip
            },
            0,
        ))
        .map_err(|e| format!("cannot serve the description: {e}"))?;
        let http_port = http.local_addr().map_err(|e| e.to_string())?.port();
        let _ = writeln!(
            out,
            "ptpip camera: SSDP on {}, description on port {http_port} ({DESCRIPTION_PATH})",
            sock.local_addr().map_err(|e| e.to_string())?
        );
        {
            let (me, stop) = (me.clone(), stop.clone());
            threads.push(spawn("http", move || {
                let xml = me.description().to_xml();
                net::serve_http(&http, &|| stop.is_set(), &|path, _| {
                    if path == DESCRIPTION_PATH {
                        http::xml_response(&xml, Some("ptpip UPnP/1.0"))
                    } else {
                        http::not_found()
                    }
                });
            })?);
        }
        let notify_to = optional(a.ssdp_notify.as_deref(), ssdp::MULTICAST_V4, "ssdp-notify")?;
        if let Some(to) = notify_to {
            let s = net::udp_for(&to).map_err(|e| e.to_string())?;
            farewell = Some((
                s.try_clone().map_err(|e| e.to_string())?,
                to,
                notifies(&me, http_port, &to, NotifyKind::ByeBye),
            ));
            let (me, stop) = (me.clone(), stop.clone());
            threads.push(spawn("ssdp-notify", move || {
                // Alive now, then every REPEAT until stopped.
                let mut next = Instant::now();
                while !stop.wait_until(next) {
                    for m in notifies(&me, http_port, &to, NotifyKind::Alive) {
                        let _ = s.send_to(&m, to);
                    }
                    next += REPEAT;
                }
            })?);
        }
        {
            let (me, stop) = (me.clone(), stop.clone());
            threads.push(spawn("ssdp", move || {
                answer_searches(&sock, &me, http_port, &stop)
            })?);
        }
        // mDNS.
        let listen = optional(
            a.mdns_listen.as_deref(),
            SocketAddr::new(any.ip(), mdns::PORT),
            "mdns-listen",
        )?
        .ok_or("--mdns-listen cannot be off; leave out --announce")?;
        let group = if listen.is_ipv4() {
            mdns::MULTICAST_V4
        } else {
            mdns::MULTICAST_V6
        };
        let sock = net::udp_listen(listen, Some(group.ip()))
            .map_err(|e| format!("mDNS: cannot listen on {listen}: {e}"))?;
        let _ = writeln!(
            out,
            "ptpip camera: mDNS on {} as '{}.{}'",
            sock.local_addr().map_err(|e| e.to_string())?,
            me.name,
            mdns::PTP_SERVICE
        );
        let announce_to = optional(
            a.mdns_announce.as_deref(),
            mdns::MULTICAST_V4,
            "mdns-announce",
        )?;
        {
            let (me, stop) = (me.clone(), stop.clone());
            threads.push(spawn("mdns", move || {
                answer_queries(&sock, &me, announce_to, &stop)
            })?);
        }
        // Fujifilm tether.
        if me.dialect == Dialect::Fuji {
            let default = SocketAddr::new(any.ip(), fuji::PCSS_PORT);
            if let Some(listen) =
                optional(a.tether_listen.as_deref(), default, "fuji-tether-listen")?
            {
                match net::udp_listen(listen, None) {
                    Ok(sock) => {
                        let _ = writeln!(
                            out,
                            "ptpip camera: Fujifilm tether broadcasts taken on {}",
                            sock.local_addr().map_err(|e| e.to_string())?
                        );
                        let (me, stop) = (me.clone(), stop.clone());
                        threads.push(spawn("tether", move || answer_tether(&sock, &me, &stop))?);
                    }
                    Err(e) => {
                        eprintln!("ptpip camera: warning: no Fujifilm tether on {listen}: {e}")
                    }
                }
            }
        }
    }
    if let Some(to) = &a.autosave_to {
        let to = net::socket_addr(to, fuji::AUTOSAVE_CONNECT_PORT)
            .map_err(|e| format!("--autosave-to: {e}"))?;
        let notify_port = a.autosave_notify_port.unwrap_or(fuji::AUTOSAVE_NOTIFY_PORT);
        let listener = net::tcp_listen(SocketAddr::new(
            if me.ip.is_unspecified() {
                net::any_of(&to)
            } else {
                me.ip
            },
            notify_port,
        ))
        .map_err(|e| format!("PC AutoSave: cannot listen on port {notify_port}: {e}"))?;
        let _ = writeln!(
            out,
            "ptpip camera: Fujifilm PC AutoSave: inviting {to}, NOTIFY taken on {}",
            listener.local_addr().map_err(|e| e.to_string())?
        );
        let (me, stop) = (me.clone(), stop.clone());
        threads.push(spawn("autosave", move || {
            invite::autosave(&listener, to, &me, &stop)
        })?);
    }
    let _ = out.flush();
    Ok(Some(Announcer {
        stop,
        threads,
        farewell,
    }))
}

/// The types this device answers searches for.
const TYPES: &[&str] = &[ssdp::targets::PTPIP_CAMERA];

/// NOTIFY for the root device, the UUID and the camera type.
fn notifies(me: &Identity, http_port: u16, to: &SocketAddr, kind: NotifyKind) -> Vec<Vec<u8>> {
    let uuid = format!("uuid:{}", me.uuid);
    let location = location(me, http_port, to);
    [
        ssdp::targets::ROOT_DEVICE,
        uuid.as_str(),
        ssdp::targets::PTPIP_CAMERA,
    ]
    .iter()
    .map(|nt| {
        let usn = if *nt == uuid {
            uuid.clone()
        } else {
            format!("{uuid}::{nt}")
        };
        ssdp::Notify {
            target: (*nt).to_owned(),
            kind,
            usn,
            location: (kind != NotifyKind::ByeBye).then(|| location.clone()),
            server: Some(server()),
        }
        .encode(*to)
    })
    .collect()
}

fn server() -> String {
    format!(
        "ptpip/{} UPnP/1.0 ptpip-camera/1.0",
        env!("CARGO_PKG_VERSION")
    )
}

fn location(me: &Identity, http_port: u16, to: &SocketAddr) -> String {
    let ip = me.ip_for(to);
    match ip {
        IpAddr::V4(v4) => format!("http://{v4}:{http_port}{DESCRIPTION_PATH}"),
        IpAddr::V6(v6) => format!("http://[{v6}]:{http_port}{DESCRIPTION_PATH}"),
    }
}

/// Answers M-SEARCH, unicast to the searcher (UDA 1.1 §1.3.3).
fn answer_searches(sock: &UdpSocket, me: &Identity, http_port: u16, stop: &Stop) {
    let mut buf = vec![0u8; ssdp::MAX_MESSAGE + 1];
    while !stop.is_set() {
        let Ok((n, from)) = sock.recv_from(&mut buf) else {
            continue;
        };
        let search = match ssdp::parse(&buf[..n]) {
            Ok(ssdp::Message::Search(s)) => s,
            Ok(_) => continue,
            Err(e) => {
                log::debug!("SSDP from {from}: ignored: {e}");
                continue;
            }
        };
        let Some(st) = search.matched(&me.uuid, TYPES) else {
            continue;
        };
        let uuid = format!("uuid:{}", me.uuid);
        let usn = if st.starts_with("uuid:") {
            uuid
        } else {
            format!("{uuid}::{st}")
        };
        let r = ssdp::Response {
            target: st.to_owned(),
            usn,
            location: location(me, http_port, &from),
            server: Some(server()),
            max_age: Some(1800),
        };
        if let Err(e) = sock.send_to(&r.encode(), from) {
            log::debug!("SSDP answer to {from}: {e}");
        }
    }
}

fn advertisement(me: &Identity, to: &SocketAddr) -> Advertisement {
    let (vendor, model) = me.model();
    let dialect = match me.dialect {
        Dialect::Generic => "generic",
        Dialect::Fuji => "fuji",
    };
    Advertisement {
        instance: me.name.clone(),
        service: mdns::PTP_SERVICE.to_owned(),
        host: format!("ptpip-{}.local", &me.uuid[..8]),
        port: me.ports.command,
        txt: vec![
            format!("dialect={dialect}"),
            format!("event={}", me.ports.event),
            format!("stream={}", me.ports.stream),
            format!("vendor={vendor}"),
            format!("model={model}"),
        ],
        addrs: vec![me.ip_for(to)],
        ttl: 120,
    }
}

/// Answers DNS-SD queries: straight back to the asker (legacy unicast, or the QU bit), else to
/// the group; and announces itself to `announce_to` every [`REPEAT`].
fn answer_queries(sock: &UdpSocket, me: &Identity, announce_to: Option<SocketAddr>, stop: &Stop) {
    let mut buf = vec![0u8; mdns::MAX_MESSAGE + 1];
    let mut next = Instant::now();
    while !stop.is_set() {
        if let Some(to) = announce_to
            && Instant::now() >= next
        {
            let _ = sock.send_to(&advertisement(me, &to).announcement(), to);
            next += REPEAT;
        }
        let Ok((n, from)) = sock.recv_from(&mut buf) else {
            continue;
        };
        let query = match mdns::parse_query(&buf[..n]) {
            Ok(q) => q,
            Err(e) => {
                log::debug!("mDNS from {from}: ignored: {e}");
                continue;
            }
        };
        let legacy = from.port() != mdns::PORT;
        let unicast = legacy || query.questions.iter().any(|q| q.unicast);
        let Some(answer) = advertisement(me, &from).answer(&query, legacy) else {
            continue;
        };
        let to = match (unicast, announce_to) {
            (false, Some(group)) => group,
            _ => from,
        };
        if let Err(e) = sock.send_to(&answer, to) {
            log::debug!("mDNS answer to {to}: {e}");
        }
    }
}

/// Fujifilm tether: a host's DISCOVERY broadcast gets our invitation over TCP.
fn answer_tether(sock: &UdpSocket, me: &Identity, stop: &Stop) {
    let mut buf = vec![0u8; fuji::MAX_MESSAGE + 1];
    let mut last: Option<(IpAddr, Instant)> = None;
    while !stop.is_set() {
        let Ok((n, from)) = sock.recv_from(&mut buf) else {
            continue;
        };
        let d = match fuji::parse(&buf[..n]) {
            Ok(fuji::Message::Discovery(d)) => d,
            Ok(_) => continue,
            Err(e) => {
                log::debug!("Fujifilm tether from {from}: ignored: {e}");
                continue;
            }
        };
        let host: IpAddr = fuji::host_part(&d.host).parse().unwrap_or(from.ip());
        // A host repeats its broadcast every second: one invitation per host every 5 s.
        if last.is_some_and(|(h, t)| h == host && t.elapsed() < Duration::from_secs(5)) {
            continue;
        }
        last = Some((host, Instant::now()));
        let to = SocketAddr::new(host, d.tether_port.unwrap_or(fuji::TETHER_PORT));
        if let Err(e) = invite::tether(to, me) {
            log::debug!("Fujifilm tether invitation to {to}: {e}");
        }
    }
}
