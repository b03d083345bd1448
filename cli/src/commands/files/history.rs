//! The download history behind `download --new`: one file per camera under the user's data
//! directory (`$XDG_DATA_HOME/ptpip/history/KEY.tsv` on Linux), one line per object downloaded:
//! name, size and capture date, tab-separated. A line is appended as soon as its file is saved,
//! so an interrupted run remembers what it finished.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// What identifies an object across sessions: its name, size and capture date.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Seen {
    /// The file name on the card.
    pub(crate) name: String,
    /// Its size in bytes, as ObjectInfo gives it.
    pub(crate) size: u64,
    /// Its capture date as the camera sent it (may be empty).
    pub(crate) date: String,
}

impl Seen {
    fn line(&self) -> String {
        let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
        format!(
            "{}\t{}\t{}\n",
            clean(&self.name),
            self.size,
            clean(&self.date)
        )
    }

    fn parse(line: &str) -> Option<Self> {
        let mut f = line.split('\t');
        let name = f.next()?.to_owned();
        let size = f.next()?.parse().ok()?;
        let date = f.next().unwrap_or("").to_owned();
        (!name.is_empty()).then_some(Self { name, size, date })
    }
}

/// The history of one camera.
#[derive(Debug)]
pub(crate) struct History {
    path: PathBuf,
    seen: HashSet<Seen>,
}

/// The file name for a camera key: letters, digits, `-` and `_` kept, the rest `_`.
fn file_name(key: &str) -> String {
    let clean: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}.tsv", clean.trim_matches('_'))
}

/// Where histories live: the user's data directory, `ptpip/history`.
pub(crate) fn default_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("ptpip").join("history"))
}

impl History {
    /// The history of the camera `key` in `dir` (empty if there is none yet). A line that does
    /// not parse is ignored.
    pub(crate) fn open(dir: &Path, key: &str) -> io::Result<Self> {
        let path = dir.join(file_name(key));
        let mut seen = HashSet::new();
        match File::open(&path) {
            Ok(f) => {
                for line in BufReader::new(f).lines() {
                    if let Some(s) = Seen::parse(line?.trim_end_matches('\r')) {
                        seen.insert(s);
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        Ok(Self { path, seen })
    }

    /// The file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Whether `s` was downloaded before.
    pub(crate) fn contains(&self, s: &Seen) -> bool {
        self.seen.contains(s)
    }

    /// Remembers `s`, appending it to the file at once.
    pub(crate) fn add(&mut self, s: Seen) -> io::Result<()> {
        if self.seen.contains(&s) {
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir)?;
        }
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        f.write_all(s.line().as_bytes())?;
        self.seen.insert(s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(name: &str, size: u64, date: &str) -> Seen {
        Seen {
            name: name.into(),
            size,
            date: date.into(),
        }
    }

    #[test]
    fn the_history_is_kept_per_camera_and_read_back() {
        let dir = std::env::temp_dir().join(format!("ptpip-history-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let mut h = History::open(&dir, "ptpip/virtual 0000000000000001").unwrap();
        assert!(h.path().ends_with("ptpip_virtual_0000000000000001.tsv"));
        let a = seen("DSCF0001.JPG", 1234, "20240531T143005");
        assert!(!h.contains(&a));
        h.add(a.clone()).unwrap();
        h.add(a.clone()).unwrap();
        h.add(seen("tab\there", 1, "")).unwrap();
        // Another run reads it back; another camera has its own.
        let h2 = History::open(&dir, "ptpip/virtual 0000000000000001").unwrap();
        assert!(h2.contains(&a));
        assert!(h2.contains(&seen("tab here", 1, "")));
        assert!(!h2.contains(&seen("DSCF0001.JPG", 1235, "20240531T143005")));
        assert!(!h2.contains(&seen("DSCF0001.JPG", 1234, "")));
        let text = fs::read_to_string(h2.path()).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        let other = History::open(&dir, "other").unwrap();
        assert!(!other.contains(&a));
        // Junk lines are ignored.
        fs::write(h2.path(), "garbage\n\tx\nA.JPG\t12\t\n").unwrap();
        let h3 = History::open(&dir, "ptpip/virtual 0000000000000001").unwrap();
        assert!(h3.contains(&seen("A.JPG", 12, "")));
        let _ = fs::remove_dir_all(&dir);
    }
}
