//! The public documents behind the rules' source tags. A rule cites our own notes
//! (`[C] sim800.md 2.3: …`, `seed 003 3.3: …`); a user cannot open those, so the page and
//! the command line show the public document each note section rests on, by title and
//! section. The table follows the source lists of `shared/reference/modules/sources.md`
//! and the project's seed documents (000–004).

/// A public document, and where in it to look.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PublicSource {
    pub title: &'static str,
    /// Section, chapter, file or thread position; empty when the whole document applies.
    pub section: String,
    /// Where to find it, when it has a stable public address.
    pub link: Option<&'static str>,
}

struct Doc {
    title: &'static str,
    link: Option<&'static str>,
}

const TINYGSM_SIM800_EXAMPLE: Doc = Doc {
    title: "TinyGSM example SIM800_SslSetCert (vshymanskyy/TinyGSM, examples/more/SIM800_SslSetCert)",
    link: Some(
        "https://github.com/vshymanskyy/TinyGSM/tree/master/examples/more/SIM800_SslSetCert",
    ),
};
const TINYGSM_SIM800: Doc = Doc {
    title: "TinyGSM SIM800 driver (vshymanskyy/TinyGSM, src/TinyGsmClientSIM800.h)",
    link: Some("https://github.com/vshymanskyy/TinyGSM/blob/master/src/TinyGsmClientSIM800.h"),
};
const SIM800_SSL_AN: Doc = Doc {
    title: "SIMCom \"SIM800 Series SSL Application Note\"",
    link: None,
};
const TINYGSM_425: Doc = Doc {
    title: "TinyGSM issue #425: SIM800 supports only SSL 3.0 and TLS 1.0",
    link: Some("https://github.com/vshymanskyy/TinyGSM/issues/425"),
};
const A76XX_SSL_AN: Doc = Doc {
    title: "SIMCom \"A76XX Series SSL Application Note\" V1.00",
    link: None,
};
const TINYGSM_SIM7600: Doc = Doc {
    title: "TinyGSM SIM7600 SSL driver (vshymanskyy/TinyGSM pull request 767, src/TinyGsmClientSIM7600.h)",
    link: Some("https://github.com/vshymanskyy/TinyGSM/pull/767"),
};
const UM2114: Doc = Doc {
    title: "ST UM2114 \"SPWF04S AT command user manual\"",
    link: None,
};
const XCUBE_WIFI1: Doc = Doc {
    title: "ST X-CUBE-WIFI1 host middleware (wifi_const.h, wifi_interface.c)",
    link: None,
};
const MBED_SPWF04: Doc = Doc {
    title: "Arm Mbed SPWF04 driver (ARMmbed/wifi-x-nucleo-idw01m1, SPWFSA04/SPWFSA04.cpp)",
    link: Some("https://github.com/ARMmbed/wifi-x-nucleo-idw01m1"),
};
const ST_SPWF04_ANON: Doc = Doc {
    title: "ST Community: \"SPWF04 - TLS anonymous negotiation\" (2018)",
    link: None,
};
const TELIT_SSL_GUIDE: Doc = Doc {
    title: "Telit \"SSL/TLS User Guide\" 1VV0300989",
    link: None,
};
const TELIT_ME310_LIB: Doc = Doc {
    title: "Telit Arduino ME310 library (telit/arduino-me310-library, src/ME310.cpp)",
    link: Some("https://github.com/telit/arduino-me310-library"),
};
const TELIT_ERRORS: Doc = Doc {
    title: "Telit error list 80617ST10991A",
    link: None,
};
const ICHIP_MANUAL: Doc = Doc {
    title: "Connect One \"AT+i Programmer's Manual\" v8.32",
    link: None,
};
const LIBELIUM_WIFI_PRO: Doc = Doc {
    title: "Libelium Waspmote WIFI_PRO library (Libelium/waspmoteapi, libraries/WIFI_PRO)",
    link: Some("https://github.com/Libelium/waspmoteapi"),
};
const SO_SIM800: Doc = Doc {
    title: "Stack Overflow: \"How sim800 get ssl certificate?\"",
    link: None,
};
const MOMOIOT_SIM7600: Doc = Doc {
    title: "momoiot.co.kr: SIM7600/SIM7800 TCP (SSL/TLS) practice page",
    link: None,
};
const QUECTEL_FILE_MANUAL: Doc = Doc {
    title: "Quectel \"BG96 FILE AT Commands Manual\"",
    link: None,
};
const QUECTEL_SSL_MANUAL: Doc = Doc {
    title: "Quectel \"EC2x&EG9x&EM05 SSL AT Commands Manual\" V1.0",
    link: None,
};
const UBX_SARA_R4_AT: Doc = Doc {
    title: "u-blox \"SARA-R4 series AT commands manual\" UBX-17003787 (AT+USECMNG, AT+USECPRF)",
    link: None,
};
const UBXLIB: Doc = Doc {
    title: "u-blox ubxlib (u-blox/ubxlib, common/security and cell/src/u_cell_sock.c)",
    link: Some("https://github.com/u-blox/ubxlib"),
};
const MKRNB: Doc = Doc {
    title: "Arduino MKRNB library for SARA-R410M-02B (arduino-libraries/MKRNB, src/NBSSLClient.cpp)",
    link: Some("https://github.com/arduino-libraries/MKRNB"),
};
const SPARKFUN_SARA_R5: Doc = Doc {
    title: "SparkFun u-blox SARA-R5 Arduino library (sparkfun/SparkFun_u-blox_SARA-R5_Arduino_Library)",
    link: Some("https://github.com/sparkfun/SparkFun_u-blox_SARA-R5_Arduino_Library"),
};
const NORDIC_AT_REF: Doc = Doc {
    title: "Nordic \"nRF9160 AT Commands\" / \"nRF91x1 Cellular AT Commands\" (docs.nordicsemi.com)",
    link: Some("https://docs.nordicsemi.com"),
};
const NRFCLOUD_UTILS: Doc = Doc {
    title: "nRF Cloud utils (nRFCloud/utils, device_credentials_installer.py and README session)",
    link: Some("https://github.com/nRFCloud/utils"),
};
const NCS_AT_HOST: Doc = Doc {
    title: "nRF Connect SDK AT host (nrfconnect/sdk-nrf, lib/at_host/at_host.c and Kconfig)",
    link: Some("https://github.com/nrfconnect/sdk-nrf"),
};
const NCS_SERIAL_MODEM: Doc = Doc {
    title: "Nordic Serial Modem (nrfconnect/ncs-serial-modem, doc/app/at_socket.rst, app/src/sm_at_host.c)",
    link: Some("https://github.com/nrfconnect/ncs-serial-modem"),
};

