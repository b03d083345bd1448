//! The deframer's limits, errors and framing switches, fed by hand.
//!
//! The "any split of any stream" properties live in `protocol/tests/deframer_props.rs`; these tests
//! pin the cases a random stream rarely hits: hostile lengths, multi-GiB data, sticky errors.

use std::borrow::Cow;

use super::*;
use crate::Encode;
use crate::fuji::ContainerType;
use crate::packet::{
    DataPacket, InitAckLayout, InitCommandAck, InitCommandRequest, InitRequestLayout,
};
use crate::ptp::codes::{OperationCode, ResponseCode};
use crate::types::{FriendlyName, Guid, Params, ProtocolVersion};

const MIB: usize = 1 << 20;

/// Both ways of handing bytes to the deframer.
#[derive(Clone, Copy, Debug)]
enum Feed {
    Push,
    Extend,
}

const FEEDS: [Feed; 2] = [Feed::Push, Feed::Extend];

fn give(d: &mut Deframer, bytes: &[u8], feed: Feed) {
    match feed {
        Feed::Push => d.push(BytesMut::from(bytes)),
        Feed::Extend => d.extend_from_slice(bytes),
    }
}

fn deframer(framing: Framing) -> Deframer {
    Deframer::new(DeframerConfig {
        framing,
        ..DeframerConfig::default()
    })
}

/// Drains every frame available now.
fn drain(d: &mut Deframer) -> Vec<Frame> {
    let mut frames = Vec::new();
    while let Some(f) = d.next_frame().expect("no framing error") {
        frames.push(f);
    }
    frames
}

#[track_caller]
fn assert_error(
    r: Result<Option<Frame>, DecodeError>,
    context: &str,
    field: &str,
    reason: DecodeReason,
) -> DecodeError {
    let e = r.expect_err("a framing error");
    assert_eq!((e.context, e.field, &e.reason), (context, field, &reason));
    e
}

#[test]
fn one_byte_at_a_time_probe() {
    let mut d = Deframer::new(DeframerConfig::default());
    let bytes = Packet::ProbeRequest.to_bytes();
    for (n, b) in bytes.iter().enumerate() {
        assert_eq!(d.next_frame().unwrap(), None, "frame before byte {n}");
        assert_eq!(d.is_idle(), n == 0, "idle before byte {n}");
        d.extend_from_slice(&[*b]);
    }
    assert_eq!(
        d.next_frame().unwrap(),
        Some(Frame::Packet(Packet::ProbeRequest))
    );
    assert!(d.is_idle());
    assert_eq!(d.next_frame().unwrap(), None);
}

#[test]
fn empty_reads_change_nothing() {
    for feed in FEEDS {
        let mut d = deframer(Framing::PtpIp);
        give(&mut d, &[], feed);
        assert_eq!(d.next_frame().unwrap(), None);
        assert!(d.is_idle());
        give(&mut d, &[8, 0, 0], feed);
        give(&mut d, &[], feed);
        assert_eq!(d.next_frame().unwrap(), None);
        assert!(!d.is_idle());
        assert_eq!(d.buffered_len(), 3);
    }
}

// ---------------------------------------------------------------------------------------------
// Caps on whole frames: refused at the header, before any allocation of the announced size.
// ---------------------------------------------------------------------------------------------

