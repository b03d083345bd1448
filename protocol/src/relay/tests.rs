//! The relay core in memory: the same streams cut at every kind of split must give the same
//! records, the capture segments must add up to the stream, and bad bytes must be reported and
//! shown in hex without stopping anything.

use std::borrow::Cow;
use std::time::Instant;

use bytes::Bytes;

use super::*;
use crate::Encode;
use crate::channel::Channel;
use crate::deframer::DataKind;
use crate::fuji::Container;
use crate::packet::{
    DataPacket, DataPhaseInfo, Dialect, InitCommandAck, InitCommandRequest, InitEventRequest,
    OperationRequest, OperationResponse, Packet, StartData,
};
use crate::ptp::codes::{OperationCode, ResponseCode};
use crate::types::{ConnectionNumber, FriendlyName, Guid, Params, ProtocolVersion, TransactionId};

#[cfg(feature = "camera")]
mod share;

/// A deterministic xorshift generator: the same splits on every run.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Every way of cutting `len` bytes the tests try: whole, byte by byte, in twos, and random
/// pieces of up to 1, 7, 100 and 5000 bytes.
pub(super) fn splits(len: usize) -> Vec<Vec<usize>> {
    let mut all = vec![vec![len], vec![1; len]];
    all.push(
        (0..len / 2)
            .map(|_| 2)
            .chain((len % 2 == 1).then_some(1))
            .collect(),
    );
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for max in [7, 100, 5000] {
        for _ in 0..4 {
            let mut left = len;
            let mut cut = Vec::new();
            while left > 0 {
                let n = (1 + rng.below(max)).min(left);
                cut.push(n);
                left -= n;
            }
            all.push(cut);
        }
    }
    all
}

fn name(s: &str) -> FriendlyName {
    FriendlyName::new(s).unwrap()
}

fn op(code: OperationCode, tid: u32, params: &[u32]) -> Packet<'static> {
    Packet::OperationRequest(OperationRequest {
        data_phase: DataPhaseInfo::NO_DATA_OR_DATA_IN,
        code,
        transaction_id: TransactionId(tid),
        params: Params::from_slice(params).unwrap(),
    })
}

fn response(tid: u32, params: &[u32]) -> Packet<'static> {
    Packet::OperationResponse(OperationResponse {
        code: ResponseCode::OK,
        transaction_id: TransactionId(tid),
        params: Params::from_slice(params).unwrap(),
    })
}

fn data(end: bool, tid: u32, len: usize) -> Packet<'static> {
    let d = DataPacket {
        transaction_id: TransactionId(tid),
        payload: Cow::Owned((0..len).map(|i| (i % 251) as u8).collect()),
    };
    if end {
        Packet::EndData(d)
    } else {
        Packet::Data(d)
    }
}

fn ack() -> Packet<'static> {
    Packet::InitCommandAck(InitCommandAck::new(
        ConnectionNumber(1),
        Guid([2; 16]),
        name("cam"),
        ProtocolVersion::V1_0,
    ))
}

/// A generic command connection: what the initiator sends and what the camera answers.
fn generic_session() -> [Vec<Packet<'static>>; 2] {
    let request = Packet::InitCommandRequest(InitCommandRequest::new(Guid([1; 16]), name("me")));
    let to_camera = vec![
        request,
        op(OperationCode::OPEN_SESSION, 0, &[1]),
        op(OperationCode::GET_OBJECT, 1, &[7]),
        op(OperationCode::GET_NUM_OBJECTS, 2, &[]),
    ];
    let start = Packet::StartData(StartData {
        transaction_id: TransactionId(1),
        total_length: 70_000,
    });
    let to_initiator = vec![
        ack(),
        response(0, &[]),
        start,
        data(false, 1, 65_000),
        data(true, 1, 5_000),
        response(1, &[]),
        response(2, &[3]),
    ];
    [to_camera, to_initiator]
}

