//! The worker: the one thread that owns the camera session ([`CommandRunner`]).
//!
//! Commands run one at a time, in arrival order, as before. `events` is different: it would hold
//! the session for its whole timeout (10 s by default), and every other client would wait. So a
//! connection's `events` becomes a [`Watch`], a subscription kept here, and the worker reads the
//! session's device events between commands and fans each one out to every subscribed
//! connection. Why this design rather than running `events` in slices between other commands:
//! the camera sends each event once, so two connections watching at once must both see it,
//! which only a fan-out gives; and commands stay strictly serialized, because only this thread
//! ever touches the session. While someone watches, the worker waits for commands without
//! blocking and reads events for at most [`SLICE`] at a time, so a command waits at most that
//! long. While nobody watches, it still drives the session every [`IDLE_TICK`] (keep-alives go
//! out, a camera that went away is noticed), and keeps the events that came in a small backlog,
//! which the next `events` prints first, as `events` always printed what came since the last.

use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use ptpip_protocol::DeviceEvent;

use super::{CommandRunner, Watch};
use crate::signals::Stop;

/// How long the worker reads events at a time while someone watches: the longest a command
/// waits for its turn then.
const SLICE: Duration = Duration::from_millis(20);

/// How often an idle worker drives the session.
const IDLE_TICK: Duration = Duration::from_millis(200);

/// How long an idle worker drives it each time.
const PUMP: Duration = Duration::from_millis(5);

/// The most events kept for the next `events` while nobody watches (the oldest go first).
const BACKLOG: usize = 64;

/// One command on its way to the worker, with where its reply goes.
pub(super) struct Job {
    /// The command line, trimmed, never empty.
    pub(super) line: String,
    /// Where its reply goes.
    pub(super) reply: Sender<Reply>,
}

/// A piece of a reply.
pub(super) enum Reply {
    /// Output, in order.
    Output(Vec<u8>),
    /// The end, and how the command ended.
    Done(Result<(), String>),
}

/// A connection watching device events.
struct Watcher {
    watch: Watch,
    reply: Sender<Reply>,
    seen: u64,
}

impl Watcher {
    /// Sends `e`; false once the watch is over (its count reached, or its client gone).
    fn deliver(&mut self, e: &DeviceEvent) -> bool {
        let mut line = (self.watch.render)(e);
        line.push('\n');
        if self.reply.send(Reply::Output(line.into_bytes())).is_err() {
            return false;
        }
        self.seen += 1;
        if self.watch.count.is_some_and(|c| self.seen >= c) {
            self.end(Ok(()));
            return false;
        }
        true
    }

    fn end(&self, result: Result<(), String>) {
        // The client may have gone.
        let _ = self.reply.send(Reply::Done(result));
    }

    fn expired(&self, now: Instant) -> bool {
        self.watch.until.is_some_and(|t| now >= t)
    }
}

/// The worker's state: the runner and who watches.
struct Worker<R> {
    runner: R,
    watchers: Vec<Watcher>,
    backlog: VecDeque<DeviceEvent>,
}

/// Runs the commands one at a time, in the order they arrive, and fans device events out to the
/// connections watching them, until every sender of `jobs` is gone. Once `stop` is set, watches
/// end and queued commands are refused.
pub(super) fn work<R: CommandRunner>(runner: R, jobs: &Receiver<Job>, stop: &Stop) {
    let mut w = Worker {
        runner,
        watchers: Vec::new(),
        backlog: VecDeque::new(),
    };
    loop {
        let wait = if w.watchers.is_empty() {
            IDLE_TICK
        } else {
            Duration::ZERO
        };
        let pump = match jobs.recv_timeout(wait) {
            Ok(job) => {
                w.job(job, stop);
                // Events keep flowing between commands, without holding the next one up.
                Duration::ZERO
            }
            Err(RecvTimeoutError::Timeout) if w.watchers.is_empty() => PUMP,
            Err(RecvTimeoutError::Timeout) => SLICE,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        if stop.is_set() {
            w.end_all(Ok(()));
            continue;
        }
        w.pump(pump);
    }
    w.end_all(Ok(()));
}

impl<R: CommandRunner> Worker<R> {
    /// A command: refused when stopping, a new watch, or run.
    fn job(&mut self, job: Job, stop: &Stop) {
        if stop.is_set() {
            let why = "the server is shutting down".to_owned();
            let _ = job.reply.send(Reply::Done(Err(why)));
            return;
        }
        let watch = panic::catch_unwind(AssertUnwindSafe(|| self.runner.watch(&job.line)))
            .unwrap_or_else(|_| Some(Err(PANICKED.to_owned())));
        match watch {
            Some(Ok(watch)) => self.subscribe(watch, job.reply),
            Some(Err(why)) => {
                let _ = job.reply.send(Reply::Done(Err(why)));
            }
            None => {
                let (out, result) = run_one(&mut self.runner, &job.line);
                if !out.is_empty() {
                    let _ = job.reply.send(Reply::Output(out));
                }
                let _ = job.reply.send(Reply::Done(result));
            }
        }
    }

    /// A new watcher: first the events that came while nobody watched.
    fn subscribe(&mut self, watch: Watch, reply: Sender<Reply>) {
        let mut w = Watcher {
            watch,
            reply,
            seen: 0,
        };
        while let Some(e) = self.backlog.pop_front() {
            if !w.deliver(&e) {
                return;
            }
        }
        self.watchers.push(w);
    }

    /// Drives the session for `wait` and hands out what came; ends the watches that are over.
    fn pump(&mut self, wait: Duration) {
        let polled = panic::catch_unwind(AssertUnwindSafe(|| self.runner.poll(wait)))
            .unwrap_or_else(|_| Err(PANICKED.to_owned()));
        match polled {
            Ok(events) => {
                for e in events {
                    if self.watchers.is_empty() {
                        if self.backlog.len() == BACKLOG {
                            self.backlog.pop_front();
                        }
                        self.backlog.push_back(e);
                    } else {
                        self.watchers.retain_mut(|w| w.deliver(&e));
                    }
                }
            }
            // The session ended: so do the watches (the runner reconnects, or not).
            Err(why) => self.end_all(Err(why)),
        }
        let now = Instant::now();
        self.watchers.retain(|w| {
            let over = w.expired(now);
            if over {
                w.end(Ok(()));
            }
            !over
        });
    }

    fn end_all(&mut self, result: Result<(), String>) {
        for w in self.watchers.drain(..) {
            w.end(result.clone());
        }
    }
}

/// What a panic in the runner reports.
const PANICKED: &str = "internal error (the command panicked)";

/// Runs one command: its output, and how it ended (a panic is an error too).
fn run_one<R: CommandRunner>(runner: &mut R, line: &str) -> (Vec<u8>, Result<(), String>) {
    let mut out = Vec::new();
    let result = panic::catch_unwind(AssertUnwindSafe(|| runner.run(line, &mut out)))
        .unwrap_or_else(|_| Err(PANICKED.to_owned()));
    (out, result)
}
