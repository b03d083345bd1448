//! The deadline of a poll loop of ours (the blocking [`Client`](crate::Client)'s, [`serve`]'s,
//! [`RelayRunner`](crate::RelayRunner)'s), kept out of the poll's timeout where it can be.
//!
//! [`serve`]: crate::serve
//!
//! Their loops mostly wait with a deadline (a call's response timeout, 30 s by default; a
//! responder's timers; the shared camera session's), and `epoll_wait` with a timeout arms a
//! kernel high-resolution timer and cancels it again on every wake-up: on a small round trip
//! that is about 2.5 % of the time (a 32-byte ping-pong through `epoll` on one vCPU: 0.955 of a
//! blocking one without a timeout, 0.93 with one). On Linux the deadline goes to a `timerfd` in
//! the same poll instead, re-armed only when the deadline comes earlier than the one armed: a
//! later one (the next call's) keeps the armed expiry, which wakes the loop early at worst, and
//! that turn arms the real one. Elsewhere, and if the timer cannot be made, the poll's timeout
//! is used as before. Callers' own polls (a [`MioClient`](crate::MioClient) or a
//! [`Server`](crate::Server) in someone else's loop) keep their timeouts to themselves.
//!
//! `mio` has no timer source of its own; the `timerfd` comes from `nix` (no `unsafe` here) and
//! is registered through `mio`'s `SourceFd`.

use std::time::{Duration, Instant};

use mio::{Registry, Token};

/// A deadline for the poll, kept lazily in a `timerfd` where there is one.
#[derive(Debug)]
pub(crate) struct Wakeup {
    token: Token,
    #[cfg(target_os = "linux")]
    timer: Option<linux::Timer>,
}

impl Wakeup {
    /// A wake-up registered in `registry` under `token` (on Linux; nothing elsewhere).
    pub(crate) fn new(registry: &Registry, token: Token) -> Self {
        #[cfg(target_os = "linux")]
        {
            let timer = linux::Timer::new(registry, token)
                .inspect_err(|e| log::debug!("no timerfd ({e}): deadlines go to the poll"))
                .ok();
            Self { token, timer }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = registry;
            Self { token }
        }
    }

    /// Whether a readiness event with `token` is this wake-up's (then pass it to
    /// [`fired`](Self::fired), not to the component whose tokens these are not).
    pub(crate) fn is(&self, token: Token) -> bool {
        token == self.token
    }

    /// The timeout to give the poll so that it returns by `now + wait` at the latest: none when
    /// the timer will wake it, else `wait` itself (zero, no deadline, or no timer).
    pub(crate) fn poll_timeout(
        &mut self,
        now: Instant,
        wait: Option<Duration>,
    ) -> Option<Duration> {
        #[cfg(target_os = "linux")]
        if let (Some(timer), Some(w)) = (&mut self.timer, wait)
            && !w.is_zero()
            && timer.wake_by(now, w)
        {
            return None;
        }
        let _ = now;
        wait
    }

    /// The timer's readiness came (the poll reported its token): it is spent.
    pub(crate) fn fired(&mut self) {
        #[cfg(target_os = "linux")]
        if let Some(timer) = &mut self.timer {
            timer.fired();
        }
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io;
    use std::os::fd::{AsFd, AsRawFd};
    use std::time::{Duration, Instant};

    use mio::unix::SourceFd;
    use mio::{Interest, Registry, Token};
    use nix::sys::time::TimeSpec;
    use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};

    #[derive(Debug)]
    pub(super) struct Timer {
        fd: TimerFd,
        /// When the armed timer expires, if it is armed.
        armed: Option<Instant>,
    }

    impl Timer {
        pub(super) fn new(registry: &Registry, token: Token) -> io::Result<Self> {
            let fd = TimerFd::new(
                ClockId::CLOCK_MONOTONIC,
                TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
            )?;
            registry.register(
                &mut SourceFd(&fd.as_fd().as_raw_fd()),
                token,
                Interest::READABLE,
            )?;
            Ok(Self { fd, armed: None })
        }

