//! Errors that say what to do, each against a peer that behaves that way: nothing listening, a
//! silent peer, an HTTP server, the other dialect both ways, Init_Fail, a Fujifilm camera whose
//! user never accepts. Peers run in this process on 127.0.0.1 with ports the OS picks.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

use ptpip_protocol::Encode;
use ptpip_protocol::fuji::Container;
use ptpip_protocol::{Params, ResponseCode, TransactionId};
use support::{Cam, free_port, run};

mod support;

/// A server on an OS-picked port that runs `script` on each connection; the port.
fn raw_server(script: fn(TcpStream)) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        for s in l.incoming() {
            let Ok(s) = s else { return };
            thread::spawn(move || script(s));
        }
    });
    port.to_string()
}

/// Reads one length-prefixed packet or container (the length counts itself).
fn read_framed(s: &mut TcpStream) -> Vec<u8> {
    let mut len = [0; 4];
    s.read_exact(&mut len).unwrap();
    let mut rest = vec![0; u32::from_le_bytes(len) as usize - 4];
    s.read_exact(&mut rest).unwrap();
    rest
}

/// An Init_Command_Ack, written out by hand: connection 1, a GUID, the name "cam", version 1.0.
fn init_command_ack() -> Vec<u8> {
    let name: Vec<u8> = "cam\0".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let len = 8 + 4 + 16 + name.len() + 4;
    let mut p = Vec::with_capacity(len);
    p.extend_from_slice(&(len as u32).to_le_bytes());
    p.extend_from_slice(&2u32.to_le_bytes());
    p.extend_from_slice(&1u32.to_le_bytes());
    p.extend_from_slice(&[0x42; 16]);
    p.extend_from_slice(&name);
    p.extend_from_slice(&0x0001_0000u32.to_le_bytes());
    p
}

/// Runs `info` with `ports` (`-p N`, or `-pc`/`-pe`) and `extra`; it must fail to connect.
fn connect_error(ports: &[&str], extra: &[&str]) -> support::Out {
    let mut args = vec!["-h", "127.0.0.1", "--connect-timeout", "2"];
    args.extend_from_slice(ports);
    args.extend_from_slice(extra);
    args.push("info");
    let r = run(&args);
    assert_eq!(r.code, 105, "{r:?}");
    r
}

#[test]
fn refused_says_nothing_listens_and_retries() {
    let port = free_port().to_string();
    let r = connect_error(&["-p", &port], &["--connect-timeout", "0.3"]);
    assert!(
        r.stderr.contains(&format!(
            "nothing listens on 127.0.0.1:{port}: is the camera's Wi-Fi function on? retrying"
        )),
        "{r:?}"
    );
    assert!(r.stderr.contains("connection refused"), "{r:?}");
    assert!(r.stderr.contains("hint: nothing listens on"), "{r:?}");
}

#[test]
fn a_silent_peer_is_named_and_the_other_dialect_suggested() {
    let port = raw_server(|mut s| {
        let mut sink = [0; 256];
        while s.read(&mut sink).is_ok_and(|n| n > 0) {}
    });
    let t = std::time::Instant::now();
    let r = connect_error(&["-p", &port], &[]);
    // --connect-timeout 2 bounds the handshake: the per-packet init timer alone would wait 10 s.
    assert!(
        t.elapsed() < std::time::Duration::from_secs(9),
        "{:?}",
        t.elapsed()
    );
    assert!(
        r.stderr
            .contains("did not complete the PTP/IP init handshake within 2s"),
        "{r:?}"
    );
    assert!(r.stderr.contains("try -t fuji"), "{r:?}");
    let r = connect_error(&["-p", &port], &["-t", "fuji"]);
    assert!(r.stderr.contains("try without -t fuji"), "{r:?}");
}

#[test]
fn an_http_server_is_recognised() {
    let port = raw_server(|mut s| {
        let mut b = [0; 64];
        let _ = s.read(&mut b);
        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        let _ = s.read(&mut b);
    });
    let r = connect_error(&["-p", &port], &[]);
    assert!(
        r.stderr
            .contains("the peer is not a PTP/IP camera: its first bytes look like an HTTP server"),
        "{r:?}"
    );
    assert!(!r.stderr.contains("exceeds the limit"), "{r:?}");
}

#[test]
fn the_wrong_dialect_either_way_suggests_the_other() {
    let fuji = Cam::fuji();
    let (cmd, _) = fuji.ports();
    let r = connect_error(&["-p", &cmd], &[]);
    assert!(r.stderr.contains("try -t fuji"), "{r:?}");
    let generic = Cam::generic();
    let (port, _) = generic.ports();
    let r = connect_error(&["-pc", &port, "-pe", &port], &["-t", "fuji"]);
    assert!(r.stderr.contains("try without -t fuji"), "{r:?}");
}

#[test]
fn init_fail_gives_its_reason_and_what_to_do() {
    let port = raw_server(|mut s| {
        read_framed(&mut s);
        let mut fail = Vec::new();
        for v in [12u32, 5, 1] {
            fail.extend_from_slice(&v.to_le_bytes());
        }
        let _ = s.write_all(&fail);
        let mut b = [0; 8];
        let _ = s.read(&mut b);
    });
    let r = connect_error(&["-p", &port], &[]);
    assert!(r.stderr.contains("rejected initiator"), "{r:?}");
    assert!(
        r.stderr
            .contains("hint: the camera does not know this computer: pair it again"),
        "{r:?}"
    );
}

/// A Fujifilm body that acknowledges, opens the session, then holds the 0xDF01 step for a
/// confirmation that never comes.
fn unconfirmed_fuji(mut s: TcpStream) {
    read_framed(&mut s);
    s.write_all(&init_command_ack()).unwrap();
    read_framed(&mut s); // OpenSession
    let ok = Container::Response {
        code: ResponseCode::OK,
        transaction_id: TransactionId(0),
        params: Params::new(),
    };
    s.write_all(&ok.to_bytes()).unwrap();
    let mut sink = [0; 256];
    while s.read(&mut sink).is_ok_and(|n| n > 0) {}
}

#[test]
fn the_pairing_wait_is_announced_and_explained() {
    let port = raw_server(unconfirmed_fuji);
    let r = connect_error(&["-pc", &port], &["-t", "fuji", "--pairing-timeout", "2.5"]);
    assert!(
        r.stderr
            .contains("accept the connection on the camera: 1 s left"),
        "{r:?}"
    );
    assert!(
        r.stderr
            .contains("the connection was not accepted on the camera within 2.5s"),
        "{r:?}"
    );
    assert!(r.stderr.contains("--pairing-timeout gives more"), "{r:?}");
}
