//! Faults end in a typed error within the configured timeout: a server that closes mid-data,
//! Init_Fail, a server slower than the response timeout, a refused event connection, garbage.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::{
    PatternSink, closed_port, config_at, config_for, drain, handshake, raw_server, read_packet,
    start_server, write_packet,
};
use ptpip_protocol::initiator::Operation;
use ptpip_protocol::packet::{DataPacket, InitFailReason, StartData};
use ptpip_protocol::responder::PatternSource;
use ptpip_protocol::{Channel, Dialect, Error, OperationCode, Packet, Timer};
use ptpip_transport_mio::{Calls, Client, ClientError};

/// Slack for scheduling on a busy 2-core machine.
const SLACK: Duration = Duration::from_secs(2);

#[test]
fn server_closing_mid_data_is_a_closed_channel() {
    const TOTAL: u64 = 1 << 20;
    const SENT: usize = 64 << 10;
    let (addr, server) = raw_server(|listener| {
        let (mut command, mut event) = handshake(&listener)?;
        let Packet::OperationRequest(req) = read_packet(&mut command)? else {
            return Err(std::io::Error::other("expected GetObject"));
        };
        let start = StartData {
            transaction_id: req.transaction_id,
            total_length: TOTAL,
        };
        write_packet(&mut command, &Packet::StartData(start))?;
        // One Data packet of SENT pattern bytes, then the connection goes away.
        let mut data = Vec::new();
        DataPacket::write_header(&mut data, false, req.transaction_id, SENT as u32);
        data.extend((0..SENT as u64).map(PatternSource::byte_at));
        command.write_all(&data)?;
        drop(command);
        // The event connection stays until the client closes it.
        drain(&mut event);
        Ok(())
    });
    let mut r = Client::connect(config_at(addr.port(), addr.port(), Dialect::Generic)).unwrap();
    let mut sink = PatternSink::new();
    let t = Instant::now();
    let err = r
        .download(
            Operation::new(OperationCode::GET_OBJECT, &[1]).unwrap(),
            &mut sink,
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Protocol(Error::ChannelClosed(Channel::Command))
        ),
        "{err}"
    );
    assert!(t.elapsed() < SLACK, "noticed at once, not by a timeout");
    assert_eq!(sink.received, SENT as u64);
    assert!(sink.ok);
    assert!(r.client().is_closed());
    // The server saw the client close the event connection.
    server.join().unwrap().unwrap();
}

#[test]
fn init_fail_is_a_typed_refusal() {
    let server = start_server(Dialect::Generic, true);
    let config = config_for(&server.handle, Dialect::Generic);
    let limit = config.initiator.init_timeout;
    let t = Instant::now();
    let err = Client::connect(config).unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Protocol(Error::InitFailed(InitFailReason::REJECTED_INITIATOR))
        ),
        "{err}"
    );
    assert!(t.elapsed() < limit);
}

#[test]
fn silent_server_times_out_after_the_response_timeout() {
    let (addr, server) = raw_server(|listener| {
        let (mut command, _event) = handshake(&listener)?;
        // Read the request and everything after it, never answering.
        drain(&mut command);
        Ok(())
    });
    let mut config = config_at(addr.port(), addr.port(), Dialect::Generic);
    let timeout = Duration::from_millis(300);
    config.initiator.response_timeout = timeout;
    let mut r = Client::connect(config).unwrap();
    let t = Instant::now();
    let err = r.device_info().unwrap_err();
    let took = t.elapsed();
    assert!(
        matches!(err, ClientError::Protocol(Error::TimedOut(Timer::Response))),
        "{err}"
    );
    assert!(took >= timeout, "not before the timeout: {took:?}");
    assert!(took < timeout + SLACK, "soon after the timeout: {took:?}");
    // The client closed its sockets: the server's read ends.
    server.join().unwrap().unwrap();
}

