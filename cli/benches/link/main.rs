//! ptpip and gphoto2 through the camera-link emulator, against the same camera in the same run.
//!
//! Run: `cargo bench -p ptpip --bench link` (about 15 minutes with the defaults), or a part of it:
//!
//! ```text
//! cargo bench -p ptpip --bench link -- [sync] [ls] [resume] [--profile 10ms/25MB/s]...
//!     [--think 5ms[,20ms…]] [--seconds 60] [--objects 2000] [--rounds 1] [--no-gphoto2]
//! ```
//!
//! The camera is the built-in `VirtualCamera` on the std server in this process, its objects
//! generated as they are sent; the link is `tests/src/link.rs` (compiled in from there, so that
//! no crate depends on `ptpip-tests`), one instance per run, both directions the same profile
//! (RTT/2 each way, the bandwidth, a 64 KiB bottleneck buffer). The clients are this build's
//! `ptpip` binary and gphoto2 from `PATH`, each a fresh process in a scratch directory (under
//! `PTPIP_BENCH_DIR`, default the system's temporary directory) with its own HOME.
//!
//! - `sync`: a whole card downloaded (`ptpip download all`, `gphoto2 --get-all-files`): JPEGs of
//!   5–15 MB with a RAW file of 25–50 MB beside every tenth, as many as the link carries in about
//!   `--seconds` (so the slow link gets a small card).
//! - `ls`: a card of `--objects` objects listed (`ptpip ls`, `gphoto2 --list-files`), by ptpip
//!   with and without GetObjectPropList on the camera.
//! - `resume`: one 48 MB file, the link dropping once halfway: ptpip reconnects by itself and
//!   continues its `.part` file; gphoto2 fails and is run again, and starts over.
//!
//! Each row gives the time, the link's floor (what no client can beat: every byte at the link's
//! rate, plus the round trips the protocol cannot avoid, each costing the RTT and the camera's
//! think time; each table says which it counts) as `floor/time`, the operations the camera
//! answered, and ptpip's time against gphoto2's in the same run. Figures are medians of
//! `--rounds` runs.

mod card;
mod client;
#[path = "../../../tests/src/link.rs"]
#[allow(dead_code, unreachable_pub, missing_docs, unused_imports)]
mod link;

use std::net::TcpListener;
use std::time::Duration;

use card::{Camera, Card};
use client::{Client, Run, Scratch};
use link::Profile;

/// A link: round-trip time and bandwidth (bytes per second).
#[derive(Clone, Copy)]
struct Link {
    rtt: Duration,
    bandwidth: u64,
}

impl Link {
    fn profile(self) -> Profile {
        Profile::new(self.rtt / 2, self.bandwidth)
    }

    fn label(self) -> String {
        format!(
            "{} ms / {} MB/s",
            self.rtt.as_millis(),
            self.bandwidth / 1_000_000
        )
    }

    /// `bytes` at the link's rate.
    fn transmit(self, bytes: u64) -> Duration {
        self.profile().transmit_time(bytes)
    }
}

/// Parses `10ms/25MB/s`.
fn parse_link(text: &str) -> Option<Link> {
    let (rtt, bw) = text.split_once('/')?;
    Some(Link {
        rtt: link::parse_duration(rtt)?,
        bandwidth: link::parse_size(bw)?,
    })
}

