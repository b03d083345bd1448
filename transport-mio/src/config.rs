//! Where to connect. The ports, the error type and the data sinks are shared with
//! `ptpip-transport-std` ([`ptpip_protocol::calls`]), so that both transports feel the same.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use ptpip_protocol::calls::{CancelToken, Ports};
use ptpip_protocol::initiator::InitiatorConfig;
use ptpip_protocol::packet::Dialect;
use ptpip_protocol::{FriendlyName, Guid};

/// Where and how to connect: the same fields, with the same meaning, as
/// `ptpip_transport_std::ClientConfig`.
///
/// [`connect_timeout`](Self::connect_timeout) and [`cancel`](Self::cancel) are for the blocking
/// [`Client::connect`](crate::Client::connect); [`MioClient`](crate::MioClient) keeps no timer of
/// its own and makes one attempt, bounded by the state machine's
/// [`init_timeout`](InitiatorConfig::init_timeout).
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Host name or address of the camera. A name is resolved with the system resolver, which
    /// blocks: pass an address to keep [`MioClient::connect`](crate::MioClient::connect) from
    /// blocking at all.
    pub host: String,
    /// Its ports ([`Ports::for_dialect`] unless told otherwise).
    pub ports: Ports,
    /// How long [`Client::connect`](crate::Client::connect) keeps trying to connect (retrying
    /// "connection refused"), the init handshake included.
    pub connect_timeout: Duration,
    /// Cancels [`Client::connect`](crate::Client::connect)'s connect loop.
    pub cancel: CancelToken,
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
            connect_timeout: Duration::from_secs(10),
            cancel: CancelToken::new(),
            initiator: InitiatorConfig::new(Guid::from(uuid::Uuid::new_v4()), name, dialect),
        }
    }

    /// The addresses of the command and event connections.
    /// The host may be an IPv4 or IPv6 address (`::1`, or `[::1]` as URLs write it) or a name;
    /// both connections go to the same address.
    pub(crate) fn resolve(&self) -> io::Result<(SocketAddr, SocketAddr)> {
        let host = self
            .host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(&self.host);
        let one = |port: u16| {
            (host, port).to_socket_addrs()?.next().ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{}: no address", self.host),
                )
            })
        };
        let command = one(self.ports.command)?;
        Ok((command, SocketAddr::new(command.ip(), self.ports.event)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_hosts_bare_or_in_brackets_resolve_to_one_address() {
        for host in ["::1", "[::1]", "127.0.0.1"] {
            let mut c = ClientConfig::new(host, Dialect::Generic);
            c.ports.command = 1;
            c.ports.event = 2;
            let (command, event) = c.resolve().unwrap();
            assert_eq!(command.ip(), event.ip(), "{host}");
            assert_eq!((command.port(), event.port()), (1, 2), "{host}");
        }
    }
}
