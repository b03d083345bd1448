//! Fuzz bodies, shared by the cargo-fuzz targets in `fuzz/` and the corpus replay tests.
//!
//! Only built with the `fuzzing` feature. Every body takes arbitrary bytes and panics when an
//! invariant breaks; a body returning means the input passed. The harness for the two state
//! machines (an action interpreter, a small [`Device`](crate::Device) and a session recorder for
//! seeds) lives in the private submodule `machines` (`fuzzing/machines.rs`), whose docs describe the
//! action format.

mod fuji;
mod machines;
mod relay;

use std::fmt;

use bytes::{Bytes, BytesMut};

pub use machines::{RecordedSession, initiator, record_session, responder};
pub use relay::relay_pipe;

use crate::Encode;
use crate::deframer::{Deframer, DeframerConfig, Frame, Framing};
use crate::error::DecodeError;
use crate::fuji::lists::{CurrentStateList, DevicePropDescList};
use crate::fuji::{Container, LiveViewFrame, parse_container};
use crate::packet::{Dialect, Packet, parse_packet};
use crate::ptp::DataTypeCode;
use crate::ptp::dataset::{
    DeviceInfo, DevicePropDesc, ObjectHandle, ObjectInfo, ObjectPropList, OplQuirk, StorageId,
    StorageInfo,
};
use crate::ptp::value::PropValue;
use crate::quirk::{Quirk, Tolerant};

/// Asserts that a decoded value re-encodes to exactly `bytes` and that `encoded_len` agrees.
fn same_bytes(what: &str, bytes: &[u8], encoded: &[u8], encoded_len: usize) {
    assert_eq!(
        encoded, bytes,
        "{what}: re-encoding differs from the bytes decoded"
    );
    assert_eq!(
        encoded_len,
        encoded.len(),
        "{what}: encoded_len disagrees with encode"
    );
}

/// Checks a dataset's `decode_lenient` against its strict `decode` and against the bytes.
///
/// Whatever the strict decoder reads, the lenient one reads the same (naming at most the X-T1
/// heuristic). What only the lenient one reads carries exactly one quirk, and the value re-encodes
/// to the input with that quirk undone: trailing bytes dropped (and their `all_zero` true to them),
/// or one zero byte per missing field (an empty string, FormFlag None). That encoding decodes
/// strictly to the same value.
fn lenient<T: PartialEq + fmt::Debug>(
    what: &str,
    data: &[u8],
    strict: Result<T, DecodeError>,
    lenient: Result<Tolerant<T>, DecodeError>,
    encode: fn(&T) -> Vec<u8>,
    decode: fn(&[u8]) -> Result<T, DecodeError>,
) {
    match (strict, lenient) {
        (Ok(v), Ok(t)) => {
            assert_eq!(t.value, v, "{what}: lenient and strict values differ");
            assert!(
                t.quirks
                    .iter()
                    .all(|q| matches!(q, Quirk::FixedWidthValues { .. })),
                "{what}: quirks {:?} on an input the strict decoder reads",
                t.quirks
            );
        }
        (Ok(_), Err(e)) => panic!("{what}: the strict decoder reads it, the lenient one says {e}"),
        (Err(_), Ok(t)) => {
            let encoded = encode(&t.value);
            match t.quirks.as_slice() {
                [Quirk::MissingFields { fields, .. }] => {
                    let mut expected = data.to_vec();
                    expected.resize(data.len() + fields.len(), 0);
                    assert_eq!(encoded, expected, "{what}: missing fields not filled empty");
                }
                [
                    Quirk::TrailingBytes {
                        count, all_zero, ..
                    },
                ] => {
                    let keep = data.len() - *count as usize;
                    assert_eq!(encoded, &data[..keep], "{what}: not just trailing bytes");
                    assert_eq!(*all_zero, data[keep..].iter().all(|&b| b == 0));
                }
                other => panic!("{what}: lenient-only decode with quirks {other:?}"),
            }
            assert_eq!(
                decode(&encoded).as_ref(),
                Ok(&t.value),
                "{what}: the lenient value does not re-decode"
            );
        }
        (Err(_), Err(_)) => {}
    }
}

