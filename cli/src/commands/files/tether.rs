//! `tether`: download every new object as the camera reports it, with `download`'s naming, skip
//! and history rules ([`Saver`]), and run a command on each file saved.
//!
//! How new objects are found, from what the camera's DeviceInfo says it does:
//! - ObjectAdded events (generic PTP): the object in the event is downloaded.
//! - Fujifilm remote mode: 0xC004 (an object was added, no handle) and 0xC001 (a preview is
//!   ready). The preview is always fetched (0x9022; the body takes no other shot until it is);
//!   a body that lists its objects is then asked for the new ones, else the preview is the
//!   file saved (`preview-0001.jpg`…, never over a file).
//! - No such events (or `--interval`): the handle list is read every interval and what is new
//!   is downloaded.
//!
//! Objects on the card when `tether` starts are not new; `download --new` takes those. A link
//! that drops is connected again (`--retries` times in a row), and what came meanwhile is found
//! by comparing the handle lists.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ptpip_protocol::initiator::Operation;
use ptpip_protocol::ptp::codes::{EventCode, OperationCode};
use ptpip_protocol::ptp::dataset::{DeviceInfo, ObjectHandle};
use ptpip_protocol::{DeviceEvent, Dialect};
use ptpip_transport_std::{Calls, ClientError};
use shared_child::SharedChild;

use super::download::{Context, Saver, name_for, unused, wanted};
use super::{Camera, call_error, entry_for, session_over, stopped};
use crate::commands::CmdError;
use crate::commands::objects::DownloadOpts;
use crate::signals::interrupted;

/// The default `--interval` when the camera sends no events.
pub(crate) const DEFAULT_INTERVAL: Duration = Duration::from_secs(2);

/// How long one wait for an event lasts before the loop looks at its deadlines again.
const WAIT: Duration = Duration::from_millis(500);

/// How long to wait before connecting again after the link dropped.
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

/// The largest preview accepted.
const PREVIEW_MAX: usize = 64 << 20;

/// `tether [DIR] [--exec CMD] [--interval SECS] [--count N] [--timeout SECS] [download's
/// options]`: the directory and the options, from the words after the command's name. `Err` is
/// the reason (the caller adds the syntax).
pub(crate) fn parse(words: &[String]) -> Result<(Option<PathBuf>, TetherOpts), String> {
    let mut opts = TetherOpts::default();
    let mut rest = Vec::new();
    let mut dir = None;
    let mut it = words.iter();
    let secs = |flag: &str, v: Option<&String>| -> Result<Duration, String> {
        let v = v.ok_or_else(|| format!("missing SECS after {flag}"))?;
        v.parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e9)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| format!("{flag} '{v}' is not a number of seconds"))
    };
    while let Some(w) = it.next() {
        match w.as_str() {
            "--exec" => {
                let cmd = it.next().ok_or("missing CMD after --exec")?;
                if cmd.trim().is_empty() {
                    return Err("--exec needs a command".into());
                }
                opts.exec = Some(cmd.clone());
            }
            "--interval" => opts.interval = Some(secs(w, it.next())?),
            "--timeout" => opts.timeout = Some(secs(w, it.next())?),
            "--count" | "-n" => {
                let v = it.next().ok_or("missing N after --count")?;
                opts.count = Some(
                    crate::props::parse_uint(v)
                        .filter(|&n| n > 0)
                        .ok_or_else(|| format!("--count '{v}' is not a number of at least 1"))?,
                );
            }
            // download's options that take a value keep it.
            "--filename" | "--since" | "--until" | "--format" | "--retries" => {
                rest.push(w.clone());
                rest.extend(it.next().cloned());
            }
            flag if flag.starts_with('-') && flag.len() > 1 => rest.push(w.clone()),
            _ if dir.is_none() => dir = Some(PathBuf::from(w)),
            other => return Err(format!("unexpected argument '{other}'")),
        }
    }
    let (_, _, download) = super::super::objects::parse_download(&rest)?;
    opts.download = download;
    Ok((dir, opts))
}

