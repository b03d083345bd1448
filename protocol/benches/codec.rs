//! Codec benchmarks: Data packets (bulk bytes) and small control packets.
//!
//! # Running
//!
//! ```text
//! cargo bench -p ptpip-protocol --bench codec                 # everything (about 2 minutes)
//! cargo bench -p ptpip-protocol --bench codec -- data_1MiB    # one group (criterion filter)
//! ```
//!
//! Measurement is 3 s after a 1 s warm-up per benchmark (set in [`config`]); criterion's own flags
//! (`--measurement-time`, `--sample-size`, …) still override it from the command line.
//!
//! # Groups
//!
//! - `data_64KiB`, `data_1MiB`: one Data packet (12-byte prefix + payload), throughput in bytes of the
//!   whole packet:
//!   - `memcpy`: `copy_from_slice` of the same bytes into a preallocated buffer, the yardstick;
//!   - `parse_packet`: [`parse_packet`] on the complete buffer. The payload is borrowed, not copied,
//!     so the cost is constant and the GB/s figure is an *effective* rate, not memory bandwidth;
//!   - `deframer_push`: a [`Deframer`] given the bytes as one `BytesMut` (moved in, no copy) and
//!     drained of `DataStart` + `DataChunk` frames; the input is cloned in untimed setup
//!     (`iter_batched`), and the chunks are returned so they are freed outside the timed part;
//!   - `deframer_extend`: the same, but fed with [`Deframer::extend_from_slice`], the copying entry a
//!     transport that reads into a borrowed slice would use; this one does move every byte;
//!   - `emit_write_header`: [`DataPacket::write_header`] plus `extend_from_slice` of the payload into
//!     a reused `Vec`;
//!   - `emit_encode`: [`Packet::encode`] of a `Packet::Data` borrowing the payload, into a reused `Vec`.
//! - `small_operation_request_3p`, `small_operation_response_1p`: one 30- and one 18-byte packet,
//!   throughput in packets (`parse`, `emit`, and `round_trip` = parse then emit what was parsed).
//! - `small_batch_1000`: 1000 requests and responses back to back in one buffer (500 of each),
//!   throughput in packets: `deframer` (pushed as one `BytesMut`, input cloned in untimed setup) and
//!   `parse_packet_loop` (plain [`parse_packet`] over the slice, for comparison).
//!
//! # Reading the ratios
//!
//! Criterion prints each benchmark's throughput on its own; the ratios are formed by hand from the
//! middle `thrpt:` figures of one group: `ratio = X GB/s ÷ memcpy GB/s`. Targets on the 2-core
//! reference machine: Data parsing (`deframer_extend` is the one that must touch the bytes; the
//! zero-copy paths are far above 1) ≥ 0.5, emit close to 1 (it is a memcpy plus 12 bytes), and small
//! packets ≥ 10 M/s for `round_trip` on one core. Every input is checked once before timing (the
//! parse yields the expected packet, the emit reproduces the wire bytes), so a broken codec fails
//! the run instead of reporting a fast wrong answer.

use std::borrow::Cow;
use std::hint::black_box;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use criterion::{BatchSize, Criterion, Throughput};
use ptpip_protocol::Encode;
use ptpip_protocol::packet::{DataPacket, DataPhaseInfo, OperationRequest, OperationResponse};
use ptpip_protocol::ptp::codes::{OperationCode, ResponseCode};
use ptpip_protocol::{
    DataKind, Deframer, DeframerConfig, Dialect, Frame, Packet, Params, TransactionId, parse_packet,
};

/// Transaction id used in every packet.
const TID: TransactionId = TransactionId(0x0102_0304);

/// Inputs built in setup per timed batch for the batched benchmarks: enough to amortise the two
/// clock reads per batch, small enough to keep memory bounded (32 × 1 MiB).
const BATCH: u64 = 32;

/// Shorter runs than criterion's defaults (5 s measurement, 3 s warm-up).
fn config() -> Criterion {
    Criterion::default()
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
}

/// A deterministic, non-constant payload (so nothing can special-case zeroes).
fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i.wrapping_mul(31) >> 3) as u8).collect()
}

/// The wire bytes of a Data packet carrying `payload`, built by hand (not by the codec under test).
fn data_wire(payload: &[u8]) -> Vec<u8> {
    let length = u32::try_from(payload.len() + 12).expect("payload fits a Data packet");
    let mut wire = Vec::with_capacity(payload.len() + 12);
    wire.extend_from_slice(&length.to_le_bytes()); // Length: header + TransactionID + payload
    wire.extend_from_slice(&10u32.to_le_bytes()); // PacketType: Data
    wire.extend_from_slice(&TID.0.to_le_bytes()); // TransactionID
    wire.extend_from_slice(payload);
    wire
}

