//! `ptpip camera` served in this process: folders, the sample card, the Fujifilm body, the
//! watched folder, properties across sessions and `--writable`.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ptpip_protocol::Encode;
use ptpip_protocol::camera::FujiPersonality;
use ptpip_protocol::fuji::LiveViewFrame;
use ptpip_protocol::initiator::Operation;
use ptpip_protocol::ptp::PropValue;
use ptpip_protocol::ptp::codes::{AssociationType, DevicePropCode, ObjectFormatCode};
use ptpip_protocol::ptp::codes::{EventCode, OperationCode};
use ptpip_protocol::ptp::dataset::{ObjectHandle, ObjectInfo, StorageId};
use ptpip_protocol::ptp::string::PtpString;
use ptpip_protocol::{DeviceEvent, Dialect};
use ptpip_transport_std::{Calls, Client, ClientConfig, Ports};

use super::folder::ptp_date;
use super::folder::tests::TempDir;
use super::mirror::Mirror;
use super::{Camera, CameraOptions, folder};

/// `n` bytes of xorshift noise: no run of equal bytes hides an off-by-one piece.
fn noise(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn options(vendor: Dialect, dir: Option<PathBuf>) -> CameraOptions {
    CameraOptions {
        address: "127.0.0.1".into(),
        port: 0,
        event_port: None,
        vendor,
        dir,
        writable: false,
        name: "test camera".into(),
        mode: FujiPersonality::Remote,
        think: Duration::ZERO,
        object_prop_list: false,
    }
}

fn connect(camera: &Camera, dialect: Dialect) -> Client {
    let command = camera.server.local_addr().port();
    let mut cfg = ClientConfig::new("127.0.0.1", dialect);
    cfg.ports = Ports {
        command,
        event: camera.server.event_addr().map_or(command, |a| a.port()),
        stream: camera.live_view.as_ref().map_or(0, |lv| lv.addr.port()),
    };
    cfg.connect_timeout = Duration::from_secs(5);
    cfg.initiator.response_timeout = Duration::from_secs(5);
    Client::connect(cfg).unwrap()
}

/// Every object on the camera by its path, folders walked from the root.
fn tree(c: &mut Client) -> BTreeMap<String, (ObjectHandle, ObjectInfo)> {
    let storages = c.storage_ids().unwrap();
    assert_eq!(storages.len(), 1);
    let mut found = BTreeMap::new();
    let mut todo = vec![(String::new(), ObjectHandle(0xFFFF_FFFF))];
    while let Some((prefix, parent)) = todo.pop() {
        for h in c.object_handles(storages[0], 0, parent).unwrap() {
            let info = c.object_info(h).unwrap();
            let path = format!("{prefix}{}", info.filename.as_str());
            if info.object_format == ObjectFormatCode::ASSOCIATION {
                todo.push((format!("{path}/"), h));
            }
            assert!(found.insert(path, (h, info)).is_none());
        }
    }
    found
}

fn download(c: &mut Client, h: ObjectHandle) -> Vec<u8> {
    let mut out = Vec::new();
    c.get_object(h, &mut out, &mut |_, _| {}).unwrap();
    out
}

/// The fixture: nested folders, files of several kinds (one larger than a data packet),
/// an empty file, and things that must be left out.
fn fixture() -> (TempDir, Vec<&'static str>, Vec<&'static str>) {
    let d = TempDir::new("dir");
    d.file("a.txt", b"hello camera\n");
    d.file("DCIM/100TEST/IMG_0001.JPG", &noise(700_000, 7));
    d.file("DCIM/100TEST/CLIP.mov", &noise(3_000, 11));
    d.file("DCIM/empty.bin", b"");
    d.file("notes/deep/deeper/x.RAF", &noise(1_000, 13));
    d.file(".hidden", b"not served");
    d.file("DCIM/.DS_Store", b"not served");
    let folders = vec![
        "DCIM",
        "DCIM/100TEST",
        "notes",
        "notes/deep",
        "notes/deep/deeper",
    ];
    let mut files = vec![
        "a.txt",
        "DCIM/100TEST/IMG_0001.JPG",
        "DCIM/100TEST/CLIP.mov",
        "DCIM/empty.bin",
        "notes/deep/deeper/x.RAF",
    ];
    #[cfg(unix)]
    {
        use std::os::unix::fs::{PermissionsExt, symlink};
        // A link to a file is served; a link to a folder is not followed.
        symlink(d.0.join("a.txt"), d.0.join("alias.txt")).unwrap();
        symlink(d.0.join("DCIM"), d.0.join("loop")).unwrap();
        files.push("alias.txt");
        // An unreadable file is skipped (unless we run as root, who reads it anyway).
        let locked = d.file("locked.txt", b"secret");
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
        if fs::File::open(&locked).is_ok() {
            files.push("locked.txt");
        }
        // A name that is not UTF-8 cannot be a PTP string: skipped.
        use std::os::unix::ffi::OsStrExt;
        let bad = std::ffi::OsStr::from_bytes(b"bad\xFFname.txt");
        fs::write(d.0.join(bad), b"x").unwrap();
        // A FIFO is not a regular file: skipped, and never opened (that would block).
        let fifo = d.0.join("DCIM/pipe.jpg");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo failed");
    }
    (d, folders, files)
}

#[test]
fn a_folder_is_served_listed_and_downloaded_byte_for_byte() {
    let (dir, folders, files) = fixture();
    let camera = Camera::start(&options(Dialect::Generic, Some(dir.0.clone()))).unwrap();
    let port = camera.server.local_addr().port();
    assert_ne!(port, 0);
    assert_eq!(
        camera.banner(),
        format!(
            "ptpip camera: serving {} objects from {} on 127.0.0.1:{port} (generic PTP/IP)",
            folders.len() + files.len(),
            dir.0.display()
        )
    );

    let mut c = connect(&camera, Dialect::Generic);
    let found = tree(&mut c);
    let mut expected: Vec<&str> = folders.iter().chain(&files).copied().collect();
    expected.sort_unstable();
    assert_eq!(
        found.keys().map(String::as_str).collect::<Vec<_>>(),
        expected
    );

    for f in &folders {
        let (_, info) = &found[*f];
        assert_eq!(info.object_format, ObjectFormatCode::ASSOCIATION, "{f}");
        assert_eq!(
            info.association_type,
            AssociationType::GENERIC_FOLDER,
            "{f}"
        );
    }
    // Parents: the picture sits in 100TEST, which sits in DCIM, which is at the top.
    let handle = |p: &str| found[p].0;
    assert_eq!(
        found["DCIM/100TEST/IMG_0001.JPG"].1.parent_object,
        handle("DCIM/100TEST")
    );
    assert_eq!(found["DCIM/100TEST"].1.parent_object, handle("DCIM"));
    assert_eq!(found["DCIM"].1.parent_object, ObjectHandle(0));

    let formats = [
        ("a.txt", ObjectFormatCode::TEXT),
        ("DCIM/100TEST/IMG_0001.JPG", ObjectFormatCode::EXIF_JPEG),
        ("DCIM/100TEST/CLIP.mov", ObjectFormatCode::QT),
        ("DCIM/empty.bin", ObjectFormatCode::UNDEFINED),
        ("notes/deep/deeper/x.RAF", ObjectFormatCode::UNDEFINED),
    ];
    for (f, format) in formats {
        assert_eq!(found[f].1.object_format, format, "{f}");
    }
    // Dates: the file's modification time, in UTC.
    for f in ["a.txt", "DCIM", "notes/deep/deeper/x.RAF"] {
        let modified = fs::metadata(dir.0.join(f)).unwrap().modified().unwrap();
        let expected = ptp_date(modified).unwrap();
        let info = &found[f].1;
        assert_eq!(info.modification_date.as_str(), expected, "{f}");
        assert_eq!(info.capture_date.as_str(), expected, "{f}");
    }
    for f in &files {
        let on_disk = fs::read(dir.0.join(f)).unwrap();
        let (h, info) = &found[*f];
        assert_eq!(info.object_compressed_size as usize, on_disk.len(), "{f}");
        assert_eq!(download(&mut c, *h), on_disk, "{f}");
    }
    // A slice across the boundary of two data packets (256 KiB each).
    let jpg = fs::read(dir.0.join("DCIM/100TEST/IMG_0001.JPG")).unwrap();
    let mut part = Vec::new();
    let n = c
        .get_partial_object(
            handle("DCIM/100TEST/IMG_0001.JPG"),
            250_000,
            100_000,
            &mut part,
        )
        .unwrap();
    assert_eq!((n, &part[..]), (100_000, &jpg[250_000..350_000]));

    // The file is read when downloaded, not when listed: a change shows.
    fs::write(dir.0.join("a.txt"), b"HELLO CAMERA\n").unwrap();
    assert_eq!(download(&mut c, handle("a.txt")), b"HELLO CAMERA\n");

    // A deletion lasts as long as the camera: the file stays on disk (the folder is not
    // writable), and neither the next session nor a rescan brings the object back.
    c.delete_object(handle("notes/deep/deeper/x.RAF")).unwrap();
    assert!(!tree(&mut c).contains_key("notes/deep/deeper/x.RAF"));
    c.close().unwrap();
    assert!(dir.0.join("notes/deep/deeper/x.RAF").exists());
    camera.watcher.as_ref().unwrap().scan_now();
    camera.watcher.as_ref().unwrap().scan_now();
    let mut c = connect(&camera, Dialect::Generic);
    let again = tree(&mut c);
    assert_eq!(again.len(), found.len() - 1);
    assert!(!again.contains_key("notes/deep/deeper/x.RAF"));
    assert_eq!(again["a.txt"].0, handle("a.txt"), "handles stay");
    c.close().unwrap();
    camera.stop();
}

#[test]
fn without_a_folder_the_sample_card_is_served() {
    let camera = Camera::start(&options(Dialect::Generic, None)).unwrap();
    let mut c = connect(&camera, Dialect::Generic);
    let all = c
        .object_handles(StorageId(0xFFFF_FFFF), 0, ObjectHandle(0))
        .unwrap();
    // DCIM, 100PTPIP and three pictures.
    assert_eq!(all.len(), 5);
    let port = camera.server.local_addr().port();
    assert_eq!(
        camera.banner(),
        format!(
            "ptpip camera: serving {} objects from the built-in sample card on 127.0.0.1:{port} (generic PTP/IP)",
            all.len()
        )
    );
    let found = tree(&mut c);
    let img = found["DCIM/100PTPIP/IMG_0001.JPG"].0;
    assert_eq!(&download(&mut c, img)[..2], &[0xFF, 0xD8]);
    c.close().unwrap();
    camera.stop();
}

#[test]
fn fuji_camera_connects_answers_a_property_and_streams_live_view() {
    let camera = Camera::start(&options(Dialect::Fuji, None)).unwrap();
    let (cmd, ev) = (
        camera.server.local_addr(),
        camera.server.event_addr().unwrap(),
    );
    let lv = camera.live_view.as_ref().unwrap().addr;
    assert!(cmd.port() != 0 && ev.port() != 0 && lv.port() != 0);
    // Where gphoto2's Fujifilm driver looks for it (fujiptpip.c connects the event port + 1).
    assert_eq!(lv.port(), ev.port() + 1);
    assert_eq!(
        camera.banner(),
        format!(
            "ptpip camera: serving a virtual Fujifilm X-T1 on {cmd} (Fujifilm; events on {ev}, live view on {lv}; remote mode, 3 pictures (samples))"
        )
    );
    let mut c = connect(&camera, Dialect::Fuji);
    assert_eq!(c.device_info().unwrap().manufacturer.as_str(), "FUJIFILM");
    let film = DevicePropCode::FUJI_FILM_SIMULATION;
    let desc = c.prop_desc(film).unwrap();
    assert_eq!(
        c.prop_value(film, desc.data_type).unwrap(),
        desc.current_value
    );

    // Timed from the connection: the camera sends the first frame when it accepts and one
    // every 100 ms after, however late the reader reads them.
    let t = Instant::now();
    let mut s = TcpStream::connect(lv).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut read_frame = || {
        let mut len = [0u8; 4];
        s.read_exact(&mut len).unwrap();
        let len = u32::from_le_bytes(len) as usize;
        assert!(
            (LiveViewFrame::JPEG_OFFSET..1 << 20).contains(&len),
            "{len}"
        );
        let mut frame = len.to_le_bytes()[..4].to_vec();
        frame.resize(len, 0);
        s.read_exact(&mut frame[4..]).unwrap();
        LiveViewFrame::decode(&Bytes::from(frame)).unwrap()
    };
    let first = read_frame();
    assert_eq!(first.frame_number(), 0);
    assert!(first.has_jpeg_marker());
    for n in 1..=5u8 {
        let f = read_frame();
        assert_eq!(f.frame_number(), n);
        assert!(f.has_jpeg_marker());
    }
    // Five more frames at 10 per second come at least 0.5 s after the first (a little slack
    // for timers).
    let took = t.elapsed();
    assert!(took >= Duration::from_millis(450), "{took:?}");
    c.close().unwrap();
    camera.stop();
}

#[test]
fn bad_options_are_refused() {
    let mut generic = options(Dialect::Generic, None);
    generic.port = 40_000;
    generic.event_port = Some(40_001);
    let e = Camera::start(&generic).err().unwrap();
    assert!(e.contains("event connection on the command port"), "{e}");

    let mut fuji = options(Dialect::Fuji, None);
    fuji.port = u16::MAX;
    let e = Camera::start(&fuji).err().unwrap();
    assert!(e.contains("no port after 65535"), "{e}");

    let d = TempDir::new("notdir");
    let file = d.file("plain.txt", b"x");
    let e = Camera::start(&options(Dialect::Generic, Some(file)))
        .err()
        .unwrap();
    assert!(e.contains("not a folder"), "{e}");
    let e = Camera::start(&options(Dialect::Generic, Some(d.0.join("missing"))))
        .err()
        .unwrap();
    assert!(e.starts_with("cannot serve"), "{e}");

    let mut named = options(Dialect::Generic, None);
    named.name = "x".repeat(300);
    let e = Camera::start(&named).err().unwrap();
    assert!(e.starts_with("invalid camera name"), "{e}");
}

/// The next event of `code`, waiting up to a generous deadline (not a timing assertion).
fn await_event(c: &mut Client, code: EventCode) -> DeviceEvent {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "no {code:?} event");
        if let Some(e) = c.next_event(Some(left)).unwrap()
            && e.code == code
        {
            return e;
        }
    }
}

