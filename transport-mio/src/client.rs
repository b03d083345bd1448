//! [`MioClient`]: an [`Initiator`] whose two sockets live in someone else's `mio::Poll`.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use mio::event::Event as MioEvent;
use mio::{Interest, Registry, Token};
use ptpip_protocol::initiator::{Event, Initiator, Operation};
use ptpip_protocol::{Channel, Error as ProtocolError, OperationError, TransactionId, Transmit};

use ptpip_protocol::calls::ClientError;

use crate::config::ClientConfig;
use crate::link::{Link, ReadOutcome, State};

/// The most bytes read from one connection in one call (`handle_event`, `handle_timeout`, a
/// command), so that a fast camera cannot starve the other sources of the poll, nor a busy command
/// connection the event connection. What is left is read on the next call;
/// [`MioClient::timeout`] returns zero meanwhile.
///
/// One full read: the caller then drains the events before the next, which hands the data on and
/// lets the read buffer reuse its memory instead of allocating a fresh block per read (measured:
/// a 4 MiB budget spent a third of the time in page faults of new blocks).
const READ_BUDGET: usize = ptpip_protocol::ReadBuffer::MAX;

/// A PTP/IP session as a component of a caller's `mio` event loop.
///
/// It registers its two sockets in the caller's [`Registry`] under `token_base` (command/data
/// connection) and `token_base + 1` (event connection), and is driven by the caller:
///
/// ```no_run
/// # use std::time::Instant;
/// # use mio::{Events, Poll, Token};
/// # use ptpip_transport_mio::{ClientConfig, MioClient};
/// # use ptpip_transport_mio::protocol::Dialect;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut poll = Poll::new()?;
/// let mut events = Events::with_capacity(64);
/// let config = ClientConfig::new("192.168.0.1", Dialect::Generic);
/// let mut camera = MioClient::connect(config, poll.registry(), Token(10))?;
/// loop {
///     poll.poll(&mut events, camera.timeout(Instant::now()))?;
///     let now = Instant::now();
///     for event in &events {
///         if camera.owns(event.token()) {
///             camera.handle_event(now, event);
///         } // else: the caller's other sources
///     }
///     camera.handle_timeout(Instant::now());
///     while let Some(event) = camera.poll_event() {
///         println!("{event:?}");
///     }
///     if camera.is_closed() {
///         break;
///     }
/// }
/// # Ok(())
/// # }
/// ```
///
/// The driver only moves bytes and time: the [`Initiator`] decides everything, including every
/// deadline (this type keeps no timer). Sockets get `TCP_NODELAY` and keep-alive. Interest follows
/// [`Initiator::wants_read`] / [`Initiator::wants_write`] and the transmit part-way written on
/// each connection (one per connection at most). The event connection is opened (non-blocking)
/// when the state machine first addresses a transmit to it. Once the session is over (closed or
/// lost) both sockets are deregistered and closed.
pub struct MioClient {
    ini: Initiator,
    links: [Link; 2],
    /// Where the command and event connections go.
    addrs: [SocketAddr; 2],
    registry: Registry,
    /// The latest time seen: time handed to the state machine never goes backwards.
    now: Instant,
    /// Events were taken since interest was last set, and one of them was data: the state
    /// machine may want input again (the only change to interest that comes without a call
    /// that sets it).
    interest_stale: bool,
}

impl std::fmt::Debug for MioClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MioClient")
            .field("ready", &self.ini.is_ready())
            .field("closed", &self.ini.is_closed())
            .field("links", &self.links)
            .finish_non_exhaustive()
    }
}

