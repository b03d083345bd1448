//! The Responder: the camera side of a PTP/IP session, as a sans-IO state machine.
//!
//! # Contract
//!
//! The same as the [`Initiator`](crate::Initiator)'s. The state machine owns no socket, thread or
//! clock. A driver feeds it:
//! - the attachment of a connection: [`handle_connected`](Responder::handle_connected) (the
//!   Fujifilm event connection carries no init packet, so this is how the responder learns of it);
//! - bytes read from a connection: [`handle_input`](Responder::handle_input);
//! - the end of a connection: [`handle_eof`](Responder::handle_eof);
//! - the time, when the deadline from [`poll_timeout`](Responder::poll_timeout) has passed:
//!   [`handle_timeout`](Responder::handle_timeout).
//!
//! After **every** one of these calls (and after a device raised an event, see
//! [`Device::set_waker`]) the driver drains, in this order:
//! 1. [`poll_transmit`](Responder::poll_transmit) until `None` (or until the socket is full:
//!    data is produced only as it is taken), writing each [`Transmit`] to its channel;
//! 2. [`poll_timeout`](Responder::poll_timeout), the next deadline to wake up at;
//! 3. [`poll_event`](Responder::poll_event) until `None`.
//!
//! Time: `now` must never go backwards. A spurious `handle_timeout` is harmless, and after
//! `handle_timeout(t)` the next deadline is always later than `t`. The deadlines
//! ([`ResponderConfig`]): the init handshake (a connection that never completes it, such as a
//! command connection whose event connection never comes, is closed), a stalled data-out phase
//! (the transaction fails with IncompleteTransfer), the think time (a held reply goes out), and
//! keep-alive probes on an idle event connection (an initiator that does not answer is dropped).
//!
//! What the camera *does* is a [`Device`]; the responder handles framing, the init handshake,
//! the session, probes, cancels and data phases.
//!
//! It also judges the initiator: breaches of the protocol (a reused transaction id, a data phase
//! an operation does not have, …) are answered as ISO 15740 says where it says, and every one is
//! reported as a [`Violation`] ([`ResponderEvent::Violation`]); see [`conformance`].
//!
//! Probe_Request is answered on whichever channel it comes and in any state (before the
//! Init_Command_Request, during a data phase). A Cancel, or a CancelTransaction event (0x4001)
//! on the event channel, stops a data-in phase at the next packet boundary and ends the
//! transaction with TransactionCancelled; the session carries on. A driver must therefore keep
//! reading the command channel while it writes a data-in phase ([`Responder::is_sending_data`]).
//!
//! One responder serves one initiator: its command/data connection and its event connection.
//! Data the device sends is pulled from its [`DataSource`] only as the command channel's queue
//! drains below [`ResponderConfig::send_window`], so a driver that polls transmits only while the
//! socket is writable sends objects of any size in constant memory.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use bytes::BytesMut;
//! use ptpip_protocol::packet::{InitCommandRequest, Packet};
//! use ptpip_protocol::responder::{Reply, Request, Responder, ResponderConfig, ResponderEvent};
//! use ptpip_protocol::{Channel, Dialect, Encode, Error, FriendlyName, Guid, Timer};
//!
//! struct Nothing;
//! impl ptpip_protocol::responder::Device for Nothing {
//!     fn operation(&mut self, _: &Request) -> Reply {
//!         Reply::Respond(ptpip_protocol::responder::Response::OK)
//!     }
//!     fn data_out(&mut self, _: &Request, _: &[u8]) {}
//!     fn data_out_done(&mut self, _: &Request, _: u64) -> ptpip_protocol::responder::Response {
//!         ptpip_protocol::responder::Response::OK
//!     }
//! }
//!
//! let name = FriendlyName::new("doc").unwrap();
//! let mut cam = Responder::new(ResponderConfig::new(Guid([2; 16]), name.clone(), Dialect::Generic), Nothing);
//! let mut now = Instant::now();
//! let req = Packet::InitCommandRequest(InitCommandRequest::new(Guid([1; 16]), name)).to_bytes();
//! cam.handle_input(now, Channel::Command, BytesMut::from(&req[..])).unwrap();
//! assert_eq!(cam.poll_transmit().unwrap().channel, Channel::Command); // Init_Command_Ack
//! // The event connection never comes: the init deadline closes the connection, once.
//! now = cam.poll_timeout().unwrap();
//! cam.handle_timeout(now);
//! assert!(matches!(cam.poll_event(), Some(ResponderEvent::InitiatorConnected { .. })));
//! assert_eq!(
//!     cam.poll_event(),
//!     Some(ResponderEvent::ConnectionLost { reason: Error::TimedOut(Timer::Init) })
//! );
//! assert!(cam.poll_timeout().is_none());
//! ```

