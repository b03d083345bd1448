//! The PTP layer (ISO 15740): code words, data types, values and datasets.

#[macro_use]
pub mod codes;

pub use codes::DataTypeCode;
