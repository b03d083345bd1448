//! Cameras for the end-to-end tests.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ptpip_protocol::camera::{ObjectContent, VirtualCamera};
use ptpip_protocol::packet::InitFailReason;
use ptpip_protocol::responder::{Reply, Request, Response};
use ptpip_protocol::{Device, DeviceEvent, FriendlyName, Guid};

/// The GUID and name an initiator presented in its Init_Command_Request.
pub type Initiator = (Guid, String);

/// One camera (a [`VirtualCamera`] unless said otherwise) shared by every session of a server,
/// so that what one session changes (a capture, an upload) is seen by the next one and by the
/// test.
pub struct SharedCamera<C = VirtualCamera> {
    camera: Arc<Mutex<C>>,
    initiators: Arc<Mutex<Vec<Initiator>>>,
}

impl<C> Clone for SharedCamera<C> {
    fn clone(&self) -> Self {
        Self {
            camera: self.camera.clone(),
            initiators: self.initiators.clone(),
        }
    }
}

impl<C: Default> Default for SharedCamera<C> {
    fn default() -> Self {
        Self::new(C::default())
    }
}

impl<C> SharedCamera<C> {
    /// Shares `camera`.
    #[must_use]
    pub fn new(camera: C) -> Self {
        Self {
            camera: Arc::new(Mutex::new(camera)),
            initiators: Arc::default(),
        }
    }

    /// The camera, locked.
    pub fn lock(&self) -> MutexGuard<'_, C> {
        self.camera.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every initiator that connected so far.
    #[must_use]
    pub fn initiators(&self) -> Vec<Initiator> {
        self.initiators
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl<C: Device> Device for SharedCamera<C> {
    fn accept(&mut self, guid: Guid, name: &FriendlyName) -> Result<(), InitFailReason> {
        self.initiators
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((guid, name.as_str().to_owned()));
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

/// All of an object's data, read through its content source.
#[must_use]
pub fn content_bytes(content: &ObjectContent) -> Vec<u8> {
    let mut source = content.open();
    let mut out = Vec::new();
    loop {
        let piece = source.next_piece(64 << 10);
        if piece.is_empty() {
            return out;
        }
        out.extend_from_slice(&piece);
    }
}
