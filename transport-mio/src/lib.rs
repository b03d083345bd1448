//! A [`mio`] event-loop driver for the [`ptpip_protocol`] state machines.
//!
//! This crate only moves bytes and time between sockets and the sans-IO
//! [`Initiator`](ptpip_protocol::Initiator): no packet is parsed here, no PTP code interpreted,
//! no deadline of its own (every deadline comes from the state machine's `poll_timeout`; a loop
//! of ours only waits for it). It offers:
//! - [`MioClient`]: a PTP/IP session as a component of *your* `mio::Poll`, next to your other
//!   sources. It registers its two sockets under tokens you choose, tells you how long you may
//!   sleep ([`MioClient::timeout`]), and is driven by [`MioClient::handle_event`] and
//!   [`MioClient::handle_timeout`]; commands are non-blocking ([`MioClient::execute`] returns
//!   the transaction id at once) and outcomes come out of [`MioClient::poll_event`], which a
//!   [`Tracker`] (the core's, `ptpip_protocol::calls::Tracker`, re-exported) can follow per
//!   transaction: it streams the data into a sink and says what to do next ([`Step`]; on
//!   [`Step::Cancel`], call [`MioClient::cancel`]);
//! - [`Client`]: a `MioClient` with a `Poll` of its own and blocking typed calls (device info,
//!   objects streamed into any `Write`, uploads from any `Read`, raw operations, device events),
//!   the same facade under the same name as `ptpip-transport-std`'s `Client` (connect policy,
//!   interrupt on a signal, the packet tap), with the same [`ClientConfig`] fields;
//! - [`LiveView`]: the Fujifilm live-view port on a `Poll` of its own, frames checked and counted
//!   by the sans-IO [`LiveViewStream`](ptpip_protocol::fuji::LiveViewStream);
//! - [`Server`]: a PTP/IP camera server (one [`Responder`](ptpip_protocol::Responder) per
//!   initiator) as a component of your `mio::Poll`, woken by its devices through a
//!   `mio::Waker`; [`serve`] runs one on a poll of its own and returns a [`ServerHandle`];
//! - [`Relay`]: a PTP/IP relay (pass-through with a decoded log and capture, or one camera
//!   session shared by several initiators) as a component of your `mio::Poll`, and
//!   [`RelayRunner`] to run one on a poll of its own.
//!
//! The loops on a poll of their own ([`Client`], [`serve`], [`RelayRunner`]) wait for the state
//! machines' deadlines, on Linux, with a `timerfd` in the poll that is re-armed only when a
//! deadline comes earlier, rather than with the poll's timeout (which costs a kernel timer on
//! every wait).
//!
//! Every socket gets `TCP_NODELAY` and keep-alive. Partial writes are kept and finished when the
//! socket is writable again (the client takes one transmit per connection at a time; the server
//! and the relay queue several and write them with one `writev`), so a packet's bytes always
//! leave in order and whole.
#![forbid(unsafe_code)]

mod blocking;
mod client;
mod config;
mod link;
mod liveview;
mod relay;
mod server;
mod wakeup;

pub use blocking::Client;
pub use client::MioClient;
pub use config::ClientConfig;
pub use liveview::LiveView;
pub use mio;
pub use ptpip_protocol as protocol;
pub use ptpip_protocol::calls::connect::FUJI_INIT_RETRY_DELAY;
pub use ptpip_protocol::calls::{
    Calls, CancelToken, ClientError, DataSink, FujiCalls, NoSink, Ports, Step, Tracker, WriteSink,
};
pub use ptpip_protocol::fuji::LiveViewRead;
pub use relay::{Relay, RelayConfig, RelayEvent, RelayRunner, Stopper};
pub use server::{Server, ServerEvent, ServerHandle, serve};

/// The crate README's examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
