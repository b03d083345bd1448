//! USB-style containers, the framing Fuji X bodies use after the init handshake.

use std::borrow::Cow;

use crate::encode::Encode;
use crate::error::{self, DecodeError, DecodeReason, DecodeResult};
use crate::ptp::codes::{EventCode, OperationCode, ResponseCode};
use crate::types::{Params, TransactionId};
use crate::wire::{self, PutLe};

code_newtype! {
    /// The container type, the `u16` after the length.
    pub struct ContainerType(u16);
    /// An operation request.
    COMMAND = 1 => "Command";
    /// A data phase, either direction.
    DATA = 2 => "Data";
    /// An operation response.
    RESPONSE = 3 => "Response";
    /// A device event.
    EVENT = 4 => "Event";
}

/// The 12-byte container header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ContainerHeader {
    /// Whole container length, header included.
    pub length: u32,
    /// What the container holds.
    pub container_type: ContainerType,
    /// Operation, response or event code.
    pub code: u16,
    /// The transaction.
    pub transaction_id: TransactionId,
}

impl ContainerHeader {
    /// Bytes in a header.
    pub const LEN: usize = 12;
    /// The most payload one container can carry: its `u32` length covers the header too. A
    /// Fujifilm data phase is one container, so this bounds it.
    pub const MAX_PAYLOAD: u32 = u32::MAX - Self::LEN as u32;

    /// The header of the data container for operation `code` carrying `payload_len` bytes
    /// (at most [`MAX_PAYLOAD`](Self::MAX_PAYLOAD); more is clamped).
    #[must_use]
    pub const fn data(code: u16, transaction_id: TransactionId, payload_len: u32) -> Self {
        Self {
            length: payload_len.saturating_add(Self::LEN as u32),
            container_type: ContainerType::DATA,
            code,
            transaction_id,
        }
    }

    /// Appends the header.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.put_u32_le(self.length);
        out.put_u16_le(self.container_type.0);
        out.put_u16_le(self.code);
        out.put_u32_le(self.transaction_id.0);
    }
}

/// The terminator Fuji clients send after CloseSession: a length of 8 and four 0xFF bytes.
const TERMINATOR: [u8; 8] = [8, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];

/// What [`parse_container_header`] found at the front of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerStart {
    /// A normal container.
    Header(ContainerHeader),
    /// The 8-byte terminator.
    Terminate,
}

/// Parses a container header, streaming: `Incomplete` until enough bytes are there.
///
/// The 8-byte terminator is recognised; any other length below 12 is an error.
pub fn parse_container_header(i: &[u8]) -> DecodeResult<'_, ContainerStart> {
    if i.len() < 8 {
        return Err(nom::Err::Incomplete(nom::Needed::new(8 - i.len())));
    }
    if i[..8] == TERMINATOR {
        return Ok((&i[8..], ContainerStart::Terminate));
    }
    if i.len() < ContainerHeader::LEN {
        let length = u32::from_le_bytes([i[0], i[1], i[2], i[3]]);
        if (length as usize) >= ContainerHeader::LEN {
            return Err(nom::Err::Incomplete(nom::Needed::new(
                ContainerHeader::LEN - i.len(),
            )));
        }
    }
    let (rest, length) = wire::u32_le(i, "Length")?;
    if (length as usize) < ContainerHeader::LEN {
        return Err(nom::Err::Error(
            DecodeError::new(
                "Length",
                DecodeReason::LengthTooSmall {
                    length: length.into(),
                    min: ContainerHeader::LEN as u64,
                },
            )
            .in_context("Fuji container"),
        ));
    }
    let (rest, container_type) = wire::u16_le(rest, "ContainerType")?;
    let (rest, code) = wire::u16_le(rest, "Code")?;
    let (rest, transaction_id) = wire::u32_le(rest, "TransactionID")?;
    Ok((
        rest,
        ContainerStart::Header(ContainerHeader {
            length,
            container_type: ContainerType(container_type),
            code,
            transaction_id: TransactionId(transaction_id),
        }),
    ))
}

/// A Fuji container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Container<'a> {
    /// Type 1: an operation request with 0–5 parameters.
    Command {
        /// The operation.
        code: OperationCode,
        /// The transaction it opens.
        transaction_id: TransactionId,
        /// Operation parameters.
        params: Params,
    },
    /// Type 2: data for the operation `code`.
    Data {
        /// The operation the data belongs to.
        code: OperationCode,
        /// The transaction.
        transaction_id: TransactionId,
        /// The data.
        payload: Cow<'a, [u8]>,
    },
    /// Type 3: an operation response with 0–5 parameters.
    Response {
        /// The result.
        code: ResponseCode,
        /// The transaction it ends.
        transaction_id: TransactionId,
        /// Response parameters.
        params: Params,
    },
    /// Type 4: a device event with 0–5 parameters.
    Event {
        /// The event.
        code: EventCode,
        /// The transaction slot (Fuji bodies fill it variously).
        transaction_id: TransactionId,
        /// Event parameters.
        params: Params,
    },
    /// Any other type, kept whole.
    Unknown {
        /// The type found.
        container_type: ContainerType,
        /// The code field.
        code: u16,
        /// The transaction field.
        transaction_id: TransactionId,
        /// Everything after the header.
        payload: Cow<'a, [u8]>,
    },
    /// The 8-byte goodbye after CloseSession.
    Terminate,
}

