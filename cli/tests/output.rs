//! What the binary prints for scripts and people: `--json` for every command that prints data
//! (and a usage error elsewhere), one key style, help for every command and property, and shell
//! completions. Cameras are served in this process on 127.0.0.1 with ports the OS picks.

use ptpip_protocol::camera::VirtualCamera;
use ptpip_protocol::{DeviceEvent, EventCode, Params, TransactionId};
use serde_json::Value;
use support::{Cam, run};

mod support;

/// Every key in `v`, at any depth.
fn keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                out.push(k.clone());
                keys(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

/// Parses `text` as JSON and checks that every key is camelCase.
fn camel(what: &str, text: &str) -> Value {
    let v: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: {e}: {text}"));
    let mut all = Vec::new();
    keys(&v, &mut all);
    assert!(!all.is_empty(), "{what}: no keys in {text}");
    for k in all {
        let mut chars = k.chars();
        assert!(
            chars.next().is_some_and(|c| c.is_ascii_lowercase())
                && chars.all(|c| c.is_ascii_alphanumeric()),
            "{what}: key '{k}' is not camelCase"
        );
    }
    v
}

#[test]
fn json_for_every_command_that_prints_data_in_one_key_style() {
    let cam = Cam::generic_with(|| {
        let mut c = VirtualCamera::sample();
        c.push_event(DeviceEvent {
            code: EventCode::DEVICE_PROP_CHANGED,
            transaction: TransactionId(0),
            params: Params::from_slice(&[0x5005]).unwrap(),
        });
        c
    });
    let j = camel("get", &cam.ok(&["--json", "get", "whitebalance"]));
    assert_eq!(j["devicePropertyCode"]["code"], 0x5005);
    assert_eq!(j["devicePropertyCode"]["label"], "WhiteBalance");
    assert_eq!(j["currentValue"]["value"], 2);
    assert_eq!(j["currentValue"]["label"], "Automatic");
    // The same from the command's own words, and pretty.
    assert_eq!(
        camel("get json", &cam.ok(&["get", "whitebalance", "json"])),
        j
    );
    let pretty = cam.ok(&["-c", "get whitebalance json pretty"]);
    assert!(pretty.starts_with("{\n    \""), "{pretty}");
    assert_eq!(camel("get pretty", &pretty), j);

    let j = camel("info", &cam.ok(&["--json", "info"]));
    assert_eq!(j["model"], "ptpip virtual camera");
    let j = camel("describe", &cam.ok(&["--json", "describe", "whitebalance"]));
    assert_eq!(j["factoryDefaultValue"]["label"], "Automatic");
    assert_eq!(j["formType"], "enum");
    let j = camel("ls", &cam.ok(&["--json", "ls"]));
    assert_eq!(j[0]["volumeLabel"], "SD1", "{j}");
    // events: one JSON object per line.
    let out = cam.ok(&["--json", "events", "--count", "1", "--timeout", "10"]);
    assert_eq!(out.lines().count(), 1, "{out}");
    let j = camel("events", &out);
    assert_eq!(
        j,
        serde_json::json!({"code": 0x4006, "label": "DevicePropChanged", "transaction": 0,
                           "params": [0x5005]})
    );

    let fuji = Cam::fuji();
    let j = camel("state", &fuji.ok(&["--json", "state"]));
    // The X-T1's seventeen, then shutter speed and F-number.
    assert_eq!(j.as_array().unwrap().len(), 19);
    let j = camel("fuji info", &fuji.ok(&["--json", "info"]));
    assert_eq!(j.as_array().unwrap().len(), 8);
    let j = camel("fuji get", &fuji.ok(&["--json", "get", "effect"]));
    assert_eq!(j["currentValue"]["label"], "Velvia");
}

#[test]
fn json_where_it_cannot_apply_is_a_usage_error_before_connecting() {
    let nothing = support::free_port().to_string();
    let base = [
        "-h",
        "127.0.0.1",
        "-p",
        &nothing,
        "--connect-timeout",
        "0.3",
    ];
    for args in [
        &["--json", "set", "iso", "400"][..],
        &["--json", "capture"],
        &["--json", "opreq", "1001"],
        &["--json", "download"],
        &["--json", "liveview", "frames"],
        &["--json", "help"],
        &["--json", "-c", "set iso 400"],
        &["--json", "-i"],
        &["--json", "-s", "-sp", "0"],
        &["--json", "--dry-run"],
        &["--json", "camera", "--port", "0"],
        &["--json", "completions", "bash"],
    ] {
        let all: Vec<&str> = base.iter().chain(args).copied().collect();
        let r = run(&all);
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert!(r.stderr.contains("--json"), "{args:?}: {r:?}");
        assert!(
            r.stderr
                .contains("info, state, describe, get, props, ls and events"),
            "{args:?}: {r:?}"
        );
        assert!(!r.stderr.contains("connect"), "{args:?}: {r:?}");
        assert!(r.stdout.is_empty(), "{args:?}: {r:?}");
    }
}

#[test]
fn help_knows_camera_completions_and_the_vendors_properties() {
    let r = run(&["help"]);
    assert_eq!(r.code, 0, "{r:?}");
    for name in ["camera", "completions"] {
        assert!(r.stdout.contains(&format!("\n  {name} ")), "{name}: {r:?}");
    }
    let r = run(&["help", "camera"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("Usage: ptpip camera [OPTIONS]"), "{r:?}");
    assert!(r.stdout.contains("--dir <DIR>"), "{r:?}");
    let r = run(&["-c", "help completions"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("Usage: ptpip completions <SHELL>"),
        "{r:?}"
    );

    let generic = run(&["help", "get"]);
    assert_eq!(generic.code, 0, "{generic:?}");
    assert!(generic.stdout.contains("Properties of generic cameras"));
    assert!(
        generic
            .stdout
            .contains("whitebalance  0x5005  WhiteBalance")
    );
    assert!(generic.stdout.contains("Daylight"), "{generic:?}");
    assert!(!generic.stdout.contains("recmode"), "{generic:?}");
    let fuji = run(&["-t", "fuji", "help", "set"]);
    assert!(
        fuji.stdout.starts_with("usage: set PROP VALUE\n"),
        "{fuji:?}"
    );
    assert!(fuji.stdout.contains("Properties of Fujifilm cameras"));
    for needle in [
        "recmode",
        "0xd001  FujiFilmSimulation",
        "Classic Chrome",
        "S6400",
    ] {
        assert!(fuji.stdout.contains(needle), "{needle}: {fuji:?}");
    }
}

#[test]
fn completions_offer_vendor_and_property_names() {
    // How each shell's script lists the vendors of -t and `camera --vendor`, and the property
    // names of get, set and describe (both dialects'), as values to complete.
    for (shell, vendors, property) in [
        ("bash", "-W \"generic fuji\"", "opts=\"battery whitebalance"),
        ("zsh", ":VENDOR:(generic fuji)", ":(battery whitebalance"),
        (
            "fish",
            "-a \"generic\\t''\nfuji\\t''\"",
            "-f -a \"battery whitebalance",
        ),
    ] {
        let r = run(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {r:?}");
        let script = &r.stdout;
        assert!(script.contains(vendors), "{shell}: no vendor names");
        let props: Vec<&str> = script.lines().filter(|l| l.contains(property)).collect();
        assert!(
            props.len() >= 3,
            "{shell}: property names for get, set, describe: {props:?}"
        );
        for name in ["exp-bias", "recmode", "focusmtr"] {
            assert!(props.iter().all(|l| l.contains(name)), "{shell}: {name}");
        }
    }
}
