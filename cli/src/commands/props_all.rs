//! `props`: every property the camera advertises, with its value, type and allowed values, as
//! `gphoto2 --list-all-config` shows them; a property that cannot be read is marked and the rest
//! still listed.

use std::fmt::Write as _;

use ptpip_protocol::Dialect;
use ptpip_protocol::ptp::PropValue;
use ptpip_protocol::ptp::codes::DevicePropCode;
use ptpip_protocol::ptp::dataset::{DevicePropDesc, PropForm};
use ptpip_transport_std::Calls;
use serde::Serialize;

use super::CmdError;
use super::files::{call_error, session_over};
use super::render::{CodeJson, DescJson, code_json, desc_json};
use crate::output::{self, Format};
use crate::props;

/// One property as `props` found it.
pub(super) struct Found {
    /// Its code.
    pub(super) code: DevicePropCode,
    /// Its description, or why it could not be read.
    pub(super) desc: Result<DevicePropDesc, String>,
}

/// Every property the camera advertises: DeviceInfo's list, each described with
/// GetDevicePropDesc (Fujifilm: the 0x902B list, which holds the descriptions). Only a failure
/// of the session stops the listing.
pub(super) fn collect(calls: &mut dyn Calls, dialect: Dialect) -> Result<Vec<Found>, CmdError> {
    if dialect == Dialect::Fuji {
        let list = calls.fuji_prop_desc_list().map_err(call_error)?;
        return Ok(list
            .descs
            .into_iter()
            .map(|d| Found {
                code: d.code,
                desc: Ok(d),
            })
            .collect());
    }
    let codes = calls
        .device_info()
        .map_err(call_error)?
        .device_properties_supported;
    let mut found = Vec::with_capacity(codes.len());
    for code in codes {
        let desc = match calls.prop_desc(code) {
            Ok(d) => Ok(d),
            Err(e) if session_over(&e) => return Err(call_error(e)),
            Err(e) => Err(e.to_string()),
        };
        found.push(Found { code, desc });
    }
    Ok(found)
}

/// The short name `get` and `set` take for `code`, if it has one.
fn short_name(code: DevicePropCode, dialect: Dialect) -> Option<&'static str> {
    props::named(dialect)
        .into_iter()
        .find(|&(_, c)| c == code)
        .map(|(n, _)| n)
}

/// A property in JSON: its description with its short name, or the error.
#[derive(Serialize)]
#[serde(untagged)]
enum PropJson {
    Read {
        name: Option<&'static str>,
        #[serde(flatten)]
        desc: Box<DescJson>,
    },
    Unreadable {
        #[serde(rename = "devicePropertyCode")]
        code: CodeJson,
        name: Option<&'static str>,
        error: String,
    },
}

/// `props` as text or JSON.
pub(super) fn render(found: &[Found], dialect: Dialect, format: Format) -> String {
    if format != Format::Text {
        let list: Vec<PropJson> = found
            .iter()
            .map(|f| {
                let name = short_name(f.code, dialect);
                match &f.desc {
                    Ok(d) => PropJson::Read {
                        name,
                        desc: Box::new(desc_json(d, dialect)),
                    },
                    Err(e) => PropJson::Unreadable {
                        code: code_json(u32::from(f.code.0), f.code.name()),
                        name,
                        error: e.clone(),
                    },
                }
            })
            .collect();
        return output::json(&list, format);
    }
    let mut out = String::new();
    for f in found {
        let _ = write!(out, "{:#06x} {}", f.code.0, props::prop_name(f.code));
        match short_name(f.code, dialect) {
            Some(n) => {
                let _ = writeln!(out, " ({n})");
            }
            None => out.push('\n'),
        }
        let d = match &f.desc {
            Ok(d) => d,
            Err(e) => {
                let _ = writeln!(out, "  Error:    cannot be read: {e}");
                continue;
            }
        };
        let show = |v: &PropValue| props::show(d.code, v, dialect);
        let access = if d.is_settable() {
            "read-write"
        } else {
            "read-only"
        };
        let _ = writeln!(out, "  Type:     {}, {access}", d.data_type);
        let _ = writeln!(out, "  Current:  {}", show(&d.current_value));
        let _ = writeln!(out, "  Default:  {}", show(&d.factory_default));
        match &d.form {
            PropForm::None => out.push_str("  Allowed:  any\n"),
            PropForm::Range { min, max, step } => {
                let _ = writeln!(
                    out,
                    "  Allowed:  {} to {}, step {}",
                    show(min),
                    show(max),
                    show(step)
                );
            }
            PropForm::Enumeration { values } => {
                let list: Vec<String> = values.iter().map(show).collect();
                let _ = writeln!(out, "  Allowed:  {}", list.join(", "));
            }
            PropForm::Opaque(bytes) => {
                let _ = writeln!(out, "  Allowed:  ({} undecoded bytes)", bytes.len());
            }
        }
    }
    out
}

