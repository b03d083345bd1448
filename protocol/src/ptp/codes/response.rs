//! Response codes (ISO 15740 §11): how the Responder ends a transaction.

code_newtype! {
    /// A PTP response code, the first field of an OperationResponse.
    ///
    /// 0x2000–0x2023 are standard PTP (1.0, then the 1.1 additions from 0x2021) and 0xA801–0xA80A
    /// the common MTP ones.
    pub struct ResponseCode(u16);
    /// Undefined response.
    UNDEFINED = 0x2000 => "Undefined";
    /// The operation succeeded.
    OK = 0x2001 => "OK";
    /// The operation failed for an unspecified reason.
    GENERAL_ERROR = 0x2002 => "GeneralError";
    /// The operation needs an open session and there is none.
    SESSION_NOT_OPEN = 0x2003 => "SessionNotOpen";
    /// The TransactionID is zero or out of sequence.
    INVALID_TRANSACTION_ID = 0x2004 => "InvalidTransactionID";
    /// The operation code is not supported.
    OPERATION_NOT_SUPPORTED = 0x2005 => "OperationNotSupported";
    /// A non-zero parameter was given where the device supports none.
    PARAMETER_NOT_SUPPORTED = 0x2006 => "ParameterNotSupported";
    /// The data phase ended before all data was transferred.
    INCOMPLETE_TRANSFER = 0x2007 => "IncompleteTransfer";
    /// The StorageID does not name a store.
    INVALID_STORAGE_ID = 0x2008 => "InvalidStorageID";
    /// The ObjectHandle does not name an object.
    INVALID_OBJECT_HANDLE = 0x2009 => "InvalidObjectHandle";
    /// The device property code is not supported.
    DEVICE_PROP_NOT_SUPPORTED = 0x200A => "DevicePropNotSupported";
    /// The object format code is not supported for this use.
    INVALID_OBJECT_FORMAT_CODE = 0x200B => "InvalidObjectFormatCode";
    /// The store has no room left.
    STORE_FULL = 0x200C => "StoreFull";
    /// The object is protected against writing or deletion.
    OBJECT_WRITE_PROTECTED = 0x200D => "ObjectWriteProtected";
    /// The store is read-only.
    STORE_READ_ONLY = 0x200E => "StoreReadOnly";
    /// Access to the data was refused.
    ACCESS_DENIED = 0x200F => "AccessDenied";
    /// The object has no thumbnail.
    NO_THUMBNAIL_PRESENT = 0x2010 => "NoThumbnailPresent";
    /// The device failed its self test.
    SELF_TEST_FAILED = 0x2011 => "SelfTestFailed";
    /// Only some of the objects could be deleted.
    PARTIAL_DELETION = 0x2012 => "PartialDeletion";
    /// The store is not available (for example, removed).
    STORE_NOT_AVAILABLE = 0x2013 => "StoreNotAvailable";
    /// Filtering by object format is not supported.
    SPECIFICATION_BY_FORMAT_UNSUPPORTED = 0x2014 => "SpecificationByFormatUnsupported";
    /// SendObject came without a valid preceding SendObjectInfo.
    NO_VALID_OBJECT_INFO = 0x2015 => "NoValidObjectInfo";
    /// A code does not have the form of a valid code.
    INVALID_CODE_FORMAT = 0x2016 => "InvalidCodeFormat";
    /// A vendor code is not known to the device.
    UNKNOWN_VENDOR_CODE = 0x2017 => "UnknownVendorCode";
    /// The capture to terminate has already ended.
    CAPTURE_ALREADY_TERMINATED = 0x2018 => "CaptureAlreadyTerminated";
    /// The device is busy; the Initiator may retry later.
    DEVICE_BUSY = 0x2019 => "DeviceBusy";
    /// The parent object handle is not a valid association.
    INVALID_PARENT_OBJECT = 0x201A => "InvalidParentObject";
    /// The property value dataset has the wrong format.
    INVALID_DEVICE_PROP_FORMAT = 0x201B => "InvalidDevicePropFormat";
    /// The property value is outside the allowed range or set.
    INVALID_DEVICE_PROP_VALUE = 0x201C => "InvalidDevicePropValue";
    /// A parameter is invalid.
    INVALID_PARAMETER = 0x201D => "InvalidParameter";
    /// OpenSession was sent while a session is already open.
    SESSION_ALREADY_OPEN = 0x201E => "SessionAlreadyOpen";
    /// The transaction was cancelled by the Initiator.
    TRANSACTION_CANCELLED = 0x201F => "TransactionCancelled";
    /// Giving a destination store or association is not supported.
    SPECIFICATION_OF_DESTINATION_UNSUPPORTED = 0x2020 => "SpecificationOfDestinationUnsupported";
    /// PTP 1.1: the enumeration handle is not valid.
    INVALID_ENUM_HANDLE = 0x2021 => "InvalidEnumHandle";
    /// PTP 1.1: GetStream was sent with no stream enabled.
    NO_STREAM_ENABLED = 0x2022 => "NoStreamEnabled";
    /// PTP 1.1: a dataset is invalid (named apart from MTP's InvalidDataset, 0xA806).
    PTP_INVALID_DATASET = 0x2023 => "PtpInvalidDataset";
    /// MTP: the object property code is not valid.
    INVALID_OBJECT_PROP_CODE = 0xA801 => "InvalidObjectPropCode";
    /// MTP: the object property value has the wrong format.
    INVALID_OBJECT_PROP_FORMAT = 0xA802 => "InvalidObjectPropFormat";
    /// MTP: the object property value is outside the allowed range or set.
    INVALID_OBJECT_PROP_VALUE = 0xA803 => "InvalidObjectPropValue";
    /// MTP: an object reference names no object.
    INVALID_OBJECT_REFERENCE = 0xA804 => "InvalidObjectReference";
    /// MTP: the property group is not supported.
    GROUP_NOT_SUPPORTED = 0xA805 => "GroupNotSupported";
    /// MTP: a dataset is invalid.
    INVALID_DATASET = 0xA806 => "InvalidDataset";
    /// MTP: selecting properties by group is not supported.
    SPECIFICATION_BY_GROUP_UNSUPPORTED = 0xA807 => "SpecificationByGroupUnsupported";
    /// MTP: selecting objects by depth is not supported.
    SPECIFICATION_BY_DEPTH_UNSUPPORTED = 0xA808 => "SpecificationByDepthUnsupported";
    /// MTP: the object is too large for the store.
    OBJECT_TOO_LARGE = 0xA809 => "ObjectTooLarge";
    /// MTP: the object property is not supported for this object.
    OBJECT_PROP_NOT_SUPPORTED = 0xA80A => "ObjectPropNotSupported";
}

impl ResponseCode {
    /// Whether this is [`OK`](Self::OK).
    #[must_use]
    pub const fn is_ok(self) -> bool {
        self.0 == Self::OK.0
    }
}
