//! `ls`: storages, folders and objects as a tree, in text or JSON. An object whose ObjectInfo
//! cannot be read is listed with the reason, and the command then fails naming them all.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

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

/// `ls`: prints everything it could read; fails at the end if some objects could not be.
pub(crate) fn ls(
    calls: &mut dyn Calls,
    format: Format,
    out: &mut dyn Write,
) -> Result<(), CmdError> {
    let listing = collect(calls)?;
    let stores = &listing.stores;
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