impl MioClient {
    /// Starts connecting (non-blocking) and registers the command socket in `registry` under
    /// `token_base`; the event socket will use `token_base + 1`. The session is set up as the
    /// caller drives the poll: [`Event::Ready`] says when operations can run.
    ///
    /// Fails only if the host does not resolve, the socket cannot be created or registered, or
    /// `token_base + 1` overflows.
    pub fn connect(
        config: ClientConfig,
        registry: &Registry,
        token_base: Token,
    ) -> Result<Self, ClientError> {
        let (command_addr, event_addr) = config.resolve()?;
        let event_token = token_base.0.checked_add(1).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "token_base + 1 overflows")
        })?;
        let now = Instant::now();
        let mut me = Self {
            ini: Initiator::new(config.initiator, now),
            links: [Link::new(token_base), Link::new(Token(event_token))],
            addrs: [command_addr, event_addr],
            registry: registry.try_clone()?,
            now,
            interest_stale: false,
        };
        me.links[0].open(command_addr, &me.registry)?;
        me.pump(now);
        Ok(me)
    }

    /// The tokens of the command and event sockets.
    #[must_use]
    pub const fn tokens(&self) -> [Token; 2] {
        [self.links[0].token(), self.links[1].token()]
    }

    /// Whether `token` is one of this client's.
    #[must_use]
    pub fn owns(&self, token: Token) -> bool {
        self.tokens().contains(&token)
    }

    /// The state machine, for what this type does not wrap.
    #[must_use]
    pub const fn initiator(&self) -> &Initiator {
        &self.ini
    }

    /// Whether operations can run.
    #[must_use]
    pub fn is_ready(&self) -> bool {
        self.ini.is_ready()
    }

    /// Whether the session is over (closed gracefully or lost); its sockets are closed then.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.ini.is_closed()
    }

    /// Whether a connection is still being opened (the event connection is opened when the
    /// state machine first addresses it: for Fujifilm bodies, just before [`Event::Ready`]).
    #[must_use]
    pub fn is_connecting(&self) -> bool {
        self.links.iter().any(|l| l.state == State::Connecting)
    }

    /// Turns the state machine's packet tap on (`Some(limit)`) or off from now on
    /// ([`Initiator::set_tap`]).
    pub fn set_tap(&mut self, limit: Option<usize>) {
        self.ini.set_tap(limit);
    }

    /// The fatal error, if the session failed.
    #[must_use]
    pub fn error(&self) -> Option<&ProtocolError> {
        self.ini.error()
    }

    /// The socket error behind a failed connection, if there was one (for example
    /// `ConnectionRefused` when the event port is closed). The state machine only knows that the
    /// channel closed.
    #[must_use]
    pub fn io_error(&self, channel: Channel) -> Option<&io::Error> {
        self.links[index(channel)].error.as_ref()
    }

    /// Handles a readiness event for one of this client's tokens (others are ignored): reads
    /// until the socket would block (or the state machine stops wanting input, or the read
    /// budget of a call is spent), writes what is pending, and finishes a connect.
    pub fn handle_event(&mut self, now: Instant, event: &MioEvent) {
        let now = self.clock(now);
        let Some(i) = self.links.iter().position(|l| l.token() == event.token()) else {
            return;
        };
        self.links[i].on_event(event);
        self.pump(now);
    }

    /// How long the caller may sleep before calling [`handle_timeout`](Self::handle_timeout):
    /// until the state machine's next deadline, zero if there is work left over from the last
    /// call (readiness not used up, or input the state machine can take again now that its events
    /// were drained), `None` if nothing is due.
    ///
    /// It assumes [`poll_event`](Self::poll_event) was drained: a caller that leaves events queued
    /// (a slow consumer taking one per turn) should not sleep while it does.
    #[must_use]
    pub fn timeout(&self, now: Instant) -> Option<Duration> {
        if self.has_work() {
            return Some(Duration::ZERO);
        }
        self.ini
            .poll_timeout()
            .map(|t| t.saturating_duration_since(now))
    }

    /// Fires the state machine's deadlines that have passed and does any work left over (see
    /// [`timeout`](Self::timeout)). Harmless when nothing is due: call it after every poll.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.clock(now);
        if self.ini.poll_timeout().is_some_and(|t| t <= now) {
            self.ini.handle_timeout(now);
        }
        self.pump(now);
    }

    /// The next thing to report. Drain it after every call: streamed data counts against the
    /// state machine's high-water mark until it is taken from here.
    pub fn poll_event(&mut self) -> Option<Event> {
        let e = self.ini.poll_event()?;
        if matches!(e, Event::DataChunk { .. }) {
            self.interest_stale = true;
        }
        Some(e)
    }

    /// Queues an operation; returns its transaction id. Its outcome comes through
    /// [`poll_event`](Self::poll_event) (see [`Tracker`](crate::Tracker) to follow it).
    pub fn execute(&mut self, op: Operation) -> Result<TransactionId, OperationError> {
        let now = self.clock(Instant::now());
        let r = self.ini.execute(now, op);
        self.pump(now);
        r
    }

    /// Offers data for a data-out transaction; returns how many bytes were taken (possibly 0:
    /// [`Event::SendWindowAvailable`] says when to offer the rest).
    pub fn send_data(&mut self, tid: TransactionId, data: &[u8]) -> Result<usize, OperationError> {
        let now = self.clock(Instant::now());
        let r = self.ini.send_data(now, tid, data);
        self.pump(now);
        r
    }

    /// Cancels the transaction in progress (or drops a queued one); it ends with
    /// [`OperationFailure::Cancelled`](ptpip_protocol::initiator::OperationFailure::Cancelled).
    pub fn cancel(&mut self, tid: TransactionId) -> Result<(), OperationError> {
        let now = self.clock(Instant::now());
        let r = self.ini.cancel(now, tid);
        self.pump(now);
        r
    }

    /// Closes gracefully (CloseSession, and the Fujifilm goodbye); [`Event::Closed`] follows and
    /// the sockets are closed. Bytes the sockets cannot take at that moment are dropped (nothing
    /// more is waited for once the session is over).
    pub fn close(&mut self) {
        let now = self.clock(Instant::now());
        self.ini.close(now);
        self.pump(now);
    }

    // ----- internals -----

    fn clock(&mut self, now: Instant) -> Instant {
        self.now = self.now.max(now);
        self.now
    }

    /// Whether a call now would do something without new readiness: readiness not used up, a
    /// connect to finish, or interest to update (the state machine wants input again once its
    /// events were drained).
    fn has_work(&self) -> bool {
        Channel::ALL.into_iter().any(|ch| {
            let l = &self.links[index(ch)];
            match l.state {
                State::Connecting => l.writable || l.readable,
                State::Open => {
                    (l.readable && !l.eof && self.ini.wants_read(ch))
                        || (l.writable && l.has_pending())
                        || (self.interest_stale && l.registered() != self.interest(ch))
                }
                State::Unopened | State::Closed => false,
            }
        })
    }

    /// The interest `channel`'s socket should be registered with.
    fn interest(&self, channel: Channel) -> Option<Interest> {
        let link = &self.links[index(channel)];
        match link.state {
            State::Connecting => Some(Interest::READABLE | Interest::WRITABLE),
            State::Open => {
                let read = !link.eof && self.ini.wants_read(channel);
                let write = link.has_pending() || self.ini.wants_write(channel);
                match (read, write) {
                    (true, true) => Some(Interest::READABLE | Interest::WRITABLE),
                    (true, false) => Some(Interest::READABLE),
                    (false, true) => Some(Interest::WRITABLE),
                    (false, false) => None,
                }
            }
            State::Unopened | State::Closed => None,
        }
    }

    /// Moves what can be moved now: finishes connects, reads, writes; then closes the sockets of
    /// a finished session and sets interest.
    fn pump(&mut self, now: Instant) {
        self.finish_connects(now);
        self.read_inputs(now);
        self.write_outputs(now);
        if self.ini.is_closed() {
            for link in &mut self.links {
                link.close(&self.registry, None);
            }
        }
        self.set_interests(now);
    }

    /// Ends `channel` after a socket error and tells the state machine.
    fn fail_link(&mut self, now: Instant, channel: Channel, error: io::Error) {
        self.links[index(channel)].close(&self.registry, Some(error));
        self.ini.handle_eof(now, channel);
    }

    fn finish_connects(&mut self, now: Instant) {
        for ch in Channel::ALL {
            if self.links[index(ch)].state != State::Connecting {
                continue;
            }
            if let Some(Err(e)) = self.links[index(ch)].finish_connect() {
                self.fail_link(now, ch, e);
            }
        }
    }

    fn read_inputs(&mut self, now: Instant) {
        for ch in Channel::ALL {
            let mut budget = READ_BUDGET;
            loop {
                let link = &mut self.links[index(ch)];
                if link.state != State::Open
                    || !link.readable
                    || link.eof
                    || budget == 0
                    || !self.ini.wants_read(ch)
                {
                    break;
                }
                match link.read() {
                    ReadOutcome::Data(bytes) => {
                        budget = budget.saturating_sub(bytes.len());
                        // A failure is reported as Event::ConnectionLost.
                        let _ = self.ini.handle_input(now, ch, bytes);
                    }
                    ReadOutcome::WouldBlock => break,
                    ReadOutcome::Eof => {
                        link.eof = true;
                        link.readable = false;
                        self.ini.handle_eof(now, ch);
                        break;
                    }
                    ReadOutcome::Failed(e) => {
                        self.fail_link(now, ch, e);
                        break;
                    }
                }
            }
        }
    }

    /// Writes pending bytes, then takes transmits while the connection each is for has a free
    /// slot. The state machine hands command transmits out first, so the next one is for the
    /// command connection exactly when it wants to write there.
    fn write_outputs(&mut self, now: Instant) {
        loop {
            for ch in Channel::ALL {
                let link = &mut self.links[index(ch)];
                if link.state == State::Open
                    && link.writable
                    && link.has_pending()
                    && let Err(e) = link.write_pending()
                {
                    self.fail_link(now, ch, e);
                }
            }
            let next = if self.ini.wants_write(Channel::Command) {
                Channel::Command
            } else if self.ini.wants_write(Channel::Event) {
                Channel::Event
            } else {
                return;
            };
            if self.links[index(next)].has_pending() {
                // That socket is full (or still connecting): the rest waits for it.
                return;
            }
            let Some(Transmit { channel, payload }) = self.ini.poll_transmit() else {
                return;
            };
            self.accept_transmit(now, channel, payload);
        }
    }

    fn accept_transmit(&mut self, now: Instant, channel: Channel, payload: Bytes) {
        let link = &mut self.links[index(channel)];
        match link.state {
            State::Unopened => {
                // The first transmit for a channel asks for its connection (it may be empty).
                if let Err(e) = link.open(self.addrs[index(channel)], &self.registry) {
                    self.fail_link(now, channel, e);
                    return;
                }
            }
            // The state machine was told the channel ended; nothing can go there.
            State::Closed => return,
            State::Connecting | State::Open => {}
        }
        let link = &mut self.links[index(channel)];
        link.set_pending(payload);
        if link.state == State::Open
            && link.writable
            && let Err(e) = link.write_pending()
        {
            self.fail_link(now, channel, e);
        }
    }

    fn set_interests(&mut self, now: Instant) {
        self.interest_stale = false;
        for ch in Channel::ALL {
            if !matches!(self.links[index(ch)].state, State::Connecting | State::Open) {
                continue;
            }
            let want = self.interest(ch);
            if let Err(e) = self.links[index(ch)].set_interest(&self.registry, want) {
                self.fail_link(now, ch, e);
            }
        }
    }
}

impl Drop for MioClient {
    fn drop(&mut self) {
        for link in &mut self.links {
            link.close(&self.registry, None);
        }
    }
}

const fn index(channel: Channel) -> usize {
    match channel {
        Channel::Command => 0,
        Channel::Event => 1,
    }
}
