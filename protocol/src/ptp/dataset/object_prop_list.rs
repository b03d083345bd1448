//! ObjectPropList (MTP 1.1, the ObjectPropList dataset): the data phase of GetObjectPropList
//! (0x9805), which lists many properties of many objects in one round trip.
//!
//! The wire form is a `u32` NumberOfElements, then for each element a `u32` ObjectHandle, a `u16`
//! ObjectPropertyCode, a `u16` DataType and the value in that type's form (ISO 15740 §5.3, as a
//! DevicePropDesc value). Each element carries its own type, so a value of an unexpected type is
//! still read whole.

use super::{ObjectHandle, ObjectInfo, StorageId, decode_whole, to_bytes_with};
use crate::error::{self, DecodeError, DecodeReason, DecodeResult};
use crate::ptp::codes::{
    AssociationType, DataTypeCode, ObjectFormatCode, ObjectPropCode, ProtectionStatus,
};
use crate::ptp::string::{PtpString, check_fits};
use crate::ptp::value::PropValue;
use crate::wire::{self, PutLe};

const CONTEXT: &str = "ObjectPropList";

/// One element of an [`ObjectPropList`]: a property of an object and its value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ObjectProp {
    /// The object.
    pub handle: ObjectHandle,
    /// The property.
    pub code: ObjectPropCode,
    /// Its value; the element's DataType is the value's ([`PropValue::data_type`]). A
    /// [`PropValue::FixedAscii`] (which no element decodes to) is written as-is, which no
    /// decoder reads back: do not send one.
    pub value: PropValue,
}

/// The data phase of GetObjectPropList: property values of one or many objects, in the order the
/// device sent them.
///
/// [`decode`](Self::decode) is strict (exactly the announced elements, nothing after them);
/// [`decode_lenient`](Self::decode_lenient) also takes what real devices send and names each
/// tolerance as an [`OplQuirk`]. Both check NumberOfElements against a cap and against the input
/// left before allocating. [`objects`](Self::objects) turns a list into one record per object.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ObjectPropList {
    /// The elements, in wire order.
    pub elements: Vec<ObjectProp>,
}

/// A tolerance [`ObjectPropList::decode_lenient`] applied.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OplQuirk {
    /// The input ended before the number of elements announced (libgphoto2's "short MTP Object
    /// Property List", on the devices it and libmtp flag `BROKEN_MTPGETOBJPROPLIST`): the whole
    /// elements before the end are kept, a cut one is dropped.
    ShortList {
        /// NumberOfElements as sent.
        announced: u32,
        /// Elements decoded.
        decoded: u32,
    },
    /// Bytes after the announced elements (ignored).
    TrailingBytes {
        /// How many.
        extra: u64,
    },
    /// A property sent with another data type than MTP gives it (ObjectSize as UINT32, say):
    /// the value is kept as sent, and [`ObjectPropList::objects`] reads any integer width.
    /// Reported once per property code.
    UnexpectedType {
        /// The property.
        code: ObjectPropCode,
        /// The type MTP gives it.
        expected: DataTypeCode,
        /// The type sent.
        got: DataTypeCode,
    },
}

impl std::fmt::Display for OplQuirk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ShortList { announced, decoded } => write!(
                f,
                "the list announced {announced} elements but held {decoded}"
            ),
            Self::TrailingBytes { extra } => write!(f, "{extra} bytes after the last element"),
            Self::UnexpectedType {
                code,
                expected,
                got,
            } => write!(f, "{code} sent as {got} instead of {expected}"),
        }
    }
}

/// One object as an ObjectPropList describes it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ListedObject {
    /// The object.
    pub handle: ObjectHandle,
    /// Its ObjectInfo, from the properties that have an ObjectInfo field (StorageID,
    /// ObjectFormat, ProtectionStatus, ObjectSize, AssociationType, AssociationDesc, ParentObject,
    /// ObjectFileName, DateCreated, DateModified, Keywords, Width, Height); the others are 0 or
    /// empty. ObjectCompressedSize is 0xFFFFFFFF for objects of 4 GiB or more, as MTP devices say.
    pub info: ObjectInfo,
    /// ObjectSize in full, when the list has it.
    pub size: Option<u64>,
}

impl ObjectPropList {
    /// The fewest bytes an element takes: handle, code, data type and a one-byte value.
    pub const MIN_ELEMENT_LEN: usize = 4 + 2 + 2 + 1;

