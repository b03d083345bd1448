//! Running gphoto2 against a PTP/IP port on 127.0.0.1, isolated and time-limited.
//!
//! Each [`Gphoto2`] has its own scratch directory for HOME and XDG_CONFIG_HOME (gphoto2 writes a
//! settings file with its GUID there), runs in the C locale (its output is translated
//! otherwise), with `--debug` logging to a file in that directory, and within a time limit, so a
//! hang fails one test instead of stalling the suite. Its port is `ptpip:127.0.0.1:PORT:PORT`
//! (with one port only, gphoto2 still opens its event connection to 15740), or a separate event
//! port and a chosen driver ([`Gphoto2::with_driver`]: the Fujifilm Wi-Fi driver).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use ptpip_protocol::{Guid, OperationCode};

use crate::tools::{self, ScratchDir};

/// What to install when gphoto2 is missing.
pub const INSTALL_HINT: &str = "apt-get install --no-install-recommends gphoto2";

/// The most one gphoto2 run may take.
pub const RUN_LIMIT: Duration = Duration::from_secs(90);

/// gphoto2 pointed at one port.
#[derive(Debug)]
pub struct Gphoto2 {
    exe: PathBuf,
    port: String,
    /// `--camera MODEL`, when the driver is chosen rather than detected.
    camera: Option<String>,
    dir: ScratchDir,
    runs: AtomicU32,
}

/// A gphoto2 run stopped at its time limit: only its debug log is left.
#[derive(Debug)]
pub struct Stopped {
    /// The `--debug` log.
    pub log: PathBuf,
}

impl Stopped {
    /// The debug log's text (empty when there is none).
    #[must_use]
    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Every operation gphoto2 sent, in order, from its debug log.
    #[must_use]
    pub fn operation_codes(&self) -> Vec<OperationCode> {
        operation_codes(&self.log)
    }
}

/// Every operation code in the debug log at `log`, in order.
fn operation_codes(log: &Path) -> Vec<OperationCode> {
    fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(parse_sendreq)
        .map(|(op, _)| op)
        .collect()
}

/// One finished gphoto2 run.
#[derive(Debug)]
pub struct Run {
    /// Its exit status and output.
    pub output: Output,
    /// The `--debug` log.
    pub log: PathBuf,
}

impl Run {
    /// Its standard output.
    #[must_use]
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    /// What to print when a check on this run fails.
    #[must_use]
    pub fn describe(&self) -> String {
        format!(
            "gphoto2 exited with {}\n--- stdout\n{}--- stderr\n{}--- debug log: {}",
            self.output.status,
            self.stdout(),
            String::from_utf8_lossy(&self.output.stderr),
            self.log.display()
        )
    }

    /// The operations among `codes` gphoto2 sent, in order, from its debug log: code and
    /// parameters.
    ///
    /// # Panics
    ///
    /// When the log cannot be read.
    #[must_use]
    pub fn operations(&self, codes: &[OperationCode]) -> Vec<(OperationCode, Vec<u32>)> {
        let log = fs::read_to_string(&self.log).unwrap();
        log.lines()
            .filter_map(parse_sendreq)
            .filter(|(op, _)| codes.contains(op))
            .collect()
    }

    /// Every operation gphoto2 sent, in order, from its debug log.
    #[must_use]
    pub fn operation_codes(&self) -> Vec<OperationCode> {
        operation_codes(&self.log)
    }

    /// The debug log's text (empty when there is none).
    #[must_use]
    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether its standard output has the line `line` (surrounding blanks ignored).
    #[must_use]
    pub fn has_line(&self, line: &str) -> bool {
        self.stdout().lines().any(|l| l.trim() == line)
    }
}

impl Gphoto2 {
    /// gphoto2 for the PTP/IP port `port` on 127.0.0.1, or `None` (after the skip line) when it is
    /// not installed (see [`tools::require`]).
    #[must_use]
    pub fn new(port: u16) -> Option<Self> {
        Self::with_driver(port, port, None)
    }

    /// gphoto2 for a camera with its command connection on `command` and its event connection
    /// on `event`, with the driver for the model `camera` (`--camera`, e.g. `Fuji X (WLAN)`)
    /// rather than the one it would detect; `None` as [`new`](Self::new).
    #[must_use]
    pub fn with_driver(command: u16, event: u16, camera: Option<&str>) -> Option<Self> {
        let exe = tools::require("gphoto2", INSTALL_HINT)?;
        let dir = ScratchDir::new("ptpip-gphoto2").ok()?;
        fs::create_dir(dir.join("home")).ok()?;
        Some(Self {
            exe,
            port: format!("ptpip:127.0.0.1:{command}:{event}"),
            camera: camera.map(str::to_owned),
            dir,
            runs: AtomicU32::new(0),
        })
    }

