//! The PTP datasets (ISO 15740 §5.5): DeviceInfo, StorageInfo, ObjectInfo, DevicePropDesc and the
//! handle and storage-id arrays.
