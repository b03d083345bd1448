//! [`VirtualCamera`]: a generic PTP camera with storages, a folder tree, properties and capture.

use std::collections::VecDeque;

use super::props::{exposure_thirds, is_ptp_datetime};
use super::sample::{self, SAMPLE_HEIGHT, SAMPLE_WIDTH, THUMB_HEIGHT, THUMB_WIDTH};
use super::store::Thumbnail;
use super::{
    AccessPolicy, CameraError, CameraModel, Inbox, Object, ObjectContent, ObjectStore, Parent,
    PropTable, data_reply, param, prop_param, respond,
};
use crate::Encode;
use crate::initiator::DeviceEvent;
use crate::packet::InitFailReason;
use crate::ptp::codes::{
    DevicePropCode, EventCode, FunctionalMode, ObjectFormatCode, OperationCode, ProtectionStatus,
    ResponseCode, VendorExtensionId,
};
use crate::ptp::dataset::{DeviceInfo, ObjectHandle, PropForm, StorageId};
use crate::ptp::string::PtpString;
use crate::ptp::value::PropValue;
use crate::responder::{Device, DeviceWaker, Reply, Request, Response};
use crate::types::{FriendlyName, Guid, Params};

mod upload;

use upload::PendingObject;

/// The operations [`VirtualCamera`] answers (OpenSession and CloseSession through the responder).
const OPERATIONS: &[OperationCode] = &[
    OperationCode::GET_DEVICE_INFO,
    OperationCode::OPEN_SESSION,
    OperationCode::CLOSE_SESSION,
    OperationCode::GET_STORAGE_IDS,
    OperationCode::GET_STORAGE_INFO,
    OperationCode::GET_NUM_OBJECTS,
    OperationCode::GET_OBJECT_HANDLES,
    OperationCode::GET_OBJECT_INFO,
    OperationCode::GET_OBJECT,
    OperationCode::GET_THUMB,
    OperationCode::DELETE_OBJECT,
    OperationCode::SEND_OBJECT_INFO,
    OperationCode::SEND_OBJECT,
    OperationCode::INITIATE_CAPTURE,
    OperationCode::GET_DEVICE_PROP_DESC,
    OperationCode::GET_DEVICE_PROP_VALUE,
    OperationCode::SET_DEVICE_PROP_VALUE,
    OperationCode::RESET_DEVICE_PROP_VALUE,
    OperationCode::GET_PARTIAL_OBJECT,
];

/// The events [`VirtualCamera`] sends: ObjectAdded and CaptureComplete after a capture; and for
/// a host that changes the camera behind the initiator's back ([`VirtualCamera::push_event`]):
/// ObjectAdded, ObjectRemoved, and DevicePropChanged when another session set a value
/// ([`Change::PropChanged`]). Injected events may be anything.
const EVENTS: &[EventCode] = &[
    EventCode::OBJECT_ADDED,
    EventCode::OBJECT_REMOVED,
    EventCode::DEVICE_PROP_CHANGED,
    EventCode::CAPTURE_COMPLETE,
];

/// The formats DeviceInfo lists as storable; SendObjectInfo accepts any format.
const IMAGE_FORMATS: &[ObjectFormatCode] = &[
    ObjectFormatCode::ASSOCIATION,
    ObjectFormatCode::UNDEFINED,
    ObjectFormatCode::TEXT,
    ObjectFormatCode::EXIF_JPEG,
    ObjectFormatCode::JFIF,
];

/// The factory DateTime, before any SetDevicePropValue (the crate has no clock).
const DEFAULT_DATE_TIME: &str = "20240101T120000";