#[test]
fn control_packet_announcing_4_gib_is_refused_at_the_header() {
    // Operation_Request announcing 0xFFFFFFFF bytes.
    let header = [0xFF, 0xFF, 0xFF, 0xFF, 0x06, 0x00, 0x00, 0x00];
    let too_large = DecodeReason::TooLarge {
        length: 0xFFFF_FFFF,
        max: DeframerConfig::DEFAULT_MAX_CONTROL_LEN.into(),
    };
    for feed in FEEDS {
        let mut d = deframer(Framing::PtpIp);
        give(&mut d, &header[..7], feed);
        assert_eq!(d.next_frame().unwrap(), None, "7 bytes are not a header");
        give(&mut d, &header[7..], feed);
        let e = assert_error(
            d.next_frame(),
            "Operation_Request",
            "Length",
            too_large.clone(),
        );
        assert_eq!(d.buffered_len(), 8);
        assert!(d.buf.capacity() < 4096, "capacity {}", d.buf.capacity());
        // Sticky, whatever arrives next.
        assert_eq!(d.next_frame(), Err(e.clone()));
        give(&mut d, &[0u8; 4096], feed);
        assert_eq!(d.next_frame(), Err(e));
        assert!(!d.is_idle());
    }
    // An unknown type is capped too, also when body bytes come with the header.
    let mut d = deframer(Framing::PtpIp);
    d.extend_from_slice(&[0x00, 0x00, 0x00, 0x80, 0x63, 0, 0, 0, 1, 2, 3, 4]);
    assert_error(
        d.next_frame(),
        "PTP/IP",
        "Length",
        DecodeReason::TooLarge {
            length: 0x8000_0000,
            max: DeframerConfig::DEFAULT_MAX_CONTROL_LEN.into(),
        },
    );
    assert!(d.buf.capacity() < 4096);
}

#[test]
fn control_cap_is_inclusive_and_configurable() {
    let config = DeframerConfig {
        max_control_len: 64,
        ..DeframerConfig::default()
    };
    let unknown = |payload_len| Packet::Unknown {
        packet_type: PacketType(20),
        payload: Cow::Owned(vec![0xA5; payload_len]),
    };
    // Exactly 64 bytes: accepted.
    let mut d = Deframer::new(config);
    d.extend_from_slice(&unknown(56).to_bytes());
    assert_eq!(drain(&mut d), [Frame::Packet(unknown(56))]);
    assert!(d.is_idle());
    // 65 bytes: refused as soon as the header is in.
    let mut d = Deframer::new(config);
    d.extend_from_slice(&unknown(57).to_bytes()[..8]);
    assert_error(
        d.next_frame(),
        "PTP/IP",
        "Length",
        DecodeReason::TooLarge {
            length: 65,
            max: 64,
        },
    );
}

#[test]
fn container_announcing_4_gib_is_refused_at_the_header() {
    // A response container announcing 0xFFFFFFFF bytes.
    let header = [
        0xFF, 0xFF, 0xFF, 0xFF, 0x03, 0x00, 0x01, 0x20, 0x07, 0x00, 0x00, 0x00,
    ];
    for feed in FEEDS {
        let mut d = deframer(Framing::FujiContainer);
        give(&mut d, &header[..8], feed);
        assert_eq!(
            d.next_frame().unwrap(),
            None,
            "8 bytes are not a container header"
        );
        give(&mut d, &header[8..], feed);
        let e = assert_error(
            d.next_frame(),
            "Fuji container",
            "Length",
            DecodeReason::TooLarge {
                length: 0xFFFF_FFFF,
                max: DeframerConfig::DEFAULT_MAX_CONTROL_LEN.into(),
            },
        );
        assert_eq!(d.buffered_len(), 12);
        assert!(d.buf.capacity() < 4096);
        give(&mut d, &Container::Terminate.to_bytes(), feed);
        assert_eq!(d.next_frame(), Err(e));
    }
}

#[test]
fn live_view_frame_over_its_cap_is_refused_at_the_header() {
    let mut frame = vec![0xFF, 0xFF, 0xFF, 0xFF];
    frame.extend_from_slice(&[0; 14]);
    for feed in FEEDS {
        let mut d = deframer(Framing::FujiLiveView);
        give(&mut d, &frame[..17], feed);
        assert_eq!(
            d.next_frame().unwrap(),
            None,
            "17 bytes are not a frame header"
        );
        give(&mut d, &frame[17..], feed);
        assert_error(
            d.next_frame(),
            "Fuji live-view frame",
            "Length",
            DecodeReason::TooLarge {
                length: 0xFFFF_FFFF,
                max: DeframerConfig::DEFAULT_MAX_LIVE_VIEW_LEN.into(),
            },
        );
        assert!(d.buf.capacity() < 4096);
    }
}

// ---------------------------------------------------------------------------------------------
// Data payloads: streamed, never gathered, whatever their announced size.
// ---------------------------------------------------------------------------------------------

