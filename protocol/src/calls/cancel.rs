//! [`CancelToken`]: stops a blocking connect from another thread.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

/// A token that stops a blocking client's `connect` in progress from another thread, at once
/// (both transports' `ClientConfig::cancel`): the pauses of a connection attempt wait on it.
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<(Mutex<bool>, Condvar)>);

impl CancelToken {
    /// A token not yet cancelled.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels, waking whoever waits on the token.
    pub fn cancel(&self) {
        let (flag, changed) = &*self.0;
        *flag.lock().unwrap_or_else(PoisonError::into_inner) = true;
        changed.notify_all();
    }

    /// Whether [`cancel`](Self::cancel) was called.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        *self.0.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits up to `wait`, or until cancelled; returns whether it was. A driver's pause between
    /// two connection attempts.
    pub fn wait(&self, wait: Duration) -> bool {
        let (flag, changed) = &*self.0;
        let guard = flag.lock().unwrap_or_else(PoisonError::into_inner);
        let (guard, _) = changed
            .wait_timeout_while(guard, wait, |cancelled| !*cancelled)
            .unwrap_or_else(PoisonError::into_inner);
        *guard
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[test]
    fn a_clone_sees_the_cancel() {
        let t = CancelToken::new();
        let seen = t.clone();
        assert!(!seen.is_cancelled());
        assert!(!seen.wait(Duration::ZERO));
        t.cancel();
        assert!(seen.is_cancelled());
    }

    #[test]
    fn a_cancel_ends_a_wait_at_once() {
        let t = CancelToken::new();
        let other = t.clone();
        let waiter = std::thread::spawn(move || {
            let start = Instant::now();
            (other.wait(Duration::from_secs(600)), start.elapsed())
        });
        t.cancel();
        let (cancelled, took) = waiter.join().unwrap();
        assert!(cancelled);
        // Far below the 600 s it would otherwise wait: a guard, not a timing measurement.
        assert!(took < Duration::from_secs(300), "{took:?}");
    }
}
