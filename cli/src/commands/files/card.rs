//! Card operations: `upload`, `delete`, `mkdir` and `thumb`.

use std::fs::{self, File};
use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ptpip_protocol::Encode;
use ptpip_protocol::OperationCode;
use ptpip_protocol::initiator::Operation;
use ptpip_protocol::ptp::codes::{AssociationType, ObjectFormatCode};
use ptpip_protocol::ptp::dataset::{ObjectHandle, ObjectInfo, StorageId};
use ptpip_protocol::ptp::string::PtpString;
use ptpip_transport_std::Calls;

use super::names::{part_path, safe_name, split_ext};
use super::{Entry, call_error, collect, resolve, resolve_one, session_over};
use crate::commands::CmdError;
use crate::commands::objects::{ObjectRef, Target};
use crate::signals::interrupted;

/// The object format for a local file, from its extension.
fn format_for(name: &str) -> ObjectFormatCode {
    match split_ext(name).1.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" => ObjectFormatCode::EXIF_JPEG,
        "tif" | "tiff" => ObjectFormatCode::TIFF,
        "png" => ObjectFormatCode::PNG,
        "heif" | "heic" | "hif" => ObjectFormatCode::HEIF,
        "dng" => ObjectFormatCode::DNG,
        "mov" => ObjectFormatCode::QT,
        "mp4" => ObjectFormatCode::MP4_CONTAINER,
        "avi" => ObjectFormatCode::AVI,
        "txt" => ObjectFormatCode::TEXT,
        "wav" => ObjectFormatCode::WAV,
        _ => ObjectFormatCode::UNDEFINED,
    }
}

/// Where new objects go: a storage and a parent folder (0 and 0: where the camera likes).
fn destination(
    calls: &mut dyn Calls,
    folder: Option<&ObjectRef>,
) -> Result<(StorageId, u32, String), CmdError> {
    let Some(what) = folder else {
        return Ok((StorageId(0), 0, String::new()));
    };
    let e = resolve_one(calls, what)?;
    if !e.is_folder() {
        return Err(CmdError::Failed(format!("{} is not a folder", e.path)));
    }
    let storage = e.info.as_ref().map_or(StorageId(0), |i| i.storage_id);
    Ok((storage, e.handle, format!("{}/", e.path)))
}

/// Reads through to a progress bar.
struct Progress<R> {
    inner: R,
    bar: ProgressBar,
}

impl<R: Read> Read for Progress<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

fn upload_bar(progress: bool, len: u64, name: &str) -> ProgressBar {
    if !progress || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(name.to_owned());
    bar
}

/// `upload FILE… [FOLDER]`: SendObjectInfo and SendObject for each file, streamed from disk.
pub(crate) fn upload(
    calls: &mut dyn Calls,
    files: &[PathBuf],
    folder: Option<&ObjectRef>,
    progress: bool,
    out: &mut dyn Write,
) -> Result<(), CmdError> {
    // Every file is checked before anything is sent.
    let mut sources = Vec::with_capacity(files.len());
    for path in files {
        let meta = fs::metadata(path)
            .map_err(|e| CmdError::Failed(format!("cannot read {}: {e}", path.display())))?;
        if !meta.is_file() {
            return Err(CmdError::Failed(format!(
                "{} is not a file",
                path.display()
            )));
        }
        let name = path
            .file_name()
            .map(|n| safe_name(&n.to_string_lossy(), 0))
            .unwrap_or_default();
        sources.push((path, name, meta.len()));
    }
    let (storage, parent, shown) = destination(calls, folder)?;
    for (path, name, len) in sources {
        if interrupted() {
            return Err(super::stopped());
        }
        let file = File::open(path)
            .map_err(|e| CmdError::Failed(format!("cannot read {}: {e}", path.display())))?;
        let info = ObjectInfo {
            storage_id: storage,
            object_format: format_for(&name),
            object_compressed_size: u32::try_from(len).unwrap_or(u32::MAX),
            parent_object: ObjectHandle(parent),
            filename: PtpString::new(name.as_str())
                .map_err(|e| CmdError::Failed(format!("{name}: {e}")))?,
            ..ObjectInfo::default()
        };
        let bar = upload_bar(progress, len, &name);
        let mut reader = Progress {
            inner: file,
            bar: bar.clone(),
        };
        let sent = calls.send_object(storage, ObjectHandle(parent), &info, &mut reader, len);
        bar.finish_and_clear();
        let handle = sent.map_err(|e| match call_error(e) {
            CmdError::Failed(m) => {
                CmdError::Failed(format!("cannot upload {}: {m}", path.display()))
            }
            other => other,
        })?;
        writeln!(
            out,
            "Uploaded {} ({len} bytes) as {shown}{name} ({:#010x})",
            path.display(),
            handle.0
        )?;
        out.flush()?;
    }
    Ok(())
}

/// `mkdir PATH`: a folder (an association) under PATH's parent, which must exist.
pub(crate) fn mkdir(
    calls: &mut dyn Calls,
    path: &str,
    out: &mut dyn Write,
) -> Result<(), CmdError> {
    let path = path.trim_matches('/');
    let (parent, name) = match path.rsplit_once('/') {
        Some((p, n)) => (Some(ObjectRef::Path(p.to_owned())), n),
        None => (None, path),
    };
    if name.is_empty() || safe_name(name, 0) != name {
        return Err(CmdError::Failed(format!("'{name}' is not a folder name")));
    }
    let (storage, parent_handle, shown) = destination(calls, parent.as_ref())?;
    let info = ObjectInfo {
        storage_id: storage,
        object_format: ObjectFormatCode::ASSOCIATION,
        association_type: AssociationType::GENERIC_FOLDER,
        parent_object: ObjectHandle(parent_handle),
        filename: PtpString::new(name).map_err(|e| CmdError::Failed(format!("{name}: {e}")))?,
        ..ObjectInfo::default()
    };
    let op = Operation::new(OperationCode::SEND_OBJECT_INFO, &[storage.0, parent_handle])
        .expect("two parameters")
        .send(info.to_bytes().into());
    let c = calls.call(op).map_err(call_error)?;
    writeln!(
        out,
        "Created {shown}{name}/ ({:#010x})",
        c.params.get(3).unwrap_or(0)
    )?;
    Ok(())
}

