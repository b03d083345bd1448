//! A [`mio`] event-loop driver for the [`ptpip_protocol`] state machines.
//!
//! Not written yet: this crate will register the sockets in a caller's `mio::Poll` and move bytes and
//! time between them and the sans-IO core.
#![forbid(unsafe_code)]

pub use mio;
pub use ptpip_protocol as protocol;
