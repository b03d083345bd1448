//! One-line summaries of packets and Fujifilm containers, for logs and traffic dumps:
//! `Operation_Request GetObjectInfo(0x1008) tid=3 [0x1] NoDataOrDataIn`.
//!
//! Codes print with their name and number (their `Debug` form), parameters in hex, payloads as
//! a byte count: a summary never grows with the data.

use std::fmt;

use crate::fuji::Container;
use crate::packet::Packet;

impl fmt::Display for Packet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ty = self.packet_type();
        match ty.name() {
            Some(n) => f.write_str(n)?,
            None => write!(f, "packet type {:#x}", ty.0)?,
        }
        match self {
            Self::InitCommandRequest(r) => write!(
                f,
                " guid={} name={:?} version={} ({:?} layout)",
                r.guid,
                r.friendly_name.as_str(),
                r.version,
                r.layout
            ),
            Self::InitCommandAck(a) => write!(
                f,
                " connection={} guid={} name={:?}",
                a.connection_number.0,
                a.guid,
                a.friendly_name.as_str()
            ),
            Self::InitEventRequest(r) => write!(f, " connection={}", r.connection_number.0),
            Self::InitFail(r) => write!(f, " {}", r.reason),
            Self::OperationRequest(r) => write!(
                f,
                " {:?} tid={} {:?} {:?}",
                r.code, r.transaction_id.0, r.params, r.data_phase
            ),
            Self::OperationResponse(r) => {
                write!(f, " {:?} tid={} {:?}", r.code, r.transaction_id.0, r.params)
            }
            Self::Event(e) => write!(f, " {:?} tid={} {:?}", e.code, e.transaction_id.0, e.params),
            Self::StartData(s) => match s.known_length() {
                Some(n) => write!(f, " tid={} length={n}", s.transaction_id.0),
                None => write!(f, " tid={} length=unknown", s.transaction_id.0),
            },
            Self::Data(d) | Self::EndData(d) => {
                write!(f, " tid={} {} bytes", d.transaction_id.0, d.payload.len())
            }
            Self::Cancel(c) => write!(f, " tid={}", c.transaction_id.0),
            Self::Unknown { payload, .. } => write!(f, " {} bytes", payload.len()),
            Self::InitEventAck(_) | Self::ProbeRequest | Self::ProbeResponse => Ok(()),
        }
    }
}

impl fmt::Display for Container<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Command {
                code,
                transaction_id,
                params,
            } => write!(
                f,
                "Fuji Command {code:?} tid={} {params:?}",
                transaction_id.0
            ),
            Self::Data {
                code,
                transaction_id,
                payload,
            } => write!(
                f,
                "Fuji Data {code:?} tid={} {} bytes",
                transaction_id.0,
                payload.len()
            ),
            Self::Response {
                code,
                transaction_id,
                params,
            } => write!(
                f,
                "Fuji Response {code:?} tid={} {params:?}",
                transaction_id.0
            ),
            Self::Event {
                code,
                transaction_id,
                params,
            } => write!(f, "Fuji Event {code:?} tid={} {params:?}", transaction_id.0),
            Self::Unknown {
                container_type,
                code,
                transaction_id,
                payload,
            } => write!(
                f,
                "Fuji container type {:#06x} code={code:#06x} tid={} {} bytes",
                container_type.0,
                transaction_id.0,
                payload.len()
            ),
            Self::Terminate => f.write_str("Fuji terminator"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use crate::fuji::Container;
    use crate::packet::{
        Cancel, DataPacket, DataPhaseInfo, InitFail, InitFailReason, OperationRequest, Packet,
        StartData,
    };
    use crate::{OperationCode, Params, ResponseCode, TransactionId};

    #[test]
    fn packets_summarise_in_one_line() {
        let req = Packet::OperationRequest(OperationRequest {
            data_phase: DataPhaseInfo::NO_DATA_OR_DATA_IN,
            code: OperationCode::GET_OBJECT_INFO,
            transaction_id: TransactionId(3),
            params: Params::from_slice(&[1]).unwrap(),
        });
        assert_eq!(
            req.to_string(),
            "Operation_Request GetObjectInfo(0x1008) tid=3 [0x1] NoDataOrDataIn"
        );
        let data = Packet::EndData(DataPacket {
            transaction_id: TransactionId(3),
            payload: Cow::Owned(vec![0; 1000]),
        });
        assert_eq!(data.to_string(), "End_Data tid=3 1000 bytes");
        let start = Packet::StartData(StartData {
            transaction_id: TransactionId(3),
            total_length: u64::MAX,
        });
        assert_eq!(start.to_string(), "Start_Data tid=3 length=unknown");
        assert_eq!(
            Packet::Cancel(Cancel::new(TransactionId(9))).to_string(),
            "Cancel tid=9"
        );
        assert_eq!(
            Packet::InitFail(InitFail::new(InitFailReason::BUSY)).to_string(),
            "Init_Fail busy: too many connections (0x2)"
        );
        assert_eq!(Packet::ProbeRequest.to_string(), "Probe_Request");
        let unknown = Packet::Unknown {
            packet_type: crate::PacketType(0x99),
            payload: Cow::Borrowed(&[1, 2, 3]),
        };
        assert_eq!(unknown.to_string(), "packet type 0x99 3 bytes");
    }

    #[test]
    fn containers_summarise_in_one_line() {
        let c = Container::Response {
            code: ResponseCode::OK,
            transaction_id: TransactionId(4),
            params: Params::new(),
        };
        assert_eq!(c.to_string(), "Fuji Response OK(0x2001) tid=4 []");
        assert_eq!(Container::Terminate.to_string(), "Fuji terminator");
    }
}