    /// A fresh, empty directory inside the scratch directory.
    ///
    /// # Panics
    ///
    /// When it cannot be created.
    #[must_use]
    pub fn new_dir(&self, name: &str) -> PathBuf {
        let d = self.dir.join(name);
        fs::create_dir(&d).expect("a scratch directory");
        d
    }

    /// Runs `gphoto2 --port … ARGS` in `cwd`, whatever its exit status.
    ///
    /// # Panics
    ///
    /// When gphoto2 cannot be started or outlives [`RUN_LIMIT`].
    #[must_use]
    pub fn run_in(&self, cwd: &Path, args: &[&str]) -> Run {
        self.run_within(cwd, RUN_LIMIT, args).unwrap_or_else(|s| {
            panic!(
                "gphoto2 {args:?} outlived {RUN_LIMIT:?}: {}",
                s.log.display()
            )
        })
    }

    /// Runs `gphoto2 --port … ARGS` in `cwd`, stopping it after `limit` (`Err`: it was
    /// stopped, its debug log is what is left).
    ///
    /// # Panics
    ///
    /// When gphoto2 cannot be started.
    pub fn run_within(&self, cwd: &Path, limit: Duration, args: &[&str]) -> Result<Run, Stopped> {
        let n = self.runs.fetch_add(1, Ordering::SeqCst);
        let log = self.dir.join(&format!("debug-{n}.log"));
        let home = self.dir.join("home");
        let mut cmd = Command::new(&self.exe);
        cmd.current_dir(cwd)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("LC_ALL", "C")
            .env("LANGUAGE", "C")
            .arg("--port")
            .arg(&self.port);
        if let Some(model) = &self.camera {
            cmd.arg("--camera").arg(model);
        }
        cmd.arg("--debug")
            .arg(format!("--debug-logfile={}", log.display()))
            .args(args);
        match tools::output_within(&mut cmd, limit) {
            Ok(output) => Ok(Run { output, log }),
            Err(e) if e.contains("still running") => Err(Stopped { log }),
            Err(e) => panic!("{e}"),
        }
    }

    /// Runs gphoto2 in `cwd` and requires it to succeed.
    ///
    /// # Panics
    ///
    /// When it fails: the message shows its output.
    pub fn ok_in(&self, cwd: &Path, args: &[&str]) -> Run {
        let run = self.run_in(cwd, args);
        assert!(
            run.output.status.success(),
            "gphoto2 {args:?} failed: {}",
            run.describe()
        );
        run
    }

    /// Runs gphoto2 in its scratch directory and requires it to succeed.
    pub fn ok(&self, args: &[&str]) -> Run {
        self.ok_in(self.dir.path(), args)
    }

    /// The GUID gphoto2 keeps in its settings file (`ptp2_ip=guid=xx:xx:…`): `~/.gphoto/settings`
    /// in libgphoto2 2.5.30, `$XDG_CONFIG_HOME/gphoto/settings` in versions after 2025-11 (the
    /// legacy file only if it already exists).
    ///
    /// # Panics
    ///
    /// When there is no settings file or no GUID in it.
    #[must_use]
    pub fn settings_guid(&self) -> Guid {
        let path = ["home/.config/gphoto/settings", "home/.gphoto/settings"]
            .map(|p| self.dir.join(p))
            .into_iter()
            .find(|p| p.exists())
            .expect("gphoto2 wrote no settings file");
        let text = fs::read_to_string(&path).unwrap();
        let hex = text
            .lines()
            .find_map(|l| l.strip_prefix("ptp2_ip=guid="))
            .unwrap_or_else(|| panic!("no GUID in {}:\n{text}", path.display()));
        let bytes: Vec<u8> = hex
            .split(':')
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect();
        Guid(bytes.try_into().unwrap())
    }
}

/// A `ptp_ptpip_sendreq` line of the debug log, for instance
/// `Sending PTP_OC 0x101b (Get partial object) (0x7,0x0,0x100000) request...`.
fn parse_sendreq(line: &str) -> Option<(OperationCode, Vec<u32>)> {
    let rest = line.split_once("Sending PTP_OC 0x")?.1;
    let rest = rest.strip_suffix(" request...")?;
    let code = u16::from_str_radix(rest.get(..4)?, 16).ok()?;
    // The last parenthesised group holds the parameters, when it is a list of hex numbers (the
    // operation's name comes first, also in parentheses).
    let last = rest.rsplit_once(" (").map_or("", |(_, g)| g);
    let params = last
        .strip_suffix(')')
        .and_then(|g| {
            g.split(',')
                .map(|p| u32::from_str_radix(p.strip_prefix("0x")?, 16).ok())
                .collect::<Option<Vec<u32>>>()
        })
        .unwrap_or_default();
    Some((OperationCode(code), params))
}
