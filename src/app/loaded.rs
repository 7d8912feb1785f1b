//! What the user loaded, with what was parsed at load, and the facts derived from the
//! whole set (which key fits which certificate). The set is one value: every fact is
//! recomputed from all of it, so the order things were loaded in does not matter.

use std::collections::BTreeMap;

use crate::cert::{Item, ItemKind, ParseError, ParseOutcome, matching, parse};

/// One file or paste the user gave, with what was read from it.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub id: u64,
    pub name: String,
    pub bytes: Vec<u8>,
    pub outcome: ParseOutcome,
    /// The last passphrase tried did not open it.
    pub passphrase_error: Option<String>,
    /// Bumped whenever `outcome` or `passphrase_error` changes, so a view keyed on it redraws.
    pub revision: u32,
}

impl Loaded {
    fn read(id: u64, name: String, bytes: Vec<u8>) -> Self {
        let outcome = parse(&bytes, None);
        Self {
            id,
            name,
            bytes,
            outcome,
            passphrase_error: None,
            revision: 0,
        }
    }

    /// The file is encrypted and not opened yet.
    pub fn needs_passphrase(&self) -> bool {
        self.outcome.problems.iter().any(|p| {
            matches!(
                p.error,
                ParseError::NeedsPassphrase { .. } | ParseError::WrongPassphrase { .. }
            )
        })
    }

    /// The first certificate, or the first private key, in this file.
    pub fn first(&self, kind: ItemKind) -> Option<&Item> {
        self.outcome.items.iter().find(|i| i.kind == kind)
    }
}

/// Where an item sits: the file's id and the item's index in it.
pub type ItemRef = (u64, usize);

/// Everything loaded in the page, shared by Certificates and Provision. Memory only.
#[derive(Clone, Debug, Default)]
pub struct LoadedSet {
    pub entries: Vec<Loaded>,
    next_id: u64,
    pastes: u32,
    /// "Everything loaded was removed": shown until something is loaded again.
    pub cleared: bool,
}

impl LoadedSet {
    /// Reads `bytes` and adds them under `name`; returns the entry's id. The same bytes
    /// under the same name are one entry (a second demo click adds nothing).
    pub fn add(&mut self, name: &str, bytes: Vec<u8>) -> u64 {
        self.cleared = false;
        if let Some(same) = self
            .entries
            .iter()
            .find(|l| l.bytes == bytes && (l.name == name || name == PASTED))
        {
            return same.id;
        }
        self.next_id += 1;
        let mut entry = Loaded::read(self.next_id, name.to_owned(), bytes);
        if name == PASTED {
            self.pastes += 1;
            entry.name = paste_label(self.pastes, &entry.outcome);
        }
        self.entries.push(entry);
        self.next_id
    }

    /// Tries `passphrase` on an encrypted file. A wrong one is an error the page shows.
    pub fn unlock(&mut self, id: u64, passphrase: &str) -> Result<(), String> {
        let entry = self
            .entries
            .iter_mut()
            .find(|l| l.id == id)
            .ok_or("That file is no longer loaded.")?;
        let outcome = parse(&entry.bytes, Some(passphrase));
        let wrong = outcome.problems.iter().find_map(|p| match &p.error {
            ParseError::WrongPassphrase { what } | ParseError::NeedsPassphrase { what } => {
                Some(what.clone())
            }
            _ => None,
        });
        entry.revision += 1;
        match wrong {
            Some(what) => {
                let message = if passphrase.is_empty() {
                    format!(
                        "{} is encrypted: type its passphrase, then Unlock.",
                        entry.name
                    )
                } else {
                    format!(
                        "Wrong passphrase: it does not open the {what} in {}. Check for \
                         typing errors and the keyboard layout, then try again.",
                        entry.name
                    )
                };
                entry.passphrase_error = Some(message.clone());
                Err(message)
            }
            None => {
                entry.outcome = outcome;
                entry.passphrase_error = None;
                Ok(())
            }
        }
    }

    pub fn remove(&mut self, id: u64) {
        self.entries.retain(|l| l.id != id);
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.cleared = true;
    }

    pub fn get(&self, id: u64) -> Option<&Loaded> {
        self.entries.iter().find(|l| l.id == id)
    }

    /// Every item with where it sits.
    pub fn items(&self) -> impl Iterator<Item = (ItemRef, &Item)> {
        self.entries.iter().flat_map(|l| {
            l.outcome
                .items
                .iter()
                .enumerate()
                .map(move |(i, item)| ((l.id, i), item))
        })
    }

    /// Which key fits which certificate, over the whole set.
    pub fn facts(&self, now: i64) -> Facts {
        let certs: Vec<(ItemRef, &Item)> = self
            .items()
            .filter(|(_, i)| i.kind == ItemKind::Certificate)
            .collect();
        let mut facts = Facts::default();
        for (key_ref, key) in self.items() {
            let Some(private) = key.private_key.as_ref() else {
                continue;
            };
            let mut subjects = Vec::new();
            for (cert_ref, cert) in &certs {
                if matching::key_matches_cert(private, &cert.der) {
                    facts.cert_has_key.push(*cert_ref);
                    subjects.push(
                        cert.cert_info(now)
                            .map(|i| i.subject)
                            .unwrap_or_else(|| "an undecodable certificate".into()),
                    );
                }
            }
            facts.key_fits.insert(key_ref, subjects);
        }
        facts
    }
}

