//! Loopback benchmark of both transports against raw TCP, measured in the same run.
//!
//! Run: `cargo bench -p ptpip-tests --bench loopback` (optionally `-- SIZE_MIB ROUNDS`, default
//! 1024 and 5).
//!
//! The bench starts itself again as the server process, serving both a ptpip camera (the std
//! server) and a raw TCP service that sends the same bytes, and once more per transport as the
//! client process (so each client's peak RSS is its own). For the std client and the mio client
//! it prints:
//! - GetObject of SIZE_MIB (default 1024) streamed to a counting sink, against a raw TCP copy of the
//!   same bytes from the same process: the throughput ratio (target ≥ 0.9);
//! - small-operation round trips per second (GetNumObjects) against a 32-byte TCP ping-pong with
//!   TCP_NODELAY: the ratio (target ≥ 0.9); then again with the server and the client pinned
//!   (`taskset`) to one vCPU, and to two different ones, since where the scheduler puts the two
//!   threads decides a round trip more than anything either does; on one vCPU, also against a
//!   camera that costs nothing (it answers every request at once, with one read and one write as
//!   the ping-pong's server does), which leaves what the client itself costs a round trip, and
//!   the ping-pong with its client waiting in `epoll` (what any readiness-based client pays);
//! - the client's peak RSS (VmHWM) after all of it (target ≤ 16 MiB whatever the object size);
//! - then, in one more process per transport, 20 clients at once (threads), each a GetObject of
//!   SIZE_MIB/16 from the same camera server, against 20 raw TCP copies of the same bytes at once:
//!   the aggregate throughput ratio (target ≥ 0.8).
//!
//! With `PTPIP_BENCH_CLIENT=calls-TRANSPORT,PTP_PORT,N` (TRANSPORT `std` or `mio`) a client
//! process only makes N GetNumObjects round trips against a server started with
//! `PTPIP_BENCH_SERVER=1` (which prints its ports: the camera's, the raw service's and the
//! canned camera's): what BENCHMARKS.md counts instructions per round trip with.
//!
//! With `PTPIP_BENCH_CAMERA=mio` the camera is `ptpip-transport-mio`'s server (`serve`, one
//! thread, every session in one poll) instead of `ptpip-transport-std`'s (threads per session).
//!
//! Both sides serve from one 1 MiB buffer repeated, so neither is limited by making the bytes.
//! Machines with few cores are noisy (thread placement decides round trips): run it several times
//! and compare the ratios, each measured within one run.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ptpip_protocol::initiator::Operation;
use ptpip_protocol::packet::{InitCommandAck, InitEventAck, OperationResponse};
use ptpip_protocol::responder::ResponderConfig;
use ptpip_protocol::{
    ConnectionNumber, Dialect, Encode, FriendlyName, Guid, OperationCode, Packet, PacketType,
    Params, ProtocolVersion, ResponseCode, TransactionId,
};
use ptpip_transport_mio::mio::net::TcpStream as MioTcpStream;
use ptpip_transport_mio::mio::{Events, Interest, Poll, Token};
use ptpip_transport_std::{Calls, Client, ClientConfig, DataSink, Ports, serve};

use ptpip_tests::bench::{BenchDevice, block};

