//! Sans-IO PTP/IP: the codec (this module tree) and, later, the Initiator and Responder state machines.
#![forbid(unsafe_code)]
#![cfg_attr(not(fuzzing), warn(missing_docs))]

pub mod error;
pub mod ptp;
pub mod types;
mod wire;

pub use error::{DecodeError, DecodeReason, DecodeResult};
pub use types::{
    ConnectionNumber, FriendlyName, Guid, Params, ProtocolVersion, SessionId, TransactionId,
};
