//! What goes into and comes out of an [`Initiator`](super::Initiator).

use std::time::Duration;

use bytes::Bytes;

use crate::error::Error;
use crate::fuji::FujiMode;
use crate::packet::{Dialect, InitRequestLayout};
use crate::ptp::codes::{EventCode, OperationCode, ResponseCode};
use crate::types::{
    ConnectionNumber, FriendlyName, Guid, Params, ProtocolVersion, SessionId, TransactionId,
};

/// How an [`Initiator`](super::Initiator) identifies itself and how patient it is.
#[derive(Clone, Debug)]
pub struct InitiatorConfig {
    /// Our GUID, sent in Init_Command_Request. Cameras that pair (Fujifilm, Sony) remember it.
    pub guid: Guid,
    /// Our friendly name, shown on the camera.
    pub friendly_name: FriendlyName,
    /// Standard PTP/IP or the Fujifilm dialect.
    pub dialect: Dialect,
    /// The Init_Command_Request layout for the Fujifilm dialect ([`InitRequestLayout::FujiFixed`],
    /// the 82-byte form every Fuji body accepts, unless told otherwise). Ignored for the generic
    /// dialect.
    pub fuji_layout: InitRequestLayout,
    /// The SessionID sent in OpenSession.
    pub session_id: SessionId,
    /// Fujifilm: the mode to ask the camera for (remote shooting, browsing, geotagging).
    pub fuji_mode: FujiMode,
    /// Fujifilm: the value written back to 0xDF24 (AppVersion) during a remote-mode set-up;
    /// `None` echoes the value the camera reports. Values seen from clients: 0x00020001 (the
    /// X-T1's own), 0x00020004, 0x000200FF (hkr's tool), 0x0002000C (libfuji).
    pub fuji_app_version: Option<u32>,
    /// How long each init packet may take to be answered.
    pub init_timeout: Duration,
    /// How long the responder may stay silent during a transaction.
    pub response_timeout: Duration,
    /// Fujifilm: how long the user has to accept the connection on the camera.
    pub pairing_timeout: Duration,
    /// After this long without input, check that the responder is still there (`None`: never),
    /// the way [`keep_alive_method`](Self::keep_alive_method) says.
    pub keep_alive: Option<Duration>,
    /// How the keep-alive checks the responder: a Probe_Request, or an operation for cameras that
    /// drop sessions which only probe (and for Fujifilm bodies, which have no probes).
    pub keep_alive_method: KeepAliveMethod,
    /// How long a probe may go unanswered before the responder is declared gone.
    pub probe_timeout: Duration,
    /// How long CloseSession may take during a graceful close.
    pub close_timeout: Duration,
    /// Received data bytes the application may leave undrained (in `DataChunk` events) before
    /// [`wants_read`](super::Initiator::wants_read) turns false for the command channel.
    pub recv_high_water: usize,
    /// Outgoing bytes that may wait in the command channel's queue; `send_data` accepts data up to
    /// this window.
    pub send_window: usize,
    /// The largest payload one outgoing Data packet carries.
    pub max_data_packet: usize,
    /// Operations that may wait behind the one in progress.
    pub max_queued_operations: usize,
    /// The largest control packet accepted from the responder.
    pub max_control_len: u32,
    /// Report every packet received as [`Event::PacketReceived`], keeping at most this many bytes
    /// of each (`None`: off). For tools that show the traffic.
    pub tap: Option<usize>,
}

impl InitiatorConfig {
    /// A configuration with sensible defaults for `guid` and `friendly_name`.
    #[must_use]
    pub fn new(guid: Guid, friendly_name: FriendlyName, dialect: Dialect) -> Self {
        Self {
            guid,
            friendly_name,
            dialect,
            fuji_layout: InitRequestLayout::FujiFixed,
            session_id: SessionId(1),
            fuji_mode: FujiMode::Remote,
            fuji_app_version: None,
            init_timeout: Duration::from_secs(10),
            response_timeout: Duration::from_secs(30),
            pairing_timeout: Duration::from_secs(30),
            keep_alive: None,
            keep_alive_method: KeepAliveMethod::Probe,
            probe_timeout: Duration::from_secs(5),
            close_timeout: Duration::from_secs(5),
            recv_high_water: 8 << 20,
            send_window: 1 << 20,
            max_data_packet: 256 << 10,
            max_queued_operations: 64,
            max_control_len: crate::DeframerConfig::DEFAULT_MAX_CONTROL_LEN,
            tap: None,
        }
    }
}

