//! The init handshake packets (DC-X005 §2.3.1–2.3.5) and the Fujifilm Init_Command_Request layouts.
use super::Dialect;
use crate::error::{DecodeReason, DecodeResult, InitFailReason};
use crate::quirk::{Quirk, ReadAs};
use crate::types::{ConnectionNumber, FriendlyName, Guid, ProtocolVersion};
use crate::wire::{self, PutLe};

/// How an Init_Command_Request lays out its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum InitRequestLayout {
    /// DC-X005: GUID, NUL-terminated name, protocol version.
    #[default]
    Standard,
    /// Fujifilm, variable length: protocol version (0x8F53E4F2) first, then GUID, then the
    /// NUL-terminated name. What the Go tool sends; older bodies accept it.
    Fuji,
    /// Fujifilm, always 82 bytes: version, GUID, then the name zero-padded in a 54-byte field (at most
    /// 26 UTF-16 code units, so a NUL always follows). What Fujifilm's own software and libgphoto2 send;
    /// the X-T4 and later close the socket on any other length.
    ///
    /// A [`Fuji`](Self::Fuji) request whose name is exactly 26 units has the very same bytes, so it
    /// decodes as this layout.
    FujiFixed,
}

impl InitRequestLayout {
    /// Size of the name field in the fixed layout.
    pub const FUJI_FIXED_NAME_BYTES: usize = 54;
    /// Total size of a fixed-layout packet, header included.
    pub const FUJI_FIXED_PACKET_LEN: usize = 82;
    /// Most name code units the fixed layout holds (one unit is left for the NUL).
    pub const FUJI_FIXED_MAX_UNITS: usize = Self::FUJI_FIXED_NAME_BYTES / 2 - 1;
}

/// Init_Command_Request: the initiator introduces itself on a new command/data connection.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InitCommandRequest {
    /// The initiator's GUID.
    pub guid: Guid,
    /// The initiator's friendly name.
    pub friendly_name: FriendlyName,
    /// The protocol version (0x8F53E4F2 for Fujifilm).
    pub version: ProtocolVersion,
    /// Field order and name encoding.
    pub layout: InitRequestLayout,
}

impl InitCommandRequest {
    /// A standard request for version 1.0.
    #[must_use]
    pub fn new(guid: Guid, friendly_name: FriendlyName) -> Self {
        Self {
            guid,
            friendly_name,
            version: ProtocolVersion::V1_0,
            layout: InitRequestLayout::Standard,
        }
    }

    /// A Fujifilm request in the fixed 82-byte layout that every Fuji body accepts.
    #[must_use]
    pub fn fuji(guid: Guid, friendly_name: FriendlyName) -> Self {
        Self {
            guid,
            friendly_name,
            version: ProtocolVersion::FUJI,
            layout: InitRequestLayout::FujiFixed,
        }
    }

