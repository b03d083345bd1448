//! Helpers for the end-to-end tests in `tests/tests/`.
//!
//! - [`tools`]: finding an outside judge (tshark, gphoto2, …) on `PATH`, the skip-or-fail rule when it
//!   is missing, running it, and a scratch directory for its files.
//! - [`gphoto2`]: running gphoto2, isolated and time-limited, against a port on 127.0.0.1.
//! - [`relay`]: the mio relay on a thread of its own.
//! - [`link`]: a camera-link emulator (delay, bandwidth, bottleneck buffer, stalls) between a client
//!   and a camera, with the binary `linkemu`.
//! - [`pcap`]: a classic pcap writer that wraps PTP/IP bytes in Ethernet/IPv4/TCP, one packet per TCP
//!   segment, so a dissector sees them exactly as we encoded them.

pub mod bench;
pub mod camera;
pub mod gphoto2;
pub mod link;
pub mod relay;

pub mod tools {
    //! Outside tools: where they are, what to do when they are not, and a place for their files.
    //!
    //! The rule for a missing tool: a test that needs it prints `SKIPPED: <tool> not installed (<hint>)`
    //! to stderr and returns, unless the environment sets [`REQUIRE_TOOLS_ENV`]`=1` (CI does), in which
    //! case the test fails with a message saying what to install.

    use std::env;
    use std::ffi::OsStr;
    use std::fs;
    use std::io::{self, Read, Write};
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output, Stdio};
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::thread;
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    /// With this variable set to `1`, a missing tool fails the test instead of skipping it.
    pub const REQUIRE_TOOLS_ENV: &str = "PTPIP_REQUIRE_TOOLS";

    /// The first executable file named `program` in the `PATH` directories.
    #[must_use]
    pub fn find_on_path(program: &str) -> Option<PathBuf> {
        let path = env::var_os("PATH")?;
        find_in(env::split_paths(&path), program)
    }

    /// The first executable file named `program` in `dirs`; empty entries are ignored.
    #[must_use]
    pub fn find_in(dirs: impl IntoIterator<Item = PathBuf>, program: &str) -> Option<PathBuf> {
        dirs.into_iter()
            .filter(|d| !d.as_os_str().is_empty())
            .map(|d| d.join(program))
            .find(|p| is_executable(p))
    }

    #[cfg(unix)]
    fn is_executable(p: &Path) -> bool {
        use std::os::unix::fs::PermissionsExt;
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }

    #[cfg(not(unix))]
    fn is_executable(p: &Path) -> bool {
        p.is_file()
    }

    /// Whether [`REQUIRE_TOOLS_ENV`] is set to `1` in this process's environment.
    #[must_use]
    pub fn tools_required() -> bool {
        env::var_os(REQUIRE_TOOLS_ENV).is_some_and(|v| v == OsStr::new("1"))
    }

    /// What a test should do about one outside tool.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum Availability {
        /// Run it from here.
        Found(PathBuf),
        /// Print this line to stderr and return.
        Skip(String),
        /// Fail with this message.
        Fail(String),
    }

    /// Applies the missing-tool rule to a lookup result, without side effects.
    #[must_use]
    pub fn decide(
        program: &str,
        install_hint: &str,
        found: Option<PathBuf>,
        required: bool,
    ) -> Availability {
        match found {
            Some(path) => Availability::Found(path),
            None if required => Availability::Fail(format!(
                "{program} not installed ({install_hint}), and {REQUIRE_TOOLS_ENV}=1 forbids \
                 skipping the tests that need it"
            )),
            None => {
                Availability::Skip(format!("SKIPPED: {program} not installed ({install_hint})"))
            }
        }
    }

    /// The path of `program`, or `None` after printing the skip line when it is missing.
    ///
    /// # Panics
    ///
    /// When `program` is missing and [`REQUIRE_TOOLS_ENV`] is `1`: that is how the test fails.
    #[must_use]
    pub fn require(program: &str, install_hint: &str) -> Option<PathBuf> {
        match decide(
            program,
            install_hint,
            find_on_path(program),
            tools_required(),
        ) {
            Availability::Found(path) => Some(path),
            Availability::Skip(line) => {
                // Straight to the stderr handle: `eprintln!` would be swallowed by the test
                // harness's output capture, and a skip must be visible in a plain `cargo test`.
                let _ = writeln!(io::stderr(), "{line}");
                None
            }
            Availability::Fail(message) => panic!("{message}"),
        }
    }

    /// Runs `cmd` to completion and returns its stdout; a failure to start or a non-zero exit
    /// becomes an error that quotes the command and its stderr.
    pub fn stdout_of(cmd: &mut Command) -> Result<Vec<u8>, String> {
        let out = cmd
            .output()
            .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            Err(format!(
                "{cmd:?} exited with {}; stderr:\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// Runs `cmd` with stdin closed and its output captured, killing it if it is still running
    /// after `limit`: an outside tool that hangs fails its test instead of the whole suite.
    /// Any exit status is returned (judging it is the caller's business); failing to start, or
    /// hitting the limit, is an error that names the command.
    pub fn output_within(cmd: &mut Command, limit: Duration) -> Result<Output, String> {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
        // Drain both pipes on their own threads, so a chatty child never blocks on a full pipe.
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let deadline = Instant::now() + limit;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!("{cmd:?} still running after {limit:?}: killed"));
                }
                Err(e) => return Err(format!("waiting for {cmd:?}: {e}")),
            }
        };
        Ok(Output {
            status,
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
        })
    }

    /// Reads `pipe` to its end on a new thread.
    fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<Vec<u8>> {
        thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    }

    /// A fresh directory under [`env::temp_dir`], removed on drop unless the thread is panicking
    /// (then it is kept, and its path printed, so a failed test's files can be looked at).
    #[derive(Debug)]
    pub struct ScratchDir {
        path: PathBuf,
    }

    impl ScratchDir {
        /// Creates `<tmp>/<prefix>-<pid>-<nanos>-<n>`; never reuses an existing directory.
        pub fn new(prefix: &str) -> io::Result<Self> {
            static COUNTER: AtomicU32 = AtomicU32::new(0);
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = env::temp_dir().join(format!("{prefix}-{}-{nanos}-{n}", std::process::id()));
            fs::create_dir(&path)?;
            Ok(Self { path })
        }

        /// The directory.
        #[must_use]
        pub fn path(&self) -> &Path {
            &self.path
        }

        /// A path inside the directory.
        #[must_use]
        pub fn join(&self, name: &str) -> PathBuf {
            self.path.join(name)
        }
    }

    impl Drop for ScratchDir {
        fn drop(&mut self) {
            if thread::panicking() {
                eprintln!("kept {} for inspection", self.path.display());
            } else {
                let _ = fs::remove_dir_all(&self.path);
            }
        }
    }
}