#[test]
fn files_copied_into_the_folder_become_objects_with_object_added() {
    let d = TempDir::new("watch");
    d.file("DCIM/OLD.JPG", &noise(1_000, 3));
    // The test scans when it likes: no timer gets in between.
    let opts = options(Dialect::Generic, Some(d.0.clone()));
    let camera = Camera::start_scanning(&opts, Duration::from_secs(3600)).unwrap();
    let watcher = camera.watcher.as_ref().unwrap();
    let mut c = connect(&camera, Dialect::Generic);
    let mut watching = connect(&camera, Dialect::Generic);
    // A file being copied counts once two scans agree on it.
    let bytes = noise(300_000, 5);
    d.file("DCIM/NEW.JPG", &bytes[..1000]);
    watcher.scan_now();
    assert!(
        !tree(&mut c).contains_key("DCIM/NEW.JPG"),
        "not complete yet"
    );
    d.file("DCIM/NEW.JPG", &bytes);
    watcher.scan_now();
    watcher.scan_now();
    for s in [&mut c, &mut watching] {
        let e = await_event(s, EventCode::OBJECT_ADDED);
        let found = tree(s);
        let (h, info) = &found["DCIM/NEW.JPG"];
        assert_eq!(e.params.get(1), Some(h.0));
        assert_eq!(info.object_compressed_size as usize, bytes.len());
        assert_eq!(info.parent_object, found["DCIM"].0);
        assert_eq!(download(s, *h), bytes);
    }
    // A new folder with a file: both, the folder first.
    d.file("DCIM/101NEW/A.TXT", b"abc");
    watcher.scan_now();
    watcher.scan_now();
    let folder = await_event(&mut c, EventCode::OBJECT_ADDED);
    let file = await_event(&mut c, EventCode::OBJECT_ADDED);
    let found = tree(&mut c);
    assert_eq!(folder.params.get(1), Some(found["DCIM/101NEW"].0.0));
    assert_eq!(file.params.get(1), Some(found["DCIM/101NEW/A.TXT"].0.0));
    // A file removed from the folder is removed from the camera.
    let old = found["DCIM/OLD.JPG"].0;
    fs::remove_file(d.0.join("DCIM/OLD.JPG")).unwrap();
    watcher.scan_now();
    let e = await_event(&mut c, EventCode::OBJECT_REMOVED);
    assert_eq!(e.params.get(1), Some(old.0));
    assert!(!tree(&mut c).contains_key("DCIM/OLD.JPG"));
    c.close().unwrap();
    watching.close().unwrap();
    camera.stop();
}