mod accept;
pub mod conformance;
mod device;
mod inbound;
mod outbound;
#[cfg(test)]
mod tests;
mod timers;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

pub use accept::{
    ConnectionKind, ConnectionSorter, classify_connection, unknown_connection_refusal,
};
pub use conformance::{Violation, ViolationKind, ViolationOutcome, ViolationPacket};
pub use device::{DataSource, Device, DeviceWaker, PatternSource, Reply, Request, Response};

use crate::channel::{Channel, LinkState, OutQueue, Reader, Transmit};
use crate::deframer::{DeframerConfig, Framing};
use crate::error::Error;
use crate::packet::Dialect;
use crate::timer::{Timer, TimerTable};
use crate::types::{
    ConnectionNumber, FriendlyName, Guid, ProtocolVersion, SessionId, TransactionId,
};
use conformance::TidSequence;

/// How the responder frames the data it sends (generic dialect). Cameras differ, and initiators
/// must accept all three.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DataInFraming {
    /// Start_Data, Data packets, and End_Data carrying the last piece (the standard form).
    #[default]
    DataThenEnd,
    /// Start_Data and one End_Data carrying everything.
    SingleEnd,
    /// Start_Data, Data packets, and an empty End_Data.
    EmptyEnd,
}

/// A responder's identity and limits.
#[derive(Clone, Debug)]
pub struct ResponderConfig {
    /// Our GUID, sent in Init_Command_Ack.
    pub guid: Guid,
    /// Our friendly name.
    pub friendly_name: FriendlyName,
    /// The protocol version we announce.
    pub version: ProtocolVersion,
    /// Standard PTP/IP or the Fujifilm dialect.
    pub dialect: Dialect,
    /// The connection number given to the initiator.
    pub connection_number: ConnectionNumber,
    /// How data-in phases are framed.
    pub data_in_framing: DataInFraming,
    /// The largest payload of one outgoing Data packet (or one continuation piece).
    pub max_data_packet: usize,
    /// Outgoing bytes allowed to wait in the command channel's queue. Data is framed one packet
    /// ahead at most (`max_data_packet`, if smaller), so that a Cancel stops it within a packet;
    /// a packet's payload is queued as the device made it, not copied.
    pub send_window: usize,
    /// The largest control packet accepted from the initiator.
    pub max_control_len: u32,
    /// The camera's think time: how long the reply to every operation is held back, as a real
    /// body's firmware takes milliseconds per request (zero: reply at once). The responder
    /// reports [`ResponderEvent::ReplyDelayed`] and holds the reply until its deadline
    /// ([`Responder::poll_timeout`]) passes, or the driver calls [`Responder::release_reply`].
    /// Probes and cancels are still handled meanwhile, and nothing is blocked, so a server's
    /// other sessions never wait.
    pub think: Duration,
    /// How long an initiator has to complete the init handshake, counted from the first call
    /// that gives the responder the time: the Init_Command_Request and, in the generic dialect,
    /// the Init_Event_Request on the event connection. A connection still half-open then is
    /// closed ([`ResponderEvent::ConnectionLost`] with [`Timer::Init`]). The Fujifilm event
    /// connection, which carries no init packet, is not waited for.
    pub init_timeout: Duration,
    /// How long a data-out phase may go without a byte from the initiator on the command
    /// connection. The transaction then fails with IncompleteTransfer (reported as a
    /// [`ViolationKind::DataOutStalled`]); data that still comes for it is discarded.
    pub data_timeout: Duration,
    /// After this long without input from the initiator, send a Probe_Request on the event
    /// connection (`None`: never). Generic dialect only: Fujifilm bodies have no probes.
    pub keep_alive: Option<Duration>,
    /// How long a keep-alive probe may go unanswered before the initiator is declared gone
    /// ([`ResponderEvent::ConnectionLost`] with [`Timer::Probe`]).
    pub probe_timeout: Duration,
}

impl ResponderConfig {
    /// A configuration with sensible defaults.
    #[must_use]
    pub fn new(guid: Guid, friendly_name: FriendlyName, dialect: Dialect) -> Self {
        Self {
            guid,
            friendly_name,
            version: ProtocolVersion::V1_0,
            dialect,
            connection_number: ConnectionNumber(1),
            data_in_framing: DataInFraming::default(),
            max_data_packet: 256 << 10,
            send_window: 1 << 20,
            max_control_len: DeframerConfig::DEFAULT_MAX_CONTROL_LEN,
            think: Duration::ZERO,
            init_timeout: Duration::from_secs(10),
            data_timeout: Duration::from_secs(30),
            keep_alive: None,
            probe_timeout: Duration::from_secs(5),
        }
    }
}

