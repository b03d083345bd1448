//! `decode_lenient`: where each dataset may end early, trailing bytes, the quirks reported, and the
//! refusals that stay (a field cut in the middle, a dataset ending before its mandatory fields,
//! hostile counts, bad strings).

use proptest::collection::vec;
use proptest::prelude::*;

use super::golden::{
    DEVICE_INFO_BYTES, STORAGE_INFO_BYTES, device_info, object_info, object_info_bytes,
    storage_info,
};
use super::props::{arb_device_info, arb_object_info, arb_storage_info};
use super::{ascii_ptp_str, expect_err};
use crate::Encode;
use crate::error::DecodeReason;
use crate::ptp::codes::{DataTypeCode, DevicePropCode};
use crate::ptp::dataset::test_support::{
    X_T1_PROPERTIES_MD, XH1_DEVICE_INFO, arb_desc, data_payload, find_opreq, parse_opreqs,
};
use crate::ptp::dataset::{DeviceInfo, DevicePropDesc, GetSet, ObjectInfo, PropForm, StorageInfo};
use crate::ptp::string::PtpString;
use crate::ptp::value::PropValue;
use crate::quirk::{Quirk, ReadAs, Tolerant};

fn missing(context: &'static str, fields: &'static [&'static str]) -> Quirk {
    Quirk::MissingFields {
        context,
        fields,
        read_as: if context == "DevicePropDesc" {
            ReadAs::NoForm
        } else {
            ReadAs::Empty
        },
    }
}

fn trailing(context: &'static str, count: u64, all_zero: bool) -> Quirk {
    Quirk::TrailingBytes {
        context,
        count,
        all_zero,
    }
}

/// `bytes` with `extra` appended.
fn plus(bytes: &[u8], extra: &[u8]) -> Vec<u8> {
    [bytes, extra].concat()
}

// ---------------------------------------------------------------------------------------------
// DeviceInfo: must reach ImageFormats; the four strings may be missing.
// ---------------------------------------------------------------------------------------------

/// Offset of Manufacturer in the golden DeviceInfo.
const DI_STRINGS: usize = 47;

#[test]
fn device_info_exact_input_has_no_quirks() {
    let t = DeviceInfo::decode_lenient(DEVICE_INFO_BYTES).unwrap();
    assert_eq!(t, Tolerant::exact(device_info()));
}

#[test]
fn device_info_may_end_before_each_string() {
    let all: &[&str] = &["Manufacturer", "Model", "DeviceVersion", "SerialNumber"];
    // Manufacturer "Fu" is 7 bytes, Model empty 1, DeviceVersion "1" 5.
    let ends = [DI_STRINGS, DI_STRINGS + 7, DI_STRINGS + 8, DI_STRINGS + 13];
    for (k, end) in ends.into_iter().enumerate() {
        let t = DeviceInfo::decode_lenient(&DEVICE_INFO_BYTES[..end]).unwrap();
        assert_eq!(t.quirks, [missing("DeviceInfo", &all[k..])], "end {end}");
        let mut expected = device_info();
        let strings = [
            &mut expected.manufacturer,
            &mut expected.model,
            &mut expected.device_version,
            &mut expected.serial_number,
        ];
        for s in strings.into_iter().skip(k) {
            *s = PtpString::empty();
        }
        assert_eq!(t.value, expected);
        // The strict decoder still refuses.
        assert!(DeviceInfo::decode(&DEVICE_INFO_BYTES[..end]).is_err());
    }
    assert_eq!(
        DeviceInfo::decode_lenient(&DEVICE_INFO_BYTES[..DI_STRINGS])
            .unwrap()
            .quirks[0]
            .to_string(),
        "DeviceInfo: ends before Manufacturer; Manufacturer, Model, DeviceVersion, SerialNumber \
         read as empty"
    );
}

#[test]
fn device_info_refusals_stay() {
    // Ending inside ImageFormats, or before it: those fields are mandatory.
    for end in [DI_STRINGS - 1, DI_STRINGS - 8, DI_STRINGS - 6] {
        let e = DeviceInfo::decode_lenient(&DEVICE_INFO_BYTES[..end]).unwrap_err();
        assert_eq!(
            (e.context, e.field),
            ("DeviceInfo", "ImageFormats"),
            "{end}"
        );
    }
    // An empty data phase (what the X-T4 answers to GetDeviceInfo).
    assert!(matches!(
        expect_err(
            DeviceInfo::decode_lenient(&[]),
            "DeviceInfo",
            "StandardVersion"
        ),
        DecodeReason::Truncated { .. }
    ));
    // Cut inside SerialNumber: a field that starts must be whole.
    let cut = &DEVICE_INFO_BYTES[..DEVICE_INFO_BYTES.len() - 1];
    assert_eq!(
        expect_err(
            DeviceInfo::decode_lenient(cut),
            "DeviceInfo",
            "SerialNumber"
        ),
        DecodeReason::Truncated {
            needed: 4,
            available: 3
        }
    );
    // A hostile count is still refused before allocating.
    let mut hostile = DEVICE_INFO_BYTES[..15].to_vec();
    hostile.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 1, 0]);
    assert!(matches!(
        expect_err(
            DeviceInfo::decode_lenient(&hostile),
            "DeviceInfo",
            "OperationsSupported"
        ),
        DecodeReason::Truncated {
            needed: 0x1_FFFF_FFFE,
            ..
        }
    ));
    // A string without its NUL is still refused, even as the last field present.
    let mut bad = DEVICE_INFO_BYTES[..DI_STRINGS + 7].to_vec();
    bad[DI_STRINGS + 5] = b'x';
    assert_eq!(
        expect_err(
            DeviceInfo::decode_lenient(&bad),
            "DeviceInfo",
            "Manufacturer"
        ),
        DecodeReason::MissingTerminator
    );
}

