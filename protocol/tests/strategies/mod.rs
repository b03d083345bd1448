//! proptest strategies and a deframer driver shared by the integration tests.
//!
//! Each test crate uses only part of this module.
#![allow(dead_code, reason = "each integration test crate uses a subset")]

use std::borrow::Cow;

use bytes::{Bytes, BytesMut};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use ptpip_protocol::fuji::{Container, ContainerType, LiveViewFrame};
use ptpip_protocol::packet::{
    Cancel, DataPacket, DataPhaseInfo, EventPacket, InitAckLayout, InitCommandAck,
    InitCommandRequest, InitEventAck, InitEventRequest, InitFail, InitFailReason,
    InitRequestLayout, OperationRequest, OperationResponse, StartData,
};
use ptpip_protocol::ptp::codes::{EventCode, OperationCode, ResponseCode};
use ptpip_protocol::{
    ConnectionNumber, DataHeader, DataKind, DecodeError, Deframer, Dialect, Frame, FriendlyName,
    Guid, Packet, PacketType, Params, ProtocolVersion, TransactionId,
};

/// Payloads in the stream tests: up to a few KiB.
pub(crate) const MAX_PAYLOAD: usize = 3 * 1024;

/// Any character but NUL, with plenty of ASCII and of supplementary-plane characters (surrogate
/// pairs on the wire).
fn name_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => proptest::char::range('a', 'z'),
        2 => any::<char>(),
        2 => proptest::char::range('\u{10000}', '\u{10FFFF}'),
    ]
    .prop_filter("NUL ends a name", |c| *c != '\0')
}

/// A friendly name of at most `max_units` UTF-16 code units.
pub(crate) fn friendly_name(max_units: usize) -> impl Strategy<Value = FriendlyName> {
    vec(name_char(), 0..=max_units).prop_map(move |chars| {
        let mut units = 0;
        let text: String = chars
            .into_iter()
            .take_while(|c| {
                units += c.len_utf16();
                units <= max_units
            })
            .collect();
        FriendlyName::new(text).expect("no NUL and within the limit")
    })
}

/// A GUID.
pub(crate) fn guid() -> impl Strategy<Value = Guid> {
    any::<[u8; 16]>().prop_map(Guid)
}

/// 0 to `max` parameters.
pub(crate) fn params(max: usize) -> impl Strategy<Value = Params> {
    vec(any::<u32>(), 0..=max).prop_map(|v| Params::from_slice(&v).expect("at most five"))
}

/// A payload of up to `max` bytes.
pub(crate) fn payload(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..=max)
}

fn tid() -> impl Strategy<Value = TransactionId> {
    any::<u32>().prop_map(TransactionId)
}

/// An Init_Command_Request in a layout `dialect` decodes back to itself.
///
/// Generic: the standard layout. Fuji: the variable layout with any name but one of exactly 26
/// units (those bytes are the fixed layout's), or the fixed layout with at most 26 units (longer
/// names are cut on encoding).
pub(crate) fn init_command_request(dialect: Dialect) -> BoxedStrategy<InitCommandRequest> {
    let version = any::<u32>().prop_map(ProtocolVersion::from_u32);
    let make = |layout| {
        move |(guid, friendly_name, version)| InitCommandRequest {
            guid,
            friendly_name,
            version,
            layout,
        }
    };
    match dialect {
        Dialect::Generic => (guid(), friendly_name(FriendlyName::MAX_UNITS), version)
            .prop_map(make(InitRequestLayout::Standard))
            .boxed(),
        Dialect::Fuji => prop_oneof![
            (
                guid(),
                friendly_name(FriendlyName::MAX_UNITS)
                    .prop_filter("a 26-unit variable request is the fixed layout", |n| n
                        .units()
                        != InitRequestLayout::FUJI_FIXED_MAX_UNITS),
                version.clone()
            )
                .prop_map(make(InitRequestLayout::Fuji)),
            (
                guid(),
                friendly_name(InitRequestLayout::FUJI_FIXED_MAX_UNITS),
                version
            )
                .prop_map(make(InitRequestLayout::FujiFixed)),
        ]
        .boxed(),
    }
}

