//! Positions for property 0xD500 ([`DevicePropCode::FUJI_GEO_TAG`](crate::ptp::codes::DevicePropCode)),
//! the geotag a phone gives the camera in geotag mode (0xDF01 = 10).
//!
//! **Written** as a PTP string of 71 characters (count byte 0x48 with the NUL), fields separated
//! by spaces (hkr's fuji-cam-wifi-tool, `commands.cpp`):
//!
//! ```text
//! 5229.131848,N 01322.842972,E 00000.00,M 000.0,K 2016:01:03 15:41:40.130
//! DDMM.mmmmmm   DDDMM.mmmmmm   altitude  speed   UTC date and time
//! ```
//!
//! **Read back** on an X-T1 the value is a 97-byte ASCII field, NUL-padded, with no space between
//! most fields: `0000.000000,N00000.000000,E00000.00,M 000.0,K0000:00:0000:00:00.000`. Both
//! decode ([`GeoTag::decode`], which says which it was: [`GeoTagLayout`]); only the first is sent.

use std::fmt;

use crate::error::{DecodeError, DecodeReason};
use crate::ptp::string::PtpString;

/// A UTC date and time with milliseconds, as a geotag carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct GeoTime {
    /// Year (0–9999).
    pub year: u16,
    /// Month (1–12; 0 in an unset value).
    pub month: u8,
    /// Day (1–31; 0 in an unset value).
    pub day: u8,
    /// Hour.
    pub hour: u8,
    /// Minute.
    pub minute: u8,
    /// Second.
    pub second: u8,
    /// Millisecond.
    pub millis: u16,
}

impl GeoTime {
    /// The UTC time `ms` milliseconds after the Unix epoch (the caller reads its clock).
    #[must_use]
    pub const fn from_unix_millis(ms: u64) -> Self {
        let secs = ms / 1000;
        let days = (secs / 86_400) as i64;
        let rem = secs % 86_400;
        // Civil from days (Howard Hinnant's algorithm).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
        Self {
            year: year as u16,
            month: month as u8,
            day: day as u8,
            hour: (rem / 3600) as u8,
            minute: (rem / 60 % 60) as u8,
            second: (rem % 60) as u8,
            millis: (ms % 1000) as u16,
        }
    }
}

impl fmt::Display for GeoTime {
    /// `2016:01:03 15:41:40.130`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}:{:02}:{:02} {:02}:{:02}:{:02}.{:03}",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.millis
        )
    }
}

/// How a geotag value was laid out on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GeoTagLayout {
    /// A PTP string with spaces between the fields: what clients write.
    PtpString,
    /// Fixed-width NUL-padded ASCII without most spaces: what an X-T1 answers to a read.
    FixedAscii,
}

/// Why a position cannot be put in a geotag.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GeoTagError {
    /// Latitude outside ±90° or longitude outside ±180°.
    #[error("{0} is out of range (latitude ±90, longitude ±180)")]
    OutOfRange(&'static str),
    /// The altitude does not fit the field: 0 to 99999.99 m (the format has no sign).
    #[error("altitude {0} m does not fit the camera's field (0 to 99999.99 m, no sign)")]
    Altitude(String),
    /// Not a number.
    #[error("{0}")]
    NotANumber(String),
}

/// A position with its time, as 0xD500 carries it. Coordinates are kept in millionths of an
/// arc minute, the unit of the wire form, so a value read back is exactly the one written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GeoTag {
    /// Latitude in millionths of an arc minute, north positive.
    pub latitude: i64,
    /// Longitude in millionths of an arc minute, east positive.
    pub longitude: i64,
    /// Altitude in centimetres (0 to 9,999,999).
    pub altitude_cm: u32,
    /// The speed field in tenths (`000.0,K`: presumably km/h; clients send 0).
    pub speed_tenths: u16,
    /// When the position was taken (UTC).
    pub time: GeoTime,
}

/// Millionths of an arc minute in a degree.
const PER_DEGREE: f64 = 60_000_000.0;