pub mod pcap {
    //! A minimal classic-pcap writer (link type Ethernet) for TCP segments.
    //!
    //! Each [`PcapWriter::push_tcp`] call becomes one frame: Ethernet II, IPv4 (20 bytes, DF, TTL 64)
    //! and TCP (20 bytes, PSH|ACK) with correct checksums and per-direction sequence numbers, so
    //! Wireshark's checksum and sequence analysis have nothing to complain about. No handshake is
    //! written; dissectors keyed on the port do not need one.

    use std::fmt;

    /// pcap link type for Ethernet.
    pub const LINKTYPE_ETHERNET: u32 = 1;
    /// Bytes before the TCP payload in every frame: Ethernet 14 + IPv4 20 + TCP 20.
    pub const FRAME_OVERHEAD: usize = 14 + 20 + 20;
    /// The largest payload one segment can carry (IPv4 total length is a `u16`).
    pub const MAX_SEGMENT_PAYLOAD: usize = u16::MAX as usize - 40;

    /// One side of a TCP connection.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Endpoint {
        /// IPv4 address.
        pub ip: [u8; 4],
        /// TCP port.
        pub port: u16,
    }

    impl Endpoint {
        /// A locally administered MAC derived from the address: `02:00:a:b:c:d`.
        #[must_use]
        pub const fn mac(&self) -> [u8; 6] {
            let [a, b, c, d] = self.ip;
            [0x02, 0x00, a, b, c, d]
        }
    }

    /// Which way a segment travels on a [`TcpFlow`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Direction {
        /// From the connecting side (the PTP/IP initiator) to the listening side.
        ToResponder,
        /// From the listening side (the PTP/IP responder, port 15740) back to the initiator.
        ToInitiator,
    }

    /// A TCP connection between an initiator and a responder, tracking each side's next sequence number.
    #[derive(Clone, Debug)]
    pub struct TcpFlow {
        initiator: Endpoint,
        responder: Endpoint,
        /// Next sequence number of the initiator, then of the responder.
        next_seq: [u32; 2],
    }

    impl TcpFlow {
        /// A connection with fixed initial sequence numbers (1000 and 5000 plus the port numbers, so
        /// two flows never share them).
        #[must_use]
        pub fn new(initiator: Endpoint, responder: Endpoint) -> Self {
            Self {
                initiator,
                responder,
                next_seq: [
                    1000 + u32::from(initiator.port),
                    5000 + u32::from(responder.port),
                ],
            }
        }

        /// The initiator's end.
        #[must_use]
        pub const fn initiator(&self) -> Endpoint {
            self.initiator
        }

        /// The responder's end.
        #[must_use]
        pub const fn responder(&self) -> Endpoint {
            self.responder
        }

        /// The sequence number the next segment in `dir` will carry.
        #[must_use]
        pub const fn next_seq(&self, dir: Direction) -> u32 {
            match dir {
                Direction::ToResponder => self.next_seq[0],
                Direction::ToInitiator => self.next_seq[1],
            }
        }
    }

    /// A payload too large for one IPv4 packet.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct SegmentTooLarge(pub usize);

    impl fmt::Display for SegmentTooLarge {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(
                f,
                "a {}-byte payload does not fit one TCP/IPv4 segment (at most {MAX_SEGMENT_PAYLOAD})",
                self.0
            )
        }
    }

    impl std::error::Error for SegmentTooLarge {}

    /// The RFC 1071 Internet checksum of `data` (an odd last byte is padded with zero).
    #[must_use]
    pub fn internet_checksum(data: &[u8]) -> u16 {
        let mut sum: u32 = data
            .chunks(2)
            .map(|c| u32::from(u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)])))
            .sum();
        while sum > 0xFFFF {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        !(sum as u16)
    }

    /// A pcap file being built in memory.
    #[derive(Clone, Debug)]
    pub struct PcapWriter {
        bytes: Vec<u8>,
        frames: u32,
    }

    impl Default for PcapWriter {
        fn default() -> Self {
            Self::new()
        }
    }

    impl PcapWriter {
        /// Bytes in the pcap global header.
        pub const GLOBAL_HEADER_LEN: usize = 24;
        /// Bytes in each record header.
        pub const RECORD_HEADER_LEN: usize = 16;

        /// An empty capture: the global header only.
        #[must_use]
        pub fn new() -> Self {
            let mut bytes = Vec::with_capacity(4096);
            bytes.extend_from_slice(&0xA1B2_C3D4_u32.to_le_bytes()); // magic, microsecond stamps
            bytes.extend_from_slice(&2_u16.to_le_bytes()); // version major
            bytes.extend_from_slice(&4_u16.to_le_bytes()); // version minor
            bytes.extend_from_slice(&0_i32.to_le_bytes()); // thiszone
            bytes.extend_from_slice(&0_u32.to_le_bytes()); // sigfigs
            bytes.extend_from_slice(&65_535_u32.to_le_bytes()); // snaplen
            bytes.extend_from_slice(&LINKTYPE_ETHERNET.to_le_bytes()); // network
            Self { bytes, frames: 0 }
        }

        /// Frames written so far.
        #[must_use]
        pub const fn frames(&self) -> u32 {
            self.frames
        }

        /// Appends one frame carrying `payload` as a single TCP segment in `dir` on `flow`, and
        /// advances the flow's sequence number. Frame `n` (from 0) is stamped `n` milliseconds.
        pub fn push_tcp(
            &mut self,
            flow: &mut TcpFlow,
            dir: Direction,
            payload: &[u8],
        ) -> Result<(), SegmentTooLarge> {
            if payload.len() > MAX_SEGMENT_PAYLOAD {
                return Err(SegmentTooLarge(payload.len()));
            }
            let (src, dst, side) = match dir {
                Direction::ToResponder => (flow.initiator, flow.responder, 0),
                Direction::ToInitiator => (flow.responder, flow.initiator, 1),
            };
            let seq = flow.next_seq[side];
            let ack = flow.next_seq[1 - side];
            // Fits: checked against MAX_SEGMENT_PAYLOAD above.
            let tcp_len = (20 + payload.len()) as u16;
            flow.next_seq[side] = seq.wrapping_add(u32::from(tcp_len) - 20);

            let mut tcp = Vec::with_capacity(usize::from(tcp_len));
            tcp.extend_from_slice(&src.port.to_be_bytes());
            tcp.extend_from_slice(&dst.port.to_be_bytes());
            tcp.extend_from_slice(&seq.to_be_bytes());
            tcp.extend_from_slice(&ack.to_be_bytes());
            tcp.push(5 << 4); // data offset: 5 words, no options
            tcp.push(0x18); // flags: PSH | ACK
            tcp.extend_from_slice(&u16::MAX.to_be_bytes()); // window
            tcp.extend_from_slice(&[0, 0]); // checksum, filled below
            tcp.extend_from_slice(&[0, 0]); // urgent pointer
            tcp.extend_from_slice(payload);
            let mut pseudo = Vec::with_capacity(12 + tcp.len());
            pseudo.extend_from_slice(&src.ip);
            pseudo.extend_from_slice(&dst.ip);
            pseudo.extend_from_slice(&[0, 6]); // zero, protocol TCP
            pseudo.extend_from_slice(&tcp_len.to_be_bytes());
            pseudo.extend_from_slice(&tcp);
            let tcp_sum = internet_checksum(&pseudo);
            tcp[16..18].copy_from_slice(&tcp_sum.to_be_bytes());

            let mut ip = Vec::with_capacity(20);
            ip.push(0x45); // version 4, header 5 words
            ip.push(0); // DSCP/ECN
            ip.extend_from_slice(&(20 + tcp_len).to_be_bytes()); // total length
            ip.extend_from_slice(&(self.frames as u16).to_be_bytes()); // identification
            ip.extend_from_slice(&0x4000_u16.to_be_bytes()); // flags: DF
            ip.push(64); // TTL
            ip.push(6); // protocol TCP
            ip.extend_from_slice(&[0, 0]); // checksum, filled below
            ip.extend_from_slice(&src.ip);
            ip.extend_from_slice(&dst.ip);
            let ip_sum = internet_checksum(&ip);
            ip[10..12].copy_from_slice(&ip_sum.to_be_bytes());

            let frame_len = (14 + ip.len() + tcp.len()) as u32;
            let millis = self.frames;
            self.bytes.extend_from_slice(&(millis / 1000).to_le_bytes()); // ts_sec
            self.bytes
                .extend_from_slice(&((millis % 1000) * 1000).to_le_bytes()); // ts_usec
            self.bytes.extend_from_slice(&frame_len.to_le_bytes()); // incl_len
            self.bytes.extend_from_slice(&frame_len.to_le_bytes()); // orig_len
            self.bytes.extend_from_slice(&dst.mac());
            self.bytes.extend_from_slice(&src.mac());
            self.bytes.extend_from_slice(&0x0800_u16.to_be_bytes()); // EtherType IPv4
            self.bytes.extend_from_slice(&ip);
            self.bytes.extend_from_slice(&tcp);
            self.frames += 1;
            Ok(())
        }

        /// The capture so far.
        #[must_use]
        pub fn as_bytes(&self) -> &[u8] {
            &self.bytes
        }

        /// The finished capture.
        #[must_use]
        pub fn into_bytes(self) -> Vec<u8> {
            self.bytes
        }
    }
}

