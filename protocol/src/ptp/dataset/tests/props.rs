//! Property tests: every dataset round-trips through `encode` and `decode`, and no decoder panics on
//! arbitrary bytes.

use proptest::collection::vec;
use proptest::prelude::*;

use crate::Encode;
use crate::ptp::codes::{
    AccessCapability, AssociationType, DevicePropCode, EventCode, FilesystemType, FunctionalMode,
    ObjectFormatCode, OperationCode, ProtectionStatus, StorageType, VendorExtensionId,
};
use crate::ptp::dataset::test_support::{arb_desc, arb_ptp_string};
use crate::ptp::dataset::{
    DeviceInfo, DevicePropDesc, ObjectHandle, ObjectInfo, StorageId, StorageInfo,
};

fn arb_codes<T: std::fmt::Debug>(wrap: fn(u16) -> T) -> impl Strategy<Value = Vec<T>> {
    vec(any::<u16>().prop_map(wrap), 0..12)
}

pub(super) fn arb_device_info() -> impl Strategy<Value = DeviceInfo> {
    (
        (
            any::<u16>(),
            any::<u32>(),
            any::<u16>(),
            arb_ptp_string(),
            any::<u16>(),
        ),
        (
            arb_codes(OperationCode),
            arb_codes(EventCode),
            arb_codes(DevicePropCode),
            arb_codes(ObjectFormatCode),
            arb_codes(ObjectFormatCode),
        ),
        (
            arb_ptp_string(),
            arb_ptp_string(),
            arb_ptp_string(),
            arb_ptp_string(),
        ),
    )
        .prop_map(
            |((sv, vid, vver, vdesc, fm), (ops, evs, props, cap, img), (man, model, dv, sn))| {
                DeviceInfo {
                    standard_version: sv,
                    vendor_extension_id: VendorExtensionId(vid),
                    vendor_extension_version: vver,
                    vendor_extension_desc: vdesc,
                    functional_mode: FunctionalMode(fm),
                    operations_supported: ops,
                    events_supported: evs,
                    device_properties_supported: props,
                    capture_formats: cap,
                    image_formats: img,
                    manufacturer: man,
                    model,
                    device_version: dv,
                    serial_number: sn,
                }
            },
        )
}

pub(super) fn arb_storage_info() -> impl Strategy<Value = StorageInfo> {
    (
        (any::<u16>(), any::<u16>(), any::<u16>()),
        (any::<u64>(), any::<u64>(), any::<u32>()),
        arb_ptp_string(),
        arb_ptp_string(),
    )
        .prop_map(
            |((st, fs, ac), (max, free, images), desc, label)| StorageInfo {
                storage_type: StorageType(st),
                filesystem_type: FilesystemType(fs),
                access_capability: AccessCapability(ac),
                max_capacity: max,
                free_space_in_bytes: free,
                free_space_in_images: images,
                storage_description: desc,
                volume_label: label,
            },
        )
}

pub(super) fn arb_object_info() -> impl Strategy<Value = ObjectInfo> {
    (
        (
            any::<u32>(),
            any::<u16>(),
            any::<u16>(),
            any::<u32>(),
            any::<u16>(),
        ),
        any::<[u32; 6]>(),
        (any::<u32>(), any::<u16>(), any::<u32>(), any::<u32>()),
        (
            arb_ptp_string(),
            arb_ptp_string(),
            arb_ptp_string(),
            arb_ptp_string(),
        ),
    )
        .prop_map(
            |((sid, fmt, prot, size, tfmt), sizes, (parent, at, ad, seq), (f, c, m, k))| {
                ObjectInfo {
                    storage_id: StorageId(sid),
                    object_format: ObjectFormatCode(fmt),
                    protection_status: ProtectionStatus(prot),
                    object_compressed_size: size,
                    thumb_format: ObjectFormatCode(tfmt),
                    thumb_compressed_size: sizes[0],
                    thumb_pix_width: sizes[1],
                    thumb_pix_height: sizes[2],
                    image_pix_width: sizes[3],
                    image_pix_height: sizes[4],
                    image_bit_depth: sizes[5],
                    parent_object: ObjectHandle(parent),
                    association_type: AssociationType(at),
                    association_desc: ad,
                    sequence_number: seq,
                    filename: f,
                    capture_date: c,
                    modification_date: m,
                    keywords: k,
                }
            },
        )
}

