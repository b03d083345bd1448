//! Codec benchmarks (written with the codec issue).

fn main() {}
