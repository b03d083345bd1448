//! The options of discovery and of the flows cameras start: `ptpip discover`, `-h auto`,
//! `ptpip listen` and `ptpip camera --announce`, and their keys in the config file
//! (`[discovery]`, `[listener]`: the options' names with `_`). Kept apart from the code that uses
//! them so that `args` and `config` depend on nothing but these declarations and `values`.
//!
//! ```ini
//! [discovery]
//! ssdp = 239.255.255.250:1900      ; one address or several (commas), or off
//! ssdp_listen = 0.0.0.0:1900
//! mdns = 224.0.0.251:5353
//! fuji_broadcast = 192.168.1.255:51562
//! fuji_listen = 0.0.0.0:51560
//! gateway = auto                    ; auto | off | an address
//! timeout = 3
//! [listener]
//! dir = ~/Pictures/camera
//! address = 0.0.0.0
//! autosave_port = 51541
//! register_port = 51542
//! importer = desktop
//! upnp = true
//! upnp_listen = 0.0.0.0:1900
//! upnp_http_port = 8043
//! uuid = 0b5c1d5e-9a7e-4d0a-b1e6-3c1f0e2d4a59
//! ptp_port = 15740
//! ```

use std::path::PathBuf;

use clap::{ArgAction, Args};

use crate::values::{parse_bool, parse_port, parse_seconds};

/// A number of seconds, as the other options take them.
fn seconds(s: &str) -> Result<f64, String> {
    parse_seconds(s, false).map(|d| d.as_secs_f64())
}

/// Where discovery looks: taken by `ptpip discover` and by `-h auto`.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct DiscoveryFlags {
    /// Discovery: where SSDP M-SEARCH goes, ADDR[:PORT] (repeatable) or off
    /// [default: 239.255.255.250:1900]
    #[arg(long = "ssdp", value_name = "ADDR")]
    pub(crate) ssdp: Vec<String>,
    /// Discovery: where SSDP NOTIFY announcements are heard (Canon EOS in EOS Utility mode only
    /// announces), ADDR[:PORT] or off [default: 0.0.0.0:1900 in the group when --ssdp is the
    /// group, else off]
    #[arg(long = "ssdp-listen", value_name = "ADDR")]
    pub(crate) ssdp_listen: Option<String>,
    /// Discovery: where the DNS-SD _ptp._tcp query goes, ADDR[:PORT] (repeatable) or off
    /// [default: 224.0.0.251:5353]
    #[arg(long = "mdns", value_name = "ADDR")]
    pub(crate) mdns: Vec<String>,
    /// Discovery: where the Fujifilm tether announcement goes, ADDR[:PORT] (repeatable) or off
    /// [default: 255.255.255.255:51562]
    #[arg(long = "fuji-broadcast", value_name = "ADDR")]
    pub(crate) fuji: Vec<String>,
    /// Discovery: where Fujifilm tether invitations are taken, ADDR[:PORT] (port 0: the OS
    /// picks) [default: 0.0.0.0:51560]
    #[arg(long = "fuji-listen", value_name = "ADDR")]
    pub(crate) fuji_listen: Option<String>,
    /// Discovery: the gateway checked for a camera's PTP/IP port: auto, off or an address
    /// [default: auto, the default route's gateway]
    #[arg(long = "gateway", value_name = "ADDR")]
    pub(crate) gateway: Option<String>,
    /// Discovery: how long to look, in seconds [default: 3]
    #[arg(long = "discover-timeout", value_parser = seconds, value_name = "SECS")]
    pub(crate) timeout: Option<f64>,
}

/// `ptpip discover`.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct DiscoverArgs {
    /// How long to look, in seconds [default: 3]
    #[arg(long = "timeout", id = "wait", value_parser = seconds, value_name = "SECS")]
    pub(crate) timeout: Option<f64>,
    /// Where to look
    #[command(flatten)]
    pub(crate) flags: DiscoveryFlags,
    /// JSON output
    #[arg(long)]
    pub(crate) json: bool,
    /// Print help (`-h` is taken by the host)
    #[arg(short = '?', long = "help", action = ArgAction::Help)]
    pub(crate) help: Option<bool>,
}

