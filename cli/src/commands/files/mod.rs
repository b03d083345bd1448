//! Objects on the camera: `ls`, `download` and `capture`, over one listing that carries on past
//! objects it cannot read.

mod capture;
mod card;
mod download;
mod history;
mod list;
pub(crate) mod names;
mod tether;
mod transfer;

use std::collections::HashMap;

use ptpip_protocol::OperationCode;
use ptpip_protocol::ptp::codes::{ObjectFormatCode, ObjectPropCode};
use ptpip_protocol::ptp::dataset::{
    DeviceInfo, ObjectHandle, ObjectInfo, ObjectPropList, StorageId, StorageInfo,
};
use ptpip_transport_std::{Calls, ClientError};

pub(crate) use capture::capture;
pub(crate) use card::{delete, mkdir, thumb, upload};
pub(crate) use download::{Context, download};
pub(crate) use list::ls;
pub(crate) use tether::{TetherOpts, parse as parse_tether, tether};

use super::CmdError;
use super::objects::ObjectRef;
use crate::signals::interrupted;

/// Folders nest at most this deep (a guard against parent loops).
const MAX_DEPTH: usize = 64;

/// The camera a file command works on: its calls, and a way to start over when the link drops.
pub(crate) trait Camera {
    /// The session's calls.
    fn calls(&mut self) -> &mut dyn Calls;
    /// Connects again (a new session) after the link dropped; `Err` says why it cannot.
    fn reconnect(&mut self) -> Result<(), String>;
}

/// One object of a listing.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Its handle.
    pub(crate) handle: u32,
    /// Its ObjectInfo, or why that could not be read.
    pub(crate) info: Result<ObjectInfo, String>,
    /// Where it sits on the card: its folders and name, `/`-separated
    /// (`DCIM/100FUJI/DSCF0001.JPG`); an unreadable object is `object-0000000c`.
    pub(crate) path: String,
}

impl Entry {
    /// Whether it is a folder (an association).
    pub(crate) fn is_folder(&self) -> bool {
        self.info
            .as_ref()
            .is_ok_and(|i| i.object_format == ObjectFormatCode::ASSOCIATION)
    }

    /// Its file name, or `object-0000000c` when it has none.
    pub(crate) fn name(&self) -> String {
        match &self.info {
            Ok(i) => names::safe_name(i.filename.as_str(), self.handle),
            Err(_) => format!("object-{:08x}", self.handle),
        }
    }

    /// The folder part of its card path (empty at the top level).
    pub(crate) fn folder(&self) -> &str {
        self.path.rsplit_once('/').map_or("", |(f, _)| f)
    }
}

/// A storage and every object in it.
pub(crate) struct Store {
    /// Its id.
    pub(crate) id: StorageId,
    /// Its StorageInfo, if that could be read.
    pub(crate) info: Option<StorageInfo>,
    /// Its objects, in the camera's order.
    pub(crate) objects: Vec<Entry>,
}

/// Every storage with its objects.
pub(crate) struct Listing {
    /// The storages.
    pub(crate) stores: Vec<Store>,
    /// The camera's DeviceInfo, read for the listing (`None` if it could not be read), so that
    /// nobody asks for it again.
    pub(crate) device: Option<DeviceInfo>,
}

impl Listing {
    /// Every object of every storage.
    pub(crate) fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.stores.iter().flat_map(|s| &s.objects)
    }

    /// "2 of 300 objects could not be read (0x0000000c, 0x0000000d)", if any of `entries`
    /// could not.
    pub(crate) fn unreadable_error<'a>(
        entries: impl IntoIterator<Item = &'a Entry>,
    ) -> Option<String> {
        let (mut all, mut bad) = (0, Vec::new());
        for e in entries {
            all += 1;
            if e.info.is_err() {
                bad.push(format!("{:#010x}", e.handle));
            }
        }
        (!bad.is_empty()).then(|| {
            format!(
                "{} of {all} objects could not be read ({})",
                bad.len(),
                bad.join(", ")
            )
        })
    }
}

/// Whether an error ends the session (the link or the protocol failed, or Ctrl-C), rather than
/// concerning one object.
pub(crate) fn session_over(e: &ClientError) -> bool {
    matches!(e, ClientError::Io(_) | ClientError::Protocol(_)) || interrupted()
}

/// The error for a command stopped by Ctrl-C or SIGTERM.
pub(crate) fn stopped() -> CmdError {
    CmdError::Failed(format!("interrupted ({})", crate::signals::name()))
}

