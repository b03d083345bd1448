//! An in-memory camera for the file commands' tests: a few objects, one of which may have an
//! ObjectInfo that does not decode, and a link that may drop in the middle of an object.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::time::Duration;

use bytes::Bytes;
use ptpip_protocol::Encode;
use ptpip_protocol::initiator::{Completion, DataIn, DataPhase, Operation};
use ptpip_protocol::ptp::codes::{EventCode, ObjectFormatCode};
use ptpip_protocol::ptp::dataset::{DeviceInfo, ObjectHandle, ObjectInfo, StorageId};
use ptpip_protocol::ptp::string::PtpString;
use ptpip_protocol::{DeviceEvent, OperationCode, Params, ResponseCode, TransactionId};
use ptpip_transport_std::{Calls, ClientError, DataSink};

use super::Camera;
use super::transfer::GET_PARTIAL_OBJECT_64;

/// The one storage.
pub(super) const STORE: StorageId = StorageId(0x0001_0001);

/// One object of the fake camera.
pub(super) struct FakeObject {
    pub(super) handle: u32,
    pub(super) info: ObjectInfo,
    pub(super) content: Vec<u8>,
    /// Serve only the first 10 bytes of the ObjectInfo (it cannot decode).
    pub(super) broken_info: bool,
}

impl FakeObject {
    /// A file `name` under `parent` (0: the top level) with `len` bytes of a pattern.
    pub(super) fn file(handle: u32, parent: u32, name: &str, len: usize) -> Self {
        let content: Vec<u8> = (0..len).map(|i| (i * 7 + handle as usize) as u8).collect();
        Self {
            handle,
            info: ObjectInfo {
                storage_id: STORE,
                object_format: ObjectFormatCode::EXIF_JPEG,
                object_compressed_size: len as u32,
                parent_object: ObjectHandle(parent),
                filename: PtpString::new(name).unwrap(),
                capture_date: PtpString::new(format!("202405{:02}T120000", handle % 28 + 1))
                    .unwrap(),
                ..ObjectInfo::default()
            },
            content,
            broken_info: false,
        }
    }

    /// A folder.
    pub(super) fn folder(handle: u32, parent: u32, name: &str) -> Self {
        let mut f = Self::file(handle, parent, name, 0);
        f.info.object_format = ObjectFormatCode::ASSOCIATION;
        f.content.clear();
        f
    }
}

/// The fake camera.
#[derive(Default)]
pub(super) struct FakeCamera {
    pub(super) objects: Vec<FakeObject>,
    /// Every operation asked for, with its parameters.
    pub(super) requests: Vec<(OperationCode, Vec<u32>)>,
    /// Drop the link once, after this many bytes of one object's data.
    pub(super) drop_after: Option<usize>,
    /// The link is down until a reconnect.
    pub(super) dead: bool,
    /// Reconnects so far.
    pub(super) reconnects: usize,
    /// Answer GetDeviceInfo with these operations (`None`: refuse it).
    pub(super) operations: Option<Vec<OperationCode>>,
    /// The events GetDeviceInfo lists.
    pub(super) events_supported: Vec<EventCode>,
    /// What `next_event` gives, in order, each with the object it brings to the card.
    pub(super) arrivals: VecDeque<(DeviceEvent, Option<FakeObject>)>,
    /// The Fujifilm capture preview (0x9022).
    pub(super) preview: Option<Vec<u8>>,
}

impl FakeCamera {
    /// A camera with `objects`.
    pub(super) fn new(objects: Vec<FakeObject>) -> Self {
        Self {
            objects,
            ..Self::default()
        }
    }

    fn object(&self, h: u32) -> Option<&FakeObject> {
        self.objects.iter().find(|o| o.handle == h)
    }

    /// The operations asked for with `code`.
    pub(super) fn asked(&self, code: OperationCode) -> Vec<Vec<u32>> {
        self.requests
            .iter()
            .filter(|(c, _)| *c == code)
            .map(|(_, p)| p.clone())
            .collect()
    }

    /// Streams `data` into `sink` in pieces, dropping the link when told to.
    fn stream(&mut self, data: &[u8], sink: &mut dyn DataSink) -> Result<(), ClientError> {
        for (i, piece) in data.chunks(4096).enumerate() {
            let offset = (i * 4096) as u64;
            if let Some(n) = self.drop_after
                && offset as usize + piece.len() > n
            {
                self.drop_after = None;
                self.dead = true;
                let cut = n - offset as usize;
                sink.piece(offset, Some(data.len() as u64), &piece[..cut])?;
                return Err(io::Error::new(io::ErrorKind::ConnectionReset, "link dropped").into());
            }
            sink.piece(offset, Some(data.len() as u64), piece)?;
        }
        Ok(())
    }
}

