//! The JPEG encoder, checked by an independent decoder for DC-only baseline files written here.

use std::collections::HashMap;

use crate::camera::jpeg::{YCbCr, encode_mosaic};
use crate::camera::sample;

/// What the decoder read.
#[derive(Debug)]
struct Decoded {
    width: u16,
    height: u16,
    /// Block colours in raster order.
    blocks: Vec<YCbCr>,
    /// Whether the scan contained a stuffed 0xFF.
    stuffed: bool,
}

/// A Huffman table: (length, code) → symbol.
type Table = HashMap<(u8, u16), u8>;

fn build_table(counts: &[u8], symbols: &[u8]) -> Table {
    let mut t = Table::new();
    let mut code = 0u16;
    let mut k = 0;
    for (len, &n) in counts.iter().enumerate() {
        for _ in 0..n {
            t.insert((len as u8 + 1, code), symbols[k]);
            k += 1;
            code += 1;
        }
        code <<= 1;
    }
    t
}

struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn bit(&mut self) -> u16 {
        let byte = self.data[self.pos / 8];
        self.pos += 1;
        u16::from((byte >> (7 - (self.pos - 1) % 8)) & 1)
    }

    fn bits(&mut self, n: u8) -> u16 {
        (0..n).fold(0, |v, _| (v << 1) | self.bit())
    }

    fn symbol(&mut self, t: &Table) -> u8 {
        let mut code = 0;
        for len in 1..=16 {
            code = (code << 1) | self.bit();
            if let Some(&s) = t.get(&(len, code)) {
                return s;
            }
        }
        panic!("no Huffman code matches at bit {}", self.pos);
    }
}

/// Decodes a baseline, three-component, 1×1-sampled JPEG whose blocks carry DC only.
fn decode(jpeg: &[u8]) -> Decoded {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "SOI");
    let mut i = 2;
    let (mut width, mut height, mut q0) = (0, 0, 0);
    let mut tables: HashMap<u8, Table> = HashMap::new();
    let mut seen = Vec::new();
    loop {
        assert_eq!(jpeg[i], 0xFF, "marker at {i}");
        let marker = jpeg[i + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        let body = &jpeg[i + 4..i + 2 + len];
        seen.push(marker);
        i += 2 + len;
        match marker {
            0xE0 => assert_eq!(&body[..5], b"JFIF\0"),
            0xDB => {
                assert_eq!(body[0], 0x00, "8-bit table 0");
                assert_eq!(body.len(), 65);
                q0 = i32::from(body[1]);
            }
            0xC0 => {
                assert_eq!(body[0], 8, "precision");
                height = u16::from_be_bytes([body[1], body[2]]);
                width = u16::from_be_bytes([body[3], body[4]]);
                assert_eq!(body[5], 3, "components");
                for c in body[6..].chunks(3) {
                    assert_eq!(c[1], 0x11, "1×1 sampling");
                }
            }
            0xC4 => {
                let mut b = body;
                while !b.is_empty() {
                    let (class_id, counts) = (b[0], &b[1..17]);
                    let n: usize = counts.iter().map(|&c| usize::from(c)).sum();
                    tables.insert(class_id, build_table(counts, &b[17..17 + n]));
                    b = &b[17 + n..];
                }
            }
            0xDA => break,
            other => panic!("unexpected marker {other:#x}"),
        }
    }
    assert_eq!(seen, [0xE0, 0xDB, 0xC0, 0xC4, 0xDA], "segment order");
    // The scan runs to EOI; undo the stuffing.
    let scan_end = jpeg.len() - 2;
    assert_eq!(&jpeg[scan_end..], &[0xFF, 0xD9], "EOI");
    let mut data = Vec::new();
    let mut stuffed = false;
    let mut k = i;
    while k < scan_end {
        data.push(jpeg[k]);
        if jpeg[k] == 0xFF {
            assert_eq!(jpeg[k + 1], 0x00, "unstuffed 0xFF in the scan");
            stuffed = true;
            k += 1;
        }
        k += 1;
    }
    let (dc, ac) = (&tables[&0x00], &tables[&0x10]);
    let mut bits = Bits {
        data: &data,
        pos: 0,
    };
    let count = usize::from(width.div_ceil(8)) * usize::from(height.div_ceil(8));
    let mut pred = [0i32; 3];
    let mut blocks = Vec::with_capacity(count);
    for _ in 0..count {
        let mut levels = [0u8; 3];
        for (c, level) in levels.iter_mut().enumerate() {
            let cat = bits.symbol(dc);
            let v = i32::from(bits.bits(cat));
            let diff = if cat > 0 && v < 1 << (cat - 1) {
                v - (1 << cat) + 1
            } else {
                v
            };
            pred[c] += diff;
            assert_eq!(bits.symbol(ac), 0x00, "only EOB follows the DC");
            let value = pred[c] * q0 / 8 + 128;
            *level = u8::try_from(value).expect("a level in range");
        }
        blocks.push(YCbCr {
            y: levels[0],
            cb: levels[1],
            cr: levels[2],
        });
    }
    let rest = data.len() * 8 - bits.pos;
    assert!(rest < 8, "{rest} bits left over");
    assert_eq!(
        bits.bits(rest as u8),
        (1 << rest) - 1,
        "padding is one bits"
    );
    Decoded {
        width,
        height,
        blocks,
        stuffed,
    }
}

