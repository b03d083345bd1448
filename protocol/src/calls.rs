//! Typed PTP calls, written once for every driver.
//!
//! A driver that can run an operation to its end (streaming its data into a [`DataSink`]), run one
//! with a data-out phase read from a `Read`, and wait for a device event implements the three
//! required methods of [`Calls`]; every typed call (device info, storages, objects, properties,
//! capture…) then comes with it. Both transports' blocking `Client`s do, so the two feel the
//! same. Nothing here does I/O itself: the driver moves the bytes, these methods only build
//! operations and decode replies.
//!
//! The Fujifilm calls (exposure steps and targets, focus point, movie, geotag, browsing and
//! multiple transfer) are [`FujiCalls`], which every `Calls` driver has too.
//!
//! How a driver follows one transaction through the state machine's events (its data into the
//! sink, its send window, its end) is [`Tracker`], written here once for both drivers.

mod cancel;
pub mod connect;
mod fuji;
mod interrupt;
mod tracker;

pub use crate::ports::Ports;
pub use cancel::CancelToken;
pub use fuji::{
    DOWNLOAD_PIECE, FujiCalls, FujiDownload, FujiError, FujiObject, MAX_STEPS, MovieRecording,
    StepReport,
};
pub use interrupt::{INTERRUPT_POLL, Interrupt, interrupted};
pub use tracker::{Step, Tracker};

use std::io::{self, Read, Write};
use std::time::Duration;

use bytes::Bytes;

use crate::Encode;
use crate::error::{DecodeError, Error, OperationError};
use crate::fuji::lists::{CurrentStateList, DevicePropDescList};
use crate::initiator::{Completion, DeviceEvent, Operation, OperationFailure};
use crate::ptp::codes::{DevicePropCode, EventCode, OperationCode, ResponseCode};
use crate::ptp::dataset::{
    DeviceInfo, DevicePropDesc, ObjectHandle, ObjectInfo, ObjectPropList, OplQuirk, StorageId,
    StorageInfo,
};
use crate::ptp::{DataTypeCode, PropValue};

