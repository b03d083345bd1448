//! A relay of `ptpip-transport-mio` running on a thread of its own, for the end-to-end tests.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};

use ptpip_transport_mio::{RelayConfig, RelayEvent, RelayRunner, Stopper};

/// A running relay; its events are kept until [`stop`](Self::stop).
#[derive(Debug)]
pub struct RunningRelay {
    addrs: Vec<SocketAddr>,
    stopper: Stopper,
    events: mpsc::Receiver<RelayEvent>,
    thread: Option<JoinHandle<()>>,
}

impl RunningRelay {
    /// Binds `config` and runs it on a new thread.
    ///
    /// # Panics
    ///
    /// When the relay cannot bind.
    #[must_use]
    pub fn start(config: RelayConfig) -> Self {
        let runner = RelayRunner::bind(config).expect("the relay binds");
        let addrs = runner.local_addrs();
        let stopper = runner.stopper();
        let (tx, events) = mpsc::channel();
        let thread = thread::spawn(move || {
            runner
                .run(move |e| {
                    let _ = tx.send(e);
                })
                .expect("the relay runs");
        });
        Self {
            addrs,
            stopper,
            events,
            thread: Some(thread),
        }
    }

    /// The port initiators connect to.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.addrs[0].port()
    }

    /// Every address it listens on.
    #[must_use]
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The events reported so far.
    #[must_use]
    pub fn events_so_far(&self) -> Vec<RelayEvent> {
        self.events.try_iter().collect()
    }

    /// Stops the relay, waits for it, and returns the events not taken yet.
    ///
    /// # Panics
    ///
    /// When the relay's thread panicked.
    #[must_use]
    pub fn stop(mut self) -> Vec<RelayEvent> {
        self.stopper.stop();
        if let Some(t) = self.thread.take() {
            t.join().expect("the relay thread");
        }
        self.events.try_iter().collect()
    }
}

impl Drop for RunningRelay {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            self.stopper.stop();
            let _ = t.join();
        }
    }
}
