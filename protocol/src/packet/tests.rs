//! Golden vectors, round trips and decode errors for the 14 PTP/IP packet types.
//!
//! Every golden vector is written out byte by byte, one commented group per field, and checked both
//! ways: `encode(value) == bytes` and `decode(bytes) == value`. The error tests name the exact
//! context, field and reason the decoder must report.

use std::borrow::Cow;

use super::*;
use crate::ptp::codes::{EventCode, OperationCode, ResponseCode};
use crate::types::{ConnectionNumber, FriendlyName, Guid, Params, ProtocolVersion, TransactionId};

/// The GUID used in every init packet below, as its 16 wire bytes.
const GUID_BYTES: [u8; 16] = [
    0x2F, 0x1A, 0x3C, 0x4E, 0x5B, 0x6D, 0x47, 0x80, 0x91, 0xA2, 0xB3, 0xC4, 0xD5, 0xE6, 0xF7, 0x08,
];

const GUID: Guid = Guid(GUID_BYTES);

fn name(s: &str) -> FriendlyName {
    FriendlyName::new(s).expect("valid test name")
}

fn params(p: &[u32]) -> Params {
    Params::from_slice(p).expect("at most five parameters")
}

/// Joins byte groups, so that a vector can be written one commented field at a time.
fn cat(groups: &[&[u8]]) -> Vec<u8> {
    groups.concat()
}

/// Like [`cat`], then writes the total length into the first four bytes (for malformed packets,
/// whose length field is not what the test is about).
fn sized(groups: &[&[u8]]) -> Vec<u8> {
    let mut b = cat(groups);
    let len = u32::try_from(b.len()).expect("small test packet");
    b[..4].copy_from_slice(&len.to_le_bytes());
    b
}

/// Checks a golden vector both ways, plus `encoded_len`, appending and streaming parse.
#[track_caller]
fn golden(packet: &Packet<'_>, bytes: &[u8], dialect: Dialect) {
    assert_eq!(packet.to_bytes(), bytes, "encoding {packet:?}");
    assert_eq!(
        packet.encoded_len(),
        bytes.len(),
        "encoded_len of {packet:?}"
    );
    assert_eq!(packet.payload_len(), bytes.len() - Header::LEN);

    // `encode` appends and leaves what was there.
    let mut out = vec![0xEE];
    packet.encode(&mut out);
    assert_eq!(out[0], 0xEE);
    assert_eq!(&out[1..], bytes);

    let (rest, header) = parse_header(bytes).expect("header");
    assert_eq!(header.length as usize, bytes.len());
    assert_eq!(header.packet_type, packet.packet_type());
    assert_eq!(rest.len(), bytes.len() - Header::LEN);

    assert_eq!(&Packet::decode(bytes, dialect).expect("decode"), packet);

    // Streaming parse stops at the packet's end.
    let mut two = bytes.to_vec();
    two.extend_from_slice(&[0xAB, 0xCD]);
    let (rest, parsed) = parse_packet(&two, dialect).expect("parse_packet");
    assert_eq!(rest, [0xAB, 0xCD]);
    assert_eq!(&parsed, packet);
}

// ---------------------------------------------------------------------------------------------
// Golden vectors
// ---------------------------------------------------------------------------------------------

#[test]
fn init_command_request_standard_golden() {
    let bytes = cat(&[
        &[0x22, 0x00, 0x00, 0x00], // Length 34
        &[0x01, 0x00, 0x00, 0x00], // PacketType 1 Init_Command_Request
        &GUID_BYTES,               // GUID, raw RFC 4122 order
        &[0x41, 0x00, 0x42, 0x00], // FriendlyName "AB", UTF-16LE
        &[0x00, 0x00],             // FriendlyName NUL
        &[0x00, 0x00, 0x01, 0x00], // ProtocolVersion 1.0 (0x00010000)
    ]);
    let p = Packet::InitCommandRequest(InitCommandRequest::new(GUID, name("AB")));
    golden(&p, &bytes, Dialect::Generic);
    let Packet::InitCommandRequest(req) = Packet::decode(&bytes, Dialect::Generic).unwrap() else {
        panic!("not an Init_Command_Request");
    };
    assert_eq!(req.version, ProtocolVersion { major: 1, minor: 0 });
    assert_eq!(req.layout, InitRequestLayout::Standard);
}

