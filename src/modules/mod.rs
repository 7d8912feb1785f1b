//! Module families: identification, credential rules, provisioning flows and error meanings.

pub mod family;
pub mod rules;

pub use family::Family;
