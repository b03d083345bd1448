//! Fuzz target `discovery`: every discovery parser, chosen by the first byte; the body is
//! `ptpip_discovery::fuzzing::discovery`, shared with the corpus replay tests.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ptpip_discovery::fuzzing::discovery(data);
});
