//! The relay against a fake camera: ordering, errors, line limits, stopping, status lines,
//! events fanned out while other clients' commands run.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use ptpip_protocol::{DeviceEvent, EventCode, Params, TransactionId};

use super::{CommandRunner, MAX_LINE, Options, Watch, serve_until};
use crate::signals::Stop;

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
    /// Device events the fake camera sends at its next poll.
    events: Mutex<VecDeque<DeviceEvent>>,
    /// How many watches the runner handed out.
    watches: AtomicUsize,
    /// Makes the next poll report the session over.
    dies: AtomicBool,
}

/// A fake camera: `echo <words>` writes three lines (`<words> begin`, `<words> body`,
/// `<words> end`) in three writes with a pause between them; `fail <why>` returns `Err(why)`;
/// `usage` fails with a message of two lines; `boom` panics; `slow <ms>` sleeps then says
/// `slept`; `events [N]` watches for N events (or 30 s), which the test queues in
/// [`Record::events`].
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
                "usage" => Err("missing THING\nusage: usage THING".to_owned()),
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

    fn watch(&mut self, line: &str) -> Option<Result<Watch, String>> {
        let rest = line.strip_prefix("events")?.trim();
        let count = match rest {
            "" => None,
            n => match n.parse() {
                Ok(n) => Some(n),
                Err(_) => return Some(Err(format!("bad count '{n}'"))),
            },
        };
        self.record.watches.fetch_add(1, Ordering::SeqCst);
        Some(Ok(Watch {
            count,
            until: Some(Instant::now() + Duration::from_secs(30)),
            render: Box::new(|e| format!("event {:#06x} {:?}", e.code.0, e.params.as_slice())),
        }))
    }

    fn poll(&mut self, wait: Duration) -> Result<Vec<DeviceEvent>, String> {
        if self.record.dies.swap(false, Ordering::SeqCst) {
            return Err("camera gone".to_owned());
        }
        let events: Vec<DeviceEvent> = self.record.events.lock().unwrap().drain(..).collect();
        if events.is_empty() {
            thread::sleep(wait);
        }
        Ok(events)
    }
}

/// A device event carrying `n`.
fn event(n: u32) -> DeviceEvent {
    DeviceEvent {
        code: EventCode::DEVICE_PROP_CHANGED,
        transaction: TransactionId(0),
        params: Params::from_slice(&[n]).unwrap(),
    }
}

/// The line the fake runner prints for [`event`]`(n)`.
fn event_line(n: u32) -> String {
    format!("event 0x4006 [{n}]\n")
}

/// A relay on 127.0.0.1 (port from the OS) with a fake runner.
struct Relay {
    addr: SocketAddr,
    stop: Stop,
    record: Arc<Record>,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Relay {
    fn start(cost: Duration) -> Self {
        Self::start_with(cost, Options::default())
    }

