//! ObjectPropList (GetObjectPropList, 0x9805): golden bytes, the strict decoder's errors, the
//! lenient decoder's named quirks, the per-object view, and a round-trip property.

use proptest::collection::vec;
use proptest::prelude::*;

use super::{expect_err, s};
use crate::error::DecodeReason;
use crate::ptp::codes::{
    AssociationType, DataTypeCode, ObjectFormatCode, ObjectPropCode as P, ProtectionStatus,
};
use crate::ptp::dataset::test_support::{arb_data_type, arb_value};
use crate::ptp::dataset::{
    ObjectHandle, ObjectInfo, ObjectProp, ObjectPropList, OplQuirk, StorageId,
};
use crate::ptp::value::PropValue;

fn list() -> ObjectPropList {
    let h = ObjectHandle(7);
    ObjectPropList {
        elements: vec![
            ObjectProp::new(h, P::STORAGE_ID, PropValue::UInt32(0x0001_0001)),
            ObjectProp::text(h, P::OBJECT_FILE_NAME, s("A")),
            ObjectProp::new(h, P::OBJECT_SIZE, PropValue::UInt64(0x1_0000_0002)),
        ],
    }
}

#[rustfmt::skip]
const LIST_BYTES: &[u8] = &[
    3, 0, 0, 0,                                     // NumberOfElements 3
    7, 0, 0, 0, 0x01, 0xDC, 0x06, 0x00,             // object 7, StorageID, UINT32
    0x01, 0x00, 0x01, 0x00,                         //   0x00010001
    7, 0, 0, 0, 0x07, 0xDC, 0xFF, 0xFF,             // object 7, ObjectFileName, STR
    2, b'A', 0, 0, 0,                               //   "A": count 2, 'A', NUL
    7, 0, 0, 0, 0x04, 0xDC, 0x08, 0x00,             // object 7, ObjectSize, UINT64
    2, 0, 0, 0, 1, 0, 0, 0,                         //   0x1_0000_0002 (over 4 GiB)
];

#[test]
fn object_prop_list_golden() {
    let l = list();
    assert_eq!(l.to_bytes(), LIST_BYTES);
    assert_eq!(l.encoded_len(), LIST_BYTES.len());
    assert_eq!(ObjectPropList::decode(LIST_BYTES).unwrap(), l);
    assert_eq!(
        ObjectPropList::decode_lenient(LIST_BYTES, ObjectPropList::MAX_ELEMENTS).unwrap(),
        (l.clone(), vec![])
    );
    // parse leaves what follows.
    let mut longer = LIST_BYTES.to_vec();
    longer.push(0xAA);
    let (rest, parsed) = ObjectPropList::parse(&longer).unwrap();
    assert_eq!((rest, parsed), (&[0xAA][..], l));
    // The empty list.
    assert_eq!(ObjectPropList::default().to_bytes(), [0, 0, 0, 0]);
    assert_eq!(
        ObjectPropList::decode(&[0, 0, 0, 0]).unwrap(),
        ObjectPropList::default()
    );
}

#[test]
fn the_strict_decoder_refuses_what_is_not_exact() {
    let ctx = "ObjectPropList";
    // More elements than the input can hold: refused before anything is reserved.
    let mut big = LIST_BYTES.to_vec();
    big[..4].copy_from_slice(&1000u32.to_le_bytes());
    let r = expect_err(ObjectPropList::decode(&big), ctx, "NumberOfElements");
    assert!(matches!(r, DecodeReason::Truncated { .. }), "{r:?}");
    // More than the cap.
    let r = expect_err(
        ObjectPropList::decode(&u32::MAX.to_le_bytes()),
        ctx,
        "NumberOfElements",
    );
    assert_eq!(
        r,
        DecodeReason::TooLarge {
            length: u64::from(u32::MAX),
            max: u64::from(ObjectPropList::MAX_ELEMENTS)
        }
    );
    // Trailing bytes.
    let mut long = LIST_BYTES.to_vec();
    long.push(0);
    let r = expect_err(ObjectPropList::decode(&long), ctx, "Value");
    assert_eq!(r, DecodeReason::TrailingBytes { extra: 1 });
    // A data type without a known layout.
    let mut odd = LIST_BYTES.to_vec();
    odd[10..12].copy_from_slice(&0x1234u16.to_le_bytes());
    let r = expect_err(ObjectPropList::decode(&odd), ctx, "Value");
    assert_eq!(r, DecodeReason::UnknownDataType(0x1234));
    // Too short for a count.
    expect_err(ObjectPropList::decode(&[3, 0]), ctx, "NumberOfElements");
}