    /// The name as the fixed layout carries it: cut to 26 code units on a character boundary.
    fn fixed_name_units(&self) -> impl Iterator<Item = u16> + '_ {
        let mut units = 0;
        self.friendly_name
            .as_str()
            .chars()
            .take_while(move |c| {
                units += c.len_utf16();
                units <= InitRequestLayout::FUJI_FIXED_MAX_UNITS
            })
            .flat_map(|c| {
                let mut buf = [0; 2];
                c.encode_utf16(&mut buf);
                let n = c.len_utf16();
                buf.into_iter().take(n)
            })
    }

    /// Bytes after the header.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        match self.layout {
            InitRequestLayout::FujiFixed => {
                InitRequestLayout::FUJI_FIXED_PACKET_LEN - super::Header::LEN
            }
            _ => 16 + self.friendly_name.encoded_len() + 4,
        }
    }

    pub(crate) fn parse(i: &[u8], dialect: Dialect) -> DecodeResult<'_, Self> {
        match dialect {
            Dialect::Generic => {
                let (i, guid) = Guid::parse(i)?;
                let (i, friendly_name) = FriendlyName::parse(i)?;
                let (i, version) = wire::u32_le(i, "ProtocolVersion")?;
                Ok((
                    i,
                    Self {
                        guid,
                        friendly_name,
                        version: ProtocolVersion::from_u32(version),
                        layout: InitRequestLayout::Standard,
                    },
                ))
            }
            Dialect::Fuji => {
                let fixed =
                    i.len() == InitRequestLayout::FUJI_FIXED_PACKET_LEN - super::Header::LEN;
                let (i, version) = wire::u32_le(i, "ProtocolVersion")?;
                let (i, guid) = Guid::parse(i)?;
                let (i, friendly_name, layout) = if fixed {
                    let (rest, field) =
                        wire::take(i, InitRequestLayout::FUJI_FIXED_NAME_BYTES, "FriendlyName")?;
                    let (pad, name) = FriendlyName::parse(field)?;
                    if pad.iter().any(|&b| b != 0) {
                        return wire::fail("FriendlyName", DecodeReason::NonZeroPadding);
                    }
                    (rest, name, InitRequestLayout::FujiFixed)
                } else {
                    let (rest, name) = FriendlyName::parse(i)?;
                    (rest, name, InitRequestLayout::Fuji)
                };
                Ok((
                    i,
                    Self {
                        guid,
                        friendly_name,
                        version: ProtocolVersion::from_u32(version),
                        layout,
                    },
                ))
            }
        }
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        match self.layout {
            InitRequestLayout::Standard => {
                self.guid.write(out);
                self.friendly_name.write(out);
                out.put_u32_le(self.version.to_u32());
            }
            InitRequestLayout::Fuji => {
                out.put_u32_le(self.version.to_u32());
                self.guid.write(out);
                self.friendly_name.write(out);
            }
            InitRequestLayout::FujiFixed => {
                out.put_u32_le(self.version.to_u32());
                self.guid.write(out);
                let start = out.len();
                for unit in self.fixed_name_units() {
                    out.put_u16_le(unit);
                }
                out.resize(start + InitRequestLayout::FUJI_FIXED_NAME_BYTES, 0);
            }
        }
    }
}

/// A byte count inside a packet body as a `u32`; a body is shorter than its packet's `u32` length,
/// so this fails only for a body handed to [`parse_body`](super::parse_body) directly.
fn body_len(n: usize) -> Result<u32, nom::Err<crate::error::DecodeError>> {
    u32::try_from(n).map_err(|_| {
        let too_large = DecodeReason::TooLarge {
            length: n as u64,
            max: u32::MAX.into(),
        };
        nom::Err::Error(crate::error::DecodeError::new("Length", too_large))
    })
}

/// How an Init_Command_Ack lays out the fields after its GUID.
///
/// DC-X005 §2.3.2 has the name up to its NUL, then the ProtocolVersion. Fujifilm bodies send no
/// version and put the name in a fixed 40-byte field (68 bytes in all: the X-A2 reply that
/// petabyt/vcam hard-codes, the X-T5 in libfuji's logs, a body in gphoto/libgphoto2#517); the
/// decoder also accepts zero padding after the version. Keeping the layout makes a decoded ack
/// re-encode to the very bytes received.
///
/// # How the decoder reads the bytes after the name's NUL
///
/// | bytes left | read as |
/// |---|---|
/// | exactly 4 | the version, [`Standard`](Self::Standard) |
/// | none | no version, [`Standard`](Self::Standard) |
/// | all zero (1 to 3, or 5 and more) | no version, [`FixedName`](Self::FixedName) |
/// | 5 and more: 4 not all zero, then zeros | the version, then [`ZeroPadded`](Self::ZeroPadded) |
///
/// Anything else is an error: too few bytes for a version (`Truncated`), or non-zero bytes after
/// it (`TrailingBytes`). The wire cannot tell some values apart, so not every pairing of
/// [`InitCommandAck::version`] and layout reads back as itself: the ones the decoder produces
/// (the table above) do; a fixed name field with a version after it, a field padded by exactly 4
/// bytes, or a zero version followed by padding encode as described but decode as the table says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum InitAckLayout {
    /// The name up to its NUL, then the version (if any), then nothing.
    #[default]
    Standard,
    /// The name in a fixed field of `width` bytes: the name, its NUL, then zeros. A field narrower
    /// than the name and its NUL is written as [`Standard`](Self::Standard).
    FixedName {
        /// The field's width in bytes (40 on Fujifilm bodies).
        width: u32,
    },
    /// The standard fields, then `len` zero bytes.
    ZeroPadded {
        /// Zero bytes after the last field.
        len: u32,
    },
}

