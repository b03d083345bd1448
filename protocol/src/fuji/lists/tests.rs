//! Golden vectors, the X-T1 dumps, error cases and property tests for the Fuji lists.

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;
use crate::error::DecodeReason;
use crate::fuji::Container;
use crate::ptp::codes::{DataTypeCode, OperationCode, ResponseCode};
use crate::ptp::dataset::test_support::{
    X_T1_PROPERTIES_MD, arb_desc, data_payload, find_opreq, parse_opreqs,
};
use crate::ptp::dataset::{GetSet, PropForm};
use crate::ptp::value::PropValue;
use crate::types::{Params, TransactionId};

/// The X-T1's 0x902B reply (malc0mn/ptp-ip README; see `../fixtures/README.md`).
const X_T1_902B: &str = include_str!("../fixtures/x-t1-902b-reply.txt");

/// The payload of the 356-byte 0x902B container, checked to be data for 0x902B, transaction 7.
fn x_t1_902b_payload() -> Vec<u8> {
    let opreqs = parse_opreqs(X_T1_902B);
    assert_eq!(opreqs.len(), 1);
    let dump = &opreqs[0].dumps[0];
    assert_eq!(dump.len(), 356);
    let Container::Data { transaction_id, .. } = Container::decode(dump).unwrap() else {
        panic!("not data");
    };
    assert_eq!(transaction_id, TransactionId(7));
    data_payload(dump, 0x902B)
}

fn err_reason<T: std::fmt::Debug>(
    r: Result<T, DecodeError>,
    context: &str,
    field: &str,
) -> DecodeReason {
    let e = r.expect_err("decode should fail");
    assert_eq!((e.context, e.field), (context, field), "{e}");
    e.reason
}

#[test]
fn x_t1_902b_decodes_to_eight_descriptions() {
    let payload = x_t1_902b_payload();
    let list = DevicePropDescList::decode(&payload).unwrap();
    let codes: Vec<u16> = list.descs.iter().map(|d| d.code.0).collect();
    assert_eq!(
        codes,
        [
            0x5012, 0x500C, 0x5005, 0x5010, 0xD001, 0xD02A, 0xD019, 0xD17C
        ]
    );
    assert!(list.descs.iter().all(|d| d.get_set == GetSet::GET_SET));

    // 0x5010: INT16, default 0, current 0, 19 values from −3000 to 3000 in 1/3 EV steps.
    let bias = list
        .get(DevicePropCode::EXPOSURE_BIAS_COMPENSATION)
        .unwrap();
    assert_eq!(bias.data_type, DataTypeCode::INT16);
    assert_eq!(bias.factory_default, PropValue::Int16(0));
    assert_eq!(bias.current_value, PropValue::Int16(0));
    let expected: Vec<PropValue> = [
        -3000, -2667, -2333, -2000, -1667, -1333, -1000, -667, -333, 0, 333, 667, 1000, 1333, 1667,
        2000, 2333, 2667, 3000,
    ]
    .into_iter()
    .map(PropValue::Int16)
    .collect();
    assert_eq!(bias.form, PropForm::Enumeration { values: expected });

    // 0xD02A (ISO): UINT32, default 0xFFFFFFFF (auto), current 0x80001900 (auto, max 6400),
    // 25 values.
    let iso = list.get(DevicePropCode::FUJI_EXPOSURE_INDEX).unwrap();
    assert_eq!(iso.data_type, DataTypeCode::UINT32);
    assert_eq!(iso.factory_default, PropValue::UInt32(0xFFFF_FFFF));
    assert_eq!(iso.current_value, PropValue::UInt32(0x8000_1900));
    let PropForm::Enumeration { values } = &iso.form else {
        panic!("{:?}", iso.form);
    };
    assert_eq!(values.len(), 25);
    assert_eq!(values[0], PropValue::UInt32(0x8000_0190));
    assert_eq!(values[6], PropValue::UInt32(200));
    assert_eq!(values[24], PropValue::UInt32(0x4000_C800));

    // 0xD17C (focus point): UINT32 range 0..=0x10090707 step 1, current 0x03020404.
    let focus = list.get(DevicePropCode::FUJI_FOCUS_POINT).unwrap();
    assert_eq!(focus.factory_default, PropValue::UInt32(0));
    assert_eq!(focus.current_value, PropValue::UInt32(0x0302_0404));
    assert_eq!(
        focus.form,
        PropForm::Range {
            min: PropValue::UInt32(0),
            max: PropValue::UInt32(0x1009_0707),
            step: PropValue::UInt32(1),
        }
    );

    // 0x500C (flash): UINT16, default 2, current 0x8009, enumeration 0x8009, 0x800A.
    let flash = list.get(DevicePropCode::FLASH_MODE).unwrap();
    assert_eq!(
        (&flash.factory_default, &flash.current_value),
        (&PropValue::UInt16(2), &PropValue::UInt16(0x8009))
    );
    assert_eq!(
        flash.form,
        PropForm::Enumeration {
            values: vec![PropValue::UInt16(0x8009), PropValue::UInt16(0x800A)]
        }
    );

    // Byte-exact re-encoding, of the list and of the whole container.
    assert_eq!(list.to_bytes(), payload);
    assert_eq!(list.encoded_len(), payload.len());
    let container = Container::Data {
        code: OperationCode::FUJI_GET_DEVICE_PROP_DESC_LIST,
        transaction_id: TransactionId(7),
        payload: list.to_bytes().into(),
    };
    assert_eq!(container.to_bytes(), parse_opreqs(X_T1_902B)[0].dumps[0]);
}