/// `tether`'s options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct TetherOpts {
    /// Naming, skip and history rules, as `download` has them.
    pub(crate) download: DownloadOpts,
    /// `--exec CMD`: run for each file saved, with its path.
    pub(crate) exec: Option<String>,
    /// `--interval SECS`: read the handle list this often (even if the camera has events).
    pub(crate) interval: Option<Duration>,
    /// `--count N`: stop after N files saved.
    pub(crate) count: Option<u64>,
    /// `--timeout SECS`: stop after this long.
    pub(crate) timeout: Option<Duration>,
}

/// How the camera tells of new objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Watch {
    /// ObjectAdded with the handle.
    Events,
    /// Fujifilm 0xC004/0xC001, then the previews (`lists`: the body also lists its objects).
    Fuji { lists: bool },
    /// The handle list, read every interval.
    Poll(Duration),
}

/// How `info` lets new objects be found (`remote`: a Fujifilm body in remote mode).
fn watch_for(
    info: &DeviceInfo,
    dialect: Dialect,
    remote: bool,
    interval: Option<Duration>,
) -> Result<Watch, CmdError> {
    let lists = info
        .operations_supported
        .contains(&OperationCode::GET_OBJECT_HANDLES);
    let events = &info.events_supported;
    if let Some(i) = interval {
        return if lists {
            Ok(Watch::Poll(i))
        } else {
            Err(CmdError::Failed(
                "--interval reads the camera's object list, and this camera has none".into(),
            ))
        };
    }
    if dialect == Dialect::Fuji && remote {
        return Ok(Watch::Fuji { lists });
    }
    if events.contains(&EventCode::OBJECT_ADDED) && lists {
        return Ok(Watch::Events);
    }
    if lists {
        return Ok(Watch::Poll(DEFAULT_INTERVAL));
    }
    Err(CmdError::Failed(
        "this camera neither lists its objects nor tells of new ones (a Fujifilm body tells \
         only in remote mode: choose remote shooting on the camera)"
            .into(),
    ))
}

/// Every handle on the camera, all storages.
fn handles(calls: &mut dyn Calls) -> Result<BTreeSet<u32>, ClientError> {
    let mut all = BTreeSet::new();
    for id in calls.storage_ids()? {
        all.extend(
            calls
                .object_handles(id, 0, ObjectHandle(0))?
                .iter()
                .map(|h| h.0),
        );
    }
    Ok(all)
}

/// One `tether` run.
struct Run<'a, 'o> {
    saver: Saver<'a>,
    opts: &'o TetherOpts,
    dir: &'a Path,
    /// Handles seen (on the card at the start, or handled since).
    known: BTreeSet<u32>,
    /// Files saved by this run, by the path under the directory, with the card path they hold.
    names: HashMap<PathBuf, String>,
    /// Files saved (or planned), for `%n` and `--count`.
    saved: u64,
    previews: u64,
    hooks_failed: u64,
}

/// `tether`. `remote`: a Fujifilm body entered remote mode.
pub(crate) fn tether(
    cam: &mut dyn Camera,
    dialect: Dialect,
    remote: bool,
    dir: Option<&Path>,
    opts: &TetherOpts,
    ctx: &Context,
    out: &mut dyn Write,
) -> Result<(), CmdError> {
    let dir = dir.unwrap_or(Path::new("."));
    let info = cam.calls().device_info().map_err(call_error)?;
    let watch = watch_for(&info, dialect, remote, opts.interval)?;
    let saver = Saver::open(Some(&info), dir, &opts.download, ctx, "tether")?;
    let lists = !matches!(watch, Watch::Fuji { lists: false });
    let known = if lists {
        handles(cam.calls()).map_err(call_error)?
    } else {
        BTreeSet::new()
    };
    let how = match watch {
        Watch::Events => "as the camera reports them".to_owned(),
        Watch::Fuji { lists: true } => "as the camera reports them (Fujifilm)".to_owned(),
        Watch::Fuji { lists: false } => "as previews (the camera offers no files)".to_owned(),
        Watch::Poll(i) => format!("looking every {:.1} s", i.as_secs_f64()),
    };
    eprintln!(
        "tether: saving new pictures to {} {how}; Ctrl-C stops",
        dir.display()
    );
    let mut run = Run {
        saver,
        opts,
        dir,
        known,
        names: HashMap::new(),
        saved: 0,
        previews: 0,
        hooks_failed: 0,
    };
    let result = run.watch(cam, watch, out);
    run.saver.summary(out)?;
    result?;
    let (_, _, failed) = run.saver.counts();
    match (failed, run.hooks_failed) {
        (0, 0) => Ok(()),
        (0, h) => Err(CmdError::Failed(format!("--exec failed for {h} files"))),
        (n, _) => Err(CmdError::Failed(format!(
            "{n} files could not be downloaded"
        ))),
    }
}

