//! What each module family accepts for its TLS credentials, as data.
//!
//! The types are in `cert::lint` (which lints a credential against them); the values are
//! in each family's driver file (`modules/<family>.rs`), taken from `shared/reference/modules/*.md` and the seed
//! documents. Each fact carries its tag: [C] confirmed, [S] secondary, [I] inferred. [I]
//! facts are defaults: the fields are public, so a caller can override them for a firmware
//! that differs, and the lint only warns (never errors) on them. Flows read `storage`,
//! `send_as` and `key_encodings` to decide names and encodings.

use crate::cert::lint::{CredentialRules, Encoding, HashAlg, KeyEncoding, KeyType};
use crate::modules::Family;

pub(crate) const PEM: &[Encoding] = &[Encoding::Pem];
pub(crate) const DER: &[Encoding] = &[Encoding::Der];
pub(crate) const PEM_DER: &[Encoding] = &[Encoding::Pem, Encoding::Der];
pub(crate) const DER_PEM: &[Encoding] = &[Encoding::Der, Encoding::Pem];
pub(crate) const RSA: &[KeyType] = &[KeyType::Rsa];
pub(crate) const RSA_P256: &[KeyType] = &[KeyType::Rsa, KeyType::EcP256];
pub(crate) const ALL_HASHES_BUT_MD: &[HashAlg] = &[
    HashAlg::Sha1,
    HashAlg::Sha224,
    HashAlg::Sha256,
    HashAlg::Sha384,
    HashAlg::Sha512,
];
pub(crate) const NO_KEY: &[KeyEncoding] = &[];

/// The credential rules of one family (its driver's).
pub fn rules(family: Family) -> CredentialRules {
    family.driver().rules()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::lint::Role;

    #[test]
    fn every_family_has_consistent_rules() {
        for family in Family::ALL {
            let r = rules(family);
            assert_eq!(r.family, family.id());
            for role in Role::ALL {
                let rr = r.role(role);
                assert!(
                    rr.accepted.value.contains(&rr.send_as),
                    "{family:?} {role:?} sends an encoding it does not accept"
                );
                let (min, max) = rr.rsa_bits.value;
                assert!(min <= max && min >= 512);
                if role == Role::ClientKey {
                    assert!(!rr.key_encodings.value.is_empty(), "{family:?}");
                }
            }
        }
    }
}