struct Options {
    parts: Vec<String>,
    links: Vec<Link>,
    thinks: Vec<Duration>,
    seconds: f64,
    objects: usize,
    rounds: usize,
    gphoto2: bool,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        parts: Vec::new(),
        links: Vec::new(),
        thinks: Vec::new(),
        seconds: 60.0,
        objects: 2000,
        rounds: 1,
        gphoto2: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "sync" | "ls" | "resume" => o.parts.push(a.clone()),
            "--profile" => {
                let v = value()?;
                o.links
                    .push(parse_link(&v).ok_or(format!("--profile {v}: e.g. 10ms/25MB/s"))?);
            }
            "--think" => {
                for t in value()?.split(',') {
                    o.thinks
                        .push(link::parse_duration(t).ok_or(format!("--think {t}: e.g. 5ms"))?);
                }
            }
            "--seconds" => o.seconds = value()?.parse().map_err(|_| "--seconds: a number")?,
            "--objects" => o.objects = value()?.parse().map_err(|_| "--objects: a number")?,
            "--rounds" => o.rounds = value()?.parse().map_err(|_| "--rounds: a number")?,
            "--no-gphoto2" => o.gphoto2 = false,
            // What cargo bench passes.
            "--bench" => {}
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if o.parts.is_empty() {
        o.parts = vec!["sync".into(), "ls".into(), "resume".into()];
    }
    if o.links.is_empty() {
        o.links = ["4ms/50MB/s", "10ms/25MB/s", "30ms/5MB/s"]
            .iter()
            .filter_map(|l| parse_link(l))
            .collect();
    }
    if o.thinks.is_empty() {
        o.thinks = vec![Duration::from_millis(5)];
    }
    o.rounds = o.rounds.max(1);
    Ok(o)
}

/// The median of `runs` by time (the run itself, so that its counts come along).
fn median(mut runs: Vec<(Run, u64)>) -> (Run, u64) {
    runs.sort_by_key(|(r, _)| r.time);
    let mid = runs.len() / 2;
    runs.swap_remove(mid)
}

/// One client's runs on a fresh link in front of `camera`, `rounds` times: the median run and
/// the camera's operations in it. `drop_after`: the link drops once in each round.
#[allow(clippy::too_many_arguments)]
fn measure(
    o: &Options,
    scratch: &Scratch,
    camera: &Camera,
    link: Link,
    client: Client,
    words: &[&str],
    drop_after: Option<u64>,
    retry_after_failure: bool,
) -> (Run, u64) {
    let runs = (0..o.rounds)
        .map(|_| {
            let listener = TcpListener::bind("127.0.0.1:0").expect("a listener");
            let (up, down) = (link.profile(), link.profile());
            let upstream = camera.server.local_addr();
            let emu = match drop_after {
                Some(n) => link::spawn_dropping(listener, upstream, up, down, n),
                None => link::spawn(listener, upstream, up, down),
            }
            .expect("an emulator");
            let dir = scratch.fresh(client.name());
            let _ = camera.take_ops();
            let mut run = client::run(client, scratch, emu.addr().port(), &dir, words);
            if !run.ok && retry_after_failure {
                // What a user of a tool without resume does: run it again.
                let again = client::run(client, scratch, emu.addr().port(), &dir, words);
                run = Run {
                    time: run.time + again.time,
                    ..again
                };
            }
            // The files are counted; their room is needed for the next run.
            let _ = std::fs::remove_dir_all(&dir);
            (run, camera.take_ops())
        })
        .collect();
    median(runs)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// One table row.
fn row(cells: &[String]) {
    println!("| {} |", cells.join(" | "));
}

fn header(cells: &[&str]) {
    println!("| {} |", cells.join(" | "));
    println!("|{}", "---|".repeat(cells.len()));
}

fn status(run: &Run, card: &Card) -> &'static str {
    if run.ok && run.files == card.files && run.bytes == card.bytes {
        "ok"
    } else if run.ok {
        "INCOMPLETE"
    } else {
        "FAILED"
    }
}

/// `sync`: whole-card downloads.
fn sync(o: &Options, scratch: &Scratch) {
    println!(
        "\n## Whole-card sync\n\nFloor: the card's bytes at the link's rate, plus per round trip \
         (RTT + think) the session set-up (Init_Command, Init_Event, OpenSession), one \
         GetObjectHandles, one GetObjectInfo per object and one GetObject per file.\n"
    );
    header(&[
        "link",
        "think",
        "card",
        "client",
        "time",
        "floor",
        "floor/time",
        "ops",
        "result",
        "gphoto2/ptpip",
    ]);
    for &link in &o.links {
        // A card the link carries in about `seconds`; a JPEG and a tenth of a RAW average 13.75 MB.
        let budget = o.seconds * link.bandwidth as f64;
        let jpegs = ((budget / 13.75e6).round() as usize).max(10);
        let card = card::real_card(jpegs, jpegs.div_ceil(10));
        for &think in &o.thinks {
            let camera = Camera::start(&card, think, false);
            let rt = link.rtt + think;
            let trips = 3 + 1 + card.objects as u32 + card.files as u32;
            let floor = link.transmit(card.bytes) + rt * trips;
            for (client, run, ops, ratio) in whole_card(o, scratch, &camera, link, None) {
                row(&[
                    link.label(),
                    format!("{} ms", think.as_millis()),
                    format!("{} ({:.2} GB)", card.label, card.bytes as f64 / 1e9),
                    client.name().into(),
                    secs(run.time),
                    secs(floor),
                    format!("{:.3}", floor.as_secs_f64() / run.time.as_secs_f64()),
                    ops.to_string(),
                    status(&run, &card).into(),
                    ratio,
                ]);
            }
        }
    }
}

