//! [`FujiCamera`], a session with a virtual Fujifilm X body ([`FujiBody`]), and
//! [`LiveViewGenerator`] for its live-view port.

mod body;
mod browse;
mod liveview;
mod props;
mod remote;

use std::collections::VecDeque;

use bytes::Bytes;

pub use body::{CARD_STORAGE, FujiBody, FujiPersonality};
pub use liveview::LiveViewGenerator;
pub use props::FUJI_APP_VERSION;

use super::{AccessPolicy, CameraModel, Inbox, PropTable, data_reply, prop_param, respond};
use crate::Encode;
use crate::fuji::lists::{CurrentStateList, DevicePropDescList, StateEntry};
use crate::fuji::{CameraState, ConnectionMode, GeoTag};
use crate::initiator::DeviceEvent;
use crate::packet::InitFailReason;
use crate::ptp::codes::{
    DevicePropCode, EventCode, FunctionalMode, ObjectFormatCode, OperationCode, ResponseCode,
    VendorExtensionId,
};
use crate::ptp::dataset::DeviceInfo;
use crate::ptp::string::PtpString;
use crate::ptp::value::PropValue;
use crate::responder::{Device, DeviceWaker, Reply, Request, Response};
use crate::types::{FriendlyName, Guid};

/// The operations [`FujiCamera`] answers (OpenSession and CloseSession through the responder).
const OPERATIONS: &[OperationCode] = &[
    OperationCode::GET_DEVICE_INFO,
    OperationCode::OPEN_SESSION,
    OperationCode::CLOSE_SESSION,
    OperationCode::GET_STORAGE_IDS,
    OperationCode::GET_OBJECT_HANDLES,
    OperationCode::GET_OBJECT_INFO,
    OperationCode::GET_OBJECT,
    OperationCode::GET_THUMB,
    OperationCode::INITIATE_CAPTURE,
    OperationCode::GET_DEVICE_PROP_DESC,
    OperationCode::GET_DEVICE_PROP_VALUE,
    OperationCode::SET_DEVICE_PROP_VALUE,
    OperationCode::TERMINATE_OPEN_CAPTURE,
    OperationCode::GET_PARTIAL_OBJECT,
    OperationCode::INITIATE_OPEN_CAPTURE,
    OperationCode::FUJI_START_MOVIE_RECORD,
    OperationCode::FUJI_STOP_MOVIE_RECORD,
    OperationCode::FUJI_GET_CAPTURE_PREVIEW,
    OperationCode::FUJI_SET_FOCUS_POINT,
    OperationCode::FUJI_RESET_FOCUS_POINT,
    OperationCode::FUJI_GET_DEVICE_PROP_DESC_LIST,
    OperationCode::FUJI_SET_SHUTTER_SPEED,
    OperationCode::FUJI_SET_APERTURE,
    OperationCode::FUJI_SET_EXPOSURE_COMPENSATION,
];

/// The events [`FujiCamera`] sends.
const EVENTS: &[EventCode] = &[
    EventCode::OBJECT_ADDED,
    EventCode::CAPTURE_COMPLETE,
    EventCode::FUJI_PREVIEW_AVAILABLE,
    EventCode::FUJI_OBJECT_ADDED,
];

/// The most events kept for a session without an event connection.
const MAX_EVENTS: usize = 256;

/// The 0xDF01 values that browse the card.
const BROWSE_MODES: &[ConnectionMode] = &[
    ConnectionMode::VIEW_MULTIPLE_TRANSFER,
    ConnectionMode::BROWSE,
    ConnectionMode::MULTIPLE_TRANSFER_REQUEST,
    ConnectionMode::REMOTE_GALLERY,
];

