//! SSDP (UPnP Device Architecture 1.1 §1): M-SEARCH requests, their unicast answers, and NOTIFY.
//!
//! Sony and Canon cameras answer M-SEARCH for their vendor search targets ([`targets`]); Canon
//! EOS bodies in EOS Utility mode only send NOTIFY; Canon PowerShots send M-SEARCH themselves
//! (`ST: upnp:rootdevice`) and expect the computer to answer like a Windows UPnP host.
//!
//! A unicast M-SEARCH to a known host is allowed (UDA 1.1 §1.3.2), and the answers always go
//! back unicast to where the search came from, so nothing here assumes a multicast destination.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use crate::error::ParseError;
use crate::head::{self, Head, Start};

/// The SSDP port.
pub const PORT: u16 = 1900;
/// The IPv4 SSDP multicast group and port.
pub const MULTICAST_V4: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(239, 255, 255, 250), PORT));
/// The IPv6 link-local SSDP multicast group and port.
pub const MULTICAST_V6: SocketAddr = SocketAddr::V6(SocketAddrV6::new(
    Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0xc),
    PORT,
    0,
    0,
));
/// The largest SSDP message read (a datagram; real ones are under 1 KiB).
pub const MAX_MESSAGE: usize = 8 * 1024;

/// Search and notification targets that lead to PTP/IP cameras.
pub mod targets {
    /// Sony "Send to Computer" (the camera announces an MTP-over-IP null service).
    pub const SONY_MTP_NULL: &str = "urn:microsoft-com:service:MtpNullService:1";
    /// Sony PC remote on newer bodies.
    pub const SONY_DIGITAL_IMAGING: &str = "urn:schemas-sony-com:service:DigitalImaging:1";
    /// Sony smartphone mode (the camera's own access point).
    pub const SONY_SCALAR_WEB_API: &str = "urn:schemas-sony-com:service:ScalarWebAPI:1";
    /// Canon EOS, smartphone mode.
    pub const CANON_SMARTPHONE: &str =
        "urn:schemas-canon-com:service:ICPO-SmartPhoneEOSSystemService:1";
    /// Canon EOS, "Remote control (EOS Utility)" (NOTIFY only).
    pub const CANON_EOS_UTILITY: &str = "urn:schemas-canon-com:service:ICPO-WFTEOSSystemService:1";
    /// Every root device (what Canon PowerShots search for).
    pub const ROOT_DEVICE: &str = "upnp:rootdevice";
    /// Everything.
    pub const ALL: &str = "ssdp:all";
    /// The `ptpip camera` device type.
    pub const PTPIP_CAMERA: &str = "urn:schemas-ptpip-rs:device:Camera:1";

    /// What `ptpip discover` searches for, one M-SEARCH each.
    pub const SEARCHED: &[&str] = &[
        SONY_MTP_NULL,
        SONY_DIGITAL_IMAGING,
        SONY_SCALAR_WEB_API,
        CANON_SMARTPHONE,
        CANON_EOS_UTILITY,
        PTPIP_CAMERA,
    ];
}

/// What a NOTIFY says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyKind {
    /// `ssdp:alive`: the device is there.
    Alive,
    /// `ssdp:byebye`: the device leaves.
    ByeBye,
    /// `ssdp:update` (UDA 1.1).
    Update,
}

/// An `M-SEARCH * HTTP/1.1` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// `ST`: what is searched for.
    pub target: String,
    /// `MX`: the most seconds an answer may be delayed (absent in a unicast search).
    pub mx: Option<u32>,
    /// `HOST`, as sent.
    pub host: Option<String>,
}

/// A `NOTIFY * HTTP/1.1` announcement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notify {
    /// `NT`: the type announced.
    pub target: String,
    /// `NTS`.
    pub kind: NotifyKind,
    /// `USN`: the unique service name.
    pub usn: String,
    /// `LOCATION`: the description URL (absent in byebye).
    pub location: Option<String>,
    /// `SERVER`.
    pub server: Option<String>,
}

/// An `HTTP/1.1 200 OK` answer to an M-SEARCH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// `ST`: the target matched.
    pub target: String,
    /// `USN`.
    pub usn: String,
    /// `LOCATION`: the description URL.
    pub location: String,
    /// `SERVER`.
    pub server: Option<String>,
    /// `CACHE-CONTROL: max-age` in seconds.
    pub max_age: Option<u32>,
}

