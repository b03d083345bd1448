//! The served folder and the camera's objects kept in step, both ways.
//!
//! - What appears in the folder becomes an object, with ObjectAdded; what disappears is removed,
//!   with ObjectRemoved; a file that changes gets its new size, with ObjectInfoChanged. A file
//!   counts only once it is complete: seen with the same size and modification time by two
//!   scans in a row (a copy in progress grows between them).
//! - What initiators do to the objects ([`Change`]) goes to the folder with `--writable`:
//!   uploads and captures are written there (never over a file: `NAME-1.JPG` then), new
//!   folders made, deleted objects' files removed. Without it the folder is left alone: an
//!   object deleted by an initiator stays deleted for the life of the camera, its file on disk
//!   ignored until it changes.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use ptpip_protocol::DeviceEvent;
use ptpip_protocol::camera::{Change, ObjectContent, Parent, VirtualCamera};
use ptpip_protocol::ptp::codes::EventCode;
use ptpip_protocol::ptp::dataset::{ObjectHandle, StorageId};
use ptpip_protocol::ptp::string::PtpString;
use ptpip_protocol::types::{Params, TransactionId};

use super::folder::{self, Found, Scan, Stamp, file_content, format_for, set_capacity};

/// An object that stands for a file or folder on disk.
#[derive(Clone, Copy, Debug)]
struct Known {
    handle: ObjectHandle,
    dir: bool,
    stamp: Stamp,
}

/// The folder served and what the camera made of it; see the [module docs](self).
#[derive(Debug)]
pub(super) struct Mirror {
    root: PathBuf,
    card: StorageId,
    writable: bool,
    /// Paths under `root` that are objects.
    known: HashMap<PathBuf, Known>,
    /// The same, by handle.
    paths: HashMap<ObjectHandle, PathBuf>,
    /// New or changed files seen once, waiting for a second look with the same stamp.
    settling: HashMap<PathBuf, Stamp>,
    /// Files and folders whose objects an initiator deleted (read-only folder): ignored while
    /// they stay as they were.
    deleted: HashMap<PathBuf, Stamp>,
    /// Paths already warned about, so that a scan every second does not repeat itself.
    warned: HashSet<PathBuf>,
}

/// An event not tied to a transaction, about one object.
fn object_event(code: EventCode, handle: ObjectHandle) -> DeviceEvent {
    DeviceEvent {
        code,
        transaction: TransactionId::RESERVED,
        params: Params::from_slice(&[handle.0]).unwrap_or_default(),
    }
}

/// Whether an initiator's file name may become a file in the folder as it is.
fn safe_on_disk(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && !name.chars().any(char::is_control)
}

/// `path`, or `stem-1.ext`, `stem-2.ext`… when it exists.
fn free_path(path: &Path) -> PathBuf {
    if !path.exists() {
        return path.to_path_buf();
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_owned(), format!(".{e}")),
        _ => (name.clone(), String::new()),
    };
    (1..)
        .map(|n| path.with_file_name(format!("{stem}-{n}{ext}")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| path.to_path_buf())
}

impl Mirror {
    /// A camera serving `root` (every file and folder in it at once), and its mirror.
    pub(super) fn load(root: &Path, writable: bool) -> Result<(VirtualCamera, Self), String> {
        let (mut cam, card) = folder::camera_for(root)?;
        let mut m = Self {
            root: root.to_path_buf(),
            card,
            writable,
            known: HashMap::new(),
            paths: HashMap::new(),
            settling: HashMap::new(),
            deleted: HashMap::new(),
            warned: HashSet::new(),
        };
        m.apply(&mut cam, folder::scan(root), false);
        Ok((cam, m))
    }

    /// The folder served.
    pub(super) fn root(&self) -> &Path {
        &self.root
    }

    fn warn(&mut self, path: &Path, why: impl std::fmt::Display) {
        if self.warned.insert(path.to_path_buf()) {
            eprintln!("ptpip camera: skipping {}: {why}", path.display());
        }
    }

    fn register(&mut self, rel: PathBuf, known: Known) {
        self.paths.insert(known.handle, rel.clone());
        self.known.insert(rel, known);
    }

    /// Removes the object for `rel` and everything in it from the camera; the events to send.
    fn remove(&mut self, cam: &mut VirtualCamera, rel: &Path) -> Vec<DeviceEvent> {
        let Some(k) = self.known.get(rel).copied() else {
            return Vec::new();
        };
        let removed = cam.store_mut().remove(k.handle);
        removed
            .into_iter()
            .map(|h| {
                if let Some(p) = self.paths.remove(&h) {
                    self.known.remove(&p);
                }
                object_event(EventCode::OBJECT_REMOVED, h)
            })
            .collect()
    }

