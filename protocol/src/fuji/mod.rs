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
//! [`lists`]. The rest of the dialect:
//! - [`mode`]: the Wi-Fi modes (remote, browse, geotag), the values of 0xDF00 and 0xDF01 and the
//!   version property each mode echoes ([`FujiMode`]);
//! - [`values`]: typed property values (shutter speed with its sub-second flag, F-number with
//!   auto, sensitivity with its auto and extended flags, exposure bias, focus point) and the
//!   exposure controls that step them ([`ExposureControl`]); [`battery`] reconciles the two
//!   battery scales; [`geotag`] the positions of 0xD500;
//! - [`stream`]: the live-view port's reader, frames checked from SOI to EOI, with its rate.

pub mod battery;
mod container;
pub mod geotag;
pub mod lists;
mod liveview;
pub mod mode;
pub mod stream;
pub mod values;

pub use battery::{BatteryLevel, BatteryReading, BatteryScale};
pub use container::{
    Container, ContainerHeader, ContainerStart, ContainerType, parse_container,
    parse_container_header,
};
pub use geotag::{GeoTag, GeoTagError, GeoTagLayout, GeoTime};
pub use liveview::LiveViewFrame;
pub(crate) use liveview::peek_frame_length;
pub use mode::{CameraState, ConnectionMode, FujiMode, SetupLeniency};
pub use stream::{
    FrameProblem, IntervalStats, LiveViewItem, LiveViewRead, LiveViewStats, LiveViewStream,
};
pub use values::{
    ExposureBias, ExposureControl, ExposureValue, FNumber, FocusPoint, Sensitivity, ShutterSpeed,
    StateValue,
};

/// The command/data port Fuji X bodies listen on.
pub const COMMAND_PORT: u16 = 55740;
/// The event port, open after InitiateOpenCapture.
pub const EVENT_PORT: u16 = 55741;
/// The live-view (JPEG stream) port.
pub const STREAM_PORT: u16 = 55742;
