//! The Console's logic: line endings, the typed-command history, and the times shown, which
//! are the exported transcript's (seconds from the first byte).

use crate::at::Instant;

/// What ends a line typed in the console.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum LineEnd {
    Cr,
    CrLf,
    Lf,
    Nothing,
}

impl LineEnd {
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Self::Cr => b"\r",
            Self::CrLf => b"\r\n",
            Self::Lf => b"\n",
            Self::Nothing => b"",
        }
    }

    pub fn from_value(value: &str) -> Self {
        match value {
            "crlf" => Self::CrLf,
            "lf" => Self::Lf,
            "none" => Self::Nothing,
            _ => Self::Cr,
        }
    }
}

/// Typed commands, newest last; Up and Down walk through them as in a shell.
#[derive(Clone, Debug, Default)]
pub struct History {
    lines: Vec<String>,
    cursor: Option<usize>,
}

impl History {
    pub fn push(&mut self, line: &str) {
        if !line.is_empty() && self.lines.last().map(String::as_str) != Some(line) {
            self.lines.push(line.to_owned());
        }
        self.cursor = None;
    }

    pub fn older(&mut self) -> Option<String> {
        let next = match self.cursor {
            None => self.lines.len().checked_sub(1)?,
            Some(i) => i.saturating_sub(1),
        };
        self.cursor = Some(next);
        self.lines.get(next).cloned()
    }

    pub fn newer(&mut self) -> Option<String> {
        let i = self.cursor? + 1;
        if i >= self.lines.len() {
            self.cursor = None;
            return Some(String::new());
        }
        self.cursor = Some(i);
        self.lines.get(i).cloned()
    }
}

/// Seconds since `origin` as the exported transcript writes them (`1.234`).
pub fn stamp(at: Instant, origin: Option<Instant>) -> String {
    let micros = at
        .saturating_duration_since(origin.unwrap_or(at))
        .as_micros();
    format!("{}.{:03}", micros / 1_000_000, (micros / 1000) % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::transcript::{Direction, Transcript};

    #[test]
    fn shown_times_are_the_transcripts() {
        let origin = Instant::from_micros(5_000_000);
        let later = Instant::from_micros(6_234_567);
        let mut transcript = Transcript::default();
        transcript.push(origin, Direction::Tx, b"AT\r");
        transcript.push(later, Direction::Rx, b"OK\r\n");
        let text = transcript.to_text();
        for at in [origin, later] {
            let shown = stamp(at, Some(origin));
            assert!(
                text.contains(&format!("{shown:>9}]")),
                "{shown} not in\n{text}"
            );
        }
        assert_eq!(stamp(later, Some(origin)), "1.234");
        // A note before the first byte counts as time zero.
        assert_eq!(stamp(origin, Some(later)), "0.000");
        assert_eq!(stamp(later, None), "0.000");
    }

    #[test]
    fn history_walks_like_a_shell() {
        let mut h = History::default();
        h.push("AT");
        h.push("AT");
        h.push("ATI");
        h.push("");
        assert_eq!(h.older().as_deref(), Some("ATI"));
        assert_eq!(h.older().as_deref(), Some("AT"));
        assert_eq!(h.older().as_deref(), Some("AT"));
        assert_eq!(h.newer().as_deref(), Some("ATI"));
        assert_eq!(h.newer().as_deref(), Some(""));
        assert_eq!(LineEnd::from_value("crlf").bytes(), b"\r\n");
        assert_eq!(LineEnd::from_value("other").bytes(), b"\r");
    }
}
