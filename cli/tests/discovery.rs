//! Discovery end to end, with `ptpip camera` announcing itself and `ptpip discover` / `-h auto`
//! finding it. Every datagram and connection goes to 127.0.0.1 (or ::1): the multicast groups and
//! broadcast targets are flags, pointed at the camera's loopback ports, and the NOTIFY /
//! announcement targets are off or ours.

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use procs::{DEADLINE, Proc, garbage_to};
use ptpip_discovery::{mdns, ssdp};
use support::{bin, run};

#[path = "support/procs.rs"]
mod procs;
mod support;

/// A camera announcing on loopback, and the discovery flags that reach it.
struct Announced {
    cam: Proc,
    ssdp: u16,
    mdns: u16,
    tether: Option<u16>,
    command: u16,
}

fn announced(vendor: &str, address: &str) -> Announced {
    let any_port = if address.contains(':') {
        format!("[{address}]:0")
    } else {
        format!("{address}:0")
    };
    let (ssdp, mdns, tether) = (any_port.clone(), any_port.clone(), any_port);
    let mut cam = Proc::start(&[
        "-vv",
        "camera",
        "--vendor",
        vendor,
        "--address",
        address,
        "--port",
        "0",
        "--camera-name",
        &format!("test {vendor}"),
        "--announce",
        "--ssdp-listen",
        &ssdp,
        "--ssdp-notify",
        "off",
        "--mdns-listen",
        &mdns,
        "--mdns-announce",
        "off",
        "--fuji-tether-listen",
        &tether,
    ]);
    let banner = cam.line("ptpip camera: serving");
    let command = support::ports_in(
        &banner
            .replace(&format!("[{address}]"), "127.0.0.1")
            .replace(address, "127.0.0.1"),
    )[0];
    let ssdp = cam.port("SSDP on ");
    let mdns = cam.port("mDNS on ");
    let tether = (vendor == "fuji").then(|| cam.port("broadcasts taken on "));
    Announced {
        cam,
        ssdp,
        mdns,
        tether,
        command,
    }
}

/// `ptpip discover` with only the given searches on, all at `host`.
fn discover(
    host: &str,
    ssdp: Option<u16>,
    mdns: Option<u16>,
    tether: Option<u16>,
    extra: &[&str],
) -> support::Out {
    let at = |p: Option<u16>| {
        p.map_or_else(
            || "off".to_owned(),
            |p| SocketAddr::new(host.parse().unwrap(), p).to_string(),
        )
    };
    let (s, m, f) = (at(ssdp), at(mdns), at(tether));
    let listen = SocketAddr::new(host.parse().unwrap(), 0).to_string();
    let mut args = vec![
        "discover",
        "--timeout",
        "1.5",
        "--ssdp",
        &s,
        "--mdns",
        &m,
        "--fuji-broadcast",
        &f,
        "--fuji-listen",
        &listen,
        "--gateway",
        "off",
    ];
    args.extend(extra);
    run(&args)
}

/// Runs `ptpip` with discovery limited to SSDP at each of `ssdp` and mDNS at `mdns` (or off;
/// no Fujifilm broadcast, no gateway), `--discover-timeout timeout`, then `rest`.
fn run_found(ssdp: &[&str], mdns: Option<&str>, timeout: &str, rest: &[&str]) -> support::Out {
    let mut args = Vec::new();
    for s in ssdp {
        args.extend(["--ssdp", s]);
    }
    args.extend(["--mdns", mdns.unwrap_or("off")]);
    args.extend(["--fuji-broadcast", "off", "--gateway", "off"]);
    args.extend(["--discover-timeout", timeout]);
    args.extend(rest);
    run(&args)
}

/// Runs the `ptpip …` command line discovery printed (with `info` replaced by `args`).
fn run_printed(line: &str, args: &[&str]) -> support::Out {
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words[0], "ptpip", "{line}");
    assert_eq!(*words.last().unwrap(), "info", "{line}");
    let mut all: Vec<&str> = words[1..words.len() - 1].to_vec();
    all.extend(["--connect-timeout", "10"]);
    all.extend(args);
    run(&all)
}

