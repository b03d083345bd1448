//! The client's interrupt hook (`Client::set_interrupt`), which the CLI's Ctrl-C handling
//! rests on: a download in progress stops, is cancelled on the wire, and the session goes on.

use std::io::{self, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ptpip_protocol::camera::{ObjectContent, Parent, VirtualCamera};
use ptpip_protocol::ptp::codes::ObjectFormatCode;
use ptpip_protocol::ptp::dataset::ObjectHandle;
use ptpip_protocol::responder::ResponderConfig;
use ptpip_protocol::{Dialect, FriendlyName, Guid};
use ptpip_transport_std::{Calls, Client, ClientConfig, ClientError, serve};

/// Counts bytes, nothing more.
struct Count(u64);

impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn an_interrupted_download_stops_and_the_session_goes_on() {
    const BIG: u64 = 200 << 20;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let rc = ResponderConfig::new(
        Guid([7; 16]),
        FriendlyName::new("big").unwrap(),
        Dialect::Generic,
    );
    let server = serve(listener, None, rc, || {
        let mut cam = VirtualCamera::new();
        let card = cam.add_storage("SD1", u64::MAX).unwrap();
        cam.add_object(
            Parent::Root(card),
            "BIG.MOV",
            ObjectFormatCode::QT,
            ObjectContent::Pattern(BIG),
        )
        .unwrap();
        cam
    })
    .unwrap();
    let mut config = ClientConfig::new("127.0.0.1", Dialect::Generic);
    let port = server.local_addr().port();
    config.ports.command = port;
    config.ports.event = port;
    config.connect_timeout = Duration::from_secs(10);
    let mut client = Client::connect(config).unwrap();
    let flag = Arc::new(AtomicBool::new(false));
    let check = flag.clone();
    client.set_interrupt(
        Some(Box::new(move || check.load(Ordering::SeqCst))),
        Duration::from_secs(2),
    );
    let handle = client.object_handles(
        ptpip_protocol::ptp::dataset::StorageId(0xFFFF_FFFF),
        0,
        ObjectHandle(0),
    );
    let handle = handle.unwrap()[0];
    // Ctrl-C once the first MiB is in.
    let mut out = Count(0);
    let set = flag.clone();
    let r = client.get_object(handle, &mut out, &mut |n, _| {
        if n >= 1 << 20 {
            set.store(true, Ordering::SeqCst);
        }
    });
    match r {
        Err(ClientError::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::Interrupted, "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(out.0 < BIG, "nothing is written after the interrupt");
    // Waiting for events gives up at once while the flag is up.
    assert!(matches!(
        client.next_event(None),
        Err(ClientError::Io(e)) if e.kind() == io::ErrorKind::Interrupted
    ));
    // The flag cleared (as between interactive commands), the session still works.
    flag.store(false, Ordering::SeqCst);
    let info = client.object_info(handle).unwrap();
    assert_eq!(info.filename.as_str(), "BIG.MOV");
    client.close().unwrap();
}
