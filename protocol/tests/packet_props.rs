//! Property tests of the PTP/IP packet codec: round trips, streaming prefixes, and no panics on
//! arbitrary or mutated input.

mod strategies;

use proptest::collection::vec;
use proptest::prelude::*;
use ptpip_protocol::Encode;
use ptpip_protocol::{Dialect, Header, Packet, parse_header, parse_packet};
use strategies::{dialect_and_packet, packet};

fn any_dialect() -> impl Strategy<Value = Dialect> {
    prop_oneof![Just(Dialect::Generic), Just(Dialect::Fuji)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Every packet decodes back to itself, with the length in its header.
    #[test]
    fn encode_then_decode_is_identity((dialect, p) in dialect_and_packet(512)) {
        let bytes = p.to_bytes();
        prop_assert_eq!(bytes.len(), p.encoded_len());
        let (_, header) = parse_header(&bytes).unwrap();
        prop_assert_eq!(header.length as usize, bytes.len());
        prop_assert_eq!(header.packet_type, p.packet_type());
        prop_assert_eq!(Packet::decode(&bytes, dialect).unwrap(), p.clone());
        // The borrowed decode detaches to an equal owned packet.
        prop_assert_eq!(Packet::decode(&bytes, dialect).unwrap().into_owned(), p);
    }

    /// Every strict prefix of a packet is `Incomplete`, asking for exactly the missing bytes (the
    /// header's first, then the rest of the packet's).
    #[test]
    fn prefixes_are_incomplete((dialect, p) in dialect_and_packet(64), cut in any::<prop::sample::Index>()) {
        let bytes = p.to_bytes();
        let cut = cut.index(bytes.len());
        let missing = if cut < Header::LEN { Header::LEN - cut } else { bytes.len() - cut };
        prop_assert_eq!(
            parse_packet(&bytes[..cut], dialect).unwrap_err(),
            nom::Err::Incomplete(nom::Needed::new(missing))
        );
    }

    /// Packets back to back parse one after the other.
    #[test]
    fn a_stream_parses_packet_by_packet(
        (dialect, packets) in any_dialect().prop_flat_map(|d| (Just(d), vec(packet(d, 64), 0..8)))
    ) {
        let stream: Vec<u8> = packets.iter().flat_map(Packet::to_bytes).collect();
        let mut rest = stream.as_slice();
        for p in &packets {
            let (next, parsed) = parse_packet(rest, dialect).unwrap();
            prop_assert_eq!(&parsed, p);
            rest = next;
        }
        prop_assert!(rest.is_empty());
    }

    /// Arbitrary bytes never panic, and whatever decodes re-encodes to the same bytes.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..300), dialect in any_dialect()) {
        if let Ok(p) = Packet::decode(&bytes, dialect) {
            prop_assert_eq!(&p.to_bytes(), &bytes);
        }
        let _ = parse_packet(&bytes, dialect);
        let _ = parse_header(&bytes);
    }

    /// Arbitrary bodies behind a well-formed header of any type 0–16, so that every body parser
    /// sees garbage: no panic, and a successful decode is canonical.
    #[test]
    fn arbitrary_bodies_never_panic(
        packet_type in 0u32..=16,
        body in vec(any::<u8>(), 0..120),
        dialect in any_dialect(),
    ) {
        let mut bytes = Vec::with_capacity(8 + body.len());
        bytes.extend_from_slice(&u32::try_from(8 + body.len()).unwrap().to_le_bytes());
        bytes.extend_from_slice(&packet_type.to_le_bytes());
        bytes.extend_from_slice(&body);
        if let Ok(p) = Packet::decode(&bytes, dialect) {
            prop_assert_eq!(p.packet_type().0, packet_type);
            prop_assert_eq!(&p.to_bytes(), &bytes);
        }
    }

    /// Valid packets with one byte changed, or cut, or extended (length field kept consistent):
    /// no panic, and a successful decode is canonical.
    #[test]
    fn mutated_packets_never_panic(
        (dialect, p) in dialect_and_packet(32),
        at in any::<prop::sample::Index>(),
        value in any::<u8>(),
        edit in 0u8..3,
    ) {
        let mut bytes = p.to_bytes();
        match edit {
            0 => {
                let i = at.index(bytes.len());
                bytes[i] = value;
            }
            1 => {
                bytes.truncate(Header::LEN.max(at.index(bytes.len() + 1)));
                let len = u32::try_from(bytes.len()).unwrap();
                bytes[..4].copy_from_slice(&len.to_le_bytes());
            }
            _ => {
                bytes.push(value);
                let len = u32::try_from(bytes.len()).unwrap();
                bytes[..4].copy_from_slice(&len.to_le_bytes());
            }
        }
        if let Ok(decoded) = Packet::decode(&bytes, dialect) {
            prop_assert_eq!(&decoded.to_bytes(), &bytes);
        }
        let _ = parse_packet(&bytes, dialect);
    }
}
