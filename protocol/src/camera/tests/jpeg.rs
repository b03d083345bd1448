//! The generated pictures, checked by an independent decoder (`zune-jpeg`): what we ask the
//! encoder for (sizes, one flat colour per 8×8 block, determinism) is what a viewer shows.

use zune_jpeg::JpegDecoder;

use crate::camera::sample::{self, LIVE_VIEW_BAR, Rgb, encode_mosaic};

/// How far a decoded channel may be from the colour asked for: the encoder is lossy, but a flat
/// block keeps only its DC coefficient, which quality 90 quantises finely.
const TOLERANCE: u8 = 10;

/// A decoded picture: its size and RGB pixels in raster order.
struct Decoded {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Decoded {
    /// The colour at the centre of block (`bx`, `by`), or of what the picture has of it.
    fn block(&self, bx: usize, by: usize) -> Rgb {
        let x = (bx * 8 + 4).min(self.width - 1);
        let y = (by * 8 + 4).min(self.height - 1);
        let i = (y * self.width + x) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }
}

fn decode(jpeg: &[u8]) -> Decoded {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "starts with SOI");
    assert_eq!(&jpeg[jpeg.len() - 2..], &[0xFF, 0xD9], "ends with EOI");
    let mut decoder = JpegDecoder::new(jpeg);
    let rgb = decoder.decode().expect("a decodable JPEG");
    let info = decoder.info().expect("headers read");
    let (width, height) = (usize::from(info.width), usize::from(info.height));
    assert_eq!(rgb.len(), width * height * 3, "RGB output");
    Decoded { width, height, rgb }
}

fn close(got: Rgb, want: Rgb) -> bool {
    got.iter()
        .zip(want)
        .all(|(&g, w)| g.abs_diff(w) <= TOLERANCE)
}

fn xorshift(x: &mut u32) -> u32 {
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    *x
}

#[test]
fn every_block_decodes_to_its_colour() {
    for (w, h) in [(8, 8), (13, 9), (64, 48), (1, 1), (17, 31)] {
        let mut seed = 0x1234_5678 ^ u32::from(w);
        let bx = usize::from(u16::div_ceil(w, 8));
        let colours: Vec<Rgb> = (0..bx * usize::from(u16::div_ceil(h, 8)))
            .map(|_| {
                let [r, g, b, _] = xorshift(&mut seed).to_le_bytes();
                [r, g, b]
            })
            .collect();
        let jpeg = encode_mosaic(w, h, |x, y| colours[usize::from(y) * bx + usize::from(x)]);
        let again = encode_mosaic(w, h, |x, y| colours[usize::from(y) * bx + usize::from(x)]);
        assert_eq!(jpeg, again, "the encoding is deterministic");
        let d = decode(&jpeg);
        assert_eq!((d.width, d.height), (usize::from(w), usize::from(h)));
        for (n, &want) in colours.iter().enumerate() {
            let got = d.block(n % bx, n / bx);
            assert!(close(got, want), "{w}×{h} block {n}: {got:?} for {want:?}");
        }
    }
}

#[test]
fn zero_size_is_raised_to_one_pixel() {
    let d = decode(&encode_mosaic(0, 0, |_, _| [10, 20, 30]));
    assert_eq!((d.width, d.height), (1, 1));
    assert!(close(d.block(0, 0), [10, 20, 30]));
}

#[test]
fn generated_pictures_decode_at_their_sizes() {
    let cases = [
        (
            sample::sample_image(1),
            sample::SAMPLE_WIDTH,
            sample::SAMPLE_HEIGHT,
        ),
        (
            sample::thumbnail(1),
            sample::THUMB_WIDTH,
            sample::THUMB_HEIGHT,
        ),
        (sample::sample_jpeg(5, 320, 240), 320, 240),
        (sample::live_view_jpeg(3, 320, 240), 320, 240),
    ];
    for (jpeg, w, h) in cases {
        let d = decode(&jpeg);
        assert_eq!((d.width, d.height), (usize::from(w), usize::from(h)));
    }
    // Different seeds give different pictures; the same seed the same one.
    assert_ne!(sample::sample_image(1), sample::sample_image(2));
    assert_eq!(sample::sample_image(7), sample::sample_image(7));
    // A thumbnail is a small file and a sample image a larger one, as a camera's are.
    assert!(sample::thumbnail(1).len() < sample::sample_image(1).len());
}

#[test]
fn the_live_view_bar_moves_one_block_per_frame() {
    let blocks = usize::from(320u16.div_ceil(8));
    for n in [0u32, 3, 4, 39, 40] {
        let d = decode(&sample::live_view_jpeg(n, 320, 240));
        let bar = n as usize % blocks;
        for bx in [bar, (bar + 1) % blocks] {
            let on_bar = close(d.block(bx, 10), LIVE_VIEW_BAR);
            assert_eq!(on_bar, bx == bar, "frame {n} block {bx}");
        }
    }
}