#[cfg(test)]
mod tests {
    use super::pcap::{
        Direction, Endpoint, FRAME_OVERHEAD, MAX_SEGMENT_PAYLOAD, PcapWriter, SegmentTooLarge,
        TcpFlow, internet_checksum,
    };
    use super::tools::{Availability, ScratchDir, decide, find_in};
    use std::path::PathBuf;

    #[test]
    fn missing_tool_skips_with_the_plain_line_unless_required() {
        assert_eq!(
            decide("tshark", "apt-get install tshark", None, false),
            Availability::Skip("SKIPPED: tshark not installed (apt-get install tshark)".into())
        );
        let Availability::Fail(msg) = decide("tshark", "apt-get install tshark", None, true) else {
            panic!("a required tool that is missing must fail");
        };
        for needle in ["tshark", "apt-get install tshark", "PTPIP_REQUIRE_TOOLS=1"] {
            assert!(msg.contains(needle), "{msg:?} lacks {needle:?}");
        }
        let path = PathBuf::from("/usr/bin/tshark");
        for required in [false, true] {
            assert_eq!(
                decide("tshark", "hint", Some(path.clone()), required),
                Availability::Found(path.clone())
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn find_in_takes_the_first_executable_file() {
        use std::fs;
        use std::os::unix::fs::PermissionsExt;
        let scratch = ScratchDir::new("ptpip-tools-test").unwrap();
        let (a, b) = (scratch.join("a"), scratch.join("b"));
        fs::create_dir(&a).unwrap();
        fs::create_dir(&b).unwrap();
        let make = |path: PathBuf, mode: u32| {
            fs::write(&path, b"#!/bin/sh\n").unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        };
        make(a.join("plain"), 0o644); // not executable
        make(b.join("plain"), 0o755);
        make(a.join("both"), 0o755);
        make(b.join("both"), 0o755);
        fs::create_dir(a.join("dir")).unwrap(); // a directory is not a program
        let dirs = || vec![PathBuf::new(), a.clone(), b.clone()];
        assert_eq!(find_in(dirs(), "plain"), Some(b.join("plain")));
        assert_eq!(find_in(dirs(), "both"), Some(a.join("both")));
        assert_eq!(find_in(dirs(), "dir"), None);
        assert_eq!(find_in(dirs(), "absent"), None);
    }

    #[cfg(unix)]
    #[test]
    fn output_within_returns_the_output_or_kills_at_the_limit() {
        use super::tools::output_within;
        use std::process::Command;
        use std::time::{Duration, Instant};
        let limit = Duration::from_secs(20);
        let out = output_within(
            Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]),
            limit,
        )
        .unwrap();
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");

        let start = Instant::now();
        let err =
            output_within(Command::new("sleep").arg("30"), Duration::from_millis(200)).unwrap_err();
        assert!(err.contains("still running after 200ms"), "{err}");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );

        let err =
            output_within(&mut Command::new("/nonexistent/ptpip-no-such-tool"), limit).unwrap_err();
        assert!(err.starts_with("cannot run"), "{err}");
    }

