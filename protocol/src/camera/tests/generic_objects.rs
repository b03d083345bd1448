//! VirtualCamera end to end, part 2: object data in and out, thumbnails, deletion.

use bytes::Bytes;

use super::{Pair, Split, op};
use crate::Encode;
use crate::camera::{Change, ObjectContent, VirtualCamera, sample};
use crate::packet::Dialect;
use crate::ptp::codes::{
    AccessCapability, AssociationType, ObjectFormatCode, OperationCode as Op, ProtectionStatus,
    ResponseCode,
};
use crate::ptp::dataset::{ObjectHandle, ObjectInfo, StorageId, StorageInfo};
use crate::ptp::string::PtpString;
use crate::responder::{DataInFraming, PatternSource};

fn sample_pair(split: Split) -> Pair<VirtualCamera> {
    Pair::connected(Dialect::Generic, VirtualCamera::sample(), split)
}

fn info(p: &mut Pair<VirtualCamera>, h: u32) -> Result<ObjectInfo, ResponseCode> {
    match p.fetch(Op::GET_OBJECT_INFO, &[h]) {
        (ResponseCode::OK, data) => Ok(ObjectInfo::decode(&data).expect("an ObjectInfo")),
        (code, _) => Err(code),
    }
}

/// A camera holding a 300,000-byte pattern object (handle 1) and a 70,000-byte factory object
/// (handle 2) on one card.
fn generated_content() -> VirtualCamera {
    static DATA: std::sync::LazyLock<Bytes> =
        std::sync::LazyLock::new(|| (0..70_000u32).map(|i| (i * 31 % 256) as u8).collect());
    let mut cam = VirtualCamera::new();
    let card = cam.add_storage("SD", 1 << 30).unwrap();
    cam.add_object(
        card,
        "BIG.BIN",
        ObjectFormatCode::UNDEFINED,
        ObjectContent::Pattern(300_000),
    )
    .unwrap();
    let factory = ObjectContent::factory(70_000, || Box::new(DATA.clone()));
    cam.add_object(card, "DISK.BIN", ObjectFormatCode::UNDEFINED, factory)
        .unwrap();
    cam
}

#[test]
fn get_object_returns_the_stored_bytes_in_every_framing() {
    let framings = [
        DataInFraming::DataThenEnd,
        DataInFraming::SingleEnd,
        DataInFraming::EmptyEnd,
    ];
    for framing in framings {
        for split in [Split::Whole, Split::Pieces(9)] {
            let mut p = Pair::with(Dialect::Generic, VirtualCamera::sample(), split, |_, rc| {
                rc.data_in_framing = framing;
                rc.max_data_packet = 1000;
            });
            p.pump();
            assert!(p.ini.is_ready());
            let (code, data) = p.fetch(Op::GET_OBJECT, &[4]);
            assert_eq!(code, ResponseCode::OK);
            assert_eq!(data, sample::sample_image(2), "{framing:?} {split:?}");
            let (code, streamed) = p.stream(Op::GET_OBJECT, &[5]);
            assert_eq!(code, ResponseCode::OK);
            assert_eq!(streamed, sample::sample_image(3), "{framing:?} {split:?}");
            // A folder has no data: an empty data phase.
            let (code, data) = p.fetch(Op::GET_OBJECT, &[1]);
            assert_eq!((code, data.len()), (ResponseCode::OK, 0), "{framing:?}");
        }
    }
}

#[test]
fn pattern_and_factory_content_stream_in_constant_memory() {
    let mut p = Pair::connected(Dialect::Generic, generated_content(), Split::Whole);
    let (code, data) = p.stream(Op::GET_OBJECT, &[1]);
    assert_eq!(code, ResponseCode::OK);
    assert_eq!(data.len(), 300_000);
    assert!(
        data.iter()
            .enumerate()
            .all(|(i, &b)| b == PatternSource::byte_at(i as u64))
    );
    let (code, data) = p.stream(Op::GET_OBJECT, &[2]);
    assert_eq!(code, ResponseCode::OK);
    assert_eq!(data.len(), 70_000);
    assert!(
        data.iter()
            .enumerate()
            .all(|(i, &b)| b == (i as u32 * 31 % 256) as u8)
    );
}

