//! The Responder: the camera side of a PTP/IP session, as a sans-IO state machine.
//!
//! Same contract as the [`Initiator`](crate::Initiator): bytes in through
//! [`handle_input`](Responder::handle_input), transmits out through
//! [`poll_transmit`](Responder::poll_transmit), events through
//! [`poll_event`](Responder::poll_event). What the camera *does* is a [`Device`]; the responder
//! handles framing, the init handshake, the session, probes, cancels and data phases.
//!
//! One responder serves one initiator: its command/data connection and its event connection.
//! Data the device sends is pulled from its [`DataSource`] only as the command channel's queue
//! drains below [`ResponderConfig::send_window`], so a driver that polls transmits only while the
//! socket is writable sends objects of any size in constant memory.

mod accept;
mod device;
mod inbound;

use std::collections::VecDeque;

use bytes::Bytes;

pub use accept::{ConnectionKind, classify_connection, unknown_connection_refusal};
pub use device::{DataSource, Device, PatternSource, Reply, Request, Response};

use crate::channel::{Channel, LinkState, OutQueue, Reader, Transmit};
use crate::deframer::{DeframerConfig, Framing};
use crate::error::Error;
use crate::fuji::{Container, ContainerHeader};
use crate::packet::{DataPacket, Dialect, Packet, StartData};
use crate::types::{ConnectionNumber, FriendlyName, Guid, ProtocolVersion, SessionId};

/// How the responder frames the data it sends (generic dialect). Cameras differ, and initiators
/// must accept all three.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DataInFraming {
    /// Start_Data, Data packets, and End_Data carrying the last piece (the standard form).
    #[default]
    DataThenEnd,
    /// Start_Data and one End_Data carrying everything.
    SingleEnd,
    /// Start_Data, Data packets, and an empty End_Data.
    EmptyEnd,
}

/// A responder's identity and limits.
#[derive(Clone, Debug)]
pub struct ResponderConfig {
    /// Our GUID, sent in Init_Command_Ack.
    pub guid: Guid,
    /// Our friendly name.
    pub friendly_name: FriendlyName,
    /// The protocol version we announce.
    pub version: ProtocolVersion,
    /// Standard PTP/IP or the Fujifilm dialect.
    pub dialect: Dialect,
    /// The connection number given to the initiator.
    pub connection_number: ConnectionNumber,
    /// How data-in phases are framed.
    pub data_in_framing: DataInFraming,
    /// The largest payload of one outgoing Data packet (or one continuation piece).
    pub max_data_packet: usize,
    /// Outgoing bytes allowed to wait in the command channel's queue.
    pub send_window: usize,
    /// The largest control packet accepted from the initiator.
    pub max_control_len: u32,
}

impl ResponderConfig {
    /// A configuration with sensible defaults.
    #[must_use]
    pub fn new(guid: Guid, friendly_name: FriendlyName, dialect: Dialect) -> Self {
        Self {
            guid,
            friendly_name,
            version: ProtocolVersion::V1_0,
            dialect,
            connection_number: ConnectionNumber(1),
            data_in_framing: DataInFraming::default(),
            max_data_packet: 256 << 10,
            send_window: 1 << 20,
            max_control_len: DeframerConfig::DEFAULT_MAX_CONTROL_LEN,
        }
    }
}

/// What a [`Responder`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponderEvent {
    /// An initiator was accepted.
    InitiatorConnected {
        /// Its GUID.
        guid: Guid,
        /// Its friendly name.
        friendly_name: FriendlyName,
    },
    /// An initiator was refused with Init_Fail.
    InitiatorRefused {
        /// Its GUID.
        guid: Guid,
    },
    /// OpenSession succeeded.
    SessionOpened(SessionId),
    /// CloseSession succeeded.
    SessionClosed,
    /// The initiator said goodbye (the Fujifilm terminator) or closed the command connection
    /// between transactions.
    Closed,
    /// The connection failed; reported once.
    ConnectionLost {
        /// Why.
        reason: Error,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    AwaitCommandRequest,
    AwaitEventRequest,
    Ready,
    Closed,
    Failed(Error),
}

/// The device's data going out.
struct Sending {
    source: Box<dyn DataSource>,
    response: Response,
    total: Option<u64>,
    sent: u64,
    /// Bytes of an open packet (single End_Data, or the Fujifilm container) still to send.
    open_packet: Option<u64>,
    started: bool,
    /// The trailing empty End_Data is still due.
    empty_end_due: bool,
}

/// The initiator's data coming in.
#[derive(Default)]
struct Receiving {
    started: bool,
    total: Option<u64>,
    received: u64,
    in_packet: Option<bool>,
    /// After an event-channel Cancel: drop data until the command-channel Cancel.
    discarding: bool,
    /// The device already answered (data-out refused early); send this after the data.
    preset: Option<Response>,
}