#[test]
fn discover_finds_an_announcing_camera_of_each_dialect_by_ssdp_and_by_mdns() {
    for vendor in ["generic", "fuji"] {
        let a = announced(vendor, "127.0.0.1");
        // Bad datagrams first: ignored (logged at debug), and the camera still answers.
        garbage_to(a.ssdp);
        garbage_to(a.mdns);
        for (how, ssdp, mdns) in [("ssdp", Some(a.ssdp), None), ("mdns", None, Some(a.mdns))] {
            let r = discover("127.0.0.1", ssdp, mdns, None, &[]);
            assert_eq!(r.code, 0, "{vendor} {how}: {r:?}");
            let lines: Vec<&str> = r.stdout.lines().collect();
            assert_eq!(lines.len(), 2, "{vendor} {how}: {r:?}");
            assert!(
                lines[0].starts_with(&format!("test {vendor}")),
                "{}",
                lines[0]
            );
            assert!(
                lines[0].ends_with(&format!("found by {how}")),
                "{}",
                lines[0]
            );
            assert!(
                lines[0].contains(&format!("at 127.0.0.1 ({vendor}, ")),
                "{}",
                lines[0]
            );
            let command = lines[1].trim();
            assert!(command.starts_with("ptpip -h 127.0.0.1 "), "{command}");
            assert!(command.contains(&a.command.to_string()), "{command}");
            assert_eq!(command.contains("-t fuji"), vendor == "fuji", "{command}");
            // The printed command connects.
            let info = run_printed(command, &["info"]);
            assert_eq!(info.code, 0, "{command}: {info:?}");
            let expected = if vendor == "fuji" {
                "FilmSimulation"
            } else {
                "ptpip virtual camera"
            };
            assert!(info.stdout.contains(expected), "{command}: {info:?}");
        }
        // Both at once, in JSON: one camera found both ways.
        let r = discover("127.0.0.1", Some(a.ssdp), Some(a.mdns), None, &["--json"]);
        assert_eq!(r.code, 0, "{r:?}");
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let list = v.as_array().unwrap();
        assert_eq!(list.len(), 1, "{v}");
        let c = &list[0];
        assert_eq!(c["dialect"], vendor);
        assert_eq!(c["host"], "127.0.0.1");
        assert_eq!(c["command_port"], a.command);
        assert_eq!(c["found_by"], serde_json::json!(["ssdp", "mdns"]));
        assert_eq!(c["name"], format!("test {vendor}"));
        let command = c["command"].as_str().unwrap();
        assert_eq!(run_printed(command, &["info"]).code, 0, "{command}");
        let err = a.cam.stop();
        assert!(
            err.contains("ignored"),
            "no debug line for the bad datagrams: {err}"
        );
    }
}

#[test]
fn h_auto_connects_to_the_one_camera_found() {
    for vendor in ["generic", "fuji"] {
        let a = announced(vendor, "127.0.0.1");
        let (s, m) = (
            format!("127.0.0.1:{}", a.ssdp),
            format!("127.0.0.1:{}", a.mdns),
        );
        let r = run_found(
            &[&s],
            Some(&m),
            "1.5",
            &["-h", "auto", "--connect-timeout", "10", "info"],
        );
        assert_eq!(r.code, 0, "{vendor}: {r:?}");
        assert!(r.stderr.contains(&format!("Using test {vendor}")), "{r:?}");
        // By name too.
        let name = format!("test {vendor}");
        let r = run_found(
            &[&s],
            None,
            "1.5",
            &["-h", &name, "--connect-timeout", "10", "info"],
        );
        assert_eq!(r.code, 0, "{vendor}: {r:?}");
        drop(a);
    }
    // Nothing there: exit 105 and a message, after the timeout.
    let nobody = UdpSocket::bind("127.0.0.1:0").unwrap();
    let s = nobody.local_addr().unwrap().to_string();
    let r = run_found(&[&s], None, "0.3", &["-h", "auto", "info"]);
    assert_eq!(r.code, 105, "{r:?}");
    assert!(r.stderr.contains("No camera found"), "{r:?}");
}

