//! The page's wording: dates instead of unix times, plain words instead of command-line
//! flags and byte offsets, file names for downloads, and the "days" field.

use crate::cert::lint::{Destination, Encoding};

/// `2026-12-02 01:33 UTC` for a unix time; the number itself only when out of range.
pub fn date_of_unix(t: i64) -> String {
    let Ok(secs) = u64::try_from(t) else {
        return format!("{t} seconds before 1970");
    };
    match der::DateTime::from_unix_duration(core::time::Duration::from_secs(secs)) {
        Ok(d) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            d.year(),
            d.month(),
            d.day(),
            d.hour(),
            d.minutes()
        ),
        Err(_) => format!("a date too far ahead to write ({t})"),
    }
}

/// Rewrites what the command line says for the page: `--key` is the Key field,
/// `unix time N` a date, `byte N:` a position in the file.
pub fn plain(message: &str) -> String {
    let mut out = message
        .replace("pick another --key", "pick another key type")
        .replace("--key", "the Key field")
        .replace("--days", "the Days valid field");
    out = replace_number_after(&out, "unix time ", date_of_unix);
    out = replace_number_after(&out, "at byte ", |n| format!("{n} bytes into the file"));
    replace_number_after(&out, "byte ", |n| format!("{n} bytes into the file"))
}

/// Replaces `prefix` followed by a decimal number by `with(number)`.
fn replace_number_after(text: &str, prefix: &str, with: impl Fn(i64) -> String) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        match digits.parse::<i64>() {
            Ok(n) => {
                out.push_str(&rest[..at]);
                out.push_str(&with(n));
                rest = &after[digits.len()..];
            }
            Err(_) => {
                out.push_str(&rest[..at + prefix.len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The "Days valid" field: a whole number from 1 to 36,500 (100 years), or an error that
/// says so. Never a silent default.
pub fn parse_days(text: &str) -> Result<u32, String> {
    let text = text.trim();
    match text.parse::<u32>() {
        Ok(days @ 1..=36_500) => Ok(days),
        _ if text.is_empty() => Err("Days valid is empty: give a number of days, e.g. 365.".into()),
        _ => Err(format!(
            "Days valid must be a whole number from 1 to 36500; \"{text}\" is not."
        )),
    }
}

/// A file-name stem from a certificate subject: its common name (or the whole subject)
/// with anything but letters, digits, `.`, `-` and `_` turned into `-`.
pub fn file_stem(subject: &str) -> String {
    let cn = subject
        .split(',')
        .find_map(|part| part.trim().strip_prefix("CN="))
        .unwrap_or(subject);
    let mut stem: String = cn
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    while stem.contains("--") {
        stem = stem.replace("--", "-");
    }
    let stem = stem.trim_matches('-').to_owned();
    if stem.is_empty() {
        "credential".into()
    } else {
        stem
    }
}

/// The name to save a module's bytes under: the module's own file name where it has one
/// (`cacert.pem`, `<ski>.ca`, `ROOT.CER`), otherwise the subject and the role with the
/// extension of the encoding (Telit slots and iChip parameters have no file name).
pub fn module_file_name(
    destination: &Destination,
    subject_stem: &str,
    role: &str,
    encoding: Encoding,
) -> String {
    let ext = match encoding {
        Encoding::Der => "der",
        Encoding::Pem => "pem",
    };
    match destination
        .file()
        .and_then(|path| path.rsplit(['/', '\\']).next())
        .filter(|last| !last.is_empty())
    {
        Some(last) if last.contains('.') => last.to_owned(),
        Some(last) => format!("{last}.{ext}"),
        None => format!("{subject_stem}-{}.{ext}", role.replace(' ', "-")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_replace_unix_times() {
        assert_eq!(date_of_unix(1_796_160_913), "2026-12-01 21:35 UTC");
        assert_eq!(
            plain("not valid after unix time 1796160913, renew"),
            "not valid after 2026-12-01 21:35 UTC, renew"
        );
    }

    #[test]
    fn flags_and_offsets_become_words() {
        assert_eq!(
            plain("the SIM800 cannot use P-384 keys: no curve; pick another --key"),
            "the SIM800 cannot use P-384 keys: no curve; pick another key type"
        );
        let text = plain("byte 3440: expected SEQUENCE");
        assert!(text.starts_with("3440 bytes into the file"), "{text}");
        assert!(!text.contains("byte 3440:"), "{text}");
        assert_eq!(plain("a byte too many"), "a byte too many");
    }

    #[test]
    fn days_are_checked_not_defaulted() {
        assert_eq!(parse_days(" 30 "), Ok(30));
        assert!(parse_days("0").is_err());
        assert!(parse_days("abc").unwrap_err().contains("\"abc\""));
        assert!(parse_days("").is_err());
        assert!(parse_days("36501").is_err());
        assert!(parse_days("-5").is_err());
    }

    #[test]
    fn file_names_come_from_subject_and_module() {
        assert_eq!(
            file_stem("CN=atcert demo device,O=Acme"),
            "atcert-demo-device"
        );
        assert_eq!(file_stem("O=Only Org"), "O-Only-Org");
        assert_eq!(file_stem(""), "credential");
        let file = |path: &str| Destination::File { path: path.into() };
        let pem = Encoding::Pem;
        assert_eq!(
            module_file_name(&file("cacert.pem"), "x", "root CA certificate", pem),
            "cacert.pem"
        );
        assert_eq!(
            module_file_name(
                &file("/7fd3ab.ca"),
                "x",
                "root CA certificate",
                Encoding::Der
            ),
            "7fd3ab.ca"
        );
        assert_eq!(
            module_file_name(&file("C:\\USER\\ROOT.CER"), "x", "root CA certificate", pem),
            "ROOT.CER"
        );
        assert_eq!(
            module_file_name(&file("/client"), "x", "client certificate", pem),
            "client.pem"
        );
        let slot = Destination::Slot {
            ssid: 1,
            data_type: 1,
        };
        assert_eq!(
            module_file_name(&slot, "dev", "client certificate", pem),
            "dev-client-certificate.pem"
        );
        let area = Destination::Parameter { name: "+iCA" };
        assert_eq!(
            module_file_name(&area, "ca", "root CA certificate", pem),
            "ca-root-CA-certificate.pem"
        );
    }
}
