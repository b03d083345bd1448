//! Ctrl-C (SIGINT) and SIGTERM: one process-wide handler for everything in the binary.
//!
//! [`interrupt_flag`] installs the handler the first time it is called and hands out the same
//! flag every time. The first signal sets the flag: long commands look at it ([`interrupted`]),
//! stop what they do (a transfer is cancelled on the wire, its partial file kept), close the
//! session and exit with [`exit_code`]: 130 for SIGINT, 143 for SIGTERM (128 + the signal's
//! number, as shells report it). A second signal while that runs exits at once with the same code.
//!
//! The flag is a [`Stop`]: besides being looked at, it can be waited on. [`Stop::wait`] is the
//! one way the binary pauses (a back-off before a retry, a frame schedule, a server that runs
//! until Ctrl-C): it returns at once when the stop comes, so nothing sleep-polls a flag. A
//! blocking accept is woken by [`Stop::wake_accept`], a connect in progress cancelled by a
//! waker ([`Stop::on_stop`]).
//!
//! On Unix the handler is `signal-hook`'s (a thread reading a self-pipe, so it can tell SIGINT
//! from SIGTERM); elsewhere `ctrlc`'s (Ctrl-C and the console's close events, reported as
//! SIGINT).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// SIGINT's number.
pub(crate) const SIGINT: i32 = 2;
/// SIGTERM's number.
pub(crate) const SIGTERM: i32 = 15;

/// The last signal received (0: none yet).
static LAST: AtomicI32 = AtomicI32::new(0);

/// How long a waker may take connecting to a listener to wake its accept.
const WAKE_CONNECT: Duration = Duration::from_secs(1);

/// Something to do when a [`Stop`] is set.
type Waker = Box<dyn Fn() + Send>;

/// A stop flag that can be waited on: once [`set`](Self::set), every [`wait`](Self::wait) on it
/// returns at once and the wakers registered with [`on_stop`](Self::on_stop) run. Clones share
/// the flag.
#[derive(Clone, Default)]
pub(crate) struct Stop(Arc<StopState>);

#[derive(Default)]
struct StopState {
    set: Mutex<bool>,
    changed: Condvar,
    wakers: Mutex<Vec<(u64, Waker)>>,
    next_waker: AtomicU64,
}

/// The lock's value even if a thread panicked holding it (a bool and a list stay consistent).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Stop {
    /// A new flag, not set.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Sets the flag: wakes every wait and runs the wakers. Returns whether it was set already.
    pub(crate) fn set(&self) -> bool {
        let was = std::mem::replace(&mut *lock(&self.0.set), true);
        self.0.changed.notify_all();
        if !was {
            for (_, wake) in lock(&self.0.wakers).iter() {
                wake();
            }
        }
        was
    }

    /// Whether the flag is set.
    pub(crate) fn is_set(&self) -> bool {
        *lock(&self.0.set)
    }

    /// Clears the flag (the wakers stay registered).
    pub(crate) fn clear(&self) {
        *lock(&self.0.set) = false;
    }

    /// Whether `self` and `other` are the same flag.
    #[cfg(test)]
    pub(crate) fn same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Waits `d`, or less if the flag is set meanwhile; returns whether it is set.
    pub(crate) fn wait(&self, d: Duration) -> bool {
        match Instant::now().checked_add(d) {
            Some(deadline) => self.wait_until(deadline),
            None => {
                self.wait_set();
                true
            }
        }
    }

    /// Waits until `deadline`, or less if the flag is set meanwhile; returns whether it is set.
    pub(crate) fn wait_until(&self, deadline: Instant) -> bool {
        let mut set = lock(&self.0.set);
        loop {
            if *set {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            set = self
                .0
                .changed
                .wait_timeout(set, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Waits until the flag is set.
    pub(crate) fn wait_set(&self) {
        let set = lock(&self.0.set);
        drop(
            self.0
                .changed
                .wait_while(set, |set| !*set)
                .unwrap_or_else(PoisonError::into_inner),
        );
    }

    /// Runs `wake` when the flag is set (at once if it is set already) until the returned guard
    /// is dropped. A stop that comes while it registers may run it twice: wakers cancel, kill
    /// or connect, which bear that.
    pub(crate) fn on_stop(&self, wake: impl Fn() + Send + 'static) -> OnStop {
        let id = self.0.next_waker.fetch_add(1, Ordering::Relaxed);
        // Run before it is listed, so that a stop coming meanwhile runs it at most once more.
        if self.is_set() {
            wake();
        }
        lock(&self.0.wakers).push((id, Box::new(wake)));
        OnStop {
            stop: self.clone(),
            id,
        }
    }

    /// Wakes a blocking `accept` on `listener` when the flag is set, by connecting to it (over
    /// loopback when it listens on every address); the loop that accepts checks the flag after
    /// each connection. Lasts as long as the returned guard.
    pub(crate) fn wake_accept(&self, listener: &TcpListener) -> io::Result<OnStop> {
        let mut addr = listener.local_addr()?;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
            });
        }
        Ok(self.on_stop(move || wake(addr)))
    }
}

/// Connects to `addr` and hangs up, to wake an accept there.
fn wake(addr: SocketAddr) {
    let _ = TcpStream::connect_timeout(&addr, WAKE_CONNECT);
}

impl std::fmt::Debug for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Stop").field(&self.is_set()).finish()
    }
}

