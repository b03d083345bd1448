//! Running gphoto2 against a PTP/IP port on 127.0.0.1, isolated and time-limited.
//!
//! Each [`Gphoto2`] has its own scratch directory for HOME and XDG_CONFIG_HOME (gphoto2 writes a
//! settings file with its GUID there), runs in the C locale (its output is translated
//! otherwise), with `--debug` logging to a file in that directory, and within a time limit, so a
//! hang fails one test instead of stalling the suite. Its port is `ptpip:127.0.0.1:PORT:PORT`
//! (with one port only, gphoto2 still opens its event connection to 15740).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

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
    dir: ScratchDir,
    runs: AtomicU32,
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
        let exe = tools::require("gphoto2", INSTALL_HINT)?;
        let dir = ScratchDir::new("ptpip-gphoto2").ok()?;
        fs::create_dir(dir.join("home")).ok()?;
        Some(Self {
            exe,
            port: format!("ptpip:127.0.0.1:{port}:{port}"),
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
            .arg(&self.port)
            .arg("--debug")
            .arg(format!("--debug-logfile={}", log.display()))
            .args(args);
        let output = tools::output_within(&mut cmd, RUN_LIMIT).expect("gphoto2 ran");
        Run { output, log }
    }

    /// Runs gphoto2 in `cwd` and requires it to succeed.
    ///
    /// # Panics
    ///
    /// When it fails: the message shows its output.
    #[must_use]
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
    #[must_use]
    pub fn ok(&self, args: &[&str]) -> Run {
        self.ok_in(self.dir.path(), args)
    }
}
