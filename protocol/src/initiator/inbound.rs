//! What the Initiator does with each packet it receives.

use std::time::Instant;

use bytes::{Bytes, BytesMut};

use super::{
    Completion, DataIn, DataPhase, DeviceEvent, Event, Initiator, Operation, OperationFailure,
    Purpose, State, Transaction,
};
use crate::channel::{Channel, Inbound};
use crate::deframer::{DataKind, Framing};
use crate::error::Error;
use crate::fuji::Container;
use crate::packet::{Dialect, InitEventRequest, Packet};
use crate::ptp::codes::{OperationCode, ResponseCode};
use crate::timer::Timer;
use crate::types::{Params, TransactionId};

type Step = Result<(), Error>;

impl Initiator {
    pub(super) fn on_inbound(&mut self, now: Instant, channel: Channel, item: Inbound) -> Step {
        self.tap(channel, &item);
        self.trace_in(channel, &item);
        match item {
            Inbound::Packet(p) => self.on_packet(now, channel, p),
            Inbound::Container(c) => self.on_container(now, channel, c),
            Inbound::LiveView => Err(self.unexpected(channel, "live-view frame".into())),
            Inbound::DataBegin {
                kind,
                transaction_id,
                len,
            } => self.on_data_begin(now, channel, kind, transaction_id, len),
            Inbound::DataPiece(bytes) => self.on_data_piece(now, bytes),
            Inbound::DataEnd { kind } => self.on_data_end(now, kind),
        }
    }

