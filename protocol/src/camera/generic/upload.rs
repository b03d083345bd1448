//! Objects from the initiator: SendObjectInfo announces one (a folder is made at once), and
//! SendObject delivers its data.

use bytes::Bytes;

use super::{Change, VirtualCamera, generated_thumbnail};
use crate::camera::{CameraError, Object, ObjectContent, ObjectStore, Parent, param};
use crate::ptp::codes::ResponseCode;
use crate::ptp::dataset::{ObjectHandle, ObjectInfo, StorageId};
use crate::responder::{Request, Response};
use crate::types::SessionId;

/// An object announced by SendObjectInfo, waiting for its SendObject.
#[derive(Debug)]
pub(super) struct PendingObject {
    pub(super) object: Object,
    /// ObjectCompressedSize from the ObjectInfo: what SendObject must deliver.
    pub(super) len: u64,
    pub(super) session: Option<SessionId>,
}

impl VirtualCamera {
    /// SendObjectInfo's data: checks the destination and the size, allocates the handle. Folders
    /// are created at once; other objects wait for SendObject.
    pub(super) fn send_object_info(
        &mut self,
        request: &Request,
        data: &[u8],
    ) -> Result<Response, ResponseCode> {
        let info = ObjectInfo::decode(data).map_err(|_| ResponseCode::PTP_INVALID_DATASET)?;
        let (storage, parent) = (param(request, 1), param(request, 2));
        let parent = match parent {
            0 | ObjectStore::ALL => {
                let storage = match storage {
                    0 => self.store.storages().first().map(|s| s.id),
                    s => Some(StorageId(s)),
                };
                Parent::Root(storage.ok_or(ResponseCode::STORE_NOT_AVAILABLE)?)
            }
            h => Parent::Folder(ObjectHandle(h)),
        };
        let (sid, parent_handle) = self.store.resolve(parent).map_err(|e| match e {
            CameraError::NoSuchStorage(_) => ResponseCode::INVALID_STORAGE_ID,
            _ => ResponseCode::INVALID_PARENT_OBJECT,
        })?;
        if storage != 0 && storage != sid.0 {
            return Err(ResponseCode::INVALID_PARENT_OBJECT);
        }
        if !self.store.storage(sid).is_some_and(|s| s.is_writable()) {
            return Err(ResponseCode::STORE_READ_ONLY);
        }
        let len = u64::from(info.object_compressed_size);
        if len > self.max_object_len || len > self.store.free(sid) {
            return Err(ResponseCode::STORE_FULL);
        }
        if info.filename.is_empty() {
            return Err(ResponseCode::PTP_INVALID_DATASET);
        }
        let handle = self
            .store
            .allocate()
            .map_err(|_| ResponseCode::STORE_FULL)?;
        let content = ObjectContent::EMPTY;
        let mut object = self
            .store
            .prepare(
                handle,
                parent,
                info.filename.as_str(),
                info.object_format,
                content,
            )
            .map_err(|_| ResponseCode::PTP_INVALID_DATASET)?;
        object.protection = info.protection_status;
        object.image_size = (info.image_pix_width, info.image_pix_height);
        object.bit_depth = info.image_bit_depth;
        object.capture_date = info.capture_date;
        object.modification_date = info.modification_date;
        object.keywords = info.keywords;
        if object.format.is_image() {
            object.thumbnail = Some(generated_thumbnail(handle.0));
        }
        let reported_parent = if parent_handle == ObjectHandle::NONE {
            ObjectStore::ALL
        } else {
            parent_handle.0
        };
        let response = Response::with_params(ResponseCode::OK, &[sid.0, reported_parent, handle.0]);
        if object.is_folder() {
            self.store.insert(object);
            self.record(Change::Added(handle));
            self.pending = None;
        } else {
            self.pending = Some(PendingObject {
                object,
                len,
                session: request.session,
            });
        }
        Ok(response)
    }

    /// SendObject's data: stores it as the object SendObjectInfo announced.
    pub(super) fn send_object(&mut self, request: &Request, data: Option<Vec<u8>>) -> ResponseCode {
        let Some(pending) = self.pending.take_if(|p| p.session == request.session) else {
            return ResponseCode::NO_VALID_OBJECT_INFO;
        };
        let data = match data {
            Some(d) if d.len() as u64 == pending.len => d,
            _ => {
                // Keep the announcement: the initiator may send the object again.
                self.pending = Some(pending);
                return ResponseCode::INCOMPLETE_TRANSFER;
            }
        };
        let storage = pending.object.storage;
        if pending.len > self.store.free(storage) {
            return ResponseCode::STORE_FULL;
        }
        let object = Object {
            content: ObjectContent::Bytes(Bytes::from(data)),
            ..pending.object
        };
        let handle = object.handle;
        self.store.insert(object);
        self.record(Change::Added(handle));
        ResponseCode::OK
    }
}