#[test]
fn get_partial_object_reports_the_length_sent() {
    let mut p = Pair::connected(Dialect::Generic, generated_content(), Split::Pieces(4));
    let whole = sample::sample_image(1);
    let cam = VirtualCamera::sample();
    let image = cam.store().select(0xFFFF_FFFF, 0x3801, 0).unwrap()[0];
    let mut q = Pair::connected(Dialect::Generic, cam, Split::Whole);
    let len = whole.len() as u32;
    for (offset, max) in [
        (0, 10),
        (100, 1000),
        (len - 5, 100),
        (len, 10),
        (0, 0xFFFF_FFFF),
    ] {
        let c = q.run(op(Op::GET_PARTIAL_OBJECT, &[image.0, offset, max]).collect(1 << 20));
        let want = &whole[offset as usize..(offset as usize + max as usize).min(whole.len())];
        assert_eq!(c.response, ResponseCode::OK);
        assert_eq!(c.data.unwrap(), want, "{offset}+{max}");
        assert_eq!(
            c.params.as_slice(),
            [want.len() as u32],
            "response parameter 1"
        );
    }
    let (code, _) = q.fetch(Op::GET_PARTIAL_OBJECT, &[image.0, len + 1, 1]);
    assert_eq!(code, ResponseCode::INVALID_PARAMETER);
    assert_eq!(
        q.fetch(Op::GET_PARTIAL_OBJECT, &[99, 0, 1]).0,
        ResponseCode::INVALID_OBJECT_HANDLE
    );
    // Ranges of generated and factory content.
    for (h, offset, max) in [(1, 123_456, 5000), (1, 299_990, 100), (2, 65_000, 10_000)] {
        let c = p.run(op(Op::GET_PARTIAL_OBJECT, &[h, offset, max]).collect(1 << 20));
        let data = c.data.unwrap();
        let total = if h == 1 { 300_000 } else { 70_000 };
        assert_eq!(data.len() as u32, max.min(total - offset));
        assert_eq!(c.params.as_slice(), [data.len() as u32]);
        for (i, &b) in data.iter().enumerate() {
            let at = u64::from(offset) + i as u64;
            let want = if h == 1 {
                PatternSource::byte_at(at)
            } else {
                (at as u32 * 31 % 256) as u8
            };
            assert_eq!(b, want, "object {h} byte {at}");
        }
    }
}

#[test]
fn thumbnails_for_images_only() {
    let mut cam = VirtualCamera::sample();
    let card = StorageId(0x0001_0001);
    let text = cam
        .add_object(card, "A.TXT", ObjectFormatCode::TEXT, vec![1, 2, 3])
        .unwrap();
    let jpeg = cam
        .add_object(
            card,
            "B.JPG",
            ObjectFormatCode::EXIF_JPEG,
            sample::sample_image(9),
        )
        .unwrap();
    let mut p = Pair::connected(Dialect::Generic, cam, Split::Pieces(6));
    let (code, thumb) = p.fetch(Op::GET_THUMB, &[3]);
    assert_eq!(code, ResponseCode::OK);
    assert_eq!(thumb, sample::thumbnail(1));
    let i = info(&mut p, 3).unwrap();
    assert_eq!(i.thumb_compressed_size as usize, thumb.len());
    assert_eq!((i.thumb_pix_width, i.thumb_pix_height), (160, 120));
    assert_eq!(i.thumb_format, ObjectFormatCode::JFIF);
    // Added images get a generated placeholder; other formats have none.
    let (code, placeholder) = p.fetch(Op::GET_THUMB, &[jpeg.0]);
    assert_eq!(code, ResponseCode::OK);
    assert!(placeholder.starts_with(&[0xFF, 0xD8]) && placeholder.ends_with(&[0xFF, 0xD9]));
    assert_eq!(
        p.fetch(Op::GET_THUMB, &[text.0]).0,
        ResponseCode::NO_THUMBNAIL_PRESENT
    );
    assert_eq!(
        p.fetch(Op::GET_THUMB, &[1]).0,
        ResponseCode::NO_THUMBNAIL_PRESENT
    );
    assert_eq!(
        p.fetch(Op::GET_THUMB, &[77]).0,
        ResponseCode::INVALID_OBJECT_HANDLE
    );
    assert_eq!(info(&mut p, text.0).unwrap().thumb_compressed_size, 0);
}

