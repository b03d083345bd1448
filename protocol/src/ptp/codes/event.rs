//! Event codes (ISO 15740 §12): what the Responder reports without being asked.

code_newtype! {
    /// A PTP event code, the first field of an Event.
    ///
    /// 0x4000–0x400E are standard PTP, 0xC801–0xC803 the common MTP events and 0xC001/0xC004
    /// the Fujifilm ones.
    pub struct EventCode(u16);
    /// Undefined event.
    UNDEFINED = 0x4000 => "Undefined";
    /// The Initiator cancels the transaction given in the event.
    CANCEL_TRANSACTION = 0x4001 => "CancelTransaction";
    /// A new object appeared; parameter 1 is its handle.
    OBJECT_ADDED = 0x4002 => "ObjectAdded";
    /// An object went away; parameter 1 is its handle.
    OBJECT_REMOVED = 0x4003 => "ObjectRemoved";
    /// A new store appeared; parameter 1 is its StorageID.
    STORE_ADDED = 0x4004 => "StoreAdded";
    /// A store went away; parameter 1 is its StorageID.
    STORE_REMOVED = 0x4005 => "StoreRemoved";
    /// A property value changed; parameter 1 is its code.
    DEVICE_PROP_CHANGED = 0x4006 => "DevicePropChanged";
    /// An object's ObjectInfo changed; parameter 1 is its handle.
    OBJECT_INFO_CHANGED = 0x4007 => "ObjectInfoChanged";
    /// The DeviceInfo changed; read it again.
    DEVICE_INFO_CHANGED = 0x4008 => "DeviceInfoChanged";
    /// The device asks the Initiator to fetch an object.
    REQUEST_OBJECT_TRANSFER = 0x4009 => "RequestObjectTransfer";
    /// A store became full; parameter 1 is its StorageID.
    STORE_FULL = 0x400A => "StoreFull";
    /// The device was reset and every session is closed.
    DEVICE_RESET = 0x400B => "DeviceReset";
    /// A store's StorageInfo changed; parameter 1 is its StorageID.
    STORAGE_INFO_CHANGED = 0x400C => "StorageInfoChanged";
    /// A capture finished; parameter 1 is the capture's TransactionID.
    CAPTURE_COMPLETE = 0x400D => "CaptureComplete";
    /// Some events were lost; the Initiator should resynchronise its state.
    UNREPORTED_STATUS = 0x400E => "UnreportedStatus";
    /// Fujifilm: a capture's preview is ready for GetCapturePreview (0x9022); the event's
    /// third parameter (the word at offset 20 of its container) is the preview's size.
    FUJI_PREVIEW_AVAILABLE = 0xC001 => "FujiPreviewAvailable";
    /// Fujifilm: a new object appeared (the vendor form of ObjectAdded).
    FUJI_OBJECT_ADDED = 0xC004 => "FujiObjectAdded";
    /// MTP: an object property value changed.
    OBJECT_PROP_CHANGED = 0xC801 => "ObjectPropChanged";
    /// MTP: an object property description changed.
    OBJECT_PROP_DESC_CHANGED = 0xC802 => "ObjectPropDescChanged";
    /// MTP: an object's references changed.
    OBJECT_REFERENCES_CHANGED = 0xC803 => "ObjectReferencesChanged";
}
