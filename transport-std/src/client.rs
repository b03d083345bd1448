//! The blocking client: an [`Initiator`] on `std::net` sockets.

use ptpip_protocol::calls::connect::{
    self, FUJI_INIT_RETRY_DELAY, PAIRING_QUIET, PAIRING_REMINDER,
};
use std::collections::VecDeque;
use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ptpip_protocol::initiator::{Completion, Event, Initiator, InitiatorConfig, Operation};
use ptpip_protocol::packet::Dialect;
use ptpip_protocol::{
    Channel, DeviceEvent, FriendlyName, Guid, OperationError, TransactionId, Transmit,
};

use ptpip_protocol::calls::{
    Calls, CancelToken, ClientError, DataSink, EventBacklog, Interrupt, NoSink, Ports, Step,
    Tracker, Upload, interrupted,
};

use crate::link::{self, DirectReader, Input, Inputs, ReadOutcome};

/// Where and how to connect: the same fields, with the same meaning, as
/// `ptpip_transport_mio::ClientConfig`.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Host name or address of the camera.
    pub host: String,
    /// Its ports ([`Ports::for_dialect`] unless told otherwise).
    pub ports: Ports,
    /// How long to keep trying to connect (retrying "connection refused").
    pub connect_timeout: Duration,
    /// Cancels the connect loop.
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
}

/// A connected PTP/IP session, driven on the calling thread.
///
/// Device events that arrive while a call runs are kept; read them with
/// [`next_event`](Self::next_event).
pub struct Client {
    ini: Initiator,
    command: TcpStream,
    /// The command connection is read on the caller's thread.
    command_reader: DirectReader,
    event: Option<TcpStream>,
    event_addr: SocketAddr,
    inputs: Inputs,
    readers: Vec<JoinHandle<()>>,
    device_events: EventBacklog,
    /// Events read off the state machine that no call has consumed yet.
    pending: VecDeque<Event>,
    connect_timeout: Duration,
    /// Stops the event connection's attempts too.
    cancel: CancelToken,
    interrupt: Option<Interrupt>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("peer", &self.command.peer_addr().ok())
            .field("ready", &self.ini.is_ready())
            .finish_non_exhaustive()
    }
}

/// The first address of `host`: an IPv4 or IPv6 address (`::1`, or `[::1]` as URLs write it)
/// or a name.
fn resolve(host: &str, port: u16) -> io::Result<SocketAddr> {
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{host}: no address")))
}

impl Client {
    /// Connects and sets the session up (init handshake, OpenSession, the Fujifilm sequence);
    /// returns once operations can run.
    ///
    /// [`ClientConfig::connect_timeout`] bounds the connection and the init handshake together
    /// ("connection refused" is retried within it). The Fujifilm pairing wait that follows has
    /// its own timeout ([`InitiatorConfig::pairing_timeout`]). A Fujifilm init that fails or is
    /// closed before Init_Command_Ack is tried once more after [`FUJI_INIT_RETRY_DELAY`], as
    /// Fujifilm's own apps do (some bodies drop the first attempt), if time is left.
    pub fn connect(config: ClientConfig) -> Result<Self, ClientError> {
        let deadline = Instant::now() + config.connect_timeout;
        match Self::attempt(&config, deadline) {
            Err((e, false))
                if config.initiator.dialect == Dialect::Fuji
                    && !config.cancel.is_cancelled()
                    && deadline
                        .checked_duration_since(Instant::now())
                        .is_some_and(|left| left > FUJI_INIT_RETRY_DELAY) =>
            {
                log::info!("Fujifilm init failed ({e}); trying once more");
                if config.cancel.wait(FUJI_INIT_RETRY_DELAY) {
                    return Err(
                        io::Error::new(io::ErrorKind::Interrupted, "connect cancelled").into(),
                    );
                }
                Self::attempt(&config, deadline).map_err(|(e, _)| e)
            }
            other => other.map_err(|(e, _)| e),
        }
    }

