//! The relay's camera: the [`Executor`] behind server mode, which reconnects when the camera
//! goes away.
//!
//! When a command or the worker's polling finds the session over (the camera was switched off,
//! left the network, or its process died), the session logs `[Local server] camera connection
//! lost (…); reconnecting` and a thread tries again with the same settings and GUID after 0.5 s,
//! then after twice as long each time, up to [`MAX_DELAY`], logging each failure and the
//! success. Meanwhile commands get `camera not connected (reconnecting)`; `help` still answers.

use std::io::Write;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::thread;
use std::time::{Duration, Instant};

use ptpip_protocol::{DeviceEvent, Dialect};
use ptpip_transport_std::CancelToken;

use super::{CommandRunner, TAG, Watch};
use crate::commands::{self, Command, Executor};
use crate::signals::Stop;

/// Makes a new session, giving up when the token is cancelled.
pub(crate) type Connect = Arc<dyn Fn(&CancelToken) -> Result<Executor, String> + Send + Sync>;

/// The wait before the first reconnect attempt.
const FIRST_DELAY: Duration = Duration::from_millis(500);

/// The longest wait between two attempts.
const MAX_DELAY: Duration = Duration::from_secs(30);

/// The most events one poll hands out (the rest wait for the next).
const MAX_BATCH: usize = 256;

/// What commands get while the camera is away.
pub(crate) const NOT_CONNECTED: &str = "camera not connected (reconnecting)";

/// The camera session, or the attempt to get it back.
enum Link {
    Up(Box<Executor>),
    /// A reconnect thread sends the new session here.
    Down(Receiver<Executor>),
}

/// The camera behind the relay.
pub(crate) struct Session {
    link: Link,
    dialect: Dialect,
    connect: Connect,
    /// Cancelled when the relay stops, which ends a reconnect in progress.
    cancel: CancelToken,
    /// Set with `cancel`: ends a reconnect's wait between attempts at once.
    stopping: Stop,
}

impl Session {
    /// Serves `exec`, a connected session in `dialect`; `connect` makes a new one after it is
    /// lost.
    pub(crate) fn new(exec: Executor, dialect: Dialect, connect: Connect) -> Self {
        Self {
            link: Link::Up(Box::new(exec)),
            dialect,
            connect,
            cancel: CancelToken::new(),
            stopping: Stop::new(),
        }
    }

    /// Takes the new session if a reconnect finished.
    fn refresh(&mut self) {
        if let Link::Down(rx) = &self.link {
            match rx.try_recv() {
                Ok(exec) => self.link = Link::Up(Box::new(exec)),
                Err(TryRecvError::Empty) => {}
                // The thread gave up (cancelled): nothing will come.
                Err(TryRecvError::Disconnected) => {}
            }
        }
    }

    /// The live session, or the error commands get meanwhile.
    fn exec(&mut self) -> Result<&mut Executor, String> {
        self.refresh();
        match &mut self.link {
            Link::Up(exec) => Ok(exec),
            Link::Down(_) => Err(NOT_CONNECTED.to_owned()),
        }
    }

    /// If the session is over: says so, and starts reconnecting. Returns whether it was.
    fn check_lost(&mut self, why: &dyn Fn() -> String) -> bool {
        let Link::Up(exec) = &self.link else {
            return false;
        };
        if !exec.is_closed() {
            return false;
        }
        eprintln!("{TAG} camera connection lost ({}); reconnecting", why());
        let (tx, rx) = mpsc::channel();
        let (connect, cancel) = (self.connect.clone(), self.cancel.clone());
        let stopping = self.stopping.clone();
        let spawned = thread::Builder::new()
            .name("relay-reconnect".into())
            .spawn(move || {
                if let Some((exec, attempt)) = reconnect(&connect, &cancel, &stopping) {
                    // Handed over before it is logged, so that a command sent on seeing the log
                    // line finds the session. The relay may have stopped meanwhile: then the
                    // session just closes.
                    if tx.send(exec).is_ok() {
                        eprintln!("{TAG} camera reconnected (attempt {attempt})");
                    }
                }
            });
        if let Err(e) = spawned {
            eprintln!("{TAG} cannot reconnect: {e}");
        }
        // Dropping the dead session closes its sockets.
        self.link = Link::Down(rx);
        true
    }
}

