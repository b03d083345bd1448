//! The built-in camera (`ptpip camera`): serves a virtual PTP/IP camera until Ctrl-C.
//!
//! - Generic PTP/IP: a [`VirtualCamera`] whose one storage holds a folder from disk (subfolders
//!   become association folders, files become objects read lazily, in pieces, when downloaded),
//!   or [`VirtualCamera::sample`] without a folder. Events share the command port, as the
//!   standard has it. Every session starts from the same tree: uploads, deletions and captures
//!   live in memory for that session only and never touch the folder.
//! - Fujifilm: a [`FujiCamera`] (the virtual X-T1), its event connection on its own port
//!   (`port + 1` unless told otherwise) and a live-view port (the event port + 1, as on the
//!   bodies: 55740, 55741, 55742) streaming [`LiveViewGenerator`] frames at about 10 per second
//!   to whoever connects.
//!
//! Port 0 lets the OS pick every port (command, event and live view; the live-view port is still
//! the event port + 1 when it is free, since gphoto2's Fujifilm driver connects there); the banner
//! printed on stdout shows the real ones.
//!
//! The camera doubles as a conformance checker: every breach of the protocol an initiator commits
//! (a reused transaction id, a data phase an operation does not have, …) is answered as ISO 15740
//! says and logged on stderr, one line each.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use ptpip_protocol::camera::{FujiCamera, LiveViewGenerator, VirtualCamera};
use ptpip_protocol::responder::{ResponderConfig, Violation};
use ptpip_protocol::{Dialect, FriendlyName, Guid};
use ptpip_transport_std::{ServerHandle, ViolationLog, serve_logging};

pub(crate) mod announce;
mod folder;

/// What `ptpip camera` serves, and where.
#[derive(Clone, Debug)]
#[allow(dead_code)] // wired in by main.rs
pub(crate) struct CameraOptions {
    /// The address to listen on (an IP address or a host name).
    pub address: String,
    /// The command port (0: the OS picks).
    pub port: u16,
    /// Fujifilm: the event port (default `port + 1`, or OS-picked when `port` is 0). Generic
    /// PTP/IP takes events on the command port, so only `None` or `Some(port)` is accepted.
    pub event_port: Option<u16>,
    /// Generic PTP/IP or the Fujifilm dialect.
    pub vendor: Dialect,
    /// Generic: the folder to serve (`None`: the built-in sample card).
    pub dir: Option<PathBuf>,
    /// The camera's friendly name, sent in Init_Command_Ack.
    pub name: String,
}

/// How often [`run`] looks at the Ctrl-C flag.
const STOP_POLL: Duration = Duration::from_millis(100);

/// How often the live-view accept loop looks at its stop flag.
const ACCEPT_POLL: Duration = Duration::from_millis(25);

/// Time between two live-view frames (10 per second).
const FRAME_INTERVAL: Duration = Duration::from_millis(100);

/// Tries at finding an OS-picked event port whose next port is free for live view.
const PORT_PAIR_TRIES: usize = 16;

/// The most live-view viewers at once.
const MAX_VIEWERS: usize = 8;

/// How long a live-view write may block before the viewer is dropped.
const VIEWER_WRITE_TIMEOUT: Duration = Duration::from_secs(2);

/// Serves the camera described by `opts` until Ctrl-C, printing where it listens on stdout.
#[allow(dead_code)] // wired in by main.rs
pub(crate) fn run(opts: CameraOptions, announce: &announce::AnnounceArgs) -> Result<(), String> {
    let stop = crate::relay::interrupt_flag().map_err(|e| e.to_string())?;
    let camera = Camera::start(&opts)?;
    // Scripts and tests read the port from this line: it must go out now, not at exit.
    // (Not `println!`, which panics when stdout has gone, as after `| head -1`.)
    let mut stdout = io::stdout();
    let _ = writeln!(stdout, "{}", camera.banner()).and_then(|()| stdout.flush());
    let announcer = announce::start(&camera, &opts.name, announce, &mut stdout)?;
    eprintln!("ptpip camera: CTRL+C to quit");
    while !stop.load(Ordering::SeqCst) {
        thread::sleep(STOP_POLL);
    }
    if let Some(a) = announcer {
        a.stop();
    }
    camera.stop();
    eprintln!("ptpip camera: stopped");
    Ok(())
}

/// A running camera.
struct Camera {
    server: ServerHandle,
    live_view: Option<LiveView>,
    dialect: Dialect,
    /// Objects served (folders included); generic only.
    objects: usize,
    /// Where the objects come from, for the banner.
    source: String,
}

