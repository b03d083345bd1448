//! UPnP device descriptions (the XML at an SSDP `LOCATION`).
//!
//! `roxmltree` parses: it refuses DTDs (so no entity expansion) and caps the node count, which
//! with [`MAX_DESCRIPTION`] bounds what a hostile description can cost.

use ptpip_protocol::Dialect;

use crate::error::{ErrorKind, ParseError};

/// The largest description read (real ones are 1–10 KiB).
pub const MAX_DESCRIPTION: usize = 64 * 1024;
/// The most XML nodes a description may have.
const MAX_NODES: u32 = 4096;
/// The UPnP device namespace.
pub const UPNP_DEVICE_NS: &str = "urn:schemas-upnp-org:device-1-0";
/// The namespace of the `ptpip camera` extension elements ([`PtpipInfo`]).
pub const PTPIP_NS: &str = "urn:schemas-ptpip-rs:device-1-0";

/// One `<service>` of a device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Service {
    /// `serviceType`.
    pub service_type: String,
    /// `serviceId`.
    pub service_id: Option<String>,
    /// `SCPDURL`.
    pub scpd_url: Option<String>,
}

/// What a `ptpip camera` adds to its description so that discovery can connect to it without
/// guessing: its dialect and ports (the ports cameras use are fixed, a test camera's are not).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PtpipInfo {
    /// The PTP/IP dialect.
    pub dialect: Option<Dialect>,
    /// The command port.
    pub command_port: Option<u16>,
    /// The event port.
    pub event_port: Option<u16>,
    /// The Fujifilm live-view port.
    pub stream_port: Option<u16>,
}

/// A device description: the root device's fields that tell what the camera is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Description {
    /// `deviceType`.
    pub device_type: Option<String>,
    /// `friendlyName`.
    pub friendly_name: Option<String>,
    /// `manufacturer`.
    pub manufacturer: Option<String>,
    /// `modelName`.
    pub model_name: Option<String>,
    /// `serialNumber`.
    pub serial_number: Option<String>,
    /// `UDN` (`uuid:…`).
    pub udn: Option<String>,
    /// Canon's `X_deviceNickname`.
    pub nickname: Option<String>,
    /// The services.
    pub services: Vec<Service>,
    /// The `ptpip camera` extension, if present.
    pub ptpip: Option<PtpipInfo>,
}

const WHAT: &str = "device description";

/// The trimmed text of the first child of `node` named `local` (any namespace).
fn child_text(node: roxmltree::Node<'_, '_>, local: &str) -> Option<String> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == local)
        .and_then(|c| c.text())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

fn port(
    what: &'static str,
    node: roxmltree::Node<'_, '_>,
    local: &'static str,
) -> Result<Option<u16>, ParseError> {
    node.children()
        .find(|c| {
            c.is_element()
                && c.tag_name().name() == local
                && c.tag_name().namespace() == Some(PTPIP_NS)
        })
        .and_then(|c| c.text())
        .map(|t| {
            t.trim()
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| ParseError::bad(what, local, t))
        })
        .transpose()
}

