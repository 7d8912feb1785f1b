//! Certificates and keys: parse, inspect, convert, chain, match, lint and generate.
//! Pure Rust, no platform: the page and the command-line tool share every line of it.

pub mod generate;
pub mod lint;
