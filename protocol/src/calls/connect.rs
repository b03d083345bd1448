//! How a blocking client connects, the same in both drivers: the pauses between attempts, the
//! reminders while a Fujifilm body waits for its user, and the errors that say what happened.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// How long a failed Fujifilm init waits before its one retry (Fujifilm's own apps retry: some
/// bodies drop the first attempt).
pub const FUJI_INIT_RETRY_DELAY: Duration = Duration::from_millis(500);

/// The pause between connection attempts that were refused (the camera may still be starting
/// its Wi-Fi function).
pub const REFUSED_RETRY: Duration = Duration::from_millis(100);

/// How long a Fujifilm camera may take to answer the step it holds for its user's confirmation
/// before the user is told to accept.
pub const PAIRING_QUIET: Duration = Duration::from_secs(1);

/// How often the user is reminded while the camera waits for the confirmation.
pub const PAIRING_REMINDER: Duration = Duration::from_secs(5);

/// The error once "connection refused" was retried for the whole `timeout`.
#[must_use]
pub fn refused(addr: SocketAddr, timeout: Duration) -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionRefused,
        format!("connection refused by {addr} (retried for {timeout:?})"),
    )
}

/// The error of a peer at `addr` that accepted the connection and then did not complete the init
/// handshake within `limit` (the smaller of the connect and init timeouts).
#[must_use]
pub fn handshake_timeout(addr: SocketAddr, limit: Duration) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!(
            "{addr} accepted the connection but did not complete the PTP/IP init handshake \
             within {limit:?}"
        ),
    )
}
