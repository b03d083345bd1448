//! The camera side of a [`Share`]: the Initiator that owns the camera session, and what its
//! events mean for the initiators in front.

use std::collections::VecDeque;
use std::time::Instant;

use bytes::{Bytes, BytesMut};

use super::conn::Conn;
use super::{Peer, Share};
use crate::channel::Channel;
use crate::initiator::{Event, Initiator, OperationFailure};
use crate::packet::InitFailReason;
use crate::ptp::codes::ResponseCode;
use crate::relay::observer::{ObserverConfig, Segment};
use crate::relay::record::{Direction, Record};
use crate::types::{FriendlyName, Guid, ProtocolVersion};

/// The camera session.
#[derive(Debug)]
pub(super) struct Camera {
    pub(super) ini: Initiator,
    pub(super) conns: [Conn; 2],
    /// Operations run: the initiators' inits may be answered.
    pub(super) ready: bool,
    /// The camera's GUID, name and version, from its Init_Command_Ack.
    pub(super) identity: Option<(Guid, FriendlyName, ProtocolVersion)>,
    notes: VecDeque<Record>,
}

impl Camera {
    pub(super) fn new(share: &Share, now: Instant, observer: ObserverConfig) -> Self {
        let conn = |ch: Channel| {
            Conn::new(
                share.camera_ids[ch.index()],
                observer,
                Some(ch),
                Direction::ToResponder,
            )
        };
        Self {
            ini: Initiator::new(share.config.camera.clone(), now),
            conns: [conn(Channel::Command), conn(Channel::Event)],
            ready: false,
            identity: None,
            notes: VecDeque::new(),
        }
    }

    /// A notice about the camera session, for the log.
    pub(super) fn note(&mut self, now: Instant, text: String) {
        let r = self.conns[0].notice(now, text);
        self.notes.push_back(r);
    }

    pub(super) fn wants_write(&self, ch: Channel) -> bool {
        self.conns[ch.index()].has_output() || self.ini.wants_write(ch)
    }

    /// The next bytes for the camera's `ch` connection; the Initiator's transmits for the other
    /// connection wait in its queue.
    pub(super) fn poll_transmit(&mut self, now: Instant, ch: Channel) -> Option<Bytes> {
        if !self.conns[ch.index()].has_output() {
            while let Some(t) = self.ini.poll_transmit() {
                self.conns[t.channel.index()].queue(t.payload);
                if t.channel == ch {
                    break;
                }
            }
        }
        self.conns[ch.index()].pop(now)
    }

    pub(super) fn drain(
        &mut self,
        records: &mut VecDeque<Record>,
        segments: &mut VecDeque<(u64, Direction, Segment)>,
    ) {
        records.extend(self.notes.drain(..));
        for c in &mut self.conns {
            c.drain(records, segments);
        }
    }
}

/// Bytes as a `BytesMut` without copying when nothing else holds them.
pub(super) fn into_mut(bytes: Bytes) -> BytesMut {
    bytes
        .try_into_mut()
        .unwrap_or_else(|shared| BytesMut::from(&shared[..]))
}

impl Share {
    /// Starts a camera session if there is none.
    pub(super) fn ensure_camera(&mut self, now: Instant) {
        if self.camera.is_some() || self.stopping {
            return;
        }
        let mut c = Camera::new(self, now, self.camera_observer());
        c.note(now, "opening the camera session".into());
        self.camera = Some(c);
    }

    pub(super) fn camera_input(&mut self, now: Instant, ch: Channel, bytes: Bytes) {
        let Some(c) = self.camera.as_mut() else {
            return;
        };
        c.conns[ch.index()].observe_in(now, &bytes);
        // A failure is reported as Event::ConnectionLost.
        let _ = c.ini.handle_input(now, ch, into_mut(bytes));
    }

    /// Whether the initiator receiving the camera's current data has no room for more.
    fn data_target_full(&self) -> bool {
        let Some(c) = self.camera.as_ref() else {
            return false;
        };
        let Some(ctid) = c.ini.current_transaction() else {
            return false;
        };
        let Some(&(front, _)) = self.transactions.get(&ctid) else {
            return false;
        };
        self.accepted
            .get(&front)
            .is_some_and(|a| a.conn.out_bytes >= self.config.high_water)
    }