#[test]
fn device_info_trailing_bytes_are_ignored_and_counted() {
    let padded = plus(DEVICE_INFO_BYTES, &[0; 6]);
    // The golden test's refusal stays for the strict decoder …
    assert!(DeviceInfo::decode(&padded).is_err());
    // … and the lenient one reads it.
    let t = DeviceInfo::decode_lenient(&padded).unwrap();
    assert_eq!(t.value, device_info());
    assert_eq!(t.quirks, [trailing("DeviceInfo", 6, true)]);
    assert_eq!(
        t.quirks[0].to_string(),
        "DeviceInfo: 6 trailing bytes ignored (all zero)"
    );
    let t = DeviceInfo::decode_lenient(&plus(DEVICE_INFO_BYTES, &[2, b'X', 0, 0, 0])).unwrap();
    assert_eq!(t.quirks, [trailing("DeviceInfo", 5, false)]);
}

#[test]
fn xh1_device_info_is_exact() {
    let payload = data_payload(XH1_DEVICE_INFO, 0x1001);
    let t = DeviceInfo::decode_lenient(&payload).unwrap();
    assert!(t.is_exact());
    assert_eq!(t.value.model.as_str(), "X-H1");
}

// ---------------------------------------------------------------------------------------------
// StorageInfo: must reach FreeSpaceInImages; the two strings may be missing.
// ---------------------------------------------------------------------------------------------

#[test]
fn storage_info_may_end_before_each_string() {
    let t = StorageInfo::decode_lenient(&STORAGE_INFO_BYTES[..26]).unwrap();
    let mut expected = storage_info();
    expected.storage_description = PtpString::empty();
    assert_eq!(t.value, expected);
    assert_eq!(
        t.quirks,
        [missing(
            "StorageInfo",
            &["StorageDescription", "VolumeLabel"]
        )]
    );
    // After "SD" (7 bytes): only VolumeLabel missing (it is empty in the golden vector anyway).
    let t = StorageInfo::decode_lenient(&STORAGE_INFO_BYTES[..33]).unwrap();
    assert_eq!(t.value, storage_info());
    assert_eq!(t.quirks, [missing("StorageInfo", &["VolumeLabel"])]);
    assert_eq!(
        t.quirks[0].to_string(),
        "StorageInfo: no VolumeLabel field, read as empty"
    );
    assert!(
        StorageInfo::decode_lenient(STORAGE_INFO_BYTES)
            .unwrap()
            .is_exact()
    );
}

