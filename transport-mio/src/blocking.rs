//! [`Client`]: a [`MioClient`] with a `Poll` of its own, for callers who just want blocking calls
//! (the same facade, under the same name, as `ptpip_transport_std::Client`).

use ptpip_protocol::calls::connect::{
    self, FUJI_INIT_RETRY_DELAY, PAIRING_QUIET, PAIRING_REMINDER, REFUSED_RETRY,
};
use std::io::{self, Read};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use mio::{Events, Poll, Token};
use ptpip_protocol::initiator::{Completion, Event, Initiator, Operation};
use ptpip_protocol::packet::Dialect;
use ptpip_protocol::{Channel, DeviceEvent, OperationCode, OperationError, TransactionId};

use crate::client::MioClient;
use ptpip_protocol::calls::{
    Calls, ClientError, DataSink, EventBacklog, Interrupt, NoSink, Step, Tracker, Upload,
    interrupted,
};

use crate::config::ClientConfig;
use crate::wakeup::Wakeup;

/// The token base the client's connections use (they take it and the next one).
const TOKEN: Token = Token(0);
/// The token of the wake-up's timer, after the connections'.
const WAKEUP: Token = Token(TOKEN.0 + 2);

/// How one connection attempt failed.
enum Failure {
    /// Nothing listens on the command port at this address (the camera may still be starting
    /// its listener).
    Refused(SocketAddr),
    /// Any other failure, and whether the init handshake was over.
    Other(ClientError, bool),
}

/// A [`MioClient`] driven by its own `mio::Poll`, with blocking calls like the std client's.
///
/// Device events that arrive while a call runs are kept; read them with
/// [`next_event`](Calls::next_event).
pub struct Client {
    poll: Poll,
    events: Events,
    client: MioClient,
    device_events: EventBacklog,
    interrupt: Option<Interrupt>,
    /// The deadline of each wait, kept out of the poll's timeout where it can be.
    wakeup: Wakeup,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Connects and sets the session up (init handshake, OpenSession, the Fujifilm sequence);
    /// returns once operations can run, as `ptpip_transport_std::Client::connect` does.
    ///
    /// [`ClientConfig::connect_timeout`] bounds the connection and the init handshake together
    /// ("connection refused" is retried within it; [`ClientConfig::cancel`] stops the retries).
    /// The Fujifilm pairing wait that follows has its own timeout
    /// ([`InitiatorConfig::pairing_timeout`](ptpip_protocol::initiator::InitiatorConfig::pairing_timeout)),
    /// and the event connection, opened just before the session is ready, must be accepted
    /// before this returns. A Fujifilm init that fails or is closed before Init_Command_Ack is
    /// tried once more after [`FUJI_INIT_RETRY_DELAY`], if time is left.
    ///
    /// [`start`](Self::start) makes one attempt and no more.
    pub fn connect(config: ClientConfig) -> Result<Self, ClientError> {
        let deadline = Instant::now() + config.connect_timeout;
        let mut warned = false;
        let mut fuji_retried = false;
        loop {
            let failure = match Self::attempt(&config, deadline) {
                Ok(me) => return Ok(me),
                Err(f) => f,
            };
            let left = deadline.saturating_duration_since(Instant::now());
            match failure {
                Failure::Refused(command) => {
                    if !warned {
                        warned = true;
                        log::warn!(
                            "nothing listens on {command}: is the camera's Wi-Fi function on? \
                             retrying for {:?}",
                            config.connect_timeout
                        );
                    }
                    // A back-off between attempts, which a cancel ends at once.
                    if config.cancel.is_cancelled() || config.cancel.wait(REFUSED_RETRY.min(left)) {
                        return Err(cancelled());
                    }
                    if Instant::now() >= deadline {
                        return Err(connect::refused(command, config.connect_timeout).into());
                    }
                }
                Failure::Other(e, false)
                    if config.initiator.dialect == Dialect::Fuji
                        && !fuji_retried
                        && !config.cancel.is_cancelled()
                        && left > FUJI_INIT_RETRY_DELAY =>
                {
                    fuji_retried = true;
                    log::info!("Fujifilm init failed ({e}); trying once more");
                    if config.cancel.wait(FUJI_INIT_RETRY_DELAY) {
                        return Err(cancelled());
                    }
                }
                Failure::Other(e, _) => return Err(e),
            }
        }
    }

