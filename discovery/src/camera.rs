//! What a discovered camera is and how to connect to it, from whatever announced it.

use std::net::IpAddr;

use ptpip_protocol::Ports;
use ptpip_protocol::{Dialect, Guid};

use crate::description::Description;
use crate::fuji::{self, TetherInvite};
use crate::mdns::Instance;

/// How a camera was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// It answered an SSDP M-SEARCH, or sent a NOTIFY.
    Ssdp,
    /// It answered an mDNS/DNS-SD query.
    Mdns,
    /// It answered the Fujifilm tether broadcast.
    FujiTether,
    /// It invited us over Fujifilm PC AutoSave.
    FujiAutoSave,
    /// It is the default gateway and accepts TCP on the PTP/IP port.
    Gateway,
}

impl Source {
    /// The name used in output (`ssdp`, `mdns`, `fuji-tether`, `fuji-autosave`, `gateway`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Ssdp => "ssdp",
            Self::Mdns => "mdns",
            Self::FujiTether => "fuji-tether",
            Self::FujiAutoSave => "fuji-autosave",
            Self::Gateway => "gateway",
        }
    }
}

/// A camera found on the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its address (the address it answered from unless it named another).
    pub host: IpAddr,
    /// The PTP/IP dialect it speaks.
    pub dialect: Dialect,
    /// Its ports.
    pub ports: Ports,
    /// The manufacturer, when known.
    pub vendor: Option<String>,
    /// The model, when known.
    pub model: Option<String>,
    /// Its name (UPnP friendly name, mDNS instance, Fujifilm camera name).
    pub name: Option<String>,
    /// A stable identity: the UPnP UDN or the mDNS instance name.
    pub id: Option<String>,
    /// The initiator GUID it expects (Canon EOS gives it away in its `tid.canon.com` TXT).
    pub guid: Option<Guid>,
    /// How it was found, each way once.
    pub via: Vec<Source>,
}

/// The vendor named in a manufacturer string.
fn vendor_of(manufacturer: &str) -> Option<&'static str> {
    let m = manufacturer.to_ascii_lowercase();
    [
        ("sony", "Sony"),
        ("canon", "Canon"),
        ("nikon", "Nikon"),
        ("fujifilm", "Fujifilm"),
        ("ricoh", "Ricoh"),
        ("olympus", "Olympus"),
        ("panasonic", "Panasonic"),
        ("ptpip", "ptpip"),
    ]
    .into_iter()
    .find(|(k, _)| m.contains(k))
    .map(|(_, v)| v)
}

impl Found {
    /// A camera at `host` speaking `dialect` on its default ports.
    #[must_use]
    pub fn new(host: IpAddr, dialect: Dialect, via: Source) -> Self {
        Self {
            host,
            dialect,
            ports: Ports::for_dialect(dialect),
            vendor: None,
            model: None,
            name: None,
            id: None,
            guid: None,
            via: vec![via],
        }
    }

    /// The camera a UPnP description at `host` describes. Fujifilm bodies speak their dialect;
    /// everyone else standard PTP/IP on 15740, unless a `ptpip camera` extension says otherwise.
    #[must_use]
    pub fn from_description(d: &Description, host: IpAddr) -> Self {
        let vendor = d.manufacturer.as_deref().and_then(vendor_of);
        let ext = d.ptpip.unwrap_or_default();
        let dialect = ext.dialect.unwrap_or(if vendor == Some("Fujifilm") {
            Dialect::Fuji
        } else {
            Dialect::Generic
        });
        let mut f = Self::new(host, dialect, Source::Ssdp);
        f.ports = ports_from(dialect, ext.command_port, ext.event_port, ext.stream_port);
        f.vendor = vendor.map(str::to_owned).or_else(|| d.manufacturer.clone());
        f.model = d.model_name.clone();
        f.name = d.nickname.clone().or_else(|| d.friendly_name.clone());
        f.id = d.udn.clone();
        f
    }

