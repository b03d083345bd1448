//! The Fuji list datasets: the 0x902B property-description list and the 0xD212 state list.
