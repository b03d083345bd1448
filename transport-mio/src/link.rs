//! One TCP connection of a session in a mio registry: its state, the readiness it has seen, and
//! the transmits it has taken and not yet written. The only socket I/O of the crate.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Read, Write};
use std::net::{Shutdown, SocketAddr};

use bytes::{Bytes, BytesMut};
use mio::event::Event as MioEvent;
use mio::net::TcpStream;
use mio::{Interest, Registry, Token};
use ptpip_protocol::ReadBuffer;

/// The most transmits one `writev` takes (a batch of data packets: a header and a payload each).
const MAX_SLICES: usize = 16;

/// Where a connection is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// Nothing addressed to it yet.
    Unopened,
    /// Non-blocking connect in progress; finishes on the first writable (or error) readiness.
    Connecting,
    /// Connected.
    Open,
    /// Ended: closed by us, failed, or never opened.
    Closed,
}

/// What one read gave.
#[derive(Debug)]
pub(crate) enum ReadOutcome {
    /// Bytes.
    Data(BytesMut),
    /// Nothing more for now.
    WouldBlock,
    /// The peer ended its side.
    Eof,
    /// The socket failed.
    Failed(io::Error),
}

/// One connection.
pub(crate) struct Link {
    token: Token,
    pub(crate) state: State,
    stream: Option<TcpStream>,
    /// The interest registered now, if registered.
    registered: Option<Interest>,
    /// Readable readiness seen and not yet used up by a read that would block.
    pub(crate) readable: bool,
    /// Writable readiness seen and not yet used up by a write that would block.
    pub(crate) writable: bool,
    /// The peer ended its side: read no more.
    pub(crate) eof: bool,
    /// mio reported the read side closed (or an error): read on until the read says so, even
    /// after a short read.
    read_closed: bool,
    /// Transmits taken and not yet written, in order; the first may be part-way written.
    pending: VecDeque<Bytes>,
    /// How much of the first pending transmit is written.
    written: usize,
    /// Bytes pending in all (what is left of the first, and the others).
    pending_len: usize,
    /// Read buffer; `split_to` hands out what a read filled, the rest stays initialised.
    buf: ReadBuffer,
    /// Why the connection failed, if it did.
    pub(crate) error: Option<io::Error>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("token", &self.token)
            .field("state", &self.state)
            .field("registered", &self.registered)
            .field("pending", &self.pending_len)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

/// Sets the options every PTP/IP socket gets: no Nagle delay (small requests must leave at once)
/// and TCP keep-alive (a camera that walks out of Wi-Fi range is noticed).
pub(crate) fn tune(stream: &TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    socket2::SockRef::from(stream).set_keepalive(true)
}

impl Link {
    pub(crate) fn new(token: Token) -> Self {
        Self {
            token,
            state: State::Unopened,
            stream: None,
            registered: None,
            readable: false,
            writable: false,
            eof: false,
            read_closed: false,
            pending: VecDeque::new(),
            written: 0,
            pending_len: 0,
            buf: ReadBuffer::new(),
            error: None,
        }
    }

    pub(crate) const fn token(&self) -> Token {
        self.token
    }

    /// The interest registered now (`None`: not registered).
    pub(crate) const fn registered(&self) -> Option<Interest> {
        self.registered
    }

    /// A connection accepted from a listener: tuned, registered for reading and writing.
    pub(crate) fn accepted(
        token: Token,
        mut stream: TcpStream,
        registry: &Registry,
    ) -> io::Result<Self> {
        tune(&stream)?;
        let interest = Interest::READABLE | Interest::WRITABLE;
        registry.register(&mut stream, token, interest)?;
        let mut me = Self::new(token);
        me.registered = Some(interest);
        me.stream = Some(stream);
        me.state = State::Open;
        Ok(me)
    }

    /// The addresses of both ends (`None` before the connection exists).
    pub(crate) fn addrs(&self) -> Option<(SocketAddr, SocketAddr)> {
        let s = self.stream.as_ref()?;
        Some((s.local_addr().ok()?, s.peer_addr().ok()?))
    }

    /// Our end's address (known as soon as a connect has started).
    pub(crate) fn local_addr(&self) -> Option<SocketAddr> {
        self.stream.as_ref()?.local_addr().ok()
    }

    /// Ends our sending side once everything queued is written (the peer reads EOF); reading
    /// goes on.
    pub(crate) fn shutdown_write(&mut self) {
        if let Some(s) = self.stream.as_ref() {
            let _ = s.shutdown(Shutdown::Write);
        }
    }

    /// Starts a non-blocking connect to `addr` and registers the socket.
    pub(crate) fn open(&mut self, addr: SocketAddr, registry: &Registry) -> io::Result<()> {
        let mut stream = TcpStream::connect(addr)?;
        let interest = Interest::READABLE | Interest::WRITABLE;
        registry.register(&mut stream, self.token, interest)?;
        self.registered = Some(interest);
        self.stream = Some(stream);
        self.state = State::Connecting;
        Ok(())
    }