    /// The camera an mDNS instance describes, `from` being the address the answer came from
    /// (used when the answer carries no address record). `None` for an instance without port.
    #[must_use]
    pub fn from_mdns(i: &Instance, from: IpAddr) -> Option<Self> {
        let port = i.port.filter(|p| *p != 0)?;
        let dialect = match i.txt_value("dialect") {
            Some("fuji") => Dialect::Fuji,
            _ => Dialect::Generic,
        };
        let host = i
            .addrs
            .iter()
            .copied()
            .find(|a| a.is_ipv4() == from.is_ipv4())
            .or_else(|| i.addrs.first().copied())
            .unwrap_or(from);
        let number = |k: &str| {
            i.txt_value(k)
                .and_then(|v| v.parse::<u16>().ok())
                .filter(|p| *p != 0)
        };
        let mut f = Self::new(host, dialect, Source::Mdns);
        f.ports = ports_from(dialect, Some(port), number("event"), number("stream"));
        f.name = Some(i.label.clone()).filter(|l| !l.is_empty());
        f.model = i.txt_value("model").map(str::to_owned);
        f.vendor = i
            .txt_value("vendor")
            .map(|v| vendor_of(v).unwrap_or(v).to_owned());
        if let Some(tid) = i.txt_value("tid.canon.com") {
            f.guid = canon_guid(tid);
            f.vendor.get_or_insert_with(|| "Canon".to_owned());
        }
        f.id = Some(i.name.clone());
        Some(f)
    }

    /// The camera a Fujifilm tether invitation names; `from` is the invitation's peer, used when
    /// `DSC` is not an address.
    #[must_use]
    pub fn from_tether(inv: &TetherInvite, from: IpAddr) -> Self {
        let host = fuji::host_part(&inv.camera).parse().unwrap_or(from);
        let dialect = inv.dialect.unwrap_or(Dialect::Fuji);
        let mut f = Self::new(host, dialect, Source::FujiTether);
        f.ports = ports_from(dialect, inv.port, inv.event_port, None);
        f.vendor = Some("Fujifilm".to_owned());
        f.model = inv.name.clone();
        f
    }

    /// Whether `other` is the same camera (same address and command port).
    #[must_use]
    pub fn same_camera(&self, other: &Self) -> bool {
        self.host == other.host && self.ports.command == other.ports.command
    }

    /// Adds what `other` knows about the same camera.
    pub fn merge(&mut self, other: Self) {
        for v in other.via {
            if !self.via.contains(&v) {
                self.via.push(v);
            }
        }
        self.via.sort();
        self.vendor = self.vendor.take().or(other.vendor);
        self.model = self.model.take().or(other.model);
        self.name = self.name.take().or(other.name);
        self.id = self.id.take().or(other.id);
        self.guid = self.guid.or(other.guid);
    }
}

/// Adds `f` to `list`, merged into the entry of the same camera if there is one.
pub fn add(list: &mut Vec<Found>, f: Found) {
    match list.iter_mut().find(|e| e.same_camera(&f)) {
        Some(e) => e.merge(f),
        None => list.push(f),
    }
}

/// The ports of a `dialect` camera whose command port is `command`: standard PTP/IP takes events
/// on the command port; Fujifilm on the next two unless told.
#[must_use]
pub fn ports_from(
    dialect: Dialect,
    command: Option<u16>,
    event: Option<u16>,
    stream: Option<u16>,
) -> Ports {
    let d = Ports::for_dialect(dialect);
    let Some(command) = command else {
        return Ports {
            event: event.unwrap_or(d.event),
            stream: stream.unwrap_or(d.stream),
            ..d
        };
    };
    let next = |n: u16| match dialect {
        Dialect::Generic => None,
        Dialect::Fuji => command.checked_add(n),
    };
    Ports {
        command,
        event: event
            .or_else(|| next(1))
            .unwrap_or(if dialect == Dialect::Generic {
                command
            } else {
                d.event
            }),
        stream: stream.or_else(|| next(2)).unwrap_or(d.stream),
    }
}

/// The initiator GUID a Canon EOS expects, from its `tid.canon.com` UUID: the first three
/// groups byte-reversed, the last two as they are (6dpy `c6d.py`, "Paparazzi over IP").
#[must_use]
pub fn canon_guid(tid: &str) -> Option<Guid> {
    let hex: String = tid.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut b = [0u8; 16];
    for (i, byte) in b.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    b[0..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    Some(Guid(b))
}
