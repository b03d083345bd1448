//! A camera-link emulator: a TCP proxy that gives each direction a one-way delay, a bandwidth cap
//! behind a small bottleneck buffer, and optional stalls, so that loopback behaves like a camera's
//! Wi-Fi. This kernel has no `netem`, so the link is emulated in user space.
//!
//! The timing is a pure model ([`Schedule`]): bytes admitted at `t` are serialised onto the link
//! after everything before them (`len / bandwidth` each), then arrive `delay` later. The bottleneck
//! buffer bounds the bytes waiting to be serialised; while it is full the proxy stops reading, so
//! the sender's TCP sees the queue fill and its window close, as at a real bottleneck. A stall
//! pauses the link for a while after every so many bytes (a retransmission or a rate drop on real
//! Wi-Fi), deterministically. The driver ([`spawn`]) only applies the model to sockets: a reader
//! and a writer thread per direction and connection. [`spawn_dropping`] also drops the link once,
//! mid-transfer: every connection through it is cut after so many bytes have come from the
//! camera, as when a camera walks out of Wi-Fi range; connections made afterwards go through.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// One direction of a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Profile {
    /// Time from a byte leaving the sender's end of the link to its arrival.
    pub delay: Duration,
    /// Bytes per second the link carries.
    pub bandwidth: u64,
    /// Bytes the bottleneck holds before the sender is held back.
    pub buffer: usize,
    /// A pause after every so many bytes, if any.
    pub stall: Option<Stall>,
}

/// A deterministic pause in a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stall {
    /// After every this many bytes…
    pub every: u64,
    /// …the link carries nothing for this long.
    pub pause: Duration,
}

impl Profile {
    /// A link with `delay` one way and `bandwidth` bytes per second, a bottleneck buffer of
    /// 64 KiB (a typical access point's per-station queue), no stalls.
    #[must_use]
    pub const fn new(delay: Duration, bandwidth: u64) -> Self {
        Self {
            delay,
            bandwidth,
            buffer: 64 << 10,
            stall: None,
        }
    }

    /// The time `bytes` take to serialise onto the link.
    #[must_use]
    pub fn transmit_time(&self, bytes: u64) -> Duration {
        Duration::from_secs_f64(bytes as f64 / self.bandwidth.max(1) as f64)
    }

    /// The least time `bytes` take from first byte sent to last byte received: serialisation,
    /// the stalls they cross, and one delay. What no transport can beat on this link.
    #[must_use]
    pub fn floor(&self, bytes: u64) -> Duration {
        let stalls = self.stall.map_or(Duration::ZERO, |s| {
            s.pause * (bytes / s.every.max(1)) as u32
        });
        self.transmit_time(bytes) + stalls + self.delay
    }
}

/// The timing of one direction of a link, without I/O or clocks: when bytes admitted now arrive.
#[derive(Clone, Debug)]
pub struct Schedule {
    profile: Profile,
    /// When the link finishes serialising what it was given.
    free_at: Option<Instant>,
    /// Bytes carried so far (for stalls).
    carried: u64,
}

impl Schedule {
    /// A link idle until its first bytes.
    #[must_use]
    pub const fn new(profile: Profile) -> Self {
        Self {
            profile,
            free_at: None,
            carried: 0,
        }
    }

    /// Bytes the bottleneck can take at `now`.
    #[must_use]
    pub fn room(&self, now: Instant) -> usize {
        let queued = self.free_at.map_or(0, |f| {
            let backlog = f.saturating_duration_since(now).as_secs_f64();
            (backlog * self.profile.bandwidth as f64) as usize
        });
        self.profile.buffer.saturating_sub(queued)
    }

    /// When at least `want` bytes of room (or the whole buffer, if smaller) will be free.
    #[must_use]
    pub fn room_at(&self, now: Instant, want: usize) -> Instant {
        let want = want.min(self.profile.buffer);
        match self.free_at {
            Some(f) if self.room(now) < want => {
                let keep = self.profile.buffer - want;
                f.checked_sub(self.profile.transmit_time(keep as u64))
                    .map_or(now, |t| t.max(now))
            }
            _ => now,
        }
    }

