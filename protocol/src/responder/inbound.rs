//! What the Responder does with each packet it receives.

use std::time::Instant;

use bytes::{Bytes, BytesMut};

use super::conformance::{TidCheck, has_data_out};
use super::{
    Device, Phase, Receiving, Reply, Request, Responder, ResponderEvent, Response, Sending, State,
    Transaction, Violation, ViolationKind, ViolationOutcome, ViolationPacket,
};
use crate::Encode;
use crate::channel::{Channel, Inbound, LinkState};
use crate::deframer::{DataKind, Framing};
use crate::error::Error;
use crate::fuji::{Container, ContainerType};
use crate::packet::{
    DataPhaseInfo, Dialect, Header, InitCommandAck, InitFail, InitFailReason, Packet, PacketType,
};
use crate::ptp::codes::{EventCode, OperationCode, ResponseCode};
use crate::timer::Timer;
use crate::types::{Params, SessionId, TransactionId};

type Step = Result<(), Error>;

/// Where a request came from, for the violations it may cause.
#[derive(Clone, Copy)]
struct Origin {
    channel: Channel,
    packet: ViolationPacket,
}

impl<D: Device> Responder<D> {
    /// Feeds bytes read from `channel` at `now`. Returns the fatal error if the connection
    /// failed (also reported once as [`ResponderEvent::ConnectionLost`]).
    pub fn handle_input(
        &mut self,
        now: Instant,
        channel: Channel,
        data: BytesMut,
    ) -> Result<(), Error> {
        if let State::Failed(e) = &self.state {
            return Err(e.clone());
        }
        if self.state == State::Closed {
            return Ok(());
        }
        let receiving = self.is_receiving_data();
        let result = if channel == Channel::Command && self.fuji_init_window {
            self.staged.unsplit(data);
            self.drain_staged()
        } else {
            self.readers[channel.index()].push(data);
            self.drain(channel)
        };
        self.on_input_timers(now, channel, receiving);
        result
    }

    /// Handles everything the reader of `channel` can yield.
    fn drain(&mut self, channel: Channel) -> Step {
        loop {
            let item = match self.readers[channel.index()].next() {
                Ok(Some(item)) => item,
                Ok(None) => break,
                Err(source) => {
                    let e = Error::Decode { channel, source };
                    self.fail(e.clone());
                    return Err(e);
                }
            };
            if let Err(e) = self.on_inbound(channel, item) {
                self.fail(e.clone());
                return Err(e);
            }
            if self.is_closed() {
                break;
            }
        }
        Ok(())
    }

    /// Fujifilm, between the Init_Command_Ack and the first container: a packet whose second
    /// `u32` is 1 (Init_Command_Request again) or 13 (Probe_Request) is PTP/IP and goes to the
    /// reader whole; anything else is the first container, and the command channel switches to
    /// container framing for good. (A container's second `u32` holds its type and code; no
    /// container has type 1 with code 0, or type 13.)
    fn drain_staged(&mut self) -> Step {
        while self.fuji_init_window && !self.is_closed() {
            let Some(head) = self.staged.get(..Header::LEN) else {
                return Ok(());
            };
            let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
            let kind = PacketType(u32::from_le_bytes([head[4], head[5], head[6], head[7]]));
            if kind != PacketType::INIT_COMMAND_REQUEST && kind != PacketType::PROBE_REQUEST {
                self.fuji_init_window = false;
                self.readers[0].set_framing(Framing::FujiContainer);
                let rest = std::mem::take(&mut self.staged);
                self.readers[0].push(rest);
                return self.drain(Channel::Command);
            }
            let n = len as usize;
            if n >= Header::LEN && len <= self.config.max_control_len {
                if self.staged.len() < n {
                    return Ok(());
                }
                let packet = self.staged.split_to(n);
                self.readers[0].push(packet);
            } else {
                // A length the reader refuses: let it say so.
                let rest = std::mem::take(&mut self.staged);
                self.readers[0].push(rest);
            }
            self.drain(Channel::Command)?;
        }
        Ok(())
    }