#[test]
fn storage_info_refusals_stay() {
    assert_eq!(
        expect_err(
            StorageInfo::decode_lenient(&STORAGE_INFO_BYTES[..25]),
            "StorageInfo",
            "FreeSpaceInImages"
        ),
        DecodeReason::Truncated {
            needed: 4,
            available: 3
        }
    );
    // StorageDescription cut after its count byte.
    assert!(matches!(
        expect_err(
            StorageInfo::decode_lenient(&STORAGE_INFO_BYTES[..28]),
            "StorageInfo",
            "StorageDescription"
        ),
        DecodeReason::Truncated { .. }
    ));
}

#[test]
fn storage_info_trailing_bytes() {
    let t = StorageInfo::decode_lenient(&plus(STORAGE_INFO_BYTES, &[0])).unwrap();
    assert_eq!(t.value, storage_info());
    assert_eq!(t.quirks, [trailing("StorageInfo", 1, true)]);
}

// ---------------------------------------------------------------------------------------------
// ObjectInfo: must reach Filename; CaptureDate, ModificationDate and Keywords may be missing.
// ---------------------------------------------------------------------------------------------

/// Offset of Filename in every ObjectInfo.
const OI_FILENAME: usize = 52;

#[test]
fn object_info_may_end_after_the_filename_or_either_date() {
    let bytes = object_info_bytes();
    let after_name = OI_FILENAME + ascii_ptp_str("DSCF0591.JPG").len();
    let after_capture = after_name + ascii_ptp_str("20160102T150136").len();
    let after_modification = after_capture + 1; // empty ModificationDate
    let all: &[&str] = &["CaptureDate", "ModificationDate", "Keywords"];
    for (k, end) in [after_name, after_capture, after_modification]
        .into_iter()
        .enumerate()
    {
        let t = ObjectInfo::decode_lenient(&bytes[..end]).unwrap();
        assert_eq!(t.quirks, [missing("ObjectInfo", &all[k..])]);
        let mut expected = object_info();
        expected.keywords = PtpString::empty();
        if k == 0 {
            expected.capture_date = PtpString::empty();
        }
        assert_eq!(t.value, expected);
    }
    let t = ObjectInfo::decode_lenient(&bytes[..after_capture]).unwrap();
    assert_eq!(
        t.quirks[0].to_string(),
        "ObjectInfo: ends before ModificationDate; ModificationDate, Keywords read as empty"
    );
}

#[test]
fn object_info_refusals_stay() {
    let bytes = object_info_bytes();
    // No Filename: the fixed part alone does not name the object.
    assert_eq!(
        expect_err(
            ObjectInfo::decode_lenient(&bytes[..OI_FILENAME]),
            "ObjectInfo",
            "Filename"
        ),
        DecodeReason::Truncated {
            needed: 1,
            available: 0
        }
    );
    // Cut inside the fixed part, inside Filename and inside Keywords.
    for (end, field) in [
        (40, "ParentObject"),
        (OI_FILENAME + 3, "Filename"),
        (bytes.len() - 2, "Keywords"),
    ] {
        let e = ObjectInfo::decode_lenient(&bytes[..end]).unwrap_err();
        assert_eq!((e.context, e.field), ("ObjectInfo", field), "{end}");
        assert!(matches!(e.reason, DecodeReason::Truncated { .. }), "{e}");
    }
}

#[test]
fn object_info_trailing_bytes() {
    let bytes = object_info_bytes();
    // The golden test's trailing byte: refused strictly, read leniently.
    let t = ObjectInfo::decode_lenient(&plus(&bytes, &[0])).unwrap();
    assert_eq!(t.value, object_info());
    assert_eq!(t.quirks, [trailing("ObjectInfo", 1, true)]);
}

// ---------------------------------------------------------------------------------------------
// DevicePropDesc: must reach CurrentValue; the form may be missing.
// ---------------------------------------------------------------------------------------------

