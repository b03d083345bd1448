//! [`LiveViewStream`]: the reader of the Fujifilm live-view port (55742), sans-IO.
//!
//! A driver connects the port once the camera is in remote mode (frames then flow unrequested),
//! feeds every read to [`handle_input`](LiveViewStream::handle_input) with the time it arrived,
//! and takes [`LiveViewItem`]s from [`poll`](LiveViewStream::poll): each frame whose JPEG runs
//! from a start-of-image marker (FF D8) to an end-of-image marker (FF D9), and each broken frame
//! with what is wrong with it, which a viewer skips and counts. Closing the socket stops the
//! stream; connecting again starts it, within the same session.
//!
//! [`stats`](LiveViewStream::stats) counts frames, broken frames and bytes, and gives the frame
//! rate over the whole stream and since the last [`take_interval`](LiveViewStream::take_interval).
//! No source measured a body's rate; this is how to.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::LiveViewFrame;
use crate::Encode;
use crate::deframer::{Deframer, DeframerConfig, Frame, Framing};
use crate::error::DecodeError;
use crate::packet::Dialect;

/// What is wrong with a live-view frame's image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameProblem {
    /// No image bytes at all.
    Empty,
    /// The image does not start with FF D8.
    NoStartOfImage,
    /// The image does not end with FF D9 (a cut frame).
    NoEndOfImage,
}

impl std::fmt::Display for FrameProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Empty => "no image",
            Self::NoStartOfImage => "no JPEG start-of-image marker (FF D8)",
            Self::NoEndOfImage => "no JPEG end-of-image marker (FF D9)",
        })
    }
}

/// Checks that `jpeg` runs from SOI to EOI. Zero bytes after the EOI are tolerated (some encoders
/// pad): the result is how many there are.
pub fn check_jpeg(jpeg: &[u8]) -> Result<usize, FrameProblem> {
    if jpeg.is_empty() {
        return Err(FrameProblem::Empty);
    }
    if !jpeg.starts_with(&[0xFF, 0xD8]) {
        return Err(FrameProblem::NoStartOfImage);
    }
    let end = jpeg.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    if end < 4 || jpeg[end - 2..end] != [0xFF, 0xD9] {
        return Err(FrameProblem::NoEndOfImage);
    }
    Ok(jpeg.len() - end)
}

/// What the stream yields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveViewItem {
    /// A whole frame; its JPEG runs from FF D8 to FF D9 (any zero padding after the EOI is cut
    /// off, and counted in [`LiveViewStats::padded`]).
    Frame(LiveViewFrame),
    /// A frame whose image is broken: skip it.
    Broken {
        /// The frame counter of its header.
        number: u8,
        /// Its length on the wire.
        len: usize,
        /// What is wrong.
        problem: FrameProblem,
    },
}

/// What a driver's blocking read of the live-view port got (both transports' `LiveView::next`).
#[derive(Debug)]
pub enum LiveViewRead {
    /// A frame, or a broken frame to skip.
    Item(LiveViewItem),
    /// Nothing within the wait.
    TimedOut,
    /// The camera closed the stream.
    Ended,
}

/// Counts since the stream started.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct LiveViewStats {
    /// Good frames.
    pub frames: u64,
    /// Broken frames skipped.
    pub broken: u64,
    /// Good frames that carried zero padding after their EOI.
    pub padded: u64,
    /// Bytes of good frames' JPEGs.
    pub bytes: u64,
    /// From the first good frame to the last.
    pub span: Duration,
}

impl LiveViewStats {
    /// Frames per second from the first frame to the last (`None` before two frames).
    #[must_use]
    pub fn rate(&self) -> Option<f64> {
        (self.frames >= 2 && !self.span.is_zero())
            .then(|| (self.frames - 1) as f64 / self.span.as_secs_f64())
    }
}

/// Counts over one interval of [`LiveViewStream::take_interval`].
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct IntervalStats {
    /// Good frames.
    pub frames: u64,
    /// Broken frames skipped.
    pub broken: u64,
    /// How long the interval lasted.
    pub elapsed: Duration,
}

impl IntervalStats {
    /// Frames per second over the interval (`None` for an empty interval).
    #[must_use]
    pub fn rate(&self) -> Option<f64> {
        (!self.elapsed.is_zero()).then(|| self.frames as f64 / self.elapsed.as_secs_f64())
    }
}

/// The reader of the live-view port. See the [module docs](self).
#[derive(Debug)]
pub struct LiveViewStream {
    deframer: Deframer,
    items: VecDeque<LiveViewItem>,
    total: LiveViewStats,
    first: Option<Instant>,
    /// The interval's counts and when it started (the first input, or the last interval's end).
    interval: IntervalStats,
    interval_start: Option<Instant>,
}

impl Default for LiveViewStream {
    fn default() -> Self {
        Self::new(DeframerConfig::DEFAULT_MAX_LIVE_VIEW_LEN)
    }
}

impl LiveViewStream {
    /// A reader refusing frames longer than `max_frame_len` bytes (header included).
    #[must_use]
    pub fn new(max_frame_len: u32) -> Self {
        Self {
            deframer: Deframer::new(DeframerConfig {
                framing: Framing::FujiLiveView,
                dialect: Dialect::Fuji,
                max_live_view_len: max_frame_len,
                ..DeframerConfig::default()
            }),
            items: VecDeque::new(),
            total: LiveViewStats::default(),
            first: None,
            interval: IntervalStats::default(),
            interval_start: None,
        }
    }