#[test]
fn object_info_of_the_sample() {
    let mut p = sample_pair(Split::Pieces(2));
    let dcim = info(&mut p, 1).unwrap();
    assert_eq!(dcim.filename, "DCIM");
    assert_eq!(dcim.object_format, ObjectFormatCode::ASSOCIATION);
    assert_eq!(dcim.association_type, AssociationType::GENERIC_FOLDER);
    assert_eq!(dcim.parent_object, ObjectHandle::NONE);
    assert_eq!(dcim.storage_id, StorageId(0x0001_0001));
    let img = info(&mut p, 4).unwrap();
    assert_eq!(img.filename, "IMG_0002.JPG");
    assert_eq!(img.parent_object, ObjectHandle(2));
    assert_eq!(
        img.object_compressed_size as usize,
        sample::sample_image(2).len()
    );
    assert_eq!(
        (
            img.image_pix_width,
            img.image_pix_height,
            img.image_bit_depth
        ),
        (640, 480, 24)
    );
    assert_eq!(info(&mut p, 0), Err(ResponseCode::INVALID_OBJECT_HANDLE));
    assert_eq!(info(&mut p, 6), Err(ResponseCode::INVALID_OBJECT_HANDLE));
}

#[test]
fn delete_objects_folders_and_by_format() {
    let mut cam = VirtualCamera::sample();
    let card = StorageId(0x0001_0001);
    let keep = cam
        .add_object(card, "KEEP.TXT", ObjectFormatCode::TEXT, vec![0; 4])
        .unwrap();
    cam.store_mut()
        .object_mut(ObjectHandle(5))
        .unwrap()
        .protection = ProtectionStatus::READ_ONLY;
    let mut p = Pair::connected(Dialect::Generic, cam, Split::Whole);
    assert_eq!(p.call(Op::DELETE_OBJECT, &[3, 0]).0, ResponseCode::OK);
    assert_eq!(info(&mut p, 3), Err(ResponseCode::INVALID_OBJECT_HANDLE));
    assert_eq!(
        p.call(Op::DELETE_OBJECT, &[3, 0]).0,
        ResponseCode::INVALID_OBJECT_HANDLE
    );
    assert_eq!(
        p.call(Op::DELETE_OBJECT, &[5, 0]).0,
        ResponseCode::OBJECT_WRITE_PROTECTED
    );
    // A folder holding a protected object stays whole.
    assert_eq!(
        p.call(Op::DELETE_OBJECT, &[1, 0]).0,
        ResponseCode::OBJECT_WRITE_PROTECTED
    );
    assert!(info(&mut p, 4).is_ok());
    // Delete all JPEGs: the protected one stays, so the deletion is partial.
    assert_eq!(
        p.call(Op::DELETE_OBJECT, &[0xFFFF_FFFF, 0x3801]).0,
        ResponseCode::PARTIAL_DELETION
    );
    assert_eq!(info(&mut p, 4), Err(ResponseCode::INVALID_OBJECT_HANDLE));
    assert!(info(&mut p, 5).is_ok());
    p.resp
        .device_mut()
        .store_mut()
        .object_mut(ObjectHandle(5))
        .unwrap()
        .protection = ProtectionStatus::NO_PROTECTION;
    // Now the folder goes with everything in it; the text file at the top level stays.
    assert_eq!(p.call(Op::DELETE_OBJECT, &[1, 0]).0, ResponseCode::OK);
    let (_, data) = p.fetch(Op::GET_OBJECT_HANDLES, &[0xFFFF_FFFF, 0, 0]);
    assert_eq!(ObjectHandle::decode_array(&data).unwrap(), [keep]);
    // A store that forbids deletion.
    p.resp
        .device_mut()
        .store_mut()
        .storage_mut(card)
        .unwrap()
        .access = AccessCapability::READ_ONLY_WITHOUT_DELETION;
    assert_eq!(
        p.call(Op::DELETE_OBJECT, &[keep.0, 0]).0,
        ResponseCode::STORE_READ_ONLY
    );
    assert_eq!(
        p.call(Op::DELETE_OBJECT, &[0xFFFF_FFFF, 0]).0,
        ResponseCode::PARTIAL_DELETION
    );
    assert!(info(&mut p, keep.0).is_ok());
}