    /// Takes the camera session's events while the initiators have room.
    pub(super) fn camera_events(&mut self, now: Instant) {
        loop {
            if self.data_target_full() {
                return;
            }
            let Some(event) = self.camera.as_mut().and_then(|c| c.ini.poll_event()) else {
                return;
            };
            self.on_camera_event(now, event);
        }
    }

    fn on_camera_event(&mut self, now: Instant, event: Event) {
        let note = |s: &mut Self, text: String| {
            if let Some(c) = s.camera.as_mut() {
                c.note(now, text);
            }
        };
        match event {
            Event::Connected {
                guid,
                friendly_name,
                version,
                ..
            } => {
                note(
                    self,
                    format!("the camera {:?} accepted the relay", friendly_name.as_str()),
                );
                if let Some(c) = self.camera.as_mut() {
                    // The front speaks standard PTP/IP: a camera that gave no version is 1.0.
                    let version = version.unwrap_or(ProtocolVersion::V1_0);
                    c.identity = Some((guid, friendly_name, version));
                }
            }
            Event::AwaitingConfirmation { .. } => note(
                self,
                "waiting for the connection to be accepted on the camera".into(),
            ),
            Event::RemoteModeUnavailable(why) => note(self, why.to_string()),
            Event::Ready => {
                note(self, "camera session open".into());
                if let Some(c) = self.camera.as_mut() {
                    c.ready = true;
                }
                self.ack_waiting_fronts();
            }
            Event::DataStarted {
                transaction,
                total_len,
            } => self.front_data_start(transaction, total_len),
            Event::DataChunk {
                transaction, data, ..
            } => self.front_data_piece(transaction, data),
            Event::DataFinished { transaction, .. } => self.front_data_end(transaction),
            Event::OperationComplete(c) => {
                self.front_respond(c.transaction, c.response, c.params);
            }
            Event::OperationFailed {
                transaction, error, ..
            } => {
                let code = match error {
                    OperationFailure::Cancelled(code) => code,
                    _ => ResponseCode::GENERAL_ERROR,
                };
                self.front_respond(transaction, code, crate::Params::new());
            }
            Event::DeviceEvent(e) => self.fan_out(e),
            Event::ConnectionLost { reason } => {
                let why = format!("the camera session was lost: {reason}");
                note(self, why.clone());
                self.camera_gone(now, &why, false);
            }
            Event::Closed => {
                note(self, "camera session closed".into());
                // Closed for want of initiators: one that arrived meanwhile waits for the next
                // session.
                self.camera_gone(now, "the camera session closed", true);
            }
            _ => {}
        }
    }

    /// The camera session ended: every initiator's connections close (those still in their init
    /// handshake get Init_Fail, unless `keep_waiting`: then they wait for the next session), the
    /// camera's are closed.
    fn camera_gone(&mut self, now: Instant, why: &str, keep_waiting: bool) {
        let fronts: Vec<u64> = self.fronts.keys().copied().collect();
        for f in fronts {
            let acked = self.fronts.get(&f).is_some_and(|f| f.acked);
            if keep_waiting && !acked {
                continue;
            }
            if !acked {
                self.queue_packet(
                    f,
                    &crate::Packet::InitFail(crate::packet::InitFail::new(
                        InitFailReason::UNSPECIFIED,
                    )),
                );
            }
            self.drop_front(now, f, Some(why.to_owned()));
        }
        self.transactions.clear();
        if let Some(mut c) = self.camera.take() {
            for conn in &mut c.conns {
                conn.finish(now);
            }
            c.drain(&mut self.records, &mut self.segments);
        }
        self.closes.push_back(Peer::Camera(Channel::Command));
        self.closes.push_back(Peer::Camera(Channel::Event));
        self.linger_until = None;
    }

    /// After the camera's events: start a session for initiators that wait, and close an idle
    /// one after the linger time.
    pub(super) fn camera_life(&mut self, now: Instant) {
        if !self.fronts.is_empty() {
            self.linger_until = None;
            self.ensure_camera(now);
            return;
        }
        let idle = self
            .camera
            .as_ref()
            .is_some_and(|c| c.ready && !c.ini.is_closed());
        if idle && self.linger_until.is_none() {
            if self.stopping {
                return;
            }
            self.linger_until = self.config.linger.map(|d| now + d);
        }
    }
}
