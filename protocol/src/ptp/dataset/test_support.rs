//! Shared by the dataset and Fuji list tests: the camera fixtures, a parser for their hex dumps, and
//! proptest strategies for the datasets.

use proptest::collection::vec;
use proptest::prelude::*;

use super::{DevicePropDesc, GetSet, PropForm};
use crate::fuji::Container;
use crate::ptp::codes::{DataTypeCode, DevicePropCode};
use crate::ptp::string::PtpString;
use crate::ptp::value::PropValue;

/// The X-T1 dumps (malc0mn/ptp-ip `docs/fuji_x-t1_known-properties.md`; see `fixtures/README.md`).
pub(crate) const X_T1_PROPERTIES_MD: &str = include_str!("fixtures/x-t1-known-properties.md");

/// The X-H1 GetDeviceInfo reply, one Fuji data container (petabyt/vcam; see `fixtures/README.md`).
pub(crate) const XH1_DEVICE_INFO: &[u8] = include_bytes!("fixtures/xh1_device_info.bin");

/// One `opreq` command of a dump file and the containers it received, in order.
#[derive(Debug)]
pub(crate) struct Opreq {
    /// The operation code.
    pub(crate) op: u16,
    /// The parameter, if one was given.
    pub(crate) param: Option<u16>,
    /// Each `Received N bytes` dump.
    pub(crate) dumps: Vec<Vec<u8>>,
}

fn hex_u16(token: &str) -> u16 {
    let digits = token
        .strip_prefix("0x")
        .or_else(|| token.strip_prefix("0X"))
        .unwrap_or_else(|| panic!("expected 0x…, got {token:?}"));
    u16::from_str_radix(digits, 16).unwrap_or_else(|e| panic!("{token:?}: {e}"))
}

/// Parses the `opreq` transcripts of a markdown or text file: `opreq 0xOP [0xPARAM]` lines, each
/// followed by `Received N bytes. HEX dump:` blocks in Go's `hex.Dump` format (an 8-digit offset, up to
/// 16 hex bytes, then `|ascii|`). Checks every offset and every announced length; panics on anything
/// malformed, so a damaged fixture fails loudly.
pub(crate) fn parse_opreqs(text: &str) -> Vec<Opreq> {
    let mut out: Vec<Opreq> = Vec::new();
    let mut expected: Vec<Vec<usize>> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if let Some(args) = line.strip_prefix("opreq ") {
            let mut tokens = args.split_whitespace();
            let op = hex_u16(tokens.next().expect("opreq without an operation"));
            let param = tokens.next().map(hex_u16);
            out.push(Opreq {
                op,
                param,
                dumps: Vec::new(),
            });
            expected.push(Vec::new());
        } else if let Some(rest) = line.strip_prefix("Received ") {
            let count = rest
                .split_whitespace()
                .next()
                .and_then(|c| c.parse::<usize>().ok())
                .unwrap_or_else(|| panic!("line {}: bad Received line", n + 1));
            let op = out.last_mut().expect("dump before any opreq");
            op.dumps.push(Vec::new());
            expected
                .last_mut()
                .expect("pushed with the opreq")
                .push(count);
        } else if line.len() > 10
            && line.as_bytes()[..8].iter().all(u8::is_ascii_hexdigit)
            && &line[8..10] == "  "
        {
            let offset = usize::from_str_radix(&line[..8], 16).expect("hex offset");
            let dump = out
                .last_mut()
                .and_then(|o| o.dumps.last_mut())
                .unwrap_or_else(|| panic!("line {}: hex line outside a dump", n + 1));
            assert_eq!(offset, dump.len(), "line {}: offset", n + 1);
            let mut bytes = 0;
            for token in line[10..].split_whitespace() {
                if token.starts_with('|') {
                    break;
                }
                assert_eq!(token.len(), 2, "line {}: token {token:?}", n + 1);
                dump.push(u8::from_str_radix(token, 16).expect("hex byte"));
                bytes += 1;
            }
            assert!((1..=16).contains(&bytes), "line {}: {bytes} bytes", n + 1);
        }
    }
    for (op, lens) in out.iter().zip(&expected) {
        let got: Vec<usize> = op.dumps.iter().map(Vec::len).collect();
        assert_eq!(&got, lens, "opreq {:#06x} {:?}", op.op, op.param);
    }
    out
}

/// The transcript for `opreq op param`.
pub(crate) fn find_opreq(opreqs: &[Opreq], op: u16, param: u16) -> &Opreq {
    opreqs
        .iter()
        .find(|o| o.op == op && o.param == Some(param))
        .unwrap_or_else(|| panic!("no opreq {op:#06x} {param:#06x}"))
}

/// The payload of a dump that must be one Fuji data container for `op`.
pub(crate) fn data_payload(dump: &[u8], op: u16) -> Vec<u8> {
    match Container::decode(dump).expect("container") {
        Container::Data { code, payload, .. } => {
            assert_eq!(code.0, op);
            payload.into_owned()
        }
        other => panic!("expected a data container, got {other:?}"),
    }
}

// ---- proptest strategies ----------------------------------------------------------------------

/// Any text a PTP string can hold: no NUL, at most 254 UTF-16 units.
pub(crate) fn arb_ptp_string() -> impl Strategy<Value = PtpString> {
    "[^\u{0}]{0,40}".prop_map(|s| PtpString::new(s).expect("at most 160 units, no NUL"))
}