/// What a [`Responder`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponderEvent {
    /// An initiator was accepted.
    InitiatorConnected {
        /// Its GUID.
        guid: Guid,
        /// Its friendly name.
        friendly_name: FriendlyName,
    },
    /// An initiator was refused with Init_Fail.
    InitiatorRefused {
        /// Its GUID.
        guid: Guid,
    },
    /// OpenSession succeeded.
    SessionOpened(SessionId),
    /// CloseSession succeeded.
    SessionClosed,
    /// The initiator said goodbye (the Fujifilm terminator) or closed the command connection
    /// between transactions.
    Closed,
    /// The connection failed; reported once.
    ConnectionLost {
        /// Why.
        reason: Error,
    },
    /// The initiator broke the protocol; what it did and what the responder did about it.
    Violation(Violation),
    /// The reply to `transaction` is held for the think time ([`ResponderConfig::think`]): it
    /// goes out when `delay` has passed (the deadline of [`Responder::poll_timeout`]), or when the
    /// driver calls [`Responder::release_reply`].
    ReplyDelayed {
        /// The transaction whose reply waits.
        transaction: TransactionId,
        /// How long it waits.
        delay: Duration,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    AwaitCommandRequest,
    AwaitEventRequest,
    Ready,
    Closed,
    Failed(Error),
}

/// The device's data going out.
struct Sending {
    source: Box<dyn DataSource>,
    response: Response,
    total: Option<u64>,
    sent: u64,
    /// Bytes of an open packet (single End_Data, or the Fujifilm container) still to send.
    open_packet: Option<u64>,
    started: bool,
    /// The trailing empty End_Data is still due.
    empty_end_due: bool,
}

/// The initiator's data coming in.
#[derive(Default)]
struct Receiving {
    started: bool,
    total: Option<u64>,
    received: u64,
    in_packet: Option<bool>,
    /// After an event-channel Cancel, or a refused request: the data is dropped.
    discarding: bool,
    /// The device already answered (data-out refused early); send this after the data.
    preset: Option<Response>,
}

enum Phase {
    Sending(Sending),
    Receiving(Receiving),
    /// Only the response is left to send (held for the think time until then).
    Responding(Response),
}

struct Transaction {
    request: Request,
    phase: Phase,
    cancelled: bool,
    /// The reply waits for [`Responder::release_reply`] (the think time).
    held: bool,
}

/// The camera side of a PTP/IP session. See the [module docs](self).
pub struct Responder<D: Device> {
    device: D,
    config: ResponderConfig,
    state: State,
    readers: [Reader; 2],
    out: [OutQueue; 2],
    links: [LinkState; 2],
    session: Option<SessionId>,
    current: Option<Transaction>,
    events: VecDeque<ResponderEvent>,
    /// The transaction-id sequence of the open session.
    tids: TidSequence,
    /// Fujifilm: between the Init_Command_Ack and the first container, PTP/IP packets (a repeated
    /// Init_Command_Request, a Probe_Request) may still come on the command channel; command
    /// bytes wait in `staged` until it is clear which framing they are in.
    fuji_init_window: bool,
    staged: BytesMut,
    /// Command-channel control packets waiting for an open data-in packet to close.
    deferred: Vec<Bytes>,
    /// The data packet being read belongs to no data-out phase: its payload is dropped.
    discarding_packet: bool,
    /// The transaction of stray data already reported (its further packets are dropped quietly).
    stray: Option<TransactionId>,
    /// The deadlines (see the [module docs](self)).
    timers: TimerTable,
}

