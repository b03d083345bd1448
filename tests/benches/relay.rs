//! The relay's cost: a download and small round trips direct, through `ptpip`'s relay, and through
//! `socat`, in one run.
//!
//! Run: `cargo bench -p ptpip-tests --bench relay` (optionally `-- SIZE_MIB ROUNDS LINK_MIB`,
//! default 1024, 3 and 128). For the socat column install it first (`apt-get install socat`); without it
//! that column is left out. The bench starts itself again as the camera process (the std
//! server serving a 1 MiB block repeated) and as two relay processes (pass-through, no log, no
//! capture: the mio `RelayRunner` with its records dropped; one moving data payloads inside the
//! kernel, as it does by default, one with `RelayConfig::zero_copy` off, copying every byte),
//! and socat as
//! `socat TCP-LISTEN:P,fork,nodelay,rcvbuf=1M,sndbuf=1M TCP:camera,nodelay,rcvbuf=1M,sndbuf=1M`.
//! The client (the std client) runs in this process and prints:
//! - GetObject of SIZE_MIB through each path, best of ROUNDS, its throughput as a ratio to the
//!   direct download (target for the relay: ≥ 0.9), and the CPU time the forwarding process
//!   spent per GiB (user + system, from `/proc`, its forked children included);
//! - GetNumObjects round trips per second through each path, and the time each adds per
//!   operation;
//! - the same download, LINK_MIB, with the camera behind the camera-link emulator at 4 ms RTT and
//!   50 MB/s (the fastest link profile of the link benchmark), direct and through the relay: the
//!   case the relay is for, a camera on Wi-Fi.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ptpip_protocol::initiator::Operation;
use ptpip_protocol::responder::ResponderConfig;
use ptpip_protocol::{Dialect, FriendlyName, Guid, OperationCode};
use ptpip_transport_mio::{RelayConfig, RelayRunner};
use ptpip_transport_std::{Calls, Client, ClientConfig, DataSink, Ports, serve};

use ptpip_tests::bench::BenchDevice;
use ptpip_tests::link::{self, Profile};

/// The link of the emulated part: 2 ms each way, 50 MB/s.
const LINK: Profile = Profile::new(Duration::from_millis(2), 50_000_000);

/// The camera process: prints its port, serves until killed.
fn camera() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let rc = ResponderConfig::new(
        Guid([1; 16]),
        FriendlyName::new("bench").expect("name"),
        Dialect::Generic,
    );
    let device = BenchDevice::new();
    let _server = serve(listener.try_clone()?, None, rc, move || device.clone())?;
    println!("{}", listener.local_addr()?.port());
    io::stdout().flush()?;
    // Serves until the bench kills it.
    let mut line = String::new();
    let _ = io::stdin().read_line(&mut line);
    Ok(())
}

/// The relay process: pass-through to `camera`, prints its port, relays until killed.
fn relay(camera: u16, zero_copy: bool) -> io::Result<()> {
    let mut config = RelayConfig::new(
        "127.0.0.1:0".parse().expect("an address"),
        "127.0.0.1",
        Dialect::Generic,
    );
    config.camera_ports = Ports {
        command: camera,
        event: camera,
        stream: 0,
    };
    config.zero_copy = zero_copy;
    let runner = RelayRunner::bind(config)?;
    println!("{}", runner.local_addrs()[0].port());
    io::stdout().flush()?;
    runner.run(drop)
}

/// Starts this bench again as `role`; its first stdout line is a port.
fn spawn_self(role: &str) -> io::Result<(Child, u16)> {
    let mut child = Command::new(std::env::current_exe()?)
        .env("PTPIP_BENCH_ROLE", role)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line)?;
    let port = line.trim().parse().map_err(io::Error::other)?;
    Ok((child, port))
}

/// socat forwarding a free port to `camera`, if socat is installed.
fn socat(camera: u16) -> Option<(Child, u16)> {
    let port = TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let buffers = "nodelay,rcvbuf=1048576,sndbuf=1048576";
    let child = Command::new("socat")
        .arg(format!(
            "TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,{buffers}"
        ))
        .arg(format!("TCP:127.0.0.1:{camera},{buffers}"))
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    // Wait for it to listen.
    let until = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > until {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Some((child, port))
}

/// CPU seconds (user + system) process `pid` and its living descendants have used so far.
fn cpu_seconds(pid: u32) -> f64 {
    // USER_HZ: 100 on every Linux architecture a bench runs on.
    const TICK: f64 = 0.01;
    let own = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(0.0, |stat| {
        // Fields after the command name (which may hold spaces) start at field 3; utime and
        // stime are fields 14 and 15.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        (ticks(11) + ticks(12)) * TICK
    });
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|c| c.parse().ok())
        .map(cpu_seconds)
        .sum::<f64>();
    own + children
}

struct Count(u64);

impl DataSink for Count {
    fn piece(&mut self, _: u64, _: Option<u64>, data: &[u8]) -> io::Result<()> {
        self.0 += data.len() as u64;
        Ok(())
    }
}

fn connect(port: u16) -> io::Result<Client> {
    let mut cfg = ClientConfig::new("127.0.0.1", Dialect::Generic);
    cfg.ports = Ports {
        command: port,
        event: port,
        stream: 0,
    };
    Client::connect(cfg).map_err(io::Error::other)
}

fn download(c: &mut Client, mib: u32) -> io::Result<Duration> {
    let mut sink = Count(0);
    let op = Operation::new(OperationCode::GET_OBJECT, &[mib]).expect("one parameter");
    let t = Instant::now();
    c.download(op, &mut sink).map_err(io::Error::other)?;
    let d = t.elapsed();
    assert_eq!(sink.0, u64::from(mib) << 20);
    Ok(d)
}

