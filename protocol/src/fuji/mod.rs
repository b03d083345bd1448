//! The Fujifilm dialect: after a PTP/IP-style init, Fuji X bodies speak USB-style containers.
//!
//! What differs from DC-X005:
//! - the Init_Command_Request puts the protocol version 0x8F53E4F2 first
//!   ([`InitRequestLayout::Fuji`](crate::packet::InitRequestLayout), and the fixed 82-byte form newer
//!   bodies insist on, [`InitRequestLayout::FujiFixed`](crate::packet::InitRequestLayout));
//! - after the Init_Command_Ack every packet on the command (55740) and event (55741) ports is a
//!   [`Container`]: `u32 length · u16 type (1 command, 2 data, 3 response, 4 event) · u16 code ·
//!   u32 transaction id · payload`, as PTP over USB frames them;
//! - the event connection needs no Init_Event_Request;
//! - the live-view port (55742) sends length-prefixed frames with a JPEG at offset 18 ([`LiveViewFrame`]);
//! - the goodbye after CloseSession is an 8-byte terminator container ([`Container::Terminate`]).
//!
//! The Fuji datasets, the 0x902B property-description list and the 0xD212 state list, live in
//! [`lists`].

mod container;
pub mod lists;
mod liveview;

pub use container::{
    Container, ContainerHeader, ContainerStart, ContainerType, parse_container,
    parse_container_header,
};
pub use liveview::LiveViewFrame;
pub(crate) use liveview::peek_frame_length;

/// The command/data port Fuji X bodies listen on.
pub const COMMAND_PORT: u16 = 55740;
/// The event port, open after InitiateOpenCapture.
pub const EVENT_PORT: u16 = 55741;
/// The live-view (JPEG stream) port.
pub const STREAM_PORT: u16 = 55742;
