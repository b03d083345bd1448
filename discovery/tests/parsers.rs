//! Every discovery parser on real-shaped messages, and on bad input: empty, truncated,
//! oversized, of the wrong kind. Bad input gives a typed error, never a panic.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use ptpip_discovery::camera::{self, Found, Source};
use ptpip_discovery::description::{Description, PtpipInfo};
use ptpip_discovery::mdns::{self, Advertisement};
use ptpip_discovery::ssdp::{self, HttpUrl, Message, NotifyKind, Search};
use ptpip_discovery::{ErrorKind, ParseError, fuji, http};
use ptpip_protocol::Dialect;
use ptpip_protocol::Ports;

/// A Sony "Send to Computer" NOTIFY (airmtp `ssdp.py`, sony-pm-alt).
const SONY_NOTIFY: &str = "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\
CACHE-CONTROL: max-age=1800\r\nLOCATION: http://192.168.1.20:1900/DeviceDescription.xml\r\n\
NT: urn:microsoft-com:service:MtpNullService:1\r\nNTS: ssdp:alive\r\n\
SERVER: FedoraCore/2 UPnP/1.0 MINT-X/1.8.1\r\n\
USN: uuid:00000000-0001-0010-8000-0123456789ab::urn:microsoft-com:service:MtpNullService:1\r\n\r\n";

/// A Canon EOS answer to an M-SEARCH (airmtp).
const CANON_RESPONSE: &str = "HTTP/1.1 200 OK\r\nCache-Control: max-age=1800\r\nEXT:\r\n\
Location: http://192.168.1.2:49152/upnp/CameraDevDesc.xml\r\n\
Server: Camera OS/1.0 UPnP/1.0 Canon Device Discovery/1.0\r\n\
ST: urn:schemas-canon-com:service:ICPO-SmartPhoneEOSSystemService:1\r\n\
USN: uuid:00000000-0000-0000-0001-60128B7C2A88::urn:schemas-canon-com:service:ICPO-SmartPhoneEOSSystemService:1\r\n\r\n";

/// A Canon PowerShot's search (ptpip-canon-helpers).
const POWERSHOT_SEARCH: &str = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\
MAN: \"ssdp:discover\"\r\nMX: 3\r\nST: upnp:rootdevice\r\n\r\n";

/// A Canon EOS description (camera_control_dart test data, abridged).
const CANON_DESCRIPTION: &str = r#"<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0" xmlns:dlna="urn:schemas-dlna-org:device-1-0">
 <specVersion><major>1</major><minor>0</minor></specVersion>
 <device>
  <deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>
  <friendlyName>Canon EOS R6</friendlyName>
  <manufacturer>Canon Inc.</manufacturer>
  <modelName>Canon EOS R6</modelName>
  <UDN>uuid:00000000-0000-0000-0001-60128B7C2A88</UDN>
  <serviceList>
   <service>
    <serviceType>urn:schemas-canon-com:service:ICPO-WFTEOSSystemService:1</serviceType>
    <serviceId>urn:schemas-canon-com:serviceId:ICPO-WFTEOSSystemService-1</serviceId>
    <SCPDURL>/upnp/WFTEOSSystemService.xml</SCPDURL>
   </service>
  </serviceList>
  <ns:X_deviceNickname xmlns:ns="urn:schemas-canon-com:schema-upnp">EOSR6&amp;Co</ns:X_deviceNickname>
 </device>
</root>"#;

/// An X-H1's PC AutoSave register broadcast (libfuji `docs/autosave.md`).
const XH1_DISCOVER: &str = "DISCOVER * HTTP/1.1\r\nMX:3\r\nHOST:192.168.1.255:|\r\nDSCADDR:192.168.1.33\r\nSERVICE:PCAUTOSAVE/1.0\r\n";

