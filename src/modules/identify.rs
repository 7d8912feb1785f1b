//! Which module is on the port: parse identification answers into (family, model, firmware,
//! TLS support), and a sans-IO [`Detector`] that picks the next probe from what it has
//! learned. Modules answer `ERROR` (or nothing) to other vendors' commands; that is
//! information, not failure.

use core::fmt;

use crate::at::Command;
use crate::modules::Family;
use crate::modules::cmd::{line, secs};

/// Whether the firmware can do TLS at all.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum TlsSupport {
    Yes,
    /// It cannot; `why` says what to do (usually a firmware upgrade).
    No {
        why: String,
    },
    /// Not probed or not decidable.
    Unknown,
}

/// What detection found.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Identity {
    pub family: Family,
    /// As the module names itself (`SIM800L`, `SIM7600G-H`, `GL865-QUAD`, `SPWF04SA`).
    pub model: String,
    pub firmware: Option<String>,
    pub tls: TlsSupport,
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.model, self.family)?;
        if let Some(fw) = &self.firmware {
            write!(f, ", firmware {fw}")?;
        }
        match &self.tls {
            TlsSupport::Yes => f.write_str(", TLS supported"),
            TlsSupport::No { why } => write!(f, ", no TLS: {why}"),
            TlsSupport::Unknown => Ok(()),
        }
    }
}

/// Recognises a model name in an `AT+CGMM` / `ATI` answer line.
pub fn parse_model(text: &str) -> Option<(Family, String)> {
    let t = text.trim();
    let t = t
        .strip_prefix("+CGMM:")
        .or_else(|| t.strip_prefix("#CGMM:"))
        .or_else(|| t.strip_prefix("Model:"))
        .unwrap_or(t)
        .trim()
        .trim_matches('"');
    // `SIMCOM_SIM800L`, `SIM800 R14.18`, `SIMCOM_SIM7600G-H`.
    let name = t.strip_prefix("SIMCOM_").unwrap_or(t);
    let word = name.split_whitespace().next()?;
    let family: Family = word.parse().ok()?;
    // A bare "telit" is the vendor, not a model.
    if word.eq_ignore_ascii_case("telit") {
        return None;
    }
    Some((family, word.to_owned()))
}

/// Firmware from `AT+CGMR`/`AT+GMR`/`ATI` lines: `Revision:1418B04SIM800L24`,
/// `+CGMR: LE20B04SIM7600G22`, `10.00.144`, `M0B.xxxxxx`.
pub fn parse_firmware(text: &str) -> Option<String> {
    let t = text.trim();
    let v = t
        .strip_prefix("Revision:")
        .or_else(|| t.strip_prefix("+CGMR:"))
        .or_else(|| t.strip_prefix("+GMR:"))
        .unwrap_or(t)
        .trim();
    let plausible = !v.is_empty()
        && v.len() <= 64
        && v.bytes().any(|b| b.is_ascii_digit())
        && v.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
    plausible.then(|| v.to_owned())
}

/// SPWF04 `AT+S.STS=version` → `AT-S.Var:version=<fw>`.
pub fn parse_spwf_version(text: &str) -> Option<String> {
    text.trim()
        .strip_prefix("AT-S.Var:version=")
        .map(|v| v.trim().to_owned())
}

/// SIM800 R13.08 builds have no usable SSL [S]; anything else is decided by `AT+CIPSSL=?`.
fn sim800_firmware_lacks_ssl(fw: &str) -> bool {
    fw.starts_with("1308")
}

/// Telit GE/GL/GC: SSL from SW 10.00.xx5 [S]; older `10.00.xx0`-`xx4` and pre-10 lack it.
fn telit_legacy_firmware_lacks_ssl(fw: &str) -> bool {
    let mut parts = fw.split('.');
    let major: Option<u32> = parts.next().and_then(|p| p.parse().ok());
    let minor: Option<u32> = parts.next().and_then(|p| p.parse().ok());
    let build = parts
        .next()
        .and_then(|p| p.get(2..3))
        .and_then(|d| d.parse::<u32>().ok());
    match (major, minor, build) {
        (Some(m), _, _) if m < 10 => true,
        (Some(10), Some(0), Some(last)) => last < 5,
        _ => false,
    }
}

