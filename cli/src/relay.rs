//! Server mode: the text relay (`-s`).
//!
//! Clients connect over plain TCP and send newline-terminated commands (`get iso`, `opreq 0x902B`,
//! …); each command's reply is written back whole, in order. Unlike the Go tool, which took one
//! command per connection and ran connections against the camera without any locking:
//! - a connection may carry any number of commands; the server closes it once the client has
//!   closed (or half-closed) its side and every reply has gone out, so `nc -N` (or `nc -q 0`)
//!   gets its replies and then EOF;
//! - several clients may be connected at once, but commands run one at a time, in arrival order,
//!   on a single worker thread that owns the [`CommandRunner`] (the one camera session);
//! - an `Err` from the runner becomes the line `<cmd> error: <msg>`, and a panic in the runner
//!   becomes such a line too: neither ends the server;
//! - blank lines (only whitespace) are ignored, a trailing `\r` is dropped, and a line longer than
//!   [`MAX_LINE`] bytes is refused and ends that connection (no unbounded buffering);
//! - with status lines on (`status on` on a connection, or [`Options::status_lines`] for all),
//!   every reply ends with `OK` or `ERR <message>` on a line of its own, so a script knows where
//!   a reply ends; off by default, so that an `nc` session reads as the Go tool's did;
//! - `events` does not hold the worker: it subscribes the connection to the session's device
//!   events, which the worker fans out to every subscribed connection between other clients'
//!   commands (see [`worker`] for why).
//!
//! Log lines go to stderr with the Go tool's `[Local server]` prefix, as the Go tool's `log`
//! output did; replies go only to the client. `[Local server] message received: '…'` is logged
//! only when verbose: [`set_verbose`] (for a `-v` flag) or the environment variable
//! `PTPIP_VERBOSE` set to anything but empty or `0`.
//!
//! Ctrl-C (SIGINT, SIGTERM) makes [`serve`] return once the connections are closed and the
//! runner has been dropped, so the caller can close the camera session cleanly; a second Ctrl-C
//! while that runs exits at once (status 130, 143 for SIGTERM). [`interrupt_flag`] hands out the
//! one process-wide handler's flag ([`crate::signals`]).

mod session;
mod worker;

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use ptpip_protocol::DeviceEvent;

use crate::signals::Stop;

pub(crate) use session::{Connect, Session};
use worker::{Job, Reply};

/// Runs relay commands against the camera, and hands out its device events.
pub(crate) trait CommandRunner: Send {
    /// Runs `line` (already trimmed, never empty), writing its reply to `out`. An `Err` is sent
    /// to the client as `<cmd> error: <msg>` after whatever was written to `out`.
    fn run(&mut self, line: &str, out: &mut dyn Write) -> Result<(), String>;

    /// If `line` asks for device events (`events …`): what to watch for, or why it cannot be
    /// watched. `None`: an ordinary command, for [`run`](Self::run).
    fn watch(&mut self, _line: &str) -> Option<Result<Watch, String>> {
        None
    }

    /// Drives the session for about `wait`: the device events that came meanwhile, or why the
    /// session ended. Called between commands, so that keep-alives go out and a camera that went
    /// away is noticed while nobody sends commands. It blocks for up to `wait` when nothing
    /// comes (the worker relies on it to pace itself).
    fn poll(&mut self, wait: Duration) -> Result<Vec<DeviceEvent>, String>;
}

/// A connection's subscription to device events (`events` in server mode).
pub(crate) struct Watch {
    /// Ends after this many events.
    pub(crate) count: Option<u64>,
    /// Ends at this instant.
    pub(crate) until: Option<Instant>,
    /// One event as a line of the reply (without its newline).
    pub(crate) render: Box<dyn Fn(&DeviceEvent) -> String + Send>,
}

/// How the relay serves.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Options {
    /// Every connection starts with status lines on (`OK` / `ERR <message>` after each reply).
    pub(crate) status_lines: bool,
}

/// The longest command line accepted, in bytes (without its newline).
pub(crate) const MAX_LINE: usize = 64 << 10;