    /// One connection attempt; on failure, the error and whether the init handshake was over.
    fn attempt(config: &ClientConfig, deadline: Instant) -> Result<Self, (ClientError, bool)> {
        let early = |e: ClientError| (e, false);
        let command_addr =
            resolve(&config.host, config.ports.command).map_err(|e| early(e.into()))?;
        // The same address for both connections, even when a name has several.
        let event_addr = SocketAddr::new(command_addr.ip(), config.ports.event);
        let cancel = config.cancel.clone();
        let left = deadline.saturating_duration_since(Instant::now());
        let command = link::connect(command_addr, left, &cancel).map_err(|e| early(e.into()))?;
        let reader = command
            .try_clone()
            .and_then(DirectReader::new)
            .map_err(|e| early(e.into()))?;
        let mut initiator = config.initiator.clone();
        // Each init packet's own timer cannot outlast the connect budget.
        initiator.init_timeout = initiator
            .init_timeout
            .min(deadline.saturating_duration_since(Instant::now()));
        let mut client = Self {
            ini: Initiator::new(initiator, Instant::now()),
            command_reader: reader,
            command,
            event: None,
            event_addr,
            inputs: Inputs::new(),
            readers: Vec::new(),
            device_events: EventBacklog::default(),
            pending: VecDeque::new(),
            connect_timeout: config.connect_timeout,
            cancel: config.cancel.clone(),
            interrupt: None,
        };
        // Fujifilm: when the camera waits for its user, the next reminder and the end of the wait.
        let mut pairing: Option<(Instant, Instant)> = None;
        loop {
            let initialized = client.ini.is_initialized();
            if !client.ini.is_awaiting_confirmation() {
                pairing = None;
            }
            let wait = match (initialized, pairing) {
                (false, _) => Some(deadline),
                (true, Some((remind, _))) => Some(remind),
                (true, None) => None,
            };
            let event = match client.next_core_event(wait) {
                Ok(e) => e,
                Err(ClientError::Io(e)) if e.kind() == io::ErrorKind::TimedOut => {
                    if let Some((_, until)) = pairing {
                        let left = until.saturating_duration_since(Instant::now());
                        log::warn!(
                            "accept the connection on the camera: {} s left",
                            left.as_secs()
                        );
                        pairing = Some((Instant::now() + PAIRING_REMINDER, until));
                        continue;
                    }
                    return Err(early(
                        connect::handshake_timeout(
                            command_addr,
                            config.connect_timeout.min(config.initiator.init_timeout),
                        )
                        .into(),
                    ));
                }
                Err(e) => return Err((e, initialized)),
            };
            match event {
                Event::Ready => {
                    // Open the event connection now (the Fujifilm one is asked for just before
                    // Ready), so that a refused event port fails the connect, not the first call.
                    client.flush().map_err(|e| (e, true))?;
                    if let Some(e) = client.ini.error() {
                        return Err((e.clone().into(), true));
                    }
                    return Ok(client);
                }
                Event::ConnectionLost {
                    reason: ptpip_protocol::Error::TimedOut(ptpip_protocol::Timer::Init),
                } => {
                    return Err(early(
                        connect::handshake_timeout(
                            command_addr,
                            config.connect_timeout.min(config.initiator.init_timeout),
                        )
                        .into(),
                    ));
                }
                // `initialized` is what held before this event: a failed state machine is past
                // every state.
                Event::ConnectionLost { reason } => return Err((reason.into(), initialized)),
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
                other => client.keep(other),
            }
        }
    }

    /// The state machine, for what the typed calls do not cover.
    #[must_use]
    pub const fn initiator(&self) -> &Initiator {
        &self.ini
    }

    /// Makes calls watch `check` (from another thread: a Ctrl-C flag), `None` to stop watching.
    ///
    /// Once `check` turns true, the call in progress cancels its transaction on the wire (both
    /// Cancel packets; Fujifilm bodies cannot cancel, so nothing goes out for them), drops any
    /// data still coming, and returns an [`io::ErrorKind::Interrupted`] error as soon as the
    /// camera answers, or after `grace` at the latest; [`next_event`](Calls::next_event) returns
    /// that error at once. A [`close`](Self::close) while `check` is true waits at most `grace`
    /// too, then leaves the sockets to be shut.
    pub fn set_interrupt(&mut self, check: Option<Box<dyn Fn() -> bool + Send>>, grace: Duration) {
        self.interrupt = check.map(|check| Interrupt::new(check, grace));
    }

    /// The grace period, if the interrupt check is set and true.
    fn interrupted(&self) -> Option<Duration> {
        self.interrupt.as_ref().and_then(Interrupt::fired)
    }

    /// Keeps what a later call needs from an event no running call consumed: device events (a
    /// bounded backlog) and the end of the session. Everything else concerns a call
    /// that is over (the data of an abandoned download, say) and is dropped, so an idle client
    /// holds bounded memory.
    fn keep(&mut self, event: Event) {
        match event {
            Event::DeviceEvent(e) => self.device_events.push(e),
            Event::ConnectionLost { .. } | Event::Closed => self.pending.push_back(event),
            _ => {}
        }
    }

    /// Queues `op`. A session that already failed reports why, rather than just "closed".
    fn start(&mut self, op: Operation) -> Result<TransactionId, ClientError> {
        self.ini
            .execute(Instant::now(), op)
            .map_err(|e| match self.ini.error() {
                Some(lost) => ClientError::Protocol(lost.clone()),
                None => e.into(),
            })
    }

