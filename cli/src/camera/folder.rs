//! Serving a folder from disk: the walk that finds its files and folders (the camera's
//! [`Mirror`](super::mirror::Mirror) turns them into objects), the object formats, and the
//! [`DataSource`] that reads a file in pieces when it is downloaded.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use ptpip_protocol::camera::{ObjectContent, VirtualCamera};
use ptpip_protocol::ptp::codes::ObjectFormatCode;
use ptpip_protocol::ptp::dataset::{ObjectHandle, StorageId};
use ptpip_protocol::ptp::string::PtpString;
use ptpip_protocol::responder::DataSource;

/// The largest piece read from a file at once.
const FILE_PIECE: usize = 1 << 20;

/// Folders nested deeper than this are not served.
const MAX_DEPTH: usize = 32;

/// Room left on the card for uploads and captures, beyond the files served.
const SPARE_CAPACITY: u64 = 1 << 30;

/// One file or folder found under the served folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Found {
    /// Its path under the folder, `/`-separated levels as [`PathBuf`] components.
    pub(super) rel: PathBuf,
    /// A folder (else a regular file).
    pub(super) dir: bool,
    /// Its size and modification time: a file that keeps them between two scans is complete.
    pub(super) stamp: Stamp,
}

/// A file's size and modification time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Stamp {
    /// Size in bytes.
    pub(super) len: u64,
    /// Modification time, if the system has one.
    pub(super) modified: Option<SystemTime>,
}

impl Stamp {
    fn of(meta: &fs::Metadata) -> Self {
        Self {
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

/// What a scan of the folder found: files and folders (names starting with `.` left out), each
/// folder before what it holds, in name order; and what had to be left out, with why.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// The files and folders.
    pub(super) found: Vec<Found>,
    /// Paths left out, and why.
    pub(super) skipped: Vec<(PathBuf, String)>,
    /// Folders (under the root; empty: the root itself) that could not be read: what they held
    /// is unknown, not gone.
    pub(super) unread: Vec<PathBuf>,
}

/// Walks the folder `root` (no camera involved: the caller decides what is new).
pub(super) fn scan(root: &Path) -> Scan {
    let mut s = Scan::default();
    walk(root, Path::new(""), 0, &mut s);
    s
}

/// Adds the entries of `root/rel` to `s`, folders recursively, in name order.
fn walk(root: &Path, rel: &Path, depth: usize, s: &mut Scan) {
    let dir = root.join(rel);
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) => {
            s.unread.push(rel.to_path_buf());
            return s.skipped.push((dir, e.to_string()));
        }
    };
    let mut entries: Vec<fs::DirEntry> = entries
        .filter_map(|e| {
            e.map_err(|e| s.skipped.push((dir.clone(), e.to_string())))
                .ok()
        })
        .collect();
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            s.skipped.push((path, "the name is not UTF-8".into()));
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let link = entry.file_type().is_ok_and(|t| t.is_symlink());
        // Links to files are followed; links to folders are not (they could loop).
        let meta = match fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                s.skipped.push((path, e.to_string()));
                continue;
            }
        };
        let rel = rel.join(&name);
        if meta.is_dir() {
            if link {
                s.skipped
                    .push((path, "a link to a folder is not followed".into()));
            } else if depth >= MAX_DEPTH {
                s.skipped
                    .push((path, format!("folders nested deeper than {MAX_DEPTH}")));
            } else {
                s.found.push(Found {
                    rel: rel.clone(),
                    dir: true,
                    stamp: Stamp::of(&meta),
                });
                walk(root, &rel, depth + 1, s);
            }
        } else if meta.is_file() {
            s.found.push(Found {
                rel,
                dir: false,
                stamp: Stamp::of(&meta),
            });
        } else {
            s.skipped.push((path, "not a regular file".into()));
        }
    }
}