    /// Feeds bytes read at `now`. An error (a frame length below 18 or above the limit) is fatal:
    /// the stream's framing is lost, and every later call returns it again.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) -> Result<(), DecodeError> {
        self.interval_start.get_or_insert(now);
        self.deframer.extend_from_slice(bytes);
        while let Some(frame) = self.deframer.next_frame()? {
            let Frame::LiveView(mut f) = frame else {
                continue;
            };
            match check_jpeg(&f.jpeg) {
                Ok(padding) => {
                    let len = f.jpeg.len() - padding;
                    f.jpeg = f.jpeg.slice(..len);
                    let t = &mut self.total;
                    t.frames += 1;
                    t.bytes += len as u64;
                    t.padded += u64::from(padding > 0);
                    t.span = now.saturating_duration_since(*self.first.get_or_insert(now));
                    self.interval.frames += 1;
                    self.items.push_back(LiveViewItem::Frame(f));
                }
                Err(problem) => {
                    self.total.broken += 1;
                    self.interval.broken += 1;
                    self.items.push_back(LiveViewItem::Broken {
                        number: f.frame_number(),
                        len: f.encoded_len(),
                        problem,
                    });
                }
            }
        }
        Ok(())
    }

    /// The next frame (or broken frame) read.
    pub fn poll(&mut self) -> Option<LiveViewItem> {
        self.items.pop_front()
    }

    /// Bytes of a frame still incomplete.
    #[must_use]
    pub fn buffered_len(&self) -> usize {
        self.deframer.buffered_len()
    }

    /// The counts since the stream started.
    #[must_use]
    pub const fn stats(&self) -> LiveViewStats {
        self.total
    }

    /// The counts since the previous call (or the first input), up to `now`; starts a new
    /// interval. What a viewer prints every second or so.
    pub fn take_interval(&mut self, now: Instant) -> IntervalStats {
        let start = self.interval_start.unwrap_or(now);
        let mut s = std::mem::take(&mut self.interval);
        s.elapsed = now.saturating_duration_since(start);
        self.interval_start = Some(now);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: u8, jpeg: &[u8]) -> Vec<u8> {
        let mut header = [0u8; 14];
        header[4] = n;
        let mut out = Vec::new();
        LiveViewFrame {
            header,
            jpeg: bytes::Bytes::copy_from_slice(jpeg),
        }
        .encode(&mut out);
        out
    }

    /// The frame from a real body (petabyt/vcam `bin/fuji/lv_stream`).
    const LV_STREAM: &[u8] = include_bytes!("../../tests/fixtures/lv_stream");

    #[test]
    fn the_real_frame_runs_from_soi_to_eoi() {
        let mut s = LiveViewStream::default();
        let t0 = Instant::now();
        // Split anywhere.
        for piece in LV_STREAM.chunks(1000) {
            s.handle_input(t0, piece).unwrap();
        }
        let Some(LiveViewItem::Frame(f)) = s.poll() else {
            panic!("no frame")
        };
        assert!(f.jpeg.starts_with(&[0xFF, 0xD8]) && f.jpeg.ends_with(&[0xFF, 0xD9]));
        assert_eq!(f.jpeg.len(), LV_STREAM.len() - LiveViewFrame::JPEG_OFFSET);
        assert_eq!(s.poll(), None);
        assert_eq!(s.stats().frames, 1);
        assert_eq!(check_jpeg(&f.jpeg), Ok(0));
    }

    #[test]
    fn broken_frames_are_reported_and_counted_and_the_rate_measured() {
        let good = [0xFF, 0xD8, 1, 2, 0xFF, 0xD9];
        let mut s = LiveViewStream::default();
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut wire = frame(0, &good);
        wire.extend(frame(1, &[0xFF, 0xD8, 1, 2, 3])); // cut short: no EOI
        wire.extend(frame(2, &[0x00, 0xD8, 0xFF, 0xD9])); // no SOI
        wire.extend(frame(3, &[]));
        s.handle_input(ms(0), &wire).unwrap();
        s.handle_input(ms(100), &frame(4, &[0xFF, 0xD8, 9, 0xFF, 0xD9, 0, 0]))
            .unwrap();
        s.handle_input(ms(200), &frame(5, &good)).unwrap();
        let items: Vec<LiveViewItem> = std::iter::from_fn(|| s.poll()).collect();
        let problems: Vec<Option<FrameProblem>> = items
            .iter()
            .map(|i| match i {
                LiveViewItem::Frame(_) => None,
                LiveViewItem::Broken { problem, .. } => Some(*problem),
            })
            .collect();
        assert_eq!(
            problems,
            [
                None,
                Some(FrameProblem::NoEndOfImage),
                Some(FrameProblem::NoStartOfImage),
                Some(FrameProblem::Empty),
                None,
                None
            ]
        );
        // The padding after the EOI is cut off.
        let LiveViewItem::Frame(padded) = &items[4] else {
            panic!()
        };
        assert_eq!(&padded.jpeg[..], &[0xFF, 0xD8, 9, 0xFF, 0xD9]);
        let st = s.stats();
        assert_eq!((st.frames, st.broken, st.padded), (3, 3, 1));
        assert_eq!(st.span, Duration::from_millis(200));
        assert_eq!(st.rate(), Some(10.0));
        let i = s.take_interval(ms(500));
        assert_eq!(
            (i.frames, i.broken, i.elapsed),
            (3, 3, Duration::from_millis(500))
        );
        assert_eq!(i.rate(), Some(6.0));
        assert_eq!(s.take_interval(ms(1500)).rate(), Some(0.0));
        // A length below the header is fatal.
        let mut bad = LiveViewStream::default();
        assert!(
            bad.handle_input(t0, &[4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
                .is_err()
        );
        assert_eq!(LiveViewStream::default().take_interval(t0).rate(), None);
    }
}