impl GeoTag {
    /// A position from decimal degrees and metres above sea level, taken at `time`.
    pub fn from_degrees(
        latitude: f64,
        longitude: f64,
        altitude_m: f64,
        time: GeoTime,
    ) -> Result<Self, GeoTagError> {
        if !latitude.is_finite() || latitude.abs() > 90.0 {
            return Err(GeoTagError::OutOfRange("latitude"));
        }
        if !longitude.is_finite() || longitude.abs() > 180.0 {
            return Err(GeoTagError::OutOfRange("longitude"));
        }
        let cm = (altitude_m * 100.0).round();
        if !cm.is_finite() || !(0.0..=9_999_999.0).contains(&cm) {
            return Err(GeoTagError::Altitude(altitude_m.to_string()));
        }
        Ok(Self {
            latitude: (latitude * PER_DEGREE).round() as i64,
            longitude: (longitude * PER_DEGREE).round() as i64,
            altitude_cm: cm as u32,
            speed_tenths: 0,
            time,
        })
    }

    /// Parses `LAT LON [ALT]` as a user types them (decimal degrees, negative south and west;
    /// metres), taken at `time`.
    pub fn parse_args(words: &[&str], time: GeoTime) -> Result<Self, GeoTagError> {
        let num = |w: &str, what: &str| {
            w.trim()
                .parse::<f64>()
                .map_err(|_| GeoTagError::NotANumber(format!("{what} '{w}' is not a number")))
        };
        let (lat, lon, alt) = match words {
            [lat, lon] => (num(lat, "LAT")?, num(lon, "LON")?, 0.0),
            [lat, lon, alt] => (
                num(lat, "LAT")?,
                num(lon, "LON")?,
                num(alt.trim_end_matches('m'), "ALT")?,
            ),
            _ => {
                return Err(GeoTagError::NotANumber(
                    "give LAT LON and optionally ALT".into(),
                ));
            }
        };
        Self::from_degrees(lat, lon, alt, time)
    }

    /// Latitude in decimal degrees.
    #[must_use]
    pub fn latitude_degrees(&self) -> f64 {
        self.latitude as f64 / PER_DEGREE
    }

    /// Longitude in decimal degrees.
    #[must_use]
    pub fn longitude_degrees(&self) -> f64 {
        self.longitude as f64 / PER_DEGREE
    }

    /// The text clients write (71 characters).
    #[must_use]
    pub fn to_text(&self) -> String {
        let (lat, ns) = coordinate(self.latitude, 2, 'N', 'S');
        let (lon, ew) = coordinate(self.longitude, 3, 'E', 'W');
        format!(
            "{lat},{ns} {lon},{ew} {:05}.{:02},M {:03}.{},K {}",
            self.altitude_cm / 100,
            self.altitude_cm % 100,
            self.speed_tenths / 10,
            self.speed_tenths % 10,
            self.time
        )
    }

    /// The PTP string clients write.
    #[must_use]
    pub fn to_ptp_string(&self) -> PtpString {
        PtpString::new(self.to_text()).expect("71 ASCII characters fit a PTP string")
    }

    /// The value of SetDevicePropValue 0xD500.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 2 * 72);
        self.to_ptp_string().write(&mut out);
        out
    }

    /// The 97-byte field an X-T1 answers a read of 0xD500 with: the fields without the spaces
    /// but one, NUL-padded.
    #[must_use]
    pub fn to_x_t1_bytes(&self) -> Vec<u8> {
        let (lat, ns) = coordinate(self.latitude, 2, 'N', 'S');
        let (lon, ew) = coordinate(self.longitude, 3, 'E', 'W');
        let t = self.time;
        let text = format!(
            "{lat},{ns}{lon},{ew}{:05}.{:02},M {:03}.{},K{:04}:{:02}:{:02}{:02}:{:02}:{:02}.{:03}",
            self.altitude_cm / 100,
            self.altitude_cm % 100,
            self.speed_tenths / 10,
            self.speed_tenths % 10,
            t.year,
            t.month,
            t.day,
            t.hour,
            t.minute,
            t.second,
            t.millis
        );
        let mut out = text.into_bytes();
        out.resize(Self::X_T1_FIELD, 0);
        out
    }

    /// What an X-T1 that was never given a position answers: every field zero.
    #[must_use]
    pub fn unset_x_t1_bytes() -> Vec<u8> {
        Self {
            latitude: 0,
            longitude: 0,
            altitude_cm: 0,
            speed_tenths: 0,
            time: GeoTime::default(),
        }
        .to_x_t1_bytes()
    }

    /// The size of the X-T1's read layout.
    pub const X_T1_FIELD: usize = 97;

    /// Reads a value of 0xD500 in either layout.
    pub fn decode(bytes: &[u8]) -> Result<(Self, GeoTagLayout), DecodeError> {
        let bad = |why: &'static str| {
            DecodeError::new("Value", DecodeReason::InvalidValue(why)).in_context("Fuji geotag")
        };
        // A PTP string starts with its count; the X-T1's ASCII starts with a digit.
        let (text, layout) = match bytes.first() {
            Some(b) if b.is_ascii_digit() => {
                let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
                if bytes[end..].iter().any(|&b| b != 0) {
                    return Err(bad("bytes after the NUL padding"));
                }
                let t = std::str::from_utf8(&bytes[..end]).map_err(|_| bad("not ASCII"))?;
                (t.to_owned(), GeoTagLayout::FixedAscii)
            }
            _ => {
                let (rest, s) = PtpString::parse(bytes, "Value")
                    .map_err(|e| match e {
                        nom::Err::Error(e) | nom::Err::Failure(e) => e,
                        nom::Err::Incomplete(_) => bad("truncated"),
                    })
                    .map_err(|e| e.in_context("Fuji geotag"))?;
                if !rest.is_empty() {
                    return Err(bad("bytes after the string"));
                }
                (s.into_string(), GeoTagLayout::PtpString)
            }
        };
        parse_text(&text)
            .map(|g| (g, layout))
            .ok_or_else(|| bad("not a geotag (DDMM.mmmmmm,N DDDMM.mmmmmm,E …)"))
    }
}

