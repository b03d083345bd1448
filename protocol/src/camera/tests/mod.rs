//! Tests of the virtual cameras: units, and an [`Initiator`] driving a [`Responder`] in memory.

mod content;
mod flow;
mod fuji;
#[cfg(feature = "blocking")]
mod fuji_calls;
mod generic;
mod generic_objects;
mod jpeg;
mod prop_list;
mod props;
mod store;

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use crate::channel::Channel;
use crate::initiator::{Completion, DeviceEvent, Event, Initiator, InitiatorConfig, Operation};
use crate::packet::Dialect;
use crate::ptp::codes::{OperationCode, ResponseCode};
use crate::responder::{Device, Responder, ResponderConfig, ResponderEvent};
use crate::types::{FriendlyName, Guid, TransactionId};

/// How the pump cuts the bytes it moves.
#[derive(Clone, Copy, Debug)]
pub(super) enum Split {
    /// Each transmit in one piece.
    Whole,
    /// Pieces of 1 to 7 bytes, lengths from a xorshift generator with this (non-zero) seed.
    Pieces(u32),
}

/// The initiator's GUID in these tests.
pub(super) const INITIATOR_GUID: Guid = Guid([0x11; 16]);
/// The responder's GUID in these tests.
pub(super) const RESPONDER_GUID: Guid = Guid([0x22; 16]);

/// An initiator and a responder wired back to back, with a virtual clock.
pub(super) struct Pair<D: Device> {
    pub(super) now: Instant,
    pub(super) ini: Initiator,
    pub(super) resp: Responder<D>,
    /// Initiator events not yet taken.
    pub(super) events: Vec<Event>,
    /// Responder events.
    pub(super) resp_events: Vec<ResponderEvent>,
    split: Split,
    rng: u32,
    /// Bytes moved from the responder to the initiator.
    pub(super) bytes_in: u64,
    /// Bytes moved from the initiator to the responder.
    pub(super) bytes_out: u64,
}

impl<D: Device> Pair<D> {
    /// A pair with default configurations for `dialect`, after the configs are adjusted.
    pub(super) fn with(
        dialect: Dialect,
        device: D,
        split: Split,
        tweak: impl FnOnce(&mut InitiatorConfig, &mut ResponderConfig),
    ) -> Self {
        let name = |s: &str| FriendlyName::new(s).expect("a valid name");
        let mut ic = InitiatorConfig::new(INITIATOR_GUID, name("tester"), dialect);
        let mut rc = ResponderConfig::new(RESPONDER_GUID, name("virtual"), dialect);
        tweak(&mut ic, &mut rc);
        let now = Instant::now();
        Self {
            ini: Initiator::new(ic, now),
            resp: Responder::new(rc, device),
            now,
            events: Vec::new(),
            resp_events: Vec::new(),
            rng: match split {
                Split::Pieces(seed) => seed.max(1),
                Split::Whole => 1,
            },
            split,
            bytes_in: 0,
            bytes_out: 0,
        }
    }

    /// A pair with default configurations, connected: the initiator reported `Ready`.
    pub(super) fn connected(dialect: Dialect, device: D, split: Split) -> Self {
        let mut p = Self::with(dialect, device, split, |_, _| {});
        p.pump();
        let hello = p.take(|e| matches!(e, Event::Connected { .. }));
        assert!(
            matches!(&hello, Some(Event::Connected { guid, friendly_name, .. })
                if *guid == RESPONDER_GUID && friendly_name.as_str() == "virtual"),
            "no Init_Command_Ack: {hello:?} {:?}",
            p.events
        );
        assert!(
            p.take(|e| matches!(e, Event::Ready)).is_some(),
            "not ready: {:?}",
            p.events
        );
        if dialect == Dialect::Fuji {
            // The step a Fujifilm body holds for its user's confirmation is announced.
            assert!(
                p.take(|e| matches!(e, Event::AwaitingConfirmation { .. }))
                    .is_some(),
                "no pairing step: {:?}",
                p.events
            );
        }
        assert!(p.events.is_empty(), "unexpected events: {:?}", p.events);
        p
    }

    /// The next piece length.
    fn piece_len(&mut self) -> usize {
        match self.split {
            Split::Whole => usize::MAX,
            Split::Pieces(_) => {
                let mut x = self.rng;
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                self.rng = x;
                1 + (x % 7) as usize
            }
        }
    }

    /// Cuts `payload` into pieces.
    fn cut(&mut self, mut payload: Bytes) -> Vec<Bytes> {
        let mut pieces = Vec::new();
        while !payload.is_empty() {
            let n = self.piece_len().min(payload.len());
            pieces.push(payload.split_to(n));
        }
        pieces
    }

    /// Delivers everything the initiator has to send; returns whether there was anything.
    pub(super) fn deliver_requests(&mut self) -> bool {
        let mut moved = false;
        while let Some(t) = self.ini.poll_transmit() {
            moved = true;
            if t.channel == Channel::Event {
                // The Fujifilm initiator asks for the event connection with an empty transmit;
                // connecting it is the driver's job.
                self.resp.handle_connected(self.now, Channel::Event);
            }
            self.bytes_out += t.payload.len() as u64;
            for piece in self.cut(t.payload) {
                // A failure is reported as a responder event; the pump carries on.
                let _ = self
                    .resp
                    .handle_input(self.now, t.channel, BytesMut::from(&piece[..]));
            }
        }
        moved
    }

