//! Running the Fujifilm remote-shooting commands and `geotag`: what is asked, what the camera
//! shows afterwards, and errors that say what to do.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use ptpip_protocol::ResponseCode;
use ptpip_protocol::calls::{FujiCalls, MovieRecording};
use ptpip_protocol::fuji::{FujiMode, GeoTag, GeoTime};
use ptpip_transport_std::ClientError;

use crate::client::Client;

use super::{ExposureArg, FujiCommand};
use crate::commands::CmdError;

/// The session's mode, for messages (`None`: not a Fujifilm session).
pub(crate) fn session_mode(client: &Client) -> Option<FujiMode> {
    client.initiator().fuji_session().map(|f| f.mode)
}

/// Refuses command `what` (which needs remote mode) in a Fujifilm session asked for in another
/// mode, saying how to get one (a remote session the camera degraded is refused by the executor,
/// with the camera's reason).
pub(crate) fn check_remote(client: &Client, what: &str) -> Result<(), CmdError> {
    match session_mode(client) {
        Some(mode) if mode != FujiMode::Remote => Err(CmdError::Failed(format!(
            "{what} needs remote mode, and this session is in {mode} mode: connect with \
             --mode remote"
        ))),
        _ => Ok(()),
    }
}

/// A call's error, with a hint where the camera refused.
fn failed(cmd: &FujiCommand, e: ClientError) -> CmdError {
    let hint = match (&e, cmd) {
        (
            ClientError::Response {
                response: ResponseCode::ACCESS_DENIED,
                ..
            },
            FujiCommand::Geotag(..),
        ) => " (positions go to a camera in geotag mode: connect with --mode geotag)",
        (
            ClientError::Response {
                response: ResponseCode::ACCESS_DENIED,
                ..
            },
            FujiCommand::FocusPoint(_),
        ) => " (the camera sets a focus point in AF-S only)",
        (
            ClientError::Response {
                response: ResponseCode::INVALID_PARAMETER,
                ..
            },
            FujiCommand::FocusPoint(_),
        ) => " (outside the camera's grid of focus points)",
        (
            ClientError::Response {
                response: ResponseCode::ACCESS_DENIED,
                ..
            },
            FujiCommand::Movie(true),
        ) => " (the movie button is not available: check the camera's drive mode)",
        _ => "",
    };
    CmdError::Failed(format!("{e}{hint}"))
}

/// Runs a remote-shooting command or `geotag`. `movie` is the session's recording, if it
/// started one.
pub(crate) fn run(
    client: &mut Client,
    cmd: &FujiCommand,
    movie: &mut Option<MovieRecording>,
    out: &mut dyn Write,
) -> Result<(), CmdError> {
    let fail = |e| failed(cmd, e);
    match cmd {
        FujiCommand::Exposure(control, arg) => {
            let name = control.name();
            match arg {
                ExposureArg::Show => {
                    let v = client.fuji_exposure(*control).map_err(fail)?;
                    writeln!(out, "{name}: {v}")?;
                }
                ExposureArg::Step(n) => {
                    let r = client.fuji_step(*control, *n).map_err(fail)?;
                    writeln!(out, "{name}: {} -> {} ({n:+} steps)", r.from, r.to)?;
                }
                ExposureArg::Target(t) => {
                    let r = client.fuji_set_exposure(*control, *t).map_err(fail)?;
                    let s = if r.steps == 1 { "" } else { "s" };
                    writeln!(out, "{name}: {} -> {} ({} step{s})", r.from, r.to, r.steps)?;
                }
            }
        }
        FujiCommand::FocusPoint(p) => {
            client.fuji_set_focus_point(*p).map_err(fail)?;
            writeln!(out, "focus point: {p} (focus locked)")?;
        }
        FujiCommand::FocusUnlock => {
            client.fuji_unlock_focus().map_err(fail)?;
            writeln!(out, "focus unlocked")?;
        }
        FujiCommand::Movie(true) => {
            if movie.is_some() {
                return Err(CmdError::Failed(
                    "this session is already recording a movie: movie stop".into(),
                ));
            }
            *movie = Some(client.fuji_start_movie().map_err(fail)?);
            writeln!(out, "recording a movie (stop it with: movie stop)")?;
        }
        FujiCommand::Movie(false) => {
            let Some(m) = *movie else {
                return Err(CmdError::Failed(
                    "this session did not start a movie: the camera stops a recording only for \
                     the session that started it (run movie start and movie stop in one \
                     session: the shell -i, or server mode), or stop it on the camera"
                        .into(),
                ));
            };
            client.fuji_stop_movie(m).map_err(fail)?;
            *movie = None;
            writeln!(out, "movie stopped")?;
        }
        FujiCommand::Geotag(lat, lon, alt) => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            let tag = GeoTag::from_degrees(*lat, *lon, *alt, GeoTime::from_unix_millis(now))
                .map_err(|e| CmdError::Failed(e.to_string()))?;
            client.fuji_push_geotag(&tag).map_err(fail)?;
            writeln!(out, "position sent: {tag} UTC")?;
        }
        FujiCommand::Receive(_) => unreachable!("browse::receive runs it"),
    }
    Ok(())
}

/// An error of the Fujifilm calls, for tests.
#[cfg(test)]
fn end_of_range() -> ClientError {
    use ptpip_protocol::calls::FujiError;
    use ptpip_protocol::fuji::ExposureControl;
    let c = ExposureControl::ShutterSpeed;
    FujiError::EndOfRange {
        control: c,
        value: c.value(0x8000_0000 | 4_000_000),
        steps: 0,
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_hints() {
        let geo = FujiCommand::Geotag(1.0, 2.0, 0.0);
        let denied = || ClientError::Response {
            operation: ptpip_protocol::OperationCode::SET_DEVICE_PROP_VALUE,
            response: ResponseCode::ACCESS_DENIED,
        };
        assert!(failed(&geo, denied()).to_string().contains("--mode geotag"));
        let m = failed(&FujiCommand::FocusUnlock, end_of_range()).to_string();
        assert_eq!(
            m,
            "the shutter speed is at the end of its range: it stays at 1/4000 (after 0 of the steps asked)"
        );
    }
}