/// Drains `deframer` of one Data packet's frames: the payload bytes seen (`usize::MAX` on any other
/// frame) and the last chunk, returned so the caller decides when the buffer is freed.
fn drain_data(deframer: &mut Deframer) -> (usize, Option<Bytes>) {
    let mut seen = 0;
    let mut last = None;
    while let Ok(Some(frame)) = deframer.next_frame() {
        match frame {
            Frame::DataStart(h) if h.kind == DataKind::Data && h.transaction_id == TID => {}
            Frame::DataChunk(chunk) => {
                seen += chunk.len();
                last = Some(chunk);
            }
            _ => return (usize::MAX, None),
        }
    }
    (seen, last)
}

fn bench_data(c: &mut Criterion, name: &str, payload_len: usize) {
    let payload = payload(payload_len);
    let wire = data_wire(&payload);
    let input = BytesMut::from(&wire[..]);
    let payload_u32 = u32::try_from(payload_len).expect("payload fits a Data packet");
    let packet = Packet::Data(DataPacket {
        transaction_id: TID,
        payload: Cow::Borrowed(&payload),
    });

    // Check every path once, untimed: a wrong answer must fail the run, not look fast.
    match parse_packet(&wire, Dialect::Generic) {
        Ok((rest, Packet::Data(p))) => {
            assert!(rest.is_empty(), "parse_packet left {} bytes", rest.len());
            assert_eq!(p.transaction_id, TID);
            assert_eq!(&p.payload[..], &payload[..]);
        }
        other => panic!("parse_packet: {other:?}"),
    }
    let mut d = Deframer::new(DeframerConfig::default());
    d.push(input.clone());
    assert_eq!(drain_data(&mut d).0, payload_len, "deframer (push)");
    let mut d = Deframer::new(DeframerConfig::default());
    d.extend_from_slice(&wire);
    assert_eq!(drain_data(&mut d).0, payload_len, "deframer (extend)");
    let mut out = Vec::new();
    DataPacket::write_header(&mut out, false, TID, payload_u32);
    out.extend_from_slice(&payload);
    assert_eq!(out, wire, "write_header + payload");
    assert_eq!(packet.to_bytes(), wire, "Packet::encode");

    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(wire.len() as u64));

    let mut dst = vec![0u8; wire.len()];
    g.bench_function("memcpy", |b| {
        b.iter(|| {
            dst.copy_from_slice(black_box(&wire));
            black_box(&mut dst);
        });
    });

    g.bench_function("parse_packet", |b| {
        b.iter(|| parse_packet(black_box(&wire), Dialect::Generic));
    });

    g.bench_function("deframer_push", |b| {
        b.iter_batched(
            || input.clone(),
            |bytes| {
                let mut d = Deframer::new(DeframerConfig::default());
                d.push(bytes);
                drain_data(&mut d)
            },
            BatchSize::NumIterations(BATCH),
        );
    });

    // A long-lived deframer, as on a connection: each round copies the packet in and drains it.
    let mut d = Deframer::new(DeframerConfig::default());
    g.bench_function("deframer_extend", |b| {
        b.iter(|| {
            d.extend_from_slice(black_box(&wire));
            drain_data(&mut d).0
        });
    });

    let mut out = Vec::with_capacity(wire.len());
    g.bench_function("emit_write_header", |b| {
        b.iter(|| {
            out.clear();
            DataPacket::write_header(&mut out, false, TID, black_box(payload_u32));
            out.extend_from_slice(black_box(&payload));
            black_box(&mut out);
        });
    });

    g.bench_function("emit_encode", |b| {
        b.iter(|| {
            out.clear();
            black_box(&packet).encode(&mut out);
            black_box(&mut out);
        });
    });
    g.finish();
}

fn data_64k(c: &mut Criterion) {
    bench_data(c, "data_64KiB", 64 << 10);
}

fn data_1m(c: &mut Criterion) {
    bench_data(c, "data_1MiB", 1 << 20);
}

/// An Operation_Request (GetObject-like, 3 parameters) and its hand-built wire bytes.
fn request() -> (Packet<'static>, Vec<u8>) {
    let params = [0x11, 0x22_0000, 0x3300_0000];
    let packet = Packet::OperationRequest(OperationRequest {
        data_phase: DataPhaseInfo::NO_DATA_OR_DATA_IN,
        code: OperationCode::GET_OBJECT,
        transaction_id: TID,
        params: Params::from_slice(&params).expect("3 params"),
    });
    let mut wire = Vec::new();
    wire.extend_from_slice(&30u32.to_le_bytes()); // Length: 8 + 4 + 2 + 4 + 3 × 4
    wire.extend_from_slice(&6u32.to_le_bytes()); // PacketType: Operation_Request
    wire.extend_from_slice(&1u32.to_le_bytes()); // DataPhaseInfo: no data or data in
    wire.extend_from_slice(&0x1009u16.to_le_bytes()); // OperationCode: GetObject
    wire.extend_from_slice(&TID.0.to_le_bytes()); // TransactionID
    for p in params {
        wire.extend_from_slice(&u32::to_le_bytes(p)); // Parameter1..3
    }
    (packet, wire)
}