impl Run<'_, '_> {
    fn done(&self) -> bool {
        self.opts.count.is_some_and(|n| self.saved >= n)
    }

    /// Waits for new objects and saves them until `--count`, `--timeout` or Ctrl-C.
    fn watch(
        &mut self,
        cam: &mut dyn Camera,
        watch: Watch,
        out: &mut dyn Write,
    ) -> Result<(), CmdError> {
        let deadline = self.opts.timeout.map(|t| Instant::now() + t);
        let mut next_poll = match watch {
            Watch::Poll(i) => Some(Instant::now() + i),
            _ => None,
        };
        while !self.done() {
            if interrupted() {
                return Err(stopped());
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| d <= now) {
                return Ok(());
            }
            let mut wait = WAIT;
            for t in [deadline, next_poll].into_iter().flatten() {
                wait = wait.min(t.saturating_duration_since(now));
            }
            let step = match cam.calls().next_event(Some(wait)) {
                Ok(Some(e)) => self.on_event(cam, watch, &e, out),
                Ok(None) => match (watch, next_poll) {
                    (Watch::Poll(i), Some(t)) if t <= Instant::now() => {
                        next_poll = Some(Instant::now() + i);
                        self.look(cam, out)
                    }
                    _ => Ok(()),
                },
                Err(e) => Err(Stop::Call(e)),
            };
            match step {
                Ok(()) => {}
                Err(Stop::Cmd(e)) => return Err(e),
                Err(Stop::Call(_)) if interrupted() => return Err(stopped()),
                Err(Stop::Call(e)) if session_over(&e) && self.opts.download.retries > 0 => {
                    eprintln!("tether: the link dropped ({e}); connecting again");
                    self.reconnect(cam)?;
                    eprintln!("tether: connected again");
                    if !matches!(watch, Watch::Fuji { lists: false }) {
                        self.look(cam, out).map_err(Stop::into_cmd)?;
                    }
                }
                Err(Stop::Call(e)) => return Err(call_error(e)),
            }
        }
        Ok(())
    }

    /// Connects again, up to `--retries` tries a moment apart (Ctrl-C still stops).
    fn reconnect(&self, cam: &mut dyn Camera) -> Result<(), CmdError> {
        let tries = self.opts.download.retries;
        let mut last = String::new();
        for _ in 0..tries {
            if interrupted() || crate::signals::wait(RECONNECT_PAUSE) {
                return Err(stopped());
            }
            match cam.reconnect() {
                Ok(()) => return Ok(()),
                Err(_) if interrupted() => return Err(stopped()),
                Err(e) => last = e,
            }
        }
        Err(CmdError::Failed(format!(
            "cannot connect again after {tries} tries: {last}"
        )))
    }

    fn on_event(
        &mut self,
        cam: &mut dyn Camera,
        watch: Watch,
        e: &DeviceEvent,
        out: &mut dyn Write,
    ) -> Result<(), Stop> {
        match (e.code, watch) {
            (EventCode::OBJECT_ADDED, _) => match e.params.get(1) {
                Some(h) => self.take(cam, h, out),
                None => self.look(cam, out),
            },
            (EventCode::OBJECT_REMOVED, _) => {
                if let Some(h) = e.params.get(1) {
                    self.known.remove(&h);
                }
                Ok(())
            }
            (EventCode::FUJI_OBJECT_ADDED, Watch::Fuji { lists: true }) => self.look(cam, out),
            (EventCode::FUJI_PREVIEW_AVAILABLE, Watch::Fuji { lists }) => {
                let preview = Operation::new(OperationCode::FUJI_GET_CAPTURE_PREVIEW, &[])
                    .expect("no parameters")
                    .collect(PREVIEW_MAX);
                let c = cam.calls().call(preview)?;
                if lists {
                    self.look(cam, out)
                } else {
                    self.save_preview(&c.data.unwrap_or_default(), out)
                }
            }
            _ => Ok(()),
        }
    }

