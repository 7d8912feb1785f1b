//! Module families: identification, credential rules, provisioning flows and error meanings.
