//! Which module is on the port: parse identification answers into (family, model, firmware,
//! TLS support), and a sans-IO [`Detector`] that picks the next probe from what it has
//! learned. Nothing here names a family: each driver says which probes it asks and reads
//! their answers (`Driver::discovery_probe`, `identify_probes`, `read_probe`). Modules answer `ERROR` (or nothing) to other vendors' commands; that is
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
    // A vendor's prefix before the model (`SIMCOM_SIM800L`, `SIMCOM_SIM7600G-H`).
    let name = Family::ALL
        .into_iter()
        .find_map(|f| {
            f.driver()
                .model_name_prefix()
                .and_then(|p| t.strip_prefix(p))
        })
        .unwrap_or(t);
    let word = name.split_whitespace().next()?;
    let family: Family = word.parse().ok()?;
    // A vendor's name alone (`Telit`) is not a model.
    let vendor_only = Family::ALL.into_iter().any(|f| {
        f.driver()
            .vendor_words()
            .iter()
            .any(|v| word.eq_ignore_ascii_case(v))
    });
    if vendor_only {
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

/// A command's outcome as detection sees it.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Answer {
    /// Final result was success.
    pub ok: bool,
    /// The answer lines (no echo, no URCs).
    pub lines: Vec<String>,
}

/// An identification command. The 3GPP ones are here; a family's own are constants in its
/// driver file (`Driver::discovery_probe`, `Driver::identify_probes`).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Probe {
    pub line: &'static str,
    pub timeout_secs: u64,
}

impl Probe {
    /// `ATI`: the product identification (3GPP TS 27.007 §5.1 V.25ter).
    pub const ATI: Self = Self::new("ATI", 2);
    /// `AT+CGMM`: the model (3GPP TS 27.007 §5.2).
    pub const CGMM: Self = Self::new("AT+CGMM", 2);
    /// `AT+CGMR`: the firmware revision (3GPP TS 27.007 §5.3).
    pub const CGMR: Self = Self::new("AT+CGMR", 2);

    pub const fn new(line: &'static str, timeout_secs: u64) -> Self {
        Self { line, timeout_secs }
    }

    fn command(self) -> Command {
        line(self.line, secs(self.timeout_secs))
    }
}

/// What detection has learned so far besides the family; a driver's
/// [`crate::modules::Driver::read_probe`] fills it from its own probes' answers.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Findings {
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub tls: Option<TlsSupport>,
}

/// Sends identification commands in a sensible order and decides the family.
///
/// Loop: `while let Some(cmd) = d.next_command() { d.feed(&answer_to(cmd)) }`, then
/// [`Detector::finish`]. Cellular modules answer `ATI`/`AT+CGMM`; a family that answers
/// only its own commands (SPWF04 `AT+S.`, iChip `AT+i`) is found by its driver's
/// discovery probe, asked in [`Family::ALL`] order.
#[derive(Clone, Debug, Default)]
pub struct Detector {
    asked: Vec<Probe>,
    family: Option<Family>,
    found: Findings,
    seen: Vec<String>,
}

impl Detector {
    pub fn new() -> Self {
        Self::default()
    }

    fn pending(&self) -> Option<Probe> {
        match self.family {
            None => [Probe::ATI, Probe::CGMM]
                .into_iter()
                .chain(
                    Family::ALL
                        .into_iter()
                        .filter_map(|f| f.driver().discovery_probe()),
                )
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
        if probe == Probe::ATI || probe == Probe::CGMM {
            for l in &answer.lines {
                if let Some((family, model)) = parse_model(l) {
                    // CGMM's full model beats ATI's family word.
                    if self.family.is_none() || probe == Probe::CGMM {
                        self.family = Some(family);
                        self.found.model = Some(model);
                    }
                } else if let Some(fw) = l.trim().strip_prefix("Revision:").and_then(parse_firmware)
                {
                    self.found.firmware.get_or_insert(fw);
                }
                if let Some(fw) = Family::ALL
                    .into_iter()
                    .find_map(|f| f.driver().firmware_in_id_line(l))
                {
                    self.found.firmware.get_or_insert(fw);
                }
            }
        } else if probe == Probe::CGMR {
            if answer.ok
                && let Some(fw) = answer.lines.iter().find_map(|l| parse_firmware(l))
            {
                self.found.firmware = Some(fw);
            }
        } else if let Some(family) = self.family {
            family.driver().read_probe(probe, answer, &mut self.found);
        } else if let Some(family) = Family::ALL
            .into_iter()
            .find(|f| f.driver().discovery_probe() == Some(probe))
            && family.driver().read_probe(probe, answer, &mut self.found)
        {
            self.family = Some(family);
        }
    }

    /// The verdict.
    pub fn finish(self) -> Result<Identity, DetectError> {
        let Some(family) = self.family else {
            return Err(DetectError::Unknown { seen: self.seen });
        };
        let tls = self
            .found
            .tls
            .unwrap_or(if family.driver().tls_on_every_firmware() {
                TlsSupport::Yes
            } else {
                TlsSupport::Unknown
            });
        Ok(Identity {
            family,
            model: self.found.model.unwrap_or_else(|| family.id().to_owned()),
            firmware: self.found.firmware,
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
