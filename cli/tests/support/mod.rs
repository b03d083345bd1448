//! Running the binary, the cameras it talks to, temporary files, and reading its output.
// Each test binary uses part of these helpers.
#![allow(dead_code)]

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use ptpip_protocol::Encode;
use ptpip_protocol::camera::{FujiCamera, LiveViewGenerator, VirtualCamera};
use ptpip_protocol::responder::ResponderConfig;
use ptpip_protocol::{Dialect, FriendlyName, Guid};
use ptpip_transport_std::{ServerHandle, serve};

pub(crate) fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_ptpip")
}

/// The data directory the binary gets (`XDG_DATA_HOME`: download histories), one per test
/// process under the build's scratch directory, so that tests never write to the user's.
pub(crate) fn data_home() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("data-{}", std::process::id()))
}

/// What a run of the binary gave.
#[derive(Debug)]
pub(crate) struct Out {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) raw_stdout: Vec<u8>,
}

/// Runs `cmd` to its end with `input` on its stdin.
pub(crate) fn finish(cmd: &mut Command, input: Option<&str>) -> Out {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    if let Some(text) = input {
        stdin.write_all(text.as_bytes()).unwrap();
    }
    drop(stdin);
    let o = child.wait_with_output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        raw_stdout: o.stdout,
    }
}

/// Runs the binary with no config file in reach.
pub(crate) fn run(args: &[&str]) -> Out {
    finish(
        Command::new(bin())
            .args(args)
            .env("XDG_CONFIG_HOME", "/nonexistent-ptpip")
            .env("XDG_DATA_HOME", data_home()),
        None,
    )
}

/// Runs the binary with `home` as the config directory.
pub(crate) fn run_in(home: &TempDir, args: &[&str]) -> Out {
    finish(
        Command::new(bin())
            .args(args)
            .env("XDG_CONFIG_HOME", &home.0)
            .env("XDG_DATA_HOME", data_home()),
        None,
    )
}

/// A built-in camera served in this process.
pub(crate) struct Cam {
    _server: ServerHandle,
    args: Vec<String>,
    ports: (u16, u16),
}

impl Cam {
    pub(crate) fn generic() -> Self {
        Self::generic_with(VirtualCamera::sample)
    }

    pub(crate) fn generic_with(f: impl Fn() -> VirtualCamera + Send + Sync + 'static) -> Self {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let name = FriendlyName::new("virtual").unwrap();
        let rc = ResponderConfig::new(Guid([5; 16]), name, Dialect::Generic);
        let server = serve(l, None, rc, f).unwrap();
        let p = server.local_addr().port();
        Self::with(server, &["-p", &p.to_string()], (p, p))
    }

    pub(crate) fn fuji() -> Self {
        Self::fuji_with(FujiCamera::new)
    }

    pub(crate) fn fuji_with(f: impl Fn() -> FujiCamera + Send + Sync + 'static) -> Self {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let e = TcpListener::bind("127.0.0.1:0").unwrap();
        let name = FriendlyName::new("X-T1").unwrap();
        let rc = ResponderConfig::new(Guid([6; 16]), name, Dialect::Fuji);
        let server = serve(l, Some(e), rc, f).unwrap();
        let (c, e) = (
            server.local_addr().port(),
            server.event_addr().unwrap().port(),
        );
        let (cs, es) = (c.to_string(), e.to_string());
        Self::with(server, &["-t", "fuji", "-pc", &cs, "-pe", &es], (c, e))
    }

    fn with(server: ServerHandle, ports: &[&str], p: (u16, u16)) -> Self {
        let mut args: Vec<String> = ["-h", "127.0.0.1", "--connect-timeout", "5"]
            .iter()
            .chain(ports)
            .map(|s| (*s).to_owned())
            .collect();
        args.shrink_to_fit();
        Self {
            _server: server,
            args,
            ports: p,
        }
    }

    /// The command and event ports.
    pub(crate) fn ports(&self) -> (String, String) {
        (self.ports.0.to_string(), self.ports.1.to_string())
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.args(&self.args)
            .args(args)
            .env("XDG_CONFIG_HOME", "/nonexistent-ptpip")
            .env("XDG_DATA_HOME", data_home());
        c
    }

    pub(crate) fn run(&self, args: &[&str]) -> Out {
        finish(&mut self.command(args), None)
    }

    pub(crate) fn stdin(&self, args: &[&str], input: &str) -> Out {
        finish(&mut self.command(args), Some(input))
    }

    /// Runs a command that must succeed; its stdout.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(r.code, 0, "{args:?}: {r:?}");
        r.stdout
    }
}

