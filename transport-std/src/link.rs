//! Sockets and reader threads: the only I/O in this crate.
//!
//! The command connection is read directly by the thread that owns the state machine
//! ([`DirectReader`]). The event connection gets a reader thread that reads into `BytesMut` pieces
//! and sends them, tagged with their [`Channel`], over one bounded channel to the owner. The bound
//! is the backpressure: a reader blocks once a few pieces are waiting.

use ptpip_protocol::calls::connect;
use std::io::{self, IoSlice, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use ptpip_protocol::{Channel, ReadBuffer};

use crate::CancelToken;

/// Reads that may wait between a reader thread and the owner.
const QUEUE: usize = 8;
/// What a reader thread reports.
#[derive(Debug)]
pub(crate) enum Input {
    /// Bytes read.
    Data(Channel, BytesMut),
    /// The connection ended (cleanly, or with an error).
    Eof(Channel),
    /// Nothing was read: look at the state machine again (a device raised an event, a deadline
    /// moved, a connection was handed over).
    Wake,
}

/// The owner's end of the readers' queue.
pub(crate) struct Inputs {
    pub(crate) tx: SyncSender<Input>,
    pub(crate) rx: Receiver<Input>,
}

impl Inputs {
    pub(crate) fn new() -> Self {
        let (tx, rx) = sync_channel(QUEUE);
        Self { tx, rx }
    }
}

/// Sets the options every PTP/IP socket gets: no Nagle delay (small requests must leave at once)
/// and TCP keep-alive (a camera that walks out of Wi-Fi range is noticed).
pub(crate) fn tune(stream: &TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    socket2::SockRef::from(stream).set_keepalive(true)
}

/// Connects to `addr`, retrying "connection refused" (a camera still starting its listener) until
/// `timeout` has passed or `cancel` is cancelled (which ends the pause between attempts at once).
pub(crate) fn connect(
    addr: SocketAddr,
    timeout: Duration,
    cancel: &CancelToken,
) -> io::Result<TcpStream> {
    let deadline = Instant::now() + timeout;
    let mut refused_before = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(connect::refused(addr, timeout));
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => {
                tune(&s)?;
                return Ok(s);
            }
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                if !refused_before {
                    refused_before = true;
                    log::warn!(
                        "nothing listens on {addr}: is the camera's Wi-Fi function on? retrying \
                         for {timeout:?}"
                    );
                }
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(connect::refused(addr, timeout));
                }
                // A back-off between attempts, which a cancel ends at once.
                if cancel.is_cancelled() || cancel.wait(connect::REFUSED_RETRY.min(left)) {
                    return Err(io::Error::new(
                        io::ErrorKind::Interrupted,
                        "connect cancelled",
                    ));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no answer from {addr} within {timeout:?}"),
                ));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Starts a reader thread for `stream`, sending what it reads to `tx`.
pub(crate) fn spawn_reader(
    channel: Channel,
    mut stream: TcpStream,
    tx: SyncSender<Input>,
) -> io::Result<thread::JoinHandle<()>> {
    thread::Builder::new()
        .name(format!("ptpip-read-{channel:?}").to_lowercase())
        .spawn(move || {
            let mut buf = ReadBuffer::new();
            loop {
                let n = match stream.read(buf.spare()) {
                    Ok(0) | Err(_) => {
                        let _ = tx.send(Input::Eof(channel));
                        return;
                    }
                    Ok(n) => n,
                };
                let piece = buf.filled(n);
                if tx.send(Input::Data(channel, piece)).is_err() {
                    return;
                }
            }
        })
}

/// Reads a socket on the owner's thread (no hand-off to another thread, which would add a
/// wake-up to every round trip), into `BytesMut` pieces.
#[derive(Debug)]
pub(crate) struct DirectReader {
    stream: TcpStream,
    buf: ReadBuffer,
    timeout: Option<Duration>,
}

/// What a [`DirectReader`] read.
pub(crate) enum ReadOutcome {
    Data(BytesMut),
    /// Nothing before the timeout.
    Idle,
    Eof,
}

impl DirectReader {
    pub(crate) fn new(stream: TcpStream) -> io::Result<Self> {
        stream.set_read_timeout(None)?;
        Ok(Self {
            stream,
            buf: ReadBuffer::new(),
            timeout: None,
        })
    }

    /// Acknowledges what was read at once (Linux's TCP_QUICKACK, which the kernel clears again,
    /// so it is set after the read that needs it). For a server that has nothing to answer yet:
    /// initiators that send a request, then its data, in separate writes without TCP_NODELAY
    /// (gphoto2 does) would otherwise wait about 40 ms for the delayed acknowledgement of the
    /// first write before the second leaves. A read that is answered needs none: the answer
    /// carries the acknowledgement.
    pub(crate) fn ack_now(&self) {
        ack_now(&self.stream);
    }