    #[test]
    fn scratch_dirs_are_fresh_and_removed_on_drop() {
        let one = ScratchDir::new("ptpip-scratch-test").unwrap();
        let two = ScratchDir::new("ptpip-scratch-test").unwrap();
        assert_ne!(one.path(), two.path());
        assert!(one.path().starts_with(std::env::temp_dir()));
        std::fs::write(one.join("f"), b"x").unwrap();
        let kept = one.path().to_owned();
        drop(one);
        assert!(!kept.exists());
        assert!(two.path().is_dir());
    }

    #[test]
    fn internet_checksum_matches_rfc1071() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (with carries), complement 220d.
        assert_eq!(
            internet_checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            0x220d
        );
        // An odd byte is the high half of a zero-padded word: 0x0100, complement 0xfeff.
        assert_eq!(internet_checksum(&[0x01]), 0xfeff);
        assert_eq!(internet_checksum(&[]), 0xffff);
    }

    #[test]
    fn global_header_is_classic_pcap_ethernet() {
        let w = PcapWriter::new();
        #[rustfmt::skip]
        let golden: [u8; 24] = [
            0xd4, 0xc3, 0xb2, 0xa1, // magic 0xa1b2c3d4, little-endian, microseconds
            2, 0, 4, 0,             // version 2.4
            0, 0, 0, 0,             // thiszone
            0, 0, 0, 0,             // sigfigs
            0xff, 0xff, 0, 0,       // snaplen 65535
            1, 0, 0, 0,             // linktype 1 = Ethernet
        ];
        assert_eq!(w.as_bytes(), golden);
        assert_eq!(w.frames(), 0);
    }

    /// The frames of a capture written by `PcapWriter`, record headers stripped.
    fn frames(capture: &[u8]) -> Vec<&[u8]> {
        let mut rest = &capture[PcapWriter::GLOBAL_HEADER_LEN..];
        let mut out = Vec::new();
        while !rest.is_empty() {
            let incl = u32::from_le_bytes(rest[8..12].try_into().unwrap()) as usize;
            let orig = u32::from_le_bytes(rest[12..16].try_into().unwrap()) as usize;
            assert_eq!(incl, orig);
            out.push(&rest[16..16 + incl]);
            rest = &rest[16 + incl..];
        }
        out
    }

    #[test]
    fn segments_carry_ports_sequence_numbers_and_valid_checksums() {
        let initiator = Endpoint {
            ip: [10, 0, 0, 1],
            port: 50001,
        };
        let responder = Endpoint {
            ip: [10, 0, 0, 2],
            port: 15740,
        };
        let mut flow = TcpFlow::new(initiator, responder);
        let isn_i = flow.next_seq(Direction::ToResponder);
        let isn_r = flow.next_seq(Direction::ToInitiator);
        assert_ne!(isn_i, isn_r);
        let mut w = PcapWriter::new();
        w.push_tcp(&mut flow, Direction::ToResponder, b"abc")
            .unwrap();
        w.push_tcp(&mut flow, Direction::ToResponder, b"defgh")
            .unwrap();
        w.push_tcp(&mut flow, Direction::ToInitiator, b"odd")
            .unwrap();
        assert_eq!(w.frames(), 3);
        let capture = w.into_bytes();
        let f = frames(&capture);
        assert_eq!(f.len(), 3);

        let be16 = |b: &[u8], at: usize| u16::from_be_bytes([b[at], b[at + 1]]);
        let be32 = |b: &[u8], at: usize| u32::from_be_bytes(b[at..at + 4].try_into().unwrap());
        // (frame, payload, src, dst, seq, ack)
        let expect = [
            (f[0], &b"abc"[..], initiator, responder, isn_i, isn_r),
            (f[1], &b"defgh"[..], initiator, responder, isn_i + 3, isn_r),
            (f[2], &b"odd"[..], responder, initiator, isn_r, isn_i + 8),
        ];
        for (i, (frame, payload, src, dst, seq, ack)) in expect.into_iter().enumerate() {
            assert_eq!(frame.len(), FRAME_OVERHEAD + payload.len());
            assert_eq!(frame[0..6], dst.mac()); // Ethernet destination
            assert_eq!(frame[6..12], src.mac()); // Ethernet source
            assert_eq!(be16(frame, 12), 0x0800); // EtherType IPv4
            let ip = &frame[14..34];
            assert_eq!(ip[0], 0x45); // IPv4, 20-byte header
            assert_eq!(usize::from(be16(ip, 2)), 40 + payload.len()); // total length
            assert_eq!(be16(ip, 4), i as u16); // identification counts frames
            assert_eq!(ip[9], 6); // protocol TCP
            assert_eq!(ip[12..16], src.ip);
            assert_eq!(ip[16..20], dst.ip);
            assert_eq!(
                internet_checksum(ip),
                0,
                "IPv4 header checksum of frame {i}"
            );
            let tcp = &frame[34..];
            assert_eq!(be16(tcp, 0), src.port);
            assert_eq!(be16(tcp, 2), dst.port);
            assert_eq!(be32(tcp, 4), seq);
            assert_eq!(be32(tcp, 8), ack);
            assert_eq!(tcp[12], 0x50); // data offset 5 words
            assert_eq!(tcp[13], 0x18); // PSH | ACK
            assert_eq!(&tcp[20..], payload);
            let mut pseudo = Vec::new();
            pseudo.extend_from_slice(&src.ip);
            pseudo.extend_from_slice(&dst.ip);
            pseudo.extend_from_slice(&[0, 6]);
            pseudo.extend_from_slice(&(tcp.len() as u16).to_be_bytes());
            pseudo.extend_from_slice(tcp);
            assert_eq!(internet_checksum(&pseudo), 0, "TCP checksum of frame {i}");
        }
        assert_eq!(flow.next_seq(Direction::ToResponder), isn_i + 8);
        assert_eq!(flow.next_seq(Direction::ToInitiator), isn_r + 3);
    }

    #[test]
    fn oversized_segment_is_refused_and_changes_nothing() {
        let e = |port| Endpoint {
            ip: [10, 0, 0, 1],
            port,
        };
        let mut flow = TcpFlow::new(e(1), e(2));
        let mut w = PcapWriter::new();
        let big = vec![0; MAX_SEGMENT_PAYLOAD + 1];
        assert_eq!(
            w.push_tcp(&mut flow, Direction::ToResponder, &big),
            Err(SegmentTooLarge(MAX_SEGMENT_PAYLOAD + 1))
        );
        assert_eq!(w.frames(), 0);
        assert_eq!(w.as_bytes().len(), PcapWriter::GLOBAL_HEADER_LEN);
        let fits = vec![0; MAX_SEGMENT_PAYLOAD];
        assert!(w.push_tcp(&mut flow, Direction::ToResponder, &fits).is_ok());
        assert_eq!(
            w.as_bytes().len(),
            PcapWriter::GLOBAL_HEADER_LEN + PcapWriter::RECORD_HEADER_LEN + 65_535 + 14
        );
    }
}
