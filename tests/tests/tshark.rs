//! tshark (Wireshark's PTP/IP dissector) as an outside judge of our PTP/IP encoder.
//!
//! One packet of every standard type is built with `ptpip_protocol::Packet`, written into a pcap as
//! one TCP segment each (our own writer in `ptpip_tests::pcap`: Ethernet/IPv4/TCP with valid
//! checksums and sequence numbers, port 15740 on the responder side), and dissected by tshark. For
//! every frame the `ptpip.*` fields tshark reports must equal what we put in, no field we did not
//! expect may appear, the length field must match the TCP segment, and nothing may be flagged
//! malformed or raise an expert-info error. Expected values come from the inputs and the
//! DC-X005 layout written out by hand here (type numbers, field sizes), never from our encoder.
//!
//! Tested with `TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3)` (Debian 12).
//!
//! Dissector quirks found with that version (the test allows for each of them):
//! - It registers only these fields: `ptpip.len`, `.pktType`, `.guid`, `.name`, `.version`,
//!   `.connection`, `.phaseinfo`, `.opcode`, `.respcode`, `.eventcode`, `.transactionID`, `.datalen`
//!   and `.opcode.param.sessionid`. Operation, response and event parameters are not dissected at
//!   all, except OpenSession's first one (`ptpip.opcode.param.sessionid`); Init_Fail's reason,
//!   Cancel's transaction id and anything after the header of the probes are not dissected either.
//!   For those we can only check the length field, which covers their size.
//! - Operation_Response codes show up as `ptpip.opcode`, never `ptpip.respcode`: the dissector's
//!   vendor test is `code & 0xF000` (`PTP_OC_EXTENSION_MASK`) rather than a comparison with 0x9000,
//!   so every real code, 0x2001 included, takes the "vendor" path, which for responses uses the
//!   vendor-opcode field. The test accepts the code in either field (exactly one of them). Request
//!   codes take that path too; it only costs them their names, the field is `ptpip.opcode` anyway.
//! - The GUID is `FT_BYTES`: the 16 wire bytes in order (`-e` prints plain hex, the tree prints
//!   colon-separated pairs), no UUID interpretation. They must equal `Uuid::as_bytes()`.
//! - The version is a string `"major.minor"` made from the high and low 16 bits of the wire `u32`.
//! - The friendly name (`ptpip.name`, "Host Name") is decoded as UTF-16LE up to the NUL; a non-BMP
//!   character in a surrogate pair comes out right.
//! - Start_Data's all-ones length is shown as 18446744073709551615 (and "Data Length Unknown" in the
//!   Info column). Data and End_Data show only the transaction id: the payload is neither shown nor
//!   handed to the `data` dissector, and no reassembly is done (one PDU per segment is assumed).
//! - The length field is never checked: a length of 4 on an 18-byte segment is not flagged. Only
//!   reading past the end of the segment (a truncated body, a name without its NUL) raises
//!   `_ws.malformed`. So this test compares `ptpip.len` with `tcp.len` itself.
//! - The dissector ignores direction: it is registered on `tcp.port == 15740` and decodes the same
//!   way both ways. We still send requests to 15740 and responses from it, and check the ports.
//! - The Info column prints the transaction id signed (0xFFFFFFFF as -1); fields are unaffected.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use ptpip_protocol::Encode;
use ptpip_protocol::packet::{
    Cancel, DataPacket, DataPhaseInfo, EventPacket, InitAckLayout, InitCommandAck,
    InitCommandRequest, InitEventAck, InitEventRequest, InitFail, InitFailReason, OperationRequest,
    OperationResponse, StartData,
};
use ptpip_protocol::ptp::codes::{EventCode, OperationCode, ResponseCode};
use ptpip_protocol::{
    ConnectionNumber, FriendlyName, Guid, Packet, Params, ProtocolVersion, TransactionId,
};
use ptpip_tests::pcap::{Direction, Endpoint, PcapWriter, TcpFlow};
use ptpip_tests::tools::{self, ScratchDir};

/// The PTP/IP port (DC-X005 §2.2.3.1).
const PTPIP_PORT: u16 = 15740;

