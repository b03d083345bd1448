//! The binary against cameras that are less tidy than ours: a Fujifilm body without remote mode,
//! a property with no value; timeouts and keep-alive settings; the Fujifilm one-port rule. (Peers
//! that fail the connection are in `errors.rs`.)
//! Cameras are served in this process on 127.0.0.1 with ports the OS picks.

use std::net::TcpListener;

use bytes::Bytes;
use ptpip_protocol::Encode;
use ptpip_protocol::camera::{FujiCamera, VirtualCamera};
use ptpip_protocol::responder::{Device, Reply, Request, ResponderConfig, Response};
use ptpip_protocol::{Dialect, FriendlyName, Guid, OperationCode, ResponseCode};
use ptpip_transport_std::{ServerHandle, serve};
use support::{TempDir, free_port, run};

mod support;

/// A camera model with some operations answered differently.
struct Quirky<D> {
    inner: D,
    answer: fn(&Request) -> Option<Reply>,
}

impl<D: Device> Device for Quirky<D> {
    fn operation(&mut self, r: &Request) -> Reply {
        (self.answer)(r).unwrap_or_else(|| self.inner.operation(r))
    }

    fn data_out(&mut self, r: &Request, piece: &[u8]) {
        self.inner.data_out(r, piece);
    }

    fn data_out_done(&mut self, r: &Request, len: u64) -> Response {
        self.inner.data_out_done(r, len)
    }

    fn poll_event(&mut self) -> Option<ptpip_protocol::DeviceEvent> {
        self.inner.poll_event()
    }
}

/// Serves `make()` in `dialect`; the server and the arguments that reach it.
fn serve_quirky<D: Device + Send + 'static>(
    dialect: Dialect,
    make: impl Fn() -> D + Send + Sync + 'static,
) -> (ServerHandle, Vec<String>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let e = (dialect == Dialect::Fuji).then(|| TcpListener::bind("127.0.0.1:0").unwrap());
    let name = FriendlyName::new("quirky").unwrap();
    let rc = ResponderConfig::new(Guid([7; 16]), name, dialect);
    let server = serve(l, e, rc, make).unwrap();
    let c = server.local_addr().port().to_string();
    let mut args = vec!["-h", "127.0.0.1", "--connect-timeout", "5"];
    let e = server.event_addr().map(|a| a.port().to_string());
    match &e {
        Some(e) => args.extend(["-t", "fuji", "-pc", &c, "-pe", e]),
        None => args.extend(["-p", &c]),
    }
    let args = args.into_iter().map(str::to_owned).collect();
    (server, args)
}

fn run_with(base: &[String], more: &[&str]) -> support::Out {
    let all: Vec<&str> = base
        .iter()
        .map(String::as_str)
        .chain(more.iter().copied())
        .collect();
    run(&all)
}

/// A Fujifilm body whose firmware has no remote mode: 0xDF24 is not a property it knows.
fn no_remote_mode(r: &Request) -> Option<Reply> {
    let df24 = u32::from(ptpip_protocol::ptp::codes::DevicePropCode::FUJI_APP_VERSION.0);
    (r.code == OperationCode::GET_DEVICE_PROP_VALUE && r.params.get(1) == Some(df24))
        .then(|| Reply::Respond(Response::code(ResponseCode::DEVICE_PROP_NOT_SUPPORTED)))
}

