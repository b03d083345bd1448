//! Helpers shared by the discovery and listener tests: `ptpip` processes whose output is read
//! as it comes, garbage datagrams, and folder contents. (Included with `#[path]` by both.)
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use super::support::{bin, data_home, interrupt};

/// The longest any step may take before the test gives up (no timing is asserted).
pub(crate) const DEADLINE: Duration = Duration::from_secs(60);

/// A `ptpip` process whose stdout lines are read as they come.
pub(crate) struct Proc {
    pub(crate) child: Child,
    lines: Receiver<String>,
    pub(crate) seen: Vec<String>,
}

impl Proc {
    pub(crate) fn start(args: &[&str]) -> Self {
        let mut c = Command::new(bin());
        c.args(args).env("XDG_CONFIG_HOME", "/nonexistent-ptpip");
        Self::spawn(c)
    }

    pub(crate) fn spawn(mut c: Command) -> Self {
        let mut child = c
            .env("XDG_DATA_HOME", data_home())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    return;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The first stdout line containing `pat` (waiting for it).
    pub(crate) fn line(&mut self, pat: &str) -> String {
        if let Some(l) = self.seen.iter().find(|l| l.contains(pat)) {
            return l.clone();
        }
        let end = Instant::now() + DEADLINE;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if l.contains(pat) {
                        return l;
                    }
                }
                Err(_) => break,
            }
        }
        panic!("no line with '{pat}' in {:?}", self.seen);
    }

    /// The port after `pat` in its line (`… on 127.0.0.1:PORT`).
    pub(crate) fn port(&mut self, pat: &str) -> u16 {
        let l = self.line(pat);
        let rest = &l[l.find(pat).unwrap() + pat.len()..];
        let addr = rest
            .split_whitespace()
            .next()
            .unwrap()
            .trim_end_matches(',');
        addr.parse::<SocketAddr>()
            .unwrap_or_else(|e| panic!("'{addr}' in '{l}': {e}"))
            .port()
    }

    /// Ctrl-C, then its stderr.
    pub(crate) fn stop(mut self) -> String {
        interrupt(&self.child);
        let end = Instant::now() + DEADLINE;
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < end, "the process did not stop");
            thread::sleep(Duration::from_millis(20));
        }
        let mut err = String::new();
        use std::io::Read;
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        err
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Garbage of every kind sent to a UDP port: truncated, oversized, another protocol.
pub(crate) fn garbage_to(port: u16) {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = SocketAddr::from(([127, 0, 0, 1], port));
    let junk: [&[u8]; 6] = [
        b"",
        b"M-SEARCH * HTT",
        &[0xFF; 9001],
        b"\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\xC0\x0C\x00\x0C\x00\x01",
        b"NOTIFY * HTTP/1.1\r\nNTS: ssdp:alive\r\n\r\n",
        b"DISCOVER * HTTP/1.1\r\nMX:3\r\n",
    ];
    for j in junk {
        let _ = s.send_to(j, to);
    }
}

/// Every file under `dir` at any depth, by its path relative to `dir`.
pub(crate) fn files(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                found.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    found
}
