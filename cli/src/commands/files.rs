//! Objects on the camera: `ls`, `download` and `capture`.

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ptpip_protocol::Dialect;
use ptpip_protocol::ptp::codes::ObjectFormatCode;
use ptpip_protocol::ptp::dataset::{ObjectHandle, ObjectInfo, StorageId, StorageInfo};
use ptpip_transport_std::{Calls, Client};
use serde::Serialize;

use super::CmdError;
use super::stream::interrupted;
use crate::output::{self, Format, human_size};

/// Folders nest at most this deep in the listing (a guard against parent loops).
const MAX_DEPTH: usize = 64;

/// How long a capture may wait for each of its events.
const CAPTURE_TIMEOUT: Duration = Duration::from_secs(30);

/// One object and where it sits.
struct Entry {
    handle: u32,
    info: ObjectInfo,
}

impl Entry {
    fn is_folder(&self) -> bool {
        self.info.object_format == ObjectFormatCode::ASSOCIATION
    }
}

/// A storage and every object in it.
struct Store {
    id: StorageId,
    info: Option<StorageInfo>,
    objects: Vec<Entry>,
}

/// Every storage with its objects (GetObjectHandles with parent 0: all objects at any depth).
fn collect(client: &mut Client) -> Result<Vec<Store>, CmdError> {
    let mut stores = Vec::new();
    for id in client.storage_ids()? {
        let info = client.storage_info(id).ok();
        let mut objects = Vec::new();
        for h in client.object_handles(id, 0, ObjectHandle(0))? {
            if interrupted() {
                return Err(CmdError::Failed("interrupted".into()));
            }
            let info = client.object_info(h)?;
            objects.push(Entry { handle: h.0, info });
        }
        stores.push(Store { id, info, objects });
    }
    Ok(stores)
}

/// The objects of a store as a tree: indexes of the roots, and the children of each folder.
fn tree(objects: &[Entry]) -> (Vec<usize>, BTreeMap<u32, Vec<usize>>) {
    let handles: HashSet<u32> = objects.iter().map(|o| o.handle).collect();
    let mut roots = Vec::new();
    let mut children: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, o) in objects.iter().enumerate() {
        let parent = o.info.parent_object.0;
        if parent == 0 || parent == o.handle || !handles.contains(&parent) {
            roots.push(i);
        } else {
            children.entry(parent).or_default().push(i);
        }
    }
    (roots, children)
}

/// An object in the JSON listing.
#[derive(Serialize)]
struct ObjectJson {
    handle: u32,
    name: String,
    format: String,
    size: u32,
    folder: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    children: Vec<Self>,
}

/// A storage in the JSON listing.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StoreJson {
    id: u32,
    description: Option<String>,
    volume_label: Option<String>,
    capacity: Option<u64>,
    free: Option<u64>,
    objects: Vec<ObjectJson>,
}

fn object_json(
    objects: &[Entry],
    children: &BTreeMap<u32, Vec<usize>>,
    i: usize,
    depth: usize,
) -> ObjectJson {
    let o = &objects[i];
    let kids = if depth < MAX_DEPTH {
        children.get(&o.handle).map_or_else(Vec::new, |c| {
            c.iter()
                .map(|&k| object_json(objects, children, k, depth + 1))
                .collect()
        })
    } else {
        Vec::new()
    };
    ObjectJson {
        handle: o.handle,
        name: o.info.filename.as_str().to_owned(),
        format: o.info.object_format.to_string(),
        size: o.info.object_compressed_size,
        folder: o.is_folder(),
        children: kids,
    }
}

fn tree_text(
    out: &mut String,
    objects: &[Entry],
    children: &BTreeMap<u32, Vec<usize>>,
    items: &[usize],
    prefix: &str,
    depth: usize,
) {
    for (n, &i) in items.iter().enumerate() {
        let last = n + 1 == items.len();
        let o = &objects[i];
        let name = o.info.filename.as_str();
        let branch = if last { "└── " } else { "├── " };
        if o.is_folder() {
            out.push_str(&format!("{prefix}{branch}{name}/ ({:#010x})\n", o.handle));
        } else {
            out.push_str(&format!(
                "{prefix}{branch}{name} ({} bytes, {:#010x})\n",
                o.info.object_compressed_size, o.handle
            ));
        }
        if let Some(kids) = children.get(&o.handle).filter(|_| depth < MAX_DEPTH) {
            let deeper = format!("{prefix}{}", if last { "    " } else { "│   " });
            tree_text(out, objects, children, kids, &deeper, depth + 1);
        }
    }
}