const SEQUANS_MONARCH2: Doc = Doc {
    title: "Sequans AT manual text in the monarch2 crate (sevents-os/sequans-rs, monarch2/src/command)",
    link: Some("https://github.com/sevents-os/sequans-rs"),
};
const WALTER_ARDUINO: Doc = Doc {
    title: "Walter modem library (QuickSpot/walter-arduino, src/WalterModem.cpp)",
    link: Some("https://github.com/QuickSpot/walter-arduino"),
};
const WALTER_DOC: Doc = Doc {
    title: "Walter documentation: TLS and certificates (QuickSpot/walter-documentation)",
    link: Some("https://github.com/QuickSpot/walter-documentation"),
};
const MCHP_AVR_IOT: Doc = Doc {
    title: "Microchip AVR-IoT Cellular library (microchip-pic-avr-solutions/avr-iot-cellular-arduino-library, examples/provision)",
    link: Some("https://github.com/microchip-pic-avr-solutions/avr-iot-cellular-arduino-library"),
};

const ESP_AT_DOCS: Doc = Doc {
    title: "Espressif \"ESP-AT User Guide\" (espressif/esp-at, docs/en/AT_Command_Set)",
    link: Some("https://docs.espressif.com/projects/esp-at/en/latest/esp32c3/"),
};
const ESP_AT_SYSMFG_EXAMPLES: Doc = Doc {
    title: "Espressif ESP-AT \"AT+SYSMFG Command Examples\" (docs/en/AT_Command_Examples/sysmfg_at_examples.rst)",
    link: Some("https://github.com/espressif/esp-at"),
};

