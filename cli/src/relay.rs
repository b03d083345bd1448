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
//!   [`MAX_LINE`] bytes is refused and ends that connection (no unbounded buffering).
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

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Runs one relay command against the camera.
#[allow(dead_code)] // wired in by main.rs
pub(crate) trait CommandRunner: Send {
    /// Runs `line` (already trimmed, never empty), writing its reply to `out`. An `Err` is sent
    /// to the client as `<cmd> error: <msg>` after whatever was written to `out`.
    fn run(&mut self, line: &str, out: &mut dyn Write) -> Result<(), String>;
}

/// The longest command line accepted, in bytes (without its newline).
pub(crate) const MAX_LINE: usize = 64 << 10;

/// The most clients connected at once; others are told so and closed.
const MAX_CLIENTS: usize = 256;

/// How often the accept loop looks at the stop flag when nobody connects.
const ACCEPT_POLL: Duration = Duration::from_millis(25);

/// The prefix of every log line, as the Go tool has it.
const TAG: &str = "[Local server]";

/// Whether [`set_verbose`] asked for the verbose log lines.
static VERBOSE: AtomicBool = AtomicBool::new(false);

/// Turns the verbose log lines (`message received: '…'`) on or off.
#[allow(dead_code)] // wired in by main.rs
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
pub(crate) fn interrupt_flag() -> io::Result<Arc<AtomicBool>> {
    crate::signals::interrupt_flag()
}

/// Listens on `addr` and relays commands to `runner` until Ctrl-C.
///
/// Logs `[Local server] listening on <addr>...` and `[Local server] awaiting messages... (CTRL+C
/// to quit)` on stderr once the socket is bound.
#[allow(dead_code)] // wired in by main.rs
pub(crate) fn serve<R: CommandRunner + 'static>(addr: SocketAddr, runner: R) -> io::Result<()> {
    let listener = TcpListener::bind(addr)?;
    let stop = interrupt_flag()?;
    eprintln!("{TAG} listening on {}...", listener.local_addr()?);
    eprintln!("{TAG} awaiting messages... (CTRL+C to quit)");
    serve_until(listener, runner, &stop)
}

/// One command on its way to the worker, with where its reply goes.
struct Job {
    line: String,
    reply: Sender<Vec<u8>>,
}

/// The connected clients, so that stopping can close them.
type Clients = Arc<Mutex<HashMap<u64, TcpStream>>>;

