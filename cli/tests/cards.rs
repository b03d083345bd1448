//! Card operations end to end against the built-in sample camera (served in this process):
//! `ls -l`, `upload`, `delete`, `mkdir`, `thumb`, with objects named by handle, path or name.
//! The sample camera keeps uploads and deletions for the session, so each check runs its
//! commands in one session (`-i`).

use std::fs;

use ptpip_protocol::camera::sample;
use support::{Cam, TempDir};

mod support;

#[test]
fn ls_long_shows_dates_formats_pixels_and_sizes() {
    let cam = Cam::generic();
    let r = cam.ok(&["ls", "-l"]);
    let size = sample::sample_image(1).len();
    let line = r
        .lines()
        .find(|l| l.ends_with("DCIM/100PTPIP/IMG_0001.JPG"))
        .unwrap_or_else(|| panic!("{r}"));
    assert!(line.starts_with("0x00000003  "), "{line}");
    assert!(line.contains("EXIF/JPEG"), "{line}");
    assert!(line.contains(&format!("  {size}  ")), "{line}");
    assert!(
        r.lines()
            .any(|l| l.starts_with("0x00000001") && l.ends_with("DCIM/")),
        "{r}"
    );
    let j: serde_json::Value = serde_json::from_str(&cam.ok(&["ls", "-l", "json"])).unwrap();
    let first = j
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["handle"] == 3)
        .unwrap();
    assert_eq!(first["path"], "DCIM/100PTPIP/IMG_0001.JPG");
    assert_eq!(first["size"], size);
}

#[test]
fn upload_then_download_gives_the_same_bytes() {
    let cam = Cam::generic();
    let dir = TempDir::new("upload");
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    let src = dir.path("NEW_0001.JPG");
    fs::write(&src, &bytes).unwrap();
    let out = dir.path("out");
    let script = format!(
        "upload {src} DCIM/100PTPIP\nls\ndownload DCIM/100PTPIP/NEW_0001.JPG {out} --flat\n"
    );
    let r = cam.stdin(&["-i"], &script);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains(&format!(
            "Uploaded {src} (300000 bytes) as DCIM/100PTPIP/NEW_0001.JPG"
        )),
        "{r:?}"
    );
    assert!(r.stdout.contains("NEW_0001.JPG (300000 bytes"), "{r:?}");
    assert_eq!(fs::read(format!("{out}/NEW_0001.JPG")).unwrap(), bytes);
    // A folder that is not there, a file that is not there.
    let r = cam.run(&["upload", &src, "DCIM/NOPE"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("no object DCIM/NOPE on the camera"),
        "{r:?}"
    );
    let r = cam.run(&["upload", "/nonexistent-ptpip/x.jpg"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("cannot read /nonexistent-ptpip/x.jpg"),
        "{r:?}"
    );
}

#[test]
fn delete_asks_or_wants_yes() {
    let cam = Cam::generic();
    // Not a terminal: refused without --yes, and nothing is deleted.
    let r = cam.run(&["delete", "0x00000003"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("give --yes"), "{r:?}");
    let r = cam.stdin(
        &["-i"],
        "delete IMG_0001.JPG --yes\nrm 0x5 --yes\nls\nrm DCIM/100PTPIP/IMG_0001.JPG --yes\n",
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout
            .contains("Deleted DCIM/100PTPIP/IMG_0001.JPG (0x00000003)"),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains("Deleted DCIM/100PTPIP/IMG_0003.JPG (0x00000005)"),
        "{r:?}"
    );
    assert!(r.stdout.contains("1 files, 2 folders"), "{r:?}");
    assert!(
        r.stderr.contains("no object DCIM/100PTPIP/IMG_0001.JPG"),
        "{r:?}"
    );
}

#[test]
fn mkdir_makes_a_folder_and_thumb_saves_thumbnails() {
    let cam = Cam::generic();
    let r = cam.stdin(&["-i"], "mkdir DCIM/101TEST\nls\nmkdir NOPE/X\n");
    assert!(r.stdout.contains("Created DCIM/101TEST/"), "{r:?}");
    assert!(r.stdout.contains("101TEST/ (0x"), "{r:?}");
    assert!(r.stderr.contains("no object NOPE on the camera"), "{r:?}");
    let dir = TempDir::new("thumbs");
    let out = dir.path("t");
    let r = cam.ok(&["thumb", "all", &out]);
    assert!(
        r.contains("Saved the thumbnail of DCIM/100PTPIP/IMG_0002.JPG"),
        "{r}"
    );
    for n in 1..=3 {
        let t = fs::read(format!("{out}/IMG_000{n}.thumb.jpg")).unwrap();
        assert_eq!(&t[..2], [0xFF, 0xD8], "a JPEG");
    }
    let r = cam.ok(&["thumb", "0x00000004", &dir.path("one")]);
    assert!(r.contains("IMG_0002.thumb.jpg"), "{r}");
}
