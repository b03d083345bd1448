//! ObjectInfo (ISO 15740 §5.5.2): the GetObjectInfo and SendObjectInfo data phases.

use super::{ObjectHandle, StorageId, Tail, decode_tolerant, decode_whole};
use crate::encode::Encode;
use crate::error::{self, DecodeError, DecodeResult};
use crate::ptp::codes::{AssociationType, ObjectFormatCode, ProtectionStatus};
use crate::ptp::string::PtpString;
use crate::quirk::{Quirk, ReadAs, Tolerant};
use crate::wire::{self, PutLe};

const CONTEXT: &str = "ObjectInfo";

/// ObjectInfo: one object's format, sizes, place in the association tree and names.
///
/// The dates are PTP strings in the ISO 8601 form `YYYYMMDDThhmmss[.s][Z|±hhmm]` and are kept as text,
/// as sent; an empty string means unknown.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ObjectInfo {
    /// StorageID: the store holding the object.
    pub storage_id: StorageId,
    /// ObjectFormat.
    pub object_format: ObjectFormatCode,
    /// ProtectionStatus.
    pub protection_status: ProtectionStatus,
    /// ObjectCompressedSize, in bytes (0xFFFFFFFF for objects of 4 GiB or more under MTP).
    pub object_compressed_size: u32,
    /// ThumbFormat (0 when there is no thumbnail).
    pub thumb_format: ObjectFormatCode,
    /// ThumbCompressedSize, in bytes.
    pub thumb_compressed_size: u32,
    /// ThumbPixWidth.
    pub thumb_pix_width: u32,
    /// ThumbPixHeight.
    pub thumb_pix_height: u32,
    /// ImagePixWidth.
    pub image_pix_width: u32,
    /// ImagePixHeight.
    pub image_pix_height: u32,
    /// ImageBitDepth.
    pub image_bit_depth: u32,
    /// ParentObject: the association holding this object, [`ObjectHandle::NONE`] at the top level.
    pub parent_object: ObjectHandle,
    /// AssociationType: for association objects, what they group.
    pub association_type: AssociationType,
    /// AssociationDesc: meaning depends on the association type.
    pub association_desc: u32,
    /// SequenceNumber: the object's place in a sequence association.
    pub sequence_number: u32,
    /// Filename.
    pub filename: PtpString,
    /// CaptureDate, as text.
    pub capture_date: PtpString,
    /// ModificationDate, as text.
    pub modification_date: PtpString,
    /// Keywords, as text.
    pub keywords: PtpString,
}

impl ObjectInfo {
    /// Bytes of the fixed fields before the four strings: StorageID to ThumbFormat, the six `u32`
    /// sizes, ParentObject, AssociationType, AssociationDesc, SequenceNumber.
    const FIXED_LEN: usize = (4 + 2 + 2 + 4 + 2) + 6 * 4 + (4 + 2 + 4 + 4);

