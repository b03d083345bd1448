//! GetObjectPropList (MTP 0x9805) on the generic camera: offered only when switched on, and the
//! list says what GetObjectInfo says, for every selection the camera supports.

use super::{Pair, Split};
use crate::camera::{LISTED_PROPERTIES, ObjectContent, VirtualCamera};
use crate::packet::Dialect;
use crate::ptp::codes::{ObjectFormatCode, ObjectPropCode, OperationCode as Op, ResponseCode};
use crate::ptp::dataset::{DeviceInfo, ObjectInfo, ObjectPropList};

/// The sample card (DCIM, 100PTPIP, three pictures) plus a big file at the top level of a
/// second card.
fn camera(on: bool) -> Pair<VirtualCamera> {
    let mut cam = VirtualCamera::sample();
    let card = cam.add_storage("SD2", 8 << 30).unwrap();
    cam.add_object(
        card,
        "BIG.MOV",
        ObjectFormatCode::QT,
        ObjectContent::Pattern(5 << 30),
    )
    .unwrap();
    cam.set_object_prop_list(on);
    Pair::connected(Dialect::Generic, cam, Split::Whole)
}

fn list(p: &mut Pair<VirtualCamera>, params: &[u32]) -> Result<ObjectPropList, ResponseCode> {
    match p.fetch(Op::GET_OBJECT_PROP_LIST, params) {
        (ResponseCode::OK, data) => Ok(ObjectPropList::decode(&data).expect("a strict list")),
        (code, _) => Err(code),
    }
}

fn handles(l: &ObjectPropList) -> Vec<u32> {
    l.objects().iter().map(|o| o.handle.0).collect()
}

#[test]
fn it_is_offered_only_when_switched_on() {
    for on in [false, true] {
        let mut p = camera(on);
        let (_, data) = p.fetch(Op::GET_DEVICE_INFO, &[]);
        let info = DeviceInfo::decode(&data).unwrap();
        assert_eq!(info.supports_operation(Op::GET_OBJECT_PROP_LIST), on);
        let answer = list(&mut p, &[0xFFFF_FFFF, 0, 0xFFFF_FFFF, 0, 0]).map(|_| ());
        let expected = if on {
            Ok(())
        } else {
            Err(ResponseCode::OPERATION_NOT_SUPPORTED)
        };
        assert_eq!(answer, expected);
    }
}

#[test]
fn the_whole_card_in_one_list_agrees_with_get_object_info() {
    let mut p = camera(true);
    let all = list(&mut p, &[0xFFFF_FFFF, 0, 0xFFFF_FFFF, 0, 0]).unwrap();
    let objects = all.objects();
    assert_eq!(handles(&all), [1, 2, 3, 4, 5, 6]);
    assert_eq!(all.elements.len(), 6 * LISTED_PROPERTIES.len());
    for o in &objects {
        let (code, data) = p.fetch(Op::GET_OBJECT_INFO, &[o.handle.0]);
        assert_eq!(code, ResponseCode::OK);
        let info = ObjectInfo::decode(&data).unwrap();
        // What ObjectInfo has and the list does not: the thumbnail, bit depth, keywords.
        let from_list = ObjectInfo {
            thumb_format: info.thumb_format,
            thumb_compressed_size: info.thumb_compressed_size,
            thumb_pix_width: info.thumb_pix_width,
            thumb_pix_height: info.thumb_pix_height,
            image_bit_depth: info.image_bit_depth,
            keywords: info.keywords.clone(),
            ..o.info.clone()
        };
        assert_eq!(from_list, info, "{:?}", o.handle);
    }
    // The 5 GiB file's real size, which ObjectInfo cannot carry.
    assert_eq!(objects[5].size, Some(5 << 30));
    assert_eq!(objects[5].info.object_compressed_size, u32::MAX);
}

#[test]
fn selections_by_object_depth_format_and_property() {
    let mut p = camera(true);
    let all = 0xFFFF_FFFF;
    // The top level (DCIM, BIG.MOV), and everything from the root.
    assert_eq!(handles(&list(&mut p, &[0, 0, all, 0, 1]).unwrap()), [1, 6]);
    assert_eq!(
        handles(&list(&mut p, &[0, 0, all, 0, all]).unwrap()).len(),
        6
    );
    assert!(
        list(&mut p, &[0, 0, all, 0, 0])
            .unwrap()
            .elements
            .is_empty()
    );
    // One object, a folder with its children, a subtree.
    assert_eq!(handles(&list(&mut p, &[3, 0, all, 0, 0]).unwrap()), [3]);
    assert_eq!(handles(&list(&mut p, &[1, 0, all, 0, 1]).unwrap()), [1, 2]);
    assert_eq!(
        handles(&list(&mut p, &[1, 0, all, 0, all]).unwrap()),
        [1, 2, 3, 4, 5]
    );
    // Pictures only.
    let jpeg = u32::from(ObjectFormatCode::EXIF_JPEG.0);
    assert_eq!(
        handles(&list(&mut p, &[all, jpeg, all, 0, 0]).unwrap()),
        [3, 4, 5]
    );
    // One property.
    let size = u32::from(ObjectPropCode::OBJECT_SIZE.0);
    let sizes = list(&mut p, &[all, 0, size, 0, 0]).unwrap();
    assert_eq!(sizes.elements.len(), 6);
    assert!(
        sizes
            .elements
            .iter()
            .all(|e| e.code == ObjectPropCode::OBJECT_SIZE)
    );
    // What it refuses.
    for (params, code) in [
        ([99, 0, all, 0, 0], ResponseCode::INVALID_OBJECT_HANDLE),
        (
            [all, 0, 0, 1, 0],
            ResponseCode::SPECIFICATION_BY_GROUP_UNSUPPORTED,
        ),
        (
            [all, 0, 0xDE00, 0, 0],
            ResponseCode::OBJECT_PROP_NOT_SUPPORTED,
        ),
        (
            [1, 0, all, 0, 2],
            ResponseCode::SPECIFICATION_BY_DEPTH_UNSUPPORTED,
        ),
    ] {
        assert_eq!(list(&mut p, &params), Err(code), "{params:?}");
    }
}