/// The server process: a ptpip camera, a raw service (first byte 'C' + u32 MiB: copy that
/// much, then take the next command; 'P': ping-pong 32-byte messages until EOF) and the canned
/// camera ([`canned_camera`]).
fn server() -> io::Result<()> {
    let ptp = TcpListener::bind("127.0.0.1:0")?;
    let raw = TcpListener::bind("127.0.0.1:0")?;
    let canned = TcpListener::bind("127.0.0.1:0")?;
    let canned_port = canned.local_addr()?.port();
    std::thread::spawn(move || canned_camera(&canned));
    let rc = ResponderConfig::new(
        Guid([1; 16]),
        FriendlyName::new("bench").expect("name"),
        Dialect::Generic,
    );
    let device = BenchDevice::new();
    // Whichever server runs, it lives until the process is killed.
    let _server: Box<dyn std::any::Any> =
        if std::env::var("PTPIP_BENCH_CAMERA").as_deref() == Ok("mio") {
            Box::new(ptpip_transport_mio::serve(
                ptp.try_clone()?,
                None,
                rc,
                move || device.clone(),
            )?)
        } else {
            Box::new(serve(ptp.try_clone()?, None, rc, move || device.clone())?)
        };
    println!(
        "{} {} {canned_port}",
        ptp.local_addr()?.port(),
        raw.local_addr()?.port()
    );
    io::stdout().flush()?;
    let b = block();
    for s in raw.incoming() {
        let mut s = s?;
        s.set_nodelay(true)?;
        let b = b.clone();
        std::thread::spawn(move || -> io::Result<()> {
            let mut kind = [0u8; 5];
            // Copies on one connection until EOF or a ping-pong, as ptpip's session is one.
            while s.read_exact(&mut kind).is_ok() {
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
            }
            Ok(())
        });
    }
    Ok(())
}

/// A PTP/IP camera that costs nothing: it accepts the init handshake on both connections and
/// answers every Operation_Request at once with OK (no parameters, no data phase), with one read
/// and one write per request as the raw ping-pong's server does. Round trips against it are the
/// ping-pong's plus what the client alone costs. Written by hand rather than with the responder
/// because the point is that it does no work: nothing here is checked beyond the length.
fn canned_camera(listener: &TcpListener) {
    for s in listener.incoming() {
        let Ok(mut s) = s else { continue };
        std::thread::spawn(move || -> io::Result<()> {
            s.set_nodelay(true)?;
            let mut buf = vec![0u8; 64 << 10];
            let (mut have, mut out) = (0, Vec::new());
            loop {
                let n = s.read(&mut buf[have..])?;
                if n == 0 {
                    return Ok(());
                }
                have += n;
                let mut at = 0;
                while have - at >= 8 {
                    let word =
                        |i: usize| u32::from_le_bytes([buf[i], buf[i + 1], buf[i + 2], buf[i + 3]]);
                    let len = word(at) as usize;
                    if !(8..=buf.len()).contains(&len) {
                        return Err(io::Error::other(format!("canned camera: length {len}")));
                    }
                    if have - at < len {
                        break;
                    }
                    let reply = match PacketType(word(at + 4)) {
                        PacketType::INIT_COMMAND_REQUEST => {
                            Some(Packet::InitCommandAck(InitCommandAck::new(
                                ConnectionNumber(1),
                                Guid([2; 16]),
                                FriendlyName::new("canned").expect("name"),
                                ProtocolVersion::V1_0,
                            )))
                        }
                        PacketType::INIT_EVENT_REQUEST => {
                            Some(Packet::InitEventAck(InitEventAck::new()))
                        }
                        // Data phase (4), code (2), then the transaction id.
                        PacketType::OPERATION_REQUEST if len >= 18 => {
                            Some(Packet::OperationResponse(OperationResponse {
                                code: ResponseCode::OK,
                                transaction_id: TransactionId(word(at + 14)),
                                params: Params::new(),
                            }))
                        }
                        _ => None,
                    };
                    if let Some(p) = reply {
                        p.encode(&mut out);
                    }
                    at += len;
                }
                buf.copy_within(at..have, 0);
                have -= at;
                if !out.is_empty() {
                    s.write_all(&out)?;
                    out.clear();
                }
            }
        });
    }
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
    session.call(op).map(drop).map_err(io::Error::other)
}

