//! Frames from the Fuji live-view port (55742).
//!
//! Each frame is `u32 length` (the whole frame), 14 header bytes (bytes 4–7 zero, byte 8 a wrapping
//! frame counter, the rest undocumented), then a JPEG from offset 18 to the end.

use bytes::Bytes;

use crate::encode::Encode;
use crate::error::{DecodeError, DecodeReason, DecodeResult};
use crate::wire::{self, PutLe};

/// One live-view frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveViewFrame {
    /// The 14 bytes between the length and the JPEG.
    pub header: [u8; 14],
    /// The JPEG image.
    pub jpeg: Bytes,
}

impl LiveViewFrame {
    /// Offset of the JPEG from the start of the frame.
    pub const JPEG_OFFSET: usize = 18;

    /// The counter at byte 8 of the frame, which wraps at 255.
    #[must_use]
    pub const fn frame_number(&self) -> u8 {
        self.header[4]
    }

    /// Whether the image starts with a JPEG start-of-image marker.
    #[must_use]
    pub fn has_jpeg_marker(&self) -> bool {
        self.jpeg.starts_with(&[0xFF, 0xD8])
    }

    /// Decodes one whole frame from `bytes`, sharing the JPEG bytes.
    pub fn decode(bytes: &Bytes) -> Result<Self, DecodeError> {
        let (rest, (len, header)) = frame_prefix(bytes).map_err(|e| match e {
            nom::Err::Error(e) | nom::Err::Failure(e) => e,
            nom::Err::Incomplete(_) => DecodeError::new(
                "Length",
                DecodeReason::Truncated {
                    needed: Self::JPEG_OFFSET as u64,
                    available: bytes.len() as u64,
                },
            )
            .in_context("Fuji live-view frame"),
        })?;
        if len as usize != bytes.len() {
            let reason = if (len as usize) > bytes.len() {
                DecodeReason::Truncated {
                    needed: len.into(),
                    available: bytes.len() as u64,
                }
            } else {
                DecodeReason::TrailingBytes {
                    extra: (bytes.len() - len as usize) as u64,
                }
            };
            return Err(DecodeError::new("Length", reason).in_context("Fuji live-view frame"));
        }
        let offset = bytes.len() - rest.len();
        Ok(Self {
            header,
            jpeg: bytes.slice(offset..),
        })
    }
}

impl Encode for LiveViewFrame {
    /// Bytes on the wire.
    fn encoded_len(&self) -> usize {
        Self::JPEG_OFFSET + self.jpeg.len()
    }

    /// Appends the frame's wire bytes.
    fn encode(&self, out: &mut Vec<u8>) {
        out.put_u32_le(u32::try_from(self.encoded_len()).unwrap_or(u32::MAX));
        out.extend_from_slice(&self.header);
        out.extend_from_slice(&self.jpeg);
    }
}

/// The length and header of a frame, streaming: `Incomplete` before 18 bytes.
fn frame_prefix(i: &[u8]) -> DecodeResult<'_, (u32, [u8; 14])> {
    if i.len() < LiveViewFrame::JPEG_OFFSET {
        return Err(nom::Err::Incomplete(nom::Needed::new(
            LiveViewFrame::JPEG_OFFSET - i.len(),
        )));
    }
    let (i, len) = wire::u32_le(i, "Length")?;
    if (len as usize) < LiveViewFrame::JPEG_OFFSET {
        return Err(nom::Err::Error(
            DecodeError::new(
                "Length",
                DecodeReason::LengthTooSmall {
                    length: len.into(),
                    min: LiveViewFrame::JPEG_OFFSET as u64,
                },
            )
            .in_context("Fuji live-view frame"),
        ));
    }
    let (i, h) = wire::take(i, 14, "Header")?;
    let mut header = [0; 14];
    header.copy_from_slice(h);
    Ok((i, (len, header)))
}

/// Peeks at a frame's length at the front of a stream without consuming: `Incomplete` before 18
/// bytes, an error when the length is below 18.
pub(crate) fn peek_frame_length(i: &[u8]) -> DecodeResult<'_, u32> {
    frame_prefix(i).map(|(_, (len, _))| (i, len))
}
