//! The camera the benchmarks measure against: GetObject(N) sends N MiB of one 1 MiB block repeated
//! (shared, never copied), GetNumObjects answers at once; everything else is refused.

use bytes::Bytes;
use ptpip_protocol::responder::{DataSource, Device, Reply, Request, Response};
use ptpip_protocol::{OperationCode, ResponseCode};

/// The block objects are made of.
pub const BLOCK: usize = 1 << 20;

/// `left` bytes of one block repeated.
struct Repeat {
    block: Bytes,
    left: u64,
}

impl DataSource for Repeat {
    fn len(&self) -> Option<u64> {
        Some(self.left)
    }

    fn next_piece(&mut self, max: usize) -> Bytes {
        let n = (self.left.min(max as u64) as usize).min(self.block.len());
        self.left -= n as u64;
        self.block.slice(..n)
    }
}

/// The benchmarks' camera; clone one per session, the block is shared.
#[derive(Clone, Debug)]
pub struct BenchDevice {
    block: Bytes,
}

impl BenchDevice {
    /// A camera whose objects repeat [`block`].
    #[must_use]
    pub fn new() -> Self {
        Self { block: block() }
    }
}

impl Default for BenchDevice {
    fn default() -> Self {
        Self::new()
    }
}

/// The 1 MiB block: each byte its offset modulo 251.
#[must_use]
pub fn block() -> Bytes {
    Bytes::from((0..BLOCK).map(|i| (i % 251) as u8).collect::<Vec<u8>>())
}

impl Device for BenchDevice {
    fn operation(&mut self, r: &Request) -> Reply {
        match r.code {
            OperationCode::GET_OBJECT => Reply::Data {
                source: Box::new(Repeat {
                    block: self.block.clone(),
                    left: u64::from(r.params.get(1).unwrap_or(0)) << 20,
                }),
                response: Response::OK,
            },
            OperationCode::GET_NUM_OBJECTS => {
                Reply::Respond(Response::with_params(ResponseCode::OK, &[1]))
            }
            _ => Reply::Respond(Response::code(ResponseCode::OPERATION_NOT_SUPPORTED)),
        }
    }

    fn data_out(&mut self, _: &Request, _: &[u8]) {}

    fn data_out_done(&mut self, _: &Request, _: u64) -> Response {
        Response::OK
    }
}
