//! Clean edges: a closed output pipe ends the run quietly, live view refuses to write JPEG to a
//! terminal, and malformed numbers and paths are usage errors before anything connects.
//! Cameras are served in this process on 127.0.0.1 with ports the OS picks.

use std::path::Path;
use std::process::{Command, Stdio};

use ptpip_protocol::camera::VirtualCamera;
use ptpip_protocol::{DeviceEvent, EventCode, Params, TransactionId};
use rexpect::process::WaitStatus;
use rexpect::session::spawn_command;
use support::{Cam, TempDir, bin, run};

mod support;

/// What shells report for a program that SIGPIPE ended.
const EXIT_BROKEN_PIPE: i32 = 141;

/// Runs `ptpip ARGS` with standard output a pipe whose reader is already closed, as
/// `ptpip … | head` becomes once head has read enough: every write fails with EPIPE.
fn closed_stdout(args: &[&str]) -> (i32, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(bin())
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-ptpip")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    let cam = Cam::generic_with(|| {
        let mut c = VirtualCamera::sample();
        c.push_event(DeviceEvent {
            code: EventCode::DEVICE_PROP_CHANGED,
            transaction: TransactionId(0),
            params: Params::from_slice(&[0x5005]).unwrap(),
        });
        c
    });
    let (port, _) = cam.ports();
    let base = ["-h", "127.0.0.1", "--connect-timeout", "5", "-p", &port];
    let with = |more: &[&'static str]| -> Vec<String> {
        base.iter().chain(more).map(|s| (*s).to_owned()).collect()
    };
    for args in [
        vec!["completions".to_owned(), "zsh".to_owned()],
        vec!["help".to_owned()],
        vec!["--dry-run".to_owned()],
        with(&["ls"]),
        with(&["info", "json"]),
        // events stops at the first line it cannot write, long before its count or timeout.
        with(&["events", "--count", "5", "--timeout", "60"]),
        with(&["-c", "get whitebalance"]),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stderr) = closed_stdout(&args);
        assert_eq!(code, EXIT_BROKEN_PIPE, "{args:?}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("error") && !stderr.contains("Broken"),
            "{args:?}: {stderr}"
        );
    }
    // The shell reading a script stops at the first reply nobody reads.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut shell = Command::new(bin())
        .args(base)
        .arg("-i")
        .env("XDG_CONFIG_HOME", "/nonexistent-ptpip")
        .stdin(Stdio::piped())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = shell.stdin.take().unwrap();
        let _ = stdin.write_all(b"get whitebalance\nget whitebalance\n");
    }
    let out = shell.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(EXIT_BROKEN_PIPE), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn live_view_to_a_terminal_is_refused_before_connecting() {
    let nothing = support::free_port().to_string();
    let mut cmd = Command::new(bin());
    cmd.args(["-h", "127.0.0.1", "--connect-timeout", "0.3", "-t", "fuji"])
        .args(["-p", &nothing, "liveview", "-"])
        .env("XDG_CONFIG_HOME", "/nonexistent-ptpip")
        .env("TERM", "xterm");
    let mut p = spawn_command(cmd, Some(20_000)).unwrap();
    let out = p.exp_eof().unwrap();
    assert!(
        out.contains("refusing to write JPEG frames to a terminal"),
        "{out}"
    );
    assert!(out.contains("usage: liveview DIR|- [--frames N]"), "{out}");
    assert!(!out.contains("connect"), "{out}");
    match p.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => assert_eq!(code, 2, "{out}"),
        other => panic!("{other:?}: {out}"),
    }
}

#[test]
fn bad_numbers_and_paths_are_usage_errors() {
    let dir = TempDir::new("edges");
    let file = dir.write("a-file", "not a directory");
    let nothing = support::free_port().to_string();
    let base = [
        "-h",
        "127.0.0.1",
        "-p",
        &nothing,
        "--connect-timeout",
        "0.3",
    ];
    let under = format!("{file}/x");
    let shot = format!("{file}/shot.jpg");
    for (args, needle) in [
        (&["capture", "-1"][..], "N '-1' is not a number of pictures"),
        (&["-c", "capture -1 x.jpg"], "N '-1' is not a number"),
        (&["capture", "2.5"], "N '2.5' is not a number"),
        (&["capture", "0"], "N must be at least 1"),
        (&["events", "--count", "0"], "N must be at least 1"),
        (&["events", "--count", "-2"], "N '-2' is not a valid number"),
        (&["events", "--timeout", "soon"], "bad SECS 'soon'"),
        (
            &["-t", "fuji", "liveview", "x", "--frames", "0"],
            "N must be at least 1",
        ),
        (&["download", "-5"], "'-5' is not an object"),
        (&["-t", "fuji", "liveview", &file], "is not a directory"),
        (&["download", "all", &under], "cannot make the directory"),
        (&["capture", &shot], "is not a directory"),
        (&["-c", "capture ''"], "the path is empty"),
        (
            &["--connect-timeout", "-1", "info"],
            "is not a number of seconds",
        ),
        (&["-sp", "99999", "-s"], "invalid value '99999'"),
        (&["-pc", "-5", "info"], "invalid port '-5'"),
    ] {
        let all: Vec<&str> = base.iter().chain(args).copied().collect();
        let r = run(&all);
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert!(r.stderr.contains(needle), "{args:?}: {r:?}");
        assert!(!r.stderr.contains("Error connecting"), "{args:?}: {r:?}");
    }
    // `capture -1` made no file named -1.
    assert!(!Path::new("-1").exists());
}