/// An Init_Command_Ack in any layout the decoder reads back as itself (see `InitAckLayout`): the
/// standard one with or without a version, a fixed-width name field without a version (padding
/// other than 4 bytes, which would read as a version), or a non-zero version followed by zeros.
pub(crate) fn init_command_ack() -> impl Strategy<Value = InitCommandAck> {
    let tail = prop_oneof![
        any::<u32>().prop_map(|v| (Some(v), 0, 0)),
        Just((None, 0, 0)),
        (1..=64u32)
            .prop_filter("4 bytes of padding read as a version", |p| *p != 4)
            .prop_map(|p| (None, p, 0)),
        (1..=u32::MAX, 1..=32u32).prop_map(|(v, len)| (Some(v), 0, len)),
    ];
    (
        any::<u32>(),
        guid(),
        friendly_name(FriendlyName::MAX_UNITS),
        tail,
    )
        .prop_map(|(c, guid, friendly_name, (version, pad, len))| {
            let layout = if pad > 0 {
                let width = friendly_name.encoded_len() as u32 + pad;
                InitAckLayout::FixedName { width }
            } else if len > 0 {
                InitAckLayout::ZeroPadded { len }
            } else {
                InitAckLayout::Standard
            };
            InitCommandAck {
                connection_number: ConnectionNumber(c),
                guid,
                friendly_name,
                version: version.map(ProtocolVersion::from_u32),
                layout,
            }
        })
}

/// A packet type this crate does not know: 0, or 15 and up.
pub(crate) fn unknown_packet_type() -> impl Strategy<Value = PacketType> {
    prop_oneof![Just(0), Just(15), 15..=64u32, 15..=u32::MAX].prop_map(PacketType)
}

/// Any packet that decodes back to itself under `dialect`, payloads up to `max_payload` bytes.
pub(crate) fn packet(dialect: Dialect, max_payload: usize) -> BoxedStrategy<Packet<'static>> {
    let data = move || {
        (tid(), payload(max_payload)).prop_map(|(transaction_id, p)| DataPacket {
            transaction_id,
            payload: Cow::Owned(p),
        })
    };
    prop_oneof![
        init_command_request(dialect).prop_map(Packet::InitCommandRequest),
        init_command_ack().prop_map(Packet::InitCommandAck),
        any::<u32>()
            .prop_map(|c| Packet::InitEventRequest(InitEventRequest::new(ConnectionNumber(c)))),
        (0..=16u32).prop_map(|padding| Packet::InitEventAck(InitEventAck { padding })),
        any::<u32>().prop_map(|r| Packet::InitFail(InitFail::new(InitFailReason(r)))),
        (any::<u32>(), any::<u16>(), tid(), params(Params::MAX)).prop_map(
            |(phase, code, transaction_id, params)| Packet::OperationRequest(OperationRequest {
                data_phase: DataPhaseInfo(phase),
                code: OperationCode(code),
                transaction_id,
                params,
            })
        ),
        (any::<u16>(), tid(), params(Params::MAX)).prop_map(|(code, transaction_id, params)| {
            Packet::OperationResponse(OperationResponse {
                code: ResponseCode(code),
                transaction_id,
                params,
            })
        }),
        (
            any::<u16>(),
            tid(),
            params(usize::from(EventPacket::MAX_PARAMS))
        )
            .prop_map(|(code, transaction_id, params)| Packet::Event(EventPacket {
                code: EventCode(code),
                transaction_id,
                params,
            })),
        (
            tid(),
            prop_oneof![any::<u64>(), Just(StartData::UNKNOWN_LENGTH)]
        )
            .prop_map(
                |(transaction_id, total_length)| Packet::StartData(StartData {
                    transaction_id,
                    total_length,
                })
            ),
        data().prop_map(Packet::Data),
        tid().prop_map(|t| Packet::Cancel(Cancel::new(t))),
        data().prop_map(Packet::EndData),
        Just(Packet::ProbeRequest),
        Just(Packet::ProbeResponse),
        (unknown_packet_type(), payload(max_payload)).prop_map(|(packet_type, p)| {
            Packet::Unknown {
                packet_type,
                payload: Cow::Owned(p),
            }
        }),
    ]
    .boxed()
}

