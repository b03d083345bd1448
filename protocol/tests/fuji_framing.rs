//! The Fujifilm framing through the public API: USB-style containers and live-view frames, with
//! golden vectors, real camera bytes, errors and round-trip properties.

mod strategies;

use std::borrow::Cow;

use bytes::Bytes;
use proptest::collection::vec;
use proptest::prelude::*;
use ptpip_protocol::Encode;
use ptpip_protocol::fuji::{
    Container, ContainerHeader, ContainerStart, ContainerType, LiveViewFrame, parse_container,
    parse_container_header,
};
use ptpip_protocol::ptp::codes::{EventCode, OperationCode, ResponseCode};
use ptpip_protocol::{
    DecodeError, DecodeReason, Deframer, DeframerConfig, Frame, Framing, Params, TransactionId,
};
use strategies::{Feed, Item, Split, container, gather, live_view_frame, run};

/// One live-view frame from a Fujifilm body (see `fixtures/README.md`).
const LV_STREAM: &[u8] = include_bytes!("fixtures/lv_stream");

/// The seed README's `opreq 0x902B` dump from an X-T1: one data container, 356 bytes.
const OPREQ_902B: [&str; 23] = [
    "64 01 00 00 02 00 2b 90 07 00 00 00 08 00 00 00",
    "16 00 00 00 12 50 04 00 01 00 00 00 00 02 03 00",
    "00 00 02 00 04 00 14 00 00 00 0c 50 04 00 01 02",
    "00 09 80 02 02 00 09 80 0a 80 24 00 00 00 05 50",
    "04 00 01 02 00 02 00 02 0a 00 02 00 04 00 06 80",
    "01 80 02 80 03 80 06 00 0a 80 0b 80 0c 80 36 00",
    "00 00 10 50 03 00 01 00 00 00 00 02 13 00 48 f4",
    "95 f5 e3 f6 30 f8 7d f9 cb fa 18 fc 65 fd b3 fe",
    "00 00 4d 01 9b 02 e8 03 35 05 83 06 d0 07 1d 09",
    "6b 0a b8 0b 26 00 00 00 01 d0 04 00 01 01 00 02",
    "00 02 0b 00 01 00 02 00 03 00 04 00 05 00 06 00",
    "07 00 08 00 09 00 0a 00 0b 00 78 00 00 00 2a d0",
    "06 00 01 ff ff ff ff 00 19 00 80 02 19 00 90 01",
    "00 80 20 03 00 80 40 06 00 80 80 0c 00 80 00 19",
    "00 80 64 00 00 40 c8 00 00 00 fa 00 00 00 40 01",
    "00 00 90 01 00 00 f4 01 00 00 80 02 00 00 20 03",
    "00 00 e8 03 00 00 e2 04 00 00 40 06 00 00 d0 07",
    "00 00 c4 09 00 00 80 0c 00 00 a0 0f 00 00 88 13",
    "00 00 00 19 00 00 00 32 00 40 00 64 00 40 00 c8",
    "00 40 14 00 00 00 19 d0 04 00 01 01 00 01 00 02",
    "02 00 00 00 01 00 1e 00 00 00 7c d1 06 00 01 00",
    "00 00 00 04 04 02 03 01 00 00 00 00 07 07 09 10",
    "01 00 00 00",
];

fn hex(lines: &[&str]) -> Vec<u8> {
    lines
        .iter()
        .flat_map(|l| l.split_whitespace())
        .map(|b| u8::from_str_radix(b, 16).expect("hex byte"))
        .collect()
}

fn params(p: &[u32]) -> Params {
    Params::from_slice(p).expect("at most five")
}

