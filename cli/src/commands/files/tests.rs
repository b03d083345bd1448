//! The file commands over the in-memory camera: listings that carry on past unreadable
//! objects, downloads that skip, resume, reconnect, and refuse clashing names.

use std::fs;
use std::path::{Path, PathBuf};

use ptpip_protocol::OperationCode;

use super::fake::{FakeCamera, FakeObject};
use super::{Context, download, ls};
use crate::commands::CmdError;
use crate::commands::objects::{DownloadOpts, ObjectRef, Target, parse_download};
use crate::output::Format;

/// A temporary directory, removed at the end.
struct Tmp(PathBuf);

impl Tmp {
    fn new(tag: &str) -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let p = std::env::temp_dir().join(format!("ptpip-files-{tag}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        Self(p)
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// DCIM/100FUJI with four files and one whose ObjectInfo does not decode (0x0c), plus a file at
/// the top level: five objects that are not folders.
fn card() -> FakeCamera {
    let mut bad = FakeObject::file(0x0c, 2, "BROKEN.JPG", 100);
    bad.broken_info = true;
    FakeCamera::new(vec![
        FakeObject::folder(1, 0, "DCIM"),
        FakeObject::folder(2, 1, "100FUJI"),
        FakeObject::file(0x0a, 2, "DSCF0001.JPG", 70_000),
        FakeObject::file(0x0b, 2, "DSCF0002.RAF", 5_000),
        bad,
        FakeObject::file(0x0d, 2, "DSCF0004.JPG", 1),
        FakeObject::file(0x0e, 0, "README.TXT", 0),
    ])
}

fn ctx(history: &Tmp) -> Context {
    Context {
        progress: false,
        host: "test".into(),
        history_dir: Some(history.0.join("history")),
    }
}

fn opts(words: &str) -> (Target, DownloadOpts) {
    let w: Vec<String> = words.split_whitespace().map(str::to_owned).collect();
    let (t, _, o) = parse_download(&w).unwrap();
    (t, o)
}

/// Runs `download WORDS` into `dir`; the result and what it printed.
fn run(
    cam: &mut FakeCamera,
    words: &str,
    dir: &Path,
    history: &Tmp,
) -> (Result<(), CmdError>, String) {
    let (t, o) = opts(words);
    let mut out = Vec::new();
    let r = download(cam, &t, Some(dir), &o, &ctx(history), &mut out);
    (r, String::from_utf8(out).unwrap())
}

fn content(cam: &FakeCamera, h: u32) -> Vec<u8> {
    cam.objects
        .iter()
        .find(|o| o.handle == h)
        .unwrap()
        .content
        .clone()
}

#[test]
fn ls_lists_everything_it_can_and_names_what_it_cannot() {
    let mut cam = card();
    let mut out = Vec::new();
    let r = ls(&mut cam, Format::Text, false, &mut out);
    let text = String::from_utf8(out).unwrap();
    for name in [
        "DCIM/",
        "100FUJI/",
        "DSCF0001.JPG",
        "DSCF0002.RAF",
        "DSCF0004.JPG",
        "README.TXT",
    ] {
        assert!(text.contains(name), "{name}: {text}");
    }
    assert!(
        text.contains("? (0x0000000c) [cannot read its ObjectInfo:"),
        "{text}"
    );
    assert!(
        text.contains("4 files, 2 folders, 75001 bytes, 1 unreadable"),
        "{text}"
    );
    assert_eq!(
        r,
        Err(CmdError::Failed(
            "1 of 7 objects could not be read (0x0000000c)".into()
        ))
    );
    // JSON has the object too, with its error.
    let mut out = Vec::new();
    assert!(ls(&mut card(), Format::Json, false, &mut out).is_err());
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let text = json.to_string();
    assert!(
        text.contains(r#""handle":12"#) && text.contains(r#""error":"#),
        "{text}"
    );
    assert!(
        text.contains(r#""path":"DCIM/100FUJI/DSCF0001.JPG""#),
        "{text}"
    );
}

#[test]
fn download_all_saves_what_it_can_keeps_the_folders_and_fails_at_the_end() {
    let tmp = Tmp::new("all");
    let dir = tmp.0.join("out");
    let mut cam = card();
    let (r, out) = run(&mut cam, "all", &dir, &tmp);
    assert_eq!(
        r,
        Err(CmdError::Failed(
            "1 of 7 objects could not be read (0x0000000c)".into()
        )),
        "{out}"
    );
    for (h, rel) in [
        (0x0a, "DCIM/100FUJI/DSCF0001.JPG"),
        (0x0b, "DCIM/100FUJI/DSCF0002.RAF"),
        (0x0d, "DCIM/100FUJI/DSCF0004.JPG"),
        (0x0e, "README.TXT"),
    ] {
        assert_eq!(fs::read(dir.join(rel)).unwrap(), content(&cam, h), "{rel}");
        assert!(!dir.join(format!("{rel}.part")).exists());
    }
    assert!(
        out.contains("4 downloaded, 0 skipped, 1 failed, 75001 bytes"),
        "{out}"
    );
    // Again: everything is there, nothing moves.
    let before = cam.asked(OperationCode::GET_OBJECT).len();
    let (_, out) = run(&mut cam, "all", &dir, &tmp);
    assert!(
        out.contains("0 downloaded, 4 skipped, 1 failed, 0 bytes"),
        "{out}"
    );
    assert_eq!(cam.asked(OperationCode::GET_OBJECT).len(), before);
}

#[test]
fn new_takes_only_what_the_history_has_not_seen() {
    let tmp = Tmp::new("new");
    let mut cam = card();
    cam.objects.retain(|o| !o.broken_info);
    let (r, _) = run(&mut cam, "all", &tmp.0.join("a"), &tmp);
    assert_eq!(r, Ok(()));
    cam.objects
        .push(FakeObject::file(0x20, 2, "DSCF0005.JPG", 300));
    // Into another directory: only the new object comes, by the history.
    let other = tmp.0.join("b");
    let (r, out) = run(&mut cam, "all --new", &other, &tmp);
    assert_eq!(r, Ok(()), "{out}");
    assert!(out.contains("1 downloaded, 4 skipped"), "{out}");
    assert_eq!(
        fs::read(other.join("DCIM/100FUJI/DSCF0005.JPG")).unwrap(),
        content(&cam, 0x20)
    );
    assert!(!other.join("DCIM/100FUJI/DSCF0001.JPG").exists());
}

#[test]
fn a_part_file_is_resumed_from_its_size() {
    let tmp = Tmp::new("resume");
    let dir = tmp.0.join("out");
    let mut cam = card();
    let want = content(&cam, 0x0a);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("DSCF0001.JPG.part"), &want[..12_345]).unwrap();
    let (r, out) = run(&mut cam, "0x0000000a --flat", &dir, &tmp);
    assert_eq!(r, Ok(()), "{out}");
    assert!(out.contains("resumed at 12345"), "{out}");
    assert_eq!(fs::read(dir.join("DSCF0001.JPG")).unwrap(), want);
    assert!(!dir.join("DSCF0001.JPG.part").exists());
    assert_eq!(
        cam.asked(OperationCode::GET_PARTIAL_OBJECT),
        [vec![0x0a, 12_345, 70_000 - 12_345]]
    );
    assert!(cam.asked(OperationCode::GET_OBJECT).is_empty());
}

#[test]
fn a_dropped_link_is_reconnected_and_the_file_resumed() {
    let tmp = Tmp::new("drop");
    let dir = tmp.0.join("out");
    let mut cam = card();
    cam.drop_after = Some(30_000);
    let (r, out) = run(&mut cam, "DCIM/100FUJI/DSCF0001.JPG", &dir, &tmp);
    assert_eq!(r, Ok(()), "{out}");
    assert_eq!(cam.reconnects, 1);
    assert_eq!(
        fs::read(dir.join("DCIM/100FUJI/DSCF0001.JPG")).unwrap(),
        content(&cam, 0x0a)
    );
    assert_eq!(
        cam.asked(OperationCode::GET_PARTIAL_OBJECT),
        [vec![0x0a, 30_000, 40_000]]
    );
    // Without retries the run stops, keeping the .part.
    let mut cam = card();
    cam.drop_after = Some(30_000);
    let (r, out) = run(&mut cam, "0x0a --retries 0 --flat", &dir, &tmp);
    let Err(CmdError::Failed(m)) = r else {
        panic!("{out}")
    };
    assert!(m.contains("run download again to resume"), "{m}");
    // The summary counts what came in before the link dropped.
    assert!(
        out.contains("0 downloaded, 0 skipped, 1 failed, 30000 bytes"),
        "{out}"
    );
    assert_eq!(
        fs::metadata(dir.join("DSCF0001.JPG.part")).unwrap().len(),
        30_000
    );
    assert!(!dir.join("DSCF0001.JPG").exists());
}

#[test]
fn files_of_another_size_are_kept_unless_forced_and_no_skip_numbers() {
    let tmp = Tmp::new("skip");
    let dir = tmp.0.join("out");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("DSCF0004.JPG"), b"mine").unwrap();
    let mut cam = card();
    let (r, out) = run(&mut cam, "0x0d --flat", &dir, &tmp);
    assert!(
        matches!(r, Err(CmdError::Failed(m)) if m.contains("1 of 1 files")),
        "{out}"
    );
    assert_eq!(fs::read(dir.join("DSCF0004.JPG")).unwrap(), b"mine");
    let (r, _) = run(&mut cam, "0x0d --flat --no-skip", &dir, &tmp);
    assert_eq!(r, Ok(()));
    assert_eq!(
        fs::read(dir.join("DSCF0004-1.JPG")).unwrap(),
        content(&cam, 0x0d)
    );
    let (r, _) = run(&mut cam, "0x0d --flat --force", &dir, &tmp);
    assert_eq!(r, Ok(()));
    assert_eq!(
        fs::read(dir.join("DSCF0004.JPG")).unwrap(),
        content(&cam, 0x0d)
    );
}

#[test]
fn two_objects_for_one_name_are_refused_before_anything_is_written() {
    let tmp = Tmp::new("clash");
    let dir = tmp.0.join("out");
    let mut cam = card();
    cam.objects.retain(|o| !o.broken_info);
    cam.objects.push(FakeObject::folder(3, 1, "101FUJI"));
    cam.objects
        .push(FakeObject::file(0x30, 3, "DSCF0001.JPG", 10));
    let (r, _) = run(&mut cam, "all --flat", &dir, &tmp);
    let Err(CmdError::Failed(m)) = r else {
        panic!()
    };
    assert!(
        m.contains("DCIM/100FUJI/DSCF0001.JPG and DCIM/101FUJI/DSCF0001.JPG would both be saved as DSCF0001.JPG"),
        "{m}"
    );
    assert!(!dir.exists() || fs::read_dir(&dir).unwrap().next().is_none());
    // A pattern that tells them apart works.
    let (r, out) = run(&mut cam, "*.JPG --filename %Y%m%d-%n-%f.%C", &dir, &tmp);
    assert_eq!(r, Ok(()), "{out}");
    assert_eq!(
        fs::read(dir.join("20240511-1-DSCF0001.JPG")).unwrap(),
        content(&cam, 0x0a)
    );
    assert!(dir.join("20240521-3-DSCF0001.JPG").exists(), "{out}");
}

#[test]
fn filters_pick_by_format_date_and_name() {
    let tmp = Tmp::new("filters");
    let dir = tmp.0.join("out");
    let mut cam = card();
    let (_, out) = run(&mut cam, "all --format raw --flat", &dir, &tmp);
    assert!(out.contains("1 downloaded"), "{out}");
    assert!(dir.join("DSCF0002.RAF").exists());
    // Capture dates: 0x0a is 2024-05-11, 0x0b the 12th, 0x0d the 14th, 0x0e the 15th.
    let (_, out) = run(
        &mut cam,
        "all --since 2024-05-12 --until 2024-05-14 --flat",
        &tmp.0.join("d"),
        &tmp,
    );
    assert!(out.contains("2 downloaded, 0 skipped"), "{out}");
    assert!(tmp.0.join("d/DSCF0004.JPG").exists());
    assert!(tmp.0.join("d/DSCF0002.RAF").exists());
    assert!(!tmp.0.join("d/DSCF0001.JPG").exists());
    // A glob: the unreadable object may be one of them, so it is named.
    let (r, out) = run(
        &mut cam,
        "DCIM/100FUJI/DSCF000?.JPG",
        &tmp.0.join("g"),
        &tmp,
    );
    assert_eq!(
        r,
        Err(CmdError::Failed(
            "1 of 3 objects could not be read (0x0000000c)".into()
        ))
    );
    assert!(out.contains("2 downloaded, 0 skipped, 1 failed"), "{out}");
}

#[test]
fn objects_are_found_by_handle_path_or_name() {
    let tmp = Tmp::new("names");
    let dir = tmp.0.join("out");
    let mut cam = card();
    for (what, rel) in [
        ("10", "DCIM/100FUJI/DSCF0001.JPG"),
        ("dscf0002.raf", "DCIM/100FUJI/DSCF0002.RAF"),
        ("README.TXT", "README.TXT"),
    ] {
        let (r, out) = run(&mut cam, what, &dir, &tmp);
        assert_eq!(r, Ok(()), "{what}: {out}");
        assert!(dir.join(rel).exists(), "{what}");
    }
    // A folder takes what is in it.
    let (r, out) = run(&mut cam, "DCIM/100FUJI --force", &dir, &tmp);
    assert_eq!(r, Ok(()), "{out}");
    assert!(out.contains("3 downloaded"), "{out}");
    let (r, _) = run(&mut cam, "NOPE.JPG", &dir, &tmp);
    assert_eq!(
        r,
        Err(CmdError::Failed("no object NOPE.JPG on the camera".into()))
    );
    let t = Target::Object(ObjectRef::Handle(0x99));
    let mut out = Vec::new();
    let r = download(
        &mut cam,
        &t,
        Some(&dir),
        &DownloadOpts::default(),
        &ctx(&tmp),
        &mut out,
    );
    assert!(matches!(r, Err(CmdError::Failed(m)) if m.contains("object 0x00000099")));
}

#[test]
fn without_get_partial_object_a_part_is_resumed_with_the_64_bit_variant_or_started_again() {
    let tmp = Tmp::new("resume64");
    let dir = tmp.0.join("out");
    fs::create_dir_all(&dir).unwrap();
    let part = dir.join("DSCF0001.JPG.part");
    let mut cam = card();
    let want = content(&cam, 0x0a);
    cam.operations = Some(vec![
        OperationCode::GET_OBJECT,
        super::transfer::GET_PARTIAL_OBJECT_64,
    ]);
    fs::write(&part, &want[..1000]).unwrap();
    let (r, out) = run(&mut cam, "0x0a --flat", &dir, &tmp);
    assert_eq!(r, Ok(()), "{out}");
    assert_eq!(fs::read(dir.join("DSCF0001.JPG")).unwrap(), want);
    assert_eq!(
        cam.asked(super::transfer::GET_PARTIAL_OBJECT_64),
        [vec![0x0a, 1000, 0, 69_000]]
    );
    // A camera with neither: the file starts again from the beginning.
    let mut cam = card();
    cam.operations = Some(vec![OperationCode::GET_OBJECT]);
    fs::write(&part, b"stale bytes").unwrap();
    let (r, out) = run(&mut cam, "0x0a --flat --force", &dir, &tmp);
    assert_eq!(r, Ok(()), "{out}");
    assert_eq!(fs::read(dir.join("DSCF0001.JPG")).unwrap(), want);
    assert_eq!(cam.asked(OperationCode::GET_OBJECT).len(), 1);
}

#[test]
fn a_target_that_cannot_be_written_is_named_and_the_rest_goes_on() {
    let tmp = Tmp::new("unwritable");
    let dir = tmp.0.join("out");
    fs::create_dir_all(&dir).unwrap();
    // A file where the DCIM folder should go.
    fs::write(dir.join("DCIM"), b"in the way").unwrap();
    let mut cam = card();
    cam.objects.retain(|o| !o.broken_info);
    let (r, out) = run(&mut cam, "all", &dir, &tmp);
    let Err(CmdError::Failed(m)) = r else {
        panic!("{out}")
    };
    assert_eq!(m, "3 of 4 files could not be downloaded");
    assert!(out.contains("1 downloaded, 0 skipped, 3 failed"), "{out}");
    assert_eq!(
        fs::read(dir.join("README.TXT")).unwrap(),
        content(&cam, 0x0e)
    );
    assert_eq!(fs::read(dir.join("DCIM")).unwrap(), b"in the way");
}
