//! Golden vectors and error cases for DeviceInfo, StorageInfo, ObjectInfo and the handle arrays.

use super::{ascii_ptp_str, expect_err, s};
use crate::Encode;
use crate::error::DecodeReason;
use crate::ptp::codes::{
    AccessCapability, AssociationType, EventCode, FilesystemType, FunctionalMode, ObjectFormatCode,
    OperationCode, ProtectionStatus, StorageType, VendorExtensionId,
};
use crate::ptp::dataset::{DeviceInfo, ObjectHandle, ObjectInfo, StorageId, StorageInfo};
use crate::ptp::string::PtpString;
use crate::quirk::Quirk;

pub(super) fn device_info() -> DeviceInfo {
    DeviceInfo {
        standard_version: 100,
        vendor_extension_id: VendorExtensionId::FUJIFILM,
        vendor_extension_version: 101,
        vendor_extension_desc: s("F"),
        functional_mode: FunctionalMode::SLEEP_STATE,
        operations_supported: vec![OperationCode::GET_DEVICE_INFO, OperationCode(0x1002)],
        events_supported: vec![EventCode::OBJECT_ADDED],
        device_properties_supported: vec![],
        capture_formats: vec![ObjectFormatCode::EXIF_JPEG],
        image_formats: vec![ObjectFormatCode::EXIF_JPEG, ObjectFormatCode::UNDEFINED],
        manufacturer: s("Fu"),
        model: PtpString::empty(),
        device_version: s("1"),
        serial_number: s("Z"),
    }
}

#[rustfmt::skip]
pub(super) const DEVICE_INFO_BYTES: &[u8] = &[
    0x64, 0x00,                                     // StandardVersion 100
    0x0E, 0x00, 0x00, 0x00,                         // VendorExtensionID 0x0E (Fujifilm)
    0x65, 0x00,                                     // VendorExtensionVersion 101
    2, b'F', 0, 0, 0,                               // VendorExtensionDesc "F": count 2, 'F', NUL
    0x01, 0x00,                                     // FunctionalMode 1 (sleep)
    2, 0, 0, 0, 0x01, 0x10, 0x02, 0x10,             // OperationsSupported: 2 × u16, 0x1001 0x1002
    1, 0, 0, 0, 0x02, 0x40,                         // EventsSupported: 0x4002
    0, 0, 0, 0,                                     // DevicePropertiesSupported: empty
    1, 0, 0, 0, 0x01, 0x38,                         // CaptureFormats: 0x3801
    2, 0, 0, 0, 0x01, 0x38, 0x00, 0x30,             // ImageFormats: 0x3801 0x3000
    3, b'F', 0, b'u', 0, 0, 0,                      // Manufacturer "Fu"
    0,                                              // Model: empty, count 0
    2, b'1', 0, 0, 0,                               // DeviceVersion "1"
    2, b'Z', 0, 0, 0,                               // SerialNumber "Z"
];

#[test]
fn device_info_golden() {
    let info = device_info();
    assert_eq!(info.to_bytes(), DEVICE_INFO_BYTES);
    assert_eq!(info.encoded_len(), DEVICE_INFO_BYTES.len());
    assert_eq!(DeviceInfo::decode(DEVICE_INFO_BYTES).unwrap(), info);
    assert!(info.supports_operation(OperationCode::GET_DEVICE_INFO));
    assert!(!info.supports_operation(OperationCode(0x1003)));
    // parse leaves what follows.
    let mut longer = DEVICE_INFO_BYTES.to_vec();
    longer.push(0xAA);
    let (rest, parsed) = DeviceInfo::parse(&longer).unwrap();
    assert_eq!((rest, parsed), (&[0xAA][..], info));
}