/// Checks a container golden vector both ways.
#[track_caller]
fn golden(c: &Container<'_>, bytes: &[u8]) {
    assert_eq!(c.to_bytes(), bytes, "encoding {c:?}");
    assert_eq!(c.encoded_len(), bytes.len());
    let mut out = vec![0xEE];
    c.encode(&mut out);
    assert_eq!(&out[1..], bytes);
    assert_eq!(&Container::decode(bytes).expect("decode"), c);

    match (c.header(), parse_container_header(bytes).expect("header").1) {
        (Some(h), ContainerStart::Header(parsed)) => {
            assert_eq!(h, parsed);
            assert_eq!(h.length as usize, bytes.len());
            let mut written = Vec::new();
            h.write(&mut written);
            assert_eq!(written, bytes[..ContainerHeader::LEN]);
        }
        (None, ContainerStart::Terminate) => assert_eq!(bytes.len(), 8),
        other => panic!("header mismatch: {other:?}"),
    }

    let mut two = bytes.to_vec();
    two.extend_from_slice(&[0xAB, 0xCD]);
    let (rest, parsed) = parse_container(&two).expect("parse_container");
    assert_eq!(rest, [0xAB, 0xCD]);
    assert_eq!(&parsed, c);
}

// ---------------------------------------------------------------------------------------------
// Container golden vectors
// ---------------------------------------------------------------------------------------------

#[test]
fn command_container_golden_zero_to_five_params() {
    #[rustfmt::skip]
    let vectors: [&[u8]; 6] = [
        &[0x0C, 0x00, 0x00, 0x00, // Length 12
          0x01, 0x00,             // ContainerType 1 Command
          0x02, 0x10,             // Code 0x1002 OpenSession
          0x01, 0x00, 0x00, 0x00], // TransactionID 1
        &[0x10, 0x00, 0x00, 0x00, // Length 16
          0x01, 0x00, 0x02, 0x10, 0x01, 0x00, 0x00, 0x00, // Command, OpenSession, tid 1
          0x01, 0x00, 0x00, 0x00], // Parameter1 1
        &[0x14, 0x00, 0x00, 0x00, // Length 20
          0x01, 0x00, 0x02, 0x10, 0x01, 0x00, 0x00, 0x00,
          0x01, 0x00, 0x00, 0x00,  // Parameter1 1
          0x02, 0x00, 0x00, 0x00], // Parameter2 2
        &[0x18, 0x00, 0x00, 0x00, // Length 24
          0x01, 0x00, 0x02, 0x10, 0x01, 0x00, 0x00, 0x00,
          0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, // Parameter1, Parameter2
          0x03, 0x00, 0x00, 0x00], // Parameter3 3
        &[0x1C, 0x00, 0x00, 0x00, // Length 28
          0x01, 0x00, 0x02, 0x10, 0x01, 0x00, 0x00, 0x00,
          0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, // Parameter1..3
          0x04, 0x00, 0x00, 0x00], // Parameter4 4
        &[0x20, 0x00, 0x00, 0x00, // Length 32
          0x01, 0x00, 0x02, 0x10, 0x01, 0x00, 0x00, 0x00,
          0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, // Parameter1..3
          0x04, 0x00, 0x00, 0x00,  // Parameter4 4
          0xFF, 0xFF, 0xFF, 0xFF], // Parameter5 0xFFFFFFFF
    ];
    let values = [1, 2, 3, 4, 0xFFFF_FFFF];
    for (n, bytes) in vectors.iter().enumerate() {
        let c = Container::Command {
            code: OperationCode::OPEN_SESSION,
            transaction_id: TransactionId(1),
            params: params(&values[..n]),
        };
        golden(&c, bytes);
    }
}

