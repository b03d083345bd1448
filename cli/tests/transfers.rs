//! Downloads that survive real use, end to end: `ptpip download` against `ptpip camera --dir`
//! (both the binary, as a user runs them), interrupted by SIGINT or SIGTERM, resumed, and
//! carried over a camera that dies and comes back; `download all` twice, `--new`, folders and
//! `--filename`.
//!
//! Deadlines here only keep a broken build from hanging the suite; the times are printed, not
//! asserted.
#![cfg(unix)]

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{TempDir, bin, data_home, ports_in, start_camera};

mod support;

/// The big object: 500 MB.
const BIG: u64 = 500_000_000;

/// How long anything may take before the test gives up (not a timing assertion).
const DEADLINE: Duration = Duration::from_secs(120);

/// `ptpip camera --dir DIR` as a child process.
struct Camera {
    child: Child,
    port: u16,
}

impl Camera {
    /// Starts serving `dir` on `port` (0: the OS picks); returns once it listens.
    fn start(dir: &Path, port: u16) -> Self {
        let port_arg = port.to_string();
        let args = [
            "--port".as_ref(),
            port_arg.as_ref(),
            "--dir".as_ref(),
            dir.as_os_str(),
        ];
        let (child, line) = start_camera::<&std::ffi::OsStr>(&args, DEADLINE);
        let port = *ports_in(&line).first().unwrap_or_else(|| panic!("{line}"));
        Self { child, port }
    }

    /// Kills it at once (SIGKILL), as a camera that dies.
    fn kill(mut self) -> u16 {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.port
    }
}

