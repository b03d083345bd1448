//! Object data: where the bytes of an object come from, and the [`DataSource`]s that send them.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use super::boxed;
use crate::responder::{DataSource, PatternSource};

/// Opens a fresh [`DataSource`] for an object's data, each time the data is asked for. A transport
/// crate can serve a file from disk this way; the source must yield exactly the length given with
/// the factory (a shorter one ends the connection with a data-length error).
pub type ContentFactory = Arc<dyn Fn() -> Box<dyn DataSource> + Send + Sync>;

/// The data of an object.
#[derive(Clone)]
pub enum ObjectContent {
    /// Bytes in memory.
    Bytes(Bytes),
    /// `len` bytes of the [`PatternSource`] pattern, generated as they are sent: a large object
    /// in constant memory.
    Pattern(u64),
    /// A source opened on demand.
    Factory {
        /// The object's size.
        len: u64,
        /// Opens the data.
        open: ContentFactory,
    },
}

impl fmt::Debug for ObjectContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bytes(b) => f.debug_tuple("Bytes").field(&b.len()).finish(),
            Self::Pattern(n) => f.debug_tuple("Pattern").field(n).finish(),
            Self::Factory { len, .. } => f.debug_struct("Factory").field("len", len).finish(),
        }
    }
}

impl From<Bytes> for ObjectContent {
    fn from(b: Bytes) -> Self {
        Self::Bytes(b)
    }
}

impl From<Vec<u8>> for ObjectContent {
    fn from(v: Vec<u8>) -> Self {
        Self::Bytes(Bytes::from(v))
    }
}

impl From<&'static [u8]> for ObjectContent {
    fn from(v: &'static [u8]) -> Self {
        Self::Bytes(Bytes::from_static(v))
    }
}

impl ObjectContent {
    /// No data (folders).
    pub const EMPTY: Self = Self::Bytes(Bytes::new());

    /// Content of `len` bytes opened by `open`.
    pub fn factory(
        len: u64,
        open: impl Fn() -> Box<dyn DataSource> + Send + Sync + 'static,
    ) -> Self {
        Self::Factory {
            len,
            open: Arc::new(open),
        }
    }

    /// The size in bytes.
    #[must_use]
    pub fn len(&self) -> u64 {
        match self {
            Self::Bytes(b) => b.len() as u64,
            Self::Pattern(n) | Self::Factory { len: n, .. } => *n,
        }
    }

    /// Whether there is no data.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A source for all the data.
    #[must_use]
    pub fn open(&self) -> Box<dyn DataSource> {
        match self {
            Self::Bytes(b) => boxed(b.clone()),
            Self::Pattern(n) => boxed(PatternSource::new(*n)),
            Self::Factory { .. } => self.open_range(0, self.len()),
        }
    }

    /// A source for `len` bytes from `offset`, both clipped to the data.
    #[must_use]
    pub fn open_range(&self, offset: u64, len: u64) -> Box<dyn DataSource> {
        let total = self.len();
        let offset = offset.min(total);
        let len = len.min(total - offset);
        match self {
            Self::Bytes(b) => {
                // Both bounds are within `b`, whose length fits in usize.
                let start = offset as usize;
                boxed(b.slice(start..start + len as usize))
            }
            Self::Pattern(n) => boxed(RangeSource {
                inner: Box::new(PatternSource::new(*n)),
                skip: offset,
                left: len,
            }),
            Self::Factory { open, .. } => boxed(RangeSource {
                inner: open(),
                skip: offset,
                left: len,
            }),
        }
    }
}

/// `left` bytes of another source after skipping `skip`.
struct RangeSource {
    inner: Box<dyn DataSource>,
    skip: u64,
    left: u64,
}

impl DataSource for RangeSource {
    fn len(&self) -> Option<u64> {
        Some(self.left)
    }

    fn next_piece(&mut self, max: usize) -> Bytes {
        if self.skip > 0 {
            let skipped = self.inner.skip(self.skip);
            if skipped < self.skip {
                // The source ended early: so does this one (the responder reports the shortfall).
                self.left = 0;
            }
            self.skip = 0;
        }
        let want = usize::try_from(self.left).map_or(max, |n| n.min(max));
        if want == 0 {
            return Bytes::new();
        }
        let mut piece = self.inner.next_piece(want);
        // A source that hands out more than asked is cut to what is left.
        piece.truncate(want);
        self.left -= piece.len() as u64;
        piece
    }
}

#[cfg(test)]
mod skip_tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    /// A source that counts the bytes it is asked to read and to skip.
    struct Counting {
        inner: PatternSource,
        read: Arc<AtomicU64>,
    }

    impl DataSource for Counting {
        fn len(&self) -> Option<u64> {
            self.inner.len()
        }

        fn next_piece(&mut self, max: usize) -> Bytes {
            let p = self.inner.next_piece(max);
            self.read.fetch_add(p.len() as u64, Ordering::SeqCst);
            p
        }

        fn skip(&mut self, n: u64) -> u64 {
            self.inner.skip(n)
        }
    }

    #[test]
    fn a_range_far_inside_skips_without_reading() {
        let read = Arc::new(AtomicU64::new(0));
        let r = read.clone();
        let content = ObjectContent::factory(1 << 30, move || {
            Box::new(Counting {
                inner: PatternSource::new(1 << 30),
                read: r.clone(),
            })
        });
        let mut src = content.open_range((1 << 30) - 10, 100);
        assert_eq!(src.len(), Some(10));
        let piece = src.next_piece(100);
        let start = (1u64 << 30) - 10;
        let expected: Vec<u8> = (start..start + 10).map(PatternSource::byte_at).collect();
        assert_eq!(&piece[..], &expected[..]);
        assert_eq!(read.load(Ordering::SeqCst), 10, "only the range was read");
    }

    #[test]
    fn the_default_skip_reads_and_drops() {
        let mut b = PatternRangeFree(PatternSource::new(100));
        assert_eq!(b.skip(30), 30);
        assert_eq!(b.next_piece(1)[0], PatternSource::byte_at(30));
        assert_eq!(b.skip(500), 69);
    }

    /// A source without its own `skip`, to exercise the default.
    struct PatternRangeFree(PatternSource);

    impl DataSource for PatternRangeFree {
        fn len(&self) -> Option<u64> {
            self.0.len()
        }

        fn next_piece(&mut self, max: usize) -> Bytes {
            self.0.next_piece(max)
        }
    }
}
