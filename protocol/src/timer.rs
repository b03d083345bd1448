//! The deadlines a state machine keeps, behind `poll_timeout` / `handle_timeout`.

use std::time::Instant;

/// Why a deadline exists; also names the timeout in [`Error::TimedOut`](crate::Error::TimedOut).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// Waiting for Init_Command_Ack or Init_Event_Ack (or, on a responder, for the initiator's
    /// init packets).
    Init,
    /// Waiting for the response (or the next data) of a transaction.
    Response,
    /// Waiting for the user to accept the connection on a Fujifilm camera (0xDF01 = 5).
    Pairing,
    /// The connection has been idle; time to probe the peer.
    KeepAlive,
    /// Waiting for the Probe_Response to a Probe_Request.
    Probe,
    /// Waiting for CloseSession's response during a graceful close.
    Close,
    /// A responder waiting for the rest of the initiator's data-out phase.
    DataOut,
    /// A responder holding a reply for the camera's think time (never an error).
    Think,
}

impl Timer {
    const COUNT: usize = 8;

    const fn index(self) -> usize {
        match self {
            Self::Init => 0,
            Self::Response => 1,
            Self::Pairing => 2,
            Self::KeepAlive => 3,
            Self::Probe => 4,
            Self::Close => 5,
            Self::DataOut => 6,
            Self::Think => 7,
        }
    }

    const ALL: [Self; Self::COUNT] = [
        Self::Init,
        Self::Response,
        Self::Pairing,
        Self::KeepAlive,
        Self::Probe,
        Self::Close,
        Self::DataOut,
        Self::Think,
    ];
}

impl std::fmt::Display for Timer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Init => "init handshake",
            Self::Response => "operation response",
            Self::Pairing => "pairing prompt on the camera",
            Self::KeepAlive => "keep-alive",
            Self::Probe => "probe response",
            Self::Close => "close",
            Self::DataOut => "initiator's data",
            Self::Think => "think time",
        })
    }
}

/// One optional deadline per [`Timer`].
#[derive(Clone, Debug, Default)]
pub(crate) struct TimerTable {
    at: [Option<Instant>; Timer::COUNT],
    /// Which timers are set, one bit per [`Timer::index`]: the earliest is looked for among
    /// those only (a round trip has one timer set, and asks for the earliest every turn).
    armed: u8,
}

// One bit of `TimerTable::armed` per timer: a new timer past the eighth needs a wider mask.
const _: () = assert!(Timer::COUNT <= u8::BITS as usize);

impl TimerTable {
    pub(crate) fn set(&mut self, timer: Timer, at: Instant) {
        self.at[timer.index()] = Some(at);
        self.armed |= 1 << timer.index();
    }

    pub(crate) fn stop(&mut self, timer: Timer) {
        self.at[timer.index()] = None;
        self.armed &= !(1 << timer.index());
    }

    pub(crate) fn get(&self, timer: Timer) -> Option<Instant> {
        self.at[timer.index()]
    }

    pub(crate) fn stop_all(&mut self) {
        self.at = [None; Timer::COUNT];
        self.armed = 0;
    }

    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<Instant> {
        let mut armed = self.armed;
        let mut next: Option<Instant> = None;
        while armed != 0 {
            let i = armed.trailing_zeros() as usize;
            armed &= armed - 1;
            if let Some(at) = self.at[i] {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        next
    }

    /// Takes (stops and returns) every timer whose deadline is at or before `now`, earliest first.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<Timer> {
        let mut due: Vec<(Instant, Timer)> = Timer::ALL
            .iter()
            .filter_map(|&t| self.get(t).filter(|&at| at <= now).map(|at| (at, t)))
            .collect();
        due.sort_by_key(|&(at, _)| at);
        for &(_, t) in &due {
            self.stop(t);
        }
        due.into_iter().map(|(_, t)| t).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{Timer, TimerTable};
    use std::time::{Duration, Instant};

    #[test]
    fn the_earliest_of_the_timers_set() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut t = TimerTable::default();
        assert_eq!(t.next(), None);
        t.set(Timer::Think, t0 + s(5));
        t.set(Timer::Init, t0 + s(7));
        t.set(Timer::Response, t0 + s(3));
        assert_eq!(t.next(), Some(t0 + s(3)));
        t.stop(Timer::Response);
        assert_eq!(t.next(), Some(t0 + s(5)));
        t.set(Timer::Think, t0 + s(9));
        assert_eq!(t.next(), Some(t0 + s(7)));
        assert_eq!(t.expire(t0 + s(8)), vec![Timer::Init]);
        assert_eq!(t.next(), Some(t0 + s(9)));
        t.stop_all();
        assert_eq!(t.next(), None);
    }
}