/// The median of `v` (which must not be empty).
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A raw TCP copy of `mib` MiB from the raw service on `s` (one connection for every round, as
/// ptpip's session is, so that both run on sockets the kernel has tuned); its time.
fn raw_copy(s: &mut TcpStream, mib: u32) -> io::Result<Duration> {
    let total = u64::from(mib) << 20;
    let mut buf = vec![0u8; 256 << 10];
    let mut req = vec![b'C'];
    req.extend_from_slice(&mib.to_le_bytes());
    let t = Instant::now();
    s.write_all(&req)?;
    let mut got = 0u64;
    while got < total {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        got += n as u64;
    }
    assert_eq!(got, total);
    Ok(t.elapsed())
}

/// A client process: measures raw TCP and `transport` in alternating rounds (so that both see
/// the same machine), prints one report with the median of the rounds' figures and ratios.
fn client(transport: &str, ptp_port: u16, raw_port: u16, mib: u32, rounds: u32) -> io::Result<()> {
    let total = u64::from(mib) << 20;
    let mut session = connect(transport, ptp_port)?;
    let mut copies = TcpStream::connect(("127.0.0.1", raw_port))?;
    copies.set_nodelay(true)?;
    let (mut raw, mut ptp, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let r = raw_copy(&mut copies, mib)?;
        let t = Instant::now();
        assert_eq!(get(session.as_mut(), mib)?, total);
        let p = t.elapsed();
        raw.push(gbps(total, r));
        ptp.push(gbps(total, p));
        ratio.push(r.as_secs_f64() / p.as_secs_f64());
    }

    let RoundTrips {
        ptp: ptp_rt,
        raw: raw_rt,
        ratio: rt,
        ..
    } = round_trips(session.as_mut(), None, raw_port, rounds)?;
    drop(session);
    println!(
        "[{transport}] GetObject {mib} MiB: {:.2} GB/s, raw TCP {:.2} GB/s, ratio {:.2} \
         (medians of {rounds} alternating rounds)",
        median(ptp),
        median(raw),
        median(ratio)
    );
    println!(
        "[{transport}] round trips: {ptp_rt:.0}/s, raw 32-byte ping-pong {raw_rt:.0}/s, ratio \
         {rt:.2} (medians of alternating blocks of {RT_BLOCK})"
    );
    println!(
        "[{transport}] client peak RSS: {:.1} MiB",
        peak_rss_kib() as f64 / 1024.0
    );
    Ok(())
}

/// Round trips per block of [`round_trips`].
const RT_BLOCK: u32 = 1000;

/// What [`round_trips`] measured: the medians of the rates (per second) and of the blocks'
/// ratios to the blocking ping-pong.
struct RoundTrips {
    ptp: f64,
    raw: f64,
    ratio: f64,
    /// With [`Extra`]: against the canned camera, rate and ratio.
    canned: Option<(f64, f64)>,
    /// With [`Extra`]: the ping-pong with its client waiting in `epoll`, rate and ratio.
    epoll: Option<(f64, f64)>,
}

/// The baselines measured beside ptpip's round trips when both sides share one vCPU: a session
/// with the canned camera ([`canned_camera`]), and a second ping-pong connection whose client
/// waits in `epoll_wait` (through mio, no timeout) before each read, as any readiness-based
/// client does.
struct Extra<'a> {
    canned: &'a mut (dyn Calls + Send),
    raw_port: u16,
}

/// A 32-byte ping-pong connection of the raw service.
fn ping_pong(raw_port: u16) -> io::Result<TcpStream> {
    let mut s = TcpStream::connect(("127.0.0.1", raw_port))?;
    s.set_nodelay(true)?;
    s.write_all(b"P\0\0\0\0")?;
    Ok(s)
}

/// `n` ping-pong round trips on `s` through `poll` (where `s` is registered, readable): write,
/// wait in the poll, read what came until the 32 bytes are back. Rate per second.
fn epoll_block(
    s: &mut MioTcpStream,
    poll: &mut Poll,
    events: &mut Events,
    n: u32,
) -> io::Result<f64> {
    let msg = [7u8; 32];
    let mut back = [0u8; 32];
    let t = Instant::now();
    for _ in 0..n {
        s.write_all(&msg)?;
        let mut got = 0;
        while got < back.len() {
            poll.poll(events, None)?;
            loop {
                match s.read(&mut back[got..]) {
                    Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                    Ok(k) => got += k,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                }
                if got == back.len() {
                    break;
                }
            }
        }
    }
    Ok(f64::from(n) / t.elapsed().as_secs_f64())
}