#[test]
fn data_and_response_containers_from_an_x_t1() {
    // fixtures x-t1-known-properties.md, `opreq 0x1015 0x5001` (Battery Level): data, then OK.
    #[rustfmt::skip]
    let data = [
        0x0D, 0x00, 0x00, 0x00, // Length 13
        0x02, 0x00,             // ContainerType 2 Data
        0x15, 0x10,             // Code 0x1015 GetDevicePropValue
        0x01, 0x52, 0x00, 0x00, // TransactionID 0x5201 (code + 0x200: a sequential scan)
        0x00,                   // payload: the value
    ];
    golden(
        &Container::Data {
            code: OperationCode(0x1015),
            transaction_id: TransactionId(0x5201),
            payload: Cow::Borrowed(&[0x00]),
        },
        &data,
    );
    #[rustfmt::skip]
    let response = [
        0x0C, 0x00, 0x00, 0x00, // Length 12
        0x03, 0x00,             // ContainerType 3 Response
        0x01, 0x20,             // Code 0x2001 OK
        0x01, 0x52, 0x00, 0x00, // TransactionID 0x5201
    ];
    golden(
        &Container::Response {
            code: ResponseCode::OK,
            transaction_id: TransactionId(0x5201),
            params: Params::new(),
        },
        &response,
    );

    // `opreq 0x1014 0x5001`: the DevicePropDesc as data (11 payload bytes), then OK.
    #[rustfmt::skip]
    let desc = [
        0x17, 0x00, 0x00, 0x00, // Length 23
        0x02, 0x00, 0x14, 0x10, // Data, 0x1014 GetDevicePropDesc
        0x13, 0x00, 0x00, 0x00, // TransactionID 0x13
        0x01, 0x50, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 0x01, // DevicePropDesc
    ];
    let decoded = Container::decode(&desc).unwrap();
    let Container::Data {
        code,
        transaction_id,
        payload,
    } = &decoded
    else {
        panic!("not data: {decoded:?}")
    };
    assert_eq!(
        (*code, *transaction_id),
        (OperationCode(0x1014), TransactionId(0x13))
    );
    assert_eq!(payload.as_ref(), &desc[12..]);
    assert!(
        matches!(payload, Cow::Borrowed(_)),
        "the payload is not copied"
    );
    assert_eq!(decoded.to_bytes(), desc);
}

#[test]
fn seed_readme_response_container() {
    #[rustfmt::skip]
    let bytes = [
        0x0C, 0x00, 0x00, 0x00, // Length 12
        0x03, 0x00,             // ContainerType 3 Response
        0x01, 0x20,             // Code 0x2001 OK
        0x07, 0x00, 0x00, 0x00, // TransactionID 7
    ];
    golden(
        &Container::Response {
            code: ResponseCode::OK,
            transaction_id: TransactionId(7),
            params: Params::new(),
        },
        &bytes,
    );
}

#[test]
fn seed_readme_902b_data_container() {
    let bytes = hex(&OPREQ_902B);
    assert_eq!(bytes.len(), 356);
    let c = Container::decode(&bytes).unwrap();
    let Container::Data {
        code,
        transaction_id,
        payload,
    } = &c
    else {
        panic!("not data: {c:?}")
    };
    assert_eq!(*code, OperationCode(0x902B));
    assert_eq!(*transaction_id, TransactionId(7));
    assert_eq!(payload.len(), 344);
    // The list starts with its u32 count (8 descriptions), then the first entry's u32 length (0x16).
    assert_eq!(payload[..8], [0x08, 0, 0, 0, 0x16, 0, 0, 0]);
    assert_eq!(c.to_bytes(), bytes);

    // Through the deframer, a byte at a time, followed by the OK response.
    let mut stream = bytes.clone();
    stream.extend_from_slice(&[0x0C, 0, 0, 0, 0x03, 0, 0x01, 0x20, 0x07, 0, 0, 0]);
    let mut d = Deframer::new(DeframerConfig {
        framing: Framing::FujiContainer,
        ..DeframerConfig::default()
    });
    let frames = run(&mut d, &Split::Bytes.chunks(&stream), Feed::Extend).unwrap();
    assert_eq!(
        gather(frames).unwrap(),
        [
            Item::from_container(&c.clone().into_owned()),
            Item::Container(Container::Response {
                code: ResponseCode::OK,
                transaction_id: TransactionId(7),
                params: Params::new(),
            }),
        ]
    );
    assert!(d.is_idle());
}