/// 0x5001 UINT16 settable, default 0x0201, current 0x0002, FormFlag None.
const UINT16_NONE: [u8; 10] = [0x01, 0x50, 0x04, 0x00, 0x01, 0x01, 0x02, 0x02, 0x00, 0x00];

#[test]
fn prop_desc_without_a_form_reads_as_no_form() {
    let t = DevicePropDesc::decode_lenient(&UINT16_NONE[..9]).unwrap();
    assert_eq!(t.value, DevicePropDesc::decode(&UINT16_NONE).unwrap());
    assert_eq!(t.value.form, PropForm::None);
    assert_eq!(t.quirks, [missing("DevicePropDesc", &["FormFlag"])]);
    assert_eq!(
        t.quirks[0].to_string(),
        "DevicePropDesc: no FormFlag field, read as None (no form)"
    );
    // A standard STR description without its form: the X-T1 heuristic does not take it.
    let str_desc = [0x03, 0x50, 0xFF, 0xFF, 0x01, 0x00, 0x02, b'A', 0, 0, 0];
    let t = DevicePropDesc::decode_lenient(&str_desc).unwrap();
    assert_eq!(t.value.current_value, PropValue::Str(super::s("A")));
    assert_eq!(t.quirks, [missing("DevicePropDesc", &["FormFlag"])]);
}

#[test]
fn prop_desc_refusals_stay() {
    // Cut inside CurrentValue.
    assert!(matches!(
        expect_err(
            DevicePropDesc::decode_lenient(&UINT16_NONE[..8]),
            "DevicePropDesc",
            "CurrentValue"
        ),
        DecodeReason::Truncated { .. }
    ));
    // A range cut inside StepSize, an unknown form flag, a hostile enumeration count.
    let range = [
        0x01, 0x50, 0x04, 0x00, 0x01, 1, 0, 2, 0, 0x01, 0, 0, 9, 0, 1,
    ];
    assert!(matches!(
        expect_err(
            DevicePropDesc::decode_lenient(&range),
            "DevicePropDesc",
            "StepSize"
        ),
        DecodeReason::Truncated { .. }
    ));
    let mut flag3 = UINT16_NONE;
    flag3[9] = 3;
    assert_eq!(
        expect_err(
            DevicePropDesc::decode_lenient(&flag3),
            "DevicePropDesc",
            "FormFlag"
        ),
        DecodeReason::UnknownFormFlag(3)
    );
    let hostile = [
        0x01, 0x50, 0x06, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0xFF, 0xFF, 1, 0, 0, 0,
    ];
    assert!(matches!(
        expect_err(
            DevicePropDesc::decode_lenient(&hostile),
            "DevicePropDesc",
            "NumberOfValues"
        ),
        DecodeReason::Truncated { .. }
    ));
}

#[test]
fn prop_desc_trailing_bytes() {
    // The golden test's trailing byte.
    let t = DevicePropDesc::decode_lenient(&plus(&UINT16_NONE, &[0])).unwrap();
    assert_eq!(t.value, DevicePropDesc::decode(&UINT16_NONE).unwrap());
    assert_eq!(t.quirks, [trailing("DevicePropDesc", 1, true)]);
    // A standard STR description with two stray bytes: not the X-T1 heuristic, trailing bytes.
    let str_desc = [
        0x03, 0x50, 0xFF, 0xFF, 0x01, 0x00, 0x02, b'A', 0, 0, 0, 0x00, 0xAB, 0xCD,
    ];
    let t = DevicePropDesc::decode_lenient(&str_desc).unwrap();
    assert!(!t.value.is_fixed_ascii());
    assert_eq!(t.quirks, [trailing("DevicePropDesc", 2, false)]);
}

