//! Sans-IO PTP/IP (ISO 15740 + CIPA DC-X005), with the Fujifilm dialect.
//!
//! Everything that understands PTP/IP lives here, and nothing that does I/O: no sockets, threads
//! or clocks. The pieces:
//! - the **codec**: [`Packet`] (the 14 DC-X005 packet types), [`fuji::Container`] and
//!   [`fuji::LiveViewFrame`] (the Fujifilm framing), the PTP datasets in [`ptp::dataset`] and the
//!   Fujifilm lists in [`fuji::lists`]; nom parses, byteorder emits (the 8-byte header and the
//!   Operation_Request and Operation_Response of every round trip are read and written straight
//!   from their fixed layout, anything else about them falling back to nom), and every
//!   [`DecodeError`] names the packet or dataset, the field and the reason;
//! - the **tolerances**: what real cameras send beyond the spec (an Init_Command_Ack without its
//!   version, a dataset ending early or padded) is accepted and named with a [`Quirk`] (see
//!   [`quirk`]), while everything we send stays exact;
//! - the [`Deframer`]: bytes split anywhere in, frames out, data payloads streamed piece by piece;
//! - the state machines: [`Initiator`] (the client) and [`Responder`] (the camera, driven by a
//!   [`Device`] model such as the built-in `camera::VirtualCamera`);
//! - the [`relay`] core: decoding the traffic a relay passes on, and one camera session shared by
//!   several initiators.
//!
//! A state machine takes bytes (`handle_input`), connection ends (`handle_eof`) and time
//! (`handle_timeout`), and gives back [`Transmit`]s, events and its next deadline through its
//! `poll_*` methods — the shape of quinn-proto and str0m. The drivers in `ptpip-transport-std` and
//! `ptpip-transport-mio` only move bytes between those calls and sockets.
//!
//! Cargo features, all off by default so that the default build is the protocol alone:
//! - `camera`: the built-in virtual cameras (`camera`: device models, object store, property
//!   tables, generated sample images), for servers, tests and tools;
//! - `blocking`: the blocking call layer (`calls`: typed calls over a driver that runs an operation
//!   to its end, with `std::io` sinks), which both transports enable;
//! - `fuzzing`: the fuzz bodies, for the cargo-fuzz crate and the corpus replay tests.
//!
//! Here is the whole loop with the "network" in memory: an initiator asks a virtual camera (the
//! `camera` feature) for its DeviceInfo.
//!
#![cfg_attr(feature = "camera", doc = "```")]
#![cfg_attr(not(feature = "camera"), doc = "```ignore")]
//! use std::time::Instant;
//! use bytes::BytesMut;
//! use ptpip_protocol::camera::VirtualCamera;
//! use ptpip_protocol::initiator::{Event, InitiatorConfig, Operation};
//! use ptpip_protocol::ptp::dataset::DeviceInfo;
//! use ptpip_protocol::responder::ResponderConfig;
//! use ptpip_protocol::{Dialect, FriendlyName, Guid, Initiator, OperationCode, Responder};
//!
//! let now = Instant::now();
//! let name = |s: &str| FriendlyName::new(s).unwrap();
//! let mut ini = Initiator::new(InitiatorConfig::new(Guid([1; 16]), name("me"), Dialect::Generic), now);
//! let rc = ResponderConfig::new(Guid([2; 16]), name("cam"), Dialect::Generic);
//! let mut cam = Responder::new(rc, VirtualCamera::sample());
//!
//! let mut info = None;
//! for _ in 0..100 {
//!     // Each transmit goes to the same channel on the other side.
//!     while let Some(t) = ini.poll_transmit() {
//!         cam.handle_input(now, t.channel, BytesMut::from(&t.payload[..])).unwrap();
//!     }
//!     while let Some(t) = cam.poll_transmit() {
//!         ini.handle_input(now, t.channel, BytesMut::from(&t.payload[..])).unwrap();
//!     }
//!     while let Some(event) = ini.poll_event() {
//!         match event {
//!             Event::Ready => {
//!                 let op = Operation::new(OperationCode::GET_DEVICE_INFO, &[]).unwrap();
//!                 ini.execute(now, op.collect(64 * 1024)).unwrap();
//!             }
//!             Event::OperationComplete(done) => info = done.data,
//!             _ => {}
//!         }
//!     }
//!     if info.is_some() {
//!         break;
//!     }
//! }
//! let info = DeviceInfo::decode(&info.unwrap()).unwrap();
//! assert_eq!(info.model.as_str(), "ptpip virtual camera");
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(not(fuzzing), warn(missing_docs))]

// Macros first: textual scoping makes them visible only to the modules declared after them.
#[macro_use]
mod macros;

#[cfg(feature = "blocking")]
pub mod calls;
#[cfg(feature = "camera")]
pub mod camera;
pub mod channel;
pub mod deframer;
mod display;
pub mod encode;
pub mod error;
pub mod fuji;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod initiator;
pub mod packet;
pub mod ports;
pub mod ptp;
pub mod quirk;
pub mod relay;
pub mod responder;
pub mod timer;
pub mod types;
mod wire;

pub use channel::{Channel, ReadBuffer, Transmit};
pub use deframer::{DataHeader, DataKind, Deframer, DeframerConfig, Frame, Framing};
pub use encode::Encode;
pub use error::{DecodeError, DecodeReason, DecodeResult, Error, OperationError};
pub use initiator::{DeviceEvent, Initiator};
pub use packet::{Dialect, Header, Packet, PacketType, parse_header, parse_packet};
pub use ports::Ports;
pub use ptp::codes::{EventCode, OperationCode, ResponseCode};
pub use quirk::{Quirk, Tolerant};
pub use responder::{Device, Responder};
pub use timer::Timer;
pub use types::{
    ConnectionNumber, FriendlyName, Guid, Params, ProtocolVersion, SessionId, TransactionId,
};

/// The crate README's examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
