//! The Initiator: the client side of a PTP/IP session, as a sans-IO state machine.
//!
//! # Contract
//!
//! The state machine owns no socket, thread or clock. A driver feeds it:
//! - bytes read from a connection: [`handle_input`](Initiator::handle_input);
//! - the end of a connection (or a failure to open it): [`handle_eof`](Initiator::handle_eof);
//! - the time, when the deadline from [`poll_timeout`](Initiator::poll_timeout) has passed:
//!   [`handle_timeout`](Initiator::handle_timeout);
//!
//! and the application gives it commands ([`execute`](Initiator::execute),
//! [`send_data`](Initiator::send_data), [`cancel`](Initiator::cancel), [`close`](Initiator::close)).
//! After **every** one of these calls the driver drains, in this order:
//! 1. [`poll_transmit`](Initiator::poll_transmit) until `None`, writing each [`Transmit`] to its
//!    channel's socket, opening that socket first if the channel is not open yet;
//! 2. [`poll_timeout`](Initiator::poll_timeout), the next deadline to wake up at;
//! 3. [`poll_event`](Initiator::poll_event) until `None`.
//!
//! Backpressure: while [`wants_read`](Initiator::wants_read) is false for a channel the driver
//! stops reading it. Undrained data chunks count against
//! [`InitiatorConfig::recv_high_water`], so a 4 GiB GetObject passes through in bounded memory
//! when the application drains events as it writes them out. A driver that can only write part of
//! a transmit keeps the rest and writes it before polling the next one.
//!
//! Time: `now` must never go backwards. A spurious `handle_timeout` is harmless, and after
//! `handle_timeout(t)` the next deadline is always later than `t`.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use ptpip_protocol::{Channel, Dialect, FriendlyName, Guid};
//! use ptpip_protocol::initiator::{Event, Initiator, InitiatorConfig};
//!
//! let name = FriendlyName::new("doc").unwrap();
//! let mut now = Instant::now();
//! let mut ini = Initiator::new(InitiatorConfig::new(Guid([7; 16]), name, Dialect::Generic), now);
//! // The first transmit is the Init_Command_Request on the command channel.
//! let t = ini.poll_transmit().unwrap();
//! assert_eq!(t.channel, Channel::Command);
//! assert!(ini.poll_transmit().is_none());
//! // Nothing answers: the init timer fires and the connection is lost, once.
//! now = ini.poll_timeout().unwrap();
//! ini.handle_timeout(now);
//! assert!(matches!(ini.poll_event(), Some(Event::ConnectionLost { .. })));
//! assert!(ini.poll_event().is_none());
//! assert!(ini.poll_timeout().is_none());
//! ```

mod fuji;
mod inbound;
mod outgoing;
mod tap;
mod trace;
mod types;

use std::collections::VecDeque;
use std::time::Instant;

use bytes::{Bytes, BytesMut};

pub use fuji::{FujiSession, VersionEcho};
pub use types::{
    Completion, DataIn, DataPhase, DeviceEvent, Event, InitiatorConfig, KeepAliveMethod, Operation,
    OperationFailure, RemoteModeUnavailable, SetupProblem,
};

use crate::channel::{Channel, LinkState, OutQueue, Reader, Transmit};
use crate::deframer::{DeframerConfig, Framing};
use crate::error::{Error, OperationError};
use crate::fuji::Container;
use crate::packet::{Dialect, InitCommandRequest, Packet};
use crate::ptp::codes::{DevicePropCode, OperationCode};
use crate::timer::{Timer, TimerTable};
use crate::types::TransactionId;

/// The log target of an operation's request going out (`→ …` at debug): the module's, as it was
/// before the request moved to `outgoing.rs`, so that filters by target keep working.
const LOG_TARGET: &str = module_path!();

/// The most DeviceInfo bytes the keep-alive operation gathers (they are thrown away; a DeviceInfo
/// is a few hundred bytes, more is simply discarded).
const KEEP_ALIVE_MAX: usize = 64 << 10;

