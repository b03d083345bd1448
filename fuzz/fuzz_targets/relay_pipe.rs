//! Fuzz target `relay_pipe`: the body is `ptpip_protocol::fuzzing::relay_pipe`, shared with the corpus replay tests.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ptpip_protocol::fuzzing::relay_pipe(data);
});