#[test]
fn x_t1_fixed_width_descriptions_name_the_heuristic() {
    let opreqs = parse_opreqs(X_T1_PROPERTIES_MD);
    for (code, width) in [(0x5003, 153), (0xD174, 103)] {
        let payload = data_payload(&find_opreq(&opreqs, 0x1014, code).dumps[0], 0x1014);
        let t = DevicePropDesc::decode_lenient(&payload).unwrap();
        assert_eq!(t.value, DevicePropDesc::decode(&payload).unwrap());
        assert_eq!(
            t.quirks,
            [Quirk::FixedWidthValues {
                context: "DevicePropDesc",
                width
            }],
            "{code:#06x}"
        );
    }
    // A standard X-T1 description is exact.
    let payload = data_payload(&find_opreq(&opreqs, 0x1014, 0x5005).dumps[0], 0x1014);
    assert!(DevicePropDesc::decode_lenient(&payload).unwrap().is_exact());
    // No width found: width 0.
    let opaque = [0x03, 0x50, 0xFF, 0xFF, 0x01, b'a', b'b', 0, 0, 0, 0, 0x07];
    assert_eq!(
        DevicePropDesc::decode_lenient(&opaque).unwrap().quirks,
        [Quirk::FixedWidthValues {
            context: "DevicePropDesc",
            width: 0
        }]
    );
    // Built by hand: a 6-byte block.
    let desc = DevicePropDesc {
        code: DevicePropCode(0xD174),
        data_type: DataTypeCode::STR,
        get_set: GetSet::GET_SET,
        factory_default: PropValue::FixedAscii(b"4x3\0\0\xEE".to_vec()),
        current_value: PropValue::FixedAscii(b"4x3\0\0\xDD".to_vec()),
        form: PropForm::Opaque(vec![0x02, 0x07]),
    };
    let t = DevicePropDesc::decode_lenient(&desc.to_bytes()).unwrap();
    assert_eq!(t.value, desc);
    assert_eq!(
        t.quirks,
        [Quirk::FixedWidthValues {
            context: "DevicePropDesc",
            width: 6
        }]
    );
}

// ---------------------------------------------------------------------------------------------
// Properties over every cut point and any trailing bytes.
// ---------------------------------------------------------------------------------------------

/// Checks every prefix of `bytes` (the encoding of `value`): the lenient decode succeeds exactly at
/// the boundaries in `ends` (where the missing fields named by `fields[k..]` start), and what it
/// reads re-encodes as the prefix plus one zero byte per missing field (an empty string, or
/// FormFlag None).
fn check_cuts<T: PartialEq + std::fmt::Debug>(
    bytes: &[u8],
    ends: &[usize],
    fields: &'static [&'static str],
    context: &'static str,
    decode: fn(&[u8]) -> Result<Tolerant<T>, crate::DecodeError>,
    encode: fn(&T) -> Vec<u8>,
) -> Result<(), TestCaseError> {
    for end in 0..bytes.len() {
        let r = decode(&bytes[..end]);
        match ends.iter().position(|&e| e == end) {
            Some(k) => {
                let t = r.map_err(|e| TestCaseError::fail(format!("{end}: {e}")))?;
                prop_assert_eq!(&t.quirks, &vec![missing(context, &fields[k..])]);
                let mut expected = bytes[..end].to_vec();
                expected.resize(end + fields.len() - k, 0);
                prop_assert_eq!(encode(&t.value), expected);
            }
            None => match r {
                // Only the X-T1 heuristic may read a cut STR description, and exactly.
                Ok(t) => {
                    prop_assert!(
                        matches!(t.quirks[..], [Quirk::FixedWidthValues { .. }]),
                        "{}: {:?}",
                        end,
                        t
                    );
                    prop_assert_eq!(encode(&t.value), bytes[..end].to_vec());
                }
                Err(e) => prop_assert_eq!(e.context, context),
            },
        }
    }
    Ok(())
}

/// Ends of the encoded `lens` laid out from `start`: `start`, `start + lens[0]`, ….
fn ends(start: usize, lens: &[usize]) -> Vec<usize> {
    lens.iter()
        .scan(start, |at, len| {
            let here = *at;
            *at += len;
            Some(here)
        })
        .collect()
}

