//! Credential lint: given one module family's rules, a role (CA, client certificate, client
//! key) and a credential, say what the module would reject and why, fix what can be fixed,
//! and produce the exact bytes to send plus where they go ([`Destination`], as data: the
//! module driver writes the command).
//!
//! The rule *types* live here ([`rules`]); the per-family *values* live in `modules::rules`,
//! because `cert/` depends on nothing of ours. Every rule carries its evidence tag ([`Tag`])
//! and its source, so a finding can cite it, and a rule we only inferred never blocks the
//! user: it warns instead of erroring. All rule fields are public plain data, so a caller can
//! override an inferred default (e.g. a firmware with a larger size limit).
//!
//! The lint decodes nothing itself: it reads what `cert::parse` found. [`lint_parsed`] takes
//! an input the caller parsed already (the page keeps what it parsed at load); [`lint`] parses
//! bytes once and calls it. [`lint_set`] checks the three roles together (the client key must
//! be the client certificate's). [`guess`] tells what a file is for.

mod checks;
mod findings;
mod input;
mod role;
pub mod rules;
mod set;

pub use findings::{Cited, Destination, Finding, FindingKind, LintReport, Output, Severity};
pub use input::TextShape;
pub use role::{RoleGuess, guess, guess_role, guess_roles};
pub use rules::{
    AcceptedLineEndings, CaChoice, ClockCheck, CredentialRules, Encoding, HashAlg, KeyEncoding,
    KeyType, Role, RoleRules, Rule, Storage, Support, Tag, TrailingNewline,
};
pub use set::{SetReport, lint_set, lint_set_parsed};

use crate::cert::parse::ParseOutcome;

/// Inputs besides the credential. Time is a parameter: the lint never reads a clock.
#[derive(Clone, Debug, Default)]
pub struct LintContext<'a> {
    /// The real current time, unix seconds.
    pub now: Option<i64>,
    /// The module's clock as read from it (`AT+CCLK?`, `AT+S.TIME`), unix seconds.
    pub module_clock: Option<i64>,
    /// Password of an encrypted key, for [`lint`] of bytes (a parsed input is decrypted already).
    pub password: Option<&'a [u8]>,
}

/// A credential the caller already parsed: the bytes as given (the formatting checks read
/// their text) and what `cert::parse` found in them.
#[derive(Clone, Copy, Debug)]
pub struct Parsed<'a> {
    pub bytes: &'a [u8],
    pub outcome: &'a ParseOutcome,
}

/// Lints a credential given as the user's bytes (PEM text or DER): parses them once, then
/// [`lint_parsed`].
pub fn lint(
    rules: &CredentialRules,
    role: Role,
    input: &[u8],
    ctx: &LintContext<'_>,
) -> LintReport {
    let outcome = parse_bytes(input, ctx);
    lint_parsed(
        rules,
        role,
        Parsed {
            bytes: input,
            outcome: &outcome,
        },
        ctx,
    )
}

/// Parses a credential once for the lint (without the trailing NUL or Ctrl+Z bytes the lint
/// reports), with the context's password: give the outcome to [`lint_parsed`] and [`guess`].
pub fn parse_bytes(input: &[u8], ctx: &LintContext<'_>) -> ParseOutcome {
    let (_, body) = TextShape::scan(input);
    let password = ctx.password.and_then(|p| core::str::from_utf8(p).ok());
    crate::cert::parse(body, password)
}

/// Lints a credential the caller parsed already.
pub fn lint_parsed(
    rules: &CredentialRules,
    role: Role,
    input: Parsed<'_>,
    ctx: &LintContext<'_>,
) -> LintReport {
    let (shape, _) = TextShape::scan(input.bytes);
    let pieces = match input::pieces(input.outcome) {
        Ok(pieces) if !pieces.is_empty() => pieces,
        Ok(_) => return unreadable(rules, role, "no certificate or key in it".into()),
        Err(e) => return unreadable(rules, role, e.to_string()),
    };
    let mut l = checks::Linter {
        rules,
        role,
        rr: rules.role(role),
        findings: Vec::new(),
        ctx,
        cited: Default::default(),
    };
    let output = l.run(input.bytes, &pieces, &shape);
    LintReport {
        family: rules.family,
        role,
        findings: l.findings,
        output,
    }
}

fn unreadable(rules: &CredentialRules, role: Role, error: String) -> LintReport {
    LintReport {
        family: rules.family,
        role,
        findings: vec![Finding::new(
            FindingKind::Unreadable,
            Severity::Error,
            format!("reject the {role}: {error}"),
            "nothing decodable in the input",
            None,
            Some(error),
        )],
        output: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_are_counted_separately() {
        let (shape, _) = TextShape::scan(b"-----BEGIN X-----\r\nb\nc\rd\r\n-----END X-----");
        assert_eq!((shape.crlf, shape.lone_lf, shape.lone_cr), (2, 1, 1));
    }

    #[test]
    fn garbage_input_is_unreadable_not_a_panic() {
        for input in [
            &b""[..],
            b"\0\x1a",
            b"hello",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n",
            b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
            b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
            &[0x30, 0x82, 0xff, 0xff, 0x01],
        ] {
            let (_, body) = TextShape::scan(input);
            let pieces = input::pieces(&crate::cert::parse(body, None));
            assert!(
                pieces.is_err() || pieces.is_ok_and(|p| p.is_empty()),
                "{input:?}"
            );
        }
    }

    #[test]
    fn der_ending_in_a_zero_byte_is_not_trimmed() {
        use p256::pkcs8::EncodePrivateKey;
        // Find a key whose PKCS#8 DER ends in 0x00 (about 1 in 256).
        let der = (1u16..4000)
            .find_map(|i| {
                let mut scalar = [7u8; 32];
                scalar[30..].copy_from_slice(&i.to_be_bytes());
                let key = p256::SecretKey::from_slice(&scalar).ok()?;
                let der = key.to_pkcs8_der().ok()?.as_bytes().to_vec();
                (der.last() == Some(&0)).then_some(der)
            })
            .expect("a key ending in 0x00");
        let (shape, body) = TextShape::scan(&der);
        assert_eq!(body, der.as_slice());
        assert!(!shape.trailing_garbage);
        // With a real trailing NUL and Ctrl+Z: the same key, garbage noted.
        let mut padded = der.clone();
        padded.extend([0, 0x1a]);
        let (shape2, body2) = TextShape::scan(&padded);
        assert_eq!(body2, der.as_slice());
        assert!(shape2.trailing_garbage);
        // Other trailing bytes are not cut off: the parser sees them.
        padded.push(b'x');
        let (_, body3) = TextShape::scan(&padded);
        assert_eq!(body3, padded.as_slice());
    }
}
