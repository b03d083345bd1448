//! Property tests of the streaming deframer: any stream of frames, cut anywhere and fed either way,
//! comes out as the same frames, with data payloads streamed in non-empty chunks.

mod strategies;

use proptest::collection::vec;
use proptest::prelude::*;
use ptpip_protocol::Encode;
use ptpip_protocol::fuji::Container;
use ptpip_protocol::packet::{InitAckLayout, InitCommandAck};
use ptpip_protocol::{
    Deframer, DeframerConfig, Dialect, Frame, Framing, Guid, Packet, ProtocolVersion,
};
use strategies::{
    Feed, Item, MAX_PAYLOAD, container, feed, gather, live_view_frame, packet, run, split,
};

fn config(framing: Framing, dialect: Dialect) -> DeframerConfig {
    DeframerConfig {
        framing,
        dialect,
        ..DeframerConfig::default()
    }
}

fn dialect_and_packets() -> impl Strategy<Value = (Dialect, Vec<Packet<'static>>)> {
    prop_oneof![Just(Dialect::Generic), Just(Dialect::Fuji)]
        .prop_flat_map(|d| (Just(d), vec(packet(d, MAX_PAYLOAD), 0..10)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// PTP/IP packets, including Data/End_Data with payloads of a few KiB.
    #[test]
    fn ptpip_stream_survives_any_split(
        (dialect, packets) in dialect_and_packets(),
        split in split(),
        feed in feed(),
    ) {
        let stream: Vec<u8> = packets.iter().flat_map(Packet::to_bytes).collect();
        let mut d = Deframer::new(config(Framing::PtpIp, dialect));
        let frames = run(&mut d, &split.chunks(&stream), feed).unwrap();
        let expected: Vec<Item> = packets.iter().map(Item::from_packet).collect();
        prop_assert_eq!(gather(frames), Ok(expected));
        prop_assert!(d.is_idle());
        prop_assert_eq!(d.buffered_len(), 0);
        prop_assert_eq!(d.next_frame(), Ok(None));
    }

    /// Fuji containers, including data containers and the 8-byte terminator.
    #[test]
    fn container_stream_survives_any_split(
        containers in vec(container(MAX_PAYLOAD), 0..10),
        split in split(),
        feed in feed(),
    ) {
        let stream: Vec<u8> = containers.iter().flat_map(Container::to_bytes).collect();
        let mut d = Deframer::new(config(Framing::FujiContainer, Dialect::Fuji));
        let frames = run(&mut d, &split.chunks(&stream), feed).unwrap();
        let expected: Vec<Item> = containers.iter().map(Item::from_container).collect();
        prop_assert_eq!(gather(frames), Ok(expected));
        prop_assert!(d.is_idle());
    }

    /// Fuji live-view frames.
    #[test]
    fn live_view_stream_survives_any_split(
        frames in vec(live_view_frame(MAX_PAYLOAD), 0..6),
        split in split(),
        feed in feed(),
    ) {
        let mut stream = Vec::new();
        for f in &frames {
            f.encode(&mut stream);
        }
        let mut d = Deframer::new(config(Framing::FujiLiveView, Dialect::Fuji));
        let out = run(&mut d, &split.chunks(&stream), feed).unwrap();
        let expected: Vec<Item> = frames.into_iter().map(Item::LiveView).collect();
        prop_assert_eq!(gather(out), Ok(expected));
        prop_assert!(d.is_idle());
    }

    /// The Fuji handshake: a PTP/IP Init_Command_Ack, then containers. Switching the framing as
    /// soon as the ack comes out reads the rest as containers, wherever the reads were cut.
    #[test]
    fn framing_switch_after_the_ack_survives_any_split(
        containers in vec(container(256), 0..6),
        split in split(),
        feed in feed(),
    ) {
        let ack = Packet::InitCommandAck(InitCommandAck {
            connection_number: 1.into(),
            guid: Guid([0x5A; 16]),
            friendly_name: "X-T2".try_into().unwrap(),
            version: Some(ProtocolVersion::V1_0),
            layout: InitAckLayout::Standard,
        });
        let mut stream = ack.to_bytes();
        for c in &containers {
            c.encode(&mut stream);
        }
        let mut d = Deframer::new(config(Framing::PtpIp, Dialect::Fuji));
        let mut frames = Vec::new();
        for chunk in split.chunks(&stream) {
            strategies::give(&mut d, chunk, feed);
            while let Some(f) = d.next_frame().unwrap() {
                if f == Frame::Packet(ack.clone()) {
                    d.set_framing(Framing::FujiContainer);
                }
                frames.push(f);
            }
        }
        let mut expected = vec![Item::Packet(ack)];
        expected.extend(containers.iter().map(Item::from_container));
        prop_assert_eq!(gather(frames), Ok(expected));
        prop_assert_eq!(d.config().framing, Framing::FujiContainer);
        prop_assert!(d.is_idle());
    }

    /// Arbitrary bytes in any framing: no panic, and once an error comes it stays.
    #[test]
    fn arbitrary_bytes_never_panic_and_errors_stick(
        bytes in vec(any::<u8>(), 0..600),
        framing in prop_oneof![Just(Framing::PtpIp), Just(Framing::FujiContainer), Just(Framing::FujiLiveView)],
        split in split(),
    ) {
        let mut d = Deframer::new(DeframerConfig {
            framing,
            max_control_len: 4096,
            max_live_view_len: 4096,
            ..DeframerConfig::default()
        });
        match run(&mut d, &split.chunks(&bytes), Feed::Extend) {
            Ok(_) => prop_assert!(d.buffered_len() <= bytes.len()),
            Err(e) => {
                prop_assert_eq!(d.next_frame(), Err(e.clone()));
                d.extend_from_slice(&[0; 64]);
                prop_assert_eq!(d.next_frame(), Err(e));
                prop_assert!(!d.is_idle());
            }
        }
    }
}