/// Feeds `total` payload bytes in `chunk`-sized reads after a data header, checking that each read
/// comes straight back out as chunks and that the buffer never holds more than one read.
fn stream_payload(d: &mut Deframer, feed: Feed, total: usize, chunk: usize) {
    let mut sent = 0;
    while sent < total {
        let n = chunk.min(total - sent);
        // A recognisable pattern, so that lost or reordered bytes show.
        let read: Vec<u8> = (sent..sent + n).map(|i| (i % 251) as u8).collect();
        give(d, &read, feed);
        assert!(d.buffered_len() <= chunk);
        let mut out = Vec::with_capacity(n);
        for f in drain(d) {
            let Frame::DataChunk(c) = f else {
                panic!("expected a DataChunk, got {f:?}")
            };
            assert!(!c.is_empty());
            out.extend_from_slice(&c);
        }
        assert_eq!(out, read, "payload bytes {sent}..{}", sent + n);
        assert_eq!(d.buffered_len(), 0);
        assert!(
            d.buf.capacity() <= 4 * chunk,
            "capacity {}",
            d.buf.capacity()
        );
        sent += n;
    }
}

#[test]
fn a_3_gib_data_packet_is_streamed_in_bounded_memory() {
    const ANNOUNCED: u32 = 3 << 30;
    for feed in FEEDS {
        for (packet_type, kind) in [(0x0A, DataKind::Data), (0x0C, DataKind::EndData)] {
            let mut d = deframer(Framing::PtpIp);
            let mut head = Vec::new();
            head.extend_from_slice(&(ANNOUNCED + 12).to_le_bytes()); // Length
            head.extend_from_slice(&[packet_type, 0, 0, 0]); // PacketType
            head.extend_from_slice(&[42, 0, 0, 0]); // TransactionID 42
            give(&mut d, &head, feed);
            assert_eq!(
                drain(&mut d),
                [Frame::DataStart(DataHeader {
                    kind,
                    transaction_id: TransactionId(42),
                    payload_len: ANNOUNCED,
                })]
            );
            stream_payload(&mut d, feed, MIB, 64 * 1024);
            assert_eq!(d.payload_remaining, ANNOUNCED - MIB as u32);
            assert!(!d.is_idle(), "3 GiB - 1 MiB still to come");
        }
    }
}

#[test]
fn a_3_gib_fuji_data_container_is_streamed_in_bounded_memory() {
    const ANNOUNCED: u32 = 3 << 30;
    for feed in FEEDS {
        let mut d = deframer(Framing::FujiContainer);
        let mut head = Vec::new();
        head.extend_from_slice(&(ANNOUNCED + 12).to_le_bytes()); // Length
        head.extend_from_slice(&[0x02, 0x00]); // ContainerType 2 Data
        head.extend_from_slice(&[0x09, 0x10]); // Code 0x1009 GetObject
        head.extend_from_slice(&[0x05, 0, 0, 0]); // TransactionID 5
        give(&mut d, &head, feed);
        assert_eq!(
            drain(&mut d),
            [Frame::DataStart(DataHeader {
                kind: DataKind::FujiData { code: 0x1009 },
                transaction_id: TransactionId(5),
                payload_len: ANNOUNCED,
            })]
        );
        stream_payload(&mut d, feed, MIB, 48 * 1024);
        assert!(!d.is_idle());
    }
}

#[test]
fn data_above_the_control_cap_streams_to_completion() {
    let config = DeframerConfig {
        max_control_len: 64,
        ..DeframerConfig::default()
    };
    let payload: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
    let data = Packet::Data(DataPacket {
        transaction_id: TransactionId(3),
        payload: Cow::Borrowed(&payload),
    });
    let mut stream = data.to_bytes();
    stream.extend_from_slice(&Packet::ProbeResponse.to_bytes());
    for feed in FEEDS {
        let mut d = Deframer::new(config);
        give(&mut d, &stream, feed);
        let frames = drain(&mut d);
        assert_eq!(frames.len(), 3, "{frames:?}");
        assert_eq!(
            frames[0],
            Frame::DataStart(DataHeader {
                kind: DataKind::Data,
                transaction_id: TransactionId(3),
                payload_len: 10_000,
            })
        );
        // All the payload in one chunk, and not one byte of the next packet.
        assert_eq!(frames[1], Frame::DataChunk(Bytes::from(payload.clone())));
        assert_eq!(frames[2], Frame::Packet(Packet::ProbeResponse));
        assert!(d.is_idle());
    }
}

