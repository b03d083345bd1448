//! The relay's cost: a download and small round trips direct, through `ptpip`'s relay, and through
//! `socat`, in one run.
//!
//! Run: `cargo bench -p ptpip-tests --bench relay` (optionally `-- SIZE_MIB ROUNDS`, default
//! 1024 and 3). For the socat column install it first (`apt-get install socat`); without it
//! that column is left out. The bench starts itself again as the camera process (the std
//! server serving a 1 MiB block repeated) and as the relay process (pass-through, no log, no
//! capture: the mio `RelayRunner` with its records dropped), and socat as
//! `socat TCP-LISTEN:P,fork,nodelay,rcvbuf=1M,sndbuf=1M TCP:camera,nodelay,rcvbuf=1M,sndbuf=1M`.
//! The client (the std client) runs in this process and prints:
//! - GetObject of SIZE_MIB through each path, best of ROUNDS, and its throughput as a ratio to
//!   the direct download (target for the relay: ≥ 0.9);
//! - GetNumObjects round trips per second through each path, and the time each adds per
//!   operation.

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
fn relay(camera: u16) -> io::Result<()> {
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
            return relay(role[6..].parse().map_err(io::Error::other)?);
        }
        _ => {}
    }
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let mib: u32 = args.first().and_then(|a| a.parse().ok()).unwrap_or(1024);
    let rounds: u32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3);

    let (mut cam, cam_port) = spawn_self("camera")?;
    let (mut rel, relay_port) = spawn_self(&format!("relay:{cam_port}"))?;
    let mut soc = socat(cam_port);
    if soc.is_none() {
        eprintln!("socat not found (apt-get install socat): its column is left out");
    }
    let mut paths = vec![("direct", cam_port), ("ptpip relay", relay_port)];
    if let Some((_, p)) = &soc {
        paths.push(("socat", *p));
    }
    let mut clients: Vec<Client> = paths
        .iter()
        .map(|&(_, p)| connect(p))
        .collect::<io::Result<_>>()?;

    // Downloads in alternating order, best of each.
    let mut best = vec![Duration::MAX; paths.len()];
    for _ in 0..rounds {
        for (i, c) in clients.iter_mut().enumerate() {
            best[i] = best[i].min(download(c, mib)?);
        }
    }
    const N: u32 = 3000;
    let rates: Vec<f64> = clients
        .iter_mut()
        .map(|c| round_trips(c, N))
        .collect::<io::Result<_>>()?;
    drop(clients);

    let total = (u64::from(mib) << 20) as f64;
    println!("GetObject {mib} MiB, best of {rounds}; GetNumObjects x{N}:");
    println!(
        "{:<12} {:>10} {:>10} {:>12} {:>16}",
        "path", "GB/s", "ratio", "ops/s", "added µs/op"
    );
    for (i, (name, _)) in paths.iter().enumerate() {
        let gbs = total / best[i].as_secs_f64() / 1e9;
        let ratio = best[0].as_secs_f64() / best[i].as_secs_f64();
        let added = (1.0 / rates[i] - 1.0 / rates[0]) * 1e6;
        println!(
            "{name:<12} {gbs:>10.2} {ratio:>10.2} {:>12.0} {added:>16.1}",
            rates[i]
        );
    }
    let _ = rel.kill();
    let _ = cam.kill();
    if let Some((mut s, _)) = soc.take() {
        let _ = s.kill();
    }
    let _ = (rel.wait(), cam.wait());
    Ok(())
}
