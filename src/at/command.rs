//! What a flow asks of the engine ([`Command`]) and what the engine reports back ([`Event`],
//! [`Final`]). These types are the contract between `at`, `session` and `modules`; the plan
//! printed by `atcert plan` is a list of [`Command`]s, so what a flow sends is exactly what
//! the plan shows.

use core::time::Duration;

/// One AT command and everything needed to run it: its line, an optional data phase, how to
/// read its answer, and how long to wait.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Command {
    /// The command line without its terminator, e.g. `AT+CCERTDOWN="ca.pem",1342`.
    pub line: Vec<u8>,
    /// The bytes that end the line; `\r` for nearly every module.
    pub terminator: Vec<u8>,
    /// Bytes sent after the line, for commands that upload data.
    pub data: Option<DataPhase>,
    /// How the answer is shaped.
    pub response: ResponseShape,
    /// How long the module may take to give its final result, from the last byte sent.
    pub timeout: Duration,
}

/// An upload that follows a command: a certificate, a key, or bytes for a TLS socket.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct DataPhase {
    /// What the module says when it is ready for the data.
    pub trigger: Trigger,
    /// The exact bytes to send.
    pub payload: Vec<u8>,
    /// Sent after the payload: `Some(0x1A)` (Ctrl+Z) or `Some(0x1B)` (ESC, cancels) for
    /// modules that end data with a character; `None` when the length was given up front.
    pub terminator: Option<u8>,
    /// How long to wait for the trigger.
    pub trigger_timeout: Duration,
}

/// The signal that a module is ready to receive a data phase.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Trigger {
    /// `>` or `> ` at the start of a line, without a line ending (SIMCom, Telit).
    Prompt,
    /// `OK`, then the `>` prompt: the `OK` is not the command's end (ESP-AT
    /// `\r\nOK\r\n\r\n>`, `ESP_AT_RESULT_CODE_OK_AND_INPUT_PROMPT` in `esp_at_core.h`).
    OkThenPrompt,
    /// A whole line such as `CONNECT` or `DOWNLOAD`; a single character (u-blox's `@` for
    /// `AT+USOWR`) needs no line ending.
    Line(String),
    /// No signal: the data follows the command's terminator at once (SPWF04 `AT+S.TLSCERT`,
    /// iChip `AT+iCA`).
    Immediately,
}

/// How to read what the module answers before its final result.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum ResponseShape {
    /// Text lines until a final result. Lines that start with one of `urc_prefixes` and
    /// arrive unasked are still reported as URCs.
    Lines,
    /// A binary block whose length is announced by a header line, e.g.
    /// `+CCHRECV: DATA,0,<n>` or `AT-S.Reading:<n>:<total>`: the engine reads exactly that
    /// many bytes as data, whatever they contain, then goes on reading lines.
    LengthPrefixed { header: LengthHeader },
    /// A known multi-line text block (e.g. a PEM read back) in which no line may be taken
    /// for a final result until `end_marker` has been seen.
    Block { end_marker: String },
    /// A binary block whose count ends its header and whose bytes follow at once, with no
    /// line ending in between: iChip `I/<n>:<n bytes>` (prefix `I/`, field 0). The command
    /// then ends without another line, as iChip sends no `I/OK` after the data.
    InlineLength { header: LengthHeader },
    /// As `InlineLength`, but the command then ends with its own final result: SIM70xx
    /// `+CARECV: <n>,<n bytes>` then `OK`; ESP-AT `+SYSMFG:"ns","key",8,<n>,<n bytes>` then `OK`.
    InlineData { header: LengthHeader },
    /// As `InlineLength`, but the bytes sit inside double quotes after the count field and
    /// the answer goes on to its final result: u-blox `+USORD: <s>,<n>,"<n bytes>"` `OK`.
    QuotedLength { header: LengthHeader },
    /// The first answer line is the whole answer and ends the command, with no `OK`
    /// after it: SIM800 `AT+CIFSR` answers with its IP address alone (sim800.md §5).
    FirstLine,
}

/// Where a binary read's byte count sits in its header line.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct LengthHeader {
    /// The start of the header line, e.g. `+CCHRECV: DATA,` or `AT-S.Reading:`.
    pub prefix: String,
    /// Which comma- or colon-separated field after the prefix holds the count (0-based).
    pub field: usize,
}

/// What ended a command.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Final {
    /// `OK`, `AT-S.OK`, `I/OK`, `SEND OK`-style success.
    Ok,
    /// A bare `ERROR`.
    Error,
    /// `+CME ERROR: <n>` or `+CME ERROR: <text>`.
    CmeError(ErrorCode),
    /// `+CMS ERROR: <n>` or text.
    CmsError(ErrorCode),
    /// A vendor's own failure line, e.g. `AT-S.ERROR:23:Certificate Error` or
    /// `I/ERROR (056)`, with the number when it has one and the line as received.
    Vendor { code: Option<u32>, line: String },
}

/// An error code as the module gave it: a number, or text when verbose errors are on.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum ErrorCode {
    Number(u32),
    Text(String),
}

