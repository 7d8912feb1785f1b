//! Why a step failed, in words a firmware engineer can act on: which step, which command,
//! what the module said, what that means, and what to do next.

use crate::at::{Command, ErrorCode, Final, Trigger};

use super::transcript::escape;
use super::transport::TransportError;

/// What a module's answer means and what to do about it. Family error tables (in
/// `modules`) supply these; [`generic_explanation`] covers what every module shares.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Explanation {
    pub meaning: String,
    pub next_step: String,
}

impl Explanation {
    pub fn new(meaning: impl Into<String>, next_step: impl Into<String>) -> Self {
        Self {
            meaning: meaning.into(),
            next_step: next_step.into(),
        }
    }
}

/// A family's error table with the command for context: `None` falls back to
/// [`generic_explanation`].
pub type ExplainFn = dyn Fn(&Command, &Final) -> Option<Explanation>;

/// What went wrong, without the explanation.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum Failure {
    /// The module answered with a failure result.
    #[error("the module answered \"{0}\"")]
    Rejected(Final),
    /// No final result in time. `received` is what came back for the command.
    #[error("no final result in time (received \"{}\")", escape(.received))]
    TimedOut { received: Vec<u8> },
    /// The port failed.
    #[error(transparent)]
    Transport(TransportError),
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled,
}

/// A failed step. `Display` gives the whole message; the fields let the page lay it out.
///
/// Reads like: `Upload the CA certificate: AT+CCERTDOWN="ca.pem",1342 was refused: the
/// module said "+CME ERROR: 4". operation not supported by this firmware. Next: check the
/// firmware version against the manual; this module may need an update`.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct StepError {
    /// The step's label (or the command line when no step was named).
    pub step: String,
    /// The command line as sent.
    pub command: String,
    pub failure: Failure,
    /// What the module said, in its own words (or what happened instead).
    pub said: String,
    pub explanation: Explanation,
    /// Lines received for the command before it failed.
    pub lines: Vec<String>,
}

impl StepError {
    pub(crate) fn new(
        step: &str,
        command: &Command,
        failure: Failure,
        lines: Vec<String>,
        table: Option<&ExplainFn>,
        awaiting_trigger: bool,
    ) -> Self {
        let trigger = command.data.as_ref().filter(|_| awaiting_trigger);
        let said = match &failure {
            Failure::TimedOut { received } if trigger.is_some() => format!(
                "never asked for its data ({} within {:.1} s); received \"{}\"",
                match trigger.map(|d| &d.trigger) {
                    Some(Trigger::Line(line)) => format!("no {line} line"),
                    _ => "no > prompt".to_owned(),
                },
                trigger.map_or(0.0, |d| d.trigger_timeout.as_secs_f64()),
                escape(tail(received, 200))
            ),
            Failure::Rejected(result) => format!("was refused: the module said \"{result}\""),
            Failure::TimedOut { received } if received.is_empty() => {
                format!(
                    "got no answer within {:.1} s (nothing was received)",
                    command.timeout.as_secs_f64()
                )
            }
            Failure::TimedOut { received } => format!(
                "got no final result within {:.1} s; received \"{}\"",
                command.timeout.as_secs_f64(),
                escape(tail(received, 200))
            ),
            Failure::Transport(e) => format!("could not be completed: {e}"),
            Failure::Cancelled => "was cancelled".to_owned(),
        };
        let explanation = match &failure {
            Failure::TimedOut { .. } if trigger.is_some() => Explanation::new(
                "the module did not accept the upload in its present state, or it is not the module family chosen",
                "check that the earlier steps succeeded and the command's parameters (name, length) are valid, then run the step again",
            ),
            Failure::Rejected(result) => table
                .and_then(|t| t(command, result))
                .unwrap_or_else(|| generic_explanation(result)),
            Failure::TimedOut { received } if received.is_empty() => Explanation::new(
                "the module is silent: it is off, at another baud rate, on other pins, or busy in a data mode",
                "check power and wiring, pick the module's baud rate, and run the step again",
            ),
            Failure::TimedOut { .. } => Explanation::new(
                "the module answered but never finished; it may still be busy or waiting for data",
                "wait a few seconds, reconnect, and run the step again; if it repeats, raise the timeout or power-cycle the module",
            ),
            Failure::Transport(_) => Explanation::new(
                "the serial link stopped working",
                "reconnect the module and run the step again",
            ),
            Failure::Cancelled => Explanation::new(
                "the step stopped before it finished; the module may hold a partial upload",
                "run the step again from the start",
            ),
        };
        Self {
            step: step.to_owned(),
            command: command.line_text(),
            failure,
            said,
            explanation,
            lines,
        }
    }
}

