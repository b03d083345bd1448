//! The camera's think time on the std server: every reply waits for it and data arrives whole (on
//! 127.0.0.1, ports the OS picks). The responder's own tests show probes and cancels handled
//! while a reply is held.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use ptpip_protocol::initiator::Operation;
use ptpip_protocol::responder::{Device, PatternSource, Reply, Request, ResponderConfig, Response};
use ptpip_protocol::{Dialect, FriendlyName, Guid, OperationCode};
use ptpip_transport_std::{Calls, Client, ClientConfig, DataSink, Ports, serve};

const THINK: Duration = Duration::from_millis(40);

/// GetObject serves the pattern (size in parameter 1); everything else is OK.
struct Pattern;

impl Device for Pattern {
    fn operation(&mut self, r: &Request) -> Reply {
        match r.code {
            OperationCode::GET_OBJECT => Reply::Data {
                source: Box::new(PatternSource::new(u64::from(r.params.get(1).unwrap_or(0)))),
                response: Response::OK,
            },
            _ => Reply::Respond(Response::OK),
        }
    }

    fn data_out(&mut self, _: &Request, _: &[u8]) {}

    fn data_out_done(&mut self, _: &Request, _: u64) -> Response {
        Response::OK
    }
}

/// Checks every byte against the pattern.
struct Check {
    len: u64,
    ok: bool,
}

impl DataSink for Check {
    fn piece(&mut self, offset: u64, _: Option<u64>, data: &[u8]) -> std::io::Result<()> {
        self.ok &= data
            .iter()
            .enumerate()
            .all(|(k, &b)| b == PatternSource::byte_at(offset + k as u64));
        self.len += data.len() as u64;
        Ok(())
    }
}

#[test]
fn every_reply_waits_for_the_think_time() {
    let mut config = ResponderConfig::new(
        Guid([3; 16]),
        FriendlyName::new("thinker").unwrap(),
        Dialect::Generic,
    );
    config.think = THINK;
    let server = serve(
        TcpListener::bind("127.0.0.1:0").unwrap(),
        None,
        config,
        || Pattern,
    )
    .unwrap();
    let port = server.local_addr().port();
    let mut cfg = ClientConfig::new("127.0.0.1", Dialect::Generic);
    cfg.ports = Ports {
        command: port,
        event: port,
        stream: 0,
    };
    let mut c = Client::connect(cfg).unwrap();
    for len in [0u32, 1000, 700_000] {
        let t = Instant::now();
        let mut sink = Check { len: 0, ok: true };
        let op = Operation::new(OperationCode::GET_OBJECT, &[len]).unwrap();
        c.download(op, &mut sink).unwrap();
        // A lower bound only: the reply cannot come before the camera has thought.
        assert!(t.elapsed() >= THINK, "{len}: {:?}", t.elapsed());
        assert_eq!((sink.len, sink.ok), (u64::from(len), true));
    }
    let t = Instant::now();
    c.call(Operation::new(OperationCode::DELETE_OBJECT, &[1]).unwrap())
        .unwrap();
    assert!(t.elapsed() >= THINK, "{:?}", t.elapsed());
    c.close().unwrap();
}