/// What went wrong in a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// A socket failed, or the camera could not be reached.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The session failed (decode error, timeout, refused init…); the client is unusable.
    #[error("connection lost: {0}")]
    Protocol(#[from] Error),
    /// The call was refused before anything was sent.
    #[error("{0}")]
    Operation(#[from] OperationError),
    /// The camera answered with a response code other than OK.
    #[error("{operation} failed: {response}")]
    Response {
        /// The operation.
        operation: OperationCode,
        /// The response code.
        response: ResponseCode,
    },
    /// The operation ended without a response (cancelled, data over its limit, session closed).
    #[error("{0}")]
    Failed(#[from] OperationFailure),
    /// A dataset in the reply did not decode.
    #[error("bad reply: {0}")]
    Decode(#[from] DecodeError),
    /// A property read came back with no value at all (every PTP value has at least one byte).
    #[error("the camera answered GetDevicePropValue {0} with an empty value")]
    EmptyValue(DevicePropCode),
    /// Fujifilm: the call needs remote mode, which the camera did not enter.
    #[error("{0}")]
    RemoteMode(#[from] crate::initiator::RemoteModeUnavailable),
    /// Fujifilm: a call could not do what it was asked ([`FujiError`]).
    #[error("{0}")]
    Fuji(#[from] FujiError),
}

/// Where the data of a data-in phase goes.
pub trait DataSink {
    /// A piece at `offset`; `total` is the announced length, if any.
    fn piece(&mut self, offset: u64, total: Option<u64>, data: &[u8]) -> io::Result<()>;
}

/// Streams into a `Write`, calling `progress(received, total)` after each piece.
#[derive(Debug)]
pub struct WriteSink<W, F> {
    writer: W,
    progress: F,
}

impl<W: Write, F: FnMut(u64, Option<u64>)> WriteSink<W, F> {
    /// Writes to `writer`, reporting progress.
    pub const fn new(writer: W, progress: F) -> Self {
        Self { writer, progress }
    }
}

impl<W: Write, F: FnMut(u64, Option<u64>)> DataSink for WriteSink<W, F> {
    fn piece(&mut self, offset: u64, total: Option<u64>, data: &[u8]) -> io::Result<()> {
        self.writer.write_all(data)?;
        (self.progress)(offset + data.len() as u64, total);
        Ok(())
    }
}

/// Discards data (for operations whose data is not wanted).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoSink;

impl DataSink for NoSink {
    fn piece(&mut self, _: u64, _: Option<u64>, _: &[u8]) -> io::Result<()> {
        Ok(())
    }
}

/// Feeds a data-out phase from a `Read` into a driver's `send_data`, for
/// [`Calls::run_upload`]: it reads a piece, offers it, and keeps what the send window did not take
/// for the next call.
#[derive(Debug)]
pub struct Upload {
    buf: Vec<u8>,
    /// The bytes of `buf` read but not yet taken: `held.0..held.1`.
    held: (usize, usize),
    sent: u64,
    len: u64,
}

impl Upload {
    /// The bytes read from the source at a time.
    pub const PIECE: usize = 256 << 10;

    /// An upload of `len` bytes.
    #[must_use]
    pub fn new(len: u64) -> Self {
        Self {
            buf: vec![0; Self::PIECE],
            held: (0, 0),
            sent: 0,
            len,
        }
    }

    /// Offers data to `send` (the driver's `send_data`, which returns how many bytes it took)
    /// until all `len` bytes are taken or the window is full (then wait for
    /// `SendWindowAvailable` and call again). A source that ends early is an `UnexpectedEof`
    /// error; the caller then cancels the transaction.
    pub fn feed(
        &mut self,
        reader: &mut dyn Read,
        send: &mut dyn FnMut(&[u8]) -> Result<usize, ClientError>,
    ) -> Result<(), ClientError> {
        while self.sent < self.len {
            if self.held.0 == self.held.1 {
                let want = (self.len - self.sent).min(self.buf.len() as u64) as usize;
                let n = reader.read(&mut self.buf[..want])?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("the source ended after {} of {} bytes", self.sent, self.len),
                    )
                    .into());
                }
                self.held = (0, n);
            }
            let n = send(&self.buf[self.held.0..self.held.1])?;
            self.held.0 += n;
            self.sent += n as u64;
            if self.held.0 < self.held.1 {
                return Ok(());
            }
        }
        Ok(())
    }
}

/// Device events a driver keeps for [`Calls::next_event`] while nobody reads them: the newest
/// [`EventBacklog::MAX`], so that an idle session holds bounded memory.
#[derive(Clone, Debug, Default)]
pub struct EventBacklog(std::collections::VecDeque<DeviceEvent>);

impl EventBacklog {
    /// How many events are kept; older ones are dropped.
    pub const MAX: usize = 1024;

    /// Keeps `e`, dropping the oldest event when full.
    pub fn push(&mut self, e: DeviceEvent) {
        if self.0.len() == Self::MAX {
            self.0.pop_front();
        }
        self.0.push_back(e);
    }

    /// The oldest event kept.
    pub fn pop(&mut self) -> Option<DeviceEvent> {
        self.0.pop_front()
    }
}

/// The most bytes a dataset reply may have (a DeviceInfo is a few hundred bytes; the handles of
/// 100 000 objects are 400 KB).
const DATASET_MAX: usize = 16 << 20;

/// The most bytes a GetObjectPropList reply may have: every property of about 250 000 objects
/// (a card's object takes about 250 bytes).
pub const PROP_LIST_MAX: usize = 64 << 20;

fn op(code: OperationCode, params: &[u32]) -> Result<Operation, ClientError> {
    Operation::new(code, params)
        .ok_or_else(|| OperationError::Invalid("at most five parameters").into())
}

fn data(c: &Completion) -> &[u8] {
    c.data.as_deref().unwrap_or_default()
}

/// Fails unless `c` carries an OK response.
fn ok(operation: OperationCode, c: Completion) -> Result<Completion, ClientError> {
    if c.response.is_ok() {
        Ok(c)
    } else {
        Err(ClientError::Response {
            operation,
            response: c.response,
        })
    }
}

/// Typed PTP calls over a driver that implements the three required methods.
pub trait Calls {
    /// Runs `op` to its end, streaming any data into `sink`, whatever the response code.
    fn run(&mut self, op: Operation, sink: &mut dyn DataSink) -> Result<Completion, ClientError>;

    /// Runs `op` with `len` bytes read from `reader` as its data-out phase, whatever the response
    /// code.
    fn run_upload(
        &mut self,
        op: Operation,
        reader: &mut dyn Read,
        len: u64,
    ) -> Result<Completion, ClientError>;

    /// The next device event, waiting up to `timeout` (`None`: as long as it takes); `Ok(None)`
    /// when the time ran out.
    fn next_event(&mut self, timeout: Option<Duration>)
    -> Result<Option<DeviceEvent>, ClientError>;

    /// Device events as they come, waiting as long as it takes for each; the iteration ends after
    /// the first error (the session is then over).
    fn events(&mut self) -> DeviceEvents<'_, Self>
    where
        Self: Sized,
    {
        DeviceEvents {
            calls: self,
            done: false,
        }
    }

    /// Runs an operation and checks its response is OK; returns the completion (with the data
    /// gathered if `op` collects).
    fn call(&mut self, op: Operation) -> Result<Completion, ClientError> {
        let code = op.code;
        let c = self.run(op, &mut NoSink)?;
        ok(code, c)
    }

    /// Runs an operation whatever its response (what `opreq` needs), streaming data to `sink`
    /// and, with `data_out`, sending that data phase.
    fn raw(
        &mut self,
        code: OperationCode,
        params: &[u32],
        data_out: Option<Bytes>,
        sink: &mut dyn DataSink,
    ) -> Result<Completion, ClientError> {
        let o = op(code, params)?;
        let o = match data_out {
            Some(d) => o.send(d),
            None => o.stream(),
        };
        self.run(o, sink)
    }

    /// Streams a data-in operation into `sink`; fails unless the response is OK.
    fn download(
        &mut self,
        op: Operation,
        sink: &mut dyn DataSink,
    ) -> Result<Completion, ClientError> {
        let code = op.code;
        let c = self.run(op.stream(), sink)?;
        ok(code, c)
    }

    /// Sends `len` bytes read from `reader` as the data phase of `op`; fails unless the response
    /// is OK.
    fn upload(
        &mut self,
        op: Operation,
        reader: &mut dyn Read,
        len: u64,
    ) -> Result<Completion, ClientError> {
        let code = op.code;
        let c = self.run_upload(op, reader, len)?;
        ok(code, c)
    }

    /// Runs an operation that returns a dataset, gathering it.
    fn dataset(&mut self, code: OperationCode, params: &[u32]) -> Result<Completion, ClientError> {
        self.call(op(code, params)?.collect(DATASET_MAX))
    }

    /// Hears of each tolerance a typed call applied to a camera's reply (an ObjectInfo without
    /// its last strings, padding after a dataset…): the value was still returned. The default
    /// logs it at info level (what `ptpip -v` shows).
    fn tolerated(&mut self, quirk: crate::Quirk) {
        log::info!("tolerated: {quirk}");
    }

    /// GetDeviceInfo, decoded leniently (quirks go to [`tolerated`](Self::tolerated)).
    fn device_info(&mut self) -> Result<DeviceInfo, ClientError> {
        let c = self.dataset(OperationCode::GET_DEVICE_INFO, &[])?;
        Ok(DeviceInfo::decode_lenient(data(&c))?.report(|q| self.tolerated(q)))
    }

    /// GetStorageIDs.
    fn storage_ids(&mut self) -> Result<Vec<StorageId>, ClientError> {
        let c = self.dataset(OperationCode::GET_STORAGE_IDS, &[])?;
        Ok(StorageId::decode_array(data(&c))?)
    }

    /// GetStorageInfo, decoded leniently (quirks go to [`tolerated`](Self::tolerated)).
    fn storage_info(&mut self, storage: StorageId) -> Result<StorageInfo, ClientError> {
        let c = self.dataset(OperationCode::GET_STORAGE_INFO, &[storage.0])?;
        Ok(StorageInfo::decode_lenient(data(&c))?.report(|q| self.tolerated(q)))
    }

    /// GetObjectHandles: objects in `storage` (0xFFFFFFFF: all), of `format` (0: any), under
    /// `parent` (0xFFFFFFFF: the root, 0: anywhere).
    fn object_handles(
        &mut self,
        storage: StorageId,
        format: u16,
        parent: ObjectHandle,
    ) -> Result<Vec<ObjectHandle>, ClientError> {
        let params = [storage.0, u32::from(format), parent.0];
        let c = self.dataset(OperationCode::GET_OBJECT_HANDLES, &params)?;
        Ok(ObjectHandle::decode_array(data(&c))?)
    }

    /// GetObjectInfo, decoded leniently (quirks go to [`tolerated`](Self::tolerated)).
    fn object_info(&mut self, handle: ObjectHandle) -> Result<ObjectInfo, ClientError> {
        let c = self.dataset(OperationCode::GET_OBJECT_INFO, &[handle.0])?;
        Ok(ObjectInfo::decode_lenient(data(&c))?.report(|q| self.tolerated(q)))
    }

    /// GetObjectPropList (MTP 0x9805): properties of many objects in one round trip, decoded
    /// leniently ([`ObjectPropList::decode_lenient`]), with the quirks the camera needed. `handle`
    /// 0xFFFFFFFF selects every object; `format` 0 any format; `property`
    /// [`ObjectPropCode::ALL_PROPERTIES`](crate::ptp::codes::ObjectPropCode::ALL_PROPERTIES)
    /// every property (0: the properties of `group`); `depth` 0 the object alone, 0xFFFFFFFF
    /// everything below it. The reply may take up to [`PROP_LIST_MAX`] bytes.
    fn object_prop_list(
        &mut self,
        handle: ObjectHandle,
        format: u16,
        property: u32,
        group: u32,
        depth: u32,
    ) -> Result<(ObjectPropList, Vec<OplQuirk>), ClientError> {
        let params = [handle.0, u32::from(format), property, group, depth];
        let o = op(OperationCode::GET_OBJECT_PROP_LIST, &params)?.collect(PROP_LIST_MAX);
        let c = self.call(o)?;
        Ok(ObjectPropList::decode_lenient(
            data(&c),
            ObjectPropList::MAX_ELEMENTS,
        )?)
    }

    /// GetObject, streamed into `out`; `progress(received, total)` after each piece. Returns the
    /// bytes received.
    fn get_object(
        &mut self,
        handle: ObjectHandle,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<u64, ClientError> {
        let mut received = 0;
        let mut sink = WriteSink::new(out, |n, total| {
            received = n;
            progress(n, total);
        });
        self.download(op(OperationCode::GET_OBJECT, &[handle.0])?, &mut sink)?;
        Ok(received)
    }

    /// GetPartialObject: up to `max` bytes from `offset`, into `out`. Returns the bytes sent, as
    /// the camera reports them.
    fn get_partial_object(
        &mut self,
        handle: ObjectHandle,
        offset: u32,
        max: u32,
        out: &mut dyn Write,
    ) -> Result<u32, ClientError> {
        let mut sink = WriteSink::new(out, |_, _| {});
        let params = [handle.0, offset, max];
        let c = self.download(op(OperationCode::GET_PARTIAL_OBJECT, &params)?, &mut sink)?;
        Ok(c.params.get(1).unwrap_or(0))
    }

    /// GetThumb.
    fn get_thumb(&mut self, handle: ObjectHandle) -> Result<Bytes, ClientError> {
        let c = self.dataset(OperationCode::GET_THUMB, &[handle.0])?;
        Ok(c.data.unwrap_or_default())
    }

    /// SendObjectInfo then SendObject: stores `len` bytes from `reader` as a new object described
    /// by `info` in `storage` under `parent` (0 and 0: wherever the camera likes). Returns the new
    /// object's handle.
    fn send_object(
        &mut self,
        storage: StorageId,
        parent: ObjectHandle,
        info: &ObjectInfo,
        reader: &mut dyn Read,
        len: u64,
    ) -> Result<ObjectHandle, ClientError> {
        let o = op(OperationCode::SEND_OBJECT_INFO, &[storage.0, parent.0])?;
        let c = self.call(o.send(Bytes::from(info.to_bytes())))?;
        let handle = ObjectHandle(c.params.get(3).unwrap_or(0));
        self.upload(op(OperationCode::SEND_OBJECT, &[])?, reader, len)?;
        Ok(handle)
    }

    /// DeleteObject.
    fn delete_object(&mut self, handle: ObjectHandle) -> Result<(), ClientError> {
        self.call(op(OperationCode::DELETE_OBJECT, &[handle.0, 0])?)?;
        Ok(())
    }

    /// GetDevicePropDesc, decoded leniently (quirks go to [`tolerated`](Self::tolerated)).
    fn prop_desc(&mut self, code: DevicePropCode) -> Result<DevicePropDesc, ClientError> {
        let c = self.dataset(OperationCode::GET_DEVICE_PROP_DESC, &[u32::from(code.0)])?;
        Ok(DevicePropDesc::decode_lenient(data(&c))?.report(|q| self.tolerated(q)))
    }

    /// GetDevicePropValue, read as `data_type` (from the property's description).
    fn prop_value(
        &mut self,
        code: DevicePropCode,
        data_type: DataTypeCode,
    ) -> Result<PropValue, ClientError> {
        let raw = self.prop_value_raw(code)?;
        Ok(PropValue::parse_whole(&raw, data_type)?)
    }

    /// GetDevicePropValue, raw bytes; an empty value is [`ClientError::EmptyValue`], never read
    /// as zero.
    fn prop_value_raw(&mut self, code: DevicePropCode) -> Result<Bytes, ClientError> {
        let c = self.dataset(OperationCode::GET_DEVICE_PROP_VALUE, &[u32::from(code.0)])?;
        match c.data {
            Some(d) if !d.is_empty() => Ok(d),
            _ => Err(ClientError::EmptyValue(code)),
        }
    }

    /// SetDevicePropValue.
    fn set_prop_value(
        &mut self,
        code: DevicePropCode,
        value: &PropValue,
    ) -> Result<(), ClientError> {
        self.set_prop_value_raw(code, Bytes::from(value.to_bytes()))
    }

    /// SetDevicePropValue with the value's bytes as they go on the wire.
    fn set_prop_value_raw(
        &mut self,
        code: DevicePropCode,
        value: Bytes,
    ) -> Result<(), ClientError> {
        let o = op(OperationCode::SET_DEVICE_PROP_VALUE, &[u32::from(code.0)])?;
        self.call(o.send(value))?;
        Ok(())
    }

    /// Fujifilm: the property descriptions of operation 0x902B (what `info` shows on these
    /// bodies).
    fn fuji_prop_desc_list(&mut self) -> Result<DevicePropDescList, ClientError> {
        let c = self.dataset(OperationCode::FUJI_GET_DEVICE_PROP_DESC_LIST, &[])?;
        Ok(DevicePropDescList::decode(data(&c))?)
    }

    /// Fujifilm: the camera's current settings, property 0xD212.
    fn fuji_state(&mut self) -> Result<CurrentStateList, ClientError> {
        let raw = self.prop_value_raw(DevicePropCode::FUJI_CURRENT_STATE)?;
        Ok(CurrentStateList::decode(&raw)?)
    }

    /// InitiateCapture, then waits for the camera to finish: up to `timeout` for its first
    /// event, then until CaptureComplete. Fujifilm bodies announce a preview first and send
    /// CaptureComplete only once it has been fetched, so the preview is fetched
    /// (GetCapturePreview) and returned.
    ///
    /// Some cameras never send CaptureComplete: once an ObjectAdded (or a preview) has arrived,
    /// [`CAPTURE_QUIET`] without another event ends the capture too, with
    /// [`Captured::complete`] false. Events received are never dropped: a capture that times out
    /// after an ObjectAdded returns what it has.
    fn capture(&mut self, timeout: Duration) -> Result<Captured, ClientError> {
        self.call(op(OperationCode::INITIATE_CAPTURE, &[0, 0])?)?;
        let mut done = Captured::default();
        loop {
            let something = !done.added.is_empty() || done.preview.is_some();
            let wait = if something {
                timeout.min(CAPTURE_QUIET)
            } else {
                timeout
            };
            let Some(e) = self.next_event(Some(wait))? else {
                if something {
                    return Ok(done);
                }
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("the camera reported nothing within {timeout:?} of InitiateCapture"),
                )
                .into());
            };
            match e.code {
                EventCode::CAPTURE_COMPLETE => {
                    done.complete = true;
                    return Ok(done);
                }
                EventCode::OBJECT_ADDED | EventCode::FUJI_OBJECT_ADDED => done.added.push(e),
                EventCode::FUJI_PREVIEW_AVAILABLE => {
                    // The size is the word at offset 20 of the event container: parameter 3.
                    done.preview_announced = e.params.get(3);
                    let preview = op(OperationCode::FUJI_GET_CAPTURE_PREVIEW, &[])?;
                    let c = self.call(preview.collect(PREVIEW_MAX))?;
                    done.preview = Some(c.data.unwrap_or_default());
                }
                _ => done.other.push(e),
            }
        }
    }
}

/// How long [`Calls::capture`] waits after the last event for a CaptureComplete that may never
/// come.
pub const CAPTURE_QUIET: Duration = Duration::from_secs(2);

/// The largest capture preview accepted.
const PREVIEW_MAX: usize = 64 << 20;

/// What [`Calls::capture`] saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Captured {
    /// The ObjectAdded events (FujiObjectAdded on Fujifilm bodies, which carry no handle).
    pub added: Vec<DeviceEvent>,
    /// The preview JPEG a Fujifilm body offered.
    pub preview: Option<Bytes>,
    /// The preview's size as the Fujifilm event 0xC001 announced it (its third parameter).
    pub preview_announced: Option<u32>,
    /// Whether the camera said CaptureComplete (false: the capture ended after a quiet period).
    pub complete: bool,
    /// Other device events that arrived during the capture, in order (kept, not dropped).
    pub other: Vec<DeviceEvent>,
}

