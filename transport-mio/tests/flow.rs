//! Flow control through the driver: a slow application bounds what is buffered (the driver stops
//! reading when the state machine says so, and resumes without new readiness), and a slow reader
//! on the other side forces partial writes that must resume in order.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::{
    PatternReader, config_at, config_for, handshake, is_pattern, raw_server, read_packet,
};
use mio::{Events, Poll, Token};
use ptpip_protocol::initiator::{Event, Operation};
use ptpip_protocol::{Dialect, OperationCode, Packet, ResponseCode};
use ptpip_transport_mio::{Calls, Client, MioClient};

#[test]
fn slow_application_bounds_buffering_and_reading_resumes() {
    const SIZE: u32 = 16 << 20;
    const HIGH_WATER: usize = 256 << 10;
    let server = common::start_server(Dialect::Generic, false);
    let mut config = config_for(&server.handle, Dialect::Generic);
    config.initiator.recv_high_water = HIGH_WATER;
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let mut camera = MioClient::connect(config, poll.registry(), Token(0)).unwrap();
    let mut tid = None;
    let (mut received, mut intact, mut peak, mut done) = (0u64, true, 0usize, false);
    let mut stalled_turns = 0u32;
    // Whether the application left events undrained last turn.
    let mut behind = false;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done {
        assert!(Instant::now() < deadline, "stalled at {received} bytes");
        // An application with events left to take does not sleep; otherwise it sleeps as long as
        // the client allows (readiness or a deadline wakes it).
        let wait = if behind {
            Some(Duration::ZERO)
        } else {
            camera.timeout(Instant::now())
        };
        poll.poll(&mut events, wait).unwrap();
        let now = Instant::now();
        for ev in &events {
            camera.handle_event(now, ev);
        }
        camera.handle_timeout(Instant::now());
        peak = peak.max(camera.initiator().buffered_bytes());
        if tid.is_some()
            && !camera
                .initiator()
                .wants_read(ptpip_protocol::Channel::Command)
        {
            stalled_turns += 1;
        }
        // A slow application: one event per turn.
        let Some(e) = camera.poll_event() else {
            behind = false;
            continue;
        };
        behind = true;
        match e {
            Event::Ready => {
                let op = Operation::new(OperationCode::GET_OBJECT, &[SIZE]).unwrap();
                tid = Some(camera.execute(op.stream()).unwrap());
            }
            Event::DataChunk { offset, data, .. } => {
                assert_eq!(offset, received);
                intact &= is_pattern(offset, &data);
                received += data.len() as u64;
            }
            Event::OperationComplete(c) => {
                assert_eq!(Some(c.transaction), tid);
                assert_eq!(c.response, ResponseCode::OK);
                done = true;
            }
            Event::ConnectionLost { reason } => panic!("lost: {reason}"),
            _ => {}
        }
    }
    assert_eq!(received, u64::from(SIZE));
    assert!(intact);
    // The state machine's mark, plus at most one read of the driver past it.
    assert!(peak <= HIGH_WATER + (256 << 10), "peak {peak}");
    assert!(
        stalled_turns > 0,
        "the application was slow enough to stop the reading"
    );
    eprintln!("peak buffered {peak} bytes, reading paused on {stalled_turns} turns");
}

#[test]
fn partial_writes_resume_in_order_when_the_peer_reads_late() {
    const LEN: u64 = 8 << 20;
    let (addr, server) = raw_server(|listener| {
        let (mut command, _event) = handshake(&listener)?;
        let Packet::OperationRequest(req) = read_packet(&mut command)? else {
            return Err(std::io::Error::other("expected SendObject"));
        };
        let Packet::StartData(start) = read_packet(&mut command)? else {
            return Err(std::io::Error::other("expected Start_Data"));
        };
        // Let the client's socket fill up: its writes go partial and wait for readiness.
        thread::sleep(Duration::from_millis(300));
        let (mut offset, mut intact) = (0u64, true);
        loop {
            let (last, payload) = match read_packet(&mut command)? {
                Packet::Data(d) => (false, d.payload),
                Packet::EndData(d) => (true, d.payload),
                other => return Err(std::io::Error::other(format!("got {other:?}"))),
            };
            intact &= is_pattern(offset, &payload);
            offset += payload.len() as u64;
            if last {
                break;
            }
        }
        let code = if intact && offset == start.total_length {
            ResponseCode::OK
        } else {
            ResponseCode::INCOMPLETE_TRANSFER
        };
        common::respond(&mut command, &req, code)?;
        common::drain(&mut command);
        Ok(())
    });
    // The premise: what the client sends cannot all sit in the kernel while the server sleeps
    // (its send buffer at most, plus the receiver's initial buffer), so writes go partial.
    if let (Some(wmem), Some(rmem)) = (sysctl_field("tcp_wmem", 2), sysctl_field("tcp_rmem", 1)) {
        assert!(LEN > wmem + rmem, "{LEN} bytes fit in {wmem} + {rmem}");
    }
    let mut r = Client::connect(config_at(addr.port(), addr.port(), Dialect::Generic)).unwrap();
    let op = Operation::new(OperationCode::SEND_OBJECT, &[]).unwrap();
    let t = Instant::now();
    let c = r.upload(op, &mut PatternReader::new(LEN), LEN).unwrap();
    assert_eq!(c.response, ResponseCode::OK);
    assert!(t.elapsed() >= Duration::from_millis(300));
    drop(r);
    server.join().unwrap().unwrap();
}

/// Field `n` (from 0) of `/proc/sys/net/ipv4/<name>`, where it exists (Linux).
fn sysctl_field(name: &str, n: usize) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/sys/net/ipv4/{name}")).ok()?;
    text.split_whitespace().nth(n)?.parse().ok()
}
