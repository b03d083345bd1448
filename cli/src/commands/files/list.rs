//! `ls`: storages, folders and objects as a tree, in text or JSON. An object whose ObjectInfo
//! cannot be read is listed with the reason, and the command then fails naming them all.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

use ptpip_protocol::OperationCode;
use ptpip_transport_std::Calls;
use serde::Serialize;

use super::{Entry, MAX_DEPTH, collect};
use crate::commands::CmdError;
use crate::output::{self, Format, human_size};

/// The objects of a store as a tree: indexes of the roots, and the children of each folder.
fn tree(objects: &[Entry]) -> (Vec<usize>, BTreeMap<u32, Vec<usize>>) {
    let handles: HashSet<u32> = objects.iter().map(|o| o.handle).collect();
    let mut roots = Vec::new();
    let mut children: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, o) in objects.iter().enumerate() {
        let parent = o.info.as_ref().map_or(0, |i| i.parent_object.0);
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
    /// `None` when the ObjectInfo could not be read.
    name: Option<String>,
    path: String,
    format: Option<String>,
    size: Option<u32>,
    folder: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
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
    let info = o.info.as_ref().ok();
    ObjectJson {
        handle: o.handle,
        name: info.map(|i| i.filename.as_str().to_owned()),
        path: o.path.clone(),
        format: info.map(|i| i.object_format.to_string()),
        size: info.map(|i| i.object_compressed_size),
        folder: o.is_folder(),
        error: o.info.as_ref().err().cloned(),
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
        let branch = if last { "└── " } else { "├── " };
        match &o.info {
            Err(e) => out.push_str(&format!(
                "{prefix}{branch}? ({:#010x}) [cannot read its ObjectInfo: {e}]\n",
                o.handle
            )),
            Ok(info) if o.is_folder() => out.push_str(&format!(
                "{prefix}{branch}{}/ ({:#010x})\n",
                info.filename.as_str(),
                o.handle
            )),
            Ok(info) => out.push_str(&format!(
                "{prefix}{branch}{} ({} bytes, {:#010x})\n",
                info.filename.as_str(),
                info.object_compressed_size,
                o.handle
            )),
        }
        if let Some(kids) = children.get(&o.handle).filter(|_| depth < MAX_DEPTH) {
            let deeper = format!("{prefix}{}", if last { "    " } else { "│   " });
            tree_text(out, objects, children, kids, &deeper, depth + 1);
        }
    }
}

/// GetObjectPropValue (MTP).
const GET_OBJECT_PROP_VALUE: OperationCode = OperationCode(0x9803);
/// The MTP ObjectSize property: a u64.
const OBJECT_SIZE: u32 = 0xDC04;

/// An object in `ls -l` JSON.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LongJson {
    handle: u32,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capture_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    height: Option<u32>,
    /// Bytes; `None` for a folder, or an object of 4 GiB or more whose size the camera does
    /// not tell.
    size: Option<u64>,
    folder: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// `YYYY-MM-DD HH:MM:SS` from a PTP date, else the text as sent.
fn show_date(text: &str) -> String {
    match super::names::ptp_date(text) {
        Some(d) => format!(
            "{}-{}-{} {}:{}:{}",
            &d[..4],
            &d[4..6],
            &d[6..8],
            &d[8..10],
            &d[10..12],
            &d[12..14]
        ),
        None => text.to_owned(),
    }
}