/// Where the session is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    /// Init_Command_Request sent.
    AwaitCommandAck,
    /// Init_Event_Request sent.
    AwaitEventAck,
    /// OpenSession (and the Fujifilm set-up) running.
    Opening,
    /// Operations run.
    Ready,
    /// CloseSession sent or queued.
    Closing,
    /// Closed gracefully.
    Closed,
    /// Failed.
    Failed(Error),
}

/// Why the initiator runs an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    /// The application asked.
    User,
    /// OpenSession during set-up.
    OpenSession,
    /// Fujifilm, browse mode: read 0xDF00, the camera state.
    FujiGetCameraState,
    /// Fujifilm: write 0xDF01 (the mode), answered once the user accepts on the camera.
    FujiInitSequence,
    /// Fujifilm: read the mode's version property (0xDF24, 0xDF22, 0xDF31).
    FujiGetVersion,
    /// Fujifilm: write it back.
    FujiSetVersion,
    /// Fujifilm: InitiateOpenCapture, which opens the event port.
    FujiOpenCapture,
    /// CloseSession during a graceful close.
    CloseSession,
    /// The keep-alive operation ([`KeepAliveMethod::GetDeviceInfo`]).
    KeepAlive,
}

impl Purpose {
    /// What the debug log adds to an operation the initiator runs on its own.
    const fn note(self) -> &'static str {
        match self {
            Self::User => "",
            Self::KeepAlive => " (keep-alive)",
            Self::CloseSession => " (closing)",
            _ => " (session set-up)",
        }
    }
}

/// The data-out side of a transaction.
#[derive(Debug)]
struct Outgoing {
    len: u64,
    sent: u64,
    /// `send_data` accepted less than it was offered; report when there is room.
    blocked: bool,
}

/// The data-in side of a transaction.
#[derive(Debug, Default)]
struct Incoming {
    /// Start_Data (or a Fuji data container) seen.
    started: bool,
    /// The announced total.
    total: Option<u64>,
    received: u64,
    /// Inside a Data or End_Data packet; `true` for End_Data.
    in_packet: Option<bool>,
    /// End_Data complete.
    finished: bool,
    collected: Option<BytesMut>,
    /// Collect limit exceeded: discard the rest.
    overflowed: bool,
}

/// The transaction on the wire.
#[derive(Debug)]
struct Transaction {
    tid: TransactionId,
    op: Operation,
    purpose: Purpose,
    incoming: Incoming,
    outgoing: Option<Outgoing>,
    /// We sent a Cancel; the responder's answer ends the transaction as cancelled.
    cancelled: bool,
    /// When the request went out (for the debug log).
    started: Instant,
}

/// The client side of a PTP/IP session. See the [module docs](self) for the contract.
#[derive(Debug)]
pub struct Initiator {
    config: InitiatorConfig,
    state: State,
    readers: [Reader; 2],
    out: [OutQueue; 2],
    links: [LinkState; 2],
    timers: TimerTable,
    events: VecDeque<Event>,
    /// Bytes in undrained `DataChunk` events.
    event_bytes: usize,
    current: Option<Transaction>,
    queue: VecDeque<(TransactionId, Operation, Purpose)>,
    next_tid: TransactionId,
    /// Fujifilm: why remote mode is unavailable, if the set-up degraded.
    remote_unavailable: Option<RemoteModeUnavailable>,
    /// Fujifilm: what the set-up found.
    fuji: Option<FujiSession>,
    /// The data packet the tap is gathering.
    tapping: Option<tap::Tapping>,
}