/// How an idle session is kept alive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum KeepAliveMethod {
    /// A Probe_Request on the event connection (DC-X005). Fujifilm bodies have no probes: there
    /// this means [`GetDeviceInfo`](Self::GetDeviceInfo).
    #[default]
    Probe,
    /// A GetDeviceInfo operation, which any camera answers in or out of a session. Some cameras
    /// close sessions that see nothing but probes for a while.
    GetDeviceInfo,
}

/// A step of the Fujifilm remote-mode set-up that the camera did not go along with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetupProblem {
    /// The camera answered the step with this response code.
    Refused(ResponseCode),
    /// The camera answered a property read with no value at all.
    EmptyValue,
    /// The camera answered a property read with a value of the wrong size.
    BadValue {
        /// The bytes the value should have.
        expected: usize,
        /// The bytes it had.
        got: usize,
    },
}

impl std::fmt::Display for SetupProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(code) => write!(f, "answered {code}"),
            Self::EmptyValue => f.write_str("answered with an empty value"),
            Self::BadValue { expected, got } => {
                write!(
                    f,
                    "answered a {got}-byte value where {expected} bytes belong"
                )
            }
        }
    }
}

/// Why a Fujifilm body is not in remote mode. The session is open all the same: device info,
/// listing and downloads work; capture, live view and settings do not.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("this camera did not enter remote mode: {step} {problem}")]
pub struct RemoteModeUnavailable {
    /// The set-up step (`SetDevicePropValue 0xDF01`, `GetDevicePropValue 0xDF24`,
    /// `InitiateOpenCapture`…).
    pub step: &'static str,
    /// What the camera did.
    pub problem: SetupProblem,
}

/// Whether an operation has a data phase, and which way.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum DataPhase {
    /// No data expected. Data the responder sends anyway is streamed as for [`DataIn::Stream`].
    #[default]
    None,
    /// Data from the responder.
    In(DataIn),
    /// Data to the responder, `len` bytes supplied later through
    /// [`send_data`](super::Initiator::send_data).
    Out {
        /// Total bytes.
        len: u64,
    },
    /// Data to the responder, all given now (SetDevicePropValue, SendObjectInfo…).
    OutBytes(Bytes),
}

/// What to do with incoming data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataIn {
    /// Hand it out as [`Event::DataChunk`]s as it arrives, never gathered (objects).
    Stream,
    /// Gather up to `max` bytes and return them in the [`Completion`] (datasets). More than `max`
    /// fails the operation with [`OperationFailure::DataTooLarge`].
    Collect {
        /// The most bytes gathered.
        max: usize,
    },
}

/// A PTP operation to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The operation code.
    pub code: OperationCode,
    /// Its parameters.
    pub params: Params,
    /// Its data phase.
    pub data: DataPhase,
}

impl Operation {
    /// An operation with up to five parameters and no data phase; `None` with more than five.
    #[must_use]
    pub fn new(code: OperationCode, params: &[u32]) -> Option<Self> {
        Some(Self {
            code,
            params: Params::from_slice(params)?,
            data: DataPhase::None,
        })
    }

    /// The same operation, gathering up to `max` bytes of incoming data.
    #[must_use]
    pub fn collect(mut self, max: usize) -> Self {
        self.data = DataPhase::In(DataIn::Collect { max });
        self
    }

    /// The same operation, streaming incoming data as events.
    #[must_use]
    pub fn stream(mut self) -> Self {
        self.data = DataPhase::In(DataIn::Stream);
        self
    }

    /// The same operation, sending `len` bytes given later through `send_data`.
    #[must_use]
    pub fn send_len(mut self, len: u64) -> Self {
        self.data = DataPhase::Out { len };
        self
    }

    /// The same operation, sending `data`.
    #[must_use]
    pub fn send(mut self, data: Bytes) -> Self {
        self.data = DataPhase::OutBytes(data);
        self
    }
}

/// A PTP event from the device.
///
/// Named so to keep it apart from [`Event`], what a state machine reports, and from
/// [`Channel::Event`](crate::Channel::Event), the connection device events travel on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeviceEvent {
    /// The event.
    pub code: EventCode,
    /// The transaction it relates to, if the device says.
    pub transaction: TransactionId,
    /// Its parameters (0–3 in PTP/IP, up to 5 in Fujifilm containers).
    pub params: Params,
}