/// Tries to connect until it works or the session stops (`cancel` ends an attempt, `stopping`
/// the wait before the next), waiting longer after each failure: the session and the attempt
/// that made it.
fn reconnect(connect: &Connect, cancel: &CancelToken, stopping: &Stop) -> Option<(Executor, u32)> {
    let mut delay = FIRST_DELAY;
    for attempt in 1u32.. {
        if stopping.wait(delay) || cancel.is_cancelled() {
            return None;
        }
        match connect(cancel) {
            Ok(exec) => return Some((exec, attempt)),
            Err(_) if cancel.is_cancelled() => return None,
            Err(e) => {
                delay = (delay * 2).min(MAX_DELAY);
                eprintln!(
                    "{TAG} reconnect attempt {attempt} failed: {e}; next in {} s",
                    delay.as_secs_f32()
                );
            }
        }
    }
    None
}

impl CommandRunner for Session {
    fn run(&mut self, line: &str, out: &mut dyn Write) -> Result<(), String> {
        let cmd = commands::parse_line(line).map_err(|e| e.to_string())?;
        if let Command::Help(topic) = &cmd {
            // Help needs no camera.
            let text = commands::help_text(topic.as_deref(), self.dialect);
            return text
                .and_then(|t| Ok(out.write_all(t.as_bytes())?))
                .map_err(|e| e.to_string());
        }
        let result = self.exec()?.execute(&cmd, out);
        let message = result.map_err(|e| e.to_string());
        if let Err(m) = &message {
            self.check_lost(&|| m.clone());
        }
        message
    }

    fn watch(&mut self, line: &str) -> Option<Result<Watch, String>> {
        // Malformed lines are run, which reports them.
        let Ok(Command::Events {
            count,
            timeout,
            format,
        }) = commands::parse_line(line)
        else {
            return None;
        };
        if let Err(e) = self.exec() {
            return Some(Err(e));
        }
        let timeout = match (timeout, count) {
            (None, None) => Some(commands::RELAY_EVENTS_TIMEOUT),
            (t, _) => t,
        };
        Some(Ok(Watch {
            count,
            until: timeout.map(|t| Instant::now() + t),
            render: Box::new(move |e| commands::render_event(e, format)),
        }))
    }

    fn poll(&mut self, wait: Duration) -> Result<Vec<DeviceEvent>, String> {
        if let Link::Down(rx) = &self.link {
            // Away: wait for the reconnect thread's session, or until the time is up.
            match rx.recv_timeout(wait) {
                Ok(exec) => self.link = Link::Up(Box::new(exec)),
                Err(RecvTimeoutError::Timeout) => return Ok(Vec::new()),
                // The reconnect gave up (the relay is stopping): pace the worker all the same.
                Err(RecvTimeoutError::Disconnected) => {
                    self.stopping.wait(wait);
                    return Ok(Vec::new());
                }
            }
        }
        let Ok(exec) = self.exec() else {
            return Ok(Vec::new());
        };
        let mut events = Vec::new();
        // At least a moment, so that the sockets are read (a zero wait only takes what came).
        let mut next = exec.next_event(wait.max(Duration::from_millis(1)));
        while let Ok(Some(e)) = next {
            events.push(e);
            if events.len() == MAX_BATCH {
                break;
            }
            // Then whatever else is already there, without waiting.
            next = exec.next_event(Duration::ZERO);
        }
        if let Err(e) = next {
            let why = e.to_string();
            if self.check_lost(&|| why.clone()) {
                return Err(format!("camera connection lost ({why})"));
            }
        }
        Ok(events)
    }
}

impl Drop for Session {
    /// Stops a reconnect in progress, and closes the camera session gracefully.
    fn drop(&mut self) {
        self.cancel.cancel();
        self.stopping.set();
        if let Link::Up(exec) = std::mem::replace(&mut self.link, Link::Down(mpsc::channel().1)) {
            let _ = exec.close();
        }
    }
}