/// Every field the 4.0.17 dissector registers. Each must be present exactly when a test expects it;
/// fields a later version adds are listed on stderr but not judged.
#[rustfmt::skip]
const KNOWN_FIELDS: &[&str] = &[
    "ptpip.len", "ptpip.pktType", "ptpip.guid", "ptpip.name", "ptpip.version", "ptpip.connection",
    "ptpip.phaseinfo", "ptpip.opcode", "ptpip.respcode", "ptpip.eventcode", "ptpip.transactionID",
    "ptpip.datalen", "ptpip.opcode.param.sessionid",
];

/// Non-ptpip fields the judge reads.
#[rustfmt::skip]
const FRAME_FIELDS: &[&str] = &[
    "frame.number", "frame.protocols", "tcp.srcport", "tcp.dstport", "tcp.len", "_ws.malformed",
    "_ws.expert.severity", "_ws.expert.message",
];

/// `PI_ERROR` in Wireshark's `proto.h`: expert infos at or above it are errors.
const EXPERT_SEVERITY_ERROR: u64 = 0x0080_0000;

/// The command, event and a refused connection, by index into [`flows`].
const CMD: usize = 0;
const EVT: usize = 1;
const REFUSED: usize = 2;

fn flows() -> Vec<TcpFlow> {
    let host = [192, 168, 7, 20];
    let camera = Endpoint {
        ip: [192, 168, 7, 1],
        port: PTPIP_PORT,
    };
    [50_001, 50_002, 50_003]
        .into_iter()
        .map(|port| TcpFlow::new(Endpoint { ip: host, port }, camera))
        .collect()
}

/// A value a field must hold, compared the way tshark prints it.
#[derive(Clone, PartialEq, Eq)]
enum Want {
    /// An integer, printed in decimal or `0x` hex.
    Num(u64),
    /// A string, exactly.
    Text(String),
    /// Bytes, printed as hex with or without `:` between pairs.
    Bytes(Vec<u8>),
}

impl std::fmt::Debug for Want {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Num(n) => write!(f, "{n} ({n:#x})"),
            Self::Text(t) => write!(f, "{t:?}"),
            Self::Bytes(b) => b.iter().try_for_each(|x| write!(f, "{x:02x}")),
        }
    }
}

impl Want {
    fn matches(&self, shown: &str) -> bool {
        match self {
            Self::Num(n) => parse_num(shown) == Some(*n),
            Self::Text(t) => shown == t,
            Self::Bytes(b) => parse_hex(shown).as_deref() == Some(&b[..]),
        }
    }
}