#[test]
fn init_command_request_fuji_variable_golden() {
    // go-ptp-ip.md §3.2, verified bytes for name "AB": version first, then GUID, then the name.
    let bytes = cat(&[
        &[0x22, 0x00, 0x00, 0x00], // Length 34
        &[0x01, 0x00, 0x00, 0x00], // PacketType 1 Init_Command_Request
        &[0xF2, 0xE4, 0x53, 0x8F], // ProtocolVersion 0x8F53E4F2 (Fuji)
        &GUID_BYTES,               // GUID
        &[0x41, 0x00, 0x42, 0x00], // FriendlyName "AB"
        &[0x00, 0x00],             // FriendlyName NUL
    ]);
    let p = Packet::InitCommandRequest(InitCommandRequest {
        guid: GUID,
        friendly_name: name("AB"),
        version: ProtocolVersion::FUJI,
        layout: InitRequestLayout::Fuji,
    });
    golden(&p, &bytes, Dialect::Fuji);
}

#[test]
fn init_command_request_fuji_fixed_golden() {
    let bytes = cat(&[
        &[0x52, 0x00, 0x00, 0x00], // Length 82
        &[0x01, 0x00, 0x00, 0x00], // PacketType 1 Init_Command_Request
        &[0xF2, 0xE4, 0x53, 0x8F], // ProtocolVersion 0x8F53E4F2 (Fuji)
        &GUID_BYTES,               // GUID
        &[0x41, 0x00, 0x42, 0x00], // FriendlyName "AB" (first 4 of 54 bytes)
        &[0x00, 0x00],             // FriendlyName NUL
        &[0x00; 48],               // FriendlyName zero padding to 54 bytes
    ]);
    assert_eq!(bytes.len(), InitRequestLayout::FUJI_FIXED_PACKET_LEN);
    let p = Packet::InitCommandRequest(InitCommandRequest::fuji(GUID, name("AB")));
    golden(&p, &bytes, Dialect::Fuji);
}

#[test]
fn fuji_fixed_layout_cuts_long_names_on_a_character_boundary() {
    // 30 units do not fit: the first 26 are sent and the field stays 54 bytes with a NUL.
    let long = InitCommandRequest::fuji(GUID, name(&"n".repeat(30)));
    let bytes = Packet::InitCommandRequest(long).to_bytes();
    assert_eq!(bytes.len(), 82);
    assert_eq!(
        &bytes[28..80],
        "n".repeat(26)
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<_>>()
    );
    assert_eq!(&bytes[80..82], [0, 0]); // the 27th unit is the NUL
    let Packet::InitCommandRequest(back) = Packet::decode(&bytes, Dialect::Fuji).unwrap() else {
        panic!("not an Init_Command_Request");
    };
    assert_eq!(back.friendly_name.as_str(), "n".repeat(26));

    // A surrogate pair at units 26–27 would be split: it is dropped whole.
    let pair = InitCommandRequest::fuji(GUID, name(&format!("{}\u{1F4F7}", "x".repeat(25))));
    let bytes = Packet::InitCommandRequest(pair).to_bytes();
    assert_eq!(bytes.len(), 82);
    assert_eq!(
        &bytes[78..82],
        [0, 0, 0, 0],
        "unit 26 must be padding, not half a pair"
    );
    let Packet::InitCommandRequest(back) = Packet::decode(&bytes, Dialect::Fuji).unwrap() else {
        panic!("not an Init_Command_Request");
    };
    assert_eq!(back.friendly_name.as_str(), "x".repeat(25));

    // A pair ending exactly at unit 26 fits.
    let fits = Packet::InitCommandRequest(InitCommandRequest::fuji(
        GUID,
        name(&format!("{}\u{1F4F7}", "x".repeat(24))),
    ));
    let bytes = fits.to_bytes();
    assert_eq!(&bytes[76..80], [0x3D, 0xD8, 0xF7, 0xDC]); // D83D DCF7
    assert_eq!(Packet::decode(&bytes, Dialect::Fuji).unwrap(), fits);
}

