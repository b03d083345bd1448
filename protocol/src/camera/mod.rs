//! Built-in virtual cameras: device models for the [`Responder`](crate::Responder).
