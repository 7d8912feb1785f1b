//! Jobs the user starts on the module, their progress, and how they ended as the page
//! says it. The board lives above the areas, so a job keeps running, and its result
//! appears, whichever area the user is in.

use crate::modules::Family;
use crate::modules::flows::FlowError;
use crate::modules::plan::{Credentials, Options};
use crate::session::{Failure, Progress, TransportError};

/// What the user asked the module to do.
#[derive(Clone, Debug)]
pub enum Job {
    Detect,
    Provision(Credentials, Options),
    Remove(Credentials, Options),
    /// With the text the answer must contain (from the site profile's test endpoint).
    Test(Options, Option<String>),
}

impl Job {
    pub fn title(&self) -> &'static str {
        match self {
            Self::Detect => "Detect",
            Self::Provision(..) => "Provision",
            Self::Remove(..) => "Remove",
            Self::Test(..) => "Test connection",
        }
    }
}

/// How a job ended, as the page shows it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Outcome {
    pub ok: bool,
    pub title: String,
    pub body: String,
}

/// Live progress of a running job.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Running {
    pub title: &'static str,
    pub step: Option<(usize, usize, String)>,
    pub sending: Option<(String, usize, usize)>,
}

impl Running {
    /// Folds one progress report in.
    pub fn apply(&mut self, progress: &Progress) {
        match progress {
            Progress::Step {
                index,
                total,
                label,
            } => {
                self.step = Some((*index, *total, label.clone()));
                self.sending = None;
            }
            Progress::Sending { label, sent, total } => {
                self.sending = Some((label.clone(), *sent, *total));
            }
            Progress::Command { .. } => {}
        }
    }
}

/// The one job the page runs at a time, and the last outcome. A ticket ties a job's end
/// to its start: a job whose ticket was withdrawn (the user left demo mode under it) can
/// never report success later.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Board {
    pub running: Option<Running>,
    pub outcome: Option<Outcome>,
    ticket: u64,
    live: Option<u64>,
}

impl Board {
    /// Starts `job`; returns its ticket, or `None` while another job runs.
    pub fn start(&mut self, job: &Job) -> Option<u64> {
        if self.live.is_some() {
            return None;
        }
        self.ticket += 1;
        self.live = Some(self.ticket);
        self.running = Some(Running {
            title: job.title(),
            ..Running::default()
        });
        self.outcome = None;
        Some(self.ticket)
    }

    pub fn is_running(&self) -> bool {
        self.live.is_some()
    }

    pub fn progress(&mut self, ticket: u64, progress: &Progress) {
        if self.live == Some(ticket)
            && let Some(running) = &mut self.running
        {
            running.apply(progress);
        }
    }

    /// Stops waiting for the running job: its end will not be reported as it says.
    pub fn abandon(&mut self, why: &str) {
        if let Some(running) = self.running.take() {
            self.live = None;
            self.outcome = Some(Outcome {
                ok: false,
                title: format!("{}: stopped", running.title),
                body: why.to_owned(),
            });
        }
    }

    /// Records how the job with `ticket` ended; `false` when it had been abandoned.
    pub fn finish(&mut self, ticket: u64, outcome: Outcome) -> bool {
        if self.live != Some(ticket) {
            return false;
        }
        self.live = None;
        self.running = None;
        self.outcome = Some(outcome);
        true
    }
}

/// What "Leave demo" says about a job it stopped.
pub const LEFT_DEMO: &str = "You left demo mode while this ran: it was cancelled, and what it \
                             did on the simulated module does not count. Start the demo again \
                             to run it.";

/// A job asked for without a connection.
pub fn not_connected(job: &Job) -> Outcome {
    Outcome {
        ok: false,
        title: format!("{}: not connected", job.title()),
        body: "Connect a module (top right) or try the demo first.".into(),
    }
}