#[test]
fn refused_event_connection_generic() {
    let server = start_server(Dialect::Generic, false);
    let command = server.handle.local_addr().port();
    let config = config_at(command, closed_port(), Dialect::Generic);
    let limit = config.initiator.init_timeout;
    let t = Instant::now();
    let mut r = Client::start(config).unwrap();
    let err = r.wait_ready().unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Protocol(Error::ChannelClosed(Channel::Event))
        ),
        "{err}"
    );
    assert!(t.elapsed() < limit, "noticed at once: {:?}", t.elapsed());
    let io = r
        .client()
        .io_error(Channel::Event)
        .expect("the socket error");
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
    assert!(r.client().io_error(Channel::Command).is_none());
}

#[test]
fn refused_event_connection_fuji() {
    // A Fujifilm server whose event listener is gone: the client opens the event port only after
    // the set-up sequence, without an init packet, and the refusal ends the session.
    let server = start_server(Dialect::Fuji, false);
    let command = server.handle.local_addr().port();
    let config = config_at(command, closed_port(), Dialect::Fuji);
    let mut r = Client::start(config).unwrap();
    // Ready comes first (the event port is opened on it), then the refusal.
    r.wait_ready().unwrap();
    let err = r.next_event(Some(Duration::from_secs(5))).unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Protocol(Error::ChannelClosed(Channel::Event))
        ),
        "{err}"
    );
    assert_eq!(
        r.client()
            .io_error(Channel::Event)
            .map(std::io::Error::kind),
        Some(std::io::ErrorKind::ConnectionRefused)
    );
}

#[test]
fn garbage_from_the_server_is_a_decode_error() {
    let (addr, server) = raw_server(|listener| {
        let (mut command, _) = listener.accept()?;
        let _ = read_packet(&mut command)?;
        // A length of 3: shorter than the 8-byte header itself.
        command.write_all(&[3, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3, 4])?;
        drain(&mut command);
        Ok(())
    });
    let config = config_at(addr.port(), addr.port(), Dialect::Generic);
    let limit = config.initiator.init_timeout;
    let t = Instant::now();
    let err = Client::connect(config).unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Protocol(Error::Decode {
                channel: Channel::Command,
                ..
            })
        ),
        "{err}"
    );
    assert!(t.elapsed() < limit);
    server.join().unwrap().unwrap();
}

#[test]
fn nobody_listening_fails_within_the_init_timeout() {
    // One attempt (`start`): the refusal ends it at once. `connect` retries (below).
    let mut config = config_at(closed_port(), closed_port(), Dialect::Generic);
    config.initiator.init_timeout = Duration::from_millis(500);
    let t = Instant::now();
    let err = Client::start(config)
        .and_then(|mut c| c.wait_ready())
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Protocol(Error::ChannelClosed(Channel::Command))
        ),
        "{err}"
    );
    assert!(t.elapsed() < Duration::from_millis(500) + SLACK);
}

#[test]
fn connect_retries_a_refused_port_within_the_connect_timeout() {
    // As the std client: "connection refused" is retried until the connect timeout, then named.
    let port = closed_port();
    let mut config = config_at(port, port, Dialect::Generic);
    config.connect_timeout = Duration::from_millis(400);
    let err = Client::connect(config).unwrap_err();
    let ClientError::Io(io) = &err else {
        panic!("{err}");
    };
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused, "{err}");
    assert!(
        err.to_string().contains(&format!(
            "connection refused by 127.0.0.1:{port} (retried for 400ms)"
        )),
        "{err}"
    );
    // A cancelled connect stops retrying.
    let mut config = config_at(port, port, Dialect::Generic);
    config.connect_timeout = Duration::from_secs(60);
    config.cancel.cancel();
    let err = Client::connect(config).unwrap_err();
    assert!(
        matches!(&err, ClientError::Io(e) if e.kind() == std::io::ErrorKind::Interrupted),
        "{err}"
    );
}

#[test]
fn connect_waits_for_the_fuji_event_connection() {
    // Unlike `start` + `wait_ready` (refused_event_connection_fuji), `connect` returns only once
    // the event connection the Fujifilm set-up opens is accepted: a refused one fails it.
    let server = start_server(Dialect::Fuji, false);
    let command = server.handle.local_addr().port();
    let mut config = config_at(command, closed_port(), Dialect::Fuji);
    config.connect_timeout = Duration::from_secs(5);
    let err = Client::connect(config).unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Protocol(Error::ChannelClosed(Channel::Event))
        ),
        "{err}"
    );
}
