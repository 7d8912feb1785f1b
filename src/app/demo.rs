//! Demo mode's set-up: the demo server's credentials (made to each family's rules), the
//! simulated server, and which demo credentials a family's plan takes. Key generation
//! itself is the caller's (the page may run it off the main thread).

use crate::cert::generate::{GenerateOptions, GeneratedSet, KeyAlgorithm, San};
use crate::cert::lint::LintContext;
use crate::modules::plan::Options;
use crate::modules::prepare::from_lint;
use crate::modules::{self as m, Family};
use crate::sim::{Server, ServerModel};

/// The host test connections go to in demo mode; the simulated server answers for it.
pub const DEMO_HOST: &str = "demo.atcert.test";

/// What the demo server answers every request with.
pub const DEMO_ANSWER: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Length: 22\r\nConnection: close\r\n\r\nhello from atcert demo";

/// The names the demo credentials are loaded under (once each, however often asked).
pub const DEMO_CA_NAME: &str = "demo CA (ca.pem)";
pub const DEMO_DEVICE_NAME: &str = "demo device certificate and key";

/// How to generate `family`'s demo CA, server and client certificates at `now`, fitted to
/// the family's rules (e.g. iChip's SHA-1 CA).
pub fn options(family: Family, now: i64) -> Option<GenerateOptions> {
    let mut options = GenerateOptions::new(now);
    options.key = KeyAlgorithm::Rsa2048;
    options.ca.common_name = "atcert demo CA".into();
    options.server.common_name = DEMO_HOST.into();
    options.server_sans = vec![San::Dns(DEMO_HOST.into())];
    options.client.common_name = "atcert demo device".into();
    options.fit_to(&m::rules::rules(family)).ok()?;
    Some(options)
}

/// The simulated server of demo mode: trusts the demo CA, asks for a client certificate
/// from it where the family can present one, and answers every request to [`DEMO_HOST`].
pub fn server(family: Family, set: Option<&GeneratedSet>) -> Server {
    let Some(set) = set else {
        return Server::default();
    };
    let mut model = ServerModel::new(
        vec![set.server.cert_der.clone(), set.ca.cert_der.clone()],
        set.ca.cert_der.clone(),
    );
    // Ask for a client certificate only where the family can present one (its driver says).
    if family.mutual_tls() {
        model.client_ca = Some(model.root.clone());
    }
    // The demo network knows only the demo host: another name fails its lookup, as on a
    // real network, and shows how the page recovers from a failed test.
    model.hosts = Some(vec![DEMO_HOST.into()]);
    model.response = DEMO_ANSWER.to_vec();
    Server::Model(model)
}

/// The demo device's certificate and key, one PEM file.
pub fn device_pem(set: &GeneratedSet) -> Vec<u8> {
    let mut both = set.client.cert_pem().into_bytes();
    both.extend_from_slice(set.client.key_pem().as_bytes());
    both
}

/// Whether `family`'s plan takes the demo device certificate and key (SIM800's does not).
pub fn takes_client(family: Family, set: &GeneratedSet, now: i64) -> bool {
    let ctx = LintContext {
        now: Some(now),
        ..Default::default()
    };
    let ca = set.ca.cert_pem().into_bytes();
    let both = device_pem(set);
    from_lint(family, Some(&ca), Some(&both), Some(&both), &ctx)
        .ok()
        .is_some_and(|(creds, _)| m::plan_provision(family, &creds, &Options::default()).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_has_demo_options_and_sim800_takes_no_client_certificate() {
        let now = 1_800_000_000;
        for family in Family::ALL {
            assert!(options(family, now).is_some(), "{family}");
        }
        let mut p256 = options(Family::Sim7600, now).unwrap();
        p256.key = KeyAlgorithm::P256;
        let set = crate::cert::generate::generate(&p256, &mut rand_core::OsRng).unwrap();
        assert!(takes_client(Family::Sim7600, &set, now));
        assert!(!takes_client(Family::Sim800, &set, now));
        // Natively the server can also be a real TLS stack; in the browser it is only a model.
        #[allow(irrefutable_let_patterns)]
        let Server::Model(model) = server(Family::Sim800, Some(&set)) else {
            panic!("no model");
        };
        assert!(model.client_ca.is_none());
        assert_eq!(model.hosts, Some(vec![DEMO_HOST.to_owned()]));
    }
}