/// A generic PTP camera; see the [module docs](super).
///
/// ```
/// use ptpip_protocol::camera::{ObjectContent, VirtualCamera};
/// use ptpip_protocol::ptp::codes::ObjectFormatCode;
///
/// let mut cam = VirtualCamera::new();
/// let card = cam.add_storage("SD", 1 << 30).unwrap();
/// let dcim = cam.add_folder(card, "DCIM").unwrap();
/// let text = ObjectContent::from(&b"hello"[..]);
/// let h = cam.add_object(dcim, "README.TXT", ObjectFormatCode::TEXT, text).unwrap();
/// assert_eq!(cam.store().object(h).unwrap().parent, dcim);
/// ```
#[derive(Debug)]
pub struct VirtualCamera {
    store: ObjectStore,
    props: PropTable,
    policy: AccessPolicy,
    events: VecDeque<DeviceEvent>,
    /// The driver's waker, called when an event is pushed from outside an operation.
    waker: Option<DeviceWaker>,
    inbox: Inbox,
    pending: Option<PendingObject>,
    capture_folder: Option<ObjectHandle>,
    captures: u32,
    max_object_len: u64,
    model: PtpString,
    serial_number: PtpString,
    /// GetObjectPropList (MTP 0x9805) is offered ([`Self::set_object_prop_list`]).
    object_prop_list: bool,
    /// The changes to the object tree since the host last took them, when it asked for them.
    journal: Option<Vec<Change>>,
}

/// A change an initiator made to the camera (or a capture did), for a host that mirrors the
/// object tree elsewhere, such as a folder on disk, or serves several sessions and tells the
/// others ([`VirtualCamera::record_changes`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// A new object: SendObject completed, SendObjectInfo made a folder, or a capture.
    Added(ObjectHandle),
    /// DeleteObject removed these objects (a folder and everything in it, the folder first).
    Removed(Vec<ObjectHandle>),
    /// SetDevicePropValue or ResetDevicePropValue changed this property's value. The camera
    /// sends no DevicePropChanged for it: the initiator knows what it set (ISO 15740 sends the
    /// event for changes from elsewhere); a host serving several sessions tells the others.
    PropChanged(DevicePropCode),
}

impl Default for VirtualCamera {
    fn default() -> Self {
        Self::new()
    }
}

/// Rejected initiators get [`InitFailReason::REJECTED_INITIATOR`] unless the policy says otherwise.
impl CameraModel for VirtualCamera {
    fn policy_mut(&mut self) -> &mut AccessPolicy {
        &mut self.policy
    }

    fn with_props<T>(&self, f: impl FnOnce(&PropTable) -> T) -> T {
        f(&self.props)
    }

    fn with_props_mut<T>(&mut self, f: impl FnOnce(&mut PropTable) -> T) -> T {
        f(&mut self.props)
    }
}

impl VirtualCamera {
    /// The default cap on an object sent with SendObject: 64 MiB, all held in memory.
    pub const DEFAULT_MAX_OBJECT_LEN: u64 = 64 << 20;

    /// A camera with no storages and the default properties.
    #[must_use]
    pub fn new() -> Self {
        Self {
            store: ObjectStore::new(),
            props: default_props(),
            policy: AccessPolicy::default(),
            events: VecDeque::new(),
            waker: None,
            inbox: Inbox::default(),
            pending: None,
            capture_folder: None,
            captures: 0,
            max_object_len: Self::DEFAULT_MAX_OBJECT_LEN,
            model: PtpString::new("ptpip virtual camera").unwrap_or_default(),
            serial_number: PtpString::new("0000000000000001").unwrap_or_default(),
            object_prop_list: false,
            journal: None,
        }
    }

    /// A camera with one 1 GiB card holding `DCIM/100PTPIP/IMG_0001.JPG` to `IMG_0003.JPG`
    /// (generated 640×480 JPEGs with 160×120 thumbnails, see [`sample`]); captures go to
    /// `100PTPIP`.
    #[must_use]
    pub fn sample() -> Self {
        let mut cam = Self::new();
        let built = (|| -> Result<(), CameraError> {
            let card = cam.add_storage("SD1", 1 << 30)?;
            let dcim = cam.add_folder(card, "DCIM")?;
            let folder = cam.add_folder(dcim, "100PTPIP")?;
            for n in 1..=3 {
                cam.add_sample_image(folder, &format!("IMG_{n:04}.JPG"), n)?;
            }
            cam.capture_folder = Some(folder);
            Ok(())
        })();
        debug_assert!(built.is_ok(), "the sample layout is valid: {built:?}");
        cam
    }

