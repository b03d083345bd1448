//! The blocking `Client`'s hooks the CLI rests on, as the std client has them: the interrupt
//! check (Ctrl-C) and the packet tap (`opreq`).

mod common;

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use common::{config_for, start_server};
use ptpip_protocol::calls::DataSink;
use ptpip_protocol::initiator::Operation;
use ptpip_protocol::{Dialect, OperationCode, PacketType};
use ptpip_transport_mio::{Calls, Client, ClientError};

/// Counts bytes and raises `flag` once `at` bytes are in.
struct RaiseAt {
    received: u64,
    at: u64,
    flag: Arc<AtomicBool>,
}

impl DataSink for RaiseAt {
    fn piece(&mut self, _: u64, _: Option<u64>, data: &[u8]) -> io::Result<()> {
        self.received += data.len() as u64;
        if self.received >= self.at {
            self.flag.store(true, Ordering::SeqCst);
        }
        Ok(())
    }
}

#[test]
fn an_interrupted_download_stops_and_the_session_goes_on() {
    const BIG: u32 = 200 << 20;
    let server = start_server(Dialect::Generic, false);
    let mut client = Client::connect(config_for(&server.handle, Dialect::Generic)).unwrap();
    let flag = Arc::new(AtomicBool::new(false));
    let check = flag.clone();
    client.set_interrupt(
        Some(Box::new(move || check.load(Ordering::SeqCst))),
        Duration::from_secs(2),
    );
    let mut sink = RaiseAt {
        received: 0,
        at: 1 << 20,
        flag: flag.clone(),
    };
    let op = Operation::new(OperationCode::GET_OBJECT, &[BIG]).unwrap();
    match client.download(op, &mut sink) {
        Err(ClientError::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::Interrupted, "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(
        sink.received < u64::from(BIG),
        "nothing is written after the interrupt"
    );
    // Waiting for events gives up at once while the flag is up.
    assert!(matches!(
        client.next_event(None),
        Err(ClientError::Io(e)) if e.kind() == io::ErrorKind::Interrupted
    ));
    // The flag cleared (as between interactive commands), the session still works.
    flag.store(false, Ordering::SeqCst);
    assert_eq!(client.device_info().unwrap().model, common::MODEL);
    client.close().unwrap();
}

#[test]
fn the_packet_tap_reports_what_the_camera_sent_for_one_call() {
    let server = start_server(Dialect::Generic, false);
    let mut client = Client::connect(config_for(&server.handle, Dialect::Generic)).unwrap();
    let mut packets: Vec<(Bytes, u64)> = Vec::new();
    let c = client
        .raw_tapped(
            OperationCode::GET_DEVICE_INFO,
            &[],
            None,
            16,
            &mut |bytes, total| packets.push((bytes.clone(), total)),
        )
        .unwrap();
    assert!(c.response.is_ok());
    // Start_Data, the data, Operation_Response: control packets whole, the data packet cut at
    // 16 bytes, each with its whole length (the first four bytes, little-endian).
    let types: Vec<u32> = packets
        .iter()
        .map(|(b, _)| u32::from_le_bytes(b[4..8].try_into().unwrap()))
        .collect();
    assert_eq!(types.first(), Some(&PacketType::START_DATA.0), "{types:?}");
    assert_eq!(
        types.last(),
        Some(&PacketType::OPERATION_RESPONSE.0),
        "{types:?}"
    );
    for (bytes, total) in &packets {
        let len = u64::from(u32::from_le_bytes(bytes[..4].try_into().unwrap()));
        assert_eq!(len, *total);
        assert!(bytes.len() as u64 == len || bytes.len() == 16, "{bytes:?}");
    }
    assert!(
        packets
            .iter()
            .any(|(b, total)| b.len() == 16 && *total > 16)
    );
    // The tap is off again afterwards.
    assert_eq!(client.initiator().config().tap, None);
    client.close().unwrap();
}