/// Public documents, each with where in it to look.
type Cited = &'static [(Doc, &'static str)];

/// Note file, section prefix (empty: any), and the public documents with their sections.
const NOTES: &[(&str, &str, Cited)] = &[
    (
        "sim800.md",
        "2",
        &[(TINYGSM_SIM800_EXAMPLE, "SIM800_SslSetCert.ino")],
    ),
    (
        "sim800.md",
        "3",
        &[
            (SIM800_SSL_AN, "AT+SSLSETCERT"),
            (TINYGSM_SIM800_EXAMPLE, "SIM800_SslSetCert.ino"),
        ],
    ),
    ("sim800.md", "4", &[(TINYGSM_SIM800, "")]),
    ("sim800.md", "6", &[(TINYGSM_425, ""), (SIM800_SSL_AN, "")]),
    (
        "sim800.md",
        "",
        &[(SIM800_SSL_AN, ""), (TINYGSM_SIM800, "")],
    ),
    (
        "sim7600.md",
        "2",
        &[(A76XX_SSL_AN, "AT+CCERTDOWN"), (TINYGSM_SIM7600, "")],
    ),
    ("sim7600.md", "3", &[(A76XX_SSL_AN, "AT+CSSLCFG")]),
    (
        "sim7600.md",
        "4",
        &[(A76XX_SSL_AN, "AT+CCHOPEN"), (TINYGSM_SIM7600, "")],
    ),
    ("sim7600.md", "", &[(A76XX_SSL_AN, "")]),
    (
        "spwf04.md",
        "3.3",
        &[(ST_SPWF04_ANON, ""), (UM2114, "file system commands")],
    ),
    (
        "spwf04.md",
        "3",
        &[(UM2114, "AT+S.TLSCERT"), (XCUBE_WIFI1, "wifi_const.h")],
    ),
    ("spwf04.md", "4", &[(XCUBE_WIFI1, "wifi_interface.c")]),
    ("spwf04.md", "5", &[(MBED_SPWF04, ""), (UM2114, "")]),
    ("spwf04.md", "", &[(UM2114, ""), (MBED_SPWF04, "")]),
    ("telit.md", "5", &[(TELIT_ERRORS, "")]),
    (
        "telit.md",
        "",
        &[(TELIT_SSL_GUIDE, ""), (TELIT_ME310_LIB, "")],
    ),
    (
        "ichip.md",
        "5",
        &[(LIBELIUM_WIFI_PRO, "utility/ati_error_codes.h")],
    ),
    (
        "ichip.md",
        "3",
        &[
            (ICHIP_MANUAL, "+iCA, +iCERT, +iPKEY"),
            (LIBELIUM_WIFI_PRO, ""),
        ],
    ),
    (
        "ichip.md",
        "",
        &[(ICHIP_MANUAL, "chapter 32, Secure Socket Protocol")],
    ),
    (
        "quectel.md",
        "2",
        &[(QUECTEL_FILE_MANUAL, "AT+QFUPL, AT+QFLST, AT+QFDEL")],
    ),
    ("quectel.md", "3", &[(QUECTEL_SSL_MANUAL, "AT+QSSLCFG")]),
    (
        "quectel.md",
        "",
        &[(QUECTEL_SSL_MANUAL, ""), (QUECTEL_FILE_MANUAL, "")],
    ),
    (
        "ublox.md",
        "2",
        &[
            (UBX_SARA_R4_AT, "AT+USECMNG"),
            (UBXLIB, "common/security"),
            (MKRNB, ""),
        ],
    ),
    (
        "ublox.md",
        "3",
        &[(UBX_SARA_R4_AT, "AT+USECPRF"), (SPARKFUN_SARA_R5, "")],
    ),
    ("ublox.md", "", &[(UBX_SARA_R4_AT, ""), (UBXLIB, "")]),
    (
        "nrf91.md",
        "2.2",
        &[
            (NCS_AT_HOST, "CONFIG_AT_HOST_CMD_MAX_LEN"),
            (NCS_SERIAL_MODEM, "sm_at_host.c"),
        ],
    ),
    ("nrf91.md", "2.7", &[(NCS_SERIAL_MODEM, "at_socket.rst")]),
    (
        "nrf91.md",
        "",
        &[(NORDIC_AT_REF, "%CMNG"), (NRFCLOUD_UTILS, "")],
    ),
    (
        "sequans.md",
        "2",
        &[
            (SEQUANS_MONARCH2, "nvm/mod.rs, ssl_tls/mod.rs"),
            (WALTER_ARDUINO, "tlsWriteCredential, tlsConfigProfile"),
            (MCHP_AVR_IOT, "provision.ino"),
        ],
    ),
    (
        "sequans.md",
        "5",
        &[
            (SEQUANS_MONARCH2, "nvm/mod.rs (AT+SQNSNVW)"),
            (WALTER_DOC, "tls_and_certificates.md"),
        ],
    ),
    (
        "sequans.md",
        "",
        &[(SEQUANS_MONARCH2, ""), (WALTER_ARDUINO, "")],
    ),
    (
        "espat.md",
        "3",
        &[
            (ESP_AT_DOCS, "Basic AT Commands, AT+SYSMFG"),
            (ESP_AT_SYSMFG_EXAMPLES, ""),
        ],
    ),
    (
        "espat.md",
        "",
        &[(ESP_AT_DOCS, "TCP/IP AT Commands, AT+CIPSSLCCONF")],
    ),
];