        /// Makes sure the timer goes off by `now + wait`; false if it could not be armed.
        pub(super) fn wake_by(&mut self, now: Instant, wait: Duration) -> bool {
            let Some(due) = now.checked_add(wait) else {
                // Past what a clock can say: the poll gets it (and saturates it) as before.
                return false;
            };
            if self.armed.is_some_and(|armed| armed <= due) {
                return true;
            }
            match self.fd.set(
                Expiration::OneShot(TimeSpec::from_duration(wait)),
                TimerSetTimeFlags::empty(),
            ) {
                Ok(()) => {
                    self.armed = Some(due);
                    true
                }
                Err(e) => {
                    log::debug!("timerfd_settime failed ({e}): this wait goes to the poll");
                    false
                }
            }
        }

        pub(super) fn fired(&mut self) {
            // Reads the expiry count, so that the next expiry is a new edge; EAGAIN if the
            // readiness was stale (the timer was re-armed since).
            let _ = self.fd.wait();
            self.armed = None;
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::time::{Duration, Instant};

    use mio::{Events, Poll, Token};

    use super::Wakeup;

    /// Polls with `timeout` (bounded, so that a broken timer fails the test rather than hangs
    /// it); whether the wake-up fired, and when the poll returned.
    fn poll_once(
        poll: &mut Poll,
        wakeup: &mut Wakeup,
        timeout: Option<Duration>,
    ) -> (bool, Instant) {
        let mut events = Events::with_capacity(4);
        poll.poll(
            &mut events,
            Some(timeout.unwrap_or(Duration::from_secs(10))),
        )
        .unwrap();
        let fired = events.iter().any(|e| wakeup.is(e.token()));
        if fired {
            wakeup.fired();
        }
        (fired, Instant::now())
    }

    /// Asks for two deadlines in turn (milliseconds from now), then polls: the timer must wake
    /// it, not before `expect_ms` and long before the later one.
    fn arm_twice_then_poll(
        poll: &mut Poll,
        wakeup: &mut Wakeup,
        deadlines_ms: [u64; 2],
        expect_ms: u64,
        what: &str,
    ) {
        let start = Instant::now();
        for ms in deadlines_ms {
            assert_eq!(
                wakeup.poll_timeout(start, Some(Duration::from_millis(ms))),
                None
            );
        }
        let (fired, at) = poll_once(poll, wakeup, None);
        assert!(fired && at >= start + Duration::from_millis(expect_ms));
        assert!(at < start + Duration::from_secs(10), "{what}");
    }

    #[test]
    fn the_timer_wakes_the_poll_not_before_the_deadline_and_only_when_armed_later_is_it_rearmed() {
        let mut poll = Poll::new().unwrap();
        let mut wakeup = Wakeup::new(poll.registry(), Token(7));
        assert!(wakeup.timer.is_some(), "a timerfd on Linux");

        // Zero and no deadline go to the poll as they are.
        let now = Instant::now();
        assert_eq!(
            wakeup.poll_timeout(now, Some(Duration::ZERO)),
            Some(Duration::ZERO)
        );
        assert_eq!(wakeup.poll_timeout(now, None), None);

        // A deadline is kept by the timer: the poll waits without a timeout and is woken.
        let start = Instant::now();
        let due = start + Duration::from_millis(40);
        assert_eq!(
            wakeup.poll_timeout(start, Some(Duration::from_millis(40))),
            None
        );
        let (fired, at) = poll_once(&mut poll, &mut wakeup, None);
        assert!(fired, "the timer woke the poll");
        assert!(at >= due, "not before the deadline: {:?} early", due - at);

        // A later deadline keeps the armed expiry (an early wake-up at worst)...
        arm_twice_then_poll(
            &mut poll,
            &mut wakeup,
            [30, 60_000],
            30,
            "the earlier expiry stood",
        );
        // ...and an earlier one re-arms it.
        arm_twice_then_poll(
            &mut poll,
            &mut wakeup,
            [60_000, 20],
            20,
            "re-armed to the earlier deadline",
        );

        // A spent timer is not reported again.
        let (fired, _) = poll_once(&mut poll, &mut wakeup, Some(Duration::from_millis(50)));
        assert!(!fired, "no second expiry");
    }
}
