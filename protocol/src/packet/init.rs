//! The init handshake packets (DC-X005 §2.3.1–2.3.5) and the Fujifilm Init_Command_Request layouts.

use std::fmt;

use super::Dialect;
use crate::error::{DecodeReason, DecodeResult};
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

/// Init_Command_Ack: the responder accepts the initiator and assigns a connection number.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InitCommandAck {
    /// Repeated by the initiator in Init_Event_Request.
    pub connection_number: ConnectionNumber,
    /// The responder's GUID.
    pub guid: Guid,
    /// The responder's friendly name.
    pub friendly_name: FriendlyName,
    /// The responder's protocol version.
    pub version: ProtocolVersion,
}

impl InitCommandAck {
    /// Bytes after the header.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        4 + 16 + self.friendly_name.encoded_len() + 4
    }

    /// Reads the ack. In the Fujifilm dialect the bodies' 68-byte form is accepted too: the name
    /// in a zero-padded field and no version, which decodes as [`ProtocolVersion::UNSTATED`].
    pub(crate) fn parse(i: &[u8], dialect: Dialect) -> DecodeResult<'_, Self> {
        let (i, connection_number) = wire::u32_le(i, "ConnectionNumber")?;
        let (i, guid) = Guid::parse(i)?;
        let (i, friendly_name) = FriendlyName::parse(i)?;
        if dialect == Dialect::Fuji && i.len() != 4 && i.iter().all(|&b| b == 0) {
            return Ok((
                &i[i.len()..],
                Self {
                    connection_number: connection_number.into(),
                    guid,
                    friendly_name,
                    version: ProtocolVersion::UNSTATED,
                },
            ));
        }
        let (i, version) = wire::u32_le(i, "ProtocolVersion")?;
        Ok((
            i,
            Self {
                connection_number: connection_number.into(),
                guid,
                friendly_name,
                version: ProtocolVersion::from_u32(version),
            },
        ))
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.put_u32_le(self.connection_number.0);
        self.guid.write(out);
        self.friendly_name.write(out);
        out.put_u32_le(self.version.to_u32());
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

/// Why a responder refused an init request; vendor values are kept as numbers.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InitFailReason(pub u32);

impl InitFailReason {
    /// The responder does not accept this initiator (e.g. an unregistered GUID).
    pub const REJECTED_INITIATOR: Self = Self(1);
    /// Too many initiators are connected.
    pub const BUSY: Self = Self(2);
    /// No reason given.
    pub const UNSPECIFIED: Self = Self(3);
    /// Fujifilm: the camera knows another client name or is not ready; choose "change" or "reset"
    /// on the camera.
    pub const FUJI_DEVICE_BUSY: Self = Self(0x2019);
    /// Fujifilm: the protocol version is not accepted.
    pub const FUJI_INVALID_PARAMETER: Self = Self(0x201D);

    /// A short description, or `None` for an unknown value.
    #[must_use]
    pub const fn description(self) -> Option<&'static str> {
        Some(match self {
            Self::REJECTED_INITIATOR => "rejected initiator",
            Self::BUSY => "busy: too many connections",
            Self::UNSPECIFIED => "unspecified",
            Self::FUJI_DEVICE_BUSY => {
                "Fujifilm: device busy or another client is registered (choose change/reset on the camera)"
            }
            Self::FUJI_INVALID_PARAMETER => "Fujifilm: protocol version not accepted",
            _ => return None,
        })
    }
}

impl InitFailReason {
    /// What the user can do about this refusal, if there is something to say.
    #[must_use]
    pub const fn advice(self) -> Option<&'static str> {
        Some(match self {
            Self::REJECTED_INITIATOR => {
                "the camera does not know this computer: pair it again on the camera, and keep \
                 one GUID ([initiator] guid in the config file, or -g) so that it stays known"
            }
            Self::BUSY => "another client is connected to the camera: close it, then retry",
            Self::FUJI_DEVICE_BUSY => {
                "the camera is paired with another client name or is busy: on the camera choose \
                 \"change\" or \"reset\" for the connection, or connect with the name and GUID \
                 it knows"
            }
            Self::FUJI_INVALID_PARAMETER => {
                "the camera refused the protocol version: check the camera's Wi-Fi mode, or try \
                 another Init_Command_Request layout"
            }
            _ => return None,
        })
    }
}

impl fmt::Display for InitFailReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.description() {
            Some(d) => write!(f, "{d} ({:#x})", self.0),
            None => write!(f, "unknown reason {:#x}", self.0),
        }
    }
}

impl fmt::Debug for InitFailReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InitFailReason({:#x})", self.0)
    }
}
