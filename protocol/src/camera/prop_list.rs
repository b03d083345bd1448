//! GetObjectPropList (MTP 0x9805) over an [`ObjectStore`]: a whole card's listing in one round
//! trip, for the cameras that offer it ([`VirtualCamera::set_object_prop_list`]).
//!
//! [`VirtualCamera::set_object_prop_list`]: super::VirtualCamera::set_object_prop_list

use super::{Object, ObjectStore};
use crate::ptp::codes::{ObjectPropCode, ResponseCode};
use crate::ptp::dataset::{ObjectHandle, ObjectProp, ObjectPropList};
use crate::ptp::value::PropValue;

/// The properties listed for every object, in this order.
pub const LISTED_PROPERTIES: [ObjectPropCode; 12] = [
    ObjectPropCode::STORAGE_ID,
    ObjectPropCode::OBJECT_FORMAT,
    ObjectPropCode::PROTECTION_STATUS,
    ObjectPropCode::OBJECT_SIZE,
    ObjectPropCode::ASSOCIATION_TYPE,
    ObjectPropCode::ASSOCIATION_DESC,
    ObjectPropCode::OBJECT_FILE_NAME,
    ObjectPropCode::DATE_CREATED,
    ObjectPropCode::DATE_MODIFIED,
    ObjectPropCode::PARENT_OBJECT,
    ObjectPropCode::WIDTH,
    ObjectPropCode::HEIGHT,
];

/// GetObjectPropList's depth for "every level below".
const ALL_LEVELS: u32 = 0xFFFF_FFFF;

impl ObjectStore {
    /// The ObjectPropList GetObjectPropList returns for its five parameters, or the response
    /// code to refuse it with:
    /// - `handle`: 0xFFFFFFFF for every object (whatever the depth); 0 for the top level of
    ///   every store (with depth 1 its objects, with 0xFFFFFFFF everything, with 0 nothing); else
    ///   that object, with depth 1 its children too, with 0xFFFFFFFF its whole subtree;
    /// - `format`: 0 for any, else only objects of that format;
    /// - `property`: 0xFFFFFFFF for all of [`LISTED_PROPERTIES`], or one of them (others are
    ///   ObjectPropNotSupported); 0 asks by `group`, which is SpecificationByGroupUnsupported;
    /// - `depth`: 0, 1 or 0xFFFFFFFF (others are SpecificationByDepthUnsupported).
    pub fn object_prop_list(
        &self,
        handle: u32,
        format: u32,
        property: u32,
        group: u32,
        depth: u32,
    ) -> Result<ObjectPropList, ResponseCode> {
        let _ = group;
        let properties: Vec<ObjectPropCode> = match property {
            ObjectPropCode::ALL_PROPERTIES => LISTED_PROPERTIES.to_vec(),
            0 => return Err(ResponseCode::SPECIFICATION_BY_GROUP_UNSUPPORTED),
            p => {
                let code = u16::try_from(p)
                    .ok()
                    .map(ObjectPropCode)
                    .filter(|c| LISTED_PROPERTIES.contains(c))
                    .ok_or(ResponseCode::OBJECT_PROP_NOT_SUPPORTED)?;
                vec![code]
            }
        };
        if !matches!(depth, 0 | 1 | ALL_LEVELS) {
            return Err(ResponseCode::SPECIFICATION_BY_DEPTH_UNSUPPORTED);
        }
        let handles: Vec<ObjectHandle> = match (handle, depth) {
            (Self::ALL, _) | (0, ALL_LEVELS) => self.objects().map(|o| o.handle).collect(),
            (0, 0) => Vec::new(),
            (0, _) => self
                .objects()
                .filter(|o| o.parent == ObjectHandle::NONE)
                .map(|o| o.handle)
                .collect(),
            (h, _) => {
                let h = ObjectHandle(h);
                if self.object(h).is_none() {
                    return Err(ResponseCode::INVALID_OBJECT_HANDLE);
                }
                match depth {
                    0 => vec![h],
                    1 => std::iter::once(h)
                        .chain(self.objects().filter(|o| o.parent == h).map(|o| o.handle))
                        .collect(),
                    _ => self.subtree(h),
                }
            }
        };
        let mut elements = Vec::with_capacity(handles.len() * properties.len());
        for o in handles.iter().filter_map(|h| self.object(*h)) {
            if format != 0 && u32::from(o.format.0) != format {
                continue;
            }
            for &code in &properties {
                elements.push(ObjectProp::new(o.handle, code, value(o, code)));
            }
        }
        Ok(ObjectPropList { elements })
    }
}

/// Property `code` of `o`, in MTP's data type for it.
fn value(o: &Object, code: ObjectPropCode) -> PropValue {
    match code {
        ObjectPropCode::STORAGE_ID => PropValue::UInt32(o.storage.0),
        ObjectPropCode::OBJECT_FORMAT => PropValue::UInt16(o.format.0),
        ObjectPropCode::PROTECTION_STATUS => PropValue::UInt16(o.protection.0),
        ObjectPropCode::OBJECT_SIZE => PropValue::UInt64(o.content.len()),
        ObjectPropCode::ASSOCIATION_TYPE => PropValue::UInt16(o.association.0),
        ObjectPropCode::OBJECT_FILE_NAME => PropValue::Str(o.name.clone()),
        ObjectPropCode::DATE_CREATED => PropValue::Str(o.capture_date.clone()),
        ObjectPropCode::DATE_MODIFIED => PropValue::Str(o.modification_date.clone()),
        ObjectPropCode::PARENT_OBJECT => PropValue::UInt32(o.parent.0),
        ObjectPropCode::WIDTH => PropValue::UInt32(o.image_size.0),
        ObjectPropCode::HEIGHT => PropValue::UInt32(o.image_size.1),
        // AssociationDesc, and anything else: 0.
        _ => PropValue::UInt32(0),
    }
}
