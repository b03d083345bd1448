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
            Self::Pattern(_) => boxed(PatternRange {
                offset,
                end: offset + len,
            }),
            Self::Factory { open, .. } => boxed(RangeSource {
                inner: open(),
                skip: offset,
                left: len,
            }),
        }
    }
}

/// Part of the [`PatternSource`] pattern: bytes `offset..end`.
#[derive(Debug)]
struct PatternRange {
    offset: u64,
    end: u64,
}

impl DataSource for PatternRange {
    fn len(&self) -> Option<u64> {
        Some(self.end - self.offset)
    }

    fn next_piece(&mut self, max: usize) -> Bytes {
        let n = (self.end - self.offset).min(max as u64);
        let piece: Vec<u8> = (self.offset..self.offset + n)
            .map(PatternSource::byte_at)
            .collect();
        self.offset += n;
        Bytes::from(piece)
    }
}

/// `left` bytes of another source after skipping `skip`.
struct RangeSource {
    inner: Box<dyn DataSource>,
    skip: u64,
    left: u64,
}

impl RangeSource {
    /// Pieces read while skipping.
    const SKIP_PIECE: usize = 64 << 10;
}

impl DataSource for RangeSource {
    fn len(&self) -> Option<u64> {
        Some(self.left)
    }

    fn next_piece(&mut self, max: usize) -> Bytes {
        while self.skip > 0 {
            let want =
                usize::try_from(self.skip).map_or(Self::SKIP_PIECE, |n| n.min(Self::SKIP_PIECE));
            let piece = self.inner.next_piece(want);
            if piece.is_empty() {
                // The source ended early: so does this one (the responder reports the shortfall).
                self.skip = 0;
                self.left = 0;
                return Bytes::new();
            }
            // A source that hands out more than asked loses the excess.
            self.skip = self.skip.saturating_sub(piece.len() as u64);
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
