//! `ls`, `download`, `thumb` and `receive` on Fujifilm bodies: the pictures are handles 1 to N
//! with their true sizes (0xD227), read in pieces with GetPartialObject; the card has no folders.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use ptpip_protocol::calls::{FujiCalls, FujiObject};
use ptpip_protocol::fuji::FujiMode;
use ptpip_protocol::ptp::dataset::ObjectHandle;
use ptpip_transport_std::ClientError;

use crate::client::Client;
use serde::Serialize;

use crate::commands::CmdError;
use crate::commands::files::names::{NameGlob, part_path, safe_name};
use crate::commands::files::{call_error, stopped};
use crate::commands::objects::{DownloadOpts, ObjectRef, Target};
use crate::output::{self, Format, human_size};
use crate::signals::interrupted;

/// One picture in `ls --json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PictureJson {
    handle: u32,
    name: Option<String>,
    size: Option<u32>,
    format: Option<String>,
    capture_date: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The listing, or an error that says why it is empty when the session cannot browse.
fn listing(client: &mut Client) -> Result<Vec<FujiObject>, CmdError> {
    client.fuji_objects().map_err(call_error)
}

/// Why a remote session lists nothing, for the message.
fn empty_note(client: &Client) -> Option<&'static str> {
    let f = client.initiator().fuji_session()?;
    (f.mode == FujiMode::Remote && client.initiator().remote_mode_unavailable().is_none())
        .then_some(
            "no pictures to browse in remote mode: connect with --mode browse to list the card",
        )
}

/// `ls` on a Fujifilm body.
pub(crate) fn ls(
    client: &mut Client,
    format: Format,
    long: bool,
    out: &mut dyn Write,
) -> Result<(), CmdError> {
    let list = listing(client)?;
    if format != Format::Text {
        let j: Vec<PictureJson> = list
            .iter()
            .map(|o| {
                let i = o.info.as_ref().ok();
                PictureJson {
                    handle: o.handle.0,
                    name: i.map(|i| i.filename.as_str().to_owned()),
                    size: i.map(|i| i.object_compressed_size),
                    format: i.map(|i| i.object_format.to_string()),
                    capture_date: i.map(|i| i.capture_date.as_str().to_owned()),
                    width: i.map(|i| i.image_pix_width),
                    height: i.map(|i| i.image_pix_height),
                    error: o.info.as_ref().err().map(ToString::to_string),
                }
            })
            .collect();
        out.write_all(output::json(&j, format).as_bytes())?;
    } else if list.is_empty() {
        writeln!(out, "(no pictures)")?;
        if let Some(note) = empty_note(client) {
            writeln!(out, "{note}")?;
        }
    } else {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|o| match &o.info {
                Ok(i) => {
                    let mut row = vec![
                        format!("{:#010x}", o.handle.0),
                        i.filename.as_str().to_owned(),
                        human_size(u64::from(i.object_compressed_size)),
                    ];
                    if long {
                        row.push(i.capture_date.as_str().to_owned());
                        row.push(format!("{}x{}", i.image_pix_width, i.image_pix_height));
                        row.push(i.object_format.to_string());
                    }
                    row
                }
                Err(e) => vec![format!("{:#010x}", o.handle.0), "?".into(), e.to_string()],
            })
            .collect();
        let headers: &[&str] = if long {
            &["HANDLE", "NAME", "SIZE", "CAPTURED", "PIXELS", "FORMAT"]
        } else {
            &["HANDLE", "NAME", "SIZE"]
        };
        out.write_all(output::table(headers, &rows).as_bytes())?;
    }
    let bad: Vec<String> = list
        .iter()
        .filter(|o| o.info.is_err())
        .map(|o| format!("{:#010x}", o.handle.0))
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(CmdError::Failed(format!(
            "{} of {} pictures could not be read ({})",
            bad.len(),
            list.len(),
            bad.join(", ")
        )))
    }
}

/// The pictures `target` names, with their names.
fn select(
    list: &[FujiObject],
    target: &Target,
) -> Result<Vec<(ObjectHandle, String, u32)>, CmdError> {
    let all = list.iter().filter_map(|o| {
        let i = o.info.as_ref().ok()?;
        Some((
            o.handle,
            safe_name(i.filename.as_str(), o.handle.0),
            i.object_compressed_size,
        ))
    });
    let chosen: Vec<_> = match target {
        Target::All => all.collect(),
        Target::Object(ObjectRef::Handle(h)) => all.filter(|(x, ..)| x.0 == *h).collect(),
        Target::Object(ObjectRef::Path(p)) => {
            let name = p.rsplit('/').next().unwrap_or(p);
            all.filter(|(_, n, _)| n.eq_ignore_ascii_case(name))
                .collect()
        }
        Target::Glob(g) => {
            let glob = NameGlob::new(g).map_err(CmdError::Usage)?;
            all.filter(|(_, n, _)| glob.matches(n, n)).collect()
        }
    };
    if chosen.is_empty() && *target != Target::All {
        let what = match target {
            Target::Object(o) => o.to_string(),
            Target::Glob(g) => g.clone(),
            Target::All => String::new(),
        };
        return Err(CmdError::Failed(format!("no picture {what} on the camera")));
    }
    Ok(chosen)
}