    /// Adds a store (see [`ObjectStore::add_storage`]).
    pub fn add_storage(
        &mut self,
        description: &str,
        capacity: u64,
    ) -> Result<StorageId, CameraError> {
        self.store.add_storage(description, capacity)
    }

    /// Adds a folder.
    pub fn add_folder(
        &mut self,
        parent: impl Into<Parent>,
        name: &str,
    ) -> Result<ObjectHandle, CameraError> {
        self.store.add(
            parent.into(),
            name,
            ObjectFormatCode::ASSOCIATION,
            ObjectContent::EMPTY,
        )
    }

    /// Adds an object. Images (formats 0x38xx) get a generated placeholder thumbnail, which
    /// [`ObjectStore::object_mut`] can replace.
    pub fn add_object(
        &mut self,
        parent: impl Into<Parent>,
        name: &str,
        format: ObjectFormatCode,
        content: impl Into<ObjectContent>,
    ) -> Result<ObjectHandle, CameraError> {
        let h = self
            .store
            .add(parent.into(), name, format, content.into())?;
        if format.is_image()
            && let Some(o) = self.store.object_mut(h)
        {
            o.thumbnail = Some(generated_thumbnail(h.0));
        }
        Ok(h)
    }

    /// Adds the generated sample image for `seed` (its thumbnail is the same picture, smaller).
    pub fn add_sample_image(
        &mut self,
        parent: impl Into<Parent>,
        name: &str,
        seed: u32,
    ) -> Result<ObjectHandle, CameraError> {
        let content = ObjectContent::Bytes(sample::sample_image(seed));
        let h = self
            .store
            .add(parent.into(), name, ObjectFormatCode::EXIF_JPEG, content)?;
        let date = self.date_time();
        if let Some(o) = self.store.object_mut(h) {
            o.thumbnail = Some(generated_thumbnail(seed));
            o.image_size = (u32::from(SAMPLE_WIDTH), u32::from(SAMPLE_HEIGHT));
            o.bit_depth = 24;
            o.capture_date = date.clone();
            o.modification_date = date;
        }
        Ok(h)
    }

    /// The storages and objects.
    #[must_use]
    pub const fn store(&self) -> &ObjectStore {
        &self.store
    }

    /// The storages and objects, mutably.
    pub const fn store_mut(&mut self) -> &mut ObjectStore {
        &mut self.store
    }

    /// Queues a device event, sent on the event connection at once: the driver is woken (see
    /// [`DeviceWaker`]).
    pub fn push_event(&mut self, event: DeviceEvent) {
        self.events.push_back(event);
        if let Some(w) = &self.waker {
            w.wake();
        }
    }

    /// Where InitiateCapture puts new pictures (`None`: the top level of the first store).
    pub const fn set_capture_folder(&mut self, folder: Option<ObjectHandle>) {
        self.capture_folder = folder;
    }

    /// The most bytes SendObject may deliver (default [`Self::DEFAULT_MAX_OBJECT_LEN`]).
    pub const fn set_max_object_len(&mut self, len: u64) {
        self.max_object_len = len;
    }

    /// Offers GetObjectPropList (MTP 0x9805, a whole card's listing in one round trip; see
    /// [`ObjectStore::object_prop_list`]) in DeviceInfo and answers it, or not (the default, as
    /// most cameras).
    pub const fn set_object_prop_list(&mut self, on: bool) {
        self.object_prop_list = on;
    }

    /// The most bytes SendObject may deliver.
    #[must_use]
    pub const fn max_object_len(&self) -> u64 {
        self.max_object_len
    }

    /// Starts (or stops) keeping the changes initiators make (objects, property values), for
    /// [`take_changes`](Self::take_changes). Off by default, so that nothing piles up.
    pub fn record_changes(&mut self, on: bool) {
        self.journal = on.then(Vec::new);
    }

