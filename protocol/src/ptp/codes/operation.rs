//! Operation codes (ISO 15740 §10.4): what an Initiator asks the Responder to do.

code_newtype! {
    /// A PTP operation code, the first field of an OperationRequest.
    ///
    /// 0x1000–0x1025 are standard PTP (1.0, then the 1.1 additions from 0x101D), 0x9801–0x9820 the
    /// common MTP operations, and 0x9020–0x902E the Fujifilm ones this crate uses.
    pub struct OperationCode(u16);
    /// Undefined operation.
    UNDEFINED = 0x1000 => "Undefined";
    /// Read the DeviceInfo dataset; allowed outside a session.
    GET_DEVICE_INFO = 0x1001 => "GetDeviceInfo";
    /// Open a session; parameter 1 is the SessionID.
    OPEN_SESSION = 0x1002 => "OpenSession";
    /// Close the current session.
    CLOSE_SESSION = 0x1003 => "CloseSession";
    /// List the StorageIDs the device currently has.
    GET_STORAGE_IDS = 0x1004 => "GetStorageIDs";
    /// Read the StorageInfo dataset of one store.
    GET_STORAGE_INFO = 0x1005 => "GetStorageInfo";
    /// Count the objects matching a store, format and association filter.
    GET_NUM_OBJECTS = 0x1006 => "GetNumObjects";
    /// List the handles of the objects matching a store, format and association filter.
    GET_OBJECT_HANDLES = 0x1007 => "GetObjectHandles";
    /// Read the ObjectInfo dataset of one object.
    GET_OBJECT_INFO = 0x1008 => "GetObjectInfo";
    /// Read an object's data.
    GET_OBJECT = 0x1009 => "GetObject";
    /// Read an object's thumbnail.
    GET_THUMB = 0x100A => "GetThumb";
    /// Delete an object (or all objects of a format).
    DELETE_OBJECT = 0x100B => "DeleteObject";
    /// Announce an object to be sent, by its ObjectInfo.
    SEND_OBJECT_INFO = 0x100C => "SendObjectInfo";
    /// Send the data of the object announced by SendObjectInfo.
    SEND_OBJECT = 0x100D => "SendObject";
    /// Capture new objects (take a picture).
    INITIATE_CAPTURE = 0x100E => "InitiateCapture";
    /// Erase (format) a store.
    FORMAT_STORE = 0x100F => "FormatStore";
    /// Reset the device, closing every session.
    RESET_DEVICE = 0x1010 => "ResetDevice";
    /// Run the device's self test.
    SELF_TEST = 0x1011 => "SelfTest";
    /// Set an object's protection status.
    SET_OBJECT_PROTECTION = 0x1012 => "SetObjectProtection";
    /// Power the device down.
    POWER_DOWN = 0x1013 => "PowerDown";
    /// Read the DevicePropDesc dataset of one property.
    GET_DEVICE_PROP_DESC = 0x1014 => "GetDevicePropDesc";
    /// Read the current value of one property.
    GET_DEVICE_PROP_VALUE = 0x1015 => "GetDevicePropValue";
    /// Write the value of one property.
    SET_DEVICE_PROP_VALUE = 0x1016 => "SetDevicePropValue";
    /// Reset one property to its factory default.
    RESET_DEVICE_PROP_VALUE = 0x1017 => "ResetDevicePropValue";
    /// End an open-ended capture started by InitiateOpenCapture.
    TERMINATE_OPEN_CAPTURE = 0x1018 => "TerminateOpenCapture";
    /// Move an object to another store or association.
    MOVE_OBJECT = 0x1019 => "MoveObject";
    /// Copy an object to another store or association.
    COPY_OBJECT = 0x101A => "CopyObject";
    /// Read a byte range of an object's data.
    GET_PARTIAL_OBJECT = 0x101B => "GetPartialObject";
    /// Start an open-ended capture, ended by TerminateOpenCapture.
    INITIATE_OPEN_CAPTURE = 0x101C => "InitiateOpenCapture";
    /// PTP 1.1: start enumerating object handles in chunks.
    START_ENUM_HANDLES = 0x101D => "StartEnumHandles";
    /// PTP 1.1: read the next chunk of an enumeration.
    ENUM_HANDLES = 0x101E => "EnumHandles";
    /// PTP 1.1: end a handle enumeration.
    STOP_ENUM_HANDLES = 0x101F => "StopEnumHandles";
    /// PTP 1.1: read how vendor extension codes are mapped.
    GET_VENDOR_EXTENSION_MAPS = 0x1020 => "GetVendorExtensionMaps";
    /// PTP 1.1: read the DeviceInfo of one vendor extension.
    GET_VENDOR_DEVICE_INFO = 0x1021 => "GetVendorDeviceInfo";
    /// PTP 1.1: read an image object scaled to a requested size.
    GET_RESIZED_IMAGE_OBJECT = 0x1022 => "GetResizedImageObject";
    /// PTP 1.1: read the filesystem information of many objects at once.
    GET_FILESYSTEM_MANIFEST = 0x1023 => "GetFilesystemManifest";
    /// PTP 1.1: read the StreamInfo dataset of a stream.
    GET_STREAM_INFO = 0x1024 => "GetStreamInfo";
    /// PTP 1.1: start a stream transfer.
    GET_STREAM = 0x1025 => "GetStream";
    /// Fujifilm: start recording a movie.
    FUJI_START_MOVIE_RECORD = 0x9020 => "FujiStartMovieRecord";
    /// Fujifilm: stop recording a movie.
    FUJI_STOP_MOVIE_RECORD = 0x9021 => "FujiStopMovieRecord";
    /// Fujifilm: read one live-view preview frame.
    FUJI_GET_CAPTURE_PREVIEW = 0x9022 => "FujiGetCapturePreview";
    /// Fujifilm: set the focus point and lock focus (half-press).
    FUJI_SET_FOCUS_POINT = 0x9026 => "FujiSetFocusPoint";
    /// Fujifilm: release the focus point lock.
    FUJI_RESET_FOCUS_POINT = 0x9027 => "FujiResetFocusPoint";
    /// Fujifilm: read the list of DevicePropDescs for every property the camera exposes.
    FUJI_GET_DEVICE_PROP_DESC_LIST = 0x902B => "FujiGetDevicePropDescList";
    /// Fujifilm: step the shutter speed.
    FUJI_SET_SHUTTER_SPEED = 0x902C => "FujiSetShutterSpeed";
    /// Fujifilm: step the aperture.
    FUJI_SET_APERTURE = 0x902D => "FujiSetAperture";
    /// Fujifilm: step the exposure compensation.
    FUJI_SET_EXPOSURE_COMPENSATION = 0x902E => "FujiSetExposureCompensation";
    /// MTP: list the object properties supported for a format.
    GET_OBJECT_PROPS_SUPPORTED = 0x9801 => "GetObjectPropsSupported";
    /// MTP: read the description of one object property.
    GET_OBJECT_PROP_DESC = 0x9802 => "GetObjectPropDesc";
    /// MTP: read one property value of an object.
    GET_OBJECT_PROP_VALUE = 0x9803 => "GetObjectPropValue";
    /// MTP: write one property value of an object.
    SET_OBJECT_PROP_VALUE = 0x9804 => "SetObjectPropValue";
    /// MTP: read many property values of many objects at once.
    GET_OBJECT_PROP_LIST = 0x9805 => "GetObjectPropList";
    /// MTP: write many property values of many objects at once.
    SET_OBJECT_PROP_LIST = 0x9806 => "SetObjectPropList";
    /// MTP: read the descriptions of properties that depend on each other.
    GET_INTERDEPENDENT_PROP_DESC = 0x9807 => "GetInterdependentPropDesc";
    /// MTP: announce an object to be sent, by a property list instead of an ObjectInfo.
    SEND_OBJECT_PROP_LIST = 0x9808 => "SendObjectPropList";
    /// MTP: read the handles an object refers to.
    GET_OBJECT_REFERENCES = 0x9810 => "GetObjectReferences";
    /// MTP: write the handles an object refers to.
    SET_OBJECT_REFERENCES = 0x9811 => "SetObjectReferences";
    /// MTP: install a firmware object previously sent to the device.
    UPDATE_DEVICE_FIRMWARE = 0x9812 => "UpdateDeviceFirmware";
    /// MTP: skip forward or back in the device's current playlist.
    SKIP = 0x9820 => "Skip";
}