fn parse_num(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = s.bytes().filter(|&b| b != b':').collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

/// One field expectation: the value must appear in exactly one of `fields` (the first is where the
/// spec would put it; later ones are dissector quirks), once.
#[derive(Clone, Debug)]
struct Expect {
    fields: Vec<&'static str>,
    want: Want,
}

/// One packet as written into the capture, with what tshark must say about it.
#[derive(Clone, Debug)]
struct Case {
    what: String,
    flow: usize,
    dir: Direction,
    /// The DC-X005 packet type number.
    packet_type: u32,
    bytes: Vec<u8>,
    expects: Vec<Expect>,
}

impl Case {
    /// Encodes `packet`; `packet_type` and `wire_len` are the DC-X005 type number and total size.
    fn new(
        what: &str,
        flow: usize,
        dir: Direction,
        packet: &Packet<'_>,
        packet_type: u32,
        wire_len: usize,
    ) -> Self {
        Self {
            what: what.to_owned(),
            flow,
            dir,
            packet_type,
            bytes: packet.to_bytes(),
            expects: Vec::new(),
        }
        .num("ptpip.len", wire_len as u64)
        .num("ptpip.pktType", packet_type)
    }

    fn expect(mut self, fields: &[&'static str], want: Want) -> Self {
        self.expects.push(Expect {
            fields: fields.to_vec(),
            want,
        });
        self
    }

    fn num(self, field: &'static str, v: impl Into<u64>) -> Self {
        self.expect(&[field], Want::Num(v.into()))
    }

    fn text(self, field: &'static str, v: &str) -> Self {
        self.expect(&[field], Want::Text(v.to_owned()))
    }

    /// Applies a corruption to the encoded bytes (for the negative control).
    fn corrupt(mut self, f: impl FnOnce(&mut Vec<u8>)) -> Self {
        f(&mut self.bytes);
        self
    }
}

/// One frame of tshark's `-T json -e …` output: field name to the values shown, in order.
#[derive(Debug)]
struct Frame {
    fields: BTreeMap<String, Vec<String>>,
}

impl Frame {
    fn get(&self, field: &str) -> &[String] {
        self.fields.get(field).map_or(&[], Vec::as_slice)
    }

    fn single_num(&self, field: &str) -> Option<u64> {
        match self.get(field) {
            [one] => parse_num(one),
            _ => None,
        }
    }
}

/// Something tshark said that disagrees with what we encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Problem {
    /// `_ws.malformed` is present.
    Malformed(String),
    /// An expert info at error severity.
    ExpertError(String),
    /// A field, port or length that is not what we wrote.
    Mismatch(String),
}

/// Everything wrong with `frame` as the dissection of `case`.
fn judge(case: &Case, frame: &Frame) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut mismatch = |s: String| problems.push(Problem::Mismatch(s));

    if !frame
        .get("frame.protocols")
        .iter()
        .any(|p| p.split(':').any(|p| p == "ptpip"))
    {
        mismatch(format!(
            "not dissected as ptpip: {:?}",
            frame.get("frame.protocols")
        ));
    }
    let (port_field, other) = match case.dir {
        Direction::ToResponder => ("tcp.dstport", "tcp.srcport"),
        Direction::ToInitiator => ("tcp.srcport", "tcp.dstport"),
    };
    if frame.single_num(port_field) != Some(PTPIP_PORT.into())
        || frame.single_num(other) == Some(PTPIP_PORT.into())
    {
        mismatch(format!(
            "{:?}: {port_field} should be {PTPIP_PORT}, got {:?} → {:?}",
            case.dir,
            frame.get("tcp.srcport"),
            frame.get("tcp.dstport")
        ));
    }
    let segment = frame.single_num("tcp.len");
    if segment != Some(case.bytes.len() as u64) {
        mismatch(format!(
            "tcp.len {segment:?}, wrote {} bytes",
            case.bytes.len()
        ));
    }
    let length_field = frame.single_num("ptpip.len");
    if length_field != segment {
        mismatch(format!(
            "ptpip.len {length_field:?} disagrees with the segment length {segment:?}"
        ));
    }

    let mut used = Vec::new();
    for e in &case.expects {
        let present: Vec<&str> = e
            .fields
            .iter()
            .copied()
            .filter(|f| !frame.get(f).is_empty())
            .collect();
        match present[..] {
            [field] => {
                used.push(field);
                match frame.get(field) {
                    [shown] if e.want.matches(shown) => {}
                    shown => mismatch(format!("{field} = {shown:?}, want {:?}", e.want)),
                }
            }
            [] => mismatch(format!("none of {:?} present, want {:?}", e.fields, e.want)),
            _ => mismatch(format!("more than one of {present:?} present")),
        }
    }
    for field in KNOWN_FIELDS {
        if !used.contains(field) && !frame.get(field).is_empty() {
            mismatch(format!("unexpected {field} = {:?}", frame.get(field)));
        }
    }

    if !frame.get("_ws.malformed").is_empty() {
        problems.push(Problem::Malformed(frame.get("_ws.malformed").join(" ")));
    }
    let messages = frame.get("_ws.expert.message");
    for (i, severity) in frame.get("_ws.expert.severity").iter().enumerate() {
        if parse_num(severity).is_none_or(|s| s >= EXPERT_SEVERITY_ERROR) {
            let message = messages.get(i).map_or("(no message)", String::as_str);
            problems.push(Problem::ExpertError(format!(
                "severity {severity}: {message}"
            )));
        }
    }
    problems
}

/// The tshark binary and a private configuration directory, so a user's profile cannot change the
/// dissection.
struct Tshark {
    exe: PathBuf,
    scratch: ScratchDir,
}

