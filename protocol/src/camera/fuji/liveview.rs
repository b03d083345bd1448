//! [`LiveViewGenerator`]: the frames of the virtual body's live-view port.

use super::super::sample;
use crate::fuji::LiveViewFrame;

/// Frames for the Fujifilm live-view port: a generated JPEG at offset 18 and a counter at byte 8
/// that wraps after 255.
#[derive(Clone, Debug)]
pub struct LiveViewGenerator {
    frames: u32,
    width: u16,
    height: u16,
}

impl Default for LiveViewGenerator {
    fn default() -> Self {
        Self::new(640, 480)
    }
}

impl LiveViewGenerator {
    /// Frames of `width` × `height` pixels.
    #[must_use]
    pub const fn new(width: u16, height: u16) -> Self {
        Self {
            frames: 0,
            width,
            height,
        }
    }

    /// Frames made so far.
    #[must_use]
    pub const fn frames(&self) -> u32 {
        self.frames
    }

    /// The next frame. The header is zero but for the counter and its last two bytes, which are
    /// 0xFF 0xFF (real bodies vary them; their meaning is not known).
    pub fn next_frame(&mut self) -> LiveViewFrame {
        let mut header = [0u8; 14];
        // Byte 8 of the frame: the counter, wrapping at 255.
        header[4] = self.frames as u8;
        header[12] = 0xFF;
        header[13] = 0xFF;
        let jpeg = sample::live_view_jpeg(self.frames, self.width, self.height);
        self.frames = self.frames.wrapping_add(1);
        LiveViewFrame { header, jpeg }
    }
}
