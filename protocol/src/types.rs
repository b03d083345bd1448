//! Small value types shared by the packets, the Fuji containers and the PTP datasets.

use std::fmt;

use crate::error::{DecodeError, DecodeReason, DecodeResult};
use crate::wire::{self, PutLe};

macro_rules! id_newtype {
    ($(#[$m:meta])* $name:ident($inner:ty)) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub $inner);

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:#x})"), self.0)
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
        impl From<$inner> for $name {
            fn from(v: $inner) -> Self {
                Self(v)
            }
        }
        impl From<$name> for $inner {
            fn from(v: $name) -> Self {
                v.0
            }
        }
    };
}

id_newtype!(
    /// A PTP TransactionID: pairs a request with its data and response.
    ///
    /// OpenSession uses 0; later transactions count from 1 and wrap from 0xFFFFFFFE back to 1
    /// (0xFFFFFFFF is reserved), see [`TransactionId::next`].
    TransactionId(u32)
);
id_newtype!(
    /// The Connection Number a responder assigns in Init_Command_Ack; the initiator repeats it in
    /// Init_Event_Request so the responder can pair the two TCP connections.
    ConnectionNumber(u32)
);
id_newtype!(
    /// A PTP SessionID, chosen by the initiator in OpenSession.
    SessionId(u32)
);

impl TransactionId {
    /// The id OpenSession carries.
    pub const OPEN_SESSION: Self = Self(0);
    /// The first id after OpenSession.
    pub const FIRST: Self = Self(1);
    /// The reserved all-ones value, never used for a transaction.
    pub const RESERVED: Self = Self(0xFFFF_FFFF);

    /// The id after this one: 1, 2, …, 0xFFFFFFFE, then 1 again.
    #[must_use]
    pub const fn next(self) -> Self {
        if self.0 >= 0xFFFF_FFFE {
            Self::FIRST
        } else {
            Self(self.0 + 1)
        }
    }
}

/// A 128-bit GUID identifying an initiator or responder, as its 16 raw wire bytes.
///
/// The bytes are written in RFC 4122 order, the order `uuid::Uuid::as_bytes` gives (as libgphoto2 and
/// the Go tool do), not the mixed-endian Microsoft GUID layout. `From` conversions to and from
/// [`uuid::Uuid`] keep the bytes as they are, and `Display` prints the hyphenated UUID form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Guid(pub [u8; 16]);

impl Guid {
    /// Reads the 16 raw bytes.
    pub(crate) fn parse(i: &[u8]) -> DecodeResult<'_, Self> {
        let (i, b) = wire::take(i, 16, "GUID")?;
        let mut raw = [0; 16];
        raw.copy_from_slice(b);
        Ok((i, Self(raw)))
    }

    /// Appends the 16 raw bytes.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }

    /// The GUID as a UUID.
    #[must_use]
    pub const fn to_uuid(self) -> uuid::Uuid {
        uuid::Uuid::from_bytes(self.0)
    }
}

impl From<uuid::Uuid> for Guid {
    fn from(u: uuid::Uuid) -> Self {
        Self(*u.as_bytes())
    }
}

impl From<Guid> for uuid::Uuid {
    fn from(g: Guid) -> Self {
        g.to_uuid()
    }
}

impl std::str::FromStr for Guid {
    type Err = uuid::Error;
    /// Parses any form `uuid` accepts (hyphenated, simple, braced, URN).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        uuid::Uuid::parse_str(s).map(Self::from)
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_uuid().hyphenated(), f)
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Guid({self})")
    }
}

/// A PTP/IP protocol version: major in the high 16 bits of the wire `u32`, minor in the low 16.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct ProtocolVersion {
    /// Major version (1 for DC-X005 1.0).
    pub major: u16,
    /// Minor version.
    pub minor: u16,
}

impl ProtocolVersion {
    /// Version 1.0 (wire value 0x00010000), the only one DC-X005 defines.
    pub const V1_0: Self = Self::from_u32(0x0001_0000);
    /// The value Fujifilm bodies expect in the Fuji Init_Command_Request, 0x8F53E4F2.
    pub const FUJI: Self = Self::from_u32(0x8F53_E4F2);

    /// From the wire value.
    #[must_use]
    pub const fn from_u32(v: u32) -> Self {
        Self {
            major: (v >> 16) as u16,
            minor: v as u16,
        }
    }

    /// The wire value.
    #[must_use]
    pub const fn to_u32(self) -> u32 {
        ((self.major as u32) << 16) | self.minor as u32
    }
}

impl Default for ProtocolVersion {
    fn default() -> Self {
        Self::V1_0
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Up to five 32-bit operation, response or event parameters, stored inline.
///
/// Only the parameters actually present go on the wire: the count is derived from the packet length,
/// never padded to five.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Params {
    len: u8,
    values: [u32; 5],
}

impl Params {
    /// The most parameters any PTP container can carry.
    pub const MAX: usize = 5;

