//! Socket helpers for discovery: addresses written by users, UDP sockets that may join a
//! multicast group, a bounded HTTP GET, and reading a text message from a TCP peer.

use std::io::{self, Read, Write};
use std::net::{
    IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs, UdpSocket,
};
use std::time::{Duration, Instant};

use ptpip_discovery::description::MAX_DESCRIPTION;
use ptpip_discovery::http;
use ptpip_discovery::ssdp::HttpUrl;
use socket2::{Domain, Protocol, Socket, Type};

/// How long a read may block before the caller looks at its deadline again.
pub(crate) const POLL: Duration = Duration::from_millis(50);

/// The host part of a user's address: `[v6]` loses its brackets.
pub(crate) fn unbracket(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

/// `host:port`, `[v6]:port`, a bare IPv6 address or a host name, with `default_port` when none is
/// given; names are resolved.
pub(crate) fn socket_addr(text: &str, default_port: u16) -> Result<SocketAddr, String> {
    let text = text.trim();
    if let Ok(a) = text.parse::<SocketAddr>() {
        return Ok(a);
    }
    if let Ok(ip) = unbracket(text).parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, default_port));
    }
    let (host, port) = match text.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("'{text}': bad port '{p}'"))?,
        ),
        _ => (text, default_port),
    };
    (unbracket(host), port)
        .to_socket_addrs()
        .map_err(|e| format!("'{text}': {e}"))?
        .next()
        .ok_or_else(|| format!("'{text}': no address"))
}

/// The unspecified address of `addr`'s family.
pub(crate) const fn any_of(addr: &SocketAddr) -> IpAddr {
    match addr {
        SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        SocketAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

/// A UDP socket on an OS-picked port that can send to `to` (broadcast allowed).
pub(crate) fn udp_for(to: &SocketAddr) -> io::Result<UdpSocket> {
    let s = UdpSocket::bind(SocketAddr::new(any_of(to), 0))?;
    if to.is_ipv4() {
        let _ = s.set_broadcast(true);
    }
    s.set_read_timeout(Some(POLL))?;
    Ok(s)
}

/// A UDP socket bound to `addr`. On an unspecified address (`0.0.0.0`, `::`) with a multicast
/// `group`, the socket is bound with SO_REUSEADDR (others, avahi among them, hold the same
/// port) and joins the group; on a given address it is a plain socket that joins nothing (tests
/// bind 127.0.0.1:0, and a membership would be announced on the network).
pub(crate) fn udp_listen(addr: SocketAddr, group: Option<IpAddr>) -> io::Result<UdpSocket> {
    let multicast = group
        .filter(IpAddr::is_multicast)
        .filter(|g| addr.ip().is_unspecified() && g.is_ipv4() == addr.is_ipv4());
    let s = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if multicast.is_some() {
        s.set_reuse_address(true)?;
        #[cfg(unix)]
        s.set_reuse_port(true)?;
    }
    if addr.is_ipv6() {
        let _ = s.set_only_v6(true);
    }
    s.bind(&addr.into())?;
    match multicast {
        Some(IpAddr::V4(g)) => s.join_multicast_v4(&g, &Ipv4Addr::UNSPECIFIED)?,
        Some(IpAddr::V6(g)) => s.join_multicast_v6(&g, 0)?,
        None => {}
    }
    let s: UdpSocket = s.into();
    s.set_read_timeout(Some(POLL))?;
    Ok(s)
}

/// A TCP listener on `addr` (port 0: the OS picks), for [`accept_until`].
pub(crate) fn tcp_listen(addr: SocketAddr) -> io::Result<TcpListener> {
    TcpListener::bind(addr)
}

/// Waits for a connection until `deadline` or `stop()`: a blocking accept with a timeout (the
/// socket's receive timeout, which accept honours), at most [`POLL`] at a time so that `stop`
/// is looked at between. A connection is taken the moment it comes.
pub(crate) fn accept_until(
    l: &TcpListener,
    deadline: Instant,
    stop: &dyn Fn() -> bool,
) -> Option<(TcpStream, SocketAddr)> {
    let sock = socket2::SockRef::from(l);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stop() {
            return None;
        }
        if let Err(e) = sock.set_read_timeout(Some(left.min(POLL))) {
            log::debug!("accept: {e}");
            return None;
        }
        match l.accept() {
            Ok((s, peer)) => {
                let _ = s.set_read_timeout(None);
                return Some((s, peer));
            }
            // The timeout ran out: look at the deadline and `stop` again.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                // Out of file descriptors and the like: back off a moment rather than spin.
                log::debug!("accept: {e}");
                let _ = sock.set_read_timeout(None);
                crate::signals::wait(left.min(POLL));
            }
        }
    }
}