/// One connection's session with a [`FujiBody`]: a Fujifilm X body over Wi-Fi, modelled on the
/// X-T1 dumps, in the Wi-Fi function its user chose ([`FujiPersonality`]).
///
/// What a session does, by the mode its client writes to 0xDF01 and the body's personality:
///
/// | | remote (5) | browse (2, 11), receive (1, 8) | geotag (10) |
/// |---|---|---|---|
/// | remote body | capture with preview, exposure steps, focus point, movies, live view | the card | 0xD500 |
/// | browse body | refused (AccessDenied) | the card | 0xD500 |
/// | receive body | refused | the chosen pictures, one by one at handle 1 | 0xD500 |
/// | no-remote body (X-A2) | accepted, but 0xDF24 has no value and InitiateOpenCapture is not supported: the client degrades to browsing | the card | 0xD500 |
///
/// - The set-up properties answer as an X-T1's do; the version properties (0xDF21–0xDF31) keep
///   what clients write. 0x902B returns the X-T1's eight descriptions; every property in the
///   state list answers GetDevicePropValue and GetDevicePropDesc.
/// - 0xD212 returns, in remote mode, the X-T1's seventeen entries plus shutter speed (0xD240) and
///   F-number (0x5007), the X-T4's; in the other modes only what changed since the last read
///   (camera state, transfer request, picture count), as the bodies' logs show. Property changes
///   are reported there, never pushed as events (real bodies have no DevicePropChanged).
/// - Capture: InitiateCapture, events 0xC004 then 0xC001 (whose third parameter, the word at
///   offset 20, is the preview's size), 0x9022 for the preview, then 0x400D.
/// - Exposure: 0x902C (shutter speed, 30 s to 1/4000), 0x902D (aperture, f/2 to f/16) and 0x902E
///   (bias, ±3) move a third of a stop up (1: faster, narrower, brighter) or down (0); at the end
///   of a range nothing changes and the answer is still OK, as on the bodies, and 0xD028 says
///   which control is pinned. Focus point (0x9026, x and y 1–7, in AF-S) locks the focus
///   (0xD209); 0x9027 unlocks it. Movies: 0x9020 starts (0xD019 must be 1), 0x9021 with the
///   start's transaction stops.
/// - Browsing: handles 1 to N (0xD222); ObjectInfo reports a placeholder size (0x19000) unless
///   0xD227 is 1, and 0xD226 = 1 serves a small recompressed copy; GetPartialObject answers with
///   the bytes sent; GetThumb; ObjectAdded (0x4002) when a picture is added to the card.
/// - Settings, the card, a movie and the last position live in the [`FujiBody`], for as long as
///   the body does: a server gives every connection a session of the same body.
///
/// Where the sources say nothing, the model chooses and says so: AccessDenied for a refused mode,
/// a focus point outside AF-S, and a position outside geotag mode.
#[derive(Debug)]
pub struct FujiCamera {
    body: FujiBody,
    /// This session's number.
    id: u64,
    policy: AccessPolicy,
    events: VecDeque<DeviceEvent>,
    /// The driver's waker, called when an event is pushed from outside an operation.
    waker: Option<DeviceWaker>,
    inbox: Inbox,
    capture: Option<remote::Capture>,
    /// What the client wrote to 0xDF01.
    mode: Option<ConnectionMode>,
    /// InitiateOpenCapture done (and counted in the body for live view).
    open_capture: bool,
    /// 0xD227: report and send true sizes.
    true_size: bool,
    /// 0xD226: serve small recompressed copies.
    small: bool,
    /// Browse modes: the 0xD212 values last reported.
    reported: Vec<StateEntry>,
    /// Pictures on the card when last looked at (new ones are announced).
    seen_pictures: usize,
    model: PtpString,
}

impl Default for FujiCamera {
    fn default() -> Self {
        Self::new()
    }
}

/// The properties are the body's, shared by every session ([`FujiBody::with_props`]); a
/// Fujifilm body refuses initiators with [`InitFailReason::FUJI_DEVICE_BUSY`], which
/// [`AccessPolicy::set_reason`] can select.
impl CameraModel for FujiCamera {
    fn policy_mut(&mut self) -> &mut AccessPolicy {
        &mut self.policy
    }

    fn with_props<T>(&self, f: impl FnOnce(&PropTable) -> T) -> T {
        self.body.with_props(|props| f(props))
    }

    fn with_props_mut<T>(&mut self, f: impl FnOnce(&mut PropTable) -> T) -> T {
        self.body.with_props(f)
    }
}

impl Drop for FujiCamera {
    fn drop(&mut self) {
        let mut s = self.body.lock();
        if self.open_capture {
            s.remote_sessions = s.remote_sessions.saturating_sub(1);
        }
        // The body stops a movie when the client that started it goes away.
        if s.recording.is_some_and(|r| r.session == self.id) {
            s.recording = None;
            s.movies += 1;
        }
    }
}

impl FujiCamera {
    /// A session with a new X-T1 in remote personality (its own body).
    #[must_use]
    pub fn new() -> Self {
        FujiBody::default().session()
    }

    /// A session with `body`.
    #[must_use]
    pub fn attach(body: FujiBody) -> Self {
        let (id, seen) = {
            let mut s = body.lock();
            s.sessions += 1;
            (s.sessions, s.card.len())
        };
        Self {
            body,
            id,
            policy: AccessPolicy::default(),
            events: VecDeque::new(),
            waker: None,
            inbox: Inbox::default(),
            capture: None,
            mode: None,
            open_capture: false,
            true_size: false,
            small: false,
            reported: Vec::new(),
            seen_pictures: seen,
            model: PtpString::new("ptpip virtual X-T1").unwrap_or_default(),
        }
    }