/// `ptpip listen`.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct ListenArgs {
    /// Folder the pictures go to [default: the current directory]
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,
    /// Address to listen on (IPv4 or IPv6) [default: 0.0.0.0]
    #[arg(long, value_name = "ADDR")]
    pub(crate) address: Option<String>,
    /// Fujifilm PC AutoSave connect port (UDP DISCOVER and TCP IMPORT), 0 to let the OS pick
    /// [default: 51541]
    #[arg(long = "autosave-port", value_name = "PORT")]
    pub(crate) autosave_port: Option<u16>,
    /// Fujifilm PC AutoSave register port (UDP DISCOVER and TCP REGISTER), 0 to let the OS pick
    /// [default: 51542]
    #[arg(long = "register-port", value_name = "PORT")]
    pub(crate) register_port: Option<u16>,
    /// The name this computer gives cameras [default: the name the camera asks for, else ptpip]
    #[arg(long, value_name = "NAME")]
    pub(crate) importer: Option<String>,
    /// Stop after one camera's download
    #[arg(long)]
    pub(crate) once: bool,
    /// Answer Canon PowerShots' "connect to computer" search as a UPnP root device
    #[arg(long)]
    pub(crate) upnp: bool,
    /// UPnP: where searches are taken [default: 0.0.0.0:1900, in the group 239.255.255.250]
    #[arg(long = "upnp-listen", value_name = "ADDR")]
    pub(crate) upnp_listen: Option<String>,
    /// UPnP: the description's port, 0 to let the OS pick [default: 8043]
    #[arg(long = "upnp-http-port", value_name = "PORT")]
    pub(crate) upnp_http_port: Option<u16>,
    /// UPnP: the UUID to answer with [default: one made once and kept in CONFIG_DIR/ptpip/upnp-uuid]
    #[arg(long, value_name = "UUID")]
    pub(crate) uuid: Option<String>,
    /// UPnP: the camera's PTP/IP port, connected to once it has read the description
    /// [default: 15740]
    #[arg(long = "ptp-port", value_name = "PORT")]
    pub(crate) ptp_port: Option<u16>,
    /// Print help (`-h` is taken by the host)
    #[arg(short = '?', long = "help", action = ArgAction::Help)]
    pub(crate) help: Option<bool>,
}

/// How `ptpip camera` announces itself.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct AnnounceArgs {
    /// Announce the camera by SSDP and mDNS (and, for Fujifilm, answer tether hosts)
    #[arg(long)]
    pub(crate) announce: bool,
    /// Where SSDP searches are taken [default: 0.0.0.0:1900, in the group 239.255.255.250]
    #[arg(long = "ssdp-listen", value_name = "ADDR")]
    pub(crate) ssdp_listen: Option<String>,
    /// Where NOTIFY goes, or off [default: 239.255.255.250:1900]
    #[arg(long = "ssdp-notify", value_name = "ADDR")]
    pub(crate) ssdp_notify: Option<String>,
    /// Where mDNS queries are taken [default: 0.0.0.0:5353, in the group 224.0.0.251]
    #[arg(long = "mdns-listen", value_name = "ADDR")]
    pub(crate) mdns_listen: Option<String>,
    /// Where unsolicited mDNS announcements go, or off [default: 224.0.0.251:5353]
    #[arg(long = "mdns-announce", value_name = "ADDR")]
    pub(crate) mdns_announce: Option<String>,
    /// Fujifilm: where tether hosts' broadcasts are taken, or off [default: 0.0.0.0:51562]
    #[arg(long = "fuji-tether-listen", value_name = "ADDR")]
    pub(crate) tether_listen: Option<String>,
    /// Fujifilm PC AutoSave: invite the computer at ADDR (UDP DISCOVER every second until one
    /// answers), e.g. 255.255.255.255:51541
    #[arg(long = "autosave-to", value_name = "ADDR")]
    pub(crate) autosave_to: Option<String>,
    /// Fujifilm PC AutoSave: the TCP port the computer's NOTIFY comes to, 0 to let the OS pick
    /// [default: 51540]
    #[arg(long = "autosave-notify-port", value_name = "PORT")]
    pub(crate) autosave_notify_port: Option<u16>,
}

/// The `[discovery]` keys of the config file.
pub(crate) const DISCOVERY_KEYS: &[&str] = &[
    "ssdp",
    "ssdp_listen",
    "mdns",
    "fuji_broadcast",
    "fuji_listen",
    "gateway",
    "timeout",
];