impl Description {
    /// Parses a description.
    ///
    /// # Errors
    /// Empty, larger than [`MAX_DESCRIPTION`], not UTF-8, not XML (or with a DTD), a root that is
    /// not `<root>`, no `<device>`, or a `ptpip` extension whose port or dialect is unusable.
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        ParseError::check_len(WHAT, bytes.len(), MAX_DESCRIPTION)?;
        let text =
            std::str::from_utf8(bytes).map_err(|_| ParseError::new(WHAT, ErrorKind::NotText))?;
        let options = roxmltree::ParsingOptions {
            allow_dtd: false,
            nodes_limit: MAX_NODES,
        };
        let doc = roxmltree::Document::parse_with_options(text, options)
            .map_err(|e| ParseError::syntax(WHAT, e))?;
        let root = doc.root_element();
        if root.tag_name().name() != "root" {
            return Err(ParseError::unexpected(
                WHAT,
                "<root>",
                root.tag_name().name(),
            ));
        }
        let device = root
            .children()
            .find(|c| c.is_element() && c.tag_name().name() == "device")
            .ok_or_else(|| ParseError::missing(WHAT, "<device>"))?;
        let services = device
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "serviceList")
            .flat_map(|l| {
                l.children()
                    .filter(|c| c.is_element() && c.tag_name().name() == "service")
            })
            .filter_map(|s| {
                Some(Service {
                    service_type: child_text(s, "serviceType")?,
                    service_id: child_text(s, "serviceId"),
                    scpd_url: child_text(s, "SCPDURL"),
                })
            })
            .collect();
        let has_ptpip = device
            .children()
            .any(|c| c.is_element() && c.tag_name().namespace() == Some(PTPIP_NS));
        let ptpip = if has_ptpip {
            let dialect = device
                .children()
                .find(|c| {
                    c.is_element()
                        && c.tag_name().name() == "X_dialect"
                        && c.tag_name().namespace() == Some(PTPIP_NS)
                })
                .and_then(|c| c.text())
                .map(|t| match t.trim() {
                    "generic" => Ok(Dialect::Generic),
                    "fuji" => Ok(Dialect::Fuji),
                    other => Err(ParseError::bad(WHAT, "X_dialect", other)),
                })
                .transpose()?;
            Some(PtpipInfo {
                dialect,
                command_port: port(WHAT, device, "X_commandPort")?,
                event_port: port(WHAT, device, "X_eventPort")?,
                stream_port: port(WHAT, device, "X_streamPort")?,
            })
            .filter(|p| *p != PtpipInfo::default())
        } else {
            None
        };
        Ok(Self {
            device_type: child_text(device, "deviceType"),
            friendly_name: child_text(device, "friendlyName"),
            manufacturer: child_text(device, "manufacturer"),
            model_name: child_text(device, "modelName"),
            serial_number: child_text(device, "serialNumber"),
            udn: child_text(device, "UDN"),
            nickname: child_text(device, "X_deviceNickname"),
            services,
            ptpip,
        })
    }

    /// Whether a service of type `t` is offered.
    #[must_use]
    pub fn has_service(&self, t: &str) -> bool {
        self.services.iter().any(|s| s.service_type == t)
    }

    /// The description as XML.
    #[must_use]
    pub fn to_xml(&self) -> String {
        let mut x = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<root xmlns=\"{UPNP_DEVICE_NS}\" xmlns:ptpip=\"{PTPIP_NS}\">\r\n\
             <specVersion><major>1</major><minor>0</minor></specVersion>\r\n<device>\r\n"
        );
        let mut field = |name: &str, v: &Option<String>| {
            if let Some(v) = v {
                x.push_str(&format!("<{name}>{}</{name}>\r\n", escape(v)));
            }
        };
        field("deviceType", &self.device_type);
        field("friendlyName", &self.friendly_name);
        field("manufacturer", &self.manufacturer);
        field("modelName", &self.model_name);
        field("serialNumber", &self.serial_number);
        field("UDN", &self.udn);
        if let Some(p) = &self.ptpip {
            if let Some(d) = p.dialect {
                let d = match d {
                    Dialect::Generic => "generic",
                    Dialect::Fuji => "fuji",
                };
                x.push_str(&format!("<ptpip:X_dialect>{d}</ptpip:X_dialect>\r\n"));
            }
            for (name, v) in [
                ("X_commandPort", p.command_port),
                ("X_eventPort", p.event_port),
                ("X_streamPort", p.stream_port),
            ] {
                if let Some(v) = v {
                    x.push_str(&format!("<ptpip:{name}>{v}</ptpip:{name}>\r\n"));
                }
            }
        }
        if !self.services.is_empty() {
            x.push_str("<serviceList>\r\n");
            for s in &self.services {
                x.push_str(&format!(
                    "<service><serviceType>{}</serviceType>",
                    escape(&s.service_type)
                ));
                if let Some(id) = &s.service_id {
                    x.push_str(&format!("<serviceId>{}</serviceId>", escape(id)));
                }
                if let Some(u) = &s.scpd_url {
                    x.push_str(&format!("<SCPDURL>{}</SCPDURL>", escape(u)));
                }
                x.push_str("</service>\r\n");
            }
            x.push_str("</serviceList>\r\n");
        }
        x.push_str("</device>\r\n</root>\r\n");
        x
    }
}

/// XML character escaping for text content (the five predefined entities).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
