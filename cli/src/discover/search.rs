//! `ptpip discover`'s searches, all at once within the timeout: SSDP M-SEARCH for the vendor
//! targets, the DNS-SD `_ptp._tcp` query, the Fujifilm tether broadcast with its invitation
//! listener, and the default-gateway check.

use std::collections::HashSet;
use std::io::Write;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ptpip_discovery::camera::{self, Found, Source};
use ptpip_discovery::description::Description;
use ptpip_discovery::ssdp::{self, HttpUrl, Search};
use ptpip_discovery::{fuji, mdns};
use ptpip_protocol::Dialect;
use ptpip_protocol::calls::Ports;

use super::net;

/// Where each search goes.
#[derive(Debug, Clone)]
pub(crate) struct Targets {
    /// Where M-SEARCH goes (the group, or a host).
    pub(crate) ssdp: Vec<SocketAddr>,
    /// Where NOTIFY is heard (`None`: not heard).
    pub(crate) ssdp_listen: Option<SocketAddr>,
    /// Where the DNS-SD query goes.
    pub(crate) mdns: Vec<SocketAddr>,
    /// Where the Fujifilm tether announcement goes (a broadcast address, or a host).
    pub(crate) fuji: Vec<SocketAddr>,
    /// The TCP address that takes the cameras' tether invitations (port 0: the OS picks).
    pub(crate) fuji_listen: Option<SocketAddr>,
    /// The gateway to check (`None`: no check).
    pub(crate) gateway: Option<IpAddr>,
    /// How long to search.
    pub(crate) timeout: Duration,
}

/// Runs every search in parallel; the cameras found, merged, in a stable order.
pub(crate) fn discover(t: &Targets) -> Vec<Found> {
    let deadline = Instant::now() + t.timeout;
    let (tx, rx) = mpsc::channel::<Found>();
    let mut workers = Vec::new();
    let spawn = |name: &str, f: Box<dyn FnOnce(mpsc::Sender<Found>) + Send>| {
        let tx = tx.clone();
        thread::Builder::new()
            .name(format!("ptpip-discover-{name}"))
            .spawn(move || f(tx))
            .map_err(|e| log::warn!("cannot start the {name} search: {e}"))
            .ok()
    };
    if !t.ssdp.is_empty() || t.ssdp_listen.is_some() {
        let to = t.ssdp.clone();
        let listen = t.ssdp_listen;
        workers.extend(spawn(
            "ssdp",
            Box::new(move |tx| ssdp_search(&to, listen, deadline, &tx)),
        ));
    }
    if !t.mdns.is_empty() {
        let to = t.mdns.clone();
        workers.extend(spawn(
            "mdns",
            Box::new(move |tx| mdns_search(&to, deadline, &tx)),
        ));
    }
    if let Some(listen) = t.fuji_listen {
        let to = t.fuji.clone();
        workers.extend(spawn(
            "fuji",
            Box::new(move |tx| fuji_search(&to, listen, deadline, &tx)),
        ));
    }
    if let Some(gw) = t.gateway {
        workers.extend(spawn(
            "gateway",
            Box::new(move |tx| gateway_check(gw, deadline, &tx)),
        ));
    }
    drop(tx);
    let mut found = Vec::new();
    for f in rx {
        log::info!("found {} by {}", f.host, f.via[0].name());
        camera::add(&mut found, f);
    }
    for w in workers {
        let _ = w.join();
    }
    found.sort_by_key(|f| (f.host, f.ports.command));
    found
}

