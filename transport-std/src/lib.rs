//! Blocking `std::net` driver for the [`ptpip_protocol`] state machines.
//!
//! This crate only moves bytes and time: it owns the sockets and threads, and the sans-IO core
//! decides everything else (no packet is parsed here, no PTP code is interpreted, no timer is
//! kept). It offers:
//! - [`Client`]: connect to a camera and call typed operations (device info, storages, objects
//!   streamed into any `Write`, uploads from any `Read`, properties, capture, raw operations,
//!   device events);
//! - [`LiveView`]: the Fujifilm live-view port, frames checked and counted by the sans-IO
//!   [`LiveViewStream`](ptpip_protocol::fuji::LiveViewStream);
//! - [`serve`]: host a [`Device`](ptpip_protocol::Device) as a PTP/IP camera on a `TcpListener`,
//!   several initiators one after another and at the same time, logging every breach of the
//!   protocol an initiator commits ([`serve_logging`] to choose where).
//!
//! ```no_run
//! use ptpip_protocol::Dialect;
//! use ptpip_protocol::ptp::codes::ObjectFormatCode;
//! use ptpip_protocol::ptp::dataset::{ObjectHandle, StorageId};
//! use ptpip_transport_std::{Calls, Client, ClientConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut camera = Client::connect(ClientConfig::new("192.168.0.1", Dialect::Generic))?;
//! println!("{}", camera.device_info()?.model);
//! // Every JPEG on every card (0xFFFFFFFF: all storages; 0: in any folder).
//! let jpegs = camera.object_handles(
//!     StorageId(0xFFFF_FFFF),
//!     ObjectFormatCode::EXIF_JPEG.0,
//!     ObjectHandle(0),
//! )?;
//! let mut file = std::fs::File::create("first.jpg")?;
//! camera.get_object(jpegs[0], &mut file, &mut |done, total| {
//!     eprintln!("{done} of {total:?}");
//! })?;
//! camera.close()?;
//! # Ok(())
//! # }
//! ```
//!
//! The thread that owns the client's state machine reads the command connection itself (a
//! hand-off to another thread would add a wake-up to every round trip) while a transaction
//! waits for it, and writes each transmit with one `write_all`, so a packet's header and body
//! leave together; the event connection has a reader thread feeding a bounded queue, which the
//! client waits on when nothing is due on the command connection (an idle session waiting for
//! device events). A server session's thread reads its command connection the same way; a
//! pusher thread waits on the event connection's queue, the device's wake-ups and the
//! responder's deadlines, and writes data-in phases while the session's thread goes on reading,
//! so a Cancel or a probe is seen between two packets. No loop sleeps or polls. Every socket
//! gets `TCP_NODELAY` and keep-alive.
#![forbid(unsafe_code)]

mod client;
mod link;
mod liveview;
mod server;

pub use client::{Client, ClientConfig};
pub use liveview::LiveView;
pub use ptpip_protocol as protocol;
pub use ptpip_protocol::calls::connect::FUJI_INIT_RETRY_DELAY;
pub use ptpip_protocol::calls::{
    Calls, CancelToken, ClientError, DataSink, FujiCalls, NoSink, Ports, WriteSink,
};
pub use ptpip_protocol::fuji::LiveViewRead;
pub use server::{ServerHandle, ViolationLog, serve, serve_logging};

/// The crate README's examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
