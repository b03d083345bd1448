//! The Init acks as real cameras send them: the layouts accepted, the quirks named, and the
//! refusals that stay refusals.

use super::*;
use crate::deframer::{Deframer, DeframerConfig};
use crate::quirk::{Quirk, ReadAs};

/// The 68-byte Init_Command_Ack of a Fujifilm X-A2 (petabyt/vcam; see `tests/quirks/README.md`).
const X_A2: &[u8] = include_bytes!("../../../tests/quirks/init_command_ack-fuji-x-a2.bin");

/// The GUID in [`X_A2`].
const X_A2_GUID: [u8; 16] = [
    0x08, 0x70, 0xB0, 0x61, 0x0A, 0x8B, 0x45, 0x93, 0xB2, 0xE7, 0x93, 0x57, 0xDD, 0x36, 0xE0, 0x50,
];

const NO_VERSION: Quirk = Quirk::MissingFields {
    context: "Init_Command_Ack",
    fields: &["ProtocolVersion"],
    read_as: ReadAs::Absent,
};

/// An Init_Command_Ack for connection 1 whose name "AB" and its NUL are followed by `tail`.
fn ack_ab(tail: &[u8]) -> Vec<u8> {
    sized(&[
        &[0, 0, 0, 0, 0x02, 0, 0, 0],
        &[1, 0, 0, 0],
        &GUID_BYTES,
        &[0x41, 0, 0x42, 0, 0, 0], // "AB", NUL
        tail,
    ])
}

/// Decodes an ack in both dialects (they read it the same way) and checks it re-encodes exactly.
#[track_caller]
fn ack(bytes: &[u8]) -> InitCommandAck {
    let generic = Packet::decode(bytes, Dialect::Generic).expect("decode");
    assert_eq!(Packet::decode(bytes, Dialect::Fuji).as_ref(), Ok(&generic));
    assert_eq!(generic.to_bytes(), bytes, "re-encoding");
    assert_eq!(generic.encoded_len(), bytes.len());
    match generic {
        Packet::InitCommandAck(a) => a,
        other => panic!("{other:?}"),
    }
}

#[test]
fn fuji_x_a2_ack_decodes_and_re_encodes() {
    assert_eq!(X_A2.len(), 68);
    let a = ack(X_A2);
    assert_eq!(a.connection_number, ConnectionNumber(0));
    assert_eq!(a.guid, Guid(X_A2_GUID));
    assert_eq!(a.friendly_name.as_str(), "X-A2");
    assert_eq!(a.version, None);
    assert_eq!(a.layout, InitAckLayout::FixedName { width: 40 });
    let padded = Quirk::PaddedField {
        context: "Init_Command_Ack",
        field: "FriendlyName",
        width: 40,
    };
    assert_eq!(a.quirks(), [padded, NO_VERSION]);
    let p = Packet::InitCommandAck(a.clone());
    assert_eq!(p.quirks(), a.quirks());
    // The Fujifilm constructor builds the same bytes.
    let built = InitCommandAck::fuji(ConnectionNumber(0), Guid(X_A2_GUID), name("X-A2"));
    assert_eq!(built, a);
    assert_eq!(Packet::InitCommandAck(built).to_bytes(), X_A2);
}

#[test]
fn ack_without_a_version_decodes() {
    let bytes = ack_ab(&[]);
    let a = ack(&bytes);
    assert_eq!((a.version, a.layout), (None, InitAckLayout::Standard));
    assert_eq!(a.friendly_name.as_str(), "AB");
    assert_eq!(a.quirks(), [NO_VERSION]);
    assert_eq!(
        NO_VERSION.to_string(),
        "Init_Command_Ack: no ProtocolVersion field, read as absent"
    );
}

#[test]
fn ack_with_zero_padding_after_the_version_decodes() {
    for len in [1u32, 2, 7, 30] {
        let mut tail = vec![0, 0, 1, 0]; // ProtocolVersion 1.0
        tail.resize(4 + len as usize, 0);
        let a = ack(&ack_ab(&tail));
        assert_eq!(a.version, Some(ProtocolVersion::V1_0));
        assert_eq!(a.layout, InitAckLayout::ZeroPadded { len });
        assert_eq!(
            a.quirks(),
            [Quirk::TrailingBytes {
                context: "Init_Command_Ack",
                count: len.into(),
                all_zero: true
            }]
        );
    }
}

#[test]
fn zeros_after_the_name_are_a_fixed_width_field_except_exactly_four() {
    // "AB" + NUL is 6 bytes; 1 to 3 or 5 and more zeros widen the field, no version.
    for pad in [1usize, 2, 3, 5, 34] {
        let a = ack(&ack_ab(&vec![0; pad]));
        assert_eq!(a.version, None, "{pad}");
        let width = 6 + pad as u32;
        assert_eq!(a.layout, InitAckLayout::FixedName { width });
        assert_eq!(a.quirks().len(), 2);
    }
    // Exactly four are the standard layout's version field, whatever its value.
    let a = ack(&ack_ab(&[0; 4]));
    assert_eq!(a.version, Some(ProtocolVersion::from_u32(0)));
    assert_eq!((a.layout, a.quirks()), (InitAckLayout::Standard, vec![]));
}