/// What the engine tells the session. Lines are reported without their line ending.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Event {
    /// The module echoed the command line back.
    Echo(Vec<u8>),
    /// An intermediate response line of the running command.
    Line(String),
    /// An unsolicited result code: a line that belongs to no command (`+CPIN: READY`,
    /// `RDY`, `+CCHEVENT: ...`, `+WIND:...`). It may arrive at any point.
    Urc(String),
    /// The module asked for the data phase.
    Prompt,
    /// The data phase has been queued for sending (payload and terminator).
    DataQueued { bytes: usize },
    /// Binary data read under a length header.
    Data(Vec<u8>),
    /// The running command ended.
    Final(Final),
    /// The running command got no final result in time. `received` is what arrived for it.
    TimedOut { command: Vec<u8>, received: Vec<u8> },
    /// Bytes that arrived while no command was running and that are not a known URC
    /// (drained before the next command).
    Stale(Vec<u8>),
    /// Binary data that followed a URC with a length header (SIM7600 `+CCHRECV: DATA,0,<n>`
    /// in automatic receive mode). The header itself was reported as [`Event::Urc`] just before.
    UrcData(Vec<u8>),
    /// The module sent more than the engine keeps (an over-long line, a data block above the
    /// configured limit). `discarded` bytes were dropped so memory stays bounded.
    Overflow { discarded: usize },
}

impl Command {
    /// The timeout [`Command::new`] gives a command whose manual states none. [I] Simple
    /// queries answer within milliseconds on every family; 5 s leaves room for a slow
    /// module without making a dead port wait long. Flows set the documented value.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

    /// A text command ended by `\r`, answered with lines, with [`Command::DEFAULT_TIMEOUT`].
    pub fn new(line: impl Into<Vec<u8>>) -> Self {
        Self {
            line: line.into(),
            terminator: b"\r".to_vec(),
            data: None,
            response: ResponseShape::Lines,
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }

    /// Sets how long the module may take to give its final result.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the bytes that end the command line.
    #[must_use]
    pub fn with_terminator(mut self, terminator: impl Into<Vec<u8>>) -> Self {
        self.terminator = terminator.into();
        self
    }

    /// Adds a data phase.
    #[must_use]
    pub fn with_data(mut self, data: DataPhase) -> Self {
        self.data = Some(data);
        self
    }

    /// Sets how the answer is shaped.
    #[must_use]
    pub fn with_response(mut self, response: ResponseShape) -> Self {
        self.response = response;
        self
    }

    /// The command line as text, for messages and transcripts (invalid UTF-8 is replaced).
    pub fn line_text(&self) -> String {
        String::from_utf8_lossy(&self.line).into_owned()
    }
}

impl DataPhase {
    /// [I] How long a module takes to show its prompt when its manual gives no figure.
    pub const DEFAULT_TRIGGER_TIMEOUT: Duration = Duration::from_secs(5);

    /// Data sent after a `>` prompt, with no terminator (the length was in the command).
    pub fn after_prompt(payload: impl Into<Vec<u8>>) -> Self {
        Self {
            trigger: Trigger::Prompt,
            payload: payload.into(),
            terminator: None,
            trigger_timeout: Self::DEFAULT_TRIGGER_TIMEOUT,
        }
    }

    /// Data sent right after the command's terminator (SPWF04, iChip).
    pub fn immediately(payload: impl Into<Vec<u8>>) -> Self {
        Self {
            trigger: Trigger::Immediately,
            payload: payload.into(),
            terminator: None,
            trigger_timeout: Self::DEFAULT_TRIGGER_TIMEOUT,
        }
    }

    /// Data sent after a whole trigger line such as `CONNECT` or `DOWNLOAD`.
    pub fn after_line(line: impl Into<String>, payload: impl Into<Vec<u8>>) -> Self {
        Self {
            trigger: Trigger::Line(line.into()),
            payload: payload.into(),
            terminator: None,
            trigger_timeout: Self::DEFAULT_TRIGGER_TIMEOUT,
        }
    }

    /// Ends the payload with a character: 0x1A (Ctrl+Z) to submit, 0x1B (ESC) to cancel.
    #[must_use]
    pub fn terminated_by(mut self, byte: u8) -> Self {
        self.terminator = Some(byte);
        self
    }

    /// Sets how long to wait for the trigger.
    #[must_use]
    pub fn with_trigger_timeout(mut self, timeout: Duration) -> Self {
        self.trigger_timeout = timeout;
        self
    }

    /// Everything written in the data phase: the payload, then the terminator if any.
    pub fn wire_bytes(&self) -> Vec<u8> {
        let mut bytes = self.payload.clone();
        bytes.extend(self.terminator);
        bytes
    }
}

impl LengthHeader {
    pub fn new(prefix: impl Into<String>, field: usize) -> Self {
        Self {
            prefix: prefix.into(),
            field,
        }
    }
}

impl Default for Final {
    /// `Ok`, so an empty response reads as a success.
    fn default() -> Self {
        Self::Ok
    }
}

impl Final {
    /// True for every success form (`OK`, `AT-S.OK`, `I/OK`, configured success lines).
    pub fn is_ok(&self) -> bool {
        matches!(self, Self::Ok)
    }
}

impl core::fmt::Display for Final {
    /// The result as the module would have written it (vendor lines verbatim).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Ok => f.write_str("OK"),
            Self::Error => f.write_str("ERROR"),
            Self::CmeError(code) => write!(f, "+CME ERROR: {code}"),
            Self::CmsError(code) => write!(f, "+CMS ERROR: {code}"),
            Self::Vendor { line, .. } => f.write_str(line),
        }
    }
}

impl core::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Text(t) => f.write_str(t),
        }
    }
}