#[test]
fn x_t1_902b_entries_match_the_single_descriptions() {
    // The 0x902B list and the 0x1014 replies were captured at different times: every entry has the
    // same type, access, default and form as the camera's single description, and the same current
    // value except for the two settings that had changed in between.
    let list = DevicePropDescList::decode(&x_t1_902b_payload()).unwrap();
    let opreqs = parse_opreqs(X_T1_PROPERTIES_MD);
    let changed = [
        // (code, current in the 0x1014 reply, current in the 0x902B list)
        (
            DevicePropCode::FUJI_FILM_SIMULATION,
            PropValue::UInt16(1),
            PropValue::UInt16(2),
        ),
        (
            DevicePropCode::FUJI_FOCUS_POINT,
            PropValue::UInt32(0x0302_0702),
            PropValue::UInt32(0x0302_0404),
        ),
    ];
    for desc in &list.descs {
        let single = data_payload(&find_opreq(&opreqs, 0x1014, desc.code.0).dumps[0], 0x1014);
        let single = DevicePropDesc::decode(&single).unwrap();
        match changed.iter().find(|c| c.0 == desc.code) {
            Some((_, was, now)) => {
                assert_eq!((&single.current_value, &desc.current_value), (was, now));
                let same_otherwise = DevicePropDesc {
                    current_value: now.clone(),
                    ..single
                };
                assert_eq!(&same_otherwise, desc);
            }
            None => assert_eq!(&single, desc),
        }
    }
}

#[test]
fn ok_response_after_the_list() {
    // Length 12, type 3 (response), code 0x2001 (OK), transaction 7, no parameters.
    let bytes = [0x0C, 0, 0, 0, 0x03, 0x00, 0x01, 0x20, 0x07, 0, 0, 0];
    let response = Container::Response {
        code: ResponseCode::OK,
        transaction_id: TransactionId(7),
        params: Params::new(),
    };
    assert_eq!(Container::decode(&bytes).unwrap(), response);
    assert_eq!(response.to_bytes(), bytes);
}

#[test]
fn desc_list_golden() {
    let desc = DevicePropDesc {
        code: DevicePropCode(0x5001),
        data_type: DataTypeCode::UINT8,
        get_set: GetSet::GET,
        factory_default: PropValue::UInt8(1),
        current_value: PropValue::UInt8(2),
        form: PropForm::None,
    };
    let list = DevicePropDescList {
        descs: vec![desc.clone(), desc],
    };
    #[rustfmt::skip]
    let bytes = [
        2, 0, 0, 0,             // NumberOfEntries 2
        12, 0, 0, 0,            // EntryLength 12: itself and 8 bytes of description
        0x01, 0x50, 0x02, 0x00, // 0x5001, UINT8
        0x00, 0x01, 0x02, 0x00, // get only, default 1, current 2, no form
        12, 0, 0, 0,            // second entry, the same
        0x01, 0x50, 0x02, 0x00,
        0x00, 0x01, 0x02, 0x00,
    ];
    assert_eq!(list.to_bytes(), bytes);
    assert_eq!(list.encoded_len(), bytes.len());
    assert_eq!(DevicePropDescList::decode(&bytes).unwrap(), list);
    assert_eq!(DevicePropDescList::default().to_bytes(), [0, 0, 0, 0]);
}