impl Drop for Camera {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The byte at `offset` of the big object: a pattern that differs from block to block.
fn marker(offset: u64) -> [u8; 8] {
    (offset.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x0050_5450_4950).to_le_bytes()
}

/// A 500 MB file made quickly: sparse, with an 8-byte marker every 64 KiB, so that a resume
/// from the wrong offset shows.
fn big_file(path: &Path) {
    let f = File::create(path).unwrap();
    f.set_len(BIG).unwrap();
    let mut off = 0;
    while off + 8 <= BIG {
        f.write_all_at(&marker(off), off).unwrap();
        off += 64 << 10;
    }
}

/// Whether two files have the same bytes.
fn same_bytes(a: &Path, b: &Path) -> bool {
    let (mut fa, mut fb) = (File::open(a).unwrap(), File::open(b).unwrap());
    if fa.metadata().unwrap().len() != fb.metadata().unwrap().len() {
        return false;
    }
    let (mut ba, mut bb) = (vec![0u8; 4 << 20], vec![0u8; 4 << 20]);
    loop {
        let n = fa.read(&mut ba).unwrap();
        if n == 0 {
            return true;
        }
        fb.read_exact(&mut bb[..n]).unwrap();
        if ba[..n] != bb[..n] {
            return false;
        }
    }
}

/// The client binary against the camera on `port`.
fn ptpip(port: u16, args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args([
        "-h",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "--connect-timeout",
        "10",
    ])
    .args(args)
    .env("XDG_CONFIG_HOME", "/nonexistent-ptpip")
    .env("XDG_DATA_HOME", data_home())
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    c
}

/// What a finished child gave: its exit code, stdout and stderr.
struct Ended {
    code: i32,
    stdout: String,
    stderr: String,
}

impl std::fmt::Debug for Ended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Waits for `child` (up to [`DEADLINE`], then kills it and fails).
fn wait(mut child: Child) -> Ended {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let (mut stdout, mut stderr) = (String::new(), String::new());
            let _ = child.stdout.take().unwrap().read_to_string(&mut stdout);
            let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
            return Ended {
                code: status.code().unwrap_or(-1),
                stdout,
                stderr,
            };
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("the command did not end within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs to the end.
fn run(port: u16, args: &[&str]) -> Ended {
    wait(ptpip(port, args).spawn().unwrap())
}

/// Waits until `path` holds at least `n` bytes.
fn wait_for_bytes(path: &Path, n: u64, child: &mut Child) {
    let started = Instant::now();
    while fs::metadata(path).map_or(0, |m| m.len()) < n {
        if let Some(s) = child.try_wait().unwrap() {
            panic!(
                "the download ended ({s}) before {} had {n} bytes",
                path.display()
            );
        }
        assert!(
            started.elapsed() < DEADLINE,
            "{} never grew",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Sends `signal` to `child`.
fn signal(child: &Child, signal: &str) {
    let ok = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// A card with the big object, served by the camera; the download directory.
struct Setup {
    _tmp: TempDir,
    source: PathBuf,
    out: PathBuf,
    camera: Camera,
}

fn setup(tag: &str) -> Setup {
    let tmp = TempDir::new(tag);
    let card = PathBuf::from(tmp.path("card"));
    fs::create_dir_all(&card).unwrap();
    let source = card.join("BIG00001.MOV");
    big_file(&source);
    let camera = Camera::start(&card, 0);
    Setup {
        out: PathBuf::from(tmp.path("out")),
        _tmp: tmp,
        source,
        camera,
    }
}

/// Interrupts a download of the big object with `sig` after its first MiB, checks what is
/// left, then resumes it.
fn interrupt_then_resume(tag: &str, sig: &str, code: i32) {
    let s = setup(tag);
    let out = s.out.to_str().unwrap();
    let (done, part) = (s.out.join("BIG00001.MOV"), s.out.join("BIG00001.MOV.part"));
    let mut child = ptpip(s.camera.port, &["download", "all", out, "--flat"])
        .spawn()
        .unwrap();
    wait_for_bytes(&part, 1 << 20, &mut child);
    let sent = Instant::now();
    signal(&child, sig);
    let r = wait(child);
    eprintln!(
        "{sig}: the download stopped {:?} after the signal",
        sent.elapsed()
    );
    assert_eq!(r.code, code, "{r:?}");
    assert!(r.stderr.contains("interrupted"), "{r:?}");
    assert!(!done.exists(), "a file under the final name after {sig}");
    let kept = fs::metadata(&part).expect("the .part file is kept").len();
    assert!(kept >= 1 << 20, "{kept}");
    // The camera serves the next session.
    let ls = run(s.camera.port, &["ls"]);
    assert_eq!(ls.code, 0, "{ls:?}");
    assert!(ls.stdout.contains("BIG00001.MOV"), "{ls:?}");
    // And the download resumes where the .part ends.
    let kept = fs::metadata(&part).unwrap().len();
    let r = run(s.camera.port, &["download", "all", out, "--flat"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains(&format!("resumed at {kept}")), "{r:?}");
    assert!(!part.exists());
    assert!(same_bytes(&done, &s.source), "the resumed file differs");
}

#[test]
fn sigint_stops_a_download_with_130_and_it_resumes() {
    interrupt_then_resume("sigint", "-INT", 130);
}

#[test]
fn sigterm_stops_a_download_with_143_and_it_resumes() {
    interrupt_then_resume("sigterm", "-TERM", 143);
}

#[test]
fn a_camera_that_dies_mid_file_is_reconnected_and_the_file_resumed() {
    let s = setup("reconnect");
    let out = s.out.to_str().unwrap();
    let part = s.out.join("BIG00001.MOV.part");
    let mut child = ptpip(
        s.camera.port,
        &["download", "all", out, "--flat", "--retries", "3"],
    )
    .spawn()
    .unwrap();
    wait_for_bytes(&part, 1 << 20, &mut child);
    let card = s.source.parent().unwrap().to_path_buf();
    let port = s.camera.kill();
    let _camera = Camera::start(&card, port);
    let r = wait(child);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("reconnecting"), "{r:?}");
    assert!(
        r.stdout.contains("1 downloaded, 0 skipped, 0 failed"),
        "{r:?}"
    );
    assert!(same_bytes(&s.out.join("BIG00001.MOV"), &s.source));
}

/// Writes a small file of `n` bytes at `rel` under `dir`.
fn small(dir: &Path, rel: &str, n: usize) -> PathBuf {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    let mut f = File::create(&p).unwrap();
    let bytes: Vec<u8> = (0..n).map(|i| (i % 251) as u8 ^ rel.len() as u8).collect();
    f.write_all(&bytes).unwrap();
    p
}

#[test]
fn download_all_twice_then_new_with_folders_and_patterns() {
    let tmp = TempDir::new("sync");
    let card = PathBuf::from(tmp.path("card"));
    let files = [
        "DCIM/100FUJI/DSCF0001.JPG",
        "DCIM/100FUJI/DSCF0002.RAF",
        "DCIM/101FUJI/DSCF0003.JPG",
    ];
    for (i, f) in files.iter().enumerate() {
        small(&card, f, 10_000 + i * 1000);
    }
    let cam = Camera::start(&card, 0);
    let out = tmp.path("out");
    let r = run(cam.port, &["download", "all", &out]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("3 downloaded, 0 skipped, 0 failed, 33000 bytes"),
        "{r:?}"
    );
    for f in files {
        assert!(same_bytes(&card.join(f), &Path::new(&out).join(f)), "{f}");
    }
    // Again: nothing moves, and it says so.
    let r = run(cam.port, &["download", "all", &out]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("0 downloaded, 3 skipped, 0 failed, 0 bytes"),
        "{r:?}"
    );
    // A new picture on the card (the camera reads its folder when it starts).
    drop(cam);
    small(&card, "DCIM/101FUJI/DSCF0004.JPG", 777);
    let cam = Camera::start(&card, 0);
    // --new takes exactly that one, wherever the others are (here: nowhere).
    let fresh = tmp.path("fresh");
    let r = run(cam.port, &["download", "all", &fresh, "--new"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("1 downloaded, 3 skipped, 0 failed, 777 bytes"),
        "{r:?}"
    );
    let got: Vec<_> = walk(Path::new(&fresh));
    assert_eq!(got, ["DCIM/101FUJI/DSCF0004.JPG"]);
    // A pattern: by folder and counter; two names for one file are refused first.
    let named = tmp.path("named");
    let r = run(
        cam.port,
        &["download", "*.JPG", &named, "--filename", "%f.%C"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let r = run(cam.port, &["download", "all", &named, "--filename", "x.%C"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("would both be saved as x.JPG"), "{r:?}");
    assert_eq!(walk(Path::new(&named)).len(), 3, "nothing new was written");
    let r = run(
        cam.port,
        &[
            "download",
            "all",
            &named,
            "--filename",
            "%:/%4n-%f.%C",
            "--format",
            "jpeg",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        Path::new(&named)
            .join("DCIM/101FUJI/0003-DSCF0004.JPG")
            .exists(),
        "{r:?}"
    );
}

/// The files under `dir`, as sorted relative paths.
fn walk(dir: &Path) -> Vec<String> {
    fn go(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                go(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    if dir.exists() {
        go(dir, dir, &mut out);
    }
    out.sort();
    out
}