/// An ObjectInfo for SendObjectInfo.
fn announce(name: &str, format: ObjectFormatCode, size: u32) -> Bytes {
    Bytes::from(
        ObjectInfo {
            object_format: format,
            object_compressed_size: size,
            filename: PtpString::new(name).unwrap(),
            capture_date: PtpString::new("20240301T101010").unwrap(),
            keywords: PtpString::new("uploaded").unwrap(),
            ..ObjectInfo::default()
        }
        .to_bytes(),
    )
}

#[test]
fn send_object_info_then_send_object_stores_the_bytes() {
    let mut p = Pair::with(
        Dialect::Generic,
        VirtualCamera::sample(),
        Split::Pieces(13),
        |ic, _| {
            ic.max_data_packet = 700;
        },
    );
    p.pump();
    let content: Vec<u8> = (0..10_000u32).map(|i| (i * 7 + 3) as u8).collect();
    let card = StorageId(0x0001_0001);
    let free_before = p.resp.device().store().free(card);
    let (code, params) = p.send(
        Op::SEND_OBJECT_INFO,
        &[card.0, 2],
        announce("UP.TXT", ObjectFormatCode::TEXT, 10_000),
    );
    assert_eq!(code, ResponseCode::OK);
    let [storage, parent, handle] = params[..] else {
        panic!("three parameters: {params:?}")
    };
    assert_eq!((storage, parent), (card.0, 2));
    // Announced, not stored yet.
    assert_eq!(
        info(&mut p, handle),
        Err(ResponseCode::INVALID_OBJECT_HANDLE)
    );
    let (code, _) = p.send(Op::SEND_OBJECT, &[], content.clone());
    assert_eq!(code, ResponseCode::OK);
    let (code, back) = p.fetch(Op::GET_OBJECT, &[handle]);
    assert_eq!(code, ResponseCode::OK);
    assert_eq!(back, content);
    let i = info(&mut p, handle).unwrap();
    assert_eq!(i.filename, "UP.TXT");
    assert_eq!(i.parent_object, ObjectHandle(2));
    assert_eq!(i.object_compressed_size, 10_000);
    assert_eq!(i.capture_date, "20240301T101010");
    assert_eq!(i.keywords, "uploaded");
    let (_, si) = p.fetch(Op::GET_STORAGE_INFO, &[card.0]);
    assert_eq!(
        StorageInfo::decode(&si).unwrap().free_space_in_bytes,
        free_before - 10_000
    );
    // A second SendObject has nothing announced.
    assert_eq!(
        p.send(Op::SEND_OBJECT, &[], vec![1]).0,
        ResponseCode::NO_VALID_OBJECT_INFO
    );
}

