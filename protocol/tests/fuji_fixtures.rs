//! The Fujifilm fixtures the other suites do not read: the X-H1's 0xD185 values (see
//! `fixtures/README.md`; the X-A2's 68-byte Init_Command_Ack is read in `quirks.rs`). The X-T1 dumps are
//! decoded in the crate's unit tests (`fuji::values`, `fuji::lists`, `ptp::dataset`), the X-H1
//! DeviceInfo in `ptp::dataset`, the live-view frame in `fuji_framing.rs` and `fuji::stream`.

use ptpip_protocol::ptp::PtpString;

const XH1_D185_INITIAL: &[u8] = include_bytes!("fixtures/xh1_d185_initial.bin");
const XH1_D185_2: &[u8] = include_bytes!("fixtures/xh1_d185_2.bin");

/// "X-H1 values of vendor property 0xD185 (starts with a PTP string, e.g. a serial-like
/// "FF129506")": after a `u16` (0x17, 0x1D), the string. In the second value it is a valid PTP
/// string (count 9 with the NUL); the initial one's count (8) is one short of its NUL, an
/// inconsistency of the recording, so only a NUL-terminated reading gets the text.
#[test]
fn the_x_h1_d185_values_start_with_the_serial_like_string() {
    assert_eq!(u16::from_le_bytes([XH1_D185_2[0], XH1_D185_2[1]]), 0x1D);
    let (_, s) = PtpString::parse(&XH1_D185_2[2..], "D185").unwrap();
    assert_eq!(s.as_str(), "FF129506");

    assert_eq!(
        u16::from_le_bytes([XH1_D185_INITIAL[0], XH1_D185_INITIAL[1]]),
        0x17
    );
    assert_eq!(XH1_D185_INITIAL[2], 8);
    assert!(PtpString::parse(&XH1_D185_INITIAL[2..], "D185").is_err());
    let units: Vec<u16> = XH1_D185_INITIAL[3..]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    assert_eq!(String::from_utf16(&units).unwrap(), "FF129506");
}