    /// Writes what the state machine has to send, opening the event connection when first needed.
    fn flush(&mut self) -> Result<(), ClientError> {
        if !self.ini.wants_write(Channel::Command) && !self.ini.wants_write(Channel::Event) {
            return Ok(());
        }
        while let Some(Transmit { channel, payload }) = self.ini.poll_transmit() {
            let stream = match channel {
                Channel::Command => &mut self.command,
                Channel::Event => {
                    if self.event.is_none() {
                        match link::connect(self.event_addr, self.connect_timeout, &self.cancel) {
                            Ok(s) => {
                                let reader = link::spawn_reader(
                                    Channel::Event,
                                    s.try_clone()?,
                                    self.inputs.tx.clone(),
                                )?;
                                self.readers.push(reader);
                                self.event = Some(s);
                            }
                            Err(_) => {
                                self.ini.handle_eof(Instant::now(), Channel::Event);
                                continue;
                            }
                        }
                    }
                    self.event.as_mut().expect("just opened")
                }
            };
            if let Err(e) = link::write_all(stream, &payload) {
                self.ini.handle_eof(Instant::now(), channel);
                if self.ini.error().is_none() {
                    return Err(e.into());
                }
            }
        }
        Ok(())
    }

    /// The next event from the state machine, driving I/O and time until one comes (or
    /// `deadline` passes: then `Ok(None)`-like behaviour is expressed as a `TimedOut` io error).
    fn next_core_event(&mut self, deadline: Option<Instant>) -> Result<Event, ClientError> {
        loop {
            self.flush()?;
            if let Some(e) = self.ini.poll_event() {
                return Ok(e);
            }
            if self.ini.is_closed() {
                // The end was reported already; nothing else will ever come.
                return Err(match self.ini.error() {
                    Some(e) => e.clone().into(),
                    None => OperationError::Closed.into(),
                });
            }
            let now = Instant::now();
            let wake = match (self.ini.poll_timeout(), deadline) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if deadline.is_some_and(|d| d <= now) {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "no event in time").into());
            }
            // What the event connection's reader has queued comes first.
            if let Ok(input) = self.inputs.rx.try_recv() {
                self.feed(input);
                continue;
            }
            let wait = wake.map(|t| t.saturating_duration_since(now));
            if !self.ini.wants_read(Channel::Command) {
                // Only reachable while events are pending, which the loop above returns first.
                self.ini.handle_timeout(Instant::now());
                continue;
            }
            // What comes next comes on the event connection when the handshake waits for its
            // Init_Event_Ack (the event connection is opened once Init_Command_Ack came), or
            // when the session is idle (a device event, a probe's answer).
            let event_next = !self.ini.is_initialized()
                || (self.ini.is_ready() && self.ini.current_transaction().is_none());
            if self.event.is_some() && event_next {
                // Nothing is due on the command connection: wait for the event connection or
                // the next deadline; the command connection is read again with the next
                // operation.
                let input = match wait {
                    Some(w) => match self.inputs.rx.recv_timeout(w) {
                        Ok(input) => Some(input),
                        Err(mpsc::RecvTimeoutError::Timeout) => None,
                        Err(mpsc::RecvTimeoutError::Disconnected) => {
                            Some(Input::Eof(Channel::Event))
                        }
                    },
                    None => Some(self.inputs.rx.recv().unwrap_or(Input::Eof(Channel::Event))),
                };
                match input {
                    Some(input) => self.feed(input),
                    None => self.ini.handle_timeout(Instant::now()),
                }
                continue;
            }
            // A transaction (or the set-up) waits for the command connection: read it, at most
            // until the next deadline; what the event connection sent meanwhile is taken first
            // on the next turn.
            let outcome = self.command_reader.read(wait)?;
            let now = Instant::now();
            match outcome {
                ReadOutcome::Data(bytes) => {
                    let _ = self.ini.handle_input(now, Channel::Command, bytes);
                }
                ReadOutcome::Eof => self.ini.handle_eof(now, Channel::Command),
                ReadOutcome::Idle => self.ini.handle_timeout(now),
            }
        }
    }

    fn feed(&mut self, input: Input) {
        let now = Instant::now();
        match input {
            Input::Data(ch, bytes) => {
                let _ = self.ini.handle_input(now, ch, bytes);
            }
            Input::Eof(ch) => self.ini.handle_eof(now, ch),
            Input::Wake => {}
        }
    }

    /// Waits for `tid` to end, streaming its data into `sink` (through the core's [`Tracker`]);
    /// `on_window` is called when a data-out phase may take more data, `on_packet` for every
    /// packet the tap reports.
    fn wait(
        &mut self,
        tid: TransactionId,
        sink: &mut dyn DataSink,
        on_window: &mut dyn FnMut(&mut Self) -> Result<(), ClientError>,
        on_packet: &mut dyn FnMut(&Bytes, u64),
    ) -> Result<Completion, ClientError> {
        let mut tracker = Tracker::new(tid, sink);
        // Once interrupted: when to stop waiting for the camera's answer to the Cancel.
        let mut stop_at: Option<Instant> = None;
        loop {
            if stop_at.is_none()
                && let Some(grace) = self.interrupted()
            {
                let _ = self.ini.cancel(Instant::now(), tid);
                self.flush()?;
                tracker.interrupt();
                stop_at = Some(Instant::now() + grace);
            }
            let deadline = match stop_at {
                Some(d) => Some(d),
                None => Interrupt::next_look(self.interrupt.as_ref(), None),
            };
            let event = match self.pending.iter().position(|e| tracker.concerns(e)) {
                Some(i) => self.pending.remove(i).expect("index is in range"),
                None => match self.next_core_event(deadline) {
                    Ok(e) => e,
                    Err(ClientError::Io(e))
                        if deadline.is_some() && e.kind() == io::ErrorKind::TimedOut =>
                    {
                        if stop_at.is_some_and(|d| d <= Instant::now()) {
                            return Err(interrupted());
                        }
                        continue;
                    }
                    Err(e) => return Err(e),
                },
            };
            match tracker.on_event(event) {
                Step::Pending => {}
                Step::SendWindow => on_window(self)?,
                Step::Done(r) => return r,
                Step::Cancel(e) => {
                    let _ = self.ini.cancel(Instant::now(), tid);
                    return Err(e);
                }
                Step::Other(Event::PacketReceived {
                    bytes, total_len, ..
                }) => on_packet(&bytes, total_len),
                Step::Other(other) => self.keep(other),
            }
        }
    }

    /// Like [`Calls::raw`], and reports every packet received while it runs to `on_packet`: its
    /// bytes (the first `limit` of them) and its whole length — what `opreq` prints. The packet
    /// tap is on only for this call.
    pub fn raw_tapped(
        &mut self,
        code: ptpip_protocol::OperationCode,
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
        let tid = self.start(op)?;
        let saved = self.ini.config().tap;
        self.ini.set_tap(Some(limit));
        let result = self.wait(tid, &mut NoSink, &mut |_| Ok(()), on_packet);
        self.ini.set_tap(saved);
        result
    }

    /// Closes gracefully: CloseSession (and the Fujifilm goodbye), then the sockets.
    pub fn close(mut self) -> Result<(), ClientError> {
        self.ini.close(Instant::now());
        let deadline = self.interrupted().map(|grace| Instant::now() + grace);
        loop {
            match self.next_core_event(deadline)? {
                Event::Closed => break,
                Event::ConnectionLost { reason } => return Err(reason.into()),
                _ => {}
            }
        }
        self.flush()?;
        Ok(())
    }
}