/// The whole card downloaded by ptpip (`download all .`) and, unless `--no-gphoto2`, by gphoto2
/// (`--get-all-files`, run again after a failure when the link drops after `drop_after` bytes,
/// as a user would), through `link`: each client's run and operation count, and for ptpip
/// gphoto2's time over its own.
fn whole_card(
    o: &Options,
    scratch: &Scratch,
    camera: &Camera,
    link: Link,
    drop_after: Option<u64>,
) -> Vec<(Client, Run, u64, String)> {
    let words: &[&str] = &["download", "all", "."];
    let (ptpip, ptpip_ops) = measure(
        o,
        scratch,
        camera,
        link,
        Client::Ptpip,
        words,
        drop_after,
        false,
    );
    let gphoto2 = o.gphoto2.then(|| {
        let w: &[&str] = &["--get-all-files"];
        let restart = drop_after.is_some();
        measure(
            o,
            scratch,
            camera,
            link,
            Client::Gphoto2,
            w,
            drop_after,
            restart,
        )
    });
    let ratio = gphoto2.as_ref().map_or_else(String::new, |(g, _)| {
        format!("{:.2}", g.time.as_secs_f64() / ptpip.time.as_secs_f64())
    });
    let mut out = vec![(Client::Ptpip, ptpip, ptpip_ops, ratio)];
    out.extend(gphoto2.map(|(run, ops)| (Client::Gphoto2, run, ops, String::new())));
    out
}

