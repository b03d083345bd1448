//! `download`: choose the objects (target, filters, history), name their files (card folders,
//! `--flat`, `--filename`), refuse two objects for one name before writing anything, skip what is
//! there, fetch the rest, and end with one summary line.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::history::{self, History, Seen};
use super::names::{self, Fields, NameGlob, format_matches, ptp_date};
use super::transfer::{Failure, Transfer, fetch};
use super::{Camera, Entry, Listing, collect_with, device_info, entry_for, resolve};
use crate::commands::CmdError;
use crate::commands::objects::{DownloadOpts, ObjectRef, Target};
use crate::output::human_size;
use ptpip_protocol::ptp::dataset::DeviceInfo;

/// One file to write.
struct Planned<'a> {
    entry: &'a Entry,
    /// Relative to the target directory.
    rel: PathBuf,
}

/// What a run did, for the summary line.
#[derive(Debug, Default)]
struct Tally {
    downloaded: usize,
    skipped: usize,
    failed: usize,
    bytes: u64,
}

/// The objects `target` names (an object whose ObjectInfo could not be read is among them
/// unless the target is one object). `device` decides how the card is listed.
fn select(
    cam: &mut dyn Camera,
    target: &Target,
    device: Option<&DeviceInfo>,
) -> Result<Vec<Entry>, CmdError> {
    if let Target::Object(ObjectRef::Handle(h)) = target {
        let e = entry_for(cam.calls(), *h)?;
        if !e.is_folder() {
            return Ok(vec![e]);
        }
    }
    // No StorageInfo: a download does not need it.
    let listing = collect_with(cam.calls(), device.cloned(), false)?;
    let chosen: Vec<Entry> = match target {
        Target::All => listing.entries().cloned().collect(),
        Target::Object(what) => resolve(&listing, what)?.into_iter().cloned().collect(),
        Target::Glob(g) => {
            let glob = NameGlob::new(g).map_err(CmdError::Usage)?;
            listing
                .entries()
                .filter(|e| e.info.is_err() || glob.matches(&e.path, &e.name()))
                .cloned()
                .collect()
        }
    };
    Ok(chosen)
}

/// Whether `e` passes `--format`, `--since` and `--until`.
pub(super) fn wanted(e: &Entry, opts: &DownloadOpts) -> bool {
    let Ok(info) = &e.info else { return true };
    if !format_matches(&opts.formats, info.object_format, info.filename.as_str()) {
        return false;
    }
    if opts.since.is_none() && opts.until.is_none() {
        return true;
    }
    let Some(date) = ptp_date(info.capture_date.as_str()) else {
        return false;
    };
    opts.since.as_ref().is_none_or(|s| date >= *s) && opts.until.as_ref().is_none_or(|u| date <= *u)
}

/// What the history remembers of `e`.
fn seen(e: &Entry) -> Option<Seen> {
    let info = e.info.as_ref().ok()?;
    Some(Seen {
        name: info.filename.as_str().to_owned(),
        size: u64::from(info.object_compressed_size),
        date: info.capture_date.as_str().to_owned(),
    })
}

/// The path of `e` under the target directory: its card path, its name alone (`--flat`) or the
/// `--filename` pattern's, `counter` being its number among the files (from 1). `Err` names the
/// object that cannot be named (the pattern needs a capture date it has not).
pub(super) fn name_for(e: &Entry, opts: &DownloadOpts, counter: usize) -> Result<PathBuf, String> {
    let name = e.name();
    match &opts.pattern {
        Some(p) => {
            let date = e
                .info
                .as_ref()
                .ok()
                .and_then(|i| ptp_date(i.capture_date.as_str()));
            p.apply(&Fields {
                name: &name,
                folder: e.folder(),
                date: date.as_deref(),
                counter,
                handle: e.handle,
            })
        }
        None if opts.flat => Ok(PathBuf::from(&name)),
        None => names::safe_relative(&e.path, e.handle),
    }
}

/// The relative path of each file, or the objects that cannot be named. Two objects for one
/// path is an error unless `--no-skip` (which numbers the second).
fn plan<'a>(
    files: &[&'a Entry],
    opts: &DownloadOpts,
    failed: &mut Vec<String>,
) -> Result<Vec<Planned<'a>>, CmdError> {
    let mut planned = Vec::with_capacity(files.len());
    let mut taken: HashMap<PathBuf, &Entry> = HashMap::new();
    let mut clashes = Vec::new();
    for (i, e) in files.iter().enumerate() {
        let rel = match name_for(e, opts, i + 1) {
            Ok(r) => r,
            Err(m) => {
                failed.push(m);
                continue;
            }
        };
        if let Some(first) = taken.get(&rel) {
            clashes.push(format!(
                "{} and {} would both be saved as {}",
                first.path,
                e.path,
                rel.display()
            ));
        } else {
            taken.insert(rel.clone(), e);
        }
        planned.push(Planned { entry: e, rel });
    }
    if !clashes.is_empty() && !opts.no_skip {
        let hint = if opts.pattern.is_some() {
            "make the --filename pattern tell them apart (%: the folder, %n a counter)"
        } else if opts.flat {
            "drop --flat, or give --filename with %: or %n"
        } else {
            "give --filename with %n"
        };
        return Err(CmdError::Failed(format!(
            "nothing was downloaded: {}; {hint}, or --no-skip to number them",
            clashes.join("; ")
        )));
    }
    Ok(planned)
}

