//! What a module's error means and what the user does next. Each family keeps its own table
//! (in its file); this is the shared shape and the 3GPP codes every cellular family shares.

use crate::at::{ErrorCode, Final};

/// The runner's explanation type: what the module's words mean, and the next step.
pub use crate::session::Explanation;

/// A code table row: code, meaning, next step.
pub(crate) type Row = (u32, &'static str, &'static str);

pub(crate) fn lookup(table: &[Row], code: u32) -> Option<Explanation> {
    table
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, m, n)| Explanation::new(*m, *n))
}

/// The number in a `+CME ERROR`, whether numeric or verbose text that is itself a number.
pub(crate) fn cme_number(fin: &Final) -> Option<u32> {
    match fin {
        Final::CmeError(ErrorCode::Number(n)) => Some(*n),
        Final::CmeError(ErrorCode::Text(t)) => t.trim().parse().ok().or_else(|| {
            // `AT+CMEE=2` words (3GPP TS 27.007 §9.2.1) for the codes in [`GSM_CME`].
            let t = t.trim().to_ascii_lowercase();
            GSM_CME_TEXT
                .iter()
                .find(|(_, words)| t == *words)
                .map(|(n, _)| *n)
        }),
        _ => None,
    }
}

/// 3GPP TS 27.007 §9.2 codes that SIMCom and Telit modules return around credential and
/// socket commands.
pub(crate) const GSM_CME: &[Row] = &[
    (
        3,
        "operation not allowed in the module's current state",
        "finish or close what is running (an open socket, a data prompt) and try again",
    ),
    (
        4,
        "operation not supported by this firmware",
        "check the module's firmware version; this command needs a newer one",
    ),
    (
        10,
        "SIM not inserted",
        "insert a SIM; a test connection needs a network",
    ),
    (
        23,
        "text string too long",
        "shorten the name or value (file names and hosts have length limits)",
    ),
    (
        30,
        "no network service",
        "check the antenna, SIM and coverage (AT+CREG?) before a test connection",
    ),
    (
        50,
        "incorrect parameters",
        "the module rejected a parameter: check the name, length or slot atcert sent",
    ),
    (
        100,
        "unknown error",
        "power-cycle the module and run the step again",
    ),
];

/// The verbose (`AT+CMEE=2`) text of the codes in [`GSM_CME`], as 3GPP TS 27.007 words them.
const GSM_CME_TEXT: &[(u32, &str)] = &[
    (3, "operation not allowed"),
    (4, "operation not supported"),
    (10, "sim not inserted"),
    (23, "text string too long"),
    (30, "no network service"),
    (50, "incorrect parameters"),
    (100, "unknown"),
];

/// Explains a 3GPP `+CME ERROR` number, or a bare `ERROR`.
/// Command prefixes (upper case), what a refusal of such a command means, the next step.
pub(crate) type CommandRow = (&'static [&'static str], &'static str, &'static str);

/// A refusal explained by the first row whose prefix the command starts with.
pub(crate) fn by_command(rows: &[CommandRow], line: &str, fin: &Final) -> Option<Explanation> {
    let cmd = line.to_ascii_uppercase();
    let (_, meaning, next) = rows
        .iter()
        .find(|(prefixes, ..)| prefixes.iter().any(|p| cmd.starts_with(p)))?;
    Some(for_command(fin, meaning, next))
}

/// A refusal explained by the command it answers (`meaning`, `next`), with the module's
/// own code appended where it gave one (`+CME ERROR: <n>` rather than a bare `ERROR`).
pub(crate) fn for_command(fin: &Final, meaning: &str, next: &str) -> Explanation {
    let code = explain_common(fin)
        .filter(|_| !matches!(fin, Final::Error))
        .map(|e| format!(" (module code: {})", e.meaning))
        .unwrap_or_default();
    Explanation::new(format!("{meaning}{code}"), next)
}

pub(crate) fn explain_common(fin: &Final) -> Option<Explanation> {
    match fin {
        Final::Error => Some(Explanation::new(
            "the module rejected the command without saying why",
            "turn on numeric errors (AT+CMEE=1) and run the step again to see the reason",
        )),
        _ => cme_number(fin).and_then(|n| lookup(GSM_CME, n)),
    }
}