enum Phase {
    Sending(Sending),
    Receiving(Receiving),
}

struct Transaction {
    request: Request,
    phase: Phase,
    cancelled: bool,
}

/// The camera side of a PTP/IP session. See the [module docs](self).
pub struct Responder<D: Device> {
    device: D,
    config: ResponderConfig,
    state: State,
    readers: [Reader; 2],
    out: [OutQueue; 2],
    links: [LinkState; 2],
    session: Option<SessionId>,
    current: Option<Transaction>,
    events: VecDeque<ResponderEvent>,
}

impl<D: Device> std::fmt::Debug for Responder<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Responder")
            .field("state", &self.state)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl<D: Device> Responder<D> {
    /// A responder waiting for an Init_Command_Request.
    #[must_use]
    pub fn new(config: ResponderConfig, device: D) -> Self {
        let deframer = DeframerConfig {
            framing: Framing::PtpIp,
            dialect: config.dialect,
            max_control_len: config.max_control_len,
            ..DeframerConfig::default()
        };
        Self {
            device,
            readers: [Reader::new(deframer), Reader::new(deframer)],
            out: Default::default(),
            links: Default::default(),
            state: State::AwaitCommandRequest,
            session: None,
            current: None,
            events: VecDeque::new(),
            config,
        }
    }

    /// The device.
    pub fn device(&self) -> &D {
        &self.device
    }

    /// The device, mutably (to inject events, say).
    pub fn device_mut(&mut self) -> &mut D {
        &mut self.device
    }

    /// The open session.
    #[must_use]
    pub const fn session(&self) -> Option<SessionId> {
        self.session
    }

    /// Whether the session is over (goodbye received, or failed).
    #[must_use]
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed | State::Failed(_))
    }

    /// Whether the driver should read `channel` now.
    #[must_use]
    pub fn wants_read(&self, channel: Channel) -> bool {
        !self.is_closed() && (channel == Channel::Command || self.links[1] == LinkState::Open)
    }

    /// Whether there is something to write to `channel`.
    #[must_use]
    pub fn wants_write(&self, channel: Channel) -> bool {
        !self.out[channel.index()].is_empty()
            || (channel == Channel::Command
                && matches!(
                    self.current.as_ref().map(|t| &t.phase),
                    Some(Phase::Sending(_))
                ))
    }

    /// Tells the responder a connection was attached: the Fujifilm event connection carries no
    /// init packet, so a server calls this when it pairs the event socket.
    pub fn handle_connected(&mut self, channel: Channel) {
        if self.links[channel.index()] == LinkState::Unopened {
            self.links[channel.index()] = LinkState::Open;
        }
    }

    /// Reports that `channel` ended.
    pub fn handle_eof(&mut self, channel: Channel) {
        self.links[channel.index()] = LinkState::Eof;
        if self.is_closed() {
            return;
        }
        if channel == Channel::Command && self.current.is_none() {
            self.state = State::Closed;
            self.events.push_back(ResponderEvent::Closed);
        } else {
            self.fail(Error::ChannelClosed(channel));
        }
    }

    /// The next thing to report.
    pub fn poll_event(&mut self) -> Option<ResponderEvent> {
        self.events.pop_front()
    }

    /// The next bytes to write: queued packets first, then device events, then the next piece of
    /// a data-in phase while the command queue is below the window. After a refusal (Init_Fail)
    /// the last packet still comes out here; after a failure nothing does.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        if !self.is_closed() {
            self.pump_device_events();
            if self.out[0].bytes() < self.config.send_window
                && let Err(e) = self.pump_data()
            {
                self.fail(e);
                return None;
            }
        }
        for channel in Channel::ALL {
            if let Some(payload) = self.out[channel.index()].pop() {
                return Some(Transmit { channel, payload });
            }
        }
        None
    }

    fn pump_device_events(&mut self) {
        if self.state != State::Ready || self.links[1] != LinkState::Open {
            return;
        }
        while let Some(e) = self.device.poll_event() {
            let bytes = match self.config.dialect {
                Dialect::Generic => {
                    let mut params = crate::types::Params::new();
                    for &p in e
                        .params
                        .iter()
                        .take(usize::from(crate::packet::Event::MAX_PARAMS))
                    {
                        params.push(p);
                    }
                    Packet::Event(crate::packet::Event {
                        code: e.code,
                        transaction_id: e.transaction,
                        params,
                    })
                    .to_bytes()
                }
                Dialect::Fuji => Container::Event {
                    code: e.code,
                    transaction_id: e.transaction,
                    params: e.params,
                }
                .to_bytes(),
            };
            self.out[1].push(Bytes::from(bytes));
        }
    }

    /// Frames the next piece of the data-in phase, or its response once the data is out.
    fn pump_data(&mut self) -> Result<(), Error> {
        let max = self.config.max_data_packet.max(1);
        let framing = self.config.data_in_framing;
        let dialect = self.config.dialect;
        let Some(t) = self.current.as_mut() else {
            return Ok(());
        };
        let tid = t.request.transaction;
        let code = t.request.code;
        let Phase::Sending(s) = &mut t.phase else {
            return Ok(());
        };
        let mut frame = Vec::new();
        if !s.started {
            s.started = true;
            match dialect {
                Dialect::Generic => {
                    let start = StartData {
                        transaction_id: tid,
                        total_length: s.total.unwrap_or(StartData::UNKNOWN_LENGTH),
                    };
                    Packet::StartData(start).encode(&mut frame);
                    let fits = s
                        .total
                        .is_some_and(|n| n <= Packet::MAX_DATA_PAYLOAD as u64);
                    if framing == DataInFraming::SingleEnd && fits {
                        let total = s.total.unwrap_or(0);
                        DataPacket::write_header(&mut frame, true, tid, total as u32);
                        s.open_packet = Some(total);
                    }
                    s.empty_end_due = framing == DataInFraming::EmptyEnd || s.total.is_none();
                }
                Dialect::Fuji => {
                    // `on_request` refuses Fujifilm data over ContainerHeader::MAX_PAYLOAD.
                    let total = s.total.unwrap_or(0);
                    let len = u32::try_from(total).unwrap_or(ContainerHeader::MAX_PAYLOAD);
                    ContainerHeader::data(code.0, tid, len).write(&mut frame);
                    s.open_packet = Some(total);
                }
            }
        }
        if t.cancelled && s.open_packet.is_none() {
            // At a packet boundary: stop the data and answer the cancel.
            self.device.cancelled(&t.request);
            let r = Response::code(crate::ResponseCode::TRANSACTION_CANCELLED);
            self.push_response(&mut frame, tid, r);
            self.out[0].push(Bytes::from(frame));
            self.current = None;
            return Ok(());
        }
        let left = match (s.open_packet, s.total) {
            (Some(n), _) => n,
            (None, Some(total)) => total - s.sent,
            (None, None) => u64::MAX,
        };
        let piece = if left == 0 {
            Bytes::new()
        } else {
            s.source
                .next_piece(max.min(usize::try_from(left).unwrap_or(usize::MAX)))
        };
        s.sent += piece.len() as u64;
        if let Some(n) = &mut s.open_packet {
            if piece.is_empty() && *n > 0 {
                // The device's source ended before the length it announced: the stream would be
                // out of step from here on.
                return Err(Error::DataLength {
                    transaction: tid,
                    announced: s.total.unwrap_or(0),
                    received: s.sent,
                });
            }
            *n -= piece.len() as u64;
            frame.extend_from_slice(&piece);
            if *n == 0 {
                s.open_packet = None;
            }
        } else if !piece.is_empty() {
            let last = !s.empty_end_due && s.total == Some(s.sent);
            DataPacket::write_header(&mut frame, last, tid, piece.len() as u32);
            frame.extend_from_slice(&piece);
        } else if let Some(total) = s.total.filter(|&n| n != s.sent) {
            return Err(Error::DataLength {
                transaction: tid,
                announced: total,
                received: s.sent,
            });
        }
        let all_sent = s.open_packet.is_none() && (s.total == Some(s.sent) || piece.is_empty());
        if all_sent {
            if s.empty_end_due
                || (s.total == Some(0)
                    && dialect == Dialect::Generic
                    && framing != DataInFraming::SingleEnd)
            {
                DataPacket::write_header(&mut frame, true, tid, 0);
            }
            let response = s.response;
            self.push_response(&mut frame, tid, response);
            self.current = None;
        }
        if !frame.is_empty() {
            self.out[0].push(Bytes::from(frame));
        }
        Ok(())
    }

    fn push_response(&self, out: &mut Vec<u8>, tid: crate::TransactionId, r: Response) {
        match self.config.dialect {
            Dialect::Generic => Packet::OperationResponse(crate::packet::OperationResponse {
                code: r.code,
                transaction_id: tid,
                params: r.params,
            })
            .encode(out),
            Dialect::Fuji => Container::Response {
                code: r.code,
                transaction_id: tid,
                params: r.params,
            }
            .encode(out),
        }
    }

    fn fail(&mut self, e: Error) {
        if self.is_closed() {
            return;
        }
        self.state = State::Failed(e.clone());
        for q in &mut self.out {
            q.clear();
        }
        self.current = None;
        self.events
            .push_back(ResponderEvent::ConnectionLost { reason: e });
    }
}