/// Every data type this crate can read.
pub(crate) fn arb_data_type() -> impl Strategy<Value = DataTypeCode> {
    prop_oneof![
        (0x0001u16..=0x000A).prop_map(DataTypeCode),
        (0x4001u16..=0x400A).prop_map(DataTypeCode),
        Just(DataTypeCode::STR),
    ]
}

/// A value of `data_type` (one of the types [`arb_data_type`] yields).
pub(crate) fn arb_value(data_type: DataTypeCode) -> BoxedStrategy<PropValue> {
    const N: usize = 6;
    match data_type {
        DataTypeCode::INT8 => any::<i8>().prop_map(PropValue::Int8).boxed(),
        DataTypeCode::UINT8 => any::<u8>().prop_map(PropValue::UInt8).boxed(),
        DataTypeCode::INT16 => any::<i16>().prop_map(PropValue::Int16).boxed(),
        DataTypeCode::UINT16 => any::<u16>().prop_map(PropValue::UInt16).boxed(),
        DataTypeCode::INT32 => any::<i32>().prop_map(PropValue::Int32).boxed(),
        DataTypeCode::UINT32 => any::<u32>().prop_map(PropValue::UInt32).boxed(),
        DataTypeCode::INT64 => any::<i64>().prop_map(PropValue::Int64).boxed(),
        DataTypeCode::UINT64 => any::<u64>().prop_map(PropValue::UInt64).boxed(),
        DataTypeCode::INT128 => any::<i128>().prop_map(PropValue::Int128).boxed(),
        DataTypeCode::UINT128 => any::<u128>().prop_map(PropValue::UInt128).boxed(),
        DataTypeCode::AINT8 => vec(any::<i8>(), 0..N)
            .prop_map(PropValue::ArrayInt8)
            .boxed(),
        DataTypeCode::AUINT8 => vec(any::<u8>(), 0..N)
            .prop_map(PropValue::ArrayUInt8)
            .boxed(),
        DataTypeCode::AINT16 => vec(any::<i16>(), 0..N)
            .prop_map(PropValue::ArrayInt16)
            .boxed(),
        DataTypeCode::AUINT16 => vec(any::<u16>(), 0..N)
            .prop_map(PropValue::ArrayUInt16)
            .boxed(),
        DataTypeCode::AINT32 => vec(any::<i32>(), 0..N)
            .prop_map(PropValue::ArrayInt32)
            .boxed(),
        DataTypeCode::AUINT32 => vec(any::<u32>(), 0..N)
            .prop_map(PropValue::ArrayUInt32)
            .boxed(),
        DataTypeCode::AINT64 => vec(any::<i64>(), 0..N)
            .prop_map(PropValue::ArrayInt64)
            .boxed(),
        DataTypeCode::AUINT64 => vec(any::<u64>(), 0..N)
            .prop_map(PropValue::ArrayUInt64)
            .boxed(),
        DataTypeCode::AINT128 => vec(any::<i128>(), 0..N)
            .prop_map(PropValue::ArrayInt128)
            .boxed(),
        DataTypeCode::AUINT128 => vec(any::<u128>(), 0..N)
            .prop_map(PropValue::ArrayUInt128)
            .boxed(),
        DataTypeCode::STR => arb_ptp_string().prop_map(PropValue::Str).boxed(),
        other => panic!("no strategy for {other:?}"),
    }
}

/// A form for values of `data_type`: none, a range or an enumeration of up to 8 values.
pub(crate) fn arb_form(data_type: DataTypeCode) -> BoxedStrategy<PropForm> {
    prop_oneof![
        Just(PropForm::None),
        (
            arb_value(data_type),
            arb_value(data_type),
            arb_value(data_type)
        )
            .prop_map(|(min, max, step)| PropForm::Range { min, max, step }),
        vec(arb_value(data_type), 0..8).prop_map(|values| PropForm::Enumeration { values }),
    ]
    .boxed()
}

/// A standard DevicePropDesc of any readable data type and any form.
pub(crate) fn arb_standard_desc() -> impl Strategy<Value = DevicePropDesc> {
    arb_data_type().prop_flat_map(|dt| {
        (
            any::<u16>(),
            any::<u8>(),
            arb_value(dt),
            arb_value(dt),
            arb_form(dt),
        )
            .prop_map(move |(code, gs, factory_default, current_value, form)| {
                DevicePropDesc {
                    code: DevicePropCode(code),
                    data_type: dt,
                    get_set: GetSet(gs),
                    factory_default,
                    current_value,
                    form,
                }
            })
    })
}

/// An X-T1-style fixed-width STR description: the same 1–16 character text NUL-padded to a width
/// in both values (so the heuristic finds it), then an opaque tail of any bytes.
pub(crate) fn arb_fixed_ascii_desc() -> impl Strategy<Value = DevicePropDesc> {
    (
        "[A-Za-z0-9_x-]{1,16}",
        2usize..40,
        vec(any::<u8>(), 0..40),
        any::<u16>(),
    )
        .prop_map(|(text, pad, tail, code)| {
            let mut block = text.into_bytes();
            block.resize(block.len() + pad, 0);
            DevicePropDesc {
                code: DevicePropCode(code),
                data_type: DataTypeCode::STR,
                get_set: GetSet::GET_SET,
                factory_default: PropValue::FixedAscii(block.clone()),
                current_value: PropValue::FixedAscii(block),
                form: PropForm::Opaque(tail),
            }
        })
}

/// Either kind of description.
pub(crate) fn arb_desc() -> impl Strategy<Value = DevicePropDesc> {
    prop_oneof![4 => arb_standard_desc(), 1 => arb_fixed_ascii_desc()]
}