#[test]
fn an_empty_data_payload_has_no_chunks() {
    let mut stream = Packet::EndData(DataPacket {
        transaction_id: TransactionId(8),
        payload: Cow::Borrowed(&[]),
    })
    .to_bytes();
    stream.extend_from_slice(&Packet::ProbeRequest.to_bytes());
    let mut d = deframer(Framing::PtpIp);
    d.extend_from_slice(&stream);
    assert_eq!(
        drain(&mut d),
        [
            Frame::DataStart(DataHeader {
                kind: DataKind::EndData,
                transaction_id: TransactionId(8),
                payload_len: 0,
            }),
            Frame::Packet(Packet::ProbeRequest),
        ]
    );
    assert!(d.is_idle());
}

// ---------------------------------------------------------------------------------------------
// Malformed frames
// ---------------------------------------------------------------------------------------------

#[test]
fn lengths_below_the_minimum_are_errors() {
    let mut d = deframer(Framing::PtpIp);
    d.extend_from_slice(&[4, 0, 0, 0, 0x0D, 0, 0, 0]);
    let small = |length, min| DecodeReason::LengthTooSmall { length, min };
    assert_error(d.next_frame(), "PTP/IP header", "Length", small(4, 8));

    // Data and End_Data need their TransactionID: 12 bytes.
    for (ty, context) in [(0x0A, "Data"), (0x0C, "End_Data")] {
        let mut d = deframer(Framing::PtpIp);
        d.extend_from_slice(&[10, 0, 0, 0, ty, 0, 0, 0]);
        let e = assert_error(d.next_frame(), context, "Length", small(10, 12));
        d.extend_from_slice(&[0; 8]);
        assert_eq!(d.next_frame(), Err(e));
    }

    // A container below 12 bytes that is not the terminator.
    let mut d = deframer(Framing::FujiContainer);
    d.extend_from_slice(&[8, 0, 0, 0, 0x03, 0x00, 0x01, 0x20]);
    assert_error(d.next_frame(), "Fuji container", "Length", small(8, 12));

    // A live-view frame below 18 bytes.
    let mut d = deframer(Framing::FujiLiveView);
    let mut frame = vec![17, 0, 0, 0];
    frame.extend_from_slice(&[0; 14]);
    d.extend_from_slice(&frame);
    assert_error(
        d.next_frame(),
        "Fuji live-view frame",
        "Length",
        small(17, 18),
    );
}

#[test]
fn malformed_bodies_are_sticky_errors() {
    // Operation_Request with six parameters.
    let mut bytes = vec![
        0x2A, 0, 0, 0, 0x06, 0, 0, 0, 1, 0, 0, 0, 0x02, 0x10, 0, 0, 0, 0,
    ];
    bytes.extend_from_slice(&[0; 24]);
    bytes.extend_from_slice(&Packet::ProbeRequest.to_bytes());
    let mut d = deframer(Framing::PtpIp);
    d.extend_from_slice(&bytes);
    let bad = DecodeReason::BadParameterBlock {
        bytes: 24,
        max_params: 5,
    };
    let e = assert_error(d.next_frame(), "Operation_Request", "Parameters", bad);
    assert_eq!(d.next_frame(), Err(e), "the probe after it is not read");

    // A command container with six parameters.
    let mut bytes = vec![0x24, 0, 0, 0, 0x01, 0x00, 0x02, 0x10, 1, 0, 0, 0];
    bytes.extend_from_slice(&[0; 24]);
    let mut d = deframer(Framing::FujiContainer);
    d.extend_from_slice(&bytes);
    let bad = DecodeReason::BadParameterBlock {
        bytes: 24,
        max_params: 5,
    };
    let e = assert_error(d.next_frame(), "Fuji container", "Parameters", bad);
    assert_eq!(d.next_frame(), Err(e));
    assert!(!d.is_idle());
}

