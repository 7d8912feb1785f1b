//! What each module family accepts for its TLS credentials, as data.
//!
//! The types are in `cert::lint` (which lints a credential against them); the values are
//! here, one function per family, taken from `shared/reference/modules/*.md` and the seed
//! documents. Each fact carries its tag: [C] confirmed, [S] secondary, [I] inferred. [I]
//! facts are defaults: the fields are public, so a caller can override them for a firmware
//! that differs, and the lint only warns (never errors) on them. Flows read `storage`,
//! `send_as` and `key_encodings` to decide names and encodings.

use crate::cert::lint::{
    AcceptedLineEndings, CaChoice, ClockCheck, CredentialRules, Encoding, HashAlg, KeyEncoding,
    KeyType, RoleRules, Rule, Storage, Support, TrailingNewline,
};
use crate::modules::Family;

const PEM: &[Encoding] = &[Encoding::Pem];
const DER: &[Encoding] = &[Encoding::Der];
const PEM_DER: &[Encoding] = &[Encoding::Pem, Encoding::Der];
const DER_PEM: &[Encoding] = &[Encoding::Der, Encoding::Pem];
const RSA: &[KeyType] = &[KeyType::Rsa];
const RSA_P256: &[KeyType] = &[KeyType::Rsa, KeyType::EcP256];
const ALL_HASHES_BUT_MD: &[HashAlg] = &[
    HashAlg::Sha1,
    HashAlg::Sha224,
    HashAlg::Sha256,
    HashAlg::Sha384,
    HashAlg::Sha512,
];
const NO_KEY: &[KeyEncoding] = &[];

/// The credential rules of one family.
pub fn rules(family: Family) -> CredentialRules {
    match family {
        Family::Sim800 => SIM800,
        Family::Sim7600 => SIM7600,
        Family::Spwf04 => SPWF04,
        Family::TelitLegacy => TELIT_LEGACY,
        Family::TelitLe910 => TELIT_LE910,
        Family::Ichip => ICHIP,
    }
}

// --- SIMCom SIM800 (sim800.md) -------------------------------------------------------------

/// `AT+FSWRITE` takes at most 10240 bytes per command [C sim800.md 2.2]; atcert writes a
/// credential in one command, so that is the limit here.
const SIM800_FSWRITE_MAX: Rule<usize> = Rule::c(
    10240,
    "sim800.md 2.2: AT+FSWRITE <size> max 10240 bytes per command",
);

const SIM800_CERT: RoleRules = RoleRules {
    // App note: files to import must be DER [S]; TinyGSM also uploads PEM with LF [C].
    accepted: Rule::c(
        DER_PEM,
        "sim800.md 2.3: app note says DER; TinyGSM's PEM (LF) upload also works",
    ),
    send_as: Encoding::Der,
    line_endings: Rule::i(
        AcceptedLineEndings::LfOrCrLf,
        "sim800.md 2.3: TinyGSM PEM uses LF",
    ),
    trailing_newline: Rule::i(TrailingNewline::Optional, "sim800.md 2.3"),
    max_bytes: Some(SIM800_FSWRITE_MAX),
    key_types: Rule::i(RSA, "sim800.md 6: RSA only as far as any report goes"),
    rsa_bits: Rule::i(
        (1024, 2048),
        "sim800.md 6: 2048-bit RSA reported working, maximum unknown",
    ),
    signature_hashes: Some(Rule::i(
        &[HashAlg::Md5, HashAlg::Sha1, HashAlg::Sha256],
        "sim800.md 6: SSL 3.0/TLS 1.0 stack, hashes undocumented",
    )),
    key_encodings: Rule::i(NO_KEY, "not a key"),
    encrypted_key: Rule::i(false, "not a key"),
    bundle: Rule::i(false, "sim800.md 3: one file per AT+SSLSETCERT/SSLSETROOT"),
    storage: Rule::c(
        Storage::File {
            path: "C:\\USER\\ROOT.CER",
        },
        "sim800.md 4.4: C:\\USER\\ROOT.CER then AT+SSLSETROOT",
    ),
};

