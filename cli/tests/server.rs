//! Server mode (`-s`, the text relay) and the built-in camera subcommand, running the binary
//! against cameras served in this process on 127.0.0.1 (ports the OS picks).

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::thread;

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
