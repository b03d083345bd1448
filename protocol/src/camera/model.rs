//! [`CameraModel`]: what a host does the same way with either built-in camera.

use super::{AccessPolicy, PropTable};
use crate::types::Guid;

/// The device properties and the access policy of a built-in camera, written once for both:
/// [`VirtualCamera`](super::VirtualCamera) keeps its own property table, while a
/// [`FujiCamera`](super::FujiCamera) shares its body's with every session. A model implements
/// the three required methods; the others come with them.
pub trait CameraModel {
    /// Which initiators are accepted.
    fn policy_mut(&mut self) -> &mut AccessPolicy;

    /// Runs `f` on the device properties.
    fn with_props<T>(&self, f: impl FnOnce(&PropTable) -> T) -> T;

    /// Runs `f` on the device properties, mutably (from the camera's side: a dial turned).
    fn with_props_mut<T>(&mut self, f: impl FnOnce(&mut PropTable) -> T) -> T;

    /// The device properties now (a copy).
    #[must_use]
    fn props(&self) -> PropTable {
        self.with_props(PropTable::clone)
    }

    /// Refuses the initiator with this GUID from now on: its Init_Command_Request gets Init_Fail
    /// with the policy's reason ([`AccessPolicy::set_reason`]).
    fn reject_guid(&mut self, guid: Guid) {
        self.policy_mut().reject(guid);
    }

    /// Accepts the initiator with this GUID again.
    fn allow_guid(&mut self, guid: Guid) {
        self.policy_mut().allow(guid);
    }
}
