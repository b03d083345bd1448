//! The Fujifilm text exchanges before PTP/IP (libfuji `docs/autosave.md`, `lib/discovery.c`;
//! vcam `src/fuji/ssdp.c`): HTTP-shaped lines, CRLF-terminated, usually without the final blank
//! line and without a body.
//!
//! PC AutoSave: the camera broadcasts [`Discover`] (UDP [`AUTOSAVE_REGISTER_PORT`] to register,
//! [`AUTOSAVE_CONNECT_PORT`] to connect); the host answers with [`Notify`] over TCP to the
//! camera's [`AUTOSAVE_NOTIFY_PORT`]; the camera then opens TCP to the host — [`Register`] on
//! the register port, [`Import`] on the connect port — and the host answers [`Accepted`]. After an
//! import the host opens PTP/IP to the camera ([`AUTOSAVE_PTP_PORT`]).
//!
//! Wireless tether: the host broadcasts [`Discovery`] (UDP [`PCSS_PORT`]) about once a second;
//! the camera opens TCP to the host's [`TETHER_PORT`] and sends a [`TetherInvite`]; the host
//! answers [`Accepted`] and connects to the port the invite names.
//!
//! Messages between `ptpip camera` and `ptpip listen` may carry `X-PTPIP-…` headers that real
//! cameras and hosts ignore: the ports a test picks are not the fixed ones, and the built-in
//! camera that serves files speaks standard PTP/IP.

use ptpip_protocol::Dialect;

use crate::error::ParseError;
use crate::head::{self, Head, Start};

/// PC AutoSave: the camera's TCP port for the host's [`Notify`].
pub const AUTOSAVE_NOTIFY_PORT: u16 = 51540;
/// PC AutoSave: UDP port of the "connect" [`Discover`], and the host's TCP port for [`Import`].
pub const AUTOSAVE_CONNECT_PORT: u16 = 51541;
/// PC AutoSave: UDP port of the "register" [`Discover`], and the host's TCP port for
/// [`Register`].
pub const AUTOSAVE_REGISTER_PORT: u16 = 51542;
/// PC AutoSave: the camera's PTP/IP command port.
pub const AUTOSAVE_PTP_PORT: u16 = 55740;
/// Wireless tether: the host's TCP port for the camera's [`TetherInvite`].
pub const TETHER_PORT: u16 = 51560;
/// Wireless tether: the UDP port the host's [`Discovery`] goes to.
pub const PCSS_PORT: u16 = 51562;
/// The broadcast address libfuji and vcam hard-code.
pub const BROADCAST: &str = "192.168.1.255";
/// The largest message read.
pub const MAX_MESSAGE: usize = 4096;
/// The PC AutoSave service name.
pub const AUTOSAVE_SERVICE: &str = "PCAUTOSAVE/1.0";
/// The tether service name.
pub const TETHER_SERVICE: &str = "PCSS/1.0";
/// The extension header carrying a `ptpip camera`'s event port.
const EVENT_PORT_HEADER: &str = "X-PTPIP-EVENTPORT";
/// The extension header carrying a `ptpip camera`'s dialect.
const DIALECT_HEADER: &str = "X-PTPIP-DIALECT";

fn dialect_value(v: &str) -> Result<Dialect, ParseError> {
    match v.trim() {
        "generic" => Ok(Dialect::Generic),
        "fuji" => Ok(Dialect::Fuji),
        other => Err(ParseError::bad(WHAT, DIALECT_HEADER, other)),
    }
}

const fn dialect_name(d: Dialect) -> &'static str {
    match d {
        Dialect::Generic => "generic",
        Dialect::Fuji => "fuji",
    }
}

/// Camera → host, UDP: "here is a camera that wants to register (`importer` is `None`, sent as
/// `*`) or to send pictures to `importer`".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discover {
    /// The importer named in the request line (`desktop`), `None` for `*`.
    pub importer: Option<String>,
    /// `DSCADDR`: the camera's address.
    pub camera: String,
    /// `SERVICE`.
    pub service: Option<String>,
    /// `HOST` as sent (the broadcast address, with a stray `:|` on real cameras).
    pub host: Option<String>,
    /// `X-PTPIP-NOTIFYPORT`: where the camera takes the [`Notify`] when it is not
    /// [`AUTOSAVE_NOTIFY_PORT`] (`ptpip camera` only).
    pub notify_port: Option<u16>,
}