impl InitAckLayout {
    /// The width of the name field in Fujifilm's Init_Command_Ack.
    pub const FUJI_NAME_FIELD_BYTES: u32 = 40;
}

/// Init_Command_Ack: the responder accepts the initiator and assigns a connection number.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InitCommandAck {
    /// Repeated by the initiator in Init_Event_Request.
    pub connection_number: ConnectionNumber,
    /// The responder's GUID.
    pub guid: Guid,
    /// The responder's friendly name.
    pub friendly_name: FriendlyName,
    /// The responder's protocol version; `None` when the ack has no ProtocolVersion field, as
    /// Fujifilm bodies send it.
    pub version: Option<ProtocolVersion>,
    /// How the fields are laid out.
    pub layout: InitAckLayout,
}

impl InitCommandAck {
    /// The packet name used in errors and quirks.
    const CONTEXT: &'static str = "Init_Command_Ack";

    /// A standard ack: the name, then `version`.
    #[must_use]
    pub const fn new(
        connection_number: ConnectionNumber,
        guid: Guid,
        friendly_name: FriendlyName,
        version: ProtocolVersion,
    ) -> Self {
        Self {
            connection_number,
            guid,
            friendly_name,
            version: Some(version),
            layout: InitAckLayout::Standard,
        }
    }

    /// A Fujifilm ack: no version, the name in the fixed 40-byte field (68 bytes in all for a name
    /// of up to 19 UTF-16 units; a longer name is written whole, with its NUL and no padding).
    #[must_use]
    pub const fn fuji(
        connection_number: ConnectionNumber,
        guid: Guid,
        friendly_name: FriendlyName,
    ) -> Self {
        Self {
            connection_number,
            guid,
            friendly_name,
            version: None,
            layout: InitAckLayout::FixedName {
                width: InitAckLayout::FUJI_NAME_FIELD_BYTES,
            },
        }
    }

    /// Bytes of the name field as written: the name and its NUL, or the fixed width if wider.
    fn name_field_len(&self) -> usize {
        let natural = self.friendly_name.encoded_len();
        match self.layout {
            InitAckLayout::FixedName { width } => natural.max(width as usize),
            _ => natural,
        }
    }