/// Any SSDP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A search.
    Search(Search),
    /// An announcement.
    Notify(Notify),
    /// An answer to a search.
    Response(Response),
}

const WHAT: &str = "SSDP message";

/// Parses one SSDP datagram.
///
/// # Errors
/// Empty, larger than [`MAX_MESSAGE`], not HTTP-shaped, another method or status, or without a
/// header the message needs.
pub fn parse(bytes: &[u8]) -> Result<Message, ParseError> {
    let head = head::parse(WHAT, bytes, MAX_MESSAGE)?;
    match &head.start {
        Start::Response { code: 200 } => parse_response(&head).map(Message::Response),
        Start::Response { code } => Err(ParseError::unexpected(
            WHAT,
            "200 OK",
            &format!("status {code}"),
        )),
        Start::Request { method, target } => {
            if target != "*" {
                return Err(ParseError::bad(WHAT, "request target", target));
            }
            match method.as_str() {
                "M-SEARCH" => parse_search(&head).map(Message::Search),
                "NOTIFY" => parse_notify(&head).map(Message::Notify),
                other => Err(ParseError::unexpected(WHAT, "M-SEARCH or NOTIFY", other)),
            }
        }
    }
}

fn parse_search(head: &Head) -> Result<Search, ParseError> {
    let man = head.need(WHAT, "MAN")?;
    if man.trim_matches('"') != "ssdp:discover" {
        return Err(ParseError::bad(WHAT, "MAN", man));
    }
    let mx = head
        .get("MX")
        .map(|v| v.parse::<u32>().map_err(|_| ParseError::bad(WHAT, "MX", v)))
        .transpose()?;
    Ok(Search {
        target: head.need(WHAT, "ST")?.to_owned(),
        mx,
        host: head.get("HOST").map(str::to_owned),
    })
}

fn parse_notify(head: &Head) -> Result<Notify, ParseError> {
    let nts = head.need(WHAT, "NTS")?;
    let kind = match nts {
        "ssdp:alive" => NotifyKind::Alive,
        "ssdp:byebye" => NotifyKind::ByeBye,
        "ssdp:update" => NotifyKind::Update,
        other => return Err(ParseError::bad(WHAT, "NTS", other)),
    };
    let location = head.get("LOCATION").map(str::to_owned);
    if kind != NotifyKind::ByeBye && location.is_none() {
        return Err(ParseError::missing(WHAT, "LOCATION"));
    }
    Ok(Notify {
        target: head.need(WHAT, "NT")?.to_owned(),
        kind,
        usn: head.need(WHAT, "USN")?.to_owned(),
        location,
        server: head.get("SERVER").map(str::to_owned),
    })
}

fn parse_response(head: &Head) -> Result<Response, ParseError> {
    Ok(Response {
        target: head.need(WHAT, "ST")?.to_owned(),
        usn: head.need(WHAT, "USN")?.to_owned(),
        location: head.need(WHAT, "LOCATION")?.to_owned(),
        server: head.get("SERVER").map(str::to_owned),
        max_age: head.get("CACHE-CONTROL").and_then(max_age),
    })
}

/// `max-age=N` out of a Cache-Control value.
fn max_age(v: &str) -> Option<u32> {
    v.split(',').find_map(|d| {
        let (k, n) = d.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("max-age"))
            .then(|| n.trim().parse().ok())
            .flatten()
    })
}

/// `HOST` for `addr`: IPv6 in brackets.
fn host_header(addr: SocketAddr) -> String {
    addr.to_string()
}

impl Search {
    /// An M-SEARCH for `target` sent to `to`. A multicast search carries `MX` (seconds the
    /// devices may wait before answering); a unicast one (UDA 1.1 §1.3.2) must not.
    #[must_use]
    pub fn new(target: &str, to: SocketAddr) -> Self {
        Self {
            target: target.to_owned(),
            mx: to.ip().is_multicast().then_some(1),
            host: Some(host_header(to)),
        }
    }

