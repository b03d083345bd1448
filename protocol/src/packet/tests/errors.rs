//! Decode errors: each case names the context, field and reason the decoder must report.

use super::*;

#[track_caller]
fn decode_err(bytes: &[u8], dialect: Dialect) -> DecodeError {
    match Packet::decode(bytes, dialect) {
        Err(e) => e,
        Ok(p) => panic!("decoded {p:?} from {bytes:02X?}"),
    }
}

#[track_caller]
fn assert_err(bytes: &[u8], dialect: Dialect, context: &str, field: &str, reason: DecodeReason) {
    let e = decode_err(bytes, dialect);
    assert_eq!(
        (e.context, e.field, &e.reason),
        (context, field, &reason),
        "{bytes:02X?}"
    );
}

#[test]
fn length_below_the_header_is_refused() {
    for length in [0u8, 1, 7] {
        let bytes = [length, 0, 0, 0, 0x0D, 0, 0, 0];
        let reason = DecodeReason::LengthTooSmall {
            length: length.into(),
            min: 8,
        };
        assert_err(
            &bytes,
            Dialect::Generic,
            "PTP/IP header",
            "Length",
            reason.clone(),
        );
        match parse_packet(&bytes, Dialect::Generic) {
            Err(nom::Err::Error(e)) => assert_eq!(e.reason, reason),
            other => panic!("{other:?}"),
        }
    }
    let e = decode_err(&[7, 0, 0, 0, 0x0D, 0, 0, 0], Dialect::Generic);
    assert_eq!(
        e.to_string(),
        "PTP/IP header.Length: length 7 is smaller than the minimum 8"
    );
}

#[test]
fn short_input_is_truncated() {
    // Not even a header.
    assert_err(
        &[],
        Dialect::Generic,
        "PTP/IP",
        "Length",
        DecodeReason::Truncated {
            needed: 8,
            available: 0,
        },
    );
    assert_err(
        &[8, 0, 0],
        Dialect::Generic,
        "PTP/IP",
        "Length",
        DecodeReason::Truncated {
            needed: 8,
            available: 3,
        },
    );
    // A Cancel announcing 12 bytes, 11 given.
    let cancel = [0x0C, 0, 0, 0, 0x0B, 0, 0, 0, 0x09, 0, 0];
    assert_err(
        &cancel,
        Dialect::Generic,
        "PTP/IP",
        "Length",
        DecodeReason::Truncated {
            needed: 12,
            available: 11,
        },
    );
    // Streaming, the same input asks for exactly the missing byte.
    assert_eq!(
        parse_packet(&cancel, Dialect::Generic).unwrap_err(),
        nom::Err::Incomplete(nom::Needed::new(1))
    );
    assert_eq!(
        parse_packet(&cancel[..5], Dialect::Generic).unwrap_err(),
        nom::Err::Incomplete(nom::Needed::new(3))
    );
}

