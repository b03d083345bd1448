//! One object to one file, safely: the data goes to `NAME.part` and is renamed to `NAME` only
//! once complete; a `.part` left by an earlier run is continued with GetPartialObject from its
//! size (GetPartialObject64, 0x95C1, past 4 GiB where the camera has it); a link that drops is
//! reconnected (at once, then after longer pauses) and the file resumed, up to a number of
//! retries.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ptpip_protocol::OperationCode;
use ptpip_protocol::initiator::Operation;
use ptpip_protocol::ptp::dataset::{DeviceInfo, ObjectHandle};
use ptpip_transport_std::{Calls, ClientError, WriteSink};

use super::names::part_path;
use super::{Camera, Entry, session_over, stopped};
use crate::commands::CmdError;
use crate::signals::interrupted;

/// GetPartialObject64 (MTP/Android extension): handle, offset low and high 32 bits, max bytes.
pub(crate) const GET_PARTIAL_OBJECT_64: OperationCode = OperationCode(0x95C1);

/// The pause before each attempt at connecting again after the link dropped: soon, then longer,
/// since a camera may still hold the old session for a moment (and refuse a new one) or be out of
/// range. Each attempt also retries "connection refused" for the connect timeout.
const RECONNECT_PAUSES: [Duration; 4] = [
    Duration::from_millis(100),
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
];

/// How a run's transfers are made.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Transfer {
    /// Progress bars on stderr (when it is a terminal).
    pub(crate) progress: bool,
    /// The camera has GetPartialObject (0x101B): a `.part` can be continued.
    pub(crate) partial: bool,
    /// The camera has GetPartialObject64 (0x95C1): past 4 GiB too.
    pub(crate) partial64: bool,
    /// Reconnects allowed for one file when the link drops.
    pub(crate) retries: u32,
}

impl Transfer {
    /// What `info` says the camera can do (or, without a DeviceInfo, GetPartialObject only, which
    /// PTP cameras have as a rule; a refusal then restarts the file from the beginning).
    pub(crate) fn new(info: Option<&DeviceInfo>, progress: bool, retries: u32) -> Self {
        let has = |c: OperationCode| info.is_none_or(|i| i.operations_supported.contains(&c));
        Self {
            progress,
            partial: has(OperationCode::GET_PARTIAL_OBJECT),
            partial64: info
                .is_some_and(|i| i.operations_supported.contains(&GET_PARTIAL_OBJECT_64)),
            retries,
        }
    }
}

/// Why a file was not saved.
#[derive(Debug)]
pub(crate) enum Failure {
    /// This file failed (the message names it); the others may go on.
    File(String),
    /// Everything stops: Ctrl-C, or the link is gone and cannot be brought back.
    Stop(CmdError),
}

/// What one file took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fetched {
    /// Bytes received in this run.
    pub(crate) received: u64,
    /// The file's size.
    pub(crate) size: u64,
    /// Bytes that were already in the `.part` file at the start.
    pub(crate) resumed_from: u64,
}

/// The `.part` file being written: counts what it takes and remembers a write error, so that
/// a full disk is told apart from a dropped link.
struct PartWriter {
    file: BufWriter<File>,
    written: u64,
    error: Option<io::ErrorKind>,
    message: Option<String>,
    bar: ProgressBar,
    base: u64,
}

impl Write for PartWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.file.write(buf) {
            Ok(n) => {
                self.written += n as u64;
                self.bar.set_position(self.base + self.written);
                Ok(n)
            }
            Err(e) => {
                self.error = Some(e.kind());
                self.message = Some(e.to_string());
                Err(e)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush().inspect_err(|e| {
            self.error = Some(e.kind());
            self.message = Some(e.to_string());
        })
    }
}