fn wire(packets: &[Packet<'_>]) -> Vec<u8> {
    packets.iter().flat_map(|p| p.to_bytes()).collect()
}

/// What a record of `p` must say, payloads aside.
fn expected(p: &Packet<'_>) -> Item {
    match p {
        Packet::Data(d) | Packet::EndData(d) => Item::Data(crate::deframer::DataHeader {
            kind: if matches!(p, Packet::Data(_)) {
                DataKind::Data
            } else {
                DataKind::EndData
            },
            transaction_id: d.transaction_id,
            payload_len: d.payload.len() as u32,
        }),
        other => Item::Packet(other.clone().into_owned()),
    }
}

/// Feeds `stream` to `pipe` in pieces of `cut`, alternating nothing: one direction at a time.
fn feed(pipe: &mut Pipe, direction: Direction, stream: &[u8], cut: &[usize]) {
    let now = Instant::now();
    let mut at = 0;
    for &n in cut {
        pipe.push(now, direction, &Bytes::copy_from_slice(&stream[at..at + n]));
        at += n;
    }
    assert_eq!(at, stream.len());
}

fn records(pipe: &mut Pipe) -> Vec<Record> {
    std::iter::from_fn(|| pipe.poll_record()).collect()
}

#[test]
fn every_split_gives_one_record_per_packet_with_its_fields() {
    let [up, down] = generic_session();
    let (up_wire, down_wire) = (wire(&up), wire(&down));
    for cut_up in splits(up_wire.len()) {
        let cut_down = splits(down_wire.len()).swap_remove(cut_up.len() % 7);
        let mut pipe = Pipe::new(ObserverConfig::new(Dialect::Generic), 4, None);
        feed(&mut pipe, Direction::ToResponder, &up_wire, &cut_up);
        feed(&mut pipe, Direction::ToInitiator, &down_wire, &cut_down);
        let got = records(&mut pipe);
        let want: Vec<(Direction, Item, u64)> = up
            .iter()
            .map(|p| (Direction::ToResponder, p))
            .chain(down.iter().map(|p| (Direction::ToInitiator, p)))
            .map(|(d, p)| (d, expected(p), p.encoded_len() as u64))
            .collect();
        let seen: Vec<_> = got
            .iter()
            .map(|r| (r.direction, r.item.clone(), r.wire_len))
            .collect();
        assert_eq!(seen, want, "cut {cut_up:?}");
        assert!(got.iter().all(|r| r.connection == 4 && r.quirks.is_empty()));
        assert!(got.iter().all(|r| r.channel == Channel::Command));
        assert_eq!(pipe.channel(), Some(Channel::Command));
    }
}

#[test]
fn accessors_name_the_fields_a_log_line_shows() {
    let [up, down] = generic_session();
    let mut pipe = Pipe::new(ObserverConfig::new(Dialect::Generic), 1, None);
    feed(
        &mut pipe,
        Direction::ToResponder,
        &wire(&up),
        &[wire(&up).len()],
    );
    feed(
        &mut pipe,
        Direction::ToInitiator,
        &wire(&down),
        &[wire(&down).len()],
    );
    let got = records(&mut pipe);
    let get_object = &got[2];
    assert_eq!(
        get_object.packet_type().as_deref(),
        Some("Operation_Request")
    );
    assert_eq!(get_object.code(), Some((0x1009, Some("GetObject"))));
    assert_eq!(get_object.transaction_id(), Some(TransactionId(1)));
    assert_eq!(get_object.params().unwrap().as_slice(), [7]);
    assert_eq!(
        get_object.to_string(),
        "#1 → command Operation_Request GetObject(0x1009) tid=1 [0x7] NoDataOrDataIn"
    );
    let start = &got[6];
    assert_eq!(start.data_len(), Some(70_000));
    let first_data = &got[7];
    assert_eq!(first_data.packet_type().as_deref(), Some("Data"));
    assert_eq!(first_data.data_len(), Some(65_000));
    assert_eq!(first_data.wire_len, 65_012);
    assert_eq!(
        first_data.to_string(),
        "#1 ← command Data tid=1 65000 bytes"
    );
    assert_eq!(got[0].code(), None);
    assert_eq!(got[0].transaction_id(), None);
}

#[test]
fn the_event_connection_is_told_by_its_init_packet() {
    let req = Packet::InitEventRequest(InitEventRequest::new(ConnectionNumber(1)));
    let up = wire(&[req, Packet::ProbeRequest]);
    let down = wire(&[
        Packet::InitEventAck(Default::default()),
        Packet::ProbeResponse,
    ]);
    let mut pipe = Pipe::new(ObserverConfig::new(Dialect::Generic), 2, None);
    feed(&mut pipe, Direction::ToResponder, &up, &[3, up.len() - 3]);
    feed(&mut pipe, Direction::ToInitiator, &down, &[down.len()]);
    let got = records(&mut pipe);
    assert_eq!(got.len(), 4);
    assert!(got.iter().all(|r| r.channel == Channel::Event), "{got:?}");
}

/// A Fujifilm command connection: the fixed-layout request and the ack in PTP/IP framing, then
/// containers, a data container and the terminator.
fn fuji_session() -> [Vec<u8>; 2] {
    let request = Packet::InitCommandRequest(InitCommandRequest::fuji(Guid([1; 16]), name("me")));
    let mut up = request.to_bytes();
    let command = |code, tid, params: &[u32]| Container::Command {
        code,
        transaction_id: TransactionId(tid),
        params: Params::from_slice(params).unwrap(),
    };
    for c in [
        command(OperationCode::OPEN_SESSION, 0, &[1]),
        command(OperationCode::GET_DEVICE_PROP_VALUE, 1, &[0xD212]),
        Container::Terminate,
    ] {
        c.encode(&mut up);
    }
    let mut down = ack().to_bytes();
    let reply = |tid| Container::Response {
        code: ResponseCode::OK,
        transaction_id: TransactionId(tid),
        params: Params::new(),
    };
    reply(0).encode(&mut down);
    Container::Data {
        code: OperationCode::GET_DEVICE_PROP_VALUE,
        transaction_id: TransactionId(1),
        payload: Cow::Owned(vec![9; 300]),
    }
    .encode(&mut down);
    reply(1).encode(&mut down);
    [up, down]
}

#[test]
fn fujifilm_switches_to_containers_after_the_init_packets_at_any_split() {
    let [up, down] = fuji_session();
    for cut in splits(up.len()) {
        let cut_down = splits(down.len()).swap_remove(cut.len() % 9);
        let mut pipe = Pipe::new(ObserverConfig::new(Dialect::Fuji), 1, None);
        feed(&mut pipe, Direction::ToResponder, &up, &cut);
        feed(&mut pipe, Direction::ToInitiator, &down, &cut_down);
        let types: Vec<_> = records(&mut pipe)
            .iter()
            .map(|r| {
                assert!(r.quirks.is_empty(), "{r}");
                (r.packet_type().unwrap(), r.transaction_id().map(|t| t.0))
            })
            .collect();
        let want = [
            ("Init_Command_Request", None),
            ("Fuji Command", Some(0)),
            ("Fuji Command", Some(1)),
            ("Fuji terminator", None),
            ("Init_Command_Ack", None),
            ("Fuji Response", Some(0)),
            ("Fuji Data", Some(1)),
            ("Fuji Response", Some(1)),
        ];
        let want: Vec<_> = want.iter().map(|(t, id)| ((*t).to_owned(), *id)).collect();
        assert_eq!(types, want, "cut {cut:?}");
    }
}

#[test]
fn the_fujifilm_event_port_speaks_containers_from_the_start() {
    let mut stream = Vec::new();
    Container::Event {
        code: crate::EventCode(0xC001),
        transaction_id: TransactionId(0),
        params: Params::from_slice(&[1, 2, 3, 4, 5]).unwrap(),
    }
    .encode(&mut stream);
    let mut pipe = Pipe::new(ObserverConfig::new(Dialect::Fuji), 3, Some(Channel::Event));
    feed(
        &mut pipe,
        Direction::ToInitiator,
        &stream,
        &[5, stream.len() - 5],
    );
    let got = records(&mut pipe);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].channel, Channel::Event);
    assert_eq!(got[0].params().unwrap().as_slice(), [1, 2, 3, 4, 5]);
}