#[test]
fn the_lenient_decoder_names_each_quirk() {
    let max = ObjectPropList::MAX_ELEMENTS;
    // Two whole elements of five announced, then the end.
    let mut short = LIST_BYTES[..LIST_BYTES.len() - 13].to_vec();
    short[..4].copy_from_slice(&5u32.to_le_bytes());
    let (l, q) = ObjectPropList::decode_lenient(&short, max).unwrap();
    assert_eq!(l.elements, list().elements[..2]);
    assert_eq!(
        q,
        [OplQuirk::ShortList {
            announced: 5,
            decoded: 2
        }]
    );
    assert!(ObjectPropList::decode(&short).is_err());
    // An element cut in its value is dropped.
    let cut = &LIST_BYTES[..LIST_BYTES.len() - 3];
    let (l, q) = ObjectPropList::decode_lenient(cut, max).unwrap();
    assert_eq!(l.elements.len(), 2);
    assert_eq!(
        q,
        [OplQuirk::ShortList {
            announced: 3,
            decoded: 2
        }]
    );
    // Bytes after the last element.
    let mut long = LIST_BYTES.to_vec();
    long.extend_from_slice(&[0; 3]);
    let (l, q) = ObjectPropList::decode_lenient(&long, max).unwrap();
    assert_eq!(l, list());
    assert_eq!(q, [OplQuirk::TrailingBytes { extra: 3 }]);
    // ObjectSize as UINT32 (reported once), read all the same.
    let h = ObjectHandle(1);
    let narrow = ObjectPropList {
        elements: vec![
            ObjectProp::new(h, P::OBJECT_SIZE, PropValue::UInt32(5)),
            ObjectProp::new(ObjectHandle(2), P::OBJECT_SIZE, PropValue::UInt32(6)),
        ],
    };
    let (l, q) = ObjectPropList::decode_lenient(&narrow.to_bytes(), max).unwrap();
    assert_eq!(
        q,
        [OplQuirk::UnexpectedType {
            code: P::OBJECT_SIZE,
            expected: DataTypeCode::UINT64,
            got: DataTypeCode::UINT32
        }]
    );
    assert_eq!(l.objects()[0].size, Some(5));
    assert_eq!(
        q[0].to_string(),
        "ObjectSize sent as UINT32 instead of UINT64"
    );
    // The cap still holds, and an unknown data type still fails.
    let r = ObjectPropList::decode_lenient(LIST_BYTES, 2).unwrap_err();
    assert!(matches!(
        r.reason,
        DecodeReason::TooLarge { length: 3, max: 2 }
    ));
    let mut odd = LIST_BYTES.to_vec();
    odd[10..12].copy_from_slice(&0x1234u16.to_le_bytes());
    assert!(ObjectPropList::decode_lenient(&odd, max).is_err());
    // A huge announcement over a few bytes reserves only what the bytes can hold.
    let mut huge = (max - 1).to_le_bytes().to_vec();
    huge.extend_from_slice(&LIST_BYTES[4..]);
    let (l, q) = ObjectPropList::decode_lenient(&huge, max).unwrap();
    assert_eq!(l, list());
    assert!(matches!(q[..], [OplQuirk::ShortList { decoded: 3, .. }]));
}

