//! The initiators' side of a [`Share`]: a standard PTP/IP responder per initiator, whose
//! operations run on the shared camera session.

use std::collections::VecDeque;
use std::time::Instant;

use bytes::Bytes;

use super::Share;
use super::camera::into_mut;
use crate::Encode;
use crate::channel::{Channel, Inbound};
use crate::deframer::DataKind;
use crate::initiator::{DataPhase, DeviceEvent, Operation};
use crate::packet::{
    DataPacket, DataPhaseInfo, InitCommandAck, InitFail, InitFailReason, OperationRequest,
    OperationResponse, Packet, StartData,
};
use crate::ptp::codes::{OperationCode, ResponseCode};
use crate::types::{
    ConnectionNumber, FriendlyName, Params, ProtocolVersion, SessionId, TransactionId,
};

/// A transaction an initiator has running.
#[derive(Debug)]
pub(super) struct FrontTx {
    /// The initiator's id for it.
    tid: TransactionId,
    code: OperationCode,
    params: Params,
    /// The camera session's id, once it runs there.
    camera: Option<TransactionId>,
    /// Answered locally once the initiator's data phase is over (it was refused).
    refused: Option<ResponseCode>,
    /// The initiator's data phase: announced total and bytes received.
    data_out: Option<(u64, u64)>,
    /// The camera's data phase on its way to the initiator.
    data_in: DataIn,
}

/// The camera's data going to an initiator.
#[derive(Debug, Default)]
struct DataIn {
    total: Option<u64>,
    sent: u64,
    /// With an unknown total, the last piece waits to go out as End_Data.
    held: Option<Bytes>,
    ended: bool,
}

/// One initiator using the shared session; its number is its command connection's.
#[derive(Debug)]
pub(super) struct Front {
    /// Its event connection, once it has one.
    event: Option<u64>,
    /// Init_Command_Ack sent.
    pub(super) acked: bool,
    session: Option<SessionId>,
    tx: Option<FrontTx>,
    /// Its data for the camera, waiting for the camera session to take it.
    pending_out: VecDeque<Bytes>,
    pub(super) pending_out_bytes: usize,
}

fn data_packet(end: bool, tid: TransactionId, payload: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(DataPacket::HEADER_LEN + payload.len());
    DataPacket::write_header(&mut out, end, tid, payload.len() as u32);
    out.extend_from_slice(payload);
    Bytes::from(out)
}

impl Share {
    /// Bytes from an initiator's connection.
    pub(super) fn front_input(&mut self, now: Instant, id: u64, bytes: Bytes) {
        let Some(a) = self.accepted.get_mut(&id) else {
            return;
        };
        if a.closing {
            return;
        }
        a.conn.observe_in(now, &bytes);
        a.reader.push(into_mut(bytes));
        loop {
            let Some(a) = self.accepted.get_mut(&id) else {
                return;
            };
            if a.closing {
                return;
            }
            let step = match a.reader.next() {
                Ok(None) => return,
                Ok(Some(item)) => self.front_item(now, id, item),
                Err(e) => Err(e.to_string()),
            };
            if let Err(why) = step {
                self.violation(now, id, &why);
                return;
            }
        }
    }

    /// Bad input from an initiator: logged, and its connections closed.
    fn violation(&mut self, now: Instant, id: u64, why: &str) {
        let front = self.accepted.get(&id).and_then(|a| a.front).unwrap_or(id);
        if let Some(a) = self.accepted.get(&id) {
            let r = a.conn.notice(
                now,
                format!("bad input from the initiator, dropping it: {why}"),
            );
            self.records.push_back(r);
        }
        self.drop_front(now, front, None);
    }

    /// Closes an initiator's connections; its camera transaction is cancelled where the camera
    /// can cancel, and its data is discarded.
    pub(super) fn drop_front(&mut self, now: Instant, front: u64, reason: Option<String>) {
        let Some(f) = self.fronts.remove(&front) else {
            self.close_accepted(now, front);
            return;
        };
        if let Some(why) = reason
            && let Some(a) = self.accepted.get(&front)
        {
            let r = a.conn.notice(now, format!("closing: {why}"));
            self.records.push_back(r);
        }
        if let Some(ctid) = f.tx.and_then(|t| t.camera)
            && let Some(c) = self.camera.as_mut()
        {
            // Fujifilm bodies cannot cancel: the transaction ends on its own, unheard.
            let _ = c.ini.cancel(now, ctid);
        }
        self.close_accepted(now, front);
        if let Some(e) = f.event {
            self.close_accepted(now, e);
        }
    }

