//! [`Relay`]: a PTP/IP relay as a component of a caller's `mio::Poll`, one thread for every
//! socket; [`RelayRunner`] runs one on a `Poll` of its own.
//!
//! In plain pass-through each initiator connection is piped, byte for byte, to a new connection
//! to the camera (the Fujifilm event port included), and the [`Pipe`](ptpip_protocol::relay::Pipe)
//! of `ptpip-protocol` decodes a copy into [`Record`]s. With [`RelayConfig::share`] the relay
//! owns one camera session and the protocol's [`Share`](ptpip_protocol::relay::Share) plays the camera towards every
//! initiator. Either way this module only moves bytes and time: every decision, every record
//! and every deadline comes from the protocol crate.

mod pass;
mod runner;
mod share;
mod splice;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use mio::event::Event as MioEvent;
use mio::net::TcpListener;
use mio::{Interest, Registry, Token};
use ptpip_protocol::calls::Ports;
use ptpip_protocol::relay::{Direction, ObserverConfig, Record, Segment, ShareConfig};
use ptpip_protocol::{Channel, Dialect};

pub use runner::{RelayRunner, Stopper};

use crate::link::Link;
use pass::PipeConn;

/// What a relay listens on, where it forwards to, and how.
#[derive(Clone, Debug)]
pub struct RelayConfig {
    /// Where initiators connect (the command port; in the generic dialect both connections).
    pub listen: SocketAddr,
    /// Fujifilm pass-through: where initiators open the event connection. `None`: the listen
    /// port + 1 (or a port the OS picks when the listen port is 0).
    pub listen_event: Option<SocketAddr>,
    /// The camera's host name or address. A name is resolved once, when the relay binds.
    pub camera: String,
    /// The camera's ports.
    pub camera_ports: Ports,
    /// The camera's dialect.
    pub dialect: Dialect,
    /// How traffic is decoded (its dialect is set from [`dialect`](Self::dialect)), and whether
    /// it is cut into capture segments.
    pub observer: ObserverConfig,
    /// Share one camera session among the initiators instead of piping each one through
    /// (its camera dialect is set from [`dialect`](Self::dialect)). The initiators then speak
    /// standard PTP/IP whatever the camera's dialect, all on the listen port.
    pub share: Option<ShareConfig>,
    /// In pass-through, move the payload of large data packets from socket to socket inside the
    /// kernel (`splice(2)`, Linux only), never reading it: the decoder only counts those bytes.
    /// Off when capturing (a capture needs the bytes) and elsewhere than Linux, whatever this
    /// says. On by default.
    pub zero_copy: bool,
}

impl RelayConfig {
    /// A pass-through relay from `listen` to `camera` with the dialect's default ports.
    #[must_use]
    pub fn new(listen: SocketAddr, camera: impl Into<String>, dialect: Dialect) -> Self {
        Self {
            listen,
            listen_event: None,
            camera: camera.into(),
            camera_ports: Ports::for_dialect(dialect),
            dialect,
            observer: ObserverConfig::new(dialect),
            share: None,
            zero_copy: true,
        }
    }
}

/// What a [`Relay`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RelayEvent {
    /// A connection began: an initiator's (accepted), or the relay's own to the camera in
    /// sharing mode. The two ends are what a capture shows.
    Opened {
        /// The relay's number for it.
        connection: u64,
        /// The initiator's end.
        initiator: SocketAddr,
        /// The responder's end (the relay's listening address for an accepted connection).
        responder: SocketAddr,
    },
    /// A packet (or undecodable bytes, or a notice).
    Record(Record),
    /// Bytes for a capture, a packet at a time (only with [`ObserverConfig::capture`]).
    Segment {
        /// The connection.
        connection: u64,
        /// Which way they went.
        direction: Direction,
        /// The bytes and when they were read.
        segment: Segment,
    },
    /// What a piped connection carried, reported just before its [`Closed`](Self::Closed)
    /// (pass-through only).
    Forwarded {
        /// The connection.
        connection: u64,
        /// Bytes forwarded each way, by [`Direction::index`].
        bytes: [u64; 2],
        /// Of those, the data payload bytes moved from socket to socket inside the kernel,
        /// never read by the relay ([`RelayConfig::zero_copy`]).
        unread: [u64; 2],
    },
    /// A connection ended.
    Closed {
        /// The connection.
        connection: u64,
        /// Why, when it was not a clean close.
        reason: Option<String>,
    },
}

/// The pass-through read size: large reads, few system calls.
const SCRATCH: usize = 1 << 20;

/// Which listener a token is.
#[derive(Clone, Copy, Debug)]
struct Listener {
    /// The port's role (the Fujifilm event port is known by its port).
    channel: Option<Channel>,
    /// Where its connections go (pass-through).
    camera: SocketAddr,
}

/// What is relayed.
#[derive(Debug)]
enum Mode {
    Pass(BTreeMap<u64, PipeConn>),
    Share(Box<share::ShareDriver>),
}