const SIM800: CredentialRules = CredentialRules {
    family: "sim800",
    ca: SIM800_CERT,
    client_cert: RoleRules {
        bundle: Rule::i(false, "sim800.md 3: one certificate per file"),
        storage: Rule::i(
            Storage::File {
                path: "C:\\USER\\CLIENT.CRT",
            },
            "sim800.md 2.1: 8.3 names in C:\\User\\",
        ),
        ..SIM800_CERT
    },
    client_key: RoleRules {
        key_encodings: Rule::i(
            &[KeyEncoding::Pkcs1],
            "sim800.md 3: no key command documented; PKCS#1 DER assumed",
        ),
        encrypted_key: Rule::i(false, "sim800.md 3: SSLSETCERT password semantics unknown"),
        storage: Rule::i(
            Storage::File {
                path: "C:\\USER\\CLIENT.KEY",
            },
            "sim800.md 2.1: 8.3 names in C:\\User\\",
        ),
        ..SIM800_CERT
    },
    mutual_tls: Rule::s(
        Support::FirmwareDependent,
        "sim800.md 3: SIMCom said SSLOPT=1,1 (client auth) is not supported on their firmware",
    ),
    clock: Rule::i(ClockCheck::Unknown, "sim800.md 6: date checks unknown"),
    ca_choice: Rule::i(
        CaChoice::Root,
        "sim800.md 3: AT+SSLSETROOT imports a root CA",
    ),
    tls_versions: Rule::s("SSL 3.0, TLS 1.0", "sim800.md 6"),
};

// --- SIMCom SIM7600 (sim7600.md) -----------------------------------------------------------

const SIM7600_CERT: RoleRules = RoleRules {
    accepted: Rule::c(PEM_DER, "sim7600.md 2.5: X.509 in PEM or DER"),
    send_as: Encoding::Pem,
    line_endings: Rule::s(
        AcceptedLineEndings::LfOrCrLf,
        "sim7600.md 2.1: stored verbatim; LF or CRLF both work",
    ),
    trailing_newline: Rule::i(TrailingNewline::Optional, "sim7600.md 2.1"),
    // 10240 is confirmed for A76XX; for SIM7600 it is believed [I].
    max_bytes: Some(Rule::i(
        10240,
        "sim7600.md 2.1: CCERTDOWN <len> 1-10240 (A76XX [C]; SIM7600 believed)",
    )),
    key_types: Rule::s(
        RSA_P256,
        "sim7600.md 5: RSA 1024-4096 and ECC P-256; no P-384",
    ),
    rsa_bits: Rule::s((1024, 4096), "sim7600.md 5"),
    signature_hashes: Some(Rule::i(
        ALL_HASHES_BUT_MD,
        "sim7600.md 5: mbedTLS-style stack",
    )),
    key_encodings: Rule::i(NO_KEY, "not a key"),
    encrypted_key: Rule::i(false, "not a key"),
    bundle: Rule::i(
        true,
        "sim7600.md 2.5: a CA bundle is reported to work within 10240 bytes",
    ),
    storage: Rule::c(
        Storage::FileByEncoding { stem: "ca_cert" },
        "sim7600.md 2.1: name 5-108 bytes ending .pem or .der (the module tells the encoding by it)",
    ),
};

