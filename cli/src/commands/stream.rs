//! The commands that run until stopped: `events` and `liveview` (Ctrl-C ends them: [`interrupted`]).
//! Live view reads the Fujifilm stream port through the transport (`LiveView`); nothing here
//! parses frames.

use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use ptpip_protocol::DeviceEvent;
use ptpip_protocol::fuji::{LiveViewItem, LiveViewRead, LiveViewStats};
use ptpip_transport_std::Calls;

use super::{CmdError, FrameSink};
use crate::client::{Client, LiveView, Transport};
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

/// Prints device events, each as `render` has it, until `count` of them, `timeout`, or Ctrl-C.
pub(super) fn events(
    client: &mut Client,
    count: Option<u64>,
    timeout: Option<Duration>,
    render: &dyn Fn(&DeviceEvent) -> String,
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
            writeln!(out, "{}", render(&e))?;
            out.flush()?;
            seen += 1;
        }
    }
    Ok(())
}

/// How long connecting the live-view port may take ("connection refused" is retried meanwhile:
/// the port opens a moment after the remote-mode set-up).
const STREAM_CONNECT: Duration = Duration::from_secs(2);

/// How often the frame rate is logged at `-v`.
const RATE_EVERY: Duration = Duration::from_secs(1);

/// Reads Fujifilm live-view frames from `host:port` (through the transport's [`LiveView`]) into
/// `sink` until `frames` good frames, Ctrl-C, or the end of the stream. Every frame is checked
/// from its JPEG start to its end marker; broken ones are skipped and counted. The frame rate is
/// logged every second at `-v`, and said at the end on stderr.
pub(super) fn liveview(
    transport: Transport,
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
    let mut lv = LiveView::connect(transport, host, port, STREAM_CONNECT).map_err(|e| fail(&e))?;
    if let FrameSink::Dir(dir) = sink {
        fs::create_dir_all(dir)?;
    }
    let started = Instant::now();
    let mut saved = 0u64;
    let mut last_data = Instant::now();
    let mut next_rate = Instant::now() + RATE_EVERY;
    while frames.is_none_or(|n| saved < n) && !interrupted() {
        if Instant::now() >= next_rate {
            next_rate += RATE_EVERY;
            let i = lv.take_interval();
            log::info!(
                "live view: {:.1} frames/s ({} frames, {} broken, in the last {:.1} s)",
                i.rate().unwrap_or(0.0),
                i.frames,
                i.broken,
                i.elapsed.as_secs_f64()
            );
        }
        match lv.next(POLL) {
            Ok(LiveViewRead::Item(LiveViewItem::Frame(f))) => {
                last_data = Instant::now();
                saved += 1;
                match sink {
                    FrameSink::Stdout => {
                        out.write_all(&f.jpeg)?;
                        out.flush()?;
                    }
                    FrameSink::Dir(dir) => save_frame(dir, saved, &f.jpeg)?,
                }
            }
            Ok(LiveViewRead::Item(LiveViewItem::Broken {
                number,
                len,
                problem,
            })) => {
                last_data = Instant::now();
                log::info!("live view: skipped frame {number} ({len} bytes): {problem}");
            }
            Ok(LiveViewRead::TimedOut) => {
                if last_data.elapsed() > STREAM_IDLE {
                    return Err(CmdError::Failed(format!(
                        "no data from {host}:{port} for {} s",
                        STREAM_IDLE.as_secs()
                    )));
                }
            }
            Ok(LiveViewRead::Ended) => break,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                return Err(CmdError::Failed(format!("bad stream data: {e}")));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let stats = lv.stats();
    if saved == 0 {
        return Err(CmdError::Failed(format!(
            "the stream at {host}:{port} ended before any frame{}",
            if stats.broken > 0 {
                format!(" ({} broken frames skipped)", stats.broken)
            } else {
                String::new()
            }
        )));
    }
    match sink {
        FrameSink::Dir(dir) => writeln!(out, "Saved {saved} frames to {}", dir.display())?,
        FrameSink::Stdout => eprintln!("Wrote {saved} frames"),
    }
    eprintln!("{}", summary(&stats, started.elapsed()));
    Ok(())
}

/// The line said at the end: frames, time, rate, what was skipped.
fn summary(stats: &LiveViewStats, elapsed: Duration) -> String {
    let rate = stats.rate().map_or_else(
        || "rate unknown (one frame)".to_owned(),
        |r| format!("{r:.1} frames/s"),
    );
    format!(
        "live view: {} frames in {:.1} s, {rate}, {} broken frames skipped",
        stats.frames,
        elapsed.as_secs_f64(),
        stats.broken
    )
}

fn save_frame(dir: &Path, n: u64, jpeg: &[u8]) -> io::Result<()> {
    fs::write(dir.join(format!("frame-{n:06}.jpg")), jpeg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_rate_and_broken_frames() {
        let s = LiveViewStats {
            frames: 11,
            broken: 2,
            padded: 0,
            bytes: 1000,
            span: Duration::from_secs(1),
        };
        assert_eq!(
            summary(&s, Duration::from_millis(1500)),
            "live view: 11 frames in 1.5 s, 10.0 frames/s, 2 broken frames skipped"
        );
        let one = LiveViewStats { frames: 1, ..s };
        assert!(summary(&one, Duration::ZERO).contains("rate unknown"));
    }
}
