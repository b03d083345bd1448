//! What the Responder does with each packet it receives.

use bytes::{Bytes, BytesMut};

use super::{
    Device, Phase, Receiving, Reply, Request, Responder, ResponderEvent, Response, Sending, State,
    Transaction,
};
use crate::channel::{Channel, Inbound, LinkState};
use crate::deframer::{DataKind, Framing};
use crate::error::Error;
use crate::fuji::Container;
use crate::packet::{DataPhaseInfo, Dialect, InitCommandAck, InitFail, InitFailReason, Packet};
use crate::ptp::codes::{OperationCode, ResponseCode};
use crate::types::{Params, SessionId, TransactionId};

type Step = Result<(), Error>;

impl<D: Device> Responder<D> {
    /// Feeds bytes read from `channel`. Returns the fatal error if the connection failed (also
    /// reported once as [`ResponderEvent::ConnectionLost`]).
    pub fn handle_input(&mut self, channel: Channel, data: BytesMut) -> Result<(), Error> {
        if let State::Failed(e) = &self.state {
            return Err(e.clone());
        }
        if self.state == State::Closed {
            return Ok(());
        }
        self.readers[channel.index()].push(data);
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

    fn unexpected(&self, channel: Channel, got: &str) -> Error {
        let state = match self.state {
            State::AwaitCommandRequest => "waiting for Init_Command_Request",
            State::AwaitEventRequest => "waiting for Init_Event_Request",
            State::Ready if self.current.is_some() => "running a transaction",
            State::Ready => "idle",
            State::Closed | State::Failed(_) => "closed",
        };
        Error::UnexpectedPacket {
            channel,
            got: got.to_owned(),
            state,
        }
    }

    fn on_inbound(&mut self, channel: Channel, item: Inbound) -> Step {
        match item {
            Inbound::Packet(p) => self.on_packet(channel, p),
            Inbound::Container(c) => self.on_container(channel, c),
            Inbound::LiveView => Err(self.unexpected(channel, "live-view frame")),
            Inbound::DataBegin {
                kind,
                transaction_id,
                len,
            } => self.on_data_begin(channel, kind, transaction_id, len),
            Inbound::DataPiece(b) => {
                self.on_data_piece(&b);
                Ok(())
            }
            Inbound::DataEnd { kind } => self.on_data_end(kind),
        }
    }

    fn on_packet(&mut self, channel: Channel, packet: Packet<'static>) -> Step {
        match (&self.state, channel, packet) {
            (_, _, Packet::ProbeRequest) => {
                self.out[channel.index()].push(Bytes::from(Packet::ProbeResponse.to_bytes()));
                Ok(())
            }
            (_, _, Packet::ProbeResponse) => Ok(()),
            (State::AwaitCommandRequest, Channel::Command, Packet::InitCommandRequest(req)) => {
                self.links[0] = LinkState::Open;
                match self.device.accept(req.guid, &req.friendly_name) {
                    Ok(()) => {
                        let ack = InitCommandAck {
                            connection_number: self.config.connection_number,
                            guid: self.config.guid,
                            friendly_name: self.config.friendly_name.clone(),
                            version: Some(self.config.version),
                            layout: Default::default(),
                        };
                        self.out[0].push(Bytes::from(Packet::InitCommandAck(ack).to_bytes()));
                        self.events.push_back(ResponderEvent::InitiatorConnected {
                            guid: req.guid,
                            friendly_name: req.friendly_name,
                        });
                        if self.config.dialect == Dialect::Fuji {
                            self.readers[0].set_framing(Framing::FujiContainer);
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
                self.on_request(channel, r.code, r.transaction_id, r.params, data_out)
            }
            (State::Ready, Channel::Command, Packet::StartData(s)) => {
                let Some(rx) = self.receiving(s.transaction_id) else {
                    return Err(self.unexpected(channel, "Start_Data"));
                };
                if rx.started {
                    return Err(self.unexpected(channel, "a second Start_Data"));
                }
                rx.started = true;
                rx.total = s.known_length();
                Ok(())
            }
            (State::Ready, _, Packet::Cancel(c)) => {
                self.on_cancel(channel, c.transaction_id);
                Ok(())
            }
            (_, _, Packet::Unknown { .. }) => Ok(()),
            (_, _, p) => {
                let t = p.packet_type();
                let got = t
                    .name()
                    .map_or_else(|| format!("packet type {t}"), str::to_owned);
                Err(self.unexpected(channel, &got))
            }
        }
    }

    fn on_container(&mut self, channel: Channel, c: Container<'static>) -> Step {
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
                self.on_request(channel, code, transaction_id, params, data_out)
            }
            Container::Terminate => {
                self.state = State::Closed;
                self.events.push_back(ResponderEvent::Closed);
                Ok(())
            }
            Container::Unknown { .. } => Ok(()),
            _ => Err(self.unexpected(channel, "a container a camera never receives")),
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

    fn on_request(
        &mut self,
        channel: Channel,
        code: OperationCode,
        tid: TransactionId,
        params: Params,
        data_out: bool,
    ) -> Step {
        if self.current.is_some() {
            return Err(self.unexpected(channel, "a request while a transaction is in progress"));
        }
        let request = Request {
            code,
            transaction: tid,
            params,
            session: self.session,
        };
        let reply = match code {
            OperationCode::OPEN_SESSION => Reply::Respond(self.open_session(params)),
            OperationCode::CLOSE_SESSION if self.session.is_some() => {
                self.session = None;
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
                let mut out = Vec::new();
                self.push_response(&mut out, tid, r);
                self.out[0].push(Bytes::from(out));
                return Ok(());
            }
            Reply::Data { source, response } => {
                if self.config.dialect == Dialect::Fuji
                    && source
                        .len()
                        .is_none_or(|n| n > u64::from(crate::fuji::ContainerHeader::MAX_PAYLOAD))
                {
                    // One container must carry the phase, and its length must be known.
                    let mut out = Vec::new();
                    self.push_response(&mut out, tid, Response::code(ResponseCode::GENERAL_ERROR));
                    self.out[0].push(Bytes::from(out));
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
        self.current = Some(Transaction {
            request,
            phase,
            cancelled: false,
        });
        Ok(())
    }

    fn open_session(&mut self, params: Params) -> Response {
        match (self.session, params.get(1)) {
            (Some(open), _) => Response::with_params(ResponseCode::SESSION_ALREADY_OPEN, &[open.0]),
            (None, None | Some(0)) => Response::code(ResponseCode::INVALID_PARAMETER),
            (None, Some(id)) => {
                self.session = Some(SessionId(id));
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
        let fuji = matches!(kind, DataKind::FujiData { .. });
        let Some(rx) = self.receiving(tid) else {
            return Err(self.unexpected(channel, "data for no data-out transaction"));
        };
        if fuji {
            rx.started = true;
            rx.total = Some(u64::from(len));
            rx.in_packet = Some(true);
        } else if !rx.started {
            return Err(self.unexpected(channel, "Data before Start_Data"));
        } else {
            rx.in_packet = Some(kind == DataKind::EndData);
        }
        Ok(())
    }

    fn on_data_piece(&mut self, piece: &Bytes) {
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

    fn on_data_end(&mut self, _kind: DataKind) -> Step {
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
            return Err(Error::DataLength {
                transaction: tid,
                announced: total,
                received: rx.received,
            });
        }
        let response = match rx.preset {
            Some(r) => r,
            None => self.device.data_out_done(&t.request, rx.received),
        };
        let mut out = Vec::new();
        self.push_response(&mut out, tid, response);
        self.out[0].push(Bytes::from(out));
        self.current = None;
        Ok(())
    }

    /// A Cancel from the initiator. In a data-in phase the data stops at the next packet boundary
    /// and TransactionCancelled follows; in a data-out phase the data is dropped until the
    /// command-channel Cancel, which ends it. A Cancel for no transaction in progress is ignored.
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
        self.device.cancelled(&t.request);
        let mut out = Vec::new();
        self.push_response(
            &mut out,
            tid,
            Response::code(ResponseCode::TRANSACTION_CANCELLED),
        );
        self.out[0].push(Bytes::from(out));
        self.current = None;
    }
}
