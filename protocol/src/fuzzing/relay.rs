//! The fuzz body of the relay's decoding: one relayed connection, both ways, through a
//! [`Pipe`].

use std::time::Instant;

use crate::channel::Channel;
use crate::packet::Dialect;
use crate::relay::{Direction, Item, ObserverConfig, Pipe, Record, Segment};

/// How [`run`] shows undecodable bytes after the framing was lost.
const REST: &str = "the rest, undecodable";

/// What a record says, its time aside.
type Seen = (Direction, Channel, u64, String, Vec<String>);

fn seen(r: &Record) -> Seen {
    (
        r.direction,
        r.channel,
        r.wire_len,
        format!("{:?}", r.item),
        r.quirks.clone(),
    )
}

/// Feeds the two streams of a connection to a pipe, the camera's way first, each in `pieces`;
/// with `pass`, payload bytes the pipe allows are passed over unread, as a zero-copy driver does.
/// Returns the records, the capture segments, and how many bytes were passed over.
fn run(
    config: ObserverConfig,
    channel: Option<Channel>,
    streams: [&[u8]; 2],
    cuts: &[usize],
    pass: bool,
) -> (Vec<Seen>, Vec<(Direction, Segment)>, u64) {
    let now = Instant::now();
    let mut pipe = Pipe::new(config, 1, channel);
    let mut passed = 0;
    let mut clean = [false; 2];
    for (d, stream) in Direction::BOTH.into_iter().zip(streams) {
        let mut at = 0;
        let ends = cuts
            .iter()
            .map(|&c| c % (stream.len() + 1))
            .chain([stream.len()]);
        let mut ends: Vec<usize> = ends.collect();
        ends.sort_unstable();
        for end in ends {
            while at < end {
                let ahead = if pass { pipe.payload_ahead(d) } else { 0 };
                if config.capture {
                    assert_eq!(ahead, 0, "payload passed over while capturing");
                }
                if ahead > 0 {
                    let n = (end - at).min(usize::try_from(ahead).unwrap_or(usize::MAX));
                    pipe.pass_over(now, d, n as u64);
                    passed += n as u64;
                    at += n;
                } else {
                    pipe.push(now, d, &stream[at..end]);
                    at = end;
                }
            }
        }
        let observer = pipe.observer(d);
        clean[d.index()] = observer.is_idle() && !observer.is_broken();
        pipe.finish(now, d);
        let observer = pipe.observer(d);
        assert!(observer.is_idle(), "finish leaves the observer idle");
        assert_eq!(observer.payload_ahead(), 0, "nothing ahead after the end");
    }
    let records: Vec<Record> = std::iter::from_fn(|| pipe.poll_record()).collect();
    // A stream that ended between packets, decoded to the end, is accounted for byte for byte.
    for (d, stream) in Direction::BOTH.into_iter().zip(streams) {
        if clean[d.index()] {
            let logged: u64 = records
                .iter()
                .filter(|r| r.direction == d)
                .map(|r| r.wire_len)
                .sum();
            assert_eq!(
                logged,
                stream.len() as u64,
                "records do not add up to the stream"
            );
        }
    }
    let segments = std::iter::from_fn(|| pipe.poll_segment()).collect();
    // Once the framing is lost, each read's bytes are a record of their own, so those records
    // depend on the reads: they are compared as one run of bytes.
    let mut out: Vec<Seen> = Vec::new();
    for r in &records {
        let rest = matches!(r.item, Item::Undecodable { .. }) && r.quirks.is_empty();
        match out.last_mut() {
            Some(last) if rest && last.0 == r.direction && last.3 == REST => last.2 += r.wire_len,
            _ if rest => out.push((r.direction, r.channel, r.wire_len, REST.into(), Vec::new())),
            _ => out.push(seen(r)),
        }
    }
    (out, segments, passed)
}

/// The relay's decoding gives the same records whether a connection's bytes come whole, in
/// pieces, or in pieces with data payloads passed over unread; a capture holds every byte; and
/// nothing is passed over while capturing.
///
/// Input: a flags byte (bit 0 the Fujifilm dialect, bit 1 the Fujifilm event port, bit 2
/// capture), a byte for `max_control_len` and the segment size, a count byte `k` (mod 16), `k`
/// little-endian `u16` cut points (modulo each stream's length + 1), a little-endian `u16`
/// length of the stream towards the camera (modulo what is left + 1), then that stream and the
/// stream towards the initiator.
pub fn relay_pipe(data: &[u8]) {
    let [flags, cap, count, rest @ ..] = data else {
        return;
    };
    let k = usize::from(count % 16);
    if rest.len() < 2 * k + 2 {
        return;
    }
    let (points, rest) = rest.split_at(2 * k);
    let cuts: Vec<usize> = points
        .chunks_exact(2)
        .map(|p| usize::from(u16::from_le_bytes([p[0], p[1]])))
        .collect();
    let split = usize::from(u16::from_le_bytes([rest[0], rest[1]]));
    let rest = &rest[2..];
    let (up, down) = rest.split_at(split % (rest.len() + 1));
    let dialect = if flags & 1 == 0 {
        Dialect::Generic
    } else {
        Dialect::Fuji
    };
    let channel = (flags & 2 != 0).then_some(Channel::Event);
    let mut config = ObserverConfig::new(dialect);
    config.max_control_len = 12 + u32::from(*cap) * 16;
    config.max_segment = 1 + usize::from(*cap) * 8;
    config.hex_limit = usize::from(*cap % 80);
    config.capture = flags & 4 != 0;

    let (whole, whole_segments, _) = run(config, channel, [up, down], &[], false);
    let (split_records, split_segments, _) = run(config, channel, [up, down], &cuts, false);
    let (passing, _, passed) = run(config, channel, [up, down], &cuts, true);
    assert_eq!(whole, split_records, "whole and split feeds differ");
    assert_eq!(whole, passing, "passing payloads over changes the records");
    if config.capture {
        assert_eq!(passed, 0);
        for (segments, what) in [(&whole_segments, "whole"), (&split_segments, "split")] {
            for (d, stream) in Direction::BOTH.into_iter().zip([up, down]) {
                let joined: Vec<u8> = segments
                    .iter()
                    .filter(|(sd, _)| *sd == d)
                    .flat_map(|(_, s)| s.bytes.iter().copied())
                    .collect();
                assert_eq!(joined, stream, "{what}: the capture is not the stream");
                assert!(
                    segments
                        .iter()
                        .all(|(_, s)| s.bytes.len() <= config.max_segment),
                    "a segment longer than the limit"
                );
            }
        }
    }
}
