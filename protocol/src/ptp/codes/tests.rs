//! Consistency checks over every code table.

use super::*;
use std::collections::HashSet;

/// Checks one table: distinct values, distinct names (ignoring ASCII case), `from_name` inverting
/// `name`, and an unknown code being unnamed and displayed in hex.
macro_rules! check_table {
    ($ty:ident, $unknown:expr, $unknown_display:literal) => {{
        let all = $ty::ALL;
        assert!(!all.is_empty(), "{} has no codes", stringify!($ty));

        let mut values = HashSet::new();
        for c in all {
            assert!(
                values.insert(c.0),
                "{}: value {:?} appears twice",
                stringify!($ty),
                c
            );
        }

        let mut names = HashSet::new();
        for &c in all {
            let name = c.name().expect("every code in ALL has a name");
            assert!(
                !name.is_empty(),
                "{}: empty name for {:?}",
                stringify!($ty),
                c
            );
            assert!(
                names.insert(name.to_ascii_lowercase()),
                "{}: name {name} appears twice",
                stringify!($ty)
            );
            assert_eq!($ty::from_name(name), Some(c));
            assert_eq!($ty::from_name(&name.to_ascii_uppercase()), Some(c));
            assert_eq!($ty::from_name(&name.to_ascii_lowercase()), Some(c));
            assert_eq!(c.to_string(), name);
            assert_eq!(
                format!("{c:?}"),
                format!("{name}({:#0w$x})", c.0, w = $unknown_display.len())
            );
            assert_eq!($ty::from(c.0), c);
        }

        let unknown = $ty($unknown);
        assert!(
            !all.contains(&unknown),
            "{}: test code is named",
            stringify!($ty)
        );
        assert_eq!(unknown.name(), None);
        assert_eq!(unknown.to_string(), $unknown_display);
        assert_eq!(
            format!("{unknown:?}"),
            concat!(stringify!($ty), "(", $unknown_display, ")")
        );
        assert_eq!($ty::from_name("NoSuchCodeName"), None);
        assert_eq!($ty::from_name(""), None);
    }};
}

#[test]
fn operation_table() {
    check_table!(OperationCode, 0x9999, "0x9999");
}

#[test]
fn response_table() {
    check_table!(ResponseCode, 0x9999, "0x9999");
}

#[test]
fn event_table() {
    check_table!(EventCode, 0x9999, "0x9999");
}

#[test]
fn property_table() {
    check_table!(DevicePropCode, 0x9999, "0x9999");
}

#[test]
fn object_prop_table() {
    check_table!(ObjectPropCode, 0x9999, "0x9999");
    // Every named property has its MTP data type.
    for c in ObjectPropCode::ALL {
        assert!(c.standard_type().is_some(), "{c:?}");
    }
    assert_eq!(
        ObjectPropCode::OBJECT_SIZE.standard_type(),
        Some(DataTypeCode::UINT64)
    );
    assert_eq!(ObjectPropCode(0x9999).standard_type(), None);
}

#[test]
fn format_table() {
    check_table!(ObjectFormatCode, 0x9999, "0x9999");
}

#[test]
fn vendor_table() {
    check_table!(VendorExtensionId, 0x9999, "0x00009999");
}

#[test]
fn datatype_table() {
    check_table!(DataTypeCode, 0x9999, "0x9999");
}

#[test]
fn dataset_enum_tables() {
    check_table!(StorageType, 0x9999, "0x9999");
    check_table!(FilesystemType, 0x9999, "0x9999");
    check_table!(AccessCapability, 0x9999, "0x9999");
    check_table!(ProtectionStatus, 0x9999, "0x9999");
    check_table!(AssociationType, 0x9999, "0x9999");
    check_table!(FunctionalMode, 0x9999, "0x9999");
}

#[test]
fn spot_values() {
    assert_eq!(OperationCode::GET_DEVICE_INFO, OperationCode(0x1001));
    assert_eq!(OperationCode::GET_DEVICE_INFO.name(), Some("GetDeviceInfo"));
    assert_eq!(OperationCode::OPEN_SESSION.0, 0x1002);
    assert_eq!(OperationCode::GET_PARTIAL_OBJECT.0, 0x101B);
    assert_eq!(OperationCode::GET_FILESYSTEM_MANIFEST.0, 0x1023);
    assert_eq!(OperationCode::FUJI_GET_DEVICE_PROP_DESC_LIST.0, 0x902B);
    assert_eq!(
        format!("{:?}", OperationCode::GET_DEVICE_INFO),
        "GetDeviceInfo(0x1001)"
    );

    assert!(ResponseCode::OK.is_ok());
    assert_eq!(ResponseCode::OK.0, 0x2001);
    assert!(!ResponseCode::GENERAL_ERROR.is_ok());
    assert!(!ResponseCode(0x9999).is_ok());
    assert_eq!(ResponseCode::DEVICE_BUSY.0, 0x2019);
    assert_eq!(
        ResponseCode::SPECIFICATION_OF_DESTINATION_UNSUPPORTED.0,
        0x2020
    );

    assert_eq!(EventCode::CAPTURE_COMPLETE, EventCode(0x400D));
    assert_eq!(EventCode::DEVICE_PROP_CHANGED.0, 0x4006);

    assert_eq!(DevicePropCode::FUJI_FILM_SIMULATION, DevicePropCode(0xD001));
    assert_eq!(DevicePropCode::COPYRIGHT_INFO.0, 0x501F);
    assert_eq!(
        DevicePropCode::from_name("fujifilmsimulation"),
        Some(DevicePropCode::FUJI_FILM_SIMULATION)
    );

    assert_eq!(ObjectFormatCode::EXIF_JPEG, ObjectFormatCode(0x3801));
    assert!(ObjectFormatCode::EXIF_JPEG.is_image());
    assert!(ObjectFormatCode::DNG.is_image());
    assert!(ObjectFormatCode(0x38FF).is_image());
    assert!(!ObjectFormatCode::ASSOCIATION.is_image());
    assert!(!ObjectFormatCode::MP4_CONTAINER.is_image());
    assert!(!ObjectFormatCode(0x3900).is_image());

    assert_eq!(VendorExtensionId::FUJIFILM.0, 0x0000_000E);
    assert_eq!(
        format!("{:?}", VendorExtensionId::FUJIFILM),
        "Fujifilm(0x0000000e)"
    );
    assert_eq!(u32::from(VendorExtensionId::MICROSOFT), 6);

    assert_eq!(StorageType::REMOVABLE_RAM.0, 4);
    assert_eq!(AssociationType::TWO_D_PANORAMIC.to_string(), "2DPanoramic");
    assert_eq!(ProtectionStatus::NON_TRANSFERABLE_DATA.0, 0x8003);
    assert_eq!(FunctionalMode::default(), FunctionalMode::STANDARD_MODE);
}