    fn start_with(cost: Duration, options: Options) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let record = Arc::new(Record::default());
        let stop = Stop::new();
        let runner = FakeRunner {
            record: record.clone(),
            cost,
        };
        let flag = stop.clone();
        let thread = thread::spawn(move || serve_until(listener, runner, options, &flag));
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
        self.stop.set();
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
                let lines: Vec<String> = BufReader::new(s).lines().map(Result::unwrap).collect();
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
    assert!(flag.same(&interrupt_flag().unwrap()));
    assert!(!flag.is_set());
    let (done_tx, done_rx) = mpsc::channel();
    let record = Arc::new(Record::default());
    let runner = FakeRunner {
        record: record.clone(),
        cost: Duration::ZERO,
    };
    let tx = done_tx.clone();
    thread::spawn(move || {
        let r = serve("127.0.0.1:0".parse().unwrap(), runner, Options::default());
        tx.send(("serve", r.map_err(|e| e.to_string()))).unwrap();
    });
    thread::spawn(move || {
        let r = camera::run(
            CameraOptions {
                address: "127.0.0.1".into(),
                port: 0,
                event_port: None,
                vendor: ptpip_protocol::Dialect::Generic,
                dir: None,
                writable: false,
                name: "sigint".into(),
                mode: Default::default(),
                think: Duration::ZERO,
                object_prop_list: false,
            },
            &Default::default(),
        );
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
    assert!(flag.is_set());
    // serve dropped the runner before returning.
    assert!(record.dropped.load(Ordering::SeqCst));
}

/// Waits (up to a generous deadline against hangs) until the runner handed out `n` watches.
fn await_watches(relay: &Relay, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while relay.record.watches.load(Ordering::SeqCst) < n {
        assert!(Instant::now() < deadline, "no watch {n}");
        thread::sleep(Duration::from_millis(5));
    }
}

/// A connection reading its replies line by line.
struct Client {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(addr: SocketAddr) -> Self {
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        Self {
            writer: s.try_clone().unwrap(),
            reader: BufReader::new(s),
        }
    }

    fn send(&mut self, line: &str) {
        self.writer
            .write_all(format!("{line}\n").as_bytes())
            .unwrap();
    }

    fn line(&mut self) -> String {
        let mut l = String::new();
        self.reader.read_line(&mut l).unwrap();
        l
    }

    /// Half-closes and reads the rest until the server's EOF.
    fn rest(mut self) -> String {
        self.writer.shutdown(Shutdown::Write).unwrap();
        let mut out = String::new();
        self.reader.read_to_string(&mut out).unwrap();
        out
    }
}

#[test]
fn status_lines_per_connection() {
    let relay = Relay::start(Duration::ZERO);
    // Off by default: replies as the Go tool gave them.
    let out = exchange(
        relay.addr,
        b"echo a\nfail x\nstatus\nstatus on\necho b\nfail y\nusage\n\nstatus\nstatus maybe\n\
          status off\necho c\nstatus maybe\n",
    );
    let want = format!(
        "{}fail error: x\nstatus lines off\nOK\n{}OK\nERR y\nERR missing THING; usage: usage THING\n\
         status lines on\nOK\nERR usage: status [on|off]\n{}status error: usage: status [on|off]\n",
        echoed("a"),
        echoed("b"),
        echoed("c")
    );
    assert_eq!(out, want);
    // The relay answered `status` itself: the runner saw only the camera commands.
    let order = relay.record.order.lock().unwrap().clone();
    assert_eq!(
        order,
        ["echo a", "fail x", "echo b", "fail y", "usage", "echo c"]
    );
}

#[test]
fn status_lines_for_every_connection_by_option() {
    let relay = Relay::start_with(Duration::ZERO, Options { status_lines: true });
    let out = exchange(relay.addr, b"echo a\nboom\nstatus off\nfail z\n");
    assert_eq!(
        out,
        format!(
            "{}OK\nERR internal error (the command panicked)\nfail error: z\n",
            echoed("a")
        )
    );
    // A new connection starts with them on again; a watch ends with its status line too.
    let mut c = Client::connect(relay.addr);
    c.send("events 1");
    await_watches(&relay, 1);
    relay.record.events.lock().unwrap().push_back(event(7));
    assert_eq!(c.line(), event_line(7));
    assert_eq!(c.line(), "OK\n");
    c.send("events nope");
    assert_eq!(c.line(), "ERR bad count 'nope'\n");
}

#[test]
fn events_are_fanned_out_while_other_clients_commands_run() {
    let relay = Relay::start(Duration::ZERO);
    // Two connections watch: A for two events, B for one.
    let mut a = Client::connect(relay.addr);
    a.send("events 2");
    await_watches(&relay, 1);
    let mut b = Client::connect(relay.addr);
    b.send("events 1");
    await_watches(&relay, 2);
    // Meanwhile a third client's commands are answered whole: the watches do not hold the
    // worker. (Both watches are still open: no event came yet.)
    let c = exchange(relay.addr, b"echo c1\nslow 10\necho c2\n");
    assert_eq!(c, format!("{}slept\n{}", echoed("c1"), echoed("c2")));
    // One event reaches both watchers; B's watch is then over and its connection ends.
    relay.record.events.lock().unwrap().push_back(event(1));
    assert_eq!(a.line(), event_line(1));
    assert_eq!(b.rest(), event_line(1));
    // A watches on, and a command of A's own waits until its watch is over.
    a.send("echo after");
    relay.record.events.lock().unwrap().push_back(event(2));
    assert_eq!(a.rest(), format!("{}{}", event_line(2), echoed("after")));
    assert_eq!(relay.record.overlaps.load(Ordering::SeqCst), 0);
}

#[test]
fn events_that_came_while_nobody_watched_go_to_the_next_watch() {
    let relay = Relay::start(Duration::ZERO);
    relay
        .record
        .events
        .lock()
        .unwrap()
        .extend([event(1), event(2), event(3)]);
    // After any command the worker drives the session, which takes the events into its backlog.
    assert_eq!(exchange(relay.addr, b"echo x\n"), echoed("x"));
    let out = exchange(relay.addr, b"events 2\n");
    assert_eq!(out, format!("{}{}", event_line(1), event_line(2)));
    // The third is kept for the next.
    let out = exchange(relay.addr, b"events 1\n");
    assert_eq!(out, event_line(3));
}

#[test]
fn a_session_that_ends_ends_the_watches_with_its_reason() {
    let relay = Relay::start(Duration::ZERO);
    let mut a = Client::connect(relay.addr);
    a.send("events");
    await_watches(&relay, 1);
    relay.record.dies.store(true, Ordering::SeqCst);
    assert_eq!(a.line(), "events error: camera gone\n");
    // The server goes on.
    a.send("echo x");
    assert_eq!(a.rest(), echoed("x"));
}
