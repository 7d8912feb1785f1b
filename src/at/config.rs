//! What the engine needs to know about a module line: its echo, its unsolicited lines and
//! its own final-result forms (a family's own are set by its driver's `engine_config`).
//! Everything else (`OK`, `ERROR`, `+CME ERROR`, `+CMS ERROR`, `AT-S.OK`, `AT-S.ERROR:..`,
//! `I/OK`, `I/ERROR (..)`) is recognised for every family.

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

/// Engine settings. Start from [`Config::default`] and add a family's own lines (each
/// driver's `engine_config` in `modules/<family>.rs`).
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
    /// Adds line starts that are unsolicited (a family's own URCs).
    #[must_use]
    pub fn with_urc_prefixes(mut self, prefixes: &[&str]) -> Self {
        self.urc_prefixes.extend(strings(prefixes));
        self
    }

    /// Adds final results of the family's own.
    #[must_use]
    pub fn with_vendor_finals(mut self, finals: impl IntoIterator<Item = VendorFinal>) -> Self {
        self.vendor_finals.extend(finals);
        self
    }
}

impl VendorFinal {
    /// A line that ends the command as [`crate::at::Final::Ok`].
    pub fn success(matches: LineMatch) -> Self {
        Self {
            matches,
            success: true,
        }
    }

    /// A line that ends the command as [`crate::at::Final::Vendor`].
    pub fn failure(matches: LineMatch) -> Self {
        Self {
            matches,
            success: false,
        }
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}
