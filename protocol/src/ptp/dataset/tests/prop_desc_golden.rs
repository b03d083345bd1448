//! Golden vectors and error cases for DevicePropDesc.

use super::{expect_err, s};
use crate::Encode;
use crate::error::DecodeReason;
use crate::ptp::codes::{DataTypeCode, DevicePropCode};
use crate::ptp::dataset::{DevicePropDesc, FormFlag, GetSet, PropForm};
use crate::ptp::string::PtpString;
use crate::ptp::value::PropValue;

/// Encodes, checks the bytes and the length, decodes back.
fn golden(desc: &DevicePropDesc, bytes: &[u8]) {
    assert_eq!(desc.to_bytes(), bytes);
    assert_eq!(desc.encoded_len(), bytes.len());
    assert_eq!(&DevicePropDesc::decode(bytes).unwrap(), desc);
    let (rest, parsed) = DevicePropDesc::parse(bytes).unwrap();
    assert!(rest.is_empty());
    assert_eq!(&parsed, desc);
}

#[test]
fn range_form_uint8_from_the_x_t1() {
    // The X-T1's BatteryLevel description (0x1014 0x5001 in the fixture).
    #[rustfmt::skip]
    let bytes = [
        0x01, 0x50, // DevicePropertyCode 0x5001 (BatteryLevel)
        0x02, 0x00, // DataType UINT8
        0x00,       // Get/Set: get only
        0x00,       // FactoryDefaultValue 0
        0x00,       // CurrentValue 0
        0x01,       // FormFlag: range
        0x00,       // MinimumValue 0
        0x03,       // MaximumValue 3
        0x01,       // StepSize 1
    ];
    let desc = DevicePropDesc {
        code: DevicePropCode::BATTERY_LEVEL,
        data_type: DataTypeCode::UINT8,
        get_set: GetSet::GET,
        factory_default: PropValue::UInt8(0),
        current_value: PropValue::UInt8(0),
        form: PropForm::Range {
            min: PropValue::UInt8(0),
            max: PropValue::UInt8(3),
            step: PropValue::UInt8(1),
        },
    };
    golden(&desc, &bytes);
    assert!(!desc.is_settable());
    assert_eq!(desc.form.flag(), Some(FormFlag::RANGE));
}

#[test]
fn no_form_str() {
    #[rustfmt::skip]
    let bytes = [
        0x11, 0x50,                         // DevicePropertyCode 0x5011 (DateTime)
        0xFF, 0xFF,                         // DataType STR
        0x01,                               // Get/Set: settable
        0x00,                               // FactoryDefaultValue: empty string, count 0
        0x03, b'2', 0, b'4', 0, 0, 0,       // CurrentValue "24": count 3, two units, NUL
        0x00,                               // FormFlag: none
    ];
    let desc = DevicePropDesc {
        code: DevicePropCode(0x5011),
        data_type: DataTypeCode::STR,
        get_set: GetSet::GET_SET,
        factory_default: PropValue::Str(PtpString::empty()),
        current_value: PropValue::Str(s("24")),
        form: PropForm::None,
    };
    golden(&desc, &bytes);
    assert!(desc.is_settable());
    assert!(!desc.is_fixed_ascii());
}

#[test]
fn enumeration_form_uint32() {
    #[rustfmt::skip]
    let bytes = [
        0x0D, 0x50,             // DevicePropertyCode 0x500D (ExposureTime)
        0x06, 0x00,             // DataType UINT32
        0x01,                   // Get/Set: settable
        0x02, 0x00, 0x00, 0x00, // FactoryDefaultValue 2
        0xE0, 0x93, 0x04, 0x00, // CurrentValue 300,000
        0x02,                   // FormFlag: enumeration
        0x02, 0x00,             // NumberOfValues 2 (u16)
        0x02, 0x00, 0x00, 0x00, // SupportedValue 2
        0xFF, 0xFF, 0xFF, 0xFF, // SupportedValue 0xFFFFFFFF
    ];
    let desc = DevicePropDesc {
        code: DevicePropCode(0x500D),
        data_type: DataTypeCode::UINT32,
        get_set: GetSet::GET_SET,
        factory_default: PropValue::UInt32(2),
        current_value: PropValue::UInt32(300_000),
        form: PropForm::Enumeration {
            values: vec![PropValue::UInt32(2), PropValue::UInt32(0xFFFF_FFFF)],
        },
    };
    golden(&desc, &bytes);
}

