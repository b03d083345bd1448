//! The deframer under arbitrary splits.

use super::*;

#[test]
fn one_byte_at_a_time_probe() {
    let mut d = Deframer::new(DeframerConfig::default());
    let bytes = Packet::ProbeRequest.to_bytes();
    for (n, b) in bytes.iter().enumerate() {
        assert_eq!(d.next_frame().unwrap(), None, "frame before byte {n}");
        d.extend_from_slice(&[*b]);
    }
    assert_eq!(
        d.next_frame().unwrap(),
        Some(Frame::Packet(Packet::ProbeRequest))
    );
    assert!(d.is_idle());
}
