//! What goes out: a transaction's request (`begin`), then its data: `send_data`, the send
//! window, and Data/End_Data (or Fujifilm container) framing.

use std::time::Instant;

use bytes::{Bytes, BytesMut};

use super::{
    DataIn, DataPhase, Event, Incoming, Initiator, Operation, Outgoing, Purpose, Transaction,
};
use crate::channel::Channel;
use crate::error::OperationError;
use crate::fuji::{Container, ContainerHeader};
use crate::packet::{DataPacket, DataPhaseInfo, Dialect, OperationRequest, Packet, StartData};
use crate::ptp::codes::OperationCode;
use crate::timer::Timer;
use crate::types::TransactionId;

impl Initiator {
    /// Offers data for a transaction with a [`DataPhase::Out`] phase; returns how many bytes were
    /// taken (possibly 0). When it takes less than offered, [`Event::SendWindowAvailable`] says
    /// when to offer the rest.
    pub fn send_data(
        &mut self,
        now: Instant,
        tid: TransactionId,
        data: &[u8],
    ) -> Result<usize, OperationError> {
        if self.is_closed() {
            return Err(OperationError::Closed);
        }
        let window = self.config.send_window;
        let queued = self.out[0].bytes();
        let max_packet = self.config.max_data_packet.max(1);
        let dialect = self.config.dialect;
        let Some(t) = self.current.as_mut().filter(|t| t.tid == tid) else {
            return match self.queue.iter().find(|(q, ..)| *q == tid) {
                Some((_, op, _)) if matches!(op.data, DataPhase::Out { .. }) => Ok(0),
                Some(_) => Err(OperationError::NotSendingData(tid)),
                None => Err(OperationError::UnknownTransaction(tid)),
            };
        };
        let Some(out) = t.outgoing.as_mut() else {
            return Err(OperationError::NotSendingData(tid));
        };
        let remaining = out.len - out.sent;
        if remaining == 0 {
            return Err(OperationError::NotSendingData(tid));
        }
        if data.len() as u64 > remaining {
            return Err(OperationError::DataTooLarge {
                len: data.len() as u64,
                max: remaining,
            });
        }
        let room = window.saturating_sub(queued);
        let n = room.min(data.len());
        if n < data.len() {
            out.blocked = true;
        }
        let at = Piece {
            code: t.op.code,
            tid,
            offset: out.sent,
            total: out.len,
        };
        let pieces: Vec<Bytes> = data[..n]
            .chunks(max_packet)
            .enumerate()
            .map(|(k, piece)| {
                let offset = at.offset + (k * max_packet) as u64;
                frame_data(dialect, Piece { offset, ..at }, piece)
            })
            .collect();
        out.sent += n as u64;
        let done = out.sent == out.len;
        for p in pieces {
            self.out[0].push(p);
        }
        if done {
            self.timers
                .set(Timer::Response, now + self.config.response_timeout);
        }
        Ok(n)
    }

    /// Sends the next queued operation if none is in progress.
    pub(super) fn start_next(&mut self, now: Instant) {
        if self.current.is_some() || self.is_closed() {
            return;
        }
        let Some((tid, op, purpose)) = self.queue.pop_front() else {
            return;
        };
        self.begin(now, tid, op, purpose);
    }

    /// Puts `op` on the wire as transaction `tid`: the request (and its data, if given), the
    /// transaction's state and its timer.
    pub(super) fn begin(
        &mut self,
        now: Instant,
        tid: TransactionId,
        op: Operation,
        purpose: Purpose,
    ) {
        let out_len = match &op.data {
            DataPhase::Out { len } => Some(*len),
            DataPhase::OutBytes(b) => Some(b.len() as u64),
            _ => None,
        };
        let data_phase = if out_len.is_some() {
            DataPhaseInfo::DATA_OUT
        } else {
            DataPhaseInfo::NO_DATA_OR_DATA_IN
        };
        match self.config.dialect {
            Dialect::Generic => {
                let request = OperationRequest {
                    data_phase,
                    code: op.code,
                    transaction_id: tid,
                    params: op.params,
                };
                self.send_packet(Channel::Command, &Packet::OperationRequest(request));
                if let Some(len) = out_len {
                    let start = StartData {
                        transaction_id: tid,
                        total_length: len,
                    };
                    self.send_packet(Channel::Command, &Packet::StartData(start));
                }
            }
            Dialect::Fuji => {
                self.send_container(&Container::Command {
                    code: op.code,
                    transaction_id: tid,
                    params: op.params,
                });
            }
        }
        let collected = match op.data {
            DataPhase::In(DataIn::Collect { .. }) => Some(BytesMut::new()),
            _ => None,
        };
        let bytes = match &op.data {
            DataPhase::OutBytes(b) => Some(b.clone()),
            _ => None,
        };
        let op_code = op.code;
        log::debug!(
            target: super::LOG_TARGET,
            "→ {:?} tid={} {:?}{}",
            op.code,
            tid.0,
            op.params,
            purpose.note()
        );
        self.current = Some(Transaction {
            tid,
            purpose,
            incoming: Incoming {
                collected,
                ..Incoming::default()
            },
            outgoing: out_len.map(|len| Outgoing {
                len,
                sent: 0,
                blocked: false,
            }),
            cancelled: false,
            started: now,
            op,
        });
        let timer = if purpose == Purpose::FujiInitSequence {
            self.timers.stop(Timer::Response);
            self.events.push_back(Event::AwaitingConfirmation {
                until: now + self.config.pairing_timeout,
            });
            (Timer::Pairing, self.config.pairing_timeout)
        } else {
            (Timer::Response, self.config.response_timeout)
        };
        match (out_len, bytes) {
            (Some(_), Some(bytes)) => {
                // All the data is here: frame it at once, ignoring the window (the caller gave it).
                let pieces = frame_all(
                    self.config.dialect,
                    op_code,
                    tid,
                    &bytes,
                    self.config.max_data_packet,
                );
                for p in pieces {
                    self.out[0].push(p);
                }
                if let Some(out) = self.current.as_mut().and_then(|t| t.outgoing.as_mut()) {
                    out.sent = out.len;
                }
                self.timers.set(timer.0, now + timer.1);
            }
            (Some(0), None) => {
                // Nothing to wait for: the empty data phase goes out at once.
                for p in frame_all(self.config.dialect, op_code, tid, &[], 1) {
                    self.out[0].push(p);
                }
                self.timers.set(timer.0, now + timer.1);
            }
            (Some(_), None) => {
                // The application supplies the data; the response clock starts when it is all sent.
                self.events
                    .push_back(Event::SendWindowAvailable { transaction: tid });
            }
            (None, _) => self.timers.set(timer.0, now + timer.1),
        }
    }