impl fmt::Display for GeoTag {
    /// `52.485531, 13.380716, 0 m, 2016-01-03 15:41:40 UTC`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:.6}, {:.6}, {}.{:02} m, {}",
            self.latitude_degrees(),
            self.longitude_degrees(),
            self.altitude_cm / 100,
            self.altitude_cm % 100,
            self.time
        )
    }
}

/// `DDMM.mmmmmm` (or `DDDMM.mmmmmm` with `deg_digits` 3) and its hemisphere letter.
fn coordinate(v: i64, deg_digits: usize, pos: char, neg: char) -> (String, char) {
    let a = v.unsigned_abs();
    let minutes = a % 60_000_000;
    let text = format!(
        "{:0w$}{:02}.{:06}",
        a / 60_000_000,
        minutes / 1_000_000,
        minutes % 1_000_000,
        w = deg_digits
    );
    (text, if v < 0 { neg } else { pos })
}

/// Reads `DDMM.mmmmmm` with `deg_digits` degree digits as millionths of an arc minute.
fn parse_coordinate(text: &str, deg_digits: usize) -> Option<i64> {
    let (whole, frac) = text.split_once('.')?;
    if whole.len() != deg_digits + 2
        || frac.len() != 6
        || !whole
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let deg: i64 = whole[..deg_digits].parse().ok()?;
    let min: i64 = whole[deg_digits..].parse().ok()?;
    let micro: i64 = frac.parse().ok()?;
    (min < 60).then_some(deg * 60_000_000 + min * 1_000_000 + micro)
}

/// Splits off `field,L` (spaces before it skipped) where `L` is one of `letters`.
fn take_field<'a>(text: &'a str, letters: &[char]) -> Option<(&'a str, char, &'a str)> {
    let t = text.trim_start();
    let comma = t.find(',')?;
    let letter = t[comma + 1..].chars().next()?;
    letters
        .contains(&letter)
        .then(|| (&t[..comma], letter, &t[comma + 2..]))
}

