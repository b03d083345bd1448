//! What to do when connecting fails: a hint for each way it goes wrong with real cameras
//! (nothing listening, the other dialect, a refusal with a reason, a confirmation never given).

use std::io::ErrorKind;

use ptpip_protocol::{Channel, Dialect, Error, Timer};
use ptpip_transport_std::ClientError;

use crate::config::Settings;

/// The hint for a failed connection, if there is one to give.
pub(crate) fn connect_hint(e: &ClientError, s: &Settings) -> Option<String> {
    let other_dialect = match s.dialect {
        Dialect::Generic => {
            "a Fujifilm camera speaks its own dialect on ports 55740-55742: try -t fuji"
        }
        Dialect::Fuji => "a standard PTP/IP camera (port 15740): try without -t fuji",
    };
    let hint = match e {
        ClientError::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused => format!(
                "nothing listens on {}:{}: is the camera's Wi-Fi function on, and is this its \
                 address (usually the network's gateway)? {}",
                s.host,
                s.ports.command,
                match s.dialect {
                    Dialect::Generic if s.ports.command == 15740 => {
                        "A Fujifilm camera listens on 55740 instead: try -t fuji."
                    }
                    _ => "",
                }
            )
            .trim_end()
            .to_owned(),
            ErrorKind::TimedOut => format!(
                "something listens there but does not answer the PTP/IP init it was sent; if \
                 it is a camera, {other_dialect}"
            ),
            ErrorKind::NotFound => {
                format!("cannot resolve '{}': check the host name", s.host)
            }
            _ => return None,
        },
        ClientError::Protocol(p) => match p {
            Error::InitFailed(reason) => reason.advice()?.to_owned(),
            Error::TimedOut(Timer::Pairing) => format!(
                "accept the connection on the camera's screen when it asks (you had {:?}; \
                 --pairing-timeout gives more)",
                s.pairing_timeout
            ),
            Error::TimedOut(Timer::Init) => {
                format!("the camera did not complete the PTP/IP init handshake; {other_dialect}")
            }
            Error::ChannelClosed(Channel::Command) | Error::Decode { .. } => format!(
                "the camera closed the connection or answered in a way this dialect does not \
                 expect; {other_dialect}"
            ),
            Error::ChannelClosed(Channel::Event) if s.dialect == Dialect::Generic => format!(
                "the camera took the command connection but not the event connection; \
                 {other_dialect}"
            ),
            Error::UnexpectedPacket { .. } => {
                format!("the camera does not follow this dialect; {other_dialect}")
            }
            _ => return None,
        },
        _ => return None,
    };
    Some(hint)
}