impl Container<'_> {
    /// The header this container is written with, or `None` for the terminator.
    #[must_use]
    pub fn header(&self) -> Option<ContainerHeader> {
        let length = u32::try_from(self.encoded_len()).unwrap_or(u32::MAX);
        let (container_type, code, transaction_id) = match self {
            Self::Terminate => return None,
            Self::Command {
                code,
                transaction_id,
                ..
            } => (ContainerType::COMMAND, code.0, *transaction_id),
            Self::Data {
                code,
                transaction_id,
                ..
            } => (ContainerType::DATA, code.0, *transaction_id),
            Self::Response {
                code,
                transaction_id,
                ..
            } => (ContainerType::RESPONSE, code.0, *transaction_id),
            Self::Event {
                code,
                transaction_id,
                ..
            } => (ContainerType::EVENT, code.0, *transaction_id),
            Self::Unknown {
                container_type,
                code,
                transaction_id,
                ..
            } => (*container_type, *code, *transaction_id),
        };
        Some(ContainerHeader {
            length,
            container_type,
            code,
            transaction_id,
        })
    }

    /// Detaches borrowed payloads.
    #[must_use]
    pub fn into_owned(self) -> Container<'static> {
        match self {
            Self::Command {
                code,
                transaction_id,
                params,
            } => Container::Command {
                code,
                transaction_id,
                params,
            },
            Self::Data {
                code,
                transaction_id,
                payload,
            } => Container::Data {
                code,
                transaction_id,
                payload: Cow::Owned(payload.into_owned()),
            },
            Self::Response {
                code,
                transaction_id,
                params,
            } => Container::Response {
                code,
                transaction_id,
                params,
            },
            Self::Event {
                code,
                transaction_id,
                params,
            } => Container::Event {
                code,
                transaction_id,
                params,
            },
            Self::Unknown {
                container_type,
                code,
                transaction_id,
                payload,
            } => Container::Unknown {
                container_type,
                code,
                transaction_id,
                payload: Cow::Owned(payload.into_owned()),
            },
            Self::Terminate => Container::Terminate,
        }
    }
}

impl Encode for Container<'_> {
    /// Bytes on the wire.
    fn encoded_len(&self) -> usize {
        match self {
            Self::Terminate => TERMINATOR.len(),
            Self::Command { params, .. }
            | Self::Response { params, .. }
            | Self::Event { params, .. } => ContainerHeader::LEN + params.encoded_len(),
            Self::Data { payload, .. } | Self::Unknown { payload, .. } => {
                ContainerHeader::LEN + payload.len()
            }
        }
    }

    /// Appends the container's wire bytes.
    fn encode(&self, out: &mut Vec<u8>) {
        out.reserve(self.encoded_len());
        let Some(header) = self.header() else {
            out.extend_from_slice(&TERMINATOR);
            return;
        };
        header.write(out);
        match self {
            Self::Command { params, .. }
            | Self::Response { params, .. }
            | Self::Event { params, .. } => params.write(out),
            Self::Data { payload, .. } | Self::Unknown { payload, .. } => {
                out.extend_from_slice(payload);
            }
            Self::Terminate => {}
        }
    }
}

impl<'a> Container<'a> {
    /// Decodes exactly one container filling all of `bytes`.
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let (used, c) = error::finish(parse_container(bytes), bytes.len(), "Fuji container")?;
        if used != bytes.len() {
            return Err(DecodeError::new(
                "Length",
                DecodeReason::TrailingBytes {
                    extra: (bytes.len() - used) as u64,
                },
            )
            .in_context("Fuji container"));
        }
        Ok(c)
    }

    /// Builds the container for a header and its body (everything after the header).
    pub(crate) fn from_parts(
        header: &ContainerHeader,
        body: &'a [u8],
    ) -> Result<Self, nom::Err<DecodeError>> {
        let params =
            || error::with_context(Params::parse_block(body, 5), "Fuji container").map(|(_, p)| p);
        let transaction_id = header.transaction_id;
        Ok(match header.container_type {
            ContainerType::COMMAND => Self::Command {
                code: OperationCode(header.code),
                transaction_id,
                params: params()?,
            },
            ContainerType::DATA => Self::Data {
                code: OperationCode(header.code),
                transaction_id,
                payload: Cow::Borrowed(body),
            },
            ContainerType::RESPONSE => Self::Response {
                code: ResponseCode(header.code),
                transaction_id,
                params: params()?,
            },
            ContainerType::EVENT => Self::Event {
                code: EventCode(header.code),
                transaction_id,
                params: params()?,
            },
            container_type => Self::Unknown {
                container_type,
                code: header.code,
                transaction_id,
                payload: Cow::Borrowed(body),
            },
        })
    }
}

/// Parses one container from the front of `i`; `Incomplete` while the buffer is shorter than the
/// container's length.
pub fn parse_container(i: &[u8]) -> DecodeResult<'_, Container<'_>> {
    let (rest, start) = parse_container_header(i)?;
    let header = match start {
        ContainerStart::Terminate => return Ok((rest, Container::Terminate)),
        ContainerStart::Header(h) => h,
    };
    let total = header.length as usize;
    if i.len() < total {
        return Err(nom::Err::Incomplete(nom::Needed::new(total - i.len())));
    }
    let body = &i[ContainerHeader::LEN..total];
    Ok((&i[total..], Container::from_parts(&header, body)?))
}