#[test]
fn event_container_golden() {
    #[rustfmt::skip]
    let bytes = [
        0x14, 0x00, 0x00, 0x00, // Length 20
        0x04, 0x00,             // ContainerType 4 Event
        0x06, 0x40,             // Code 0x4006 DevicePropChanged
        0x01, 0x00, 0x00, 0x00, // TransactionID slot 1 (malc0mn's "Amount")
        0x0C, 0x00, 0x00, 0x00, // Parameter1
        0x12, 0xD0, 0x00, 0x00, // Parameter2 0xD012
    ];
    golden(
        &Container::Event {
            code: EventCode::DEVICE_PROP_CHANGED,
            transaction_id: TransactionId(1),
            params: params(&[0x0C, 0xD012]),
        },
        &bytes,
    );
}

#[test]
fn unknown_container_type_is_kept_whole() {
    #[rustfmt::skip]
    let bytes = [
        0x0F, 0x00, 0x00, 0x00, // Length 15
        0x05, 0x00,             // ContainerType 5: unknown
        0xCD, 0xAB,             // Code 0xABCD
        0x09, 0x00, 0x00, 0x00, // TransactionID 9
        0x01, 0x02, 0x03,       // payload
    ];
    let c = Container::Unknown {
        container_type: ContainerType(5),
        code: 0xABCD,
        transaction_id: TransactionId(9),
        payload: Cow::Borrowed(&[1, 2, 3]),
    };
    golden(&c, &bytes);
    assert_eq!(ContainerType(5).name(), None);
    assert_eq!(ContainerType::DATA.name(), Some("Data"));
}

#[test]
fn terminator_golden() {
    #[rustfmt::skip]
    let bytes = [
        0x08, 0x00, 0x00, 0x00, // Length 8
        0xFF, 0xFF, 0xFF, 0xFF, // all ones where type and code would be
    ];
    golden(&Container::Terminate, &bytes);
    assert_eq!(Container::Terminate.header(), None);
}

// ---------------------------------------------------------------------------------------------
// Container errors
// ---------------------------------------------------------------------------------------------

#[track_caller]
fn container_err(bytes: &[u8]) -> DecodeError {
    match Container::decode(bytes) {
        Err(e) => e,
        Ok(c) => panic!("decoded {c:?}"),
    }
}

#[track_caller]
fn assert_container_err(bytes: &[u8], field: &str, reason: DecodeReason) {
    let e = container_err(bytes);
    assert_eq!(
        (e.context, e.field, &e.reason),
        ("Fuji container", field, &reason),
        "{bytes:02X?}"
    );
}

#[test]
fn container_errors() {
    // Length below the 12-byte header (and not the terminator).
    let small = [0x0A, 0, 0, 0, 0x03, 0, 0x01, 0x20, 0x07, 0, 0, 0];
    assert_container_err(
        &small,
        "Length",
        DecodeReason::LengthTooSmall {
            length: 10,
            min: 12,
        },
    );
    let not_terminator = [0x08, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFE];
    assert_container_err(
        &not_terminator,
        "Length",
        DecodeReason::LengthTooSmall { length: 8, min: 12 },
    );
    // Shorter than announced.
    let cut = [0x10, 0, 0, 0, 0x01, 0, 0x02, 0x10, 0x01, 0, 0, 0, 0x01, 0];
    assert_container_err(
        &cut,
        "Length",
        DecodeReason::Truncated {
            needed: 16,
            available: 14,
        },
    );
    assert_container_err(
        &[0x08, 0, 0, 0, 0xFF, 0xFF, 0xFF],
        "Length",
        DecodeReason::Truncated {
            needed: 8,
            available: 7,
        },
    );
    // Longer than announced.
    let long = [
        0x0C, 0, 0, 0, 0x03, 0, 0x01, 0x20, 0x07, 0, 0, 0, 0xAA, 0xBB,
    ];
    assert_container_err(&long, "Length", DecodeReason::TrailingBytes { extra: 2 });
    let after_terminator = [0x08, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x00];
    assert_container_err(
        &after_terminator,
        "Length",
        DecodeReason::TrailingBytes { extra: 1 },
    );
    // Parameter blocks: six parameters, or not whole ones.
    for ty in [0x01, 0x03, 0x04] {
        let mut six = vec![0x24, 0, 0, 0, ty, 0, 0x01, 0x20, 0x07, 0, 0, 0];
        six.extend_from_slice(&[0x33; 24]);
        let bad = DecodeReason::BadParameterBlock {
            bytes: 24,
            max_params: 5,
        };
        assert_container_err(&six, "Parameters", bad);
        let odd = [0x0F, 0, 0, 0, ty, 0, 0x01, 0x20, 0x07, 0, 0, 0, 1, 2, 3];
        let bad = DecodeReason::BadParameterBlock {
            bytes: 3,
            max_params: 5,
        };
        assert_container_err(&odd, "Parameters", bad);
    }
    assert_eq!(
        container_err(&small).to_string(),
        "Fuji container.Length: length 10 is smaller than the minimum 12"
    );
}