#[test]
fn body_shorter_than_its_fields_is_truncated() {
    let t = |needed, available| DecodeReason::Truncated { needed, available };
    // Init_Event_Request, length 10: two bytes of a four-byte ConnectionNumber.
    let b = [0x0A, 0, 0, 0, 0x03, 0, 0, 0, 0x07, 0];
    assert_err(
        &b,
        Dialect::Generic,
        "Init_Event_Request",
        "ConnectionNumber",
        t(4, 2),
    );
    // Init_Fail, length 8: no Reason at all.
    let b = [0x08, 0, 0, 0, 0x05, 0, 0, 0];
    assert_err(&b, Dialect::Generic, "Init_Fail", "Reason", t(4, 0));
    // Start_Data, length 16: half of the u64 TotalDataLength.
    let b = [
        0x10, 0, 0, 0, 0x09, 0, 0, 0, 0x01, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
    ];
    assert_err(
        &b,
        Dialect::Generic,
        "Start_Data",
        "TotalDataLength",
        t(8, 4),
    );
    // Operation_Request, length 13: one byte of the OperationCode.
    let b = [0x0D, 0, 0, 0, 0x06, 0, 0, 0, 0x01, 0, 0, 0, 0x02];
    assert_err(
        &b,
        Dialect::Generic,
        "Operation_Request",
        "OperationCode",
        t(2, 1),
    );
    // Operation_Response, length 12: TransactionID cut.
    let b = [0x0C, 0, 0, 0, 0x07, 0, 0, 0, 0x01, 0x20, 0x05, 0];
    assert_err(
        &b,
        Dialect::Generic,
        "Operation_Response",
        "TransactionID",
        t(4, 2),
    );
    // Event, length 9.
    let b = [0x09, 0, 0, 0, 0x08, 0, 0, 0, 0x02];
    assert_err(&b, Dialect::Generic, "Event", "EventCode", t(2, 1));
    // Data and End_Data, length 10: TransactionID cut.
    for ty in [0x0A, 0x0C] {
        let b = [0x0A, 0, 0, 0, ty, 0, 0, 0, 0x05, 0];
        let context = if ty == 0x0A { "Data" } else { "End_Data" };
        assert_err(&b, Dialect::Generic, context, "TransactionID", t(4, 2));
    }
    // Cancel, length 11.
    let b = [0x0B, 0, 0, 0, 0x0B, 0, 0, 0, 0x05, 0, 0];
    assert_err(&b, Dialect::Generic, "Cancel", "TransactionID", t(4, 3));
    // Init_Command_Ack: 10 of the 16 GUID bytes.
    let b = cat(&[
        &[0x16, 0, 0, 0, 0x02, 0, 0, 0],
        &[1, 0, 0, 0],
        &GUID_BYTES[..10],
    ]);
    assert_err(&b, Dialect::Generic, "Init_Command_Ack", "GUID", t(16, 10));
    // Init_Command_Request: name "A", then half a ProtocolVersion.
    let b = sized(&[
        &[0, 0, 0, 0, 0x01, 0, 0, 0],
        &GUID_BYTES,
        &[0x41, 0, 0, 0],
        &[0, 0],
    ]);
    assert_err(
        &b,
        Dialect::Generic,
        "Init_Command_Request",
        "ProtocolVersion",
        t(4, 2),
    );
    // Fuji layout: the version, then 3 GUID bytes.
    let b = [
        0x0F, 0, 0, 0, 0x01, 0, 0, 0, 0xF2, 0xE4, 0x53, 0x8F, 1, 2, 3,
    ];
    assert_err(&b, Dialect::Fuji, "Init_Command_Request", "GUID", t(16, 3));
}

#[test]
fn trailing_bytes_are_refused() {
    let extra = |n| DecodeReason::TrailingBytes { extra: n };
    // After a whole packet.
    let b = [0x08, 0, 0, 0, 0x0D, 0, 0, 0, 0xAA];
    assert_err(&b, Dialect::Generic, "Probe_Request", "Length", extra(1));
    let b = [0x09, 0, 0, 0, 0x0F, 0, 0, 0, 0x01, 0xAA, 0xBB];
    assert_err(&b, Dialect::Generic, "PTP/IP", "Length", extra(2));
    // Inside the length: a body longer than its fields.
    let cases: [(&[u8], &str, u64); 6] = [
        (
            &[0x0E, 0, 0, 0, 0x03, 0, 0, 0, 7, 0, 0, 0, 0xAA, 0xBB],
            "Init_Event_Request",
            2,
        ),
        (
            // Zero padding is tolerated (see `init_lenient`), anything else is not.
            &[0x0C, 0, 0, 0, 0x04, 0, 0, 0, 0, 0xAA, 0, 0],
            "Init_Event_Ack",
            4,
        ),
        (
            &[0x0D, 0, 0, 0, 0x05, 0, 0, 0, 1, 0, 0, 0, 0],
            "Init_Fail",
            1,
        ),
        (
            &[0x10, 0, 0, 0, 0x0B, 0, 0, 0, 9, 0, 0, 0, 1, 2, 3, 4],
            "Cancel",
            4,
        ),
        (&[0x09, 0, 0, 0, 0x0E, 0, 0, 0, 0], "Probe_Response", 1),
        (
            &[
                0x15, 0, 0, 0, 0x09, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xCC,
            ],
            "Start_Data",
            1,
        ),
    ];
    for (b, context, n) in cases {
        assert_err(b, Dialect::Generic, context, "Length", extra(n));
        match parse_packet(b, Dialect::Generic) {
            Err(nom::Err::Error(e)) => assert_eq!(e.reason, extra(n)),
            other => panic!("{context}: {other:?}"),
        }
    }
    // Init_Command_Ack with two bytes after the version.
    let b = sized(&[
        &[0, 0, 0, 0, 0x02, 0, 0, 0],
        &[1, 0, 0, 0],
        &GUID_BYTES,
        &[0x41, 0, 0, 0],
        &[0, 0, 1, 0],
        &[0xAB, 0xCD],
    ]);
    assert_err(&b, Dialect::Generic, "Init_Command_Ack", "Length", extra(2));
}

