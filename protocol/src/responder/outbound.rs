//! What the Responder sends: device events, the data-in phase piece by piece, responses, and
//! control packets that must wait for an open data packet to close.

use bytes::Bytes;

use super::{DataInFraming, Device, Phase, Responder, Response, State};
use crate::Encode;
use crate::channel::{Channel, LinkState};
use crate::error::Error;
use crate::fuji::{Container, ContainerHeader};
use crate::packet::{DataPacket, Dialect, Packet, StartData};
use crate::ptp::codes::ResponseCode;
use crate::types::{Params, TransactionId};

impl<D: Device> Responder<D> {
    /// Queues a control packet for `channel`. On the command channel a packet that would land
    /// inside an open data packet (a single End_Data, or the Fujifilm data container, sent in
    /// pieces) waits until that packet is complete.
    pub(super) fn push_control(&mut self, channel: Channel, encode: impl FnOnce(&mut Vec<u8>)) {
        let bytes = self.out[channel.index()].encode(encode);
        if channel == Channel::Command && self.data_packet_open() {
            self.deferred.push(bytes);
        } else {
            self.out[channel.index()].push(bytes);
        }
    }

    /// Whether part of a data-in packet has been queued and the rest has not.
    fn data_packet_open(&self) -> bool {
        matches!(
            self.current.as_ref().map(|t| &t.phase),
            Some(Phase::Sending(s)) if s.started && s.open_packet.is_some()
        )
    }

    pub(super) fn pump_device_events(&mut self) {
        if self.state != State::Ready || self.links[1] != LinkState::Open {
            return;
        }
        while let Some(e) = self.device.poll_event() {
            match self.config.dialect {
                Dialect::Generic => {
                    let mut params = Params::new();
                    for &p in e
                        .params
                        .iter()
                        .take(usize::from(crate::packet::EventPacket::MAX_PARAMS))
                    {
                        params.push(p);
                    }
                    self.out[1].push_encoded(&Packet::Event(crate::packet::EventPacket {
                        code: e.code,
                        transaction_id: e.transaction,
                        params,
                    }));
                }
                Dialect::Fuji => self.out[1].push_encoded(&Container::Event {
                    code: e.code,
                    transaction_id: e.transaction,
                    params: e.params,
                }),
            }
        }
    }

    /// Frames the next piece of the data-in phase, or its response once the data is out. A
    /// cancelled transaction stops at the next packet boundary (before Start_Data if nothing has
    /// gone out yet) and is answered TransactionCancelled.
    pub(super) fn pump_data(&mut self) -> Result<(), Error> {
        let max = self.config.max_data_packet.max(1);
        let framing = self.config.data_in_framing;
        let dialect = self.config.dialect;
        let Some(t) = self.current.as_mut() else {
            return Ok(());
        };
        if t.held {
            return Ok(());
        }
        let tid = t.request.transaction;
        let code = t.request.code;
        if let Phase::Responding(r) = t.phase {
            self.current = None;
            self.respond(tid, r);
            return Ok(());
        }
        let Phase::Sending(s) = &mut t.phase else {
            return Ok(());
        };
        let mut frame = Vec::new();
        if t.cancelled && s.open_packet.is_none() {
            self.device.cancelled(&t.request);
            self.current = None;
            let r = Response::code(ResponseCode::TRANSACTION_CANCELLED);
            self.push_response(&mut frame, tid, r);
            self.out[0].push(Bytes::from(frame));
            return Ok(());
        }
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
        let mut closed_packet = false;
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
            self.out[0].append_payload(&mut frame, piece.clone());
            if *n == 0 {
                s.open_packet = None;
                closed_packet = true;
            }
        } else if !piece.is_empty() {
            let last = !s.empty_end_due && s.total == Some(s.sent);
            DataPacket::write_header(&mut frame, last, tid, piece.len() as u32);
            self.out[0].append_payload(&mut frame, piece.clone());
        } else if let Some(total) = s.total.filter(|&n| n != s.sent) {
            return Err(Error::DataLength {
                transaction: tid,
                announced: total,
                received: s.sent,
            });
        }
        let all_sent = s.open_packet.is_none() && (s.total == Some(s.sent) || piece.is_empty());
        let response = s.response;
        let empty_end = s.empty_end_due
            || (s.total == Some(0)
                && dialect == Dialect::Generic
                && framing != DataInFraming::SingleEnd);
        if closed_packet {
            // Control packets that waited for the packet to close (probe answers) go next.
            for p in std::mem::take(&mut self.deferred) {
                frame.extend_from_slice(&p);
            }
        }
        if all_sent {
            if empty_end {
                DataPacket::write_header(&mut frame, true, tid, 0);
            }
            self.push_response(&mut frame, tid, response);
            self.current = None;
        }
        if !frame.is_empty() {
            self.out[0].push(Bytes::from(frame));
        }
        Ok(())
    }

    /// Appends the response for `tid` in the dialect's framing.
    pub(super) fn push_response(&self, out: &mut Vec<u8>, tid: TransactionId, r: Response) {
        encode_response(self.config.dialect, out, tid, r);
    }

    /// Queues the response for `tid` on the command channel.
    pub(super) fn respond(&mut self, tid: TransactionId, r: Response) {
        let dialect = self.config.dialect;
        self.push_control(Channel::Command, |out| {
            encode_response(dialect, out, tid, r);
        });
    }
}

/// Appends the response for `tid` in `dialect`'s framing.
fn encode_response(dialect: Dialect, out: &mut Vec<u8>, tid: TransactionId, r: Response) {
    match dialect {
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
