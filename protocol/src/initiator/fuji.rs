//! The Fujifilm session set-up, after OpenSession, in the mode asked for
//! ([`InitiatorConfig::fuji_mode`](super::InitiatorConfig::fuji_mode)):
//!
//! | mode | steps |
//! |---|---|
//! | remote | 0xDF01 = 5 (held for the user) → get 0xDF24 → set 0xDF24 (echo, or the configured app version) → InitiateOpenCapture(0, 0) → the event port |
//! | browse | get 0xDF00 → 0xDF01 = 2, or the camera's multiple-transfer value (held for the user) → get 0xDF22 → set 0xDF22 (echo) |
//! | geotag | 0xDF01 = 10 (held for the user) → get 0xDF31 → set 0xDF31 (echo) |
//!
//! A remote-mode step the body does not go along with leaves a browsing session
//! ([`RemoteModeUnavailable`]); in the other modes a refused step is noted
//! ([`SetupLeniency::Refused`]) and the session goes on, since the object operations need no
//! mode. A version property answered with no value (the X-A2 has no 0xDF24) is noted too and
//! not written back. What the set-up found is [`FujiSession`].

use std::time::Instant;

use bytes::{Bytes, BytesMut};

use super::{Event, Initiator, Operation, Purpose, RemoteModeUnavailable, SetupProblem};
use crate::fuji::{CameraState, ConnectionMode, FujiMode, SetupLeniency};
use crate::ptp::codes::{DevicePropCode, OperationCode, ResponseCode};

/// The Fujifilm part of a session, as the set-up left it
/// ([`Initiator::fuji_session`](super::Initiator::fuji_session)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FujiSession {
    /// The mode asked for.
    pub mode: FujiMode,
    /// What 0xDF00 said before the mode was written (browse mode reads it).
    pub camera_state: Option<CameraState>,
    /// The 0xDF01 value written.
    pub connection_mode: ConnectionMode,
    /// The mode's version property (0xDF24, 0xDF22 or 0xDF31), once read.
    pub version: Option<VersionEcho>,
    /// What the camera did that the set-up let pass.
    pub tolerated: Vec<SetupLeniency>,
}

impl FujiSession {
    /// Whether the camera is sending pictures its user chose (a multiple transfer): read the
    /// pictures at handle 1, one after another.
    #[must_use]
    pub fn is_multiple_transfer(&self) -> bool {
        self.camera_state
            .is_some_and(CameraState::is_multiple_transfer)
    }
}

/// A version property read during the set-up, and what was written back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VersionEcho {
    /// The property.
    pub property: DevicePropCode,
    /// The camera's value.
    pub camera: u32,
    /// The value written (`None`: nothing was, the camera had no value).
    pub written: Option<u32>,
}

impl Initiator {
    /// The first Fujifilm step after OpenSession.
    pub(super) fn fuji_begin(&mut self, now: Instant) {
        let mode = self.config.fuji_mode;
        self.fuji = Some(FujiSession {
            mode,
            camera_state: None,
            connection_mode: mode.connection_mode(),
            version: None,
            tolerated: Vec::new(),
        });
        match mode {
            FujiMode::Browse => {
                let op = Self::fuji_get_prop(DevicePropCode::FUJI_CAMERA_STATE);
                self.queue_internal(now, op, Purpose::FujiGetCameraState);
            }
            FujiMode::Remote | FujiMode::Geotag => self.fuji_write_mode(now),
        }
    }

    /// Writes 0xDF01: the step the camera holds for its user.
    fn fuji_write_mode(&mut self, now: Instant) {
        let value = self
            .fuji
            .as_ref()
            .map_or(ConnectionMode::REMOTE, |f| f.connection_mode);
        let op = Self::fuji_set_prop(
            DevicePropCode::FUJI_INIT_SEQUENCE,
            Bytes::copy_from_slice(&value.0.to_le_bytes()),
        );
        self.queue_internal(now, op, Purpose::FujiInitSequence);
    }

    fn fuji_note(&mut self, what: SetupLeniency) {
        if let Some(f) = self.fuji.as_mut() {
            f.tolerated.push(what);
        }
    }

