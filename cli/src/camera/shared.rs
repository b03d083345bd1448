//! One generic camera for the life of the process, whatever the sessions: a property set in one
//! session keeps its value in the next, an upload or a deletion stays, and the other sessions
//! are told (DevicePropChanged, ObjectAdded for captures; ObjectAdded and ObjectRemoved for
//! the folder's changes go to every session), as a real camera tells its initiator of changes
//! it did not make.
//!
//! The [`VirtualCamera`] lives in a [`World`] behind a mutex; each session's device is a
//! [`SessionDevice`] that runs one operation at a time on it, holding the lock only for that
//! call. A data-out phase is gathered by the session first and handed over whole when it ends,
//! so that a slow upload never holds the lock and two uploads never mix. Each session gets its
//! own event queue.
//!
//! With a folder, a [`Watcher`] thread rescans it on a timer. Why a scan and not the `notify`
//! crate (inotify, FSEvents…): the scan sees every change the same way on every system and
//! file system (inotify sees nothing on network file systems and some container mounts), needs
//! no debouncing logic per platform to tell a complete file from one being copied (two scans
//! that agree are enough), and costs no dependency. Its wait is a blocking
//! [`recv_timeout`](mpsc::Receiver::recv_timeout) on the stop channel, so it wakes only to scan
//! (or to stop at once), and the walk of the folder runs without the lock.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use ptpip_protocol::DeviceEvent;
use ptpip_protocol::camera::{Change, VirtualCamera};
use ptpip_protocol::packet::InitFailReason;
use ptpip_protocol::ptp::codes::{EventCode, OperationCode};
use ptpip_protocol::responder::{Device, DeviceWaker, Reply, Request, Response};
use ptpip_protocol::types::{FriendlyName, Guid, Params, SessionId, TransactionId};

use super::folder;
use super::mirror::Mirror;

/// How often the folder is scanned.
pub(super) const SCAN_INTERVAL: Duration = Duration::from_secs(1);

/// The most events kept for a session that does not take them (the oldest go first).
const QUEUE_MAX: usize = 1024;

/// The camera and who is connected to it.
#[derive(Debug)]
pub(super) struct World {
    cam: VirtualCamera,
    mirror: Option<Mirror>,
    /// Each session's events, by its number.
    queues: HashMap<u32, VecDeque<DeviceEvent>>,
    /// Each session's driver, woken when another session or the folder's scan queues an event
    /// for it (its own events go out after its operation anyway).
    wakers: HashMap<u32, DeviceWaker>,
    next_session: u32,
}

impl World {
    /// Sends `e` to every session but `except`.
    fn broadcast(&mut self, e: DeviceEvent, except: Option<u32>) {
        for (id, q) in &mut self.queues {
            if Some(*id) == except {
                continue;
            }
            if q.len() == QUEUE_MAX {
                q.pop_front();
            }
            q.push_back(e);
            if let Some(w) = self.wakers.get(id) {
                w.wake();
            }
        }
    }

    /// After session `id` ran `request`: its changes to the tree go to the folder, a property it
    /// changed is announced to the other sessions (DevicePropChanged), and the camera's events
    /// go to the sessions (the caller gets them all; the others everything but CaptureComplete,
    /// which concerns the caller's transaction only, and not tied to it).
    fn settle(&mut self, id: u32, request: &Request) {
        let changes = self.cam.take_changes();
        for c in &changes {
            if let Change::PropChanged(code) = c {
                let e = DeviceEvent {
                    code: EventCode::DEVICE_PROP_CHANGED,
                    transaction: TransactionId::RESERVED,
                    params: Params::from_slice(&[u32::from(code.0)]).unwrap_or_default(),
                };
                self.broadcast(e, Some(id));
            }
        }
        if let Some(m) = &mut self.mirror {
            m.follow(&mut self.cam, changes);
        }
        while let Some(e) = self.cam.poll_event() {
            if let Some(q) = self.queues.get_mut(&id) {
                q.push_back(e);
            }
            if e.code != EventCode::CAPTURE_COMPLETE {
                let e = DeviceEvent {
                    transaction: if e.transaction == request.transaction {
                        TransactionId::RESERVED
                    } else {
                        e.transaction
                    },
                    ..e
                };
                self.broadcast(e, Some(id));
            }
        }
    }
}

/// The camera shared by every session of the process.
#[derive(Clone, Debug)]
pub(super) struct SharedCamera(Arc<Mutex<World>>);