fn bar(progress: bool, size: Option<u64>, path: &Path) -> ProgressBar {
    if !progress || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(size, ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    bar
}

/// Downloads `entry` to `path` through `path.part` (see the module's description). On failure
/// the `.part` file is kept, and nothing is ever written under `path` but a complete file.
/// `counted` grows by the bytes received, whatever the outcome.
pub(crate) fn fetch(
    cam: &mut dyn Camera,
    t: Transfer,
    entry: &Entry,
    path: &Path,
    counted: &mut u64,
) -> Result<Fetched, Failure> {
    let info = entry
        .info
        .as_ref()
        .map_err(|e| Failure::File(format!("{}: {e}", entry.path)))?;
    let part = part_path(path);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .map_err(|e| Failure::File(format!("cannot create {}: {e}", parent.display())))?;
    }
    let size =
        (info.object_compressed_size != u32::MAX).then_some(u64::from(info.object_compressed_size));
    let mut offset = fs::metadata(&part).map_or(0, |m| m.len());
    if size.is_some_and(|s| offset > s) {
        offset = 0;
    }
    let resumed_from = offset;
    let cannot_write = |e: &dyn std::fmt::Display| {
        Failure::File(format!(
            "cannot write {}: {e} (the partial file is kept)",
            part.display()
        ))
    };
    let mut retries = t.retries;
    let mut received = 0;
    let bar = bar(t.progress, size, path);
    let result = loop {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&part)
            .and_then(|f| {
                f.set_len(offset)?;
                Ok(f)
            })
            .map_err(|e| cannot_write(&e))?;
        let mut w = PartWriter {
            file: BufWriter::with_capacity(1 << 20, file),
            written: 0,
            error: None,
            message: None,
            bar: bar.clone(),
            base: offset,
        };
        let got = receive(cam.calls(), t, entry.handle, size, offset, &mut w);
        // What was received is on disk before anything else, whatever happened.
        let flushed = w.flush();
        let got = got.and_then(|()| flushed.map_err(ClientError::from));
        offset = w.base + w.written;
        received += w.written;
        *counted += w.written;
        if let Some(m) = &w.message {
            break Err(cannot_write(m));
        }
        match got {
            Ok(()) => break Ok(()),
            Err(_) if interrupted() => break Err(Failure::Stop(stopped())),
            Err(e) if session_over(&e) && retries > 0 => {
                retries -= 1;
                bar.suspend(|| {
                    eprintln!(
                        "download: the link dropped during {} at {offset} bytes ({e}); \
                         reconnecting ({} {} left)",
                        entry.path,
                        retries,
                        if retries == 1 { "retry" } else { "retries" }
                    );
                });
                if let Err(f) = reconnect(cam, entry) {
                    break Err(f);
                }
            }
            Err(e) if session_over(&e) => {
                break Err(Failure::Stop(CmdError::Failed(format!(
                    "the link dropped during {} ({e}); {} is kept: run download again to resume",
                    entry.path,
                    part.display()
                ))));
            }
            Err(e) => {
                break Err(Failure::File(format!(
                    "{}: {e} ({} is kept)",
                    entry.path,
                    part.display()
                )));
            }
        }
    };
    bar.finish_and_clear();
    result?;
    if let Some(s) = size
        && offset != s
    {
        return Err(Failure::File(format!(
            "{}: received {offset} of {s} bytes ({} is kept)",
            entry.path,
            part.display()
        )));
    }
    File::open(&part)
        .and_then(|f| f.sync_all())
        .and_then(|()| fs::rename(&part, path))
        .map_err(|e| {
            Failure::File(format!(
                "cannot rename {} to {}: {e}",
                part.display(),
                path.display()
            ))
        })?;
    Ok(Fetched {
        received,
        size: offset,
        resumed_from,
    })
}

/// Waits `pause`, or less if Ctrl-C comes meanwhile (then the transfer stops).
fn pause(pause: Duration) -> Result<(), Failure> {
    if interrupted() || crate::signals::wait(pause) {
        return Err(Failure::Stop(stopped()));
    }
    Ok(())
}

/// Connects again (a few attempts, see [`RECONNECT_PAUSES`]) and checks the object is still the
/// same.
fn reconnect(cam: &mut dyn Camera, entry: &Entry) -> Result<(), Failure> {
    let mut failed = None;
    for p in RECONNECT_PAUSES {
        pause(p)?;
        match cam.reconnect() {
            Ok(()) => {
                failed = None;
                break;
            }
            Err(_) if interrupted() => return Err(Failure::Stop(stopped())),
            Err(e) => failed = Some(e),
        }
    }
    if let Some(e) = failed {
        return Err(Failure::Stop(CmdError::Failed(format!(
            "cannot reconnect: {e}"
        ))));
    }
    let now = cam
        .calls()
        .object_info(ObjectHandle(entry.handle))
        .map_err(|e| Failure::Stop(super::call_error(e)))?;
    let before = entry.info.as_ref().ok();
    if before.is_some_and(|b| {
        b.filename != now.filename || b.object_compressed_size != now.object_compressed_size
    }) {
        return Err(Failure::File(format!(
            "{}: the camera's object {:#010x} is another one after reconnecting",
            entry.path, entry.handle
        )));
    }
    Ok(())
}

/// Receives the object from `offset` on into `w`: GetObject from the start, else
/// GetPartialObject (or GetPartialObject64) pieces until the end. Without a way to resume, the
/// file starts over.
fn receive(
    calls: &mut dyn Calls,
    t: Transfer,
    handle: u32,
    size: Option<u64>,
    offset: u64,
    w: &mut PartWriter,
) -> Result<(), ClientError> {
    let h = ObjectHandle(handle);
    let fits32 = offset <= u64::from(u32::MAX);
    if offset == 0 || !(t.partial && fits32 || t.partial64) {
        if offset > 0 {
            // No way to continue: start the file again.
            w.file.get_mut().set_len(0)?;
            w.base = 0;
            w.written = 0;
        }
        let mut sink = WriteSink::new(&mut *w, |_, _| {});
        calls.download(
            Operation::new(OperationCode::GET_OBJECT, &[h.0]).expect("one parameter"),
            &mut sink,
        )?;
        return Ok(());
    }
    let mut at = offset;
    loop {
        let left = size.map_or(u64::from(u32::MAX), |s| s.saturating_sub(at));
        if left == 0 {
            return Ok(());
        }
        let want = left.min(u64::from(u32::MAX)) as u32;
        let before = w.written;
        let op = if at <= u64::from(u32::MAX) && t.partial {
            Operation::new(OperationCode::GET_PARTIAL_OBJECT, &[h.0, at as u32, want])
        } else {
            Operation::new(
                GET_PARTIAL_OBJECT_64,
                &[h.0, at as u32, (at >> 32) as u32, want],
            )
        }
        .expect("at most four parameters");
        let mut sink = WriteSink::new(&mut *w, |_, _| {});
        calls.download(op, &mut sink)?;
        let got = w.written - before;
        at += got;
        if got < u64::from(want) {
            return Ok(());
        }
    }
}