    /// Queues a packet on the initiator's command connection.
    pub(super) fn queue_packet(&mut self, conn: u64, p: &Packet<'_>) {
        if let Some(a) = self.accepted.get_mut(&conn) {
            a.conn.queue(Bytes::from(p.to_bytes()));
        }
    }

    fn respond_local(
        &mut self,
        front: u64,
        tid: TransactionId,
        code: ResponseCode,
        params: &[u32],
    ) {
        let p = Packet::OperationResponse(OperationResponse {
            code,
            transaction_id: tid,
            params: Params::from_slice(params).unwrap_or_default(),
        });
        self.queue_packet(front, &p);
    }

    /// Answers the initiators waiting for the camera session.
    pub(super) fn ack_waiting_fronts(&mut self) {
        let Some(c) = self.camera.as_ref().filter(|c| c.ready) else {
            return;
        };
        let (guid, name, version) = c.identity.clone().unwrap_or_else(|| {
            let name = FriendlyName::new("ptpip relay").expect("a valid name");
            (self.config.camera.guid, name, ProtocolVersion::V1_0)
        });
        // The initiators speak standard PTP/IP whatever the camera does.
        let version = if version == ProtocolVersion::FUJI {
            ProtocolVersion::V1_0
        } else {
            version
        };
        let waiting: Vec<u64> = self
            .fronts
            .iter()
            .filter(|(_, f)| !f.acked)
            .map(|(&id, _)| id)
            .collect();
        for id in waiting {
            let ack = Packet::InitCommandAck(InitCommandAck::new(
                ConnectionNumber(id as u32),
                guid,
                name.clone(),
                version,
            ));
            self.queue_packet(id, &ack);
            if let Some(f) = self.fronts.get_mut(&id) {
                f.acked = true;
            }
        }
    }

    fn front_item(&mut self, now: Instant, id: u64, item: Inbound) -> Result<(), String> {
        let role = self.accepted.get(&id).and_then(|a| a.front);
        match (role, item) {
            (None, Inbound::Packet(Packet::InitCommandRequest(_))) => {
                self.new_front(now, id);
                Ok(())
            }
            (None, Inbound::Packet(Packet::InitEventRequest(r))) => {
                self.attach_event(id, r.connection_number);
                Ok(())
            }
            (None, _) => {
                Err("the first packet must be Init_Command_Request or Init_Event_Request".into())
            }
            (Some(_), Inbound::Packet(Packet::ProbeRequest)) => {
                self.queue_packet(id, &Packet::ProbeResponse);
                Ok(())
            }
            (Some(_), Inbound::Packet(Packet::ProbeResponse | Packet::Unknown { .. })) => Ok(()),
            (Some(f), Inbound::Packet(Packet::Cancel(c))) => {
                self.front_cancel(now, f, c.transaction_id);
                Ok(())
            }
            (Some(f), Inbound::Packet(Packet::OperationRequest(r))) if f == id => {
                self.front_request(now, f, r)
            }
            (Some(f), Inbound::Packet(Packet::StartData(s))) if f == id => {
                self.front_start_data(now, f, s)
            }
            (Some(f), Inbound::DataBegin { transaction_id, .. }) if f == id => {
                match self.fronts.get(&f).and_then(|fr| fr.tx.as_ref()) {
                    Some(t)
                        if t.tid == transaction_id
                            && (t.data_out.is_some() || t.refused.is_some()) =>
                    {
                        Ok(())
                    }
                    _ => Err(format!(
                        "data for transaction {transaction_id} it is not sending"
                    )),
                }
            }
            (Some(f), Inbound::DataPiece(b)) if f == id => self.front_data_out(f, b),
            (Some(f), Inbound::DataEnd { kind }) if f == id => {
                if kind == DataKind::EndData {
                    self.front_data_out_end(f)
                } else {
                    Ok(())
                }
            }
            (Some(_), Inbound::Packet(p)) => {
                let t = p.packet_type();
                Err(format!(
                    "unexpected {}",
                    t.name()
                        .map_or_else(|| format!("packet type {t}"), str::to_owned)
                ))
            }
            (Some(_), _) => Err("unexpected bytes".into()),
        }
    }

