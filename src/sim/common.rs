//! Pieces the SIMCom and Telit simulators share: V.25ter framing, CME error modes, the
//! `+CCLK` clock format and the basic commands every such module answers.

use super::core::{Cx, split_cmd};

pub(crate) const OK: &[u8] = b"\r\nOK\r\n";
pub(crate) const ERROR: &[u8] = b"\r\nERROR\r\n";

/// Information lines followed by OK, in verbose (ATV1) framing.
pub(crate) fn info_ok(lines: &[String]) -> Vec<u8> {
    let mut out = info(lines);
    out.extend_from_slice(OK);
    out
}

/// Information lines without a final result.
pub(crate) fn info(lines: &[String]) -> Vec<u8> {
    let mut out = b"\r\n".to_vec();
    for l in lines {
        out.extend_from_slice(l.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A URC in its own framing.
pub(crate) fn urc(text: &str) -> Vec<u8> {
    format!("\r\n{text}\r\n").into_bytes()
}

/// `AT+CMEE` state: how errors are worded.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Cme(pub u8);

impl Cme {
    pub fn error(self, code: u16, text: &str) -> Vec<u8> {
        match self.0 {
            1 => format!("\r\n+CME ERROR: {code}\r\n").into_bytes(),
            2 => format!("\r\n+CME ERROR: {text}\r\n").into_bytes(),
            _ => ERROR.to_vec(),
        }
    }
}

/// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date and time for Unix seconds: (year, month, day, hour, minute, second).
pub(crate) fn civil(epoch: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs / 3600, secs % 3600 / 60, secs % 60)
}

/// `yy/MM/dd,hh:mm:ss±zz` (zz in quarter hours) for Unix seconds, shown in UTC.
pub(crate) fn cclk_format(epoch: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(epoch);
    format!(
        "{:02}/{mo:02}/{d:02},{h:02}:{mi:02}:{s:02}+00",
        y.rem_euclid(100)
    )
}

/// Parses `yy/MM/dd,hh:mm:ss±zz` into Unix seconds (UTC).
pub(crate) fn cclk_parse(s: &str) -> Option<i64> {
    let s = s.trim().trim_matches('"');
    let (date, rest) = s.split_once(',')?;
    let mut dp = date.split('/').map(|p| p.parse::<i64>().ok());
    let (y, mo, d) = (dp.next()??, dp.next()??, dp.next()??);
    let split = rest.find(['+', '-']).unwrap_or(rest.len());
    let (time, tz) = rest.split_at(split);
    let mut tp = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, mi, sec) = (tp.next()??, tp.next()??, tp.next()??);
    let tz_q: i64 = if tz.is_empty() { 0 } else { tz.parse().ok()? };
    let valid = (0..=99).contains(&y)
        && (1..=12).contains(&mo)
        && (1..=31).contains(&d)
        && (0..24).contains(&h)
        && (0..60).contains(&mi)
        && (0..60).contains(&sec)
        && (-96..=96).contains(&tz_q);
    if !valid {
        return None;
    }
    let days = days_from_civil(2000 + y, mo, d);
    Some(days * 86_400 + h * 3600 + mi * 60 + sec - tz_q * 15 * 60)
}

/// Identification strings of a V.25ter module.
pub(crate) struct Ident<'a> {
    pub ati: &'a [String],
    pub cgmi: &'a str,
    pub cgmm: &'a str,
    pub cgmr: &'a str,
    pub imei: &'a str,
}

/// Answers the commands every V.25ter module shares. Returns false when `line` is not one.
pub(crate) fn basic(cx: &mut Cx, cme: &mut Cme, id: &Ident, line: &[u8]) -> bool {
    let (name, op, rest) = split_cmd(line);
    match (name.as_str(), op) {
        ("", None) => cx.answer(OK),
        ("E0", None) | ("E", None) => {
            *cx.echo = false;
            cx.answer(OK);
        }
        ("E1", None) => {
            *cx.echo = true;
            cx.answer(OK);
        }
        ("I", None) | ("I0", None) => cx.answer(info_ok(id.ati)),
        ("+CGMI", None) | ("+GMI", None) => cx.answer(info_ok(&[id.cgmi.to_owned()])),
        ("+CGMM", None) | ("+GMM", None) => cx.answer(info_ok(&[id.cgmm.to_owned()])),
        ("+CGMR", None) | ("+GMR", None) => cx.answer(info_ok(&[id.cgmr.to_owned()])),
        ("+CGSN", None) | ("+GSN", None) => cx.answer(info_ok(&[id.imei.to_owned()])),
        ("+CMEE", Some('=')) => match rest.trim() {
            "0" | "1" | "2" => {
                cme.0 = rest.trim().parse().unwrap_or(0);
                cx.answer(OK);
            }
            _ => cx.answer(ERROR),
        },
        ("+CMEE", Some('?')) => cx.answer(info_ok(&[format!("+CMEE: {}", cme.0)])),
        ("+CCLK", Some('?')) => {
            let now = cclk_format(cx.epoch());
            cx.answer(info_ok(&[format!("+CCLK: \"{now}\"")]));
        }
        ("+CCLK", Some('=')) => match cclk_parse(&rest) {
            Some(epoch) => {
                cx.rtc.set = Some((epoch, cx.now));
                cx.answer(OK);
            }
            None => cx.answer(cme.error(50, "incorrect parameters")),
        },
        ("&W", None) | ("Z", None) | ("&F", None) | ("V1", None) => cx.answer(OK),
        ("+CPIN", Some('?')) => cx.answer(info_ok(&["+CPIN: READY".into()])),
        ("+CSQ", None) => cx.answer(info_ok(&["+CSQ: 20,99".into()])),
        ("+CREG", Some('?')) => cx.answer(info_ok(&["+CREG: 0,1".into()])),
        ("+CGREG", Some('?')) => cx.answer(info_ok(&["+CGREG: 0,1".into()])),
        ("+CEREG", Some('?')) => cx.answer(info_ok(&["+CEREG: 0,1".into()])),
        ("+CGDCONT", Some('=')) | ("+CGATT", Some('=')) | ("+CTZU", Some('=')) => cx.answer(OK),
        ("+CLTS", Some('=')) | ("+CFUN", Some('=')) | ("+IPR", Some('=')) => cx.answer(OK),
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_format_round_trips() {
        // 2021-11-17 16:17:48 at +02 (8 quarter hours) is 14:17:48 UTC.
        let epoch = cclk_parse("\"21/11/17,16:17:48+08\"").unwrap();
        assert_eq!(epoch, 1_637_158_668);
        assert_eq!(cclk_format(epoch), "21/11/17,14:17:48+00");
        assert_eq!(civil(0), (1970, 1, 1, 0, 0, 0));
        assert!(cclk_parse("21/13/17,16:17:48+08").is_none());
    }
}