/// The local address used to reach `to` (no packet is sent: a UDP `connect` only picks the
/// route).
pub(crate) fn local_ip_toward(to: &SocketAddr) -> Option<IpAddr> {
    let s = UdpSocket::bind(SocketAddr::new(any_of(to), 0)).ok()?;
    s.connect(to).ok()?;
    s.local_addr().ok().map(|a| a.ip())
}

/// Reads a short text message from a peer that then waits for an answer: until a blank line,
/// `max` bytes, the peer's end, or `quiet` without a byte once something came.
pub(crate) fn read_message(
    s: &mut TcpStream,
    max: usize,
    quiet: Duration,
    deadline: Instant,
) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    let mut last = Instant::now();
    loop {
        let now = Instant::now();
        if now >= deadline || (!buf.is_empty() && now.duration_since(last) >= quiet) {
            break;
        }
        s.set_read_timeout(Some(POLL))?;
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                last = Instant::now();
                if buf.len() >= max || buf.ends_with(b"\r\n\r\n") {
                    break;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(max + 1);
    Ok(buf)
}

/// Connects to `addr` within `timeout`.
pub(crate) fn connect(addr: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
    let s = TcpStream::connect_timeout(&addr, timeout.max(Duration::from_millis(1)))?;
    s.set_read_timeout(Some(timeout.max(Duration::from_millis(1))))?;
    s.set_write_timeout(Some(timeout.max(Duration::from_millis(1))))?;
    Ok(s)
}

/// GETs `url` (plain HTTP) within `timeout`; the body of a 200 answer, at most
/// [`MAX_DESCRIPTION`] bytes.
pub(crate) fn http_get(url: &HttpUrl, timeout: Duration) -> io::Result<Vec<u8>> {
    let bad = |m: String| io::Error::new(io::ErrorKind::InvalidData, m);
    let addr = socket_addr(&url.authority(), url.port).map_err(bad)?;
    let mut s = connect(addr, timeout)?;
    s.write_all(&http::get_request(&url.authority(), &url.path))?;
    let mut buf = Vec::new();
    let limit = http::MAX_HEAD + MAX_DESCRIPTION;
    let mut chunk = [0u8; 4096];
    let deadline = Instant::now() + timeout;
    let mut head = None;
    loop {
        if let Some(h) = &head {
            let h: &http::ResponseHead = h;
            if h.content_length
                .is_some_and(|n| buf.len() >= h.head_len + n)
            {
                break;
            }
        }
        if Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "description timed out",
            ));
        }
        let n = match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        };
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > limit {
            return Err(bad(format!(
                "description larger than {MAX_DESCRIPTION} bytes"
            )));
        }
        if head.is_none() && http::head_complete(&buf).is_some() {
            head = Some(http::parse_response_head(&buf).map_err(|e| bad(e.to_string()))?);
        }
    }
    let head = match head {
        Some(h) => h,
        None => http::parse_response_head(&buf).map_err(|e| bad(e.to_string()))?,
    };
    if head.code != 200 {
        return Err(bad(format!("HTTP status {}", head.code)));
    }
    let body = &buf[head.head_len..];
    let n = head.content_length.unwrap_or(body.len()).min(body.len());
    Ok(body[..n].to_vec())
}

/// Serves `read_request → answer` HTTP exchanges on a polled listener until `stop()`: one
/// request per connection, answered by `answer(path)`.
pub(crate) fn serve_http(
    l: &TcpListener,
    stop: &dyn Fn() -> bool,
    answer: &dyn Fn(&str, SocketAddr) -> Vec<u8>,
) {
    let forever = Instant::now() + Duration::from_secs(10 * 365 * 86_400);
    while let Some((mut s, peer)) = accept_until(l, forever, stop) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let Ok(req) = read_message(&mut s, http::MAX_HEAD, Duration::from_secs(2), deadline) else {
            continue;
        };
        let reply = match http::parse_get(&req) {
            Ok(get) => answer(&get.path, peer),
            Err(e) => {
                log::debug!("{peer}: {e}");
                http::not_found()
            }
        };
        let _ = s.write_all(&reply);
    }
}
