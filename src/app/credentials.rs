//! The credentials the user chose for the module, and their preparation: the one place
//! the page turns loaded files into what a plan sends. Computed once per change of the
//! choice or the loaded set (the page holds it in a memo).

use crate::cert::ItemKind;
use crate::cert::lint::{LintContext, LintReport, Parsed};
use crate::modules::Family;
use crate::modules::plan::Credentials;
use crate::modules::prepare::from_parsed;

use super::loaded::LoadedSet;

/// Which loaded file the user chose for each role, and for which family.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct Choice {
    pub family: Option<Family>,
    pub ca: Option<u64>,
    pub cert: Option<u64>,
    pub key: Option<u64>,
}

/// What the choice comes to.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Prepared {
    /// No family, or nothing chosen.
    Nothing,
    /// What to send, with what the module would have rejected and atcert fixed.
    Ready {
        creds: Credentials,
        reports: Vec<LintReport>,
    },
    /// Refused before anything is sent, with the reason.
    Refused(String),
}

impl Prepared {
    pub fn creds(&self) -> Option<&Credentials> {
        match self {
            Self::Ready { creds, .. } => Some(creds),
            _ => None,
        }
    }
}

/// Prepares the chosen credentials for the chosen family.
pub fn prepare(set: &LoadedSet, choice: Choice, now: i64) -> Prepared {
    let Some(family) = choice.family else {
        return Prepared::Nothing;
    };
    // What was parsed when the file was loaded (and unlocked): not decoded again here.
    let parsed = |id: Option<u64>| {
        id.and_then(|id| set.get(id)).map(|l| Parsed {
            bytes: &l.bytes,
            outcome: &l.outcome,
        })
    };
    let (ca, cert, key) = (parsed(choice.ca), parsed(choice.cert), parsed(choice.key));
    if ca.is_none() && cert.is_none() && key.is_none() {
        return Prepared::Nothing;
    }
    if let Some(reason) = key_misfit(set, choice) {
        return Prepared::Refused(reason);
    }
    let ctx = LintContext {
        now: Some(now),
        ..Default::default()
    };
    match from_parsed(family, ca, cert, key, &ctx) {
        Ok((creds, reports)) => Prepared::Ready { creds, reports },
        Err(error) => Prepared::Refused(super::words::plain(&error.to_string())),
    }
}

/// Why the chosen key cannot be the chosen client certificate's key, if it cannot: the
/// handshake would fail after everything was written.
pub fn key_misfit(set: &LoadedSet, choice: Choice) -> Option<String> {
    let cert = set.get(choice.cert?)?.first(ItemKind::Certificate)?;
    let key_entry = set.get(choice.key?)?;
    let key = key_entry
        .first(ItemKind::PrivateKey)?
        .private_key
        .as_ref()?;
    if crate::cert::matching::key_matches_cert(key, &cert.der) {
        return None;
    }
    let describe = |algorithm: &str, curve: Option<&str>, bits: Option<u32>| match (curve, bits) {
        (Some(curve), _) => format!("{algorithm} {curve}"),
        (None, Some(bits)) => format!("{algorithm} {bits}-bit"),
        (None, None) => algorithm.to_owned(),
    };
    let info = key.info();
    let key_text = describe(&info.algorithm, info.curve.as_deref(), info.bits);
    let (subject, cert_key) = cert
        .cert_info(0)
        .map(|i| {
            let text = describe(&i.key_algorithm, i.curve.as_deref(), i.key_bits);
            (i.subject, text)
        })
        .unwrap_or_else(|| ("the client certificate".into(), "another".into()));
    let how = if key_text == cert_key {
        format!("both are {key_text}, but they are different key pairs")
    } else {
        format!("the key is {key_text}, the certificate holds an {cert_key} public key")
    };
    Some(format!(
        "The client key does not fit the client certificate ({subject}): {how}. The module \
         would store both and then fail every TLS handshake, so nothing will be sent. Choose \
         the private key that was made with this certificate (in {}, the key card says which \
         certificate it matches).",
        key_entry.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &[u8] = include_bytes!("../../tests/web_support/keys/rsa-device.pem");
    const KEY: &[u8] = include_bytes!("../../tests/web_support/keys/rsa-device.key");
    const P256: &[u8] = include_bytes!("../../tests/web_support/keys/p256-other.key");

    #[test]
    fn a_p256_key_with_an_rsa_certificate_is_refused_with_the_reason() {
        let mut set = LoadedSet::default();
        let cert = set.add("device.pem", CERT.to_vec());
        let key = set.add("other.key", P256.to_vec());
        let choice = Choice {
            family: Some(Family::Sim7600),
            ca: Some(cert),
            cert: Some(cert),
            key: Some(key),
        };
        match prepare(&set, choice, 1_800_000_000) {
            Prepared::Refused(reason) => {
                assert!(reason.contains("does not fit"), "{reason}");
                assert!(
                    reason.contains("P-256") || reason.contains("EC"),
                    "{reason}"
                );
                assert!(reason.contains("RSA"), "{reason}");
                assert!(reason.contains("other.key"), "{reason}");
            }
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn the_matching_key_is_prepared() {
        let mut set = LoadedSet::default();
        let cert = set.add("device.pem", CERT.to_vec());
        let key = set.add("device.key", KEY.to_vec());
        let choice = Choice {
            family: Some(Family::Sim7600),
            ca: Some(cert),
            cert: Some(cert),
            key: Some(key),
        };
        assert_eq!(key_misfit(&set, choice), None);
        let prepared = prepare(&set, choice, 1_800_000_000);
        let creds = prepared.creds().unwrap_or_else(|| panic!("{prepared:?}"));
        assert!(creds.client_key.is_some() && creds.client_cert.is_some());
    }

    #[test]
    fn nothing_chosen_is_nothing() {
        let set = LoadedSet::default();
        assert_eq!(prepare(&set, Choice::default(), 0), Prepared::Nothing);
        let choice = Choice {
            family: Some(Family::Sim800),
            ..Choice::default()
        };
        assert_eq!(prepare(&set, choice, 0), Prepared::Nothing);
    }
}
