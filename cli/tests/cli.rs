//! The `ptpip` binary end to end, against the built-in cameras served in this process by
//! `ptpip_transport_std::serve` on 127.0.0.1 (ports the OS picks), in both dialects.

use std::fs;

use ptpip_protocol::camera::{FujiCamera, VirtualCamera, sample};
use ptpip_protocol::{DeviceEvent, EventCode, Params, TransactionId};
use support::{
    Cam, SEED_902B_DUMP, SEED_CONFIG, TempDir, dump_packets, run, run_in, stream_server,
};

mod support;

// ---------------------------------------------------------------------------------------------
// Exit codes

#[test]
fn exit_102_when_the_config_file_cannot_be_opened() {
    let r = run(&["-f", "/nonexistent/ptpip.ini", "info"]);
    assert_eq!(r.code, 102, "{r:?}");
    assert!(
        r.stderr
            .contains("Error opening config file - /nonexistent/ptpip.ini"),
        "{r:?}"
    );
}

#[test]
fn exit_104_when_the_client_cannot_be_created() {
    let r = run(&["-h", "127.0.0.1", "-g", "not-a-guid", "info"]);
    assert_eq!(r.code, 104, "{r:?}");
    assert!(
        r.stderr
            .contains("Error creating PTP/IP client - guid: invalid GUID 'not-a-guid'")
    );
    let long = "n".repeat(300);
    let r = run(&["-h", "127.0.0.1", "-n", &long, "info"]);
    assert_eq!(r.code, 104, "{r:?}");
    assert!(r.stderr.contains("invalid friendly name"), "{r:?}");
    // A bad GUID in the file names the key and its line.
    let dir = TempDir::new("guid");
    let ini = dir.write("bad.ini", "[initiator]\n; ours\nguid = \"cca455de\"\n");
    let r = run(&["-f", &ini, "info"]);
    assert_eq!(r.code, 104, "{r:?}");
    assert!(
        r.stderr
            .contains("bad.ini: line 3: guid: invalid GUID 'cca455de'"),
        "{r:?}"
    );
}

#[test]
fn exit_105_when_nothing_listens() {
    let port = support::free_port();
    let r = run(&[
        "-h",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "--connect-timeout",
        "0.3",
        "info",
    ]);
    assert_eq!(r.code, 105, "{r:?}");
    assert!(
        r.stderr
            .contains(&format!("Error connecting to responder - 127.0.0.1:{port}"))
    );
}

#[test]
fn exit_2_for_usage_errors_without_connecting() {
    let nothing = support::free_port().to_string();
    let base = [
        "-h",
        "127.0.0.1",
        "-p",
        nothing.as_str(),
        "--connect-timeout",
        "0.3",
    ];
    for (args, needle) in [
        (&["--bogus"][..], "unexpected argument '--bogus'"),
        (&["-p", "0", "info"], "value out of range"),
        (&["-sa", "localhost"], "invalid value 'localhost'"),
        (&["-t", "canon", "info"], "unknown vendor 'canon'"),
        (&["-s", "-c", "info"], "Too many arguments"),
        (&["-c", "info", "ls"], "Too many arguments"),
        (
            &["-p", "1", "-pc", "2", "info"],
            "ambiguous port specification",
        ),
        (&[], "No command given"),
        (&["describe"], "usage: describe PROP [json [pretty]]"),
        (&["get"], "usage: get PROP"),
        (&["set", "iso"], "usage: set PROP VALUE"),
        (&["-c", "opreq"], "usage: opreq OPCODE"),
        (&["-c", "opreq zz"], "OPCODE 'zz' is not a valid hex number"),
        (&["-c", "capture 0"], "usage: capture [N] [PATH]"),
        (&["-c", "events --count"], "usage: events"),
        (
            &["-c", "info pretty please"],
            "unexpected argument 'please'",
        ),
        (&["-c", "frobnicate"], "unknown command 'frobnicate'"),
        (&["-c", "   "], "no command given"),
        (&["-c", "get \"iso"], "unterminated"),
        (&["liveview"], "usage: liveview DIR|- [--frames N]"),
    ] {
        let all: Vec<&str> = base.iter().chain(args).copied().collect();
        let r = run(&all);
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert!(r.stderr.contains(needle), "{args:?}: {r:?}");
        assert!(!r.stderr.contains("panicked"), "{args:?}: {r:?}");
    }
}