#[test]
fn device_info_errors() {
    let mut trailing = DEVICE_INFO_BYTES.to_vec();
    trailing.extend_from_slice(&[0, 0]);
    assert_eq!(
        expect_err(DeviceInfo::decode(&trailing), "DeviceInfo", "SerialNumber"),
        DecodeReason::TrailingBytes { extra: 2 }
    );
    // The lenient decoder reads it and names the bytes (more in `lenient`).
    assert_eq!(
        DeviceInfo::decode_lenient(&trailing).unwrap().quirks,
        [Quirk::TrailingBytes {
            context: "DeviceInfo",
            count: 2,
            all_zero: true
        }]
    );
    let cut = &DEVICE_INFO_BYTES[..DEVICE_INFO_BYTES.len() - 1];
    assert_eq!(
        expect_err(DeviceInfo::decode(cut), "DeviceInfo", "SerialNumber"),
        DecodeReason::Truncated {
            needed: 4,
            available: 3
        }
    );
    assert!(matches!(
        expect_err(DeviceInfo::decode(&[0x64]), "DeviceInfo", "StandardVersion"),
        DecodeReason::Truncated { .. }
    ));
    // A hostile OperationsSupported count is refused before allocating: 2^32 − 1 codes need
    // 2 × that many bytes, and 4 are left.
    let mut hostile = DEVICE_INFO_BYTES[..15].to_vec();
    hostile.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 2, 0]);
    assert_eq!(
        expect_err(
            DeviceInfo::decode(&hostile),
            "DeviceInfo",
            "OperationsSupported"
        ),
        DecodeReason::Truncated {
            needed: 2 * 0xFFFF_FFFF,
            available: 4
        }
    );
    // An unterminated VendorExtensionDesc.
    let mut bad = DEVICE_INFO_BYTES.to_vec();
    bad[11] = b'G'; // the terminator unit after 'F' becomes 'G'
    assert_eq!(
        expect_err(
            DeviceInfo::decode(&bad),
            "DeviceInfo",
            "VendorExtensionDesc"
        ),
        DecodeReason::MissingTerminator
    );
}

pub(super) fn storage_info() -> StorageInfo {
    StorageInfo {
        storage_type: StorageType::REMOVABLE_RAM,
        filesystem_type: FilesystemType::GENERIC_HIERARCHICAL,
        access_capability: AccessCapability::READ_ONLY_WITH_DELETION,
        max_capacity: 32_000_000_000,
        free_space_in_bytes: 0x1_0000_0002,
        free_space_in_images: 0xFFFF_FFFF,
        storage_description: s("SD"),
        volume_label: PtpString::empty(),
    }
}

#[rustfmt::skip]
pub(super) const STORAGE_INFO_BYTES: &[u8] = &[
    0x04, 0x00,                                     // StorageType 4 (RemovableRAM)
    0x02, 0x00,                                     // FilesystemType 2 (GenericHierarchical)
    0x02, 0x00,                                     // AccessCapability 2 (ReadOnlyWithDeletion)
    0x00, 0x40, 0x59, 0x73, 0x07, 0x00, 0x00, 0x00, // MaxCapacity 32,000,000,000 = 0x7_7359_4000
    0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, // FreeSpaceInBytes 0x1_0000_0002
    0xFF, 0xFF, 0xFF, 0xFF,                         // FreeSpaceInImages: not given
    3, b'S', 0, b'D', 0, 0, 0,                      // StorageDescription "SD"
    0,                                              // VolumeLabel: empty
];

#[test]
fn storage_info_golden() {
    let info = storage_info();
    assert_eq!(info.to_bytes(), STORAGE_INFO_BYTES);
    assert_eq!(info.encoded_len(), STORAGE_INFO_BYTES.len());
    assert_eq!(StorageInfo::decode(STORAGE_INFO_BYTES).unwrap(), info);
}

