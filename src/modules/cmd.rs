//! Small builders for [`Command`]s, shared by the families, and the date arithmetic the
//! clock steps need (the core may not read a clock, so time comes in as seconds).

use core::time::Duration;

use crate::at::{Command, DataPhase, LengthHeader, ResponseShape, Trigger};

pub(crate) const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// A text command ended by CR whose answer is lines and a final result.
pub(crate) fn line(text: impl Into<String>, timeout: Duration) -> Command {
    Command {
        line: text.into().into_bytes(),
        terminator: b"\r".to_vec(),
        data: None,
        response: ResponseShape::Lines,
        timeout,
    }
}

/// A command followed by a data phase.
pub(crate) fn upload(
    text: impl Into<String>,
    trigger: Trigger,
    payload: Vec<u8>,
    terminator: Option<u8>,
    timeout: Duration,
) -> Command {
    Command {
        line: text.into().into_bytes(),
        terminator: b"\r".to_vec(),
        data: Some(DataPhase {
            trigger,
            payload,
            terminator,
            trigger_timeout: secs(10),
        }),
        response: ResponseShape::Lines,
        timeout,
    }
}

/// A command whose answer carries a text block that must not be cut at an `OK`-looking line
/// before `end_marker` (a PEM read back).
pub(crate) fn block(text: impl Into<String>, end_marker: &str, timeout: Duration) -> Command {
    Command {
        response: ResponseShape::Block {
            end_marker: end_marker.to_owned(),
        },
        ..line(text, timeout)
    }
}

/// A command whose answer carries binary data announced by a header line.
pub(crate) fn binary_read(
    text: impl Into<String>,
    prefix: &str,
    field: usize,
    timeout: Duration,
) -> Command {
    Command {
        response: ResponseShape::LengthPrefixed {
            header: LengthHeader {
                prefix: prefix.to_owned(),
                field,
            },
        },
        ..line(text, timeout)
    }
}

/// Calendar date and time in UTC.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) struct Utc {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl Utc {
    /// Howard Hinnant's `civil_from_days`, exact for the proleptic Gregorian calendar.
    pub fn from_unix(secs: u64) -> Self {
        let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
        let rem = secs % 86_400;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let to_u32 = |v: i64| u32::try_from(v).unwrap_or(0);
        let rem32 = u32::try_from(rem).unwrap_or(0);
        Self {
            year,
            month: to_u32(month),
            day: to_u32(day),
            hour: rem32 / 3600,
            minute: rem32 / 60 % 60,
            second: rem32 % 60,
        }
    }

    /// 3GPP 27.007 `+CCLK` form: `"yy/MM/dd,hh:mm:ss+00"` (UTC, quarter-hour zone 0).
    pub fn cclk(self) -> String {
        format!(
            "\"{:02}/{:02}/{:02},{:02}:{:02}:{:02}+00\"",
            self.year.rem_euclid(100),
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second
        )
    }
}

/// Quotes a string parameter, refusing characters that would end or break the command line.
pub(crate) fn quoted(s: &str) -> Option<String> {
    if s.bytes().any(|b| b == b'"' || b.is_ascii_control()) {
        None
    } else {
        Some(format!("\"{s}\""))
    }
}

/// `value` as a quoted AT parameter, or the plan error saying that `family` cannot
/// `what` (e.g. "use this host name"): quotes and control characters cannot be sent.
pub(crate) fn quoted_param(
    family: crate::modules::Family,
    what: &str,
    value: &str,
) -> Result<String, crate::modules::plan::PlanError> {
    quoted(value).ok_or_else(|| crate::modules::plan::PlanError::Unsupported {
        family,
        what: what.into(),
        why: "it contains quotes or control characters".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_time_to_calendar_matches_known_dates() {
        // `date -u -d @1700000000` = 2023-11-14 22:13:20.
        let t = Utc::from_unix(1_700_000_000);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (2023, 11, 14, 22, 13, 20)
        );
        assert_eq!(Utc::from_unix(0).cclk(), "\"70/01/01,00:00:00+00\"");
        // Leap day.
        let t = Utc::from_unix(951_782_400);
        assert_eq!((t.year, t.month, t.day), (2000, 2, 29));
        assert_eq!(
            Utc::from_unix(1_709_251_199).cclk(),
            "\"24/02/29,23:59:59+00\""
        );
    }

    #[test]
    fn quoting_refuses_line_breaking_characters() {
        assert_eq!(quoted("ca.pem").as_deref(), Some("\"ca.pem\""));
        assert_eq!(quoted("a\"b"), None);
        assert_eq!(quoted("a\rb"), None);
    }
}