#[test]
fn desc_list_errors() {
    const CTX: &str = "DevicePropDescList";
    // One entry: length 12, a UINT8 description with no form.
    let good = [
        1, 0, 0, 0, 12, 0, 0, 0, 0x01, 0x50, 0x02, 0x00, 0x00, 0x01, 0x02, 0x00,
    ];
    assert!(DevicePropDescList::decode(&good).is_ok());

    let mut trailing = good.to_vec();
    trailing.push(0);
    assert_eq!(
        err_reason(DevicePropDescList::decode(&trailing), CTX, "EntryLength"),
        DecodeReason::TrailingBytes { extra: 1 }
    );
    // Entry length below 4.
    let mut small = good;
    small[4] = 3;
    assert_eq!(
        err_reason(DevicePropDescList::decode(&small), CTX, "EntryLength"),
        DecodeReason::LengthTooSmall { length: 3, min: 4 }
    );
    // Entry length past the end of the input.
    let mut long = good;
    long[4] = 13;
    assert_eq!(
        err_reason(DevicePropDescList::decode(&long), CTX, "EntryLength"),
        DecodeReason::Truncated {
            needed: 9,
            available: 8
        }
    );
    // Entry length one short: the description loses its form flag.
    let mut short = good.to_vec();
    short[4] = 11;
    short.pop();
    assert!(matches!(
        err_reason(
            DevicePropDescList::decode(&short),
            "DevicePropDesc",
            "FormFlag"
        ),
        DecodeReason::Truncated { .. }
    ));
    // Entry length one long: the description has a stray byte.
    let mut over = good.to_vec();
    over[4] = 13;
    over.push(0);
    assert_eq!(
        err_reason(
            DevicePropDescList::decode(&over),
            "DevicePropDesc",
            "FormFlag"
        ),
        DecodeReason::TrailingBytes { extra: 1 }
    );
    // A hostile count: 2^32 − 1 entries of at least 10 bytes in 12 bytes of input.
    let mut hostile = good;
    hostile[..4].copy_from_slice(&[0xFF; 4]);
    assert_eq!(
        err_reason(DevicePropDescList::decode(&hostile), CTX, "NumberOfEntries"),
        DecodeReason::Truncated {
            needed: 10 * 0xFFFF_FFFF,
            available: 12
        }
    );
}

#[test]
fn x_t1_state_list() {
    let opreqs = parse_opreqs(X_T1_PROPERTIES_MD);
    let op = find_opreq(&opreqs, 0x1015, DevicePropCode::FUJI_CURRENT_STATE.0);
    let payload = data_payload(&op.dumps[0], 0x1015);
    assert_eq!(payload.len(), 104);
    let state = CurrentStateList::decode(&payload).unwrap();
    let expected: [(u16, u32); 17] = [
        (0x5001, 2),           // battery
        (0xD241, 0x0A),        // aspect ratio: L 3:2
        (0x5005, 2),           // white balance
        (0x500A, 0x8001),      // focus mode: single AF
        (0x500C, 0x800A),      // flash
        (0x500E, 2),           // exposure program
        (0x5010, 0xFEB3),      // exposure bias −333, a u16 zero-extended
        (0x5012, 0),           // self-timer off
        (0xD001, 2),           // film simulation: Velvia
        (0xD018, 4),           // image quality: fine + RAW
        (0xD028, 0),           // command dial
        (0xD02A, 0x8000_1900), // ISO auto, max 6400
        (0xD17C, 0x0302_0702), // focus point
        (0xD209, 0),           // focus lock off
        (0xD21B, 0),           // device error: none
        (0xD229, 0x05D6),      // captures remaining: 1494
        (0xD22A, 0x068F),      // movie remaining time
    ];
    let got: Vec<(u16, u32)> = state.entries.iter().map(|e| (e.code.0, e.value)).collect();
    assert_eq!(got, expected);
    assert_eq!(
        state.get(DevicePropCode::FUJI_CAPTURES_REMAINING),
        Some(1494)
    );
    assert_eq!(state.get(DevicePropCode(0x5003)), None);
    assert_eq!(state.to_bytes(), payload);
    assert_eq!(state.encoded_len(), payload.len());
}

#[test]
fn state_list_golden_and_errors() {
    const CTX: &str = "CurrentStateList";
    let list = CurrentStateList {
        entries: vec![
            StateEntry {
                code: DevicePropCode(0x5001),
                value: 3,
            },
            StateEntry {
                code: DevicePropCode(0xD02A),
                value: 0x8000_1900,
            },
        ],
    };
    #[rustfmt::skip]
    let bytes = [
        2, 0,                   // NumberOfEntries 2 (u16)
        0x01, 0x50, 3, 0, 0, 0, // 0x5001 = 3
        0x2A, 0xD0, 0x00, 0x19, 0x00, 0x80, // 0xD02A = 0x80001900
    ];
    assert_eq!(list.to_bytes(), bytes);
    assert_eq!(list.encoded_len(), bytes.len());
    assert_eq!(CurrentStateList::decode(&bytes).unwrap(), list);

    let mut trailing = bytes.to_vec();
    trailing.push(0);
    assert_eq!(
        err_reason(CurrentStateList::decode(&trailing), CTX, "Value"),
        DecodeReason::TrailingBytes { extra: 1 }
    );
    assert_eq!(
        err_reason(
            CurrentStateList::decode(&bytes[..13]),
            CTX,
            "NumberOfEntries"
        ),
        DecodeReason::Truncated {
            needed: 12,
            available: 11
        }
    );
    assert_eq!(
        err_reason(
            CurrentStateList::decode(&[0xFF, 0xFF, 0, 0]),
            CTX,
            "NumberOfEntries"
        ),
        DecodeReason::Truncated {
            needed: 6 * 0xFFFF,
            available: 2
        }
    );
    assert!(matches!(
        err_reason(CurrentStateList::decode(&[1]), CTX, "NumberOfEntries"),
        DecodeReason::Truncated { .. }
    ));
}

