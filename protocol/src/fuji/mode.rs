//! What a Fujifilm Wi-Fi session is for: the mode a client asks for (0xDF01), what the camera
//! says it is ready for (0xDF00), and the version property each mode echoes.
//!
//! A body shows one Wi-Fi menu at a time (remote shooting, image browsing, a transfer of pictures
//! chosen on the camera, geotagging), and the client confirms which one it speaks by writing
//! 0xDF01 ([`ConnectionMode`]) right after OpenSession; a camera seeing this client for the first
//! time holds that write until its user accepts the connection. Each mode has an app-version
//! property the official app reads and writes back ([`FujiMode::version_property`]).
//!
//! Sources (see `fuji-wifi.md` §1): libfuji's `fujiptp.h` for the values of 0xDF00 and 0xDF01,
//! hkr's fuji-cam-wifi-tool for the version properties per mode.

use crate::ptp::codes::{DevicePropCode, ResponseCode};

code_newtype! {
    /// A value of 0xDF01 ([`DevicePropCode::FUJI_INIT_SEQUENCE`]): the mode the client works in.
    /// Only the values with a name here are known; the others are kept as numbers.
    pub struct ConnectionMode(u16);
    /// View the pictures of a camera-initiated multiple transfer (the answer to
    /// [`CameraState::MULTIPLE_TRANSFER`]; libfuji).
    VIEW_MULTIPLE_TRANSFER = 1 => "ViewMultipleTransfer";
    /// Browse every picture with the object operations (libfuji).
    BROWSE = 2 => "Browse";
    /// The "old remote" libfuji sends in PC AutoSave.
    OLD_REMOTE = 3 => "OldRemote";
    /// Remote shooting and live view (gphoto2, the Go tool, hkr's tool).
    REMOTE = 5 => "Remote";
    /// The client reports an error (libfuji).
    ERROR = 7 => "Error";
    /// Multiple-transfer request: hkr's "receive" (and his "browse").
    MULTIPLE_TRANSFER_REQUEST = 8 => "MultipleTransferRequest";
    /// GPS assist: push a position with 0xD500 (hkr's "geo").
    GEOTAG = 10 => "Geotag";
    /// Gallery on remote-capable bodies (libfuji).
    REMOTE_GALLERY = 11 => "RemoteGallery";
}

code_newtype! {
    /// A value of 0xDF00 ([`DevicePropCode::FUJI_CAMERA_STATE`]): what the camera is ready for.
    pub struct CameraState(u16);
    /// Waiting for the user to accept the connection.
    WAITING = 0 => "Waiting";
    /// Pictures chosen on the camera wait to be sent (a multiple transfer).
    MULTIPLE_TRANSFER = 1 => "MultipleTransfer";
    /// Full access: browsing.
    FULL_ACCESS = 2 => "FullAccess";
    /// PC AutoSave.
    PC_AUTO_SAVE = 3 => "PcAutoSave";
    /// Remote-capable.
    REMOTE = 6 => "Remote";
    /// Seen with 0xD220 = 1 in hkr's receive dump: pictures wait, as with `MULTIPLE_TRANSFER`.
    TRANSFER_REQUESTED = 8 => "TransferRequested";
}

impl CameraState {
    /// Whether the camera has pictures chosen by its user waiting to be sent (1 in libfuji, 8 in
    /// hkr's dump).
    #[must_use]
    pub const fn is_multiple_transfer(self) -> bool {
        matches!(self.0, 1 | 8)
    }
}

/// The mode an initiator asks a Fujifilm body for, in its set-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum FujiMode {
    /// Remote shooting and live view: 0xDF01 = 5, 0xDF24 echoed, InitiateOpenCapture, the event
    /// port. A body that refuses a step still gives a browsing session.
    #[default]
    Remote,
    /// Browsing (or receiving the pictures chosen on the camera): 0xDF00 read, 0xDF01 = 2 (or
    /// the camera's multiple-transfer value), 0xDF22 echoed. No event port.
    Browse,
    /// Geotagging: 0xDF01 = 10, 0xDF31 echoed; positions go to 0xD500.
    Geotag,
}

impl FujiMode {
    /// Every mode, in the order help texts list them.
    pub const ALL: [Self; 3] = [Self::Remote, Self::Browse, Self::Geotag];

