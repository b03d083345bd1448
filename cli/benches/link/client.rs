//! The clients the link benchmark times: the `ptpip` binary of this build and gphoto2, each in a
//! scratch directory of its own (HOME and the XDG directories too, so that neither touches the
//! user's configuration or download history).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A client program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Client {
    /// This build's `ptpip`.
    Ptpip,
    /// gphoto2 from `PATH`.
    Gphoto2,
}

impl Client {
    /// Its name in the tables.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Ptpip => "ptpip",
            Self::Gphoto2 => "gphoto2",
        }
    }
}

/// What one run did.
pub(crate) struct Run {
    /// Wall time, process start to exit.
    pub(crate) time: Duration,
    /// Whether it exited with 0.
    pub(crate) ok: bool,
    /// Files and bytes it left in its directory.
    pub(crate) files: usize,
    /// See `files`.
    pub(crate) bytes: u64,
}

/// A scratch directory, removed when dropped.
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Scratch {
    /// A new empty directory under `PTPIP_BENCH_DIR` (default: the system's temporary
    /// directory).
    pub(crate) fn new(tag: &str) -> Self {
        let base =
            std::env::var_os("PTPIP_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
        let p = base.join(format!("ptpip-link-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(p.join("home")).expect("a scratch directory");
        Self(p)
    }

    /// A fresh, empty subdirectory.
    pub(crate) fn fresh(&self, name: &str) -> PathBuf {
        let d = self.0.join(name);
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).expect("a download directory");
        d
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Files and bytes under `dir`, recursively (`.part` files and gphoto2's settings left out).
pub(crate) fn contents(dir: &Path) -> (usize, u64) {
    let mut files = 0;
    let mut bytes = 0;
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            match e.metadata() {
                Ok(m) if m.is_dir() => todo.push(p),
                Ok(m) if p.extension().is_none_or(|x| x != "part") => {
                    files += 1;
                    bytes += m.len();
                }
                _ => {}
            }
        }
    }
    (files, bytes)
}

/// The gphoto2 program, if installed.
pub(crate) fn gphoto2() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("gphoto2"))
        .find(|p| p.is_file())
}

/// gphoto2's and libgphoto2's versions, from `gphoto2 --version`.
pub(crate) fn gphoto2_version(exe: &Path) -> String {
    let out = Command::new(exe)
        .arg("--version")
        .env("LC_ALL", "C")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let first = out.lines().next().unwrap_or("gphoto2 ?").trim().to_owned();
    let lib = out
        .lines()
        .find(|l| l.trim_start().starts_with("libgphoto2 "))
        .and_then(|l| l.split_whitespace().nth(1))
        .map_or_else(String::new, |v| format!(", libgphoto2 {v}"));
    format!("{first}{lib}")
}

/// Runs `client` against the camera behind `port` in `dir` (its working directory and
/// download target): `words` are ptpip's command, or gphoto2's action.
pub(crate) fn run(client: Client, scratch: &Scratch, port: u16, dir: &Path, words: &[&str]) -> Run {
    let home = scratch.0.join("home");
    let mut cmd = match client {
        Client::Ptpip => {
            let mut c = Command::new(env!("CARGO_BIN_EXE_ptpip"));
            c.args(["-h", "127.0.0.1", "-p", &port.to_string()]);
            c
        }
        Client::Gphoto2 => {
            let mut c = Command::new(gphoto2().expect("gphoto2 is installed"));
            c.arg("--port")
                .arg(format!("ptpip:127.0.0.1:{port}:{port}"));
            c
        }
    };
    cmd.args(words)
        .current_dir(dir)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let t = Instant::now();
    let ok = cmd.status().is_ok_and(|s| s.success());
    let time = t.elapsed();
    let (files, bytes) = contents(dir);
    Run {
        time,
        ok,
        files,
        bytes,
    }
}
