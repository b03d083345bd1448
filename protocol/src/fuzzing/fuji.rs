//! The Fujifilm readers that are not packets: the 0xD500 geotag value, the live-view image
//! check, and the live-view port's stream reader.

use std::time::Instant;

use crate::fuji::stream::check_jpeg;
use crate::fuji::{GeoTag, GeoTagLayout, LiveViewItem, LiveViewStream};

/// Live-view frames longer than this are refused by the stream reader under test, so that the
/// fuzzer reaches the refusal with short inputs too.
const MAX_FRAME: u32 = 4096;

/// Every Fujifilm reader over `data`:
///
/// - [`GeoTag::decode`]: a value it reads, written back in the layout it came in, reads back
///   to the same position and time (the writers are exact for whatever the reader accepts);
/// - [`check_jpeg`]: the padding it reports is zero bytes that follow an FF D9 after an FF D8;
/// - [`LiveViewStream`]: the bytes fed whole and fed in two pieces (cut where the first byte
///   says) give the same frames, the same broken frames and the same error; it never holds
///   more than one frame's worth of bytes.
pub(super) fn fuji_readers(data: &[u8]) {
    if let Ok((tag, layout)) = GeoTag::decode(data) {
        let written = match layout {
            GeoTagLayout::PtpString => tag.to_bytes(),
            GeoTagLayout::FixedAscii => tag.to_x_t1_bytes(),
        };
        assert_eq!(
            GeoTag::decode(&written),
            Ok((tag, layout)),
            "geotag {tag:?} written as {layout:?} does not read back"
        );
    }
    if let Ok(padding) = check_jpeg(data) {
        let end = data.len() - padding;
        assert!(data[end..].iter().all(|&b| b == 0), "padding not zero");
        assert!(data.starts_with(&[0xFF, 0xD8]) && data[..end].ends_with(&[0xFF, 0xD9]));
    }
    let cut = data
        .first()
        .map_or(0, |&b| usize::from(b) % (data.len() + 1));
    let whole = read_stream(&[data]);
    let split = read_stream(&[&data[..cut], &data[cut..]]);
    assert_eq!(
        whole, split,
        "the live-view stream depends on how its bytes are cut"
    );
}

/// What a [`LiveViewStream`] makes of `pieces`: the items and the error, if any.
fn read_stream(pieces: &[&[u8]]) -> (Vec<LiveViewItem>, Option<String>) {
    let now = Instant::now();
    let mut s = LiveViewStream::new(MAX_FRAME);
    let mut items = Vec::new();
    let mut error = None;
    for piece in pieces {
        if let Err(e) = s.handle_input(now, piece) {
            error = Some(e.to_string());
            break;
        }
        items.extend(std::iter::from_fn(|| s.poll()));
        assert!(
            s.buffered_len() <= MAX_FRAME as usize,
            "the stream holds {} bytes, more than a frame",
            s.buffered_len()
        );
    }
    items.extend(std::iter::from_fn(|| s.poll()));
    (items, error)
}