    /// The body.
    #[must_use]
    pub const fn body(&self) -> &FujiBody {
        &self.body
    }

    /// Queues a device event, and wakes the driver (see [`DeviceWaker`]).
    pub fn push_event(&mut self, event: DeviceEvent) {
        if self.events.len() < MAX_EVENTS {
            self.events.push_back(event);
            if let Some(w) = &self.waker {
                w.wake();
            }
        }
    }

    /// The number of pictures taken with the body.
    #[must_use]
    pub fn captures(&self) -> u32 {
        self.body.captures()
    }

    /// The mode the client wrote to 0xDF01, if any.
    #[must_use]
    pub const fn mode(&self) -> Option<ConnectionMode> {
        self.mode
    }

    /// The DeviceInfo, shaped as an X-H1's (MTP vendor extension, "fujifilm.co.jp: 1.0; ") but
    /// listing exactly what this camera supports.
    #[must_use]
    pub fn device_info(&self) -> DeviceInfo {
        let mut props = self.body.props().codes();
        // 0xD500 answers reads and writes but has no description, and is not listed (nor is it
        // in the X-H1's list): a client that describes every listed property would stall on it.
        props.push(DevicePropCode::FUJI_CURRENT_STATE);
        DeviceInfo {
            standard_version: 100,
            vendor_extension_id: VendorExtensionId::MICROSOFT,
            vendor_extension_version: 100,
            vendor_extension_desc: PtpString::new("fujifilm.co.jp: 1.0; ").unwrap_or_default(),
            functional_mode: FunctionalMode::STANDARD_MODE,
            operations_supported: OPERATIONS.to_vec(),
            events_supported: EVENTS.to_vec(),
            device_properties_supported: props,
            capture_formats: vec![ObjectFormatCode::EXIF_JPEG],
            image_formats: vec![ObjectFormatCode::EXIF_JPEG],
            manufacturer: PtpString::new("FUJIFILM").unwrap_or_default(),
            model: self.model.clone(),
            device_version: PtpString::new(env!("CARGO_PKG_VERSION")).unwrap_or_default(),
            serial_number: PtpString::new("0000000000000001").unwrap_or_default(),
        }
    }

    /// The 0x902B list: the descriptions of the eight remote-shooting properties.
    #[must_use]
    pub fn desc_list(&self) -> DevicePropDescList {
        let props = self.body.props();
        DevicePropDescList {
            descs: props::DESC_LIST
                .iter()
                .filter_map(|&c| props.desc(c).cloned())
                .collect(),
        }
    }

    /// The remote-mode 0xD212 list, with the current values.
    #[must_use]
    pub fn state_list(&self) -> CurrentStateList {
        let props = self.body.props();
        CurrentStateList {
            entries: props::REMOTE_STATE
                .iter()
                .map(|&code| match props.value(code) {
                    Some(v) => StateEntry::new(code, v),
                    None => StateEntry { code, value: 0 },
                })
                .collect(),
        }
    }

    /// Whether the session is in remote mode.
    fn is_remote(&self) -> bool {
        self.mode == Some(ConnectionMode::REMOTE)
    }

    /// Whether the card is visible: browse modes, and bodies without remote shooting.
    fn card_visible(&self) -> bool {
        match self.body.personality() {
            FujiPersonality::Remote => self.mode.is_some_and(|m| BROWSE_MODES.contains(&m)),
            _ => true,
        }
    }

    /// 0xDF00 now.
    fn camera_state(&self) -> CameraState {
        let s = self.body.lock();
        match s.personality {
            _ if s.transfer_pending() => CameraState::MULTIPLE_TRANSFER,
            FujiPersonality::Remote => CameraState::REMOTE,
            _ => CameraState::FULL_ACCESS,
        }
    }

    /// The values the browse-mode state list carries.
    fn browse_state(&self) -> Vec<StateEntry> {
        let pending = self.body.lock().transfer_pending();
        props::BROWSE_STATE
            .iter()
            .map(|&code| StateEntry {
                code,
                value: match code {
                    DevicePropCode::FUJI_CAMERA_STATE => u32::from(self.camera_state().0),
                    DevicePropCode::FUJI_TRANSFER_REQUEST => u32::from(pending),
                    _ => self.object_count(),
                },
            })
            .collect()
    }