#[test]
fn values_the_wire_cannot_tell_apart_encode_as_described() {
    // A field padded by exactly 4 bytes is a version 0 once on the wire.
    let fixed4 = InitCommandAck {
        connection_number: ConnectionNumber(1),
        guid: GUID,
        friendly_name: name("AB"),
        version: None,
        layout: InitAckLayout::FixedName { width: 10 },
    };
    let bytes = Packet::InitCommandAck(fixed4.clone()).to_bytes();
    assert_eq!(bytes, ack_ab(&[0; 4]));
    assert_eq!(ack(&bytes).version, Some(ProtocolVersion::from_u32(0)));
    // A field narrower than the name is written as the name and its NUL.
    let narrow = InitCommandAck {
        layout: InitAckLayout::FixedName { width: 2 },
        ..fixed4
    };
    assert_eq!(narrow.encoded_len(), 4 + 16 + 6);
    assert_eq!(narrow.quirks(), [NO_VERSION]);
    assert_eq!(Packet::InitCommandAck(narrow).to_bytes(), ack_ab(&[]));
}

#[test]
fn non_zero_bytes_after_an_ack_are_still_refused() {
    let extra = |extra| DecodeReason::TrailingBytes { extra };
    // After the version.
    let b = ack_ab(&[0, 0, 1, 0, 0, 0, 9]);
    assert_err_both(&b, "Length", extra(3));
    // Inside what would be a fixed-width field: the first 4 bytes read as version 0, the rest
    // is not padding.
    let mut tail = vec![0; 30];
    tail[29] = 1;
    assert_err_both(&ack_ab(&tail), "Length", extra(26));
    // One to three bytes that are not zero cannot be a version.
    for n in 1..=3u64 {
        let b = ack_ab(&[7, 0, 0][..n as usize]);
        assert_err_both(
            &b,
            "ProtocolVersion",
            DecodeReason::Truncated {
                needed: 4,
                available: n,
            },
        );
    }
}

#[test]
fn names_are_checked_in_a_fixed_width_field_too() {
    // A lone low surrogate, then padding.
    let b = sized(&[
        &[0, 0, 0, 0, 0x02, 0, 0, 0],
        &[0, 0, 0, 0],
        &GUID_BYTES,
        &[0x00, 0xDC, 0, 0],
        &[0; 36],
    ]);
    assert_err_both(&b, "FriendlyName", DecodeReason::InvalidUtf16);
    // 255 units and no NUL: past the name cap, whatever follows.
    let mut long = vec![0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0];
    long.extend_from_slice(&GUID_BYTES);
    long.extend("x".repeat(255).encode_utf16().flat_map(u16::to_le_bytes));
    long.extend_from_slice(&[0; 40]);
    let len = u32::try_from(long.len()).unwrap();
    long[..4].copy_from_slice(&len.to_le_bytes());
    let e = Packet::decode(&long, Dialect::Fuji).unwrap_err();
    assert_eq!((e.context, e.field), ("Init_Command_Ack", "FriendlyName"));
    assert!(matches!(e.reason, DecodeReason::TooLarge { max: 254, .. }));
}

#[test]
fn the_control_packet_cap_still_holds_for_a_padded_ack() {
    for dialect in [Dialect::Generic, Dialect::Fuji] {
        let mut d = Deframer::new(DeframerConfig {
            dialect,
            max_control_len: 64,
            ..DeframerConfig::default()
        });
        d.extend_from_slice(X_A2);
        let e = d.next_frame().unwrap_err();
        assert_eq!(
            (e.context, e.field, e.reason),
            (
                "Init_Command_Ack",
                "Length",
                DecodeReason::TooLarge {
                    length: 68,
                    max: 64
                }
            )
        );
    }
}

#[test]
fn init_event_ack_with_zero_padding_decodes() {
    let bytes = [
        0x0C, 0, 0, 0, // Length 12
        0x04, 0, 0, 0, // PacketType 4 Init_Event_Ack
        0, 0, 0, 0, // padding
    ];
    let p = Packet::InitEventAck(InitEventAck { padding: 4 });
    golden(&p, &bytes, Dialect::Generic);
    golden(&p, &bytes, Dialect::Fuji);
    assert_eq!(
        p.quirks(),
        [Quirk::TrailingBytes {
            context: "Init_Event_Ack",
            count: 4,
            all_zero: true
        }]
    );
    assert_eq!(
        p.quirks()[0].to_string(),
        "Init_Event_Ack: 4 trailing bytes ignored (all zero)"
    );
    // Anything but zeros is still refused.
    let mut dirty = bytes;
    dirty[11] = 1;
    assert_err_both(&dirty, "Length", DecodeReason::TrailingBytes { extra: 4 });
}

/// Asserts the same error in both dialects.
#[track_caller]
fn assert_err_both(bytes: &[u8], field: &str, reason: DecodeReason) {
    for dialect in [Dialect::Generic, Dialect::Fuji] {
        let e = Packet::decode(bytes, dialect).unwrap_err();
        let context = PacketType(u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]))
            .name()
            .unwrap();
        assert_eq!(
            (e.context, e.field, &e.reason),
            (context, field, &reason),
            "{bytes:02X?}"
        );
    }
}
