//! The relay's log lines: one per record, as text or as a JSON object.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use ptpip_protocol::Channel;
use ptpip_protocol::relay::{Item, Record};
use serde_json::{Value, json};

/// Turns the monotonic instants of records into wall-clock times.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    instant: Instant,
    system: SystemTime,
}

impl Clock {
    /// The clock now.
    pub(crate) fn start() -> Self {
        Self {
            instant: Instant::now(),
            system: SystemTime::now(),
        }
    }

    /// The wall-clock time of `at`.
    pub(crate) fn wall(&self, at: Instant) -> SystemTime {
        match at.checked_duration_since(self.instant) {
            Some(d) => self.system + d,
            None => self.system - self.instant.duration_since(at),
        }
    }
}

/// `HH:MM:SS.micros` (UTC) of a wall-clock time.
fn time_of_day(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let s = d.as_secs();
    format!(
        "{:02}:{:02}:{:02}.{:06}",
        (s / 3600) % 24,
        (s / 60) % 60,
        s % 60,
        d.subsec_micros()
    )
}

/// A text line: `12:00:00.000123 #1 → command Operation_Request GetDeviceInfo(0x1001) tid=1 [] …`.
pub(crate) fn text(clock: &Clock, r: &Record) -> String {
    format!("{} {r}", time_of_day(clock.wall(r.at)))
}

/// A JSON line with every field of the record.
pub(crate) fn json(clock: &Clock, r: &Record) -> String {
    let time = clock
        .wall(r.at)
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    let channel = match r.channel {
        Channel::Command => "command",
        Channel::Event => "event",
    };
    let mut v = json!({
        "time": time,
        "connection": r.connection,
        "direction": r.direction.label(),
        "channel": channel,
        "wire_len": r.wire_len,
        "quirks": r.quirks,
        "summary": r.to_string(),
    });
    let kind = match &r.item {
        Item::Undecodable { head, .. } => {
            let hex: String = head.iter().map(|b| format!("{b:02x}")).collect();
            v["hex"] = Value::from(hex);
            "undecodable".to_owned()
        }
        Item::Notice(t) => {
            v["text"] = Value::from(t.as_str());
            "notice".to_owned()
        }
        _ => r.packet_type().unwrap_or_default(),
    };
    v["type"] = Value::from(kind);
    if let Some((code, name)) = r.code() {
        v["code"] = Value::from(code);
        v["name"] = name.map_or(Value::Null, Value::from);
    }
    if let Some(t) = r.transaction_id() {
        v["transaction"] = Value::from(t.0);
    }
    if let Some(p) = r.params() {
        v["params"] = Value::from(p.as_slice().to_vec());
    }
    if let Some(n) = r.data_len() {
        v["data_len"] = Value::from(n);
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use ptpip_protocol::packet::{DataPhaseInfo, OperationRequest, Packet};
    use ptpip_protocol::relay::{Direction, Item, Record};
    use ptpip_protocol::{Channel, OperationCode, Params, TransactionId};

    use super::*;

    fn record() -> Record {
        Record {
            at: Instant::now(),
            connection: 2,
            direction: Direction::ToResponder,
            channel: Channel::Command,
            wire_len: 22,
            item: Item::Packet(Packet::OperationRequest(OperationRequest {
                data_phase: DataPhaseInfo::NO_DATA_OR_DATA_IN,
                code: OperationCode::GET_OBJECT_INFO,
                transaction_id: TransactionId(3),
                params: Params::from_slice(&[1]).unwrap(),
            })),
            quirks: vec!["a quirk".into()],
        }
    }

    #[test]
    fn a_json_line_carries_every_field() {
        let clock = Clock::start();
        let v: Value = serde_json::from_str(&json(&clock, &record())).unwrap();
        assert_eq!(v["type"], "Operation_Request");
        assert_eq!(v["code"], 0x1008);
        assert_eq!(v["name"], "GetObjectInfo");
        assert_eq!(v["transaction"], 3);
        assert_eq!(v["params"], json!([1]));
        assert_eq!(v["direction"], "to-camera");
        assert_eq!(v["channel"], "command");
        assert_eq!(v["connection"], 2);
        assert_eq!(v["wire_len"], 22);
        assert_eq!(v["quirks"], json!(["a quirk"]));
        assert!(v["time"].as_f64().unwrap() > 1.0e9);
    }

    #[test]
    fn a_text_line_starts_with_the_time_of_day() {
        let clock = Clock::start();
        let mut r = record();
        r.at = clock.instant + Duration::from_micros(5);
        let line = text(&clock, &r);
        let (time, rest) = line.split_once(' ').unwrap();
        assert_eq!(time.len(), "00:00:00.000000".len());
        assert_eq!(
            rest,
            "#2 → command Operation_Request GetObjectInfo(0x1008) tid=3 [0x1] NoDataOrDataIn \
             [a quirk]"
        );
    }
}