    /// The most elements [`decode`](Self::decode) accepts, and the default cap of
    /// [`decode_lenient`](Self::decode_lenient): 4 Mi elements (a card of 200 000 objects with
    /// 20 properties each).
    pub const MAX_ELEMENTS: u32 = 1 << 22;

    /// Reads one list from the front of `i`: exactly NumberOfElements elements.
    pub fn parse(i: &[u8]) -> DecodeResult<'_, Self> {
        error::with_context(Self::parse_fields(i), CONTEXT)
    }

    fn parse_fields(i: &[u8]) -> DecodeResult<'_, Self> {
        let (mut i, count) = Self::count(i, Self::MAX_ELEMENTS)?;
        check_fits(i, "NumberOfElements", count as usize, Self::MIN_ELEMENT_LEN)?;
        let mut elements = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let (rest, e) = parse_element(i)?;
            elements.push(e);
            i = rest;
        }
        Ok((i, Self { elements }))
    }

    /// NumberOfElements, refused above `max`.
    fn count(i: &[u8], max: u32) -> DecodeResult<'_, u32> {
        let (i, count) = wire::u32_le(i, "NumberOfElements")?;
        if count > max {
            return wire::fail(
                "NumberOfElements",
                DecodeReason::TooLarge {
                    length: u64::from(count),
                    max: u64::from(max),
                },
            );
        }
        Ok((i, count))
    }

    /// Decodes a whole GetObjectPropList data phase; a short list or trailing bytes are errors.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode_whole(bytes, CONTEXT, "Value", Self::parse)
    }

    /// Decodes a data phase as real devices send it: more elements announced than sent, bytes
    /// after the last element, and properties of unexpected types are accepted and reported.
    /// NumberOfElements above `max_elements` is still an error, and nothing is reserved beyond
    /// what the input can hold. An element that does not decode for another reason (an unknown
    /// data type, whose length cannot be known) fails the whole list.
    pub fn decode_lenient(
        bytes: &[u8],
        max_elements: u32,
    ) -> Result<(Self, Vec<OplQuirk>), DecodeError> {
        let fail = |e: nom::Err<DecodeError>| match e {
            nom::Err::Error(e) | nom::Err::Failure(e) => e.in_context(CONTEXT),
            nom::Err::Incomplete(_) => DecodeError::new(
                "NumberOfElements",
                DecodeReason::Truncated {
                    needed: 4,
                    available: bytes.len() as u64,
                },
            )
            .in_context(CONTEXT),
        };
        let (mut i, announced) = Self::count(bytes, max_elements).map_err(fail)?;
        let room = i.len() / Self::MIN_ELEMENT_LEN;
        let mut elements = Vec::with_capacity((announced as usize).min(room));
        let mut quirks = Vec::new();
        for _ in 0..announced {
            if i.is_empty() {
                break;
            }
            match parse_element(i) {
                Ok((rest, e)) => {
                    elements.push(e);
                    i = rest;
                }
                Err(e) if is_truncation(&e) => {
                    i = &[];
                    break;
                }
                Err(e) => return Err(fail(e)),
            }
        }
        let decoded = u32::try_from(elements.len()).unwrap_or(u32::MAX);
        if decoded < announced {
            quirks.push(OplQuirk::ShortList { announced, decoded });
        }
        if !i.is_empty() {
            quirks.push(OplQuirk::TrailingBytes {
                extra: i.len() as u64,
            });
        }
        let list = Self { elements };
        list.type_quirks(&mut quirks);
        Ok((list, quirks))
    }

    /// One [`OplQuirk::UnexpectedType`] per property code sent with another type than MTP's.
    fn type_quirks(&self, quirks: &mut Vec<OplQuirk>) {
        for e in &self.elements {
            let got = e.value.data_type();
            let Some(expected) = e.code.standard_type() else {
                continue;
            };
            let seen = quirks
                .iter()
                .any(|q| matches!(q, OplQuirk::UnexpectedType { code, .. } if *code == e.code));
            if got != expected && !seen {
                quirks.push(OplQuirk::UnexpectedType {
                    code: e.code,
                    expected,
                    got,
                });
            }
        }
    }

    /// Appends the wire form.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.put_u32_le(u32::try_from(self.elements.len()).unwrap_or(u32::MAX));
        for e in &self.elements {
            e.handle.write(out);
            out.put_u16_le(e.code.0);
            out.put_u16_le(e.value.data_type().0);
            e.value.write(out);
        }
    }

    /// The wire form in a new vector.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        to_bytes_with(self.encoded_len(), |out| self.encode(out))
    }

    /// Bytes on the wire.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        4 + self
            .elements
            .iter()
            .map(|e| 8 + e.value.encoded_len())
            .sum::<usize>()
    }

    /// One record per object, in the order objects first appear. Integer properties are read
    /// whatever their integer type (see [`OplQuirk::UnexpectedType`]); a value that does not fit
    /// its field, or a string property sent as a number, is ignored.
    #[must_use]
    pub fn objects(&self) -> Vec<ListedObject> {
        let mut out: Vec<ListedObject> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for e in &self.elements {
            let at = *index.entry(e.handle).or_insert_with(|| {
                out.push(ListedObject {
                    handle: e.handle,
                    ..ListedObject::default()
                });
                out.len() - 1
            });
            apply(&mut out[at], e);
        }
        out
    }
}