/// Every decoder over `data`: whatever decodes must re-encode to exactly the bytes it consumed.
///
/// Decoded: [`Packet::decode`] and [`parse_packet`] in both dialects (the Init acks' tolerated
/// layouts included: they are kept in the value), [`Container::decode`] and [`parse_container`], the
/// datasets ([`DeviceInfo`], [`StorageInfo`], [`ObjectInfo`], [`DevicePropDesc`], the handle and
/// storage-id arrays, MTP's [`ObjectPropList`] strict and lenient), the Fujifilm lists, the
/// live-view frame, the other Fujifilm readers (the geotag value, the live-view image check and
/// stream reader: see `fuji_readers`), and [`PropValue::parse_whole`] with the data type taken
/// from the first two bytes. No decoder documents an exception to byte-exact re-encoding ([`DevicePropDesc`]'s X-T1
/// heuristic and [`PropValue::FixedAscii`] promise exactness too), so none is made. The datasets'
/// `decode_lenient` is checked by the `lenient` module's rules.
pub fn decode_packet(data: &[u8]) {
    for dialect in [Dialect::Generic, Dialect::Fuji] {
        if let Ok(p) = Packet::decode(data, dialect) {
            same_bytes("Packet::decode", data, &p.to_bytes(), p.encoded_len());
        }
        if let Ok((rest, p)) = parse_packet(data, dialect) {
            let used = &data[..data.len() - rest.len()];
            same_bytes("parse_packet", used, &p.to_bytes(), p.encoded_len());
            assert_eq!(
                Packet::decode(used, dialect).as_ref(),
                Ok(&p),
                "parse vs decode"
            );
        }
    }
    if let Ok(c) = Container::decode(data) {
        same_bytes("Container::decode", data, &c.to_bytes(), c.encoded_len());
    }
    if let Ok((rest, c)) = parse_container(data) {
        let used = &data[..data.len() - rest.len()];
        same_bytes("parse_container", used, &c.to_bytes(), c.encoded_len());
    }
    if let Ok(v) = DeviceInfo::decode(data) {
        same_bytes("DeviceInfo", data, &v.to_bytes(), v.encoded_len());
    }
    if let Ok(v) = StorageInfo::decode(data) {
        same_bytes("StorageInfo", data, &v.to_bytes(), v.encoded_len());
    }
    if let Ok(v) = ObjectInfo::decode(data) {
        same_bytes("ObjectInfo", data, &v.to_bytes(), v.encoded_len());
    }
    if let Ok(v) = DevicePropDesc::decode(data) {
        same_bytes("DevicePropDesc", data, &v.to_bytes(), v.encoded_len());
    }
    lenient(
        "DeviceInfo",
        data,
        DeviceInfo::decode(data),
        DeviceInfo::decode_lenient(data),
        DeviceInfo::to_bytes,
        DeviceInfo::decode,
    );
    lenient(
        "StorageInfo",
        data,
        StorageInfo::decode(data),
        StorageInfo::decode_lenient(data),
        StorageInfo::to_bytes,
        StorageInfo::decode,
    );
    lenient(
        "ObjectInfo",
        data,
        ObjectInfo::decode(data),
        ObjectInfo::decode_lenient(data),
        ObjectInfo::to_bytes,
        ObjectInfo::decode,
    );
    lenient(
        "DevicePropDesc",
        data,
        DevicePropDesc::decode(data),
        DevicePropDesc::decode_lenient(data),
        DevicePropDesc::to_bytes,
        DevicePropDesc::decode,
    );
    if let Ok(v) = ObjectHandle::decode_array(data) {
        let b = ObjectHandle::array_to_bytes(&v);
        same_bytes("ObjectHandle array", data, &b, b.len());
    }
    if let Ok(v) = StorageId::decode_array(data) {
        let b = StorageId::array_to_bytes(&v);
        same_bytes("StorageID array", data, &b, b.len());
    }
    object_prop_list(data);
    fuji::fuji_readers(data);
    if let Ok(v) = DevicePropDescList::decode(data) {
        same_bytes("DevicePropDescList", data, &v.to_bytes(), v.encoded_len());
    }
    if let Ok(v) = CurrentStateList::decode(data) {
        same_bytes("CurrentStateList", data, &v.to_bytes(), v.encoded_len());
    }
    if let Ok(v) = LiveViewFrame::decode(&Bytes::copy_from_slice(data)) {
        let mut b = Vec::new();
        v.encode(&mut b);
        same_bytes("LiveViewFrame", data, &b, v.encoded_len());
    }
    if let [a, b, value @ ..] = data {
        let data_type = DataTypeCode(u16::from_le_bytes([*a, *b]));
        if let Ok(v) = PropValue::parse_whole(value, data_type) {
            same_bytes(
                "PropValue::parse_whole",
                value,
                &v.to_bytes(),
                v.encoded_len(),
            );
        }
        // The lenient read: exact where the strict one reads, else the bytes it kept re-encode.
        if let Ok(t) = PropValue::decode_lenient(value, data_type) {
            let kept = if t.is_exact() { value } else { &value[..2] };
            same_bytes(
                "PropValue::decode_lenient",
                kept,
                &t.value.to_bytes(),
                t.value.encoded_len(),
            );
        }
    }
}