impl Camera {
    /// Binds the ports and starts serving.
    fn start(opts: &CameraOptions) -> Result<Self, String> {
        let name = FriendlyName::new(&opts.name)
            .map_err(|e| format!("invalid camera name '{}': {e}", opts.name))?;
        let config = ResponderConfig::new(Guid::from(uuid::Uuid::new_v4()), name, opts.vendor);
        match opts.vendor {
            Dialect::Generic => Self::start_generic(opts, config),
            Dialect::Fuji => Self::start_fuji(opts, config),
        }
    }

    fn start_generic(opts: &CameraOptions, config: ResponderConfig) -> Result<Self, String> {
        if opts.event_port.is_some_and(|p| p != opts.port) {
            return Err(
                "generic PTP/IP takes the event connection on the command port: \
                        a separate event port is for the Fujifilm dialect only"
                    .into(),
            );
        }
        let (template, objects, source) = match &opts.dir {
            Some(dir) => {
                let cam = folder::load_dir(dir)?;
                let n = cam.store().len();
                (Some(cam.store().clone()), n, dir.display().to_string())
            }
            None => (
                None,
                VirtualCamera::sample().store().len(),
                "the built-in sample card".to_owned(),
            ),
        };
        let listener = bind(&opts.address, opts.port)?;
        // A fresh camera per session, all holding the same tree.
        let make = move || match &template {
            Some(store) => {
                let mut cam = VirtualCamera::new();
                *cam.store_mut() = store.clone();
                cam
            }
            None => VirtualCamera::sample(),
        };
        let server = serve_logging(listener, None, config, make, violation_log())
            .map_err(|e| format!("cannot start the camera: {e}"))?;
        Ok(Self {
            server,
            live_view: None,
            dialect: Dialect::Generic,
            objects,
            source,
        })
    }

    fn start_fuji(opts: &CameraOptions, config: ResponderConfig) -> Result<Self, String> {
        if let Some(dir) = &opts.dir {
            eprintln!(
                "ptpip camera: warning: the Fujifilm camera has its own pictures; {} is not served",
                dir.display()
            );
        }
        let event_port = match (opts.event_port, opts.port) {
            (Some(p), _) => p,
            (None, 0) => 0,
            (None, p) => p.checked_add(1).ok_or_else(|| {
                format!("no port after {p} for the event connection: give an event port")
            })?,
        };
        let listener = bind(&opts.address, opts.port)?;
        let (events, live) = bind_event_and_live_view(&opts.address, event_port)?;
        // Live view is a bonus: without its port the camera still works.
        let live_view = match live.and_then(LiveView::start) {
            Ok(lv) => Some(lv),
            Err(e) => {
                eprintln!("ptpip camera: warning: no live view: {e}");
                None
            }
        };
        let server = serve_logging(
            listener,
            Some(events),
            config,
            FujiCamera::new,
            violation_log(),
        )
        .map_err(|e| format!("cannot start the camera: {e}"))?;
        Ok(Self {
            server,
            live_view,
            dialect: Dialect::Fuji,
            objects: 0,
            source: String::new(),
        })
    }

    /// The line telling where the camera listens.
    fn banner(&self) -> String {
        let addr = self.server.local_addr();
        match self.dialect {
            Dialect::Generic => format!(
                "ptpip camera: serving {} objects from {} on {addr} (generic PTP/IP)",
                self.objects, self.source
            ),
            Dialect::Fuji => {
                let events = self
                    .server
                    .event_addr()
                    .map_or_else(|| "none".to_owned(), |a| a.to_string());
                let live = self
                    .live_view
                    .as_ref()
                    .map_or_else(|| "none".to_owned(), |lv| lv.addr.to_string());
                format!(
                    "ptpip camera: serving a virtual Fujifilm X-T1 on {addr} \
                     (Fujifilm; events on {events}, live view on {live})"
                )
            }
        }
    }

    /// Stops accepting; sessions in progress run to their end.
    fn stop(self) {
        if let Some(lv) = self.live_view {
            lv.stop();
        }
        self.server.stop();
    }
}

/// Where the camera reports initiators' breaches of the protocol: stderr, one line each.
fn violation_log() -> ViolationLog {
    Arc::new(|peer: SocketAddr, v: &Violation| {
        eprintln!("ptpip camera: initiator {peer} broke the protocol: {v}");
    })
}

