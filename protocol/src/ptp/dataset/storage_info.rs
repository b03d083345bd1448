//! StorageInfo (ISO 15740 §5.5.3): the GetStorageInfo data phase.

use super::{Tail, decode_tolerant, decode_whole};
use crate::encode::Encode;
use crate::error::{self, DecodeError, DecodeResult};
use crate::ptp::codes::{AccessCapability, FilesystemType, StorageType};
use crate::ptp::string::PtpString;
use crate::quirk::{Quirk, ReadAs, Tolerant};
use crate::wire::{self, PutLe};

const CONTEXT: &str = "StorageInfo";

/// StorageInfo: one store's kind, capacity and labels.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct StorageInfo {
    /// StorageType: fixed or removable, ROM or RAM.
    pub storage_type: StorageType,
    /// FilesystemType: how objects are organised.
    pub filesystem_type: FilesystemType,
    /// AccessCapability: what the initiator may do.
    pub access_capability: AccessCapability,
    /// MaxCapacity, in bytes.
    pub max_capacity: u64,
    /// FreeSpaceInBytes.
    pub free_space_in_bytes: u64,
    /// FreeSpaceInImages: 0xFFFFFFFF when the device does not say.
    pub free_space_in_images: u32,
    /// StorageDescription.
    pub storage_description: PtpString,
    /// VolumeLabel.
    pub volume_label: PtpString,
}

impl StorageInfo {
    /// Bytes of the fixed fields before the two strings.
    const FIXED_LEN: usize = 2 + 2 + 2 + 8 + 8 + 4;

    /// The fields a lenient decode may find missing, in wire order.
    const OPTIONAL: &'static [&'static str] = &["StorageDescription", "VolumeLabel"];

    /// Reads one StorageInfo from the front of `i`.
    pub fn parse(i: &[u8]) -> DecodeResult<'_, Self> {
        let (i, (info, _)) = error::with_context(Self::parse_fields(i, false), CONTEXT)?;
        Ok((i, info))
    }

    /// Reads the fields; `lenient` lets the input end before any of [`Self::OPTIONAL`].
    fn parse_fields(i: &[u8], lenient: bool) -> DecodeResult<'_, (Self, Option<Quirk>)> {
        let (i, storage_type) = wire::u16_le(i, "StorageType")?;
        let (i, filesystem_type) = wire::u16_le(i, "FilesystemType")?;
        let (i, access_capability) = wire::u16_le(i, "AccessCapability")?;
        let (i, max_capacity) = wire::u64_le(i, "MaxCapacity")?;
        let (i, free_space_in_bytes) = wire::u64_le(i, "FreeSpaceInBytes")?;
        let (i, free_space_in_images) = wire::u32_le(i, "FreeSpaceInImages")?;
        let mut tail = Tail::new(i, lenient, Self::OPTIONAL);
        let mut string = |field| {
            tail.field(|i| PtpString::parse(i, field))
                .map(Option::unwrap_or_default)
        };
        let storage_description = string("StorageDescription")?;
        let volume_label = string("VolumeLabel")?;
        let (i, missing) = tail.finish(CONTEXT, ReadAs::Empty);
        let info = Self {
            storage_type: StorageType(storage_type),
            filesystem_type: FilesystemType(filesystem_type),
            access_capability: AccessCapability(access_capability),
            max_capacity,
            free_space_in_bytes,
            free_space_in_images,
            storage_description,
            volume_label,
        };
        Ok((i, (info, missing)))
    }

    /// Decodes a whole GetStorageInfo data phase; trailing bytes are an error.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode_whole(bytes, CONTEXT, "VolumeLabel", Self::parse)
    }

    /// Decodes a GetStorageInfo data phase as real cameras send it: it may end after
    /// FreeSpaceInImages (the two strings then read as empty) and may have bytes after VolumeLabel
    /// (ignored). Each tolerance is named in the result; see
    /// [the module docs](super#lenient-decoding).
    pub fn decode_lenient(bytes: &[u8]) -> Result<Tolerant<Self>, DecodeError> {
        decode_tolerant(bytes, CONTEXT, |i| Self::parse_fields(i, true))
    }
}

impl Encode for StorageInfo {
    /// Bytes on the wire.
    fn encoded_len(&self) -> usize {
        Self::FIXED_LEN + self.storage_description.encoded_len() + self.volume_label.encoded_len()
    }

    /// Appends the wire form.
    fn encode(&self, out: &mut Vec<u8>) {
        out.put_u16_le(self.storage_type.0);
        out.put_u16_le(self.filesystem_type.0);
        out.put_u16_le(self.access_capability.0);
        out.put_u64_le(self.max_capacity);
        out.put_u64_le(self.free_space_in_bytes);
        out.put_u32_le(self.free_space_in_images);
        self.storage_description.write(out);
        self.volume_label.write(out);
    }
}