/// Asks "…? [y/N]" on the terminal; anything but y/yes is no.
fn confirm(question: &str) -> io::Result<bool> {
    eprint!("{question} [y/N] ");
    io::stderr().flush()?;
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// The objects some words name: objects (a folder with everything in it) or globs.
fn chosen(calls: &mut dyn Calls, targets: &[Target]) -> Result<Vec<Entry>, CmdError> {
    let listing = collect(calls)?;
    let mut out: Vec<Entry> = Vec::new();
    for t in targets {
        let found: Vec<&Entry> = match t {
            Target::All => listing.entries().collect(),
            Target::Object(what) => resolve(&listing, what)?,
            Target::Glob(g) => {
                let glob = super::names::NameGlob::new(g).map_err(CmdError::Usage)?;
                listing
                    .entries()
                    .filter(|e| e.info.is_ok() && glob.matches(&e.path, &e.name()))
                    .collect()
            }
        };
        for e in found {
            if !out.iter().any(|o| o.handle == e.handle) {
                out.push(e.clone());
            }
        }
    }
    Ok(out)
}

/// `delete OBJECT… [--yes]`: asks first on a terminal, and refuses without `--yes` elsewhere.
/// Files go before their folders.
pub(crate) fn delete(
    calls: &mut dyn Calls,
    targets: &[Target],
    yes: bool,
    can_ask: bool,
    out: &mut dyn Write,
) -> Result<(), CmdError> {
    let mut doomed = chosen(calls, targets)?;
    if doomed.is_empty() {
        writeln!(out, "Nothing to delete.")?;
        return Ok(());
    }
    // Deepest first, so a folder is empty when its turn comes.
    doomed.sort_by_key(|e| std::cmp::Reverse(e.path.matches('/').count()));
    if !yes {
        let what = match doomed.as_slice() {
            [one] => one.path.clone(),
            many => format!("{} objects ({}, …)", many.len(), many[0].path),
        };
        if !can_ask {
            return Err(CmdError::Failed(format!(
                "not deleting {what}: give --yes to delete without being asked"
            )));
        }
        if !confirm(&format!("Delete {what}?"))? {
            writeln!(out, "Nothing deleted.")?;
            return Ok(());
        }
    }
    let mut failed = Vec::new();
    for e in &doomed {
        if interrupted() {
            return Err(super::stopped());
        }
        match calls.delete_object(ObjectHandle(e.handle)) {
            Ok(()) => writeln!(out, "Deleted {} ({:#010x})", e.path, e.handle)?,
            Err(err) if session_over(&err) => return Err(call_error(err)),
            Err(err) => failed.push(format!("{}: {err}", e.path)),
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CmdError::Failed(format!(
            "{} of {} could not be deleted: {}",
            failed.len(),
            doomed.len(),
            failed.join("; ")
        )))
    }
}

/// `thumb OBJECT|all DIR`: each object's thumbnail to `DIR/NAME.thumb.jpg`.
pub(crate) fn thumb(
    calls: &mut dyn Calls,
    target: &Target,
    dir: &Path,
    out: &mut dyn Write,
) -> Result<(), CmdError> {
    let entries: Vec<Entry> = match target {
        Target::Object(ObjectRef::Handle(h)) => vec![super::entry_for(calls, *h)?],
        t => chosen(calls, std::slice::from_ref(t))?,
    };
    fs::create_dir_all(dir)
        .map_err(|e| CmdError::Failed(format!("cannot create {}: {e}", dir.display())))?;
    let (mut saved, mut failed) = (0, Vec::new());
    for e in &entries {
        if let Err(m) = &e.info {
            failed.push(format!(
                "{:#010x}: cannot read its ObjectInfo: {m}",
                e.handle
            ));
        }
    }
    for e in entries.iter().filter(|e| e.info.is_ok() && !e.is_folder()) {
        if interrupted() {
            return Err(super::stopped());
        }
        let bytes = match calls.get_thumb(ObjectHandle(e.handle)) {
            Ok(b) if !b.is_empty() => b,
            Ok(_) => {
                failed.push(format!("{}: the camera sent an empty thumbnail", e.path));
                continue;
            }
            Err(err) if session_over(&err) => return Err(call_error(err)),
            Err(err) => {
                failed.push(format!("{}: {err}", e.path));
                continue;
            }
        };
        let name = e.name();
        let path = dir.join(format!("{}.thumb.jpg", split_ext(&name).0));
        let part = part_path(&path);
        fs::write(&part, &bytes)
            .and_then(|()| fs::rename(&part, &path))
            .map_err(|err| CmdError::Failed(format!("cannot write {}: {err}", path.display())))?;
        writeln!(
            out,
            "Saved the thumbnail of {} ({} bytes) to {}",
            e.path,
            bytes.len(),
            path.display()
        )?;
        saved += 1;
    }
    if failed.is_empty() {
        if saved == 0 {
            writeln!(out, "No thumbnail to save.")?;
        }
        Ok(())
    } else {
        for f in &failed {
            eprintln!("thumb: {f}");
        }
        Err(CmdError::Failed(format!(
            "{} of {} thumbnails could not be read",
            failed.len(),
            failed.len() + saved
        )))
    }
}