/// Either dialect, with a packet that decodes back to itself under it.
pub(crate) fn dialect_and_packet(
    max_payload: usize,
) -> impl Strategy<Value = (Dialect, Packet<'static>)> {
    prop_oneof![Just(Dialect::Generic), Just(Dialect::Fuji)]
        .prop_flat_map(move |d| (Just(d), packet(d, max_payload)))
}

/// A container type other than the four known ones.
pub(crate) fn unknown_container_type() -> impl Strategy<Value = ContainerType> {
    prop_oneof![Just(0u16), 5..=u16::MAX].prop_map(ContainerType)
}

/// Any Fuji container, the terminator included.
pub(crate) fn container(max_payload: usize) -> BoxedStrategy<Container<'static>> {
    prop_oneof![
        (any::<u16>(), tid(), params(Params::MAX)).prop_map(|(code, transaction_id, params)| {
            Container::Command {
                code: OperationCode(code),
                transaction_id,
                params,
            }
        }),
        (any::<u16>(), tid(), payload(max_payload)).prop_map(|(code, transaction_id, p)| {
            Container::Data {
                code: OperationCode(code),
                transaction_id,
                payload: Cow::Owned(p),
            }
        }),
        (any::<u16>(), tid(), params(Params::MAX)).prop_map(|(code, transaction_id, params)| {
            Container::Response {
                code: ResponseCode(code),
                transaction_id,
                params,
            }
        }),
        (any::<u16>(), tid(), params(Params::MAX)).prop_map(|(code, transaction_id, params)| {
            Container::Event {
                code: EventCode(code),
                transaction_id,
                params,
            }
        }),
        (
            unknown_container_type(),
            any::<u16>(),
            tid(),
            payload(max_payload)
        )
            .prop_map(|(container_type, code, transaction_id, p)| {
                Container::Unknown {
                    container_type,
                    code,
                    transaction_id,
                    payload: Cow::Owned(p),
                }
            }),
        Just(Container::Terminate),
    ]
    .boxed()
}

/// A live-view frame with any header and an image of up to `max_jpeg` bytes.
pub(crate) fn live_view_frame(max_jpeg: usize) -> impl Strategy<Value = LiveViewFrame> {
    (any::<[u8; 14]>(), payload(max_jpeg)).prop_map(|(header, jpeg)| LiveViewFrame {
        header,
        jpeg: Bytes::from(jpeg),
    })
}

/// How a byte stream is cut into reads.
#[derive(Clone, Debug)]
pub(crate) enum Split {
    /// Everything in one read.
    Whole,
    /// One byte per read.
    Bytes,
    /// Cuts at these points (scaled to the stream length), which may repeat or fall at the ends.
    Cuts(Vec<Index>),
}

impl Split {
    /// The reads, in order; their concatenation is `stream`.
    pub(crate) fn chunks<'a>(&self, stream: &'a [u8]) -> Vec<&'a [u8]> {
        match self {
            Self::Whole => vec![stream],
            Self::Bytes => stream.chunks(1).collect(),
            Self::Cuts(cuts) => {
                let mut points: Vec<usize> =
                    cuts.iter().map(|c| c.index(stream.len() + 1)).collect();
                points.sort_unstable();
                let mut chunks = Vec::with_capacity(points.len() + 1);
                let mut start = 0;
                for p in points {
                    chunks.push(&stream[start..p]);
                    start = p;
                }
                chunks.push(&stream[start..]);
                chunks
            }
        }
    }
}

/// Any way of cutting a stream.
pub(crate) fn split() -> impl Strategy<Value = Split> {
    prop_oneof![
        1 => Just(Split::Whole),
        1 => Just(Split::Bytes),
        4 => vec(any::<Index>(), 0..32).prop_map(Split::Cuts),
    ]
}

/// How reads are handed to the deframer.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Feed {
    /// [`Deframer::push`] with an owned `BytesMut`.
    Push,
    /// [`Deframer::extend_from_slice`].
    Extend,
}

/// Either feed.
pub(crate) fn feed() -> impl Strategy<Value = Feed> {
    prop_oneof![Just(Feed::Push), Just(Feed::Extend)]
}

