//! gphoto2's Fujifilm Wi-Fi driver ("Fuji X (WLAN)", libgphoto2's `camlibs/ptp2/fujiptpip.c`)
//! against the camera `ptpip camera --vendor fuji` serves: the std `serve` with the virtual X-T1
//! ([`FujiCamera`]), on 127.0.0.1 with ports the OS picks.
//!
//! How the driver is reached, from libgphoto2 2.5.30's source:
//! - `--camera "Fuji X (WLAN)"` with a `ptpip:` port: `camera_init` (`library.c`) takes
//!   `ptp_fujiptpip_connect` for any PTP/IP model whose name contains "Fuji".
//! - The port is `ptpip:HOST:COMMAND:EVENT`. The driver sets the event port to 55740 + 1 before it
//!   parses the address, so `ptpip:HOST:PORT` alone still sends the event connection to 55741;
//!   both are given here. Its live-view ("jpeg") connection goes to the event port + 1
//!   (`ptp_fujiptpip_init_event`); `ptpip camera` puts its live view there, and so does this test.
//! - `ptp_fujiptpip_connect` sends the 82-byte Init_Command_Request twice on the same connection:
//!   its retry loop (`while (connect_tries < 2)`, commit 29ee7d740) has no break on success. Our
//!   responder acknowledges the repeat (and reports it as a tolerated violation).
//! - Then `camera_init`: OpenSession (transaction id 0), SetDevicePropValue 0xDF01 = 5, Get and Set
//!   0xDF24, InitiateOpenCapture, the event and live-view connections, GetDeviceInfo, and (2.5.30's
//!   unconditional `ptp_list_folder`) GetObjectHandles.
//!
//! What works: `--summary`, `--list-config`, `--get-config` and `--set-config` of the properties
//! the camera describes.
//!
//! What the driver cannot do with this model, and why (tested below, so a libgphoto2 that changes
//! shows up here):
//! - **Errors cost 2.5 s each.** `ptp_fujiptpip_getdata` reads the next container whatever its
//!   type: an operation the camera refuses (a Response container where data was expected) is taken
//!   as empty data, and `ptp_fujiptpip_getresp` then waits for a response that never comes until
//!   its 2.5 s socket timeout. Here that hits GetObjectHandles (the X-T1 in remote mode has no
//!   object operations) and GetDevicePropDesc 0xD212 (the state list, which has no description);
//!   the summary prints "error ffff on query" for 0xD212. A real body refusing an operation gets
//!   the same.
//! - **`--capture-image-and-download` never finishes.** The X-T1 presents itself as an MTP device
//!   (VendorExtensionID 6, "fujifilm.co.jp: 1.0; "), and `fixup_cached_deviceinfo` switches such a
//!   body to the Fujifilm code only on USB, so `camera_capture` takes the generic InitiateCapture
//!   path: it waits for ObjectAdded (0x4002) and CaptureComplete (0x400D) with no deadline
//!   (`while (done != 3)`; the 20-round limit applies only once CaptureComplete has come). A
//!   Fujifilm body in Wi-Fi remote mode sends 0xC004 and 0xC001 (logged "Received event …,
//!   ignoring (please report)"), stores nothing on a card, and sends 0x400D only after 0x9022
//!   fetched the preview, which gphoto2 never asks for. With VendorExtensionID 0xE the driver's
//!   `camera_fuji_capture` would run instead; that is the USB tethering flow (GetObjectHandles
//!   before and after, 0xD208 shutter steps, an object on the card), which a Wi-Fi remote-mode body
//!   does not offer either. The driver has no path for the 0x9022 preview capture; its only
//!   Wi-Fi-specific image path is the live-view socket (`--capture-preview`, Fujifilm vendor only).
//! - gphoto2 prints "read fujiptpip generic: Transport endpoint is not connected" on stderr during
//!   set-up: `ptp_fujiptpip_check_event` polls the event socket before it is connected.
//!
//! Every gphoto2 run gets its own HOME and XDG_CONFIG_HOME, the C locale, a debug log in the
//! test's scratch directory and a time limit. Tested with gphoto2 2.5.28 and libgphoto2 2.5.30
//! (Debian 12); without gphoto2 every test prints `SKIPPED` and passes, unless
//! `PTPIP_REQUIRE_TOOLS=1`.

use std::fs;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ptpip_protocol::camera::CameraModel;
use ptpip_protocol::camera::FujiCamera;
use ptpip_protocol::ptp::codes::DevicePropCode;
use ptpip_protocol::ptp::value::PropValue;
use ptpip_protocol::responder::{ResponderConfig, Violation, ViolationKind};
use ptpip_protocol::{Dialect, FriendlyName, Guid, OperationCode};
use ptpip_tests::camera::SharedCamera;
use ptpip_tests::gphoto2::{Gphoto2, Run};
use ptpip_transport_std::{ServerHandle, ViolationLog, serve_logging};