fn parse_text(text: &str) -> Option<GeoTag> {
    let (lat, ns, rest) = take_field(text, &['N', 'S'])?;
    let (lon, ew, rest) = take_field(rest, &['E', 'W'])?;
    let (alt, _, rest) = take_field(rest, &['M'])?;
    let (speed, _, rest) = take_field(rest, &['K'])?;
    let lat = parse_coordinate(lat, 2)? * if ns == 'S' { -1 } else { 1 };
    let lon = parse_coordinate(lon, 3)? * if ew == 'W' { -1 } else { 1 };
    let (am, ac) = alt.split_once('.')?;
    let (sw, st) = speed.trim().split_once('.')?;
    let num = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let altitude_cm = num(am)?.checked_mul(100)?.checked_add(num(ac)?)?;
    let speed_tenths = u16::try_from(num(sw)? * 10 + num(st)?).ok()?;
    // `YYYY:MM:DD HH:MM:SS.mmm`, with or without the space.
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let shape: String = rest
        .trim()
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .map(|c| if c.is_ascii_digit() { '9' } else { c })
        .collect();
    if shape != "9999:99:9999:99:99.999" {
        return None;
    }
    let n = |r: std::ops::Range<usize>| digits[r].parse::<u16>().ok();
    let time = GeoTime {
        year: n(0..4)?,
        month: n(4..6)? as u8,
        day: n(6..8)? as u8,
        hour: n(8..10)? as u8,
        minute: n(10..12)? as u8,
        second: n(12..14)? as u8,
        millis: n(14..17)?,
    };
    Some(GeoTag {
        latitude: lat,
        longitude: lon,
        altitude_cm,
        speed_tenths,
        time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// hkr's example.
    const HKR: &str = "5229.131848,N 01322.842972,E 00000.00,M 000.0,K 2016:01:03 15:41:40.130";

    #[test]
    fn hkrs_example_round_trips_as_a_72_unit_ptp_string() {
        assert_eq!(HKR.len(), 71);
        let (g, layout) = {
            let mut wire = Vec::new();
            PtpString::new(HKR).unwrap().write(&mut wire);
            assert_eq!(wire[0], 0x48);
            GeoTag::decode(&wire).unwrap()
        };
        assert_eq!(layout, GeoTagLayout::PtpString);
        assert_eq!(g.to_text(), HKR);
        assert!((g.latitude_degrees() - 52.485_530_8).abs() < 1e-6);
        assert!((g.longitude_degrees() - 13.380_716_2).abs() < 1e-6);
        assert_eq!(g.to_bytes()[0], 0x48);
        assert_eq!(GeoTag::decode(&g.to_bytes()).unwrap().0, g);
    }

    #[test]
    fn degrees_and_hemispheres() {
        let t = GeoTime::from_unix_millis(1_451_835_700_130);
        assert_eq!(t.to_string(), "2016:01:03 15:41:40.130");
        let g = GeoTag::from_degrees(-33.8568, -151.2153, 58.0, t).unwrap();
        assert_eq!(
            g.to_text(),
            "3351.408000,S 15112.918000,W 00058.00,M 000.0,K 2016:01:03 15:41:40.130"
        );
        assert_eq!(GeoTag::decode(&g.to_bytes()).unwrap().0, g);
        let (back, layout) = GeoTag::decode(&g.to_x_t1_bytes()).unwrap();
        assert_eq!((back, layout), (g, GeoTagLayout::FixedAscii));
        assert!(GeoTag::from_degrees(91.0, 0.0, 0.0, t).is_err());
        assert!(GeoTag::from_degrees(0.0, 180.5, 0.0, t).is_err());
        assert!(matches!(
            GeoTag::from_degrees(31.5, 35.5, -430.0, t),
            Err(GeoTagError::Altitude(_))
        ));
        // Rounding up to a whole minute carries into the degrees.
        let g = GeoTag::from_degrees(10.999_999_999_9, 0.0, 0.0, t).unwrap();
        assert!(g.to_text().starts_with("1100.000000,N"), "{}", g.to_text());
        let g = GeoTag::parse_args(&["48.8584", "2.2945", "330m"], t).unwrap();
        assert_eq!(g.altitude_cm, 33_000);
        assert!(GeoTag::parse_args(&["north", "2"], t).is_err());
        assert!(GeoTag::parse_args(&["1"], t).is_err());
        assert_eq!(
            GeoTime::from_unix_millis(0).to_string(),
            "1970:01:01 00:00:00.000"
        );
        assert_eq!(
            GeoTime::from_unix_millis(951_782_400_000).to_string(),
            "2000:02:29 00:00:00.000"
        );
    }

    #[test]
    fn the_x_t1_read_layout_decodes() {
        let text = b"0000.000000,N00000.000000,E00000.00,M 000.0,K0000:00:0000:00:00.000";
        let mut field = text.to_vec();
        field.resize(97, 0);
        assert_eq!(GeoTag::unset_x_t1_bytes(), field);
        let (g, layout) = GeoTag::decode(&field).unwrap();
        assert_eq!(layout, GeoTagLayout::FixedAscii);
        assert_eq!((g.latitude, g.longitude, g.altitude_cm), (0, 0, 0));
        assert_eq!(g.time, GeoTime::default());
        field[96] = b'x';
        assert!(GeoTag::decode(&field).is_err());
        assert!(GeoTag::decode(b"").is_err());
        assert!(GeoTag::decode(b"12").is_err());
    }
}