/// [`ObjectPropList`] both ways: the strict decode re-encodes exactly; the lenient one keeps at
/// most what the input holds, re-encodes exactly when it named no quirk but the types, and
/// otherwise gives a list the strict decoder reads back unchanged.
fn object_prop_list(data: &[u8]) {
    if let Ok(v) = ObjectPropList::decode(data) {
        same_bytes("ObjectPropList", data, &v.to_bytes(), v.encoded_len());
    }
    let Ok((v, quirks)) = ObjectPropList::decode_lenient(data, ObjectPropList::MAX_ELEMENTS) else {
        return;
    };
    assert!(
        v.elements.len() * ObjectPropList::MIN_ELEMENT_LEN <= data.len(),
        "more elements than the input holds"
    );
    let reshaped = quirks.iter().any(|q| {
        matches!(
            q,
            OplQuirk::ShortList { .. } | OplQuirk::TrailingBytes { .. }
        )
    });
    let bytes = v.to_bytes();
    if reshaped {
        assert_eq!(
            ObjectPropList::decode(&bytes).as_ref(),
            Ok(&v),
            "lenient re-read"
        );
    } else {
        same_bytes("ObjectPropList (lenient)", data, &bytes, v.encoded_len());
    }
    // The per-object view never loses an object.
    let objects = v.objects();
    assert!(
        v.elements
            .iter()
            .all(|e| objects.iter().any(|o| o.handle == e.handle))
    );
}

/// One frame as compared between feeds: data chunks are joined per data packet.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Frame(Frame),
    Data(Vec<u8>),
    Error(DecodeError),
}

/// Feeds `pieces` to a deframer, checking the buffer bound after each; returns what came out.
fn deframe<'a>(
    config: DeframerConfig,
    pieces: impl Iterator<Item = &'a [u8]>,
    copy: bool,
) -> Vec<Seen> {
    let cap = match config.framing {
        Framing::FujiLiveView => config.max_live_view_len,
        Framing::PtpIp | Framing::FujiContainer => config.max_control_len,
    } as usize;
    let mut d = Deframer::new(config);
    let mut seen = Vec::new();
    let mut remaining: u64 = 0;
    for piece in pieces {
        if copy {
            d.extend_from_slice(piece);
        } else {
            d.push(BytesMut::from(piece));
        }
        loop {
            match d.next_frame() {
                Ok(None) => break,
                Ok(Some(Frame::DataChunk(b))) => {
                    assert!(!b.is_empty(), "empty DataChunk");
                    assert!(b.len() as u64 <= remaining, "DataChunk beyond payload_len");
                    remaining -= b.len() as u64;
                    match seen.last_mut() {
                        Some(Seen::Data(v)) => v.extend_from_slice(&b),
                        _ => panic!("DataChunk without DataStart"),
                    }
                }
                Ok(Some(f)) => {
                    assert_eq!(remaining, 0, "a frame inside a data payload");
                    if let Frame::DataStart(h) = &f {
                        remaining = h.payload_len.into();
                        seen.push(Seen::Frame(f));
                        seen.push(Seen::Data(Vec::new()));
                    } else {
                        seen.push(Seen::Frame(f));
                    }
                }
                Err(e) => {
                    assert_eq!(d.next_frame(), Err(e.clone()), "the error is not sticky");
                    seen.push(Seen::Error(e));
                    return seen;
                }
            }
        }
        assert!(
            d.buffered_len() <= cap + piece.len(),
            "buffered {} > cap {cap} + piece {}",
            d.buffered_len(),
            piece.len()
        );
    }
    seen
}

/// The deframer gives the same frames whether a stream arrives whole or split anywhere.
///
/// Input: a flags byte (framing, dialect, copy or push), a byte for `max_control_len`, a count
/// byte `k` (mod 16), `k` little-endian `u16` split points (taken modulo the stream length + 1),
/// then the stream.
pub fn deframer_split(data: &[u8]) {
    let [flags, cap, count, rest @ ..] = data else {
        return;
    };
    let k = usize::from(count % 16);
    if rest.len() < 2 * k {
        return;
    }
    let (points, stream) = rest.split_at(2 * k);
    let framing = match flags % 3 {
        0 => Framing::PtpIp,
        1 => Framing::FujiContainer,
        _ => Framing::FujiLiveView,
    };
    let config = DeframerConfig {
        framing,
        dialect: if flags & 0x10 == 0 {
            Dialect::Generic
        } else {
            Dialect::Fuji
        },
        max_control_len: 12 + u32::from(*cap) * 16,
        max_live_view_len: 18 + u32::from(*cap) * 64,
    };
    let mut cuts: Vec<usize> = points
        .chunks_exact(2)
        .map(|p| usize::from(u16::from_le_bytes([p[0], p[1]])) % (stream.len() + 1))
        .collect();
    cuts.push(0);
    cuts.push(stream.len());
    cuts.sort_unstable();
    cuts.dedup();
    let whole = deframe(config, std::iter::once(stream), false);
    let pieces = cuts.windows(2).map(|w| &stream[w[0]..w[1]]);
    let split = deframe(config, pieces, flags & 0x20 != 0);
    assert_eq!(whole, split, "whole and split feeds differ");
}
