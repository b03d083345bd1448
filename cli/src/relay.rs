//! Server mode: the text relay (`-s`).