    /// Reads the handle list and takes what is new, oldest handle first.
    fn look(&mut self, cam: &mut dyn Camera, out: &mut dyn Write) -> Result<(), Stop> {
        let now = handles(cam.calls())?;
        for h in now.difference(&self.known.clone()) {
            if self.done() {
                break;
            }
            self.take(cam, *h, out)?;
        }
        Ok(())
    }

    /// Downloads object `h` if it is new and wanted.
    fn take(&mut self, cam: &mut dyn Camera, h: u32, out: &mut dyn Write) -> Result<(), Stop> {
        if !self.known.insert(h) {
            return Ok(());
        }
        let entry = match entry_for(cam.calls(), h) {
            Ok(e) => e,
            Err(e) if interrupted() => return Err(Stop::Cmd(e)),
            Err(CmdError::Failed(m)) => {
                self.saver.fail(&m);
                return Ok(());
            }
            Err(e) => return Err(Stop::Cmd(e)),
        };
        if entry.is_folder() || !wanted(&entry, &self.opts.download) {
            return Ok(());
        }
        let rel = match name_for(&entry, &self.opts.download, self.saved as usize + 1) {
            Ok(r) => r,
            Err(m) => {
                self.saver.fail(&m);
                return Ok(());
            }
        };
        if !self.opts.download.no_skip
            && let Some(first) = self.names.get(&rel)
        {
            self.saver.fail(&format!(
                "{first} and {} would both be saved as {}: make the --filename pattern tell \
                 them apart (%n a counter), or --no-skip to number them",
                entry.path,
                rel.display()
            ));
            return Ok(());
        }
        self.names.insert(rel.clone(), entry.path.clone());
        if let Some(path) = self.saver.save(cam, &entry, &rel, out)? {
            self.saved += 1;
            self.hook(&path, out)?;
        }
        Ok(())
    }

    /// Saves a Fujifilm preview as the next `preview-0001.jpg` (or by the pattern), never over a
    /// file.
    fn save_preview(&mut self, jpeg: &[u8], out: &mut dyn Write) -> Result<(), Stop> {
        self.previews += 1;
        let name = format!("preview-{:04}.jpg", self.previews);
        let rel = match &self.opts.download.pattern {
            Some(p) => p.apply(&super::names::Fields {
                name: &name,
                folder: "",
                date: None,
                counter: self.saved as usize + 1,
                handle: 0,
            }),
            None => Ok(PathBuf::from(&name)),
        };
        let rel = match rel {
            Ok(r) => r,
            Err(m) => {
                self.saver.fail(&m);
                return Ok(());
            }
        };
        let path = unused(self.dir.join(rel));
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, jpeg));
        if let Err(e) = written {
            self.saver
                .fail(&format!("cannot write {}: {e}", path.display()));
            return Ok(());
        }
        self.saver.saved_other(jpeg.len() as u64);
        self.saved += 1;
        writeln!(
            out,
            "Saved preview ({} bytes) to {}",
            jpeg.len(),
            path.display()
        )
        .and_then(|()| out.flush())
        .map_err(|e| Stop::Cmd(e.into()))?;
        self.hook(&path, out)
    }

    /// Runs `--exec` for `path`, if given.
    fn hook(&mut self, path: &Path, out: &mut dyn Write) -> Result<(), Stop> {
        let Some(cmd) = &self.opts.exec else {
            return Ok(());
        };
        out.flush().map_err(|e| Stop::Cmd(e.into()))?;
        match run_exec(cmd, path) {
            Ok(true) => Ok(()),
            Ok(false) => {
                self.hooks_failed += 1;
                Ok(())
            }
            Err(e) => Err(Stop::Cmd(e)),
        }
    }
}

