//! ObjectHandle and StorageID (ISO 15740 §5.3.4, §5.5.3) and their arrays, the data phases of
//! GetObjectHandles and GetStorageIDs.

use std::fmt;

use super::decode_whole;
use crate::error::{self, DecodeError, DecodeResult};
use crate::ptp::string::{parse_array, write_array};
use crate::wire::{self, PutLe};

/// Declares a `u32` identifier newtype with hex `Debug`/`Display`, conversions, and the functions for a
/// PTP array of it (`u32` count, then the elements).
macro_rules! u32_id {
    (
        $(#[$m:meta])*
        $name:ident, context $context:literal, field $field:literal
    ) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub u32);

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:#010x})"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:#010x}", self.0)
            }
        }

        impl From<u32> for $name {
            fn from(v: u32) -> Self {
                Self(v)
            }
        }

        impl From<$name> for u32 {
            fn from(v: $name) -> Self {
                v.0
            }
        }

        impl $name {
            #[doc = concat!("The context of errors from the array functions: `", $context, "`.")]
            pub const ARRAY_CONTEXT: &'static str = $context;

            /// Reads one little-endian `u32`; `field` names it in errors.
            pub fn parse<'a>(i: &'a [u8], field: &'static str) -> DecodeResult<'a, Self> {
                let (i, v) = wire::u32_le(i, field)?;
                Ok((i, Self(v)))
            }

            /// Appends the `u32`.
            pub fn write(self, out: &mut Vec<u8>) {
                out.put_u32_le(self.0);
            }

            /// Reads a PTP array of them from the front of `i`. The count is checked against the
            /// input left (4 bytes per element) before anything is allocated.
            pub fn parse_array(i: &[u8]) -> DecodeResult<'_, Vec<Self>> {
                error::with_context(parse_array(i, $field, usize::MAX, 4, Self::parse), $context)
            }

            /// Decodes a whole data phase holding one array; trailing bytes are an error.
            pub fn decode_array(bytes: &[u8]) -> Result<Vec<Self>, DecodeError> {
                decode_whole(bytes, $context, $field, Self::parse_array)
            }

            /// Appends a PTP array of them.
            pub fn write_array(items: &[Self], out: &mut Vec<u8>) {
                write_array(out, items, |v, o| v.write(o));
            }

            /// The PTP array of `items` in a new vector.
            #[must_use]
            pub fn array_to_bytes(items: &[Self]) -> Vec<u8> {
                let mut out = Vec::with_capacity(Self::array_encoded_len(items.len()));
                Self::write_array(items, &mut out);
                out
            }

            /// Bytes a PTP array of `count` of them takes: the count, then 4 bytes each.
            #[must_use]
            pub const fn array_encoded_len(count: usize) -> usize {
                4 + 4 * count
            }
        }
    };
}

u32_id!(
    /// An ObjectHandle: the responder's 32-bit name for one object (an image, a folder, …), unique
    /// within a session. Returned by GetObjectHandles and used by GetObjectInfo, GetObject and the
    /// other object operations.
    ObjectHandle, context "ObjectHandleArray", field "ObjectHandles"
);

u32_id!(
    /// A StorageID: the responder's 32-bit name for one store. The high 16 bits identify the
    /// physical store (a card slot), the low 16 bits a logical store on it (a partition). Returned by
    /// GetStorageIDs and used by GetStorageInfo and GetObjectHandles.
    StorageId, context "StorageIDArray", field "StorageIDs"
);

impl ObjectHandle {
    /// No object: the ParentObject of an object that sits at the top level of its store.
    pub const NONE: Self = Self(0);
}

impl StorageId {
    /// Every store, as the StorageID parameter of GetNumObjects and GetObjectHandles.
    pub const ALL: Self = Self(0xFFFF_FFFF);

    /// The physical store: the high 16 bits.
    #[must_use]
    pub const fn physical(self) -> u16 {
        (self.0 >> 16) as u16
    }

    /// The logical store within the physical one: the low 16 bits.
    #[must_use]
    pub const fn logical(self) -> u16 {
        (self.0 & 0xFFFF) as u16
    }

    /// The StorageID with these physical and logical parts.
    #[must_use]
    pub const fn from_parts(physical: u16, logical: u16) -> Self {
        Self(((physical as u32) << 16) | logical as u32)
    }
}