/// A command's outcome as detection sees it.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Answer {
    /// Final result was success.
    pub ok: bool,
    /// The answer lines (no echo, no URCs).
    pub lines: Vec<String>,
}

/// An identification command; each family's driver names the ones asked once it is known
/// (`Driver::identify_probes`).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Probe {
    Ati,
    Cgmm,
    Cgmr,
    SpwfVersion,
    Ichip,
    IchipVersion,
    TlsSim800,
    TlsTelit,
}

impl Probe {
    fn command(self) -> Command {
        let (text, t) = match self {
            Self::Ati => ("ATI", 2),
            Self::Cgmm => ("AT+CGMM", 2),
            Self::Cgmr => ("AT+CGMR", 2),
            Self::SpwfVersion => ("AT+S.STS=version", 2),
            Self::Ichip => ("AT+i", 2),
            Self::IchipVersion => ("AT+iRP1", 2),
            Self::TlsSim800 => ("AT+CIPSSL=?", 2),
            Self::TlsTelit => ("AT#SSLEN=?", 2),
        };
        line(text, secs(t))
    }
}

/// Sends identification commands in a sensible order and decides the family.
///
/// Loop: `while let Some(cmd) = d.next_command() { d.feed(&answer_to(cmd)) }`, then
/// [`Detector::finish`]. Cellular modules answer `ATI`/`AT+CGMM`; SPWF04 only its own
/// `AT+S.` commands; iChip only `AT+i`.
#[derive(Clone, Debug, Default)]
pub struct Detector {
    asked: Vec<Probe>,
    family: Option<Family>,
    model: Option<String>,
    firmware: Option<String>,
    tls: Option<TlsSupport>,
    seen: Vec<String>,
}

impl Detector {
    pub fn new() -> Self {
        Self::default()
    }

    fn pending(&self) -> Option<Probe> {
        match self.family {
            None => [Probe::Ati, Probe::Cgmm, Probe::SpwfVersion, Probe::Ichip]
                .into_iter()
                .find(|p| !self.asked.contains(p)),
            Some(f) => f
                .driver()
                .identify_probes()
                .iter()
                .copied()
                .find(|p| !self.asked.contains(p)),
        }
    }

    /// The next command to send, or `None` when detection is done.
    pub fn next_command(&self) -> Option<Command> {
        self.pending().map(Probe::command)
    }

