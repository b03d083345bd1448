//! `ptpip listen` end to end: the flows in which the camera makes the first move, played by
//! `ptpip camera` (Fujifilm PC AutoSave) or by the test (a Fujifilm body registering, a Canon
//! PowerShot's UPnP search). Everything on 127.0.0.1, ports the OS picks.

use std::fs;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use procs::{DEADLINE, Proc, files, garbage_to};
use ptpip_discovery::{fuji, ssdp};
use support::{Cam, TempDir, bin};

#[path = "support/procs.rs"]
mod procs;
mod support;

#[test]
fn the_listener_answers_a_fujifilm_autosave_invitation_and_receives_the_files() {
    let src = TempDir::new("autosave-src");
    let noise: Vec<u8> = (0..700_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    fs::write(src.path("DSCF0001.JPG"), &noise).unwrap();
    fs::write(src.path("DSCF0002.RAF"), &noise[..123_457]).unwrap();
    fs::write(src.path("notes.txt"), b"hello from the camera\n").unwrap();
    fs::write(src.path("empty.bin"), b"").unwrap();
    let out = TempDir::new("autosave-out");
    let mut listener = Proc::start(&[
        "-vv",
        "listen",
        "--address",
        "127.0.0.1",
        "--autosave-port",
        "0",
        "--register-port",
        "0",
        "--dir",
        &out.path(""),
        "--once",
    ]);
    let udp = listener.port("connect on udp ");
    let register = listener.port("register on udp ");
    // Bad datagrams first: ignored, and the listener still answers the camera.
    garbage_to(udp);
    garbage_to(register);
    let to = format!("127.0.0.1:{udp}");
    let src_dir = src.path("");
    let mut cam = Proc::start(&[
        "camera",
        "--vendor",
        "generic",
        "--port",
        "0",
        "--dir",
        &src_dir,
        "--autosave-to",
        &to,
        "--autosave-notify-port",
        "0",
    ]);
    cam.line("PC AutoSave: inviting");
    listener.line("done");
    let end = Instant::now() + DEADLINE;
    let status = loop {
        if let Some(s) = listener.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < end,
            "the listener did not stop after --once"
        );
        thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{:?}", listener.seen);
    assert_eq!(
        files(std::path::Path::new(&out.path(""))),
        files(std::path::Path::new(&src_dir))
    );
    let mut err = String::new();
    use std::io::Read;
    listener
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(
        err.contains("ignored"),
        "no debug line for the bad datagrams: {err}"
    );
    drop(cam);
}

#[test]
fn the_listener_registers_a_camera() {
    let mut listener = Proc::start(&[
        "listen",
        "--address",
        "127.0.0.1",
        "--autosave-port",
        "0",
        "--register-port",
        "0",
    ]);
    let register = listener.port("register on udp ");
    // Play an X-H1 registering: DISCOVER *, then REGISTER on the port the NOTIFY names.
    let notify = TcpListener::bind("127.0.0.1:0").unwrap();
    let d = fuji::Discover {
        importer: None,
        camera: "127.0.0.1".into(),
        service: None,
        host: None,
        notify_port: Some(notify.local_addr().unwrap().port()),
    };
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .send_to(&d.encode(), ("127.0.0.1", register))
        .unwrap();
    let (mut s, _) = notify.accept().unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut buf = [0u8; 1024];
    use std::io::{Read, Write};
    let n = s.read(&mut buf).unwrap();
    let fuji::Message::Notify(n) = fuji::parse(&buf[..n]).unwrap() else {
        panic!("not a NOTIFY");
    };
    assert_eq!(n.importer, "ptpip");
    s.write_all(&fuji::Accepted::default().encode()).unwrap();
    drop(s);
    let mut c = std::net::TcpStream::connect(("127.0.0.1", n.import_port.unwrap())).unwrap();
    let reg = fuji::Register {
        name: "FUJIFILM-X-H1-CA2A".into(),
        model: Some("X-H1".into()),
    };
    c.write_all(&reg.encode("127.0.0.1:51542")).unwrap();
    c.set_read_timeout(Some(DEADLINE)).unwrap();
    let n = c.read(&mut buf).unwrap();
    let fuji::Message::Accepted(ok) = fuji::parse(&buf[..n]).unwrap() else {
        panic!("not 200 OK");
    };
    assert_eq!(ok.folder.as_deref(), Some("guest"));
    assert_eq!(ok.service.as_deref(), Some(fuji::AUTOSAVE_SERVICE));
    listener.line("registered FUJIFILM-X-H1-CA2A (X-H1)");
    listener.stop();
}

/// Plays a Canon PowerShot's "connect to computer": M-SEARCH for root devices to `port`, then
/// GET of the LOCATION answered; the UUID announced and the one in the description.
fn powershot_search(port: u16) -> (String, String) {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let to = SocketAddr::from(([127, 0, 0, 1], port));
    let search = ssdp::Search {
        target: "upnp:rootdevice".into(),
        mx: Some(3),
        host: Some("239.255.255.250:1900".into()),
    };
    let mut buf = vec![0u8; 9000];
    let end = Instant::now() + DEADLINE;
    let r = loop {
        assert!(Instant::now() < end, "no answer to M-SEARCH");
        s.send_to(&search.encode(), to).unwrap();
        if let Ok(n) = s.recv(&mut buf) {
            let ssdp::Message::Response(r) = ssdp::parse(&buf[..n]).unwrap() else {
                panic!("not an answer");
            };
            break r;
        }
    };
    assert_eq!(r.target, "upnp:rootdevice");
    assert!(
        r.server
            .as_deref()
            .unwrap()
            .starts_with("Microsoft-Windows/"),
        "{r:?}"
    );
    assert_eq!(r.max_age, Some(900));
    let uuid = ssdp::usn_uuid(&r.usn).unwrap().to_owned();
    assert_eq!(r.usn, format!("uuid:{uuid}::upnp:rootdevice"));
    let url = ssdp::HttpUrl::parse(&r.location).unwrap();
    let mut c = std::net::TcpStream::connect(("127.0.0.1", url.port)).unwrap();
    use std::io::{Read, Write};
    c.write_all(&ptpip_discovery::http::get_request(
        &url.authority(),
        &url.path,
    ))
    .unwrap();
    let mut answer = Vec::new();
    c.read_to_end(&mut answer).unwrap();
    let head = ptpip_discovery::http::parse_response_head(&answer).unwrap();
    assert_eq!(head.code, 200);
    let d = ptpip_discovery::description::Description::parse(&answer[head.head_len..]).unwrap();
    assert_eq!(d.friendly_name.as_deref(), Some("ptpip: ptpip"));
    (uuid, d.udn.unwrap())
}

#[test]
fn the_listener_answers_a_canon_powershot_with_a_stable_uuid_then_downloads() {
    let cam = Cam::generic();
    let ptp = cam.ports().0;
    let home = TempDir::new("upnp-home");
    let expected = TempDir::new("upnp-expected");
    let out = TempDir::new("upnp-out");
    let mut uuids = Vec::new();
    let mut news = Vec::new();
    for _ in 0..2 {
        let mut listener = Command::new(bin());
        listener
            .args([
                "listen",
                "--address",
                "127.0.0.1",
                "--autosave-port",
                "0",
                "--register-port",
                "0",
                "--upnp",
                "--upnp-listen",
                "127.0.0.1:0",
                "--upnp-http-port",
                "0",
                "--ptp-port",
                &ptp,
                "--dir",
                &out.path(""),
                "--once",
            ])
            .env("XDG_CONFIG_HOME", home.path(""));
        let mut listener = Proc::spawn(listener);
        let port = listener.port("PowerShot) on udp ");
        let (announced, described) = powershot_search(port);
        assert_eq!(described, format!("uuid:{announced}"));
        uuids.push(announced);
        listener.line("done");
        assert!(listener.child.wait().unwrap().success());
        news.push(listener.seen.clone());
    }
    // The same UUID both times, kept in the config directory.
    assert_eq!(uuids[0], uuids[1]);
    let kept = fs::read_to_string(home.path("ptpip/upnp-uuid")).unwrap();
    assert_eq!(kept.trim(), uuids[0]);
    // What the listener saved is what `download` saves, folders and all; the second run found
    // nothing new (the download history) and left the folder as it was.
    let r = cam.run(&["download", "all", &expected.path("")]);
    assert_eq!(r.code, 0, "{r:?}");
    let want = files(std::path::Path::new(&expected.path("")));
    assert!(want.len() >= 3, "{:?}", want.keys());
    assert_eq!(files(std::path::Path::new(&out.path(""))), want);
    assert_eq!(news.len(), 2);
    assert!(
        news[0].iter().filter(|l| l.starts_with("Saved ")).count() >= 3,
        "{:?}",
        news[0]
    );
    assert!(
        !news[1].iter().any(|l| l.starts_with("Saved ")),
        "{:?}",
        news[1]
    );
}
