//! Data type codes (ISO 15740 §5.3): how a property value or dataset field is laid out.

code_newtype! {
    /// A PTP data type code, as found in a DevicePropDesc.
    ///
    /// 0x0001–0x000A are the integers from INT8 to UINT128, 0x4001–0x400A arrays of them (a `u32`
    /// count, then the elements), and 0xFFFF a PTP string.
    pub struct DataTypeCode(u16);
    /// Undefined.
    UNDEF = 0x0000 => "UNDEF";
    /// Signed 8-bit integer.
    INT8 = 0x0001 => "INT8";
    /// Unsigned 8-bit integer.
    UINT8 = 0x0002 => "UINT8";
    /// Signed 16-bit integer.
    INT16 = 0x0003 => "INT16";
    /// Unsigned 16-bit integer.
    UINT16 = 0x0004 => "UINT16";
    /// Signed 32-bit integer.
    INT32 = 0x0005 => "INT32";
    /// Unsigned 32-bit integer.
    UINT32 = 0x0006 => "UINT32";
    /// Signed 64-bit integer.
    INT64 = 0x0007 => "INT64";
    /// Unsigned 64-bit integer.
    UINT64 = 0x0008 => "UINT64";
    /// Signed 128-bit integer.
    INT128 = 0x0009 => "INT128";
    /// Unsigned 128-bit integer.
    UINT128 = 0x000A => "UINT128";
    /// Array of INT8.
    AINT8 = 0x4001 => "AINT8";
    /// Array of UINT8.
    AUINT8 = 0x4002 => "AUINT8";
    /// Array of INT16.
    AINT16 = 0x4003 => "AINT16";
    /// Array of UINT16.
    AUINT16 = 0x4004 => "AUINT16";
    /// Array of INT32.
    AINT32 = 0x4005 => "AINT32";
    /// Array of UINT32.
    AUINT32 = 0x4006 => "AUINT32";
    /// Array of INT64.
    AINT64 = 0x4007 => "AINT64";
    /// Array of UINT64.
    AUINT64 = 0x4008 => "AUINT64";
    /// Array of INT128.
    AINT128 = 0x4009 => "AINT128";
    /// Array of UINT128.
    AUINT128 = 0x400A => "AUINT128";
    /// PTP string: a `u8` count of UTF-16 code units (NUL included), then the units.
    STR = 0xFFFF => "STR";
}

impl DataTypeCode {
    /// Whether this is one of the array types.
    #[must_use]
    pub const fn is_array(self) -> bool {
        self.0 >= 0x4001 && self.0 <= 0x400A
    }

    /// The element type of an array type, or the type itself.
    #[must_use]
    pub const fn element(self) -> Self {
        if self.is_array() {
            Self(self.0 - 0x4000)
        } else {
            self
        }
    }
}