/// `n` 32-byte round trips through a fresh link to an echo server: what the emulator itself
/// gives a request/response loop on this machine now (its threads' wake-ups included).
fn ping_pong(link: Link, n: u32) -> Duration {
    use std::io::{Read, Write};
    let echo = TcpListener::bind("127.0.0.1:0").expect("a listener");
    let upstream = echo.local_addr().expect("an address");
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = echo.accept() {
            let _ = s.set_nodelay(true);
            let mut msg = [0u8; 32];
            while s.read_exact(&mut msg).is_ok() && s.write_all(&msg).is_ok() {}
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").expect("a listener");
    let emu = link::spawn(listener, upstream, link.profile(), link.profile()).expect("a link");
    let mut s = std::net::TcpStream::connect(emu.addr()).expect("a connection");
    s.set_nodelay(true).expect("nodelay");
    let mut msg = [7u8; 32];
    let t = std::time::Instant::now();
    for _ in 0..n {
        s.write_all(&msg).expect("a write");
        s.read_exact(&mut msg).expect("a read");
    }
    t.elapsed()
}

/// `ls`: listing a card of many objects.
fn ls(o: &Options, scratch: &Scratch) {
    println!(
        "\n## Listing {} objects\n\n`N×rt`: one round trip (RTT + think) per object, what \
         GetObjectInfo costs; `ops` the operations the camera answered (with GetObjectPropList: \
         DeviceInfo, GetObjectPropList, GetStorageIDs, GetStorageInfo).\n",
        o.objects
    );
    header(&[
        "link",
        "think",
        "client",
        "camera",
        "time",
        "N×rt",
        "time/(N×rt)",
        "ops",
        "result",
    ]);
    let card = card::many_objects(o.objects);
    for &link in &o.links {
        // The same number of bare round trips through the same kind of link, for comparison.
        let n = u32::try_from(card.objects).unwrap_or(u32::MAX);
        let bare = ping_pong(link, n);
        let bound = link.rtt * n;
        row(&[
            link.label(),
            "-".into(),
            "32-byte TCP ping-pong".into(),
            "echo".into(),
            secs(bare),
            secs(bound),
            format!("{:.3}", bare.as_secs_f64() / bound.as_secs_f64()),
            n.to_string(),
            "ok".into(),
        ]);
        for &think in &o.thinks {
            let bound = (link.rtt + think) * card.objects as u32;
            let plain = Camera::start(&card, think, false);
            let listing = Camera::start(&card, think, true);
            let mut runs = vec![
                ("GetObjectPropList", Client::Ptpip, &listing),
                ("plain PTP", Client::Ptpip, &plain),
            ];
            if o.gphoto2 {
                runs.push(("plain PTP", Client::Gphoto2, &plain));
            }
            for (kind, client, camera) in runs {
                let words: &[&str] = match client {
                    Client::Ptpip => &["ls"],
                    Client::Gphoto2 => &["--list-files"],
                };
                let (run, ops) = measure(o, scratch, camera, link, client, words, None, false);
                row(&[
                    link.label(),
                    format!("{} ms", think.as_millis()),
                    client.name().into(),
                    kind.into(),
                    secs(run.time),
                    secs(bound),
                    format!("{:.3}", run.time.as_secs_f64() / bound.as_secs_f64()),
                    ops.to_string(),
                    if run.ok { "ok" } else { "FAILED" }.into(),
                ]);
            }
        }
    }
}

/// `resume`: the link drops halfway through a file.
fn resume(o: &Options, scratch: &Scratch) {
    const SIZE: u64 = 48_000_000;
    println!(
        "\n## Resume after the link drops\n\nOne {} MB file; the link drops once after {} MB \
         from the camera. ptpip reconnects (after a 0.1 s pause) and continues its `.part` file \
         with GetPartialObject; gphoto2 fails and is run again, and downloads the file from the \
         start. Floor: the file's bytes once at the link's rate, plus two sessions' set-up, \
         GetObjectHandles, GetObjectInfo and GetObject (round trips of RTT + think).\n",
        SIZE / 1_000_000,
        SIZE / 2_000_000
    );
    header(&[
        "link",
        "think",
        "client",
        "time",
        "floor",
        "floor/time",
        "ops",
        "result",
        "gphoto2/ptpip",
    ]);
    let card = card::one_file(SIZE);
    for &link in &o.links {
        for &think in &o.thinks {
            let camera = Camera::start(&card, think, false);
            let floor = link.transmit(SIZE) + (link.rtt + think) * (2 * 6);
            let half = Some(SIZE / 2);
            for (client, run, ops, ratio) in whole_card(o, scratch, &camera, link, half) {
                row(&[
                    link.label(),
                    format!("{} ms", think.as_millis()),
                    client.name().into(),
                    secs(run.time),
                    secs(floor),
                    format!("{:.3}", floor.as_secs_f64() / run.time.as_secs_f64()),
                    ops.to_string(),
                    status(&run, &card).into(),
                    ratio,
                ]);
            }
        }
    }
}

fn main() {
    let mut o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("link bench: {e}");
            std::process::exit(2);
        }
    };
    let gphoto2 = client::gphoto2();
    if gphoto2.is_none() && o.gphoto2 {
        eprintln!("link bench: gphoto2 is not installed: ptpip only");
        o.gphoto2 = false;
    }
    println!("# Through the camera-link emulator\n");
    println!(
        "Machine: {} cores, kernel {}; {}; rounds per figure: {} (median).",
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map_or_else(|_| "?".into(), |s| s.trim().to_owned()),
        gphoto2
            .as_deref()
            .map_or_else(|| "no gphoto2".to_owned(), client::gphoto2_version),
        o.rounds
    );
    let scratch = Scratch::new("bench");
    for part in o.parts.clone() {
        match part.as_str() {
            "sync" => sync(&o, &scratch),
            "ls" => ls(&o, &scratch),
            _ => resume(&o, &scratch),
        }
    }
}
