//! The camera server: [`Responder`]s on a `TcpListener`, one per initiator, several at once.
//!
//! Every accepted connection is sorted by its first packet
//! ([`ConnectionSorter`](ptpip_protocol::responder::ConnectionSorter), which answers the probes an
//! initiator may send first): an Init_Command_Request starts a session on its own thread; an
//! Init_Event_Request joins the session with that connection number. For the Fujifilm dialect the
//! event connection comes to a separate listener and carries no init packet; it joins the newest
//! session still waiting for one.
//!
//! A session reads its command connection while it writes a data-in phase (see [`command`]), so
//! a Cancel stops a large object within a packet. Every breach of the protocol a session's
//! responder reports ([`Violation`]) is logged: to stderr by [`serve`], to any function by
//! [`serve_logging`], so the server doubles as a conformance checker for initiators.

mod command;

use std::collections::HashMap;
use std::io::{self, Read};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use ptpip_protocol::responder::{
    ConnectionKind, ConnectionSorter, Device, Responder, ResponderConfig, ResponderEvent,
    Violation, unknown_connection_refusal,
};
use ptpip_protocol::{Channel, ConnectionNumber, Dialect, TransactionId};

use crate::link::{self, Input, Inputs, ReadOutcome};
use command::CommandReader;

/// How often an idle session looks at its device for events to send.
const DEVICE_POLL: Duration = Duration::from_millis(20);

/// The most bytes gathered for one vectored write.
const BATCH: usize = 1 << 20;

/// An event socket on its way to its session, with the bytes already read from it.
type EventSocket = (TcpStream, BytesMut);

#[derive(Default)]
struct Registry {
    /// Sessions waiting for their event connection, by connection number.
    waiting: HashMap<u32, Sender<EventSocket>>,
    /// Fujifilm: the newest session waiting for its event connection.
    fuji_waiting: Option<Sender<EventSocket>>,
}

