//! [`FujiCamera`]: a Fujifilm X body in Wi-Fi remote mode, modelled on the X-T1 dumps, and
//! [`LiveViewGenerator`] for its live-view port.
//!
//! The set-up a client runs (OpenSession, SetDevicePropValue 0xDF01 = 5, Get/Set 0xDF24,
//! InitiateOpenCapture) is answered as an X-T1 does; 0x902B returns the X-T1's eight descriptions
//! with its values; 0x1015 on 0xD212 returns the state list; capture runs InitiateCapture → events
//! 0xC004 and 0xC001 → 0x9022 (the preview) → event 0x400D.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;

use super::props::exposure_thirds;
use super::{AccessPolicy, Inbox, PropTable, data_reply, prop_param, respond, sample};
use crate::fuji::LiveViewFrame;
use crate::fuji::lists::{CurrentStateList, DevicePropDescList, StateEntry};
use crate::initiator::DeviceEvent;
use crate::packet::InitFailReason;
use crate::ptp::codes::{
    DevicePropCode, EventCode, FunctionalMode, ObjectFormatCode, OperationCode, ResponseCode,
    VendorExtensionId,
};
use crate::ptp::dataset::{DeviceInfo, PropForm};
use crate::ptp::string::PtpString;
use crate::ptp::value::PropValue;
use crate::responder::{DataSource, Device, Reply, Request, Response};
use crate::types::{FriendlyName, Guid, Params, TransactionId};

/// The operations [`FujiCamera`] answers (OpenSession and CloseSession through the responder).
const OPERATIONS: &[OperationCode] = &[
    OperationCode::GET_DEVICE_INFO,
    OperationCode::OPEN_SESSION,
    OperationCode::CLOSE_SESSION,
    OperationCode::INITIATE_CAPTURE,
    OperationCode::GET_DEVICE_PROP_DESC,
    OperationCode::GET_DEVICE_PROP_VALUE,
    OperationCode::SET_DEVICE_PROP_VALUE,
    OperationCode::TERMINATE_OPEN_CAPTURE,
    OperationCode::INITIATE_OPEN_CAPTURE,
    OperationCode::FUJI_GET_CAPTURE_PREVIEW,
    OperationCode::FUJI_GET_DEVICE_PROP_DESC_LIST,
];

/// The events [`FujiCamera`] sends.
const EVENTS: &[EventCode] = &[
    EventCode::CAPTURE_COMPLETE,
    EventCode::FUJI_PREVIEW_AVAILABLE,
    EventCode::FUJI_OBJECT_ADDED,
];

/// The properties 0x902B describes, in the X-T1's order.
const DESC_LIST: &[DevicePropCode] = &[
    DevicePropCode::CAPTURE_DELAY,
    DevicePropCode::FLASH_MODE,
    DevicePropCode::WHITE_BALANCE,
    DevicePropCode::EXPOSURE_BIAS_COMPENSATION,
    DevicePropCode::FUJI_FILM_SIMULATION,
    DevicePropCode::FUJI_EXPOSURE_INDEX,
    DevicePropCode::FUJI_REC_MODE,
    DevicePropCode::FUJI_FOCUS_POINT,
];

/// The 0xD212 entries in the X-T1's order, with its values (from the firmware 5.51 dump). Entries
/// for described properties are replaced by their current values.
#[rustfmt::skip]
const STATE: &[(DevicePropCode, u32)] = &[
    (DevicePropCode::BATTERY_LEVEL, 2),
    (DevicePropCode::FUJI_IMAGE_ASPECT_RATIO, 0x0A),
    (DevicePropCode::WHITE_BALANCE, 2),
    (DevicePropCode::FOCUS_MODE, 0x8001),
    (DevicePropCode::FLASH_MODE, 0x800A),
    (DevicePropCode::EXPOSURE_PROGRAM_MODE, 2),
    (DevicePropCode::EXPOSURE_BIAS_COMPENSATION, 0xFEB3),
    (DevicePropCode::CAPTURE_DELAY, 0),
    (DevicePropCode::FUJI_FILM_SIMULATION, 2),
    (DevicePropCode::FUJI_IMAGE_QUALITY, 4),
    (DevicePropCode::FUJI_COMMAND_DIAL_MODE, 0),
    (DevicePropCode::FUJI_EXPOSURE_INDEX, 0x8000_1900),
    (DevicePropCode::FUJI_FOCUS_POINT, 0x0302_0702),
    (DevicePropCode::FUJI_FOCUS_LOCK, 0),
    (DevicePropCode::FUJI_DEVICE_ERROR, 0),
    (DevicePropCode::FUJI_CAPTURES_REMAINING, 1494),
    (DevicePropCode::FUJI_MOVIE_REMAINING_TIME, 1679),
];