/// Host → camera, TCP: "I am the importer".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notify {
    /// `HOST`: the camera address and notify port, as the host saw them.
    pub host: Option<String>,
    /// `IMPORTER`: the host's name (libfuji echoes the DISCOVER token).
    pub importer: String,
    /// `X-PTPIP-IMPORTPORT`: where the host takes the [`Import`] or [`Register`] when it is not
    /// the standard port (`ptpip listen` on a port the OS picked).
    pub import_port: Option<u16>,
}

/// Camera → host, TCP on the register port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    /// `DSCNAME` (`FUJIFILM-X-H1-CA2A`).
    pub name: String,
    /// `DSCMODEL` (`X-H1`).
    pub model: Option<String>,
}

/// Camera → host, TCP on the connect port: "connect to me now".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The request target (`/guest`, or `*` from vcam).
    pub folder: String,
    /// `DSCNAME`.
    pub name: Option<String>,
    /// `DSCPORT`, when it is a port number (cameras send `$`).
    pub port: Option<u16>,
    /// `X-PTPIP-EVENTPORT` (`ptpip camera` only).
    pub event_port: Option<u16>,
    /// `X-PTPIP-DIALECT` (`ptpip camera` only): the dialect when it is not Fujifilm's.
    pub dialect: Option<Dialect>,
}

/// Host → broadcast, UDP on [`PCSS_PORT`]: "a tether host is here".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// `HOST`: the host's address, where the camera connects to [`TETHER_PORT`].
    pub host: String,
    /// `SERVICE`.
    pub service: Option<String>,
    /// `X-PTPIP-TETHERPORT`: the tether port when it is not [`TETHER_PORT`] (`ptpip discover`
    /// tells `ptpip camera` where it listens).
    pub tether_port: Option<u16>,
}

/// Camera → host, TCP on [`TETHER_PORT`]: "connect to me here".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TetherInvite {
    /// `DSC`: the camera's address.
    pub camera: String,
    /// `CAMERANAME`: the model.
    pub name: Option<String>,
    /// `DSCPORT`: the PTP/IP command port.
    pub port: Option<u16>,
    /// `X-PTPIP-EVENTPORT` (`ptpip camera` only).
    pub event_port: Option<u16>,
    /// `X-PTPIP-DIALECT` (`ptpip camera` only).
    pub dialect: Option<Dialect>,
}

/// `HTTP/1.1 200 OK`, with the register answer's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accepted {
    /// `FOLDER`.
    pub folder: Option<String>,
    /// `ServiceName`.
    pub service: Option<String>,
}

/// Any Fujifilm discovery message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// See [`Discover`].
    Discover(Discover),
    /// See [`Notify`].
    Notify(Notify),
    /// See [`Register`].
    Register(Register),
    /// See [`Import`].
    Import(Import),
    /// See [`Discovery`].
    Discovery(Discovery),
    /// See [`TetherInvite`].
    TetherInvite(TetherInvite),
    /// See [`Accepted`].
    Accepted(Accepted),
}

const WHAT: &str = "Fujifilm discovery message";

fn opt_port(head: &Head, name: &'static str) -> Result<Option<u16>, ParseError> {
    head.get(name)
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| ParseError::bad(WHAT, name, v))
        })
        .transpose()
}