const SIM7600: CredentialRules = CredentialRules {
    family: "sim7600",
    ca: SIM7600_CERT,
    client_cert: RoleRules {
        bundle: Rule::i(false, "sim7600.md 2.5: one client certificate"),
        storage: Rule::c(
            Storage::FileByEncoding {
                stem: "client_cert",
            },
            "sim7600.md 2.1, 4.5",
        ),
        ..SIM7600_CERT
    },
    client_key: RoleRules {
        key_encodings: Rule::c(
            &[KeyEncoding::Pkcs1, KeyEncoding::Sec1, KeyEncoding::Pkcs8],
            "sim7600.md 2.5: PKCS#1, PKCS#8 or EC PRIVATE KEY, PEM or DER",
        ),
        encrypted_key: Rule::i(
            false,
            "sim7600.md 2.5: encrypted keys not supported on SIM7600",
        ),
        bundle: Rule::i(false, "one key"),
        storage: Rule::c(
            Storage::FileByEncoding { stem: "client_key" },
            "sim7600.md 2.1, 4.5",
        ),
        ..SIM7600_CERT
    },
    mutual_tls: Rule::c(
        Support::Supported,
        "sim7600.md 3: authmode 2 = server + client",
    ),
    clock: Rule::i(
        ClockCheck::WhenEnabled,
        "sim7600.md 3: checked only with AT+CSSLCFG=\"ignorelocaltime\",<ctx>,0",
    ),
    ca_choice: Rule::i(CaChoice::AnyCa, "sim7600.md 2.5: CA bundles work"),
    tls_versions: Rule::c("SSL 3.0, TLS 1.0, 1.1, 1.2", "sim7600.md 5"),
};

// --- ST SPWF04 (spwf04.md) -----------------------------------------------------------------

const SPWF04_CERT: RoleRules = RoleRules {
    accepted: Rule::c(
        DER,
        "spwf04.md 3.1: DER is the documented, working format; PEM reported failing",
    ),
    send_as: Encoding::Der,
    line_endings: Rule::i(AcceptedLineEndings::LfOrCrLf, "DER only"),
    trailing_newline: Rule::i(TrailingNewline::Optional, "DER only"),
    // Each peer certificate <= 2.5 KB [S].
    max_bytes: Some(Rule::s(2560, "spwf04.md 3.1: each certificate <= 2.5 KB")),
    key_types: Rule::s(RSA_P256, "spwf04.md 7: RSA and ECC P-256"),
    // Only a suspicion in a forum thread, so a default that warns, not a rule that blocks.
    rsa_bits: Rule::i(
        (1024, 2048),
        "spwf04.md 5.2: RSA-4096 chains suspected of Certificate Error:22",
    ),
    signature_hashes: Some(Rule::i(
        ALL_HASHES_BUT_MD,
        "spwf04.md 7: mbedTLS-era firmware",
    )),
    key_encodings: Rule::i(NO_KEY, "not a key"),
    encrypted_key: Rule::i(false, "not a key"),
    bundle: Rule::c(false, "spwf04.md 3.3: one DER root per <ski>.ca file"),
    storage: Rule::c(
        Storage::SkiFile {
            prefix: "/",
            suffix: ".ca",
        },
        "seed 002 / spwf04.md 3.3: root CA as DER file named <subject key identifier>.ca, lowercase",
    ),
};

/// The TLS certificate area (`AT+S.TLSCERT=cert|key`) holds at most 1475 bytes [S].
const SPWF04_AREA: Rule<usize> =
    Rule::s(1475, "spwf04.md 3.1: the TLSCERT area holds <= 1475 bytes");

