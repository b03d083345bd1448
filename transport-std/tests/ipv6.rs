//! IPv6 and host names: a camera served on `[::1]` is reached as `::1` and as `[::1]`, both
//! connections on the same address. Skipped (with a note) where the machine has no IPv6
//! loopback.

use std::net::TcpListener;
use std::time::Duration;

use ptpip_protocol::camera::VirtualCamera;
use ptpip_protocol::responder::ResponderConfig;
use ptpip_protocol::{Dialect, FriendlyName, Guid};
use ptpip_transport_std::{Calls, Client, ClientConfig, Ports, serve};

#[test]
fn an_ipv6_camera_is_reached_bare_and_in_brackets() {
    let Ok(listener) = TcpListener::bind("[::1]:0") else {
        eprintln!("skipped: no IPv6 loopback on this machine");
        return;
    };
    let name = FriendlyName::new("v6").unwrap();
    let rc = ResponderConfig::new(Guid([7; 16]), name, Dialect::Generic);
    let server = serve(listener, None, rc, VirtualCamera::sample).unwrap();
    let port = server.local_addr().port();
    for host in ["::1", "[::1]"] {
        let mut c = ClientConfig::new(host, Dialect::Generic);
        c.ports = Ports {
            command: port,
            event: port,
            stream: 0,
        };
        c.connect_timeout = Duration::from_secs(5);
        let mut client = Client::connect(c).unwrap_or_else(|e| panic!("{host}: {e}"));
        assert_eq!(
            client.device_info().unwrap().model.as_str(),
            "ptpip virtual camera",
            "{host}"
        );
        client.close().unwrap();
    }
    server.stop();
}

#[test]
fn a_host_name_is_resolved() {
    // `localhost` resolves on every machine; whichever loopback comes first must be the one both
    // connections use, so serve on that one.
    let addr = std::net::ToSocketAddrs::to_socket_addrs(&("localhost", 0))
        .unwrap()
        .next()
        .unwrap();
    let Ok(listener) = TcpListener::bind(addr) else {
        eprintln!("skipped: cannot listen on {addr}");
        return;
    };
    let name = FriendlyName::new("named").unwrap();
    let rc = ResponderConfig::new(Guid([8; 16]), name, Dialect::Generic);
    let server = serve(listener, None, rc, VirtualCamera::sample).unwrap();
    let port = server.local_addr().port();
    let mut c = ClientConfig::new("localhost", Dialect::Generic);
    c.ports = Ports {
        command: port,
        event: port,
        stream: 0,
    };
    c.connect_timeout = Duration::from_secs(5);
    let mut client = Client::connect(c).unwrap();
    assert!(client.device_info().is_ok());
    client.close().unwrap();
    server.stop();
}
