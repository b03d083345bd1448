//! Generated pictures: sample images, thumbnails, capture previews and live-view frames, all
//! deterministic functions of a seed so that tests can regenerate what they expect.

use bytes::Bytes;

use super::jpeg::{YCbCr, encode_mosaic};

/// Width of a sample image.
pub const SAMPLE_WIDTH: u16 = 640;
/// Height of a sample image.
pub const SAMPLE_HEIGHT: u16 = 480;
/// Width of a thumbnail.
pub const THUMB_WIDTH: u16 = 160;
/// Height of a thumbnail.
pub const THUMB_HEIGHT: u16 = 120;

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
fn sample_block(seed: u32, bx: u16, by: u16, blocks_x: u16, blocks_y: u16) -> YCbCr {
    let across = u32::from(bx) * 1536 / u32::from(blocks_x.max(1));
    let (r, g, b) = hue(across.wrapping_add(seed.wrapping_mul(397)));
    let shade = 255 - u32::from(by) * 160 / u32::from(blocks_y.max(1));
    let scale = |c: u8| (u32::from(c) * shade / 255) as u8;
    let stripe = (u32::from(bx) + u32::from(by)).wrapping_add(seed.wrapping_mul(3)) % 16 < 2;
    if stripe {
        YCbCr::from_rgb(240, 240, 240)
    } else {
        YCbCr::from_rgb(scale(r), scale(g), scale(b))
    }
}

/// A `width` × `height` JPEG for `seed`.
#[must_use]
pub fn sample_jpeg(seed: u32, width: u16, height: u16) -> Bytes {
    let (blocks_x, blocks_y) = (width.div_ceil(8), height.div_ceil(8));
    Bytes::from(encode_mosaic(width, height, |bx, by| {
        sample_block(seed, bx, by, blocks_x, blocks_y)
    }))
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

/// Live-view frame `n`: a grey scene with a bright bar that moves one block per frame.
#[must_use]
pub fn live_view_jpeg(n: u32, width: u16, height: u16) -> Bytes {
    let blocks_x = u32::from(width.div_ceil(8).max(1));
    let bar = n % blocks_x;
    Bytes::from(encode_mosaic(width, height, |bx, by| {
        if u32::from(bx) == bar {
            YCbCr::from_rgb(255, 200, 0)
        } else {
            let level = 64 + ((u32::from(bx) * 7 + u32::from(by) * 5) % 64) as u8;
            YCbCr::from_rgb(level, level, level)
        }
    }))
}
