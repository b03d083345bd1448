//! [`RelayRunner`]: a [`Relay`] on a `Poll` of its own, run until stopped.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use mio::{Events, Poll, Token, Waker};

use super::{Relay, RelayConfig, RelayEvent};
use crate::wakeup::Wakeup;

/// The waker's token; the relay's start after it.
const WAKER: Token = Token(0);
/// The relay's first token.
const RELAY: Token = Token(1);
/// The wake-up's timer: far above the tokens the relay hands out, one per connection.
const WAKEUP: Token = Token(usize::MAX);

/// Stops a running [`RelayRunner`] from another thread or a signal handler: cheap to clone,
/// wakes the poll at once.
#[derive(Clone, Debug)]
pub struct Stopper {
    waker: Arc<Waker>,
    stop: Arc<AtomicBool>,
}

impl Stopper {
    /// Asks the relay to stop; [`RelayRunner::run`] returns once it has.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.waker.wake();
    }

    /// Whether [`stop`](Self::stop) was called.
    #[must_use]
    pub fn is_stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// A [`Relay`] with a `Poll` of its own, on the calling thread.
pub struct RelayRunner {
    poll: Poll,
    relay: Relay,
    stopper: Stopper,
}

impl std::fmt::Debug for RelayRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayRunner")
            .field("relay", &self.relay)
            .finish_non_exhaustive()
    }
}

impl RelayRunner {
    /// Binds the relay's sockets.
    pub fn bind(config: RelayConfig) -> io::Result<Self> {
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let relay = Relay::bind(config, poll.registry(), RELAY)?;
        Ok(Self {
            poll,
            relay,
            stopper: Stopper {
                waker,
                stop: Arc::new(AtomicBool::new(false)),
            },
        })
    }

    /// The addresses it listens on (see [`Relay::local_addrs`]).
    #[must_use]
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.relay.local_addrs()
    }

    /// A handle that stops [`run`](Self::run).
    #[must_use]
    pub fn stopper(&self) -> Stopper {
        self.stopper.clone()
    }

    /// Relays until stopped, handing every event to `on_event`; returns once the stop has
    /// finished (connections closed, and a shared camera session closed gracefully).
    pub fn run(mut self, mut on_event: impl FnMut(RelayEvent)) -> io::Result<()> {
        let mut events = Events::with_capacity(256);
        let mut wakeup = Wakeup::new(self.poll.registry(), WAKEUP);
        let mut stopping = false;
        loop {
            if self.stopper.is_stopped() && !stopping {
                stopping = true;
                self.relay.stop();
            }
            while let Some(e) = self.relay.poll_event() {
                on_event(e);
            }
            if stopping && self.relay.is_finished() {
                return Ok(());
            }
            let now = Instant::now();
            let wait = wakeup.poll_timeout(now, self.relay.timeout(now));
            match self.poll.poll(&mut events, wait) {
                Err(e) if e.kind() != io::ErrorKind::Interrupted => return Err(e),
                _ => {}
            }
            let now = Instant::now();
            for event in &events {
                if wakeup.is(event.token()) {
                    wakeup.fired();
                } else if self.relay.owns(event.token()) {
                    self.relay.handle_event(now, event);
                }
            }
            self.relay.handle_timeout(Instant::now());
        }
    }
}
