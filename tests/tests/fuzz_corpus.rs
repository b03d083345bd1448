//! The fuzz corpora as ordinary tests: every file under `fuzz/corpus/<target>/` goes through the
//! same `ptpip_protocol::fuzzing` body as the cargo-fuzz target, on stable Rust.
//!
//! `regenerate_seeds` (ignored) rewrites the committed `seed-*` files from our encoders, the X-T1
//! fixtures and a recorded Initiator↔Responder session:
//! `cargo test -p ptpip-tests --test fuzz_corpus -- --ignored regenerate_seeds`.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use ptpip_protocol::Encode;
use ptpip_protocol::camera::VirtualCamera;
use ptpip_protocol::fuji::{Container, GeoTag, GeoTime};
use ptpip_protocol::fuzzing::{self, record_session};
use ptpip_protocol::packet::{OperationRequest, StartData};
use ptpip_protocol::ptp::dataset::{ObjectInfo, StorageInfo};
use ptpip_protocol::{Channel, Dialect, OperationCode, Packet, parse_packet};

/// A fuzz body: panics when an invariant breaks.
type Body = fn(&[u8]);

/// The targets and their bodies.
const TARGETS: [(&str, Body); 5] = [
    ("decode_packet", fuzzing::decode_packet),
    ("deframer_split", fuzzing::deframer_split),
    ("initiator", fuzzing::initiator),
    ("responder", fuzzing::responder),
    ("relay_pipe", fuzzing::relay_pipe),
];

/// The X-T1's 0x902B reply (one Fuji data container, 356 bytes) as a hex dump.
const X_T1_902B: &str = include_str!("../../protocol/src/fuji/fixtures/x-t1-902b-reply.txt");
/// An X-H1 GetDeviceInfo data phase.
const XH1_DEVICE_INFO: &[u8] =
    include_bytes!("../../protocol/src/ptp/dataset/fixtures/xh1_device_info.bin");

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

/// Runs every corpus file of `target` through `body`, naming the file that fails.
fn replay(target: &str, body: Body) -> usize {
    let mut files: Vec<PathBuf> = fs::read_dir(corpus_dir(target))
        .unwrap_or_else(|e| panic!("{target}: no corpus directory: {e}"))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for f in &files {
        let bytes = fs::read(f).expect("a readable corpus file");
        if catch_unwind(AssertUnwindSafe(|| body(&bytes))).is_err() {
            panic!("{target}: corpus file {} fails", f.display());
        }
    }
    files.len()
}

/// Replays one target's corpus; the committed seeds must be there.
fn replay_seeded(target: &str) {
    let (_, body) = TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .expect("a known target");
    let n = replay(target, *body);
    assert!(n >= 3, "{target}: only {n} corpus files");
}

#[test]
fn corpus_decode_packet() {
    replay_seeded("decode_packet");
}

#[test]
fn corpus_deframer_split() {
    replay_seeded("deframer_split");
}

#[test]
fn corpus_initiator() {
    replay_seeded("initiator");
}

#[test]
fn corpus_responder() {
    replay_seeded("responder");
}

#[test]
fn corpus_relay_pipe() {
    replay_seeded("relay_pipe");
}

