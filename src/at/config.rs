//! What the engine needs to know about a module line: its echo, its unsolicited lines and
//! its own final-result forms. Everything else (`OK`, `ERROR`, `+CME ERROR`, `+CMS ERROR`,
//! `AT-S.OK`, `AT-S.ERROR:..`, `I/OK`, `I/ERROR (..)`) is recognised for every family.

/// Whether the module echoes command lines back.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub enum EchoMode {
    /// Take a line equal to the command line as its echo; work out whether echo is on from
    /// what comes back (see [`crate::at::Engine::echo_detected`]).
    #[default]
    Auto,
    /// Echo is on (`ATE1`). Behaves like `Auto`; a missing echo is not an error.
    On,
    /// Echo is off (`ATE0`): a line equal to the command line is an answer line.
    Off,
}

/// How a configured final-result line is recognised.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum LineMatch {
    Exact(String),
    Prefix(String),
    /// For multiplexed results such as SIM800's `0, SEND OK`.
    Suffix(String),
}

impl LineMatch {
    pub fn matches(&self, line: &str) -> bool {
        match self {
            Self::Exact(s) => line == s,
            Self::Prefix(s) => line.starts_with(s.as_str()),
            Self::Suffix(s) => line.ends_with(s.as_str()),
        }
    }
}

/// A family's own final result, beyond the forms every family shares.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct VendorFinal {
    pub matches: LineMatch,
    /// `true`: reported as [`crate::at::Final::Ok`]; `false`: as
    /// [`crate::at::Final::Vendor`] with the line.
    pub success: bool,
}

/// Engine settings. Start from a family constructor and adjust.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Config {
    pub echo: EchoMode,
    /// Starts of lines that are unsolicited (`+WIND:`, `+CCHEVENT:`, `RDY`). While a command
    /// runs, a line is still its answer when it starts with the command's own name
    /// (`+CCHRECV` for `AT+CCHRECV=..`), so a URC and an answer of the same prefix are told
    /// apart by who asked.
    pub urc_prefixes: Vec<String>,
    /// While no command runs, also take any `+NAME:` / `#NAME:` line as a URC.
    pub generic_urcs: bool,
    /// URC headers that announce binary data (SIM7600 `+CCHRECV: DATA,` in automatic
    /// receive mode): the engine reads that many bytes as [`crate::at::Event::UrcData`].
    pub urc_data_headers: Vec<crate::at::LengthHeader>,
    /// Extra final results of this family (SIM800 `SHUT OK`, `SEND OK`).
    pub vendor_finals: Vec<VendorFinal>,
    /// iChip: a line `I/<value>` (not `I/OK`, not `I/ERROR`) is the answer *and* the
    /// end of the command, e.g. `I/000` after `AT+iSTCP`.
    pub value_final_prefix: Option<String>,
    /// The longest line kept; longer lines are cut and reported as overflow.
    pub max_line: usize,
    /// The largest binary block kept (per header); the rest is counted and dropped.
    pub max_data: usize,
    /// How many received bytes are kept per command for [`crate::at::Event::TimedOut`] (the
    /// most recent ones).
    pub max_received: usize,
}

impl Default for Config {
    /// Generic 3GPP behaviour: auto echo, the standard URCs, generic `+X:` URCs.
    fn default() -> Self {
        Self {
            echo: EchoMode::Auto,
            urc_prefixes: strings(&[
                "RING",
                "RDY",
                "+CPIN:",
                "+CREG:",
                "+CGREG:",
                "+CEREG:",
                "+CTZV:",
                "+CMTI:",
                "+CLIP:",
                "NO CARRIER",
                "NORMAL POWER DOWN",
                "UNDER-VOLTAGE",
                "OVER-VOLTAGE",
            ]),
            generic_urcs: true,
            urc_data_headers: Vec::new(),
            vendor_finals: Vec::new(),
            value_final_prefix: None,
            max_line: 8 * 1024,
            max_data: 1024 * 1024,
            max_received: 16 * 1024,
        }
    }
}

impl Config {
    /// SIM800: boot lines and the IP application's own results (sim800.md §5).
    pub fn sim800() -> Self {
        let mut c = Self::default();
        c.urc_prefixes.extend(strings(&[
            "Call Ready",
            "SMS Ready",
            "+CFUN:",
            "+SSLSETCERT:",
            "+CIPRXGET: 1",
            "+HTTPACTION:",
            "+PDP: DEACT",
            "CLOSED",
            // `CONNECT OK` / `<mux>, CONNECT OK` / `<mux>, CLOSED` after the command's own
            // `OK` (sim800.md §5; TinyGSM waits for each).
            "CONNECT OK",
            "CONNECT FAIL",
            "ALREADY CONNECT",
            "0, ",
            "1, ",
            "2, ",
            "3, ",
            "4, ",
            "5, ",
        ]));
        c.vendor_finals = vec![
            success(LineMatch::Exact("SHUT OK".into())),
            success(LineMatch::Suffix("SEND OK".into())),
            success(LineMatch::Prefix("DATA ACCEPT".into())),
            // `AT+CIPCLOSE=0,1` answers `0, CLOSE OK` (no `OK`).
            success(LineMatch::Suffix("CLOSE OK".into())),
            failure(LineMatch::Suffix("SEND FAIL".into())),
        ];
        c
    }

    /// SIM7600/SIM7800/A76xx: the CCH service's URCs (sim7600.md §4.2).
    pub fn sim7600() -> Self {
        let mut c = Self::default();
        c.urc_prefixes.extend(strings(&[
            "+CCHEVENT:",
            "+CCH_RECV_CLOSED:",
            "+CCH_PEER_CLOSED:",
            "+CCHCLOSE:",
            "+CCHSTOP:",
            "+CCHSTART:",
            "+CCHOPEN:",
            "+CCHSEND:",
            "+CCHRECV:",
            "PB DONE",
            "SMS DONE",
            "CLOSED",
        ]));
        c.urc_data_headers = vec![crate::at::LengthHeader::new("+CCHRECV: DATA,", 1)];
        c
    }

    /// SPWF04: `+WIND:` indications (spwf04.md §1). Echo is on by default [I].
    pub fn spwf04() -> Self {
        let mut c = Self::default();
        c.urc_prefixes.push("+WIND:".into());
        c
    }

    /// Telit: `SSLSRING:` and the 3GPP URCs (telit.md §4).
    pub fn telit() -> Self {
        let mut c = Self::default();
        c.urc_prefixes
            .extend(strings(&["SSLSRING:", "SRING:", "#SSLSRING:"]));
        // `AT#SSLD=..,0` and `AT#SSLO` answer `CONNECT` and go online (seed 003, §4.5.3).
        c.vendor_finals = vec![success(LineMatch::Exact("CONNECT".into()))];
        c
    }

    /// iChip: `I/` answers end commands (ichip.md §1).
    pub fn ichip() -> Self {
        Self {
            value_final_prefix: Some("I/".into()),
            ..Self::default()
        }
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn success(matches: LineMatch) -> VendorFinal {
    VendorFinal {
        matches,
        success: true,
    }
}

fn failure(matches: LineMatch) -> VendorFinal {
    VendorFinal {
        matches,
        success: false,
    }
}