    /// The changes since the last call, oldest first (none unless
    /// [`record_changes`](Self::record_changes) is on).
    pub fn take_changes(&mut self) -> Vec<Change> {
        self.journal
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    fn record(&mut self, change: Change) {
        if let Some(j) = &mut self.journal {
            j.push(change);
        }
    }

    /// The DeviceInfo: exactly the operations, events and properties this camera supports.
    #[must_use]
    pub fn device_info(&self) -> DeviceInfo {
        DeviceInfo {
            standard_version: 100,
            vendor_extension_id: VendorExtensionId(0),
            vendor_extension_version: 0,
            vendor_extension_desc: PtpString::empty(),
            functional_mode: FunctionalMode::STANDARD_MODE,
            operations_supported: OPERATIONS
                .iter()
                .copied()
                .chain(
                    self.object_prop_list
                        .then_some(OperationCode::GET_OBJECT_PROP_LIST),
                )
                .collect(),
            events_supported: EVENTS.to_vec(),
            device_properties_supported: self.props.codes(),
            capture_formats: vec![ObjectFormatCode::EXIF_JPEG],
            image_formats: IMAGE_FORMATS.to_vec(),
            manufacturer: PtpString::new("ptpip").unwrap_or_default(),
            model: self.model.clone(),
            device_version: PtpString::new(env!("CARGO_PKG_VERSION")).unwrap_or_default(),
            serial_number: self.serial_number.clone(),
        }
    }

    /// The DateTime property's text, for the dates of new objects.
    fn date_time(&self) -> PtpString {
        match self.props.value(DevicePropCode::DATE_TIME) {
            Some(PropValue::Str(s)) => s.clone(),
            _ => PtpString::empty(),
        }
    }

    fn object(&self, request: &Request) -> Result<&Object, ResponseCode> {
        self.store
            .object(ObjectHandle(param(request, 1)))
            .ok_or(ResponseCode::INVALID_OBJECT_HANDLE)
    }

    fn get_object(&self, request: &Request, partial: bool) -> Result<Reply, ResponseCode> {
        let o = self.object(request)?;
        if !partial {
            return Ok(Reply::Data {
                source: o.content.open(),
                response: Response::OK,
            });
        }
        let (offset, max) = (u64::from(param(request, 2)), u64::from(param(request, 3)));
        let len = o.content.len();
        if offset > len {
            return Err(ResponseCode::INVALID_PARAMETER);
        }
        let n = max.min(len - offset);
        Ok(Reply::Data {
            source: o.content.open_range(offset, n),
            // `n` is at most `max`, a u32.
            response: Response::with_params(ResponseCode::OK, &[n as u32]),
        })
    }

    /// Whether an object and everything inside it may be deleted: none protected, all on stores
    /// that allow deletion.
    fn deletable(&self, handle: ObjectHandle) -> bool {
        self.store.subtree(handle).iter().all(|h| {
            self.store.object(*h).is_some_and(|o| {
                o.protection == ProtectionStatus::NO_PROTECTION
                    && self
                        .store
                        .storage(o.storage)
                        .is_some_and(|s| s.allows_deletion())
            })
        })
    }

    /// Records [`Change::PropChanged`] for every property whose value differs from `before`'s.
    fn announce_prop_changes(&mut self, before: &PropTable) {
        for code in self.props.codes() {
            if self.props.value(code) != before.value(code) {
                self.record(Change::PropChanged(code));
            }
        }
    }

    /// DeleteObject: one object (a folder with its contents), or with 0xFFFFFFFF every object of
    /// the format in parameter 2 (0: all), skipping what may not be deleted.
    fn delete(&mut self, request: &Request) -> ResponseCode {
        let (target, format) = (param(request, 1), param(request, 2));
        if target != ObjectStore::ALL {
            let o = match self.object(request) {
                Ok(o) => o,
                Err(code) => return code,
            };
            let handle = o.handle;
            if !self
                .store
                .storage(o.storage)
                .is_some_and(|s| s.allows_deletion())
            {
                return ResponseCode::STORE_READ_ONLY;
            }
            if !self.deletable(handle) {
                return ResponseCode::OBJECT_WRITE_PROTECTED;
            }
            let removed = self.store.remove(handle);
            self.record(Change::Removed(removed));
            self.drop_orphaned_pending();
            return ResponseCode::OK;
        }
        let victims: Vec<ObjectHandle> = self
            .store
            .objects()
            .filter(|o| format == 0 || u32::from(o.format.0) == format)
            .map(|o| o.handle)
            .collect();
        let mut partial = false;
        for h in victims {
            // A folder removed earlier took this object with it.
            if self.store.object(h).is_none() {
                continue;
            }
            if self.deletable(h) {
                let removed = self.store.remove(h);
                self.record(Change::Removed(removed));
            } else {
                partial = true;
            }
        }
        self.drop_orphaned_pending();
        if partial {
            ResponseCode::PARTIAL_DELETION
        } else {
            ResponseCode::OK
        }
    }

    /// Forgets an announced object whose folder has gone.
    fn drop_orphaned_pending(&mut self) {
        if let Some(p) = &self.pending
            && p.object.parent != ObjectHandle::NONE
            && self.store.object(p.object.parent).is_none()
        {
            self.pending = None;
        }
    }

    fn capture(&mut self, request: &Request) -> Result<Vec<DeviceEvent>, ResponseCode> {
        let (storage, format) = (param(request, 1), param(request, 2));
        let format = match format {
            0 => ObjectFormatCode::EXIF_JPEG,
            f if f == u32::from(ObjectFormatCode::EXIF_JPEG.0) => ObjectFormatCode::EXIF_JPEG,
            _ => return Err(ResponseCode::INVALID_OBJECT_FORMAT_CODE),
        };
        let folder = self
            .capture_folder
            .and_then(|h| self.store.object(h))
            .map(|o| (o.storage, o.handle));
        let parent = match (storage, folder) {
            (0, Some((_, h))) => Parent::Folder(h),
            (0, None) => Parent::Root(
                self.store
                    .storages()
                    .first()
                    .ok_or(ResponseCode::STORE_NOT_AVAILABLE)?
                    .id,
            ),
            (s, Some((fs, h))) if fs.0 == s => Parent::Folder(h),
            (s, _) => Parent::Root(StorageId(s)),
        };
        let (storage, _) = self
            .store
            .resolve(parent)
            .map_err(|_| ResponseCode::INVALID_STORAGE_ID)?;
        if !self.store.storage(storage).is_some_and(|s| s.is_writable()) {
            return Err(ResponseCode::STORE_READ_ONLY);
        }
        let seed = 100 + self.captures;
        let handle = self
            .store
            .allocate()
            .map_err(|_| ResponseCode::STORE_FULL)?;
        let name = format!("CAP_{:04}.JPG", self.captures + 1);
        let content = ObjectContent::Bytes(sample::sample_image(seed));
        let mut object = self
            .store
            .prepare(handle, parent, &name, format, content)
            .map_err(|_| ResponseCode::STORE_FULL)?;
        object.thumbnail = Some(generated_thumbnail(seed));
        object.image_size = (u32::from(SAMPLE_WIDTH), u32::from(SAMPLE_HEIGHT));
        object.bit_depth = 24;
        object.capture_date = self.date_time();
        object.modification_date = self.date_time();
        self.store.insert(object);
        self.record(Change::Added(handle));
        self.captures += 1;
        let tid = request.transaction;
        Ok(vec![
            DeviceEvent {
                code: EventCode::OBJECT_ADDED,
                transaction: tid,
                params: Params::from_slice(&[handle.0]).unwrap_or_default(),
            },
            DeviceEvent {
                code: EventCode::CAPTURE_COMPLETE,
                transaction: tid,
                params: Params::from_slice(&[tid.0]).unwrap_or_default(),
            },
        ])
    }
}

/// A generated thumbnail for `seed`.
fn generated_thumbnail(seed: u32) -> Thumbnail {
    Thumbnail {
        jpeg: sample::thumbnail(seed),
        width: u32::from(THUMB_WIDTH),
        height: u32::from(THUMB_HEIGHT),
    }
}

/// The properties of a new camera.
fn default_props() -> PropTable {
    let mut t = PropTable::new();
    t.describe(
        DevicePropCode::BATTERY_LEVEL,
        false,
        PropValue::UInt8(100),
        PropValue::UInt8(75),
        PropForm::Range {
            min: PropValue::UInt8(0),
            max: PropValue::UInt8(100),
            step: PropValue::UInt8(1),
        },
    );
    // 1 manual, 2 automatic, 3 one-push automatic, 4 daylight, 5 fluorescent, 6 tungsten, 7 flash.
    t.describe(
        DevicePropCode::WHITE_BALANCE,
        true,
        PropValue::UInt16(2),
        PropValue::UInt16(2),
        PropForm::Enumeration {
            values: (1..=7).map(PropValue::UInt16).collect(),
        },
    );
    // ±3 EV in thirds, in thousandths of a stop, as Fujifilm bodies list it.
    t.describe(
        DevicePropCode::EXPOSURE_BIAS_COMPENSATION,
        true,
        PropValue::Int16(0),
        PropValue::Int16(0),
        PropForm::Enumeration {
            values: exposure_thirds(),
        },
    );
    t.describe(
        DevicePropCode::EXPOSURE_INDEX,
        true,
        PropValue::UInt16(200),
        PropValue::UInt16(200),
        PropForm::Enumeration {
            values: [100, 200, 400, 800, 1600, 3200, 6400]
                .into_iter()
                .map(PropValue::UInt16)
                .collect(),
        },
    );
    let date = PropValue::Str(PtpString::new(DEFAULT_DATE_TIME).unwrap_or_default());
    t.describe(
        DevicePropCode::DATE_TIME,
        true,
        date.clone(),
        date,
        PropForm::None,
    );
    if let Some(p) = t.get_mut(DevicePropCode::DATE_TIME) {
        p.check = Some(is_ptp_datetime);
    }
    t
}

impl Device for VirtualCamera {
    fn accept(&mut self, guid: Guid, _name: &FriendlyName) -> Result<(), InitFailReason> {
        self.policy.check(guid)
    }