/// An Operation_Response (OK, 1 parameter) and its hand-built wire bytes.
fn response() -> (Packet<'static>, Vec<u8>) {
    let packet = Packet::OperationResponse(OperationResponse {
        code: ResponseCode::OK,
        transaction_id: TID,
        params: Params::from_slice(&[0xAABB_CCDD]).expect("1 param"),
    });
    let mut wire = Vec::new();
    wire.extend_from_slice(&18u32.to_le_bytes()); // Length: 8 + 2 + 4 + 4
    wire.extend_from_slice(&7u32.to_le_bytes()); // PacketType: Operation_Response
    wire.extend_from_slice(&0x2001u16.to_le_bytes()); // ResponseCode: OK
    wire.extend_from_slice(&TID.0.to_le_bytes()); // TransactionID
    wire.extend_from_slice(&0xAABB_CCDDu32.to_le_bytes()); // Parameter1
    (packet, wire)
}

fn bench_small_one(c: &mut Criterion, name: &str, packet: &Packet<'static>, wire: &[u8]) {
    let parsed = parse_packet(wire, Dialect::Generic).map(|(rest, p)| (rest.len(), p));
    assert_eq!(parsed, Ok((0, packet.clone())), "{name}: parse");
    assert_eq!(packet.to_bytes(), wire, "{name}: encode");

    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse", |b| {
        b.iter(|| parse_packet(black_box(wire), Dialect::Generic));
    });
    let mut out = Vec::with_capacity(64);
    g.bench_function("emit", |b| {
        b.iter(|| {
            out.clear();
            black_box(packet).encode(&mut out);
            black_box(&mut out);
        });
    });
    g.bench_function("round_trip", |b| {
        b.iter(|| {
            out.clear();
            if let Ok((_, p)) = parse_packet(black_box(wire), Dialect::Generic) {
                p.encode(&mut out);
            }
            black_box(&mut out);
        });
    });
    g.finish();
}

fn small(c: &mut Criterion) {
    let (req, req_wire) = request();
    let (resp, resp_wire) = response();
    bench_small_one(c, "small_operation_request_3p", &req, &req_wire);
    bench_small_one(c, "small_operation_response_1p", &resp, &resp_wire);
}

/// Counts the packets a deframer yields until it needs more bytes (`usize::MAX` on anything else).
fn drain_packets(d: &mut Deframer) -> usize {
    let mut n = 0;
    while let Ok(Some(frame)) = d.next_frame() {
        if !matches!(frame, Frame::Packet(_)) {
            return usize::MAX;
        }
        n += 1;
    }
    n
}

/// Counts the packets `parse_packet` reads from `buf` (`usize::MAX` on an error or leftover bytes).
fn parse_all(mut buf: &[u8]) -> usize {
    let mut n = 0;
    while !buf.is_empty() {
        match parse_packet(buf, Dialect::Generic) {
            Ok((rest, p)) => {
                black_box(p);
                buf = rest;
                n += 1;
            }
            Err(_) => return usize::MAX,
        }
    }
    n
}

fn small_batch(c: &mut Criterion) {
    const COUNT: usize = 1000;
    let (_, req_wire) = request();
    let (_, resp_wire) = response();
    let mut wire = Vec::with_capacity(COUNT / 2 * (req_wire.len() + resp_wire.len()));
    for _ in 0..COUNT / 2 {
        wire.extend_from_slice(&req_wire);
        wire.extend_from_slice(&resp_wire);
    }
    let input = BytesMut::from(&wire[..]);

    let mut d = Deframer::new(DeframerConfig::default());
    d.push(input.clone());
    assert_eq!(drain_packets(&mut d), COUNT, "deframer");
    assert!(d.is_idle(), "deframer left bytes");
    assert_eq!(parse_all(&wire), COUNT, "parse_packet loop");

    let mut g = c.benchmark_group("small_batch_1000");
    g.throughput(Throughput::Elements(COUNT as u64));
    g.bench_function("deframer", |b| {
        b.iter_batched(
            || input.clone(),
            |bytes| {
                let mut d = Deframer::new(DeframerConfig::default());
                d.push(bytes);
                drain_packets(&mut d)
            },
            BatchSize::NumIterations(BATCH),
        );
    });
    g.bench_function("parse_packet_loop", |b| {
        b.iter(|| parse_all(black_box(&wire)));
    });
    g.finish();
}

// `main` by hand rather than `criterion_group!`/`criterion_main!`: the macro's generated `pub fn`
// would trip the workspace's `missing_docs` lint.
fn main() {
    let mut c = config().configure_from_args();
    data_64k(&mut c);
    data_1m(&mut c);
    small(&mut c);
    small_batch(&mut c);
    c.final_summary();
}