impl core::fmt::Display for StepError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.step != self.command {
            write!(f, "{}: ", self.step)?;
        }
        write!(
            f,
            "{} {}. {}. Next: {}",
            self.command, self.said, self.explanation.meaning, self.explanation.next_step
        )
    }
}

impl std::error::Error for StepError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.failure {
            Failure::Transport(e) => Some(e),
            _ => None,
        }
    }
}

fn tail(bytes: &[u8], max: usize) -> &[u8] {
    bytes
        .get(bytes.len().saturating_sub(max)..)
        .unwrap_or(bytes)
}

/// Meanings every module shares: plain `ERROR`, the common 3GPP TS 27.007 §9.2 codes, and
/// a fallback for vendor lines.
pub fn generic_explanation(result: &Final) -> Explanation {
    match result {
        Final::Ok => Explanation::new("the command succeeded", "nothing to do"),
        Final::Error => Explanation::new(
            "the module refused the command without saying why (verbose errors are off)",
            "turn on numeric or verbose errors (AT+CMEE=2) and run the step again to see the reason",
        ),
        Final::CmeError(code) => cme_explanation(code),
        Final::CmsError(code) => Explanation::new(
            format!("the module reported message-service error {code}"),
            "look the code up in the module's AT manual under +CMS ERROR",
        ),
        Final::Vendor { line, .. } => Explanation::new(
            format!("the module reported its own failure \"{line}\""),
            "look the code up in the module's AT manual, fix the cause, and run the step again",
        ),
    }
}

fn cme_explanation(code: &ErrorCode) -> Explanation {
    // 3GPP TS 27.007 §9.2.1 general errors.
    let known = match code {
        ErrorCode::Number(n) => match n {
            3 => Some((
                "operation not allowed in the module's present state",
                "finish or undo the earlier setup step (e.g. stop the service, close the session) and retry",
            )),
            4 => Some((
                "operation not supported by this firmware",
                "check the firmware version against the manual; this module may need an update",
            )),
            10 => Some((
                "no SIM card inserted",
                "insert a SIM and power-cycle the module",
            )),
            11 => Some((
                "the SIM needs its PIN",
                "enter the PIN with AT+CPIN and retry",
            )),
            13 => Some((
                "the SIM failed",
                "reseat the SIM card and power-cycle the module",
            )),
            14 => Some(("the SIM is busy", "wait a few seconds and retry")),
            20 => Some((
                "the module's memory is full",
                "delete unused files or certificates and retry",
            )),
            23 => Some((
                "not found (text or file)",
                "check the name and list what is stored",
            )),
            30 => Some((
                "no network service",
                "check the antenna and network registration (AT+CREG?)",
            )),
            50 => Some((
                "incorrect parameters",
                "check the command's parameters against the module's manual",
            )),
            100 => Some((
                "unknown error",
                "run the step again; if it repeats, power-cycle the module",
            )),
            _ => None,
        },
        ErrorCode::Text(_) => None,
    };
    match known {
        Some((meaning, next)) => Explanation::new(meaning, next),
        None => Explanation::new(
            format!("the module reported error {code}"),
            "look the code up in the module's AT manual under +CME ERROR",
        ),
    }
}
