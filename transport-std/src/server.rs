//! The camera server: [`Responder`]s on a `TcpListener`, one per initiator, several at once.
//!
//! Every accepted connection is sorted by its first packet
//! ([`ConnectionSorter`](ptpip_protocol::responder::ConnectionSorter), which answers the probes an
//! initiator may send first): an Init_Command_Request starts a session on its own thread; an
//! Init_Event_Request joins the session with that connection number. For the Fujifilm dialect the
//! event connection comes to a separate listener and carries no init packet; it joins the newest
//! session still waiting for one.
//!
//! A session has two threads that take turns at its [`Responder`] (behind a mutex, never held
//! while waiting): its own, which reads the command connection directly (no hand-off per round
//! trip) and answers; and a pusher, which waits on a channel for the event connection's input,
//! the device's wake-ups ([`DeviceWaker`]) and the responder's next deadline, and writes data-in
//! phases, so that the command connection is still read meanwhile and a Cancel stops a large
//! object within a packet. Nothing polls: a device event goes out as soon as the device raises
//! it. Every breach of the protocol a session's responder reports ([`Violation`]) is logged: to
//! stderr by [`serve`], to any function by [`serve_logging`], so the server doubles as a
//! conformance checker for initiators.

use std::collections::HashMap;
use std::io::{self, Read};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use ptpip_protocol::responder::{
    ConnectionKind, ConnectionSorter, Device, DeviceWaker, Responder, ResponderConfig,
    ResponderEvent, Violation, unknown_connection_refusal,
};
use ptpip_protocol::{Channel, ConnectionNumber, Dialect, Transmit};

use crate::link::{self, DirectReader, Input, Inputs, ReadOutcome};

/// The most bytes gathered for one vectored write.
const BATCH: usize = 1 << 20;

/// An event socket on its way to its session, with the bytes already read from it.
type EventSocket = (TcpStream, BytesMut);

/// Where a session waits for its event connection: the socket goes down `socket`, then
/// `wake` tells the session's pusher to take it.
#[derive(Clone)]
struct EventDoor {
    socket: Sender<EventSocket>,
    wake: SyncSender<Input>,
}

impl EventDoor {
    fn hand_over(&self, event: EventSocket) {
        if self.socket.send(event).is_ok() {
            let _ = self.wake.send(Input::Wake);
        }
    }
}

