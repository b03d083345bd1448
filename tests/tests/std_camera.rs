//! The blocking client's typed calls against the built-in virtual cameras, served by the std
//! server on 127.0.0.1 (ports the OS picks), in both dialects.

use std::net::TcpListener;
use std::time::Duration;

use ptpip_protocol::camera::{FujiCamera, VirtualCamera};
use ptpip_protocol::ptp::PropValue;
use ptpip_protocol::ptp::codes::{DevicePropCode, ObjectFormatCode};
use ptpip_protocol::ptp::dataset::{ObjectHandle, StorageId};
use ptpip_protocol::ptp::string::PtpString;
use ptpip_protocol::responder::ResponderConfig;
use ptpip_protocol::{Dialect, EventCode, FriendlyName, Guid, OperationCode};
use ptpip_transport_std::{Calls, Client, ClientConfig, ClientError, Ports, ServerHandle, serve};

fn start_generic() -> (ServerHandle, Ports) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let rc = ResponderConfig::new(
        Guid([5; 16]),
        FriendlyName::new("virtual").unwrap(),
        Dialect::Generic,
    );
    let server = serve(listener, None, rc, VirtualCamera::sample).unwrap();
    let p = server.local_addr().port();
    (
        server,
        Ports {
            command: p,
            event: p,
            stream: 0,
        },
    )
}

fn connect(ports: Ports, dialect: Dialect) -> Client {
    let mut cfg = ClientConfig::new("127.0.0.1", dialect);
    cfg.ports = ports;
    cfg.initiator.response_timeout = Duration::from_secs(5);
    Client::connect(cfg).unwrap()
}

#[test]
fn every_standard_operation_against_the_virtual_camera() {
    // The same calls through both drivers, each against a fresh camera.
    for transport in ["std", "mio"] {
        let (_server, ports) = start_generic();
        if transport == "std" {
            let mut c = connect(ports, Dialect::Generic);
            every_operation(&mut c);
            c.close().unwrap();
        } else {
            let mut cfg = ptpip_transport_mio::ClientConfig::new("127.0.0.1", Dialect::Generic);
            cfg.ports = ports;
            cfg.initiator.response_timeout = Duration::from_secs(5);
            let mut r = ptpip_transport_mio::Client::connect(cfg).unwrap();
            every_operation(&mut r);
            r.close().unwrap();
        }
    }
}

fn every_operation(c: &mut dyn Calls) {
    let info = c.device_info().unwrap();
    assert_eq!(info.model.as_str(), "ptpip virtual camera");
    for op in [
        OperationCode::GET_OBJECT,
        OperationCode::GET_PARTIAL_OBJECT,
        OperationCode::SEND_OBJECT,
        OperationCode::INITIATE_CAPTURE,
    ] {
        assert!(info.supports_operation(op), "{op}");
    }

    let storages = c.storage_ids().unwrap();
    assert_eq!(storages, [StorageId(0x0001_0001)]);
    let si = c.storage_info(storages[0]).unwrap();
    assert_eq!(si.storage_description.as_str(), "SD1");

    // DCIM at the root, 100PTPIP inside, three JPEGs inside that.
    let root = c
        .object_handles(storages[0], 0, ObjectHandle(0xFFFF_FFFF))
        .unwrap();
    assert_eq!(root.len(), 1);
    assert_eq!(c.object_info(root[0]).unwrap().filename.as_str(), "DCIM");
    let folder = c.object_handles(storages[0], 0, root[0]).unwrap()[0];
    let images = c.object_handles(storages[0], 0, folder).unwrap();
    assert_eq!(images.len(), 3);
    let oi = c.object_info(images[0]).unwrap();
    assert_eq!(oi.filename.as_str(), "IMG_0001.JPG");
    assert_eq!(oi.object_format, ObjectFormatCode::EXIF_JPEG);

    // GetObject into a Write; GetPartialObject of a slice of it; GetThumb is a JPEG.
    let mut whole = Vec::new();
    let n = c.get_object(images[0], &mut whole, &mut |_, _| {}).unwrap();
    assert_eq!(n, u64::from(oi.object_compressed_size));
    assert_eq!(&whole[..2], &[0xFF, 0xD8]);
    let mut part = Vec::new();
    let got = c
        .get_partial_object(images[0], 100, 1000, &mut part)
        .unwrap();
    assert_eq!((got, &part[..]), (1000, &whole[100..1100]));
    let thumb = c.get_thumb(images[0]).unwrap();
    assert_eq!(&thumb[..2], &[0xFF, 0xD8]);

    // SendObjectInfo + SendObject, read back, delete.
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    let mut info = oi.clone();
    info.filename = PtpString::new("UPLOAD.BIN").unwrap();
    info.object_format = ObjectFormatCode::UNDEFINED;
    info.object_compressed_size = data.len() as u32;
    let h = c
        .send_object(
            storages[0],
            folder,
            &info,
            &mut &data[..],
            data.len() as u64,
        )
        .unwrap();
    let mut back = Vec::new();
    c.get_object(h, &mut back, &mut |_, _| {}).unwrap();
    assert_eq!(back, data);
    c.delete_object(h).unwrap();
    match c.object_info(h) {
        Err(ClientError::Response { response, .. }) => {
            assert_eq!(response.name(), Some("InvalidObjectHandle"))
        }
        other => panic!("{other:?}"),
    }

    // Properties: describe, get, set within the form, refused outside it.
    let wb = DevicePropCode::WHITE_BALANCE;
    let desc = c.prop_desc(wb).unwrap();
    let values = match &desc.form {
        ptpip_protocol::ptp::dataset::PropForm::Enumeration { values } => values.clone(),
        other => panic!("{other:?}"),
    };
    let target = values.last().unwrap().clone();
    c.set_prop_value(wb, &target).unwrap();
    assert_eq!(c.prop_value(wb, desc.data_type).unwrap(), target);
    assert!(c.set_prop_value(wb, &PropValue::UInt16(0x7777)).is_err());

    // Capture: ObjectAdded then CaptureComplete; the new object is listed.
    let added = c.capture(Duration::from_secs(30)).unwrap().added;
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].code, EventCode::OBJECT_ADDED);
    let images_after = c.object_handles(storages[0], 0, folder).unwrap();
    assert_eq!(images_after.len(), 4);
}

