//! The camera server: one [`Responder`] per initiator, in a caller's `mio` event loop
//! ([`Server`]), or on a poll of its own ([`serve`], which returns a [`ServerHandle`]).
//!
//! Every accepted connection is sorted by its first packet ([`ConnectionSorter`], which answers
//! the probes an initiator may send first): an Init_Command_Request starts a session; an
//! Init_Event_Request joins the session with that connection number. For the Fujifilm dialect the
//! event connection comes to a second listener and carries no init packet; it joins the newest
//! session still waiting for one. Nothing polls: sockets are driven by readiness, deadlines come
//! from the responders' `poll_timeout`, and a device that raises an event on its own wakes the
//! loop through a [`mio::Waker`] (its [`DeviceWaker`]).

mod handle;
mod session;

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::event::Event as MioEvent;
use mio::net::TcpListener;
use mio::{Interest, Registry, Token, Waker};
use ptpip_protocol::responder::{
    ConnectionKind, ConnectionSorter, Device, DeviceWaker, Responder, ResponderConfig, Violation,
    unknown_connection_refusal,
};
use ptpip_protocol::{Channel, ConnectionNumber, Dialect, Error};

use crate::link::{Link, ReadOutcome};
pub use handle::{ServerHandle, serve};
use session::Session;

/// Any device, boxed, so one server serves them all.
type BoxedDevice = Box<dyn Device + Send>;

/// What a [`Server`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// An Init_Command_Request started a session.
    SessionStarted {
        /// The initiator's address (its command connection's).
        peer: SocketAddr,
    },
    /// An initiator broke the protocol ([`Violation`]): the server doubles as a conformance
    /// checker.
    Violation {
        /// The initiator's address.
        peer: SocketAddr,
        /// What it did, and what the responder did about it.
        violation: Violation,
    },
    /// A session ended: closed by the initiator (`reason: None`) or failed.
    SessionEnded {
        /// The initiator's address.
        peer: SocketAddr,
        /// Why it failed, if it did.
        reason: Option<Error>,
    },
}

/// A connection not yet sorted by its first packet.
struct Unsorted {
    link: Link,
    sorter: ConnectionSorter,
    /// When it is closed if it has not said what it is.
    deadline: Instant,
}

/// A PTP/IP camera server in a caller's `mio` event loop.
///
/// It registers its listening sockets under `token_base` and `token_base + 1` (the Fujifilm
/// event listener), its waker under `token_base + 2`, and every connection under the tokens after
/// them: the caller gives it every event whose token is at least `token_base`
/// ([`owns`](Self::owns)). Driven like [`MioClient`](crate::MioClient):
/// [`handle_event`](Self::handle_event) for readiness, [`handle_timeout`](Self::handle_timeout)
/// after every poll, [`timeout`](Self::timeout) for how long the poll may sleep, and
/// [`poll_event`](Self::poll_event) drained after each call.
///
/// mio allows one [`Waker`] per `Poll`: a caller that needs one too shares the server's
/// ([`waker`](Self::waker)); its wake-ups arrive as the server's waker token, which the server
/// takes as a hint to look at its devices (harmless).
pub struct Server {
    registry: Registry,
    base: usize,
    listeners: Vec<TcpListener>,
    waker: Arc<Waker>,
    config: ResponderConfig,
    make_device: Box<dyn FnMut() -> BoxedDevice + Send>,
    next_token: usize,
    next_number: u32,
    unsorted: HashMap<Token, Unsorted>,
    /// Sessions by connection number.
    sessions: HashMap<u32, Session>,
    /// Each session connection's token: its session and channel.
    tokens: HashMap<Token, (u32, Channel)>,
    /// Fujifilm: the newest session waiting for its event connection.
    fuji_waiting: Option<u32>,
    served: u32,
    events: VecDeque<ServerEvent>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("listening", &self.local_addrs())
            .field("sessions", &self.sessions.len())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Serves `make_device()` cameras on `listener` (and, for the Fujifilm dialect, event
    /// connections on `event_listener`), registering the sockets in `registry`.
    pub fn new<D, F>(
        mut listener: TcpListener,
        event_listener: Option<TcpListener>,
        config: ResponderConfig,
        mut make_device: F,
        registry: &Registry,
        token_base: Token,
    ) -> io::Result<Self>
    where
        D: Device + Send + 'static,
        F: FnMut() -> D + Send + 'static,
    {
        registry.register(&mut listener, token_base, Interest::READABLE)?;
        let mut listeners = vec![listener];
        if let Some(mut l) = event_listener {
            registry.register(&mut l, Token(token_base.0 + 1), Interest::READABLE)?;
            listeners.push(l);
        }
        let waker = Arc::new(Waker::new(registry, Token(token_base.0 + 2))?);
        Ok(Self {
            registry: registry.try_clone()?,
            base: token_base.0,
            listeners,
            waker,
            config,
            make_device: Box::new(move || Box::new(make_device()) as BoxedDevice),
            next_token: token_base.0 + 3,
            next_number: 1,
            unsorted: HashMap::new(),
            sessions: HashMap::new(),
            tokens: HashMap::new(),
            fuji_waiting: None,
            served: 0,
            events: VecDeque::new(),
        })
    }

    /// The addresses it listens on: the command port first, then the Fujifilm event port.
    #[must_use]
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect()
    }