/// A directory removed at the end of the test.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let p = std::env::temp_dir().join(format!("ptpip-cli-{tag}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        Self(p)
    }

    pub(crate) fn path(&self, rel: &str) -> String {
        self.0.join(rel).display().to_string()
    }

    /// Writes `text` to `rel` (parents created); the full path.
    pub(crate) fn write(&self, rel: &str, text: &str) -> String {
        let p = self.0.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        p.display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A port nothing listens on (bound, then released).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The packets of `opreq` output, read back from its hex dumps.
pub(crate) fn dump_packets(text: &str) -> Vec<Vec<u8>> {
    text.split("HEX dump:\n")
        .skip(1)
        .map(|dump| {
            dump.lines()
                .take_while(|l| l.len() > 10 && l.contains('|'))
                .flat_map(|l| {
                    l[10..l.find(" |").unwrap()]
                        .split_whitespace()
                        .map(|h| u8::from_str_radix(h, 16).unwrap())
                        .collect::<Vec<_>>()
                })
                .collect()
        })
        .collect()
}

/// A live-view port sending `n` generated frames to one client; the port and the JPEGs.
pub(crate) fn stream_server(n: usize) -> (u16, Vec<Vec<u8>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let mut generator = LiveViewGenerator::new(64, 48);
    let frames: Vec<_> = (0..n).map(|_| generator.next_frame()).collect();
    let jpegs = frames.iter().map(|f| f.jpeg.to_vec()).collect();
    std::thread::spawn(move || {
        let (mut s, _): (TcpStream, _) = l.accept().unwrap();
        let mut wire = Vec::new();
        for f in &frames {
            f.encode(&mut wire);
        }
        // In two writes split inside a frame, as TCP may deliver them.
        let _ = s.write_all(&wire[..wire.len() / 2 + 7]);
        let _ = s.write_all(&wire[wire.len() / 2 + 7..]);
        let _ = s.read_to_end(&mut Vec::new());
    });
    (port, jpegs)
}

/// Ctrl-C for a child.
pub(crate) fn interrupt(child: &Child) {
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
}

/// Every `127.0.0.1:PORT` in a line, in order.
pub(crate) fn ports_in(line: &str) -> Vec<u16> {
    line.split("127.0.0.1:")
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

/// The seed README's `opreq 0x902B` reply from a real X-T1: 356 bytes, transaction 7.
pub(crate) const SEED_902B_DUMP: &str = "\
00000000  64 01 00 00 02 00 2b 90  07 00 00 00 08 00 00 00  |d.....+.........|
00000010  16 00 00 00 12 50 04 00  01 00 00 00 00 02 03 00  |.....P..........|
00000020  00 00 02 00 04 00 14 00  00 00 0c 50 04 00 01 02  |...........P....|
00000030  00 09 80 02 02 00 09 80  0a 80 24 00 00 00 05 50  |..........$....P|
00000040  04 00 01 02 00 02 00 02  0a 00 02 00 04 00 06 80  |................|
00000050  01 80 02 80 03 80 06 00  0a 80 0b 80 0c 80 36 00  |..............6.|
00000060  00 00 10 50 03 00 01 00  00 00 00 02 13 00 48 f4  |...P..........H.|
00000070  95 f5 e3 f6 30 f8 7d f9  cb fa 18 fc 65 fd b3 fe  |....0.}.....e...|
00000080  00 00 4d 01 9b 02 e8 03  35 05 83 06 d0 07 1d 09  |..M.....5.......|
00000090  6b 0a b8 0b 26 00 00 00  01 d0 04 00 01 01 00 02  |k...&...........|
000000a0  00 02 0b 00 01 00 02 00  03 00 04 00 05 00 06 00  |................|
000000b0  07 00 08 00 09 00 0a 00  0b 00 78 00 00 00 2a d0  |..........x...*.|
000000c0  06 00 01 ff ff ff ff 00  19 00 80 02 19 00 90 01  |................|
000000d0  00 80 20 03 00 80 40 06  00 80 80 0c 00 80 00 19  |.. ...@.........|
000000e0  00 80 64 00 00 40 c8 00  00 00 fa 00 00 00 40 01  |..d..@........@.|
000000f0  00 00 90 01 00 00 f4 01  00 00 80 02 00 00 20 03  |.............. .|
00000100  00 00 e8 03 00 00 e2 04  00 00 40 06 00 00 d0 07  |..........@.....|
00000110  00 00 c4 09 00 00 80 0c  00 00 a0 0f 00 00 88 13  |................|
00000120  00 00 00 19 00 00 00 32  00 40 00 64 00 40 00 c8  |.......2.@.d.@..|
00000130  00 40 14 00 00 00 19 d0  04 00 01 01 00 01 00 02  |.@..............|
00000140  02 00 00 00 01 00 1e 00  00 00 7c d1 06 00 01 00  |..........|.....|
00000150  00 00 00 04 04 02 03 01  00 00 00 00 07 07 09 10  |................|
00000160  01 00 00 00                                       |....|
";

/// The seed README's config example, verbatim (shared with the config module's unit tests).
pub(crate) const SEED_CONFIG: &str = include_str!("../fixtures/seed-config.ini");

/// Starts `ptpip camera --address 127.0.0.1 ARGS` (no config file in reach, stderr dropped) and
/// waits up to `deadline` for the banner it prints once it listens: the child and the banner.
pub(crate) fn start_camera<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    deadline: std::time::Duration,
) -> (Child, String) {
    let mut child = Command::new(bin())
        .args(["camera", "--address", "127.0.0.1"])
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-ptpip")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line);
        let _ = tx.send(line);
    });
    let banner = rx.recv_timeout(deadline).expect("the camera's banner");
    (child, banner)
}