/// `ls`.
pub(super) fn ls(client: &mut Client, format: Format, out: &mut dyn Write) -> Result<(), CmdError> {
    let stores = collect(client)?;
    if format != Format::Text {
        let list: Vec<StoreJson> = stores
            .iter()
            .map(|s| {
                let (roots, children) = tree(&s.objects);
                StoreJson {
                    id: s.id.0,
                    description: s
                        .info
                        .as_ref()
                        .map(|i| i.storage_description.as_str().into()),
                    volume_label: s.info.as_ref().map(|i| i.volume_label.as_str().into()),
                    capacity: s.info.as_ref().map(|i| i.max_capacity),
                    free: s.info.as_ref().map(|i| i.free_space_in_bytes),
                    objects: roots
                        .iter()
                        .map(|&r| object_json(&s.objects, &children, r, 0))
                        .collect(),
                }
            })
            .collect();
        out.write_all(output::json(&list, format).as_bytes())?;
        return Ok(());
    }
    let mut text = String::new();
    for s in &stores {
        match &s.info {
            Some(i) => text.push_str(&format!(
                "Storage {:#010x} \"{}\" ({}, {} capacity, {} free)\n",
                s.id.0,
                i.storage_description.as_str(),
                i.storage_type,
                human_size(i.max_capacity),
                human_size(i.free_space_in_bytes)
            )),
            None => text.push_str(&format!("Storage {:#010x}\n", s.id.0)),
        }
        let (roots, children) = tree(&s.objects);
        tree_text(&mut text, &s.objects, &children, &roots, "", 0);
        let files: Vec<&Entry> = s.objects.iter().filter(|o| !o.is_folder()).collect();
        let bytes: u64 = files
            .iter()
            .map(|o| u64::from(o.info.object_compressed_size))
            .sum();
        text.push_str(&format!(
            "{} files, {} folders, {bytes} bytes\n",
            files.len(),
            s.objects.len() - files.len()
        ));
    }
    if stores.is_empty() {
        text.push_str("No storage.\n");
    }
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// A file name from the camera made safe: no directories, nothing hidden, never empty.
fn safe_name(name: &str, handle: u32) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | '\0' | ':' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        format!("object-{handle:08x}")
    } else {
        cleaned
    }
}

