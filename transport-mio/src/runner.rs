//! [`Runner`]: a [`MioClient`] with a `Poll` of its own, for callers who just want blocking calls.

use std::io::{self, Read};
use std::time::{Duration, Instant};

use mio::{Events, Poll, Token};
use ptpip_protocol::initiator::{Completion, Event, Operation};
use ptpip_protocol::{DeviceEvent, OperationError, TransactionId};

use crate::client::MioClient;
use ptpip_protocol::calls::{Calls, ClientError, DataSink, EventBacklog, NoSink, Upload};

use crate::config::ClientConfig;
use crate::tracker::{Step, Tracker};

/// The token base the runner's client uses.
const TOKEN: Token = Token(0);

/// A [`MioClient`] driven by its own `mio::Poll`, with blocking calls like the std client's.
///
/// Device events that arrive while a call runs are kept; read them with
/// [`next_event`](Self::next_event).
pub struct Runner {
    poll: Poll,
    events: Events,
    client: MioClient,
    device_events: EventBacklog,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl Runner {
    /// Connects and sets the session up; returns once operations can run (or with the typed
    /// reason the set-up failed, within the state machine's init timeout).
    pub fn connect(config: ClientConfig) -> Result<Self, ClientError> {
        let mut me = Self::start(config)?;
        me.wait_ready()?;
        Ok(me)
    }

    /// Starts connecting without waiting: drive it with [`wait_ready`](Self::wait_ready) or
    /// [`run_until`](Self::run_until). Useful to inspect the client after a failed set-up.
    pub fn start(config: ClientConfig) -> Result<Self, ClientError> {
        let poll = Poll::new()?;
        let client = MioClient::connect(config, poll.registry(), TOKEN)?;
        Ok(Self {
            poll,
            events: Events::with_capacity(16),
            client,
            device_events: EventBacklog::default(),
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

    /// One turn of the loop: waits for readiness or the client's next deadline (never past
    /// `deadline`), then hands what happened to the client.
    pub fn turn(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        let now = Instant::now();
        let mut wait = self.client.timeout(now);
        if let Some(d) = deadline {
            let left = d.saturating_duration_since(now);
            wait = Some(wait.map_or(left, |w| w.min(left)));
        }
        match self.poll.poll(&mut self.events, wait) {
            Err(e) if e.kind() != io::ErrorKind::Interrupted => return Err(e),
            _ => {}
        }
        let now = Instant::now();
        for event in &self.events {
            self.client.handle_event(event, now);
        }
        self.client.handle_timeout(Instant::now());
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

    /// Waits for `tid` to end, streaming its data into `sink`; `on_window` runs when a data-out
    /// phase may take more data.
    fn wait(
        &mut self,
        tid: TransactionId,
        sink: &mut dyn DataSink,
        on_window: &mut dyn FnMut(&mut MioClient) -> Result<(), ClientError>,
    ) -> Result<Completion, ClientError> {
        let mut tracker = Tracker::new(tid, sink);
        loop {
            let Some(event) = self.next_core_event(None)? else {
                continue;
            };
            match tracker.on_event(&mut self.client, event) {
                Step::Pending => {}
                Step::SendWindow => on_window(&mut self.client)?,
                Step::Done(r) => return r,
                Step::Other(e) => self.keep(e),
            }
        }
    }

    /// Closes gracefully: CloseSession (and the Fujifilm goodbye), then the sockets.
    pub fn close(mut self) -> Result<(), ClientError> {
        self.client.close();
        loop {
            match self.next_core_event(None)? {
                Some(Event::Closed) => return Ok(()),
                Some(Event::ConnectionLost { reason }) => return Err(reason.into()),
                _ => {}
            }
        }
    }
}

impl Calls for Runner {
    fn run(&mut self, op: Operation, sink: &mut dyn DataSink) -> Result<Completion, ClientError> {
        let tid = self.client.execute(op)?;
        self.wait(tid, sink, &mut |_| Ok(()))
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
        self.wait(tid, &mut NoSink, &mut on_window)
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
            match self.next_core_event(deadline)? {
                None => return Ok(None),
                Some(Event::ConnectionLost { reason }) => return Err(reason.into()),
                Some(Event::Closed) => return Err(OperationError::Closed.into()),
                Some(other) => self.keep(other),
            }
        }
    }
}
