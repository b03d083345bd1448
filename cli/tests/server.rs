//! Server mode (`-s`, the text relay) and the built-in camera subcommand, running the binary
//! against cameras served in this process on 127.0.0.1 (ports the OS picks).

use std::fs;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use ptpip_protocol::camera::VirtualCamera;
use ptpip_protocol::{DeviceEvent, EventCode, Params, TransactionId};
use support::{Cam, TempDir, bin, run};

mod support;

/// Starts `ptpip ARGS -s -sa 127.0.0.1 -sp 0` and reads the relay's port from its
/// `[Local server] listening on ...` line.
fn start_relay(args: &[&str]) -> (Child, BufReader<ChildStderr>, u16) {
    let mut child = Command::new(bin())
        .args(args)
        .args(["-s", "-sa", "127.0.0.1", "-sp", "0"])
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let mut port = None;
    let mut awaiting = false;
    while !(port.is_some() && awaiting) && err.read_line(&mut line).unwrap() > 0 {
        let l = line.trim();
        if let Some(rest) = l.strip_prefix("[Local server] listening on 127.0.0.1:") {
            port = rest.trim_end_matches("...").parse::<u16>().ok();
        }
        awaiting |= l == "[Local server] awaiting messages... (CTRL+C to quit)";
        line.clear();
    }
    (child, err, port.expect("the relay's listening line"))
}

/// Sends `lines` on one connection, half-closes, and reads every reply to EOF.
fn session(port: u16, lines: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(lines.as_bytes()).unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    reply
}

#[test]
fn server_mode_relays_lines_to_the_camera() {
    let fuji = Cam::fuji();
    let (cmd, event) = fuji.ports();
    let args = ["-h", "127.0.0.1", "-t", "fuji", "-pc", &cmd, "-pe", &event];
    let (mut child, mut err, port) = start_relay(&args);
    let reply = session(port, "opreq 0x902B\nget iso\ndescribe\n");
    support::interrupt(&child);
    let status = child.wait().unwrap();
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    assert!(
        reply.starts_with("\nReceived 356 bytes. HEX dump:\n"),
        "{reply}"
    );
    assert!(reply.contains("\nS6400 (0x80001900)\n"), "{reply}");
    assert!(
        reply.contains("describe error: missing PROP\nusage: describe PROP [json [pretty]]"),
        "{reply}"
    );
    assert_eq!(status.code(), Some(0), "{rest}");
    assert!(rest.contains("Bye bye!"), "{rest}");
}

