//! [`Interrupt`]: the check a blocking client's calls watch (a Ctrl-C flag), shared by both
//! drivers so that an interrupted call behaves the same on either.

use std::io;
use std::time::{Duration, Instant};

use super::ClientError;

/// How often a blocking call that waits looks at its interrupt check: the longest a Ctrl-C
/// waits to be seen (the check is a flag another thread sets; it cannot wake the wait).
pub const INTERRUPT_POLL: Duration = Duration::from_millis(20);

/// A check that stops the call in progress (Ctrl-C), and how long the camera then gets to
/// answer the Cancel.
pub struct Interrupt {
    check: Box<dyn Fn() -> bool + Send>,
    grace: Duration,
}

impl std::fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interrupt")
            .field("grace", &self.grace)
            .finish_non_exhaustive()
    }
}

impl Interrupt {
    /// Watches `check`; once it is true the camera gets `grace` to answer.
    #[must_use]
    pub fn new(check: Box<dyn Fn() -> bool + Send>, grace: Duration) -> Self {
        Self { check, grace }
    }

    /// The grace period, if the check is true now.
    #[must_use]
    pub fn fired(&self) -> Option<Duration> {
        (self.check)().then_some(self.grace)
    }

    /// When a wait that ends at `deadline` (`None`: no end) must wake up to look at `interrupt`
    /// again: `deadline` itself without an interrupt check, else no later than
    /// [`INTERRUPT_POLL`] from now.
    #[must_use]
    pub fn next_look(interrupt: Option<&Self>, deadline: Option<Instant>) -> Option<Instant> {
        match interrupt {
            Some(_) => {
                let look = Instant::now() + INTERRUPT_POLL;
                Some(deadline.map_or(look, |d| d.min(look)))
            }
            None => deadline,
        }
    }
}

/// The error of an interrupted call.
#[must_use]
pub fn interrupted() -> ClientError {
    io::Error::new(io::ErrorKind::Interrupted, "interrupted").into()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    #[test]
    fn fires_with_its_grace_once_the_check_is_true() {
        let flag = Arc::new(AtomicBool::new(false));
        let seen = flag.clone();
        let i = Interrupt::new(
            Box::new(move || seen.load(Ordering::SeqCst)),
            Duration::from_secs(2),
        );
        assert_eq!(i.fired(), None);
        flag.store(true, Ordering::SeqCst);
        assert_eq!(i.fired(), Some(Duration::from_secs(2)));
    }

    #[test]
    fn a_wait_looks_again_within_the_poll_only_with_a_check() {
        let far = Instant::now() + Duration::from_secs(60);
        assert_eq!(Interrupt::next_look(None, Some(far)), Some(far));
        assert_eq!(Interrupt::next_look(None, None), None);
        let i = Interrupt::new(Box::new(|| false), Duration::ZERO);
        let look = Interrupt::next_look(Some(&i), Some(far)).unwrap();
        assert!(look < far);
        assert!(Interrupt::next_look(Some(&i), None).is_some());
        let near = Instant::now();
        assert_eq!(Interrupt::next_look(Some(&i), Some(near)), Some(near));
        assert!(interrupted().to_string().contains("interrupted"));
    }
}
