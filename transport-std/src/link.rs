//! Sockets and reader threads: the only I/O in this crate.
//!
//! Each TCP connection gets a reader thread that reads into `BytesMut` pieces and sends them, tagged
//! with their [`Channel`], over one bounded channel to the thread that owns the state machine. The
//! bound is the backpressure: a reader blocks once a few pieces are waiting.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use ptpip_protocol::Channel;

/// Bytes per read.
pub(crate) const READ_SIZE: usize = 256 << 10;
/// Reads that may wait between a reader thread and the owner.
const QUEUE: usize = 8;

/// What a reader thread reports.
#[derive(Debug)]
pub(crate) enum Input {
    /// Bytes read.
    Data(Channel, BytesMut),
    /// The connection ended (cleanly, or with an error).
    Eof(Channel),
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
/// `timeout` has passed or `cancelled` says stop.
pub(crate) fn connect(
    addr: SocketAddr,
    timeout: Duration,
    cancelled: &dyn Fn() -> bool,
) -> io::Result<TcpStream> {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("could not connect to {addr} within {timeout:?}"),
            ));
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => {
                tune(&s)?;
                return Ok(s);
            }
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                if cancelled() {
                    return Err(io::Error::new(
                        io::ErrorKind::Interrupted,
                        "connect cancelled",
                    ));
                }
                thread::sleep(Duration::from_millis(100).min(left));
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
            let mut buf = BytesMut::new();
            loop {
                if buf.capacity() < READ_SIZE {
                    // A fresh block; pieces already split off keep the old one alive until used.
                    buf = BytesMut::with_capacity(READ_SIZE * 4);
                }
                // Safe Rust cannot read into uninitialised memory: zero what the read may fill.
                buf.resize(READ_SIZE, 0);
                let n = match stream.read(&mut buf) {
                    Ok(0) | Err(_) => {
                        let _ = tx.send(Input::Eof(channel));
                        return;
                    }
                    Ok(n) => n,
                };
                let piece = buf.split_to(n);
                buf.clear();
                if tx.send(Input::Data(channel, piece)).is_err() {
                    return;
                }
            }
        })
}

/// Writes all of `bytes` in one call where the OS allows (one packet, one write).
pub(crate) fn write_all(stream: &mut TcpStream, bytes: &[u8]) -> io::Result<()> {
    stream.write_all(bytes)
}
