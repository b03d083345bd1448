//! Every Fujifilm command against `ptpip camera --vendor fuji`, run as a process on 127.0.0.1
//! with ports the OS picks: remote shooting in remote mode, browsing and downloading a card in
//! browse mode, a multiple transfer, geotagging, and a body without remote mode.

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use support::{Out, TempDir, bin, data_home};

mod support;

/// A `ptpip camera --vendor fuji` process, killed when dropped.
struct Camera {
    child: Child,
    /// `-h 127.0.0.1 -t fuji -pc … -pe … -ps …` for the client.
    args: Vec<String>,
}

impl Camera {
    /// Starts the camera in `mode` (`--mode`), serving `dir` if given.
    fn start(mode: &str, dir: Option<&str>) -> Self {
        let mut cmd = Command::new(bin());
        cmd.args(["camera", "--vendor", "fuji", "--port", "0", "--mode", mode]);
        if let Some(d) = dir {
            cmd.args(["--dir", d]);
        }
        let mut child = cmd
            .env("XDG_CONFIG_HOME", "/nonexistent-ptpip")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut banner = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut banner)
            .unwrap();
        let ports = support::ports_in(&banner);
        assert_eq!(ports.len(), 3, "{banner}");
        assert!(banner.contains(&format!("{mode} mode")), "{banner}");
        let mut args: Vec<String> = ["-h", "127.0.0.1", "--connect-timeout", "5", "-t", "fuji"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        for (flag, port) in ["-pc", "-pe", "-ps"].iter().zip(&ports) {
            args.push((*flag).to_owned());
            args.push(port.to_string());
        }
        Self { child, args }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.args(&self.args)
            .args(args)
            .env("XDG_CONFIG_HOME", "/nonexistent-ptpip")
            .env("XDG_DATA_HOME", data_home());
        c
    }

    fn run(&self, args: &[&str]) -> Out {
        self.run_with(args, None)
    }

    fn run_with(&self, args: &[&str], input: Option<&str>) -> Out {
        support::finish(&mut self.command(args), input)
    }

    /// Runs a command that must succeed; its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(r.code, 0, "{args:?}: {r:?}");
        r.stdout
    }

    /// Runs a command that must fail with exit code 1; its stderr.
    fn fails(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(r.code, 1, "{args:?}: {r:?}");
        r.stderr
    }
}

