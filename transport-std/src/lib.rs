//! Blocking `std::net` driver for the [`ptpip_protocol`] state machines.
//!
//! This crate only moves bytes and time: it owns the sockets and threads, and the sans-IO core
//! decides everything else (no packet is parsed here, no PTP code is interpreted, no timer is
//! kept). It offers:
//! - [`Client`]: connect to a camera and call typed operations (device info, storages, objects
//!   streamed into any `Write`, uploads from any `Read`, properties, capture, raw operations,
//!   device events);
//! - [`serve`]: host a [`Device`](ptpip_protocol::Device) as a PTP/IP camera on a `TcpListener`,
//!   several initiators one after another and at the same time.
//!
//! Each TCP connection has a reader thread feeding one bounded queue; the thread that owns the
//! state machine writes each transmit with one `write_all`, so a packet's header and body leave
//! together. Every socket gets `TCP_NODELAY` and keep-alive.
#![forbid(unsafe_code)]

mod client;
mod link;
mod server;

pub use client::{CancelToken, Client, ClientConfig};
pub use ptpip_protocol as protocol;
pub use ptpip_protocol::calls::{Calls, ClientError, DataSink, NoSink, Ports, WriteSink};
pub use server::{ServerHandle, serve};