/// How long the capture run is given before it is stopped: past its 2.5 s GetObjectHandles
/// stall, the capture and the two events, with a wide margin. It never ends by itself.
const CAPTURE_LIMIT: Duration = Duration::from_secs(12);

/// The driver's model name.
const MODEL: &str = "Fuji X (WLAN)";

/// One virtual X-T1 shared by every session, so the test can look at it afterwards.
type SharedFuji = SharedCamera<FujiCamera>;

/// The camera as `ptpip camera --vendor fuji --port 0` runs it: command and event listeners on
/// ports the OS picks, the live-view port right after the event port.
struct Server {
    handle: ServerHandle,
    camera: SharedFuji,
    violations: Arc<Mutex<Vec<Violation>>>,
    /// Held so that the driver's live-view connection is accepted (by the kernel; this test
    /// reads no frames).
    _live_view: TcpListener,
}

impl Server {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let (events, live_view) = event_and_live_view_listeners();
        let config = ResponderConfig::new(
            Guid([0x46; 16]),
            FriendlyName::new("ptpip gphoto2 fuji test").unwrap(),
            Dialect::Fuji,
        );
        let camera = SharedFuji::new(FujiCamera::new());
        let violations = Arc::new(Mutex::new(Vec::new()));
        let log: ViolationLog = {
            let v = violations.clone();
            Arc::new(move |_: SocketAddr, violation: &Violation| {
                v.lock().unwrap().push(violation.clone());
            })
        };
        let make = {
            let camera = camera.clone();
            move || camera.clone()
        };
        let handle = serve_logging(listener, Some(events), config, make, log).unwrap();
        Self {
            handle,
            camera,
            violations,
            _live_view: live_view,
        }
    }

    /// The kinds of violation logged so far.
    fn violation_kinds(&self) -> Vec<ViolationKind> {
        self.violations
            .lock()
            .unwrap()
            .iter()
            .map(|v| v.kind.clone())
            .collect()
    }
}

/// An event listener on an OS-picked port whose next port is free, and a listener on that one.
fn event_and_live_view_listeners() -> (TcpListener, TcpListener) {
    for _ in 0..64 {
        let events = TcpListener::bind("127.0.0.1:0").unwrap();
        let next = events.local_addr().unwrap().port().checked_add(1);
        if let Some(live) = next.and_then(|p| TcpListener::bind(("127.0.0.1", p)).ok()) {
            return (events, live);
        }
    }
    panic!("no free port pair for the event and live-view connections");
}

/// gphoto2 with the Fujifilm driver, pointed at `server`.
fn gphoto2(server: &Server) -> Option<Gphoto2> {
    let command = server.handle.local_addr().port();
    let event = server.handle.event_addr().unwrap().port();
    Gphoto2::with_driver(command, event, Some(MODEL))
}

#[track_caller]
fn assert_line(run: &Run, line: &str) {
    assert!(run.has_line(line), "no line {line:?}: {}", run.describe());
}

/// The driver's set-up, as the debug log `log` with the operations `ops` shows it: two
/// Init_Command_Requests of 82 bytes, then OpenSession and the Fujifilm steps; our camera logged
/// the repeat and nothing else. `describe` is printed when a check fails.
#[track_caller]
fn assert_driver_setup(
    log: &str,
    ops: &[OperationCode],
    describe: &str,
    server: &Server,
    sessions: usize,
) {
    let inits = log
        .matches("ptpip/init_cmd data: (hexdump of 82 bytes)")
        .count();
    assert_eq!(inits, 2, "{describe}");
    let first: Vec<u16> = ops.iter().take(5).map(|op| op.0).collect();
    assert_eq!(
        first,
        [0x1002, 0x1016, 0x1015, 0x1016, 0x101C],
        "{describe}"
    );
    assert_eq!(
        server.violation_kinds(),
        vec![ViolationKind::InitCommandRequestRepeated; sessions]
    );
}

/// [`assert_driver_setup`] for a run that finished.
#[track_caller]
fn assert_run_setup(run: &Run, server: &Server, sessions: usize) {
    let describe = run.describe();
    assert_driver_setup(
        &run.log_text(),
        &run.operation_codes(),
        &describe,
        server,
        sessions,
    );
}