#[test]
fn fuji_variable_request_with_a_26_unit_name_is_the_fixed_layout() {
    let n = name(&"y".repeat(26));
    let variable = InitCommandRequest {
        layout: InitRequestLayout::Fuji,
        ..InitCommandRequest::fuji(GUID, n.clone())
    };
    let fixed = InitCommandRequest::fuji(GUID, n);
    let bytes = Packet::InitCommandRequest(variable).to_bytes();
    assert_eq!(bytes, Packet::InitCommandRequest(fixed.clone()).to_bytes());
    assert_eq!(
        Packet::decode(&bytes, Dialect::Fuji).unwrap(),
        Packet::InitCommandRequest(fixed)
    );
}

#[test]
fn init_command_ack_golden() {
    let bytes = cat(&[
        &[0x28, 0x00, 0x00, 0x00],             // Length 40
        &[0x02, 0x00, 0x00, 0x00],             // PacketType 2 Init_Command_Ack
        &[0x01, 0x00, 0x00, 0x00],             // ConnectionNumber 1
        &GUID_BYTES,                           // responder GUID
        &[0x43, 0x00, 0x61, 0x00, 0x6D, 0x00], // FriendlyName "Cam"
        &[0x00, 0x00],                         // FriendlyName NUL
        &[0x00, 0x00, 0x01, 0x00],             // ProtocolVersion 1.0
    ]);
    let p = Packet::InitCommandAck(InitCommandAck {
        connection_number: ConnectionNumber(1),
        guid: GUID,
        friendly_name: name("Cam"),
        version: Some(ProtocolVersion::V1_0),
        layout: InitAckLayout::Standard,
    });
    assert_eq!(p.quirks(), []);
    golden(&p, &bytes, Dialect::Generic);
    golden(&p, &bytes, Dialect::Fuji); // the Fuji reply is a standard ack
}

#[test]
fn init_command_ack_name_with_surrogate_pair_golden() {
    let bytes = cat(&[
        &[0x26, 0x00, 0x00, 0x00], // Length 38
        &[0x02, 0x00, 0x00, 0x00], // PacketType 2 Init_Command_Ack
        &[0x0A, 0x00, 0x00, 0x00], // ConnectionNumber 10
        &GUID_BYTES,               // responder GUID
        &[0x3D, 0xD8, 0xF7, 0xDC], // FriendlyName U+1F4F7 as the pair D83D DCF7
        &[0x00, 0x00],             // FriendlyName NUL
        &[0xF2, 0xE4, 0x53, 0x8F], // ProtocolVersion 0x8F53E4F2
    ]);
    let p = Packet::InitCommandAck(InitCommandAck {
        connection_number: ConnectionNumber(10),
        guid: GUID,
        friendly_name: name("\u{1F4F7}"),
        version: Some(ProtocolVersion::FUJI),
        layout: InitAckLayout::Standard,
    });
    golden(&p, &bytes, Dialect::Generic);
}

#[test]
fn init_event_request_golden() {
    // go-ptp-ip.md §2.2, verified: InitEventRequest(conn 7).
    let bytes = [
        0x0C, 0x00, 0x00, 0x00, // Length 12
        0x03, 0x00, 0x00, 0x00, // PacketType 3 Init_Event_Request
        0x07, 0x00, 0x00, 0x00, // ConnectionNumber 7
    ];
    golden(
        &Packet::InitEventRequest(InitEventRequest::new(ConnectionNumber(7))),
        &bytes,
        Dialect::Generic,
    );
}

#[test]
fn init_event_ack_golden() {
    let bytes = [
        0x08, 0x00, 0x00, 0x00, // Length 8
        0x04, 0x00, 0x00, 0x00, // PacketType 4 Init_Event_Ack
    ];
    golden(
        &Packet::InitEventAck(InitEventAck::new()),
        &bytes,
        Dialect::Generic,
    );
    assert_eq!(Packet::InitEventAck(InitEventAck::new()).quirks(), []);
}

