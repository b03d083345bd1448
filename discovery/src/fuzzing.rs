//! The body of the `discovery` fuzz target (feature `fuzzing`), shared with the corpus replay
//! test in `tests/tests/discovery_corpus.rs`.
//!
//! The first input byte selects the parser, the rest is its input. Beyond "no panic", what
//! parses and is re-encoded by our own builders must parse back to the same value, and any
//! query `ptpip camera` answers must give an answer that parses.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::description::Description;
use crate::{fuji, http, mdns, ssdp};

/// The parsers, by selector (`data[0] % PARSERS`).
pub const PARSERS: u8 = 8;

/// Selector values, for seeds.
pub mod selector {
    /// [`crate::ssdp::parse`].
    pub const SSDP: u8 = 0;
    /// [`crate::description::Description::parse`].
    pub const DESCRIPTION: u8 = 1;
    /// [`crate::mdns::parse_response`].
    pub const MDNS_RESPONSE: u8 = 2;
    /// [`crate::mdns::parse_query`] (and the answer to it).
    pub const MDNS_QUERY: u8 = 3;
    /// [`crate::fuji::parse`].
    pub const FUJI: u8 = 4;
    /// [`crate::http::parse_get`].
    pub const HTTP_GET: u8 = 5;
    /// [`crate::http::parse_response_head`].
    pub const HTTP_RESPONSE: u8 = 6;
    /// [`crate::ssdp::HttpUrl::parse`] (and [`crate::fuji::host_part`]).
    pub const URL: u8 = 7;
}

/// Runs one input.
///
/// # Panics
/// When a parser panics or an invariant breaks.
pub fn discovery(data: &[u8]) {
    let Some((&sel, input)) = data.split_first() else {
        return;
    };
    match sel % PARSERS {
        selector::SSDP => ssdp_round_trip(input),
        selector::DESCRIPTION => {
            if let Ok(d) = Description::parse(input) {
                let again = Description::parse(d.to_xml().as_bytes()).expect("our XML parses");
                let expected = Description {
                    nickname: None,
                    ..d
                };
                assert_eq!(again, expected);
            }
        }
        selector::MDNS_RESPONSE => {
            if let Ok(found) = mdns::parse_response(input) {
                let from = IpAddr::V4(Ipv4Addr::LOCALHOST);
                for i in &found {
                    let _ = crate::camera::Found::from_mdns(i, from);
                }
            }
        }
        selector::MDNS_QUERY => {
            if let Ok(q) = mdns::parse_query(input) {
                let ad = mdns::Advertisement {
                    instance: "fuzz cam".into(),
                    service: mdns::PTP_SERVICE.into(),
                    host: "fuzz.local".into(),
                    port: 15740,
                    txt: vec!["dialect=generic".into()],
                    addrs: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
                    ttl: 120,
                };
                if let Some(answer) = ad.answer(&q, true) {
                    let found = mdns::parse_response(&answer).expect("our answer parses");
                    assert!(found.iter().any(|i| i.port == Some(15740)));
                }
            }
        }
        selector::FUJI => fuji_round_trip(input),
        selector::HTTP_GET => {
            let _ = http::parse_get(input);
        }
        selector::HTTP_RESPONSE => {
            if let Ok(h) = http::parse_response_head(input) {
                assert!(h.head_len <= input.len());
            }
        }
        _ => {
            if let Ok(text) = std::str::from_utf8(input) {
                if let Ok(u) = ssdp::HttpUrl::parse(text) {
                    assert!(u.path.starts_with('/'));
                    let _ = u.authority();
                }
                let _ = fuji::host_part(text);
            }
        }
    }
}

fn ssdp_round_trip(input: &[u8]) {
    let to = SocketAddr::from(([127, 0, 0, 1], 1900));
    match ssdp::parse(input) {
        Ok(ssdp::Message::Search(s)) => {
            assert_eq!(ssdp::parse(&s.encode()), Ok(ssdp::Message::Search(s)));
        }
        Ok(ssdp::Message::Notify(n)) => {
            assert_eq!(ssdp::parse(&n.encode(to)), Ok(ssdp::Message::Notify(n)));
        }
        Ok(ssdp::Message::Response(r)) => {
            let r = ssdp::Response {
                max_age: Some(r.max_age.unwrap_or(1800)),
                ..r
            };
            assert_eq!(ssdp::parse(&r.encode()), Ok(ssdp::Message::Response(r)));
        }
        Err(_) => {}
    }
}

fn fuji_round_trip(input: &[u8]) {
    let again = match fuji::parse(input) {
        Ok(fuji::Message::TetherInvite(t)) => {
            let again = fuji::parse(&t.encode());
            assert_eq!(again, Ok(fuji::Message::TetherInvite(t)));
            return;
        }
        Ok(fuji::Message::Register(r)) => {
            (fuji::parse(&r.encode("h:1")), fuji::Message::Register(r))
        }
        Ok(fuji::Message::Notify(n)) => (fuji::parse(&n.encode()), fuji::Message::Notify(n)),
        Ok(fuji::Message::Accepted(a)) => (fuji::parse(&a.encode()), fuji::Message::Accepted(a)),
        Ok(fuji::Message::Discovery(d)) => {
            // The builder writes the standard service when none is given.
            let d = fuji::Discovery {
                service: Some(
                    d.service
                        .clone()
                        .unwrap_or_else(|| fuji::TETHER_SERVICE.into()),
                ),
                ..d
            };
            (fuji::parse(&d.encode()), fuji::Message::Discovery(d))
        }
        Ok(fuji::Message::Import(i)) => (fuji::parse(&i.encode("h:1")), fuji::Message::Import(i)),
        Ok(fuji::Message::Discover(d)) => {
            let d = fuji::Discover {
                host: Some(d.host.clone().unwrap_or_else(|| "192.168.1.255:|".into())),
                service: Some(
                    d.service
                        .clone()
                        .unwrap_or_else(|| fuji::AUTOSAVE_SERVICE.into()),
                ),
                ..d
            };
            (fuji::parse(&d.encode()), fuji::Message::Discover(d))
        }
        Err(_) => return,
    };
    assert_eq!(again.0, Ok(again.1));
}