    /// Takes the answer to the command [`Detector::next_command`] returned. A timeout is an
    /// answer with `ok: false` and no lines.
    pub fn feed(&mut self, answer: &Answer) {
        let Some(probe) = self.pending() else { return };
        self.asked.push(probe);
        self.seen.extend(answer.lines.iter().cloned());
        match probe {
            Probe::Ati | Probe::Cgmm => {
                for l in &answer.lines {
                    if let Some((family, model)) = parse_model(l) {
                        // CGMM's full model beats ATI's family word.
                        if self.family.is_none() || probe == Probe::Cgmm {
                            self.family = Some(family);
                            self.model = Some(model);
                        }
                    } else if let Some(fw) =
                        l.trim().strip_prefix("Revision:").and_then(parse_firmware)
                    {
                        self.firmware.get_or_insert(fw);
                    }
                    // `SIM800 R14.18`: the revision after the model word.
                    if let Some(rest) = l.trim().strip_prefix("SIM800 ") {
                        self.firmware.get_or_insert(rest.trim().to_owned());
                    }
                }
            }
            Probe::Cgmr => {
                if answer.ok
                    && let Some(fw) = answer.lines.iter().find_map(|l| parse_firmware(l))
                {
                    self.firmware = Some(fw);
                }
            }
            Probe::SpwfVersion => {
                if let Some(fw) = answer.lines.iter().find_map(|l| parse_spwf_version(l)) {
                    self.family = Some(Family::Spwf04);
                    self.model.get_or_insert_with(|| "SPWF04".to_owned());
                    self.firmware = Some(fw);
                    self.tls = Some(TlsSupport::Yes);
                } else if answer.ok && self.family.is_none() {
                    self.family = Some(Family::Spwf04);
                    self.model = Some("SPWF04".to_owned());
                }
            }
            Probe::Ichip => {
                if answer.ok {
                    self.family = Some(Family::Ichip);
                    self.model = Some("iChip".to_owned());
                    self.tls = Some(TlsSupport::Yes);
                }
            }
            Probe::IchipVersion => {
                if answer.ok {
                    self.firmware = answer
                        .lines
                        .iter()
                        .map(|l| l.trim().trim_start_matches("I/").to_owned())
                        .find(|l| !l.is_empty() && l != "OK");
                }
            }
            Probe::TlsSim800 => {
                let fw_bad = self
                    .firmware
                    .as_deref()
                    .is_some_and(sim800_firmware_lacks_ssl);
                self.tls = Some(if answer.ok && !fw_bad {
                    TlsSupport::Yes
                } else {
                    TlsSupport::No {
                        why: "this firmware has no SSL (AT+CIPSSL=? failed); R13.08 builds need an upgrade to 1308B09 or R14.18".into(),
                    }
                });
            }
            Probe::TlsTelit => {
                let fw_bad = self
                    .firmware
                    .as_deref()
                    .is_some_and(telit_legacy_firmware_lacks_ssl);
                self.tls = Some(if answer.ok && !fw_bad {
                    TlsSupport::Yes
                } else {
                    TlsSupport::No {
                        why: "this firmware has no #SSL commands; SSL needs SW 10.00.xx5 or later"
                            .into(),
                    }
                });
            }
        }
    }

    /// The verdict.
    pub fn finish(self) -> Result<Identity, DetectError> {
        let Some(family) = self.family else {
            return Err(DetectError::Unknown { seen: self.seen });
        };
        let tls = self
            .tls
            .unwrap_or(if family.driver().tls_on_every_firmware() {
                TlsSupport::Yes
            } else {
                TlsSupport::Unknown
            });
        Ok(Identity {
            family,
            model: self.model.unwrap_or_else(|| family.id().to_owned()),
            firmware: self.firmware,
            tls,
        })
    }
}

