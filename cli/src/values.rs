//! Values as the command line and the config file spell them: ports, vendors, seconds, booleans,
//! keep-alive methods. Both `args` and `config` parse through here, so a value means the same
//! wherever it is written.

use std::time::Duration;

use ptpip_protocol::Dialect;
use ptpip_protocol::initiator::KeepAliveMethod;

/// Parses a port: decimal, `0x…`, `0o…` or `0b…`, 1–65535.
pub(crate) fn parse_port(text: &str) -> Result<u16, String> {
    match crate::props::parse_uint(text) {
        Some(0) => Err("value out of range: 0 (a port is 1–65535)".into()),
        Some(v) => {
            u16::try_from(v).map_err(|_| format!("value out of range: {v} (a port is 1–65535)"))
        }
        None => Err(format!("invalid port '{text}'")),
    }
}

/// Parses a vendor name.
pub(crate) fn parse_vendor(text: &str) -> Result<Dialect, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "generic" | "" => Ok(Dialect::Generic),
        "fuji" | "fujifilm" => Ok(Dialect::Fuji),
        other => Err(format!("unknown vendor '{other}' (generic or fuji)")),
    }
}

/// Parses a number of seconds; `zero_ok` allows 0.
pub(crate) fn parse_seconds(text: &str, zero_ok: bool) -> Result<Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v == 0.0 && zero_ok => Ok(Duration::ZERO),
        Ok(v) if v.is_finite() && v > 0.0 && v < 1e6 => Ok(Duration::from_secs_f64(v)),
        _ => Err(format!("'{text}' is not a number of seconds")),
    }
}

/// Parses a boolean: true/false, yes/no, on/off, 1/0.
pub(crate) fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "t" | "true" | "y" | "yes" | "on" => Ok(true),
        "0" | "f" | "false" | "n" | "no" | "off" => Ok(false),
        other => Err(format!("'{other}' is not a boolean (true or false)")),
    }
}

/// A transport for the client commands: `std` or `mio`.
pub(crate) fn parse_transport(s: &str) -> Result<crate::client::Transport, String> {
    use crate::client::Transport;
    match s.trim().to_ascii_lowercase().as_str() {
        "std" => Ok(Transport::Std),
        "mio" => Ok(Transport::Mio),
        other => Err(format!("unknown transport '{other}' (std or mio)")),
    }
}

/// A keep-alive method: `operation` or `probe`.
pub(crate) fn parse_keep_alive_method(s: &str) -> Result<KeepAliveMethod, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "operation" | "op" | "getdeviceinfo" => Ok(KeepAliveMethod::GetDeviceInfo),
        "probe" => Ok(KeepAliveMethod::Probe),
        other => Err(format!(
            "unknown keep-alive method '{other}' (operation or probe)"
        )),
    }
}

/// A keep-alive method as the options spell it.
pub(crate) const fn keep_alive_method_name(m: KeepAliveMethod) -> &'static str {
    match m {
        KeepAliveMethod::Probe => "probe",
        KeepAliveMethod::GetDeviceInfo => "operation",
    }
}

/// A Fujifilm mode: `remote`, `browse` or `geotag`.
pub(crate) fn parse_mode(text: &str) -> Result<ptpip_protocol::fuji::FujiMode, String> {
    text.parse()
}

/// A Fujifilm body's Wi-Fi function for `ptpip camera`: `remote`, `browse`, `receive` or
/// `no-remote`.
pub(crate) fn parse_personality(
    text: &str,
) -> Result<ptpip_protocol::camera::FujiPersonality, String> {
    ptpip_protocol::camera::FujiPersonality::from_name(text).ok_or_else(|| {
        format!("unknown camera mode '{text}' (remote, browse, receive or no-remote)")
    })
}

/// A Fujifilm app version: hex with or without `0x` (`0x000200FF`, `200ff`).
pub(crate) fn parse_app_version(text: &str) -> Result<u32, String> {
    crate::props::parse_hex(text)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| format!("'{text}' is not an app version (hex, such as 0x000200FF)"))
}