/// The size of `e`: ObjectInfo's, or past 4 GiB the ObjectSize property where the camera has
/// GetObjectPropValue (`None` when it cannot be known).
fn true_size(calls: &mut dyn Calls, e: &Entry, props: bool) -> Option<u64> {
    let info = e.info.as_ref().ok()?;
    if info.object_compressed_size != u32::MAX {
        return Some(u64::from(info.object_compressed_size));
    }
    if !props {
        return None;
    }
    let c = calls
        .dataset(GET_OBJECT_PROP_VALUE, &[e.handle, OBJECT_SIZE])
        .ok()?;
    let bytes: [u8; 8] = c.data.as_deref()?.get(..8)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// `ls -l`: one line per object.
fn long(
    calls: &mut dyn Calls,
    listing: &super::Listing,
    format: Format,
    out: &mut dyn Write,
) -> Result<(), CmdError> {
    let props = listing
        .device
        .as_ref()
        .is_some_and(|i| i.operations_supported.contains(&GET_OBJECT_PROP_VALUE));
    let mut rows = Vec::new();
    for e in listing.entries() {
        let size = if e.is_folder() {
            None
        } else {
            true_size(calls, e, props)
        };
        let info = e.info.as_ref().ok();
        rows.push(LongJson {
            handle: e.handle,
            path: if e.is_folder() {
                format!("{}/", e.path)
            } else {
                e.path.clone()
            },
            format: info.map(|i| i.object_format.to_string()),
            capture_date: info
                .map(|i| i.capture_date.as_str())
                .filter(|d| !d.is_empty())
                .map(show_date),
            width: info.map(|i| i.image_pix_width).filter(|w| *w > 0),
            height: info.map(|i| i.image_pix_height).filter(|h| *h > 0),
            size,
            folder: e.is_folder(),
            error: e.info.as_ref().err().cloned(),
        });
    }
    if format != Format::Text {
        out.write_all(output::json(&rows, format).as_bytes())?;
        return Ok(());
    }
    let mut text = String::new();
    for r in &rows {
        if let Some(err) = &r.error {
            text.push_str(&format!(
                "{:#010x}  ?  [cannot read its ObjectInfo: {err}]\n",
                r.handle
            ));
            continue;
        }
        let date = r.capture_date.clone().unwrap_or_else(|| "-".into());
        let pixels = match (r.width, r.height) {
            (Some(w), Some(h)) => format!("{w}x{h}"),
            _ => "-".into(),
        };
        let size = match (r.folder, r.size) {
            (true, _) => "-".to_owned(),
            (false, Some(n)) => n.to_string(),
            (false, None) => ">= 4 GiB".to_owned(),
        };
        text.push_str(&format!(
            "{:#010x}  {date:<19}  {:<12}  {pixels:>11}  {size:>12}  {}\n",
            r.handle,
            r.format.as_deref().unwrap_or("-"),
            r.path
        ));
    }
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// `ls` (`long_form`: `ls -l`): prints everything it could read; fails at the end if some
/// objects could not be.
pub(crate) fn ls(
    calls: &mut dyn Calls,
    format: Format,
    long_form: bool,
    out: &mut dyn Write,
) -> Result<(), CmdError> {
    let listing = collect(calls)?;
    let stores = &listing.stores;
    if long_form {
        long(calls, &listing, format, out)?;
    } else if format != Format::Text {
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
    } else {
        let mut text = String::new();
        for s in stores {
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
            let files: Vec<&Entry> = s
                .objects
                .iter()
                .filter(|o| o.info.is_ok() && !o.is_folder())
                .collect();
            let folders = s.objects.iter().filter(|o| o.is_folder()).count();
            let bytes: u64 = files
                .iter()
                .filter_map(|o| o.info.as_ref().ok())
                .map(|i| u64::from(i.object_compressed_size))
                .sum();
            text.push_str(&format!(
                "{} files, {folders} folders, {bytes} bytes",
                files.len()
            ));
            let bad = s.objects.iter().filter(|o| o.info.is_err()).count();
            if bad > 0 {
                text.push_str(&format!(", {bad} unreadable"));
            }
            text.push('\n');
        }
        if stores.is_empty() {
            text.push_str("No storage.\n");
        }
        out.write_all(text.as_bytes())?;
    }
    match super::Listing::unreadable_error(listing.entries()) {
        Some(m) => Err(CmdError::Failed(m)),
        None => Ok(()),
    }
}