/// A camera with one storage for the folder `dir`, named after it; empty (the caller fills it).
pub(super) fn camera_for(dir: &Path) -> Result<(VirtualCamera, StorageId), String> {
    let meta = fs::metadata(dir).map_err(|e| format!("cannot serve {}: {e}", dir.display()))?;
    if !meta.is_dir() {
        return Err(format!("cannot serve {}: not a folder", dir.display()));
    }
    let mut cam = VirtualCamera::new();
    let label = dir
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty() && n.chars().count() < 64)
        .unwrap_or("SD1");
    let card = cam
        .add_storage(label, u64::MAX)
        .or_else(|_| cam.add_storage("SD1", u64::MAX))
        .map_err(|e| format!("cannot create the storage: {e}"))?;
    Ok((cam, card))
}

/// The files under `dir` (folders flattened, in the order a scan finds them), each read when
/// downloaded: the card of a Fujifilm body, which has no folders to show.
pub(super) fn pictures(dir: &Path) -> Result<Vec<(String, ObjectContent)>, String> {
    let meta = fs::metadata(dir).map_err(|e| format!("cannot serve {}: {e}", dir.display()))?;
    if !meta.is_dir() {
        return Err(format!("cannot serve {}: not a folder", dir.display()));
    }
    Ok(scan(dir)
        .found
        .into_iter()
        .filter(|f| !f.dir)
        .filter_map(|f| {
            let name = f.rel.file_name()?.to_str()?.to_owned();
            Some((name, file_content(dir.join(&f.rel), f.stamp.len)))
        })
        .collect())
}

/// Sets the room on `card`: what is used, plus `extra` bytes about to be added, plus
/// [`SPARE_CAPACITY`] for uploads and captures.
pub(super) fn set_capacity(cam: &mut VirtualCamera, card: StorageId, extra: u64) {
    let used = cam.store().used(card);
    if let Some(s) = cam.store_mut().storage_mut(card) {
        s.capacity = used.saturating_add(extra).saturating_add(SPARE_CAPACITY);
    }
}

/// Dates an object with its file's modification time (as both CaptureDate and
/// ModificationDate: a folder of pictures has no better capture date to offer).
pub(super) fn stamp(cam: &mut VirtualCamera, handle: ObjectHandle, modified: Option<SystemTime>) {
    let Some(date) = modified
        .and_then(ptp_date)
        .and_then(|d| PtpString::new(&d).ok())
    else {
        return;
    };
    if let Some(o) = cam.store_mut().object_mut(handle) {
        o.capture_date = date.clone();
        o.modification_date = date;
    }
}

/// `t` as a PTP DateTime in UTC, `YYYYMMDDThhmmssZ`; `None` before 1970 or after 9999.
pub(super) fn ptp_date(t: SystemTime) -> Option<String> {
    let secs = t.duration_since(UNIX_EPOCH).ok()?.as_secs();
    let (days, time) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_date(days);
    (year <= 9999).then(|| {
        format!(
            "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
            time / 3600,
            time % 3600 / 60,
            time % 60
        )
    })
}