impl Drop for Camera {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `n` bytes of a JPEG-looking file (SOI, noise, EOI).
fn picture(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    let mut v: Vec<u8> = (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    v[..2].copy_from_slice(&[0xFF, 0xD8]);
    let end = v.len();
    v[end - 2..].copy_from_slice(&[0xFF, 0xD9]);
    v
}

/// A card: two pictures (one over 1 MiB, read in several pieces) and a RAF in a subfolder.
fn card() -> (TempDir, Vec<(&'static str, Vec<u8>)>) {
    let d = TempDir::new("fuji-card");
    let files = vec![
        ("DSCF0001.JPG", picture(2_300_000, 3)),
        ("DSCF0002.JPG", picture(40_000, 5)),
        ("DSCF0003.RAF", picture(700_000, 7)),
    ];
    d.write("DCIM/100_FUJI/.keep", "");
    for (name, data) in &files {
        let folder = if name.ends_with(".RAF") {
            "DCIM/100_FUJI"
        } else {
            "DCIM"
        };
        let p = d.path(&format!("{folder}/{name}"));
        fs::write(p, data).unwrap();
    }
    (d, files)
}

#[test]
fn remote_shooting_steps_targets_focus_movie_capture_and_live_view() {
    let cam = Camera::start("remote", None);
    assert_eq!(cam.ok(&["shutter-speed"]), "shutter speed: 1/250\n");
    assert_eq!(
        cam.ok(&["shutter-speed", "1/1000"]),
        "shutter speed: 1/250 -> 1/1000 (6 steps)\n"
    );
    // The camera keeps its settings from one connection to the next.
    assert_eq!(cam.ok(&["shutter_speed"]), "shutter speed: 1/1000\n");
    assert_eq!(
        cam.ok(&["set_shutter_speed", "1/250"]),
        "shutter speed: 1/1000 -> 1/250 (6 steps)\n"
    );
    assert_eq!(
        cam.ok(&["shutter-speed", "+2"]),
        "shutter speed: 1/250 -> 1/400 (+2 steps)\n"
    );
    assert_eq!(
        cam.ok(&["shutter-speed", "-2"]),
        "shutter speed: 1/400 -> 1/250 (-2 steps)\n"
    );
    let e = cam.fails(&["shutter-speed", "1/8000"]);
    assert!(
        e.contains("at the end of its range: it stays at 1/4000"),
        "{e}"
    );
    assert_eq!(
        cam.ok(&["-c", "shutter-speed 1/250"]),
        "shutter speed: 1/4000 -> 1/250 (12 steps)\n"
    );
    let e = cam.fails(&["shutter-speed", "1/300"]);
    assert!(
        e.contains("has no shutter speed of 1/300: it went from 1/250 to 1/320"),
        "{e}"
    );
    cam.ok(&["shutter-speed", "1/250"]);
    assert!(cam.ok(&["aperture", "f/8"]).ends_with("-> f/8 (3 steps)\n"));
    assert!(
        cam.ok(&["set_aperture", "+1"])
            .ends_with("f/8 -> f/9 (+1 steps)\n")
    );
    assert_eq!(
        cam.ok(&["exposure-bias", "-2/3"]),
        "exposure bias: 0 -> -2/3 (2 steps)\n"
    );
    assert!(
        cam.ok(&["exposure_compensation", "0"])
            .ends_with("-2/3 -> 0 (2 steps)\n")
    );

    assert_eq!(
        cam.ok(&["focus-point", "3", "5"]),
        "focus point: 3x5 (focus locked)\n"
    );
    let state = cam.ok(&["state"]);
    for label in ["3x5", "1/250", "f/9", "S6400", "2/3"] {
        assert!(state.contains(label), "{label}: {state}");
    }
    assert_eq!(
        cam.ok(&["focus_point", "2x2"]),
        "focus point: 2x2 (focus locked)\n"
    );
    assert_eq!(cam.ok(&["unlock_focus"]), "focus unlocked\n");
    let e = cam.fails(&["focus-point", "9", "1"]);
    assert!(e.contains("grid"), "{e}");

    // A movie, started and stopped in one session (the shell).
    let r = cam.run_with(
        &["-i"],
        Some("movie start\nmovie stop\nstart_record\nstop_record\n"),
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout.matches("recording a movie").count(), 2, "{r:?}");
    assert_eq!(r.stdout.matches("movie stopped").count(), 2, "{r:?}");
    let e = cam.fails(&["movie", "stop"]);
    assert!(e.contains("did not start a movie"), "{e}");

    // Capture: the preview matches the size 0xC001 announced (no warning).
    let dir = TempDir::new("fuji-shots");
    let r = cam.run(&["capture", &dir.path("shot.jpg")]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!r.stderr.contains("warning"), "{r:?}");
    assert!(
        fs::read(dir.path("shot.jpg"))
            .unwrap()
            .starts_with(&[0xFF, 0xD8])
    );

    // Live view twice in one session: frames from SOI to EOI, the rate at the end.
    let r = cam.run_with(
        &["-i"],
        Some(&format!(
            "liveview {} --frames 3\nliveview {} --frames 2\n",
            dir.path("lv1"),
            dir.path("lv2")
        )),
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains(&format!("Saved 3 frames to {}", dir.path("lv1"))),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains(&format!("Saved 2 frames to {}", dir.path("lv2"))),
        "{r:?}"
    );
    assert!(
        r.stderr.contains("frames/s, 0 broken frames skipped"),
        "{r:?}"
    );
    let jpeg = fs::read(dir.path("lv2/frame-000002.jpg")).unwrap();
    assert!(jpeg.starts_with(&[0xFF, 0xD8]) && jpeg.ends_with(&[0xFF, 0xD9]));
    // At -v the rate is logged while streaming.
    let r = cam.run(&["-v", "liveview", &dir.path("lv3"), "--frames", "15"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("live view: ") && r.stderr.contains("frames/s ("),
        "{r:?}"
    );

    // Remote mode has no card to browse, and no geotags.
    assert!(cam.ok(&["ls"]).contains("--mode browse"));
    let e = cam.fails(&["geotag", "48.8584", "2.2945"]);
    assert!(e.contains("--mode geotag"), "{e}");
}

#[test]
fn geotag_mode_takes_a_position() {
    let cam = Camera::start("remote", None);
    let out = cam.ok(&["--mode", "geotag", "geotag", "48.8584", "2.2945", "330"]);
    assert!(
        out.starts_with("position sent: 48.858400, 2.294500, 330.00 m, "),
        "{out}"
    );
    // Remote shooting is refused in geotag mode, saying how to get it.
    let e = cam.fails(&["--mode", "geotag", "shutter-speed", "+1"]);
    assert!(
        e.contains("needs remote mode, and this session is in geotag mode"),
        "{e}"
    );
}

#[test]
fn browse_mode_lists_and_downloads_the_card_byte_for_byte() {
    let (card, files) = card();
    let cam = Camera::start("browse", Some(&card.path("")));
    let ls = cam.ok(&["--mode", "browse", "ls"]);
    for (name, data) in &files {
        assert!(ls.contains(name), "{ls}");
        let _ = data;
    }
    assert!(
        ls.contains("2.2 MiB"),
        "the true size, not the placeholder: {ls}"
    );
    let long = cam.ok(&["--mode", "browse", "ls", "-l", "json"]);
    assert!(long.contains("\"size\":2300000"), "{long}");

    let out = TempDir::new("fuji-dl");
    let r = cam.ok(&["--mode", "browse", "download", "all", &out.path("")]);
    assert!(
        r.ends_with("downloaded 3, skipped 0, failed 0, 2.9 MiB\n"),
        "{r}"
    );
    for (name, data) in &files {
        assert_eq!(&fs::read(out.path(name)).unwrap(), data, "{name}");
    }
    // Again: already there.
    let r = cam.ok(&["--mode", "browse", "download", "all", &out.path("")]);
    assert!(
        r.ends_with("downloaded 0, skipped 3, failed 0, 0 B\n"),
        "{r}"
    );
    // A glob, a name, a handle.
    let out2 = TempDir::new("fuji-dl2");
    cam.ok(&["--mode", "browse", "download", "*.RAF", &out2.path("")]);
    cam.ok(&[
        "--mode",
        "browse",
        "download",
        "DSCF0002.JPG",
        &out2.path(""),
    ]);
    assert_eq!(
        fs::read(out2.path("DSCF0003.RAF")).unwrap(),
        files[2].1,
        "by glob"
    );
    assert!(fs::read(out2.path("DSCF0002.JPG")).is_ok());
    let thumbs = TempDir::new("fuji-thumbs");
    cam.ok(&["--mode", "browse", "thumb", "all", &thumbs.path("")]);
    let t = fs::read(thumbs.path("DSCF0001.JPG.thumb.jpg")).unwrap();
    assert!(t.starts_with(&[0xFF, 0xD8]));
    // Remote shooting in browse mode says what to do.
    let e = cam.fails(&["--mode", "browse", "aperture", "+1"]);
    assert!(e.contains("needs remote mode"), "{e}");
    // A client asking for remote mode is refused and still browses.
    let r = cam.run(&["ls"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("did not enter remote mode"), "{r:?}");
    assert!(r.stdout.contains("DSCF0001.JPG"), "{r:?}");
    let e = cam.fails(&["capture"]);
    assert!(e.contains("need remote mode"), "{e}");
}

#[test]
fn the_mode_comes_from_the_config_file_too() {
    let (card, _) = card();
    let cam = Camera::start("browse", Some(&card.path("")));
    let home = TempDir::new("fuji-config");
    let ini = home.write(
        "c.ini",
        "[responder]\nmode = browse\n[initiator]\napp_version = 0x000200FF\n",
    );
    let r = cam.run(&["-f", &ini, "--dry-run"]);
    assert!(
        r.stdout
            .contains("fujifilm mode:  browse, app version 0x000200ff"),
        "{r:?}"
    );
    let r = cam.run(&["-f", &ini, "ls"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!r.stderr.contains("remote mode"), "{r:?}");
    let r = cam.run(&["--dry-run", "--mode", "shoot"]);
    assert_eq!(r.code, 2, "{r:?}");
}

#[test]
fn a_multiple_transfer_is_received() {
    let (card, files) = card();
    let cam = Camera::start("receive", Some(&card.path("")));
    let out = TempDir::new("fuji-recv");
    let r = cam.ok(&["--mode", "browse", "receive", &out.path("")]);
    assert!(
        r.ends_with(&format!("received 3 pictures into {}\n", out.path(""))),
        "{r}"
    );
    for (name, data) in &files {
        assert_eq!(&fs::read(out.path(name)).unwrap(), data, "{name}");
    }
    // Without a transfer there is nothing to receive.
    let cam = Camera::start("browse", None);
    let e = cam.fails(&["--mode", "browse", "receive", &out.path("again")]);
    assert!(e.contains("not sending pictures"), "{e}");
}

#[test]
fn a_body_without_remote_mode_browses_and_says_why_remote_commands_cannot_run() {
    let cam = Camera::start("no-remote", None);
    let r = cam.run(&["ls"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains(
            "did not enter remote mode: GetDevicePropValue 0xDF24 answered with an empty value"
        ),
        "{r:?}"
    );
    assert!(r.stdout.contains("DSCF0003.JPG"), "{r:?}");
    let dir = TempDir::new("fuji-noremote");
    cam.ok(&["download", "DSCF0001.JPG", &dir.path("")]);
    assert!(
        fs::read(dir.path("DSCF0001.JPG"))
            .unwrap()
            .starts_with(&[0xFF, 0xD8])
    );
    for args in [
        &["shutter-speed", "+1"][..],
        &["focus-point", "1", "1"],
        &["movie", "start"],
        &["capture"],
        &["liveview", "x"],
    ] {
        let e = cam.fails(args);
        assert!(e.contains("need remote mode"), "{args:?}: {e}");
    }
}
