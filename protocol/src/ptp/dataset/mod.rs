//! The PTP datasets (ISO 15740 §5.5): DeviceInfo, StorageInfo, ObjectInfo, DevicePropDesc and the
//! handle and storage-id arrays; and MTP's ObjectPropList (GetObjectPropList, 0x9805).
//!
//! Every dataset offers the same four entry points:
//! - `parse(&[u8]) -> DecodeResult<Self>` reads one dataset from the front of the input and returns
//!   the rest, for datasets embedded in something larger;
//! - `decode(&[u8]) -> Result<Self, DecodeError>` reads a whole data phase: bytes left over after the
//!   last field are an error ([`DecodeReason::TrailingBytes`](crate::DecodeReason::TrailingBytes));
//! - `encode(&self, &mut Vec<u8>)` appends the wire form, and `to_bytes()` returns it;
//! - `encoded_len()` is the exact number of bytes `encode` writes.
//!
//! Errors carry the dataset's name as their context (`DeviceInfo`, `StorageInfo`, `ObjectInfo`,
//! `DevicePropDesc`, `ObjectHandleArray`, `StorageIDArray`) and the spec's name of the field being read
//! (`OperationsSupported`, `CurrentValue`, …). Every count the peer sends is checked against the
//! input that is actually left before anything is allocated.
//!
//! [`DevicePropDesc`] also understands the Fujifilm X-T1's non-standard STR descriptions; see its
//! documentation for the heuristic.

mod device_info;
mod handles;
mod object_info;
mod object_prop_list;
mod prop_desc;
mod storage_info;
mod x_t1;

pub use device_info::DeviceInfo;
pub use handles::{ObjectHandle, StorageId};
pub use object_info::ObjectInfo;
pub use object_prop_list::{ListedObject, ObjectProp, ObjectPropList, OplQuirk};
pub use prop_desc::{DevicePropDesc, FormFlag, GetSet, PropForm};
pub use storage_info::StorageInfo;

use crate::error::{self, DecodeError, DecodeResult};
use crate::wire;

/// Decodes a dataset that must fill all of `bytes`: runs `parse`, then fails with
/// [`DecodeReason::TrailingBytes`](crate::DecodeReason::TrailingBytes) reported against `last_field`
/// (the field after which the bytes were left) if anything is left over.
fn decode_whole<'a, T>(
    bytes: &'a [u8],
    context: &'static str,
    last_field: &'static str,
    parse: impl FnOnce(&'a [u8]) -> DecodeResult<'a, T>,
) -> Result<T, DecodeError> {
    let r = parse(bytes).and_then(|(rest, v)| {
        wire::expect_end(rest, last_field)?;
        Ok((rest, v))
    });
    error::finish(r, bytes.len(), context).map(|(_, v)| v)
}

/// Runs `encode` into a vector sized by `len`.
fn to_bytes_with(len: usize, encode: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    encode(&mut out);
    out
}

#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;