#[test]
fn send_object_info_places_folders_and_top_level_objects() {
    let mut p = sample_pair(Split::Whole);
    // A folder exists at once; the parent "root" comes back as 0xFFFFFFFF.
    let (code, params) = p.send(
        Op::SEND_OBJECT_INFO,
        &[0, 0xFFFF_FFFF],
        announce("NEW", ObjectFormatCode::ASSOCIATION, 0),
    );
    assert_eq!(code, ResponseCode::OK);
    assert_eq!(params[..2], [0x0001_0001, 0xFFFF_FFFF]);
    let folder = info(&mut p, params[2]).unwrap();
    assert_eq!(folder.association_type, AssociationType::GENERIC_FOLDER);
    // An object into the new folder, empty.
    let (code, params) = p.send(
        Op::SEND_OBJECT_INFO,
        &[0, params[2]],
        announce("E.BIN", ObjectFormatCode::UNDEFINED, 0),
    );
    assert_eq!(code, ResponseCode::OK);
    assert_eq!(
        p.send(Op::SEND_OBJECT, &[], Bytes::new()).0,
        ResponseCode::OK
    );
    assert_eq!(info(&mut p, params[2]).unwrap().object_compressed_size, 0);
}

#[test]
fn send_object_errors() {
    let mut cam = VirtualCamera::sample();
    cam.set_max_object_len(1000);
    let mut p = Pair::connected(Dialect::Generic, cam, Split::Pieces(5));
    let txt = ObjectFormatCode::TEXT;
    assert_eq!(
        p.send(Op::SEND_OBJECT, &[], vec![1, 2]).0,
        ResponseCode::NO_VALID_OBJECT_INFO
    );
    let cases = [
        (
            vec![0, 0],
            announce("BIG", txt, 1001),
            ResponseCode::STORE_FULL,
        ),
        (
            vec![0x0009_0001, 0],
            announce("X", txt, 1),
            ResponseCode::INVALID_STORAGE_ID,
        ),
        (
            vec![0, 3],
            announce("X", txt, 1),
            ResponseCode::INVALID_PARENT_OBJECT,
        ),
        (
            vec![0, 99],
            announce("X", txt, 1),
            ResponseCode::INVALID_PARENT_OBJECT,
        ),
        (
            vec![0, 0],
            announce("", txt, 1),
            ResponseCode::PTP_INVALID_DATASET,
        ),
        (
            vec![0, 0],
            Bytes::from_static(&[1, 2, 3]),
            ResponseCode::PTP_INVALID_DATASET,
        ),
    ];
    for (params, data, want) in cases {
        assert_eq!(
            p.send(Op::SEND_OBJECT_INFO, &params, data).0,
            want,
            "{params:x?}"
        );
    }
    // Too few or too many bytes: refused, and the announcement stays for a retry.
    let (code, params) = p.send(Op::SEND_OBJECT_INFO, &[0, 0], announce("R.TXT", txt, 5));
    assert_eq!(code, ResponseCode::OK);
    assert_eq!(
        p.send(Op::SEND_OBJECT, &[], vec![1; 4]).0,
        ResponseCode::INCOMPLETE_TRANSFER
    );
    assert_eq!(
        p.send(Op::SEND_OBJECT, &[], vec![1; 6]).0,
        ResponseCode::INCOMPLETE_TRANSFER
    );
    assert_eq!(p.send(Op::SEND_OBJECT, &[], vec![1; 5]).0, ResponseCode::OK);
    assert_eq!(p.fetch(Op::GET_OBJECT, &[params[2]]).1, vec![1u8; 5]);
    // A read-only store takes nothing.
    p.resp
        .device_mut()
        .store_mut()
        .storage_mut(StorageId(0x0001_0001))
        .unwrap()
        .access = AccessCapability::READ_ONLY_WITH_DELETION;
    assert_eq!(
        p.send(Op::SEND_OBJECT_INFO, &[0, 0], announce("X", txt, 1))
            .0,
        ResponseCode::STORE_READ_ONLY
    );
    assert_eq!(
        p.call(Op::INITIATE_CAPTURE, &[0, 0]).0,
        ResponseCode::STORE_READ_ONLY
    );
}

