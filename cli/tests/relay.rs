//! `ptpip relay` as a user runs it: gphoto2 through the relay to the built-in camera (in this
//! process, on 127.0.0.1), the JSON log, and the pcapng capture judged by tshark, whose packet
//! types and transaction ids must agree with the log.
//!
//! Without gphoto2 or tshark the tests that need them print `SKIPPED` and pass, unless
//! `PTPIP_REQUIRE_TOOLS=1`.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use ptpip_protocol::camera::VirtualCamera;
use ptpip_protocol::ptp::codes::ObjectFormatCode;
use ptpip_tests::camera::content_bytes;
use ptpip_tests::gphoto2::Gphoto2;
use ptpip_tests::tools::{self, ScratchDir};
use serde_json::Value;
use support::{Cam, bin, interrupt, ports_in};

/// A `ptpip relay` process.
struct Relay {
    child: Child,
    port: u16,
}

impl Relay {
    /// Starts `ptpip relay --listen 127.0.0.1:0 --to 127.0.0.1:PORT ARGS` and reads its port
    /// from the banner.
    fn start(to: u16, args: &[&str]) -> Self {
        let mut child = Command::new(bin())
            .args(["relay", "--listen", "127.0.0.1:0", "--to"])
            .arg(format!("127.0.0.1:{to}"))
            .args(args)
            .env("XDG_CONFIG_HOME", "/nonexistent-ptpip")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut banner = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut banner)
            .unwrap();
        assert!(
            banner.starts_with("ptpip relay: listening on"),
            "{banner:?}"
        );
        let port = ports_in(&banner)[0];
        Self { child, port }
    }

    /// Ctrl-C, then its exit code and stderr.
    fn stop(self) -> (i32, String) {
        interrupt(&self.child);
        let out = self.child.wait_with_output().unwrap();
        let code = out.status.code().unwrap_or(-1);
        (code, String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// The packet types of DC-X005 §2.3, by the names the log gives them.
const TYPES: &[(&str, u64)] = &[
    ("Init_Command_Request", 1),
    ("Init_Command_Ack", 2),
    ("Init_Event_Request", 3),
    ("Init_Event_Ack", 4),
    ("Init_Fail", 5),
    ("Operation_Request", 6),
    ("Operation_Response", 7),
    ("Event", 8),
    ("Start_Data", 9),
    ("Data", 10),
    ("Cancel", 11),
    ("End_Data", 12),
    ("Probe_Request", 13),
    ("Probe_Response", 14),
];

fn num(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// Packet type and transaction id (when the dissector shows one) per connection and direction
/// (`true`: towards the camera), in order.
type Packets = BTreeMap<(u64, bool), Vec<(u64, Option<u64>)>>;

/// What tshark finds in the capture: the frames where a PTP/IP packet starts (the dissector
/// does not reassemble, so the test follows each packet's length itself), with no frame flagged.
fn dissect(tshark: &std::path::Path, pcap: &std::path::Path, ports: &[u16]) -> Packets {
    let fields = [
        "frame.number",
        "tcp.stream",
        "tcp.srcport",
        "tcp.seq",
        "tcp.len",
        "ptpip.len",
        "ptpip.pktType",
        "ptpip.transactionID",
        "_ws.malformed",
        "_ws.expert.severity",
    ];
    let mut cmd = Command::new(tshark);
    cmd.arg("-r").arg(pcap);
    for port in ports {
        cmd.args(["-d", &format!("tcp.port=={port},ptpip")]);
    }
    cmd.args(["-T", "fields", "-E", "separator=|", "-E", "occurrence=f"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = tools::stdout_of(&mut cmd).unwrap();
    let text = String::from_utf8(out).unwrap();
    // Where the next packet starts, per stream and direction.
    let mut next: BTreeMap<(u64, bool), u64> = BTreeMap::new();
    let mut packets = Packets::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('|').collect();
        assert_eq!(f.len(), fields.len(), "{line}");
        assert!(f[8].is_empty(), "frame {} is malformed: {line}", f[0]);
        if let Some(sev) = num(f[9]) {
            assert!(
                sev < 0x0080_0000,
                "frame {} has an expert error: {line}",
                f[0]
            );
        }
        let (stream, seq, len) = (num(f[1]).unwrap(), num(f[3]).unwrap(), num(f[4]).unwrap());
        if len == 0 {
            continue;
        }
        let to_camera = !ports.iter().any(|&p| num(f[2]) == Some(u64::from(p)));
        let at = next.entry((stream, to_camera)).or_insert(1);
        if seq != *at {
            // A piece of a packet longer than a segment.
            assert!(seq < *at, "frame {} skips bytes: {line}", f[0]);
            continue;
        }
        let plen = num(f[5]).unwrap_or_else(|| panic!("no PTP/IP length: {line}"));
        *at += plen;
        packets
            .entry((stream + 1, to_camera))
            .or_default()
            .push((num(f[6]).unwrap(), num(f[7])));
    }
    packets
}

/// The same from the JSON log.
fn logged(log: &str) -> Packets {
    let mut packets = Packets::new();
    for line in log.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let ty = v["type"].as_str().unwrap();
        let Some(&(_, n)) = TYPES.iter().find(|(name, _)| *name == ty) else {
            assert!(matches!(ty, "notice"), "{line}");
            continue;
        };
        assert_eq!(v["quirks"], Value::Array(vec![]), "{line}");
        let key = (
            v["connection"].as_u64().unwrap(),
            v["direction"] == "to-camera",
        );
        packets
            .entry(key)
            .or_default()
            .push((n, v["transaction"].as_u64()));
    }
    packets
}

/// The sample card and a 600 kB movie: its data packets are longer than a TCP segment, so the
/// capture cuts them.
fn camera() -> VirtualCamera {
    let mut c = VirtualCamera::sample();
    let card = c.add_storage("BIG", 1 << 30).unwrap();
    let data: Vec<u8> = (0..600_000_u32).map(|i| (i % 253) as u8).collect();
    c.add_object(card, "MVI_0001.MPG", ObjectFormatCode::MPEG, data)
        .unwrap();
    c
}

#[test]
fn a_gphoto2_session_is_relayed_logged_and_captured_as_tshark_reads_it() {
    let cam = Cam::generic_with(camera);
    let scratch = ScratchDir::new("ptpip-relay-cli").unwrap();
    let (log, pcap) = (scratch.join("relay.jsonl"), scratch.join("relay.pcapng"));
    let relay = Relay::start(
        cam.ports().0.parse().unwrap(),
        &[
            "--json",
            "--log",
            log.to_str().unwrap(),
            "--pcap",
            pcap.to_str().unwrap(),
        ],
    );
    let port = relay.port;
    let Some(gp) = Gphoto2::new(port) else {
        let _ = relay.stop();
        return;
    };
    let run = gp.ok(&["--summary"]);
    assert!(
        run.has_line("Model: ptpip virtual camera"),
        "{}",
        run.describe()
    );
    let dir = gp.new_dir("download");
    let run = gp.ok_in(&dir, &["--get-all-files"]);
    for o in camera().store().objects().filter(|o| !o.is_folder()) {
        let got = fs::read(dir.join(o.name.as_str())).unwrap();
        assert!(
            got == content_bytes(&o.content),
            "{}: {}",
            o.name.as_str(),
            run.describe()
        );
    }
    let (code, stderr) = relay.stop();
    assert_eq!(code, 0, "{stderr}");

    let log = fs::read_to_string(&log).unwrap();
    let from_log = logged(&log);
    assert!(from_log.values().map(Vec::len).sum::<usize>() > 40, "{log}");
    let Some(tshark) = tools::require("tshark", "apt-get install tshark") else {
        return;
    };
    let from_capture = dissect(&tshark, &pcap, &[port]);
    assert_eq!(
        from_capture.len(),
        from_log.len(),
        "connections and directions"
    );
    for (key, packets) in &from_log {
        let seen = &from_capture[key];
        assert_eq!(
            seen.len(),
            packets.len(),
            "{key:?}: {seen:?} vs {packets:?}"
        );
        for ((ty, tid), (cty, ctid)) in packets.iter().zip(seen) {
            assert_eq!(ty, cty, "{key:?}");
            // The 4.0 dissector shows no transaction id for Cancel and the init packets.
            if let Some(t) = ctid {
                assert_eq!(Some(*t), *tid, "{key:?} packet type {ty}");
            }
        }
    }
}

#[test]
fn a_shared_camera_serves_gphoto2_and_the_text_log_says_so() {
    let cam = Cam::generic();
    let cam_port: u16 = cam.ports().0.parse().unwrap();
    let scratch = ScratchDir::new("ptpip-relay-cli").unwrap();
    let (log, pcap) = (scratch.join("relay.log"), scratch.join("relay.pcapng"));
    let relay = Relay::start(
        cam_port,
        &[
            "--share",
            "--log",
            log.to_str().unwrap(),
            "--pcap",
            pcap.to_str().unwrap(),
        ],
    );
    let relay_port = relay.port;
    let Some(gp) = Gphoto2::new(relay.port) else {
        let _ = relay.stop();
        return;
    };
    let run = gp.ok(&["--summary"]);
    assert!(
        run.has_line("Model: ptpip virtual camera"),
        "{}",
        run.describe()
    );
    let (code, stderr) = relay.stop();
    assert_eq!(code, 0, "{stderr}");
    let text = fs::read_to_string(&log).unwrap();
    for needle in [
        "camera session open",
        "Operation_Request GetDeviceInfo(0x1001)",
    ] {
        assert!(text.contains(needle), "no {needle:?} in\n{text}");
    }
    // Each line starts with the time of day.
    assert!(
        text.lines()
            .all(|l| l.as_bytes()[2] == b':' && l.as_bytes()[8] == b'.'),
        "{text}"
    );
    // The capture holds both sides: gphoto2's connections and the relay's own to the camera,
    // each opening with Init_Command_Request or Init_Event_Request.
    let Some(tshark) = tools::require("tshark", "apt-get install tshark") else {
        return;
    };
    let packets = dissect(&tshark, &pcap, &[relay_port, cam_port]);
    let openers = packets
        .iter()
        .filter(|((_, to_camera), p)| *to_camera && matches!(p.first(), Some((1 | 3, _))))
        .count();
    assert_eq!(openers, 4, "{packets:?}");
}

#[test]
fn a_relay_without_a_good_camera_address_is_a_usage_error() {
    let out = support::run(&["relay", "--listen", "127.0.0.1:0"]);
    assert_eq!(out.code, 2, "{out:?}");
    let out = support::run(&["relay", "--to", "cam:0"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--to cam:0"), "{out:?}");
}