#[test]
fn exit_1_when_a_command_fails() {
    let cam = Cam::generic();
    // One-shot and -c alike (the Go tool exited 0 after a failed -c).
    for args in [&["get", "0xd999"][..], &["-c", "get 0xd999"]] {
        let r = cam.run(args);
        assert_eq!(r.code, 1, "{r:?}");
        assert!(
            r.stderr
                .contains("get error: GetDevicePropValue failed: DevicePropNotSupported")
        );
    }
    // A value the property does not allow: the camera refuses.
    let r = cam.run(&["set", "whitebalance", "0x7777"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("InvalidDevicePropValue"), "{r:?}");
    // A value that is no number nor label is a usage error naming the labels.
    let r = cam.run(&["set", "whitebalance", "sunny"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("Daylight") && r.stderr.contains("usage: set PROP VALUE"));
}

// ---------------------------------------------------------------------------------------------
// Commands

#[test]
fn info_prints_device_info_or_the_fuji_list() {
    let cam = Cam::generic();
    let r = cam.ok(&["info"]);
    assert!(
        r.contains("Model:             ptpip virtual camera\n"),
        "{r}"
    );
    assert!(r.contains("  0x1009  GetObject\n"), "{r}");
    let j: serde_json::Value = serde_json::from_str(&cam.ok(&["info", "json"])).unwrap();
    assert_eq!(j["model"], "ptpip virtual camera");
    assert_eq!(j["operationsSupported"][0]["label"], "GetDeviceInfo");
    // --json before the command does the same.
    let j2: serde_json::Value = serde_json::from_str(&cam.ok(&["--json", "info"])).unwrap();
    assert_eq!(j, j2);

    let fuji = Cam::fuji();
    let r = fuji.ok(&["info"]);
    let lines: Vec<&str> = r.lines().collect();
    assert_eq!(lines.len(), 9, "{r}");
    assert!(lines[0].starts_with("DevicePropCode  Property name"), "{r}");
    let film = lines.iter().find(|l| l.starts_with("0xd001")).unwrap();
    assert!(
        film.contains("FujiFilmSimulation") && film.contains("Velvia"),
        "{film}"
    );
    let iso = lines.iter().find(|l| l.starts_with("0xd02a")).unwrap();
    assert!(iso.contains("S6400") && iso.contains("0x80001900"), "{iso}");
    let j: serde_json::Value = serde_json::from_str(&fuji.ok(&["info", "json"])).unwrap();
    let codes: Vec<u64> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["devicePropertyCode"]["code"].as_u64().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            0x5012, 0x500C, 0x5005, 0x5010, 0xD001, 0xD02A, 0xD019, 0xD17C
        ]
    );
}

