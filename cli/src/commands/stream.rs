//! The commands that run until stopped: `events` and `liveview` (Ctrl-C ends them: [`interrupted`]).

use std::fs;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::{Duration, Instant};

use ptpip_protocol::{Deframer, DeframerConfig, DeviceEvent, Dialect, Frame, Framing};
use ptpip_transport_std::{Calls, Client};

use super::{CmdError, FrameSink};
use crate::signals::interrupted;

/// How often a waiting command looks at the Ctrl-C flag.
const POLL: Duration = Duration::from_millis(200);

/// How long the live-view stream may stay silent before the command gives up.
const STREAM_IDLE: Duration = Duration::from_secs(10);

/// One event as `events` prints it.
pub(super) fn event_line(e: &DeviceEvent) -> String {
    let params: Vec<String> = e.params.iter().map(|p| format!("{p:#x}")).collect();
    format!(
        "{:#06x} {}  transaction {}  params [{}]",
        e.code.0,
        e.code.name().unwrap_or("Unknown"),
        e.transaction.0,
        params.join(", ")
    )
}

/// Prints device events until `count` of them, `timeout`, or Ctrl-C.
pub(super) fn events(
    client: &mut Client,
    count: Option<u64>,
    timeout: Option<Duration>,
    out: &mut dyn Write,
) -> Result<(), CmdError> {
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut seen = 0u64;
    while count.is_none_or(|c| seen < c) && !interrupted() {
        let wait = match deadline {
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                left.min(POLL)
            }
            None => POLL,
        };
        if let Some(e) = client.next_event(Some(wait))? {
            writeln!(out, "{}", event_line(&e))?;
            out.flush()?;
            seen += 1;
        }
    }
    Ok(())
}

/// Reads Fujifilm live-view frames from `host:port` into `sink` until `frames` of them, Ctrl-C,
/// or the end of the stream.
pub(super) fn liveview(
    host: &str,
    port: u16,
    sink: &FrameSink,
    frames: Option<u64>,
    out: &mut dyn Write,
) -> Result<(), CmdError> {
    let fail = |e: &dyn std::fmt::Display| {
        CmdError::Failed(format!(
            "cannot connect to the live-view stream at {host}:{port}: {e} \
             (does the camera offer live view on this port? see -ps)"
        ))
    };
    let addr = (host, port)
        .to_socket_addrs()
        .map_err(|e| fail(&e))?
        .next()
        .ok_or_else(|| fail(&"no address"))?;
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| fail(&e))?;
    stream.set_read_timeout(Some(POLL))?;
    if let FrameSink::Dir(dir) = sink {
        fs::create_dir_all(dir)?;
    }
    let mut deframer = Deframer::new(DeframerConfig {
        framing: Framing::FujiLiveView,
        dialect: Dialect::Fuji,
        ..DeframerConfig::default()
    });
    let mut buf = vec![0u8; 64 << 10];
    let mut saved = 0u64;
    let mut last_data = Instant::now();
    'read: while frames.is_none_or(|n| saved < n) && !interrupted() {
        let n = match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if last_data.elapsed() > STREAM_IDLE {
                    return Err(CmdError::Failed(format!(
                        "no data from {host}:{port} for {} s",
                        STREAM_IDLE.as_secs()
                    )));
                }
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        last_data = Instant::now();
        deframer.extend_from_slice(&buf[..n]);
        while let Some(frame) = deframer
            .next_frame()
            .map_err(|e| CmdError::Failed(format!("bad stream data: {e}")))?
        {
            let Frame::LiveView(f) = frame else { continue };
            saved += 1;
            match sink {
                FrameSink::Stdout => {
                    out.write_all(&f.jpeg)?;
                    out.flush()?;
                }
                FrameSink::Dir(dir) => save_frame(dir, saved, &f.jpeg)?,
            }
            if frames.is_some_and(|n| saved >= n) {
                break 'read;
            }
        }
    }
    if saved == 0 {
        return Err(CmdError::Failed(format!(
            "the stream at {host}:{port} ended before any frame"
        )));
    }
    match sink {
        FrameSink::Dir(dir) => writeln!(out, "Saved {saved} frames to {}", dir.display())?,
        FrameSink::Stdout => eprintln!("Wrote {saved} frames"),
    }
    Ok(())
}

fn save_frame(dir: &Path, n: u64, jpeg: &[u8]) -> io::Result<()> {
    fs::write(dir.join(format!("frame-{n:06}.jpg")), jpeg)
}
