//! Real-camera fixtures: the X-T1 GetDevicePropDesc dumps (standard and fixed-width STR) and the X-H1
//! DeviceInfo.

use std::borrow::Cow;

use crate::Encode;
use crate::fuji::Container;
use crate::ptp::codes::{
    DataTypeCode, DevicePropCode, EventCode, FunctionalMode, ObjectFormatCode, OperationCode,
    ResponseCode, VendorExtensionId,
};
use crate::ptp::dataset::test_support::{
    X_T1_PROPERTIES_MD, XH1_DEVICE_INFO, data_payload, find_opreq, parse_opreqs,
};
use crate::ptp::dataset::{DeviceInfo, DevicePropDesc, GetSet, PropForm};
use crate::ptp::value::PropValue;
use crate::types::TransactionId;

/// What a description's form holds, in brief.
#[derive(Debug, PartialEq)]
enum Form {
    Range(i128, i128, i128),
    /// Count, first and last value.
    Enum(usize, Option<i128>, Option<i128>),
}

fn int(v: &PropValue) -> i128 {
    v.as_i128()
        .unwrap_or_else(|| panic!("not an integer: {v:?}"))
}

fn brief(form: &PropForm) -> Form {
    match form {
        PropForm::Range { min, max, step } => Form::Range(int(min), int(max), int(step)),
        PropForm::Enumeration { values } => Form::Enum(
            values.len(),
            values.first().map(int),
            values.last().map(int),
        ),
        other => panic!("unexpected form {other:?}"),
    }
}

/// Every standard description in the X-T1 fixture, read off the hex dumps by hand:
/// (code, data type, settable, factory default, current value, form).
#[rustfmt::skip]
const X_T1_STANDARD: &[(u16, DataTypeCode, bool, i128, i128, Form)] = &[
    (0x5001, DataTypeCode::UINT8, false, 0, 0, Form::Range(0, 3, 1)),
    (0x5005, DataTypeCode::UINT16, true, 2, 2, Form::Enum(10, Some(2), Some(0x800C))),
    (0x5007, DataTypeCode::UINT16, true, 0x15E, 0, Form::Enum(7, Some(0x15E), Some(0xFFFF))),
    (0x500A, DataTypeCode::UINT16, true, 0x8001, 0, Form::Enum(3, Some(1), Some(0x8002))),
    (0x500C, DataTypeCode::UINT16, true, 2, 0x8009, Form::Enum(2, Some(0x8009), Some(0x800A))),
    (0x500D, DataTypeCode::UINT32, true, 2, 0, Form::Enum(3, Some(2), Some(0xFFFF_FFFF))),
    (0x500E, DataTypeCode::UINT16, true, 6, 0, Form::Enum(13, Some(1), Some(0x8008))),
    (0x5010, DataTypeCode::INT16, true, 0, 0, Form::Enum(19, Some(-3000), Some(3000))),
    (0x5012, DataTypeCode::UINT16, true, 0, 0, Form::Enum(3, Some(0), Some(4))),
    (0xD001, DataTypeCode::UINT16, true, 1, 1, Form::Enum(11, Some(1), Some(11))),
    (0xD018, DataTypeCode::UINT16, true, 1, 1, Form::Enum(5, Some(1), Some(5))),
    (0xD019, DataTypeCode::UINT16, true, 1, 1, Form::Enum(2, Some(0), Some(1))),
    (0xD01D, DataTypeCode::UINT16, true, 1, 1, Form::Enum(0, None, None)),
    (0xD028, DataTypeCode::UINT16, true, 0, 0, Form::Enum(4, Some(0), Some(3))),
    (0xD02A, DataTypeCode::UINT32, true, 0xFFFF_FFFF, 0x8000_1900,
        Form::Enum(25, Some(0x8000_0190), Some(0x4000_C800))),
    (0xD170, DataTypeCode::UINT16, true, 1, 1, Form::Range(1, 0x27, 1)),
    (0xD17C, DataTypeCode::UINT32, true, 0, 0x0302_0702, Form::Range(0, 0x1009_0707, 1)),
    (0xD21B, DataTypeCode::UINT16, true, 0, 0, Form::Enum(15, Some(0), Some(14))),
    (0xD220, DataTypeCode::UINT32, true, 0, 0, Form::Range(0, 1, 1)),
    (0xD222, DataTypeCode::UINT32, true, 0, 0, Form::Range(0, 0x7530, 0)),
    (0xD226, DataTypeCode::UINT16, true, 0, 0, Form::Enum(2, Some(0), Some(1))),
];

/// The two fixed-width STR descriptions: (code, text, width, opaque form length).
const X_T1_FIXED: &[(u16, &str, usize, usize)] = &[
    // 660-byte container: 12 header + 5 fixed + 2 × 153 + 337.
    (0x5003, "L_4-3", 153, 337),
    // 289-byte container: 12 header + 5 fixed + 2 × 103 + 66.
    (0xD174, "320x280", 103, 66),
];

/// Decodes the 0x1014 dump for `code`: the data container's payload as a description, checked to
/// re-encode byte for byte, and the closing response checked to be OK for the same transaction.
fn x_t1_desc(code: u16) -> (DevicePropDesc, Vec<u8>) {
    let opreqs = parse_opreqs(X_T1_PROPERTIES_MD);
    let op = find_opreq(&opreqs, 0x1014, code);
    assert_eq!(op.dumps.len(), 2, "{code:#06x}: data and response");
    let Container::Data { transaction_id, .. } = Container::decode(&op.dumps[0]).unwrap() else {
        panic!("{code:#06x}: not data");
    };
    let payload = data_payload(&op.dumps[0], 0x1014);
    let desc = DevicePropDesc::decode(&payload).unwrap_or_else(|e| panic!("{code:#06x}: {e}"));
    assert_eq!(desc.code, DevicePropCode(code));
    assert_eq!(desc.to_bytes(), payload, "{code:#06x} re-encodes");
    assert_eq!(desc.encoded_len(), payload.len());
    assert_eq!(
        Container::decode(&op.dumps[1]).unwrap(),
        Container::Response {
            code: ResponseCode::OK,
            transaction_id,
            params: crate::types::Params::new(),
        }
    );
    (desc, payload)
}

