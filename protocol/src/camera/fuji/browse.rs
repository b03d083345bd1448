//! Browsing the virtual body's card: handles 1 to N, sizes that are placeholders unless 0xD227
//! is 1, small copies with 0xD226, partial reads, thumbnails, and the multiple transfer.

use super::body::{CARD_STORAGE, FujiPersonality};
use super::{FujiCamera, data_reply, respond};
use crate::camera::{Object, ObjectContent, sample};
use crate::ptp::codes::{OperationCode, ResponseCode};
use crate::ptp::dataset::{ObjectHandle, ObjectInfo, StorageId};
use crate::responder::{Reply, Request, Response};

/// The ObjectCompressedSize a body reports unless 0xD227 is 1 (hkr's dump; a placeholder).
pub(super) const PLACEHOLDER_SIZE: u32 = 0x19000;

/// Width of the small copies 0xD226 selects.
const SMALL_WIDTH: u16 = 320;
/// Height of the small copies.
const SMALL_HEIGHT: u16 = 240;

impl FujiCamera {
    /// 0xD222: the pictures a client may read.
    pub(super) fn object_count(&self) -> u32 {
        if !self.card_visible() {
            return 0;
        }
        let s = self.body.lock();
        let n = match s.personality {
            FujiPersonality::Receive => usize::from(s.transfer_pending()),
            _ => s.card.len(),
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The picture at `handle`, and its data as served now (the small copy with 0xD226).
    fn picture(&self, handle: u32) -> Option<(Object, ObjectContent)> {
        if !self.card_visible() {
            return None;
        }
        let s = self.body.lock();
        let index = match s.personality {
            FujiPersonality::Receive if handle == 1 && s.transfer_pending() => s.transfer_next,
            FujiPersonality::Receive => return None,
            _ => usize::try_from(handle).ok()?.checked_sub(1)?,
        };
        let o = s.card.get(index)?.clone();
        let content = if self.small {
            ObjectContent::Bytes(sample::sample_jpeg(handle, SMALL_WIDTH, SMALL_HEIGHT))
        } else {
            o.content.clone()
        };
        Some((o, content))
    }

    /// The ObjectInfo a client sees: the placeholder size unless 0xD227 is 1.
    fn info(&self, object: &Object, content: &ObjectContent) -> ObjectInfo {
        let mut info = object.info();
        info.storage_id = CARD_STORAGE;
        info.object_compressed_size = if self.true_size || self.small {
            u32::try_from(content.len()).unwrap_or(u32::MAX)
        } else {
            PLACEHOLDER_SIZE
        };
        if self.small {
            info.image_pix_width = u32::from(SMALL_WIDTH);
            info.image_pix_height = u32::from(SMALL_HEIGHT);
        }
        info
    }

    /// Multiple transfer: the picture at handle 1 has been read to its end; the next one takes
    /// its place.
    fn transferred(&self, handle: u32) {
        let mut s = self.body.lock();
        if s.personality == FujiPersonality::Receive && handle == 1 && s.transfer_pending() {
            s.transfer_next += 1;
        }
    }

    /// The object operations.
    pub(super) fn browse(&mut self, request: &Request) -> Reply {
        let p = |n| request.params.get(n).unwrap_or(0);
        match request.code {
            OperationCode::GET_STORAGE_IDS => {
                let ids: Vec<StorageId> = if self.card_visible() {
                    vec![CARD_STORAGE]
                } else {
                    Vec::new()
                };
                data_reply(StorageId::array_to_bytes(&ids))
            }
            OperationCode::GET_OBJECT_HANDLES => {
                if !self.card_visible() {
                    return respond(ResponseCode::OPERATION_NOT_SUPPORTED);
                }
                let handles: Vec<ObjectHandle> =
                    (1..=self.object_count()).map(ObjectHandle).collect();
                data_reply(ObjectHandle::array_to_bytes(&handles))
            }
            code => {
                let handle = p(1);
                let Some((object, content)) = self.picture(handle) else {
                    return respond(ResponseCode::INVALID_OBJECT_HANDLE);
                };
                match code {
                    OperationCode::GET_OBJECT_INFO => {
                        data_reply(self.info(&object, &content).to_bytes())
                    }
                    OperationCode::GET_THUMB => match &object.thumbnail {
                        Some(t) => data_reply(t.jpeg.clone()),
                        None => respond(ResponseCode::NO_THUMBNAIL_PRESENT),
                    },
                    OperationCode::GET_OBJECT => {
                        self.transferred(handle);
                        Reply::Data {
                            source: content.open(),
                            response: Response::OK,
                        }
                    }
                    _ => {
                        // GetPartialObject(handle, offset, max): the response says how much.
                        let len = content.len();
                        let offset = u64::from(p(2)).min(len);
                        let n = (len - offset).min(u64::from(p(3)));
                        if offset + n == len {
                            self.transferred(handle);
                        }
                        Reply::Data {
                            source: content.open_range(offset, n),
                            response: Response::with_params(
                                ResponseCode::OK,
                                &[u32::try_from(n).unwrap_or(u32::MAX)],
                            ),
                        }
                    }
                }
            }
        }
    }
}