    /// Reads what is there, waiting at most `wait` (`None`: as long as it takes).
    pub(crate) fn read(&mut self, wait: Option<Duration>) -> io::Result<ReadOutcome> {
        // A zero timeout means "forever" to the OS; wait a microsecond instead.
        let wait = wait.map(|w| w.max(Duration::from_micros(1)));
        if !timeout_fits(self.timeout, wait) {
            // A little short of the wait, so that the next waits, a little shorter or longer,
            // still fit it.
            let set = wait.map(|w| (w - w / 16).max(Duration::from_micros(1)));
            self.stream.set_read_timeout(set)?;
            self.timeout = set;
        }
        let r = match self.stream.read(self.buf.spare()) {
            Ok(0) => ReadOutcome::Eof,
            Ok(n) => ReadOutcome::Data(self.buf.filled(n)),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                ReadOutcome::Idle
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => ReadOutcome::Idle,
            Err(_) => ReadOutcome::Eof,
        };
        Ok(r)
    }
}

/// Whether a read timeout of `set` (the socket's now) may stand for a wait of `wait` (`None`:
/// forever): it must not outlast the wait, and may end it early by at most an eighth (the caller
/// then reads again with what is left). A deadline that stays put, or one that moves on by a few
/// microseconds per round trip (the response timer, restarted with every request), then costs no
/// `setsockopt` per read.
fn timeout_fits(set: Option<Duration>, wait: Option<Duration>) -> bool {
    match (set, wait) {
        (None, None) => true,
        (Some(set), Some(wait)) => set <= wait && set >= wait - wait / 8,
        _ => false,
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn ack_now(stream: &TcpStream) {
    // Best effort: a socket that refuses only costs the delay this avoids.
    let _ = socket2::SockRef::from(stream).set_quickack(true);
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
const fn ack_now(_: &TcpStream) {}

/// Writes all of `bytes` in one call where the OS allows (one packet, one write).
pub(crate) fn write_all(stream: &mut TcpStream, bytes: &[u8]) -> io::Result<()> {
    stream.write_all(bytes)
}

/// Writes all of `pieces`, in order, in as few calls as the OS allows (`writev` of up to
/// [`SLICES`] pieces at a time; one piece alone is a plain write). Nothing is allocated.
pub(crate) fn write_all_vectored(stream: &mut TcpStream, pieces: &[Bytes]) -> io::Result<()> {
    // The next piece to write, and how much of it is written.
    let (mut i, mut at) = (0, 0);
    loop {
        while pieces.get(i).is_some_and(|p| p.len() == at) {
            i += 1;
            at = 0;
        }
        match &pieces[i..] {
            [] => return Ok(()),
            [last] => return stream.write_all(&last[at..]),
            rest => {
                let mut slices = [IoSlice::new(&[]); SLICES];
                let k = rest.len().min(SLICES);
                for (slot, piece) in slices.iter_mut().zip(rest) {
                    *slot = IoSlice::new(piece);
                }
                slices[0] = IoSlice::new(&rest[0][at..]);
                match stream.write_vectored(&slices[..k]) {
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(mut n) => {
                        // Past the pieces written whole, into the one written in part.
                        while n > 0 {
                            let left = pieces[i].len() - at;
                            if n < left {
                                at += n;
                                break;
                            }
                            n -= left;
                            i += 1;
                            at = 0;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
}

/// The most pieces one `writev` takes.
const SLICES: usize = 64;

#[cfg(test)]
mod tests {
    use super::timeout_fits;
    use std::time::Duration;

    #[test]
    fn vectored_writes_send_every_piece_in_order() {
        use bytes::Bytes;
        use std::io::Read;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut tx = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut rx, _) = listener.accept().unwrap();
        // Empty pieces, more pieces than one writev takes, one piece alone, none.
        let pieces: Vec<Bytes> = (0..150u32)
            .map(|i| Bytes::from(vec![i as u8; (i % 7) as usize * 100]))
            .collect();
        let want: Vec<u8> = pieces.iter().flat_map(|p| p.iter().copied()).collect();
        super::write_all_vectored(&mut tx, &pieces).unwrap();
        super::write_all_vectored(&mut tx, &pieces[3..4]).unwrap();
        super::write_all_vectored(&mut tx, &[]).unwrap();
        drop(tx);
        let mut got = Vec::new();
        rx.read_to_end(&mut got).unwrap();
        assert_eq!(got.len(), want.len() + 300);
        assert_eq!(&got[..want.len()], &want[..]);
        assert_eq!(&got[want.len()..], &pieces[3][..]);
    }

    #[test]
    fn a_read_timeout_stands_for_waits_a_little_longer_never_shorter() {
        let s = Duration::from_secs;
        assert!(timeout_fits(None, None));
        assert!(!timeout_fits(None, Some(s(30))));
        assert!(!timeout_fits(Some(s(30)), None));
        assert!(timeout_fits(Some(s(28)), Some(s(30))));
        assert!(timeout_fits(Some(s(30)), Some(s(30))));
        // Never longer than the wait; never far shorter.
        assert!(!timeout_fits(Some(s(31)), Some(s(30))));
        assert!(!timeout_fits(Some(s(20)), Some(s(30))));
    }
}
