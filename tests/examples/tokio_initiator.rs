//! The sans-IO Initiator driven from a tokio task: the core embeds in an event loop we do not
//! ship. The task owns two `tokio::net::TcpStream`s and the clock; the state machine owns every
//! decision. It asks a camera for its DeviceInfo and closes the session.
//!
//! Run it with `cargo run -p ptpip-tests --example tokio_initiator`: it starts the built-in
//! virtual camera on a loopback port (transport-std's server, on threads of its own) and talks to
//! it; give `HOST:PORT` to talk to a real standard PTP/IP camera instead.

use std::error::Error;
use std::future::pending;
use std::net::SocketAddr;
use std::time::Instant;

use bytes::BytesMut;
use ptpip_protocol::camera::VirtualCamera;
use ptpip_protocol::initiator::{Event, Initiator, InitiatorConfig, Operation};
use ptpip_protocol::ptp::dataset::DeviceInfo;
use ptpip_protocol::responder::ResponderConfig;
use ptpip_protocol::{Channel, Dialect, FriendlyName, Guid, OperationCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads what `stream` has into a fresh buffer; `None` at the end of the connection.
async fn read(stream: &mut TcpStream) -> std::io::Result<Option<BytesMut>> {
    let mut buf = BytesMut::with_capacity(64 << 10);
    match stream.read_buf(&mut buf).await? {
        0 => Ok(None),
        _ => Ok(Some(buf)),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    // A camera: the address given, or the built-in one on a loopback port.
    let mut _server = None;
    let addr: SocketAddr = match std::env::args().nth(1) {
        Some(a) => a.parse()?,
        None => {
            let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
            let name = FriendlyName::new("virtual")?;
            let rc = ResponderConfig::new(Guid([2; 16]), name, Dialect::Generic);
            let server = ptpip_transport_std::serve(listener, None, rc, VirtualCamera::sample)?;
            let addr = server.local_addr();
            _server = Some(server);
            addr
        }
    };

    let name = FriendlyName::new("tokio example")?;
    let config = InitiatorConfig::new(Guid([1; 16]), name, Dialect::Generic);
    let mut ini = Initiator::new(config, Instant::now());
    let mut command = TcpStream::connect(addr).await?;
    command.set_nodelay(true)?;
    let mut event: Option<TcpStream> = None;

    loop {
        // 1. Everything the state machine has to send, in order, opening the event connection
        //    when it first has something for it.
        while let Some(t) = ini.poll_transmit() {
            match t.channel {
                Channel::Command => command.write_all(&t.payload).await?,
                Channel::Event => {
                    if event.is_none() {
                        let s = TcpStream::connect(addr).await?;
                        s.set_nodelay(true)?;
                        event = Some(s);
                    }
                    if let Some(s) = event.as_mut() {
                        s.write_all(&t.payload).await?;
                    }
                }
            }
        }
        // 2. What happened. Commands given here queue more to send: back to 1 before waiting.
        let mut commanded = false;
        while let Some(e) = ini.poll_event() {
            match e {
                Event::Ready => {
                    commanded = true;
                    let op = Operation::new(OperationCode::GET_DEVICE_INFO, &[])
                        .ok_or("too many parameters")?
                        .collect(64 << 10);
                    ini.execute(Instant::now(), op)?;
                }
                Event::OperationComplete(c) => {
                    let info = DeviceInfo::decode(c.data.as_deref().unwrap_or_default())?;
                    println!("{} by {}", info.model, info.manufacturer);
                    commanded = true;
                    ini.close(Instant::now());
                }
                Event::Closed => return Ok(()),
                Event::ConnectionLost { reason } => return Err(reason.into()),
                _ => {}
            }
        }
        if commanded {
            continue;
        }
        // 3. Wait for bytes on either connection or the next deadline, whichever comes first.
        let deadline = ini.poll_timeout();
        let sleep = async {
            match deadline {
                Some(t) => tokio::time::sleep_until(t.into()).await,
                None => pending().await,
            }
        };
        let from_event = async {
            match event.as_mut() {
                Some(s) if ini.wants_read(Channel::Event) => read(s).await,
                _ => pending().await,
            }
        };
        tokio::select! {
            r = read(&mut command), if ini.wants_read(Channel::Command) => match r? {
                Some(bytes) => { let _ = ini.handle_input(Instant::now(), Channel::Command, bytes); }
                None => ini.handle_eof(Instant::now(), Channel::Command),
            },
            r = from_event => match r? {
                Some(bytes) => { let _ = ini.handle_input(Instant::now(), Channel::Event, bytes); }
                None => ini.handle_eof(Instant::now(), Channel::Event),
            },
            () = sleep => ini.handle_timeout(Instant::now()),
        }
    }
}