/// The relay's numbering: connections, and the tokens of their sockets.
#[derive(Debug)]
pub(super) struct Ids {
    /// Sockets by token: connection number and side (0: initiator, 1: camera).
    tokens: HashMap<Token, (u64, usize)>,
    next_token: usize,
    next_connection: u64,
}

impl Ids {
    /// A new connection number.
    pub(super) const fn connection(&mut self) -> u64 {
        let id = self.next_connection;
        self.next_connection += 1;
        id
    }

    /// A new token for side `side` of connection `connection`.
    pub(super) fn token(&mut self, connection: u64, side: usize) -> Token {
        let t = Token(self.next_token);
        self.next_token += 1;
        self.tokens.insert(t, (connection, side));
        t
    }

    /// Forgets the tokens of a connection.
    pub(super) fn forget(&mut self, connection: u64) {
        self.tokens.retain(|_, (c, _)| *c != connection);
    }
}

/// A PTP/IP relay in a caller's `mio` event loop.
///
/// It registers its listening sockets under `token_base` and `token_base + 1`, and every
/// connection under the tokens after them: the caller gives it every event whose token is at
/// least `token_base` ([`owns`](Self::owns)). Driven like [`MioClient`](crate::MioClient):
/// [`handle_event`](Self::handle_event) for readiness, [`handle_timeout`](Self::handle_timeout)
/// after every poll, [`timeout`](Self::timeout) for how long the poll may sleep, and
/// [`poll_event`](Self::poll_event) drained after each call.
pub struct Relay {
    registry: Registry,
    base: usize,
    listeners: Vec<(TcpListener, Listener)>,
    ids: Ids,
    mode: Mode,
    /// Where pass-through reads land before they are written on (one buffer: one thread).
    scratch: Vec<u8>,
    observer: ObserverConfig,
    zero_copy: bool,
    events: VecDeque<RelayEvent>,
    now: Instant,
    stopping: bool,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("listening", &self.local_addrs())
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

fn resolve(host: &str, port: u16) -> io::Result<SocketAddr> {
    (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{host}: no address")))
}

impl Relay {
    /// Binds the listening sockets and registers them in `registry`.
    pub fn bind(config: RelayConfig, registry: &Registry, token_base: Token) -> io::Result<Self> {
        let command = resolve(&config.camera, config.camera_ports.command)?;
        let event = resolve(&config.camera, config.camera_ports.event)?;
        let mut observer = config.observer;
        observer.dialect = config.dialect;
        let mut listeners = vec![(
            TcpListener::bind(config.listen)?,
            Listener {
                channel: None,
                camera: command,
            },
        )];
        if config.dialect == Dialect::Fuji {
            let addr = config.listen_event.unwrap_or_else(|| {
                let mut a = config.listen;
                if a.port() != 0 {
                    a.set_port(a.port().wrapping_add(1));
                }
                a
            });
            listeners.push((
                TcpListener::bind(addr)?,
                Listener {
                    channel: Some(Channel::Event),
                    camera: event,
                },
            ));
        }
        let mode = match config.share {
            Some(mut share) => {
                share.camera.dialect = config.dialect;
                // Initiators speak standard PTP/IP on the one listen port.
                listeners.truncate(1);
                Mode::Share(Box::new(share::ShareDriver::new(
                    share,
                    [command, event],
                    observer,
                )))
            }
            None => Mode::Pass(BTreeMap::new()),
        };
        for (n, (l, _)) in listeners.iter_mut().enumerate() {
            registry.register(l, Token(token_base.0 + n), Interest::READABLE)?;
        }
        Ok(Self {
            registry: registry.try_clone()?,
            base: token_base.0,
            listeners,
            ids: Ids {
                tokens: HashMap::new(),
                next_token: token_base.0 + 2,
                next_connection: 1,
            },
            mode,
            scratch: vec![0; SCRATCH],
            observer,
            zero_copy: config.zero_copy,
            events: VecDeque::new(),
            now: Instant::now(),
            stopping: false,
        })
    }

    /// The addresses it listens on: the command port first, then the Fujifilm event port in
    /// pass-through.
    #[must_use]
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners
            .iter()
            .filter_map(|(l, _)| l.local_addr().ok())
            .collect()
    }

    /// Whether `token` is the relay's.
    #[must_use]
    pub const fn owns(&self, token: Token) -> bool {
        token.0 >= self.base
    }

    /// Handles readiness for one of the relay's tokens.
    pub fn handle_event(&mut self, now: Instant, event: &MioEvent) {
        let now = self.clock(now);
        let token = event.token();
        if let Some(n) = token.0.checked_sub(self.base).filter(|&n| n < 2) {
            self.accept(n, now);
            return;
        }
        let Some(&(connection, side)) = self.ids.tokens.get(&token) else {
            return;
        };
        match &mut self.mode {
            Mode::Pass(pipes) => {
                if let Some(p) = pipes.get_mut(&connection) {
                    p.on_event(side, event);
                    p.pump(now, &self.registry, &mut self.scratch, &mut self.events);
                }
            }
            Mode::Share(s) => s.handle_event(
                connection,
                event,
                now,
                &self.registry,
                &mut self.ids,
                &mut self.events,
            ),
        }
        self.reap();
    }

    /// Fires deadlines that passed and does work left over from the last call. Harmless when
    /// nothing is due: call it after every poll.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.clock(now);
        match &mut self.mode {
            Mode::Pass(pipes) => {
                for p in pipes.values_mut().filter(|p| p.has_work()) {
                    p.pump(now, &self.registry, &mut self.scratch, &mut self.events);
                }
            }
            Mode::Share(s) => {
                s.handle_timeout(now, &self.registry, &mut self.ids, &mut self.events)
            }
        }
        self.reap();
    }

