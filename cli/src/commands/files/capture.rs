//! `capture`: take pictures and save them (or the Fujifilm previews).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ptpip_protocol::Dialect;
use ptpip_protocol::calls::PreviewCheck;

use super::download::unused;
use super::transfer::{Failure, Transfer, fetch};
use super::{Camera, call_error, entry_for};
use crate::commands::CmdError;

/// How long a capture may wait for each of its events.
const CAPTURE_TIMEOUT: Duration = Duration::from_secs(30);

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
pub(crate) fn capture(
    cam: &mut dyn Camera,
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
                let captured = cam.calls().capture(CAPTURE_TIMEOUT).map_err(call_error)?;
                if let PreviewCheck::Differs {
                    announced,
                    received,
                } = captured.preview_check()
                {
                    eprintln!(
                        "warning: the preview has {received} bytes; the camera announced \
                         {announced} (event 0xC001)"
                    );
                }
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
                let added = cam
                    .calls()
                    .capture(CAPTURE_TIMEOUT)
                    .map_err(call_error)?
                    .added;
                let Some(p) = path else { continue };
                if added.is_empty() {
                    writeln!(out, "The camera reported no new object to save")?;
                }
                for e in added {
                    let Some(h) = e.params.get(1) else { continue };
                    let entry = entry_for(cam.calls(), h)?;
                    let dest = capture_path(p, i, n, &entry.name());
                    let t = Transfer {
                        progress: false,
                        partial: false,
                        partial64: false,
                        retries: 0,
                    };
                    fetch(cam, t, &entry, &dest, &mut 0).map_err(|f| match f {
                        Failure::File(m) => CmdError::Failed(m),
                        Failure::Stop(e) => e,
                    })?;
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
