//! The Fujifilm commands: remote shooting (`shutter-speed`, `aperture`, `exposure-bias`,
//! `focus-point`, `focus-unlock`, `movie`), `geotag`, and `receive` (a multiple transfer); and,
//! for Fujifilm bodies, `ls`, `download` and `thumb` the Fujifilm way (handles 1 to N, true sizes,
//! partial reads). The grammar is here; what runs is in [`remote`] and [`browse`].
//!
//! fuji-cam-wifi-tool's spellings are aliases (`shutter_speed`, `exposure_compensation`,
//! `focus_point`, `unlock_focus`, `start_record`, `stop_record`), so its users' habits work.

pub(super) mod browse;
pub(super) mod remote;

use std::path::PathBuf;

use ptpip_protocol::fuji::{ExposureControl, ExposureValue, FocusPoint, GeoTag, GeoTime};

use super::{Args, CmdError, Command};

/// What an exposure command asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExposureArg {
    /// Print the current value.
    Show,
    /// Move by this many thirds of a stop (a signed whole number: `+1`, `-2`).
    Step(i32),
    /// Reach this value by stepping (`1/1000`, `f/5.6`, `-2/3`).
    Target(ExposureValue),
}

/// A Fujifilm command.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FujiCommand {
    /// Shutter speed, aperture or exposure bias.
    Exposure(ExposureControl, ExposureArg),
    /// Set the focus point.
    FocusPoint(FocusPoint),
    /// Unlock the focus.
    FocusUnlock,
    /// Start (`true`) or stop a movie.
    Movie(bool),
    /// Push a position: latitude, longitude (decimal degrees), altitude (m).
    Geotag(f64, f64, f64),
    /// Save the pictures of a multiple transfer to a directory.
    Receive(PathBuf),
}

impl Eq for FujiCommand {}

impl FujiCommand {
    /// The command's name, for messages.
    pub(crate) const fn name(&self) -> &'static str {
        match self {
            Self::Exposure(ExposureControl::ShutterSpeed, _) => "shutter-speed",
            Self::Exposure(ExposureControl::Aperture, _) => "aperture",
            Self::Exposure(ExposureControl::ExposureBias, _) => "exposure-bias",
            Self::FocusPoint(_) => "focus-point",
            Self::FocusUnlock => "focus-unlock",
            Self::Movie(_) => "movie",
            Self::Geotag(..) => "geotag",
            Self::Receive(_) => "receive",
        }
    }

    /// Whether it needs remote mode.
    pub(crate) const fn needs_remote(&self) -> bool {
        matches!(
            self,
            Self::Exposure(..) | Self::FocusPoint(_) | Self::FocusUnlock | Self::Movie(_)
        )
    }
}

/// The spec names of the Fujifilm commands (each parsed by [`parse`]).
pub(super) const NAMES: &[&str] = &[
    "shutter-speed",
    "aperture",
    "exposure-bias",
    "focus-point",
    "focus-unlock",
    "movie",
    "start_record",
    "stop_record",
    "geotag",
    "receive",
];

