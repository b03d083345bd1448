//! DeviceInfo (ISO 15740 §5.5.1): the GetDeviceInfo data phase.

use super::{Tail, decode_tolerant, decode_whole};
use crate::encode::Encode;
use crate::error::{self, DecodeError, DecodeResult};
use crate::ptp::codes::{
    DevicePropCode, EventCode, FunctionalMode, ObjectFormatCode, OperationCode, VendorExtensionId,
};
use crate::ptp::string::{PtpString, parse_array, write_array};
use crate::quirk::{Quirk, ReadAs, Tolerant};
use crate::wire::{self, PutLe};

const CONTEXT: &str = "DeviceInfo";

/// DeviceInfo: what a device is and what it supports.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct DeviceInfo {
    /// StandardVersion: the PTP version implemented, times 100 (100 for PTP 1.00, 110 for 1.1).
    pub standard_version: u16,
    /// VendorExtensionID: whose extension defines the vendor code ranges.
    pub vendor_extension_id: VendorExtensionId,
    /// VendorExtensionVersion, times 100.
    pub vendor_extension_version: u16,
    /// VendorExtensionDesc: free text, for MTP a list of `name: version;` pairs.
    pub vendor_extension_desc: PtpString,
    /// FunctionalMode: the device's current mode.
    pub functional_mode: FunctionalMode,
    /// OperationsSupported.
    pub operations_supported: Vec<OperationCode>,
    /// EventsSupported.
    pub events_supported: Vec<EventCode>,
    /// DevicePropertiesSupported.
    pub device_properties_supported: Vec<DevicePropCode>,
    /// CaptureFormats: the formats InitiateCapture can produce.
    pub capture_formats: Vec<ObjectFormatCode>,
    /// ImageFormats: the formats the device can store or send.
    pub image_formats: Vec<ObjectFormatCode>,
    /// Manufacturer.
    pub manufacturer: PtpString,
    /// Model.
    pub model: PtpString,
    /// DeviceVersion: usually the firmware version.
    pub device_version: PtpString,
    /// SerialNumber.
    pub serial_number: PtpString,
}

/// Reads a PTP array of `u16` codes wrapped by `wrap`.
fn codes<'a, T>(i: &'a [u8], field: &'static str, wrap: fn(u16) -> T) -> DecodeResult<'a, Vec<T>> {
    parse_array(i, field, usize::MAX, 2, |i, f| {
        let (i, v) = wire::u16_le(i, f)?;
        Ok((i, wrap(v)))
    })
}

/// Appends a PTP array of `u16` codes.
fn put_codes<T: Copy>(out: &mut Vec<u8>, items: &[T], raw: fn(T) -> u16) {
    write_array(out, items, |c, o| o.put_u16_le(raw(*c)));
}