    /// Notes the readiness mio reported. Errors and hang-ups count as both: the next read or
    /// write tells what happened.
    pub(crate) fn on_event(&mut self, event: &MioEvent) {
        if event.is_readable() || event.is_read_closed() || event.is_error() {
            self.readable = true;
        }
        if event.is_read_closed() || event.is_error() {
            self.read_closed = true;
        }
        if event.is_writable() || event.is_write_closed() || event.is_error() {
            self.writable = true;
        }
    }

    /// While connecting: `Some(Ok)` once connected, `Some(Err)` if the connect failed, `None`
    /// while it is still in progress.
    pub(crate) fn finish_connect(&mut self) -> Option<io::Result<()>> {
        if self.state != State::Connecting || !(self.writable || self.readable) {
            return None;
        }
        let stream = self.stream.as_ref()?;
        let result = match stream.take_error() {
            Ok(Some(e)) | Err(e) => Err(e),
            Ok(None) => match stream.peer_addr() {
                Ok(_) => tune(stream),
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    // Spurious readiness: wait for the next event.
                    self.readable = false;
                    self.writable = false;
                    return None;
                }
                Err(e) => Err(e),
            },
        };
        if result.is_ok() {
            self.state = State::Open;
            self.writable = true;
        }
        Some(result)
    }

    /// After a read of `n` bytes into room for `offered`: a read that fills less than it was
    /// offered emptied the socket, so the readiness is used up, as by a read that would block
    /// (mio's readiness is edge-triggered, so bytes that arrive later bring a new event), which
    /// saves the `recv` that would only say so. Not once the peer's end was reported: that read
    /// goes on until it returns the end. Not on Windows, where mio re-arms its emulated
    /// readiness only after a read that would block.
    fn note_read(&mut self, n: usize, offered: usize) {
        if cfg!(not(windows)) && n < offered && !self.read_closed {
            self.readable = false;
        }
    }

    /// Reads once (see [`note_read`](Self::note_read) for when the readiness is used up).
    pub(crate) fn read(&mut self) -> ReadOutcome {
        let Some(stream) = self.stream.as_mut() else {
            return ReadOutcome::Eof;
        };
        loop {
            let spare = self.buf.spare();
            let offered = spare.len();
            match stream.read(spare) {
                Ok(0) => return ReadOutcome::Eof,
                Ok(n) => {
                    self.note_read(n, offered);
                    return ReadOutcome::Data(self.buf.filled(n));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.readable = false;
                    return ReadOutcome::WouldBlock;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return ReadOutcome::Failed(e),
            }
        }
    }

    /// The socket, for system calls the standard library has no wrapper for (`splice`).
    #[cfg(target_os = "linux")]
    pub(crate) fn fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        self.stream.as_ref().map(AsFd::as_fd)
    }

    /// Reads once into `buf` (a relay's scratch buffer, reused for every read): `Data` is never
    /// returned; the count read is.
    pub(crate) fn read_into(&mut self, buf: &mut [u8]) -> Result<usize, ReadOutcome> {
        let Some(stream) = self.stream.as_mut() else {
            return Err(ReadOutcome::Eof);
        };
        loop {
            match stream.read(buf) {
                Ok(0) => return Err(ReadOutcome::Eof),
                Ok(n) => {
                    self.note_read(n, buf.len());
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.readable = false;
                    return Err(ReadOutcome::WouldBlock);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ReadOutcome::Failed(e)),
            }
        }
    }