#[test]
fn objects_gather_each_objects_properties_into_an_object_info() {
    let (a, b) = (ObjectHandle(10), ObjectHandle(11));
    let l = ObjectPropList {
        elements: vec![
            ObjectProp::new(a, P::STORAGE_ID, PropValue::UInt32(0x0001_0001)),
            ObjectProp::new(b, P::OBJECT_FORMAT, PropValue::UInt16(0x3801)),
            ObjectProp::new(a, P::OBJECT_FORMAT, PropValue::UInt16(0x3001)),
            ObjectProp::new(a, P::ASSOCIATION_TYPE, PropValue::UInt16(1)),
            ObjectProp::text(a, P::OBJECT_FILE_NAME, s("DCIM")),
            ObjectProp::new(b, P::PARENT_OBJECT, PropValue::UInt32(10)),
            ObjectProp::text(b, P::OBJECT_FILE_NAME, s("IMG_0001.JPG")),
            ObjectProp::new(b, P::OBJECT_SIZE, PropValue::UInt64(5 << 30)),
            ObjectProp::new(b, P::PROTECTION_STATUS, PropValue::UInt16(1)),
            ObjectProp::text(b, P::DATE_CREATED, s("20240101T120000")),
            ObjectProp::text(b, P::DATE_MODIFIED, s("20240102T120000")),
            ObjectProp::new(b, P::WIDTH, PropValue::UInt32(6000)),
            ObjectProp::new(b, P::HEIGHT, PropValue::UInt32(4000)),
            // Ignored: an unknown property, a name that is a number, a negative parent.
            ObjectProp::new(b, P(0xDE00), PropValue::UInt8(1)),
            ObjectProp::new(a, P::OBJECT_FILE_NAME, PropValue::UInt8(1)),
            ObjectProp::new(a, P::PARENT_OBJECT, PropValue::Int32(-1)),
        ],
    };
    let objects = l.objects();
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[0].handle, a);
    assert_eq!(
        objects[0].info,
        ObjectInfo {
            storage_id: StorageId(0x0001_0001),
            object_format: ObjectFormatCode::ASSOCIATION,
            association_type: AssociationType::GENERIC_FOLDER,
            filename: s("DCIM"),
            ..ObjectInfo::default()
        }
    );
    assert_eq!(objects[0].size, None);
    assert_eq!(objects[1].handle, b);
    assert_eq!(objects[1].size, Some(5 << 30));
    assert_eq!(
        objects[1].info,
        ObjectInfo {
            object_format: ObjectFormatCode::EXIF_JPEG,
            protection_status: ProtectionStatus::READ_ONLY,
            // 4 GiB or more: 0xFFFFFFFF, as MTP devices say in ObjectInfo.
            object_compressed_size: u32::MAX,
            parent_object: a,
            filename: s("IMG_0001.JPG"),
            capture_date: s("20240101T120000"),
            modification_date: s("20240102T120000"),
            image_pix_width: 6000,
            image_pix_height: 4000,
            ..ObjectInfo::default()
        }
    );
}

fn arb_element() -> impl Strategy<Value = ObjectProp> {
    (any::<u32>(), any::<u16>(), arb_data_type()).prop_flat_map(|(h, code, t)| {
        arb_value(t).prop_map(move |v| ObjectProp::new(ObjectHandle(h), P(code), v))
    })
}

proptest! {
    #[test]
    fn object_prop_lists_round_trip(elements in vec(arb_element(), 0..12)) {
        let l = ObjectPropList { elements };
        let bytes = l.to_bytes();
        prop_assert_eq!(bytes.len(), l.encoded_len());
        prop_assert_eq!(ObjectPropList::decode(&bytes).unwrap(), l.clone());
        let (lenient, quirks) =
            ObjectPropList::decode_lenient(&bytes, ObjectPropList::MAX_ELEMENTS).unwrap();
        prop_assert_eq!(lenient, l);
        let only_types = quirks.iter().all(|q| matches!(q, OplQuirk::UnexpectedType { .. }));
        prop_assert!(only_types, "{:?}", quirks);
    }

    #[test]
    fn the_lenient_decoder_never_panics(bytes in vec(any::<u8>(), 0..200)) {
        let _ = ObjectPropList::decode_lenient(&bytes, 64);
        let _ = ObjectPropList::decode(&bytes);
    }
}
