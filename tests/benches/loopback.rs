//! Loopback benchmark of both transports against raw TCP, measured in the same run.
//!
//! Run: `cargo bench -p ptpip-tests --bench loopback` (optionally `-- SIZE_MIB ROUNDS`).
//!
//! The bench starts itself again as the server process, serving both a ptpip camera (the std
//! server) and a raw TCP service that sends the same bytes, and once more per transport as the
//! client process (so each client's peak RSS is its own). For the std client and the mio client
//! it prints:
//! - GetObject of SIZE_MIB (default 1024) streamed to a counting sink, against a raw TCP copy of the
//!   same bytes from the same process: the throughput ratio (target ≥ 0.8);
//! - small-operation round trips per second (GetNumObjects) against a 32-byte TCP ping-pong with
//!   TCP_NODELAY: the ratio (target ≥ 0.7);
//! - the client's peak RSS (VmHWM) after all of it (target ≤ 16 MiB whatever the object size).
//!
//! Both sides serve from one 1 MiB buffer repeated, so neither is limited by making the bytes.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ptpip_protocol::initiator::Operation;
use ptpip_protocol::responder::ResponderConfig;
use ptpip_protocol::{Dialect, FriendlyName, Guid, OperationCode};
use ptpip_transport_mio::Runner;
use ptpip_transport_std::{Calls, Client, ClientConfig, DataSink, Ports, serve};

use ptpip_tests::bench::{BenchDevice, block};

/// The server process: a ptpip camera and a raw service (first byte 'C' + u32 MiB: copy that
/// much; 'P': ping-pong 32-byte messages until EOF).
fn server() -> io::Result<()> {
    let ptp = TcpListener::bind("127.0.0.1:0")?;
    let raw = TcpListener::bind("127.0.0.1:0")?;
    let rc = ResponderConfig::new(
        Guid([1; 16]),
        FriendlyName::new("bench").expect("name"),
        Dialect::Generic,
    );
    let device = BenchDevice::new();
    let _server = serve(ptp.try_clone()?, None, rc, move || device.clone())?;
    println!("{} {}", ptp.local_addr()?.port(), raw.local_addr()?.port());
    io::stdout().flush()?;
    let b = block();
    for s in raw.incoming() {
        let mut s = s?;
        s.set_nodelay(true)?;
        let b = b.clone();
        std::thread::spawn(move || -> io::Result<()> {
            let mut kind = [0u8; 5];
            s.read_exact(&mut kind)?;
            if kind[0] == b'C' {
                let mib = u32::from_le_bytes([kind[1], kind[2], kind[3], kind[4]]);
                for _ in 0..mib {
                    s.write_all(&b)?;
                }
            } else {
                let mut msg = [0u8; 32];
                while s.read_exact(&mut msg).is_ok() {
                    s.write_all(&msg)?;
                }
            }
            Ok(())
        });
    }
    Ok(())
}

struct Count(u64);