impl Initiator {
    /// Starts a connection: queues the Init_Command_Request and arms the init timer.
    #[must_use]
    pub fn new(config: InitiatorConfig, now: Instant) -> Self {
        let deframer = |framing| DeframerConfig {
            framing,
            dialect: config.dialect,
            max_control_len: config.max_control_len,
            ..DeframerConfig::default()
        };
        let mut me = Self {
            readers: [
                Reader::new(deframer(Framing::PtpIp)),
                Reader::new(deframer(Framing::PtpIp)),
            ],
            out: Default::default(),
            links: Default::default(),
            timers: TimerTable::default(),
            events: VecDeque::new(),
            event_bytes: 0,
            current: None,
            queue: VecDeque::new(),
            next_tid: TransactionId::FIRST,
            remote_unavailable: None,
            fuji: None,
            tapping: None,
            state: State::AwaitCommandAck,
            config,
        };
        let request = match me.config.dialect {
            Dialect::Generic => {
                InitCommandRequest::new(me.config.guid, me.config.friendly_name.clone())
            }
            Dialect::Fuji => {
                let mut r =
                    InitCommandRequest::fuji(me.config.guid, me.config.friendly_name.clone());
                r.layout = me.config.fuji_layout;
                r
            }
        };
        me.send_packet(Channel::Command, &Packet::InitCommandRequest(request));
        me.timers.set(Timer::Init, now + me.config.init_timeout);
        me
    }

    /// The configuration.
    #[must_use]
    pub const fn config(&self) -> &InitiatorConfig {
        &self.config
    }

    /// Turns the packet tap ([`InitiatorConfig::tap`]) on or off from now on.
    pub fn set_tap(&mut self, limit: Option<usize>) {
        self.config.tap = limit;
        if limit.is_none() {
            self.tapping = None;
        }
    }

    /// Whether operations can run.
    #[must_use]
    pub fn is_ready(&self) -> bool {
        self.state == State::Ready
    }

    /// Whether the init handshake is over (Init_Command_Ack, and Init_Event_Ack in the generic
    /// dialect, arrived): what follows is the session set-up, then operations.
    #[must_use]
    pub fn is_initialized(&self) -> bool {
        !matches!(self.state, State::AwaitCommandAck | State::AwaitEventAck)
    }

    /// Fujifilm: whether the camera holds the set-up until its user accepts the connection
    /// (see [`Event::AwaitingConfirmation`]).
    #[must_use]
    pub fn is_awaiting_confirmation(&self) -> bool {
        self.current
            .as_ref()
            .is_some_and(|t| t.purpose == Purpose::FujiInitSequence)
    }

    /// Fujifilm: why the camera is not in remote mode, when its set-up degraded (see
    /// [`Event::RemoteModeUnavailable`]). `None` in the generic dialect and for bodies that
    /// went through the whole set-up.
    #[must_use]
    pub const fn remote_mode_unavailable(&self) -> Option<&RemoteModeUnavailable> {
        self.remote_unavailable.as_ref()
    }

    /// Fujifilm: the mode asked for and what the set-up found (the camera state, the version
    /// property echoed, what was tolerated); `None` in the generic dialect and before the set-up.
    #[must_use]
    pub const fn fuji_session(&self) -> Option<&FujiSession> {
        self.fuji.as_ref()
    }