#[derive(Default)]
struct Registry {
    /// Sessions waiting for their event connection, by connection number.
    waiting: HashMap<u32, EventDoor>,
    /// Fujifilm: the newest session waiting for its event connection.
    fuji_waiting: Option<EventDoor>,
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
                        if let Some(door) = waiting {
                            door.hand_over((s, BytesMut::new()));
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
                Some(door) => door.hand_over((stream, prefix)),
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
    let (Ok(reader), Ok(writer), Ok(peer)) = (
        command.try_clone().and_then(DirectReader::new),
        command.try_clone(),
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
    let door = EventDoor {
        socket: event_tx,
        wake: inputs.tx.clone(),
    };
    if let Ok(mut r) = shared.registry.lock() {
        if fuji {
            r.fuji_waiting = Some(door);
        } else {
            r.waiting.insert(number, door);
        }
    }
    let mut responder = Responder::new(config, (shared.make_device)());
    let wake = inputs.tx.clone();
    responder.set_waker(DeviceWaker::new(move || {
        // A full queue already wakes the pusher.
        let _ = wake.try_send(Input::Wake);
    }));
    let session = Arc::new(Session {
        core: Mutex::new(Core {
            responder,
            carry: None,
            timer_at: None,
            over: false,
            peer,
            log: shared.log.clone(),
        }),
        writers: [
            Mutex::new(Writer {
                stream: Some(writer),
                batch: Vec::new(),
            }),
            Mutex::new(Writer::default()),
        ],
        command,
        wake: inputs.tx.clone(),
    });
    let pusher = {
        let session = session.clone();
        let Inputs { rx, .. } = inputs;
        thread::Builder::new()
            .name("ptpip-session-push".into())
            .spawn(move || session.push_loop(&rx, &event_rx))
    };
    if let Ok(pusher) = pusher {
        session.read_loop(reader, prefix);
        let _ = session.wake.send(Input::Wake);
        let _ = pusher.join();
    }
    session.close_sockets();
    if let Ok(mut r) = shared.registry.lock() {
        r.waiting.remove(&number);
    }
}

/// What a session's two threads share under one lock.
struct Core {
    responder: Responder<BoxedDevice>,
    /// A transmit taken from the responder for the next batch (it was for another channel than
    /// the batch being gathered); whoever writes next sends it first.
    carry: Option<Transmit>,
    /// The deadline the pusher waits for.
    timer_at: Option<Instant>,
    /// The session is over: both threads stop.
    over: bool,
    /// The initiator's address, for the log.
    peer: SocketAddr,
    log: ViolationLog,
}

impl Core {
    /// Logs the violations the responder reported; marks the session over once it is.
    fn take_events(&mut self) {
        while let Some(e) = self.responder.poll_event() {
            match e {
                ResponderEvent::Closed | ResponderEvent::ConnectionLost { .. } => {
                    self.over = true;
                }
                ResponderEvent::Violation(v) => (self.log)(self.peer, &v),
                _ => {}
            }
        }
        if self.responder.is_closed() {
            self.over = true;
        }
    }

    /// The first transmit of the next batch.
    fn next_transmit(&mut self) -> Option<Transmit> {
        self.carry.take().or_else(|| self.responder.poll_transmit())
    }

    /// Adds the transmits that follow `first` on its channel to `batch`, up to [`BATCH`] bytes
    /// (a data packet's header and its payload, which the responder hands over without copying
    /// it, leave together). Whether the responder had nothing more to send.
    fn fill_batch(&mut self, first: Bytes, channel: Channel, batch: &mut Vec<Bytes>) -> bool {
        let mut size = first.len();
        batch.push(first);
        while size < BATCH {
            match self.responder.poll_transmit() {
                Some(t) if t.channel == channel => {
                    size += t.payload.len();
                    batch.push(t.payload);
                }
                other => {
                    let drained = other.is_none();
                    self.carry = other;
                    return drained;
                }
            }
        }
        false
    }

    /// Once nothing is left to write: whether the session is over, and whether the responder's
    /// next deadline is earlier than the one the pusher waits for.
    fn end_of_pump(&self) -> (bool, bool) {
        let earlier = self
            .responder
            .poll_timeout()
            .is_some_and(|t| self.timer_at.is_none_or(|at| t < at));
        (self.over, earlier)
    }
}

/// A socket's write side, and the batch written to it (kept, so that a batch costs no
/// allocation).
#[derive(Default)]
struct Writer {
    stream: Option<TcpStream>,
    batch: Vec<Bytes>,
}

/// One initiator's session. See the [module docs](self).
struct Session {
    core: Mutex<Core>,
    /// The sockets' write sides, each locked from taking a batch (under `core`) to the end of
    /// its write, so that batches go out in the order they were taken.
    writers: [Mutex<Writer>; 2],
    /// The command connection, to shut down at the end.
    command: TcpStream,
    /// The pusher's queue.
    wake: SyncSender<Input>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Session {
    /// The session's own thread: reads the command connection and answers, until the session
    /// is over.
    fn read_loop(&self, mut reader: DirectReader, prefix: BytesMut) {
        {
            let now = Instant::now();
            let mut core = lock(&self.core);
            core.responder.handle_connected(now, Channel::Command);
            let _ = core.responder.handle_input(now, Channel::Command, prefix);
        }
        // Whether the session is over, as the last pump saw it (one lock less per round trip;
        // a session the pusher ends has its sockets shut, which ends the read below).
        let mut over = self.pump(None);
        loop {
            if over {
                return;
            }
            let outcome = reader.read(None);
            let now = Instant::now();
            {
                let mut core = lock(&self.core);
                match outcome {
                    Ok(ReadOutcome::Data(b)) => {
                        let _ = core.responder.handle_input(now, Channel::Command, b);
                        if !core.responder.wants_write(Channel::Command) {
                            // Nothing to answer with yet (the rest of a packet, a data-out
                            // phase, or a held reply is awaited): acknowledge now, not with
                            // the answer.
                            reader.ack_now();
                        }
                    }
                    Ok(ReadOutcome::Idle) => continue,
                    Ok(ReadOutcome::Eof) | Err(_) => {
                        core.responder.handle_eof(now, Channel::Command);
                        core.take_events();
                        core.over = true;
                    }
                }
            }
            over = self.pump(None);
        }
    }

    /// The pusher: the event connection's input, the device's wake-ups and the responder's
    /// deadlines, and data-in phases written while the session's thread reads on.
    fn push_loop(&self, rx: &Receiver<Input>, event_rx: &Receiver<EventSocket>) {
        loop {
            let deadline = {
                let mut core = lock(&self.core);
                if core.over {
                    return;
                }
                let d = core.responder.poll_timeout();
                core.timer_at = d;
                d
            };
            let input = match deadline {
                Some(d) => match rx.recv_timeout(d.saturating_duration_since(Instant::now())) {
                    Ok(input) => Some(input),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return,
                },
                None => match rx.recv() {
                    Ok(input) => Some(input),
                    Err(_) => return,
                },
            };
            self.feed(input, event_rx);
            self.pump(Some((rx, event_rx)));
        }
    }

    /// Gives the responder what the pusher was woken for, and the time.
    fn feed(&self, input: Option<Input>, event_rx: &Receiver<EventSocket>) {
        let now = Instant::now();
        let mut core = lock(&self.core);
        match input {
            Some(Input::Data(ch, b)) => {
                let _ = core.responder.handle_input(now, ch, b);
            }
            Some(Input::Eof(ch)) => core.responder.handle_eof(now, ch),
            Some(Input::Wake) | None => {}
        }
        if let Ok((stream, prefix)) = event_rx.try_recv() {
            self.attach_event(&mut core, now, stream, prefix);
        }
        if core.responder.poll_timeout().is_some_and(|t| t <= now) {
            core.responder.handle_timeout(now);
        }
    }

    fn attach_event(&self, core: &mut Core, now: Instant, stream: TcpStream, prefix: BytesMut) {
        let (Ok(read), Ok(write)) = (stream.try_clone(), stream.try_clone()) else {
            return;
        };
        if link::spawn_reader(Channel::Event, read, self.wake.clone()).is_err() {
            return;
        }
        lock(&self.writers[1]).stream = Some(write);
        core.responder.handle_connected(now, Channel::Event);
        if !prefix.is_empty() {
            let _ = core.responder.handle_input(now, Channel::Event, prefix);
        }
    }

    /// Writes what the responder has. Called by the pusher with its queues, which it takes
    /// between two batches (so that the event connection's input reaches a responder busy
    /// sending a large object); by the session's thread without, which goes back to reading once
    /// a data-in phase is under way (the pusher writes the rest) and wakes the pusher when the
    /// next deadline came earlier than the one it waits for.
    ///
    /// Returns whether the session is over, as it last looked.
    fn pump(&self, pusher: Option<(&Receiver<Input>, &Receiver<EventSocket>)>) -> bool {
        let reader = pusher.is_none();
        loop {
            if let Some((rx, event_rx)) = pusher {
                while let Ok(input) = rx.try_recv() {
                    self.feed(Some(input), event_rx);
                }
            }
            let mut core = lock(&self.core);
            core.take_events();
            let Some(Transmit { channel, payload }) = core.next_transmit() else {
                let end = core.end_of_pump();
                drop(core);
                return self.end_pump(reader, end);
            };
            let mut guard = lock(&self.writers[usize::from(channel == Channel::Event)]);
            let writer = &mut *guard;
            let drained = core.fill_batch(payload, channel, &mut writer.batch);
            let sending = core.responder.is_sending_data();
            let over = core.over;
            // The session's thread that took the last transmit ends here once this batch is out:
            // what other threads make later they write themselves.
            let end = (reader && drained && !sending).then(|| {
                core.take_events();
                core.end_of_pump()
            });
            drop(core);
            let written = match writer.stream.as_mut() {
                Some(stream) => link::write_all_vectored(stream, &writer.batch).is_ok(),
                // Not attached yet: nothing can be sent there.
                None => true,
            };
            writer.batch.clear();
            drop(guard);
            if !written {
                lock(&self.core)
                    .responder
                    .handle_eof(Instant::now(), channel);
                continue;
            }
            if reader && sending {
                let _ = self.wake.try_send(Input::Wake);
                return over;
            }
            if let Some(end) = end {
                return self.end_pump(reader, end);
            }
        }
    }

    /// What a pump does once nothing is left to write: closes the sockets of a session that is
    /// over; the session's thread wakes the pusher for that, or for a deadline earlier than the
    /// one it waits for.
    fn end_pump(&self, reader: bool, (over, earlier): (bool, bool)) -> bool {
        if over {
            self.close_sockets();
        }
        if reader && (over || earlier) {
            let _ = self.wake.try_send(Input::Wake);
        }
        over
    }

    /// Ends both connections (the threads reading them stop).
    fn close_sockets(&self) {
        let _ = self.command.shutdown(Shutdown::Both);
        if let Some(e) = lock(&self.writers[1]).stream.as_ref() {
            let _ = e.shutdown(Shutdown::Both);
        }
    }
}
