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
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ptpip_protocol::camera::FujiCamera;
use ptpip_protocol::packet::InitFailReason;
use ptpip_protocol::ptp::codes::DevicePropCode;
use ptpip_protocol::ptp::value::PropValue;
use ptpip_protocol::responder::{
    Reply, Request, ResponderConfig, Response, Violation, ViolationKind,
};
use ptpip_protocol::{Device, DeviceEvent, Dialect, FriendlyName, Guid};
use ptpip_tests::tools::{self, ScratchDir};
use ptpip_transport_std::{ServerHandle, ViolationLog, serve_logging};

/// What to install when gphoto2 is missing.
const INSTALL_HINT: &str = "apt-get install --no-install-recommends gphoto2";

/// The most one gphoto2 run may take (its socket reads give up after 2.5 s each; two of them do
/// here): a guard against hangs only.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// How long the capture run is given before it is stopped: past its 2.5 s GetObjectHandles
/// stall, the capture and the two events, with a wide margin. It never ends by itself.
const CAPTURE_LIMIT: Duration = Duration::from_secs(12);

/// The driver's model name.
const MODEL: &str = "Fuji X (WLAN)";

/// One virtual X-T1 shared by every session, so the test can look at it afterwards.
#[derive(Clone)]
struct SharedFuji(Arc<Mutex<FujiCamera>>);

impl SharedFuji {
    fn lock(&self) -> MutexGuard<'_, FujiCamera> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Device for SharedFuji {
    fn accept(&mut self, guid: Guid, name: &FriendlyName) -> Result<(), InitFailReason> {
        self.lock().accept(guid, name)
    }
    fn operation(&mut self, request: &Request) -> Reply {
        self.lock().operation(request)
    }
    fn data_out(&mut self, request: &Request, piece: &[u8]) {
        self.lock().data_out(request, piece);
    }
    fn data_out_done(&mut self, request: &Request, len: u64) -> Response {
        self.lock().data_out_done(request, len)
    }
    fn poll_event(&mut self) -> Option<DeviceEvent> {
        self.lock().poll_event()
    }
    fn cancelled(&mut self, request: &Request) {
        self.lock().cancelled(request);
    }
}

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
        let camera = SharedFuji(Arc::new(Mutex::new(FujiCamera::new())));
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

/// gphoto2 with the Fujifilm driver, pointed at one server.
struct Gphoto2 {
    exe: PathBuf,
    port: String,
    dir: ScratchDir,
    runs: AtomicU32,
}

/// One gphoto2 run: its output (`None` when it was stopped at its limit) and its debug log.
struct Run {
    output: Option<Output>,
    log: PathBuf,
}

impl Run {
    fn stdout(&self) -> String {
        self.output
            .as_ref()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// What to print when a check on this run fails.
    fn describe(&self) -> String {
        match &self.output {
            Some(o) => format!(
                "gphoto2 exited with {}\n--- stdout\n{}--- stderr\n{}--- debug log: {}",
                o.status,
                self.stdout(),
                String::from_utf8_lossy(&o.stderr),
                self.log.display()
            ),
            None => format!("gphoto2 was stopped; debug log: {}", self.log.display()),
        }
    }

    /// The operation codes gphoto2 sent, in order, from its debug log
    /// (`Sending PTP_OC 0x1002 (Open session) (0x1) request...`).
    fn operations(&self) -> Vec<u16> {
        self.log()
            .lines()
            .filter(|l| l.ends_with(" request..."))
            .filter_map(|l| l.split_once("Sending PTP_OC 0x")?.1.get(..4))
            .filter_map(|c| u16::from_str_radix(c, 16).ok())
            .collect()
    }

    #[track_caller]
    fn assert_line(&self, line: &str) {
        assert!(
            self.stdout().lines().any(|l| l.trim() == line),
            "no line {line:?}: {}",
            self.describe()
        );
    }
}

impl Gphoto2 {
    fn new(server: &Server) -> Option<Self> {
        let exe = tools::require("gphoto2", INSTALL_HINT)?;
        let dir = ScratchDir::new("ptpip-gphoto2-fuji").unwrap();
        fs::create_dir(dir.join("home")).unwrap();
        let command = server.handle.local_addr().port();
        let event = server.handle.event_addr().unwrap().port();
        Some(Self {
            exe,
            port: format!("ptpip:127.0.0.1:{command}:{event}"),
            dir,
            runs: AtomicU32::new(0),
        })
    }

    /// Runs `gphoto2 --port … --camera "Fuji X (WLAN)" ARGS` in `cwd` for at most `limit`.
    fn run_in(&self, cwd: &Path, limit: Duration, args: &[&str]) -> Run {
        let n = self.runs.fetch_add(1, Ordering::SeqCst);
        let log = self.dir.join(&format!("debug-{n}.log"));
        let home = self.dir.join("home");
        let mut cmd = Command::new(&self.exe);
        cmd.current_dir(cwd)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("LC_ALL", "C")
            .env("LANGUAGE", "C")
            .arg("--port")
            .arg(&self.port)
            .arg("--camera")
            .arg(MODEL)
            .arg("--debug")
            .arg(format!("--debug-logfile={}", log.display()))
            .args(args);
        let output = tools::output_within(&mut cmd, limit).ok();
        Run { output, log }
    }