#[test]
fn properties_keep_their_values_across_sessions_and_changes_are_announced() {
    let camera = Camera::start(&options(Dialect::Generic, None)).unwrap();
    let wb = DevicePropCode::WHITE_BALANCE;
    let mut a = connect(&camera, Dialect::Generic);
    let mut b = connect(&camera, Dialect::Generic);
    // The other session is told; the one that set it knows.
    a.set_prop_value(wb, &PropValue::UInt16(4)).unwrap();
    let e = await_event(&mut b, EventCode::DEVICE_PROP_CHANGED);
    assert_eq!(e.params.get(1), Some(u32::from(wb.0)));
    b.set_prop_value(wb, &PropValue::UInt16(6)).unwrap();
    let e = await_event(&mut a, EventCode::DEVICE_PROP_CHANGED);
    assert_eq!(e.params.get(1), Some(u32::from(wb.0)));
    a.close().unwrap();
    b.close().unwrap();
    let mut c = connect(&camera, Dialect::Generic);
    let data_type = c.prop_desc(wb).unwrap().data_type;
    assert_eq!(c.prop_value(wb, data_type).unwrap(), PropValue::UInt16(6));
    // So does what a session uploads (in memory: there is no folder).
    let info = ObjectInfo {
        object_format: ObjectFormatCode::TEXT,
        object_compressed_size: 5,
        filename: PtpString::new("KEPT.TXT").unwrap(),
        ..ObjectInfo::default()
    };
    let h = c
        .send_object(StorageId(0), ObjectHandle(0), &info, &mut &b"kept!"[..], 5)
        .unwrap();
    c.close().unwrap();
    let mut c = connect(&camera, Dialect::Generic);
    assert_eq!(download(&mut c, h), b"kept!");
    c.close().unwrap();
    camera.stop();
}