#[test]
fn array_type_with_enumeration_of_arrays() {
    #[rustfmt::skip]
    let bytes = [
        0x00, 0xD1,                         // DevicePropertyCode 0xD100
        0x04, 0x40,                         // DataType AUINT16
        0x00,                               // Get/Set: get only
        0x00, 0x00, 0x00, 0x00,             // FactoryDefaultValue: empty array
        0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 0x02, // CurrentValue [1, 0x0203]
        0x02,                               // FormFlag: enumeration
        0x02, 0x00,                         // NumberOfValues 2
        0x00, 0x00, 0x00, 0x00,             // SupportedValue []
        0x01, 0x00, 0x00, 0x00, 0x07, 0x00, // SupportedValue [7]
    ];
    let desc = DevicePropDesc {
        code: DevicePropCode(0xD100),
        data_type: DataTypeCode::AUINT16,
        get_set: GetSet::GET,
        factory_default: PropValue::ArrayUInt16(vec![]),
        current_value: PropValue::ArrayUInt16(vec![1, 0x0203]),
        form: PropForm::Enumeration {
            values: vec![
                PropValue::ArrayUInt16(vec![]),
                PropValue::ArrayUInt16(vec![7]),
            ],
        },
    };
    golden(&desc, &bytes);
}

#[test]
fn int128_range() {
    let mut bytes = vec![
        0x01, 0xD1, // DevicePropertyCode 0xD101
        0x09, 0x00, // DataType INT128
        0x01, // Get/Set: settable
    ];
    bytes.extend([0xFF; 16]); // FactoryDefaultValue −1
    bytes.extend([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // CurrentValue 2
    bytes.push(0x01); // FormFlag: range
    bytes.extend([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80]); // MinimumValue i128::MIN
    bytes.extend([0xFF; 15]); // MaximumValue i128::MAX: fifteen 0xFF…
    bytes.push(0x7F); // …then 0x7F
    bytes.extend([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // StepSize 1
    let desc = DevicePropDesc {
        code: DevicePropCode(0xD101),
        data_type: DataTypeCode::INT128,
        get_set: GetSet::GET_SET,
        factory_default: PropValue::Int128(-1),
        current_value: PropValue::Int128(2),
        form: PropForm::Range {
            min: PropValue::Int128(i128::MIN),
            max: PropValue::Int128(i128::MAX),
            step: PropValue::Int128(1),
        },
    };
    golden(&desc, &bytes);
}

#[test]
fn uint128_no_form() {
    let mut bytes = vec![0x02, 0xD1, 0x0A, 0x00, 0x00]; // 0xD102, UINT128, get only
    bytes.extend([0xFF; 16]); // FactoryDefaultValue u128::MAX
    bytes.extend([0x01; 16]); // CurrentValue 0x0101…01
    bytes.push(0x00); // FormFlag: none
    let desc = DevicePropDesc::decode(&bytes).unwrap();
    assert_eq!(desc.data_type, DataTypeCode::UINT128);
    assert_eq!(desc.factory_default, PropValue::UInt128(u128::MAX));
    assert_eq!(
        desc.current_value,
        PropValue::UInt128(u128::from_le_bytes([1; 16]))
    );
    assert_eq!(desc.form, PropForm::None);
    assert_eq!(desc.to_bytes(), bytes);
}

/// A UINT16 description with no form: 0x5001, UINT16, settable, default 1, current 2.
const UINT16_NONE: [u8; 10] = [0x01, 0x50, 0x04, 0x00, 0x01, 0x01, 0x00, 0x02, 0x00, 0x00];

#[test]
fn unknown_form_flag() {
    let mut bytes = UINT16_NONE;
    bytes[9] = 0x03;
    assert_eq!(
        expect_err(DevicePropDesc::decode(&bytes), "DevicePropDesc", "FormFlag"),
        DecodeReason::UnknownFormFlag(3)
    );
}

#[test]
fn unknown_data_type() {
    let mut bytes = UINT16_NONE;
    bytes[2] = 0x0B; // data type 0x000B does not exist
    assert_eq!(
        expect_err(
            DevicePropDesc::decode(&bytes),
            "DevicePropDesc",
            "FactoryDefaultValue"
        ),
        DecodeReason::UnknownDataType(0x000B)
    );
}

#[test]
fn hostile_enumeration_count_is_refused_before_allocating() {
    // UINT32, default 0, current 0, enumeration of 0xFFFF values with one present.
    let bytes = [
        0x01, 0x50, 0x06, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0xFF, 0xFF, 1, 0, 0, 0,
    ];
    assert_eq!(
        expect_err(
            DevicePropDesc::decode(&bytes),
            "DevicePropDesc",
            "NumberOfValues"
        ),
        DecodeReason::Truncated {
            needed: 4 * 0xFFFF,
            available: 4
        }
    );
}

#[test]
fn truncated_and_trailing() {
    assert!(matches!(
        expect_err(
            DevicePropDesc::decode(&UINT16_NONE[..6]),
            "DevicePropDesc",
            "FactoryDefaultValue"
        ),
        DecodeReason::Truncated {
            needed: 2,
            available: 1
        }
    ));
    assert!(matches!(
        expect_err(
            DevicePropDesc::decode(&UINT16_NONE[..9]),
            "DevicePropDesc",
            "FormFlag"
        ),
        DecodeReason::Truncated { .. }
    ));
    // Leniently, a description without its form has no form (more in `lenient`).
    let no_form = DevicePropDesc::decode_lenient(&UINT16_NONE[..9]).unwrap();
    assert_eq!(no_form.value.form, PropForm::None);
    assert_eq!(no_form.quirks.len(), 1);
    let mut trailing = UINT16_NONE.to_vec();
    trailing.push(0);
    assert_eq!(
        expect_err(
            DevicePropDesc::decode(&trailing),
            "DevicePropDesc",
            "FormFlag"
        ),
        DecodeReason::TrailingBytes { extra: 1 }
    );
    // A range cut inside StepSize.
    let range = [
        0x01, 0x50, 0x04, 0x00, 0x01, 1, 0, 2, 0, 0x01, 0, 0, 9, 0, 1,
    ];
    assert!(matches!(
        expect_err(DevicePropDesc::decode(&range), "DevicePropDesc", "StepSize"),
        DecodeReason::Truncated { .. }
    ));
}

#[test]
fn str_description_with_no_fixed_width_keeps_everything_opaque() {
    #[rustfmt::skip]
    let bytes = [
        0x03, 0x50, 0xFF, 0xFF, 0x01,   // 0x5003, STR, settable
        b'a', b'b', 0, 0, 0, 0, 0x07,   // not a PTP string (count 0x61), and "ab" never recurs
    ];
    let desc = DevicePropDesc::decode(&bytes).unwrap();
    assert!(desc.is_fixed_ascii());
    assert_eq!(desc.factory_default, PropValue::FixedAscii(vec![]));
    assert_eq!(desc.current_value, PropValue::FixedAscii(vec![]));
    assert_eq!(desc.form, PropForm::Opaque(bytes[5..].to_vec()));
    assert_eq!(desc.form.flag(), None);
    assert_eq!(desc.to_bytes(), bytes);
    // `parse` reads the standard layout only.
    assert!(DevicePropDesc::parse(&bytes).is_err());
}

#[test]
fn standard_str_description_errors_are_not_swallowed_by_the_heuristic() {
    // A standard STR description: empty default, current "A", no form.
    let standard = [
        0x03, 0x50, 0xFF, 0xFF, 0x01, 0x00, 0x02, b'A', 0, 0, 0, 0x00,
    ];
    assert!(!DevicePropDesc::decode(&standard).unwrap().is_fixed_ascii());
    // With two stray bytes: still an error, as for any other type.
    let mut trailing = standard.to_vec();
    trailing.extend_from_slice(&[0xAB, 0xCD]);
    assert_eq!(
        expect_err(
            DevicePropDesc::decode(&trailing),
            "DevicePropDesc",
            "FormFlag"
        ),
        DecodeReason::TrailingBytes { extra: 2 }
    );
    // `parse` reads it and leaves the stray bytes.
    let (rest, parsed) = DevicePropDesc::parse(&trailing).unwrap();
    assert_eq!(rest, [0xAB, 0xCD]);
    assert_eq!(parsed.current_value, PropValue::Str(s("A")));
    // An unknown form flag (MTP's 3, DateTime) is an error too.
    let mut mtp_form = standard;
    mtp_form[11] = 0x03;
    assert_eq!(
        expect_err(
            DevicePropDesc::decode(&mtp_form),
            "DevicePropDesc",
            "FormFlag"
        ),
        DecodeReason::UnknownFormFlag(3)
    );
}

#[test]
fn str_description_with_nothing_after_get_set_is_an_error() {
    assert!(matches!(
        expect_err(
            DevicePropDesc::decode(&[0x03, 0x50, 0xFF, 0xFF, 0x01]),
            "DevicePropDesc",
            "FactoryDefaultValue"
        ),
        DecodeReason::Truncated { .. }
    ));
}

#[test]
fn fixed_width_heuristic_on_a_small_block() {
    #[rustfmt::skip]
    let bytes = [
        0x74, 0xD1, 0xFF, 0xFF, 0x01,        // 0xD174, STR, settable
        b'4', b'x', b'3', 0, 0, 0xEE,        // FactoryDefaultValue: "4x3", padding, one more byte
        b'4', b'x', b'3', 0, 0, 0xDD,        // CurrentValue: same text, width 6
        0x02, 0x07,                          // the form, kept opaque
    ];
    let desc = DevicePropDesc::decode(&bytes).unwrap();
    assert_eq!(
        desc.factory_default,
        PropValue::FixedAscii(bytes[5..11].to_vec())
    );
    assert_eq!(
        desc.current_value,
        PropValue::FixedAscii(bytes[11..17].to_vec())
    );
    assert_eq!(desc.current_value.fixed_ascii_text(), Some("4x3"));
    assert_eq!(desc.form, PropForm::Opaque(vec![0x02, 0x07]));
    assert_eq!(desc.to_bytes(), bytes);
    assert_eq!(desc.encoded_len(), bytes.len());
}

#[test]
fn enumeration_beyond_u16_is_cut_when_encoding() {
    let desc = DevicePropDesc {
        code: DevicePropCode(0xD000),
        data_type: DataTypeCode::UINT8,
        get_set: GetSet::GET,
        factory_default: PropValue::UInt8(0),
        current_value: PropValue::UInt8(0),
        form: PropForm::Enumeration {
            values: vec![PropValue::UInt8(9); PropForm::MAX_ENUM_VALUES + 3],
        },
    };
    let bytes = desc.to_bytes();
    assert_eq!(bytes.len(), desc.encoded_len());
    // header 5, two values 2, flag 1, count 2, then 65,535 one-byte values.
    assert_eq!(bytes.len(), 5 + 2 + 1 + 2 + 0xFFFF);
    assert_eq!(bytes[8..10], [0xFF, 0xFF]);
    match DevicePropDesc::decode(&bytes).unwrap().form {
        PropForm::Enumeration { values } => assert_eq!(values.len(), 0xFFFF),
        other => panic!("{other:?}"),
    }
}

#[test]
fn only_str_descriptions_use_the_x_t1_heuristic() {
    // code 0x5003, data type UINT16 (0x0004), GetSet 1, then ASCII.
    let bytes = [0x03, 0x50, 0x04, 0x00, 0x01, b'a', 0, b'a', 0];
    assert_eq!(DevicePropDesc::decode_fixed_ascii(&bytes), None);
    // STR with nothing after Get/Set.
    assert_eq!(
        DevicePropDesc::decode_fixed_ascii(&[0x03, 0x50, 0xFF, 0xFF, 0x01]),
        None
    );
}

#[test]
fn valid_ptp_string_values_rule_the_x_t1_heuristic_out() {
    // STR; default "a" and current "a" as PTP strings, then an unknown form flag 3.
    let bytes = [
        0x03, 0x50, 0xFF, 0xFF, 0x01, 2, b'a', 0, 0, 0, 2, b'a', 0, 0, 0, 3,
    ];
    assert_eq!(DevicePropDesc::decode_fixed_ascii(&bytes), None);
    // The same with the current value's terminator broken: now the heuristic runs, and finds no
    // width (the bytes before the first NUL, 0x02 'a', are not printable text).
    let mut broken = bytes;
    broken[13] = 1;
    let desc = DevicePropDesc::decode_fixed_ascii(&broken).expect("heuristic");
    assert_eq!(desc.form, PropForm::Opaque(broken[5..].to_vec()));
}