/// The name a paste is loaded under before it is told apart.
pub const PASTED: &str = "pasted text";

/// "pasted text 2: certificate CN=…": a number and what it holds, so pickers tell pastes apart.
fn paste_label(n: u32, outcome: &ParseOutcome) -> String {
    let what = outcome
        .items
        .first()
        .map(|item| match item.cert_info(0) {
            Some(info) => format!("certificate {}", info.subject),
            None => item.describe(),
        })
        .unwrap_or_else(|| "nothing readable".into());
    let more = outcome.items.len().saturating_sub(1);
    if more > 0 {
        format!("{PASTED} {n}: {what} and {more} more")
    } else {
        format!("{PASTED} {n}: {what}")
    }
}

/// Facts derived from the whole loaded set.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Facts {
    /// For each private key: the subjects of the loaded certificates it is the key of.
    pub key_fits: BTreeMap<ItemRef, Vec<String>>,
    /// Certificates whose private key is loaded.
    pub cert_has_key: Vec<ItemRef>,
}

impl Facts {
    pub fn cert_has_key(&self, at: ItemRef) -> bool {
        self.cert_has_key.contains(&at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // openssl-made (see tests/web_support/keys/README.md).
    const CERT: &[u8] = include_bytes!("../../tests/web_support/keys/rsa-device.pem");
    const KEY: &[u8] = include_bytes!("../../tests/web_support/keys/rsa-device.key");
    const OTHER_KEY: &[u8] = include_bytes!("../../tests/web_support/keys/p256-other.key");
    const ENCRYPTED: &[u8] =
        include_bytes!("../../tests/web_support/keys/rsa-device-encrypted.key");
    const P12: &[u8] = include_bytes!("../../tests/web_support/keys/rsa-device.p12");

    fn fits(set: &LoadedSet, id: u64) -> Vec<String> {
        set.facts(0)
            .key_fits
            .get(&(id, 0))
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn matching_does_not_depend_on_load_order() {
        for key_first in [true, false] {
            let mut set = LoadedSet::default();
            let (key, cert) = if key_first {
                let k = set.add("device.key", KEY.to_vec());
                (k, set.add("device.pem", CERT.to_vec()))
            } else {
                let c = set.add("device.pem", CERT.to_vec());
                (set.add("device.key", KEY.to_vec()), c)
            };
            set.add("other.key", OTHER_KEY.to_vec());
            let facts = set.facts(0);
            assert!(facts.cert_has_key((cert, 0)), "key first: {key_first}");
            assert_eq!(fits(&set, key).len(), 1, "key first: {key_first}");
            assert!(fits(&set, key)[0].contains("CN=rsa device"));
        }
    }

    #[test]
    fn a_key_of_another_certificate_fits_nothing() {
        let mut set = LoadedSet::default();
        set.add("device.pem", CERT.to_vec());
        let other = set.add("other.key", OTHER_KEY.to_vec());
        assert!(fits(&set, other).is_empty());
        assert!(set.facts(0).cert_has_key.is_empty());
    }

    #[test]
    fn a_wrong_passphrase_is_an_error_and_the_right_one_opens() {
        for (name, bytes, what) in [
            ("device-encrypted.key", ENCRYPTED, ItemKind::PrivateKey),
            ("device.p12", P12, ItemKind::Certificate),
        ] {
            let mut set = LoadedSet::default();
            let id = set.add(name, bytes.to_vec());
            assert!(set.get(id).unwrap().needs_passphrase(), "{name}");
            let error = set.unlock(id, "wrong horse").unwrap_err();
            assert!(error.starts_with("Wrong passphrase"), "{name}: {error}");
            let entry = set.get(id).unwrap();
            assert_eq!(entry.passphrase_error.as_deref(), Some(error.as_str()));
            assert_eq!(entry.revision, 1);
            set.unlock(id, "correct-horse").expect(name);
            let entry = set.get(id).unwrap();
            assert!(entry.passphrase_error.is_none());
            assert!(entry.first(what).is_some(), "{name}");
            assert!(!entry.needs_passphrase());
        }
    }

    #[test]
    fn pastes_are_told_apart_and_repeats_are_one_entry() {
        let mut set = LoadedSet::default();
        let a = set.add(PASTED, CERT.to_vec());
        let b = set.add(PASTED, OTHER_KEY.to_vec());
        assert_ne!(set.get(a).unwrap().name, set.get(b).unwrap().name);
        assert!(set.get(a).unwrap().name.contains("CN=rsa device"));
        assert_eq!(set.add(PASTED, CERT.to_vec()), a);
        let ca = set.add("demo CA (ca.pem)", CERT.to_vec());
        assert_eq!(set.add("demo CA (ca.pem)", CERT.to_vec()), ca);
        assert_eq!(set.entries.len(), 3);
    }

    #[test]
    fn cleared_lasts_until_the_next_load() {
        let mut set = LoadedSet::default();
        set.add("device.pem", CERT.to_vec());
        set.clear();
        assert!(set.cleared && set.entries.is_empty());
        set.add("device.pem", CERT.to_vec());
        assert!(!set.cleared);
    }
}