// ---------------------------------------------------------------------------------------------
// Live view
// ---------------------------------------------------------------------------------------------

#[test]
fn live_view_fixture_decodes_and_re_encodes() {
    assert_eq!(LV_STREAM.len(), 9371);
    assert_eq!(LV_STREAM[..4], 0x249Bu32.to_le_bytes()); // Length 0x249B = the whole file
    let input = Bytes::from_static(LV_STREAM);
    let frame = LiveViewFrame::decode(&input).unwrap();
    assert_eq!(frame.header[..], LV_STREAM[4..18]);
    assert_eq!(frame.header[..4], [0, 0, 0, 0], "bytes 4-7 are zero");
    assert_eq!(frame.frame_number(), LV_STREAM[8]);
    assert_eq!(frame.frame_number(), 0);
    assert_eq!(LiveViewFrame::JPEG_OFFSET, 18);
    assert!(frame.has_jpeg_marker());
    assert_eq!(frame.jpeg[..2], [0xFF, 0xD8], "SOI at offset 18");
    assert_eq!(
        frame.jpeg[frame.jpeg.len() - 2..],
        [0xFF, 0xD9],
        "EOI at the end"
    );
    assert_eq!(frame.jpeg.len(), 9371 - 18);
    assert_eq!(
        frame.jpeg.as_ptr(),
        LV_STREAM[18..].as_ptr(),
        "the JPEG is not copied"
    );
    assert_eq!(frame.encoded_len(), LV_STREAM.len());
    let mut out = Vec::new();
    frame.encode(&mut out);
    assert_eq!(out, LV_STREAM);
}

#[test]
fn live_view_fixture_through_the_deframer() {
    // Two frames: the fixture, then a copy with the next frame number.
    let mut second = LV_STREAM.to_vec();
    second[8] = 1;
    let mut stream = LV_STREAM.to_vec();
    stream.extend_from_slice(&second);
    let cuts = [
        1,
        17,
        18,
        19,
        5000,
        9370,
        9371,
        9372,
        9371 + 18,
        15000,
        stream.len() - 1,
    ];
    let mut chunks = Vec::new();
    let mut start = 0;
    for c in cuts {
        chunks.push(&stream[start..c]);
        start = c;
    }
    chunks.push(&stream[start..]);
    for feed in [Feed::Push, Feed::Extend] {
        let mut d = Deframer::new(DeframerConfig {
            framing: Framing::FujiLiveView,
            ..DeframerConfig::default()
        });
        let frames = run(&mut d, &chunks, feed).unwrap();
        let [Frame::LiveView(a), Frame::LiveView(b)] = frames.as_slice() else {
            panic!("expected two frames, got {}", frames.len())
        };
        assert_eq!((a.frame_number(), b.frame_number()), (0, 1));
        assert!(a.has_jpeg_marker() && b.has_jpeg_marker());
        assert_eq!(a.jpeg, b.jpeg);
        assert_eq!(a.jpeg[..], LV_STREAM[18..]);
        assert!(d.is_idle());
    }
}