/// The most clients connected at once; others are told so and closed.
const MAX_CLIENTS: usize = 256;

/// How long the accept loop backs off after an accept error (out of file descriptors…), unless
/// stopped meanwhile.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(25);

/// How long stopping waits for the replies being written to go out whole before it closes the
/// connections outright (a client that does not read its reply would otherwise hold it up).
const REPLY_GRACE: Duration = Duration::from_secs(1);

/// The prefix of every log line, as the Go tool has it.
const TAG: &str = "[Local server]";

/// Whether [`set_verbose`] asked for the verbose log lines.
static VERBOSE: AtomicBool = AtomicBool::new(false);

/// Turns the verbose log lines (`message received: '…'`) on or off.
pub(crate) fn set_verbose(on: bool) {
    VERBOSE.store(on, Ordering::Relaxed);
}

/// Whether the verbose log lines are on: [`set_verbose`] or `PTPIP_VERBOSE`.
fn verbose() -> bool {
    static FROM_ENV: OnceLock<bool> = OnceLock::new();
    VERBOSE.load(Ordering::Relaxed)
        || *FROM_ENV.get_or_init(|| {
            std::env::var_os("PTPIP_VERBOSE").is_some_and(|v| !v.is_empty() && v != "0")
        })
}

/// The process-wide Ctrl-C flag ([`crate::signals::interrupt_flag`]): SIGINT and SIGTERM stop
/// the relay; a second one exits at once.
pub(crate) fn interrupt_flag() -> io::Result<Stop> {
    crate::signals::interrupt_flag()
}

/// Listens on `addr` and relays commands to `runner` until Ctrl-C.
///
/// Logs `[Local server] listening on <addr>...` and `[Local server] awaiting messages... (CTRL+C
/// to quit)` on stderr once the socket is bound.
pub(crate) fn serve<R: CommandRunner + 'static>(
    addr: SocketAddr,
    runner: R,
    options: Options,
) -> io::Result<()> {
    let listener = TcpListener::bind(addr)?;
    let stop = interrupt_flag()?;
    eprintln!("{TAG} listening on {}...", listener.local_addr()?);
    eprintln!("{TAG} awaiting messages... (CTRL+C to quit)");
    serve_until(listener, runner, options, &stop)
}

/// The connected clients, so that stopping can close them.
type Clients = Arc<Mutex<HashMap<u64, TcpStream>>>;

/// Relays commands from clients of `listener` to `runner` until `stop` is set (the blocking
/// accept is woken by [`Stop::wake_accept`]). Then it stops accepting and reading commands, lets
/// the command in progress finish (queued ones are refused) and the replies being written go out
/// whole (for up to [`REPLY_GRACE`]; then the connections are cut), closes every connection,
/// drops the runner and returns.
pub(crate) fn serve_until<R: CommandRunner + 'static>(
    listener: TcpListener,
    runner: R,
    options: Options,
    stop: &Stop,
) -> io::Result<()> {
    listener.set_nonblocking(false)?;
    let waker = stop.wake_accept(&listener)?;
    let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
    let worker = {
        let stop = stop.clone();
        thread::Builder::new()
            .name("relay-runner".into())
            .spawn(move || worker::work(runner, &jobs_rx, &stop))?
    };
    let clients: Clients = Arc::default();
    let mut handlers: Vec<JoinHandle<()>> = Vec::new();
    // Every handler holds a sender until it ends: once all are gone, receiving says so.
    let (alive, gone) = mpsc::channel::<()>();
    let mut next_id: u64 = 0;
    while !stop.is_set() {
        let stream = match listener.accept() {
            // The waker's connection, or a client that came as the relay stops.
            Ok(_) if stop.is_set() => break,
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // Out of file descriptors and the like: say so, and do not spin.
                eprintln!("{TAG} accept error: {e}");
                stop.wait(ACCEPT_BACKOFF);
                continue;
            }
        };
        handlers.retain(|h| !h.is_finished());
        let to = Admit {
            clients: &clients,
            handlers: &mut handlers,
            jobs: &jobs_tx,
            alive: &alive,
            options,
        };
        if let Err(e) = admit(stream, next_id, to) {
            eprintln!("{TAG} accept error: {e}");
        }
        next_id += 1;
    }
    drop(waker);
    drop(listener);
    // No more commands are read (a blocked read sees the end), but a reply being written goes
    // out whole, its last newline included; after the grace, what is left is cut off.
    for stream in lock(&clients).values() {
        let _ = stream.shutdown(Shutdown::Read);
    }
    drop(alive);
    if let Err(mpsc::RecvTimeoutError::Timeout) = gone.recv_timeout(REPLY_GRACE) {
        for stream in lock(&clients).values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
    for h in handlers {
        let _ = h.join();
    }
    drop(jobs_tx);
    // Every sender is gone: the worker ends after its current command and drops the runner.
    let _ = worker.join();
    Ok(())
}

