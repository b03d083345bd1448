//! Sans-IO PTP/IP: the codec (this module tree) and, later, the Initiator and Responder state machines.
#![forbid(unsafe_code)]
#![cfg_attr(not(fuzzing), warn(missing_docs))]

// Macros first: textual scoping makes them visible only to the modules declared after them.
#[macro_use]
mod macros;

pub mod camera;
pub mod channel;
pub mod deframer;
pub mod error;
pub mod fuji;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod initiator;
pub mod packet;
pub mod ptp;
pub mod responder;
pub mod timer;
pub mod types;
mod wire;

pub use channel::{Channel, Transmit};
pub use deframer::{DataHeader, DataKind, Deframer, DeframerConfig, Frame, Framing};
pub use error::{DecodeError, DecodeReason, DecodeResult, Error, OperationError};
pub use initiator::{DeviceEvent, Initiator};
pub use packet::{Dialect, Header, Packet, PacketType, parse_header, parse_packet};
pub use ptp::codes::{EventCode, OperationCode, ResponseCode};
pub use responder::{Device, Responder};
pub use timer::Timer;
pub use types::{
    ConnectionNumber, FriendlyName, Guid, Params, ProtocolVersion, SessionId, TransactionId,
};