impl<D: Device> std::fmt::Debug for Responder<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Responder")
            .field("state", &self.state)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl<D: Device> Responder<D> {
    /// A responder waiting for an Init_Command_Request.
    #[must_use]
    pub fn new(config: ResponderConfig, device: D) -> Self {
        let deframer = DeframerConfig {
            framing: Framing::PtpIp,
            dialect: config.dialect,
            max_control_len: config.max_control_len,
            ..DeframerConfig::default()
        };
        Self {
            device,
            readers: [Reader::new(deframer), Reader::new(deframer)],
            out: Default::default(),
            links: Default::default(),
            state: State::AwaitCommandRequest,
            session: None,
            current: None,
            events: VecDeque::new(),
            tids: TidSequence::default(),
            fuji_init_window: false,
            staged: BytesMut::new(),
            deferred: Vec::new(),
            discarding_packet: false,
            stray: None,
            timers: TimerTable::default(),
            config,
        }
    }

    /// The device.
    pub fn device(&self) -> &D {
        &self.device
    }

    /// The device, mutably (to inject events, say).
    pub fn device_mut(&mut self) -> &mut D {
        &mut self.device
    }

    /// Gives the device the driver's waker (see [`DeviceWaker`]): a device that raises events on
    /// its own then wakes the driver, which drains [`poll_transmit`](Self::poll_transmit).
    pub fn set_waker(&mut self, waker: DeviceWaker) {
        self.device.set_waker(waker);
    }

    /// The open session.
    #[must_use]
    pub const fn session(&self) -> Option<SessionId> {
        self.session
    }

    /// Whether the session is over (goodbye received, or failed).
    #[must_use]
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed | State::Failed(_))
    }

    /// Whether the driver should read `channel` now.
    #[must_use]
    pub fn wants_read(&self, channel: Channel) -> bool {
        !self.is_closed() && (channel == Channel::Command || self.links[1] == LinkState::Open)
    }

    /// Whether there is something to write to `channel`.
    #[must_use]
    pub fn wants_write(&self, channel: Channel) -> bool {
        !self.out[channel.index()].is_empty()
            || (channel == Channel::Command
                && self.current.as_ref().is_some_and(|t| {
                    !t.held && matches!(t.phase, Phase::Sending(_) | Phase::Responding(_))
                }))
    }

    /// Whether a data-in phase is under way: the responder is producing data for the command
    /// channel. A driver must keep reading the command channel meanwhile (between writes, or on
    /// another thread), since a Cancel or a Probe_Request may come at any moment.
    #[must_use]
    pub fn is_sending_data(&self) -> bool {
        !self.is_closed()
            && self
                .current
                .as_ref()
                .is_some_and(|t| !t.held && matches!(t.phase, Phase::Sending(_)))
    }

    /// Lets the reply to `transaction`, held for the think time, go out before its deadline
    /// (see [`ResponderConfig::think`]). Does nothing for any other transaction, or when no
    /// reply is held.
    pub fn release_reply(&mut self, transaction: TransactionId) {
        if let Some(t) = self
            .current
            .as_mut()
            .filter(|t| t.request.transaction == transaction)
        {
            t.held = false;
            self.timers.stop(Timer::Think);
        }
    }

    /// Tells the responder a connection was attached: the Fujifilm event connection carries no
    /// init packet, so a server calls this when it pairs the event socket. A driver that accepts
    /// the command connection itself calls it too, so that the init deadline starts then.
    pub fn handle_connected(&mut self, now: Instant, channel: Channel) {
        if self.links[channel.index()] == LinkState::Unopened {
            self.links[channel.index()] = LinkState::Open;
        }
        self.sync_timers(now);
    }

    /// Reports that `channel` ended.
    pub fn handle_eof(&mut self, now: Instant, channel: Channel) {
        self.links[channel.index()] = LinkState::Eof;
        if !self.is_closed() {
            if channel == Channel::Command && self.current.is_none() {
                self.state = State::Closed;
                self.events.push_back(ResponderEvent::Closed);
            } else {
                self.fail(Error::ChannelClosed(channel));
            }
        }
        self.sync_timers(now);
    }

    /// The next thing to report.
    pub fn poll_event(&mut self) -> Option<ResponderEvent> {
        self.events.pop_front()
    }

    /// The next bytes to write: queued packets first, then device events, then the next piece of
    /// a data-in phase while the command queue is below the window. During a data-in phase the
    /// event channel goes first, so that its events and probe answers do not wait for the end of
    /// a large object. After a refusal (Init_Fail) the last packet still comes out here; after a
    /// failure nothing does.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        let order = if self.is_sending_data() {
            [Channel::Event, Channel::Command]
        } else {
            Channel::ALL
        };
        if !self.is_closed() {
            self.pump_device_events();
            // One packet at a time (its header and its payload may be two transmits), so that
            // a Cancel stops the data within a packet.
            let window = self.config.send_window.min(self.config.max_data_packet);
            if self.out[0].bytes() < window
                && let Err(e) = self.pump_data()
            {
                self.fail(e);
                return None;
            }
        }
        for channel in order {
            if let Some(payload) = self.out[channel.index()].pop() {
                return Some(Transmit { channel, payload });
            }
        }
        None
    }

    /// Reports a violation.
    fn violation(&mut self, v: Violation) {
        self.events.push_back(ResponderEvent::Violation(v));
    }

    fn fail(&mut self, e: Error) {
        if self.is_closed() {
            return;
        }
        if let Some(v) = Violation::from_fatal(&e) {
            self.violation(v);
        }
        self.state = State::Failed(e.clone());
        for q in &mut self.out {
            q.clear();
        }
        self.current = None;
        self.timers.stop_all();
        self.events
            .push_back(ResponderEvent::ConnectionLost { reason: e });
    }
}