/// The end of an operation: the responder's response, and the data gathered if asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The transaction.
    pub transaction: TransactionId,
    /// The operation it ran.
    pub operation: OperationCode,
    /// The response code: a result, not an error (check [`ResponseCode::is_ok`]).
    pub response: ResponseCode,
    /// Response parameters.
    pub params: Params,
    /// Data gathered under [`DataIn::Collect`] (`None` when no data phase came).
    pub data: Option<Bytes>,
}

/// Why an operation ended without a [`Completion`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OperationFailure {
    /// Incoming data exceeded the [`DataIn::Collect`] limit; the rest was discarded.
    #[error("the data phase exceeded the limit of {limit} bytes")]
    DataTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The operation was cancelled (by us or by the responder).
    #[error("the transaction was cancelled (response {0})")]
    Cancelled(ResponseCode),
    /// The session was closed before the operation was sent.
    #[error("the session closed before the operation ran")]
    Closed,
}

/// What an [`Initiator`](super::Initiator) reports, through
/// [`poll_event`](super::Initiator::poll_event).
///
/// Every variant is edge-triggered: it is reported once, when it happens.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Init_Command_Ack arrived: the responder accepted us.
    Connected {
        /// The number the responder assigned.
        connection_number: ConnectionNumber,
        /// The responder's GUID.
        guid: Guid,
        /// The responder's friendly name.
        friendly_name: FriendlyName,
        /// The responder's protocol version; `None` when the ack has none (Fujifilm bodies).
        version: Option<ProtocolVersion>,
        /// What the ack's layout departs from DC-X005 in ([`InitCommandAck::quirks`]); empty for
        /// a standard ack.
        ///
        /// [`InitCommandAck::quirks`]: crate::packet::InitCommandAck::quirks
        quirks: Vec<crate::Quirk>,
    },
    /// Fujifilm: the step that a camera holds until its user accepts the connection on its screen
    /// (the first time it sees this initiator) went out; the acceptance must come by `until`
    /// ([`InitiatorConfig::pairing_timeout`]). A camera that already knows us answers at once; if
    /// the answer takes more than a moment, tell the user.
    AwaitingConfirmation {
        /// When the wait ends with [`Timer::Pairing`](crate::Timer::Pairing).
        until: std::time::Instant,
    },
    /// Fujifilm: the camera did not go along with the remote-mode set-up; reported once, just
    /// before [`Ready`](Self::Ready). The session still serves what needs no remote mode.
    RemoteModeUnavailable(RemoteModeUnavailable),
    /// The session is open (and, for Fujifilm, the set-up sequence done): operations run.
    Ready,
    /// A streamed data phase began.
    DataStarted {
        /// The transaction.
        transaction: TransactionId,
        /// The total, unless the responder did not say.
        total_len: Option<u64>,
    },
    /// The next piece of a streamed data phase.
    DataChunk {
        /// The transaction.
        transaction: TransactionId,
        /// Where the piece starts in the object.
        offset: u64,
        /// The bytes.
        data: Bytes,
    },
    /// A streamed data phase ended.
    DataFinished {
        /// The transaction.
        transaction: TransactionId,
        /// Bytes received in all.
        len: u64,
    },
    /// A data-out transaction may take more data through `send_data`.
    SendWindowAvailable {
        /// The transaction.
        transaction: TransactionId,
    },
    /// An operation ended with a response.
    OperationComplete(Completion),
    /// An operation ended without a usable response.
    OperationFailed {
        /// The transaction.
        transaction: TransactionId,
        /// The operation.
        operation: OperationCode,
        /// Why.
        error: OperationFailure,
    },
    /// The device reported an event.
    DeviceEvent(DeviceEvent),
    /// The responder answered a keep-alive check (a probe, or the keep-alive operation).
    ProbeAnswered,
    /// A packet arrived (only with [`InitiatorConfig::tap`]); reported before what it causes.
    PacketReceived {
        /// Where it came from.
        channel: crate::Channel,
        /// Its whole length.
        total_len: u64,
        /// Its bytes, header included, cut to the tap's limit.
        bytes: Bytes,
    },
    /// A graceful close finished: the driver may close the sockets.
    Closed,
    /// The connection failed; reported once. The driver may close the sockets.
    ConnectionLost {
        /// Why.
        reason: Error,
    },
}