/// Why a step of the loop stopped.
enum Stop {
    /// A call failed (the link may have dropped: the loop decides).
    Call(ClientError),
    /// The command ends with this error.
    Cmd(CmdError),
}

impl From<ClientError> for Stop {
    fn from(e: ClientError) -> Self {
        Self::Call(e)
    }
}

impl From<CmdError> for Stop {
    fn from(e: CmdError) -> Self {
        Self::Cmd(e)
    }
}

impl Stop {
    fn into_cmd(self) -> CmdError {
        match self {
            Self::Call(e) => call_error(e),
            Self::Cmd(e) => e,
        }
    }
}

/// Runs `cmd` through the shell with `path` as its last argument (and in `PTPIP_FILE`); its
/// output goes where ours does. `Ok(false)`: it failed (said on stderr); `Err`: Ctrl-C came
/// while it ran (it is stopped too), or it could not start.
fn run_exec(cmd: &str, path: &Path) -> Result<bool, CmdError> {
    #[cfg(unix)]
    let mut c = {
        // The path is an argument of the script, never part of its text.
        let mut c = Command::new("sh");
        c.arg("-c").arg(format!("{cmd} \"$1\"")).arg("sh").arg(path);
        c
    };
    #[cfg(not(unix))]
    let mut c = {
        let mut c = Command::new("cmd");
        c.arg("/C").arg(format!("{cmd} \"{}\"", path.display()));
        c
    };
    c.env("PTPIP_FILE", path).stdin(Stdio::null());
    let child = SharedChild::spawn(&mut c)
        .map(Arc::new)
        .map_err(|e| CmdError::Failed(format!("cannot run --exec '{cmd}': {e}")))?;
    // Ctrl-C kills it from the signal thread (at once if it came already); this one waits.
    let killer = child.clone();
    let on_interrupt = crate::signals::on_interrupt(move || {
        let _ = killer.kill();
    });
    let status = child.wait();
    drop(on_interrupt);
    if interrupted() {
        return Err(stopped());
    }
    let status = status?;
    if !status.success() {
        eprintln!("tether: --exec '{cmd}' {status} for {}", path.display());
    }
    Ok(status.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(ops: &[OperationCode], events: &[EventCode]) -> DeviceInfo {
        DeviceInfo {
            operations_supported: ops.to_vec(),
            events_supported: events.to_vec(),
            ..DeviceInfo::default()
        }
    }

    #[test]
    fn the_way_to_watch_follows_what_the_camera_can_do() {
        let list = [OperationCode::GET_OBJECT_HANDLES];
        let added = [EventCode::OBJECT_ADDED];
        let g = Dialect::Generic;
        assert_eq!(
            watch_for(&info(&list, &added), g, false, None),
            Ok(Watch::Events)
        );
        assert_eq!(
            watch_for(&info(&list, &[]), g, false, None),
            Ok(Watch::Poll(DEFAULT_INTERVAL))
        );
        let secs = Duration::from_secs(5);
        assert_eq!(
            watch_for(&info(&list, &added), g, false, Some(secs)),
            Ok(Watch::Poll(secs))
        );
        let f = Dialect::Fuji;
        assert_eq!(
            watch_for(&info(&[], &[]), f, true, None),
            Ok(Watch::Fuji { lists: false })
        );
        assert_eq!(
            watch_for(&info(&list, &[]), f, true, None),
            Ok(Watch::Fuji { lists: true })
        );
        // Not in remote mode: the list, if the body has one.
        assert_eq!(
            watch_for(&info(&list, &[]), f, false, None),
            Ok(Watch::Poll(DEFAULT_INTERVAL))
        );
        for (ops, dialect, interval) in [(&[][..], f, None), (&[][..], g, Some(secs))] {
            assert!(matches!(
                watch_for(&info(ops, &added), dialect, false, interval),
                Err(CmdError::Failed(_))
            ));
        }
    }
}