impl DeviceInfo {
    /// The fields a lenient decode may find missing, in wire order.
    const OPTIONAL: &'static [&'static str] =
        &["Manufacturer", "Model", "DeviceVersion", "SerialNumber"];

    /// Reads one DeviceInfo from the front of `i`.
    pub fn parse(i: &[u8]) -> DecodeResult<'_, Self> {
        let (i, (info, _)) = error::with_context(Self::parse_fields(i, false), CONTEXT)?;
        Ok((i, info))
    }

    /// Reads the fields; `lenient` lets the input end before any of [`Self::OPTIONAL`].
    fn parse_fields(i: &[u8], lenient: bool) -> DecodeResult<'_, (Self, Option<Quirk>)> {
        let (i, standard_version) = wire::u16_le(i, "StandardVersion")?;
        let (i, vendor_extension_id) = wire::u32_le(i, "VendorExtensionID")?;
        let (i, vendor_extension_version) = wire::u16_le(i, "VendorExtensionVersion")?;
        let (i, vendor_extension_desc) = PtpString::parse(i, "VendorExtensionDesc")?;
        let (i, functional_mode) = wire::u16_le(i, "FunctionalMode")?;
        let (i, operations_supported) = codes(i, "OperationsSupported", OperationCode)?;
        let (i, events_supported) = codes(i, "EventsSupported", EventCode)?;
        let (i, device_properties_supported) =
            codes(i, "DevicePropertiesSupported", DevicePropCode)?;
        let (i, capture_formats) = codes(i, "CaptureFormats", ObjectFormatCode)?;
        let (i, image_formats) = codes(i, "ImageFormats", ObjectFormatCode)?;
        let mut tail = Tail::new(i, lenient, Self::OPTIONAL);
        let mut string = |field| {
            tail.field(|i| PtpString::parse(i, field))
                .map(Option::unwrap_or_default)
        };
        let manufacturer = string("Manufacturer")?;
        let model = string("Model")?;
        let device_version = string("DeviceVersion")?;
        let serial_number = string("SerialNumber")?;
        let (i, missing) = tail.finish(CONTEXT, ReadAs::Empty);
        let info = Self {
            standard_version,
            vendor_extension_id: VendorExtensionId(vendor_extension_id),
            vendor_extension_version,
            vendor_extension_desc,
            functional_mode: FunctionalMode(functional_mode),
            operations_supported,
            events_supported,
            device_properties_supported,
            capture_formats,
            image_formats,
            manufacturer,
            model,
            device_version,
            serial_number,
        };
        Ok((i, (info, missing)))
    }

    /// Decodes a whole GetDeviceInfo data phase; trailing bytes are an error.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode_whole(bytes, CONTEXT, "SerialNumber", Self::parse)
    }

    /// Decodes a GetDeviceInfo data phase as real cameras send it: it may end after ImageFormats
    /// (the four strings then read as empty) and may have bytes after SerialNumber (ignored). Each
    /// tolerance is named in the result; see [the module docs](super#lenient-decoding).
    pub fn decode_lenient(bytes: &[u8]) -> Result<Tolerant<Self>, DecodeError> {
        decode_tolerant(bytes, CONTEXT, |i| Self::parse_fields(i, true))
    }

    /// Whether OperationsSupported lists `op`.
    #[must_use]
    pub fn supports_operation(&self, op: OperationCode) -> bool {
        self.operations_supported.contains(&op)
    }

    /// Whether DevicePropertiesSupported lists `prop`.
    #[must_use]
    pub fn supports_property(&self, prop: DevicePropCode) -> bool {
        self.device_properties_supported.contains(&prop)
    }
}

impl Encode for DeviceInfo {
    /// Bytes on the wire.
    fn encoded_len(&self) -> usize {
        let arrays = [
            self.operations_supported.len(),
            self.events_supported.len(),
            self.device_properties_supported.len(),
            self.capture_formats.len(),
            self.image_formats.len(),
        ]
        .iter()
        .map(|n| 4 + 2 * n)
        .sum::<usize>();
        2 + 4
            + 2
            + self.vendor_extension_desc.encoded_len()
            + 2
            + arrays
            + self.manufacturer.encoded_len()
            + self.model.encoded_len()
            + self.device_version.encoded_len()
            + self.serial_number.encoded_len()
    }

    /// Appends the wire form.
    fn encode(&self, out: &mut Vec<u8>) {
        out.put_u16_le(self.standard_version);
        out.put_u32_le(self.vendor_extension_id.0);
        out.put_u16_le(self.vendor_extension_version);
        self.vendor_extension_desc.write(out);
        out.put_u16_le(self.functional_mode.0);
        put_codes(out, &self.operations_supported, |c| c.0);
        put_codes(out, &self.events_supported, |c| c.0);
        put_codes(out, &self.device_properties_supported, |c| c.0);
        put_codes(out, &self.capture_formats, |c| c.0);
        put_codes(out, &self.image_formats, |c| c.0);
        self.manufacturer.write(out);
        self.model.write(out);
        self.device_version.write(out);
        self.serial_number.write(out);
    }
}