impl SharedCamera {
    /// Shares `cam` (and the folder it mirrors, if any).
    pub(super) fn new(mut cam: VirtualCamera, mirror: Option<Mirror>) -> Self {
        cam.record_changes(true);
        Self(Arc::new(Mutex::new(World {
            cam,
            mirror,
            queues: HashMap::new(),
            wakers: HashMap::new(),
            next_session: 1,
        })))
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        // A panic in one session must not take the camera down for the others.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The number of objects (folders included).
    pub(super) fn objects(&self) -> usize {
        self.lock().cam.store().len()
    }

    /// A device for a new session.
    pub(super) fn session(&self) -> SessionDevice {
        let mut w = self.lock();
        let id = w.next_session;
        w.next_session = w.next_session.wrapping_add(1).max(1);
        w.queues.insert(id, VecDeque::new());
        SessionDevice {
            shared: self.clone(),
            id,
            inbox: Vec::new(),
            cap: 0,
        }
    }

    /// Starts rescanning the folder every `interval` (nothing to do without a folder).
    pub(super) fn watch(&self, interval: Duration) -> Option<Watcher> {
        let root = self.lock().mirror.as_ref()?.root().to_path_buf();
        let (stop, stopped) = mpsc::channel();
        let shared = self.clone();
        #[cfg(test)]
        let (scan_root, camera) = (root.clone(), self.clone());
        let thread = thread::Builder::new()
            .name("ptpip-folder".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                    shared.rescan(&root);
                }
            })
            .map_err(|e| eprintln!("ptpip camera: warning: the folder is not watched: {e}"))
            .ok()?;
        Some(Watcher {
            stop,
            thread,
            #[cfg(test)]
            root: scan_root,
            #[cfg(test)]
            camera,
        })
    }

    /// One scan of the folder, applied to the camera; its events to every session.
    pub(super) fn rescan(&self, root: &Path) {
        let found = folder::scan(root);
        let mut w = self.lock();
        let World { cam, mirror, .. } = &mut *w;
        let Some(m) = mirror else { return };
        let events = m.apply(cam, found, true);
        for e in events {
            w.broadcast(e, None);
        }
    }
}

/// The thread that rescans the folder; stops when dropped.
pub(super) struct Watcher {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
    /// For tests, which scan when they choose.
    #[cfg(test)]
    root: std::path::PathBuf,
    #[cfg(test)]
    camera: SharedCamera,
}

impl Watcher {
    /// Scans now, without waiting for the timer.
    #[cfg(test)]
    pub(super) fn scan_now(&self) {
        self.camera.rescan(&self.root);
    }

    /// Stops scanning (at once: the wait ends on the message).
    pub(super) fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }
}

/// One session's view of the [`SharedCamera`].
pub(super) struct SessionDevice {
    shared: SharedCamera,
    id: u32,
    /// The data-out phase being received, handed to the camera whole when it ends.
    inbox: Vec<u8>,
    /// The most bytes of it kept: one more than the camera takes, so that too much still shows.
    cap: usize,
}

impl SessionDevice {
    /// `request` as this session's own: the camera tells uploads apart by session, and every
    /// session's initiator may have opened session 1.
    fn own(&self, request: &Request) -> Request {
        Request {
            session: request.session.map(|_| SessionId(self.id)),
            ..*request
        }
    }
}

/// Whether `code` has a data-out phase on the virtual camera.
fn sends_data(code: OperationCode) -> bool {
    matches!(
        code,
        OperationCode::SEND_OBJECT_INFO
            | OperationCode::SEND_OBJECT
            | OperationCode::SET_DEVICE_PROP_VALUE
    )
}

impl Device for SessionDevice {
    fn accept(&mut self, guid: Guid, name: &FriendlyName) -> Result<(), InitFailReason> {
        self.shared.lock().cam.accept(guid, name)
    }

    fn operation(&mut self, request: &Request) -> Reply {
        let request = self.own(request);
        let mut w = self.shared.lock();
        if sends_data(request.code) {
            // The camera only gets ready to receive for these: it is asked again, with the data,
            // when the phase ends.
            self.inbox.clear();
            self.cap = usize::try_from(w.cam.max_object_len())
                .unwrap_or(usize::MAX)
                .saturating_add(1);
            return Reply::ReceiveData;
        }
        let reply = w.cam.operation(&request);
        w.settle(self.id, &request);
        reply
    }

    fn data_out(&mut self, _request: &Request, piece: &[u8]) {
        let room = self.cap.saturating_sub(self.inbox.len());
        self.inbox
            .extend_from_slice(&piece[..piece.len().min(room)]);
    }

    fn data_out_done(&mut self, request: &Request, len: u64) -> Response {
        let request = self.own(request);
        let data = std::mem::take(&mut self.inbox);
        let mut w = self.shared.lock();
        let _ready = w.cam.operation(&request);
        w.cam.data_out(&request, &data);
        let response = w.cam.data_out_done(&request, len);
        w.settle(self.id, &request);
        response
    }

    fn cancelled(&mut self, _request: &Request) {
        self.inbox = Vec::new();
    }

    fn poll_event(&mut self) -> Option<DeviceEvent> {
        self.shared.lock().queues.get_mut(&self.id)?.pop_front()
    }

    fn set_waker(&mut self, waker: DeviceWaker) {
        self.shared.lock().wakers.insert(self.id, waker);
    }
}

impl Drop for SessionDevice {
    fn drop(&mut self) {
        let mut w = self.shared.lock();
        w.queues.remove(&self.id);
        w.wakers.remove(&self.id);
    }
}
