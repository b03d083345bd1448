//! Reading a session's command connection: on the session's own thread while it waits for a
//! request (no hand-off per round trip), and on a helper thread while it writes a data-in phase,
//! so that a Cancel or a Probe_Request reaches the responder between two data packets.
//!
//! Only one of the two reads at a time. The session lends the socket to the helper when a data
//! phase starts and asks for it back when the phase ends; the helper gives it back after its
//! read in progress returns (at the latest when the socket's read timeout, which the session's
//! own reads set, expires), and says so by clearing `busy` after sending what it read, then
//! sending an empty piece of input that wakes the session up to take the socket back at once.

use std::io::{self, Read};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread;
use std::time::Duration;

use bytes::BytesMut;
use ptpip_protocol::{Channel, ReadBuffer};

use crate::link::{DirectReader, Input, ReadOutcome};

/// The helper thread's controls.
struct Helper {
    /// One token per lending: start reading.
    start: SyncSender<()>,
    /// Keep reading (cleared when the session wants the socket back).
    armed: Arc<AtomicBool>,
    /// The helper may be inside a read or about to send what it read.
    busy: Arc<AtomicBool>,
}

/// The command connection's reader. See the [module docs](self).
pub(super) struct CommandReader {
    direct: DirectReader,
    /// A second handle on the socket, for the helper.
    stream: TcpStream,
    /// Where the helper sends what it reads (the session's input queue).
    tx: SyncSender<Input>,
    helper: Option<Helper>,
    /// The helper has the socket.
    lent: bool,
}

impl CommandReader {
    pub(super) fn new(stream: &TcpStream, tx: SyncSender<Input>) -> io::Result<Self> {
        Ok(Self {
            direct: DirectReader::new(stream.try_clone()?)?,
            stream: stream.try_clone()?,
            tx,
            helper: None,
            lent: false,
        })
    }

    /// Whether the helper has the socket: input then comes through the session's input queue.
    pub(super) const fn is_lent(&self) -> bool {
        self.lent
    }

    /// Acknowledges what the last direct read took at once (see [`DirectReader::ack_now`]).
    pub(super) fn ack_now(&self) {
        self.direct.ack_now();
    }

    /// Reads on the session's thread, waiting at most `wait`. Only when not lent.
    pub(super) fn read(&mut self, wait: Duration) -> io::Result<ReadOutcome> {
        debug_assert!(!self.lent, "the helper has the socket");
        self.direct.read(Some(wait))
    }

    /// Lends the socket to the helper (started on first use) until [`reclaim`](Self::reclaim)
    /// and [`settle`](Self::settle). Only when not lent.
    pub(super) fn lend(&mut self) -> io::Result<()> {
        debug_assert!(!self.lent, "already lent");
        if self.helper.is_none() {
            self.helper = Some(spawn_helper(self.stream.try_clone()?, self.tx.clone())?);
        }
        let Some(h) = &self.helper else {
            return Ok(());
        };
        h.armed.store(true, Ordering::SeqCst);
        h.busy.store(true, Ordering::SeqCst);
        if h.start.send(()).is_err() {
            // The helper is gone (the connection ended): the next direct read says so.
            h.busy.store(false, Ordering::SeqCst);
            return Ok(());
        }
        self.lent = true;
        Ok(())
    }

    /// Asks the helper to stop after its read in progress.
    pub(super) fn reclaim(&self) {
        if let Some(h) = &self.helper {
            h.armed.store(false, Ordering::SeqCst);
        }
    }

    /// Whether the socket is lent and has been asked back.
    pub(super) fn reclaiming(&self) -> bool {
        self.lent
            && self
                .helper
                .as_ref()
                .is_some_and(|h| !h.armed.load(Ordering::SeqCst))
    }

    /// Whether the helper has stopped reading: everything it read is then in the queue.
    pub(super) fn helper_stopped(&self) -> bool {
        self.helper
            .as_ref()
            .is_none_or(|h| !h.busy.load(Ordering::SeqCst))
    }

    /// Takes the socket back, once the helper has stopped and the caller has taken what it
    /// queued: direct reads resume.
    pub(super) fn settle(&mut self) {
        debug_assert!(self.helper_stopped());
        self.lent = false;
    }
}

fn spawn_helper(mut stream: TcpStream, tx: SyncSender<Input>) -> io::Result<Helper> {
    let (start, starts): (SyncSender<()>, Receiver<()>) = sync_channel(1);
    let armed = Arc::new(AtomicBool::new(false));
    let busy = Arc::new(AtomicBool::new(false));
    let (a, b) = (armed.clone(), busy.clone());
    thread::Builder::new()
        .name("ptpip-read-command".into())
        .spawn(move || {
            let mut buf = ReadBuffer::new();
            while starts.recv().is_ok() {
                loop {
                    // The read times out with the session's own read timeout, so a request to
                    // stop is seen even when nothing comes.
                    let input = match stream.read(buf.spare()) {
                        Ok(0) => Some(Input::Eof(Channel::Command)),
                        Ok(n) => Some(Input::Data(Channel::Command, buf.filled(n))),
                        Err(e)
                            if matches!(
                                e.kind(),
                                io::ErrorKind::WouldBlock
                                    | io::ErrorKind::TimedOut
                                    | io::ErrorKind::Interrupted
                            ) =>
                        {
                            None
                        }
                        Err(_) => Some(Input::Eof(Channel::Command)),
                    };
                    let ended = matches!(input, Some(Input::Eof(_)));
                    if let Some(input) = input
                        && tx.send(input).is_err()
                    {
                        b.store(false, Ordering::SeqCst);
                        return;
                    }
                    if ended {
                        b.store(false, Ordering::SeqCst);
                        return;
                    }
                    if !a.load(Ordering::SeqCst) {
                        break;
                    }
                }
                b.store(false, Ordering::SeqCst);
                // Wakes the session if it waits for input: an empty piece is nothing to the
                // responder.
                if tx
                    .send(Input::Data(Channel::Command, BytesMut::new()))
                    .is_err()
                {
                    return;
                }
            }
        })?;
    Ok(Helper { start, armed, busy })
}