fn done(
    op: &Operation,
    response: ResponseCode,
    params: &[u32],
    data: Option<Vec<u8>>,
) -> Completion {
    Completion {
        transaction: TransactionId(1),
        operation: op.code,
        response,
        params: Params::from_slice(params).unwrap(),
        data: data.map(Bytes::from),
    }
}

impl Calls for FakeCamera {
    fn run(&mut self, op: Operation, sink: &mut dyn DataSink) -> Result<Completion, ClientError> {
        self.requests
            .push((op.code, op.params.iter().copied().collect()));
        if self.dead {
            return Err(io::Error::new(io::ErrorKind::NotConnected, "link down").into());
        }
        let p = |i: usize| op.params.get(i + 1).unwrap_or(0);
        let data: Vec<u8> = match op.code {
            OperationCode::GET_STORAGE_IDS => StorageId::array_to_bytes(&[STORE]),
            OperationCode::GET_DEVICE_INFO if self.operations.is_some() => DeviceInfo {
                operations_supported: self.operations.clone().unwrap_or_default(),
                events_supported: self.events_supported.clone(),
                ..DeviceInfo::default()
            }
            .to_bytes(),
            OperationCode::GET_OBJECT_HANDLES => {
                let hs: Vec<ObjectHandle> = self
                    .objects
                    .iter()
                    .map(|o| ObjectHandle(o.handle))
                    .collect();
                ObjectHandle::array_to_bytes(&hs)
            }
            OperationCode::GET_OBJECT_INFO => match self.object(p(0)) {
                Some(o) if o.broken_info => o.info.to_bytes()[..10].to_vec(),
                Some(o) => o.info.to_bytes(),
                None => return Ok(done(&op, ResponseCode::INVALID_OBJECT_HANDLE, &[], None)),
            },
            OperationCode::GET_OBJECT => match self.object(p(0)) {
                Some(o) => o.content.clone(),
                None => return Ok(done(&op, ResponseCode::INVALID_OBJECT_HANDLE, &[], None)),
            },
            OperationCode::GET_PARTIAL_OBJECT | GET_PARTIAL_OBJECT_64 => match self.object(p(0)) {
                Some(o) => {
                    // GetPartialObject64 has the offset in two parameters, then the length.
                    let (offset, max) = if op.code == GET_PARTIAL_OBJECT_64 {
                        ((u64::from(p(2)) << 32) | u64::from(p(1)), p(3))
                    } else {
                        (u64::from(p(1)), p(2))
                    };
                    let from = (offset as usize).min(o.content.len());
                    let to = from.saturating_add(max as usize).min(o.content.len());
                    o.content[from..to].to_vec()
                }
                None => return Ok(done(&op, ResponseCode::INVALID_OBJECT_HANDLE, &[], None)),
            },
            OperationCode::FUJI_GET_CAPTURE_PREVIEW if self.preview.is_some() => {
                self.preview.clone().unwrap_or_default()
            }
            _ => return Ok(done(&op, ResponseCode::OPERATION_NOT_SUPPORTED, &[], None)),
        };
        let n = data.len() as u32;
        if matches!(op.data, DataPhase::In(DataIn::Collect { .. })) {
            return Ok(done(&op, ResponseCode::OK, &[], Some(data)));
        }
        self.stream(&data, sink)?;
        Ok(done(&op, ResponseCode::OK, &[n], None))
    }

    fn run_upload(
        &mut self,
        _: Operation,
        _: &mut dyn Read,
        _: u64,
    ) -> Result<Completion, ClientError> {
        Err(io::Error::other("no uploads here").into())
    }

    fn next_event(&mut self, _: Option<Duration>) -> Result<Option<DeviceEvent>, ClientError> {
        let Some((e, object)) = self.arrivals.pop_front() else {
            return Ok(None);
        };
        self.objects.extend(object);
        Ok(Some(e))
    }
}

impl Camera for FakeCamera {
    fn calls(&mut self) -> &mut dyn Calls {
        self
    }

    fn reconnect(&mut self) -> Result<(), String> {
        self.dead = false;
        self.reconnects += 1;
        Ok(())
    }
}