    /// The name used on the command line and in config files.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Remote => "remote",
            Self::Browse => "browse",
            Self::Geotag => "geotag",
        }
    }

    /// The mode named `name` (ASCII case ignored; `receive` is browsing too).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        let n = name.trim().to_ascii_lowercase();
        match n.as_str() {
            "remote" => Some(Self::Remote),
            "browse" | "receive" => Some(Self::Browse),
            "geotag" | "geo" => Some(Self::Geotag),
            _ => None,
        }
    }

    /// The 0xDF01 value written, unless the camera asks for a multiple transfer (browse mode).
    #[must_use]
    pub const fn connection_mode(self) -> ConnectionMode {
        match self {
            Self::Remote => ConnectionMode::REMOTE,
            Self::Browse => ConnectionMode::BROWSE,
            Self::Geotag => ConnectionMode::GEOTAG,
        }
    }

    /// The app-version property of the mode, read and written back during the set-up: 0xDF24
    /// (remote), 0xDF22 (browse), 0xDF31 (geotag).
    #[must_use]
    pub const fn version_property(self) -> DevicePropCode {
        match self {
            Self::Remote => DevicePropCode::FUJI_APP_VERSION,
            Self::Browse => DevicePropCode::FUJI_APP_VERSION_BROWSE,
            Self::Geotag => DevicePropCode::FUJI_APP_VERSION_GEO,
        }
    }
}

impl std::fmt::Display for FujiMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for FujiMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::from_name(s)
            .ok_or_else(|| format!("unknown Fujifilm mode '{s}': use remote, browse or geotag"))
    }
}

/// Something a camera did in the set-up that a strict reading would refuse, but real bodies do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetupLeniency {
    /// The mode's version property answered OK with no value (the X-A2 has no 0xDF24, the X-T2
    /// no 0xDF26): nothing was written back.
    VersionMissing(DevicePropCode),
    /// The version property came with this many bytes instead of 4; the first four were read.
    VersionSize(DevicePropCode, usize),
    /// 0xDF00 could not be read (refused, or no value): the mode was written as asked.
    CameraStateUnreadable,
    /// A browse or geotag step was refused; the session went on (the object operations need
    /// no mode).
    Refused {
        /// The step (`SetDevicePropValue 0xDF01`…).
        step: &'static str,
        /// The camera's answer.
        response: ResponseCode,
    },
}

impl std::fmt::Display for SetupLeniency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::VersionMissing(c) => {
                write!(
                    f,
                    "the camera has no value for {c}; nothing was written back"
                )
            }
            Self::VersionSize(c, n) => {
                write!(
                    f,
                    "{c} came as {n} bytes instead of 4; the first 4 were used"
                )
            }
            Self::CameraStateUnreadable => {
                f.write_str("the camera state (0xDF00) could not be read")
            }
            Self::Refused { step, response } => {
                write!(f, "the camera answered {step} with {response}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_name_their_values_and_version_properties() {
        for m in FujiMode::ALL {
            assert_eq!(FujiMode::from_name(m.name()), Some(m));
            assert_eq!(m.to_string().parse::<FujiMode>(), Ok(m));
        }
        assert_eq!(FujiMode::from_name("RECEIVE"), Some(FujiMode::Browse));
        assert!(
            "shoot"
                .parse::<FujiMode>()
                .unwrap_err()
                .contains("remote, browse or geotag")
        );
        assert_eq!(FujiMode::Remote.connection_mode().0, 5);
        assert_eq!(FujiMode::Browse.connection_mode().0, 2);
        assert_eq!(FujiMode::Geotag.connection_mode().0, 10);
        assert_eq!(FujiMode::Remote.version_property().0, 0xDF24);
        assert_eq!(FujiMode::Browse.version_property().0, 0xDF22);
        assert_eq!(FujiMode::Geotag.version_property().0, 0xDF31);
        assert!(CameraState(1).is_multiple_transfer());
        assert!(CameraState(8).is_multiple_transfer());
        assert!(!CameraState::REMOTE.is_multiple_transfer());
        assert_eq!(format!("{:?}", ConnectionMode(10)), "Geotag(0x000a)");
    }
}