/// The Fujifilm event listener on `event_port` and the live-view one on the port after it, as
/// gphoto2's Fujifilm driver expects. With port 0 the OS picks an event port whose next port is
/// free (a few tries), else any port for live view.
fn bind_event_and_live_view(
    address: &str,
    event_port: u16,
) -> Result<(TcpListener, Result<TcpListener, String>), String> {
    let next = |l: &TcpListener| {
        let port = l.local_addr().map_err(|e| e.to_string())?.port();
        let live = port
            .checked_add(1)
            .ok_or_else(|| format!("no port after {port} for live view"))?;
        bind(address, live)
    };
    if event_port != 0 {
        let events = bind(address, event_port)?;
        let live = next(&events);
        return Ok((events, live));
    }
    for _ in 0..PORT_PAIR_TRIES {
        let events = bind(address, 0)?;
        if let Ok(live) = next(&events) {
            return Ok((events, Ok(live)));
        }
    }
    Ok((bind(address, 0)?, bind(address, 0)))
}

/// Listens on `address:port`; `address` may be an IPv6 literal in brackets.
fn bind(address: &str, port: u16) -> Result<TcpListener, String> {
    let host = address
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
        .unwrap_or(address);
    TcpListener::bind((host, port)).map_err(|e| format!("cannot listen on {address}:{port}: {e}"))
}

/// The Fujifilm live-view port: frames to every viewer, each from its own generator.
struct LiveView {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: JoinHandle<()>,
}

impl LiveView {
    /// Streams to whoever connects to `listener`.
    fn start(listener: TcpListener) -> Result<Self, String> {
        let setup = |e: io::Error| format!("cannot start live view: {e}");
        let addr = listener.local_addr().map_err(setup)?;
        listener.set_nonblocking(true).map_err(setup)?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let accept = thread::Builder::new()
            .name("ptpip-live-view".into())
            .spawn(move || accept_viewers(&listener, &flag))
            .map_err(setup)?;
        Ok(Self { addr, stop, accept })
    }

    /// Stops accepting; viewers stop within a frame.
    fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.accept.join();
    }
}