    /// How long the caller's poll may sleep: zero with work left over, until the next deadline,
    /// or `None` when nothing is due.
    #[must_use]
    pub fn timeout(&self, now: Instant) -> Option<Duration> {
        match &self.mode {
            Mode::Pass(pipes) => pipes
                .values()
                .any(PipeConn::has_work)
                .then_some(Duration::ZERO),
            Mode::Share(s) => s.timeout(now),
        }
    }

    /// The next thing to report.
    pub fn poll_event(&mut self) -> Option<RelayEvent> {
        self.events.pop_front()
    }

    /// Stops: no more connections are accepted, piped connections are closed, and in sharing
    /// mode the camera session is closed gracefully. [`is_finished`](Self::is_finished) says
    /// when it is all over.
    pub fn stop(&mut self) {
        let now = self.clock(Instant::now());
        self.stopping = true;
        for (mut l, _) in self.listeners.drain(..) {
            let _ = self.registry.deregister(&mut l);
        }
        match &mut self.mode {
            Mode::Pass(pipes) => {
                for p in pipes.values_mut() {
                    p.close(
                        now,
                        &self.registry,
                        &mut self.events,
                        Some("the relay stopped".into()),
                    );
                }
            }
            Mode::Share(s) => s.stop(now, &self.registry, &mut self.ids, &mut self.events),
        }
        self.reap();
    }

    /// Whether [`stop`](Self::stop) has finished its work.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.stopping
            && match &self.mode {
                Mode::Pass(pipes) => pipes.is_empty(),
                Mode::Share(s) => s.is_finished(),
            }
    }

    fn clock(&mut self, now: Instant) -> Instant {
        self.now = self.now.max(now);
        self.now
    }

    /// Accepts every waiting connection on listener `n`.
    fn accept(&mut self, n: usize, now: Instant) {
        loop {
            let Some((listener, info)) = self.listeners.get(n) else {
                return;
            };
            let info = *info;
            let (stream, peer) = match listener.accept() {
                Ok(s) => s,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return,
            };
            let local = stream
                .local_addr()
                .unwrap_or_else(|_| self.local_addrs().first().copied().unwrap_or(peer));
            let id = self.ids.connection();
            let token = self.ids.token(id, 0);
            let Ok(link) = Link::accepted(token, stream, &self.registry) else {
                self.ids.forget(id);
                continue;
            };
            self.events.push_back(RelayEvent::Opened {
                connection: id,
                initiator: peer,
                responder: local,
            });
            match &mut self.mode {
                Mode::Pass(pipes) => {
                    let camera_token = self.ids.token(id, 1);
                    match PipeConn::open(
                        id,
                        link,
                        info.camera,
                        camera_token,
                        info.channel,
                        self.observer,
                        self.zero_copy,
                        &self.registry,
                    ) {
                        Ok(mut p) => {
                            p.pump(now, &self.registry, &mut self.scratch, &mut self.events);
                            pipes.insert(id, p);
                        }
                        Err(e) => {
                            self.ids.forget(id);
                            self.events.push_back(RelayEvent::Closed {
                                connection: id,
                                reason: Some(format!("cannot connect to the camera: {e}")),
                            });
                        }
                    }
                }
                Mode::Share(s) => {
                    s.accept(
                        id,
                        link,
                        now,
                        &self.registry,
                        &mut self.ids,
                        &mut self.events,
                    );
                }
            }
        }
    }

    /// Forgets connections that ended.
    fn reap(&mut self) {
        let Mode::Pass(pipes) = &mut self.mode else {
            return;
        };
        let gone: Vec<u64> = pipes
            .iter()
            .filter(|(_, p)| p.is_closed())
            .map(|(&id, _)| id)
            .collect();
        for id in gone {
            if let Some(p) = pipes.remove(&id) {
                for t in p.tokens() {
                    self.ids.tokens.remove(&t);
                }
            }
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        for (l, _) in &mut self.listeners {
            let _ = self.registry.deregister(l);
        }
    }
}
