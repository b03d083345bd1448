//! How datasets print: text tables, and JSON in the shapes of the Go tool (`DevicePropDescJSON`)
//! with one key style throughout: camelCase, as most of the Go tool's keys were (`dataType`,
//! `readOnly`, `formType`); its three capitalised ones are `devicePropertyCode`,
//! `factoryDefaultValue` and `currentValue` here.

use std::fmt::Write as _;

use ptpip_protocol::ptp::PropValue;
use ptpip_protocol::ptp::codes::DevicePropCode;
use ptpip_protocol::ptp::dataset::{DeviceInfo, DevicePropDesc, PropForm};
use ptpip_protocol::{DeviceEvent, Dialect};
use serde::Serialize;
use serde_json::Value;

use crate::output::{self, Format};
use crate::props;

/// A code and its name.
#[derive(Serialize)]
pub(super) struct CodeJson {
    code: u32,
    label: String,
}

pub(super) fn code_json(code: u32, label: Option<&str>) -> CodeJson {
    CodeJson {
        code,
        label: label.unwrap_or("Unknown").to_owned(),
    }
}

/// A value and its label (the label is the value as text when it has none).
#[derive(Serialize)]
struct ValueJson {
    value: Value,
    label: String,
}

/// A value as JSON: integers as numbers (128-bit ones as strings), arrays as arrays, text as
/// strings.
fn raw_json(value: &PropValue) -> Value {
    if let Some(text) = value.as_text() {
        return Value::String(text.to_owned());
    }
    match value.as_i128() {
        Some(v) => i64::try_from(v)
            .map(Value::from)
            .or_else(|_| u64::try_from(v).map(Value::from))
            .unwrap_or_else(|_| Value::String(v.to_string())),
        // Arrays and huge UINT128: their Display form parses as JSON for arrays.
        None => serde_json::from_str(&value.to_string())
            .unwrap_or_else(|_| Value::String(value.to_string())),
    }
}

fn value_json(code: DevicePropCode, value: &PropValue, dialect: Dialect) -> ValueJson {
    ValueJson {
        value: raw_json(value),
        label: props::label(code, value, dialect).unwrap_or_else(|| value.to_string()),
    }
}

/// The Go tool's `DevicePropDescJSON`, its keys in camelCase.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DescJson {
    #[serde(rename = "devicePropertyCode")]
    code: CodeJson,
    data_type: String,
    read_only: bool,
    #[serde(rename = "factoryDefaultValue")]
    factory_default: ValueJson,
    #[serde(rename = "currentValue")]
    current: ValueJson,
    form_type: &'static str,
    form: Option<FormJson>,
}

/// The allowed values: a range or a list.
#[derive(Serialize)]
#[serde(untagged)]
enum FormJson {
    Range { min: Value, max: Value, step: Value },
    Values { values: Vec<ValueJson> },
}

pub(super) fn desc_json(d: &DevicePropDesc, dialect: Dialect) -> DescJson {
    let (form_type, form) = match &d.form {
        PropForm::None => ("none", None),
        PropForm::Range { min, max, step } => (
            "range",
            Some(FormJson::Range {
                min: raw_json(min),
                max: raw_json(max),
                step: raw_json(step),
            }),
        ),
        PropForm::Enumeration { values } => (
            "enum",
            Some(FormJson::Values {
                values: values
                    .iter()
                    .map(|x| value_json(d.code, x, dialect))
                    .collect(),
            }),
        ),
        // The X-T1's undecoded fixed-width text descriptions.
        PropForm::Opaque(_) => ("opaque", None),
    };
    DescJson {
        code: code_json(u32::from(d.code.0), d.code.name()),
        data_type: d.data_type.to_string().to_ascii_lowercase(),
        read_only: !d.is_settable(),
        factory_default: value_json(d.code, &d.factory_default, dialect),
        current: value_json(d.code, &d.current_value, dialect),
        form_type,
        form,
    }
}

