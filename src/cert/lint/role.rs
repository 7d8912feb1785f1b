//! What a loaded file is for, guessed from its content, so the page lints it for the right
//! role.

use crate::cert::parse::{Cert, ItemKind, ParseOutcome};

use super::rules::Role;

/// What a file is for.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum RoleGuess {
    /// A role the module stores.
    Role(Role),
    /// A server's certificate, alone or as a certbot-style `fullchain.pem`: not something a
    /// module stores. To trust that server the module needs the root CA that issued it.
    ServerCertificate,
}

impl RoleGuess {
    /// The role to lint it as: a server certificate is linted as the CA slot's content,
    /// where the lint says which CA to give instead.
    pub fn lint_as(self) -> Role {
        match self {
            Self::Role(role) => role,
            Self::ServerCertificate => Role::Ca,
        }
    }
}

/// Guesses what a parsed file is for. A key is a key. The first certificate decides the
/// rest: a CA (basicConstraints, or a self-issued v1 root) is a CA file; a leaf whose
/// extended key usage allows server but not client authentication is a server certificate,
/// and so is a leaf allowed both that names DNS hosts and comes with its intermediates but
/// no root (certbot's `fullchain.pem`); any other leaf is a client certificate. A file
/// holding a key and certificates gives the key first.
pub fn guess(parsed: &ParseOutcome) -> Vec<RoleGuess> {
    let mut guesses = Vec::new();
    if parsed.items.iter().any(|i| i.kind == ItemKind::PrivateKey)
        || parsed.problems.iter().any(|p| {
            matches!(
                p.error,
                crate::cert::ParseError::NeedsPassphrase { .. }
                    | crate::cert::ParseError::WrongPassphrase { .. }
            )
        })
    {
        guesses.push(RoleGuess::Role(Role::ClientKey));
    }
    let certs: Vec<Cert> = parsed.certificates().filter_map(|i| i.cert()).collect();
    if let Some(first) = certs.first() {
        guesses.push(if first.is_ca() {
            RoleGuess::Role(Role::Ca)
        } else if is_server_leaf(first, &certs[1..]) {
            RoleGuess::ServerCertificate
        } else {
            RoleGuess::Role(Role::ClientCert)
        });
    }
    guesses
}

fn is_server_leaf(leaf: &Cert, rest: &[Cert]) -> bool {
    match (leaf.server_auth(), leaf.client_auth()) {
        (Some(true), Some(false)) => true,
        (Some(true), Some(true)) => {
            // Older public CAs put clientAuth in every server certificate: tell by shape.
            let intermediates_only = !rest.is_empty() && rest.iter().all(|c| !c.self_issued);
            intermediates_only && names_dns_hosts(leaf)
        }
        _ => false,
    }
}

fn names_dns_hosts(cert: &Cert) -> bool {
    use x509_cert::ext::pkix::SubjectAltName;
    use x509_cert::ext::pkix::name::GeneralName;
    cert.x509
        .tbs_certificate
        .get::<SubjectAltName>()
        .ok()
        .flatten()
        .is_some_and(|(_, san)| {
            san.0
                .iter()
                .any(|n| matches!(n, GeneralName::DnsName(d) if d.as_str().contains('.')))
        })
}

/// The first role a file can serve (see [`guess`]).
pub fn guess_role(input: &[u8]) -> Option<Role> {
    guess_roles(input).into_iter().next()
}

/// Every role a file can be linted as: a `cert+key.pem` gives the key and the client
/// certificate; a server certificate is linted as the CA it is mistaken for.
pub fn guess_roles(input: &[u8]) -> Vec<Role> {
    guess(&crate::cert::parse(input, None))
        .into_iter()
        .map(RoleGuess::lint_as)
        .collect()
}
