//! Named tolerances: what a decoder accepted that the spec does not allow.
//!
//! The rule is strict in what we send, liberal in what we accept, and every leniency named. Where a
//! real camera sends a layout ISO 15740 or DC-X005 does not allow, and the meaning is still clear
//! (a field left out at the end, padding after the last field, a name in a fixed-width field), the
//! decoder accepts it and says so with a [`Quirk`]:
//! - the Init packets keep their layout in the value ([`InitCommandAck::layout`],
//!   [`InitEventAck::padding`]), so they re-encode to the very bytes received, and list their
//!   quirks with `quirks()`; the [`Initiator`](crate::Initiator) hands the ack's quirks to the
//!   caller in [`Event::Connected`](crate::initiator::Event::Connected);
//! - the datasets keep their strict `decode` (the exact inverse of `encode`) and add
//!   `decode_lenient`, which returns the value in a [`Tolerant`] with the quirks met.
//!
//! [`InitCommandAck::layout`]: crate::packet::InitCommandAck::layout
//! [`InitEventAck::padding`]: crate::packet::InitEventAck::padding

use std::fmt;

/// What a decoder used in place of fields that were not on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReadAs {
    /// Strings and arrays: empty.
    Empty,
    /// An optional value: absent (`None`).
    Absent,
    /// DevicePropDesc's FormFlag: None, so no form.
    NoForm,
}

impl fmt::Display for ReadAs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "empty",
            Self::Absent => "absent",
            Self::NoForm => "None (no form)",
        })
    }
}

/// One tolerance a decoder applied: a layout real cameras send that the spec does not allow.
///
/// Contexts and fields are spelled as in the spec, as in [`DecodeError`](crate::DecodeError).
/// `Display` gives one line for a log, e.g. `ObjectInfo: ends before ModificationDate;
/// ModificationDate, Keywords read as empty`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Quirk {
    /// The packet or dataset ended, at a field boundary, before its last fields.
    MissingFields {
        /// The packet or dataset (`ObjectInfo`, `Init_Command_Ack`).
        context: &'static str,
        /// The fields not on the wire, in wire order; the input ended where the first one starts.
        fields: &'static [&'static str],
        /// What the decoder used for them.
        read_as: ReadAs,
    },
    /// Bytes after the last field, ignored.
    TrailingBytes {
        /// The packet or dataset.
        context: &'static str,
        /// How many.
        count: u64,
        /// Whether they are all zero (padding) rather than data the decoder does not know.
        all_zero: bool,
    },
    /// A NUL-terminated name in a fixed-width field: the name, its NUL, then zeros up to `width`.
    PaddedField {
        /// The packet or dataset.
        context: &'static str,
        /// The field (`FriendlyName`).
        field: &'static str,
        /// The field's width in bytes, NUL and padding included.
        width: u32,
    },
    /// A Fujifilm X-T1 STR description: FactoryDefaultValue and CurrentValue are fixed-width
    /// blocks of NUL-padded text rather than PTP strings, and the form is kept undecoded (see
    /// [`DevicePropDesc`](crate::ptp::dataset::DevicePropDesc)).
    FixedWidthValues {
        /// The dataset (`DevicePropDesc`).
        context: &'static str,
        /// The width of each value in bytes; 0 when none could be found (everything after GetSet
        /// is then kept undecoded).
        width: u32,
    },
}

impl Quirk {
    /// The packet or dataset the quirk was found in.
    #[must_use]
    pub const fn context(&self) -> &'static str {
        match self {
            Self::MissingFields { context, .. }
            | Self::TrailingBytes { context, .. }
            | Self::PaddedField { context, .. }
            | Self::FixedWidthValues { context, .. } => context,
        }
    }
}

impl fmt::Display for Quirk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingFields {
                context,
                fields,
                read_as,
            } => match fields {
                [] => write!(f, "{context}: no fields missing"),
                [one] => write!(f, "{context}: no {one} field, read as {read_as}"),
                [first, ..] => write!(
                    f,
                    "{context}: ends before {first}; {} read as {read_as}",
                    fields.join(", ")
                ),
            },
            Self::TrailingBytes {
                context,
                count,
                all_zero,
            } => {
                let s = if *count == 1 { "" } else { "s" };
                let zero = if *all_zero { " (all zero)" } else { "" };
                write!(f, "{context}: {count} trailing byte{s} ignored{zero}")
            }
            Self::PaddedField {
                context,
                field,
                width,
            } => write!(
                f,
                "{context}: {field} in a fixed {width}-byte field, zero-padded after its NUL"
            ),
            Self::FixedWidthValues { context, width: 0 } => write!(
                f,
                "{context}: STR values are not PTP strings and no fixed width was found; \
                 everything after GetSet kept undecoded"
            ),
            Self::FixedWidthValues { context, width } => write!(
                f,
                "{context}: FactoryDefaultValue and CurrentValue read as fixed {width}-byte text \
                 blocks (Fujifilm X-T1 layout); the form kept undecoded"
            ),
        }
    }
}

