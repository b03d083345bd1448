//! Storages and the object tree of a virtual camera.

use std::collections::BTreeMap;

use bytes::Bytes;

use super::{CameraError, ObjectContent};
use crate::ptp::codes::{
    AccessCapability, AssociationType, FilesystemType, ObjectFormatCode, ProtectionStatus,
    ResponseCode, StorageType,
};
use crate::ptp::dataset::{ObjectHandle, ObjectInfo, StorageId, StorageInfo};
use crate::ptp::string::PtpString;

/// One store (a memory card, say).
#[derive(Clone, Debug)]
pub struct Storage {
    /// Its id: physical store in the high 16 bits, logical store (never 0) in the low 16.
    pub id: StorageId,
    /// StorageType.
    pub storage_type: StorageType,
    /// FilesystemType.
    pub filesystem_type: FilesystemType,
    /// AccessCapability: read-only stores refuse SendObjectInfo, DeleteObject and capture.
    pub access: AccessCapability,
    /// MaxCapacity in bytes; FreeSpaceInBytes is this less the objects' sizes.
    pub capacity: u64,
    /// StorageDescription.
    pub description: PtpString,
    /// VolumeLabel.
    pub volume_label: PtpString,
}

impl Storage {
    /// Whether objects may be added.
    #[must_use]
    pub fn is_writable(&self) -> bool {
        self.access == AccessCapability::READ_WRITE
    }

    /// Whether objects may be deleted.
    #[must_use]
    pub fn allows_deletion(&self) -> bool {
        self.access != AccessCapability::READ_ONLY_WITHOUT_DELETION
    }
}

/// A thumbnail: a JPEG and its size in pixels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thumbnail {
    /// The JPEG.
    pub jpeg: Bytes,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// One object: a file or a folder (an association).
#[derive(Clone, Debug)]
pub struct Object {
    /// Its handle.
    pub handle: ObjectHandle,
    /// The store holding it.
    pub storage: StorageId,
    /// The folder holding it, [`ObjectHandle::NONE`] at the top level.
    pub parent: ObjectHandle,
    /// Filename.
    pub name: PtpString,
    /// ObjectFormat ([`ObjectFormatCode::ASSOCIATION`] for folders).
    pub format: ObjectFormatCode,
    /// AssociationType (GenericFolder for folders).
    pub association: AssociationType,
    /// The data (empty for folders).
    pub content: ObjectContent,
    /// The thumbnail, if any (GetThumb).
    pub thumbnail: Option<Thumbnail>,
    /// ImagePixWidth and ImagePixHeight (0 when unknown).
    pub image_size: (u32, u32),
    /// ImageBitDepth (0 when unknown).
    pub bit_depth: u32,
    /// ProtectionStatus: read-only objects cannot be deleted.
    pub protection: ProtectionStatus,
    /// CaptureDate (empty: unknown).
    pub capture_date: PtpString,
    /// ModificationDate (empty: unknown).
    pub modification_date: PtpString,
    /// Keywords.
    pub keywords: PtpString,
}

impl Object {
    /// Whether this is a folder.
    #[must_use]
    pub fn is_folder(&self) -> bool {
        self.format == ObjectFormatCode::ASSOCIATION
    }

    /// Its ObjectInfo dataset.
    #[must_use]
    pub fn info(&self) -> ObjectInfo {
        let (thumb_format, thumb_size, thumb_w, thumb_h) = match &self.thumbnail {
            Some(t) => (ObjectFormatCode::JFIF, t.jpeg.len(), t.width, t.height),
            None => (ObjectFormatCode(0), 0, 0, 0),
        };
        ObjectInfo {
            storage_id: self.storage,
            object_format: self.format,
            protection_status: self.protection,
            // Objects of 4 GiB or more say 0xFFFFFFFF, as MTP devices do.
            object_compressed_size: u32::try_from(self.content.len()).unwrap_or(u32::MAX),
            thumb_format,
            thumb_compressed_size: u32::try_from(thumb_size).unwrap_or(u32::MAX),
            thumb_pix_width: thumb_w,
            thumb_pix_height: thumb_h,
            image_pix_width: self.image_size.0,
            image_pix_height: self.image_size.1,
            image_bit_depth: self.bit_depth,
            parent_object: self.parent,
            association_type: self.association,
            association_desc: 0,
            sequence_number: 0,
            filename: self.name.clone(),
            capture_date: self.capture_date.clone(),
            modification_date: self.modification_date.clone(),
            keywords: self.keywords.clone(),
        }
    }
}

/// Where a new object goes: the top level of a store, or a folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parent {
    /// The top level of the store.
    Root(StorageId),
    /// Inside this folder (on its store).
    Folder(ObjectHandle),
}