    /// Writes as much of `data` as the socket takes now (nothing pending may wait before it);
    /// returns how much.
    pub(crate) fn write_now(&mut self, data: &[u8]) -> io::Result<usize> {
        let Some(stream) = self.stream.as_mut() else {
            return Err(io::ErrorKind::NotConnected.into());
        };
        let mut at = 0;
        while at < data.len() {
            match stream.write(&data[at..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => at += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.writable = false;
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(at)
    }

    /// Whether a transmit is part-way written (or waits for the connect).
    pub(crate) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Bytes taken and not yet written.
    pub(crate) const fn pending_len(&self) -> usize {
        self.pending_len
    }

    /// Queues `payload` to be written after what is pending (the client queues one transmit at
    /// a time; the server a pump's transmits, the relay what the other side could not take yet,
    /// written with one `writev`).
    pub(crate) fn set_pending(&mut self, payload: Bytes) {
        self.pending_len += payload.len();
        self.pending.push_back(payload);
    }

    /// Writes what is pending until it is all written (`Ok(true)`) or the socket is full
    /// (`Ok(false)`): one `write` for a single transmit, a `writev` of up to [`MAX_SLICES`] for
    /// several.
    pub(crate) fn write_pending(&mut self) -> io::Result<bool> {
        if self.stream.is_none() {
            return Err(io::ErrorKind::NotConnected.into());
        }
        while let Some(first) = self.pending.front() {
            if self.written == first.len() {
                // Written (or empty: a transmit that only asked for the connection).
                self.pending.pop_front();
                self.written = 0;
                continue;
            }
            let Some(stream) = self.stream.as_mut() else {
                return Err(io::ErrorKind::NotConnected.into());
            };
            let result = if self.pending.len() == 1 {
                stream.write(&first[self.written..])
            } else {
                let mut slices = [IoSlice::new(&[]); MAX_SLICES];
                let mut n = 0;
                for (i, b) in self.pending.iter().take(MAX_SLICES).enumerate() {
                    slices[i] = IoSlice::new(if i == 0 { &b[self.written..] } else { b });
                    n = i + 1;
                }
                stream.write_vectored(&slices[..n])
            };
            match result {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.advance(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.writable = false;
                    return Ok(false);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// Counts `n` pending bytes as written.
    fn advance(&mut self, mut n: usize) {
        self.pending_len -= n;
        while n > 0 {
            let Some(first) = self.pending.front() else {
                return;
            };
            let left = first.len() - self.written;
            if n < left {
                self.written += n;
                return;
            }
            n -= left;
            self.pending.pop_front();
            self.written = 0;
        }
    }

    /// Registers `want` (or deregisters, for `None`) if it differs from what is registered.
    pub(crate) fn set_interest(
        &mut self,
        registry: &Registry,
        want: Option<Interest>,
    ) -> io::Result<()> {
        if want == self.registered {
            return Ok(());
        }
        let Some(stream) = self.stream.as_mut() else {
            return Ok(());
        };
        match (self.registered, want) {
            (Some(_), Some(w)) => registry.reregister(stream, self.token, w)?,
            (Some(_), None) => registry.deregister(stream)?,
            (None, Some(w)) => registry.register(stream, self.token, w)?,
            (None, None) => {}
        }
        self.registered = want;
        Ok(())
    }

    /// Ends the connection: deregisters, shuts the socket down, drops what was pending. `error`
    /// is kept as the reason if there is one.
    pub(crate) fn close(&mut self, registry: &Registry, error: Option<io::Error>) {
        if let Some(mut stream) = self.stream.take() {
            if self.registered.is_some() {
                let _ = registry.deregister(&mut stream);
            }
            let _ = stream.shutdown(Shutdown::Both);
        }
        if self.error.is_none() {
            self.error = error;
        }
        self.registered = None;
        self.state = State::Closed;
        self.pending.clear();
        self.written = 0;
        self.pending_len = 0;
        self.readable = false;
        self.writable = false;
        self.read_closed = false;
        self.buf = ReadBuffer::new();
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::net::{TcpListener, TcpStream as StdStream};

    use bytes::Bytes;
    use mio::net::TcpStream;
    use mio::{Poll, Token};

    use super::Link;

    #[test]
    fn queued_transmits_leave_whole_and_in_order_through_a_full_socket() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        socket2::SockRef::from(&listener)
            .set_recv_buffer_size(64 << 10)
            .unwrap();
        let ours = StdStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut peer, _) = listener.accept().unwrap();
        // Small buffers, so that the socket fills up long before the queue is written.
        socket2::SockRef::from(&ours)
            .set_send_buffer_size(64 << 10)
            .unwrap();
        ours.set_nonblocking(true).unwrap();
        let poll = Poll::new().unwrap();
        let mut link =
            Link::accepted(Token(0), TcpStream::from_std(ours), poll.registry()).unwrap();

        // Large and small transmits, empty ones among them, and more than one `writev` takes.
        let mut lens = vec![12, 0, 3 << 20, 5, 1 << 20, 0, 4 << 20, 7];
        lens.extend((1..=20).map(|i| i * 3));
        let mut expected = Vec::new();
        for (i, len) in lens.into_iter().enumerate() {
            let b: Vec<u8> = (0..len).map(|k| (k * 31 + i * 7) as u8).collect();
            expected.extend_from_slice(&b);
            link.set_pending(Bytes::from(b));
        }
        assert_eq!(link.pending_len(), expected.len());

        let mut got = Vec::new();
        let mut buf = vec![0u8; 64 << 10];
        let mut filled = 0;
        while link.has_pending() {
            // As a writable event would say once the peer has read.
            link.writable = true;
            if !link.write_pending().unwrap() {
                filled += 1;
                assert!(!link.writable, "a full socket uses the readiness up");
                let n = peer.read(&mut buf).unwrap();
                got.extend_from_slice(&buf[..n]);
            }
        }
        assert_eq!(link.pending_len(), 0);
        while got.len() < expected.len() {
            let n = peer.read(&mut buf).unwrap();
            assert!(n > 0, "the peer saw the end before every byte");
            got.extend_from_slice(&buf[..n]);
        }
        assert!(filled > 10, "the socket filled up {filled} times");
        assert!(got == expected, "the bytes arrived whole and in order");
    }
}