/// Locks the client table, whatever a panicking thread left in it.
fn lock(clients: &Clients) -> std::sync::MutexGuard<'_, HashMap<u64, TcpStream>> {
    clients.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where a new client goes.
struct Admit<'a> {
    clients: &'a Clients,
    handlers: &'a mut Vec<JoinHandle<()>>,
    jobs: &'a Sender<Job>,
    /// Held by the handler until it ends.
    alive: &'a Sender<()>,
    options: Options,
}

/// Starts a handler thread for a new client, or refuses it when there are too many.
fn admit(stream: TcpStream, id: u64, to: Admit<'_>) -> io::Result<()> {
    let Admit {
        clients,
        handlers,
        jobs,
        alive,
        options,
    } = to;
    // Some platforms hand out accepted sockets in the listener's non-blocking mode.
    stream.set_nonblocking(false)?;
    if handlers.len() >= MAX_CLIENTS {
        let mut s = stream;
        let _ = writeln!(s, "{TAG} too many clients ({MAX_CLIENTS}), try again later");
        return Ok(());
    }
    let _ = stream.set_nodelay(true);
    lock(clients).insert(id, stream.try_clone()?);
    let (clients, jobs, alive) = (clients.clone(), jobs.clone(), alive.clone());
    let table = clients.clone();
    let spawned = thread::Builder::new()
        .name(format!("relay-client-{id}"))
        .spawn(move || {
            client(stream, &jobs, options);
            lock(&clients).remove(&id);
            drop(alive);
        });
    match spawned {
        Ok(h) => {
            handlers.push(h);
            Ok(())
        }
        Err(e) => {
            // No thread: forget the client (dropping its socket closes it).
            lock(&table).remove(&id);
            Err(e)
        }
    }
}

/// What one read of a command line gave.
enum LineRead {
    /// A line (without its newline, maybe the last one before EOF).
    Line(Vec<u8>),
    /// The client closed its side.
    Eof,
    /// More than [`MAX_LINE`] bytes without a newline.
    TooLong,
}

/// Reads one line of at most [`MAX_LINE`] bytes.
fn read_line(reader: &mut impl BufRead) -> io::Result<LineRead> {
    let mut line = Vec::new();
    let limit = MAX_LINE as u64 + 1;
    reader.take(limit).read_until(b'\n', &mut line)?;
    if line.is_empty() {
        return Ok(LineRead::Eof);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        return Ok(LineRead::Line(line));
    }
    if line.len() > MAX_LINE {
        return Ok(LineRead::TooLong);
    }
    // The last line, without a newline before EOF.
    Ok(LineRead::Line(line))
}

