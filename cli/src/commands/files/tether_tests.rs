//! `tether` over the in-memory camera: objects announced by events, by a Fujifilm body that
//! offers only previews, or found in the handle list; `--exec`, `--count` and the parsing.

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use ptpip_protocol::ptp::codes::EventCode;
use ptpip_protocol::{DeviceEvent, Dialect, OperationCode, Params, TransactionId};

use super::fake::{FakeCamera, FakeObject};
use super::{Context, TetherOpts, parse_tether, tether};
use crate::commands::CmdError;

/// A temporary directory, removed at the end.
struct Tmp(PathBuf);

impl Tmp {
    fn new(tag: &str) -> Self {
        let p = std::env::temp_dir().join(format!("ptpip-tether-{tag}-{}", std::process::id()));
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

fn event(code: EventCode, params: &[u32]) -> DeviceEvent {
    DeviceEvent {
        code,
        transaction: TransactionId::RESERVED,
        params: Params::from_slice(params).unwrap(),
    }
}

fn words(line: &str) -> Vec<String> {
    crate::commands::tokenize(line).unwrap()
}

/// Runs `tether DIR WORDS` on `cam`; the result and what it printed.
fn run(
    cam: &mut FakeCamera,
    dialect: Dialect,
    line: &str,
    tmp: &Tmp,
) -> (Result<(), CmdError>, String) {
    let (dir, opts) = parse_tether(&words(line)).unwrap();
    let ctx = Context {
        progress: false,
        host: "test".into(),
        history_dir: Some(tmp.0.join("history")),
    };
    let mut out = Vec::new();
    let r = tether(cam, dialect, true, dir.as_deref(), &opts, &ctx, &mut out);
    (r, String::from_utf8(out).unwrap())
}

/// A generic camera that sends ObjectAdded, with DCIM/100TEST/OLD.JPG on its card.
fn generic() -> FakeCamera {
    let mut cam = FakeCamera::new(vec![
        FakeObject::folder(1, 0, "DCIM"),
        FakeObject::folder(2, 1, "100TEST"),
        FakeObject::file(3, 2, "OLD.JPG", 100),
    ]);
    cam.operations = Some(vec![
        OperationCode::GET_OBJECT_HANDLES,
        OperationCode::GET_OBJECT,
    ]);
    cam.events_supported = vec![EventCode::OBJECT_ADDED];
    cam
}

#[cfg(unix)]
#[test]
fn objects_announced_by_events_are_saved_and_the_command_runs_for_each() {
    let tmp = Tmp::new("events");
    let mut cam = generic();
    let added = EventCode::OBJECT_ADDED;
    cam.arrivals.extend([
        // What was there at the start is not new, even when announced.
        (event(added, &[3]), None),
        (event(EventCode::DEVICE_PROP_CHANGED, &[0x5005]), None),
        (
            event(added, &[4]),
            Some(FakeObject::file(4, 2, "NEW_1.JPG", 5_000)),
        ),
        (
            event(added, &[5]),
            Some(FakeObject::folder(5, 1, "101TEST")),
        ),
        (
            event(added, &[6]),
            Some(FakeObject::file(6, 5, "NEW_2.JPG", 7_000)),
        ),
        (
            event(added, &[7]),
            Some(FakeObject::file(7, 5, "NEW_3.JPG", 1)),
        ),
    ]);
    let out = tmp.0.join("out");
    let log = tmp.0.join("log");
    let line = format!(
        "{} --count 2 --exec 'echo \"$PTPIP_FILE\" >> {}'",
        out.display(),
        log.display()
    );
    let (r, printed) = run(&mut cam, Dialect::Generic, &line, &tmp);
    r.unwrap();
    let saved = [("DCIM/100TEST/NEW_1.JPG", 4), ("DCIM/101TEST/NEW_2.JPG", 6)];
    for (rel, h) in saved {
        let want = &cam.objects.iter().find(|o| o.handle == h).unwrap().content;
        assert_eq!(&fs::read(out.join(rel)).unwrap(), want, "{rel}");
    }
    assert!(!out.join("DCIM/100TEST/OLD.JPG").exists());
    assert!(!out.join("DCIM/101TEST/NEW_3.JPG").exists(), "--count 2");
    // The command ran once per file, with its path (also in PTPIP_FILE).
    let ran = fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = ran.lines().collect();
    assert_eq!(lines.len(), 2, "{ran}");
    for ((rel, _), line) in saved.iter().zip(&lines) {
        let path = out.join(rel).display().to_string();
        assert_eq!(*line, format!("{path} {path}"));
    }
    assert!(
        printed.contains("2 downloaded, 0 skipped, 0 failed, 12000 bytes"),
        "{printed}"
    );
    // Events with no handle of their own are never downloaded twice: 3 stayed old.
    assert!(
        cam.asked(OperationCode::GET_OBJECT)
            .iter()
            .all(|p| p[0] != 3)
    );
}

#[test]
fn a_fujifilm_body_without_files_gives_its_previews() {
    let tmp = Tmp::new("fuji");
    let mut cam = FakeCamera::new(Vec::new());
    cam.operations = Some(vec![OperationCode::FUJI_GET_CAPTURE_PREVIEW]);
    cam.preview = Some(vec![0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9]);
    for _ in 0..2 {
        cam.arrivals.extend([
            (event(EventCode::FUJI_OBJECT_ADDED, &[]), None),
            (event(EventCode::FUJI_PREVIEW_AVAILABLE, &[1, 7]), None),
            (event(EventCode::CAPTURE_COMPLETE, &[1]), None),
        ]);
    }
    let out = tmp.0.join("out");
    fs::create_dir_all(&out).unwrap();
    // A preview from an earlier run is never overwritten.
    fs::write(out.join("preview-0001.jpg"), b"earlier").unwrap();
    let line = format!("{} --count 2", out.display());
    let (r, printed) = run(&mut cam, Dialect::Fuji, &line, &tmp);
    r.unwrap();
    assert_eq!(fs::read(out.join("preview-0001.jpg")).unwrap(), b"earlier");
    for name in ["preview-0001-1.jpg", "preview-0002.jpg"] {
        assert_eq!(
            fs::read(out.join(name)).unwrap(),
            cam.preview.clone().unwrap(),
            "{name}: {printed}"
        );
    }
    assert_eq!(
        cam.asked(OperationCode::FUJI_GET_CAPTURE_PREVIEW).len(),
        2,
        "each preview fetched once"
    );
    assert!(
        printed.contains("2 downloaded, 0 skipped, 0 failed, 14 bytes"),
        "{printed}"
    );
}

#[cfg(unix)]
#[test]
fn without_events_the_handle_list_is_read_and_a_failing_command_is_reported() {
    let tmp = Tmp::new("poll");
    let mut cam = generic();
    cam.events_supported.clear();
    // Something unrelated happens; meanwhile a picture lands on the card.
    cam.arrivals.push_back((
        event(EventCode(0x4008), &[]),
        Some(FakeObject::file(9, 2, "POLLED.JPG", 300)),
    ));
    let out = tmp.0.join("out");
    let line = format!("{} --interval 0.01 --count 1 --exec false", out.display());
    let (r, _) = run(&mut cam, Dialect::Generic, &line, &tmp);
    match r {
        Err(CmdError::Failed(m)) => assert!(m.contains("--exec failed for 1 files"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        fs::read(out.join("DCIM/100TEST/POLLED.JPG")).unwrap().len(),
        300
    );
    // A second run skips what is there by the download rules.
    let mut again = generic();
    again
        .objects
        .push(FakeObject::file(9, 2, "POLLED.JPG", 300));
    again
        .arrivals
        .push_back((event(EventCode::OBJECT_ADDED, &[9]), None));
    let (r, printed) = run(
        &mut again,
        Dialect::Generic,
        &format!("{} --timeout 0.2", out.display()),
        &tmp,
    );
    r.unwrap();
    assert!(printed.contains("0 downloaded, 0 skipped"), "{printed}");
}

#[test]
fn tether_words_parse() {
    let (dir, o) = parse_tether(&words(
        "pics --exec 'echo hi' --count 3 --timeout 1.5 --interval 2 --new --filename %f.%C -f",
    ))
    .unwrap();
    assert_eq!(dir, Some(PathBuf::from("pics")));
    assert_eq!(o.exec.as_deref(), Some("echo hi"));
    assert_eq!(o.count, Some(3));
    assert_eq!(o.timeout, Some(Duration::from_millis(1500)));
    assert_eq!(o.interval, Some(Duration::from_secs(2)));
    assert!(o.download.new_only && o.download.force && o.download.pattern.is_some());
    assert_eq!(
        parse_tether(&[]).unwrap(),
        (
            None,
            TetherOpts {
                download: parse_tether(&[]).unwrap().1.download,
                ..TetherOpts::default()
            }
        )
    );
    for (bad, why) in [
        ("a b", "unexpected argument 'b'"),
        ("--count 0", "at least 1"),
        ("--interval x", "not a number of seconds"),
        ("--timeout", "missing SECS"),
        ("--exec", "missing CMD"),
        ("--exec ''", "needs a command"),
        ("--bogus", "unknown option"),
        ("--force --no-skip", "do not go together"),
    ] {
        let e = parse_tether(&words(bad)).unwrap_err();
        assert!(e.contains(why), "{bad}: {e}");
    }
}
