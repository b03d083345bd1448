//! Crate-internal macros.

/// Declares a code-word newtype with named constants, human names, `from_name`, `Debug` and `Display`.
/// See [`crate::ptp::codes`] for what the generated types offer.
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
                // `0x` and two hex digits per byte: `0x1001` for a u16, `0x0000000e` for a u32.
                let w = 2 + (<$inner>::BITS / 4) as usize;
                match self.name() {
                    Some(n) => write!(f, "{}({:#0w$x})", n, self.0, w = w),
                    None => write!(f, concat!(stringify!($name), "({:#0w$x})"), self.0, w = w),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{:#0w$x}", self.0, w = 2 + (<$inner>::BITS / 4) as usize),
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
