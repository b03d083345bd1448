//! Blocking `std::net` driver for the [`ptpip_protocol`] state machines.
//!
//! Not written yet: this crate only moves bytes and time between sockets and the sans-IO core.
#![forbid(unsafe_code)]

pub use ptpip_protocol as protocol;