    /// Whether `token` is the server's.
    #[must_use]
    pub const fn owns(&self, token: Token) -> bool {
        token.0 >= self.base
    }

    /// The waker registered under `token_base + 2`, for a caller that needs to wake its poll.
    #[must_use]
    pub fn waker(&self) -> Arc<Waker> {
        self.waker.clone()
    }

    /// Sessions started so far (finished or not).
    #[must_use]
    pub const fn sessions(&self) -> u32 {
        self.served
    }

    /// The next thing to report.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    /// Handles readiness for one of the server's tokens.
    pub fn handle_event(&mut self, now: Instant, event: &MioEvent) {
        let token = event.token();
        match token.0.checked_sub(self.base) {
            Some(0) => self.accept(now, 0),
            Some(1) => self.accept(now, 1),
            Some(2) => {
                // A device raised an event: every session sends what its device has.
                for s in self.sessions.values_mut() {
                    s.pump(now, &self.registry);
                }
            }
            _ => {
                if let Some(u) = self.unsorted.get_mut(&token) {
                    u.link.on_event(event);
                    self.sort(now, token);
                } else if let Some(&(number, channel)) = self.tokens.get(&token)
                    && let Some(s) = self.sessions.get_mut(&number)
                {
                    s.on_event(channel, event);
                    s.pump(now, &self.registry);
                }
            }
        }
        self.reap();
    }

    /// Fires the deadlines that passed (the responders', and unsorted connections' that never
    /// said what they are). Harmless when nothing is due: call it after every poll.
    pub fn handle_timeout(&mut self, now: Instant) {
        let late: Vec<Token> = self
            .unsorted
            .iter()
            .filter(|(_, u)| u.deadline <= now)
            .map(|(t, _)| *t)
            .collect();
        for t in late {
            if let Some(mut u) = self.unsorted.remove(&t) {
                u.link.close(&self.registry, None);
            }
        }
        for s in self.sessions.values_mut() {
            if s.responder.poll_timeout().is_some_and(|t| t <= now) {
                s.responder.handle_timeout(now);
                s.pump(now, &self.registry);
            } else if s.has_work() {
                s.pump(now, &self.registry);
            }
        }
        self.reap();
    }

    /// How long the caller's poll may sleep: zero while a session has more to send (a data-in
    /// phase goes out a megabyte per turn), until the next deadline, or `None` when nothing is
    /// due.
    #[must_use]
    pub fn timeout(&self, now: Instant) -> Option<Duration> {
        if self.sessions.values().any(Session::has_work) {
            return Some(Duration::ZERO);
        }
        self.sessions
            .values()
            .filter_map(|s| s.responder.poll_timeout())
            .chain(self.unsorted.values().map(|u| u.deadline))
            .min()
            .map(|t| t.saturating_duration_since(now))
    }

    fn token(&mut self) -> Token {
        let t = Token(self.next_token);
        self.next_token += 1;
        t
    }

    /// Accepts what waits on listener `n` (0: command and generic event connections; 1: the
    /// Fujifilm event connection).
    fn accept(&mut self, now: Instant, n: usize) {
        loop {
            let Some(listener) = self.listeners.get(n) else {
                return;
            };
            let stream = match listener.accept() {
                Ok((stream, _)) => stream,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // A connection that failed before we took it: the next one may be fine.
                Err(_) => continue,
            };
            let token = self.token();
            let Ok(link) = Link::accepted(token, stream, &self.registry) else {
                continue;
            };
            if n == 1 {
                self.attach_fuji_event(now, link);
            } else {
                let deadline = now + self.config.init_timeout;
                self.unsorted.insert(
                    token,
                    Unsorted {
                        link,
                        sorter: ConnectionSorter::new(),
                        deadline,
                    },
                );
            }
        }
    }

