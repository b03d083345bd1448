//! [`LiveView`]: the Fujifilm live-view port (55742) on a mio socket with a `Poll` of its own,
//! read through the sans-IO [`LiveViewStream`]: this driver moves bytes and time, the stream
//! decides what a frame is.

use ptpip_protocol::calls::connect;
use std::io::{self, Read};
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use ptpip_protocol::ReadBuffer;
use ptpip_protocol::fuji::{IntervalStats, LiveViewRead, LiveViewStats, LiveViewStream};

const STREAM: Token = Token(0);

/// A connection to a Fujifilm body's live-view port. Frames flow as soon as it is connected;
/// dropping it stops them. Connect again for another stream within the same session.
#[derive(Debug)]
pub struct LiveView {
    poll: Poll,
    events: Events,
    socket: TcpStream,
    stream: LiveViewStream,
    buf: ReadBuffer,
    /// Readable readiness not yet used up by a read that would block.
    readable: bool,
    ended: bool,
}

impl LiveView {
    /// Connects to `host:port` within `timeout`, retrying "connection refused" meanwhile (the
    /// port may open a moment after InitiateOpenCapture; gphoto2 retries too).
    pub fn connect(host: &str, port: u16, timeout: Duration) -> io::Result<Self> {
        let addr: SocketAddr = (host, port).to_socket_addrs()?.next().ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("{host}: no address"))
        })?;
        let deadline = Instant::now() + timeout;
        let mut poll = Poll::new()?;
        let mut events = Events::with_capacity(4);
        loop {
            match connect_once(&mut poll, &mut events, addr, deadline)? {
                Some(socket) => {
                    return Ok(Self {
                        poll,
                        events,
                        socket,
                        stream: LiveViewStream::default(),
                        buf: ReadBuffer::new(),
                        readable: true,
                        ended: false,
                    });
                }
                None => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if !left.is_zero() {
                        // A back-off between attempts: the poll has no source registered.
                        let _ = poll.poll(&mut events, Some(connect::REFUSED_RETRY.min(left)));
                    }
                    if Instant::now() >= deadline {
                        return Err(io::Error::new(
                            io::ErrorKind::ConnectionRefused,
                            format!("connection refused by {addr} (retried for {timeout:?})"),
                        ));
                    }
                }
            }
        }
    }

    /// The next frame (or broken frame), waiting up to `wait` for bytes. A stream whose framing
    /// is lost (a length below the header, or above the limit) is an `InvalidData` error.
    pub fn next(&mut self, wait: Duration) -> io::Result<LiveViewRead> {
        let deadline = Instant::now() + wait;
        loop {
            if let Some(item) = self.stream.poll() {
                return Ok(LiveViewRead::Item(item));
            }
            if self.ended {
                return Ok(LiveViewRead::Ended);
            }
            if !self.readable {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(LiveViewRead::TimedOut);
                }
                match self.poll.poll(&mut self.events, Some(left)) {
                    Err(e) if e.kind() != io::ErrorKind::Interrupted => return Err(e),
                    _ => {}
                }
                self.readable = !self.events.is_empty();
                continue;
            }
            let n = match self.socket.read(self.buf.spare()) {
                Ok(0) => {
                    self.ended = true;
                    continue;
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.readable = false;
                    continue;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let bytes = self.buf.filled(n);
            self.stream
                .handle_input(Instant::now(), &bytes)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        }
    }

    /// The counts since the stream started.
    #[must_use]
    pub fn stats(&self) -> LiveViewStats {
        self.stream.stats()
    }

    /// The counts since the last call, with the rate over that time.
    pub fn take_interval(&mut self) -> IntervalStats {
        self.stream.take_interval(Instant::now())
    }
}

