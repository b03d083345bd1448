//! The `discovery` fuzz corpus as ordinary tests: every file under `fuzz/corpus/discovery/` goes
//! through `ptpip_discovery::fuzzing::discovery`, the body of the cargo-fuzz target.
//!
//! `regenerate_discovery_seeds` (ignored) rewrites the committed `seed-*` files from our builders
//! and real-shaped messages:
//! `cargo test -p ptpip-tests --test discovery_corpus -- --ignored regenerate_discovery_seeds`.

use std::fs;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use ptpip_discovery::description::{Description, PtpipInfo, Service};
use ptpip_discovery::fuzzing::{self, selector};
use ptpip_discovery::{fuji, http, mdns, ssdp};
use ptpip_protocol::Dialect;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/discovery")
}

/// The seeds: selector byte, then the message.
fn seeds() -> Vec<(String, Vec<u8>)> {
    let to: SocketAddr = "127.0.0.1:1900".parse().expect("an address");
    let mut out: Vec<(String, u8, Vec<u8>)> = Vec::new();
    for (i, t) in ssdp::targets::SEARCHED.iter().enumerate() {
        out.push((
            format!("ssdp-search-{i}"),
            selector::SSDP,
            ssdp::Search::new(t, ssdp::MULTICAST_V4).encode(),
        ));
    }
    out.push((
        "ssdp-search-unicast".into(),
        selector::SSDP,
        ssdp::Search::new("upnp:rootdevice", to).encode(),
    ));
    let response = ssdp::Response {
        target: ssdp::targets::PTPIP_CAMERA.into(),
        usn: format!("uuid:1234::{}", ssdp::targets::PTPIP_CAMERA),
        location: "http://127.0.0.1:8043/description.xml".into(),
        server: Some("ptpip UPnP/1.0".into()),
        max_age: Some(1800),
    };
    out.push(("ssdp-response".into(), selector::SSDP, response.encode()));
    let notify = ssdp::Notify {
        target: ssdp::targets::SONY_MTP_NULL.into(),
        kind: ssdp::NotifyKind::Alive,
        usn:
            "uuid:00000000-0001-0010-8000-0123456789ab::urn:microsoft-com:service:MtpNullService:1"
                .into(),
        location: Some("http://192.168.1.20:1900/DeviceDescription.xml".into()),
        server: Some("FedoraCore/2 UPnP/1.0 MINT-X/1.8.1".into()),
    };
    out.push((
        "ssdp-notify".into(),
        selector::SSDP,
        notify.encode(ssdp::MULTICAST_V4),
    ));
    let desc = Description {
        device_type: Some(ssdp::targets::PTPIP_CAMERA.into()),
        friendly_name: Some("ptpip camera".into()),
        manufacturer: Some("FUJIFILM".into()),
        model_name: Some("X-T1".into()),
        serial_number: Some("1".into()),
        udn: Some("uuid:1234".into()),
        nickname: None,
        services: vec![Service {
            service_type: ssdp::targets::CANON_EOS_UTILITY.into(),
            service_id: Some("urn:x".into()),
            scpd_url: Some("/s.xml".into()),
        }],
        ptpip: Some(PtpipInfo {
            dialect: Some(Dialect::Fuji),
            command_port: Some(55740),
            event_port: Some(55741),
            stream_port: Some(55742),
        }),
    };
    out.push((
        "description".into(),
        selector::DESCRIPTION,
        desc.to_xml().into_bytes(),
    ));
    let ad = mdns::Advertisement {
        instance: "ptpip camera".into(),
        service: mdns::PTP_SERVICE.into(),
        host: "cam.local".into(),
        port: 15740,
        txt: vec![
            "dialect=generic".into(),
            "tid.canon.com=00112233-4455-6677-8899-aabbccddeeff".into(),
        ],
        addrs: vec![
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            "::1".parse().expect("an address"),
        ],
        ttl: 120,
    };
    let query = mdns::query(3, &[mdns::PTP_SERVICE], true);
    let parsed = mdns::parse_query(&query).expect("a query");
    out.push(("mdns-query".into(), selector::MDNS_QUERY, query));
    out.push((
        "mdns-answer".into(),
        selector::MDNS_RESPONSE,
        ad.answer(&parsed, true).expect("an answer"),
    ));
    out.push((
        "mdns-announcement".into(),
        selector::MDNS_RESPONSE,
        ad.announcement(),
    ));
    let fuji_messages: Vec<(&str, Vec<u8>)> = vec![
        (
            "discover",
            fuji::Discover {
                importer: None,
                camera: "192.168.1.33".into(),
                service: None,
                host: None,
                notify_port: Some(51540),
            }
            .encode(),
        ),
        (
            "notify",
            fuji::Notify {
                host: Some("192.168.1.33:51540".into()),
                importer: "desktop".into(),
                import_port: Some(51541),
            }
            .encode(),
        ),
        (
            "register",
            fuji::Register {
                name: "FUJIFILM-X-H1-CA2A".into(),
                model: Some("X-H1".into()),
            }
            .encode("192.168.1.5:51542"),
        ),
        (
            "import",
            fuji::Import {
                folder: "/guest".into(),
                name: Some("X-H1".into()),
                port: Some(55740),
                event_port: Some(55741),
                dialect: Some(Dialect::Fuji),
            }
            .encode("192.168.1.5:51541"),
        ),
        (
            "discovery",
            fuji::Discovery {
                host: "192.168.1.5".into(),
                service: None,
                tether_port: Some(51560),
            }
            .encode(),
        ),
        (
            "invite",
            fuji::TetherInvite {
                camera: "192.168.1.33".into(),
                name: Some("X-T3".into()),
                port: Some(15740),
                event_port: None,
                dialect: Some(Dialect::Generic),
            }
            .encode(),
        ),
        (
            "accepted",
            fuji::Accepted {
                folder: Some("guest".into()),
                service: Some(fuji::AUTOSAVE_SERVICE.into()),
            }
            .encode(),
        ),
    ];
    for (name, bytes) in fuji_messages {
        out.push((format!("fuji-{name}"), selector::FUJI, bytes));
    }
    out.push((
        "http-get".into(),
        selector::HTTP_GET,
        http::get_request("127.0.0.1:80", "/description.xml"),
    ));
    out.push((
        "http-response".into(),
        selector::HTTP_RESPONSE,
        http::xml_response("<root/>", Some("x")),
    ));
    out.push((
        "url".into(),
        selector::URL,
        b"http://[::1]:8043/desc.xml?x=1".to_vec(),
    ));
    out.into_iter()
        .map(|(name, sel, bytes)| {
            let mut v = vec![sel];
            v.extend(bytes);
            (format!("seed-{name}"), v)
        })
        .collect()
}

#[test]
fn corpus_discovery() {
    let mut files: Vec<PathBuf> = fs::read_dir(corpus_dir())
        .expect("the discovery corpus directory")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 20, "only {} corpus files", files.len());
    for f in &files {
        let bytes = fs::read(f).expect("a readable corpus file");
        if catch_unwind(AssertUnwindSafe(|| fuzzing::discovery(&bytes))).is_err() {
            panic!("corpus file {} fails", f.display());
        }
    }
}

#[test]
fn seeds_match_the_builders() {
    for (name, bytes) in seeds() {
        let on_disk = fs::read(corpus_dir().join(&name)).unwrap_or_default();
        assert_eq!(
            on_disk, bytes,
            "{name} is stale: run regenerate_discovery_seeds"
        );
        fuzzing::discovery(&bytes);
    }
}

#[test]
#[ignore = "rewrites fuzz/corpus/discovery/seed-*"]
fn regenerate_discovery_seeds() {
    fs::create_dir_all(corpus_dir()).expect("the corpus directory");
    for (name, bytes) in seeds() {
        fs::write(corpus_dir().join(name), bytes).expect("a written seed");
    }
}