    fn operation(&mut self, request: &Request) -> Reply {
        let result = match request.code {
            OperationCode::GET_DEVICE_INFO => Ok(data_reply(self.device_info().to_bytes())),
            OperationCode::GET_STORAGE_IDS => {
                let ids: Vec<StorageId> = self.store.storages().iter().map(|s| s.id).collect();
                Ok(data_reply(StorageId::array_to_bytes(&ids)))
            }
            OperationCode::GET_STORAGE_INFO => self
                .store
                .storage_info(StorageId(param(request, 1)))
                .map(|i| data_reply(i.to_bytes()))
                .ok_or(ResponseCode::INVALID_STORAGE_ID),
            OperationCode::GET_NUM_OBJECTS | OperationCode::GET_OBJECT_HANDLES => self
                .store
                .select(param(request, 1), param(request, 2), param(request, 3))
                .map(|handles| {
                    if request.code == OperationCode::GET_OBJECT_HANDLES {
                        data_reply(ObjectHandle::array_to_bytes(&handles))
                    } else {
                        let n = u32::try_from(handles.len()).unwrap_or(u32::MAX);
                        Reply::Respond(Response::with_params(ResponseCode::OK, &[n]))
                    }
                }),
            OperationCode::GET_OBJECT_INFO => self
                .object(request)
                .map(|o| data_reply(o.info().to_bytes())),
            OperationCode::GET_OBJECT_PROP_LIST if self.object_prop_list => {
                let p = |n| param(request, n);
                self.store
                    .object_prop_list(p(1), p(2), p(3), p(4), p(5))
                    .map(|l| data_reply(l.to_bytes()))
            }
            OperationCode::GET_OBJECT => self.get_object(request, false),
            OperationCode::GET_PARTIAL_OBJECT => self.get_object(request, true),
            OperationCode::GET_THUMB => self.object(request).and_then(|o| {
                o.thumbnail
                    .as_ref()
                    .map(|t| data_reply(t.jpeg.clone()))
                    .ok_or(ResponseCode::NO_THUMBNAIL_PRESENT)
            }),
            OperationCode::DELETE_OBJECT => Ok(respond(self.delete(request))),
            OperationCode::SEND_OBJECT_INFO | OperationCode::SET_DEVICE_PROP_VALUE => {
                self.inbox.reset(Inbox::DATASET_CAP);
                Ok(Reply::ReceiveData)
            }
            OperationCode::SEND_OBJECT => {
                let cap = self
                    .pending
                    .as_ref()
                    .filter(|p| p.session == request.session)
                    .map_or(0, |p| p.len);
                // The announced length was checked against the cap, so it fits in memory.
                self.inbox.reset(usize::try_from(cap).unwrap_or(0));
                Ok(Reply::ReceiveData)
            }
            OperationCode::INITIATE_CAPTURE => self.capture(request).map(|events| {
                self.events.extend(events);
                Reply::Respond(Response::OK)
            }),
            OperationCode::GET_DEVICE_PROP_DESC => prop_param(request)
                .and_then(|c| self.props.desc(c))
                .map(|d| data_reply(d.to_bytes()))
                .ok_or(ResponseCode::DEVICE_PROP_NOT_SUPPORTED),
            OperationCode::GET_DEVICE_PROP_VALUE => prop_param(request)
                .and_then(|c| self.props.value(c))
                .map(|v| data_reply(v.to_bytes()))
                .ok_or(ResponseCode::DEVICE_PROP_NOT_SUPPORTED),
            OperationCode::RESET_DEVICE_PROP_VALUE => {
                let before = self.journal.is_some().then(|| self.props.clone());
                let code = self
                    .props
                    .reset(param(request, 1))
                    .map_or_else(|e| e, |()| ResponseCode::OK);
                if let Some(b) = before {
                    self.announce_prop_changes(&b);
                }
                Ok(respond(code))
            }
            _ => Err(ResponseCode::OPERATION_NOT_SUPPORTED),
        };
        result.unwrap_or_else(respond)
    }