#[test]
fn state_is_fuji_only() {
    let fuji = Cam::fuji();
    let r = fuji.ok(&["state"]);
    // The X-T1's seventeen entries, then shutter speed and F-number (as the X-T4 lists them).
    assert_eq!(r.lines().count(), 20, "{r}");
    let battery = r.lines().find(|l| l.starts_with("0x5001")).unwrap();
    assert!(
        battery.contains("BatteryLevel") && battery.contains("2/3"),
        "{battery}"
    );
    let j: serde_json::Value = serde_json::from_str(&fuji.ok(&["state", "json"])).unwrap();
    assert_eq!(j.as_array().unwrap().len(), 19);
    assert_eq!(j[16]["currentValue"]["value"], 1679);
    assert_eq!(j[17]["currentValue"]["label"], "1/250");

    let r = Cam::generic().run(&["state"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("state error: command not supported")
            && r.stderr.contains("Fujifilm-only")
    );
}

#[test]
fn describe_in_both_dialects() {
    let r = Cam::generic().ok(&["describe", "whitebalance"]);
    assert!(
        r.contains("Property:         WhiteBalance (0x5005)\n"),
        "{r}"
    );
    assert!(r.contains("Current value:    Automatic (0x2)\n"), "{r}");
    assert!(
        r.contains("Allowed values:   7 values:\n  Manual (0x1)\n"),
        "{r}"
    );
    let fuji = Cam::fuji();
    let r = fuji.ok(&["describe", "iso", "json", "pretty"]);
    assert!(
        r.starts_with("{\n    \"devicePropertyCode\": {\n        \"code\": 53290,"),
        "{r}"
    );
    let j: serde_json::Value = serde_json::from_str(&r).unwrap();
    assert_eq!(j["dataType"], "uint32");
    assert_eq!(j["currentValue"]["label"], "S6400");
    assert_eq!(j["formType"], "enum");
    assert_eq!(j["form"]["values"].as_array().unwrap().len(), 25);
    let j: serde_json::Value =
        serde_json::from_str(&fuji.ok(&["describe", "focusmtr", "json"])).unwrap();
    assert_eq!(j["formType"], "range");
    assert_eq!(j["form"]["max"], 0x1009_0707);
    assert_eq!(j["currentValue"]["label"], "4x4");
}

#[test]
fn get_and_set_with_labels_in_both_dialects() {
    let fuji = Cam::fuji();
    assert_eq!(fuji.ok(&["get", "effect"]), "Velvia (0x2)\n");
    let script = "set effect astia\nget effect\nset exp-bias -2 1/3\nget exp-bias\n\
                  set iso S3200\nget iso\nset flashmode enabled\nget 0x500c\nset delay 0x4\nget delay\n";
    let out = fuji.stdin(&["-i"], script);
    assert_eq!(out.code, 0, "{out:?}");
    let gets: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| !l.starts_with("property "))
        .collect();
    assert_eq!(
        gets,
        [
            "ASTIA (0x3)",
            "-2 1/3 (0xf6e3)",
            "S3200 (0x80000c80)",
            "Enabled (0x800a)",
            "10 s (0x4)"
        ]
    );
    assert!(
        out.stdout
            .contains("property FujiFilmSimulation (0xd001) successfully set to ASTIA (0x3)")
    );

    let cam = Cam::generic();
    let out = cam.stdin(&["-i"], "set whitebalance daylight\nget whitebalance\nset iso 400\nget iso\nset datetime 20250102T030405\nget datetime\n");
    assert_eq!(out.code, 0, "{out:?}");
    let gets: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| !l.starts_with("property "))
        .collect();
    // ISO 400 is decimal (the Go tool read it as 0x400).
    assert_eq!(
        gets,
        ["Daylight (0x4)", "400 (0x190)", "\"20250102T030405\""]
    );
}

#[test]
fn opreq_902b_dumps_the_seed_readme_bytes() {
    let r = Cam::fuji().ok(&["opreq", "0x902B"]);
    assert!(r.starts_with("\nReceived 356 bytes. HEX dump:\n"), "{r}");
    let first = r.split("\nReceived 12 bytes. HEX dump:\n").next().unwrap();
    let dump = first.trim_start_matches("\nReceived 356 bytes. HEX dump:\n");
    // Every line but the first equals the seed's; the first differs only in the transaction id.
    let (got, want): (Vec<&str>, Vec<&str>) =
        (dump.lines().collect(), SEED_902B_DUMP.lines().collect());
    assert_eq!(got.len(), want.len());
    assert_eq!(got[1..], want[1..]);
    // Byte 8 sits after the group gap: columns 35-36.
    let tid = &got[0][35..37];
    assert_eq!(
        format!("{}07{}", &got[0][..35], &got[0][37..]),
        want[0],
        "tid {tid}"
    );
    // Then the response container: length 12, type 3, OK, the same transaction.
    let packets = dump_packets(&r);
    assert_eq!(
        packets[1],
        [12, 0, 0, 0, 3, 0, 0x01, 0x20, packets[0][8], 0, 0, 0]
    );
}

