//! The options of discovery and of the flows cameras start: `ptpip discover`, `-h auto`,
//! `ptpip listen` and `ptpip camera --announce`. Kept apart from the code that uses them so that
//! `args` depends on nothing but these declarations and `values`.

use std::path::PathBuf;

use clap::{ArgAction, Args};

use crate::values::parse_seconds;

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
    /// Address to listen on (IPv4 or IPv6)
    #[arg(long, default_value = "0.0.0.0", value_name = "ADDR")]
    pub(crate) address: String,
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