// ---------------------------------------------------------------------------------------------
// Framing switches
// ---------------------------------------------------------------------------------------------

#[test]
fn fuji_responder_switches_to_containers_after_the_init_request() {
    let request = Packet::InitCommandRequest(InitCommandRequest::fuji(
        Guid([0x11; 16]),
        FriendlyName::new("ptpip").unwrap(),
    ));
    let open_session = Container::Command {
        code: OperationCode::OPEN_SESSION,
        transaction_id: TransactionId(1),
        params: Params::from_slice(&[1]).unwrap(),
    };
    let mut stream = request.to_bytes();
    assert_eq!(stream.len(), InitRequestLayout::FUJI_FIXED_PACKET_LEN);
    stream.extend_from_slice(&open_session.to_bytes());
    stream.extend_from_slice(&Container::Terminate.to_bytes());

    for feed in FEEDS {
        let mut d = Deframer::new(DeframerConfig {
            dialect: Dialect::Fuji,
            ..DeframerConfig::default()
        });
        // Everything arrives in one read; only the first frame is PTP/IP.
        give(&mut d, &stream, feed);
        assert_eq!(
            d.next_frame().unwrap(),
            Some(Frame::Packet(request.clone()))
        );
        d.set_framing(Framing::FujiContainer);
        assert_eq!(d.config().framing, Framing::FujiContainer);
        assert_eq!(
            drain(&mut d),
            [
                Frame::Container(open_session.clone()),
                Frame::Container(Container::Terminate)
            ]
        );
        assert!(d.is_idle());
    }

    // Without the switch the same container bytes are misread as an unknown PTP/IP packet.
    let mut d = Deframer::new(DeframerConfig {
        dialect: Dialect::Fuji,
        ..DeframerConfig::default()
    });
    d.extend_from_slice(&stream[InitRequestLayout::FUJI_FIXED_PACKET_LEN..][..16]);
    let Some(Frame::Packet(p)) = d.next_frame().unwrap() else {
        panic!("expected a packet")
    };
    assert_eq!(p.packet_type(), PacketType(0x1002_0001));
}

#[test]
fn initiator_switches_after_the_ack_with_a_response_split_across_the_switch() {
    let ack = Packet::InitCommandAck(InitCommandAck {
        connection_number: 1.into(),
        guid: Guid([0x22; 16]),
        friendly_name: FriendlyName::new("X-T3").unwrap(),
        version: Some(ProtocolVersion::V1_0),
        layout: InitAckLayout::Standard,
    });
    // The seed README's response container: OK for transaction 7.
    let response = [
        0x0C, 0x00, 0x00, 0x00, 0x03, 0x00, 0x01, 0x20, 0x07, 0x00, 0x00, 0x00,
    ];
    let mut stream = ack.to_bytes();
    stream.extend_from_slice(&response);
    // The read ends 5 bytes into the response.
    let cut = ack.encoded_len() + 5;
    for feed in FEEDS {
        let mut d = deframer(Framing::PtpIp);
        give(&mut d, &stream[..cut], feed);
        assert_eq!(d.next_frame().unwrap(), Some(Frame::Packet(ack.clone())));
        d.set_framing(Framing::FujiContainer);
        assert_eq!(d.next_frame().unwrap(), None);
        assert_eq!(d.buffered_len(), 5);
        give(&mut d, &stream[cut..], feed);
        assert_eq!(
            drain(&mut d),
            [Frame::Container(Container::Response {
                code: ResponseCode::OK,
                transaction_id: TransactionId(7),
                params: Params::new(),
            })]
        );
        assert!(d.is_idle());
    }
}

#[test]
fn unknown_container_types_pass_whole() {
    let c = Container::Unknown {
        container_type: ContainerType(9),
        code: 0xABCD,
        transaction_id: TransactionId(2),
        payload: Cow::Owned(vec![1, 2, 3]),
    };
    let mut d = deframer(Framing::FujiContainer);
    d.extend_from_slice(&c.to_bytes());
    assert_eq!(drain(&mut d), [Frame::Container(c)]);
    assert!(d.is_idle());
}
