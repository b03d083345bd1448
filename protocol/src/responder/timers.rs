//! The Responder's deadlines: the init handshake, a stalled data-out phase, the think time and
//! keep-alive probes, in one [`TimerTable`](crate::timer::TimerTable) behind
//! [`poll_timeout`](Responder::poll_timeout) / [`handle_timeout`](Responder::handle_timeout).

use crate::encode::Encode;
use std::time::{Duration, Instant};

use super::{
    Device, Phase, Responder, Response, State, Violation, ViolationKind, ViolationOutcome,
    ViolationPacket,
};
use crate::channel::{Channel, LinkState};
use crate::error::Error;
use crate::packet::{Dialect, Packet};
use crate::ptp::codes::ResponseCode;
use crate::timer::Timer;

/// The shortest deadline: a zero duration in the config still lands after the `now` it was armed
/// at, so that after `handle_timeout(t)` the next deadline is later than `t`.
const SOONEST: Duration = Duration::from_nanos(1);

impl<D: Device> Responder<D> {
    /// The next deadline, if any: call [`handle_timeout`](Self::handle_timeout) once it passes.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// Handles expired deadlines; harmless when none has expired.
    pub fn handle_timeout(&mut self, now: Instant) {
        for timer in self.timers.expire(now) {
            if self.is_closed() {
                break;
            }
            match timer {
                Timer::Init => {
                    log::info!(
                        "an initiator did not complete the init handshake within {:?} ({})",
                        self.config.init_timeout,
                        self.state_name()
                    );
                    self.fail(Error::TimedOut(Timer::Init));
                }
                Timer::DataOut => self.data_out_stalled(),
                Timer::Think => {
                    if let Some(t) = &mut self.current {
                        t.held = false;
                    }
                }
                Timer::KeepAlive => {
                    self.push_control(Channel::Event, |out| Packet::ProbeRequest.encode(out));
                    self.timers
                        .set(Timer::Probe, now + self.config.probe_timeout.max(SOONEST));
                }
                other => self.fail(Error::TimedOut(other)),
            }
        }
        self.sync_timers(now);
        debug_assert!(self.poll_timeout().is_none_or(|t| t > now));
    }

    /// Whether the initiator's data-out phase is under way (or awaited).
    pub(super) fn is_receiving_data(&self) -> bool {
        matches!(
            self.current.as_ref().map(|t| &t.phase),
            Some(Phase::Receiving(_))
        )
    }

    /// After input on `channel` at `now`: the initiator is there (a probe in flight is answered
    /// enough, the keep-alive starts over), and a data-out phase that moved gets a fresh deadline.
    pub(super) fn on_input_timers(&mut self, now: Instant, channel: Channel, was_receiving: bool) {
        self.timers.stop(Timer::Probe);
        self.timers.stop(Timer::KeepAlive);
        if channel == Channel::Command && was_receiving && self.is_receiving_data() {
            self.timers
                .set(Timer::DataOut, now + self.config.data_timeout.max(SOONEST));
        }
        self.sync_timers(now);
    }

    /// Arms the deadlines the state calls for and stops the others; a deadline already armed
    /// keeps its time.
    pub(super) fn sync_timers(&mut self, now: Instant) {
        if self.is_closed() {
            self.timers.stop_all();
            return;
        }
        let keep = |timers: &mut crate::timer::TimerTable, timer, wanted: bool, after: Duration| {
            if !wanted {
                timers.stop(timer);
            } else if timers.get(timer).is_none() {
                timers.set(timer, now + after.max(SOONEST));
            }
        };
        let c = &self.config;
        let in_init = matches!(
            self.state,
            State::AwaitCommandRequest | State::AwaitEventRequest
        );
        keep(&mut self.timers, Timer::Init, in_init, c.init_timeout);
        let receiving = matches!(
            self.current.as_ref().map(|t| &t.phase),
            Some(Phase::Receiving(_))
        );
        keep(&mut self.timers, Timer::DataOut, receiving, c.data_timeout);
        let held = self.current.as_ref().is_some_and(|t| t.held);
        keep(&mut self.timers, Timer::Think, held, c.think);
        let idle_check = c.keep_alive.filter(|_| {
            c.dialect == Dialect::Generic
                && self.state == State::Ready
                && self.links[1] == LinkState::Open
                && self.timers.get(Timer::Probe).is_none()
        });
        keep(
            &mut self.timers,
            Timer::KeepAlive,
            idle_check.is_some(),
            idle_check.unwrap_or_default(),
        );
    }

    /// The data-out phase in progress stopped for [`data_timeout`](super::ResponderConfig):
    /// the transaction fails with IncompleteTransfer (or TransactionCancelled after a Cancel,
    /// or the device's early answer), and what still comes for it is dropped quietly.
    fn data_out_stalled(&mut self) {
        let Some(t) = self.current.take() else {
            return;
        };
        let Phase::Receiving(rx) = &t.phase else {
            self.current = Some(t);
            return;
        };
        let tid = t.request.transaction;
        let response = match rx.preset {
            Some(r) if !t.cancelled => r,
            preset => {
                if preset.is_none() {
                    self.device.cancelled(&t.request);
                }
                Response::code(if t.cancelled {
                    ResponseCode::TRANSACTION_CANCELLED
                } else {
                    ResponseCode::INCOMPLETE_TRANSFER
                })
            }
        };
        self.violation(Violation {
            kind: ViolationKind::DataOutStalled {
                received: rx.received,
                announced: rx.total,
            },
            channel: Channel::Command,
            transaction: Some(tid),
            packet: ViolationPacket::Silence,
            outcome: ViolationOutcome::Refused(response.code),
        });
        self.stray = Some(tid);
        self.respond(tid, response);
    }
}