    /// One connection attempt within `deadline`.
    fn attempt(config: &ClientConfig, deadline: Instant) -> Result<Self, Failure> {
        let early = |e: ClientError| Failure::Other(e, false);
        let (command_addr, _) = config.resolve().map_err(|e| early(e.into()))?;
        let mut bounded = config.clone();
        // Each init packet's own timer cannot outlast the connect budget.
        bounded.initiator.init_timeout = bounded
            .initiator
            .init_timeout
            .min(deadline.saturating_duration_since(Instant::now()));
        let mut me = Self::start(bounded).map_err(early)?;
        // Fujifilm: when the camera waits for its user, the next reminder and the end of the wait.
        let mut pairing: Option<(Instant, Instant)> = None;
        let mut ready = false;
        loop {
            let initialized = me.client.initiator().is_initialized();
            if ready {
                // The session is ready once the event connection (the Fujifilm one is asked for
                // just before Ready) is open, so that a refused event port fails the connect.
                if let Some(e) = me.client.error() {
                    return Err(Failure::Other(e.clone().into(), true));
                }
                if !me.client.is_connecting() {
                    return Ok(me);
                }
                me.turn(None).map_err(|e| Failure::Other(e.into(), true))?;
                continue;
            }
            if !me.client.initiator().is_awaiting_confirmation() {
                pairing = None;
            }
            let wait = match (initialized, pairing) {
                (false, _) => Some(deadline),
                (true, Some((remind, _))) => Some(remind),
                (true, None) => None,
            };
            let event = match me.next_core_event(wait) {
                Ok(Some(e)) => e,
                Ok(None) => {
                    if let Some((_, until)) = pairing {
                        let left = until.saturating_duration_since(Instant::now());
                        log::warn!(
                            "accept the connection on the camera: {} s left",
                            left.as_secs()
                        );
                        pairing = Some((Instant::now() + PAIRING_REMINDER, until));
                        continue;
                    }
                    return Err(early(ClientError::from(connect::handshake_timeout(
                        command_addr,
                        config.connect_timeout.min(config.initiator.init_timeout),
                    ))));
                }
                Err(e) => return Err(Failure::Other(e, initialized)),
            };
            match event {
                Event::Ready => ready = true,
                Event::ConnectionLost {
                    reason: ptpip_protocol::Error::TimedOut(ptpip_protocol::Timer::Init),
                } => {
                    return Err(early(ClientError::from(connect::handshake_timeout(
                        command_addr,
                        config.connect_timeout.min(config.initiator.init_timeout),
                    ))));
                }
                Event::ConnectionLost { .. }
                    if !initialized
                        && me
                            .client
                            .io_error(Channel::Command)
                            .is_some_and(|e| e.kind() == io::ErrorKind::ConnectionRefused) =>
                {
                    return Err(Failure::Refused(command_addr));
                }
                Event::ConnectionLost { reason } => {
                    return Err(Failure::Other(reason.into(), initialized));
                }
                Event::RemoteModeUnavailable(why) => log::warn!("{why}"),
                Event::Connected { quirks, .. } => {
                    for q in quirks {
                        log::info!("tolerated: {q}");
                    }
                }
                Event::AwaitingConfirmation { until } => {
                    // A camera that knows us answers at once: say nothing unless it does not.
                    pairing = Some((Instant::now() + PAIRING_QUIET, until));
                }
                other => me.keep(other),
            }
        }
    }

    /// Starts connecting without waiting, one attempt bounded by the state machine's init
    /// timeout: drive it with [`wait_ready`](Self::wait_ready) or
    /// [`run_until`](Self::run_until). Useful to inspect the client after a failed set-up.
    pub fn start(config: ClientConfig) -> Result<Self, ClientError> {
        let poll = Poll::new()?;
        let client = MioClient::connect(config, poll.registry(), TOKEN)?;
        let wakeup = Wakeup::new(poll.registry(), WAKEUP);
        Ok(Self {
            poll,
            events: Events::with_capacity(16),
            client,
            device_events: EventBacklog::default(),
            interrupt: None,
            wakeup,
        })
    }

    /// Runs the loop until the session is ready, or fails with the reason it cannot be.
    pub fn wait_ready(&mut self) -> Result<(), ClientError> {
        if self.client.is_ready() {
            return Ok(());
        }
        loop {
            match self.next_core_event(None)? {
                Some(Event::Ready) => return Ok(()),
                Some(Event::ConnectionLost { reason }) => return Err(reason.into()),
                Some(Event::Closed) => return Err(OperationError::Closed.into()),
                Some(other) => self.keep(other),
                None => {}
            }
        }
    }

    /// The client, for the non-blocking calls (`cancel` from a sink, raw `execute`…).
    #[must_use]
    pub const fn client(&self) -> &MioClient {
        &self.client
    }

