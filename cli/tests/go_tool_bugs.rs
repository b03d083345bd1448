//! The Go tool's bugs (`go-ptp-ip.md` §9) that show at the command line, one test each, showing
//! ptpip does not have them. The protocol layer's are in `protocol/tests/go_tool_bugs.rs`.

use std::fs;

use ptpip_protocol::camera::{VirtualCamera, sample};
use ptpip_protocol::{DeviceEvent, EventCode, Params, TransactionId};
use support::{Cam, TempDir, run};

mod support;

/// §9.1: "The generic (standard PTP/IP) vendor is essentially non-functional: no OpenSession;
/// GetDeviceInfo crashes; OperationRequestRaw panics; Get/Set/Describe/Capture unimplemented;
/// no data phases." Every one of them works on a generic camera, in one session.
#[test]
fn the_generic_vendor_works() {
    let cam = Cam::generic();
    assert!(cam.ok(&["info"]).contains("ptpip virtual camera"));
    let r = cam.stdin(
        &["-i"],
        "describe whitebalance\nset whitebalance daylight\nget whitebalance\nopreq 0x1001\ncapture\n",
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("successfully set to Daylight"), "{r:?}");
    assert!(r.stdout.contains("\nDaylight (0x4)\n"), "{r:?}");
    // The raw operation's data phase and response, as the camera sent them.
    assert!(r.stdout.contains("Received"), "{r:?}");
    assert!(r.stdout.contains("captured"), "{r:?}");
}

/// §9.2: "Event parameters are not decoded for generic events; events are not exposed; the
/// listener blocks after 10 unread events." Twenty events queued before anyone reads come out
/// with their parameters.
#[test]
fn events_carry_their_parameters_and_never_block() {
    let cam = Cam::generic_with(|| {
        let mut c = VirtualCamera::sample();
        for n in 0..20u32 {
            c.push_event(DeviceEvent {
                code: EventCode::OBJECT_ADDED,
                transaction: TransactionId(0),
                params: Params::from_slice(&[n + 100]).unwrap(),
            });
        }
        c
    });
    let out = cam.ok(&["events", "--count", "20", "--timeout", "10"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 20, "{out}");
    assert!(lines[19].ends_with("params [0x77]"), "{out}");
}

/// §9.5: "Strings, arrays and 128-bit types are not decoded; no object download, so only the
/// capture preview is retrieved." Objects are listed with their names and dates, and download
/// byte for byte.
#[test]
fn objects_are_listed_and_downloaded() {
    let cam = Cam::generic();
    let ls = cam.ok(&["ls", "-l"]);
    assert!(ls.contains("DCIM/100PTPIP/IMG_0002.JPG"), "{ls}");
    let dir = TempDir::new("go-bugs-dl");
    cam.ok(&["download", "IMG_0002.JPG", &dir.path("")]);
    let got = fs::read(dir.path("DCIM/100PTPIP/IMG_0002.JPG")).unwrap();
    assert_eq!(got, sample::sample_image(2));
}

/// §9.7: "missing arguments panic and kill server mode; generic info/state print nothing; -c
/// always exits 0; numeric arguments are hex only." Usage errors exit 2 with the syntax, a
/// failure exits 1, decimal numbers are taken, and the server listens on 127.0.0.1 unless told.
#[test]
fn the_command_line_is_robust() {
    let cam = Cam::generic();
    let r = cam.run(&["-c", "get"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("usage: get PROP"), "{r:?}");
    let r = cam.run(&["-c", "get 0xd9d9"]);
    assert_eq!(r.code, 1, "{r:?}");
    let r = cam.run(&["state"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("Fujifilm-only"), "{r:?}");
    // A decimal handle (3, not 0x3 only).
    let dir = TempDir::new("go-bugs-dec");
    cam.ok(&["download", "3", &dir.path("")]);
    assert!(fs::read(dir.path("DCIM/100PTPIP/IMG_0001.JPG")).is_ok());
    let r = run(&["--dry-run"]);
    assert!(
        r.stdout.contains("server mode:    off (127.0.0.1:15740"),
        "{r:?}"
    );
}

/// §9.8: "Ports must be configured by hand for Fuji (55740/55741/55742)." The vendor picks them.
#[test]
fn fujifilm_ports_are_picked() {
    let r = run(&["-t", "fuji", "--dry-run"]);
    assert!(
        r.stdout
            .contains("ports:          command 55740, event 55741, stream 55742"),
        "{r:?}"
    );
}

/// §9.9: "The logger ignores its writer, prefix and flags. Verbosity is silent by default." `-v`
/// says what runs; without it, a successful command prints only its output.
#[test]
fn verbosity_is_honoured() {
    let cam = Cam::generic();
    let quiet = cam.run(&["info"]);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (0, ""), "{quiet:?}");
    let loud = cam.run(&["-v", "info"]);
    assert!(loud.stderr.contains("Running info"), "{loud:?}");
}
