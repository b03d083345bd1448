//! The Fujifilm fixtures the other suites do not read: the 68-byte Init_Command_Ack of the
//! X-A2 (and X-T5) and the X-H1's 0xD185 values (see `fixtures/README.md`). The X-T1 dumps are
//! decoded in the crate's unit tests (`fuji::values`, `fuji::lists`, `ptp::dataset`), the X-H1
//! DeviceInfo in `ptp::dataset`, the live-view frame in `fuji_framing.rs` and `fuji::stream`.

use std::time::Instant;

use bytes::BytesMut;
use ptpip_protocol::initiator::{Event, Initiator, InitiatorConfig};
use ptpip_protocol::ptp::PtpString;
use ptpip_protocol::{Channel, Dialect, FriendlyName, Guid, Packet, ProtocolVersion, parse_packet};

const XA2_ACK: &[u8] = include_bytes!("fixtures/xa2_init_command_ack.bin");
const XH1_D185_INITIAL: &[u8] = include_bytes!("fixtures/xh1_d185_initial.bin");
const XH1_D185_2: &[u8] = include_bytes!("fixtures/xh1_d185_2.bin");

/// "68 bytes: length 0x44, type 2, connection number 0, the camera GUID, then the name in
/// UTF-16 and NUL, zero-padded to a fixed 40-byte field; no protocol-version field."
#[test]
fn the_68_byte_ack_decodes_in_the_fuji_dialect_only() {
    assert_eq!(XA2_ACK.len(), 68);
    let (rest, p) = parse_packet(XA2_ACK, Dialect::Fuji).unwrap();
    assert!(rest.is_empty());
    let Packet::InitCommandAck(ack) = p else {
        panic!("{p:?}")
    };
    assert_eq!(ack.connection_number.0, 0);
    assert_eq!(ack.friendly_name.as_str(), "X-A2");
    assert_eq!(&ack.guid.0[..4], &[0x08, 0x70, 0xB0, 0x61]);
    assert_eq!(ack.version, ProtocolVersion::UNSTATED);
    // The strict standard reading refuses it: DC-X005 puts a version after the name.
    assert!(parse_packet(XA2_ACK, Dialect::Generic).is_err());

    // A Fujifilm initiator takes it and goes on to OpenSession.
    let now = Instant::now();
    let name = FriendlyName::new("me").unwrap();
    let mut ini = Initiator::new(
        InitiatorConfig::new(Guid([1; 16]), name, Dialect::Fuji),
        now,
    );
    while ini.poll_transmit().is_some() {}
    ini.handle_input(now, Channel::Command, BytesMut::from(XA2_ACK))
        .unwrap();
    let hello = ini.poll_event().unwrap();
    assert!(
        matches!(&hello, Event::Connected { friendly_name, version, .. }
            if friendly_name.as_str() == "X-A2" && *version == ProtocolVersion::UNSTATED),
        "{hello:?}"
    );
    let open = ini.poll_transmit().unwrap();
    // A command container (type 1) for OpenSession (0x1002).
    assert_eq!(&open.payload[4..8], &[1, 0, 0x02, 0x10]);
}

/// "X-H1 values of vendor property 0xD185 (starts with a PTP string, e.g. a serial-like
/// "FF129506")": after a `u16` (0x17, 0x1D), the string. In the second value it is a valid PTP
/// string (count 9 with the NUL); the initial one's count (8) is one short of its NUL, an
/// inconsistency of the recording, so only a NUL-terminated reading gets the text.
#[test]
fn the_x_h1_d185_values_start_with_the_serial_like_string() {
    assert_eq!(u16::from_le_bytes([XH1_D185_2[0], XH1_D185_2[1]]), 0x1D);
    let (_, s) = PtpString::parse(&XH1_D185_2[2..], "D185").unwrap();
    assert_eq!(s.as_str(), "FF129506");

    assert_eq!(
        u16::from_le_bytes([XH1_D185_INITIAL[0], XH1_D185_INITIAL[1]]),
        0x17
    );
    assert_eq!(XH1_D185_INITIAL[2], 8);
    assert!(PtpString::parse(&XH1_D185_INITIAL[2..], "D185").is_err());
    let units: Vec<u16> = XH1_D185_INITIAL[3..]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    assert_eq!(String::from_utf16(&units).unwrap(), "FF129506");
}