#[test]
fn init_fail_golden_for_each_reason() {
    // (reason, wire bytes, named)
    let cases: [(InitFailReason, [u8; 4], bool); 6] = [
        (InitFailReason::REJECTED_INITIATOR, [0x01, 0, 0, 0], true),
        (InitFailReason::BUSY, [0x02, 0, 0, 0], true),
        (InitFailReason::UNSPECIFIED, [0x03, 0, 0, 0], true),
        (InitFailReason::FUJI_DEVICE_BUSY, [0x19, 0x20, 0, 0], true),
        (
            InitFailReason::FUJI_INVALID_PARAMETER,
            [0x1D, 0x20, 0, 0],
            true,
        ),
        (InitFailReason(0x1234), [0x34, 0x12, 0, 0], false),
    ];
    for (reason, reason_bytes, named) in cases {
        let bytes = cat(&[
            &[0x0C, 0x00, 0x00, 0x00], // Length 12
            &[0x05, 0x00, 0x00, 0x00], // PacketType 5 Init_Fail
            &reason_bytes,             // Reason
        ]);
        golden(
            &Packet::InitFail(InitFail::new(reason)),
            &bytes,
            Dialect::Generic,
        );
        assert_eq!(reason.description().is_some(), named, "{reason:?}");
    }
    assert_eq!(
        InitFailReason::REJECTED_INITIATOR.description(),
        Some("rejected initiator")
    );
    assert_eq!(
        InitFailReason::UNSPECIFIED.description(),
        Some("unspecified")
    );
    assert!(
        InitFailReason::FUJI_DEVICE_BUSY
            .description()
            .unwrap()
            .starts_with("Fujifilm")
    );
    assert!(
        InitFailReason::FUJI_INVALID_PARAMETER
            .description()
            .unwrap()
            .contains("version")
    );
    assert_eq!(InitFailReason(0x1234).description(), None);
    assert_eq!(InitFailReason(0x1234).to_string(), "unknown reason 0x1234");
    assert_eq!(
        InitFailReason::BUSY.to_string(),
        "busy: too many connections (0x2)"
    );
}

#[test]
fn operation_request_no_params_golden() {
    let bytes = [
        0x12, 0x00, 0x00, 0x00, // Length 18
        0x06, 0x00, 0x00, 0x00, // PacketType 6 Operation_Request
        0x01, 0x00, 0x00, 0x00, // DataPhaseInfo 1: no data or data in
        0x01, 0x10, // OperationCode 0x1001 GetDeviceInfo
        0x00, 0x00, 0x00, 0x00, // TransactionID 0
    ];
    let p = Packet::OperationRequest(OperationRequest {
        data_phase: DataPhaseInfo::NO_DATA_OR_DATA_IN,
        code: OperationCode::GET_DEVICE_INFO,
        transaction_id: TransactionId(0),
        params: Params::new(),
    });
    golden(&p, &bytes, Dialect::Generic);
}