impl Captured {
    /// Whether the preview has the size 0xC001 announced. A body that sends another size is
    /// tolerated (the preview is kept), and this says so.
    #[must_use]
    pub fn preview_check(&self) -> PreviewCheck {
        match (&self.preview, self.preview_announced) {
            (None, _) => PreviewCheck::NoPreview,
            (Some(_), None) => PreviewCheck::NotAnnounced,
            (Some(p), Some(n)) if p.len() as u64 == u64::from(n) => PreviewCheck::Matches,
            (Some(p), Some(n)) => PreviewCheck::Differs {
                announced: n,
                received: p.len() as u64,
            },
        }
    }
}

/// How a capture's preview compares with the size announced for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreviewCheck {
    /// No preview came (not a Fujifilm body).
    NoPreview,
    /// The event carried no size.
    NotAnnounced,
    /// As announced.
    Matches,
    /// Another size than announced.
    Differs {
        /// The size 0xC001 announced.
        announced: u32,
        /// The bytes received.
        received: u64,
    },
}

/// The iterator of [`Calls::events`].
#[derive(Debug)]
pub struct DeviceEvents<'a, C> {
    calls: &'a mut C,
    done: bool,
}

impl<C: Calls> Iterator for DeviceEvents<'_, C> {
    type Item = Result<DeviceEvent, ClientError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.calls.next_event(None) {
            Ok(Some(e)) => Some(Ok(e)),
            // No timeout was given, so no event means there will be none.
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