/// The proleptic Gregorian (year, month, day) of a day count from 1970-01-01.
fn civil_date(days: u64) -> (u64, u64, u64) {
    // Count from 0000-03-01, so that the leap day ends each 4/100/400-year cycle.
    let from_march_0000 = days + 719_468;
    let (era, day_of_era) = (from_march_0000 / 146_097, from_march_0000 % 146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months from March: 0 = March … 11 = February.
    let m = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * m + 2) / 5 + 1;
    let month = if m < 10 { m + 3 } else { m - 9 };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

/// File extensions (lower case) and their PTP formats; anything else is Undefined.
const FORMATS: &[(&str, ObjectFormatCode)] = &[
    ("jpg", ObjectFormatCode::EXIF_JPEG),
    ("jpeg", ObjectFormatCode::EXIF_JPEG),
    ("jpe", ObjectFormatCode::EXIF_JPEG),
    ("jfif", ObjectFormatCode::JFIF),
    ("tif", ObjectFormatCode::TIFF),
    ("tiff", ObjectFormatCode::TIFF),
    ("png", ObjectFormatCode::PNG),
    ("gif", ObjectFormatCode::GIF),
    ("bmp", ObjectFormatCode::BMP),
    ("dng", ObjectFormatCode::DNG),
    ("heic", ObjectFormatCode::HEIF),
    ("heif", ObjectFormatCode::HEIF),
    ("hif", ObjectFormatCode::HEIF),
    ("jp2", ObjectFormatCode::JP2),
    ("txt", ObjectFormatCode::TEXT),
    ("htm", ObjectFormatCode::HTML),
    ("html", ObjectFormatCode::HTML),
    ("mrk", ObjectFormatCode::DPOF),
    ("wav", ObjectFormatCode::WAV),
    ("mp3", ObjectFormatCode::MP3),
    ("aif", ObjectFormatCode::AIFF),
    ("aiff", ObjectFormatCode::AIFF),
    ("avi", ObjectFormatCode::AVI),
    ("mpg", ObjectFormatCode::MPEG),
    ("mpeg", ObjectFormatCode::MPEG),
    ("asf", ObjectFormatCode::ASF),
    ("mov", ObjectFormatCode::QT),
    ("mp4", ObjectFormatCode::MP4_CONTAINER),
];

/// The object format for a file, from its extension (raw files such as RAF or NEF have no PTP
/// code: Undefined, as cameras report them without a vendor code).
pub(super) fn format_for(path: &Path) -> ObjectFormatCode {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    FORMATS
        .iter()
        .find(|(e, _)| *e == ext)
        .map_or(ObjectFormatCode::UNDEFINED, |&(_, f)| f)
}

/// An object's content: the file at `path`, `len` bytes, opened each time it is downloaded.
pub(super) fn file_content(path: PathBuf, len: u64) -> ObjectContent {
    ObjectContent::factory(len, move || {
        Box::new(FileSource::open(&path, len)) as Box<dyn DataSource>
    })
}

/// The first `len` bytes of a file, read a piece at a time.
struct FileSource {
    file: Option<File>,
    path: PathBuf,
    left: u64,
}

impl FileSource {
    /// Opens `path`; if that fails, or the file turns out shorter than `len`, the data ends
    /// early and the responder reports the shortfall to the initiator.
    fn open(path: &Path, len: u64) -> Self {
        let file = File::open(path)
            .map_err(|e| eprintln!("ptpip camera: cannot read {}: {e}", path.display()))
            .ok();
        Self {
            file,
            path: path.to_owned(),
            left: len,
        }
    }

    /// Gives up: the data ends here.
    fn fail(&mut self, why: impl std::fmt::Display) -> Bytes {
        eprintln!(
            "ptpip camera: {}: {why}; {} bytes not sent",
            self.path.display(),
            self.left
        );
        self.file = None;
        self.left = 0;
        Bytes::new()
    }
}

impl DataSource for FileSource {
    fn len(&self) -> Option<u64> {
        Some(self.left)
    }

    /// Seeks instead of reading: GetPartialObject far inside a large file costs nothing.
    fn skip(&mut self, n: u64) -> u64 {
        let n = n.min(self.left);
        let Some(file) = self.file.as_mut() else {
            return 0;
        };
        match file.seek(SeekFrom::Current(i64::try_from(n).unwrap_or(i64::MAX))) {
            Ok(_) => {
                self.left -= n;
                n
            }
            Err(e) => {
                self.fail(e);
                0
            }
        }
    }

    fn next_piece(&mut self, max: usize) -> Bytes {
        let want = usize::try_from(self.left)
            .map_or(max, |left| left.min(max))
            .min(FILE_PIECE);
        if want == 0 {
            return Bytes::new();
        }
        let Some(file) = self.file.as_mut() else {
            return Bytes::new();
        };
        let mut buf = Vec::with_capacity(want);
        match file.take(want as u64).read_to_end(&mut buf) {
            Ok(0) => self.fail("the file is shorter than when it was listed"),
            Ok(n) => {
                self.left -= n as u64;
                Bytes::from(buf)
            }
            Err(e) => self.fail(e),
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::fs;
    use std::path::{Path, PathBuf};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use bytes::Bytes;
    use ptpip_protocol::ptp::codes::ObjectFormatCode;
    use ptpip_protocol::responder::DataSource;

    use super::{FileSource, format_for, ptp_date};

    /// A folder under the system temp dir, removed on drop.
    pub(in crate::camera) struct TempDir(pub(in crate::camera) PathBuf);

    impl TempDir {
        pub(in crate::camera) fn new(tag: &str) -> Self {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            let p = std::env::temp_dir()
                .join(format!("ptpip-camera-{tag}-{}-{nanos}", std::process::id()));
            fs::create_dir_all(&p).unwrap();
            Self(p)
        }

        /// Writes `data` at `rel`, creating folders on the way.
        pub(in crate::camera) fn file(&self, rel: &str, data: &[u8]) -> PathBuf {
            let p = self.0.join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, data).unwrap();
            p
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = fs::set_permissions(
                    self.0.join("locked.txt"),
                    fs::Permissions::from_mode(0o644),
                );
            }
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn file_source_reads_pieces_and_stops_at_the_declared_length_or_eof() {
        let d = TempDir::new("src");
        let p = d.file("ten.bin", b"0123456789");
        // Declared shorter than the file: cut at the declared length.
        let mut s = FileSource::open(&p, 6);
        assert_eq!(s.len(), Some(6));
        assert_eq!(s.next_piece(4), Bytes::from_static(b"0123"));
        assert_eq!(s.len(), Some(2));
        assert_eq!(s.next_piece(100), Bytes::from_static(b"45"));
        assert!(s.next_piece(100).is_empty());
        // Declared longer (the file shrank): what is there, then the end.
        let mut s = FileSource::open(&p, 20);
        assert_eq!(s.next_piece(7), Bytes::from_static(b"0123456"));
        assert_eq!(s.next_piece(100), Bytes::from_static(b"789"));
        assert!(s.next_piece(100).is_empty());
        assert_eq!(s.len(), Some(0));
        // A file gone since it was listed: no data at all.
        let mut s = FileSource::open(&d.0.join("gone.bin"), 5);
        assert!(s.next_piece(100).is_empty());
    }

    #[test]
    fn file_source_skips_by_seeking() {
        let d = TempDir::new("skip");
        let p = d.file("ten.bin", b"0123456789");
        let mut s = FileSource::open(&p, 10);
        assert_eq!(s.skip(7), 7);
        assert_eq!(s.len(), Some(3));
        assert_eq!(s.next_piece(100), Bytes::from_static(b"789"));
        // Past the declared end: only what is left.
        let mut s = FileSource::open(&p, 10);
        assert_eq!(s.skip(50), 10);
        assert!(s.next_piece(100).is_empty());
    }

    #[test]
    fn formats_come_from_the_extension_in_any_case() {
        let cases = [
            ("a/IMG_1.JPG", ObjectFormatCode::EXIF_JPEG),
            ("b.jpeg", ObjectFormatCode::EXIF_JPEG),
            ("c.Tiff", ObjectFormatCode::TIFF),
            ("d.png", ObjectFormatCode::PNG),
            ("e.MOV", ObjectFormatCode::QT),
            ("f.mp4", ObjectFormatCode::MP4_CONTAINER),
            ("g.txt", ObjectFormatCode::TEXT),
            ("MISC/AUTPRINT.MRK", ObjectFormatCode::DPOF),
            ("h.RAF", ObjectFormatCode::UNDEFINED),
            ("README", ObjectFormatCode::UNDEFINED),
            ("jpg", ObjectFormatCode::UNDEFINED),
        ];
        for (name, format) in cases {
            assert_eq!(format_for(Path::new(name)), format, "{name}");
        }
    }

    #[test]
    fn modification_times_become_ptp_dates_in_utc() {
        // Golden values from `date -u -d @<secs> +%Y%m%dT%H%M%SZ`.
        let cases = [
            (0, "19700101T000000Z"),
            (951_782_400, "20000229T000000Z"),
            (1_709_251_199, "20240229T235959Z"),
            (4_102_444_799, "20991231T235959Z"),
        ];
        for (secs, expected) in cases {
            let t = UNIX_EPOCH + Duration::from_secs(secs);
            assert_eq!(ptp_date(t).as_deref(), Some(expected), "{secs}");
        }
        // Before 1970 there is nothing to say.
        assert_eq!(ptp_date(UNIX_EPOCH - Duration::from_secs(1)), None);
        // Year 10000 does not fit four digits.
        let y10k = UNIX_EPOCH + Duration::from_secs(253_402_300_800);
        assert_eq!(ptp_date(y10k), None);
    }
}