/// Bytes that start like an STR description, to steer the decoder into the X-T1 heuristic.
fn arb_str_desc_bytes() -> impl Strategy<Value = Vec<u8>> {
    (any::<u16>(), any::<u8>(), vec(any::<u8>(), 0..200)).prop_map(|(code, gs, body)| {
        let mut b = code.to_le_bytes().to_vec();
        b.extend_from_slice(&[0xFF, 0xFF, gs]);
        b.extend(body);
        b
    })
}

proptest! {
    #[test]
    fn device_info_round_trips(info in arb_device_info()) {
        let bytes = info.to_bytes();
        prop_assert_eq!(bytes.len(), info.encoded_len());
        prop_assert_eq!(DeviceInfo::decode(&bytes)?, info);
    }

    #[test]
    fn storage_info_round_trips(info in arb_storage_info()) {
        let bytes = info.to_bytes();
        prop_assert_eq!(bytes.len(), info.encoded_len());
        prop_assert_eq!(StorageInfo::decode(&bytes)?, info);
    }

    #[test]
    fn object_info_round_trips(info in arb_object_info()) {
        let bytes = info.to_bytes();
        prop_assert_eq!(bytes.len(), info.encoded_len());
        prop_assert_eq!(ObjectInfo::decode(&bytes)?, info);
    }

    #[test]
    fn prop_desc_round_trips(desc in arb_desc()) {
        let bytes = desc.to_bytes();
        prop_assert_eq!(bytes.len(), desc.encoded_len());
        prop_assert_eq!(DevicePropDesc::decode(&bytes)?, desc);
    }

    #[test]
    fn handle_arrays_round_trip(raw in vec(any::<u32>(), 0..64)) {
        let handles: Vec<ObjectHandle> = raw.iter().copied().map(ObjectHandle).collect();
        let bytes = ObjectHandle::array_to_bytes(&handles);
        prop_assert_eq!(bytes.len(), ObjectHandle::array_encoded_len(handles.len()));
        prop_assert_eq!(ObjectHandle::decode_array(&bytes)?, handles);
        let ids: Vec<StorageId> = raw.iter().copied().map(StorageId).collect();
        prop_assert_eq!(StorageId::decode_array(&StorageId::array_to_bytes(&ids))?, ids);
    }

    #[test]
    fn decoders_never_panic(bytes in vec(any::<u8>(), 0..300)) {
        let _ = DeviceInfo::decode(&bytes);
        let _ = StorageInfo::decode(&bytes);
        let _ = ObjectInfo::decode(&bytes);
        let _ = DevicePropDesc::decode(&bytes);
        let _ = DevicePropDesc::parse(&bytes);
        let _ = ObjectHandle::decode_array(&bytes);
        let _ = StorageId::decode_array(&bytes);
    }

    #[test]
    fn str_descriptions_never_panic_and_decoded_ones_re_encode(bytes in arb_str_desc_bytes()) {
        // Whatever `decode` accepts, it gives back byte for byte: standard or heuristic.
        if let Ok(desc) = DevicePropDesc::decode(&bytes) {
            prop_assert_eq!(desc.to_bytes(), bytes);
        }
    }

    #[test]
    fn successful_decodes_re_encode_exactly(bytes in vec(any::<u8>(), 0..120)) {
        if let Ok(v) = DeviceInfo::decode(&bytes) {
            prop_assert_eq!(v.to_bytes(), bytes.clone());
        }
        if let Ok(v) = StorageInfo::decode(&bytes) {
            prop_assert_eq!(v.to_bytes(), bytes.clone());
        }
        if let Ok(v) = ObjectInfo::decode(&bytes) {
            prop_assert_eq!(v.to_bytes(), bytes.clone());
        }
        if let Ok(v) = DevicePropDesc::decode(&bytes) {
            prop_assert_eq!(v.to_bytes(), bytes);
        }
    }
}