    /// The datagram.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut s = String::from("M-SEARCH * HTTP/1.1\r\n");
        if let Some(h) = &self.host {
            s.push_str(&format!("HOST: {h}\r\n"));
        }
        s.push_str("MAN: \"ssdp:discover\"\r\n");
        if let Some(mx) = self.mx {
            s.push_str(&format!("MX: {mx}\r\n"));
        }
        s.push_str(&format!("ST: {}\r\n\r\n", self.target));
        s.into_bytes()
    }

    /// Whether a device of `uuid` offering `types` (device and service types) answers this
    /// search, and with which `ST`.
    #[must_use]
    pub fn matched<'a>(&'a self, uuid: &str, types: &[&'a str]) -> Option<&'a str> {
        let st = self.target.as_str();
        let wanted_uuid = st.strip_prefix("uuid:");
        if st == targets::ALL || st == targets::ROOT_DEVICE || wanted_uuid == Some(uuid) {
            return Some(st);
        }
        types.iter().copied().find(|t| *t == st)
    }
}

impl Response {
    /// The datagram. `extra` headers follow the standard ones (Canon PowerShots want `Ext:`
    /// present and a Windows `Server`).
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut s = String::from("HTTP/1.1 200 OK\r\n");
        s.push_str(&format!(
            "CACHE-CONTROL: max-age={}\r\n",
            self.max_age.unwrap_or(1800)
        ));
        s.push_str("EXT:\r\n");
        s.push_str(&format!("LOCATION: {}\r\n", self.location));
        if let Some(server) = &self.server {
            s.push_str(&format!("SERVER: {server}\r\n"));
        }
        s.push_str(&format!("ST: {}\r\nUSN: {}\r\n\r\n", self.target, self.usn));
        s.into_bytes()
    }
}

impl Notify {
    /// The datagram, sent to `to` (the group, or a listener in tests).
    #[must_use]
    pub fn encode(&self, to: SocketAddr) -> Vec<u8> {
        let nts = match self.kind {
            NotifyKind::Alive => "ssdp:alive",
            NotifyKind::ByeBye => "ssdp:byebye",
            NotifyKind::Update => "ssdp:update",
        };
        let mut s = format!(
            "NOTIFY * HTTP/1.1\r\nHOST: {}\r\nCACHE-CONTROL: max-age=1800\r\n",
            host_header(to)
        );
        if let Some(l) = &self.location {
            s.push_str(&format!("LOCATION: {l}\r\n"));
        }
        if let Some(server) = &self.server {
            s.push_str(&format!("SERVER: {server}\r\n"));
        }
        s.push_str(&format!(
            "NT: {}\r\nNTS: {nts}\r\nUSN: {}\r\n\r\n",
            self.target, self.usn
        ));
        s.into_bytes()
    }
}

/// The UUID of a `USN` (`uuid:X::type` or `uuid:X`), if it has one.
#[must_use]
pub fn usn_uuid(usn: &str) -> Option<&str> {
    let rest = usn.strip_prefix("uuid:")?;
    let id = rest.split("::").next().unwrap_or(rest);
    (!id.is_empty()).then_some(id)
}

/// An `http://host[:port]/path` URL, as LOCATION headers give them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    /// The host: a name or an address (IPv6 without brackets).
    pub host: String,
    /// The port (80 when the URL has none).
    pub port: u16,
    /// The path with its query, starting with `/`.
    pub path: String,
}

impl HttpUrl {
    /// Parses a LOCATION URL. Only plain `http` is accepted: description URLs are never HTTPS,
    /// and a URL crate would bring IDNA and much else for these three fields.
    ///
    /// # Errors
    /// Not `http://`, no host, a port that is not a number.
    pub fn parse(url: &str) -> Result<Self, ParseError> {
        const WHAT: &str = "LOCATION URL";
        let bad = || ParseError::bad(WHAT, "URL", url);
        let rest = url
            .trim()
            .strip_prefix("http://")
            .or_else(|| url.trim().strip_prefix("HTTP://"))
            .ok_or_else(bad)?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(bad)?;
            (h, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/') {
            return Err(bad());
        }
        let port = match port {
            None | Some("") => 80,
            Some(p) => p.parse().map_err(|_| bad())?,
        };
        Ok(Self {
            host: host.to_owned(),
            port,
            path: path.to_owned(),
        })
    }

    /// The `Host` header value (IPv6 in brackets, the port always).
    #[must_use]
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}