/// `describe`.
pub(super) fn describe(d: &DevicePropDesc, dialect: Dialect, format: Format) -> String {
    if format != Format::Text {
        return output::json(&desc_json(d, dialect), format);
    }
    let show = |v: &PropValue| props::show(d.code, v, dialect);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Property:         {} ({:#06x})",
        props::prop_name(d.code),
        d.code.0
    );
    let _ = writeln!(out, "Data type:        {}", d.data_type);
    let access = if d.is_settable() { "get/set" } else { "get" };
    let _ = writeln!(out, "Access:           {access}");
    let _ = writeln!(out, "Factory default:  {}", show(&d.factory_default));
    let _ = writeln!(out, "Current value:    {}", show(&d.current_value));
    match &d.form {
        PropForm::None => out.push_str("Allowed values:   any\n"),
        PropForm::Range { min, max, step } => {
            let _ = writeln!(
                out,
                "Allowed values:   range: min {}, max {}, step {}",
                show(min),
                show(max),
                show(step)
            );
        }
        PropForm::Enumeration { values } => {
            let _ = writeln!(out, "Allowed values:   {} values:", values.len());
            for v in values {
                let _ = writeln!(out, "  {}", show(v));
            }
        }
        PropForm::Opaque(bytes) => {
            let _ = writeln!(out, "Allowed values:   ({} undecoded bytes)", bytes.len());
        }
    }
    out
}

const VALUE_HEADERS: [&str; 5] = [
    "DevicePropCode",
    "Property name",
    "Value as string",
    "Value as int64",
    "Value in hex",
];

fn value_row(code: DevicePropCode, value: &PropValue, dialect: Dialect) -> Vec<String> {
    vec![
        format!("{:#06x}", code.0),
        props::prop_name(code).to_owned(),
        props::label(code, value, dialect).unwrap_or_else(|| value.to_string()),
        value.as_i128().map_or_else(String::new, |v| v.to_string()),
        props::hex(value).unwrap_or_default(),
    ]
}

/// `info` on a Fujifilm camera: the 0x902B descriptions with their current values.
pub(super) fn desc_list(descs: &[DevicePropDesc], dialect: Dialect, format: Format) -> String {
    if format != Format::Text {
        let list: Vec<DescJson> = descs.iter().map(|d| desc_json(d, dialect)).collect();
        return output::json(&list, format);
    }
    let rows: Vec<Vec<String>> = descs
        .iter()
        .map(|d| value_row(d.code, &d.current_value, dialect))
        .collect();
    output::table(&VALUE_HEADERS, &rows)
}

/// A property and its value in JSON: one 0xD212 entry, or what `get` read.
#[derive(Serialize)]
struct StateJson {
    #[serde(rename = "devicePropertyCode")]
    code: CodeJson,
    #[serde(rename = "currentValue")]
    current: ValueJson,
}

/// `get`: `Velvia (0x2)`, or the property and its value in JSON.
pub(super) fn value(
    code: DevicePropCode,
    value: &PropValue,
    dialect: Dialect,
    format: Format,
) -> String {
    if format == Format::Text {
        return format!("{}\n", props::show(code, value, dialect));
    }
    let j = StateJson {
        code: code_json(u32::from(code.0), code.name()),
        current: value_json(code, value, dialect),
    };
    output::json(&j, format)
}

/// A device event in JSON.
#[derive(Serialize)]
struct EventJson<'a> {
    code: u16,
    label: &'a str,
    transaction: u32,
    params: Vec<u32>,
}

/// One event as `events` prints it, without its newline: text, or a JSON object on one line.
pub(crate) fn event(e: &DeviceEvent, format: Format) -> String {
    if format == Format::Text {
        return super::stream::event_line(e);
    }
    let j = EventJson {
        code: e.code.0,
        label: e.code.name().unwrap_or("Unknown"),
        transaction: e.transaction.0,
        params: e.params.as_slice().to_vec(),
    };
    serde_json::to_string(&j).unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()))
}

/// `state`: the 0xD212 entries.
pub(super) fn state(entries: &[(DevicePropCode, PropValue)], format: Format) -> String {
    let dialect = Dialect::Fuji;
    if format != Format::Text {
        let list: Vec<StateJson> = entries
            .iter()
            .map(|(c, v)| StateJson {
                code: code_json(u32::from(c.0), c.name()),
                current: value_json(*c, v, dialect),
            })
            .collect();
        return output::json(&list, format);
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|(c, v)| value_row(*c, v, dialect))
        .collect();
    output::table(&VALUE_HEADERS, &rows)
}

