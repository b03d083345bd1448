//! PTP code words as newtypes with named constants.
//!
//! A code the crate does not know still parses: it is just a value without a [`name`](OperationCode::name).
//! That matters for PTP, where vendors fill the 0x9000 ranges (the same reasoning as tls-parser's
//! newtype code words). Each type offers:
//! - named constants (`OperationCode::GET_DEVICE_INFO`) and `ALL`, every named code;
//! - `name()`, the human name (`"GetDeviceInfo"`), and `from_name()`, its case-insensitive inverse;
//! - `Debug` as `GetDeviceInfo(0x1001)` and `Display` as the name, or `0x9999` when unnamed
//!   (eight hex digits for the `u32` [`VendorExtensionId`]).
//!
//! Vendor codes overlap between vendors; the tables here hold the standard PTP 1.0/1.1 codes, the common
//! MTP ones and the Fujifilm ones, which do not collide with each other.

mod dataset_enums;
mod datatype;
mod event;
mod format;
mod object_prop;
mod operation;
mod property;
mod response;
mod vendor;

pub use dataset_enums::{
    AccessCapability, AssociationType, FilesystemType, FunctionalMode, ProtectionStatus,
    StorageType,
};
pub use datatype::DataTypeCode;
pub use event::EventCode;
pub use format::ObjectFormatCode;
pub use object_prop::ObjectPropCode;
pub use operation::OperationCode;
pub use property::DevicePropCode;
pub use response::ResponseCode;
pub use vendor::VendorExtensionId;

#[cfg(test)]
mod tests;
