//! [`CancelToken`]: stops a blocking connect from another thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A token that stops a blocking client's `connect` in progress from another thread (both
/// transports' `ClientConfig::cancel`).
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_sees_the_cancel() {
        let t = CancelToken::new();
        let seen = t.clone();
        assert!(!seen.is_cancelled());
        t.cancel();
        assert!(seen.is_cancelled());
    }
}
