//! The built-in camera (`ptpip camera`): serves a virtual PTP/IP camera until Ctrl-C.
//!
//! - Generic PTP/IP: a [`VirtualCamera`] whose one storage holds a folder from disk (subfolders
//!   become association folders, files become objects read lazily, in pieces, when downloaded),
//!   or [`VirtualCamera::sample`] without a folder. Events share the command port, as the
//!   standard has it. One camera serves every session for the life of the process
//!   ([`shared`]): a property keeps the value a session set (and says so with
//!   DevicePropChanged), uploads, deletions and captures stay. The folder is watched: a file
//!   copied into it becomes an object, announced with ObjectAdded ([`mirror`]). Uploads,
//!   deletions and captures live in memory and never touch the folder, unless `--writable`
//!   sends them there.
//! - Fujifilm: a [`FujiBody`] (the virtual X-T1) in the Wi-Fi function `--mode` chooses (remote,
//!   browse, receive, no-remote), each connection a session of that one body, so settings and
//!   a movie outlive connections; its card holds the files of `--dir` (folders flattened) or
//!   three sample pictures. Its event connection is on its own port (`port + 1` unless told
//!   otherwise) and its live-view port is the event port + 1, as on the bodies (55740, 55741,
//!   55742), streaming [`LiveViewGenerator`] frames at about 10 per second while a session is
//!   in remote mode with capture open (the port closes other connections at once).
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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use ptpip_protocol::Encode;
use ptpip_protocol::camera::{FujiBody, FujiPersonality, LiveViewGenerator, VirtualCamera};
use ptpip_protocol::responder::{ResponderConfig, Violation};
use ptpip_protocol::{Dialect, FriendlyName, Guid};
use ptpip_transport_std::{ServerHandle, ViolationLog, serve_logging};

use crate::signals::{OnStop, Stop};

pub(crate) mod announce;
mod folder;
mod mirror;
mod shared;

use mirror::Mirror;
use shared::{SCAN_INTERVAL, SharedCamera, Watcher};

/// What `ptpip camera` serves, and where.
#[derive(Clone, Debug)]
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
    /// Generic: uploads, new folders, captures and deletions go to the folder too.
    pub writable: bool,
    /// The camera's friendly name, sent in Init_Command_Ack.
    pub name: String,
    /// How long every reply is held (the camera's think time; see [`ResponderConfig::think`]).
    pub think: Duration,
    /// Generic: offer GetObjectPropList (see [`VirtualCamera::set_object_prop_list`]).
    pub object_prop_list: bool,
    /// Fujifilm: the Wi-Fi function chosen on the body.
    pub mode: FujiPersonality,
}

/// How long the live-view accept loop backs off after an accept error, unless stopped meanwhile.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(25);

/// Time between two live-view frames (10 per second).
const FRAME_INTERVAL: Duration = Duration::from_millis(100);

/// Tries at finding an OS-picked event port whose next port is free for live view.
const PORT_PAIR_TRIES: usize = 16;

/// The most live-view viewers at once.
const MAX_VIEWERS: usize = 8;

/// How long a live-view write may block before the viewer is dropped.
const VIEWER_WRITE_TIMEOUT: Duration = Duration::from_secs(2);

/// Serves the camera described by `opts` until Ctrl-C, printing where it listens on stdout.
pub(crate) fn run(opts: CameraOptions, announce: &announce::AnnounceArgs) -> Result<(), String> {
    let stop = crate::relay::interrupt_flag().map_err(|e| e.to_string())?;
    let camera = Camera::start(&opts)?;
    // Scripts and tests read the port from this line: it must go out now, not at exit.
    // (Not `println!`, which panics when stdout has gone, as after `| head -1`.)
    let mut stdout = io::stdout();
    let _ = writeln!(stdout, "{}", camera.banner()).and_then(|()| stdout.flush());
    let announcer = announce::start(&camera, &opts.name, announce, &mut stdout)?;
    eprintln!("ptpip camera: CTRL+C to quit");
    stop.wait_set();
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
    /// The generic camera's folder being watched.
    watcher: Option<Watcher>,
    dialect: Dialect,
    /// Objects served (folders included); generic only.
    objects: usize,
    /// Where the objects come from, for the banner.
    source: String,
}

impl Camera {
    /// Binds the ports and starts serving.
    fn start(opts: &CameraOptions) -> Result<Self, String> {
        Self::start_scanning(opts, SCAN_INTERVAL)
    }

    /// [`start`](Self::start), rescanning a folder every `interval`.
    fn start_scanning(opts: &CameraOptions, interval: Duration) -> Result<Self, String> {
        let name = FriendlyName::new(&opts.name)
            .map_err(|e| format!("invalid camera name '{}': {e}", opts.name))?;
        let mut config = ResponderConfig::new(Guid::from(uuid::Uuid::new_v4()), name, opts.vendor);
        config.think = opts.think;
        match opts.vendor {
            Dialect::Generic => Self::start_generic(opts, config, interval),
            Dialect::Fuji => Self::start_fuji(opts, config),
        }
    }