#[test]
fn state_list_beyond_u16_is_cut_when_encoding() {
    let list = CurrentStateList {
        entries: vec![StateEntry::default(); 0x1_0001],
    };
    let bytes = list.to_bytes();
    assert_eq!(bytes.len(), list.encoded_len());
    assert_eq!(bytes.len(), 2 + 6 * 0xFFFF);
    assert_eq!(
        CurrentStateList::decode(&bytes).unwrap().entries.len(),
        0xFFFF
    );
}

proptest! {
    #[test]
    fn desc_lists_round_trip(descs in vec(arb_desc(), 0..6)) {
        let list = DevicePropDescList { descs };
        let bytes = list.to_bytes();
        prop_assert_eq!(bytes.len(), list.encoded_len());
        prop_assert_eq!(DevicePropDescList::decode(&bytes)?, list);
    }

    #[test]
    fn state_lists_round_trip(raw in vec((any::<u16>(), any::<u32>()), 0..40)) {
        let list = CurrentStateList {
            entries: raw
                .into_iter()
                .map(|(code, value)| StateEntry { code: DevicePropCode(code), value })
                .collect(),
        };
        let bytes = list.to_bytes();
        prop_assert_eq!(bytes.len(), list.encoded_len());
        prop_assert_eq!(CurrentStateList::decode(&bytes)?, list);
    }

    #[test]
    fn list_decoders_never_panic(bytes in vec(any::<u8>(), 0..300)) {
        if let Ok(list) = DevicePropDescList::decode(&bytes) {
            prop_assert_eq!(list.to_bytes(), bytes.clone());
        }
        if let Ok(list) = CurrentStateList::decode(&bytes) {
            prop_assert_eq!(list.to_bytes(), bytes);
        }
    }

    #[test]
    fn list_entries_with_any_bytes_never_panic(
        entries in vec((any::<u8>(), vec(any::<u8>(), 0..40)), 0..5),
    ) {
        // Well-formed lengths around arbitrary STR-typed bodies, to reach the heuristic.
        let mut bytes = u32::try_from(entries.len()).unwrap().to_le_bytes().to_vec();
        for (gs, body) in &entries {
            let len = u32::try_from(4 + 5 + body.len()).unwrap();
            bytes.extend_from_slice(&len.to_le_bytes());
            bytes.extend_from_slice(&[0x03, 0x50, 0xFF, 0xFF, *gs]);
            bytes.extend_from_slice(body);
        }
        if let Ok(list) = DevicePropDescList::decode(&bytes) {
            prop_assert_eq!(list.descs.len(), entries.len());
            prop_assert_eq!(list.to_bytes(), bytes);
        }
    }
}

#[test]
fn state_entries_carry_values_in_their_property_type() {
    use crate::ptp::codes::DevicePropCode as P;
    // An exposure bias of −1/3 goes out as its INT16 bits in a word and comes back as INT16.
    let bias = StateEntry::new(P::EXPOSURE_BIAS_COMPENSATION, &PropValue::Int16(-333));
    assert_eq!(bias.value, 0x0000_FEB3);
    assert_eq!(bias.prop_value(), PropValue::Int16(-333));
    for (code, value) in [
        (P::BATTERY_LEVEL, PropValue::UInt8(2)),
        (P::FUJI_FILM_SIMULATION, PropValue::UInt16(2)),
        (P::FUJI_EXPOSURE_INDEX, PropValue::UInt32(0x8000_1900)),
        (P::FUJI_SHUTTER_SPEED, PropValue::UInt32(0x8000_EA60)),
    ] {
        assert_eq!(StateEntry::new(code, &value).prop_value(), value, "{code}");
    }
    // A word too wide for the type, or of an unknown property, stays a u32.
    let wide = StateEntry {
        code: P::FUJI_FILM_SIMULATION,
        value: 0x1_0000,
    };
    assert_eq!(wide.prop_value(), PropValue::UInt32(0x1_0000));
    let unknown = StateEntry {
        code: P(0xD3FF),
        value: 7,
    };
    assert_eq!(unknown.prop_value(), PropValue::UInt32(7));
    assert_eq!(value_type(P(0xD3FF)), None);
    // Values a word cannot carry are written as 0.
    assert_eq!(
        StateEntry::new(P::FUJI_GEO_TAG, &PropValue::UInt64(1)).value,
        0
    );
}