impl From<StorageId> for Parent {
    fn from(id: StorageId) -> Self {
        Self::Root(id)
    }
}

impl From<ObjectHandle> for Parent {
    fn from(h: ObjectHandle) -> Self {
        Self::Folder(h)
    }
}

/// The storages and objects of a camera. Handles count up from 1 and are never reused.
#[derive(Clone, Debug)]
pub struct ObjectStore {
    storages: Vec<Storage>,
    objects: BTreeMap<ObjectHandle, Object>,
    next_handle: u32,
}

impl Default for ObjectStore {
    fn default() -> Self {
        Self::new()
    }
}

impl ObjectStore {
    /// The GetObjectHandles parameter for "every store", and for "top level only" as parent.
    pub const ALL: u32 = 0xFFFF_FFFF;

    /// No storages, no objects.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            storages: Vec::new(),
            objects: BTreeMap::new(),
            next_handle: 1,
        }
    }

    /// Adds a removable read-write store of `capacity` bytes described as `description`; its id is
    /// 0x00010001 for the first store, 0x00020001 for the second and so on (the logical part is
    /// never 0: gphoto2 skips such ids).
    pub fn add_storage(
        &mut self,
        description: &str,
        capacity: u64,
    ) -> Result<StorageId, CameraError> {
        let n =
            u16::try_from(self.storages.len() + 1).map_err(|_| CameraError::StoragesExhausted)?;
        let id = StorageId::from_parts(n, 1);
        let description = PtpString::new(description).map_err(CameraError::BadName)?;
        self.storages.push(Storage {
            id,
            storage_type: StorageType::REMOVABLE_RAM,
            filesystem_type: FilesystemType::GENERIC_HIERARCHICAL,
            access: AccessCapability::READ_WRITE,
            capacity,
            volume_label: description.clone(),
            description,
        });
        Ok(id)
    }

    /// The stores.
    #[must_use]
    pub fn storages(&self) -> &[Storage] {
        &self.storages
    }

    /// One store.
    #[must_use]
    pub fn storage(&self, id: StorageId) -> Option<&Storage> {
        self.storages.iter().find(|s| s.id == id)
    }

    /// One store, to change its access or labels.
    pub fn storage_mut(&mut self, id: StorageId) -> Option<&mut Storage> {
        self.storages.iter_mut().find(|s| s.id == id)
    }

    /// Bytes used on a store.
    #[must_use]
    pub fn used(&self, id: StorageId) -> u64 {
        self.objects
            .values()
            .filter(|o| o.storage == id)
            .map(|o| o.content.len())
            .fold(0, u64::saturating_add)
    }

    /// Bytes free on a store (0 for an unknown store).
    #[must_use]
    pub fn free(&self, id: StorageId) -> u64 {
        self.storage(id)
            .map_or(0, |s| s.capacity.saturating_sub(self.used(id)))
    }

    /// The StorageInfo of a store.
    #[must_use]
    pub fn storage_info(&self, id: StorageId) -> Option<StorageInfo> {
        let s = self.storage(id)?;
        Some(StorageInfo {
            storage_type: s.storage_type,
            filesystem_type: s.filesystem_type,
            access_capability: s.access,
            max_capacity: s.capacity,
            free_space_in_bytes: self.free(id),
            // "Not used": the free space in bytes is what counts.
            free_space_in_images: 0xFFFF_FFFF,
            storage_description: s.description.clone(),
            volume_label: s.volume_label.clone(),
        })
    }

    /// The number of objects.
    #[must_use]
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether there are no objects.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// Every object, by handle.
    pub fn objects(&self) -> impl Iterator<Item = &Object> {
        self.objects.values()
    }

    /// One object.
    #[must_use]
    pub fn object(&self, handle: ObjectHandle) -> Option<&Object> {
        self.objects.get(&handle)
    }

    /// One object, to change its metadata.
    pub fn object_mut(&mut self, handle: ObjectHandle) -> Option<&mut Object> {
        self.objects.get_mut(&handle)
    }

    /// The store and parent handle `parent` stands for.
    pub fn resolve(&self, parent: Parent) -> Result<(StorageId, ObjectHandle), CameraError> {
        match parent {
            Parent::Root(id) => self
                .storage(id)
                .map(|s| (s.id, ObjectHandle::NONE))
                .ok_or(CameraError::NoSuchStorage(id)),
            Parent::Folder(h) => match self.object(h) {
                Some(o) if o.is_folder() => Ok((o.storage, h)),
                Some(_) => Err(CameraError::NotAFolder(h)),
                None => Err(CameraError::NoSuchObject(h)),
            },
        }
    }

    /// The object named `name` directly in `parent`, if any.
    #[must_use]
    pub fn child(&self, parent: Parent, name: &str) -> Option<ObjectHandle> {
        let (storage, parent) = self.resolve(parent).ok()?;
        self.objects
            .values()
            .find(|o| o.storage == storage && o.parent == parent && o.name.as_str() == name)
            .map(|o| o.handle)
    }

    /// Takes the next handle.
    pub(super) fn allocate(&mut self) -> Result<ObjectHandle, CameraError> {
        // 0 means "no object" and 0xFFFFFFFF "all objects": neither is a handle.
        if self.next_handle == u32::MAX {
            return Err(CameraError::HandlesExhausted);
        }
        let h = ObjectHandle(self.next_handle);
        self.next_handle += 1;
        Ok(h)
    }

    /// A new object record for `content` under `parent`, not yet inserted; checks the parent, the
    /// name and the free space.
    pub(super) fn prepare(
        &self,
        handle: ObjectHandle,
        parent: Parent,
        name: &str,
        format: ObjectFormatCode,
        content: ObjectContent,
    ) -> Result<Object, CameraError> {
        let (storage, parent) = self.resolve(parent)?;
        let name = PtpString::new(name).map_err(CameraError::BadName)?;
        let free = self.free(storage);
        if content.len() > free {
            return Err(CameraError::StoreFull {
                storage,
                needed: content.len(),
                free,
            });
        }
        let folder = format == ObjectFormatCode::ASSOCIATION;
        Ok(Object {
            handle,
            storage,
            parent,
            name,
            format,
            association: if folder {
                AssociationType::GENERIC_FOLDER
            } else {
                AssociationType::UNDEFINED
            },
            content,
            thumbnail: None,
            image_size: (0, 0),
            bit_depth: 0,
            protection: ProtectionStatus::NO_PROTECTION,
            capture_date: PtpString::empty(),
            modification_date: PtpString::empty(),
            keywords: PtpString::empty(),
        })
    }

    /// Inserts a prepared object.
    pub(super) fn insert(&mut self, object: Object) {
        self.objects.insert(object.handle, object);
    }

    /// Adds an object under `parent`.
    pub fn add(
        &mut self,
        parent: Parent,
        name: &str,
        format: ObjectFormatCode,
        content: ObjectContent,
    ) -> Result<ObjectHandle, CameraError> {
        let object = self.prepare(ObjectHandle::NONE, parent, name, format, content)?;
        let handle = self.allocate()?;
        self.insert(Object { handle, ..object });
        Ok(handle)
    }

    /// The handles GetObjectHandles returns for its three parameters: `storage` (a StorageID or
    /// 0xFFFFFFFF for all), `format` (0 for all) and `parent` (0 for every object at any depth,
    /// 0xFFFFFFFF for the top level only, otherwise a folder's direct children). Errors are the
    /// response codes to send.
    pub fn select(
        &self,
        storage: u32,
        format: u32,
        parent: u32,
    ) -> Result<Vec<ObjectHandle>, ResponseCode> {
        if storage != Self::ALL && self.storage(StorageId(storage)).is_none() {
            return Err(ResponseCode::INVALID_STORAGE_ID);
        }
        let parent = match parent {
            0 => None,
            Self::ALL => Some(ObjectHandle::NONE),
            h => match self.object(ObjectHandle(h)) {
                Some(o) if o.is_folder() => Some(o.handle),
                Some(_) => return Err(ResponseCode::INVALID_PARENT_OBJECT),
                None => return Err(ResponseCode::INVALID_OBJECT_HANDLE),
            },
        };
        Ok(self
            .objects
            .values()
            .filter(|o| storage == Self::ALL || o.storage.0 == storage)
            .filter(|o| format == 0 || u32::from(o.format.0) == format)
            .filter(|o| parent.is_none_or(|p| o.parent == p))
            .map(|o| o.handle)
            .collect())
    }

    /// An object and, for a folder, everything inside it, the object first; empty for an unknown
    /// handle.
    #[must_use]
    pub fn subtree(&self, handle: ObjectHandle) -> Vec<ObjectHandle> {
        if !self.objects.contains_key(&handle) {
            return Vec::new();
        }
        let mut tree = vec![handle];
        let mut i = 0;
        while i < tree.len() {
            let folder = tree[i];
            tree.extend(
                self.objects
                    .values()
                    .filter(|o| o.parent == folder)
                    .map(|o| o.handle),
            );
            i += 1;
        }
        tree
    }

    /// Removes an object and, for a folder, everything inside it; returns the handles removed,
    /// the object's first.
    pub fn remove(&mut self, handle: ObjectHandle) -> Vec<ObjectHandle> {
        let tree = self.subtree(handle);
        for h in &tree {
            self.objects.remove(h);
        }
        tree
    }
}