#[test]
fn parameter_blocks_are_whole_and_bounded() {
    let bad = |bytes, max_params| DecodeReason::BadParameterBlock { bytes, max_params };
    // Operation_Request with six parameters.
    let mut six = vec![
        0x2A, 0, 0, 0, 0x06, 0, 0, 0, 1, 0, 0, 0, 0x02, 0x10, 0, 0, 0, 0,
    ];
    six.extend_from_slice(&[0x11; 24]);
    assert_err(
        &six,
        Dialect::Generic,
        "Operation_Request",
        "Parameters",
        bad(24, 5),
    );
    // Operation_Request with a 3-byte parameter block.
    let b = [
        0x15, 0, 0, 0, 0x06, 0, 0, 0, 1, 0, 0, 0, 0x02, 0x10, 0, 0, 0, 0, 1, 0, 0,
    ];
    assert_err(
        &b,
        Dialect::Generic,
        "Operation_Request",
        "Parameters",
        bad(3, 5),
    );
    // Operation_Response with a 7-byte block.
    let b = [
        0x15, 0, 0, 0, 0x07, 0, 0, 0, 0x01, 0x20, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0,
    ];
    assert_err(
        &b,
        Dialect::Generic,
        "Operation_Response",
        "Parameters",
        bad(7, 5),
    );
    // Event with four parameters: PTP/IP allows three.
    let mut four = vec![
        0x1E, 0, 0, 0, 0x08, 0, 0, 0, 0x06, 0x40, 0xFF, 0xFF, 0xFF, 0xFF,
    ];
    four.extend_from_slice(&[0x22; 16]);
    assert_err(&four, Dialect::Generic, "Event", "Parameters", bad(16, 3));
    // Event with a 2-byte block.
    let b = [0x10, 0, 0, 0, 0x08, 0, 0, 0, 0x06, 0x40, 0, 0, 0, 0, 1, 0];
    assert_err(&b, Dialect::Generic, "Event", "Parameters", bad(2, 3));
    assert_eq!(
        decode_err(&four, Dialect::Generic).to_string(),
        "Event.Parameters: 16 bytes are not 0 to 3 whole 32-bit parameters"
    );
}