/// Relays commands from clients of `listener` to `runner` until `stop` is set. Then it stops
/// accepting, closes every connection, lets the command in progress finish (queued ones are
/// refused), drops the runner and returns.
pub(crate) fn serve_until<R: CommandRunner + 'static>(
    listener: TcpListener,
    runner: R,
    stop: &Arc<AtomicBool>,
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
    let worker = {
        let stop = stop.clone();
        thread::Builder::new()
            .name("relay-runner".into())
            .spawn(move || work(runner, &jobs_rx, &stop))?
    };
    let clients: Clients = Arc::default();
    let mut handlers: Vec<JoinHandle<()>> = Vec::new();
    let mut next_id: u64 = 0;
    while !stop.load(Ordering::SeqCst) {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                thread::sleep(ACCEPT_POLL);
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // Out of file descriptors and the like: say so, and do not spin.
                eprintln!("{TAG} accept error: {e}");
                thread::sleep(ACCEPT_POLL);
                continue;
            }
        };
        handlers.retain(|h| !h.is_finished());
        if let Err(e) = admit(stream, next_id, &clients, &mut handlers, &jobs_tx) {
            eprintln!("{TAG} accept error: {e}");
        }
        next_id += 1;
    }
    drop(listener);
    for stream in lock(&clients).values() {
        let _ = stream.shutdown(Shutdown::Both);
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

/// Starts a handler thread for a new client, or refuses it when there are too many.
fn admit(
    stream: TcpStream,
    id: u64,
    clients: &Clients,
    handlers: &mut Vec<JoinHandle<()>>,
    jobs: &Sender<Job>,
) -> io::Result<()> {
    // Some platforms hand out accepted sockets in the listener's non-blocking mode.
    stream.set_nonblocking(false)?;
    if handlers.len() >= MAX_CLIENTS {
        let mut s = stream;
        let _ = writeln!(s, "{TAG} too many clients ({MAX_CLIENTS}), try again later");
        return Ok(());
    }
    let _ = stream.set_nodelay(true);
    lock(clients).insert(id, stream.try_clone()?);
    let (clients, jobs) = (clients.clone(), jobs.clone());
    let table = clients.clone();
    let spawned = thread::Builder::new()
        .name(format!("relay-client-{id}"))
        .spawn(move || {
            client(stream, &jobs);
            lock(&clients).remove(&id);
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

/// Serves one client: a command at a time, each reply written whole before the next is read.
fn client(stream: TcpStream, jobs: &Sender<Job>) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    let (reply_tx, reply_rx) = mpsc::channel();
    loop {
        let line = match read_line(&mut reader) {
            Ok(LineRead::Line(l)) => l,
            Ok(LineRead::Eof) => break,
            Ok(LineRead::TooLong) => {
                eprintln!("{TAG} error reading message 'longer than {MAX_LINE} bytes'");
                let _ = writeln!(writer, "error: line longer than {MAX_LINE} bytes");
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
        let job = Job {
            line: message.to_owned(),
            reply: reply_tx.clone(),
        };
        if jobs.send(job).is_err() {
            break;
        }
        let Ok(reply) = reply_rx.recv() else {
            break;
        };
        if writer
            .write_all(&reply)
            .and_then(|()| writer.flush())
            .is_err()
        {
            eprintln!("{TAG} error writing response");
            break;
        }
    }
    // Every reply has been written: the client reads them, then EOF.
    let _ = writer.shutdown(Shutdown::Write);
}

/// The worker: runs the commands one at a time, in the order they arrive.
fn work<R: CommandRunner>(mut runner: R, jobs: &Receiver<Job>, stop: &AtomicBool) {
    for job in jobs {
        let reply = if stop.load(Ordering::SeqCst) {
            error_line(&job.line, "the server is shutting down")
        } else {
            run_one(&mut runner, &job.line)
        };
        // The client may have gone: its reply is dropped.
        let _ = job.reply.send(reply);
    }
}

/// The first word of a command line, which error lines name.
fn command_name(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or(line)
}

/// The line `<cmd> error: <msg>`.
fn error_line(line: &str, message: &str) -> Vec<u8> {
    format!("{} error: {message}\n", command_name(line)).into_bytes()
}

/// Runs one command: its output, ending with a newline, then its error line if it failed.
fn run_one<R: CommandRunner>(runner: &mut R, line: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let result = panic::catch_unwind(AssertUnwindSafe(|| runner.run(line, &mut out)));
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    match result {
        Ok(Ok(())) => {}
        Ok(Err(message)) => out.extend(error_line(line, &message)),
        Err(_) => out.extend(error_line(line, "internal error (the command panicked)")),
    }
    out
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier, Mutex};
    use std::thread::{self, JoinHandle};
    use std::time::{Duration, Instant};

    use super::{CommandRunner, MAX_LINE, serve_until};

    /// What the fake camera saw, shared with the test.
    #[derive(Default)]
    struct Record {
        /// Every command, in the order the runner ran them.
        order: Mutex<Vec<String>>,
        /// Set while a command runs: two at once would be a serialization bug.
        busy: AtomicBool,
        /// Commands that found another one running.
        overlaps: AtomicUsize,
        /// Set when the runner is dropped.
        dropped: AtomicBool,
    }

    /// A fake camera: `echo <words>` writes three lines (`<words> begin`, `<words> body`,
    /// `<words> end`) in three writes with a pause between them; `fail <why>` returns `Err(why)`;
    /// `boom` panics; `slow <ms>` sleeps then says `slept`.
    struct FakeRunner {
        record: Arc<Record>,
        cost: Duration,
    }

    impl Drop for FakeRunner {
        fn drop(&mut self) {
            self.record.dropped.store(true, Ordering::SeqCst);
        }
    }

    impl CommandRunner for FakeRunner {
        fn run(&mut self, line: &str, out: &mut dyn Write) -> Result<(), String> {
            if self.record.busy.swap(true, Ordering::SeqCst) {
                self.record.overlaps.fetch_add(1, Ordering::SeqCst);
            }
            self.record.order.lock().unwrap().push(line.to_owned());
            let result = (|| {
                let (cmd, rest) = line.split_once(' ').unwrap_or((line, ""));
                match cmd {
                    "echo" => {
                        writeln!(out, "{rest} begin").map_err(|e| e.to_string())?;
                        thread::sleep(self.cost);
                        writeln!(out, "{rest} body").map_err(|e| e.to_string())?;
                        // The last line without its newline: the relay adds it.
                        write!(out, "{rest} end").map_err(|e| e.to_string())
                    }
                    "fail" => Err(rest.to_owned()),
                    "boom" => panic!("the fake runner panics on purpose"),
                    "slow" => {
                        thread::sleep(Duration::from_millis(rest.parse().unwrap_or(0)));
                        writeln!(out, "slept").map_err(|e| e.to_string())
                    }
                    _ => Err("unknown command".to_owned()),
                }
            })();
            self.record.busy.store(false, Ordering::SeqCst);
            result
        }
    }

    /// A relay on 127.0.0.1 (port from the OS) with a fake runner.
    struct Relay {
        addr: SocketAddr,
        stop: Arc<AtomicBool>,
        record: Arc<Record>,
        thread: Option<JoinHandle<std::io::Result<()>>>,
    }

    impl Relay {
        fn start(cost: Duration) -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let record = Arc::new(Record::default());
            let stop = Arc::new(AtomicBool::new(false));
            let runner = FakeRunner {
                record: record.clone(),
                cost,
            };
            let flag = stop.clone();
            let thread = thread::spawn(move || serve_until(listener, runner, &flag));
            Self {
                addr,
                stop,
                record,
                thread: Some(thread),
            }
        }

        /// Sets the stop flag and waits for `serve_until`; returns how long that took.
        fn stop(&mut self) -> Duration {
            let t = Instant::now();
            self.stop.store(true, Ordering::SeqCst);
            self.thread.take().unwrap().join().unwrap().unwrap();
            t.elapsed()
        }
    }

    impl Drop for Relay {
        fn drop(&mut self) {
            if self.thread.is_some() {
                self.stop();
            }
        }
    }

    /// Sends `input`, half-closes, and reads everything until the server's EOF.
    fn exchange(addr: SocketAddr, input: &[u8]) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.write_all(input).unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    /// The three lines `echo <words>` answers.
    fn echoed(words: &str) -> String {
        format!("{words} begin\n{words} body\n{words} end\n")
    }

    #[test]
    fn fifty_clients_hundred_commands_each_serialized_in_order_never_mixed() {
        const CLIENTS: usize = 50;
        const COMMANDS: usize = 100;
        let relay = Relay::start(Duration::from_micros(50));
        let barrier = Arc::new(Barrier::new(CLIENTS));
        let started = Instant::now();
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let (addr, barrier) = (relay.addr, barrier.clone());
                thread::spawn(move || {
                    let s = TcpStream::connect(addr).unwrap();
                    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
                    barrier.wait();
                    // All the commands at once, pipelined; the replies are read as they come.
                    let input: String = (0..COMMANDS)
                        .map(|n| format!("echo c{c:02} s{n:03}\n"))
                        .collect();
                    let mut writer = s.try_clone().unwrap();
                    let w = thread::spawn(move || {
                        writer.write_all(input.as_bytes()).unwrap();
                        writer.shutdown(Shutdown::Write).unwrap();
                    });
                    let lines: Vec<String> =
                        BufReader::new(s).lines().map(Result::unwrap).collect();
                    w.join().unwrap();
                    (c, lines)
                })
            })
            .collect();
        for h in clients {
            let (c, lines) = h.join().unwrap();
            // Every line checked: three per command, this client's own, in sequence order.
            assert_eq!(lines.len(), 3 * COMMANDS, "client {c}");
            for (i, line) in lines.iter().enumerate() {
                let (n, part) = (i / 3, ["begin", "body", "end"][i % 3]);
                assert_eq!(
                    line,
                    &format!("c{c:02} s{n:03} {part}"),
                    "client {c} line {i}"
                );
            }
        }
        let elapsed = started.elapsed();
        let order = relay.record.order.lock().unwrap().clone();
        assert_eq!(
            relay.record.overlaps.load(Ordering::SeqCst),
            0,
            "two commands ran at once"
        );
        assert_eq!(order.len(), CLIENTS * COMMANDS);
        // Per client, the runner saw the commands in the order they were sent.
        for c in 0..CLIENTS {
            let mine: Vec<&String> = order
                .iter()
                .filter(|l| l.starts_with(&format!("echo c{c:02} ")))
                .collect();
            let expected: Vec<String> = (0..COMMANDS)
                .map(|n| format!("echo c{c:02} s{n:03}"))
                .collect();
            assert!(
                mine.iter()
                    .map(|s| s.as_str())
                    .eq(expected.iter().map(String::as_str)),
                "client {c}"
            );
        }
        // The clients really were served concurrently: one after the other would switch from
        // one client to the next only 49 times.
        let switches = order
            .windows(2)
            .filter(|w| w[0].get(..8) != w[1].get(..8))
            .count();
        assert!(
            switches > 10 * CLIENTS,
            "only {switches} switches between clients"
        );
        eprintln!(
            "relay: {} commands from {CLIENTS} clients in {elapsed:?} ({:.0} commands/s), {switches} client switches",
            order.len(),
            order.len() as f64 / elapsed.as_secs_f64()
        );
    }

    #[test]
    fn an_error_gives_one_error_line_and_the_server_goes_on() {
        let relay = Relay::start(Duration::ZERO);
        let out = exchange(
            relay.addr,
            b"echo a\nfail no such property\necho b\nnope x y\n",
        );
        let expected = format!(
            "{}fail error: no such property\n{}nope error: unknown command\n",
            echoed("a"),
            echoed("b")
        );
        assert_eq!(out, expected);
        // A panic in the runner is an error line too; the runner still serves afterwards.
        let out = exchange(relay.addr, b"boom now\necho c\n");
        assert_eq!(
            out,
            format!(
                "boom error: internal error (the command panicked)\n{}",
                echoed("c")
            )
        );
        // And a new client still works.
        assert_eq!(exchange(relay.addr, b"echo d\n"), echoed("d"));
    }

    #[test]
    fn blank_lines_are_ignored_and_line_ends_trimmed() {
        let relay = Relay::start(Duration::ZERO);
        // CRLF (telnet), a line of spaces, an empty line, and a last line without a newline.
        let out = exchange(relay.addr, b"\r\n   \n\n  echo a \r\n\t\necho z");
        assert_eq!(out, format!("{}{}", echoed("a"), echoed("z")));
        let order = relay.record.order.lock().unwrap().clone();
        assert_eq!(order, ["echo a", "echo z"]);
    }

    #[test]
    fn a_half_closed_client_gets_every_reply_then_eof() {
        let relay = Relay::start(Duration::ZERO);
        let mut s = TcpStream::connect(relay.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        // A slow command first: the client has half-closed long before its replies are ready.
        s.write_all(b"slow 300\necho x\necho y\n").unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let mut out = String::new();
        // read_to_string returns only at EOF: the server closed after the last reply.
        s.read_to_string(&mut out).unwrap();
        assert_eq!(out, format!("slept\n{}{}", echoed("x"), echoed("y")));
        // Nothing more, and the socket stays at EOF.
        assert_eq!(s.read(&mut [0u8; 16]).unwrap(), 0);
    }

    #[test]
    fn an_overlong_line_is_refused_and_only_that_client_closed() {
        let relay = Relay::start(Duration::ZERO);
        let mut s = TcpStream::connect(relay.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let w = {
            let mut w = s.try_clone().unwrap();
            thread::spawn(move || {
                // The server may close before reading it all: write errors are expected.
                let _ = w.write_all(&vec![b'x'; MAX_LINE + 100]);
            })
        };
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        w.join().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out),
            format!("error: line longer than {MAX_LINE} bytes\n")
        );
        // A line of exactly MAX_LINE bytes is accepted (and fails as an unknown command).
        let mut line = vec![b'y'; MAX_LINE];
        line.push(b'\n');
        let name: String = "y".repeat(MAX_LINE);
        assert_eq!(
            exchange(relay.addr, &line),
            format!("{name} error: unknown command\n")
        );
        assert!(
            relay
                .record
                .order
                .lock()
                .unwrap()
                .iter()
                .all(|l| l.starts_with('y'))
        );
    }

    #[test]
    fn the_stop_flag_ends_serve_closes_clients_and_drops_the_runner() {
        let mut relay = Relay::start(Duration::ZERO);
        // An idle client that never sends anything, and one mid-conversation.
        let mut idle = TcpStream::connect(relay.addr).unwrap();
        idle.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut busy = TcpStream::connect(relay.addr).unwrap();
        busy.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        busy.write_all(b"echo before\n").unwrap();
        let mut reader = BufReader::new(busy.try_clone().unwrap());
        let mut first = String::new();
        reader.read_line(&mut first).unwrap();
        assert_eq!(first, "before begin\n");
        assert!(!relay.record.dropped.load(Ordering::SeqCst));

        let took = relay.stop();
        assert!(
            took < Duration::from_secs(2),
            "serve_until took {took:?} to stop"
        );
        // The runner was dropped before serve_until returned: the camera can be closed now.
        assert!(relay.record.dropped.load(Ordering::SeqCst));
        // Both clients see EOF (the busy one after the rest of its reply).
        assert_eq!(idle.read(&mut [0u8; 16]).unwrap(), 0);
        let mut rest = String::new();
        reader.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "before body\nbefore end\n");
        // Nobody listens any more.
        assert!(TcpStream::connect(relay.addr).is_err());
    }

    #[test]
    fn commands_queued_when_stopping_are_refused_not_run() {
        let mut relay = Relay::start(Duration::ZERO);
        // Client A runs a long command; client B's command waits behind it.
        let mut a = TcpStream::connect(relay.addr).unwrap();
        a.write_all(b"slow 400\n").unwrap();
        thread::sleep(Duration::from_millis(100));
        let mut b = TcpStream::connect(relay.addr).unwrap();
        b.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        b.write_all(b"echo late\n").unwrap();
        thread::sleep(Duration::from_millis(100));
        relay.stop();
        // B's command was never run (the runner saw only A's).
        assert_eq!(*relay.record.order.lock().unwrap(), ["slow 400"]);
        let mut out = Vec::new();
        let _ = b.read_to_end(&mut out);
        assert!(!String::from_utf8_lossy(&out).contains("late begin"));
    }

    /// The real Ctrl-C path, once for the whole process: the handler is installed once, and one
    /// SIGINT ends both `serve` and `ptpip camera`.
    #[cfg(unix)]
    #[test]
    fn one_sigint_ends_serve_and_the_camera() {
        use std::sync::mpsc;

        use super::{interrupt_flag, serve};
        use crate::camera::{self, CameraOptions};

        let flag = interrupt_flag().unwrap();
        // Installing again hands out the same flag, not a second handler.
        assert!(Arc::ptr_eq(&flag, &interrupt_flag().unwrap()));
        assert!(!flag.load(Ordering::SeqCst));
        let (done_tx, done_rx) = mpsc::channel();
        let record = Arc::new(Record::default());
        let runner = FakeRunner {
            record: record.clone(),
            cost: Duration::ZERO,
        };
        let tx = done_tx.clone();
        thread::spawn(move || {
            let r = serve("127.0.0.1:0".parse().unwrap(), runner);
            tx.send(("serve", r.map_err(|e| e.to_string()))).unwrap();
        });
        thread::spawn(move || {
            let opts = CameraOptions {
                address: "127.0.0.1".into(),
                port: 0,
                event_port: None,
                vendor: ptpip_protocol::Dialect::Generic,
                dir: None,
                name: "sigint".into(),
            };
            let r = camera::run(opts, &Default::default());
            done_tx.send(("camera", r)).unwrap();
        });
        thread::sleep(Duration::from_millis(300));
        let sent = std::process::Command::new("kill")
            .args(["-INT", &std::process::id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let mut ended = Vec::new();
        for _ in 0..2 {
            let (who, result) = done_rx.recv_timeout(Duration::from_secs(5)).unwrap();
            assert_eq!(result, Ok(()), "{who}");
            ended.push(who);
        }
        ended.sort_unstable();
        assert_eq!(ended, ["camera", "serve"]);
        assert!(flag.load(Ordering::SeqCst));
        // serve dropped the runner before returning.
        assert!(record.dropped.load(Ordering::SeqCst));
    }
}