/// A step: a sign and a whole number (`+1`, `-2`).
fn step(word: &str) -> Option<i32> {
    let (sign, digits) = match word.as_bytes().first()? {
        b'+' => (1, &word[1..]),
        b'-' => (-1, &word[1..]),
        _ => return None,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<i32>().ok().map(|n| sign * n)
}

/// Parses the Fujifilm command `name` (as the grammar names it; `start_record` and
/// `stop_record` carry their argument).
pub(super) fn parse(name: &str, a: &mut Args<'_>) -> Result<Command, CmdError> {
    let control = match name {
        "shutter-speed" => Some(ExposureControl::ShutterSpeed),
        "aperture" => Some(ExposureControl::Aperture),
        "exposure-bias" => Some(ExposureControl::ExposureBias),
        _ => None,
    };
    let cmd = if let Some(control) = control {
        let rest: Vec<&str> = std::iter::from_fn(|| a.next()).collect();
        // `exposure-bias +1 1/3` is one value in two words.
        let arg = match rest.as_slice() {
            [] => ExposureArg::Show,
            [w] if step(w).is_some() => {
                let n = step(w).unwrap_or(0);
                if n == 0 || n.abs() > 60 {
                    return Err(a.usage(format_args!("a step of {w} thirds makes no sense")));
                }
                ExposureArg::Step(n)
            }
            words => ExposureArg::Target(control.parse(&words.join(" ")).map_err(|e| a.usage(e))?),
        };
        FujiCommand::Exposure(control, arg)
    } else {
        match name {
            "focus-point" => {
                let rest: Vec<&str> = std::iter::from_fn(|| a.next()).collect();
                if rest.is_empty() {
                    return Err(a.usage("missing X Y"));
                }
                FujiCommand::FocusPoint(rest.join(" ").parse().map_err(|e: String| a.usage(e))?)
            }
            "focus-unlock" => FujiCommand::FocusUnlock,
            "start_record" => FujiCommand::Movie(true),
            "stop_record" => FujiCommand::Movie(false),
            "movie" => match a.required("start or stop")?.to_ascii_lowercase().as_str() {
                "start" => FujiCommand::Movie(true),
                "stop" => FujiCommand::Movie(false),
                other => {
                    return Err(a.usage(format_args!("'{other}': give start or stop")));
                }
            },
            "geotag" => {
                let rest: Vec<&str> = std::iter::from_fn(|| a.next()).collect();
                let tag = GeoTag::parse_args(&rest, GeoTime::default()).map_err(|e| a.usage(e))?;
                FujiCommand::Geotag(
                    tag.latitude_degrees(),
                    tag.longitude_degrees(),
                    f64::from(tag.altitude_cm) / 100.0,
                )
            }
            _ => FujiCommand::Receive(PathBuf::from(a.next().unwrap_or("."))),
        }
    };
    a.end()?;
    Ok(Command::Fuji(cmd))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::parse_line as p;

    fn fuji(line: &str) -> FujiCommand {
        match p(line) {
            Ok(Command::Fuji(c)) => c,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn names_aliases_steps_and_targets() {
        let s = ExposureControl::ShutterSpeed;
        assert_eq!(
            fuji("shutter-speed"),
            FujiCommand::Exposure(s, ExposureArg::Show)
        );
        assert_eq!(
            fuji("shutter-speed +1"),
            FujiCommand::Exposure(s, ExposureArg::Step(1))
        );
        assert_eq!(
            fuji("shutter_speed -2"),
            FujiCommand::Exposure(s, ExposureArg::Step(-2))
        );
        assert_eq!(
            fuji("shutter-speed 1/1000"),
            FujiCommand::Exposure(s, ExposureArg::Target(s.parse("1/1000").unwrap()))
        );
        let a = ExposureControl::Aperture;
        assert_eq!(
            fuji("aperture f/5.6"),
            FujiCommand::Exposure(a, ExposureArg::Target(a.parse("5.6").unwrap()))
        );
        assert_eq!(fuji("set_aperture 8").name(), "aperture");
        let b = ExposureControl::ExposureBias;
        for line in ["exposure-bias -2/3", "exposure_compensation -2/3"] {
            assert_eq!(
                fuji(line),
                FujiCommand::Exposure(b, ExposureArg::Target(b.parse("-2/3").unwrap())),
                "{line}"
            );
        }
        assert_eq!(
            fuji("exposure-bias +1 1/3"),
            FujiCommand::Exposure(b, ExposureArg::Target(b.parse("+1 1/3").unwrap()))
        );
        assert_eq!(
            fuji("exposure-bias -1"),
            FujiCommand::Exposure(b, ExposureArg::Step(-1))
        );
        assert_eq!(
            fuji("focus-point 3 5"),
            FujiCommand::FocusPoint(FocusPoint::new(3, 5))
        );
        assert_eq!(
            fuji("focus_point 3x5"),
            FujiCommand::FocusPoint(FocusPoint::new(3, 5))
        );
        assert_eq!(fuji("focus-unlock"), FujiCommand::FocusUnlock);
        assert_eq!(fuji("unlock_focus"), FujiCommand::FocusUnlock);
        assert_eq!(fuji("movie start"), FujiCommand::Movie(true));
        assert_eq!(fuji("movie STOP"), FujiCommand::Movie(false));
        assert_eq!(fuji("start_record"), FujiCommand::Movie(true));
        assert_eq!(fuji("stop_record"), FujiCommand::Movie(false));
        assert_eq!(
            fuji("geotag 48.8584 2.2945"),
            FujiCommand::Geotag(48.8584, 2.2945, 0.0)
        );
        let FujiCommand::Geotag(lat, lon, alt) = fuji("geotag -33.8568 151.2153 58") else {
            panic!()
        };
        assert!((lat + 33.8568).abs() < 1e-6 && (lon - 151.2153).abs() < 1e-6);
        assert_eq!(alt, 58.0);
        assert_eq!(fuji("receive out"), FujiCommand::Receive("out".into()));
        // `shutter` stays the Go tool's alias of capture.
        assert!(matches!(p("shutter"), Ok(Command::Capture(1, None))));
    }

    #[test]
    fn bad_arguments_are_usage_errors() {
        for (line, want) in [
            ("shutter-speed fast", "not a shutter speed"),
            ("shutter-speed +0", "makes no sense"),
            ("aperture f/x", "not an F-number"),
            ("exposure-bias lots", "not an exposure bias"),
            ("focus-point 3", "not a focus point"),
            ("focus-point", "missing X Y"),
            ("focus-unlock now", "unexpected argument"),
            ("movie", "missing start or stop"),
            ("movie pause", "give start or stop"),
            ("geotag 91 0", "latitude"),
            ("geotag 1", "LAT LON"),
            ("geotag north 2", "not a number"),
        ] {
            match p(line) {
                Err(CmdError::Usage(m)) => assert!(m.contains(want), "{line}: {m}"),
                other => panic!("{line}: {other:?}"),
            }
        }
    }
}
