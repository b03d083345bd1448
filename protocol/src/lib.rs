//! Sans-IO PTP/IP: the codec (this module tree) and, later, the Initiator and Responder state machines.
#![forbid(unsafe_code)]
#![cfg_attr(not(fuzzing), warn(missing_docs))]

// Macros first: textual scoping makes them visible only to the modules declared after them.
#[macro_use]
mod macros;

mod deframer;
pub mod error;
pub mod fuji;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod packet;
pub mod ptp;
pub mod types;
mod wire;

pub use deframer::{DataHeader, DataKind, Deframer, DeframerConfig, Frame, Framing};
pub use error::{DecodeError, DecodeReason, DecodeResult};
pub use packet::{Dialect, Header, Packet, PacketType, parse_header, parse_packet};
pub use types::{
    ConnectionNumber, FriendlyName, Guid, Params, ProtocolVersion, SessionId, TransactionId,
};
