//! [`LiveView`]: the Fujifilm live-view port (55742) on a std socket, read through the sans-IO
//! [`LiveViewStream`]: this driver moves bytes and time, the stream decides what a frame is.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use ptpip_protocol::ReadBuffer;
use ptpip_protocol::fuji::{IntervalStats, LiveViewRead, LiveViewStats, LiveViewStream};

use crate::link;

/// A connection to a Fujifilm body's live-view port. Frames flow as soon as it is connected;
/// dropping it stops them. Connect again for another stream within the same session.
#[derive(Debug)]
pub struct LiveView {
    socket: TcpStream,
    stream: LiveViewStream,
    buf: ReadBuffer,
    ended: bool,
}

impl LiveView {
    /// Connects to `host:port` within `timeout`, retrying "connection refused" meanwhile (the
    /// port may open a moment after InitiateOpenCapture; gphoto2 retries too).
    pub fn connect(host: &str, port: u16, timeout: Duration) -> io::Result<Self> {
        let addr: SocketAddr = (host, port).to_socket_addrs()?.next().ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("{host}: no address"))
        })?;
        let socket = link::connect(addr, timeout, &crate::CancelToken::new())?;
        Ok(Self {
            socket,
            stream: LiveViewStream::default(),
            buf: ReadBuffer::new(),
            ended: false,
        })
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
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(LiveViewRead::TimedOut);
            }
            self.socket.set_read_timeout(Some(left))?;
            let n = match self.socket.read(self.buf.spare()) {
                Ok(0) => {
                    self.ended = true;
                    continue;
                }
                Ok(n) => n,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(LiveViewRead::TimedOut);
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
}