#[test]
fn operation_request_five_params_golden() {
    // go-ptp-ip.md §2.2, verified: OpenSession(sid 1) as the Go tool sends it, all five params.
    let go = cat(&[
        &[0x26, 0x00, 0x00, 0x00], // Length 38
        &[0x06, 0x00, 0x00, 0x00], // PacketType 6 Operation_Request
        &[0x01, 0x00, 0x00, 0x00], // DataPhaseInfo 1
        &[0x02, 0x10],             // OperationCode 0x1002 OpenSession
        &[0x00, 0x00, 0x00, 0x00], // TransactionID 0
        &[0x01, 0x00, 0x00, 0x00], // Parameter1 SessionID 1
        &[0x00; 16],               // Parameter2..5 = 0, kept: the count comes from the length
    ]);
    let p = Packet::OperationRequest(OperationRequest {
        data_phase: DataPhaseInfo::NO_DATA_OR_DATA_IN,
        code: OperationCode::OPEN_SESSION,
        transaction_id: TransactionId::OPEN_SESSION,
        params: params(&[1, 0, 0, 0, 0]),
    });
    golden(&p, &go, Dialect::Generic);

    let distinct = cat(&[
        &[0x26, 0x00, 0x00, 0x00], // Length 38
        &[0x06, 0x00, 0x00, 0x00], // PacketType 6 Operation_Request
        &[0x02, 0x00, 0x00, 0x00], // DataPhaseInfo 2: data out
        &[0x16, 0x10],             // OperationCode 0x1016 SetDevicePropValue
        &[0x78, 0x56, 0x34, 0x12], // TransactionID 0x12345678
        &[0x01, 0x00, 0x00, 0x00], // Parameter1
        &[0x02, 0x00, 0x00, 0x00], // Parameter2
        &[0x03, 0x00, 0x00, 0x00], // Parameter3
        &[0x04, 0x00, 0x00, 0x80], // Parameter4 0x80000004
        &[0xFF, 0xFF, 0xFF, 0xFF], // Parameter5 0xFFFFFFFF
    ]);
    let p = Packet::OperationRequest(OperationRequest {
        data_phase: DataPhaseInfo::DATA_OUT,
        code: OperationCode(0x1016),
        transaction_id: TransactionId(0x1234_5678),
        params: params(&[1, 2, 3, 0x8000_0004, 0xFFFF_FFFF]),
    });
    golden(&p, &distinct, Dialect::Generic);
}

#[test]
fn operation_response_golden() {
    let none = [
        0x0E, 0x00, 0x00, 0x00, // Length 14
        0x07, 0x00, 0x00, 0x00, // PacketType 7 Operation_Response
        0x01, 0x20, // ResponseCode 0x2001 OK
        0x07, 0x00, 0x00, 0x00, // TransactionID 7
    ];
    let p = Packet::OperationResponse(OperationResponse {
        code: ResponseCode::OK,
        transaction_id: TransactionId(7),
        params: Params::new(),
    });
    golden(&p, &none, Dialect::Generic);

    let two = [
        0x16, 0x00, 0x00, 0x00, // Length 22
        0x07, 0x00, 0x00, 0x00, // PacketType 7 Operation_Response
        0x03, 0x20, // ResponseCode 0x2003 SessionNotOpen
        0x02, 0x00, 0x00, 0x00, // TransactionID 2
        0xAA, 0x00, 0x00, 0x00, // Parameter1 0xAA
        0x00, 0x00, 0x01, 0x00, // Parameter2 0x10000
    ];
    let p = Packet::OperationResponse(OperationResponse {
        code: ResponseCode::SESSION_NOT_OPEN,
        transaction_id: TransactionId(2),
        params: params(&[0xAA, 0x1_0000]),
    });
    golden(&p, &two, Dialect::Generic);
}

#[test]
fn event_golden_zero_to_three_params() {
    let prefix: [u8; 4] = [0x08, 0x00, 0x00, 0x00]; // PacketType 8 Event
    let code: [u8; 2] = [0x02, 0x40]; // EventCode 0x4002 ObjectAdded
    let tid: [u8; 4] = [0xFF, 0xFF, 0xFF, 0xFF]; // TransactionID 0xFFFFFFFF: none
    let param_bytes: [[u8; 4]; 3] = [
        [0x01, 0x00, 0x00, 0x90], // Parameter1 0x90000001
        [0x02, 0x00, 0x00, 0x00], // Parameter2 2
        [0x00, 0x00, 0x00, 0x00], // Parameter3 0
    ];
    let lengths = [0x0E, 0x12, 0x16, 0x1A]; // Length 14 + 4 per parameter
    let values = [0x9000_0001, 2, 0];
    for n in 0..=3 {
        let length = [lengths[n], 0, 0, 0];
        let mut groups: Vec<&[u8]> = vec![&length, &prefix, &code, &tid];
        groups.extend(param_bytes[..n].iter().map(|p| p.as_slice()));
        let bytes = cat(&groups);
        let p = Packet::Event(EventPacket {
            code: EventCode::OBJECT_ADDED,
            transaction_id: TransactionId::RESERVED,
            params: params(&values[..n]),
        });
        golden(&p, &bytes, Dialect::Generic);
    }
}