impl Tshark {
    /// `None` (after the SKIPPED line) when tshark is missing and tools are not required.
    fn find() -> Option<Self> {
        let exe = tools::require("tshark", "apt-get install tshark")?;
        let scratch = ScratchDir::new("ptpip-tshark").expect("scratch directory");
        fs::create_dir(scratch.join("config")).expect("config directory");
        Some(Self { exe, scratch })
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.exe);
        cmd.env("WIRESHARK_CONFIG_DIR", self.scratch.join("config"));
        cmd
    }

    fn version(&self) -> String {
        let out = tools::stdout_of(self.command().arg("--version")).expect("tshark --version");
        String::from_utf8_lossy(&out)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// The `ptpip.*` field names this tshark registers (`tshark -G fields`).
    fn ptpip_fields(&self) -> Vec<String> {
        let out = tools::stdout_of(self.command().args(["-G", "fields"])).expect("tshark -G");
        String::from_utf8_lossy(&out)
            .lines()
            .filter_map(|line| {
                let cols: Vec<&str> = line.split('\t').collect();
                (cols.len() >= 5 && cols[0] == "F" && cols[4] == "ptpip")
                    .then(|| cols[2].to_owned())
            })
            .collect()
    }

    /// Writes `cases` into a pcap, one TCP segment each, and returns tshark's dissection of it.
    fn dissect(&self, name: &str, cases: &[Case], ptpip_fields: &[String]) -> Vec<Frame> {
        let mut flows = flows();
        let mut pcap = PcapWriter::new();
        for c in cases {
            pcap.push_tcp(&mut flows[c.flow], c.dir, &c.bytes)
                .unwrap_or_else(|e| panic!("{}: {e}", c.what));
        }
        let path = self.scratch.join(name);
        fs::write(&path, pcap.as_bytes()).expect("write pcap");

        let mut cmd = self.command();
        cmd.arg("-n")
            .arg("-r")
            .arg(&path)
            .args(["-d", &format!("tcp.port=={PTPIP_PORT},ptpip")])
            // Let tshark judge our pcap writer too: a bad checksum is an expert-info error.
            .args([
                "-o",
                "ip.check_checksum:TRUE",
                "-o",
                "tcp.check_checksum:TRUE",
            ])
            .args(["-T", "json"]);
        for field in FRAME_FIELDS
            .iter()
            .copied()
            .chain(ptpip_fields.iter().map(String::as_str))
        {
            cmd.args(["-e", field]);
        }
        let out = tools::stdout_of(&mut cmd).unwrap_or_else(|e| panic!("{e}"));
        let frames = parse_json(&out, &path);
        assert_eq!(
            frames.len(),
            cases.len(),
            "frames dissected in {}",
            path.display()
        );
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(
                f.single_num("frame.number"),
                Some(i as u64 + 1),
                "frame order"
            );
        }
        frames
    }
}

/// With `-e`, every field of a frame is an array of strings.
fn parse_json(out: &[u8], path: &Path) -> Vec<Frame> {
    let json: serde_json::Value = serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("tshark JSON for {}: {e}", path.display()));
    let packets = json.as_array().expect("tshark -T json prints an array");
    packets
        .iter()
        .map(|p| Frame {
            fields: serde_json::from_value(p["_source"]["layers"].clone())
                .unwrap_or_else(|e| panic!("layers of {p}: {e}")),
        })
        .collect()
}

/// UTF-16 code units in `s`, by the standard library (not our codec).
fn utf16_units(s: &str) -> usize {
    s.encode_utf16().count()
}

/// A payload with a recognisable pattern.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + 3) as u8).collect()
}

fn params(values: &[u32]) -> Params {
    Params::from_slice(values).expect("at most five parameters")
}

fn name(s: &str) -> FriendlyName {
    FriendlyName::new(s).expect("valid friendly name")
}