    /// The client, mutably.
    pub const fn client_mut(&mut self) -> &mut MioClient {
        &mut self.client
    }

    /// The state machine, for what the typed calls do not cover.
    #[must_use]
    pub const fn initiator(&self) -> &Initiator {
        self.client.initiator()
    }

    /// Makes calls watch `check` (from another thread: a Ctrl-C flag), `None` to stop watching.
    ///
    /// Once `check` turns true, the call in progress cancels its transaction on the wire (both
    /// Cancel packets; Fujifilm bodies cannot cancel, so nothing goes out for them), drops any
    /// data still coming, and returns an [`io::ErrorKind::Interrupted`] error as soon as the
    /// camera answers, or after `grace` at the latest; [`next_event`](Calls::next_event) returns
    /// that error at once. A [`close`](Self::close) while `check` is true waits at most `grace`
    /// too.
    pub fn set_interrupt(&mut self, check: Option<Box<dyn Fn() -> bool + Send>>, grace: Duration) {
        self.interrupt = check.map(|check| Interrupt::new(check, grace));
    }

    /// The grace period, if the interrupt check is set and true.
    fn interrupted(&self) -> Option<Duration> {
        self.interrupt.as_ref().and_then(Interrupt::fired)
    }

    /// One turn of the loop: waits for readiness or the client's next deadline (never past
    /// `deadline`), then hands what happened to the client.
    pub fn turn(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        let now = Instant::now();
        let mut wait = self.client.timeout(now);
        if let Some(d) = deadline {
            let left = d.saturating_duration_since(now);
            wait = Some(wait.map_or(left, |w| w.min(left)));
        }
        let timeout = self.wakeup.poll_timeout(now, wait);
        match self.poll.poll(&mut self.events, timeout) {
            Err(e) if e.kind() != io::ErrorKind::Interrupted => return Err(e),
            _ => {}
        }
        let now = Instant::now();
        for event in &self.events {
            if self.wakeup.is(event.token()) {
                self.wakeup.fired();
            } else {
                self.client.handle_event(now, event);
            }
        }
        // Each event was handled in full: unless a deadline passed, handle_timeout has nothing
        // to do. Work left over (a read budget spent) makes the next poll return at once, with
        // no event, and that turn calls it.
        if self.events.is_empty()
            || self
                .client
                .initiator()
                .poll_timeout()
                .is_some_and(|t| t <= now)
        {
            self.client.handle_timeout(now);
        }
        Ok(())
    }

    /// Runs the loop, handing every event to `f`, until `f` returns `Some` (then that value) or
    /// `deadline` passes (then `None`). Fails if the poll fails, or if the session is over and
    /// every event has been handed out.
    pub fn run_until<T>(
        &mut self,
        deadline: Option<Instant>,
        mut f: impl FnMut(&mut MioClient, Event) -> Option<T>,
    ) -> Result<Option<T>, ClientError> {
        loop {
            let Some(event) = self.next_core_event(deadline)? else {
                return Ok(None);
            };
            if let Some(t) = f(&mut self.client, event) {
                return Ok(Some(t));
            }
        }
    }

    /// The next event of the client, turning the loop until one comes; `None` once `deadline`
    /// passes.
    fn next_core_event(&mut self, deadline: Option<Instant>) -> Result<Option<Event>, ClientError> {
        loop {
            if let Some(e) = self.client.poll_event() {
                return Ok(Some(e));
            }
            if self.client.is_closed() {
                // Nothing will ever come: the end was reported already.
                return Err(match self.client.error() {
                    Some(e) => e.clone().into(),
                    None => OperationError::Closed.into(),
                });
            }
            if deadline.is_some_and(|d| d <= Instant::now()) {
                return Ok(None);
            }
            self.turn(deadline)?;
        }
    }

    fn keep(&mut self, event: Event) {
        if let Event::DeviceEvent(e) = event {
            self.device_events.push(e);
        }
        // Anything else concerns nobody waiting: data of a transaction given up on, probes.
    }