#[test]
fn several_cameras_are_listed_and_none_is_picked_without_a_terminal() {
    let (a, b) = (
        announced("generic", "127.0.0.1"),
        announced("fuji", "127.0.0.1"),
    );
    let (s1, s2) = (
        format!("127.0.0.1:{}", a.ssdp),
        format!("127.0.0.1:{}", b.ssdp),
    );
    let r = run_found(&[&s1, &s2], None, "1.5", &["-h", "auto", "info"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("Found 2 cameras"), "{r:?}");
    assert!(r.stderr.contains("give one with -h"), "{r:?}");
}

#[test]
fn the_fujifilm_camera_answers_the_tether_broadcast() {
    let a = announced("fuji", "127.0.0.1");
    garbage_to(a.tether.unwrap());
    let r = discover("127.0.0.1", None, None, a.tether, &[]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("found by fuji-tether"), "{r:?}");
    let command = r.stdout.lines().nth(1).unwrap().trim().to_owned();
    assert!(command.contains("-t fuji"), "{command}");
    assert_eq!(run_printed(&command, &["info"]).code, 0, "{command}");
}

#[test]
fn discovery_and_connection_over_ipv6_loopback() {
    if TcpListener::bind("[::1]:0").is_err() || UdpSocket::bind("[::1]:0").is_err() {
        eprintln!("skipped: no IPv6 loopback on this machine");
        return;
    }
    let a = announced("generic", "::1");
    let r = discover("::1", Some(a.ssdp), Some(a.mdns), None, &[]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("at ::1 (generic"), "{r:?}");
    let command = r.stdout.lines().nth(1).unwrap().trim().to_owned();
    assert!(command.starts_with("ptpip -h ::1 "), "{command}");
    assert_eq!(run_printed(&command, &["info"]).code, 0, "{command}");
    // The host written in brackets works too.
    let p = a.command.to_string();
    let r = run(&["-h", "[::1]", "-p", &p, "--connect-timeout", "10", "info"]);
    assert_eq!(r.code, 0, "{r:?}");
}

#[test]
fn discover_hears_a_notify_and_the_camera_sends_them() {
    // The camera's NOTIFY and mDNS announcement, sent to sockets of ours instead of the groups.
    let notify_in = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mdns_in = UdpSocket::bind("127.0.0.1:0").unwrap();
    for s in [&notify_in, &mdns_in] {
        s.set_read_timeout(Some(DEADLINE)).unwrap();
    }
    let (n_to, m_to) = (
        notify_in.local_addr().unwrap().to_string(),
        mdns_in.local_addr().unwrap().to_string(),
    );
    let mut cam = Proc::start(&[
        "camera",
        "--port",
        "0",
        "--announce",
        "--ssdp-listen",
        "127.0.0.1:0",
        "--ssdp-notify",
        &n_to,
        "--mdns-listen",
        "127.0.0.1:0",
        "--mdns-announce",
        &m_to,
    ]);
    cam.line("description on port ");
    let mut buf = vec![0u8; 9000];
    let mut locations = Vec::new();
    while locations.len() < 3 {
        let n = notify_in.recv(&mut buf).unwrap();
        let ssdp::Message::Notify(n) = ssdp::parse(&buf[..n]).unwrap() else {
            panic!("not a NOTIFY");
        };
        assert_eq!(n.kind, ssdp::NotifyKind::Alive);
        locations.push(n.location.unwrap());
    }
    let n = mdns_in.recv(&mut buf).unwrap();
    let found = mdns::parse_response(&buf[..n]).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].label, "ptpip camera");

    // Discover hears a NOTIFY (sent here again and again until it is done: no race with its start).
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let disc = Command::new(bin())
        .args([
            "discover",
            "--timeout",
            "2",
            "--ssdp",
            "off",
            "--ssdp-listen",
            &listen,
            "--mdns",
            "off",
            "--fuji-broadcast",
            "off",
            "--gateway",
            "off",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let notify = ssdp::Notify {
        target: ssdp::targets::PTPIP_CAMERA.into(),
        kind: ssdp::NotifyKind::Alive,
        usn: "uuid:x".into(),
        location: Some(locations[0].clone()),
        server: None,
    }
    .encode(listen.parse().unwrap());
    let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let finished = done.clone();
    let spam = thread::spawn(move || {
        let end = Instant::now() + DEADLINE;
        while Instant::now() < end && !finished.load(std::sync::atomic::Ordering::SeqCst) {
            let _ = sender.send_to(&notify, ("127.0.0.1", port));
            thread::sleep(Duration::from_millis(100));
        }
    });
    let out = disc.wait_with_output().unwrap();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("ptpip camera — ptpip ptpip virtual camera at 127.0.0.1 (generic"),
        "{stdout}"
    );
    assert!(stdout.contains("found by ssdp"), "{stdout}");
    let _ = spam.join();
}