/// The seed documents: number, document, and whether a section after the number is that
/// document's own section number.
const SEEDS: &[(u32, Doc, bool)] = &[
    (0, SO_SIM800, false),
    (1, MOMOIOT_SIM7600, false),
    (2, ST_SPWF04_ANON, false),
    (3, TELIT_SSL_GUIDE, true),
    (4, ICHIP_MANUAL, true),
];

/// The public documents a rule's source text cites, in the order cited, without repeats.
pub fn lookup(source: &str) -> Vec<PublicSource> {
    let mut found: Vec<PublicSource> = Vec::new();
    let mut add = |s: PublicSource| {
        if !found.contains(&s) {
            found.push(s);
        }
    };
    let words: Vec<&str> = source
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '/'))
        .filter(|w| !w.is_empty())
        .collect();
    for (i, word) in words.iter().enumerate() {
        let next = words
            .get(i + 1)
            .map(|w| w.trim_end_matches(':'))
            .unwrap_or("");
        let section = if next.starts_with(|c: char| c.is_ascii_digit()) {
            next
        } else {
            ""
        };
        if *word == "seed" {
            let Ok(n) = next.parse::<u32>() else { continue };
            let after = words
                .get(i + 2)
                .map(|w| w.trim_end_matches(':'))
                .unwrap_or("");
            if let Some((_, doc, own_sections)) = SEEDS.iter().find(|(k, ..)| *k == n) {
                let section = match (*own_sections, after) {
                    (true, s) if s.starts_with(|c: char| c.is_ascii_digit()) => {
                        format!("section {s}")
                    }
                    (true, "example") => "the example".to_owned(),
                    _ => String::new(),
                };
                add(PublicSource {
                    title: doc.title,
                    section,
                    link: doc.link,
                });
            }
        } else if let Some(note) = word.trim_end_matches(':').strip_suffix(".md") {
            let file = format!("{note}.md");
            let best = NOTES
                .iter()
                .filter(|(f, prefix, _)| {
                    *f == file
                        && (prefix.is_empty()
                            || section == *prefix
                            || section.starts_with(&format!("{prefix}.")))
                })
                .max_by_key(|(_, prefix, _)| prefix.len());
            for (doc, where_) in best.map(|(_, _, docs)| *docs).unwrap_or_default() {
                add(PublicSource {
                    title: doc.title,
                    section: (*where_).to_owned(),
                    link: doc.link,
                });
            }
        }
    }
    found
}