    /// The fields a lenient decode may find missing, in wire order.
    const OPTIONAL: &'static [&'static str] = &["CaptureDate", "ModificationDate", "Keywords"];

    /// Reads one ObjectInfo from the front of `i`.
    pub fn parse(i: &[u8]) -> DecodeResult<'_, Self> {
        let (i, (info, _)) = error::with_context(Self::parse_fields(i, false), CONTEXT)?;
        Ok((i, info))
    }

    /// Reads the fields; `lenient` lets the input end before any of [`Self::OPTIONAL`].
    fn parse_fields(i: &[u8], lenient: bool) -> DecodeResult<'_, (Self, Option<Quirk>)> {
        let (i, storage_id) = StorageId::parse(i, "StorageID")?;
        let (i, object_format) = wire::u16_le(i, "ObjectFormat")?;
        let (i, protection_status) = wire::u16_le(i, "ProtectionStatus")?;
        let (i, object_compressed_size) = wire::u32_le(i, "ObjectCompressedSize")?;
        let (i, thumb_format) = wire::u16_le(i, "ThumbFormat")?;
        let (i, thumb_compressed_size) = wire::u32_le(i, "ThumbCompressedSize")?;
        let (i, thumb_pix_width) = wire::u32_le(i, "ThumbPixWidth")?;
        let (i, thumb_pix_height) = wire::u32_le(i, "ThumbPixHeight")?;
        let (i, image_pix_width) = wire::u32_le(i, "ImagePixWidth")?;
        let (i, image_pix_height) = wire::u32_le(i, "ImagePixHeight")?;
        let (i, image_bit_depth) = wire::u32_le(i, "ImageBitDepth")?;
        let (i, parent_object) = ObjectHandle::parse(i, "ParentObject")?;
        let (i, association_type) = wire::u16_le(i, "AssociationType")?;
        let (i, association_desc) = wire::u32_le(i, "AssociationDesc")?;
        let (i, sequence_number) = wire::u32_le(i, "SequenceNumber")?;
        let (i, filename) = PtpString::parse(i, "Filename")?;
        let mut tail = Tail::new(i, lenient, Self::OPTIONAL);
        let mut string = |field| {
            tail.field(|i| PtpString::parse(i, field))
                .map(Option::unwrap_or_default)
        };
        let capture_date = string("CaptureDate")?;
        let modification_date = string("ModificationDate")?;
        let keywords = string("Keywords")?;
        let (i, missing) = tail.finish(CONTEXT, ReadAs::Empty);
        let info = Self {
            storage_id,
            object_format: ObjectFormatCode(object_format),
            protection_status: ProtectionStatus(protection_status),
            object_compressed_size,
            thumb_format: ObjectFormatCode(thumb_format),
            thumb_compressed_size,
            thumb_pix_width,
            thumb_pix_height,
            image_pix_width,
            image_pix_height,
            image_bit_depth,
            parent_object,
            association_type: AssociationType(association_type),
            association_desc,
            sequence_number,
            filename,
            capture_date,
            modification_date,
            keywords,
        };
        Ok((i, (info, missing)))
    }

    /// Decodes a whole GetObjectInfo data phase; trailing bytes are an error.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode_whole(bytes, CONTEXT, "Keywords", Self::parse)
    }

    /// Decodes a GetObjectInfo data phase as real cameras send it: it may end after Filename
    /// (CaptureDate, ModificationDate and Keywords then read as empty, from the first one missing
    /// on) and may have bytes after Keywords (ignored). Each tolerance is named in the result; see
    /// [the module docs](super#lenient-decoding).
    pub fn decode_lenient(bytes: &[u8]) -> Result<Tolerant<Self>, DecodeError> {
        decode_tolerant(bytes, CONTEXT, |i| Self::parse_fields(i, true))
    }
}

impl Encode for ObjectInfo {
    /// Bytes on the wire.
    fn encoded_len(&self) -> usize {
        Self::FIXED_LEN
            + self.filename.encoded_len()
            + self.capture_date.encoded_len()
            + self.modification_date.encoded_len()
            + self.keywords.encoded_len()
    }

    /// Appends the wire form.
    fn encode(&self, out: &mut Vec<u8>) {
        self.storage_id.write(out);
        out.put_u16_le(self.object_format.0);
        out.put_u16_le(self.protection_status.0);
        out.put_u32_le(self.object_compressed_size);
        out.put_u16_le(self.thumb_format.0);
        for v in [
            self.thumb_compressed_size,
            self.thumb_pix_width,
            self.thumb_pix_height,
            self.image_pix_width,
            self.image_pix_height,
            self.image_bit_depth,
        ] {
            out.put_u32_le(v);
        }
        self.parent_object.write(out);
        out.put_u16_le(self.association_type.0);
        out.put_u32_le(self.association_desc);
        out.put_u32_le(self.sequence_number);
        self.filename.write(out);
        self.capture_date.write(out);
        self.modification_date.write(out);
        self.keywords.write(out);
    }
}
