//! [`Encode`]: the one shape of everything this crate emits.

/// A value with an exact wire form: packets, Fujifilm containers and frames, PTP datasets and the
/// Fujifilm lists. Strict in what we send: decoding what `encode` wrote gives the value back.
pub trait Encode {
    /// Bytes on the wire.
    #[must_use]
    fn encoded_len(&self) -> usize;

    /// Appends the wire form to `out`.
    fn encode(&self, out: &mut Vec<u8>);

    /// The wire form in a new vector, allocated once at its exact length.
    #[must_use]
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode(&mut out);
        out
    }
}
