//! The camera's side of the Fujifilm exchanges in which it invites the computer.

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use ptpip_discovery::fuji::{self, Message};
use ptpip_protocol::Dialect;

use super::Identity;
use crate::discover::net;
use crate::signals::Stop;

/// How often the DISCOVER broadcast is repeated until a computer answers.
const REPEAT: Duration = Duration::from_secs(1);

/// Extension headers for a camera that is not the Fujifilm one, or not on the Fujifilm ports.
fn dialect(me: &Identity) -> Option<Dialect> {
    (me.dialect != Dialect::Fuji).then_some(me.dialect)
}

/// PC AutoSave "connect": DISCOVER to `to` every second until a computer sends NOTIFY to
/// `listener`; then IMPORT on the computer's connect port. The computer connects to our PTP/IP
/// port afterwards. Once.
pub(super) fn autosave(listener: &TcpListener, to: SocketAddr, me: &Identity, stop: &Stop) {
    let notify_port = listener
        .local_addr()
        .map_or(fuji::AUTOSAVE_NOTIFY_PORT, |a| a.port());
    let Ok(sock) = net::udp_for(&to) else {
        eprintln!("ptpip camera: PC AutoSave: no socket for {to}");
        return;
    };
    let discover = fuji::Discover {
        importer: Some("ptpip".to_owned()),
        camera: me.ip_for(&to).to_string(),
        service: None,
        host: Some(format!("{to}:|")),
        notify_port: (notify_port != fuji::AUTOSAVE_NOTIFY_PORT).then_some(notify_port),
    }
    .encode();
    let stopped = || stop.is_set();
    while !stopped() {
        if let Err(e) = sock.send_to(&discover, to) {
            log::debug!("PC AutoSave: DISCOVER to {to}: {e}");
        }
        let Some((mut s, peer)) = net::accept_until(listener, Instant::now() + REPEAT, &stopped)
        else {
            continue;
        };
        match invited(&mut s, peer, me) {
            Ok(host) => {
                eprintln!("ptpip camera: PC AutoSave: {host} imports from us");
                return;
            }
            Err(e) => log::debug!("PC AutoSave: {peer}: {e}"),
        }
    }
}

/// NOTIFY in, OK out, then IMPORT to the computer; its address.
fn invited(
    s: &mut std::net::TcpStream,
    peer: SocketAddr,
    me: &Identity,
) -> Result<SocketAddr, String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let msg = net::read_message(s, fuji::MAX_MESSAGE, Duration::from_millis(300), deadline)
        .map_err(|e| e.to_string())?;
    let notify = match fuji::parse(&msg) {
        Ok(Message::Notify(n)) => n,
        Ok(other) => return Err(format!("expected NOTIFY, got {other:?}")),
        Err(e) => return Err(e.to_string()),
    };
    s.write_all(&fuji::Accepted::default().encode())
        .map_err(|e| e.to_string())?;
    let host = SocketAddr::new(
        peer.ip(),
        notify.import_port.unwrap_or(fuji::AUTOSAVE_CONNECT_PORT),
    );
    let mut c = net::connect(host, Duration::from_secs(5)).map_err(|e| format!("{host}: {e}"))?;
    let import = fuji::Import {
        folder: "/guest".to_owned(),
        name: Some(me.name.clone()),
        port: Some(me.ports.command),
        event_port: (me.ports.event != me.ports.command.wrapping_add(1)
            || me.dialect != Dialect::Fuji)
            .then_some(me.ports.event),
        dialect: dialect(me),
    };
    c.write_all(&import.encode(&host.to_string()))
        .map_err(|e| e.to_string())?;
    let reply = net::read_message(
        &mut c,
        fuji::MAX_MESSAGE,
        Duration::from_millis(300),
        deadline,
    )
    .map_err(|e| e.to_string())?;
    match fuji::parse(&reply) {
        Ok(Message::Accepted(_)) => Ok(host),
        Ok(other) => Err(format!("IMPORT answered with {other:?}")),
        Err(e) => Err(format!("IMPORT answered: {e}")),
    }
}

/// Wireless tether: our invitation to the host at `to`.
pub(super) fn tether(to: SocketAddr, me: &Identity) -> Result<(), String> {
    let mut c = net::connect(to, Duration::from_secs(3)).map_err(|e| e.to_string())?;
    let invite = fuji::TetherInvite {
        camera: me.ip_for(&to).to_string(),
        name: Some(me.model().1.to_owned()),
        port: Some(me.ports.command),
        event_port: Some(me.ports.event),
        dialect: dialect(me),
    };
    c.write_all(&invite.encode()).map_err(|e| e.to_string())?;
    let reply = net::read_message(
        &mut c,
        fuji::MAX_MESSAGE,
        Duration::from_millis(300),
        Instant::now() + Duration::from_secs(3),
    )
    .map_err(|e| e.to_string())?;
    match fuji::parse(&reply) {
        Ok(Message::Accepted(_)) => Ok(()),
        other => Err(format!("answered {other:?}")),
    }
}