#[test]
fn fuji_camera_over_loopback() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let events = TcpListener::bind("127.0.0.1:0").unwrap();
    let rc = ResponderConfig::new(
        Guid([6; 16]),
        FriendlyName::new("X-T1").unwrap(),
        Dialect::Fuji,
    );
    let server = serve(listener, Some(events), rc, FujiCamera::new).unwrap();
    let ports = Ports {
        command: server.local_addr().port(),
        event: server.event_addr().unwrap().port(),
        stream: 0,
    };
    let mut c = connect(ports, Dialect::Fuji);
    // The 0x902B list and a property.
    let list = c
        .call(
            ptpip_protocol::initiator::Operation::new(
                OperationCode::FUJI_GET_DEVICE_PROP_DESC_LIST,
                &[],
            )
            .unwrap()
            .collect(1 << 20),
        )
        .unwrap();
    let descs =
        ptpip_protocol::fuji::lists::DevicePropDescList::decode(list.data.as_deref().unwrap())
            .unwrap();
    assert_eq!(descs.descs.len(), 8);
    let film = c.prop_desc(DevicePropCode::FUJI_FILM_SIMULATION).unwrap();
    c.set_prop_value(DevicePropCode::FUJI_FILM_SIMULATION, &PropValue::UInt16(2))
        .unwrap();
    assert_eq!(
        c.prop_value(DevicePropCode::FUJI_FILM_SIMULATION, film.data_type)
            .unwrap(),
        PropValue::UInt16(2)
    );
    // Capture: the camera reports ObjectAdded and PreviewAvailable; the preview must be fetched
    // before CaptureComplete comes.
    c.call(
        ptpip_protocol::initiator::Operation::new(OperationCode::INITIATE_CAPTURE, &[0, 0])
            .unwrap(),
    )
    .unwrap();
    let mut seen = Vec::new();
    while let Some(e) = c.next_event(Some(Duration::from_secs(5))).unwrap() {
        seen.push(e.code);
        if e.code == EventCode::FUJI_PREVIEW_AVAILABLE {
            let p = c
                .call(
                    ptpip_protocol::initiator::Operation::new(
                        OperationCode::FUJI_GET_CAPTURE_PREVIEW,
                        &[],
                    )
                    .unwrap()
                    .collect(16 << 20),
                )
                .unwrap();
            assert_eq!(&p.data.as_deref().unwrap()[..2], &[0xFF, 0xD8]);
        }
        if e.code == EventCode::CAPTURE_COMPLETE {
            break;
        }
    }
    assert_eq!(
        seen,
        [
            EventCode::FUJI_OBJECT_ADDED,
            EventCode::FUJI_PREVIEW_AVAILABLE,
            EventCode::CAPTURE_COMPLETE
        ]
    );
    c.close().unwrap();
}