/// Round trips per second, ptpip (GetNumObjects) and a raw 32-byte ping-pong, in alternating
/// blocks (at least five); with `extra`, its baselines too, in the same rounds.
fn round_trips(
    session: &mut dyn Calls,
    mut extra: Option<Extra<'_>>,
    raw_port: u16,
    rounds: u32,
) -> io::Result<RoundTrips> {
    const N: u32 = RT_BLOCK;
    let mut s = ping_pong(raw_port)?;
    let msg = [7u8; 32];
    let mut back = [0u8; 32];
    let block = |session: &mut dyn Calls| -> io::Result<f64> {
        let t = Instant::now();
        for _ in 0..N {
            small(session)?;
        }
        Ok(f64::from(N) / t.elapsed().as_secs_f64())
    };
    let mut epoll = match &extra {
        Some(x) => {
            let s = ping_pong(x.raw_port)?;
            s.set_nonblocking(true)?;
            let mut s = MioTcpStream::from_std(s);
            let poll = Poll::new()?;
            poll.registry()
                .register(&mut s, Token(0), Interest::READABLE)?;
            Some((s, poll, Events::with_capacity(4)))
        }
        None => None,
    };
    let (mut raw_rates, mut ptp_rates, mut rt_ratio) = (Vec::new(), Vec::new(), Vec::new());
    let (mut canned_rates, mut canned_ratio) = (Vec::new(), Vec::new());
    let (mut epoll_rates, mut epoll_ratio) = (Vec::new(), Vec::new());
    for _ in 0..rounds.max(5) {
        let t = Instant::now();
        for _ in 0..N {
            s.write_all(&msg)?;
            s.read_exact(&mut back)?;
        }
        let raw_rate = f64::from(N) / t.elapsed().as_secs_f64();
        let ptp_rate = block(session)?;
        raw_rates.push(raw_rate);
        ptp_rates.push(ptp_rate);
        rt_ratio.push(ptp_rate / raw_rate);
        if let Some(x) = extra.as_mut() {
            let rate = block(x.canned)?;
            canned_rates.push(rate);
            canned_ratio.push(rate / raw_rate);
        }
        if let Some((s, poll, events)) = epoll.as_mut() {
            let rate = epoll_block(s, poll, events, N)?;
            epoll_rates.push(rate);
            epoll_ratio.push(rate / raw_rate);
        }
    }
    let pair = |rates: Vec<f64>, ratios: Vec<f64>| {
        (!rates.is_empty()).then(|| (median(rates), median(ratios)))
    };
    Ok(RoundTrips {
        ptp: median(ptp_rates),
        raw: median(raw_rates),
        ratio: median(rt_ratio),
        canned: pair(canned_rates, canned_ratio),
        epoll: pair(epoll_rates, epoll_ratio),
    })
}

/// Connects a client of `transport` to the camera on `port`.
fn connect(transport: &str, port: u16) -> io::Result<Box<dyn Calls + Send>> {
    let ports = Ports {
        command: port,
        event: port,
        stream: 0,
    };
    Ok(if transport == "mio" {
        let mut cfg = ptpip_transport_mio::ClientConfig::new("127.0.0.1", Dialect::Generic);
        cfg.ports = ports;
        Box::new(ptpip_transport_mio::Client::connect(cfg).map_err(io::Error::other)?)
    } else {
        let mut cfg = ClientConfig::new("127.0.0.1", Dialect::Generic);
        cfg.ports = ports;
        Box::new(Client::connect(cfg).map_err(io::Error::other)?)
    })
}