/// A running server; dropping it (or calling [`stop`](Self::stop)) stops accepting.
pub struct ServerHandle {
    addr: SocketAddr,
    event_addr: Option<SocketAddr>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    sessions: Arc<AtomicU32>,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl ServerHandle {
    /// Where the command (and, for the generic dialect, event) connections go.
    #[must_use]
    pub const fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Fujifilm: where the event connection goes.
    #[must_use]
    pub const fn event_addr(&self) -> Option<SocketAddr> {
        self.event_addr
    }

    /// Sessions served so far (finished or not).
    #[must_use]
    pub fn sessions(&self) -> u32 {
        self.sessions.load(Ordering::SeqCst)
    }

    /// Stops accepting new connections; sessions in progress run to their end.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loops.
        let _ = TcpStream::connect(self.addr);
        if let Some(a) = self.event_addr {
            let _ = TcpStream::connect(a);
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// What a server does with each breach of the protocol an initiator commits: the initiator's
/// address (its command connection's) and the violation.
pub type ViolationLog = Arc<dyn Fn(SocketAddr, &Violation) + Send + Sync>;

/// Serves `make_device()` cameras on `listener` (and, for the Fujifilm dialect, event connections
/// on `event_listener`) until the handle is dropped. Initiators' breaches of the protocol are
/// logged on stderr, one line each (`ptpip: conformance: ADDR: …`).
pub fn serve<D, F>(
    listener: TcpListener,
    event_listener: Option<TcpListener>,
    config: ResponderConfig,
    make_device: F,
) -> io::Result<ServerHandle>
where
    D: Device + Send + 'static,
    F: Fn() -> D + Send + Sync + 'static,
{
    let log: ViolationLog = Arc::new(|peer, v| eprintln!("ptpip: conformance: {peer}: {v}"));
    serve_logging(listener, event_listener, config, make_device, log)
}

/// [`serve`], with initiators' breaches of the protocol given to `log` instead of stderr.
pub fn serve_logging<D, F>(
    listener: TcpListener,
    event_listener: Option<TcpListener>,
    config: ResponderConfig,
    make_device: F,
    log: ViolationLog,
) -> io::Result<ServerHandle>
where
    D: Device + Send + 'static,
    F: Fn() -> D + Send + Sync + 'static,
{
    let addr = listener.local_addr()?;
    let event_addr = event_listener
        .as_ref()
        .map(TcpListener::local_addr)
        .transpose()?;
    let stop = Arc::new(AtomicBool::new(false));
    let registry = Arc::new(Mutex::new(Registry::default()));
    let sessions = Arc::new(AtomicU32::new(0));
    let shared = Arc::new(Shared {
        config,
        make_device: Box::new(move || Box::new(make_device()) as BoxedDevice),
        registry,
        next_connection: AtomicU32::new(1),
        sessions: sessions.clone(),
        log,
    });
    let mut threads = Vec::new();
    {
        let (shared, stop) = (shared.clone(), stop.clone());
        threads.push(
            thread::Builder::new()
                .name("ptpip-accept".into())
                .spawn(move || {
                    accept_loop(&listener, &stop, |s| {
                        let shared = shared.clone();
                        let _ = thread::Builder::new()
                            .name("ptpip-conn".into())
                            .spawn(move || route(&shared, s));
                    });
                })?,
        );
    }
    if let Some(el) = event_listener {
        let (shared, stop) = (shared, stop.clone());
        threads.push(
            thread::Builder::new()
                .name("ptpip-accept-event".into())
                .spawn(move || {
                    accept_loop(&el, &stop, |s| {
                        let waiting = shared
                            .registry
                            .lock()
                            .ok()
                            .and_then(|mut r| r.fuji_waiting.take());
                        if let Some(tx) = waiting {
                            let _ = tx.send((s, BytesMut::new()));
                        }
                    });
                })?,
        );
    }
    Ok(ServerHandle {
        addr,
        event_addr,
        stop,
        threads,
        sessions,
    })
}

/// Any device, boxed, so one server type serves them all.
type BoxedDevice = Box<dyn Device + Send>;

struct Shared {
    config: ResponderConfig,
    make_device: Box<dyn Fn() -> BoxedDevice + Send + Sync>,
    registry: Arc<Mutex<Registry>>,
    next_connection: AtomicU32,
    sessions: Arc<AtomicU32>,
    log: ViolationLog,
}

fn accept_loop(listener: &TcpListener, stop: &AtomicBool, mut on: impl FnMut(TcpStream)) {
    for s in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        if let Ok(s) = s
            && link::tune(&s).is_ok()
        {
            on(s);
        }
    }
}

/// Reads a connection's first packet header (answering probes before it) and sends it where it
/// belongs.
fn route(shared: &Shared, mut stream: TcpStream) {
    let mut sorter = ConnectionSorter::new();
    let mut buf = [0u8; 1024];
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let kind = loop {
        let sorted = sorter.poll();
        let reply = sorter.take_reply();
        if !reply.is_empty() && link::write_all(&mut stream, &reply).is_err() {
            return;
        }
        match sorted {
            Ok(Some(kind)) => break kind,
            Ok(None) => {}
            Err(_) => return,
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => sorter.push(&buf[..n]),
        }
    };
    let _ = stream.set_read_timeout(None);
    let prefix = sorter.into_rest();
    match kind {
        ConnectionKind::Command => run_session(shared, stream, prefix),
        ConnectionKind::Event(n) => {
            let waiting = shared
                .registry
                .lock()
                .ok()
                .and_then(|mut r| r.waiting.remove(&n.0));
            match waiting {
                Some(tx) => {
                    let _ = tx.send((stream, prefix));
                }
                None => {
                    // No such session: refused, as a camera would.
                    let _ = link::write_all(&mut stream, &unknown_connection_refusal());
                }
            }
        }
    }
}

/// Serves one initiator until it leaves.
fn run_session(shared: &Shared, command: TcpStream, prefix: BytesMut) {
    let inputs = Inputs::new();
    let (Ok(reader), Ok(peer)) = (
        CommandReader::new(&command, inputs.tx.clone()),
        command.peer_addr(),
    ) else {
        return;
    };
    shared.sessions.fetch_add(1, Ordering::SeqCst);
    let number = shared.next_connection.fetch_add(1, Ordering::SeqCst);
    let mut config = shared.config.clone();
    config.connection_number = ConnectionNumber(number);
    let fuji = config.dialect == Dialect::Fuji;
    let (event_tx, event_rx) = mpsc::channel();
    if let Ok(mut r) = shared.registry.lock() {
        if fuji {
            r.fuji_waiting = Some(event_tx);
        } else {
            r.waiting.insert(number, event_tx);
        }
    }
    let mut session = Session {
        responder: Responder::new(config, (shared.make_device)()),
        command_reader: reader,
        command,
        event: None,
        inputs,
        event_rx,
        peer,
        log: shared.log.clone(),
        release: None,
    };
    let _ = session.run(prefix);
    let _ = session.command.shutdown(Shutdown::Both);
    if let Some(e) = &session.event {
        let _ = e.shutdown(Shutdown::Both);
    }
    if let Ok(mut r) = shared.registry.lock() {
        r.waiting.remove(&number);
    }
}

struct Session {
    responder: Responder<BoxedDevice>,
    command: TcpStream,
    /// The command connection is read on the session's thread while it waits (no hand-off per
    /// request), and by a helper while it writes a data-in phase.
    command_reader: CommandReader,
    event: Option<TcpStream>,
    inputs: Inputs,
    event_rx: Receiver<EventSocket>,
    /// The initiator's address, for the log.
    peer: SocketAddr,
    log: ViolationLog,
    /// A reply held for the think time: when it may go, and its transaction.
    release: Option<(Instant, TransactionId)>,
}

impl Session {
    fn run(&mut self, prefix: BytesMut) -> io::Result<()> {
        let _ = self.responder.handle_input(Channel::Command, prefix);
        loop {
            self.attach_event()?;
            while let Ok(input) = self.inputs.rx.try_recv() {
                self.feed(input);
            }
            self.release_due();
            self.flush()?;
            if self.take_events() {
                self.flush()?;
                return Ok(());
            }
            if self.responder.is_closed() {
                self.flush()?;
                return Ok(());
            }
            // Wait for a request; wake up now and then for device events and the event connection.
            self.settle_reader();
            let wait = self.wait();
            if self.release.is_some() && !self.command_reader.is_lent() {
                // A reply is held: wait on the input queue, whose timeout is precise, rather
                // than on the socket's read timeout, which the kernel rounds to its tick.
                self.command_reader.lend()?;
            }
            if self.command_reader.is_lent() {
                // The helper still has the command connection: its input comes through the
                // queue (and so does its wake-up when it stops).
                match self.inputs.rx.recv_timeout(wait) {
                    Ok(input) => self.feed(input),
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
                }
                self.settle_reader();
                continue;
            }
            match self.command_reader.read(wait)? {
                ReadOutcome::Data(b) => {
                    let _ = self.responder.handle_input(Channel::Command, b);
                    if !self.responder.wants_write(Channel::Command) {
                        // Nothing to answer with yet (the rest of a packet, a data-out phase, or
                        // a held reply is awaited): acknowledge now, not with the answer.
                        self.command_reader.ack_now();
                    }
                }
                ReadOutcome::Eof => self.responder.handle_eof(Channel::Command),
                ReadOutcome::Idle => {}
            }
        }
    }

    /// How long to wait for input: until a held reply is due, at most [`DEVICE_POLL`].
    fn wait(&self) -> Duration {
        self.release.map_or(DEVICE_POLL, |(at, _)| {
            at.saturating_duration_since(Instant::now())
                .min(DEVICE_POLL)
        })
    }

    /// Releases the reply held for the think time once its time has come. The session's thread
    /// never sleeps for it: it reads with a timeout that ends when the reply is due, so probes
    /// and cancels are still answered, and nothing shared is locked meanwhile.
    fn release_due(&mut self) {
        if let Some((at, tid)) = self.release
            && Instant::now() >= at
        {
            self.release = None;
            self.responder.release_reply(tid);
        }
    }

    /// Logs the violations the responder reported; returns whether the session is over.
    fn take_events(&mut self) -> bool {
        let mut over = false;
        while let Some(e) = self.responder.poll_event() {
            match e {
                ResponderEvent::Closed | ResponderEvent::ConnectionLost { .. } => over = true,
                ResponderEvent::Violation(v) => (self.log)(self.peer, &v),
                ResponderEvent::ReplyDelayed { transaction, delay } => {
                    self.release = Some((Instant::now() + delay, transaction));
                }
                _ => {}
            }
        }
        over
    }

    /// Takes the command connection back from the helper once it has stopped, with everything
    /// it read.
    fn settle_reader(&mut self) {
        if self.command_reader.reclaiming() && self.command_reader.helper_stopped() {
            while let Ok(input) = self.inputs.rx.try_recv() {
                self.feed(input);
            }
            self.command_reader.settle();
        }
    }

    fn feed(&mut self, input: Input) {
        match input {
            Input::Data(ch, b) => {
                let _ = self.responder.handle_input(ch, b);
            }
            Input::Eof(ch) => self.responder.handle_eof(ch),
        }
    }

    fn attach_event(&mut self) -> io::Result<()> {
        if self.event.is_some() {
            return Ok(());
        }
        if let Ok((stream, prefix)) = self.event_rx.try_recv() {
            link::spawn_reader(Channel::Event, stream.try_clone()?, self.inputs.tx.clone())?;
            self.event = Some(stream);
            self.responder.handle_connected(Channel::Event);
            if !prefix.is_empty() {
                let _ = self.responder.handle_input(Channel::Event, prefix);
            }
        }
        Ok(())
    }

    /// Writes what the responder has, taking input between writes so that a Cancel reaches a
    /// responder busy sending a large object: during a data-in phase the helper reads the command
    /// connection, and its input is fed between two packets.
    ///
    /// Consecutive transmits for one channel, up to [`BATCH`] bytes, go out in one vectored
    /// write: a data packet's header and its payload (which the responder hands over without
    /// copying it) leave together.
    fn flush(&mut self) -> io::Result<()> {
        let mut batch: Vec<Bytes> = Vec::new();
        let mut next = self.responder.poll_transmit();
        while let Some(t) = next {
            if self.responder.is_sending_data() {
                self.settle_reader();
                if !self.command_reader.is_lent() {
                    self.command_reader.lend()?;
                }
            }
            let channel = t.channel;
            let mut size = t.payload.len();
            batch.push(t.payload);
            next = None;
            while size < BATCH {
                match self.responder.poll_transmit() {
                    Some(t) if t.channel == channel => {
                        size += t.payload.len();
                        batch.push(t.payload);
                    }
                    other => {
                        next = other;
                        break;
                    }
                }
            }
            let stream = match channel {
                Channel::Command => &mut self.command,
                Channel::Event => match self.event.as_mut() {
                    Some(s) => s,
                    // Not attached yet: nothing can be sent there.
                    None => {
                        batch.clear();
                        next = next.or_else(|| self.responder.poll_transmit());
                        continue;
                    }
                },
            };
            let written = link::write_all_vectored(stream, &batch);
            batch.clear();
            if written.is_err() {
                self.responder.handle_eof(channel);
                return Ok(());
            }
            while let Ok(input) = self.inputs.rx.try_recv() {
                self.feed(input);
            }
            if next.is_none() {
                next = self.responder.poll_transmit();
            }
        }
        if !self.responder.is_sending_data() {
            self.command_reader.reclaim();
        }
        Ok(())
    }
}
