//! `linkemu`: the camera-link emulator as a program, between any client and any camera.
//!
//! ```text
//! linkemu --to 127.0.0.1:15740 [--listen 127.0.0.1:0] [--delay 5ms] [--rate 25MB/s]
//!         [--buffer 64KiB] [--stall-every 4MB --stall 30ms] [--drop-after 20MB]
//! ```
//!
//! The delay applies one way, in both directions (a round trip costs twice it). `--drop-after`
//! cuts every connection once, after that many bytes from the camera (later connections go
//! through). It prints the address it listens on, then proxies until killed. For a Fujifilm
//! camera run one per port.

use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;

use ptpip_tests::link::{Profile, Stall, parse_duration, parse_size, spawn, spawn_dropping};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("linkemu: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut to: Option<SocketAddr> = None;
    let mut listen = "127.0.0.1:0".to_owned();
    let mut profile = Profile::new(std::time::Duration::from_millis(5), 25_000_000);
    let mut stall_every = None;
    let mut stall = None;
    let mut drop_after = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--to" => to = Some(value()?.parse().map_err(|e| format!("--to: {e}"))?),
            "--listen" => listen = value()?,
            "--delay" => profile.delay = parse_duration(&value()?).ok_or("--delay: e.g. 5ms")?,
            "--rate" => profile.bandwidth = parse_size(&value()?).ok_or("--rate: e.g. 25MB/s")?,
            "--buffer" => {
                let b = parse_size(&value()?).ok_or("--buffer: e.g. 64KiB")?;
                profile.buffer = usize::try_from(b).map_err(|_| "--buffer: too large")?;
            }
            "--stall-every" => stall_every = Some(parse_size(&value()?).ok_or("--stall-every")?),
            "--stall" => stall = Some(parse_duration(&value()?).ok_or("--stall: e.g. 30ms")?),
            "--drop-after" => {
                drop_after = Some(parse_size(&value()?).ok_or("--drop-after: e.g. 20MB")?);
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if let (Some(every), Some(pause)) = (stall_every, stall) {
        profile.stall = Some(Stall { every, pause });
    }
    let to = to.ok_or("--to HOST:PORT is required")?;
    let listener = TcpListener::bind(&listen).map_err(|e| format!("{listen}: {e}"))?;
    let emu = match drop_after {
        Some(n) => spawn_dropping(listener, to, profile, profile, n),
        None => spawn(listener, to, profile, profile),
    }
    .map_err(|e| e.to_string())?;
    println!("{}", emu.addr());
    loop {
        std::thread::park();
    }
}