/// Serves one client: a command at a time, each reply written (as it comes, for `events`)
/// before the next command is read.
fn client(stream: TcpStream, jobs: &Sender<Job>, options: Options) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut conn = Connection {
        writer: stream,
        status_lines: options.status_lines,
    };
    let (reply_tx, reply_rx) = mpsc::channel();
    loop {
        let line = match read_line(&mut reader) {
            Ok(LineRead::Line(l)) => l,
            Ok(LineRead::Eof) => break,
            Ok(LineRead::TooLong) => {
                eprintln!("{TAG} error reading message 'longer than {MAX_LINE} bytes'");
                let _ = writeln!(conn.writer, "error: line longer than {MAX_LINE} bytes");
                break;
            }
            Err(e) => {
                // Stopping closes the socket under the reader: that is not worth a log line.
                if e.kind() != io::ErrorKind::NotConnected {
                    eprintln!("{TAG} error reading message '{e}'");
                }
                break;
            }
        };
        let text = String::from_utf8_lossy(&line);
        let message = text.trim();
        if message.is_empty() {
            eprintln!("{TAG} ignoring empty message!");
            continue;
        }
        if verbose() {
            eprintln!("{TAG} message received: '{message}'");
        }
        let written = match conn.status_command(message) {
            Some(result) => conn.finish(message, &result),
            None => {
                let job = Job {
                    line: message.to_owned(),
                    reply: reply_tx.clone(),
                };
                if jobs.send(job).is_err() {
                    break;
                }
                conn.relay(message, &reply_rx)
            }
        };
        if written.is_err() {
            eprintln!("{TAG} error writing response");
            break;
        }
    }
    // Every reply has been written: the client reads them, then EOF.
    let _ = conn.writer.shutdown(Shutdown::Write);
}

/// One client's side of the conversation.
struct Connection {
    writer: TcpStream,
    /// `OK` / `ERR <message>` after each reply.
    status_lines: bool,
}

impl Connection {
    /// `status [on|off]`, which the relay answers itself: the result, or `None` for anything
    /// else.
    fn status_command(&mut self, line: &str) -> Option<Result<(), String>> {
        let mut words = line.split_whitespace();
        if !words.next()?.eq_ignore_ascii_case("status") {
            return None;
        }
        let arg = words.next().map(str::to_ascii_lowercase);
        Some(match (arg.as_deref(), words.next()) {
            (Some("on"), None) => {
                self.status_lines = true;
                Ok(())
            }
            (Some("off"), None) => {
                self.status_lines = false;
                Ok(())
            }
            (None, None) => {
                let state = if self.status_lines { "on" } else { "off" };
                writeln!(self.writer, "status lines {state}").map_err(|e| e.to_string())
            }
            _ => Err("usage: status [on|off]".to_owned()),
        })
    }

    /// Writes the worker's reply to `line` as it comes, then its end.
    fn relay(&mut self, line: &str, replies: &mpsc::Receiver<Reply>) -> io::Result<()> {
        let mut ends_line = true;
        loop {
            match replies.recv() {
                Ok(Reply::Output(bytes)) => {
                    if let Some(&last) = bytes.last() {
                        ends_line = last == b'\n';
                    }
                    self.writer.write_all(&bytes)?;
                    self.writer.flush()?;
                }
                Ok(Reply::Done(result)) => {
                    if !ends_line {
                        self.writer.write_all(b"\n")?;
                    }
                    return self.finish(line, &result);
                }
                // The worker is gone (the server stops).
                Err(_) => return Err(io::ErrorKind::BrokenPipe.into()),
            }
        }
    }

    /// The end of a reply: its status line, or the error line without status lines.
    fn finish(&mut self, line: &str, result: &Result<(), String>) -> io::Result<()> {
        let end = match (result, self.status_lines) {
            (Ok(()), false) => return Ok(()),
            (Ok(()), true) => "OK\n".to_owned(),
            (Err(message), false) => error_line(line, message),
            (Err(message), true) => {
                let one_line: Vec<&str> = message.lines().map(str::trim).collect();
                format!("ERR {}\n", one_line.join("; "))
            }
        };
        self.writer.write_all(end.as_bytes())?;
        self.writer.flush()
    }
}

/// The first word of a command line, which error lines name.
fn command_name(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or(line)
}

/// The line `<cmd> error: <msg>`.
fn error_line(line: &str, message: &str) -> String {
    format!("{} error: {message}\n", command_name(line))
}

#[cfg(test)]
mod tests;