#[test]
fn storage_info_errors() {
    let mut trailing = STORAGE_INFO_BYTES.to_vec();
    trailing.push(0);
    assert_eq!(
        expect_err(StorageInfo::decode(&trailing), "StorageInfo", "VolumeLabel"),
        DecodeReason::TrailingBytes { extra: 1 }
    );
    assert_eq!(
        StorageInfo::decode_lenient(&trailing).unwrap().quirks,
        [Quirk::TrailingBytes {
            context: "StorageInfo",
            count: 1,
            all_zero: true
        }]
    );
    assert!(matches!(
        expect_err(
            StorageInfo::decode(&STORAGE_INFO_BYTES[..10]),
            "StorageInfo",
            "MaxCapacity"
        ),
        DecodeReason::Truncated {
            needed: 8,
            available: 4
        }
    ));
    assert!(matches!(
        expect_err(
            StorageInfo::decode(&STORAGE_INFO_BYTES[..STORAGE_INFO_BYTES.len() - 1]),
            "StorageInfo",
            "VolumeLabel"
        ),
        DecodeReason::Truncated { .. }
    ));
}

/// The ObjectInfo that hkr/fuji-cam-wifi-tool's comments describe for a Fuji body in receive mode:
/// a 0x9A-byte data container, so 142 bytes of ObjectInfo.
pub(super) fn object_info() -> ObjectInfo {
    ObjectInfo {
        storage_id: StorageId(0x1000_0001),
        object_format: ObjectFormatCode::EXIF_JPEG,
        protection_status: ProtectionStatus::READ_ONLY,
        object_compressed_size: 5_000_000,
        thumb_format: ObjectFormatCode::JFIF,
        thumb_compressed_size: 8000,
        thumb_pix_width: 160,
        thumb_pix_height: 120,
        image_pix_width: 6000,
        image_pix_height: 4000,
        image_bit_depth: 24,
        parent_object: ObjectHandle(0x2A),
        association_type: AssociationType::GENERIC_FOLDER,
        association_desc: 0x0102_0304,
        sequence_number: 7,
        filename: s("DSCF0591.JPG"),
        capture_date: s("20160102T150136"),
        modification_date: PtpString::empty(),
        keywords: s("Orientation:1"),
    }
}

#[rustfmt::skip]
pub(super) fn object_info_bytes() -> Vec<u8> {
    let mut b = vec![
        0x01, 0x00, 0x00, 0x10, // StorageID 0x10000001
        0x01, 0x38,             // ObjectFormat 0x3801 (EXIF/JPEG)
        0x01, 0x00,             // ProtectionStatus 1 (read-only)
        0x40, 0x4B, 0x4C, 0x00, // ObjectCompressedSize 5,000,000
        0x08, 0x38,             // ThumbFormat 0x3808 (JFIF)
        0x40, 0x1F, 0x00, 0x00, // ThumbCompressedSize 8000
        0xA0, 0x00, 0x00, 0x00, // ThumbPixWidth 160
        0x78, 0x00, 0x00, 0x00, // ThumbPixHeight 120
        0x70, 0x17, 0x00, 0x00, // ImagePixWidth 6000
        0xA0, 0x0F, 0x00, 0x00, // ImagePixHeight 4000
        0x18, 0x00, 0x00, 0x00, // ImageBitDepth 24
        0x2A, 0x00, 0x00, 0x00, // ParentObject 0x2A
        0x01, 0x00,             // AssociationType 1 (GenericFolder)
        0x04, 0x03, 0x02, 0x01, // AssociationDesc 0x01020304
        0x07, 0x00, 0x00, 0x00, // SequenceNumber 7
    ];
    b.extend(ascii_ptp_str("DSCF0591.JPG"));     // Filename
    b.extend(ascii_ptp_str("20160102T150136"));  // CaptureDate
    b.push(0);                                   // ModificationDate: empty
    b.extend(ascii_ptp_str("Orientation:1"));    // Keywords
    b
}

