//! MTP object property codes (MTP 1.1 appendix B): what GetObjectPropList and GetObjectPropValue
//! report about an object.

use super::DataTypeCode;

code_newtype! {
    /// An MTP object property code, as in GetObjectPropValue (0x9803) and the elements of an
    /// [`ObjectPropList`](crate::ptp::dataset::ObjectPropList) (GetObjectPropList, 0x9805).
    ///
    /// The table holds the properties that describe a file on a camera's card (the ones that
    /// also appear in an ObjectInfo, and a few more); the MTP media properties (artist, album,
    /// bit rate…) are left unnamed.
    pub struct ObjectPropCode(u16);
    /// The store holding the object (UINT32).
    STORAGE_ID = 0xDC01 => "StorageID";
    /// The object's format (UINT16, an `ObjectFormatCode`).
    OBJECT_FORMAT = 0xDC02 => "ObjectFormat";
    /// Protection status (UINT16, a `ProtectionStatus`).
    PROTECTION_STATUS = 0xDC03 => "ProtectionStatus";
    /// The object's size in bytes (UINT64: no 4 GiB limit, unlike ObjectInfo).
    OBJECT_SIZE = 0xDC04 => "ObjectSize";
    /// Association type (UINT16, an `AssociationType`).
    ASSOCIATION_TYPE = 0xDC05 => "AssociationType";
    /// Association description (UINT32).
    ASSOCIATION_DESC = 0xDC06 => "AssociationDesc";
    /// File name (STR).
    OBJECT_FILE_NAME = 0xDC07 => "ObjectFileName";
    /// Creation date (STR, `YYYYMMDDThhmmss`); ObjectInfo's CaptureDate.
    DATE_CREATED = 0xDC08 => "DateCreated";
    /// Modification date (STR, `YYYYMMDDThhmmss`).
    DATE_MODIFIED = 0xDC09 => "DateModified";
    /// Keywords (STR).
    KEYWORDS = 0xDC0A => "Keywords";
    /// The folder holding the object (UINT32, an object handle; 0 at the top level).
    PARENT_OBJECT = 0xDC0B => "ParentObject";
    /// Allowed folder contents (AUINT16).
    ALLOWED_FOLDER_CONTENTS = 0xDC0C => "AllowedFolderContents";
    /// Hidden (UINT16, 0 or 1).
    HIDDEN = 0xDC0D => "Hidden";
    /// System object (UINT16, 0 or 1).
    SYSTEM_OBJECT = 0xDC0E => "SystemObject";
    /// An identifier that survives sessions (UINT128).
    PERSISTENT_UNIQUE_OBJECT_IDENTIFIER = 0xDC41 => "PersistentUniqueObjectIdentifier";
    /// Sync ID (STR).
    SYNC_ID = 0xDC42 => "SyncID";
    /// Property bag (AUINT16).
    PROPERTY_BAG = 0xDC43 => "PropertyBag";
    /// Display name (STR).
    NAME = 0xDC44 => "Name";
    /// Date the object was added to the device (STR).
    DATE_ADDED = 0xDC4E => "DateAdded";
    /// Width in pixels (UINT32).
    WIDTH = 0xDC87 => "Width";
    /// Height in pixels (UINT32).
    HEIGHT = 0xDC88 => "Height";
    /// Duration in milliseconds (UINT32).
    DURATION = 0xDC89 => "Duration";
    /// Representative sample (thumbnail) format (UINT16).
    REPRESENTATIVE_SAMPLE_FORMAT = 0xDC81 => "RepresentativeSampleFormat";
    /// Representative sample size in bytes (UINT32).
    REPRESENTATIVE_SAMPLE_SIZE = 0xDC82 => "RepresentativeSampleSize";
    /// Representative sample height (UINT32).
    REPRESENTATIVE_SAMPLE_HEIGHT = 0xDC83 => "RepresentativeSampleHeight";
    /// Representative sample width (UINT32).
    REPRESENTATIVE_SAMPLE_WIDTH = 0xDC84 => "RepresentativeSampleWidth";
}

impl ObjectPropCode {
    /// The GetObjectPropList parameter for "every property".
    pub const ALL_PROPERTIES: u32 = 0xFFFF_FFFF;

    /// The data type MTP gives this property, for the named ones.
    #[must_use]
    pub const fn standard_type(self) -> Option<DataTypeCode> {
        Some(match self.0 {
            0xDC01 | 0xDC06 | 0xDC0B | 0xDC82 | 0xDC83 | 0xDC84 | 0xDC87 | 0xDC88 | 0xDC89 => {
                DataTypeCode::UINT32
            }
            0xDC02 | 0xDC03 | 0xDC05 | 0xDC0D | 0xDC0E | 0xDC81 => DataTypeCode::UINT16,
            0xDC04 => DataTypeCode::UINT64,
            0xDC07 | 0xDC08 | 0xDC09 | 0xDC0A | 0xDC42 | 0xDC44 | 0xDC4E => DataTypeCode::STR,
            0xDC0C | 0xDC43 => DataTypeCode::AUINT16,
            0xDC41 => DataTypeCode::UINT128,
            _ => return None,
        })
    }
}