/// The port went away during the step that failed.
pub fn lost_port(error: &FlowError) -> Option<TransportError> {
    match error {
        FlowError::Step(step) => match &step.failure {
            Failure::Transport(e @ TransportError::Disconnected { .. }) => Some(e.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The text of a working test connection, and whether the answer was the one expected.
pub fn test_text(host: &str, port: u16, response: &[u8], expect: Option<&str>) -> (String, bool) {
    let text = String::from_utf8_lossy(response).into_owned();
    let (verdict, ok) = match expect {
        None => (String::new(), true),
        Some(want) if text.contains(want) => (
            format!("\n\nThe answer contains the expected text \"{want}\"."),
            true,
        ),
        Some(want) => (
            format!(
                "\n\nThe answer does not contain the expected text \"{want}\": the TLS \
                 credentials work, but this is not the service this site expects. Check the \
                 host and port."
            ),
            false,
        ),
    };
    (
        format!(
            "TLS connection to {host}:{port} through the module worked. The server answered:\n\n{text}{verdict}"
        ),
        ok,
    )
}

/// How a job ended: `result` is the family it ran on and its report, or the failure;
/// `answer_ok` is false when a test got an unexpected answer.
pub fn outcome(
    job: &Job,
    result: &Result<(Family, String), FlowError>,
    answer_ok: bool,
) -> Outcome {
    match result {
        Ok((_, body)) => Outcome {
            ok: answer_ok,
            title: if answer_ok {
                format!("{}: done", job.title())
            } else {
                format!("{}: unexpected answer", job.title())
            },
            body: body.clone(),
        },
        Err(error) => {
            let mut body = error.to_string();
            if lost_port(error).is_some() {
                body.push_str(
                    "\n\nNothing after the failed step was sent. Reconnect and run it again: \
                     the flow starts over and checks what is on the module.",
                );
            }
            let step = error.step().map(|s| format!(" at {s}")).unwrap_or_default();
            Outcome {
                ok: false,
                title: format!("{} failed{step}", job.title()),
                body,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_job_at_a_time_and_its_progress_is_kept() {
        let mut board = Board::default();
        let ticket = board.start(&Job::Detect).unwrap();
        assert!(board.start(&Job::Detect).is_none());
        board.progress(
            ticket,
            &Progress::Step {
                index: 2,
                total: 5,
                label: "write CA".into(),
            },
        );
        let running = board.running.clone().unwrap();
        assert_eq!(running.step, Some((2, 5, "write CA".into())));
        assert_eq!(running.title, "Detect");
        let done = Outcome {
            ok: true,
            title: "Detect: done".into(),
            body: String::new(),
        };
        assert!(board.finish(ticket, done.clone()));
        assert_eq!(board.outcome, Some(done));
        assert!(!board.is_running());
    }

    #[test]
    fn an_abandoned_job_never_reports_success() {
        let mut board = Board::default();
        let job = Job::Test(Options::default(), None);
        let ticket = board.start(&job).unwrap();
        board.abandon(LEFT_DEMO);
        let stopped = board.outcome.clone().unwrap();
        assert!(!stopped.ok);
        assert_eq!(stopped.title, "Test connection: stopped");
        let late = outcome(&job, &Ok((Family::Sim7600, "worked".into())), true);
        assert!(late.ok);
        assert!(!board.finish(ticket, late));
        assert_eq!(board.outcome, Some(stopped));
        // The next job starts normally.
        assert!(board.start(&job).is_some());
    }

    #[test]
    fn test_answers_are_checked_against_the_expected_text() {
        let (text, ok) = test_text("h", 443, b"HTTP/1.1 200 OK\r\n\r\nhi", Some("hi"));
        assert!(ok && text.contains("contains the expected text"), "{text}");
        let (text, ok) = test_text("h", 443, b"nope", Some("hi"));
        assert!(!ok && text.contains("does not contain"), "{text}");
        let o = outcome(
            &Job::Test(Options::default(), None),
            &Ok((Family::Sim800, text)),
            ok,
        );
        assert_eq!(o.title, "Test connection: unexpected answer");
    }
}