/// Accepts viewers until `stop`, at most [`MAX_VIEWERS`] at once.
fn accept_viewers(listener: &TcpListener, stop: &Arc<AtomicBool>) {
    let viewers = Arc::new(AtomicUsize::new(0));
    while !stop.load(Ordering::SeqCst) {
        let stream = match listener.accept() {
            Ok((s, _)) => s,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => {
                thread::sleep(ACCEPT_POLL);
                continue;
            }
        };
        if viewers.load(Ordering::SeqCst) >= MAX_VIEWERS
            || stream.set_nonblocking(false).is_err()
            || stream
                .set_write_timeout(Some(VIEWER_WRITE_TIMEOUT))
                .is_err()
        {
            continue;
        }
        let _ = stream.set_nodelay(true);
        viewers.fetch_add(1, Ordering::SeqCst);
        let (count, stop) = (viewers.clone(), stop.clone());
        let spawned = thread::Builder::new()
            .name("ptpip-viewer".into())
            .spawn(move || {
                stream_frames(stream, &stop);
                count.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            viewers.fetch_sub(1, Ordering::SeqCst);
            eprintln!("ptpip camera: warning: cannot start a live-view stream");
        }
    }
}

/// Sends frames every [`FRAME_INTERVAL`] until the viewer leaves or `stop` is set.
fn stream_frames(mut stream: TcpStream, stop: &AtomicBool) {
    let mut frames = LiveViewGenerator::default();
    let mut buf = Vec::new();
    let mut next = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        buf.clear();
        frames.next_frame().encode(&mut buf);
        if stream.write_all(&buf).is_err() {
            return;
        }
        next += FRAME_INTERVAL;
        let now = Instant::now();
        match next.checked_duration_since(now) {
            Some(wait) => thread::sleep(wait),
            // Behind (a slow viewer): start the schedule again from now.
            None => next = now,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::fs;
    use std::io::Read;
    use std::net::TcpStream;
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use bytes::Bytes;
    use ptpip_protocol::Dialect;
    use ptpip_protocol::fuji::LiveViewFrame;
    use ptpip_protocol::ptp::codes::{AssociationType, DevicePropCode, ObjectFormatCode};
    use ptpip_protocol::ptp::dataset::{ObjectHandle, ObjectInfo, StorageId};
    use ptpip_transport_std::{Calls, Client, ClientConfig, Ports};

    use super::folder::ptp_date;
    use super::folder::tests::TempDir;
    use super::{Camera, CameraOptions};

    /// `n` bytes of xorshift noise: no run of equal bytes hides an off-by-one piece.
    fn noise(n: usize, seed: u32) -> Vec<u8> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect()
    }

    fn options(vendor: Dialect, dir: Option<PathBuf>) -> CameraOptions {
        CameraOptions {
            address: "127.0.0.1".into(),
            port: 0,
            event_port: None,
            vendor,
            dir,
            name: "test camera".into(),
        }
    }

    fn connect(camera: &Camera, dialect: Dialect) -> Client {
        let command = camera.server.local_addr().port();
        let mut cfg = ClientConfig::new("127.0.0.1", dialect);
        cfg.ports = Ports {
            command,
            event: camera.server.event_addr().map_or(command, |a| a.port()),
            stream: camera.live_view.as_ref().map_or(0, |lv| lv.addr.port()),
        };
        cfg.connect_timeout = Duration::from_secs(5);
        cfg.initiator.response_timeout = Duration::from_secs(5);
        Client::connect(cfg).unwrap()
    }

    /// Every object on the camera by its path, folders walked from the root.
    fn tree(c: &mut Client) -> BTreeMap<String, (ObjectHandle, ObjectInfo)> {
        let storages = c.storage_ids().unwrap();
        assert_eq!(storages.len(), 1);
        let mut found = BTreeMap::new();
        let mut todo = vec![(String::new(), ObjectHandle(0xFFFF_FFFF))];
        while let Some((prefix, parent)) = todo.pop() {
            for h in c.object_handles(storages[0], 0, parent).unwrap() {
                let info = c.object_info(h).unwrap();
                let path = format!("{prefix}{}", info.filename.as_str());
                if info.object_format == ObjectFormatCode::ASSOCIATION {
                    todo.push((format!("{path}/"), h));
                }
                assert!(found.insert(path, (h, info)).is_none());
            }
        }
        found
    }

    fn download(c: &mut Client, h: ObjectHandle) -> Vec<u8> {
        let mut out = Vec::new();
        c.get_object(h, &mut out, &mut |_, _| {}).unwrap();
        out
    }

    /// The fixture: nested folders, files of several kinds (one larger than a data packet),
    /// an empty file, and things that must be left out.
    fn fixture() -> (TempDir, Vec<&'static str>, Vec<&'static str>) {
        let d = TempDir::new("dir");
        d.file("a.txt", b"hello camera\n");
        d.file("DCIM/100TEST/IMG_0001.JPG", &noise(700_000, 7));
        d.file("DCIM/100TEST/CLIP.mov", &noise(3_000, 11));
        d.file("DCIM/empty.bin", b"");
        d.file("notes/deep/deeper/x.RAF", &noise(1_000, 13));
        d.file(".hidden", b"not served");
        d.file("DCIM/.DS_Store", b"not served");
        let folders = vec![
            "DCIM",
            "DCIM/100TEST",
            "notes",
            "notes/deep",
            "notes/deep/deeper",
        ];
        let mut files = vec![
            "a.txt",
            "DCIM/100TEST/IMG_0001.JPG",
            "DCIM/100TEST/CLIP.mov",
            "DCIM/empty.bin",
            "notes/deep/deeper/x.RAF",
        ];
        #[cfg(unix)]
        {
            use std::os::unix::fs::{PermissionsExt, symlink};
            // A link to a file is served; a link to a folder is not followed.
            symlink(d.0.join("a.txt"), d.0.join("alias.txt")).unwrap();
            symlink(d.0.join("DCIM"), d.0.join("loop")).unwrap();
            files.push("alias.txt");
            // An unreadable file is skipped (unless we run as root, who reads it anyway).
            let locked = d.file("locked.txt", b"secret");
            fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
            if fs::File::open(&locked).is_ok() {
                files.push("locked.txt");
            }
            // A name that is not UTF-8 cannot be a PTP string: skipped.
            use std::os::unix::ffi::OsStrExt;
            let bad = std::ffi::OsStr::from_bytes(b"bad\xFFname.txt");
            fs::write(d.0.join(bad), b"x").unwrap();
            // A FIFO is not a regular file: skipped, and never opened (that would block).
            let fifo = d.0.join("DCIM/pipe.jpg");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            assert!(made.is_ok_and(|s| s.success()), "mkfifo failed");
        }
        (d, folders, files)
    }

    #[test]
    fn a_folder_is_served_listed_and_downloaded_byte_for_byte() {
        let (dir, folders, files) = fixture();
        let camera = Camera::start(&options(Dialect::Generic, Some(dir.0.clone()))).unwrap();
        let port = camera.server.local_addr().port();
        assert_ne!(port, 0);
        assert_eq!(
            camera.banner(),
            format!(
                "ptpip camera: serving {} objects from {} on 127.0.0.1:{port} (generic PTP/IP)",
                folders.len() + files.len(),
                dir.0.display()
            )
        );

        let mut c = connect(&camera, Dialect::Generic);
        let found = tree(&mut c);
        let mut expected: Vec<&str> = folders.iter().chain(&files).copied().collect();
        expected.sort_unstable();
        assert_eq!(
            found.keys().map(String::as_str).collect::<Vec<_>>(),
            expected
        );

        for f in &folders {
            let (_, info) = &found[*f];
            assert_eq!(info.object_format, ObjectFormatCode::ASSOCIATION, "{f}");
            assert_eq!(
                info.association_type,
                AssociationType::GENERIC_FOLDER,
                "{f}"
            );
        }
        // Parents: the picture sits in 100TEST, which sits in DCIM, which is at the top.
        let handle = |p: &str| found[p].0;
        assert_eq!(
            found["DCIM/100TEST/IMG_0001.JPG"].1.parent_object,
            handle("DCIM/100TEST")
        );
        assert_eq!(found["DCIM/100TEST"].1.parent_object, handle("DCIM"));
        assert_eq!(found["DCIM"].1.parent_object, ObjectHandle(0));

        let formats = [
            ("a.txt", ObjectFormatCode::TEXT),
            ("DCIM/100TEST/IMG_0001.JPG", ObjectFormatCode::EXIF_JPEG),
            ("DCIM/100TEST/CLIP.mov", ObjectFormatCode::QT),
            ("DCIM/empty.bin", ObjectFormatCode::UNDEFINED),
            ("notes/deep/deeper/x.RAF", ObjectFormatCode::UNDEFINED),
        ];
        for (f, format) in formats {
            assert_eq!(found[f].1.object_format, format, "{f}");
        }
        // Dates: the file's modification time, in UTC.
        for f in ["a.txt", "DCIM", "notes/deep/deeper/x.RAF"] {
            let modified = fs::metadata(dir.0.join(f)).unwrap().modified().unwrap();
            let expected = ptp_date(modified).unwrap();
            let info = &found[f].1;
            assert_eq!(info.modification_date.as_str(), expected, "{f}");
            assert_eq!(info.capture_date.as_str(), expected, "{f}");
        }
        for f in &files {
            let on_disk = fs::read(dir.0.join(f)).unwrap();
            let (h, info) = &found[*f];
            assert_eq!(info.object_compressed_size as usize, on_disk.len(), "{f}");
            assert_eq!(download(&mut c, *h), on_disk, "{f}");
        }
        // A slice across the boundary of two data packets (256 KiB each).
        let jpg = fs::read(dir.0.join("DCIM/100TEST/IMG_0001.JPG")).unwrap();
        let mut part = Vec::new();
        let n = c
            .get_partial_object(
                handle("DCIM/100TEST/IMG_0001.JPG"),
                250_000,
                100_000,
                &mut part,
            )
            .unwrap();
        assert_eq!((n, &part[..]), (100_000, &jpg[250_000..350_000]));

        // The file is read when downloaded, not when listed: a change shows.
        fs::write(dir.0.join("a.txt"), b"HELLO CAMERA\n").unwrap();
        assert_eq!(download(&mut c, handle("a.txt")), b"HELLO CAMERA\n");

        // A deletion lives in this session only: the file stays on disk, the next session has it.
        c.delete_object(handle("notes/deep/deeper/x.RAF")).unwrap();
        assert!(!tree(&mut c).contains_key("notes/deep/deeper/x.RAF"));
        c.close().unwrap();
        assert!(dir.0.join("notes/deep/deeper/x.RAF").exists());
        let mut c = connect(&camera, Dialect::Generic);
        let again = tree(&mut c);
        assert_eq!(again.len(), found.len());
        assert_eq!(
            download(&mut c, again["notes/deep/deeper/x.RAF"].0),
            fs::read(dir.0.join("notes/deep/deeper/x.RAF")).unwrap()
        );
        c.close().unwrap();
        camera.stop();
    }

    #[test]
    fn without_a_folder_the_sample_card_is_served() {
        let camera = Camera::start(&options(Dialect::Generic, None)).unwrap();
        let mut c = connect(&camera, Dialect::Generic);
        let all = c
            .object_handles(StorageId(0xFFFF_FFFF), 0, ObjectHandle(0))
            .unwrap();
        // DCIM, 100PTPIP and three pictures.
        assert_eq!(all.len(), 5);
        let port = camera.server.local_addr().port();
        assert_eq!(
            camera.banner(),
            format!(
                "ptpip camera: serving {} objects from the built-in sample card on 127.0.0.1:{port} (generic PTP/IP)",
                all.len()
            )
        );
        let found = tree(&mut c);
        let img = found["DCIM/100PTPIP/IMG_0001.JPG"].0;
        assert_eq!(&download(&mut c, img)[..2], &[0xFF, 0xD8]);
        c.close().unwrap();
        camera.stop();
    }

    #[test]
    fn fuji_camera_connects_answers_a_property_and_streams_live_view() {
        let camera = Camera::start(&options(Dialect::Fuji, None)).unwrap();
        let (cmd, ev) = (
            camera.server.local_addr(),
            camera.server.event_addr().unwrap(),
        );
        let lv = camera.live_view.as_ref().unwrap().addr;
        assert!(cmd.port() != 0 && ev.port() != 0 && lv.port() != 0);
        // Where gphoto2's Fujifilm driver looks for it (fujiptpip.c connects the event port + 1).
        assert_eq!(lv.port(), ev.port() + 1);
        assert_eq!(
            camera.banner(),
            format!(
                "ptpip camera: serving a virtual Fujifilm X-T1 on {cmd} (Fujifilm; events on {ev}, live view on {lv})"
            )
        );
        let mut c = connect(&camera, Dialect::Fuji);
        assert_eq!(c.device_info().unwrap().manufacturer.as_str(), "FUJIFILM");
        let film = DevicePropCode::FUJI_FILM_SIMULATION;
        let desc = c.prop_desc(film).unwrap();
        assert_eq!(
            c.prop_value(film, desc.data_type).unwrap(),
            desc.current_value
        );

        let mut s = TcpStream::connect(lv).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut read_frame = || {
            let mut len = [0u8; 4];
            s.read_exact(&mut len).unwrap();
            let len = u32::from_le_bytes(len) as usize;
            assert!(
                (LiveViewFrame::JPEG_OFFSET..1 << 20).contains(&len),
                "{len}"
            );
            let mut frame = len.to_le_bytes()[..4].to_vec();
            frame.resize(len, 0);
            s.read_exact(&mut frame[4..]).unwrap();
            LiveViewFrame::decode(&Bytes::from(frame)).unwrap()
        };
        let first = read_frame();
        let t = Instant::now();
        assert_eq!(first.frame_number(), 0);
        assert!(first.has_jpeg_marker());
        for n in 1..=5u8 {
            let f = read_frame();
            assert_eq!(f.frame_number(), n);
            assert!(f.has_jpeg_marker());
        }
        // Five more frames at 10 per second take at least 0.5 s (a little slack for timers).
        let took = t.elapsed();
        assert!(took >= Duration::from_millis(450), "{took:?}");
        c.close().unwrap();
        camera.stop();
    }

    #[test]
    fn bad_options_are_refused() {
        let mut generic = options(Dialect::Generic, None);
        generic.port = 40_000;
        generic.event_port = Some(40_001);
        let e = Camera::start(&generic).err().unwrap();
        assert!(e.contains("event connection on the command port"), "{e}");

        let mut fuji = options(Dialect::Fuji, None);
        fuji.port = u16::MAX;
        let e = Camera::start(&fuji).err().unwrap();
        assert!(e.contains("no port after 65535"), "{e}");

        let d = TempDir::new("notdir");
        let file = d.file("plain.txt", b"x");
        let e = Camera::start(&options(Dialect::Generic, Some(file)))
            .err()
            .unwrap();
        assert!(e.contains("not a folder"), "{e}");
        let e = Camera::start(&options(Dialect::Generic, Some(d.0.join("missing"))))
            .err()
            .unwrap();
        assert!(e.starts_with("cannot serve"), "{e}");

        let mut named = options(Dialect::Generic, None);
        named.name = "x".repeat(300);
        let e = Camera::start(&named).err().unwrap();
        assert!(e.starts_with("invalid camera name"), "{e}");
    }
}
