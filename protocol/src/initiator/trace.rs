//! What the Initiator logs, through the `log` crate: each operation and its outcome at debug,
//! every packet both ways at trace (a one-line summary and the first bytes in hex). Nothing is
//! formatted unless its level is enabled.

use log::Level;

use super::Initiator;
use crate::Encode;
use crate::channel::{Channel, Inbound};
use crate::fuji::Container;
use crate::packet::{Dialect, parse_packet};

/// The most bytes of a packet shown in hex at trace level.
const HEX_BYTES: usize = 64;

/// The first [`HEX_BYTES`] of `bytes` as a hex dump (offsets, hex, ASCII).
pub(crate) fn hex(bytes: &[u8]) -> String {
    let cfg = pretty_hex::HexConfig {
        title: false,
        max_bytes: HEX_BYTES,
        ..pretty_hex::HexConfig::default()
    };
    pretty_hex::config_hex(&bytes, cfg)
}

impl Initiator {
    /// Logs a received packet (or the start of a data packet) at trace level.
    pub(super) fn trace_in(&self, channel: Channel, item: &Inbound) {
        if !log::log_enabled!(Level::Trace) {
            return;
        }
        match item {
            Inbound::Packet(p) => {
                log::trace!("← {channel}: {p}\n{}", hex(&p.to_bytes()));
            }
            Inbound::Container(c) => {
                log::trace!("← {channel}: {c}\n{}", hex(&c.to_bytes()));
            }
            Inbound::DataBegin {
                kind,
                transaction_id,
                len,
            } => {
                // The payload streams past in pieces: the header is what can be shown.
                let head = kind.header(*transaction_id, *len);
                let what = kind.name();
                log::trace!(
                    "← {channel}: {what} tid={} {len} bytes\n{}",
                    transaction_id.0,
                    hex(&head)
                );
            }
            Inbound::LiveView | Inbound::DataPiece(_) | Inbound::DataEnd { .. } => {}
        }
    }

    /// Logs the packets of a transmit at trace level.
    pub(super) fn trace_out(&self, channel: Channel, payload: &[u8]) {
        if !log::log_enabled!(Level::Trace) || payload.is_empty() {
            return;
        }
        // After the Fujifilm init handshake both connections carry USB-style containers.
        let containers = self.config.dialect == Dialect::Fuji && self.is_initialized();
        let summary = if containers {
            Container::decode(payload).map(|c| c.to_string()).ok()
        } else {
            match parse_packet(payload, self.config.dialect) {
                Ok(([], p)) => Some(p.to_string()),
                _ => None,
            }
        };
        let summary = summary.unwrap_or_else(|| format!("{} bytes of data", payload.len()));
        log::trace!("→ {channel}: {summary}\n{}", hex(payload));
    }
}
