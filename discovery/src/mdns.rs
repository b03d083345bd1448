//! mDNS / DNS-SD (RFC 6762, RFC 6763): the `_ptp._tcp` queries Nikon Z and Canon EOS bodies
//! answer, and the answers `ptpip camera` gives.
//!
//! `simple-dns` builds and parses the DNS messages; this module only picks the records that make
//! a service instance (PTR → SRV, TXT → A/AAAA) and answers questions about one.
//!
//! A query sent from a port other than 5353 is a "legacy unicast" query (RFC 6762 §6.7): the
//! answer goes back to its source address and port, echoes its ID and questions, and has TTLs of
//! at most 10 s. That is how `ptpip discover` asks — to the multicast group, or straight to one
//! host — so it needs no socket on port 5353.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use simple_dns::rdata::{A, AAAA, PTR, RData, SRV, TXT};
use simple_dns::{
    CLASS, Label, Name, Packet, PacketFlag, QCLASS, QTYPE, Question, ResourceRecord, TYPE,
};

use crate::error::ParseError;

/// The mDNS port.
pub const PORT: u16 = 5353;
/// The IPv4 mDNS group and port.
pub const MULTICAST_V4: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(224, 0, 0, 251), PORT));
/// The IPv6 mDNS group and port.
pub const MULTICAST_V6: SocketAddr = SocketAddr::V6(SocketAddrV6::new(
    Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0xfb),
    PORT,
    0,
    0,
));
/// The PTP/IP service type (Nikon Z "Connect to PC", Canon EOS in EOS Utility mode).
pub const PTP_SERVICE: &str = "_ptp._tcp.local";
/// The largest mDNS message read (RFC 6762 §17).
pub const MAX_MESSAGE: usize = 9000;
/// The most service instances taken from one answer.
const MAX_INSTANCES: usize = 64;
/// The TTL of legacy unicast answers (RFC 6762 §6.7: at most 10 s).
const LEGACY_TTL: u32 = 10;

/// A service instance found in an answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Instance {
    /// The instance's first label (the name a user sees: "Nikon Z 6_2", "ptpip camera").
    pub label: String,
    /// The whole instance name, lowercase (`nikon z 6_2._ptp._tcp.local`).
    pub name: String,
    /// The service type (`_ptp._tcp.local`).
    pub service: String,
    /// The SRV target host name.
    pub host: Option<String>,
    /// The SRV port.
    pub port: Option<u16>,
    /// TXT attributes sorted by key (a key without `=` has no value; of a repeated key, the
    /// first).
    pub txt: Vec<(String, Option<String>)>,
    /// The host's addresses given in the same answer.
    pub addrs: Vec<IpAddr>,
}

impl Instance {
    /// The TXT value of `key` (ASCII case-insensitive, RFC 6763 §6.4).
    #[must_use]
    pub fn txt_value(&self, key: &str) -> Option<&str> {
        self.txt
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.as_deref())
    }
}

/// A question of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// The name asked about, lowercase.
    pub name: String,
    /// The record type (`TYPE` code; 255 for ANY).
    pub qtype: u16,
    /// The QU bit: a unicast answer is preferred.
    pub unicast: bool,
}

/// A query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Its ID (echoed in legacy unicast answers).
    pub id: u16,
    /// Its questions.
    pub questions: Vec<Asked>,
}

fn name_string(n: &Name<'_>) -> String {
    n.to_string().to_ascii_lowercase()
}

fn dns_err(e: simple_dns::SimpleDnsError) -> ParseError {
    ParseError::syntax("mDNS message", e)
}

/// A query for the instances of `services` (PTR questions), with the QU bit when
/// `unicast_response`.
#[must_use]
pub fn query(id: u16, services: &[&str], unicast_response: bool) -> Vec<u8> {
    let mut p = Packet::new_query(id);
    for s in services {
        p.questions.push(Question::new(
            Name::new_unchecked(s),
            TYPE::PTR.into(),
            CLASS::IN.into(),
            unicast_response,
        ));
    }
    // A query of valid names always builds.
    p.build_bytes_vec().unwrap_or_default()
}

