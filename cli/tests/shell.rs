//! The interactive shell on a terminal (a pty): line editing with history recalled by the arrow
//! keys and saved under the user's data directory, completion, and Ctrl-C stopping the running
//! command while the shell goes on. The camera is served in this process on 127.0.0.1.

use std::fs;
use std::process::Command;

use rexpect::process::WaitStatus;
use rexpect::session::{PtySession, spawn_command};
use support::{Cam, TempDir, bin};

mod support;

/// How long any one expected output may take: a deadline against hangs, not a measurement.
const DEADLINE_MS: u64 = 20_000;

/// `ptpip ARGS` on a new terminal, with its history under `data`.
fn spawn(args: &[&str], data: &TempDir) -> PtySession {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-ptpip")
        .env("XDG_DATA_HOME", data.path(""))
        .env("TERM", "xterm")
        .env_remove("RUST_LOG");
    let mut p = spawn_command(cmd, Some(DEADLINE_MS)).expect("a pty");
    p.process_mut().set_kill_timeout(Some(5_000));
    p
}

/// Types `text` (rexpect buffers what `send` writes until a newline or a flush).
fn keys(p: &mut PtySession, text: &str) {
    p.send(text).unwrap();
    p.flush().unwrap();
}

/// The generic camera's arguments.
fn camera_args(cam: &Cam) -> Vec<String> {
    let (port, _) = cam.ports();
    [
        "-h",
        "127.0.0.1",
        "--connect-timeout",
        "5",
        "-p",
        &port,
        "-i",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

#[test]
fn the_shell_edits_recalls_completes_and_survives_ctrl_c() {
    let cam = Cam::generic();
    let data = TempDir::new("shell");
    let args = camera_args(&cam);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut p = spawn(&args, &data);

    p.exp_string("> ").unwrap();
    p.send_line("get whitebalance").unwrap();
    p.exp_string("Automatic (0x2)").unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("help get").unwrap();
    p.exp_string("usage: get PROP").unwrap();
    p.exp_string("> ").unwrap();
    // Up twice: `get whitebalance` again, run by Enter. Its answer can only come from the recall.
    keys(&mut p, "\x1b[A\x1b[A\r");
    p.exp_string("Automatic (0x2)").unwrap();
    p.exp_string("> ").unwrap();
    // Completion: the property name from its start.
    keys(&mut p, "get whiteb\t\r");
    p.exp_string("Automatic (0x2)").unwrap();
    p.exp_string("> ").unwrap();

    // A running `events` (no limit: it would run for ever) is stopped by Ctrl-C; the shell goes on.
    p.send_line("events").unwrap();
    p.exp_string("(Ctrl-C stops it)").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("(stopped)").unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("get whitebalance").unwrap();
    p.exp_string("Automatic (0x2)").unwrap();
    p.exp_string("> ").unwrap();
    // Ctrl-C at the prompt clears the line and keeps the shell.
    keys(&mut p, "get nonsense");
    p.send_control('c').unwrap();
    p.exp_string("> ").unwrap();
    // Live view frames are refused on the terminal, and the shell goes on.
    p.send_line("liveview -").unwrap();
    p.exp_string("refusing to write JPEG frames to a terminal")
        .unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("quit").unwrap();
    p.exp_eof().unwrap();
    // `liveview -` failed, so the shell's status says a command failed.
    match p.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => assert_eq!(code, 1),
        other => panic!("{other:?}"),
    }

    // The history is kept under the data directory, one line per command, in order.
    let history = fs::read_to_string(data.path("ptpip/history")).unwrap();
    let lines: Vec<&str> = history.lines().filter(|l| !l.starts_with("#V")).collect();
    assert_eq!(
        lines,
        [
            "get whitebalance",
            "help get",
            // The completed line repeats the recalled one: kept once.
            "get whitebalance",
            "events",
            "get whitebalance",
            "liveview -",
        ],
        "{history}"
    );

    // A new shell starts with it: two Ups recall the command before `liveview -`.
    let mut p = spawn(&args, &data);
    p.exp_string("> ").unwrap();
    keys(&mut p, "\x1b[A\x1b[A\r");
    p.exp_string("Automatic (0x2)").unwrap();
    p.exp_string("> ").unwrap();
    p.send_control('d').unwrap();
    p.exp_eof().unwrap();
    match p.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => assert_eq!(code, 0),
        other => panic!("{other:?}"),
    }
}