const SPWF04: CredentialRules = CredentialRules {
    family: "spwf04",
    ca: SPWF04_CERT,
    client_cert: RoleRules {
        bundle: Rule::i(
            false,
            "spwf04.md 3.1: one certificate per AT+S.TLSCERT=cert",
        ),
        accepted: Rule::i(
            DER_PEM,
            "spwf04.md 3.1: DER safest; PEM may work for cert/key",
        ),
        max_bytes: Some(SPWF04_AREA),
        storage: Rule::c(
            Storage::Parameter {
                name: "AT+S.TLSCERT=cert",
            },
            "spwf04.md 3.1",
        ),
        ..SPWF04_CERT
    },
    client_key: RoleRules {
        accepted: Rule::i(
            DER_PEM,
            "spwf04.md 3.1: DER safest; PEM may work for cert/key",
        ),
        max_bytes: Some(SPWF04_AREA),
        key_encodings: Rule::i(
            &[KeyEncoding::Pkcs1, KeyEncoding::Sec1, KeyEncoding::Pkcs8],
            "spwf04.md 3.1: mbedTLS parses PKCS#1, SEC1 and PKCS#8",
        ),
        storage: Rule::c(
            Storage::Parameter {
                name: "AT+S.TLSCERT=key",
            },
            "spwf04.md 3.1",
        ),
        ..SPWF04_CERT
    },
    mutual_tls: Rule::c(
        Support::Supported,
        "seed 002: SPWF04 supports one-way and mutual authentication",
    ),
    clock: Rule::c(
        ClockCheck::Always,
        "seed 002: SPWF04 performs a time validity check; set AT+S.TIME",
    ),
    ca_choice: Rule::c(
        CaChoice::Root,
        "seed 002: saving the root CA in the file system is enough",
    ),
    tls_versions: Rule::i("TLS 1.2 (believed)", "spwf04.md 7"),
};

// --- Telit (telit.md; seed 003 is the legacy SSL/TLS user guide) ---------------------------

const TELIT_LEGACY_CERT: RoleRules = RoleRules {
    accepted: Rule::c(PEM, "seed 003 3.3: certificates MUST be in PEM format"),
    send_as: Encoding::Pem,
    line_endings: Rule::c(
        AcceptedLineEndings::LfOnly,
        "seed 003 3.3: after each row only a <LF> character is needed (without <CR>)",
    ),
    trailing_newline: Rule::c(
        TrailingNewline::Required,
        "seed 003 example: -----END CERTIFICATE-----<LF> then Ctrl+Z",
    ),
    // The slide deck gives 1535 for the first SSL release [S]; the guide's 2047 is the rule.
    max_bytes: Some(Rule::c(
        2047,
        "seed 003 2.2.2: maximum size 2047 bytes (1535 on the first SSL release [S])",
    )),
    key_types: Rule::c(
        RSA,
        "seed 003 3.3: data type 2 = RSA private key; RSA key exchange suites only",
    ),
    rsa_bits: Rule::i(
        (1024, 2048),
        "telit.md 6: up to 2048-bit RSA within 2047 bytes",
    ),
    signature_hashes: Some(Rule::i(
        &[HashAlg::Md5, HashAlg::Sha1, HashAlg::Sha256],
        "telit.md 6: TLS 1.0 stack",
    )),
    key_encodings: Rule::i(NO_KEY, "not a key"),
    encrypted_key: Rule::i(false, "not a key"),
    bundle: Rule::c(false, "seed 003 3.3.1: store the RootCACert"),
    storage: Rule::c(
        Storage::Slot {
            ssid: 1,
            data_type: 1,
        },
        "seed 003 3.3: AT#SSLSECDATA=1,1,<DataType>; 1 = CA certificate",
    ),
};

const TELIT_LEGACY: CredentialRules = CredentialRules {
    family: "telit-legacy",
    ca: TELIT_LEGACY_CERT,
    client_cert: RoleRules {
        bundle: Rule::i(false, "seed 003 3.3: one certificate per data type"),
        storage: Rule::c(
            Storage::Slot {
                ssid: 1,
                data_type: 0,
            },
            "seed 003 3.3: DataType 0 = client certificate",
        ),
        ..TELIT_LEGACY_CERT
    },
    client_key: RoleRules {
        key_encodings: Rule::i(
            &[KeyEncoding::Pkcs1],
            "telit.md 4.5: BEGIN RSA PRIVATE KEY; PKCS#8 not accepted on legacy",
        ),
        storage: Rule::c(
            Storage::Slot {
                ssid: 1,
                data_type: 2,
            },
            "seed 003 3.3: DataType 2 = RSA private key",
        ),
        ..TELIT_LEGACY_CERT
    },
    mutual_tls: Rule::c(
        Support::Supported,
        "seed 003 3.2: auth_mode 2 = client/server authentication",
    ),
    clock: Rule::i(
        ClockCheck::Always,
        "telit.md 6: server certificate dates checked against the module clock when auth >= 1",
    ),
    ca_choice: Rule::c(
        CaChoice::Root,
        "seed 003 3.3.1: the CA certificate to store is the RootCACert",
    ),
    tls_versions: Rule::s("SSL 3.0, TLS 1.0", "telit.md 6"),
};