    fn new_front(&mut self, now: Instant, id: u64) {
        if self.fronts.len() >= self.config.max_initiators || self.stopping {
            let fail = Packet::InitFail(InitFail::new(InitFailReason::BUSY));
            self.queue_packet(id, &fail);
            self.close_accepted(now, id);
            return;
        }
        if let Some(a) = self.accepted.get_mut(&id) {
            a.front = Some(id);
            a.conn.set_channel(Channel::Command);
        }
        self.fronts.insert(
            id,
            Front {
                event: None,
                acked: false,
                session: None,
                tx: None,
                pending_out: VecDeque::new(),
                pending_out_bytes: 0,
            },
        );
        self.ensure_camera(now);
        self.ack_waiting_fronts();
    }

    fn attach_event(&mut self, id: u64, number: ConnectionNumber) {
        let front = u64::from(number.0);
        let ok = self
            .fronts
            .get(&front)
            .is_some_and(|f| f.acked && f.event.is_none());
        if let Some(a) = self.accepted.get_mut(&id) {
            a.conn.set_channel(Channel::Event);
        }
        if !ok {
            let fail = Packet::InitFail(InitFail::new(InitFailReason::UNSPECIFIED));
            self.queue_packet(id, &fail);
            self.close_accepted(Instant::now(), id);
            return;
        }
        if let Some(a) = self.accepted.get_mut(&id) {
            a.front = Some(front);
        }
        if let Some(f) = self.fronts.get_mut(&front) {
            f.event = Some(id);
        }
        self.queue_packet(id, &Packet::InitEventAck(Default::default()));
    }

    fn front_request(&mut self, now: Instant, f: u64, r: OperationRequest) -> Result<(), String> {
        let front = self.fronts.get_mut(&f).ok_or("no such initiator")?;
        if !front.acked {
            return Err("a request before Init_Command_Ack".into());
        }
        if let Some(t) = &front.tx {
            return Err(format!(
                "a request while transaction {} is in progress",
                t.tid
            ));
        }
        let tid = r.transaction_id;
        let data_out = r.data_phase == DataPhaseInfo::DATA_OUT;
        let local = match r.code {
            OperationCode::OPEN_SESSION => Some(match (front.session, r.params.get(1)) {
                (Some(open), _) => (ResponseCode::SESSION_ALREADY_OPEN, vec![open.0]),
                (None, None | Some(0)) => (ResponseCode::INVALID_PARAMETER, vec![]),
                (None, Some(id)) => {
                    front.session = Some(SessionId(id));
                    (ResponseCode::OK, vec![])
                }
            }),
            OperationCode::CLOSE_SESSION => Some(if front.session.take().is_some() {
                (ResponseCode::OK, vec![])
            } else {
                (ResponseCode::SESSION_NOT_OPEN, vec![])
            }),
            OperationCode::GET_DEVICE_INFO => None,
            _ if front.session.is_none() => Some((ResponseCode::SESSION_NOT_OPEN, vec![])),
            _ => None,
        };
        front.tx = Some(FrontTx {
            tid,
            code: r.code,
            params: r.params,
            camera: None,
            refused: None,
            data_out: None,
            data_in: DataIn::default(),
        });
        match (local, data_out) {
            (Some((code, params)), false) => {
                front.tx = None;
                self.respond_local(f, tid, code, &params);
            }
            // The answer waits for the end of the data phase the initiator sends anyway.
            (Some((code, _)), true) => {
                if let Some(t) = front.tx.as_mut() {
                    t.refused = Some(code);
                }
            }
            // The camera runs it once Start_Data says how much data comes.
            (None, true) => {}
            (None, false) => {
                let op = Operation {
                    code: r.code,
                    params: r.params,
                    data: DataPhase::None,
                };
                self.execute(now, f, op);
            }
        }
        Ok(())
    }