    /// Admits `n` bytes at `now`; returns when their last byte arrives at the far end.
    pub fn admit(&mut self, now: Instant, n: usize) -> Instant {
        let start = self.free_at.map_or(now, |f| f.max(now));
        let mut end = start + self.profile.transmit_time(n as u64);
        if let Some(s) = self.profile.stall {
            let every = s.every.max(1);
            let crossed = (self.carried + n as u64) / every - self.carried / every;
            end += s.pause * crossed as u32;
        }
        self.carried += n as u64;
        self.free_at = Some(end);
        end + self.profile.delay
    }
}

/// A running emulator: where to connect, and its accept thread (which ends with the process).
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
}

impl Emulator {
    /// The address clients connect to.
    #[must_use]
    pub const fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// The most bytes read from a socket at a time; small enough that a piece is a few milliseconds of
/// a slow link.
const PIECE: usize = 16 << 10;

/// Proxies every connection accepted on `listener` to `upstream`: `up` applies from client to
/// upstream, `down` the other way.
pub fn spawn(
    listener: TcpListener,
    upstream: SocketAddr,
    up: Profile,
    down: Profile,
) -> io::Result<Emulator> {
    start(listener, upstream, up, down, None)
}

/// [`spawn`], with a link that drops once: when `after` bytes in all have come from upstream
/// (the camera), every connection open at that moment is shut in both directions, on both sides,
/// and the bytes of that read are lost. Later connections are not cut.
pub fn spawn_dropping(
    listener: TcpListener,
    upstream: SocketAddr,
    up: Profile,
    down: Profile,
    after: u64,
) -> io::Result<Emulator> {
    let cut = Arc::new(Cut {
        after,
        carried: AtomicU64::new(0),
        done: AtomicBool::new(false),
        open: Mutex::new(Vec::new()),
    });
    start(listener, upstream, up, down, Some(cut))
}

/// The one drop of a [`spawn_dropping`] link.
#[derive(Debug)]
struct Cut {
    after: u64,
    /// Bytes carried from upstream so far.
    carried: AtomicU64,
    /// The link has dropped.
    done: AtomicBool,
    /// Every socket of the connections open so far (both sides).
    open: Mutex<Vec<TcpStream>>,
}

impl Cut {
    /// Counts `n` bytes from upstream; returns whether the link drops now (once).
    fn carry(&self, n: usize) -> bool {
        let before = self.carried.fetch_add(n as u64, Ordering::SeqCst);
        before + n as u64 >= self.after && !self.done.swap(true, Ordering::SeqCst)
    }

    /// Shuts every socket of the connections made so far.
    fn drop_link(&self) {
        let open = std::mem::take(&mut *self.open.lock().unwrap_or_else(PoisonError::into_inner));
        for s in open {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    /// Remembers a connection's sockets, unless the link has dropped already.
    fn register(&self, sockets: [&TcpStream; 2]) {
        if self.done.load(Ordering::SeqCst) {
            return;
        }
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.extend(sockets.iter().filter_map(|s| s.try_clone().ok()));
    }
}

fn start(
    listener: TcpListener,
    upstream: SocketAddr,
    up: Profile,
    down: Profile,
    cut: Option<Arc<Cut>>,
) -> io::Result<Emulator> {
    let addr = listener.local_addr()?;
    thread::Builder::new()
        .name("linkemu-accept".into())
        .spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let pair = client
                    .try_clone()
                    .and_then(|c| Ok((c, server.try_clone()?)));
                let Ok((client2, server2)) = pair else {
                    continue;
                };
                if let Some(c) = &cut {
                    c.register([&client, &server]);
                }
                direction(client, server, up, None);
                direction(server2, client2, down, cut.clone());
            }
        })?;
    Ok(Emulator { addr })
}