    /// Delivers at most `max` of the responder's transmits; returns how many.
    pub(super) fn deliver_replies(&mut self, max: usize) -> usize {
        let mut n = 0;
        while n < max {
            let Some(t) = self.resp.poll_transmit() else {
                break;
            };
            n += 1;
            self.bytes_in += t.payload.len() as u64;
            for piece in self.cut(t.payload) {
                let _ = self
                    .ini
                    .handle_input(self.now, t.channel, BytesMut::from(&piece[..]));
            }
        }
        n
    }

    /// Collects both sides' events.
    pub(super) fn collect_events(&mut self) {
        self.events
            .extend(std::iter::from_fn(|| self.ini.poll_event()));
        self.resp_events
            .extend(std::iter::from_fn(|| self.resp.poll_event()));
    }

    /// Moves bytes both ways until neither side has anything to send, collecting events.
    pub(super) fn pump(&mut self) {
        loop {
            let moved = self.deliver_requests() | (self.deliver_replies(usize::MAX) > 0);
            self.collect_events();
            if !moved {
                break;
            }
        }
    }

    /// Moves the clock on and lets both sides' timers fire.
    pub(super) fn advance(&mut self, by: Duration) {
        self.now += by;
        if self.ini.poll_timeout().is_some_and(|t| t <= self.now) {
            self.ini.handle_timeout(self.now);
        }
        if self.resp.poll_timeout().is_some_and(|t| t <= self.now) {
            self.resp.handle_timeout(self.now);
        }
        self.pump();
    }

    /// Removes and returns the first collected initiator event that `pick` selects.
    pub(super) fn take(&mut self, pick: impl Fn(&Event) -> bool) -> Option<Event> {
        let i = self.events.iter().position(pick)?;
        Some(self.events.remove(i))
    }

    /// Removes and returns the device events collected so far.
    pub(super) fn device_events(&mut self) -> Vec<DeviceEvent> {
        let mut out = Vec::new();
        self.events.retain(|e| match e {
            Event::DeviceEvent(d) => {
                out.push(*d);
                false
            }
            _ => true,
        });
        out
    }

    /// Runs one operation to its end: the completion, or the failure event.
    pub(super) fn try_run(&mut self, op: Operation) -> Result<Completion, Event> {
        let tid = self
            .ini
            .execute(self.now, op)
            .expect("the initiator takes the operation");
        self.pump();
        self.finish(tid)
    }

    /// The end of transaction `tid`, which must have come.
    pub(super) fn finish(&mut self, tid: TransactionId) -> Result<Completion, Event> {
        let end = self
            .take(|e| match e {
                Event::OperationComplete(c) => c.transaction == tid,
                Event::OperationFailed { transaction, .. } => *transaction == tid,
                _ => false,
            })
            .unwrap_or_else(|| panic!("transaction {tid} did not end: {:?}", self.events));
        match end {
            Event::OperationComplete(c) => Ok(c),
            other => Err(other),
        }
    }

    /// Runs one operation that must complete.
    pub(super) fn run(&mut self, op: Operation) -> Completion {
        self.try_run(op)
            .unwrap_or_else(|e| panic!("operation failed: {e:?}"))
    }

    /// Runs `code` with `params` and no data phase; returns the response code and parameters.
    pub(super) fn call(&mut self, code: OperationCode, params: &[u32]) -> (ResponseCode, Vec<u32>) {
        let c = self.run(op(code, params));
        (c.response, c.params.to_vec())
    }

    /// Runs `code` with `params` gathering its data; returns the response code and the data.
    pub(super) fn fetch(&mut self, code: OperationCode, params: &[u32]) -> (ResponseCode, Bytes) {
        let c = self.run(op(code, params).collect(16 << 20));
        (c.response, c.data.unwrap_or_default())
    }

    /// Runs `code` with `params` and the data-out phase `data`.
    pub(super) fn send(
        &mut self,
        code: OperationCode,
        params: &[u32],
        data: impl Into<Bytes>,
    ) -> (ResponseCode, Vec<u32>) {
        let c = self.run(op(code, params).send(data.into()));
        (c.response, c.params.to_vec())
    }

    /// Runs `code` with `params` streaming its data; returns the response and the chunks joined,
    /// after checking that their offsets follow each other.
    pub(super) fn stream(
        &mut self,
        code: OperationCode,
        params: &[u32],
    ) -> (ResponseCode, Vec<u8>) {
        let tid = self
            .ini
            .execute(self.now, op(code, params).stream())
            .expect("accepted");
        self.pump();
        let mut data = Vec::new();
        let mut finished = None;
        self.events.retain(|e| match e {
            Event::DataChunk {
                transaction,
                offset,
                data: d,
            } if *transaction == tid => {
                assert_eq!(*offset, data.len() as u64, "chunks out of order");
                data.extend_from_slice(d);
                false
            }
            Event::DataStarted { transaction, .. } if *transaction == tid => false,
            Event::DataFinished { transaction, len } if *transaction == tid => {
                finished = Some(*len);
                false
            }
            _ => true,
        });
        let c = self
            .finish(tid)
            .unwrap_or_else(|e| panic!("stream failed: {e:?}"));
        if c.response.is_ok() {
            assert_eq!(
                finished,
                Some(data.len() as u64),
                "DataFinished disagrees with the chunks"
            );
        }
        (c.response, data)
    }
}

/// An operation with `params` (at most five).
pub(super) fn op(code: OperationCode, params: &[u32]) -> Operation {
    Operation::new(code, params).expect("at most five parameters")
}
