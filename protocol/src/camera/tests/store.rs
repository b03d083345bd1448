//! The object store: storage ids, the tree, filters, removal.

use crate::camera::{CameraError, ObjectContent, ObjectStore, Parent};
use crate::ptp::codes::{AssociationType, ObjectFormatCode, ResponseCode};
use crate::ptp::dataset::{ObjectHandle, StorageId};

const JPEG: ObjectFormatCode = ObjectFormatCode::EXIF_JPEG;
const FOLDER: ObjectFormatCode = ObjectFormatCode::ASSOCIATION;

/// Two cards: card 1 holds DCIM/{A.JPG, B.TXT, SUB/C.JPG} and TOP.JPG; card 2 holds D.JPG.
fn tree() -> (ObjectStore, [ObjectHandle; 7]) {
    let mut s = ObjectStore::new();
    let c1 = s.add_storage("one", 1000).unwrap();
    let c2 = s.add_storage("two", 1000).unwrap();
    let bytes = |n: usize| ObjectContent::from(vec![7u8; n]);
    let dcim = s
        .add(c1.into(), "DCIM", FOLDER, ObjectContent::EMPTY)
        .unwrap();
    let a = s.add(dcim.into(), "A.JPG", JPEG, bytes(10)).unwrap();
    let b = s
        .add(dcim.into(), "B.TXT", ObjectFormatCode::TEXT, bytes(20))
        .unwrap();
    let sub = s
        .add(dcim.into(), "SUB", FOLDER, ObjectContent::EMPTY)
        .unwrap();
    let c = s.add(sub.into(), "C.JPG", JPEG, bytes(30)).unwrap();
    let top = s.add(c1.into(), "TOP.JPG", JPEG, bytes(40)).unwrap();
    let d = s.add(c2.into(), "D.JPG", JPEG, bytes(50)).unwrap();
    (s, [dcim, a, b, sub, c, top, d])
}

#[test]
fn storage_ids_count_physical_stores_with_logical_one() {
    let mut s = ObjectStore::new();
    let ids: Vec<StorageId> = (0..3).map(|_| s.add_storage("x", 1).unwrap()).collect();
    assert_eq!(
        ids,
        [
            StorageId(0x0001_0001),
            StorageId(0x0002_0001),
            StorageId(0x0003_0001)
        ]
    );
    assert!(ids.iter().all(|id| id.logical() != 0));
}

#[test]
fn handles_count_from_one_and_are_never_reused() {
    let (mut s, handles) = tree();
    assert_eq!(handles.map(|h| h.0), [1, 2, 3, 4, 5, 6, 7]);
    s.remove(handles[6]);
    let again = s.add(
        Parent::Root(StorageId(0x0002_0001)),
        "E.JPG",
        JPEG,
        ObjectContent::EMPTY,
    );
    assert_eq!(again, Ok(ObjectHandle(8)));
}

#[test]
fn select_filters_by_storage_format_and_parent() {
    let (s, [dcim, a, b, sub, c, top, d]) = tree();
    let all = ObjectStore::ALL;
    let c1 = 0x0001_0001;
    let jpeg = u32::from(JPEG.0);
    assert_eq!(s.select(all, 0, 0), Ok(vec![dcim, a, b, sub, c, top, d]));
    assert_eq!(s.select(c1, 0, 0), Ok(vec![dcim, a, b, sub, c, top]));
    assert_eq!(s.select(all, jpeg, 0), Ok(vec![a, c, top, d]));
    assert_eq!(s.select(all, 0, all), Ok(vec![dcim, top, d]));
    assert_eq!(s.select(c1, 0, all), Ok(vec![dcim, top]));
    assert_eq!(s.select(all, 0, dcim.0), Ok(vec![a, b, sub]));
    assert_eq!(s.select(all, jpeg, dcim.0), Ok(vec![a]));
    assert_eq!(s.select(0x0002_0001, 0, dcim.0), Ok(vec![]));
    assert_eq!(
        s.select(0x0003_0001, 0, 0),
        Err(ResponseCode::INVALID_STORAGE_ID)
    );
    assert_eq!(s.select(0, 0, 0), Err(ResponseCode::INVALID_STORAGE_ID));
    assert_eq!(
        s.select(all, 0, a.0),
        Err(ResponseCode::INVALID_PARENT_OBJECT)
    );
    assert_eq!(
        s.select(all, 0, 99),
        Err(ResponseCode::INVALID_OBJECT_HANDLE)
    );
}