#[test]
fn bad_bytes_are_reported_with_their_hex_and_everything_after_is_shown_too() {
    let mut down = wire(&[ack(), response(0, &[])]);
    let good = down.len();
    // A packet of length 5: below the 8-byte header.
    down.extend_from_slice(&[5, 0, 0, 0, 7, 0, 0, 0]);
    down.extend_from_slice(b"trailing junk");
    for cut in splits(down.len()) {
        let mut pipe = Pipe::new(ObserverConfig::new(Dialect::Generic), 1, None);
        feed(&mut pipe, Direction::ToInitiator, &down, &cut);
        let got = records(&mut pipe);
        assert_eq!(got[0].packet_type().as_deref(), Some("Init_Command_Ack"));
        assert_eq!(got[1].packet_type().as_deref(), Some("Operation_Response"));
        let Item::Undecodable { head, len } = &got[2].item else {
            panic!("{:?}", got[2]);
        };
        assert_eq!(&head[..], &down[good..good + 8]);
        assert_eq!(*len, 8);
        assert!(got[2].quirks[0].contains("Length"), "{:?}", got[2].quirks);
        // The rest of the stream, in however many pieces it came, all in hex.
        let rest: Vec<u8> = got[3..]
            .iter()
            .flat_map(|r| match &r.item {
                Item::Undecodable { head, .. } => head.to_vec(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(rest, b"trailing junk");
        assert!(pipe.observer(Direction::ToInitiator).is_broken());
        assert!(!pipe.observer(Direction::ToResponder).is_broken());
    }
}

#[test]
fn an_oversized_control_packet_is_refused_before_it_is_buffered() {
    let mut config = ObserverConfig::new(Dialect::Generic);
    config.max_control_len = 64;
    let mut pipe = Pipe::new(config, 1, None);
    // An Operation_Response announcing 1 GiB.
    let mut bytes = vec![0, 0, 0, 0x40, 7, 0, 0, 0];
    bytes.extend_from_slice(&[0; 100]);
    feed(&mut pipe, Direction::ToInitiator, &bytes, &[bytes.len()]);
    let got = records(&mut pipe);
    assert!(got[0].quirks[0].contains("exceeds"), "{:?}", got[0].quirks);
    assert_eq!(got[0].wire_len, 8);
}

#[test]
fn a_connection_that_ends_inside_a_packet_says_so() {
    let bytes = wire(&[data(true, 3, 1000)]);
    let mut pipe = Pipe::new(ObserverConfig::new(Dialect::Generic), 1, None);
    feed(&mut pipe, Direction::ToInitiator, &bytes[..500], &[500]);
    pipe.finish(Instant::now(), Direction::ToInitiator);
    let got = records(&mut pipe);
    assert_eq!(got.len(), 2);
    assert!(
        got[1].quirks[0].contains("512 payload bytes missing"),
        "{:?}",
        got[1]
    );
}

#[test]
fn capture_segments_add_up_to_the_stream_one_packet_each_or_cut_at_the_limit() {
    let [_, down] = generic_session();
    let stream = wire(&down);
    let mut config = ObserverConfig::new(Dialect::Generic);
    config.capture = true;
    config.max_segment = 20_000;
    for cut in splits(stream.len()) {
        let mut pipe = Pipe::new(config, 1, None);
        feed(&mut pipe, Direction::ToInitiator, &stream, &cut);
        let segments: Vec<_> = std::iter::from_fn(|| pipe.poll_segment()).collect();
        let joined: Vec<u8> = segments
            .iter()
            .flat_map(|(_, s)| s.bytes.to_vec())
            .collect();
        assert_eq!(joined, stream);
        let lens: Vec<usize> = segments.iter().map(|(_, s)| s.bytes.len()).collect();
        // Ack, response, Start_Data whole; 65012 bytes of Data in 20000-byte pieces; End_Data
        // and the responses whole.
        let mut want = vec![
            down[0].encoded_len(),
            down[1].encoded_len(),
            down[2].encoded_len(),
        ];
        want.extend([20_000, 20_000, 20_000, 5_012]);
        want.extend([5_012, down[5].encoded_len(), down[6].encoded_len()]);
        assert_eq!(lens, want, "cut {cut:?}");
    }
}

#[test]
fn the_deframer_passes_over_payload_only_when_it_holds_none() {
    let bytes = wire(&[data(false, 1, 10)]);
    let mut d = crate::Deframer::new(crate::DeframerConfig::default());
    assert_eq!(d.skip_payload(5), 0, "between packets");
    d.extend_from_slice(&bytes[..14]);
    assert!(matches!(
        d.next_frame(),
        Ok(Some(crate::Frame::DataStart(_)))
    ));
    assert_eq!(d.skip_payload(5), 0, "two payload bytes are buffered");
    assert!(matches!(d.next_frame(), Ok(Some(crate::Frame::DataChunk(b))) if b.len() == 2));
    assert_eq!(d.skip_payload(100), 8);
    assert_eq!(d.payload_remaining(), 0);
    assert!(d.is_idle());
}

/// Feeds `stream` the way a zero-copy driver does: each piece of `cut` is pushed, except the
/// part of it that [`Pipe::payload_ahead`] allows to go by unread, which is passed over.
fn feed_passing_over(pipe: &mut Pipe, direction: Direction, stream: &[u8], cut: &[usize]) -> u64 {
    let now = Instant::now();
    let (mut at, mut passed) = (0, 0);
    for &n in cut {
        let mut piece = &stream[at..at + n];
        while !piece.is_empty() {
            let ahead = pipe.payload_ahead(direction);
            if ahead > 0 {
                let k = piece.len().min(usize::try_from(ahead).unwrap());
                pipe.pass_over(now, direction, k as u64);
                passed += k as u64;
                piece = &piece[k..];
            } else {
                // A read stops where a payload starts, as the driver's reads of headers do.
                let k = piece.len().min(12);
                pipe.push(now, direction, &piece[..k]);
                piece = &piece[k..];
            }
        }
        at += n;
    }
    passed
}

#[test]
fn payloads_passed_over_unread_give_the_records_pushing_them_gives() {
    let [_, down] = generic_session();
    let stream = wire(&down);
    let mut all = Pipe::new(ObserverConfig::new(Dialect::Generic), 1, None);
    feed(&mut all, Direction::ToInitiator, &stream, &[stream.len()]);
    let untimed = |rs: Vec<Record>| {
        rs.into_iter()
            .map(|r| (r.direction, r.item, r.wire_len, r.quirks))
            .collect::<Vec<_>>()
    };
    let want = untimed(records(&mut all));
    assert_eq!(want.len(), down.len());
    for cut in splits(stream.len()) {
        let mut pipe = Pipe::new(ObserverConfig::new(Dialect::Generic), 1, None);
        let passed = feed_passing_over(&mut pipe, Direction::ToInitiator, &stream, &cut);
        assert_eq!(untimed(records(&mut pipe)), want, "cut {cut:?}");
        // Every payload byte not read with its header went by unread.
        assert!(passed > 69_000 && passed <= 70_000, "{passed}");
        assert!(pipe.observer(Direction::ToInitiator).is_idle());
    }
}

/// The generic session's stream towards the initiator, and where its first data payload starts
/// (after the ack, a response, Start_Data and the Data packet's 12-byte header).
fn to_first_payload() -> (Vec<u8>, usize) {
    let [_, down] = generic_session();
    let header_end = down[..3].iter().map(Packet::encoded_len).sum::<usize>() + 12;
    (wire(&down), header_end)
}

#[test]
fn nothing_is_passed_over_when_capturing_or_outside_a_payload() {
    let (stream, header_end) = to_first_payload();
    let now = Instant::now();
    let mut plain = Pipe::new(ObserverConfig::new(Dialect::Generic), 1, None);
    assert_eq!(plain.payload_ahead(Direction::ToInitiator), 0);
    plain.push(now, Direction::ToInitiator, &stream[..header_end - 1]);
    assert_eq!(
        plain.payload_ahead(Direction::ToInitiator),
        0,
        "inside a header"
    );
    plain.push(
        now,
        Direction::ToInitiator,
        &stream[header_end - 1..header_end],
    );
    assert_eq!(plain.payload_ahead(Direction::ToInitiator), 65_000);
    assert_eq!(plain.payload_ahead(Direction::ToResponder), 0);

    let mut config = ObserverConfig::new(Dialect::Generic);
    config.capture = true;
    let mut capturing = Pipe::new(config, 1, None);
    capturing.push(now, Direction::ToInitiator, &stream[..header_end]);
    assert_eq!(capturing.payload_ahead(Direction::ToInitiator), 0);
}

#[test]
fn passing_over_more_than_a_payload_stops_decoding_with_a_record() {
    let (stream, header_end) = to_first_payload();
    let now = Instant::now();
    let mut pipe = Pipe::new(ObserverConfig::new(Dialect::Generic), 1, None);
    pipe.push(now, Direction::ToInitiator, &stream[..header_end]);
    let before = records(&mut pipe).len();
    pipe.pass_over(now, Direction::ToInitiator, 65_010);
    let got = records(&mut pipe);
    assert_eq!(before, 4);
    assert_eq!(got.len(), 1);
    assert!(matches!(got[0].item, Item::Undecodable { .. }));
    assert!(
        got[0].quirks[0].contains("10 bytes were passed over"),
        "{:?}",
        got[0].quirks
    );
    assert!(pipe.observer(Direction::ToInitiator).is_broken());
    assert_eq!(pipe.payload_ahead(Direction::ToInitiator), 0);
}
