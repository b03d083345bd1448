//! Built-in virtual cameras: device models for the [`Responder`](crate::Responder).
//!
//! - [`VirtualCamera`] speaks generic PTP: storages, a folder tree of objects, object transfer in
//!   both directions, a few device properties and capture.
//! - [`FujiCamera`] speaks the Fujifilm dialect as an X-T1 does over Wi-Fi, in each Wi-Fi function
//!   ([`FujiPersonality`]: remote, browse, receive, no remote mode): the set-up properties, the
//!   0x902B description list, the 0xD212 state list, remote capture with its preview (0x9022),
//!   exposure steps, focus point, movies, geotags, and the card in browse mode. Its settings and
//!   card live in a [`FujiBody`] shared by every session. [`LiveViewGenerator`] makes the frames of
//!   its live-view port.
//!
//! Both are pure state: no files, sockets, threads or clocks. Object data is an [`ObjectContent`]:
//! bytes in memory, a generated pattern, or a [`ContentFactory`] that opens a [`DataSource`] when
//! the data is asked for, so that a server can serve files from disk in constant memory.
//!
//! Pictures ([`sample`]) are mosaics of flat 8×8 blocks encoded by the `jpeg-encoder` crate.
//!
//! This module is the `camera` feature of `ptpip-protocol` (off by default): the protocol core
//! does not need it, its users' tests, servers and tools do.

mod content;
mod fuji;
mod generic;
mod model;
mod prop_list;
mod props;
pub mod sample;
mod store;

use std::collections::BTreeSet;

use bytes::Bytes;

pub use content::{ContentFactory, ObjectContent};
pub use fuji::{
    CARD_STORAGE, FUJI_APP_VERSION, FujiBody, FujiCamera, FujiPersonality, LiveViewGenerator,
};
pub use generic::{Change, VirtualCamera};
pub use model::CameraModel;
pub use prop_list::LISTED_PROPERTIES;
pub use props::{PropTable, Property, ValueCheck, is_ptp_datetime};
pub use store::{Object, ObjectStore, Parent, Storage, Thumbnail};

use crate::error::DecodeError;
use crate::packet::InitFailReason;
use crate::ptp::codes::{DevicePropCode, ResponseCode};
use crate::ptp::dataset::{ObjectHandle, StorageId};
use crate::responder::{DataSource, Reply, Request, Response};
use crate::types::Guid;

/// Why a virtual camera refused a change made through its API.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CameraError {
    /// No storage has this id.
    #[error("no storage {0}")]
    NoSuchStorage(StorageId),
    /// No object has this handle.
    #[error("no object {0}")]
    NoSuchObject(ObjectHandle),
    /// The parent is not a folder (an association).
    #[error("object {0} is not a folder")]
    NotAFolder(ObjectHandle),
    /// The name cannot be a PTP string.
    #[error("invalid name: {0}")]
    BadName(DecodeError),
    /// The storage has no room for the object.
    #[error("storage {storage} is full: {needed} bytes needed, {free} free")]
    StoreFull {
        /// The storage.
        storage: StorageId,
        /// The object's size.
        needed: u64,
        /// The free space.
        free: u64,
    },
    /// Every object handle has been used.
    #[error("no object handles left")]
    HandlesExhausted,
    /// A storage id could not be allocated (65,535 physical stores).
    #[error("no storage ids left")]
    StoragesExhausted,
}

/// Which initiators a camera accepts, by GUID.
#[derive(Clone, Debug, Default)]
pub struct AccessPolicy {
    rejected: BTreeSet<Guid>,
    reason: Option<InitFailReason>,
}

impl AccessPolicy {
    /// Refuses `guid` from now on.
    pub fn reject(&mut self, guid: Guid) {
        self.rejected.insert(guid);
    }

    /// Accepts `guid` again.
    pub fn allow(&mut self, guid: Guid) {
        self.rejected.remove(&guid);
    }

    /// The reason sent in Init_Fail ([`InitFailReason::REJECTED_INITIATOR`] unless set).
    pub fn set_reason(&mut self, reason: InitFailReason) {
        self.reason = Some(reason);
    }

    /// The verdict for `guid`.
    pub fn check(&self, guid: Guid) -> Result<(), InitFailReason> {
        if self.rejected.contains(&guid) {
            Err(self.reason.unwrap_or(InitFailReason::REJECTED_INITIATOR))
        } else {
            Ok(())
        }
    }
}

/// The data of a data-out phase, gathered up to a cap: anything beyond is counted, not kept.
#[derive(Debug, Default)]
struct Inbox {
    buf: Vec<u8>,
    cap: usize,
    overflowed: bool,
}

impl Inbox {
    /// The most bytes a dataset or property value sent by the initiator may take.
    const DATASET_CAP: usize = 64 << 10;

    /// Starts a new phase keeping at most `cap` bytes.
    fn reset(&mut self, cap: usize) {
        self.buf = Vec::new();
        self.cap = cap;
        self.overflowed = false;
    }

    fn push(&mut self, piece: &[u8]) {
        let room = self.cap - self.buf.len();
        if piece.len() > room {
            self.overflowed = true;
        }
        self.buf.extend_from_slice(&piece[..piece.len().min(room)]);
    }

    /// The bytes, unless more came than the cap.
    fn take(&mut self) -> Option<Vec<u8>> {
        let buf = std::mem::take(&mut self.buf);
        (!self.overflowed).then_some(buf)
    }
}

/// Boxes a source.
fn boxed(source: impl DataSource + 'static) -> Box<dyn DataSource> {
    Box::new(source)
}

/// A data-in phase carrying `bytes`, then OK.
fn data_reply(bytes: impl Into<Bytes>) -> Reply {
    let bytes: Bytes = bytes.into();
    Reply::Data {
        source: boxed(bytes),
        response: Response::OK,
    }
}

/// A response without data.
fn respond(code: ResponseCode) -> Reply {
    Reply::Respond(Response::code(code))
}

/// Parameter `n` (from 1) of a request; an absent parameter reads as 0, as PTP/IP leaves it out.
fn param(request: &Request, n: usize) -> u32 {
    request.params.get(n).unwrap_or(0)
}

/// The device property code in parameter 1, if it fits a `u16`.
fn prop_param(request: &Request) -> Option<DevicePropCode> {
    u16::try_from(param(request, 1)).ok().map(DevicePropCode)
}

#[cfg(test)]
mod tests;
