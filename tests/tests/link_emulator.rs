//! The camera-link emulator on real sockets (127.0.0.1): a transfer through it takes what the
//! link model says, and never less.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant};

use ptpip_tests::link::{Profile, spawn};

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
