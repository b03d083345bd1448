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
pub(crate) struct TimerTable([Option<Instant>; Timer::COUNT]);

impl TimerTable {
    pub(crate) fn set(&mut self, timer: Timer, at: Instant) {
        self.0[timer.index()] = Some(at);
    }

    pub(crate) fn stop(&mut self, timer: Timer) {
        self.0[timer.index()] = None;
    }

    pub(crate) fn get(&self, timer: Timer) -> Option<Instant> {
        self.0[timer.index()]
    }

    pub(crate) fn stop_all(&mut self) {
        self.0 = [None; Timer::COUNT];
    }

    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.0.iter().flatten().min().copied()
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