/// Sets the field of `o` that property `e` gives.
fn apply(o: &mut ListedObject, e: &ObjectProp) {
    let int = e.value.as_i128();
    let u32v = int.and_then(|v| u32::try_from(v).ok());
    let u16v = int.and_then(|v| u16::try_from(v).ok());
    let text = || match &e.value {
        PropValue::Str(s) => Some(s.clone()),
        _ => None,
    };
    let info = &mut o.info;
    match e.code {
        ObjectPropCode::STORAGE_ID => set(&mut info.storage_id, u32v.map(StorageId)),
        ObjectPropCode::OBJECT_FORMAT => set(&mut info.object_format, u16v.map(ObjectFormatCode)),
        ObjectPropCode::PROTECTION_STATUS => {
            set(&mut info.protection_status, u16v.map(ProtectionStatus));
        }
        ObjectPropCode::OBJECT_SIZE => {
            if let Some(size) = int.and_then(|v| u64::try_from(v).ok()) {
                o.size = Some(size);
                info.object_compressed_size = u32::try_from(size).unwrap_or(u32::MAX);
            }
        }
        ObjectPropCode::ASSOCIATION_TYPE => {
            set(&mut info.association_type, u16v.map(AssociationType));
        }
        ObjectPropCode::ASSOCIATION_DESC => set(&mut info.association_desc, u32v),
        ObjectPropCode::PARENT_OBJECT => set(&mut info.parent_object, u32v.map(ObjectHandle)),
        ObjectPropCode::OBJECT_FILE_NAME => set(&mut info.filename, text()),
        ObjectPropCode::DATE_CREATED => set(&mut info.capture_date, text()),
        ObjectPropCode::DATE_MODIFIED => set(&mut info.modification_date, text()),
        ObjectPropCode::KEYWORDS => set(&mut info.keywords, text()),
        ObjectPropCode::WIDTH => set(&mut info.image_pix_width, u32v),
        ObjectPropCode::HEIGHT => set(&mut info.image_pix_height, u32v),
        _ => {}
    }
}

fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *field = v;
    }
}

/// One element.
fn parse_element(i: &[u8]) -> DecodeResult<'_, ObjectProp> {
    let (i, handle) = ObjectHandle::parse(i, "ObjectHandle")?;
    let (i, code) = wire::u16_le(i, "ObjectPropertyCode")?;
    let (i, data_type) = wire::u16_le(i, "DataType")?;
    let (i, value) = PropValue::parse(i, DataTypeCode(data_type))?;
    Ok((
        i,
        ObjectProp {
            handle,
            code: ObjectPropCode(code),
            value,
        },
    ))
}

/// Whether an element failed only because the input ended inside it.
fn is_truncation(e: &nom::Err<DecodeError>) -> bool {
    match e {
        nom::Err::Incomplete(_) => true,
        nom::Err::Error(e) | nom::Err::Failure(e) => {
            matches!(e.reason, DecodeReason::Truncated { .. })
        }
    }
}

impl ObjectProp {
    /// An element.
    #[must_use]
    pub const fn new(handle: ObjectHandle, code: ObjectPropCode, value: PropValue) -> Self {
        Self {
            handle,
            code,
            value,
        }
    }

    /// A string element.
    #[must_use]
    pub const fn text(handle: ObjectHandle, code: ObjectPropCode, value: PtpString) -> Self {
        Self::new(handle, code, PropValue::Str(value))
    }
}