fn init_command_request() -> Case {
    let uuid = uuid::Uuid::parse_str("6ba7b810-9dad-11d1-80b4-00c04fd430c8").expect("uuid");
    // é is one UTF-16 unit, 📷 (U+1F4F7) a surrogate pair.
    let host = "ptpip-tests é 📷";
    let p = Packet::InitCommandRequest(InitCommandRequest::new(Guid::from(uuid), name(host)));
    // Header, GUID, name with its NUL, version.
    let len = 8 + 16 + 2 * (utf16_units(host) + 1) + 4;
    Case::new(
        "Init_Command_Request",
        CMD,
        Direction::ToResponder,
        &p,
        1,
        len,
    )
    .expect(&["ptpip.guid"], Want::Bytes(uuid.as_bytes().to_vec()))
    .text("ptpip.name", host)
    .text("ptpip.version", "1.0")
}

fn handshake() -> Vec<Case> {
    use Direction::{ToInitiator, ToResponder};
    let uuid = uuid::Uuid::new_v4();
    let camera = "Kamera Ø 🎞️";
    let conn = ConnectionNumber(0x0001_0203);
    let ack = Packet::InitCommandAck(InitCommandAck {
        connection_number: conn,
        guid: Guid::from(uuid),
        friendly_name: name(camera),
        version: Some(ProtocolVersion { major: 1, minor: 2 }),
        layout: InitAckLayout::Standard,
    });
    let ack_len = 8 + 4 + 16 + 2 * (utf16_units(camera) + 1) + 4;
    let event_request = Packet::InitEventRequest(InitEventRequest::new(conn));
    let fail = Packet::InitFail(InitFail::new(InitFailReason::BUSY));
    vec![
        init_command_request(),
        Case::new("Init_Command_Ack", CMD, ToInitiator, &ack, 2, ack_len)
            .num("ptpip.connection", conn.0)
            .expect(&["ptpip.guid"], Want::Bytes(uuid.as_bytes().to_vec()))
            .text("ptpip.name", camera)
            .text("ptpip.version", "1.2"),
        Case::new(
            "Init_Event_Request",
            EVT,
            ToResponder,
            &event_request,
            3,
            12,
        )
        .num("ptpip.connection", conn.0),
        Case::new(
            "Init_Event_Ack",
            EVT,
            ToInitiator,
            &Packet::InitEventAck(InitEventAck::new()),
            4,
            8,
        ),
        // Reason not dissected.
        Case::new("Init_Fail", REFUSED, ToInitiator, &fail, 5, 12),
    ]
}

fn request(
    what: &str,
    data_phase: DataPhaseInfo,
    code: OperationCode,
    tid: TransactionId,
    values: &[u32],
) -> Case {
    let p = Packet::OperationRequest(OperationRequest {
        data_phase,
        code,
        transaction_id: tid,
        params: params(values),
    });
    // Header, DataPhaseInfo, OperationCode, TransactionID, parameters.
    let len = 8 + 4 + 2 + 4 + 4 * values.len();
    Case::new(what, CMD, Direction::ToResponder, &p, 6, len)
        .num("ptpip.phaseinfo", data_phase.0)
        .num("ptpip.opcode", code.0)
        .num("ptpip.transactionID", tid.0)
}

fn response(what: &str, code: ResponseCode, tid: TransactionId, values: &[u32]) -> Case {
    let p = Packet::OperationResponse(OperationResponse {
        code,
        transaction_id: tid,
        params: params(values),
    });
    // Header, ResponseCode, TransactionID, parameters.
    let len = 8 + 2 + 4 + 4 * values.len();
    Case::new(what, CMD, Direction::ToInitiator, &p, 7, len)
        .expect(
            &["ptpip.respcode", "ptpip.opcode"],
            Want::Num(code.0.into()),
        )
        .num("ptpip.transactionID", tid.0)
}

fn start_data(what: &str, dir: Direction, tid: TransactionId, total: u64) -> Case {
    let p = Packet::StartData(StartData {
        transaction_id: tid,
        total_length: total,
    });
    // Header, TransactionID, u64 TotalDataLength.
    Case::new(what, CMD, dir, &p, 9, 8 + 4 + 8)
        .num("ptpip.transactionID", tid.0)
        .num("ptpip.datalen", total)
}