    /// Runs an initiator's operation on the camera, or answers why it cannot.
    fn execute(&mut self, now: Instant, f: u64, op: Operation) {
        let result = match self.camera.as_mut() {
            Some(c) => c.ini.execute(now, op),
            None => Err(crate::OperationError::Closed),
        };
        let Some(t) = self.fronts.get_mut(&f).and_then(|fr| fr.tx.as_mut()) else {
            return;
        };
        match result {
            Ok(ctid) => {
                t.camera = Some(ctid);
                let tid = t.tid;
                self.transactions.insert(ctid, (f, tid));
            }
            Err(e) => {
                let code = match e {
                    crate::OperationError::QueueFull(_) => ResponseCode::DEVICE_BUSY,
                    _ => ResponseCode::GENERAL_ERROR,
                };
                if t.data_out.is_some() {
                    t.refused = Some(code);
                    t.data_out = None;
                } else {
                    let tid = t.tid;
                    if let Some(fr) = self.fronts.get_mut(&f) {
                        fr.tx = None;
                    }
                    self.respond_local(f, tid, code, &[]);
                }
            }
        }
    }

    fn front_start_data(&mut self, now: Instant, f: u64, s: StartData) -> Result<(), String> {
        let t = self
            .fronts
            .get_mut(&f)
            .and_then(|fr| fr.tx.as_mut())
            .filter(|t| t.tid == s.transaction_id && t.camera.is_none() && t.data_out.is_none())
            .ok_or_else(|| format!("Start_Data for transaction {}", s.transaction_id))?;
        if t.refused.is_some() {
            return Ok(());
        }
        let Some(total) = s.known_length() else {
            // The camera session needs the length up front; the data is drained and refused.
            t.refused = Some(ResponseCode::GENERAL_ERROR);
            return Ok(());
        };
        t.data_out = Some((total, 0));
        let op = Operation {
            code: t.code,
            params: t.params,
            data: DataPhase::Out { len: total },
        };
        self.execute(now, f, op);
        Ok(())
    }

    fn front_data_out(&mut self, f: u64, piece: Bytes) -> Result<(), String> {
        let front = self.fronts.get_mut(&f).ok_or("no such initiator")?;
        let t = front.tx.as_mut().ok_or("data for no transaction")?;
        if t.refused.is_some() {
            return Ok(());
        }
        let (total, received) = t.data_out.as_mut().ok_or("data before Start_Data")?;
        *received += piece.len() as u64;
        if *received > *total {
            return Err(format!(
                "more data than the {total} bytes Start_Data announced"
            ));
        }
        front.pending_out_bytes += piece.len();
        front.pending_out.push_back(piece);
        Ok(())
    }

    fn front_data_out_end(&mut self, f: u64) -> Result<(), String> {
        let front = self.fronts.get_mut(&f).ok_or("no such initiator")?;
        let t = front.tx.as_mut().ok_or("End_Data for no transaction")?;
        if let Some(code) = t.refused {
            let tid = t.tid;
            front.tx = None;
            front.pending_out.clear();
            front.pending_out_bytes = 0;
            self.respond_local(f, tid, code, &[]);
            return Ok(());
        }
        match t.data_out {
            Some((total, received)) if total == received => Ok(()),
            Some((total, received)) => Err(format!(
                "the data phase ended after {received} of the {total} bytes Start_Data announced"
            )),
            None => Err("End_Data before Start_Data".into()),
        }
    }

    /// Hands an initiator's waiting data to the camera session, as far as it takes it.
    pub(super) fn feed_camera(&mut self, now: Instant, f: u64) {
        let Some(front) = self.fronts.get_mut(&f) else {
            return;
        };
        let Some(ctid) = front.tx.as_ref().and_then(|t| t.camera) else {
            return;
        };
        let Some(c) = self.camera.as_mut() else {
            return;
        };
        while let Some(piece) = front.pending_out.front_mut() {
            match c.ini.send_data(now, ctid, piece) {
                Ok(0) => return,
                Ok(n) => {
                    front.pending_out_bytes -= n;
                    if n == piece.len() {
                        front.pending_out.pop_front();
                    } else {
                        *piece = piece.slice(n..);
                        return;
                    }
                }
                Err(_) => {
                    // The camera's transaction ended (refused or cancelled): its response says so.
                    front.pending_out.clear();
                    front.pending_out_bytes = 0;
                    return;
                }
            }
        }
    }