const TELIT_LE910_CERT: RoleRules = RoleRules {
    accepted: Rule::c(
        PEM_DER,
        "telit.md 2.2: PEM; DER with AT#SSLSECCFG <cert_format>=0",
    ),
    send_as: Encoding::Pem,
    line_endings: Rule::i(
        AcceptedLineEndings::LfOrCrLf,
        "telit.md 2.2: newer firmware accepts CRLF",
    ),
    trailing_newline: Rule::i(TrailingNewline::Optional, "telit.md 2.2"),
    max_bytes: Some(Rule::i(
        4096,
        "telit.md 2.2: LE910/ME910 larger than 2047 (4096?)",
    )),
    key_types: Rule::i(RSA_P256, "telit.md 6: RSA; ECC on ME910/ME310"),
    rsa_bits: Rule::i((1024, 4096), "telit.md 6"),
    signature_hashes: Some(Rule::i(ALL_HASHES_BUT_MD, "telit.md 6: TLS 1.2 stack")),
    key_encodings: Rule::i(NO_KEY, "not a key"),
    encrypted_key: Rule::i(false, "not a key"),
    bundle: Rule::i(false, "telit.md 7: store only the root"),
    storage: Rule::c(
        Storage::Slot {
            ssid: 1,
            data_type: 1,
        },
        "telit.md 2.1: AT#SSLSECDATA=1,1,1,<size>; 1 = CA certificate",
    ),
};

const TELIT_LE910: CredentialRules = CredentialRules {
    family: "telit-le910",
    ca: TELIT_LE910_CERT,
    client_cert: RoleRules {
        bundle: Rule::i(false, "telit.md 2.1: one certificate per data type"),
        storage: Rule::c(
            Storage::Slot {
                ssid: 1,
                data_type: 0,
            },
            "telit.md 2.1: DataType 0 = client certificate",
        ),
        ..TELIT_LE910_CERT
    },
    client_key: RoleRules {
        key_encodings: Rule::i(
            &[KeyEncoding::Pkcs1, KeyEncoding::Sec1],
            "telit.md 4.5: BEGIN RSA PRIVATE KEY; PKCS#8 unconfirmed",
        ),
        storage: Rule::c(
            Storage::Slot {
                ssid: 1,
                data_type: 2,
            },
            "telit.md 2.1: DataType 2 = private key",
        ),
        ..TELIT_LE910_CERT
    },
    mutual_tls: Rule::c(Support::Supported, "telit.md 4.5: AT#SSLSECCFG=1,0,2"),
    clock: Rule::s(
        ClockCheck::Always,
        "telit.md 7: LE910R1 rejected an expired server certificate even with auth_mode 0",
    ),
    ca_choice: Rule::s(CaChoice::Root, "telit.md 7: store only the root"),
    tls_versions: Rule::c("SSL 3.0 to TLS 1.2", "telit.md 3: AT#SSLSECCFG2"),
};

// --- Connect One iChip (ichip.md; seed 004) ------------------------------------------------