    /// Reads an unsorted connection until its first packet says what it is.
    fn sort(&mut self, now: Instant, token: Token) {
        let Some(u) = self.unsorted.get_mut(&token) else {
            return;
        };
        let kind = loop {
            let sorted = u.sorter.poll();
            let reply = u.sorter.take_reply();
            if !reply.is_empty() && u.link.write_now(&reply).map_or(true, |n| n < reply.len()) {
                // A peer that does not read the answers to its probes is not worth waiting for.
                break None;
            }
            match sorted {
                Ok(Some(kind)) => break Some(kind),
                Ok(None) => {}
                Err(_) => break None,
            }
            if !u.link.readable {
                return;
            }
            match u.link.read() {
                ReadOutcome::Data(b) => u.sorter.push(&b),
                ReadOutcome::WouldBlock => return,
                ReadOutcome::Eof | ReadOutcome::Failed(_) => break None,
            }
        };
        let Some(mut u) = self.unsorted.remove(&token) else {
            return;
        };
        match kind {
            None => u.link.close(&self.registry, None),
            Some(ConnectionKind::Command) => self.start_session(now, u),
            Some(ConnectionKind::Event(n)) => {
                let rest = u.sorter.into_rest();
                match self
                    .sessions
                    .get_mut(&n.0)
                    .filter(|s| s.links[1].is_none() && self.config.dialect == Dialect::Generic)
                {
                    Some(s) => {
                        self.tokens.insert(token, (n.0, Channel::Event));
                        s.attach_event(now, u.link, rest, &self.registry);
                    }
                    None => {
                        // No such session: refused, as a camera would.
                        let _ = u.link.write_now(&unknown_connection_refusal());
                        u.link.close(&self.registry, None);
                    }
                }
            }
        }
    }

    fn start_session(&mut self, now: Instant, u: Unsorted) {
        let Some((_, peer)) = u.link.addrs() else {
            return;
        };
        let number = self.next_number;
        self.next_number += 1;
        self.served += 1;
        let mut config = self.config.clone();
        config.connection_number = ConnectionNumber(number);
        let mut responder = Responder::new(config, (self.make_device)());
        let waker = self.waker.clone();
        responder.set_waker(DeviceWaker::new(move || {
            let _ = waker.wake();
        }));
        if self.config.dialect == Dialect::Fuji {
            self.fuji_waiting = Some(number);
        }
        self.tokens
            .insert(u.link.token(), (number, Channel::Command));
        self.events.push_back(ServerEvent::SessionStarted { peer });
        let rest = u.sorter.into_rest();
        let mut s = Session::new(responder, u.link, peer);
        s.responder.handle_connected(now, Channel::Command);
        let _ = s.responder.handle_input(now, Channel::Command, rest);
        s.pump(now, &self.registry);
        self.sessions.insert(number, s);
    }

    fn attach_fuji_event(&mut self, now: Instant, mut link: Link) {
        let waiting = self
            .fuji_waiting
            .take()
            .and_then(|n| self.sessions.get_mut(&n).map(|s| (n, s)));
        match waiting {
            Some((n, s)) if s.links[1].is_none() => {
                self.tokens.insert(link.token(), (n, Channel::Event));
                s.attach_event(now, link, bytes::BytesMut::new(), &self.registry);
            }
            _ => link.close(&self.registry, None),
        }
    }

    /// Takes the sessions' reports; removes the sessions that are over.
    fn reap(&mut self) {
        let mut ended = Vec::new();
        for (&n, s) in &mut self.sessions {
            s.take_events(&mut self.events);
            if s.is_finished() {
                ended.push(n);
            }
        }
        for n in ended {
            if let Some(mut s) = self.sessions.remove(&n) {
                for link in s.links.iter_mut().flatten() {
                    self.tokens.remove(&link.token());
                    link.close(&self.registry, None);
                }
                self.events.push_back(ServerEvent::SessionEnded {
                    peer: s.peer,
                    reason: s.reason.take(),
                });
            }
        }
    }
}