/// A call's error as the command's: "interrupted" once a signal came.
pub(crate) fn call_error(e: ClientError) -> CmdError {
    if interrupted() { stopped() } else { e.into() }
}

/// The camera's DeviceInfo, `None` when it cannot be read (only a failure of the session is an
/// error).
pub(crate) fn device_info(calls: &mut dyn Calls) -> Result<Option<DeviceInfo>, CmdError> {
    match calls.device_info() {
        Ok(i) => Ok(Some(i)),
        Err(e) if session_over(&e) => Err(call_error(e)),
        Err(_) => Ok(None),
    }
}

/// Every storage with its objects and their StorageInfos, after reading the DeviceInfo (see
/// [`collect_with`]).
pub(crate) fn collect(calls: &mut dyn Calls) -> Result<Listing, CmdError> {
    let device = device_info(calls)?;
    collect_with(calls, device, true)
}

/// Every storage with its objects. A camera whose `device` info offers GetObjectPropList (MTP
/// 0x9805) lists the whole card in one round trip ([`listed`]); otherwise, or if that fails, it
/// is GetObjectHandles with parent 0 (all objects at any depth) and one GetObjectInfo per object.
/// `storage_info`: read each storage's StorageInfo too (`ls` shows them; downloads do not need
/// them). An object whose ObjectInfo cannot be read or decoded is kept with the reason; only a
/// failure of the session (or Ctrl-C) stops the listing.
pub(crate) fn collect_with(
    calls: &mut dyn Calls,
    device: Option<DeviceInfo>,
    storage_info: bool,
) -> Result<Listing, CmdError> {
    if device
        .as_ref()
        .is_some_and(|d| d.supports_operation(OperationCode::GET_OBJECT_PROP_LIST))
    {
        let all = ObjectPropCode::ALL_PROPERTIES;
        match calls.object_prop_list(ObjectHandle(u32::MAX), 0, all, 0, 0) {
            Ok((list, quirks)) => {
                for q in quirks {
                    log::info!("GetObjectPropList: {q}");
                }
                return listed(calls, &list, device, storage_info);
            }
            Err(e) if session_over(&e) => return Err(call_error(e)),
            Err(e) => log::info!("GetObjectPropList failed ({e}): listing object by object"),
        }
    }
    let mut stores = Vec::new();
    for id in calls.storage_ids().map_err(call_error)? {
        let info = storage_info
            .then(|| read_storage_info(calls, id))
            .transpose()?
            .flatten();
        let handles = calls
            .object_handles(id, 0, ObjectHandle(0))
            .map_err(call_error)?;
        let mut objects = Vec::with_capacity(handles.len());
        for h in handles {
            if interrupted() {
                return Err(stopped());
            }
            let info = match calls.object_info(h) {
                Ok(i) => Ok(i),
                Err(e) if session_over(&e) => return Err(call_error(e)),
                Err(e) => Err(e.to_string()),
            };
            objects.push(Entry {
                handle: h.0,
                info,
                path: String::new(),
            });
        }
        fill_paths(&mut objects);
        stores.push(Store { id, info, objects });
    }
    Ok(Listing { stores, device })
}

/// A storage's StorageInfo, `None` when it cannot be read.
fn read_storage_info(
    calls: &mut dyn Calls,
    id: StorageId,
) -> Result<Option<StorageInfo>, CmdError> {
    match calls.storage_info(id) {
        Ok(i) => Ok(Some(i)),
        Err(e) if session_over(&e) => Err(call_error(e)),
        Err(_) => Ok(None),
    }
}

/// The listing a GetObjectPropList gave, its objects grouped by their StorageID: under the
/// camera's storages (GetStorageIDs and each StorageInfo) with `storage_info`, else in the
/// order the storages first appear, and nothing more is asked.
fn listed(
    calls: &mut dyn Calls,
    list: &ObjectPropList,
    device: Option<DeviceInfo>,
    storage_info: bool,
) -> Result<Listing, CmdError> {
    let mut stores: Vec<Store> = Vec::new();
    if storage_info {
        for id in calls.storage_ids().map_err(call_error)? {
            let info = read_storage_info(calls, id)?;
            stores.push(Store {
                id,
                info,
                objects: Vec::new(),
            });
        }
    }
    for o in list.objects() {
        let id = o.info.storage_id;
        let at = match stores.iter().position(|s| s.id == id) {
            Some(at) => at,
            None => {
                stores.push(Store {
                    id,
                    info: None,
                    objects: Vec::new(),
                });
                stores.len() - 1
            }
        };
        stores[at].objects.push(Entry {
            handle: o.handle.0,
            info: Ok(o.info),
            path: String::new(),
        });
    }
    for s in &mut stores {
        fill_paths(&mut s.objects);
    }
    Ok(Listing { stores, device })
}