fn data_case(what: &str, dir: Direction, end: bool, tid: TransactionId, len: usize) -> Case {
    let p = DataPacket {
        transaction_id: tid,
        payload: pattern(len).into(),
    };
    let p = if end {
        Packet::EndData(p)
    } else {
        Packet::Data(p)
    };
    let packet_type = if end { 12 } else { 10 };
    // Header, TransactionID, payload (not dissected).
    Case::new(what, CMD, dir, &p, packet_type, 8 + 4 + len).num("ptpip.transactionID", tid.0)
}

fn transactions() -> Vec<Case> {
    use Direction::{ToInitiator, ToResponder};
    let none = DataPhaseInfo::NO_DATA_OR_DATA_IN;
    let session = 0x5EED_0001;
    let (t0, t1, t2) = (TransactionId(0), TransactionId(1), TransactionId(2));
    let t_last = TransactionId(0xFFFF_FFFE);
    let five = [0x0001_0001, 0, 0xDC01, u32::MAX, 0x8000_0000];
    vec![
        request(
            "OpenSession (1 param)",
            none,
            OperationCode::OPEN_SESSION,
            t0,
            &[session],
        )
        .num("ptpip.opcode.param.sessionid", session),
        response("Operation_Response (0 params)", ResponseCode::OK, t0, &[]),
        // Data in: GetDeviceInfo, a known total length split over Data and End_Data.
        request(
            "GetDeviceInfo (0 params)",
            none,
            OperationCode::GET_DEVICE_INFO,
            t1,
            &[],
        ),
        start_data("Start_Data (known length)", ToInitiator, t1, 300 + 4),
        data_case("Data (300 bytes)", ToInitiator, false, t1, 300),
        data_case("End_Data (4 bytes)", ToInitiator, true, t1, 4),
        response("Operation_Response after data", ResponseCode::OK, t1, &[]),
        // Data out: the other direction, DataPhaseInfo 2.
        request(
            "SendObject (data out)",
            DataPhaseInfo::DATA_OUT,
            OperationCode::SEND_OBJECT,
            t2,
            &[],
        ),
        start_data("Start_Data (data out)", ToResponder, t2, 5),
        data_case("End_Data (data out)", ToResponder, true, t2, 5),
        response("Operation_Response (data out)", ResponseCode::OK, t2, &[]),
        // Five parameters, an unknown total length, an empty End_Data, a five-parameter response.
        request(
            "GetObjectPropList (5 params)",
            none,
            OperationCode::GET_OBJECT_PROP_LIST,
            t_last,
            &five,
        ),
        start_data("Start_Data (unknown length)", ToInitiator, t_last, u64::MAX),
        data_case("Data (1000 bytes)", ToInitiator, false, t_last, 1000),
        data_case("End_Data (empty)", ToInitiator, true, t_last, 0),
        response(
            "Operation_Response (5 params)",
            ResponseCode::OK,
            t_last,
            &five,
        ),
    ]
}

fn event_connection() -> Vec<Case> {
    use Direction::{ToInitiator, ToResponder};
    let event = |code: EventCode, tid: TransactionId, values: &[u32]| {
        let p = Packet::Event(EventPacket {
            code,
            transaction_id: tid,
            params: params(values),
        });
        let what = format!("Event ({} params)", values.len());
        // Header, EventCode, TransactionID, parameters (not dissected).
        Case::new(&what, EVT, ToInitiator, &p, 8, 8 + 2 + 4 + 4 * values.len())
            .num("ptpip.eventcode", code.0)
            .num("ptpip.transactionID", tid.0)
    };
    let cancel = Packet::Cancel(Cancel::new(TransactionId(0x0102_0304)));
    vec![
        event(EventCode::DEVICE_INFO_CHANGED, TransactionId::RESERVED, &[]),
        event(EventCode::OBJECT_ADDED, TransactionId(7), &[0x0000_0042]),
        event(
            EventCode::CANCEL_TRANSACTION,
            TransactionId(8),
            &[8, 0xFFFF_0000],
        ),
        event(
            EventCode::DEVICE_PROP_CHANGED,
            TransactionId(0),
            &[0x5001, 2, 3],
        ),
        // Transaction id not dissected.
        Case::new("Cancel", EVT, ToResponder, &cancel, 11, 12),
        Case::new(
            "Probe_Request",
            EVT,
            ToResponder,
            &Packet::ProbeRequest,
            13,
            8,
        ),
        Case::new(
            "Probe_Response",
            EVT,
            ToInitiator,
            &Packet::ProbeResponse,
            14,
            8,
        ),
    ]
}

