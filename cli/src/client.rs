//! The transport the client commands run on (`--transport std|mio`, `[initiator] transport`,
//! `PTPIP_TRANSPORT`): [`Client`] is either driver's blocking `Client`, [`LiveView`] either
//! driver's live-view reader. Both drivers have the same calls under the same names; this only
//! picks one, so every command's output is the same on both.

use std::io;
use std::time::Duration;

use bytes::Bytes;
use ptpip_protocol::calls::{Calls, ClientError, DataSink};
use ptpip_protocol::fuji::{IntervalStats, LiveViewRead, LiveViewStats};
use ptpip_protocol::initiator::{Completion, Initiator, Operation};
use ptpip_protocol::{DeviceEvent, OperationCode, Quirk};

/// Where and how to connect, whichever the transport: both drivers' `ClientConfig`s have the
/// same fields, and this one is handed to the mio driver field by field ([`mio_config`]).
pub(crate) use ptpip_transport_std::ClientConfig;

/// The environment variable that picks the transport when `--transport` does not.
pub(crate) const TRANSPORT_ENV: &str = "PTPIP_TRANSPORT";

/// A driver of the client commands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Transport {
    /// `ptpip-transport-std`: blocking sockets, a reader thread for the event connection.
    #[default]
    Std,
    /// `ptpip-transport-mio`: one thread, a `mio::Poll`.
    Mio,
}

impl Transport {
    /// The name the options and the logs use.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Std => "std",
            Self::Mio => "mio",
        }
    }

    /// What [`TRANSPORT_ENV`] asks for, if it is set.
    pub(crate) fn from_env() -> Result<Option<Self>, String> {
        match std::env::var(TRANSPORT_ENV) {
            Ok(v) if !v.trim().is_empty() => crate::values::parse_transport(&v)
                .map(Some)
                .map_err(|e| format!("{TRANSPORT_ENV}: {e}")),
            _ => Ok(None),
        }
    }
}

/// The mio driver's configuration with the same values.
pub(crate) fn mio_config(c: ClientConfig) -> ptpip_transport_mio::ClientConfig {
    let ClientConfig {
        host,
        ports,
        connect_timeout,
        cancel,
        initiator,
    } = c;
    let mut m = ptpip_transport_mio::ClientConfig::new(host, initiator.dialect);
    m.ports = ports;
    m.connect_timeout = connect_timeout;
    m.cancel = cancel;
    m.initiator = initiator;
    m
}

/// A connected session on either transport (each driver is boxed: they are large, and of
/// different sizes).
#[derive(Debug)]
pub(crate) enum Client {
    /// On `ptpip-transport-std`.
    Std(Box<ptpip_transport_std::Client>),
    /// On `ptpip-transport-mio`.
    Mio(Box<ptpip_transport_mio::Client>),
}

/// The same call on whichever driver `$client` holds.
macro_rules! either {
    ($client:expr, $c:ident => $call:expr) => {
        match $client {
            Client::Std($c) => $call,
            Client::Mio($c) => $call,
        }
    };
}

impl Client {
    /// Connects through `transport` (retrying "connection refused" within the connect timeout,
    /// as both drivers do).
    pub(crate) fn connect(transport: Transport, config: ClientConfig) -> Result<Self, ClientError> {
        log::debug!("connecting through the {} transport", transport.name());
        Ok(match transport {
            Transport::Std => Self::Std(Box::new(ptpip_transport_std::Client::connect(config)?)),
            Transport::Mio => Self::Mio(Box::new(ptpip_transport_mio::Client::connect(
                mio_config(config),
            )?)),
        })
    }

    /// The transport this session runs on.
    pub(crate) const fn transport(&self) -> Transport {
        match self {
            Self::Std(_) => Transport::Std,
            Self::Mio(_) => Transport::Mio,
        }
    }

    /// The state machine.
    pub(crate) const fn initiator(&self) -> &Initiator {
        match self {
            Self::Std(c) => c.initiator(),
            Self::Mio(c) => c.initiator(),
        }
    }

    /// Makes calls stop once `check` turns true (the drivers' `set_interrupt`).
    pub(crate) fn set_interrupt(
        &mut self,
        check: Option<Box<dyn Fn() -> bool + Send>>,
        grace: Duration,
    ) {
        either!(self, c => c.set_interrupt(check, grace));
    }