    fn data_out(&mut self, _request: &Request, piece: &[u8]) {
        self.inbox.push(piece);
    }

    fn data_out_done(&mut self, request: &Request, _len: u64) -> Response {
        let data = self.inbox.take();
        let code = match request.code {
            OperationCode::SET_DEVICE_PROP_VALUE => match (prop_param(request), data) {
                (None, _) => ResponseCode::DEVICE_PROP_NOT_SUPPORTED,
                (Some(_), None) => ResponseCode::INVALID_DEVICE_PROP_FORMAT,
                (Some(code), Some(d)) => {
                    let before = self.journal.is_some().then(|| self.props.clone());
                    let verdict = self
                        .props
                        .set_from_wire(code, &d, false)
                        .map_or_else(|e| e, |()| ResponseCode::OK);
                    if let Some(b) = before {
                        self.announce_prop_changes(&b);
                    }
                    verdict
                }
            },
            OperationCode::SEND_OBJECT_INFO => {
                let Some(d) = data else {
                    return Response::code(ResponseCode::PTP_INVALID_DATASET);
                };
                return self
                    .send_object_info(request, &d)
                    .unwrap_or_else(Response::code);
            }
            OperationCode::SEND_OBJECT => self.send_object(request, data),
            _ => ResponseCode::GENERAL_ERROR,
        };
        Response::code(code)
    }

    fn cancelled(&mut self, _request: &Request) {
        // Drop what a cancelled data-out phase had gathered; an announced object stays announced.
        self.inbox.reset(0);
    }

    fn poll_event(&mut self) -> Option<DeviceEvent> {
        self.events.pop_front()
    }

    fn set_waker(&mut self, waker: DeviceWaker) {
        self.waker = Some(waker);
    }
}
