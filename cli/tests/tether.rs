//! Download as you shoot, settings at a glance, and the built-in camera that makes them testable,
//! end to end with the binary on both sides: `ptpip tether` against `ptpip camera --dir` while
//! files are copied into the folder; `props` against both built-in cameras; a property that keeps
//! its value from one session to the next; an upload made by ptpip that gphoto2 then lists.
//!
//! Deadlines here only keep a broken build from hanging the suite; times are not asserted.
#![cfg(unix)]

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use support::{TempDir, bin, data_home, ports_in, start_camera};

mod support;

/// How long anything may take before the test gives up (not a timing assertion).
const DEADLINE: Duration = Duration::from_secs(60);

/// `ptpip camera ARGS` as a child process.
struct Camera {
    child: Child,
    /// The arguments that reach it: host and ports.
    args: Vec<String>,
}

impl Camera {
    /// Starts `ptpip camera --port 0 ARGS`; returns once it listens.
    fn start(args: &[&str]) -> Self {
        let mut all = vec!["--port", "0"];
        all.extend(args);
        let (child, banner) = start_camera(&all, DEADLINE);
        let ports: Vec<String> = ports_in(&banner).iter().map(u16::to_string).collect();
        let mut to = vec!["-h", "127.0.0.1", "--connect-timeout", "10"];
        if banner.contains("Fujifilm") {
            to.extend(["-t", "fuji", "-pc", &ports[0], "-pe", &ports[1]]);
        } else {
            to.extend(["-p", &ports[0]]);
        }
        let args = to.into_iter().map(str::to_owned).collect();
        Self { child, args }
    }

    /// The client binary with `args`, pointed at this camera.
    fn ptpip(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.args(&self.args)
            .args(args)
            .env("XDG_CONFIG_HOME", "/nonexistent-ptpip")
            .env("XDG_DATA_HOME", data_home())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    /// Runs the client to its end.
    fn run(&self, args: &[&str]) -> Ended {
        wait(self.ptpip(args).spawn().unwrap(), None)
    }

    /// The command port.
    fn port(&self) -> &str {
        let i = self.args.iter().position(|a| a == "-p").unwrap();
        &self.args[i + 1]
    }
}

impl Drop for Camera {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a finished child gave.
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

/// Waits for `child` (up to [`DEADLINE`], then kills it and fails); `stderr` is its stderr when
/// a reader already took it.
fn wait(mut child: Child, stderr: Option<Receiver<String>>) -> Ended {
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("the command did not end within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stdout = String::new();
    let _ = child.stdout.take().unwrap().read_to_string(&mut stdout);
    let stderr = match (stderr, child.stderr.take()) {
        (Some(rx), _) => rx.iter().collect::<Vec<_>>().join(""),
        (None, Some(mut e)) => {
            let mut s = String::new();
            let _ = e.read_to_string(&mut s);
            s
        }
        (None, None) => String::new(),
    };
    Ended {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

/// Forwards the lines of `child`'s stderr; returns once one contains `marker` (the rest keeps
/// coming through the receiver, the lines read so far first).
fn stderr_until(child: &mut Child, marker: &str) -> Receiver<String> {
    let err = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let (seen_tx, seen) = mpsc::channel();
    let wanted = marker.to_owned();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines() {
            let Ok(line) = line else { break };
            if line.contains(&wanted) {
                let _ = seen_tx.send(());
            }
            let _ = tx.send(format!("{line}\n"));
        }
    });
    seen.recv_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("no '{marker}' on stderr"));
    rx
}

/// `n` bytes that differ from file to file.
fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 9) as u8)
        .collect()
}