#[test]
fn delete_all_spares_protected_objects_and_their_folders() {
    let mut cam = VirtualCamera::sample();
    let card = StorageId(0x0001_0001);
    cam.add_object(card, "TOP.TXT", ObjectFormatCode::TEXT, vec![0; 4])
        .unwrap();
    cam.store_mut()
        .object_mut(ObjectHandle(4))
        .unwrap()
        .protection = ProtectionStatus::READ_ONLY;
    let mut p = Pair::connected(Dialect::Generic, cam, Split::Whole);
    assert_eq!(
        p.call(Op::DELETE_OBJECT, &[0xFFFF_FFFF, 0]).0,
        ResponseCode::PARTIAL_DELETION
    );
    // DCIM/100PTPIP/IMG_0002.JPG stays with the folders above it; everything else is gone.
    let (_, data) = p.fetch(Op::GET_OBJECT_HANDLES, &[0xFFFF_FFFF, 0, 0]);
    let left: Vec<u32> = ObjectHandle::decode_array(&data)
        .unwrap()
        .iter()
        .map(|h| h.0)
        .collect();
    assert_eq!(left, [1, 2, 4]);
    assert_eq!(p.fetch(Op::GET_OBJECT, &[4]).1, sample::sample_image(2));
}

#[test]
fn the_journal_tells_a_host_what_initiators_added_and_removed() {
    let mut cam = VirtualCamera::sample();
    cam.record_changes(true);
    let mut p = sample_pair(Split::Whole);
    *p.resp.device_mut() = cam;
    let folder = ObjectFormatCode::ASSOCIATION;
    let (code, made) = p.send(Op::SEND_OBJECT_INFO, &[0, 1], announce("101NEW", folder, 0));
    assert_eq!(code, ResponseCode::OK);
    let (code, up) = p.send(
        Op::SEND_OBJECT_INFO,
        &[0, made[2]],
        announce("A.TXT", ObjectFormatCode::TEXT, 3),
    );
    assert_eq!(code, ResponseCode::OK);
    // Announced only: not a change yet.
    assert_eq!(
        p.resp.device_mut().take_changes(),
        [Change::Added(ObjectHandle(made[2]))]
    );
    assert_eq!(
        p.send(Op::SEND_OBJECT, &[], vec![1, 2, 3]).0,
        ResponseCode::OK
    );
    assert_eq!(p.call(Op::INITIATE_CAPTURE, &[0, 0]).0, ResponseCode::OK);
    assert_eq!(p.call(Op::DELETE_OBJECT, &[made[2], 0]).0, ResponseCode::OK);
    let changes = p.resp.device_mut().take_changes();
    let [
        Change::Added(a),
        Change::Added(captured),
        Change::Removed(removed),
    ] = &changes[..]
    else {
        panic!("{changes:?}")
    };
    assert_eq!(a.0, up[2]);
    assert!(p.resp.device().store().object(*captured).is_some());
    assert_eq!(removed, &[ObjectHandle(made[2]), ObjectHandle(up[2])]);
    // Refused operations change nothing; taken changes are gone; off means none are kept.
    assert_eq!(
        p.call(Op::DELETE_OBJECT, &[0x99, 0]).0,
        ResponseCode::INVALID_OBJECT_HANDLE
    );
    assert!(p.resp.device_mut().take_changes().is_empty());
    p.resp.device_mut().record_changes(false);
    assert_eq!(p.call(Op::INITIATE_CAPTURE, &[0, 0]).0, ResponseCode::OK);
    p.resp.device_mut().record_changes(true);
    assert!(p.resp.device_mut().take_changes().is_empty());
}