    fn state_name(&self) -> &'static str {
        match self.state {
            State::AwaitCommandAck => "waiting for Init_Command_Ack",
            State::AwaitEventAck => "waiting for Init_Event_Ack",
            State::Opening => "opening the session",
            State::Ready if self.current.is_some() => "running a transaction",
            State::Ready => "idle",
            State::Closing => "closing",
            State::Closed => "closed",
            State::Failed(_) => "failed",
        }
    }

    fn unexpected(&self, channel: Channel, got: String) -> Error {
        Error::UnexpectedPacket {
            channel,
            got,
            state: self.state_name(),
        }
    }

    fn on_packet(&mut self, now: Instant, channel: Channel, packet: Packet<'static>) -> Step {
        let packet_type = packet.packet_type();
        let name = || {
            packet_type
                .name()
                .map_or_else(|| format!("packet type {packet_type}"), str::to_owned)
        };
        match (&self.state, channel, packet) {
            (_, _, Packet::ProbeRequest) => {
                self.send_packet(channel, &Packet::ProbeResponse);
                Ok(())
            }
            (_, _, Packet::ProbeResponse) => {
                self.events.push_back(Event::ProbeAnswered);
                Ok(())
            }
            (State::AwaitCommandAck, Channel::Command, Packet::InitCommandAck(ack)) => {
                self.events.push_back(Event::Connected {
                    quirks: ack.quirks(),
                    connection_number: ack.connection_number,
                    guid: ack.guid,
                    friendly_name: ack.friendly_name,
                    version: ack.version,
                });
                match self.config.dialect {
                    Dialect::Generic => {
                        self.state = State::AwaitEventAck;
                        let req = InitEventRequest::new(ack.connection_number);
                        self.send_packet(Channel::Event, &Packet::InitEventRequest(req));
                        self.timers.set(Timer::Init, now + self.config.init_timeout);
                    }
                    Dialect::Fuji => {
                        // From here on the command connection speaks USB-style containers.
                        self.readers[0].set_framing(Framing::FujiContainer);
                        self.readers[1].set_framing(Framing::FujiContainer);
                        self.timers.stop(Timer::Init);
                        self.begin_session(now);
                    }
                }
                Ok(())
            }
            (State::AwaitEventAck, Channel::Event, Packet::InitEventAck(_)) => {
                self.timers.stop(Timer::Init);
                self.begin_session(now);
                Ok(())
            }
            (State::AwaitCommandAck | State::AwaitEventAck, _, Packet::InitFail(f)) => {
                Err(Error::InitFailed(f.reason))
            }
            (_, _, Packet::Event(e)) => {
                self.events.push_back(Event::DeviceEvent(DeviceEvent {
                    code: e.code,
                    transaction: e.transaction_id,
                    params: e.params,
                }));
                Ok(())
            }
            (_, _, Packet::OperationResponse(r)) => {
                self.on_response(now, channel, r.code, r.transaction_id, r.params)
            }
            (_, Channel::Command, Packet::StartData(s)) => {
                let t = self.expect_tid(channel, s.transaction_id)?;
                if t.outgoing.is_some() || t.incoming.started {
                    return Err(self.unexpected(channel, "Start_Data".into()));
                }
                t.incoming.started = true;
                t.incoming.total = s.known_length();
                let tid = t.tid;
                if t.incoming.collected.is_none() {
                    self.events.push_back(Event::DataStarted {
                        transaction: tid,
                        total_len: s.known_length(),
                    });
                }
                self.progress(now);
                Ok(())
            }
            (_, _, Packet::Cancel(c)) => {
                // The responder abandons the transaction: the Cancel stands in for the rest of
                // the data, and its response (TransactionCancelled) still ends the transaction.
                if let Some(t) = self.current.as_mut()
                    && t.tid == c.transaction_id
                {
                    t.cancelled = true;
                }
                Ok(())
            }
            // Unknown packet types are skipped: a vendor extension must not end the session.
            (_, _, Packet::Unknown { .. }) => Ok(()),
            (_, _, _) => Err(self.unexpected(channel, name())),
        }
    }

    fn on_container(&mut self, now: Instant, channel: Channel, c: Container<'static>) -> Step {
        match c {
            Container::Response {
                code,
                transaction_id,
                params,
            } => self.on_response(now, channel, code, transaction_id, params),
            Container::Event {
                code,
                transaction_id,
                params,
            } => {
                self.events.push_back(Event::DeviceEvent(DeviceEvent {
                    code,
                    transaction: transaction_id,
                    params,
                }));
                Ok(())
            }
            // Unknown container types are skipped, as unknown packet types are.
            Container::Unknown { .. } => Ok(()),
            Container::Command { .. } | Container::Data { .. } | Container::Terminate => {
                let got = match c {
                    Container::Terminate => "Fuji terminator".to_owned(),
                    _ => "Fuji command container".to_owned(),
                };
                Err(self.unexpected(channel, got))
            }
        }
    }

    /// The transaction in progress, which `tid` must name.
    fn expect_tid(
        &mut self,
        channel: Channel,
        tid: TransactionId,
    ) -> Result<&mut Transaction, Error> {
        let state = self.state_name();
        match self.current.as_mut() {
            Some(t) if t.tid == tid => Ok(t),
            Some(t) => Err(Error::TransactionMismatch {
                channel,
                expected: t.tid,
                got: tid,
            }),
            None => Err(Error::UnexpectedPacket {
                channel,
                got: format!("packet for transaction {tid}"),
                state,
            }),
        }
    }

    /// Data or a response arrived: the responder is working, restart the response clock.
    fn progress(&mut self, now: Instant) {
        if self.timers.get(Timer::Response).is_some() {
            self.timers
                .set(Timer::Response, now + self.config.response_timeout);
        }
    }

    fn on_data_begin(
        &mut self,
        now: Instant,
        channel: Channel,
        kind: DataKind,
        tid: TransactionId,
        len: u32,
    ) -> Step {
        if channel != Channel::Command {
            return Err(self.unexpected(channel, "data".into()));
        }
        let t = self.expect_tid(channel, tid)?;
        if t.outgoing.is_some() || t.incoming.finished || t.incoming.in_packet.is_some() {
            return Err(self.unexpected(channel, "data".into()));
        }
        match kind {
            DataKind::FujiData { .. } => {
                // One container carries the whole phase; its length is the total.
                t.incoming.started = true;
                t.incoming.total = Some(u64::from(len));
                t.incoming.in_packet = Some(true);
                let tid = t.tid;
                if t.incoming.collected.is_none() {
                    self.events.push_back(Event::DataStarted {
                        transaction: tid,
                        total_len: Some(u64::from(len)),
                    });
                }
            }
            DataKind::Data | DataKind::EndData => {
                if !t.incoming.started {
                    return Err(self.unexpected(channel, "Data before Start_Data".into()));
                }
                t.incoming.in_packet = Some(kind == DataKind::EndData);
            }
        }
        self.progress(now);
        Ok(())
    }

    fn on_data_piece(&mut self, now: Instant, bytes: Bytes) -> Step {
        let Some(t) = self.current.as_mut() else {
            return Err(Error::UnexpectedPacket {
                channel: Channel::Command,
                got: "data".into(),
                state: "idle",
            });
        };
        let offset = t.incoming.received;
        t.incoming.received += bytes.len() as u64;
        if let Some(total) = t.incoming.total
            && t.incoming.received > total
        {
            return Err(Error::DataLength {
                transaction: t.tid,
                announced: total,
                received: t.incoming.received,
            });
        }
        let tid = t.tid;
        if t.incoming.overflowed {
            // Past the collect limit: discard.
        } else if let Some(buf) = t.incoming.collected.as_mut() {
            let max = match t.op.data {
                DataPhase::In(DataIn::Collect { max }) => max,
                _ => usize::MAX,
            };
            if buf.len() + bytes.len() > max {
                t.incoming.overflowed = true;
                t.incoming.collected = None;
            } else {
                buf.extend_from_slice(&bytes);
            }
        } else if !t.cancelled {
            self.event_bytes += bytes.len();
            self.events.push_back(Event::DataChunk {
                transaction: tid,
                offset,
                data: bytes,
            });
        }
        self.progress(now);
        Ok(())
    }

    fn on_data_end(&mut self, now: Instant, kind: DataKind) -> Step {
        let Some(t) = self.current.as_mut() else {
            return Ok(());
        };
        let end = t.incoming.in_packet.take().unwrap_or(false);
        if !end {
            return Ok(());
        }
        debug_assert!(kind != DataKind::Data);
        t.incoming.finished = true;
        let (tid, received) = (t.tid, t.incoming.received);
        if let Some(total) = t.incoming.total
            && received != total
        {
            return Err(Error::DataLength {
                transaction: tid,
                announced: total,
                received,
            });
        }
        if t.incoming.collected.is_none() && !t.incoming.overflowed && !t.cancelled {
            self.events.push_back(Event::DataFinished {
                transaction: tid,
                len: received,
            });
        }
        self.progress(now);
        Ok(())
    }

    fn on_response(
        &mut self,
        now: Instant,
        channel: Channel,
        code: ResponseCode,
        tid: TransactionId,
        params: Params,
    ) -> Step {
        if channel != Channel::Command {
            return Err(self.unexpected(channel, "a response".into()));
        }
        let t = self.expect_tid(channel, tid)?;
        let cut_short = t.incoming.started && !t.incoming.finished && !t.cancelled;
        if t.incoming.in_packet.is_some() || cut_short {
            return Err(self.unexpected(channel, "a response in the middle of a data phase".into()));
        }
        let Some(t) = self.finish_transaction(now) else {
            return Ok(());
        };
        let op = t.op.code;
        if log::log_enabled!(log::Level::Debug) {
            let data = t
                .incoming
                .collected
                .as_ref()
                .map_or(t.incoming.received, |d| d.len() as u64);
            log::debug!(
                "← {op:?} tid={} {code:?} {params:?}, {data} bytes of data, after {:.1?}{}",
                tid.0,
                now.saturating_duration_since(t.started),
                t.purpose.note()
            );
        }
        match t.purpose {
            Purpose::User => {
                let event = if t.cancelled || code == ResponseCode::TRANSACTION_CANCELLED {
                    Event::OperationFailed {
                        transaction: tid,
                        operation: op,
                        error: OperationFailure::Cancelled(code),
                    }
                } else if t.incoming.overflowed {
                    let limit = match t.op.data {
                        DataPhase::In(DataIn::Collect { max }) => max,
                        _ => 0,
                    };
                    Event::OperationFailed {
                        transaction: tid,
                        operation: op,
                        error: OperationFailure::DataTooLarge { limit },
                    }
                } else {
                    Event::OperationComplete(Completion {
                        transaction: tid,
                        operation: op,
                        response: code,
                        params,
                        data: t.incoming.collected.map(BytesMut::freeze),
                    })
                };
                self.events.push_back(event);
                Ok(())
            }
            Purpose::KeepAlive => {
                // Any answer, even a refusal, shows the responder is there.
                self.events.push_back(Event::ProbeAnswered);
                Ok(())
            }
            Purpose::CloseSession => {
                if self.config.dialect == Dialect::Fuji {
                    self.send_container(&Container::Terminate);
                }
                self.finish_close();
                Ok(())
            }
            purpose => self.on_setup_response(now, purpose, code, t.incoming.collected),
        }
    }

    /// Starts the session: OpenSession, then for Fujifilm the set-up sequence.
    fn begin_session(&mut self, now: Instant) {
        self.state = State::Opening;
        let open = Operation::new(OperationCode::OPEN_SESSION, &[self.config.session_id.0])
            .expect("one parameter");
        self.queue_internal(now, open, Purpose::OpenSession);
    }

    fn on_setup_response(
        &mut self,
        now: Instant,
        purpose: Purpose,
        code: ResponseCode,
        data: Option<BytesMut>,
    ) -> Step {
        if purpose == Purpose::OpenSession {
            // The session itself is not optional: without it there is nothing to degrade to.
            if !code.is_ok() && code != ResponseCode::SESSION_ALREADY_OPEN {
                return Err(Error::SetupRefused {
                    step: "OpenSession",
                    response: code,
                });
            }
            if self.config.dialect == Dialect::Fuji {
                self.fuji_begin(now);
            } else {
                self.session_ready(now);
            }
            return Ok(());
        }
        self.on_fuji_setup(now, purpose, code, data);
        Ok(())
    }

    /// The set-up is over: operations run.
    pub(super) fn session_ready(&mut self, now: Instant) {
        self.state = State::Ready;
        self.events.push_back(Event::Ready);
        self.touch(now);
    }
}