    /// Brings the camera in step with what a scan found (`settle`: new and changed files wait for
    /// a second scan that finds them unchanged). Returns the events to send to every session.
    pub(super) fn apply(
        &mut self,
        cam: &mut VirtualCamera,
        scan: Scan,
        settle: bool,
    ) -> Vec<DeviceEvent> {
        for (path, why) in scan.skipped {
            self.warn(&path, why);
        }
        let present: HashSet<&Path> = scan.found.iter().map(|f| f.rel.as_path()).collect();
        let mut events = Vec::new();
        // What was in a folder that could not be read this time is not gone (a folder unmounted
        // for a moment, too many open files…).
        let unread = |p: &Path| scan.unread.iter().any(|u| p.starts_with(u));
        let mut gone: Vec<PathBuf> = self
            .known
            .keys()
            .filter(|k| !present.contains(k.as_path()) && !unread(k))
            .cloned()
            .collect();
        // Folders before what they held: removing one takes its contents with it.
        gone.sort_by_key(|p| p.components().count());
        for rel in gone {
            if self.known.contains_key(&rel) {
                eprintln!("ptpip camera: {} is gone", rel.display());
                events.extend(self.remove(cam, &rel));
            }
        }
        self.settling
            .retain(|p, _| present.contains(p.as_path()) || unread(p));
        self.deleted
            .retain(|p, _| present.contains(p.as_path()) || unread(p));
        self.warned.retain(|p| p.exists());
        for f in &scan.found {
            if let Some(e) = self.update(cam, f, settle) {
                events.push(e);
            }
        }
        set_capacity(cam, self.card, 0);
        events
    }

    /// Whether a file must wait for another scan before it counts.
    fn unsettled(&mut self, f: &Found, settle: bool) -> bool {
        if settle && self.settling.get(&f.rel) != Some(&f.stamp) {
            self.settling.insert(f.rel.clone(), f.stamp);
            return true;
        }
        self.settling.remove(&f.rel);
        false
    }

    /// One file or folder of a scan: added, changed or as it was; the event to send, if any.
    fn update(&mut self, cam: &mut VirtualCamera, f: &Found, settle: bool) -> Option<DeviceEvent> {
        let path = self.root.join(&f.rel);
        if let Some(k) = self.known.get(&f.rel).copied() {
            if k.dir || k.stamp == f.stamp || self.unsettled(f, settle) {
                return None;
            }
            let o = cam.store_mut().object_mut(k.handle)?;
            o.content = file_content(path, f.stamp.len);
            folder::stamp(cam, k.handle, f.stamp.modified);
            self.known.insert(
                f.rel.clone(),
                Known {
                    stamp: f.stamp,
                    ..k
                },
            );
            eprintln!("ptpip camera: {} changed", f.rel.display());
            return Some(object_event(EventCode::OBJECT_INFO_CHANGED, k.handle));
        }
        if let Some(d) = self.deleted.get(&f.rel) {
            if f.dir || *d == f.stamp {
                return None;
            }
            self.deleted.remove(&f.rel);
        }
        let parent = match f.rel.parent().filter(|p| !p.as_os_str().is_empty()) {
            None => Parent::Root(self.card),
            // A folder that is not served (deleted, or left out) serves nothing in it.
            Some(p) => Parent::Folder(self.known.get(p).filter(|k| k.dir)?.handle),
        };
        let name = f.rel.file_name()?.to_str()?.to_owned();
        let added = if f.dir {
            cam.add_folder(parent, &name)
        } else {
            if self.unsettled(f, settle) {
                return None;
            }
            // Found unreadable now rather than at download time.
            if let Err(e) = File::open(&path) {
                self.warn(&path, e);
                return None;
            }
            set_capacity(cam, self.card, f.stamp.len);
            let content = file_content(path.clone(), f.stamp.len);
            cam.add_object(parent, &name, format_for(&path), content)
        };
        let handle = match added {
            Ok(h) => h,
            Err(e) => {
                self.warn(&path, e);
                return None;
            }
        };
        folder::stamp(cam, handle, f.stamp.modified);
        self.register(
            f.rel.clone(),
            Known {
                handle,
                dir: f.dir,
                stamp: f.stamp,
            },
        );
        if settle {
            eprintln!("ptpip camera: new object {handle} {}", f.rel.display());
        }
        Some(object_event(EventCode::OBJECT_ADDED, handle))
    }

