//! Data going out: `send_data`, the send window, and Data/End_Data (or Fujifilm container) framing.

use std::time::Instant;

use bytes::Bytes;

use super::{DataPhase, Event, Initiator, Operation};
use crate::error::OperationError;
use crate::fuji::ContainerHeader;
use crate::packet::{DataPacket, Dialect};
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