impl Calls for Client {
    fn run(&mut self, op: Operation, sink: &mut dyn DataSink) -> Result<Completion, ClientError> {
        let tid = self.start(op)?;
        self.wait(tid, sink, &mut |_| Ok(()), &mut |_, _| {})
    }

    fn run_upload(
        &mut self,
        op: Operation,
        reader: &mut dyn Read,
        len: u64,
    ) -> Result<Completion, ClientError> {
        let tid = self.start(op.send_len(len))?;
        let mut upload = Upload::new(len);
        let mut on_window = |me: &mut Self| -> Result<(), ClientError> {
            let fed = upload.feed(reader, &mut |piece| {
                let n = me.ini.send_data(Instant::now(), tid, piece)?;
                me.flush()?;
                Ok(n)
            });
            if fed.is_err() {
                let _ = me.ini.cancel(Instant::now(), tid);
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
            match self.next_core_event(wake) {
                Ok(e) => self.keep(e),
                Err(ClientError::Io(e)) if e.kind() == io::ErrorKind::TimedOut => {
                    if deadline.is_some_and(|d| d <= Instant::now()) {
                        return Ok(None);
                    }
                }
                Err(e) => return Err(e),
            }
            if let Some(Event::ConnectionLost { reason }) = self.pending.back().cloned() {
                return Err(reason.into());
            }
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.command.shutdown(std::net::Shutdown::Both);
        if let Some(e) = &self.event {
            let _ = e.shutdown(std::net::Shutdown::Both);
        }
        // Readers end on the shutdown; nothing waits for them.
        self.readers.clear();
    }
}
