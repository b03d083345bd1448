//! Listing the built-in camera over loopback, with and without GetObjectPropList: the same
//! listing, and with it the whole card in one round trip.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use ptpip_protocol::camera::{ObjectContent, VirtualCamera};
use ptpip_protocol::ptp::codes::ObjectFormatCode;
use ptpip_protocol::responder::{Device, Reply, Request, ResponderConfig, Response};
use ptpip_protocol::{Dialect, FriendlyName, Guid, OperationCode};
use ptpip_transport_std::{Client, ClientConfig, Ports, ServerHandle, serve};

use super::{Listing, collect, collect_with, device_info};

/// The camera, recording every operation it is asked for.
struct Counting {
    camera: VirtualCamera,
    seen: Arc<Mutex<Vec<OperationCode>>>,
}

impl Device for Counting {
    fn operation(&mut self, r: &Request) -> Reply {
        self.seen.lock().unwrap().push(r.code);
        self.camera.operation(r)
    }
    fn data_out(&mut self, r: &Request, piece: &[u8]) {
        self.camera.data_out(r, piece);
    }
    fn data_out_done(&mut self, r: &Request, len: u64) -> Response {
        self.camera.data_out_done(r, len)
    }
}

/// Two folders of 20 pictures each, and a second card with one file.
fn camera(prop_list: bool) -> VirtualCamera {
    let mut cam = VirtualCamera::new();
    let card = cam.add_storage("SD1", 1 << 30).unwrap();
    let dcim = cam.add_folder(card, "DCIM").unwrap();
    for f in 0..2 {
        let folder = cam.add_folder(dcim, &format!("10{f}TEST")).unwrap();
        for n in 0..20 {
            let name = format!("IMG_{n:04}.JPG");
            let content = ObjectContent::Pattern(1000 + n);
            cam.add_object(folder, &name, ObjectFormatCode::EXIF_JPEG, content)
                .unwrap();
        }
    }
    let card2 = cam.add_storage("SD2", 1 << 30).unwrap();
    cam.add_object(card2, "NOTES.TXT", ObjectFormatCode::TEXT, &b"hi"[..])
        .unwrap();
    cam.set_object_prop_list(prop_list);
    cam
}

fn serve_counting(prop_list: bool) -> (ServerHandle, Arc<Mutex<Vec<OperationCode>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let config = ResponderConfig::new(
        Guid([9; 16]),
        FriendlyName::new("listing").unwrap(),
        Dialect::Generic,
    );
    let s = seen.clone();
    let server = serve(
        TcpListener::bind("127.0.0.1:0").unwrap(),
        None,
        config,
        move || Counting {
            camera: camera(prop_list),
            seen: s.clone(),
        },
    )
    .unwrap();
    (server, seen)
}

fn connect(server: &ServerHandle) -> Client {
    let port = server.local_addr().port();
    let mut cfg = ClientConfig::new("127.0.0.1", Dialect::Generic);
    cfg.ports = Ports {
        command: port,
        event: port,
        stream: 0,
    };
    Client::connect(cfg).unwrap()
}

/// Every object's store, handle, path and ObjectInfo, and the StorageInfos.
fn summary(l: &Listing) -> Vec<String> {
    l.stores
        .iter()
        .flat_map(|s| {
            let store = format!("{:?} {:?}", s.id, s.info);
            std::iter::once(store).chain(s.objects.iter().map(move |e| {
                let i = e.info.as_ref().unwrap();
                format!(
                    "{:?} {} {} {:?} {} {} {}",
                    s.id,
                    e.handle,
                    e.path,
                    i.object_format,
                    i.object_compressed_size,
                    i.parent_object,
                    i.storage_id
                )
            }))
        })
        .collect()
}

/// Runs `list` against a fresh camera and returns the listing and the operations after
/// OpenSession.
fn run(
    prop_list: bool,
    list: impl FnOnce(&mut Client) -> Listing,
) -> (Listing, Vec<OperationCode>) {
    let (server, seen) = serve_counting(prop_list);
    let mut c = connect(&server);
    seen.lock().unwrap().clear();
    let l = list(&mut c);
    let ops = seen.lock().unwrap().clone();
    c.close().unwrap();
    (l, ops)
}

#[test]
fn get_object_prop_list_lists_the_same_card_in_one_round_trip() {
    let (without, ops) = run(false, |c| collect(c).unwrap());
    let objects = 1 + 2 + 40 + 1;
    assert_eq!(without.entries().count(), objects);
    // DeviceInfo, then per store: StorageIDs once, StorageInfo and GetObjectHandles each, and
    // one GetObjectInfo per object.
    let count = |code| ops.iter().filter(|c| **c == code).count();
    assert_eq!(ops.len(), 1 + 1 + 2 * 2 + objects, "{ops:?}");
    assert_eq!(count(OperationCode::GET_OBJECT_INFO), objects);

    let (with, ops) = run(true, |c| collect(c).unwrap());
    assert_eq!(summary(&with), summary(&without));
    assert_eq!(
        ops,
        [
            OperationCode::GET_DEVICE_INFO,
            OperationCode::GET_OBJECT_PROP_LIST,
            OperationCode::GET_STORAGE_IDS,
            OperationCode::GET_STORAGE_INFO,
            OperationCode::GET_STORAGE_INFO,
        ]
    );
    assert!(with.device.is_some());
}

#[test]
fn a_download_listing_asks_for_nothing_it_does_not_need() {
    // No StorageInfo; with GetObjectPropList not even the storage ids.
    let (without, ops) = run(false, |c| {
        let d = device_info(c).unwrap();
        collect_with(c, d, false).unwrap()
    });
    assert!(!ops.contains(&OperationCode::GET_STORAGE_INFO), "{ops:?}");
    let (with, ops) = run(true, |c| {
        let d = device_info(c).unwrap();
        collect_with(c, d, false).unwrap()
    });
    assert_eq!(
        ops,
        [
            OperationCode::GET_DEVICE_INFO,
            OperationCode::GET_OBJECT_PROP_LIST
        ]
    );
    assert_eq!(summary(&with), summary(&without));
    // Without a DeviceInfo nothing says the camera has it: object by object.
    let (_, ops) = run(true, |c| collect_with(c, None, false).unwrap());
    assert!(!ops.contains(&OperationCode::GET_OBJECT_PROP_LIST));
}