fn owned(v: Option<&str>) -> Option<String> {
    v.filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Parses one message (a datagram, or what a TCP peer sent before waiting for the answer).
///
/// # Errors
/// Empty, larger than [`MAX_MESSAGE`], not text lines, an unknown request, or a missing or bad
/// field.
pub fn parse(bytes: &[u8]) -> Result<Message, ParseError> {
    ParseError::check_len(WHAT, bytes.len(), MAX_MESSAGE)?;
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    // A start line: `HTTP/…` or `METHOD target HTTP/…`, whose first word has no colon (the
    // invitation's `DSC: a.b.c.d` has one).
    let first_word = first.split(|b| *b == b' ').next().unwrap_or_default();
    let has_start_line = first.starts_with(b"HTTP/")
        || (!first_word.contains(&b':') && first.windows(6).any(|w| w == b" HTTP/"));
    if !has_start_line {
        return parse_invite(bytes).map(Message::TetherInvite);
    }
    let head = head::parse(WHAT, bytes, MAX_MESSAGE)?;
    let target = match &head.start {
        Start::Response { code: 200 } => {
            return Ok(Message::Accepted(Accepted {
                folder: owned(head.get("FOLDER")),
                service: owned(head.get("ServiceName")),
            }));
        }
        Start::Response { code } => {
            return Err(ParseError::unexpected(
                WHAT,
                "200 OK",
                &format!("status {code}"),
            ));
        }
        Start::Request { target, .. } => target.clone(),
    };
    match head.method().unwrap_or_default() {
        "DISCOVER" => Ok(Message::Discover(Discover {
            importer: (target != "*").then_some(target),
            camera: head.need(WHAT, "DSCADDR")?.to_owned(),
            service: owned(head.get("SERVICE")),
            host: owned(head.get("HOST")),
            notify_port: opt_port(&head, "X-PTPIP-NOTIFYPORT")?,
        })),
        "NOTIFY" => Ok(Message::Notify(Notify {
            host: owned(head.get("HOST")),
            importer: head.need(WHAT, "IMPORTER")?.to_owned(),
            import_port: opt_port(&head, "X-PTPIP-IMPORTPORT")?,
        })),
        "REGISTER" => Ok(Message::Register(Register {
            name: head.need(WHAT, "DSCNAME")?.to_owned(),
            model: owned(head.get("DSCMODEL")),
        })),
        "IMPORT" => Ok(Message::Import(Import {
            folder: target,
            name: owned(head.get("DSCNAME")),
            port: head
                .get("DSCPORT")
                .and_then(|p| p.parse().ok())
                .filter(|p| *p != 0),
            event_port: opt_port(&head, EVENT_PORT_HEADER)?,
            dialect: head.get(DIALECT_HEADER).map(dialect_value).transpose()?,
        })),
        "DISCOVERY" => Ok(Message::Discovery(Discovery {
            host: head.need(WHAT, "HOST")?.to_owned(),
            service: owned(head.get("SERVICE")),
            tether_port: opt_port(&head, "X-PTPIP-TETHERPORT")?,
        })),
        other => Err(ParseError::unexpected(
            WHAT,
            "DISCOVER, NOTIFY, REGISTER, IMPORT or DISCOVERY",
            other,
        )),
    }
}

/// The tether invitation: `KEY: value` lines with no request line (libfuji tokenises it the
/// same way; the first line real cameras send is not documented, so a line that is not
/// `KEY: value` is skipped). Written by hand because `httparse` needs a start line.
fn parse_invite(bytes: &[u8]) -> Result<TetherInvite, ParseError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ParseError::new(WHAT, crate::error::ErrorKind::NotText))?;
    let mut fields = Vec::new();
    for line in text.lines().take(32) {
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim();
            if !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                fields.push((k, v.trim()));
            }
        }
    }
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    };
    let port = |name: &'static str| -> Result<Option<u16>, ParseError> {
        get(name)
            .map(|v| {
                v.parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| ParseError::bad(WHAT, name, v))
            })
            .transpose()
    };
    let camera = get("DSC").filter(|v| !v.is_empty()).ok_or_else(|| {
        if fields.is_empty() {
            ParseError::unexpected(
                WHAT,
                "a request line or KEY: value lines",
                text.lines().next().unwrap_or(""),
            )
        } else {
            ParseError::missing(WHAT, "DSC")
        }
    })?;
    Ok(TetherInvite {
        camera: camera.to_owned(),
        name: owned(get("CAMERANAME")),
        port: port("DSCPORT")?,
        event_port: port(EVENT_PORT_HEADER)?,
        dialect: get(DIALECT_HEADER).map(dialect_value).transpose()?,
    })
}

impl Discover {
    /// The datagram, as an X-H1 sends it (`HOST: <broadcast>:|`).
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut s = format!(
            "DISCOVER {} HTTP/1.1\r\nMX:3\r\nHOST:{}\r\nDSCADDR:{}\r\nSERVICE:{}\r\n",
            self.importer.as_deref().unwrap_or("*"),
            self.host.as_deref().unwrap_or("192.168.1.255:|"),
            self.camera,
            self.service.as_deref().unwrap_or(AUTOSAVE_SERVICE)
        )
        .into_bytes();
        if let Some(p) = self.notify_port {
            s.extend_from_slice(format!("X-PTPIP-NOTIFYPORT:{p}\r\n").as_bytes());
        }
        s
    }
}

