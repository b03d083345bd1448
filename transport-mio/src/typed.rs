//! The typed calls of the [`Runner`]: one method per PTP operation a user wants, the same names
//! as the std client's.

use std::io::{Read, Write};

use bytes::Bytes;
use ptpip_protocol::initiator::{Completion, Operation};
use ptpip_protocol::ptp::codes::DevicePropCode;
use ptpip_protocol::ptp::dataset::{DeviceInfo, ObjectHandle, ObjectInfo, StorageId, StorageInfo};
use ptpip_protocol::{OperationCode, OperationError};

use crate::config::{ClientError, WriteSink};
use crate::runner::Runner;

/// The most bytes a dataset reply may have (a DeviceInfo is a few hundred bytes; handle lists of
/// 100 000 objects are 400 KB).
const DATASET_MAX: usize = 16 << 20;

fn op(code: OperationCode, params: &[u32]) -> Result<Operation, ClientError> {
    Operation::new(code, params)
        .ok_or_else(|| OperationError::Invalid("at most five parameters").into())
}

fn data(c: &Completion) -> &[u8] {
    c.data.as_deref().unwrap_or_default()
}

impl Runner {
    fn dataset(&mut self, code: OperationCode, params: &[u32]) -> Result<Completion, ClientError> {
        self.execute(op(code, params)?.collect(DATASET_MAX))
    }

    /// GetDeviceInfo.
    pub fn device_info(&mut self) -> Result<DeviceInfo, ClientError> {
        let c = self.dataset(OperationCode::GET_DEVICE_INFO, &[])?;
        Ok(DeviceInfo::decode(data(&c))?)
    }

    /// GetStorageIDs.
    pub fn storage_ids(&mut self) -> Result<Vec<StorageId>, ClientError> {
        let c = self.dataset(OperationCode::GET_STORAGE_IDS, &[])?;
        Ok(StorageId::decode_array(data(&c))?)
    }

    /// GetStorageInfo.
    pub fn storage_info(&mut self, storage: StorageId) -> Result<StorageInfo, ClientError> {
        let c = self.dataset(OperationCode::GET_STORAGE_INFO, &[storage.0])?;
        Ok(StorageInfo::decode(data(&c))?)
    }

    /// GetObjectHandles: objects in `storage` (0xFFFFFFFF: all), of `format` (0: any), under
    /// `parent` (0xFFFFFFFF: the root, 0: anywhere).
    pub fn object_handles(
        &mut self,
        storage: StorageId,
        format: u16,
        parent: ObjectHandle,
    ) -> Result<Vec<ObjectHandle>, ClientError> {
        let params = [storage.0, u32::from(format), parent.0];
        let c = self.dataset(OperationCode::GET_OBJECT_HANDLES, &params)?;
        Ok(ObjectHandle::decode_array(data(&c))?)
    }

    /// GetObjectInfo.
    pub fn object_info(&mut self, handle: ObjectHandle) -> Result<ObjectInfo, ClientError> {
        let c = self.dataset(OperationCode::GET_OBJECT_INFO, &[handle.0])?;
        Ok(ObjectInfo::decode(data(&c))?)
    }

    /// GetObject, streamed into `out`; `progress(received, total)` after each piece. Returns the
    /// bytes received.
    pub fn get_object(
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

    /// SendObjectInfo then SendObject: stores `len` bytes from `reader` as a new object described
    /// by `info` in `storage` under `parent` (0 and 0: wherever the camera likes). Returns the new
    /// object's handle, as the camera reports it.
    pub fn send_object(
        &mut self,
        storage: StorageId,
        parent: ObjectHandle,
        info: &ObjectInfo,
        reader: &mut dyn Read,
        len: u64,
    ) -> Result<ObjectHandle, ClientError> {
        let c = self.execute(
            op(OperationCode::SEND_OBJECT_INFO, &[storage.0, parent.0])?
                .send(Bytes::from(info.to_bytes())),
        )?;
        let handle = ObjectHandle(c.params.get(3).unwrap_or(0));
        self.upload(op(OperationCode::SEND_OBJECT, &[])?, reader, len)?;
        Ok(handle)
    }

    /// DeleteObject.
    pub fn delete_object(&mut self, handle: ObjectHandle) -> Result<(), ClientError> {
        self.execute(op(OperationCode::DELETE_OBJECT, &[handle.0, 0])?)?;
        Ok(())
    }

    /// GetDevicePropValue, raw bytes.
    pub fn prop_value_raw(&mut self, code: DevicePropCode) -> Result<Bytes, ClientError> {
        let c = self.dataset(OperationCode::GET_DEVICE_PROP_VALUE, &[u32::from(code.0)])?;
        Ok(c.data.unwrap_or_default())
    }

    /// SetDevicePropValue with `value` already encoded.
    pub fn set_prop_value_raw(
        &mut self,
        code: DevicePropCode,
        value: Bytes,
    ) -> Result<(), ClientError> {
        let o = op(OperationCode::SET_DEVICE_PROP_VALUE, &[u32::from(code.0)])?;
        self.execute(o.send(value))?;
        Ok(())
    }
}