fn round_trips(c: &mut Client, n: u32) -> io::Result<f64> {
    let op = Operation::new(OperationCode::GET_NUM_OBJECTS, &[]).expect("no parameters");
    let t = Instant::now();
    for _ in 0..n {
        c.call(op.clone()).map_err(io::Error::other)?;
    }
    Ok(f64::from(n) / t.elapsed().as_secs_f64())
}

fn main() -> io::Result<()> {
    match std::env::var("PTPIP_BENCH_ROLE").as_deref() {
        Ok("camera") => return camera(),
        Ok(role) if role.starts_with("relay:") => {
            return relay(role[6..].parse().map_err(io::Error::other)?, true);
        }
        Ok(role) if role.starts_with("relay-copy:") => {
            return relay(role[11..].parse().map_err(io::Error::other)?, false);
        }
        _ => {}
    }
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let mib: u32 = args.first().and_then(|a| a.parse().ok()).unwrap_or(1024);
    let rounds: u32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3);
    // The object downloaded over the emulated link.
    let link_mib: u32 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(128);

    let (mut cam, cam_port) = spawn_self("camera")?;
    let (mut rel, relay_port) = spawn_self(&format!("relay:{cam_port}"))?;
    let (mut copy, copy_port) = spawn_self(&format!("relay-copy:{cam_port}"))?;
    let mut soc = socat(cam_port);
    if soc.is_none() {
        eprintln!("socat not found (apt-get install socat): its column is left out");
    }
    // Each path: its name, its port, and the process that forwards (none when direct).
    let mut paths = vec![
        ("direct", cam_port, None),
        ("ptpip relay", relay_port, Some(rel.id())),
        ("ptpip relay, copying", copy_port, Some(copy.id())),
    ];
    if let Some((s, p)) = &soc {
        paths.push(("socat", *p, Some(s.id())));
    }
    let mut clients: Vec<Client> = paths
        .iter()
        .map(|&(_, p, _)| connect(p))
        .collect::<io::Result<_>>()?;

    // Downloads in alternating order, best of each; the forwarders' CPU time over all rounds.
    let mut best = vec![Duration::MAX; paths.len()];
    let mut cpu = vec![0.0; paths.len()];
    for _ in 0..rounds {
        for (i, c) in clients.iter_mut().enumerate() {
            let before = paths[i].2.map(cpu_seconds);
            best[i] = best[i].min(download(c, mib)?);
            if let (Some(b), Some(pid)) = (before, paths[i].2) {
                cpu[i] += cpu_seconds(pid) - b;
            }
        }
    }
    const N: u32 = 3000;
    let rates: Vec<f64> = clients
        .iter_mut()
        .map(|c| round_trips(c, N))
        .collect::<io::Result<_>>()?;
    drop(clients);

    let total = (u64::from(mib) << 20) as f64;
    let gib = f64::from(mib) * f64::from(rounds) / 1024.0;
    println!("GetObject {mib} MiB, best of {rounds}; GetNumObjects x{N}:");
    println!(
        "{:<22} {:>8} {:>7} {:>14} {:>9} {:>12}",
        "path", "GB/s", "ratio", "CPU s/GiB", "ops/s", "added µs/op"
    );
    for (i, (name, _, pid)) in paths.iter().enumerate() {
        let gbs = total / best[i].as_secs_f64() / 1e9;
        let ratio = best[0].as_secs_f64() / best[i].as_secs_f64();
        let added = (1.0 / rates[i] - 1.0 / rates[0]) * 1e6;
        let cpu = pid.map_or_else(|| "-".to_owned(), |_| format!("{:.2}", cpu[i] / gib));
        println!(
            "{name:<22} {gbs:>8.2} {ratio:>7.2} {cpu:>14} {:>9.0} {added:>12.1}",
            rates[i]
        );
    }

    // The camera behind an emulated Wi-Fi link, direct and through the relay.
    let emulator = link::spawn(
        TcpListener::bind("127.0.0.1:0")?,
        ([127, 0, 0, 1], cam_port).into(),
        LINK,
        LINK,
    )?;
    let link_port = emulator.addr().port();
    let (mut far, far_port) = spawn_self(&format!("relay:{link_port}"))?;
    let mut direct = connect(link_port)?;
    let mut relayed = connect(far_port)?;
    let d = download(&mut direct, link_mib)?;
    let r = download(&mut relayed, link_mib)?;
    let rt_direct = round_trips(&mut direct, 100)?;
    let rt_relayed = round_trips(&mut relayed, 100)?;
    drop((direct, relayed));
    let bytes = f64::from(link_mib) * 1_048_576.0;
    println!(
        "GetObject {link_mib} MiB, the camera behind a link of {} ms RTT and {} MB/s:",
        (LINK.delay * 2).as_millis(),
        LINK.bandwidth / 1_000_000
    );
    println!("{:<22} {:>8} {:>7} {:>9}", "path", "MB/s", "ratio", "ops/s");
    for (name, t, rate) in [("direct", d, rt_direct), ("ptpip relay", r, rt_relayed)] {
        println!(
            "{name:<22} {:>8.1} {:>7.3} {rate:>9.1}",
            bytes / t.as_secs_f64() / 1e6,
            d.as_secs_f64() / t.as_secs_f64()
        );
    }

    for child in [&mut rel, &mut copy, &mut far, &mut cam] {
        let _ = child.kill();
        let _ = child.wait();
    }
    if let Some((mut s, _)) = soc.take() {
        let _ = s.kill();
        let _ = s.wait();
    }
    Ok(())
}