    pub(super) fn check_data_len(&self, op: &Operation) -> Result<(), OperationError> {
        let len = match &op.data {
            DataPhase::Out { len } => *len,
            DataPhase::OutBytes(b) => b.len() as u64,
            _ => return Ok(()),
        };
        let max = match self.config.dialect {
            // One container carries the whole phase; its u32 length covers the 12-byte header.
            Dialect::Fuji => u64::from(ContainerHeader::MAX_PAYLOAD),
            Dialect::Generic => u64::MAX - 1,
        };
        if len > max {
            return Err(OperationError::DataTooLarge { len, max });
        }
        Ok(())
    }

    pub(super) fn refill_window_event(&mut self) {
        let low = self.config.send_window / 2;
        if self.out[0].bytes() > low {
            return;
        }
        if let Some(t) = self.current.as_mut()
            && let Some(out) = t.outgoing.as_mut()
            && out.blocked
        {
            out.blocked = false;
            self.events
                .push_back(Event::SendWindowAvailable { transaction: t.tid });
        }
    }
}

/// Where a piece of outgoing data sits in its data phase.
#[derive(Clone, Copy)]
struct Piece {
    code: OperationCode,
    tid: TransactionId,
    /// Offset of the piece in the phase.
    offset: u64,
    /// Total bytes of the phase.
    total: u64,
}

/// Frames one piece of outgoing data: a Data packet, or End_Data for the last piece; for Fujifilm
/// the bytes of the phase's one data container, whose header goes with the first piece.
fn frame_data(dialect: Dialect, at: Piece, piece: &[u8]) -> Bytes {
    let last = at.offset + piece.len() as u64 == at.total;
    match dialect {
        Dialect::Generic => {
            let mut out = Vec::with_capacity(DataPacket::HEADER_LEN + piece.len());
            DataPacket::write_header(&mut out, last, at.tid, piece.len() as u32);
            out.extend_from_slice(piece);
            Bytes::from(out)
        }
        Dialect::Fuji if at.offset == 0 => {
            let mut out = Vec::with_capacity(ContainerHeader::LEN + piece.len());
            // `execute` refuses Fujifilm phases over ContainerHeader::MAX_PAYLOAD.
            let total = u32::try_from(at.total).unwrap_or(ContainerHeader::MAX_PAYLOAD);
            ContainerHeader::data(at.code.0, at.tid, total).write(&mut out);
            out.extend_from_slice(piece);
            Bytes::from(out)
        }
        Dialect::Fuji => Bytes::copy_from_slice(piece),
    }
}

/// Frames a whole data phase given at once, in pieces of at most `max` bytes.
pub(super) fn frame_all(
    dialect: Dialect,
    code: OperationCode,
    tid: TransactionId,
    data: &[u8],
    max: usize,
) -> Vec<Bytes> {
    let total = data.len() as u64;
    if data.is_empty() {
        return vec![frame_data(
            dialect,
            Piece {
                code,
                tid,
                offset: 0,
                total,
            },
            &[],
        )];
    }
    data.chunks(max.max(1))
        .enumerate()
        .map(|(n, piece)| {
            let offset = (n * max.max(1)) as u64;
            frame_data(
                dialect,
                Piece {
                    code,
                    tid,
                    offset,
                    total,
                },
                piece,
            )
        })
        .collect()
}