/// `path`, or `stem-1.ext`, `stem-2.ext`… if it exists.
fn unused(path: PathBuf) -> PathBuf {
    if !path.exists() {
        return path;
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = path.extension().map(|e| e.to_string_lossy().into_owned());
    (1..)
        .map(|n| {
            let name = match &ext {
                Some(e) => format!("{stem}-{n}.{e}"),
                None => format!("{stem}-{n}"),
            };
            path.with_file_name(name)
        })
        .find(|p| !p.exists())
        .unwrap_or(path)
}

/// A writer that fails once Ctrl-C was pressed, so that a transfer stops.
struct Interruptible<W>(W);

impl<W: Write> Write for Interruptible<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if interrupted() {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
        }
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// GetObject into a new file at `path` (removed again on failure), with a progress bar when
/// `progress` and stderr is a terminal. Returns the bytes written.
fn fetch(
    client: &mut Client,
    handle: u32,
    size: u64,
    path: &Path,
    progress: bool,
) -> Result<u64, CmdError> {
    let file = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or(Ok(()), fs::create_dir_all)
        .and_then(|()| File::create(path))
        .map_err(|e| CmdError::Failed(format!("cannot create {}: {e}", path.display())))?;
    let bar = if progress && io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut writer = Interruptible(BufWriter::new(file));
    let result = client
        .get_object(ObjectHandle(handle), &mut writer, &mut |n, total| {
            if let Some(t) = total {
                bar.set_length(t);
            }
            bar.set_position(n);
        })
        .map_err(CmdError::from)
        .and_then(|n| writer.flush().map(|()| n).map_err(CmdError::from));
    bar.finish_and_clear();
    if result.is_err() {
        let _ = fs::remove_file(path);
    }
    result
}

/// `download`.
pub(super) fn download(
    client: &mut Client,
    target: super::Target,
    dir: Option<&Path>,
    progress: bool,
    out: &mut dyn Write,
) -> Result<(), CmdError> {
    let dir = dir.unwrap_or(Path::new("."));
    let wanted: Vec<Entry> = match target {
        super::Target::All => collect(client)?
            .into_iter()
            .flat_map(|s| s.objects)
            .filter(|o| !o.is_folder())
            .collect(),
        super::Target::Handle(h) => {
            let info = client.object_info(ObjectHandle(h))?;
            let e = Entry { handle: h, info };
            if e.is_folder() {
                return Err(CmdError::Failed(format!(
                    "{h:#010x} is a folder; give a file's handle or `all`"
                )));
            }
            vec![e]
        }
    };
    if wanted.is_empty() {
        writeln!(out, "Nothing to download.")?;
        return Ok(());
    }
    fs::create_dir_all(dir)
        .map_err(|e| CmdError::Failed(format!("cannot create {}: {e}", dir.display())))?;
    for e in &wanted {
        let name = safe_name(e.info.filename.as_str(), e.handle);
        let path = unused(dir.join(&name));
        let size = u64::from(e.info.object_compressed_size);
        let n = fetch(client, e.handle, size, &path, progress)?;
        writeln!(out, "Saved {name} ({n} bytes) to {}", path.display())?;
        out.flush()?;
    }
    Ok(())
}

/// Where capture `i` of `n` goes under `path`: in a directory under `name` (never overwriting);
/// else the file itself, or `stem-i.ext` when several pictures are taken.
fn capture_path(path: &Path, i: u32, n: u32, name: &str) -> PathBuf {
    if path.is_dir() || path.as_os_str().to_string_lossy().ends_with('/') {
        return unused(path.join(name));
    }
    if n == 1 {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = match path.extension() {
        Some(e) => format!("{stem}-{i}.{}", e.to_string_lossy()),
        None => format!("{stem}-{i}"),
    };
    path.with_file_name(file)
}

/// `capture`.
pub(super) fn capture(
    client: &mut Client,
    dialect: Dialect,
    n: u32,
    path: Option<&Path>,
    out: &mut dyn Write,
) -> Result<(), CmdError> {
    if n > 1 {
        writeln!(out, "Capturing {n} images...")?;
    }
    for i in 1..=n {
        if n > 1 {
            writeln!(out, "  capturing image {i}")?;
            out.flush()?;
        }
        match dialect {
            Dialect::Fuji => {
                let captured = client.capture(CAPTURE_TIMEOUT)?;
                let preview = captured
                    .preview
                    .ok_or_else(|| CmdError::Failed("the camera sent no preview".into()))?;
                if let Some(p) = path {
                    let dest = capture_path(p, i, n, &format!("preview-{i}.jpg"));
                    let parent = dest.parent().filter(|d| !d.as_os_str().is_empty());
                    parent
                        .map_or(Ok(()), fs::create_dir_all)
                        .and_then(|()| fs::write(&dest, &preview))
                        .map_err(|e| {
                            CmdError::Failed(format!("cannot write {}: {e}", dest.display()))
                        })?;
                    writeln!(out, "Image preview saved to {}", dest.display())?;
                }
            }
            Dialect::Generic => {
                let added = client.capture(CAPTURE_TIMEOUT)?.added;
                let Some(p) = path else { continue };
                if added.is_empty() {
                    writeln!(out, "The camera reported no new object to save")?;
                }
                for e in added {
                    let Some(h) = e.params.get(1) else { continue };
                    let info = client.object_info(ObjectHandle(h))?;
                    let name = safe_name(info.filename.as_str(), h);
                    let dest = capture_path(p, i, n, &name);
                    let size = u64::from(info.object_compressed_size);
                    fetch(client, h, size, &dest, false)?;
                    writeln!(out, "Image saved to {}", dest.display())?;
                }
            }
        }
    }
    if path.is_none() {
        let what = if n == 1 { "Image" } else { "Images" };
        writeln!(out, "{what} captured, check the camera")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_name("IMG_0001.JPG", 3), "IMG_0001.JPG");
        assert_eq!(safe_name("../../etc/passwd", 3), "_.._etc_passwd");
        assert_eq!(safe_name("..", 3), "object-00000003");
        assert_eq!(safe_name("", 0x10), "object-00000010");
        assert_eq!(safe_name("a\\b", 1), "a_b");
    }

    #[test]
    fn capture_paths() {
        let p = Path::new("/nonexistent-ptpip/shot.jpg");
        assert_eq!(capture_path(p, 1, 1, "x"), p);
        assert_eq!(
            capture_path(p, 2, 3, "x"),
            Path::new("/nonexistent-ptpip/shot-2.jpg")
        );
        let dir = std::env::temp_dir();
        assert_eq!(
            capture_path(&dir, 1, 1, "IMG.JPG").parent(),
            Some(dir.as_path())
        );
    }
}
