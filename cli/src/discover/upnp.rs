//! Canon PowerShot "connect to computer" (ptpip-canon-helpers): the camera sends M-SEARCH
//! `ST: upnp:rootdevice` and expects the computer to answer as a Windows UPnP root device with a
//! UUID that stays the same from one connection to the next (the camera pairs with it); it reads
//! the description, shows "Connected to device", and the computer then opens PTP/IP to it.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::thread::{self, JoinHandle};

use ptpip_discovery::description::Description;
use ptpip_discovery::{http, ssdp};

use super::net;

/// The Server header the camera insists on (a Windows UPnP host).
const SERVER: &str = "Microsoft-Windows/10.0 UPnP/1.0 UPnP-Device-Host/1.0";
/// The device type answered.
const DEVICE_TYPE: &str = "urn:schemas-upnp-org:device:Basic:1";
/// Where the stable UUID is kept, under the config directory.
const UUID_FILE: &str = "upnp-uuid";

/// The UPnP side of `ptpip listen`.
pub(super) struct Responder {
    sock: UdpSocket,
    uuid: String,
    http_port: u16,
    fetched: Receiver<IpAddr>,
    server: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
}

impl Responder {
    /// Listens for searches on `listen` and serves the description on `http_port` (0: the OS
    /// picks) of `ip`.
    pub(super) fn start(
        ip: IpAddr,
        listen: SocketAddr,
        http_port: u16,
        uuid: String,
        name: &str,
    ) -> Result<Self, String> {
        let group = if listen.is_ipv4() {
            ssdp::MULTICAST_V4
        } else {
            ssdp::MULTICAST_V6
        };
        let sock = net::udp_listen(listen, Some(group.ip()))
            .map_err(|e| format!("UPnP: cannot listen on {listen}: {e}"))?;
        let http = net::tcp_listen(SocketAddr::new(ip, http_port))
            .map_err(|e| format!("UPnP: cannot serve the description on port {http_port}: {e}"))?;
        let http_port = http.local_addr().map_err(|e| e.to_string())?.port();
        // The camera shows the part before the first colon, as Windows names itself.
        let xml = Description {
            device_type: Some(DEVICE_TYPE.to_owned()),
            friendly_name: Some(format!("{name}: ptpip")),
            manufacturer: Some("ptpip".to_owned()),
            model_name: Some("ptpip".to_owned()),
            udn: Some(format!("uuid:{uuid}")),
            ..Description::default()
        }
        .to_xml();
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, fetched) = mpsc::channel();
        let flag = stop.clone();
        let server = thread::Builder::new()
            .name("ptpip-upnp-http".into())
            .spawn(move || {
                net::serve_http(&http, &|| flag.load(Ordering::SeqCst), &|path, peer| {
                    log::info!("UPnP: {peer} reads {path}");
                    let _ = tx.send(peer.ip());
                    http::xml_response(&xml, Some(SERVER))
                });
            })
            .map_err(|e| e.to_string())?;
        Ok(Self {
            sock,
            uuid,
            http_port,
            fetched,
            server: Some(server),
            stop,
        })
    }

    /// Where it listens, for the banner.
    pub(super) fn describe(&self) -> String {
        let at = self
            .sock
            .local_addr()
            .map_or_else(|e| e.to_string(), |a| a.to_string());
        format!(
            "UPnP (Canon PowerShot) on udp {at}, description on port {}, uuid {}",
            self.http_port, self.uuid
        )
    }

    /// Answers the searches that came in; the address of a camera that read the description
    /// since, if one did.
    pub(super) fn poll(&self) -> Option<IpAddr> {
        let mut buf = vec![0u8; ssdp::MAX_MESSAGE + 1];
        if let Ok((n, from)) = self.sock.recv_from(&mut buf) {
            match ssdp::parse(&buf[..n]) {
                Ok(ssdp::Message::Search(s)) => self.answer(&s, from),
                Ok(_) => {}
                Err(e) => log::debug!("UPnP from {from}: ignored: {e}"),
            }
        }
        self.fetched.try_recv().ok()
    }

    fn answer(&self, s: &ssdp::Search, from: SocketAddr) {
        let Some(st) = s.matched(&self.uuid, &[DEVICE_TYPE]) else {
            return;
        };
        let uuid = format!("uuid:{}", self.uuid);
        let ip = net::local_ip_toward(&from).unwrap_or(from.ip());
        let host = match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("[{v6}]"),
        };
        let r = ssdp::Response {
            target: st.to_owned(),
            usn: if st.starts_with("uuid:") {
                uuid
            } else {
                format!("{uuid}::{st}")
            },
            location: format!("http://{host}:{}/description.xml", self.http_port),
            server: Some(SERVER.to_owned()),
            max_age: Some(900),
        };
        log::info!("UPnP: {from} searches {st}: answered");
        if let Err(e) = self.sock.send_to(&r.encode(), from) {
            log::debug!("UPnP answer to {from}: {e}");
        }
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.server.take() {
            let _ = t.join();
        }
    }
}

/// The UUID to answer with: `given`, else the one kept in the config directory (made and kept
/// the first time), so that a paired camera finds the same computer again.
pub(super) fn stable_uuid(given: Option<&str>) -> Result<String, String> {
    if let Some(u) = given {
        return uuid::Uuid::parse_str(u.trim())
            .map(|u| u.hyphenated().to_string())
            .map_err(|e| format!("--uuid '{u}': {e}"));
    }
    let fresh = || uuid::Uuid::new_v4().hyphenated().to_string();
    let Some(dir) = dirs::config_dir().map(|d| d.join("ptpip")) else {
        eprintln!("ptpip listen: warning: no config directory; the UPnP UUID changes every run");
        return Ok(fresh());
    };
    let file = dir.join(UUID_FILE);
    if let Ok(text) = std::fs::read_to_string(&file)
        && let Ok(u) = uuid::Uuid::parse_str(text.trim())
    {
        return Ok(u.hyphenated().to_string());
    }
    let u = fresh();
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&file, format!("{u}\n")))
        .map_err(|e| format!("cannot keep the UPnP UUID in {}: {e}", file.display()))?;
    Ok(u)
}