    /// Follows what initiators did to the objects (see the [module docs](self)).
    pub(super) fn follow(&mut self, cam: &mut VirtualCamera, changes: Vec<Change>) {
        for change in changes {
            match change {
                Change::Added(h) if self.writable => self.write(cam, h),
                Change::Removed(handles) => self.forget(&handles),
                _ => {}
            }
        }
    }

    /// Writes a new object into the folder, where its parent is.
    fn write(&mut self, cam: &mut VirtualCamera, handle: ObjectHandle) {
        let Some(o) = cam.store().object(handle) else {
            return;
        };
        let (name, folder, content) =
            (o.name.as_str().to_owned(), o.is_folder(), o.content.clone());
        let parent_rel = if o.parent == ObjectHandle::NONE {
            Some(PathBuf::new())
        } else {
            self.paths.get(&o.parent).cloned()
        };
        let Some(parent_rel) = parent_rel else {
            eprintln!("ptpip camera: {name} ({handle}) stays in memory: its folder is not on disk");
            return;
        };
        if !safe_on_disk(&name) {
            eprintln!("ptpip camera: {name:?} ({handle}) stays in memory: not a safe file name");
            return;
        }
        let wanted = self.root.join(&parent_rel).join(&name);
        let written = if folder {
            fs::create_dir(&wanted)
                .or_else(|e| match e.kind() {
                    io::ErrorKind::AlreadyExists if wanted.is_dir() => Ok(()),
                    _ => Err(e),
                })
                .map(|()| wanted.clone())
        } else {
            write_new(&free_path(&wanted), &content)
        };
        let path = match written {
            Ok(p) => p,
            Err(e) => {
                eprintln!(
                    "ptpip camera: cannot write {}: {e}; {name} stays in memory",
                    wanted.display()
                );
                return;
            }
        };
        let Ok(meta) = fs::metadata(&path) else {
            return;
        };
        let disk_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(o) = cam.store_mut().object_mut(handle) {
            if disk_name != name
                && let Ok(n) = PtpString::new(&disk_name)
            {
                eprintln!("ptpip camera: {name} is there already: saved as {disk_name}");
                o.name = n;
            }
            if !folder {
                // From now on read from the file, not held in memory.
                o.content = file_content(path.clone(), meta.len());
            }
        }
        eprintln!("ptpip camera: wrote {}", path.display());
        self.register(
            parent_rel.join(disk_name),
            Known {
                handle,
                dir: folder,
                stamp: Stamp {
                    len: meta.len(),
                    modified: meta.modified().ok(),
                },
            },
        );
    }

    /// Objects an initiator deleted: their files removed (`--writable`), else ignored from now
    /// on.
    fn forget(&mut self, handles: &[ObjectHandle]) {
        let mut gone: Vec<(PathBuf, Known)> = handles
            .iter()
            .filter_map(|h| {
                let rel = self.paths.remove(h)?;
                let k = self.known.remove(&rel)?;
                Some((rel, k))
            })
            .collect();
        if !self.writable {
            self.deleted
                .extend(gone.into_iter().map(|(rel, k)| (rel, k.stamp)));
            return;
        }
        // Files first, then folders from the deepest.
        gone.sort_by_key(|(rel, k)| (k.dir, std::cmp::Reverse(rel.components().count())));
        for (rel, k) in gone {
            let path = self.root.join(&rel);
            let removed = if k.dir {
                fs::remove_dir(&path)
            } else {
                fs::remove_file(&path)
            };
            match removed {
                Ok(()) => eprintln!("ptpip camera: deleted {}", path.display()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    eprintln!(
                        "ptpip camera: {} is left on disk ({e}); the camera no longer serves it",
                        path.display()
                    );
                    self.deleted.insert(rel, k.stamp);
                }
            }
        }
    }
}

/// Writes `content` to a new file at `path` (never over one); a file left half-written is
/// removed.
fn write_new(path: &Path, content: &ObjectContent) -> io::Result<PathBuf> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(path)?;
    let mut source = content.open();
    let written = (|| {
        loop {
            let piece = source.next_piece(1 << 20);
            if piece.is_empty() {
                break;
            }
            f.write_all(&piece)?;
        }
        f.sync_all()
    })();
    if let Err(e) = written {
        drop(f);
        let _ = fs::remove_file(path);
        return Err(e);
    }
    Ok(path.to_path_buf())
}
