//! The messages PTP/IP cameras are found by, and find hosts by — parsed and built without I/O.
//!
//! - [`ssdp`]: M-SEARCH, its answers and NOTIFY (Sony, Canon; `ptpip camera`), and the
//!   [`ssdp::HttpUrl`] of a `LOCATION`;
//! - [`description`]: UPnP device descriptions (the XML at that location), over [`http`];
//! - [`mdns`]: DNS-SD queries and answers for `_ptp._tcp` (Nikon Z, Canon EOS);
//! - [`fuji`]: the Fujifilm PC AutoSave and wireless-tether text exchanges;
//! - [`camera`]: what a camera found this way is, and how to connect to it.
//!
//! Every parser is a pure function: bytes in, a typed value or a [`ParseError`] out, no I/O and
//! no panic, whatever the bytes (each is fuzzed: `fuzz/fuzz_targets/discovery.rs`). The network
//! code that uses them (in the `ptpip` CLI) logs a parse error at debug level and goes on
//! listening.
//!
//! Why a crate of its own rather than a module of `ptpip-protocol`: that crate is the PTP/IP
//! codec and state machines with three small dependencies; discovery is a different family of
//! protocols (HTTP-shaped text, XML, DNS) that needs an XML parser and a DNS codec, which the
//! codec's users should not have to build. It depends on `ptpip-protocol` only for
//! [`Dialect`](ptpip_protocol::Dialect) and [`Ports`](ptpip_protocol::Ports).
#![forbid(unsafe_code)]
#![cfg_attr(not(fuzzing), warn(missing_docs))]

pub mod camera;
pub mod description;
mod error;
pub mod fuji;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod head;
pub mod http;
pub mod mdns;
pub mod ssdp;

pub use error::{ErrorKind, ParseError};

/// The crate README's examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