/// Detection found no known module.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DetectError {
    #[error(
        "no known module answered (it said: {}); check the baud rate and wiring, or choose the module by hand",
        if seen.is_empty() { "nothing".to_owned() } else { seen.join(" | ") }
    )]
    Unknown { seen: Vec<String> },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(lines: &[&str]) -> Answer {
        Answer {
            ok: true,
            lines: lines.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn err() -> Answer {
        Answer::default()
    }

    fn run(answers: &dyn Fn(&str) -> Answer) -> (Result<Identity, DetectError>, Vec<String>) {
        let mut d = Detector::new();
        let mut sent = Vec::new();
        while let Some(cmd) = d.next_command() {
            let text = String::from_utf8_lossy(&cmd.line).into_owned();
            d.feed(&answers(&text));
            sent.push(text);
            assert!(sent.len() < 20, "detection does not end");
        }
        (d.finish(), sent)
    }

    #[test]
    fn sim800_from_reference_answers() {
        let (id, _) = run(&|c| match c {
            "ATI" => ok(&["SIM800 R14.18"]),
            "AT+CGMM" => ok(&["SIMCOM_SIM800L"]),
            "AT+CGMR" => ok(&["Revision:1418B04SIM800L24"]),
            "AT+CIPSSL=?" => ok(&["+CIPSSL: (0-1)"]),
            _ => err(),
        });
        let id = id.unwrap();
        assert_eq!(id.family, Family::Sim800);
        assert_eq!(id.model, "SIM800L");
        assert_eq!(id.firmware.as_deref(), Some("1418B04SIM800L24"));
        assert_eq!(id.tls, TlsSupport::Yes);
    }

    #[test]
    fn sim800_r13_has_no_tls() {
        let (id, _) = run(&|c| match c {
            "ATI" => ok(&["SIM800 R13.08"]),
            "AT+CGMM" => ok(&["SIMCOM_SIM800C"]),
            "AT+CGMR" => ok(&["Revision:1308B08SIM800L16"]),
            _ => err(),
        });
        assert!(matches!(id.unwrap().tls, TlsSupport::No { .. }));
    }

    #[test]
    fn sim7600_multi_line_ati() {
        let (id, _) = run(&|c| match c {
            "ATI" => ok(&[
                "Manufacturer: SIMCOM INCORPORATED",
                "Model: SIMCOM_SIM7600G-H",
                "Revision: SIM7600M22_V2.0",
                "IMEI: 861234567890123",
                "+GCAP: +CGSM",
            ]),
            "AT+CGMM" => ok(&["SIMCOM_SIM7600G-H"]),
            "AT+CGMR" => ok(&["+CGMR: LE20B04SIM7600G22"]),
            _ => err(),
        });
        let id = id.unwrap();
        assert_eq!(
            (id.family, id.model.as_str()),
            (Family::Sim7600, "SIM7600G-H")
        );
        assert_eq!(id.firmware.as_deref(), Some("LE20B04SIM7600G22"));
    }

    #[test]
    fn telit_generations_and_firmware_gate() {
        let (id, _) = run(&|c| match c {
            "ATI" => ok(&["Telit"]),
            "AT+CGMM" => ok(&["GL865-QUAD"]),
            "AT+CGMR" => ok(&["10.00.144"]),
            "AT#SSLEN=?" => ok(&["#SSLEN: (1),(0,1)"]),
            _ => err(),
        });
        let id = id.unwrap();
        assert_eq!(id.family, Family::TelitLegacy);
        assert!(
            matches!(id.tls, TlsSupport::No { .. }),
            "10.00.144 predates SSL (xx5)"
        );
        let (id, _) = run(&|c| match c {
            "AT+CGMM" => ok(&["LE910-EU1"]),
            "AT+CGMR" => ok(&["20.00.522"]),
            _ => err(),
        });
        assert_eq!(id.unwrap().family, Family::TelitLe910);
        assert!(!telit_legacy_firmware_lacks_ssl("16.00.142"));
        assert!(!telit_legacy_firmware_lacks_ssl("10.00.145"));
    }

    #[test]
    fn spwf04_and_ichip_answer_only_their_own_commands() {
        let (id, sent) = run(&|c| match c {
            "AT+S.STS=version" => ok(&["AT-S.Var:version=180808-c2b1bf2-SPWF04S"]),
            _ => Answer {
                ok: false,
                lines: vec!["AT-S.ERROR:2:Command not found".into()],
            },
        });
        let id = id.unwrap();
        assert_eq!(id.family, Family::Spwf04);
        assert_eq!(id.firmware.as_deref(), Some("180808-c2b1bf2-SPWF04S"));
        assert!(!sent.contains(&"AT+i".to_owned()));
        let (id, sent) = run(&|c| match c {
            "AT+i" => ok(&[]),
            "AT+iRP1" => ok(&["I/804b06"]),
            _ => Answer {
                ok: false,
                lines: vec!["I/ERROR (53)".into()],
            },
        });
        let id = id.unwrap();
        assert_eq!(id.family, Family::Ichip);
        assert_eq!(id.firmware.as_deref(), Some("804b06"));
        assert_eq!(sent.last().map(String::as_str), Some("AT+iRP1"));
    }

    #[test]
    fn silence_is_an_error_naming_what_was_seen() {
        let (id, _) = run(&|_| err());
        assert!(id.unwrap_err().to_string().contains("nothing"));
    }
}
