//! Where to connect. The ports, the error type and the data sinks are shared with
//! `ptpip-transport-std` ([`ptpip_protocol::calls`]), so that both transports feel the same.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

use ptpip_protocol::calls::Ports;
use ptpip_protocol::initiator::InitiatorConfig;
use ptpip_protocol::packet::Dialect;
use ptpip_protocol::{FriendlyName, Guid};

/// Where and how to connect.
///
/// Unlike the blocking client there is no connect timeout or retry here: this driver keeps no
/// timer of its own. The state machine's [`init_timeout`](InitiatorConfig::init_timeout) bounds
/// the TCP connect and the init handshake together.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Host name or address of the camera. A name is resolved with the system resolver, which
    /// blocks: pass an address to keep [`MioClient::connect`](crate::MioClient::connect) from
    /// blocking at all.
    pub host: String,
    /// Its ports ([`Ports::for_dialect`] unless told otherwise).
    pub ports: Ports,
    /// The state machine's settings: GUID, name, dialect, timeouts, windows.
    pub initiator: InitiatorConfig,
}

impl ClientConfig {
    /// A configuration for `host` with a random GUID and the dialect's default ports.
    #[must_use]
    pub fn new(host: impl Into<String>, dialect: Dialect) -> Self {
        let name = FriendlyName::new("ptpip").expect("a valid name");
        Self {
            host: host.into(),
            ports: Ports::for_dialect(dialect),
            initiator: InitiatorConfig::new(Guid::from(uuid::Uuid::new_v4()), name, dialect),
        }
    }

    /// The addresses of the command and event connections.
    pub(crate) fn resolve(&self) -> io::Result<(SocketAddr, SocketAddr)> {
        let one = |port: u16| {
            (self.host.as_str(), port)
                .to_socket_addrs()?
                .next()
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::NotFound,
                        format!("{}: no address", self.host),
                    )
                })
        };
        Ok((one(self.ports.command)?, one(self.ports.event)?))
    }
}