    /// No parameters.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            len: 0,
            values: [0; 5],
        }
    }

    /// Copies up to five parameters; `None` if there are more.
    #[must_use]
    pub fn from_slice(params: &[u32]) -> Option<Self> {
        if params.len() > Self::MAX {
            return None;
        }
        let mut p = Self::new();
        p.values[..params.len()].copy_from_slice(params);
        p.len = params.len() as u8;
        Some(p)
    }

    /// Appends a parameter; returns `false` (and changes nothing) when five are already present.
    pub fn push(&mut self, v: u32) -> bool {
        if usize::from(self.len) == Self::MAX {
            return false;
        }
        self.values[usize::from(self.len)] = v;
        self.len += 1;
        true
    }

    /// The parameters present.
    #[must_use]
    pub fn as_slice(&self) -> &[u32] {
        &self.values[..usize::from(self.len)]
    }

    /// Parameter `n` counting from 1 as the spec does (`Parameter1`…), or `None` when absent.
    #[must_use]
    pub fn get(&self, n: usize) -> Option<u32> {
        n.checked_sub(1)
            .and_then(|i| self.as_slice().get(i).copied())
    }

    /// Bytes on the wire.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        4 * usize::from(self.len)
    }

    /// A whole parameter block of at most five parameters; `None` unless it is a multiple of
    /// 4 bytes long and holds no more.
    pub(crate) fn from_block(i: &[u8]) -> Option<Self> {
        if !i.len().is_multiple_of(4) || i.len() / 4 > Self::MAX {
            return None;
        }
        let mut p = Self::new();
        for (slot, chunk) in p.values.iter_mut().zip(i.chunks_exact(4)) {
            *slot = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        p.len = (i.len() / 4) as u8;
        Some(p)
    }

    /// Parses a whole parameter block: a multiple of 4 bytes, at most `max` parameters.
    pub(crate) fn parse_block(i: &[u8], max: u8) -> DecodeResult<'_, Self> {
        if !i.len().is_multiple_of(4) || i.len() / 4 > usize::from(max) {
            return wire::fail(
                "Parameters",
                DecodeReason::BadParameterBlock {
                    bytes: i.len() as u64,
                    max_params: max,
                },
            );
        }
        let mut p = Self::new();
        for (slot, chunk) in p.values.iter_mut().zip(i.chunks_exact(4)) {
            *slot = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        p.len = (i.len() / 4) as u8;
        Ok((&i[i.len()..], p))
    }

    /// Appends the parameters present.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        for &v in self.as_slice() {
            out.put_u32_le(v);
        }
    }
}

impl std::ops::Deref for Params {
    type Target = [u32];
    fn deref(&self) -> &[u32] {
        self.as_slice()
    }
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for v in self.as_slice() {
            list.entry(&format_args!("{v:#x}"));
        }
        list.finish()
    }
}

/// A PTP/IP friendly name: UTF-16LE on the wire, NUL-terminated, with no NUL inside.
///
/// At most [`FriendlyName::MAX_UNITS`] UTF-16 code units (surrogate pairs count two), the same bound
/// as a PTP string; decoders refuse longer names instead of scanning without limit.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct FriendlyName(String);

impl FriendlyName {
    /// The most UTF-16 code units a name may have, terminator excluded.
    pub const MAX_UNITS: usize = 254;

    /// Validates a name: no NUL, at most [`Self::MAX_UNITS`] UTF-16 code units.
    pub fn new(name: impl Into<String>) -> Result<Self, DecodeError> {
        let name = name.into();
        if name.contains('\0') {
            return Err(DecodeError::new(
                "FriendlyName",
                DecodeReason::InvalidValue("a friendly name cannot contain NUL"),
            ));
        }
        let units = name.encode_utf16().count();
        if units > Self::MAX_UNITS {
            return Err(DecodeError::new(
                "FriendlyName",
                DecodeReason::TooLarge {
                    length: units as u64,
                    max: Self::MAX_UNITS as u64,
                },
            ));
        }
        Ok(Self(name))
    }

    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// UTF-16 code units, terminator excluded.
    #[must_use]
    pub fn units(&self) -> usize {
        self.0.encode_utf16().count()
    }

    /// Bytes on the wire, terminator included.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        2 * self.units() + 2
    }

    /// Reads a NUL-terminated UTF-16LE name.
    pub(crate) fn parse(i: &[u8]) -> DecodeResult<'_, Self> {
        let (i, s) = wire::utf16z(i, "FriendlyName", Self::MAX_UNITS)?;
        Ok((i, Self(s)))
    }

    /// Appends the name and its NUL terminator.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.put_utf16(&self.0);
        out.put_u16_le(0);
    }
}

impl fmt::Display for FriendlyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for FriendlyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl TryFrom<&str> for FriendlyName {
    type Error = DecodeError;
    fn try_from(s: &str) -> Result<Self, DecodeError> {
        Self::new(s)
    }
}
