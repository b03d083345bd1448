//! What a command needs of where its output goes, checked before connecting: usage errors
//! (exit 2) rather than failures after the camera did the work.

use std::io::{self, IsTerminal};
use std::path::Path;

use super::{CmdError, Command, FrameSink, usage};

/// Refuses output that cannot go where it is asked to: JPEG frames to a terminal, files under a
/// path that is a file, or an empty path.
pub(crate) fn check_output(cmd: &Command) -> Result<(), CmdError> {
    check_output_with(cmd, io::stdout().is_terminal())
}

/// [`check_output`], with whether standard output is a terminal.
fn check_output_with(cmd: &Command, stdout_is_terminal: bool) -> Result<(), CmdError> {
    let bad = |name: &str, why: String| {
        let syntax = usage(name);
        CmdError::Usage(format!("{why}\n{syntax}"))
    };
    match cmd {
        Command::LiveView {
            sink: FrameSink::Stdout,
            ..
        } if stdout_is_terminal => Err(bad(
            "liveview",
            "refusing to write JPEG frames to a terminal: redirect them \
             (liveview - > view.mjpeg, or liveview - | ffplay -) or give a DIR"
                .to_owned(),
        )),
        Command::LiveView {
            sink: FrameSink::Dir(dir),
            ..
        } => directory(dir).map_err(|why| bad("liveview", why)),
        Command::Download { dir: Some(dir), .. } => {
            directory(dir).map_err(|why| bad("download", why))
        }
        Command::Capture(_, Some(path)) => {
            let text = path.as_os_str().to_string_lossy();
            if text.ends_with('/') || path.is_dir() {
                directory(path)
            } else {
                nonempty(path).and_then(|()| match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => directory(p),
                    _ => Ok(()),
                })
            }
            .map_err(|why| bad("capture", why))
        }
        _ => Ok(()),
    }
}

fn nonempty(path: &Path) -> Result<(), String> {
    if path.as_os_str().is_empty() {
        Err("the path is empty".to_owned())
    } else {
        Ok(())
    }
}

/// Whether `dir` is, or can be made, a directory: the nearest part of it that exists must be one.
fn directory(dir: &Path) -> Result<(), String> {
    nonempty(dir)?;
    match dir
        .ancestors()
        .find(|p| !p.as_os_str().is_empty() && p.exists())
    {
        Some(p) if !p.is_dir() => Err(if p == dir {
            format!("'{}' is not a directory", dir.display())
        } else {
            format!(
                "cannot make the directory '{}': '{}' is not a directory",
                dir.display(),
                p.display()
            )
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::PathBuf;

    use super::*;
    use crate::commands::parse_line;

    fn check(line: &str, terminal: bool) -> Result<(), CmdError> {
        check_output_with(&parse_line(line).unwrap(), terminal)
    }

    fn usage_error(r: Result<(), CmdError>) -> String {
        match r {
            Err(CmdError::Usage(m)) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn frames_go_to_a_terminal_only_never() {
        let m = usage_error(check("liveview -", true));
        assert!(
            m.contains("refusing to write JPEG frames to a terminal"),
            "{m}"
        );
        assert!(m.contains("usage: liveview"), "{m}");
        assert_eq!(check("liveview -", false), Ok(()));
    }

    #[test]
    fn paths_under_a_file_are_refused() {
        let dir = std::env::temp_dir().join(format!("ptpip-checks-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file: PathBuf = dir.join("a-file");
        fs::write(&file, b"x").unwrap();
        let f = file.display();
        let m = usage_error(check(&format!("liveview {f}"), false));
        assert!(m.contains("is not a directory"), "{m}");
        let m = usage_error(check(&format!("download all {f}/sub"), false));
        assert!(m.contains("cannot make the directory"), "{m}");
        let m = usage_error(check(&format!("capture {f}/shot.jpg"), false));
        assert!(m.contains("usage: capture"), "{m}");
        let m = usage_error(check("capture ''", false));
        assert!(m.contains("the path is empty"), "{m}");
        // What can be made is fine: a new directory, a file in one, the current directory.
        let d = dir.display();
        assert_eq!(check(&format!("liveview {d}/new/frames"), false), Ok(()));
        assert_eq!(check(&format!("capture 2 {d}/new/shot.jpg"), false), Ok(()));
        assert_eq!(check(&format!("capture {d}/"), false), Ok(()));
        assert_eq!(check("capture shot.jpg", false), Ok(()));
        assert_eq!(check(&format!("capture {f}"), false), Ok(()));
        let _ = fs::remove_dir_all(&dir);
    }
}