    /// Runs gphoto2 in the scratch directory and requires it to succeed.
    fn ok(&self, args: &[&str]) -> Run {
        let run = self.run_in(self.dir.path(), RUN_LIMIT, args);
        assert!(
            run.output.as_ref().is_some_and(|o| o.status.success()),
            "gphoto2 {args:?} failed: {}",
            run.describe()
        );
        run
    }
}

/// The driver's set-up, as its debug log shows it: two Init_Command_Requests of 82 bytes, then
/// OpenSession and the Fujifilm steps; our camera logged the repeat and nothing else.
#[track_caller]
fn assert_driver_setup(run: &Run, server: &Server, sessions: usize) {
    let log = run.log();
    let inits = log
        .matches("ptpip/init_cmd data: (hexdump of 82 bytes)")
        .count();
    assert_eq!(inits, 2, "{}", run.describe());
    let ops = run.operations();
    assert_eq!(
        ops[..5],
        [0x1002, 0x1016, 0x1015, 0x1016, 0x101C],
        "{}",
        run.describe()
    );
    assert_eq!(
        server.violation_kinds(),
        vec![ViolationKind::InitCommandRequestRepeated; sessions]
    );
}

#[test]
fn summary_through_the_fujifilm_driver() {
    let server = Server::start();
    let Some(gp) = Gphoto2::new(&server) else {
        return;
    };
    let run = gp.ok(&["--summary"]);
    assert_driver_setup(&run, &server, 1);
    let info = server.camera.lock().device_info();
    run.assert_line(&format!("Manufacturer: {}", info.manufacturer.as_str()));
    run.assert_line(&format!("Model: {}", info.model.as_str()));
    run.assert_line(&format!("Serial Number: {}", info.serial_number.as_str()));
    run.assert_line(&format!(
        "Vendor Extension Description: {}",
        info.vendor_extension_desc.as_str().trim()
    ));
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
    run.assert_line("Property 0xd212: error ffff on query.");
}

#[test]
fn list_config_through_the_fujifilm_driver() {
    let server = Server::start();
    let Some(gp) = Gphoto2::new(&server) else {
        return;
    };
    let run = gp.ok(&["--list-config"]);
    assert_driver_setup(&run, &server, 1);
    for entry in [
        "/main/status/manufacturer",
        "/main/status/cameramodel",
        "/main/imgsettings/whitebalance",
        "/main/capturesettings/exposurecompensation",
        "/main/capturesettings/flashmode",
        "/main/other/d001",
        "/main/other/d02a",
    ] {
        run.assert_line(entry);
    }
}

/// `--get-config` of the film simulation (0xD001), then `--set-config` of it and `--get-config`
/// again in one run: the value comes from, and goes to, the camera.
#[test]
fn get_and_set_config_through_the_fujifilm_driver() {
    let server = Server::start();
    let Some(gp) = Gphoto2::new(&server) else {
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
    assert_driver_setup(&run, &server, 1);
    run.assert_line("Label: PTP Property 0xd001");
    run.assert_line("Readonly: 0");
    run.assert_line(&format!("Current: {current}"));
    let listed = run
        .stdout()
        .lines()
        .filter(|l| l.starts_with("Choice: "))
        .count();
    assert_eq!(listed, choices, "{}", run.describe());

    let new = if current == 5 { 6 } else { 5 };
    let run = gp.ok(&["--set-config", &format!("{key}={new}"), "--get-config", key]);
    run.assert_line(&format!("Current: {new}"));
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
    let Some(gp) = Gphoto2::new(&server) else {
        return;
    };
    let out = gp.dir.join("capture");
    fs::create_dir(&out).unwrap();
    let run = gp.run_in(&out, CAPTURE_LIMIT, &["--capture-image-and-download"]);
    assert!(run.output.is_none(), "gphoto2 finished: {}", run.describe());
    assert_driver_setup(&run, &server, 1);
    assert_eq!(server.camera.lock().captures(), 1, "{}", run.describe());
    let ops = run.operations();
    assert!(ops.contains(&0x100E), "no InitiateCapture: {ops:x?}");
    assert!(
        !ops.contains(&0x9022),
        "the driver fetched the preview: {ops:x?}"
    );
    let log = run.log();
    for code in ["c004", "c001"] {
        assert!(
            log.contains(&format!(
                "Received event 0x{code}, ignoring (please report)."
            )),
            "event 0x{code} not seen by the driver: {}",
            run.describe()
        );
    }
    assert_eq!(fs::read_dir(&out).unwrap().count(), 0);
}
