//! `--transport std|mio` (and `PTPIP_TRANSPORT`, `[initiator] transport`): which driver the
//! client commands run on, and that the output is the same on both. The whole suite runs on
//! either: `PTPIP_TRANSPORT=mio cargo test -p ptpip` (CI does both).

use std::fs;
use std::process::Command;

use support::{Cam, TempDir, bin, data_home, stream_server};

mod support;

/// The line `-vv` logs when connecting.
fn through(transport: &str) -> String {
    format!("connecting through the {transport} transport")
}

/// Runs `info -vv` on `cam`'s port with `args` before it and `env` set (the inherited
/// `PTPIP_TRANSPORT` removed first); exit code and stderr.
fn info_with(port: &str, args: &[&str], env: Option<&str>, home: &str) -> (i32, String) {
    let mut c = Command::new(bin());
    c.args([
        "-h",
        "127.0.0.1",
        "--connect-timeout",
        "5",
        "-p",
        port,
        "-vv",
    ])
    .args(args)
    .arg("info")
    .env("XDG_CONFIG_HOME", home)
    .env("XDG_DATA_HOME", data_home())
    .env_remove("PTPIP_TRANSPORT");
    if let Some(v) = env {
        c.env("PTPIP_TRANSPORT", v);
    }
    let o = c.output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn the_option_the_variable_and_the_file_pick_the_driver() {
    let cam = Cam::generic();
    let (port, _) = cam.ports();
    let none = "/nonexistent-ptpip";
    let home_dir = TempDir::new("transport-ini");
    home_dir.write("ptpip/config.ini", "[initiator]\ntransport = mio\n");
    let home = home_dir.path("");
    for (args, env, home, want) in [
        // The default.
        (&[][..], None, none, "std"),
        (&["--transport", "mio"][..], None, none, "mio"),
        (&["--transport", "std"][..], None, none, "std"),
        // The variable stands for the option, which wins over it.
        (&[][..], Some("mio"), none, "mio"),
        (&["--transport", "std"][..], Some("mio"), none, "std"),
        // The file, under the variable and the option.
        (&[][..], None, home.as_str(), "mio"),
        (&[][..], Some("std"), home.as_str(), "std"),
        (&["--transport", "std"][..], None, home.as_str(), "std"),
    ] {
        let (code, stderr) = info_with(&port, args, env, home);
        assert_eq!(code, 0, "{args:?} {env:?} {home}: {stderr}");
        assert!(
            stderr.contains(&through(want)),
            "{args:?} {env:?} {home}: {stderr}"
        );
        let other = if want == "std" { "mio" } else { "std" };
        assert!(!stderr.contains(&through(other)), "{stderr}");
    }
    // --dry-run says which.
    let r = cam.run(&["--transport", "mio", "--dry-run"]);
    assert!(r.stdout.contains("transport:      mio\n"), "{r:?}");
}

#[test]
fn bad_transport_names_are_refused() {
    let (code, stderr) = info_with("1", &[], Some("tokio"), "/nonexistent-ptpip");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("PTPIP_TRANSPORT: unknown transport 'tokio' (std or mio)"),
        "{stderr}"
    );
    let (code, stderr) = info_with("1", &["--transport", "tokio"], None, "/nonexistent-ptpip");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("unknown transport 'tokio'"), "{stderr}");
    let dir = TempDir::new("transport-bad");
    let ini = dir.write("bad.ini", "[initiator]\n\ntransport = tokio\n");
    let r = support::run(&["-f", &ini, "--dry-run"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr
            .contains("line 3: [initiator] transport: unknown transport 'tokio'"),
        "{r:?}"
    );
}

#[test]
fn every_command_prints_the_same_on_both_transports() {
    let cam = Cam::generic();
    let dir = TempDir::new("transport-same");
    let mut outputs = Vec::new();
    for t in ["std", "mio"] {
        let mut o = Vec::new();
        for cmd in [
            &["info"][..],
            &["info", "json"],
            &["ls"],
            &["ls", "json"],
            &["props"],
            &["describe", "0x5001"],
            &["get", "0x5001"],
            &["opreq", "0x1004"],
            &["-c", "opreq 0x9999"],
        ] {
            let args: Vec<&str> = ["--transport", t].iter().chain(cmd).copied().collect();
            let r = cam.run(&args);
            o.push((cmd, r.code, r.stdout));
        }
        let to = dir.path(t);
        let r = cam.run(&["--transport", t, "download", "all", &to]);
        assert_eq!(r.code, 0, "{t}: {r:?}");
        o.push((&["download"][..], r.code, r.stdout.replace(&to, "DIR")));
        outputs.push(o);
    }
    assert_eq!(outputs[0].len(), outputs[1].len());
    for (s, m) in outputs[0].iter().zip(&outputs[1]) {
        assert_eq!(s, m, "std, then mio");
    }
    // The files too.
    let mut names: Vec<_> = walk(&dir.path("std"));
    names.sort();
    assert!(!names.is_empty());
    for rel in names {
        let std = fs::read(format!("{}/{rel}", dir.path("std"))).unwrap();
        let mio = fs::read(format!("{}/{rel}", dir.path("mio"))).unwrap();
        assert_eq!(std, mio, "{rel}");
    }
}

#[test]
fn fujifilm_commands_and_live_view_run_on_mio() {
    let cam = Cam::fuji();
    let dir = TempDir::new("transport-fuji");
    for cmd in [&["info"][..], &["state"], &["get", "0x5001"]] {
        let std: Vec<&str> = ["--transport", "std"].iter().chain(cmd).copied().collect();
        let mio: Vec<&str> = ["--transport", "mio"].iter().chain(cmd).copied().collect();
        assert_eq!(cam.ok(&std), cam.ok(&mio), "{cmd:?}");
    }
    // Live view through the mio driver's reader.
    let (port, frames) = stream_server(3);
    let r = cam.ok(&[
        "--transport",
        "mio",
        "-ps",
        &port.to_string(),
        "liveview",
        &dir.path("lv"),
        "--frames",
        "3",
    ]);
    assert_eq!(r, format!("Saved 3 frames to {}\n", dir.path("lv")));
    for (n, jpeg) in frames.iter().enumerate() {
        let saved = fs::read(dir.path(&format!("lv/frame-{:06}.jpg", n + 1))).unwrap();
        assert_eq!(&saved, jpeg);
    }
}

/// Every file under `root`, relative to it.
fn walk(root: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(root)];
    while let Some(d) = dirs.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.push(rel);
            }
        }
    }
    out
}
