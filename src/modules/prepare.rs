//! Puts credential files into the form each family stores, with default names. This is the
//! minimal PEM/DER conversion the flows need to run; `cert::lint` with the per-family rules
//! (`modules/rules.rs`) supersedes it, and its output feeds [`Credentials`] the same way.

use crate::modules::Family;
use crate::modules::plan::{Credential, Credentials, Role};

/// The form a family stores credentials in.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Form {
    Der,
    PemLf,
    /// As given (PEM or DER); the file name tells the module which.
    AsGiven,
}

fn form(family: Family) -> Form {
    match family {
        // [S] SIM800 app note: import files must be DER. [C/S] SPWF04 `ca` works as DER only.
        Family::Sim800 | Family::Spwf04 => Form::Der,
        Family::Sim7600 => Form::AsGiven,
        // [seed] Telit: PEM, LF only. iChip: PEM (the plan turns line ends into CR).
        Family::TelitLegacy | Family::TelitLe910 | Family::Ichip => Form::PemLf,
    }
}

/// A credential file could not be read.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PrepareError {
    #[error("the {role} file is neither PEM nor DER ({detail}); export it again as PEM or DER")]
    Unreadable { role: Role, detail: String },
}

fn is_pem(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .is_some_and(|i| {
            bytes
                .get(i..)
                .is_some_and(|rest| rest.starts_with(b"-----BEGIN "))
        })
}

/// The DER inside the first PEM block, with its label.
fn pem_to_der(role: Role, bytes: &[u8]) -> Result<(String, Vec<u8>), PrepareError> {
    let text = core::str::from_utf8(bytes).map_err(|e| PrepareError::Unreadable {
        role,
        detail: e.to_string(),
    })?;
    // Take the first block only: a bundle's later certificates are not the root's.
    let start = text.find("-----BEGIN ").unwrap_or(0);
    let end = text
        .get(start..)
        .and_then(|t| t.find("-----END "))
        .and_then(|e| {
            let after = start + e + "-----END ".len();
            text.get(after..)?.find("-----").map(|d| after + d + 5)
        })
        .unwrap_or(text.len());
    let block = text.get(start..end).unwrap_or(text).replace("\r\n", "\n");
    let (label, der) =
        pem_rfc7468::decode_vec(block.trim().as_bytes()).map_err(|e| PrepareError::Unreadable {
            role,
            detail: e.to_string(),
        })?;
    Ok((label.to_owned(), der))
}

fn der_label(role: Role) -> &'static str {
    match role {
        Role::Ca | Role::ClientCert => "CERTIFICATE",
        Role::ClientKey => "PRIVATE KEY",
    }
}

fn default_name(family: Family, role: Role, der: bool) -> String {
    let ext = if der { "der" } else { "pem" };
    match (family, role) {
        (Family::Sim800, _) => "ROOT.CER".to_owned(),
        (Family::Sim7600, Role::Ca) => format!("ca_cert.{ext}"),
        (Family::Sim7600, Role::ClientCert) => format!("client_cert.{ext}"),
        (Family::Sim7600, Role::ClientKey) => format!("client_key.{ext}"),
        // Slots, not files.
        _ => String::new(),
    }
}

/// Converts one file to the family's form.
pub fn prepare_one(family: Family, role: Role, bytes: &[u8]) -> Result<Credential, PrepareError> {
    let pem = is_pem(bytes);
    let (out, der) = match (form(family), pem) {
        (Form::AsGiven, true) => (bytes.to_vec(), false),
        (Form::AsGiven, false) | (Form::Der, false) => (bytes.to_vec(), true),
        (Form::Der, true) => (pem_to_der(role, bytes)?.1, true),
        (Form::PemLf, true) => {
            let (label, der) = pem_to_der(role, bytes)?;
            let text = pem_rfc7468::encode_string(&label, pem_rfc7468::LineEnding::LF, &der)
                .map_err(|e| PrepareError::Unreadable {
                    role,
                    detail: e.to_string(),
                })?;
            (text.into_bytes(), false)
        }
        (Form::PemLf, false) => {
            let label = if role == Role::ClientKey && pkcs1_der(bytes) {
                "RSA PRIVATE KEY"
            } else {
                der_label(role)
            };
            let text = pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, bytes)
                .map_err(|e| PrepareError::Unreadable {
                    role,
                    detail: e.to_string(),
                })?;
            (text.into_bytes(), false)
        }
    };
    Ok(Credential {
        bytes: out,
        name: default_name(family, role, der),
    })
}

fn pkcs1_der(bytes: &[u8]) -> bool {
    use der::Decode;
    pkcs1::RsaPrivateKey::from_der(bytes).is_ok()
}

/// Converts the given files for `family`.
pub fn prepare(
    family: Family,
    ca: Option<&[u8]>,
    cert: Option<&[u8]>,
    key: Option<&[u8]>,
) -> Result<Credentials, PrepareError> {
    let one = |role, b: Option<&[u8]>| b.map(|b| prepare_one(family, role, b)).transpose();
    Ok(Credentials {
        ca: one(Role::Ca, ca)?,
        client_cert: one(Role::ClientCert, cert)?,
        client_key: one(Role::ClientKey, key)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN CERTIFICATE-----\r\nMAMCAQE=\r\n-----END CERTIFICATE-----\r\n";

    #[test]
    fn converts_to_each_familys_form() {
        let der = prepare_one(Family::Sim800, Role::Ca, PEM.as_bytes()).unwrap();
        assert_eq!(der.bytes, vec![0x30, 0x03, 0x02, 0x01, 0x01]);
        assert_eq!(der.name, "ROOT.CER");
        let lf = prepare_one(Family::TelitLegacy, Role::Ca, PEM.as_bytes()).unwrap();
        assert!(!lf.bytes.contains(&b'\r'));
        assert!(lf.bytes.starts_with(b"-----BEGIN CERTIFICATE-----\n"));
        let back = prepare_one(Family::Ichip, Role::Ca, &der.bytes).unwrap();
        assert_eq!(back.bytes, lf.bytes);
        let same = prepare_one(Family::Sim7600, Role::Ca, PEM.as_bytes()).unwrap();
        assert_eq!(
            (same.bytes.as_slice(), same.name.as_str()),
            (PEM.as_bytes(), "ca_cert.pem")
        );
        assert!(
            prepare_one(
                Family::Sim800,
                Role::Ca,
                b"-----BEGIN CERTIFICATE-----\n!!\n"
            )
            .is_err()
        );
    }
}