/// The AppVersion (0xDF24) an X-T1 reports.
pub const FUJI_APP_VERSION: u32 = 0x0002_0001;

/// Width of a capture preview.
const PREVIEW_WIDTH: u16 = 320;
/// Height of a capture preview.
const PREVIEW_HEIGHT: u16 = 240;

/// A preview's data: raises a flag once the last byte has been handed to the responder.
struct NotifyingSource {
    data: Bytes,
    sent: Arc<AtomicBool>,
}

impl DataSource for NotifyingSource {
    fn len(&self) -> Option<u64> {
        Some(self.data.len() as u64)
    }

    fn next_piece(&mut self, max: usize) -> Bytes {
        let piece = self.data.split_to(max.min(self.data.len()));
        if self.data.is_empty() {
            self.sent.store(true, Ordering::Release);
        }
        piece
    }
}

/// A capture waiting for its preview to be fetched.
#[derive(Debug)]
struct Capture {
    transaction: TransactionId,
    /// The preview, until 0x9022 asks for it.
    preview: Option<Bytes>,
    /// Set once 0x9022's data has gone out.
    fetched: Arc<AtomicBool>,
}

/// A Fujifilm X body in Wi-Fi remote mode, modelled on the X-T1 (firmware 5.51 dumps).
///
/// - The set-up a client runs (OpenSession, SetDevicePropValue 0xDF01 = 5, Get/Set 0xDF24
///   AppVersion, default [`FUJI_APP_VERSION`], InitiateOpenCapture) is answered as an X-T1 does.
/// - 0x902B returns the X-T1's eight descriptions (0x5012, 0x500C, 0x5005, 0x5010, 0xD001, 0xD02A,
///   0xD019, 0xD17C) with its values; Get/Set/Describe work on each, and sets are checked
///   against their forms. Values may come as the property's size or as a `u32` plus zero padding.
/// - GetDevicePropValue 0xD212 returns the 17-entry state list with the live values.
/// - InitiateCapture answers OK and queues event 0xC004, then 0xC001 whose parameter 2 is the
///   preview's size; 0x9022 returns the preview (a generated 320×240 JPEG), and once it has gone
///   out event 0x400D follows. Until then another capture answers DeviceBusy.
/// - Every SetDevicePropValue takes a data phase (Fujifilm containers do not announce one), so
///   its verdict comes after the data.
#[derive(Debug)]
pub struct FujiCamera {
    props: PropTable,
    state: Vec<StateEntry>,
    policy: AccessPolicy,
    events: VecDeque<DeviceEvent>,
    inbox: Inbox,
    capture: Option<Capture>,
    captures: u32,
    model: PtpString,
}

impl Default for FujiCamera {
    fn default() -> Self {
        Self::new()
    }
}

impl FujiCamera {
    /// A camera with the X-T1's properties and values.
    #[must_use]
    pub fn new() -> Self {
        Self {
            props: x_t1_props(),
            state: STATE
                .iter()
                .map(|&(code, value)| StateEntry { code, value })
                .collect(),
            policy: AccessPolicy::default(),
            events: VecDeque::new(),
            inbox: Inbox::default(),
            capture: None,
            captures: 0,
            model: PtpString::new("ptpip virtual X-T1").unwrap_or_default(),
        }
    }

    /// The device properties.
    #[must_use]
    pub const fn props(&self) -> &PropTable {
        &self.props
    }

    /// The device properties, mutably.
    pub const fn props_mut(&mut self) -> &mut PropTable {
        &mut self.props
    }

    /// Which initiators are accepted; a Fujifilm body refuses with
    /// [`InitFailReason::FUJI_DEVICE_BUSY`], which [`AccessPolicy::set_reason`] can select.
    pub const fn policy_mut(&mut self) -> &mut AccessPolicy {
        &mut self.policy
    }

    /// Queues a device event.
    pub fn push_event(&mut self, event: DeviceEvent) {
        self.events.push_back(event);
    }

    /// The number of pictures taken.
    #[must_use]
    pub const fn captures(&self) -> u32 {
        self.captures
    }

    /// The DeviceInfo, shaped as an X-H1's (MTP vendor extension, "fujifilm.co.jp: 1.0; ") but
    /// listing exactly what this camera supports.
    #[must_use]
    pub fn device_info(&self) -> DeviceInfo {
        let mut props = self.props.codes();
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
        DevicePropDescList {
            descs: DESC_LIST
                .iter()
                .filter_map(|&c| self.props.desc(c).cloned())
                .collect(),
        }
    }

