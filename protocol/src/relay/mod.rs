//! The sans-IO core of a PTP/IP relay: decoding traffic that passes through, and sharing one
//! camera session among several initiators.
//!
//! A relay sits between initiators (gphoto2, a phone app, another ptpip) and a camera:
//! - in plain pass-through it forwards every byte unchanged, and a [`Pipe`] per TCP connection
//!   (an [`Observer`] per direction) decodes a copy of the bytes into [`Record`]s — one per
//!   packet, or per run of undecodable bytes — and, when asked, cuts the stream into capture
//!   [`Segment`]s at packet boundaries. Decoding never holds traffic back: data payloads are
//!   passed over, not gathered;
//! - in sharing mode a [`Share`] owns the camera session (an [`Initiator`](crate::Initiator)
//!   towards the camera) and plays the responder towards each initiator, with its own init
//!   handshake, OpenSession answered locally, transaction ids remapped, transactions serialized
//!   on the camera in arrival order, and the camera's events fanned out.
//!
//! Like the state machines, nothing here owns a socket or a clock: a driver (such as
//! `ptpip-transport-mio`'s relay) moves the bytes and the time.

mod observer;
mod pipe;
mod record;
mod share;

pub use observer::{Observer, ObserverConfig, Segment};
pub use pipe::Pipe;
pub use record::{Direction, Item, Record};
pub use share::{Peer, Share, ShareConfig};

#[cfg(test)]
mod tests;
