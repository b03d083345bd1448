//! The camera-link emulator on real sockets (127.0.0.1): a transfer through it takes what the
//! link model says, and never less; a dropping link cuts the transfer in progress once.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant};

use ptpip_tests::link::{Profile, spawn, spawn_dropping};

#[test]
fn a_transfer_through_the_emulator_takes_its_floor() {
    const BYTES: usize = 2_000_000;
    // A sink that counts what arrives and reports when the last byte came.
    let sink = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = sink.local_addr().unwrap();
    let done = thread::spawn(move || {
        let (mut s, _) = sink.accept().unwrap();
        let mut buf = vec![0; 64 << 10];
        let mut got = 0;
        while got < BYTES {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0, "ended after {got} bytes");
            got += n;
        }
        (Instant::now(), got)
    });
    let profile = Profile::new(Duration::from_millis(10), 10_000_000);
    let emu = spawn(
        TcpListener::bind("127.0.0.1:0").unwrap(),
        upstream,
        profile,
        profile,
    )
    .unwrap();
    let mut client = std::net::TcpStream::connect(emu.addr()).unwrap();
    let start = Instant::now();
    client.write_all(&vec![7; BYTES]).unwrap();
    let (end, got) = done.join().unwrap();
    assert_eq!(got, BYTES);
    let took = end - start;
    let floor = profile.floor(BYTES as u64);
    eprintln!(
        "2 MB at 10 MB/s, 10 ms one way: {took:?}, floor {floor:?}, ratio {:.3}",
        took.as_secs_f64() / floor.as_secs_f64()
    );
    // Never faster than the link allows (a millisecond of clock slack); slower only by what a
    // loaded machine adds to thread wake-ups.
    assert!(
        took + Duration::from_millis(1) >= floor,
        "{took:?} < {floor:?}"
    );
    assert!(took < floor * 3, "{took:?} vs {floor:?}");
}

/// Everything a connection through `emu` carries from a server that sends `len` bytes to each
/// client, until the end (clean or cut).
fn receive_through(emu: std::net::SocketAddr) -> usize {
    let mut c = std::net::TcpStream::connect(emu).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut got = Vec::new();
    let _ = c.read_to_end(&mut got);
    got.len()
}

#[test]
fn a_dropping_link_cuts_the_transfer_in_progress_once() {
    const LEN: usize = 1_000_000;
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = server.local_addr().unwrap();
    thread::spawn(move || {
        for s in server.incoming() {
            let Ok(mut s) = s else { continue };
            thread::spawn(move || {
                let _ = s.write_all(&vec![1; LEN]);
            });
        }
    });
    let fast = Profile::new(Duration::ZERO, 1_000_000_000);
    let emu = spawn_dropping(
        TcpListener::bind("127.0.0.1:0").unwrap(),
        upstream,
        fast,
        fast,
        300_000,
    )
    .unwrap();
    let first = receive_through(emu.addr());
    assert!(first < LEN, "{first}");
    // The link is back: the next connection carries everything.
    assert_eq!(receive_through(emu.addr()), LEN);
}