/// `path`, or `stem-1.ext`, `stem-2.ext`… if it (or its `.part`) exists.
pub(crate) fn unused(path: PathBuf) -> PathBuf {
    let free = |p: &Path| !p.exists() && !names::part_path(p).exists();
    if free(&path) {
        return path;
    }
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (stem, ext) = names::split_ext(&name);
    (1..)
        .map(|n| {
            let name = if ext.is_empty() {
                format!("{stem}-{n}")
            } else {
                format!("{stem}-{n}.{ext}")
            };
            path.with_file_name(name)
        })
        .find(|p| free(p))
        .unwrap_or(path)
}

/// Whether the file at `path` is the object already: same size (an object of 4 GiB or more,
/// whose size ObjectInfo cannot tell, is taken as the same when the file is that large).
fn same_size(path: &Path, e: &Entry) -> Option<Result<(), (u64, u64)>> {
    let local = std::fs::metadata(path)
        .ok()
        .filter(std::fs::Metadata::is_file)?
        .len();
    let remote = e.info.as_ref().ok()?.object_compressed_size;
    let same = if remote == u32::MAX {
        local >= u64::from(u32::MAX)
    } else {
        local == u64::from(remote)
    };
    Some(if same {
        Ok(())
    } else {
        Err((local, u64::from(remote)))
    })
}

/// The history's key for this camera: manufacturer, model and serial number from its
/// DeviceInfo, else `fallback` (the host).
fn camera_key(info: Option<&DeviceInfo>, fallback: &str) -> String {
    match info {
        Some(i) if !i.serial_number.as_str().is_empty() => format!(
            "{}-{}-{}",
            i.manufacturer.as_str(),
            i.model.as_str(),
            i.serial_number.as_str()
        ),
        _ => format!("host-{fallback}"),
    }
}

/// What a download run needs to know besides the command.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    /// Progress bars on stderr (when it is a terminal).
    pub(crate) progress: bool,
    /// The camera's host, the history's key when the camera has no serial number.
    pub(crate) host: String,
    /// Where download histories live (`None`: nowhere, and `--new` cannot work).
    pub(crate) history_dir: Option<PathBuf>,
}

impl Context {
    /// The usual context: histories in the user's data directory.
    pub(crate) fn new(progress: bool, host: String) -> Self {
        Self {
            progress,
            host,
            history_dir: history::default_dir(),
        }
    }
}

/// Where and how a run saves files: the target directory, what to do with files that are there,
/// the download history, and what the run did so far. `download` and `tether` save through it.
pub(super) struct Saver<'a> {
    dir: &'a Path,
    opts: &'a DownloadOpts,
    t: Transfer,
    history: Option<History>,
    tally: Tally,
    started: Instant,
    /// The command, for messages (`download: …`).
    label: &'static str,
}

impl<'a> Saver<'a> {
    /// Gets ready to save into `dir`: the camera's DeviceInfo (read once by the caller) says
    /// what it can resume and names it in the history; opens the history, creates `dir`.
    pub(super) fn open(
        device: Option<&DeviceInfo>,
        dir: &'a Path,
        opts: &'a DownloadOpts,
        ctx: &Context,
        label: &'static str,
    ) -> Result<Self, CmdError> {
        let t = Transfer::new(device, ctx.progress, opts.retries);
        let key = camera_key(device, &ctx.host);
        let history = match ctx.history_dir.as_ref().map(|d| History::open(d, &key)) {
            Some(Ok(h)) => Some(h),
            Some(Err(e)) if opts.new_only => {
                return Err(CmdError::Failed(format!(
                    "cannot read the download history: {e}"
                )));
            }
            None if opts.new_only => {
                return Err(CmdError::Failed(
                    "--new needs a download history, and this system has no data directory".into(),
                ));
            }
            _ => None,
        };
        std::fs::create_dir_all(dir)
            .map_err(|e| CmdError::Failed(format!("cannot create {}: {e}", dir.display())))?;
        Ok(Self {
            dir,
            opts,
            t,
            history,
            tally: Tally::default(),
            started: Instant::now(),
            label,
        })
    }

    /// Counts a file that could not be saved, saying why on stderr.
    pub(super) fn fail(&mut self, why: &str) {
        self.tally.failed += 1;
        eprintln!("{}: {why}", self.label);
    }

    /// Files saved, skipped and failed so far.
    pub(super) fn counts(&self) -> (usize, usize, usize) {
        (self.tally.downloaded, self.tally.skipped, self.tally.failed)
    }

