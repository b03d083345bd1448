//! Dataset tests: golden vectors and error cases (`golden`, `prop_desc_golden`), the real-camera
//! fixtures (`camera`), property tests (`props`) and lenient decoding (`lenient`).

use std::fmt::Debug;

use crate::error::{DecodeError, DecodeReason};
use crate::ptp::string::PtpString;

mod camera;
mod golden;
mod lenient;
mod object_prop_list;
mod prop_desc_golden;
mod props;

/// A PTP string from text the test knows is valid.
fn s(text: &str) -> PtpString {
    PtpString::new(text).expect("valid test string")
}

/// The wire form of an ASCII PTP string, built by hand: count (units + NUL), UTF-16LE units, NUL.
fn ascii_ptp_str(text: &str) -> Vec<u8> {
    assert!(text.is_ascii() && !text.is_empty());
    let mut out = vec![u8::try_from(text.len() + 1).expect("short test text")];
    for b in text.bytes() {
        out.extend_from_slice(&[b, 0]);
    }
    out.extend_from_slice(&[0, 0]);
    out
}

/// The error of a decode that must fail, checked for its context and field.
fn expect_err<T: Debug>(r: Result<T, DecodeError>, context: &str, field: &str) -> DecodeReason {
    let e = r.expect_err("decode should fail");
    assert_eq!((e.context, e.field), (context, field), "{e}");
    e.reason
}