/// Runs the judge over every frame and fails with the full list of problems.
fn assert_clean(cases: &[Case], frames: &[Frame]) {
    let report: Vec<String> = cases
        .iter()
        .zip(frames)
        .enumerate()
        .flat_map(|(i, (case, frame))| {
            judge(case, frame)
                .into_iter()
                .map(move |p| format!("frame {} {}: {p:?}", i + 1, case.what))
        })
        .collect();
    assert!(
        report.is_empty(),
        "tshark disagrees:\n{}",
        report.join("\n")
    );
}

#[test]
fn tshark_agrees_with_every_standard_packet() {
    let Some(tshark) = Tshark::find() else { return };
    eprintln!("judge: {}", tshark.version());
    let fields = tshark.ptpip_fields();
    for known in KNOWN_FIELDS {
        assert!(
            fields.iter().any(|f| f == known),
            "this tshark has no {known}; it has {fields:?}"
        );
    }
    let unjudged: Vec<&String> = fields
        .iter()
        .filter(|f| !KNOWN_FIELDS.contains(&f.as_str()))
        .collect();
    if !unjudged.is_empty() {
        eprintln!("ptpip fields this test does not judge yet: {unjudged:?}");
    }

    let cases: Vec<Case> = [handshake(), transactions(), event_connection()].concat();
    // Every standard packet type 1..=14 is in the capture.
    for packet_type in 1..=14 {
        assert!(
            cases.iter().any(|c| c.packet_type == packet_type),
            "no case of packet type {packet_type}"
        );
    }
    let frames = tshark.dissect("standard.pcap", &cases, &fields);
    assert_clean(&cases, &frames);
}

#[test]
fn tshark_flags_corrupted_packets() {
    let Some(tshark) = Tshark::find() else { return };
    let fields = tshark.ptpip_fields();
    let tid = TransactionId(9);
    let good = start_data("Start_Data (intact)", Direction::ToInitiator, tid, 1234);
    let truncated = start_data("Start_Data cut short", Direction::ToInitiator, tid, 1234)
        .corrupt(|b| b.truncate(b.len() - 3));
    // Ends two bytes into the name: no NUL terminator before the segment ends.
    let unterminated = init_command_request().corrupt(|b| b.truncate(8 + 16 + 2));
    let short_length = request(
        "GetDeviceInfo, length field 4",
        DataPhaseInfo::NO_DATA_OR_DATA_IN,
        OperationCode::GET_DEVICE_INFO,
        tid,
        &[],
    )
    .corrupt(|b| b[..4].copy_from_slice(&4_u32.to_le_bytes()));
    let cases = [good, truncated, unterminated, short_length];
    let frames = tshark.dissect("corrupted.pcap", &cases, &fields);
    let verdicts: Vec<Vec<Problem>> = cases
        .iter()
        .zip(&frames)
        .map(|(c, f)| judge(c, f))
        .collect();

    assert_eq!(verdicts[0], [], "the intact control packet must pass");
    for (i, what) in [(1, "truncated body"), (2, "unterminated name")] {
        let v = &verdicts[i];
        assert!(
            v.iter().any(|p| matches!(p, Problem::Malformed(_))),
            "{what}: tshark must flag it malformed, got {v:?}"
        );
        assert!(
            v.iter().any(|p| matches!(p, Problem::ExpertError(_))),
            "{what}: the malformed expert error must be seen, got {v:?}"
        );
    }
    // tshark itself does not check the length field; our cross-check with tcp.len must.
    assert!(
        verdicts[3]
            .iter()
            .any(|p| matches!(p, Problem::Mismatch(m) if m.contains("segment length"))),
        "a length field of 4 on an 18-byte segment must be caught, got {:?}",
        verdicts[3]
    );
}