    fn front_cancel(&mut self, now: Instant, f: u64, tid: TransactionId) {
        let Some(t) = self
            .fronts
            .get_mut(&f)
            .and_then(|fr| fr.tx.as_mut())
            .filter(|t| t.tid == tid)
        else {
            return;
        };
        match t.camera {
            Some(ctid) => {
                if let Some(c) = self.camera.as_mut() {
                    // Refused by Fujifilm bodies: the transaction then ends on its own.
                    let _ = c.ini.cancel(now, ctid);
                }
            }
            None => {
                if let Some(fr) = self.fronts.get_mut(&f) {
                    fr.tx = None;
                    fr.pending_out.clear();
                    fr.pending_out_bytes = 0;
                }
                self.respond_local(f, tid, ResponseCode::TRANSACTION_CANCELLED, &[]);
            }
        }
    }

    /// The initiator and its transaction for a camera transaction, if it is still there.
    fn target(&mut self, ctid: TransactionId) -> Option<(u64, &mut FrontTx)> {
        let &(f, tid) = self.transactions.get(&ctid)?;
        let t = self
            .fronts
            .get_mut(&f)?
            .tx
            .as_mut()
            .filter(|t| t.tid == tid)?;
        Some((f, t))
    }

    pub(super) fn front_data_start(&mut self, ctid: TransactionId, total: Option<u64>) {
        let Some((f, t)) = self.target(ctid) else {
            return;
        };
        t.data_in = DataIn {
            total,
            ..DataIn::default()
        };
        let start = Packet::StartData(StartData {
            transaction_id: t.tid,
            total_length: total.unwrap_or(StartData::UNKNOWN_LENGTH),
        });
        self.queue_packet(f, &start);
    }

    pub(super) fn front_data_piece(&mut self, ctid: TransactionId, data: Bytes) {
        let Some((f, t)) = self.target(ctid) else {
            return;
        };
        let tid = t.tid;
        let d = &mut t.data_in;
        let packet = match d.total {
            Some(total) => {
                d.sent += data.len() as u64;
                let end = d.sent == total;
                d.ended |= end;
                data_packet(end, tid, &data)
            }
            None => match d.held.replace(data) {
                Some(prev) => data_packet(false, tid, &prev),
                None => return,
            },
        };
        if let Some(a) = self.accepted.get_mut(&f) {
            a.conn.queue(packet);
        }
    }

    pub(super) fn front_data_end(&mut self, ctid: TransactionId) {
        let Some((f, t)) = self.target(ctid) else {
            return;
        };
        let tid = t.tid;
        let d = &mut t.data_in;
        if d.ended {
            return;
        }
        d.ended = true;
        let last = d.held.take().unwrap_or_default();
        let packet = data_packet(true, tid, &last);
        if let Some(a) = self.accepted.get_mut(&f) {
            a.conn.queue(packet);
        }
    }

    pub(super) fn front_respond(
        &mut self,
        ctid: TransactionId,
        code: ResponseCode,
        params: Params,
    ) {
        let target = self.target(ctid).map(|(f, t)| (f, t.tid));
        self.transactions.remove(&ctid);
        let Some((f, tid)) = target else {
            return;
        };
        if let Some(fr) = self.fronts.get_mut(&f) {
            fr.tx = None;
            fr.pending_out.clear();
            fr.pending_out_bytes = 0;
        }
        let p = Packet::OperationResponse(OperationResponse {
            code,
            transaction_id: tid,
            params,
        });
        self.queue_packet(f, &p);
    }

    /// A camera event, to every initiator with an event connection; a transaction id that is
    /// one of the initiator's own is given in its numbering.
    pub(super) fn fan_out(&mut self, e: DeviceEvent) {
        let mut params = Params::new();
        for &p in e
            .params
            .iter()
            .take(usize::from(crate::packet::EventPacket::MAX_PARAMS))
        {
            params.push(p);
        }
        let targets: Vec<(u64, u64)> = self
            .fronts
            .iter()
            .filter_map(|(&f, fr)| fr.event.map(|ev| (f, ev)))
            .collect();
        for (f, ev) in targets {
            let tid = match self.transactions.get(&e.transaction) {
                Some(&(owner, tid)) if owner == f => tid,
                _ => e.transaction,
            };
            let p = Packet::Event(crate::packet::EventPacket {
                code: e.code,
                transaction_id: tid,
                params,
            });
            self.queue_packet(ev, &p);
        }
    }
}