/// `path`, or `NAME-1.EXT`, `NAME-2.EXT`… when that is taken.
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
            path.with_file_name(match &ext {
                Some(e) => format!("{stem}-{n}.{e}"),
                None => format!("{stem}-{n}"),
            })
        })
        .find(|p| !p.exists())
        .unwrap_or(path)
}

/// Downloads one picture to `path`, through `path.part` (resumed when one is there).
fn fetch(client: &mut Client, handle: ObjectHandle, path: &Path) -> Result<u64, ClientError> {
    let part = part_path(path);
    let offset = fs::metadata(&part).map_or(0, |m| m.len());
    let mut file = OpenOptions::new().create(true).append(true).open(&part)?;
    let d = client.fuji_download(handle, offset, &mut file, &mut |_, _| {})?;
    file.flush()?;
    drop(file);
    fs::rename(&part, path)?;
    Ok(offset + d.len)
}

/// `download` on a Fujifilm body: the pictures `target` names, into `dir`.
pub(crate) fn download(
    client: &mut Client,
    target: &Target,
    dir: Option<&Path>,
    opts: &DownloadOpts,
    out: &mut dyn Write,
) -> Result<(), CmdError> {
    if opts.new_only
        || opts.pattern.is_some()
        || opts.since.is_some()
        || opts.until.is_some()
        || !opts.formats.is_empty()
    {
        return Err(CmdError::Usage(
            "on a Fujifilm body, download takes OBJECT|GLOB|all, DIR, --force and --no-skip \
             (the card has no folders, and no history or date filters yet)"
                .into(),
        ));
    }
    let dir = dir.unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let list = listing(client)?;
    let chosen = select(&list, target)?;
    let (mut done, mut skipped, mut failed, mut bytes) = (0u32, 0u32, 0u32, 0u64);
    for (handle, name, size) in chosen {
        if interrupted() {
            return Err(stopped());
        }
        let mut path = dir.join(&name);
        if let Ok(m) = fs::metadata(&path) {
            if opts.no_skip {
                path = unused(path);
            } else if !opts.force {
                if m.len() == u64::from(size) {
                    writeln!(out, "{name}: already there, skipped")?;
                    skipped += 1;
                    continue;
                }
                writeln!(
                    out,
                    "{name}: a different file is there ({} bytes, the camera's has {size}); --force overwrites",
                    m.len()
                )?;
                failed += 1;
                continue;
            }
        }
        match fetch(client, handle, &path) {
            Ok(n) => {
                writeln!(out, "{name}: {}", human_size(n))?;
                done += 1;
                bytes += n;
            }
            Err(e) if matches!(e, ClientError::Io(_) | ClientError::Protocol(_)) => {
                return Err(call_error(e));
            }
            Err(e) => {
                writeln!(out, "{name}: failed: {e}")?;
                failed += 1;
            }
        }
    }
    writeln!(
        out,
        "downloaded {done}, skipped {skipped}, failed {failed}, {}",
        human_size(bytes)
    )?;
    if failed > 0 {
        return Err(CmdError::Failed(format!(
            "{failed} pictures were not downloaded"
        )));
    }
    Ok(())
}

/// `thumb` on a Fujifilm body: DIR/NAME.thumb.jpg for each picture `target` names.
pub(crate) fn thumb(
    client: &mut Client,
    target: &Target,
    dir: &Path,
    out: &mut dyn Write,
) -> Result<(), CmdError> {
    fs::create_dir_all(dir)?;
    let list = listing(client)?;
    for (handle, name, _) in select(&list, target)? {
        let (_, jpeg) = client.fuji_thumb(handle).map_err(call_error)?;
        let path = dir.join(format!("{name}.thumb.jpg"));
        fs::write(&path, &jpeg)?;
        writeln!(out, "{}", path.display())?;
    }
    Ok(())
}

/// `receive`: the pictures of a multiple transfer, one after another, into `dir`.
pub(crate) fn receive(
    client: &mut Client,
    dir: &Path,
    out: &mut dyn Write,
) -> Result<(), CmdError> {
    let multiple = client
        .initiator()
        .fuji_session()
        .is_some_and(|f| f.is_multiple_transfer());
    if !multiple {
        return Err(CmdError::Failed(
            "the camera is not sending pictures: choose them on the camera and start the \
             transfer, then connect with --mode browse (use download to fetch from the card)"
                .into(),
        ));
    }
    fs::create_dir_all(dir)?;
    let mut n = 0u32;
    loop {
        if interrupted() {
            return Err(stopped());
        }
        let part: PathBuf = dir.join(format!(".receiving-{}.part", std::process::id()));
        let mut file = File::create(&part)?;
        let r = client.fuji_receive_next(&mut file, &mut |_, _| {});
        drop(file);
        match r {
            Ok(Some(d)) => {
                let name = safe_name(d.info.filename.as_str(), n + 1);
                let path = unused(dir.join(&name));
                fs::rename(&part, &path)?;
                n += 1;
                writeln!(out, "{}: {}", path.display(), human_size(d.len))?;
            }
            Ok(None) => {
                let _ = fs::remove_file(&part);
                break;
            }
            // A body drops the link after the last picture.
            Err(ClientError::Io(_) | ClientError::Protocol(_)) if n > 0 => {
                let _ = fs::remove_file(&part);
                break;
            }
            Err(e) => {
                let _ = fs::remove_file(&part);
                return Err(call_error(e));
            }
        }
    }
    writeln!(out, "received {n} pictures into {}", dir.display())?;
    Ok(())
}
