//! Standard output that notices a broken pipe (`ptpip ls | head`), so that the run can end
//! quietly instead of reporting a write error or panicking as `print!` does.

use std::io::{self, Write};

/// The exit code of a run whose output was cut off by a closed pipe: 128 + SIGPIPE, what shells
/// report for a program that SIGPIPE ended, so `set -o pipefail` sees it as it sees any other.
pub(crate) const EXIT_BROKEN_PIPE: i32 = 141;

/// Standard output, remembering whether a write found the pipe closed.
#[derive(Debug)]
pub(crate) struct Stdout {
    inner: io::Stdout,
    broken: bool,
}

impl Stdout {
    /// The process's standard output.
    pub(crate) fn new() -> Self {
        Self {
            inner: io::stdout(),
            broken: false,
        }
    }

    /// Whether a write failed because the reader is gone.
    pub(crate) const fn is_broken(&self) -> bool {
        self.broken
    }

    /// Notes `e` if it is a broken pipe, and passes it on.
    fn note<T>(&mut self, r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r
            && e.kind() == io::ErrorKind::BrokenPipe
        {
            self.broken = true;
        }
        r
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }

    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}

/// Writes `bytes` to standard output. Returns the exit code: 0, [`EXIT_BROKEN_PIPE`] when the
/// reader went away (silently), 1 for any other error (reported).
pub(crate) fn print(bytes: &[u8]) -> i32 {
    let mut out = Stdout::new();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(_) if out.is_broken() => EXIT_BROKEN_PIPE,
        Err(e) => {
            eprintln!("error writing to stdout: {e}");
            1
        }
    }
}