    /// The 0xD212 state list, with the current values of the described properties.
    #[must_use]
    pub fn state_list(&self) -> CurrentStateList {
        CurrentStateList {
            entries: self
                .state
                .iter()
                .map(|e| StateEntry {
                    code: e.code,
                    value: self.props.value(e.code).map_or(e.value, state_word),
                })
                .collect(),
        }
    }

    fn capture(&mut self, request: &Request) -> ResponseCode {
        if self.capture.is_some() {
            // The previous preview has not been fetched: a real body refuses until it is.
            return ResponseCode::DEVICE_BUSY;
        }
        self.captures += 1;
        let preview = sample::sample_jpeg(self.captures, PREVIEW_WIDTH, PREVIEW_HEIGHT);
        let tid = request.transaction;
        let size = u32::try_from(preview.len()).unwrap_or(u32::MAX);
        self.events.push_back(DeviceEvent {
            code: EventCode::FUJI_OBJECT_ADDED,
            transaction: tid,
            params: Params::new(),
        });
        self.events.push_back(DeviceEvent {
            code: EventCode::FUJI_PREVIEW_AVAILABLE,
            transaction: tid,
            params: Params::from_slice(&[tid.0, size]).unwrap_or_default(),
        });
        for e in &mut self.state {
            if e.code == DevicePropCode::FUJI_CAPTURES_REMAINING {
                e.value = e.value.saturating_sub(1);
            }
        }
        self.capture = Some(Capture {
            transaction: tid,
            preview: Some(preview),
            fetched: Arc::new(AtomicBool::new(false)),
        });
        ResponseCode::OK
    }

    fn capture_preview(&mut self) -> Reply {
        let Some((data, fetched)) = self
            .capture
            .as_mut()
            .and_then(|c| Some((c.preview.take()?, Arc::clone(&c.fetched))))
        else {
            return respond(ResponseCode::NO_THUMBNAIL_PRESENT);
        };
        Reply::Data {
            source: Box::new(NotifyingSource {
                data,
                sent: fetched,
            }),
            response: Response::OK,
        }
    }
}

/// A property value as a 0xD212 entry: its bits zero-extended to 32 (an INT16 −333 is 0xFEB3).
fn state_word(value: &PropValue) -> u32 {
    match *value {
        PropValue::Int8(v) => u32::from(v as u8),
        PropValue::UInt8(v) => u32::from(v),
        PropValue::Int16(v) => u32::from(v as u16),
        PropValue::UInt16(v) => u32::from(v),
        PropValue::Int32(v) => v as u32,
        PropValue::UInt32(v) => v,
        _ => 0,
    }
}

/// An enumeration of UINT16 values.
fn enum_u16(values: &[u16]) -> PropForm {
    PropForm::Enumeration {
        values: values.iter().copied().map(PropValue::UInt16).collect(),
    }
}