    /// Waits for `tid` to end, streaming its data into `sink` (through the core's [`Tracker`]);
    /// `on_window` runs when a data-out phase may take more data, `on_packet` for every packet
    /// the tap reports.
    fn wait(
        &mut self,
        tid: TransactionId,
        sink: &mut dyn DataSink,
        on_window: &mut dyn FnMut(&mut MioClient) -> Result<(), ClientError>,
        on_packet: &mut dyn FnMut(&Bytes, u64),
    ) -> Result<Completion, ClientError> {
        let mut tracker = Tracker::new(tid, sink);
        // Once interrupted: when to stop waiting for the camera's answer to the Cancel.
        let mut stop_at: Option<Instant> = None;
        loop {
            if stop_at.is_none()
                && let Some(grace) = self.interrupted()
            {
                let _ = self.client.cancel(tid);
                tracker.interrupt();
                stop_at = Some(Instant::now() + grace);
            }
            let deadline = match stop_at {
                Some(d) => Some(d),
                None => Interrupt::next_look(self.interrupt.as_ref(), None),
            };
            let Some(event) = self.next_core_event(deadline)? else {
                if stop_at.is_some_and(|d| d <= Instant::now()) {
                    return Err(interrupted());
                }
                continue;
            };
            match tracker.on_event(event) {
                Step::Pending => {}
                Step::SendWindow => on_window(&mut self.client)?,
                Step::Done(r) => return r,
                Step::Cancel(e) => {
                    let _ = self.client.cancel(tid);
                    return Err(e);
                }
                Step::Other(Event::PacketReceived {
                    bytes, total_len, ..
                }) => on_packet(&bytes, total_len),
                Step::Other(e) => self.keep(e),
            }
        }
    }

    /// Like [`Calls::raw`], and reports every packet received while it runs to `on_packet`: its
    /// bytes (the first `limit` of them) and its whole length — what `opreq` prints. The packet
    /// tap is on only for this call.
    pub fn raw_tapped(
        &mut self,
        code: OperationCode,
        params: &[u32],
        data_out: Option<Bytes>,
        limit: usize,
        on_packet: &mut dyn FnMut(&Bytes, u64),
    ) -> Result<Completion, ClientError> {
        let op = Operation::new(code, params)
            .ok_or(OperationError::Invalid("at most five parameters"))?;
        let op = match data_out {
            Some(d) => op.send(d),
            None => op.stream(),
        };
        let tid = self.client.execute(op)?;
        let saved = self.client.initiator().config().tap;
        self.client.set_tap(Some(limit));
        let result = self.wait(tid, &mut NoSink, &mut |_| Ok(()), on_packet);
        self.client.set_tap(saved);
        result
    }

    /// Closes gracefully: CloseSession (and the Fujifilm goodbye), then the sockets.
    pub fn close(mut self) -> Result<(), ClientError> {
        self.client.close();
        let deadline = self.interrupted().map(|grace| Instant::now() + grace);
        loop {
            match self.next_core_event(deadline)? {
                Some(Event::Closed) => return Ok(()),
                Some(Event::ConnectionLost { reason }) => return Err(reason.into()),
                Some(_) => {}
                None => {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "no event in time").into());
                }
            }
        }
    }
}

/// The error of a connect that was cancelled.
fn cancelled() -> ClientError {
    io::Error::new(io::ErrorKind::Interrupted, "connect cancelled").into()
}

impl Calls for Client {
    fn run(&mut self, op: Operation, sink: &mut dyn DataSink) -> Result<Completion, ClientError> {
        let tid = self.client.execute(op)?;
        self.wait(tid, sink, &mut |_| Ok(()), &mut |_, _| {})
    }

    fn run_upload(
        &mut self,
        op: Operation,
        reader: &mut dyn Read,
        len: u64,
    ) -> Result<Completion, ClientError> {
        let tid = self.client.execute(op.send_len(len))?;
        let mut upload = Upload::new(len);
        let mut on_window = |client: &mut MioClient| -> Result<(), ClientError> {
            let fed = upload.feed(reader, &mut |piece| Ok(client.send_data(tid, piece)?));
            if fed.is_err() {
                let _ = client.cancel(tid);
            }
            fed
        };
        self.wait(tid, &mut NoSink, &mut on_window, &mut |_, _| {})
    }

    fn next_event(
        &mut self,
        timeout: Option<Duration>,
    ) -> Result<Option<DeviceEvent>, ClientError> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            if let Some(e) = self.device_events.pop() {
                return Ok(Some(e));
            }
            if self.interrupted().is_some() {
                return Err(interrupted());
            }
            // With an interrupt check, wake up now and then to look at it.
            let wake = Interrupt::next_look(self.interrupt.as_ref(), deadline);
            match self.next_core_event(wake)? {
                None => {
                    if deadline.is_some_and(|d| d <= Instant::now()) {
                        return Ok(None);
                    }
                }
                Some(Event::ConnectionLost { reason }) => return Err(reason.into()),
                Some(Event::Closed) => return Err(OperationError::Closed.into()),
                Some(other) => self.keep(other),
            }
        }
    }
}
