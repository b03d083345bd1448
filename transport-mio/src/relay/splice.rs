//! [`KernelPipe`]: data payloads forwarded from one socket to another inside the kernel.
//!
//! On Linux, `splice(2)` moves bytes from a TCP socket into a pipe and from the pipe into another
//! socket by handing over page references: the relay never copies the bytes into its memory and
//! out again. Pass-through uses it for the payload of data packets, which the relay's decoder only
//! counts ([`Pipe::payload_ahead`](ptpip_protocol::relay::Pipe::payload_ahead)); headers and
//! control packets are still read, so every record of the log is the same. `nix` wraps the system
//! calls (the transport forbids `unsafe`); elsewhere than Linux, [`KernelPipe::new`] says
//! `Unsupported` and the relay copies.

use std::io;
#[cfg(target_os = "linux")]
use std::os::fd::{AsFd, OwnedFd};

use crate::link::Link;

/// The capacity asked for each kernel pipe (the default is 64 KiB). Linux lets any process raise
/// a pipe to `/proc/sys/fs/pipe-max-size`, 1 MiB unless changed; a refusal keeps the default.
#[cfg(target_os = "linux")]
const PIPE_CAPACITY: usize = 1 << 20;

/// What moving bytes in through [`KernelPipe::fill`] gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fill {
    /// This many bytes are in the pipe now.
    Moved(usize),
    /// The socket has nothing to read now.
    WouldBlock,
    /// The socket's peer stopped sending.
    Eof,
}

/// A pipe held by one direction of a piped connection, carrying bytes from the reading socket to
/// the writing one.
#[derive(Debug)]
pub(super) struct KernelPipe {
    #[cfg(target_os = "linux")]
    read: OwnedFd,
    #[cfg(target_os = "linux")]
    write: OwnedFd,
    /// Bytes in the pipe, not yet written out.
    held: usize,
}

#[cfg(target_os = "linux")]
fn flags() -> nix::fcntl::SpliceFFlags {
    use nix::fcntl::SpliceFFlags;
    SpliceFFlags::SPLICE_F_MOVE | SpliceFFlags::SPLICE_F_NONBLOCK
}

impl KernelPipe {
    /// A new pipe; `Unsupported` where the system has no `splice`.
    #[cfg(target_os = "linux")]
    pub(super) fn new() -> io::Result<Self> {
        use nix::fcntl::{FcntlArg, OFlag, fcntl};
        let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK)?;
        // Best effort: a pipe left at the default size still works, in smaller moves.
        let _ = fcntl(&write, FcntlArg::F_SETPIPE_SZ(PIPE_CAPACITY as i32));
        Ok(Self {
            read,
            write,
            held: 0,
        })
    }

    /// A new pipe; `Unsupported` where the system has no `splice`.
    #[cfg(not(target_os = "linux"))]
    pub(super) fn new() -> io::Result<Self> {
        Err(io::ErrorKind::Unsupported.into())
    }

    /// Bytes in the pipe, waiting to be written out.
    pub(super) const fn held(&self) -> usize {
        self.held
    }

    /// Moves up to `max` bytes from the socket `from` into the pipe. `WouldBlock` means the
    /// socket has nothing to read when the pipe was empty; with bytes in it, the pipe may be
    /// full instead.
    #[cfg(target_os = "linux")]
    pub(super) fn fill(&mut self, from: &Link, max: usize) -> io::Result<Fill> {
        let from = from.fd().ok_or(io::ErrorKind::NotConnected)?;
        loop {
            match nix::fcntl::splice(from, None, self.write.as_fd(), None, max, flags()) {
                Ok(0) => return Ok(Fill::Eof),
                Ok(n) => {
                    self.held += n;
                    return Ok(Fill::Moved(n));
                }
                Err(nix::errno::Errno::EAGAIN) => return Ok(Fill::WouldBlock),
                Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Moves what the pipe holds into the socket `to`, as much as it takes now; how much.
    /// `WouldBlock` when it took nothing.
    #[cfg(target_os = "linux")]
    pub(super) fn drain(&mut self, to: &Link) -> io::Result<usize> {
        let to = to.fd().ok_or(io::ErrorKind::NotConnected)?;
        let mut moved = 0;
        while self.held > 0 {
            match nix::fcntl::splice(self.read.as_fd(), None, to, None, self.held, flags()) {
                // A pipe holding bytes never reads as ended; should it, the bytes are lost.
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => {
                    self.held -= n;
                    moved += n;
                }
                Err(nix::errno::Errno::EAGAIN) if moved > 0 => break,
                Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(moved)
    }

    /// Never called: [`new`](Self::new) fails where there is no `splice`.
    #[cfg(not(target_os = "linux"))]
    pub(super) fn fill(&mut self, _from: &Link, _max: usize) -> io::Result<Fill> {
        Err(io::ErrorKind::Unsupported.into())
    }

    /// Never called: [`new`](Self::new) fails where there is no `splice`.
    #[cfg(not(target_os = "linux"))]
    pub(super) fn drain(&mut self, _to: &Link) -> io::Result<usize> {
        Err(io::ErrorKind::Unsupported.into())
    }
}

/// Whether a `splice` error means the sockets cannot be spliced at all (so the relay copies
/// instead), rather than that the connection failed.
pub(super) fn unsupported(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    {
        use nix::errno::Errno;
        let refused = [Errno::EINVAL, Errno::ENOSYS, Errno::EOPNOTSUPP].map(|e| e as i32);
        if e.raw_os_error().is_some_and(|n| refused.contains(&n)) {
            return true;
        }
    }
    e.kind() == io::ErrorKind::Unsupported
}