proptest! {
    #[test]
    fn device_info_cut_anywhere(info in arb_device_info()) {
        let bytes = info.to_bytes();
        let strings = [&info.manufacturer, &info.model, &info.device_version, &info.serial_number];
        let lens: Vec<usize> = strings.iter().map(|s| s.encoded_len()).collect();
        let start = bytes.len() - lens.iter().sum::<usize>();
        check_cuts(
            &bytes,
            &ends(start, &lens),
            &["Manufacturer", "Model", "DeviceVersion", "SerialNumber"],
            "DeviceInfo",
            DeviceInfo::decode_lenient,
            DeviceInfo::to_bytes,
        )?;
    }

    #[test]
    fn storage_info_cut_anywhere(info in arb_storage_info()) {
        let bytes = info.to_bytes();
        check_cuts(
            &bytes,
            &ends(26, &[info.storage_description.encoded_len(), info.volume_label.encoded_len()]),
            &["StorageDescription", "VolumeLabel"],
            "StorageInfo",
            StorageInfo::decode_lenient,
            StorageInfo::to_bytes,
        )?;
    }

    #[test]
    fn object_info_cut_anywhere(info in arb_object_info()) {
        let bytes = info.to_bytes();
        let start = OI_FILENAME + info.filename.encoded_len();
        let lens = [
            info.capture_date.encoded_len(),
            info.modification_date.encoded_len(),
            info.keywords.encoded_len(),
        ];
        check_cuts(
            &bytes,
            &ends(start, &lens),
            &["CaptureDate", "ModificationDate", "Keywords"],
            "ObjectInfo",
            ObjectInfo::decode_lenient,
            ObjectInfo::to_bytes,
        )?;
    }

    #[test]
    fn prop_desc_cut_anywhere(desc in arb_desc()) {
        prop_assume!(!desc.is_fixed_ascii());
        let bytes = desc.to_bytes();
        check_cuts(
            &bytes,
            &[bytes.len() - desc.form.encoded_len()],
            &["FormFlag"],
            "DevicePropDesc",
            DevicePropDesc::decode_lenient,
            DevicePropDesc::to_bytes,
        )?;
    }

    #[test]
    fn trailing_bytes_are_ignored_and_named(
        info in arb_object_info(),
        storage in arb_storage_info(),
        extra in vec(any::<u8>(), 1..40),
    ) {
        let zero = extra.iter().all(|&b| b == 0);
        let n = extra.len() as u64;
        let t = ObjectInfo::decode_lenient(&plus(&info.to_bytes(), &extra))?;
        prop_assert_eq!(t, Tolerant { value: info, quirks: vec![trailing("ObjectInfo", n, zero)] });
        let t = StorageInfo::decode_lenient(&plus(&storage.to_bytes(), &extra))?;
        prop_assert_eq!(
            t,
            Tolerant { value: storage, quirks: vec![trailing("StorageInfo", n, zero)] }
        );
    }

    #[test]
    fn lenient_decodes_never_panic_and_agree_with_strict(bytes in vec(any::<u8>(), 0..300)) {
        // Whatever the strict decoder reads, the lenient one reads the same, with no quirk other
        // than the X-T1 heuristic's.
        if let Ok(v) = DeviceInfo::decode(&bytes) {
            prop_assert_eq!(DeviceInfo::decode_lenient(&bytes)?, Tolerant::exact(v));
        } else {
            let _ = DeviceInfo::decode_lenient(&bytes);
        }
        if let Ok(v) = StorageInfo::decode(&bytes) {
            prop_assert_eq!(StorageInfo::decode_lenient(&bytes)?, Tolerant::exact(v));
        } else {
            let _ = StorageInfo::decode_lenient(&bytes);
        }
        if let Ok(v) = ObjectInfo::decode(&bytes) {
            prop_assert_eq!(ObjectInfo::decode_lenient(&bytes)?, Tolerant::exact(v));
        } else {
            let _ = ObjectInfo::decode_lenient(&bytes);
        }
        match DevicePropDesc::decode(&bytes) {
            Ok(v) => prop_assert_eq!(DevicePropDesc::decode_lenient(&bytes)?.value, v),
            Err(_) => {
                let _ = DevicePropDesc::decode_lenient(&bytes);
            }
        }
    }
}