/// The `[listener]` keys of the config file.
pub(crate) const LISTENER_KEYS: &[&str] = &[
    "dir",
    "address",
    "autosave_port",
    "register_port",
    "importer",
    "upnp",
    "upnp_listen",
    "upnp_http_port",
    "uuid",
    "ptp_port",
];

/// A bad value in the config file: its section, its key, what is wrong.
pub(crate) type FileError = (&'static str, &'static str, String);

/// Checks an address as the options take it: `off`, `a.b.c.d[:port]`, `[v6][:port]`, a bare IPv6
/// address, or `name[:port]` (names are resolved when used).
fn check_addr(v: &str) -> Result<String, String> {
    let v = v.trim();
    let ok = v.eq_ignore_ascii_case("off")
        || v.parse::<std::net::SocketAddr>().is_ok()
        || v.trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok()
        || match v.rsplit_once(':') {
            Some((h, p)) => !h.is_empty() && !h.contains(':') && p.parse::<u16>().is_ok(),
            None => !v.is_empty() && !v.contains(char::is_whitespace),
        };
    if ok {
        Ok(v.to_owned())
    } else {
        Err(format!("'{v}' is not an address (ADDR[:PORT] or off)"))
    }
}

/// A port for a listener: 0 lets the OS pick.
fn any_port(v: &str) -> Result<u16, String> {
    match v.trim() {
        "0" => Ok(0),
        p => parse_port(p),
    }
}

/// Reads `[discovery]` and `[listener]` through `get(section, key)` (the key's value, if set).
pub(crate) fn from_file(
    get: &dyn Fn(&str, &str) -> Option<String>,
) -> Result<(DiscoveryFlags, ListenArgs), FileError> {
    const D: &str = "discovery";
    const L: &str = "listener";
    let one = |section: &'static str, key: &'static str| {
        get(section, key)
            .map(|v| check_addr(&v).map_err(|e| (section, key, e)))
            .transpose()
    };
    let list = |key: &'static str| -> Result<Vec<String>, FileError> {
        get(D, key).map_or(Ok(Vec::new()), |v| {
            v.split([',', ' '])
                .filter(|a| !a.is_empty())
                .map(|a| check_addr(a).map_err(|e| (D, key, e)))
                .collect()
        })
    };
    let port = |key: &'static str| {
        get(L, key)
            .map(|v| any_port(&v).map_err(|e| (L, key, e)))
            .transpose()
    };
    let discovery = DiscoveryFlags {
        ssdp: list("ssdp")?,
        ssdp_listen: one(D, "ssdp_listen")?,
        mdns: list("mdns")?,
        fuji: list("fuji_broadcast")?,
        fuji_listen: one(D, "fuji_listen")?,
        gateway: match get(D, "gateway") {
            Some(g) if g == "auto" => Some(g),
            Some(g) => Some(check_addr(&g).map_err(|e| (D, "gateway", e))?),
            None => None,
        },
        timeout: get(D, "timeout")
            .map(|v| parse_seconds(&v, false).map(|d| d.as_secs_f64()))
            .transpose()
            .map_err(|e| (D, "timeout", e))?,
    };
    let listener = ListenArgs {
        dir: get(L, "dir").map(PathBuf::from),
        address: get(L, "address")
            .map(|a| {
                let bare = a.trim_start_matches('[').trim_end_matches(']');
                bare.parse::<std::net::IpAddr>()
                    .map(|_| a.clone())
                    .map_err(|_| (L, "address", format!("'{a}' is not an IP address")))
            })
            .transpose()?,
        autosave_port: port("autosave_port")?,
        register_port: port("register_port")?,
        importer: get(L, "importer"),
        upnp: get(L, "upnp")
            .map(|v| parse_bool(&v))
            .transpose()
            .map_err(|e| (L, "upnp", e))?
            .unwrap_or(false),
        upnp_listen: one(L, "upnp_listen")?,
        upnp_http_port: port("upnp_http_port")?,
        uuid: get(L, "uuid")
            .map(|u| {
                uuid::Uuid::parse_str(u.trim())
                    .map(|_| u.clone())
                    .map_err(|e| (L, "uuid", format!("'{u}' is not a UUID: {e}")))
            })
            .transpose()?,
        ptp_port: get(L, "ptp_port")
            .map(|v| parse_port(&v).map_err(|e| (L, "ptp_port", e)))
            .transpose()?,
        once: false,
        help: None,
    };
    Ok((discovery, listener))
}

