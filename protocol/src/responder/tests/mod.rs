//! The Responder driven byte by byte, as an initiator we do not control would drive it: crafted
//! packets in, decoded frames out. These cover what a well-behaved [`Initiator`](crate::Initiator)
//! never does (repeated init requests, reused ids, stray data, probes at odd moments, cancels at
//! any moment), so the pair tests in `camera::tests` cannot.

mod cancel;
mod conformance;
mod fuji;
mod probe;
mod think;
mod timers;

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use super::{
    DataInFraming, Device, PatternSource, Reply, Request, Responder, ResponderConfig,
    ResponderEvent, Response, Violation,
};
use crate::Encode;
use crate::channel::Channel;
use crate::deframer::{DataKind, Deframer, DeframerConfig, Frame, Framing};
use crate::fuji::Container;
use crate::packet::{
    Cancel, DataPacket, DataPhaseInfo, Dialect, InitCommandRequest, InitEventRequest,
    OperationRequest, Packet, StartData,
};
use crate::ptp::codes::{OperationCode, ResponseCode};
use crate::types::{ConnectionNumber, FriendlyName, Guid, Params, TransactionId};

/// A device with a few operations: GetDeviceInfo (16 bytes), GetObject (the pattern, as long as
/// its first parameter says), DeleteObject (OK), SendObject (takes data).
#[derive(Debug, Default)]
struct TestDevice {
    /// Data-out bytes the device was given.
    data_out: u64,
    /// Transactions the responder reported cancelled.
    cancelled: u32,
    /// Operations the device was asked to run.
    operations: Vec<OperationCode>,
}

impl Device for TestDevice {
    fn operation(&mut self, r: &Request) -> Reply {
        self.operations.push(r.code);
        match r.code {
            OperationCode::GET_DEVICE_INFO => Reply::Data {
                source: Box::new(Bytes::from_static(&[7; 16])),
                response: Response::OK,
            },
            OperationCode::GET_OBJECT => Reply::Data {
                source: Box::new(PatternSource::new(u64::from(r.params.get(1).unwrap_or(0)))),
                response: Response::OK,
            },
            OperationCode::SEND_OBJECT | OperationCode::SET_DEVICE_PROP_VALUE => Reply::ReceiveData,
            _ => Reply::Respond(Response::OK),
        }
    }

    fn data_out(&mut self, _r: &Request, piece: &[u8]) {
        self.data_out += piece.len() as u64;
    }

    fn data_out_done(&mut self, _r: &Request, _len: u64) -> Response {
        Response::OK
    }

    fn cancelled(&mut self, _r: &Request) {
        self.cancelled += 1;
    }
}