#[test]
fn summary_through_the_fujifilm_driver() {
    let server = Server::start();
    let Some(gp) = gphoto2(&server) else {
        return;
    };
    let run = gp.ok(&["--summary"]);
    assert_run_setup(&run, &server, 1);
    let info = server.camera.lock().device_info();
    assert_line(
        &run,
        &format!("Manufacturer: {}", info.manufacturer.as_str()),
    );
    assert_line(&run, &format!("Model: {}", info.model.as_str()));
    assert_line(
        &run,
        &format!("Serial Number: {}", info.serial_number.as_str()),
    );
    assert_line(
        &run,
        &format!(
            "Vendor Extension Description: {}",
            info.vendor_extension_desc.as_str().trim()
        ),
    );
    // Every property the camera describes is listed with its current value: gphoto2 prints
    // `NAME(0xCODE):(readwrite) (type=…) … value: …` for the ones it names, `Property 0xCODE:…`
    // for the others, `(read only)` for those the camera reports but does not take.
    let props = server.camera.lock().props();
    assert!(props.codes().len() >= 8, "{:?}", props.codes());
    for code in props.codes() {
        let tag = format!("{:04x}", code.0);
        let access = if props.desc(code).unwrap().is_settable() {
            "(readwrite)"
        } else {
            "(read only)"
        };
        assert!(
            run.stdout()
                .lines()
                .any(|l| l.contains(&format!("(0x{tag}):{access}"))
                    || l.starts_with(&format!("Property 0x{tag}:{access}"))),
            "property {code} not in the summary: {}",
            run.describe()
        );
    }
    // The state list has no description: the driver's 2.5 s stall, reported as an error.
    assert_line(&run, "Property 0xd212: error ffff on query.");
}

#[test]
fn list_config_through_the_fujifilm_driver() {
    let server = Server::start();
    let Some(gp) = gphoto2(&server) else {
        return;
    };
    let run = gp.ok(&["--list-config"]);
    assert_run_setup(&run, &server, 1);
    for entry in [
        "/main/status/manufacturer",
        "/main/status/cameramodel",
        "/main/imgsettings/whitebalance",
        "/main/capturesettings/exposurecompensation",
        "/main/capturesettings/flashmode",
        "/main/other/d001",
        "/main/other/d02a",
    ] {
        assert_line(&run, entry);
    }
}

/// `--get-config` of the film simulation (0xD001), then `--set-config` of it and `--get-config`
/// again in one run: the value comes from, and goes to, the camera.
#[test]
fn get_and_set_config_through_the_fujifilm_driver() {
    let server = Server::start();
    let Some(gp) = gphoto2(&server) else {
        return;
    };
    let film = DevicePropCode::FUJI_FILM_SIMULATION;
    let (current, choices) = {
        let cam = server.camera.lock();
        let desc = cam.props().desc(film).unwrap().clone();
        let Some(PropValue::UInt16(v)) = cam.props().value(film).cloned() else {
            panic!("the film simulation is a UINT16");
        };
        let n = match desc.form {
            ptpip_protocol::ptp::dataset::PropForm::Enumeration { values } => values.len(),
            other => panic!("an enumeration, not {other:?}"),
        };
        (v, n)
    };
    let key = "/main/other/d001";
    let run = gp.ok(&["--get-config", key]);
    assert_run_setup(&run, &server, 1);
    assert_line(&run, "Label: PTP Property 0xd001");
    assert_line(&run, "Readonly: 0");
    assert_line(&run, &format!("Current: {current}"));
    let listed = run
        .stdout()
        .lines()
        .filter(|l| l.starts_with("Choice: "))
        .count();
    assert_eq!(listed, choices, "{}", run.describe());

    let new = if current == 5 { 6 } else { 5 };
    let run = gp.ok(&["--set-config", &format!("{key}={new}"), "--get-config", key]);
    assert_line(&run, &format!("Current: {new}"));
    assert_eq!(
        server.camera.lock().props().value(film),
        Some(&PropValue::UInt16(new))
    );
}

/// `--capture-image-and-download`: the camera takes the picture (InitiateCapture answered OK,
/// 0xC004 and 0xC001 sent), the driver ignores both events and waits for ObjectAdded and
/// CaptureComplete, which a Wi-Fi body does not send before 0x9022; it never asks for 0x9022 and
/// never finishes (see the module docs). The run is stopped at its limit; nothing is saved.
#[test]
fn capture_image_and_download_is_beyond_the_driver() {
    let server = Server::start();
    let Some(gp) = gphoto2(&server) else {
        return;
    };
    let out = gp.new_dir("capture");
    let stopped = match gp.run_within(&out, CAPTURE_LIMIT, &["--capture-image-and-download"]) {
        Ok(run) => panic!("gphoto2 finished: {}", run.describe()),
        Err(stopped) => stopped,
    };
    let (log, ops) = (stopped.log_text(), stopped.operation_codes());
    let describe = format!("gphoto2 was stopped; debug log: {}", stopped.log.display());
    assert_driver_setup(&log, &ops, &describe, &server, 1);
    assert_eq!(server.camera.lock().captures(), 1, "{describe}");
    let codes: Vec<u16> = ops.iter().map(|op| op.0).collect();
    assert!(codes.contains(&0x100E), "no InitiateCapture: {codes:x?}");
    assert!(
        !codes.contains(&0x9022),
        "the driver fetched the preview: {codes:x?}"
    );
    for code in ["c004", "c001"] {
        assert!(
            log.contains(&format!(
                "Received event 0x{code}, ignoring (please report)."
            )),
            "event 0x{code} not seen by the driver: {describe}"
        );
    }
    assert_eq!(fs::read_dir(&out).unwrap().count(), 0);
}
