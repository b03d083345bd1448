//! The built-in camera (`ptpip camera`).