#[test]
fn friendly_name_without_nul_is_refused() {
    // Init_Command_Ack whose name runs to the end of the packet.
    let b = sized(&[
        &[0, 0, 0, 0, 0x02, 0, 0, 0],
        &[1, 0, 0, 0],             // ConnectionNumber
        &GUID_BYTES,               // GUID
        &[0x41, 0x00, 0x42, 0x00], // "AB", no NUL, no version
    ]);
    assert_err(
        &b,
        Dialect::Generic,
        "Init_Command_Ack",
        "FriendlyName",
        DecodeReason::MissingNul,
    );
    assert_eq!(
        decode_err(&b, Dialect::Generic).to_string(),
        "Init_Command_Ack.FriendlyName: string has no NUL terminator"
    );
    // Init_Command_Request, standard and Fuji variable layouts, odd trailing byte ignored by the scan.
    let b = sized(&[
        &[0, 0, 0, 0, 0x01, 0, 0, 0],
        &GUID_BYTES,
        &[0x41, 0x00, 0x42],
    ]);
    assert_err(
        &b,
        Dialect::Generic,
        "Init_Command_Request",
        "FriendlyName",
        DecodeReason::MissingNul,
    );
    let b = sized(&[
        &[0, 0, 0, 0, 0x01, 0, 0, 0],
        &[0xF2, 0xE4, 0x53, 0x8F],
        &GUID_BYTES,
        &[0x41, 0],
    ]);
    assert_err(
        &b,
        Dialect::Fuji,
        "Init_Command_Request",
        "FriendlyName",
        DecodeReason::MissingNul,
    );
    // Fuji fixed layout: 27 units fill the 54-byte field, leaving no room for the NUL.
    let mut b = cat(&[
        &[0x52, 0, 0, 0, 0x01, 0, 0, 0],
        &[0xF2, 0xE4, 0x53, 0x8F],
        &GUID_BYTES,
    ]);
    b.extend("z".repeat(27).encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(b.len(), 82);
    assert_err(
        &b,
        Dialect::Fuji,
        "Init_Command_Request",
        "FriendlyName",
        DecodeReason::MissingNul,
    );
}

#[test]
fn friendly_name_longer_than_the_limit_is_refused() {
    let request = |units: usize| {
        let mut b = vec![0, 0, 0, 0, 0x01, 0, 0, 0];
        b.extend_from_slice(&GUID_BYTES);
        b.extend("x".repeat(units).encode_utf16().flat_map(u16::to_le_bytes));
        b.extend_from_slice(&[0, 0]); // NUL
        b.extend_from_slice(&[0, 0, 1, 0]); // ProtocolVersion
        let len = u32::try_from(b.len()).unwrap();
        b[..4].copy_from_slice(&len.to_le_bytes());
        b
    };
    // 254 units is the most a name may have.
    let ok = request(FriendlyName::MAX_UNITS);
    let p = Packet::decode(&ok, Dialect::Generic).unwrap();
    assert_eq!(p.to_bytes(), ok);
    // 255 units: refused, and the scan stops after 255 units instead of running on.
    let e = decode_err(&request(255), Dialect::Generic);
    assert_eq!(
        (e.context, e.field),
        ("Init_Command_Request", "FriendlyName")
    );
    match e.reason {
        DecodeReason::TooLarge { length, max } => {
            assert_eq!(max, 254);
            assert!(length > 254, "{length}");
        }
        other => panic!("{other:?}"),
    }
    // The constructor agrees.
    assert_eq!(
        FriendlyName::new("x".repeat(255)).unwrap_err().reason,
        DecodeReason::TooLarge {
            length: 255,
            max: 254
        }
    );
    assert!(FriendlyName::new("a\0b").is_err());
}

#[test]
fn unpaired_surrogate_in_a_name_is_refused() {
    // A high surrogate followed by 'A'.
    let b = sized(&[
        &[0, 0, 0, 0, 0x01, 0, 0, 0],
        &GUID_BYTES,
        &[0x00, 0xD8, 0x41, 0x00], // D800 0041: unpaired high surrogate
        &[0x00, 0x00],             // NUL
        &[0x00, 0x00, 0x01, 0x00], // ProtocolVersion
    ]);
    assert_err(
        &b,
        Dialect::Generic,
        "Init_Command_Request",
        "FriendlyName",
        DecodeReason::InvalidUtf16,
    );
    // A lone low surrogate in an ack.
    let b = sized(&[
        &[0, 0, 0, 0, 0x02, 0, 0, 0],
        &[1, 0, 0, 0],
        &GUID_BYTES,
        &[0x00, 0xDC], // DC00: lone low surrogate
        &[0x00, 0x00], // NUL
        &[0x00, 0x00, 0x01, 0x00],
    ]);
    assert_err(
        &b,
        Dialect::Generic,
        "Init_Command_Ack",
        "FriendlyName",
        DecodeReason::InvalidUtf16,
    );
    // A high surrogate cut off by the NUL in the Fuji fixed field.
    let mut b = Packet::InitCommandRequest(InitCommandRequest::fuji(GUID, name("AB"))).to_bytes();
    b[30..32].copy_from_slice(&[0x3D, 0xD8]); // replaces 'B' with D83D
    assert_err(
        &b,
        Dialect::Fuji,
        "Init_Command_Request",
        "FriendlyName",
        DecodeReason::InvalidUtf16,
    );
}

#[test]
fn fuji_fixed_layout_padding_must_be_zero() {
    let good = Packet::InitCommandRequest(InitCommandRequest::fuji(GUID, name("AB"))).to_bytes();
    // Offsets 28..32 hold "AB", 32..34 the NUL, 34..82 the padding: dirty its first and last byte.
    for offset in [34, 81] {
        let mut b = good.clone();
        b[offset] = 0x01;
        assert_err(
            &b,
            Dialect::Fuji,
            "Init_Command_Request",
            "FriendlyName",
            DecodeReason::NonZeroPadding,
        );
    }
    assert_eq!(
        decode_err(
            &{
                let mut b = good;
                b[50] = 0xFF;
                b
            },
            Dialect::Fuji
        )
        .to_string(),
        "Init_Command_Request.FriendlyName: padding bytes are not zero"
    );
}

#[test]
fn errors_in_parse_body_carry_the_packet_context() {
    let e = parse_body(PacketType::CANCEL, &[1, 2], Dialect::Generic).unwrap_err();
    let nom::Err::Error(e) = e else {
        panic!("{e:?}")
    };
    assert_eq!((e.context, e.field), ("Cancel", "TransactionID"));
    let unknown = parse_body(PacketType(99), &[1, 2], Dialect::Generic).unwrap();
    assert_eq!(unknown.packet_type(), PacketType(99));
}