const ICHIP_CERT: RoleRules = RoleRules {
    accepted: Rule::c(PEM, "ichip.md 3.1: <tca> is the PEM certificate"),
    send_as: Encoding::Pem,
    line_endings: Rule::c(
        AcceptedLineEndings::CrOnly,
        "ichip.md 3.1: multiple lines separated by <CR> (the AT+i parameter syntax)",
    ),
    trailing_newline: Rule::c(
        TrailingNewline::Required,
        "ichip.md 3.1: the END line's own <CR> ends the command",
    ),
    // 1500 on other firmware [C Libelium]; 1300 is the strict 8.32 figure.
    max_bytes: Some(Rule::c(
        1300,
        "ichip.md 3.1: max 1300 characters (manual 8.32)",
    )),
    key_types: Rule::c(RSA, "ichip.md 3.1: RSA public key of 1024 or 2048 bits"),
    rsa_bits: Rule::c((1024, 2048), "ichip.md 3.1: RSA 1024 or 2048 bits"),
    signature_hashes: Some(Rule::c(
        &[HashAlg::Md2, HashAlg::Md5, HashAlg::Sha1],
        "ichip.md 3.1: CA signature MD2, MD5 or SHA-1 (else I/ERROR (116))",
    )),
    key_encodings: Rule::i(NO_KEY, "not a key"),
    encrypted_key: Rule::i(false, "not a key"),
    bundle: Rule::c(false, "ichip.md 3.1: one certificate per +iCA parameter"),
    storage: Rule::c(
        Storage::Parameter { name: "+iCA" },
        "ichip.md 3.1: AT+iCA=<PEM> (alternatives +iCA2..+iCA4 [S])",
    ),
};

const ICHIP: CredentialRules = CredentialRules {
    family: "ichip",
    ca: ICHIP_CERT,
    client_cert: RoleRules {
        bundle: Rule::i(false, "ichip.md 3.2: one certificate per +iCERT"),
        line_endings: Rule::i(AcceptedLineEndings::CrOnly, "ichip.md 3.2: like +iCA"),
        max_bytes: Some(Rule::i(1300, "ichip.md 3.2: like +iCA")),
        rsa_bits: Rule::i((1024, 2048), "ichip.md 3.2: like +iCA"),
        // The CA's hash list is about the CA; a client certificate is only sent.
        signature_hashes: None,
        storage: Rule::i(Storage::Parameter { name: "+iCERT" }, "ichip.md 3.2"),
        ..ICHIP_CERT
    },
    client_key: RoleRules {
        max_bytes: Some(Rule::i(2048, "ichip.md 3.3: size limit undocumented")),
        rsa_bits: Rule::i((1024, 2048), "ichip.md 3.3"),
        signature_hashes: None,
        key_encodings: Rule::c(
            &[KeyEncoding::Pkcs1],
            "ichip.md 3.3: -----BEGIN RSA PRIVATE KEY----- (PKCS#1 RSA only), else I/ERROR (117)",
        ),
        storage: Rule::c(Storage::Parameter { name: "+iPKEY" }, "ichip.md 3.3"),
        ..ICHIP_CERT
    },
    mutual_tls: Rule::c(
        Support::Supported,
        "ichip.md 6: client auth via +iCERT and +iPKEY",
    ),
    clock: Rule::i(
        ClockCheck::Unknown,
        "ichip.md 6: whether dates are enforced is unknown",
    ),
    ca_choice: Rule::i(CaChoice::Root, "ichip.md 3.1: +iCA holds the trusted root"),
    tls_versions: Rule::c("SSL 3.0, TLS 1.0", "ichip.md 6"),
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::lint::Role;

    #[test]
    fn every_family_has_consistent_rules() {
        for family in Family::ALL {
            let r = rules(family);
            assert_eq!(r.family, family.id());
            for role in Role::ALL {
                let rr = r.role(role);
                assert!(
                    rr.accepted.value.contains(&rr.send_as),
                    "{family:?} {role:?} sends an encoding it does not accept"
                );
                let (min, max) = rr.rsa_bits.value;
                assert!(min <= max && min >= 512);
                if role == Role::ClientKey {
                    assert!(!rr.key_encodings.value.is_empty(), "{family:?}");
                }
            }
        }
    }
}