    /// 0xD212: the whole list in remote mode; what changed since the last read otherwise.
    fn state_reply(&mut self) -> CurrentStateList {
        if self.is_remote() {
            return self.state_list();
        }
        let now = self.browse_state();
        let changed = now
            .iter()
            .filter(|e| !self.reported.contains(e))
            .copied()
            .collect();
        self.reported = now;
        CurrentStateList { entries: changed }
    }

    fn get_value(&mut self, code: Option<DevicePropCode>) -> Reply {
        let Some(code) = code else {
            return respond(ResponseCode::DEVICE_PROP_NOT_SUPPORTED);
        };
        let personality = self.body.personality();
        let word = |v: u32| data_reply(v.to_le_bytes().to_vec());
        match code {
            DevicePropCode::FUJI_CURRENT_STATE => data_reply(self.state_reply().to_bytes()),
            // The X-A2 has no remote version: OK with no value.
            DevicePropCode::FUJI_APP_VERSION if personality == FujiPersonality::NoRemote => {
                data_reply(Bytes::new())
            }
            DevicePropCode::FUJI_CAMERA_STATE => {
                data_reply(self.camera_state().0.to_le_bytes().to_vec())
            }
            DevicePropCode::FUJI_OBJECT_COUNT => word(self.object_count()),
            DevicePropCode::FUJI_TRANSFER_REQUEST => {
                word(u32::from(self.body.lock().transfer_pending()))
            }
            DevicePropCode::FUJI_CORRECT_FILE_SIZE => {
                data_reply(u16::from(self.true_size).to_le_bytes().to_vec())
            }
            DevicePropCode::FUJI_COMPRESS_SMALL => {
                data_reply(u16::from(self.small).to_le_bytes().to_vec())
            }
            DevicePropCode::FUJI_GEO_TAG => {
                let pos = self.body.position();
                data_reply(pos.map_or_else(GeoTag::unset_x_t1_bytes, |g| g.to_x_t1_bytes()))
            }
            code => self.body.props().value(code).map_or_else(
                || respond(ResponseCode::DEVICE_PROP_NOT_SUPPORTED),
                |v| data_reply(v.to_bytes()),
            ),
        }
    }

    /// A SetDevicePropValue's verdict, once its data has come.
    fn set_value(&mut self, code: DevicePropCode, data: &[u8]) -> ResponseCode {
        let u16_value = || match data {
            [a, b, rest @ ..] if rest.iter().all(|&x| x == 0) => Some(u16::from_le_bytes([*a, *b])),
            _ => None,
        };
        match code {
            DevicePropCode::FUJI_INIT_SEQUENCE => {
                let Some(v) = u16_value() else {
                    return ResponseCode::INVALID_DEVICE_PROP_FORMAT;
                };
                self.set_mode(ConnectionMode(v))
            }
            DevicePropCode::FUJI_CORRECT_FILE_SIZE | DevicePropCode::FUJI_COMPRESS_SMALL => {
                match u16_value() {
                    Some(v @ 0..=2) => {
                        if code == DevicePropCode::FUJI_CORRECT_FILE_SIZE {
                            self.true_size = v == 1;
                        } else {
                            self.small = v != 0;
                        }
                        ResponseCode::OK
                    }
                    Some(_) => ResponseCode::INVALID_DEVICE_PROP_VALUE,
                    None => ResponseCode::INVALID_DEVICE_PROP_FORMAT,
                }
            }
            DevicePropCode::FUJI_GEO_TAG => self.set_position(data),
            DevicePropCode::FUJI_CAMERA_STATE => ResponseCode::OK,
            code => self
                .body
                .with_props(|p| p.set_from_wire(code, data, true))
                .map_or_else(|e| e, |()| ResponseCode::OK),
        }
    }

    /// 0xDF01: the client's mode, checked against what the body's user chose.
    fn set_mode(&mut self, mode: ConnectionMode) -> ResponseCode {
        let personality = self.body.personality();
        let allowed = match mode {
            ConnectionMode::REMOTE => matches!(
                personality,
                FujiPersonality::Remote | FujiPersonality::NoRemote
            ),
            m if BROWSE_MODES.contains(&m) || m == ConnectionMode::GEOTAG => true,
            _ => return ResponseCode::INVALID_DEVICE_PROP_VALUE,
        };
        if !allowed {
            return ResponseCode::ACCESS_DENIED;
        }
        self.mode = Some(mode);
        self.body.with_props(|p| {
            p.force(
                DevicePropCode::FUJI_INIT_SEQUENCE,
                PropValue::UInt16(mode.0),
            )
        });
        ResponseCode::OK
    }