impl Notify {
    /// The message, as libfuji sends it.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut s = String::from("NOTIFY * HTTP/1.1\r\n");
        if let Some(h) = &self.host {
            s.push_str(&format!("HOST: {h}\r\n"));
        }
        s.push_str(&format!("IMPORTER: {}\r\n", self.importer));
        if let Some(p) = self.import_port {
            s.push_str(&format!("X-PTPIP-IMPORTPORT: {p}\r\n"));
        }
        s.into_bytes()
    }
}

impl Register {
    /// The message, `host` being the host's address and register port.
    #[must_use]
    pub fn encode(&self, host: &str) -> Vec<u8> {
        let mut s = format!(
            "REGISTER * HTTP/1.1\r\nHOST:{host}\r\nDSCNAME:{}\r\n",
            self.name
        );
        if let Some(m) = &self.model {
            s.push_str(&format!("DSCMODEL:{m}\r\n"));
        }
        s.into_bytes()
    }
}

impl Import {
    /// The message, `host` being the host's address and connect port.
    #[must_use]
    pub fn encode(&self, host: &str) -> Vec<u8> {
        let mut s = format!("IMPORT {} HTTP/1.1\r\nHOST:{host}\r\n", self.folder);
        if let Some(n) = &self.name {
            s.push_str(&format!("DSCNAME:{n}\r\n"));
        }
        match self.port {
            Some(p) => s.push_str(&format!("DSCPORT:{p}\r\n")),
            None => s.push_str("DSCPORT:$\r\n"),
        }
        if let Some(p) = self.event_port {
            s.push_str(&format!("{EVENT_PORT_HEADER}:{p}\r\n"));
        }
        if let Some(d) = self.dialect {
            s.push_str(&format!("{DIALECT_HEADER}:{}\r\n", dialect_name(d)));
        }
        s.into_bytes()
    }
}

impl Discovery {
    /// The datagram, as libfuji sends it.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut s = format!(
            "DISCOVERY * HTTP/1.1\r\nHOST: {}\r\nMX: 5\r\nSERVICE: {}\r\n",
            self.host,
            self.service.as_deref().unwrap_or(TETHER_SERVICE)
        );
        if let Some(p) = self.tether_port {
            s.push_str(&format!("X-PTPIP-TETHERPORT: {p}\r\n"));
        }
        s.into_bytes()
    }
}

impl TetherInvite {
    /// The message.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut s = format!("DSC: {}\r\n", self.camera);
        if let Some(n) = &self.name {
            s.push_str(&format!("CAMERANAME: {n}\r\n"));
        }
        if let Some(p) = self.port {
            s.push_str(&format!("DSCPORT: {p}\r\n"));
        }
        if let Some(p) = self.event_port {
            s.push_str(&format!("{EVENT_PORT_HEADER}: {p}\r\n"));
        }
        if let Some(d) = self.dialect {
            s.push_str(&format!("{DIALECT_HEADER}: {}\r\n", dialect_name(d)));
        }
        s.into_bytes()
    }
}

impl Accepted {
    /// The answer.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut s = String::from("HTTP/1.1 200 OK\r\n");
        if let Some(f) = &self.folder {
            s.push_str(&format!("FOLDER: {f}\r\n"));
        }
        if let Some(n) = &self.service {
            s.push_str(&format!("ServiceName: {n}\r\n"));
        }
        s.into_bytes()
    }
}

/// The address part of a `HOST`/`DSCADDR` value: `a.b.c.d`, `a.b.c.d:port`, `[v6]:port`, a bare
/// IPv6 address, or a name; the `:|` real cameras append is dropped.
#[must_use]
pub fn host_part(v: &str) -> &str {
    let v = v.trim().trim_end_matches(":|");
    if let Some(rest) = v.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    if v.matches(':').count() == 1 {
        return v.split(':').next().unwrap_or(v);
    }
    v
}