/// Hands one read to the deframer.
pub(crate) fn give(d: &mut Deframer, chunk: &[u8], feed: Feed) {
    match feed {
        Feed::Push => d.push(BytesMut::from(chunk)),
        Feed::Extend => d.extend_from_slice(chunk),
    }
}

/// A frame with its data payload gathered: what a stream should come out as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Item {
    /// [`Frame::Packet`].
    Packet(Packet<'static>),
    /// [`Frame::Container`].
    Container(Container<'static>),
    /// [`Frame::LiveView`].
    LiveView(LiveViewFrame),
    /// [`Frame::DataStart`] and the concatenation of the [`Frame::DataChunk`]s after it.
    Data(DataHeader, Vec<u8>),
}

impl Item {
    /// What a packet comes out of a PTP/IP deframer as.
    pub(crate) fn from_packet(p: &Packet<'static>) -> Self {
        let data = |kind, d: &DataPacket<'_>| {
            Self::Data(
                DataHeader {
                    kind,
                    transaction_id: d.transaction_id,
                    payload_len: u32::try_from(d.payload.len()).expect("small payload"),
                },
                d.payload.to_vec(),
            )
        };
        match p {
            Packet::Data(d) => data(DataKind::Data, d),
            Packet::EndData(d) => data(DataKind::EndData, d),
            other => Self::Packet(other.clone()),
        }
    }

    /// What a container comes out of a container deframer as.
    pub(crate) fn from_container(c: &Container<'static>) -> Self {
        match c {
            Container::Data {
                code,
                transaction_id,
                payload,
            } => Self::Data(
                DataHeader {
                    kind: DataKind::FujiData { code: code.0 },
                    transaction_id: *transaction_id,
                    payload_len: u32::try_from(payload.len()).expect("small payload"),
                },
                payload.to_vec(),
            ),
            other => Self::Container(other.clone()),
        }
    }
}

/// Gathers frames into [`Item`]s, checking the data-phase rules on the way: every DataStart is
/// followed by non-empty chunks adding up to exactly its `payload_len`, and no chunk comes
/// outside a payload.
pub(crate) fn gather(frames: Vec<Frame>) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    let mut open: Option<(DataHeader, Vec<u8>)> = None;
    for (n, frame) in frames.into_iter().enumerate() {
        if let Some((header, buf)) = &open
            && buf.len() == header.payload_len as usize
        {
            items.push(Item::Data(*header, buf.clone()));
            open = None;
        }
        match (frame, &mut open) {
            (Frame::DataChunk(chunk), Some((header, buf))) => {
                if chunk.is_empty() {
                    return Err(format!("frame {n}: empty DataChunk"));
                }
                buf.extend_from_slice(&chunk);
                if buf.len() > header.payload_len as usize {
                    return Err(format!(
                        "frame {n}: payload longer than {}",
                        header.payload_len
                    ));
                }
            }
            (Frame::DataChunk(_), None) => {
                return Err(format!("frame {n}: DataChunk outside a payload"));
            }
            (other, Some((header, buf))) => {
                return Err(format!(
                    "frame {n}: {other:?} after {} of {} payload bytes",
                    buf.len(),
                    header.payload_len
                ));
            }
            (Frame::DataStart(h), None) => open = Some((h, Vec::new())),
            (Frame::Packet(p), None) => items.push(Item::Packet(p)),
            (Frame::Container(c), None) => items.push(Item::Container(c)),
            (Frame::LiveView(f), None) => items.push(Item::LiveView(f)),
        }
    }
    if let Some((header, buf)) = open {
        if buf.len() != header.payload_len as usize {
            return Err(format!(
                "stream ended after {} of {} payload bytes",
                buf.len(),
                header.payload_len
            ));
        }
        items.push(Item::Data(header, buf));
    }
    Ok(items)
}

/// Feeds `chunks` one at a time, draining `next_frame` after each, and returns every frame.
pub(crate) fn run(
    d: &mut Deframer,
    chunks: &[&[u8]],
    feed: Feed,
) -> Result<Vec<Frame>, DecodeError> {
    let mut frames = Vec::new();
    for chunk in chunks {
        give(d, chunk, feed);
        while let Some(f) = d.next_frame()? {
            frames.push(f);
        }
    }
    Ok(frames)
}