/// A raw TCP copy of `mib` MiB on each of `copies` at once; the wall time until the last ends.
fn raw_aggregate(copies: &mut [TcpStream], mib: u32) -> io::Result<Duration> {
    let start = std::sync::Barrier::new(copies.len() + 1);
    let t = std::thread::scope(|scope| -> io::Result<Instant> {
        let workers: Vec<_> = copies
            .iter_mut()
            .map(|s| {
                let start = &start;
                scope.spawn(move || -> io::Result<()> {
                    start.wait();
                    raw_copy(s, mib).map(drop)
                })
            })
            .collect();
        start.wait();
        let t = Instant::now();
        for w in workers {
            w.join().expect("a raw worker")?;
        }
        Ok(t)
    })?;
    Ok(t.elapsed())
}

/// `n` clients of `transport` (connected beforehand), each a GetObject of `mib` MiB at once; the
/// wall time until the last ends.
fn ptp_aggregate(sessions: &mut [Box<dyn Calls + Send>], mib: u32) -> io::Result<Duration> {
    let start = std::sync::Barrier::new(sessions.len() + 1);
    let t = std::thread::scope(|scope| -> io::Result<Instant> {
        let workers: Vec<_> = sessions
            .iter_mut()
            .map(|session| {
                let start = &start;
                scope.spawn(move || -> io::Result<()> {
                    start.wait();
                    let got = get(session.as_mut(), mib)?;
                    assert_eq!(got, u64::from(mib) << 20);
                    Ok(())
                })
            })
            .collect();
        start.wait();
        let t = Instant::now();
        for w in workers {
            w.join().expect("a client")?;
        }
        Ok(t)
    })?;
    Ok(t.elapsed())
}

