//! Remote shooting on the virtual body: capture with its preview, the exposure steps, the
//! focus point and movies.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;

use super::body::{FujiPersonality, Recording};
use super::props::{APERTURE_STOPS, shutter_stops};
use super::{FujiCamera, respond};
use crate::camera::sample;
use crate::fuji::{ExposureControl, FocusPoint};
use crate::initiator::DeviceEvent;
use crate::ptp::codes::{DevicePropCode as P, EventCode, OperationCode, ResponseCode};
use crate::ptp::value::PropValue;
use crate::responder::{DataSource, Reply, Request, Response};
use crate::types::{Params, TransactionId};

/// Width of a capture preview.
const PREVIEW_WIDTH: u16 = 320;
/// Height of a capture preview.
const PREVIEW_HEIGHT: u16 = 240;

/// The X-T1's focus-point grid: 7 × 7.
const FOCUS_GRID: u8 = 7;

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
pub(super) struct Capture {
    transaction: TransactionId,
    /// The preview, until 0x9022 asks for it.
    preview: Option<Bytes>,
    /// Set once 0x9022's data has gone out.
    fetched: Arc<AtomicBool>,
}

/// The first parameter of a request (0 when absent).
fn param1(request: &Request) -> u32 {
    request.params.get(1).unwrap_or(0)
}

impl FujiCamera {
    /// The remote-shooting operations, and anything else this camera does not know.
    pub(super) fn remote(&mut self, request: &Request) -> Reply {
        let control = match request.code {
            OperationCode::FUJI_SET_SHUTTER_SPEED => Some(ExposureControl::ShutterSpeed),
            OperationCode::FUJI_SET_APERTURE => Some(ExposureControl::Aperture),
            OperationCode::FUJI_SET_EXPOSURE_COMPENSATION => Some(ExposureControl::ExposureBias),
            OperationCode::INITIATE_CAPTURE
            | OperationCode::FUJI_GET_CAPTURE_PREVIEW
            | OperationCode::FUJI_SET_FOCUS_POINT
            | OperationCode::FUJI_RESET_FOCUS_POINT
            | OperationCode::FUJI_START_MOVIE_RECORD
            | OperationCode::FUJI_STOP_MOVIE_RECORD => None,
            _ => return respond(ResponseCode::OPERATION_NOT_SUPPORTED),
        };
        if self.body.personality() == FujiPersonality::NoRemote {
            return respond(ResponseCode::OPERATION_NOT_SUPPORTED);
        }
        if !self.is_remote() {
            return respond(ResponseCode::ACCESS_DENIED);
        }
        if let Some(c) = control {
            return respond(self.step(c, param1(request) != 0));
        }
        match request.code {
            OperationCode::INITIATE_CAPTURE => respond(self.capture(request)),
            OperationCode::FUJI_GET_CAPTURE_PREVIEW => self.capture_preview(),
            OperationCode::FUJI_SET_FOCUS_POINT => respond(self.focus(Some(param1(request)))),
            OperationCode::FUJI_RESET_FOCUS_POINT => respond(self.focus(None)),
            OperationCode::FUJI_START_MOVIE_RECORD => respond(self.start_movie(request)),
            _ => respond(self.stop_movie(param1(request))),
        }
    }