/// Sets the card path of every object from the parent chain.
fn fill_paths(objects: &mut [Entry]) {
    let index: HashMap<u32, usize> = objects
        .iter()
        .enumerate()
        .map(|(i, e)| (e.handle, i))
        .collect();
    let paths: Vec<String> = (0..objects.len())
        .map(|i| {
            let mut levels = vec![objects[i].name()];
            let mut cur = i;
            for _ in 0..MAX_DEPTH {
                let Ok(info) = &objects[cur].info else { break };
                let parent = info.parent_object.0;
                match index.get(&parent) {
                    Some(&p) if parent != objects[cur].handle && p != i => {
                        levels.push(objects[p].name());
                        cur = p;
                    }
                    _ => break,
                }
            }
            levels.reverse();
            levels.join("/")
        })
        .collect();
    for (e, p) in objects.iter_mut().zip(paths) {
        e.path = p;
    }
}

/// One object by handle, its card path read from its parents' ObjectInfos.
pub(crate) fn entry_for(calls: &mut dyn Calls, handle: u32) -> Result<Entry, CmdError> {
    let info = calls
        .object_info(ObjectHandle(handle))
        .map_err(|e| match call_error(e) {
            CmdError::Failed(m) => CmdError::Failed(format!("object {handle:#010x}: {m}")),
            other => other,
        })?;
    let mut entry = Entry {
        handle,
        info: Ok(info),
        path: String::new(),
    };
    let mut levels = vec![entry.name()];
    let mut parent = entry.info.as_ref().map_or(0, |i| i.parent_object.0);
    for _ in 0..MAX_DEPTH {
        if parent == 0 || parent == u32::MAX || parent == handle {
            break;
        }
        match calls.object_info(ObjectHandle(parent)) {
            Ok(p) if p.object_format == ObjectFormatCode::ASSOCIATION => {
                levels.push(names::safe_name(p.filename.as_str(), parent));
                parent = p.parent_object.0;
            }
            _ => break,
        }
    }
    levels.reverse();
    entry.path = levels.join("/");
    Ok(entry)
}

/// The objects of `listing` that `what` names: the object, or a folder and everything in it.
pub(crate) fn resolve<'a>(
    listing: &'a Listing,
    what: &ObjectRef,
) -> Result<Vec<&'a Entry>, CmdError> {
    let found: Vec<&Entry> = match what {
        ObjectRef::Handle(h) => listing.entries().filter(|e| e.handle == *h).collect(),
        ObjectRef::Path(p) => {
            let exact: Vec<&Entry> = listing.entries().filter(|e| e.path == *p).collect();
            if exact.is_empty() {
                let by_name = !p.contains('/');
                listing
                    .entries()
                    .filter(|e| {
                        let key = if by_name {
                            e.path.rsplit('/').next().unwrap_or("")
                        } else {
                            &e.path
                        };
                        key.eq_ignore_ascii_case(p)
                    })
                    .collect()
            } else {
                exact
            }
        }
    };
    let one = match found.as_slice() {
        [] => return Err(CmdError::Failed(format!("no object {what} on the camera"))),
        [one] => *one,
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|e| format!("{:#010x} {}", e.handle, e.path))
                .collect();
            return Err(CmdError::Failed(format!(
                "{} objects match {what}: {}; give a handle or the whole path",
                many.len(),
                list.join(", ")
            )));
        }
    };
    if !one.is_folder() {
        return Ok(vec![one]);
    }
    let prefix = format!("{}/", one.path);
    Ok(listing
        .entries()
        .filter(|e| e.handle == one.handle || e.path.starts_with(&prefix))
        .collect())
}

/// The handle `what` names: directly for a handle, else looked up in the listing.
pub(crate) fn resolve_one(calls: &mut dyn Calls, what: &ObjectRef) -> Result<Entry, CmdError> {
    match what {
        ObjectRef::Handle(h) => entry_for(calls, *h),
        ObjectRef::Path(_) => {
            let listing = collect(calls)?;
            let found = resolve(&listing, what)?;
            Ok(found[0].clone())
        }
    }
}

#[cfg(test)]
mod fake;
#[cfg(test)]
mod listing_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tether_tests;