/// Parses a query.
///
/// # Errors
/// Empty, larger than [`MAX_MESSAGE`], not DNS, or an answer instead of a query.
pub fn parse_query(bytes: &[u8]) -> Result<Query, ParseError> {
    const WHAT: &str = "mDNS query";
    ParseError::check_len(WHAT, bytes.len(), MAX_MESSAGE)?;
    let p = Packet::parse(bytes).map_err(dns_err)?;
    if p.has_flags(PacketFlag::RESPONSE) {
        return Err(ParseError::unexpected(WHAT, "a query", "a response"));
    }
    Ok(Query {
        id: p.id(),
        questions: p
            .questions
            .iter()
            .map(|q| Asked {
                name: name_string(&q.qname),
                qtype: q.qtype.into(),
                unicast: q.unicast_response,
            })
            .collect(),
    })
}

/// Parses an answer into the service instances it describes: every PTR record of a service
/// type, with the SRV, TXT and address records of the same answer (answers and additional
/// records alike). SRV records without a PTR make instances too.
///
/// # Errors
/// Empty, larger than [`MAX_MESSAGE`], not DNS, or a query instead of an answer.
pub fn parse_response(bytes: &[u8]) -> Result<Vec<Instance>, ParseError> {
    const WHAT: &str = "mDNS answer";
    ParseError::check_len(WHAT, bytes.len(), MAX_MESSAGE)?;
    let p = Packet::parse(bytes).map_err(dns_err)?;
    if !p.has_flags(PacketFlag::RESPONSE) {
        return Err(ParseError::unexpected(WHAT, "a response", "a query"));
    }
    let records: Vec<&ResourceRecord<'_>> = p.answers.iter().chain(&p.additional_records).collect();
    let mut found: BTreeMap<String, Instance> = BTreeMap::new();
    for r in &records {
        if let RData::PTR(PTR(target)) = &r.rdata {
            let service = name_string(&r.name);
            if !service.contains("._tcp") && !service.contains("._udp") {
                continue; // a reverse-address PTR, or something else
            }
            let name = name_string(target);
            if found.len() < MAX_INSTANCES {
                found.entry(name.clone()).or_insert_with(|| Instance {
                    label: target
                        .iter()
                        .next()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    name,
                    service,
                    ..Instance::default()
                });
            }
        }
    }
    for r in &records {
        let owner = name_string(&r.name);
        match &r.rdata {
            RData::SRV(srv) => {
                if !found.contains_key(&owner) && found.len() < MAX_INSTANCES {
                    let mut labels = r.name.iter();
                    let label = labels.next().map(ToString::to_string).unwrap_or_default();
                    let service = labels
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(".");
                    found.insert(
                        owner.clone(),
                        Instance {
                            label,
                            name: owner.clone(),
                            service: service.to_ascii_lowercase(),
                            ..Instance::default()
                        },
                    );
                }
                if let Some(i) = found.get_mut(&owner) {
                    i.host = Some(name_string(&srv.target));
                    i.port = Some(srv.port);
                }
            }
            RData::TXT(txt) => {
                if let Some(i) = found.get_mut(&owner) {
                    i.txt = txt_pairs(txt);
                }
            }
            _ => {}
        }
    }
    for r in &records {
        let addr = match &r.rdata {
            RData::A(a) => IpAddr::V4(Ipv4Addr::from(a.address)),
            RData::AAAA(a) => IpAddr::V6(Ipv6Addr::from(a.address)),
            _ => continue,
        };
        let owner = name_string(&r.name);
        for i in found.values_mut() {
            if i.host.as_deref() == Some(owner.as_str())
                && !i.addrs.contains(&addr)
                && i.addrs.len() < 16
            {
                i.addrs.push(addr);
            }
        }
    }
    Ok(found.into_values().collect())
}

/// TXT strings as key/value pairs sorted by key; keys that are not UTF-8 are skipped.
fn txt_pairs(txt: &TXT<'_>) -> Vec<(String, Option<String>)> {
    let mut attrs: Vec<(String, Option<String>)> = txt.attributes().into_iter().collect();
    attrs.retain(|(k, _)| !k.is_empty());
    attrs.sort();
    attrs
}

/// A service this host offers, and the answers it gives about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advertisement {
    /// The instance label ("ptpip camera"): one DNS label, dots allowed.
    pub instance: String,
    /// The service type (`_ptp._tcp.local`).
    pub service: String,
    /// The host name (`ptpip-camera.local`).
    pub host: String,
    /// The port.
    pub port: u16,
    /// TXT strings (`key=value`).
    pub txt: Vec<String>,
    /// The host's addresses.
    pub addrs: Vec<IpAddr>,
    /// The TTL of multicast answers, in seconds.
    pub ttl: u32,
}