#[test]
fn a_fuji_body_without_remote_mode_gets_a_session_and_capture_says_why_not() {
    let (_server, args) = serve_quirky(Dialect::Fuji, || Quirky {
        inner: FujiCamera::new(),
        answer: no_remote_mode,
    });
    let r = run_with(&args, &["info"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!r.stdout.is_empty(), "{r:?}");
    assert!(
        r.stderr
            .contains("this camera did not enter remote mode: GetDevicePropValue 0xDF24 answered"),
        "{r:?}"
    );
    let r = run_with(&args, &["capture"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("capture and live view need remote mode"),
        "{r:?}"
    );
}

/// Answers GetDevicePropValue 0x5005 (white balance) with a data phase of no bytes.
fn empty_white_balance(r: &Request) -> Option<Reply> {
    (r.code == OperationCode::GET_DEVICE_PROP_VALUE && r.params.get(1) == Some(0x5005)).then(|| {
        Reply::Data {
            source: Box::new(Bytes::new()),
            response: Response::OK,
        }
    })
}

#[test]
fn get_of_an_empty_value_says_so_and_fails() {
    let (_server, args) = serve_quirky(Dialect::Generic, || Quirky {
        inner: VirtualCamera::sample(),
        answer: empty_white_balance,
    });
    let r = run_with(&args, &["get", "whitebalance"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("empty value"), "{r:?}");
    assert_eq!(r.stdout, "", "{r:?}");
}

#[test]
fn timeouts_and_keep_alive_from_flags_and_file() {
    let r = run(&["--dry-run"]);
    assert!(
        r.stdout
            .contains("timeouts:       connect 10s, response 30s, pairing 30s\n"),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains("keep-alive:     10s for long-lived sessions, operation\n"),
        "{r:?}"
    );
    let home = TempDir::new("robust");
    let ini = home.write(
        "c.ini",
        "[initiator]\nresponse_timeout = 5\npairing_timeout = 90\nkeep_alive = 0\n",
    );
    let r = run(&["-f", &ini, "--connect-timeout", "2", "--dry-run"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("timeouts:       connect 2s, response 5s, pairing 90s\n"),
        "{r:?}"
    );
    assert!(r.stdout.contains("keep-alive:     off\n"), "{r:?}");
    let r = run(&[
        "-f",
        &ini,
        "--keep-alive",
        "4",
        "--keep-alive-method",
        "probe",
        "--response-timeout",
        "7",
        "--dry-run",
    ]);
    assert!(r.stdout.contains("response 7s"), "{r:?}");
    assert!(r.stdout.contains("keep-alive:     4s, probe\n"), "{r:?}");
    let r = run(&["--keep-alive-method", "ping", "--dry-run"]);
    assert_eq!(r.code, 2, "{r:?}");
}

/// Starts `ptpip camera --vendor fuji --port N` on a port whose next two are free too; the child
/// and N.
fn fuji_camera_process() -> (std::process::Child, u16) {
    use std::io::BufRead;
    for _ in 0..20 {
        let n = free_port();
        let free = |p: u16| TcpListener::bind(("127.0.0.1", p)).is_ok();
        if n > u16::MAX - 2 || !free(n + 1) || !free(n + 2) {
            continue;
        }
        let mut child = std::process::Command::new(support::bin())
            .args(["camera", "--vendor", "fuji", "--port", &n.to_string()])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // The banner goes to stdout once the ports are bound (nothing more follows there).
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let _ = out.read_line(&mut line);
        if line.contains("serving") {
            return (child, n);
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("no three free ports in a row");
}

#[test]
fn one_port_rule_for_fujifilm_matches_the_camera() {
    let (mut camera, n) = fuji_camera_process();
    let port = n.to_string();
    let r = run(&["-h", "127.0.0.1", "-t", "fuji", "-p", &port, "--dry-run"]);
    let ports = format!("command {n}, event {}, stream {}", n + 1, n + 2);
    assert!(r.stdout.contains(&ports), "{r:?}");
    let r = run(&[
        "-h",
        "127.0.0.1",
        "-t",
        "fuji",
        "-p",
        &port,
        "--connect-timeout",
        "5",
        "info",
    ]);
    let _ = camera.kill();
    let _ = camera.wait();
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!r.stdout.is_empty(), "{r:?}");
}

/// Answers every GetObjectInfo with a JPEG's ObjectInfo that ends before ModificationDate, as
/// some cameras send it.
fn short_object_info(r: &Request) -> Option<Reply> {
    use ptpip_protocol::ptp::codes::ObjectFormatCode;
    use ptpip_protocol::ptp::dataset::{ObjectInfo, StorageId};
    use ptpip_protocol::ptp::string::PtpString;
    (r.code == OperationCode::GET_OBJECT_INFO).then(|| {
        let info = ObjectInfo {
            storage_id: StorageId(0x0001_0001),
            object_format: ObjectFormatCode::EXIF_JPEG,
            object_compressed_size: 1234,
            filename: PtpString::new("SHORT.JPG").unwrap(),
            capture_date: PtpString::new("20261203T101500").unwrap(),
            ..ObjectInfo::default()
        };
        let mut bytes = info.to_bytes();
        // ModificationDate and Keywords are empty strings: one byte each, at the end.
        bytes.truncate(bytes.len() - 2);
        Reply::Data {
            source: Box::new(Bytes::from(bytes)),
            response: Response::OK,
        }
    })
}

#[test]
fn a_tolerated_layout_is_listed_and_logged_at_v() {
    let (_server, args) = serve_quirky(Dialect::Generic, || Quirky {
        inner: VirtualCamera::sample(),
        answer: short_object_info,
    });
    let r = run_with(&args, &["-v", "ls"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("SHORT.JPG"), "{r:?}");
    assert!(
        r.stderr.contains(
            "tolerated: ObjectInfo: ends before ModificationDate; ModificationDate, Keywords read \
             as empty"
        ),
        "{r:?}"
    );
    // Without -v the listing is the same and quiet.
    let r = run_with(&args, &["ls"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!r.stderr.contains("tolerated"), "{r:?}");
}
