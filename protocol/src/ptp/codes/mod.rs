//! PTP code words as newtypes with named constants.
//!
//! A code the crate does not know still parses: it is just a value without a [`name`](OperationCode::name).
//! That matters for PTP, where vendors fill the 0x9000 ranges (the same reasoning as tls-parser's
//! newtype code words). Each type offers:
//! - named constants (`OperationCode::GET_DEVICE_INFO`) and `ALL`, every named code;
//! - `name()`, the human name (`"GetDeviceInfo"`), and `from_name()`, its case-insensitive inverse;
//! - `Debug` as `GetDeviceInfo(0x1001)` and `Display` as the name, or `0x9999` when unnamed.
//!
//! Vendor codes overlap between vendors; the tables here hold the standard PTP 1.0/1.1 codes, the common
//! MTP ones and the Fujifilm ones, which do not collide with each other.

macro_rules! code_newtype {
    (
        $(#[$meta:meta])*
        pub struct $name:ident($inner:ty);
        $( $(#[$cmeta:meta])* $konst:ident = $value:literal => $label:literal; )*
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub $inner);

        impl $name {
            $( $(#[$cmeta])* pub const $konst: Self = Self($value); )*

            /// Every code with a name, in table order.
            pub const ALL: &'static [Self] = &[$(Self::$konst),*];

            /// The human name, or `None` for a code this crate does not know.
            #[must_use]
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some($label),)*
                    _ => None,
                }
            }

            /// The code with this human name, ignoring ASCII case.
            #[must_use]
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|c| c.name().is_some_and(|n| n.eq_ignore_ascii_case(name)))
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self.name() {
                    Some(n) => write!(f, "{}({:#06x})", n, self.0),
                    None => write!(f, concat!(stringify!($name), "({:#06x})"), self.0),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{:#06x}", self.0),
                }
            }
        }

        impl From<$inner> for $name {
            fn from(v: $inner) -> Self {
                Self(v)
            }
        }

        impl From<$name> for $inner {
            fn from(v: $name) -> Self {
                v.0
            }
        }
    };
}

mod datatype;

pub use datatype::DataTypeCode;