impl Advertisement {
    /// The instance's whole name, lowercase, as queries name it.
    #[must_use]
    pub fn full_name(&self) -> String {
        format!("{}.{}", self.instance, self.service).to_ascii_lowercase()
    }

    fn instance_name(&self) -> Name<'_> {
        let mut labels = vec![Label::new_unchecked(self.instance.as_bytes())];
        labels.extend(
            self.service
                .split('.')
                .map(|l| Label::new_unchecked(l.as_bytes())),
        );
        Name::new_with_labels(&labels)
    }

    /// Every record: PTR, SRV, TXT, then the addresses.
    fn records(&self, ttl: u32) -> Vec<ResourceRecord<'_>> {
        let mut txt = TXT::new();
        for s in &self.txt {
            // Strings over 255 bytes are left out rather than sent broken.
            let _ = txt.add_string(s);
        }
        let mut v = vec![
            ResourceRecord::new(
                Name::new_unchecked(&self.service),
                CLASS::IN,
                ttl,
                RData::PTR(PTR(self.instance_name())),
            ),
            ResourceRecord::new(
                self.instance_name(),
                CLASS::IN,
                ttl,
                RData::SRV(SRV {
                    priority: 0,
                    weight: 0,
                    port: self.port,
                    target: Name::new_unchecked(&self.host),
                }),
            ),
            ResourceRecord::new(self.instance_name(), CLASS::IN, ttl, RData::TXT(txt)),
        ];
        for a in &self.addrs {
            let rdata = match a {
                IpAddr::V4(v4) => RData::A(A {
                    address: u32::from(*v4),
                }),
                IpAddr::V6(v6) => RData::AAAA(AAAA {
                    address: u128::from(*v6),
                }),
            };
            v.push(ResourceRecord::new(
                Name::new_unchecked(&self.host),
                CLASS::IN,
                ttl,
                rdata,
            ));
        }
        v
    }

    /// The answer to `query`, or `None` when it asks nothing about this service. A legacy
    /// unicast answer (`legacy`: the query came from a port other than 5353) echoes the query's
    /// ID and questions and caps the TTLs at 10 s (RFC 6762 §6.7).
    #[must_use]
    pub fn answer(&self, query: &Query, legacy: bool) -> Option<Vec<u8>> {
        let full = self.full_name();
        let host = self.host.to_ascii_lowercase();
        let service = self.service.to_ascii_lowercase();
        let any = u16::from(QTYPE::ANY);
        let wants = |q: &Asked, t: TYPE| q.qtype == any || q.qtype == u16::from(t);
        let relevant = query.questions.iter().any(|q| {
            (q.name == service && wants(q, TYPE::PTR))
                || (q.name == full && (wants(q, TYPE::SRV) || wants(q, TYPE::TXT)))
                || (q.name == host && (wants(q, TYPE::A) || wants(q, TYPE::AAAA)))
                || (q.name == "_services._dns-sd._udp.local" && wants(q, TYPE::PTR))
        });
        if !relevant {
            return None;
        }
        let ttl = if legacy {
            self.ttl.min(LEGACY_TTL)
        } else {
            self.ttl
        };
        let mut p = Packet::new_reply(if legacy { query.id } else { 0 });
        p.set_flags(PacketFlag::AUTHORITATIVE_ANSWER);
        if legacy {
            for q in &query.questions {
                p.questions.push(Question::new(
                    Name::new_unchecked(&q.name),
                    QTYPE::try_from(q.qtype).unwrap_or(QTYPE::ANY),
                    QCLASS::CLASS(CLASS::IN),
                    false,
                ));
            }
        }
        let mut records = self.records(ttl);
        // PTR first in the answers; the rest as additional records.
        p.answers.push(records.remove(0));
        p.additional_records = records;
        p.build_bytes_vec().ok()
    }

    /// An unsolicited announcement (RFC 6762 §8.3): every record, as a multicast answer.
    #[must_use]
    pub fn announcement(&self) -> Vec<u8> {
        let mut p = Packet::new_reply(0);
        p.set_flags(PacketFlag::AUTHORITATIVE_ANSWER);
        p.answers = self.records(self.ttl);
        p.build_bytes_vec().unwrap_or_default()
    }
}