#[test]
fn live_view_length_errors() {
    let input = Bytes::from_static(LV_STREAM);
    let e = LiveViewFrame::decode(&input.slice(..9370)).unwrap_err();
    assert_eq!(
        (e.context, e.field, e.reason),
        (
            "Fuji live-view frame",
            "Length",
            DecodeReason::Truncated {
                needed: 9371,
                available: 9370
            }
        )
    );
    let mut long = LV_STREAM.to_vec();
    long.push(0);
    let e = LiveViewFrame::decode(&Bytes::from(long)).unwrap_err();
    assert_eq!(
        (e.context, e.field, e.reason),
        (
            "Fuji live-view frame",
            "Length",
            DecodeReason::TrailingBytes { extra: 1 }
        )
    );
    let mut small = vec![17, 0, 0, 0];
    small.extend_from_slice(&[0; 14]);
    let e = LiveViewFrame::decode(&Bytes::from(small)).unwrap_err();
    assert_eq!(
        (e.context, e.field, e.reason),
        (
            "Fuji live-view frame",
            "Length",
            DecodeReason::LengthTooSmall {
                length: 17,
                min: 18
            }
        )
    );
}

#[test]
fn live_view_short_input_names_its_context() {
    let e = LiveViewFrame::decode(&Bytes::from_static(&LV_STREAM[..10])).unwrap_err();
    assert_eq!(
        (e.context, e.field, e.reason),
        (
            "Fuji live-view frame",
            "Length",
            DecodeReason::Truncated {
                needed: 18,
                available: 10
            }
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    /// Every container decodes back to itself.
    #[test]
    fn container_round_trip(c in container(512)) {
        let bytes = c.to_bytes();
        prop_assert_eq!(bytes.len(), c.encoded_len());
        prop_assert_eq!(Container::decode(&bytes).unwrap(), c);
    }

    /// Every live-view frame decodes back to itself.
    #[test]
    fn live_view_round_trip(f in live_view_frame(512)) {
        let mut bytes = Vec::new();
        f.encode(&mut bytes);
        prop_assert_eq!(bytes.len(), f.encoded_len());
        prop_assert_eq!(LiveViewFrame::decode(&Bytes::from(bytes)).unwrap(), f);
    }

    /// Arbitrary bytes never panic the container and live-view decoders, and whatever decodes
    /// re-encodes to the same bytes.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..200)) {
        if let Ok(c) = Container::decode(&bytes) {
            prop_assert_eq!(&c.to_bytes(), &bytes);
        }
        let _ = parse_container(&bytes);
        let _ = parse_container_header(&bytes);
        if let Ok(f) = LiveViewFrame::decode(&Bytes::from(bytes.clone())) {
            let mut out = Vec::new();
            f.encode(&mut out);
            prop_assert_eq!(&out, &bytes);
        }
    }

    /// Headers with a consistent length and any type and code: no panic, canonical decodes.
    #[test]
    fn arbitrary_container_bodies_never_panic(
        container_type in 0u16..8,
        code in any::<u16>(),
        body in vec(any::<u8>(), 0..64),
    ) {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&u32::try_from(12 + body.len()).unwrap().to_le_bytes());
        bytes.extend_from_slice(&container_type.to_le_bytes());
        bytes.extend_from_slice(&code.to_le_bytes());
        bytes.extend_from_slice(&[7, 0, 0, 0]);
        bytes.extend_from_slice(&body);
        match Container::decode(&bytes) {
            Ok(c) => prop_assert_eq!(&c.to_bytes(), &bytes),
            Err(e) => {
                // Only the parameter block of a command, response or event can be wrong here.
                prop_assert!((1..=4).contains(&container_type) && container_type != 2);
                prop_assert_eq!(e.field, "Parameters");
            }
        }
    }
}
