//! `--pcap FILE`: the relayed traffic as a pcapng file that Wireshark and tshark open.
//!
//! The relay sees TCP payloads, not frames, so each capture segment (one PTP/IP packet, or a
//! piece of a packet longer than a TCP segment can be) is wrapped in synthetic Ethernet, IP and
//! TCP headers built by `etherparse` (checksums included), with the connection's real addresses
//! and ports and per-direction sequence numbers that count every byte, and written as an
//! Enhanced Packet Block by `pcap-file` with the time it was read. Each connection opens with a
//! three-way handshake and ends with FIN segments, so Wireshark follows the streams.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use etherparse::{PacketBuilder, PacketBuilderStep, TcpHeader};
use pcap_file::DataLink;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use ptpip_protocol::relay::Direction;

/// The TCP window every segment advertises.
const WINDOW: u16 = u16::MAX;

/// One captured connection.
#[derive(Debug)]
struct Flow {
    initiator: SocketAddr,
    responder: SocketAddr,
    /// The next sequence number of the initiator, then of the responder.
    next_seq: [u32; 2],
}

/// A pcapng file being written.
pub(crate) struct Capture {
    writer: PcapNgWriter<BufWriter<File>>,
    flows: HashMap<u64, Flow>,
}

fn io_err(e: pcap_file::PcapError) -> io::Error {
    io::Error::other(e.to_string())
}

/// A locally administered MAC address made from an IP address.
fn mac(ip: IpAddr) -> [u8; 6] {
    let b = match ip {
        IpAddr::V4(v4) => v4.octets(),
        IpAddr::V6(v6) => {
            let o = v6.octets();
            [o[12], o[13], o[14], o[15]]
        }
    };
    [0x02, 0x00, b[0], b[1], b[2], b[3]]
}

/// The headers of a segment from `src` to `dst` (the IP versions match: one TCP connection).
fn headers(src: SocketAddr, dst: SocketAddr, seq: u32) -> PacketBuilderStep<TcpHeader> {
    let eth = PacketBuilder::ethernet2(mac(src.ip()), mac(dst.ip()));
    let v6 = |ip: IpAddr| match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    };
    match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            eth.ipv4(s.octets(), d.octets(), 64)
                .tcp(src.port(), dst.port(), seq, WINDOW)
        }
        (s, d) => eth
            .ipv6(v6(s), v6(d), 64)
            .tcp(src.port(), dst.port(), seq, WINDOW),
    }
}

/// The time since the Unix epoch, as pcapng stamps it.
fn stamp(at: SystemTime) -> Duration {
    at.duration_since(UNIX_EPOCH).unwrap_or_default()
}

impl Capture {
    /// Creates `path` and writes the section and interface headers.
    pub(crate) fn create(path: &std::path::Path) -> io::Result<Self> {
        let file = BufWriter::new(File::create(path)?);
        let mut writer = PcapNgWriter::new(file).map_err(io_err)?;
        let interface = InterfaceDescriptionBlock {
            linktype: DataLink::ETHERNET,
            snaplen: 0,
            // pcap-file writes Enhanced Packet Block stamps in nanoseconds: say so (if_tsresol
            // 9), or readers take them for the default microseconds.
            options: vec![InterfaceDescriptionOption::IfTsResol(9)],
        };
        writer.write_pcapng_block(interface).map_err(io_err)?;
        Ok(Self {
            writer,
            flows: HashMap::new(),
        })
    }

    fn frame(&mut self, at: SystemTime, bytes: Vec<u8>) -> io::Result<()> {
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        let block = EnhancedPacketBlock {
            interface_id: 0,
            timestamp: stamp(at),
            original_len: len,
            data: Cow::Owned(bytes),
            options: Vec::new(),
        };
        self.writer.write_pcapng_block(block).map_err(io_err)?;
        Ok(())
    }

    /// A connection opened: its handshake.
    pub(crate) fn open(
        &mut self,
        connection: u64,
        initiator: SocketAddr,
        responder: SocketAddr,
        at: SystemTime,
    ) -> io::Result<()> {
        // Initial sequence numbers: fixed, distinct per connection and direction.
        let isn = [
            0x1000_0000_u32.wrapping_add((connection as u32).wrapping_mul(0x0001_0001)),
            0x6000_0000_u32.wrapping_add((connection as u32).wrapping_mul(0x0001_0001)),
        ];
        let syn = headers(initiator, responder, isn[0]).syn();
        let syn_ack = headers(responder, initiator, isn[1]).syn().ack(isn[0] + 1);
        let ack = headers(initiator, responder, isn[0] + 1).ack(isn[1] + 1);
        for b in [syn, syn_ack, ack] {
            let mut out = Vec::with_capacity(b.size(0));
            b.write(&mut out, &[]).map_err(io::Error::other)?;
            self.frame(at, out)?;
        }
        self.flows.insert(
            connection,
            Flow {
                initiator,
                responder,
                next_seq: [isn[0] + 1, isn[1] + 1],
            },
        );
        Ok(())
    }

    /// Bytes that travelled `direction` on `connection`, as one TCP segment.
    pub(crate) fn segment(
        &mut self,
        connection: u64,
        direction: Direction,
        payload: &[u8],
        at: SystemTime,
    ) -> io::Result<()> {
        let Some(flow) = self.flows.get_mut(&connection) else {
            return Ok(());
        };
        let (src, dst) = match direction {
            Direction::ToResponder => (flow.initiator, flow.responder),
            Direction::ToInitiator => (flow.responder, flow.initiator),
        };
        let i = direction.index();
        let seq = flow.next_seq[i];
        let ack = flow.next_seq[1 - i];
        flow.next_seq[i] = seq.wrapping_add(payload.len() as u32);
        let b = headers(src, dst, seq).psh().ack(ack);
        let mut out = Vec::with_capacity(b.size(payload.len()));
        b.write(&mut out, payload).map_err(io::Error::other)?;
        self.frame(at, out)
    }

    /// A connection ended: a FIN each way.
    pub(crate) fn close(&mut self, connection: u64, at: SystemTime) -> io::Result<()> {
        let Some(flow) = self.flows.remove(&connection) else {
            return Ok(());
        };
        let [i, r] = flow.next_seq;
        let fin_i = headers(flow.initiator, flow.responder, i).fin().ack(r);
        let fin_r = headers(flow.responder, flow.initiator, r)
            .fin()
            .ack(i.wrapping_add(1));
        for b in [fin_i, fin_r] {
            let mut out = Vec::with_capacity(b.size(0));
            b.write(&mut out, &[]).map_err(io::Error::other)?;
            self.frame(at, out)?;
        }
        Ok(())
    }

    /// Writes what is buffered to the file.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.writer.get_mut().flush()
    }
}
