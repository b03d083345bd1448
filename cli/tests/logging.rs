//! Logging levels end to end: `-v`, `-vv`, `-vvv` and `RUST_LOG`, against the built-in camera
//! served in this process on 127.0.0.1.

use std::process::Command;

use support::{Cam, Out, bin};

mod support;

/// Runs `args` against `cam` with `RUST_LOG` as given (`None`: unset).
fn logged(cam: &Cam, rust_log: Option<&str>, args: &[&str]) -> Out {
    let (port, _) = cam.ports();
    let mut c = Command::new(bin());
    c.args(["-h", "127.0.0.1", "-p", &port, "--connect-timeout", "5"])
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-ptpip")
        .env_remove("RUST_LOG");
    if let Some(spec) = rust_log {
        c.env("RUST_LOG", spec);
    }
    let o = c.output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        raw_stdout: o.stdout,
    }
}

/// The packet lines of a trace: `→ …` and `← …` after the `[TRACE target]` prefix.
fn packet_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("[TRACE"))
        .filter_map(|l| l.split_once("] ").map(|(_, m)| m))
        .collect()
}

#[test]
fn every_packet_is_traced_with_a_summary_and_hex() {
    let cam = Cam::generic();
    let r = logged(&cam, None, &["-vvv", "get", "iso"]);
    assert_eq!(r.code, 0, "{r:?}");
    let packets = packet_lines(&r.stderr);
    // Both ways, both connections, each packet type of the exchange, decoded.
    for expected in [
        "→ command/data connection: Init_Command_Request ",
        "← command/data connection: Init_Command_Ack connection=1 ",
        "→ event connection: Init_Event_Request connection=1",
        "← event connection: Init_Event_Ack",
        "→ command/data connection: Operation_Request OpenSession(0x1002) tid=0 [0x1]",
        "→ command/data connection: Operation_Request GetDevicePropValue(0x1015) tid=1 [0x500f]",
        "← command/data connection: Start_Data tid=1 length=2",
        "← command/data connection: End_Data tid=1 2 bytes",
        "← command/data connection: Operation_Response OK(0x2001) tid=1 []",
        "→ command/data connection: Operation_Request CloseSession(0x1003)",
    ] {
        assert!(
            packets.iter().any(|p| p.starts_with(expected)),
            "{expected}: {packets:#?}"
        );
    }
    // Each packet line is followed by its bytes in hex.
    let lines: Vec<&str> = r.stderr.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if l.starts_with("[TRACE") {
            assert!(
                lines.get(i + 1).is_some_and(|n| n.starts_with("0000:")),
                "no hex after {l}"
            );
        }
    }
    // And each operation at debug level, with its outcome.
    assert!(
        r.stderr
            .contains("GetDevicePropValue(0x1015) tid=1 OK(0x2001) [], 2 bytes of data, after"),
        "{r:?}"
    );
}

#[test]
fn levels_and_rust_log() {
    let cam = Cam::generic();
    // Quiet by default: the value and nothing else.
    let r = logged(&cam, None, &["get", "iso"]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    // -v: connection steps and the command, no operations or packets.
    let r = logged(&cam, None, &["-v", "get", "iso"]);
    assert!(
        r.stderr.contains("Attempting to connect to 127.0.0.1:"),
        "{r:?}"
    );
    assert!(r.stderr.contains("Connected (generic)."), "{r:?}");
    assert!(r.stderr.contains("Running get."), "{r:?}");
    assert!(!r.stderr.contains("[DEBUG"), "{r:?}");
    // -vv: operations, no packets.
    let r = logged(&cam, None, &["-vv", "get", "iso"]);
    assert!(
        r.stderr.contains("[DEBUG ptpip_protocol::initiator]"),
        "{r:?}"
    );
    assert!(!r.stderr.contains("[TRACE"), "{r:?}");
    // RUST_LOG as Rust users expect it: the protocol crate's packets alone.
    let r = logged(&cam, Some("ptpip_protocol=trace"), &["get", "iso"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!packet_lines(&r.stderr).is_empty(), "{r:?}");
    assert!(!r.stderr.contains("Connected (generic)."), "{r:?}");
}