    /// Bytes after the header.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        let padding = match self.layout {
            InitAckLayout::ZeroPadded { len } => len as usize,
            _ => 0,
        };
        4 + 16 + self.name_field_len() + 4 * usize::from(self.version.is_some()) + padding
    }

    /// What this ack's layout departs from DC-X005 in: a fixed-width name field, no version,
    /// zero padding at the end. Empty for a standard ack.
    #[must_use]
    pub fn quirks(&self) -> Vec<Quirk> {
        let mut quirks = Vec::new();
        let natural = self.friendly_name.encoded_len();
        match self.layout {
            InitAckLayout::FixedName { width } if width as usize > natural => {
                quirks.push(Quirk::PaddedField {
                    context: Self::CONTEXT,
                    field: "FriendlyName",
                    width,
                });
            }
            _ => {}
        }
        if self.version.is_none() {
            quirks.push(Quirk::MissingFields {
                context: Self::CONTEXT,
                fields: &["ProtocolVersion"],
                read_as: ReadAs::Absent,
            });
        }
        match self.layout {
            InitAckLayout::ZeroPadded { len } if len > 0 => {
                quirks.push(Quirk::TrailingBytes {
                    context: Self::CONTEXT,
                    count: len.into(),
                    all_zero: true,
                });
            }
            _ => {}
        }
        quirks
    }

    /// Reads the whole body (everything after the header): see [`InitAckLayout`] for the layouts
    /// accepted. Always uses up the input.
    pub(crate) fn parse(i: &[u8]) -> DecodeResult<'_, Self> {
        let (i, connection_number) = wire::u32_le(i, "ConnectionNumber")?;
        let (i, guid) = Guid::parse(i)?;
        let before = i.len();
        let (rest, friendly_name) = FriendlyName::parse(i)?;
        let name_len = before - rest.len();
        let zeros = |b: &[u8]| b.iter().all(|&x| x == 0);
        let (version, layout) = match rest.len() {
            0 => (None, InitAckLayout::Standard),
            4 => {
                let (_, v) = wire::u32_le(rest, "ProtocolVersion")?;
                (Some(ProtocolVersion::from_u32(v)), InitAckLayout::Standard)
            }
            n if zeros(rest) => {
                let width = body_len(name_len + n)?;
                (None, InitAckLayout::FixedName { width })
            }
            n if n < 4 => {
                let available = n as u64;
                let truncated = DecodeReason::Truncated {
                    needed: 4,
                    available,
                };
                return wire::fail("ProtocolVersion", truncated);
            }
            n => {
                let (padding, v) = wire::u32_le(rest, "ProtocolVersion")?;
                if !zeros(padding) {
                    let extra = padding.len() as u64;
                    return wire::fail("Length", DecodeReason::TrailingBytes { extra });
                }
                let len = body_len(n - 4)?;
                (
                    Some(ProtocolVersion::from_u32(v)),
                    InitAckLayout::ZeroPadded { len },
                )
            }
        };
        Ok((
            &rest[rest.len()..],
            Self {
                connection_number: connection_number.into(),
                guid,
                friendly_name,
                version,
                layout,
            },
        ))
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.put_u32_le(self.connection_number.0);
        self.guid.write(out);
        let start = out.len();
        self.friendly_name.write(out);
        out.resize(start + self.name_field_len(), 0);
        if let Some(version) = self.version {
            out.put_u32_le(version.to_u32());
        }
        if let InitAckLayout::ZeroPadded { len } = self.layout {
            out.resize(out.len() + len as usize, 0);
        }
    }
}

/// Init_Event_Request: opens the event connection for a command connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InitEventRequest {
    /// The number from the Init_Command_Ack.
    pub connection_number: ConnectionNumber,
}

impl InitEventRequest {
    /// A request for `connection_number`.
    #[must_use]
    pub const fn new(connection_number: ConnectionNumber) -> Self {
        Self { connection_number }
    }
}

/// Init_Event_Ack: the responder accepts the event connection. DC-X005 gives it no payload; the
/// decoder also accepts zero padding, kept here so that it re-encodes to the bytes received.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct InitEventAck {
    /// Zero bytes after the header (0 in a standard ack).
    pub padding: u32,
}

impl InitEventAck {
    /// The packet name used in errors and quirks.
    const CONTEXT: &'static str = "Init_Event_Ack";

    /// A standard ack, with no payload.
    #[must_use]
    pub const fn new() -> Self {
        Self { padding: 0 }
    }

    /// Bytes after the header.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        self.padding as usize
    }

    /// The padding, if any, as a quirk.
    #[must_use]
    pub fn quirks(&self) -> Vec<Quirk> {
        if self.padding == 0 {
            return Vec::new();
        }
        vec![Quirk::TrailingBytes {
            context: Self::CONTEXT,
            count: self.padding.into(),
            all_zero: true,
        }]
    }

    /// Reads the body: nothing, or zero padding. Always uses up the input.
    pub(crate) fn parse(i: &[u8]) -> DecodeResult<'_, Self> {
        if i.iter().any(|&b| b != 0) {
            return wire::fail(
                "Length",
                DecodeReason::TrailingBytes {
                    extra: i.len() as u64,
                },
            );
        }
        let padding = body_len(i.len())?;
        Ok((&i[i.len()..], Self { padding }))
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.resize(out.len() + self.padding as usize, 0);
    }
}

/// Init_Fail: the responder refuses an init request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InitFail {
    /// Why.
    pub reason: InitFailReason,
}

impl InitFail {
    /// A refusal for `reason`.
    #[must_use]
    pub const fn new(reason: InitFailReason) -> Self {
        Self { reason }
    }
}
