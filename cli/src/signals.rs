//! Ctrl-C (SIGINT) and SIGTERM: one process-wide handler for everything in the binary.
//!
//! [`interrupt_flag`] installs the handler the first time it is called and hands out the same
//! flag every time. The first signal sets the flag: long commands look at it ([`interrupted`]),
//! stop what they do (a transfer is cancelled on the wire, its partial file kept), close the
//! session and exit with [`exit_code`]: 130 for SIGINT, 143 for SIGTERM (128 + the signal's
//! number, as shells report it). A second signal while that runs exits at once with the same code.
//!
//! On Unix the handler is `signal-hook`'s (a thread reading a self-pipe, so it can tell SIGINT
//! from SIGTERM); elsewhere `ctrlc`'s (Ctrl-C and the console's close events, reported as
//! SIGINT).

use std::io;
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// SIGINT's number.
pub(crate) const SIGINT: i32 = 2;
/// SIGTERM's number.
pub(crate) const SIGTERM: i32 = 15;

/// The last signal received (0: none yet).
static LAST: AtomicI32 = AtomicI32::new(0);

/// The process-wide flag, once the handler is installed.
static FLAG: OnceLock<Result<Arc<AtomicBool>, String>> = OnceLock::new();

/// What the handler does with signal `sig`: set `flag`, or exit at once if it was set already.
fn on_signal(flag: &AtomicBool, sig: i32) {
    LAST.store(sig, Ordering::SeqCst);
    if flag.swap(true, Ordering::SeqCst) {
        eprintln!("Interrupted again, exiting now.");
        std::process::exit(128 + sig);
    }
}

#[cfg(unix)]
fn install(flag: Arc<AtomicBool>) -> Result<(), String> {
    use signal_hook::iterator::Signals;

    let mut signals = Signals::new([signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM])
        .map_err(|e| e.to_string())?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                on_signal(&flag, sig);
            }
        })
        .map(drop)
        .map_err(|e| e.to_string())
}

#[cfg(not(unix))]
fn install(flag: Arc<AtomicBool>) -> Result<(), String> {
    ctrlc::set_handler(move || on_signal(&flag, SIGINT)).map_err(|e| e.to_string())
}

/// The process-wide interrupt flag: the first call installs the handler (SIGINT and SIGTERM),
/// every call returns the same flag.
pub(crate) fn interrupt_flag() -> io::Result<Arc<AtomicBool>> {
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        install(flag.clone())
            .map(|()| flag)
            .map_err(|e| format!("cannot install the Ctrl-C handler: {e}"))
    })
    .clone()
    .map_err(io::Error::other)
}

/// Whether a signal came (since the last [`clear`]); always false before the handler is
/// installed.
pub(crate) fn interrupted() -> bool {
    FLAG.get()
        .and_then(|f| f.as_ref().ok())
        .is_some_and(|f| f.load(Ordering::SeqCst))
}

/// Forgets an earlier Ctrl-C (between the commands of the interactive shell).
pub(crate) fn clear() {
    if let Some(Ok(f)) = FLAG.get() {
        f.store(false, Ordering::SeqCst);
    }
}

/// The exit status for the signal that stopped the run, if one did: 130 (SIGINT) or 143
/// (SIGTERM).
pub(crate) fn exit_code() -> Option<i32> {
    if !interrupted() {
        return None;
    }
    match LAST.load(Ordering::SeqCst) {
        0 => Some(128 + SIGINT),
        sig => Some(128 + sig),
    }
}

/// The name of the signal received, for messages ("interrupted (SIGTERM)").
pub(crate) fn name() -> &'static str {
    match LAST.load(Ordering::SeqCst) {
        SIGTERM => "SIGTERM",
        _ => "SIGINT",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_signal_only_sets_the_flag() {
        let flag = AtomicBool::new(false);
        on_signal(&flag, SIGTERM);
        assert!(flag.load(Ordering::SeqCst));
        assert_eq!(name(), "SIGTERM");
        LAST.store(0, Ordering::SeqCst);
    }
}
