//! The PTP layer (ISO 15740): code words, data types, values and datasets.

pub mod codes;
pub mod dataset;
pub mod string;
pub mod value;

pub use codes::DataTypeCode;
pub use string::PtpString;
pub use value::PropValue;
