//! Generated pictures: sample images, thumbnails, capture previews and live-view frames, all
//! deterministic functions of a seed so that tests can regenerate what they expect.
//!
//! Each picture is a mosaic of flat 8×8 blocks (one colour per block, chosen by a function of the
//! block's position), encoded by the `jpeg-encoder` crate as a baseline JPEG without chroma
//! subsampling, so that every block decodes to close to its colour.

use std::collections::BTreeMap;
use std::sync::Mutex;

use bytes::Bytes;
use jpeg_encoder::{ColorType, Encoder, SamplingFactor};

/// Width of a sample image.
pub const SAMPLE_WIDTH: u16 = 640;
/// Height of a sample image.
pub const SAMPLE_HEIGHT: u16 = 480;
/// Width of a thumbnail.
pub const THUMB_WIDTH: u16 = 160;
/// Height of a thumbnail.
pub const THUMB_HEIGHT: u16 = 120;

/// The JPEG quality of every generated picture (1–100).
const QUALITY: u8 = 90;

/// An RGB colour.
pub type Rgb = [u8; 3];

/// Encodes a `width` × `height` picture (a zero side is raised to one pixel) whose 8×8 block
/// (`bx`, `by`) has the flat colour `block(bx, by)`.
#[must_use]
pub fn encode_mosaic(width: u16, height: u16, block: impl Fn(u16, u16) -> Rgb) -> Vec<u8> {
    let (width, height) = (width.max(1), height.max(1));
    let (w, h) = (usize::from(width), usize::from(height));
    let mut pixels = Vec::with_capacity(w * h * 3);
    let mut row = Vec::with_capacity(w * 3);
    for by in 0..height.div_ceil(8) {
        // One row of pixels for this row of blocks, repeated for each of its (up to) 8 lines.
        row.clear();
        for bx in 0..width.div_ceil(8) {
            let colour = block(bx, by);
            let run = (w - usize::from(bx) * 8).min(8);
            for _ in 0..run {
                row.extend_from_slice(&colour);
            }
        }
        let lines = (h - usize::from(by) * 8).min(8);
        for _ in 0..lines {
            pixels.extend_from_slice(&row);
        }
    }
    let mut out = Vec::new();
    let mut encoder = Encoder::new(&mut out, QUALITY);
    encoder.set_sampling_factor(SamplingFactor::R_4_4_4);
    encoder
        .encode(&pixels, width, height, ColorType::Rgb)
        .expect("a non-empty RGB picture of the stated size encodes into a Vec");
    out
}

/// A colour from a hue (0–1535, six ramps of 256) at full saturation.
fn hue(h: u32) -> (u8, u8, u8) {
    let x = (h % 256) as u8;
    match (h / 256) % 6 {
        0 => (255, x, 0),
        1 => (255 - x, 255, 0),
        2 => (0, 255, x),
        3 => (0, 255 - x, 255),
        4 => (x, 0, 255),
        _ => (255, 0, 255 - x),
    }
}

/// The colour of block (`bx`, `by`) of a `blocks_x` × `blocks_y` picture for `seed`: a hue ramp
/// across, darkening downwards, with a diagonal stripe whose position depends on the seed.
fn sample_block(seed: u32, bx: u16, by: u16, blocks_x: u16, blocks_y: u16) -> Rgb {
    let across = u32::from(bx) * 1536 / u32::from(blocks_x.max(1));
    let (r, g, b) = hue(across.wrapping_add(seed.wrapping_mul(397)));
    let shade = 255 - u32::from(by) * 160 / u32::from(blocks_y.max(1));
    let scale = |c: u8| (u32::from(c) * shade / 255) as u8;
    let stripe = (u32::from(bx) + u32::from(by)).wrapping_add(seed.wrapping_mul(3)) % 16 < 2;
    if stripe {
        [240, 240, 240]
    } else {
        [scale(r), scale(g), scale(b)]
    }
}

/// A `width` × `height` JPEG for `seed`.
///
/// The cameras ask for the same few pictures again and again (every sample camera has the same
/// card), so the most recent ones are kept: encoding is the costly part, and the result depends
/// only on the arguments.
#[must_use]
pub fn sample_jpeg(seed: u32, width: u16, height: u16) -> Bytes {
    /// How many pictures are kept; the cache is emptied when it is full.
    const KEPT: usize = 64;
    static KEPT_PICTURES: Mutex<BTreeMap<(u32, u16, u16), Bytes>> = Mutex::new(BTreeMap::new());
    let key = (seed, width, height);
    let lock = || {
        KEPT_PICTURES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some(jpeg) = lock().get(&key) {
        return jpeg.clone();
    }
    let (blocks_x, blocks_y) = (width.div_ceil(8), height.div_ceil(8));
    let jpeg = Bytes::from(encode_mosaic(width, height, |bx, by| {
        sample_block(seed, bx, by, blocks_x, blocks_y)
    }));
    let mut kept = lock();
    if kept.len() >= KEPT {
        kept.clear();
    }
    kept.insert(key, jpeg.clone());
    jpeg
}

/// The sample image for `seed` at [`SAMPLE_WIDTH`] × [`SAMPLE_HEIGHT`].
#[must_use]
pub fn sample_image(seed: u32) -> Bytes {
    sample_jpeg(seed, SAMPLE_WIDTH, SAMPLE_HEIGHT)
}

/// The thumbnail for `seed`: the same picture at [`THUMB_WIDTH`] × [`THUMB_HEIGHT`].
#[must_use]
pub fn thumbnail(seed: u32) -> Bytes {
    sample_jpeg(seed, THUMB_WIDTH, THUMB_HEIGHT)
}

/// The colour of the live-view frames' moving bar.
pub const LIVE_VIEW_BAR: Rgb = [255, 200, 0];

/// Live-view frame `n`: a grey scene with a bright bar that moves one block per frame.
#[must_use]
pub fn live_view_jpeg(n: u32, width: u16, height: u16) -> Bytes {
    let blocks_x = u32::from(width.div_ceil(8).max(1));
    let bar = n % blocks_x;
    Bytes::from(encode_mosaic(width, height, |bx, by| {
        if u32::from(bx) == bar {
            LIVE_VIEW_BAR
        } else {
            let level = 64 + ((u32::from(bx) * 7 + u32::from(by) * 5) % 64) as u8;
            [level, level, level]
        }
    }))
}