fn left(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

/// SSDP: one M-SEARCH per vendor target to each address; each new LOCATION's description is
/// read to tell what the device is.
fn ssdp_search(
    to: &[SocketAddr],
    listen: Option<SocketAddr>,
    deadline: Instant,
    tx: &mpsc::Sender<Found>,
) {
    let mut sockets = Vec::new();
    if let Some(addr) = listen {
        let group = if addr.is_ipv4() {
            ssdp::MULTICAST_V4
        } else {
            ssdp::MULTICAST_V6
        };
        match net::udp_listen(addr, Some(group.ip())) {
            Ok(s) => sockets.push(s),
            Err(e) => log::info!("SSDP: NOTIFY not heard on {addr}: {e}"),
        }
    }
    for addr in to {
        let sock = match net::udp_for(addr) {
            Ok(s) => s,
            Err(e) => {
                log::warn!("SSDP: no socket for {addr}: {e}");
                continue;
            }
        };
        for st in ssdp::targets::SEARCHED {
            let msg = Search::new(st, *addr).encode();
            if let Err(e) = sock.send_to(&msg, addr) {
                log::debug!("SSDP: M-SEARCH to {addr}: {e}");
            }
        }
        sockets.push(sock);
    }
    let mut seen = HashSet::new();
    let mut buf = vec![0u8; ssdp::MAX_MESSAGE + 1];
    while Instant::now() < deadline && !sockets.is_empty() {
        for sock in &sockets {
            let Ok((n, from)) = sock.recv_from(&mut buf) else {
                continue;
            };
            let (target, location) = match ssdp::parse(&buf[..n]) {
                Ok(ssdp::Message::Response(r)) => (r.target, r.location),
                Ok(ssdp::Message::Notify(n)) if n.kind != ssdp::NotifyKind::ByeBye => {
                    (n.target, n.location.unwrap_or_default())
                }
                Ok(other) => {
                    log::debug!("SSDP from {from}: ignored {other:?}");
                    continue;
                }
                Err(e) => {
                    log::debug!("SSDP from {from}: ignored: {e}");
                    continue;
                }
            };
            if !seen.insert((from.ip(), location.clone())) {
                continue;
            }
            match describe(&location, from.ip(), &target, deadline) {
                Some(f) => {
                    let _ = tx.send(f);
                }
                None => log::debug!("SSDP from {from}: {target} at {location} is no camera"),
            }
        }
    }
}

/// The camera behind a LOCATION, or what its search target tells when the description cannot
/// be read.
fn describe(location: &str, from: IpAddr, target: &str, deadline: Instant) -> Option<Found> {
    let read = HttpUrl::parse(location)
        .map_err(|e| e.to_string())
        .and_then(|u| {
            net::http_get(&u, left(deadline).max(Duration::from_millis(200)))
                .map_err(|e| e.to_string())
        })
        .and_then(|body| Description::parse(&body).map_err(|e| e.to_string()));
    match read {
        Ok(d) => Some(Found::from_description(&d, from)),
        Err(e) => {
            log::debug!("SSDP: description at {location}: {e}");
            let vendor = if target.contains("sony") {
                "Sony"
            } else if target.contains("canon") {
                "Canon"
            } else {
                return None;
            };
            let mut f = Found::new(from, Dialect::Generic, Source::Ssdp);
            f.vendor = Some(vendor.to_owned());
            Some(f)
        }
    }
}

/// DNS-SD: a `_ptp._tcp` PTR query (QU bit set, from an ephemeral port: legacy unicast answers
/// come straight back).
fn mdns_search(to: &[SocketAddr], deadline: Instant, tx: &mpsc::Sender<Found>) {
    let id = (std::process::id() as u16) ^ 0x5054;
    let query = mdns::query(id, &[mdns::PTP_SERVICE], true);
    let mut sockets = Vec::new();
    for addr in to {
        match net::udp_for(addr).and_then(|s| s.send_to(&query, addr).map(|_| s)) {
            Ok(s) => sockets.push(s),
            Err(e) => log::warn!("mDNS: query to {addr}: {e}"),
        }
    }
    let mut buf = vec![0u8; mdns::MAX_MESSAGE + 1];
    while Instant::now() < deadline && !sockets.is_empty() {
        for sock in &sockets {
            let Ok((n, from)) = sock.recv_from(&mut buf) else {
                continue;
            };
            match mdns::parse_response(&buf[..n]) {
                Ok(instances) => {
                    for i in &instances {
                        if i.service != mdns::PTP_SERVICE {
                            continue;
                        }
                        match Found::from_mdns(i, from.ip()) {
                            Some(f) => {
                                let _ = tx.send(f);
                            }
                            None => log::debug!("mDNS from {from}: {} has no port", i.name),
                        }
                    }
                }
                Err(e) => log::debug!("mDNS from {from}: ignored: {e}"),
            }
        }
    }
}

/// Fujifilm tether: announces this host every second and takes the cameras' invitations.
fn fuji_search(to: &[SocketAddr], listen: SocketAddr, deadline: Instant, tx: &mpsc::Sender<Found>) {
    let listener = match net::tcp_listen(listen) {
        Ok(l) => l,
        Err(e) => {
            log::warn!("Fujifilm tether: cannot listen on {listen}: {e}");
            return;
        }
    };
    let port = listener.local_addr().map_or(listen.port(), |a| a.port());
    let mut next = Instant::now();
    let socks: Vec<_> = to
        .iter()
        .filter_map(|a| net::udp_for(a).ok().map(|s| (s, *a)))
        .collect();
    while Instant::now() < deadline {
        if Instant::now() >= next {
            for (s, addr) in &socks {
                let host = net::local_ip_toward(addr).map_or_else(String::new, |ip| ip.to_string());
                let msg = fuji::Discovery {
                    host,
                    service: None,
                    tether_port: (port != fuji::TETHER_PORT).then_some(port),
                };
                if let Err(e) = s.send_to(&msg.encode(), addr) {
                    log::debug!("Fujifilm tether: announcement to {addr}: {e}");
                }
            }
            next += Duration::from_secs(1);
        }
        let until = next.min(deadline);
        let Some((mut s, peer)) = net::accept_until(&listener, until, &|| false) else {
            continue;
        };
        match answer_invite(&mut s, deadline) {
            Ok(inv) => {
                let _ = tx.send(Found::from_tether(&inv, peer.ip()));
            }
            Err(e) => log::debug!("Fujifilm tether from {peer}: ignored: {e}"),
        }
    }
}

/// Reads a tether invitation and accepts it.
fn answer_invite(s: &mut TcpStream, deadline: Instant) -> Result<fuji::TetherInvite, String> {
    let until = deadline.max(Instant::now() + Duration::from_secs(2));
    let msg = net::read_message(s, fuji::MAX_MESSAGE, Duration::from_millis(300), until)
        .map_err(|e| e.to_string())?;
    match fuji::parse(&msg) {
        Ok(fuji::Message::TetherInvite(inv)) => {
            s.write_all(&fuji::Accepted::default().encode())
                .map_err(|e| e.to_string())?;
            Ok(inv)
        }
        Ok(other) => Err(format!("not an invitation: {other:?}")),
        Err(e) => Err(e.to_string()),
    }
}

/// The gateway heuristic: in access-point mode the camera is the default gateway. A TCP
/// connection to each PTP/IP port tells which one listens; nothing is sent (an Init probe can
/// knock a Nikon out of pairing).
fn gateway_check(gw: IpAddr, deadline: Instant, tx: &mpsc::Sender<Found>) {
    for (port, dialect) in [
        (15740, Dialect::Generic),
        (Ports::FUJI.command, Dialect::Fuji),
    ] {
        let budget = left(deadline).min(Duration::from_secs(1));
        if budget.is_zero() {
            return;
        }
        if TcpStream::connect_timeout(&SocketAddr::new(gw, port), budget).is_ok() {
            let _ = tx.send(Found::new(gw, dialect, Source::Gateway));
        }
    }
}

/// The default IPv4 gateway, from `/proc/net/route` (Linux); `None` elsewhere.
pub(crate) fn default_gateway() -> Option<IpAddr> {
    let table = std::fs::read_to_string("/proc/net/route").ok()?;
    table.lines().skip(1).find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.get(1) != Some(&"00000000") {
            return None;
        }
        let hex = u32::from_str_radix(f.get(2)?, 16).ok()?;
        (hex != 0).then(|| IpAddr::from(hex.to_le_bytes()))
    })
}