fn kind(r: Result<impl std::fmt::Debug, ParseError>) -> ErrorKind {
    match r {
        Ok(v) => panic!("accepted: {v:?}"),
        Err(e) => {
            // Every error says what it was parsing.
            assert!(!e.to_string().is_empty());
            e.kind
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SSDP

#[test]
fn ssdp_parses_what_cameras_send() {
    let Message::Notify(n) = ssdp::parse(SONY_NOTIFY.as_bytes()).unwrap() else {
        panic!("not a NOTIFY");
    };
    assert_eq!(n.kind, NotifyKind::Alive);
    assert_eq!(n.target, ssdp::targets::SONY_MTP_NULL);
    assert_eq!(
        ssdp::usn_uuid(&n.usn),
        Some("00000000-0001-0010-8000-0123456789ab")
    );
    let url = HttpUrl::parse(n.location.as_deref().unwrap()).unwrap();
    assert_eq!(
        (url.host.as_str(), url.port, url.path.as_str()),
        ("192.168.1.20", 1900, "/DeviceDescription.xml")
    );

    let Message::Response(r) = ssdp::parse(CANON_RESPONSE.as_bytes()).unwrap() else {
        panic!("not a response");
    };
    assert_eq!(r.target, ssdp::targets::CANON_SMARTPHONE);
    assert_eq!(r.max_age, Some(1800));
    assert_eq!(
        r.location,
        "http://192.168.1.2:49152/upnp/CameraDevDesc.xml"
    );

    let Message::Search(s) = ssdp::parse(POWERSHOT_SEARCH.as_bytes()).unwrap() else {
        panic!("not a search");
    };
    assert_eq!((s.target.as_str(), s.mx), ("upnp:rootdevice", Some(3)));
    assert_eq!(s.matched("abc", &[]), Some("upnp:rootdevice"));
    // Without the final blank line, and with bare LF line ends, as some devices send.
    let bare = POWERSHOT_SEARCH.trim_end().replace("\r\n", "\n");
    assert_eq!(ssdp::parse(bare.as_bytes()), Ok(Message::Search(s)));
}

#[test]
fn ssdp_builders_round_trip() {
    let to: SocketAddr = "127.0.0.1:4000".parse().unwrap();
    let s = Search::new(ssdp::targets::PTPIP_CAMERA, to);
    assert_eq!(s.mx, None, "a unicast search has no MX");
    assert_eq!(Search::new("x", ssdp::MULTICAST_V4).mx, Some(1));
    assert_eq!(ssdp::parse(&s.encode()), Ok(Message::Search(s.clone())));
    assert_eq!(
        s.matched("u", &[ssdp::targets::PTPIP_CAMERA]),
        Some(ssdp::targets::PTPIP_CAMERA)
    );
    assert_eq!(s.matched("u", &["other"]), None);
    let v6 = Search::new("ssdp:all", "[::1]:1900".parse().unwrap());
    assert_eq!(v6.host.as_deref(), Some("[::1]:1900"));
    let r = ssdp::Response {
        target: "upnp:rootdevice".into(),
        usn: "uuid:1::upnp:rootdevice".into(),
        location: "http://[::1]:8043/desc.xml".into(),
        server: Some("Microsoft-Windows/10.0 UPnP/1.0 UPnP-Device-Host/1.0".into()),
        max_age: Some(900),
    };
    assert_eq!(ssdp::parse(&r.encode()), Ok(Message::Response(r.clone())));
    let url = HttpUrl::parse(&r.location).unwrap();
    assert_eq!(
        (url.host.as_str(), url.port, url.authority()),
        ("::1", 8043, "[::1]:8043".into())
    );
    let n = ssdp::Notify {
        target: "t".into(),
        kind: NotifyKind::ByeBye,
        usn: "uuid:2::t".into(),
        location: None,
        server: None,
    };
    assert_eq!(ssdp::parse(&n.encode(to)), Ok(Message::Notify(n)));
}

#[test]
fn ssdp_bad_input_is_an_error() {
    assert_eq!(kind(ssdp::parse(b"")), ErrorKind::Truncated);
    assert_eq!(
        kind(ssdp::parse(b"M-SEARCH * HTT")),
        kind(ssdp::parse(b"M-SEARCH * HTT"))
    );
    // Truncated anywhere: an error or a shorter valid message, never a panic.
    for n in 0..SONY_NOTIFY.len() {
        let _ = ssdp::parse(&SONY_NOTIFY.as_bytes()[..n]);
    }
    let big = format!("{SONY_NOTIFY}{}", "X".repeat(ssdp::MAX_MESSAGE));
    assert!(matches!(
        kind(ssdp::parse(big.as_bytes())),
        ErrorKind::TooLarge { .. }
    ));
    let many: String = (0..100).map(|i| format!("X-{i}: y\r\n")).collect();
    let many = format!("NOTIFY * HTTP/1.1\r\n{many}\r\n");
    assert!(matches!(
        kind(ssdp::parse(many.as_bytes())),
        ErrorKind::TooLarge { .. }
    ));
    assert!(matches!(
        kind(ssdp::parse(b"GET / HTTP/1.1\r\n\r\n")),
        ErrorKind::BadValue { .. }
    ));
    assert!(matches!(
        kind(ssdp::parse(b"SUBSCRIBE * HTTP/1.1\r\n\r\n")),
        ErrorKind::Unexpected { .. }
    ));
    assert!(matches!(
        kind(ssdp::parse(b"HTTP/1.1 404 Not Found\r\n\r\n")),
        ErrorKind::Unexpected { .. }
    ));
    assert_eq!(
        kind(ssdp::parse(b"M-SEARCH * HTTP/1.1\r\nST: x\r\n\r\n")),
        ErrorKind::Missing("MAN")
    );
    let bad_mx = "M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\nMX: soon\r\nST: x\r\n\r\n";
    assert!(matches!(
        kind(ssdp::parse(bad_mx.as_bytes())),
        ErrorKind::BadValue { field: "MX", .. }
    ));
    let alive_nowhere = "NOTIFY * HTTP/1.1\r\nNT: a\r\nNTS: ssdp:alive\r\nUSN: u\r\n\r\n";
    assert_eq!(
        kind(ssdp::parse(alive_nowhere.as_bytes())),
        ErrorKind::Missing("LOCATION")
    );
    assert!(matches!(
        kind(ssdp::parse(&[0xFF, 0xFE, 0, 1, 2])),
        ErrorKind::Syntax(_)
    ));
    let not_utf8 = b"HTTP/1.1 200 OK\r\nST: \xFF\r\nUSN: u\r\nLOCATION: l\r\n\r\n";
    assert_eq!(kind(ssdp::parse(not_utf8)), ErrorKind::NotText);
    for bad in [
        "ftp://x/",
        "http://",
        "http://h:port/",
        "http://[::1/",
        "http:// /",
    ] {
        assert!(HttpUrl::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(HttpUrl::parse("http://cam.local").unwrap().path, "/");
}

// ---------------------------------------------------------------------------------------------
// Device descriptions and HTTP

#[test]
fn descriptions_parse_and_round_trip() {
    let d = Description::parse(CANON_DESCRIPTION.as_bytes()).unwrap();
    assert_eq!(d.manufacturer.as_deref(), Some("Canon Inc."));
    assert_eq!(d.nickname.as_deref(), Some("EOSR6&Co"));
    assert!(d.has_service(ssdp::targets::CANON_EOS_UTILITY));
    assert_eq!(d.ptpip, None);
    let host = IpAddr::V4(Ipv4Addr::new(192, 168, 1, 2));
    let f = Found::from_description(&d, host);
    assert_eq!(
        (f.dialect, f.ports, f.vendor.as_deref()),
        (Dialect::Generic, Ports::STANDARD, Some("Canon"))
    );
    assert_eq!(f.name.as_deref(), Some("EOSR6&Co"));

    let ours = Description {
        device_type: Some(ssdp::targets::PTPIP_CAMERA.into()),
        friendly_name: Some("ptpip <camera> & co".into()),
        manufacturer: Some("FUJIFILM".into()),
        model_name: Some("X-T1".into()),
        serial_number: None,
        udn: Some("uuid:abc".into()),
        nickname: None,
        services: vec![],
        ptpip: Some(PtpipInfo {
            dialect: Some(Dialect::Fuji),
            command_port: Some(4000),
            event_port: Some(5000),
            stream_port: None,
        }),
    };
    let again = Description::parse(ours.to_xml().as_bytes()).unwrap();
    assert_eq!(again, ours);
    let f = Found::from_description(&again, host);
    assert_eq!(f.dialect, Dialect::Fuji);
    assert_eq!(
        f.ports,
        Ports {
            command: 4000,
            event: 5000,
            stream: 4002
        }
    );
}

#[test]
fn bad_descriptions_are_errors() {
    assert_eq!(kind(Description::parse(b"")), ErrorKind::Truncated);
    for n in [1, 10, 100, CANON_DESCRIPTION.len() - 10] {
        assert!(
            matches!(
                kind(Description::parse(&CANON_DESCRIPTION.as_bytes()[..n])),
                ErrorKind::Syntax(_)
            ),
            "{n}"
        );
    }
    let huge = format!("<root>{}</root>", " ".repeat(70_000));
    assert!(matches!(
        kind(Description::parse(huge.as_bytes())),
        ErrorKind::TooLarge { .. }
    ));
    let many = format!("<root><device>{}</device></root>", "<a/>".repeat(5000));
    assert!(matches!(
        kind(Description::parse(many.as_bytes())),
        ErrorKind::Syntax(_)
    ));
    let dtd = "<!DOCTYPE r [<!ENTITY a \"aaaa\">]><root><device/></root>";
    assert!(matches!(
        kind(Description::parse(dtd.as_bytes())),
        ErrorKind::Syntax(_)
    ));
    assert!(matches!(
        kind(Description::parse(b"<html><body/></html>")),
        ErrorKind::Unexpected { .. }
    ));
    assert_eq!(
        kind(Description::parse(b"<root><x/></root>")),
        ErrorKind::Missing("<device>")
    );
    assert_eq!(
        kind(Description::parse(b"<root>\xFF</root>")),
        ErrorKind::NotText
    );
    let bad_port = format!(
        "<root xmlns:p=\"{}\"><device><p:X_commandPort>0</p:X_commandPort></device></root>",
        ptpip_discovery::description::PTPIP_NS
    );
    assert!(matches!(
        kind(Description::parse(bad_port.as_bytes())),
        ErrorKind::BadValue {
            field: "X_commandPort",
            ..
        }
    ));
}

#[test]
fn http_heads() {
    assert_eq!(
        http::parse_get(b"GET /d.xml HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap()
            .path,
        "/d.xml"
    );
    assert_eq!(
        kind(http::parse_get(b"GET /d.xml HTTP/1.1\r\nHost")),
        ErrorKind::Truncated
    );
    assert!(matches!(
        kind(http::parse_get(b"POST / HTTP/1.1\r\n\r\n")),
        ErrorKind::Unexpected { .. }
    ));
    assert!(matches!(
        kind(http::parse_get(&vec![b'A'; http::MAX_HEAD + 1])),
        ErrorKind::TooLarge { .. }
    ));
    let answer = http::xml_response("<root/>", Some("s"));
    let h = http::parse_response_head(&answer).unwrap();
    assert_eq!((h.code, h.content_length), (200, Some(7)));
    assert_eq!(&answer[h.head_len..], b"<root/>");
    assert_eq!(
        kind(http::parse_response_head(b"HTTP/1.1 200 OK\r\n")),
        ErrorKind::Truncated
    );
    let bad_len = b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n";
    assert!(matches!(
        kind(http::parse_response_head(bad_len)),
        ErrorKind::BadValue { .. }
    ));
    assert!(matches!(
        kind(http::parse_response_head(&vec![b'A'; http::MAX_HEAD + 10])),
        ErrorKind::TooLarge { .. }
    ));
}

// ---------------------------------------------------------------------------------------------
// mDNS

fn advert() -> Advertisement {
    Advertisement {
        instance: "ptpip camera. No 1".into(),
        service: mdns::PTP_SERVICE.into(),
        host: "cam.local".into(),
        port: 15740,
        txt: vec![
            "dialect=fuji".into(),
            "event=15741".into(),
            "tid.canon.com=00112233-4455-6677-8899-aabbccddeeff".into(),
        ],
        addrs: vec![
            IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)),
            "::1".parse().unwrap(),
        ],
        ttl: 120,
    }
}

#[test]
fn mdns_query_answer_and_instances() {
    let q = mdns::parse_query(&mdns::query(7, &[mdns::PTP_SERVICE], true)).unwrap();
    assert_eq!(q.id, 7);
    assert_eq!(q.questions.len(), 1);
    assert!(q.questions[0].unicast);
    assert_eq!(q.questions[0].name, "_ptp._tcp.local");
    let answer = advert().answer(&q, true).unwrap();
    let found = mdns::parse_response(&answer).unwrap();
    assert_eq!(found.len(), 1);
    let i = &found[0];
    assert_eq!(i.label, "ptpip camera. No 1");
    assert_eq!(
        (i.host.as_deref(), i.port),
        (Some("cam.local"), Some(15740))
    );
    assert_eq!(i.txt_value("dialect"), Some("fuji"));
    assert_eq!(i.addrs.len(), 2);
    let f = Found::from_mdns(i, IpAddr::V4(Ipv4Addr::LOCALHOST)).unwrap();
    assert_eq!(f.host, IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(f.dialect, Dialect::Fuji);
    assert_eq!(
        f.ports,
        Ports {
            command: 15740,
            event: 15741,
            stream: 15742
        }
    );
    assert_eq!(f.via, [Source::Mdns]);
    assert_eq!(
        f.guid.unwrap().to_string(),
        "33221100-5544-7766-8899-aabbccddeeff"
    );
    // Questions about something else get no answer; the announcement parses too.
    let other = mdns::parse_query(&mdns::query(1, &["_http._tcp.local"], false)).unwrap();
    assert_eq!(advert().answer(&other, false), None);
    assert_eq!(
        mdns::parse_response(&advert().announcement())
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn bad_mdns_is_an_error() {
    let answer = advert().announcement();
    assert_eq!(kind(mdns::parse_response(b"")), ErrorKind::Truncated);
    for n in 1..answer.len() {
        assert!(mdns::parse_response(&answer[..n]).is_err() || n > 12, "{n}");
    }
    assert!(matches!(
        kind(mdns::parse_response(&vec![0; mdns::MAX_MESSAGE + 1])),
        ErrorKind::TooLarge { .. }
    ));
    let query = mdns::query(1, &[mdns::PTP_SERVICE], false);
    assert!(matches!(
        kind(mdns::parse_response(&query)),
        ErrorKind::Unexpected { .. }
    ));
    assert!(matches!(
        kind(mdns::parse_query(&answer)),
        ErrorKind::Unexpected { .. }
    ));
    // A header that promises records that are not there.
    let mut lying = query.clone();
    lying[5] = 200;
    assert!(matches!(
        kind(mdns::parse_query(&lying)),
        ErrorKind::Syntax(_)
    ));
    // A compression pointer to itself.
    let mut looped = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    looped.extend([0xC0, 12, 0, 12, 0, 1]);
    assert!(mdns::parse_query(&looped).is_err());
    // An instance without a port is no camera.
    let i = mdns::Instance {
        label: "x".into(),
        ..mdns::Instance::default()
    };
    assert_eq!(Found::from_mdns(&i, IpAddr::V4(Ipv4Addr::LOCALHOST)), None);
    assert_eq!(camera::canon_guid("not-a-uuid"), None);
}

// ---------------------------------------------------------------------------------------------
// Fujifilm

#[test]
fn fuji_messages_parse_and_round_trip() {
    let fuji::Message::Discover(d) = fuji::parse(XH1_DISCOVER.as_bytes()).unwrap() else {
        panic!("not DISCOVER");
    };
    assert_eq!((d.importer, d.camera.as_str()), (None, "192.168.1.33"));
    assert_eq!(fuji::host_part(d.host.as_deref().unwrap()), "192.168.1.255");
    let connect = XH1_DISCOVER.replace("DISCOVER *", "DISCOVER desktop");
    let fuji::Message::Discover(d) = fuji::parse(connect.as_bytes()).unwrap() else {
        panic!("not DISCOVER");
    };
    assert_eq!(d.importer.as_deref(), Some("desktop"));
    assert_eq!(fuji::parse(&d.encode()), Ok(fuji::Message::Discover(d)));

    let register = "REGISTER * HTTP/1.1\r\nHOST:192.168.1.5:51542\r\nDSCNAME:FUJIFILM-X-H1-CA2A\r\nDSCMODEL:X-H1\r\n";
    let fuji::Message::Register(r) = fuji::parse(register.as_bytes()).unwrap() else {
        panic!("not REGISTER");
    };
    assert_eq!(
        (r.name.as_str(), r.model.as_deref()),
        ("FUJIFILM-X-H1-CA2A", Some("X-H1"))
    );
    let import = "IMPORT /guest HTTP/1.1\r\nHOST:192.168.1.5:51541\r\nDSCNAME:FUJIFILM-X-H1-CA2A\r\nDSCPORT:$\r\n";
    let fuji::Message::Import(i) = fuji::parse(import.as_bytes()).unwrap() else {
        panic!("not IMPORT");
    };
    assert_eq!(
        (i.folder.as_str(), i.port, i.event_port),
        ("/guest", None, None)
    );
    let ours = fuji::Import {
        folder: "*".into(),
        name: None,
        port: Some(4000),
        event_port: Some(4001),
        dialect: Some(Dialect::Generic),
    };
    assert_eq!(
        fuji::parse(&ours.encode("[::1]:51541")),
        Ok(fuji::Message::Import(ours))
    );

    let notify = fuji::Notify {
        host: Some("192.168.1.33:51540".into()),
        importer: "desktop".into(),
        import_port: Some(4002),
    };
    assert_eq!(
        fuji::parse(&notify.encode()),
        Ok(fuji::Message::Notify(notify))
    );
    let ok = fuji::Accepted {
        folder: Some("guest".into()),
        service: Some(fuji::AUTOSAVE_SERVICE.into()),
    };
    assert_eq!(fuji::parse(&ok.encode()), Ok(fuji::Message::Accepted(ok)));
    let t1 = fuji::Discovery {
        host: "192.168.1.5".into(),
        service: Some("PCSS/1.0".into()),
        tether_port: None,
    };
    assert_eq!(fuji::parse(&t1.encode()), Ok(fuji::Message::Discovery(t1)));

    // The tether invitation has no request line; any first line that is not KEY: value is skipped.
    let t2 = "DSC: 192.168.1.33\r\nCAMERANAME: X-T3\r\nDSCPORT: 15740\r\n";
    let fuji::Message::TetherInvite(t) = fuji::parse(t2.as_bytes()).unwrap() else {
        panic!("not an invitation");
    };
    assert_eq!(
        (t.camera.as_str(), t.name.as_deref(), t.port),
        ("192.168.1.33", Some("X-T3"), Some(15740))
    );
    let f = Found::from_tether(&t, IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(f.host, IpAddr::V4(Ipv4Addr::new(192, 168, 1, 33)));
    assert_eq!(
        (f.dialect, f.ports.command, f.ports.event),
        (Dialect::Fuji, 15740, 15741)
    );
    let with_line = format!("INVITE\r\n{t2}");
    assert!(matches!(
        fuji::parse(with_line.as_bytes()),
        Ok(fuji::Message::TetherInvite(_))
    ));
    assert_eq!(fuji::host_part("[::1]:51540"), "::1");
    assert_eq!(fuji::host_part("::1"), "::1");
    assert_eq!(fuji::host_part("cam:1"), "cam");
}

#[test]
fn bad_fuji_messages_are_errors() {
    assert_eq!(kind(fuji::parse(b"")), ErrorKind::Truncated);
    for n in 1..XH1_DISCOVER.len() {
        let _ = fuji::parse(&XH1_DISCOVER.as_bytes()[..n]);
    }
    assert_eq!(
        kind(fuji::parse(b"DISCOVER * HTTP/1.1\r\nMX:3\r\n")),
        ErrorKind::Missing("DSCADDR")
    );
    assert!(matches!(
        kind(fuji::parse(&vec![b'a'; fuji::MAX_MESSAGE + 1])),
        ErrorKind::TooLarge { .. }
    ));
    assert!(matches!(
        kind(fuji::parse(b"DELETE * HTTP/1.1\r\n")),
        ErrorKind::Unexpected { .. }
    ));
    assert!(matches!(
        kind(fuji::parse(b"HTTP/1.1 500 Oops\r\n")),
        ErrorKind::Unexpected { .. }
    ));
    assert!(matches!(
        kind(fuji::parse(b"hello there")),
        ErrorKind::Unexpected { .. }
    ));
    assert_eq!(
        kind(fuji::parse(b"CAMERANAME: X\r\n")),
        ErrorKind::Missing("DSC")
    );
    assert!(matches!(
        kind(fuji::parse(b"DSC: 1.2.3.4\r\nDSCPORT: lots\r\n")),
        ErrorKind::BadValue {
            field: "DSCPORT",
            ..
        }
    ));
    assert_eq!(kind(fuji::parse(b"DSC: \xFF\r\n")), ErrorKind::NotText);
    assert!(matches!(
        kind(fuji::parse(
            b"IMPORT * HTTP/1.1\r\nX-PTPIP-EVENTPORT: 70000\r\n"
        )),
        ErrorKind::BadValue { .. }
    ));
}

#[test]
fn merging_the_same_camera() {
    let host = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut list = Vec::new();
    camera::add(&mut list, Found::new(host, Dialect::Generic, Source::Mdns));
    let mut by_ssdp = Found::new(host, Dialect::Generic, Source::Ssdp);
    by_ssdp.model = Some("m".into());
    camera::add(&mut list, by_ssdp);
    camera::add(
        &mut list,
        Found::new(host, Dialect::Fuji, Source::FujiTether),
    );
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].via, [Source::Ssdp, Source::Mdns]);
    assert_eq!(list[0].model.as_deref(), Some("m"));
}