#[test]
fn a_writable_folder_gets_uploads_folders_and_deletions() {
    let d = TempDir::new("writable");
    d.file("DCIM/IMG.JPG", b"there before");
    let mut opts = options(Dialect::Generic, Some(d.0.clone()));
    opts.writable = true;
    let camera = Camera::start(&opts).unwrap();
    let mut c = connect(&camera, Dialect::Generic);
    let found = tree(&mut c);
    let dcim = found["DCIM"].0;
    let announce = |name: &str, format, len: u32| ObjectInfo {
        object_format: format,
        object_compressed_size: len,
        filename: PtpString::new(name).unwrap(),
        ..ObjectInfo::default()
    };
    let folder = announce("101UP", ObjectFormatCode::ASSOCIATION, 0);
    let made = Operation::new(OperationCode::SEND_OBJECT_INFO, &[0, dcim.0])
        .unwrap()
        .send(folder.to_bytes().into());
    let sub = ObjectHandle(c.call(made).unwrap().params.get(3).unwrap());
    assert!(d.0.join("DCIM/101UP").is_dir());
    let bytes = noise(200_000, 9);
    let info = announce("UP.JPG", ObjectFormatCode::EXIF_JPEG, bytes.len() as u32);
    let up = c
        .send_object(
            StorageId(0),
            sub,
            &info,
            &mut &bytes[..],
            bytes.len() as u64,
        )
        .unwrap();
    assert_eq!(fs::read(d.0.join("DCIM/101UP/UP.JPG")).unwrap(), bytes);
    // A name that is taken on disk is never overwritten: the object takes the free name.
    let info = announce("IMG.JPG", ObjectFormatCode::EXIF_JPEG, 3);
    let again = c
        .send_object(StorageId(0), dcim, &info, &mut &b"new"[..], 3)
        .unwrap();
    assert_eq!(fs::read(d.0.join("DCIM/IMG.JPG")).unwrap(), b"there before");
    assert_eq!(fs::read(d.0.join("DCIM/IMG-1.JPG")).unwrap(), b"new");
    assert_eq!(c.object_info(again).unwrap().filename.as_str(), "IMG-1.JPG");
    // The watcher does not take what the camera wrote for new files.
    camera.watcher.as_ref().unwrap().scan_now();
    camera.watcher.as_ref().unwrap().scan_now();
    let now = tree(&mut c);
    assert_eq!(now.len(), found.len() + 3, "{:?}", now.keys());
    assert_eq!(now["DCIM/101UP/UP.JPG"].0, up);
    // Deleting the folder deletes its files, then it.
    c.delete_object(sub).unwrap();
    assert!(!d.0.join("DCIM/101UP").exists());
    assert!(d.0.join("DCIM/IMG.JPG").exists());
    c.close().unwrap();
    camera.stop();
    // A camera started again serves what is on disk.
    let camera = Camera::start(&opts).unwrap();
    let mut c = connect(&camera, Dialect::Generic);
    let names: Vec<String> = tree(&mut c).into_keys().collect();
    assert_eq!(names, ["DCIM", "DCIM/IMG-1.JPG", "DCIM/IMG.JPG"]);
    c.close().unwrap();
    camera.stop();
}

