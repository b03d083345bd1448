//! The server on a poll of its own, on a thread: [`serve`] and its [`ServerHandle`].

use std::io;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Instant;

use mio::net::TcpListener;
use mio::{Events, Poll, Token, Waker};
use ptpip_protocol::responder::{Device, ResponderConfig};

use super::{Server, ServerEvent};
use crate::wakeup::Wakeup;

/// A running server; dropping it (or calling [`stop`](Self::stop)) stops it and ends its
/// sessions.
pub struct ServerHandle {
    addr: SocketAddr,
    event_addr: Option<SocketAddr>,
    stop: Arc<AtomicBool>,
    waker: Arc<Waker>,
    thread: Option<JoinHandle<()>>,
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

    /// Stops the server: no more connections are accepted, and its sessions end.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.waker.wake();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn to_mio(listener: StdListener) -> io::Result<TcpListener> {
    listener.set_nonblocking(true)?;
    Ok(TcpListener::from_std(listener))
}

/// Serves `make_device()` cameras on `listener` (and, for the Fujifilm dialect, event connections
/// on `event_listener`) on a thread with a poll of its own, until the handle is dropped: the
/// blocking convenience over [`Server`]. Initiators' breaches of the protocol are logged on
/// stderr, one line each (`ptpip: conformance: ADDR: …`).
pub fn serve<D, F>(
    listener: StdListener,
    event_listener: Option<StdListener>,
    config: ResponderConfig,
    make_device: F,
) -> io::Result<ServerHandle>
where
    D: Device + Send + 'static,
    F: FnMut() -> D + Send + 'static,
{
    let addr = listener.local_addr()?;
    let event_addr = event_listener
        .as_ref()
        .map(StdListener::local_addr)
        .transpose()?;
    let mut poll = Poll::new()?;
    let mut server = Server::new(
        to_mio(listener)?,
        event_listener.map(to_mio).transpose()?,
        config,
        make_device,
        poll.registry(),
        Token(0),
    )?;
    // mio allows one waker per poll: stopping uses the server's.
    let waker = server.waker();
    let stop = Arc::new(AtomicBool::new(false));
    let sessions = Arc::new(AtomicU32::new(0));
    let thread = {
        let (stop, sessions) = (stop.clone(), sessions.clone());
        thread::Builder::new()
            .name("ptpip-mio-server".into())
            .spawn(move || {
                let mut events = Events::with_capacity(256);
                // Far above the tokens the server hands out, one per connection.
                let mut wakeup = Wakeup::new(poll.registry(), Token(usize::MAX));
                while !stop.load(Ordering::SeqCst) {
                    let now = Instant::now();
                    let timeout = wakeup.poll_timeout(now, server.timeout(now));
                    if let Err(e) = poll.poll(&mut events, timeout)
                        && e.kind() != io::ErrorKind::Interrupted
                    {
                        eprintln!("ptpip: server: poll failed: {e}");
                        return;
                    }
                    let now = Instant::now();
                    for e in &events {
                        if wakeup.is(e.token()) {
                            wakeup.fired();
                        } else if server.owns(e.token()) {
                            server.handle_event(now, e);
                        }
                    }
                    server.handle_timeout(now);
                    while let Some(e) = server.poll_event() {
                        match e {
                            ServerEvent::SessionStarted { .. } => {
                                sessions.fetch_add(1, Ordering::SeqCst);
                            }
                            ServerEvent::Violation { peer, violation } => {
                                eprintln!("ptpip: conformance: {peer}: {violation}");
                            }
                            _ => {}
                        }
                    }
                }
            })?
    };
    Ok(ServerHandle {
        addr,
        event_addr,
        stop,
        waker,
        thread: Some(thread),
        sessions,
    })
}