/// A device that answers every M-SEARCH with a LOCATION served by `body`, for one search.
fn bad_device(body: Vec<u8>) -> u16 {
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let http = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = udp.local_addr().unwrap().port();
    let location = format!(
        "http://127.0.0.1:{}/d.xml",
        http.local_addr().unwrap().port()
    );
    thread::spawn(move || {
        let mut buf = [0u8; 2048];
        udp.set_read_timeout(Some(DEADLINE)).unwrap();
        let Ok((_, from)) = udp.recv_from(&mut buf) else {
            return;
        };
        let r = ssdp::Response {
            target: ssdp::targets::PTPIP_CAMERA.into(),
            usn: "uuid:bad".into(),
            location,
            server: None,
            max_age: None,
        };
        let _ = udp.send_to(&r.encode(), from);
        if let Ok((mut s, _)) = http.accept() {
            use std::io::{Read, Write};
            let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
            let _ = s.read(&mut buf);
            let _ = s.write_all(&body);
        }
    });
    port
}

#[test]
fn bad_descriptions_are_ignored() {
    let huge = {
        let mut v = b"HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n<root>".to_vec();
        v.resize(2_000_000, b' ');
        v
    };
    let bodies: Vec<Vec<u8>> = vec![
        b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n<root><de".to_vec(),
        b"HTTP/1.1 404 Not Found\r\n\r\n".to_vec(),
        b"HTTP/1.1 200 OK\r\n\r\n<html>not a device</html>".to_vec(),
        b"garbage\xFF\xFE".to_vec(),
        huge,
    ];
    for body in bodies {
        let port = bad_device(body);
        let s = format!("127.0.0.1:{port}");
        let r = run(&[
            "-vv",
            "discover",
            "--timeout",
            "1.5",
            "--ssdp",
            &s,
            "--ssdp-listen",
            "off",
            "--mdns",
            "off",
            "--fuji-broadcast",
            "off",
            "--gateway",
            "off",
        ]);
        // The device's search target names no vendor: nothing is reported, nothing panics.
        assert_eq!(r.code, 105, "{r:?}");
        assert!(r.stderr.contains("No camera found"), "{r:?}");
        assert!(r.stderr.contains("is no camera"), "{r:?}");
    }
}

#[test]
fn the_config_file_says_where_discovery_looks() {
    let a = announced("generic", "127.0.0.1");
    let dir = support::TempDir::new("discovery-config");
    let ini = dir.write(
        "ptpip.ini",
        &format!(
            "[discovery]\nssdp = 127.0.0.1:{}\nmdns = 127.0.0.1:{}\nfuji_broadcast = off\n\
             gateway = off\ntimeout = 1.5\n[responder]\nhost = auto\n",
            a.ssdp, a.mdns
        ),
    );
    let r = run(&["-f", &ini, "--connect-timeout", "10", "info"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("Using test generic"), "{r:?}");
    let r = run(&["-f", &ini, "discover", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("\"found_by\": [\n      \"ssdp\",\n      \"mdns\"\n    ]"),
        "{r:?}"
    );
    // The command line wins over the file.
    let r = run(&["-f", &ini, "discover", "--ssdp", "off"]);
    assert!(r.stdout.contains("found by mdns\n"), "{r:?}");
    // A bad value names the file, the line and the key.
    let bad = dir.write("bad.ini", "[listener]\n\nautosave_port = lots\n");
    let r = run(&["-f", &bad, "listen"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr
            .contains("bad.ini: line 3: [listener] autosave_port: invalid port 'lots'"),
        "{r:?}"
    );
}