impl DiscoveryFlags {
    /// These options, with `file`'s where these say nothing.
    pub(crate) fn or_file(&self, file: &Self) -> Self {
        let list =
            |a: &Vec<String>, b: &Vec<String>| if a.is_empty() { b.clone() } else { a.clone() };
        Self {
            ssdp: list(&self.ssdp, &file.ssdp),
            ssdp_listen: self
                .ssdp_listen
                .clone()
                .or_else(|| file.ssdp_listen.clone()),
            mdns: list(&self.mdns, &file.mdns),
            fuji: list(&self.fuji, &file.fuji),
            fuji_listen: self
                .fuji_listen
                .clone()
                .or_else(|| file.fuji_listen.clone()),
            gateway: self.gateway.clone().or_else(|| file.gateway.clone()),
            timeout: self.timeout.or(file.timeout),
        }
    }
}

impl ListenArgs {
    /// These options, with `file`'s where these say nothing.
    pub(crate) fn or_file(&self, file: &Self) -> Self {
        Self {
            dir: self.dir.clone().or_else(|| file.dir.clone()),
            address: self.address.clone().or_else(|| file.address.clone()),
            autosave_port: self.autosave_port.or(file.autosave_port),
            register_port: self.register_port.or(file.register_port),
            importer: self.importer.clone().or_else(|| file.importer.clone()),
            once: self.once,
            upnp: self.upnp || file.upnp,
            upnp_listen: self
                .upnp_listen
                .clone()
                .or_else(|| file.upnp_listen.clone()),
            upnp_http_port: self.upnp_http_port.or(file.upnp_http_port),
            uuid: self.uuid.clone().or_else(|| file.uuid.clone()),
            ptp_port: self.ptp_port.or(file.ptp_port),
            help: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(pairs: &[(&str, &str, &str)]) -> Result<(DiscoveryFlags, ListenArgs), FileError> {
        let m: HashMap<(String, String), String> = pairs
            .iter()
            .map(|(s, k, v)| (((*s).to_owned(), (*k).to_owned()), (*v).to_owned()))
            .collect();
        from_file(&|s, k| m.get(&(s.to_owned(), k.to_owned())).cloned())
    }

    #[test]
    fn file_values_are_checked_and_the_command_line_wins() {
        let (d, l) = read(&[
            ("discovery", "ssdp", "239.255.255.250:1900, 127.0.0.1:4000"),
            ("discovery", "mdns", "off"),
            ("discovery", "gateway", "auto"),
            ("discovery", "timeout", "1.5"),
            ("listener", "autosave_port", "0"),
            ("listener", "address", "::1"),
            ("listener", "upnp", "yes"),
            ("listener", "uuid", "0b5c1d5e-9a7e-4d0a-b1e6-3c1f0e2d4a59"),
        ])
        .unwrap();
        assert_eq!(d.ssdp, ["239.255.255.250:1900", "127.0.0.1:4000"]);
        assert_eq!(
            (d.mdns.as_slice(), d.timeout),
            (&["off".to_owned()][..], Some(1.5))
        );
        assert_eq!(
            (l.autosave_port, l.address.as_deref(), l.upnp),
            (Some(0), Some("::1"), true)
        );
        let cli = DiscoveryFlags {
            ssdp: vec!["127.0.0.1:9".into()],
            ..DiscoveryFlags::default()
        };
        let both = cli.or_file(&d);
        assert_eq!(both.ssdp, ["127.0.0.1:9"]);
        assert_eq!(both.gateway.as_deref(), Some("auto"));
        assert_eq!(ListenArgs::default().or_file(&l).autosave_port, Some(0));

        for (s, k, v) in [
            ("discovery", "ssdp", "127.0.0.1:99999"),
            ("discovery", "fuji_listen", "host:port"),
            ("discovery", "timeout", "soon"),
            ("listener", "register_port", "70000"),
            ("listener", "address", "localhost"),
            ("listener", "upnp", "maybe"),
            ("listener", "uuid", "x"),
            ("listener", "ptp_port", "0"),
        ] {
            let e = read(&[(s, k, v)]).unwrap_err();
            assert_eq!((e.0, e.1), (s, k), "{e:?}");
        }
    }
}