/// A waker registered with [`Stop::on_stop`]; dropping it unregisters the waker.
#[must_use = "the waker is unregistered when this is dropped"]
pub(crate) struct OnStop {
    stop: Stop,
    id: u64,
}

impl Drop for OnStop {
    fn drop(&mut self) {
        lock(&self.stop.0.wakers).retain(|(i, _)| *i != self.id);
    }
}

/// The process-wide flag, once the handler is installed.
static FLAG: OnceLock<Result<Stop, String>> = OnceLock::new();

/// What the handler does with signal `sig`: set `flag`, or exit at once if it was set already.
fn on_signal(flag: &Stop, sig: i32) {
    LAST.store(sig, Ordering::SeqCst);
    if flag.set() {
        eprintln!("Interrupted again, exiting now.");
        std::process::exit(128 + sig);
    }
}

#[cfg(unix)]
fn install(flag: Stop) -> Result<(), String> {
    use signal_hook::iterator::Signals;

    let mut signals = Signals::new([signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM])
        .map_err(|e| e.to_string())?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                on_signal(&flag, sig);
            }
        })
        .map(drop)
        .map_err(|e| e.to_string())
}

#[cfg(not(unix))]
fn install(flag: Stop) -> Result<(), String> {
    ctrlc::set_handler(move || on_signal(&flag, SIGINT)).map_err(|e| e.to_string())
}

/// The process-wide interrupt flag: the first call installs the handler (SIGINT and SIGTERM),
/// every call returns the same flag.
pub(crate) fn interrupt_flag() -> io::Result<Stop> {
    FLAG.get_or_init(|| {
        let flag = Stop::new();
        install(flag.clone())
            .map(|()| flag)
            .map_err(|e| format!("cannot install the Ctrl-C handler: {e}"))
    })
    .clone()
    .map_err(io::Error::other)
}

/// Whether a signal came (since the last [`clear`]); always false before the handler is
/// installed.
pub(crate) fn interrupted() -> bool {
    FLAG.get()
        .and_then(|f| f.as_ref().ok())
        .is_some_and(Stop::is_set)
}

/// Waits `d`, or less if Ctrl-C or SIGTERM comes meanwhile (before the handler is installed:
/// all of `d`); returns whether one came. The pause before a retry, a schedule's wait.
pub(crate) fn wait(d: Duration) -> bool {
    match FLAG.get() {
        Some(Ok(f)) => f.wait(d),
        _ => Stop::new().wait(d),
    }
}

/// Runs `wake` when Ctrl-C or SIGTERM comes (at once if one came already), as long as the
/// returned guard lives; `None` before the handler is installed.
pub(crate) fn on_interrupt(wake: impl Fn() + Send + 'static) -> Option<OnStop> {
    match FLAG.get() {
        Some(Ok(f)) => Some(f.on_stop(wake)),
        _ => None,
    }
}

/// Forgets an earlier Ctrl-C (between the commands of the interactive shell).
pub(crate) fn clear() {
    if let Some(Ok(f)) = FLAG.get() {
        f.clear();
    }
}

/// The exit status for the signal that stopped the run, if one did: 130 (SIGINT) or 143
/// (SIGTERM).
pub(crate) fn exit_code() -> Option<i32> {
    if !interrupted() {
        return None;
    }
    match LAST.load(Ordering::SeqCst) {
        0 => Some(128 + SIGINT),
        sig => Some(128 + sig),
    }
}

/// The name of the signal received, for messages ("interrupted (SIGTERM)").
pub(crate) fn name() -> &'static str {
    match LAST.load(Ordering::SeqCst) {
        SIGTERM => "SIGTERM",
        _ => "SIGINT",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_signal_only_sets_the_flag() {
        let flag = Stop::new();
        on_signal(&flag, SIGTERM);
        assert!(flag.is_set());
        assert_eq!(name(), "SIGTERM");
        LAST.store(0, Ordering::SeqCst);
    }

    #[test]
    fn a_wait_ends_when_the_stop_is_set() {
        let stop = Stop::new();
        assert!(!stop.wait(Duration::from_millis(1)));
        let setter = {
            let stop = stop.clone();
            std::thread::spawn(move || stop.set())
        };
        // Far longer than any test run: it returns because the flag was set.
        assert!(stop.wait(Duration::from_secs(3600)));
        assert!(!setter.join().unwrap(), "the first set finds it clear");
        assert!(stop.set(), "a second set finds it set");
        stop.clear();
        assert!(!stop.is_set());
    }

    #[test]
    fn wakers_run_once_per_stop_while_registered() {
        let stop = Stop::new();
        let runs = Arc::new(AtomicU64::new(0));
        let count = |runs: &Arc<AtomicU64>| {
            let runs = runs.clone();
            move || {
                runs.fetch_add(1, Ordering::SeqCst);
            }
        };
        let guard = stop.on_stop(count(&runs));
        stop.set();
        stop.set();
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        // Registered on a stop already set: runs at once.
        let late = stop.on_stop(count(&runs));
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        drop((guard, late));
        stop.clear();
        stop.set();
        assert_eq!(runs.load(Ordering::SeqCst), 2, "dropped guards unregister");
    }

    #[test]
    fn a_blocking_accept_is_woken() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let stop = Stop::new();
        let _waker = stop.wake_accept(&listener).unwrap();
        let accepting = std::thread::spawn(move || listener.accept().map(|(_, peer)| peer));
        stop.set();
        let peer = accepting.join().unwrap().unwrap();
        assert!(peer.ip().is_loopback(), "{peer}");
    }
}