/// The aggregate process: `CLIENTS` clients of `transport` against as many raw copies, in
/// alternating rounds.
fn aggregate(
    transport: &str,
    ptp_port: u16,
    raw_port: u16,
    mib: u32,
    rounds: u32,
) -> io::Result<()> {
    const CLIENTS: usize = 20;
    let each = (mib / 16).max(1);
    let mut sessions = (0..CLIENTS)
        .map(|_| connect(transport, ptp_port))
        .collect::<io::Result<Vec<_>>>()?;
    let mut copies = (0..CLIENTS)
        .map(|_| {
            let s = TcpStream::connect(("127.0.0.1", raw_port))?;
            s.set_nodelay(true)?;
            Ok(s)
        })
        .collect::<io::Result<Vec<_>>>()?;
    let total = (u64::from(each) << 20) * CLIENTS as u64;
    let (mut raw, mut ptp, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let r = raw_aggregate(&mut copies, each)?;
        let p = ptp_aggregate(&mut sessions, each)?;
        raw.push(gbps(total, r));
        ptp.push(gbps(total, p));
        ratio.push(r.as_secs_f64() / p.as_secs_f64());
    }
    println!(
        "[{transport}] {CLIENTS} clients × GetObject {each} MiB at once: {:.2} GB/s aggregate, \
         raw TCP {:.2} GB/s, ratio {:.2} (medians of {rounds} alternating rounds)",
        median(ptp),
        median(raw),
        median(ratio)
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
    let rounds: u32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5).max(1);
    if let Ok(spec) = std::env::var("PTPIP_BENCH_CLIENT") {
        let parts: Vec<&str> = spec.split(',').collect();
        let port = |i: usize| parts.get(i).and_then(|p| p.parse().ok()).unwrap_or(0);
        if let Some(transport) = parts[0].strip_prefix("aggregate-") {
            return aggregate(transport, port(1), port(2), mib, rounds);
        }
        if let Some(transport) = parts[0].strip_prefix("calls-") {
            // N round trips and nothing else, for counting instructions (see BENCHMARKS.md).
            let mut session = connect(transport, port(1))?;
            let op = Operation::new(OperationCode::GET_NUM_OBJECTS, &[]).expect("no parameters");
            for _ in 0..parts
                .get(2)
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or(10_000)
            {
                session.call(op.clone()).map_err(io::Error::other)?;
            }
            return Ok(());
        }
        if let Some(rest) = parts[0].strip_prefix("rt-") {
            let (placement, transport) = rest.split_once('-').unwrap_or(("same", rest));
            let mut session = connect(transport, port(1))?;
            let same = placement == "same";
            // Only on one vCPU: across two, a side with less to do idles its vCPU sooner and
            // wakes slower (the hypervisor's halt), so a cheaper peer does not make it faster.
            let mut canned = if same {
                Some(connect(transport, port(3))?)
            } else {
                None
            };
            let extra = canned.as_mut().map(|c| Extra {
                canned: c.as_mut(),
                raw_port: port(2),
            });
            let r = round_trips(session.as_mut(), extra, port(2), rounds)?;
            let where_ = if same {
                "server and client on one vCPU (taskset -c 0)"
            } else {
                "server on vCPU 0, client on vCPU 1"
            };
            print!(
                "[{transport}] round trips, {where_}: {:.0}/s, raw 32-byte ping-pong {:.0}/s, \
                 ratio {:.2}",
                r.ptp, r.raw, r.ratio
            );
            if let (Some((cr, cq)), Some((er, eq))) = (r.canned, r.epoll) {
                print!(
                    "; against the canned camera {cr:.0}/s, ratio {cq:.2}; the ping-pong through \
                     epoll {er:.0}/s, ratio {eq:.2}"
                );
            }
            println!();
            return Ok(());
        }
        return client(parts[0], port(1), port(2), mib, rounds);
    }
    let taskset = Path::new("/usr/bin/taskset").exists();
    let mut servers = Vec::new();
    // Placements: the scheduler's choice, then both on vCPU 0, then server on 0 and client on 1.
    for (server_cpu, client_cpu, clients) in [
        (
            None,
            None,
            &["std", "mio", "aggregate-std", "aggregate-mio"][..],
        ),
        (Some("0"), Some("0"), &["rt-same-std", "rt-same-mio"][..]),
        (
            Some("0"),
            Some("1"),
            &["rt-across-std", "rt-across-mio"][..],
        ),
    ] {
        if server_cpu.is_some() && !taskset {
            eprintln!("no taskset: round trips on chosen vCPUs not measured");
            continue;
        }
        let (server, ports) = spawn(server_cpu, &[("PTPIP_BENCH_SERVER", "1".into())], true)?;
        servers.push(server);
        for transport in clients {
            let spec = format!("{transport},{},{},{}", ports[0], ports[1], ports[2]);
            let (mut c, _) = spawn(client_cpu, &[("PTPIP_BENCH_CLIENT", spec)], false)?;
            let status = c.wait()?;
            if !status.success() {
                eprintln!("{transport} client failed: {status}");
            }
        }
    }
    for mut server in servers {
        let _ = server.kill();
    }
    Ok(())
}

/// Starts this program again with `env` (and the same arguments), on vCPU `cpu` only if given;
/// with `ports`, reads the two ports it prints first.
fn spawn(
    cpu: Option<&str>,
    env: &[(&str, String)],
    ports: bool,
) -> io::Result<(std::process::Child, Vec<u16>)> {
    let exe = std::env::current_exe()?;
    let mut cmd = if let Some(cpu) = cpu {
        let mut c = Command::new("/usr/bin/taskset");
        c.arg("-c").arg(cpu).arg(exe);
        c
    } else {
        Command::new(exe)
    };
    cmd.args(std::env::args().skip(1));
    for (k, v) in env {
        cmd.env(k, v);
    }
    if !ports {
        return Ok((cmd.spawn()?, Vec::new()));
    }
    let mut child = cmd.stdout(Stdio::piped()).spawn()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line)?;
    let ports = line
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    Ok((child, ports))
}
