//! Fuzz target `deframer_split`: the body is `ptpip_protocol::fuzzing::deframer_split`, shared with the corpus replay tests.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ptpip_protocol::fuzzing::deframer_split(data);
});
