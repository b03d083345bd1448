//! Battery level on Fujifilm bodies: two properties and three scales, reconciled.
//!
//! The sources disagree, because they read different bodies:
//! - **0x5001** (the standard BatteryLevel) is what the X-T1 family lists in 0xD212. The X-T1
//!   describes it as UINT8, range 0–3: three bars, 0 the last (critical) step. The Go tool
//!   (written against an X-T1) labels 1–3 as one to three bars of three: [`BatteryScale::ThreeBars`].
//! - hkr's fuji-cam-wifi-tool (written against later bodies, X-T10 to X-T100) reads four levels,
//!   1 critical, 2 one bar, 3 two bars, 4 full. Only a body whose range reaches 4 can mean this:
//!   [`BatteryScale::FourLevels`]. Its 1–3 cannot be told from the X-T1's without the
//!   description's range, so [`BatteryLevel::decode_in_range`] takes it when it is known, and
//!   [`BatteryLevel::decode`] picks the X-T1 reading for 0–3 and hkr's for 4.
//! - **0xD242** (FujiBatteryLevel) is what newer bodies (the X-T4's list) report instead: 1–3
//!   bars of three, 6 critical, 7–11 one to five bars of five (the Go tool's table):
//!   [`BatteryScale::Vendor`].

use std::fmt;

use crate::ptp::codes::DevicePropCode;

/// Which reading of the battery value was applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BatteryScale {
    /// 0x5001 on the X-T1 family (range 0–3): 0 critical, 1–3 bars of three.
    ThreeBars,
    /// 0x5001 on bodies whose range reaches 4 (hkr): 1 critical, 2–4 one to three bars.
    FourLevels,
    /// 0xD242: 1–3 bars of three, 6 critical, 7–11 bars of five.
    Vendor,
}

/// What the battery value says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BatteryReading {
    /// `bars` of `of` bars lit.
    Bars {
        /// Bars lit.
        bars: u8,
        /// Bars the indicator has.
        of: u8,
    },
    /// The critical (flashing) step.
    Critical,
    /// A value the scale does not have.
    Unknown,
}

/// A battery value with its reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BatteryLevel {
    /// The value as the camera sent it.
    pub raw: u32,
    /// The scale applied.
    pub scale: BatteryScale,
    /// What it says.
    pub reading: BatteryReading,
}

impl BatteryLevel {
    /// Reads `raw` from property `code` (0x5001 or 0xD242) without the property's description:
    /// 0x5001 values 0–3 on the X-T1 scale, 4 on hkr's.
    #[must_use]
    pub const fn decode(code: DevicePropCode, raw: u32) -> Self {
        let max = if raw == 4 { 4 } else { 3 };
        Self::decode_in_range(code, raw, max)
    }

    /// Reads `raw` from property `code`, whose description's range ends at `max` (for 0x5001: 3
    /// on the X-T1 family, 4 on bodies that use hkr's four levels).
    #[must_use]
    pub const fn decode_in_range(code: DevicePropCode, raw: u32, max: u32) -> Self {
        use BatteryReading::{Bars, Critical, Unknown};
        let (scale, reading) = if code.0 == DevicePropCode::FUJI_BATTERY_LEVEL.0 {
            let r = match raw {
                1..=3 => Bars {
                    bars: raw as u8,
                    of: 3,
                },
                6 => Critical,
                7..=11 => Bars {
                    bars: (raw - 6) as u8,
                    of: 5,
                },
                _ => Unknown,
            };
            (BatteryScale::Vendor, r)
        } else if max >= 4 {
            let r = match raw {
                1 => Critical,
                2..=4 => Bars {
                    bars: (raw - 1) as u8,
                    of: 3,
                },
                _ => Unknown,
            };
            (BatteryScale::FourLevels, r)
        } else {
            let r = match raw {
                0 => Critical,
                1..=3 => Bars {
                    bars: raw as u8,
                    of: 3,
                },
                _ => Unknown,
            };
            (BatteryScale::ThreeBars, r)
        };
        Self {
            raw,
            scale,
            reading,
        }
    }
}

impl fmt::Display for BatteryLevel {
    /// `2/3`, `4/5`, `critical`, or `unknown (N)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reading {
            BatteryReading::Bars { bars, of } => write!(f, "{bars}/{of}"),
            BatteryReading::Critical => f.write_str("critical"),
            BatteryReading::Unknown => write!(f, "unknown ({})", self.raw),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(code: u16, raw: u32) -> String {
        BatteryLevel::decode(DevicePropCode(code), raw).to_string()
    }

    #[test]
    fn the_three_scales() {
        // The X-T1: 0x5001, range 0–3 (its description in the fixture dumps).
        assert_eq!(show(0x5001, 0), "critical");
        assert_eq!(show(0x5001, 2), "2/3");
        assert_eq!(show(0x5001, 3), "3/3");
        // A four-level body (hkr): 4 is full; with the range known, 1 is critical.
        assert_eq!(show(0x5001, 4), "3/3");
        let hkr = BatteryLevel::decode_in_range(DevicePropCode(0x5001), 1, 4);
        assert_eq!(
            (hkr.scale, hkr.reading),
            (BatteryScale::FourLevels, BatteryReading::Critical)
        );
        assert_eq!(
            BatteryLevel::decode_in_range(DevicePropCode(0x5001), 2, 4).to_string(),
            "1/3"
        );
        // 0xD242.
        assert_eq!(show(0xD242, 1), "1/3");
        assert_eq!(show(0xD242, 6), "critical");
        assert_eq!(show(0xD242, 7), "1/5");
        assert_eq!(show(0xD242, 11), "5/5");
        assert_eq!(show(0xD242, 5), "unknown (5)");
        assert_eq!(show(0x5001, 9), "unknown (9)");
    }
}