#[test]
fn removing_a_folder_removes_its_subtree() {
    let (mut s, [dcim, a, b, sub, c, top, d]) = tree();
    assert_eq!(s.remove(dcim), vec![dcim, a, b, sub, c]);
    assert_eq!(s.select(ObjectStore::ALL, 0, 0), Ok(vec![top, d]));
    assert_eq!(s.remove(dcim), vec![]);
}

#[test]
fn free_space_follows_the_objects() {
    let (mut s, [.., top, _]) = tree();
    let c1 = StorageId(0x0001_0001);
    assert_eq!(s.used(c1), 10 + 20 + 30 + 40);
    let info = s.storage_info(c1).unwrap();
    assert_eq!((info.max_capacity, info.free_space_in_bytes), (1000, 900));
    assert_eq!(info.storage_description, "one");
    s.remove(top);
    assert_eq!(s.free(c1), 940);
    let big = ObjectContent::Pattern(941);
    assert_eq!(
        s.add(c1.into(), "BIG", JPEG, big),
        Err(CameraError::StoreFull {
            storage: c1,
            needed: 941,
            free: 940
        })
    );
    assert!(
        s.add(c1.into(), "FITS", JPEG, ObjectContent::Pattern(940))
            .is_ok()
    );
    assert_eq!(s.free(c1), 0);
}

#[test]
fn bad_parents_and_names_are_refused() {
    let (mut s, [_, a, ..]) = tree();
    let e = ObjectContent::EMPTY;
    assert_eq!(
        s.add(a.into(), "X", JPEG, e.clone()),
        Err(CameraError::NotAFolder(a))
    );
    assert_eq!(
        s.add(ObjectHandle(77).into(), "X", JPEG, e.clone()),
        Err(CameraError::NoSuchObject(ObjectHandle(77)))
    );
    let missing = StorageId(0x0009_0001);
    assert_eq!(
        s.add(missing.into(), "X", JPEG, e.clone()),
        Err(CameraError::NoSuchStorage(missing))
    );
    let long = "x".repeat(255);
    assert!(matches!(
        s.add(StorageId(0x0001_0001).into(), &long, JPEG, e),
        Err(CameraError::BadName(_))
    ));
}

#[test]
fn object_info_describes_folders_and_files() {
    let (s, [dcim, a, ..]) = tree();
    let f = s.object(dcim).unwrap().info();
    assert_eq!(f.object_format, FOLDER);
    assert_eq!(f.association_type, AssociationType::GENERIC_FOLDER);
    assert_eq!(f.parent_object, ObjectHandle::NONE);
    assert_eq!(f.object_compressed_size, 0);
    let i = s.object(a).unwrap().info();
    assert_eq!(i.parent_object, dcim);
    assert_eq!(i.object_compressed_size, 10);
    assert_eq!(i.association_type, AssociationType::UNDEFINED);
    assert_eq!(i.filename, "A.JPG");
    assert_eq!(i.thumb_format, ObjectFormatCode(0));
    assert_eq!(s.child(dcim.into(), "A.JPG"), Some(a));
    assert_eq!(s.child(dcim.into(), "Z.JPG"), None);
}

#[test]
fn objects_of_four_gib_or_more_report_all_ones() {
    let mut s = ObjectStore::new();
    let c = s.add_storage("big", u64::MAX).unwrap();
    let h = s
        .add(c.into(), "HUGE", JPEG, ObjectContent::Pattern(1 << 32))
        .unwrap();
    assert_eq!(s.object(h).unwrap().info().object_compressed_size, u32::MAX);
}