impl DataSink for Count {
    fn piece(&mut self, _: u64, _: Option<u64>, data: &[u8]) -> io::Result<()> {
        self.0 += data.len() as u64;
        Ok(())
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn gbps(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e9
}

fn get(session: &mut dyn Calls, mib: u32) -> io::Result<u64> {
    let mut sink = Count(0);
    let op = Operation::new(OperationCode::GET_OBJECT, &[mib]).expect("one parameter");
    session.download(op, &mut sink).map_err(io::Error::other)?;
    Ok(sink.0)
}

fn small(session: &mut dyn Calls) -> io::Result<()> {
    let op = Operation::new(OperationCode::GET_NUM_OBJECTS, &[]).expect("no parameters");
    session.execute(op).map(drop).map_err(io::Error::other)
}

/// A client process: measures raw TCP and `transport` in alternating rounds, prints one report.
fn client(transport: &str, ptp_port: u16, raw_port: u16, mib: u32, rounds: u32) -> io::Result<()> {
    let total = u64::from(mib) << 20;
    let ports = Ports {
        command: ptp_port,
        event: ptp_port,
        stream: 0,
    };
    let mut session: Box<dyn Calls> = if transport == "mio" {
        let mut cfg = ptpip_transport_mio::ClientConfig::new("127.0.0.1", Dialect::Generic);
        cfg.ports = ports;
        Box::new(Runner::connect(cfg).map_err(io::Error::other)?)
    } else {
        let mut cfg = ClientConfig::new("127.0.0.1", Dialect::Generic);
        cfg.ports = ports;
        Box::new(Client::connect(cfg).map_err(io::Error::other)?)
    };

    let mut best_raw = Duration::MAX;
    let mut best_ptp = Duration::MAX;
    for _ in 0..rounds {
        // Raw TCP copy of the same bytes.
        let mut s = TcpStream::connect(("127.0.0.1", raw_port))?;
        s.set_nodelay(true)?;
        let t = Instant::now();
        let mut req = vec![b'C'];
        req.extend_from_slice(&mib.to_le_bytes());
        s.write_all(&req)?;
        let mut buf = vec![0u8; 256 << 10];
        let mut got = 0u64;
        while got < total {
            let n = s.read(&mut buf)?;
            if n == 0 {
                break;
            }
            got += n as u64;
        }
        best_raw = best_raw.min(t.elapsed());
        assert_eq!(got, total);

        let t = Instant::now();
        assert_eq!(get(session.as_mut(), mib)?, total);
        best_ptp = best_ptp.min(t.elapsed());
    }

    const N: u32 = 5000;
    let mut s = TcpStream::connect(("127.0.0.1", raw_port))?;
    s.set_nodelay(true)?;
    s.write_all(b"P\0\0\0\0")?;
    let msg = [7u8; 32];
    let mut back = [0u8; 32];
    let t = Instant::now();
    for _ in 0..N {
        s.write_all(&msg)?;
        s.read_exact(&mut back)?;
    }
    let raw_rate = f64::from(N) / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for _ in 0..N {
        small(session.as_mut())?;
    }
    let ptp_rate = f64::from(N) / t.elapsed().as_secs_f64();
    drop(session);
    println!(
        "[{transport}] GetObject {mib} MiB: {:.2} GB/s, raw TCP {:.2} GB/s, ratio {:.2} (best of {rounds})",
        gbps(total, best_ptp),
        gbps(total, best_raw),
        best_raw.as_secs_f64() / best_ptp.as_secs_f64()
    );
    println!(
        "[{transport}] round trips: {ptp_rate:.0}/s, raw 32-byte ping-pong {raw_rate:.0}/s, ratio {:.2}",
        ptp_rate / raw_rate
    );
    println!(
        "[{transport}] client peak RSS: {:.1} MiB",
        peak_rss_kib() as f64 / 1024.0
    );
    Ok(())
}

fn main() -> io::Result<()> {
    if std::env::var_os("PTPIP_BENCH_SERVER").is_some() {
        return server();
    }
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let mib: u32 = args.first().and_then(|a| a.parse().ok()).unwrap_or(1024);
    let rounds: u32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3);
    if let Ok(spec) = std::env::var("PTPIP_BENCH_CLIENT") {
        let parts: Vec<&str> = spec.split(',').collect();
        let port = |i: usize| parts.get(i).and_then(|p| p.parse().ok()).unwrap_or(0);
        return client(parts[0], port(1), port(2), mib, rounds);
    }
    let mut server = Command::new(std::env::current_exe()?)
        .env("PTPIP_BENCH_SERVER", "1")
        .stdout(Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("piped")).read_line(&mut line)?;
    let ports: Vec<u16> = line
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    for transport in ["std", "mio"] {
        let status = Command::new(std::env::current_exe()?)
            .args(std::env::args().skip(1))
            .env(
                "PTPIP_BENCH_CLIENT",
                format!("{transport},{},{}", ports[0], ports[1]),
            )
            .status()?;
        if !status.success() {
            eprintln!("{transport} client failed: {status}");
        }
    }
    let _ = server.kill();
    Ok(())
}