#[test]
fn opreq_on_a_generic_camera_shows_start_data_end_data_and_response() {
    let r = Cam::generic().ok(&["-c", "opreq 1001"]);
    let p = dump_packets(&r);
    assert_eq!(p.len(), 3, "{r}");
    let info = VirtualCamera::sample().device_info().to_bytes();
    // Start_Data: length 20, type 9, then the total length.
    assert_eq!(&p[0][..8], [20, 0, 0, 0, 9, 0, 0, 0]);
    assert_eq!(
        u64::from_le_bytes(p[0][12..20].try_into().unwrap()),
        info.len() as u64
    );
    // End_Data (type 12) carrying the DeviceInfo; Operation_Response (type 7) OK.
    assert_eq!(&p[1][4..8], [12, 0, 0, 0]);
    assert_eq!(&p[1][12..], &info[..]);
    assert_eq!(&p[2][4..10], [7, 0, 0, 0, 0x01, 0x20]);
    // A refused operation is dumped too, and is no failure of opreq.
    let p = dump_packets(&Cam::generic().ok(&["opreq", "0x9999"]));
    assert_eq!(&p[0][4..10], [7, 0, 0, 0, 0x05, 0x20]);
}

#[test]
fn ls_shows_the_tree() {
    let cam = Cam::generic();
    let r = cam.ok(&["ls"]);
    let size = |n: u32| sample::sample_image(n).len();
    let want = format!(
        "└── DCIM/ (0x00000001)\n    └── 100PTPIP/ (0x00000002)\n        \
         ├── IMG_0001.JPG ({} bytes, 0x00000003)\n        ├── IMG_0002.JPG ({} bytes, 0x00000004)\n        \
         └── IMG_0003.JPG ({} bytes, 0x00000005)\n3 files, 2 folders, {} bytes\n",
        size(1),
        size(2),
        size(3),
        size(1) + size(2) + size(3)
    );
    assert!(
        r.starts_with("Storage 0x00010001 \"SD1\" (RemovableRAM, 1.0 GiB capacity"),
        "{r}"
    );
    assert!(r.ends_with(&want), "{r}");
    let j: serde_json::Value = serde_json::from_str(&cam.ok(&["ls", "json"])).unwrap();
    let folder = &j[0]["objects"][0]["children"][0];
    assert_eq!(folder["name"], "100PTPIP");
    assert_eq!(folder["children"][2]["name"], "IMG_0003.JPG");
    assert_eq!(folder["children"][2]["size"], size(3));
    // A Fujifilm body in remote mode has no pictures to browse: it says where they are.
    let r = Cam::fuji().run(&["ls"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("connect with --mode browse"), "{r:?}");
}

#[test]
fn download_writes_the_objects() {
    let cam = Cam::generic();
    let dir = TempDir::new("dl");
    let out = dir.path("all");
    let r = cam.ok(&["download", "all", &out]);
    for n in 1..=3u32 {
        let name = format!("IMG_{n:04}.JPG");
        assert!(r.contains(&format!(
            "Saved {name} ({} bytes)",
            sample::sample_image(n).len()
        )));
        // The card's folders are kept.
        assert_eq!(
            fs::read(format!("{out}/DCIM/100PTPIP/{name}")).unwrap(),
            sample::sample_image(n)
        );
    }
    assert!(r.contains("3 downloaded, 0 skipped, 0 failed"), "{r}");
    // One object by its handle: the same file is there, so it is skipped.
    let r = cam.ok(&["download", "4", &out]);
    assert!(
        r.contains("0 downloaded, 1 skipped, 0 failed, 0 bytes"),
        "{r}"
    );
    // --no-skip keeps both, as `download` used to.
    let r = cam.ok(&["download", "0x00000004", &out, "--no-skip", "--flat"]);
    assert!(r.contains("IMG_0002.JPG"), "{r}");
    let r = cam.ok(&["download", "0x00000004", &out, "--no-skip", "--flat"]);
    assert!(r.contains("IMG_0002-1.JPG"), "{r}");
    assert_eq!(
        fs::read(format!("{out}/IMG_0002-1.JPG")).unwrap(),
        sample::sample_image(2)
    );
    // A folder, by its handle or its path, is everything in it.
    let r = cam.ok(&["download", "0x1", &dir.path("f1")]);
    assert!(r.contains("3 downloaded"), "{r}");
    let r = cam.ok(&["download", "DCIM/100PTPIP", &dir.path("f2"), "--flat"]);
    assert!(r.contains("3 downloaded"), "{r}");
    assert!(fs::metadata(dir.path("f2/IMG_0003.JPG")).is_ok());
    // A name nobody has.
    let r = cam.run(&["download", "DCIM/NOPE.JPG", &out]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("no object DCIM/NOPE.JPG on the camera"),
        "{r:?}"
    );
}

#[test]
fn capture_in_both_dialects() {
    let cam = Cam::generic();
    assert_eq!(cam.ok(&["capture"]), "Image captured, check the camera\n");
    let dir = TempDir::new("cap");
    let r = cam.ok(&["shoot", "2", &format!("{}/", dir.path("g"))]);
    assert!(
        r.starts_with("Capturing 2 images...\n  capturing image 1\n"),
        "{r}"
    );
    let files: Vec<_> = fs::read_dir(dir.path("g")).unwrap().collect();
    assert_eq!(files.len(), 2, "{r}");
    for f in files {
        let bytes = fs::read(f.unwrap().path()).unwrap();
        assert!(bytes.starts_with(&[0xFF, 0xD8]) && bytes.ends_with(&[0xFF, 0xD9]));
    }
    let fuji = Cam::fuji();
    let shot = dir.path("f/shot.jpg");
    let r = fuji.ok(&["capture", "2", &shot]);
    assert!(
        r.contains(&format!(
            "Image preview saved to {}",
            dir.path("f/shot-2.jpg")
        )),
        "{r}"
    );
    // The virtual X-T1's previews are its generated 320x240 pictures, seeded by the capture count.
    assert_eq!(
        fs::read(dir.path("f/shot-1.jpg")).unwrap(),
        sample::sample_jpeg(1, 320, 240)
    );
    assert_eq!(
        fs::read(dir.path("f/shot-2.jpg")).unwrap(),
        sample::sample_jpeg(2, 320, 240)
    );
}

fn prop_changed() -> DeviceEvent {
    DeviceEvent {
        code: EventCode::DEVICE_PROP_CHANGED,
        transaction: TransactionId(0),
        params: Params::from_slice(&[0x5005]).unwrap(),
    }
}

#[test]
fn events_are_printed_as_they_come() {
    let cam = Cam::generic_with(|| {
        let mut c = VirtualCamera::sample();
        c.push_event(prop_changed());
        c
    });
    let r = cam.ok(&["events", "--count", "1", "--timeout", "10"]);
    assert_eq!(
        r,
        "0x4006 DevicePropChanged  transaction 0  params [0x5005]\n"
    );
    let fuji = Cam::fuji_with(|| {
        let mut c = FujiCamera::new();
        c.push_event(prop_changed());
        c
    });
    let r = fuji.ok(&["-c", "events --count 1 --timeout 10"]);
    assert!(r.starts_with("0x4006 DevicePropChanged"), "{r}");
    assert!(r.contains("params [0x5005"), "{r}");
    // Nothing comes: the timeout ends it, successfully.
    assert_eq!(Cam::generic().ok(&["events", "--timeout", "0.3"]), "");
}

#[test]
fn liveview_saves_frames_or_fails_clearly() {
    let dir = TempDir::new("lv");
    // No server on the stream port.
    let fuji = Cam::fuji();
    let r = fuji.run(&[
        "-ps",
        &support::free_port().to_string(),
        "liveview",
        &dir.path("x"),
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr
            .contains("liveview error: cannot connect to the live-view stream"),
        "{r:?}"
    );
    let r = Cam::generic().run(&["liveview", &dir.path("x")]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Fujifilm-only"), "{r:?}");
    // A stream server sending generated frames.
    let (port, frames) = stream_server(3);
    let r = fuji.ok(&[
        "-ps",
        &port.to_string(),
        "liveview",
        &dir.path("lv"),
        "--frames",
        "3",
    ]);
    assert_eq!(r, format!("Saved 3 frames to {}\n", dir.path("lv")));
    for (n, jpeg) in frames.iter().enumerate() {
        let saved = fs::read(dir.path(&format!("lv/frame-{:06}.jpg", n + 1))).unwrap();
        assert_eq!(&saved, jpeg);
    }
    // MJPEG on stdout: the JPEGs back to back.
    let (port, frames) = stream_server(2);
    let r = fuji.run(&["-ps", &port.to_string(), "liveview", "-", "--frames", "2"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.raw_stdout, frames.concat());
}

#[test]
fn help_needs_no_camera() {
    let r = run(&["help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("\nSupported commands:\n\n"));
    for c in [
        "info", "state", "describe", "get", "set", "opreq", "ls", "download", "capture", "events",
        "liveview",
    ] {
        assert!(r.stdout.contains(&format!("\n  {c} ")), "{c}");
    }
    assert!(
        run(&["help", "set"])
            .stdout
            .starts_with("usage: set PROP VALUE\n")
    );
    assert!(
        run(&["get", "--help"])
            .stdout
            .starts_with("usage: get PROP [json [pretty]]\n")
    );
    let r = run(&["-c", "help nope"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Unknown command nope!"));
}

// ---------------------------------------------------------------------------------------------
// Configuration

#[test]
fn the_seed_config_example_works_with_flags_overriding_it() {
    let fuji = Cam::fuji();
    let dir = TempDir::new("seed");
    let ini = dir.write("seed.ini", SEED_CONFIG);
    // The file says host 192.168.0.1, single port 15740 and server mode; the flags win, and
    // the command given overrides `enabled = true`. Vendor, name and GUID come from the file.
    let (cmd, event) = fuji.ports();
    let r = run(&[
        "-f",
        &ini,
        "-v",
        "-h",
        "127.0.0.1",
        "-pc",
        &cmd,
        "-pe",
        &event,
        "--connect-timeout",
        "5",
        "get",
        "effect",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "Velvia (0x2)\n");
    assert!(r.stderr.contains("Created new client with name 'Golang PTP/IP client' and GUID 'cca455de-79ac-4b12-9731-91e433a899cf'."), "{r:?}");
    assert!(
        r.stderr
            .contains(&format!("Attempting to connect to 127.0.0.1:{cmd}")),
        "{r:?}"
    );
    // What the file alone gives, and flags on top.
    let r = run(&["-f", &ini, "--dry-run"]);
    assert_eq!(r.code, 0, "{r:?}");
    // The file's one port, for a Fujifilm camera: command, then events and live view after it.
    assert!(r.stdout.contains("vendor:         fuji\nhost:           192.168.0.1\nports:          command 15740, event 15741, stream 15742\n"), "{r:?}");
    assert!(
        r.stdout.contains("server mode:    on (127.0.0.1:15740)"),
        "{r:?}"
    );
    let r = run(&[
        "-f",
        &ini,
        "--dry-run",
        "-t",
        "generic",
        "-n",
        "cli",
        "-sa",
        "127.0.0.9",
        "-sp",
        "2000",
        "-ps",
        "3000",
    ]);
    assert!(r.stdout.contains("vendor:         generic\n"), "{r:?}");
    assert!(r.stdout.contains("friendly name:  cli\n"), "{r:?}");
    assert!(
        r.stdout
            .contains("ports:          command 15740, event 15740, stream 3000\n"),
        "{r:?}"
    );
    assert!(
        r.stdout.contains("server mode:    on (127.0.0.9:2000)"),
        "{r:?}"
    );
}

#[test]
fn fuji_picks_its_ports_unless_told() {
    let r = run(&["-t", "fuji", "--dry-run"]);
    assert!(
        r.stdout
            .contains("ports:          command 55740, event 55741, stream 55742\n"),
        "{r:?}"
    );
    // One port rule: as `ptpip camera --vendor fuji --port 1000` serves them.
    let r = run(&["-t", "fuji", "-p", "1000", "--dry-run"]);
    assert!(
        r.stdout
            .contains("ports:          command 1000, event 1001, stream 1002\n"),
        "{r:?}"
    );
    let r = run(&["-t", "fuji", "-p", "1000", "-ps", "3000", "--dry-run"]);
    assert!(
        r.stdout
            .contains("ports:          command 1000, event 1001, stream 3000\n"),
        "{r:?}"
    );
    let r = run(&["--dry-run", "-pc", "1000"]);
    assert!(
        r.stdout
            .contains("ports:          command 1000, event 1000, stream 15742\n"),
        "{r:?}"
    );
}

#[test]
fn the_default_config_file_is_read_from_the_config_dir() {
    let home = TempDir::new("xdg");
    home.write("ptpip/config.ini", "[responder]\nhost = 10.1.2.3\n");
    let r = run_in(&home, &["--dry-run"]);
    assert!(r.stdout.contains("host:           10.1.2.3\n"), "{r:?}");
    assert!(r.stdout.contains("ptpip/config.ini"), "{r:?}");
}

#[test]
fn bad_config_values_name_key_and_line() {
    let dir = TempDir::new("badini");
    for (text, needle) in [
        (
            "[responder]\nhost = x\n\nport = 0\n",
            "line 4: [responder] port: value out of range: 0",
        ),
        (
            "[responder]\nvendor = nikon\n",
            "line 2: [responder] vendor: unknown vendor 'nikon'",
        ),
        (
            "[server]\n\nenabled = sometimes\n",
            "line 3: [server] enabled: 'sometimes' is not a boolean",
        ),
        (
            "[server]\naddress = \"local\"\n",
            "line 2: [server] address: Invalid IP address 'local'",
        ),
        (
            "[responder]\nport = 1\ncmd_data_port = 2\n",
            "line 2: [responder] port: ambiguous port specification",
        ),
    ] {
        let ini = dir.write("bad.ini", text);
        let r = run(&["-f", &ini, "--dry-run"]);
        assert_eq!(r.code, 1, "{text}: {r:?}");
        assert!(
            r.stderr.contains(&format!("bad.ini: {needle}")),
            "{text}: {r:?}"
        );
    }
    // Unknown keys are warnings with their line.
    let ini = dir.write("typo.ini", "[responder]\ncomm_data_port = 5\n");
    let r = run(&["-f", &ini, "--dry-run"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stderr
            .contains("typo.ini: line 2: unknown key 'comm_data_port' in [responder] (ignored)")
    );
}

// ---------------------------------------------------------------------------------------------
// The rest of the command line

#[test]
fn version_help_and_completions() {
    let r = run(&["--version"]);
    assert_eq!(
        (r.code, r.stdout.trim()),
        (0, concat!("ptpip ", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(run(&["-version"]).stdout, r.stdout);
    // Every subcommand has its help too.
    for (sub, needle) in [
        ("camera", "--vendor <VENDOR>"),
        ("completions", "Usage: ptpip completions <SHELL>"),
        ("info", "usage: info [json [pretty]]"),
    ] {
        let h = run(&[sub, "--help"]);
        assert_eq!(h.code, 0, "{sub}: {h:?}");
        assert!(h.stdout.contains(needle), "{sub}: {}", h.stdout);
    }
    let r = run(&["--help"]);
    assert_eq!(r.code, 0);
    for flag in [
        "-h, --host",
        "--server-address",
        "-s, --server",
        "-c, --command",
        "Exit codes",
    ] {
        assert!(r.stdout.contains(flag), "{flag}: {}", r.stdout);
    }
    for (shell, needle) in [
        ("bash", "_ptpip()"),
        ("zsh", "#compdef ptpip"),
        ("fish", "complete -c ptpip"),
    ] {
        let r = run(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}");
        assert!(r.stdout.contains(needle), "{shell}");
        assert!(r.stdout.contains("liveview"), "{shell}");
    }
}