#[test]
fn object_info_golden() {
    let info = object_info();
    let bytes = object_info_bytes();
    assert_eq!(bytes.len(), 0x9A - 12);
    assert_eq!(info.to_bytes(), bytes);
    assert_eq!(info.encoded_len(), bytes.len());
    assert_eq!(ObjectInfo::decode(&bytes).unwrap(), info);
    assert_eq!(info.capture_date.as_str(), "20160102T150136");
}

#[test]
fn object_info_errors() {
    let bytes = object_info_bytes();
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert_eq!(
        expect_err(ObjectInfo::decode(&trailing), "ObjectInfo", "Keywords"),
        DecodeReason::TrailingBytes { extra: 1 }
    );
    assert_eq!(
        ObjectInfo::decode_lenient(&trailing).unwrap().value,
        object_info()
    );
    // Cut inside ParentObject (offset 38..42).
    assert!(matches!(
        expect_err(
            ObjectInfo::decode(&bytes[..40]),
            "ObjectInfo",
            "ParentObject"
        ),
        DecodeReason::Truncated {
            needed: 4,
            available: 2
        }
    ));
    // Filename with its count claiming more units than there are bytes.
    let mut long_name = bytes[..52].to_vec();
    long_name.extend_from_slice(&[0xFF, b'a', 0]);
    assert!(matches!(
        expect_err(ObjectInfo::decode(&long_name), "ObjectInfo", "Filename"),
        DecodeReason::Truncated {
            needed: 510,
            available: 2
        }
    ));
}

#[test]
fn handle_arrays_golden() {
    let handles = [
        ObjectHandle(1),
        ObjectHandle(0x0203_0405),
        ObjectHandle(0xFFFF_FFFF),
    ];
    #[rustfmt::skip]
    let bytes = [
        3, 0, 0, 0,             // count 3
        1, 0, 0, 0,             // 0x00000001
        5, 4, 3, 2,             // 0x02030405
        0xFF, 0xFF, 0xFF, 0xFF, // 0xFFFFFFFF
    ];
    assert_eq!(ObjectHandle::array_to_bytes(&handles), bytes);
    assert_eq!(ObjectHandle::array_encoded_len(handles.len()), bytes.len());
    assert_eq!(ObjectHandle::decode_array(&bytes).unwrap(), handles);
    // The same bytes as StorageIDs.
    let ids = StorageId::decode_array(&bytes).unwrap();
    assert_eq!(ids[1], StorageId::from_parts(0x0203, 0x0405));
    assert_eq!((ids[1].physical(), ids[1].logical()), (0x0203, 0x0405));
    assert_eq!(ids[2], StorageId::ALL);
    assert_eq!(StorageId::array_to_bytes(&ids), bytes);
    // Empty array.
    assert_eq!(ObjectHandle::array_to_bytes(&[]), [0, 0, 0, 0]);
    assert_eq!(ObjectHandle::decode_array(&[0, 0, 0, 0]).unwrap(), []);
}

#[test]
fn handle_array_errors() {
    assert_eq!(
        expect_err(
            ObjectHandle::decode_array(&[1, 0, 0, 0, 1, 0, 0, 0, 9]),
            "ObjectHandleArray",
            "ObjectHandles"
        ),
        DecodeReason::TrailingBytes { extra: 1 }
    );
    assert_eq!(
        expect_err(
            StorageId::decode_array(&[0xFF, 0xFF, 0xFF, 0x3F, 1, 0, 0, 0]),
            "StorageIDArray",
            "StorageIDs"
        ),
        DecodeReason::Truncated {
            needed: 4 * 0x3FFF_FFFF,
            available: 4
        }
    );
    assert!(matches!(
        expect_err(
            ObjectHandle::decode_array(&[1, 0]),
            "ObjectHandleArray",
            "ObjectHandles"
        ),
        DecodeReason::Truncated { .. }
    ));
}

#[test]
fn ids_display_in_hex() {
    assert_eq!(ObjectHandle(0x2A).to_string(), "0x0000002a");
    assert_eq!(format!("{:?}", StorageId(0x10001)), "StorageId(0x00010001)");
}