#[test]
fn start_data_golden_known_and_unknown_length() {
    let known = [
        0x14, 0x00, 0x00, 0x00, // Length 20
        0x09, 0x00, 0x00, 0x00, // PacketType 9 Start_Data
        0x05, 0x00, 0x00, 0x00, // TransactionID 5
        0x89, 0x67, 0x45, 0x23, 0x01, 0x00, 0x00, 0x00, // TotalDataLength 0x123456789 (u64)
    ];
    let sd = StartData {
        transaction_id: TransactionId(5),
        total_length: 0x1_2345_6789,
    };
    assert_eq!(sd.known_length(), Some(0x1_2345_6789));
    golden(&Packet::StartData(sd), &known, Dialect::Generic);

    let unknown = [
        0x14, 0x00, 0x00, 0x00, // Length 20
        0x09, 0x00, 0x00, 0x00, // PacketType 9 Start_Data
        0x06, 0x00, 0x00, 0x00, // TransactionID 6
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // TotalDataLength all ones: unknown
    ];
    let sd = StartData {
        transaction_id: TransactionId(6),
        total_length: StartData::UNKNOWN_LENGTH,
    };
    assert_eq!(sd.known_length(), None);
    golden(&Packet::StartData(sd), &unknown, Dialect::Generic);
}

#[test]
fn data_and_end_data_golden() {
    let data = [
        0x10, 0x00, 0x00, 0x00, // Length 16
        0x0A, 0x00, 0x00, 0x00, // PacketType 10 Data
        0x05, 0x00, 0x00, 0x00, // TransactionID 5
        0xDE, 0xAD, 0xBE, 0xEF, // payload
    ];
    let p = Packet::Data(DataPacket {
        transaction_id: TransactionId(5),
        payload: Cow::Owned(vec![0xDE, 0xAD, 0xBE, 0xEF]),
    });
    golden(&p, &data, Dialect::Generic);

    let end = [
        0x0E, 0x00, 0x00, 0x00, // Length 14
        0x0C, 0x00, 0x00, 0x00, // PacketType 12 End_Data
        0x05, 0x00, 0x00, 0x00, // TransactionID 5
        0x01, 0x02, // payload
    ];
    let p = Packet::EndData(DataPacket {
        transaction_id: TransactionId(5),
        payload: Cow::Borrowed(&[0x01, 0x02]),
    });
    golden(&p, &end, Dialect::Generic);

    let empty = [
        0x0C, 0x00, 0x00, 0x00, // Length 12
        0x0C, 0x00, 0x00, 0x00, // PacketType 12 End_Data
        0x09, 0x00, 0x00, 0x00, // TransactionID 9, no payload
    ];
    let p = Packet::EndData(DataPacket {
        transaction_id: TransactionId(9),
        payload: Cow::Borrowed(&[]),
    });
    golden(&p, &empty, Dialect::Generic);
}

#[test]
fn data_payload_is_borrowed_until_into_owned() {
    let bytes = [0x0E, 0, 0, 0, 0x0A, 0, 0, 0, 0x05, 0, 0, 0, 0x11, 0x22];
    let p = Packet::decode(&bytes, Dialect::Generic).unwrap();
    let Packet::Data(d) = &p else {
        panic!("not Data: {p:?}")
    };
    let Cow::Borrowed(payload) = &d.payload else {
        panic!("payload was copied")
    };
    assert_eq!(payload.as_ptr(), bytes[12..].as_ptr());
    let owned: Packet<'static> = p.clone().into_owned();
    assert!(matches!(
        &owned,
        Packet::Data(DataPacket {
            payload: Cow::Owned(_),
            ..
        })
    ));
    assert_eq!(owned, p);
}