    fn capture(&mut self, request: &Request) -> ResponseCode {
        if self.capture.is_some() {
            // The previous preview has not been fetched: a real body refuses until it is.
            return ResponseCode::DEVICE_BUSY;
        }
        if self.body.is_recording() {
            return ResponseCode::DEVICE_BUSY;
        }
        let n = {
            let mut s = self.body.lock();
            s.captures += 1;
            let left = match s.props.value(P::FUJI_CAPTURES_REMAINING) {
                Some(PropValue::UInt32(v)) => v.saturating_sub(1),
                _ => 0,
            };
            s.props
                .force(P::FUJI_CAPTURES_REMAINING, PropValue::UInt32(left));
            s.captures
        };
        let preview = sample::sample_jpeg(n, PREVIEW_WIDTH, PREVIEW_HEIGHT);
        let tid = request.transaction;
        let size = u32::try_from(preview.len()).unwrap_or(u32::MAX);
        self.push_event(DeviceEvent {
            code: EventCode::FUJI_OBJECT_ADDED,
            transaction: tid,
            params: Params::new(),
        });
        // As the X-T1's 28-byte event: the capture's transaction twice, the preview size at
        // offset 20, then 0.
        self.push_event(DeviceEvent {
            code: EventCode::FUJI_PREVIEW_AVAILABLE,
            transaction: tid,
            params: Params::from_slice(&[tid.0, tid.0, size, 0]).unwrap_or_default(),
        });
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

    /// CaptureComplete, once the preview has gone out.
    pub(super) fn capture_complete(&mut self) -> Option<DeviceEvent> {
        let c = self
            .capture
            .take_if(|c| c.fetched.load(Ordering::Acquire))?;
        Some(DeviceEvent {
            code: EventCode::CAPTURE_COMPLETE,
            transaction: c.transaction,
            params: Params::from_slice(&[c.transaction.0]).unwrap_or_default(),
        })
    }

    /// One third of a stop of `control`, up or down; at the end of the range nothing changes.
    fn step(&mut self, control: ExposureControl, up: bool) -> ResponseCode {
        let mut s = self.body.lock();
        let props = &mut s.props;
        match control {
            ExposureControl::ShutterSpeed => {
                let stops = shutter_stops();
                let cur = match props.value(P::FUJI_SHUTTER_SPEED) {
                    Some(PropValue::UInt32(v)) => *v,
                    _ => 0,
                };
                // The list runs slowest first: up (faster) is the next one.
                if let Some(next) = neighbour(&stops, &cur, up) {
                    props.force(P::FUJI_SHUTTER_SPEED, PropValue::UInt32(next));
                }
            }
            ExposureControl::Aperture => {
                let cur = match props.value(P::F_NUMBER) {
                    Some(PropValue::UInt16(v)) => *v,
                    _ => 0,
                };
                if let Some(next) = neighbour(APERTURE_STOPS, &cur, up) {
                    props.force(P::F_NUMBER, PropValue::UInt16(next));
                }
            }
            ExposureControl::ExposureBias => {
                let values: Vec<i16> = (-9..=9)
                    .map(|t| crate::fuji::ExposureBias::from_thirds(t).0)
                    .collect();
                let cur = match props.value(P::EXPOSURE_BIAS_COMPENSATION) {
                    Some(PropValue::Int16(v)) => *v,
                    _ => 0,
                };
                if let Some(next) = neighbour(&values, &cur, up) {
                    props.force(P::EXPOSURE_BIAS_COMPENSATION, PropValue::Int16(next));
                }
            }
        }
        // 0xD028: which of shutter (1) and aperture (2) is at an end of its range.
        let at_end = |len: usize, pos: Option<usize>| pos.is_some_and(|p| p == 0 || p + 1 == len);
        let stops = shutter_stops();
        let shutter_pos = match props.value(P::FUJI_SHUTTER_SPEED) {
            Some(PropValue::UInt32(v)) => stops.iter().position(|s| s == v),
            _ => None,
        };
        let aperture_pos = match props.value(P::F_NUMBER) {
            Some(PropValue::UInt16(v)) => APERTURE_STOPS.iter().position(|s| s == v),
            _ => None,
        };
        let pinned = u16::from(at_end(stops.len(), shutter_pos))
            | u16::from(at_end(APERTURE_STOPS.len(), aperture_pos)) << 1;
        props.force(P::FUJI_COMMAND_DIAL_MODE, PropValue::UInt16(pinned));
        ResponseCode::OK
    }

    /// Sets (`Some`) or unlocks (`None`) the focus point.
    fn focus(&mut self, point: Option<u32>) -> ResponseCode {
        let mut s = self.body.lock();
        let Some(raw) = point else {
            s.props.force(P::FUJI_FOCUS_LOCK, PropValue::UInt16(0));
            return ResponseCode::OK;
        };
        // It needs AF-S.
        if s.props.value(P::FOCUS_MODE) != Some(&PropValue::UInt16(0x8001)) {
            return ResponseCode::ACCESS_DENIED;
        }
        let p = FocusPoint::from_u32(raw);
        if !(1..=FOCUS_GRID).contains(&p.x) || !(1..=FOCUS_GRID).contains(&p.y) {
            return ResponseCode::INVALID_PARAMETER;
        }
        s.props.force(P::FUJI_FOCUS_POINT, PropValue::UInt32(raw));
        s.props.force(P::FUJI_FOCUS_LOCK, PropValue::UInt16(1));
        ResponseCode::OK
    }

    fn start_movie(&mut self, request: &Request) -> ResponseCode {
        if self.capture.is_some() {
            return ResponseCode::DEVICE_BUSY;
        }
        let mut s = self.body.lock();
        if s.props.value(P::FUJI_REC_MODE) != Some(&PropValue::UInt16(1)) {
            // The movie button is not available.
            return ResponseCode::ACCESS_DENIED;
        }
        if s.recording.is_some() {
            return ResponseCode::DEVICE_BUSY;
        }
        s.recording = Some(Recording {
            transaction: request.transaction,
            session: self.id,
        });
        ResponseCode::OK
    }

    fn stop_movie(&mut self, start: u32) -> ResponseCode {
        let mut s = self.body.lock();
        match s.recording {
            Some(r) if r.transaction.0 == start => {
                s.recording = None;
                s.movies += 1;
                let left = match s.props.value(P::FUJI_MOVIE_REMAINING_TIME) {
                    Some(PropValue::UInt32(v)) => v.saturating_sub(1),
                    _ => 0,
                };
                s.props
                    .force(P::FUJI_MOVIE_REMAINING_TIME, PropValue::UInt32(left));
                ResponseCode::OK
            }
            _ => ResponseCode::INVALID_PARAMETER,
        }
    }
}

/// The value after (`up`) or before `cur` in `list`; `None` at an end, or when `cur` is not in
/// the list (then the first one is taken going up, the last going down).
fn neighbour<T: PartialEq + Copy>(list: &[T], cur: &T, up: bool) -> Option<T> {
    match list.iter().position(|v| v == cur) {
        Some(i) if up => list.get(i + 1).copied(),
        Some(i) => i.checked_sub(1).map(|j| list[j]),
        None if up => list.first().copied(),
        None => list.last().copied(),
    }
}