    pub(super) fn state_name(&self) -> &'static str {
        match self.state {
            State::AwaitCommandRequest => "waiting for Init_Command_Request",
            State::AwaitEventRequest => "waiting for Init_Event_Request",
            State::Ready if self.current.is_some() => "running a transaction",
            State::Ready => "idle",
            State::Closed | State::Failed(_) => "closed",
        }
    }

    /// The error for a packet that makes no sense now, reported as a violation that closes the
    /// connection.
    fn unexpected(&mut self, at: Origin, transaction: Option<TransactionId>, got: &str) -> Error {
        let state = self.state_name();
        self.violation(Violation {
            kind: ViolationKind::UnexpectedPacket {
                got: got.to_owned(),
                state,
            },
            channel: at.channel,
            transaction,
            packet: at.packet,
            outcome: ViolationOutcome::Closed,
        });
        Error::UnexpectedPacket {
            channel: at.channel,
            got: got.to_owned(),
            state,
        }
    }

    fn on_inbound(&mut self, channel: Channel, item: Inbound) -> Step {
        match item {
            Inbound::Packet(p) => self.on_packet(channel, p),
            Inbound::Container(c) => self.on_container(channel, c),
            Inbound::LiveView => Err(self.unexpected(
                Origin {
                    channel,
                    packet: ViolationPacket::Undecodable,
                },
                None,
                "live-view frame",
            )),
            Inbound::DataBegin {
                kind,
                transaction_id,
                len,
            } => self.on_data_begin(channel, kind, transaction_id, len),
            Inbound::DataPiece(b) => {
                self.on_data_piece(&b);
                Ok(())
            }
            Inbound::DataEnd { kind } => self.on_data_end(channel, kind),
        }
    }

    fn on_packet(&mut self, channel: Channel, packet: Packet<'static>) -> Step {
        let at = Origin {
            channel,
            packet: ViolationPacket::PtpIp(packet.packet_type()),
        };
        match (&self.state, channel, packet) {
            (_, _, Packet::ProbeRequest) => {
                self.push_control(channel, |out| Packet::ProbeResponse.encode(out));
                Ok(())
            }
            (_, _, Packet::ProbeResponse) => {
                self.timers.stop(Timer::Probe);
                Ok(())
            }
            (State::AwaitCommandRequest, Channel::Command, Packet::InitCommandRequest(req)) => {
                self.links[0] = LinkState::Open;
                match self.device.accept(req.guid, &req.friendly_name) {
                    Ok(()) => {
                        self.out[0].push(Bytes::from(self.init_command_ack()));
                        self.events.push_back(ResponderEvent::InitiatorConnected {
                            guid: req.guid,
                            friendly_name: req.friendly_name,
                        });
                        if self.config.dialect == Dialect::Fuji {
                            // The command channel switches to containers at the first one.
                            self.fuji_init_window = true;
                            self.readers[1].set_framing(Framing::FujiContainer);
                            self.state = State::Ready;
                        } else {
                            self.state = State::AwaitEventRequest;
                        }
                    }
                    Err(reason) => self.refuse(Channel::Command, reason, req.guid),
                }
                Ok(())
            }
            (State::Ready, Channel::Command, Packet::InitCommandRequest(_))
                if self.fuji_init_window =>
            {
                // Acknowledged again: Fujifilm clients send it twice (gphoto2's retry loop has no
                // break on success).
                self.violation(Violation {
                    kind: ViolationKind::InitCommandRequestRepeated,
                    channel,
                    transaction: None,
                    packet: at.packet,
                    outcome: ViolationOutcome::Tolerated,
                });
                self.out[0].push(Bytes::from(self.init_command_ack()));
                Ok(())
            }
            (State::AwaitEventRequest, Channel::Event, Packet::InitEventRequest(req)) => {
                self.links[1] = LinkState::Open;
                if req.connection_number == self.config.connection_number {
                    self.out[1].push(Bytes::from(
                        Packet::InitEventAck(Default::default()).to_bytes(),
                    ));
                    self.state = State::Ready;
                } else {
                    let guid = self.config.guid;
                    self.refuse(Channel::Event, InitFailReason::UNSPECIFIED, guid);
                }
                Ok(())
            }
            (State::Ready, Channel::Command, Packet::OperationRequest(r)) => {
                let data_out = r.data_phase == DataPhaseInfo::DATA_OUT;
                self.on_request(at, r.code, r.transaction_id, r.params, data_out)
            }
            (State::Ready, Channel::Command, Packet::StartData(s)) => {
                let tid = s.transaction_id;
                let Some(rx) = self.receiving(tid) else {
                    self.stray_data(at, tid);
                    return Ok(());
                };
                if rx.started {
                    return Err(self.unexpected(at, Some(tid), "a second Start_Data"));
                }
                rx.started = true;
                rx.total = s.known_length();
                Ok(())
            }
            (State::Ready, _, Packet::Cancel(c)) => {
                self.on_cancel(channel, c.transaction_id);
                Ok(())
            }
            (State::Ready, Channel::Event, Packet::Event(e))
                if e.code == EventCode::CANCEL_TRANSACTION =>
            {
                // ISO 15740's CancelTransaction event, from the initiator: the same as a Cancel
                // on the event channel.
                self.on_cancel(channel, e.transaction_id);
                Ok(())
            }
            (_, _, Packet::Unknown { .. }) => Ok(()),
            (_, _, p) => {
                let t = p.packet_type();
                let got = t
                    .name()
                    .map_or_else(|| format!("packet type {t}"), str::to_owned);
                Err(self.unexpected(at, None, &got))
            }
        }
    }

    fn init_command_ack(&self) -> Vec<u8> {
        Packet::InitCommandAck(InitCommandAck::new(
            self.config.connection_number,
            self.config.guid,
            self.config.friendly_name.clone(),
            self.config.version,
        ))
        .to_bytes()
    }

    fn on_container(&mut self, channel: Channel, c: Container<'static>) -> Step {
        let at = Origin {
            channel,
            packet: ViolationPacket::Fuji(
                c.header().map_or(ContainerType(0), |h| h.container_type),
            ),
        };
        match c {
            Container::Command {
                code,
                transaction_id,
                params,
            } if channel == Channel::Command => {
                // Fujifilm commands carry no data-phase flag: the operations that send data are
                // known, so a device that refuses one at once still gets its data phase drained.
                let data_out = matches!(
                    code,
                    OperationCode::SET_DEVICE_PROP_VALUE
                        | OperationCode::SEND_OBJECT_INFO
                        | OperationCode::SEND_OBJECT
                );
                self.on_request(at, code, transaction_id, params, data_out)
            }
            Container::Terminate => {
                self.state = State::Closed;
                self.events.push_back(ResponderEvent::Closed);
                Ok(())
            }
            Container::Unknown { .. } => Ok(()),
            _ => Err(self.unexpected(at, None, "a container a camera never receives")),
        }
    }

    fn refuse(&mut self, channel: Channel, reason: InitFailReason, guid: crate::Guid) {
        self.out[channel.index()].push(Bytes::from(
            Packet::InitFail(InitFail::new(reason)).to_bytes(),
        ));
        self.events
            .push_back(ResponderEvent::InitiatorRefused { guid });
        self.state = State::Closed;
    }

    fn receiving(&mut self, tid: TransactionId) -> Option<&mut Receiving> {
        match self.current.as_mut() {
            Some(Transaction {
                request,
                phase: Phase::Receiving(rx),
                ..
            }) if request.transaction == tid => Some(rx),
            _ => None,
        }
    }

    /// Data (Start_Data, Data, End_Data or a Fujifilm data container) for a transaction not in a
    /// data-out phase: reported once per transaction, and dropped.
    fn stray_data(&mut self, at: Origin, tid: TransactionId) {
        if self.stray == Some(tid) {
            return;
        }
        self.stray = Some(tid);
        self.violation(Violation {
            kind: ViolationKind::DataWithoutDataOutPhase,
            channel: at.channel,
            transaction: Some(tid),
            packet: at.packet,
            outcome: ViolationOutcome::Discarded,
        });
    }

    /// Judges a request against the session's rules: `Some(response)` refuses it.
    fn judge(
        &mut self,
        at: Origin,
        code: OperationCode,
        tid: TransactionId,
        data_out: bool,
    ) -> Option<Response> {
        let report = |kind, outcome| Violation {
            kind,
            channel: at.channel,
            transaction: Some(tid),
            packet: at.packet,
            outcome,
        };
        if code == OperationCode::OPEN_SESSION {
            if tid != TransactionId::OPEN_SESSION {
                let v = report(
                    ViolationKind::OpenSessionTransactionId,
                    ViolationOutcome::Tolerated,
                );
                self.violation(v);
            }
        } else if self.session.is_some() {
            match self.tids.check(tid) {
                TidCheck::InSequence => {}
                TidCheck::Skipped(previous) => {
                    let v = report(
                        ViolationKind::TransactionIdSkipped { previous },
                        ViolationOutcome::Tolerated,
                    );
                    self.violation(v);
                }
                TidCheck::Invalid(kind) => {
                    let code = ResponseCode::INVALID_TRANSACTION_ID;
                    self.violation(report(kind, ViolationOutcome::Refused(code)));
                    return Some(Response::code(code));
                }
            }
        }
        if data_out && has_data_out(code) == Some(false) {
            // ISO 15740 has no code for "this operation has no data-out phase": not
            // OperationNotSupported (the operation is supported), nor the parameter codes (the
            // parameters are not at fault), nor IncompleteTransfer (no data is missing).
            // GeneralError is its code for a failure no other code covers.
            let refusal = ResponseCode::GENERAL_ERROR;
            let v = report(
                ViolationKind::DataOutNotDefined { operation: code },
                ViolationOutcome::Refused(refusal),
            );
            self.violation(v);
            return Some(Response::code(refusal));
        }
        None
    }

    fn on_request(
        &mut self,
        at: Origin,
        code: OperationCode,
        tid: TransactionId,
        params: Params,
        data_out: bool,
    ) -> Step {
        if self.current.is_some() {
            return Err(self.unexpected(
                at,
                Some(tid),
                "a request while a transaction is in progress",
            ));
        }
        let request = Request {
            code,
            transaction: tid,
            params,
            session: self.session,
        };
        if let Some(refusal) = self.judge(at, code, tid, data_out) {
            if data_out {
                // The data that follows is dropped; the refusal goes out after it.
                self.current = Some(Transaction {
                    request,
                    phase: Phase::Receiving(Receiving {
                        preset: Some(refusal),
                        discarding: true,
                        ..Receiving::default()
                    }),
                    cancelled: false,
                    held: false,
                });
            } else {
                self.respond(tid, refusal);
            }
            return Ok(());
        }
        let reply = match code {
            OperationCode::OPEN_SESSION => Reply::Respond(self.open_session(tid, params)),
            OperationCode::CLOSE_SESSION if self.session.is_some() => {
                self.session = None;
                self.tids.close();
                self.events.push_back(ResponderEvent::SessionClosed);
                Reply::Respond(Response::OK)
            }
            OperationCode::GET_DEVICE_INFO => self.device.operation(&request),
            _ if self.session.is_none() => {
                Reply::Respond(Response::code(ResponseCode::SESSION_NOT_OPEN))
            }
            _ => self.device.operation(&request),
        };
        let phase = match reply {
            Reply::Respond(r) if data_out => Phase::Receiving(Receiving {
                preset: Some(r),
                ..Receiving::default()
            }),
            Reply::Respond(r) => {
                self.respond_after_thinking(request, r);
                return Ok(());
            }
            Reply::Data { source, response } => {
                if self.config.dialect == Dialect::Fuji
                    && source
                        .len()
                        .is_none_or(|n| n > u64::from(crate::fuji::ContainerHeader::MAX_PAYLOAD))
                {
                    // One container must carry the phase, and its length must be known.
                    self.respond(tid, Response::code(ResponseCode::GENERAL_ERROR));
                    return Ok(());
                }
                Phase::Sending(Sending {
                    total: source.len(),
                    source,
                    response,
                    sent: 0,
                    open_packet: None,
                    started: false,
                    empty_end_due: false,
                })
            }
            Reply::ReceiveData => Phase::Receiving(Receiving::default()),
        };
        // A data-in phase waits for the think time; a data-out phase thinks after the data.
        let held = matches!(phase, Phase::Sending(_)) && self.hold(tid);
        self.current = Some(Transaction {
            request,
            phase,
            cancelled: false,
            held,
        });
        Ok(())
    }

    /// Whether replies wait for the think time; if so, reports that the reply to `tid` does.
    fn hold(&mut self, tid: TransactionId) -> bool {
        let delay = self.config.think;
        if delay.is_zero() {
            return false;
        }
        self.events.push_back(ResponderEvent::ReplyDelayed {
            transaction: tid,
            delay,
        });
        true
    }

    /// Sends the response to `request` now, or after the think time.
    fn respond_after_thinking(&mut self, request: Request, response: Response) {
        let tid = request.transaction;
        if self.hold(tid) {
            self.current = Some(Transaction {
                request,
                phase: Phase::Responding(response),
                cancelled: false,
                held: true,
            });
        } else {
            self.respond(tid, response);
        }
    }

    fn open_session(&mut self, tid: TransactionId, params: Params) -> Response {
        match (self.session, params.get(1)) {
            (Some(open), _) => Response::with_params(ResponseCode::SESSION_ALREADY_OPEN, &[open.0]),
            (None, None | Some(0)) => Response::code(ResponseCode::INVALID_PARAMETER),
            (None, Some(id)) => {
                self.session = Some(SessionId(id));
                self.tids.open(tid);
                self.events
                    .push_back(ResponderEvent::SessionOpened(SessionId(id)));
                Response::OK
            }
        }
    }

    fn on_data_begin(
        &mut self,
        channel: Channel,
        kind: DataKind,
        tid: TransactionId,
        len: u32,
    ) -> Step {
        let at = Origin {
            channel,
            packet: match kind {
                DataKind::Data => ViolationPacket::PtpIp(PacketType::DATA),
                DataKind::EndData => ViolationPacket::PtpIp(PacketType::END_DATA),
                DataKind::FujiData { .. } => ViolationPacket::Fuji(ContainerType::DATA),
            },
        };
        let fuji = matches!(kind, DataKind::FujiData { .. });
        let Some(rx) = self.receiving(tid) else {
            self.discarding_packet = true;
            self.stray_data(at, tid);
            return Ok(());
        };
        if fuji {
            rx.started = true;
            rx.total = Some(u64::from(len));
            rx.in_packet = Some(true);
        } else if !rx.started {
            return Err(self.unexpected(at, Some(tid), "Data before Start_Data"));
        } else {
            rx.in_packet = Some(kind == DataKind::EndData);
        }
        Ok(())
    }

    fn on_data_piece(&mut self, piece: &Bytes) {
        if self.discarding_packet {
            return;
        }
        let Some(t) = self.current.as_mut() else {
            return;
        };
        let Phase::Receiving(rx) = &mut t.phase else {
            return;
        };
        rx.received += piece.len() as u64;
        if !rx.discarding && rx.preset.is_none() {
            self.device.data_out(&t.request, piece);
        }
    }

    fn on_data_end(&mut self, channel: Channel, kind: DataKind) -> Step {
        if std::mem::take(&mut self.discarding_packet) {
            if kind != DataKind::Data {
                // End_Data, or the one Fujifilm container: the stray phase is over.
                self.stray = None;
            }
            return Ok(());
        }
        let Some(t) = self.current.as_mut() else {
            return Ok(());
        };
        let Phase::Receiving(rx) = &mut t.phase else {
            return Ok(());
        };
        if rx.in_packet.take() != Some(true) {
            return Ok(());
        }
        let tid = t.request.transaction;
        if let Some(total) = rx.total
            && total != rx.received
        {
            let (announced, received) = (total, rx.received);
            self.violation(Violation {
                kind: ViolationKind::DataLength {
                    announced,
                    received,
                },
                channel,
                transaction: Some(tid),
                packet: match kind {
                    DataKind::FujiData { .. } => ViolationPacket::Fuji(ContainerType::DATA),
                    _ => ViolationPacket::PtpIp(PacketType::END_DATA),
                },
                outcome: ViolationOutcome::Closed,
            });
            return Err(Error::DataLength {
                transaction: tid,
                announced,
                received,
            });
        }
        let response = match rx.preset {
            Some(r) if !t.cancelled => r,
            _ if t.cancelled => {
                // Cancelled on the event channel and the data ended before the command-channel
                // Cancel: the transaction ends here, cancelled.
                if rx.preset.is_none() {
                    self.device.cancelled(&t.request);
                }
                Response::code(ResponseCode::TRANSACTION_CANCELLED)
            }
            _ => self.device.data_out_done(&t.request, rx.received),
        };
        let request = t.request;
        self.current = None;
        self.respond_after_thinking(request, response);
        Ok(())
    }

    /// A Cancel from the initiator (or its CancelTransaction event). In a data-in phase the data
    /// stops at the next packet boundary and TransactionCancelled follows; in a data-out phase
    /// the data is dropped until the command-channel Cancel, or the end of the data, ends it. A
    /// Cancel for no transaction in progress is ignored (it may have crossed the response).
    fn on_cancel(&mut self, channel: Channel, tid: TransactionId) {
        let Some(t) = self
            .current
            .as_mut()
            .filter(|t| t.request.transaction == tid)
        else {
            return;
        };
        t.cancelled = true;
        let Phase::Receiving(rx) = &mut t.phase else {
            return;
        };
        if channel == Channel::Event {
            rx.discarding = true;
            return;
        }
        if rx.preset.is_none() {
            self.device.cancelled(&t.request);
        }
        self.current = None;
        self.respond(tid, Response::code(ResponseCode::TRANSACTION_CANCELLED));
    }
}