    /// Whether the connection is over (closed gracefully or lost): nothing more will be sent.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed | State::Failed(_))
    }

    /// The fatal error, if the connection failed.
    #[must_use]
    pub fn error(&self) -> Option<&Error> {
        match &self.state {
            State::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// The transaction in progress, if any.
    #[must_use]
    pub fn current_transaction(&self) -> Option<TransactionId> {
        self.current.as_ref().map(|t| t.tid)
    }

    /// Whether the driver should read from `channel` now.
    #[must_use]
    pub fn wants_read(&self, channel: Channel) -> bool {
        if self.is_closed() {
            return false;
        }
        match channel {
            Channel::Command => {
                self.event_bytes + self.readers[0].buffered_len() < self.config.recv_high_water
            }
            Channel::Event => self.links[1] == LinkState::Open,
        }
    }

    /// Whether there are bytes waiting to be written to `channel`.
    #[must_use]
    pub fn wants_write(&self, channel: Channel) -> bool {
        !self.out[channel.index()].is_empty()
    }

    /// Bytes held for the application: undrained data chunks plus partial packets.
    #[must_use]
    pub fn buffered_bytes(&self) -> usize {
        self.event_bytes
            + self.readers.iter().map(Reader::buffered_len).sum::<usize>()
            + self
                .current
                .as_ref()
                .and_then(|t| t.incoming.collected.as_ref())
                .map_or(0, BytesMut::len)
    }

    /// The next bytes to write. See the [module docs](self) for the order of the polls.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        for channel in Channel::ALL {
            if let Some(payload) = self.out[channel.index()].pop() {
                self.trace_out(channel, &payload);
                if channel == Channel::Command {
                    self.refill_window_event();
                }
                return Some(Transmit { channel, payload });
            }
        }
        None
    }

    /// The next deadline, if any: call [`handle_timeout`](Self::handle_timeout) once it passes.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// The next thing to report.
    pub fn poll_event(&mut self) -> Option<Event> {
        let e = self.events.pop_front()?;
        if let Event::DataChunk { data, .. } = &e {
            self.event_bytes -= data.len();
        }
        Some(e)
    }

    /// Feeds bytes read from `channel`.
    ///
    /// Returns the fatal error if these bytes (or an earlier failure) ended the connection; it is
    /// also reported once as [`Event::ConnectionLost`].
    pub fn handle_input(
        &mut self,
        now: Instant,
        channel: Channel,
        data: BytesMut,
    ) -> Result<(), Error> {
        if let State::Failed(e) = &self.state {
            return Err(e.clone());
        }
        if self.state == State::Closed {
            return Ok(());
        }
        self.links[channel.index()] = LinkState::Open;
        if !self.is_initialized() && self.readers[channel.index()].buffered_len() == 0 {
            // A packet starts here: text or TLS instead means another server on the port.
            if let Some(what) = crate::error::sniff_foreign_protocol(&data) {
                let e = Error::NotPtpIp(what);
                self.fail(e.clone());
                return Err(e);
            }
        }
        self.readers[channel.index()].push(data);
        self.touch(now);
        loop {
            let next = self.readers[channel.index()].next();
            let result = match next {
                Ok(Some(item)) => self.on_inbound(now, channel, item),
                Ok(None) => break,
                Err(source) => Err(Error::Decode { channel, source }),
            };
            if let Err(e) = result {
                self.fail(e.clone());
                return Err(e);
            }
            if self.is_closed() {
                break;
            }
        }
        Ok(())
    }

    /// Reports that `channel` ended (EOF, reset, or the connection could not be opened).
    pub fn handle_eof(&mut self, _now: Instant, channel: Channel) {
        self.links[channel.index()] = LinkState::Eof;
        match self.state {
            State::Closed | State::Failed(_) => {}
            // A close that already sent CloseSession: the peer hanging up ends it as well.
            State::Closing if self.current.is_none() && self.queue.is_empty() => {
                self.finish_close()
            }
            _ => self.fail(Error::ChannelClosed(channel)),
        }
    }

    /// Handles expired deadlines; harmless when none has expired.
    pub fn handle_timeout(&mut self, now: Instant) {
        for timer in self.timers.expire(now) {
            if self.is_closed() {
                break;
            }
            match timer {
                Timer::KeepAlive => self.keep_alive(now),
                Timer::Response | Timer::Pairing if self.event_bytes > 0 => {
                    // The application has not drained what arrived: we are the slow side.
                    let wait = if timer == Timer::Pairing {
                        self.config.pairing_timeout
                    } else {
                        self.config.response_timeout
                    };
                    self.timers.set(timer, now + wait);
                }
                Timer::Close => self.fail(Error::TimedOut(Timer::Close)),
                Timer::Response => {
                    if let Some(t) = &self.current {
                        log::warn!(
                            "the camera did not answer {:?} (transaction {}) within {:?}",
                            t.op.code,
                            t.tid.0,
                            self.config.response_timeout
                        );
                    }
                    self.fail(Error::TimedOut(Timer::Response));
                }
                Timer::Pairing => {
                    log::warn!(
                        "the connection was not accepted on the camera within {:?}",
                        self.config.pairing_timeout
                    );
                    self.fail(Error::TimedOut(Timer::Pairing));
                }
                other => self.fail(Error::TimedOut(other)),
            }
        }
        debug_assert!(self.poll_timeout().is_none_or(|t| t > now));
    }

    /// Queues an operation; returns its transaction id. Refused (changing nothing) before the
    /// session is ready, after it closed, or when the queue is full.
    pub fn execute(
        &mut self,
        now: Instant,
        op: Operation,
    ) -> Result<TransactionId, OperationError> {
        match self.state {
            State::Ready => {}
            State::AwaitCommandAck | State::AwaitEventAck | State::Opening => {
                return Err(OperationError::NotReady);
            }
            State::Closing | State::Closed | State::Failed(_) => {
                return Err(OperationError::Closed);
            }
        }
        if self.queue.len() >= self.config.max_queued_operations {
            return Err(OperationError::QueueFull(self.queue.len()));
        }
        self.check_data_len(&op)?;
        let tid = self.take_tid();
        if self.current.is_none() && self.queue.is_empty() {
            // Nothing waits before it: straight onto the wire, not through the queue.
            self.begin(now, tid, op, Purpose::User);
        } else {
            self.queue.push_back((tid, op, Purpose::User));
            self.start_next(now);
        }
        Ok(tid)
    }

    /// Cancels the transaction in progress, or drops a queued one.
    ///
    /// For the transaction on the wire a Cancel packet goes to the responder on the event
    /// connection and then on the command/data connection (the responder acts once it has both;
    /// during a data-in phase only the event one can interrupt it). Data still arriving is
    /// discarded, and the transaction ends with [`OperationFailure::Cancelled`] when the response
    /// (normally TransactionCancelled) arrives. Fujifilm bodies have no Cancel packet: there the
    /// request is refused.
    pub fn cancel(&mut self, now: Instant, tid: TransactionId) -> Result<(), OperationError> {
        if self.is_closed() {
            return Err(OperationError::Closed);
        }
        if let Some(pos) = self.queue.iter().position(|(q, ..)| *q == tid) {
            let (tid, op, _) = self.queue.remove(pos).expect("position is in range");
            self.events.push_back(Event::OperationFailed {
                transaction: tid,
                operation: op.code,
                error: OperationFailure::Cancelled(crate::ResponseCode::TRANSACTION_CANCELLED),
            });
            return Ok(());
        }
        match self.current.as_mut() {
            Some(t) if t.tid == tid && t.purpose == Purpose::User => {
                if self.config.dialect == Dialect::Fuji {
                    return Err(OperationError::Invalid(
                        "Fujifilm bodies cannot cancel a transaction",
                    ));
                }
                if !t.cancelled {
                    t.cancelled = true;
                    if let Some(out) = t.outgoing.as_mut() {
                        // No more data goes out: the command-channel Cancel takes its place.
                        out.len = out.sent;
                        out.blocked = false;
                    }
                    // The event-channel Cancel reaches a responder busy sending data; the
                    // command-channel one marks where the data-out phase stopped. The responder
                    // ends the transaction with a response (TransactionCancelled).
                    let cancel = Packet::Cancel(crate::packet::Cancel::new(tid));
                    self.send_packet(Channel::Event, &cancel);
                    self.send_packet(Channel::Command, &cancel);
                    self.timers
                        .set(Timer::Response, now + self.config.response_timeout);
                }
                Ok(())
            }
            _ => Err(OperationError::UnknownTransaction(tid)),
        }
    }

    /// Closes gracefully: queued operations are dropped, the one in progress finishes, then
    /// CloseSession (and, for Fujifilm, the terminator) goes out. [`Event::Closed`] follows.
    pub fn close(&mut self, now: Instant) {
        match self.state {
            State::Closing | State::Closed | State::Failed(_) => return,
            State::Ready => {}
            State::AwaitCommandAck | State::AwaitEventAck | State::Opening => {
                self.finish_close();
                return;
            }
        }
        for (tid, op, _) in std::mem::take(&mut self.queue) {
            self.events.push_back(Event::OperationFailed {
                transaction: tid,
                operation: op.code,
                error: OperationFailure::Closed,
            });
        }
        self.state = State::Closing;
        self.timers.stop(Timer::KeepAlive);
        let close = Operation::new(OperationCode::CLOSE_SESSION, &[]).expect("no parameters");
        let tid = self.take_tid();
        self.queue.push_back((tid, close, Purpose::CloseSession));
        self.timers
            .set(Timer::Close, now + self.config.close_timeout);
        self.start_next(now);
    }

    // ----- internals -----

    fn take_tid(&mut self) -> TransactionId {
        let tid = self.next_tid;
        self.next_tid = tid.next();
        tid
    }

    fn send_packet(&mut self, channel: Channel, packet: &Packet<'_>) {
        self.out[channel.index()].push_encoded(packet);
        if self.links[channel.index()] == LinkState::Unopened {
            self.links[channel.index()] = LinkState::Open;
        }
    }

    fn send_container(&mut self, container: &Container<'_>) {
        self.out[0].push_encoded(container);
    }

    /// Notes input: the peer is alive.
    fn touch(&mut self, now: Instant) {
        self.timers.stop(Timer::Probe);
        if let Some(idle) = self.config.keep_alive
            && matches!(self.state, State::Ready)
        {
            self.timers.set(Timer::KeepAlive, now + idle);
        }
    }

    /// The session has been idle for [`InitiatorConfig::keep_alive`]: check the responder.
    fn keep_alive(&mut self, now: Instant) {
        let probe = self.config.keep_alive_method == KeepAliveMethod::Probe
            && self.config.dialect == Dialect::Generic;
        if probe {
            if self.links[1] == LinkState::Open {
                self.send_packet(Channel::Event, &Packet::ProbeRequest);
                self.timers
                    .set(Timer::Probe, now + self.config.probe_timeout);
            }
        } else if self.state == State::Ready && self.current.is_none() && self.queue.is_empty() {
            // Its response timer stands in for the probe timer.
            let op = Operation::new(OperationCode::GET_DEVICE_INFO, &[])
                .expect("no parameters")
                .collect(KEEP_ALIVE_MAX);
            self.queue_internal(now, op, Purpose::KeepAlive);
        }
    }

    /// Ends the transaction in progress and starts the next.
    fn finish_transaction(&mut self, now: Instant) -> Option<Transaction> {
        let t = self.current.take();
        self.timers.stop(Timer::Response);
        self.timers.stop(Timer::Pairing);
        self.start_next(now);
        t
    }

    fn finish_close(&mut self) {
        self.state = State::Closed;
        self.timers.stop_all();
        self.queue.clear();
        self.current = None;
        self.events.push_back(Event::Closed);
    }

    /// Records a fatal error: reported once, sticky, nothing more is sent.
    fn fail(&mut self, e: Error) {
        if self.is_closed() {
            return;
        }
        self.state = State::Failed(e.clone());
        self.timers.stop_all();
        for q in &mut self.out {
            q.clear();
        }
        self.queue.clear();
        self.current = None;
        self.events.push_back(Event::ConnectionLost { reason: e });
    }

    /// Queues a set-up step of the Fujifilm dialect.
    fn queue_internal(&mut self, now: Instant, op: Operation, purpose: Purpose) {
        let tid = if purpose == Purpose::OpenSession {
            TransactionId::OPEN_SESSION
        } else {
            self.take_tid()
        };
        self.queue.push_back((tid, op, purpose));
        self.start_next(now);
    }

    fn fuji_set_prop(code: DevicePropCode, value: Bytes) -> Operation {
        Operation::new(OperationCode::SET_DEVICE_PROP_VALUE, &[u32::from(code.0)])
            .expect("one parameter")
            .send(value)
    }
}
