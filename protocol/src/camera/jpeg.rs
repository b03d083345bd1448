//! A tiny baseline JPEG encoder for generated pictures: every 8×8 block is one flat colour.
//!
//! Only the DC coefficient of each block is coded (all AC coefficients are zero), which is still a
//! valid baseline (SOF0) JPEG that any decoder shows as a mosaic. That is enough for sample images,
//! thumbnails and live-view frames, and keeps the encoder small and exact: a flat block of level
//! `v` has the DC coefficient `8 · (v − 128)` (ISO 10918-1 A.3.3), so with a quantisation step of 1
//! a decoder gets back exactly the colours given.
//!
//! The file is `SOI · APP0 (JFIF 1.01) · DQT · SOF0 · DHT (DC) · DHT (AC) · SOS · scan · EOI`, three
//! components (Y, Cb, Cr) without subsampling, one quantisation table of ones, the standard
//! luminance DC Huffman table (ISO 10918-1 Table K.3) and an AC table with one symbol, EOB (0x00),
//! coded as the single bit `0`.

/// A pixel in the JPEG colour space: luma, blue-difference and red-difference chroma.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct YCbCr {
    /// Luma.
    pub y: u8,
    /// Blue-difference chroma, 128 for grey.
    pub cb: u8,
    /// Red-difference chroma, 128 for grey.
    pub cr: u8,
}

impl YCbCr {
    /// Converts from RGB with the JFIF equations (in 8.8 fixed point, rounded, clamped).
    #[must_use]
    pub fn from_rgb(r: u8, g: u8, b: u8) -> Self {
        let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
        let clamp = |v: i32| v.clamp(0, 255) as u8;
        Self {
            y: clamp((77 * r + 150 * g + 29 * b + 128) >> 8),
            cb: clamp(((-43 * r - 85 * g + 128 * b + 128) >> 8) + 128),
            cr: clamp(((128 * r - 107 * g - 21 * b + 128) >> 8) + 128),
        }
    }
}

/// Code lengths of the standard luminance DC table (ISO 10918-1 Table K.3): how many codes of
/// each length 1 to 16.
const DC_BITS: [u8; 16] = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
/// Its symbols: the size categories 0 to 11.
const DC_VALUES: [u8; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
/// The AC table: one code of length 1.
const AC_BITS: [u8; 16] = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
/// Its one symbol: EOB.
const AC_VALUES: [u8; 1] = [0x00];

/// Canonical Huffman codes (ISO 10918-1 Annex C) for `bits`, in symbol order: (code, length).
fn huffman_codes(bits: &[u8; 16]) -> Vec<(u16, u8)> {
    let mut codes = Vec::new();
    let mut code: u16 = 0;
    for (i, &n) in bits.iter().enumerate() {
        for _ in 0..n {
            codes.push((code, i as u8 + 1));
            code += 1;
        }
        code <<= 1;
    }
    codes
}

/// Packs bits most significant first and stuffs a zero byte after each 0xFF.
struct BitWriter {
    out: Vec<u8>,
    acc: u32,
    n: u8,
}

impl BitWriter {
    fn put(&mut self, value: u16, len: u8) {
        for i in (0..len).rev() {
            self.acc = (self.acc << 1) | u32::from((value >> i) & 1);
            self.n += 1;
            if self.n == 8 {
                let byte = self.acc as u8;
                self.out.push(byte);
                if byte == 0xFF {
                    self.out.push(0x00);
                }
                self.acc = 0;
                self.n = 0;
            }
        }
    }

    /// Pads the last byte with one bits (ISO 10918-1 F.1.2.3).
    fn finish(mut self) -> Vec<u8> {
        while self.n != 0 {
            self.put(1, 1);
        }
        self.out
    }
}

/// The size category of a DC difference and its extra bits (ISO 10918-1 F.1.2.1).
fn category(diff: i32) -> (u8, u16) {
    let magnitude = diff.unsigned_abs();
    let cat = (32 - magnitude.leading_zeros()) as u8;
    let extra = if diff < 0 { diff - 1 } else { diff };
    let mask = (1u32 << cat) - 1;
    (cat, (extra as u32 & mask) as u16)
}

/// Appends a marker segment: the marker, the length (which counts itself) and the body.
fn segment(out: &mut Vec<u8>, marker: u8, body: &[u8]) {
    out.extend_from_slice(&[0xFF, marker]);
    // Every body here is far below 64 KiB.
    out.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(body);
}

/// Encodes a `width` × `height` picture whose 8×8 block at (`bx`, `by`) has the colour
/// `block(bx, by)`. Blocks at the right and bottom edges may be cut by the picture size; a zero
/// dimension is raised to 1.
pub fn encode_mosaic(width: u16, height: u16, block: impl Fn(u16, u16) -> YCbCr) -> Vec<u8> {
    let (width, height) = (width.max(1), height.max(1));
    let (blocks_x, blocks_y) = (width.div_ceil(8), height.div_ceil(8));
    let mut out = Vec::with_capacity(640 + usize::from(blocks_x) * usize::from(blocks_y) * 3);
    out.extend_from_slice(&[0xFF, 0xD8]);
    // APP0: "JFIF\0", version 1.01, no units, 1:1 density, no embedded thumbnail.
    segment(
        &mut out,
        0xE0,
        b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00",
    );
    // DQT: 8-bit precision, table 0, all 64 steps 1.
    let mut dqt = vec![0x00];
    dqt.extend_from_slice(&[1; 64]);
    segment(&mut out, 0xDB, &dqt);
    // SOF0: 8-bit samples, height, width, three components each 1×1 sampled using table 0.
    let mut sof = vec![8];
    sof.extend_from_slice(&height.to_be_bytes());
    sof.extend_from_slice(&width.to_be_bytes());
    sof.extend_from_slice(&[3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
    segment(&mut out, 0xC0, &sof);
    // DHT: class 0 (DC) table 0, then class 1 (AC) table 0.
    let mut dht = vec![0x00];
    dht.extend_from_slice(&DC_BITS);
    dht.extend_from_slice(&DC_VALUES);
    dht.push(0x10);
    dht.extend_from_slice(&AC_BITS);
    dht.extend_from_slice(&AC_VALUES);
    segment(&mut out, 0xC4, &dht);
    // SOS: three components, each with DC table 0 and AC table 0; spectral selection 0..63.
    segment(&mut out, 0xDA, &[3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]);
    let dc = huffman_codes(&DC_BITS);
    let (eob_code, eob_len) = huffman_codes(&AC_BITS)[0];
    let mut bits = BitWriter { out, acc: 0, n: 0 };
    let mut predictors = [0i32; 3];
    for by in 0..blocks_y {
        for bx in 0..blocks_x {
            let c = block(bx, by);
            for (pred, level) in predictors.iter_mut().zip([c.y, c.cb, c.cr]) {
                let coefficient = 8 * (i32::from(level) - 128);
                let (cat, extra) = category(coefficient - *pred);
                *pred = coefficient;
                let (code, len) = dc[usize::from(cat)];
                bits.put(code, len);
                bits.put(extra, cat);
                bits.put(eob_code, eob_len);
            }
        }
    }
    let mut out = bits.finish();
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}