#[test]
fn writable_needs_a_generic_folder() {
    let mut opts = options(Dialect::Generic, None);
    opts.writable = true;
    let e = Camera::start(&opts).err().unwrap();
    assert!(e.contains("--writable needs a folder"), "{e}");
    opts.vendor = Dialect::Fuji;
    let e = Camera::start(&opts).err().unwrap();
    assert!(e.contains("--writable is for the generic camera"), "{e}");
}

#[test]
fn a_folder_that_cannot_be_read_for_a_moment_loses_nothing() {
    let d = TempDir::new("unread");
    d.file("DCIM/A.JPG", b"a");
    d.file("B.JPG", b"b");
    let (mut cam, mut mirror) = Mirror::load(&d.0, false).unwrap();
    let before = cam.store().len();
    // The scan could not read DCIM: what it held is unknown, not gone.
    let mut scan = folder::scan(&d.0);
    scan.found.retain(|f| !f.rel.starts_with("DCIM/"));
    scan.unread.push("DCIM".into());
    assert!(mirror.apply(&mut cam, scan, true).is_empty());
    assert_eq!(cam.store().len(), before);
    // Nor the whole folder.
    let scan = folder::Scan {
        unread: vec![PathBuf::new()],
        ..folder::Scan::default()
    };
    assert!(mirror.apply(&mut cam, scan, true).is_empty());
    assert_eq!(cam.store().len(), before);
    // A real removal still shows.
    fs::remove_file(d.0.join("B.JPG")).unwrap();
    let events = mirror.apply(&mut cam, folder::scan(&d.0), true);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].code, EventCode::OBJECT_REMOVED);
    assert_eq!(cam.store().len(), before - 1);
}