#[test]
fn every_x_t1_description_decodes_and_re_encodes() {
    let opreqs = parse_opreqs(X_T1_PROPERTIES_MD);
    let codes: Vec<u16> = opreqs
        .iter()
        .filter(|o| o.op == 0x1014)
        .map(|o| o.param.unwrap())
        .collect();
    assert_eq!(codes.len(), 23);
    assert_eq!(codes.len(), X_T1_STANDARD.len() + X_T1_FIXED.len());
    for code in codes {
        let (desc, _) = x_t1_desc(code);
        let fixed = X_T1_FIXED.iter().any(|f| f.0 == code);
        assert_eq!(desc.is_fixed_ascii(), fixed, "{code:#06x}");
    }
}

#[test]
fn x_t1_standard_descriptions_have_the_expected_values() {
    for (code, data_type, settable, default, current, form) in X_T1_STANDARD {
        let (desc, _) = x_t1_desc(*code);
        assert_eq!(desc.data_type, *data_type, "{code:#06x}");
        assert_eq!(desc.get_set, GetSet(u8::from(*settable)), "{code:#06x}");
        assert_eq!(int(&desc.factory_default), *default, "{code:#06x}");
        assert_eq!(int(&desc.current_value), *current, "{code:#06x}");
        assert_eq!(&brief(&desc.form), form, "{code:#06x}");
        assert_eq!(desc.factory_default.data_type(), *data_type);
    }
}

#[test]
fn x_t1_fixed_width_str_descriptions() {
    let opreqs = parse_opreqs(X_T1_PROPERTIES_MD);
    for &(code, text, width, opaque_len) in X_T1_FIXED {
        let (desc, payload) = x_t1_desc(code);
        assert_eq!(desc.data_type, DataTypeCode::STR);
        assert!(desc.is_settable());
        let (PropValue::FixedAscii(default), PropValue::FixedAscii(current)) =
            (&desc.factory_default, &desc.current_value)
        else {
            panic!("{code:#06x}: {desc:?}");
        };
        assert_eq!(
            (default.len(), current.len()),
            (width, width),
            "{code:#06x}"
        );
        assert_eq!(desc.factory_default.fixed_ascii_text(), Some(text));
        assert_eq!(desc.current_value.as_text(), Some(text));
        let PropForm::Opaque(form) = &desc.form else {
            panic!("{code:#06x}: {:?}", desc.form);
        };
        assert_eq!(form.len(), opaque_len, "{code:#06x}");
        assert_eq!(&payload[5 + 2 * width..], form.as_slice());
        // The current value is exactly what GetDevicePropValue returns for the property.
        let value = data_payload(&find_opreq(&opreqs, 0x1015, code).dumps[0], 0x1015);
        assert_eq!(current, &value, "{code:#06x}");
        assert_eq!(
            PropValue::parse_whole(&value, DataTypeCode::STR).unwrap(),
            desc.current_value
        );
    }
}

#[test]
fn xh1_device_info_decodes_and_re_encodes() {
    assert_eq!(XH1_DEVICE_INFO.len(), 605);
    let Container::Data {
        code,
        transaction_id,
        payload,
    } = Container::decode(XH1_DEVICE_INFO).unwrap()
    else {
        panic!("not a data container");
    };
    assert_eq!(code, OperationCode::GET_DEVICE_INFO);
    assert_eq!(transaction_id, TransactionId(1));
    let info = DeviceInfo::decode(&payload).unwrap();

    assert_eq!(info.standard_version, 100);
    assert_eq!(info.vendor_extension_id, VendorExtensionId::MICROSOFT);
    assert_eq!(info.vendor_extension_version, 100);
    assert_eq!(info.vendor_extension_desc.as_str(), "fujifilm.co.jp: 1.0; ");
    assert_eq!(info.functional_mode, FunctionalMode::STANDARD_MODE);
    assert_eq!(info.manufacturer.as_str(), "FUJIFILM");
    assert_eq!(info.model.as_str(), "X-H1");
    assert_eq!(info.device_version.as_str(), "2.14");
    assert_eq!(
        info.serial_number.as_str(),
        "593534313432190906AA602021CA2A"
    );
    assert_eq!(info.operations_supported.len(), 27);
    assert_eq!(info.events_supported.len(), 6);
    assert_eq!(info.device_properties_supported.len(), 168);
    assert!(info.supports_operation(OperationCode::GET_DEVICE_PROP_DESC));
    assert!(info.supports_operation(OperationCode(0x9805)));
    assert!(info.events_supported.contains(&EventCode::OBJECT_ADDED));
    assert!(info.supports_property(DevicePropCode::FUJI_CURRENT_STATE));
    assert_eq!(
        info.capture_formats,
        [
            ObjectFormatCode::UNDEFINED_IMAGE,
            ObjectFormatCode::EXIF_JPEG,
            ObjectFormatCode(0xB103)
        ]
    );
    assert_eq!(info.image_formats, info.capture_formats);

    assert_eq!(info.to_bytes(), payload.as_ref());
    let again = Container::Data {
        code,
        transaction_id,
        payload: Cow::Owned(info.to_bytes()),
    };
    assert_eq!(again.to_bytes(), XH1_DEVICE_INFO);
}