    fn start_generic(
        opts: &CameraOptions,
        config: ResponderConfig,
        interval: Duration,
    ) -> Result<Self, String> {
        if opts.event_port.is_some_and(|p| p != opts.port) {
            return Err(
                "generic PTP/IP takes the event connection on the command port: \
                        a separate event port is for the Fujifilm dialect only"
                    .into(),
            );
        }
        let (mut cam, mirror, source) = match &opts.dir {
            Some(dir) => {
                let (cam, mirror) = Mirror::load(dir, opts.writable)?;
                let how = if opts.writable { ", writable" } else { "" };
                (cam, Some(mirror), format!("{}{how}", dir.display()))
            }
            None if opts.writable => {
                return Err("--writable needs a folder to write to: give --dir".into());
            }
            None => (
                VirtualCamera::sample(),
                None,
                "the built-in sample card".to_owned(),
            ),
        };
        cam.set_object_prop_list(opts.object_prop_list);
        let listener = bind(&opts.address, opts.port)?;
        let shared = SharedCamera::new(cam, mirror);
        let objects = shared.objects();
        let watcher = shared.watch(interval);
        let server = serve_logging(
            listener,
            None,
            config,
            move || shared.session(),
            violation_log(),
        )
        .map_err(|e| format!("cannot start the camera: {e}"))?;
        Ok(Self {
            server,
            live_view: None,
            watcher,
            dialect: Dialect::Generic,
            objects,
            source,
        })
    }

    fn start_fuji(opts: &CameraOptions, config: ResponderConfig) -> Result<Self, String> {
        if opts.writable {
            return Err("--writable is for the generic camera's folder (--dir)".into());
        }
        let (body, source) = match &opts.dir {
            Some(dir) => (
                FujiBody::with_card(opts.mode, folder::pictures(dir)?),
                format!("from {}", dir.display()),
            ),
            None => (FujiBody::new(opts.mode), "(samples)".to_owned()),
        };
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
        let live_view = match live.and_then(|l| LiveView::start(l, body.clone())) {
            Ok(lv) => Some(lv),
            Err(e) => {
                eprintln!("ptpip camera: warning: no live view: {e}");
                None
            }
        };
        let objects = body.card_len();
        let sessions = body.clone();
        let server = serve_logging(
            listener,
            Some(events),
            config,
            move || sessions.session(),
            violation_log(),
        )
        .map_err(|e| format!("cannot start the camera: {e}"))?;
        Ok(Self {
            server,
            live_view,
            watcher: None,
            dialect: Dialect::Fuji,
            objects,
            source: format!("{} mode, {objects} pictures {source}", opts.mode),
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
                     (Fujifilm; events on {events}, live view on {live}; {})",
                    self.source
                )
            }
        }
    }

    /// Stops accepting; sessions in progress run to their end.
    fn stop(self) {
        if let Some(lv) = self.live_view {
            lv.stop();
        }
        if let Some(w) = self.watcher {
            w.stop();
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
    stop: Stop,
    /// Wakes the accept when `stop` is set.
    _waker: OnStop,
    accept: JoinHandle<()>,
}

impl LiveView {
    /// Streams to whoever connects to `listener` while `body` has live view on.
    fn start(listener: TcpListener, body: FujiBody) -> Result<Self, String> {
        let setup = |e: io::Error| format!("cannot start live view: {e}");
        let addr = listener.local_addr().map_err(setup)?;
        listener.set_nonblocking(false).map_err(setup)?;
        let stop = Stop::new();
        let waker = stop.wake_accept(&listener).map_err(setup)?;
        let flag = stop.clone();
        let accept = thread::Builder::new()
            .name("ptpip-live-view".into())
            .spawn(move || accept_viewers(&listener, &flag, &body))
            .map_err(setup)?;
        Ok(Self {
            addr,
            stop,
            _waker: waker,
            accept,
        })
    }

    /// Stops accepting; viewers stop within a frame.
    fn stop(self) {
        self.stop.set();
        let _ = self.accept.join();
    }
}

/// Accepts viewers until `stop`, at most [`MAX_VIEWERS`] at once; while no session has live view
/// on, a connection is closed at once.
fn accept_viewers(listener: &TcpListener, stop: &Stop, body: &FujiBody) {
    let viewers = Arc::new(AtomicUsize::new(0));
    while !stop.is_set() {
        let stream = match listener.accept() {
            // The waker's connection, or a viewer that came as live view stops.
            Ok(_) if stop.is_set() => break,
            Ok((s, _)) => s,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => {
                stop.wait(ACCEPT_BACKOFF);
                continue;
            }
        };
        if !body.live_view_on()
            || viewers.load(Ordering::SeqCst) >= MAX_VIEWERS
            || stream.set_nonblocking(false).is_err()
            || stream
                .set_write_timeout(Some(VIEWER_WRITE_TIMEOUT))
                .is_err()
        {
            continue;
        }
        let _ = stream.set_nodelay(true);
        viewers.fetch_add(1, Ordering::SeqCst);
        let (count, stop, body) = (viewers.clone(), stop.clone(), body.clone());
        let spawned = thread::Builder::new()
            .name("ptpip-viewer".into())
            .spawn(move || {
                stream_frames(stream, &stop, &body);
                count.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            viewers.fetch_sub(1, Ordering::SeqCst);
            eprintln!("ptpip camera: warning: cannot start a live-view stream");
        }
    }
}

/// Sends frames every [`FRAME_INTERVAL`] until the viewer leaves, `stop` is set or live view
/// goes off (the remote session ended).
fn stream_frames(mut stream: TcpStream, stop: &Stop, body: &FujiBody) {
    let mut frames = LiveViewGenerator::default();
    let mut buf = Vec::new();
    let mut next = Instant::now();
    while !stop.is_set() && body.live_view_on() {
        buf.clear();
        frames.next_frame().encode(&mut buf);
        if stream.write_all(&buf).is_err() {
            return;
        }
        next += FRAME_INTERVAL;
        let now = Instant::now();
        match next.checked_duration_since(now) {
            Some(wait) => {
                stop.wait(wait);
            }
            // Behind (a slow viewer): start the schedule again from now.
            None => next = now,
        }
    }
}

#[cfg(test)]
mod tests;
