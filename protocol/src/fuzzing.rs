//! Fuzz bodies, shared by the cargo-fuzz targets in `fuzz/` and the corpus replay tests.
//!
//! Only built with the `fuzzing` feature.