    /// 0xD500: a position, in geotag mode.
    fn set_position(&mut self, data: &[u8]) -> ResponseCode {
        if self.mode != Some(ConnectionMode::GEOTAG) {
            return ResponseCode::ACCESS_DENIED;
        }
        match GeoTag::decode(data) {
            Ok((tag, _)) => {
                self.body.lock().position = Some(tag);
                ResponseCode::OK
            }
            Err(_) => ResponseCode::INVALID_DEVICE_PROP_FORMAT,
        }
    }

    fn open_capture(&mut self, open: bool) -> ResponseCode {
        if self.body.personality() != FujiPersonality::Remote {
            return ResponseCode::OPERATION_NOT_SUPPORTED;
        }
        if open != self.open_capture {
            let mut s = self.body.lock();
            if open {
                s.remote_sessions += 1;
            } else {
                s.remote_sessions = s.remote_sessions.saturating_sub(1);
            }
            self.open_capture = open;
        }
        ResponseCode::OK
    }

    /// Announces pictures added to the card since the last look (ObjectAdded with the handle).
    fn announce_pictures(&mut self) {
        let n = self.body.card_len();
        while self.seen_pictures < n {
            self.seen_pictures += 1;
            let handle = u32::try_from(self.seen_pictures).unwrap_or(u32::MAX);
            if self.card_visible() {
                self.push_event(DeviceEvent {
                    code: EventCode::OBJECT_ADDED,
                    transaction: crate::types::TransactionId(0),
                    params: crate::types::Params::from_slice(&[handle]).unwrap_or_default(),
                });
            }
        }
    }
}

impl Device for FujiCamera {
    fn accept(&mut self, guid: Guid, _name: &FriendlyName) -> Result<(), InitFailReason> {
        self.policy.check(guid)
    }

    fn operation(&mut self, request: &Request) -> Reply {
        match request.code {
            OperationCode::GET_DEVICE_INFO => data_reply(self.device_info().to_bytes()),
            OperationCode::FUJI_GET_DEVICE_PROP_DESC_LIST => {
                data_reply(self.desc_list().to_bytes())
            }
            OperationCode::GET_DEVICE_PROP_VALUE => self.get_value(prop_param(request)),
            OperationCode::GET_DEVICE_PROP_DESC => prop_param(request)
                .and_then(|c| self.body.props().desc(c).cloned())
                .map_or_else(
                    || respond(ResponseCode::DEVICE_PROP_NOT_SUPPORTED),
                    |d| data_reply(d.to_bytes()),
                ),
            OperationCode::SET_DEVICE_PROP_VALUE => {
                // Fujifilm containers do not say whether data follows: every SetDevicePropValue
                // takes its data phase, and the verdict comes after it.
                self.inbox.reset(Inbox::DATASET_CAP);
                Reply::ReceiveData
            }
            OperationCode::INITIATE_OPEN_CAPTURE => respond(self.open_capture(true)),
            OperationCode::TERMINATE_OPEN_CAPTURE => respond(self.open_capture(false)),
            OperationCode::GET_STORAGE_IDS
            | OperationCode::GET_OBJECT_HANDLES
            | OperationCode::GET_OBJECT_INFO
            | OperationCode::GET_OBJECT
            | OperationCode::GET_PARTIAL_OBJECT
            | OperationCode::GET_THUMB => self.browse(request),
            _ => self.remote(request),
        }
    }

    fn data_out(&mut self, _request: &Request, piece: &[u8]) {
        self.inbox.push(piece);
    }

    fn data_out_done(&mut self, request: &Request, _len: u64) -> Response {
        let data = self.inbox.take();
        let code = match (request.code, prop_param(request), data) {
            (OperationCode::SET_DEVICE_PROP_VALUE, Some(code), Some(d)) => self.set_value(code, &d),
            (OperationCode::SET_DEVICE_PROP_VALUE, None, _) => {
                ResponseCode::DEVICE_PROP_NOT_SUPPORTED
            }
            (OperationCode::SET_DEVICE_PROP_VALUE, Some(_), None) => {
                ResponseCode::INVALID_DEVICE_PROP_FORMAT
            }
            _ => ResponseCode::GENERAL_ERROR,
        };
        Response::code(code)
    }

    fn cancelled(&mut self, _request: &Request) {
        // Drop what a cancelled data-out phase had gathered; an announced object stays announced.
        self.inbox.reset(0);
    }

    fn set_waker(&mut self, waker: DeviceWaker) {
        self.waker = Some(waker);
    }

    fn poll_event(&mut self) -> Option<DeviceEvent> {
        self.announce_pictures();
        if let Some(e) = self.events.pop_front() {
            return Some(e);
        }
        self.capture_complete()
    }
}