/// The bytes of a `hexdump -C`-style dump (offset, 16 hex bytes, `|ascii|`).
fn parse_dump(text: &str) -> Vec<u8> {
    text.lines()
        .filter(|l| l.len() > 8 && l[..8].chars().all(|c| c.is_ascii_hexdigit()))
        .flat_map(|l| {
            let hex = l.split('|').next().unwrap_or("");
            hex.split_whitespace()
                .skip(1)
                .map(|b| u8::from_str_radix(b, 16).expect("a hex byte"))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn x_t1_dump_is_the_902b_container() {
    let dump = parse_dump(X_T1_902B);
    // u32 length 0x164 = 356 · u16 type 2 (data) · u16 code 0x902B · u32 transaction 7.
    assert_eq!(dump.len(), 356);
    assert_eq!(dump[..12], [0x64, 1, 0, 0, 2, 0, 0x2B, 0x90, 7, 0, 0, 0]);
    // Eight entries in the list.
    assert_eq!(dump[12..16], [8, 0, 0, 0]);
}

#[test]
fn recorded_generic_session_has_the_scripted_exchange() {
    let s = record_session(Dialect::Generic);
    let (channel, first) = &s.wire[0];
    assert_eq!(*channel, Channel::Command);
    assert!(matches!(
        Packet::decode(first, Dialect::Generic),
        Ok(Packet::InitCommandRequest(_))
    ));
    let packets: Vec<Packet<'static>> = s
        .wire
        .iter()
        .flat_map(|(_, b)| {
            let mut i = &b[..];
            let mut out = Vec::new();
            while let Ok((rest, p)) = parse_packet(i, Dialect::Generic) {
                out.push(p.into_owned());
                i = rest;
            }
            assert!(i.is_empty(), "a transmit is not whole packets");
            out
        })
        .collect();
    // GetObject's data phase announced the 3000 bytes the script asked for.
    assert!(packets.iter().any(|p| matches!(
        p,
        Packet::StartData(StartData {
            total_length: 3000,
            ..
        })
    )));
    // The close ran: CloseSession was requested.
    assert!(packets.iter().any(|p| matches!(
        p,
        Packet::OperationRequest(OperationRequest {
            code: OperationCode::CLOSE_SESSION,
            ..
        })
    )));
    // The replay inputs start with the config byte (generic, no peer) and hold actions.
    assert_eq!(s.initiator[0], 0);
    assert_eq!(s.responder[0], 0);
    assert!(s.initiator.len() > 100 && s.responder.len() > 100);
}

/// Writes `fuzz/corpus/<target>/seed-<name>`.
fn write_seed(target: &str, name: &str, bytes: &[u8]) {
    let dir = corpus_dir(target);
    fs::create_dir_all(&dir).expect("the corpus directory");
    fs::write(dir.join(format!("seed-{name}")), bytes).expect("a written seed");
}

/// A deframer_split input: flags, cap byte, split points, stream.
fn deframer_input(flags: u8, points: &[u16], stream: &[u8]) -> Vec<u8> {
    let mut v = vec![flags, 0xFF, points.len() as u8];
    for p in points {
        v.extend_from_slice(&p.to_le_bytes());
    }
    v.extend_from_slice(stream);
    v
}

/// A relay_pipe input: flags, cap byte, cut points, the stream towards the camera, the stream
/// back.
fn relay_input(flags: u8, points: &[u16], up: &[u8], down: &[u8]) -> Vec<u8> {
    let mut v = vec![flags, 0xFF, points.len() as u8];
    for p in points {
        v.extend_from_slice(&p.to_le_bytes());
    }
    v.extend_from_slice(&(up.len() as u16).to_le_bytes());
    v.extend_from_slice(up);
    v.extend_from_slice(down);
    v
}

/// A generic command connection both ways: init, OpenSession, a GetObject of 70 000 bytes in
/// two data packets, GetNumObjects.
fn relay_session() -> (Vec<u8>, Vec<u8>) {
    use ptpip_protocol::ResponseCode;
    use ptpip_protocol::TransactionId as Tid;
    use ptpip_protocol::packet::OperationResponse;
    use ptpip_protocol::packet::{DataPacket, DataPhaseInfo, InitCommandAck, InitCommandRequest};
    use ptpip_protocol::{ConnectionNumber, FriendlyName, Guid, Params, ProtocolVersion};
    let name = |s: &str| FriendlyName::new(s).expect("a name");
    let op = |code, tid, params: &[u32]| {
        Packet::OperationRequest(OperationRequest {
            data_phase: DataPhaseInfo::NO_DATA_OR_DATA_IN,
            code,
            transaction_id: Tid(tid),
            params: Params::from_slice(params).expect("params"),
        })
    };
    let ok = |tid| {
        Packet::OperationResponse(OperationResponse {
            code: ResponseCode::OK,
            transaction_id: Tid(tid),
            params: Params::default(),
        })
    };
    let data = |len: usize| DataPacket {
        transaction_id: Tid(2),
        payload: std::borrow::Cow::Owned((0..len).map(|i| i as u8).collect()),
    };
    let up = [
        Packet::InitCommandRequest(InitCommandRequest::new(Guid([1; 16]), name("me"))),
        op(OperationCode::OPEN_SESSION, 1, &[1]),
        op(OperationCode::GET_OBJECT, 2, &[7]),
        op(OperationCode::GET_NUM_OBJECTS, 3, &[]),
    ];
    let down = [
        Packet::InitCommandAck(InitCommandAck::new(
            ConnectionNumber(1),
            Guid([2; 16]),
            name("cam"),
            ProtocolVersion::V1_0,
        )),
        ok(1),
        Packet::StartData(StartData {
            transaction_id: Tid(2),
            total_length: 70_000,
        }),
        Packet::Data(data(65_000)),
        Packet::EndData(data(5_000)),
        ok(2),
        ok(3),
    ];
    let bytes = |ps: &[Packet<'_>]| ps.iter().flat_map(|p| p.to_bytes()).collect::<Vec<u8>>();
    (bytes(&up), bytes(&down))
}

/// An `initiator`/`responder` action: feed `bytes` on the command channel.
fn feed(bytes: &[u8]) -> Vec<u8> {
    let mut v = vec![0];
    v.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
    v.extend_from_slice(bytes);
    v
}

#[test]
#[ignore = "rewrites the committed seed corpora"]
fn regenerate_seeds() {
    let generic = record_session(Dialect::Generic);
    let fuji = record_session(Dialect::Fuji);
    let xt1 = parse_dump(X_T1_902B);

    // decode_packet: every distinct transmit of both sessions, the fixtures, datasets and values.
    let mut seen = std::collections::BTreeSet::new();
    for (n, (_, b)) in generic.wire.iter().chain(&fuji.wire).enumerate() {
        if seen.insert(b.to_vec()) && seen.len() <= 24 {
            write_seed("decode_packet", &format!("wire-{n:02}"), b);
        }
    }
    write_seed("decode_packet", "xt1-902b-container", &xt1);
    write_seed("decode_packet", "xt1-902b-list", &xt1[12..]);
    write_seed("decode_packet", "xh1-device-info", XH1_DEVICE_INFO);
    write_seed(
        "decode_packet",
        "storage-info",
        &StorageInfo::default().to_bytes(),
    );
    write_seed(
        "decode_packet",
        "object-info",
        &ObjectInfo::default().to_bytes(),
    );
    // 0xD212 state list: count 1 · code 0x5012 · value 3.
    write_seed(
        "decode_packet",
        "state-list",
        &[1, 0, 0x12, 0x50, 3, 0, 0, 0],
    );
    // PropValue: data type UINT16 (0x0004) · value 0x1234.
    write_seed("decode_packet", "value-u16", &[4, 0, 0x34, 0x12]);
    // PropValue: data type STR (0xFFFF) · 2 characters "A" and NUL.
    write_seed(
        "decode_packet",
        "value-str",
        &[0xFF, 0xFF, 2, b'A', 0, 0, 0],
    );
    // GetObjectPropList (0x9805): a folder and a picture, every property the camera lists.
    let camera = VirtualCamera::sample();
    let opl = camera
        .store()
        .object_prop_list(0xFFFF_FFFF, 0, 0xFFFF_FFFF, 0, 0);
    let opl = opl.expect("the sample card lists").to_bytes();
    let one_object = &opl[..300];
    write_seed("decode_packet", "object-prop-list", &opl);
    // The same list cut short (the lenient decoder's ShortList).
    write_seed("decode_packet", "object-prop-list-short", one_object);
    // The quirks corpus: real cameras' non-conforming Init acks and datasets.
    let quirks = Path::new(env!("CARGO_MANIFEST_DIR")).join("../protocol/tests/quirks");
    for entry in fs::read_dir(quirks).expect("the quirks corpus") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "bin") {
            let stem = path
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .replace('_', "-");
            let bytes = fs::read(&path).expect("a readable corpus file");
            write_seed("decode_packet", &format!("quirk-{stem}"), &bytes);
        }
    }
    // The Fujifilm readers that are not packets: a geotag in both layouts, two live-view frames.
    let time = GeoTime {
        year: 2016,
        month: 1,
        day: 3,
        hour: 15,
        minute: 41,
        second: 40,
        millis: 0,
    };
    let tag = GeoTag::from_degrees(52.485531, -13.380716, 34.5, time).expect("a geotag");
    write_seed("decode_packet", "geotag-ptp-string", &tag.to_bytes());
    write_seed("decode_packet", "geotag-x-t1", &tag.to_x_t1_bytes());
    let frame: &[u8] = include_bytes!("../../protocol/tests/fixtures/lv_stream");
    write_seed(
        "decode_packet",
        "live-view-two-frames",
        &[frame, frame].concat(),
    );
    write_seed("decode_packet", "probe", &Packet::ProbeRequest.to_bytes());
    write_seed(
        "decode_packet",
        "terminate",
        &Container::Terminate.to_bytes(),
    );

    // deframer_split: the generic session's command stream, the Fuji containers, a live-view frame.
    // The command channel's transmits from `skip` on, both directions joined.
    let stream = |s: &fuzzing::RecordedSession, skip: usize| -> Vec<u8> {
        s.wire
            .iter()
            .filter(|(c, _)| *c == Channel::Command)
            .skip(skip)
            .flat_map(|(_, b)| b.to_vec())
            .collect()
    };
    let generic_stream = stream(&generic, 0);
    // After Init_Command_Request and its ack, a Fuji command channel carries containers only.
    let fuji_containers = stream(&fuji, 2);
    let mut live_view = vec![30, 0, 0, 0];
    live_view.extend_from_slice(&[0; 14]);
    live_view.extend_from_slice(&[0xFF, 0xD8, 1, 2, 3, 4, 5, 6, 7, 8, 0xFF, 0xD9]);
    write_seed(
        "deframer_split",
        "generic-whole",
        &deframer_input(0, &[], &generic_stream),
    );
    write_seed(
        "deframer_split",
        "generic-split",
        &deframer_input(0x20, &[1, 9, 30, 200, 611], &generic_stream),
    );
    write_seed(
        "deframer_split",
        "fuji-containers",
        &deframer_input(1, &[5, 13, 100], &fuji_containers),
    );
    write_seed(
        "deframer_split",
        "xt1-902b",
        &deframer_input(1, &[3, 12, 200], &xt1),
    );
    write_seed(
        "deframer_split",
        "live-view",
        &deframer_input(2, &[4, 17, 18], &live_view),
    );

    // relay_pipe: a generic connection whole, cut with a capture, cut with junk after it, and the
    // Fujifilm event port carrying the X-T1's container.
    let (up, down) = relay_session();
    write_seed(
        "relay_pipe",
        "generic-whole",
        &relay_input(0, &[], &up, &down),
    );
    write_seed(
        "relay_pipe",
        "generic-capture",
        &relay_input(4, &[1, 9, 30, 200, 4000, 60_000], &up, &down),
    );
    let junk = [&down[..], &[0xFF; 40][..]].concat();
    write_seed(
        "relay_pipe",
        "generic-junk",
        &relay_input(0, &[7, 100, 3000], &up, &junk),
    );
    write_seed(
        "relay_pipe",
        "fuji-event",
        &relay_input(3, &[3, 12], &[], &xt1),
    );

    // initiator and responder: the recorded sessions, bare handshakes, and a session with actions.
    write_seed("initiator", "session-generic", &generic.initiator);
    write_seed("initiator", "session-fuji", &fuji.initiator);
    write_seed("responder", "session-generic", &generic.responder);
    write_seed("responder", "session-fuji", &fuji.responder);
    for (target, first) in [("initiator", 0u8), ("responder", 0u8)] {
        write_seed(target, "handshake-generic", &[first | 2]);
        write_seed(target, "handshake-fuji", &[first | 3]);
        // Handshake, GetObject(2000) streamed, relay, time passes, cancel, relay, close, relay.
        let mut a = vec![2 | 4, 2, 0x09, 0x10, 1];
        a.extend_from_slice(&2000u32.to_le_bytes());
        a.extend_from_slice(&[2, 7, 3, 1, 0x10, 0x27, 4, 7, 255, 5, 7, 255, 7, 255]);
        write_seed(target, "handshake-ops", &a);
    }
    // The X-T1's 0x902B reply fed to a Fuji initiator after its handshake, with 0x902B executed.
    let mut a = vec![3, 2, 0x2B, 0x90, 0, 1, 0x00, 0x10];
    a.extend_from_slice(&feed(&xt1));
    write_seed("initiator", "xt1-902b", &a);
}