/// A value decoded leniently, with the quirks the decoder tolerated (empty: the input was exact).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Tolerant<T> {
    /// The value.
    pub value: T,
    /// What was tolerated, in the order met.
    pub quirks: Vec<Quirk>,
}

impl<T> Tolerant<T> {
    /// A value decoded with nothing to tolerate.
    #[must_use]
    pub const fn exact(value: T) -> Self {
        Self {
            value,
            quirks: Vec::new(),
        }
    }

    /// Whether nothing was tolerated.
    #[must_use]
    pub fn is_exact(&self) -> bool {
        self.quirks.is_empty()
    }

    /// Hands each quirk to `report` (a logger, say) and returns the value.
    pub fn report(self, report: impl FnMut(Quirk)) -> T {
        self.quirks.into_iter().for_each(report);
        self.value
    }

    /// Converts the value, keeping the quirks.
    #[must_use]
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Tolerant<U> {
        Tolerant {
            value: f(self.value),
            quirks: self.quirks,
        }
    }
}

/// The quirk for `rest`, the bytes left after the last field, if any.
pub(crate) fn trailing(context: &'static str, rest: &[u8]) -> Option<Quirk> {
    (!rest.is_empty()).then(|| Quirk::TrailingBytes {
        context,
        count: rest.len() as u64,
        all_zero: rest.iter().all(|&b| b == 0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_context_fields_and_fallback() {
        let cases = [
            (
                Quirk::MissingFields {
                    context: "Init_Command_Ack",
                    fields: &["ProtocolVersion"],
                    read_as: ReadAs::Absent,
                },
                "Init_Command_Ack: no ProtocolVersion field, read as absent",
            ),
            (
                Quirk::MissingFields {
                    context: "ObjectInfo",
                    fields: &["ModificationDate", "Keywords"],
                    read_as: ReadAs::Empty,
                },
                "ObjectInfo: ends before ModificationDate; ModificationDate, Keywords read as empty",
            ),
            (
                Quirk::MissingFields {
                    context: "DevicePropDesc",
                    fields: &["FormFlag"],
                    read_as: ReadAs::NoForm,
                },
                "DevicePropDesc: no FormFlag field, read as None (no form)",
            ),
            (
                Quirk::TrailingBytes {
                    context: "DeviceInfo",
                    count: 6,
                    all_zero: false,
                },
                "DeviceInfo: 6 trailing bytes ignored",
            ),
            (
                Quirk::TrailingBytes {
                    context: "Init_Event_Ack",
                    count: 1,
                    all_zero: true,
                },
                "Init_Event_Ack: 1 trailing byte ignored (all zero)",
            ),
            (
                Quirk::PaddedField {
                    context: "Init_Command_Ack",
                    field: "FriendlyName",
                    width: 40,
                },
                "Init_Command_Ack: FriendlyName in a fixed 40-byte field, zero-padded after its NUL",
            ),
            (
                Quirk::FixedWidthValues {
                    context: "DevicePropDesc",
                    width: 153,
                },
                "DevicePropDesc: FactoryDefaultValue and CurrentValue read as fixed 153-byte text \
                 blocks (Fujifilm X-T1 layout); the form kept undecoded",
            ),
            (
                Quirk::FixedWidthValues {
                    context: "DevicePropDesc",
                    width: 0,
                },
                "DevicePropDesc: STR values are not PTP strings and no fixed width was found; \
                 everything after GetSet kept undecoded",
            ),
            (
                Quirk::MissingFields {
                    context: "X",
                    fields: &[],
                    read_as: ReadAs::Empty,
                },
                "X: no fields missing",
            ),
        ];
        for (quirk, text) in cases {
            assert_eq!(quirk.to_string(), text);
            assert_eq!(Some(quirk.context()), text.split(':').next());
        }
    }

    #[test]
    fn trailing_counts_and_tells_padding_from_data() {
        assert_eq!(trailing("A", &[]), None);
        assert_eq!(
            trailing("A", &[0, 0, 0]),
            Some(Quirk::TrailingBytes {
                context: "A",
                count: 3,
                all_zero: true
            })
        );
        assert_eq!(
            trailing("A", &[0, 1]),
            Some(Quirk::TrailingBytes {
                context: "A",
                count: 2,
                all_zero: false
            })
        );
    }

    #[test]
    fn tolerant_reports_then_returns_the_value() {
        let t = Tolerant {
            value: 7,
            quirks: vec![trailing("A", &[0]).unwrap(), trailing("B", &[1]).unwrap()],
        };
        assert!(!t.is_exact());
        let mut seen = Vec::new();
        let v = t.clone().map(|v| v * 2).report(|q| seen.push(q.context()));
        assert_eq!((v, seen), (14, vec!["A", "B"]));
        assert!(Tolerant::exact(1).is_exact());
    }
}