/// Carries `from` → `to` through a link with `profile`: a reader that admits bytes as the
/// bottleneck has room, and a writer that hands them over when they arrive. With `cut`, the
/// reader counts what it carries and drops the link when its time has come.
fn direction(mut from: TcpStream, mut to: TcpStream, profile: Profile, cut: Option<Arc<Cut>>) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    let reader = move || {
        let mut link = Schedule::new(profile);
        let mut buf = vec![0; PIECE];
        loop {
            let now = Instant::now();
            let free = link.room_at(now, PIECE);
            if free > now {
                thread::sleep(free - now);
            }
            let room = link.room(Instant::now()).clamp(1, PIECE);
            let n = match from.read(&mut buf[..room]) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if cut.as_ref().is_some_and(|c| c.carry(n)) {
                if let Some(c) = &cut {
                    c.drop_link();
                }
                break;
            }
            let arrive = link.admit(Instant::now(), n);
            if tx.send((arrive, buf[..n].to_vec())).is_err() {
                break;
            }
        }
    };
    let writer = move || {
        for (arrive, bytes) in rx {
            let now = Instant::now();
            if arrive > now {
                thread::sleep(arrive - now);
            }
            if to.write_all(&bytes).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    };
    let _ = thread::Builder::new()
        .name("linkemu-read".into())
        .spawn(reader);
    let _ = thread::Builder::new()
        .name("linkemu-write".into())
        .spawn(writer);
}

/// `12.5MB` → `(12.5, "MB")`.
fn number_and_unit(text: &str) -> Option<(f64, &str)> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    Some((num.parse().ok()?, unit.trim()))
}

/// Parses a size: `64KiB`, `1MiB`, `25MB`, `1500` (bytes).
pub fn parse_size(text: &str) -> Option<u64> {
    let (n, unit) = number_and_unit(text)?;
    let mult = match unit
        .trim()
        .trim_end_matches("/s")
        .to_ascii_lowercase()
        .as_str()
    {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some((n * mult) as u64)
}

/// Parses a duration: `5ms`, `1.5s`, `200us`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let (n, unit) = number_and_unit(text)?;
    let secs = match unit {
        "s" => n,
        "ms" | "" => n / 1e3,
        "us" | "µs" => n / 1e6,
        _ => return None,
    };
    Some(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transfer_takes_serialisation_plus_one_delay() {
        let p = Profile::new(Duration::from_millis(5), 25_000_000);
        let mut s = Schedule::new(p);
        let t0 = Instant::now();
        let mut last = t0;
        // 10 MB admitted as fast as the buffer allows, in 16 KiB pieces.
        let mut now = t0;
        let mut sent = 0u64;
        while sent < 10_000_000 {
            now = s.room_at(now, PIECE);
            let n = s
                .room(now)
                .clamp(1, PIECE)
                .min((10_000_000 - sent) as usize);
            last = s.admit(now, n);
            sent += n as u64;
        }
        let took = last - t0;
        // Per-piece rounding to nanoseconds only.
        let off = took.abs_diff(p.floor(10_000_000));
        assert!(off < Duration::from_micros(10), "{took:?}");
        assert_eq!(took.as_millis(), 405);
    }

    #[test]
    fn the_bottleneck_holds_at_most_its_buffer() {
        let p = Profile::new(Duration::ZERO, 1_000_000);
        let mut s = Schedule::new(p);
        let t0 = Instant::now();
        assert_eq!(s.room(t0), 64 << 10);
        s.admit(t0, 64 << 10);
        assert_eq!(s.room(t0), 0);
        // Half of it has gone after half its serialisation time.
        let half = t0 + p.transmit_time(32 << 10);
        let room = s.room(half);
        assert!(((32 << 10) - 2..=(32 << 10) + 2).contains(&room), "{room}");
        assert!(s.room_at(t0, 16 << 10) > t0);
    }

    #[test]
    fn stalls_pause_the_link_every_so_many_bytes() {
        let mut p = Profile::new(Duration::ZERO, 1_000_000);
        p.stall = Some(Stall {
            every: 100_000,
            pause: Duration::from_millis(50),
        });
        let mut s = Schedule::new(p);
        let t0 = Instant::now();
        let end = s.admit(t0, 250_000);
        assert_eq!(end - t0, Duration::from_millis(250 + 2 * 50));
        assert_eq!(p.floor(250_000), Duration::from_millis(350));
    }

    #[test]
    fn sizes_and_durations_parse() {
        assert_eq!(parse_size("64KiB"), Some(65_536));
        assert_eq!(parse_size("25MB/s"), Some(25_000_000));
        assert_eq!(parse_size("1500"), Some(1500));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_duration("5ms"), Some(Duration::from_millis(5)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("5 parsecs"), None);
    }
}