    /// Saves `entry` as `rel` under the directory, by the rules: skipped when the history has it
    /// (`--new`) or a file of its size is there; numbered (`--no-skip`) or overwritten
    /// (`--force`). `Ok(Some(path))` once saved, `Ok(None)` when skipped or failed (said on
    /// stderr); `Err` when everything must stop (Ctrl-C, the link gone for good).
    pub(super) fn save(
        &mut self,
        cam: &mut dyn Camera,
        entry: &Entry,
        rel: &Path,
        out: &mut dyn Write,
    ) -> Result<Option<PathBuf>, CmdError> {
        let record = seen(entry);
        if self.opts.new_only
            && let (Some(h), Some(s)) = (&self.history, &record)
            && h.contains(s)
        {
            self.tally.skipped += 1;
            return Ok(None);
        }
        let mut path = self.dir.join(rel);
        if self.opts.no_skip {
            path = unused(path);
        } else if !self.opts.force {
            match same_size(&path, entry) {
                Some(Ok(())) => {
                    self.tally.skipped += 1;
                    remember(&mut self.history, record);
                    return Ok(None);
                }
                Some(Err((local, remote))) => {
                    self.fail(&format!(
                        "{} is there with another size ({local} bytes, the camera has \
                         {remote}): --force overwrites it, --no-skip keeps both",
                        path.display()
                    ));
                    return Ok(None);
                }
                None => {}
            }
        }
        match fetch(cam, self.t, entry, &path, &mut self.tally.bytes) {
            Ok(f) => {
                self.tally.downloaded += 1;
                let how = if f.resumed_from > 0 {
                    format!(", resumed at {}", f.resumed_from)
                } else {
                    String::new()
                };
                writeln!(
                    out,
                    "Saved {} ({} bytes{how}) to {}",
                    entry.name(),
                    f.size,
                    path.display()
                )?;
                out.flush()?;
                remember(&mut self.history, record);
                Ok(Some(path))
            }
            Err(Failure::File(m)) => {
                self.fail(&m);
                Ok(None)
            }
            Err(Failure::Stop(e)) => {
                self.tally.failed += 1;
                Err(e)
            }
        }
    }

    /// Counts a file saved by other means (a Fujifilm preview) of `bytes` bytes.
    pub(super) fn saved_other(&mut self, bytes: u64) {
        self.tally.downloaded += 1;
        self.tally.bytes += bytes;
    }

    /// The final line: downloaded, skipped, failed, bytes, time.
    pub(super) fn summary(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let secs = self.started.elapsed().as_secs_f64();
        let t = &self.tally;
        writeln!(
            out,
            "{} downloaded, {} skipped, {} failed, {} bytes ({}) in {secs:.1} s",
            t.downloaded,
            t.skipped,
            t.failed,
            t.bytes,
            human_size(t.bytes)
        )
    }
}

/// `download`.
pub(crate) fn download(
    cam: &mut dyn Camera,
    target: &Target,
    dir: Option<&Path>,
    opts: &DownloadOpts,
    ctx: &Context,
    out: &mut dyn Write,
) -> Result<(), CmdError> {
    let dir = dir.unwrap_or(Path::new("."));
    // Read once: it says how to list the card, whether a file can be resumed, and names the
    // camera in the history.
    let device = device_info(cam.calls())?;
    let chosen = select(cam, target, device.as_ref())?;
    let unreadable = Listing::unreadable_error(&chosen);
    let mut failed: Vec<String> = chosen
        .iter()
        .filter_map(|e| e.info.as_ref().err().map(|m| format!("{}: {m}", e.path)))
        .collect();
    let files: Vec<&Entry> = chosen
        .iter()
        .filter(|e| e.info.is_ok() && !e.is_folder() && wanted(e, opts))
        .collect();
    if files.is_empty() && failed.is_empty() {
        writeln!(out, "Nothing to download.")?;
        return Ok(());
    }
    let planned = plan(&files, opts, &mut failed)?;
    let mut saver = Saver::open(device.as_ref(), dir, opts, ctx, "download")?;
    for m in &failed {
        saver.fail(m);
    }
    let mut stop = None;
    for p in &planned {
        if let Err(e) = saver.save(cam, p.entry, &p.rel, out) {
            stop = Some(e);
            break;
        }
    }
    saver.summary(out)?;
    if let Some(e) = stop {
        return Err(e);
    }
    match (unreadable, saver.tally.failed) {
        (Some(m), _) => Err(CmdError::Failed(m)),
        (None, 0) => Ok(()),
        (None, n) => Err(CmdError::Failed(format!(
            "{n} of {} files could not be downloaded",
            planned.len() + failed.len()
        ))),
    }
}

/// Adds `s` to the history, warning (once per run is enough: the next add will likely fail
/// too) when the file cannot be written.
fn remember(history: &mut Option<History>, s: Option<Seen>) {
    let (Some(h), Some(s)) = (history.as_mut(), s) else {
        return;
    };
    if let Err(e) = h.add(s) {
        eprintln!(
            "download: warning: cannot write the download history {}: {e}",
            h.path().display()
        );
        *history = None;
    }
}