#[test]
fn data_write_header_matches_the_packet_prefix() {
    for (end, packet_type) in [(false, 0x0A), (true, 0x0C)] {
        let mut out = Vec::new();
        DataPacket::write_header(&mut out, end, TransactionId(0x0102_0304), 3);
        let expected = [
            0x0F,
            0x00,
            0x00,
            0x00, // Length 15 = 12 + 3
            packet_type,
            0x00,
            0x00,
            0x00, // PacketType 10 Data or 12 End_Data
            0x04,
            0x03,
            0x02,
            0x01, // TransactionID 0x01020304
        ];
        assert_eq!(out, expected);
        let body = DataPacket {
            transaction_id: TransactionId(0x0102_0304),
            payload: Cow::Borrowed(&[7, 8, 9]),
        };
        let p = if end {
            Packet::EndData(body)
        } else {
            Packet::Data(body)
        };
        assert_eq!(p.to_bytes()[..12], out);
    }
    assert_eq!(Packet::MAX_DATA_PAYLOAD, 0xFFFF_FFFF - 12);
}

#[test]
fn cancel_golden() {
    let bytes = [
        0x0C, 0x00, 0x00, 0x00, // Length 12
        0x0B, 0x00, 0x00, 0x00, // PacketType 11 Cancel
        0x09, 0x00, 0x00, 0x00, // TransactionID 9
    ];
    golden(
        &Packet::Cancel(Cancel::new(TransactionId(9))),
        &bytes,
        Dialect::Generic,
    );
}

#[test]
fn probes_golden() {
    let request = [
        0x08, 0x00, 0x00, 0x00, // Length 8
        0x0D, 0x00, 0x00, 0x00, // PacketType 13 Probe_Request
    ];
    golden(&Packet::ProbeRequest, &request, Dialect::Generic);
    let response = [
        0x08, 0x00, 0x00, 0x00, // Length 8
        0x0E, 0x00, 0x00, 0x00, // PacketType 14 Probe_Response
    ];
    golden(&Packet::ProbeResponse, &response, Dialect::Fuji);
}

#[test]
fn unknown_packet_types_are_kept_whole() {
    let bytes = [
        0x0B, 0x00, 0x00, 0x00, // Length 11
        0x0F, 0x00, 0x00, 0x00, // PacketType 15: not in DC-X005
        0x01, 0x02, 0x03, // payload
    ];
    let p = Packet::Unknown {
        packet_type: PacketType(15),
        payload: Cow::Borrowed(&[1, 2, 3]),
    };
    golden(&p, &bytes, Dialect::Generic);

    let zero = [
        0x08, 0x00, 0x00, 0x00, // Length 8
        0x00, 0x00, 0x00, 0x00, // PacketType 0 (Go's "Invalid"), no payload
    ];
    let p = Packet::Unknown {
        packet_type: PacketType(0),
        payload: Cow::Borrowed(&[]),
    };
    golden(&p, &zero, Dialect::Generic);

    let high = [
        0x09, 0x00, 0x00, 0x00, // Length 9
        0xFF, 0xFF, 0xFF, 0xFF, // PacketType 0xFFFFFFFF
        0x5A, // payload
    ];
    let p = Packet::Unknown {
        packet_type: PacketType(u32::MAX),
        payload: Cow::Owned(vec![0x5A]),
    };
    golden(&p, &high, Dialect::Fuji);
}

#[test]
fn packet_type_names_follow_the_spec() {
    assert_eq!(PacketType::ALL.len(), 14);
    for (i, t) in PacketType::ALL.iter().enumerate() {
        assert_eq!(t.0 as usize, i + 1);
    }
    assert_eq!(
        PacketType::INIT_COMMAND_REQUEST.name(),
        Some("Init_Command_Request")
    );
    assert_eq!(PacketType::END_DATA.name(), Some("End_Data"));
    assert_eq!(PacketType::PROBE_RESPONSE.name(), Some("Probe_Response"));
    assert_eq!(PacketType(15).name(), None);
    assert_eq!(
        PacketType::from_name("start_data"),
        Some(PacketType::START_DATA)
    );
    assert_eq!(format!("{:?}", PacketType::CANCEL), "Cancel(0x0000000b)");
    assert_eq!(PacketType(0x20).to_string(), "0x00000020");
    assert_eq!(
        Header {
            length: 3,
            packet_type: PacketType::DATA
        }
        .payload_len(),
        0
    );
}

mod errors;
mod init_lenient;