/// "2 of 9 properties could not be read (0x5003, 0xd001)", if any could not.
pub(super) fn unreadable(found: &[Found]) -> Option<String> {
    let bad: Vec<String> = found
        .iter()
        .filter(|f| f.desc.is_err())
        .map(|f| format!("{:#06x}", f.code.0))
        .collect();
    (!bad.is_empty()).then(|| {
        format!(
            "{} of {} properties could not be read ({})",
            bad.len(),
            found.len(),
            bad.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use ptpip_protocol::ptp::dataset::GetSet;

    use super::*;

    fn found() -> Vec<Found> {
        let wb = DevicePropDesc {
            code: DevicePropCode::WHITE_BALANCE,
            data_type: ptpip_protocol::ptp::codes::DataTypeCode::UINT16,
            get_set: GetSet::GET_SET,
            factory_default: PropValue::UInt16(2),
            current_value: PropValue::UInt16(4),
            form: PropForm::Enumeration {
                values: vec![PropValue::UInt16(2), PropValue::UInt16(4)],
            },
        };
        vec![
            Found {
                code: wb.code,
                desc: Ok(wb),
            },
            Found {
                code: DevicePropCode(0x5003),
                desc: Err("GetDevicePropDesc failed: DevicePropNotSupported".into()),
            },
        ]
    }

    #[test]
    fn props_print_as_text_and_json_and_name_what_cannot_be_read() {
        let f = found();
        let text = render(&f, Dialect::Generic, Format::Text);
        assert_eq!(
            text,
            "0x5005 WhiteBalance (whitebalance)\n\
             \x20 Type:     UINT16, read-write\n\
             \x20 Current:  Daylight (0x4)\n\
             \x20 Default:  Automatic (0x2)\n\
             \x20 Allowed:  Automatic (0x2), Daylight (0x4)\n\
             0x5003 ImageSize\n\
             \x20 Error:    cannot be read: GetDevicePropDesc failed: DevicePropNotSupported\n"
        );
        let j: serde_json::Value =
            serde_json::from_str(&render(&f, Dialect::Generic, Format::Json)).unwrap();
        assert_eq!(j[0]["name"], "whitebalance");
        assert_eq!(j[0]["devicePropertyCode"]["code"], 0x5005);
        assert_eq!(j[0]["currentValue"]["label"], "Daylight");
        assert_eq!(j[0]["readOnly"], false);
        assert_eq!(j[0]["form"]["values"][1]["value"], 4);
        assert_eq!(j[1]["devicePropertyCode"]["label"], "ImageSize");
        assert!(j[1]["error"].as_str().unwrap().contains("NotSupported"));
        assert_eq!(
            unreadable(&f).unwrap(),
            "1 of 2 properties could not be read (0x5003)"
        );
        assert_eq!(unreadable(&f[..1]), None);
    }
}