fn xorshift(x: &mut u32) -> u32 {
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    *x
}

#[test]
fn random_blocks_round_trip_exactly() {
    for (w, h) in [(8, 8), (13, 9), (64, 48), (1, 1)] {
        let mut seed = 0x1234_5678 ^ u32::from(w);
        let bx = usize::from(u16::div_ceil(w, 8));
        let colours: Vec<YCbCr> = (0..bx * usize::from(u16::div_ceil(h, 8)))
            .map(|_| {
                let v = xorshift(&mut seed).to_le_bytes();
                YCbCr {
                    y: v[0],
                    cb: v[1],
                    cr: v[2],
                }
            })
            .collect();
        let jpeg = encode_mosaic(w, h, |x, y| colours[usize::from(y) * bx + usize::from(x)]);
        let d = decode(&jpeg);
        assert_eq!((d.width, d.height), (w, h));
        assert_eq!(d.blocks, colours, "{w}×{h}");
    }
}

#[test]
fn extreme_steps_use_the_largest_category_and_stuff_ff() {
    // Alternating black and white: every DC difference is ±2032, category 11, whose code and
    // extra bits are mostly ones, so 0xFF bytes occur in the scan and must be stuffed.
    let pick = |x: u16, y: u16| {
        let v = if (x + y).is_multiple_of(2) { 0 } else { 255 };
        YCbCr {
            y: v,
            cb: 255 - v,
            cr: v,
        }
    };
    let jpeg = encode_mosaic(64, 64, pick);
    let d = decode(&jpeg);
    assert!(d.stuffed, "no 0xFF was stuffed");
    for (n, b) in d.blocks.iter().enumerate() {
        assert_eq!(*b, pick((n % 8) as u16, (n / 8) as u16));
    }
}

#[test]
fn zero_size_is_raised_to_one_pixel() {
    let d = decode(&encode_mosaic(0, 0, |_, _| YCbCr::from_rgb(1, 2, 3)));
    assert_eq!((d.width, d.height, d.blocks.len()), (1, 1, 1));
}

#[test]
fn rgb_conversion_is_within_one_of_the_jfif_equations() {
    let mut seed = 99;
    for _ in 0..2000 {
        let [r, g, b, _] = xorshift(&mut seed).to_le_bytes();
        let c = YCbCr::from_rgb(r, g, b);
        let (r, g, b) = (f64::from(r), f64::from(g), f64::from(b));
        let y = 0.299 * r + 0.587 * g + 0.114 * b;
        let cb = 128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b;
        let cr = 128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b;
        for (got, want) in [(c.y, y), (c.cb, cb), (c.cr, cr)] {
            let want = want.clamp(0.0, 255.0);
            assert!((f64::from(got) - want).abs() <= 1.0, "{got} vs {want}");
        }
    }
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
        (sample::live_view_jpeg(3, 320, 240), 320, 240),
    ];
    for (jpeg, w, h) in cases {
        let d = decode(&jpeg);
        assert_eq!((d.width, d.height), (w, h));
    }
    // Different seeds give different pictures; the same seed the same one.
    assert_ne!(sample::sample_image(1), sample::sample_image(2));
    assert_eq!(sample::sample_image(7), sample::sample_image(7));
    // The live-view bar moves: frame 3's block 3 is the bar colour, frame 4's is not.
    let bar = YCbCr::from_rgb(255, 200, 0);
    assert_eq!(decode(&sample::live_view_jpeg(3, 320, 240)).blocks[3], bar);
    assert_ne!(decode(&sample::live_view_jpeg(4, 320, 240)).blocks[3], bar);
}