/// A rule's source text without our own tags and note references: the plain reason.
/// `[C] seed 003 3.3: certificates MUST be in PEM format` → `certificates MUST be in PEM format`.
pub fn plain_reason(source: &str) -> String {
    let mut text = source.trim();
    for tag in ["[C]", "[S]", "[I]"] {
        text = text.trim_start_matches(tag).trim_start();
    }
    let is_reference = |head: &str| {
        head.split(['/', ' ']).filter(|w| !w.is_empty()).all(|w| {
            w.ends_with(".md")
                || w == "seed"
                || w.starts_with(|c: char| c.is_ascii_digit())
                || w == "example"
        })
    };
    match text.split_once(':') {
        Some((head, rest)) if is_reference(head) => rest.trim().to_owned(),
        _ if is_reference(text) => String::new(),
        _ => text.to_owned(),
    }
}

impl std::fmt::Display for PublicSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.title)?;
        if !self.section.is_empty() {
            write!(f, ", {}", self.section)?;
        }
        if let Some(link) = self.link {
            write!(f, " <{link}>")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_sections_map_to_public_documents() {
        let found = lookup("[C] sim800.md 2.3: TinyGSM PEM uses LF");
        assert_eq!(found[0].title, TINYGSM_SIM800_EXAMPLE.title);
        let found = lookup("sim800.md 6: RSA only as far as any report goes");
        assert_eq!(found[0].title, TINYGSM_425.title);
        let found = lookup("spwf04.md 3.3");
        assert_eq!(found[0].title, ST_SPWF04_ANON.title);
        let found = lookup("spwf04.md 3.1");
        assert_eq!(found[0].title, UM2114.title);
        assert_eq!(found[0].section, "AT+S.TLSCERT");
        // A section we have no row for falls back to the note's main documents.
        assert_eq!(lookup("sim7600.md 7")[0].title, A76XX_SSL_AN.title);
    }

    #[test]
    fn seeds_name_the_document_and_its_own_section() {
        let found = lookup("[C] seed 003 3.3: certificates MUST be in PEM format");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].title, TELIT_SSL_GUIDE.title);
        assert_eq!(found[0].section, "section 3.3");
        let found = lookup("seed 002 / spwf04.md 3.3: root CA as DER file");
        assert_eq!(found[0].title, ST_SPWF04_ANON.title);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(lookup("seed 004")[0].title, ICHIP_MANUAL.title);
        assert!(lookup("seed 009").is_empty());
        assert!(lookup("not a key").is_empty());
    }

    #[test]
    fn every_rule_source_of_every_family_names_a_public_document() {
        for family in crate::modules::Family::ALL {
            let rules = crate::modules::rules::rules(family);
            let text = format!("{rules:?}");
            for (at, _) in text.match_indices("source: \"") {
                let rest = &text[at + 9..];
                let source = &rest[..rest.find('"').unwrap_or(rest.len())];
                if source.contains(".md") || source.contains("seed ") {
                    assert!(!lookup(source).is_empty(), "{family}: {source}");
                }
            }
        }
    }

    #[test]
    fn the_plain_reason_drops_our_tags() {
        assert_eq!(
            plain_reason("[C] seed 003 3.3: certificates MUST be in PEM format"),
            "certificates MUST be in PEM format"
        );
        assert_eq!(plain_reason("[I] sim800.md 2.3"), "");
        assert_eq!(
            plain_reason("[S] sim7600.md 2.1: stored verbatim; LF or CRLF both work"),
            "stored verbatim; LF or CRLF both work"
        );
        assert_eq!(
            plain_reason("a client certificate is proven by its private key"),
            "a client certificate is proven by its private key"
        );
    }
}
