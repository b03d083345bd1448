//! Golden vectors and round trips for the PTP/IP packets.

use super::*;

#[test]
fn probe_request_golden() {
    // Length 8, type 13, no payload.
    let bytes = [8, 0, 0, 0, 13, 0, 0, 0];
    assert_eq!(Packet::ProbeRequest.to_bytes(), bytes);
    assert_eq!(
        Packet::decode(&bytes, Dialect::Generic).unwrap(),
        Packet::ProbeRequest
    );
}