    /// The answer to a Fujifilm set-up step.
    pub(super) fn on_fuji_setup(
        &mut self,
        now: Instant,
        purpose: Purpose,
        code: ResponseCode,
        data: Option<BytesMut>,
    ) {
        let mode = self.config.fuji_mode;
        let version_prop = mode.version_property();
        if purpose == Purpose::FujiGetCameraState {
            let state = data
                .as_deref()
                .filter(|_| code.is_ok())
                .and_then(|d| <[u8; 2]>::try_from(d.get(..2)?).ok())
                .map(|b| CameraState(u16::from_le_bytes(b)));
            match state {
                Some(s) => {
                    if let Some(f) = self.fuji.as_mut() {
                        f.camera_state = Some(s);
                        if s.is_multiple_transfer() {
                            // Answer with the camera's own value: 1 (libfuji) or 8 (hkr).
                            f.connection_mode = ConnectionMode(s.0);
                        }
                    }
                }
                None => self.fuji_note(SetupLeniency::CameraStateUnreadable),
            }
            self.fuji_write_mode(now);
            return;
        }
        let step = match (purpose, mode) {
            (Purpose::FujiInitSequence, _) => "SetDevicePropValue 0xDF01",
            (Purpose::FujiGetVersion, FujiMode::Remote) => "GetDevicePropValue 0xDF24",
            (Purpose::FujiSetVersion, FujiMode::Remote) => "SetDevicePropValue 0xDF24",
            (Purpose::FujiGetVersion, FujiMode::Browse) => "GetDevicePropValue 0xDF22",
            (Purpose::FujiSetVersion, FujiMode::Browse) => "SetDevicePropValue 0xDF22",
            (Purpose::FujiGetVersion, FujiMode::Geotag) => "GetDevicePropValue 0xDF31",
            (Purpose::FujiSetVersion, FujiMode::Geotag) => "SetDevicePropValue 0xDF31",
            _ => "InitiateOpenCapture",
        };
        let len = data.as_deref().map(<[u8]>::len);
        if !code.is_ok() {
            if mode == FujiMode::Remote {
                return self.fuji_degrade(now, step, SetupProblem::Refused(code));
            }
            self.fuji_note(SetupLeniency::Refused {
                step,
                response: code,
            });
            return self.session_ready(now);
        }
        match purpose {
            Purpose::FujiInitSequence => {
                let op = Self::fuji_get_prop(version_prop);
                self.queue_internal(now, op, Purpose::FujiGetVersion);
            }
            Purpose::FujiGetVersion => {
                let raw = data.as_deref().unwrap_or_default();
                if mode == FujiMode::Remote && raw.len() != 4 {
                    let problem = match len {
                        None | Some(0) => SetupProblem::EmptyValue,
                        Some(got) => SetupProblem::BadValue { expected: 4, got },
                    };
                    return self.fuji_degrade(now, step, problem);
                }
                if raw.is_empty() {
                    self.fuji_note(SetupLeniency::VersionMissing(version_prop));
                    return self.session_ready(now);
                }
                if raw.len() != 4 {
                    self.fuji_note(SetupLeniency::VersionSize(version_prop, raw.len()));
                }
                let mut word = [0u8; 4];
                let n = raw.len().min(4);
                word[..n].copy_from_slice(&raw[..n]);
                let camera = u32::from_le_bytes(word);
                let written = match mode {
                    FujiMode::Remote => self.config.fuji_app_version.unwrap_or(camera),
                    FujiMode::Browse | FujiMode::Geotag => camera,
                };
                if let Some(f) = self.fuji.as_mut() {
                    f.version = Some(VersionEcho {
                        property: version_prop,
                        camera,
                        written: Some(written),
                    });
                }
                let op = Self::fuji_set_prop(
                    version_prop,
                    Bytes::copy_from_slice(&written.to_le_bytes()),
                );
                self.queue_internal(now, op, Purpose::FujiSetVersion);
            }
            Purpose::FujiSetVersion if mode == FujiMode::Remote => {
                let op = Operation::new(OperationCode::INITIATE_OPEN_CAPTURE, &[0, 0])
                    .expect("two parameters");
                self.queue_internal(now, op, Purpose::FujiOpenCapture);
            }
            Purpose::FujiSetVersion => self.session_ready(now),
            _ => {
                // The event port is open now; it needs no Init_Event_Request. An empty transmit
                // asks the driver to connect it.
                self.out[1].push(Bytes::new());
                self.links[1] = crate::channel::LinkState::Open;
                self.session_ready(now);
            }
        }
    }

    /// A remote-mode step failed: the session serves browsing.
    fn fuji_degrade(&mut self, now: Instant, step: &'static str, problem: SetupProblem) {
        let why = RemoteModeUnavailable { step, problem };
        self.events
            .push_back(Event::RemoteModeUnavailable(why.clone()));
        self.remote_unavailable = Some(why);
        self.session_ready(now);
    }

    fn fuji_get_prop(code: DevicePropCode) -> Operation {
        Operation::new(OperationCode::GET_DEVICE_PROP_VALUE, &[u32::from(code.0)])
            .expect("one parameter")
            .collect(64)
    }
}