/// What came out of the responder, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Out {
    /// A control packet (responses, acks, probes…), or a Fujifilm container.
    Packet(Packet<'static>),
    Container(Container<'static>),
    /// A data packet (or container) began: its kind and transaction.
    DataStart(DataKind, TransactionId),
    /// Payload bytes, whether each is the pattern at its offset in the phase.
    Data {
        len: u64,
        pattern: bool,
    },
}

/// A responder fed raw bytes, with one decoder per channel for what it sends.
struct Raw {
    resp: Responder<TestDevice>,
    decoders: [Deframer; 2],
    /// Data payload bytes seen so far in the current data-in phase.
    data_offset: u64,
    /// The virtual clock.
    now: Instant,
}

const INITIATOR: Guid = Guid([0x11; 16]);

fn name(s: &str) -> FriendlyName {
    FriendlyName::new(s).unwrap()
}

impl Raw {
    fn new(dialect: Dialect, tweak: impl FnOnce(&mut ResponderConfig)) -> Self {
        let mut config = ResponderConfig::new(Guid([0x22; 16]), name("raw"), dialect);
        config.connection_number = ConnectionNumber(1);
        config.max_data_packet = 64 << 10;
        config.send_window = 128 << 10;
        tweak(&mut config);
        let decoder = Deframer::new(DeframerConfig::default());
        Self {
            resp: Responder::new(config, TestDevice::default()),
            decoders: [decoder, Deframer::new(DeframerConfig::default())],
            data_offset: 0,
            now: Instant::now(),
        }
    }

    /// A generic responder past the init handshake.
    fn generic() -> Self {
        let mut r = Self::new(Dialect::Generic, |_| {});
        r.init_generic();
        r
    }

    /// A generic responder past the init handshake with `framing` for data-in phases.
    fn generic_framed(framing: DataInFraming) -> Self {
        let mut r = Self::new(Dialect::Generic, |c| c.data_in_framing = framing);
        r.init_generic();
        r
    }

    fn init_generic(&mut self) {
        self.send(Channel::Command, &init_request());
        self.send(
            Channel::Event,
            &Packet::InitEventRequest(InitEventRequest::new(ConnectionNumber(1))).to_bytes(),
        );
        let out = self.take_all();
        assert!(
            matches!(
                out[..],
                [
                    (_, Out::Packet(Packet::InitCommandAck(_))),
                    (_, Out::Packet(Packet::InitEventAck(_)))
                ]
            ),
            "{out:?}"
        );
    }

    /// Fujifilm: what the responder sends on the command channel from now on is containers (the
    /// test knows when the init acks are over; the bytes alone do not say).
    fn containers_from_now(&mut self) {
        self.decoders[0].set_framing(Framing::FujiContainer);
    }

    /// Feeds `bytes` on `channel` in one piece.
    fn send(&mut self, channel: Channel, bytes: &[u8]) {
        let _ = self
            .resp
            .handle_input(self.now, channel, BytesMut::from(bytes));
    }

    /// Feeds `bytes` one byte at a time.
    fn send_bytewise(&mut self, channel: Channel, bytes: &[u8]) {
        for b in bytes {
            let _ = self
                .resp
                .handle_input(self.now, channel, BytesMut::from(&[*b][..]));
        }
    }

    /// Sends a request.
    fn request(&mut self, code: OperationCode, tid: u32, params: &[u32], data_out: bool) {
        let r = OperationRequest {
            data_phase: if data_out {
                DataPhaseInfo::DATA_OUT
            } else {
                DataPhaseInfo::NO_DATA_OR_DATA_IN
            },
            code,
            transaction_id: TransactionId(tid),
            params: Params::from_slice(params).unwrap(),
        };
        self.send(Channel::Command, &Packet::OperationRequest(r).to_bytes());
    }

    /// Sends a whole data-out phase: Start_Data, then End_Data with `len` bytes.
    fn data_out(&mut self, tid: u32, len: usize) {
        let tid = TransactionId(tid);
        let start = StartData {
            transaction_id: tid,
            total_length: len as u64,
        };
        self.send(Channel::Command, &Packet::StartData(start).to_bytes());
        let end = Packet::EndData(DataPacket {
            transaction_id: tid,
            payload: vec![5; len].into(),
        });
        self.send(Channel::Command, &end.to_bytes());
    }

    fn cancel(&mut self, channel: Channel, tid: u32) {
        let c = Packet::Cancel(Cancel::new(TransactionId(tid)));
        self.send(channel, &c.to_bytes());
    }

    /// Opens session 1 with OpenSession's transaction id 0.
    fn open_session(&mut self) {
        self.request(OperationCode::OPEN_SESSION, 0, &[1], false);
        assert_eq!(self.responses(), [(0, ResponseCode::OK)]);
    }

    /// Moves the clock on by `by` and lets the responder's timers fire.
    fn advance(&mut self, by: Duration) {
        self.now += by;
        if self.resp.poll_timeout().is_some_and(|t| t <= self.now) {
            self.resp.handle_timeout(self.now);
            assert!(
                self.resp.poll_timeout().is_none_or(|t| t > self.now),
                "a deadline at or before the handle_timeout time"
            );
        }
    }

    /// Decodes one transmit into `out`.
    fn decode(&mut self, channel: Channel, payload: &Bytes, out: &mut Vec<(Channel, Out)>) {
        let d = &mut self.decoders[channel.index()];
        d.extend_from_slice(payload);
        while let Some(frame) = d.next_frame().expect("the responder sends valid frames") {
            let item = match frame {
                Frame::Packet(p) => {
                    if matches!(p, Packet::OperationResponse(_)) {
                        self.data_offset = 0;
                    }
                    Out::Packet(p)
                }
                Frame::Container(c) => {
                    if matches!(c, Container::Response { .. }) {
                        self.data_offset = 0;
                    }
                    Out::Container(c)
                }
                Frame::DataStart(h) => Out::DataStart(h.kind, h.transaction_id),
                Frame::DataChunk(b) => {
                    let pattern = b
                        .iter()
                        .enumerate()
                        .all(|(k, &v)| v == PatternSource::byte_at(self.data_offset + k as u64));
                    self.data_offset += b.len() as u64;
                    Out::Data {
                        len: b.len() as u64,
                        pattern,
                    }
                }
                Frame::LiveView(_) => unreachable!("no live view on a session's channels"),
            };
            out.push((channel, item));
        }
    }

    /// The next transmit, decoded.
    fn take_one(&mut self) -> Option<Vec<(Channel, Out)>> {
        let t = self.resp.poll_transmit()?;
        let mut out = Vec::new();
        self.decode(t.channel, &t.payload, &mut out);
        Some(out)
    }

    /// Everything the responder sends until it has nothing more.
    fn take_all(&mut self) -> Vec<(Channel, Out)> {
        let mut out = Vec::new();
        while let Some(mut o) = self.take_one() {
            out.append(&mut o);
        }
        out
    }

    /// The responses sent (transaction and code), other output dropped.
    fn responses(&mut self) -> Vec<(u32, ResponseCode)> {
        self.take_all()
            .into_iter()
            .filter_map(|(_, o)| match o {
                Out::Packet(Packet::OperationResponse(r)) => Some((r.transaction_id.0, r.code)),
                Out::Container(Container::Response {
                    code,
                    transaction_id,
                    ..
                }) => Some((transaction_id.0, code)),
                _ => None,
            })
            .collect()
    }

    /// The violations reported so far (other events dropped).
    fn violations(&mut self) -> Vec<Violation> {
        std::iter::from_fn(|| self.resp.poll_event())
            .filter_map(|e| match e {
                ResponderEvent::Violation(v) => Some(v),
                _ => None,
            })
            .collect()
    }
}

/// A standard Init_Command_Request.
fn init_request() -> Vec<u8> {
    Packet::InitCommandRequest(InitCommandRequest::new(INITIATOR, name("tester"))).to_bytes()
}

/// Payload bytes in `out`, and whether all of them were the pattern.
fn data_bytes(out: &[(Channel, Out)]) -> (u64, bool) {
    out.iter().fold((0, true), |(n, ok), (_, o)| match o {
        Out::Data { len, pattern } => (n + len, ok && *pattern),
        _ => (n, ok),
    })
}
