//! gphoto2 through the mio relay to the built-in camera (the std server with a `VirtualCamera`),
//! all on 127.0.0.1 with ports the OS picks: `--summary`, `--list-files` and `--get-all-files`
//! (byte-identical, a file over 4 MiB included) in plain pass-through, and with `--share` two
//! gphoto2 processes at once on one camera session, and gphoto2's generic driver in front of the
//! built-in Fujifilm camera.
//!
//! Without gphoto2 every test prints `SKIPPED` and passes, unless `PTPIP_REQUIRE_TOOLS=1`.

use std::fs;
use std::net::TcpListener;
use std::path::Path;
use std::thread;

use ptpip_protocol::camera::{FujiCamera, VirtualCamera};
use ptpip_protocol::ptp::codes::ObjectFormatCode;
use ptpip_protocol::relay::{Item, Record, ShareConfig};
use ptpip_protocol::responder::ResponderConfig;
use ptpip_protocol::{Dialect, FriendlyName, Guid};
use ptpip_tests::camera::content_bytes;
use ptpip_tests::gphoto2::{Gphoto2, Run};
use ptpip_tests::relay::RunningRelay;
use ptpip_transport_mio::protocol::calls::Ports;
use ptpip_transport_mio::{RelayConfig, RelayEvent};
use ptpip_transport_std::{ServerHandle, serve};

/// The large file's size: over 4 MiB, so gphoto2 fetches it in GetPartialObject pieces.
const LARGE: usize = (5 << 20) + 3;

/// The sample card plus a second storage holding one large movie.
fn camera() -> VirtualCamera {
    let mut camera = VirtualCamera::sample();
    let card = camera.add_storage("BIG", 1 << 30).unwrap();
    let data: Vec<u8> = (0..LARGE as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    camera
        .add_object(card, "MVI_0001.MPG", ObjectFormatCode::MPEG, data)
        .unwrap();
    camera
}

/// Serves a fresh [`camera`] per session in the generic dialect.
fn start_camera() -> ServerHandle {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let config = ResponderConfig::new(
        Guid([0x6b; 16]),
        FriendlyName::new("ptpip relay test").unwrap(),
        Dialect::Generic,
    );
    serve(listener, None, config, camera).unwrap()
}

/// A relay from an OS-picked port to the camera on `port`.
fn relay_to(port: u16, dialect: Dialect) -> RelayConfig {
    let mut c = RelayConfig::new("127.0.0.1:0".parse().unwrap(), "127.0.0.1", dialect);
    c.camera_ports = Ports {
        command: port,
        event: port,
        stream: 0,
    };
    c
}

/// Every file of the camera, by name, with its bytes.
fn expected_files() -> Vec<(String, Vec<u8>)> {
    camera()
        .store()
        .objects()
        .filter(|o| !o.is_folder())
        .map(|o| (o.name.as_str().to_owned(), content_bytes(&o.content)))
        .collect()
}

/// `--summary`, `--list-files` and `--get-all-files` into `dir`, each checked.
fn browse_and_download(gp: &Gphoto2, dir: &Path) {
    let run = gp.ok(&["--summary"]);
    let model = camera().device_info().model.as_str().to_owned();
    assert!(
        run.has_line(&format!("Model: {model}")),
        "{}",
        run.describe()
    );
    let run = gp.ok(&["--list-files"]);
    let listed = run.stdout().lines().filter(|l| l.starts_with('#')).count();
    assert_eq!(listed, expected_files().len(), "{}", run.describe());
    let run = gp.ok_in(dir, &["--get-all-files"]);
    check_downloads(&run, dir);
}

fn check_downloads(run: &Run, dir: &Path) {
    let files = expected_files();
    for (name, data) in &files {
        let got =
            fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}\n{}", run.describe()));
        assert!(
            got == *data,
            "{name}: {} bytes, expected {}",
            got.len(),
            data.len()
        );
    }
    assert_eq!(fs::read_dir(dir).unwrap().count(), files.len());
    assert!(files.iter().any(|(_, d)| d.len() == LARGE));
}

fn records(events: &[RelayEvent]) -> Vec<&Record> {
    events
        .iter()
        .filter_map(|e| match e {
            RelayEvent::Record(r) => Some(r),
            _ => None,
        })
        .collect()
}

#[test]
fn gphoto2_browses_and_downloads_through_the_pass_through_relay() {
    let server = start_camera();
    let relay = RunningRelay::start(relay_to(server.local_addr().port(), Dialect::Generic));
    let Some(gp) = Gphoto2::new(relay.port()) else {
        return;
    };
    browse_and_download(&gp, &gp.new_dir("download"));
    let events = relay.stop();
    let recs = records(&events);
    // Decoded, not just forwarded: every packet named, nothing undecodable.
    assert!(recs.len() > 50, "{}", recs.len());
    assert!(
        recs.iter()
            .all(|r| !matches!(r.item, Item::Undecodable { .. }) && r.quirks.is_empty()),
        "{recs:#?}"
    );
}

#[test]
fn two_gphoto2_at_once_share_one_camera_session() {
    let server = start_camera();
    let mut config = relay_to(server.local_addr().port(), Dialect::Generic);
    config.share = Some(ShareConfig::new(Dialect::Generic));
    let relay = RunningRelay::start(config);
    let (Some(a), Some(b)) = (Gphoto2::new(relay.port()), Gphoto2::new(relay.port())) else {
        return;
    };
    let (da, db) = (a.new_dir("download"), b.new_dir("download"));
    thread::scope(|s| {
        s.spawn(|| browse_and_download(&a, &da));
        s.spawn(|| browse_and_download(&b, &db));
    });
    drop(relay);
    // One camera session for all of it: the camera saw one initiator.
    assert_eq!(server.sessions(), 1);
}

/// The built-in Fujifilm camera has no storage (the virtual X-T1 answers the remote-mode
/// operations, not GetStorageIDs), so gphoto2's generic driver can read what it has: its
/// DeviceInfo (`--summary`) and its properties (`--list-config`), both through the relay's
/// translation from PTP/IP to Fujifilm containers.
#[test]
fn gphoto2_reads_a_fujifilm_camera_through_the_sharing_relay() {
    let command = TcpListener::bind("127.0.0.1:0").unwrap();
    let event = TcpListener::bind("127.0.0.1:0").unwrap();
    let config = ResponderConfig::new(
        Guid([0x6c; 16]),
        FriendlyName::new("X-T1").unwrap(),
        Dialect::Fuji,
    );
    let server = serve(command, Some(event), config, FujiCamera::new).unwrap();
    let mut relay = relay_to(server.local_addr().port(), Dialect::Fuji);
    relay.camera_ports.event = server.event_addr().unwrap().port();
    relay.share = Some(ShareConfig::new(Dialect::Fuji));
    let relay = RunningRelay::start(relay);
    let Some(gp) = Gphoto2::new(relay.port()) else {
        return;
    };
    let run = gp.ok(&["--summary"]);
    let info = FujiCamera::new().device_info();
    assert!(
        run.has_line(&format!("Model: {}", info.model.as_str())),
        "{}",
        run.describe()
    );
    let run = gp.ok(&["--list-config"]);
    assert!(run.stdout().lines().count() > 3, "{}", run.describe());
    let events = relay.stop();
    let types: Vec<String> = records(&events)
        .into_iter()
        .filter_map(Record::packet_type)
        .collect();
    assert!(types.iter().any(|t| t == "Fuji Command"), "{types:?}");
    assert_eq!(server.sessions(), 1);
}