/// DeviceInfo in JSON.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeviceInfoJson {
    standard_version: u16,
    vendor_extension_id: CodeJson,
    vendor_extension_version: u16,
    vendor_extension_desc: String,
    functional_mode: CodeJson,
    operations_supported: Vec<CodeJson>,
    events_supported: Vec<CodeJson>,
    device_properties_supported: Vec<CodeJson>,
    capture_formats: Vec<CodeJson>,
    image_formats: Vec<CodeJson>,
    manufacturer: String,
    model: String,
    device_version: String,
    serial_number: String,
}

/// Codes with names, as JSON.
fn codes<T: Copy>(items: &[T], code: impl Fn(T) -> (u32, Option<&'static str>)) -> Vec<CodeJson> {
    items
        .iter()
        .map(|&c| {
            let (v, n) = code(c);
            code_json(v, n)
        })
        .collect()
}

/// `info` on a generic camera: its DeviceInfo.
pub(super) fn device_info(di: &DeviceInfo, format: Format) -> String {
    if format != Format::Text {
        let j = DeviceInfoJson {
            standard_version: di.standard_version,
            vendor_extension_id: code_json(di.vendor_extension_id.0, di.vendor_extension_id.name()),
            vendor_extension_version: di.vendor_extension_version,
            vendor_extension_desc: di.vendor_extension_desc.as_str().to_owned(),
            functional_mode: code_json(u32::from(di.functional_mode.0), di.functional_mode.name()),
            operations_supported: codes(&di.operations_supported, |c| (c.0.into(), c.name())),
            events_supported: codes(&di.events_supported, |c| (c.0.into(), c.name())),
            device_properties_supported: codes(&di.device_properties_supported, |c| {
                (c.0.into(), c.name())
            }),
            capture_formats: codes(&di.capture_formats, |c| (c.0.into(), c.name())),
            image_formats: codes(&di.image_formats, |c| (c.0.into(), c.name())),
            manufacturer: di.manufacturer.as_str().to_owned(),
            model: di.model.as_str().to_owned(),
            device_version: di.device_version.as_str().to_owned(),
            serial_number: di.serial_number.as_str().to_owned(),
        };
        return output::json(&j, format);
    }
    let mut out = String::new();
    let _ = writeln!(out, "Manufacturer:      {}", di.manufacturer.as_str());
    let _ = writeln!(out, "Model:             {}", di.model.as_str());
    let _ = writeln!(out, "Device version:    {}", di.device_version.as_str());
    let _ = writeln!(out, "Serial number:     {}", di.serial_number.as_str());
    let _ = writeln!(
        out,
        "Standard version:  {}.{:02}",
        di.standard_version / 100,
        di.standard_version % 100
    );
    let _ = writeln!(
        out,
        "Vendor extension:  {} version {}.{:02} {:?}",
        di.vendor_extension_id,
        di.vendor_extension_version / 100,
        di.vendor_extension_version % 100,
        di.vendor_extension_desc.as_str()
    );
    let _ = writeln!(out, "Functional mode:   {}", di.functional_mode);
    let mut list = |title: &str, items: Vec<(u32, Option<&'static str>)>| {
        let _ = writeln!(out, "{title} ({}):", items.len());
        for (code, name) in items {
            let _ = writeln!(out, "  {code:#06x}  {}", name.unwrap_or("Unknown"));
        }
    };
    list(
        "Operations supported",
        di.operations_supported
            .iter()
            .map(|c| (c.0.into(), c.name()))
            .collect(),
    );
    list(
        "Events supported",
        di.events_supported
            .iter()
            .map(|c| (c.0.into(), c.name()))
            .collect(),
    );
    list(
        "Device properties supported",
        di.device_properties_supported
            .iter()
            .map(|c| (c.0.into(), c.name()))
            .collect(),
    );
    list(
        "Capture formats",
        di.capture_formats
            .iter()
            .map(|c| (c.0.into(), c.name()))
            .collect(),
    );
    list(
        "Image formats",
        di.image_formats
            .iter()
            .map(|c| (c.0.into(), c.name()))
            .collect(),
    );
    out
}
