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
//! # Lenient decoding
//!
//! [`DeviceInfo`], [`StorageInfo`], [`ObjectInfo`] and [`DevicePropDesc`] also have
//! `decode_lenient(&[u8]) -> Result<Tolerant<Self>, DecodeError>` for what real cameras send. It
//! accepts two departures from the spec and names each with a [`Quirk`]:
//! - the data phase ends, at a field boundary, before the dataset's last fields: those fields read
//!   as empty (strings, arrays) or, for DevicePropDesc's form, as no form
//!   ([`Quirk::MissingFields`]);
//! - bytes follow the last field: they are ignored ([`Quirk::TrailingBytes`]).
//!
//! Which fields may be missing is decided per dataset, from what cameras and their software do;
//! every field before them must be there and whole:
//!
//! | dataset | must reach | may end before | evidence |
//! |---|---|---|---|
//! | DeviceInfo | ImageFormats | Manufacturer, Model, DeviceVersion, SerialNumber | libgphoto2's `ptp_unpack_DI` requires every field up to ImageFormats and reads the four strings as optional ("as these are optional its ok if they are not here") |
//! | StorageInfo | FreeSpaceInImages | StorageDescription, VolumeLabel | libgphoto2's `ptp_unpack_SI` requires the 26 fixed bytes; the two strings are labels that nothing depends on |
//! | ObjectInfo | Filename | CaptureDate, ModificationDate, Keywords | petabyt/vcam leaves out ModificationDate (so its dataset ends one string early); libgphoto2's `ptp_unpack_OI` needs the Filename, ignores missing dates and never reads Keywords |
//! | DevicePropDesc | CurrentValue | FormFlag (and the form) | libgphoto2's `ptp_unpack_DPD` reads a description that ends after CurrentValue as FormFlag None |
//!
//! A field cut in the middle is still an error, and nothing else loosens: counts are still checked
//! against the input before allocating, strings still need their NUL and valid UTF-16. The strict
//! `decode` stays the exact inverse of `encode`; a leniently decoded value re-encodes in the
//! standard layout (missing fields written empty, trailing bytes dropped).
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
use crate::quirk::{self, Quirk, ReadAs, Tolerant};
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

/// Decodes a dataset leniently: `parse` reads the fields (stopping early where the dataset allows
/// it, reported as its quirk), and bytes left over are ignored and reported.
fn decode_tolerant<'a, T>(
    bytes: &'a [u8],
    context: &'static str,
    parse: impl FnOnce(&'a [u8]) -> DecodeResult<'a, (T, Option<Quirk>)>,
) -> Result<Tolerant<T>, DecodeError> {
    let (used, (value, missing)) = error::finish(parse(bytes), bytes.len(), context)?;
    let quirks = missing
        .into_iter()
        .chain(quirk::trailing(context, &bytes[used..]))
        .collect();
    Ok(Tolerant { value, quirks })
}

/// Reads the fields a dataset may leave out at its end, one by one, in wire order.
///
/// Strict, it reads every field (the input ending is `Truncated`, as for any other field). Lenient,
/// it stops at the first field that starts where the input ends, and that field and all after it
/// read as `None`; a field that starts but is cut is still an error.
struct Tail<'a> {
    rest: &'a [u8],
    lenient: bool,
    names: &'static [&'static str],
    next: usize,
    ended_at: Option<usize>,
}

impl<'a> Tail<'a> {
    /// The fields `names` from the front of `rest`.
    const fn new(rest: &'a [u8], lenient: bool, names: &'static [&'static str]) -> Self {
        Self {
            rest,
            lenient,
            names,
            next: 0,
            ended_at: None,
        }
    }

    /// Reads the next field with `parse`, or gives `None` once a lenient read has ended.
    fn field<T>(
        &mut self,
        parse: impl FnOnce(&'a [u8]) -> DecodeResult<'a, T>,
    ) -> Result<Option<T>, nom::Err<DecodeError>> {
        let k = self.next;
        self.next += 1;
        if self.ended_at.is_some() {
            return Ok(None);
        }
        if self.lenient && self.rest.is_empty() {
            self.ended_at = Some(k);
            return Ok(None);
        }
        let (rest, v) = parse(self.rest)?;
        self.rest = rest;
        Ok(Some(v))
    }

    /// The input after the fields read, and the quirk naming the fields that were not there.
    fn finish(self, context: &'static str, read_as: ReadAs) -> (&'a [u8], Option<Quirk>) {
        debug_assert_eq!(self.next, self.names.len(), "every tail field read");
        let missing = self.ended_at.map(|k| Quirk::MissingFields {
            context,
            fields: &self.names[k..],
            read_as,
        });
        (self.rest, missing)
    }
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