/// The X-T1's remote-shooting properties as its 0x902B reply describes them, then the set-up
/// properties 0xDF01 and 0xDF24.
fn x_t1_props() -> PropTable {
    use PropValue::{UInt16, UInt32};
    let mut t = PropTable::new();
    // Self-timer: 0 off, 2 two seconds, 4 ten seconds.
    t.describe(
        DevicePropCode::CAPTURE_DELAY,
        true,
        UInt16(0),
        UInt16(0),
        enum_u16(&[0, 2, 4]),
    );
    t.describe(
        DevicePropCode::FLASH_MODE,
        true,
        UInt16(2),
        UInt16(0x8009),
        enum_u16(&[0x8009, 0x800A]),
    );
    t.describe(
        DevicePropCode::WHITE_BALANCE,
        true,
        UInt16(2),
        UInt16(2),
        enum_u16(&[
            2, 4, 0x8006, 0x8001, 0x8002, 0x8003, 6, 0x800A, 0x800B, 0x800C,
        ]),
    );
    t.describe(
        DevicePropCode::EXPOSURE_BIAS_COMPENSATION,
        true,
        PropValue::Int16(0),
        PropValue::Int16(0),
        PropForm::Enumeration {
            values: exposure_thirds(),
        },
    );
    // Film simulation: 1 PROVIA to 11 Classic Chrome.
    let films: Vec<u16> = (1..=11).collect();
    t.describe(
        DevicePropCode::FUJI_FILM_SIMULATION,
        true,
        UInt16(1),
        UInt16(2),
        enum_u16(&films),
    );
    // ISO: 0x8000_0000 | n = auto up to n; 0x4000_0000 | n = extended; plain n = ISO n.
    #[rustfmt::skip]
    let isos: [u32; 25] = [
        0x8000_0190, 0x8000_0320, 0x8000_0640, 0x8000_0C80, 0x8000_1900, 0x4000_0064,
        200, 250, 320, 400, 500, 640, 800, 1000, 1250, 1600, 2000, 2500, 3200, 4000, 5000, 6400,
        0x4000_3200, 0x4000_6400, 0x4000_C800,
    ];
    t.describe(
        DevicePropCode::FUJI_EXPOSURE_INDEX,
        true,
        UInt32(0xFFFF_FFFF),
        UInt32(0x8000_1900),
        PropForm::Enumeration {
            values: isos.into_iter().map(UInt32).collect(),
        },
    );
    t.describe(
        DevicePropCode::FUJI_REC_MODE,
        true,
        UInt16(1),
        UInt16(1),
        enum_u16(&[0, 1]),
    );
    // Focus point: x in bits 8–15, y in bits 0–7; the top bytes are not understood.
    t.describe(
        DevicePropCode::FUJI_FOCUS_POINT,
        true,
        UInt32(0),
        UInt32(0x0302_0404),
        PropForm::Range {
            min: UInt32(0),
            max: UInt32(0x1009_0707),
            step: UInt32(1),
        },
    );
    t.describe(
        DevicePropCode::FUJI_INIT_SEQUENCE,
        true,
        UInt16(0),
        UInt16(0),
        PropForm::None,
    );
    t.describe(
        DevicePropCode::FUJI_APP_VERSION,
        true,
        UInt32(FUJI_APP_VERSION),
        UInt32(FUJI_APP_VERSION),
        PropForm::None,
    );
    t
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
            OperationCode::GET_DEVICE_PROP_VALUE => match prop_param(request) {
                Some(DevicePropCode::FUJI_CURRENT_STATE) => {
                    data_reply(self.state_list().to_bytes())
                }
                code => code.and_then(|c| self.props.value(c)).map_or_else(
                    || respond(ResponseCode::DEVICE_PROP_NOT_SUPPORTED),
                    |v| data_reply(v.to_bytes()),
                ),
            },
            OperationCode::GET_DEVICE_PROP_DESC => prop_param(request)
                .and_then(|c| self.props.desc(c))
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
            OperationCode::INITIATE_OPEN_CAPTURE | OperationCode::TERMINATE_OPEN_CAPTURE => {
                respond(ResponseCode::OK)
            }
            OperationCode::INITIATE_CAPTURE => respond(self.capture(request)),
            OperationCode::FUJI_GET_CAPTURE_PREVIEW => self.capture_preview(),
            _ => respond(ResponseCode::OPERATION_NOT_SUPPORTED),
        }
    }

    fn data_out(&mut self, _request: &Request, piece: &[u8]) {
        self.inbox.push(piece);
    }

    fn data_out_done(&mut self, request: &Request, _len: u64) -> Response {
        let data = self.inbox.take();
        let code = match (request.code, prop_param(request), data) {
            (OperationCode::SET_DEVICE_PROP_VALUE, Some(code), Some(d)) => self
                .props
                .set_from_wire(code, &d, true)
                .map_or_else(|e| e, |()| ResponseCode::OK),
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

    fn poll_event(&mut self) -> Option<DeviceEvent> {
        if let Some(e) = self.events.pop_front() {
            return Some(e);
        }
        let c = self
            .capture
            .take_if(|c| c.fetched.load(Ordering::Acquire))?;
        Some(DeviceEvent {
            code: EventCode::CAPTURE_COMPLETE,
            transaction: c.transaction,
            params: Params::from_slice(&[c.transaction.0]).unwrap_or_default(),
        })
    }
}

/// Frames for the Fujifilm live-view port: a generated JPEG at offset 18 and a counter at byte 8
/// that wraps after 255.
#[derive(Clone, Debug)]
pub struct LiveViewGenerator {
    frames: u32,
    width: u16,
    height: u16,
}

impl Default for LiveViewGenerator {
    fn default() -> Self {
        Self::new(640, 480)
    }
}

impl LiveViewGenerator {
    /// Frames of `width` × `height` pixels.
    #[must_use]
    pub const fn new(width: u16, height: u16) -> Self {
        Self {
            frames: 0,
            width,
            height,
        }
    }

    /// Frames made so far.
    #[must_use]
    pub const fn frames(&self) -> u32 {
        self.frames
    }

    /// The next frame. The header is zero but for the counter and its last two bytes, which are
    /// 0xFF 0xFF (real bodies vary them; their meaning is not known).
    pub fn next_frame(&mut self) -> LiveViewFrame {
        let mut header = [0u8; 14];
        // Byte 8 of the frame: the counter, wrapping at 255.
        header[4] = self.frames as u8;
        header[12] = 0xFF;
        header[13] = 0xFF;
        let jpeg = sample::live_view_jpeg(self.frames, self.width, self.height);
        self.frames = self.frames.wrapping_add(1);
        LiveViewFrame { header, jpeg }
    }
}