#[test]
fn the_camera_subcommand_serves_a_camera() {
    let dir = TempDir::new("camera");
    for vendor in ["generic", "fuji"] {
        let mut child = Command::new(bin())
            .args(["camera", "--vendor", vendor, "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut banner = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut banner)
            .unwrap();
        let ports: Vec<String> = support::ports_in(&banner)
            .iter()
            .map(u16::to_string)
            .collect();
        let mut args = vec!["-h", "127.0.0.1", "--connect-timeout", "5"];
        // The generic camera lists its card; the Fujifilm one streams live view.
        let frames = dir.path(vendor);
        if vendor == "fuji" {
            assert_eq!(ports.len(), 3, "{banner}");
            args.extend([
                "-t", "fuji", "-pc", &ports[0], "-pe", &ports[1], "-ps", &ports[2],
            ]);
            args.extend(["liveview", &frames, "--frames", "2"]);
        } else {
            args.extend(["-p", &ports[0], "ls"]);
        }
        let out = run(&args);
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(out.code, 0, "{vendor}: {banner} {out:?}");
        if vendor == "fuji" {
            assert_eq!(out.stdout, format!("Saved 2 frames to {frames}\n"));
            let jpeg = fs::read(format!("{frames}/frame-000002.jpg")).unwrap();
            assert!(jpeg.starts_with(&[0xFF, 0xD8]) && jpeg.ends_with(&[0xFF, 0xD9]));
        } else {
            assert!(out.stdout.contains("IMG_0003.JPG"), "{out:?}");
        }
    }
}

#[test]
fn fifty_clients_times_a_hundred_commands_get_their_own_replies() {
    let cam = Cam::generic();
    let (cmd, _) = cam.ports();
    let (mut child, mut err, port) = start_relay(&["-h", "127.0.0.1", "-p", &cmd]);
    // Three commands whose replies differ and carry no transaction id; each client interleaves
    // them in its own pattern, so a reply sent to the wrong client, lost, duplicated or cut into
    // another shows as a mismatch.
    let commands = ["get 0x5001", "describe 0x5005", "info"];
    let expected: Vec<String> = commands
        .iter()
        .map(|c| session(port, &format!("{c}\n")))
        .collect();
    for (c, e) in commands.iter().zip(&expected) {
        assert!(!e.is_empty() && !e.contains("error"), "{c}: {e}");
    }
    assert_ne!(expected[0], expected[1]);
    let clients: Vec<_> = (0..50usize)
        .map(|i| {
            let expected = expected.clone();
            thread::spawn(move || {
                let picks: Vec<usize> = (0..100).map(|k| (i * 7 + k * (i % 5 + 1)) % 3).collect();
                let lines: String = picks
                    .iter()
                    .map(|&p| format!("{}\n", commands[p]))
                    .collect();
                let want: String = picks.iter().map(|&p| expected[p].as_str()).collect();
                let got = session(port, &lines);
                assert!(
                    got == want,
                    "client {i}: {} bytes, expected {}",
                    got.len(),
                    want.len()
                );
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    support::interrupt(&child);
    let status = child.wait().unwrap();
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    assert_eq!(status.code(), Some(0), "{rest}");
}

/// A deadline against hangs, never a measurement.
const DEADLINE: Duration = Duration::from_secs(30);

/// The relay's stderr, line by line, from a thread (so that a test can wait for a line).
fn log_lines(err: BufReader<ChildStderr>) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in err.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits for a log line containing `needle`; the lines seen on the way.
fn await_log(log: &Receiver<String>, needle: &str) -> Vec<String> {
    let deadline = Instant::now() + DEADLINE;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match log.recv_timeout(left) {
            Ok(line) => {
                let found = line.contains(needle);
                seen.push(line);
                if found {
                    return seen;
                }
            }
            Err(_) => panic!("no log line with '{needle}': {seen:?}"),
        }
    }
}

/// Ctrl-C for the relay; its exit code.
fn stop(mut child: Child) -> Option<i32> {
    support::interrupt(&child);
    child.wait().unwrap().code()
}

#[test]
fn status_lines_by_option_by_config_and_per_connection() {
    let cam = Cam::generic();
    let (cmd, _) = cam.ports();
    let base = ["-h", "127.0.0.1", "--connect-timeout", "5", "-p", &cmd];
    // Off by default: the seed README's nc session, until a connection asks for them.
    let (child, _err, port) = start_relay(&base);
    assert_eq!(
        session(port, "get whitebalance\nget nonsense\n"),
        "Automatic (0x2)\nget error: unknown property 'nonsense': use a name (battery, \
         whitebalance, fnumber, focusmode, metering, flashmode, exposure, program, iso, exp-bias, \
         datetime, delay, capturemode, effect, focusmtr) or a hex code such as 0x5005\n\
         usage: get PROP [json [pretty]]\n"
    );
    let reply = session(
        port,
        "status on\nget whitebalance\nget 0xd999\nstatus off\ninfo\n",
    );
    assert!(
        reply.starts_with(
            "OK\nAutomatic (0x2)\nOK\nERR GetDevicePropValue failed: DevicePropNotSupported\n"
        ),
        "{reply}"
    );
    // After `status off`, info's reply has no status line.
    assert!(
        reply.contains("\nModel:             ptpip virtual camera\n"),
        "{reply}"
    );
    assert!(!reply.ends_with("OK\n"), "{reply}");
    assert_eq!(stop(child), Some(0));

    // On for every connection: the option, or the config file's [server] status_lines.
    let dir = TempDir::new("status");
    let ini = dir.write("s.ini", "[server]\nstatus_lines = true\n");
    for extra in [&["--status-lines"][..], &["-f", &ini]] {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        let (child, _err, port) = start_relay(&args);
        let reply = session(port, "get whitebalance\ndescribe\nhelp get\n");
        assert!(
            reply.starts_with(
                "Automatic (0x2)\nOK\nERR missing PROP; usage: describe PROP [json [pretty]]\n\
                 usage: get PROP"
            ),
            "{extra:?}: {reply}"
        );
        assert!(reply.ends_with("\nOK\n"), "{extra:?}: {reply}");
        assert_eq!(
            session(port, "status off\nget whitebalance\n"),
            "Automatic (0x2)\n"
        );
        assert_eq!(stop(child), Some(0));
    }
}

#[test]
fn a_long_events_does_not_hold_up_other_clients() {
    // The camera has an event for the first `events` at once: it shows that the watch runs.
    let cam = Cam::generic_with(|| {
        let mut c = VirtualCamera::sample();
        c.push_event(DeviceEvent {
            code: EventCode::DEVICE_PROP_CHANGED,
            transaction: TransactionId(0),
            params: Params::from_slice(&[0x5005]).unwrap(),
        });
        c
    });
    let (cmd, _) = cam.ports();
    let args = ["-h", "127.0.0.1", "--connect-timeout", "5", "-p", &cmd];
    let (child, _err, port) = start_relay(&args);
    let watcher = TcpStream::connect(("127.0.0.1", port)).unwrap();
    watcher.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut watching = BufReader::new(watcher.try_clone().unwrap());
    (&watcher)
        .write_all(b"status on\nevents --timeout 10\n")
        .unwrap();
    let mut line = String::new();
    watching.read_line(&mut line).unwrap();
    assert_eq!(line, "OK\n");
    line.clear();
    watching.read_line(&mut line).unwrap();
    assert_eq!(
        line,
        "0x4006 DevicePropChanged  transaction 0  params [0x5005]\n"
    );
    // The 10 s `events` runs; another client's commands are answered meanwhile.
    assert_eq!(
        session(
            port,
            "status on\nget whitebalance\nset whitebalance daylight\nget whitebalance\n"
        ),
        "OK\nAutomatic (0x2)\nOK\nproperty WhiteBalance (0x5005) successfully set to Daylight \
         (0x4)\nOK\nDaylight (0x4)\nOK\n"
    );
    // ... while the `events` reply is still open: nothing more has come on it, not even its OK.
    watcher.set_nonblocking(true).unwrap();
    let mut byte = [0u8; 1];
    let pending = (&watcher).read(&mut byte);
    assert!(
        matches!(&pending, Err(e) if e.kind() == ErrorKind::WouldBlock),
        "{pending:?}"
    );
    watcher.set_nonblocking(false).unwrap();
    // Then it ends at its timeout, with its status line.
    watcher.shutdown(std::net::Shutdown::Write).unwrap();
    let mut rest = String::new();
    watching.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "OK\n");
    assert_eq!(stop(child), Some(0));
}

/// `ptpip camera` on `port` (0: the OS picks); the process and its port.
fn camera_process(port: u16) -> (Child, u16) {
    let mut child = Command::new(bin())
        .args(["camera", "--port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut banner)
        .unwrap();
    let port = support::ports_in(&banner)[0];
    (child, port)
}

#[test]
fn the_server_reconnects_when_the_camera_comes_back() {
    let (mut camera, cam_port) = camera_process(0);
    let p = cam_port.to_string();
    let args = [
        "-h",
        "127.0.0.1",
        "--connect-timeout",
        "5",
        "-p",
        &p,
        "--status-lines",
    ];
    let (child, err, port) = start_relay(&args);
    let log = log_lines(err);
    assert_eq!(session(port, "get whitebalance\n"), "Automatic (0x2)\nOK\n");

    // The camera dies under the running server.
    camera.kill().unwrap();
    camera.wait().unwrap();
    await_log(&log, "[Local server] camera connection lost");
    // Commands get a clear error meanwhile; help needs no camera and still answers.
    assert_eq!(
        session(port, "get whitebalance\nevents --count 1\n"),
        "ERR camera not connected (reconnecting)\nERR camera not connected (reconnecting)\n"
    );
    assert!(session(port, "help get\n").starts_with("usage: get PROP"));

    // The camera comes back on its port: the server finds it without a restart.
    let (mut camera, again) = camera_process(cam_port);
    assert_eq!(again, cam_port);
    await_log(&log, "[Local server] camera reconnected");
    assert_eq!(session(port, "get whitebalance\n"), "Automatic (0x2)\nOK\n");
    assert_eq!(stop(child), Some(0));
    let _ = camera.kill();
    let _ = camera.wait();
}