#[test]
fn ctrl_c_while_the_exec_command_runs_stops_it_and_tether() {
    let tmp = TempDir::new("tether-exec-int");
    let card = PathBuf::from(tmp.path("card"));
    fs::create_dir_all(card.join("DCIM/100TEST")).unwrap();
    let cam = Camera::start(&["--dir", card.to_str().unwrap()]);
    let out = tmp.path("out");
    let log = tmp.path("exec.log");
    // `exec` replaces the shell, so killing the command leaves nothing behind holding our pipes;
    // `#` drops the path ptpip appends.
    let exec = format!("echo started >> {log}; exec sleep 600 #");
    let mut child = cam
        .ptpip(&["tether", &out, "--exec", &exec])
        .spawn()
        .unwrap();
    let err = stderr_until(&mut child, "Ctrl-C stops");
    fs::write(card.join("DCIM/100TEST/DSCF0001.JPG"), bytes(1000, 5)).unwrap();
    let started = Instant::now();
    while !fs::read_to_string(&log).is_ok_and(|l| l.contains("started")) {
        assert!(started.elapsed() < DEADLINE, "the --exec command never ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    support::interrupt(&child);
    // The 600 s command was killed: tether ends well before it would have.
    let r = wait(child, Some(err));
    assert_eq!(r.code, 130, "{r:?}");
    assert!(
        Path::new(&out).join("DCIM/100TEST/DSCF0001.JPG").exists(),
        "{r:?}"
    );
}

#[test]
fn tether_saves_each_file_copied_into_the_cameras_folder_and_runs_the_command() {
    let tmp = TempDir::new("tether");
    let card = PathBuf::from(tmp.path("card"));
    let source = PathBuf::from(tmp.path("source"));
    fs::create_dir_all(card.join("DCIM/100TEST")).unwrap();
    fs::create_dir_all(&source).unwrap();
    fs::write(card.join("DCIM/100TEST/OLD.JPG"), bytes(1000, 1)).unwrap();
    let cam = Camera::start(&["--dir", card.to_str().unwrap()]);
    let out = tmp.path("out");
    let log = tmp.path("exec.log");
    let exec = format!("echo >> {log}");
    let mut child = cam
        .ptpip(&["tether", &out, "--count", "3", "--exec", &exec])
        .spawn()
        .unwrap();
    let err = stderr_until(&mut child, "Ctrl-C stops");
    // Three pictures, copied in as a photographer's import would: one large.
    let names = ["DSCF0001.JPG", "DSCF0002.RAF", "DSCF0003.JPG"];
    let sizes = [3_000_000, 20_000, 1];
    for (i, (name, n)) in names.iter().zip(sizes).enumerate() {
        let src = source.join(name);
        fs::write(&src, bytes(n, i as u8 + 2)).unwrap();
        fs::copy(&src, card.join("DCIM/100TEST").join(name)).unwrap();
    }
    let r = wait(child, Some(err));
    assert_eq!(r.code, 0, "{r:?}");
    for name in names {
        let got = Path::new(&out).join("DCIM/100TEST").join(name);
        assert_eq!(
            fs::read(&got).unwrap_or_default(),
            fs::read(source.join(name)).unwrap(),
            "{name}: {r:?}"
        );
    }
    assert!(
        !Path::new(&out).join("DCIM/100TEST/OLD.JPG").exists(),
        "on the card before: not new"
    );
    assert!(
        r.stdout.contains("3 downloaded, 0 skipped, 0 failed"),
        "{r:?}"
    );
    // The command ran once per file, with the file's path as its argument.
    let ran = fs::read_to_string(&log).unwrap();
    let mut paths: Vec<&str> = ran.lines().collect();
    paths.sort_unstable();
    let mut want: Vec<String> = names
        .iter()
        .map(|n| format!("{out}/DCIM/100TEST/{n}"))
        .collect();
    want.sort();
    assert_eq!(paths, want, "{r:?}");
}

#[test]
fn ctrl_c_stops_tether_with_130() {
    let tmp = TempDir::new("tether-stop");
    let card = PathBuf::from(tmp.path("card"));
    fs::create_dir_all(&card).unwrap();
    let cam = Camera::start(&["--dir", card.to_str().unwrap()]);
    let out = tmp.path("out");
    let mut child = cam.ptpip(&["tether", &out]).spawn().unwrap();
    let err = stderr_until(&mut child, "Ctrl-C stops");
    fs::write(card.join("ONE.JPG"), bytes(5000, 9)).unwrap();
    // Once it is saved, Ctrl-C.
    let started = Instant::now();
    while !Path::new(&out).join("ONE.JPG").exists() {
        assert!(started.elapsed() < DEADLINE, "ONE.JPG never came");
        std::thread::sleep(Duration::from_millis(20));
    }
    support::interrupt(&child);
    let r = wait(child, Some(err));
    assert_eq!(r.code, 130, "{r:?}");
    assert!(r.stderr.contains("interrupted"), "{r:?}");
    assert!(r.stdout.contains("1 downloaded"), "{r:?}");
}

#[test]
fn props_lists_every_property_of_both_built_in_cameras() {
    let generic = Camera::start(&[]);
    let r = generic.run(&["props"]);
    assert_eq!(r.code, 0, "{r:?}");
    for line in [
        "0x5005 WhiteBalance (whitebalance)",
        "  Current:  Automatic (0x2)",
        "0x5001 BatteryLevel (battery)",
        "  Type:     UINT8, read-only",
        "0x5011 DateTime (datetime)",
    ] {
        assert!(r.stdout.lines().any(|l| l == line), "{line}: {r:?}");
    }
    let r = generic.run(&["--json", "props"]);
    assert_eq!(r.code, 0, "{r:?}");
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let all = j.as_array().unwrap();
    assert_eq!(all.len(), 5, "{r:?}");
    let wb = all.iter().find(|p| p["name"] == "whitebalance").unwrap();
    assert_eq!(wb["devicePropertyCode"]["code"], 0x5005);
    assert_eq!(wb["currentValue"]["label"], "Automatic");
    assert_eq!(wb["formType"], "enum");
    assert_eq!(wb["form"]["values"].as_array().unwrap().len(), 7);

    let fuji = Camera::start(&["--vendor", "fuji"]);
    let r = fuji.run(&["props"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("(iso)\n"), "{r:?}");
    let r = fuji.run(&["props", "json", "pretty"]);
    assert_eq!(r.code, 0, "{r:?}");
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let all = j.as_array().unwrap();
    assert_eq!(all.len(), 8, "the X-T1's 0x902B list: {r:?}");
    let film = all.iter().find(|p| p["name"] == "effect").unwrap();
    assert_eq!(film["devicePropertyCode"]["code"], 0xD001);
    assert!(r.stdout.contains("\n    {\n"), "pretty: {r:?}");
}

#[test]
fn a_property_keeps_its_value_for_the_next_session() {
    let cam = Camera::start(&[]);
    let r = cam.run(&["set", "whitebalance", "daylight"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = cam.run(&["get", "whitebalance"]);
    assert_eq!(r.stdout, "Daylight (0x4)\n", "{r:?}");
}

/// gphoto2, or `None` after a skip line (a failure with `PTPIP_REQUIRE_TOOLS=1`).
fn gphoto2() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("gphoto2"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let hint = "apt-get install --no-install-recommends gphoto2";
        assert!(
            std::env::var_os("PTPIP_REQUIRE_TOOLS").is_none_or(|v| v != "1"),
            "gphoto2 not installed ({hint}), and PTPIP_REQUIRE_TOOLS=1 forbids skipping"
        );
        eprintln!("SKIPPED: gphoto2 not installed ({hint})");
    }
    found
}

#[test]
fn gphoto2_lists_a_file_that_ptpip_uploaded() {
    let Some(gphoto2) = gphoto2() else { return };
    let tmp = TempDir::new("gphoto2-upload");
    let card = PathBuf::from(tmp.path("card"));
    fs::create_dir_all(card.join("DCIM")).unwrap();
    let cam = Camera::start(&["--dir", card.to_str().unwrap(), "--writable"]);
    let file = tmp.path("UPLOADED.JPG");
    fs::write(&file, bytes(40_000, 7)).unwrap();
    let r = cam.run(&["upload", &file, "DCIM/"]);
    assert_eq!(r.code, 0, "{r:?}");
    // Written to the folder, and served to the next initiator: gphoto2, on the same camera.
    assert_eq!(
        fs::read(card.join("DCIM/UPLOADED.JPG")).unwrap(),
        bytes(40_000, 7)
    );
    let home = tmp.path("home");
    fs::create_dir_all(&home).unwrap();
    let port = cam.port().to_owned();
    let child = Command::new(gphoto2)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", format!("{home}/.config"))
        .env("LC_ALL", "C")
        .env("LANGUAGE", "C")
        .args(["--port", &format!("ptpip:127.0.0.1:{port}:{port}")])
        .arg("--list-files")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let r = wait(child, None);
    assert_eq!(r.code, 0, "{r:?}");
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains("UPLOADED.JPG"))
        .unwrap_or_else(|| panic!("gphoto2 does not list the upload: {r:?}"));
    assert!(line.contains("40 KB") || line.contains("39 KB"), "{line}");
    assert!(r.stdout.contains("/DCIM'"), "{r:?}");
}