    /// Runs an operation and reports every packet received meanwhile (the drivers'
    /// `raw_tapped`).
    pub(crate) fn raw_tapped(
        &mut self,
        code: OperationCode,
        params: &[u32],
        data_out: Option<Bytes>,
        limit: usize,
        on_packet: &mut dyn FnMut(&Bytes, u64),
    ) -> Result<Completion, ClientError> {
        either!(self, c => c.raw_tapped(code, params, data_out, limit, on_packet))
    }

    /// Closes gracefully.
    pub(crate) fn close(self) -> Result<(), ClientError> {
        either!(self, c => c.close())
    }
}

impl Calls for Client {
    fn run(&mut self, op: Operation, sink: &mut dyn DataSink) -> Result<Completion, ClientError> {
        either!(self, c => c.run(op, sink))
    }

    fn run_upload(
        &mut self,
        op: Operation,
        reader: &mut dyn io::Read,
        len: u64,
    ) -> Result<Completion, ClientError> {
        either!(self, c => c.run_upload(op, reader, len))
    }

    fn next_event(
        &mut self,
        timeout: Option<Duration>,
    ) -> Result<Option<DeviceEvent>, ClientError> {
        either!(self, c => c.next_event(timeout))
    }

    fn tolerated(&mut self, quirk: Quirk) {
        either!(self, c => c.tolerated(quirk));
    }
}

/// The Fujifilm live-view port on either transport.
#[derive(Debug)]
pub(crate) enum LiveView {
    /// On `ptpip-transport-std`.
    Std(ptpip_transport_std::LiveView),
    /// On `ptpip-transport-mio`.
    Mio(ptpip_transport_mio::LiveView),
}

impl LiveView {
    /// Connects to `host:port` within `timeout`, retrying "connection refused" meanwhile.
    pub(crate) fn connect(
        transport: Transport,
        host: &str,
        port: u16,
        timeout: Duration,
    ) -> io::Result<Self> {
        Ok(match transport {
            Transport::Std => {
                Self::Std(ptpip_transport_std::LiveView::connect(host, port, timeout)?)
            }
            Transport::Mio => {
                Self::Mio(ptpip_transport_mio::LiveView::connect(host, port, timeout)?)
            }
        })
    }

    /// The next frame (or broken frame), waiting up to `wait` for bytes.
    pub(crate) fn next(&mut self, wait: Duration) -> io::Result<LiveViewRead> {
        match self {
            Self::Std(l) => l.next(wait),
            Self::Mio(l) => l.next(wait),
        }
    }

    /// The counts since the stream started.
    pub(crate) fn stats(&self) -> LiveViewStats {
        match self {
            Self::Std(l) => l.stats(),
            Self::Mio(l) => l.stats(),
        }
    }

    /// The counts since the last call.
    pub(crate) fn take_interval(&mut self) -> IntervalStats {
        match self {
            Self::Std(l) => l.take_interval(),
            Self::Mio(l) => l.take_interval(),
        }
    }
}

#[cfg(test)]
mod tests {
    use ptpip_protocol::Dialect;

    use super::*;

    #[test]
    fn the_mio_config_carries_every_value() {
        let mut c = ClientConfig::new("10.0.0.7", Dialect::Fuji);
        c.ports.command = 1000;
        c.connect_timeout = Duration::from_millis(1234);
        c.initiator.response_timeout = Duration::from_secs(77);
        let guid = c.initiator.guid;
        let cancel = c.cancel.clone();
        let m = mio_config(c);
        assert_eq!(m.host, "10.0.0.7");
        assert_eq!(m.ports.command, 1000);
        assert_eq!(m.connect_timeout, Duration::from_millis(1234));
        assert_eq!(m.initiator.response_timeout, Duration::from_secs(77));
        assert_eq!(m.initiator.guid, guid);
        assert_eq!(m.initiator.dialect, Dialect::Fuji);
        // The same token: cancelling the CLI's cancels the mio connect.
        cancel.cancel();
        assert!(m.cancel.is_cancelled());
    }
}