/// One non-blocking connect to `addr`, waited for until `deadline`: the socket (registered for
/// reading in `poll`), or `None` if it was refused.
fn connect_once(
    poll: &mut Poll,
    events: &mut Events,
    addr: SocketAddr,
    deadline: Instant,
) -> io::Result<Option<TcpStream>> {
    let mut socket = TcpStream::connect(addr)?;
    poll.registry()
        .register(&mut socket, STREAM, Interest::WRITABLE)?;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no answer from {addr} in time"),
            ));
        }
        match poll.poll(events, Some(left)) {
            Err(e) if e.kind() != io::ErrorKind::Interrupted => return Err(e),
            _ => {}
        }
        if events.is_empty() {
            continue;
        }
        let refused = |e: &io::Error| e.kind() == io::ErrorKind::ConnectionRefused;
        match socket.take_error() {
            Ok(Some(e)) | Err(e) if refused(&e) => {
                poll.registry().deregister(&mut socket)?;
                return Ok(None);
            }
            Ok(Some(e)) | Err(e) => return Err(e),
            Ok(None) => {}
        }
        match socket.peer_addr() {
            Ok(_) => {
                crate::link::tune(&socket)?;
                poll.registry()
                    .reregister(&mut socket, STREAM, Interest::READABLE)?;
                return Ok(Some(socket));
            }
            // Spurious readiness: wait for the next event.
            Err(e) if e.kind() == io::ErrorKind::NotConnected => {}
            Err(e) if refused(&e) => {
                poll.registry().deregister(&mut socket)?;
                return Ok(None);
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::net::TcpListener;

    use ptpip_protocol::Encode;
    use ptpip_protocol::camera::LiveViewGenerator;
    use ptpip_protocol::fuji::LiveViewItem;

    use super::*;

    #[test]
    fn frames_arrive_checked_and_the_end_is_seen() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut g = LiveViewGenerator::new(32, 16);
            let mut wire = Vec::new();
            for _ in 0..3 {
                g.next_frame().encode(&mut wire);
            }
            // A frame cut before its end-of-image marker.
            let mut broken = g.next_frame();
            broken.jpeg.truncate(broken.jpeg.len() - 2);
            broken.encode(&mut wire);
            s.write_all(&wire).unwrap();
        });
        let mut lv = LiveView::connect("127.0.0.1", port, Duration::from_secs(5)).unwrap();
        let mut good = 0;
        let mut broken = 0;
        loop {
            match lv.next(Duration::from_secs(10)).unwrap() {
                LiveViewRead::Item(LiveViewItem::Frame(f)) => {
                    assert!(f.jpeg.starts_with(&[0xFF, 0xD8]) && f.jpeg.ends_with(&[0xFF, 0xD9]));
                    good += 1;
                }
                LiveViewRead::Item(LiveViewItem::Broken { .. }) => broken += 1,
                LiveViewRead::TimedOut => panic!("timed out"),
                LiveViewRead::Ended => break,
            }
        }
        server.join().unwrap();
        assert_eq!((good, broken), (3, 1));
        assert_eq!((lv.stats().frames, lv.stats().broken), (3, 1));
    }

    #[test]
    fn a_port_opening_late_is_retried_and_a_closed_one_fails_in_time() {
        // Refused for the whole wait: a ConnectionRefused error once the time is up.
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let err = LiveView::connect("127.0.0.1", port, Duration::from_millis(300)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
        // A port that opens while the connect retries.
        let late = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            let l = TcpListener::bind(("127.0.0.1", port)).unwrap();
            let (mut s, _) = l.accept().unwrap();
            let mut wire = Vec::new();
            LiveViewGenerator::new(16, 16)
                .next_frame()
                .encode(&mut wire);
            s.write_all(&wire).unwrap();
        });
        let mut lv = LiveView::connect("127.0.0.1", port, Duration::from_secs(10)).unwrap();
        assert!(matches!(
            lv.next(Duration::from_secs(10)).unwrap(),
            LiveViewRead::Item(LiveViewItem::Frame(_))
        ));
        late.join().unwrap();
    }
}
